//! Bulk data for load and crash tests.
#![allow(dead_code)]

use super::Env;

/// Write a JSON Lines file of `n` claims by the environment's user (one operation each on
/// import) and return its path.
pub fn claims_file(env: &Env, name: &str, n: usize) -> std::path::PathBuf {
    let path = env.path(name);
    let mut body = String::with_capacity(n * 256);
    for i in 0..n {
        body += &serde_json::json!({
            "type": "claim",
            "id": uuid::Uuid::new_v4(),
            "text": format!("{} claim {i}: «цифры» {} 📊", env.user, i * 7),
            "speaker": null, "said_on": null, "tags": [], "deleted": false,
            "created_at": "2024-05-01T00:00:00Z", "created_by": env.user,
        })
        .to_string();
        body.push('\n');
    }
    std::fs::write(&path, body).unwrap();
    path
}

/// A small seeded random number generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
