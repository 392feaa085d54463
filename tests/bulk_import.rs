//! An import at least as large as the database drops the indexes that applying operations
//! never reads and puts them back in the same transaction, in WAL mode throughout, so other
//! commands keep reading while it runs. Whether it succeeds or fails, the database must come
//! out with every index, in WAL mode, and (after a failure) exactly as it was.

mod common;

use common::Env;
use common::bulk::claims_file;
use rusqlite::Connection;

/// Every index with its definition, and the journal mode.
type Layout = (Vec<(String, Option<String>)>, String);

fn layout(env: &Env) -> Layout {
    let c = Connection::open(&env.db).unwrap();
    let indexes = c
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    (indexes, mode)
}

/// How many claims `claim list` shows.
fn claims(env: &Env) -> usize {
    env.json(&["claim", "list", "--limit", "100000"])["claims"]
        .as_array()
        .unwrap()
        .len()
}

fn fresh() -> (Env, Layout) {
    let env = Env::new();
    env.ok(&["init"]);
    let layout = layout(&env);
    assert_eq!(layout.1, "wal");
    assert!(
        layout.0.iter().any(|(n, _)| n == "ops_subject"),
        "{layout:?}"
    );
    (env, layout)
}

#[test]
fn a_bulk_import_puts_back_every_index_and_the_wal() {
    let (env, before) = fresh();
    let f = claims_file(&env, "big.jsonl", 300);
    env.ok(&["import", f.to_str().unwrap()]);
    assert_eq!(layout(&env), before);
    // The rebuilt indexes and the search index answer.
    let found = env.json(&["search", "цифры"]);
    assert!(!found["hits"].as_array().unwrap().is_empty(), "{found}");
    let list = env.json(&["claim", "list", "--limit", "5"]);
    assert_eq!(list["claims"].as_array().unwrap().len(), 5);
    // A second, smaller import takes the ordinary path on the same indexes.
    let f = claims_file(&env, "small.jsonl", 10);
    env.ok(&["import", f.to_str().unwrap()]);
    assert_eq!(layout(&env), before);
    assert_eq!(claims(&env), 310);
}

#[test]
fn a_failed_bulk_import_changes_nothing() {
    let (env, before) = fresh();
    let f = claims_file(&env, "big.jsonl", 300);
    let mut body = std::fs::read_to_string(&f).unwrap();
    // The last record refers to a claim that exists nowhere: found only while writing.
    body += r#"{"type":"verdict","id":"33333333-0000-4000-8000-000000000003","claim":"44444444-0000-4000-8000-000000000004","status":"false","note":null,"author":"x","supersedes":[],"created_at":"2024-01-01T00:00:00Z"}"#;
    body.push('\n');
    std::fs::write(&f, body).unwrap();
    let snapshot = env.snapshot();
    let err = env.fails(2, &["import", f.to_str().unwrap()]);
    assert!(
        err.contains("neither in the file nor in the database"),
        "{err}"
    );
    assert_eq!(env.snapshot(), snapshot);
    assert_eq!(layout(&env), before);
}

#[test]
fn a_bulk_import_beside_another_open_connection_stays_in_wal() {
    let (env, before) = fresh();
    // Another connection, as another process would hold it: whether or not the import can
    // leave WAL beside it, the import lands, the other connection sees it, and the database
    // is in WAL mode afterwards.
    let other = Connection::open(&env.db).unwrap();
    let n: i64 = other
        .query_row("SELECT count(*) FROM claims", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    let f = claims_file(&env, "big.jsonl", 300);
    env.ok(&["import", f.to_str().unwrap()]);
    let n: i64 = other
        .query_row("SELECT count(*) FROM claims", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 300);
    drop(other);
    assert_eq!(layout(&env), before);
}

#[test]
fn a_bulk_import_killed_midway_leaves_the_database_as_it_was() {
    let (env, before) = fresh();
    let f = claims_file(&env, "big.jsonl", 20_000);
    let wal = env.db.with_extension("db-wal");
    let mut child = env
        .std_cmd()
        .args(["import", f.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The import's transaction is under way once its pages reach the WAL: kill it there.
    let seen = loop {
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 256 * 1024) {
            break true;
        }
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        seen,
        "the import ended before its transaction was seen in the WAL"
    );
    // The kill may land while the commit's last frames are written: the import is then
    // wholly there or wholly absent (uncommitted frames in the WAL are ignored), never half.
    env.ok(&["check"]);
    let n = claims(&env);
    assert!(n == 0 || n == 20_000, "{n} claims after the kill");
    assert_eq!(layout(&env), before);
    // The next bulk import goes through.
    let f = claims_file(&env, "again.jsonl", 300);
    env.ok(&["import", f.to_str().unwrap()]);
    assert_eq!(layout(&env), before);
    assert_eq!(claims(&env), n + 300);
}

/// While a large import runs, other commands keep reading (they see the database as it was
/// before the import), where they used to fail at once with "the database is busy".
#[test]
fn readers_keep_reading_while_a_large_import_runs() {
    let (env, _) = fresh();
    env.ok(&[
        "claim",
        "add",
        "Ущерб оценён в миллиард 💶",
        "--speaker",
        "Işıl",
    ]);
    let f = claims_file(&env, "big.jsonl", 20_000);
    let mut child = env
        .std_cmd()
        .args(["import", f.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut overlapped = 0;
    let mut failures = Vec::new();
    while child.try_wait().unwrap().is_none() {
        for args in [
            &["--json", "claim", "list", "--limit", "5"][..],
            &["--json", "search", "ущерб"],
        ] {
            let out = env.cmd().args(args).output().unwrap();
            if !out.status.success() {
                failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
            } else if child.try_wait().unwrap().is_none() {
                overlapped += 1;
            }
        }
    }
    assert!(child.wait().unwrap().success(), "the import succeeds");
    assert!(failures.is_empty(), "readers failed: {failures:?}");
    assert!(
        overlapped >= 10,
        "only {overlapped} reads ran during the import"
    );
    assert_eq!(claims(&env), 20_001);
}
