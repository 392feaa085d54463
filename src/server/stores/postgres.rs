//! The server's PostgreSQL store: the same data as the SQLite store, for several server
//! processes in front of one database. A pool of connections; TLS to the database through
//! rustls; versioned migrations applied under an advisory lock, so processes starting
//! together migrate once.
//!
//! Sequence numbers come from each workspace's `head` column: a push locks its workspace's
//! row first and writes the new head last, so pushes to one workspace commit one at a time,
//! in the order of their numbers, and no puller can pass a number still to be committed.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::server::storage::{MemberRecord, OpRow, Storage, StoreError, StoreResult, Txn};

/// The migrations, in order; `claimdb_schema` records which ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../schema/server-postgres/0001_server.sql"),
    include_str!("../../../schema/server-postgres/0002_sessions.sql"),
];

/// Taken while migrating, so two processes starting at once do not both migrate.
const MIGRATION_LOCK: i64 = 0x636c_6473;

/// Connections per server process, by default.
pub const DEFAULT_POOL_SIZE: usize = 16;

pub struct PgStorage {
    pool: Pool,
    url: String,
    shown: String,
}

fn err(e: tokio_postgres::Error) -> StoreError {
    // A lost connection (the database restarted) is worth another try on a new one: a push
    // whose commit did land finds its operations stored and reports them as duplicates.
    let retry = e.is_closed()
        || e.code().is_some_and(|c| {
            *c == tokio_postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                || *c == tokio_postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                || *c == tokio_postgres::error::SqlState::ADMIN_SHUTDOWN
        });
    let message = match e.as_db_error() {
        Some(db) => format!("PostgreSQL: {} ({})", db.message(), db.code().code()),
        None => {
            // "error connecting to server" says little without its cause.
            let mut text = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                text.push_str(&format!(": {c}"));
                cause = c.source();
            }
            format!("PostgreSQL: {text}")
        }
    };
    StoreError { message, retry }
}

fn pool_err(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        // No new connection: the database may be restarting.
        deadpool_postgres::PoolError::Backend(e) => StoreError {
            retry: true,
            ..err(e)
        },
        other => StoreError::new(format!("PostgreSQL: no connection: {other}")),
    }
}

/// The URL as tokio-postgres reads it, and the CA file named by `sslrootcert`, if any.
/// `sslmode=verify-ca` and `verify-full` are taken as `require`: the server's certificate is
/// always verified when TLS is used.
fn split_url(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut ca = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslrootcert", v)) => ca = Some(v.to_string()),
            Some(("sslmode", "verify-ca" | "verify-full")) => kept.push("sslmode=require"),
            _ => kept.push(pair),
        }
    }
    if kept.is_empty() {
        (base.to_string(), ca)
    } else {
        (format!("{base}?{}", kept.join("&")), ca)
    }
}

