//! `import` is a write path like the commands: the same uniqueness rules, the same anchor
//! checks, no verdict cycles, strict CSV values, bounded reading. A refused import changes
//! nothing.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use claimdb::model::{SourceKind, Status};
use claimdb::ops::OpKind;
use claimdb::store::Store;
use common::Env;
use serde_json::{Value, json};
use uuid::Uuid;

const USAGE: i32 = 2;
const T: &str = "2024-05-01T00:00:00Z";

fn uid(n: u32) -> String {
    format!("{n:08x}-0000-4000-8000-00000000000{}", n % 10)
}

fn source(id: u32, name: &str, aliases: &[&str]) -> Value {
    json!({"type": "source", "id": uid(id), "name": name, "kind": "person", "url": null,
           "aliases": aliases, "created_at": T})
}

fn article(id: u32, url: Option<&str>, text: Option<&str>) -> Value {
    json!({"type": "article", "id": uid(id), "url": url, "title": "Заголовок", "outlet": null,
           "published": null, "lang": null, "text": text, "text_sha256": null, "created_at": T})
}

fn claim(id: u32, text: &str) -> Value {
    json!({"type": "claim", "id": uid(id), "text": text, "speaker": null, "said_on": null,
           "tags": [], "deleted": false, "created_at": T, "created_by": "Ayşe"})
}

fn appearance(id: u32, claim: u32, article: &str, quote: &str, anchor: Option<Value>) -> Value {
    json!({"type": "appearance", "id": uid(id), "claim": uid(claim), "article": article,
           "via": null, "quote": quote, "anchor": anchor, "created_at": T})
}

fn verdict(id: u32, claim: u32, status: &str, supersedes: &[u32]) -> Value {
    let sup: Vec<String> = supersedes.iter().map(|s| uid(*s)).collect();
    json!({"type": "verdict", "id": uid(id), "claim": uid(claim), "status": status,
           "note": "Проверено 🔎", "author": "Ayşe", "supersedes": sup, "created_at": T})
}

fn jsonl(env: &Env, name: &str, records: &[Value]) -> PathBuf {
    let path = env.path(name);
    let body: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&path, body).unwrap();
    path
}

/// The import of `file` fails with exit 2 and one line mentioning every `expect`, and the
/// database is exactly as it was.
fn refused(env: &Env, file: &std::path::Path, expect: &[&str]) -> String {
    refused_args(env, &["import", file.to_str().unwrap()], expect)
}

fn refused_args(env: &Env, args: &[&str], expect: &[&str]) -> String {
    let before = env.snapshot();
    let err = env.fails(USAGE, args);
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("claimdb: error: "), "{err}");
    for e in expect {
        assert!(err.contains(e), "error should mention {e:?}: {err}");
    }
    assert_eq!(
        env.snapshot(),
        before,
        "a refused import changed the database"
    );
    err
}

fn seeded() -> Env {
    let env = Env::new();
    common::seed_bridge(&env, &["мост"]);
    env
}

#[test]
fn import_refuses_a_source_name_or_alias_another_source_has() {
    let env = seeded();
    // The seed has "Ayşe Öztürk", also called "The minister".
    let f = jsonl(&env, "upper.jsonl", &[source(1, "AYŞE ÖZTÜRK", &[])]);
    refused(&env, &f, &["line 1", "AYŞE ÖZTÜRK", "already"]);
    let f = jsonl(
        &env,
        "alias.jsonl",
        &[
            source(7, "Другой источник", &[]),
            source(2, "Ещё один", &["THE MINISTER"]),
        ],
    );
    refused(&env, &f, &["line 2", "THE MINISTER"]);
    // Within the file: the second spelling folds to the first (Turkish dotless i, case).
    let f = jsonl(
        &env,
        "twice.jsonl",
        &[
            source(3, "Işık Kremlin", &[]),
            source(4, "IŞIK KREMLİN", &[]),
        ],
    );
    refused(&env, &f, &["line 2"]);
    let f = jsonl(
        &env,
        "alias-twice.jsonl",
        &[source(5, "Кремль", &[]), source(6, "Moscow 🏛", &["кремль"])],
    );
    refused(&env, &f, &["line 2"]);
    // The same source again (its own id) and a new name are fine.
    let export = env.path("all.jsonl");
    std::fs::write(&export, env.ok(&["export", "--format", "jsonl"])).unwrap();
    env.ok(&["import", export.to_str().unwrap()]);
    let f = jsonl(&env, "new.jsonl", &[source(8, "Кремль", &["Kremlin"])]);
    env.ok(&["import", f.to_str().unwrap()]);
    env.ok(&["claim", "add", "Ни слова", "--speaker", "KREMLIN"]);
}

