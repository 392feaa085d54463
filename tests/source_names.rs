//! One name per source, through the real binary on a real database: near matches are refused
//! with a suggestion on every way a source is named for creation, `--new-source` creates
//! one anyway, `source merge` joins two sources (also through a real server), and
//! `article show --text` prints the stored text.

mod common;

use common::Env;
use common::server::Server;
use serde_json::Value;

fn sources(env: &Env) -> Vec<String> {
    env.json(&["source", "list"])["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

/// A near-match refusal: exit 2, one line naming the suggestion, nothing written.
fn refused(env: &Env, args: &[&str], suggestion: &str) {
    let before = env.snapshot();
    let err = env.fails(2, args);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(&format!("did you mean '{suggestion}'")) && err.contains("--new-source"),
        "{err}"
    );
    assert_eq!(env.snapshot(), before, "{args:?} changed the database");
}

#[test]
fn every_way_of_naming_a_new_source_is_checked() {
    let env = Env::new();
    env.ok(&["source", "add", "Dmitry Peskov"]);
    env.ok(&["source", "add", "RIA Novosti", "--kind", "outlet"]);
    env.ok(&["source", "add", "Recep Tayyip Erdoğan"]);
    env.ok(&["source", "add", "Muhammad bin Salman"]);
    env.ok(&["article", "add", "https://news.example/a", "--title", "A"]);
    let claim = env.json(&[
        "claim",
        "add",
        "Рубль укрепился",
        "--speaker",
        "Dmitry Peskov",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();

    refused(&env, &["source", "add", "Dmitri Peskov"], "Dmitry Peskov");
    refused(&env, &["source", "add", "Дмитрий Песков"], "Dmitry Peskov");
    refused(
        &env,
        &["claim", "add", "x", "--speaker", "Dmitriy Peskov"],
        "Dmitry Peskov",
    );
    refused(
        &env,
        &["claim", "add", "x", "--via", "Ria Novosty"],
        "RIA Novosti",
    );
    refused(
        &env,
        &["claim", "add", "x", "--via", "РИА Новости"],
        "RIA Novosti",
    );
    refused(
        &env,
        &[
            "claim",
            "appear",
            &claim,
            "--article",
            "https://news.example/a",
            "--via",
            "Ria Novosty",
        ],
        "RIA Novosti",
    );
    refused(
        &env,
        &["claim", "edit", &claim, "--speaker", "Recep Tayyip Erdogan"],
        "Recep Tayyip Erdoğan",
    );
    refused(
        &env,
        &["claim", "add", "x", "--speaker", "Mohammed bin Salman"],
        "Muhammad bin Salman",
    );
    refused(
        &env,
        &[
            "article",
            "add",
            "https://news.example/b",
            "--outlet",
            "Ria Novosty",
        ],
        "RIA Novosti",
    );

    // With --json the suggestion is a field of the document on standard output.
    let out = env
        .cmd()
        .args(["--json", "claim", "add", "x", "--speaker", "Dmitri Peskov"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"], "near_source");
    assert_eq!(doc["name"], "Dmitri Peskov");
    assert_eq!(doc["suggestion"], "Dmitry Peskov");

    // The existing names themselves, in any case, are no near match: they are the source.
    env.ok(&[
        "claim",
        "add",
        "y",
        "--speaker",
        "DMITRY PESKOV",
        "--via",
        "ria novosti",
    ]);

    // --new-source says the user means a new one, on each command.
    env.ok(&["source", "add", "Dmitri Peskov", "--new-source"]);
    env.ok(&["claim", "add", "z", "--via", "Ria Novosty", "--new-source"]);
    env.ok(&[
        "claim",
        "edit",
        &claim,
        "--speaker",
        "Recep Tayyip Erdogan",
        "--new-source",
    ]);
    env.ok(&[
        "claim",
        "appear",
        &claim,
        "--article",
        "https://news.example/a",
        "--via",
        "РИА Новости",
        "--new-source",
    ]);
    let names = sources(&env);
    for n in [
        "Dmitri Peskov",
        "Ria Novosty",
        "Recep Tayyip Erdogan",
        "РИА Новости",
    ] {
        assert!(names.contains(&n.to_string()), "{n} in {names:?}");
    }
}

#[test]
fn clearly_different_names_raise_no_alarm() {
    let env = Env::new();
    for n in [
        "John Smith",
        "Dmitry Peskov",
        "Мария Захарова",
        "İlham Aliyev",
        "TASS",
    ] {
        env.ok(&["source", "add", n]);
    }
    for n in [
        "Jane Smith",
        "Elena Peskova",
        "Мария Петрова",
        "Ilham Mammadov",
        "Reuters",
    ] {
        env.ok(&["claim", "add", "a claim", "--speaker", n]);
    }
    assert_eq!(sources(&env).len(), 10);
}

#[test]
fn extraction_accept_checks_speakers_and_relays() {
    let env = Env::new();
    env.ok(&["source", "add", "Dmitri Peskov"]);
    let text = env.path("a.txt");
    std::fs::write(
        &text,
        "The rouble will recover by spring, Dmitry Peskov told reporters on Monday.\n",
    )
    .unwrap();
    let add = [
        "article",
        "add",
        "https://news.example/peskov",
        "--text-file",
        text.to_str().unwrap(),
        "--lang",
        "en",
    ];
    env.ok(&add);
    let cands = env.json(&["extract", "https://news.example/peskov"]);
    let speaker = cands["candidates"][0]["speaker"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(speaker, "Dmitry Peskov", "{cands}");
    refused(
        &env,
        &["extract", "https://news.example/peskov", "--accept", "all"],
        "Dmitri Peskov",
    );
    env.ok(&[
        "extract",
        "https://news.example/peskov",
        "--accept",
        "all",
        "--new-source",
    ]);
    assert!(sources(&env).contains(&"Dmitry Peskov".to_string()));
}

#[test]
fn a_merge_moves_claims_names_and_search_to_the_kept_source() {
    let env = Env::new();
    env.ok(&["source", "add", "Dmitry Peskov", "--alias", "Песков"]);
    env.ok(&[
        "source",
        "add",
        "Dmitri Peskov",
        "--new-source",
        "--alias",
        "D. Peskov",
    ]);
    env.ok(&["source", "add", "ТАСС", "--kind", "outlet"]);
    env.ok(&[
        "article",
        "add",
        "https://news.example/m",
        "--outlet",
        "Dmitri Peskov",
    ]);
    let spoken = env.json(&[
        "claim",
        "add",
        "Ставка снижена",
        "--speaker",
        "Dmitri Peskov",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.ok(&[
        "claim",
        "add",
        "Другое заявление",
        "--speaker",
        "ТАСС",
        "--via",
        "Dmitri Peskov",
    ]);

    // Refusals: itself, the same source under another name, unknown names.
    let e = env.fails(2, &["source", "merge", "Dmitry Peskov", "Песков"]);
    assert!(e.contains("one source already"), "{e}");
    let e = env.fails(3, &["source", "merge", "Dmitry Peskov", "Nobody"]);
    assert!(e.contains("no source called 'Nobody'"), "{e}");

    let merged = env.json(&["source", "merge", "Dmitry Peskov", "Dmitri Peskov"]);
    assert_eq!(merged["source"]["name"], "Dmitry Peskov");
    assert_eq!(merged["merged"]["name"], "Dmitri Peskov");
    let aliases: Vec<&str> = merged["source"]["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for a in ["Dmitri Peskov", "D. Peskov", "Песков"] {
        assert!(aliases.contains(&a), "{a} in {aliases:?}");
    }
    assert_eq!(merged["source"]["claims_spoken"], 1);
    assert_eq!(merged["source"]["claims_relayed"], 1);

    assert!(!sources(&env).contains(&"Dmitri Peskov".to_string()));
    assert_eq!(
        env.json(&["source", "show", "Dmitri Peskov"])["name"],
        "Dmitry Peskov"
    );
    let listed = env.json(&["claim", "list", "--speaker", "Dmitry Peskov"]);
    assert_eq!(listed["claims"][0]["id"], spoken.as_str());
    let via = env.json(&["claim", "list", "--via", "Dmitri Peskov"]);
    assert_eq!(via["claims"].as_array().unwrap().len(), 1);
    let shown = env.json(&["claim", "show", &spoken]);
    assert_eq!(shown["speaker"]["name"], "Dmitry Peskov");
    let article = env.json(&["article", "show", "https://news.example/m"]);
    assert_eq!(article["outlet"], "Dmitry Peskov");
    // Search finds the claims by the kept source's names and the dropped one's.
    let hits = env.json(&["search", "D. Peskov"]);
    assert_eq!(hits["hits"].as_array().unwrap().len(), 2, "{hits}");
    // A new claim naming the dropped name lands on the kept source.
    env.ok(&["claim", "add", "Третье", "--speaker", "Dmitri Peskov"]);
    assert_eq!(
        env.json(&["source", "show", "Dmitry Peskov"])["claims_spoken"],
        2
    );
    assert!(env.ok(&["check"]).contains("matches the live tables"));
    assert!(env.ok(&["log"]).contains("merge source"));
}

#[test]
fn a_merged_source_round_trips_through_export_and_import() {
    let env = Env::new();
    env.ok(&["source", "add", "Sergey Lavrov"]);
    env.ok(&["source", "add", "Сергей Лавров", "--new-source"]);
    env.ok(&["claim", "add", "Заявление", "--speaker", "Сергей Лавров"]);
    env.ok(&["source", "merge", "Sergey Lavrov", "Сергей Лавров"]);
    let file = env.path("out.json");
    env.ok(&["export", "--format", "json", "-o", file.to_str().unwrap()]);

    let other = Env::new();
    other.ok(&["import", file.to_str().unwrap()]);
    let s = other.json(&["source", "show", "Сергей Лавров"]);
    assert_eq!(s["name"], "Sergey Lavrov");
    assert_eq!(s["aliases"][0], "Сергей Лавров");
    assert_eq!(s["claims_spoken"], 1);
    assert_eq!(sources(&other), vec!["Sergey Lavrov".to_string()]);
}

#[test]
fn article_show_text_prints_the_stored_text_exactly() {
    let env = Env::new();
    let body = "Erdoğan: «İstanbul» — 🇹🇷\nвторая строка\tи табуляция\nالسطر الثالث\n";
    let f = env.path("t.txt");
    std::fs::write(&f, body).unwrap();
    env.ok(&[
        "article",
        "add",
        "https://news.example/t",
        "--text-file",
        f.to_str().unwrap(),
    ]);
    assert_eq!(
        env.ok(&["article", "show", "https://news.example/t", "--text"]),
        body
    );
    let doc = env.json(&["article", "show", "https://news.example/t", "--text"]);
    assert_eq!(doc["text"], body);
    env.ok(&[
        "article",
        "add",
        "https://news.example/none",
        "--title",
        "No text",
    ]);
    let e = env.fails(
        3,
        &["article", "show", "https://news.example/none", "--text"],
    );
    assert!(e.contains("has no stored text"), "{e}");
    let doc = env.json(&["article", "show", "https://news.example/none", "--text"]);
    assert!(doc["text"].is_null());
}

#[test]
fn opposite_merges_made_concurrently_converge_through_a_server() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    let bob = server.join("bob", "writer");
    alice.ok(&["source", "add", "Volodymyr Zelensky"]);
    alice.ok(&["source", "add", "Володимир Зеленський", "--new-source"]);
    alice.ok(&["claim", "add", "Заява", "--speaker", "Володимир Зеленський"]);
    alice.ok(&[
        "claim",
        "add",
        "Statement",
        "--speaker",
        "Volodymyr Zelensky",
    ]);
    alice.ok(&["sync"]);
    bob.ok(&["sync"]);
    // Offline, each merges in the opposite direction; Bob also adds a claim naming the one
    // he keeps, and Alice an alias to the one she drops.
    alice.ok(&[
        "source",
        "merge",
        "Volodymyr Zelensky",
        "Володимир Зеленський",
    ]);
    alice.ok(&["source", "alias", "Volodymyr Zelensky", "Zelenskyy"]);
    bob.ok(&[
        "source",
        "merge",
        "Володимир Зеленський",
        "Volodymyr Zelensky",
    ]);
    bob.ok(&[
        "claim",
        "add",
        "Друга заява",
        "--speaker",
        "Володимир Зеленський",
    ]);
    for _ in 0..2 {
        alice.ok(&["sync"]);
        bob.ok(&["sync"]);
    }
    let (a, b) = (sources(&alice), sources(&bob));
    assert_eq!(a, b);
    assert_eq!(a.len(), 1, "{a:?}");
    for env in [&alice, &bob] {
        let s = env.json(&["source", "show", "Zelenskyy"]);
        assert_eq!(s["claims_spoken"], 3);
        assert!(env.ok(&["check"]).contains("matches the live tables"));
    }
    assert_eq!(
        alice.ok(&["export", "--format", "jsonl"]),
        bob.ok(&["export", "--format", "jsonl"])
    );
}
