//! Similar claims: the text rules that turn a claim into a set of terms that survive
//! rewording, and the score of one claim against another. No SQL here; the index over these
//! terms lives in the store (`store/similar.rs`).
//!
//! A claim's terms are its words, normalised so that variants meet:
//! - case and accents are folded (Turkish İ/ı included), Arabic letter variants and vowel
//!   marks are unified, Eastern Arabic digits read as digits;
//! - numbers become one term whatever their spelling: `three million`, `3 million`,
//!   `3,000,000`, `3m`, `три миллиона`, `üç milyon`, `ثلاثة ملايين` and `٣ ملايين` are all
//!   `#3000000`; percent words and signs are `%`;
//! - function words are dropped, negations become one term (`~not`);
//! - each remaining word is cut to a crude stem (endings stripped per script, then a prefix),
//!   so `killed`/`kills`, `убиты`/`убито` and `öldürüldü`/`öldürülen` meet.
//!
//! Word order does not matter: a claim is a set of terms. The score is the cosine of two such
//! sets with every term weighted by its inverse document frequency, in 0..=1.

pub mod eval;
mod lang;
mod numbers;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The score from which `claim add` and `extract --accept` report a claim as checked before.
/// Chosen from the labelled pairs in `tests/fixtures/similar/` (see docs/similar.md).
pub const CHECKED_BEFORE: f64 = 0.6;

/// How many claims `claim add` and `extract --accept` report as checked before, at most.
pub const CHECKED_BEFORE_LIMIT: usize = 3;

/// The normalised terms of `text`, sorted and without repeats.
pub fn terms(text: &str) -> Vec<String> {
    let words = words(text);
    let words = numbers::fold_numbers(&words);
    let mut out: Vec<String> = words.into_iter().filter_map(|w| lang::term(&w)).collect();
    out.sort();
    out.dedup();
    out
}

