//! The SQLite store: opening and migrating the database, and the write transaction in which
//! every change becomes an operation. It knows nothing of terminals or HTTP.

mod apply;
mod conflicts;
pub mod ids;
mod query;
mod rank;
mod rebuild;
mod sync;
pub(crate) mod unique;
mod write;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ops::{Hlc, Op, OpKind};

pub use apply::apply;
pub use conflicts::{Conflicts, FieldConflict, FieldValue};
pub use query::ClaimFilter;
pub use rebuild::TableDiff;
pub use sync::{PULL_COMMIT_PAGES, Pulling, RemoteInfo, check_remote_url};
pub use write::{ClaimEdit, NewArticle, NewClaim, NewSource, sha256_hex};

/// `PRAGMA application_id` of a claimdb database ('cldd').
pub const APPLICATION_ID: i32 = 0x636c_6464;

const MIGRATION_SQL: &[&str] = &[
    include_str!("../../schema/0001_init.sql"),
    include_str!("../../schema/0002_search.sql"),
    include_str!("../../schema/0003_sync.sql"),
    include_str!("../../schema/0004_ops_subject.sql"),
    include_str!("../../schema/0005_claim_edits.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: usize = MIGRATION_SQL.len();

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATION_SQL.iter().map(|sql| M::up(sql)).collect()));

/// The migrations, for validation in tests.
pub fn migrations() -> &'static Migrations<'static> {
    &MIGRATIONS
}

/// An open claimdb database, with the replica id and the author its writes are recorded under.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    replica: Uuid,
    author: String,
    created: bool,
}

