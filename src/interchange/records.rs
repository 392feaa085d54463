//! claimdb's lossless interchange records, shared by the JSON and JSON Lines formats.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::{Anchor, SourceKind, Stance, Status};
use crate::ops::{ClaimField, OpKind};
use crate::store::Store;
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
        }
    }

    /// The claim a record belongs to, for records that hang off one.
    fn parent_claim(&self) -> Option<Uuid> {
        match self {
            Record::Appearance { claim, .. }
            | Record::Verdict { claim, .. }
            | Record::Evidence { claim, .. } => Some(*claim),
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
            | Record::Evidence { id, .. } => *id,
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
            | Record::Evidence { created_at, .. } => created_at,
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
            Record::Verdict { claim, .. } | Record::Evidence { claim, .. } => {
                out.push(("claims", *claim))
            }
        }
        out
    }
}

/// Where a record came from, for error messages.
pub(crate) struct Located {
    /// Line in a JSON Lines file, or position in a JSON file's `records`.
    pub line: usize,
    pub unit: &'static str,
    pub record: Record,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub sources: usize,
    pub articles: usize,
    pub claims: usize,
    pub appearances: usize,
    pub verdicts: usize,
    pub evidence: usize,
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
    }
}

pub(crate) fn parse_jsonl(text: &str) -> std::result::Result<Vec<Located>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(line)
            .map_err(|e| format!("line {}: {e}; fix or remove that line", i + 1))?;
        out.push(Located {
            line: i + 1,
            unit: "line",
            record,
        });
    }
    Ok(out)
}

pub(crate) fn parse_json(text: &str) -> std::result::Result<Vec<Located>, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        format: String,
        version: u32,
        records: Vec<Box<serde_json::value::RawValue>>,
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
    doc.records
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_str(v.get())
                .map(|record| Located {
                    line: i + 1,
                    unit: "record",
                    record,
                })
                .map_err(|e| format!("record {}: {e}", i + 1))
        })
        .collect()
}

fn exists(conn: &Connection, table: &str, id: Uuid) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {table} WHERE id = ?1"))?
        .query_row([id.to_string()], |r| r.get(0))?;
    Ok(n > 0)
}

/// Apply the records as operations in one transaction; records whose id exists are skipped.
/// The order records are logged in: sources, then articles, then each claim followed by
/// its appearances, verdicts and evidence, otherwise in file order. Everything a record
/// refers to comes before it, and a member who pulls the log later indexes each claim once
/// rather than once per kind of record.
fn log_order(records: Vec<Located>) -> Vec<Located> {
    let claim_at: HashMap<Uuid, usize> = records
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l.record, Record::Claim { .. }))
        .map(|(i, l)| (l.record.id(), i))
        .collect();
    let mut keyed: Vec<((u8, usize, u8), Located)> = records
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let rank = l.record.rank();
            let key = match l.record.parent_claim() {
                None if rank < 2 => (rank, i, 0),
                None => (2, i, 0),
                Some(c) => (2, claim_at.get(&c).copied().unwrap_or(i), rank),
            };
            (key, l)
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    keyed.into_iter().map(|(_, l)| l).collect()
}

pub(crate) fn import(store: &mut Store, records: Vec<Located>) -> Result<ImportSummary> {
    let at = |l: &Located| format!("{} {}", l.unit, l.line);
    let mut in_file: HashSet<(&'static str, Uuid)> = HashSet::new();
    for l in &records {
        l.record
            .validate()
            .map_err(|e| Error::Invalid(format!("{}: {e}", at(l))))?;
        if !in_file.insert((l.record.table(), l.record.id())) {
            return Err(Error::Invalid(format!(
                "{}: id {} appears twice in the file",
                at(l),
                l.record.id()
            )));
        }
    }
    let records = log_order(records);
    store.write_bulk(records.len(), |w| {
        let mut sum = ImportSummary::default();
        for l in &records {
            for (table, id) in l.record.references() {
                if !in_file.contains(&(table, id)) && !exists(w.conn(), table, id)? {
                    return Err(Error::Invalid(format!(
                        "{}: refers to {} {id}, which is neither in the file nor in the database",
                        at(l),
                        &table[..table.len() - 1].replace("evidenc", "evidence")
                    )));
                }
            }
            if exists(w.conn(), l.record.table(), l.record.id())? {
                sum.skipped += 1;
                continue;
            }
            match l.record.clone() {
                Record::Source {
                    id,
                    name,
                    kind,
                    url,
                    aliases,
                    created_at,
                } => {
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
            }
        }
        Ok(sum)
    })
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
            "SELECT id, name, kind, url, created_at FROM sources ORDER BY id",
            &|r| {
                let id: String = r.get(0)?;
                Ok(Record::Source {
                    aliases: list(
                        "SELECT name FROM source_names WHERE source_id = ?1 AND is_alias ORDER BY folded",
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
        Ok(out)
    }
}
