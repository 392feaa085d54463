//! Reviews of claims published elsewhere: importing them (each with the claim it is about)
//! and reading them back beside the desk's own verdicts.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

use super::{Store, Writer, write};
use crate::error::{Error, Result};
use crate::model::{SourceKind, Status};
use crate::ops::{OpKind, review_id, reviewed_claim_id};
use crate::text::{self, MAX_LANG_CHARS, MAX_NAME_CHARS};
use crate::validate::MAX_RATING_VALUE_CHARS;
use crate::views::ReviewView;

/// One review read from a ClaimReview file or a fact-check search result, with the claim it
/// is about, as given; [`Store::import_reviews`] checks it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewReview {
    /// Where it was in the input (`review 3`), for messages.
    pub label: String,
    pub url: String,
    /// The review URL the claim's id is derived from, when it is not this review's own: the
    /// reviews of one claim in a fact-check search result share the first one's claim.
    pub claim_of: Option<String>,
    /// The claim reviewed (`claimReviewed`, `text`).
    pub claim: String,
    /// When the claim was made (`itemReviewed.datePublished`, `claimDate`).
    pub claim_date: Option<String>,
    pub claimant: Option<String>,
    /// What the claimant is, when the review says (`Person`, `Organization`).
    pub claimant_kind: Option<SourceKind>,
    /// Where the claim appeared (URLs).
    pub appearances: Vec<String>,
    pub publisher: Option<String>,
    pub publisher_site: Option<String>,
    pub title: Option<String>,
    pub rating: Option<String>,
    pub rating_value: Option<String>,
    pub best_rating: Option<String>,
    pub worst_rating: Option<String>,
    pub reviewed_on: Option<String>,
    pub lang: Option<String>,
}

/// What an import of reviews did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReviewImportSummary {
    /// Reviews added, and the claims, sources and articles added with them.
    pub reviews: usize,
    pub claims: usize,
    pub sources: usize,
    pub articles: usize,
    /// Reviews already in the database (imported before, here or by a teammate), or listed
    /// twice in the input: left as they are.
    pub already_present: usize,
    /// Reviews of the desk's own claims (its ClaimReview export read back): the claims and
    /// verdicts are already here, so nothing is added.
    pub own_claims: usize,
    /// Items left out with `--skip-invalid`, one line each.
    pub skipped_invalid: Vec<String>,
}

impl Store {
    /// Import `reviews` in one transaction, each as an ordinary claim (its id derived from
    /// the review's URL, its claimant as speaker, its appearances as articles by URL) and a
    /// review of it; the claim's status is left alone. A review already here, and a review
    /// of a claim of this database (the desk's own export read back), adds nothing. Any
    /// refused review refuses all of them, the error naming its label.
    pub fn import_reviews(&mut self, reviews: &[NewReview]) -> Result<ReviewImportSummary> {
        // Claimants are taken as the reviews name them; `source merge` joins duplicates.
        self.with_new_sources(|store| store.import_review_list(reviews))
    }

    fn import_review_list(&mut self, reviews: &[NewReview]) -> Result<ReviewImportSummary> {
        self.write_bulk(reviews.len() * 4, |w| {
            let mut sum = ReviewImportSummary::default();
            let sources = count(w.conn(), "SELECT count(*) FROM sources")?;
            let articles = count(w.conn(), "SELECT count(*) FROM articles")?;
            for r in reviews {
                import_one(w, r, &mut sum).map_err(|e| match e {
                    Error::Invalid(m) | Error::NotFound(m) | Error::Ambiguous(m) => {
                        Error::Invalid(format!("{}: {m}", r.label))
                    }
                    other => other,
                })?;
            }
            sum.sources = (count(w.conn(), "SELECT count(*) FROM sources")? - sources) as usize;
            sum.articles = (count(w.conn(), "SELECT count(*) FROM articles")? - articles) as usize;
            Ok(sum)
        })
    }

    /// The reviews published elsewhere of each of `claims` that has any, newest first.
    pub fn external_reviews(&self, claims: &[Uuid]) -> Result<HashMap<Uuid, Vec<ReviewView>>> {
        external_reviews(&self.conn, claims)
    }
}

fn count(conn: &Connection, sql: &str) -> Result<i64> {
    Ok(conn.query_row(sql, [], |r| r.get(0))?)
}

