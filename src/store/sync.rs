//! The store's side of sync: remotes and their cursors, this replica's unpushed operations,
//! and applying a pulled page of operations with its cursor in one transaction.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::{Store, append_op, get_meta, logged_ops, set_meta};
use crate::error::{Error, Result};
use crate::ops::{Op, OpKind};
use crate::sync::protocol::SequencedOp;

/// A remote and where this database stands with it.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteInfo {
    pub name: String,
    pub url: String,
    pub ca_cert: Option<String>,
    /// This replica's operations not yet acknowledged by the remote.
    pub unpushed: u64,
    /// This replica's operations the remote refused (see `refused` in the database).
    pub refused: u64,
    /// The remote's sequence number up to which its operations are applied here.
    pub cursor: u64,
    pub last_sync: Option<String>,
}

/// url, ca_cert, pushed_seq, cursor, last_sync.
type RemoteRow = (String, Option<String>, i64, i64, Option<String>);

fn check_remote_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(Error::Invalid(format!(
            "remote name '{name}' is not valid; use letters, digits, '-', '_' or '.'"
        )));
    }
    Ok(())
}

/// Check a remote URL: `http(s)://host[:port]/WORKSPACE`.
pub fn check_remote_url(url: &str) -> Result<(String, String)> {
    let bad = || {
        Error::Invalid(format!(
            "remote URL '{url}' is not valid; use http(s)://HOST[:PORT]/WORKSPACE"
        ))
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let (host, path) = rest.split_once('/').ok_or_else(bad)?;
    let workspace = path.trim_end_matches('/');
    if host.is_empty()
        || workspace.is_empty()
        || !workspace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad());
    }
    let base = &url[..url.len() - path.len() - 1];
    let parsed = reqwest::Url::parse(base).map_err(|_| bad())?;
    if parsed.host_str().is_none_or(str::is_empty) || parsed.path() != "/" {
        return Err(bad());
    }
    Ok((base.to_string(), workspace.to_string()))
}

