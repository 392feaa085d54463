//! Reading reviews published elsewhere: schema.org ClaimReview JSON-LD as fact-checkers
//! publish it (one object, an array, an `@graph`, a `DataFeed`, or the JSON-LD blocks of an
//! HTML page), and the JSON of Google's Fact Check Tools `claims:search`.

use serde_json::{Map, Value};

use crate::model::SourceKind;
use crate::store::NewReview;

/// The reviews an input holds, and one line for each item that lacks what a review needs.
#[derive(Debug, Clone, Default)]
pub struct ReviewFeed {
    pub reviews: Vec<NewReview>,
    /// `review 3 (https://...): no claimReviewed (the claim's text)`.
    pub invalid: Vec<String>,
    /// What the input was: `ClaimReview JSON-LD`, `an HTML page's JSON-LD (2 blocks)`,
    /// `Fact Check Tools claims:search`.
    pub kind: String,
}

/// Whether `data` (its first few KiB) looks like reviews rather than claimdb's own formats:
/// an HTML page, or JSON with the marks of JSON-LD or of a fact-check search result, unless
/// it starts as claimdb's files do (`format` of a JSON export, `type` of a JSON Lines record).
pub fn looks_like_reviews(data: &[u8]) -> bool {
    const MARKS: &[&str] = &[
        "\"@context\"",
        "\"@type\"",
        "\"@graph\"",
        "\"claims\"",
        "\"claimReview",
        "\"dataFeedElement\"",
    ];
    let text = String::from_utf8_lossy(&data[..data.len().min(4096)]);
    let text = text.trim_start_matches('\u{FEFF}').trim_start();
    let marked = || MARKS.iter().any(|m| text.contains(m));
    match text.chars().next() {
        Some('<') => true,
        Some('[') => marked(),
        Some('{') => {
            let rest = text[1..].trim_start();
            !(rest.starts_with("\"format\"") || rest.starts_with("\"type\"")) && marked()
        }
        _ => false,
    }
}

