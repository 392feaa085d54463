//! Hostile inputs, kept as data under `tests/hostile/`, run against the real binary and the
//! real server. Every case must end in a clear refusal:
//!
//! - CLI: the documented exit code, and standard error is exactly one line starting
//!   `claimdb: error: ` (or, for mistakes in the command line itself, the argument parser's
//!   `error: ...` with exit 2); never a panic, a crash or a hang; and the database is exactly
//!   as it was (`Env::snapshot`).
//! - HTTP: a 4xx status with the body `{"error": {"code": ..., "message": ...}}`, or a 200 whose
//!   per-op results are all `rejected` where the protocol refuses op by op; never a 5xx; no
//!   operation stored in any workspace; and afterwards another member's pull still gets 200.
//!   Requests that are not HTTP at all are refused by the HTTP library before the application
//!   sees them (`transport`); for those a bare 4xx or a closed connection is enough. A 405
//!   carries an `Allow` header, with an empty body (as the protocol describes) or the JSON one.
//!
//! Corpus files (one case per line; lines starting with `#` are comments):
//!
//! - `cli.jsonl`: argument vectors against a seeded database;
//! - `import.jsonl`: `claimdb import` of the files in `import/` and of generated files;
//! - `config.jsonl`: hostile `config.toml` and `credentials.toml` (files in `config/`);
//! - `sync.jsonl`: push, pull and server administration against the running server;
//! - `http.jsonl`: requests to the running server.
//!
//! Values in the corpus are a string (with `{placeholders}`), or an object: `{"parts": [..]}`
//! (concatenation), `{"repeat": v, "count": n}`, `{"hex": ".."}` (raw bytes), `{"file": ..}`
//! (a file under `tests/hostile/`), `{"gzip": v}`, `{"head": v, "bytes": n}` (the first bytes)
//! or `{"json": ..}` (serialized; a quoted numeric placeholder becomes the number). Large
//! inputs (50 MB bodies, 100k-deep nesting, a million CSV columns) are generated this way
//! rather than stored.
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Env;
use serde::Deserialize;
use serde_json::Value;

use common::server::Server;
use serde::de::DeserializeOwned;

const HOSTILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile");

// ---------------------------------------------------------------------------------------------
// Corpus values

/// Placeholder values for one run of a case.
#[derive(Clone, Default)]
struct Vars(BTreeMap<&'static str, String>);

impl Vars {
    fn set(&mut self, key: &'static str, value: impl Into<String>) {
        self.0.insert(key, value.into());
    }

    fn fill(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (k, v) in &self.0 {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        if let Some(left) = leftover_placeholder(&out) {
            panic!("unknown placeholder {left} in {template:?}");
        }
        out
    }
}

/// A `{name}` still in `text` after filling, if any.
fn leftover_placeholder(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b != b'{' {
            continue;
        }
        let name: Vec<u8> = bytes[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_lowercase() || **c == b'_')
            .copied()
            .collect();
        if !name.is_empty() && bytes.get(i + 1 + name.len()) == Some(&b'}') {
            return Some(format!("{{{}}}", String::from_utf8_lossy(&name)));
        }
    }
    None
}

fn decode_hex(hex: &str) -> Vec<u8> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd hex string {hex:?}");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).expect("hex digits"))
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// The bytes a corpus value stands for.
fn bytes(spec: &Value, vars: &Vars) -> Vec<u8> {
    match spec {
        Value::String(s) => vars.fill(s).into_bytes(),
        Value::Object(o) => {
            if let Some(parts) = o.get("parts") {
                let parts = parts.as_array().expect("parts is a list");
                parts.iter().flat_map(|p| bytes(p, vars)).collect()
            } else if let Some(unit) = o.get("repeat") {
                let n = o["count"].as_u64().expect("repeat needs a count") as usize;
                bytes(unit, vars).repeat(n)
            } else if let Some(hex) = o.get("hex") {
                decode_hex(hex.as_str().expect("hex is a string"))
            } else if let Some(file) = o.get("file") {
                let path = Path::new(HOSTILE).join(file.as_str().expect("file is a string"));
                std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            } else if let Some(inner) = o.get("gzip") {
                gzip(&bytes(inner, vars))
            } else if let Some(inner) = o.get("head") {
                let n = o["bytes"].as_u64().expect("head needs bytes") as usize;
                let mut b = bytes(inner, vars);
                b.truncate(n);
                b
            } else if let Some(doc) = o.get("json") {
                let mut text = serde_json::to_string(doc).unwrap();
                for (k, v) in &vars.0 {
                    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                        text = text.replace(&format!("\"{{{k}}}\""), v);
                    }
                }
                vars.fill(&text).into_bytes()
            } else {
                panic!("unknown corpus value {spec}")
            }
        }
        other => panic!("unknown corpus value {other}"),
    }
}

