//! claimdb's lossless interchange records, shared by the JSON and JSON Lines formats.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Read, Seek, SeekFrom, Write};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::{Anchor, SourceKind, Stance, Status};
use crate::ops::{ClaimField, OpKind};
use crate::store::{Store, unique};
use crate::text::{self, MAX_CLAIM_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_QUOTE_CHARS};

/// One exported entity. JSON Lines files hold one per line; JSON files hold them under
/// `records`. Records refer to each other by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    Source {
        id: Uuid,
        name: String,
        kind: SourceKind,
        url: Option<String>,
        #[serde(default)]
        aliases: Vec<String>,
        created_at: DateTime<Utc>,
    },
    Article {
        id: Uuid,
        url: Option<String>,
        title: Option<String>,
        outlet: Option<Uuid>,
        published: Option<NaiveDate>,
        lang: Option<String>,
        text: Option<String>,
        text_sha256: Option<String>,
        created_at: DateTime<Utc>,
    },
    Claim {
        id: Uuid,
        text: String,
        speaker: Option<Uuid>,
        said_on: Option<NaiveDate>,
        #[serde(default)]
        tags: Vec<String>,
        /// Derived from the verdicts; informative only, ignored on import.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        #[serde(default)]
        deleted: bool,
        created_at: DateTime<Utc>,
        created_by: String,
    },
    Appearance {
        id: Uuid,
        claim: Uuid,
        article: Option<Uuid>,
        via: Option<Uuid>,
        quote: Option<String>,
        anchor: Option<Anchor>,
        created_at: DateTime<Utc>,
    },
    Verdict {
        id: Uuid,
        claim: Uuid,
        status: Status,
        note: Option<String>,
        author: String,
        #[serde(default)]
        supersedes: Vec<Uuid>,
        created_at: DateTime<Utc>,
    },
    Evidence {
        id: Uuid,
        claim: Uuid,
        url: Option<String>,
        stance: Stance,
        note: Option<String>,
        created_at: DateTime<Utc>,
    },
    /// A review of the claim published elsewhere (see `OpKind::AddReview`).
    Review {
        id: Uuid,
        claim: Uuid,
        url: String,
        publisher: Option<String>,
        publisher_site: Option<String>,
        title: Option<String>,
        rating: Option<String>,
        rating_value: Option<String>,
        best_rating: Option<String>,
        worst_rating: Option<String>,
        reviewed_on: Option<NaiveDate>,
        lang: Option<String>,
        claimant: Option<String>,
        #[serde(default)]
        appearances: Vec<String>,
        created_at: DateTime<Utc>,
    },
}

impl Record {
    fn rank(&self) -> u8 {
        match self {
            Record::Source { .. } => 0,
            Record::Article { .. } => 1,
            Record::Claim { .. } => 2,
            Record::Appearance { .. } => 3,
            Record::Verdict { .. } => 4,
            Record::Evidence { .. } => 5,
            Record::Review { .. } => 6,
        }
    }

    /// The sources and articles a record refers to.
    fn refers_to(&self) -> Vec<Uuid> {
        match self {
            Record::Article { outlet, .. } => outlet.iter().copied().collect(),
            Record::Claim { speaker, .. } => speaker.iter().copied().collect(),
            Record::Appearance { article, via, .. } => article.iter().chain(via).copied().collect(),
            _ => Vec::new(),
        }
    }

    /// The claim a record belongs to, for records that hang off one.
    fn parent_claim(&self) -> Option<Uuid> {
        match self {
            Record::Appearance { claim, .. }
            | Record::Verdict { claim, .. }
            | Record::Evidence { claim, .. }
            | Record::Review { claim, .. } => Some(*claim),
            _ => None,
        }
    }

    fn id(&self) -> Uuid {
        match self {
            Record::Source { id, .. }
            | Record::Article { id, .. }
            | Record::Claim { id, .. }
            | Record::Appearance { id, .. }
            | Record::Verdict { id, .. }
            | Record::Evidence { id, .. }
            | Record::Review { id, .. } => *id,
        }
    }

