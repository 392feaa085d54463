//! Joining a workspace by snapshot, through the real `claimdb serve` and the real binary:
//! the joined database equals a replayed one and merges later changes alike; a download cut
//! short, corrupted, or stopped by kill -9 of the client or of the server leaves the empty
//! database as it was, and the next pull resumes or starts over and completes.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Env;
use common::contract::{Check, SyncSummary};
use common::server::Server;

/// What the proxy does to the responses of snapshot requests; other requests pass.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Pass,
    /// Close the connection after this many bytes of the response.
    Cut(usize),
    /// Flip the byte at this offset of the response.
    Flip(usize),
    /// Send the response in chunks of 4 KiB, each after this delay.
    Slow(Duration),
}

/// A TCP proxy that applies [`Fault`] to connections whose first request asks for a
/// snapshot, and records each snapshot request's headers.
struct Proxy {
    url: String,
    fault: Arc<Mutex<Fault>>,
    upstream: Arc<Mutex<String>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fault = Arc::new(Mutex::new(Fault::Pass));
        let upstream = Arc::new(Mutex::new(
            upstream.trim_start_matches("http://").to_string(),
        ));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (f, up, reqs) = (fault.clone(), upstream.clone(), requests.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (f, up, reqs) = (f.clone(), up.clone(), reqs.clone());
                std::thread::spawn(move || relay(client, &f, &up, &reqs));
            }
        });
        Proxy {
            url,
            fault,
            upstream,
            requests,
        }
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    fn snapshot_requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn relay(
    mut client: TcpStream,
    fault: &Mutex<Fault>,
    upstream: &Mutex<String>,
    requests: &Mutex<Vec<String>>,
) {
    // The first bytes of the first request say what it asks for.
    let mut first = vec![0u8; 8192];
    let n = match client.read(&mut first) {
        Ok(n) if n > 0 => n,
        _ => return,
    };
    first.truncate(n);
    let head = String::from_utf8_lossy(&first).to_string();
    let snapshot = head.starts_with("GET ") && head.lines().next().unwrap().contains("/snapshot");
    let mode = if snapshot {
        requests.lock().unwrap().push(head.to_lowercase());
        *fault.lock().unwrap()
    } else {
        Fault::Pass
    };
    let addr = upstream.lock().unwrap().clone();
    let Ok(mut server) = TcpStream::connect(addr) else {
        return;
    };
    if server.write_all(&first).is_err() {
        return;
    }
    let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = c_in.read(&mut buf) {
            if n == 0 || s_out.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = s_out.shutdown(Shutdown::Write);
    });
    let mut sent = 0usize;
    let mut buf = [0u8; 4096];
    loop {
        let n = match server.read(&mut buf) {
            Ok(n) if n > 0 => n,
            _ => break,
        };
        let chunk = &mut buf[..n];
        match mode {
            Fault::Cut(at) if sent + n >= at => {
                let _ = client.write_all(&chunk[..at - sent]);
                let _ = client.shutdown(Shutdown::Both);
                let _ = server.shutdown(Shutdown::Both);
                return;
            }
            Fault::Flip(at) if sent <= at && at < sent + n => chunk[at - sent] ^= 0x5a,
            Fault::Slow(d) => std::thread::sleep(d),
            _ => {}
        }
        if client.write_all(chunk).is_err() {
            break;
        }
        sent += n;
    }
    let _ = client.shutdown(Shutdown::Write);
}

struct Desk {
    data: tempfile::TempDir,
    server: Server,
    proxy: Proxy,
    alice: Env,
}