impl Store {
    /// Open (creating and migrating if needed) the database at `path`; writes are recorded as
    /// made by `author`, or by the user recorded at creation when `author` is `None`.
    pub fn open(path: &Path, author: Option<&str>) -> Result<Store> {
        check_file(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        let mut conn = Connection::open(path)
            .map_err(|e| Error::Incompatible(format!("cannot open {}: {e}", path.display())))?;
        // Look before changing anything: a foreign file must be left exactly as it was.
        check_schema(&conn, path)?;
        configure(&conn)?;
        rank::register(&conn)?;
        migrate(&mut conn, path, None)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut created = false;
        let replica = match get_meta(&tx, "replica_id")? {
            Some(r) => Uuid::parse_str(&r)
                .map_err(|_| Error::Incompatible("the database's replica id is corrupt".into()))?,
            None => {
                created = true;
                let r = Uuid::new_v4();
                set_meta(&tx, "replica_id", &r.to_string())?;
                r
            }
        };
        let recorded = get_meta(&tx, "user")?;
        let author = match (author, recorded) {
            (Some(a), None) => {
                set_meta(&tx, "user", a)?;
                a.to_string()
            }
            (Some(a), Some(_)) => a.to_string(),
            (None, Some(r)) => r,
            (None, None) => {
                set_meta(&tx, "user", "unknown")?;
                "unknown".to_string()
            }
        };
        tx.commit()?;
        let author = crate::text::required("user name", &author, crate::text::MAX_NAME_CHARS)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            replica,
            author,
            created,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn replica(&self) -> Uuid {
        self.replica
    }

    pub fn author(&self) -> &str {
        &self.author
    }

    /// Whether this open created the database.
    pub fn created(&self) -> bool {
        self.created
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` in one IMMEDIATE transaction; every change it makes goes through
    /// [`Writer::emit`], so it is applied and logged together, or not at all.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last = get_meta(&tx, "hlc")?
            .and_then(|s| s.parse().ok())
            .map(Hlc)
            .unwrap_or(Hlc(0));
        let mut w = Writer {
            tx: &tx,
            replica: self.replica,
            author: &self.author,
            last,
            emitted: 0,
        };
        let out = f(&mut w)?;
        if w.emitted > 0 {
            let last = w.last;
            set_meta(&tx, "hlc", &last.0.to_string())?;
            apply::flush_search(&tx)?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Like [`Store::write`], for a bulk write (an import) of about `ops` operations. It runs
    /// with a larger page cache: a bulk write touches index pages all over the file, and
    /// reading them again from the operating system costs more than the memory. When the
    /// write is at least as large as the log already is, the indexes that applying
    /// operations never reads ([`DEFERRED_INDEXES`]) are dropped for the transaction and
    /// built again at its end, in one sorted pass each instead of one random insertion per
    /// row. Both happen in the one transaction: a failed write leaves them as they were.
    ///
    /// Such a write also runs with a rollback journal instead of the WAL, when no other
    /// connection has the database open: its new pages then go to the database file once,
    /// where the WAL writes them twice (into the log, then again at the checkpoint). The
    /// journal is as durable (`synchronous=EXTRA`: the commit is on disk before it returns);
    /// other processes wait while it writes. The database is back in WAL mode afterwards.
    pub fn write_bulk<T>(
        &mut self,
        ops: usize,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let logged: i64 =
            self.conn
                .query_row("SELECT coalesce(max(seq), 0) FROM ops", [], |r| r.get(0))?;
        let defer = ops as i64 >= logged;
        self.conn
            .pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        let journal = defer && self.set_journal("delete")?;
        if journal {
            // With a rollback journal, only EXTRA also syncs the directory once the journal
            // is deleted, so that a power loss cannot bring it back and undo the commit.
            self.conn.pragma_update(None, "synchronous", "EXTRA")?;
        }
        let out = self.write(|w| {
            let rebuild = if defer {
                drop_deferred_indexes(w.conn())?
            } else {
                Vec::new()
            };
            let out = f(w)?;
            if defer && w.emitted > 0 {
                set_fts_hashsize(w.conn(), BULK_FTS_HASH)?;
                apply::flush_search(w.conn())?;
                set_fts_hashsize(w.conn(), DEFAULT_FTS_HASH)?;
            }
            for sql in rebuild {
                w.conn().execute_batch(&sql)?;
            }
            Ok(out)
        });
        self.conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        if journal {
            // Should this fail, the next open switches back to WAL and FULL.
            let _ = self.set_journal("wal");
            let _ = self.conn.pragma_update(None, "synchronous", "FULL");
        }
        out
    }

    /// Switch the journal mode; false when it could not be switched (another connection
    /// has the database open, which leaving WAL requires it not to).
    fn set_journal(&self, mode: &str) -> Result<bool> {
        match self
            .conn
            .pragma_update_and_check(None, "journal_mode", mode, |r| r.get::<_, String>(0))
        {
            Ok(now) => Ok(now.eq_ignore_ascii_case(mode)),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Write a consistent copy of the database to `dest` (which must not exist), while others
    /// may keep writing; the copy is checked before this returns.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        backup_to(&self.conn, dest)
    }

    /// Number of operations in the local log.
    pub fn op_count(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM ops", [], |r| r.get::<_, i64>(0))? as u64)
    }
}

/// The handle a write transaction gives to the code that decides what to change.
pub struct Writer<'a> {
    tx: &'a Connection,
    replica: Uuid,
    author: &'a str,
    last: Hlc,
    emitted: usize,
}

impl Writer<'_> {
    /// Stamp `kind` as a new operation, apply it to the tables and append it to the log.
    pub fn emit(&mut self, kind: OpKind) -> Result<Op> {
        let hlc = Hlc::now(self.last);
        self.last = hlc;
        let op = Op {
            id: Uuid::now_v7(),
            hlc,
            replica: self.replica,
            author: self.author.to_string(),
            kind,
        };
        self.record(&op)?;
        Ok(op)
    }

    /// Apply and log an operation made elsewhere (an import keeps its own ids and times).
    pub fn record(&mut self, op: &Op) -> Result<()> {
        apply::apply_deferred(self.tx, op)?;
        append_op(self.tx, op)?;
        self.emitted += 1;
        Ok(())
    }

    pub fn conn(&self) -> &Connection {
        self.tx
    }

    pub fn author(&self) -> &str {
        self.author
    }

    /// The wall-clock time of the next operation, for `created_at` fields.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        Hlc::now(self.last).to_datetime()
    }
}

pub(crate) fn append_op(conn: &Connection, op: &Op) -> Result<()> {
    let body = serde_json::to_string(&op.kind).expect("operations always serialize");
    conn.prepare_cached(
        "INSERT INTO ops (id, hlc, replica, author, entity, claim, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        op.id.to_string(),
        op.hlc.0 as i64,
        op.replica.to_string(),
        op.author,
        op.kind.entity().to_string(),
        op.kind.claim().map(|c| c.to_string()),
        body
    ])?;
    Ok(())
}

/// The memory in which the search index gathers new entries before it writes them out as a
/// segment: SQLite's default, and the larger buffer of a bulk write, which writes fewer
/// segments and merges them less often.
const DEFAULT_FTS_HASH: i64 = 1024 * 1024;
const BULK_FTS_HASH: i64 = 64 * 1024 * 1024;

fn set_fts_hashsize(conn: &Connection, bytes: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO claim_fts (claim_fts, rank) VALUES ('hashsize', ?1)",
        [bytes],
    )?;
    Ok(())
}

/// Indexes that applying an operation never reads: they serve queries, sync and conflicts.
/// [`Store::write_bulk`] may build them after the rows instead of row by row. (An import
/// reads `source_names_folded` and `articles_url` for each new source and article, to refuse
/// a name or URL another has: those stay.)
const DEFERRED_INDEXES: &[&str] = &[
    "ops_hlc",
    "ops_replica_seq",
    "ops_subject",
    "ops_claim_edits",
    "claims_created",
    "claims_status",
    "claim_tags_tag",
    "appearances_article",
];

/// Drop the [`DEFERRED_INDEXES`] and return the statements that create them again.
fn drop_deferred_indexes(conn: &Connection) -> Result<Vec<String>> {
    let mut rebuild = Vec::new();
    for name in DEFERRED_INDEXES {
        let sql: Option<String> = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(sql) = sql {
            conn.execute_batch(&format!("DROP INDEX {name}"))?;
            rebuild.push(sql);
        }
    }
    Ok(rebuild)
}

/// Page cache in KiB: pulls touch many index pages, and a client must stay small.
const CACHE_KIB: i64 = 32 * 1024;
/// Page cache in KiB for [`Store::write_bulk`].
const BULK_CACHE_KIB: i64 = 256 * 1024;

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // WAL with synchronous=FULL: a committed write survives a crash or power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Refuse files that are plainly not SQLite before SQLite sees them.
fn check_file(path: &Path) -> Result<()> {
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut head = [0u8; 16];
    let n = f.read(&mut head).unwrap_or(0);
    if n == 0 {
        return Ok(());
    }
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(Error::Incompatible(format!(
            "{} is not a claimdb database (not an SQLite file); pass another --db path",
            path.display()
        )));
    }
    Ok(())
}

/// Refuse databases that are not claimdb's, or are newer than this binary.
fn check_schema(conn: &Connection, path: &Path) -> Result<()> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| {
            Error::Incompatible(format!(
                "{} is not a claimdb database ({e}); pass another --db path",
                path.display()
            ))
        })?;
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    if (version == 0 && tables > 0) || (version > 0 && app_id != APPLICATION_ID) {
        return Err(Error::Incompatible(format!(
            "{} is an SQLite database but not a claimdb database; pass another --db path",
            path.display()
        )));
    }
    if version as usize > SCHEMA_VERSION {
        return Err(Error::Incompatible(format!(
            "{} has schema version {version}, newer than this claimdb understands ({SCHEMA_VERSION}); upgrade claimdb",
            path.display()
        )));
    }
    Ok(())
}

/// Bring the schema up to `target` (default: the latest), refusing foreign or newer databases.
pub fn migrate(conn: &mut Connection, path: &Path, target: Option<usize>) -> Result<usize> {
    check_schema(conn, path)?;
    match target {
        Some(t) => MIGRATIONS.to_version(conn, t)?,
        None => MIGRATIONS.to_latest(conn)?,
    }
    Ok(target.unwrap_or(SCHEMA_VERSION))
}

/// `VACUUM INTO` a new file and check the copy opens and passes `integrity_check`.
pub fn backup_to(conn: &Connection, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(Error::Invalid(format!(
            "{} exists; back up to a new file",
            dest.display()
        )));
    }
    let Some(target) = dest.to_str() else {
        return Err(Error::invalid("the backup path is not valid UTF-8"));
    };
    conn.execute("VACUUM INTO ?1", [target])?;
    let copy = Connection::open_with_flags(dest, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let ok: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Error::Io(format!(
            "the backup at {} failed its check: {ok}",
            dest.display()
        )));
    }
    Ok(())
}

pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
