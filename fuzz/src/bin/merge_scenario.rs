//! Print the merge scenario a `merge` fuzz input decodes to, as JSON (the form the
//! regression tests replay): `merge_scenario INPUT > scenario.json`.

// Fuzz builds instrument every crate; linking libFuzzer provides the coverage hooks.
extern crate libfuzzer_sys;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: merge_scenario INPUT");
    let data = std::fs::read(&path).expect("read input");
    let scenario = claimdb_fuzz::merge_gen::scenario_from_bytes(&data).expect("decodes");
    println!("{}", serde_json::to_string_pretty(&scenario).unwrap());
}
