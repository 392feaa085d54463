//! Ids: UUIDs everywhere, accepted as any unique prefix of at least four hex digits, and shown
//! as the shortest unique prefix of at least eight.

use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Fewest hex digits accepted as an id prefix.
pub const MIN_PREFIX: usize = 4;
/// Fewest hex digits shown for an id.
pub const SHOWN_PREFIX: usize = 8;

/// The tables whose ids can be looked up by prefix, and what users call their rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Claims,
    Sources,
    Articles,
    Verdicts,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Claims => "claims",
            Table::Sources => "sources",
            Table::Articles => "articles",
            Table::Verdicts => "verdicts",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Table::Claims => "claim",
            Table::Sources => "source",
            Table::Articles => "article",
            Table::Verdicts => "verdict",
        }
    }
}

/// Turn user input (any case, with or without hyphens) into the hyphenated lower-case prefix
/// of a stored id; `None` if it is not a hex prefix.
pub fn normalize_prefix(input: &str) -> Option<String> {
    let hex: String = input.trim().chars().filter(|c| *c != '-').collect();
    if hex.is_empty() || hex.len() > 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = String::with_capacity(36);
    for (i, c) in hex.to_ascii_lowercase().chars().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(c);
    }
    Some(out)
}

/// Resolve an id or unique id prefix in `table`.
pub fn resolve(conn: &Connection, table: Table, input: &str) -> Result<Uuid> {
    let noun = table.noun();
    let Some(prefix) = normalize_prefix(input) else {
        return Err(Error::Invalid(format!(
            "'{input}' is not {} {noun} id; give the id or a prefix of at least {MIN_PREFIX} hex digits",
            if noun.starts_with('a') { "an" } else { "a" }
        )));
    };
    let digits = prefix.chars().filter(|c| *c != '-').count();
    if digits < MIN_PREFIX {
        return Err(Error::Invalid(format!(
            "{noun} id prefix '{input}' is too short; give at least {MIN_PREFIX} hex digits"
        )));
    }
    // A range on the id index: ids are lowercase hex digits and hyphens, all of which sort
    // before 'g'. (`GLOB ?1 || '*'` reads like a prefix match but scans the whole index.)
    let found: Vec<String> = conn
        .prepare_cached(&prefix_query(table))?
        .query_map([&prefix, &format!("{prefix}g")], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match found.as_slice() {
        [] => Err(Error::NotFound(format!(
            "no {noun} has an id starting with '{input}'; `claimdb {noun} list` shows them"
        ))),
        [one] => Ok(Uuid::parse_str(one).expect("stored ids are UUIDs")),
        many => {
            let shown: Vec<String> = many
                .iter()
                .take(5)
                .map(|id| short(conn, table, id).unwrap_or_else(|_| id.clone()))
                .collect();
            let more = if many.len() > 5 { ", …" } else { "" };
            Err(Error::Ambiguous(format!(
                "{noun} id prefix '{input}' is ambiguous: it matches {}{more}; give more digits",
                shown.join(", ")
            )))
        }
    }
}

/// Up to six ids of `table` from ?1 (a prefix) up to ?2 (the prefix followed by 'g').
fn prefix_query(table: Table) -> String {
    format!(
        "SELECT id FROM {} WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 6",
        table.name()
    )
}

/// The shortest prefix of `id` (at least [`SHOWN_PREFIX`] hex digits) that no other id in
/// `table` shares.
pub fn short(conn: &Connection, table: Table, id: &str) -> Result<String> {
    let t = table.name();
    let before: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT id FROM {t} WHERE id < ?1 ORDER BY id DESC LIMIT 1"
        ))?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let after: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT id FROM {t} WHERE id > ?1 ORDER BY id LIMIT 1"
        ))?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let shared = |other: &Option<String>| {
        other.as_deref().map_or(0, |o| {
            o.chars()
                .zip(id.chars())
                .take_while(|(a, b)| a == b)
                .filter(|(a, _)| *a != '-')
                .count()
        })
    };
    let digits = SHOWN_PREFIX
        .max(shared(&before) + 1)
        .max(shared(&after) + 1);
    Ok(take_digits(id, digits))
}

fn take_digits(id: &str, digits: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in id.chars() {
        if n == digits {
            break;
        }
        if c != '-' {
            n += 1;
        }
        out.push(c);
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_normalize_with_or_without_hyphens() {
        assert_eq!(normalize_prefix("3F2A").as_deref(), Some("3f2a"));
        assert_eq!(
            normalize_prefix("3f2a9c1e12").as_deref(),
            Some("3f2a9c1e-12")
        );
        assert_eq!(
            normalize_prefix("3f2a9c1e-12").as_deref(),
            Some("3f2a9c1e-12")
        );
        assert_eq!(normalize_prefix("xyz1"), None);
        assert_eq!(normalize_prefix("3f2a'; DROP"), None);
        assert_eq!(normalize_prefix(""), None);
    }

    #[test]
    fn prefix_lookup_searches_the_id_index() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE claims (id TEXT PRIMARY KEY, text TEXT) STRICT")
            .unwrap();
        let plan: String = conn
            .query_row(
                &format!("EXPLAIN QUERY PLAN {}", prefix_query(Table::Claims)),
                ["3f2a", "3f2ag"],
                |r| r.get(3),
            )
            .unwrap();
        assert!(
            plan.starts_with("SEARCH claims USING COVERING INDEX"),
            "{plan}"
        );
        conn.execute_batch(
            "INSERT INTO claims VALUES ('3f2a9c1e-1234-4abc-8def-0123456789ab', 'a'),
                                       ('3f2b0000-1234-4abc-8def-0123456789ab', 'b'),
                                       ('3f2affff-ffff-4fff-bfff-ffffffffffff', 'c');",
        )
        .unwrap();
        let id = resolve(&conn, Table::Claims, "3f2a9").unwrap();
        assert_eq!(id.to_string(), "3f2a9c1e-1234-4abc-8def-0123456789ab");
        assert!(matches!(
            resolve(&conn, Table::Claims, "3f2a"),
            Err(Error::Ambiguous(_))
        ));
        let last = resolve(&conn, Table::Claims, "3f2affffffff4fffbfffffffffffffff").unwrap();
        assert_eq!(last.to_string(), "3f2affff-ffff-4fff-bfff-ffffffffffff");
    }

    #[test]
    fn take_digits_skips_hyphens() {
        let id = "3f2a9c1e-1234-4abc-8def-0123456789ab";
        assert_eq!(take_digits(id, 8), "3f2a9c1e");
        assert_eq!(take_digits(id, 10), "3f2a9c1e-12");
    }
}