impl Store {
    pub fn remote_add(&mut self, name: &str, url: &str, ca_cert: Option<&str>) -> Result<()> {
        check_remote_name(name)?;
        check_remote_url(url)?;
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO remotes (name, url, ca_cert) VALUES (?1, ?2, ?3)",
            params![name, url.trim_end_matches('/'), ca_cert],
        )?;
        if n == 0 {
            return Err(Error::Invalid(format!(
                "a remote called '{name}' exists; `claimdb remote remove {name}` first"
            )));
        }
        Ok(())
    }

    /// Point a remote at a new URL (the server moved); cursors are kept, so it must be the
    /// same workspace.
    pub fn remote_set_url(&mut self, name: &str, url: &str) -> Result<()> {
        check_remote_url(url)?;
        let n = self.conn.execute(
            "UPDATE remotes SET url = ?2 WHERE name = ?1",
            params![name, url.trim_end_matches('/')],
        )?;
        if n == 0 {
            return Err(no_remote(name));
        }
        Ok(())
    }

    pub fn remote_remove(&mut self, name: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let n = tx.execute("DELETE FROM remotes WHERE name = ?1", [name])?;
        if n == 0 {
            return Err(no_remote(name));
        }
        tx.execute("DELETE FROM refused WHERE remote = ?1", [name])?;
        tx.commit()?;
        Ok(())
    }

    /// Start over with a remote: every change of this replica counts as unpushed and the
    /// remote's log is read from the start. Both are idempotent, so nothing is duplicated;
    /// this repairs a database after its server was restored from an older backup.
    pub fn remote_reset(&mut self, name: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE remotes SET pushed_seq = 0, cursor = 0 WHERE name = ?1",
            [name],
        )?;
        if n == 0 {
            return Err(no_remote(name));
        }
        tx.execute("DELETE FROM refused WHERE remote = ?1", [name])?;
        tx.commit()?;
        Ok(())
    }

    pub fn remotes(&self) -> Result<Vec<RemoteInfo>> {
        let names: Vec<String> = self
            .conn
            .prepare("SELECT name FROM remotes ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        names.iter().map(|n| self.remote(n)).collect()
    }

    /// The remote's sequence number up to which its operations are applied here.
    pub fn remote_cursor(&self, name: &str) -> Result<u64> {
        let cursor: Option<i64> = self
            .conn
            .prepare_cached("SELECT cursor FROM remotes WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        cursor.map(|c| c as u64).ok_or_else(|| no_remote(name))
    }

    pub fn remote(&self, name: &str) -> Result<RemoteInfo> {
        let row: Option<RemoteRow> = self
            .conn
            .query_row(
                "SELECT url, ca_cert, pushed_seq, cursor, last_sync FROM remotes WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((url, ca_cert, pushed_seq, cursor, last_sync)) = row else {
            return Err(no_remote(name));
        };
        let unpushed: i64 = self.conn.query_row(
            "SELECT count(*) FROM ops WHERE replica = ?1 AND seq > ?2 AND pulled = 0",
            params![self.replica.to_string(), pushed_seq],
            |r| r.get(0),
        )?;
        let refused: i64 = self.conn.query_row(
            "SELECT count(*) FROM refused WHERE remote = ?1",
            [name],
            |r| r.get(0),
        )?;
        Ok(RemoteInfo {
            name: name.to_string(),
            url,
            ca_cert,
            unpushed: unpushed as u64,
            refused: refused as u64,
            cursor: cursor as u64,
            last_sync,
        })
    }

    /// The local sequence number up to which the remote acknowledged this replica's
    /// operations.
    fn pushed_seq(&self, remote: &str) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT pushed_seq FROM remotes WHERE name = ?1",
                [remote],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| no_remote(remote))
    }

    /// Up to `limit` of this replica's operations the remote has not acknowledged, oldest
    /// first, with their local sequence numbers.
    pub fn unpushed_ops(&self, remote: &str, limit: usize) -> Result<Vec<(i64, Op)>> {
        let pushed = self.pushed_seq(remote)?;
        self.own_ops_after(pushed, limit)
    }

    /// Up to `limit` of this replica's operations after local sequence number `after`,
    /// oldest first, with their local sequence numbers.
    pub fn own_ops_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Op)>> {
        logged_ops(
            &self.conn,
            "SELECT seq, id, hlc, replica, author, body FROM ops WHERE replica = ?1 AND seq > ?2
             AND pulled = 0 ORDER BY seq LIMIT ?3",
            params![self.replica.to_string(), after, limit as i64],
        )
    }

    /// Record that the remote refused one of this replica's operations for good.
    pub fn mark_refused(&mut self, remote: &str, op: &Op, code: &str, message: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO refused (remote, op_id, code, message, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                remote,
                op.id.to_string(),
                code,
                message,
                crate::text::timestamp(&chrono::Utc::now())
            ],
        )?;
        Ok(())
    }

    /// This database's operations the remote refused for a reason that may have passed:
    /// something they refer to was missing there (`unknown_reference`: it may have arrived
    /// since), their replica id was another member's (`replica_taken`: this database took
    /// its own since), or the server's clock was behind (`clock_ahead`). They are offered
    /// again. Oldest first, at most `limit`.
    pub fn refused_to_retry(&self, remote: &str, limit: usize) -> Result<Vec<Op>> {
        let ops = logged_ops(
            &self.conn,
            "SELECT o.seq, o.id, o.hlc, o.replica, o.author, o.body
             FROM refused r JOIN ops o ON o.id = r.op_id
             WHERE r.remote = ?1 AND o.pulled = 0
             AND r.code IN ('unknown_reference', 'replica_taken', 'clock_ahead')
             ORDER BY o.seq LIMIT ?2",
            params![remote, limit as i64],
        )?;
        Ok(ops.into_iter().map(|(_, op)| op).collect())
    }

    /// Record that the remote took an operation it had refused.
    pub fn clear_refused(&mut self, remote: &str, op: &Uuid) -> Result<()> {
        self.conn.execute(
            "DELETE FROM refused WHERE remote = ?1 AND op_id = ?2",
            params![remote, op.to_string()],
        )?;
        Ok(())
    }

    /// Record that the remote acknowledged this replica's operations up to local `seq`.
    pub fn mark_pushed(&mut self, remote: &str, seq: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE remotes SET pushed_seq = max(pushed_seq, ?2), last_sync = ?3 WHERE name = ?1",
            params![remote, seq, crate::text::timestamp(&chrono::Utc::now())],
        )?;
        Ok(())
    }

    /// Apply one pulled page and move the remote's cursor to `cursor`, in one transaction.
    /// Returns how many operations were new.
    pub fn apply_pulled(&mut self, remote: &str, page: &[SequencedOp], cursor: u64) -> Result<u64> {
        let mut pulling = self.pulling(remote)?;
        let new = pulling.apply(page, cursor)?;
        pulling.commit()?;
        Ok(new)
    }

    /// Start applying pulled pages from `remote`. Pages are applied as they arrive and
    /// committed together, every [`PULL_COMMIT_PAGES`] pages and at [`Pulling::commit`];
    /// each commit writes the operations and the cursor that covers them, so a crash leaves
    /// both or neither. Dropping the session without committing rolls back what is pending.
    pub fn pulling(&mut self, remote: &str) -> Result<Pulling<'_>> {
        let cursor = self.remote_cursor(remote)?;
        Ok(Pulling {
            conn: &self.conn,
            remote: remote.to_string(),
            cursor,
            open: false,
            pending: 0,
        })
    }
}

