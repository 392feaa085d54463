//! The sync client: push this replica's operations, pull everyone else's. The engine talks to
//! a [`Transport`]; [`HttpTransport`] is the real one, and tests drive the same engine through
//! transports that lose, repeat and reorder messages.

use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::protocol::{
    ErrorBody, MAX_BATCH, OpStatus, PullResponse, PushRequest, PushResponse, Role, WhoAmI,
};
use super::snapshot::{JOIN_MIN_OPS, JoinMode, Joined, SnapshotOffer};
use crate::error::{Error, Result};
use crate::ops::{Op, OpKind};
use crate::store::{Store, check_remote_url};

/// How operations reach a server and come back.
pub trait Transport {
    fn push(&mut self, ops: &[Op]) -> Result<PushResponse>;
    fn pull(&mut self, after: u64, limit: usize) -> Result<PullResponse>;

    /// Start pushing `ops`; [`PendingPush::wait`] gives the answer. A transport that can
    /// send in the background lets the caller read the next batch meanwhile; by default the
    /// batch is sent here and now.
    fn push_begin(&mut self, ops: Vec<Op>) -> PendingPush {
        PendingPush::Done(self.push(&ops))
    }

    /// The server's clock minus this computer's, in milliseconds, as the last answer's
    /// `Date` header showed it (to the second), if known.
    fn server_clock_offset(&self) -> Option<i64> {
        None
    }

    /// The member's role in the workspace, when the transport can ask; `None` otherwise.
    fn role(&mut self) -> Result<Option<Role>> {
        Ok(None)
    }

    /// The workspace's snapshot (see [`super::snapshot`]): from byte `resume.1` on when it
    /// is still the one whose SHA-256 is `resume.0`, else whole. `None` when the server
    /// offers none.
    fn snapshot(&mut self, _resume: Option<(&str, u64)>) -> Result<Option<SnapshotOffer>> {
        Ok(None)
    }
}

/// A push under way.
pub enum PendingPush {
    Done(Result<PushResponse>),
    Sending(std::thread::JoinHandle<Result<PushResponse>>),
}

impl PendingPush {
    pub fn wait(self) -> Result<PushResponse> {
        match self {
            PendingPush::Done(r) => r,
            PendingPush::Sending(h) => h.join().unwrap_or_else(|_| {
                Err(Error::Remote(
                    "sending a batch failed unexpectedly; try again".into(),
                ))
            }),
        }
    }
}

/// Reports progress: (phase, done, total).
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncSummary {
    pub remote: String,
    pub pushed: u64,
    /// Operations the remote refused for good in this push; they stay local.
    pub refused: u64,
    /// The first refusal's reason.
    pub refusal: Option<String>,
    /// Why some changes were held back for a later push, if they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
    /// The replica id this database took during the sync (it was a copy of another
    /// member's database), if it took one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewed_replica: Option<uuid::Uuid>,
    pub pulled: u64,
    /// Disputed claims, plus concurrent field edits on the claims this sync brought in.
    pub conflicts: u64,
    /// The remote's highest sequence number.
    pub head: u64,
    /// This database's changes not sent because the member may not push (a reader).
    pub unsent: u64,
    /// How this database joined the workspace by snapshot in this sync, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined: Option<Joined>,
}

/// What a push did.
#[derive(Debug, Clone, Default)]
pub struct Pushed {
    pub pushed: u64,
    pub refused: u64,
    pub refusal: Option<String>,
    pub head: u64,
    /// Why the push stopped before the end with changes still to send (the server's clock
    /// and this computer's disagree); they are sent by a later push.
    pub held: Option<String>,
    /// The replica id this database took because the remote said its old one belongs to
    /// another member.
    pub renewed: Option<uuid::Uuid>,
}

