//! Who may do what on the server, how refusals look on the wire and in the CLI, and a client
//! pointed at something that is not a claimdb server.

mod common;

use std::io::{Read, Write};

use common::Env;
use common::server::Server;
use serde_json::{Value, json};

struct Desk {
    _data: tempfile::TempDir,
    server: Server,
    writer: String,
    reader: String,
    other: String,
}

fn desk() -> Desk {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    Server::workspace(data.path(), "other");
    let server = Server::start(data.path());
    Desk {
        writer: Server::member(data.path(), "desk", "wanda", "writer"),
        reader: Server::member(data.path(), "desk", "rita", "reader"),
        other: Server::member(data.path(), "other", "olga", "writer"),
        server,
        _data: data,
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

/// Status and the error code of a JSON error body.
fn refusal(resp: reqwest::blocking::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().expect("errors are JSON");
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_string(),
    )
}

/// A real operation, made by `user` in a scratch database.
fn op_by(user: &str) -> Value {
    let env = Env::as_user(user);
    env.ok(&["claim", "add", "A claim to push"]);
    let log: common::contract::Log = env.typed(&["log"]);
    let e = &log.operations[0];
    json!({"id": e.id, "hlc": e.hlc, "replica": e.replica, "author": e.author, "change": e.change})
}

#[test]
fn tokens_roles_and_workspaces() {
    let d = desk();
    let ops = format!("{}/v1/workspaces/desk/ops", d.server.url);
    let body = json!({"ops": [op_by("wanda")]});

    let (s, code) = refusal(client().post(&ops).json(&body).send().unwrap());
    assert_eq!((s, code.as_str()), (401, "unauthorized"), "no token");
    let (s, _) = refusal(
        client()
            .post(&ops)
            .bearer_auth("cdb1.nobody.0000")
            .json(&body)
            .send()
            .unwrap(),
    );
    assert_eq!(s, 401, "unknown token");
    let forged = format!("{}ff", &d.writer[..d.writer.len() - 2]);
    let (s, _) = refusal(client().get(&ops).bearer_auth(&forged).send().unwrap());
    assert_eq!(s, 401, "right member id, wrong secret");
    let (s, code) = refusal(
        client()
            .post(&ops)
            .bearer_auth(&d.reader)
            .json(&body)
            .send()
            .unwrap(),
    );
    assert_eq!(
        (s, code.as_str()),
        (403, "forbidden"),
        "a reader cannot push"
    );
    let r = client().get(&ops).bearer_auth(&d.reader).send().unwrap();
    assert_eq!(r.status(), 200, "a reader can pull");
    let (s, _) = refusal(client().get(&ops).bearer_auth(&d.other).send().unwrap());
    assert_eq!(s, 403, "a member of another workspace sees nothing");
    let (s, _) = refusal(
        client()
            .get(format!("{}/v1/workspaces/nope/ops", d.server.url))
            .bearer_auth(&d.writer)
            .send()
            .unwrap(),
    );
    assert_eq!(s, 403);

    // The writer's own op is accepted; one claiming another author is refused per op.
    let r: Value = client()
        .post(&ops)
        .bearer_auth(&d.writer)
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["results"][0]["status"], "accepted");
    assert_eq!(r["results"][0]["seq"], 1);
    let again: Value = client()
        .post(&ops)
        .bearer_auth(&d.writer)
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        again["results"][0]["status"], "duplicate",
        "retries are idempotent"
    );
    let mallory = json!({"ops": [op_by("mallory")]});
    let r: Value = client()
        .post(&ops)
        .bearer_auth(&d.writer)
        .json(&mallory)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["results"][0]["status"], "rejected");
    assert_eq!(r["results"][0]["code"], "wrong_author");
    // The same op id with another body is refused, not overwritten.
    let mut changed = body["ops"][0].clone();
    changed["change"]["text"] = json!("Something else entirely");
    let r: Value = client()
        .post(&ops)
        .bearer_auth(&d.writer)
        .json(&json!({"ops": [changed]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["results"][0]["code"], "op_id_reused");
    // A clock far in the future is refused.
    let mut future = op_by("wanda");
    future["hlc"] = json!(((chrono::Utc::now().timestamp_millis() as u64) + 3_600_000) << 16);
    let r: Value = client()
        .post(&ops)
        .bearer_auth(&d.writer)
        .json(&json!({"ops": [future]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["results"][0]["code"], "clock_ahead");
    // An operation about something the workspace never received is refused, so it cannot
    // break other members' pulls.
    let orphan = Env::as_user("wanda");
    orphan.ok(&["claim", "add", "Never pushed", "--status", "false"]);
    let log: common::contract::Log = orphan.typed(&["log"]);
    let verdict = log
        .operations
        .iter()
        .find(|o| o.change["op"] == "add_verdict")
        .unwrap();
    let op = json!({"id": verdict.id, "hlc": verdict.hlc, "replica": verdict.replica, "author": verdict.author, "change": verdict.change});
    let r: Value = client()
        .post(&ops)
        .bearer_auth(&d.writer)
        .json(&json!({"ops": [op]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["results"][0]["code"], "unknown_reference");
    // Garbage inside the batch is refused op by op.
    let r: Value = client()
        .post(&ops)
        .bearer_auth(&d.writer)
        .json(&json!({"ops": [{"id": 5}]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["results"][0]["code"], "invalid_op");

    let who: Value = client()
        .get(format!("{}/v1/whoami", d.server.url))
        .bearer_auth(&d.reader)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        who,
        json!({"workspace": "desk", "member": "rita", "role": "reader", "protocol": 1})
    );
    let pulled: Value = client()
        .get(format!("{ops}?after=0&limit=10"))
        .bearer_auth(&d.reader)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(pulled["head"], 1);
    assert_eq!(pulled["ops"].as_array().unwrap().len(), 1);
}

#[test]
fn malformed_requests_and_limits() {
    let d = desk();
    let ops = format!("{}/v1/workspaces/desk/ops", d.server.url);
    let post = |body: Vec<u8>| {
        client()
            .post(&ops)
            .bearer_auth(&d.writer)
            .body(body)
            .send()
            .unwrap()
    };
    let (s, code) = refusal(post(b"{\"ops\": [".to_vec()));
    assert_eq!((s, code.as_str()), (400, "bad_request"));
    let (s, _) = refusal(post(b"\xff\xfe not json".to_vec()));
    assert_eq!(s, 400);
    // A body over the limit is refused from its declared length, before it is sent.
    let addr = d.server.url.trim_start_matches("http://").to_string();
    let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        tcp,
        "POST /v1/workspaces/desk/ops HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        d.writer,
        17 * 1024 * 1024
    )
    .unwrap();
    let mut answer = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(&tcp), &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // And, sent without a declared length, once it passes the limit.
    let (s, code) = refusal(
        client()
            .post(&ops)
            .bearer_auth(&d.writer)
            .body(reqwest::blocking::Body::new(std::io::Cursor::new(vec![
                b' ';
                16 * 1024 * 1024 + 10
            ])))
            .send()
            .unwrap(),
    );
    assert_eq!((s, code.as_str()), (413, "too_large"));
    let many = json!({"ops": vec![json!({}); 1001]});
    let (s, code) = refusal(post(serde_json::to_vec(&many).unwrap()));
    assert_eq!((s, code.as_str()), (400, "batch_too_large"));
    let (s, code) = refusal(
        client()
            .get(format!("{ops}?after=18446744073709551615"))
            .bearer_auth(&d.writer)
            .send()
            .unwrap(),
    );
    assert_eq!((s, code.as_str()), (400, "bad_request"), "no wrap-around");
    let (s, code) = refusal(client().delete(&ops).bearer_auth(&d.writer).send().unwrap());
    assert_eq!((s, code.as_str()), (405, "method_not_allowed"));
    let (s, code) = refusal(
        client()
            .get(format!("{ops}?after=-1"))
            .bearer_auth(&d.writer)
            .send()
            .unwrap(),
    );
    assert_eq!((s, code.as_str()), (400, "bad_request"));
    let (s, code) = refusal(
        client()
            .get(format!("{}/v2/whoami", d.server.url))
            .send()
            .unwrap(),
    );
    assert_eq!((s, code.as_str()), (404, "not_found"));
    // A gzip body is accepted.
    let body = serde_json::to_vec(&json!({"ops": [op_by("wanda")]})).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&body).unwrap();
    let r: Value = client()
        .post(&ops)
        .bearer_auth(&d.writer)
        .header("Content-Encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["results"][0]["status"], "accepted");
    // The server still serves after all that.
    assert_eq!(
        client()
            .get(&ops)
            .bearer_auth(&d.reader)
            .send()
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn cli_says_what_to_fix() {
    let d = desk();
    let url = format!("{}/desk", d.server.url);
    // No token.
    let env = Env::as_user("wanda");
    env.ok(&["remote", "add", "origin", &url]);
    env.ok(&["claim", "add", "Pending claim"]);
    let before = env.snapshot();
    let err = env.fails(5, &["sync"]);
    assert!(err.contains("401") && err.contains("--token"), "{err}");
    assert_eq!(env.snapshot(), before);
    // A reader cannot push.
    let reader = Env::as_user("rita");
    reader.ok(&["remote", "add", "origin", &url, "--token", &d.reader]);
    reader.ok(&["claim", "add", "Reader's claim"]);
    let err = reader.fails(5, &["push"]);
    assert!(err.contains("403") && err.contains("reader role"), "{err}");
    // Writing under another name than the token's member.
    let wrong = Env::as_user("not-wanda");
    wrong.ok(&["remote", "add", "origin", &url, "--token", &d.writer]);
    wrong.ok(&["claim", "add", "Signed by someone else"]);
    let err = wrong.fails(5, &["push"]);
    assert!(
        err.contains("wrong_author") && err.contains("belongs to 'wanda'"),
        "{err}"
    );
    let status = wrong.json(&["remote", "status"]);
    assert_eq!(status["remotes"][0]["unpushed"], 0);
    assert_eq!(
        status["remotes"][0]["refused"], 1,
        "the refused change is counted"
    );
    // It does not hold up later changes recorded under the right name.
    wrong
        .cmd()
        .env("CLAIMDB_USER", "wanda")
        .args(["claim", "add", "Signed properly"])
        .assert()
        .success();
    let s: common::contract::SyncSummary = wrong.typed(&["push"]);
    assert_eq!((s.pushed, s.refused), (1, 0));
    // Unknown workspace: `remote add` refuses it when it can ask the server; a token given
    // later meets the same refusal at the first pull.
    let lost = Env::as_user("wanda");
    let nowhere = format!("{}/nowhere", d.server.url);
    let err = lost.fails(
        5,
        &["remote", "add", "origin", &nowhere, "--token", &d.writer],
    );
    assert!(err.contains("workspace 'desk', not 'nowhere'"), "{err}");
    lost.ok(&["remote", "add", "origin", &nowhere]);
    let out = lost
        .cmd()
        .env("CLAIMDB_TOKEN", &d.writer)
        .args(["pull"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("403") && err.contains("nowhere"), "{err}");
    // Nothing listening.
    let gone = Env::as_user("wanda");
    gone.ok(&[
        "remote",
        "add",
        "origin",
        "http://127.0.0.1:9/desk",
        "--token",
        &d.writer,
    ]);
    let out = gone
        .cmd()
        .env("CLAIMDB_HTTP_TIMEOUT", "2")
        .args(["pull"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
}

/// A server that answers every request with the same bytes.
fn fake_server(response: &'static [u8]) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let _ = s.write_all(response);
        }
    });
    format!("http://{addr}/desk")
}

#[test]
fn garbage_from_the_server_changes_nothing() {
    let cases: [(&[u8], &str); 3] = [
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ops\": [1]", "not claimdb sync JSON"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n<html></html>", "not claimdb sync JSON"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 80\r\nConnection: close\r\n\r\n{\"ops\":[{\"seq\":1,\"op\":{\"id\":\"x\"}}],\"head\":1}", "not claimdb sync JSON"),
    ];
    for (response, expect) in cases {
        let url = fake_server(response);
        let env = Env::as_user("wanda");
        // With the token, `remote add` asks the server and refuses what it answers.
        env.fails(5, &["remote", "add", "origin", &url, "--token", "cdb1.x.y"]);
        env.ok(&["remote", "add", "origin", &url]);
        env.ok(&["claim", "add", "Local claim"]);
        let before = env.snapshot();
        let out = env
            .cmd()
            .env("CLAIMDB_TOKEN", "cdb1.x.y")
            .env("CLAIMDB_HTTP_TIMEOUT", "5")
            .args(["pull"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{err}");
        assert!(err.contains(expect) || err.contains("broke"), "{err}");
        assert_eq!(env.snapshot(), before);
        assert_eq!(env.json(&["remote", "status"])["remotes"][0]["cursor"], 0);
    }
}

#[test]
fn revoked_tokens_stop_working_and_admin_needs_a_server_database() {
    let d = desk();
    let who = format!("{}/v1/whoami", d.server.url);
    assert_eq!(
        client()
            .get(&who)
            .bearer_auth(&d.writer)
            .send()
            .unwrap()
            .status(),
        200
    );
    Server::admin(&d.server.data, &["revoke", "desk", "wanda"]);
    let (s, code) = refusal(client().get(&who).bearer_auth(&d.writer).send().unwrap());
    assert_eq!((s, code.as_str()), (401, "unauthorized"));
    let members: Value =
        serde_json::from_str(&Server::admin(&d.server.data, &["members", "desk"])).unwrap();
    let wanda = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "wanda")
        .unwrap();
    assert!(wanda["revoked_at"].is_string());
    // A new token for the same member works; the old one stays dead.
    let fresh = Server::member(&d.server.data, "desk", "wanda", "writer");
    assert_eq!(
        client()
            .get(&who)
            .bearer_auth(&fresh)
            .send()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client()
            .get(&who)
            .bearer_auth(&d.writer)
            .send()
            .unwrap()
            .status(),
        401
    );
    // Admin commands on a directory with no server database say so, and create nothing.
    let empty = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::server::bin())
        .args(["server", "members", "desk", "--data"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no server database"));
    assert!(!empty.path().join("server.db").exists());
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let mut d = desk();
    let pid = d.server.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = d.server.child.wait().unwrap();
    assert!(
        exit.success(),
        "the server exits cleanly on SIGTERM: {exit:?}"
    );
    // Its database is sound and reopens.
    let again = Server::start(&d.server.data);
    let who = format!("{}/v1/whoami", again.url);
    assert_eq!(
        client()
            .get(&who)
            .bearer_auth(&d.reader)
            .send()
            .unwrap()
            .status(),
        200
    );
}

/// `remote add` asks the server who the token belongs to: a token it refuses is refused with
/// nothing saved, a user name other than the member's is warned about, and a database with no
/// user name takes the member's.
#[test]
fn remote_add_checks_the_token_and_the_user_name() {
    let d = desk();
    let url = format!("{}/desk", d.server.url);
    let env = Env::as_user("wanda");
    env.ok(&["claim", "add", "Ущерб — миллиард 💶"]);
    let before = env.snapshot();
    let forged = "cdb1.0123456789abcdef0123456789abcdef.00";
    let err = env.fails(5, &["remote", "add", "origin", &url, "--token", forged]);
    assert!(err.contains("401") && err.contains("token"), "{err}");
    assert_eq!(env.json(&["remote", "list"])["remotes"], json!([]));
    assert!(
        !env.path("credentials.toml").exists(),
        "the token was not saved"
    );
    assert_eq!(env.snapshot(), before);
    let err = env.fails(5, &["remote", "add", "origin", &url, "--token", &d.other]);
    assert!(err.contains("workspace 'other'"), "{err}");
    // A name other than the member's is warned about.
    let other_name = Env::as_user("Ванда");
    let out = other_name
        .cmd()
        .args(["remote", "add", "origin", &url, "--token", &d.writer])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning") && err.contains("'Ванда'") && err.contains("'wanda'"),
        "{err}"
    );
    // With no user name anywhere ($USER unset, no --user, no config), writes are refused
    // until one is known, and `remote add` records the member's.
    let nameless = Env::new();
    let bare = |args: &[&str]| {
        nameless
            .cmd()
            .env_remove("CLAIMDB_USER")
            .env_remove("USER")
            .args(args)
            .output()
            .unwrap()
    };
    let out = bare(&["claim", "add", "Без имени"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no user name") && err.contains("--user"),
        "{err}"
    );
    assert!(
        bare(&["claim", "list"]).status.success(),
        "reads still work"
    );
    let out = bare(&["remote", "add", "origin", &url, "--token", &d.writer]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("recorded as 'wanda'"));
    assert!(
        bare(&["claim", "add", "С именем участника"])
            .status
            .success()
    );
    let out = bare(&["--json", "sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: common::contract::SyncSummary = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((s.pushed, s.refused), (1, 0));
    // The user name given empty is refused, not replaced.
    let out = bare(&["--user", "", "claim", "add", "Пусто"]);
    assert_eq!(out.status.code(), Some(2));
    let out = nameless
        .cmd()
        .env("CLAIMDB_USER", " ")
        .args(["claim", "add", "Пусто"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        nameless.json(&["claim", "list"])["claims"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// A reader's sync pulls, then fails saying what it could not send; before, it failed with
/// 403 before pulling anything.
#[test]
fn a_readers_sync_pulls_and_says_what_it_could_not_send() {
    let d = desk();
    let writer = d.server.join_with_token("wanda", &d.writer);
    writer.ok(&["claim", "add", "Мост откроется в июне 🌉"]);
    writer.ok(&["sync"]);
    let reader = d.server.join_with_token("rita", &d.reader);
    reader.ok(&["claim", "add", "Заметка читателя"]);
    let err = reader.fails(5, &["sync"]);
    assert!(
        err.contains("1 change(s)") && err.contains("not sent") && err.contains("reader"),
        "{err}"
    );
    reader.claim_id("Мост откроется");
    let status = reader.json(&["remote", "status"]);
    assert_eq!(
        status["remotes"][0]["unpushed"], 1,
        "the change stays, unsent"
    );
    assert_eq!(status["remotes"][0]["refused"], 0);
    // With nothing of its own to send, a reader's sync succeeds.
    let quiet = d.server.join_with_token("rita", &d.reader);
    let s: common::contract::SyncSummary = quiet.typed(&["sync"]);
    assert_eq!((s.pulled, s.head), (1, 1));
}

/// `push` with nothing to send still asks the server: it reports the real head, and a bad
/// token fails.
#[test]
fn push_with_nothing_to_send_asks_the_server() {
    let d = desk();
    let writer = d.server.join_with_token("wanda", &d.writer);
    writer.ok(&["claim", "add", "Один"]);
    writer.ok(&["claim", "add", "Два"]);
    writer.ok(&["push"]);
    let idle = d.server.join_with_token("wanda", &d.writer);
    let s: common::contract::SyncSummary = idle.typed(&["push"]);
    assert_eq!((s.pushed, s.head), (0, 2), "the remote's real head");
    let before = idle.snapshot();
    let out = idle
        .cmd()
        .env("CLAIMDB_TOKEN", "cdb1.0123456789abcdef0123456789abcdef.00")
        .args(["push"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("401"), "{err}");
    assert_eq!(idle.snapshot(), before);
}

/// Member names are unique as people read them: "Bob" beside "bob" is refused.
#[test]
fn member_names_are_unique_ignoring_case() {
    let d = desk();
    let data = d.server.data.clone();
    let members = || Server::admin(&data, &["members", "desk"]);
    Server::member(&data, "desk", "bob", "writer");
    Server::member(&data, "desk", "Işıl", "writer");
    let before = members();
    for name in ["Bob", "BOB", "IŞIL", "işil"] {
        let out = std::process::Command::new(common::server::bin())
            .args(["server", "member-add", "desk", name, "--data"])
            .arg(&data)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains("ignoring case"), "{err}");
    }
    assert_eq!(members(), before);
    // The same name in another workspace is another member.
    Server::member(&data, "other", "Bob", "writer");
}
