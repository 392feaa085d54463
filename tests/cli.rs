//! The command line as a user meets it: init, the claim lifecycle, disputes, filters, log,
//! export formats, check, completions and the demo.

mod common;

use common::Env;
use common::contract::*;

#[test]
fn init_reports_path_replica_and_user() {
    let env = Env::new();
    let first: Init = env.typed(&["init"]);
    assert!(first.created);
    assert_eq!(first.user.as_deref(), Some("tester"));
    assert_eq!(std::path::Path::new(&first.path), env.db);
    assert_eq!(
        first.schema_version as usize,
        claimdb::store::SCHEMA_VERSION
    );
    let again: Init = env.typed(&["init", "--user", "Ана"]);
    assert!(!again.created);
    assert_eq!(
        again.replica_id, first.replica_id,
        "the replica id is created once"
    );
    assert_eq!(again.user.as_deref(), Some("Ана"));
    // Without --db the database lives under the XDG data directory.
    let mut cmd = assert_cmd::Command::cargo_bin("claimdb").unwrap();
    let out = cmd
        .env_remove("CLAIMDB_DB")
        .env_remove("CLAIMDB_CONFIG")
        .env("XDG_CONFIG_HOME", env.path("xdg-config"))
        .env("XDG_DATA_HOME", env.path("data"))
        .args(["--json", "init"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Init = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        std::path::Path::new(&v.path),
        env.path("data/claimdb/claims.db")
    );
}

#[test]
fn user_comes_from_env_then_config() {
    let env = Env::new();
    let config = env.path("config.toml");
    std::fs::write(&config, "user = \"Zeynep\"\npublisher = \"Desk\"\n").unwrap();
    let by_config: Claim = serde_json::from_slice(
        &env.cmd()
            .env("CLAIMDB_CONFIG", &config)
            .env_remove("CLAIMDB_USER")
            .args(["--json", "claim", "add", "One"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(by_config.created_by, "Zeynep");
    let by_env: Claim = serde_json::from_slice(
        &env.cmd()
            .env("CLAIMDB_CONFIG", &config)
            .env("CLAIMDB_USER", "Олег")
            .args(["--json", "claim", "add", "Two"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(by_env.created_by, "Олег");
    let log: Log = env.typed(&["log"]);
    assert_eq!(log.operations[0].author, "Олег");
    std::fs::write(&config, "usr = \"typo\"\n").unwrap();
    let out = env
        .cmd()
        .env("CLAIMDB_CONFIG", &config)
        .args(["claim", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field `usr`"));
}

#[test]
fn claim_lifecycle_edit_history_delete_and_restore() {
    let env = Env::new();
    let c: Claim = env.typed(&[
        "claim",
        "add",
        "Turnout was 70 percent",
        "--speaker",
        "Election board",
        "--said-on",
        "2024-06-02",
        "--tag",
        "Elections",
    ]);
    assert_eq!(c.status, "unverified");
    assert_eq!(c.tags, ["elections"]);
    let e: Claim = env.typed(&[
        "claim",
        "edit",
        &c.short_id,
        "--text",
        "Turnout was 71 percent",
        "--speaker",
        "Chair of the board",
        "--remove-tag",
        "elections",
        "--add-tag",
        "turnout",
    ]);
    assert_eq!(e.text, "Turnout was 71 percent");
    assert_eq!(e.speaker.as_ref().unwrap().name, "Chair of the board");
    assert_eq!(e.tags, ["turnout"]);
    let text_edit = e
        .edits
        .iter()
        .find(|x| x.field == "text")
        .expect("text edit recorded");
    assert_eq!(text_edit.prev, "Turnout was 70 percent");
    assert_eq!(text_edit.value, "Turnout was 71 percent");
    let speaker_edit = e.edits.iter().find(|x| x.field == "speaker").unwrap();
    assert_eq!(speaker_edit.prev, "Election board");

    env.ok(&["claim", "rm", &c.id[..6]]);
    let live: Claims = env.typed(&["claim", "list"]);
    assert!(live.claims.is_empty(), "deleted claims are hidden");
    let all: Claims = env.typed(&["claim", "list", "--deleted"]);
    assert_eq!(all.claims.len(), 1);
    assert!(all.claims[0].deleted);
    let s: Search = env.typed(&["search", "turnout"]);
    assert!(s.hits.is_empty(), "deleted claims are not found");
    env.ok(&["claim", "restore", &c.id]);
    let s: Search = env.typed(&["search", "turnout"]);
    assert_eq!(s.hits.len(), 1);
}

#[test]
fn verdict_history_and_a_dispute_from_concurrent_verdicts() {
    let env = Env::new();
    let c: Claim = env.typed(&[
        "claim",
        "add",
        "The dam holds 2 billion cubic metres",
        "--status",
        "in-progress",
    ]);
    let m: Claim = env.typed(&[
        "mark",
        &c.id,
        "false",
        "--note",
        "Operator says 1.2 billion",
        "--evidence",
        "https://operator.example/dam",
    ]);
    assert_eq!(m.status, "false");
    assert_eq!(m.verdicts.len(), 2);
    assert_eq!(m.evidence[0].stance, "refutes");
    // Two verdicts recorded concurrently elsewhere (neither supersedes the other) arrive
    // through an import: the claim is disputed and both are shown.
    let file = env.path("concurrent.jsonl");
    let current = &m.verdicts[1].id;
    let lines = [
        format!(
            r#"{{"type":"verdict","id":"aaaaaaaa-0000-4000-8000-000000000001","claim":"{}","status":"mostly-true","note":"Satellite data","author":"Alice","supersedes":["{current}"],"created_at":"2030-01-01T00:00:00Z"}}"#,
            c.id
        ),
        format!(
            r#"{{"type":"verdict","id":"bbbbbbbb-0000-4000-8000-000000000002","claim":"{}","status":"false","note":"Registry data","author":"Bob","supersedes":["{current}"],"created_at":"2030-01-01T00:00:01Z"}}"#,
            c.id
        ),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    env.ok(&["import", file.to_str().unwrap()]);
    let shown: Claim = env.typed(&["claim", "show", &c.id]);
    assert_eq!(shown.status, "disputed");
    assert_eq!(shown.verdicts.iter().filter(|v| v.current).count(), 2);
    let list: Claims = env.typed(&["claim", "list", "--status", "disputed"]);
    assert_eq!(list.claims.len(), 1);
    let mut who: Vec<(&str, &str)> = list.claims[0]
        .disputed
        .iter()
        .map(|v| (v.author.as_str(), v.status.as_str()))
        .collect();
    who.sort();
    assert_eq!(who, [("Alice", "mostly-true"), ("Bob", "false")]);
    let human = env.ok(&["claim", "list"]);
    assert!(
        human.contains("disputed") && human.contains("mostly-true by Alice: Satellite data"),
        "{human}"
    );
    // A spreadsheet of a disputed claim can be read back.
    let sheet = env.path("disputed.csv");
    std::fs::write(&sheet, env.ok(&["export", "--format", "csv"])).unwrap();
    let fresh = Env::new();
    fresh.ok(&["import", sheet.to_str().unwrap()]);
    assert_eq!(
        fresh.typed::<Claims>(&["claim", "list"]).claims[0].status,
        "unverified"
    );
    // A new verdict settles it.
    let settled: Claim = env.typed(&[
        "mark",
        &c.id,
        "mixed",
        "--note",
        "Both figures have a basis",
    ]);
    assert_eq!(settled.status, "mixed");
    let last = settled.verdicts.iter().find(|v| v.current).unwrap();
    assert_eq!(last.supersedes.len(), 2);
    // Disputed claims are not published as ClaimReview; settled ones are.
    let reviews: serde_json::Value = serde_json::from_str(&env.ok(&[
        "export",
        "--format",
        "claimreview",
        "--url-base",
        "https://desk.example/c/",
    ]))
    .unwrap();
    assert_eq!(reviews[0]["reviewRating"]["ratingValue"], 3);
    assert_eq!(reviews[0]["reviewRating"]["alternateName"], "Mixed");
    assert_eq!(
        reviews[0]["url"],
        format!("https://desk.example/c/{}", c.id)
    );
    assert_eq!(
        reviews[0]["claimReviewed"],
        "The dam holds 2 billion cubic metres"
    );
}

#[test]
fn filters_appearances_and_articles() {
    let env = Env::new();
    env.ok(&[
        "article",
        "add",
        "https://a.example/1",
        "--title",
        "First report",
        "--outlet",
        "Daily Example",
        "--published",
        "2024-01-02",
    ]);
    env.ok(&[
        "article",
        "add",
        "https://a.example/2",
        "--title",
        "Second report",
    ]);
    env.ok(&[
        "claim",
        "add",
        "Prices rose 5%",
        "--speaker",
        "Minister",
        "--via",
        "Wire Agency",
        "--article",
        "https://a.example/1",
        "--tag",
        "economy",
    ]);
    env.ok(&[
        "claim",
        "add",
        "Exports fell",
        "--speaker",
        "Minister",
        "--tag",
        "economy",
        "--status",
        "verified",
    ]);
    env.ok(&[
        "claim",
        "add",
        "The port reopened",
        "--speaker",
        "Harbour master",
    ]);
    let prices = env.claim_id("Prices");
    env.ok(&[
        "claim",
        "appear",
        &prices,
        "--article",
        "https://a.example/2",
        "--via",
        "Other Agency",
        "--quote",
        "prices up five percent",
    ]);
    let count = |args: &[&str]| -> usize {
        let mut a = vec!["claim", "list"];
        a.extend_from_slice(args);
        env.typed::<Claims>(&a).claims.len()
    };
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--speaker", "minister"]), 2);
    assert_eq!(count(&["--via", "wire agency"]), 1);
    assert_eq!(count(&["--via", "Other Agency"]), 1);
    assert_eq!(count(&["--article", "https://a.example/2"]), 1);
    assert_eq!(count(&["--tag", "ECONOMY"]), 2);
    assert_eq!(count(&["--status", "verified"]), 1);
    assert_eq!(
        count(&["--status", "verified", "--status", "unverified"]),
        3
    );
    assert_eq!(count(&["--limit", "1"]), 1);
    let show: Claim = env.typed(&["claim", "show", &prices]);
    assert_eq!(show.appearances.len(), 2);
    assert!(
        show.appearances[1].anchor.is_none(),
        "no stored text, no anchor"
    );
    let article: Article = env.typed(&["article", "show", "https://a.example/1"]);
    assert_eq!(article.outlet.as_deref(), Some("Daily Example"));
    assert_eq!(article.claims, 1);
    let by_id: Article = env.typed(&["article", "show", &article.short_id]);
    assert_eq!(by_id.id, article.id);
    let log: Log = env.typed(&["log", &prices]);
    assert!(
        log.operations
            .iter()
            .all(|o| o.change.to_string().contains(&prices))
    );
    assert!(
        log.operations
            .iter()
            .any(|o| o.summary.starts_with("appearance of claim"))
    );
    assert!(
        log.operations.windows(2).all(|w| w[0].hlc > w[1].hlc),
        "newest first"
    );
}

#[test]
fn csv_export_and_import() {
    let env = Env::new();
    env.ok(&[
        "claim",
        "add",
        "Quote with \"marks\", commas\nand a newline",
        "--speaker",
        "Ж. Иванова",
        "--tag",
        "a",
        "--tag",
        "b",
        "--status",
        "false",
        "--note",
        "Wrong",
    ]);
    let csv = env.ok(&["export", "--format", "csv"]);
    assert!(csv.starts_with(
        "id,text,speaker,said_on,status,note,tags,via,article,quote,created_at,created_by,deleted"
    ));
    let file = env.path("claims.csv");
    std::fs::write(&file, &csv).unwrap();
    let fresh = Env::new();
    let sum: ImportSummary = fresh.typed(&["import", file.to_str().unwrap()]);
    assert_eq!(sum.claims, 1);
    let c: Claims = fresh.typed(&["claim", "list"]);
    assert_eq!(
        c.claims[0].text,
        "Quote with \"marks\", commas\nand a newline"
    );
    assert_eq!(c.claims[0].status, "false");
    assert_eq!(c.claims[0].tags, ["a", "b"]);
    assert_eq!(c.claims[0].speaker.as_deref(), Some("Ж. Иванова"));
    let again: ImportSummary = fresh.typed(&["import", file.to_str().unwrap()]);
    assert_eq!((again.claims, again.skipped), (0, 1));
    // A hand-made sheet with only some columns.
    let sheet = env.path("sheet.csv");
    std::fs::write(
        &sheet,
        "text,speaker,article,quote\nBudget doubled,Mayor,https://city.example/budget,doubled\n",
    )
    .unwrap();
    fresh.ok(&["import", sheet.to_str().unwrap()]);
    let a: Article = fresh.typed(&["article", "show", "https://city.example/budget"]);
    assert_eq!(a.claims, 1);
}

#[test]
fn check_passes_on_a_sound_database_and_export_to_file() {
    let env = Env::new();
    env.ok(&[
        "claim",
        "add",
        "Something checkable",
        "--status",
        "verified",
    ]);
    let check: Check = env.typed(&["check"]);
    assert!(check.ok);
    assert_eq!(check.integrity, "ok");
    assert!(check.operations >= 2);
    let out = env.path("out.json");
    let e: Export = env.typed(&["export", "-o", out.to_str().unwrap()]);
    assert_eq!(e.format, "json");
    assert!(e.records >= 1);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["format"], "claimdb");
    assert!(!env.path("out.claimdb-partial").exists());
}

#[test]
fn completions_and_demo_run() {
    let env = Env::new();
    let bash = env.ok(&["completions", "bash"]);
    assert!(bash.contains("claimdb") && bash.contains("search"));
    let demo = env.ok(&["demo"]);
    assert!(demo.contains("$ claimdb claim add"));
    assert!(demo.contains("\"@type\": \"ClaimReview\""));
    assert!(demo.contains("mostly-true"));
    assert!(!demo.contains('\x1b'), "no colour when not a terminal");
    assert!(
        !env.db.exists(),
        "the demo does not touch the user's database"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let env = Env::new();
    env.fails(2, &["claim", "frobnicate"]);
    env.fails(2, &["mark"]);
    env.ok(&["--help"]);
    env.ok(&["claim", "add", "--help"]);
}

/// A claim record for a JSON Lines import.
fn claim_line(text: &str) -> String {
    serde_json::json!({
        "type": "claim", "id": uuid::Uuid::new_v4(), "text": text,
        "speaker": null, "said_on": null, "tags": [], "deleted": false,
        "created_at": "2024-05-01T00:00:00Z", "created_by": "tester",
    })
    .to_string()
        + "\n"
}

#[test]
fn search_ranks_the_newest_thousand_matches_of_a_common_word() {
    let env = Env::new();
    let first = env.path("first.jsonl");
    std::fs::write(
        &first,
        claim_line("heron heron heron heron, the heron count doubled")
            + &claim_line("Herons of the marsh are back"),
    )
    .unwrap();
    env.ok(&["import", first.to_str().unwrap()]);
    let s: Search = env.typed(&["search", "heron"]);
    assert_eq!(
        s.hits.len(),
        2,
        "a word also matches words that start with it"
    );
    assert!(
        s.hits[0].text.starts_with("heron heron"),
        "best match first"
    );

    // A thousand newer claims with the whole word.
    let newer = env.path("newer.jsonl");
    let body: String = (0..1000)
        .map(|i| claim_line(&format!("a heron was counted at site {i}")))
        .collect();
    std::fs::write(&newer, body).unwrap();
    env.ok(&["import", newer.to_str().unwrap()]);
    let s: Search = env.typed(&["search", "heron", "--limit", "2000"]);
    assert_eq!(
        s.hits.len(),
        1000,
        "only the newest thousand matches are ranked"
    );
    assert!(
        s.hits
            .iter()
            .all(|h| h.text.starts_with("a heron was counted")),
        "older claims and prefix-only matches are left out"
    );
    // A narrower query reaches the older claims again, prefixes included.
    let s: Search = env.typed(&["search", "heron", "marsh"]);
    assert_eq!(s.hits.len(), 1);
    assert!(s.hits[0].text.starts_with("Herons of the marsh"));
    let s: Search = env.typed(&["search", "heron", "doubled"]);
    assert_eq!(s.hits.len(), 1);
}

/// What was given must be used or refused: a missing `CLAIMDB_CONFIG` file, an empty option
/// value, an empty user name are errors, and change nothing.
#[test]
fn given_but_empty_or_missing_is_refused() {
    let env = Env::new();
    let id = common::seed_bridge(&env, &["мост"]);
    let before = env.snapshot();
    let out = env
        .cmd()
        .env("CLAIMDB_CONFIG", env.path("нет-такого.toml"))
        .args(["claim", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("CLAIMDB_CONFIG") && err.contains("does not exist"),
        "{err}"
    );
    for args in [
        &["claim", "add", "Ціни зросли", "--quote", ""][..],
        &[
            "claim",
            "add",
            "Ціни зросли",
            "--article",
            "https://news.example/bridge",
            "--quote",
            " ",
        ],
        &["claim", "add", "Ціни зросли", "--speaker", ""],
        &[
            "claim",
            "add",
            "Ціни зросли",
            "--status",
            "false",
            "--note",
            "",
        ],
        &[
            "claim",
            "appear",
            &id,
            "--article",
            "https://news.example/bridge",
            "--quote",
            "",
        ],
        &["mark", &id, "false", "--note", ""],
        &[
            "evidence",
            "add",
            &id,
            "https://factcheck.example/1",
            "--note",
            "",
        ],
        &["article", "add", "https://news.example/2", "--title", ""],
        &["source", "add", "Zeynep Işık", "--alias", ""],
        &["--user", "", "claim", "add", "Ціни зросли"],
    ] {
        let err = env.fails(2, args);
        assert!(err.contains("empty"), "{args:?}: {err}");
    }
    let out = env
        .cmd()
        .env("CLAIMDB_USER", "")
        .args(["claim", "add", "Ціни зросли"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(env.snapshot(), before);
}

/// `log PREFIX` that names both a claim and a source is refused, listing both.
#[test]
fn log_of_a_prefix_naming_two_things_is_ambiguous() {
    let env = Env::new();
    let id = common::seed_bridge(&env, &[]);
    let prefix = &id[..8];
    env.ok(&["source", "add", prefix, "--kind", "document"]);
    let err = env.fails(3, &["log", prefix]);
    assert!(
        err.contains(&format!("claim {prefix}")) && err.contains("source "),
        "{err}"
    );
    // Each alone is still found.
    let log = env.json(&["log", &id]);
    assert!(!log["operations"].as_array().unwrap().is_empty());
    let log = env.json(&["log", "Ayşe Öztürk"]);
    assert_eq!(log["operations"].as_array().unwrap().len(), 1);
}

/// A reader that goes away (`| head -1`) ends the output quietly: no panic, no error.
#[test]
fn a_closed_pipe_ends_output_quietly() {
    let env = Env::new();
    common::seed_bridge(&env, &["мост"]);
    for args in [
        &["completions", "bash"][..],
        &["completions", "zsh"],
        &["export", "--format", "jsonl"],
        &["export", "--format", "csv"],
        &["claim", "list"],
        &["log"],
        &["demo"],
    ] {
        let mut child = env
            .std_cmd()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the command writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// Run `claimdb ARGS` on a terminal `cols` columns wide (through `script`); its screen.
fn on_terminal(env: &Env, cols: u32, args: &str) -> String {
    let cmd = format!(
        "stty cols {cols} rows 50; {} --db '{}' {args}",
        env!("CARGO_BIN_EXE_claimdb"),
        env.db.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("CLAIMDB_USER", "tester")
        .env("CLAIMDB_CONFIG", env.path("config.toml"))
        .env("NO_COLOR", "1")
        .output()
        .expect("script(1) runs a command on a terminal");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().replace('\r', "")
}

/// Tables fit the terminal with NO_COLOR too, and a terminal that reports 0 columns does not
/// wrap every column to one character.
#[test]
fn tables_fit_the_terminal_without_colour_and_survive_zero_columns() {
    let env = Env::new();
    let long = "Министр заявил, что новый мост через реку откроется в июне следующего года, \
                а critics say 2027 🌉";
    env.ok(&[
        "claim",
        "add",
        long,
        "--speaker",
        "Ayşe Öztürk",
        "--tag",
        "ulaşım",
    ]);
    let narrow = on_terminal(&env, 60, "claim list");
    for line in narrow.lines() {
        assert!(
            line.chars().count() <= 60,
            "wider than 60 columns: {line:?}\n{narrow}"
        );
    }
    assert!(narrow.contains("Министр"), "{narrow}");
    let zero = on_terminal(&env, 0, "claim list");
    assert!(
        zero.lines().count() <= 3,
        "wrapped on a 0-column terminal:\n{zero}"
    );
    assert!(zero.contains("Министр заявил"), "{zero}");
}
