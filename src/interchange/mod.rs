//! Moving claims in and out: claimdb's own JSON and JSON Lines (lossless, ids included), CSV
//! for spreadsheets (one row per claim), and schema.org ClaimReview JSON-LD for publishing.

mod claimreview;
mod claimreview_in;
mod csv_format;
mod records;

use std::collections::HashSet;
use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

pub use claimreview::{ClaimReviewOptions, ClaimReviews, Rating, RatingScale, claim_reviews};
pub use claimreview_in::{ReviewFeed, looks_like_reviews, read_reviews};
pub use records::{ImportSummary, Record};

use crate::error::{Error, Result};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Jsonl,
    Csv,
    ClaimReview,
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            "claimreview" => Ok(Format::ClaimReview),
            _ => Err(Error::Invalid(format!(
                "unknown format '{s}'; use json, jsonl, csv or claimreview"
            ))),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::ClaimReview => "claimreview",
        })
    }
}

impl Format {
    /// The format of an input from its first bytes, where they tell: reviews published
    /// elsewhere (ClaimReview JSON-LD, a fact-check search result, an HTML page) are told
    /// from claimdb's own JSON and JSON Lines by their content, whatever the file is called.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        looks_like_reviews(head).then_some(Format::ClaimReview)
    }

    /// Guess the format of a file from its extension.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_lowercase().as_str() {
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// How `export` writes.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// ClaimReview: the publisher and review URLs.
    pub review: ClaimReviewOptions,
    /// CSV: write every cell as it is. By default a cell that a spreadsheet would take for a
    /// formula (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is written
    /// with a `'` before it, which CSV import removes again.
    pub raw_cells: bool,
    /// CSV: start with a byte-order mark and end lines with CRLF, as Excel expects.
    pub excel: bool,
    /// Which claims to export (all when empty).
    pub filter: ExportFilter,
}

/// Which claims an export holds: those matching every condition given. A filtered export
/// holds live claims only; JSON and JSON Lines add the sources and articles they refer to.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Any of these statuses (`disputed` allowed).
    pub statuses: Vec<String>,
    /// Logged on or after this day (YYYY-MM-DD).
    pub since: Option<String>,
    pub tag: Option<String>,
}

impl ExportFilter {
    fn is_empty(&self) -> bool {
        self.statuses.is_empty() && self.since.is_none() && self.tag.is_none()
    }

