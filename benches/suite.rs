//! claimdb's benchmark suite: a synthetic desk at several sizes, each measure beside a
//! baseline taken in the same run.
//!
//!     cargo bench --bench suite -- [--sizes 1000,100000,1000000] [--runs 3] [--out FILE.json]
//!                                  [--from-gen gen.jsonl]
//!     cargo bench --bench suite -- --extract [--mb 1,10] [--runs 7] [--out FILE.json]
//!
//! `--from-gen` converts the documents of the CouchDB peer's generator (one JSON object per
//! line) into claimdb records and measures push and pull on exactly those documents.
//! `--extract` measures only claim extraction over 1 MB and 10 MB (or `--mb`) of English news
//! prose (the extraction fixtures, repeated) against one pass of sentence splitting over the
//! same text.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use claimdb::Store;
use claimdb::interchange::Record;
use claimdb::model::{SourceKind, Stance, Status};
use rusqlite::params;
use serde_json::{Value, json};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_claimdb");

// ---------------------------------------------------------------------------- generator

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
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(
            ((u128::from(self.next()) << 64) | u128::from(self.next())).to_le_bytes(),
        )
        .into_uuid()
    }
}

const WORDS: &[&[&str]] = &[
    &[
        "minister",
        "budget",
        "percent",
        "growth",
        "election",
        "report",
        "official",
        "statement",
        "increase",
        "government",
        "program",
        "inflation",
        "survey",
        "record",
        "country",
        "city",
    ],
    &[
        "министр",
        "бюджет",
        "процент",
        "рост",
        "выборы",
        "отчёт",
        "заявление",
        "правительство",
        "инфляция",
        "опрос",
        "данные",
        "город",
        "страна",
        "закон",
        "реформа",
        "цены",
    ],
    &[
        "bakan",
        "bütçe",
        "yüzde",
        "büyüme",
        "seçim",
        "rapor",
        "açıklama",
        "hükümet",
        "enflasyon",
        "anket",
        "şehir",
        "ülke",
        "ışık",
        "İstanbul",
        "fiyat",
        "yasa",
    ],
    &[
        "وزير",
        "ميزانية",
        "نسبة",
        "نمو",
        "انتخابات",
        "تقرير",
        "بيان",
        "حكومة",
        "تضخم",
        "مدينة",
    ],
];

fn sentence(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let target = rng.range(lo, hi);
    let script = WORDS[if rng.below(10) < 6 {
        0
    } else {
        1 + rng.below(3)
    }];
    let mut s = String::new();
    while s.chars().count() < target {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(script[rng.below(script.len())]);
        if rng.below(12) == 0 {
            s.push_str(&format!(" {}", rng.below(10_000)));
        }
    }
    s.chars().take(hi).collect::<String>().trim().to_string()
}

fn time(rng: &mut Rng) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_600_000_000 + rng.below(150_000_000) as i64, 0).unwrap()
}

/// A desk of `n` claims: 1–3 appearances each with a quote, 1–3 verdicts (each superseding the
/// last), 0–2 evidence links, over 5,000 sources and 50,000 articles (fewer for small desks).
fn desk(n: usize, seed: u64) -> Vec<Record> {
    let mut rng = Rng(seed);
    let n_sources = (n / 20).clamp(50, 5_000);
    let n_articles = (n / 2).clamp(100, 50_000);
    let mut out = Vec::with_capacity(n * 7);
    let sources: Vec<Uuid> = (0..n_sources)
        .map(|i| {
            let name = format!("{} {i}", sentence(&mut rng, 5, 20));
            let id = claimdb::ops::source_id(&name);
            out.push(Record::Source {
                id,
                name,
                kind: if i % 10 == 0 {
                    SourceKind::Outlet
                } else {
                    SourceKind::Person
                },
                url: None,
                aliases: Vec::new(),
                created_at: time(&mut rng),
            });
            id
        })
        .collect();
    let articles: Vec<Uuid> = (0..n_articles)
        .map(|i| {
            let url = format!("https://news.example/a/{i}");
            let id = claimdb::ops::article_id(&url);
            out.push(Record::Article {
                id,
                url: Some(url),
                title: Some(sentence(&mut rng, 20, 80)),
                outlet: Some(sources[rng.below(sources.len()) / 10 * 10]),
                published: Some(time(&mut rng).date_naive()),
                lang: Some("en".into()),
                text: None,
                text_sha256: None,
                created_at: time(&mut rng),
            });
            id
        })
        .collect();
    let statuses = [
        Status::Verified,
        Status::False,
        Status::Mixed,
        Status::Misleading,
        Status::MostlyTrue,
        Status::Unverifiable,
        Status::InProgress,
    ];
    for _ in 0..n {
        let claim = rng.uuid();
        out.push(Record::Claim {
            id: claim,
            text: sentence(&mut rng, 60, 300),
            speaker: Some(sources[rng.below(sources.len())]),
            said_on: Some(time(&mut rng).date_naive()),
            tags: {
                let mut t: Vec<String> = (0..rng.below(3))
                    .map(|_| format!("tag{}", rng.below(30)))
                    .collect();
                t.sort();
                t.dedup();
                t
            },
            status: None,
            deleted: false,
            created_at: time(&mut rng),
            created_by: "bench".into(),
        });
        for _ in 0..rng.range(1, 3) {
            out.push(Record::Appearance {
                id: rng.uuid(),
                claim,
                article: Some(articles[rng.below(articles.len())]),
                via: (rng.below(10) < 6).then(|| sources[rng.below(sources.len())]),
                quote: Some(sentence(&mut rng, 40, 200)),
                anchor: None,
                created_at: time(&mut rng),
            });
        }
        let mut prev: Option<Uuid> = None;
        for _ in 0..rng.range(1, 3) {
            let id = rng.uuid();
            out.push(Record::Verdict {
                id,
                claim,
                status: statuses[rng.below(statuses.len())],
                note: Some(sentence(&mut rng, 20, 120)),
                author: "bench".into(),
                supersedes: prev.into_iter().collect(),
                created_at: time(&mut rng),
            });
            prev = Some(id);
        }
        for _ in 0..rng.below(3) {
            out.push(Record::Evidence {
                id: rng.uuid(),
                claim,
                url: Some(format!("https://evidence.example/{}", rng.below(1_000_000))),
                stance: [Stance::Supports, Stance::Refutes, Stance::Context][rng.below(3)],
                note: None,
                created_at: time(&mut rng),
            });
        }
    }
    out
}

