//! Per-language word rules: function words that carry no meaning for matching, negations
//! (kept, as one term), and crude stems. The script of a word picks its rules: Latin words
//! (English and Turkish) share theirs, Cyrillic words are Russian, Arabic-script words are
//! Arabic. To add a language, add its function words and negations below and, for a new
//! script, a stemming branch in [`stem`] (see docs/similar.md).

use std::collections::HashSet;
use std::sync::LazyLock;

/// Characters kept of a Latin-script word after its endings are stripped.
const LATIN_PREFIX: usize = 5;
/// Characters kept of a Cyrillic word after its endings are stripped.
const CYRILLIC_PREFIX: usize = 6;
/// Characters kept of an Arabic word after its affixes are stripped.
const ARABIC_PREFIX: usize = 6;

const STOP: &[&str] = &[
    // English
    "a",
    "an",
    "the",
    "of",
    "in",
    "on",
    "at",
    "to",
    "for",
    "from",
    "by",
    "with",
    "about",
    "as",
    "into",
    "over",
    "than",
    "and",
    "or",
    "but",
    "that",
    "this",
    "these",
    "those",
    "it",
    "its",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "has",
    "have",
    "had",
    "do",
    "does",
    "did",
    "will",
    "would",
    "can",
    "could",
    "should",
    "may",
    "might",
    "which",
    "who",
    "whom",
    "what",
    "there",
    "their",
    "they",
    "them",
    "he",
    "she",
    "his",
    "her",
    "we",
    "our",
    "you",
    "your",
    "i",
    "my",
    "said",
    "says",
    "say",
    "claim",
    "claims",
    "claimed",
    "according",
    "also",
    "just",
    "only",
    "all",
    "some",
    "more",
    "most",
    "so",
    "such",
    "then",
    "now",
    "up",
    "out",
    "per",
    "if",
    "since",
    "after",
    "before",
    "during",
    "while",
    "because",
    "almost",
    "nearly",
    "about",
    "around",
    "approximately",
    "roughly",
    "some",
    "over",
    // Russian
    "и",
    "в",
    "во",
    "на",
    "с",
    "со",
    "по",
    "из",
    "за",
    "от",
    "к",
    "ко",
    "о",
    "об",
    "у",
    "до",
    "для",
    "при",
    "что",
    "чтобы",
    "как",
    "это",
    "этот",
    "эта",
    "эти",
    "тот",
    "та",
    "те",
    "был",
    "была",
    "было",
    "были",
    "быть",
    "есть",
    "он",
    "она",
    "оно",
    "они",
    "его",
    "ее",
    "их",
    "мы",
    "вы",
    "я",
    "а",
    "но",
    "или",
    "же",
    "ли",
    "бы",
    "уже",
    "также",
    "тоже",
    "заявил",
    "заявила",
    "заявили",
    "сказал",
    "сказала",
    "сказали",
    "около",
    "почти",
    "более",
    "менее",
    "свыше",
    "всего",
    "который",
    "которая",
    "которые",
    "которых",
    "году",
    "год",
    // Turkish
    "ve",
    "veya",
    "ile",
    "bir",
    "bu",
    "şu",
    "o",
    "da",
    "de",
    "ki",
    "mi",
    "mı",
    "için",
    "gibi",
    "kadar",
    "daha",
    "en",
    "çok",
    "olarak",
    "olan",
    "oldu",
    "olduğunu",
    "ise",
    "ama",
    "fakat",
    "her",
    "tüm",
    "söyledi",
    "açıkladı",
    "iddia",
    "yaklaşık",
    "neredeyse",
    "yılında",
    // Arabic
    "في",
    "من",
    "على",
    "إلى",
    "الى",
    "عن",
    "مع",
    "أن",
    "ان",
    "إن",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "التي",
    "الذي",
    "الذين",
    "كان",
    "كانت",
    "قد",
    "لقد",
    "ما",
    "او",
    "أو",
    "ثم",
    "هو",
    "هي",
    "هم",
    "قال",
    "قالت",
    "حوالي",
    "نحو",
    "عام",
    "بعد",
    "قبل",
    "كل",
    "أي",
    "وقال",
];

const NEGATIONS: &[&str] = &[
    "not",
    "no",
    "never",
    "none",
    "nobody",
    "nothing",
    "neither",
    "nor",
    "without",
    "isn",
    "aren",
    "wasn",
    "weren",
    "don",
    "doesn",
    "didn",
    "cannot",
    "не",
    "нет",
    "ни",
    "никогда",
    "ничего",
    "никто",
    "без",
    "değil",
    "yok",
    "hiç",
    "asla",
    "لا",
    "لم",
    "لن",
    "ليس",
    "ليست",
    "غير",
    "بدون",
];

fn norm(w: &str) -> String {
    super::words(w).join(" ")
}

static STOP_SET: LazyLock<HashSet<String>> =
    LazyLock::new(|| STOP.iter().map(|w| norm(w)).collect());
static NEGATION_SET: LazyLock<HashSet<String>> =
    LazyLock::new(|| NEGATIONS.iter().map(|w| norm(w)).collect());