/// The terms of `text` as the index stores them (a stable 63-bit hash of each), sorted and
/// without repeats.
pub fn term_ids(text: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = terms(text).iter().map(|t| term_id(t)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A term's stored id: FNV-1a over its UTF-8 bytes in the low 60 bits, and the term's class
/// (a word, a number, a negation) in the two above, so that scoring can tell them apart.
/// Always positive and never 0 (the index keeps its claim count under 0).
pub fn term_id(term: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in term.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let class = if term.starts_with('#') {
        NUMBER
    } else if term == NOT {
        NEGATION
    } else {
        0
    };
    ((h >> 4) as i64 | class).max(1)
}

const CLASS_BITS: i64 = 3 << 60;
const NUMBER: i64 = 1 << 60;
const NEGATION: i64 = 2 << 60;
/// The term every negation word stands for.
pub(crate) const NOT: &str = "~not";

/// What a score is multiplied by when the two claims give different numbers (`3 million`
/// and `30 million`), or one denies what the other says.
pub const CONFLICT: f64 = 0.6;

/// A term's weight among `n` indexed claims when `df` of them hold it. A term no claim holds
/// weighs as much as one that a single claim holds.
pub fn weight(df: u64, n: u64) -> f64 {
    (1.0 + (n as f64 + 1.0) / (df.max(1) as f64)).ln()
}

/// The weighted cosine of two sorted term sets, in 0..=1: the weight of the shared terms over
/// the geometric mean of each side's total weight; times [`CONFLICT`] when they give
/// different numbers, and again when only one of them is negated.
pub fn score(query: &[i64], doc: &[i64], weight_of: &mut dyn FnMut(i64) -> f64) -> f64 {
    let (mut i, mut j) = (0, 0);
    let (mut shared, mut q, mut d) = (0.0, 0.0, 0.0);
    while i < query.len() || j < doc.len() {
        let a = query.get(i).copied().unwrap_or(i64::MAX);
        let b = doc.get(j).copied().unwrap_or(i64::MAX);
        if a == b {
            let w = weight_of(a);
            shared += w;
            q += w;
            d += w;
            i += 1;
            j += 1;
        } else if a < b {
            q += weight_of(a);
            i += 1;
        } else {
            d += weight_of(b);
            j += 1;
        }
    }
    if q <= 0.0 || d <= 0.0 {
        return 0.0;
    }
    let mut s = (shared / (q * d).sqrt()).clamp(0.0, 1.0);
    if conflict(query, doc, NUMBER) {
        s *= CONFLICT;
    }
    let denies = |ids: &[i64]| ids.iter().any(|t| t & CLASS_BITS == NEGATION);
    if denies(query) != denies(doc) {
        s *= CONFLICT;
    }
    s
}

/// Whether each side has a term of `class` the other lacks (two different numbers; a
/// number only one side gives is no conflict).
fn conflict(a: &[i64], b: &[i64], class: i64) -> bool {
    let only = |x: &[i64], y: &[i64]| {
        x.iter()
            .any(|t| t & CLASS_BITS == class && y.binary_search(t).is_err())
    };
    only(a, b) && only(b, a)
}

/// Term ids as stored: 8 bytes each, little-endian.
pub fn pack(ids: &[i64]) -> Vec<u8> {
    ids.iter().flat_map(|i| i.to_le_bytes()).collect()
}

/// The term ids of a stored blob.
pub fn unpack(blob: &[u8]) -> Vec<i64> {
    blob.chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

/// The text as lower-case words without accents: letters and digits runs, with the
/// separators inside numbers (`3,000,000`, `3.5`) kept, and `%` as a word of its own.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfkc().flat_map(char::to_lowercase) {
        match c {
            // Turkish dotless i and the dot above of a lower-cased İ.
            'ı' => folded.push('i'),
            // Eastern Arabic and Persian digits.
            '\u{0660}'..='\u{0669}' => {
                folded.push(char::from(b'0' + (c as u32 - 0x0660) as u8));
            }
            '\u{06F0}'..='\u{06F9}' => {
                folded.push(char::from(b'0' + (c as u32 - 0x06F0) as u8));
            }
            // Arabic percent sign, decimal and thousands separators.
            '\u{066A}' => folded.push('%'),
            '\u{066B}' => folded.push('.'),
            '\u{066C}' => folded.push(','),
            // Tatweel (a stretch, not a letter).
            '\u{0640}' => {}
            // Taa marbuta reads as haa, alef maqsura as yaa.
            'ة' => folded.push('ه'),
            'ى' => folded.push('ي'),
            c => folded.push(c),
        }
    }
    // Accents and vowel marks off (é → e, ё → е, أ → ا, harakat dropped).
    let bare: String = folded.nfd().filter(|c| !is_combining_mark(*c)).collect();
    let chars: Vec<char> = bare.nfc().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (k, &c) in chars.iter().enumerate() {
        let inside_number = matches!(c, ',' | '.')
            && cur.chars().last().is_some_and(|p| p.is_ascii_digit())
            && chars.get(k + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || inside_number {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if c == '%' {
                out.push("%".to_string());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(terms(a), terms(b), "{a:?} vs {b:?}");
    }

    #[test]
    fn numbers_meet_whatever_their_spelling() {
        for t in [
            "three million",
            "3 million",
            "3,000,000",
            "3m",
            "3000000",
            "три миллиона",
            "3 млн",
            "üç milyon",
            "ثلاثة ملايين",
            "٣ ملايين",
            "٣٠٠٠٠٠٠",
        ] {
            assert_eq!(terms(t), vec!["#3000000"], "{t}");
        }
        assert_eq!(terms("2.5 billion"), vec!["#2500000000"]);
        assert_eq!(terms("twenty-five"), vec!["#25"]);
        assert_eq!(terms("двадцать пять"), vec!["#25"]);
        assert_eq!(terms("yirmi beş"), vec!["#25"]);
        assert_eq!(terms("خمسة وعشرون"), vec!["#25"]);
        assert_eq!(terms("خمسمائة"), vec!["#500"]);
        assert_eq!(terms("مئتي"), vec!["#200"]);
        assert_eq!(terms("one hundred and twenty thousand"), vec!["#120000"]);
        assert_eq!(terms("40 percent"), terms("40%"));
        assert_eq!(terms("yüzde 40"), terms("40%"));
        assert_eq!(terms("40 процентов"), terms("40 %"));
    }

    #[test]
    fn case_accents_and_turkish_i_fold() {
        same("İSTANBUL Işık", "istanbul ışık");
        same("Erdoğan", "ERDOGAN");
        same("Ёлки", "елки");
        same("café", "CAFE");
    }

    #[test]
    fn endings_meet() {
        same("killed", "kills");
        same("убиты", "убито");
        same("öldürüldü", "öldürülen");
        same("المعلمين", "معلمون");
    }

    #[test]
    fn word_order_and_function_words_do_not_matter() {
        same(
            "The minister said that prices rose",
            "prices rose, minister said",
        );
    }

    #[test]
    fn negation_is_a_term() {
        assert!(terms("vaccines do not cause autism").contains(&"~not".to_string()));
        assert!(terms("вакцины не вызывают аутизм").contains(&"~not".to_string()));
    }

    #[test]
    fn the_score_is_one_for_the_same_set_and_falls_with_difference() {
        let a = term_ids("The mayor said 3 million people live in Ankara");
        let b = term_ids("Ankara is home to three million people, the mayor said");
        let c = term_ids("Five million tourists visited Ankara");
        let mut w = |_| 1.0;
        assert!((score(&a, &a, &mut w) - 1.0).abs() < 1e-9);
        assert!(score(&a, &b, &mut w) > score(&a, &c, &mut w));
        assert_eq!(score(&a, &[], &mut w), 0.0);
    }

    #[test]
    fn packing_round_trips() {
        let ids = term_ids("Ölüm sayısı 3 bini geçti");
        assert_eq!(unpack(&pack(&ids)), ids);
    }
}
