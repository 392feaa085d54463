//! The properties the fuzz targets check. This file depends only on crates the main package
//! already has, so `tests/fuzz_regressions.rs` includes it and replays every input a fuzzer
//! found through exactly the same code, in plain `cargo test`.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use claimdb::Store;
use claimdb::interchange::{self, ClaimReviewOptions, Format, ImportSummary, Record};
use claimdb::ops::{Op, OpKind};
use claimdb::server::{Core, SqliteStorage};
use claimdb::sync::protocol::{
    ErrorBody, MAX_BATCH, OpStatus, PullResponse, PushRequest, PushResponse, Role, WhoAmI,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A temporary directory, in memory when the system has /dev/shm.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::Builder::new()
            .prefix("claimdb-fuzz")
            .tempdir_in(shm)
        {
            return d;
        }
    }
    tempfile::tempdir().expect("temp dir")
}

// ---------------------------------------------------------------------------------------------
// Wire decoding
// ---------------------------------------------------------------------------------------------

/// Parse `data` as `T`; when it parses, its JSON must parse back to an equal value, and
/// parsing through `serde_json::Value` first (as the server does) must give the same value.
fn round_trip<T>(data: &[u8]) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let v: T = serde_json::from_slice(data).ok()?;
    let text = serde_json::to_string(&v).expect("a parsed value serializes");
    let back: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{text} was written by serde_json but does not parse: {e}"));
    assert_eq!(back, v, "value changed across a JSON round trip: {text}");
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        text,
        "serialization is not stable"
    );
    let value: Value = serde_json::from_slice(data)
        .expect("bytes that parse as a typed body also parse as a JSON value");
    let via: T = serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("parses from bytes but not from a JSON value: {e}"));
    assert_eq!(via, v, "parsing through a JSON value gives another result");
    Some(v)
}

/// What the server does with one pushed value, and what a client does with what it stored.
fn check_op_value(value: Value) {
    let Ok(op) = serde_json::from_value::<Op>(value) else {
        return;
    };
    // The server stores `to_string(op)` and serves it back to pulls.
    let body = serde_json::to_string(&op).expect("operations serialize");
    let back: Op = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("stored operation {body} does not parse: {e}"));
    assert_eq!(
        back, op,
        "operation changed across a JSON round trip: {body}"
    );
    assert_eq!(serde_json::to_string(&back).unwrap(), body);
    // A client stores the change alone (`ops.body`) and rebuilds the operation from it.
    let kind = serde_json::to_string(&op.kind).expect("changes serialize");
    let kind_back: OpKind = serde_json::from_str(&kind)
        .unwrap_or_else(|e| panic!("stored change {kind} does not parse: {e}"));
    assert_eq!(kind_back, op.kind);
    // These must not panic on any operation.
    let _ = op.kind.summary();
    let _ = op.kind.entity();
    let _ = op.kind.claim();
    let _ = op.hlc.to_string();
}

/// Arbitrary bytes through every protocol body parser.
pub fn check_wire(data: &[u8]) {
    round_trip::<PullResponse>(data);
    round_trip::<PushResponse>(data);
    round_trip::<WhoAmI>(data);
    round_trip::<ErrorBody>(data);
    round_trip::<Record>(data);
    if let Some(op) = round_trip::<Op>(data) {
        check_op_value(serde_json::to_value(&op).unwrap());
    }
    if let Ok(req) = serde_json::from_slice::<PushRequest<Op>>(data) {
        let text = serde_json::to_string(&req).unwrap();
        let back: PushRequest<Op> = serde_json::from_str(&text).unwrap();
        assert_eq!(back.ops, req.ops);
    }
    // The server's path: the body as values, then each value as an operation on its own.
    if let Ok(req) = serde_json::from_slice::<PushRequest<Value>>(data) {
        for v in req.ops {
            check_op_value(v);
        }
    }
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        check_op_value(v);
    }
}

// ---------------------------------------------------------------------------------------------
// Server push, in process
// ---------------------------------------------------------------------------------------------

/// The member every fuzzed push is made as; seeds write their operations as this name.
pub const PUSH_MEMBER: &str = "ana";
/// The server's clock during fuzzed pushes (2023-11-14T22:13:20Z).
pub const PUSH_NOW_MS: u64 = 1_700_000_000_000;

