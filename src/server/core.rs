//! The protocol core: every rule of the sync protocol (authentication, authorship, clock
//! checks, duplicate ids, unknown references, replica ownership, sequencing, paging) and the
//! admin verbs, over any [`Storage`]. It knows no SQL and no HTTP.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::storage::{MemberRecord, OpRow, Storage, StoreError, StoreResult};
use crate::error::{Error, Result};
use crate::ops::{Op, OpKind};
use crate::sync::protocol::{
    MAX_CLOCK_DRIFT_MS, OpResult, OpStatus, PullResponse, PushResponse, Role, SequencedOp,
};

/// An authenticated member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub workspace: String,
    pub name: String,
    pub role: Role,
}

/// A member as `claimdb server members` lists them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberInfo {
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Failures of a whole request; each maps to one HTTP status and a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    TooLarge(String),
    #[error("{message}")]
    TooManyFailures { retry_after: u64, message: String },
    /// Logged in full, reported without detail.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ServerError {
    fn from(e: StoreError) -> Self {
        ServerError::Internal(e.message)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Io(e.message)
    }
}

/// Why one pushed operation was refused; the others in the request are unaffected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a claimdb operation, or one that breaks the text rules.
    #[error("{0}")]
    InvalidOp(String),
    #[error("operation {op} is by '{claimed}' but this token belongs to '{member}'")]
    WrongAuthor {
        op: Uuid,
        claimed: String,
        member: String,
    },
    #[error(
        "operation {op} is stamped {stamped}, {ahead_s} s ahead of the server's clock ({server}; \
         the limit is {limit_min} minutes): one of the two clocks is wrong"
    )]
    ClockAhead {
        op: Uuid,
        stamped: String,
        ahead_s: u64,
        server: String,
        limit_min: u64,
    },
    #[error(
        "operation {op} carries replica id {replica}, which belongs to member '{owner}': this \
         database is a copy of theirs and needs an id of its own"
    )]
    ReplicaTaken {
        op: Uuid,
        replica: Uuid,
        owner: String,
    },
    #[error("operation id {0} is already stored with different content")]
    OpIdReused(Uuid),
    #[error("operation {op} refers to {what}, which this workspace does not have")]
    UnknownReference { op: Uuid, what: String },
}

impl Refusal {
    /// The stable code the protocol reports.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::InvalidOp(_) => "invalid_op",
            Refusal::WrongAuthor { .. } => "wrong_author",
            Refusal::ClockAhead { .. } => "clock_ahead",
            Refusal::ReplicaTaken { .. } => "replica_taken",
            Refusal::OpIdReused(_) => "op_id_reused",
            Refusal::UnknownReference { .. } => "unknown_reference",
        }
    }

    fn result(&self, id: Option<Uuid>) -> OpResult {
        OpResult {
            id,
            status: OpStatus::Rejected,
            seq: None,
            code: Some(self.code().to_string()),
            message: Some(self.to_string()),
        }
    }
}

/// Whether `member` may store `op` at server time `now_ms`: it must be written as the member
/// (the op's author, and a verdict's or claim's recorded author) and not stamped far ahead.
pub fn check_op(member: &Member, op: &Op, now_ms: u64) -> std::result::Result<(), Refusal> {
    let claimed = |who: &str| {
        if who == member.name {
            Ok(())
        } else {
            Err(Refusal::WrongAuthor {
                op: op.id,
                claimed: crate::text::clip(who, 80).to_string(),
                member: member.name.clone(),
            })
        }
    };
    claimed(&op.author)?;
    match &op.kind {
        OpKind::AddVerdict { author, .. } => claimed(author)?,
        OpKind::CreateClaim { created_by, .. } => claimed(created_by)?,
        _ => {}
    }
    if op.hlc.millis() > now_ms + MAX_CLOCK_DRIFT_MS {
        return Err(Refusal::ClockAhead {
            op: op.id,
            stamped: op.hlc.to_string(),
            ahead_s: (op.hlc.millis() - now_ms) / 1000,
            server: crate::ops::Hlc::from_parts(now_ms, 0).to_string(),
            limit_min: MAX_CLOCK_DRIFT_MS / 60_000,
        });
    }
    crate::validate::op(op)
        .map_err(|e| Refusal::InvalidOp(format!("operation {} is refused: {e}", op.id)))
}

/// A pushed operation after the checks that need no database.
enum Checked {
    Refused(OpResult),
    // Boxed: an operation is far larger than a refusal.
    Ready { op: Box<Op>, body: String },
}

