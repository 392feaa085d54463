//! Merged sources: which source each merged one stands for, worked out from every merge the
//! log holds, so that the answer does not depend on the order the merges arrived in.
//!
//! The rule:
//! 1. A source merged more than once (into two different sources, by two members who had not
//!    seen each other's merge) is merged by the latest of those merges, by (HLC, replica id,
//!    op id).
//! 2. Merges that go round in a ring (A into B on one replica, B into A on another) are broken
//!    at the earliest merge of the ring: the later decision stands, and every source of the
//!    ring ends up in the one the earliest merge would have dropped.
//! 3. Each source then stands for the end of its chain of merges (A into B, B into C: A
//!    stands for C).
//!
//! References keep the source the operations named (`speaker_ref`, `via_ref`, `outlet_ref`);
//! `speaker_id`, `via_id` and `outlet_id` are rewritten whenever the answer changes.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, params};
use uuid::Uuid;

use super::apply::{mark_dirty, mark_source_claims};
use crate::error::Result;

/// (HLC, replica, op id): the order merges are compared in.
type Stamp = (i64, String, String);

/// Which source each merged source stands for, from the merges `(drop, keep, stamp)`.
pub(crate) fn resolve(merges: &[(String, String, Stamp)]) -> BTreeMap<String, String> {
    // 1. One merge per dropped source: the latest.
    let mut edge: BTreeMap<String, (String, Stamp)> = BTreeMap::new();
    for (drop, keep, stamp) in merges {
        match edge.get(drop) {
            Some((_, s)) if s >= stamp => {}
            _ => {
                edge.insert(drop.clone(), (keep.clone(), stamp.clone()));
            }
        }
    }
    // 2. Break each ring at its earliest merge. Every source has at most one merge out of it,
    // so a walk from any source either ends or enters one ring.
    let starts: Vec<String> = edge.keys().cloned().collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for start in starts {
        let mut path: Vec<String> = Vec::new();
        let mut on_path: BTreeSet<String> = BTreeSet::new();
        let mut at = start;
        loop {
            if done.contains(&at) {
                break;
            }
            if on_path.contains(&at) {
                // A ring: from `at` round to `at`.
                let from = path.iter().position(|p| *p == at).expect("on the path");
                let ring = &path[from..];
                let earliest = ring
                    .iter()
                    .min_by(|a, b| edge[*a].1.cmp(&edge[*b].1))
                    .expect("a ring is not empty")
                    .clone();
                edge.remove(&earliest);
                break;
            }
            let Some((next, _)) = edge.get(&at) else {
                break;
            };
            let next = next.clone();
            path.push(at.clone());
            on_path.insert(at);
            at = next;
        }
        done.extend(path);
    }
    // 3. The end of each chain.
    let mut out = BTreeMap::new();
    for drop in edge.keys() {
        let mut at = drop;
        let mut steps = 0;
        while let Some((next, _)) = edge.get(at) {
            at = next;
            steps += 1;
            debug_assert!(steps <= edge.len(), "rings were broken");
            if steps > edge.len() {
                break;
            }
        }
        if at != drop {
            out.insert(drop.clone(), at.clone());
        }
    }
    out
}

/// Work out again which source each merged source stands for, and point every reference
/// whose answer changed at its new source.
pub(crate) fn settle(conn: &Connection) -> Result<()> {
    let merges: Vec<(String, String, Stamp)> = conn
        .prepare_cached("SELECT drop_id, keep_id, hlc, replica, op_id FROM source_merges")?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, (r.get(2)?, r.get(3)?, r.get(4)?)))
        })?
        .collect::<Result<_, _>>()?;
    let new = resolve(&merges);
    let old: BTreeMap<String, String> = conn
        .prepare_cached("SELECT source_id, canon_id FROM source_canon")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let changed: BTreeSet<&String> = old
        .keys()
        .chain(new.keys())
        .filter(|s| old.get(*s) != new.get(*s))
        .collect();
    for source in changed {
        let now = new.get(source).unwrap_or(source);
        let before = old.get(source).unwrap_or(source);
        match new.get(source) {
            Some(c) => conn
                .prepare_cached(
                    "INSERT INTO source_canon (source_id, canon_id) VALUES (?1, ?2)
                     ON CONFLICT (source_id) DO UPDATE SET canon_id = excluded.canon_id",
                )?
                .execute(params![source, c])?,
            None => conn
                .prepare_cached("DELETE FROM source_canon WHERE source_id = ?1")?
                .execute([source])?,
        };
        // The claims that named either source are indexed again with their names.
        for s in [before, now] {
            if let Ok(id) = Uuid::parse_str(s) {
                mark_source_claims(conn, id)?;
            }
        }
        let moved: Vec<String> = conn
            .prepare_cached(
                "SELECT id FROM claims WHERE speaker_ref = ?1
                 UNION SELECT claim_id FROM appearances WHERE via_ref = ?1",
            )?
            .query_map([source], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        conn.prepare_cached("UPDATE claims SET speaker_id = ?2 WHERE speaker_ref = ?1")?
            .execute(params![source, now])?;
        conn.prepare_cached("UPDATE appearances SET via_id = ?2 WHERE via_ref = ?1")?
            .execute(params![source, now])?;
        conn.prepare_cached("UPDATE articles SET outlet_id = ?2 WHERE outlet_ref = ?1")?
            .execute(params![source, now])?;
        for c in moved {
            mark_dirty(conn, &c)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(drop: &str, keep: &str, hlc: i64) -> (String, String, Stamp) {
        (
            drop.into(),
            keep.into(),
            (hlc, "r".into(), format!("op{hlc}")),
        )
    }

    #[test]
    fn a_chain_ends_at_its_last_source() {
        let r = resolve(&[m("a", "b", 1), m("b", "c", 2)]);
        assert_eq!(r["a"], "c");
        assert_eq!(r["b"], "c");
        assert!(!r.contains_key("c"));
    }

    #[test]
    fn a_ring_is_broken_at_its_earliest_merge_in_any_order() {
        let merges = [m("a", "b", 1), m("b", "a", 2)];
        let r = resolve(&merges);
        assert_eq!(r.get("b").map(String::as_str), Some("a"));
        assert!(!r.contains_key("a"));
        let mut rev = merges.to_vec();
        rev.reverse();
        assert_eq!(resolve(&rev), r);
        let three = resolve(&[m("a", "b", 3), m("b", "c", 1), m("c", "a", 2)]);
        // b into c is the earliest: b is left standing, and a and c end in it.
        assert_eq!(three.get("a").map(String::as_str), Some("b"));
        assert_eq!(three.get("c").map(String::as_str), Some("b"));
        assert!(!three.contains_key("b"));
    }

    #[test]
    fn a_source_merged_twice_follows_the_later_merge() {
        let r = resolve(&[m("d", "k2", 2), m("d", "k1", 1)]);
        assert_eq!(r["d"], "k2");
        assert_eq!(r.len(), 1);
    }
}
