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
/// Longest article language code, in characters.
pub const MAX_LANG_CHARS: usize = 35;
/// Characters of context kept on each side of an anchored quote.
pub const CONTEXT_CHARS: usize = 32;

/// How a text may be laid out: on several lines (claims, quotes, notes, article text) or on
/// one (names, aliases, tags, titles, URLs, user names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Lines,
    Line,
}

/// Bidirectional embedding, override and isolate controls (U+202A..U+202E, U+2066..U+2069):
/// they reorder what follows them on screen, so a name can read differently from what it is.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing on their own: whitespace, zero-width and joiner characters,
/// direction marks and controls, fillers, variation selectors and tag characters.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{E0000}'..='\u{E007F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// The one rule every stored text obeys: not empty (nor only invisible characters), at most
/// `max` characters, no control characters (a multi-line text may hold line breaks and
/// tabs), and, where `bidi` is false, no bidirectional controls. It checks and never
/// changes; the input functions below prepare a value and then apply it, and
/// [`crate::validate`] applies it to operations from anywhere.
fn check(what: &str, v: &str, max: usize, layout: Layout, bidi: bool) -> Result<()> {
    let mut n = 0usize;
    let mut visible = false;
    for c in v.chars() {
        n += 1;
        if c.is_control() && !(layout == Layout::Lines && matches!(c, '\n' | '\t' | '\r')) {
            let hint = if layout == Layout::Line && matches!(c, '\n' | '\t' | '\r') {
                format!("; a {what} is one line")
            } else {
                String::new()
            };
            return Err(Error::Invalid(format!(
                "{what} contains control characters ({}){hint}; remove them",
                codepoint(c)
            )));
        }
        if !bidi && is_bidi_control(c) {
            return Err(Error::Invalid(format!(
                "{what} contains a bidirectional control character ({}), which makes it display differently from what it is; remove it",
                codepoint(c)
            )));
        }
        visible = visible || !is_invisible(c);
    }
    if !visible {
        return Err(Error::Invalid(if v.is_empty() || v.trim().is_empty() {
            format!("{what} is empty; give some text")
        } else {
            format!("{what} has only invisible characters; give some text")
        }));
    }
    if n > max {
        return Err(Error::Invalid(format!(
            "{what} is {n} characters long; the limit is {max}"
        )));
    }
    Ok(())
}

/// `c` as `U+XXXX`.
pub fn codepoint(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// The rule for a text on several lines (a quote, a note): see [`required`].
pub fn check_lines(what: &str, v: &str, max: usize) -> Result<()> {
    check(what, v, max, Layout::Lines, true)
}

/// The rule for claim text: several lines, no bidirectional controls.
pub fn check_claim(v: &str) -> Result<()> {
    check("claim text", v, MAX_CLAIM_CHARS, Layout::Lines, false)
}

/// The rule for a name, alias, tag, title, language or user name: one line, no
/// bidirectional controls.
pub fn check_name(what: &str, v: &str, max: usize) -> Result<()> {
    check(what, v, max, Layout::Line, false)
}

/// The rule for a quote: a text on several lines that does not start with a byte-order mark.
pub fn check_quote(v: &str) -> Result<()> {
    if v.starts_with('\u{FEFF}') {
        return Err(Error::invalid(
            "the quote starts with a byte-order mark (U+FEFF); remove it",
        ));
    }
    check_lines("quote", v, MAX_QUOTE_CHARS)
}

/// The rule for a stored article text: at most [`MAX_ARTICLE_BYTES`], not empty, no
/// control characters other than line breaks and tabs, no leading byte-order mark.
pub fn check_article_text(v: &str) -> Result<()> {
    if v.len() > MAX_ARTICLE_BYTES {
        return Err(Error::Invalid(format!(
            "the article text is {} bytes; the limit is {MAX_ARTICLE_BYTES}",
            v.len()
        )));
    }
    if v.starts_with('\u{FEFF}') {
        return Err(Error::invalid(
            "the article text starts with a byte-order mark (U+FEFF); remove it",
        ));
    }
    check("the article text", v, usize::MAX, Layout::Lines, true)
}

/// The rule for a URL: one line, no spaces, at most [`MAX_NAME_CHARS`], and an `http` or
/// `https` address with a host (`https://example.org/page`). Other schemes (`javascript:`,
/// `data:`, `file:`) are refused: URLs are published, in ClaimReview among others.
pub fn check_url(what: &str, v: &str) -> Result<()> {
    check_name(what, v, MAX_NAME_CHARS)?;
    if let Some(c) = v.chars().find(|c| c.is_whitespace() || is_invisible(*c)) {
        return Err(Error::Invalid(format!(
            "{what} contains a space or an invisible character ({}); write spaces as %20",
            codepoint(c)
        )));
    }
    let (scheme, rest) = v.split_once(':').unwrap_or(("", v));
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    if !web {
        return Err(Error::Invalid(format!(
            "{what} must be an http or https address, such as https://example.org/page"
        )));
    }
    let host = rest
        .strip_prefix("//")
        .map(|r| r.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(Error::Invalid(format!(
            "{what} has no host; give a full address, such as https://example.org/page"
        )));
    }
    Ok(())
}

/// The rule for a date: a year from 1 to 9999.
pub fn check_date(what: &str, d: NaiveDate) -> Result<()> {
    use chrono::Datelike;
    if (1..=9999).contains(&d.year()) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} must fall in the years 1 to 9999"
        )))
    }
}

