//! Recovery and resource limits: backups of client and server databases, a read-only database,
//! a full disk, and rate-limited failed logins.

mod common;

use std::process::Command;

use common::Env;
use common::contract::{Check, Claims};
use common::server::{Server, bin};

#[test]
fn client_backup_is_a_consistent_copy_that_restores() {
    let env = Env::new();
    for i in 0..50 {
        env.ok(&[
            "claim",
            "add",
            &format!("Claim {i} «копия»"),
            "--status",
            "false",
        ]);
    }
    let copy = env.path("backup.db");
    env.ok(&["backup", copy.to_str().unwrap()]);
    let err = env.fails(2, &["backup", copy.to_str().unwrap()]);
    assert!(err.contains("exists"), "{err}");
    // Restore: use the copy as the database.
    let mut restored = Env::new();
    std::fs::copy(&copy, &restored.db).unwrap();
    restored.user = env.user.clone();
    let check: Check = restored.typed(&["check"]);
    assert!(check.ok);
    assert_eq!(restored.snapshot(), env.snapshot());
}

#[test]
fn server_backup_while_serving_restores_to_the_same_log() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    for i in 0..20 {
        alice.ok(&["claim", "add", &format!("Server claim {i}")]);
    }
    alice.ok(&["push"]);
    let backup = data.path().join("server-backup.db");
    Server::admin(data.path(), &["backup", backup.to_str().unwrap()]);
    // Work goes on after the backup, then the server is lost.
    for i in 20..25 {
        alice.ok(&["claim", "add", &format!("Server claim {i}")]);
    }
    alice.ok(&["push"]);
    drop(server);
    // Restore into a new data directory and serve it; alice resets her remote so the
    // changes the backup lacks are sent again.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup, restored.path().join("server.db")).unwrap();
    let server = Server::start(restored.path());
    assert_eq!(
        Server::log_stats(restored.path()).0,
        20,
        "the backup holds what was pushed before it"
    );
    alice.ok(&[
        "remote",
        "set-url",
        "origin",
        &format!("{}/desk", server.url),
    ]);
    alice.ok(&["remote", "reset", "origin"]);
    alice.ok(&["sync"]);
    assert_eq!(
        Server::log_stats(restored.path()),
        (25, 25, 25),
        "nothing lost, nothing twice"
    );
    let bob = server.join("bob", "reader");
    bob.ok(&["pull"]);
    assert_eq!(bob.typed::<Claims>(&["claim", "list"]).claims.len(), 25);
    assert_eq!(
        alice.ok(&["export", "--format", "jsonl"]),
        bob.ok(&["export", "--format", "jsonl"])
    );
}

#[test]
fn a_read_only_database_gives_a_clear_error_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    let mut store = claimdb::Store::open(&path, Some("t")).unwrap();
    store
        .add_claim(claimdb::store::NewClaim {
            text: "Before".into(),
            ..Default::default()
        })
        .unwrap();
    // The store as it is on a read-only medium: every write is refused by SQLite.
    store
        .conn()
        .pragma_update(None, "query_only", true)
        .unwrap();
    let err = store
        .add_claim(claimdb::store::NewClaim {
            text: "After".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(!err.to_string().contains('\n'));
    store
        .conn()
        .pragma_update(None, "query_only", false)
        .unwrap();
    assert_eq!(store.op_count().unwrap(), 1);
    assert!(store.verify_rebuild().unwrap().is_empty());
}

#[test]
fn a_full_disk_gives_a_clear_error_and_writes_nothing() {
    let env = Env::new();
    env.ok(&["claim", "add", "Already here"]);
    let before = env.snapshot();
    // A big import, under a file size limit the database cannot grow past.
    let big = env.path("big.jsonl");
    let mut body = String::new();
    for i in 0..4000 {
        body += &serde_json::json!({
            "type": "claim", "id": uuid::Uuid::new_v4(),
            "text": format!("{i} {}", "padding text to fill pages ".repeat(20)),
            "speaker": null, "said_on": null, "tags": [], "deleted": false,
            "created_at": "2024-01-01T00:00:00Z", "created_by": "x"
        })
        .to_string();
        body.push('\n');
    }
    std::fs::write(&big, body).unwrap();
    let limit_kb = std::fs::metadata(&env.db).unwrap().len() / 1024 + 1024;
    let script = format!("trap '' XFSZ; ulimit -f {limit_kb}; exec \"$0\" \"$@\"");
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script).arg(bin());
    let std = env.std_cmd();
    for (k, v) in std.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.args(std.get_args())
        .args(["import", big.to_str().unwrap()]);
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("disk is full") || err.contains("cannot write the database file"),
        "{err}"
    );
    let check: Check = env.typed(&["check"]);
    assert!(check.ok, "{check:?}");
    assert_eq!(env.snapshot(), before, "nothing was half-written");
}

#[test]
fn failed_logins_are_rate_limited_per_address() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let token = Server::member(data.path(), "desk", "alice", "writer");
    let mut child = Command::new(bin())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--auth-failures-per-minute",
            "3",
            "--data",
        ])
        .arg(data.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let who = format!("{url}/v1/whoami");
    let client = reqwest::blocking::Client::new();
    for _ in 0..3 {
        let r = client.get(&who).bearer_auth("cdb1.bad.bad").send().unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = client.get(&who).bearer_auth("cdb1.bad.bad").send().unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["error"]["code"], "too_many_failures");
    // The same address waits even with a good token; another address is served.
    assert_eq!(
        client
            .get(&who)
            .bearer_auth(&token)
            .send()
            .unwrap()
            .status(),
        429
    );
    let other = reqwest::blocking::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    assert_eq!(
        other.get(&who).bearer_auth(&token).send().unwrap().status(),
        200
    );
    let _ = child.kill();
    let _ = child.wait();
}