/// The server's protocol core on a SQLite store that lives across inputs; every input gets a
/// workspace of its own.
pub struct PushHarness {
    _dir: tempfile::TempDir,
    core: Core,
    rt: tokio::runtime::Runtime,
    workspaces: u64,
}

impl Default for PushHarness {
    fn default() -> Self {
        Self::new()
    }
}

impl PushHarness {
    pub fn new() -> PushHarness {
        let dir = scratch_dir();
        let storage = SqliteStorage::open(&dir.path().join("server")).expect("open the store");
        PushHarness {
            _dir: dir,
            core: Core::new(std::sync::Arc::new(storage)),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            workspaces: 0,
        }
    }

    /// `data` as a push body: it must get one result per operation, the accepted ones must
    /// be pulled back as sent, and pushing the same body again must store nothing new.
    pub fn check(&mut self, data: &[u8]) {
        // A body that is not a push request of JSON values is refused whole (400), by the
        // HTTP handler or by the core; the hostile tests cover that.
        if serde_json::from_slice::<PushRequest<Value>>(data).is_err() {
            return;
        }
        let Ok(req) = serde_json::from_slice::<PushRequest<Box<serde_json::value::RawValue>>>(data)
        else {
            return;
        };
        if req.ops.len() > MAX_BATCH {
            return;
        }
        self.workspaces += 1;
        let ws = format!("w{}", self.workspaces);
        let (core, rt) = (&self.core, &self.rt);
        rt.block_on(core.create_workspace(&ws))
            .expect("create workspace");
        let token = rt
            .block_on(core.add_member(&ws, PUSH_MEMBER, Role::Writer))
            .expect("add member");
        let member = rt
            .block_on(core.authenticate(&token))
            .expect("authenticate");

        let resp = rt
            .block_on(core.push(&member, req.ops.clone(), PUSH_NOW_MS))
            .expect("a push of well-formed JSON values succeeds");
        assert_eq!(
            resp.results.len(),
            req.ops.len(),
            "one result per operation"
        );
        let mut accepted = Vec::new();
        let mut last_seq = 0;
        for (value, r) in req.ops.iter().zip(&resp.results) {
            let parsed = serde_json::from_str::<Op>(value.get()).ok();
            match r.status {
                OpStatus::Accepted => {
                    let op = parsed.expect("an accepted operation parses");
                    assert_eq!(r.id, Some(op.id));
                    let seq = r.seq.expect("an accepted operation has a seq");
                    assert_eq!(seq, last_seq + 1, "sequence numbers are consecutive");
                    last_seq = seq;
                    assert!(r.code.is_none() && r.message.is_none());
                    accepted.push(op);
                }
                OpStatus::Duplicate => {
                    let op = parsed.expect("a duplicate operation parses");
                    assert_eq!(r.id, Some(op.id));
                    let seq = r.seq.expect("a duplicate has the seq it is stored under");
                    assert!(seq >= 1 && seq <= last_seq);
                    assert_eq!(accepted[seq as usize - 1], op, "duplicate of another op");
                }
                OpStatus::Rejected => {
                    assert!(r.seq.is_none(), "a rejected operation has no seq");
                    let code = r.code.as_deref().expect("a rejection has a code");
                    assert!(
                        [
                            "invalid_op",
                            "wrong_author",
                            "clock_ahead",
                            "op_id_reused",
                            "unknown_reference"
                        ]
                        .contains(&code),
                        "unknown rejection code {code}"
                    );
                    assert!(r.message.is_some());
                    if code != "invalid_op" {
                        assert!(parsed.is_some(), "{code} for an op that does not parse");
                    }
                }
            }
        }
        assert_eq!(resp.head, accepted.len() as u64, "head is the last seq");

        // Round-trip through JSON as the HTTP layer would.
        let wire = serde_json::to_vec(&resp).unwrap();
        let back: PushResponse = serde_json::from_slice(&wire).unwrap();
        assert_eq!(back, resp);

        let page = rt
            .block_on(core.pull(&member, 0, claimdb::sync::protocol::MAX_PAGE))
            .expect("pull");
        assert_eq!(page.head, resp.head);
        let pulled: Vec<Op> = page.ops.iter().map(|s| s.op.clone()).collect();
        assert_eq!(
            pulled, accepted,
            "pull returns exactly the accepted operations"
        );
        for (i, s) in page.ops.iter().enumerate() {
            assert_eq!(s.seq, i as u64 + 1);
        }
        let wire = serde_json::to_vec(&page).unwrap();
        let back: PullResponse = serde_json::from_slice(&wire).unwrap();
        assert_eq!(back, page);

        // Every member applies what the server stored: an accepted operation must apply on a
        // client, or every member's pull stops at it.
        let dir = scratch_dir();
        let (_, mut client) = open_copy(dir.path(), "client.db", false);
        client
            .remote_add("origin", "http://127.0.0.1:1/desk", None)
            .expect("add remote");
        if let Err(e) = client.apply_pulled("origin", &page.ops, page.head) {
            panic!("the server accepted operations a client cannot apply: {e}");
        }
        assert_rebuilds(&client, "client after a pull");

        // The client retries after a lost response: nothing is stored twice. (An operation
        // refused for a reference the workspace lacked may be stored now, if the first push
        // created what it refers to after it.)
        let again = rt
            .block_on(core.push(&member, req.ops.clone(), PUSH_NOW_MS))
            .expect("a repeated push succeeds");
        assert_eq!(again.results.len(), req.ops.len());
        let mut head = resp.head;
        for (first, second) in resp.results.iter().zip(&again.results) {
            match (first.status, first.code.as_deref()) {
                (OpStatus::Accepted | OpStatus::Duplicate, _) => {
                    assert_eq!(second.status, OpStatus::Duplicate);
                    assert_eq!(second.seq, first.seq);
                }
                (OpStatus::Rejected, Some("unknown_reference")) => {
                    if second.status == OpStatus::Accepted {
                        head += 1;
                        assert_eq!(second.seq, Some(head));
                    }
                }
                (OpStatus::Rejected, _) => {
                    assert_eq!(second.status, OpStatus::Rejected, "{second:?}");
                    assert_eq!(second.code, first.code);
                }
            }
        }
        assert_eq!(
            again.head, head,
            "a repeated push stored something unexpected"
        );
    }
}

