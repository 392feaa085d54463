//! CSV for spreadsheets: one row per claim with its first appearance and current verdict.
//! Lossy by design (use JSON for everything); importing a row creates a claim the way
//! `claimdb claim add` does, and a row whose `id` already exists is skipped. Cells that a
//! spreadsheet would take for formulas are exported with a `'` before them, which import
//! removes.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::rc::Rc;

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
    // Reviews published elsewhere, summarised for reading; import ignores it.
    "external_reviews",
];

/// How the CSV export is written.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Shape {
    /// Cells as they are, without a `'` before formula-like ones.
    pub raw_cells: bool,
    /// A byte-order mark first and CRLF line ends: Excel then reads the file as UTF-8, so
    /// Cyrillic, Arabic and emoji open correctly.
    pub excel: bool,
}

pub(super) fn export(
    store: &Store,
    out: &mut dyn std::io::Write,
    shape: Shape,
    keep: Option<&HashSet<String>>,
) -> Result<usize> {
    let raw_cells = shape.raw_cells;
    let c = store.conn();
    if shape.excel {
        out.write_all("\u{FEFF}".as_bytes())
            .map_err(|e| Error::io("cannot write the CSV export", e))?;
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(if shape.excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(out);
    let csv_err = |e: csv::Error| Error::Io(format!("cannot write the CSV export: {e}"));
    w.write_record(COLUMNS).map_err(csv_err)?;
    let mut stmt = c.prepare(
        "SELECT c.id, c.text, s.name, c.said_on, c.status,
                (SELECT v.note FROM verdicts v WHERE v.claim_id = c.id
                 AND NOT EXISTS (SELECT 1 FROM verdict_supersedes x JOIN verdicts w ON w.id = x.verdict_id
                             WHERE x.superseded_id = v.id AND w.claim_id = v.claim_id)
                 ORDER BY v.created_at DESC, v.id LIMIT 1),
                (SELECT json_group_array(tag) FROM (SELECT tag FROM claim_tags t
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
    let tags_at = COLUMNS
        .iter()
        .position(|c| *c == "tags")
        .expect("a tags column");
    let mut rows = stmt.query([])?;
    let deleted_at = COLUMNS
        .iter()
        .position(|c| *c == "deleted")
        .expect("a deleted column");
    let mut n = 0;
    while let Some(r) = rows.next()? {
        if let Some(k) = keep {
            if !k.contains(&r.get::<_, String>(0)?) {
                continue;
            }
        }
        let mut fields: Vec<String> = Vec::with_capacity(COLUMNS.len());
        for i in 0..deleted_at {
            let v = r.get::<_, Option<String>>(i)?.unwrap_or_default();
            let v = if i == tags_at {
                let tags: Vec<String> = serde_json::from_str(&v).unwrap_or_default();
                join_tags(&tags)
            } else {
                v
            };
            fields.push(if raw_cells { v } else { neutralise(v) });
        }
        fields.push(
            if r.get::<_, bool>(deleted_at)? {
                "true"
            } else {
                ""
            }
            .into(),
        );
        let id = Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default();
        let reviews = store
            .external_reviews(&[id])?
            .remove(&id)
            .unwrap_or_default()
            .iter()
            .map(|v| v.cell())
            .collect::<Vec<_>>()
            .join(" | ");
        fields.push(if raw_cells {
            reviews
        } else {
            neutralise(reviews)
        });
        w.write_record(&fields).map_err(csv_err)?;
        n += 1;
    }
    w.flush()
        .map_err(|e| Error::io("cannot write the CSV export", e))?;
    Ok(n)
}

/// Tags in one cell: separated by `;`, with a `;` or `\` inside a tag written `\;` or `\\`.
fn join_tags(tags: &[String]) -> String {
    tags.iter()
        .map(|t| t.replace('\\', "\\\\").replace(';', "\\;"))
        .collect::<Vec<_>>()
        .join(";")
}

/// The tags of a cell written by [`join_tags`]. A `\` before anything but `;` or `\` is kept
/// as it is, as in files from versions that did not escape.
fn split_tags(cell: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some(';' | '\\')) => {
                out.last_mut()
                    .expect("one tag")
                    .push(chars.next().expect("peeked"));
            }
            ';' => out.push(String::new()),
            c => out.last_mut().expect("one tag").push(c),
        }
    }
    out.retain(|t| !t.trim().is_empty());
    out
}

/// Whether a spreadsheet would take a cell starting with this character for a formula.
fn formula_start(c: Option<char>) -> bool {
    matches!(c, Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A plain decimal number such as `-12` or `-3.5`, which a spreadsheet reads as that number.
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// The cell with a `'` before it when it would start like a formula (after any `'` it
/// already has, so that import, which removes one, gives the cell back); plain numbers are
/// left as they are.
fn neutralise(cell: String) -> String {
    let rest = cell.trim_start_matches('\'');
    if formula_start(rest.chars().next()) && !(rest.len() == cell.len() && is_number(&cell)) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Undo [`neutralise`].
fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_start(rest.trim_start_matches('\'').chars().next()) => rest,
        _ => cell,
    }
}

/// Longest CSV row `import` reads; a row within the limits of every column is far shorter.
const MAX_ROW_BYTES: u64 = 4 << 20;

/// What has been read so far: where each line's text starts, to name the line of a byte
/// offset (counting LF, CR LF and a lone CR each as one line end), and where the current row
/// started, to stop a row that never ends.
struct Track {
    read: u64,
    line: usize,
    prev: u8,
    /// (offset, line) of each line's first byte that is not a line end, from the current row on.
    starts: VecDeque<(u64, usize)>,
    row_start: u64,
    too_long: bool,
}

impl Track {
    /// The line where the row at byte `at` starts.
    fn line_at(&mut self, at: u64) -> usize {
        while self.starts.front().is_some_and(|(p, _)| *p < at) {
            self.starts.pop_front();
        }
        self.starts.front().map_or(self.line, |(_, l)| *l)
    }
}

struct Tracked<R> {
    inner: R,
    track: Rc<RefCell<Track>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut t = self.track.borrow_mut();
        if t.read - t.row_start > MAX_ROW_BYTES {
            t.too_long = true;
            return Err(std::io::Error::other("row too long"));
        }
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            match b {
                b'\n' if t.prev == b'\r' => {}
                b'\n' | b'\r' => t.line += 1,
                _ if t.read == 0 || t.prev == b'\n' || t.prev == b'\r' => {
                    let at = (t.read, t.line);
                    t.starts.push_back(at);
                }
                _ => {}
            }
            t.prev = b;
            t.read += 1;
        }
        Ok(n)
    }
}

fn utf8(line: usize, bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::Invalid(format!(
            "line {line}: not valid UTF-8; save the file as UTF-8"
        ))
    })
}

