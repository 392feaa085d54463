//! Numbers written as words or digits, in English, Russian, Turkish and Arabic, read as one
//! value: `three million`, `3 million`, `3,000,000`, `3m`, `три миллиона`, `üç milyon` and
//! `ثلاثة ملايين` all become the term `#3000000`. Percent words and signs become `%`.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Adds its value (`three`, `twenty`, `двести`).
    Unit(f64),
    /// Multiplies what came before it in its group by 100 (`hundred`, `yüz`).
    Hundred,
    /// Closes a group: what came before it times the value (`million`, `тысяч`).
    Scale(f64),
    /// A scale only right after digits (`3m`, `5 bn`, `10k`).
    Abbrev(f64),
    /// Joins two parts of one number (`and`, `и`, `ve`, `و`).
    And,
    /// A percent word.
    Percent,
}

/// Words that are numbers only before another number word: `a` (a million), `bir` (one,
/// but also "a") and `yüz` (hundred, but also "face").
const WEAK: &[&str] = &["a", "bir", "yüz"];

/// Turkish `on` (ten) is an English preposition too: it counts only before these.
const AFTER_ON: &[&str] = &[
    "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz", "bin", "milyon", "milyar",
];

const UNITS: &[(&str, f64)] = &[
    // English
    ("zero", 0.0),
    ("a", 1.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
    ("dozen", 12.0),
    // Russian, with the forms numbers take after prepositions
    ("ноль", 0.0),
    ("один", 1.0),
    ("одна", 1.0),
    ("одно", 1.0),
    ("одного", 1.0),
    ("одной", 1.0),
    ("два", 2.0),
    ("две", 2.0),
    ("двух", 2.0),
    ("три", 3.0),
    ("трёх", 3.0),
    ("четыре", 4.0),
    ("четырёх", 4.0),
    ("пять", 5.0),
    ("пяти", 5.0),
    ("шесть", 6.0),
    ("шести", 6.0),
    ("семь", 7.0),
    ("семи", 7.0),
    ("восемь", 8.0),
    ("восьми", 8.0),
    ("девять", 9.0),
    ("девяти", 9.0),
    ("десять", 10.0),
    ("десяти", 10.0),
    ("одиннадцать", 11.0),
    ("двенадцать", 12.0),
    ("тринадцать", 13.0),
    ("четырнадцать", 14.0),
    ("пятнадцать", 15.0),
    ("шестнадцать", 16.0),
    ("семнадцать", 17.0),
    ("восемнадцать", 18.0),
    ("девятнадцать", 19.0),
    ("двадцать", 20.0),
    ("двадцати", 20.0),
    ("тридцать", 30.0),
    ("тридцати", 30.0),
    ("сорок", 40.0),
    ("сорока", 40.0),
    ("пятьдесят", 50.0),
    ("шестьдесят", 60.0),
    ("семьдесят", 70.0),
    ("восемьдесят", 80.0),
    ("девяносто", 90.0),
    ("сто", 100.0),
    ("ста", 100.0),
    ("двести", 200.0),
    ("триста", 300.0),
    ("четыреста", 400.0),
    ("пятьсот", 500.0),
    ("шестьсот", 600.0),
    ("семьсот", 700.0),
    ("восемьсот", 800.0),
    ("девятьсот", 900.0),
    // Turkish
    ("sıfır", 0.0),
    ("bir", 1.0),
    ("iki", 2.0),
    ("üç", 3.0),
    ("dört", 4.0),
    ("beş", 5.0),
    ("altı", 6.0),
    ("yedi", 7.0),
    ("sekiz", 8.0),
    ("dokuz", 9.0),
    ("on", 10.0),
    ("yirmi", 20.0),
    ("otuz", 30.0),
    ("kırk", 40.0),
    ("elli", 50.0),
    ("altmış", 60.0),
    ("yetmiş", 70.0),
    ("seksen", 80.0),
    ("doksan", 90.0),
    // Arabic (masculine and feminine forms, nominative and oblique)
    ("صفر", 0.0),
    ("واحد", 1.0),
    ("واحدة", 1.0),
    ("اثنان", 2.0),
    ("اثنين", 2.0),
    ("اثنتان", 2.0),
    ("ثلاثة", 3.0),
    ("ثلاث", 3.0),
    ("أربعة", 4.0),
    ("أربع", 4.0),
    ("خمسة", 5.0),
    ("خمس", 5.0),
    ("ستة", 6.0),
    ("ست", 6.0),
    ("سبعة", 7.0),
    ("سبع", 7.0),
    ("ثمانية", 8.0),
    ("ثماني", 8.0),
    ("ثمان", 8.0),
    ("تسعة", 9.0),
    ("تسع", 9.0),
    ("عشرة", 10.0),
    ("عشر", 10.0),
    ("عشرون", 20.0),
    ("عشرين", 20.0),
    ("ثلاثون", 30.0),
    ("ثلاثين", 30.0),
    ("أربعون", 40.0),
    ("أربعين", 40.0),
    ("خمسون", 50.0),
    ("خمسين", 50.0),
    ("ستون", 60.0),
    ("ستين", 60.0),
    ("سبعون", 70.0),
    ("سبعين", 70.0),
    ("ثمانون", 80.0),
    ("ثمانين", 80.0),
    ("تسعون", 90.0),
    ("تسعين", 90.0),
    ("مئتان", 200.0),
    ("مئتين", 200.0),
    ("مئتي", 200.0),
    ("ثلاثمائة", 300.0),
    ("ثلاثمئة", 300.0),
    ("أربعمائة", 400.0),
    ("أربعمئة", 400.0),
    ("خمسمائة", 500.0),
    ("خمسمئة", 500.0),
    ("ستمائة", 600.0),
    ("ستمئة", 600.0),
    ("سبعمائة", 700.0),
    ("سبعمئة", 700.0),
    ("ثمانمائة", 800.0),
    ("ثمانمئة", 800.0),
    ("تسعمائة", 900.0),
    ("تسعمئة", 900.0),
];

const HUNDREDS: &[&str] = &["hundred", "hundreds", "yüz", "مائة", "مئة"];

const SCALES: &[(&str, f64)] = &[
    ("thousand", 1e3),
    ("thousands", 1e3),
    ("million", 1e6),
    ("millions", 1e6),
    ("billion", 1e9),
    ("billions", 1e9),
    ("trillion", 1e12),
    ("тыс", 1e3),
    ("млн", 1e6),
    ("млрд", 1e9),
    ("трлн", 1e12),
    ("bin", 1e3),
    ("bini", 1e3),
    ("binden", 1e3),
    ("ألف", 1e3),
    ("آلاف", 1e3),
    ("ألفا", 1e3),
    ("مليون", 1e6),
    ("ملايين", 1e6),
    ("مليونا", 1e6),
    ("مليار", 1e9),
    ("مليارات", 1e9),
];

/// Scales written with endings: every word starting with one of these.
const SCALE_STEMS: &[(&str, f64)] = &[
    ("тысяч", 1e3),
    ("миллион", 1e6),
    ("миллиард", 1e9),
    ("триллион", 1e12),
    ("milyon", 1e6),
    ("milyar", 1e9),
    ("trilyon", 1e12),
];

const ABBREVS: &[(&str, f64)] = &[
    ("k", 1e3),
    ("m", 1e6),
    ("mn", 1e6),
    ("mln", 1e6),
    ("b", 1e9),
    ("bn", 1e9),
    ("tn", 1e12),
];

const ANDS: &[&str] = &["and", "и", "ve", "و"];

const PERCENTS: &[&str] = &[
    "percent",
    "per cent",
    "percentage points",
    "yüzde",
    "المئة",
    "المائة",
    "بالمئة",
    "بالمائة",
];

const PERCENT_STEMS: &[&str] = &["процент"];

/// A word as [`super::words`] leaves it.
fn norm(w: &str) -> String {
    super::words(w).join(" ")
}

static TABLE: LazyLock<HashMap<String, Kind>> = LazyLock::new(|| {
    let mut t = HashMap::new();
    for (w, v) in UNITS {
        t.insert(norm(w), Kind::Unit(*v));
    }
    for w in HUNDREDS {
        t.insert(norm(w), Kind::Hundred);
    }
    for (w, v) in SCALES {
        t.insert(norm(w), Kind::Scale(*v));
    }
    for (w, v) in ABBREVS {
        t.insert(norm(w), Kind::Abbrev(*v));
    }
    for w in ANDS {
        t.insert(norm(w), Kind::And);
    }
    for w in PERCENTS {
        t.insert(norm(w), Kind::Percent);
    }
    t
});

static WEAK_SET: LazyLock<Vec<String>> = LazyLock::new(|| WEAK.iter().map(|w| norm(w)).collect());
static SCALE_STEM_SET: LazyLock<Vec<(String, f64)>> =
    LazyLock::new(|| SCALE_STEMS.iter().map(|(w, v)| (norm(w), *v)).collect());
static PERCENT_STEM_SET: LazyLock<Vec<String>> =
    LazyLock::new(|| PERCENT_STEMS.iter().map(|w| norm(w)).collect());
static AFTER_ON_SET: LazyLock<Vec<String>> =
    LazyLock::new(|| AFTER_ON.iter().map(|w| norm(w)).collect());
static AND_PREFIX: LazyLock<String> = LazyLock::new(|| norm("و"));

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Digits(f64),
    Word(Kind),
}

