//! Crashes during sync: `kill -9` of the server in the middle of a large push, and of the
//! client in the middle of a large pull. Nothing is lost, nothing duplicated, and every
//! database stays sound.

mod common;

use std::time::{Duration, Instant};

use common::Env;
use common::contract::Check;
use common::server::Server;

const CLAIMS: usize = 3_000;

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn cursor(env: &Env) -> u64 {
    let Ok(c) =
        rusqlite::Connection::open_with_flags(&env.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    let _ = c.busy_timeout(Duration::from_secs(5));
    c.query_row(
        "SELECT cursor FROM remotes WHERE name = 'origin'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|v| v as u64)
    .unwrap_or(0)
}

#[test]
fn kill_9_of_server_mid_push_and_of_client_mid_pull() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let mut server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    let file = common::bulk::claims_file(&alice, "bulk.jsonl", CLAIMS);
    alice.ok(&["import", file.to_str().unwrap()]);
    let own_ops = alice.json(&["remote", "status"])["remotes"][0]["unpushed"]
        .as_u64()
        .unwrap();
    assert_eq!(own_ops, CLAIMS as u64);

    // Push in small batches; kill the server once some, not all, have landed.
    let push = alice
        .std_cmd()
        .args(["push", "--batch", "10"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("part of the push to land", || {
        Server::op_count(data.path(), "desk") >= 200
    });
    server.kill9();
    let at_kill = Server::op_count(data.path(), "desk");
    assert!(
        at_kill < CLAIMS as u64,
        "the kill came after the push ended ({at_kill})"
    );
    let out = push.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "the push reports the lost server"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach") || err.contains("broke"),
        "{err}"
    );

    // Restart on the same data (a new port), push again: everything, once.
    let server = Server::start(data.path());
    alice.ok(&[
        "remote",
        "set-url",
        "origin",
        &format!("{}/desk", server.url),
    ]);
    alice.ok(&["push"]);
    let n = CLAIMS as u64;
    assert_eq!(
        Server::log_stats(data.path()),
        (n, n, n),
        "every op once, densely"
    );

    // A new member pulls in small pages; kill the client part way.
    let bob = server.join("bob", "writer");
    let mut pull = bob
        .std_cmd()
        .args(["pull", "--page", "20"])
        .spawn()
        .unwrap();
    wait_until("part of the pull to apply", || cursor(&bob) >= 200);
    pull.kill().unwrap();
    let _ = pull.wait();
    let at_kill = cursor(&bob);
    assert!(
        at_kill < CLAIMS as u64,
        "the kill came after the pull ended ({at_kill})"
    );
    let check: Check = bob.typed(&["check"]);
    assert!(check.ok, "{check:?}");
    assert_eq!(
        check.operations, at_kill,
        "applied operations match the cursor"
    );
    bob.ok(&["pull"]);
    let check: Check = bob.typed(&["check"]);
    assert!(check.ok);
    assert_eq!(check.operations, CLAIMS as u64);
    assert_eq!(
        alice.ok(&["export", "--format", "jsonl"]),
        bob.ok(&["export", "--format", "jsonl"])
    );
}
