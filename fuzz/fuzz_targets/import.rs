//! Arbitrary bytes through the JSON, JSON Lines and CSV importers (the first byte picks the
//! format and whether the database already holds records; see `checks::import_selector`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    claimdb_fuzz::checks::check_import(data);
});
