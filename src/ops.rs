//! Operations: the unit of history and of sync. Every write appends one or more operations in
//! the same transaction that updates the tables, and the tables are a fold of the operations
//! (see `store::apply`). Operations are applied idempotently and, for field edits,
//! last-writer-wins by (HLC timestamp, replica id), so the fold does not depend on order.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{Anchor, SourceKind, Stance, Status};

/// A hybrid logical clock timestamp: milliseconds since the Unix epoch in the high bits and a
/// counter in the low 16 bits, so it orders like a number and never repeats on one replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hlc(pub u64);

impl Hlc {
    const COUNTER_BITS: u32 = 16;

    pub fn from_parts(millis: u64, counter: u16) -> Self {
        Hlc((millis << Self::COUNTER_BITS) | u64::from(counter))
    }

    pub fn millis(self) -> u64 {
        self.0 >> Self::COUNTER_BITS
    }

    /// The next timestamp after `last` at wall-clock time `now_millis`.
    pub fn tick(last: Hlc, now_millis: u64) -> Hlc {
        let wall = Hlc::from_parts(now_millis, 0);
        if wall > last { wall } else { Hlc(last.0 + 1) }
    }

    pub fn now(last: Hlc) -> Hlc {
        let now = Utc::now().timestamp_millis().max(0) as u64;
        Hlc::tick(last, now)
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis() as i64).unwrap_or_default()
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_datetime().format("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

/// One recorded change, with who made it, where and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Op {
    pub id: Uuid,
    pub hlc: Hlc,
    pub replica: Uuid,
    pub author: String,
    #[serde(rename = "change")]
    pub kind: OpKind,
}

/// The kinds of entity operations create and refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Source,
    Article,
    Claim,
    Appearance,
    Verdict,
    Evidence,
    Review,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Source => "source",
            EntityKind::Article => "article",
            EntityKind::Claim => "claim",
            EntityKind::Appearance => "appearance",
            EntityKind::Verdict => "verdict",
            EntityKind::Evidence => "evidence",
            EntityKind::Review => "review",
        }
    }
}

/// A claim field that can be edited; the value travels with its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum ClaimField {
    Text(String),
    Speaker(Option<Uuid>),
    SaidOn(Option<NaiveDate>),
    Deleted(bool),
}

impl ClaimField {
    pub fn name(&self) -> &'static str {
        match self {
            ClaimField::Text(_) => "text",
            ClaimField::Speaker(_) => "speaker",
            ClaimField::SaidOn(_) => "said_on",
            ClaimField::Deleted(_) => "deleted",
        }
    }
}

