//! The extraction rules, one construct at a time, on short texts written for these tests.

use claimdb::extract::{Candidate, Context, Kind, KnownName, extract};

fn run(text: &str) -> Vec<Candidate> {
    extract(text, &Context::default())
}

fn run_in(text: &str, outlet: &str) -> Vec<Candidate> {
    extract(
        text,
        &Context {
            outlet: Some(outlet.to_string()),
            known: Vec::new(),
        },
    )
}

/// The candidate whose quote contains `needle`.
fn find<'a>(cands: &'a [Candidate], needle: &str) -> &'a Candidate {
    cands
        .iter()
        .find(|c| c.quote.contains(needle))
        .unwrap_or_else(|| panic!("no candidate quotes {needle:?}; got {cands:#?}"))
}

fn check(c: &Candidate, quote: &str, speaker: Option<&str>, via: Option<&str>, kind: Kind) {
    assert_eq!(c.quote, quote, "quote of {c:?}");
    assert_eq!(c.speaker.as_deref(), speaker, "speaker of {c:?}");
    assert_eq!(c.via.as_deref(), via, "via of {c:?}");
    assert_eq!(c.kind, kind, "kind of {c:?}");
}

#[test]
fn offsets_are_characters_and_the_quote_is_that_slice() {
    let text = "Ölçüm 🚢 — «Цены вырастут»: \"Prices will rise by May,\" Ayşe Yılmaz said.";
    let cands = run(text);
    let c = find(&cands, "Prices will rise");
    let chars: Vec<char> = text.chars().collect();
    let slice: String = chars[c.start as usize..c.end as usize].iter().collect();
    assert_eq!(slice, c.quote);
    assert_eq!(c.speaker.as_deref(), Some("Ayşe Yılmaz"));
}

#[test]
fn direct_quotes_with_the_speaker_after_before_and_inside() {
    let text = "Mayor Jane Holt spoke at the harbour on Monday.\n\n\
\"The ferry will run every hour from June,\" Holt said.\n\n\
Transport chief Omar Reyes said: \"We have ordered two new boats.\"\n\n\
\"The council,\" he said, \"should have acted years ago.\"";
    let cands = run(text);
    check(
        find(&cands, "ferry will run"),
        "The ferry will run every hour from June",
        Some("Jane Holt"),
        None,
        Kind::Direct,
    );
    check(
        find(&cands, "two new boats"),
        "We have ordered two new boats.",
        Some("Omar Reyes"),
        None,
        Kind::Direct,
    );
    let broken = find(&cands, "should have acted");
    assert_eq!(broken.speaker.as_deref(), Some("Omar Reyes"));
    assert_eq!(broken.quote, "should have acted years ago.");
}

#[test]
fn curly_and_guillemet_marks_and_a_quote_over_two_paragraphs() {
    let text = "Coach Lena Berg looked back on the season.\n\n\
“We lost four games in a row in March and nobody outside this room believed in us.\n\n\
“Then the young players took over and we won the cup,” Berg said.\n\n\
«Nous avons gagné la coupe avec des jeunes», a déclaré l'entraîneur. The captain, Tom Ek, said «the title belongs to the fans».";
    let cands = run(text);
    let first = find(&cands, "We lost four games");
    assert_eq!(first.speaker.as_deref(), Some("Lena Berg"));
    assert_eq!(first.kind, Kind::Direct);
    let second = find(&cands, "young players took over");
    assert_eq!(second.speaker.as_deref(), Some("Lena Berg"));
    assert_ne!(first.start, second.start, "one candidate a paragraph");
    let g = find(&cands, "title belongs to the fans");
    assert_eq!(g.speaker.as_deref(), Some("Tom Ek"));
}

#[test]
fn a_quote_without_a_cue_continues_the_previous_speaker() {
    let text = "Farmer Ruth Adams said the drought had cost her half of the wheat crop.\n\n\
“We have never seen the river this low in forty years of farming here.”";
    let cands = run(text);
    let c = find(&cands, "never seen the river");
    assert_eq!(c.speaker.as_deref(), Some("Ruth Adams"));
    assert_eq!(c.cue, None);
}

#[test]
fn indirect_speech_with_and_without_that() {
    let text = "Finance Minister Karl Dorn said that the deficit would shrink next year. \
He warned the budget could not absorb another shock. \
Dorn also denied that taxes would rise.";
    let cands = run(text);
    check(
        find(&cands, "deficit would shrink"),
        "the deficit would shrink next year",
        Some("Karl Dorn"),
        None,
        Kind::Indirect,
    );
    check(
        find(&cands, "could not absorb"),
        "the budget could not absorb another shock",
        Some("Karl Dorn"),
        None,
        Kind::Indirect,
    );
    assert_eq!(
        find(&cands, "taxes would rise").speaker.as_deref(),
        Some("Karl Dorn")
    );
}

