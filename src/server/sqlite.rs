//! The server's SQLite backend: workspaces, members and one sequenced operation log per
//! workspace, in `server.db` under the data directory.

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::backend::{Backend, Member, ServerError, check_op, rejected};
use crate::error::{Error, Result};
use crate::ops::Op;
use crate::sync::protocol::{OpResult, OpStatus, PullResponse, PushResponse, Role, SequencedOp};

const APPLICATION_ID: i32 = 0x636c_6473;

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../schema/server/0001_server.sql")),
        M::up(include_str!("../../schema/server/0002_replicas.sql")),
    ])
});

/// A member as `claimdb server members` lists them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberInfo {
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

pub struct SqliteBackend {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// workspace, name, role, token hash, revoked_at.
type MemberRow = (String, String, String, Vec<u8>, Option<String>);

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn now() -> String {
    crate::text::timestamp(&chrono::Utc::now())
}

impl SqliteBackend {
    /// Open (creating if needed) the server database in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<SqliteBackend> {
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
        Ok(SqliteBackend {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// Open the server database in `data_dir`, which must already hold one.
    pub fn open_existing(data_dir: &Path) -> Result<SqliteBackend> {
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

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open: dropping it rolls back.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn create_workspace(&self, name: &str) -> Result<()> {
        let name = crate::text::name("workspace name", name, 100)?;
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::invalid(
                "a workspace name uses only letters, digits, - and _ (it appears in URLs)",
            ));
        }
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO workspaces (name, created_at) VALUES (?1, ?2)",
            params![name, now()],
        )?;
        if n == 0 {
            return Err(Error::Invalid(format!("workspace '{name}' already exists")));
        }
        Ok(())
    }

    fn require_workspace(conn: &Connection, workspace: &str) -> Result<()> {
        let exists: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM workspaces WHERE name = ?1",
                [workspace],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(Error::NotFound(format!(
                "no workspace '{workspace}'; create it with `claimdb server workspace-create {workspace}`"
            )));
        }
        Ok(())
    }

    /// Add a member (or give a revoked one a new token); returns the token, which is not
    /// stored and cannot be shown again.
    pub fn add_member(&self, workspace: &str, name: &str, role: Role) -> Result<String> {
        let name = crate::text::name("member name", name, crate::text::MAX_NAME_CHARS)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        Self::require_workspace(&tx, workspace)?;
        // Names are unique as people read them: "Bob" beside "bob" is the same member.
        let folded = crate::text::fold(&name);
        let names: Vec<String> = tx
            .prepare("SELECT DISTINCT name FROM members WHERE workspace = ?1")?
            .query_map([workspace], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if let Some(other) = names
            .iter()
            .find(|n| **n != name && crate::text::fold(n) == folded)
        {
            return Err(Error::Invalid(format!(
                "'{name}' is too like the member '{other}' of '{workspace}' (names are compared \
                 ignoring case); use '{other}' to give them a new token, or another name"
            )));
        }
        let active: Option<String> = tx
            .query_row(
                "SELECT id FROM members WHERE workspace = ?1 AND name = ?2 AND revoked_at IS NULL",
                params![workspace, name],
                |r| r.get(0),
            )
            .optional()?;
        if active.is_some() {
            return Err(Error::Invalid(format!(
                "'{name}' is already a member of '{workspace}'; revoke their token first to issue a new one"
            )));
        }
        let id = Uuid::new_v4().simple().to_string();
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::Io(format!("no randomness: {e}")))?;
        let secret: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        tx.execute(
            "INSERT INTO members (id, workspace, name, role, token_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, workspace, name, role.as_str(), hash(&secret), now()],
        )?;
        tx.commit()?;
        Ok(format!("cdb1.{id}.{secret}"))
    }

