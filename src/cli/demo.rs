//! `claimdb demo`: a walkthrough on a temporary database. Every step is a real command, run
//! through the same code as if typed, and printed first as the user would type it.

/// `println!` that does not panic when the reader went away (`claimdb demo | head`).
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

use anyhow::{Context, Result};
use clap::Parser;

use super::args::Cli;

const SAMPLE: &str = include_str!("demo/sample-article.txt");

pub fn run() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("claimdb-demo-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = walkthrough(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn step(db: &str, words: &[&str]) -> Result<()> {
    let shown: Vec<String> = words
        .iter()
        .map(|w| {
            if w.contains([' ', '"', '\'', '(', ')']) || w.is_empty() {
                format!("'{}'", w.replace('\'', "'\\''"))
            } else {
                w.to_string()
            }
        })
        .collect();
    say!("\n$ claimdb {}", shown.join(" "));
    let mut argv = vec!["claimdb", "--db", db, "--user", "demo"];
    argv.extend_from_slice(words);
    let cli = Cli::try_parse_from(argv).context("demo step did not parse")?;
    super::run(cli)
}

fn walkthrough(dir: &std::path::Path) -> Result<()> {
    let db = dir.join("demo.db");
    let db = db
        .to_str()
        .context("temporary path is not UTF-8")?
        .to_string();
    let article = dir.join("harbourton-pier.txt");
    std::fs::write(&article, SAMPLE)?;
    let article = article
        .to_str()
        .context("temporary path is not UTF-8")?
        .to_string();
    let url = "https://gazette.example/harbourton-pier";
    say!("claimdb demo: a fact-check of a short local news story, on a temporary database.");
    say!("(Each step is the command you would type; --db and --user are left out.)");
    step(&db, &["init"])?;
    step(
        &db,
        &[
            "article",
            "add",
            url,
            "--title",
            "Harbourton to close ferry pier",
            "--outlet",
            "Harbourton Gazette",
            "--published",
            "2024-05-14",
            "--lang",
            "en",
            "--text-file",
            &article,
        ],
    )?;
    step(
        &db,
        &["source", "add", "Elena Vasquez", "--alias", "Mayor Vasquez"],
    )?;
    step(
        &db,
        &[
            "claim",
            "add",
            "The Harbourton ferry pier carried more than 400,000 passengers in 2023",
            "--speaker",
            "Mayor Vasquez",
            "--article",
            url,
            "--quote",
            "the pier had carried more than 400,000 passengers last year",
            "--said-on",
            "2024-05-14",
            "--tag",
            "transport",
        ],
    )?;
    step(
        &db,
        &[
            "claim",
            "add",
            "The pier has not been repaired since 1987",
            "--speaker",
            "Elena Vasquez",
            "--article",
            url,
            "--quote",
            "The pier has not been repaired since 1987",
            "--tag",
            "transport",
        ],
    )?;
    step(
        &db,
        &[
            "claim",
            "add",
            "Ferry passenger numbers halved after the new bridge opened",
            "--speaker",
            "Blue Line Ferries",
            "--via",
            "Radio Harbourton",
            "--article",
            url,
            "--quote",
            "passenger numbers had fallen by half since the new bridge opened",
        ],
    )?;
    step(&db, &["claim", "list"])?;
    let first = first_claim_matching(&db, "400,000")?;
    step(
        &db,
        &[
            "mark",
            &first,
            "mostly-true",
            "--note",
            "Port authority reports 391,000 passengers in 2023",
            "--evidence",
            "https://port.example/annual-report-2023",
        ],
    )?;
    let repaired = first_claim_matching(&db, "1987")?;
    step(
        &db,
        &[
            "mark",
            &repaired,
            "false",
            "--note",
            "Council minutes record pier repairs in 2009",
        ],
    )?;
    step(&db, &["search", "passengers"])?;
    step(&db, &["claim", "show", &first])?;
    step(
        &db,
        &[
            "export",
            "--format",
            "claimreview",
            "--publisher",
            "Harbourton Fact Desk",
        ],
    )?;
    step(&db, &["log", "--limit", "5"])?;
    say!(
        "\nThat was a temporary database; it has been removed. Start your own with `claimdb init`."
    );
    Ok(())
}

/// The short id of the first claim whose text contains `needle`, as a user would copy it.
fn first_claim_matching(db: &str, needle: &str) -> Result<String> {
    let store = claimdb::Store::open(std::path::Path::new(db), None)?;
    let rows = store.claim_list(&claimdb::store::ClaimFilter::default())?;
    rows.into_iter()
        .find(|r| r.text.contains(needle))
        .map(|r| r.short_id)
        .context("demo claim not found")
}