#[test]
fn import_refuses_an_article_url_another_article_has() {
    let env = seeded();
    let f = jsonl(
        &env,
        "url.jsonl",
        &[article(1, Some("https://news.example/bridge"), None)],
    );
    refused(
        &env,
        &f,
        &["line 1", "https://news.example/bridge", "already"],
    );
    let f = jsonl(
        &env,
        "url-twice.jsonl",
        &[
            article(2, Some("https://пример.рф/статья"), None),
            article(3, Some("https://пример.рф/статья"), Some("Текст")),
        ],
    );
    refused(&env, &f, &["line 2", "https://пример.рф/статья"]);
    // Spaces around a URL do not make it another.
    let f = jsonl(
        &env,
        "url-spaced.jsonl",
        &[
            article(4, Some(" https://haber.example/köprü\t"), None),
            article(5, Some("https://haber.example/köprü"), None),
        ],
    );
    refused(&env, &f, &["line 2", "already"]);
}

#[test]
fn check_reports_names_and_urls_two_records_share() {
    let env = seeded();
    assert!(env.ok(&["check"]).contains("\nok"));
    // What an older replica could still deliver: two sources whose names fold alike, two
    // articles with one URL.
    let mut store = Store::open(&env.db, Some("tester")).unwrap();
    store
        .write(|w| {
            for (id, name) in [(uid(11), "Кремль"), (uid(12), "КРЕМЛЬ")] {
                w.emit(OpKind::CreateSource {
                    source: Uuid::parse_str(&id).unwrap(),
                    name: name.into(),
                    kind: SourceKind::Outlet,
                    url: None,
                    aliases: vec![],
                    created_at: chrono::Utc::now(),
                })?;
            }
            for id in [uid(13), uid(14)] {
                w.emit(OpKind::CreateArticle {
                    article: Uuid::parse_str(&id).unwrap(),
                    url: Some("https://example.tr/haber".into()),
                    title: None,
                    outlet: None,
                    published: None,
                    lang: None,
                    text: None,
                    text_sha256: None,
                    created_at: chrono::Utc::now(),
                })?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    let out = env.cmd().args(["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("PROBLEMS FOUND"), "{stdout}");
    assert!(stdout.contains("кремль"), "{stdout}");
    assert!(stdout.contains("https://example.tr/haber"), "{stdout}");
    let out = env.cmd().args(["--json", "check"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["duplicates"].as_array().unwrap().len(), 2, "{v}");
}

const TEXT: &str = "Президент сказал: «мост откроют в июне». Muhalefet: köprü 2027'de açılacak 🌉. Президент сказал: «мост откроют в июне».";

/// An article with text, and a claim to hang appearances on.
fn anchored_base() -> Vec<Value> {
    vec![
        article(20, Some("https://haber.example/köprü"), Some(TEXT)),
        claim(21, "Мост откроют в июне"),
    ]
}

fn anchor(start: u64, end: u64, prefix: &str, suffix: &str) -> Value {
    json!({"start": start, "end": end, "prefix": prefix, "suffix": suffix})
}

#[test]
fn import_checks_anchors_against_the_article_text() {
    let env = seeded();
    let quote = "мост откроют в июне";
    let start = common::char_offset(TEXT, quote);
    let end = start + quote.chars().count() as u64;
    let len = TEXT.chars().count() as u64;
    let bad = [
        // Past the end of the text.
        anchor(len, len + 19, "", ""),
        // The right length at the wrong place.
        anchor(start + 1, end + 1, "", ""),
        // Context that is not the text's.
        anchor(start, end, "Премьер сказал: «", ""),
    ];
    for (i, a) in bad.into_iter().enumerate() {
        let mut recs = anchored_base();
        recs.push(appearance(22, 21, &uid(20), quote, Some(a)));
        let f = jsonl(&env, &format!("anchor{i}.jsonl"), &recs);
        refused(&env, &f, &["line 3", "anchor"]);
    }
    // Against an article already in the database.
    let seeded_article = env.json(&["article", "list"])["articles"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = jsonl(
        &env,
        "anchor-db.jsonl",
        &[
            claim(21, "Мост"),
            appearance(
                22,
                21,
                &seeded_article,
                "the bridge would open",
                Some(anchor(0, 21, "", "")),
            ),
        ],
    );
    refused(&env, &f, &["line 2", "anchor"]);
    // A quote that is not in the text at all, without an anchor.
    let mut recs = anchored_base();
    recs.push(appearance(22, 21, &uid(20), "мост откроют в июле", None));
    let f = jsonl(&env, "absent.jsonl", &recs);
    refused(&env, &f, &["line 3", "does not occur"]);
    // A quote without an anchor is anchored as `claim add --quote` anchors it.
    let mut recs = anchored_base();
    recs.push(appearance(22, 21, &uid(20), quote, None));
    let f = jsonl(&env, "found.jsonl", &recs);
    env.ok(&["import", f.to_str().unwrap()]);
    let export = env.ok(&["export", "--format", "jsonl"]);
    let ap: Value = export
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["id"] == uid(22))
        .unwrap();
    assert_eq!(ap["anchor"]["start"], start);
    assert_eq!(ap["anchor"]["end"], end);
    // And the second occurrence, anchored exactly, is accepted.
    let second = TEXT.rfind(quote).unwrap();
    let s2 = TEXT[..second].chars().count() as u64;
    let prefix: String = {
        let before: Vec<char> = TEXT[..second].chars().collect();
        before[before.len() - 32..].iter().collect()
    };
    let mut recs = anchored_base();
    recs.push(appearance(
        23,
        21,
        &uid(20),
        quote,
        Some(anchor(s2, s2 + 19, &prefix, "».")),
    ));
    let f = jsonl(&env, "second.jsonl", &recs);
    env.ok(&["import", f.to_str().unwrap()]);
}

#[test]
fn import_refuses_verdicts_that_supersede_themselves_or_each_other() {
    let env = seeded();
    let base = || vec![claim(31, "Köprü haziranda açılacak")];
    let mut recs = base();
    recs.push(verdict(32, 31, "false", &[32]));
    refused(
        &env,
        &jsonl(&env, "self.jsonl", &recs),
        &["line 2", "supersede"],
    );
    let mut recs = base();
    recs.push(verdict(32, 31, "false", &[34]));
    recs.push(verdict(33, 31, "false", &[32]));
    recs.push(verdict(34, 31, "misleading", &[33]));
    refused(&env, &jsonl(&env, "ring.jsonl", &recs), &["supersede"]);
    // A cycle closed by a verdict already in the database (delivered by an older replica).
    let mut store = Store::open(&env.db, Some("tester")).unwrap();
    store
        .write(|w| {
            let c = Uuid::parse_str(&uid(35)).unwrap();
            w.emit(OpKind::CreateClaim {
                claim: c,
                text: "Ещё одно утверждение".into(),
                speaker: None,
                said_on: None,
                tags: vec![],
                created_at: chrono::Utc::now(),
                created_by: "tester".into(),
            })?;
            w.emit(OpKind::AddVerdict {
                verdict: Uuid::parse_str(&uid(36)).unwrap(),
                claim: c,
                status: Status::False,
                note: None,
                author: "tester".into(),
                supersedes: vec![Uuid::parse_str(&uid(37)).unwrap()],
                created_at: chrono::Utc::now(),
            })?;
            Ok(())
        })
        .unwrap();
    drop(store);
    let f = jsonl(&env, "closes.jsonl", &[verdict(37, 35, "verified", &[36])]);
    refused(&env, &f, &["line 1", "supersede"]);
}

/// A cycle that arrives anyway (as an older replica could send it) leaves the claim a
/// current verdict, whatever the order the verdicts arrive in.
#[test]
fn a_verdict_cycle_still_leaves_a_current_verdict() {
    for (statuses, expect) in [
        ([Status::False, Status::False], "false"),
        ([Status::False, Status::Verified], "disputed"),
    ] {
        let mut seen = Vec::new();
        for reversed in [false, true] {
            let env = Env::new();
            env.ok(&["init"]);
            let mut store = Store::open(&env.db, Some("tester")).unwrap();
            let c = Uuid::parse_str(&uid(41)).unwrap();
            let (a, b) = (
                Uuid::parse_str(&uid(42)).unwrap(),
                Uuid::parse_str(&uid(43)).unwrap(),
            );
            store
                .write(|w| {
                    w.emit(OpKind::CreateClaim {
                        claim: c,
                        text: "Döngü 🔁".into(),
                        speaker: None,
                        said_on: None,
                        tags: vec![],
                        created_at: chrono::Utc::now(),
                        created_by: "tester".into(),
                    })?;
                    let mut vs = vec![(a, b, statuses[0]), (b, a, statuses[1])];
                    if reversed {
                        vs.reverse();
                    }
                    for (v, sup, status) in vs {
                        w.emit(OpKind::AddVerdict {
                            verdict: v,
                            claim: c,
                            status,
                            note: None,
                            author: "tester".into(),
                            supersedes: vec![sup],
                            created_at: chrono::Utc::now(),
                        })?;
                    }
                    Ok(())
                })
                .unwrap();
            drop(store);
            let list = env.json(&["claim", "list"]);
            let status = list["claims"][0]["status"].as_str().unwrap().to_string();
            assert_eq!(status, expect);
            seen.push(status);
            // A new verdict supersedes the whole cycle.
            env.ok(&["mark", &uid(41), "mostly-true"]);
            assert_eq!(
                env.json(&["claim", "list"])["claims"][0]["status"],
                "mostly-true"
            );
            assert!(env.ok(&["check"]).contains("\nok"));
        }
        assert_eq!(seen[0], seen[1]);
    }
}

fn csv_file(env: &Env, name: &str, body: &str) -> PathBuf {
    let path = env.path(name);
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn csv_deleted_takes_the_usual_spellings_and_refuses_others() {
    let env = seeded();
    let f = csv_file(
        &env,
        "bad-deleted.csv",
        "text,deleted\nПервое,yes\nВторое,удалено\n",
    );
    refused(&env, &f, &["line 3", "deleted", "удалено"]);
    let f = csv_file(&env, "bad-deleted2.csv", "text,deleted\nПервое,2\n");
    refused(&env, &f, &["line 2", "deleted"]);
    let body = "text,deleted\n\
                d1 Çay,TRUE\nd2 Чай,Yes\nd3 شاي,1\nd4 🍵,true\n\
                l1 Çay,FALSE\nl2 Чай,no\nl3 شاي,0\nl4 🍵,\nl5 tea,No\n";
    let f = csv_file(&env, "deleted.csv", body);
    env.ok(&["import", f.to_str().unwrap()]);
    let list = env.json(&["claim", "list", "--deleted"]);
    for c in list["claims"].as_array().unwrap() {
        let text = c["text"].as_str().unwrap();
        if text.starts_with('d') {
            assert_eq!(c["deleted"], true, "{text}");
        } else if text.starts_with('l') {
            assert_eq!(c["deleted"], false, "{text}");
        }
    }
}

#[test]
fn csv_rows_with_one_id_are_refused_naming_both_lines() {
    let env = seeded();
    let id = "0f0f0f0f-0000-4000-8000-000000000001";
    let body = format!("id,text\n{id},Первое\n{id},\"Второе,\nс переносом\"\n");
    let f = csv_file(&env, "dup.csv", &body);
    let err = refused(&env, &f, &["line 2", "line 3", id]);
    assert!(!err.contains("already present"), "{err}");
}

#[test]
fn csv_tags_with_semicolons_and_backslashes_round_trip() {
    let env = seeded();
    env.ok(&[
        "claim",
        "add",
        "Çok etiketli",
        "--tag",
        "a;b",
        "--tag",
        "yol\\;köprü",
        "--tag",
        "обычный",
        "--tag",
        "x\\",
    ]);
    let first = env.ok(&["export", "--format", "csv"]);
    let file = csv_file(&env, "tags.csv", &first);
    let fresh = Env::new();
    fresh.ok(&["import", file.to_str().unwrap()]);
    let again = fresh.ok(&["export", "--format", "csv"]);
    let tags = |csv: &str| -> Vec<Value> {
        let env2 = Env::new();
        let f = csv_file(&env2, "t.csv", csv);
        env2.ok(&["import", f.to_str().unwrap()]);
        let list = env2.json(&["claim", "list"]);
        let c = list["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["text"] == "Çok etiketli")
            .unwrap()
            .clone();
        c["tags"].as_array().unwrap().clone()
    };
    let mut t = tags(&first);
    t.sort_by_key(|v| v.to_string());
    assert_eq!(
        t,
        vec![
            json!("a;b"),
            json!("x\\"),
            json!("yol\\;köprü"),
            json!("обычный")
        ]
    );
    // Row for row the same, ids included (created_at and created_by are not imported).
    let rows = |csv: &str| -> Vec<String> {
        csv.lines()
            .map(|l| l.split(',').take(10).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(rows(&first), rows(&again));
}

#[test]
fn csv_export_neutralises_formulas_and_import_restores_them() {
    let env = Env::new();
    let texts = [
        "=HYPERLINK(\"https://evil.example\",\"нажми\")",
        "+7 (495) 123-45-67 звонил",
        "-дефис в начале",
        "@SUM(A1:A9)",
        "'=already quoted",
        "-12.5",
        "обычный текст",
    ];
    for t in texts {
        env.ok(&["claim", "add", "--speaker", "=cmd|' /C calc'!A0", "--", t]);
    }
    let csv = env.ok(&["export", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let cells: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_string(), r[2].to_string())
        })
        .collect();
    for (text, speaker) in &cells {
        assert!(speaker.starts_with("'="), "{speaker}");
        match text.trim_start_matches('\'').chars().next().unwrap() {
            '=' | '+' | '@' => assert!(text.starts_with('\''), "{text}"),
            '-' if text == "-12.5" => {}
            '-' => assert!(text.starts_with('\''), "{text}"),
            _ => assert!(!text.starts_with('\''), "{text}"),
        }
    }
    assert!(cells.iter().any(|(t, _)| t == "''=already quoted"));
    // --raw-cells writes them as they are.
    let raw = env.ok(&["export", "--format", "csv", "--raw-cells"]);
    assert!(
        raw.contains("\n=HYPERLINK") || raw.contains(",\"=HYPERLINK"),
        "{raw}"
    );
    assert!(!raw.contains("'=cmd"));
    // Importing claimdb's own CSV gives the texts back.
    let fresh = Env::new();
    let f = csv_file(&fresh, "neutral.csv", &csv);
    fresh.ok(&["import", f.to_str().unwrap()]);
    let list = fresh.json(&["claim", "list"]);
    let mut got: Vec<String> = list["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want: Vec<String> = texts.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    let sources = fresh.json(&["source", "list"]);
    assert_eq!(sources["sources"][0]["name"], "=cmd|' /C calc'!A0");
}

/// Run `claimdb import` on an endless input and expect a refusal within `limit`.
fn endless(format: &str, expect: &str) {
    let env = seeded();
    let before = env.snapshot();
    let mut child = env
        .std_cmd()
        .args(["import", "--format", format, "/dev/zero"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            assert_eq!(status.code(), Some(USAGE), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(expect), "{format}: {err}");
            break;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("import --format {format} /dev/zero still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(env.snapshot(), before);
}

#[test]
fn endless_jsonl_input_is_refused_at_the_line_limit() {
    endless("jsonl", "line 1");
}

#[test]
fn endless_csv_input_is_refused_at_the_row_limit() {
    endless("csv", "line 1");
}

#[test]
fn endless_json_input_is_refused_at_the_document_limit() {
    endless("json", "limit");
}

/// Standard input cannot be read twice: it is copied aside, and checked and imported the same.
#[test]
fn jsonl_from_standard_input_is_checked_and_imported() {
    let env = seeded();
    let export = env.ok(&["export", "--format", "jsonl"]);
    let fresh = Env::new();
    let out = fresh
        .cmd()
        .args(["--json", "import", "--format", "jsonl", "-"])
        .write_stdin(export.clone())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sum["claims"], 1);
    assert_eq!(fresh.ok(&["export", "--format", "jsonl"]), export);
    let mut recs = anchored_base();
    recs.push(appearance(22, 21, &uid(20), "мост откроют в июле", None));
    let body: String = recs.iter().map(|r| format!("{r}\n")).collect();
    let before = fresh.snapshot();
    let out = fresh
        .cmd()
        .args(["import", "--format", "jsonl", "-"])
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(USAGE));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("does not occur"),
        "{err}"
    );
    assert_eq!(fresh.snapshot(), before);
}

/// A JSON document over the limit is refused from its size, before it is read.
#[test]
fn an_oversized_json_document_is_refused_before_it_is_read() {
    let env = seeded();
    let path = env.path("huge.json");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(300 << 20).unwrap();
    let started = Instant::now();
    refused(&env, &path, &["limit of 256 MiB", "jsonl"]);
    assert!(started.elapsed() < Duration::from_secs(20));
}