fn import_one(w: &mut Writer<'_>, r: &NewReview, sum: &mut ReviewImportSummary) -> Result<()> {
    let url = r.url.trim();
    if own_claim(w.conn(), url)?.is_some() {
        sum.own_claims += 1;
        return Ok(());
    }
    if url.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("urn:")) {
        return Err(Error::invalid(
            "its url is a placeholder (urn:), not the address the review was published at; \
             a desk exporting ClaimReview gives its reviews addresses with --url-base",
        ));
    }
    let url = text::url("review URL", url)?;
    let id = review_id(&url);
    let present: Option<i64> = w
        .conn()
        .prepare_cached("SELECT 1 FROM reviews WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    if present.is_some() {
        sum.already_present += 1;
        return Ok(());
    }
    let opt_name =
        |what: &str, v: &Option<String>, max: usize| text::optional_name(what, v.as_deref(), max);
    let publisher = opt_name("publisher", &r.publisher, MAX_NAME_CHARS)?;
    let publisher_site = opt_name("publisher site", &r.publisher_site, MAX_NAME_CHARS)?;
    let title = opt_name("review title", &r.title, MAX_NAME_CHARS)?;
    let rating = opt_name("rating", &r.rating, MAX_NAME_CHARS)?;
    let rating_value = opt_name("ratingValue", &r.rating_value, MAX_RATING_VALUE_CHARS)?;
    let best_rating = opt_name("bestRating", &r.best_rating, MAX_RATING_VALUE_CHARS)?;
    let worst_rating = opt_name("worstRating", &r.worst_rating, MAX_RATING_VALUE_CHARS)?;
    let lang = opt_name("language", &r.lang, MAX_LANG_CHARS)?;
    let claimant = opt_name("claimant", &r.claimant, MAX_NAME_CHARS)?;
    let reviewed_on = r
        .reviewed_on
        .as_deref()
        .map(|d| text::parse_date("review date", d))
        .transpose()?;
    let mut appearances: Vec<String> = Vec::new();
    for a in &r.appearances {
        let a = text::url("appearance URL", a)?;
        if !appearances.contains(&a) {
            appearances.push(a);
        }
    }
    let claim = reviewed_claim_id(r.claim_of.as_deref().map_or(url.as_str(), str::trim));
    let claim_here: Option<i64> = w
        .conn()
        .prepare_cached("SELECT 1 FROM claims WHERE id = ?1")?
        .query_row([claim.to_string()], |r| r.get(0))
        .optional()?;
    if claim_here.is_none() {
        if let Some(name) = &claimant {
            write::source_or_create(w, name, r.claimant_kind.unwrap_or(SourceKind::Person))?;
        }
        let new = write::NewClaim {
            id: Some(claim),
            text: r.claim.clone(),
            speaker: claimant.clone(),
            said_on: r.claim_date.clone(),
            ..Default::default()
        };
        write::add_claim(w, &new)?;
        for a in &appearances {
            let article = write::article_or_create(w, a)?;
            let created_at = w.now();
            w.emit(OpKind::AddAppearance {
                // One appearance per review and URL, the same on every replica.
                appearance: Uuid::new_v5(&id, a.as_bytes()),
                claim,
                article: Some(Uuid::parse_str(&article).expect("stored ids are UUIDs")),
                via: None,
                quote: None,
                anchor: None,
                created_at,
            })?;
        }
        sum.claims += 1;
    }
    let created_at = w.now();
    w.emit(OpKind::AddReview {
        review: id,
        claim,
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
    })?;
    sum.reviews += 1;
    Ok(())
}

/// The claim of this database a review URL names, when the review is the desk's own
/// ClaimReview export read back: its URL is `urn:uuid:ID` or a URL base followed by the
/// id of a claim that is here.
fn own_claim(conn: &Connection, url: &str) -> Result<Option<Uuid>> {
    let Some(tail) = url
        .len()
        .checked_sub(36)
        .and_then(|at| url.get(at..))
        .and_then(|t| Uuid::parse_str(t).ok())
    else {
        return Ok(None);
    };
    let here: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM claims WHERE id = ?1")?
        .query_row([tail.to_string()], |r| r.get(0))
        .optional()?;
    Ok(here.map(|_| tail))
}

/// See [`Store::external_reviews`].
pub(crate) fn external_reviews(
    conn: &Connection,
    claims: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ReviewView>>> {
    let mut out: HashMap<Uuid, Vec<ReviewView>> = HashMap::new();
    if claims.is_empty() {
        return Ok(out);
    }
    let ids = serde_json::to_string(&claims.iter().map(Uuid::to_string).collect::<Vec<_>>())
        .expect("strings serialize");
    let mut stmt = conn.prepare_cached(
        "SELECT claim_id, id, url, publisher, publisher_site, title, rating, rating_value,
                best_rating, worst_rating, reviewed_on, lang, claimant, appearances, created_at
         FROM reviews WHERE claim_id IN (SELECT value FROM json_each(?1))
         ORDER BY claim_id, reviewed_on IS NULL, reviewed_on DESC, created_at DESC, id",
    )?;
    let mut rows = stmt.query([ids])?;
    while let Some(row) = rows.next()? {
        let claim: String = row.get(0)?;
        let rating: Option<String> = row.get(6)?;
        let appearances: String = row.get(13)?;
        let view = ReviewView {
            id: Uuid::parse_str(&row.get::<_, String>(1)?).unwrap_or_default(),
            url: row.get(2)?,
            publisher: row.get(3)?,
            publisher_site: row.get(4)?,
            title: row.get(5)?,
            rating_status: rating
                .as_deref()
                .and_then(Status::from_rating)
                .map(|s| s.as_str().to_string()),
            rating,
            rating_value: row.get(7)?,
            best_rating: row.get(8)?,
            worst_rating: row.get(9)?,
            reviewed_on: row.get(10)?,
            lang: row.get(11)?,
            claimant: row.get(12)?,
            appearances: serde_json::from_str(&appearances).unwrap_or_default(),
            created_at: row.get(14)?,
        };
        out.entry(Uuid::parse_str(&claim).unwrap_or_default())
            .or_default()
            .push(view);
    }
    Ok(out)
}