#[test]
fn credits_before_and_after_the_claim() {
    let text = "According to the Interfax news agency, the plant will close in May. \
The airline cut 400 jobs, according to Reuters. \
Exports fell by a third last year, per the Financial Times. \
According to a statement on the ministry's website, the dam is safe.";
    let cands = run(text);
    check(
        find(&cands, "plant will close"),
        "the plant will close in May",
        None,
        Some("Interfax"),
        Kind::Indirect,
    );
    check(
        find(&cands, "400 jobs"),
        "The airline cut 400 jobs",
        None,
        Some("Reuters"),
        Kind::Indirect,
    );
    assert_eq!(
        find(&cands, "Exports fell").via.as_deref(),
        Some("Financial Times")
    );
    let s = find(&cands, "dam is safe");
    assert_eq!(
        s.via.as_deref(),
        Some("statement on the ministry's website")
    );
}

#[test]
fn relays_quoted_as_saying_and_interviews() {
    let text = "Senator Paul Wren met voters in Ohio.\n\n\
Reuters quoted Wren as saying the bill would pass by July. \
Wren was quoted by the Associated Press as saying that farmers would be exempt. \
In an interview with NPR, Wren said the vote was close.";
    let cands = run(text);
    check(
        find(&cands, "bill would pass"),
        "the bill would pass by July",
        Some("Paul Wren"),
        Some("Reuters"),
        Kind::Indirect,
    );
    check(
        find(&cands, "farmers would be exempt"),
        "farmers would be exempt",
        Some("Paul Wren"),
        Some("Associated Press"),
        Kind::Indirect,
    );
    check(
        find(&cands, "vote was close"),
        "the vote was close",
        Some("Paul Wren"),
        Some("NPR"),
        Kind::Indirect,
    );
}

#[test]
fn told_an_outlet_is_a_relay_unless_it_published_the_article() {
    let text = "Dr. Mia Lund told the BBC that the vaccine was safe. \
She told Daily Herald reporters that trials would resume.";
    let cands = run_in(text, "Daily Herald");
    check(
        find(&cands, "vaccine was safe"),
        "the vaccine was safe",
        Some("Mia Lund"),
        Some("BBC"),
        Kind::Indirect,
    );
    let c = find(&cands, "trials would resume");
    assert_eq!(c.speaker.as_deref(), Some("Mia Lund"));
    assert_eq!(c.via, None, "told the publishing outlet itself");
}

#[test]
fn titles_and_pronouns_lead_back_to_names() {
    let text = "Russian Ambassador to France Ivan Petrov arrived in Paris. US President Ann Cole also spoke.\n\n\
\"Talks will continue,\" the ambassador said.\n\n\
The head of the White House said that sanctions would stay. \
Petrov said he would return in May. He assured that his French counterpart would \"pay\" for it.";
    let cands = run(text);
    assert_eq!(
        find(&cands, "Talks will continue").speaker.as_deref(),
        Some("Ivan Petrov")
    );
    assert_eq!(
        find(&cands, "sanctions would stay").speaker.as_deref(),
        Some("Ann Cole")
    );
    assert_eq!(
        find(&cands, "he would return").speaker.as_deref(),
        Some("Ivan Petrov")
    );
}

#[test]
fn groups_bodies_and_documents() {
    let text = "A new study by the Lakeside Institute found that rivers are warming. \
Experts say the trend will continue. \
The agency said it would publish its data. \
Eight out of ten anglers said that fish were smaller.";
    let cands = run(text);
    let s = find(&cands, "rivers are warming");
    assert_eq!(s.speaker, None);
    assert!(
        s.via.as_deref().is_some_and(|v| v.contains("study")),
        "{s:?}"
    );
    assert_eq!(
        find(&cands, "trend will continue").speaker.as_deref(),
        Some("experts")
    );
    let survey = find(&cands, "fish were smaller");
    assert_eq!(survey.speaker, None, "respondents speak through the study");
    assert!(survey.via.as_deref().is_some_and(|v| v.contains("study")));
}

#[test]
fn mixed_speech_keeps_its_quoted_fragments() {
    let text = "Judge Nora Vale said the contract was \"plainly void\" and ordered a retrial.";
    let cands = run(text);
    let c = find(&cands, "plainly void");
    assert_eq!(c.kind, Kind::Mixed);
    assert_eq!(c.speaker.as_deref(), Some("Nora Vale"));
    assert!(c.quote.starts_with("the contract was"), "{c:?}");
}

