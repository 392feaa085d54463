//! Two members create the same id with different content (an import of one file edited on
//! two machines, two members adding one source or article). Whatever the order the creations
//! arrive in, every replica must end with the same tables, and the version that lost must be
//! listed by `conflicts`.

use chrono::{DateTime, NaiveDate, Utc};
use claimdb::Store;
use claimdb::model::{SourceKind, Stance, Status};
use claimdb::ops::{Hlc, Op, OpKind, source_id};
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn op(n: u64, replica: u128, author: &str, kind: OpKind) -> Op {
    Op {
        id: Uuid::from_u128(0xA000 + n as u128),
        hlc: Hlc::from_parts(1_700_000_000_000 + n, 0),
        replica: Uuid::from_u128(replica),
        author: author.into(),
        kind,
    }
}

/// Apply `ops` in this order to a new database and return its replicated state.
fn fold(ops: &[&Op]) -> (Vec<claimdb::store::FoldedTable>, Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db.sqlite"), Some("tester")).unwrap();
    store
        .write(|w| {
            for op in ops {
                w.record(op)?;
            }
            Ok(())
        })
        .unwrap();
    assert!(
        store.verify_rebuild().unwrap().is_empty(),
        "rebuild differs"
    );
    (store.folded_state().unwrap(), store, dir)
}

/// Every order of `ops` folds to the same state; returns one store.
fn same_in_every_order(ops: &[Op]) -> (Store, tempfile::TempDir) {
    let n = ops.len();
    let mut orders: Vec<Vec<usize>> = vec![(0..n).collect()];
    // All permutations of up to 4 operations.
    fn permute(k: usize, a: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if k == a.len() {
            out.push(a.clone());
            return;
        }
        for i in k..a.len() {
            a.swap(k, i);
            permute(k + 1, a, out);
            a.swap(k, i);
        }
    }
    permute(0, &mut (0..n).collect(), &mut orders);
    let mut first = None;
    let mut keep = None;
    for order in orders {
        let seq: Vec<&Op> = order.iter().map(|&i| &ops[i]).collect();
        // The server never delivers an operation before one that creates what it refers to.
        let causal = seq.iter().enumerate().all(|(i, op)| {
            op.kind.references().iter().all(|r| {
                seq[..i]
                    .iter()
                    .any(|o| o.kind.creates().map(|c| c.1) == Some(r.1))
            })
        });
        if !causal {
            continue;
        }
        let (state, store, dir) = fold(&seq);
        match &first {
            None => {
                first = Some(state);
                keep = Some((store, dir));
            }
            Some(f) => assert_eq!(&state, f, "order {order:?} folds differently"),
        }
    }
    keep.unwrap()
}

fn claim_create(n: u64, replica: u128, author: &str, claim: Uuid, text: &str) -> Op {
    op(
        n,
        replica,
        author,
        OpKind::CreateClaim {
            claim,
            text: text.into(),
            speaker: None,
            said_on: None,
            tags: vec!["импорт".into()],
            created_at: at("2026-11-20T10:00:00Z"),
            created_by: author.into(),
        },
    )
}

fn verdict(n: u64, replica: u128, author: &str, v: Uuid, claim: Uuid, status: Status) -> Op {
    op(
        n,
        replica,
        author,
        OpKind::AddVerdict {
            verdict: v,
            claim,
            status,
            note: Some(format!("{author} checked it")),
            author: author.into(),
            supersedes: Vec::new(),
            created_at: at("2026-11-20T11:00:00Z"),
        },
    )
}

#[test]
fn one_claim_id_created_twice_converges_and_shows_the_loser() {
    let claim = Uuid::from_u128(7);
    let v = Uuid::from_u128(8);
    let ops = vec![
        claim_create(1, 1, "alice", claim, "Самолёт приземлился в Москве"),
        claim_create(2, 2, "bob", claim, "The plane landed in Moscow"),
        verdict(3, 1, "alice", v, claim, Status::Verified),
        verdict(4, 2, "bob", v, claim, Status::False),
    ];
    let (store, _dir) = same_in_every_order(&ops);
    let c = store.conflicts().unwrap();
    let dup: Vec<_> = c
        .duplicates
        .iter()
        .map(|d| (d.kind.as_str(), d.entity))
        .collect();
    assert!(dup.contains(&("claim", claim)), "{dup:?}");
    assert!(dup.contains(&("verdict", v)), "{dup:?}");
    let claim_dup = c.duplicates.iter().find(|d| d.entity == claim).unwrap();
    assert_eq!(claim_dup.losers.len(), 1);
    assert!(claim_dup.fields.contains(&"text".to_string()));
}

