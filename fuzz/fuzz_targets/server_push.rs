//! Arbitrary bytes as a push body, through the SQLite backend in process (no HTTP).
#![no_main]

use std::sync::Mutex;

use claimdb_fuzz::checks::PushHarness;
use libfuzzer_sys::fuzz_target;

static HARNESS: Mutex<Option<PushHarness>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut h = HARNESS.lock().unwrap_or_else(|p| p.into_inner());
    h.get_or_insert_with(PushHarness::new).check(data);
});
