//! Every kind of bad input gets a one-line error that says what to do, a documented non-zero
//! exit code, and leaves the database exactly as it was.

mod common;

use common::Env;

const USAGE: i32 = 2;
const NOT_FOUND: i32 = 3;
const INCOMPATIBLE: i32 = 4;

/// A database with an article (with text), a source and a claim with a verdict.
fn seeded() -> (Env, String) {
    let env = Env::new();
    let id = common::seed_bridge(&env, &[]);
    env.ok(&["mark", &id, "in-progress"]);
    (env, id)
}

/// Run a failing command and check the error contract: exit code, one line, mentions
/// `expect`, nothing changed.
fn rejects(env: &Env, code: i32, args: &[&str], expect: &str) {
    let before = env.snapshot();
    let err = env.fails(code, args);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "error for {args:?} is not one line: {err}");
    assert!(lines[0].starts_with("claimdb: error: "), "{err}");
    assert!(
        err.to_lowercase().contains(&expect.to_lowercase()),
        "error for {args:?} should mention {expect:?}: {err}"
    );
    assert_eq!(env.snapshot(), before, "{args:?} changed the database");
}

#[test]
fn empty_and_oversized_claim_text() {
    let (env, _) = seeded();
    rejects(&env, USAGE, &["claim", "add", ""], "claim text is empty");
    rejects(
        &env,
        USAGE,
        &["claim", "add", "  \t "],
        "claim text is empty",
    );
    let long = "ж".repeat(claimdb::text::MAX_CLAIM_CHARS + 1);
    rejects(&env, USAGE, &["claim", "add", &long], "the limit is 2000");
    let (env2, id) = seeded();
    rejects(
        &env2,
        USAGE,
        &["claim", "edit", &id, "--text", " "],
        "claim text is empty",
    );
}

#[test]
fn unknown_status_lists_the_valid_ones() {
    let (env, id) = seeded();
    rejects(
        &env,
        USAGE,
        &["mark", &id, "probably"],
        "valid statuses: unverified, in-progress, verified",
    );
    rejects(&env, USAGE, &["mark", &id, "disputed"], "record a verdict");
    rejects(
        &env,
        USAGE,
        &["claim", "add", "New claim", "--status", "sorta"],
        "unknown status",
    );
    rejects(
        &env,
        USAGE,
        &["claim", "list", "--status", "nope"],
        "valid statuses",
    );
}

#[test]
fn unknown_short_and_ambiguous_id_prefixes() {
    let (env, _) = seeded();
    rejects(
        &env,
        NOT_FOUND,
        &["claim", "show", "ffffffff"],
        "no claim has an id starting with",
    );
    rejects(
        &env,
        USAGE,
        &["claim", "show", "abc"],
        "at least 4 hex digits",
    );
    rejects(
        &env,
        USAGE,
        &["mark", "not-hex!", "false"],
        "not a claim id",
    );
    // Two claims whose ids share the prefix abcd.
    let file = env.path("two.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"type":"claim","id":"abcd0000-0000-4000-8000-000000000001","text":"First","speaker":null,"said_on":null,"tags":[],"deleted":false,"created_at":"2024-01-01T00:00:00Z","created_by":"x"}"#,
            "\n",
            r#"{"type":"claim","id":"abcd1111-0000-4000-8000-000000000002","text":"Second","speaker":null,"said_on":null,"tags":[],"deleted":false,"created_at":"2024-01-01T00:00:00Z","created_by":"x"}"#,
            "\n"
        ),
    )
    .unwrap();
    env.ok(&["import", file.to_str().unwrap()]);
    let err = env.fails(NOT_FOUND, &["claim", "show", "ABCD"]);
    assert!(err.contains("ambiguous"), "{err}");
    assert!(
        err.contains("abcd0000") && err.contains("abcd1111"),
        "candidates listed: {err}"
    );
    rejects(&env, NOT_FOUND, &["mark", "abcd", "false"], "ambiguous");
    rejects(&env, NOT_FOUND, &["log", "abcd"], "ambiguous");
    // A longer prefix, with or without hyphens, picks one.
    env.ok(&["claim", "show", "abcd1"]);
    env.ok(&["claim", "show", "ABCD0000-0000"]);
    env.ok(&["claim", "show", "abcd00000000"]);
}