/// The CouchDB peer's documents as claimdb records: the speaker and outlet become sources, the
/// article an article with the quote as an appearance, each verdict superseding the last.
/// The desk made of the first documents of `path`, and the records of its last `hold_back`
/// documents (sources and articles the desk has already are not repeated).
fn from_gen(path: &Path, hold_back: usize) -> (Vec<Record>, Vec<Record>) {
    let total = BufReader::new(std::fs::File::open(path).expect("gen.jsonl"))
        .lines()
        .count();
    let keep = total.saturating_sub(hold_back);
    let mut held = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<Uuid, ()> = HashMap::new();
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    };
    let epoch = chrono::DateTime::from_timestamp(1_600_000_000, 0).unwrap();
    let file = BufReader::new(std::fs::File::open(path).expect("gen.jsonl"));
    for (i, line) in file.lines().enumerate() {
        if i == keep {
            held = std::mem::take(&mut out);
        }
        let d: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let mut source = |name: &str, kind: SourceKind, out: &mut Vec<Record>| {
            let id = claimdb::ops::source_id(name);
            if seen.insert(id, ()).is_none() {
                out.push(Record::Source {
                    id,
                    name: name.into(),
                    kind,
                    url: None,
                    aliases: vec![],
                    created_at: epoch,
                });
            }
            id
        };
        let speaker = source(d["speaker"].as_str().unwrap(), SourceKind::Person, &mut out);
        let via = d["via"]
            .as_str()
            .map(|v| source(v, SourceKind::Outlet, &mut out));
        let url = d["article"]["url"].as_str().unwrap();
        let article = claimdb::ops::article_id(url);
        if seen.insert(article, ()).is_none() {
            out.push(Record::Article {
                id: article,
                url: Some(url.into()),
                title: None,
                outlet: None,
                published: None,
                lang: None,
                text: None,
                text_sha256: None,
                created_at: epoch,
            });
        }
        let claim = Uuid::parse_str(d["_id"].as_str().unwrap()).unwrap();
        out.push(Record::Claim {
            id: claim,
            text: d["text"].as_str().unwrap().into(),
            speaker: Some(speaker),
            said_on: None,
            tags: d["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().into())
                .collect(),
            status: None,
            deleted: false,
            created_at: epoch,
            created_by: "bench".into(),
        });
        out.push(Record::Appearance {
            id: Uuid::new_v5(&claim, b"appearance"),
            claim,
            article: Some(article),
            via,
            quote: d["article"]["quote"].as_str().map(String::from),
            anchor: None,
            created_at: epoch,
        });
        let mut prev: Option<Uuid> = None;
        for (i, v) in d["verdicts"].as_array().unwrap().iter().enumerate() {
            let id = Uuid::new_v5(&claim, format!("verdict{i}").as_bytes());
            out.push(Record::Verdict {
                id,
                claim,
                status: serde_json::from_value(v["status"].clone()).unwrap_or(Status::Mixed),
                note: v["note"].as_str().map(String::from),
                author: "bench".into(),
                supersedes: prev.into_iter().collect(),
                created_at: at(v["at"].as_str().unwrap_or("")),
            });
            prev = Some(id);
        }
    }
    if keep < total {
        std::mem::swap(&mut held, &mut out);
    }
    (out, held)
}

