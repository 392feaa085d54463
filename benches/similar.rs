//! Similar claims at scale: builds a desk of N claims (1,000,000 by default) through the
//! library's write path (operations, full-text index and similar-claims index, 50,000 claims
//! a transaction), then times `Store::similar` on queries that reword stored claims and on
//! new texts, and reports the import rate and the median and p99 of the queries.
//!
//!     cargo bench --bench similar -- [--claims 1000000] [--queries 1000] [--db FILE]
//!                                    [--out FILE.json]
//!
//! With `--db` naming an existing database, the import is skipped and only the queries run.
//! The claim texts are generated from a seeded vocabulary per language (English, Russian,
//! Turkish, Arabic) of about 6,000 content words drawn with a Zipf-like skew, plus names,
//! places and numbers, so that common words are very common and most words are rare, as in
//! real claims.

use std::path::PathBuf;
use std::time::Instant;

use claimdb::Store;
use claimdb::store::{Like, NewClaim};
use serde_json::json;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed towards 0: the index of a word drawn Zipf-like from `n`.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

/// A script's syllables, from which its words are made.
struct Lang {
    syllables: &'static [&'static str],
    glue: &'static [&'static str],
    scale: &'static [&'static str],
}

const LANGS: &[Lang] = &[
    Lang {
        syllables: &[
            "ban", "ker", "lo", "min", "is", "ter", "pol", "ic", "ent", "gov", "ern", "ment",
            "rep", "ort", "tax", "es", "vot", "ers", "hos", "pit", "al", "ref", "or", "um", "bor",
            "der", "wa", "ges", "pri", "ce", "mil", "it", "ar", "y", "health", "schol", "farm",
            "oil", "gas", "tra", "de", "cit", "iz", "en", "ship",
        ],
        glue: &[
            "the", "of", "in", "that", "a", "said", "has", "by", "for", "not",
        ],
        scale: &["million", "thousand", "billion", "percent"],
    },
    Lang {
        syllables: &[
            "пра",
            "ви",
            "тель",
            "ство",
            "ми",
            "нис",
            "тер",
            "бюд",
            "жет",
            "рос",
            "вы",
            "бо",
            "ры",
            "за",
            "кон",
            "цен",
            "на",
            "лог",
            "гра",
            "ни",
            "ца",
            "зар",
            "пла",
            "та",
            "вра",
            "чи",
            "шко",
            "лы",
            "нефть",
            "газ",
            "ар",
            "ми",
            "я",
            "суд",
            "ре",
            "фор",
            "ма",
            "до",
            "хо",
            "ды",
        ],
        glue: &[
            "в",
            "и",
            "на",
            "что",
            "по",
            "заявил",
            "с",
            "не",
            "для",
            "от",
        ],
        scale: &["миллионов", "тысяч", "миллиардов", "процентов"],
    },
    Lang {
        syllables: &[
            "hü", "kü", "met", "ba", "kan", "lı", "ğı", "büt", "çe", "se", "çim", "ver", "gi",
            "fi", "yat", "sı", "nır", "üc", "ret", "has", "ta", "ne", "ok", "ul", "ya", "sa",
            "ask", "er", "ler", "göç", "men", "ış", "ık", "dır", "di", "lar", "ar", "tı", "ş",
        ],
        glue: &[
            "ve", "bir", "bu", "için", "ile", "de", "da", "olarak", "değil", "en",
        ],
        scale: &["milyon", "bin", "milyar", "yüzde"],
    },
    Lang {
        syllables: &[
            "حك", "وم", "ة", "وز", "ير", "مي", "زا", "ني", "ة", "ان", "تخ", "اب", "ات", "ضر", "يب",
            "ة", "حد", "ود", "أج", "ور", "أس", "عا", "ر", "مس", "تش", "فى", "مد", "ار", "س", "نف",
            "ط", "جي", "ش", "قا", "نو", "ن", "لا", "جئ", "ين",
        ],
        glue: &[
            "في", "من", "على", "أن", "إلى", "قال", "عن", "لا", "هذا", "مع",
        ],
        scale: &["مليون", "ألف", "مليار", "بالمئة"],
    },
];

/// Words per script: each a fixed combination of 2–4 syllables, numbered so that word `i`
/// is always the same word.
fn word(lang: &Lang, i: usize) -> String {
    let s = lang.syllables;
    let n = s.len();
    let parts = 2 + i % 3;
    let mut x = i;
    let mut w = String::new();
    for _ in 0..parts {
        w.push_str(s[x % n]);
        x = x / n + 7 * (x % 5) + 1;
    }
    w
}