/// Pulled pages applied per transaction. A page of new claims dirties index pages all over
/// the file; committing several pages at once writes each of those pages once instead of
/// once per page.
pub const PULL_COMMIT_PAGES: usize = 10;

/// Pulled pages being applied; see [`Store::pulling`].
pub struct Pulling<'a> {
    conn: &'a rusqlite::Connection,
    remote: String,
    /// The cursor as of the last applied page.
    cursor: u64,
    /// Whether a transaction is open.
    open: bool,
    /// Pages applied in the open transaction.
    pending: usize,
}

impl Pulling<'_> {
    /// The remote's sequence number up to which operations are applied in this session.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// Apply a page that ends at `cursor`. Operations already here are skipped. A page that
    /// fails rolls back every page not yet committed.
    pub fn apply(&mut self, page: &[SequencedOp], cursor: u64) -> Result<u64> {
        if !self.open {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.open = true;
            // Another process may have pulled since the session began.
            self.cursor = self
                .conn
                .query_row(
                    "SELECT cursor FROM remotes WHERE name = ?1",
                    [&self.remote],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .ok_or_else(|| no_remote(&self.remote))? as u64;
        }
        if cursor <= self.cursor {
            return Ok(0);
        }
        match self.apply_page(page, cursor) {
            Ok(new) => {
                self.cursor = cursor;
                self.pending += 1;
                if self.pending >= PULL_COMMIT_PAGES {
                    self.commit_open()?;
                }
                Ok(new)
            }
            Err(e) => {
                // A savepoint per page would copy every page it touches; a bad page is rare,
                // so the whole open transaction goes, and its pages are pulled again.
                self.rollback();
                Err(e)
            }
        }
    }

    fn rollback(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.open = false;
            self.pending = 0;
        }
    }

    fn apply_page(&self, page: &[SequencedOp], cursor: u64) -> Result<u64> {
        let tx = self.conn;
        let mut new = 0;
        let mut max_hlc = 0u64;
        for s in page {
            let known: Option<String> = tx
                .prepare_cached("SELECT replica FROM ops WHERE id = ?1")?
                .query_row([s.op.id.to_string()], |r| r.get(0))
                .optional()?;
            if let Some(replica) = known {
                if replica != s.op.replica.to_string() {
                    adopt(tx, &s.op)?;
                }
                continue;
            }
            super::apply::apply_deferred(tx, &s.op).map_err(|e| {
                Error::Remote(format!(
                    "operation {} (#{}) from the remote cannot be applied here: {e}",
                    s.op.id, s.seq
                ))
            })?;
            append_op(tx, &s.op, true)?;
            max_hlc = max_hlc.max(s.op.hlc.0);
            new += 1;
        }
        // Later local operations must order after everything seen (the HLC receive rule).
        let last: u64 = get_meta(tx, "hlc")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if max_hlc > last {
            set_meta(tx, "hlc", &max_hlc.to_string())?;
        }
        tx.prepare_cached("UPDATE remotes SET cursor = ?2, last_sync = ?3 WHERE name = ?1")?
            .execute(params![
                self.remote,
                cursor as i64,
                crate::text::timestamp(&chrono::Utc::now())
            ])?;
        Ok(new)
    }

    fn commit_open(&mut self) -> Result<()> {
        super::apply::flush_search(self.conn)?;
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        self.pending = 0;
        Ok(())
    }

    /// Commit every page applied so far.
    pub fn commit(mut self) -> Result<()> {
        if self.open {
            self.commit_open()?;
        }
        Ok(())
    }
}