    fn table(&self) -> &'static str {
        [
            "sources",
            "articles",
            "claims",
            "appearances",
            "verdicts",
            "evidence",
            "reviews",
        ][self.rank() as usize]
    }

    /// Check texts against the same limits the commands apply.
    fn validate(&self) -> Result<()> {
        let date = match self {
            Record::Claim { said_on, .. } => *said_on,
            Record::Article { published, .. } => *published,
            _ => None,
        };
        if let Some(d) = date {
            text::check_date("a date", d)?;
        }
        let created = match self {
            Record::Source { created_at, .. }
            | Record::Article { created_at, .. }
            | Record::Claim { created_at, .. }
            | Record::Appearance { created_at, .. }
            | Record::Verdict { created_at, .. }
            | Record::Evidence { created_at, .. }
            | Record::Review { created_at, .. } => created_at,
        };
        crate::validate::check_created_at(created)?;
        let check = |what: &str, v: &Option<String>, max: usize| -> Result<()> {
            if let Some(v) = v {
                text::required(what, v, max)?;
            }
            Ok(())
        };
        match self {
            Record::Source {
                name, url, aliases, ..
            } => {
                text::required("source name", name, MAX_NAME_CHARS)?;
                check("source URL", url, MAX_NAME_CHARS)?;
                for a in aliases {
                    text::required("alias", a, MAX_NAME_CHARS)?;
                }
            }
            Record::Article {
                url,
                title,
                lang,
                text: body,
                text_sha256,
                ..
            } => {
                if let Some(sum) = text_sha256 {
                    crate::validate::check_sha256(body.as_deref(), sum)?;
                }
                check("article URL", url, MAX_NAME_CHARS)?;
                check("title", title, MAX_NAME_CHARS)?;
                check("language", lang, 35)?;
                if body
                    .as_ref()
                    .is_some_and(|b| b.len() > text::MAX_ARTICLE_BYTES)
                {
                    return Err(Error::invalid("the article text is over the size limit"));
                }
            }
            Record::Claim {
                text: t,
                tags,
                created_by,
                ..
            } => {
                text::required("claim text", t, MAX_CLAIM_CHARS)?;
                text::required("created_by", created_by, MAX_NAME_CHARS)?;
                for tag in tags {
                    text::tag(tag)?;
                }
            }
            Record::Appearance { quote, anchor, .. } => {
                check("quote", quote, MAX_QUOTE_CHARS)?;
                if let Some(a) = anchor {
                    crate::validate::check_anchor(quote.as_deref(), a)?;
                }
            }
            Record::Verdict { note, author, .. } => {
                check("note", note, MAX_NOTE_CHARS)?;
                text::required("author", author, MAX_NAME_CHARS)?;
            }
            Record::Evidence { url, note, .. } => {
                check("evidence URL", url, MAX_NAME_CHARS)?;
                check("note", note, MAX_NOTE_CHARS)?;
                if url.is_none() && note.is_none() {
                    return Err(Error::invalid("evidence needs a url or a note"));
                }
            }
            // Every rule of a review is one of its operation.
            Record::Review { .. } => {
                if let Some(op) = self.clone().into_review_op() {
                    crate::validate::change(&op)?;
                }
            }
        }
        Ok(())
    }

    /// The ids of other records this one refers to, with their tables.
    fn references(&self) -> Vec<(&'static str, Uuid)> {
        let mut out = Vec::new();
        match self {
            Record::Source { .. } => {}
            Record::Article { outlet, .. } => out.extend(outlet.map(|o| ("sources", o))),
            Record::Claim { speaker, .. } => out.extend(speaker.map(|s| ("sources", s))),
            Record::Appearance {
                claim,
                article,
                via,
                ..
            } => {
                out.push(("claims", *claim));
                out.extend(article.map(|a| ("articles", a)));
                out.extend(via.map(|v| ("sources", v)));
            }
            Record::Verdict { claim, .. }
            | Record::Evidence { claim, .. }
            | Record::Review { claim, .. } => out.push(("claims", *claim)),
        }
        out
    }

    /// The operation that records a review record.
    fn into_review_op(self) -> Option<OpKind> {
        match self {
            Record::Review {
                id,
                claim,
                url,
                publisher,
                publisher_site,
                title,
                rating,
                rating_value,
                best_rating,
                worst_rating,
                reviewed_on,
                lang,
                claimant,
                appearances,
                created_at,
            } => Some(OpKind::AddReview {
                review: id,
                claim,
                url,
                publisher,
                publisher_site,
                title,
                rating,
                rating_value,
                best_rating,
                worst_rating,
                reviewed_on,
                lang,
                claimant,
                appearances,
                created_at,
            }),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub sources: usize,
    pub articles: usize,
    pub claims: usize,
    pub appearances: usize,
    pub verdicts: usize,
    pub evidence: usize,
    /// Reviews published elsewhere.
    pub reviews: usize,
    /// Records whose id was already in the database.
    pub skipped: usize,
}

impl ImportSummary {
    pub fn imported(&self) -> usize {
        self.sources
            + self.articles
            + self.claims
            + self.appearances
            + self.verdicts
            + self.evidence
            + self.reviews
    }
}

/// Longest line of a JSON Lines file `import` reads: a record holding the largest article
/// text, escaped, fits with room to spare.
pub const MAX_LINE_BYTES: usize = 64 << 20;
/// Largest JSON document `import` reads, since a document is read whole; JSON Lines files
/// are read a line at a time and have no such limit.
pub const MAX_DOCUMENT_BYTES: usize = 256 << 20;

/// Where one record is in the input, and where it goes in the log.
struct Entry {
    pos: u64,
    len: u32,
    line: u32,
    key: (u8, u32, u8),
}

/// The records of a file, as positions rather than contents, and the order they are logged
/// in: sources, then articles, then each claim followed by its appearances, verdicts and
/// evidence, otherwise in file order. Everything a record refers to comes before it, and a
/// member who pulls the log later indexes each claim once rather than once per kind of
/// record. Memory is a few dozen bytes per record, whatever the records hold.
#[derive(Default)]
pub(crate) struct Plan {
    entries: Vec<Entry>,
    claim_at: HashMap<Uuid, u32>,
    /// Records listed before the claim they belong to: (entry, claim).
    early: Vec<(u32, Uuid)>,
    unit: &'static str,
}

impl Plan {
    fn push(&mut self, record: &Record, pos: usize, len: usize, line: usize) {
        let i = self.entries.len() as u32;
        let rank = record.rank();
        let key = match record.parent_claim() {
            None if rank < 2 => (rank, i, 0),
            None => {
                self.claim_at.entry(record.id()).or_insert(i);
                (2, i, 0)
            }
            Some(c) => match self.claim_at.get(&c) {
                Some(&at) => (2, at, rank),
                None => {
                    self.early.push((i, c));
                    (2, i, rank)
                }
            },
        };
        self.entries.push(Entry {
            pos: pos as u64,
            len: len as u32,
            line: line as u32,
            key,
        });
    }

    fn into_order(mut self) -> Vec<Entry> {
        for (i, c) in std::mem::take(&mut self.early) {
            if let Some(&at) = self.claim_at.get(&c) {
                self.entries[i as usize].key.1 = at;
            }
        }
        // Stable: records with one key keep their file order.
        self.entries.sort_by_key(|e| e.key);
        self.entries
    }
}

/// Read a JSON Lines file a line at a time, checking each record; every line read is also
/// copied to `spool`, when given, to be read again from there.
pub(crate) fn scan_jsonl(
    input: &mut dyn BufRead,
    mut spool: Option<&mut dyn Write>,
) -> std::result::Result<Plan, String> {
    let mut plan = Plan {
        unit: "line",
        ..Plan::default()
    };
    let mut buf = Vec::new();
    let (mut pos, mut line) = (0usize, 0usize);
    let mut bad = None;
    loop {
        buf.clear();
        let n = input
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("line {}: cannot read: {e}", line + 1))?;
        if n == 0 {
            break;
        }
        line += 1;
        if n > MAX_LINE_BYTES {
            return Err(format!(
                "line {line} is longer than {} MiB, more than any record can be; this is not a claimdb JSON Lines file",
                MAX_LINE_BYTES >> 20
            ));
        }
        if let Some(s) = spool.as_mut() {
            s.write_all(&buf)
                .map_err(|e| format!("cannot keep a copy of the input: {e}"))?;
        }
        let start = pos;
        pos += n;
        let text = std::str::from_utf8(&buf)
            .map_err(|_| format!("line {line}: not valid UTF-8; save the file as UTF-8"))?;
        if bad.is_some() {
            // Past a bad record only the encoding is checked: a file that is not UTF-8 at
            // all is told so, wherever its first bad record is.
            continue;
        }
        let body = text.strip_suffix('\n').unwrap_or(text);
        let body = body.strip_suffix('\r').unwrap_or(body);
        if body.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str::<Record>(body)
            .map_err(|e| format!("line {line}: {e}; fix or remove that line"))
            .and_then(|r| {
                r.validate()
                    .map(|_| r)
                    .map_err(|e| format!("line {line}: {e}"))
            });
        match record {
            Ok(record) => plan.push(&record, start, body.len(), line),
            Err(e) => bad = Some(e),
        }
    }
    match bad {
        Some(e) => Err(e),
        None => Ok(plan),
    }
}

