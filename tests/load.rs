//! Load: the real `claimdb serve` and many concurrent client processes, each pushing its
//! operations in batches while the others pull. `CLAIMDB_LOAD_CLIENTS` (default 4) and
//! `CLAIMDB_LOAD_OPS` (operations per client, default 300) set the size; the documented large
//! run is 50 clients × 2,000 operations. Prints throughput and request latency percentiles.

mod common;

use std::process::Stdio;
use std::time::Instant;

use common::Env;
use common::bulk::{claims_file, env_num};
use common::server::Server;

struct Trace {
    label: String,
    status: String,
    ms: f64,
    attempt: u32,
}

fn parse_trace(stderr: &str) -> Vec<Trace> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("claimdb: http ")?;
            let f: Vec<&str> = rest.split_whitespace().collect();
            // LABEL(2 words) STATUS MS "ms" "attempt" N
            Some(Trace {
                label: format!("{} {}", f[0], f[1]),
                status: f[2].to_string(),
                ms: f[3].parse().ok()?,
                attempt: f[6].parse().ok()?,
            })
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn many_clients_push_and_pull_at_once() {
    let clients = env_num("CLAIMDB_LOAD_CLIENTS", 4) as usize;
    let per = env_num("CLAIMDB_LOAD_OPS", 300) as usize;
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let envs: Vec<Env> = (0..clients)
        .map(|i| {
            let name = format!("member{i}");
            let token = Server::member(data.path(), "desk", &name, "writer");
            let env = Env::as_user(&name);
            env.ok(&[
                "remote",
                "add",
                "origin",
                &format!("{}/desk", server.url),
                "--token",
                &token,
            ]);
            let f = claims_file(&env, "mine.jsonl", per);
            env.ok(&["import", f.to_str().unwrap()]);
            env
        })
        .collect();

    // Everyone at once: push in batches of 100, then pull what the others pushed so far.
    // A watcher notes when the server holds every operation.
    let total = (clients * per) as u64;
    let started = Instant::now();
    let watch_dir = data.path().to_path_buf();
    let watcher = std::thread::spawn(move || {
        while Server::op_count(&watch_dir, "desk") < total {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        started.elapsed().as_secs_f64()
    });
    let children: Vec<_> = envs
        .iter()
        .map(|e| {
            e.std_cmd()
                .args(["sync", "--batch", "100", "--page", "500"])
                .env("CLAIMDB_TRACE_HTTP", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut traces = Vec::new();
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "client {i} failed: {err}");
        traces.extend(parse_trace(&err));
    }
    let wall = started.elapsed().as_secs_f64();
    let all_stored = watcher.join().unwrap();

    // Quiesce and compare.
    for _ in 0..2 {
        for e in &envs {
            e.ok(&["sync"]);
        }
    }
    assert_eq!(
        Server::log_stats(data.path()),
        (total, total, total),
        "every operation exactly once, sequence numbers dense"
    );
    let first = envs[0].ok(&["export", "--format", "jsonl"]);
    assert_eq!(first.lines().count(), clients * per);
    for e in &envs[1..] {
        assert_eq!(e.ok(&["export", "--format", "jsonl"]), first);
    }

    // No request failed except with a retryable status, and each of those was retried.
    let retryable = |s: &str| s == "error" || s == "408" || s == "429" || s.starts_with('5');
    let failed: Vec<&Trace> = traces.iter().filter(|t| t.status != "200").collect();
    for t in &failed {
        assert!(
            retryable(&t.status),
            "request {} failed with {}",
            t.label,
            t.status
        );
    }
    let retried = traces.iter().filter(|t| t.attempt > 1).count();
    assert!(
        retried >= failed.len(),
        "every failure was followed by a retry"
    );
    let pulled = (clients as u64) * (total - per as u64);
    let mut report = format!(
        "load: {clients} clients x {per} ops; the server held all {total} after {all_stored:.2} s ({:.0} ops/s stored); \
         the clients applied {pulled} pulled ops by {wall:.2} s ({:.0} ops/s); {} requests, {} retryable failures, all retried",
        total as f64 / all_stored,
        pulled as f64 / wall,
        traces.len(),
        failed.len()
    );
    for label in ["POST ops", "GET ops"] {
        let mut ms: Vec<f64> = traces
            .iter()
            .filter(|t| t.label == label && t.status == "200")
            .map(|t| t.ms)
            .collect();
        ms.sort_by(f64::total_cmp);
        report += &format!(
            "\n  {label}: {} requests, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms.len(),
            percentile(&ms, 0.5),
            percentile(&ms, 0.9),
            percentile(&ms, 0.99),
            percentile(&ms, 1.0)
        );
    }
    eprintln!("{report}");
}