/// Push every unacknowledged operation of this replica, in order, in batches. An operation
/// counts as pushed only once the server acknowledged it (accepted or already had it); one
/// the server refuses is recorded as refused, stays local, and does not hold up the rest.
pub fn push(
    store: &mut Store,
    remote: &str,
    t: &mut dyn Transport,
    batch: usize,
    progress: Progress<'_>,
) -> Result<Pushed> {
    push_inner(store, remote, t, batch, progress, false)
}

fn push_inner(
    store: &mut Store,
    remote: &str,
    t: &mut dyn Transport,
    batch: usize,
    progress: Progress<'_>,
    renewing: bool,
) -> Result<Pushed> {
    let batch = batch.clamp(1, MAX_BATCH);
    let info = store.remote(remote)?;
    let total = info.unpushed;
    let mut out = Pushed {
        head: info.cursor,
        ..Pushed::default()
    };
    // Changes refused for a missing reference go again first: what they refer to may have
    // reached the remote since.
    let retry = store.refused_to_retry(remote, batch)?;
    let mut taken = false;
    if !retry.is_empty() {
        let resp = t.push(&retry)?;
        if resp.results.len() != retry.len() {
            return Err(Error::Remote(format!(
                "the remote answered {} results for {} operations; it does not speak this protocol",
                resp.results.len(),
                retry.len()
            )));
        }
        out.head = resp.head;
        for (op, r) in retry.iter().zip(&resp.results) {
            match r.status {
                OpStatus::Accepted | OpStatus::Duplicate => {
                    store.clear_refused(remote, &op.id)?;
                    out.pushed += 1;
                }
                OpStatus::Rejected => {
                    let code = r.code.as_deref().unwrap_or("rejected");
                    let message = r.message.as_deref().unwrap_or("no reason given");
                    taken |= code == "replica_taken" && op.replica == store.replica();
                    store.mark_refused(remote, op, code, message)?;
                }
            }
        }
    }
    if taken && !renewing {
        return renew_and_push(store, remote, t, batch, progress, out);
    }
    let mut next = store.unpushed_ops(remote, batch)?;
    if next.is_empty() {
        // Nothing to send: an empty push still checks the token and the right to push,
        // and tells the remote's head.
        out.head = t.push(&[])?.head;
        return Ok(out);
    }
    // Up to two batches under way: one on the wire, the next being encoded. The transport
    // sends each only once the one before it is answered.
    let mut under_way: VecDeque<(Vec<(i64, Op)>, PendingPush)> = VecDeque::new();
    loop {
        // A batch that already failed ends the push: nothing after it may be sent.
        while under_way.len() < 2
            && !next.is_empty()
            && !matches!(under_way.back(), Some((_, PendingPush::Done(Err(_)))))
        {
            let ops = std::mem::take(&mut next);
            let last = ops.last().map(|(seq, _)| *seq).expect("batch is not empty");
            let pending = t.push_begin(ops.iter().map(|(_, op)| op.clone()).collect());
            under_way.push_back((ops, pending));
            next = store.own_ops_after(last, batch)?;
        }
        let Some((ops, pending)) = under_way.pop_front() else {
            break;
        };
        let last = ops.last().map(|(seq, _)| *seq).expect("batch is not empty");
        let resp = pending.wait()?;
        if resp.results.len() != ops.len() {
            return Err(Error::Remote(format!(
                "the remote answered {} results for {} operations; it does not speak this protocol",
                resp.results.len(),
                ops.len()
            )));
        }
        out.head = resp.head;
        if resp
            .results
            .iter()
            .zip(&ops)
            .any(|(r, (_, op))| r.id.is_some_and(|id| id != op.id))
        {
            return Err(Error::Remote(
                "the remote's results do not match the operations sent".into(),
            ));
        }
        // A refusal that says something here must change first (the clocks, the replica id)
        // ends the push at that operation: it and what follows are sent again later.
        let mut stop = None;
        let mut acknowledged = None;
        for ((seq, op), r) in ops.iter().zip(&resp.results) {
            match r.status {
                OpStatus::Accepted | OpStatus::Duplicate => out.pushed += 1,
                OpStatus::Rejected => {
                    let code = r.code.as_deref().unwrap_or("rejected");
                    let message = r.message.as_deref().unwrap_or("no reason given");
                    if matches!(code, "clock_ahead" | "replica_taken") {
                        stop = Some((code.to_string(), message.to_string(), op.hlc));
                        break;
                    }
                    store.mark_refused(remote, op, code, message)?;
                    out.refused += 1;
                    out.refusal
                        .get_or_insert_with(|| format!("{code}: {message}"));
                }
            }
            acknowledged = Some(*seq);
        }
        let Some((code, message, stamp)) = stop else {
            store.mark_pushed(remote, last)?;
            progress("push", out.pushed + out.refused, total);
            continue;
        };
        if let Some(seq) = acknowledged {
            store.mark_pushed(remote, seq)?;
        }
        // Whatever else is under way carries the same replica id and later stamps.
        drop(under_way);
        if code == "replica_taken" && !renewing {
            return renew_and_push(store, remote, t, batch, progress, out);
        }
        out.held = Some(if code == "clock_ahead" {
            clock_message(stamp, t.server_clock_offset())
        } else {
            format!("{code}: {message}")
        });
        return Ok(out);
    }
    Ok(out)
}

