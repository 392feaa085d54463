//! Inputs found by the fuzz targets in `fuzz/`, replayed on stable through the very checks the
//! targets run (`fuzz/src/checks.rs`), plus the seed corpora as a smoke test of those checks.
//!
//! Each file in `tests/fuzz_regressions/` is named `<target>-<what>`: raw input bytes for
//! `wire_decode`, `server_push` and `import` (whose first byte picks the format, see
//! `checks::import_selector`), and a JSON `MergeScenario` for `merge`.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn regression(name: &str) -> Vec<u8> {
    let path = root().join("tests/fuzz_regressions").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    files(&root().join("fuzz/seeds").join(target))
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect()
}

fn merge_scenario(name: &str) -> checks::MergeScenario {
    serde_json::from_slice(&regression(name)).expect("a merge scenario")
}

// ----- the seed corpora pass every check -----------------------------------------------------

#[test]
fn seeds_wire_decode() {
    for (_, data) in seeds("wire_decode") {
        checks::check_wire(&data);
    }
}

#[test]
fn seeds_server_push() {
    let mut h = checks::PushHarness::new();
    for (_, data) in seeds("server_push") {
        h.check(&data);
    }
}

#[test]
fn seeds_import() {
    for (_, data) in seeds("import") {
        checks::check_import(&data);
    }
}

// ----- regressions ---------------------------------------------------------------------------

/// The server must check the kind of what an operation refers to, not only that it exists:
/// a verdict whose `claim` is a source, once accepted, fails every client's pull with a
/// foreign key error.
#[test]
fn server_push_refuses_a_verdict_on_a_source() {
    checks::check_server_push(&regression("server_push-verdict-on-a-source.json"));
}

/// The same, as the fuzzer found it: a verdict whose `claim` is an appearance.
#[test]
fn server_push_refuses_a_verdict_on_an_appearance() {
    checks::check_server_push(&regression("server_push-verdict-on-an-appearance.json"));
}

/// Two members create the same source (its id is derived from the name), one with an alias.
/// Where the claim naming it as speaker already exists when the second creation arrives, the
/// claim must be re-indexed for search; otherwise searching for "Antonov" misses it on that
/// replica only, and the search index differs from a rebuild from the log.
#[test]
fn merge_reindexes_claims_when_a_source_is_created_again() {
    checks::check_merge(&merge_scenario("merge-source-recreated-with-alias.json"));
}

/// The same, as the fuzzer found it: the second creation renames the source.
#[test]
fn merge_reindexes_claims_when_a_source_is_created_again_fuzzed() {
    checks::check_merge(&merge_scenario("merge-source-recreated-fuzzed.json"));
}

/// A verdict that lists a verdict of another claim in `supersedes` (the server accepts any
/// ids there, and so does a JSON import) must not make that claim's status depend on arrival
/// order: refreshing only the superseding verdict's claim left "false" on one replica and
/// "unverified" on another.
#[test]
fn merge_status_does_not_depend_on_arrival_order_across_claims() {
    checks::check_merge(&merge_scenario(
        "merge-verdict-supersedes-another-claims.json",
    ));
}

/// A tag made only of U+0307 (combining dot above) is not empty but folds to the empty
/// string; stored as "", it made the export impossible to import again ("tag is empty").
#[test]
fn import_jsonl_tag_that_folds_to_nothing() {
    checks::check_import(&regression("import-jsonl-tag-that-folds-to-nothing"));
}

/// The same through the CSV importer.
#[test]
fn import_csv_tag_that_folds_to_nothing() {
    checks::check_import(&regression("import-csv-tag-that-folds-to-nothing"));
}

/// A `created_at` after year 9999 is written as `+10000-01-01T00:00:00.000Z`, which the
/// export cannot read back: it came out as 1970-01-01T00:00:00Z.
#[test]
fn import_jsonl_created_at_after_9999() {
    checks::check_import(&regression("import-jsonl-created-at-after-9999"));
}
