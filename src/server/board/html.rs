//! The board's pages as HTML text. Every value from the data (claim text, names, notes,
//! article text, URLs) goes through [`esc`]; links are made only from http(s) URLs.

use std::fmt::Write;

use crate::server::core::Member;
use crate::views::{ArticleView, ClaimRow, ClaimView, LogEntry, SearchHit};

/// Text made safe for HTML content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A query-string value.
pub fn q(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A link target only for web URLs; anything else (`javascript:`, `data:`) is shown as text.
fn link(url: &str, text: &str) -> String {
    let lower = url.trim_start().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            esc(url),
            esc(text)
        )
    } else {
        esc(text)
    }
}

/// Every status a claim can show, as the board's status filter offers them.
fn statuses() -> impl Iterator<Item = &'static str> {
    crate::model::Status::ALL
        .iter()
        .map(|s| s.as_str())
        .chain(["disputed"])
}

/// The signed-in member, for the page header and forms.
pub struct Viewer<'a> {
    pub member: &'a Member,
    pub csrf: &'a str,
}

impl Viewer<'_> {
    pub fn can_write(&self) -> bool {
        self.member.role.can_write()
    }
    fn csrf_field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            esc(self.csrf)
        )
    }
}

pub fn page(title: &str, viewer: Option<&Viewer<'_>>, body: &str) -> String {
    let header = match viewer {
        Some(v) => format!(
            "<nav aria-label=\"main\"><a href=\"/board\">Claims</a> \
             <span class=\"who\">{} · {} · {}</span>\
             <form method=\"post\" action=\"/signout\" class=\"inline\">{}\
             <button type=\"submit\">Sign out</button></form></nav>",
            esc(&v.member.name),
            esc(v.member.role.as_str()),
            esc(&v.member.workspace),
            v.csrf_field()
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · claimdb</title><link rel=\"stylesheet\" href=\"/static/board.css\">\
         <script src=\"/static/board.js\" defer></script></head>\
         <body><header><strong>claimdb</strong> {header}</header><main>{body}</main></body></html>\n",
        esc(title)
    )
}

pub fn sign_in(error: Option<&str>, csrf: &str) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    page(
        "Sign in",
        None,
        &format!(
            "<h1>Sign in</h1>{error}<form method=\"post\" action=\"/signin\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <label for=\"token\">Your member token</label>\
             <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\">Sign in</button></form>\
             <p class=\"hint\">The token your workspace admin gave you for <code>claimdb remote add</code>.</p>",
            esc(csrf)
        ),
    )
}

/// The board's filters, as given.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub speaker: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub article: String,
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<u64>,
    /// The last claim of the previous page (`created_at~id`): the next page is read by index.
    #[serde(default)]
    pub after: String,
    /// The first claim of the next page, for going back.
    #[serde(default)]
    pub before: String,
}

/// A page cursor: `created_at~id`.
pub fn cursor(s: &str) -> Option<(String, String)> {
    let (at, id) = s.split_once('~')?;
    Some((at.to_string(), id.to_string()))
}

impl Filters {
    fn query(&self, page: u64, cursor: Option<(&str, &str)>) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("status", &self.status),
            ("speaker", &self.speaker),
            ("tag", &self.tag),
            ("article", &self.article),
            ("since", &self.since),
            ("until", &self.until),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", q(v)));
            }
        }
        parts.push(format!("page={page}"));
        if let Some((k, v)) = cursor {
            parts.push(format!("{k}={}", q(v)));
        }
        parts.join("&")
    }
}

/// One board row with what the list query does not carry.
pub struct BoardRow {
    pub claim: ClaimRow,
    pub relays: Vec<String>,
    pub last_change: Option<String>,
}

pub struct BoardData {
    pub rows: Vec<BoardRow>,
    pub hits: Option<Vec<SearchHit>>,
    pub total: u64,
    pub disputed: u64,
    pub edits: usize,
    pub speakers: Vec<String>,
    pub articles: Vec<(uuid::Uuid, String)>,
    pub error: Option<String>,
}

pub const PAGE_SIZE: u64 = 50;

fn status_badge(status: &str) -> String {
    format!(
        "<span class=\"status s-{}\">{}</span>",
        esc(status),
        esc(status)
    )
}

