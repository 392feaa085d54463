//! The nouns of fact-checking: sources, articles, claims, appearances, verdicts, evidence,
//! and the status vocabulary with its ClaimReview mapping.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The verification statuses a team member can record. `disputed` is not among them: it is
/// derived when current verdicts disagree (see [`DisplayStatus`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Unverified,
    InProgress,
    Verified,
    MostlyTrue,
    Mixed,
    Misleading,
    False,
    Unverifiable,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Unverified,
        Status::InProgress,
        Status::Verified,
        Status::MostlyTrue,
        Status::Mixed,
        Status::Misleading,
        Status::False,
        Status::Unverifiable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unverified => "unverified",
            Status::InProgress => "in-progress",
            Status::Verified => "verified",
            Status::MostlyTrue => "mostly-true",
            Status::Mixed => "mixed",
            Status::Misleading => "misleading",
            Status::False => "false",
            Status::Unverifiable => "unverifiable",
        }
    }

    /// Workflow states say where the work is; verdicts say what was found.
    pub fn is_verdict(self) -> bool {
        !matches!(self, Status::Unverified | Status::InProgress)
    }

    /// ClaimReview `ratingValue` (1 worst .. 5 best) and `alternateName`, for verdicts only.
    pub fn claim_review_rating(self) -> Option<(Option<u8>, &'static str)> {
        match self {
            Status::Verified => Some((Some(5), "True")),
            Status::MostlyTrue => Some((Some(4), "Mostly true")),
            Status::Mixed => Some((Some(3), "Mixed")),
            Status::Misleading => Some((Some(2), "Misleading")),
            Status::False => Some((Some(1), "False")),
            Status::Unverifiable => Some((None, "Unverifiable")),
            Status::Unverified | Status::InProgress => None,
        }
    }

    /// The status a review elsewhere means by its textual `rating`, where that is clear: the
    /// table of common English ratings in docs/import-export.md. Case, accents, punctuation
    /// and spacing do not matter ("Pants on Fire!", "half-true"); any other rating means no
    /// status. It is shown beside the rating and never becomes a claim's status.
    pub fn from_rating(rating: &str) -> Option<Status> {
        let key: String = crate::text::fold(rating)
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let key = key.split_whitespace().collect::<Vec<_>>().join(" ");
        let status = match key.as_str() {
            "true" | "correct" | "accurate" | "verified" | "geppetto checkmark" => Status::Verified,
            "mostly true" | "mostly correct" | "mostly accurate" | "largely accurate" => {
                Status::MostlyTrue
            }
            "half true" | "mixture" | "mixed" | "partly true" | "partially true"
            | "partly false" | "partially false" | "half truth" => Status::Mixed,
            "misleading" | "missing context" | "lacks context" | "needs context"
            | "distorts the facts" | "cherry picks" | "out of context" => Status::Misleading,
            "false" | "pants on fire" | "fake" | "incorrect" | "wrong" | "inaccurate"
            | "fabricated" | "four pinocchios" | "altered" | "hoax" => Status::False,
            "unproven"
            | "unsubstantiated"
            | "unverifiable"
            | "no evidence"
            | "insufficient evidence"
            | "cannot be verified" => Status::Unverifiable,
            _ => return None,
        };
        Some(status)
    }

    /// The stance evidence attached with `mark` takes by default.
    pub fn default_stance(self) -> Stance {
        match self {
            Status::Verified | Status::MostlyTrue => Stance::Supports,
            Status::False | Status::Misleading => Stance::Refutes,
            _ => Stance::Context,
        }
    }

    pub fn valid_list() -> String {
        Status::ALL.map(Status::as_str).join(", ")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let wanted = s.trim().to_lowercase().replace(['_', ' '], "-");
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == wanted)
            .ok_or_else(|| {
                let hint = if wanted == "disputed" {
                    " (disputed is shown, not set: record a verdict to settle a dispute)"
                } else {
                    ""
                };
                Error::Invalid(format!(
                    "unknown status '{s}'{hint}; valid statuses: {}",
                    Status::valid_list()
                ))
            })
    }
}

/// What a claim shows: the agreed status of its current verdicts, or `disputed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DisplayStatus {
    Disputed,
    #[serde(untagged)]
    Status(Status),
}

