//! Reviews published elsewhere, with the real binary on a real database file: every input
//! shape, re-import, the claim's status, bad input, the exports, and sync through a real
//! server.

mod common;

use common::Env;
use common::contract::{Claim, ClaimRow, Claims, ImportSummary, ReviewImport, Search};
use common::server::Server;

fn fixture(name: &str) -> String {
    common::fixture(&format!("claimreview/{name}"))
        .to_str()
        .unwrap()
        .to_string()
}

fn import(env: &Env, name: &str) -> ReviewImport {
    env.typed(&["import", &fixture(name)])
}

fn claims(env: &Env) -> Vec<ClaimRow> {
    env.typed::<Claims>(&["claim", "list", "--limit", "1000"])
        .claims
}

fn show(env: &Env, needle: &str) -> Claim {
    let id = env.claim_id(needle);
    env.typed(&["claim", "show", &id])
}

#[test]
fn every_published_shape_is_read() {
    let env = Env::new();
    for (file, reviews, new_claims) in [
        ("single.json", 1, 1),
        ("array.json", 2, 2),
        ("graph.jsonld", 1, 1),
        ("datafeed.json", 2, 2),
        // Two reviews of one claim in a search result share that claim.
        ("google-search.json", 4, 3),
        ("page.html", 1, 1),
    ] {
        let sum = import(&env, file);
        assert_eq!((sum.reviews, sum.claims), (reviews, new_claims), "{file}");
        assert_eq!(sum.already_present, 0, "{file}");
    }
    // Imported claims are ordinary claims, and none has a status of the desk's.
    let all = claims(&env);
    assert_eq!(all.len(), 10);
    assert!(
        all.iter()
            .all(|c| c.status == "unverified" && c.verdicts == 0)
    );

    // What the review said is kept as written, with the status the rating means beside it.
    let c = show(&env, "Galata bridge");
    assert_eq!(c.status, "unverified");
    assert_eq!(c.speaker.as_ref().unwrap().name, "Daniel Okafor");
    assert_eq!(c.said_on.as_deref(), Some("2025-02-03"));
    assert_eq!(c.appearances.len(), 2, "both appearance URLs, once each");
    let r = &c.reviews[0];
    assert_eq!(r.publisher.as_deref(), Some("Harbour Checks"));
    assert_eq!(
        r.publisher_site.as_deref(),
        Some("https://checkers.example")
    );
    assert_eq!(r.rating.as_deref(), Some("Pants on Fire!"));
    assert_eq!(r.rating_status.as_deref(), Some("false"));
    assert_eq!(
        (
            r.rating_value.as_deref(),
            r.best_rating.as_deref(),
            r.worst_rating.as_deref()
        ),
        (Some("1"), Some("5"), Some("1"))
    );
    assert_eq!(r.reviewed_on.as_deref(), Some("2025-02-11"));
    assert_eq!(r.lang.as_deref(), Some("en"));
    assert_eq!(r.claimant.as_deref(), Some("Daniel Okafor"));
    assert_eq!(
        r.appearances,
        [
            "https://news.example/bridge-interview",
            "https://video.example/watch/bridge"
        ]
    );

    // Cyrillic, Arabic and Turkish ratings are not in the table: kept, with no status.
    let c = show(&env, "Казани");
    assert_eq!(c.reviews.len(), 2);
    let ratings: Vec<(Option<&str>, Option<&str>)> = c
        .reviews
        .iter()
        .map(|r| (r.rating.as_deref(), r.rating_status.as_deref()))
        .collect();
    assert_eq!(
        ratings,
        [(Some("False"), Some("false")), (Some("Неправда"), None)],
        "newest first"
    );
    assert_eq!(c.speaker.unwrap().name, "Telegram-канал «Новости Поволжья»");
    let c = show(&env, "الخبز");
    assert_eq!(c.reviews[0].publisher.as_deref(), Some("مسبار"));
    assert_eq!(c.reviews[0].rating.as_deref(), Some("مضلل"));
    let c = show(&env, "Ankara");
    assert_eq!(c.reviews[0].rating_status.as_deref(), Some("misleading"));
    assert_eq!(c.speaker.unwrap().name, "İzmir Haber");
    let c = show(&env, "İstanbul");
    assert_eq!(c.reviews[0].publisher.as_deref(), Some("Doğru Mu?"));
    assert_eq!(c.speaker.unwrap().name, "Işık Yılmaz");

    // The page's other JSON-LD and its scripts are ignored; the claimant is matched by name.
    let c = show(&env, "harbour tunnel");
    assert_eq!(c.reviews[0].rating_status.as_deref(), Some("verified"));
    let sources: serde_json::Value = env.json(&["source", "list"]);
    let okafors = sources["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "Daniel Okafor")
        .count();
    assert_eq!(okafors, 1);

    // The text view shows the block beside the desk's verdicts.
    let text = env.ok(&["claim", "show", &env.claim_id("Galata bridge")]);
    assert!(
        text.contains("reviewed elsewhere (not the desk's verdict):\n  - Harbour Checks rated 'Pants on Fire!' (= false) on 2025-02-11\n    https://checkers.example/2025/bridge-budget"),
        "{text}"
    );
    assert!(env.ok(&["check"]).contains("matches the live tables"));
}

#[test]
fn importing_again_changes_nothing_and_the_status_stays_the_desks() {
    let env = Env::new();
    import(&env, "single.json");
    import(&env, "google-search.json");
    let id = env.claim_id("Galata bridge");
    env.ok(&["mark", &id, "mostly-true", "--note", "The overrun was 40%"]);
    let before = env.snapshot();
    for file in ["single.json", "google-search.json"] {
        let sum = import(&env, file);
        assert_eq!(sum.reviews, 0);
        assert!(sum.already_present > 0);
    }
    assert_eq!(env.snapshot(), before, "no new operation, the same export");
    let c: Claim = env.typed(&["claim", "show", &id]);
    assert_eq!(c.status, "mostly-true", "a review never sets the status");
    assert_eq!(c.reviews[0].rating_status.as_deref(), Some("false"));

    // The same review in another database gets the same ids.
    let other = Env::new();
    import(&other, "single.json");
    assert_eq!(other.claim_id("Galata bridge"), id);
}

#[test]
fn incomplete_items_refuse_the_file_unless_skipped() {
    let env = Env::new();
    import(&env, "single.json");
    let before = env.snapshot();
    let err = env.fails(2, &["import", &fixture("invalid-items.json")]);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].ends_with("refused: review 2 (https://checkers.example/2025/no-claim): no claimReviewed (the claim's text)"), "{err}");
    assert!(lines[1].ends_with("refused: review 3 (https://checkers.example/2025/no-rating): no reviewRating (the rating)"), "{err}");
    assert!(lines[2].contains("nothing was imported; --skip-invalid imports the other 1"));
    let err = env.fails(2, &["import", &fixture("google-invalid.json")]);
    assert!(
        err.contains("claim 1 review 2 (https://fcdesk.example/samara-trams): no textualRating"),
        "{err}"
    );
    assert!(
        err.contains(
            "claim 2 review 1 (https://fcdesk.example/no-text): no text (the claim's text)"
        ),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);

    let out = env
        .cmd()
        .args([
            "--json",
            "import",
            &fixture("invalid-items.json"),
            "--skip-invalid",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let sum: ReviewImport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sum.reviews, 1);
    assert_eq!(sum.skipped_invalid.len(), 2);
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 2);
    env.claim_id("Ferry tickets are free");
}

