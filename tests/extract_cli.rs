//! `claimdb extract` and `article add --extract` as a user meets them: the input checks, the
//! candidates' JSON, logging accepted candidates in one transaction with their quotes
//! anchored where they were found, and never prompting when no one can answer.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::Env;
use common::contract::{Claim, Sources};
use serde::Deserialize;

const USAGE: i32 = 2;
const NOT_FOUND: i32 = 3;

/// A candidate, as `extract --json` prints it: exactly these fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Candidate {
    quote: String,
    start: u64,
    end: u64,
    speaker: Option<String>,
    via: Option<String>,
    cue: Option<String>,
    kind: String,
    confidence: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Candidates {
    candidates: Vec<Candidate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoggedClaim {
    candidate: usize,
    id: Option<String>,
    text: String,
    speaker: Option<String>,
    via: Option<String>,
    /// Claims already logged that this one is like (tests/similar.rs checks them).
    checked_before: Vec<common::contract::Similar>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatedSource {
    name: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Accepted {
    candidates: Vec<Candidate>,
    dry_run: bool,
    claims: Vec<LoggedClaim>,
    created_sources: Vec<CreatedSource>,
}

const PRICES: &str = "\"Prices will fall,\" Jane Doe said.";

/// Store an article at `url` with `text`.
fn article(env: &Env, url: &str, text: &str) {
    let file = env.path("article-text.txt");
    std::fs::write(&file, text).unwrap();
    env.ok(&["article", "add", url, "--text-file", file.to_str().unwrap()]);
}

/// Characters `start..end` of `text`.
fn slice(text: &str, start: u64, end: u64) -> String {
    text.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

/// The candidate whose quote holds `words`, with every candidate's offsets checked against
/// `text` on the way.
fn find<'a>(text: &str, cands: &'a [Candidate], words: &str) -> &'a Candidate {
    for c in cands {
        assert_eq!(slice(text, c.start, c.end), c.quote, "{c:?}");
    }
    cands
        .iter()
        .find(|c| c.quote.contains(words))
        .unwrap_or_else(|| panic!("no candidate quotes {words:?}: {cands:?}"))
}

fn claim_count(env: &Env) -> usize {
    env.json(&["claim", "list", "--deleted", "--limit", "100000"])["claims"]
        .as_array()
        .unwrap()
        .len()
}

/// Run and expect failure with `code` and one error line containing `needle`.
fn refused(env: &Env, code: i32, args: &[&str], needle: &str) {
    let err = env.fails(code, args);
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(err.starts_with("claimdb: error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

/// Run with `stdin` fed to standard input; exit code, stdout and stderr. The writer may find
/// the pipe closed early, which is the point of some tests.
fn with_stdin(env: &Env, args: &[&str], stdin: Vec<u8>) -> (Option<i32>, String, String) {
    let mut child = env
        .std_cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_text_files_are_refused_in_one_line() {
    let env = Env::new();
    let file = |name: &str, bytes: &[u8]| {
        let p = env.path(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    let binary = file("photo.bin", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    refused(
        &env,
        USAGE,
        &["extract", "--text-file", &binary],
        "is not UTF-8 text (bad byte at byte offset 0)",
    );
    let nul = file("nul.txt", b"Prices\0 will fall");
    refused(
        &env,
        USAGE,
        &["extract", "--text-file", &nul],
        "binary data, not text (a NUL byte at byte offset 6)",
    );
    let latin1 = file("latin1.txt", b"Erdo\xf0an said \xabyes\xbb");
    refused(
        &env,
        USAGE,
        &["extract", "--text-file", &latin1],
        "bad byte at byte offset 4",
    );
    let empty = file("empty.txt", b"");
    refused(
        &env,
        USAGE,
        &["extract", "--text-file", &empty],
        "empty.txt is empty",
    );
    let blank = file("blank.txt", b"\xef\xbb\xbf \r\n\t\n");
    refused(
        &env,
        USAGE,
        &["extract", "--text-file", &blank],
        "is empty (only whitespace)",
    );
    refused(
        &env,
        USAGE,
        &[
            "extract",
            "--text-file",
            env.path("missing.txt").to_str().unwrap(),
        ],
        "cannot read",
    );
    // An 11 MB file, and a 50 MB one, are refused from their size, before they are read.
    for (name, size) in [("11mb.txt", 11_000_000u64), ("50mb.txt", 50 << 20)] {
        let p = env.path(name);
        std::fs::File::create(&p).unwrap().set_len(size).unwrap();
        let started = std::time::Instant::now();
        refused(
            &env,
            USAGE,
            &["extract", "--text-file", p.to_str().unwrap()],
            &format!("{name} is {size} bytes; the limit is 10485760 bytes (10 MiB)"),
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}

#[test]
fn bad_standard_input_is_refused_in_one_line() {
    let env = Env::new();
    for (stdin, needle) in [
        (
            b" \n\t\r\n ".to_vec(),
            "standard input is empty (only whitespace)",
        ),
        (Vec::new(), "standard input is empty"),
        (b"a\0b".to_vec(), "NUL byte at byte offset 1"),
        (
            vec![b'a'; 11_000_000],
            "standard input is over 10485760 bytes; the limit is 10485760 bytes",
        ),
    ] {
        let (code, _, err) = with_stdin(&env, &["extract", "-"], stdin);
        assert_eq!(code, Some(USAGE), "{err}");
        assert!(err.contains(needle), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[test]
fn articles_must_exist_and_have_text() {
    let env = Env::new();
    env.ok(&[
        "article",
        "add",
        "https://news.example/no-text",
        "--title",
        "T",
    ]);
    let id = env.json(&["article", "show", "https://news.example/no-text"])["short_id"]
        .as_str()
        .unwrap()
        .to_string();
    refused(
        &env,
        USAGE,
        &["extract", "https://news.example/no-text"],
        &format!("article {id} has no stored text; add it with its text"),
    );
    refused(
        &env,
        USAGE,
        &["extract", &id, "--accept", "all"],
        "has no stored text",
    );
    refused(
        &env,
        NOT_FOUND,
        &["extract", "https://news.example/missing"],
        "no article has the URL",
    );
    refused(&env, NOT_FOUND, &["extract", "abcd1234"], "abcd1234");
    refused(
        &env,
        USAGE,
        &["extract"],
        "give the article to extract from",
    );
    refused(
        &env,
        USAGE,
        &["extract", &id, "--text-file", "x.txt"],
        "not both",
    );
}

#[test]
fn accept_needs_a_stored_article() {
    let env = Env::new();
    let text = env.path("a.txt");
    std::fs::write(&text, PRICES).unwrap();
    let before = env.snapshot();
    refused(
        &env,
        USAGE,
        &[
            "extract",
            "--text-file",
            text.to_str().unwrap(),
            "--accept",
            "all",
        ],
        "--accept logs claims on a stored article",
    );
    let (code, _, err) = with_stdin(&env, &["extract", "-", "--accept", "1"], PRICES.into());
    assert_eq!(code, Some(USAGE), "{err}");
    assert!(
        err.contains("--accept logs claims on a stored article"),
        "{err}"
    );
    refused(
        &env,
        USAGE,
        &[
            "extract",
            "--text-file",
            text.to_str().unwrap(),
            "--dry-run",
        ],
        "give --accept too",
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn bad_accept_numbers_log_nothing() {
    let env = Env::new();
    let url = "https://news.example/prices";
    article(&env, url, PRICES);
    let before = env.snapshot();
    let claims = claim_count(&env);
    for (spec, needle) in [
        ("0", "numbered from 1"),
        ("99", "there is no candidate 99"),
        ("x", "'x' is not a candidate number"),
        ("1,", "'' is not a candidate number"),
        ("1,1", "1 is given twice"),
        ("all,1", "'all' is not a candidate number"),
    ] {
        refused(&env, USAGE, &["extract", url, "--accept", spec], needle);
        refused(
            &env,
            USAGE,
            &["extract", url, "--accept", spec, "--dry-run"],
            needle,
        );
    }
    refused(
        &env,
        USAGE,
        &["extract", url, "--accept", " "],
        "--accept is empty",
    );
    assert_eq!(claim_count(&env), claims);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn json_lists_candidates_with_exactly_their_fields() {
    let env = Env::new();
    let text = format!("Markets were calm on Monday. {PRICES} Nothing else happened.");
    let file = env.path("a.txt");
    std::fs::write(&file, &text).unwrap();
    let raw = env.json(&["extract", "--text-file", file.to_str().unwrap()]);
    let keys: Vec<&String> = raw.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["candidates"]);
    let doc: Candidates = serde_json::from_value(raw.clone()).unwrap();
    for (c, v) in doc
        .candidates
        .iter()
        .zip(raw["candidates"].as_array().unwrap())
    {
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "quote",
                "start",
                "end",
                "speaker",
                "via",
                "cue",
                "kind",
                "confidence"
            ]
        );
        assert!(
            ["direct", "indirect", "mixed"].contains(&c.kind.as_str()),
            "{c:?}"
        );
        assert!((0.0..=1.0).contains(&c.confidence), "{c:?}");
        assert!(c.start < c.end, "{c:?}");
        let _ = &c.cue;
    }
    // In text order.
    let starts: Vec<u64> = doc.candidates.iter().map(|c| c.start).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    let c = find(&text, &doc.candidates, "Prices will fall");
    assert_eq!(c.speaker.as_deref(), Some("Jane Doe"));
    assert_eq!(c.kind, "direct");
    // The same from standard input, and for people: numbered, with the quote.
    let (code, out, err) = with_stdin(&env, &["extract", "-"], text.clone().into());
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1. "), "{out}");
    assert!(out.contains("Prices will fall"), "{out}");
    assert!(out.contains("speaker: Jane Doe"), "{out}");
}

#[test]
fn dry_run_shows_what_would_be_logged_and_writes_nothing() {
    let env = Env::new();
    let url = "https://news.example/prices";
    article(&env, url, PRICES);
    let before = env.snapshot();
    let doc: Accepted = env.typed(&["extract", url, "--accept", "all", "--dry-run"]);
    assert!(doc.dry_run);
    assert_eq!(env.snapshot(), before);
    let c = find(PRICES, &doc.candidates, "Prices will fall");
    let n = doc
        .candidates
        .iter()
        .position(|x| x.start == c.start)
        .unwrap()
        + 1;
    let logged = doc.claims.iter().find(|l| l.candidate == n).unwrap();
    assert_eq!(logged.id, None);
    assert_eq!(logged.text, "Prices will fall");
    assert_eq!(logged.speaker.as_deref(), Some("Jane Doe"));
    assert_eq!(logged.via, c.via);
    assert!(
        doc.created_sources
            .iter()
            .any(|s| s.name == "Jane Doe" && s.kind == "person"),
        "{:?}",
        doc.created_sources
    );
    let out = env.ok(&["extract", url, "--accept", "all", "--dry-run"]);
    assert!(out.contains("would log (candidate"), "{out}");
    assert!(out.contains("would create person Jane Doe"), "{out}");
    assert!(out.contains("dry run: nothing was written"), "{out}");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn accepted_candidates_are_logged_where_they_were_found() {
    let env = Env::new();
    let url = "https://news.example/prices";
    // The quote's words also occur earlier, unquoted: the claim is anchored at the quote.
    let text = format!("Prices will fall, some hope. {PRICES}");
    article(&env, url, &text);
    let cands: Candidates = env.typed(&["extract", url]);
    let c = find(&text, &cands.candidates, "Prices will fall");
    assert!(c.start > 0, "{c:?}");
    let n = cands
        .candidates
        .iter()
        .position(|x| x.start == c.start)
        .unwrap()
        + 1;
    let doc: Accepted = env.typed(&["extract", url, "--accept", &n.to_string()]);
    assert!(!doc.dry_run);
    assert_eq!(doc.claims.len(), 1);
    // Nothing was logged before it.
    assert!(doc.claims[0].checked_before.is_empty());
    let id = doc.claims[0].id.clone().expect("an id");
    let claim: Claim = env.typed(&["claim", "show", &id]);
    assert_eq!(claim.text, "Prices will fall");
    assert_eq!(claim.speaker.as_ref().unwrap().name, "Jane Doe");
    let a = &claim.appearances[0];
    assert_eq!(a.article.as_ref().unwrap().url.as_deref(), Some(url));
    assert_eq!(a.quote.as_deref(), Some(c.quote.as_str()));
    let anchor = a.anchor.as_ref().unwrap();
    assert_eq!((anchor.start, anchor.end), (c.start, c.end));
    assert_eq!(a.via.as_ref().map(|v| v.name.as_str()), c.via.as_deref());

    // `all` logs every other candidate, in one go: the one logged above is not logged again.
    let before = claim_count(&env);
    let out = env.ok(&["extract", url, "--accept", "all"]);
    assert_eq!(
        claim_count(&env),
        before + cands.candidates.len() - 1,
        "{out}"
    );
}

#[test]
fn existing_sources_are_reused_and_new_ones_created() {
    let env = Env::new();
    env.ok(&["source", "add", "Jane Doe", "--alias", "Doe"]);
    env.ok(&["source", "add", "Daily Courier", "--kind", "outlet"]);
    let url = "https://news.example/doe";
    let text = "\"Prices will fall,\" Doe said. \"Taxes will rise,\" Richard Roe told Reuters.";
    article(&env, url, text);
    let doc: Accepted = env.typed(&["extract", url, "--accept", "all"]);
    let prices = find(text, &doc.candidates, "Prices will fall");
    let taxes = find(text, &doc.candidates, "Taxes will rise");
    assert!(
        matches!(prices.speaker.as_deref(), Some("Doe" | "Jane Doe")),
        "{prices:?}"
    );
    let sources: Sources = env.typed(&["source", "list"]);
    let named = |n: &str| {
        sources
            .sources
            .iter()
            .filter(|s| s.name == n || s.aliases.iter().any(|a| a == n))
            .count()
    };
    assert_eq!(named("Doe"), 1, "{sources:?}");
    assert_eq!(named("Jane Doe"), 1);
    let claim = |words: &str| -> Claim {
        let l = doc.claims.iter().find(|l| l.text.contains(words)).unwrap();
        env.typed(&["claim", "show", l.id.as_deref().unwrap()])
    };
    assert_eq!(claim("Prices").speaker.unwrap().name, "Jane Doe");
    assert_eq!(
        claim("Taxes").speaker.map(|s| s.name),
        taxes.speaker.clone()
    );
    // What was created is reported, with its kind; the sources that existed are not.
    for s in &doc.created_sources {
        assert_ne!(s.name, "Jane Doe");
        let kind = if Some(&s.name) == taxes.via.as_ref() {
            "outlet"
        } else {
            "person"
        };
        assert_eq!(s.kind, kind, "{s:?}");
        assert_eq!(named(&s.name), 1);
    }
    if let Some(via) = &taxes.via {
        let relayed = sources.sources.iter().find(|s| &s.name == via).unwrap();
        assert_eq!(relayed.kind, "outlet");
        assert_eq!(
            claim("Taxes").appearances[0].via.as_ref().unwrap().name,
            *via
        );
    }
}

#[test]
fn no_prompt_when_standard_input_is_not_a_terminal() {
    let env = Env::new();
    let url = "https://news.example/prices";
    article(&env, url, PRICES);
    // Answers on standard input are not read as answers: nothing is asked, nothing logged.
    let (code, out, err) = with_stdin(&env, &["extract", url], b"a\na\na\n".to_vec());
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("[a]ccept"), "{out}");
    assert!(out.contains("Prices will fall"), "{out}");
    assert_eq!(claim_count(&env), 0);
}

#[test]
fn article_add_can_extract_right_away() {
    let env = Env::new();
    let file = env.path("a.txt");
    std::fs::write(&file, PRICES).unwrap();
    let path = file.to_str().unwrap();
    let before = env.snapshot();
    refused(
        &env,
        USAGE,
        &["article", "add", "https://news.example/x", "--extract"],
        "--extract proposes claims in the article's text; give it with --text-file PATH",
    );
    refused(
        &env,
        USAGE,
        &[
            "article",
            "add",
            "https://news.example/x",
            "--text-file",
            path,
            "--accept",
            "all",
        ],
        "give --extract too",
    );
    refused(
        &env,
        USAGE,
        &[
            "article",
            "add",
            "https://news.example/x",
            "--text-file",
            path,
            "--extract",
            "--accept",
            "0",
        ],
        "numbered from 1",
    );
    assert_eq!(env.snapshot(), before, "nothing is added");

    let out = env.ok(&[
        "article",
        "add",
        "https://news.example/a",
        "--title",
        "Prices",
        "--text-file",
        path,
        "--extract",
    ]);
    assert!(out.starts_with("added article "), "{out}");
    assert!(out.contains("Prices will fall"), "{out}");
    assert_eq!(claim_count(&env), 0);

    let doc = env.json(&[
        "article",
        "add",
        "https://news.example/b",
        "--text-file",
        path,
        "--extract",
        "--accept",
        "all",
    ]);
    assert_eq!(doc["article"]["url"], "https://news.example/b");
    let accepted: Accepted = serde_json::from_value({
        let mut d = doc.clone();
        d.as_object_mut().unwrap().remove("article");
        d
    })
    .unwrap();
    let c = find(PRICES, &accepted.candidates, "Prices will fall");
    assert_eq!(accepted.claims.len(), accepted.candidates.len());
    let claim: Claim = env.typed(&["claim", "show", accepted.claims[0].id.as_deref().unwrap()]);
    let anchor = claim.appearances[0].anchor.as_ref().unwrap();
    assert_eq!((anchor.start, anchor.end), (c.start, c.end));
}

#[test]
fn offsets_count_characters_of_the_text_as_given() {
    let env = Env::new();
    // Turkish, Cyrillic, an emoji sequence and a flag before the quote; the file has a
    // byte-order mark and Windows line breaks, which a text file keeps (the mark is dropped).
    let text =
        "İstanbul'da köprü açıldı 👨‍👩‍👧. Москва 🇷🇺 ждёт.\r\n\"Prices will fall,\" Jane Doe said.\r\n";
    let file = env.path("u.txt");
    std::fs::write(&file, format!("\u{FEFF}{text}")).unwrap();
    let doc: Candidates = env.typed(&["extract", "--text-file", file.to_str().unwrap()]);
    let c = find(text, &doc.candidates, "Prices will fall");
    assert_eq!(c.start, common::char_offset(text, &c.quote));
    assert!(
        (c.start as usize) < text.find(&c.quote).unwrap(),
        "not bytes"
    );

    // Stored, the text has LF line breaks, and the offsets count those.
    let url = "https://news.example/u";
    article(&env, url, text);
    let stored = text.replace("\r\n", "\n");
    let doc: Accepted = env.typed(&["extract", url, "--accept", "all"]);
    let c = find(&stored, &doc.candidates, "Prices will fall");
    assert_eq!(c.start, common::char_offset(&stored, &c.quote));
    let n = doc
        .candidates
        .iter()
        .position(|x| x.start == c.start)
        .unwrap()
        + 1;
    let id = doc
        .claims
        .iter()
        .find(|l| l.candidate == n)
        .unwrap()
        .id
        .clone();
    let claim: Claim = env.typed(&["claim", "show", &id.unwrap()]);
    let anchor = claim.appearances[0].anchor.as_ref().unwrap();
    assert_eq!((anchor.start, anchor.end), (c.start, c.end));
    let before: Vec<char> = stored.chars().take(c.start as usize).collect();
    let prefix: String = before[before.len() - 32..].iter().collect();
    assert_eq!(anchor.prefix, prefix);
    assert!(anchor.prefix.contains("ждёт.\n"), "{anchor:?}");
}

#[test]
fn hostile_text_cannot_reach_the_terminal() {
    let env = Env::new();
    let file = env.path("h.txt");
    std::fs::write(
        &file,
        "\"Prices \u{1b}[2J will \u{202E}fall,\" Jane \u{1b}]0;x\u{7}Doe said.",
    )
    .unwrap();
    let out = env.ok(&["extract", "--text-file", file.to_str().unwrap()]);
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{202E}'),
        "{out:?}"
    );
}

/// The corpus's Antonov article as a new user would take it: store it, extract, accept all,
/// and find the claims with their speakers and relays, anchored where they were found.
#[test]
#[ignore = "needs CLAIMDB_CORPUS"]
fn the_antonov_article_end_to_end() {
    let dir = std::env::var_os("CLAIMDB_CORPUS").expect("CLAIMDB_CORPUS names the corpus folder");
    let path = std::path::Path::new(&dir).join("antonov-consultations.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let env = Env::new();
    let url = "https://news.example/antonov";
    env.ok(&[
        "article",
        "add",
        url,
        "--outlet",
        "RT",
        "--text-file",
        path.to_str().unwrap(),
    ]);
    let cands: Candidates = env.typed(&["extract", url]);
    let tass = find(&text, &cands.candidates, "it is necessary to analyze");
    assert_eq!(tass.speaker.as_deref(), Some("Anatoly Antonov"));
    assert_eq!(tass.via.as_deref(), Some("TASS"));
    assert_eq!(tass.kind, "direct");
    let ria = find(&text, &cands.candidates, "plane with the diplomat landed");
    assert_eq!(ria.speaker, None);
    assert_eq!(ria.via.as_deref(), Some("RIA Novosti"));
    let putin = find(&text, &cands.candidates, "invite President Biden");
    assert_eq!(putin.speaker.as_deref(), Some("Vladimir Putin"));

    let doc: Accepted = env.typed(&["extract", url, "--accept", "all"]);
    assert_eq!(doc.claims.len(), cands.candidates.len());
    assert_eq!(claim_count(&env), cands.candidates.len());
    let sources: Sources = env.typed(&["source", "list"]);
    let names: Vec<&str> = sources.sources.iter().map(|s| s.name.as_str()).collect();
    for n in ["Anatoly Antonov", "Vladimir Putin", "TASS", "RIA Novosti"] {
        assert!(names.contains(&n), "{n} is a source: {names:?}");
    }
    env.ok(&["check"]);
}

/// What is already logged on the article is shown as such, and `--accept all` leaves it out:
/// accepting twice does not log the same claims twice.
#[test]
fn accepting_all_twice_logs_each_claim_once() {
    let env = Env::new();
    let url = "https://news.example/twice";
    let text = format!("{PRICES} Richard Roe told Reuters that taxes would rise in the autumn.");
    article(&env, url, &text);
    let first = env.ok(&["extract", url, "--accept", "all"]);
    assert!(first.contains("logged claim"), "{first}");
    let n = claim_count(&env);
    assert!(n >= 2, "{first}");
    let again = env.json(&["extract", url]);
    assert_eq!(
        again["logged_before"].as_array().map(Vec::len),
        Some(n),
        "every candidate is already logged: {again}"
    );
    let listed = env.ok(&["extract", url]);
    assert!(listed.contains("already logged as claim"), "{listed}");
    env.ok(&["extract", url, "--accept", "all"]);
    assert_eq!(claim_count(&env), n, "nothing logged twice");
    // A number is taken as given.
    env.ok(&["extract", url, "--accept", "1"]);
    assert_eq!(claim_count(&env), n + 1);
}
