//! Arbitrary bytes through the sync protocol's body parsers and the operation parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    claimdb_fuzz::checks::check_wire(data);
});