impl DisplayStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DisplayStatus::Disputed => "disputed",
            DisplayStatus::Status(s) => s.as_str(),
        }
    }

    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.trim().eq_ignore_ascii_case("disputed") {
            Ok(DisplayStatus::Disputed)
        } else {
            Ok(DisplayStatus::Status(s.parse()?))
        }
    }
}

impl fmt::Display for DisplayStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident ($noun:literal) { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                let wanted = s.trim().to_lowercase();
                $name::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| {
                    let valid: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    Error::Invalid(format!(
                        "unknown {} '{s}'; valid values: {}",
                        $noun,
                        valid.join(", ")
                    ))
                })
            }
        }
    };
}

word_enum!(
    /// What sort of thing a source is.
    SourceKind("source kind") {
        Person = "person",
        Outlet = "outlet",
        Organization = "organization",
        Document = "document",
    }
);

word_enum!(
    /// How a piece of evidence bears on a claim.
    Stance("stance") {
        Supports = "supports",
        Refutes = "refutes",
        Context = "context",
    }
);

/// Where a quote sits in its article's stored text. Positions count Unicode scalar values
/// (characters), `start` inclusive and `end` exclusive; `prefix` and `suffix` are up to
/// [`crate::text::CONTEXT_CHARS`] characters around it, as in a W3C TextQuoteSelector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub start: u64,
    pub end: u64,
    pub prefix: String,
    pub suffix: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        assert_eq!("Mostly True".parse::<Status>().unwrap(), Status::MostlyTrue);
        let err = "bogus".parse::<Status>().unwrap_err().to_string();
        assert!(
            err.contains("valid statuses: unverified, in-progress"),
            "{err}"
        );
        let err = "disputed".parse::<Status>().unwrap_err().to_string();
        assert!(err.contains("record a verdict"), "{err}");
    }

    #[test]
    fn display_status_serializes_flat() {
        let v = serde_json::to_string(&DisplayStatus::Status(Status::MostlyTrue)).unwrap();
        assert_eq!(v, "\"mostly-true\"");
        let v = serde_json::to_string(&DisplayStatus::Disputed).unwrap();
        assert_eq!(v, "\"disputed\"");
        let back: DisplayStatus = serde_json::from_str("\"false\"").unwrap();
        assert_eq!(back, DisplayStatus::Status(Status::False));
    }

    #[test]
    fn clear_english_ratings_map_to_statuses() {
        for (rating, status) in [
            ("True", Status::Verified),
            ("CORRECT", Status::Verified),
            ("Mostly True", Status::MostlyTrue),
            ("Half True", Status::Mixed),
            ("half-true", Status::Mixed),
            ("Mixture", Status::Mixed),
            ("Partly true", Status::Mixed),
            ("Missing context", Status::Misleading),
            ("Distorts the Facts", Status::Misleading),
            ("Misleading.", Status::Misleading),
            ("False", Status::False),
            ("Pants on Fire!", Status::False),
            ("  pants   on fire ", Status::False),
            ("Four Pinocchios", Status::False),
            ("Fake", Status::False),
            ("Incorrect", Status::False),
            ("Unproven", Status::Unverifiable),
            ("Unsubstantiated", Status::Unverifiable),
        ] {
            assert_eq!(Status::from_rating(rating), Some(status), "{rating:?}");
        }
        // Unclear ratings, and ratings in other languages, stay as written.
        for rating in [
            "Satire",
            "Mostly False",
            "Three Pinocchios",
            "Needs more research",
            "Ложь",
            "Yanlış",
            "زائف",
            "True, but",
            "",
            "Not false",
        ] {
            assert_eq!(Status::from_rating(rating), None, "{rating:?}");
        }
    }

    #[test]
    fn only_verdicts_map_to_claimreview() {
        assert_eq!(Status::Unverified.claim_review_rating(), None);
        assert_eq!(
            Status::False.claim_review_rating(),
            Some((Some(1), "False"))
        );
        assert_eq!(
            Status::Unverifiable.claim_review_rating(),
            Some((None, "Unverifiable"))
        );
    }
}
