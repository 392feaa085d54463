//! `claimdb_rank(claim_fts)`: how well one row matches a full-text query, for ordering the
//! candidates of a search.
//!
//! FTS5's built-in `bm25()` weighs each word by how rare it is in the whole index, and finds
//! that out by reading every index entry of the word: for a word in most claims of a
//! million-claim desk that alone costs more than 10 ms per word. This function scores from
//! the row alone: per word and column, a count of occurrences that saturates (as in BM25),
//! times the column's weight. Within one search every candidate is scored alike, which is
//! all ranking needs.

use std::ffi::{c_int, c_void};
use std::ptr;

use rusqlite::{Connection, ffi};

use crate::error::{Error, Result};

/// Weights of the columns of `claim_fts`: text, quotes, notes, names, alt.
const WEIGHTS: [f64; 5] = [10.0, 5.0, 2.0, 3.0, 1.0];

/// BM25's term-frequency saturation constant.
const K1: f64 = 1.2;

/// Make `claimdb_rank` available to queries on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let failed = |what: &str| Error::Incompatible(format!("cannot set up search ranking: {what}"));
    // SAFETY: the handle is valid while `conn` lives; the statement is finalized before
    // returning; `api` outlives the statement that writes it; the function pointer and its
    // (absent) user data stay valid for the life of the process.
    unsafe {
        let db = conn.handle();
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK {
            return Err(failed("FTS5 is not available"));
        }
        let mut api: *mut ffi::fts5_api = ptr::null_mut();
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
        if api.is_null() {
            return Err(failed("FTS5 did not answer"));
        }
        let Some(create) = (*api).xCreateFunction else {
            return Err(failed("FTS5 cannot add functions"));
        };
        let rc = create(
            api,
            c"claimdb_rank".as_ptr(),
            ptr::null_mut(),
            Some(rank),
            None,
        );
        if rc != ffi::SQLITE_OK {
            return Err(failed("FTS5 refused the function"));
        }
    }
    Ok(())
}

/// The FTS5 auxiliary function: higher is a better match.
unsafe extern "C" fn rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 passes a valid API table and context for the current row.
    unsafe {
        let api = &*api;
        let (Some(phrase_count), Some(column_count), Some(inst_count), Some(inst)) = (
            api.xPhraseCount,
            api.xColumnCount,
            api.xInstCount,
            api.xInst,
        ) else {
            ffi::sqlite3_result_error_code(ctx, ffi::SQLITE_ERROR);
            return;
        };
        let phrases = phrase_count(fts).max(0) as usize;
        let columns = column_count(fts).max(0) as usize;
        let mut n: c_int = 0;
        let rc = inst_count(fts, &mut n);
        if rc != ffi::SQLITE_OK {
            ffi::sqlite3_result_error_code(ctx, rc);
            return;
        }
        // Occurrences per (phrase, column).
        let mut tf = vec![0u32; phrases * columns];
        for i in 0..n {
            let (mut phrase, mut column, mut offset) = (0, 0, 0);
            let rc = inst(fts, i, &mut phrase, &mut column, &mut offset);
            if rc != ffi::SQLITE_OK {
                ffi::sqlite3_result_error_code(ctx, rc);
                return;
            }
            let (p, c) = (phrase as usize, column as usize);
            if p < phrases && c < columns {
                tf[p * columns + c] += 1;
            }
        }
        ffi::sqlite3_result_double(ctx, score(&tf, columns));
    }
}

/// The score of a row from its occurrence counts per (phrase, column).
fn score(tf: &[u32], columns: usize) -> f64 {
    tf.iter()
        .enumerate()
        .filter(|(_, f)| **f > 0)
        .map(|(i, f)| {
            let f = f64::from(*f);
            WEIGHTS.get(i % columns).copied().unwrap_or(1.0) * f * (K1 + 1.0) / (f + K1)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_occurrences_and_weightier_columns_score_higher() {
        // One phrase, five columns.
        let once_in_text = score(&[1, 0, 0, 0, 0], 5);
        let twice_in_text = score(&[2, 0, 0, 0, 0], 5);
        let once_in_notes = score(&[0, 0, 1, 0, 0], 5);
        assert!(twice_in_text > once_in_text);
        assert!(once_in_text > once_in_notes);
        // Saturation: the tenth occurrence adds less than the second.
        let ten = score(&[10, 0, 0, 0, 0], 5);
        let nine = score(&[9, 0, 0, 0, 0], 5);
        assert!(ten - nine < twice_in_text - once_in_text);
        assert_eq!(score(&[0; 10], 5), 0.0);
    }

    #[test]
    fn ranks_rows_through_sqlite() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(a, b, c, d, e);
             INSERT INTO t (rowid, a, b) VALUES (1, 'heron', ''), (2, 'heron heron', ''),
                                                (3, '', 'heron'), (4, 'egret', '');",
        )
        .unwrap();
        let order: Vec<i64> = conn
            .prepare("SELECT rowid FROM t WHERE t MATCH 'heron' ORDER BY claimdb_rank(t) DESC")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(order, vec![2, 1, 3]);
    }
}
