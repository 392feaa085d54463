//! The desk's board: the workspace's claims in a browser, served by `claimdb serve`.
//! Server-rendered pages that work without JavaScript; a member signs in with their token
//! and gets a session cookie. Every change made here is an operation authored by the
//! signed-in member and goes through the protocol core like any push, so CLI members pull
//! it. Pages read the workspace's server-side replica ([`replica`]).

mod html;
pub mod replica;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::core::{Core, Member, SESSION_HOURS, ServerError};
use super::http::{AuthLimiter, Peer};
use crate::store::{ClaimEdit, ClaimFilter, NewClaim, Store};
use html::{BoardData, BoardRow, ClaimPage, Filters, Viewer};
pub use replica::Replicas;

const SESSION_COOKIE: &str = "claimdb_session";
const SIGNIN_COOKIE: &str = "claimdb_signin";

/// Ids of the replicas board writes are made from: one per member and workspace.
const BOARD_REPLICAS: Uuid = Uuid::from_u128(0x8e3f_1c2a_5b7d_4e90_a1c3_d5e7_f902_b4c6);

pub struct Board {
    core: Core,
    replicas: Replicas,
    limiter: Arc<AuthLimiter>,
    /// Cookies get `Secure` when the board is served over HTTPS.
    secure: bool,
}

impl Board {
    pub fn new(core: Core, replicas: Replicas, limiter: Arc<AuthLimiter>, secure: bool) -> Board {
        Board {
            core,
            replicas,
            limiter,
            secure,
        }
    }

    /// Operations were stored in `workspace`: bring its replica up to date in the background.
    pub fn arrived(self: &Arc<Self>, workspace: &str) {
        if self.replicas.mark_pending(workspace) {
            let board = self.clone();
            let workspace = workspace.to_string();
            tokio::spawn(async move {
                board.replicas.apply_pending(&board.core, &workspace).await;
            });
        }
    }
}

impl Board {
    /// A snapshot of `workspace` for a joining member (see [`Replicas::snapshot`]); when
    /// there is none yet, its replica starts being built.
    pub async fn snapshot(
        self: &Arc<Self>,
        workspace: &str,
    ) -> Result<Option<replica::SnapshotFile>, ServerError> {
        let file = self.replicas.snapshot(&self.core, workspace).await?;
        if file.is_none() {
            self.arrived(workspace);
        }
        Ok(file)
    }

    /// How far `workspace`'s replica has read the log (see [`Replicas::progress`]); a
    /// replica behind starts catching up.
    pub async fn replica_progress(
        self: &Arc<Self>,
        workspace: &str,
    ) -> Result<(u64, u64, Option<u64>), ServerError> {
        let p = self.replicas.progress(&self.core, workspace).await?;
        if p.1 < p.0 {
            self.arrived(workspace);
        }
        Ok(p)
    }

    /// The kept snapshot of `workspace` with this SHA-256, to resume a download.
    pub async fn snapshot_by_sha(
        &self,
        workspace: &str,
        sha256: &str,
    ) -> Option<replica::SnapshotFile> {
        self.replicas.snapshot_by_sha(workspace, sha256).await
    }
}

type Shared = Arc<Board>;

pub fn routes(board: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/board") }))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/board", get(board_page))
        .route("/conflicts", get(conflicts_page))
        .route("/claims/{id}", get(claim_page))
        .route("/claims/{id}/verdict", post(mark))
        .route("/claims/{id}/evidence", post(evidence))
        .route("/claims/{id}/tags", post(tags))
        .route("/articles/{id}", get(article_page))
        .route("/articles/{id}/claims", post(add_claim))
        .route("/static/board.css", get(css))
        .route("/static/board.js", get(js))
        .with_state(board)
}

/// An HTML response with the board's security headers.
fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(h);
    r
}

fn secure_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

