//! Text rules: limits, name folding, dates, and anchoring quotes in article text.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::model::Anchor;

/// Longest claim text, in characters.
pub const MAX_CLAIM_CHARS: usize = 2_000;
/// Longest quote, in characters.
pub const MAX_QUOTE_CHARS: usize = 5_000;
/// Longest verdict or evidence note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Longest source name, alias, tag, title or URL, in characters.
pub const MAX_NAME_CHARS: usize = 500;
/// Largest stored article text, in bytes.
pub const MAX_ARTICLE_BYTES: usize = 10 * 1024 * 1024;
/// Characters of context kept on each side of an anchored quote.
pub const CONTEXT_CHARS: usize = 32;

/// Trim `value` and check it is neither empty nor longer than `max` characters.
pub fn required(what: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::Invalid(format!("{what} is empty; give some text")));
    }
    let n = v.chars().count();
    if n > max {
        return Err(Error::Invalid(format!(
            "{what} is {n} characters long; the limit is {max}"
        )));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::Invalid(format!(
            "{what} contains control characters; remove them"
        )));
    }
    // Most text arrives already composed; checking is cheaper than rebuilding it.
    if unicode_normalization::is_nfc_quick(v.chars()) == unicode_normalization::IsNormalized::Yes {
        return Ok(v.to_string());
    }
    Ok(v.nfc().collect())
}

/// Like [`required`] for an optional value; an empty value counts as absent.
pub fn optional(what: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => required(what, v, max).map(Some),
        _ => Ok(None),
    }
}

/// The form names are compared in: Unicode-normalized, lower-cased, whitespace collapsed, and
/// with the Turkish dotted and dotless i treated as plain `i` (so İzmir = izmir = IZMIR and
/// Işık = IŞIK = ışık).
pub fn fold(name: &str) -> String {
    let lowered: String = name.nfkc().collect::<String>().to_lowercase();
    let mut out = String::with_capacity(lowered.len());
    for word in lowered.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                '\u{0307}' => {}
                'ı' => out.push('i'),
                c => out.push(c),
            }
        }
    }
    out
}

/// Parse a date given as `YYYY-MM-DD` (or an RFC 3339 timestamp, whose date is kept).
pub fn parse_date(what: &str, s: &str) -> Result<NaiveDate> {
    use chrono::Datelike;
    let t = s.trim();
    let parsed = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.date_naive())
    });
    if let Some(d) = parsed.filter(|d| (1..=9999).contains(&d.year())) {
        return Ok(d);
    }
    Err(Error::Invalid(format!(
        "invalid {what} '{s}': use YYYY-MM-DD, e.g. 2021-03-21"
    )))
}

