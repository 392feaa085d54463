//! End to end: an article with its text, every annotated claim with speaker, relay and quote,
//! anchors checked, verdicts marked, then export → import into a fresh database → export.

mod common;

use std::path::Path;

use common::contract::{Article, Claim, ImportSummary};
use common::{Env, char_offset};

/// Log the article and its claims, check anchors, mark verdicts; returns the claims' ids.
fn log_article(env: &Env, text_path: &Path, claims_path: &Path, url: &str) -> Vec<String> {
    let text = std::fs::read_to_string(text_path).unwrap();
    let annotations = common::annotations(claims_path);
    let article: Article = env.typed(&[
        "article",
        "add",
        url,
        "--title",
        "Round trip",
        "--published",
        "2021-03-21",
        "--lang",
        "en",
        "--text-file",
        text_path.to_str().unwrap(),
    ]);
    assert_eq!(article.text_chars, Some(text.chars().count() as u64));
    assert_eq!(
        article.text_sha256.as_deref(),
        Some(claimdb::store::sha256_hex(&text).as_str())
    );

    let mut ids = Vec::new();
    for a in &annotations {
        let claim: Claim = serde_json::from_str(&env.add_annotated(url, a)).unwrap();
        assert_eq!(claim.text, a.text);
        assert_eq!(
            claim.speaker.as_ref().map(|s| s.name.as_str()),
            a.speaker.as_deref()
        );
        assert_eq!(claim.appearances.len(), 1);
        let ap = &claim.appearances[0];
        assert_eq!(ap.via.as_ref().map(|v| v.name.as_str()), a.via.as_deref());
        assert_eq!(ap.quote.as_deref(), Some(a.quote.as_str()));
        let anchor = ap.anchor.as_ref().expect("quote anchored in stored text");
        let start = char_offset(&text, &a.quote);
        assert_eq!(anchor.start, start, "start of {:?}", a.quote);
        assert_eq!(anchor.end, start + a.quote.chars().count() as u64);
        let chars: Vec<char> = text.chars().collect();
        let at: String = chars[anchor.start as usize..anchor.end as usize]
            .iter()
            .collect();
        assert_eq!(at, a.quote);
        assert!(text[..text.find(&a.quote).unwrap()].ends_with(&anchor.prefix));
        assert!(text[text.find(&a.quote).unwrap() + a.quote.len()..].starts_with(&anchor.suffix));
        ids.push(claim.id);
    }
    assert_eq!(ids.len(), annotations.len());

    // Several verdicts, one of them revised.
    env.ok(&[
        "mark",
        &ids[0],
        "verified",
        "--note",
        "Confirmed by two outlets",
    ]);
    env.ok(&["mark", &ids[1], "in-progress"]);
    env.ok(&[
        "mark",
        &ids[1],
        "false",
        "--note",
        "Contradicted",
        "--evidence",
        "https://evidence.example/1",
    ]);
    env.ok(&["mark", &ids[2], "unverifiable"]);
    env.ok(&[
        "evidence",
        "add",
        &ids[2],
        "https://evidence.example/2",
        "--stance",
        "context",
        "--note",
        "Background",
    ]);
    env.ok(&[
        "claim",
        "edit",
        &ids[3],
        "--add-tag",
        "economy",
        "--said-on",
        "2021-03-20",
    ]);
    env.ok(&["claim", "rm", &ids[4]]);

    let revised: Claim = env.typed(&["claim", "show", &ids[1]]);
    assert_eq!(revised.status, "false");
    assert_eq!(revised.verdicts.len(), 2);
    assert!(!revised.verdicts[0].current);
    assert!(revised.verdicts[1].current);
    assert_eq!(
        revised.verdicts[1].supersedes,
        vec![revised.verdicts[0].id.clone()]
    );
    assert_eq!(revised.evidence[0].stance, "refutes");
    ids
}

fn round_trip(env: &Env, n_claims: usize) {
    let first = env.path("first.jsonl");
    env.ok(&["export", "--format", "jsonl", "-o", first.to_str().unwrap()]);
    let fresh = Env::new();
    let sum: ImportSummary = fresh.typed(&["import", first.to_str().unwrap()]);
    assert_eq!(sum.claims, n_claims);
    assert_eq!(sum.skipped, 0);
    let second = fresh.path("second.jsonl");
    fresh.ok(&[
        "export",
        "--format",
        "jsonl",
        "-o",
        second.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(&first).unwrap(),
        std::fs::read_to_string(&second).unwrap(),
        "export → import → export changed the data"
    );
    // The same through the JSON document format.
    let json1 = env.ok(&["export", "--format", "json"]);
    let json_file = env.path("all.json");
    std::fs::write(&json_file, &json1).unwrap();
    let third = Env::new();
    third.ok(&["import", json_file.to_str().unwrap()]);
    assert_eq!(third.ok(&["export", "--format", "json"]), json1);

    // Importing again changes nothing.
    let before = fresh.snapshot();
    let again: ImportSummary = fresh.typed(&["import", first.to_str().unwrap()]);
    assert_eq!(again.claims + again.verdicts + again.sources, 0);
    assert!(again.skipped > n_claims);
    assert_eq!(fresh.snapshot(), before);
    // And the imported database is sound.
    let check: common::contract::Check = fresh.typed(&["check"]);
    assert!(check.ok, "{check:?}");
}

#[test]
fn own_fixture_logs_anchors_and_round_trips() {
    let env = Env::new();
    let ids = log_article(
        &env,
        &common::fixture("bosphorus-report.txt"),
        &common::fixture("bosphorus-claims.json"),
        "https://news.example/bosphorus",
    );
    assert_eq!(ids.len(), 6);
    round_trip(&env, 6);
}

#[test]
#[ignore = "needs CLAIMDB_CORPUS"]
fn antonov_corpus_logs_all_19_claims_and_round_trips() {
    let dir = common::corpus();
    let env = Env::new();
    let ids = log_article(
        &env,
        &dir.join("antonov-consultations.txt"),
        &dir.join("antonov-consultations.claims.json"),
        "https://news.example/antonov-consultations",
    );
    assert_eq!(ids.len(), 19);
    let relayed: common::contract::Claims = env.typed(&["claim", "list", "--via", "TASS"]);
    assert_eq!(relayed.claims.len(), 1);
    let by_antonov: common::contract::Claims =
        env.typed(&["claim", "list", "--speaker", "anatoly antonov"]);
    assert!(by_antonov.claims.len() >= 6);
    round_trip(&env, 19);
}
