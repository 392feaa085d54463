//! The rules every operation obeys, wherever it comes from: a command, an import or another
//! member's push. They are the rules of [`crate::text`] that the commands apply to their
//! input, checked on the operation as it will be stored. Only what an operation shows by
//! itself is checked here: whether a quote occurs in its article's text, or whether an
//! entity exists, depends on the database and is checked where that is at hand.

use chrono::{DateTime, Datelike, Utc};

use crate::error::{Error, Result};
use crate::model::Anchor;
use crate::ops::{ClaimField, Op, OpKind};
use crate::text::{
    self, CONTEXT_CHARS, MAX_ARTICLE_BYTES, MAX_LANG_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS,
    check_claim, check_date, check_lines, check_name, check_tag, check_url,
};

/// Check `op` against every rule that needs nothing but the operation. The error is one line
/// naming what is wrong (and which entity, so that an import's record can be found).
pub fn op(op: &Op) -> Result<()> {
    check_name("user name", &op.author, MAX_NAME_CHARS)
        .and_then(|()| change(&op.kind))
        .map_err(|e| {
            let kind = match (&op.kind, op.kind.creates()) {
                (_, Some((k, _))) => k.as_str(),
                (OpKind::AddAlias { .. } | OpKind::MergeSource { .. }, _) => "source",
                _ => "claim",
            };
            Error::Invalid(format!("{kind} {}: {e}", op.kind.entity()))
        })
}

/// Check one change; see [`op`].
pub fn change(kind: &OpKind) -> Result<()> {
    match kind {
        OpKind::CreateSource {
            name,
            url,
            aliases,
            created_at,
            ..
        } => {
            check_name("source name", name, MAX_NAME_CHARS)?;
            for a in aliases {
                check_name("alias", a, MAX_NAME_CHARS)?;
            }
            opt(url, |u| check_url("source URL", u))?;
            check_created_at(created_at)
        }
        OpKind::AddAlias { alias, .. } => check_name("alias", alias, MAX_NAME_CHARS),
        OpKind::MergeSource { keep, drop } => {
            if keep == drop {
                return Err(Error::invalid("a source cannot be merged into itself"));
            }
            Ok(())
        }
        OpKind::CreateArticle {
            url,
            title,
            published,
            lang,
            text: body,
            text_sha256,
            created_at,
            ..
        } => {
            if url.is_none() && title.is_none() && body.is_none() {
                return Err(Error::invalid("an article needs a URL, a title or a text"));
            }
            opt(url, |u| check_url("article URL", u))?;
            opt(title, |t| check_name("title", t, MAX_NAME_CHARS))?;
            opt(lang, |l| check_name("language", l, MAX_LANG_CHARS))?;
            if let Some(d) = published {
                check_date("the publication date", *d)?;
            }
            opt(body, text::check_article_text)?;
            opt(text_sha256, |sum| check_sha256(body.as_deref(), sum))?;
            check_created_at(created_at)
        }
        OpKind::CreateClaim {
            text,
            said_on,
            tags,
            created_at,
            created_by,
            ..
        } => {
            check_claim(text)?;
            if let Some(d) = said_on {
                check_date("the date it was said", *d)?;
            }
            for t in tags {
                check_tag(t)?;
            }
            check_name("created_by", created_by, MAX_NAME_CHARS)?;
            check_created_at(created_at)
        }
        OpKind::SetClaim { set, .. } => match set {
            ClaimField::Text(t) => check_claim(t),
            ClaimField::SaidOn(Some(d)) => check_date("the date it was said", *d),
            ClaimField::SaidOn(None) | ClaimField::Speaker(_) | ClaimField::Deleted(_) => Ok(()),
        },
        OpKind::SetTag { tag, .. } => check_tag(tag),
        OpKind::AddAppearance {
            quote,
            anchor,
            created_at,
            ..
        } => {
            opt(quote, text::check_quote)?;
            if let Some(a) = anchor {
                check_anchor(quote.as_deref(), a)?;
            }
            check_created_at(created_at)
        }
        OpKind::AddVerdict {
            verdict,
            note,
            author,
            supersedes,
            created_at,
            ..
        } => {
            opt(note, |n| check_lines("note", n, MAX_NOTE_CHARS))?;
            check_name("verdict author", author, MAX_NAME_CHARS)?;
            if supersedes.contains(verdict) {
                return Err(Error::invalid("a verdict cannot supersede itself"));
            }
            check_created_at(created_at)
        }
        OpKind::AddEvidence {
            url,
            note,
            created_at,
            ..
        } => {
            if url.is_none() && note.is_none() {
                return Err(Error::invalid("evidence needs a URL or a note"));
            }
            opt(url, |u| check_url("evidence URL", u))?;
            opt(note, |n| check_lines("note", n, MAX_NOTE_CHARS))?;
            check_created_at(created_at)
        }
        OpKind::AddReview {
            url,
            publisher,
            publisher_site,
            title,
            rating,
            rating_value,
            best_rating,
            worst_rating,
            reviewed_on,
            lang,
            claimant,
            appearances,
            created_at,
            ..
        } => {
            check_url("review URL", url)?;
            opt(publisher, |p| check_name("publisher", p, MAX_NAME_CHARS))?;
            opt(publisher_site, |p| {
                check_name("publisher site", p, MAX_NAME_CHARS)
            })?;
            opt(title, |t| check_name("review title", t, MAX_NAME_CHARS))?;
            opt(rating, |r| check_name("rating", r, MAX_NAME_CHARS))?;
            for (what, v) in [
                ("ratingValue", rating_value),
                ("bestRating", best_rating),
                ("worstRating", worst_rating),
            ] {
                opt(v, |v| check_name(what, v, MAX_RATING_VALUE_CHARS))?;
            }
            if rating.is_none() && rating_value.is_none() {
                return Err(Error::invalid(
                    "a review needs its rating: a textual rating or a rating value",
                ));
            }
            if let Some(d) = reviewed_on {
                check_date("the review date", *d)?;
            }
            opt(lang, |l| check_name("language", l, MAX_LANG_CHARS))?;
            opt(claimant, |c| check_name("claimant", c, MAX_NAME_CHARS))?;
            if appearances.len() > MAX_REVIEW_APPEARANCES {
                return Err(Error::Invalid(format!(
                    "a review lists {} appearances; the limit is {MAX_REVIEW_APPEARANCES}",
                    appearances.len()
                )));
            }
            for a in appearances {
                check_url("appearance URL", a)?;
            }
            check_created_at(created_at)
        }
    }
}