pub fn board(v: &Viewer<'_>, f: &Filters, d: &BoardData) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>Claims</h1><p class=\"counts\"><a href=\"/board?status=disputed\">{} disputed</a> · \
         <a href=\"/conflicts\">{} concurrent edits</a></p>",
        d.disputed, d.edits
    );
    if let Some(e) = &d.error {
        let _ = write!(b, "<p class=\"error\" role=\"alert\">{}</p>", esc(e));
    }
    // Filters: a plain GET form.
    let _ = write!(
        b,
        "<form method=\"get\" action=\"/board\" class=\"filters\" role=\"search\">\
         <label>Search <input name=\"q\" type=\"search\" value=\"{}\"></label>\
         <label>Status <select name=\"status\"><option value=\"\">any</option>",
        esc(&f.q)
    );
    for s in statuses() {
        let sel = if f.status == s { " selected" } else { "" };
        let _ = write!(b, "<option value=\"{s}\"{sel}>{s}</option>");
    }
    let _ = write!(
        b,
        "</select></label><label>Speaker <input name=\"speaker\" list=\"speakers\" value=\"{}\"></label>\
         <datalist id=\"speakers\">",
        esc(&f.speaker)
    );
    for s in &d.speakers {
        let _ = write!(b, "<option value=\"{}\">", esc(s));
    }
    let _ = write!(
        b,
        "</datalist><label>Tag <input name=\"tag\" value=\"{}\"></label>\
         <label>Article <input name=\"article\" list=\"articles\" value=\"{}\"></label>\
         <datalist id=\"articles\">",
        esc(&f.tag),
        esc(&f.article)
    );
    for (id, title) in &d.articles {
        let _ = write!(
            b,
            "<option value=\"{id}\">{}</option>",
            esc(&crate::text::clip(title, 80))
        );
    }
    let _ = write!(
        b,
        "</datalist><label>Logged from <input name=\"since\" type=\"date\" value=\"{}\"></label>\
         <label>to <input name=\"until\" type=\"date\" value=\"{}\"></label>\
         <button type=\"submit\">Filter</button> <a href=\"/board\">Clear</a></form>",
        esc(&f.since),
        esc(&f.until)
    );
    if let Some(hits) = &d.hits {
        let _ = write!(
            b,
            "<p>{} matches, best first.</p><ol class=\"hits\">",
            hits.len()
        );
        for h in hits {
            let _ = write!(
                b,
                "<li>{} <a href=\"/claims/{}\">{}</a><br><span class=\"snippet\">{}</span></li>",
                status_badge(&h.status),
                h.id,
                esc(&h.text),
                snippet(&h.snippet)
            );
        }
        b.push_str("</ol>");
        return page("Claims", Some(v), &b);
    }
    let _ = write!(
        b,
        "<table><caption>{} claim{}</caption><thead><tr><th scope=\"col\">Status</th>\
         <th scope=\"col\">Claim</th><th scope=\"col\">Speaker</th><th scope=\"col\">Relayed by</th>\
         <th scope=\"col\">Tags</th><th scope=\"col\">Last change</th></tr></thead><tbody>",
        d.total,
        if d.total == 1 { "" } else { "s" }
    );
    for r in &d.rows {
        let c = &r.claim;
        let _ = write!(
            b,
            "<tr><td>{}</td><td><a href=\"/claims/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            status_badge(&c.status),
            c.id,
            esc(&c.text),
            esc(c.speaker.as_deref().unwrap_or("")),
            esc(&r.relays.join(", ")),
            esc(&c.tags.join(", ")),
            esc(r.last_change.as_deref().unwrap_or(&c.created_at))
        );
    }
    b.push_str("</tbody></table>");
    let page_no = f.page.unwrap_or(1).max(1);
    let pages = d.total.div_ceil(PAGE_SIZE).max(1);
    b.push_str("<nav class=\"pages\" aria-label=\"pages\">");
    let key = |c: &ClaimRow| format!("{}~{}", c.created_at, c.id);
    if page_no > 1 {
        let back = match d.rows.first() {
            Some(first) if page_no > 2 => {
                f.query(page_no - 1, Some(("before", &key(&first.claim))))
            }
            _ => f.query(1, None),
        };
        let _ = write!(
            b,
            "<a href=\"/board?{}\" rel=\"prev\">Previous</a> ",
            esc(&back)
        );
    }
    let _ = write!(b, "page {page_no} of {pages}");
    if let Some(last) = d.rows.last().filter(|_| page_no < pages) {
        let _ = write!(
            b,
            " <a href=\"/board?{}\" rel=\"next\">Next</a>",
            esc(&f.query(page_no + 1, Some(("after", &key(&last.claim)))))
        );
    }
    b.push_str("</nav>");
    page("Claims", Some(v), &b)
}

