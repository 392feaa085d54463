//! Who a database is: a copied database takes a replica id of its own, the server binds each
//! replica id to one member, an operation pulled from elsewhere is never pushed as one's own,
//! and a server whose clock is behind is named as the clock that is off.

mod common;

use std::process::Output;

use common::Env;
use common::server::Server;
use serde_json::{Value, json};

fn run(env: &Env, token: Option<&str>, args: &[&str]) -> Output {
    let mut c = env.std_cmd();
    if let Some(t) = token {
        c.env("CLAIMDB_TOKEN", t);
    }
    c.args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn replica(env: &Env) -> String {
    env.json(&["init"])["replica_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn refused(env: &Env) -> u64 {
    env.json(&["remote", "status", "origin"])["remotes"][0]["refused"]
        .as_u64()
        .unwrap_or_else(|| panic!("remote status: {}", env.ok(&["remote", "status"])))
}

fn exported(env: &Env) -> String {
    env.ok(&["export", "--format", "jsonl"])
}

#[test]
fn a_copy_of_a_database_in_use_takes_its_own_replica_id() {
    let alice = Env::as_user("alice");
    alice.ok(&["claim", "add", "Самолёт с дипломатом приземлился в Москве"]);
    let original = replica(&alice);

    let bob = Env::as_user("bob");
    std::fs::copy(&alice.db, &bob.db).unwrap();
    let out = run(&bob, None, &["--json", "init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a copy of"), "{}", stderr(&out));
    let copy: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(copy["replica_id"].as_str().unwrap(), original);
    // The original keeps its id, and the copy keeps its new one.
    assert_eq!(replica(&alice), original);
    assert_eq!(replica(&bob), copy["replica_id"].as_str().unwrap());

    // A backup is a copy too, once it is opened beside the original.
    let backup = alice.path("backup.db");
    alice.ok(&["backup", backup.to_str().unwrap()]);
    let mut restored = Env::as_user("alice");
    restored.db = backup;
    assert_ne!(replica(&restored), original);

    // A database that was moved (nothing left at the old path) keeps its id.
    let mut moved = Env::as_user("alice");
    moved.db = alice.path("moved.db");
    std::fs::rename(&alice.db, &moved.db).unwrap();
    assert_eq!(replica(&moved), original);
}

#[test]
fn a_copy_made_on_another_machine_is_given_its_own_id_at_its_first_sync() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    alice.ok(&["claim", "add", "Alice: the ministry denied the report"]);
    alice.ok(&["sync"]);

    // Bob gets a copy of Alice's database from another machine: the file it was made from
    // is not on his.
    let bob = Env::as_user("bob");
    let away = alice.path("away.db");
    std::fs::rename(&alice.db, &away).unwrap();
    std::fs::copy(&away, &bob.db).unwrap();
    bob.ok(&["claim", "list"]);
    std::fs::rename(&away, &alice.db).unwrap();
    assert_eq!(replica(&bob), replica(&alice), "not detectable locally");

    let bob_token = Server::member(data.path(), "desk", "bob", "writer");
    bob.ok(&["claim", "add", "Bob: «Türkiye closed the strait», per TASS"]);
    let out = run(&bob, Some(&bob_token), &["sync"]);
    assert!(out.status.success(), "bob's sync: {}", stderr(&out));
    assert!(
        stderr(&out).contains("belongs to another member"),
        "{}",
        stderr(&out)
    );
    assert_ne!(replica(&bob), replica(&alice));

    alice.ok(&["claim", "add", "Alice again"]);
    alice.ok(&["sync"]);
    let out = run(&bob, Some(&bob_token), &["sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    alice.ok(&["sync"]);
    assert_eq!(refused(&alice), 0);
    assert!(alice.ok(&["claim", "list"]).contains("Türkiye"));
    assert_eq!(exported(&alice), exported(&bob));
}

/// An operation as a client would push it, by `author` under `replica`.
fn claim_op(replica: &str, author: &str, text: &str) -> Value {
    let now = chrono::Utc::now();
    json!({
        "id": uuid::Uuid::now_v7(),
        "hlc": (now.timestamp_millis() as u64) << 16,
        "replica": replica,
        "author": author,
        "change": {
            "op": "create_claim",
            "claim": uuid::Uuid::new_v4(),
            "text": text,
            "speaker": null,
            "said_on": null,
            "tags": [],
            "created_at": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "created_by": author,
        }
    })
}

fn push_raw(server: &Server, token: &str, op: &Value) -> Value {
    reqwest::blocking::Client::new()
        .post(format!("{}/v1/workspaces/desk/ops", server.url))
        .bearer_auth(token)
        .json(&json!({ "ops": [op] }))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn nobody_pushes_under_another_members_replica_id() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    let carol = server.join("carol", "writer");
    let mallory = Server::member(data.path(), "desk", "mallory", "writer");
    alice.ok(&["claim", "add", "Alice's claim"]);
    alice.ok(&["sync"]);

    // Under a replica id that is already someone's: refused.
    let resp = push_raw(
        &server,
        &mallory,
        &claim_op(&replica(&alice), "mallory", "forged"),
    );
    assert_eq!(resp["results"][0]["code"], "replica_taken", "{resp}");

    // Under one nobody has used yet (Carol has not synced): it becomes the writer's.
    let resp = push_raw(
        &server,
        &mallory,
        &claim_op(&replica(&carol), "mallory", "sly"),
    );
    assert_eq!(resp["results"][0]["status"], "accepted", "{resp}");
    carol.ok(&["claim", "add", "Carol's claim: «السفير قال»"]);
    let out = run(&carol, None, &["sync"]);
    assert!(out.status.success(), "carol's sync: {}", stderr(&out));
    // Carol pulled the operation that carries her old id; it is not hers to push.
    let out = run(&carol, None, &["sync"]);
    assert!(
        out.status.success(),
        "carol's second sync: {}",
        stderr(&out)
    );
    assert_eq!(refused(&carol), 0);
    alice.ok(&["sync"]);
    assert!(alice.ok(&["claim", "list"]).contains("السفير"));
    assert_eq!(exported(&alice), exported(&carol));
}

#[test]
fn a_server_clock_behind_is_named_and_the_next_sync_recovers() {
    if std::process::Command::new("faketime")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CLAIMDB_REQUIRE_FAKETIME").is_none(),
            "faketime is required here (CLAIMDB_REQUIRE_FAKETIME is set) but not installed"
        );
        eprintln!("skipped: needs faketime (apt-get install -y faketime); .ci/run installs it");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let slow = Server::start_under(
        data.path(),
        &[],
        &[
            "env",
            "FAKETIME_DONT_FAKE_MONOTONIC=1",
            "faketime",
            "-f",
            "-10m",
        ],
    );
    let alice = slow.join("alice", "writer");
    alice.ok(&["claim", "add", "Claim made with a right clock"]);
    let out = run(&alice, None, &["sync"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("the server's clock is") && err.contains("behind"),
        "{err}"
    );
    assert!(err.contains("min"), "the difference is measured: {err}");
    assert_eq!(Server::op_count(data.path(), "desk"), 0);
    // The server's side of it: whose changes, and by how much.
    let log = std::fs::read_to_string(data.path().join("serve.stderr")).unwrap();
    assert!(
        log.contains("from 'alice'") && log.contains("this server's clock is behind"),
        "{log}"
    );
    let secs: u64 = log
        .split(" s ahead of the server's clock")
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no measured difference: {log}"));
    assert!((590..=610).contains(&secs), "{log}");
    drop(slow);

    // Once the clocks agree, the next sync sends the change.
    let fixed = Server::start(data.path());
    alice.ok(&[
        "remote",
        "set-url",
        "origin",
        &format!("{}/desk", fixed.url),
    ]);
    alice.ok(&["sync"]);
    assert_eq!(Server::op_count(data.path(), "desk"), 1);
    assert_eq!(refused(&alice), 0);
}

/// Every operation in the log with the replica id it carries.
fn log_replicas(env: &Env) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(&env.db).unwrap();
    let mut stmt = db
        .prepare("SELECT id, replica FROM ops ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_copy_takes_the_originals_new_replica_id_for_the_changes_they_share() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    alice.ok(&["sync"]);
    // Alice's changes are not sent yet when her database is copied elsewhere.
    alice.ok(&["claim", "add", "Посол заявил, что самолёт приземлился"]);
    let id = alice.claim_id("Посол");
    alice.ok(&[
        "claim",
        "edit",
        &id,
        "--text",
        "Посол заявил: самолёт приземлился",
    ]);
    let bob = Env::as_user("bob");
    let away = alice.path("away.db");
    std::fs::rename(&alice.db, &away).unwrap();
    std::fs::copy(&away, &bob.db).unwrap();
    bob.ok(&["claim", "list"]);
    std::fs::rename(&away, &alice.db).unwrap();

    // Bob sends first: the replica id becomes his, and Alice's changes are hers to send.
    let bob_token = Server::member(data.path(), "desk", "bob", "writer");
    bob.ok(&["claim", "add", "Bob's own claim"]);
    let _ = run(&bob, Some(&bob_token), &["sync"]);
    // Alice is told the id is taken, takes a new one and sends her changes under it.
    let out = run(&alice, None, &["sync"]);
    assert!(out.status.success(), "alice's sync: {}", stderr(&out));
    assert!(
        stderr(&out).contains("belongs to another member"),
        "{}",
        stderr(&out)
    );
    // Bob receives them under Alice's new id and keeps that version.
    let out = run(&bob, Some(&bob_token), &["sync"]);
    assert!(out.status.success(), "bob's sync: {}", stderr(&out));
    alice.ok(&["sync"]);
    assert_eq!(log_replicas(&alice), log_replicas(&bob));
    assert_eq!(refused(&bob), 0);
    assert_eq!(exported(&alice), exported(&bob));
    assert_eq!(alice.ok(&["conflicts"]), bob.ok(&["conflicts"]));
}
