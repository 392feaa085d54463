//! Reads: lookups by name, id prefix or URL, and the views commands show.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter, types::Value};
use uuid::Uuid;

use super::Store;
use super::ids::{self, Table};
use crate::error::{Error, Result};
use crate::model::DisplayStatus;
use crate::ops::{ClaimField, Hlc, OpKind};
use crate::text::fold;
use crate::views::*;

fn uuid(s: String) -> Uuid {
    Uuid::parse_str(&s).expect("stored ids are UUIDs")
}

/// The source whose name or alias folds to the same form as `name`.
pub(crate) fn find_source(conn: &Connection, name: &str) -> Result<Option<Uuid>> {
    let found: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT coalesce(m.canon_id, n.source_id) FROM source_names n
             LEFT JOIN source_canon m ON m.source_id = n.source_id WHERE n.folded = ?1 LIMIT 6",
        )?
        .query_map([fold(name)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(uuid(one.clone()))),
        many => {
            let shown: Vec<String> = many
                .iter()
                .map(|id| ids::short(conn, Table::Sources, id))
                .collect::<Result<_>>()?;
            Err(Error::Ambiguous(format!(
                "the name '{name}' belongs to several sources ({}); use a source id",
                shown.join(", ")
            )))
        }
    }
}

/// A source by name, alias or id prefix.
pub(crate) fn resolve_source(conn: &Connection, input: &str) -> Result<Uuid> {
    if let Some(id) = find_source(conn, input)? {
        return Ok(id);
    }
    if ids::normalize_prefix(input).is_some_and(|p| p.len() >= ids::MIN_PREFIX) {
        let id = ids::resolve(conn, Table::Sources, input)?;
        return Ok(uuid(super::apply::canon(conn, id)?));
    }
    Err(Error::NotFound(format!(
        "no source called '{input}'; `claimdb source list` shows them"
    )))
}

/// The existing sources (their current names, by id) whose name or alias nearly matches
/// `name` without folding alike (see [`crate::near_names`]), best first: equal skeletons
/// before one-letter differences, then by name.
pub(crate) fn near_sources(conn: &Connection, name: &str) -> Result<Vec<(Uuid, String)>> {
    use crate::near_names::{near, prefix, skeleton};
    let key = skeleton(name);
    if key.is_empty() {
        return Ok(Vec::new());
    }
    // Candidates share the first two letters of the skeleton, read by index.
    let low = prefix(&key).to_string();
    let mut high = low.clone();
    let last = high.pop().expect("a prefix is not empty");
    high.push(char::from_u32(last as u32 + 1).unwrap_or(char::MAX));
    let rows: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT coalesce(m.canon_id, n.source_id), n.skeleton FROM source_names n
             LEFT JOIN source_canon m ON m.source_id = n.source_id
             WHERE n.skeleton >= ?1 AND n.skeleton < ?2 LIMIT 20000",
        )?
        .query_map(params![low, high], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut found: Vec<(bool, String, String)> = Vec::new();
    for (id, sk) in rows {
        if near(&key, &sk) && !found.iter().any(|f| f.2 == id) {
            let current: String = conn
                .prepare_cached("SELECT name FROM sources WHERE id = ?1")?
                .query_row([&id], |r| r.get(0))?;
            found.push((sk != key, current, id));
        }
    }
    found.sort();
    Ok(found
        .into_iter()
        .map(|(_, name, id)| (uuid(id), name))
        .collect())
}

/// An article by URL or id prefix.
pub(crate) fn resolve_article(conn: &Connection, input: &str) -> Result<Uuid> {
    let t = input.trim();
    if t.contains("://") || t.contains('.') && ids::normalize_prefix(t).is_none() {
        let found: Vec<String> = conn
            .prepare_cached("SELECT id FROM articles WHERE url = ?1 ORDER BY id LIMIT 6")?
            .query_map([t], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        return match found.as_slice() {
            [] => Err(Error::NotFound(format!(
                "no article has the URL {t}; add it with `claimdb article add {t}`"
            ))),
            [one] => Ok(uuid(one.clone())),
            _ => Err(Error::Ambiguous(format!(
                "several articles have the URL {t}; use an article id"
            ))),
        };
    }
    ids::resolve(conn, Table::Articles, t)
}

/// id, article id, via id, quote, anchor, created_at.
type RawAppearance = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<crate::model::Anchor>,
    String,
);