#[test]
fn quote_absent_from_the_article_names_the_closest_passage() {
    let (env, id) = seeded();
    let err = env.fails(
        USAGE,
        &[
            "claim",
            "add",
            "Bridge opening",
            "--article",
            "https://news.example/bridge",
            "--quote",
            "the bridge will open in July",
        ],
    );
    assert!(err.contains("does not occur"), "{err}");
    assert!(
        err.contains("closest passage is \"the bridge would open in June\""),
        "{err}"
    );
    rejects(
        &env,
        USAGE,
        &[
            "claim",
            "appear",
            &id,
            "--article",
            "https://news.example/bridge",
            "--quote",
            "nothing like this",
        ],
        "does not occur",
    );
    // The claim of the failed add was not created either.
    let list: common::contract::Claims = env.typed(&["claim", "list"]);
    assert_eq!(list.claims.len(), 1);
}

#[test]
fn bad_dates() {
    let (env, id) = seeded();
    rejects(
        &env,
        USAGE,
        &["claim", "add", "Dated", "--said-on", "21/03/2021"],
        "use YYYY-MM-DD",
    );
    rejects(
        &env,
        USAGE,
        &["claim", "add", "Dated", "--said-on", "2021-02-30"],
        "use YYYY-MM-DD",
    );
    rejects(
        &env,
        USAGE,
        &["claim", "edit", &id, "--said-on", "tomorrow"],
        "use YYYY-MM-DD",
    );
    rejects(
        &env,
        USAGE,
        &[
            "article",
            "add",
            "https://x.example/a",
            "--published",
            "March 2021",
        ],
        "use YYYY-MM-DD",
    );
}

#[test]
fn unreadable_and_non_utf8_text_files() {
    let (env, _) = seeded();
    let missing = env.path("missing.txt");
    rejects(
        &env,
        USAGE,
        &[
            "article",
            "add",
            "https://x.example/b",
            "--text-file",
            missing.to_str().unwrap(),
        ],
        "cannot read",
    );
    let latin1 = env.path("latin1.txt");
    std::fs::write(&latin1, b"Erdo\xf0an said \xabyes\xbb").unwrap();
    rejects(
        &env,
        USAGE,
        &[
            "article",
            "add",
            "https://x.example/c",
            "--text-file",
            latin1.to_str().unwrap(),
        ],
        "not UTF-8",
    );
    let empty = env.path("empty.txt");
    std::fs::write(&empty, "  \n").unwrap();
    rejects(
        &env,
        USAGE,
        &[
            "article",
            "add",
            "https://x.example/d",
            "--text-file",
            empty.to_str().unwrap(),
        ],
        "empty",
    );
}

#[test]
fn other_bad_values() {
    let (env, id) = seeded();
    rejects(
        &env,
        USAGE,
        &["source", "add", "TASS", "--kind", "robot"],
        "valid values: person, outlet",
    );
    rejects(
        &env,
        USAGE,
        &["source", "add", "THE MINISTER"],
        "already exists",
    );
    rejects(
        &env,
        USAGE,
        &[
            "evidence",
            "add",
            &id,
            "https://e.example",
            "--stance",
            "maybe",
        ],
        "supports, refutes, context",
    );
    rejects(
        &env,
        USAGE,
        &["article", "add", "https://news.example/bridge"],
        "already exists",
    );
    rejects(&env, USAGE, &["claim", "edit", &id], "nothing to change");
    rejects(
        &env,
        NOT_FOUND,
        &["claim", "list", "--speaker", "Nobody Known"],
        "no source called",
    );
    rejects(
        &env,
        NOT_FOUND,
        &["claim", "add", "X", "--article", "https://nowhere.example/"],
        "no article has the URL",
    );
    rejects(&env, USAGE, &["search", "!!!", "…"], "no words");
    rejects(
        &env,
        USAGE,
        &["claim", "add", "Bell \u{7} text"],
        "control characters",
    );
    env.ok(&["claim", "rm", &id]);
    rejects(&env, USAGE, &["claim", "rm", &id], "already deleted");
}

