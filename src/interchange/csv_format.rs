//! CSV for spreadsheets: one row per claim with its first appearance and current verdict.
//! Lossy by design (use JSON for everything); importing a row creates a claim the way
//! `claimdb claim add` does, and a row whose `id` already exists is skipped.

use uuid::Uuid;

use super::records::ImportSummary;
use crate::error::{Error, Result};
use crate::store::{NewClaim, Store};

const COLUMNS: &[&str] = &[
    "id",
    "text",
    "speaker",
    "said_on",
    "status",
    "note",
    "tags",
    "via",
    "article",
    "quote",
    "created_at",
    "created_by",
    "deleted",
];

pub(super) fn export(store: &Store, out: &mut dyn std::io::Write) -> Result<usize> {
    let c = store.conn();
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| Error::Io(format!("cannot write the CSV export: {e}"));
    w.write_record(COLUMNS).map_err(csv_err)?;
    let mut stmt = c.prepare(
        "SELECT c.id, c.text, s.name, c.said_on, c.status,
                (SELECT v.note FROM verdicts v WHERE v.claim_id = c.id
                 AND NOT EXISTS (SELECT 1 FROM verdict_supersedes x JOIN verdicts w ON w.id = x.verdict_id
                             WHERE x.superseded_id = v.id AND w.claim_id = v.claim_id)
                 ORDER BY v.created_at DESC, v.id LIMIT 1),
                (SELECT group_concat(tag, ';') FROM (SELECT tag FROM claim_tags t
                 WHERE t.claim_id = c.id ORDER BY tag)),
                vs.name, coalesce(ar.url, a.article_id), a.quote,
                c.created_at, c.created_by, c.deleted
         FROM claims c
         LEFT JOIN sources s ON s.id = c.speaker_id
         LEFT JOIN appearances a ON a.id = (SELECT id FROM appearances x WHERE x.claim_id = c.id
                                            ORDER BY created_at, id LIMIT 1)
         LEFT JOIN sources vs ON vs.id = a.via_id
         LEFT JOIN articles ar ON ar.id = a.article_id
         ORDER BY c.id",
    )?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let mut fields: Vec<String> = Vec::with_capacity(COLUMNS.len());
        for i in 0..COLUMNS.len() - 1 {
            fields.push(r.get::<_, Option<String>>(i)?.unwrap_or_default());
        }
        fields.push(
            if r.get::<_, bool>(COLUMNS.len() - 1)? {
                "true"
            } else {
                ""
            }
            .into(),
        );
        w.write_record(&fields).map_err(csv_err)?;
        n += 1;
    }
    w.flush()
        .map_err(|e| Error::io("cannot write the CSV export", e))?;
    Ok(n)
}

/// The 1-based line of `text` where the record at byte `at` starts (any line ending).
fn line_at(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = at.min(bytes.len());
    while at < bytes.len() && (bytes[at] == b'\r' || bytes[at] == b'\n') {
        at += 1;
    }
    let before = &bytes[..at];
    let lf = before.iter().filter(|b| **b == b'\n').count();
    let lone_cr = before
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\r' && before.get(i + 1) != Some(&b'\n'))
        .count();
    lf + lone_cr + 1
}

pub(super) fn import(store: &mut Store, text: &str) -> Result<ImportSummary> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::Invalid(format!("line 1: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    for (i, h) in headers.iter().enumerate() {
        if !COLUMNS.contains(&h.trim()) {
            return Err(Error::Invalid(format!(
                "line 1: unknown column '{h}'; known columns: {}",
                COLUMNS.join(", ")
            )));
        }
        if headers.iter().take(i).any(|o| o.trim() == h.trim()) {
            return Err(Error::Invalid(format!(
                "line 1: the column '{}' appears twice; keep one",
                h.trim()
            )));
        }
    }
    if col("text").is_none() {
        return Err(Error::invalid("line 1: the CSV needs a 'text' column"));
    }
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(text, p.byte() as usize));
            Error::Invalid(format!("line {line}: {e}"))
        })?;
        let line = rec
            .position()
            .map_or(0, |p| line_at(text, p.byte() as usize));
        let get = |name: &str| {
            col(name)
                .and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let id = get("id")
            .map(|s| {
                Uuid::parse_str(&s)
                    .map_err(|_| Error::Invalid(format!("line {line}: id '{s}' is not a UUID")))
            })
            .transpose()?;
        let deleted = get("deleted").is_some_and(|d| d == "true" || d == "1");
        let new = NewClaim {
            id,
            text: get("text").unwrap_or_default(),
            speaker: get("speaker"),
            via: get("via"),
            article: get("article"),
            quote: get("quote"),
            said_on: get("said_on"),
            tags: get("tags")
                .map(|t| {
                    t.split(';')
                        .map(str::to_string)
                        .filter(|t| !t.trim().is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            // A derived status (disputed) and the default (unverified) are not verdicts to
            // record; the note exported beside a dispute goes with it. A note beside
            // `unverified` has no verdict to belong to and is refused like one with no status.
            note: get("note").filter(|_| get("status").as_deref() != Some("disputed")),
            status: get("status").filter(|s| s != "unverified" && s != "disputed"),
            create_article: true,
            deleted,
        };
        rows.push((line, new));
    }
    store.import_claims(rows)
}
