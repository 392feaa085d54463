//! The library's one error type. Every message says what went wrong and, where it can, what to do.

use std::fmt;

/// What kind of failure happened; the CLI maps each kind to a documented exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A value given by the user is not acceptable (bad status, empty text, bad date, bad file).
    Invalid,
    /// An id, name or URL matched nothing, or more than one thing.
    NotFound,
    /// The database file is not a claimdb database, or was written by a newer claimdb.
    Incompatible,
    /// The remote refused a request or answered something unusable.
    Remote,
    /// Anything else: I/O, SQLite.
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Ambiguous(String),
    #[error("{0}")]
    Incompatible(String),
    #[error("{path}: {message}")]
    Import { path: String, message: String },
    #[error("{0}")]
    Remote(String),
    /// A new source's name nearly matches an existing source's: `suggestion` is that name.
    #[error(
        "no source named '{name}'; did you mean '{suggestion}'? Use that name, or pass --new-source to create a new source"
    )]
    NearSource { name: String, suggestion: String },
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("{0}")]
    Io(String),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) | Error::Import { .. } | Error::NearSource { .. } => {
                ErrorKind::Invalid
            }
            Error::NotFound(_) | Error::Ambiguous(_) => ErrorKind::NotFound,
            Error::Incompatible(_) => ErrorKind::Incompatible,
            Error::Remote(_) => ErrorKind::Remote,
            Error::Sqlite(_) | Error::Io(_) => ErrorKind::Other,
        }
    }

    pub fn invalid(msg: impl fmt::Display) -> Self {
        Error::Invalid(msg.to_string())
    }

    pub fn io(context: impl fmt::Display, err: std::io::Error) -> Self {
        Error::Io(format!("{context}: {err}"))
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => Error::from(err),
            other => Error::Incompatible(format!("cannot migrate the database: {other}")),
        }
    }
}

impl From<rusqlite::Error> for Error {
    /// SQLite's conditions a user can act on get a message that says what to do; the
    /// transaction that met them was rolled back, so nothing was written.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let rusqlite::Error::SqliteFailure(f, _) = &e else {
            return Error::Sqlite(e);
        };
        match f.code {
            ErrorCode::ReadOnly => Error::Io(
                "the database is read-only (check the file's and its folder's permissions); nothing was changed"
                    .into(),
            ),
            ErrorCode::DiskFull => Error::Io(
                "the disk is full; nothing was changed: free some space and try again".into(),
            ),
            ErrorCode::SystemIoFailure => Error::Io(format!(
                "cannot write the database file ({e}); the disk may be full or failing, nothing was changed"
            )),
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Error::Io(
                "the database is busy: another program is writing to it; try again".into(),
            ),
            ErrorCode::DatabaseCorrupt => Error::Incompatible(
                "the database file is damaged; run `claimdb check` and restore from a backup".into(),
            ),
            ErrorCode::NotADatabase => Error::Incompatible(
                "the file is not a claimdb database; pass another --db path".into(),
            ),
            _ => Error::Sqlite(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
