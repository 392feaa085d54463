//! Repeated `kill -9` of client and server processes at random points of push and pull.
//! `CLAIMDB_KILL_POINTS` sets how many (default 6); `CLAIMDB_KILL_SEED` the seed.
//! Afterwards: no database is corrupt, and no operation is lost or stored twice.

mod common;

use std::process::{Child, Stdio};
use std::time::Duration;

use common::Env;
use common::bulk::{Rng, claims_file, env_num};
use common::contract::Check;
use common::server::Server;

fn point_to(env: &Env, url: &str) {
    env.ok(&["remote", "set-url", "origin", &format!("{url}/desk")]);
}

fn still_running(child: &mut Child) -> bool {
    matches!(child.try_wait(), Ok(None))
}

#[test]
fn random_kill_points_lose_and_duplicate_nothing() {
    let points = env_num("CLAIMDB_KILL_POINTS", 6);
    let mut rng = Rng(env_num("CLAIMDB_KILL_SEED", 7));
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let mut server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    let bob = server.join("bob", "writer");
    let (mut mid_client, mut mid_server) = (0, 0);
    for round in 0..points {
        // New work on both sides.
        let f = claims_file(&alice, &format!("a{round}.jsonl"), 200);
        alice.ok(&["import", f.to_str().unwrap()]);
        let f = claims_file(&bob, &format!("b{round}.jsonl"), 20);
        bob.ok(&["import", f.to_str().unwrap()]);
        let victim = rng.below(4);
        let (env, args): (&Env, &[&str]) = match victim {
            0 | 1 => (&alice, &["push", "--batch", "5"]),
            _ => (&bob, &["sync", "--batch", "5", "--page", "5"]),
        };
        let mut child = env
            .std_cmd()
            .args(args)
            .env("CLAIMDB_HTTP_TIMEOUT", "10")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The kill point: a random moment of the transfer.
        std::thread::sleep(Duration::from_millis(rng.below(60)));
        if victim % 2 == 0 {
            mid_server += still_running(&mut child) as u32;
            server.kill9();
            let _ = child.wait();
            server = Server::start(data.path());
            point_to(&alice, &server.url);
            point_to(&bob, &server.url);
        } else {
            mid_client += still_running(&mut child) as u32;
            let _ = child.kill();
            let _ = child.wait();
        }
        for env in [&alice, &bob] {
            let check: Check = env.typed(&["check"]);
            assert!(check.ok, "round {round}: {check:?}");
        }
    }
    // Quiet network: everyone syncs, twice.
    for _ in 0..2 {
        alice.ok(&["sync"]);
        bob.ok(&["sync"]);
    }
    let made = points * 220;
    let n = made;
    assert_eq!(
        Server::log_stats(data.path()),
        (n, n, n),
        "every op once, densely"
    );
    for env in [&alice, &bob] {
        let check: Check = env.typed(&["check"]);
        assert!(check.ok);
        assert_eq!(check.operations, made);
    }
    assert_eq!(
        alice.ok(&["export", "--format", "jsonl"]),
        bob.ok(&["export", "--format", "jsonl"])
    );
    eprintln!(
        "{points} kill points: {mid_client} clients and {mid_server} servers killed mid-transfer; 0 corrupt, 0 lost, 0 duplicated"
    );
    assert!(
        mid_client + mid_server > 0,
        "no kill landed during a transfer"
    );
}