fn write_jsonl(records: &[Record], path: &Path) -> u64 {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for r in records {
        serde_json::to_writer(&mut f, r).unwrap();
        f.write_all(b"\n").unwrap();
    }
    f.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

// ---------------------------------------------------------------------------- measuring

#[derive(Clone, Debug, serde::Serialize)]
struct Stat {
    median: f64,
    min: f64,
    max: f64,
}

fn stat(mut v: Vec<f64>) -> Stat {
    v.sort_by(f64::total_cmp);
    Stat {
        median: v[v.len() / 2],
        min: v[0],
        max: v[v.len() - 1],
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn claimdb(db: &Path) -> Command {
    // `CLAIMDB_CONFIG` must name a file that exists.
    let config = db.with_extension("config.toml");
    if !config.exists() {
        std::fs::write(&config, "").expect("write the config file");
    }
    let mut c = Command::new(BIN);
    c.env("CLAIMDB_USER", "bench")
        .env("CLAIMDB_CONFIG", config)
        .env_remove("CLAIMDB_TOKEN")
        .arg("--db")
        .arg(db);
    c
}

/// Run to completion; returns (seconds, peak RSS in MB read from /proc while it ran).
/// Run `cmd` to completion: wall seconds (the wait is exact, not polled) and peak memory in
/// MB, sampled from another thread while it runs (0 for a process too short to sample).
fn timed(mut cmd: Command) -> (f64, f64) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0.0f64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(vm_hwm_mb(pid));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    assert!(status.success(), "{cmd:?} failed: {err}");
    (elapsed, peak)
}

fn vm_hwm_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The same rows straight into the same tables with prepared statements in one transaction,
/// without the operation log, its merge bookkeeping or the search index.
fn raw_insert(records: &[Record], path: &Path) -> f64 {
    drop(Store::open(path, Some("bench")).unwrap());
    let mut c = rusqlite::Connection::open(path).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    let start = Instant::now();
    let tx = c.transaction().unwrap();
    {
        let mut src = tx
            .prepare(
                "INSERT INTO sources (id, name, kind, url, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .unwrap();
        let mut names = tx.prepare("INSERT INTO source_names (source_id, name, folded, is_alias) VALUES (?1, ?2, ?3, 0)").unwrap();
        let mut art = tx.prepare("INSERT INTO articles (id, url, title, outlet_id, published, lang, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)").unwrap();
        let mut cl = tx.prepare("INSERT INTO claims (id, text, speaker_id, said_on, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").unwrap();
        let mut tag = tx
            .prepare("INSERT INTO claim_tags (claim_id, tag) VALUES (?1, ?2)")
            .unwrap();
        let mut ap = tx.prepare("INSERT INTO appearances (id, claim_id, article_id, via_id, quote, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").unwrap();
        let mut ve = tx.prepare("INSERT INTO verdicts (id, claim_id, status, note, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").unwrap();
        let mut sup = tx
            .prepare("INSERT INTO verdict_supersedes (verdict_id, superseded_id) VALUES (?1, ?2)")
            .unwrap();
        let mut ev = tx.prepare("INSERT INTO evidence (id, claim_id, url, stance, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").unwrap();
        let s = |u: &Uuid| u.to_string();
        let t = |d: &chrono::DateTime<chrono::Utc>| claimdb::text::timestamp(d);
        for r in records {
            match r {
                Record::Source {
                    id,
                    name,
                    kind,
                    url,
                    created_at,
                    ..
                } => {
                    src.execute(params![s(id), name, kind.as_str(), url, t(created_at)])
                        .unwrap();
                    names
                        .execute(params![s(id), name, claimdb::text::fold(name)])
                        .unwrap();
                }
                Record::Article {
                    id,
                    url,
                    title,
                    outlet,
                    published,
                    lang,
                    created_at,
                    ..
                } => {
                    art.execute(params![
                        s(id),
                        url,
                        title,
                        outlet.as_ref().map(s),
                        published.map(|d| d.to_string()),
                        lang,
                        t(created_at)
                    ])
                    .unwrap();
                }
                Record::Claim {
                    id,
                    text,
                    speaker,
                    said_on,
                    tags,
                    created_at,
                    created_by,
                    ..
                } => {
                    cl.execute(params![
                        s(id),
                        text,
                        speaker.as_ref().map(s),
                        said_on.map(|d| d.to_string()),
                        t(created_at),
                        created_by
                    ])
                    .unwrap();
                    for g in tags {
                        tag.execute(params![s(id), g]).unwrap();
                    }
                }
                Record::Appearance {
                    id,
                    claim,
                    article,
                    via,
                    quote,
                    created_at,
                    ..
                } => {
                    ap.execute(params![
                        s(id),
                        s(claim),
                        article.as_ref().map(s),
                        via.as_ref().map(s),
                        quote,
                        t(created_at)
                    ])
                    .unwrap();
                }
                Record::Verdict {
                    id,
                    claim,
                    status,
                    note,
                    author,
                    supersedes,
                    created_at,
                } => {
                    ve.execute(params![
                        s(id),
                        s(claim),
                        status.as_str(),
                        note,
                        author,
                        t(created_at)
                    ])
                    .unwrap();
                    for o in supersedes {
                        sup.execute(params![s(id), s(o)]).unwrap();
                    }
                }
                Record::Evidence {
                    id,
                    claim,
                    url,
                    stance,
                    note,
                    created_at,
                } => {
                    ev.execute(params![
                        s(id),
                        s(claim),
                        url,
                        stance.as_str(),
                        note,
                        t(created_at)
                    ])
                    .unwrap();
                }
                // The generated corpus holds no reviews published elsewhere.
                Record::Review { .. } => {}
            }
        }
    }
    tx.commit().unwrap();
    start.elapsed().as_secs_f64()
}

struct ServerProc {
    child: Child,
    url: String,
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> ServerProc {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    ServerProc { child, url }
}

fn admin(data: &Path, args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .arg("--json")
        .arg("server")
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A trivial HTTP endpoint: answers every request with `body`, reading and dropping what is sent.
fn trivial_endpoint(body: Vec<u8>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let body = body.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        r.read_line(&mut line).unwrap();
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap();
                        }
                    }
                    let mut sink = vec![0u8; len];
                    r.read_exact(&mut sink).unwrap();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    if s.write_all(head.as_bytes())
                        .and_then(|_| s.write_all(&body))
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------- the suite

struct Args {
    sizes: Vec<usize>,
    runs: usize,
    out: Option<PathBuf>,
    from_gen: Option<PathBuf>,
    /// Documents of `--from-gen` held back for the incremental pull.
    hold_back: usize,
}

fn args() -> Args {
    let mut a = Args {
        sizes: vec![1_000],
        runs: 3,
        out: None,
        from_gen: None,
        hold_back: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--sizes" => {
                a.sizes = it
                    .next()
                    .unwrap()
                    .split(',')
                    .map(|s| s.parse().unwrap())
                    .collect()
            }
            "--runs" => a.runs = it.next().unwrap().parse().unwrap(),
            "--out" => a.out = it.next().map(PathBuf::from),
            "--from-gen" => a.from_gen = it.next().map(PathBuf::from),
            "--hold-back" => a.hold_back = it.next().unwrap().parse().unwrap(),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

/// Milliseconds of each of 200 one- and two-word searches through the library, sorted.
fn search_latencies(db: &Path) -> Vec<f64> {
    let store = Store::open(db, Some("bench")).unwrap();
    let mut rng = Rng(7);
    let mut ms: Vec<f64> = (0..200)
        .map(|_| {
            let script = WORDS[rng.below(WORDS.len())];
            let q = if rng.below(2) == 0 {
                script[rng.below(script.len())].to_string()
            } else {
                format!(
                    "{} {}",
                    script[rng.below(script.len())],
                    script[rng.below(script.len())]
                )
            };
            let t = Instant::now();
            let _ = store.search(&q, 20).unwrap();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms
}

// ---------------------------------------------------------------------------- extraction

/// English news prose of at least `bytes` bytes: the extraction fixtures (made-up articles kept
/// in the repository), in name order, separated by a blank line, repeated.
fn news_prose(bytes: usize) -> (String, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/extract")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let articles: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().trim().to_string())
        .collect();
    assert!(!articles.is_empty(), "no fixtures in {}", dir.display());
    let mut text = String::with_capacity(bytes + 4096);
    let mut n = 0;
    while text.len() < bytes {
        for a in &articles {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(a);
            n += 1;
        }
    }
    (text, n)
}

/// Claim extraction over `bytes` of news prose, `runs` times, against one pass of UAX #29
/// sentence splitting over the same text in the same run (the two alternate).
fn extraction(bytes: usize, runs: usize) -> Value {
    use unicode_segmentation::UnicodeSegmentation;
    let (text, articles) = news_prose(bytes);
    let mb = text.len() as f64 / 1e6;
    eprintln!("== claim extraction: {mb:.1} MB of news prose ({articles} articles)");
    let cx = claimdb::extract::Context::default();
    let (mut ext, mut split) = (Vec::new(), Vec::new());
    let (mut candidates, mut sentences) = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let found = claimdb::extract::extract(std::hint::black_box(&text), &cx);
        ext.push(t.elapsed().as_secs_f64() * 1e3);
        candidates = std::hint::black_box(found).len();
        let t = Instant::now();
        sentences = std::hint::black_box(&text).split_sentence_bounds().count();
        split.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (ext, split) = (stat(ext), stat(split));
    eprintln!(
        "extract {:.1} ms (min {:.1}), sentence split {:.2} ms (min {:.2}): {:.1}x, {:.2} MB/s, {candidates} candidates, {sentences} sentences",
        ext.median,
        ext.min,
        split.median,
        split.min,
        ext.median / split.median,
        mb / (ext.median / 1e3)
    );
    json!({
        "bytes": text.len(),
        "articles": articles,
        "runs": runs,
        "extract_ms": ext,
        "sentence_split_ms": split,
        "ratio": ext.median / split.median,
        "extract_mb_per_s": mb / (ext.median / 1e3),
        "sentence_split_mb_per_s": mb / (split.median / 1e3),
        "candidates": candidates,
        "sentences": sentences,
    })
}

/// Extraction at each size in MB (1 and 10 by default), and how the time per MB grew from the
/// first size to the last (median and min).
fn extraction_suite(mb: &[usize], runs: usize) -> Value {
    let sizes: Vec<Value> = mb.iter().map(|n| extraction(n * 1_000_000, runs)).collect();
    let (small, large) = (&sizes[0], &sizes[sizes.len() - 1]);
    let per_mb = |r: &Value, of: &str| {
        r["extract_ms"][of].as_f64().unwrap() / (r["bytes"].as_f64().unwrap() / 1e6)
    };
    let growth = |of: &str| per_mb(large, of) / per_mb(small, of);
    eprintln!(
        "extract per MB at {} MB / {} MB: median {:.1} / {:.1} ms ({:.2}x), min {:.1} / {:.1} ms ({:.2}x); 1.00x is linear",
        mb[0],
        mb[mb.len() - 1],
        per_mb(small, "median"),
        per_mb(large, "median"),
        growth("median"),
        per_mb(small, "min"),
        per_mb(large, "min"),
        growth("min")
    );
    json!({
        "per_mb_growth": {"median": growth("median"), "min": growth("min")},
        "sizes": sizes,
    })
}

fn machine(runs: usize) -> Value {
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "memory_gb": std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))).map(|kb| kb / 1048576.0),
        "date": chrono::Utc::now().to_rfc3339(),
        "runs": runs,
    })
}

fn main() {
    // `--write-desk N FILE`: only write the synthetic desk of N claims as JSON Lines.
    let argv: Vec<String> = std::env::args().collect();
    // `--search DB`: only time the searches on an existing database.
    if let Some(i) = argv.iter().position(|a| a == "--search") {
        let ms = search_latencies(Path::new(&argv[i + 1]));
        eprintln!(
            "search p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            ms[ms.len() - 1]
        );
        return;
    }
    // `--extract [--mb 1,10] [--runs N] [--out FILE.json]`: only claim extraction, N times (7 by
    // default) at each size in MB.
    if argv.iter().any(|a| a == "--extract") {
        let runs = argv
            .iter()
            .position(|a| a == "--runs")
            .map_or(7, |i| argv[i + 1].parse().unwrap());
        let mb: Vec<usize> = argv
            .iter()
            .position(|a| a == "--mb")
            .map_or(vec![1, 10], |i| {
                argv[i + 1].split(',').map(|s| s.parse().unwrap()).collect()
            });
        let doc = json!({"machine": machine(runs), "extraction": extraction_suite(&mb, runs)});
        println!("{}", serde_json::to_string_pretty(&doc).unwrap());
        if let Some(i) = argv.iter().position(|a| a == "--out") {
            std::fs::write(&argv[i + 1], serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        }
        return;
    }
    if let Some(i) = argv.iter().position(|a| a == "--write-desk") {
        let n: usize = argv[i + 1].parse().unwrap();
        let bytes = write_jsonl(&desk(n, 20261125 + n as u64), Path::new(&argv[i + 2]));
        eprintln!("wrote {n} claims, {bytes} bytes");
        return;
    }
    let a = args();
    let scratch = tempfile::Builder::new()
        .prefix("claimdb-bench")
        .tempdir()
        .unwrap();
    let mut results = Vec::new();
    let mut one_change_small: Option<f64> = None;
    let sizes: Vec<(String, Vec<Record>, Vec<Record>)> = match &a.from_gen {
        Some(p) => {
            let (desk, held) = from_gen(p, a.hold_back);
            vec![(format!("peer documents {}", p.display()), desk, held)]
        }
        None => a
            .sizes
            .iter()
            .map(|n| {
                (
                    format!("{n} claims"),
                    desk(*n, 20261125 + *n as u64),
                    Vec::new(),
                )
            })
            .collect(),
    };
    for (label, records, held) in sizes {
        let claims = records
            .iter()
            .filter(|r| matches!(r, Record::Claim { .. }))
            .count();
        let dir = scratch.path().join(format!("n{claims}"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("desk.jsonl");
        let bytes = write_jsonl(&records, &file);
        eprintln!(
            "== {label}: {} records, {:.1} MB",
            records.len(),
            bytes as f64 / 1e6
        );
        let mut r = json!({"size": claims, "label": label, "records": records.len(), "jsonl_mb": bytes as f64 / 1e6});

        // Bulk import against raw inserts.
        let (mut imp, mut raw) = (Vec::new(), Vec::new());
        let mut import_rss = 0.0f64;
        let db = dir.join("desk.db");
        for i in 0..a.runs {
            let path = dir.join(format!("import{i}.db"));
            // An empty database with its schema, as the baseline starts from.
            let mut c = claimdb(&path);
            c.arg("init");
            timed(c);
            let mut c = claimdb(&path);
            c.args(["import", file.to_str().unwrap()]);
            let (s, rss) = timed(c);
            imp.push(claims as f64 / s);
            import_rss = import_rss.max(rss);
            raw.push(claims as f64 / raw_insert(&records, &dir.join(format!("raw{i}.db"))));
            if i == 0 {
                std::fs::rename(&path, &db).unwrap();
                let _ = std::fs::rename(path.with_extension("db-wal"), db.with_extension("db-wal"));
            } else {
                let _ = std::fs::remove_file(&path);
            }
            let _ = std::fs::remove_file(dir.join(format!("raw{i}.db")));
        }
        let (imp, raw) = (stat(imp), stat(raw));
        eprintln!(
            "import {:.0} claims/s (raw {:.0}): {:.2}x, peak RSS {import_rss:.0} MB",
            imp.median,
            raw.median,
            imp.median / raw.median
        );
        r["import_claims_per_s"] = json!(imp);
        r["raw_insert_claims_per_s"] = json!(raw);
        r["import_ratio"] = json!(imp.median / raw.median);
        r["import_peak_rss_mb"] = json!(import_rss);

        // Whole-process list and show against one query through rusqlite.
        let some_claim = records
            .iter()
            .find_map(|r| match r {
                Record::Claim { id, .. } => Some(*id),
                _ => None,
            })
            .unwrap();
        let reps = 15;
        let whole = |args: &[&str]| {
            stat(
                (0..reps)
                    .map(|_| {
                        let mut c = claimdb(&db);
                        c.args(args);
                        timed(c).0 * 1e3
                    })
                    .collect(),
            )
        };
        let list = whole(&["claim", "list", "--limit", "50"]);
        let show = whole(&["claim", "show", &some_claim.to_string()]);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let single = stat((0..reps).map(|_| {
            let t = Instant::now();
            let mut st = conn.prepare("SELECT id, text, status FROM claims WHERE NOT deleted ORDER BY created_at DESC, id DESC LIMIT 50").unwrap();
            let n = st.query_map([], |r| r.get::<_, String>(0)).unwrap().count();
            assert_eq!(n, 50.min(claims));
            t.elapsed().as_secs_f64() * 1e3
        }).collect());
        eprintln!(
            "claim list --limit 50 {:.1} ms, claim show {:.1} ms (single query {:.2} ms)",
            list.median, show.median, single.median
        );
        r["claim_list_ms"] = json!(list);
        r["claim_show_ms"] = json!(show);
        r["single_query_ms"] = json!(single);

        // Search: 200 queries of words from the desk.
        let ms = search_latencies(&db);
        eprintln!(
            "search p50 {:.2} ms, p99 {:.2} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99)
        );
        r["search_p50_ms"] = json!(percentile(&ms, 0.5));
        r["search_p99_ms"] = json!(percentile(&ms, 0.99));

        // Push everything to a fresh server, then a new member's first pull.
        let data = dir.join("server");
        admin(&data, &["workspace-create", "desk"]);
        let token = admin(&data, &["member-add", "desk", "bench"])["token"]
            .as_str()
            .unwrap()
            .to_string();
        let server = serve(&data);
        let spid = server.child.id();
        let url = format!("{}/desk", server.url);
        let mut c = claimdb(&db);
        c.args(["remote", "add", "origin", &url, "--token", &token]);
        timed(c);
        let ops = Store::open(&db, Some("bench")).unwrap().op_count().unwrap();
        let mut c = claimdb(&db);
        c.args(["push", "--batch", "1000"]);
        let (push_s, push_rss) = timed(c);
        let push_end = Instant::now();
        // The server's replica (the board's, which snapshots are copies of) reads the log in
        // the background at low priority; how long it takes after the push.
        let http = reqwest::blocking::Client::new();
        let replica_url = format!("{}/v1/workspaces/desk/replica", server.url);
        let catch_up_deadline = Instant::now() + Duration::from_secs(3600);
        loop {
            let p: Value = http
                .get(&replica_url)
                .bearer_auth(&token)
                .send()
                .unwrap()
                .json()
                .unwrap();
            if p["replica"] == p["head"] {
                break;
            }
            assert!(
                Instant::now() < catch_up_deadline,
                "the replica never caught up"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let catch_up = push_end.elapsed().as_secs_f64();
        // A new member joins: an empty database's first pull, whole process (it takes the
        // server's snapshot, checks it, and pulls what came after).
        let joined_db = dir.join("joined.db");
        let mut c = claimdb(&joined_db);
        c.args(["remote", "add", "origin", &url, "--token", &token]);
        timed(c);
        let t = Instant::now();
        let out = claimdb(&joined_db)
            .args(["--json", "pull"])
            .output()
            .unwrap();
        let join_s = t.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let joined: Value = serde_json::from_slice(&out.stdout).unwrap();
        let snapshot_mb = joined["joined"]["bytes"].as_f64().unwrap_or(0.0) / 1e6;
        eprintln!(
            "replica caught up {catch_up:.1} s after the push; join {join_s:.2} s ({:.0} docs/s, snapshot {snapshot_mb:.0} MB, by snapshot: {})",
            claims as f64 / join_s,
            joined["joined"].is_object()
        );
        r["replica_catch_up_s"] = json!(catch_up);
        r["join_s"] = json!(join_s);
        r["join_docs_per_s"] = json!(claims as f64 / join_s);
        r["join_by_snapshot"] = json!(joined["joined"].is_object());
        r["snapshot_mb"] = json!(snapshot_mb);
        // The same member replaying the whole log instead (skipped past 200k documents,
        // where it takes minutes).
        let (pull_s, pull_rss) = if claims <= 200_000 {
            let fresh = dir.join("fresh.db");
            let mut c = claimdb(&fresh);
            c.args(["remote", "add", "origin", &url, "--token", &token]);
            timed(c);
            let mut c = claimdb(&fresh);
            c.args(["pull", "--no-snapshot", "--page", "5000"]);
            timed(c)
        } else {
            (f64::NAN, f64::NAN)
        };
        let server_rss = vm_hwm_mb(spid);
        eprintln!(
            "push {ops} ops {:.0} ops/s, {:.0} docs/s (client {push_rss:.0} MB); first pull replaying the log {:.0} ops/s, {:.0} docs/s (client {pull_rss:.0} MB); server peak {server_rss:.0} MB",
            ops as f64 / push_s,
            claims as f64 / push_s,
            ops as f64 / pull_s,
            claims as f64 / pull_s
        );
        r["push_docs_per_s"] = json!(claims as f64 / push_s);
        r["replay_pull_docs_per_s"] = json!(claims as f64 / pull_s);
        // An incremental pull of a large batch: the documents held back are imported and
        // pushed by the first member, and the joined member pulls them (whole process).
        if !held.is_empty() {
            let held_claims = held
                .iter()
                .filter(|r| matches!(r, Record::Claim { .. }))
                .count();
            let file = dir.join("held.jsonl");
            write_jsonl(&held, &file);
            let mut c = claimdb(&db);
            c.args(["import", file.to_str().unwrap()]);
            timed(c);
            let mut c = claimdb(&db);
            c.args(["push"]);
            timed(c);
            let mut c = claimdb(&joined_db);
            c.args(["pull"]);
            let (s, rss) = timed(c);
            eprintln!(
                "incremental pull of {held_claims} documents: {s:.2} s, {:.0} docs/s (client {rss:.0} MB)",
                held_claims as f64 / s
            );
            r["incremental_docs"] = json!(held_claims);
            r["incremental_pull_s"] = json!(s);
            r["incremental_docs_per_s"] = json!(held_claims as f64 / s);
        }
        r["ops"] = json!(ops);
        r["push_ops_per_s"] = json!(ops as f64 / push_s);
        r["pull_ops_per_s"] = json!(ops as f64 / pull_s);
        r["push_client_rss_mb"] = json!(push_rss);
        r["pull_client_rss_mb"] = json!(pull_rss);
        r["server_rss_mb"] = json!(server_rss);

        // The server's pages as bytes alone, the way the peer's pull is timed: GET on one
        // kept-alive connection, request to last byte, no decoding or applying.
        let ops_url = format!("{}/v1/workspaces/desk/ops", server.url);
        let get_page = |after: u64| -> Vec<u8> {
            http.get(&ops_url)
                .bearer_auth(&token)
                .query(&[("after", after), ("limit", 5000)])
                .send()
                .unwrap()
                .bytes()
                .unwrap()
                .to_vec()
        };
        let t = Instant::now();
        let mut after = 0;
        while after < ops {
            get_page(after);
            after += 5000; // sequence numbers are dense
        }
        let transfer = ops as f64 / t.elapsed().as_secs_f64();
        // Pulling the last operation alone: one round trip, as the peer's one-change pull. The
        // head moved if documents were held back and pushed since.
        let head: u64 = serde_json::from_slice::<Value>(&get_page(0))
            .map(|v| v["head"].as_u64().unwrap())
            .unwrap();
        get_page(head - 1);
        let one = stat(
            (0..20)
                .map(|_| {
                    let t = Instant::now();
                    get_page(head - 1);
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect(),
        );
        eprintln!(
            "server pages alone: {transfer:.0} ops/s; one-change pull round trip {:.2} ms",
            one.median
        );
        r["server_transfer_ops_per_s"] = json!(transfer);
        r["one_change_pull_round_trip_ms"] = json!(one);

        // The same bytes to a trivial endpoint: pages of 5000 ops down, batches of 1000 up.
        let page = get_page(0);
        let sample_len = serde_json::from_slice::<Value>(&page).unwrap()["ops"]
            .as_array()
            .unwrap()
            .len();
        let per_op = page.len() as f64 / sample_len as f64;
        let trivial = trivial_endpoint(page.clone());
        let t = Instant::now();
        let pages = (ops as usize).div_ceil(5000);
        for _ in 0..pages {
            let b = http.get(&trivial).send().unwrap().bytes().unwrap();
            let v: Value = serde_json::from_slice(&b).unwrap();
            assert!(v["ops"].is_array());
        }
        let get_base = ops as f64 / t.elapsed().as_secs_f64();
        let up = vec![b'x'; (per_op * 1000.0) as usize];
        let t = Instant::now();
        for _ in 0..(ops as usize).div_ceil(1000) {
            http.post(&trivial)
                .body(up.clone())
                .send()
                .unwrap()
                .bytes()
                .unwrap();
        }
        let post_base = ops as f64 / t.elapsed().as_secs_f64();
        let raw_ops = raw.median * ops as f64 / claims as f64;
        let slower_pull = get_base.min(raw_ops);
        let slower_push = post_base.min(raw_ops);
        eprintln!(
            "baselines: GET {get_base:.0} ops/s, POST {post_base:.0} ops/s, raw insert {raw_ops:.0} rows/s; pull {:.2}x, push {:.2}x of the slower",
            ops as f64 / pull_s / slower_pull,
            ops as f64 / push_s / slower_push
        );
        r["get_baseline_ops_per_s"] = json!(get_base);
        r["post_baseline_ops_per_s"] = json!(post_base);
        r["raw_insert_rows_per_s"] = json!(raw_ops);
        r["pull_ratio"] = json!(ops as f64 / pull_s / slower_pull);
        r["push_ratio"] = json!(ops as f64 / push_s / slower_push);

        // One change, and none: requests and time.
        // One traced sync for the requests, then the median of 15 timed ones.
        let one_change = |db: &Path| -> (Stat, usize, usize) {
            let mut c = claimdb(db);
            c.args(["claim", "add", "One more claim to sync"]);
            timed(c);
            let out = claimdb(db)
                .env("CLAIMDB_TRACE_HTTP", "1")
                .args(["sync"])
                .output()
                .unwrap();
            assert!(out.status.success());
            let err = String::from_utf8_lossy(&out.stderr);
            let gets = err.lines().filter(|l| l.contains("http GET ops")).count();
            let posts = err.lines().filter(|l| l.contains("http POST ops")).count();
            let ms = (0..15)
                .map(|i| {
                    let mut c = claimdb(db);
                    c.args(["claim", "add", &format!("And one more, {i}")]);
                    timed(c);
                    let mut c = claimdb(db);
                    c.args(["sync"]);
                    timed(c).0 * 1e3
                })
                .collect();
            (stat(ms), gets, posts)
        };
        // Catch up first: the database pushed everything but has not pulled yet.
        let mut c = claimdb(&db);
        c.args(["sync"]);
        timed(c);
        let (one, gets, posts) = one_change(&db);
        let ms1 = one.median;
        let idle = claimdb(&db)
            .env("CLAIMDB_TRACE_HTTP", "1")
            .args(["sync"])
            .output()
            .unwrap();
        let idle_err = String::from_utf8_lossy(&idle.stderr);
        let idle_requests = idle_err
            .lines()
            .filter(|l| l.contains("claimdb: http"))
            .count();
        let small = *one_change_small.get_or_insert(ms1);
        eprintln!(
            "one-change sync {ms1:.1} ms ({posts} POST, {gets} GET), {:.2}x of the smallest size; idle sync {idle_requests} request(s)",
            ms1 / small
        );
        r["one_change_sync_ms"] = json!(one);
        r["one_change_ratio_to_smallest"] = json!(ms1 / small);
        r["one_change_requests"] = json!({"post": posts, "get": gets});
        r["idle_sync_requests"] = json!(idle_requests);
        drop(server);

        // Query plans of the sync path.
        let plan = |conn: &rusqlite::Connection, sql: &str| -> String {
            let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            st.query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .map(|x| x.unwrap())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let sconn = rusqlite::Connection::open(data.join("server.db")).unwrap();
        let cconn = rusqlite::Connection::open(&db).unwrap();
        r["plans"] = json!({
            "server pull": plan(&sconn, "SELECT seq, body FROM ops WHERE workspace = 'desk' AND seq > 5 ORDER BY seq LIMIT 1000"),
            "server head": plan(&sconn, "SELECT coalesce(max(seq), 0) FROM ops WHERE workspace = 'desk'"),
            "server duplicate check": plan(&sconn, "SELECT seq, body FROM ops WHERE workspace = 'desk' AND id = 'x'"),
            "client unpushed": plan(&cconn, "SELECT seq, id, hlc, author, body FROM ops WHERE replica = 'r' AND seq > 5 ORDER BY seq LIMIT 500"),
            "client op known": plan(&cconn, "SELECT 1 FROM ops WHERE id = 'x'"),
            "client disputed count": plan(&cconn, "SELECT count(*) FROM claims WHERE status = 'disputed'"),
            "client edited claims": plan(&cconn, r#"SELECT DISTINCT claim FROM ops WHERE body LIKE '{"op":"set_claim"%' ORDER BY claim"#),
            "client claim by id prefix": plan(&cconn, "SELECT id FROM claims WHERE id >= '3f2a' AND id < '3f2ag' ORDER BY id LIMIT 6"),
        });
        eprintln!("plans: {}", r["plans"]);
        results.push(r);
    }
    // Claim extraction does not depend on the desk: once, at 1 MB and 10 MB.
    let extraction = if a.from_gen.is_some() {
        Value::Null
    } else {
        extraction_suite(&[1, 10], 7)
    };
    let doc = json!({"machine": machine(a.runs), "results": results, "extraction": extraction});
    println!("{}", serde_json::to_string_pretty(&doc).unwrap());
    if let Some(out) = a.out {
        std::fs::write(out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
}
