//! Claim extraction: propose the attributed claims in an article's text (the quote span, who
//! said it, who relayed it), by rules kept in per-language tables. Pure functions: no store,
//! no terminal.

use serde::Serialize;
pub mod input;

pub mod eval;
pub mod lang;
mod names;
mod rules;
mod segment;

use names::{subset, words};

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
    let doc = segment::Doc::new(text, &lang::en::ENGLISH);
    let mut rules = rules::Rules::new(&doc);
    rules.run();
    let mut found = rules.found;
    // Of two candidates over the same words, keep the more confident (the first on a tie).
    found.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut kept: Vec<rules::Found> = Vec::new();
    for f in found {
        if f.end <= f.start {
            continue;
        }
        match kept.iter_mut().rev().take(8).find(|k| {
            overlap(k.start, k.end, f.start, f.end) * 2 > (f.end - f.start).min(k.end - k.start)
        }) {
            Some(k) => {
                if f.confidence > k.confidence {
                    *k = f;
                }
            }
            None => kept.push(f),
        }
    }
    kept.sort_by_key(|f| f.start);
    let outlet = cx.outlet.as_deref().map(words);
    let chars = CharIndex::new(text);
    kept.into_iter()
        .map(|f| {
            let via = f
                .via
                .filter(|v| !outlet.as_ref().is_some_and(|o| subset(&words(v), o)));
            Candidate {
                quote: text[f.start..f.end].to_string(),
                start: chars.at(f.start),
                end: chars.at(f.end),
                speaker: f.speaker.map(|s| known(&s, &cx.known)),
                via: via.map(|v| known(&v, &cx.known)),
                cue: f.cue,
                kind: f.kind,
                confidence: (f.confidence * 100.0).round() / 100.0,
            }
        })
        .collect()
}

fn overlap(a0: usize, a1: usize, b0: usize, b1: usize) -> usize {
    a1.min(b1).saturating_sub(a0.max(b0))
}

/// The database's name for `name`: a source whose name or alias has the same words, or
/// whose words include all of a capitalised name's words ("Antonov" for "Anatoly Antonov").
fn known(name: &str, known: &[KnownName]) -> String {
    let w = words(name);
    let proper = name.chars().next().is_some_and(char::is_uppercase);
    let mut best: Option<&KnownName> = None;
    for k in known {
        for n in std::iter::once(&k.name).chain(k.aliases.iter()) {
            let kw = words(n);
            if kw == w {
                return k.name.clone();
            }
            if proper && subset(&w, &kw) && best.is_none() {
                best = Some(k);
            }
        }
    }
    best.map_or_else(|| name.to_string(), |k| k.name.clone())
}

/// Byte offsets to character offsets.
struct CharIndex {
    /// Byte offset of every character boundary, in order.
    bounds: Vec<usize>,
}

impl CharIndex {
    fn new(text: &str) -> Self {
        let mut bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bounds.push(text.len());
        CharIndex { bounds }
    }
    fn at(&self, byte: usize) -> u64 {
        self.bounds.partition_point(|&b| b < byte) as u64
    }
}
