//! The SQLite store: opening and migrating the database, and the write transaction in which
//! every change becomes an operation. It knows nothing of terminals or HTTP.

mod apply;
mod conflicts;
pub mod ids;
mod merge;
mod query;
mod rank;
mod rebuild;
mod reviews;
mod similar;
mod snapshot;
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
pub use rebuild::{FoldedTable, TableDiff};
pub use reviews::{NewReview, ReviewImportSummary};
pub use similar::Like;
pub use sync::{PULL_COMMIT_PAGES, Pulling, RemoteInfo, check_remote_url};
pub use write::{
    ClaimEdit, CreatedSource, NewArticle, NewClaim, NewSource, PlacedClaim, sha256_hex,
};

/// `PRAGMA application_id` of a claimdb database ('cldd').
pub const APPLICATION_ID: i32 = 0x636c_6464;

const MIGRATION_SQL: &[&str] = &[
    include_str!("../../schema/0001_init.sql"),
    include_str!("../../schema/0002_search.sql"),
    include_str!("../../schema/0003_sync.sql"),
    include_str!("../../schema/0004_ops_subject.sql"),
    include_str!("../../schema/0005_claim_edits.sql"),
    include_str!("../../schema/0006_creations.sql"),
    include_str!("../../schema/0007_live_claims.sql"),
    include_str!("../../schema/0008_reviews.sql"),
    include_str!("../../schema/0009_similar.sql"),
    include_str!("../../schema/0010_source_merge.sql"),
];

/// A migration: its SQL, and for the one that adds the similar-claims index, the Rust that
/// fills it (its terms come from the text rules, not from SQL).
fn migration(sql: &'static str) -> M<'static> {
    if sql.contains("CREATE TABLE similar_docs") {
        return M::up_with_hook(sql, |tx: &rusqlite::Transaction| {
            similar::index_all(tx).map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))
        });
    }
    M::up(sql)
}

/// The schema version this binary writes.
pub const SCHEMA_VERSION: usize = MIGRATION_SQL.len();

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATION_SQL.iter().map(|sql| migration(sql)).collect()));

/// The migrations, for validation in tests.
pub fn migrations() -> &'static Migrations<'static> {
    &MIGRATIONS
}

/// An open claimdb database, with the replica id and the author its writes are recorded under.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    replica: Uuid,
    author: Option<String>,
    created: bool,
    read_only: bool,
    copied_from: Option<PathBuf>,
    /// Set by [`Store::rehearse_as`]: writes roll back and leave their operations here.
    capture: Option<Vec<Op>>,
    /// Whether a write may create a source whose name nearly matches another's.
    new_sources: bool,
}