/// The rule for a tag: in its folded form (see [`fold_tag`]), one line, within the limit.
pub fn check_tag(v: &str) -> Result<()> {
    check_name("tag", v, MAX_NAME_CHARS)?;
    // Lower-case ASCII without surrounding spaces is already folded; only other text needs
    // folding to tell (a server checks every tag of every pushed claim).
    let plain = v.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) && v.trim() == v;
    if !plain && fold_tag(v) != v {
        return Err(Error::invalid(
            "a tag must be stored lower-case and trimmed, as tags are kept",
        ));
    }
    Ok(())
}

/// Line breaks as one `\n`: Windows (CRLF) and old Mac (lone CR) breaks become LF.
fn unix_lines(v: &str) -> std::borrow::Cow<'_, str> {
    if v.contains('\r') {
        std::borrow::Cow::Owned(v.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(v)
    }
}

fn nfc(v: &str) -> String {
    // Most text arrives already composed; checking is cheaper than rebuilding it.
    if unicode_normalization::is_nfc_quick(v.chars()) == unicode_normalization::IsNormalized::Yes {
        return v.to_string();
    }
    v.nfc().collect()
}

/// A text on several lines (a note, a quote) as it is kept: line breaks as LF, trimmed, checked
/// with [`check_lines`], in Unicode NFC.
pub fn required(what: &str, value: &str, max: usize) -> Result<String> {
    let v = unix_lines(value);
    let v = v.trim();
    check_lines(what, v, max)?;
    Ok(nfc(v))
}

/// Like [`required`] for an optional value; an empty value counts as absent.
pub fn optional(what: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => required(what, v, max).map(Some),
        _ => Ok(None),
    }
}

/// Claim text as it is kept: like [`required`], and checked with [`check_claim`].
pub fn claim_text(value: &str) -> Result<String> {
    let v = unix_lines(value);
    let v = v.trim();
    check_claim(v)?;
    Ok(nfc(v))
}

/// A name, alias, title, language or user name as it is kept: trimmed, checked with
/// [`check_name`], in Unicode NFC.
pub fn name(what: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    check_name(what, v, max)?;
    Ok(nfc(v))
}

/// Like [`name`] for an optional value; an empty value counts as absent.
pub fn optional_name(what: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => name(what, v, max).map(Some),
        _ => Ok(None),
    }
}

/// A quote as it is kept: without a leading byte-order mark, line breaks as LF, trimmed,
/// checked with [`check_quote`], in Unicode NFC. An empty quote counts as absent.
pub fn quote(value: Option<&str>) -> Result<Option<String>> {
    let Some(v) = value else { return Ok(None) };
    let v = unix_lines(v.strip_prefix('\u{FEFF}').unwrap_or(v));
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    check_quote(v)?;
    Ok(Some(nfc(v)))
}

/// An article text as it is kept: without a leading byte-order mark, line breaks as LF,
/// checked with [`check_article_text`], in Unicode NFC (not trimmed: anchors count from its
/// first character).
pub fn article_text(value: &str) -> Result<String> {
    let v = value.strip_prefix('\u{FEFF}').unwrap_or(value);
    let v = unix_lines(v);
    check_article_text(&v)?;
    Ok(nfc(&v))
}

/// A URL as it is kept: trimmed and checked with [`check_url`].
pub fn url(what: &str, value: &str) -> Result<String> {
    let v = value.trim();
    check_url(what, v)?;
    Ok(nfc(v))
}

/// Like [`url`] for an optional value; an empty value counts as absent.
pub fn optional_url(what: &str, value: Option<&str>) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => url(what, v).map(Some),
        _ => Ok(None),
    }
}

