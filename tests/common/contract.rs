//! The `--json` documents, as strict structs: an added, renamed or missing field fails the
//! test that reads it. Kept apart from the library's own types on purpose.
#![allow(dead_code)]

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Init {
    pub path: String,
    pub replica_id: String,
    pub user: Option<String>,
    pub created: bool,
    pub schema_version: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub short_id: String,
    pub name: String,
    pub kind: String,
    pub aliases: Vec<String>,
    pub url: Option<String>,
    pub created_at: String,
    pub claims_spoken: u64,
    pub claims_relayed: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub id: String,
    pub short_id: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    pub text_chars: Option<u64>,
    pub text_sha256: Option<String>,
    pub created_at: String,
    pub claims: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictBrief {
    pub id: String,
    pub status: String,
    pub author: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRow {
    pub id: String,
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
    pub disputed: Vec<VerdictBrief>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    pub claims: Vec<ClaimRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRef {
    pub id: String,
    pub short_id: String,
    pub url: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub start: u64,
    pub end: u64,
    pub prefix: String,
    pub suffix: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appearance {
    pub id: String,
    pub article: Option<ArticleRef>,
    pub via: Option<SourceRef>,
    pub quote: Option<String>,
    pub anchor: Option<Anchor>,
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    pub id: String,
    pub short_id: String,
    pub status: String,
    pub note: Option<String>,
    pub author: String,
    pub created_at: String,
    pub supersedes: Vec<String>,
    pub current: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub id: String,
    pub url: Option<String>,
    pub stance: String,
    pub note: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub op_id: String,
    pub at: String,
    pub author: String,
    pub field: String,
    pub value: serde_json::Value,
    pub prev: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: String,
    pub short_id: String,
    pub text: String,
    pub speaker: Option<SourceRef>,
    pub said_on: Option<String>,
    pub status: String,
    pub tags: Vec<String>,
    pub deleted: bool,
    pub created_at: String,
    pub created_by: String,
    pub appearances: Vec<Appearance>,
    pub verdicts: Vec<Verdict>,
    pub evidence: Vec<Evidence>,
    pub edits: Vec<Edit>,
    pub conflicts: Vec<FieldConflict>,
    pub reviews: Vec<Review>,
    /// Only from `claim add`: the logged claims it is like.
    #[serde(default)]
    pub checked_before: Option<Vec<Similar>>,
}

/// A review of a claim published elsewhere.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub id: String,
    pub url: String,
    pub publisher: Option<String>,
    pub publisher_site: Option<String>,
    pub title: Option<String>,
    pub rating: Option<String>,
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

/// What `import` of reviews published elsewhere reports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewImport {
    pub reviews: usize,
    pub claims: usize,
    pub sources: usize,
    pub articles: usize,
    pub already_present: usize,
    pub own_claims: usize,
    pub skipped_invalid: Vec<String>,
}

/// A claim found like another (`similar`, and `checked_before` of `claim add`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Similar {
    pub id: String,
    pub short_id: String,
    pub score: f64,
    pub text: String,
    pub speaker: Option<String>,
    pub status: String,
    pub verdicts: Vec<serde_json::Value>,
    pub reviews: Vec<Review>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldValue {
    pub op_id: String,
    pub value: serde_json::Value,
    pub author: String,
    pub at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldConflict {
    pub claim: String,
    pub short_id: String,
    pub field: String,
    pub winner: FieldValue,
    pub losers: Vec<FieldValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflicts {
    pub disputed: Vec<ClaimRow>,
    pub fields: Vec<FieldConflict>,
    pub duplicates: Vec<DuplicateCreate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateCreate {
    pub kind: String,
    pub entity: String,
    pub short_id: String,
    pub fields: Vec<String>,
    pub kept: serde_json::Map<String, serde_json::Value>,
    pub losers: Vec<FieldValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSummary {
    pub remote: String,
    pub pushed: u64,
    pub refused: u64,
    pub refusal: Option<String>,
    #[serde(default)]
    pub held: Option<String>,
    #[serde(default)]
    pub renewed_replica: Option<String>,
    pub pulled: u64,
    pub conflicts: u64,
    pub head: u64,
    pub unsent: u64,
    #[serde(default)]
    pub joined: Option<Joined>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Joined {
    pub seq: u64,
    pub bytes: u64,
    pub resumed_from: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    pub id: String,
    pub short_id: String,
    pub text: String,
    pub status: String,
    pub snippet: String,
    pub score: f64,
    pub reviews: Vec<Review>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    pub query: String,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    pub id: String,
    pub at: String,
    pub hlc: u64,
    pub author: String,
    pub replica: String,
    pub summary: String,
    pub change: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    pub operations: Vec<LogEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSummary {
    pub sources: usize,
    pub articles: usize,
    pub claims: usize,
    pub appearances: usize,
    pub verdicts: usize,
    pub evidence: usize,
    pub reviews: usize,
    pub skipped: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub format: String,
    pub path: String,
    pub records: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub ok: bool,
    pub integrity: String,
    pub foreign_key_violations: u64,
    pub operations: u64,
    pub rebuild_differences: Vec<String>,
    pub duplicates: Vec<String>,
}