#[test]
fn malformed_import_files_import_nothing_and_name_the_line() {
    let (env, _) = seeded();
    let good = r#"{"type":"source","id":"11111111-0000-4000-8000-000000000001","name":"Good Source","kind":"outlet","url":null,"aliases":[],"created_at":"2024-01-01T00:00:00Z"}"#;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "bad-json.jsonl",
            format!("{good}\n{{\"type\":\"claim\",\n"),
            "line 2",
        ),
        (
            "wrong-type.jsonl",
            format!("{good}\n\n{{\"type\":\"planet\",\"id\":\"x\"}}\n"),
            "line 3",
        ),
        (
            "empty-text.jsonl",
            format!(
                "{good}\n{}\n",
                r#"{"type":"claim","id":"22222222-0000-4000-8000-000000000002","text":"  ","speaker":null,"said_on":null,"tags":[],"deleted":false,"created_at":"2024-01-01T00:00:00Z","created_by":"x"}"#
            ),
            "line 2",
        ),
        (
            "dangling.jsonl",
            format!(
                "{good}\n{}\n",
                r#"{"type":"verdict","id":"33333333-0000-4000-8000-000000000003","claim":"44444444-0000-4000-8000-000000000004","status":"false","note":null,"author":"x","supersedes":[],"created_at":"2024-01-01T00:00:00Z"}"#
            ),
            "neither in the file nor in the database",
        ),
        (
            "bad-status.jsonl",
            format!(
                "{good}\n{}\n",
                r#"{"type":"verdict","id":"33333333-0000-4000-8000-000000000003","claim":"44444444-0000-4000-8000-000000000004","status":"meh","note":null,"author":"x","supersedes":[],"created_at":"2024-01-01T00:00:00Z"}"#
            ),
            "line 2",
        ),
        (
            "truncated.json",
            "{\"format\":\"claimdb\",\"version\":1,\"records\":[".into(),
            "line 1",
        ),
        (
            "other.json",
            "{\"format\":\"something\",\"version\":1,\"records\":[]}".into(),
            "not a claimdb export",
        ),
        (
            "bad-column.csv",
            "text,colour\nA claim,red\n".into(),
            "unknown column 'colour'",
        ),
        (
            "bad-row.csv",
            "text,said_on\nA claim,2021-01-01\nAnother,someday\n".into(),
            "line 3",
        ),
        (
            "ragged.csv",
            "text,speaker\nA claim,Someone\nToo,many,fields\n".into(),
            "line 3",
        ),
    ];
    for (name, body, expect) in cases {
        let path = env.path(name);
        std::fs::write(&path, body).unwrap();
        rejects(&env, USAGE, &["import", path.to_str().unwrap()], expect);
    }
    let bin = env.path("binary.jsonl");
    std::fs::write(&bin, b"{\"type\":\"source\"}\n\xff\xfe\n").unwrap();
    rejects(
        &env,
        USAGE,
        &["import", bin.to_str().unwrap()],
        "line 2: not valid UTF-8",
    );
    let noext = env.path("data.txt");
    std::fs::write(&noext, good).unwrap();
    rejects(
        &env,
        USAGE,
        &["import", noext.to_str().unwrap()],
        "--format",
    );
}

#[test]
fn files_that_are_not_claimdb_databases() {
    let env = Env::new();
    std::fs::write(&env.db, "just some notes\n").unwrap();
    let err = env.fails(INCOMPATIBLE, &["claim", "list"]);
    assert!(err.contains("not a claimdb database"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&env.db).unwrap(),
        "just some notes\n"
    );

    let other = Env::new();
    {
        let c = rusqlite::Connection::open(&other.db).unwrap();
        c.execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');")
            .unwrap();
    }
    let err = other.fails(INCOMPATIBLE, &["init"]);
    assert!(err.contains("not a claimdb database"), "{err}");
    let c = rusqlite::Connection::open(&other.db).unwrap();
    let tables: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1, "the foreign database was modified");
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(
        mode, "delete",
        "the foreign database's journal mode was changed"
    );

    let (newer, _) = seeded();
    let before = newer.snapshot();
    {
        let c = rusqlite::Connection::open(&newer.db).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = newer.fails(INCOMPATIBLE, &["claim", "list"]);
    assert!(
        err.contains("newer than this claimdb") && err.contains("upgrade claimdb"),
        "{err}"
    );
    {
        let c = rusqlite::Connection::open(&newer.db).unwrap();
        c.pragma_update(None, "user_version", claimdb::store::SCHEMA_VERSION as i64)
            .unwrap();
    }
    assert_eq!(newer.snapshot(), before);
}
