//! The board in a real headless Chromium, end to end: a command-line member logs a sample
//! article's claims and syncs; an editor signs in, filters to a speaker, opens a claim, sees
//! its quote highlighted in the article's text, and marks it false with a note; the member
//! syncs and has the editor's verdict; a reader sees no write controls; a claim whose text
//! holds a script tag shows it as text. Screenshots go to `target/board-*.png`.
//!
//! Skipped with one line when Chromium and its driver are not installed (see
//! tests/common/browser.rs).

mod common;

use common::browser::Browser;
use common::server::Server;

fn sign_in(b: &Browser, base: &str, token: &str) {
    b.goto(&format!("{base}/"));
    b.wait_for("#token");
    b.fill("#token", token);
    b.click("form[action='/signin'] button[type=submit]");
    b.wait_for("table");
}

#[test]
fn an_editor_checks_a_claim_in_the_browser_and_the_desk_gets_the_verdict() {
    let Some(b) = Browser::start() else { return };
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let base = server.url.clone();

    // A command-line member logs the sample article's claims and pushes them.
    let ana = server.join("ana", "writer");
    let article = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/cli/demo/sample-article.txt"
    );
    let url = "https://gazette.example/2024/05/pier";
    ana.ok(&[
        "article",
        "add",
        url,
        "--title",
        "Council votes to close the ferry pier",
        "--lang",
        "en",
        "--text-file",
        article,
    ]);
    ana.ok(&["extract", url, "--accept", "all"]);
    ana.ok(&[
        "claim",
        "add",
        "<script>alert('board')</script> said nobody",
    ]);
    ana.ok(&["sync"]);
    let claims = ana.json(&["claim", "list"]);
    let with_quote = claims["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["speaker"].is_string()
                && ana.json(&["claim", "show", c["id"].as_str().unwrap()])["appearances"][0]["anchor"]
                    .is_object()
        })
        .expect("a claim with a speaker and an anchored quote")
        .clone();
    let speaker = with_quote["speaker"].as_str().unwrap().to_string();
    let claim_id = with_quote["id"].as_str().unwrap().to_string();

    // The editor signs in and filters to the speaker with the board's own form.
    let editor = Server::member(data.path(), "desk", "Editor Ngozi", "writer");
    sign_in(&b, &base, &editor);
    b.fill("input[name=speaker]", &speaker);
    b.click("form.filters button[type=submit]");
    b.wait_for("table");
    assert!(b.url().contains("speaker="), "{}", b.url());
    let rows = b.text_of("tbody");
    assert!(rows.contains(&speaker), "{rows}");
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    b.screenshot(shots.join("board-list.png"));

    // Opens the claim: its quote is highlighted in the article's text.
    b.goto(&format!("{base}/claims/{claim_id}"));
    b.wait_for("mark.focus");
    assert!(!b.text_of("mark.focus").is_empty());
    // Marks it false with a note.
    b.block_on(async {
        b.client()
            .find(fantoccini::Locator::Css("#v-status"))
            .await
            .unwrap()
            .select_by_value("false")
            .await
            .unwrap();
    });
    b.fill(
        "#v-note",
        "The port authority's figures say otherwise — см. отчёт",
    );
    b.click("form[action$='/verdict'] button[type=submit]");
    b.wait_for(".verdicts");
    let verdicts = b.text_of(".verdicts");
    assert!(
        verdicts.contains("false") && verdicts.contains("Editor Ngozi"),
        "{verdicts}"
    );
    b.screenshot(shots.join("board-claim.png"));

    // The command-line member syncs and has the editor's verdict.
    ana.ok(&["sync"]);
    let shown = ana.json(&["claim", "show", &claim_id]);
    let last = shown["verdicts"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["status"], "false");
    assert_eq!(last["author"], "Editor Ngozi");
    assert_eq!(
        last["note"],
        "The port authority's figures say otherwise — см. отчёт"
    );

    // A reader sees everything and no write controls.
    b.click("form[action='/signout'] button[type=submit]");
    b.wait_for("#token");
    let reader = Server::member(data.path(), "desk", "Reader", "reader");
    sign_in(&b, &base, &reader);
    b.goto(&format!("{base}/claims/{claim_id}"));
    b.wait_for(".verdicts");
    assert!(!b.exists("form[action$='/verdict']"));
    assert!(!b.exists("textarea"));

    // A claim holding a script tag shows it as text, and nothing runs.
    b.goto(&format!("{base}/board?q=nobody"));
    b.wait_for("ol.hits");
    assert!(
        b.text_of("ol.hits")
            .contains("<script>alert('board')</script> said nobody")
    );
    assert_eq!(b.alert(), None);
}