/// The term a word (as [`super::words`] and the number rules leave it) stands for, or
/// `None` for a word that carries nothing for matching.
pub fn term(w: &str) -> Option<String> {
    if w.starts_with('#') || w == "%" {
        return Some(w.to_string());
    }
    if NEGATION_SET.contains(w) {
        return Some(super::NOT.to_string());
    }
    // "n't" is split off as "t" by the word rules ("don't" → "don", "t").
    if STOP_SET.contains(w) || w == "t" || w == "s" {
        return None;
    }
    if w.chars().count() < 2 && !w.chars().all(|c| c.is_numeric()) {
        return None;
    }
    Some(stem(w))
}

#[derive(PartialEq)]
enum Script {
    Latin,
    Cyrillic,
    Arabic,
    Other,
}

fn script(w: &str) -> Script {
    let c = w.chars().find(|c| c.is_alphabetic()).unwrap_or(' ');
    match c {
        'a'..='z' | '\u{00C0}'..='\u{024F}' => Script::Latin,
        '\u{0400}'..='\u{04FF}' => Script::Cyrillic,
        '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' => Script::Arabic,
        _ => Script::Other,
    }
}

/// English and Turkish endings, longest first; stripped when at least `min` characters stay.
const LATIN_ENDINGS: &[(&str, usize)] = &[
    ("lerinin", 4),
    ("larinin", 4),
    ("lerini", 4),
    ("larini", 4),
    ("lerin", 4),
    ("larin", 4),
    ("lerde", 4),
    ("larda", 4),
    ("leri", 4),
    ("lari", 4),
    ("ler", 4),
    ("lar", 4),
    ("ingly", 3),
    ("ings", 3),
    ("ing", 3),
    ("edly", 3),
    ("ies", 3),
    ("ied", 3),
    ("ed", 3),
    ("es", 3),
    ("ly", 4),
    ("s", 3),
];

/// Russian endings (adjective, noun, verb), longest first.
const CYRILLIC_ENDINGS: &[&str] = &[
    "ившись",
    "ывшись",
    "ающих",
    "яющих",
    "ующих",
    "иться",
    "аться",
    "иями",
    "ями",
    "ами",
    "ого",
    "его",
    "ому",
    "ему",
    "ыми",
    "ими",
    "ых",
    "их",
    "ый",
    "ий",
    "ой",
    "ая",
    "яя",
    "ое",
    "ее",
    "ые",
    "ие",
    "ую",
    "юю",
    "ом",
    "ем",
    "ам",
    "ям",
    "ах",
    "ях",
    "ов",
    "ев",
    "ей",
    "ть",
    "ла",
    "ло",
    "ли",
    "ся",
    "сь",
    "ют",
    "ут",
    "ит",
    "ет",
    "ы",
    "и",
    "а",
    "я",
    "о",
    "е",
    "у",
    "ю",
    "ь",
    "й",
];

/// Arabic prefixes (conjunction, prepositions, the article) and suffixes (plurals,
/// duals, pronouns), longest first.
const ARABIC_PREFIXES: &[&str] = &["وال", "بال", "كال", "فال", "لل", "ال", "و"];
const ARABIC_SUFFIXES: &[&str] = &["هما", "ات", "ان", "ون", "ين", "ها", "هم", "يه", "ه", "ي"];

fn strip_suffix<'a>(w: &'a str, ending: &str, min: usize) -> Option<&'a str> {
    let rest = w.strip_suffix(ending)?;
    (rest.chars().count() >= min).then_some(rest)
}

fn prefix(w: &str, n: usize) -> String {
    w.chars().take(n).collect()
}

/// A crude stem: endings stripped by the word's script, then a prefix kept.
fn stem(w: &str) -> String {
    match script(w) {
        Script::Latin => {
            let mut s = w;
            if let Some(r) = LATIN_ENDINGS
                .iter()
                .find_map(|(e, min)| strip_suffix(s, e, *min))
            {
                s = r;
            }
            prefix(s, LATIN_PREFIX)
        }
        Script::Cyrillic => {
            let mut s = w;
            // A reflexive ending first (повысилась → повысила), then one more.
            for refl in ["ся", "сь"] {
                if let Some(r) = strip_suffix(s, refl, 4) {
                    s = r;
                }
            }
            if let Some(r) = CYRILLIC_ENDINGS.iter().find_map(|e| strip_suffix(s, e, 3)) {
                s = r;
            }
            prefix(s, CYRILLIC_PREFIX)
        }
        Script::Arabic => {
            let mut s = w;
            if let Some(r) = ARABIC_PREFIXES
                .iter()
                .find_map(|p| s.strip_prefix(p).filter(|r| r.chars().count() >= 3))
            {
                s = r;
            }
            if let Some(r) = ARABIC_SUFFIXES.iter().find_map(|e| strip_suffix(s, e, 3)) {
                s = r;
            }
            prefix(s, ARABIC_PREFIX)
        }
        Script::Other => w.to_string(),
    }
}