/// Check a claimdb JSON document (read whole, at most [`MAX_DOCUMENT_BYTES`]).
pub(crate) fn scan_json(text: &str) -> std::result::Result<Plan, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc<'a> {
        format: String,
        version: u32,
        #[serde(borrow)]
        records: Vec<&'a serde_json::value::RawValue>,
    }
    let doc: Doc = serde_json::from_str(text)
        .map_err(|e| format!("line {}: {e}; this must be a claimdb JSON export", e.line()))?;
    if doc.format != "claimdb" || doc.version != 1 {
        return Err(format!(
            "line 1: format '{}' version {} is not a claimdb export this version reads",
            doc.format, doc.version
        ));
    }
    // Records carry no line of their own once parsed; report their position instead.
    let mut plan = Plan {
        unit: "record",
        ..Plan::default()
    };
    for (i, raw) in doc.records.iter().enumerate() {
        let record: Record =
            serde_json::from_str(raw.get()).map_err(|e| format!("record {}: {e}", i + 1))?;
        record
            .validate()
            .map_err(|e| format!("record {}: {e}", i + 1))?;
        let pos = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        plan.push(&record, pos, raw.get().len(), i + 1);
    }
    Ok(plan)
}

fn exists(conn: &Connection, table: &str, id: Uuid) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {table} WHERE id = ?1"))?
        .query_row([id.to_string()], |r| r.get(0))?;
    Ok(n > 0)
}