/// The remote said this database's replica id is another member's: take a new one and push
/// again, adding what was done so far.
fn renew_and_push(
    store: &mut Store,
    remote: &str,
    t: &mut dyn Transport,
    batch: usize,
    progress: Progress<'_>,
    before: Pushed,
) -> Result<Pushed> {
    let renewed = store.renew_replica(remote)?;
    let mut again = push_inner(store, remote, t, batch, progress, true)?;
    again.pushed += before.pushed;
    again.refused += before.refused;
    again.refusal = before.refusal.or(again.refusal);
    again.renewed = Some(renewed);
    Ok(again)
}

/// What to tell the user when the server refused a change as stamped ahead of its clock:
/// which clock is off, by how much, and what recovers.
fn clock_message(stamp: crate::ops::Hlc, offset: Option<i64>) -> String {
    let ahead_ms = stamp.millis() as i64 - chrono::Utc::now().timestamp_millis();
    let span = |ms: i64| {
        let s = ms.unsigned_abs() / 1000;
        if s >= 120 {
            format!("{} min {} s", s / 60, s % 60)
        } else {
            format!("{s} s")
        }
    };
    let limit = crate::sync::protocol::MAX_CLOCK_DRIFT_MS as i64;
    match offset {
        Some(off) if off < -limit / 2 => format!(
            "clock_behind: the server's clock is {} behind this computer's (its Date header \
             says so); if this computer's time is right, the server's clock is wrong: ask its \
             admin to set it. Your changes stay here and are sent by the next sync once the \
             clocks agree",
            span(off)
        ),
        Some(off) if off > limit / 2 => format!(
            "clock_ahead: the server's clock is {} ahead of this computer's; set the clock \
             of whichever is wrong. Your changes stay here and are sent by the next sync once \
             the clocks agree",
            span(off)
        ),
        _ if ahead_ms > limit / 2 => format!(
            "clock_ahead: this computer's clock is {} ahead of the server's and of its own \
             current time for changes stamped {stamp}; they were made while this clock was \
             ahead. They stay here and are sent once the server's clock reaches their time",
            span(ahead_ms)
        ),
        _ => format!(
            "clock_ahead: the server found a change stamped {stamp} too far ahead of its clock; \
             check both clocks. Your changes stay here and are sent by the next sync"
        ),
    }
}

/// What a pull did.
#[derive(Debug, Clone, Default)]
pub struct Pulled {
    pub pulled: u64,
    pub head: u64,
    /// Claims the pulled operations were about.
    pub touched: HashSet<uuid::Uuid>,
    /// How this database joined the workspace by snapshot first, if it did.
    pub joined: Option<Joined>,
}