/// `s` safe to print on a terminal: control characters other than newline and tab, and
/// bidirectional controls, are written as `\u{1B}` escapes. Everything claimdb shows a person
/// goes through here (or [`clip`], which uses it).
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c);
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
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
    let t = s.trim();
    let parsed = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.date_naive())
    });
    if let Some(d) = parsed.filter(|d| check_date(what, *d).is_ok()) {
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
    let folded = nfc(&fold_tag(tag));
    check_tag(&folded)?;
    Ok(folded)
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
    let one_line = printable(&one_line).into_owned();
    if one_line.chars().count() <= max {
        one_line
    } else {
        // Cut between two characters as a reader sees them, never inside a flag or an
        // emoji sequence.
        use unicode_segmentation::UnicodeSegmentation;
        let mut t = String::new();
        let mut n = 0;
        for g in one_line.graphemes(true) {
            n += g.chars().count();
            if n > max.saturating_sub(1) {
                break;
            }
            t.push_str(g);
        }
        t.push('…');
        t
    }
}

/// Whether byte offset `at` of `text` lies between two extended grapheme clusters (what a
/// reader sees as one character: a letter with its accents, a flag, an emoji sequence).
pub fn is_grapheme_boundary(text: &str, at: usize) -> bool {
    let mut cursor = unicode_segmentation::GraphemeCursor::new(at, text.len(), true);
    cursor.is_boundary(text, 0).unwrap_or(false)
}

/// Find `quote` in `text` and describe where it is: the first occurrence that starts and ends
/// between two characters as a reader sees them (extended grapheme clusters), so that an
/// anchor never takes half of a flag, an emoji sequence or a letter with its accents. When
/// there is none, the error names the passage of the text closest to the quote and where the
/// two first differ.
pub fn anchor(text: &str, quote: &str) -> Result<Anchor> {
    let mut from = 0;
    let mut split_at = None;
    let byte_start = loop {
        let Some(found) = text[from..].find(quote).map(|i| from + i) else {
            break None;
        };
        let end = found + quote.len();
        if is_grapheme_boundary(text, found) && is_grapheme_boundary(text, end) {
            break Some(found);
        }
        split_at.get_or_insert(found);
        from = found + text[found..].chars().next().map_or(1, char::len_utf8);
    };
    let Some(byte_start) = byte_start else {
        if let Some(at) = split_at {
            return Err(Error::Invalid(format!(
                "the quote \"{}\" occurs in the article's text only inside a larger character (at character {}: a flag, an emoji sequence or a letter with its accents would be cut); include the whole character",
                clip(quote, 80),
                text[..at].chars().count() + 1
            )));
        }
        let hint = match closest_passage(text, quote) {
            Some(p) => format!(
                "; the closest passage is \"{}\"{}",
                clip(&p, 160),
                first_difference(quote, &p)
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ),
            None => String::new(),
        };
        return Err(Error::Invalid(format!(
            "the quote \"{}\" does not occur in the article's text{hint}; copy the quote exactly",
            clip(quote, 80)
        )));
    };
    let start = text[..byte_start].chars().count();
    Ok(anchor_bytes(
        text,
        start,
        byte_start,
        byte_start + quote.len(),
    ))
}

/// Describe the quote at characters `start..end` of `text` (Unicode scalar values, `end`
/// exclusive), where something else found it: unlike [`anchor`], a quote that also occurs
/// earlier in the text is anchored here. The span must not be empty, must lie within the
/// text, and must start and end between two characters as a reader sees them (the rule of
/// [`anchor`]).
pub fn anchor_at(text: &str, start: u64, end: u64) -> Result<Anchor> {
    let total = || text.chars().count();
    if start >= end {
        return Err(Error::Invalid(format!(
            "the quote's place {start}..{end} is empty; it must end after it starts"
        )));
    }
    let byte_of = |at: u64| -> Option<usize> {
        let at = usize::try_from(at).ok()?;
        text.char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .nth(at)
    };
    let (Some(byte_start), Some(byte_end)) = (byte_of(start), byte_of(end)) else {
        return Err(Error::Invalid(format!(
            "the quote's place {start}..{end} lies outside the text's {} characters",
            total()
        )));
    };
    if !is_grapheme_boundary(text, byte_start) || !is_grapheme_boundary(text, byte_end) {
        return Err(Error::Invalid(format!(
            "the quote at characters {start}..{end} starts or ends inside a larger character (a flag, an emoji sequence or a letter with its accents would be cut); include the whole character"
        )));
    }
    Ok(anchor_bytes(text, start as usize, byte_start, byte_end))
}

