//! Scoring the extractor against hand-annotated articles: a folder of `NAME.txt` with
//! `NAME.claims.json` (and optionally `NAME.meta.json` naming the outlet).
//!
//! A candidate matches a gold claim when their spans overlap by at least half of each;
//! matching is one to one, largest overlap first. Speaker and relay accuracy are over
//! matched pairs: two names agree when one's words are all among the other's ("Antonov" and
//! "Anatoly Antonov"), or when both are absent.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Candidate, Context, Kind, extract};
use crate::error::{Error, Result};

/// One annotated claim.
#[derive(Debug, Clone, Deserialize)]
pub struct Gold {
    pub quote: String,
    pub speaker: Option<String>,
    pub via: Option<String>,
    #[serde(default)]
    pub cue: Option<String>,
    #[serde(default)]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    pub name: String,
    pub gold: usize,
    pub candidates: usize,
    pub matched: usize,
    pub speaker_right: usize,
    pub via_right: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub speaker_accuracy: f64,
    pub via_accuracy: f64,
}

impl Score {
    fn finish(&mut self) {
        let r = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.precision = r(self.matched, self.candidates);
        self.recall = r(self.matched, self.gold);
        self.f1 = if self.precision + self.recall == 0.0 {
            0.0
        } else {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        };
        self.speaker_accuracy = r(self.speaker_right, self.matched);
        self.via_accuracy = r(self.via_right, self.matched);
    }

    fn add(&mut self, o: &Score) {
        self.gold += o.gold;
        self.candidates += o.candidates;
        self.matched += o.matched;
        self.speaker_right += o.speaker_right;
        self.via_right += o.via_right;
    }
}

/// A mistake, for reading what the extractor still gets wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Mistake {
    pub article: String,
    /// `missed`, `extra`, `speaker` or `via`.
    pub what: &'static str,
    pub quote: String,
    pub expected: Option<String>,
    pub got: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub articles: Vec<Score>,
    pub total: Score,
    pub mistakes: Vec<Mistake>,
}

/// Word sets for name comparison: lower case, punctuation and articles dropped.
fn name_words(s: &str) -> Vec<String> {
    super::words(s)
        .into_iter()
        .map(|w| w.trim_end_matches("'s").trim_end_matches("’s").to_string())
        .filter(|w| !matches!(w.as_str(), "the" | "a" | "an"))
        .collect()
}

/// Whether two names agree: both absent, or one's words all among the other's.
pub fn names_agree(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => super::subset(&name_words(x), &name_words(y)),
        _ => false,
    }
}

