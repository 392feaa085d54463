//! The server's stores: each implements [`super::storage::Storage`] and holds all of its SQL.

pub mod postgres;
pub mod sqlite;

pub use postgres::PgStorage;
pub use sqlite::SqliteStorage;
