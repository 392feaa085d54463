//! The server's SQLite store: workspaces, members and one sequenced operation log per
//! workspace, in `server.db` under the data directory. One connection, taken by one
//! transaction at a time; SQL runs off the async workers.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::server::storage::{MemberRecord, OpRow, Storage, StoreError, StoreResult, Txn};

const APPLICATION_ID: i32 = 0x636c_6473;

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../../schema/server/0001_server.sql")),
        M::up(include_str!("../../../schema/server/0002_replicas.sql")),
        M::up(include_str!("../../../schema/server/0003_sessions.sql")),
    ])
});

pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::new(Error::from(e).to_string())
}

/// Run SQL without holding up the async workers: on a multi-threaded runtime the worker
/// hands its other tasks away first; elsewhere (a plain thread, a test's single-threaded
/// runtime) there is nothing to hold up.
fn blocking<T>(f: impl FnOnce() -> rusqlite::Result<T>) -> StoreResult<T> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    let multi =
        Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread);
    if multi {
        tokio::task::block_in_place(f).map_err(err)
    } else {
        f().map_err(err)
    }
}

impl SqliteStorage {
    /// Open (creating if needed) the server database in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<SqliteStorage> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| Error::io(format!("cannot create {}", data_dir.display()), e))?;
        let path = data_dir.join("server.db");
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| Error::Incompatible(format!("{} is not usable: {e}", path.display())))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        if version > 0 && app != APPLICATION_ID {
            return Err(Error::Incompatible(format!(
                "{} is not a claimdb server database; use another --data directory",
                path.display()
            )));
        }
        MIGRATIONS.to_latest(&mut conn)?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// Open the server database in `data_dir`, which must already hold one.
    pub fn open_existing(data_dir: &Path) -> Result<SqliteStorage> {
        if !data_dir.join("server.db").is_file() {
            return Err(Error::NotFound(format!(
                "no server database in {}; create a workspace there first",
                data_dir.display()
            )));
        }
        Self::open(data_dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn begin(&self, write: bool) -> StoreResult<Box<dyn Txn + '_>> {
        let conn = self.conn.clone().lock_owned().await;
        // IMMEDIATE takes the write lock now, so other processes' writers wait for it.
        blocking(|| conn.execute_batch(if write { "BEGIN IMMEDIATE" } else { "BEGIN" }))?;
        Ok(Box::new(SqliteTxn { conn, open: true }))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    async fn backup(&self, dest: &Path) -> StoreResult<()> {
        let conn = self.conn.lock().await;
        crate::store::backup_to(&conn, dest).map_err(|e| StoreError::new(e.to_string()))
    }
}

struct SqliteTxn {
    conn: OwnedMutexGuard<Connection>,
    open: bool,
}

impl Drop for SqliteTxn {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

fn seq_of(v: i64) -> u64 {
    v.max(0) as u64
}

fn uuid_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let s: String = r.get(i)?;
    Uuid::parse_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRecord> {
    Ok(MemberRecord {
        id: r.get(0)?,
        workspace: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        token_hash: r.get(4)?,
        created_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

const MEMBER_COLUMNS: &str = "id, workspace, name, role, token_hash, created_at, revoked_at";

#[async_trait]
impl Txn for SqliteTxn {
    async fn lock_head(&mut self, workspace: &str) -> StoreResult<u64> {
        // The transaction already holds SQLite's write lock.
        self.head(workspace).await
    }

    async fn head(&mut self, workspace: &str) -> StoreResult<u64> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare_cached("SELECT coalesce(max(seq), 0) FROM ops WHERE workspace = ?1")?
                .query_row([workspace], |r| r.get::<_, i64>(0))
                .map(seq_of)
        })
    }

    async fn set_head(&mut self, _workspace: &str, _head: u64) -> StoreResult<()> {
        // The head is the largest stored sequence number.
        Ok(())
    }

    async fn find_ops(
        &mut self,
        workspace: &str,
        ids: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, (u64, String)>> {
        let c = &*self.conn;
        blocking(|| {
            let mut stmt =
                c.prepare_cached("SELECT seq, body FROM ops WHERE workspace = ?1 AND id = ?2")?;
            let mut found = HashMap::new();
            for id in ids {
                if let Some(row) = stmt
                    .query_row(params![workspace, id.to_string()], |r| {
                        Ok((seq_of(r.get(0)?), r.get(1)?))
                    })
                    .optional()?
                {
                    found.insert(*id, row);
                }
            }
            Ok(found)
        })
    }

    async fn insert_ops(&mut self, workspace: &str, rows: &[OpRow]) -> StoreResult<()> {
        let c = &*self.conn;
        blocking(|| {
            let mut stmt = c.prepare_cached(
                "INSERT INTO ops (workspace, seq, id, author, body, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for op in rows {
                stmt.execute(params![
                    workspace,
                    op.seq as i64,
                    op.id.to_string(),
                    op.author,
                    op.body,
                    op.received_at
                ])?;
            }
            Ok(())
        })
    }

    async fn ops_after(
        &mut self,
        workspace: &str,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<(u64, String)>> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare_cached(
                "SELECT seq, body FROM ops WHERE workspace = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?
            .query_map(params![workspace, after as i64, limit as i64], |r| {
                Ok((seq_of(r.get(0)?), r.get(1)?))
            })?
            .collect()
        })
    }

    async fn op_rows_after(
        &mut self,
        workspace: &str,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<OpRow>> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare_cached(
                "SELECT seq, id, author, body, received_at FROM ops
                 WHERE workspace = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?
            .query_map(params![workspace, after as i64, limit as i64], |r| {
                Ok(OpRow {
                    seq: seq_of(r.get(0)?),
                    id: uuid_col(r, 1)?,
                    author: r.get(2)?,
                    body: r.get(3)?,
                    received_at: r.get(4)?,
                })
            })?
            .collect()
        })
    }

    async fn op_count(&mut self, workspace: &str) -> StoreResult<u64> {
        let c = &*self.conn;
        blocking(|| {
            c.query_row(
                "SELECT count(*) FROM ops WHERE workspace = ?1",
                [workspace],
                |r| r.get::<_, i64>(0),
            )
            .map(seq_of)
        })
    }

    async fn existing_entities(
        &mut self,
        workspace: &str,
        entities: &[(String, Uuid)],
    ) -> StoreResult<HashSet<(String, Uuid)>> {
        let c = &*self.conn;
        blocking(|| {
            let mut stmt = c.prepare_cached(
                "SELECT 1 FROM entities WHERE workspace = ?1 AND kind = ?2 AND id = ?3",
            )?;
            let mut found = HashSet::new();
            for (kind, id) in entities {
                if stmt.exists(params![workspace, kind, id.to_string()])? {
                    found.insert((kind.clone(), *id));
                }
            }
            Ok(found)
        })
    }

    async fn register_entities(
        &mut self,
        workspace: &str,
        entities: &[(String, Uuid)],
    ) -> StoreResult<()> {
        let c = &*self.conn;
        blocking(|| {
            let mut stmt = c.prepare_cached(
                "INSERT OR IGNORE INTO entities (workspace, kind, id) VALUES (?1, ?2, ?3)",
            )?;
            for (kind, id) in entities {
                stmt.execute(params![workspace, kind, id.to_string()])?;
            }
            Ok(())
        })
    }

    async fn entities(&mut self, workspace: &str) -> StoreResult<Vec<(String, Uuid)>> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare("SELECT kind, id FROM entities WHERE workspace = ?1 ORDER BY kind, id")?
                .query_map([workspace], |r| Ok((r.get(0)?, uuid_col(r, 1)?)))?
                .collect()
        })
    }

    async fn replica_owners(
        &mut self,
        workspace: &str,
        replicas: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, String>> {
        let c = &*self.conn;
        blocking(|| {
            let mut stmt = c.prepare_cached(
                "SELECT member FROM replicas WHERE workspace = ?1 AND replica = ?2",
            )?;
            let mut found = HashMap::new();
            for replica in replicas {
                if let Some(member) = stmt
                    .query_row(params![workspace, replica.to_string()], |r| r.get(0))
                    .optional()?
                {
                    found.insert(*replica, member);
                }
            }
            Ok(found)
        })
    }

    async fn register_replicas(
        &mut self,
        workspace: &str,
        replicas: &[(Uuid, String)],
    ) -> StoreResult<()> {
        let c = &*self.conn;
        blocking(|| {
            let mut stmt = c.prepare_cached(
                "INSERT OR IGNORE INTO replicas (workspace, replica, member) VALUES (?1, ?2, ?3)",
            )?;
            for (replica, member) in replicas {
                stmt.execute(params![workspace, replica.to_string(), member])?;
            }
            Ok(())
        })
    }

    async fn replicas(&mut self, workspace: &str) -> StoreResult<Vec<(Uuid, String)>> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare("SELECT replica, member FROM replicas WHERE workspace = ?1 ORDER BY replica")?
                .query_map([workspace], |r| Ok((uuid_col(r, 0)?, r.get(1)?)))?
                .collect()
        })
    }

    async fn workspaces(&mut self) -> StoreResult<Vec<(String, String)>> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare("SELECT name, created_at FROM workspaces ORDER BY name")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }

    async fn workspace_exists(&mut self, workspace: &str) -> StoreResult<bool> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare_cached("SELECT 1 FROM workspaces WHERE name = ?1")?
                .query_row([workspace], |_| Ok(()))
                .optional()
                .map(|r| r.is_some())
        })
    }

    async fn insert_workspace(&mut self, workspace: &str, created_at: &str) -> StoreResult<bool> {
        let c = &*self.conn;
        blocking(|| {
            c.execute(
                "INSERT OR IGNORE INTO workspaces (name, created_at) VALUES (?1, ?2)",
                params![workspace, created_at],
            )
            .map(|n| n == 1)
        })
    }

    async fn member_by_token_id(&mut self, id: &str) -> StoreResult<Option<MemberRecord>> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare_cached(&format!(
                "SELECT {MEMBER_COLUMNS} FROM members WHERE id = ?1"
            ))?
            .query_row([id], member_row)
            .optional()
        })
    }

    async fn members(&mut self, workspace: &str) -> StoreResult<Vec<MemberRecord>> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare(&format!(
                "SELECT {MEMBER_COLUMNS} FROM members WHERE workspace = ?1 ORDER BY name, created_at"
            ))?
            .query_map([workspace], member_row)?
            .collect()
        })
    }

    async fn insert_member(&mut self, m: &MemberRecord) -> StoreResult<()> {
        let c = &*self.conn;
        blocking(|| {
            c.execute(
                &format!(
                    "INSERT INTO members ({MEMBER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ),
                params![
                    m.id,
                    m.workspace,
                    m.name,
                    m.role,
                    m.token_hash,
                    m.created_at,
                    m.revoked_at
                ],
            )
            .map(drop)
        })
    }

    async fn revoke_member(&mut self, workspace: &str, name: &str, at: &str) -> StoreResult<bool> {
        let c = &*self.conn;
        blocking(|| {
            c.execute(
                "UPDATE members SET revoked_at = ?3
                 WHERE workspace = ?1 AND name = ?2 AND revoked_at IS NULL",
                params![workspace, name, at],
            )
            .map(|n| n > 0)
        })
    }

    async fn insert_session(
        &mut self,
        secret_hash: &[u8],
        member_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> StoreResult<()> {
        let c = &*self.conn;
        blocking(|| {
            c.execute(
                "INSERT INTO sessions (secret_hash, member_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![secret_hash, member_id, created_at, expires_at],
            )
            .map(drop)
        })
    }

    async fn session(&mut self, secret_hash: &[u8]) -> StoreResult<Option<(MemberRecord, String)>> {
        let c = &*self.conn;
        blocking(|| {
            c.prepare_cached(
                "SELECT m.id, m.workspace, m.name, m.role, m.token_hash, m.created_at,
                        m.revoked_at, s.expires_at
                 FROM sessions s JOIN members m ON m.id = s.member_id WHERE s.secret_hash = ?1",
            )?
            .query_row([secret_hash], |r| Ok((member_row(r)?, r.get(7)?)))
            .optional()
        })
    }

    async fn delete_session(&mut self, secret_hash: &[u8], now: &str) -> StoreResult<()> {
        let c = &*self.conn;
        blocking(|| {
            c.execute(
                "DELETE FROM sessions WHERE secret_hash = ?1 OR expires_at < ?2",
                params![secret_hash, now],
            )
            .map(drop)
        })
    }

    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        let c = &*self.conn;
        blocking(|| c.execute_batch("COMMIT"))?;
        self.open = false;
        Ok(())
    }
}
