//! Joining by snapshot, the store's side. A server keeps a replica of each workspace (a
//! database like a member's, fed from the log); a copy of its file lets a new member start
//! from the state the log leads to instead of replaying every operation. Here: making the
//! copy, checking a received copy against what the server's log says, making it this
//! database's own, and putting it in this database's place in one rename.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::{APPLICATION_ID, SCHEMA_VERSION, Store, get_meta, logged_ops, set_meta};
use crate::sync::protocol::SequencedOp;
use crate::{Error, Result};

impl Store {
    /// Whether this database holds nothing yet: no operation at all, and `remote` (which
    /// must exist) has never been pulled from. Only such a database may be replaced by a
    /// snapshot.
    pub fn is_pristine(&self, remote: &str) -> Result<bool> {
        let any_op: bool = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM ops)", [], |r| r.get(0))?;
        Ok(!any_op && self.remote_cursor(remote)? == 0)
    }

    /// Copy this database's file to `to` as it stands: everything committed is moved from
    /// the write-ahead log into the file first, and no write can start meanwhile (this
    /// connection is the caller's alone).
    pub fn copy_file_to(&self, to: &Path) -> Result<()> {
        let (busy, log, done): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 || log != done {
            return Err(Error::Io(format!(
                "cannot copy {}: another connection is using it",
                self.path.display()
            )));
        }
        std::fs::copy(&self.path, to).map_err(|e| {
            Error::io(
                format!("cannot copy {} to {}", self.path.display(), to.display()),
                e,
            )
        })?;
        Ok(())
    }

    /// Check the received snapshot at `file` and make it this database's own: it must be a
    /// claimdb database of this version or older that holds exactly the `seq` operations the
    /// log had at `seq`, ending with `tail` (the log's last operations up to `seq`, as the
    /// server's log gives them). It then records changes under this database's replica id
    /// and user, and syncs with `remote` from `seq` on. One transaction; on error the file
    /// is left unusable for this database and should be removed.
    pub fn adopt_snapshot(
        &self,
        file: &Path,
        remote: &str,
        seq: u64,
        tail: &[SequencedOp],
    ) -> Result<()> {
        let bad = |what: String| Error::Remote(format!("the snapshot is not valid: {what}"));
        let info = self.remote(remote)?;
        let mut conn =
            Connection::open(file).map_err(|e| bad(format!("not an SQLite database ({e})")))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let app: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| bad(format!("not an SQLite database ({e})")))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if app != APPLICATION_ID || version < 3 {
            return Err(bad("it is not a claimdb database".into()));
        }
        if version as usize > SCHEMA_VERSION {
            return Err(Error::Incompatible(format!(
                "the server's snapshot has schema version {version}, newer than this claimdb's \
                 {SCHEMA_VERSION}; upgrade claimdb, or pull with --no-snapshot"
            )));
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let count: i64 = tx.query_row("SELECT count(*) FROM ops", [], |r| r.get(0))?;
        if count as u64 != seq {
            return Err(bad(format!(
                "it holds {count} operations where the log had {seq}"
            )));
        }
        let cursors: Vec<i64> = tx
            .prepare("SELECT cursor FROM remotes")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if cursors != [seq as i64] {
            return Err(bad(format!(
                "it was not read from the log up to #{seq} (cursors {cursors:?})"
            )));
        }
        for s in tail {
            let held = logged_ops(
                &tx,
                "SELECT 0, id, hlc, replica, author, body FROM ops WHERE id = ?1",
                [s.op.id.to_string()],
            )?;
            match held.first() {
                Some((_, op)) if *op == s.op => {}
                Some(_) => {
                    return Err(bad(format!(
                        "its operation {} (#{}) differs from the log's",
                        s.op.id, s.seq
                    )));
                }
                None => {
                    return Err(bad(format!(
                        "it lacks the log's operation {} (#{})",
                        s.op.id, s.seq
                    )));
                }
            }
        }
        set_meta(&tx, "replica_id", &self.replica.to_string())?;
        if let Ok(here) = std::fs::canonicalize(&self.path) {
            set_meta(&tx, "replica_path", &here.to_string_lossy())?;
        }
        match get_meta(&self.conn, "user")? {
            Some(user) => set_meta(&tx, "user", &user)?,
            None => {
                tx.execute("DELETE FROM meta WHERE key = 'user'", [])?;
            }
        }
        tx.execute("DELETE FROM refused", [])?;
        tx.execute("DELETE FROM remotes", [])?;
        tx.execute(
            "INSERT INTO remotes (name, url, ca_cert, pushed_seq, cursor, last_sync)
             VALUES (?1, ?2, ?3, 0, ?4, ?5)",
            params![
                info.name,
                info.url,
                info.ca_cert,
                seq as i64,
                crate::text::timestamp(&chrono::Utc::now())
            ],
        )?;
        tx.commit()?;
        // Leave one file: the log moved into it, synced, and the connection closed.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        drop(conn);
        sync_file(file)
    }

    /// Whether the snapshot at `file` was already made this database's own for `remote` at
    /// `seq` (by [`Store::adopt_snapshot`], before an interruption).
    pub fn snapshot_adopted(&self, file: &Path, remote: &str, seq: u64) -> Result<bool> {
        let Ok(conn) = Connection::open(file) else {
            return Ok(false);
        };
        let ours = get_meta(&conn, "replica_id").ok().flatten() == Some(self.replica.to_string());
        let cursor: Option<i64> = conn
            .query_row(
                "SELECT cursor FROM remotes WHERE name = ?1",
                [remote],
                |r| r.get(0),
            )
            .optional()
            .unwrap_or(None);
        Ok(ours && cursor == Some(seq as i64))
    }

    /// Put the adopted snapshot at `file` in this database's place (one rename) and reopen.
    /// This database must be [pristine](Store::is_pristine): nothing in it is lost.
    pub fn install_snapshot(&mut self, file: &Path) -> Result<()> {
        // Close this connection first: closing removes its `-wal` and `-shm` files by name,
        // which after the rename would be the new database's.
        let path = self.path.clone();
        let author = self.author.clone();
        let old = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        old.close().map_err(|(_, e)| Error::from(e))?;
        for ext in ["db-wal", "db-shm"] {
            let side = side_file(&path, ext);
            if side.exists() {
                std::fs::remove_file(&side)
                    .map_err(|e| Error::io(format!("cannot remove {}", side.display()), e))?;
            }
        }
        std::fs::rename(file, &path).map_err(|e| {
            Error::io(
                format!("cannot move {} to {}", file.display(), path.display()),
                e,
            )
        })?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        *self = Store::open(&path, author.as_deref())?;
        Ok(())
    }
}

/// `path` with `-wal` or `-shm` appended, as SQLite names them.
fn side_file(path: &Path, ext: &str) -> std::path::PathBuf {
    let suffix = ext.trim_start_matches("db");
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(format!("cannot sync {}", path.display()), e))
}
