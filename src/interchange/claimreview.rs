//! schema.org ClaimReview JSON-LD for claims whose current verdicts agree on a rating.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::model::Status;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct ClaimReviewOptions {
    /// The organisation publishing the reviews.
    pub publisher: String,
    /// The publisher's web address.
    pub publisher_url: Option<String>,
    /// The address of the publisher's logo image.
    pub logo: Option<String>,
    /// The reviews' language (`inLanguage`), such as `en` or `ru`.
    pub language: Option<String>,
    /// Review URLs are this base followed by the claim id; without one, `urn:uuid:<id>`.
    pub url_base: Option<String>,
    /// How each verdict is rated.
    pub scale: RatingScale,
}

impl Default for ClaimReviewOptions {
    fn default() -> Self {
        ClaimReviewOptions {
            publisher: "claimdb".into(),
            publisher_url: None,
            logo: None,
            language: None,
            url_base: None,
            scale: RatingScale::default(),
        }
    }
}

/// The rating a verdict is published with: its name and, on a numeric scale, its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub name: String,
    pub value: Option<i64>,
}

/// A desk's rating scale: a name and value for each verdict status, between `worst` and
/// `best`. The default runs from 1 (false) to 5 (verified), with unverifiable unrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingScale {
    pub best: i64,
    pub worst: i64,
    ratings: BTreeMap<Status, Rating>,
}

impl Default for RatingScale {
    fn default() -> Self {
        let ratings = Status::ALL
            .into_iter()
            .filter_map(|s| {
                let (value, name) = s.claim_review_rating()?;
                Some((
                    s,
                    Rating {
                        name: name.to_string(),
                        value: value.map(i64::from),
                    },
                ))
            })
            .collect();
        RatingScale {
            best: 5,
            worst: 1,
            ratings,
        }
    }
}

impl RatingScale {
    /// A scale naming every verdict status (`unverified` and `in-progress` are not verdicts
    /// and are never published), each value between `worst` and `best`.
    pub fn new(best: i64, worst: i64, ratings: BTreeMap<String, Rating>) -> Result<RatingScale> {
        let bad = |m: String| Err(Error::Invalid(m));
        if worst >= best {
            return bad(format!("worst ({worst}) must be lower than best ({best})"));
        }
        let mut by_status = BTreeMap::new();
        for (key, rating) in ratings {
            let status: Status = key.parse()?;
            if !status.is_verdict() {
                return bad(format!(
                    "'{key}' is a workflow state, not a verdict, and is never published"
                ));
            }
            crate::text::check_name("rating name", &rating.name, crate::text::MAX_NAME_CHARS)?;
            if let Some(v) = rating.value {
                if v < worst || v > best {
                    return bad(format!(
                        "{key} has value {v}, outside {worst}..{best} (worst..best)"
                    ));
                }
            }
            if by_status.insert(status, rating).is_some() {
                return bad(format!("{key} is given twice"));
            }
        }
        let missing: Vec<&str> = Status::ALL
            .into_iter()
            .filter(|s| s.is_verdict() && !by_status.contains_key(s))
            .map(Status::as_str)
            .collect();
        if !missing.is_empty() {
            return bad(format!("no rating for {}", missing.join(", ")));
        }
        Ok(RatingScale {
            best,
            worst,
            ratings: by_status,
        })
    }

    /// The rating for `status`, if it is a verdict.
    pub fn rating(&self, status: Status) -> Option<&Rating> {
        self.ratings.get(&status)
    }
}

/// What a ClaimReview export produced.
#[derive(Debug, Clone, Default)]
pub struct ClaimReviews {
    pub reviews: Vec<Value>,
    /// Claims whose review URL is a `urn:uuid:` placeholder (no URL base was given).
    pub placeholder_urls: Vec<String>,
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
/// disputed), in claim id order; only the claims in `keep` when it is given.
pub fn claim_reviews(
    store: &Store,
    opts: &ClaimReviewOptions,
    keep: Option<&HashSet<String>>,
) -> Result<ClaimReviews> {
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
    let publisher_url = opts
        .publisher_url
        .as_deref()
        .map(|u| crate::text::url("--publisher-url", u))
        .transpose()?;
    let logo = opts
        .logo
        .as_deref()
        .map(|u| crate::text::url("--logo", u))
        .transpose()?;
    let language = crate::text::optional_name(
        "--language",
        opts.language.as_deref(),
        crate::text::MAX_LANG_CHARS,
    )?;
    let mut out = ClaimReviews::default();
    for (id, text, status, said_on, speaker, kind, reviewed_at, note) in rows {
        if keep.is_some_and(|k| !k.contains(&id)) {
            continue;
        }
        let Ok(status) = status.parse::<Status>() else {
            continue;
        };
        let Some(rating) = opts.scale.rating(status) else {
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
        let mut rating = json!({"@type": "Rating", "alternateName": rating.name});
        if let Some(v) = opts.scale.rating(status).and_then(|r| r.value) {
            rating["ratingValue"] = v.into();
            rating["bestRating"] = opts.scale.best.into();
            rating["worstRating"] = opts.scale.worst.into();
        }
        let url = match &url_base {
            Some(base) => format!("{base}{id}"),
            None => {
                out.placeholder_urls.push(id.clone());
                format!("urn:uuid:{id}")
            }
        };
        let mut publisher = json!({"@type": "Organization", "name": opts.publisher});
        if let Some(u) = &publisher_url {
            publisher["url"] = u.as_str().into();
        }
        if let Some(l) = &logo {
            publisher["logo"] = json!({"@type": "ImageObject", "url": l});
        }
        let mut review = json!({
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": url,
            "author": publisher,
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
        if let Some(l) = &language {
            review["inLanguage"] = l.as_str().into();
        }
        out.reviews.push(review);
    }
    Ok(out)
}