/// One input through a fresh store (for regression tests).
pub fn check_server_push(data: &[u8]) {
    PushHarness::new().check(data);
}

// ---------------------------------------------------------------------------------------------
// Store snapshots
// ---------------------------------------------------------------------------------------------

fn dump(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).expect("prepare dump");
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        let row: Vec<rusqlite::types::Value> = (0..n)
            .map(|i| r.get::<_, rusqlite::types::Value>(i))
            .collect::<rusqlite::Result<_>>()?;
        Ok(format!("{row:?}"))
    })
    .expect("query dump")
    .collect::<rusqlite::Result<_>>()
    .expect("read dump")
}

/// The replicated state: the folded tables, which do not depend on the order operations
/// arrived in.
pub fn folded_state(store: &Store) -> Vec<(String, Vec<String>)> {
    store
        .folded_state()
        .expect("folded state")
        .into_iter()
        .map(|(t, rows)| {
            (
                t.to_string(),
                rows.iter().map(|row| format!("{row:?}")).collect(),
            )
        })
        .collect()
}

/// Everything in the database file, for "nothing changed" checks on one store.
pub fn full_state(store: &Store) -> Vec<(String, Vec<String>)> {
    let tables: Vec<String> = store
        .conn()
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let rows = dump(store.conn(), &format!("SELECT * FROM \"{t}\""));
            (t, rows)
        })
        .collect()
}

pub fn export_jsonl(store: &Store) -> String {
    let mut out = Vec::new();
    interchange::export(
        store,
        Format::Jsonl,
        &ClaimReviewOptions::default(),
        &mut out,
    )
    .expect("export");
    String::from_utf8(out).expect("exports are UTF-8")
}