impl Drop for Pulling<'_> {
    fn drop(&mut self) {
        self.rollback();
    }
}

/// Whether the database's file is not the one its replica id was recorded for (it was
/// created before that was recorded, moved, restored or copied). Reads only.
pub(super) fn path_changed(conn: &rusqlite::Connection, path: &std::path::Path) -> Result<bool> {
    let Ok(here) = std::fs::canonicalize(path) else {
        return Ok(false);
    };
    Ok(get_meta(conn, "replica_path")?.as_deref() != Some(here.to_string_lossy().as_ref()))
}

/// Whether the database at `path` is a copy of another that is still in use: the file the
/// replica id was given to (recorded in `replica_path`) still exists elsewhere with the same
/// id. Returns that file. A database that was moved or restored keeps its id; the path on
/// record follows it.
pub(super) fn copy_of(
    conn: &rusqlite::Connection,
    path: &std::path::Path,
    replica: Uuid,
) -> Result<Option<std::path::PathBuf>> {
    let Ok(here) = std::fs::canonicalize(path) else {
        return Ok(None);
    };
    let here_text = here.to_string_lossy().to_string();
    let recorded = get_meta(conn, "replica_path")?;
    if recorded.as_deref() == Some(here_text.as_str()) {
        return Ok(None);
    }
    set_meta(conn, "replica_path", &here_text)?;
    let Some(original) = recorded.map(std::path::PathBuf::from) else {
        return Ok(None);
    };
    if std::fs::canonicalize(&original).ok().as_ref() == Some(&here) {
        return Ok(None);
    }
    let theirs = rusqlite::Connection::open_with_flags(
        &original,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .ok()
    .and_then(|c| get_meta(&c, "replica_id").ok().flatten());
    Ok((theirs.as_deref() == Some(replica.to_string().as_str())).then_some(original))
}

impl Store {
    /// Give this database a replica id of its own, after the remote said its id belongs to
    /// another member (a copy of their database made on another machine). This database's
    /// own changes that the remote has not stored (unacknowledged, or refused) and that were
    /// made by this database's user move to the new id (no one else has them); those made
    /// before the copy stay with the original. Returns the new id.
    pub fn renew_replica(&mut self, remote: &str) -> Result<Uuid> {
        let pushed = self.pushed_seq(remote)?;
        let old = self.replica.to_string();
        let new = Uuid::new_v4();
        let tx = self.conn.transaction()?;
        set_meta(&tx, "replica_id", &new.to_string())?;
        tx.execute(
            "CREATE TEMP TABLE IF NOT EXISTS moved_ops (id TEXT PRIMARY KEY) WITHOUT ROWID",
            [],
        )?;
        tx.execute("DELETE FROM temp.moved_ops", [])?;
        tx.execute(
            "INSERT INTO temp.moved_ops SELECT id FROM ops
             WHERE replica = ?1 AND pulled = 0 AND author = ?3
             AND (seq > ?2 OR id IN (SELECT op_id FROM refused WHERE remote = ?4))",
            params![old, pushed, self.author, remote],
        )?;
        tx.execute(
            "UPDATE ops SET replica = ?1 WHERE id IN (SELECT id FROM temp.moved_ops)",
            [new.to_string()],
        )?;
        tx.execute(
            "UPDATE field_stamps SET replica = ?1 WHERE op_id IN (SELECT id FROM temp.moved_ops)",
            [new.to_string()],
        )?;
        // Those refused before are offered again under the new id (see `refused_to_retry`).
        tx.execute(
            "UPDATE refused SET code = 'replica_taken' WHERE op_id IN (SELECT id FROM temp.moved_ops)",
            [],
        )?;
        tx.execute("DROP TABLE temp.moved_ops", [])?;
        tx.commit()?;
        self.replica = new;
        Ok(new)
    }
}

/// Take the remote's version of an operation this database holds under another replica id.
/// That happens to a copy of a database whose original later had to take a new replica id
/// (see [`Store::renew_replica`]) and moved its unsent operations to it: the copy still holds
/// them under the old id. The remote's version is the one everyone has, so this database
/// takes it, no longer counts it as its own, and settles again the field it set (the replica
/// id breaks ties between edits with equal stamps).
fn adopt(conn: &rusqlite::Connection, op: &Op) -> Result<()> {
    let id = op.id.to_string();
    conn.prepare_cached("UPDATE ops SET replica = ?2, pulled = 1 WHERE id = ?1")?
        .execute(params![id, op.replica.to_string()])?;
    conn.prepare_cached("DELETE FROM refused WHERE op_id = ?1")?
        .execute([&id])?;
    let field = |kind: &OpKind| match kind {
        OpKind::SetClaim { set, .. } => Some(set.name().to_string()),
        OpKind::SetTag { tag, .. } => Some(format!("tag:{tag}")),
        _ => None,
    };
    let (Some(name), Some(claim)) = (field(&op.kind), op.kind.claim()) else {
        return Ok(());
    };
    let claim = claim.to_string();
    conn.prepare_cached("DELETE FROM field_stamps WHERE entity_id = ?1 AND field = ?2")?
        .execute(params![claim, name])?;
    let edits = logged_ops(
        conn,
        "SELECT seq, id, hlc, replica, author, body FROM ops WHERE claim = ?1 AND entity = ?1
         ORDER BY seq",
        [&claim],
    )?;
    for (_, edit) in edits {
        if field(&edit.kind).as_deref() == Some(name.as_str()) {
            super::apply::apply_deferred(conn, &edit)?;
        }
    }
    Ok(())
}

fn no_remote(name: &str) -> Error {
    Error::NotFound(format!(
        "no remote called '{name}'; add one with `claimdb remote add {name} URL`"
    ))
}

#[cfg(test)]
mod tests {
    use super::check_remote_url;

    #[test]
    fn remote_urls_name_a_workspace() {
        assert_eq!(
            check_remote_url("http://127.0.0.1:7878/desk").unwrap(),
            ("http://127.0.0.1:7878".to_string(), "desk".to_string())
        );
        assert_eq!(
            check_remote_url("https://sync.example/news-desk/")
                .unwrap()
                .1,
            "news-desk"
        );
        assert!(check_remote_url("ftp://x/desk").is_err());
        assert!(check_remote_url("http://host").is_err());
        assert!(check_remote_url("http://host/a/b").is_err());
    }
}