impl Store {
    /// Open (creating and migrating if needed) the database at `path`; writes are recorded as
    /// made by `author`, or by the user recorded at creation when `author` is `None`. With
    /// neither, the database can be read, and every write is refused until a name is given.
    ///
    /// A database that cannot be written (a read-only file, or a folder where SQLite cannot
    /// create its `-wal` and `-shm` files) is opened read-only: reads work, writes are refused
    /// as read-only. Opening writes nothing unless something must be recorded (a new
    /// database, a first user name), so it never waits for another process's write.
    pub fn open(path: &Path, author: Option<&str>) -> Result<Store> {
        let author = author
            .map(|a| crate::text::name("user name", a, crate::text::MAX_NAME_CHARS))
            .transpose()?;
        let author = author.as_deref();
        let claimdb_header = check_file(path)?;
        if !path.exists()
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        let (mut conn, read_only) = connect(path, claimdb_header)?;
        if read_only {
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if version as usize != SCHEMA_VERSION {
                return Err(Error::Io(format!(
                    "{} is read-only and has schema version {version}; this claimdb upgrades it \
                     to {SCHEMA_VERSION} on first use: make the file and its folder writable once",
                    path.display()
                )));
            }
        } else {
            configure(&conn)?;
            migrate(&mut conn, path, None)?;
        }
        rank::register(&conn)?;
        let mut replica = get_meta(&conn, "replica_id")?;
        let mut recorded = get_meta(&conn, "user")?;
        let mut created = false;
        let first_user = author.filter(|_| recorded.is_none());
        if (replica.is_none() || first_user.is_some()) && !read_only {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Read again under the write lock: another process may have just recorded them.
            replica = get_meta(&tx, "replica_id")?;
            if replica.is_none() {
                created = true;
                let r = Uuid::new_v4().to_string();
                set_meta(&tx, "replica_id", &r)?;
                replica = Some(r);
            }
            recorded = get_meta(&tx, "user")?;
            if let (Some(a), None) = (author, &recorded) {
                set_meta(&tx, "user", a)?;
                recorded = Some(a.to_string());
            }
            tx.commit()?;
        }
        let replica = match replica {
            Some(r) => Uuid::parse_str(&r)
                .map_err(|_| Error::Incompatible("the database's replica id is corrupt".into()))?,
            None => {
                return Err(Error::Io(format!(
                    "{} is read-only and not yet set up; make it writable once",
                    path.display()
                )));
            }
        };
        // A second file with this replica id (a copy of a database that is still in use)
        // must not write under it: two databases sharing one id look like one to the server.
        let mut replica = replica;
        let mut copied_from = None;
        if !read_only && sync::path_changed(&conn, path)? {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let Some(original) = sync::copy_of(&tx, path, replica)? {
                replica = Uuid::new_v4();
                set_meta(&tx, "replica_id", &replica.to_string())?;
                copied_from = Some(original);
            }
            tx.commit()?;
        }
        let author = author
            .map(str::to_string)
            .or(recorded)
            .map(|a| crate::text::name("user name", &a, crate::text::MAX_NAME_CHARS))
            .transpose()?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            replica,
            author,
            created,
            read_only,
            copied_from,
            capture: None,
            new_sources: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Let the writes that follow create a source whose name nearly matches another source's
    /// (`--new-source`); by default such a name is refused with the suggestion.
    /// Run `f` with near matches of source names allowed (imports take names as given), then
    /// put the setting back as it was.
    pub(crate) fn with_new_sources<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> T {
        let allowed = self.new_sources;
        self.new_sources = true;
        let done = f(self);
        self.new_sources = allowed;
        done
    }

    pub fn allow_new_sources(&mut self, allow: bool) {
        self.new_sources = allow;
    }

    pub fn replica(&self) -> Uuid {
        self.replica
    }

    /// The name writes are recorded under; `None` when no name was given or recorded.
    pub fn author(&self) -> Option<&str> {
        self.author.as_deref()
    }

    /// Whether the database could only be opened for reading.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Record `name` as the database's user, for writes made without `--user`.
    pub fn set_recorded_user(&mut self, name: &str) -> Result<()> {
        let name = crate::text::required("user name", name, crate::text::MAX_NAME_CHARS)?;
        set_meta(&self.conn, "user", &name)?;
        self.author = Some(name);
        Ok(())
    }

    /// The user name recorded in the database, if any.
    pub fn recorded_user(&self) -> Result<Option<String>> {
        get_meta(&self.conn, "user")
    }

    /// Run `f` on one consistent snapshot of the database: every query it makes sees the
    /// database as it was at the first one, whatever other connections commit meanwhile
    /// (one read transaction; in WAL mode it does not hold up writers).
    pub fn read_snapshot<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        let tx = self.conn.unchecked_transaction()?;
        // Start the read transaction now, so that the snapshot is taken here.
        tx.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })?;
        let out = f(self)?;
        tx.commit()?;
        Ok(out)
    }

    /// The database this one was found to be a copy of, when this open gave it a replica id
    /// of its own.
    pub fn copied_from(&self) -> Option<&Path> {
        self.copied_from.as_deref()
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
        self.transact(true, f)
    }

    /// Run `f` as [`Store::write`] would, and roll its transaction back: what it returns
    /// (or the error it meets) is what the write would do, and nothing is written.
    pub fn rehearse<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        self.transact(false, f)
    }

    /// Run `f`, whose writes are recorded as made by `author` from `replica`, and keep
    /// nothing: returns what `f` returned and the operations its writes would have recorded,
    /// with every rule and merge the same as in a real write. The server's board makes a
    /// signed-in member's changes this way, to send them through the protocol like a push.
    pub fn rehearse_as<T>(
        &mut self,
        author: &str,
        replica: Uuid,
        f: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<(T, Vec<Op>)> {
        let author = crate::text::name("user name", author, crate::text::MAX_NAME_CHARS)?;
        let saved = (self.author.replace(author), self.replica);
        self.replica = replica;
        self.capture = Some(Vec::new());
        // Put the store back as it was even if `f` panics: a store left writing as someone
        // else, from their replica id, would apply their operations as its own.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        let ops = self.capture.take().unwrap_or_default();
        (self.author, self.replica) = saved;
        match out {
            Ok(out) => Ok((out?, ops)),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    fn transact<T>(
        &mut self,
        commit: bool,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let commit = commit && self.capture.is_none();
        let Some(author) = self.author.as_deref() else {
            return Err(Error::invalid(
                "no user name to record this change under: pass --user NAME, or set CLAIMDB_USER \
                 or `user` in the config file (or `claimdb remote add` with a token records the \
                 member's name); nothing was changed",
            ));
        };
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
            author,
            last,
            emitted: 0,
            new_sources: self.new_sources,
        };
        let before: i64 = match self.capture {
            Some(_) => tx.query_row("SELECT coalesce(max(seq), 0) FROM ops", [], |r| r.get(0))?,
            None => 0,
        };
        let out = f(&mut w)?;
        if !commit {
            if let Some(captured) = self.capture.as_mut() {
                let ops = logged_ops(
                    &tx,
                    "SELECT seq, id, hlc, replica, author, body FROM ops WHERE seq > ?1 ORDER BY seq",
                    [before],
                )?;
                captured.extend(ops.into_iter().map(|(_, op)| op));
            }
            tx.rollback()?;
            return Ok(out);
        }
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
    /// It stays in WAL mode, so other processes keep reading while it runs (they see the
    /// database as it was before it), and writers wait for it as for any write.
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
        out
    }

    /// Write a consistent copy of the database to `dest` (which must not exist), while others
    /// may keep writing; the copy is checked before this returns.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        backup_to(&self.conn, dest)
    }

    /// SQLite's `PRAGMA integrity_check`: "ok", or what is wrong.
    pub fn integrity(&self) -> Result<String> {
        let lines: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(lines.join("; "))
    }

    /// Rows whose references point nowhere (`PRAGMA foreign_key_check`).
    pub fn foreign_key_violations(&self) -> Result<u64> {
        Ok(self
            .conn
            .prepare("PRAGMA foreign_key_check")?
            .query_map([], |_| Ok(()))?
            .count() as u64)
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
    new_sources: bool,
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
    /// It must pass [`crate::validate::op`], as every operation written here does.
    pub fn record(&mut self, op: &Op) -> Result<()> {
        crate::validate::op(op)?;
        apply::apply_deferred(self.tx, op)?;
        append_op(self.tx, op, false)?;
        self.emitted += 1;
        Ok(())
    }

    pub fn conn(&self) -> &Connection {
        self.tx
    }

    pub fn author(&self) -> &str {
        self.author
    }

    /// Whether this write may create a source whose name nearly matches another's.
    pub fn new_sources(&self) -> bool {
        self.new_sources
    }

    /// The wall-clock time of the next operation, for `created_at` fields.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        Hlc::now(self.last).to_datetime()
    }
}

