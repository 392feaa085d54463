//! One conformance suite for every server store: each protocol rule, each refusal, paging,
//! idempotent pushes, concurrent pushers and the admin verbs, through the protocol core on
//! a real SQLite file and (when PostgreSQL is installed) a real throwaway PostgreSQL cluster.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use claimdb::ops::{Hlc, Op, OpKind};
use claimdb::server::{Core, Member, PgStorage, Refusal, ServerError, SqliteStorage};
use claimdb::sync::protocol::{OpStatus, PullResponse, PushResponse, Role};
use serde_json::value::RawValue;
use uuid::Uuid;

fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis() as u64
}

fn raw(op: &Op) -> Box<RawValue> {
    serde_json::value::to_raw_value(op).unwrap()
}

use common::claim_op as claim;

fn tag(author: &str, replica: Uuid, claim: Uuid, name: &str) -> Op {
    Op {
        id: Uuid::new_v4(),
        hlc: Hlc::from_parts(now_ms(), 1),
        replica,
        author: author.into(),
        kind: OpKind::SetTag {
            claim,
            tag: name.into(),
            present: true,
            prev: false,
        },
    }
}

fn claim_id(op: &Op) -> Uuid {
    match op.kind {
        OpKind::CreateClaim { claim, .. } => claim,
        _ => panic!("not a claim"),
    }
}

/// A workspace with members `names`, all writers.
async fn desk(core: &Core, ws: &str, names: &[&str]) -> Vec<Member> {
    core.create_workspace(ws).await.unwrap();
    let mut out = Vec::new();
    for n in names {
        let token = core.add_member(ws, n, Role::Writer).await.unwrap();
        out.push(core.authenticate(&token).await.unwrap());
    }
    out
}

async fn push(core: &Core, m: &Member, ops: &[&Op]) -> PushResponse {
    core.push(m, ops.iter().map(|o| raw(o)).collect(), now_ms())
        .await
        .unwrap()
}

fn code(resp: &PushResponse, i: usize) -> Option<&str> {
    resp.results[i].code.as_deref()
}

async fn accepts_in_dense_order_and_repeats_are_duplicates(core: &Core) {
    let [ana] = &desk(core, "dense", &["ana"]).await[..] else {
        unreachable!()
    };
    let r = Uuid::new_v4();
    let ops: Vec<Op> = (0..5)
        .map(|i| claim("ana", r, &format!("Claim {i}")))
        .collect();
    let refs: Vec<&Op> = ops.iter().collect();
    let first = push(core, ana, &refs).await;
    assert_eq!(first.head, 5);
    for (i, res) in first.results.iter().enumerate() {
        assert_eq!(res.status, OpStatus::Accepted, "{res:?}");
        assert_eq!(res.seq, Some(i as u64 + 1));
        assert_eq!(res.id, Some(ops[i].id));
    }
    // The same push again, as after a lost response: nothing stored twice.
    let again = push(core, ana, &refs).await;
    assert_eq!(again.head, 5);
    for (i, res) in again.results.iter().enumerate() {
        assert_eq!(res.status, OpStatus::Duplicate);
        assert_eq!(res.seq, Some(i as u64 + 1));
    }
    // A repeat inside one batch is a duplicate of the first.
    let six = claim("ana", r, "Claim 6");
    let batch = push(core, ana, &[&six, &six]).await;
    assert_eq!(batch.results[0].status, OpStatus::Accepted);
    assert_eq!(batch.results[1].status, OpStatus::Duplicate);
    assert_eq!(batch.results[1].seq, Some(6));
    assert_eq!(core.stats("dense").await.unwrap(), (6, 6));
}

async fn an_op_id_reused_with_other_content_is_refused(core: &Core) {
    let [ana] = &desk(core, "reuse", &["ana"]).await[..] else {
        unreachable!()
    };
    let r = Uuid::new_v4();
    let a = claim("ana", r, "The bridge opened in 1932");
    push(core, ana, &[&a]).await;
    let mut b = claim("ana", r, "The bridge opened in 1933");
    b.id = a.id;
    let resp = push(core, ana, &[&b]).await;
    assert_eq!(resp.results[0].status, OpStatus::Rejected);
    assert_eq!(code(&resp, 0), Some("op_id_reused"));
    assert_eq!(resp.head, 1);
}