fn kind(w: &str) -> Option<Kind> {
    if let Some(k) = TABLE.get(w) {
        return Some(*k);
    }
    if let Some((_, v)) = SCALE_STEM_SET
        .iter()
        .find(|(s, _)| w.starts_with(s.as_str()))
    {
        return Some(Kind::Scale(*v));
    }
    if PERCENT_STEM_SET.iter().any(|s| w.starts_with(s.as_str())) {
        return Some(Kind::Percent);
    }
    None
}

/// What a word is, for numbers: digits, a number word, or `None`; and whether it carries the
/// Arabic `و` ("and") written onto it (`وعشرون`, "and twenty").
fn classify(w: &str) -> Option<(Tok, bool)> {
    if let Some(v) = digits(w) {
        return Some((Tok::Digits(v), false));
    }
    if let Some(k) = kind(w) {
        return Some((Tok::Word(k), false));
    }
    let rest = w.strip_prefix(AND_PREFIX.as_str())?;
    match kind(rest)? {
        k @ (Kind::Unit(_) | Kind::Hundred | Kind::Scale(_)) => Some((Tok::Word(k), true)),
        _ => None,
    }
}

/// The value of a word of digits: `3`, `3.5`, `3,000,000`, `3.000.000` (groups of three
/// after a separator are thousands; otherwise the one separator is the decimal point).
fn digits(w: &str) -> Option<f64> {
    if !w.starts_with(|c: char| c.is_ascii_digit())
        || !w
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return None;
    }
    let groups: Vec<&str> = w.split([',', '.']).collect();
    let seps: Vec<char> = w.chars().filter(|c| *c == ',' || *c == '.').collect();
    if groups.len() == 1 {
        return w.parse().ok();
    }
    let thousands = groups[1..].iter().all(|g| g.len() == 3)
        && seps.iter().all(|s| *s == seps[0])
        && groups[0].len() <= 3;
    if thousands {
        return groups.concat().parse().ok();
    }
    if groups.len() == 2 {
        return format!("{}.{}", groups[0], groups[1]).parse().ok();
    }
    // Both separators (`1,234.5`, `1.234,5`): the last one is the decimal point.
    let last = *seps.last()?;
    let (int, frac) = w.rsplit_once(last)?;
    let int: String = int.chars().filter(char::is_ascii_digit).collect();
    format!("{int}.{frac}").parse().ok()
}

