//! A deterministic, seeded simulation of a desk: several replicas and the server's real logic
//! in process, random commands, and a transport that loses requests and responses, repeats
//! and delays them, with client crashes between push, pull and apply. Members also create
//! the same ids with different content, copy each other's databases (noticed on this machine,
//! or only by the server), and push under another member's replica id. After everyone syncs
//! on a quiet network, the guarantees of team sync must hold.
//!
//! `CLAIMDB_SIM_CASES` sets the number of seeds (default 6), `CLAIMDB_SIM_STEPS` the commands
//! per seed (default 80), `CLAIMDB_SIM_SEED` the first seed.

mod common;

use serde_json::value::RawValue;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use claimdb::interchange::{self, ClaimReviewOptions, Format, Record};
use claimdb::model::{SourceKind, Status};
use claimdb::ops::{Hlc, Op, OpKind};
use claimdb::server::board::Replicas;
use claimdb::server::{Core, Member, PgStorage, ServerError, SqliteStorage};
use claimdb::store::{ClaimEdit, NewClaim};
use claimdb::sync::client::{self, Transport};
use claimdb::sync::protocol::{OpStatus, PullResponse, PushResponse, Role};
use claimdb::sync::snapshot::{JoinMode, SnapshotOffer};
use claimdb::{Error, Result, Store};
use uuid::Uuid;

/// The server's protocol core over one store, called from this single-threaded simulation.
struct Srv {
    core: Core,
    rt: tokio::runtime::Runtime,
}

impl Srv {
    fn sqlite(dir: &std::path::Path) -> Srv {
        Srv {
            core: Core::new(Arc::new(SqliteStorage::open(dir).unwrap())),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }
    fn postgres(url: &str) -> Srv {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let storage = rt.block_on(PgStorage::open(url, 2)).unwrap();
        Srv {
            core: Core::new(Arc::new(storage)),
            rt,
        }
    }
    fn push(
        &self,
        m: &Member,
        ops: Vec<Box<RawValue>>,
        now: u64,
    ) -> std::result::Result<PushResponse, ServerError> {
        self.rt.block_on(self.core.push(m, ops, now))
    }
    fn pull(
        &self,
        m: &Member,
        after: u64,
        limit: usize,
    ) -> std::result::Result<PullResponse, ServerError> {
        self.rt.block_on(self.core.pull(m, after, limit))
    }
    fn pull_json(
        &self,
        m: &Member,
        after: u64,
        limit: usize,
    ) -> std::result::Result<Vec<u8>, ServerError> {
        self.rt.block_on(self.core.pull_json(m, after, limit))
    }
    fn authenticate(&self, token: &str) -> std::result::Result<Member, ServerError> {
        self.rt.block_on(self.core.authenticate(token))
    }
    fn create_workspace(&self, name: &str) -> Result<()> {
        self.rt.block_on(self.core.create_workspace(name))
    }
    fn add_member(&self, ws: &str, name: &str, role: Role) -> Result<String> {
        self.rt.block_on(self.core.add_member(ws, name, role))
    }
    fn stats(&self, ws: &str) -> Result<(u64, u64)> {
        self.rt.block_on(self.core.stats(ws))
    }
}

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Default, Debug)]
struct Counters {
    push_requests: u64,
    pull_requests: u64,
    /// Snapshots a member joined from.
    joined: u64,
}

/// Push bodies held back, with the member who sent them.
type Delayed = Rc<RefCell<Vec<(Member, Vec<Box<RawValue>>)>>>;

/// The server's real push and pull, behind a network that misbehaves while `faulty` is set.
struct Net {
    backend: Rc<Srv>,
    member: Member,
    rng: Rc<RefCell<Rng>>,
    faulty: bool,
    /// Pushes held back to arrive late, after later ones.
    delayed: Delayed,
    counters: Counters,
    /// The server's replicas, which snapshots are copies of.
    snapshots: Rc<Replicas>,
}

/// An operation as the server receives it: its JSON text.
fn raw(op: &Op) -> Box<RawValue> {
    serde_json::value::to_raw_value(op).unwrap()
}

fn lost(what: &str) -> Error {
    Error::Remote(format!("simulated: {what} lost"))
}

impl Net {
    fn deliver_delayed(&mut self, now: u64) {
        let late: Vec<_> = self.delayed.borrow_mut().drain(..).collect();
        for (m, body) in late {
            self.backend.push(&m, body, now).expect("late delivery");
        }
    }
}

