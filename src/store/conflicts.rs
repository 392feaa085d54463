//! What sync could not settle by itself: disputed claims (current verdicts disagree) and
//! concurrent edits of the same field (one won by (HLC, replica); the others are kept here
//! until someone edits the field again, which settles them).

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::Store;
use super::ids::{self, Table};
use super::query::ClaimFilter;
use crate::error::Result;
use crate::ops::{ClaimField, Hlc, OpKind};
use crate::views::ClaimRow;

/// One recorded value of a field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldValue {
    pub op_id: Uuid,
    pub value: serde_json::Value,
    pub author: String,
    pub at: String,
}

/// A field two members set without seeing each other's value.
#[derive(Debug, Clone, Serialize)]
pub struct FieldConflict {
    pub claim: Uuid,
    pub short_id: String,
    pub field: String,
    /// The value the claim has.
    pub winner: FieldValue,
    /// Values set concurrently that lost.
    pub losers: Vec<FieldValue>,
}

/// An id created more than once with different values (two members importing one claim
/// id, adding one source with different URLs). Every replica keeps the same merge (see
/// `store::apply`); the versions that lost are listed here.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateCreate {
    pub kind: String,
    pub entity: Uuid,
    pub short_id: String,
    /// The fields the creations gave different values.
    pub fields: Vec<String>,
    /// Those fields as the entity has them now.
    pub kept: serde_json::Map<String, serde_json::Value>,
    /// The creations whose values of those fields were not kept, each as it was made.
    pub losers: Vec<FieldValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Conflicts {
    pub disputed: Vec<ClaimRow>,
    pub fields: Vec<FieldConflict>,
    pub duplicates: Vec<DuplicateCreate>,
}

struct Edit {
    id: Uuid,
    hlc: Hlc,
    author: String,
    field: ClaimField,
    prev_op: Option<Uuid>,
    resolves: Vec<Uuid>,
}