#[test]
fn bad_files_are_refused_in_one_line_and_change_nothing() {
    let env = Env::new();
    import(&env, "single.json");
    let before = env.snapshot();
    let long = "x".repeat(3000);
    let cases: Vec<(&str, String, &str)> = vec![
        ("truncated.json", r#"[{"@type": "ClaimReview", "url": "#.into(), "not valid JSON"),
        (
            "wrong-type.json",
            r#"{"@type": "ClaimReview", "url": "https://a.example/1", "claimReviewed": 42, "reviewRating": "False"}"#.into(),
            "reviewRating must be an object",
        ),
        (
            "long.json",
            format!(
                r#"[{{"@type": "ClaimReview", "url": "https://a.example/ok", "claimReviewed": "fine", "reviewRating": {{"alternateName": "False"}}}},
                   {{"@type": "ClaimReview", "url": "https://a.example/2", "claimReviewed": "{long}", "reviewRating": {{"alternateName": "False"}}}}]"#
            ),
            "review 2 (https://a.example/2): claim text is 3000 characters long; the limit is 2000",
        ),
        (
            "script-url.json",
            r#"{"@type": "ClaimReview", "url": "javascript:alert(1)", "claimReviewed": "x", "reviewRating": {"alternateName": "False"}}"#.into(),
            "review URL must be an http or https address",
        ),
        (
            "bad-date.json",
            r#"{"@type": "ClaimReview", "url": "https://a.example/3", "datePublished": "yesterday", "claimReviewed": "x", "reviewRating": {"alternateName": "False"}}"#.into(),
            "invalid review date 'yesterday'",
        ),
        (
            "nothing.json",
            r#"{"@context": "https://schema.org", "@type": "Organization", "name": "Desk"}"#.into(),
            "no ClaimReview in this JSON",
        ),
    ];
    for (name, body, expect) in cases {
        let path = env.path(name);
        std::fs::write(&path, body).unwrap();
        let err = env.fails(2, &["import", path.to_str().unwrap()]);
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(expect), "{name}: {err}");
    }
    let err = env.fails(2, &["import", &fixture("page-without-reviews.html")]);
    assert!(
        err.contains("JSON-LD block(s) hold no ClaimReview"),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn standard_input_and_forced_format() {
    let env = Env::new();
    let body = std::fs::read(fixture("array.json")).unwrap();
    let out = env
        .cmd()
        .args(["--json", "import", "-"])
        .write_stdin(body.clone())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum: ReviewImport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sum.reviews, 2);
    // A file whose name says JSON Lines is read as what it holds with --format claimreview.
    let odd = env.path("reviews.jsonl");
    std::fs::write(&odd, std::fs::read(fixture("single.json")).unwrap()).unwrap();
    let sum: ReviewImport =
        env.typed(&["import", odd.to_str().unwrap(), "--format", "claimreview"]);
    assert_eq!(sum.reviews, 1);
}