    pub fn members(&self, workspace: &str) -> Result<Vec<MemberInfo>> {
        let conn = self.conn();
        Self::require_workspace(&conn, workspace)?;
        let mut stmt = conn.prepare(
            "SELECT name, role, created_at, revoked_at FROM members WHERE workspace = ?1
             ORDER BY name, created_at",
        )?;
        let rows = stmt
            .query_map([workspace], |r| {
                Ok(MemberInfo {
                    name: r.get(0)?,
                    role: r.get(1)?,
                    created_at: r.get(2)?,
                    revoked_at: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn revoke(&self, workspace: &str, name: &str) -> Result<()> {
        let conn = self.conn();
        Self::require_workspace(&conn, workspace)?;
        let n = conn.execute(
            "UPDATE members SET revoked_at = ?3 WHERE workspace = ?1 AND name = ?2 AND revoked_at IS NULL",
            params![workspace, name, now()],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!(
                "'{name}' has no active token in '{workspace}'"
            )));
        }
        Ok(())
    }

    /// A consistent copy of the server database, taken while it serves.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        crate::store::backup_to(&self.conn(), dest)
    }

    /// Total operations stored for a workspace and its head sequence number.
    pub fn stats(&self, workspace: &str) -> Result<(u64, u64)> {
        let conn = self.conn();
        let (n, head): (i64, i64) = conn.query_row(
            "SELECT count(*), coalesce(max(seq), 0) FROM ops WHERE workspace = ?1",
            [workspace],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((n as u64, head as u64))
    }
}

fn entity_exists(
    conn: &Connection,
    workspace: &str,
    kind: crate::ops::EntityKind,
    id: &Uuid,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM entities WHERE workspace = ?1 AND kind = ?2 AND id = ?3")?
        .query_row(
            params![workspace, kind.as_str(), id.to_string()],
            |_| Ok(()),
        )
        .optional()
        .map(|r| r.is_some())
}

/// The member a replica id belongs to, if any operation was stored under it.
fn replica_owner(
    conn: &Connection,
    workspace: &str,
    replica: &Uuid,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT member FROM replicas WHERE workspace = ?1 AND replica = ?2")?
        .query_row(params![workspace, replica.to_string()], |r| r.get(0))
        .optional()
}

fn head(conn: &Connection, workspace: &str) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT coalesce(max(seq), 0) FROM ops WHERE workspace = ?1")?
        .query_row([workspace], |r| r.get::<_, i64>(0))
        .map(|h| h as u64)
}

impl Backend for SqliteBackend {
    fn authenticate(&self, token: &str) -> Result<Member, ServerError> {
        let bad = || {
            ServerError::Unauthorized(
                "the token is not valid; ask your workspace admin for a new one".into(),
            )
        };
        let mut parts = token.trim().splitn(3, '.');
        let (Some("cdb1"), Some(id), Some(secret)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let conn = self.conn();
        let row: Option<MemberRow> = conn
            .prepare_cached(
                "SELECT workspace, name, role, token_hash, revoked_at FROM members WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let Some((workspace, name, role, stored, revoked)) = row else {
            return Err(bad());
        };
        if !bool::from(hash(secret).ct_eq(&stored)) {
            return Err(bad());
        }
        if revoked.is_some() {
            return Err(ServerError::Unauthorized(
                "this token was revoked; ask your workspace admin for a new one".into(),
            ));
        }
        Ok(Member {
            id: id.to_string(),
            workspace,
            name,
            role: Role::parse(&role).unwrap_or(Role::Reader),
        })
    }

    fn push(
        &self,
        member: &Member,
        ops: Vec<Box<serde_json::value::RawValue>>,
        now_ms: u64,
    ) -> Result<PushResponse, ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ws = member.workspace.as_str();
        let mut seq = head(&tx, ws)?;
        let mut results = Vec::with_capacity(ops.len());
        for raw in ops {
            let op: Op = match serde_json::from_str(raw.get()) {
                Ok(op) => op,
                Err(e) => {
                    // JSON that is not even a value (too deep, a bad escape, a number out of
                    // range) refuses the whole request, as a body that does not parse does.
                    let value =
                        serde_json::from_str::<serde_json::Value>(raw.get()).map_err(|e| {
                            ServerError::BadRequest {
                                code: "bad_request",
                                message: format!("the body is not a push request: {e}"),
                            }
                        })?;
                    // Name the operation in the refusal when its id can be read.
                    let id = value
                        .get("id")
                        .and_then(|v| v.as_str())
                        .and_then(|s| Uuid::parse_str(s).ok());
                    results.push(rejected(
                        id,
                        "invalid_op",
                        format!("not a claimdb operation: {e}"),
                    ));
                    continue;
                }
            };
            if let Err((code, message)) = check_op(member, &op, now_ms) {
                results.push(rejected(Some(op.id), code, message));
                continue;
            }
            if let Err(e) = crate::validate::op(&op) {
                results.push(rejected(
                    Some(op.id),
                    "invalid_op",
                    format!("operation {} is refused: {e}", op.id),
                ));
                continue;
            }
            let body = serde_json::to_string(&op).expect("operations serialize");
            let existing: Option<(i64, String)> = tx
                .prepare_cached("SELECT seq, body FROM ops WHERE workspace = ?1 AND id = ?2")?
                .query_row(params![ws, op.id.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let owner = match existing {
                Some(_) => None,
                None => replica_owner(&tx, ws, &op.replica)?,
            };
            if let Some(owner) = owner.filter(|o| *o != member.name) {
                results.push(rejected(
                    Some(op.id),
                    "replica_taken",
                    format!(
                        "operation {} carries replica id {}, which belongs to member '{owner}': \
                         this database is a copy of theirs and needs an id of its own",
                        op.id, op.replica
                    ),
                ));
                continue;
            }
            let missing = match existing {
                Some(_) => None,
                None => {
                    let mut missing = None;
                    for (kind, id) in op.kind.references() {
                        if !entity_exists(&tx, ws, kind, &id)? {
                            missing = Some(format!("{} {id}", kind.as_str()));
                            break;
                        }
                    }
                    missing
                }
            };
            let result = match (existing, missing) {
                (Some((s, stored)), _) if stored == body => OpResult {
                    id: Some(op.id),
                    status: OpStatus::Duplicate,
                    seq: Some(s as u64),
                    code: None,
                    message: None,
                },
                (Some(_), _) => rejected(
                    Some(op.id),
                    "op_id_reused",
                    format!(
                        "operation id {} is already stored with different content",
                        op.id
                    ),
                ),
                (None, Some(unknown)) => rejected(
                    Some(op.id),
                    "unknown_reference",
                    format!(
                        "operation {} refers to {unknown}, which this workspace does not have",
                        op.id
                    ),
                ),
                (None, None) => {
                    seq += 1;
                    tx.prepare_cached(
                        "INSERT INTO ops (workspace, seq, id, author, body, received_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        ws,
                        seq as i64,
                        op.id.to_string(),
                        op.author,
                        body,
                        now()
                    ])?;
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO replicas (workspace, replica, member) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![ws, op.replica.to_string(), member.name])?;
                    if let Some((kind, id)) = op.kind.creates() {
                        tx.prepare_cached(
                            "INSERT OR IGNORE INTO entities (workspace, kind, id) VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![ws, kind.as_str(), id.to_string()])?;
                    }
                    OpResult {
                        id: Some(op.id),
                        status: OpStatus::Accepted,
                        seq: Some(seq),
                        code: None,
                        message: None,
                    }
                }
            };
            results.push(result);
        }
        tx.commit()?;
        Ok(PushResponse { results, head: seq })
    }

    fn pull_json(&self, member: &Member, after: u64, limit: usize) -> Result<Vec<u8>, ServerError> {
        // Stored bodies are the canonical JSON of each operation: splice them in as they are.
        let conn = self.conn();
        let ws = member.workspace.as_str();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, body FROM ops WHERE workspace = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let mut rows = stmt.query(params![ws, after as i64, limit as i64])?;
        let mut out = Vec::with_capacity(limit.min(1024) * 512);
        out.extend_from_slice(b"{\"ops\":[");
        let mut first = true;
        while let Some(r) = rows.next()? {
            if !first {
                out.push(b',');
            }
            first = false;
            let seq: i64 = r.get(0)?;
            out.extend_from_slice(format!("{{\"seq\":{seq},\"op\":").as_bytes());
            out.extend_from_slice(
                r.get_ref(1)?
                    .as_str()
                    .map_err(|e| ServerError::Internal(e.to_string()))?
                    .as_bytes(),
            );
            out.push(b'}');
        }
        drop(rows);
        out.extend_from_slice(format!("],\"head\":{}}}", head(&conn, ws)?).as_bytes());
        Ok(out)
    }

    fn pull(&self, member: &Member, after: u64, limit: usize) -> Result<PullResponse, ServerError> {
        let conn = self.conn();
        let ws = member.workspace.as_str();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, body FROM ops WHERE workspace = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![ws, after as i64, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut ops = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            let op: Op = serde_json::from_str(&body)
                .map_err(|e| ServerError::Internal(format!("stored op {seq} unreadable: {e}")))?;
            ops.push(SequencedOp {
                seq: seq as u64,
                op,
            });
        }
        Ok(PullResponse {
            ops,
            head: head(&conn, ws)?,
        })
    }
}