const VOCABULARY: usize = 6_000;

/// One claim: 8–20 words, some glue, one or two numbers, a name or place.
fn claim(rng: &mut Rng) -> String {
    let lang = &LANGS[rng.below(LANGS.len())];
    let len = 8 + rng.below(13);
    let mut words = Vec::with_capacity(len + 4);
    for _ in 0..len {
        if rng.below(3) == 0 {
            words.push(lang.glue[rng.below(lang.glue.len())].to_string());
        } else {
            words.push(word(lang, rng.zipf(VOCABULARY)));
        }
    }
    let at = rng.below(words.len());
    words.insert(at, format!("{}", 1 + rng.below(999)));
    if rng.below(2) == 0 {
        words.insert(at + 1, lang.scale[rng.below(lang.scale.len())].to_string());
    }
    // A name: a capitalised rare word.
    let mut name = word(lang, VOCABULARY + rng.below(200_000));
    if let Some(c) = name.chars().next() {
        name = c.to_uppercase().chain(name.chars().skip(1)).collect();
    }
    words.insert(rng.below(words.len()), name);
    words.join(" ")
}

/// A stored claim reworded: its words shuffled, one dropped, one new.
fn reword(rng: &mut Rng, text: &str) -> String {
    let mut words: Vec<&str> = text.split(' ').collect();
    for i in (1..words.len()).rev() {
        words.swap(i, rng.below(i + 1));
    }
    words.remove(rng.below(words.len()));
    let mut out = words.join(" ");
    out.push_str(" reportedly");
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn arg(argv: &[String], name: &str) -> Option<String> {
    argv.iter()
        .position(|a| a == name)
        .map(|i| argv[i + 1].clone())
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let claims: usize = arg(&argv, "--claims").map_or(1_000_000, |s| s.parse().unwrap());
    let queries: usize = arg(&argv, "--queries").map_or(1_000, |s| s.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let db = arg(&argv, "--db").map_or_else(|| dir.path().join("similar.db"), PathBuf::from);
    let existing = db.exists();
    let mut store = Store::open(&db, Some("bench")).unwrap();
    let mut import = None;
    if !existing {
        let started = Instant::now();
        let mut rng = Rng(42);
        let chunk = 50_000;
        let mut done = 0;
        while done < claims {
            let n = chunk.min(claims - done);
            let rows: Vec<_> = (0..n)
                .map(|i| {
                    Ok((
                        done + i + 1,
                        NewClaim {
                            text: claim(&mut rng),
                            ..Default::default()
                        },
                    ))
                })
                .collect();
            store.import_claims(rows).unwrap();
            done += n;
            eprintln!(
                "{done} claims, {:.0} claims/s",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
        let secs = started.elapsed().as_secs_f64();
        import = Some(
            json!({"claims": claims, "seconds": secs, "claims_per_second": claims as f64 / secs}),
        );
    }
    // Queries: half reword a stored claim (regenerated from the same seed), half are new.
    let mut rng = Rng(42);
    let stride = (claims / queries.max(1)).max(1);
    let mut stored = Vec::new();
    for i in 0..claims.min(stride * queries) {
        let t = claim(&mut rng);
        if i % stride == 0 {
            stored.push(t);
        }
    }
    let mut qrng = Rng(7);
    let mut fresh = Rng(1_000_003);
    let mut ms = Vec::with_capacity(queries);
    let mut found = 0usize;
    for i in 0..queries {
        let text = if i % 2 == 0 && !stored.is_empty() {
            reword(&mut qrng, &stored[i % stored.len()])
        } else {
            claim(&mut fresh)
        };
        let t = Instant::now();
        let hits = store.similar(Like::Text(&text), 5, 0.0).unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if i % 2 == 0
            && hits
                .first()
                .is_some_and(|h| h.score >= claimdb::similar::CHECKED_BEFORE)
        {
            found += 1;
        }
    }
    ms.sort_by(f64::total_cmp);
    let doc = json!({
        "claims": claims,
        "queries": queries,
        "import": import,
        "similar_ms": {
            "p50": percentile(&ms, 0.5),
            "p99": percentile(&ms, 0.99),
            "max": ms[ms.len() - 1],
        },
        "reworded_found_above_threshold": found as f64 / (queries / 2).max(1) as f64,
    });
    println!("{}", serde_json::to_string_pretty(&doc).unwrap());
    if let Some(out) = arg(&argv, "--out") {
        std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
}
