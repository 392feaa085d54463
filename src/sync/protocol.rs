//! The sync protocol's bodies (version 1, under `/v1/`). `schema/protocol.md` describes the
//! endpoints; these types are the contract both sides compile against.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ops::Op;

/// Most operations one push may carry.
pub const MAX_BATCH: usize = 1_000;
/// Largest request body the server reads, after gzip decompression.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most operations one pull page returns.
pub const MAX_PAGE: usize = 5_000;
/// How far ahead of the server's clock an operation's timestamp may be.
pub const MAX_CLOCK_DRIFT_MS: u64 = 5 * 60 * 1_000;

/// A member's rights in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reader,
    Writer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Writer => "writer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_lowercase().as_str() {
            "reader" => Some(Role::Reader),
            "writer" => Some(Role::Writer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn can_write(self) -> bool {
        self >= Role::Writer
    }
}

/// `POST /v1/workspaces/{workspace}/ops`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest<T = Op> {
    pub ops: Vec<T>,
}

/// What became of one pushed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpStatus {
    /// Stored now, under `seq`.
    Accepted,
    /// Already stored (same id, same content), under `seq`.
    Duplicate,
    /// Refused; `code` and `message` say why. Nothing was stored.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpResult {
    pub id: Option<Uuid>,
    pub status: OpStatus,
    pub seq: Option<u64>,
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    /// One result per pushed operation, in order.
    pub results: Vec<OpResult>,
    /// The workspace's highest sequence number.
    pub head: u64,
}

/// An operation with the sequence number the server gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequencedOp {
    pub seq: u64,
    pub op: Op,
}

/// `GET /v1/workspaces/{workspace}/ops?after=N&limit=M`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullResponse {
    /// Operations with `seq > after`, in sequence order.
    pub ops: Vec<SequencedOp>,
    /// The workspace's highest sequence number: more remain while the last `seq` is below it.
    pub head: u64,
}

/// `GET /v1/whoami`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhoAmI {
    pub workspace: String,
    pub member: String,
    pub role: Role,
    pub protocol: u32,
}

/// Every error response: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

pub const PROTOCOL_VERSION: u32 = 1;
