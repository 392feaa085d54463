//! Text that could mislead the reader, with the real binary: quotes that would cut a character
//! in two, byte-order marks and Windows line breaks, look-alike characters, control and
//! bidirectional characters, and URLs that are not web addresses. Every refusal is one line,
//! exit 2, and leaves the database exactly as it was.

mod common;

use common::Env;

const USAGE: i32 = 2;

/// Run `args`, expect exit 2 with a one-line error containing `expect`, and the database
/// unchanged.
fn refused(env: &Env, args: &[&str], expect: &str) -> String {
    let before = env.snapshot();
    let err = env.fails(USAGE, args);
    assert!(
        err.to_lowercase().contains(&expect.to_lowercase()),
        "{args:?}: error does not mention {expect:?}: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("claimdb: error: "), "{err}");
    assert!(
        !err.chars()
            .any(|c| (c.is_control() && c != '\n') || ('\u{202A}'..='\u{202E}').contains(&c)),
        "the error passes a control character through: {err:?}"
    );
    assert_eq!(env.snapshot(), before, "{args:?} changed the database");
    err
}

/// An article at `url` whose stored text is `text` (written to a file as bytes).
fn article(env: &Env, url: &str, text: &[u8]) {
    let file = env.path("article-text");
    std::fs::write(&file, text).unwrap();
    env.ok(&["article", "add", url, "--text-file", file.to_str().unwrap()]);
}

const EMOJI: &str =
    "Семья 👨\u{200D}👩\u{200D}👧 приехала, флаг 🇺🇦 поднят, q\u{0323} стоит, привет 👋🏽 всем.";

#[test]
fn quotes_never_cut_a_character_in_two() {
    let env = Env::new();
    article(&env, "https://news.example/эмодзи", EMOJI.as_bytes());
    for (half, what) in [
        ("👨\u{200D}👩", "half a family emoji"),
        ("🇺", "one regional indicator of a flag"),
        ("флаг 🇺", "a quote ending inside a flag"),
        (", q", "a letter without its combining mark"),
        ("привет 👋", "a hand without its skin tone"),
    ] {
        let err = refused(
            &env,
            &[
                "claim",
                "add",
                what,
                "--article",
                "https://news.example/эмодзи",
                "--quote",
                half,
            ],
            "inside a larger character",
        );
        assert!(err.contains("include the whole character"), "{err}");
    }
    // Whole characters anchor, counted in Unicode scalar values.
    let v = env.json(&[
        "claim",
        "add",
        "Семья приехала",
        "--article",
        "https://news.example/эмодзи",
        "--quote",
        "👨\u{200D}👩\u{200D}👧 приехала",
    ]);
    let anchor = &v["appearances"][0]["anchor"];
    let start = common::char_offset(EMOJI, "👨");
    assert_eq!(anchor["start"], start);
    assert_eq!(
        anchor["end"],
        start + 5 + " приехала".chars().count() as u64
    );
    let v = env.json(&[
        "claim",
        "add",
        "Флаг",
        "--article",
        "https://news.example/эмодзи",
        "--quote",
        "🇺🇦",
    ]);
    assert_eq!(
        v["appearances"][0]["anchor"]["start"],
        common::char_offset(EMOJI, "🇺🇦")
    );
}

#[test]
fn a_quote_found_split_once_is_anchored_where_it_is_whole() {
    let env = Env::new();
    // 🇦🇺🇸 reads as 🇦🇺 and a lone 🇸: the 🇺🇸 inside it is not a flag, the later one is.
    let text = "Флаги: 🇦🇺🇸 и ещё 🇺🇸 в конце.";
    article(&env, "https://news.example/flags", text.as_bytes());
    let v = env.json(&[
        "claim",
        "add",
        "Флаг США",
        "--article",
        "https://news.example/flags",
        "--quote",
        "🇺🇸",
    ]);
    let whole = text.rfind("🇺🇸").unwrap();
    assert_eq!(
        v["appearances"][0]["anchor"]["start"],
        text[..whole].chars().count() as u64
    );
}

#[test]
fn byte_order_mark_and_windows_line_breaks_are_normalised() {
    let env = Env::new();
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend_from_slice("Первая строка.\r\nВторая строка.\rТретья строка.".as_bytes());
    article(&env, "https://news.example/crlf", &body);
    let a = env.json(&["article", "show", "https://news.example/crlf"]);
    let stored = "Первая строка.\nВторая строка.\nТретья строка.";
    assert_eq!(a["text_chars"], stored.chars().count());
    assert_eq!(a["text_sha256"], claimdb::store::sha256_hex(stored));
    // A quote across a line break, given with LF, CRLF or a lone CR, and with a BOM in front.
    for (i, q) in [
        "строка.\nВторая",
        "строка.\r\nВторая",
        "\u{FEFF}строка.\rТретья",
    ]
    .iter()
    .enumerate()
    {
        let v = env.json(&[
            "claim",
            "add",
            &format!("Строка {i}"),
            "--article",
            "https://news.example/crlf",
            "--quote",
            q,
        ]);
        let anchor = &v["appearances"][0]["anchor"];
        let want = q
            .trim_start_matches('\u{FEFF}')
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        assert_eq!(anchor["start"], common::char_offset(stored, &want), "{q:?}");
        assert_eq!(v["appearances"][0]["quote"], want);
    }
    // The first word is at position 0: the mark was not kept.
    let v = env.json(&[
        "claim",
        "add",
        "Первая",
        "--article",
        "https://news.example/crlf",
        "--quote",
        "Первая",
    ]);
    assert_eq!(v["appearances"][0]["anchor"]["start"], 0);
}

#[test]
fn look_alike_quotes_say_where_they_differ() {
    let env = Env::new();
    article(
        &env,
        "https://news.example/nbsp",
        "Министр сказал, что мост откроют в июне 2026 года.".as_bytes(),
    );
    let err = refused(
        &env,
        &[
            "claim",
            "add",
            "Мост",
            "--article",
            "https://news.example/nbsp",
            "--quote",
            "мост откроют в\u{00A0}июне",
        ],
        "closest passage",
    );
    assert!(
        err.contains("character 15: U+00A0 in the quote, U+0020 in the text"),
        "{err}"
    );
    // A Latin o among Cyrillic letters.
    let err = refused(
        &env,
        &[
            "claim",
            "add",
            "Мост",
            "--article",
            "https://news.example/nbsp",
            "--quote",
            "мост откр\u{006F}ют в июне",
        ],
        "closest passage",
    );
    assert!(
        err.contains("character 10: U+006F in the quote, U+043E in the text"),
        "{err}"
    );
}

#[test]
fn control_characters_are_refused_in_article_text_and_never_printed() {
    let env = Env::new();
    for (name, text, says) in [
        (
            "escape",
            "Новость \u{1b}]0;pwned\u{7} и \u{1b}[2J конец.",
            "control characters",
        ),
        // A NUL byte marks the file as binary, before any other rule.
        ("nul", "Haber\u{0}metni", "a NUL byte at byte offset 5"),
        ("c1", "Текст \u{9b}31m красный", "control characters"),
    ] {
        let file = env.path(name);
        std::fs::write(&file, text).unwrap();
        refused(
            &env,
            &[
                "article",
                "add",
                &format!("https://news.example/{name}"),
                "--text-file",
                file.to_str().unwrap(),
            ],
            says,
        );
    }
    // Bidirectional controls may be in a text, but are shown escaped when it is echoed.
    article(
        &env,
        "https://news.example/rlo",
        "Сумма составила \u{202E}0001 рублей по данным министерства.".as_bytes(),
    );
    let err = refused(
        &env,
        &[
            "claim",
            "add",
            "Сумма",
            "--article",
            "https://news.example/rlo",
            "--quote",
            "Сумма составила 1000 рублей",
        ],
        "closest passage",
    );
    assert!(err.contains("\\u{202E}"), "{err}");
}

#[test]
fn stored_control_characters_are_shown_escaped() {
    // A database written before these rules (or by another program) may hold them.
    let env = Env::new();
    let id = common::seed_bridge(&env, &["инфра"]);
    env.ok(&["mark", &id, "false", "--note", "Проверено"]);
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.execute_batch(
        "UPDATE claims SET text = 'Red ' || char(27) || '[31malert' || char(8238) || 'x';
         UPDATE verdicts SET note = 'bell' || char(7) || char(13) || 'over', author = 'ev' || char(27) || 'il';
         UPDATE sources SET name = name || char(27) || '[2J';
         UPDATE claim_tags SET tag = tag || char(27);",
    )
    .unwrap();
    drop(conn);
    for args in [
        vec!["claim", "show", &id],
        vec!["claim", "list"],
        vec!["source", "list"],
        vec!["log"],
        vec!["search", "alert"],
    ] {
        let out = env.ok(&args);
        assert!(
            !out.chars()
                .any(|c| (c.is_control() && c != '\n' && c != '\t')
                    || ('\u{202A}'..='\u{202E}').contains(&c)),
            "{args:?} printed a control character: {out:?}"
        );
    }
    let show = env.ok(&["claim", "show", &id]);
    assert!(show.contains("Red \\u{1B}[31malert\\u{202E}x"), "{show}");
    assert!(show.contains("bell\\u{7}\\u{D}over"), "{show}");
}

#[test]
fn names_and_claims_refuse_bidi_controls_and_invisible_text() {
    let env = Env::new();
    common::seed_bridge(&env, &[]);
    refused(
        &env,
        &["source", "add", "Kremlin\u{202E}nilmerK"],
        "bidirectional control",
    );
    refused(
        &env,
        &[
            "source",
            "add",
            "Анкара",
            "--alias",
            "\u{2067}Ankara\u{2069}",
        ],
        "bidirectional control",
    );
    refused(
        &env,
        &["claim", "add", "Цена \u{202E}0001 рублей"],
        "bidirectional control",
    );
    refused(
        &env,
        &["claim", "add", "\u{200B}\u{200C}\u{200D}\u{2060}"],
        "only invisible characters",
    );
    refused(
        &env,
        &["source", "add", "\u{FEFF}\u{200B}"],
        "only invisible characters",
    );
    refused(
        &env,
        &["claim", "add", "Обычный текст", "--tag", "\u{200B}"],
        "only invisible characters",
    );
    refused(
        &env,
        &["source", "add", "İki\nsatır"],
        "a source name is one line",
    );
}

#[test]
fn user_names_are_one_line() {
    let env = Env::new();
    common::seed_bridge(&env, &[]);
    for user in [
        "desk\n2026-01-01 mallory",
        "tab\there",
        "rlo\u{202E}x",
        "\u{200B}",
    ] {
        let before = env.snapshot();
        let err = env.fails(
            USAGE,
            &["--user", user, "claim", "add", "Новое утверждение"],
        );
        assert!(err.contains("user name"), "{user:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(env.snapshot(), before);
    }
    // A new database is not even created under such a name.
    let fresh = Env::new();
    fresh.fails(USAGE, &["--user", "a\nb", "init"]);
    assert!(!fresh.db.exists());
}

#[test]
fn urls_are_web_addresses() {
    let env = Env::new();
    let id = common::seed_bridge(&env, &[]);
    for bad in [
        "javascript:alert(document.cookie)",
        "JAVASCRIPT://%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://files.example/report.pdf",
        "vbscript:msgbox",
    ] {
        refused(&env, &["evidence", "add", &id, bad], "http or https");
        refused(
            &env,
            &["mark", &id, "false", "--evidence", bad],
            "http or https",
        );
        refused(
            &env,
            &["source", "add", "Источник", "--url", bad],
            "http or https",
        );
        refused(&env, &["article", "add", bad], "http or https");
    }
    refused(&env, &["evidence", "add", &id, "https://"], "no host");
    refused(
        &env,
        &["evidence", "add", &id, "https://exa mple.org/a b"],
        "space",
    );
    // The ClaimReview base URL too, before anything is written.
    env.ok(&["mark", &id, "false"]);
    let err = env.fails(
        USAGE,
        &[
            "export",
            "--format",
            "claimreview",
            "--url-base",
            "javascript:alert(1)//",
        ],
    );
    assert!(err.contains("http or https"), "{err}");
    let v = env.ok(&[
        "export",
        "--format",
        "claimreview",
        "--url-base",
        "https://факты.example/reviews/",
    ]);
    assert!(v.contains("https://факты.example/reviews/"), "{v}");
    // Web addresses of either case are accepted.
    env.ok(&[
        "evidence",
        "add",
        &id,
        "HTTPS://Evidence.Example/Доклад.pdf",
    ]);
}

#[test]
fn claimreview_publishes_only_web_addresses() {
    // An article URL stored before URLs were checked is left out of the published JSON-LD.
    let env = Env::new();
    let id = common::seed_bridge(&env, &[]);
    env.ok(&["mark", &id, "false"]);
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.execute("UPDATE articles SET url = 'javascript:alert(1)'", [])
        .unwrap();
    drop(conn);
    let out = env.ok(&["export", "--format", "claimreview"]);
    assert!(!out.contains("javascript:"), "{out}");
}
