//! Names and search in Cyrillic, Turkish (dotted and dotless i), Arabic and emoji.

mod common;

use common::Env;
use common::contract::{Claim, Claims, Search, Source};

#[test]
fn names_match_case_insensitively_and_through_aliases_in_any_script() {
    let env = Env::new();
    let s: Source = env.typed(&[
        "source",
        "add",
        "Анатолий Антонов",
        "--alias",
        "Антонов",
        "--alias",
        "Anatoly Antonov",
    ]);
    assert_eq!(s.aliases, ["Anatoly Antonov", "Антонов"]);
    for spelling in [
        "антонов",
        "АНТОНОВ",
        "анатолий   антонов",
        "ANATOLY ANTONOV",
        &s.short_id,
    ] {
        let shown: Source = env.typed(&["source", "show", spelling]);
        assert_eq!(shown.id, s.id, "lookup by {spelling:?}");
    }
    env.ok(&[
        "source",
        "add",
        "Recep Tayyip Erdoğan",
        "--alias",
        "ERDOĞAN",
    ]);
    env.ok(&["source", "add", "İlker Işık"]);
    for spelling in ["erdoğan", "Erdoğan", "RECEP TAYYIP ERDOĞAN"] {
        let shown: Source = env.typed(&["source", "show", spelling]);
        assert_eq!(shown.name, "Recep Tayyip Erdoğan");
    }
    for spelling in ["ilker işık", "İLKER IŞIK", "ılker ışık", "ILKER IŞIK"] {
        let shown: Source = env.typed(&["source", "show", spelling]);
        assert_eq!(shown.name, "İlker Işık", "lookup by {spelling:?}");
    }
    env.ok(&["source", "add", "قناة الجزيرة", "--kind", "outlet"]);
    env.ok(&["source", "add", "🦊 Fox Desk", "--kind", "outlet"]);
    let shown: Source = env.typed(&["source", "show", "🦊 fox desk"]);
    assert_eq!(shown.kind, "outlet");

    // A speaker given by alias is the same source, not a new one.
    let c: Claim = env.typed(&[
        "claim",
        "add",
        "Много работы в Москве",
        "--speaker",
        "антонов",
        "--via",
        "قناة الجزيرة",
    ]);
    assert_eq!(c.speaker.unwrap().name, "Анатолий Антонов");
    assert_eq!(c.appearances[0].via.as_ref().unwrap().name, "قناة الجزيرة");
    let by: Claims = env.typed(&["claim", "list", "--speaker", "ANATOLY ANTONOV"]);
    assert_eq!(by.claims.len(), 1);
    let sources: common::contract::Sources = env.typed(&["source", "list"]);
    assert_eq!(sources.sources.len(), 5);

    // More aliases later, in another script; searchable and usable at once.
    let s: Source = env.typed(&[
        "source",
        "alias",
        "антонов",
        "Антонов А.И.",
        "Ambassador Antonov",
    ]);
    assert!(s.aliases.contains(&"Ambassador Antonov".to_string()));
    let shown: Source = env.typed(&["source", "show", "ambassador antonov"]);
    assert_eq!(shown.name, "Анатолий Антонов");
    let hits: Search = env.typed(&["search", "ambassador"]);
    assert_eq!(hits.hits.len(), 1, "the claim is found by the new alias");
    let err = env.fails(2, &["source", "alias", "антонов", "ERDOĞAN"]);
    assert!(err.contains("already names another source"), "{err}");
}

#[test]
fn tags_fold_turkish_capitals() {
    let env = Env::new();
    env.ok(&[
        "claim",
        "add",
        "Liman yenilendi",
        "--tag",
        "LİMAN",
        "--tag",
        "IŞIK",
    ]);
    let c: Claims = env.typed(&["claim", "list", "--tag", "liman"]);
    assert_eq!(c.claims.len(), 1);
    assert_eq!(c.claims[0].tags, ["işik", "liman"]);
}

#[test]
fn search_is_unicode_aware_and_highlights() {
    let env = Env::new();
    env.ok(&[
        "claim",
        "add",
        "Самолёт с послом приземлился в Москве",
        "--speaker",
        "РИА Новости",
    ]);
    env.ok(&[
        "claim",
        "add",
        "İstanbul'un feribotları Avrupa'nın en temizi olacak",
        "--speaker",
        "Işıl Kaya",
    ]);
    env.ok(&[
        "claim",
        "add",
        "Each boat cost 4.2 million euros 🚢 according to the yard",
        "--speaker",
        "Алексей Смирнов",
    ]);
    env.ok(&[
        "claim",
        "add",
        "التضخم انخفض إلى ثلاثة في المئة",
        "--speaker",
        "البنك المركزي",
    ]);

    let hits = |q: &str| -> Search { env.typed(&["search", q]) };
    // Cyrillic, any case; prefixes match word starts.
    let r = hits("МОСКВЕ");
    assert_eq!(r.hits.len(), 1);
    assert!(
        r.hits[0].snippet.contains("**Москве**"),
        "{}",
        r.hits[0].snippet
    );
    assert_eq!(hits("самолёт").hits.len(), 1);
    assert_eq!(hits("посл").hits.len(), 1);
    // Turkish dotted capital İ and diacritics.
    assert_eq!(hits("istanbul").hits.len(), 1);
    assert_eq!(hits("feribotlari").hits.len(), 1);
    // By speaker name.
    assert_eq!(hits("смирнов").hits.len(), 1);
    // Arabic.
    assert_eq!(hits("التضخم").hits.len(), 1);
    // Emoji next to words does not hide the words, and survives in the snippet.
    let r = hits("euros");
    assert_eq!(r.hits.len(), 1);
    assert!(r.hits[0].snippet.contains('🚢'), "{}", r.hits[0].snippet);
    // Quotes in the query are not FTS syntax errors.
    assert_eq!(hits("\"boat").hits.len(), 1);
    assert_eq!(hits("nothing-like-this").hits.len(), 0);
}