/// Longest `ratingValue`, `bestRating` or `worstRating` a review keeps.
pub const MAX_RATING_VALUE_CHARS: usize = 35;
/// Most appearance URLs one review keeps.
pub const MAX_REVIEW_APPEARANCES: usize = 100;

/// An article's `text_sha256`: 64 lower-case hexadecimal digits, the SHA-256 digest of its
/// text when it has one.
pub fn check_sha256(body: Option<&str>, sum: &str) -> Result<()> {
    let hex = sum.len() == 64
        && sum
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex {
        return Err(Error::invalid(
            "text_sha256 must be 64 lower-case hexadecimal digits",
        ));
    }
    if body.is_some_and(|b| crate::store::sha256_hex(b) != sum) {
        return Err(Error::invalid(
            "text_sha256 is not the SHA-256 digest of the article's text",
        ));
    }
    Ok(())
}

fn opt(v: &Option<String>, f: impl FnOnce(&str) -> Result<()>) -> Result<()> {
    v.as_deref().map_or(Ok(()), f)
}

/// When an entity was created: a time in the years 1 to 9999.
pub fn check_created_at(t: &DateTime<Utc>) -> Result<()> {
    if (1..=9999).contains(&t.year()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "created_at must fall in the years 1 to 9999",
        ))
    }
}

/// An anchor must span its quote (`end - start` is the quote's length in Unicode scalar
/// values), keep at most [`CONTEXT_CHARS`] of context each side, lie within the largest
/// article, and, as far as its context shows, start and end between two characters as a
/// reader sees them.
pub fn check_anchor(quote: Option<&str>, a: &Anchor) -> Result<()> {
    let Some(quote) = quote else {
        return Err(Error::invalid("an anchor without a quote"));
    };
    let len = quote.chars().count() as u64;
    if a.start > a.end || a.end > MAX_ARTICLE_BYTES as u64 || a.end - a.start != len {
        return Err(Error::Invalid(format!(
            "the quote's anchor {}..{} does not span its {len} characters",
            a.start, a.end
        )));
    }
    for (side, ctx) in [("prefix", &a.prefix), ("suffix", &a.suffix)] {
        if ctx.chars().count() > CONTEXT_CHARS {
            return Err(Error::Invalid(format!(
                "the anchor's {side} is over {CONTEXT_CHARS} characters"
            )));
        }
        if let Some(c) = ctx
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            return Err(Error::Invalid(format!(
                "the anchor's {side} contains control characters ({})",
                text::codepoint(c)
            )));
        }
    }
    if (a.start as usize) < a.prefix.chars().count() {
        return Err(Error::Invalid(format!(
            "the anchor's prefix is longer than the {} characters before the quote",
            a.start
        )));
    }
    if !a.prefix.is_empty() || !a.suffix.is_empty() {
        let joined = format!("{}{quote}{}", a.prefix, a.suffix);
        let (s, e) = (a.prefix.len(), a.prefix.len() + quote.len());
        if !text::is_grapheme_boundary(&joined, s) || !text::is_grapheme_boundary(&joined, e) {
            return Err(Error::invalid(
                "the quote starts or ends inside a character of the text (a flag, an emoji sequence or a letter with its accents)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn claim(text: &str, tags: &[&str]) -> OpKind {
        OpKind::CreateClaim {
            claim: Uuid::nil(),
            text: text.into(),
            speaker: None,
            said_on: None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            created_at: Utc::now(),
            created_by: "ана".into(),
        }
    }

    #[test]
    fn claims_follow_the_command_rules() {
        assert!(change(&claim("Мост откроют в 2026 году 🚧", &["инфраструктура"])).is_ok());
        assert!(change(&claim("two\nlines", &[])).is_ok());
        for bad in ["", "   ", "\u{200B}\u{200D}", "esc\u{1b}[2J", "a\u{202E}b"] {
            assert!(change(&claim(bad, &[])).is_err(), "{bad:?}");
        }
        for bad in ["", "Upper", "two\nlines", " padded"] {
            assert!(change(&claim("ok", &[bad])).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn anchors_must_span_their_quote_between_characters() {
        let a = |start, end, prefix: &str, suffix: &str| Anchor {
            start,
            end,
            prefix: prefix.into(),
            suffix: suffix.into(),
        };
        assert!(check_anchor(Some("мост"), &a(5, 9, "Новый", " открыт")).is_ok());
        assert!(check_anchor(Some("мост"), &a(9, 5, "", "")).is_err());
        assert!(check_anchor(Some("мост"), &a(5, 10, "", "")).is_err());
        assert!(check_anchor(Some("мост"), &a(0, 4, "x", "")).is_err());
        // One regional indicator of a flag, and a skin tone cut from its hand.
        assert!(check_anchor(Some("\u{1F1FA}"), &a(0, 1, "", "\u{1F1E6}")).is_err());
        assert!(check_anchor(Some("👋"), &a(3, 4, "hi ", "\u{1F3FD}")).is_err());
    }
}