async fn unknown_references_are_refused_until_created(core: &Core) {
    let [ana] = &desk(core, "refs", &["ana"]).await[..] else {
        unreachable!()
    };
    let r = Uuid::new_v4();
    let c = claim("ana", r, "Exports doubled");
    let t = tag("ana", r, claim_id(&c), "economy");
    let resp = push(core, ana, &[&t]).await;
    assert_eq!(code(&resp, 0), Some("unknown_reference"));
    assert!(
        resp.results[0]
            .message
            .as_deref()
            .unwrap()
            .contains(&claim_id(&c).to_string())
    );
    // Created earlier in the same batch counts.
    let resp = push(core, ana, &[&c, &t]).await;
    assert_eq!(resp.results[0].status, OpStatus::Accepted);
    assert_eq!(resp.results[1].status, OpStatus::Accepted);
    assert_eq!(resp.head, 2);
}

async fn operations_must_be_written_as_the_member(core: &Core) {
    let [ana, _bo] = &desk(core, "authors", &["ana", "bo"]).await[..] else {
        unreachable!()
    };
    let r = Uuid::new_v4();
    let by_bo = claim("bo", r, "Written as someone else");
    let mut created_by_bo = claim("ana", r, "Recorded as someone else");
    if let OpKind::CreateClaim { created_by, .. } = &mut created_by_bo.kind {
        *created_by = "bo".into();
    }
    let resp = push(core, ana, &[&by_bo, &created_by_bo]).await;
    assert_eq!(code(&resp, 0), Some("wrong_author"));
    assert_eq!(code(&resp, 1), Some("wrong_author"));
    assert_eq!(resp.head, 0);
}

async fn operations_far_ahead_of_the_server_clock_are_refused(core: &Core) {
    let [ana] = &desk(core, "clock", &["ana"]).await[..] else {
        unreachable!()
    };
    let mut op = claim("ana", Uuid::new_v4(), "From the future");
    op.hlc = Hlc::from_parts(now_ms() + 3_600_000, 0);
    let resp = push(core, ana, &[&op]).await;
    assert_eq!(code(&resp, 0), Some("clock_ahead"));
    // Within the allowed drift is fine.
    op.hlc = Hlc::from_parts(now_ms() + 60_000, 0);
    let resp = push(core, ana, &[&op]).await;
    assert_eq!(resp.results[0].status, OpStatus::Accepted);
}

