//! claimdb: a fact-claim tracking database.
//!
//! Layers, each testable alone:
//! - [`model`] and [`ops`]: the nouns and the operations every write is recorded as;
//! - [`text`]: limits, name folding, dates and quote anchoring;
//! - [`similar`]: the terms and score by which claims are found alike;
//! - [`validate`]: the rules every operation obeys, wherever it was written;
//! - [`store`]: the SQLite store (no terminal, no HTTP);
//! - [`interchange`]: JSON, JSON Lines, CSV and ClaimReview import and export;
//! - [`views`]: the data commands return;
//! - [`extract`]: proposes the attributed claims in an article's text;
//! - [`sync`]: the wire protocol's types and the client that pushes and pulls;
//! - [`server`]: the protocol core, its SQLite and PostgreSQL stores, and HTTP;
//! - `cli` (in the binary): parses arguments, calls the library and renders.
//!
//! ARCHITECTURE.md walks through them.

pub mod error;
pub mod extract;
pub mod interchange;
pub mod model;
pub mod near_names;
pub mod ops;
pub mod similar;
pub mod store;
pub mod text;
pub mod validate;
pub mod views;

pub use error::{Error, ErrorKind, Result};
pub use store::Store;
pub mod server;
pub mod sync;
