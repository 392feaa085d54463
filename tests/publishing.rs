//! Publishing: ClaimReview as the desk presents itself, export filters, CSV for Excel, the
//! manual page and the exit codes in `--help`.

mod common;

use common::Env;
use serde_json::Value;

/// Four claims: two false (one tagged), one verified, one still unverified.
fn desk() -> Env {
    let env = Env::new();
    let add = |text: &str, extra: &[&str]| {
        let mut args = vec!["claim", "add", text, "--speaker", "Дмитрий Песков"];
        args.extend_from_slice(extra);
        env.ok(&args);
    };
    add(
        "Западные санкции не повлияли на экономику",
        &[
            "--status",
            "false",
            "--note",
            "ВВП упал",
            "--tag",
            "санкции",
        ],
    );
    add(
        "الاقتصاد نما بنسبة ٥٪",
        &["--status", "false", "--tag", "economy"],
    );
    add(
        "İstanbul'da 3 milyon kişi yaşıyor",
        &["--status", "verified"],
    );
    add("The bridge will open in May 🌉", &[]);
    env
}

fn claimreview(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["export", "--format", "claimreview"];
    all.extend_from_slice(args);
    let out = env.ok(&all);
    serde_json::from_str::<Vec<Value>>(&out).expect("a JSON array")
}

#[test]
fn help_lists_the_exit_codes() {
    let env = Env::new();
    let help = env.ok(&["--help"]);
    for line in [
        "Exit codes:",
        "  2  usage or invalid input",
        "  5  the remote",
    ] {
        assert!(help.contains(line), "--help lacks {line:?}:\n{help}");
    }
}

#[test]
fn the_manual_page_is_generated_from_the_commands() {
    let env = Env::new();
    let page = env.ok(&["man"]);
    assert!(page.contains(".TH claimdb 1"), "{page}");
    assert!(page.contains("Exit codes:"), "{page}");
    assert!(page.contains("export"), "{page}");

    let dir = env.path("man");
    env.ok(&["man", "--dir", dir.to_str().unwrap()]);
    let export = std::fs::read_to_string(dir.join("claimdb-export.1")).expect("export page");
    assert!(export.contains(".TH claimdb-export 1"), "{export}");
    for flag in ["excel", "publisher\\-url", "since"] {
        assert!(export.contains(flag), "export page lacks {flag}:\n{export}");
    }
    assert!(dir.join("claimdb.1").exists());
    assert!(dir.join("claimdb-source.1").exists());
}

#[test]
fn claimreview_presents_the_desk_from_flags() {
    let env = desk();
    let reviews = claimreview(
        &env,
        &[
            "--publisher",
            "Проверка фактов",
            "--publisher-url",
            "https://factcheck.example/",
            "--logo",
            "https://factcheck.example/logo.png",
            "--language",
            "ru",
            "--url-base",
            "https://factcheck.example/reviews/",
        ],
    );
    assert_eq!(reviews.len(), 3, "the three verdicts: {reviews:#?}");
    for r in &reviews {
        assert_eq!(r["author"]["name"], "Проверка фактов");
        assert_eq!(r["author"]["url"], "https://factcheck.example/");
        assert_eq!(r["author"]["logo"]["@type"], "ImageObject");
        assert_eq!(
            r["author"]["logo"]["url"],
            "https://factcheck.example/logo.png"
        );
        assert_eq!(r["inLanguage"], "ru");
        assert!(
            r["url"]
                .as_str()
                .unwrap()
                .starts_with("https://factcheck.example/reviews/")
        );
    }
}

