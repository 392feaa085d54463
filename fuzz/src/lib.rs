//! Fuzzing support for claimdb: the checked properties (`checks`, shared with the regression
//! tests) and the generator that turns fuzz input into a merge scenario (`merge_gen`).

pub mod checks;
pub mod merge_gen;