fn assert_rebuilds(store: &Store, what: &str) {
    let diffs = store.verify_rebuild().expect("verify_rebuild");
    assert!(
        diffs.is_empty(),
        "{what}: the tables differ from a rebuild from the log: {diffs:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Merge
// ---------------------------------------------------------------------------------------------

/// Operations made on several replicas, and a second order to apply them in that keeps every
/// entity's creation before the operations that need it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergeScenario {
    pub ops: Vec<Op>,
    /// A permutation of `0..ops.len()`.
    pub order: Vec<usize>,
}

/// Apply `op` as a write; on failure nothing may have changed. Returns the error, if any.
fn record_checked(store: &mut Store, op: &Op) -> Option<String> {
    let before = full_state(store);
    match store.write(|w| w.record(op)) {
        Ok(()) => None,
        Err(e) => {
            let after = full_state(store);
            if after != before {
                for ((t, a), (_, b)) in before.iter().zip(&after) {
                    if a != b {
                        eprintln!("table {t} before: {a:#?}\nafter: {b:#?}");
                    }
                }
                panic!("a failed write ({e}) changed the database; op: {op:?}");
            }
            Some(e.to_string())
        }
    }
}

pub fn check_merge(s: &MergeScenario) {
    let mut seen = s.order.clone();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..s.ops.len()).collect::<Vec<_>>(),
        "order is not a permutation"
    );
    let dir = scratch_dir();
    let mut a = Store::open(&dir.path().join("a.db"), Some("fuzz-a")).expect("open a");
    let mut b = Store::open(&dir.path().join("b.db"), Some("fuzz-b")).expect("open b");
    let failed_a: BTreeMap<usize, String> = (0..s.ops.len())
        .filter_map(|i| record_checked(&mut a, &s.ops[i]).map(|e| (i, e)))
        .collect();
    let failed_b: BTreeMap<usize, String> = s
        .order
        .iter()
        .filter_map(|&i| record_checked(&mut b, &s.ops[i]).map(|e| (i, e)))
        .collect();
    assert_rebuilds(&a, "first order");
    assert_rebuilds(&b, "second order");
    let ka: BTreeSet<&usize> = failed_a.keys().collect();
    let kb: BTreeSet<&usize> = failed_b.keys().collect();
    if let Some(i) = ka.symmetric_difference(&kb).next() {
        panic!(
            "whether operation {i} applies depends on the order (first order: {:?}, second: {:?}); op: {:?}",
            failed_a.get(i),
            failed_b.get(i),
            s.ops[**i]
        );
    }
    let (ea, eb) = (export_jsonl(&a), export_jsonl(&b));
    assert_eq!(ea, eb, "exports differ between the two orders");
    let (fa, fb) = (folded_state(&a), folded_state(&b));
    for ((table, ra), (_, rb)) in fa.iter().zip(&fb) {
        assert_eq!(ra, rb, "table {table} differs between the two orders");
    }
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

/// What the seeded database holds before an import; import seeds refer to these ids.
pub const SEED_RECORDS: &str = r#"{"type":"source","id":"6a0f1c52-8a4c-5a55-9a43-0a6f3e7d2b10","name":"Anatoly Antonov","kind":"person","url":null,"aliases":["Antonov"],"created_at":"2021-03-21T09:00:00.000Z"}
{"type":"source","id":"7b1e2d63-9b5d-5b66-8b54-1b7a4f8e3c21","name":"TASS","kind":"outlet","url":"https://tass.example","aliases":[],"created_at":"2021-03-21T09:00:01.000Z"}
{"type":"article","id":"8c2f3e74-ac6e-5c77-9c65-2c8b5a9f4d32","url":"https://news.example/a","title":"Landing","outlet":"7b1e2d63-9b5d-5b66-8b54-1b7a4f8e3c21","published":"2021-03-21","lang":"en","text":"The plane landed in Moscow on Sunday. İzmir was next.","text_sha256":null,"created_at":"2021-03-21T09:00:02.000Z"}
{"type":"claim","id":"9d304f85-bd7f-4d88-8d76-3d9c6ba05e43","text":"The plane landed in Moscow","speaker":"6a0f1c52-8a4c-5a55-9a43-0a6f3e7d2b10","said_on":"2021-03-21","tags":["aviation"],"deleted":false,"created_at":"2021-03-21T09:00:03.000Z","created_by":"ana"}
{"type":"appearance","id":"ae415096-ce80-4e99-9e87-4ead7cb16f54","claim":"9d304f85-bd7f-4d88-8d76-3d9c6ba05e43","article":"8c2f3e74-ac6e-5c77-9c65-2c8b5a9f4d32","via":"7b1e2d63-9b5d-5b66-8b54-1b7a4f8e3c21","quote":"The plane landed in Moscow","anchor":{"start":0,"end":26,"prefix":"","suffix":" on Sunday. İzmir was next."},"created_at":"2021-03-21T09:00:04.000Z"}
{"type":"verdict","id":"bf5261a7-df91-4faa-8f98-5fbe8dc27065","claim":"9d304f85-bd7f-4d88-8d76-3d9c6ba05e43","status":"verified","note":"Flight records","author":"ana","supersedes":[],"created_at":"2021-03-21T09:00:05.000Z"}
{"type":"evidence","id":"c06372b8-e0a2-40bb-90a9-60cf9ed38176","claim":"9d304f85-bd7f-4d88-8d76-3d9c6ba05e43","url":"https://flights.example/1","stance":"supports","note":null,"created_at":"2021-03-21T09:00:06.000Z"}
"#;

