//! schema.org ClaimReview JSON-LD for claims whose current verdicts agree on a rating.

use serde_json::{Value, json};

use crate::error::Result;
use crate::model::Status;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct ClaimReviewOptions {
    /// The organisation publishing the reviews.
    pub publisher: String,
    /// Review URLs are this base followed by the claim id; without one, `urn:uuid:<id>`.
    pub url_base: Option<String>,
}

impl Default for ClaimReviewOptions {
    fn default() -> Self {
        ClaimReviewOptions {
            publisher: "claimdb".into(),
            url_base: None,
        }
    }
}

/// id, text, status, said_on, speaker name, speaker kind, last verdict time, current note.
type ReviewRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// One ClaimReview per live claim whose status is a verdict (not a workflow state, not
/// disputed), in claim id order.
pub fn claim_reviews(store: &Store, opts: &ClaimReviewOptions) -> Result<Vec<Value>> {
    let url_base = opts
        .url_base
        .as_deref()
        .map(|b| crate::text::url("--url-base", b))
        .transpose()?;
    let c = store.conn();
    let mut stmt = c.prepare(
        "SELECT c.id, c.text, c.status, c.said_on, s.name, s.kind,
                (SELECT max(v.created_at) FROM verdicts v WHERE v.claim_id = c.id),
                (SELECT v.note FROM verdicts v WHERE v.claim_id = c.id
                 AND NOT EXISTS (SELECT 1 FROM verdict_supersedes x JOIN verdicts w ON w.id = x.verdict_id
                             WHERE x.superseded_id = v.id AND w.claim_id = v.claim_id)
                 ORDER BY v.created_at DESC, v.id LIMIT 1)
         FROM claims c LEFT JOIN sources s ON s.id = c.speaker_id
         WHERE NOT c.deleted ORDER BY c.id",
    )?;
    let rows: Vec<ReviewRow> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (id, text, status, said_on, speaker, kind, reviewed_at, note) in rows {
        let Ok(status) = status.parse::<Status>() else {
            continue;
        };
        let Some((value, name)) = status.claim_review_rating() else {
            continue;
        };
        let mut appearances: Vec<Value> = Vec::new();
        let mut first_via: Option<(String, String)> = None;
        let mut ap = c.prepare_cached(
            "SELECT ar.url, ar.title, vs.name, vs.kind FROM appearances a
             LEFT JOIN articles ar ON ar.id = a.article_id
             LEFT JOIN sources vs ON vs.id = a.via_id
             WHERE a.claim_id = ?1 ORDER BY a.created_at, a.id",
        )?;
        let mut rows = ap.query([&id])?;
        while let Some(r) = rows.next()? {
            let url: Option<String> = r.get(0)?;
            let title: Option<String> = r.get(1)?;
            if first_via.is_none() {
                if let (Some(n), Some(k)) = (
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ) {
                    first_via = Some((n, k));
                }
            }
            // Only web addresses are published (a database written before they were checked
            // may hold others).
            if let Some(url) = url.filter(|u| crate::text::check_url("URL", u).is_ok()) {
                let mut a = json!({"@type": "CreativeWork", "url": url});
                if let Some(t) = title {
                    a["headline"] = t.into();
                }
                if !appearances.contains(&a) {
                    appearances.push(a);
                }
            }
        }
        let schema_type = |kind: &str| {
            if kind == "person" {
                "Person"
            } else {
                "Organization"
            }
        };
        let author = speaker
            .zip(kind)
            .or(first_via)
            .map(|(n, k)| json!({"@type": schema_type(&k), "name": n}));
        let mut item = json!({"@type": "Claim"});
        if let Some(a) = author {
            item["author"] = a;
        }
        if let Some(d) = said_on {
            item["datePublished"] = d.into();
        }
        if let Some(first) = appearances.first() {
            item["firstAppearance"] = first.clone();
            item["appearance"] = Value::Array(appearances.clone());
        }
        let mut rating = json!({"@type": "Rating", "alternateName": name});
        if let Some(v) = value {
            rating["ratingValue"] = v.into();
            rating["bestRating"] = 5.into();
            rating["worstRating"] = 1.into();
        }
        let url = match &url_base {
            Some(base) => format!("{base}{id}"),
            None => format!("urn:uuid:{id}"),
        };
        let mut review = json!({
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": url,
            "author": {"@type": "Organization", "name": opts.publisher},
            "claimReviewed": text,
            "itemReviewed": item,
            "reviewRating": rating,
        });
        if let Some(d) = reviewed_at.as_deref().and_then(|d| d.get(..10)) {
            review["datePublished"] = d.into();
        }
        if let Some(n) = note {
            review["reviewBody"] = n.into();
        }
        out.push(review);
    }
    Ok(out)
}