impl Store {
    pub fn conflicts(&self) -> Result<Conflicts> {
        let disputed = self.claim_list(&ClaimFilter {
            statuses: vec!["disputed".into()],
            deleted: true,
            ..Default::default()
        })?;
        let claims: Vec<String> = self
            .conn
            .prepare(
                "SELECT DISTINCT claim FROM ops WHERE body LIKE '{\"op\":\"set_claim\"%'
                 ORDER BY claim",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut fields = Vec::new();
        for c in claims {
            fields.extend(self.field_conflicts(&c)?);
        }
        let duplicates = duplicate_creates(&self.conn)?;
        Ok(Conflicts {
            disputed,
            fields,
            duplicates,
        })
    }

    /// Disputed claims, plus concurrent field edits on the given claims: what a sync that
    /// touched those claims reports, at a cost that follows the change (the disputed count is
    /// an index lookup).
    pub fn conflict_count(&self, touched: &HashSet<Uuid>) -> Result<u64> {
        let disputed: i64 = self.conn.query_row(
            "SELECT count(*) FROM claims WHERE status = 'disputed'",
            [],
            |r| r.get(0),
        )?;
        let mut fields = 0;
        for c in touched {
            fields += field_conflicts(&self.conn, &c.to_string())?.len() as u64;
        }
        Ok(disputed as u64 + fields)
    }

    /// Concurrent edits of each field of one claim: edits the winning edit did not build on.
    pub fn field_conflicts(&self, claim: &str) -> Result<Vec<FieldConflict>> {
        field_conflicts(&self.conn, claim)
    }
}

/// Concurrent edits of each field of one claim that nothing has settled.
pub(crate) fn field_conflicts(conn: &Connection, claim: &str) -> Result<Vec<FieldConflict>> {
    {
        let rows: Vec<(String, i64, String, String)> = conn
            .prepare_cached(
                "SELECT id, hlc, author, body FROM ops WHERE claim = ?1 AND entity = ?1
                 AND body LIKE '{\"op\":\"set_claim\"%' ORDER BY hlc, replica",
            )?
            .query_map([claim], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut by_field: HashMap<&'static str, Vec<Edit>> = HashMap::new();
        for (id, hlc, author, body) in rows {
            if let Ok(OpKind::SetClaim {
                set,
                prev_op,
                resolves,
                ..
            }) = serde_json::from_str(&body)
            {
                by_field.entry(set.name()).or_default().push(Edit {
                    id: id.parse().expect("stored ids are UUIDs"),
                    hlc: Hlc(hlc as u64),
                    author,
                    field: set,
                    prev_op,
                    resolves,
                });
            }
        }
        let mut out = Vec::new();
        let mut names: Vec<&'static str> = by_field.keys().copied().collect();
        names.sort();
        for name in names {
            let edits = &by_field[name];
            if edits.len() < 2 {
                continue;
            }
            let winner_id: Option<String> = conn
                .query_row(
                    "SELECT op_id FROM field_stamps WHERE entity_id = ?1 AND field = ?2",
                    params![claim, name],
                    |r| r.get(0),
                )
                .ok();
            let Some(winner) = winner_id
                .and_then(|w| w.parse::<Uuid>().ok())
                .and_then(|w| edits.iter().find(|e| e.id == w))
            else {
                continue;
            };
            let by_id: HashMap<Uuid, &Edit> = edits.iter().map(|e| (e.id, e)).collect();
            // What the winner's writer had seen: the edits it built on, one after another, and
            // whatever each of those settled.
            let mut seen: HashSet<Uuid> = HashSet::new();
            let mut cur = Some(winner);
            while let Some(e) = cur {
                seen.extend(e.resolves.iter().copied());
                cur = match e.prev_op {
                    Some(p) if seen.insert(p) => by_id.get(&p).copied(),
                    _ => None,
                };
            }
            let losers: Vec<FieldValue> = edits
                .iter()
                .filter(|e| e.id != winner.id && !seen.contains(&e.id))
                .map(|e| value(conn, e))
                .collect();
            if !losers.is_empty() {
                out.push(FieldConflict {
                    claim: claim.parse().expect("stored ids are UUIDs"),
                    short_id: ids::short(conn, Table::Claims, claim)?,
                    field: name.to_string(),
                    winner: value(conn, winner),
                    losers,
                });
            }
        }
        Ok(out)
    }
}

fn value(conn: &Connection, e: &Edit) -> FieldValue {
    let value = match &e.field {
        ClaimField::Speaker(Some(s)) => conn
            .query_row(
                "SELECT name FROM sources WHERE id = ?1",
                [s.to_string()],
                |r| r.get::<_, String>(0),
            )
            .map(serde_json::Value::from)
            .unwrap_or_else(|_| s.to_string().into()),
        other => serde_json::to_value(other).expect("fields serialize")["value"].clone(),
    };
    FieldValue {
        op_id: e.id,
        value,
        author: e.author.clone(),
        at: e.hlc.to_string(),
    }
}

/// Fields of a creation, each with the column that holds it.
type CreationFields = &'static [(&'static str, Option<&'static str>)];

/// For each kind of entity: its table, and the fields of its creation with the columns that
/// hold them (None: compared, but not a column to read back).
fn creation_columns(kind: &str) -> Option<(&'static str, CreationFields)> {
    Some(match kind {
        "source" => ("sources", &[("kind", Some("kind")), ("url", Some("url"))]),
        "article" => (
            "articles",
            &[
                ("url", Some("url")),
                ("title", Some("title")),
                ("outlet", Some("outlet_ref")),
                ("published", Some("published")),
                ("lang", Some("lang")),
                ("text", Some("body")),
            ],
        ),
        "claim" => (
            "claims",
            &[
                ("text", Some("text")),
                ("speaker", Some("speaker_ref")),
                ("said_on", Some("said_on")),
            ],
        ),
        "appearance" => (
            "appearances",
            &[
                ("claim", Some("claim_id")),
                ("article", Some("article_id")),
                ("via", Some("via_ref")),
                ("quote", Some("quote")),
                ("anchor", None),
            ],
        ),
        "verdict" => (
            "verdicts",
            &[
                ("claim", Some("claim_id")),
                ("status", Some("status")),
                ("note", Some("note")),
                ("author", Some("author")),
                ("supersedes", None),
            ],
        ),
        "evidence" => (
            "evidence",
            &[
                ("claim", Some("claim_id")),
                ("url", Some("url")),
                ("stance", Some("stance")),
                ("note", Some("note")),
            ],
        ),
        _ => return None,
    })
}

/// Ids created more than once whose creations disagree on a field.
fn duplicate_creates(conn: &Connection) -> Result<Vec<DuplicateCreate>> {
    let ids: Vec<(String, String)> = conn
        .prepare("SELECT entity_id, kind FROM duplicate_creates ORDER BY kind, entity_id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (id, kind) in ids {
        let Some((table, columns)) = creation_columns(&kind) else {
            continue;
        };
        // The log's index is on (claim, entity): find the claim the entity belongs to.
        let claim: Option<String> = match kind.as_str() {
            "source" | "article" => None,
            "claim" => Some(id.clone()),
            _ => conn
                .query_row(
                    &format!("SELECT claim_id FROM {table} WHERE id = ?1"),
                    [&id],
                    |r| r.get(0),
                )
                .optional()?,
        };
        let rows: Vec<(String, i64, String, String)> = conn
            .prepare_cached(
                "SELECT id, hlc, author, body FROM ops WHERE claim IS ?1 AND entity = ?2
                 ORDER BY hlc, replica, id",
            )?
            .query_map(params![claim, id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        let entity: Uuid = id.parse().expect("stored ids are UUIDs");
        let versions: Vec<(FieldValue, serde_json::Value)> = rows
            .into_iter()
            .filter_map(|(op_id, hlc, author, body)| {
                let kind: OpKind = serde_json::from_str(&body).ok()?;
                (kind.creates().map(|c| c.1) == Some(entity)).then(|| {
                    let value = serde_json::to_value(&kind).expect("operations serialize");
                    (
                        FieldValue {
                            op_id: op_id.parse().expect("stored ids are UUIDs"),
                            value: value.clone(),
                            author,
                            at: Hlc(hlc as u64).to_string(),
                        },
                        value,
                    )
                })
            })
            .collect();
        // A field differs when two creations gave it different values; a value beside none
        // is merged, not a conflict.
        let fields: Vec<&str> = columns
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| {
                let given: HashSet<String> = versions
                    .iter()
                    .filter_map(|(_, v)| v.get(*f).filter(|x| !x.is_null()).map(|x| x.to_string()))
                    .collect();
                given.len() > 1
            })
            .collect();
        if fields.is_empty() {
            continue;
        }
        let mut kept = serde_json::Map::new();
        for (f, column) in columns.iter().filter(|(f, _)| fields.contains(f)) {
            if let Some(column) = column {
                let v: Option<String> = conn
                    .query_row(
                        &format!("SELECT {column} FROM {table} WHERE id = ?1"),
                        [&id],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten();
                kept.insert(f.to_string(), v.map_or(serde_json::Value::Null, Into::into));
            }
        }
        let as_kept = |v: &serde_json::Value| {
            kept.iter().all(|(f, k)| match (v.get(f), k) {
                (Some(serde_json::Value::String(a)), serde_json::Value::String(b)) => a == b,
                (Some(x), k) => x == k,
                (None, k) => k.is_null(),
            })
        };
        let losers = versions
            .iter()
            .filter(|(_, v)| !as_kept(v))
            .map(|(fv, _)| fv.clone())
            .collect();
        let short_table = match kind.as_str() {
            "claim" => Some(Table::Claims),
            "source" => Some(Table::Sources),
            "article" => Some(Table::Articles),
            _ => None,
        };
        out.push(DuplicateCreate {
            short_id: match short_table {
                Some(t) => ids::short(conn, t, &id)?,
                None => id[..8].to_string(),
            },
            kind,
            entity,
            fields: fields.into_iter().map(String::from).collect(),
            kept,
            losers,
        });
    }
    Ok(out)
}