#[test]
fn an_edit_still_wins_over_a_late_duplicate_creation() {
    let claim = Uuid::from_u128(9);
    let edit = op(
        3,
        1,
        "alice",
        OpKind::SetClaim {
            claim,
            set: claimdb::ops::ClaimField::Text("Edited text".into()),
            prev: claimdb::ops::ClaimField::Text("First".into()),
            prev_op: None,
            resolves: Vec::new(),
        },
    );
    let ops = vec![
        claim_create(1, 1, "alice", claim, "First"),
        claim_create(2, 2, "bob", claim, "Second"),
        edit,
    ];
    let (store, _dir) = same_in_every_order(&ops);
    let text: String = store
        .conn()
        .query_row("SELECT text FROM claims", [], |r| r.get(0))
        .unwrap();
    assert_eq!(text, "Edited text");
}

#[test]
fn sources_and_articles_created_twice_merge_field_by_field() {
    let name = "РИА Новости";
    let s = source_id(name);
    let mk_source = |n, replica, author: &str, url: Option<&str>, kind| {
        op(
            n,
            replica,
            author,
            OpKind::CreateSource {
                source: s,
                name: name.into(),
                kind,
                url: url.map(Into::into),
                aliases: Vec::new(),
                created_at: at(&format!("2026-11-2{n}T10:00:00Z")),
            },
        )
    };
    let article = claimdb::ops::article_id("https://ria.ru/20260101/a.html");
    let mk_article = |n, replica, author: &str, outlet, published: Option<&str>| {
        op(
            n,
            replica,
            author,
            OpKind::CreateArticle {
                article,
                url: Some("https://ria.ru/20260101/a.html".into()),
                title: (n == 3).then(|| "Самолёт".to_string()),
                outlet,
                published: published.map(|d| d.parse::<NaiveDate>().unwrap()),
                lang: None,
                text: None,
                text_sha256: None,
                created_at: at(&format!("2026-11-2{n}T10:00:00Z")),
            },
        )
    };
    let ops = vec![
        mk_source(1, 1, "alice", Some("https://ria.ru"), SourceKind::Outlet),
        mk_source(2, 2, "bob", None, SourceKind::Outlet),
        mk_article(3, 1, "alice", Some(s), None),
        mk_article(4, 2, "bob", None, Some("2026-01-01")),
    ];
    let (store, _dir) = same_in_every_order(&ops);
    let (url, created): (Option<String>, String) = store
        .conn()
        .query_row("SELECT url, created_at FROM sources", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(url.as_deref(), Some("https://ria.ru"), "the URL survives");
    assert!(
        created.starts_with("2026-11-21"),
        "first creation: {created}"
    );
    let (title, outlet, published): (Option<String>, Option<String>, Option<String>) = store
        .conn()
        .query_row(
            "SELECT title, outlet_id, published FROM articles",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(title.as_deref(), Some("Самолёт"));
    assert_eq!(outlet, Some(s.to_string()));
    assert_eq!(published.as_deref(), Some("2026-01-01"));
    // Nothing was said twice differently: no conflict to show.
    assert!(store.conflicts().unwrap().duplicates.is_empty());
}

#[test]
fn appearances_and_evidence_created_twice_converge() {
    let claim = Uuid::from_u128(11);
    let e = Uuid::from_u128(12);
    let mk_ev = |n, replica, author: &str, url: &str, stance| {
        op(
            n,
            replica,
            author,
            OpKind::AddEvidence {
                evidence: e,
                claim,
                url: Some(url.into()),
                stance,
                note: None,
                created_at: at("2026-11-20T12:00:00Z"),
            },
        )
    };
    let ops = vec![
        claim_create(1, 1, "alice", claim, "Claim"),
        mk_ev(2, 1, "alice", "https://a.example/1", Stance::Supports),
        mk_ev(3, 2, "bob", "https://b.example/2", Stance::Refutes),
    ];
    let (store, _dir) = same_in_every_order(&ops);
    let c = store.conflicts().unwrap();
    assert!(c.duplicates.iter().any(|d| d.entity == e));
}