/// Pull everything after the remote's cursor, a page at a time; each page is applied with
/// its cursor in one transaction. An empty database first joins by snapshot as `join` says.
pub fn pull(
    store: &mut Store,
    remote: &str,
    t: &mut dyn Transport,
    page: usize,
    join: JoinMode,
    progress: Progress<'_>,
) -> Result<Pulled> {
    let joined = join_first(store, remote, t, join, progress)?;
    let mut pulled = 0u64;
    let mut touched = HashSet::new();
    let mut session = store.pulling(remote)?;
    let outcome = pull_pages(&mut session, t, page, progress, &mut pulled, &mut touched);
    // Pages applied before a failure are kept: the next pull starts after them.
    let committed = session.commit();
    let head = outcome?;
    committed?;
    Ok(Pulled {
        pulled,
        head,
        touched,
        joined,
    })
}

/// Join by snapshot when `join` allows it and this database is empty.
fn join_first(
    store: &mut Store,
    remote: &str,
    t: &mut dyn Transport,
    join: JoinMode,
    progress: Progress<'_>,
) -> Result<Option<Joined>> {
    if join == JoinMode::Never || !store.is_pristine(remote)? {
        super::snapshot::discard(store.path());
        return Ok(None);
    }
    if join == JoinMode::Auto && !super::snapshot::interrupted(store.path()) {
        let head = t.pull(0, 1)?.head;
        if head < JOIN_MIN_OPS {
            return Ok(None);
        }
    }
    super::snapshot::join(store, remote, t, progress)
}

/// Fetch and apply pages until the remote's head; returns the head.
fn pull_pages(
    session: &mut crate::store::Pulling<'_>,
    t: &mut dyn Transport,
    page: usize,
    progress: Progress<'_>,
    pulled: &mut u64,
    touched: &mut HashSet<uuid::Uuid>,
) -> Result<u64> {
    let mut cursor = session.cursor();
    loop {
        let resp = t.pull(cursor, page)?;
        let Some(last) = resp.ops.last().map(|s| s.seq) else {
            return Ok(resp.head);
        };
        let mut prev = cursor;
        for s in &resp.ops {
            if s.seq <= prev {
                return Err(Error::Remote(format!(
                    "the remote sent operations out of order (#{} after #{prev}); nothing of that page was applied",
                    s.seq
                )));
            }
            prev = s.seq;
        }
        *pulled += session.apply(&resp.ops, last)?;
        // Only edits of claim fields can conflict (see `Store::conflict_count`).
        touched.extend(resp.ops.iter().filter_map(|s| match s.op.kind {
            OpKind::SetClaim { claim, .. } => Some(claim),
            _ => None,
        }));
        progress("pull", last, resp.head);
        if last >= resp.head {
            return Ok(resp.head);
        }
        cursor = last;
    }
}

/// Push, then pull. With nothing to send, only the pull (which checks the token); a member
/// who may not push (a reader) pulls, and the summary counts what was not sent.
pub fn sync(
    store: &mut Store,
    remote: &str,
    t: &mut dyn Transport,
    batch: usize,
    page: usize,
    join: JoinMode,
    progress: Progress<'_>,
) -> Result<SyncSummary> {
    let unpushed = store.remote(remote)?.unpushed;
    // Refused changes that may go through now count as something to send.
    let retry = !store.refused_to_retry(remote, 1)?.is_empty();
    let reader = unpushed > 0 && t.role()?.is_some_and(|r| !r.can_write());
    let p = if (unpushed == 0 && !retry) || reader {
        Pushed::default()
    } else {
        push(store, remote, t, batch, progress)?
    };
    let Pulled {
        pulled,
        head,
        touched,
        joined,
    } = pull(store, remote, t, page, join, progress)?;
    Ok(SyncSummary {
        remote: remote.to_string(),
        pushed: p.pushed,
        refused: p.refused,
        refusal: p.refusal,
        held: p.held,
        renewed_replica: p.renewed,
        pulled,
        conflicts: store.conflict_count(&touched)?,
        head,
        unsent: if reader { unpushed } else { 0 },
        joined,
    })
}