/// A search snippet: matches come wrapped in `**`.
fn snippet(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split("**").enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<mark>{}</mark>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// `text` with the character ranges `marks` (claim id, start, end) highlighted and linked;
/// overlapping ranges after the first are left out.
pub fn highlighted(text: &str, marks: &[(String, u64, u64)], focus: Option<&str>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut at = 0usize;
    for (claim, start, end) in marks {
        let (s, e) = (*start as usize, (*end as usize).min(chars.len()));
        if s < at || s >= e {
            continue;
        }
        out.push_str(&esc(&chars[at..s].iter().collect::<String>()));
        let class = if focus == Some(claim.as_str()) {
            " class=\"focus\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<mark{class}><a href=\"/claims/{}\">{}</a></mark>",
            esc(claim),
            esc(&chars[s..e].iter().collect::<String>())
        );
        at = e;
    }
    out.push_str(&esc(&chars[at.min(chars.len())..]
        .iter()
        .collect::<String>()));
    out
}

pub struct ClaimPage {
    pub claim: ClaimView,
    /// For each appearance with an anchored quote: the article's text around it.
    pub excerpts: Vec<Option<String>>,
    pub log: Vec<LogEntry>,
}

pub fn claim(v: &Viewer<'_>, p: &ClaimPage) -> String {
    let c = &p.claim;
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1 class=\"claim-text\">{}</h1><p>{} · speaker: {} · logged {} by {}{}</p>",
        esc(&c.text),
        status_badge(&c.status),
        esc(c
            .speaker
            .as_ref()
            .map(|s| s.name.as_str())
            .unwrap_or("unknown")),
        esc(&c.created_at),
        esc(&c.created_by),
        if c.tags.is_empty() {
            String::new()
        } else {
            format!(" · tags: {}", esc(&c.tags.join(", ")))
        }
    );
    b.push_str("<h2>Appearances</h2><ul class=\"appearances\">");
    for (a, excerpt) in c.appearances.iter().zip(&p.excerpts) {
        b.push_str("<li>");
        if let Some(art) = &a.article {
            let title = art
                .title
                .as_deref()
                .or(art.url.as_deref())
                .unwrap_or("article");
            let _ = write!(b, "in <a href=\"/articles/{}\">{}</a>", art.id, esc(title));
        }
        if let Some(via) = &a.via {
            let _ = write!(b, " · relayed by {}", esc(&via.name));
        }
        match (excerpt, &a.quote) {
            (Some(x), _) => {
                let _ = write!(b, "<blockquote class=\"excerpt\">{x}</blockquote>");
            }
            (None, Some(quote)) => {
                let _ = write!(b, "<blockquote>{}</blockquote>", esc(quote));
            }
            _ => {}
        }
        b.push_str("</li>");
    }
    b.push_str("</ul><h2>Verdicts</h2><ol class=\"verdicts\">");
    for vd in &c.verdicts {
        let _ = write!(
            b,
            "<li>{} by {} at {}{}{}</li>",
            status_badge(&vd.status),
            esc(&vd.author),
            esc(&vd.created_at),
            if vd.current { " (current)" } else { "" },
            vd.note
                .as_deref()
                .map(|n| format!("<p class=\"note\">{}</p>", esc(n)))
                .unwrap_or_default()
        );
    }
    b.push_str("</ol><h2>Evidence</h2><ul>");
    for e in &c.evidence {
        let url = e.url.as_deref().unwrap_or("");
        let _ = write!(
            b,
            "<li>{} ({}){}</li>",
            link(url, url),
            esc(&e.stance),
            e.note
                .as_deref()
                .map(|n| format!(": {}", esc(n)))
                .unwrap_or_default()
        );
    }
    b.push_str("</ul>");
    if !c.conflicts.is_empty() {
        b.push_str("<h2>Concurrent edits</h2><ul>");
        for f in &c.conflicts {
            let _ = write!(
                b,
                "<li>{}: kept {} by {}; also set {}</li>",
                esc(&f.field),
                esc(&f.winner.value.to_string()),
                esc(&f.winner.author),
                esc(&f
                    .losers
                    .iter()
                    .map(|l| format!("{} by {}", l.value, l.author))
                    .collect::<Vec<_>>()
                    .join("; "))
            );
        }
        b.push_str("</ul>");
    }
    if v.can_write() {
        let csrf = v.csrf_field();
        let id = c.id;
        let _ = write!(
            b,
            "<h2>Mark a verdict</h2><form method=\"post\" action=\"/claims/{id}/verdict\">{csrf}\
             <label for=\"v-status\">Status</label><select id=\"v-status\" name=\"status\">"
        );
        for s in statuses().filter(|s| *s != "disputed") {
            let _ = write!(b, "<option value=\"{s}\">{s}</option>");
        }
        let _ = write!(
            b,
            "</select><label for=\"v-note\">Rationale</label><textarea id=\"v-note\" name=\"note\" rows=\"3\"></textarea>\
             <label for=\"v-evidence\">Evidence link (optional)</label><input id=\"v-evidence\" name=\"evidence\" type=\"url\">\
             <button type=\"submit\">Mark</button></form>\
             <h2>Add evidence</h2><form method=\"post\" action=\"/claims/{id}/evidence\">{csrf}\
             <label for=\"e-url\">Link</label><input id=\"e-url\" name=\"url\" type=\"url\" required>\
             <label for=\"e-stance\">Stance</label><select id=\"e-stance\" name=\"stance\">\
             <option value=\"supports\">supports</option><option value=\"refutes\">refutes</option>\
             <option value=\"context\" selected>context</option></select>\
             <label for=\"e-note\">Note</label><input id=\"e-note\" name=\"note\">\
             <button type=\"submit\">Add evidence</button></form>\
             <h2>Tags</h2><form method=\"post\" action=\"/claims/{id}/tags\">{csrf}\
             <label for=\"t-add\">Add tags (comma-separated)</label><input id=\"t-add\" name=\"add\">\
             <label for=\"t-remove\">Remove tags</label><input id=\"t-remove\" name=\"remove\">\
             <button type=\"submit\">Save tags</button></form>"
        );
    }
    b.push_str("<h2>Log</h2><ol class=\"log\">");
    for e in &p.log {
        let _ = write!(
            b,
            "<li>{} · {} · {}</li>",
            esc(&e.at),
            esc(&e.author),
            esc(&e.summary)
        );
    }
    b.push_str("</ol>");
    page(&crate::text::clip(&c.text, 60), Some(v), &b)
}