/// Whether an operation after `seq` (this import's) created or changed `id`.
fn logged_since(conn: &Connection, id: Uuid, seq: i64) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM ops WHERE entity = ?1 AND seq > ?2")?
        .query_row(rusqlite::params![id.to_string(), seq], |r| r.get(0))?;
    Ok(n > 0)
}

/// Apply the planned records, read again from `src`, as operations in one transaction;
/// records whose id exists are skipped. Each is checked as the command that makes it would
/// check it.
pub(crate) fn import<R: Read + Seek>(
    store: &mut Store,
    plan: Plan,
    mut src: R,
) -> Result<ImportSummary> {
    let unit = plan.unit;
    let entries = plan.into_order();
    store.write_bulk(entries.len(), |w| {
        let start: i64 = w
            .conn()
            .query_row("SELECT coalesce(max(seq), 0) FROM ops", [], |r| r.get(0))?;
        let mut sum = ImportSummary::default();
        let mut buf = Vec::new();
        for e in &entries {
            let at = || format!("{unit} {}", e.line);
            buf.resize(e.len as usize, 0);
            src.seek(SeekFrom::Start(e.pos))
                .and_then(|_| src.read_exact(&mut buf))
                .map_err(|err| Error::io("cannot read the file again", err))?;
            let record: Record = serde_json::from_slice(&buf).map_err(|err| {
                Error::Invalid(format!(
                    "{}: {err} (the file changed while importing)",
                    at()
                ))
            })?;
            import_one(w, record, start, &mut sum).map_err(|err| match err {
                Error::Invalid(m) | Error::NotFound(m) | Error::Ambiguous(m) => {
                    Error::Invalid(format!("{}: {m}", at()))
                }
                other => other,
            })?;
        }
        Ok(sum)
    })
}

/// Check an anchor against the article's text: it must lie within it, hold the quote, and
/// carry the text around it as its context.
fn check_anchor(body: &str, quote: &str, a: &Anchor) -> Result<()> {
    let byte = |n: u64| {
        body.char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(body.len()))
            .nth(n as usize)
    };
    let (Some(s), Some(e)) = (byte(a.start), byte(a.end)) else {
        return Err(Error::Invalid(format!(
            "the quote anchor {}..{} is past the end of the article's text ({} characters)",
            a.start,
            a.end,
            body.chars().count()
        )));
    };
    if body[s..e] != *quote {
        return Err(Error::Invalid(format!(
            "the article's text at the quote anchor {}..{} is not the quote; drop the anchor to have the quote found",
            a.start, a.end
        )));
    }
    if !body[..s].ends_with(&a.prefix) || !body[e..].starts_with(&a.suffix) {
        return Err(Error::invalid(
            "the quote anchor's prefix or suffix is not the article's text around the quote",
        ));
    }
    Ok(())
}

