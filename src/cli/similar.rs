//! `claimdb similar`, the "checked before" notice of the commands that log claims, and the
//! evaluation of the matching on labelled pairs.

use std::path::Path;

use anyhow::Result;

use claimdb::Store;
use claimdb::similar::{CHECKED_BEFORE, CHECKED_BEFORE_LIMIT};
use claimdb::store::Like;
use claimdb::store::ids::{MIN_PREFIX, normalize_prefix};
use claimdb::text::{clip, printable as p};
use claimdb::views::SimilarHit;

use crate::cli::args::SimilarArgs;
use crate::cli::render::Style;

/// `claimdb similar (ID | TEXT)`.
pub fn run(store: &Store, style: Style, a: SimilarArgs) -> Result<()> {
    let query = a.query.join(" ");
    if query.trim().is_empty() {
        return Err(claimdb::Error::invalid(
            "give a claim id or a text to compare, such as: claimdb similar \"Unemployment fell to 5%\"",
        )
        .into());
    }
    if !(0.0..=1.0).contains(&a.min_score) {
        return Err(claimdb::Error::invalid("--min-score must be from 0 to 1").into());
    }
    let like = if a.text {
        Like::Text(&query)
    } else {
        like(store, &query)?
    };
    let hits = store.similar(like, a.limit, a.min_score)?;
    let (of, given) = match like {
        Like::Claim(_) => ("claim", query.trim().to_string()),
        Like::Text(_) => ("text", query.clone()),
    };
    style.out(
        &serde_json::json!({ "query": { of: given }, "similar": hits }),
        || {
            if hits.is_empty() {
                "no similar claims".to_string()
            } else {
                hits.iter().map(line).collect::<Vec<_>>().join("\n")
            }
        },
    );
    Ok(())
}

/// Whether `query` names a claim: one word of hex digits that is a claim's id or id prefix.
/// A word that merely looks like hex ("added", "face") and is no claim's id is a text; one
/// with digits in it, or as long as a shown id, must be a claim.
fn like<'a>(store: &Store, query: &'a str) -> Result<Like<'a>> {
    let word = query.trim();
    let Some(prefix) = normalize_prefix(word) else {
        return Ok(Like::Text(query));
    };
    let digits = prefix.chars().filter(|c| *c != '-').count();
    if word.contains(char::is_whitespace) || digits < MIN_PREFIX {
        return Ok(Like::Text(query));
    }
    match store.claim_show(word) {
        Ok(_) => Ok(Like::Claim(word)),
        Err(claimdb::Error::NotFound(_)) => {
            if word.chars().any(|c| c.is_ascii_digit()) || digits >= 8 {
                Err(claimdb::Error::NotFound(format!(
                    "no claim has the id '{}'; to compare it as a text, give --text",
                    p(word)
                ))
                .into())
            } else {
                Ok(Like::Text(query))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// One match as a line: score, id, status (and the current verdicts when they disagree),
/// text, speaker.
pub fn line(h: &SimilarHit) -> String {
    let mut status = h.status.clone();
    if h.verdicts.len() > 1 {
        let each: Vec<String> = h
            .verdicts
            .iter()
            .map(|v| format!("{} by {}", v.status, p(&v.author)))
            .collect();
        status = format!("{status}: {}", each.join(", "));
    }
    let mut out = format!(
        "{:.2}  {}  [{}]  {}",
        h.score,
        h.short_id,
        status,
        clip(&h.text, 80)
    );
    if let Some(s) = &h.speaker {
        out += &format!(" — {}", clip(s, 40));
    }
    if !h.reviews.is_empty() {
        let each: Vec<String> = h
            .reviews
            .iter()
            .map(|r| {
                let publisher = r.publisher.as_deref().unwrap_or("(unnamed publisher)");
                p(&format!("{publisher} {}", r.rating_text())).to_string()
            })
            .collect();
        out += &format!("\n        reviewed elsewhere: {}", each.join("; "));
    }
    out
}

/// The claims that `text` was probably checked as before: the best few scoring at least
/// [`CHECKED_BEFORE`].
pub fn checked_before(store: &Store, text: &str) -> Result<Vec<SimilarHit>> {
    Ok(store.similar(Like::Text(text), CHECKED_BEFORE_LIMIT, CHECKED_BEFORE)?)
}

/// Tell the user on standard error, before the claim is logged.
pub fn warn(hits: &[SimilarHit], what: &str) {
    if hits.is_empty() {
        return;
    }
    eprintln!("checked before? {what} is like:");
    for h in hits {
        eprintln!("  {}", line(h));
    }
}

/// `claimdb similar --eval FILE`.
pub fn eval(style: Style, file: &Path) -> Result<()> {
    let dir =
        tempfile::tempdir().map_err(|e| claimdb::Error::io("cannot make a temporary folder", e))?;
    let report = claimdb::similar::eval::run(file, dir.path(), CHECKED_BEFORE)?;
    style.out(&report, || report.render());
    Ok(())
}
