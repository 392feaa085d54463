//! The HTTP face of the protocol (axum). Handlers authenticate, check the workspace and role,
//! and hand the work to the protocol core; errors become JSON with a stable
//! code. Status codes:
//! - 200 ok; 400 malformed body or query (`bad_request`, `batch_too_large`);
//! - 401 no, unknown or revoked token (`unauthorized`); 403 wrong workspace or no write role
//!   (`forbidden`); 404 unknown endpoint or protocol version (`not_found`);
//! - 408 request took too long (`timeout`); 413 body over the limit (`too_large`);
//! - 429 too many failed authentications from one address (`too_many_failures`), with
//!   `Retry-After`;
//! - 500 internal error, details logged on the server only (`internal`).

use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::core::{Core, Member, ServerError};
use crate::sync::protocol::{
    ErrorBody, ErrorDetail, MAX_BATCH, MAX_BODY_BYTES, MAX_PAGE, OpStatus, PROTOCOL_VERSION,
    PushRequest, WhoAmI,
};

/// Failed authentications allowed per address per minute, by default.
pub const DEFAULT_AUTH_FAILURES_PER_MINUTE: u32 = 60;

/// Counts failed authentications per client address over one-minute windows.
pub struct AuthLimiter {
    per_minute: u32,
    seen: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl AuthLimiter {
    pub fn new(per_minute: u32) -> AuthLimiter {
        AuthLimiter {
            per_minute,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn window(&self) -> Duration {
        Duration::from_secs(60)
    }

    /// Seconds to wait if `ip` used up its failures.
    pub(crate) fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (n, start) = seen.get(&ip)?;
        let left = self.window().checked_sub(start.elapsed())?;
        (*n >= self.per_minute).then(|| left.as_secs().max(1))
    }

    pub(crate) fn failed(&self, ip: IpAddr) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            let window = self.window();
            seen.retain(|_, (_, start)| start.elapsed() < window);
        }
        let entry = seen.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window() {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

/// The client's address, when the server was started with connect info.
pub(crate) struct Peer(pub(crate) Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

#[derive(Clone)]
struct Shared {
    core: Core,
    limiter: Arc<AuthLimiter>,
    board: Option<Arc<super::board::Board>>,
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ServerError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServerError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServerError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServerError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, *code),
            ServerError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ServerError::TooManyFailures { retry_after, .. } => {
                let mut r = error_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_failures",
                    self.to_string(),
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after));
                return r;
            }
            ServerError::Internal(detail) => {
                eprintln!("claimdb serve: internal error: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let message = match &self {
            ServerError::Internal(_) => "internal error; the server log has the details".into(),
            other => other.to_string(),
        };
        error_response(status, code, message)
    }
}

fn error_response(status: StatusCode, code: &str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_string(),
            message,
        },
    };
    (status, Json(body)).into_response()
}

/// The router for `core`, with the board's pages when `board` is given; the caller binds the
/// listener and serves it with `into_make_service_with_connect_info::<SocketAddr>()` so failed
/// logins count per address.
pub fn router(
    core: Core,
    limiter: Arc<AuthLimiter>,
    board: Option<Arc<super::board::Board>>,
) -> Router {
    let state = Shared {
        core,
        limiter,
        board: board.clone(),
    };
    let mut app = Router::new()
        .route("/v1/whoami", get(whoami))
        .route("/v1/workspaces/{workspace}/ops", get(pull).post(push))
        .route("/v1/workspaces/{workspace}/snapshot", get(snapshot))
        .route("/v1/workspaces/{workspace}/replica", get(replica_progress))
        .with_state(state);
    if let Some(board) = board {
        app = app.merge(super::board::routes(board));
    }
    app.fallback(not_found)
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .compress_when(
                    // Snapshots are sent as they are: compressing a database of gigabytes
                    // would cost more than sending it, and it can be resumed by byte.
                    tower_http::compression::Predicate::and(
                        tower_http::compression::predicate::DefaultPredicate::new(),
                        tower_http::compression::predicate::NotForContentType::const_new(
                            SNAPSHOT_TYPE,
                        ),
                    ),
                ),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(axum::middleware::map_response(json_bodies))
        .layer(tower::limit::ConcurrencyLimitLayer::new(64))
}

