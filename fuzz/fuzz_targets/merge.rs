//! A short multi-replica history applied to two stores in two orders: same tables, same
//! export, tables that rebuild from the log, and failed writes that change nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(s) = claimdb_fuzz::merge_gen::scenario_from_bytes(data) {
        claimdb_fuzz::checks::check_merge(&s);
    }
});