/// How many times a transaction that met a serialization failure, a deadlock or a lost
/// connection is run, in all.
const ATTEMPTS: u32 = 8;

/// Run `f` again while it fails in a way another try may not, waiting a little longer each
/// time (10 ms doubling, about 1.3 s in all).
async fn retrying<T, F, Fut>(mut f: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = StoreResult<T>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f().await {
            Err(e) if e.retry && attempt < ATTEMPTS => {
                tokio::time::sleep(std::time::Duration::from_millis(5 << attempt)).await;
            }
            other => return other,
        }
    }
}

/// What `claimdb server migrate` copied.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CopyReport {
    pub workspaces: u64,
    pub members: u64,
    pub ops: u64,
}

/// The protocol over one store.
#[derive(Clone)]
pub struct Core {
    storage: Arc<dyn Storage>,
}

/// How long a browser session lasts.
pub const SESSION_HOURS: i64 = 12;

/// 32 random bytes, in hex.
fn random_hex() -> std::result::Result<String, ServerError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| ServerError::Internal(format!("no randomness: {e}")))?;
    Ok(secret.iter().map(|b| format!("{b:02x}")).collect())
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn now() -> String {
    crate::text::timestamp(&chrono::Utc::now())
}

fn no_workspace(workspace: &str) -> Error {
    Error::NotFound(format!(
        "no workspace '{workspace}'; create it with `claimdb server workspace-create {workspace}`"
    ))
}

impl Core {
    pub fn new(storage: Arc<dyn Storage>) -> Core {
        Core { storage }
    }

    pub fn storage(&self) -> &dyn Storage {
        &*self.storage
    }

    /// The member a bearer token belongs to.
    pub async fn authenticate(&self, token: &str) -> std::result::Result<Member, ServerError> {
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
        let record = retrying(|| async {
            let mut tx = self.storage.begin(false).await?;
            let record = tx.member_by_token_id(id).await?;
            tx.commit().await?;
            Ok(record)
        })
        .await?;
        let Some(m) = record else {
            return Err(bad());
        };
        if !bool::from(hash(secret).ct_eq(&m.token_hash)) {
            return Err(bad());
        }
        if m.revoked_at.is_some() {
            return Err(ServerError::Unauthorized(
                "this token was revoked; ask your workspace admin for a new one".into(),
            ));
        }
        Ok(Member {
            id: m.id,
            workspace: m.workspace,
            name: m.name,
            role: Role::parse(&m.role).unwrap_or(Role::Reader),
        })
    }

    /// Start a browser session for the member whose token this is; returns the member and
    /// the session's secret (for a cookie), valid for [`SESSION_HOURS`].
    pub async fn sign_in(&self, token: &str) -> std::result::Result<(Member, String), ServerError> {
        let member = self.authenticate(token).await?;
        let secret = random_hex()?;
        let now = chrono::Utc::now();
        let expires = now + chrono::Duration::hours(SESSION_HOURS);
        let mut tx = self.storage.begin(true).await?;
        tx.insert_session(
            &hash(&secret),
            &member.id,
            &crate::text::timestamp(&now),
            &crate::text::timestamp(&expires),
        )
        .await?;
        tx.commit().await?;
        Ok((member, secret))
    }

    /// The member of a live session: not expired, not signed out, token not revoked.
    pub async fn session(&self, secret: &str) -> std::result::Result<Member, ServerError> {
        let gone = || ServerError::Unauthorized("not signed in, or the session ended".into());
        let found = retrying(|| async {
            let mut tx = self.storage.begin(false).await?;
            let found = tx.session(&hash(secret)).await?;
            tx.commit().await?;
            Ok(found)
        })
        .await?;
        let Some((m, expires)) = found else {
            return Err(gone());
        };
        if m.revoked_at.is_some() || expires <= now() {
            return Err(gone());
        }
        Ok(Member {
            id: m.id,
            workspace: m.workspace,
            name: m.name,
            role: Role::parse(&m.role).unwrap_or(Role::Reader),
        })
    }

