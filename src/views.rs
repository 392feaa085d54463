//! What commands return: plain data, rendered as tables for people or as JSON for scripts.
//! The JSON shapes are a contract, described in `schema/json-output.md`.

use serde::Serialize;
use uuid::Uuid;

use crate::model::Anchor;

#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    pub id: Uuid,
    pub short_id: String,
    pub name: String,
    pub kind: String,
    pub aliases: Vec<String>,
    pub url: Option<String>,
    pub created_at: String,
    /// Claims this source made.
    pub claims_spoken: u64,
    /// Appearances this source relayed.
    pub claims_relayed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleRef {
    pub id: Uuid,
    pub short_id: String,
    pub url: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    pub id: Uuid,
    pub short_id: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    /// Length of the stored text in characters, if the text is stored.
    pub text_chars: Option<u64>,
    pub text_sha256: Option<String>,
    pub created_at: String,
    pub claims: u64,
}

/// A current verdict, shown beside a disputed claim.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictBrief {
    pub id: Uuid,
    pub status: String,
    pub author: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClaimRow {
    pub id: Uuid,
    pub short_id: String,
    pub text: String,
    pub speaker: Option<String>,
    pub said_on: Option<String>,
    pub status: String,
    pub tags: Vec<String>,
    pub appearances: u64,
    pub verdicts: u64,
    pub deleted: bool,
    pub created_at: String,
    /// The disagreeing current verdicts, when `status` is `disputed`.
    pub disputed: Vec<VerdictBrief>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppearanceView {
    pub id: Uuid,
    pub article: Option<ArticleRef>,
    pub via: Option<SourceRef>,
    pub quote: Option<String>,
    /// Where the quote sits in the article's text, counted in characters.
    pub anchor: Option<Anchor>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerdictView {
    pub id: Uuid,
    pub short_id: String,
    pub status: String,
    pub note: Option<String>,
    pub author: String,
    pub created_at: String,
    pub supersedes: Vec<Uuid>,
    /// Whether no other verdict supersedes this one.
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    pub id: Uuid,
    pub url: Option<String>,
    pub stance: String,
    pub note: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EditView {
    pub op_id: Uuid,
    pub at: String,
    pub author: String,
    pub field: String,
    pub value: serde_json::Value,
    pub prev: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClaimView {
    pub id: Uuid,
    pub short_id: String,
    pub text: String,
    pub speaker: Option<SourceRef>,
    pub said_on: Option<String>,
    pub status: String,
    pub tags: Vec<String>,
    pub deleted: bool,
    pub created_at: String,
    pub created_by: String,
    pub appearances: Vec<AppearanceView>,
    /// Every verdict, oldest first.
    pub verdicts: Vec<VerdictView>,
    pub evidence: Vec<EvidenceView>,
    /// Field and tag changes after creation, oldest first.
    pub edits: Vec<EditView>,
    /// Fields set concurrently by members who had not seen each other's value.
    pub conflicts: Vec<crate::store::FieldConflict>,
    /// Reviews of this claim published elsewhere (imported), newest first. They are not
    /// the desk's verdicts and never set `status`.
    pub reviews: Vec<ReviewView>,
}

/// A review of a claim published elsewhere, as it was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewView {
    pub id: Uuid,
    pub url: String,
    pub publisher: Option<String>,
    pub publisher_site: Option<String>,
    pub title: Option<String>,
    /// The textual rating as written.
    pub rating: Option<String>,
    /// The claimdb status the rating means, where the rating table makes that clear; shown
    /// beside the rating, never the claim's status.
    pub rating_status: Option<String>,
    pub rating_value: Option<String>,
    pub best_rating: Option<String>,
    pub worst_rating: Option<String>,
    pub reviewed_on: Option<String>,
    pub lang: Option<String>,
    pub claimant: Option<String>,
    pub appearances: Vec<String>,
    pub created_at: String,
}

impl ReviewView {
    /// One line: `PolitiFact: Pants on Fire (= false) 2021-03-22 https://...`.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{}: {}",
            self.publisher.as_deref().unwrap_or("(unnamed publisher)"),
            self.rating_text()
        );
        if let Some(d) = &self.reviewed_on {
            out += &format!(" {d}");
        }
        out += &format!(" {}", self.url);
        out
    }

    /// For a spreadsheet cell: `PolitiFact: Pants on Fire (https://...)`.
    pub fn cell(&self) -> String {
        let rating = match (&self.rating, &self.rating_value) {
            (Some(r), _) => r.clone(),
            (None, Some(v)) => v.clone(),
            (None, None) => String::new(),
        };
        format!(
            "{}: {rating} ({})",
            self.publisher.as_deref().unwrap_or("(unnamed publisher)"),
            self.url
        )
    }

    /// The rating as written, with the status it means when that is clear:
    /// `'Pants on Fire' (= false)`; a bare value (`2/5`) when there is no text.
    pub fn rating_text(&self) -> String {
        let written = match (&self.rating, &self.rating_value) {
            (Some(r), _) => format!("'{r}'"),
            (None, Some(v)) => match &self.best_rating {
                Some(b) => format!("{v}/{b}"),
                None => v.clone(),
            },
            (None, None) => "(no rating)".into(),
        };
        match &self.rating_status {
            Some(s) => format!("{written} (= {s})"),
            None => written,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub id: Uuid,
    pub short_id: String,
    pub text: String,
    pub status: String,
    /// The best-matching passage, matches wrapped in `**`.
    pub snippet: String,
    /// Relevance (higher is better).
    pub score: f64,
    /// Reviews of the claim published elsewhere (imported), newest first.
    pub reviews: Vec<ReviewView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub id: Uuid,
    pub at: String,
    pub hlc: u64,
    pub author: String,
    pub replica: Uuid,
    pub summary: String,
    pub change: serde_json::Value,
}

/// A claim found like another, with the verdicts it carries.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarHit {
    pub id: Uuid,
    pub short_id: String,
    /// How alike, from 0 to 1 (1: the same terms).
    pub score: f64,
    pub text: String,
    pub speaker: Option<String>,
    /// The claim's status, derived from its current verdicts.
    pub status: String,
    /// Its current verdicts (those no other verdict supersedes).
    pub verdicts: Vec<VerdictBrief>,
    /// Reviews of it published elsewhere (imported), newest first.
    pub reviews: Vec<ReviewView>,
}