/// Run `sql`, which selects `seq, id, hlc, replica, author, body` from the log, and decode
/// each row into its local sequence number and operation.
pub(crate) fn logged_ops(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<(i64, Op)>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, id, hlc, replica, author, body) = row?;
        let kind: OpKind = serde_json::from_str(&body)
            .map_err(|e| Error::Incompatible(format!("operation {id} is unreadable: {e}")))?;
        out.push((
            seq,
            Op {
                id: id.parse().expect("stored ids are UUIDs"),
                hlc: Hlc(hlc as u64),
                replica: replica.parse().expect("stored ids are UUIDs"),
                author,
                kind,
            },
        ));
    }
    Ok(out)
}

/// Append `op` to the log; `pulled` marks one that came from a remote, which this database
/// never pushes as its own.
pub(crate) fn append_op(conn: &Connection, op: &Op, pulled: bool) -> Result<()> {
    let body = serde_json::to_string(&op.kind).expect("operations always serialize");
    conn.prepare_cached(
        "INSERT INTO ops (id, hlc, replica, author, entity, claim, body, pulled)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        op.id.to_string(),
        op.hlc.0 as i64,
        op.replica.to_string(),
        op.author,
        op.kind.entity().to_string(),
        op.kind.claim().map(|c| c.to_string()),
        body,
        pulled
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

/// What the first bytes of a database file say.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Header {
    /// No file yet, or an empty one: it is created.
    None,
    /// An SQLite file; `claimdb` when its application id is claimdb's.
    Sqlite { claimdb: bool },
}

/// Look at the file before SQLite does: refuse what is plainly not SQLite, and call a file
/// damaged when it is shorter than its own header says (cut short by a failed copy).
fn check_file(path: &Path) -> Result<Header> {
    let Ok(f) = std::fs::File::open(path) else {
        return Ok(Header::None);
    };
    let mut head = Vec::with_capacity(100);
    let n = f.take(100).read_to_end(&mut head).unwrap_or(0);
    if n == 0 {
        return Ok(Header::None);
    }
    if n < 16 || &head[..16] != b"SQLite format 3\0" {
        return Err(Error::Incompatible(format!(
            "{} is not a claimdb database (not an SQLite file); pass another --db path",
            path.display()
        )));
    }
    if n < 100 {
        return Err(damaged(
            path,
            &format!("it ends after {n} bytes, inside its header"),
        ));
    }
    let be32 = |at: usize| u32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    let claimdb = be32(68) as i32 == APPLICATION_ID;
    let page_size = match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65536,
        n => u64::from(n),
    };
    let pages = u64::from(be32(28));
    // The page count is trusted only when the header says it is current, and when no log
    // beside the file is still to be applied (a checkpoint may grow the file page by page).
    let current = be32(24) == be32(92);
    let pending = ["-wal", "-journal"].iter().any(|ext| {
        let mut side = path.as_os_str().to_owned();
        side.push(ext);
        std::fs::metadata(side).is_ok_and(|m| m.len() > 0)
    });
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if claimdb && current && !pending && pages > 0 && len < page_size * pages {
        return Err(damaged(
            path,
            &format!("it is cut short: {len} of its {} bytes", page_size * pages),
        ));
    }
    Ok(Header::Sqlite { claimdb })
}

