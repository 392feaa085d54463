//! What the HTTP layer needs from storage, as a trait of protocol verbs: the SQLite backend
//! implements it today, another (Postgres) can later without touching the protocol code.

use crate::ops::Op;
use crate::ops::OpKind;
use crate::sync::protocol::{
    MAX_CLOCK_DRIFT_MS, OpResult, OpStatus, PullResponse, PushResponse, Role,
};

/// An authenticated member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub workspace: String,
    pub name: String,
    pub role: Role,
}

/// Failures the protocol reports; each maps to one HTTP status and a stable code.
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

impl From<rusqlite::Error> for ServerError {
    fn from(e: rusqlite::Error) -> Self {
        ServerError::Internal(e.to_string())
    }
}

pub trait Backend: Send + Sync + 'static {
    /// The member a bearer token belongs to.
    fn authenticate(&self, token: &str) -> Result<Member, ServerError>;

    /// Store the operations that pass [`check_op`], each once, under the workspace's next
    /// sequence numbers, atomically. `ops` are the operations' JSON texts as received: one
    /// that does not parse is rejected on its own.
    fn push(
        &self,
        member: &Member,
        ops: Vec<Box<serde_json::value::RawValue>>,
        now_ms: u64,
    ) -> Result<PushResponse, ServerError>;

    /// Operations after `after`, in sequence order, at most `limit`.
    fn pull(&self, member: &Member, after: u64, limit: usize) -> Result<PullResponse, ServerError>;

    /// The same page, already encoded as the JSON body of the response. A backend that
    /// stores operations as JSON can splice them in without decoding them.
    fn pull_json(&self, member: &Member, after: u64, limit: usize) -> Result<Vec<u8>, ServerError> {
        let page = self.pull(member, after, limit)?;
        Ok(serde_json::to_vec(&page).expect("pages serialize"))
    }
}

/// Whether `member` may store `op` at server time `now_ms`: it must be written as the member
/// (the op's author, and a verdict's or claim's recorded author) and not stamped far ahead.
pub fn check_op(member: &Member, op: &Op, now_ms: u64) -> Result<(), (&'static str, String)> {
    let claimed = |who: &str| -> Result<(), (&'static str, String)> {
        if who == member.name {
            Ok(())
        } else {
            Err((
                "wrong_author",
                format!(
                    "operation {} is by '{}' but this token belongs to '{}'",
                    op.id,
                    crate::text::clip(who, 80),
                    member.name
                ),
            ))
        }
    };
    claimed(&op.author)?;
    match &op.kind {
        OpKind::AddVerdict { author, .. } => claimed(author)?,
        OpKind::CreateClaim { created_by, .. } => claimed(created_by)?,
        _ => {}
    }
    if op.hlc.millis() > now_ms + MAX_CLOCK_DRIFT_MS {
        return Err((
            "clock_ahead",
            format!(
                "operation {} is stamped {}, {} s ahead of the server's clock ({}; the limit is \
                 {} minutes): one of the two clocks is wrong",
                op.id,
                op.hlc,
                (op.hlc.millis() - now_ms) / 1000,
                crate::ops::Hlc::from_parts(now_ms, 0),
                MAX_CLOCK_DRIFT_MS / 60_000
            ),
        ));
    }
    Ok(())
}

pub(crate) fn rejected(id: Option<uuid::Uuid>, code: &str, message: String) -> OpResult {
    OpResult {
        id,
        status: OpStatus::Rejected,
        seq: None,
        code: Some(code.to_string()),
        message: Some(message),
    }
}