pub fn article(
    v: &Viewer<'_>,
    a: &ArticleView,
    text: Option<&str>,
    marks: &[(String, u64, u64)],
) -> String {
    let mut b = String::new();
    let title = a
        .title
        .as_deref()
        .or(a.url.as_deref())
        .unwrap_or(&a.short_id);
    let _ = write!(b, "<h1>{}</h1><p>", esc(title));
    if let Some(url) = &a.url {
        b.push_str(&link(url, url));
    }
    if let Some(o) = &a.outlet {
        let _ = write!(b, " · {}", esc(o));
    }
    if let Some(p) = &a.published {
        let _ = write!(b, " · {}", esc(p));
    }
    b.push_str("</p>");
    match text {
        Some(t) => {
            let _ = write!(
                b,
                "<div id=\"article-text\" class=\"article-text\">{}</div>",
                highlighted(t, marks, None)
            );
        }
        None => b.push_str("<p>The text of this article is not stored.</p>"),
    }
    if v.can_write() {
        let _ = write!(
            b,
            "<h2>Add a claim from this article</h2>\
             <form method=\"post\" action=\"/articles/{}/claims\" id=\"add-claim\">{}\
             <label for=\"c-quote\">Quote (select it in the text above, or type it exactly)</label>\
             <textarea id=\"c-quote\" name=\"quote\" rows=\"2\"></textarea>\
             <label for=\"c-text\">Claim</label><textarea id=\"c-text\" name=\"text\" rows=\"2\" required></textarea>\
             <label for=\"c-speaker\">Speaker</label><input id=\"c-speaker\" name=\"speaker\">\
             <label for=\"c-via\">Relayed by</label><input id=\"c-via\" name=\"via\">\
             <button type=\"submit\">Add claim</button></form>",
            a.id,
            v.csrf_field()
        );
    }
    page(title, Some(v), &b)
}

pub fn conflicts(v: &Viewer<'_>, c: &crate::store::Conflicts) -> String {
    let mut b = String::from("<h1>Disputed claims and concurrent edits</h1><h2>Disputed</h2><ul>");
    for d in &c.disputed {
        let _ = write!(
            b,
            "<li><a href=\"/claims/{}\">{}</a>: {}</li>",
            d.id,
            esc(&d.text),
            esc(&d
                .disputed
                .iter()
                .map(|v| format!("{} by {}", v.status, v.author))
                .collect::<Vec<_>>()
                .join(" / "))
        );
    }
    b.push_str("</ul><h2>Concurrent edits</h2><ul>");
    for f in &c.fields {
        let _ = write!(
            b,
            "<li><a href=\"/claims/{}\">{}</a>: {} kept {}</li>",
            f.claim,
            esc(&f.short_id),
            esc(&f.field),
            esc(&f.winner.value.to_string())
        );
    }
    b.push_str("</ul>");
    page("Conflicts", Some(v), &b)
}

pub fn message(v: Option<&Viewer<'_>>, title: &str, text: &str) -> String {
    page(
        title,
        v,
        &format!(
            "<h1>{}</h1><p>{}</p><p><a href=\"/board\">Back to the claims</a></p>",
            esc(title),
            esc(text)
        ),
    )
}