impl Transport for Net {
    fn push(&mut self, ops: &[Op]) -> Result<PushResponse> {
        self.counters.push_requests += 1;
        let now = chrono::Utc::now().timestamp_millis() as u64;
        let body: Vec<Box<RawValue>> = ops.iter().map(raw).collect();
        let mut rng = self.rng.borrow_mut();
        if self.faulty {
            if rng.chance(10) {
                return Err(lost("push request"));
            }
            if rng.chance(8) {
                self.delayed.borrow_mut().push((self.member.clone(), body));
                return Err(lost("push request (delayed)"));
            }
        }
        let mut resp = self
            .backend
            .push(&self.member, body.clone(), now)
            .map_err(|e| Error::Remote(e.to_string()))?;
        if self.faulty {
            if rng.chance(10) {
                resp = self
                    .backend
                    .push(&self.member, body, now)
                    .map_err(|e| Error::Remote(e.to_string()))?;
                assert!(
                    resp.results.iter().all(|r| r.status != OpStatus::Accepted),
                    "a repeated push stores nothing"
                );
            }
            if rng.chance(10) {
                return Err(lost("push response"));
            }
        }
        Ok(resp)
    }

    fn pull(&mut self, after: u64, limit: usize) -> Result<PullResponse> {
        self.counters.pull_requests += 1;
        let mut rng = self.rng.borrow_mut();
        if self.faulty && rng.chance(10) {
            return Err(lost("pull request"));
        }
        // Small pages, so a pull takes several round trips that can fail in between.
        let limit = if self.faulty {
            limit.min(1 + rng.below(7))
        } else {
            limit
        };
        let resp = self
            .backend
            .pull(&self.member, after, limit)
            .map_err(|e| Error::Remote(e.to_string()))?;
        if self.faulty && rng.chance(10) {
            return Err(lost("pull response"));
        }
        Ok(resp)
    }

    /// The server's real snapshot, behind the same faulty network: the request or the
    /// answer lost, the download cut short, or a byte of it changed on the way.
    fn snapshot(&mut self, resume: Option<(&str, u64)>) -> Result<Option<SnapshotOffer>> {
        let mut rng = self.rng.borrow_mut();
        if self.faulty && rng.chance(10) {
            return Err(lost("snapshot request"));
        }
        let backend = &self.backend;
        let Some(file) = backend
            .rt
            .block_on(self.snapshots.snapshot(&backend.core, "desk"))
            .map_err(|e| Error::Remote(e.to_string()))?
        else {
            return Ok(None);
        };
        let offset = match resume {
            Some((sha, at)) if sha == file.sha256 && at < file.len => at,
            _ => 0,
        };
        let mut bytes = std::fs::read(&file.path).unwrap()[offset as usize..].to_vec();
        let mut cut = None;
        if self.faulty && !bytes.is_empty() {
            if rng.chance(15) {
                cut = Some(rng.below(bytes.len()));
            } else if rng.chance(10) {
                let at = rng.below(bytes.len());
                bytes[at] ^= 0x20;
            }
        }
        let body: Box<dyn std::io::Read + Send> = match cut {
            Some(n) => Box::new(std::io::Read::chain(
                std::io::Cursor::new(bytes[..n].to_vec()),
                Broken,
            )),
            None => Box::new(std::io::Cursor::new(bytes)),
        };
        Ok(Some(SnapshotOffer {
            seq: file.seq,
            sha256: file.sha256,
            len: file.len,
            offset,
            body,
        }))
    }
}

/// A connection that breaks when read.
struct Broken;

impl std::io::Read for Broken {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated: connection lost",
        ))
    }
}

struct Replica {
    path: PathBuf,
    /// How this member's empty database joins: new members who join by snapshot mid-run
    /// take it whenever the server offers one.
    join_mode: JoinMode,
    user: String,
    store: Option<Store>,
    net: Net,
    /// Ops this replica made (by id), and the verdicts among them.
    made_ops: BTreeSet<String>,
}

impl Replica {
    fn store(&mut self) -> &mut Store {
        if self.store.is_none() {
            self.store =
                Some(Store::open(&self.path, Some(&self.user)).expect("reopen after crash"));
        }
        self.store.as_mut().unwrap()
    }

    fn crash(&mut self) {
        self.store = None;
    }