pub(super) fn import(
    store: &mut Store,
    input: impl Read,
    raw_cells: bool,
) -> Result<ImportSummary> {
    let track = Rc::new(RefCell::new(Track {
        read: 0,
        line: 1,
        prev: 0,
        starts: VecDeque::new(),
        row_start: 0,
        too_long: false,
    }));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(Tracked {
            inner: input,
            track: track.clone(),
        });
    let csv_error = |e: csv::Error| {
        let mut t = track.borrow_mut();
        if t.too_long {
            let at = t.row_start;
            return Error::Invalid(format!(
                "line {}: a row longer than {} MiB, more than any claim can be; this is not a claimdb CSV file",
                t.line_at(at),
                MAX_ROW_BYTES >> 20
            ));
        }
        let line = e.position().map_or(0, |p| t.line_at(p.byte()));
        Error::Invalid(format!("line {line}: {e}"))
    };
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| utf8(1, h).map(|h| h.trim().to_string()))
        .collect::<Result<_>>()?;
    let col = |name: &str| headers.iter().position(|h| h == name);
    for (i, h) in headers.iter().enumerate() {
        if !COLUMNS.contains(&h.as_str()) {
            return Err(Error::Invalid(format!(
                "line 1: unknown column '{h}'; known columns: {}",
                COLUMNS.join(", ")
            )));
        }
        if headers.iter().take(i).any(|o| o == h) {
            return Err(Error::Invalid(format!(
                "line 1: the column '{h}' appears twice; keep one"
            )));
        }
    }
    if col("text").is_none() {
        return Err(Error::invalid("line 1: the CSV needs a 'text' column"));
    }
    let mut seen: HashMap<Uuid, usize> = HashMap::new();
    let mut rec = csv::ByteRecord::new();
    let mut next_row = || -> Result<Option<(usize, NewClaim)>> {
        track.borrow_mut().row_start = reader.position().byte();
        if !reader.read_byte_record(&mut rec).map_err(csv_error)? {
            return Ok(None);
        }
        let line = rec
            .position()
            .map_or(0, |p| track.borrow_mut().line_at(p.byte()));
        let mut cells: Vec<Option<String>> = vec![None; COLUMNS.len()];
        for (i, field) in rec.iter().enumerate() {
            let v = utf8(line, field)?;
            let v = if raw_cells { v } else { restore(v) };
            let v = v.trim();
            if !v.is_empty() {
                let at = COLUMNS
                    .iter()
                    .position(|c| *c == headers[i])
                    .expect("known");
                cells[at] = Some(v.to_string());
            }
        }
        let get = |name: &str| {
            let at = COLUMNS.iter().position(|c| *c == name).expect("known");
            cells[at].clone()
        };
        let id = get("id")
            .map(|s| {
                Uuid::parse_str(&s)
                    .map_err(|_| Error::Invalid(format!("line {line}: id '{s}' is not a UUID")))
            })
            .transpose()?;
        if let Some(id) = id {
            if let Some(first) = seen.insert(id, line) {
                return Err(Error::Invalid(format!(
                    "line {line}: id {id} is also the id of the row on line {first}; give each row its own id"
                )));
            }
        }
        let deleted = match get("deleted").map(|d| d.to_lowercase()).as_deref() {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(_) => {
                return Err(Error::Invalid(format!(
                    "line {line}: deleted is '{}'; use true or false (or 1/0, yes/no), or leave it empty",
                    get("deleted").unwrap_or_default()
                )));
            }
        };
        let new = NewClaim {
            id,
            text: get("text").unwrap_or_default(),
            speaker: get("speaker"),
            via: get("via"),
            article: get("article"),
            quote: get("quote"),
            said_on: get("said_on"),
            tags: get("tags").map(|t| split_tags(&t)).unwrap_or_default(),
            // A derived status (disputed) and the default (unverified) are not verdicts to
            // record; the note exported beside a dispute goes with it. A note beside
            // `unverified` has no verdict to belong to and is refused like one with no status.
            note: get("note").filter(|_| get("status").as_deref() != Some("disputed")),
            status: get("status").filter(|s| s != "unverified" && s != "disputed"),
            create_article: true,
            deleted,
        };
        Ok(Some((line, new)))
    };
    store.import_claims(std::iter::from_fn(move || next_row().transpose()))
}
