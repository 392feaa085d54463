//! Measuring the matching on labelled claims: a JSON Lines file where each line is a claim
//! as it might arrive (`query`), the claims that say the same thing in other words (`same`)
//! and the near-misses that do not (`different`: a number changed, another country, a
//! negation). Every `same` and `different` claim of every line is logged in a fresh
//! database, through the ordinary write path; then each query is matched against all of
//! them.
//!
//! - **precision@5**: of the claims in a query's top 5 that score at least the threshold
//!   (what "checked before" would show), the share labelled `same` for that query;
//! - **recall@5**: of the `same` claims, the share that are in their query's top 5 at or
//!   above the threshold;
//! - **top-1**: the share of queries whose best match is one of their `same` claims.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{Like, NewClaim, Store};

/// One labelled line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub lang: String,
    pub query: String,
    pub same: Vec<String>,
    #[serde(default)]
    pub different: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The figures at one threshold.
#[derive(Debug, Clone, Serialize)]
pub struct AtThreshold {
    pub threshold: f64,
    pub shown: usize,
    pub relevant_shown: usize,
    pub precision_at_5: f64,
    pub recall_at_5: f64,
}

/// The figures for one language, at the threshold in use.
#[derive(Debug, Clone, Serialize)]
pub struct ByLanguage {
    pub lang: String,
    pub queries: usize,
    pub pairs: usize,
    pub precision_at_5: f64,
    pub recall_at_5: f64,
    pub top_1: f64,
}

/// A query whose best match was a near-miss, or whose `same` claim was not shown.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub query: String,
    pub expected: String,
    pub got: Option<String>,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub queries: usize,
    /// Labelled pairs: every `same` and `different` claim with its query.
    pub pairs: usize,
    pub claims: usize,
    pub threshold: f64,
    pub precision_at_5: f64,
    pub recall_at_5: f64,
    pub top_1: f64,
    pub by_language: Vec<ByLanguage>,
    /// The same figures at other thresholds, to choose one.
    pub thresholds: Vec<AtThreshold>,
    pub misses: Vec<Miss>,
}

impl Report {
    pub fn render(&self) -> String {
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        let mut out = format!(
            "{} queries, {} labelled pairs, {} claims logged\n\
             at the threshold {:.2}: precision@5 {}, recall@5 {}, top-1 {}\n\n",
            self.queries,
            self.pairs,
            self.claims,
            self.threshold,
            pct(self.precision_at_5),
            pct(self.recall_at_5),
            pct(self.top_1)
        );
        out += "language  queries  pairs  precision@5  recall@5  top-1\n";
        for l in &self.by_language {
            out += &format!(
                "{:<9} {:>7} {:>6} {:>12} {:>9} {:>6}\n",
                l.lang,
                l.queries,
                l.pairs,
                pct(l.precision_at_5),
                pct(l.recall_at_5),
                pct(l.top_1)
            );
        }
        out += "\nthreshold  shown  precision@5  recall@5\n";
        for t in &self.thresholds {
            out += &format!(
                "{:>9.2} {:>6} {:>12} {:>9}\n",
                t.threshold,
                t.shown,
                pct(t.precision_at_5),
                pct(t.recall_at_5)
            );
        }
        if !self.misses.is_empty() {
            out += "\nmissed or outranked:\n";
            for m in &self.misses {
                out += &format!(
                    "  {}\n    expected: {}\n    got: {}\n",
                    crate::text::clip(&m.query, 90),
                    crate::text::clip(&m.expected, 90),
                    match (&m.got, m.score) {
                        (Some(g), Some(s)) => format!("{s:.3} {}", crate::text::clip(g, 80)),
                        _ => "nothing".to_string(),
                    }
                );
            }
        }
        out
    }
}