/// How times are written everywhere: RFC 3339 in UTC with milliseconds, e.g.
/// `2021-03-21T09:30:00.000Z`.
pub fn timestamp(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A tag as it is kept: folded (see [`fold_tag`]), not empty, within the name limit.
pub fn tag(tag: &str) -> Result<String> {
    let folded = fold_tag(tag);
    required("tag", &folded, MAX_NAME_CHARS)
}

/// The form tags are kept in: lower case, with the Turkish İ lowered to a plain i.
pub fn fold_tag(tag: &str) -> String {
    tag.trim()
        .nfc()
        .collect::<String>()
        .to_lowercase()
        .replace('\u{0307}', "")
}

/// Shorten `s` to at most `max` characters on one line, marking the cut with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Find `quote` in `text` and describe where it is. When it is absent, the error names the
/// passage of the text that shares the most words with it.
pub fn anchor(text: &str, quote: &str) -> Result<Anchor> {
    let Some(byte_start) = text.find(quote) else {
        let hint = match closest_passage(text, quote) {
            Some(p) => format!("; the closest passage is \"{}\"", clip(&p, 160)),
            None => String::new(),
        };
        return Err(Error::Invalid(format!(
            "the quote \"{}\" does not occur in the article's text{hint}; copy the quote exactly",
            clip(quote, 80)
        )));
    };
    let start = text[..byte_start].chars().count();
    let len = quote.chars().count();
    let prefix: String = {
        let before: Vec<char> = text[..byte_start].chars().collect();
        before[before.len().saturating_sub(CONTEXT_CHARS)..]
            .iter()
            .collect()
    };
    let suffix: String = text[byte_start + quote.len()..]
        .chars()
        .take(CONTEXT_CHARS)
        .collect();
    Ok(Anchor {
        start: start as u64,
        end: (start + len) as u64,
        prefix,
        suffix,
    })
}

/// The window of `text` (as long as the quote, in words) sharing the most words with `quote`.
fn closest_passage(text: &str, quote: &str) -> Option<String> {
    let words = |s: &str| -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(st)) => {
                    out.push((st, i, fold(&s[st..i])));
                    start = None;
                }
                _ => {}
            }
        }
        out
    };
    let q: Vec<String> = words(quote).into_iter().map(|w| w.2).collect();
    let t = words(text);
    if q.is_empty() || t.is_empty() {
        return None;
    }
    let width = q.len().min(t.len());
    // Score: words shared in any order, then words in the same place; the first best wins.
    let mut best = ((0usize, 0usize), 0usize);
    for start in 0..=(t.len() - width) {
        let window = &t[start..start + width];
        let shared = q
            .iter()
            .filter(|w| window.iter().any(|x| &x.2 == *w))
            .count();
        let aligned = q.iter().zip(window).filter(|(a, b)| **a == b.2).count();
        if (shared, aligned) > best.0 {
            best = ((shared, aligned), start);
        }
    }
    if best.0.0 == 0 {
        return None;
    }
    let (from, to) = (t[best.1].0, t[best.1 + width - 1].1);
    Some(text[from..to].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_matches_across_case_scripts_and_turkish_i() {
        assert_eq!(fold("Антонов"), fold("антонов"));
        assert_eq!(fold("АНТОНОВ"), "антонов");
        assert_eq!(fold("İzmir"), fold("izmir"));
        assert_eq!(fold("IZMIR"), fold("İzmir"));
        assert_eq!(fold("Işık"), fold("ışık"));
        assert_eq!(fold("ERDOĞAN"), fold("Erdoğan"));
        assert_eq!(fold("  Anatoly   Antonov "), "anatoly antonov");
        assert_ne!(fold("Antonov"), fold("Antonova"));
    }

    #[test]
    fn anchor_counts_characters_not_bytes() {
        let text = "Посол «Антонов» said: the plane landed in Moscow. 🚀 done";
        let a = anchor(text, "the plane landed").unwrap();
        let before = "Посол «Антонов» said: ".chars().count() as u64;
        assert_eq!(a.start, before);
        assert_eq!(a.end, before + 16);
        assert!(a.prefix.ends_with("said: "));
        assert!(a.suffix.starts_with(" in Moscow"));
        let chars: Vec<char> = text.chars().collect();
        let got: String = chars[a.start as usize..a.end as usize].iter().collect();
        assert_eq!(got, "the plane landed");
    }

    #[test]
    fn missing_quote_names_the_closest_passage() {
        let text = "First sentence here. The plane with the diplomat landed in Moscow on Sunday.";
        let err = anchor(text, "the plane with the ambassador landed in Moscow")
            .unwrap_err()
            .to_string();
        assert!(err.contains("closest passage"), "{err}");
        assert!(err.contains("diplomat landed in Moscow"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn limits_and_dates() {
        assert!(required("claim text", "   ", 10).is_err());
        assert!(required("claim text", &"й".repeat(11), 10).is_err());
        assert_eq!(
            required("claim text", &"й".repeat(10), 10)
                .unwrap()
                .chars()
                .count(),
            10
        );
        assert!(required("claim text", "bell\u{7}", 10).is_err());
        assert_eq!(
            parse_date("date", "2021-03-21").unwrap().to_string(),
            "2021-03-21"
        );
        assert!(parse_date("date", "2021-02-30").is_err());
        assert!(parse_date("date", "yesterday").is_err());
        assert_eq!(
            parse_date("date", "2021-03-21T10:00:00+03:00")
                .unwrap()
                .to_string(),
            "2021-03-21"
        );
    }
}
