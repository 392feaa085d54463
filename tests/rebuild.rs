//! The tables are a fold of the operation log: after any sequence of commands, rebuilding
//! from the log alone gives exactly the live tables.

use claimdb::Store;
use claimdb::store::{ClaimEdit, NewArticle, NewClaim, NewSource};
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "Антонов",
    "Erdoğan",
    "TASS",
    "RIA Novosti",
    "İlker Işık",
    "🦊 Fox Desk",
];
const TEXT: &str = "Антонов said the plane landed. Erdoğan called it splendid. TASS quoted him: «we shall see» 🚀.";
const QUOTES: &[&str] = &[
    "the plane landed",
    "called it splendid",
    "«we shall see» 🚀",
    "not in the text",
];
const STATUSES: &[&str] = &["verified", "false", "mixed", "in-progress", "bogus"];

#[derive(Debug, Clone)]
enum Action {
    Source(usize),
    Article {
        with_text: bool,
    },
    Claim {
        speaker: Option<usize>,
        via: Option<usize>,
        article: Option<usize>,
        quote: Option<usize>,
        status: Option<usize>,
    },
    Appear {
        claim: usize,
        article: usize,
        quote: Option<usize>,
    },
    Edit {
        claim: usize,
        text: bool,
        speaker: Option<usize>,
        tag: Option<usize>,
        untag: Option<usize>,
    },
    Delete(usize),
    Restore(usize),
    Mark {
        claim: usize,
        status: usize,
    },
    Evidence(usize),
}

fn action() -> impl Strategy<Value = Action> {
    let idx = 0usize..8;
    prop_oneof![
        (0..NAMES.len()).prop_map(Action::Source),
        any::<bool>().prop_map(|with_text| Action::Article { with_text }),
        (
            proptest::option::of(0..NAMES.len()),
            proptest::option::of(0..NAMES.len()),
            proptest::option::of(idx.clone()),
            proptest::option::of(0..QUOTES.len()),
            proptest::option::of(0..STATUSES.len())
        )
            .prop_map(|(speaker, via, article, quote, status)| Action::Claim {
                speaker,
                via,
                article,
                quote,
                status
            }),
        (
            idx.clone(),
            idx.clone(),
            proptest::option::of(0..QUOTES.len())
        )
            .prop_map(|(claim, article, quote)| Action::Appear {
                claim,
                article,
                quote
            }),
        (
            idx.clone(),
            any::<bool>(),
            proptest::option::of(0..NAMES.len()),
            proptest::option::of(0usize..3),
            proptest::option::of(0usize..3)
        )
            .prop_map(|(claim, text, speaker, tag, untag)| Action::Edit {
                claim,
                text,
                speaker,
                tag,
                untag
            }),
        idx.clone().prop_map(Action::Delete),
        idx.clone().prop_map(Action::Restore),
        (idx.clone(), 0..STATUSES.len()).prop_map(|(claim, status)| Action::Mark { claim, status }),
        idx.prop_map(Action::Evidence),
    ]
}

fn pick(ids: &[String], i: usize) -> Option<String> {
    (!ids.is_empty()).then(|| ids[i % ids.len()].clone())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rebuilding_from_the_log_gives_the_live_tables(actions in proptest::collection::vec(action(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db"), Some("prop")).unwrap();
        let mut claims: Vec<String> = Vec::new();
        let mut articles: Vec<String> = Vec::new();
        let tags = ["economy", "Politika", "ışık"];
        for (n, a) in actions.into_iter().enumerate() {
            // Errors are part of the test: a refused command must leave no trace in either.
            match a {
                Action::Source(i) => {
                    let _ = store.add_source(NewSource { name: NAMES[i].into(), ..Default::default() });
                }
                Action::Article { with_text } => {
                    let id = store.add_article(NewArticle {
                        url: Some(format!("https://news.example/{n}")),
                        text: with_text.then(|| TEXT.to_string()),
                        ..Default::default()
                    }).unwrap();
                    articles.push(id.to_string());
                }
                Action::Claim { speaker, via, article, quote, status } => {
                    let r = store.add_claim(NewClaim {
                        text: format!("Claim {n} about «{}»", NAMES[n % NAMES.len()]),
                        speaker: speaker.map(|i| NAMES[i].to_string()),
                        via: via.map(|i| NAMES[i].to_string()),
                        article: article.and_then(|i| pick(&articles, i)),
                        quote: quote.map(|i| QUOTES[i].to_string()),
                        status: status.map(|i| STATUSES[i].to_string()),
                        tags: vec![tags[n % 3].to_string()],
                        ..Default::default()
                    });
                    if let Ok(id) = r { claims.push(id.to_string()); }
                }
                Action::Appear { claim, article, quote } => {
                    if let (Some(c), Some(a)) = (pick(&claims, claim), pick(&articles, article)) {
                        let _ = store.appear(&c, &a, Some("TASS"), quote.map(|i| QUOTES[i]));
                    }
                }
                Action::Edit { claim, text, speaker, tag, untag } => {
                    if let Some(c) = pick(&claims, claim) {
                        let _ = store.edit_claim(&c, ClaimEdit {
                            text: text.then(|| format!("Edited {n}")),
                            speaker: speaker.map(|i| NAMES[i].to_string()),
                            add_tags: tag.map(|i| tags[i].to_string()).into_iter().collect(),
                            remove_tags: untag.map(|i| tags[i].to_string()).into_iter().collect(),
                            ..Default::default()
                        });
                    }
                }
                Action::Delete(i) => { if let Some(c) = pick(&claims, i) { let _ = store.delete_claim(&c); } }
                Action::Restore(i) => { if let Some(c) = pick(&claims, i) { let _ = store.restore_claim(&c); } }
                Action::Mark { claim, status } => {
                    if let Some(c) = pick(&claims, claim) {
                        let _ = store.mark(&c, STATUSES[status], Some("because"), &["https://e.example".into()]);
                    }
                }
                Action::Evidence(i) => {
                    if let Some(c) = pick(&claims, i) {
                        let _ = store.add_evidence(&c, "https://e.example/x", Some("refutes"), Some("note ✓"));
                    }
                }
            }
        }
        let diffs = store.verify_rebuild().unwrap();
        prop_assert!(diffs.is_empty(), "rebuild differs: {diffs:?}");
    }
}

#[test]
fn a_row_written_outside_the_log_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let mut store = Store::open(&path, Some("t")).unwrap();
    store
        .add_claim(NewClaim {
            text: "Logged".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(store.verify_rebuild().unwrap().is_empty());
    drop(store);
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute("UPDATE claims SET text = 'Tampered'", [])
        .unwrap();
    drop(c);
    let store = Store::open(&path, Some("t")).unwrap();
    let diffs = store.verify_rebuild().unwrap();
    assert!(diffs.iter().any(|d| d.table == "claims"), "{diffs:?}");
}