/// Filters for `claim list`.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    pub statuses: Vec<String>,
    pub speaker: Option<String>,
    pub via: Option<String>,
    pub article: Option<String>,
    pub tag: Option<String>,
    pub limit: Option<usize>,
    /// Rows to skip first (with `limit`, a page).
    pub offset: Option<usize>,
    /// Only claims listed after this one (created_at, id): the next page, read by index.
    pub older_than: Option<(String, String)>,
    /// Only claims listed before this one: the previous page (still returned newest first).
    pub newer_than: Option<(String, String)>,
    /// Logged on or after this day (YYYY-MM-DD).
    pub since: Option<String>,
    /// Logged on or before this day (YYYY-MM-DD).
    pub until: Option<String>,
    /// Include deleted claims.
    pub deleted: bool,
}

/// How many matching claims a search ranks at most: the most recently added ones.
pub const RANKED_MATCHES: i64 = 1000;

impl Store {
    pub fn source_list(&self) -> Result<Vec<SourceView>> {
        let ids: Vec<String> = self
            .conn
            .prepare(
                "SELECT id FROM sources WHERE id NOT IN (SELECT source_id FROM source_canon)
                 ORDER BY name COLLATE NOCASE, id",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter().map(|id| self.source_view(&id)).collect()
    }

    pub fn source_show(&self, name_or_id: &str) -> Result<SourceView> {
        let id = resolve_source(&self.conn, name_or_id)?;
        self.source_view(&id.to_string())
    }

    /// Where the article's live claims are anchored: claim id, start and end (characters).
    pub fn anchored_quotes(&self, article_id: &str) -> Result<Vec<(String, u64, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT a.claim_id, a.quote_start, a.quote_end FROM appearances a
             JOIN claims c ON c.id = a.claim_id
             WHERE a.article_id = ?1 AND c.deleted = 0
               AND a.quote_start IS NOT NULL AND a.quote_end IS NOT NULL
             ORDER BY a.quote_start, a.claim_id",
        )?;
        let rows = stmt.query_map([article_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u64,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every source's name with its aliases, by name.
    pub fn source_names(&self) -> Result<Vec<(String, Vec<String>)>> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.name, n.name FROM sources s
             LEFT JOIN source_names n ON (n.source_id = s.id AND n.is_alias)
                OR n.source_id IN (SELECT source_id FROM source_canon WHERE canon_id = s.id)
             WHERE s.id NOT IN (SELECT source_id FROM source_canon)
             ORDER BY s.name COLLATE NOCASE, s.id, n.folded",
        )?;
        let mut last: Option<String> = None;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (id, name, alias) = row?;
            if last.as_deref() != Some(id.as_str()) {
                out.push((name, Vec::new()));
                last = Some(id);
            }
            if let (Some(a), Some(entry)) = (alias, out.last_mut()) {
                entry.1.push(a);
            }
        }
        Ok(out)
    }