#[test]
fn claimreview_warns_of_placeholder_urls_only_when_there_are_some() {
    let env = desk();
    let out = env
        .cmd()
        .args(["export", "--format", "claimreview"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: 3 reviews still have a urn:uuid: placeholder URL"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");

    let file = env.path("reviews.json");
    let v = env.json(&[
        "export",
        "--format",
        "claimreview",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(v["placeholder_urls"].as_array().unwrap().len(), 3, "{v}");

    let out = env
        .cmd()
        .args([
            "export",
            "--format",
            "claimreview",
            "--url-base",
            "https://x.example/r/",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "no warning with a URL base"
    );
}

#[test]
fn claimreview_takes_the_desk_and_its_rating_scale_from_the_config_file() {
    let env = desk();
    std::fs::write(
        env.path("config.toml"),
        r#"publisher = "Teyit Masası"

[claimreview]
publisher_url = "https://teyit.example/"
logo = "https://teyit.example/logo.svg"
language = "tr"
url_base = "https://teyit.example/r/"

[claimreview.scale]
best = 3
worst = 0

[claimreview.scale.ratings]
false = { name = "Yanlış", value = 0 }
"#,
    )
    .unwrap();
    // A scale missing statuses is refused in one line, and nothing is written.
    let file = env.path("out.json");
    let err = env.fails(
        2,
        &[
            "export",
            "--format",
            "claimreview",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("[claimreview.scale]: no rating for verified, mostly-true"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!file.exists(), "nothing written on a bad scale");

    let scale = r#"publisher = "Teyit Masası"

[claimreview]
publisher_url = "https://teyit.example/"
logo = "https://teyit.example/logo.svg"
language = "tr"
url_base = "https://teyit.example/r/"

[claimreview.scale]
best = 3
worst = 0

[claimreview.scale.ratings]
verified = { name = "Doğru", value = 3 }
mostly-true = { name = "Çoğunlukla doğru", value = 2 }
mixed = { name = "Karışık", value = 1 }
misleading = { name = "Yanıltıcı", value = 1 }
false = { name = "Yanlış", value = 0 }
unverifiable = { name = "Doğrulanamadı" }
"#;
    std::fs::write(env.path("config.toml"), scale).unwrap();
    let reviews = claimreview(&env, &[]);
    assert_eq!(reviews.len(), 3);
    let by_name = |n: &str| {
        reviews
            .iter()
            .find(|r| r["reviewRating"]["alternateName"] == n)
            .unwrap_or_else(|| panic!("no review rated {n}: {reviews:#?}"))
    };
    let yanlis = by_name("Yanlış");
    assert_eq!(yanlis["reviewRating"]["ratingValue"], 0);
    assert_eq!(yanlis["reviewRating"]["bestRating"], 3);
    assert_eq!(yanlis["reviewRating"]["worstRating"], 0);
    assert_eq!(by_name("Doğru")["reviewRating"]["ratingValue"], 3);
    assert_eq!(yanlis["author"]["name"], "Teyit Masası");
    assert_eq!(yanlis["author"]["url"], "https://teyit.example/");
    assert_eq!(yanlis["inLanguage"], "tr");
    // Flags win over the config file.
    let reviews = claimreview(&env, &["--language", "en"]);
    assert!(reviews.iter().all(|r| r["inLanguage"] == "en"));

    let out_of_range = scale.replace("value = 0 }", "value = 7 }");
    std::fs::write(env.path("config.toml"), out_of_range).unwrap();
    let err = env.fails(2, &["export", "--format", "claimreview"]);
    assert!(err.contains("false has value 7, outside 0..3"), "{err}");

    let workflow = scale.replace(
        "unverifiable = {",
        "in-progress = { name = \"x\" }\nunverifiable = {",
    );
    std::fs::write(env.path("config.toml"), workflow).unwrap();
    let err = env.fails(2, &["export", "--format", "claimreview"]);
    assert!(err.contains("'in-progress' is a workflow state"), "{err}");
}

#[test]
fn every_export_format_takes_the_filters() {
    let env = desk();
    let live = env.json(&["claim", "list"])["claims"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(live, 4);

    // claimdb JSON: the false claims with their speaker and verdicts, importable alone.
    let out = env.ok(&["export", "--format", "json", "--status", "false"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let records = doc["records"].as_array().unwrap();
    let claims: Vec<&Value> = records.iter().filter(|r| r["type"] == "claim").collect();
    assert_eq!(claims.len(), 2, "{out}");
    assert!(claims.iter().all(|c| c["status"] == "false"));
    let sources = records.iter().filter(|r| r["type"] == "source").count();
    assert_eq!(sources, 1, "the speaker comes along: {out}");
    let part = env.path("part.json");
    std::fs::write(&part, &out).unwrap();
    let other = Env::new();
    other.ok(&["import", part.to_str().unwrap()]);
    assert_eq!(
        other.json(&["claim", "list"])["claims"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // JSON Lines with a tag.
    let out = env.ok(&["export", "--format", "jsonl", "--tag", "санкции"]);
    let claims = out
        .lines()
        .filter(|l| l.contains("\"type\":\"claim\""))
        .count();
    assert_eq!(claims, 1, "{out}");

    // CSV: status and tag together.
    let out = env.ok(&[
        "export", "--format", "csv", "--status", "false", "--tag", "economy",
    ]);
    assert_eq!(out.lines().count(), 2, "header and one row: {out}");
    assert!(out.contains("الاقتصاد"), "{out}");

    // ClaimReview: repeatable statuses.
    let reviews = claimreview(&env, &["--status", "verified", "--status", "false"]);
    assert_eq!(reviews.len(), 3);
    let reviews = claimreview(&env, &["--status", "verified"]);
    assert_eq!(reviews.len(), 1);

    // Since: every claim was logged today, none tomorrow.
    let today = chrono::Utc::now().date_naive();
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    let out = env.ok(&["export", "--format", "csv", "--since", &today.to_string()]);
    assert_eq!(out.lines().count(), 5, "{out}");
    let out = env.ok(&["export", "--format", "csv", "--since", &tomorrow]);
    assert_eq!(out.lines().count(), 1, "only the header: {out}");

    // Bad filters are refused in one line.
    let err = env.fails(2, &["export", "--status", "bogus"]);
    assert!(err.contains("unknown status 'bogus'"), "{err}");
    let err = env.fails(2, &["export", "--since", "last week"]);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn csv_for_excel_has_a_bom_and_crlf_and_imports_back() {
    let env = desk();
    let file = env.path("claims.csv");
    env.ok(&[
        "export",
        "--format",
        "csv",
        "--excel",
        "-o",
        file.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        bytes.starts_with("\u{FEFF}id,text,".as_bytes()),
        "BOM first"
    );
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines.iter().all(|l| l.ends_with("\r\n")), "CRLF: {text:?}");
    for words in ["Западные санкции", "الاقتصاد نما", "İstanbul'da", "🌉"]
    {
        assert!(text.contains(words), "{words} in {text}");
    }
    // Without --excel: no BOM, LF only.
    let plain = env.ok(&["export", "--format", "csv"]);
    assert!(!plain.starts_with('\u{FEFF}') && !plain.contains('\r'));

    // The file Excel gets imports back whole.
    let other = Env::new();
    other.ok(&["import", file.to_str().unwrap()]);
    let theirs: Vec<String> = other.json(&["claim", "list"])["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(theirs.len(), 4);
    assert!(
        theirs
            .iter()
            .any(|t| t == "Западные санкции не повлияли на экономику")
    );
    assert!(
        !theirs
            .iter()
            .any(|t| t.contains('\u{FEFF}') || t.contains('\r'))
    );
}
