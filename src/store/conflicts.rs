//! What sync could not settle by itself: disputed claims (current verdicts disagree) and
//! concurrent edits of the same field (one won by (HLC, replica); the others are kept here
//! until someone edits the field again, which settles them).

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, params};
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

#[derive(Debug, Clone, Serialize)]
pub struct Conflicts {
    pub disputed: Vec<ClaimRow>,
    pub fields: Vec<FieldConflict>,
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
        Ok(Conflicts { disputed, fields })
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