fn see_other(to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    secure_headers(r.headers_mut());
    r
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn set_cookie(r: &mut Response, name: &str, value: &str, max_age: i64, secure: bool) {
    let v = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The form token for a session (or a sign-in) secret.
fn csrf_of(secret: &str) -> String {
    Sha256::digest(format!("claimdb csrf\n{secret}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn csrf_ok(secret: &str, given: &str) -> bool {
    bool::from(csrf_of(secret).as_bytes().ct_eq(given.as_bytes()))
}

fn random_secret() -> String {
    let mut b = [0u8; 32];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn failure(e: ServerError) -> Response {
    let (status, text) = match &e {
        ServerError::Internal(detail) => {
            eprintln!("claimdb serve: internal error: {detail}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on the server; its log has the details.".to_string(),
            )
        }
        ServerError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
        ServerError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        ServerError::TooManyFailures { message, .. } => {
            (StatusCode::TOO_MANY_REQUESTS, message.clone())
        }
        other => (StatusCode::BAD_REQUEST, other.to_string()),
    };
    html(status, html::message(None, "Error", &text))
}

/// The signed-in member and their session secret, or a redirect to the sign-in page.
async fn viewer(b: &Board, headers: &HeaderMap) -> Result<(Member, String), Response> {
    let Some(secret) = cookie(headers, SESSION_COOKIE) else {
        return Err(see_other("/signin"));
    };
    match b.core.session(&secret).await {
        Ok(m) => Ok((m, secret)),
        Err(ServerError::Unauthorized(_)) => Err(see_other("/signin")),
        Err(e) => Err(failure(e)),
    }
}

/// A failed data lookup (unknown id) or a bad filter, for the page.
fn user_error(e: crate::Error) -> (StatusCode, String) {
    let status = match e.kind() {
        crate::ErrorKind::NotFound => StatusCode::NOT_FOUND,
        crate::ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, e.to_string())
}

async fn signin_page(State(b): State<Shared>, headers: HeaderMap) -> Response {
    let pre = cookie(&headers, SIGNIN_COOKIE).unwrap_or_else(random_secret);
    let mut r = html(StatusCode::OK, html::sign_in(None, &csrf_of(&pre)));
    set_cookie(&mut r, SIGNIN_COOKIE, &pre, 3600, b.secure);
    r
}

#[derive(serde::Deserialize)]
struct SignIn {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

async fn signin(
    State(b): State<Shared>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let ip = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p: SocketAddr| p.ip());
    let Some(pre) = cookie(&headers, SIGNIN_COOKIE).filter(|p| csrf_ok(p, &form.csrf)) else {
        return html(
            StatusCode::FORBIDDEN,
            html::message(
                None,
                "Sign-in form expired",
                "Open the sign-in page again and submit it from there.",
            ),
        );
    };
    if let Some(retry_after) = b.limiter.blocked(ip) {
        let mut r = html(
            StatusCode::TOO_MANY_REQUESTS,
            html::sign_in(
                Some(&format!(
                    "Too many failed sign-ins from this address; try again in {retry_after} s."
                )),
                &csrf_of(&pre),
            ),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return r;
    }
    match b.core.sign_in(&form.token).await {
        Ok((_, secret)) => {
            let mut r = see_other("/board");
            set_cookie(
                &mut r,
                SESSION_COOKIE,
                &secret,
                SESSION_HOURS * 3600,
                b.secure,
            );
            set_cookie(&mut r, SIGNIN_COOKIE, "", 0, b.secure);
            r
        }
        Err(ServerError::Unauthorized(msg)) => {
            b.limiter.failed(ip);
            html(
                StatusCode::UNAUTHORIZED,
                html::sign_in(Some(&msg), &csrf_of(&pre)),
            )
        }
        Err(e) => failure(e),
    }
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn signout(
    State(b): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        if !csrf_ok(&secret, &form.csrf) {
            return forbidden_form();
        }
        if let Err(e) = b.core.sign_out(&secret).await {
            return failure(e);
        }
    }
    let mut r = see_other("/signin");
    set_cookie(&mut r, SESSION_COOKIE, "", 0, b.secure);
    r
}

fn forbidden_form() -> Response {
    html(
        StatusCode::FORBIDDEN,
        html::message(
            None,
            "Form expired",
            "This form was not sent from the board page it belongs to; open the page again.",
        ),
    )
}

async fn board_page(
    State(b): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<Filters>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (member, secret) = match viewer(&b, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let f = query.map(|Query(f)| f).unwrap_or_default();
    let filters = f.clone();
    let read = b
        .replicas
        .read(&b.core, &member.workspace, move |s| board_data(s, &filters))
        .await;
    let read = match (read, b.replicas.edit_count(&member.workspace).await) {
        (Ok(Ok(mut data)), Ok(edits)) => Ok(Ok({
            data.edits = edits;
            data
        })),
        (Err(e), _) | (_, Err(e)) => Err(e),
        (other, _) => other,
    };
    let csrf = csrf_of(&secret);
    let v = Viewer {
        member: &member,
        csrf: &csrf,
    };
    match read {
        Ok(Ok(data)) => html(StatusCode::OK, html::board(&v, &f, &data)),
        Ok(Err(e)) => {
            let (status, text) = user_error(e);
            let data = BoardData {
                rows: Vec::new(),
                hits: None,
                total: 0,
                disputed: 0,
                edits: 0,
                speakers: Vec::new(),
                articles: Vec::new(),
                error: Some(text),
            };
            html(status, html::board(&v, &f, &data))
        }
        Err(e) => failure(e),
    }
}

fn none_if_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Names offered while typing a speaker, and the newest articles offered for the filter.
const SPEAKER_CHOICES: usize = 500;
const ARTICLE_CHOICES: usize = 50;

fn board_data(s: &Store, f: &Filters) -> crate::Result<BoardData> {
    let page = f.page.unwrap_or(1).max(1);
    let filter = ClaimFilter {
        statuses: none_if_empty(&f.status).into_iter().collect(),
        speaker: none_if_empty(&f.speaker),
        tag: none_if_empty(&f.tag),
        article: none_if_empty(&f.article),
        since: none_if_empty(&f.since),
        until: none_if_empty(&f.until),
        limit: Some(html::PAGE_SIZE as usize),
        older_than: html::cursor(&f.after),
        newer_than: html::cursor(&f.before),
        ..Default::default()
    };
    // A page reached by its links is read from a cursor; a page number alone is counted to.
    let filter = ClaimFilter {
        offset: (filter.older_than.is_none() && filter.newer_than.is_none() && page > 1)
            .then_some(((page - 1) * html::PAGE_SIZE) as usize),
        ..filter
    };
    let hits = match none_if_empty(&f.q) {
        Some(q) => Some(s.search(&q, 50)?),
        None => None,
    };
    let (rows, total) = if hits.is_some() {
        (Vec::new(), 0)
    } else {
        let total = s.claim_count(&filter)?;
        let rows = s
            .claim_list(&filter)?
            .into_iter()
            .map(|claim| {
                let (relays, last_change) = s.relays_and_last_change(&claim.id)?;
                Ok(BoardRow {
                    claim,
                    relays,
                    last_change,
                })
            })
            .collect::<crate::Result<Vec<_>>>()?;
        (rows, total)
    };
    let disputed = s.claim_count(&ClaimFilter {
        statuses: vec!["disputed".into()],
        ..Default::default()
    })?;
    Ok(BoardData {
        rows,
        hits,
        total,
        disputed,
        edits: 0,
        speakers: s.source_name_choices(SPEAKER_CHOICES)?,
        articles: s.article_choices(ARTICLE_CHOICES)?,
        error: None,
    })
}

/// A page that reads the signed-in member's replica: `read` runs on the caught-up replica,
/// `render` makes the page of what it found; an unknown id or a bad value gets a page that
/// says so.
async fn read_page<T: Send + 'static>(
    b: &Board,
    headers: &HeaderMap,
    read: impl FnOnce(&Store) -> crate::Result<T> + Send + 'static,
    render: impl FnOnce(&Viewer<'_>, T) -> String,
) -> Response {
    let (member, secret) = match viewer(b, headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let found = b.replicas.read(&b.core, &member.workspace, read).await;
    let csrf = csrf_of(&secret);
    let v = Viewer {
        member: &member,
        csrf: &csrf,
    };
    match found {
        Ok(Ok(data)) => html(StatusCode::OK, render(&v, data)),
        Ok(Err(e)) => {
            let (status, text) = user_error(e);
            html(status, html::message(Some(&v), "Not found", &text))
        }
        Err(e) => failure(e),
    }
}

async fn conflicts_page(State(b): State<Shared>, headers: HeaderMap) -> Response {
    read_page(
        &b,
        &headers,
        |s| s.conflicts(),
        |v, c| html::conflicts(v, &c),
    )
    .await
}

/// How much article text a claim page shows on each side of a quote.
const EXCERPT_CHARS: u64 = 240;

fn claim_data(s: &Store, id: &str) -> crate::Result<ClaimPage> {
    let claim = s.claim_show(id)?;
    let mut excerpts = Vec::new();
    for a in &claim.appearances {
        let excerpt = match (&a.article, &a.anchor) {
            (Some(art), Some(anchor)) => s.article_text(&art.id.to_string())?.map(|text| {
                let chars = text.chars().count() as u64;
                // Start the excerpt at a word, not inside one.
                let mut from = anchor.start.saturating_sub(EXCERPT_CHARS);
                if from > 0 {
                    let skip = text
                        .chars()
                        .skip(from as usize)
                        .take_while(|c| !c.is_whitespace())
                        .count() as u64;
                    from = (from + skip).min(anchor.start);
                }
                let to = (anchor.end + EXCERPT_CHARS).min(chars);
                let window: String = text
                    .chars()
                    .skip(from as usize)
                    .take((to - from) as usize)
                    .collect();
                let mark = vec![(claim.id.to_string(), anchor.start - from, anchor.end - from)];
                format!(
                    "{}{}{}",
                    if from > 0 { "… " } else { "" },
                    html::highlighted(&window, &mark, Some(&claim.id.to_string())),
                    if to < chars { " …" } else { "" }
                )
            }),
            _ => None,
        };
        excerpts.push(excerpt);
    }
    let log = s.log(Some(&claim.id.to_string()), Some(200))?;
    Ok(ClaimPage {
        claim,
        excerpts,
        log,
    })
}

async fn claim_page(
    State(b): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    read_page(
        &b,
        &headers,
        move |s| claim_data(s, &id),
        |v, p| html::claim(v, &p),
    )
    .await
}

async fn article_page(
    State(b): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    read_page(
        &b,
        &headers,
        move |s| {
            let a = s.article_show(&id)?;
            let key = a.id.to_string();
            Ok((a, s.article_text(&key)?, s.anchored_quotes(&key)?))
        },
        |v, (a, text, marks)| html::article(v, &a, text.as_deref(), &marks),
    )
    .await
}

/// Make a change as the signed-in writer: rehearse it on the replica to get its operations
/// (every rule and merge the same as on a member's database), push them through the core as
/// that member, and bring the replica up to date. Returns where to go next.
async fn change<T: Send + 'static>(
    b: &Board,
    headers: &HeaderMap,
    csrf: &str,
    f: impl FnOnce(&mut Store) -> crate::Result<T> + Send + 'static,
    next: impl FnOnce(T) -> String,
) -> Response {
    let (member, secret) = match viewer(b, headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&secret, csrf) {
        return forbidden_form();
    }
    let csrf_token = csrf_of(&secret);
    let v = Viewer {
        member: &member,
        csrf: &csrf_token,
    };
    if !member.role.can_write() {
        return html(
            StatusCode::FORBIDDEN,
            html::message(
                Some(&v),
                "Not allowed",
                &format!(
                    "'{}' has the {} role in '{}' and cannot change claims",
                    member.name,
                    member.role.as_str(),
                    member.workspace
                ),
            ),
        );
    }
    let replica = Uuid::new_v5(
        &BOARD_REPLICAS,
        format!("{}\n{}", member.workspace, member.name).as_bytes(),
    );
    let rehearsed = b
        .replicas
        .rehearse(&b.core, &member.workspace, member.name.clone(), replica, f)
        .await;
    let (out, ops) = match rehearsed {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            let (status, text) = user_error(e);
            return html(status, html::message(Some(&v), "Not saved", &text));
        }
        Err(e) => return failure(e),
    };
    let raws = ops
        .iter()
        .map(|op| serde_json::value::to_raw_value(op).expect("operations serialize"))
        .collect();
    let now = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let resp = match b.core.push(&member, raws, now).await {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    if let Some(refused) = resp
        .results
        .iter()
        .find(|r| r.status == crate::sync::protocol::OpStatus::Rejected)
    {
        return html(
            StatusCode::CONFLICT,
            html::message(
                Some(&v),
                "Not saved",
                refused
                    .message
                    .as_deref()
                    .unwrap_or("the server refused the change"),
            ),
        );
    }
    if let Err(e) = b.replicas.catch_up(&b.core, &member.workspace).await {
        return failure(e);
    }
    see_other(&next(out))
}

#[derive(serde::Deserialize)]
struct MarkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence: String,
}

async fn mark(
    State(b): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<MarkForm>,
) -> Response {
    let to = format!("/claims/{}", html::q(&id));
    change(
        &b,
        &headers,
        &form.csrf,
        move |s| {
            let evidence: Vec<String> = none_if_empty(&form.evidence).into_iter().collect();
            s.mark(
                &id,
                &form.status,
                none_if_empty(&form.note).as_deref(),
                &evidence,
            )
        },
        move |_| to,
    )
    .await
}

#[derive(serde::Deserialize)]
struct EvidenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    stance: String,
    #[serde(default)]
    note: String,
}

async fn evidence(
    State(b): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<EvidenceForm>,
) -> Response {
    let to = format!("/claims/{}", html::q(&id));
    change(
        &b,
        &headers,
        &form.csrf,
        move |s| {
            s.add_evidence(
                &id,
                &form.url,
                none_if_empty(&form.stance).as_deref(),
                none_if_empty(&form.note).as_deref(),
            )
        },
        move |_| to,
    )
    .await
}

#[derive(serde::Deserialize)]
struct TagsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    add: String,
    #[serde(default)]
    remove: String,
}

fn tag_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

async fn tags(
    State(b): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<TagsForm>,
) -> Response {
    let to = format!("/claims/{}", html::q(&id));
    change(
        &b,
        &headers,
        &form.csrf,
        move |s| {
            s.edit_claim(
                &id,
                ClaimEdit {
                    add_tags: tag_list(&form.add),
                    remove_tags: tag_list(&form.remove),
                    ..Default::default()
                },
            )
        },
        move |_| to,
    )
    .await
}

#[derive(serde::Deserialize)]
struct ClaimForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    quote: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    speaker: String,
    #[serde(default)]
    via: String,
}

async fn add_claim(
    State(b): State<Shared>,
    headers: HeaderMap,
    Path(article): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Response {
    change(
        &b,
        &headers,
        &form.csrf,
        move |s| {
            s.add_claim(NewClaim {
                text: form.text,
                speaker: none_if_empty(&form.speaker),
                via: none_if_empty(&form.via),
                article: Some(article),
                quote: none_if_empty(&form.quote),
                ..Default::default()
            })
        },
        |id| format!("/claims/{id}"),
    )
    .await
}

async fn css() -> Response {
    let mut r = include_str!("board.css").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r
}

async fn js() -> Response {
    let mut r = include_str!("board.js").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    r
}