/// Whether `verdict` supersedes itself, directly or through the verdicts it supersedes.
fn supersedes_itself(conn: &Connection, verdict: Uuid) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached(
            "WITH RECURSIVE below(id) AS (
                SELECT superseded_id FROM verdict_supersedes WHERE verdict_id = ?1
                UNION SELECT s.superseded_id FROM verdict_supersedes s JOIN below b ON s.verdict_id = b.id)
             SELECT count(*) FROM below WHERE id = ?1",
        )?
        .query_row([verdict.to_string()], |r| r.get(0))?;
    Ok(n > 0)
}

fn import_one(
    w: &mut crate::store::Writer<'_>,
    record: Record,
    start: i64,
    sum: &mut ImportSummary,
) -> Result<()> {
    for (table, id) in record.references() {
        // Whatever the file holds that this record refers to was logged before it.
        if !exists(w.conn(), table, id)? {
            return Err(Error::Invalid(format!(
                "refers to {} {id}, which is neither in the file nor in the database",
                &table[..table.len() - 1].replace("evidenc", "evidence")
            )));
        }
    }
    if exists(w.conn(), record.table(), record.id())? {
        if logged_since(w.conn(), record.id(), start)? {
            return Err(Error::Invalid(format!(
                "id {} appears twice in the file",
                record.id()
            )));
        }
        sum.skipped += 1;
        return Ok(());
    }
    match record {
        Record::Source {
            id,
            name,
            kind,
            url,
            aliases,
            created_at,
        } => {
            let names = std::iter::once(&name).chain(&aliases).map(String::as_str);
            unique::check_source_names(w.conn(), Some(id), names)?;
            w.emit(OpKind::CreateSource {
                source: id,
                name,
                kind,
                url,
                aliases,
                created_at,
            })?;
            sum.sources += 1;
        }
        Record::Article {
            id,
            url,
            title,
            outlet,
            published,
            lang,
            text,
            text_sha256,
            created_at,
        } => {
            // Kept trimmed, as `article add` keeps it, so that one URL is one string.
            let url = url.map(|u| u.trim().to_string());
            if let Some(u) = &url {
                unique::check_article_url(w.conn(), Some(id), u)?;
            }
            let text_sha256 = text
                .as_deref()
                .map(crate::store::sha256_hex)
                .or(text_sha256);
            w.emit(OpKind::CreateArticle {
                article: id,
                url,
                title,
                outlet,
                published,
                lang,
                text,
                text_sha256,
                created_at,
            })?;
            sum.articles += 1;
        }
        Record::Claim {
            id,
            text,
            speaker,
            said_on,
            tags,
            deleted,
            created_at,
            created_by,
            ..
        } => {
            w.emit(OpKind::CreateClaim {
                claim: id,
                text,
                speaker,
                said_on,
                tags: tags.iter().map(|t| crate::text::fold_tag(t)).collect(),
                created_at,
                created_by,
            })?;
            if deleted {
                w.emit(OpKind::SetClaim {
                    claim: id,
                    set: ClaimField::Deleted(true),
                    prev: ClaimField::Deleted(false),
                    prev_op: None,
                    resolves: Vec::new(),
                })?;
            }
            sum.claims += 1;
        }
        Record::Appearance {
            id,
            claim,
            article,
            via,
            quote,
            anchor,
            created_at,
        } => {
            // Anchored as `claim add --quote` anchors: in the article's text, when it has one.
            let body: Option<String> = match article {
                Some(a) => w.conn().query_row(
                    "SELECT body FROM articles WHERE id = ?1",
                    [a.to_string()],
                    |r| r.get(0),
                )?,
                None => None,
            };
            let anchor = match (quote.as_deref(), anchor, body) {
                (Some(q), Some(a), Some(b)) => {
                    check_anchor(&b, q, &a)?;
                    Some(a)
                }
                (_, Some(_), _) => {
                    return Err(Error::invalid(
                        "the quote anchor points into no text: its article has no stored text",
                    ));
                }
                (Some(q), None, Some(b)) => Some(text::anchor(&b, q)?),
                (_, None, _) => None,
            };
            w.emit(OpKind::AddAppearance {
                appearance: id,
                claim,
                article,
                via,
                quote,
                anchor,
                created_at,
            })?;
            sum.appearances += 1;
        }
        Record::Verdict {
            id,
            claim,
            status,
            note,
            author,
            supersedes,
            created_at,
        } => {
            w.emit(OpKind::AddVerdict {
                verdict: id,
                claim,
                status,
                note,
                author,
                supersedes,
                created_at,
            })?;
            if supersedes_itself(w.conn(), id)? {
                return Err(Error::Invalid(format!(
                    "verdict {id} supersedes itself, directly or through the verdicts it supersedes; a verdict supersedes only earlier ones"
                )));
            }
            sum.verdicts += 1;
        }
        Record::Evidence {
            id,
            claim,
            url,
            stance,
            note,
            created_at,
        } => {
            w.emit(OpKind::AddEvidence {
                evidence: id,
                claim,
                url,
                stance,
                note,
                created_at,
            })?;
            sum.evidence += 1;
        }
        review @ Record::Review { .. } => {
            w.emit(review.into_review_op().expect("a review record"))?;
            sum.reviews += 1;
        }
    }
    Ok(())
}