/// The protocol over HTTP(S), with retries of transient failures. While a long pull is
/// applied, the next page is already being fetched.
pub struct HttpTransport {
    http: Http,
    prefetch: Option<Prefetch>,
    /// Says whether the last batch started with [`Transport::push_begin`] was answered.
    answered: Option<mpsc::Receiver<bool>>,
}

/// A page requested ahead of time, on its own thread.
struct Prefetch {
    after: u64,
    limit: usize,
    page: std::thread::JoinHandle<Result<PullResponse>>,
}

/// The connection settings every request shares.
#[derive(Clone)]
struct Http {
    client: reqwest::blocking::Client,
    /// The same without an overall time limit, for snapshot downloads.
    long: reqwest::blocking::Client,
    base: String,
    workspace: String,
    token: Option<String>,
    /// Attempts per request for transient failures (connection errors, 5xx, 408, 429).
    attempts: u32,
    /// The server's clock minus this computer's in milliseconds, from the last answer's
    /// `Date` header; `i64::MIN` until one was read.
    clock_offset: Arc<AtomicI64>,
}

/// Per-request timeout, overridable with `CLAIMDB_HTTP_TIMEOUT` (seconds).
fn request_timeout() -> Result<Duration> {
    let Ok(v) = std::env::var("CLAIMDB_HTTP_TIMEOUT") else {
        return Ok(Duration::from_secs(120));
    };
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            Error::Invalid(format!(
                "CLAIMDB_HTTP_TIMEOUT is '{v}'; give a number of seconds above 0 and at most 86400"
            ))
        })
}

/// A token must be what `claimdb server member-add` printed: visible ASCII, no spaces.
pub fn check_token(token: &str) -> Result<()> {
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::Invalid(
            "the token contains spaces, control or non-ASCII characters; paste it exactly as \
             `claimdb server member-add` printed it"
                .into(),
        ));
    }
    Ok(())
}

impl HttpTransport {
    pub fn new(url: &str, token: Option<String>, ca_cert: Option<&Path>) -> Result<HttpTransport> {
        Ok(HttpTransport {
            http: Http::new(url, token, ca_cert)?,
            prefetch: None,
            answered: None,
        })
    }

    pub fn whoami(&mut self) -> Result<WhoAmI> {
        self.http.whoami()
    }

