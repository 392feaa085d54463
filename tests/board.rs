//! The board's pages and forms, in process: the real router, the protocol core on a real
//! SQLite store, the server-side replica, and a member's real database pushing to it.
//! Hostile strings must show as text; forms need their CSRF token; readers cannot write.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use claimdb::server::board::{Board, Replicas};
use claimdb::server::http::{AuthLimiter, router};
use claimdb::server::{Core, SqliteStorage};
use claimdb::store::{NewArticle, NewClaim, Store};
use claimdb::sync::protocol::Role;
use tower::ServiceExt;

const TEXT: &str = "Der Minister sagte, der Tunnel sei \"on budget, at 1.2 billion euros\". \
Critics disagreed. <script>alert('article')</script> Antonov, TASS quoted him as saying, \
«мы готовы к диалогу».";

struct Desk {
    _dir: tempfile::TempDir,
    core: Core,
    app: Router,
    board_dir: std::path::PathBuf,
    writer: String,
    reader: String,
    ana: Store,
    ana_token: String,
    article: String,
    claim: String,
    hostile: String,
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn app(core: &Core, dir: &std::path::Path) -> Router {
    let limiter = Arc::new(AuthLimiter::new(5));
    let board = Board::new(
        core.clone(),
        Replicas::new(dir.to_path_buf()),
        limiter.clone(),
        false,
    );
    router(core.clone(), limiter, Some(Arc::new(board)))
}

/// Push everything `store` logged that the server does not have yet, as `token`'s member.
async fn push_all(core: &Core, token: &str, store: &Store) {
    let m = core.authenticate(token).await.unwrap();
    let raws = store
        .ops()
        .unwrap()
        .iter()
        .map(|op| serde_json::value::to_raw_value(op).unwrap())
        .collect();
    let now = chrono::Utc::now().timestamp_millis() as u64;
    let resp = core.push(&m, raws, now).await.unwrap();
    for r in &resp.results {
        assert_ne!(
            r.status,
            claimdb::sync::protocol::OpStatus::Rejected,
            "{r:?}"
        );
    }
}

async fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::new(Arc::new(
        SqliteStorage::open(&dir.path().join("server")).unwrap(),
    ));
    core.create_workspace("desk").await.unwrap();
    let ana_token = core.add_member("desk", "ana", Role::Writer).await.unwrap();
    let writer = core
        .add_member("desk", "Editör Şule", Role::Writer)
        .await
        .unwrap();
    let reader = core
        .add_member("desk", "Reader", Role::Reader)
        .await
        .unwrap();
    let mut ana = Store::open(&dir.path().join("ana.db"), Some("ana")).unwrap();
    let article = ana
        .add_article(NewArticle {
            url: Some("https://news.example/tunnel".into()),
            title: Some("Tunnel <b>budget</b>".into()),
            text: Some(TEXT.into()),
            ..Default::default()
        })
        .unwrap()
        .to_string();
    let claim = ana
        .add_claim(NewClaim {
            text: "The tunnel is on budget at 1.2 billion euros".into(),
            speaker: Some("Daniel Okafor".into()),
            via: Some("Northern Press Agency".into()),
            article: Some(article.clone()),
            quote: Some("on budget, at 1.2 billion euros".into()),
            tags: vec!["transport".into()],
            ..Default::default()
        })
        .unwrap()
        .to_string();
    let hostile = ana
        .add_claim(NewClaim {
            text: "<script>alert(1)</script> and <img src=x onerror=alert(2)>".into(),
            speaker: Some("\"><svg onload=alert(3)>".into()),
            note: Some("<a href=\"javascript:alert(4)\">x</a>".into()),
            status: Some("false".into()),
            ..Default::default()
        })
        .unwrap()
        .to_string();
    push_all(&core, &ana_token, &ana).await;
    let board_dir = dir.path().join("board");
    let app = app(&core, &board_dir);
    Desk {
        _dir: dir,
        core,
        app,
        board_dir,
        writer,
        reader,
        ana,
        ana_token,
        article,
        claim,
        hostile,
    }
}

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &Router, req: Request<Body>) -> Page {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = axum::body::to_bytes(r.into_body(), 10 << 20).await.unwrap();
    Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

fn post(path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Request<Body> {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut b =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::from(body)).unwrap()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `name=value` of the cookie `name` set by a response.
fn set_cookie(p: &Page, name: &str) -> Option<String> {
    p.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

fn csrf(body: &str) -> String {
    let at = body
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    body[at..at + 64].to_string()
}

/// Sign in with `token`; the session cookie and a CSRF token for its forms.
async fn sign_in(app: &Router, token: &str) -> (String, String) {
    let form = send(app, get("/signin", None)).await;
    let pre = set_cookie(&form, "claimdb_signin").unwrap();
    let r = send(
        app,
        post(
            "/signin",
            Some(&pre),
            &[("token", token), ("csrf", &csrf(&form.body))],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let session = set_cookie(&r, "claimdb_session").expect("a session cookie");
    let board = send(app, get("/board", Some(&session))).await;
    assert_eq!(board.status, StatusCode::OK);
    (session, csrf(&board.body))
}

async fn head(core: &Core) -> u64 {
    core.stats("desk").await.unwrap().1
}

#[test]
fn signing_in_takes_a_member_token_and_sets_a_safe_cookie() {
    rt().block_on(async {
        let d = desk().await;
        // Not signed in: sent to the sign-in page.
        let r = send(&d.app, get("/board", None)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/signin");
        // A wrong token: 401, an error on the page, no session.
        let form = send(&d.app, get("/signin", None)).await;
        assert!(form.body.contains("<label for=\"token\">"));
        let pre = set_cookie(&form, "claimdb_signin").unwrap();
        let bad = send(
            &d.app,
            post(
                "/signin",
                Some(&pre),
                &[("token", "cdb1.x.y"), ("csrf", &csrf(&form.body))],
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert!(bad.body.contains("role=\"alert\""));
        assert!(set_cookie(&bad, "claimdb_session").is_none());
        // Without the sign-in form's token: refused.
        let forged = send(&d.app, post("/signin", Some(&pre), &[("token", &d.writer)])).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        // The right token: a session cookie that scripts cannot read, never the token itself.
        let ok = send(
            &d.app,
            post(
                "/signin",
                Some(&pre),
                &[("token", &d.writer), ("csrf", &csrf(&form.body))],
            ),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let raw = ok
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with("claimdb_session="))
            .unwrap();
        assert!(
            raw.contains("HttpOnly") && raw.contains("SameSite=Strict"),
            "{raw}"
        );
        assert!(
            !raw.contains(&d.writer[10..]),
            "the token is not the cookie"
        );
        let session = set_cookie(&ok, "claimdb_session").unwrap();
        let board = send(&d.app, get("/board", Some(&session))).await;
        assert!(board.body.contains("Editör Şule"));
        assert!(
            !board.body.contains(&d.writer[10..]),
            "the token never appears in a page"
        );
    });
}

#[test]
fn failed_sign_ins_are_rate_limited() {
    rt().block_on(async {
        let d = desk().await;
        let form = send(&d.app, get("/signin", None)).await;
        let pre = set_cookie(&form, "claimdb_signin").unwrap();
        let token = csrf(&form.body);
        for _ in 0..5 {
            let r = send(
                &d.app,
                post(
                    "/signin",
                    Some(&pre),
                    &[("token", "nope"), ("csrf", &token)],
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        let r = send(
            &d.app,
            post(
                "/signin",
                Some(&pre),
                &[("token", &d.writer), ("csrf", &token)],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers.contains_key(header::RETRY_AFTER));
    });
}

#[test]
fn hostile_text_shows_as_text_everywhere() {
    rt().block_on(async {
        let d = desk().await;
        let (session, _) = sign_in(&d.app, &d.reader).await;
        for path in [
            "/board".to_string(),
            format!("/claims/{}", d.hostile),
            format!("/articles/{}", d.article),
            "/board?q=alert".to_string(),
            "/board?speaker=%22%3E%3Csvg".to_string(),
        ] {
            let p = send(&d.app, get(&path, Some(&session))).await;
            let csp = p.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
            for raw in [
                "<script>alert",
                "<img src=x",
                "<svg onload",
                "href=\"javascript:",
                "<b>budget",
            ] {
                assert!(!p.body.contains(raw), "{path}: {raw} unescaped");
            }
            assert!(!p.body.contains("onerror=alert(2)>"), "{path}");
        }
        let claim = send(
            &d.app,
            get(&format!("/claims/{}", d.hostile), Some(&session)),
        )
        .await;
        assert!(claim.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            claim
                .body
                .contains("&lt;a href=&quot;javascript:alert(4)&quot;&gt;")
        );
        let article = send(
            &d.app,
            get(&format!("/articles/{}", d.article), Some(&session)),
        )
        .await;
        assert!(
            article
                .body
                .contains("&lt;script&gt;alert(&#39;article&#39;)&lt;/script&gt;")
        );
    });
}

#[test]
fn the_board_filters_searches_and_pages() {
    rt().block_on(async {
        let d = desk().await;
        let (s, _) = sign_in(&d.app, &d.reader).await;
        let all = send(&d.app, get("/board", Some(&s))).await;
        assert!(all.body.contains("2 claims"), "{}", all.body);
        assert!(
            all.body.contains("Northern Press Agency"),
            "the relay is shown"
        );
        let by_speaker = send(&d.app, get("/board?speaker=Daniel+Okafor", Some(&s))).await;
        assert!(by_speaker.body.contains(">1 claim<"));
        assert!(by_speaker.body.contains("on budget at 1.2"));
        let by_status = send(&d.app, get("/board?status=false", Some(&s))).await;
        assert!(by_status.body.contains(">1 claim<") && by_status.body.contains("&lt;script"));
        let by_tag = send(&d.app, get("/board?tag=transport", Some(&s))).await;
        assert!(by_tag.body.contains(">1 claim<"));
        let by_article = send(
            &d.app,
            get(&format!("/board?article={}", d.article), Some(&s)),
        )
        .await;
        assert!(by_article.body.contains(">1 claim<"));
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let dated = send(
            &d.app,
            get(&format!("/board?since={today}&until={today}"), Some(&s)),
        )
        .await;
        assert!(dated.body.contains("2 claims"));
        let before = send(&d.app, get("/board?until=2001-01-01", Some(&s))).await;
        assert!(before.body.contains("0 claims"));
        let bad = send(&d.app, get("/board?since=yesterday", Some(&s))).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("YYYY-MM-DD"));
        let unknown = send(&d.app, get("/board?speaker=Nobody+Known", Some(&s))).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let found = send(&d.app, get("/board?q=tunnel+budget", Some(&s))).await;
        assert!(found.body.contains("<mark>"), "{}", found.body);
        // A page number past the end lists nothing and links back to the first page.
        let page2 = send(&d.app, get("/board?page=2", Some(&s))).await;
        assert!(page2.body.contains("page 2 of 1"), "{}", page2.body);
        assert!(page2.body.contains("href=\"/board?page=1\" rel=\"prev\""));
        assert!(row_ids(&page2.body).is_empty());
    });
}

#[test]
fn pages_show_quotes_in_their_articles_and_the_whole_history() {
    rt().block_on(async {
        let d = desk().await;
        let (s, _) = sign_in(&d.app, &d.reader).await;
        let article = send(&d.app, get(&format!("/articles/{}", d.article), Some(&s))).await;
        assert!(
            article.body.contains(&format!(
                "<mark><a href=\"/claims/{}\">on budget, at 1.2 billion euros</a></mark>",
                d.claim
            )),
            "{}",
            article.body
        );
        let claim = send(&d.app, get(&format!("/claims/{}", d.claim), Some(&s))).await;
        assert!(claim.body.contains("<mark class=\"focus\">"));
        assert!(claim.body.contains("relayed by Northern Press Agency"));
        assert!(claim.body.contains("<h2>Log</h2>"));
        let missing = send(&d.app, get("/claims/ffffffff", Some(&s))).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    });
}

#[test]
fn a_writer_marks_a_verdict_and_members_pull_it() {
    rt().block_on(async {
        let mut d = desk().await;
        let (s, token) = sign_in(&d.app, &d.writer).await;
        let claim_path = format!("/claims/{}", d.claim);
        let page = send(&d.app, get(&claim_path, Some(&s))).await;
        assert!(page.body.contains("Mark a verdict"));
        let before = head(&d.core).await;
        // Without the form's token: refused, nothing stored.
        let forged = send(
            &d.app,
            post(
                &format!("{claim_path}/verdict"),
                Some(&s),
                &[("status", "false")],
            ),
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(head(&d.core).await, before);
        // A bad value: one clear message, nothing stored.
        let bad = send(
            &d.app,
            post(
                &format!("{claim_path}/verdict"),
                Some(&s),
                &[("csrf", &token), ("status", "sort-of"), ("note", "x")],
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("sort-of"));
        assert_eq!(head(&d.core).await, before);
        let ok = send(
            &d.app,
            post(
                &format!("{claim_path}/verdict"),
                Some(&s),
                &[
                    ("csrf", &token),
                    ("status", "false"),
                    ("note", "The audit puts it at 1.9 billion"),
                    ("evidence", "https://audit.example/report"),
                ],
            ),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert!(head(&d.core).await > before);
        let shown = send(&d.app, get(&claim_path, Some(&s))).await;
        assert!(shown.body.contains("The audit puts it at 1.9 billion"));
        assert!(shown.body.contains("Editör Şule"));
        // Evidence, then tags.
        let r = send(
            &d.app,
            post(
                &format!("{claim_path}/evidence"),
                Some(&s),
                &[
                    ("csrf", &token),
                    ("url", "https://example.org/budget"),
                    ("stance", "refutes"),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = send(
            &d.app,
            post(
                &format!("{claim_path}/tags"),
                Some(&s),
                &[
                    ("csrf", &token),
                    ("add", "audit, Бюджет"),
                    ("remove", "transport"),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // A member's database pulls the verdict, authored by the editor.
        let m = d.core.authenticate(&d.writer).await.unwrap();
        let page = d.core.pull(&m, 0, 1000).await.unwrap();
        d.ana
            .remote_add("origin", "http://server.invalid/desk", None)
            .unwrap();
        let last = page.ops.last().unwrap().seq;
        d.ana.apply_pulled("origin", &page.ops, last).unwrap();
        let view = d.ana.claim_show(&d.claim).unwrap();
        let verdict = view.verdicts.last().unwrap();
        assert_eq!(
            (verdict.status.as_str(), verdict.author.as_str()),
            ("false", "Editör Şule")
        );
        assert!(
            view.tags.contains(&"audit".to_string())
                && !view.tags.contains(&"transport".to_string())
        );
        assert!(
            view.evidence
                .iter()
                .any(|e| e.url.as_deref() == Some("https://example.org/budget"))
        );
    });
}

#[test]
fn a_writer_adds_a_claim_from_an_article() {
    rt().block_on(async {
        let d = desk().await;
        let (s, token) = sign_in(&d.app, &d.writer).await;
        let path = format!("/articles/{}/claims", d.article);
        let r = send(
            &d.app,
            post(
                &path,
                Some(&s),
                &[
                    ("csrf", &token),
                    ("quote", "«мы готовы к диалогу»"),
                    ("text", "Russia is ready for dialogue"),
                    ("speaker", "Anatoly Antonov"),
                    ("via", "TASS"),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let article = send(&d.app, get(&format!("/articles/{}", d.article), Some(&s))).await;
        assert!(
            article.body.contains("«мы готовы к диалогу»</a></mark>"),
            "{}",
            article.body
        );
        // A quote that is not in the text is refused with the reason.
        let r = send(
            &d.app,
            post(
                &path,
                Some(&s),
                &[
                    ("csrf", &token),
                    ("quote", "not in the text"),
                    ("text", "x"),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    });
}

#[test]
fn readers_see_no_write_controls_and_cannot_write() {
    rt().block_on(async {
        let d = desk().await;
        let (s, token) = sign_in(&d.app, &d.reader).await;
        let claim = send(&d.app, get(&format!("/claims/{}", d.claim), Some(&s))).await;
        assert!(!claim.body.contains("/verdict\"") && !claim.body.contains("Mark a verdict"));
        let article = send(&d.app, get(&format!("/articles/{}", d.article), Some(&s))).await;
        assert!(!article.body.contains("Add a claim"));
        let before = head(&d.core).await;
        let r = send(
            &d.app,
            post(
                &format!("/claims/{}/verdict", d.claim),
                Some(&s),
                &[("csrf", &token), ("status", "false")],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(head(&d.core).await, before);
    });
}

#[test]
fn sessions_end_on_sign_out_and_with_the_token() {
    rt().block_on(async {
        let d = desk().await;
        let (s, token) = sign_in(&d.app, &d.writer).await;
        let (s2, _) = sign_in(&d.app, &d.writer).await;
        let out = send(&d.app, post("/signout", Some(&s), &[("csrf", &token)])).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(
            send(&d.app, get("/board", Some(&s))).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            send(&d.app, get("/board", Some(&s2))).await.status,
            StatusCode::OK
        );
        d.core.revoke("desk", "Editör Şule").await.unwrap();
        let r = send(&d.app, get("/board", Some(&s2))).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "a revoked token ends its sessions"
        );
    });
}

#[test]
fn the_replica_is_a_cache_rebuilt_from_the_log() {
    rt().block_on(async {
        let d = desk().await;
        let (s, _) = sign_in(&d.app, &d.reader).await;
        let before = send(&d.app, get(&format!("/claims/{}", d.claim), Some(&s))).await;
        assert!(d.board_dir.join("desk.db").is_file());
        drop(d.app);
        std::fs::remove_dir_all(&d.board_dir).unwrap();
        let again = app(&d.core, &d.board_dir);
        let after = send(&again, get(&format!("/claims/{}", d.claim), Some(&s))).await;
        assert_eq!(after.status, StatusCode::OK);
        let strip = |b: &str| b.replace(&csrf(b), "");
        assert_eq!(strip(&before.body), strip(&after.body));
        assert!(d.board_dir.join("desk.db").is_file());
    });
}

/// Claim ids linked from a board page's table, in order.
fn row_ids(body: &str) -> Vec<String> {
    let table = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    table
        .split("<a href=\"/claims/")
        .skip(1)
        .map(|s| s[..36].to_string())
        .collect()
}

fn link(body: &str, rel: &str) -> Option<String> {
    let at = body.find(&format!("rel=\"{rel}\""))?;
    let start = body[..at].rfind("href=\"")? + 6;
    let end = start + body[start..].find('"')?;
    Some(body[start..end].replace("&amp;", "&"))
}

#[test]
fn paging_walks_every_claim_once_both_ways() {
    rt().block_on(async {
        let mut d = desk().await;
        for i in 0..118 {
            d.ana
                .add_claim(NewClaim {
                    text: format!("Claim number {i} about the harbour"),
                    ..Default::default()
                })
                .unwrap();
        }
        push_all(&d.core, &d.ana_token, &d.ana).await;
        let (s, _) = sign_in(&d.app, &d.reader).await;
        let mut path = "/board".to_string();
        let mut pages = Vec::new();
        loop {
            let p = send(&d.app, get(&path, Some(&s))).await;
            assert_eq!(p.status, StatusCode::OK);
            pages.push((path.clone(), row_ids(&p.body)));
            match link(&p.body, "next") {
                Some(next) => path = next,
                None => break,
            }
        }
        assert_eq!(pages.len(), 3, "120 claims, 50 to a page");
        let all: Vec<String> = pages.iter().flat_map(|(_, ids)| ids.clone()).collect();
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!((all.len(), unique.len()), (120, 120));
        // Back from the last page gives the middle page again.
        let last = send(&d.app, get(&pages[2].0, Some(&s))).await;
        let back = link(&last.body, "prev").unwrap();
        let middle = send(&d.app, get(&back, Some(&s))).await;
        assert_eq!(row_ids(&middle.body), pages[1].1);
        assert!(middle.body.contains("page 2 of 3"));
    });
}

#[test]
fn rehearsing_as_a_member_keeps_nothing_and_restores_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("r.db"), Some("keeper")).unwrap();
    let own = store.replica();
    let member = uuid::Uuid::new_v4();
    let before = store.ops().unwrap().len();
    let (id, ops) = store
        .rehearse_as("Şule", member, |s| {
            s.add_claim(NewClaim {
                text: "Rehearsed, not kept".into(),
                ..Default::default()
            })
        })
        .unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!((ops[0].author.as_str(), ops[0].replica), ("Şule", member));
    assert_eq!(ops[0].kind.entity(), id);
    assert_eq!(store.ops().unwrap().len(), before, "nothing was kept");
    assert!(store.claim_show(&id.to_string()).is_err());
    assert_eq!((store.author(), store.replica()), (Some("keeper"), own));
    // A panic inside leaves the store as it was too.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.rehearse_as("Şule", member, |_| -> claimdb::Result<()> {
            panic!("boom")
        });
    }));
    assert!(panicked.is_err());
    assert_eq!((store.author(), store.replica()), (Some("keeper"), own));
    let kept = store
        .add_claim(NewClaim {
            text: "Kept".into(),
            ..Default::default()
        })
        .unwrap();
    let last = store.ops().unwrap().pop().unwrap();
    assert_eq!(
        (last.author.as_str(), last.replica, last.kind.entity()),
        ("keeper", own, kept)
    );
}
