//! Claim extraction: propose the attributed claims in an article's text (the quote span, who
//! said it, who relayed it), by rules kept in per-language tables. Pure functions: no store,
//! no terminal.

use serde::Serialize;
pub mod input;

/// How the claim is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The whole content is inside quotation marks.
    Direct,
    /// A reported clause without quotation marks.
    Indirect,
    /// A reported clause with quoted fragments.
    Mixed,
}

/// One proposed claim. `start` and `end` count Unicode scalar values (characters) from the
/// start of the text, the unit of claimdb's anchors; `quote` is exactly that slice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub quote: String,
    pub start: u64,
    pub end: u64,
    pub speaker: Option<String>,
    pub via: Option<String>,
    pub cue: Option<String>,
    pub kind: Kind,
    pub confidence: f64,
}

/// A name already known to the database, with its aliases: a resolved speaker or relay that
/// matches it is given as this name.
#[derive(Debug, Clone, Default)]
pub struct KnownName {
    pub name: String,
    pub aliases: Vec<String>,
}

/// What the extractor may know besides the text.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The outlet that published the article: a claim told to it has no relay.
    pub outlet: Option<String>,
    /// Sources in the database.
    pub known: Vec<KnownName>,
}

/// Propose every attributed claim in `text`, in text order.
pub fn extract(text: &str, cx: &Context) -> Vec<Candidate> {
    let _ = (text, cx);
    Vec::new()
}
