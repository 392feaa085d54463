//! What the protocol core needs from a server database, as domain verbs inside one
//! transaction. A store implements [`Storage`] and [`Txn`] and nothing else: every protocol
//! rule lives in [`super::core`], every SQL statement in [`super::stores`]. Verbs take and
//! return sets, so a push costs a database the same few round trips whatever its size.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use async_trait::async_trait;
use uuid::Uuid;

/// A failure of the database under the server. `retry` marks failures that the same
/// transaction may succeed at when run again (a serialization failure or a deadlock).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub message: String,
    pub retry: bool,
}

impl StoreError {
    pub fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            retry: false,
        }
    }
}

pub type StoreResult<T> = std::result::Result<T, StoreError>;

/// A member as stored: only the SHA-256 of the token's secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub id: String,
    pub workspace: String,
    pub name: String,
    pub role: String,
    pub token_hash: Vec<u8>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// One row of a workspace's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRow {
    pub seq: u64,
    pub id: Uuid,
    pub author: String,
    /// The operation's canonical JSON, served to pullers as it is.
    pub body: String,
    pub received_at: String,
}

/// A server database.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Start a transaction. A writing one may hold locks until it ends; it keeps nothing
    /// unless [`Txn::commit`] is called, and is rolled back when dropped.
    async fn begin(&self, write: bool) -> StoreResult<Box<dyn Txn + '_>>;

    /// Where the data lives, for the server's log (never a password).
    fn describe(&self) -> String;

    /// A consistent copy of the whole database at `dest`, taken while it serves.
    async fn backup(&self, dest: &Path) -> StoreResult<()>;
}

/// The verbs of one transaction.
#[async_trait]
pub trait Txn: Send {
    /// The workspace's head sequence number (0 for an empty log). In a writing transaction
    /// it also makes every other writer to this workspace wait until this one ends, so
    /// numbers taken from it are dense and in commit order.
    async fn lock_head(&mut self, workspace: &str) -> StoreResult<u64>;
    /// The head as this transaction sees it, without locking.
    async fn head(&mut self, workspace: &str) -> StoreResult<u64>;
    /// Record the head after inserting operations up to `head`.
    async fn set_head(&mut self, workspace: &str, head: u64) -> StoreResult<()>;
    /// The sequence numbers and bodies of those of `ids` that are stored.
    async fn find_ops(
        &mut self,
        workspace: &str,
        ids: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, (u64, String)>>;
    /// Append rows, numbered by the caller from [`Txn::lock_head`].
    async fn insert_ops(&mut self, workspace: &str, rows: &[OpRow]) -> StoreResult<()>;
    /// Bodies of the operations after `after`, in sequence order, at most `limit`.
    async fn ops_after(
        &mut self,
        workspace: &str,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<(u64, String)>>;
    /// Whole rows, for copying a log to another store.
    async fn op_rows_after(
        &mut self,
        workspace: &str,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<OpRow>>;
    async fn op_count(&mut self, workspace: &str) -> StoreResult<u64>;

    /// Those of `entities` (kind, id) that some stored operation created.
    async fn existing_entities(
        &mut self,
        workspace: &str,
        entities: &[(String, Uuid)],
    ) -> StoreResult<HashSet<(String, Uuid)>>;
    /// Remember that stored operations created these entities (each kept once).
    async fn register_entities(
        &mut self,
        workspace: &str,
        entities: &[(String, Uuid)],
    ) -> StoreResult<()>;
    async fn entities(&mut self, workspace: &str) -> StoreResult<Vec<(String, Uuid)>>;

    /// The member who first stored an operation under each of `replicas` that has one.
    async fn replica_owners(
        &mut self,
        workspace: &str,
        replicas: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, String>>;
    /// Give each replica id to its member unless someone already has it.
    async fn register_replicas(
        &mut self,
        workspace: &str,
        replicas: &[(Uuid, String)],
    ) -> StoreResult<()>;
    async fn replicas(&mut self, workspace: &str) -> StoreResult<Vec<(Uuid, String)>>;

    async fn workspaces(&mut self) -> StoreResult<Vec<(String, String)>>;
    async fn workspace_exists(&mut self, workspace: &str) -> StoreResult<bool>;
    /// Create the workspace; false if it already exists.
    async fn insert_workspace(&mut self, workspace: &str, created_at: &str) -> StoreResult<bool>;

    async fn member_by_token_id(&mut self, id: &str) -> StoreResult<Option<MemberRecord>>;
    /// Every member of the workspace, revoked or not, by name and time of creation.
    async fn members(&mut self, workspace: &str) -> StoreResult<Vec<MemberRecord>>;
    async fn insert_member(&mut self, member: &MemberRecord) -> StoreResult<()>;
    /// Revoke the member's active token; false if they have none.
    async fn revoke_member(&mut self, workspace: &str, name: &str, at: &str) -> StoreResult<bool>;

    /// A browser session: the SHA-256 of its secret, whose member, until when.
    async fn insert_session(
        &mut self,
        secret_hash: &[u8],
        member_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> StoreResult<()>;
    /// The member a session belongs to, and when it expires.
    async fn session(&mut self, secret_hash: &[u8]) -> StoreResult<Option<(MemberRecord, String)>>;
    /// End a session, and every session that expired before `now`.
    async fn delete_session(&mut self, secret_hash: &[u8], now: &str) -> StoreResult<()>;

    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