async fn invalid_operations_are_refused_one_by_one(core: &Core) {
    let [ana] = &desk(core, "invalid", &["ana"]).await[..] else {
        unreachable!()
    };
    let good = claim("ana", Uuid::new_v4(), "Пример: «цитата» 🧪");
    let empty = claim("ana", Uuid::new_v4(), "   ");
    let id = Uuid::new_v4();
    let not_an_op = RawValue::from_string(format!(r#"{{"id":"{id}","change":42}}"#)).unwrap();
    let resp = core
        .push(ana, vec![not_an_op, raw(&empty), raw(&good)], now_ms())
        .await
        .unwrap();
    assert_eq!(code(&resp, 0), Some("invalid_op"));
    assert_eq!(resp.results[0].id, Some(id), "the refusal names the op");
    assert_eq!(code(&resp, 1), Some("invalid_op"));
    assert_eq!(resp.results[2].status, OpStatus::Accepted);
    assert_eq!(resp.head, 1);
    let pulled = core.pull(ana, 0, 10).await.unwrap();
    assert_eq!(pulled.ops.len(), 1);
    assert_eq!(pulled.ops[0].op, good, "stored exactly as sent");
}

async fn a_replica_id_belongs_to_its_first_member(core: &Core) {
    let [ana, bo] = &desk(core, "replicas", &["ana", "bo"]).await[..] else {
        unreachable!()
    };
    let r = Uuid::new_v4();
    push(core, ana, &[&claim("ana", r, "Ana's claim")]).await;
    let resp = push(core, bo, &[&claim("bo", r, "Bo on Ana's replica")]).await;
    assert_eq!(code(&resp, 0), Some("replica_taken"));
    assert!(resp.results[0].message.as_deref().unwrap().contains("ana"));
    let resp = push(core, ana, &[&claim("ana", r, "Ana again")]).await;
    assert_eq!(resp.results[0].status, OpStatus::Accepted);
}

async fn pulls_page_through_the_log(core: &Core) {
    let [ana] = &desk(core, "paging", &["ana"]).await[..] else {
        unreachable!()
    };
    let r = Uuid::new_v4();
    let ops: Vec<Op> = (0..23).map(|i| claim("ana", r, &format!("N{i}"))).collect();
    push(core, ana, &ops.iter().collect::<Vec<_>>()).await;
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = core.pull(ana, after, 5).await.unwrap();
        assert_eq!(page.head, 23);
        assert!(page.ops.len() <= 5);
        let Some(last) = page.ops.last() else { break };
        after = last.seq;
        seen.extend(page.ops.iter().map(|s| (s.seq, s.op.id)));
    }
    let expected: Vec<(u64, Uuid)> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| (i as u64 + 1, o.id))
        .collect();
    assert_eq!(seen, expected);
    // The spliced JSON page is the same page.
    let typed = core.pull(ana, 7, 9).await.unwrap();
    let spliced: PullResponse =
        serde_json::from_slice(&core.pull_json(ana, 7, 9).await.unwrap()).unwrap();
    assert_eq!(spliced, typed);
    assert_eq!(typed.ops.first().map(|s| s.seq), Some(8));
    assert!(core.pull(ana, 23, 5).await.unwrap().ops.is_empty());
}

async fn workspaces_are_separate(core: &Core) {
    let [ana] = &desk(core, "north", &["ana"]).await[..] else {
        unreachable!()
    };
    let [ana2] = &desk(core, "south", &["ana"]).await[..] else {
        unreachable!()
    };
    let op = claim("ana", Uuid::new_v4(), "Said in both");
    assert_eq!(push(core, ana, &[&op]).await.results[0].seq, Some(1));
    // The same operation in another workspace is new there, under its own numbering.
    let resp = push(core, ana2, &[&op]).await;
    assert_eq!(resp.results[0].status, OpStatus::Accepted);
    assert_eq!(resp.results[0].seq, Some(1));
    let t = tag("ana", op.replica, claim_id(&op), "x");
    push(core, ana, &[&t]).await;
    assert_eq!(core.pull(ana2, 0, 10).await.unwrap().ops.len(), 1);
    assert_eq!(core.pull(ana, 0, 10).await.unwrap().ops.len(), 2);
}

async fn tokens_authenticate_until_revoked(core: &Core) {
    core.create_workspace("tokens").await.unwrap();
    let token = core
        .add_member("tokens", "Zeynep Yılmaz", Role::Reader)
        .await
        .unwrap();
    let m = core.authenticate(&token).await.unwrap();
    assert_eq!(
        (m.workspace.as_str(), m.name.as_str(), m.role),
        ("tokens", "Zeynep Yılmaz", Role::Reader)
    );
    let unauthorized = |r: Result<Member, ServerError>| match r {
        Err(ServerError::Unauthorized(msg)) => msg,
        other => panic!("expected 401, got {other:?}"),
    };
    unauthorized(core.authenticate("not a token").await);
    let (head, _) = token.rsplit_once('.').unwrap();
    unauthorized(
        core.authenticate(&format!("{head}.{}", "0".repeat(64)))
            .await,
    );
    unauthorized(
        core.authenticate(&format!(
            "cdb1.{}.{}",
            Uuid::new_v4().simple(),
            "0".repeat(64)
        ))
        .await,
    );
    core.revoke("tokens", "Zeynep Yılmaz").await.unwrap();
    assert!(unauthorized(core.authenticate(&token).await).contains("revoked"));
    // A new token for the same member works; the old one stays revoked.
    let fresh = core
        .add_member("tokens", "Zeynep Yılmaz", Role::Admin)
        .await
        .unwrap();
    assert_eq!(core.authenticate(&fresh).await.unwrap().role, Role::Admin);
    unauthorized(core.authenticate(&token).await);
    let listed = core.members("tokens").await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|m| m.revoked_at.is_none()).count(), 1);
}