    /// Who the token belongs to; `None` when the server cannot be reached at all (a refusal
    /// of the token is an error).
    pub fn whoami_if_reachable(&mut self) -> Result<Option<WhoAmI>> {
        let mut http = self.http.clone();
        http.attempts = 2;
        match http.whoami() {
            Ok(w) => Ok(Some(w)),
            Err(Error::Remote(m)) if m.starts_with(UNREACHABLE) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// How the error for a server that cannot be reached starts.
const UNREACHABLE: &str = "cannot reach ";

impl Http {
    fn new(url: &str, token: Option<String>, ca_cert: Option<&Path>) -> Result<Http> {
        let (base, workspace) = check_remote_url(url)?;
        if let Some(t) = &token {
            check_token(t)?;
        }
        let mut cert = None;
        if let Some(path) = ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                Error::Invalid(format!(
                    "cannot read CA certificate {}: {e}",
                    path.display()
                ))
            })?;
            use rustls::pki_types::{CertificateDer, pem::PemObject};
            let parsed = CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>();
            if !parsed.is_ok_and(|c| !c.is_empty()) {
                return Err(Error::Invalid(format!(
                    "{} holds no PEM certificate; pass the team's CA certificate",
                    path.display()
                )));
            }
            cert = Some(reqwest::Certificate::from_pem(&pem).map_err(|e| {
                Error::Invalid(format!("{} is not a PEM certificate: {e}", path.display()))
            })?);
        }
        let timeout = request_timeout()?;
        let make = |timeout: Option<Duration>| {
            let mut builder = reqwest::blocking::Client::builder()
                .user_agent(concat!("claimdb/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(10))
                .timeout(timeout);
            if let Some(c) = &cert {
                builder = builder.add_root_certificate(c.clone());
            }
            builder
                .build()
                .map_err(|e| Error::Remote(format!("cannot set up HTTPS: {e}")))
        };
        let client = make(Some(timeout))?;
        // A snapshot download takes as long as its size needs.
        let long = make(None)?;
        Ok(Http {
            client,
            long,
            base,
            workspace,
            token,
            attempts: 5,
            clock_offset: Arc::new(AtomicI64::new(i64::MIN)),
        })
    }

    fn url(&self) -> String {
        format!("{}/v1/workspaces/{}/ops", self.base, self.workspace)
    }

    fn whoami(&self) -> Result<WhoAmI> {
        let url = format!("{}/v1/whoami", self.base);
        self.request("GET whoami", |c| c.get(&url))
    }

    /// Send a request, retrying transient failures. With `CLAIMDB_TRACE_HTTP` set, every
    /// attempt is logged to stderr as `claimdb: http LABEL STATUS MS ms attempt N`.
    fn request<T: DeserializeOwned>(
        &self,
        label: &str,
        build: impl Fn(&reqwest::blocking::Client) -> reqwest::blocking::RequestBuilder,
    ) -> Result<T> {
        let trace = std::env::var("CLAIMDB_TRACE_HTTP").is_ok_and(|v| !v.is_empty() && v != "0");
        let mut delay = Duration::from_millis(100);
        let mut attempt = 1;
        loop {
            let mut req = build(&self.client);
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            let started = std::time::Instant::now();
            let outcome = req.send();
            if trace {
                let status = match &outcome {
                    Ok(r) => r.status().as_u16().to_string(),
                    Err(_) => "error".into(),
                };
                eprintln!(
                    "claimdb: http {label} {status} {:.3} ms attempt {attempt}",
                    started.elapsed().as_secs_f64() * 1e3
                );
            }
            let retry_after = match outcome {
                Err(e) if one_line(&e).contains("certificate") => {
                    return Err(Error::Remote(format!(
                        "{} is not trusted: {}; for a team's own certificate authority pass \
                         --ca-cert to `claimdb remote add`",
                        self.base,
                        one_line(&e)
                    )));
                }
                Err(e)
                    if attempt < self.attempts
                        && (e.is_connect() || e.is_timeout() || e.is_request() || e.is_body()) =>
                {
                    None
                }
                Err(e) => {
                    return Err(Error::Remote(format!(
                        "{UNREACHABLE}{}: {}; check the URL and that the server is running",
                        self.base,
                        one_line(&e)
                    )));
                }
                Ok(resp) => {
                    self.note_date(resp.headers());
                    let status = resp.status();
                    let transient = status.is_server_error()
                        || status.as_u16() == 429
                        || status.as_u16() == 408;
                    if transient && attempt < self.attempts {
                        resp.headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse::<u64>().ok())
                            .map(|s| Duration::from_secs(s.min(30)))
                    } else {
                        let bytes = resp.bytes().map_err(|e| {
                            Error::Remote(format!(
                                "the connection to {} broke: {}",
                                self.base,
                                one_line(&e)
                            ))
                        })?;
                        return if status.is_success() {
                            serde_json::from_slice(&bytes).map_err(|e| {
                                Error::Remote(format!(
                                    "{} answered with something that is not claimdb sync JSON ({e}); check the remote URL",
                                    self.base
                                ))
                            })
                        } else {
                            Err(self.refusal(status, &bytes))
                        };
                    }
                }
            };
            std::thread::sleep(retry_after.unwrap_or(delay));
            delay = (delay * 2).min(Duration::from_secs(5));
            attempt += 1;
        }
    }

    /// `GET .../snapshot`, resuming at `resume.1` if the server still has the snapshot whose
    /// SHA-256 is `resume.0`. Connection failures and 5xx answers are retried.
    fn snapshot(&self, resume: Option<(&str, u64)>) -> Result<Option<SnapshotOffer>> {
        use reqwest::header;
        let url = format!("{}/v1/workspaces/{}/snapshot", self.base, self.workspace);
        let mut delay = Duration::from_millis(100);
        let mut attempt = 1;
        let resp = loop {
            let mut req = self
                .long
                .get(&url)
                .header(header::ACCEPT_ENCODING, "identity");
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            if let Some((sha, at)) = resume {
                req = req
                    .header(header::RANGE, format!("bytes={at}-"))
                    .header(header::IF_RANGE, format!("\"{sha}\""));
            }
            match req.send() {
                Ok(r) if r.status().is_server_error() && r.status().as_u16() != 503 => {
                    if attempt >= self.attempts {
                        let status = r.status();
                        let body = r.bytes().unwrap_or_default();
                        return Err(self.refusal(status, &body));
                    }
                }
                Ok(r) => break r,
                Err(e) if attempt < self.attempts && (e.is_connect() || e.is_request()) => {}
                Err(e) => {
                    return Err(Error::Remote(format!(
                        "{UNREACHABLE}{}: {}; check the URL and that the server is running",
                        self.base,
                        one_line(&e)
                    )));
                }
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_secs(5));
            attempt += 1;
        };
        let status = resp.status().as_u16();
        // No snapshot (none made yet, or a server that makes none): replay the log.
        if status == 404 || status == 503 {
            return Ok(None);
        }
        if status != 200 && status != 206 {
            let status = resp.status();
            let body = resp.bytes().unwrap_or_default();
            return Err(self.refusal(status, &body));
        }
        let text = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let malformed = |what: &str| {
            Error::Remote(format!(
                "{} sent a snapshot without a valid {what}; pull with --no-snapshot",
                self.base
            ))
        };
        let seq: u64 = text("x-claimdb-snapshot-seq")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| malformed("sequence number"))?;
        let sha256 = text("etag")
            .map(|v| v.trim_matches('"').to_string())
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| malformed("checksum"))?;
        let (offset, len) = if status == 206 {
            // `bytes FIRST-LAST/LEN`
            text("content-range")
                .and_then(|v| {
                    let (range, len) = v.strip_prefix("bytes ")?.split_once('/')?;
                    let first = range.split_once('-')?.0.parse().ok()?;
                    Some((first, len.parse().ok()?))
                })
                .ok_or_else(|| malformed("range"))?
        } else {
            (0, resp.content_length().ok_or_else(|| malformed("length"))?)
        };
        Ok(Some(SnapshotOffer {
            seq,
            sha256,
            len,
            offset,
            body: Box::new(resp),
        }))
    }

    /// Measure the server's clock against this one from a response's `Date` header.
    fn note_date(&self, headers: &reqwest::header::HeaderMap) {
        let server = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok());
        if let Some(server) = server {
            let offset = server.timestamp_millis() - chrono::Utc::now().timestamp_millis();
            self.clock_offset.store(offset, Ordering::Relaxed);
        }
    }

    /// A 4xx (or final 5xx) as an error that says what to fix.
    fn refusal(&self, status: reqwest::StatusCode, body: &[u8]) -> Error {
        let detail = serde_json::from_slice::<ErrorBody>(body)
            .map(|b| b.error.message)
            .unwrap_or_else(|_| format!("HTTP {status}"));
        let hint = match status.as_u16() {
            401 => "; check the token (`claimdb remote add NAME URL --token T` or CLAIMDB_TOKEN)",
            403 => "; ask the workspace admin for access",
            404 => "; check the workspace in the remote URL",
            413 => "; the server refused the size of the request",
            s if s >= 500 => "; the server failed, try again later",
            _ => "",
        };
        Error::Remote(format!(
            "{} refused the request ({status}): {detail}{hint}",
            self.base
        ))
    }
}