fn damaged(path: &Path, detail: &str) -> Error {
    Error::Incompatible(format!(
        "{} is damaged ({detail}); restore it from a backup (see \"Backups and recovery\" in \
         docs/storage.md), then run `claimdb check`",
        path.display()
    ))
}

/// Open the database for writing, or for reading only when it cannot be written: a
/// read-only file, or a folder where the `-wal` and `-shm` files cannot be created. Returns
/// the connection and whether it is read-only.
fn connect(path: &Path, header: Header) -> Result<(Connection, bool)> {
    let conn = Connection::open(path)
        .map_err(|e| Error::Incompatible(format!("cannot open {}: {e}", path.display())))?;
    // Look before changing anything: a foreign file must be left exactly as it was.
    let first = match probe(&conn) {
        Ok(p) => {
            judge(p, path)?;
            let read_only = conn.is_readonly(rusqlite::MAIN_DB)?;
            return Ok((conn, read_only));
        }
        Err(e) => e,
    };
    drop(conn);
    let cannot_write = matches!(
        &first,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
    );
    if cannot_write && header != Header::None {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let no_log = std::fs::metadata(wal).map_or(true, |m| m.len() == 0);
        // Read-only with the `-shm` file beside it; then, when there is no log to apply and
        // none can be created (so nobody can be writing), the file as it is on disk.
        let mut tries = vec!["mode=ro"];
        if no_log {
            tries.push("immutable=1");
        }
        for query in tries {
            let uri = format!("file:{}?{query}", uri_path(path));
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                | rusqlite::OpenFlags::SQLITE_OPEN_URI
                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
            if let Ok(conn) = Connection::open_with_flags(&uri, flags)
                && let Ok(p) = probe(&conn)
            {
                judge(p, path)?;
                return Ok((conn, true));
            }
        }
        return Err(Error::Io(format!(
            "cannot open {} ({first}); check the file's and its folder's permissions",
            path.display()
        )));
    }
    Err(match header {
        Header::Sqlite { .. } => damaged(path, &first.to_string()),
        Header::None => Error::Incompatible(format!("cannot open {}: {first}", path.display())),
    })
}

/// `path` for an SQLite URI: every byte outside the unreserved set percent-encoded.
fn uri_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    abs.as_os_str()
        .as_bytes()
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// user_version, application_id and the number of tables.
fn probe(conn: &Connection) -> rusqlite::Result<(i64, i32, i64)> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    Ok((version, app_id, tables))
}

/// Refuse databases that are not claimdb's, or are newer than this binary.
fn judge((version, app_id, tables): (i64, i32, i64), path: &Path) -> Result<()> {
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

/// Refuse databases that are not claimdb's, or are newer than this binary.
fn check_schema(conn: &Connection, path: &Path) -> Result<()> {
    let p = probe(conn).map_err(|e| {
        Error::Incompatible(format!(
            "{} is not a claimdb database ({e}); pass another --db path",
            path.display()
        ))
    })?;
    judge(p, path)
}

/// Bring the schema up to `target` (default: the latest), refusing foreign or newer databases.
pub fn migrate(conn: &mut Connection, path: &Path, target: Option<usize>) -> Result<usize> {
    check_schema(conn, path)?;
    match target {
        Some(t) => MIGRATIONS.to_version(conn, t)?,
        None => {
            MIGRATIONS.to_latest(conn)?;
            fill_skeletons(conn)?;
        }
    }
    Ok(target.unwrap_or(SCHEMA_VERSION))
}

/// Give every source name written before skeletons were kept its skeleton.
fn fill_skeletons(conn: &Connection) -> Result<()> {
    let missing: Vec<(String, String, String)> = conn
        .prepare("SELECT source_id, folded, name FROM source_names WHERE skeleton IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (source, folded, name) in missing {
        conn.execute(
            "UPDATE source_names SET skeleton = ?3 WHERE source_id = ?1 AND folded = ?2",
            params![source, folded, crate::near_names::skeleton(&name)],
        )?;
    }
    Ok(())
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