fn os(spec: &Value, vars: &Vars) -> OsString {
    OsString::from_vec(bytes(spec, vars))
}

/// The cases in `tests/hostile/<file>`, one JSON object a line.
fn load<T: DeserializeOwned>(file: &str) -> Vec<T> {
    let path = Path::new(HOSTILE).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{file}:{}: not a valid case: {e}", i + 1))
        })
        .collect()
}

/// One expected value or any of several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(i64),
    Many(Vec<i64>),
}

impl OneOrMany {
    fn contains(&self, v: i64) -> bool {
        match self {
            OneOrMany::One(x) => *x == v,
            OneOrMany::Many(xs) => xs.contains(&v),
        }
    }
}

fn clip(s: &str) -> String {
    let one_line = s.replace('\n', "\\n");
    if one_line.chars().count() > 300 {
        format!("{}…", one_line.chars().take(300).collect::<String>())
    } else {
        one_line
    }
}

// ---------------------------------------------------------------------------------------------
// Command-line cases

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CliCase {
    name: String,
    args: Vec<Value>,
    /// Expected exit code(s).
    code: OneOrMany,
    /// Text the error line must contain (any case).
    #[serde(default)]
    expect: Option<String>,
    /// A mistake in the command line itself, reported by the argument parser.
    #[serde(default)]
    usage: bool,
    #[serde(default)]
    stdin: Option<Value>,
    /// Keep standard input open after writing it, as an endless stream would.
    #[serde(default)]
    stdin_open: bool,
    #[serde(default)]
    env: BTreeMap<String, Value>,
    #[serde(default)]
    env_remove: Vec<String>,
    /// Contents of the config file the command reads (`CLAIMDB_CONFIG`).
    #[serde(default)]
    config: Option<Value>,
    /// Contents of `credentials.toml` beside that config file.
    #[serde(default)]
    credentials: Option<Value>,
    /// A generated file, available as `{gen}`.
    #[serde(default)]
    generate: Option<Generated>,
    /// Seconds before the command counts as hung.
    #[serde(default)]
    timeout: Option<u64>,
    /// Run on this database path instead of the seeded one (which must not change either).
    #[serde(default)]
    db: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generated {
    ext: String,
    content: Value,
}

struct Outcome {
    code: Option<i32>,
    signal: Option<i32>,
    stderr: String,
    hung: bool,
    seconds: f64,
}

/// Run one case on `env`'s database, killing it after its timeout.
fn run_cli(env: &Env, case: &CliCase, vars: &Vars) -> Outcome {
    let mut vars = vars.clone();
    if let Some(g) = &case.generate {
        let path = env.path(&format!("generated.{}", g.ext));
        std::fs::write(&path, bytes(&g.content, &vars)).unwrap();
        vars.set("gen", path.to_str().unwrap());
    }
    let elsewhere = case.db.as_ref().map(|db| {
        let mut other = Env::new();
        other.db = PathBuf::from(os(db, &vars));
        other
    });
    let mut cmd = elsewhere.as_ref().unwrap_or(env).std_cmd();
    if case.config.is_some() || case.credentials.is_some() {
        let dir = env.path("case-config");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(c) = &case.config {
            std::fs::write(dir.join("config.toml"), bytes(c, &vars)).unwrap();
        }
        if let Some(c) = &case.credentials {
            std::fs::write(dir.join("credentials.toml"), bytes(c, &vars)).unwrap();
        }
        if !dir.join("config.toml").exists() {
            std::fs::write(dir.join("config.toml"), "").unwrap();
        }
        cmd.env("CLAIMDB_CONFIG", dir.join("config.toml"));
    }
    for (k, v) in &case.env {
        cmd.env(k, os(v, &vars));
    }
    for k in &case.env_remove {
        cmd.env_remove(k);
    }
    cmd.args(case.args.iter().map(|a| os(a, &vars)));
    let input = case.stdin.as_ref().map(|s| bytes(s, &vars));
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());

    let started = Instant::now();
    let mut child = cmd.spawn().expect("start claimdb");
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let writer = input.map(|data| {
        let mut stdin = child.stdin.take().unwrap();
        let hold = case.stdin_open;
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
            if hold {
                let _ = done_rx.recv();
            }
            drop(stdin);
        })
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink);
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let limit = Duration::from_secs(case.timeout.unwrap_or(60));
    let mut hung = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for claimdb") {
            break status;
        }
        if started.elapsed() > limit {
            hung = true;
            let _ = child.kill();
            break child.wait().expect("wait for claimdb");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    let _ = done_tx.send(());
    if let Some(w) = writer {
        w.join().unwrap();
    }
    out_reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).to_string();
    Outcome {
        code: status.code(),
        signal: status.signal(),
        stderr,
        hung,
        seconds,
    }
}

