//! Rebuilding the tables from the operation log alone, and comparing the result with the live
//! tables: the proof that every write was recorded as an operation.

use rusqlite::{Connection, types::Value};

use super::{Store, migrate};
use crate::error::Result;
use crate::ops::Op;

/// The tables that are a fold of the log, each with the ORDER BY that makes a dump canonical.
const FOLDED: &[(&str, &str)] = &[
    ("sources", "SELECT * FROM sources ORDER BY id"),
    (
        "source_names",
        "SELECT * FROM source_names ORDER BY source_id, folded",
    ),
    ("articles", "SELECT * FROM articles ORDER BY id"),
    ("claims", "SELECT * FROM claims ORDER BY id"),
    (
        "claim_tags",
        "SELECT * FROM claim_tags ORDER BY claim_id, tag",
    ),
    ("appearances", "SELECT * FROM appearances ORDER BY id"),
    ("verdicts", "SELECT * FROM verdicts ORDER BY id"),
    (
        "verdict_supersedes",
        "SELECT * FROM verdict_supersedes ORDER BY verdict_id, superseded_id",
    ),
    ("evidence", "SELECT * FROM evidence ORDER BY id"),
    ("reviews", "SELECT * FROM reviews ORDER BY id"),
    (
        "duplicate_creates",
        "SELECT * FROM duplicate_creates ORDER BY entity_id",
    ),
    (
        "source_merges",
        "SELECT * FROM source_merges ORDER BY op_id",
    ),
    (
        "source_canon",
        "SELECT * FROM source_canon ORDER BY source_id",
    ),
    (
        "field_stamps",
        "SELECT * FROM field_stamps ORDER BY entity_id, field",
    ),
    (
        "claim_fts",
        "SELECT c.id, f.text, f.quotes, f.notes, f.names, f.alt
         FROM claim_fts f JOIN claims c ON c.rowid = f.rowid ORDER BY c.id",
    ),
    (
        "similar_docs",
        "SELECT c.id, d.terms FROM similar_docs d JOIN claims c ON c.rowid = d.claim ORDER BY c.id",
    ),
    (
        "similar_postings",
        "SELECT p.term, c.id FROM similar_postings p JOIN claims c ON c.rowid = p.claim
         ORDER BY p.term, c.id",
    ),
    ("similar_df", "SELECT * FROM similar_df ORDER BY term"),
];

/// A table whose rebuilt contents differ from the live ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDiff {
    pub table: String,
    pub live_rows: usize,
    pub rebuilt_rows: usize,
    /// Rows present in one but not the other (both directions).
    pub differing_rows: usize,
}

/// A folded table's name and its rows, in canonical order.
pub type FoldedTable = (&'static str, Vec<Vec<Value>>);

/// Each folded table with its rows, in canonical order.
fn folded(conn: &Connection) -> Result<Vec<FoldedTable>> {
    FOLDED
        .iter()
        .map(|(table, sql)| Ok((*table, dump(conn, sql)?)))
        .collect()
}

fn dump(conn: &Connection, sql: &str) -> Result<Vec<Vec<Value>>> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

impl Store {
    /// The replicated state: every table that is a fold of the log, with its rows in an order
    /// that does not depend on the order operations arrived in.
    pub fn folded_state(&self) -> Result<Vec<FoldedTable>> {
        folded(&self.conn)
    }

    /// Every operation in the log, in local order.
    pub fn ops(&self) -> Result<Vec<Op>> {
        let ops = super::logged_ops(
            &self.conn,
            "SELECT seq, id, hlc, replica, author, body FROM ops ORDER BY seq",
            [],
        )?;
        Ok(ops.into_iter().map(|(_, op)| op).collect())
    }

    /// Fold the log into a fresh in-memory database and list the tables that differ from the
    /// live ones (empty when the log explains every row).
    pub fn verify_rebuild(&self) -> Result<Vec<TableDiff>> {
        let mut fresh = Connection::open_in_memory()?;
        fresh.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut fresh, std::path::Path::new(":memory:"), None)?;
        let tx = fresh.transaction()?;
        for op in self.ops()? {
            super::apply::apply_deferred(&tx, &op)?;
        }
        super::apply::flush_search(&tx)?;
        tx.commit()?;
        let mut diffs = Vec::new();
        for ((table, live), (_, rebuilt)) in folded(&self.conn)?.into_iter().zip(folded(&fresh)?) {
            if live != rebuilt {
                let differing = live.iter().filter(|r| !rebuilt.contains(r)).count()
                    + rebuilt.iter().filter(|r| !live.contains(r)).count();
                diffs.push(TableDiff {
                    table: table.to_string(),
                    live_rows: live.len(),
                    rebuilt_rows: rebuilt.len(),
                    differing_rows: differing,
                });
            }
        }
        Ok(diffs)
    }
}