fn one_line(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s.replace('\n', " ")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// A push request's body, gzipped when it is worth it.
struct PushBody {
    bytes: Vec<u8>,
    gzip: bool,
}

impl PushBody {
    fn encode(ops: &[Op]) -> PushBody {
        let body = serde_json::to_vec(&PushRequest {
            ops: ops.iter().collect::<Vec<&Op>>(),
        })
        .expect("ops serialize");
        if body.len() > 8 * 1024 {
            PushBody {
                bytes: gzip(&body),
                gzip: true,
            }
        } else {
            PushBody {
                bytes: body,
                gzip: false,
            }
        }
    }
}

impl Http {
    fn push(&self, ops: &[Op]) -> Result<PushResponse> {
        self.send_push(&PushBody::encode(ops))
    }

    fn send_push(&self, body: &PushBody) -> Result<PushResponse> {
        let url = self.url();
        self.request("POST ops", |c| {
            let r = c
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.bytes.clone());
            if body.gzip {
                r.header(reqwest::header::CONTENT_ENCODING, "gzip")
            } else {
                r
            }
        })
    }

    fn pull(&self, after: u64, limit: usize) -> Result<PullResponse> {
        let url = self.url();
        self.request("GET ops", |c| {
            c.get(&url)
                .query(&[("after", after), ("limit", limit as u64)])
        })
    }
}