/// A server with a workspace Alice filled (claims in several scripts, verdicts, edits,
/// evidence), behind a proxy.
fn desk(claims: usize) -> Desk {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let proxy = Proxy::start(&server.url);
    let alice = Server::join_at(data.path(), &proxy.url, "alice", "writer");
    let texts = [
        "Самолёт с дипломатом приземлился в Москве",
        "Erdoğan İstanbul'da konuştu",
        "قال المتحدث إن الاجتماع تأجل",
        "The minister said prices fell 🚀",
    ];
    let mut records = String::new();
    for i in 0..claims {
        let id = uuid::Uuid::from_u128(0x5eed_0000 + i as u128);
        records += &serde_json::json!({
            "type": "claim",
            "id": id,
            "text": format!("{} ({i})", texts[i % texts.len()]),
            "tags": [format!("t{}", i % 5)],
            "created_at": "2026-11-01T10:00:00Z",
            "created_by": "alice"
        })
        .to_string();
        records.push('\n');
    }
    let file = alice.path("desk.jsonl");
    std::fs::write(&file, records).unwrap();
    alice.ok(&["import", file.to_str().unwrap()]);
    let first = alice.claim_id("(0)");
    alice.ok(&["mark", &first, "false", "--note", "Опровергнуто"]);
    alice.ok(&["claim", "edit", &first, "--add-tag", "checked"]);
    alice.ok(&["evidence", "add", &first, "https://example.org/kaynak"]);
    alice.ok(&["sync"]);
    Desk {
        data,
        server,
        proxy,
        alice,
    }
}

fn export(env: &Env) -> String {
    env.ok(&["export", "--format", "jsonl"])
}

/// The database holds nothing: no operation, no claim, nothing pulled.
fn assert_empty(env: &Env) {
    assert_eq!(env.snapshot().1, 0, "no operation in the database");
    assert_eq!(env.json(&["remote", "status"])["remotes"][0]["cursor"], 0);
}

