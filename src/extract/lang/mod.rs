//! The language rules the extractor reads: cue verbs, attribution phrases, titles, quotation
//! marks. Another language is another table of this shape.

pub mod en;

/// Word lists are lower case; a phrase is words separated by single spaces.
pub struct Lang {
    /// Pairs of opening and closing double quotation marks; a mark that is both (`"`) opens
    /// outside a quotation and closes inside one.
    pub double_marks: &'static [(char, char)],
    /// Pairs of single quotation marks, used as quotation marks only where they cannot be
    /// apostrophes.
    pub single_marks: &'static [(char, char)],
    /// Verbs of saying in a finite form: "said", "warns", "believe".
    pub say_verbs: &'static [&'static str],
    /// Of those, the ones that take who was told before the clause: "told VOA that".
    pub object_verbs: &'static [&'static str],
    /// Verbs that describe rather than report: "called it X", "described it as X".
    pub naming_verbs: &'static [&'static str],
    /// Participles that attach a further claim to the clause's speaker: ", adding that".
    pub participles: &'static [&'static str],
    /// Phrases that stand for a verb of saying: "drew attention to the fact".
    pub cue_phrases: &'static [&'static str],
    /// Phrases that credit what follows or precedes to someone: "according to", "per".
    pub credit_phrases: &'static [&'static str],
    /// The phrase between a relay and a speaker: "quoted him as saying".
    pub quoted_as: &'static str,
    /// Words that may stand between a subject and its verb: "also", "later", "has".
    pub adverbs: &'static [&'static str],
    /// Words that open a sentence without belonging to its subject: "but", "however".
    pub connectives: &'static [&'static str],
    /// Words that start a subordinate clause and end a reported one: "because", "while".
    pub clause_breaks: &'static [&'static str],
    /// Personal pronouns that can say something, with their grammatical gender and number.
    pub pronouns: &'static [(&'static str, Gender)],
    /// Titles and roles written before or in place of a name.
    pub titles: &'static [&'static str],
    /// Pairs of words that name the same role ("diplomat", "ambassador").
    pub title_synonyms: &'static [(&'static str, &'static str)],
    /// Nouns for groups of people who can say something together: "experts".
    pub group_nouns: &'static [&'static str],
    /// Nouns for bodies: "agency", "ministry".
    pub body_nouns: &'static [&'static str],
    /// Nouns for documents that can be credited: "study", "statement".
    pub document_nouns: &'static [&'static str],
    /// Of those, the ones issued by someone who then is the speaker: "statement".
    pub statement_nouns: &'static [&'static str],
    /// Nouns for media outlets: "newspaper", "broadcaster".
    pub outlet_nouns: &'static [&'static str],
    /// Words inside a name that make it a body, not a person: "Ministry", "University".
    pub body_name_words: &'static [&'static str],
    /// Words inside a name that make it a media outlet: "News", "Times".
    pub outlet_name_words: &'static [&'static str],
    /// Well-known media outlets and agencies.
    pub outlets: &'static [&'static str],
    /// Places and their adjectives, grouped by country: a title tied to one country is not
    /// compatible with a title tied to another.
    pub countries: &'static [&'static [&'static str]],
    /// Quantities of people that stand for respondents: "eight out of ten", "a third".
    pub quantifiers: &'static [&'static str],
    /// Abbreviations that end in a full stop without ending a sentence.
    pub abbreviations: &'static [&'static str],
    /// Lower-case words that may sit inside a name: "de", "van", "bin".
    pub name_particles: &'static [&'static str],
    /// Capitalised words that are not names when they start a sentence: "the", "this".
    pub function_words: &'static [&'static str],
    /// Words that introduce who was told: "reporters", "journalists".
    pub audiences: &'static [&'static str],
    /// Determiners stripped from a speaker's name: "the", "a".
    pub determiners: &'static [&'static str],
    /// Words that open a phrase of time, place or manner after a verb: "on", "in", "late".
    pub adjuncts: &'static [&'static str],
    /// Days and parts of days: "Tuesday", "tonight".
    pub weekdays: &'static [&'static str],
    /// Words after "said" that do not open a reported clause: "to", "goodbye".
    pub not_clause_openers: &'static [&'static str],
    /// Words that can open a reported clause with no "that": "he", "the", "most".
    pub clause_openers: &'static [&'static str],
    /// Words that count people: "two people familiar with the talks".
    pub counting_words: &'static [&'static str],
    /// Auxiliary and modal verbs: one soon after a bare noun shows a clause.
    pub auxiliaries: &'static [&'static str],
    /// Prepositions: a name after one is not a sentence's subject.
    pub prepositions: &'static [&'static str],
    /// Prepositions that put a name in a place: "in Sacramento", "near Kelburn".
    pub place_prepositions: &'static [&'static str],
    /// Nouns for places, after a name ("Velmar district") or before "of" ("the village of
    /// Orlesk"); capitalised at the end of a name they make it a place ("Kansas City").
    pub place_nouns: &'static [&'static str],
    /// Endings that make a word describe where something is: "Ohio-based".
    pub place_suffixes: &'static [&'static str],
    /// Regions (states, provinces) that are not in `countries`: "Vermont", "Ontario".
    pub regions: &'static [&'static str],
}