/// Score candidates for one text against its gold claims.
pub fn score(
    name: &str,
    text: &str,
    gold: &[Gold],
    cands: &[Candidate],
    mistakes: &mut Vec<Mistake>,
) -> Score {
    let char_span = |q: &str| -> Option<(u64, u64)> {
        let b = text.find(q)?;
        let s = text[..b].chars().count() as u64;
        Some((s, s + q.chars().count() as u64))
    };
    let spans: Vec<Option<(u64, u64)>> = gold.iter().map(|g| char_span(&g.quote)).collect();
    let mut pairs = Vec::new();
    for (gi, gs) in spans.iter().enumerate() {
        let Some((g0, g1)) = *gs else { continue };
        for (ci, c) in cands.iter().enumerate() {
            let ov = g1.min(c.end).saturating_sub(g0.max(c.start));
            if ov * 2 >= g1 - g0 && ov * 2 >= c.end - c.start && ov > 0 {
                pairs.push((ov, gi, ci));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut gold_taken = vec![None; gold.len()];
    let mut cand_taken = vec![false; cands.len()];
    for (_, gi, ci) in pairs {
        if gold_taken[gi].is_none() && !cand_taken[ci] {
            gold_taken[gi] = Some(ci);
            cand_taken[ci] = true;
        }
    }
    let mut s = Score {
        name: name.to_string(),
        gold: gold.len(),
        candidates: cands.len(),
        ..Score::default()
    };
    for (gi, g) in gold.iter().enumerate() {
        match gold_taken[gi] {
            None => mistakes.push(Mistake {
                article: name.to_string(),
                what: "missed",
                quote: g.quote.clone(),
                expected: g.speaker.clone(),
                got: None,
            }),
            Some(ci) => {
                let c = &cands[ci];
                s.matched += 1;
                if names_agree(g.speaker.as_deref(), c.speaker.as_deref()) {
                    s.speaker_right += 1;
                } else {
                    mistakes.push(Mistake {
                        article: name.to_string(),
                        what: "speaker",
                        quote: g.quote.clone(),
                        expected: g.speaker.clone(),
                        got: c.speaker.clone(),
                    });
                }
                if names_agree(g.via.as_deref(), c.via.as_deref()) {
                    s.via_right += 1;
                } else {
                    mistakes.push(Mistake {
                        article: name.to_string(),
                        what: "via",
                        quote: g.quote.clone(),
                        expected: g.via.clone(),
                        got: c.via.clone(),
                    });
                }
            }
        }
    }
    for (ci, c) in cands.iter().enumerate() {
        if !cand_taken[ci] {
            mistakes.push(Mistake {
                article: name.to_string(),
                what: "extra",
                quote: c.quote.clone(),
                expected: None,
                got: c.speaker.clone().or(c.via.clone()),
            });
        }
    }
    s.finish();
    s
}

#[derive(Deserialize)]
struct Meta {
    outlet: Option<String>,
}

/// Run the extractor on every annotated article in `dir` and score it.
pub fn run_dir(dir: &Path) -> Result<Report> {
    let io = |e: std::io::Error| Error::Io(format!("{}: {e}", dir.display()));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            n.strip_suffix(".claims.json").map(str::to_string)
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(Error::Invalid(format!(
            "{} holds no annotated articles (NAME.txt with NAME.claims.json)",
            dir.display()
        )));
    }
    let mut report = Report::default();
    for name in names {
        let read = |ext: &str| {
            let p = dir.join(format!("{name}{ext}"));
            std::fs::read_to_string(&p).map_err(|e| Error::Io(format!("{}: {e}", p.display())))
        };
        let text = read(".txt")?;
        let gold: Vec<Gold> =
            serde_json::from_str(&read(".claims.json")?).map_err(|e| Error::Import {
                path: dir
                    .join(format!("{name}.claims.json"))
                    .display()
                    .to_string(),
                message: e.to_string(),
            })?;
        let outlet = read(".meta.json")
            .ok()
            .and_then(|m| serde_json::from_str::<Meta>(&m).ok())
            .and_then(|m| m.outlet);
        let cx = Context {
            outlet,
            known: Vec::new(),
        };
        let cands = extract(&text, &cx);
        let s = score(&name, &text, &gold, &cands, &mut report.mistakes);
        report.total.add(&s);
        report.articles.push(s);
    }
    report.total.name = "all".to_string();
    report.total.finish();
    Ok(report)
}

impl Report {
    /// A plain-text table, one row an article and one for all of them.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{:<32} {:>5} {:>5} {:>5} {:>6} {:>6} {:>6} {:>7} {:>6}\n",
            "article", "gold", "found", "match", "prec", "recall", "F1", "speaker", "via"
        );
        for s in self.articles.iter().chain(std::iter::once(&self.total)) {
            out.push_str(&format!(
                "{:<32} {:>5} {:>5} {:>5} {:>6.3} {:>6.3} {:>6.3} {:>7.3} {:>6.3}\n",
                crate::text::clip(&s.name, 32),
                s.gold,
                s.candidates,
                s.matched,
                s.precision,
                s.recall,
                s.f1,
                s.speaker_accuracy,
                s.via_accuracy
            ));
        }
        out
    }

    /// The mistakes, one line each.
    pub fn render_mistakes(&self) -> String {
        let mut out = String::new();
        for m in &self.mistakes {
            out.push_str(&format!(
                "{:<28} {:<7} {:?} expected {:?} got {:?}\n",
                crate::text::clip(&m.article, 28),
                m.what,
                crate::text::clip(&m.quote, 90),
                m.expected,
                m.got
            ));
        }
        out
    }
}