/// What an operation does. Creations carry the new entity's id, so applying one twice is a
/// no-op. Source and article ids may be derived from a name or URL ([`source_id`],
/// [`article_id`]), so two members who add the same one create the same entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpKind {
    CreateSource {
        source: Uuid,
        name: String,
        kind: SourceKind,
        url: Option<String>,
        aliases: Vec<String>,
        created_at: DateTime<Utc>,
    },
    AddAlias {
        source: Uuid,
        alias: String,
    },
    CreateArticle {
        article: Uuid,
        url: Option<String>,
        title: Option<String>,
        outlet: Option<Uuid>,
        published: Option<NaiveDate>,
        lang: Option<String>,
        text: Option<String>,
        text_sha256: Option<String>,
        created_at: DateTime<Utc>,
    },
    CreateClaim {
        claim: Uuid,
        text: String,
        speaker: Option<Uuid>,
        said_on: Option<NaiveDate>,
        #[serde(default)]
        tags: Vec<String>,
        created_at: DateTime<Utc>,
        created_by: String,
    },
    /// Set one field of a claim; `prev` is the value it replaced on the writer's replica and
    /// `prev_op` the operation that had set it (none if it was set at creation).
    SetClaim {
        claim: Uuid,
        set: ClaimField,
        prev: ClaimField,
        #[serde(default)]
        prev_op: Option<Uuid>,
        /// Concurrent edits of this field the writer saw listed as conflicts and settles.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        resolves: Vec<Uuid>,
    },
    /// Add (`present`) or remove a tag; each tag is its own last-writer-wins flag.
    SetTag {
        claim: Uuid,
        tag: String,
        present: bool,
        prev: bool,
    },
    AddAppearance {
        appearance: Uuid,
        claim: Uuid,
        article: Option<Uuid>,
        via: Option<Uuid>,
        quote: Option<String>,
        anchor: Option<Anchor>,
        created_at: DateTime<Utc>,
    },
    /// A verdict is never edited: a later one lists the verdicts it supersedes (only verdicts
    /// of the same claim count).
    AddVerdict {
        verdict: Uuid,
        claim: Uuid,
        status: Status,
        note: Option<String>,
        author: String,
        supersedes: Vec<Uuid>,
        created_at: DateTime<Utc>,
    },
    AddEvidence {
        evidence: Uuid,
        claim: Uuid,
        url: Option<String>,
        stance: Stance,
        note: Option<String>,
        created_at: DateTime<Utc>,
    },
    /// `drop` is the same source as `keep`: every reference to `drop` stands for `keep`, and
    /// `drop`'s names become names of `keep`. When merges disagree (one source merged into
    /// two, or two merged into each other), the later by (HLC, replica id, op id) counts.
    MergeSource {
        keep: Uuid,
        drop: Uuid,
    },
    /// A review of the claim published elsewhere (imported ClaimReview), kept as it was
    /// written. It is never the desk's verdict: applying it leaves the claim's status alone.
    /// Its id is [`review_id`] of its URL.
    AddReview {
        review: Uuid,
        claim: Uuid,
        url: String,
        publisher: Option<String>,
        publisher_site: Option<String>,
        title: Option<String>,
        /// The textual rating as written (`alternateName`, `textualRating`).
        rating: Option<String>,
        /// `ratingValue`, `bestRating` and `worstRating` as written (numbers in their JSON
        /// form).
        rating_value: Option<String>,
        best_rating: Option<String>,
        worst_rating: Option<String>,
        reviewed_on: Option<NaiveDate>,
        lang: Option<String>,
        /// Who made the claim, as the review names them.
        claimant: Option<String>,
        /// Where the claim appeared, as the review gives it.
        appearances: Vec<String>,
        created_at: DateTime<Utc>,
    },
}

const SOURCE_NAMESPACE: Uuid = Uuid::from_u128(0x6c1a_2f0e_9b3d_4c5e_8a71_0d2c_3e4f_5a61);
const ARTICLE_NAMESPACE: Uuid = Uuid::from_u128(0x7d2b_3a1f_ac4e_4d6f_9b82_1e3d_4f5a_6b72);
const REVIEW_NAMESPACE: Uuid = Uuid::from_u128(0x8e3c_4b20_bd5f_4e70_ac93_2f4e_5a6b_7c83);
const REVIEWED_CLAIM_NAMESPACE: Uuid = Uuid::from_u128(0x9f4d_5c31_ce60_4f81_bda4_3a5f_6b7c_8d94);

/// The id of the source called `name`, the same on every replica.
pub fn source_id(name: &str) -> Uuid {
    Uuid::new_v5(&SOURCE_NAMESPACE, crate::text::fold(name).as_bytes())
}

/// The id of the article at `url`, the same on every replica.
pub fn article_id(url: &str) -> Uuid {
    Uuid::new_v5(&ARTICLE_NAMESPACE, url.trim().as_bytes())
}

/// The id of the review published at `url`, the same on every replica.
pub fn review_id(url: &str) -> Uuid {
    Uuid::new_v5(&REVIEW_NAMESPACE, url.trim().as_bytes())
}

/// The id of the claim an imported review at `url` is about, the same on every replica: one
/// review, one claim, however often it is imported.
pub fn reviewed_claim_id(url: &str) -> Uuid {
    Uuid::new_v5(&REVIEWED_CLAIM_NAMESPACE, url.trim().as_bytes())
}