/// The anchor of `text[byte_start..byte_end]`, which starts at character `start`.
fn anchor_bytes(text: &str, start: usize, byte_start: usize, byte_end: usize) -> Anchor {
    let len = text[byte_start..byte_end].chars().count();
    let prefix: String = {
        let before: Vec<char> = text[..byte_start].chars().collect();
        before[before.len().saturating_sub(CONTEXT_CHARS)..]
            .iter()
            .collect()
    };
    let suffix: String = text[byte_end..].chars().take(CONTEXT_CHARS).collect();
    Anchor {
        start: start as u64,
        end: (start + len) as u64,
        prefix,
        suffix,
    }
}

/// Where `quote` and the passage `passage` first differ, for texts that may look the same:
/// the character position and the two code points (`U+00A0 in the quote, U+0020 in the
/// text`), or which one ends first. `None` when they are equal.
pub fn first_difference(quote: &str, passage: &str) -> Option<String> {
    let mut q = quote.chars();
    let mut p = passage.chars();
    let mut at = 1usize;
    loop {
        match (q.next(), p.next()) {
            (None, None) => return None,
            (Some(a), Some(b)) if a == b => at += 1,
            (Some(a), Some(b)) => {
                return Some(format!(
                    "they first differ at character {at}: {} in the quote, {} in the text",
                    codepoint(a),
                    codepoint(b)
                ));
            }
            (Some(a), None) => {
                return Some(format!(
                    "the passage ends where the quote goes on with {} at character {at}",
                    codepoint(a)
                ));
            }
            (None, Some(b)) => {
                return Some(format!(
                    "the quote ends where the passage goes on with {} at character {at}",
                    codepoint(b)
                ));
            }
        }
    }
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
    fn anchor_at_keeps_the_place_it_is_given() {
        let text = "🚀 Цены упадут. İşte: \"Цены упадут,\" сказал он. 🇹🇷";
        let second = text.rfind("Цены упадут").unwrap();
        let start = text[..second].chars().count() as u64;
        let a = anchor_at(text, start, start + 11).unwrap();
        assert_eq!(a.start, start);
        assert_eq!(a.end, start + 11);
        assert!(a.prefix.ends_with("İşte: \""), "{a:?}");
        assert!(a.suffix.starts_with(",\" сказал"), "{a:?}");
        // The first occurrence is where `anchor` puts it.
        assert_eq!(anchor(text, "Цены упадут").unwrap().start, 2);
        let n = text.chars().count() as u64;
        assert_eq!(anchor_at(text, n - 2, n).unwrap().end, n);
        for (s, e) in [(5, 5), (6, 5), (n - 1, n + 1), (u64::MAX - 1, u64::MAX)] {
            let err = anchor_at(text, s, e).unwrap_err().to_string();
            assert!(err.contains("place"), "{s}..{e}: {err}");
        }
        // Half of the flag (two regional indicators) is refused.
        let err = anchor_at(text, n - 1, n).unwrap_err().to_string();
        assert!(err.contains("inside a larger character"), "{err}");
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
    fn printing_escapes_controls_and_clipping_keeps_characters_whole() {
        assert_eq!(printable("ok\tand\nlines"), "ok\tand\nlines");
        assert_eq!(printable("a\u{1b}[2Jb\u{202E}c"), "a\\u{1B}[2Jb\\u{202E}c");
        assert_eq!(printable(&printable("\u{7}")), "\\u{7}");
        let family = "👨\u{200D}👩\u{200D}👧";
        let clipped = clip(&format!("ab {family}"), 5);
        assert_eq!(clipped, "ab …");
        assert_eq!(
            first_difference("в\u{00A0}июне", "в июне").unwrap(),
            "they first differ at character 2: U+00A0 in the quote, U+0020 in the text"
        );
        assert_eq!(first_difference("same", "same"), None);
    }

    #[test]
    fn urls_are_http_or_https_with_a_host() {
        for ok in [
            "https://example.org",
            "HTTP://пример.рф/путь?q=1#x",
            "https://u@h:8080/",
        ] {
            assert!(check_url("URL", ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "http:example.org",
            "https://",
            "https://:80/x",
            "https://a b",
            " https://example.org",
            "https://exa\u{200B}mple.org",
            "//example.org",
        ] {
            assert!(check_url("URL", bad).is_err(), "{bad}");
        }
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