/// What is wrong with how a command answered `case`; empty when it was refused properly.
fn cli_problems(case: &CliCase, o: &Outcome) -> Vec<String> {
    let mut p = Vec::new();
    let limit = case.timeout.unwrap_or(60);
    if o.hung {
        p.push(format!("hang: still running after {limit} s and killed"));
        return p;
    }
    if o.code == Some(101) || o.stderr.contains("panicked") {
        let lines: Vec<&str> = o.stderr.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains("panicked"))
            .unwrap_or(0);
        let what = lines[at..]
            .iter()
            .take(2)
            .copied()
            .collect::<Vec<_>>()
            .join(" / ");
        p.push(format!("panic (exit {:?}): {}", o.code, clip(&what)));
        return p;
    }
    let Some(code) = o.code else {
        p.push(format!("crash: killed by signal {:?}", o.signal));
        return p;
    };
    if !case.code.contains(i64::from(code)) {
        if code == 0 {
            p.push(format!(
                "accepted (exit 0), expected a refusal with exit {:?}",
                case.code
            ));
            return p;
        }
        p.push(format!("exit {code}, expected {:?}", case.code));
    }
    if case.usage {
        if !o.stderr.starts_with("error: ") {
            p.push(format!("not an argument-parser error: {}", clip(&o.stderr)));
        }
        return p;
    }
    let lines: Vec<&str> = o.stderr.lines().collect();
    if lines.len() != 1 || !o.stderr.ends_with('\n') {
        p.push(format!(
            "standard error is {} lines, not one: {}",
            lines.len(),
            clip(&o.stderr)
        ));
    } else if !lines[0].starts_with("claimdb: error: ") {
        p.push(format!(
            "error line does not start with `claimdb: error: `: {}",
            clip(lines[0])
        ));
    }
    if let Some(e) = &case.expect {
        if code != 0 && !o.stderr.to_lowercase().contains(&e.to_lowercase()) {
            p.push(format!("error does not mention {e:?}: {}", clip(&o.stderr)));
        }
    }
    p
}

/// A database with an article (with text), a source with an alias, a tagged claim with a
/// verdict and evidence, and a remote.
fn seeded() -> Env {
    let env = Env::new();
    let id = common::seed_bridge(&env, &["infrastructure"]);
    env.ok(&[
        "mark",
        &id,
        "misleading",
        "--note",
        "The contract says 2027",
        "--evidence",
        "https://evidence.example/contract.pdf",
    ]);
    env.ok(&["remote", "add", "origin", "http://127.0.0.1:9/desk"]);
    env
}

fn env_vars(env: &Env) -> Vars {
    let mut v = Vars::default();
    v.set("claim", env.claim_id("bridge opens"));
    v.set("dir", env.dir.path().to_str().unwrap());
    v.set("db", env.db.to_str().unwrap());
    v.set("hostile", HOSTILE);
    v
}