async fn admin_verbs_refuse_clearly(core: &Core) {
    use claimdb::ErrorKind;
    core.create_workspace("admin").await.unwrap();
    let kind = |r: claimdb::Result<()>| r.unwrap_err().kind();
    assert_eq!(
        kind(core.create_workspace("admin").await),
        ErrorKind::Invalid
    );
    assert_eq!(
        kind(core.create_workspace("bad name/x").await),
        ErrorKind::Invalid
    );
    assert_eq!(
        core.add_member("nowhere", "ana", Role::Writer)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    core.add_member("admin", "Ana", Role::Writer).await.unwrap();
    let again = core
        .add_member("admin", "Ana", Role::Writer)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already a member"), "{again}");
    let folded = core
        .add_member("admin", "ANA", Role::Writer)
        .await
        .unwrap_err();
    assert!(folded.to_string().contains("too like"), "{folded}");
    assert_eq!(
        kind(core.revoke("admin", "nobody").await),
        ErrorKind::NotFound
    );
    assert_eq!(
        core.members("nowhere").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

async fn concurrent_pushers_get_dense_numbers(core: &Core) {
    let names: Vec<String> = (0..8).map(|i| format!("w{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let members = desk(core, "busy", &refs).await;
    let mut tasks = Vec::new();
    for m in members.clone() {
        let core = core.clone();
        tasks.push(tokio::spawn(async move {
            let r = Uuid::new_v4();
            let mut ids = Vec::new();
            for b in 0..10 {
                let ops: Vec<Op> = (0..5)
                    .map(|i| claim(&m.name, r, &format!("{} {b} {i}", m.name)))
                    .collect();
                let resp = core
                    .push(&m, ops.iter().map(raw).collect(), now_ms())
                    .await
                    .unwrap();
                assert!(resp.results.iter().all(|r| r.status == OpStatus::Accepted));
                ids.extend(ops.iter().map(|o| o.id));
            }
            ids
        }));
    }
    let mut pushed = HashSet::new();
    for t in tasks {
        pushed.extend(t.await.unwrap());
    }
    let page = core.pull(&members[0], 0, 5_000).await.unwrap();
    assert_eq!(page.head, 400);
    let seqs: Vec<u64> = page.ops.iter().map(|s| s.seq).collect();
    assert_eq!(seqs, (1..=400).collect::<Vec<_>>());
    let pulled: HashSet<Uuid> = page.ops.iter().map(|s| s.op.id).collect();
    assert_eq!(pulled, pushed);
}

fn refusal_codes_are_the_wire_codes() {
    let op = Uuid::nil();
    let cases = [
        (Refusal::InvalidOp("x".into()), "invalid_op"),
        (
            Refusal::WrongAuthor {
                op,
                claimed: "a".into(),
                member: "b".into(),
            },
            "wrong_author",
        ),
        (Refusal::OpIdReused(op), "op_id_reused"),
        (
            Refusal::UnknownReference {
                op,
                what: "claim x".into(),
            },
            "unknown_reference",
        ),
        (
            Refusal::ReplicaTaken {
                op,
                replica: op,
                owner: "a".into(),
            },
            "replica_taken",
        ),
    ];
    for (r, code) in cases {
        assert_eq!(r.code(), code);
    }
}

/// Every rule, each in a workspace of its own, on one store.
async fn conformance(core: &Core) {
    refusal_codes_are_the_wire_codes();
    accepts_in_dense_order_and_repeats_are_duplicates(core).await;
    an_op_id_reused_with_other_content_is_refused(core).await;
    unknown_references_are_refused_until_created(core).await;
    operations_must_be_written_as_the_member(core).await;
    operations_far_ahead_of_the_server_clock_are_refused(core).await;
    invalid_operations_are_refused_one_by_one(core).await;
    a_replica_id_belongs_to_its_first_member(core).await;
    pulls_page_through_the_log(core).await;
    workspaces_are_separate(core).await;
    tokens_authenticate_until_revoked(core).await;
    admin_verbs_refuse_clearly(core).await;
    concurrent_pushers_get_dense_numbers(core).await;
}

/// A copy of `from` into `to` keeps every token, number and operation.
async fn copies_keep_everything(from: &Core, to: &Core) {
    let [ana] = &desk(from, "moved", &["ana"]).await[..] else {
        unreachable!()
    };
    let token = from
        .add_member("moved", "Ömer", Role::Reader)
        .await
        .unwrap();
    from.revoke("moved", "ana").await.unwrap();
    let r = Uuid::new_v4();
    let c = claim("ana", r, "Moved with its number");
    push(from, ana, &[&claim("ana", r, "first"), &c]).await;
    let report = from.copy_to(to).await.unwrap();
    // Tokens keep working (and revoked ones stay revoked), numbers and bodies are kept, and
    // the replica and entity registers came along.
    let omer = to.authenticate(&token).await.unwrap();
    assert_eq!(omer.role, Role::Reader);
    assert!(matches!(
        to.authenticate(&token.replace(&omer.id, &Uuid::new_v4().simple().to_string()))
            .await,
        Err(ServerError::Unauthorized(_))
    ));
    assert_eq!(
        to.pull_json(&omer, 0, 100).await.unwrap(),
        from.pull_json(&omer, 0, 100).await.unwrap()
    );
    let writer = to
        .authenticate(&to.add_member("moved", "bo", Role::Writer).await.unwrap())
        .await
        .unwrap();
    let resp = push(to, &writer, &[&claim("bo", r, "on ana's replica")]).await;
    assert_eq!(code(&resp, 0), Some("replica_taken"));
    let resp = push(
        to,
        &writer,
        &[&tag("bo", Uuid::new_v4(), claim_id(&c), "kept")],
    )
    .await;
    assert_eq!(resp.results[0].status, OpStatus::Accepted);
    assert_eq!(resp.results[0].seq, Some(3), "numbering continues");
    assert!(report.workspaces >= 1 && report.ops > 0, "{report:?}");
    for ws in ["dense", "refs", "busy", "south", "tokens"] {
        assert_eq!(
            from.stats(ws).await.unwrap(),
            to.stats(ws).await.unwrap(),
            "{ws}"
        );
    }
    // A second copy into the same place is refused whole.
    assert!(from.copy_to(to).await.is_err());
}

fn sqlite(dir: &std::path::Path) -> Core {
    Core::new(Arc::new(SqliteStorage::open(dir).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let core = sqlite(&dir.path().join("a"));
    conformance(&core).await;
    let copy = sqlite(&dir.path().join("b"));
    copies_keep_everything(&core, &copy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_conforms() {
    let Some(pg) = common::pg::PgCluster::start() else {
        return;
    };
    let url = pg.create_database("conformance");
    let core = Core::new(Arc::new(PgStorage::open(&url, 8).await.unwrap()));
    conformance(&core).await;
    // A SQLite server's data copied into PostgreSQL, as `claimdb server migrate` does.
    let dir = tempfile::tempdir().unwrap();
    let from = sqlite(dir.path());
    conformance(&from).await;
    let to = Core::new(Arc::new(
        PgStorage::open(&pg.create_database("copy"), 4)
            .await
            .unwrap(),
    ));
    copies_keep_everything(&from, &to).await;
    // A second process opening the same database finds the schema in place.
    let again = Core::new(Arc::new(PgStorage::open(&url, 2).await.unwrap()));
    assert_eq!(again.stats("dense").await.unwrap(), (6, 6));
}