    fn source_view(&self, id: &str) -> Result<SourceView> {
        let c = &self.conn;
        let (name, kind, url, created_at) = c.query_row(
            "SELECT name, kind, url, created_at FROM sources WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let aliases = c
            .prepare_cached(
                "SELECT name FROM source_names WHERE (source_id = ?1 AND is_alias)
                    OR source_id IN (SELECT source_id FROM source_canon WHERE canon_id = ?1)
                 ORDER BY folded",
            )?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let count = |sql: &str| -> Result<u64> {
            Ok(c.query_row(sql, [id], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(SourceView {
            id: uuid(id.to_string()),
            short_id: ids::short(c, Table::Sources, id)?,
            name,
            kind,
            aliases,
            url,
            created_at,
            claims_spoken: count(
                "SELECT count(*) FROM claims WHERE speaker_id = ?1 AND NOT deleted",
            )?,
            claims_relayed: count("SELECT count(*) FROM appearances WHERE via_id = ?1")?,
        })
    }

    pub fn article_list(&self) -> Result<Vec<ArticleView>> {
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM articles ORDER BY created_at DESC, id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|id| self.article_view(id)).collect()
    }

    pub fn article_show(&self, id_or_url: &str) -> Result<ArticleView> {
        let id = resolve_article(&self.conn, id_or_url)?;
        self.article_view(&id.to_string())
    }

    /// The stored text of an article, if any.
    pub fn article_text(&self, id_or_url: &str) -> Result<Option<String>> {
        let id = resolve_article(&self.conn, id_or_url)?;
        Ok(self.conn.query_row(
            "SELECT body FROM articles WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?)
    }

    fn article_view(&self, id: &str) -> Result<ArticleView> {
        let c = &self.conn;
        c.query_row(
            "SELECT a.url, a.title, s.name, a.published, a.lang, length(a.body), a.body_sha256,
                    a.created_at,
                    (SELECT count(DISTINCT claim_id) FROM appearances p WHERE p.article_id = a.id)
             FROM articles a LEFT JOIN sources s ON s.id = a.outlet_id WHERE a.id = ?1",
            [id],
            |r| {
                Ok(ArticleView {
                    id: uuid(id.to_string()),
                    short_id: String::new(),
                    url: r.get(0)?,
                    title: r.get(1)?,
                    outlet: r.get(2)?,
                    published: r.get(3)?,
                    lang: r.get(4)?,
                    text_chars: r.get::<_, Option<i64>>(5)?.map(|n| n as u64),
                    text_sha256: r.get(6)?,
                    created_at: r.get(7)?,
                    claims: r.get::<_, i64>(8)? as u64,
                })
            },
        )
        .map_err(Error::from)
        .and_then(|mut v| {
            v.short_id = ids::short(c, Table::Articles, id)?;
            Ok(v)
        })
    }

    pub fn claim_list(&self, f: &ClaimFilter) -> Result<Vec<ClaimRow>> {
        let c = &self.conn;
        let (filter, mut args) = claim_filter(c, f)?;
        let mut sql = format!(
            "SELECT c.id, c.text, s.name, c.said_on, c.status, c.deleted, c.created_at,
                    (SELECT count(*) FROM appearances a WHERE a.claim_id = c.id),
                    (SELECT count(*) FROM verdicts v WHERE v.claim_id = c.id)
             FROM claims c LEFT JOIN sources s ON s.id = c.speaker_id WHERE 1{filter}
             ORDER BY c.created_at {dir}, c.id {dir}",
            dir = if f.newer_than.is_some() {
                "ASC"
            } else {
                "DESC"
            }
        );
        if let Some(n) = f.limit {
            sql.push_str(" LIMIT ?");
            args.push(Value::Integer(n as i64));
            if let Some(skip) = f.offset {
                sql.push_str(" OFFSET ?");
                args.push(Value::Integer(skip as i64));
            }
        }
        let mut rows: Vec<ClaimRow> = c
            .prepare(&sql)?
            .query_map(params_from_iter(args), |r| {
                Ok(ClaimRow {
                    id: uuid(r.get(0)?),
                    short_id: String::new(),
                    text: r.get(1)?,
                    speaker: r.get(2)?,
                    said_on: r.get(3)?,
                    status: r.get(4)?,
                    deleted: r.get(5)?,
                    created_at: r.get(6)?,
                    appearances: r.get::<_, i64>(7)? as u64,
                    verdicts: r.get::<_, i64>(8)? as u64,
                    tags: Vec::new(),
                    disputed: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        if f.newer_than.is_some() {
            rows.reverse();
        }
        rows.into_iter()
            .map(|mut row| {
                let id = row.id.to_string();
                row.short_id = ids::short(c, Table::Claims, &id)?;
                row.tags = self.tags(&id)?;
                if row.status == "disputed" {
                    row.disputed = self
                        .verdicts(&id)?
                        .into_iter()
                        .filter(|v| v.current)
                        .map(|v| VerdictBrief {
                            id: v.id,
                            status: v.status,
                            author: v.author,
                            note: v.note,
                        })
                        .collect();
                }
                Ok(row)
            })
            .collect()
    }

    /// The first `limit` source names in name order, for choosing one.
    pub fn source_name_choices(&self, limit: usize) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare("SELECT name FROM sources ORDER BY name COLLATE NOCASE, id LIMIT ?1")?
            .query_map([limit as i64], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?)
    }

    /// The newest `limit` articles: id and title (or URL), for choosing one.
    pub fn article_choices(&self, limit: usize) -> Result<Vec<(Uuid, String)>> {
        Ok(self
            .conn
            .prepare(
                "SELECT id, coalesce(title, url, id) FROM articles
                 ORDER BY created_at DESC, id LIMIT ?1",
            )?
            .query_map([limit as i64], |r| Ok((uuid(r.get(0)?), r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?)
    }

    /// How many claims `f` matches, ignoring its limit and offset.
    pub fn claim_count(&self, f: &ClaimFilter) -> Result<u64> {
        let f = ClaimFilter {
            older_than: None,
            newer_than: None,
            ..f.clone()
        };
        let (filter, args) = claim_filter(&self.conn, &f)?;
        let n: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM claims c WHERE 1{filter}"),
            params_from_iter(args),
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// The ids of every claim `f` matches, ignoring its limit, offset and paging.
    pub fn claim_ids(&self, f: &ClaimFilter) -> Result<Vec<String>> {
        let f = ClaimFilter {
            older_than: None,
            newer_than: None,
            ..f.clone()
        };
        let (filter, args) = claim_filter(&self.conn, &f)?;
        let ids = self
            .conn
            .prepare(&format!("SELECT c.id FROM claims c WHERE 1{filter}"))?
            .query_map(params_from_iter(args), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// For each claim, the names of the outlets that relayed it and the time of its latest
    /// operation.
    pub fn relays_and_last_change(&self, claim: &Uuid) -> Result<(Vec<String>, Option<String>)> {
        let id = claim.to_string();
        let relays = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT s.name FROM appearances a JOIN sources s ON s.id = a.via_id
                 WHERE a.claim_id = ?1 ORDER BY s.name",
            )?
            .query_map([&id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let hlc: Option<i64> =
            self.conn
                .query_row("SELECT max(hlc) FROM ops WHERE claim = ?1", [&id], |r| {
                    r.get(0)
                })?;
        let last = hlc.map(|h| crate::text::timestamp(&crate::ops::Hlc(h as u64).to_datetime()));
        Ok((relays, last))
    }

    fn tags(&self, claim: &str) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT tag FROM claim_tags WHERE claim_id = ?1 ORDER BY tag")?
            .query_map([claim], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    pub(super) fn verdicts(&self, claim: &str) -> Result<Vec<VerdictView>> {
        let c = &self.conn;
        let mut out: Vec<VerdictView> = c
            .prepare_cached(
                "SELECT v.id, v.status, v.note, v.author, v.created_at,
                        NOT EXISTS (SELECT 1 FROM verdict_supersedes s JOIN verdicts w ON w.id = s.verdict_id
                             WHERE s.superseded_id = v.id AND w.claim_id = v.claim_id)
                 FROM verdicts v WHERE v.claim_id = ?1
                 ORDER BY v.created_at, (SELECT hlc FROM ops WHERE claim = v.claim_id AND entity = v.id), v.id",
            )?
            .query_map([claim], |r| {
                Ok(VerdictView {
                    id: uuid(r.get(0)?),
                    short_id: String::new(),
                    status: r.get(1)?,
                    note: r.get(2)?,
                    author: r.get(3)?,
                    created_at: r.get(4)?,
                    supersedes: Vec::new(),
                    current: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        for v in &mut out {
            let id = v.id.to_string();
            v.short_id = ids::short(c, Table::Verdicts, &id)?;
            v.supersedes = c
                .prepare_cached(
                    "SELECT superseded_id FROM verdict_supersedes WHERE verdict_id = ?1 ORDER BY superseded_id",
                )?
                .query_map([&id], |r| r.get(0).map(uuid))?
                .collect::<Result<_, _>>()?;
        }
        Ok(out)
    }

    pub fn claim_show(&self, claim: &str) -> Result<ClaimView> {
        let c = &self.conn;
        let id = ids::resolve(c, Table::Claims, claim)?.to_string();
        let source_ref = |sid: Option<String>| -> Result<Option<SourceRef>> {
            sid.map(|sid| {
                let name = c.query_row("SELECT name FROM sources WHERE id = ?1", [&sid], |r| {
                    r.get(0)
                })?;
                Ok(SourceRef {
                    id: uuid(sid),
                    name,
                })
            })
            .transpose()
        };
        let (text, speaker, said_on, status, deleted, created_at, created_by): (
            String,
            Option<String>,
            Option<String>,
            String,
            bool,
            String,
            String,
        ) = c.query_row(
            "SELECT text, speaker_id, said_on, status, deleted, created_at, created_by
             FROM claims WHERE id = ?1",
            [&id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )?;
        let raw_appearances: Vec<RawAppearance> = c
            .prepare_cached(
                "SELECT id, article_id, via_id, quote, quote_start, quote_end, prefix, suffix, created_at
                 FROM appearances a WHERE claim_id = ?1
                 ORDER BY created_at, (SELECT hlc FROM ops WHERE claim = a.claim_id AND entity = a.id), id",
            )?
            .query_map([&id], |r| {
                let anchor = match (r.get::<_, Option<i64>>(4)?, r.get::<_, Option<i64>>(5)?) {
                    (Some(start), Some(end)) => Some(crate::model::Anchor {
                        start: start as u64,
                        end: end as u64,
                        prefix: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                        suffix: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    }),
                    _ => None,
                };
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, anchor, r.get(8)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut appearances = Vec::new();
        for (aid, article, via, quote, anchor, at) in raw_appearances {
            let article = article
                .map(|a| {
                    c.query_row("SELECT url, title FROM articles WHERE id = ?1", [&a], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .map_err(Error::from)
                    .and_then(|(url, title)| {
                        Ok(ArticleRef {
                            short_id: ids::short(c, Table::Articles, &a)?,
                            id: uuid(a),
                            url,
                            title,
                        })
                    })
                })
                .transpose()?;
            appearances.push(AppearanceView {
                id: uuid(aid),
                article,
                via: source_ref(via)?,
                quote,
                anchor,
                created_at: at,
            });
        }
        let evidence = c
            .prepare_cached(
                "SELECT id, url, stance, note, created_at FROM evidence e WHERE claim_id = ?1
                 ORDER BY created_at, (SELECT hlc FROM ops WHERE claim = e.claim_id AND entity = e.id), id",
            )?
            .query_map([&id], |r| {
                Ok(EvidenceView {
                    id: uuid(r.get(0)?),
                    url: r.get(1)?,
                    stance: r.get(2)?,
                    note: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let edits = self.edits(&id)?;
        Ok(ClaimView {
            short_id: ids::short(c, Table::Claims, &id)?,
            text,
            speaker: source_ref(speaker)?,
            said_on,
            status,
            tags: self.tags(&id)?,
            deleted,
            created_at,
            created_by,
            appearances,
            verdicts: self.verdicts(&id)?,
            evidence,
            edits,
            conflicts: self.field_conflicts(&id)?,
            reviews: super::reviews::external_reviews(c, &[uuid(id.clone())])?
                .into_values()
                .next()
                .unwrap_or_default(),
            id: uuid(id),
        })
    }

    fn edits(&self, claim: &str) -> Result<Vec<EditView>> {
        let c = &self.conn;
        let ops: Vec<(String, i64, String, String)> = c
            .prepare_cached(
                "SELECT id, hlc, author, body FROM ops WHERE entity = ?1 AND claim = ?1
                 ORDER BY hlc, replica",
            )?
            .query_map([claim], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        let name_of = |v: &ClaimField| -> serde_json::Value {
            match v {
                ClaimField::Speaker(Some(s)) => c
                    .query_row(
                        "SELECT name FROM sources WHERE id = ?1",
                        [s.to_string()],
                        |r| r.get::<_, String>(0),
                    )
                    .map(serde_json::Value::from)
                    .unwrap_or_else(|_| s.to_string().into()),
                other => serde_json::to_value(other).expect("fields serialize")["value"].clone(),
            }
        };
        let mut out = Vec::new();
        for (op_id, hlc, author, body) in ops {
            let Ok(kind) = serde_json::from_str::<OpKind>(&body) else {
                continue;
            };
            let (field, value, prev) = match &kind {
                OpKind::SetClaim { set, prev, .. } => {
                    (set.name().to_string(), name_of(set), name_of(prev))
                }
                OpKind::SetTag {
                    tag, present, prev, ..
                } => (format!("tag:{tag}"), (*present).into(), (*prev).into()),
                _ => continue,
            };
            out.push(EditView {
                op_id: uuid(op_id),
                at: Hlc(hlc as u64).to_string(),
                author,
                field,
                value,
                prev,
            });
        }
        Ok(out)
    }

    /// Full-text search over claim text, quotes, notes and source names, best match first
    /// among the newest [`RANKED_MATCHES`] matching claims.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let words: Vec<String> = query
            .split_whitespace()
            .filter(|t| t.chars().any(char::is_alphanumeric))
            .map(|t| format!("\"{}\"", t.replace('ı', "i").replace('"', "\"\"")))
            .collect();
        if words.is_empty() {
            return Err(Error::invalid(
                "the search query has no words; give at least one word to look for",
            ));
        }
        let c = &self.conn;
        // Rank only the newest RANKED_MATCHES matching claims (rowids grow as claims are
        // added here): a query that matches most of a large desk then costs little more than
        // one that matches a thousand claims. Deleted claims are not in the index at all.
        let candidates = |query: &str| -> Result<Vec<(i64, f64)>> {
            Ok(c.prepare_cached(
                "SELECT rowid, claimdb_rank(claim_fts)
                 FROM claim_fts WHERE claim_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
            )?
            .query_map(rusqlite::params![query, RANKED_MATCHES], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?)
        };
        // Words as whole words first: when they alone fill the candidates, the words that
        // merely start with them are not looked at. Matching by prefix merges the index
        // entries of every word with that start, which costs in proportion to how common
        // they are.
        let mut query = words.join(" ");
        let mut top = candidates(&query)?;
        if top.len() < RANKED_MATCHES as usize {
            query = words
                .iter()
                .map(|w| format!("{w}*"))
                .collect::<Vec<_>>()
                .join(" ");
            top = candidates(&query)?;
        }
        // Best match first (see `rank.rs`); ties go to the newer claim.
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        top.truncate(limit);
        let (Some(lo), Some(hi)) = (top.iter().map(|t| t.0).min(), top.iter().map(|t| t.0).max())
        else {
            return Ok(Vec::new());
        };
        // Snippets are costly: only for the rows kept (`+rowid` keeps the list a filter
        // rather than one full-text lookup per row).
        let kept = serde_json::to_string(&top.iter().map(|t| t.0).collect::<Vec<_>>())
            .expect("numbers serialize");
        let mut snippets: HashMap<i64, (String, String, String, String)> = c
            .prepare_cached(
                "SELECT f.rowid, c.id, c.text, c.status,
                        snippet(claim_fts, -1, char(2), char(3), '…', 16)
                 FROM claim_fts f CROSS JOIN claims c ON c.rowid = f.rowid
                 WHERE claim_fts MATCH ?1 AND f.rowid BETWEEN ?2 AND ?3
                   AND +f.rowid IN (SELECT value FROM json_each(?4))",
            )?
            .query_map(rusqlite::params![query, lo, hi, kept], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            })?
            .collect::<Result<_, _>>()?;
        let hits: Vec<SearchHit> = top
            .iter()
            .filter_map(|(rowid, score)| {
                let (id, text, status, snippet) = snippets.remove(rowid)?;
                Some(SearchHit {
                    id: uuid(id),
                    short_id: String::new(),
                    text,
                    status,
                    snippet: snippet.replace(['\u{2}', '\u{3}'], "**"),
                    score: *score,
                    reviews: Vec::new(),
                })
            })
            .collect();
        let hit_ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        let mut reviews = super::reviews::external_reviews(c, &hit_ids)?;
        hits.into_iter()
            .map(|mut h| {
                h.short_id = ids::short(c, Table::Claims, &h.id.to_string())?;
                h.reviews = reviews.remove(&h.id).unwrap_or_default();
                Ok(h)
            })
            .collect()
    }

    /// Operations, newest first; with `target`, only those about that claim, source or article.
    pub fn log(&self, target: Option<&str>, limit: Option<usize>) -> Result<Vec<LogEntry>> {
        let c = &self.conn;
        let (filter, arg) = match target {
            None => ("1", None),
            Some(t) => {
                // Whatever `t` names, as a claim, an article and a source: it must name one.
                let found = [
                    ("claim", ids::resolve(c, Table::Claims, t)),
                    ("article", resolve_article(c, t)),
                    ("source", resolve_source(c, t)),
                ];
                let mut named = Vec::new();
                let mut last_err = None;
                for (noun, r) in found {
                    match r {
                        Ok(id) => named.push((noun, id)),
                        Err(e @ Error::Ambiguous(_)) => return Err(e),
                        Err(e) => last_err = Some(e),
                    }
                }
                match named.as_slice() {
                    [] => return Err(last_err.expect("nothing found has an error")),
                    [("claim", id)] => ("claim = ?1", Some(id.to_string())),
                    [(_, id)] => ("claim IS NULL AND entity = ?1", Some(id.to_string())),
                    many => {
                        let list: Vec<String> = many
                            .iter()
                            .map(|(noun, id)| format!("{noun} {}", &id.to_string()[..8]))
                            .collect();
                        return Err(Error::Ambiguous(format!(
                            "'{t}' names more than one thing: {}; give more of the id",
                            list.join(", ")
                        )));
                    }
                }
            }
        };
        let sql = format!(
            "SELECT id, hlc, author, replica, body FROM ops WHERE {filter}
             ORDER BY hlc DESC, replica DESC LIMIT {}",
            limit.map_or(-1, |n| n as i64)
        );
        let mut stmt = c.prepare(&sql)?;
        let map = |r: &Row<'_>| -> rusqlite::Result<LogEntry> {
            let body: String = r.get(4)?;
            let change: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let summary = serde_json::from_str::<OpKind>(&body)
                .map(|k| k.summary())
                .unwrap_or_else(|_| "(unreadable operation)".into());
            let hlc = Hlc(r.get::<_, i64>(1)? as u64);
            Ok(LogEntry {
                id: uuid(r.get(0)?),
                at: hlc.to_string(),
                hlc: hlc.0,
                author: r.get(2)?,
                replica: uuid(r.get(3)?),
                summary,
                change,
            })
        };
        let rows = match arg {
            Some(a) => stmt.query_map([a], map)?.collect::<Result<_, _>>()?,
            None => stmt.query_map([], map)?.collect::<Result<_, _>>()?,
        };
        Ok(rows)
    }

    /// Whether any claim with this id exists (deleted or not).
    pub fn claim_exists(&self, id: &Uuid) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM claims WHERE id = ?1",
                [id.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

/// The WHERE conditions (each starting with " AND") and their arguments for `f`, over
/// `claims c`.
fn claim_filter(c: &Connection, f: &ClaimFilter) -> Result<(String, Vec<Value>)> {
    let mut sql = String::new();
    let mut args: Vec<Value> = Vec::new();
    if !f.deleted {
        sql.push_str(" AND c.deleted = 0");
    }
    if !f.statuses.is_empty() {
        let statuses = f
            .statuses
            .iter()
            .map(|s| DisplayStatus::parse(s).map(|d| d.as_str().to_string()))
            .collect::<Result<Vec<_>>>()?;
        sql.push_str(&format!(
            " AND c.status IN ({})",
            vec!["?"; statuses.len()].join(",")
        ));
        args.extend(statuses.into_iter().map(Value::Text));
    }
    if let Some(s) = &f.speaker {
        sql.push_str(" AND c.speaker_id = ?");
        args.push(Value::Text(resolve_source(c, s)?.to_string()));
    }
    if let Some(v) = &f.via {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM appearances a WHERE a.claim_id = c.id AND a.via_id = ?)",
        );
        args.push(Value::Text(resolve_source(c, v)?.to_string()));
    }
    if let Some(a) = &f.article {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM appearances a WHERE a.claim_id = c.id AND a.article_id = ?)",
        );
        args.push(Value::Text(resolve_article(c, a)?.to_string()));
    }
    if let Some(t) = &f.tag {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM claim_tags t WHERE t.claim_id = c.id AND t.tag = ?)",
        );
        args.push(Value::Text(crate::text::fold_tag(t)));
    }
    if let Some((at, id)) = &f.older_than {
        sql.push_str(" AND (c.created_at, c.id) < (?, ?)");
        args.extend([Value::Text(at.clone()), Value::Text(id.clone())]);
    }
    if let Some((at, id)) = &f.newer_than {
        sql.push_str(" AND (c.created_at, c.id) > (?, ?)");
        args.extend([Value::Text(at.clone()), Value::Text(id.clone())]);
    }
    for (day, op, what) in [(&f.since, ">=", "since"), (&f.until, "<", "until")] {
        if let Some(d) = day {
            let date = chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                Error::Invalid(format!(
                    "{what} must be a date as YYYY-MM-DD, not '{}'",
                    crate::text::clip(d, 40)
                ))
            })?;
            // created_at is an RFC 3339 UTC time: compare with the start of the day (after it
            // for `until`).
            let bound = if op == "<" {
                date.succ_opt().unwrap_or(date)
            } else {
                date
            };
            sql.push_str(&format!(" AND c.created_at {op} ?"));
            args.push(Value::Text(bound.format("%Y-%m-%d").to_string()));
        }
    }
    Ok((sql, args))
}
