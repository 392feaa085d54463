//! `claimdb similar` and "checked before" with the real binary on a real database: matching
//! across rewording, word order, case, accents and number words in English, Russian, Turkish
//! and Arabic; deleted claims left out; the index right after edits, sync and rebuild; and
//! the precision of the matching on the labelled pairs in tests/fixtures/similar/.

mod common;

use common::Env;
use common::server::Server;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Similar {
    query: serde_json::Value,
    similar: Vec<Hit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hit {
    id: String,
    short_id: String,
    score: f64,
    text: String,
    speaker: Option<String>,
    status: String,
    verdicts: Vec<Verdict>,
    reviews: Vec<common::contract::Review>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Verdict {
    id: String,
    status: String,
    author: String,
    note: Option<String>,
}

fn add(env: &Env, text: &str, extra: &[&str]) -> String {
    let mut args = vec!["claim", "add", text];
    args.extend_from_slice(extra);
    env.json(&args)["id"].as_str().unwrap().to_string()
}

fn similar(env: &Env, args: &[&str]) -> Similar {
    let mut all = vec!["similar"];
    all.extend_from_slice(args);
    env.typed(&all)
}

/// The desk used by most tests: one claim per language, each with a near-miss.
fn desk(env: &Env) -> Vec<String> {
    [
        (
            "The government spent 3,000,000 dollars on a new presidential jet",
            "Ministry of Finance",
        ),
        (
            "The government spent 30 million dollars on a new stadium",
            "Ministry of Finance",
        ),
        (
            "Правительство потратило три миллиона долларов на новый самолёт президента",
            "Дмитрий Песков",
        ),
        ("В Донецке при обстреле убиты пять мирных жителей", "ТАСС"),
        ("Depremde İzmir'de yüz on yedi kişi öldürüldü", "AFAD"),
        ("Ankara'da iki bin ağaç kesildi", "Ankara Büyükşehir"),
        (
            "أنفقت الحكومة ثلاثة ملايين دولار على طائرة رئاسية جديدة",
            "وزارة المالية",
        ),
        ("لقاح كورونا يسبب العقم عند النساء 🧪", "منشور على فيسبوك"),
    ]
    .iter()
    .map(|(t, s)| add(env, t, &["--speaker", s]))
    .collect()
}

#[test]
fn similar_by_text_survives_rewording_order_case_accents_and_number_words() {
    let env = Env::new();
    let ids = desk(&env);
    env.ok(&[
        "mark",
        &ids[0],
        "false",
        "--note",
        "the jet cost 300 million",
    ]);
    // English: number words for digits, another order, other case.
    let r = similar(
        &env,
        &["A NEW JET for the President: the government spent three million dollars"],
    );
    assert_eq!(r.similar[0].id, ids[0], "{r:?}");
    assert!(r.similar[0].score > 0.6, "{r:?}");
    assert_eq!(r.similar[0].status, "false");
    assert_eq!(r.similar[0].verdicts.len(), 1);
    assert_eq!(r.similar[0].verdicts[0].status, "false");
    assert_eq!(r.similar[0].verdicts[0].author, "tester");
    assert_eq!(r.similar[0].speaker.as_deref(), Some("Ministry of Finance"));
    assert!(
        r.similar[0]
            .text
            .starts_with("The government spent 3,000,000")
    );
    assert_eq!(r.similar[0].verdicts[0].id.len(), 36);
    assert!(r.similar[0].short_id.len() >= 8 && ids[0].starts_with(&r.similar[0].short_id));
    assert_eq!(
        r.query["text"],
        "A NEW JET for the President: the government spent three million dollars"
    );
    // The near-miss with another number ranks below.
    let near = r.similar.iter().find(|h| h.id == ids[1]).map(|h| h.score);
    assert!(near.is_none_or(|s| s < r.similar[0].score), "{r:?}");
    // Russian: digits and "млн" for words; endings (убиты/убито); ё/е.
    let r = similar(
        &env,
        &["На новый самолет президента правительство потратило 3 млн долларов"],
    );
    assert_eq!(r.similar[0].id, ids[2], "{r:?}");
    let r = similar(&env, &["Пять мирных жителей убито при обстреле Донецка"]);
    assert_eq!(r.similar[0].id, ids[3], "{r:?}");
    // Turkish: İ/ı and case, digits for words, suffixes (öldürüldü/öldürülen).
    let r = similar(&env, &["İZMİR DEPREMİNDE ÖLDÜRÜLEN KİŞİ SAYISI 117"]);
    assert_eq!(r.similar[0].id, ids[4], "{r:?}");
    let r = similar(&env, &["Ankara'da 2000 ağaç kesildi"]);
    assert_eq!(r.similar[0].id, ids[5], "{r:?}");
    assert!(r.similar[0].score > 0.99, "{r:?}");
    // Arabic: Eastern Arabic digits, the article, word order, vowel marks.
    let r = similar(
        &env,
        &["الحكومة أنفقت ٣ ملايين دولار على الطائرة الرئاسية الجديدة"],
    );
    assert_eq!(r.similar[0].id, ids[6], "{r:?}");
    let r = similar(&env, &["العُقم عند النساء يسببه لقاح كورونا"]);
    assert_eq!(r.similar[0].id, ids[7], "{r:?}");
    // Scores fall from best to worst and stay in 0..=1.
    for w in r.similar.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
    assert!(r.similar.iter().all(|h| (0.0..=1.0).contains(&h.score)));
}

#[test]
fn similar_by_id_leaves_the_claim_out_and_takes_a_prefix() {
    let env = Env::new();
    let ids = desk(&env);
    let twin = add(
        &env,
        "Three million dollars were spent by the government on the president's new jet",
        &[],
    );
    let r = similar(&env, &[&ids[0][..8], "--limit", "3"]);
    assert_eq!(r.query["claim"], ids[0][..8]);
    assert!(r.similar.iter().all(|h| h.id != ids[0]), "{r:?}");
    assert_eq!(r.similar[0].id, twin, "{r:?}");
    assert!(r.similar.len() <= 3);
    // The human listing: score, short id, status, text, speaker.
    let out = env.ok(&["similar", &ids[0]]);
    let first = out.lines().next().unwrap();
    assert!(
        first.contains(&twin[..8]) && first.contains("[unverified]"),
        "{out}"
    );
    // --min-score keeps only close matches.
    let r = similar(&env, &[&ids[0], "--min-score", "0.99"]);
    assert!(r.similar.iter().all(|h| h.score >= 0.99), "{r:?}");
}

#[test]
fn deleted_claims_are_not_found_and_restored_ones_are() {
    let env = Env::new();
    let ids = desk(&env);
    let q = "Ankara'da iki bin ağaç kesildi";
    assert_eq!(similar(&env, &[q]).similar[0].id, ids[5]);
    env.ok(&["claim", "rm", &ids[5]]);
    assert!(similar(&env, &[q]).similar.iter().all(|h| h.id != ids[5]));
    env.ok(&["claim", "restore", &ids[5]]);
    assert_eq!(similar(&env, &[q]).similar[0].id, ids[5]);
    // An edited text is matched by its new words, not its old ones.
    env.ok(&[
        "claim",
        "edit",
        &ids[5],
        "--text",
        "İzmir'de beş bin fidan dikildi",
    ]);
    assert!(similar(&env, &[q]).similar.iter().all(|h| h.id != ids[5]));
    assert_eq!(
        similar(&env, &["5000 fidan dikildi İzmir'de"]).similar[0].id,
        ids[5]
    );
    // The index is a fold of the log: rebuilding it gives the same rows.
    let check = env.json(&["check"]);
    assert_eq!(
        check["rebuild_differences"],
        serde_json::json!([]),
        "{check}"
    );
}

#[test]
fn bad_queries_are_refused_in_one_line() {
    let env = Env::new();
    desk(&env);
    let before = env.snapshot();
    let err = env.fails(2, &["similar", "   "]);
    assert!(err.contains("give a claim id or a text"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let err = env.fails(3, &["similar", "0123456789abcdef"]);
    assert!(
        err.contains("no claim has the id '0123456789abcdef'"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let err = env.fails(2, &["similar", "x", "--min-score", "2"]);
    assert!(err.contains("--min-score must be from 0 to 1"), "{err}");
    // A hex-looking word that is no claim's id is a text; --text forces it.
    let r = similar(&env, &["added"]);
    assert_eq!(r.query["text"], "added");
    let r = similar(&env, &["--text", "0123456789abcdef"]);
    assert!(r.similar.is_empty());
    assert_eq!(env.snapshot(), before);
}

#[test]
fn claim_add_tells_what_was_checked_before_and_still_logs() {
    let env = Env::new();
    let ids = desk(&env);
    env.ok(&["mark", &ids[2], "false"]);
    let out = env
        .cmd()
        .args([
            "--json",
            "claim",
            "add",
            "Правительство потратило 3 млн долларов на новый президентский самолёт",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("checked before? this claim is like:"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&ids[2][..8]) && stderr.contains("[false]"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let before: Vec<Hit> = serde_json::from_value(v["checked_before"].clone()).unwrap();
    assert_eq!(before[0].id, ids[2]);
    assert_eq!(before[0].status, "false");
    assert!(before.iter().all(|h| h.score >= 0.6));
    // It informs and does not block: the claim is logged.
    let new = v["id"].as_str().unwrap();
    assert_ne!(new, ids[2]);
    env.ok(&["claim", "show", new]);
    // Nothing like it: no notice, an empty list.
    let out = env
        .cmd()
        .args(["--json", "claim", "add", "Bees can recognise human faces"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["checked_before"], serde_json::json!([]));
}

#[test]
fn extract_accept_tells_what_was_checked_before() {
    let env = Env::new();
    let old = add(
        &env,
        "Prices will fall next year",
        &["--speaker", "Jane Doe"],
    );
    let text = "Markets were calm. \"Prices will fall next year,\" Jane Doe said on Monday.";
    let file = env.path("a.txt");
    std::fs::write(&file, text).unwrap();
    let url = "https://news.example/prices";
    env.ok(&["article", "add", url, "--text-file", file.to_str().unwrap()]);
    let out = env
        .cmd()
        .args(["--json", "extract", url, "--accept", "all"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("checked before? candidate 1 is like:"),
        "{stderr}"
    );
    assert!(stderr.contains(&old[..8]), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let logged = &v["claims"][0];
    assert!(logged["id"].is_string(), "{v}");
    assert_eq!(logged["checked_before"][0]["id"], old.as_str(), "{v}");
}

#[test]
fn a_claim_pulled_from_a_teammate_is_found() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    let bob = server.join("bob", "writer");
    let id = add(
        &alice,
        "Вакцина от COVID-19 вызывает бесплодие у женщин",
        &[],
    );
    alice.ok(&["mark", &id, "false", "--note", "нет данных"]);
    alice.ok(&["sync"]);
    bob.ok(&["sync"]);
    let r = similar(&bob, &["У женщин бесплодие вызывает вакцина от COVID-19"]);
    assert_eq!(r.similar[0].id, id, "{r:?}");
    assert_eq!(r.similar[0].status, "false");
    assert_eq!(r.similar[0].verdicts[0].author, "alice");
    assert_eq!(r.similar[0].verdicts[0].note.as_deref(), Some("нет данных"));
    // A deletion synced the other way takes it out of Alice's answers too.
    bob.ok(&["claim", "rm", &id]);
    bob.ok(&["sync"]);
    alice.ok(&["sync"]);
    let r = similar(&alice, &["У женщин бесплодие вызывает вакцина от COVID-19"]);
    assert!(r.similar.iter().all(|h| h.id != id), "{r:?}");
    for env in [&alice, &bob] {
        let check = env.json(&["check"]);
        assert_eq!(
            check["rebuild_differences"],
            serde_json::json!([]),
            "{check}"
        );
    }
}

#[derive(Debug, Deserialize)]
struct Report {
    queries: usize,
    pairs: usize,
    threshold: f64,
    precision_at_5: f64,
    recall_at_5: f64,
    top_1: f64,
    by_language: Vec<Lang>,
}

#[derive(Debug, Deserialize)]
struct Lang {
    lang: String,
    recall_at_5: f64,
}

#[test]
fn precision_and_recall_on_the_labelled_pairs_stay_above_their_floors() {
    let env = Env::new();
    let file = common::fixture("similar/pairs.jsonl");
    let r: Report = env.typed(&["similar", "--eval", file.to_str().unwrap()]);
    assert!(r.pairs >= 120 && r.queries >= 60, "{r:?}");
    assert_eq!(r.threshold, 0.6);
    let langs: Vec<&str> = r.by_language.iter().map(|l| l.lang.as_str()).collect();
    assert_eq!(langs, ["ar", "en", "ru", "tr"]);
    // Floors a little under the measured figures (docs/similar.md): a change to the text
    // rules that loses matches fails here.
    assert!(r.precision_at_5 >= 0.5, "{r:?}");
    assert!(r.recall_at_5 >= 0.85, "{r:?}");
    assert!(r.top_1 >= 0.45, "{r:?}");
    assert!(r.by_language.iter().all(|l| l.recall_at_5 >= 0.75), "{r:?}");
    // The eval does not touch the user's database.
    assert!(!env.db.exists());
}

#[test]
fn imported_fact_checks_are_found_with_their_reviews() {
    let env = Env::new();
    let feed = env.path("feed.json");
    std::fs::write(
        &feed,
        r#"{"claims": [{"text": "Власти закрыли все школы в Казани на месяц",
             "claimant": "Новости Поволжья",
             "claimReview": [{"publisher": {"name": "Проверено"},
                              "url": "https://provereno.example/kazan-schools",
                              "reviewDate": "2025-02-16T00:00:00Z",
                              "textualRating": "False"}]}]}"#,
    )
    .unwrap();
    env.ok(&["import", feed.to_str().unwrap()]);
    let found = similar(&env, &["на месяц в Казани закрыли все школы"]);
    let hit = found.similar.first().expect("the imported claim is found");
    assert_eq!(hit.text, "Власти закрыли все школы в Казани на месяц");
    assert_eq!(
        hit.status, "unverified",
        "a review is not the desk's verdict"
    );
    assert_eq!(hit.reviews.len(), 1, "{hit:?}");
    assert_eq!(hit.reviews[0].publisher.as_deref(), Some("Проверено"));
    assert_eq!(hit.reviews[0].rating_status.as_deref(), Some("false"));

    let text = env.ok(&["similar", "на месяц в Казани закрыли все школы"]);
    assert!(text.contains("reviewed elsewhere: Проверено"), "{text}");
    // Logging it again tells the user it was checked elsewhere.
    let out = env
        .cmd()
        .args(["claim", "add", "Все школы в Казани закрыты на месяц"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("checked before?"), "{stderr}");
    assert!(stderr.contains("reviewed elsewhere: Проверено"), "{stderr}");
}