#[test]
fn unattributed_narrative_and_scare_quotes_are_not_claims() {
    let text = "The so-called \"reform\" took effect on Monday. Trains ran late across the region. \
The minister's \"temporary\" measures are now two years old.";
    assert!(run(text).is_empty(), "{:#?}", run(text));
}

#[test]
fn a_speaker_is_matched_to_a_known_source_by_name_or_alias() {
    let text = "\"We will appeal,\" said Dmitri Peskov.";
    let known = vec![KnownName {
        name: "Dmitry Peskov".into(),
        aliases: vec!["Dmitri Peskov".into()],
    }];
    let cands = extract(
        text,
        &Context {
            outlet: None,
            known,
        },
    );
    assert_eq!(cands[0].speaker.as_deref(), Some("Dmitry Peskov"));
}

#[test]
fn translated_word_order() {
    let text = "Minister of energy Alexei Vorontsov visited the region.\n\n\
\"Reserves of coal are sufficient for all the winter,\" the TASS minister quoted as saying.\n\n\
As informs Interfax, the heating season began on October 1.";
    let cands = run(text);
    let c = find(&cands, "Reserves of coal");
    assert_eq!(c.speaker.as_deref(), Some("Alexei Vorontsov"));
    assert_eq!(c.via.as_deref(), Some("TASS"));
    assert_eq!(
        find(&cands, "heating season began").via.as_deref(),
        Some("Interfax")
    );
}

mod any_text {
    use super::*;
    use proptest::prelude::*;

    /// Words, marks and breaks in any order: quotation marks of every kind unbalanced,
    /// abbreviations, names, verbs of saying, Cyrillic and emoji.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "said",
            "told",
            "according to",
            "Smith",
            "Dr.",
            "He",
            "she",
            "the",
            "minister",
            "quoted",
            "as saying",
            "that",
            ",",
            ".",
            ":",
            "—",
            "\"",
            "“",
            "”",
            "«",
            "»",
            "‘",
            "’",
            "'",
            "\n",
            "\n\n",
            "Антонов",
            "🚢",
            "U.S.",
            "Reuters",
            "per",
            "For her",
            "and",
            "(",
            ")",
            "added",
            "the agency",
            "Experts",
            "say",
            "a",
            "study",
            "found",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn never_panics_and_quotes_are_their_slice(
            parts in prop::collection::vec(piece(), 0..80),
            glue in prop::sample::select(vec![" ", "", "\u{a0}", "\r\n"]),
        ) {
            let text = parts.join(glue);
            let chars: Vec<char> = text.chars().collect();
            for c in run(&text) {
                prop_assert!(c.start < c.end && c.end as usize <= chars.len());
                let slice: String = chars[c.start as usize..c.end as usize].iter().collect();
                prop_assert_eq!(slice, c.quote);
                prop_assert!((0.0..=1.0).contains(&c.confidence));
            }
        }
    }
}

#[test]
fn places_are_never_speakers_or_antecedents() {
    // "X-based" and "based in City, State" describe a company; the company speaks.
    let text = "Wyncote Brewing Company reported record summer sales on Monday.\n\n\
The Harlow, Vermont-based company said it would hire 40 more workers by spring.\n\n\
Wyncote, a family-owned brewer based in Easton Falls, Vermont, said it had \"no plans to move\" its kettles.";
    let cands = run(text);
    assert_eq!(
        find(&cands, "hire 40 more workers").speaker.as_deref(),
        Some("Wyncote Brewing Company")
    );
    assert_eq!(
        find(&cands, "no plans to move").speaker.as_deref(),
        Some("Wyncote Brewing Company")
    );
    // A district named before a person: the title belongs to the person.
    let text = "According to the mayor of Velmar district Andrei Lascu, the bridge will reopen in May.\n\n\
\"Traffic will be light at first,\" the mayor said at a briefing on Friday.\n\n\
\"Trucks will have to wait another month,\" he added. In the town of Brasko, residents said they had heard nothing.";
    let cands = run(text);
    for q in [
        "the bridge will reopen",
        "Traffic will be light",
        "Trucks will have to wait",
    ] {
        assert_eq!(
            find(&cands, q).speaker.as_deref(),
            Some("Andrei Lascu"),
            "{q}"
        );
    }
    // A dateline names a place, not someone a pronoun can stand for.
    for text in [
        "PELHAM CROSSING, Ore. - Two bridges over the Tansy River were closed on Sunday.\n\n\
\"Nobody should try to drive through,\" he said.",
        "KESTRAN, Norway (Meridian Wire) - Two ferries were cancelled on Sunday.\n\n\
\"Nobody should try to sail today,\" they said.",
    ] {
        for c in run(text) {
            assert_eq!(c.speaker, None, "{c:?}");
        }
    }
}