    /// End a session (and clear out expired ones).
    pub async fn sign_out(&self, secret: &str) -> std::result::Result<(), ServerError> {
        let mut tx = self.storage.begin(true).await?;
        tx.delete_session(&hash(secret), &now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A workspace's log after `after`, for the server's own replica of it.
    pub async fn log_after(
        &self,
        workspace: &str,
        after: u64,
        limit: usize,
    ) -> std::result::Result<PullResponse, ServerError> {
        let (rows, head) = self.read_page(workspace, after, limit).await?;
        let mut ops = Vec::with_capacity(rows.len());
        for (seq, body) in rows {
            let op: Op = serde_json::from_str(&body)
                .map_err(|e| ServerError::Internal(format!("stored op {seq} unreadable: {e}")))?;
            ops.push(SequencedOp { seq, op });
        }
        Ok(PullResponse { ops, head })
    }

    /// Store the operations that pass every rule, each once, under the workspace's next
    /// sequence numbers, atomically. `ops` are the operations' JSON texts as received: one
    /// that does not parse is refused on its own.
    pub async fn push(
        &self,
        member: &Member,
        ops: Vec<Box<RawValue>>,
        now_ms: u64,
    ) -> std::result::Result<PushResponse, ServerError> {
        let mut checked = Vec::with_capacity(ops.len());
        for raw in ops {
            checked.push(check(member, &raw, now_ms)?);
        }
        Ok(retrying(|| self.push_once(member, &checked)).await?)
    }

    async fn push_once(&self, member: &Member, checked: &[Checked]) -> StoreResult<PushResponse> {
        let ws = member.workspace.as_str();
        let ready: Vec<&Op> = checked
            .iter()
            .filter_map(|c| match c {
                Checked::Ready { op, .. } => Some(&**op),
                Checked::Refused(_) => None,
            })
            .collect();
        let ids: Vec<Uuid> = ready.iter().map(|op| op.id).collect();
        let mut replicas: Vec<Uuid> = ready.iter().map(|op| op.replica).collect();
        replicas.sort();
        replicas.dedup();
        let mut refs: Vec<(String, Uuid)> = ready
            .iter()
            .flat_map(|op| op.kind.references())
            .map(|(kind, id)| (kind.as_str().to_string(), id))
            .collect();
        refs.sort();
        refs.dedup();

        let mut tx = self.storage.begin(true).await?;
        let head = tx.lock_head(ws).await?;
        let known = Known {
            stored: tx.find_ops(ws, &ids).await?,
            owners: tx.replica_owners(ws, &replicas).await?,
            entities: tx.existing_entities(ws, &refs).await?,
        };
        let (results, batch) = sequence(member, checked, head, known, &now());
        tx.insert_ops(ws, &batch.rows).await?;
        tx.register_replicas(ws, &batch.replicas).await?;
        tx.register_entities(ws, &batch.entities).await?;
        let head = batch.rows.last().map_or(head, |r| r.seq);
        tx.set_head(ws, head).await?;
        tx.commit().await?;
        Ok(PushResponse { results, head })
    }

    /// Operations after `after`, in sequence order, at most `limit`.
    pub async fn pull(
        &self,
        member: &Member,
        after: u64,
        limit: usize,
    ) -> std::result::Result<PullResponse, ServerError> {
        self.log_after(&member.workspace, after, limit).await
    }

    /// The same page, encoded as the JSON body of the response: stored bodies are the
    /// canonical JSON of each operation and are spliced in as they are.
    pub async fn pull_json(
        &self,
        member: &Member,
        after: u64,
        limit: usize,
    ) -> std::result::Result<Vec<u8>, ServerError> {
        let (rows, head) = self.read_page(&member.workspace, after, limit).await?;
        let size: usize = rows.iter().map(|(_, b)| b.len() + 24).sum();
        let mut out = Vec::with_capacity(size + 32);
        out.extend_from_slice(b"{\"ops\":[");
        for (i, (seq, body)) in rows.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(format!("{{\"seq\":{seq},\"op\":").as_bytes());
            out.extend_from_slice(body.as_bytes());
            out.push(b'}');
        }
        out.extend_from_slice(format!("],\"head\":{head}}}").as_bytes());
        Ok(out)
    }

    async fn read_page(
        &self,
        workspace: &str,
        after: u64,
        limit: usize,
    ) -> StoreResult<(Vec<(u64, String)>, u64)> {
        retrying(|| async {
            let mut tx = self.storage.begin(false).await?;
            let rows = tx.ops_after(workspace, after, limit).await?;
            // Read after the page: the head is never below the last operation returned.
            let head = tx.head(workspace).await?;
            tx.commit().await?;
            Ok((rows, head))
        })
        .await
    }

    pub async fn create_workspace(&self, name: &str) -> Result<()> {
        let name = crate::text::name("workspace name", name, 100)?;
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::invalid(
                "a workspace name uses only letters, digits, - and _ (it appears in URLs)",
            ));
        }
        let mut tx = self.storage.begin(true).await?;
        if !tx.insert_workspace(&name, &now()).await? {
            return Err(Error::Invalid(format!("workspace '{name}' already exists")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Add a member (or give a revoked one a new token); returns the token, which is not
    /// stored and cannot be shown again.
    pub async fn add_member(&self, workspace: &str, name: &str, role: Role) -> Result<String> {
        let name = crate::text::name("member name", name, crate::text::MAX_NAME_CHARS)?;
        let mut tx = self.storage.begin(true).await?;
        if !tx.workspace_exists(workspace).await? {
            return Err(no_workspace(workspace));
        }
        // Taken like a push takes it, so two admins adding the same name cannot both pass.
        tx.lock_head(workspace).await?;
        // Names are unique as people read them: "Bob" beside "bob" is the same member.
        let folded = crate::text::fold(&name);
        let members = tx.members(workspace).await?;
        if let Some(other) = members
            .iter()
            .find(|m| m.name != name && crate::text::fold(&m.name) == folded)
        {
            return Err(Error::Invalid(format!(
                "'{name}' is too like the member '{}' of '{workspace}' (names are compared \
                 ignoring case); use '{}' to give them a new token, or another name",
                other.name, other.name
            )));
        }
        if members
            .iter()
            .any(|m| m.name == name && m.revoked_at.is_none())
        {
            return Err(Error::Invalid(format!(
                "'{name}' is already a member of '{workspace}'; revoke their token first to issue a new one"
            )));
        }
        let id = Uuid::new_v4().simple().to_string();
        let secret = random_hex().map_err(|e| Error::Io(e.to_string()))?;
        tx.insert_member(&MemberRecord {
            id: id.clone(),
            workspace: workspace.to_string(),
            name: name.clone(),
            role: role.as_str().to_string(),
            token_hash: hash(&secret),
            created_at: now(),
            revoked_at: None,
        })
        .await?;
        tx.commit().await?;
        Ok(format!("cdb1.{id}.{secret}"))
    }

    pub async fn members(&self, workspace: &str) -> Result<Vec<MemberInfo>> {
        let mut tx = self.storage.begin(false).await?;
        if !tx.workspace_exists(workspace).await? {
            return Err(no_workspace(workspace));
        }
        let members = tx.members(workspace).await?;
        tx.commit().await?;
        Ok(members
            .into_iter()
            .map(|m| MemberInfo {
                name: m.name,
                role: m.role,
                created_at: m.created_at,
                revoked_at: m.revoked_at,
            })
            .collect())
    }

    pub async fn revoke(&self, workspace: &str, name: &str) -> Result<()> {
        let mut tx = self.storage.begin(true).await?;
        if !tx.workspace_exists(workspace).await? {
            return Err(no_workspace(workspace));
        }
        if !tx.revoke_member(workspace, name, &now()).await? {
            return Err(Error::NotFound(format!(
                "'{name}' has no active token in '{workspace}'"
            )));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Total operations stored for a workspace and its head sequence number.
    pub async fn stats(&self, workspace: &str) -> Result<(u64, u64)> {
        let mut tx = self.storage.begin(false).await?;
        let stats = (tx.op_count(workspace).await?, tx.head(workspace).await?);
        tx.commit().await?;
        Ok(stats)
    }

    /// A consistent copy of the server's data at `dest`.
    pub async fn backup(&self, dest: &Path) -> Result<()> {
        Ok(self.storage.backup(dest).await?)
    }

    /// Copy every workspace, member (with token hashes), replica, entity and operation (with
    /// its sequence number) into `to`, in one transaction there. `to` must not hold any of
    /// these workspaces yet.
    pub async fn copy_to(&self, to: &Core) -> Result<CopyReport> {
        let mut from = self.storage.begin(false).await?;
        let mut into = to.storage.begin(true).await?;
        let mut report = CopyReport::default();
        for (ws, created_at) in from.workspaces().await? {
            if !into.insert_workspace(&ws, &created_at).await? {
                return Err(Error::Invalid(format!(
                    "the destination already has a workspace '{ws}'; nothing was copied"
                )));
            }
            report.workspaces += 1;
            for m in from.members(&ws).await? {
                into.insert_member(&m).await?;
                report.members += 1;
            }
            into.register_replicas(&ws, &from.replicas(&ws).await?)
                .await?;
            into.register_entities(&ws, &from.entities(&ws).await?)
                .await?;
            let mut after = 0;
            loop {
                let rows = from.op_rows_after(&ws, after, 5_000).await?;
                let Some(last) = rows.last() else { break };
                after = last.seq;
                into.insert_ops(&ws, &rows).await?;
                report.ops += rows.len() as u64;
            }
            into.set_head(&ws, from.head(&ws).await?).await?;
        }
        into.commit().await?;
        from.commit().await?;
        Ok(report)
    }
}

/// The checks that need no database, in the order the protocol applies them.
fn check(
    member: &Member,
    raw: &RawValue,
    now_ms: u64,
) -> std::result::Result<Checked, ServerError> {
    let op: Op = match serde_json::from_str(raw.get()) {
        Ok(op) => op,
        Err(e) => {
            // JSON that is not even a value (too deep, a bad escape, a number out of range)
            // refuses the whole request, as a body that does not parse does.
            let value = serde_json::from_str::<serde_json::Value>(raw.get()).map_err(|e| {
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
            let refusal = Refusal::InvalidOp(format!("not a claimdb operation: {e}"));
            return Ok(Checked::Refused(refusal.result(id)));
        }
    };
    if let Err(r) = check_op(member, &op, now_ms) {
        return Ok(Checked::Refused(r.result(Some(op.id))));
    }
    let body = serde_json::to_string(&op).expect("operations serialize");
    Ok(Checked::Ready {
        op: Box::new(op),
        body,
    })
}

/// What the workspace already holds, as far as one push needs to know.
struct Known {
    stored: HashMap<Uuid, (u64, String)>,
    owners: HashMap<Uuid, String>,
    entities: HashSet<(String, Uuid)>,
}

/// What one push adds to the workspace.
#[derive(Default)]
struct Batch {
    rows: Vec<OpRow>,
    replicas: Vec<(Uuid, String)>,
    entities: Vec<(String, Uuid)>,
}

/// Decide each checked operation in order, numbering the stored ones from `head`: a
/// duplicate (same id, same body, stored before or earlier in this push), a refusal, or new.
/// What an operation stores counts for the ones after it in the same push.
fn sequence(
    member: &Member,
    checked: &[Checked],
    head: u64,
    mut known: Known,
    received_at: &str,
) -> (Vec<OpResult>, Batch) {
    let mut seq = head;
    let mut batch = Batch::default();
    let mut results = Vec::with_capacity(checked.len());
    for c in checked {
        let (op, body) = match c {
            Checked::Refused(r) => {
                results.push(r.clone());
                continue;
            }
            Checked::Ready { op, body } => (op, body),
        };
        if let Some((stored_seq, stored)) = known.stored.get(&op.id) {
            results.push(if stored == body {
                OpResult {
                    id: Some(op.id),
                    status: OpStatus::Duplicate,
                    seq: Some(*stored_seq),
                    code: None,
                    message: None,
                }
            } else {
                Refusal::OpIdReused(op.id).result(Some(op.id))
            });
            continue;
        }
        if let Some(owner) = known.owners.get(&op.replica)
            && *owner != member.name
        {
            let r = Refusal::ReplicaTaken {
                op: op.id,
                replica: op.replica,
                owner: owner.clone(),
            };
            results.push(r.result(Some(op.id)));
            continue;
        }
        let missing = op
            .kind
            .references()
            .into_iter()
            .find(|(kind, id)| !known.entities.contains(&(kind.as_str().to_string(), *id)));
        if let Some((kind, id)) = missing {
            let r = Refusal::UnknownReference {
                op: op.id,
                what: format!("{} {id}", kind.as_str()),
            };
            results.push(r.result(Some(op.id)));
            continue;
        }
        seq += 1;
        batch.rows.push(OpRow {
            seq,
            id: op.id,
            author: op.author.clone(),
            body: body.clone(),
            received_at: received_at.to_string(),
        });
        known.stored.insert(op.id, (seq, body.clone()));
        if let std::collections::hash_map::Entry::Vacant(e) = known.owners.entry(op.replica) {
            e.insert(member.name.clone());
            batch.replicas.push((op.replica, member.name.clone()));
        }
        if let Some((kind, id)) = op.kind.creates() {
            let key = (kind.as_str().to_string(), id);
            if known.entities.insert(key.clone()) {
                batch.entities.push(key);
            }
        }
        results.push(OpResult {
            id: Some(op.id),
            status: OpStatus::Accepted,
            seq: Some(seq),
            code: None,
            message: None,
        });
    }
    (results, batch)
}