/// The bytes of a closed database file: empty, or holding [`SEED_RECORDS`].
fn template(seeded: bool) -> &'static [u8] {
    static EMPTY: OnceLock<Vec<u8>> = OnceLock::new();
    static SEEDED: OnceLock<Vec<u8>> = OnceLock::new();
    let make = |seed: bool| {
        let dir = scratch_dir();
        let path = dir.path().join("template.db");
        {
            let mut store = Store::open(&path, Some("fuzz")).expect("open template");
            if seed {
                interchange::import(
                    &mut store,
                    "seed.jsonl",
                    SEED_RECORDS.as_bytes(),
                    Format::Jsonl,
                )
                .expect("the seed records import");
            }
        }
        std::fs::read(&path).expect("read template")
    };
    if seeded {
        SEEDED.get_or_init(|| make(true))
    } else {
        EMPTY.get_or_init(|| make(false))
    }
}

fn open_copy(dir: &Path, name: &str, seeded: bool) -> (PathBuf, Store) {
    let path = dir.join(name);
    std::fs::write(&path, template(seeded)).expect("write database");
    let store = Store::open(&path, Some("fuzz")).expect("open database copy");
    (path, store)
}

/// How the first byte of an import input is read: its low two bits pick the format and bit 2
/// picks a database already holding [`SEED_RECORDS`]. `'0'` JSON, `'1'` JSON Lines, `'2'`
/// CSV, `'4'`..`'6'` the same on the seeded database.
pub fn import_selector(byte: u8) -> (Format, bool) {
    let format = match byte & 3 {
        0 => Format::Json,
        2 => Format::Csv,
        _ => Format::Jsonl,
    };
    (format, byte & 4 != 0)
}

/// Whether a CSV file has a row that gives no id (such rows are imported again each time).
fn csv_has_rows_without_id(data: &[u8]) -> bool {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let Ok(headers) = reader.headers().cloned() else {
        return true;
    };
    let Some(col) = headers.iter().position(|h| h.trim() == "id") else {
        return true;
    };
    reader.records().any(|r| match r {
        Ok(r) => r.get(col).is_none_or(|v| v.trim().is_empty()),
        Err(_) => true,
    })
}

fn summary_is_empty(s: &ImportSummary) -> bool {
    s.imported() == 0
}

/// The records of a JSON or JSON Lines file the importer accepted.
fn input_records(body: &[u8], format: Format) -> Vec<Record> {
    let text = std::str::from_utf8(body).expect("the import accepted it as UTF-8");
    match format {
        Format::Jsonl => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("the import parsed this line"))
            .collect(),
        _ => {
            let doc: Value = serde_json::from_str(text).expect("the import parsed this file");
            doc["records"]
                .as_array()
                .expect("records")
                .iter()
                .map(|v| serde_json::from_value(v.clone()).expect("the import parsed it"))
                .collect()
        }
    }
}

fn record_key(r: &Record) -> (String, uuid::Uuid) {
    let v = serde_json::to_value(r).unwrap();
    let kind = v["type"].as_str().unwrap().to_string();
    let id = serde_json::from_value(v["id"].clone()).unwrap();
    (kind, id)
}