#[test]
fn a_member_joins_from_a_snapshot_and_merges_like_one_who_replayed() {
    let d = desk(40);
    let bob = Server::join_at(d.data.path(), &d.proxy.url, "bob", "writer");
    let s: SyncSummary = bob.typed(&["pull", "--snapshot"]);
    let joined = s.joined.expect("joined by snapshot");
    assert!(joined.seq > 40 && joined.bytes > 0, "{joined:?}");
    assert_eq!(joined.resumed_from, 0);
    assert_eq!(s.head, joined.seq + s.pulled);
    let check: Check = bob.typed(&["check"]);
    assert!(check.ok);
    assert_eq!(export(&bob), export(&d.alice));
    let hits = bob.json(&["search", "Москве"]);
    assert!(!hits["hits"].as_array().unwrap().is_empty(), "{hits}");

    // A small workspace is replayed unless asked otherwise.
    let carol = Server::join_at(d.data.path(), &d.proxy.url, "carol", "writer");
    let s: SyncSummary = carol.typed(&["pull"]);
    assert!(s.joined.is_none());
    assert_eq!(export(&carol), export(&d.alice));

    // Later changes merge alike: Bob (joined) and Carol (replayed) edit the same claim at
    // once, Alice marks it; after two rounds all three hold the same, with the same conflicts.
    let id = d.alice.claim_id("(1)");
    bob.ok(&["claim", "edit", &id, "--text", "Bob's wording of claim one"]);
    carol.ok(&[
        "claim",
        "edit",
        &id,
        "--text",
        "Carol's wording of claim one",
    ]);
    d.alice.ok(&["mark", &id, "mostly-true"]);
    bob.ok(&["claim", "add", "Bob's own claim, after joining"]);
    for _ in 0..2 {
        for env in [&bob, &carol, &d.alice] {
            env.ok(&["sync"]);
        }
    }
    assert_eq!(export(&bob), export(&d.alice));
    assert_eq!(export(&carol), export(&d.alice));
    assert_eq!(bob.json(&["conflicts"]), carol.json(&["conflicts"]));
    // Bob's own change went out under his own replica, not the server's.
    let log = d.alice.json(&["log"]);
    let by_bob: Vec<_> = log["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["author"] == "bob")
        .map(|o| o["replica"].as_str().unwrap().to_string())
        .collect();
    assert!(!by_bob.is_empty());
    assert!(by_bob.iter().all(|r| *r == by_bob[0]));
    let check: Check = bob.typed(&["check"]);
    assert!(check.ok);
}

#[test]
fn a_download_cut_short_resumes_where_it_stopped() {
    let d = desk(300);
    let bob = Server::join_at(d.data.path(), &d.proxy.url, "bob", "writer");
    d.proxy.set(Fault::Cut(150_000));
    let err = bob.fails(5, &["pull", "--snapshot"]);
    assert!(err.contains("broke off"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_empty(&bob);
    let partial = std::fs::metadata(bob.path("claims.db.join")).unwrap().len();
    assert!(partial > 100_000, "{partial} bytes kept");

    d.proxy.set(Fault::Pass);
    let s: SyncSummary = bob.typed(&["pull"]);
    let joined = s.joined.expect("the interrupted join went on");
    assert_eq!(joined.resumed_from, partial);
    let last = d.proxy.snapshot_requests().pop().unwrap();
    assert!(last.contains(&format!("range: bytes={partial}-")), "{last}");
    assert!(!bob.path("claims.db.join").exists());
    assert!(!bob.path("claims.db.join.json").exists());
    let check: Check = bob.typed(&["check"]);
    assert!(check.ok);
    assert_eq!(export(&bob), export(&d.alice));
}

#[test]
fn a_corrupted_snapshot_is_refused_and_changes_nothing() {
    let d = desk(300);
    let bob = Server::join_at(d.data.path(), &d.proxy.url, "bob", "writer");
    d.proxy.set(Fault::Flip(120_000));
    let err = bob.fails(5, &["pull", "--snapshot"]);
    assert!(err.contains("checksum"), "{err}");
    assert_empty(&bob);
    assert!(!bob.path("claims.db.join").exists(), "the bad copy is gone");

    d.proxy.set(Fault::Pass);
    let s: SyncSummary = bob.typed(&["pull", "--snapshot"]);
    assert_eq!(s.joined.expect("joined").resumed_from, 0);
    assert_eq!(export(&bob), export(&d.alice));
}

/// Wait (bounded) until the partial download of `db` holds more than `bytes`.
fn wait_for_partial(db: &Path, bytes: u64) {
    let partial = {
        let mut s = db.as_os_str().to_owned();
        s.push(".join");
        std::path::PathBuf::from(s)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0) <= bytes {
        assert!(Instant::now() < deadline, "the download did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_client_killed_mid_download_leaves_nothing_half_and_resumes() {
    let d = desk(300);
    let bob = Server::join_at(d.data.path(), &d.proxy.url, "bob", "writer");
    d.proxy.set(Fault::Slow(Duration::from_millis(5)));
    let mut child = bob
        .std_cmd()
        .args(["pull", "--snapshot"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_partial(&bob.db, 40_000);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_empty(&bob);

    d.proxy.set(Fault::Pass);
    let s: SyncSummary = bob.typed(&["pull"]);
    assert!(s.joined.expect("joined").resumed_from > 40_000);
    let check: Check = bob.typed(&["check"]);
    assert!(check.ok);
    assert_eq!(export(&bob), export(&d.alice));
}

#[test]
fn the_server_killed_mid_download_then_restarted() {
    let mut d = desk(300);
    let bob = Server::join_at(d.data.path(), &d.proxy.url, "bob", "writer");
    d.proxy.set(Fault::Slow(Duration::from_millis(5)));
    let mut cmd = bob.std_cmd();
    cmd.args(["pull", "--snapshot"])
        .env("CLAIMDB_HTTP_TIMEOUT", "5");
    let pulling = std::thread::spawn(move || cmd.output());
    wait_for_partial(&bob.db, 40_000);
    d.server.kill9();
    let out = pulling.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert_empty(&bob);

    // The server comes back (on another port, behind the same proxy address).
    let server = Server::start(d.data.path());
    *d.proxy.upstream.lock().unwrap() = server.url.trim_start_matches("http://").to_string();
    d.proxy.set(Fault::Pass);
    let s: SyncSummary = bob.typed(&["pull"]);
    assert!(s.joined.is_some());
    let check: Check = bob.typed(&["check"]);
    assert!(check.ok);
    assert_eq!(export(&bob), export(&d.alice));
    d.server = server;
}

#[test]
fn a_database_with_changes_of_its_own_never_takes_a_snapshot() {
    let d = desk(20);
    let bob = Server::join_at(d.data.path(), &d.proxy.url, "bob", "writer");
    bob.ok(&["claim", "add", "Made before the first pull"]);
    let s: SyncSummary = bob.typed(&["sync", "--snapshot"]);
    assert!(s.joined.is_none());
    assert!(d.proxy.snapshot_requests().is_empty());
    d.alice.ok(&["sync"]);
    assert_eq!(export(&bob), export(&d.alice));
}