    fn sync(&mut self) -> Result<()> {
        let store = self
            .store
            .get_or_insert_with(|| Store::open(&self.path, Some(&self.user)).unwrap());
        client::sync(
            store,
            "origin",
            &mut self.net,
            50,
            100,
            self.join_mode,
            &mut |_, _, _| {},
        )
        .map(|s| self.net.counters.joined += s.joined.is_some() as u64)
    }

    fn claim_ids(&mut self) -> Vec<String> {
        self.store()
            .claim_list(&claimdb::store::ClaimFilter {
                deleted: true,
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect()
    }
}

fn export(store: &Store) -> String {
    let mut out = Vec::new();
    interchange::export(
        store,
        Format::Jsonl,
        &ClaimReviewOptions::default(),
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

const SPEAKERS: &[&str] = &[
    "Анатолий Антонов",
    "TASS",
    "Recep Tayyip Erdoğan",
    "White House",
];
const STATUSES: &[&str] = &["verified", "false", "mixed", "misleading", "in-progress"];

fn run(seed: u64, steps: usize, server: &dyn Fn(&std::path::Path) -> Srv) -> Stats {
    let dir = tempfile::tempdir().unwrap();
    let backend = Rc::new(server(&dir.path().join("server")));
    backend.create_workspace("desk").unwrap();
    let rng = Rc::new(RefCell::new(Rng(seed)));
    let delayed = Rc::new(RefCell::new(Vec::new()));
    let snapshots = Rc::new(Replicas::new(dir.path().join("replicas")));
    let join = |user: String, path: PathBuf| -> Replica {
        let token = backend.add_member("desk", &user, Role::Writer).unwrap();
        let member = backend.authenticate(&token).unwrap();
        let mut store = Store::open(&path, Some(&user)).unwrap();
        if store.remote("origin").is_err() {
            store
                .remote_add("origin", "http://sim.invalid/desk", None)
                .unwrap();
        }
        Replica {
            path,
            join_mode: JoinMode::Never,
            user,
            store: Some(store),
            net: Net {
                backend: backend.clone(),
                member,
                rng: rng.clone(),
                faulty: true,
                delayed: delayed.clone(),
                counters: Counters::default(),
                snapshots: snapshots.clone(),
            },
            made_ops: BTreeSet::new(),
        }
    };
    let mut replicas: Vec<Replica> = (0..4)
        .map(|i| join(format!("member{i}"), dir.path().join(format!("r{i}.db"))))
        .collect();
    // Ids that several members create, each with their own content.
    let shared_claims: Vec<Uuid> = (0..3)
        .map(|i| Uuid::from_u128(((seed as u128) << 8) | i))
        .collect();
    let shared_verdicts: Vec<Uuid> = (0..3)
        .map(|i| Uuid::from_u128(((seed as u128) << 8) | 0x80 | i))
        .collect();
    // Operations stored under another member's replica id: they are the writer's own.
    let mut forged_ops: BTreeSet<String> = BTreeSet::new();
    let mut copies = 0;
    let mut joiners = 0;

    let (mut failed_syncs, mut crashes) = (0, 0);
    for step in 0..steps {
        let (who, action, pick, extra) = {
            let mut r = rng.borrow_mut();
            (
                r.below(replicas.len()),
                r.below(118),
                r.next(),
                r.below(1000),
            )
        };
        let rep = &mut replicas[who];
        let claims = rep.claim_ids();
        let target = (!claims.is_empty()).then(|| claims[pick as usize % claims.len()].clone());
        let before = rep.store().op_count().unwrap();
        let _ = match (action, target) {
            (0..=19, _) | (_, None) => rep
                .store()
                .add_claim(NewClaim {
                    text: format!(
                        "Claim {step} by {who} «{}»",
                        SPEAKERS[extra % SPEAKERS.len()]
                    ),
                    speaker: Some(SPEAKERS[extra % SPEAKERS.len()].into()),
                    via: (extra % 3 == 0).then(|| SPEAKERS[(extra / 3) % SPEAKERS.len()].into()),
                    tags: vec![format!("t{}", extra % 3)],
                    ..Default::default()
                })
                .map(|_| ()),
            (20..=34, Some(c)) => rep
                .store()
                .edit_claim(
                    &c,
                    ClaimEdit {
                        text: (extra % 2 == 0).then(|| format!("Edited by {who} at {step}")),
                        said_on: (extra % 2 == 1).then(|| format!("2021-03-{:02}", 1 + extra % 28)),
                        add_tags: vec![format!("t{}", extra % 4)],
                        remove_tags: vec![format!("t{}", (extra / 4) % 4)],
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            (35..=54, Some(c)) => rep
                .store()
                .mark(
                    &c,
                    STATUSES[extra % STATUSES.len()],
                    Some(&format!("note {step}")),
                    &[],
                )
                .map(|_| ()),
            (55..=61, Some(c)) => rep
                .store()
                .add_evidence(
                    &c,
                    &format!("https://e.example/{step}"),
                    Some("supports"),
                    None,
                )
                .map(|_| ()),
            (62..=65, Some(c)) => rep.store().delete_claim(&c).map(|_| ()),
            (66..=67, Some(c)) => rep.store().restore_claim(&c).map(|_| ()),
            (68..=91, _) => {
                let r = rep.sync();
                failed_syncs += r.is_err() as u32;
                r
            }
            (92..=96, _) => {
                rep.crash();
                crashes += 1;
                Ok(())
            }
            (100..=103, _) => {
                let claim = shared_claims[extra % shared_claims.len()];
                let user = rep.user.clone();
                rep.store()
                    .write(|w| {
                        let created_at = w.now();
                        w.emit(OpKind::CreateClaim {
                            claim,
                            text: format!("Shared claim, {user}'s version at {step}"),
                            speaker: None,
                            said_on: None,
                            tags: vec![format!("t{}", extra % 3)],
                            created_at,
                            created_by: user.clone(),
                        })
                    })
                    .map(|_| ())
            }
            (104..=105, _) => {
                let i = extra % shared_claims.len();
                let user = rep.user.clone();
                let has_claim = rep.claim_ids().contains(&shared_claims[i].to_string());
                if has_claim {
                    rep.store()
                        .write(|w| {
                            let created_at = w.now();
                            w.emit(OpKind::AddVerdict {
                                verdict: shared_verdicts[i],
                                claim: shared_claims[i],
                                status: [Status::Verified, Status::False, Status::Mixed]
                                    [pick as usize % 3],
                                note: Some(format!("{user} at {step}")),
                                author: user.clone(),
                                supersedes: Vec::new(),
                                created_at,
                            })
                        })
                        .map(|_| ())
                } else {
                    Ok(())
                }
            }
            (106, _) => {
                let name = SPEAKERS[extra % SPEAKERS.len()];
                rep.store()
                    .write(|w| {
                        let created_at = w.now();
                        w.emit(OpKind::CreateSource {
                            source: claimdb::ops::source_id(name),
                            name: name.to_string(),
                            kind: SourceKind::Organization,
                            url: Some(format!("https://{who}.example/{step}")),
                            aliases: Vec::new(),
                            created_at,
                        })
                    })
                    .map(|_| ())
            }
            (107, _) => {
                // Push an operation that carries another member's replica id.
                let victim = (who + 1 + pick as usize % 3) % replicas.len();
                let stolen = replicas[victim].store().replica();
                let rep = &mut replicas[who];
                let now = chrono::Utc::now().timestamp_millis() as u64;
                let op = Op {
                    id: Uuid::now_v7(),
                    hlc: Hlc::from_parts(now, 0),
                    replica: stolen,
                    author: rep.user.clone(),
                    kind: OpKind::CreateClaim {
                        claim: Uuid::new_v4(),
                        text: format!("Under a borrowed replica id, {step}"),
                        speaker: None,
                        said_on: None,
                        tags: Vec::new(),
                        created_at: chrono::Utc::now(),
                        created_by: rep.user.clone(),
                    },
                };
                let resp = backend.push(&rep.net.member, vec![raw(&op)], now).unwrap();
                match resp.results[0].status {
                    OpStatus::Accepted => {
                        forged_ops.insert(op.id.to_string());
                    }
                    OpStatus::Rejected => assert_eq!(
                        resp.results[0].code.as_deref(),
                        Some("replica_taken"),
                        "seed {seed}: {resp:?}"
                    ),
                    OpStatus::Duplicate => unreachable!(),
                }
                Ok(())
            }
            (108, _) if copies < 2 => {
                // A new member starts from a copy of this member's database.
                copies += 1;
                let path = dir.path().join(format!("copy{copies}.db"));
                rep.store().backup(&path).unwrap();
                if extra % 2 == 0 {
                    // Copied on another machine: the original's file is not there to see.
                    let c = rusqlite::Connection::open(&path).unwrap();
                    c.execute(
                        "UPDATE meta SET value = '/elsewhere/claims.db' WHERE key = 'replica_path'",
                        [],
                    )
                    .unwrap();
                }
                let copy = join(format!("copier{copies}"), path);
                replicas.push(copy);
                Ok(())
            }
            (109, _) if joiners < 2 => {
                // A new member joins from the server's snapshot (made of the server's replica
                // as far as it has read the log) and pulls the rest.
                joiners += 1;
                let mut joiner = join(
                    format!("joiner{joiners}"),
                    dir.path().join(format!("joiner{joiners}.db")),
                );
                joiner.join_mode = JoinMode::Always;
                let r = joiner.sync();
                failed_syncs += r.is_err() as u32;
                replicas.push(joiner);
                r
            }
            (110..=112, _) => {
                // Merge one speaker into another: concurrent merges go both ways, or merge one
                // source into two, and the fold must settle them alike everywhere.
                let keep = SPEAKERS[extra % SPEAKERS.len()];
                let drop = SPEAKERS[(extra / 7 + 1) % SPEAKERS.len()];
                rep.store().merge_sources(keep, drop).map(|_| ())
            }
            (113..=115, Some(c)) => rep
                .store()
                // Name a speaker that may have been merged elsewhere (or here).
                .edit_claim(
                    &c,
                    ClaimEdit {
                        speaker: Some(SPEAKERS[extra % SPEAKERS.len()].into()),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            (116..=117, _) => {
                let name = SPEAKERS[extra % SPEAKERS.len()];
                rep.store()
                    .add_aliases(name, &[format!("{name} ({who}.{step})")])
                    .map(|_| ())
            }
            _ => {
                let now = chrono::Utc::now().timestamp_millis() as u64;
                rep.net.deliver_delayed(now);
                Ok(())
            }
        };
        // Remember every operation this replica recorded, to check none is lost.
        let rep = &mut replicas[who];
        let store = rep.store();
        if store.op_count().unwrap() > before {
            let me = store.replica();
            let pulled: BTreeSet<String> = store
                .conn()
                .prepare("SELECT id FROM ops WHERE pulled = 1")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for op in store.ops().unwrap() {
                if op.replica == me && !pulled.contains(&op.id.to_string()) {
                    rep.made_ops.insert(op.id.to_string());
                }
            }
        }
    }

    // Quiesce: late messages arrive, the network heals, everyone syncs twice.
    let now = chrono::Utc::now().timestamp_millis() as u64;
    replicas[0].net.deliver_delayed(now);
    for rep in &mut replicas {
        rep.net.faulty = false;
    }
    for _ in 0..2 {
        for rep in &mut replicas {
            rep.sync()
                .unwrap_or_else(|e| panic!("seed {seed}: sync on a quiet network failed: {e}"));
        }
    }

    let all_made: BTreeSet<String> = replicas
        .iter()
        .flat_map(|r| r.made_ops.iter().cloned())
        .chain(forged_ops.iter().cloned())
        .collect();
    let exports: Vec<String> = replicas.iter_mut().map(|r| export(r.store())).collect();
    let replicas_made: Vec<(String, BTreeSet<String>)> = replicas
        .iter()
        .map(|r| (r.user.clone(), r.made_ops.clone()))
        .collect();
    let refusals: Vec<(String, String)> = replicas
        .iter_mut()
        .flat_map(|r| {
            let user = r.user.clone();
            r.store()
                .conn()
                .prepare("SELECT code || ' ' || message FROM refused")
                .unwrap()
                .query_map([], |row| row.get::<_, String>(0))
                .unwrap()
                .map(|m| (user.clone(), m.unwrap()))
                .collect::<Vec<_>>()
        })
        .collect();
    for rep in &mut replicas {
        let store = rep.store();
        // 1. Nothing is lost: every operation anyone made is on every replica.
        let ids: BTreeSet<String> = store
            .ops()
            .unwrap()
            .iter()
            .map(|o| o.id.to_string())
            .collect();
        let missing: Vec<_> = all_made.difference(&ids).collect();
        if !missing.is_empty() {
            let makers: Vec<String> = replicas_made
                .iter()
                .filter(|(_, made)| missing.iter().any(|m| made.contains(*m)))
                .map(|(u, _)| u.clone())
                .collect();
            eprintln!("seed {seed}: made by {makers:?}; refusals: {refusals:?}");
        }
        assert!(
            missing.is_empty(),
            "seed {seed}: {} lost operations on {}",
            missing.len(),
            rep.user
        );
        // 4. Retries are harmless: no operation twice, locally or on the server.
        assert_eq!(
            ids.len(),
            store.ops().unwrap().len(),
            "seed {seed}: duplicate op ids"
        );
        // 5. Crashes are harmless: sound database, log explains every row.
        let integrity: String = store
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        assert!(
            store.verify_rebuild().unwrap().is_empty(),
            "seed {seed}: rebuild differs"
        );
    }
    let (server_ops, head) = backend.stats("desk").unwrap();
    assert_eq!(
        server_ops,
        all_made.len() as u64,
        "seed {seed}: server holds each op exactly once"
    );
    assert_eq!(head, server_ops, "seed {seed}: sequence numbers are dense");
    // 2. Everyone converges, byte for byte.
    for (i, e) in exports.iter().enumerate() {
        assert_eq!(
            e, &exports[0],
            "seed {seed}: replica {i} diverged from replica 0"
        );
    }
    // 3. Disagreement is shown: a claim is disputed exactly when its current verdicts differ.
    let records: Vec<Record> = exports[0]
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut superseded = BTreeSet::new();
    let mut verdicts: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for r in &records {
        if let Record::Verdict {
            id,
            claim,
            status,
            supersedes,
            ..
        } = r
        {
            superseded.extend(supersedes.iter().map(|s| s.to_string()));
            verdicts
                .entry(claim.to_string())
                .or_default()
                .push((id.to_string(), status.to_string()));
        }
    }
    let mut disputes = 0;
    for r in &records {
        if let Record::Claim { id, status, .. } = r {
            let current: BTreeSet<&str> = verdicts
                .get(&id.to_string())
                .map(|v| {
                    v.iter()
                        .filter(|(vid, _)| !superseded.contains(vid))
                        .map(|(_, s)| s.as_str())
                        .collect()
                })
                .unwrap_or_default();
            let expected = match current.len() {
                0 => "unverified".to_string(),
                1 => current.iter().next().unwrap().to_string(),
                _ => {
                    disputes += 1;
                    "disputed".to_string()
                }
            };
            assert_eq!(
                status.as_deref(),
                Some(expected.as_str()),
                "seed {seed}: claim {id}"
            );
        }
    }
    // Every verdict ever made is on every replica (they are all in the equal exports).
    let made_verdicts: usize = verdicts.values().map(Vec::len).sum();
    assert!(
        made_verdicts > 0 || steps < 20,
        "seed {seed}: the run made verdicts"
    );
    // Conflict listings agree too.
    let listings: Vec<String> = replicas
        .iter_mut()
        .map(|r| serde_json::to_string(&r.store().conflicts().unwrap()).unwrap())
        .collect();
    for l in &listings {
        assert_eq!(l, &listings[0], "seed {seed}: conflict listings differ");
    }
    // Merged sources settle alike: the same merges, and every replica's tables (which source
    // each merged one stands for, the references as named and as resolved) are equal.
    let merges: i64 = replicas[0]
        .store()
        .conn()
        .query_row("SELECT count(*) FROM source_merges", [], |r| r.get(0))
        .unwrap();
    let states: Vec<_> = replicas
        .iter_mut()
        .map(|r| {
            r.store()
                .folded_state()
                .unwrap()
                .into_iter()
                .filter(|(t, _)| {
                    [
                        "source_canon",
                        "source_merges",
                        "claims",
                        "appearances",
                        "source_names",
                    ]
                    .contains(t)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for st in &states {
        for ((table, rows), (_, first)) in st.iter().zip(&states[0]) {
            assert!(rows == first, "seed {seed}: {table} settled differently");
        }
    }
    // 6. Cost follows the change: an idle sync is one pull; one change is one push and one pull.
    let rep = &mut replicas[0];
    rep.net.counters = Counters::default();
    rep.sync().unwrap();
    assert_eq!(
        (
            rep.net.counters.push_requests,
            rep.net.counters.pull_requests
        ),
        (0, 1)
    );
    rep.store()
        .add_claim(NewClaim {
            text: "One more".into(),
            ..Default::default()
        })
        .unwrap();
    rep.net.counters = Counters::default();
    rep.sync().unwrap();
    assert_eq!(
        (
            rep.net.counters.push_requests,
            rep.net.counters.pull_requests
        ),
        (1, 1)
    );
    // The HTTP layer's spliced page is the same page.
    let member = &replicas[0].net.member;
    let typed = backend.pull(member, 0, 1_000).unwrap();
    let spliced: PullResponse =
        serde_json::from_slice(&backend.pull_json(member, 0, 1_000).unwrap()).unwrap();
    assert_eq!(spliced, typed, "seed {seed}: pull_json differs from pull");
    // 7. Nobody writes as someone else: an op by member1 pushed with member0's token.
    replicas[1]
        .store()
        .add_claim(NewClaim {
            text: "Mine".into(),
            ..Default::default()
        })
        .unwrap();
    let forged = replicas[1].store().ops().unwrap().pop().unwrap();
    assert_eq!(forged.author, "member1");
    let resp = backend
        .push(&replicas[0].net.member, vec![raw(&forged)], now)
        .unwrap();
    assert_eq!(resp.results[0].status, OpStatus::Rejected);
    assert_eq!(resp.results[0].code.as_deref(), Some("wrong_author"));
    let duplicates = replicas[0].store().conflicts().unwrap().duplicates.len();
    // A database with own operations under an earlier replica id took a new one.
    let mut renewed = 0;
    for r in replicas.iter_mut() {
        let store = r.store();
        let me = store.replica().to_string();
        let earlier: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM ops WHERE pulled = 0 AND replica <> ?1",
                [me],
                |row| row.get(0),
            )
            .unwrap();
        renewed += (earlier > 0) as usize;
    }
    let joined: u64 = replicas.iter().map(|r| r.net.counters.joined).sum();
    eprintln!(
        "seed {seed}: {} ops, {} claims disputed, {failed_syncs} syncs failed, {crashes} crashes, \
         {duplicates} ids created twice differently, {} ops under a borrowed replica id, \
         {copies} copied databases, {renewed} databases with a second replica id, \
         {merges} source merges, {joined} members joined by snapshot",
        all_made.len(),
        disputes,
        forged_ops.len()
    );
    assert!(
        failed_syncs > 0 || steps < 40,
        "seed {seed}: the network never failed"
    );
    Stats {
        duplicates,
        forged: forged_ops.len(),
        copies,
        renewed,
        merges: merges as usize,
        joined,
    }
}

/// What a run exercised beyond the faulty network.
#[derive(Default)]
struct Stats {
    duplicates: usize,
    forged: usize,
    copies: usize,
    renewed: usize,
    merges: usize,
    joined: u64,
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn replicas_converge_through_a_faulty_network() {
    simulate(&Srv::sqlite);
}

#[test]
fn replicas_converge_through_a_faulty_network_on_postgres() {
    let Some(pg) = common::pg::PgCluster::start() else {
        return;
    };
    let next = std::cell::Cell::new(0);
    simulate(&|_| {
        next.set(next.get() + 1);
        Srv::postgres(&pg.create_database(&format!("sim{}", next.get())))
    });
}

/// Every seed, on the server store `server` makes.
fn simulate(server: &dyn Fn(&std::path::Path) -> Srv) {
    let cases = env_num("CLAIMDB_SIM_CASES", 6);
    let steps = env_num("CLAIMDB_SIM_STEPS", 80) as usize;
    let first = env_num("CLAIMDB_SIM_SEED", 1);
    let mut total = Stats::default();
    for seed in first..first + cases {
        let s = run(seed, steps, server);
        total.duplicates += s.duplicates;
        total.forged += s.forged;
        total.copies += s.copies;
        total.renewed += s.renewed;
        total.merges += s.merges;
        total.joined += s.joined;
    }
    // The default run must exercise every kind of trouble it injects.
    if cases >= 6 && steps >= 80 {
        assert!(total.duplicates > 0, "no id was created twice differently");
        assert!(
            total.forged > 0,
            "no push under a borrowed replica id was stored"
        );
        assert!(total.copies > 0, "no database was copied");
        assert!(total.merges > 0, "no source was merged");
        assert!(total.joined > 0, "no member joined by snapshot");
        assert!(
            total.renewed > 0,
            "no database had to take a new replica id"
        );
    }
}