impl OpKind {
    /// The entity this operation creates or changes.
    pub fn entity(&self) -> Uuid {
        match self {
            OpKind::CreateSource { source, .. } | OpKind::AddAlias { source, .. } => *source,
            OpKind::CreateArticle { article, .. } => *article,
            OpKind::CreateClaim { claim, .. }
            | OpKind::SetClaim { claim, .. }
            | OpKind::SetTag { claim, .. } => *claim,
            OpKind::AddAppearance { appearance, .. } => *appearance,
            OpKind::AddVerdict { verdict, .. } => *verdict,
            OpKind::AddEvidence { evidence, .. } => *evidence,
            OpKind::MergeSource { drop, .. } => *drop,
            OpKind::AddReview { review, .. } => *review,
        }
    }

    /// The entity this operation brings into being, if it is a creation.
    pub fn creates(&self) -> Option<(EntityKind, Uuid)> {
        match self {
            OpKind::CreateSource { source, .. } => Some((EntityKind::Source, *source)),
            OpKind::CreateArticle { article, .. } => Some((EntityKind::Article, *article)),
            OpKind::CreateClaim { claim, .. } => Some((EntityKind::Claim, *claim)),
            OpKind::AddAppearance { appearance, .. } => Some((EntityKind::Appearance, *appearance)),
            OpKind::AddVerdict { verdict, .. } => Some((EntityKind::Verdict, *verdict)),
            OpKind::AddEvidence { evidence, .. } => Some((EntityKind::Evidence, *evidence)),
            OpKind::AddReview { review, .. } => Some((EntityKind::Review, *review)),
            OpKind::AddAlias { .. }
            | OpKind::SetClaim { .. }
            | OpKind::SetTag { .. }
            | OpKind::MergeSource { .. } => None,
        }
    }

    /// The entities, with their kinds, that must exist before this operation can apply.
    /// (The verdicts a verdict supersedes need not: superseding is recorded by id alone.)
    pub fn references(&self) -> Vec<(EntityKind, Uuid)> {
        use EntityKind::*;
        match self {
            OpKind::CreateSource { .. } => Vec::new(),
            OpKind::AddAlias { source, .. } => vec![(Source, *source)],
            OpKind::MergeSource { keep, drop } => vec![(Source, *keep), (Source, *drop)],
            OpKind::CreateArticle { outlet, .. } => outlet.iter().map(|o| (Source, *o)).collect(),
            OpKind::CreateClaim { speaker, .. } => speaker.iter().map(|s| (Source, *s)).collect(),
            OpKind::SetClaim { claim, set, .. } => match set {
                ClaimField::Speaker(Some(s)) => vec![(Claim, *claim), (Source, *s)],
                _ => vec![(Claim, *claim)],
            },
            OpKind::SetTag { claim, .. }
            | OpKind::AddVerdict { claim, .. }
            | OpKind::AddEvidence { claim, .. }
            | OpKind::AddReview { claim, .. } => vec![(Claim, *claim)],
            OpKind::AddAppearance {
                claim,
                article,
                via,
                ..
            } => std::iter::once((Claim, *claim))
                .chain(article.map(|a| (Article, a)))
                .chain(via.map(|v| (Source, v)))
                .collect(),
        }
    }

    /// The claim this operation concerns, if any.
    pub fn claim(&self) -> Option<Uuid> {
        match self {
            OpKind::CreateClaim { claim, .. }
            | OpKind::SetClaim { claim, .. }
            | OpKind::SetTag { claim, .. }
            | OpKind::AddAppearance { claim, .. }
            | OpKind::AddVerdict { claim, .. }
            | OpKind::AddEvidence { claim, .. }
            | OpKind::AddReview { claim, .. } => Some(*claim),
            OpKind::CreateSource { .. }
            | OpKind::AddAlias { .. }
            | OpKind::CreateArticle { .. }
            | OpKind::MergeSource { .. } => None,
        }
    }

