//! The sync server on each store, side by side in one run: SQLite with one process, and
//! PostgreSQL (a throwaway cluster started here) with one and with two processes on one
//! database. For each: push rate (batches of 500 from one client), a new member's pull rate
//! (pages of 5000), the one-change pull round trip, and a 50-client load where every client
//! pushes small batches and pulls what the others pushed, spread over the processes; then the
//! board's pages on that workspace (see `board_times`).
//!
//! `cargo bench --bench stores -- [--ops N] [--clients N] [--rounds N] [--out FILE]`
//! Needs PostgreSQL installed (initdb on PATH or under /usr/lib/postgresql); without it only
//! SQLite is measured and a line says so.

#[path = "../tests/common/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use claimdb::ops::{Hlc, Op, OpKind};
use serde_json::{Value, json};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_claimdb");

struct Proc {
    child: Child,
    url: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &[&str]) -> Proc {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    Proc { child, url }
}

fn admin(db: &[&str], args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .arg("--json")
        .arg("server")
        .args(args)
        .args(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn claim(author: &str, replica: Uuid, n: usize) -> Op {
    let now = chrono::Utc::now();
    Op {
        id: Uuid::new_v4(),
        hlc: Hlc::from_parts(now.timestamp_millis() as u64, 0),
        replica,
        author: author.into(),
        kind: OpKind::CreateClaim {
            claim: Uuid::new_v4(),
            text: format!(
                "Claim {n}: the regional grid carried {} megawatts during the cold snap, the operator said",
                n * 7 % 9_000
            ),
            speaker: None,
            said_on: None,
            tags: vec!["energy".into()],
            created_at: now,
            created_by: author.into(),
        },
    }
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

fn push(c: &reqwest::blocking::Client, base: &str, token: &str, body: &[u8]) {
    let r = c
        .post(format!("{base}/v1/workspaces/desk/ops"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .unwrap();
    assert!(r.status().is_success(), "push: {}", r.status());
    let _ = r.bytes().unwrap();
}

#[derive(serde::Deserialize)]
struct Page {
    ops: Vec<Sequenced>,
    head: u64,
}

/// A pulled operation, read only as far as its number: the client's own decoding is not
/// what is measured.
#[derive(serde::Deserialize)]
struct Sequenced {
    seq: u64,
    #[allow(dead_code)]
    op: serde::de::IgnoredAny,
}

/// (ops in the page, head, last seq)
fn pull(
    c: &reqwest::blocking::Client,
    base: &str,
    token: &str,
    after: u64,
    limit: usize,
) -> (usize, u64, u64) {
    let r = c
        .get(format!(
            "{base}/v1/workspaces/desk/ops?after={after}&limit={limit}"
        ))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert!(r.status().is_success(), "pull: {}", r.status());
    let page: Page = serde_json::from_slice(&r.bytes().unwrap()).unwrap();
    let last = page.ops.last().map_or(after, |o| o.seq);
    (page.ops.len(), page.head, last)
}

/// (busy, total) jiffies of all CPUs so far.
fn cpu_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else {
        return (0, 0);
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

struct Args {
    ops: usize,
    clients: usize,
    rounds: usize,
    out: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        ops: 20_000,
        clients: 50,
        rounds: 20,
        out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--ops" => a.ops = it.next().unwrap().parse().unwrap(),
            "--clients" => a.clients = it.next().unwrap().parse().unwrap(),
            "--rounds" => a.rounds = it.next().unwrap().parse().unwrap(),
            "--out" => a.out = it.next(),
            _ => {}
        }
    }
    a
}

/// One configuration: `db` are the serve/admin options naming the store, `procs` the number
/// of server processes.
/// The board's pages right after the load: how long the first page waits for the replica to
/// catch up with the log, then the board page (first page and a deep page) and claim pages,
/// median and p99 of 100 each, timed by the client on loopback; and the same reads through
/// the `Store` alone on the replica's file, when it is known (`board_db`).
/// A board session for `token`'s member: the client and its cookie.
fn board_session(base: &str, token: &str) -> (reqwest::blocking::Client, String) {
    let c = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let form = c.get(format!("{base}/signin")).send().unwrap();
    let pre = cookie_of(&form, "claimdb_signin");
    let body = form.text().unwrap();
    let at = body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = body[at..at + 64].to_string();
    let signed = c
        .post(format!("{base}/signin"))
        .header("cookie", &pre)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}&csrf={csrf}"))
        .send()
        .unwrap();
    let session = cookie_of(&signed, "claimdb_session");
    (c, session)
}

/// Open the board once (building its replica from the log); milliseconds it took.
fn open_board(base: &str, token: &str) -> f64 {
    let (c, session) = board_session(base, token);
    let t = Instant::now();
    let r = c
        .get(format!("{base}/board"))
        .header("cookie", &session)
        .send()
        .unwrap();
    assert!(r.status().is_success());
    let _ = r.bytes().unwrap();
    t.elapsed().as_secs_f64() * 1000.0
}

fn board_times(base: &str, token: &str, claims: &[Uuid], board_db: Option<&Path>) -> Value {
    let (c, session) = board_session(base, token);
    let get = |path: &str| {
        let t = Instant::now();
        let r = c
            .get(format!("{base}{path}"))
            .header("cookie", &session)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let _ = r.bytes().unwrap();
        t.elapsed().as_secs_f64() * 1000.0
    };
    let catch_up_ms = get("/board");
    // Measured again after a burst of pushes while the board is open: the replica follows the
    // log in the background, so the next page finds little to apply.
    let lag_ms = {
        let replica = Uuid::new_v4();
        let pushes: Vec<Vec<u8>> = (0..20)
            .map(|b| {
                let ops: Vec<Op> = (0..50)
                    .map(|k| claim("writer", replica, b * 50 + k))
                    .collect();
                serde_json::to_vec(&json!({ "ops": ops })).unwrap()
            })
            .collect();
        for body in &pushes {
            push(&c, base, token, body);
        }
        get("/board")
    };
    let pages = (claims.len() as u64).div_ceil(50).max(1);
    let time = |paths: Vec<String>| {
        let v: Vec<f64> = paths.iter().map(|p| get(p)).collect();
        json!({ "p50_ms": (median(v.clone()) * 10.0).round() / 10.0, "p99_ms": (pct(v, 0.99) * 10.0).round() / 10.0 })
    };
    let first = time((0..100).map(|_| "/board".to_string()).collect());
    let deep = time(
        (0..100)
            .map(|i| format!("/board?page={}", 1 + (i * 7919) % pages))
            .collect(),
    );
    let claim_pages = time(
        (0..100)
            .map(|i| format!("/claims/{}", claims[(i * 7919) % claims.len()]))
            .collect(),
    );
    let mut out = json!({
        "first_page_after_load_ms": catch_up_ms.round(),
        "page_after_1000_pushed_ms": (lag_ms * 10.0).round() / 10.0,
        "board_page": first,
        "board_next_pages": deep,
        "claim_page": claim_pages,
    });
    if let Some(path) = board_db {
        let store = claimdb::Store::open(path, None).unwrap();
        let list = |offset: usize| {
            let t = Instant::now();
            let f = claimdb::store::ClaimFilter {
                limit: Some(50),
                offset: Some(offset),
                ..Default::default()
            };
            let rows = store.claim_list(&f).unwrap();
            store.claim_count(&f).unwrap();
            for r in &rows {
                store.relays_and_last_change(&r.id).unwrap();
            }
            t.elapsed().as_secs_f64() * 1000.0
        };
        let v: Vec<f64> = (0..100).map(|_| list(0)).collect();
        out["store_board_page"] = json!({ "p50_ms": (median(v.clone()) * 10.0).round() / 10.0, "p99_ms": (pct(v, 0.99) * 10.0).round() / 10.0 });
        let v: Vec<f64> = (0..100)
            .map(|i| {
                let t = Instant::now();
                let id = claims[(i * 7919) % claims.len()].to_string();
                store.claim_show(&id).unwrap();
                store.log(Some(&id), Some(200)).unwrap();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        out["store_claim_page"] = json!({ "p50_ms": (median(v.clone()) * 10.0).round() / 10.0, "p99_ms": (pct(v, 0.99) * 10.0).round() / 10.0 });
    }
    out
}

fn cookie_of(r: &reqwest::blocking::Response, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
        .unwrap_or_default()
}

fn measure(label: &str, db: &[&str], procs: usize, a: &Args, board_db: Option<&Path>) -> Value {
    admin(db, &["workspace-create", "desk"]);
    let token = |name: &str| {
        admin(db, &["member-add", "desk", name, "--role", "writer"])["token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let servers: Vec<Proc> = (0..procs).map(|_| serve(db)).collect();
    let bases: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let c = http();

    // Push: one client, batches of 500, as `claimdb sync` sends them.
    let writer = token("writer");
    let replica = Uuid::new_v4();
    let mut claim_ids = Vec::new();
    let bodies: Vec<Vec<u8>> = (0..a.ops)
        .collect::<Vec<_>>()
        .chunks(500)
        .map(|chunk| {
            let ops: Vec<Op> = chunk.iter().map(|&n| claim("writer", replica, n)).collect();
            claim_ids.extend(ops.iter().map(|o| o.kind.entity()));
            serde_json::to_vec(&json!({ "ops": ops })).unwrap()
        })
        .collect();
    let t = Instant::now();
    for b in &bodies {
        push(&c, &bases[0], &writer, b);
    }
    let push_rate = a.ops as f64 / t.elapsed().as_secs_f64();

    // A new member's pull, pages of 5000.
    let reader = token("reader");
    let t = Instant::now();
    let mut after = 0;
    loop {
        let (n, head, last) = pull(&c, &bases[procs - 1], &reader, after, 5000);
        after = last;
        if n == 0 || after >= head {
            break;
        }
    }
    let pull_rate = a.ops as f64 / t.elapsed().as_secs_f64();

    // One-change round trip: a pull at the head.
    let mut rt = Vec::new();
    for i in 0..200 {
        let t = Instant::now();
        pull(&c, &bases[i % procs], &reader, after, 1000);
        rt.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let round_trip = median(rt);

    // The board is open during the load: its replica (built now) follows the pushes.
    let replica_build_ms = open_board(&bases[0], &writer);

    // 50 clients at once: each pushes a batch of 10 new ops and pulls what is new, `rounds`
    // times, through the processes in turn.
    let tokens: Vec<(String, String)> = (0..a.clients)
        .map(|i| {
            let n = format!("c{i}");
            let t = token(&n);
            (n, t)
        })
        .collect();
    let start = Instant::now();
    let cpu_before = cpu_ticks();
    let handles: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, (name, token))| {
            let bases = bases.clone();
            let rounds = a.rounds;
            let mut cursor = after;
            std::thread::spawn(move || {
                let c = http();
                let replica = Uuid::new_v4();
                let mut lat = Vec::new();
                for r in 0..rounds {
                    let base = &bases[(i + r) % bases.len()];
                    let ops: Vec<Op> = (0..10).map(|k| claim(&name, replica, r * 10 + k)).collect();
                    let body = serde_json::to_vec(&json!({ "ops": ops })).unwrap();
                    let t = Instant::now();
                    push(&c, base, &token, &body);
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    let t = Instant::now();
                    let (_, _, last) = pull(&c, base, &token, cursor, 1000);
                    cursor = last;
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                lat
            })
        })
        .collect();
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.join().unwrap());
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu_after = cpu_ticks();
    let busy = (cpu_after.0 - cpu_before.0) as f64 / (cpu_after.1 - cpu_before.1).max(1) as f64;
    let load_ops = (a.clients * a.rounds * 10) as f64 / wall;
    let requests = lat.len() as f64 / wall;
    let mut board = board_times(&bases[0], &writer, &claim_ids, board_db);
    board["replica_build_ms"] = json!(replica_build_ms.round());
    let r = json!({
        "board": board,
        "store": label,
        "processes": procs,
        "push_ops_per_s": push_rate.round(),
        "pull_ops_per_s": pull_rate.round(),
        "round_trip_ms": (round_trip * 100.0).round() / 100.0,
        "load_clients": a.clients,
        "load_ops_per_s": load_ops.round(),
        "load_requests_per_s": requests.round(),
        "load_p50_ms": (pct(lat.clone(), 0.5) * 10.0).round() / 10.0,
        "load_p99_ms": (pct(lat, 0.99) * 10.0).round() / 10.0,
        "load_cpu_busy": (busy * 100.0).round() / 100.0,
    });
    eprintln!("{r}");
    r
}

fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let data = data.to_str().unwrap();
    let replica = dir.path().join("server/board/desk.db");
    let mut results = vec![measure("sqlite", &["--data", data], 1, &a, Some(&replica))];
    match pg::PgCluster::start() {
        Some(cluster) => {
            let one = cluster.create_database("bench1");
            results.push(measure("postgres", &["--database", &one], 1, &a, None));
            let two = cluster.create_database("bench2");
            results.push(measure("postgres", &["--database", &two], 2, &a, None));
        }
        None => eprintln!("PostgreSQL not found: measured SQLite only"),
    }
    let out = json!({
        "ops": a.ops,
        "clients": a.clients,
        "rounds": a.rounds,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "results": results,
    });
    let text = serde_json::to_string_pretty(&out).unwrap();
    println!("{text}");
    if let Some(path) = &a.out {
        std::fs::write(Path::new(path), &text).unwrap();
    }
}
