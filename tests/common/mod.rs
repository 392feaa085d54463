//! Shared test environment: the real `claimdb` binary on a database in a temp dir, with the
//! user's own configuration kept out.
#![allow(dead_code)]

pub mod browser;
pub mod bulk;
pub mod contract;
pub mod pg;
pub mod server;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub user: String,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("claims.db");
        // `CLAIMDB_CONFIG` names this file, which must exist.
        std::fs::write(dir.path().join("config.toml"), "").expect("config file");
        Env {
            dir,
            db,
            user: "tester".into(),
        }
    }

    /// An environment whose changes are recorded as made by `user`.
    pub fn as_user(user: &str) -> Env {
        let mut env = Env::new();
        env.user = user.to_string();
        env
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A `claimdb` command on this environment's database.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// The same, as a plain process to spawn and kill.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_claimdb"));
        c.env_remove("CLAIMDB_DB")
            .env_remove("CLAIMDB_TOKEN")
            .env("CLAIMDB_USER", &self.user)
            .env("CLAIMDB_CONFIG", self.dir.path().join("config.toml"))
            .env("XDG_DATA_HOME", self.dir.path().join("xdg-data"))
            .env("NO_COLOR", "1")
            .env("USER", "nobody")
            .arg("--db")
            .arg(&self.db);
        c
    }

    /// Run and expect success; stdout as text.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("run claimdb");
        assert!(
            out.status.success(),
            "claimdb {args:?} failed with {:?}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// Run with `--json` and expect success; stdout parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("bad JSON from {args:?}: {e}\n{text}"))
    }

    /// Run with `--json` and read the output into a strict struct.
    pub fn typed<T: DeserializeOwned>(&self, args: &[&str]) -> T {
        serde_json::from_value(self.json(args))
            .unwrap_or_else(|e| panic!("output of {args:?} does not match its contract: {e}"))
    }

    /// Run and expect failure with `code`; the stderr line.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("run claimdb");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(code),
            "claimdb {args:?}: expected exit {code}\nstdout: {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }

    /// Everything the database holds, as a lossless export plus the op count: equal
    /// snapshots mean nothing changed.
    pub fn snapshot(&self) -> (String, usize) {
        let export = self.ok(&["export", "--format", "jsonl"]);
        let ops = self.json(&["log"])["operations"]
            .as_array()
            .expect("operations")
            .len();
        (export, ops)
    }

    /// The id of the first claim whose text contains `needle`.
    pub fn claim_id(&self, needle: &str) -> String {
        let list = self.json(&["claim", "list", "--deleted", "--limit", "100000"]);
        list["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["text"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no claim containing {needle:?}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// The shared news corpus, when `CLAIMDB_CORPUS` points at it.
pub fn corpus() -> PathBuf {
    let dir = std::env::var_os("CLAIMDB_CORPUS")
        .expect("set CLAIMDB_CORPUS to the corpus directory to run this test");
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_dir(),
        "CLAIMDB_CORPUS={} is not a directory",
        dir.display()
    );
    dir
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Character offset of `needle` in `hay` (what claimdb anchors count).
pub fn char_offset(hay: &str, needle: &str) -> u64 {
    let byte = hay.find(needle).expect("needle in text");
    hay[..byte].chars().count() as u64
}

/// One hand-annotated claim of a corpus or fixture `.claims.json` file.
#[derive(Debug, serde::Deserialize)]
pub struct Annotation {
    pub text: String,
    pub quote: String,
    pub speaker: Option<String>,
    pub via: Option<String>,
}

pub fn annotations(path: &Path) -> Vec<Annotation> {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

impl Env {
    /// `claim add` of an annotated claim as it appears in the article at `url`.
    pub fn add_annotated(&self, url: &str, a: &Annotation) -> String {
        let mut args = vec![
            "--json",
            "claim",
            "add",
            &a.text,
            "--article",
            url,
            "--quote",
            &a.quote,
        ];
        if let Some(s) = &a.speaker {
            args.extend(["--speaker", s]);
        }
        if let Some(v) = &a.via {
            args.extend(["--via", v]);
        }
        self.ok(&args)
    }
}

/// The seed both bad-input suites start from: an article with its text, a source with an
/// alias, and a claim quoted from the article (tagged `tags`). Returns the claim's id.
pub fn seed_bridge(env: &Env, tags: &[&str]) -> String {
    let text = env.path("article.txt");
    std::fs::write(
        &text,
        "The minister said the bridge would open in June. Critics said it would open in 2027.",
    )
    .unwrap();
    env.ok(&[
        "article",
        "add",
        "https://news.example/bridge",
        "--title",
        "Bridge",
        "--text-file",
        text.to_str().unwrap(),
    ]);
    env.ok(&["source", "add", "Ayşe Öztürk", "--alias", "The minister"]);
    let mut args = vec![
        "claim",
        "add",
        "The bridge opens in June",
        "--speaker",
        "the minister",
        "--article",
        "https://news.example/bridge",
        "--quote",
        "the bridge would open in June",
    ];
    for t in tags {
        args.extend(["--tag", t]);
    }
    env.ok(&args);
    env.claim_id("bridge opens")
}

/// A new claim's creation, written as `author` from `replica`, stamped now: what a member's
/// database would push.
pub fn claim_op(author: &str, replica: uuid::Uuid, text: &str) -> claimdb::ops::Op {
    let now = chrono::Utc::now();
    claimdb::ops::Op {
        id: uuid::Uuid::new_v4(),
        hlc: claimdb::ops::Hlc::from_parts(now.timestamp_millis() as u64, 0),
        replica,
        author: author.into(),
        kind: claimdb::ops::OpKind::CreateClaim {
            claim: uuid::Uuid::new_v4(),
            text: text.into(),
            speaker: None,
            said_on: None,
            tags: Vec::new(),
            created_at: now,
            created_by: author.into(),
        },
    }
}