/// `3.5e6` as `3500000`, `0.25` as `0.25`.
fn format(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e18 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Split words of digits and letters (`3m`, `10k`, `5bn`, `2020s`) in two.
fn split_attached(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        let cut = w
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '.'))
            .map(|(i, _)| i);
        match cut {
            Some(i) if i > 0 && w[i..].chars().all(char::is_alphabetic) => {
                out.push(w[..i].to_string());
                out.push(w[i..].to_string());
            }
            _ => out.push(w.clone()),
        }
    }
    out
}

/// Replace every run of number words and digits by `#value`, and percent words by `%`.
pub fn fold_numbers(words: &[String]) -> Vec<String> {
    let words = split_attached(words);
    let classified: Vec<Option<(Tok, bool)>> = words.iter().map(|w| classify(w)).collect();
    let toks: Vec<Option<Tok>> = classified.iter().map(|c| c.map(|c| c.0)).collect();
    let numeric = |i: usize| {
        matches!(
            toks.get(i),
            Some(Some(
                Tok::Digits(_) | Tok::Word(Kind::Unit(_) | Kind::Hundred | Kind::Scale(_))
            ))
        )
    };
    let number_word = |i: usize| {
        matches!(
            toks.get(i),
            Some(Some(Tok::Word(
                Kind::Unit(_) | Kind::Hundred | Kind::Scale(_)
            )))
        )
    };
    // A weak word at `i` that is not a number here.
    let not_here = |i: usize, used: usize| {
        if words[i] == "on" {
            return !words.get(i + 1).is_some_and(|n| AFTER_ON_SET.contains(n));
        }
        WEAK_SET.contains(&words[i]) && !(used > 0 || number_word(i + 1))
    };
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        // One number: a run of parts, added within a group and closed by scales.
        let (mut total, mut current) = (0.0f64, 0.0f64);
        let mut used = 0;
        let mut last_digits = false;
        let mut last_unit: Option<f64> = None;
        while let Some(Some(t)) = toks.get(i + used).copied() {
            let k = i + used;
            if not_here(k, used) {
                break;
            }
            if classified[k].is_some_and(|c| c.1) && used > 0 {
                // An Arabic "and" written onto the word: units before tens.
                last_unit = Some(100.0);
                last_digits = false;
            }
            match t {
                Tok::Digits(v) => {
                    if used > 0 && (last_digits || last_unit.is_some()) {
                        break;
                    }
                    current += v;
                    last_digits = true;
                    last_unit = None;
                }
                Tok::Word(Kind::Unit(v)) => {
                    // "twenty five" and "on iki" add; "five twenty" or "3 four" are two
                    // numbers.
                    let adds = last_unit.is_none_or(|u| {
                        (u >= 20.0 && v < u && v < 100.0) || (u == 10.0 && v < 10.0)
                    });
                    if last_digits || !adds {
                        break;
                    }
                    current += v;
                    last_digits = false;
                    last_unit = Some(v);
                }
                Tok::Word(Kind::Hundred) => {
                    current = current.max(1.0) * 100.0;
                    last_digits = false;
                    last_unit = Some(100.0);
                }
                Tok::Word(Kind::Scale(s)) => {
                    // "million" alone is a million.
                    total += current.max(1.0) * s;
                    current = 0.0;
                    last_digits = false;
                    last_unit = None;
                }
                Tok::Word(Kind::Abbrev(s)) => {
                    if !last_digits {
                        break;
                    }
                    total += current * s;
                    current = 0.0;
                    last_digits = false;
                    last_unit = None;
                }
                Tok::Word(Kind::And) => {
                    if used == 0 || !numeric(k + 1) {
                        break;
                    }
                    // "and" keeps the group open: "one hundred and twenty".
                    if last_unit.is_some_and(|u| u < 100.0) || last_digits {
                        // "five and twenty": Arabic order, units before tens.
                        last_unit = Some(100.0);
                        last_digits = false;
                    }
                }
                Tok::Word(Kind::Percent) => break,
            }
            used += 1;
        }
        if used > 0 {
            out.push(format!("#{}", format(total + current)));
            i += used;
            continue;
        }
        match toks[i] {
            Some(Tok::Word(Kind::Percent)) => out.push("%".to_string()),
            _ => out.push(words[i].clone()),
        }
        i += 1;
    }
    // "per cent" and "percentage points" are two words.
    let mut joined: Vec<String> = Vec::with_capacity(out.len());
    for w in out {
        if let Some(prev) = joined.last() {
            let pair = format!("{prev} {w}");
            if matches!(TABLE.get(&pair), Some(Kind::Percent)) {
                *joined.last_mut().expect("there is a last") = "%".to_string();
                continue;
            }
        }
        joined.push(w);
    }
    joined
}