/// Answers the framework makes itself (wrong method, timeout) get the same JSON error body.
async fn json_bodies(r: Response) -> Response {
    match r.status() {
        StatusCode::METHOD_NOT_ALLOWED => error_response(
            r.status(),
            "method_not_allowed",
            "this endpoint does not take that method; see the protocol description".into(),
        ),
        StatusCode::REQUEST_TIMEOUT => error_response(
            r.status(),
            "timeout",
            "the request took too long; send less at a time".into(),
        ),
        _ => r,
    }
}

async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no such endpoint; this server speaks protocol version {PROTOCOL_VERSION} under /v1/"
        ),
    )
}

async fn authenticate(
    s: &Shared,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<Member, ServerError> {
    let ip = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.ip());
    if let Some(retry_after) = s.limiter.blocked(ip) {
        return Err(ServerError::TooManyFailures {
            retry_after,
            message: format!(
                "too many failed logins from this address; try again in {retry_after} s"
            ),
        });
    }
    let result = authenticate_token(s, headers).await;
    if matches!(result, Err(ServerError::Unauthorized(_))) {
        s.limiter.failed(ip);
    }
    result
}

async fn authenticate_token(s: &Shared, headers: &HeaderMap) -> Result<Member, ServerError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ServerError::Unauthorized("no token; send `Authorization: Bearer <token>`".into())
        })?
        .to_string();
    s.core.authenticate(&token).await
}

/// The workspace named in the path and the member the request's token belongs to, who must
/// be a member of it.
async fn workspace_member(
    s: &Shared,
    peer: Option<SocketAddr>,
    workspace: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: &HeaderMap,
) -> Result<(String, Member), ServerError> {
    let workspace = workspace_name(workspace)?;
    let m = authenticate(s, peer, headers).await?;
    in_workspace(&m, &workspace)?;
    Ok((workspace, m))
}

fn in_workspace(member: &Member, workspace: &str) -> Result<(), ServerError> {
    if member.workspace == workspace {
        Ok(())
    } else {
        Err(ServerError::Forbidden(format!(
            "this token is not a member of workspace '{workspace}'"
        )))
    }
}

/// `GET /v1/whoami`: 200, 401.
async fn whoami(
    State(s): State<Shared>,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Result<Json<WhoAmI>, ServerError> {
    let m = authenticate(&s, peer, &headers).await?;
    Ok(Json(WhoAmI {
        workspace: m.workspace,
        member: m.name,
        role: m.role,
        protocol: PROTOCOL_VERSION,
    }))
}

/// `GET /v1/workspaces/{workspace}/ops?after=N&limit=M`: 200, 400, 401, 403.
async fn pull(
    State(s): State<Shared>,
    Peer(peer): Peer,
    workspace: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let (_, m) = workspace_member(&s, peer, workspace, &headers).await?;
    let (mut after, mut limit) = (0u64, 1_000usize);
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = || ServerError::BadRequest {
            code: "bad_request",
            message: format!("query parameter '{k}' must be a non-negative integer"),
        };
        match k {
            "after" => {
                after = v
                    .parse()
                    .ok()
                    .filter(|a| *a <= i64::MAX as u64)
                    .ok_or_else(bad)?
            }
            "limit" => limit = v.parse().map_err(|_| bad())?,
            _ => {
                return Err(ServerError::BadRequest {
                    code: "bad_request",
                    message: format!("unknown query parameter '{k}'; use after and limit"),
                });
            }
        }
    }
    let limit = limit.clamp(1, MAX_PAGE);
    let page = s.core.pull_json(&m, after, limit).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], page).into_response())
}

