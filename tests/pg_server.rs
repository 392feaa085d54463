//! `claimdb serve` on PostgreSQL: several real server processes on one real throwaway
//! cluster. Concurrent pushers and a continuous puller through two processes (every
//! operation pulled exactly once, numbers dense), kill -9 of one process mid-push,
//! PostgreSQL restarted mid-sync, the admin commands, backup, TLS to the database, and
//! moving a SQLite server's data in while members keep syncing.
//!
//! Skipped with one line when PostgreSQL is not installed (see tests/common/pg.rs).

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use claimdb::ops::Op;
use common::pg::PgCluster;
use common::server::Server;
use serde_json::{Value, json};
use uuid::Uuid;

fn member(url: &str, name: &str, role: &str) -> String {
    let v: Value = serde_json::from_str(&Server::admin_pg(
        url,
        &["member-add", "desk", name, "--role", role],
    ))
    .unwrap();
    v["token"].as_str().unwrap().to_string()
}

use common::claim_op as claim;

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Push `ops` to the server at `base` as `token`; every result must be stored (now or
/// before). Err on a transport failure or a server error, to be retried.
fn push(c: &reqwest::blocking::Client, base: &str, token: &str, ops: &[Op]) -> Result<(), String> {
    let resp = c
        .post(format!("{base}/v1/workspaces/desk/ops"))
        .bearer_auth(token)
        .json(&json!({ "ops": ops }))
        .send()
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let v: Value = resp.json().map_err(|e| e.to_string())?;
    for r in v["results"].as_array().unwrap() {
        let status = r["status"].as_str().unwrap();
        assert!(
            status == "accepted" || status == "duplicate",
            "refused: {r}"
        );
    }
    Ok(())
}

/// One page after `after`: ((seq, op id) pairs, head).
fn pull(
    c: &reqwest::blocking::Client,
    base: &str,
    token: &str,
    after: u64,
    limit: usize,
) -> Result<(Vec<(u64, Uuid)>, u64), String> {
    let resp = c
        .get(format!(
            "{base}/v1/workspaces/desk/ops?after={after}&limit={limit}"
        ))
        .bearer_auth(token)
        .send()
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let v: Value = resp.json().map_err(|e| e.to_string())?;
    let ops = v["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["seq"].as_u64().unwrap(),
                s["op"]["id"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    Ok((ops, v["head"].as_u64().unwrap()))
}

/// Every pushed operation pulled exactly once, in dense sequence order from 1.
fn assert_exactly_once(pulled: &[(u64, Uuid)], pushed: &HashSet<Uuid>) {
    let ids: HashSet<Uuid> = pulled.iter().map(|p| p.1).collect();
    let missed = pushed.difference(&ids).count();
    let gaps: Vec<u64> = pulled
        .iter()
        .enumerate()
        .filter(|(i, p)| p.0 != *i as u64 + 1)
        .map(|(_, p)| p.0)
        .take(5)
        .collect();
    assert!(
        missed == 0 && gaps.is_empty() && ids.len() == pulled.len() && ids == *pushed,
        "pulled {} of {} pushed operations ({missed} never pulled, {} pulled twice); \
         first numbers out of place: {gaps:?}",
        ids.len(),
        pushed.len(),
        pulled.len() - ids.len()
    );
}

/// A database with workspace `desk` and writers w0..w{n}, and their tokens.
fn desk(pg: &PgCluster, name: &str, writers: usize) -> (String, Vec<(String, String)>) {
    let url = pg.create_database(name);
    Server::admin_pg(&url, &["workspace-create", "desk"]);
    let tokens = (0..writers)
        .map(|i| {
            let n = format!("w{i}");
            let t = member(&url, &n, "writer");
            (n, t)
        })
        .collect();
    (url, tokens)
}

/// Pull everything from `base`, retrying failures, until the cursor reaches the head.
fn pull_all(base: &str, token: &str) -> Vec<(u64, Uuid)> {
    let c = http();
    let mut all = Vec::new();
    loop {
        let after = all.last().map_or(0, |p: &(u64, Uuid)| p.0);
        let (page, head) = pull(&c, base, token, after, 1000).unwrap();
        all.extend(page);
        if all.last().map_or(0, |p| p.0) >= head {
            return all;
        }
    }
}

/// Every writer in `tokens` pushes `batches` batches of `size` new claims from a thread of its
/// own; `send` returns once a batch is acknowledged (retrying as a client would), given the
/// batch's number. Returns the threads and the count of acknowledged operations, which
/// rises while they run.
#[allow(clippy::type_complexity)]
fn pushers(
    tokens: &[(String, String)],
    batches: usize,
    size: usize,
    send: impl Fn(&reqwest::blocking::Client, usize, &str, &[Op]) + Send + Sync + 'static,
) -> (Vec<std::thread::JoinHandle<Vec<Uuid>>>, Arc<AtomicU64>) {
    let stored = Arc::new(AtomicU64::new(0));
    let send = Arc::new(send);
    let threads = tokens
        .iter()
        .map(|(name, token)| {
            let (name, token, stored, send) =
                (name.clone(), token.clone(), stored.clone(), send.clone());
            std::thread::spawn(move || {
                let c = http();
                let replica = Uuid::new_v4();
                let mut ids = Vec::new();
                for n in 0..batches {
                    let ops: Vec<Op> = (0..size)
                        .map(|k| claim(&name, replica, &format!("{name} {n}.{k}")))
                        .collect();
                    send(&c, n, &token, &ops);
                    ids.extend(ops.iter().map(|o| o.id));
                    stored.fetch_add(ops.len() as u64, Ordering::SeqCst);
                }
                ids
            })
        })
        .collect();
    (threads, stored)
}

/// The ids the pusher threads pushed, once they are done.
fn joined(threads: Vec<std::thread::JoinHandle<Vec<Uuid>>>) -> HashSet<Uuid> {
    threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect()
}

#[test]
fn concurrent_pushers_through_two_processes_are_pulled_exactly_once() {
    let Some(pg) = PgCluster::start() else { return };
    let logs = tempfile::tempdir().unwrap();
    let (url, tokens) = desk(&pg, "skips", 6);
    let servers = [
        Server::start_pg(&url, &logs.path().join("a")),
        Server::start_pg(&url, &logs.path().join("b")),
    ];
    let bases: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let done = Arc::new(AtomicBool::new(false));

    // A puller that never stops pulling while they push, from both processes in turn.
    let puller = {
        let (bases, token, done) = (bases.clone(), tokens[0].1.clone(), done.clone());
        std::thread::spawn(move || {
            let c = http();
            let mut pulled: Vec<(u64, Uuid)> = Vec::new();
            let mut round = 0usize;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let after = pulled.last().map_or(0, |p| p.0);
                let (page, head) = pull(&c, &bases[round % 2], &token, after, 7).expect("pull");
                round += 1;
                let caught_up = page.is_empty() && after == head;
                pulled.extend(page);
                if finished && caught_up {
                    return (pulled, round);
                }
            }
        })
    };
    let to = bases.clone();
    let (threads, _) = pushers(&tokens, 25, 6, move |c, n, token, ops| {
        push(c, &to[n % 2], token, ops).expect("push")
    });
    let pushed = joined(threads);
    done.store(true, Ordering::SeqCst);
    let (pulled, rounds) = puller.join().unwrap();
    assert_eq!(pushed.len(), 6 * 25 * 6);
    assert!(
        rounds > 20,
        "the puller pulled while they pushed ({rounds} pulls)"
    );
    assert_exactly_once(&pulled, &pushed);
    assert_exactly_once(&pull_all(&bases[1], &tokens[1].1), &pushed);
}

#[test]
fn a_process_killed_mid_push_loses_nothing_while_the_other_serves() {
    let Some(pg) = PgCluster::start() else { return };
    let logs = tempfile::tempdir().unwrap();
    let (url, tokens) = desk(&pg, "kills", 4);
    let mut doomed = Server::start_pg(&url, &logs.path().join("a"));
    let survivor = Server::start_pg(&url, &logs.path().join("b"));
    let (a, b) = (doomed.url.clone(), survivor.url.clone());
    let (threads, stored) = pushers(&tokens, 40, 20, move |c, n, token, ops| {
        // As a client does: what failed on one process is sent again, to the other.
        if push(c, if n % 2 == 0 { &a } else { &b }, token, ops).is_err() {
            push(c, &b, token, ops).expect("the other process takes it");
        }
    });
    // Kill it once a quarter of the work is acknowledged: pushes are in flight on it.
    while stored.load(Ordering::SeqCst) < 800 {
        std::thread::yield_now();
    }
    doomed.kill9();
    let pushed = joined(threads);
    assert_eq!(pushed.len(), 4 * 40 * 20);
    assert_exactly_once(&pull_all(&survivor.url, &tokens[0].1), &pushed);
}

#[test]
fn postgres_restarted_mid_sync_loses_and_repeats_nothing() {
    let Some(pg) = PgCluster::start() else { return };
    let logs = tempfile::tempdir().unwrap();
    let (url, tokens) = desk(&pg, "restart", 3);
    let server = Server::start_pg(&url, &logs.path().join("a"));
    let base = server.url.clone();
    let failures = Arc::new(AtomicU64::new(0));
    let failed = failures.clone();
    let (threads, stored) = pushers(&tokens, 30, 10, move |c, _, token, ops| {
        // Retried until acknowledged, as `claimdb sync` is run again.
        let mut tries = 0;
        while let Err(e) = push(c, &base, token, ops) {
            failed.fetch_add(1, Ordering::SeqCst);
            tries += 1;
            assert!(tries < 600, "never acknowledged: {e}");
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    while stored.load(Ordering::SeqCst) < 200 {
        std::thread::yield_now();
    }
    pg.stop_immediate();
    pg.start_again();
    let pushed = joined(threads);
    assert_eq!(pushed.len(), 3 * 30 * 10);
    assert_exactly_once(&pull_all(&server.url, &tokens[0].1), &pushed);
    eprintln!(
        "{} pushes failed while PostgreSQL restarted",
        failures.load(Ordering::SeqCst)
    );
}

#[test]
fn members_sync_through_either_process_and_admin_commands_work() {
    let Some(pg) = PgCluster::start() else { return };
    let logs = tempfile::tempdir().unwrap();
    let url = pg.create_database("admin");
    Server::admin_pg(&url, &["workspace-create", "desk"]);
    let one = Server::start_pg(&url, &logs.path().join("a"));
    let two = Server::start_pg(&url, &logs.path().join("b"));
    let join = |server: &Server, name: &str| {
        let token = member(&url, name, "writer");
        server.join_with_token(name, &token)
    };
    let ana = join(&one, "Ана");
    let bo = join(&two, "Bora Çelik");
    ana.ok(&[
        "claim",
        "add",
        "Мост открыли в 1932 году",
        "--speaker",
        "Ана",
    ]);
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let listed = bo.json(&["claim", "list"]);
    assert!(
        listed.to_string().contains("Мост открыли в 1932 году"),
        "{listed}"
    );
    bo.ok(&["claim", "add", "Köprü 1932'de açıldı"]);
    bo.ok(&["sync"]);
    // Ana now syncs through the other process.
    ana.ok(&["remote", "set-url", "origin", &format!("{}/desk", two.url)]);
    ana.ok(&["sync"]);
    assert!(ana.json(&["claim", "list"]).to_string().contains("Köprü"));

    // members, revoke, a revoked token refused by both processes.
    let members: Value =
        serde_json::from_str(&Server::admin_pg(&url, &["members", "desk"])).unwrap();
    assert_eq!(members["members"].as_array().unwrap().len(), 2);
    Server::admin_pg(&url, &["revoke", "desk", "Bora Çelik"]);
    bo.fails(5, &["sync"]);
    bo.ok(&["remote", "set-url", "origin", &format!("{}/desk", one.url)]);
    bo.fails(5, &["sync"]);

    // backup is a pg_dump archive that pg_restore can read.
    let dump = logs.path().join("desk.dump");
    let out = std::process::Command::new(common::server::bin())
        .args(["server", "backup"])
        .arg(&dump)
        .args(["--database", &url])
        .env("PATH", pg.path_with_bin())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = std::process::Command::new(pg.bin("pg_restore"))
        .arg("--list")
        .arg(&dump)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listing.stdout).contains("TABLE DATA public ops"));
}

#[test]
fn a_sqlite_server_moves_to_postgres_and_members_keep_syncing() {
    let Some(pg) = PgCluster::start() else { return };
    let data = tempfile::tempdir().unwrap();
    let data = data.path().join("server");
    Server::workspace(&data, "desk");
    let old = Server::start(&data);
    let ana = old.join("ana", "writer");
    let bo = old.join("bo", "writer");
    ana.ok(&["claim", "add", "Der Tunnel ist 57 km lang"]);
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    bo.ok(&["claim", "add", "النفق افتتح عام 2016"]);
    bo.ok(&["sync"]);
    let mut old = old;
    old.kill9();

    let url = pg.create_database("moved");
    let out = std::process::Command::new(common::server::bin())
        .args(["--json", "server", "migrate", "--from"])
        .arg(&data)
        .args(["--to", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["copied"]["ops"], Server::log_stats(&data).0);

    let new = Server::start_pg(&url, &data.join("pg-logs"));
    for env in [&ana, &bo] {
        env.ok(&["remote", "set-url", "origin", &format!("{}/desk", new.url)]);
    }
    // No reset: the same cursors, the same numbers, and new work flows both ways.
    ana.ok(&["claim", "add", "Moved, still syncing"]);
    ana.ok(&["sync"]);
    bo.ok(&["sync"]);
    let a = ana.json(&["claim", "list"]);
    let b = bo.json(&["claim", "list"]);
    assert_eq!(a, b);
    assert_eq!(a["claims"].as_array().unwrap().len(), 3, "{a}");
    // Migrating again into the same database is refused and changes nothing.
    let again = std::process::Command::new(common::server::bin())
        .args(["server", "migrate", "--from"])
        .arg(&data)
        .args(["--to", &url])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let msg = String::from_utf8_lossy(&again.stderr);
    assert!(msg.contains("already has a workspace 'desk'"), "{msg}");
}

#[test]
fn the_database_connection_uses_tls_when_asked_and_verifies_the_certificate() {
    let Some((pg, ca)) = PgCluster::start_with_tls() else {
        return;
    };
    let logs = tempfile::tempdir().unwrap();
    let ca_file = logs.path().join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let plain = pg.create_database("tls");
    let tls = format!("{plain}?sslmode=require&sslrootcert={}", ca_file.display());
    Server::admin_pg(&tls, &["workspace-create", "desk"]);
    let token = member(&tls, "ana", "writer");
    let server = Server::start_pg(&tls, logs.path());
    let ana = server.join_with_token("ana", &token);
    ana.ok(&["claim", "add", "Sent to the database over TLS"]);
    ana.ok(&["sync"]);
    // Only TLS connections: the server's connections show up encrypted.
    let out = pg.psql(
        "postgres",
        "SELECT count(*) FILTER (WHERE ssl), count(*) FILTER (WHERE NOT ssl) \
         FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE datname LIKE 'tls%'",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text.lines().nth(2).unwrap_or_default();
    let counts: Vec<u32> = row.split('|').map(|c| c.trim().parse().unwrap()).collect();
    assert!(
        counts[0] >= 1 && counts[1] == 0,
        "ssl / plain connections: {row}"
    );
    // A certificate from a CA it was not given is refused, with the reason.
    let out = std::process::Command::new(common::server::bin())
        .args(["server", "members", "desk", "--database"])
        .arg(format!("{plain}?sslmode=require"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("TLS") || msg.contains("certificate"), "{msg}");
    assert_eq!(msg.trim().lines().count(), 1, "{msg}");
}