fn parse_time(s: String) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

fn opt_uuid(s: Option<String>) -> Option<Uuid> {
    s.and_then(|s| Uuid::parse_str(&s).ok())
}

fn opt_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| s.parse().ok())
}

impl Store {
    /// Every entity as an interchange record, in a canonical order (by kind, then id).
    pub fn export_records(&self) -> Result<Vec<Record>> {
        let c = self.conn();
        let mut out = Vec::new();
        let mut q =
            |sql: &str, f: &dyn Fn(&rusqlite::Row<'_>) -> rusqlite::Result<Record>| -> Result<()> {
                let mut stmt = c.prepare(sql)?;
                let rows = stmt.query_map([], f)?;
                for r in rows {
                    out.push(r?);
                }
                Ok(())
            };
        let list = |sql: &str, id: &str| -> rusqlite::Result<Vec<String>> {
            c.prepare_cached(sql)?
                .query_map([id], |r| r.get(0))?
                .collect()
        };
        q(
            "SELECT id, name, kind, url, created_at FROM sources
             WHERE id NOT IN (SELECT source_id FROM source_canon) ORDER BY id",
            &|r| {
                let id: String = r.get(0)?;
                Ok(Record::Source {
                    aliases: list(
                        "SELECT name FROM source_names WHERE (source_id = ?1 AND is_alias)
                            OR source_id IN (SELECT source_id FROM source_canon WHERE canon_id = ?1)
                         ORDER BY folded",
                        &id,
                    )?,
                    id: Uuid::parse_str(&id).unwrap_or_default(),
                    name: r.get(1)?,
                    kind: r.get::<_, String>(2)?.parse().unwrap_or(SourceKind::Person),
                    url: r.get(3)?,
                    created_at: parse_time(r.get(4)?),
                })
            },
        )?;
        q(
            "SELECT id, url, title, outlet_id, published, lang, body, body_sha256, created_at
             FROM articles ORDER BY id",
            &|r| {
                Ok(Record::Article {
                    id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    url: r.get(1)?,
                    title: r.get(2)?,
                    outlet: opt_uuid(r.get(3)?),
                    published: opt_date(r.get(4)?),
                    lang: r.get(5)?,
                    text: r.get(6)?,
                    text_sha256: r.get(7)?,
                    created_at: parse_time(r.get(8)?),
                })
            },
        )?;
        q(
            "SELECT id, text, speaker_id, said_on, status, deleted, created_at, created_by
             FROM claims ORDER BY id",
            &|r| {
                let id: String = r.get(0)?;
                Ok(Record::Claim {
                    tags: list(
                        "SELECT tag FROM claim_tags WHERE claim_id = ?1 ORDER BY tag",
                        &id,
                    )?,
                    id: Uuid::parse_str(&id).unwrap_or_default(),
                    text: r.get(1)?,
                    speaker: opt_uuid(r.get(2)?),
                    said_on: opt_date(r.get(3)?),
                    status: Some(r.get(4)?),
                    deleted: r.get(5)?,
                    created_at: parse_time(r.get(6)?),
                    created_by: r.get(7)?,
                })
            },
        )?;
        q(
            "SELECT id, claim_id, article_id, via_id, quote, quote_start, quote_end, prefix, suffix,
                    created_at FROM appearances ORDER BY id",
            &|r| {
                let anchor = match (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<i64>>(6)?) {
                    (Some(s), Some(e)) => Some(Anchor {
                        start: s as u64,
                        end: e as u64,
                        prefix: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                        suffix: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                    }),
                    _ => None,
                };
                Ok(Record::Appearance {
                    id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    claim: Uuid::parse_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                    article: opt_uuid(r.get(2)?),
                    via: opt_uuid(r.get(3)?),
                    quote: r.get(4)?,
                    anchor,
                    created_at: parse_time(r.get(9)?),
                })
            },
        )?;
        q(
            "SELECT id, claim_id, status, note, author, created_at FROM verdicts ORDER BY id",
            &|r| {
                let id: String = r.get(0)?;
                Ok(Record::Verdict {
                    supersedes: list(
                        "SELECT superseded_id FROM verdict_supersedes WHERE verdict_id = ?1
                         ORDER BY superseded_id",
                        &id,
                    )?
                    .into_iter()
                    .filter_map(|s| Uuid::parse_str(&s).ok())
                    .collect(),
                    id: Uuid::parse_str(&id).unwrap_or_default(),
                    claim: Uuid::parse_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                    status: r.get::<_, String>(2)?.parse().unwrap_or(Status::Unverified),
                    note: r.get(3)?,
                    author: r.get(4)?,
                    created_at: parse_time(r.get(5)?),
                })
            },
        )?;
        q(
            "SELECT id, claim_id, url, stance, note, created_at FROM evidence ORDER BY id",
            &|r| {
                Ok(Record::Evidence {
                    id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    claim: Uuid::parse_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                    url: r.get(2)?,
                    stance: r.get::<_, String>(3)?.parse().unwrap_or(Stance::Context),
                    note: r.get(4)?,
                    created_at: parse_time(r.get(5)?),
                })
            },
        )?;
        q(
            "SELECT id, claim_id, url, publisher, publisher_site, title, rating, rating_value,
                    best_rating, worst_rating, reviewed_on, lang, claimant, appearances, created_at
             FROM reviews ORDER BY id",
            &|r| {
                Ok(Record::Review {
                    id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    claim: Uuid::parse_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                    url: r.get(2)?,
                    publisher: r.get(3)?,
                    publisher_site: r.get(4)?,
                    title: r.get(5)?,
                    rating: r.get(6)?,
                    rating_value: r.get(7)?,
                    best_rating: r.get(8)?,
                    worst_rating: r.get(9)?,
                    reviewed_on: opt_date(r.get(10)?),
                    lang: r.get(11)?,
                    claimant: r.get(12)?,
                    appearances: serde_json::from_str(&r.get::<_, String>(13)?).unwrap_or_default(),
                    created_at: parse_time(r.get(14)?),
                })
            },
        )?;
        Ok(out)
    }
}

/// The records of the claims in `keep`, with what hangs off them and the sources and
/// articles they refer to: a part of an export that imports on its own.
pub(super) fn only_claims(records: Vec<Record>, keep: &HashSet<Uuid>) -> Vec<Record> {
    let claimed: Vec<Record> = records
        .iter()
        .filter(|r| match r {
            Record::Claim { id, .. } => keep.contains(id),
            _ => r.parent_claim().is_some_and(|c| keep.contains(&c)),
        })
        .cloned()
        .collect();
    let mut wanted: HashSet<Uuid> = claimed.iter().flat_map(Record::refers_to).collect();
    // An article's outlet is wanted too.
    for r in &records {
        if let Record::Article { id, .. } = r {
            if wanted.contains(id) {
                wanted.extend(r.refers_to());
            }
        }
    }
    let mut out: Vec<Record> = records
        .into_iter()
        .filter(|r| {
            matches!(r, Record::Source { .. } | Record::Article { .. }) && wanted.contains(&r.id())
        })
        .collect();
    out.extend(claimed);
    out
}