impl Transport for HttpTransport {
    fn push(&mut self, ops: &[Op]) -> Result<PushResponse> {
        self.http.push(ops)
    }

    fn server_clock_offset(&self) -> Option<i64> {
        // The header counts whole seconds: an offset within one second is no offset.
        match self.http.clock_offset.load(Ordering::Relaxed) {
            i64::MIN => None,
            o if o.abs() < 1_000 => Some(0),
            o => Some(o),
        }
    }

    fn role(&mut self) -> Result<Option<Role>> {
        Ok(Some(self.http.whoami()?.role))
    }

    fn snapshot(&mut self, resume: Option<(&str, u64)>) -> Result<Option<SnapshotOffer>> {
        self.http.snapshot(resume)
    }

    /// Encode the batch on its own thread at once, and send it once the batch started
    /// before it is answered: its operations may refer to what that one creates.
    fn push_begin(&mut self, ops: Vec<Op>) -> PendingPush {
        let http = self.http.clone();
        let before = self.answered.take();
        let (answered, answer) = mpsc::sync_channel(1);
        self.answered = Some(answer);
        PendingPush::Sending(std::thread::spawn(move || {
            let body = PushBody::encode(&ops);
            // A thread that ended without a word (it panicked) counts as a failure.
            if before.is_some_and(|b| !b.recv().unwrap_or(false)) {
                let _ = answered.send(false);
                return Err(Error::Remote(
                    "a batch was not sent because the one before it failed".into(),
                ));
            }
            let resp = http.send_push(&body);
            let _ = answered.send(resp.is_ok());
            resp
        }))
    }

    fn pull(&mut self, after: u64, limit: usize) -> Result<PullResponse> {
        let ahead = self
            .prefetch
            .take()
            .filter(|p| p.after == after && p.limit == limit);
        let page = match ahead {
            Some(p) => p.page.join().unwrap_or_else(|_| {
                Err(Error::Remote(
                    "fetching a page failed unexpectedly; try again".into(),
                ))
            }),
            None => self.http.pull(after, limit),
        };
        // Behind the head: fetch the next page while the caller applies this one.
        if let Ok(resp) = &page
            && let Some(last) = resp.ops.last().map(|s| s.seq)
            && last < resp.head
        {
            let http = self.http.clone();
            self.prefetch = Some(Prefetch {
                after: last,
                limit,
                page: std::thread::spawn(move || http.pull(last, limit)),
            });
        }
        page
    }
}