/// Read the labelled lines of `file`.
pub fn read(file: &Path) -> Result<Vec<Group>> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
    let mut groups = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let g: Group = serde_json::from_str(line)
            .map_err(|e| Error::Invalid(format!("{} line {}: {e}", file.display(), i + 1)))?;
        if g.same.is_empty() {
            return Err(Error::Invalid(format!(
                "{} line {}: `same` is empty; give at least one claim that says the same",
                file.display(),
                i + 1
            )));
        }
        groups.push(g);
    }
    if groups.is_empty() {
        return Err(Error::Invalid(format!(
            "{} has no labelled lines",
            file.display()
        )));
    }
    Ok(groups)
}

/// Log every labelled claim in a fresh database in `dir`, match each query, and score.
pub fn run(file: &Path, dir: &Path, threshold: f64) -> Result<Report> {
    let groups = read(file)?;
    let mut store = Store::open(&dir.join("similar-eval.db"), Some("eval"))?;
    // Each labelled claim's id, and which query it belongs to and how.
    let mut label: BTreeMap<String, (usize, bool)> = BTreeMap::new();
    let mut claims = 0;
    for (gi, g) in groups.iter().enumerate() {
        for (text, same) in g
            .same
            .iter()
            .map(|t| (t, true))
            .chain(g.different.iter().map(|t| (t, false)))
        {
            let id = store.add_claim(NewClaim {
                text: text.clone(),
                ..Default::default()
            })?;
            label.insert(id.to_string(), (gi, same));
            claims += 1;
        }
    }
    let mut results = Vec::with_capacity(groups.len());
    for g in &groups {
        results.push(store.similar(Like::Text(&g.query), 5, 0.0)?);
    }
    let relevant = |gi: usize, id: &str| label.get(id).is_some_and(|(g, s)| *g == gi && *s);
    let at = |t: f64, only: Option<&str>| {
        let (mut shown, mut good, mut wanted, mut first, mut queries) = (0, 0, 0, 0, 0);
        for (gi, g) in groups.iter().enumerate() {
            if only.is_some_and(|l| l != g.lang) {
                continue;
            }
            queries += 1;
            wanted += g.same.len();
            let hits = &results[gi];
            if hits
                .first()
                .is_some_and(|h| relevant(gi, &h.id.to_string()))
            {
                first += 1;
            }
            for h in hits.iter().filter(|h| h.score >= t) {
                shown += 1;
                if relevant(gi, &h.id.to_string()) {
                    good += 1;
                }
            }
        }
        let r = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        (
            AtThreshold {
                threshold: t,
                shown,
                relevant_shown: good,
                precision_at_5: r(good, shown),
                recall_at_5: r(good, wanted),
            },
            r(first, queries),
            queries,
        )
    };
    let (main, top_1, _) = at(threshold, None);
    let mut langs: Vec<&str> = groups.iter().map(|g| g.lang.as_str()).collect();
    langs.sort();
    langs.dedup();
    let by_language = langs
        .iter()
        .map(|l| {
            let (a, top, queries) = at(threshold, Some(l));
            ByLanguage {
                lang: l.to_string(),
                queries,
                pairs: groups
                    .iter()
                    .filter(|g| g.lang == *l)
                    .map(|g| g.same.len() + g.different.len())
                    .sum(),
                precision_at_5: a.precision_at_5,
                recall_at_5: a.recall_at_5,
                top_1: top,
            }
        })
        .collect();
    let thresholds = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
        .iter()
        .map(|t| at(*t, None).0)
        .collect();
    let mut misses = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        let hits = &results[gi];
        let top = hits.first();
        if top.is_some_and(|h| relevant(gi, &h.id.to_string()) && h.score >= threshold) {
            continue;
        }
        misses.push(Miss {
            query: g.query.clone(),
            expected: g.same[0].clone(),
            got: top.map(|h| h.text.clone()),
            score: top.map(|h| h.score),
        });
    }
    Ok(Report {
        file: file.display().to_string(),
        queries: groups.len(),
        pairs: groups
            .iter()
            .map(|g| g.same.len() + g.different.len())
            .sum(),
        claims,
        threshold,
        precision_at_5: main.precision_at_5,
        recall_at_5: main.recall_at_5,
        top_1,
        by_language,
        thresholds,
        misses,
    })
}