/// A record as the database keeps it, by design: times to the millisecond, tags folded and
/// sorted, a claim's status derived, an article's hash computed from its text, and
/// (not compared here) aliases merged by folded name.
fn normalize(r: &Record) -> Record {
    use chrono::{DateTime, SecondsFormat, Utc};
    let ms = |t: &DateTime<Utc>| {
        DateTime::parse_from_rfc3339(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or(*t)
    };
    let mut r = r.clone();
    match &mut r {
        Record::Source {
            aliases,
            created_at,
            ..
        } => {
            aliases.clear();
            *created_at = ms(created_at);
        }
        Record::Article {
            text,
            text_sha256,
            created_at,
            ..
        } => {
            if let Some(t) = text {
                *text_sha256 = Some(claimdb::store::sha256_hex(t));
            }
            *created_at = ms(created_at);
        }
        Record::Claim {
            tags,
            status,
            created_at,
            ..
        } => {
            let mut folded: Vec<String> = tags.iter().map(|t| claimdb::text::fold_tag(t)).collect();
            folded.sort();
            folded.dedup();
            *tags = folded;
            *status = None;
            *created_at = ms(created_at);
        }
        Record::Verdict {
            supersedes,
            created_at,
            ..
        } => {
            supersedes.sort();
            supersedes.dedup();
            *created_at = ms(created_at);
        }
        Record::Appearance { created_at, .. }
        | Record::Evidence { created_at, .. }
        | Record::Review { created_at, .. } => {
            *created_at = ms(created_at);
        }
    }
    r
}

fn exported_records(export: &str) -> BTreeMap<(String, uuid::Uuid), Record> {
    export
        .lines()
        .map(|l| {
            let r: Record = serde_json::from_str(l).expect("export lines are records");
            (record_key(&r), r)
        })
        .collect()
}

pub fn check_import(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (format, seeded) = import_selector(selector);
    let dir = scratch_dir();
    let (_, mut store) = open_copy(dir.path(), "claims.db", seeded);
    let before = full_state(&store);
    let before_export = exported_records(&export_jsonl(&store));
    let first = match interchange::import(&mut store, "input", body, format) {
        Err(e) => {
            assert!(
                full_state(&store) == before,
                "a failed import ({e}) changed the database"
            );
            return;
        }
        Ok(s) => s,
    };
    assert_rebuilds(&store, "after an import");
    let after_first = full_state(&store);
    if format != Format::Csv {
        // What was imported is what is exported, up to the normalizations above.
        let after = exported_records(&export_jsonl(&store));
        for r in input_records(body, format) {
            let key = record_key(&r);
            if before_export.contains_key(&key) {
                continue; // skipped: the database had it already
            }
            let got = after
                .get(&key)
                .unwrap_or_else(|| panic!("imported {key:?} is not in the export"));
            assert_eq!(
                normalize(got),
                normalize(&r),
                "a record changed between import and export"
            );
        }
    }
    if first.imported() == 0 {
        assert!(
            after_first == before,
            "an import of nothing changed the database"
        );
    }

    let second = interchange::import(&mut store, "input", body, format)
        .unwrap_or_else(|e| panic!("imported once ({first:?}) but not twice: {e}"));
    if !(format == Format::Csv && csv_has_rows_without_id(body)) {
        assert!(
            summary_is_empty(&second),
            "importing the same file again imported {second:?} (first time: {first:?})"
        );
        assert!(
            full_state(&store) == after_first,
            "importing the same file again changed the database"
        );
    }
    assert_rebuilds(&store, "after importing twice");

    // claimdb's JSON Lines export is lossless: it imports into an empty database, which then
    // exports the same.
    let exported = export_jsonl(&store);
    let (_, mut fresh) = open_copy(dir.path(), "fresh.db", false);
    let n = exported.lines().count();
    let s = interchange::import(
        &mut fresh,
        "export.jsonl",
        exported.as_bytes(),
        Format::Jsonl,
    )
    .unwrap_or_else(|e| panic!("the export does not import: {e}\n{exported}"));
    assert_eq!(s.imported(), n, "not every exported record imported: {s:?}");
    let again = export_jsonl(&fresh);
    assert_eq!(again, exported, "export → import → export is not the same");
}