/// Run every case of `file` on one database made by `seed`, comparing snapshots around each;
/// a database that changed is replaced by a fresh one. `after` adds checks of its own.
/// Returns the number of cases and the failures.
fn run_cli_corpus(
    group: &str,
    file: &str,
    seed: &dyn Fn() -> (Env, Vars),
    after: &mut dyn FnMut() -> Vec<String>,
) -> (usize, Vec<String>) {
    let cases: Vec<CliCase> = load(file);
    let (mut env, mut vars) = seed();
    let mut before = env.snapshot();
    let mut failures = Vec::new();
    for case in &cases {
        let o = run_cli(&env, case, &vars);
        let mut p = cli_problems(case, &o);
        let now = env.snapshot();
        if now != before {
            let what = if o.code == Some(0) {
                "the refused input was written"
            } else {
                "partial write: a failed command changed the database"
            };
            p.push(format!("{what} (operations {} -> {})", before.1, now.1));
            (env, vars) = seed();
            before = env.snapshot();
        }
        p.extend(after());
        let what = match (o.code, o.signal) {
            (Some(c), _) => format!("exit {c}"),
            (None, s) => format!("signal {s:?}"),
        };
        report(group, &case.name, &what, &p, o.seconds);
        if !p.is_empty() {
            failures.push(format!("{group}: {}: {}", case.name, p.join("; ")));
        }
    }
    (cases.len(), failures)
}

fn report(group: &str, name: &str, what: &str, problems: &[String], seconds: f64) {
    if problems.is_empty() {
        println!("ok    {group}: {name}: {what} ({seconds:.2} s)");
    } else {
        println!("FAIL  {group}: {name}: {}", problems.join("; "));
    }
}

