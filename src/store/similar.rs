//! The similar-claims index: each live claim's normalised terms (`similar_docs`), the claims
//! holding each term (`similar_postings`) and how many do (`similar_df`), kept by the fold;
//! and the query that ranks claims against a text by [`crate::similar::score`].

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::Store;
use super::ids::{self, Table};
use crate::error::{Error, Result};
use crate::similar::{pack, score, term_ids, unpack, weight};
use crate::views::{SimilarHit, VerdictBrief};

/// Most posting-list entries one query reads. Terms are read rarest first, so a query whose
/// words are all common reads a bounded sample of their lists instead of all of them.
const POSTINGS_BUDGET: usize = 20_000;
/// Claims scored in full, the best by their shared terms' weight.
const CANDIDATES: usize = 100;
/// The `similar_df` row that counts indexed claims.
const COUNT_ROW: i64 = 0;

/// Changes to the posting lists and counts, gathered over many claims and written sorted
/// (by term, then claim) in one pass: inserting one claim's terms as they come lands each on
/// a different page of a large index. At most [`BATCH_POSTINGS`] are held at a time.
#[derive(Default)]
pub(super) struct Batch {
    add: Vec<(i64, i64)>,
    remove: Vec<(i64, i64)>,
    counts: HashMap<i64, i64>,
}

/// Posting changes held in memory before they are written (16 bytes each).
const BATCH_POSTINGS: usize = 1 << 20;

impl Batch {
    /// Bring a claim's index rows up to date: `text` is its text, or `None` when it is
    /// deleted. Nothing changes when its terms did not.
    pub(super) fn reindex(
        &mut self,
        conn: &Connection,
        rowid: i64,
        text: Option<&str>,
    ) -> Result<()> {
        let old: Option<Vec<u8>> = conn
            .prepare_cached("SELECT terms FROM similar_docs WHERE claim = ?1")?
            .query_row([rowid], |r| r.get(0))
            .optional()?;
        let old = old.map(|b| unpack(&b));
        let new = text.map(term_ids);
        if old == new {
            return Ok(());
        }
        let (before, after) = (old.as_deref().unwrap_or(&[]), new.as_deref().unwrap_or(&[]));
        for t in before.iter().filter(|t| after.binary_search(t).is_err()) {
            self.remove.push((*t, rowid));
            *self.counts.entry(*t).or_default() -= 1;
        }
        for t in after.iter().filter(|t| before.binary_search(t).is_err()) {
            self.add.push((*t, rowid));
            *self.counts.entry(*t).or_default() += 1;
        }
        let docs = i64::from(new.is_some()) - i64::from(old.is_some());
        *self.counts.entry(COUNT_ROW).or_default() += docs;
        match &new {
            Some(n) => conn
                .prepare_cached(
                    "INSERT INTO similar_docs (claim, terms) VALUES (?1, ?2)
                     ON CONFLICT (claim) DO UPDATE SET terms = excluded.terms",
                )?
                .execute(params![rowid, pack(n)])?,
            None => conn
                .prepare_cached("DELETE FROM similar_docs WHERE claim = ?1")?
                .execute([rowid])?,
        };
        if self.add.len() + self.remove.len() >= BATCH_POSTINGS {
            self.write(conn)?;
        }
        Ok(())
    }

    /// Write what was gathered.
    pub(super) fn write(&mut self, conn: &Connection) -> Result<()> {
        self.remove.sort_unstable();
        for (t, c) in self.remove.drain(..) {
            conn.prepare_cached("DELETE FROM similar_postings WHERE term = ?1 AND claim = ?2")?
                .execute(params![t, c])?;
        }
        self.add.sort_unstable();
        for (t, c) in self.add.drain(..) {
            conn.prepare_cached("INSERT INTO similar_postings (term, claim) VALUES (?1, ?2)")?
                .execute(params![t, c])?;
        }
        let mut counts: Vec<(i64, i64)> = self.counts.drain().filter(|(_, n)| *n != 0).collect();
        counts.sort_unstable();
        for (t, by) in counts {
            count(conn, t, by)?;
        }
        Ok(())
    }
}

/// Add `by` to a term's claim count; a count that reaches 0 is removed, so the table is the
/// same whatever order claims came and went in.
fn count(conn: &Connection, term: i64, by: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO similar_df (term, n) VALUES (?1, ?2)
         ON CONFLICT (term) DO UPDATE SET n = n + excluded.n",
    )?
    .execute(params![term, by])?;
    if by < 0 {
        conn.prepare_cached("DELETE FROM similar_df WHERE term = ?1 AND n <= 0")?
            .execute([term])?;
    }
    Ok(())
}