#[test]
fn reviews_show_in_search_and_every_export_and_round_trip() {
    let env = Env::new();
    import(&env, "single.json");
    import(&env, "google-search.json");
    let s: Search = env.typed(&["search", "bridge"]);
    assert_eq!(s.hits.len(), 1);
    assert_eq!(
        s.hits[0].reviews[0].rating.as_deref(),
        Some("Pants on Fire!")
    );
    let text = env.ok(&["search", "bridge"]);
    assert!(
        text.contains("reviewed elsewhere: Harbour Checks 'Pants on Fire!' (= false)"),
        "{text}"
    );

    let csv = env.ok(&["export", "--format", "csv"]);
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",deleted,external_reviews")
    );
    assert!(
        csv.contains(
            "Harbour Checks: Pants on Fire! (https://checkers.example/2025/bridge-budget)"
        ),
        "{csv}"
    );
    assert!(csv.contains("Factcheck Desk: False (https://fcdesk.example/kazan-schools-closed) | Проверено: Неправда (https://provereno.example/kazan-schools)"), "{csv}");
    // The desk's ClaimReview publishes its own verdicts only, never others' reviews.
    let cr = env.ok(&["export", "--format", "claimreview"]);
    assert_eq!(cr.trim(), "[]");

    // claimdb's JSON and JSON Lines carry the reviews losslessly.
    for format in ["json", "jsonl"] {
        let file = env.path(&format!("all.{format}"));
        env.ok(&["export", "--format", format, "-o", file.to_str().unwrap()]);
        let copy = Env::new();
        let sum: ImportSummary = copy.typed(&["import", file.to_str().unwrap()]);
        assert_eq!(sum.reviews, 5, "{format}");
        assert_eq!(
            copy.ok(&["export", "--format", "jsonl"]),
            env.ok(&["export", "--format", "jsonl"]),
            "{format}"
        );
        let again: ImportSummary = copy.typed(&["import", file.to_str().unwrap()]);
        assert_eq!(again.reviews, 0);
    }
    // A CSV with the column imports (the column is a summary and is ignored).
    let file = env.path("all.csv");
    std::fs::write(&file, &csv).unwrap();
    let copy = Env::new();
    copy.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(claims(&copy).len(), 4);
}