fn finish(group: &str, count: usize, failures: &[String]) {
    println!(
        "{group}: {count} hostile cases, {} refused properly, {} not",
        count - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {count} {group} cases were not refused properly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn seeded_with_vars() -> (Env, Vars) {
    let env = seeded();
    let vars = env_vars(&env);
    (env, vars)
}

#[test]
fn hostile_command_lines() {
    let (n, failures) = run_cli_corpus("cli", "cli.jsonl", &seeded_with_vars, &mut Vec::new);
    finish("cli", n, &failures);
}

#[test]
fn hostile_import_files() {
    let (n, failures) = run_cli_corpus("import", "import.jsonl", &seeded_with_vars, &mut Vec::new);
    finish("import", n, &failures);
}

#[test]
fn hostile_config_files() {
    let (n, failures) = run_cli_corpus("config", "config.jsonl", &seeded_with_vars, &mut Vec::new);
    finish("config", n, &failures);
}

// ---------------------------------------------------------------------------------------------
// HTTP cases

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpCase {
    name: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<Value>,
    /// `writer`, `reader`, `other`, `revoked`; none when absent.
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    headers: Vec<(String, Value)>,
    #[serde(default)]
    body: Option<Value>,
    /// Send over a plain socket, byte for byte (no URL normalisation by a client library).
    #[serde(default)]
    raw: bool,
    /// The whole request, sent over a plain socket.
    #[serde(default)]
    request: Option<Value>,
    #[serde(default)]
    status: Option<OneOrMany>,
    /// The error code, or alternatives separated by `|`.
    #[serde(default)]
    code: Option<String>,
    /// A 200 push: the code of each op's rejection, in order (alternatives with `|`).
    #[serde(default)]
    rejected: Option<Vec<String>>,
    /// A 200 pull that must return no operations.
    #[serde(default)]
    ops_empty: bool,
    /// Not HTTP the server can route: a bare 4xx or a closed connection is enough.
    #[serde(default)]
    transport: bool,
    /// Connections left stalled while another member pulls.
    #[serde(default)]
    hold: Option<Hold>,
    /// Seconds to wait for the answer.
    #[serde(default)]
    deadline: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hold {
    connections: usize,
    request: Value,
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorDetail {
    code: String,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushResponse {
    results: Vec<OpResult>,
    head: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpResult {
    id: Option<String>,
    status: String,
    seq: Option<u64>,
    code: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullResponse {
    ops: Vec<Value>,
    head: u64,
}

/// Parse a raw HTTP/1.1 response (read to the end of the connection).
fn parse_response(data: &[u8]) -> Result<Resp, String> {
    let end = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| {
            format!(
                "no complete response: {}",
                clip(&String::from_utf8_lossy(data))
            )
        })?;
    let head = String::from_utf8_lossy(&data[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &data[end + 4..];
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        let mut body = Vec::new();
        let mut at = 0;
        while let Some(nl) = rest[at..].windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&rest[at..at + nl]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
                .map_err(|_| format!("bad chunk size {size_text:?}"))?;
            at += nl + 2;
            if size == 0 || at + size > rest.len() {
                break;
            }
            body.extend_from_slice(&rest[at..at + size]);
            at += size + 2;
        }
        body
    } else {
        match headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
        {
            Some(n) => rest[..n.min(rest.len())].to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// Send `request` over a fresh connection and read until the server closes it. The sending
/// side stays open, so a server waiting for more body does not see an early end.
fn raw_exchange(addr: &str, request: Vec<u8>, deadline: Duration) -> Result<Resp, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("cannot connect: {e}"))?;
    stream.set_read_timeout(Some(deadline)).unwrap();
    let mut sender = stream.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = sender.write_all(&request);
        sender
    });
    let started = Instant::now();
    let mut data = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let outcome = loop {
        match stream.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                break Err(format!(
                    "hang: no complete answer within {:.0} s",
                    started.elapsed().as_secs_f64()
                ));
            }
            Err(e) => break Err(format!("connection closed: {e}")),
        }
    };
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = writer.join();
    match outcome {
        Ok(()) if data.is_empty() => Err("connection closed without an answer".into()),
        Ok(()) => parse_response(&data),
        Err(e) => match parse_response(&data) {
            Ok(r) if !data.is_empty() && e.starts_with("connection closed") => Ok(r),
            _ => Err(e),
        },
    }
}

struct Desk {
    _data: tempfile::TempDir,
    data: PathBuf,
    /// The server's standard error, and how much of it has been looked at.
    log: PathBuf,
    log_seen: std::cell::Cell<usize>,
    server: Server,
    addr: String,
    vars: Vars,
}

const SEED_OP_ID: &str = "01900000-0000-7000-8000-00000000a001";

fn hlc_now() -> u64 {
    (chrono::Utc::now().timestamp_millis() as u64) << 16
}

/// `claimdb serve` on port 0, like `Server::start`, but with its standard error kept in `log`
/// so that a panic inside the server is seen.
fn start_server(data: &Path, log: &Path) -> Server {
    use std::io::BufRead;
    let mut child = std::process::Command::new(common::server::bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env_remove("CLAIMDB_DB")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start claimdb serve");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .expect("read the server's first line");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_string();
    Server {
        child,
        url,
        data: data.to_path_buf(),
    }
}

/// One server with workspaces `desk` and `other`: writer wanda, reader rita, a revoked rex,
/// and olga, a writer in `other`; `desk` holds one operation.
fn desk() -> Desk {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().to_path_buf();
    Server::workspace(&path, "desk");
    Server::workspace(&path, "other");
    let writer = Server::member(&path, "desk", "wanda", "writer");
    let reader = Server::member(&path, "desk", "rita", "reader");
    let other = Server::member(&path, "other", "olga", "writer");
    let revoked = Server::member(&path, "desk", "rex", "writer");
    Server::admin(&path, &["revoke", "desk", "rex"]);
    let log = path.join("serve.log");
    let server = start_server(&path, &log);
    let addr = server.url.trim_start_matches("http://").to_string();
    let seed = serde_json::json!({"ops": [{
        "id": SEED_OP_ID,
        "hlc": hlc_now(),
        "replica": "0d000000-0000-4000-8000-000000000001",
        "author": "wanda",
        "change": {"op": "create_claim", "claim": "c1a10000-0000-4000-8000-000000000001",
                   "text": "Seed claim for hostile tests", "speaker": null, "said_on": null,
                   "tags": [], "created_at": "2024-01-01T00:00:00Z", "created_by": "wanda"}
    }]});
    let r: Value = reqwest::blocking::Client::new()
        .post(format!("{}/v1/workspaces/desk/ops", server.url))
        .bearer_auth(&writer)
        .json(&seed)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["results"][0]["status"], "accepted", "{r}");
    let mut vars = Vars::default();
    vars.set("writer", &writer);
    vars.set("reader", &reader);
    vars.set("other", &other);
    vars.set("revoked", &revoked);
    vars.set("hlc_now", hlc_now().to_string());
    vars.set("url", &server.url);
    vars.set("addr", &addr);
    vars.set("data", path.to_str().unwrap());
    Desk {
        _data: data,
        data: path,
        log,
        log_seen: std::cell::Cell::new(0),
        server,
        addr,
        vars,
    }
}

impl Desk {
    fn token(&self, who: &str) -> String {
        self.vars
            .0
            .get(who)
            .unwrap_or_else(|| panic!("no member {who:?}"))
            .clone()
    }

    fn counts(&self) -> (u64, u64) {
        (
            Server::op_count(&self.data, "desk"),
            Server::op_count(&self.data, "other"),
        )
    }

    /// Another member can still pull, no workspace gained an operation, and the server did
    /// not panic.
    fn still_serving(&self, counts: (u64, u64)) -> Vec<String> {
        let mut p = Vec::new();
        let log = std::fs::read(&self.log).unwrap_or_default();
        let new = String::from_utf8_lossy(&log[self.log_seen.get().min(log.len())..]).to_string();
        self.log_seen.set(log.len());
        if let Some(line) = new.lines().find(|l| l.contains("panicked")) {
            p.push(format!("the server panicked: {}", clip(line)));
        }
        let pulled = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
            .get(format!(
                "{}/v1/workspaces/desk/ops?limit=1",
                self.server.url
            ))
            .bearer_auth(self.token("reader"))
            .send();
        match pulled {
            Ok(r) if r.status() == 200 => {
                if r.json::<PullResponse>().is_err() {
                    p.push("afterwards another member's pull is not a pull response".into());
                }
            }
            Ok(r) => p.push(format!(
                "afterwards another member's pull gets {}",
                r.status()
            )),
            Err(e) => p.push(format!("afterwards another member cannot pull: {e}")),
        }
        let now = self.counts();
        if now != counts {
            p.push(format!(
                "partial write: operations in desk/other went from {counts:?} to {now:?}"
            ));
        }
        p
    }

    fn send(&self, case: &HttpCase) -> Result<Resp, String> {
        let v = &self.vars;
        let deadline = Duration::from_secs(case.deadline.unwrap_or(30));
        let method = case.method.as_deref().unwrap_or("GET");
        let path = case.path.as_ref().map(|p| bytes(p, v)).unwrap_or_default();
        let body = case.body.as_ref().map(|b| bytes(b, v));
        let auth = case
            .auth
            .as_deref()
            .map(|who| format!("Bearer {}", self.token(who)));
        let headers: Vec<(String, Vec<u8>)> = case
            .headers
            .iter()
            .map(|(k, val)| (k.clone(), bytes(val, v)))
            .collect();
        if let Some(req) = &case.request {
            return raw_exchange(&self.addr, bytes(req, v), deadline);
        }
        if case.raw {
            let mut req = Vec::new();
            req.extend_from_slice(method.as_bytes());
            req.push(b' ');
            req.extend_from_slice(&path);
            req.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
            if let Some(a) = &auth {
                req.extend_from_slice(format!("Authorization: {a}\r\n").as_bytes());
            }
            for (k, val) in &headers {
                req.extend_from_slice(k.as_bytes());
                req.extend_from_slice(b": ");
                req.extend_from_slice(val);
                req.extend_from_slice(b"\r\n");
            }
            if let Some(b) = &body {
                req.extend_from_slice(format!("Content-Length: {}\r\n", b.len()).as_bytes());
            }
            req.extend_from_slice(b"\r\n");
            if let Some(b) = &body {
                req.extend_from_slice(b);
            }
            return raw_exchange(&self.addr, req, deadline);
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(deadline)
            .build()
            .unwrap();
        let url = format!(
            "{}{}",
            self.server.url,
            String::from_utf8(path).expect("paths sent through the client are UTF-8")
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method token");
        let mut rb = client.request(method, url);
        if let Some(a) = auth {
            rb = rb.header(reqwest::header::AUTHORIZATION, a);
        }
        for (k, val) in headers {
            rb = rb.header(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                reqwest::header::HeaderValue::from_bytes(&val).expect("header value"),
            );
        }
        if let Some(b) = body {
            rb = rb.body(b);
        }
        let resp = rb.send().map_err(|e| {
            if e.is_timeout() {
                format!("hang: no answer within {} s", deadline.as_secs())
            } else {
                format!("no answer: {e}")
            }
        })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).to_string(),
                )
            })
            .collect();
        let body = resp
            .bytes()
            .map_err(|e| format!("body unreadable: {e}"))?
            .to_vec();
        Ok(Resp {
            status,
            headers,
            body,
        })
    }
}

fn code_matches(expected: &str, actual: &str) -> bool {
    expected.split('|').any(|c| c == actual)
}

/// What is wrong with an error body: it must be `{"error": {"code", "message"}}` with the
/// expected code and a one-line message.
fn error_body_problems(case: &HttpCase, r: &Resp, text: &str) -> Vec<String> {
    let mut p = Vec::new();
    match serde_json::from_slice::<ErrorBody>(&r.body) {
        Ok(b) => {
            if let Some(c) = &case.code {
                if !code_matches(c, &b.error.code) {
                    p.push(format!("error code {:?}, expected {c:?}", b.error.code));
                }
            }
            if b.error.message.trim().is_empty() || b.error.message.contains('\n') {
                p.push(format!(
                    "error message is not one line: {:?}",
                    clip(&b.error.message)
                ));
            }
        }
        Err(e) => p.push(format!(
            "{} body is not {{\"error\":{{\"code\",\"message\"}}}} ({e}); content-type {:?}: {}",
            r.status,
            r.header("content-type").unwrap_or(""),
            clip(text)
        )),
    }
    p
}

/// What is wrong with the server's answer to `case`; empty when it was refused properly.
fn http_problems(case: &HttpCase, resp: Result<Resp, String>) -> Vec<String> {
    let mut p = Vec::new();
    if case.transport {
        match resp {
            Err(e) if e.starts_with("hang") => p.push(e),
            Err(_) => {}
            Ok(r) if (400..500).contains(&r.status) => {}
            Ok(r) => p.push(format!(
                "status {} for a request that is not HTTP: {}",
                r.status,
                clip(&String::from_utf8_lossy(&r.body))
            )),
        }
        return p;
    }
    let r = match resp {
        Ok(r) => r,
        Err(e) => {
            p.push(e);
            return p;
        }
    };
    let text = String::from_utf8_lossy(&r.body).to_string();
    if r.status >= 500 {
        p.push(format!("server error {}: {}", r.status, clip(&text)));
        return p;
    }
    if let Some(expected) = &case.status {
        if !expected.contains(i64::from(r.status)) {
            p.push(format!(
                "status {}, expected {expected:?}: {}",
                r.status,
                clip(&text)
            ));
            return p;
        }
    }
    let head_request = case.method.as_deref() == Some("HEAD");
    match r.status {
        405 => {
            if r.header("allow").is_none() {
                p.push("405 without an Allow header".into());
            }
            if !r.body.is_empty() {
                p.extend(error_body_problems(case, &r, &text));
            }
        }
        400..=499 if !head_request => p.extend(error_body_problems(case, &r, &text)),
        200 => {
            if let Some(codes) = &case.rejected {
                match serde_json::from_slice::<PushResponse>(&r.body) {
                    Ok(b) => {
                        if b.results.len() != codes.len() {
                            p.push(format!(
                                "{} results for {} operations",
                                b.results.len(),
                                codes.len()
                            ));
                        }
                        for (res, want) in b.results.iter().zip(codes) {
                            let got = res.code.as_deref().unwrap_or("");
                            if res.status != "rejected"
                                || res.seq.is_some()
                                || !code_matches(want, got)
                                || res.message.as_deref().is_none_or(|m| m.contains('\n'))
                            {
                                p.push(format!(
                                    "op {:?}: {} {got:?}, expected rejected {want:?}",
                                    res.id, res.status
                                ));
                            }
                        }
                        let _ = b.head;
                    }
                    Err(e) => p.push(format!("not a push response ({e}): {}", clip(&text))),
                }
            } else if case.ops_empty {
                match serde_json::from_slice::<PullResponse>(&r.body) {
                    Ok(b) if b.ops.is_empty() => {}
                    Ok(b) => p.push(format!(
                        "{} operations returned where none are after the cursor (head {})",
                        b.ops.len(),
                        b.head
                    )),
                    Err(e) => p.push(format!("not a pull response ({e}): {}", clip(&text))),
                }
            } else if !head_request && serde_json::from_slice::<Value>(&r.body).is_err() {
                p.push(format!("200 body is not JSON: {}", clip(&text)));
            }
        }
        _ => {}
    }
    p
}

/// The status and code(s) of an answer, for the test output.
fn summary(resp: &Result<Resp, String>) -> String {
    match resp {
        Err(e) => e.clone(),
        Ok(r) => {
            if let Ok(b) = serde_json::from_slice::<ErrorBody>(&r.body) {
                format!("{} {}", r.status, b.error.code)
            } else if let Ok(b) = serde_json::from_slice::<PushResponse>(&r.body) {
                let codes: Vec<&str> = b
                    .results
                    .iter()
                    .map(|x| x.code.as_deref().unwrap_or(x.status.as_str()))
                    .collect();
                format!("{} [{}]", r.status, codes.join(", "))
            } else {
                format!("{} ({} bytes)", r.status, r.body.len())
            }
        }
    }
}

/// Open `n` connections that each send the start of a request and then stall.
fn stall(addr: &str, n: usize, request: &[u8]) -> Vec<TcpStream> {
    (0..n)
        .filter_map(|_| {
            let mut s = TcpStream::connect(addr).ok()?;
            let _ = s.write_all(request);
            Some(s)
        })
        .collect()
}

/// A local database for wanda with remotes on the running server, and the placeholders of
/// both.
fn sync_env(desk: &Desk) -> (Env, Vars) {
    let env = Env::as_user("wanda");
    env.ok(&[
        "claim",
        "add",
        "A local claim not pushed yet",
        "--tag",
        "local",
    ]);
    let url = &desk.server.url;
    env.ok(&[
        "remote",
        "add",
        "origin",
        &format!("{url}/desk"),
        "--token",
        &desk.token("writer"),
    ]);
    // A writer's token stored for another workspace: `remote add` would refuse it (it asks
    // the server), so it is written into the credentials file by hand.
    env.ok(&["remote", "add", "elsewhere", &format!("{url}/other")]);
    let creds = env.path("credentials.toml");
    let mut text = std::fs::read_to_string(&creds).unwrap();
    assert!(text.contains("[tokens]"), "{text}");
    text += &format!("\"{url}/other\" = \"{}\"\n", desk.token("writer"));
    std::fs::write(&creds, text).unwrap();
    let mut vars = desk.vars.clone();
    vars.set("dir", env.dir.path().to_str().unwrap());
    vars.set("db", env.db.to_str().unwrap());
    vars.set("hostile", HOSTILE);
    (env, vars)
}

#[test]
fn hostile_requests_to_the_server() {
    let desk = desk();
    let cases: Vec<HttpCase> = load("http.jsonl");
    let mut failures = Vec::new();
    for case in &cases {
        let counts = desk.counts();
        let started = Instant::now();
        let mut p = Vec::new();
        let mut what = String::from("others still served");
        let held = match &case.hold {
            Some(h) => stall(&desk.addr, h.connections, &bytes(&h.request, &desk.vars)),
            None => {
                let resp = desk.send(case);
                what = summary(&resp);
                p.extend(http_problems(case, resp));
                Vec::new()
            }
        };
        p.extend(desk.still_serving(counts));
        drop(held);
        report(
            "http",
            &case.name,
            &what,
            &p,
            started.elapsed().as_secs_f64(),
        );
        if !p.is_empty() {
            failures.push(format!("http: {}: {}", case.name, p.join("; ")));
        }
    }
    let http_count = cases.len();
    println!(
        "http: {http_count} hostile cases, {} refused properly, {} not",
        http_count - failures.len(),
        failures.len()
    );

    // The command line against the same server: hostile environments, tokens and
    // administration of its data directory.
    let seed = || sync_env(&desk);
    let mut counts = desk.counts();
    let mut after = || {
        let p = desk.still_serving(counts);
        counts = desk.counts();
        p
    };
    let (sync_count, sync_failures) = run_cli_corpus("sync", "sync.jsonl", &seed, &mut after);
    println!(
        "sync: {sync_count} hostile cases, {} refused properly, {} not",
        sync_count - sync_failures.len(),
        sync_failures.len()
    );
    failures.extend(sync_failures);
    finish("server", http_count + sync_count, &failures);
}

// ---------------------------------------------------------------------------------------------
// The corpus itself

#[test]
fn corpus_has_at_least_100_cases_and_no_stray_files() {
    let mut total = 0;
    let mut all_text = String::new();
    for file in [
        "cli.jsonl",
        "import.jsonl",
        "config.jsonl",
        "sync.jsonl",
        "http.jsonl",
    ] {
        let n = if file == "http.jsonl" {
            load::<HttpCase>(file).len()
        } else {
            load::<CliCase>(file).len()
        };
        println!("{file}: {n} cases");
        total += n;
        all_text += &std::fs::read_to_string(Path::new(HOSTILE).join(file)).unwrap();
    }
    println!("hostile corpus: {total} cases");
    assert!(total >= 100, "only {total} hostile cases");
    for dir in ["import", "config"] {
        for entry in std::fs::read_dir(Path::new(HOSTILE).join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            assert!(
                all_text.contains(&format!("{dir}/{name}\"")),
                "tests/hostile/{dir}/{name} is not used by any case"
            );
        }
    }
}