/// `GET /v1/workspaces/{workspace}/replica`: how far the server's replica of the workspace
/// (which the board shows and snapshots are copies of) has read the log:
/// `{"head": N, "replica": M, "snapshot": S or null}`; 404 `no_replica` on a server that
/// keeps none, 401, 403. A replica behind starts catching up.
async fn replica_progress(
    State(s): State<Shared>,
    Peer(peer): Peer,
    workspace: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let (workspace, _) = workspace_member(&s, peer, workspace, &headers).await?;
    let Some(board) = &s.board else {
        return Ok(error_response(
            StatusCode::NOT_FOUND,
            "no_replica",
            "this server keeps no replicas".into(),
        ));
    };
    let (head, replica, snapshot) = board.replica_progress(&workspace).await?;
    Ok(Json(serde_json::json!({
        "head": head,
        "replica": replica,
        "snapshot": snapshot,
    }))
    .into_response())
}

/// The media type of a snapshot: an SQLite database file.
const SNAPSHOT_TYPE: &str = "application/vnd.sqlite3";

/// `GET /v1/workspaces/{workspace}/snapshot`: 200 with the workspace replica's file, or 206
/// from `Range: bytes=N-` when `If-Range` names the snapshot being resumed (by its ETag,
/// the SHA-256); 404 `no_snapshot` when the log is empty or the replica is being built (the
/// member replays the log), 401, 403. Headers: `X-Claimdb-Snapshot-Seq` (the log's sequence
/// number it holds everything up to) and `ETag` (its SHA-256).
async fn snapshot(
    State(s): State<Shared>,
    Peer(peer): Peer,
    workspace: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let (workspace, _) = workspace_member(&s, peer, workspace, &headers).await?;
    let none = |why: &str| {
        Ok(error_response(
            StatusCode::NOT_FOUND,
            "no_snapshot",
            format!("no snapshot of '{workspace}': {why}; pull the log instead"),
        ))
    };
    let Some(board) = &s.board else {
        return none("this server keeps no replicas");
    };
    let header = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    // `Range: bytes=N-` with `If-Range: "SHA"`: the rest of that snapshot, if still kept.
    let resume = match (header(header::RANGE), header(header::IF_RANGE)) {
        (Some(range), Some(tag)) => range
            .strip_prefix("bytes=")
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|r| r.parse::<u64>().ok())
            .map(|at| (at, tag.trim_matches('"').to_string())),
        _ => None,
    };
    let mut from = 0;
    let mut file = None;
    if let Some((at, sha)) = resume
        && let Some(f) = board.snapshot_by_sha(&workspace, &sha).await
        && at < f.len
    {
        from = at;
        file = Some(f);
    }
    let file = match file {
        Some(f) => f,
        None => match board.snapshot(&workspace).await? {
            Some(f) => f,
            None => return none("the log is empty, or the server is still reading it"),
        },
    };
    let mut f = tokio::fs::File::open(&file.path)
        .await
        .map_err(|e| ServerError::Internal(format!("snapshot {}: {e}", file.path.display())))?;
    if from > 0 {
        use tokio::io::AsyncSeekExt;
        f.seek(std::io::SeekFrom::Start(from))
            .await
            .map_err(|e| ServerError::Internal(format!("snapshot: {e}")))?;
    }
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(f, 1 << 20));
    let mut r = Response::new(body);
    let h = r.headers_mut();
    let value = |v: String| header::HeaderValue::from_str(&v).expect("ASCII header value");
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(SNAPSHOT_TYPE),
    );
    h.insert(header::CONTENT_LENGTH, value((file.len - from).to_string()));
    h.insert(header::ETAG, value(format!("\"{}\"", file.sha256)));
    h.insert(
        header::ACCEPT_RANGES,
        header::HeaderValue::from_static("bytes"),
    );
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert("x-claimdb-snapshot-seq", value(file.seq.to_string()));
    if from > 0 {
        h.insert(
            header::CONTENT_RANGE,
            value(format!("bytes {from}-{}/{}", file.len - 1, file.len)),
        );
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    Ok(r)
}