/// Read the reviews in `data`. An error is one line saying why nothing can be read
/// (malformed JSON, a field of the wrong type, an HTML page without ClaimReview).
pub fn read_reviews(data: &[u8]) -> Result<ReviewFeed, String> {
    let text = std::str::from_utf8(data).map_err(|e| {
        format!(
            "line {}: not valid UTF-8; save the file as UTF-8",
            data[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        )
    })?;
    let text = text.trim_start_matches('\u{FEFF}');
    let mut feed = ReviewFeed::default();
    if text.trim_start().starts_with('<') {
        let blocks = script_blocks(text);
        if blocks.is_empty() {
            return Err(
                "an HTML page without JSON-LD (<script type=\"application/ld+json\">); nothing to import"
                    .into(),
            );
        }
        let values = blocks
            .iter()
            .enumerate()
            .map(|(i, block)| {
                serde_json::from_str::<Value>(block).map_err(|e| {
                    format!(
                        "the page's JSON-LD block {}: {e}; nothing was imported",
                        i + 1
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut found = Vec::new();
        for v in &values {
            collect(v, &mut found)?;
        }
        if found.is_empty() {
            return Err(format!(
                "the page's {} JSON-LD block(s) hold no ClaimReview; nothing to import",
                blocks.len()
            ));
        }
        feed.kind = format!("an HTML page's JSON-LD ({} blocks)", blocks.len());
        read_claim_reviews(&found, &mut feed)?;
        return Ok(feed);
    }
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("line {}: {e}; this is not valid JSON", e.line()))?;
    if let Some(claims) = v.as_object().and_then(|o| o.get("claims")) {
        feed.kind = "Fact Check Tools claims:search".into();
        let claims = claims
            .as_array()
            .ok_or("`claims` must be a list of claims")?;
        read_search_results(claims, &mut feed)?;
        return Ok(feed);
    }
    let mut found = Vec::new();
    collect(&v, &mut found)?;
    if found.is_empty() {
        return Err(
            "no ClaimReview in this JSON (an object, a list, an @graph or a DataFeed of ClaimReview); nothing to import"
                .into(),
        );
    }
    feed.kind = "ClaimReview JSON-LD".into();
    read_claim_reviews(&found, &mut feed)?;
    Ok(feed)
}

/// The contents of every `<script type="application/ld+json">` element of a page.
fn script_blocks(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| i + at) {
        let Some(tag_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let tag = &lower[start..tag_end];
        let Some(close) = lower[tag_end..].find("</script").map(|i| i + tag_end) else {
            break;
        };
        if tag.contains("application/ld+json") {
            out.push(&html[tag_end + 1..close]);
        }
        at = close + "</script".len();
    }
    out
}

fn is_type(o: &Map<String, Value>, wanted: &str) -> bool {
    let matches = |t: &str| t == wanted || t.rsplit([':', '/', '#']).next() == Some(wanted);
    match o.get("@type") {
        Some(Value::String(t)) => matches(t),
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str().is_some_and(matches)),
        _ => false,
    }
}

/// Every ClaimReview object in a JSON-LD value: itself, the items of a list or `@graph`, or
/// the items of a `DataFeed` (each `dataFeedElement`, or its `item`, one or a list).
fn collect<'a>(v: &'a Value, out: &mut Vec<&'a Map<String, Value>>) -> Result<(), String> {
    match v {
        Value::Array(items) => {
            for i in items {
                collect(i, out)?;
            }
        }
        Value::Object(o) if is_type(o, "ClaimReview") => out.push(o),
        Value::Object(o) => {
            if let Some(g) = o.get("@graph") {
                collect(g, out)?;
            }
            if let Some(elements) = o.get("dataFeedElement") {
                let list = match elements {
                    Value::Array(l) => l.as_slice(),
                    one => std::slice::from_ref(one),
                };
                for e in list {
                    match e.as_object().and_then(|o| o.get("item")) {
                        Some(item) => collect(item, out)?,
                        None => collect(e, out)?,
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A text field: a string, a number (as written), or absent; anything else is refused.
fn text_of(o: &Map<String, Value>, key: &str, label: &str) -> Result<Option<String>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!(
            "{label}: {key} must be a text, not {}",
            kind_of(other)
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A name, with the `@type` and `url` of the object that gave it.
type Named = (String, Option<String>, Option<String>);

/// A name given as a text, or as an object with `name` (an author, a publisher, a language),
/// or as a list of them (the first is kept); with the object's `@type` and `url` when given.
fn named(o: &Map<String, Value>, key: &str, label: &str) -> Result<Option<Named>, String> {
    let v = match o.get(key) {
        Some(Value::Array(l)) => l.first(),
        other => other,
    };
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some((s.clone(), None, None))),
        Some(Value::Object(a)) => {
            let name = text_of(a, "name", label)?.or(text_of(a, "alternateName", label)?);
            let kind = match a.get("@type") {
                Some(Value::String(t)) => Some(t.clone()),
                _ => None,
            };
            let url = text_of(a, "url", label)?;
            Ok(name.map(|n| (n, kind, url)))
        }
        Some(other) => Err(format!(
            "{label}: {key} must be a name or an object with a name, not {}",
            kind_of(other)
        )),
    }
}

/// The URLs of `appearance` / `firstAppearance`: texts, or objects with `url`.
fn urls(
    o: &Map<String, Value>,
    key: &str,
    label: &str,
    out: &mut Vec<String>,
) -> Result<(), String> {
    let list = match o.get(key) {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(l)) => l.iter().collect::<Vec<_>>(),
        Some(one) => vec![one],
    };
    for v in list {
        let url = match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(a) => text_of(a, "url", label)?,
            other => {
                return Err(format!(
                    "{label}: {key} must be a URL or an object with a url, not {}",
                    kind_of(other)
                ));
            }
        };
        if let Some(u) = url.filter(|u| !out.contains(u)) {
            out.push(u);
        }
    }
    Ok(())
}

fn source_kind(schema_type: Option<&str>) -> Option<SourceKind> {
    match schema_type?.rsplit([':', '/', '#']).next()? {
        "Person" => Some(SourceKind::Person),
        "Organization" | "GovernmentOrganization" | "PoliticalParty" | "NGO" => {
            Some(SourceKind::Organization)
        }
        "NewsMediaOrganization" | "WebSite" | "Blog" => Some(SourceKind::Outlet),
        _ => None,
    }
}

fn read_claim_reviews(found: &[&Map<String, Value>], feed: &mut ReviewFeed) -> Result<(), String> {
    for (i, o) in found.iter().enumerate() {
        let url = text_of(o, "url", &format!("review {}", i + 1))?;
        let label = match &url {
            Some(u) => format!("review {} ({})", i + 1, crate::text::clip(u, 80)),
            None => format!("review {}", i + 1),
        };
        let claim = text_of(o, "claimReviewed", &label)?;
        let rating = match o.get("reviewRating") {
            None | Some(Value::Null) => None,
            Some(Value::Object(r)) => Some(r),
            Some(other) => {
                return Err(format!(
                    "{label}: reviewRating must be an object (a Rating), not {}",
                    kind_of(other)
                ));
            }
        };
        let mut missing = Vec::new();
        if url.is_none() {
            missing.push("no url (the review's address)");
        }
        if claim.is_none() {
            missing.push("no claimReviewed (the claim's text)");
        }
        let (text_rating, value) = match rating {
            Some(r) => (
                text_of(r, "alternateName", &label)?.or(text_of(r, "name", &label)?),
                text_of(r, "ratingValue", &label)?,
            ),
            None => (None, None),
        };
        match rating {
            None => missing.push("no reviewRating (the rating)"),
            Some(_) if text_rating.is_none() && value.is_none() => {
                missing.push("a reviewRating without alternateName or ratingValue")
            }
            Some(_) => {}
        }
        if !missing.is_empty() {
            feed.invalid
                .push(format!("{label}: {}", missing.join(", ")));
            continue;
        }
        let item = match o.get("itemReviewed") {
            None | Some(Value::Null) => None,
            Some(Value::Object(item)) => Some(item),
            Some(other) => {
                return Err(format!(
                    "{label}: itemReviewed must be an object (a Claim), not {}",
                    kind_of(other)
                ));
            }
        };
        let mut review = NewReview {
            label: label.clone(),
            url: url.unwrap_or_default(),
            claim: claim.unwrap_or_default(),
            rating: text_rating,
            rating_value: value,
            ..Default::default()
        };
        if let Some(r) = rating {
            review.best_rating = text_of(r, "bestRating", &label)?;
            review.worst_rating = text_of(r, "worstRating", &label)?;
        }
        let author = match named(o, "author", &label)? {
            Some(a) => Some(a),
            None => named(o, "publisher", &label)?,
        };
        if let Some((name, _, site)) = author {
            review.publisher = Some(name);
            review.publisher_site = site;
        }
        review.title = text_of(o, "name", &label)?.or(text_of(o, "headline", &label)?);
        review.reviewed_on = text_of(o, "datePublished", &label)?;
        review.lang = named(o, "inLanguage", &label)?.map(|l| l.0);
        if let Some(item) = item {
            if let Some((name, kind, _)) = named(item, "author", &label)? {
                review.claimant = Some(name);
                review.claimant_kind = source_kind(kind.as_deref());
            }
            review.claim_date = text_of(item, "datePublished", &label)?;
            urls(item, "firstAppearance", &label, &mut review.appearances)?;
            urls(item, "appearance", &label, &mut review.appearances)?;
        }
        feed.reviews.push(review);
    }
    Ok(())
}

fn read_search_results(claims: &[Value], feed: &mut ReviewFeed) -> Result<(), String> {
    for (i, c) in claims.iter().enumerate() {
        let at = format!("claim {}", i + 1);
        let Some(c) = c.as_object() else {
            return Err(format!("{at}: must be an object, not {}", kind_of(c)));
        };
        let text = text_of(c, "text", &at)?;
        let claimant = text_of(c, "claimant", &at)?;
        let claim_date = text_of(c, "claimDate", &at)?;
        let reviews = match c.get("claimReview") {
            None | Some(Value::Null) => {
                feed.invalid
                    .push(format!("{at}: no claimReview (its reviews)"));
                continue;
            }
            Some(Value::Array(l)) => l,
            Some(other) => {
                return Err(format!(
                    "{at}: claimReview must be a list of reviews, not {}",
                    kind_of(other)
                ));
            }
        };
        // The claim's reviews share one claim, named after its first complete review.
        let mut claim_of: Option<String> = None;
        for (j, r) in reviews.iter().enumerate() {
            let Some(r) = r.as_object() else {
                return Err(format!(
                    "{at} review {}: must be an object, not {}",
                    j + 1,
                    kind_of(r)
                ));
            };
            let url = text_of(r, "url", &at)?;
            let label = match &url {
                Some(u) => format!("{at} review {} ({})", j + 1, crate::text::clip(u, 80)),
                None => format!("{at} review {}", j + 1),
            };
            let rating = text_of(r, "textualRating", &label)?;
            let mut missing = Vec::new();
            if url.is_none() {
                missing.push("no url (the review's address)");
            }
            if text.is_none() {
                missing.push("no text (the claim's text)");
            }
            if rating.is_none() {
                missing.push("no textualRating (the rating)");
            }
            if !missing.is_empty() {
                feed.invalid
                    .push(format!("{label}: {}", missing.join(", ")));
                continue;
            }
            let publisher = match r.get("publisher") {
                None | Some(Value::Null) => None,
                Some(Value::Object(p)) => Some(p),
                Some(other) => {
                    return Err(format!(
                        "{label}: publisher must be an object with a name and site, not {}",
                        kind_of(other)
                    ));
                }
            };
            let url = url.unwrap_or_default();
            feed.reviews.push(NewReview {
                label: label.clone(),
                claim_of: claim_of.clone(),
                url: url.clone(),
                claim: text.clone().unwrap_or_default(),
                claim_date: claim_date.clone(),
                claimant: claimant.clone(),
                claimant_kind: None,
                appearances: Vec::new(),
                publisher: publisher
                    .map(|p| text_of(p, "name", &label))
                    .transpose()?
                    .flatten(),
                publisher_site: publisher
                    .map(|p| text_of(p, "site", &label))
                    .transpose()?
                    .flatten(),
                title: text_of(r, "title", &label)?,
                rating,
                rating_value: None,
                best_rating: None,
                worst_rating: None,
                reviewed_on: text_of(r, "reviewDate", &label)?,
                lang: text_of(r, "languageCode", &label)?,
            });
            claim_of.get_or_insert(url);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_reviews_in_every_shape() {
        let one = r#"{"@context":"https://schema.org","@type":"ClaimReview","url":"https://a.example/1",
            "claimReviewed":"Мост откроют в июне","reviewRating":{"@type":"Rating","alternateName":"Ложь"}}"#;
        let feed = read_reviews(one.as_bytes()).unwrap();
        assert_eq!(feed.reviews.len(), 1);
        assert_eq!(feed.reviews[0].rating.as_deref(), Some("Ложь"));
        let graph = format!(
            r#"{{"@context":"https://schema.org","@graph":[{{"@type":"WebPage"}},{one}]}}"#
        );
        assert_eq!(read_reviews(graph.as_bytes()).unwrap().reviews.len(), 1);
        let feed = format!(
            r#"{{"@type":"DataFeed","dataFeedElement":[{{"@type":"DataFeedItem","item":[{one},{one}]}},{{"@type":"DataFeedItem","item":{one}}}]}}"#
        );
        assert_eq!(read_reviews(feed.as_bytes()).unwrap().reviews.len(), 3);
        let html = format!(
            "<html><head><script type=\"application/ld+json\">{one}</script>\n<SCRIPT type='application/ld+json'>{{\"@type\":\"Organization\"}}</SCRIPT></head></html>"
        );
        let feed = read_reviews(html.as_bytes()).unwrap();
        assert_eq!(feed.reviews.len(), 1);
        assert!(feed.kind.contains("2 blocks"), "{}", feed.kind);
    }

    #[test]
    fn items_without_a_claim_or_a_rating_are_listed() {
        let feed = read_reviews(
            br#"[{"@type":"ClaimReview","url":"https://a.example/1","reviewRating":{"alternateName":"False"}},
                 {"@type":"ClaimReview","url":"https://a.example/2","claimReviewed":"x"}]"#,
        )
        .unwrap();
        assert!(feed.reviews.is_empty());
        assert_eq!(
            feed.invalid,
            [
                "review 1 (https://a.example/1): no claimReviewed (the claim's text)",
                "review 2 (https://a.example/2): no reviewRating (the rating)"
            ]
        );
        let err = read_reviews(br#"{"@type":"ClaimReview","claimReviewed":["x"]}"#).unwrap_err();
        assert_eq!(err, "review 1: claimReviewed must be a text, not a list");
        let err = read_reviews(b"<html><body>no data</body></html>").unwrap_err();
        assert!(err.starts_with("an HTML page without JSON-LD"), "{err}");
    }

    #[test]
    fn tells_reviews_from_claimdb_files() {
        assert!(looks_like_reviews(b"  [{\"@type\":\"ClaimReview\"}]"));
        assert!(looks_like_reviews(b"\xEF\xBB\xBF{\"claims\":[]}"));
        assert!(looks_like_reviews(b"<!doctype html>"));
        assert!(!looks_like_reviews(b"{\n  \"format\": \"claimdb\""));
        assert!(!looks_like_reviews(b"{\"type\":\"claim\",\"id\":\"x\"}"));
        assert!(!looks_like_reviews(b"id,text,speaker\n"));
        assert!(!looks_like_reviews(b"{}"));
        assert!(!looks_like_reviews(b"[1, 2, 3]"));
    }
}