#[test]
fn titles_written_with_a_full_stop_keep_the_name() {
    let text = "\"Sleep matters more than diet,\" said Dr. Lena Okoro-Baptiste, a researcher at Fenwick College. \
Prof. Amos Tull said the trial was small. \"It was only a pilot,\" said Lt. Col. Ray Dunne.\n\n\
Sen. Maya Ortiz-Hale spoke next. \"We will fund a larger trial,\" Sen. Ortiz-Hale said. She added that the vote was close.";
    let cands = run(text);
    assert_eq!(
        find(&cands, "Sleep matters").speaker.as_deref(),
        Some("Lena Okoro-Baptiste")
    );
    assert_eq!(
        find(&cands, "the trial was small").speaker.as_deref(),
        Some("Amos Tull")
    );
    assert_eq!(
        find(&cands, "only a pilot").speaker.as_deref(),
        Some("Ray Dunne")
    );
    assert_eq!(
        find(&cands, "larger trial").speaker.as_deref(),
        Some("Maya Ortiz-Hale")
    );
    assert_eq!(
        find(&cands, "the vote was close").speaker.as_deref(),
        Some("Maya Ortiz-Hale")
    );
}

#[test]
fn agencies_and_long_body_names_are_bodies() {
    let text = "The Northern Water Safety Agency said on Monday that it would test private wells in the area. \
More than half of wells are older than 50 years, according to the Institute for Soil and Water Studies. \
Few owners test them, the institute says.";
    let cands = run(text);
    check(
        find(&cands, "test private wells"),
        "it would test private wells in the area",
        Some("Northern Water Safety Agency"),
        None,
        Kind::Indirect,
    );
    assert_eq!(
        find(&cands, "Few owners test them").speaker.as_deref(),
        Some("Institute for Soil and Water Studies")
    );
}

#[test]
fn a_trailing_cue_keeps_its_relay() {
    let text = "Harbor fees will double next year, the Kelmont Port Authority said in a statement on Monday.\n\n\
\"We have no other way to pay for the new cranes,\" the authority said in a statement.\n\n\
Dock workers will get a 4% raise, the authority said in a Kelmont Port Authority statement after the board met on Tuesday. \
The pier was unsafe, an engineer told the council in Kelmont on Monday as a hearing into the repairs began.\n\n\
Grain exports fell by a third in March, Interfax quoted Olek Marchuk, deputy head of the grain union, as saying.\n\n\
\"Buyers are waiting for the spring prices,\" he said.";
    let cands = run(text);
    check(
        find(&cands, "Harbor fees"),
        "Harbor fees will double next year",
        Some("Kelmont Port Authority"),
        Some("statement"),
        Kind::Indirect,
    );
    check(
        find(&cands, "new cranes"),
        "We have no other way to pay for the new cranes",
        Some("Kelmont Port Authority"),
        Some("statement"),
        Kind::Direct,
    );
    let raise = find(&cands, "4% raise");
    assert_eq!(raise.speaker.as_deref(), Some("Kelmont Port Authority"));
    assert_eq!(
        raise.via.as_deref(),
        Some("Kelmont Port Authority statement")
    );
    assert_eq!(find(&cands, "The pier was unsafe").via, None);
    check(
        find(&cands, "Grain exports"),
        "Grain exports fell by a third in March",
        Some("Olek Marchuk"),
        Some("Interfax"),
        Kind::Indirect,
    );
    check(
        find(&cands, "spring prices"),
        "Buyers are waiting for the spring prices",
        Some("Olek Marchuk"),
        Some("Interfax"),
        Kind::Direct,
    );
}

#[test]
fn a_role_phrase_before_a_name_and_a_name_describing_a_noun() {
    let text = "Anton Brel, deputy head of the Kestro harbour office, said that ferries would sail again on Friday.\n\n\
The head of the union of forest workers «Les-Nord» Ivan Sorel told the newspaper that wages were three months late.\n\n\
«Nobody answers our letters», - complained the head of the union.";
    let cands = run(text);
    assert_eq!(
        find(&cands, "ferries would sail").speaker.as_deref(),
        Some("Anton Brel")
    );
    assert_eq!(
        find(&cands, "Nobody answers").speaker.as_deref(),
        Some("Ivan Sorel")
    );
}