/// `POST /v1/workspaces/{workspace}/ops`: 200 (per-op results), 400, 401, 403, 413.
async fn push(
    State(s): State<Shared>,
    Peer(peer): Peer,
    workspace: Result<Path<String>, axum::extract::rejection::PathRejection>,
    request: Request,
) -> Result<Response, ServerError> {
    let (parts, body) = request.into_parts();
    let (workspace, m) = workspace_member(&s, peer, workspace, &parts.headers).await?;
    if !m.role.can_write() {
        return Err(ServerError::Forbidden(format!(
            "'{}' has the {} role in '{workspace}' and cannot push; ask an admin for the writer role",
            m.name,
            m.role.as_str()
        )));
    }
    let bytes = read_body(body, &parts.headers).await?;
    let req: PushRequest<Box<serde_json::value::RawValue>> = serde_json::from_slice(&bytes)
        .map_err(|e| ServerError::BadRequest {
            code: "bad_request",
            message: format!("the body is not a push request: {e}"),
        })?;
    if req.ops.len() > MAX_BATCH {
        return Err(ServerError::BadRequest {
            code: "batch_too_large",
            message: format!(
                "{} operations in one push; send at most {MAX_BATCH}",
                req.ops.len()
            ),
        });
    }
    let now = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let resp = s.core.push(&m, req.ops, now).await?;
    if let Some(board) = &s.board
        && resp.results.iter().any(|r| r.status == OpStatus::Accepted)
    {
        board.arrived(&m.workspace);
    }
    let mut ahead = resp
        .results
        .iter()
        .filter(|r| r.code.as_deref() == Some("clock_ahead"));
    if let Some(first) = ahead.next() {
        // The member is told too; this side of the story belongs in the server's log.
        eprintln!(
            "claimdb serve: refused {} operation(s) from '{}' as stamped ahead of this \
             server's clock; if their clock is right, this server's clock is behind: {}",
            1 + ahead.count(),
            m.name,
            first.message.as_deref().unwrap_or_default()
        );
    }
    Ok(Json(resp).into_response())
}

/// The request body, gunzipped if it says so, refused past [`MAX_BODY_BYTES`].
/// The workspace named in the path, or a JSON 400 when the path cannot be decoded.
fn workspace_name(
    p: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<String, ServerError> {
    p.map(|Path(w)| w).map_err(|e| ServerError::BadRequest {
        code: "bad_request",
        message: format!("the workspace in the path is not valid: {}", e.body_text()),
    })
}

async fn read_body(body: Body, headers: &HeaderMap) -> Result<Vec<u8>, ServerError> {
    let too_large = || {
        ServerError::TooLarge(format!(
            "the body is over {MAX_BODY_BYTES} bytes; push fewer operations at a time"
        ))
    };
    // A declared length over the limit is refused before reading anything.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let raw = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            let mut chain = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(inner) = src {
                chain.push_str(&inner.to_string());
                src = inner.source();
            }
            if chain.contains("length limit exceeded") {
                too_large()
            } else {
                ServerError::BadRequest {
                    code: "bad_request",
                    message: "the request body could not be read".into(),
                }
            }
        })?;
    match headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
    {
        None | Some("identity") => Ok(raw.to_vec()),
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .take(MAX_BODY_BYTES as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| ServerError::BadRequest {
                    code: "bad_request",
                    message: format!("the gzip body is corrupt: {e}"),
                })?;
            if out.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            Ok(out)
        }
        Some(other) => Err(ServerError::BadRequest {
            code: "bad_request",
            message: format!("unsupported Content-Encoding '{other}'; use gzip or none"),
        }),
    }
}