/// A pronoun's gender, where the language marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Masculine,
    Feminine,
    /// Plural or neuter: a group, a body or a document.
    Other,
}

impl Lang {
    /// Whether `word` is in `list`, ignoring ASCII case. Long lists are looked up in a set
    /// built once per thread.
    pub fn has(list: &'static [&'static str], word: &str) -> bool {
        if list.len() < 24 {
            return list.iter().any(|w| w.eq_ignore_ascii_case(word));
        }
        thread_local! {
            static SETS: std::cell::RefCell<std::collections::HashMap<usize, std::collections::HashSet<String>>> =
                std::cell::RefCell::new(std::collections::HashMap::new());
        }
        let lower;
        let word = if word.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = word.to_ascii_lowercase();
            lower.as_str()
        } else {
            word
        };
        SETS.with(|sets| {
            let mut sets = sets.borrow_mut();
            sets.entry(list.as_ptr() as usize)
                .or_insert_with(|| list.iter().map(|w| w.to_ascii_lowercase()).collect())
                .contains(word)
        })
    }

    /// The country a word names or describes, as an index into `countries`.
    pub fn country(&self, word: &str) -> Option<usize> {
        self.countries
            .iter()
            .position(|c| c.iter().any(|w| w.eq_ignore_ascii_case(word)))
    }

    pub fn pronoun(&self, word: &str) -> Option<Gender> {
        self.pronouns
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|(_, g)| *g)
    }

    pub fn is_title(&self, word: &str) -> bool {
        let w = word.trim_end_matches('.');
        Self::has(self.titles, w)
            || (w.len() > 3 && w.ends_with('s') && Self::has(self.titles, &w[..w.len() - 1]))
    }

    /// Whether a word inside a name makes it a body, in the singular or the plural
    /// ("Centers for ...").
    pub fn is_body_name_word(&self, word: &str) -> bool {
        Self::has(self.body_name_words, word)
            || word
                .strip_suffix('s')
                .is_some_and(|w| w.len() > 2 && Self::has(self.body_name_words, w))
    }

    /// Whether a name (lower case) is a known region or country.
    pub fn is_known_place(&self, name: &str) -> bool {
        Self::has(self.regions, name) || self.country(name).is_some()
    }

    /// Whether a noun names a document, in the singular or the plural.
    pub fn is_document(&self, word: &str) -> bool {
        Self::has(self.document_nouns, word)
            || word
                .strip_suffix('s')
                .is_some_and(|w| Self::has(self.document_nouns, w))
    }

    /// Whether a document speaks for whoever issued it ("statement", "press release"),
    /// unlike a study or a survey, which speaks for itself.
    pub fn is_statement(&self, word: &str) -> bool {
        Self::has(self.statement_nouns, word)
    }

    /// Whether two role words name the same role.
    pub fn same_title(&self, a: &str, b: &str) -> bool {
        a.eq_ignore_ascii_case(b)
            || self.title_synonyms.iter().any(|(x, y)| {
                (x.eq_ignore_ascii_case(a) && y.eq_ignore_ascii_case(b))
                    || (x.eq_ignore_ascii_case(b) && y.eq_ignore_ascii_case(a))
            })
    }
}