    /// A one-line description for `claimdb log`.
    pub fn summary(&self) -> String {
        fn short(id: &Uuid) -> String {
            id.to_string()[..8].to_string()
        }
        fn clip(s: &str) -> String {
            crate::text::clip(s, 60)
        }
        match self {
            OpKind::CreateSource {
                source, name, kind, ..
            } => {
                format!("add {kind} source {} '{}'", short(source), clip(name))
            }
            OpKind::AddAlias { source, alias } => {
                format!("alias source {} as '{}'", short(source), clip(alias))
            }
            OpKind::MergeSource { keep, drop } => {
                format!("merge source {} into {}", short(drop), short(keep))
            }
            OpKind::CreateArticle {
                article,
                url,
                title,
                ..
            } => format!(
                "add article {} {}",
                short(article),
                clip(url.as_deref().or(title.as_deref()).unwrap_or("(untitled)"))
            ),
            OpKind::CreateClaim { claim, text, .. } => {
                format!("add claim {} '{}'", short(claim), clip(text))
            }
            OpKind::SetClaim { claim, set, .. } => match set {
                ClaimField::Deleted(true) => format!("delete claim {}", short(claim)),
                ClaimField::Deleted(false) => format!("restore claim {}", short(claim)),
                ClaimField::Text(t) => format!("edit claim {} text '{}'", short(claim), clip(t)),
                ClaimField::Speaker(_) => format!("edit claim {} speaker", short(claim)),
                ClaimField::SaidOn(d) => format!(
                    "edit claim {} said_on {}",
                    short(claim),
                    d.map(|d| d.to_string()).unwrap_or_else(|| "(none)".into())
                ),
            },
            OpKind::SetTag {
                claim,
                tag,
                present,
                ..
            } => format!(
                "{} tag '{}' on claim {}",
                if *present { "add" } else { "remove" },
                clip(tag),
                short(claim)
            ),
            OpKind::AddAppearance { claim, quote, .. } => match quote {
                Some(q) => format!("appearance of claim {} '{}'", short(claim), clip(q)),
                None => format!("appearance of claim {}", short(claim)),
            },
            OpKind::AddVerdict { claim, status, .. } => {
                format!("mark claim {} {status}", short(claim))
            }
            OpKind::AddEvidence {
                claim, stance, url, ..
            } => format!(
                "evidence for claim {} ({stance}) {}",
                short(claim),
                url.as_deref().map(clip).unwrap_or_default()
            ),
            OpKind::AddReview {
                claim,
                publisher,
                rating,
                ..
            } => format!(
                "review of claim {} by {}: {}",
                short(claim),
                clip(publisher.as_deref().unwrap_or("(unnamed publisher)")),
                clip(rating.as_deref().unwrap_or("(no rating text)"))
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hlc_ticks_forward_even_when_the_clock_goes_back() {
        let a = Hlc::tick(Hlc(0), 1_000);
        assert_eq!(a.millis(), 1_000);
        let b = Hlc::tick(a, 1_000);
        assert!(b > a);
        let c = Hlc::tick(b, 500);
        assert!(c > b);
        assert_eq!(c.millis(), 1_000);
        let d = Hlc::tick(c, 2_000);
        assert_eq!(d, Hlc::from_parts(2_000, 0));
    }

    #[test]
    fn op_json_round_trips() {
        let op = Op {
            id: Uuid::nil(),
            hlc: Hlc::from_parts(1, 2),
            replica: Uuid::nil(),
            author: "ана".into(),
            kind: OpKind::SetClaim {
                claim: Uuid::nil(),
                set: ClaimField::Text("new".into()),
                prev: ClaimField::Text("old".into()),
                prev_op: None,
                resolves: Vec::new(),
            },
        };
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(json["change"]["op"], "set_claim");
        assert_eq!(json["change"]["set"]["field"], "text");
        assert_eq!(json["change"]["prev"]["value"], "old");
        let back: Op = serde_json::from_value(json).unwrap();
        assert_eq!(back, op);
    }
}
