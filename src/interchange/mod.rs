//! Moving claims in and out: claimdb's own JSON and JSON Lines (lossless, ids included), CSV
//! for spreadsheets (one row per claim), and schema.org ClaimReview JSON-LD for publishing.

mod claimreview;
mod csv_format;
mod records;

use std::fmt;
use std::str::FromStr;

pub use claimreview::{ClaimReviewOptions, claim_reviews};
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

/// Write the whole database in `format`, as one consistent snapshot: what other processes
/// commit while it runs is either wholly in it or not at all.
pub fn export(
    store: &Store,
    format: Format,
    review: &ClaimReviewOptions,
    out: &mut dyn std::io::Write,
) -> Result<usize> {
    store.read_snapshot(|store| export_snapshot(store, format, review, out))
}

fn export_snapshot(
    store: &Store,
    format: Format,
    review: &ClaimReviewOptions,
    out: &mut dyn std::io::Write,
) -> Result<usize> {
    let io = |e: std::io::Error| Error::io("cannot write the export", e);
    match format {
        Format::Json => {
            let records = store.export_records()?;
            let doc = serde_json::json!({
                "format": "claimdb",
                "version": 1,
                "records": records,
            });
            serde_json::to_writer_pretty(&mut *out, &doc)
                .map_err(|e| Error::io("cannot write the export", e.into()))?;
            writeln!(out).map_err(io)?;
            Ok(records.len())
        }
        Format::Jsonl => {
            let records = store.export_records()?;
            for r in &records {
                serde_json::to_writer(&mut *out, r)
                    .map_err(|e| Error::io("cannot write the export", e.into()))?;
                writeln!(out).map_err(io)?;
            }
            Ok(records.len())
        }
        Format::Csv => csv_format::export(store, out),
        Format::ClaimReview => {
            let reviews = claim_reviews(store, review)?;
            serde_json::to_writer_pretty(&mut *out, &reviews)
                .map_err(|e| Error::io("cannot write the export", e.into()))?;
            writeln!(out).map_err(io)?;
            Ok(reviews.len())
        }
    }
}

/// Import `data` (the contents of `name`) in `format`, all of it or nothing.
pub fn import(store: &mut Store, name: &str, data: &[u8], format: Format) -> Result<ImportSummary> {
    let text = std::str::from_utf8(data).map_err(|e| Error::Import {
        path: name.to_string(),
        message: format!(
            "line {}: not valid UTF-8; save the file as UTF-8",
            line_of(data, e.valid_up_to())
        ),
    })?;
    let fail = |message: String| Error::Import {
        path: name.to_string(),
        message,
    };
    match format {
        Format::Json => {
            let records = records::parse_json(text).map_err(fail)?;
            records::import(store, records).map_err(|e| relabel(e, name))
        }
        Format::Jsonl => {
            let records = records::parse_jsonl(text).map_err(fail)?;
            records::import(store, records).map_err(|e| relabel(e, name))
        }
        Format::Csv => csv_format::import(store, text).map_err(|e| relabel(e, name)),
        Format::ClaimReview => Err(Error::invalid(
            "claimreview is an export format only; import json, jsonl or csv",
        )),
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
