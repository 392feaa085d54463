//! A fault-injecting TCP proxy between client and server (cut connections after N bytes,
//! delay, stall): sync finishes correctly once the proxy behaves, and client timeouts fire
//! instead of hanging.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Env;
use common::contract::SyncSummary;
use common::server::Server;

#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Forward faithfully.
    Pass,
    /// Cut the next `connections` connections after `bytes` bytes of response.
    Cut { connections: usize, bytes: usize },
    /// Hold every chunk of the response back this long.
    Delay(Duration),
    /// Take the request and never answer.
    Stall,
}

struct Proxy {
    addr: String,
    fault: Arc<Mutex<Fault>>,
}

impl Proxy {
    fn start(upstream: &str) -> Proxy {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let fault = Arc::new(Mutex::new(Fault::Pass));
        let f = fault.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let mode = {
                    let mut f = f.lock().unwrap();
                    let mode = *f;
                    if let Fault::Cut { connections, bytes } = *f {
                        *f = if connections > 1 {
                            Fault::Cut {
                                connections: connections - 1,
                                bytes,
                            }
                        } else {
                            Fault::Pass
                        };
                    }
                    mode
                };
                let up = upstream.clone();
                std::thread::spawn(move || relay(client, &up, mode));
            }
        });
        Proxy { addr, fault }
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }
}

fn relay(client: TcpStream, upstream: &str, mode: Fault) {
    if let Fault::Stall = mode {
        let mut c = client;
        let mut buf = [0u8; 4096];
        while matches!(c.read(&mut buf), Ok(n) if n > 0) {}
        return;
    }
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
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
    let (mut s_in, mut c_out) = (server, client);
    let mut sent = 0usize;
    let mut buf = [0u8; 1024];
    while let Ok(n) = s_in.read(&mut buf) {
        if n == 0 {
            break;
        }
        let chunk = match mode {
            Fault::Cut { bytes, .. } if sent + n >= bytes => {
                let _ = c_out.write_all(&buf[..bytes.saturating_sub(sent)]);
                let _ = c_out.shutdown(Shutdown::Both);
                let _ = s_in.shutdown(Shutdown::Both);
                return;
            }
            Fault::Delay(d) => {
                std::thread::sleep(d);
                &buf[..n]
            }
            _ => &buf[..n],
        };
        if c_out.write_all(chunk).is_err() {
            break;
        }
        sent += n;
    }
    let _ = c_out.shutdown(Shutdown::Write);
}

struct Team {
    _data: tempfile::TempDir,
    _server: Server,
    proxy: Proxy,
    alice: Env,
    bob: Env,
}

fn team() -> Team {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let proxy = Proxy::start(&server.url);
    let alice = Server::join_at(data.path(), &proxy.addr, "alice", "writer");
    let bob = Server::join_at(data.path(), &proxy.addr, "bob", "writer");
    for i in 0..120 {
        alice.ok(&[
            "claim",
            "add",
            &format!("Claim {i} through a bad network 📡"),
        ]);
    }
    Team {
        alice,
        bob,
        proxy,
        _server: server,
        _data: data,
    }
}

fn exports_match(t: &Team) {
    assert_eq!(
        t.alice.ok(&["export", "--format", "jsonl"]),
        t.bob.ok(&["export", "--format", "jsonl"])
    );
}

#[test]
fn cut_connections_are_retried_and_the_sync_completes() {
    let t = team();
    // The first responses are cut short; the client retries and gets through.
    t.proxy.set(Fault::Cut {
        connections: 2,
        bytes: 60,
    });
    let s: SyncSummary = t.alice.typed(&["sync", "--batch", "50"]);
    assert_eq!(s.pushed, 120);
    // Every response cut: the client gives up with a clear error, and a later sync on a
    // healthy network completes without duplicates.
    t.proxy.set(Fault::Cut {
        connections: 1000,
        bytes: 100,
    });
    let before = t.bob.snapshot();
    let out = t
        .bob
        .cmd()
        .env("CLAIMDB_HTTP_TIMEOUT", "5")
        .args(["pull", "--page", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(t.bob.snapshot(), before);
    t.proxy.set(Fault::Pass);
    let s: SyncSummary = t.bob.typed(&["sync"]);
    assert_eq!(s.pulled, 120);
    exports_match(&t);
    let check: common::contract::Check = t.bob.typed(&["check"]);
    assert!(check.ok);
}

/// Run Alice's `args` while every response is cut after its first byte: it fails (exit 5).
/// The proxy passes everything again afterwards.
fn push_with_responses_lost(t: &Team, args: &[&str]) {
    t.proxy.set(Fault::Cut {
        connections: 1000,
        bytes: 1,
    });
    let out = t
        .alice
        .cmd()
        .env("CLAIMDB_HTTP_TIMEOUT", "5")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    t.proxy.set(Fault::Pass);
}

#[test]
fn a_lost_push_response_is_pushed_again_without_duplicates() {
    let t = team();
    // Requests arrive, responses never make it back, on every attempt.
    push_with_responses_lost(&t, &["push"]);
    assert_eq!(
        t.alice.json(&["remote", "status"])["remotes"][0]["unpushed"],
        120
    );
    let s: SyncSummary = t.alice.typed(&["push"]);
    assert_eq!(
        (s.pushed, s.head),
        (120, 120),
        "the server stored each op once"
    );
    t.bob.ok(&["pull"]);
    exports_match(&t);
}

#[test]
fn a_batch_is_not_sent_when_the_one_before_it_failed() {
    let t = team();
    // The first batch reaches the server but is never answered. The client encodes the
    // next batch meanwhile, and must not send it.
    push_with_responses_lost(&t, &["push", "--batch", "10"]);
    let s: SyncSummary = t.bob.typed(&["sync"]);
    assert_eq!(
        (s.pulled, s.head),
        (10, 10),
        "only the first batch was sent"
    );
    let s: SyncSummary = t.alice.typed(&["push", "--batch", "10"]);
    assert_eq!((s.pushed, s.head), (120, 120));
    t.bob.ok(&["pull"]);
    exports_match(&t);
}

#[test]
fn slow_networks_are_waited_for() {
    let t = team();
    t.proxy.set(Fault::Delay(Duration::from_millis(30)));
    t.alice.ok(&["sync"]);
    t.bob.ok(&["sync"]);
    exports_match(&t);
}

#[test]
fn a_stalled_server_times_out_instead_of_hanging() {
    let t = team();
    t.proxy.set(Fault::Stall);
    let started = Instant::now();
    let out = t
        .alice
        .cmd()
        .env("CLAIMDB_HTTP_TIMEOUT", "1")
        .args(["sync"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach") && err.contains("timed out"),
        "{err}"
    );
    // Five attempts of one second plus backoff; far from forever.
    assert!(
        took < Duration::from_secs(60),
        "the client hung for {took:?}"
    );
    t.proxy.set(Fault::Pass);
    t.alice.ok(&["sync"]);
    t.bob.ok(&["sync"]);
    exports_match(&t);
}