/// TLS for the database connection: the CA file when one is named, the web's roots otherwise.
fn tls(ca: Option<&str>) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|i| i.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| Error::Invalid(format!("cannot read sslrootcert {path}: {e}")))?;
            if certs.is_empty() {
                return Err(Error::Invalid(format!(
                    "sslrootcert {path} holds no certificate"
                )));
            }
            for c in certs {
                roots
                    .add(c)
                    .map_err(|e| Error::Invalid(format!("sslrootcert {path}: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Invalid(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl PgStorage {
    /// Connect to the database at `url` (`postgres://user:password@host:port/db`, with
    /// libpq's `sslmode` and `sslrootcert` if wanted) and bring its schema up to date.
    pub async fn open(url: &str, pool_size: usize) -> Result<PgStorage> {
        let (plain, ca) = split_url(url);
        let config = tokio_postgres::Config::from_str(&plain).map_err(|e| {
            Error::Invalid(format!(
                "not a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE): {e}"
            ))
        })?;
        let shown = describe(&config);
        let manager = Manager::from_config(
            config,
            tls(ca.as_deref())?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .build()
            .map_err(|e| Error::Io(format!("cannot set up the connection pool: {e}")))?;
        let storage = PgStorage {
            pool,
            url: url.to_string(),
            shown,
        };
        storage
            .migrate()
            .await
            .map_err(|e| Error::Io(format!("cannot use the database at {}: {e}", storage.shown)))?;
        Ok(storage)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(err)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS claimdb_schema (
                 version    INTEGER PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(err)?;
        let done: i32 = tx
            .query_one("SELECT coalesce(max(version), 0) FROM claimdb_schema", &[])
            .await
            .map_err(err)?
            .get(0);
        if done as usize > MIGRATIONS.len() {
            return Err(StoreError::new(format!(
                "its claimdb schema is version {done}, newer than this claimdb knows ({}); \
                 upgrade claimdb",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done as usize) {
            tx.batch_execute(sql).await.map_err(err)?;
            tx.execute(
                "INSERT INTO claimdb_schema (version) VALUES ($1)",
                &[&(i as i32 + 1)],
            )
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }
}

/// host:port/database, for logs: never the password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{host}:{port}/{}",
        config.get_dbname().unwrap_or("")
    )
}

#[async_trait]
impl Storage for PgStorage {
    async fn begin(&self, write: bool) -> StoreResult<Box<dyn Txn + '_>> {
        let client = self.pool.get().await.map_err(pool_err)?;
        // Reads run statement by statement: each sees everything committed before it, and
        // a head read after a page is never below it.
        if write {
            client.batch_execute("BEGIN").await.map_err(err)?;
        }
        Ok(Box::new(PgTxn {
            client: Some(client),
            open: write,
        }))
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    async fn backup(&self, dest: &Path) -> StoreResult<()> {
        // pg_dump takes one consistent snapshot while the servers keep serving.
        let (url, _) = split_url(&self.url);
        let out = tokio::process::Command::new("pg_dump")
            .arg("--format=custom")
            .arg("--file")
            .arg(dest)
            .arg(&url)
            .output()
            .await
            .map_err(|e| {
                StoreError::new(format!(
                    "cannot run pg_dump ({e}); install PostgreSQL's client tools, or back the \
                     database up with your usual PostgreSQL tools"
                ))
            })?;
        if !out.status.success() {
            return Err(StoreError::new(format!(
                "pg_dump failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }
}

struct PgTxn {
    client: Option<Object>,
    /// A writing transaction not yet committed.
    open: bool,
}

impl Drop for PgTxn {
    fn drop(&mut self) {
        if self.open
            && let Some(client) = self.client.take()
        {
            // Closing the connection rolls the transaction back; the pool opens a new one.
            drop(Object::take(client));
        }
    }
}

fn seq_of(v: i64) -> u64 {
    v.max(0) as u64
}

fn uuid_of(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::new(format!("stored id '{s}' unreadable: {e}")))
}

fn member_of(r: &Row) -> MemberRecord {
    MemberRecord {
        id: r.get(0),
        workspace: r.get(1),
        name: r.get(2),
        role: r.get(3),
        token_hash: r.get(4),
        created_at: r.get(5),
        revoked_at: r.get(6),
    }
}

const MEMBER_COLUMNS: &str = "id, workspace, name, role, token_hash, created_at, revoked_at";

impl PgTxn {
    fn c(&self) -> &Object {
        self.client
            .as_ref()
            .expect("a transaction has its connection")
    }

    async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> StoreResult<Vec<Row>> {
        let c = self.c();
        let stmt = c.prepare_cached(sql).await.map_err(err)?;
        c.query(&stmt, params).await.map_err(err)
    }

    async fn row(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> StoreResult<Option<Row>> {
        let c = self.c();
        let stmt = c.prepare_cached(sql).await.map_err(err)?;
        c.query_opt(&stmt, params).await.map_err(err)
    }

    async fn exec(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> StoreResult<u64> {
        let c = self.c();
        let stmt = c.prepare_cached(sql).await.map_err(err)?;
        c.execute(&stmt, params).await.map_err(err)
    }
}

#[async_trait]
impl Txn for PgTxn {
    async fn lock_head(&mut self, workspace: &str) -> StoreResult<u64> {
        let row = self
            .row(
                "SELECT head FROM workspaces WHERE name = $1 FOR UPDATE",
                &[&workspace],
            )
            .await?;
        Ok(row.map_or(0, |r| seq_of(r.get(0))))
    }

    async fn head(&mut self, workspace: &str) -> StoreResult<u64> {
        let row = self
            .row("SELECT head FROM workspaces WHERE name = $1", &[&workspace])
            .await?;
        Ok(row.map_or(0, |r| seq_of(r.get(0))))
    }

    async fn set_head(&mut self, workspace: &str, head: u64) -> StoreResult<()> {
        self.exec(
            "UPDATE workspaces SET head = $2 WHERE name = $1 AND head <> $2",
            &[&workspace, &(head as i64)],
        )
        .await
        .map(drop)
    }

    async fn find_ops(
        &mut self,
        workspace: &str,
        ids: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, (u64, String)>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let rows = self
            .rows(
                "SELECT id, seq, body FROM ops WHERE workspace = $1 AND id = ANY($2)",
                &[&workspace, &ids],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((uuid_of(r.get(0))?, (seq_of(r.get(1)), r.get(2)))))
            .collect()
    }

    async fn insert_ops(&mut self, workspace: &str, rows: &[OpRow]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq as i64).collect();
        let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
        let authors: Vec<&str> = rows.iter().map(|r| r.author.as_str()).collect();
        let bodies: Vec<&str> = rows.iter().map(|r| r.body.as_str()).collect();
        let times: Vec<&str> = rows.iter().map(|r| r.received_at.as_str()).collect();
        self.exec(
            "INSERT INTO ops (workspace, seq, id, author, body, received_at)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])",
            &[&workspace, &seqs, &ids, &authors, &bodies, &times],
        )
        .await
        .map(drop)
    }

    async fn ops_after(
        &mut self,
        workspace: &str,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<(u64, String)>> {
        let rows = self
            .rows(
                "SELECT seq, body FROM ops WHERE workspace = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&workspace, &(after as i64), &(limit as i64)],
            )
            .await?;
        Ok(rows.iter().map(|r| (seq_of(r.get(0)), r.get(1))).collect())
    }

    async fn op_rows_after(
        &mut self,
        workspace: &str,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<OpRow>> {
        let rows = self
            .rows(
                "SELECT seq, id, author, body, received_at FROM ops
                 WHERE workspace = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&workspace, &(after as i64), &(limit as i64)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OpRow {
                    seq: seq_of(r.get(0)),
                    id: uuid_of(r.get(1))?,
                    author: r.get(2),
                    body: r.get(3),
                    received_at: r.get(4),
                })
            })
            .collect()
    }

    async fn op_count(&mut self, workspace: &str) -> StoreResult<u64> {
        let row = self
            .row(
                "SELECT count(*) FROM ops WHERE workspace = $1",
                &[&workspace],
            )
            .await?;
        Ok(row.map_or(0, |r| seq_of(r.get(0))))
    }

    async fn existing_entities(
        &mut self,
        workspace: &str,
        entities: &[(String, Uuid)],
    ) -> StoreResult<HashSet<(String, Uuid)>> {
        if entities.is_empty() {
            return Ok(HashSet::new());
        }
        let kinds: Vec<&str> = entities.iter().map(|e| e.0.as_str()).collect();
        let ids: Vec<String> = entities.iter().map(|e| e.1.to_string()).collect();
        let rows = self
            .rows(
                "SELECT e.kind, e.id FROM entities e
                 JOIN UNNEST($2::text[], $3::text[]) AS w(kind, id)
                   ON e.kind = w.kind AND e.id = w.id
                 WHERE e.workspace = $1",
                &[&workspace, &kinds, &ids],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.get::<_, String>(0), uuid_of(r.get(1))?)))
            .collect()
    }

    async fn register_entities(
        &mut self,
        workspace: &str,
        entities: &[(String, Uuid)],
    ) -> StoreResult<()> {
        if entities.is_empty() {
            return Ok(());
        }
        let kinds: Vec<&str> = entities.iter().map(|e| e.0.as_str()).collect();
        let ids: Vec<String> = entities.iter().map(|e| e.1.to_string()).collect();
        self.exec(
            "INSERT INTO entities (workspace, kind, id)
             SELECT $1, * FROM UNNEST($2::text[], $3::text[])
             ON CONFLICT DO NOTHING",
            &[&workspace, &kinds, &ids],
        )
        .await
        .map(drop)
    }

    async fn entities(&mut self, workspace: &str) -> StoreResult<Vec<(String, Uuid)>> {
        let rows = self
            .rows(
                "SELECT kind, id FROM entities WHERE workspace = $1 ORDER BY kind, id",
                &[&workspace],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.get(0), uuid_of(r.get(1))?)))
            .collect()
    }

    async fn replica_owners(
        &mut self,
        workspace: &str,
        replicas: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, String>> {
        if replicas.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = replicas.iter().map(Uuid::to_string).collect();
        let rows = self
            .rows(
                "SELECT replica, member FROM replicas WHERE workspace = $1 AND replica = ANY($2)",
                &[&workspace, &ids],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((uuid_of(r.get(0))?, r.get(1))))
            .collect()
    }

    async fn register_replicas(
        &mut self,
        workspace: &str,
        replicas: &[(Uuid, String)],
    ) -> StoreResult<()> {
        if replicas.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = replicas.iter().map(|r| r.0.to_string()).collect();
        let members: Vec<&str> = replicas.iter().map(|r| r.1.as_str()).collect();
        self.exec(
            "INSERT INTO replicas (workspace, replica, member)
             SELECT $1, * FROM UNNEST($2::text[], $3::text[])
             ON CONFLICT DO NOTHING",
            &[&workspace, &ids, &members],
        )
        .await
        .map(drop)
    }

    async fn replicas(&mut self, workspace: &str) -> StoreResult<Vec<(Uuid, String)>> {
        let rows = self
            .rows(
                "SELECT replica, member FROM replicas WHERE workspace = $1 ORDER BY replica",
                &[&workspace],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((uuid_of(r.get(0))?, r.get(1))))
            .collect()
    }

    async fn workspaces(&mut self) -> StoreResult<Vec<(String, String)>> {
        let rows = self
            .rows("SELECT name, created_at FROM workspaces ORDER BY name", &[])
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn workspace_exists(&mut self, workspace: &str) -> StoreResult<bool> {
        let row = self
            .row("SELECT 1 FROM workspaces WHERE name = $1", &[&workspace])
            .await?;
        Ok(row.is_some())
    }

    async fn insert_workspace(&mut self, workspace: &str, created_at: &str) -> StoreResult<bool> {
        let n = self
            .exec(
                "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&workspace, &created_at],
            )
            .await?;
        Ok(n == 1)
    }

    async fn member_by_token_id(&mut self, id: &str) -> StoreResult<Option<MemberRecord>> {
        let row = self
            .row(
                &format!("SELECT {MEMBER_COLUMNS} FROM members WHERE id = $1"),
                &[&id],
            )
            .await?;
        Ok(row.as_ref().map(member_of))
    }

    async fn members(&mut self, workspace: &str) -> StoreResult<Vec<MemberRecord>> {
        let rows = self
            .rows(
                &format!(
                    "SELECT {MEMBER_COLUMNS} FROM members WHERE workspace = $1
                     ORDER BY name, created_at"
                ),
                &[&workspace],
            )
            .await?;
        Ok(rows.iter().map(member_of).collect())
    }

    async fn insert_member(&mut self, m: &MemberRecord) -> StoreResult<()> {
        self.exec(
            &format!("INSERT INTO members ({MEMBER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                &m.id,
                &m.workspace,
                &m.name,
                &m.role,
                &m.token_hash,
                &m.created_at,
                &m.revoked_at,
            ],
        )
        .await
        .map(drop)
    }

    async fn revoke_member(&mut self, workspace: &str, name: &str, at: &str) -> StoreResult<bool> {
        let n = self
            .exec(
                "UPDATE members SET revoked_at = $3
                 WHERE workspace = $1 AND name = $2 AND revoked_at IS NULL",
                &[&workspace, &name, &at],
            )
            .await?;
        Ok(n > 0)
    }

    async fn insert_session(
        &mut self,
        secret_hash: &[u8],
        member_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> StoreResult<()> {
        self.exec(
            "INSERT INTO sessions (secret_hash, member_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
            &[&secret_hash, &member_id, &created_at, &expires_at],
        )
        .await
        .map(drop)
    }

    async fn session(&mut self, secret_hash: &[u8]) -> StoreResult<Option<(MemberRecord, String)>> {
        let row = self
            .row(
                "SELECT m.id, m.workspace, m.name, m.role, m.token_hash, m.created_at,
                        m.revoked_at, s.expires_at
                 FROM sessions s JOIN members m ON m.id = s.member_id WHERE s.secret_hash = $1",
                &[&secret_hash],
            )
            .await?;
        Ok(row.map(|r| (member_of(&r), r.get(7))))
    }

    async fn delete_session(&mut self, secret_hash: &[u8], now: &str) -> StoreResult<()> {
        self.exec(
            "DELETE FROM sessions WHERE secret_hash = $1 OR expires_at < $2",
            &[&secret_hash, &now],
        )
        .await
        .map(drop)
    }

    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if self.open {
            self.c().batch_execute("COMMIT").await.map_err(err)?;
            self.open = false;
        }
        Ok(())
    }
}