#[test]
fn the_desks_own_claimreview_export_read_back_adds_nothing() {
    let env = Env::new();
    env.ok(&[
        "claim",
        "add",
        "Трамвайная линия откроется в мае",
        "--speaker",
        "Мэр",
    ]);
    let id = env.claim_id("Трамвайная");
    env.ok(&["mark", &id, "false"]);
    let before = env.snapshot();
    for base in [None, Some("https://desk.example/checks/")] {
        let mut args = vec!["export", "--format", "claimreview"];
        if let Some(b) = base {
            args.extend(["--url-base", b]);
        }
        let path = env.path("own.json");
        std::fs::write(&path, env.ok(&args)).unwrap();
        let sum: ReviewImport = env.typed(&["import", path.to_str().unwrap()]);
        assert_eq!((sum.own_claims, sum.reviews, sum.claims), (1, 0, 0));
        assert_eq!(env.snapshot(), before);
    }
    // Elsewhere, a placeholder URL is no published address: refused, saying so.
    let path = env.path("own.json");
    std::fs::write(&path, env.ok(&["export", "--format", "claimreview"])).unwrap();
    let other = Env::new();
    let err = other.fails(2, &["import", path.to_str().unwrap()]);
    assert!(err.contains("placeholder (urn:)"), "{err}");
}

#[test]
fn an_imported_review_reaches_a_teammate_through_the_server() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    let bob = server.join("bob", "writer");
    import(&alice, "google-search.json");
    // Bob imports one of the same reviews offline: the same ids, so one review after sync.
    import(&bob, "single.json");
    import(&bob, "google-search.json");
    alice.ok(&["sync"]);
    bob.ok(&["sync"]);
    alice.ok(&["sync"]);
    for env in [&alice, &bob] {
        let c = show(env, "Казани");
        assert_eq!(c.reviews.len(), 2);
        assert_eq!(c.status, "unverified");
        assert_eq!(show(env, "Galata").reviews.len(), 1);
        assert!(env.ok(&["check"]).contains("matches the live tables"));
    }
    assert_eq!(
        alice.ok(&["export", "--format", "jsonl"]),
        bob.ok(&["export", "--format", "jsonl"]),
        "both imported the same reviews: they converge"
    );
}

#[test]
fn claimants_are_taken_as_the_reviews_name_them_even_beside_a_near_name() {
    let env = Env::new();
    env.ok(&["source", "add", "Dmitry Peskov"]);
    // A typed claim by the near spelling is refused ...
    env.fails(
        2,
        &[
            "claim",
            "add",
            "Рубль окрепнет",
            "--speaker",
            "Dmitri Peskov",
        ],
    );
    // ... but an import takes the claimant as written; `source merge` joins the two later.
    let feed = env.path("peskov.json");
    std::fs::write(
        &feed,
        r#"{"claims": [{"text": "Санкции не работают", "claimant": "Dmitri Peskov",
             "claimReview": [{"publisher": {"name": "Проверено"},
                              "url": "https://provereno.example/sanctions",
                              "textualRating": "False"}]}]}"#,
    )
    .unwrap();
    env.ok(&["import", feed.to_str().unwrap()]);
    let c = show(&env, "Санкции");
    assert_eq!(c.speaker.map(|s| s.name).as_deref(), Some("Dmitri Peskov"));
    env.ok(&["source", "merge", "Dmitry Peskov", "Dmitri Peskov"]);
    let c = show(&env, "Санкции");
    assert_eq!(c.speaker.map(|s| s.name).as_deref(), Some("Dmitry Peskov"));
}