    /// The ids of the claims to export, or `None` for all of them.
    fn claims(&self, store: &Store) -> Result<Option<HashSet<String>>> {
        if self.is_empty() {
            return Ok(None);
        }
        let f = crate::store::ClaimFilter {
            statuses: self.statuses.clone(),
            since: self.since.clone(),
            tag: self.tag.clone(),
            ..Default::default()
        };
        Ok(Some(store.claim_ids(&f)?.into_iter().collect()))
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct ExportSummary {
    pub records: usize,
    /// ClaimReview: the claims whose review URL is a `urn:uuid:` placeholder.
    pub placeholder_urls: Vec<String>,
}

impl From<&ExportOptions> for ExportOptions {
    fn from(o: &ExportOptions) -> Self {
        o.clone()
    }
}

impl From<&ClaimReviewOptions> for ExportOptions {
    fn from(review: &ClaimReviewOptions) -> Self {
        ExportOptions {
            review: review.clone(),
            ..Default::default()
        }
    }
}

/// Write the whole database in `format`, as one consistent snapshot: what other processes
/// commit while it runs is either wholly in it or not at all.
pub fn export(
    store: &Store,
    format: Format,
    opts: impl Into<ExportOptions>,
    out: &mut dyn std::io::Write,
) -> Result<ExportSummary> {
    let opts = opts.into();
    store.read_snapshot(|store| export_snapshot(store, format, &opts, out))
}

fn export_snapshot(
    store: &Store,
    format: Format,
    opts: &ExportOptions,
    out: &mut dyn std::io::Write,
) -> Result<ExportSummary> {
    let review = &opts.review;
    let io = |e: std::io::Error| Error::io("cannot write the export", e);
    let keep = opts.filter.claims(store)?;
    let records = || -> Result<Vec<Record>> {
        let all = store.export_records()?;
        Ok(match &keep {
            None => all,
            Some(k) => {
                let ids = k.iter().filter_map(|i| uuid::Uuid::parse_str(i).ok());
                records::only_claims(all, &ids.collect())
            }
        })
    };
    let written = |records: usize| ExportSummary {
        records,
        ..Default::default()
    };
    match format {
        Format::Json => {
            let records = records()?;
            let doc = serde_json::json!({
                "format": "claimdb",
                "version": 1,
                "records": records,
            });
            serde_json::to_writer_pretty(&mut *out, &doc)
                .map_err(|e| Error::io("cannot write the export", e.into()))?;
            writeln!(out).map_err(io)?;
            Ok(written(records.len()))
        }
        Format::Jsonl => {
            let records = records()?;
            for r in &records {
                serde_json::to_writer(&mut *out, r)
                    .map_err(|e| Error::io("cannot write the export", e.into()))?;
                writeln!(out).map_err(io)?;
            }
            Ok(written(records.len()))
        }
        Format::Csv => {
            let shape = csv_format::Shape {
                raw_cells: opts.raw_cells,
                excel: opts.excel,
            };
            csv_format::export(store, out, shape, keep.as_ref()).map(written)
        }
        Format::ClaimReview => {
            let reviews = claim_reviews(store, review, keep.as_ref())?;
            serde_json::to_writer_pretty(&mut *out, &reviews.reviews)
                .map_err(|e| Error::io("cannot write the export", e.into()))?;
            writeln!(out).map_err(io)?;
            Ok(ExportSummary {
                records: reviews.reviews.len(),
                placeholder_urls: reviews.placeholder_urls,
            })
        }
    }
}

/// How `import` reads its input.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// CSV: take cells as they are, keeping a `'` that export put before a cell that would
    /// start like a spreadsheet formula (see [`ExportOptions::raw_cells`]).
    pub raw_cells: bool,
}

/// Import `data` (the contents of `name`) in `format`, all of it or nothing.
pub fn import(store: &mut Store, name: &str, data: &[u8], format: Format) -> Result<ImportSummary> {
    import_with(store, name, data, format, &ImportOptions::default())
}

/// Like [`import`], with options.
pub fn import_with(
    store: &mut Store,
    name: &str,
    data: &[u8],
    format: Format,
    opts: &ImportOptions,
) -> Result<ImportSummary> {
    let fail = |message: String| Error::Import {
        path: name.to_string(),
        message,
    };
    match format {
        Format::Json => {
            if data.len() > records::MAX_DOCUMENT_BYTES {
                return Err(fail(too_big()));
            }
            import_json(store, name, data)
        }
        Format::Jsonl => {
            let plan = records::scan_jsonl(&mut &data[..], None).map_err(fail)?;
            records::import(store, plan, std::io::Cursor::new(data)).map_err(|e| relabel(e, name))
        }
        Format::Csv => {
            csv_format::import(store, data, opts.raw_cells).map_err(|e| relabel(e, name))
        }
        Format::ClaimReview => {
            let feed = read_review_feed(name, data)?;
            if let Some(first) = feed.invalid.first() {
                return Err(fail(format!(
                    "{} item(s) are not complete reviews, the first: {first}; nothing was imported",
                    feed.invalid.len()
                )));
            }
            let sum = import_reviews(store, name, &feed)?;
            Ok(ImportSummary {
                sources: sum.sources,
                articles: sum.articles,
                claims: sum.claims,
                appearances: 0,
                verdicts: 0,
                evidence: 0,
                reviews: sum.reviews,
                skipped: sum.already_present + sum.own_claims,
            })
        }
    }
}

/// Read the reviews in `data` (the contents of `name`): see [`read_reviews`]. Nothing is
/// written; the items that are not complete reviews are listed in the feed.
pub fn read_review_feed(name: &str, data: &[u8]) -> Result<ReviewFeed> {
    if data.len() > records::MAX_DOCUMENT_BYTES {
        return Err(Error::Import {
            path: name.to_string(),
            message: format!(
                "over the limit of {} MiB for a ClaimReview file; split it",
                records::MAX_DOCUMENT_BYTES >> 20
            ),
        });
    }
    read_reviews(data).map_err(|message| Error::Import {
        path: name.to_string(),
        message,
    })
}

/// Import the complete reviews of `feed` (read from `name`), all of them or none; the
/// feed's incomplete items are left out. See [`Store::import_reviews`].
pub fn import_reviews(
    store: &mut Store,
    name: &str,
    feed: &ReviewFeed,
) -> Result<crate::store::ReviewImportSummary> {
    let mut sum = store
        .import_reviews(&feed.reviews)
        .map_err(|e| relabel(e, name))?;
    sum.skipped_invalid = feed.invalid.clone();
    Ok(sum)
}

/// Import the file at `path` (`-` for standard input) in `format`, all of it or nothing.
/// JSON Lines and CSV are read as they come, so memory stays small however large the file;
/// a JSON document is read whole, up to [`records::MAX_DOCUMENT_BYTES`].
pub fn import_path(
    store: &mut Store,
    path: &Path,
    format: Format,
    opts: &ImportOptions,
) -> Result<ImportSummary> {
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| Error::Invalid(format!("cannot read {name}: {e}"));
    let fail = |message: String| Error::Import {
        path: name.clone(),
        message,
    };
    let file = if path == Path::new("-") {
        None
    } else {
        Some(std::fs::File::open(path).map_err(cannot)?)
    };
    // A regular file can be read twice; anything else (a pipe, a device) is copied aside.
    let (regular, size) = match &file {
        Some(f) => {
            let m = f.metadata().map_err(cannot)?;
            (m.is_file(), m.len())
        }
        None => (false, 0),
    };
    let input: Box<dyn Read> = match file {
        Some(f) => Box::new(f),
        None => Box::new(std::io::stdin().lock()),
    };
    match format {
        Format::Json => {
            if size > records::MAX_DOCUMENT_BYTES as u64 {
                return Err(fail(too_big()));
            }
            let mut data = Vec::new();
            input
                .take(records::MAX_DOCUMENT_BYTES as u64 + 1)
                .read_to_end(&mut data)
                .map_err(cannot)?;
            if data.len() > records::MAX_DOCUMENT_BYTES {
                return Err(fail(too_big()));
            }
            import_json(store, &name, &data)
        }
        Format::Jsonl if regular => {
            let mut reader = std::io::BufReader::new(input);
            let plan = records::scan_jsonl(&mut reader, None).map_err(fail)?;
            let again = std::fs::File::open(path).map_err(cannot)?;
            records::import(store, plan, again).map_err(|e| relabel(e, &name))
        }
        Format::Jsonl => {
            let spool = Spool::new()?;
            let mut reader = std::io::BufReader::new(input);
            let mut copy = std::io::BufWriter::new(&spool.file);
            let plan = records::scan_jsonl(&mut reader, Some(&mut copy)).map_err(fail)?;
            copy.flush()
                .map_err(|e| Error::io("cannot keep a copy of the input", e))?;
            drop(copy);
            records::import(store, plan, &spool.file).map_err(|e| relabel(e, &name))
        }
        Format::Csv => {
            csv_format::import(store, input, opts.raw_cells).map_err(|e| relabel(e, &name))
        }
        Format::ClaimReview => {
            let data = read_whole(input, size, &name)?;
            import_with(store, &name, &data, Format::ClaimReview, opts)
        }
    }
}

/// The whole of `input` (of `size` bytes when known), up to [`records::MAX_DOCUMENT_BYTES`].
pub fn read_whole(input: impl Read, size: u64, name: &str) -> Result<Vec<u8>> {
    let too_big = || Error::Import {
        path: name.to_string(),
        message: too_big(),
    };
    if size > records::MAX_DOCUMENT_BYTES as u64 {
        return Err(too_big());
    }
    let mut data = Vec::new();
    input
        .take(records::MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut data)
        .map_err(|e| Error::Invalid(format!("cannot read {name}: {e}")))?;
    if data.len() > records::MAX_DOCUMENT_BYTES {
        return Err(too_big());
    }
    Ok(data)
}

fn import_json(store: &mut Store, name: &str, data: &[u8]) -> Result<ImportSummary> {
    let fail = |message: String| Error::Import {
        path: name.to_string(),
        message,
    };
    let text = std::str::from_utf8(data).map_err(|e| {
        fail(format!(
            "line {}: not valid UTF-8; save the file as UTF-8",
            line_of(data, e.valid_up_to())
        ))
    })?;
    let plan = records::scan_json(text).map_err(fail)?;
    records::import(store, plan, std::io::Cursor::new(data)).map_err(|e| relabel(e, name))
}

fn too_big() -> String {
    format!(
        "a JSON document over the limit of {} MiB; export and import JSON Lines (--format jsonl), which has no limit",
        records::MAX_DOCUMENT_BYTES >> 20
    )
}

/// A file in the temporary directory holding a copy of an input that cannot be read twice,
/// removed when dropped.
struct Spool {
    file: std::fs::File,
    path: std::path::PathBuf,
}

impl Spool {
    fn new() -> Result<Spool> {
        let path = std::env::temp_dir().join(format!("claimdb-import-{}", uuid::Uuid::new_v4()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
        Ok(Spool { file, path })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn relabel(e: Error, name: &str) -> Error {
    match e {
        Error::Invalid(message) => Error::Import {
            path: name.to_string(),
            message,
        },
        other => other,
    }
}

fn line_of(data: &[u8], offset: usize) -> usize {
    data[..offset].iter().filter(|b| **b == b'\n').count() + 1
}