/// Index every live claim (the migration that adds the index runs this once).
pub(super) fn index_all(conn: &Connection) -> Result<()> {
    let claims: Vec<(i64, String)> = conn
        .prepare("SELECT rowid, text FROM claims WHERE NOT deleted ORDER BY rowid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut batch = Batch::default();
    for (rowid, text) in claims {
        batch.reindex(conn, rowid, Some(&text))?;
    }
    batch.write(conn)
}

/// What to find claims like.
#[derive(Debug, Clone, Copy)]
pub enum Like<'a> {
    /// A claim, by id or id prefix; the claim itself is left out of the answer.
    Claim(&'a str),
    /// A text.
    Text(&'a str),
}

impl Store {
    /// The live claims most like `like`, best first, at most `limit`, each scoring at least
    /// `min_score` (0..=1).
    pub fn similar(&self, like: Like<'_>, limit: usize, min_score: f64) -> Result<Vec<SimilarHit>> {
        let c = &self.conn;
        let (text, exclude) = match like {
            Like::Claim(id) => {
                let id = ids::resolve(c, Table::Claims, id)?;
                let (rowid, text): (i64, String) = c
                    .prepare_cached("SELECT rowid, text FROM claims WHERE id = ?1")?
                    .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
                (text, Some(rowid))
            }
            Like::Text(t) => {
                if t.trim().is_empty() {
                    return Err(Error::invalid(
                        "the text to compare is empty; give a claim's text or its id",
                    ));
                }
                (t.to_string(), None)
            }
        };
        let query = term_ids(&text);
        let mut df: HashMap<i64, u64> = HashMap::new();
        let mut df_of = |t: i64| -> Result<u64> {
            if let Some(n) = df.get(&t) {
                return Ok(*n);
            }
            let n: i64 = c
                .prepare_cached("SELECT n FROM similar_df WHERE term = ?1")?
                .query_row([t], |r| r.get(0))
                .optional()?
                .unwrap_or(0);
            df.insert(t, n as u64);
            Ok(n as u64)
        };
        let n = df_of(COUNT_ROW)?;
        // Candidates: claims sharing the query's terms, rarest terms first, within a budget.
        let mut known: Vec<(i64, u64)> = Vec::new();
        for t in &query {
            let d = df_of(*t)?;
            if d > 0 {
                known.push((*t, d));
            }
        }
        known.sort_by_key(|(t, d)| (*d, *t));
        let mut partial: HashMap<i64, f64> = HashMap::new();
        let mut budget = POSTINGS_BUDGET;
        for (t, d) in &known {
            if budget == 0 {
                break;
            }
            let take = (*d as usize).min(budget);
            budget -= take;
            let w = weight(*d, n);
            let mut stmt =
                c.prepare_cached("SELECT claim FROM similar_postings WHERE term = ?1 LIMIT ?2")?;
            let mut rows = stmt.query(params![t, take as i64])?;
            while let Some(r) = rows.next()? {
                *partial.entry(r.get(0)?).or_default() += w;
            }
        }
        if let Some(me) = exclude {
            partial.remove(&me);
        }
        let mut best: Vec<(i64, f64)> = partial.into_iter().collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        best.truncate(CANDIDATES);
        // Full scores: the candidates' own terms weigh in too.
        let mut weights: HashMap<i64, f64> = HashMap::new();
        let mut scored: Vec<(i64, f64)> = Vec::with_capacity(best.len());
        for (rowid, _) in best {
            let Some(blob): Option<Vec<u8>> = c
                .prepare_cached("SELECT terms FROM similar_docs WHERE claim = ?1")?
                .query_row([rowid], |r| r.get(0))
                .optional()?
            else {
                continue;
            };
            let doc = unpack(&blob);
            for t in query.iter().chain(&doc) {
                if !weights.contains_key(t) {
                    let w = weight(df_of(*t)?, n);
                    weights.insert(*t, w);
                }
            }
            let s = score(&query, &doc, &mut |t| weights[&t]);
            if s >= min_score {
                scored.push((rowid, s));
            }
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        scored.truncate(limit);
        let mut hits = Vec::with_capacity(scored.len());
        for (rowid, s) in scored {
            let row: Option<(String, String, Option<String>, String)> = c
                .prepare_cached(
                    "SELECT c.id, c.text, s.name, c.status FROM claims c
                     LEFT JOIN sources s ON s.id = c.speaker_id
                     WHERE c.rowid = ?1 AND NOT c.deleted",
                )?
                .query_row([rowid], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?;
            let Some((id, text, speaker, status)) = row else {
                continue;
            };
            let verdicts = self
                .verdicts(&id)?
                .into_iter()
                .filter(|v| v.current)
                .map(|v| VerdictBrief {
                    id: v.id,
                    status: v.status,
                    author: v.author,
                    note: v.note,
                })
                .collect();
            hits.push(SimilarHit {
                id: Uuid::parse_str(&id)
                    .map_err(|_| Error::Incompatible(format!("claim id '{id}' is not a UUID")))?,
                short_id: ids::short(c, Table::Claims, &id)?,
                score: (s * 1000.0).round() / 1000.0,
                text,
                speaker,
                status,
                verdicts,
                reviews: Vec::new(),
            });
        }
        let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        let mut reviews = self.external_reviews(&ids)?;
        for h in &mut hits {
            h.reviews = reviews.remove(&h.id).unwrap_or_default();
        }
        Ok(hits)
    }
}
