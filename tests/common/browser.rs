//! A real headless Chromium for one test, driven over WebDriver: `chromedriver` on a free
//! loopback port and a fantoccini session on it, with a fresh profile in a temp dir. Dropping
//! the [`Browser`] (also while a failed test unwinds) closes the session and kills
//! chromedriver and every Chromium process it started.
//!
//! Without Chromium and its driver installed, [`Browser::start`] prints one line and returns
//! `None`, and the test passes without running; with `CLAIMDB_REQUIRE_BROWSER=1` (as CI sets)
//! it panics instead. `CLAIMDB_CHROMEDRIVER` and `CLAIMDB_CHROMIUM` name the two binaries when
//! they are not on the PATH or in /usr/bin.
//!
//! The browser is synchronous: it owns a Tokio runtime, so tests are plain `#[test]`
//! functions (not `#[tokio::test]`) that call the helpers below, or run their own async code
//! on the fantoccini [`Client`] with [`Browser::block_on`]:
//!
//! ```ignore
//! let Some(browser) = Browser::start() else { return };
//! browser.goto(&format!("{base}/board"));
//! browser.fill("input[name=q]", "мы готовы");
//! browser.click("button[type=submit]");
//! browser.wait_for("#results");
//! assert_eq!(browser.text_of("#results h2"), "1 claim");
//! let title = browser.block_on(browser.client().title()).unwrap();
//! ```
#![allow(dead_code)]

use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::Client;
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

/// How long chromedriver may take to answer `/status` as ready.
const DRIVER_READY: Duration = Duration::from_secs(30);
/// Page loads, scripts and [`Browser::wait_for`] give up after this.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);
/// Closing the session on drop is abandoned (and the processes killed) after this.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Browser {
    rt: Option<tokio::runtime::Runtime>,
    client: Option<Client>,
    driver: Child,
    port: u16,
    /// The Chromium profile (`--user-data-dir`), its config and cache dirs, chromedriver's
    /// log.
    dir: tempfile::TempDir,
}

/// `name` as an executable file in one of the PATH's directories or /usr/bin.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push(PathBuf::from("/usr/bin"));
    names
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The binary `var` names when set (and `None` when it names no executable), else the first
/// of `names` found.
fn find(var: &str, names: &[&str]) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(path) => {
            let path = PathBuf::from(path);
            is_executable(&path).then_some(path)
        }
        None => on_path(names),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether chromedriver on `port` answers `GET /status` with `"ready": true`.
fn driver_ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    // chromedriver refuses HTTP/1.0 and keeps the connection open after its reply, so the
    // reply ends where its Content-Length says.
    let request = format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if s.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => response.extend_from_slice(&buf[..n]),
        }
        let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
        let Some(length) = head.lines().find_map(|l| {
            l.strip_prefix("content-length:")
                .and_then(|v| v.trim().parse::<usize>().ok())
        }) else {
            return false;
        };
        let body = &response[split + 4..];
        if body.len() < length {
            continue;
        }
        return head.split(' ').nth(1) == Some("200")
            && serde_json::from_slice::<serde_json::Value>(&body[..length])
                .is_ok_and(|v| v["value"]["ready"] == serde_json::Value::Bool(true));
    }
}

/// The ids of the processes whose command line contains `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
        })
        .collect()
}

fn kill(target: &str) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", target])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Browser {
    /// A new browser session, or `None` (after one line on stderr) when Chromium or its
    /// driver is not installed. Panics when they are installed but do not start. Call from a
    /// plain `#[test]`, not from inside a Tokio runtime.
    pub fn start() -> Option<Browser> {
        let driver = find("CLAIMDB_CHROMEDRIVER", &["chromedriver"]);
        let chromium = find("CLAIMDB_CHROMIUM", &["chromium", "chromium-browser"]);
        let (Some(driver), Some(chromium)) = (driver, chromium) else {
            let required = std::env::var("CLAIMDB_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "CLAIMDB_REQUIRE_BROWSER=1 but chromium or chromedriver was not found (set \
                 CLAIMDB_CHROMIUM and CLAIMDB_CHROMEDRIVER, or apt-get install chromium \
                 chromium-driver)"
            );
            eprintln!(
                "skipping: Chromium and its driver are not installed (apt-get install chromium \
                 chromium-driver) to run this browser test"
            );
            return None;
        };
        assert!(
            tokio::runtime::Handle::try_current().is_err(),
            "Browser is synchronous: use it from a plain #[test], not inside a Tokio runtime"
        );
        // WebDriver traffic is plain HTTP on loopback, but fantoccini's rustls connector
        // builds a rustls config, which needs a process-wide crypto provider; the server
        // code uses aws-lc-rs explicitly, so the tests do the same. An error means another
        // test installed one already.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();

        let dir = tempfile::Builder::new()
            .prefix("claimdb-browser")
            .tempdir()
            .expect("temp dir");
        let profile = dir.path().join("profile");
        std::fs::create_dir(&profile).expect("profile dir");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");

        // The port is free when chosen but could be taken before chromedriver binds it: a
        // driver that exits early is retried on another port.
        let mut attempt = 0;
        let (driver, port) = loop {
            attempt += 1;
            let port = free_port();
            let log = std::fs::File::create(dir.path().join("chromedriver.log")).unwrap();
            let mut child = Command::new(&driver)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                // Chromium's crash handler leaves the process group and names only its
                // database (under the config dir) on its command line: keep that dir in the
                // temp dir too, so drop can find the handler, and the user's own untouched.
                .env("XDG_CONFIG_HOME", dir.path().join("config"))
                .env("XDG_CACHE_HOME", dir.path().join("cache"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                // Its own process group, so drop can kill it and every Chromium under it.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", driver.display()));
            let deadline = Instant::now() + DRIVER_READY;
            let ready = loop {
                if driver_ready(port) {
                    break Ok(());
                }
                if let Ok(Some(status)) = child.try_wait() {
                    break Err(format!("exited with {status}"));
                }
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(format!("was not ready within {DRIVER_READY:?}"));
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            match ready {
                Ok(()) => break (child, port),
                Err(why) if attempt >= 3 => {
                    let log = std::fs::read_to_string(dir.path().join("chromedriver.log"))
                        .unwrap_or_default();
                    panic!("chromedriver {why} (tried 3 ports); its output:\n{log}");
                }
                Err(_) => continue,
            }
        };

        let mut browser = Browser {
            rt: Some(rt),
            client: None,
            driver,
            port,
            dir,
        };
        let mut caps = fantoccini::wd::Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        caps.insert(
            "timeouts".into(),
            json!({
                "pageLoad": PAGE_TIMEOUT.as_millis() as u64,
                "script": PAGE_TIMEOUT.as_millis() as u64,
                "implicit": 0,
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let connected = browser.block_on(async {
            match ClientBuilder::rustls() {
                Ok(mut b) => b.capabilities(caps).connect(&url).await,
                // No CA certificates on this machine: none are needed for plain HTTP.
                Err(_) => {
                    let http = hyper_util::client::legacy::connect::HttpConnector::new();
                    ClientBuilder::new(http)
                        .capabilities(caps)
                        .connect(&url)
                        .await
                }
            }
        });
        match connected {
            Ok(client) => browser.client = Some(client),
            Err(e) => {
                let log = std::fs::read_to_string(browser.dir.path().join("chromedriver.log"))
                    .unwrap_or_default();
                panic!(
                    "no browser session from chromedriver for {}: {e}; its output:\n{log}",
                    chromium.display()
                );
            }
        }
        Some(browser)
    }

    /// The WebDriver session, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("browser session")
    }

    /// Run async code (typically calls on [`Browser::client`]) to completion.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.as_ref().expect("runtime").block_on(f)
    }

    /// chromedriver's port on 127.0.0.1.
    pub fn driver_port(&self) -> u16 {
        self.port
    }

    /// Load `url` and wait for the page to finish loading.
    pub fn goto(&self, url: &str) {
        self.block_on(self.client().goto(url))
            .unwrap_or_else(|e| panic!("cannot load {url}: {e}"));
    }

    /// The URL of the current page.
    pub fn url(&self) -> String {
        self.block_on(self.client().current_url())
            .expect("current URL")
            .to_string()
    }

    fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.block_on(self.client().find(Locator::Css(css)))
            .unwrap_or_else(|e| panic!("no element {css:?} on {}: {e}", self.url()))
    }

    /// Whether an element matches `css` now (no waiting).
    pub fn exists(&self, css: &str) -> bool {
        !self
            .block_on(self.client().find_all(Locator::Css(css)))
            .unwrap_or_else(|e| panic!("cannot look for {css:?}: {e}"))
            .is_empty()
    }

    /// Wait (up to 30 s) until an element matches `css`.
    pub fn wait_for(&self, css: &str) {
        self.block_on(
            self.client()
                .wait()
                .at_most(PAGE_TIMEOUT)
                .for_element(Locator::Css(css)),
        )
        .unwrap_or_else(|e| panic!("no element {css:?} appeared on {}: {e}", self.url()));
    }

    /// The rendered text of the first element matching `css`.
    pub fn text_of(&self, css: &str) -> String {
        let el = self.element(css);
        self.block_on(el.text())
            .unwrap_or_else(|e| panic!("no text for {css:?}: {e}"))
    }

    /// Clear the field matching `css` and type `value` into it as keystrokes; panics unless
    /// the field then holds exactly `value`.
    pub fn fill(&self, css: &str, value: &str) {
        let el = self.element(css);
        let typed = self.block_on(async {
            el.clear().await?;
            el.send_keys(value).await?;
            el.prop("value").await
        });
        let typed = typed.unwrap_or_else(|e| panic!("cannot type into {css:?}: {e}"));
        assert_eq!(
            typed.as_deref(),
            Some(value),
            "{css:?} does not hold what was typed"
        );
    }

    /// Click the first element matching `css` (a submit button's navigation is waited for).
    pub fn click(&self, css: &str) {
        let el = self.element(css);
        self.block_on(el.click())
            .unwrap_or_else(|e| panic!("cannot click {css:?}: {e}"));
    }

    /// The text of the open alert, confirm or prompt dialog, if one is open.
    pub fn alert(&self) -> Option<String> {
        match self.block_on(self.client().get_alert_text()) {
            Ok(text) => Some(text),
            Err(e) if e.is_no_such_alert() => None,
            Err(e) => panic!("cannot ask for an open dialog: {e}"),
        }
    }

    /// Write a PNG screenshot of the viewport to `path` (creating its directory).
    pub fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let png = self
            .block_on(self.client().screenshot())
            .unwrap_or_else(|e| panic!("cannot take a screenshot: {e}"));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("cannot write {path:?}: {e}"));
    }
}

impl Drop for Browser {
    /// Runs during a failed test's unwinding too, so nothing here may panic.
    fn drop(&mut self) {
        let rt = self.rt.take();
        let client = self.client.take();
        let in_runtime = tokio::runtime::Handle::try_current().is_ok();
        if let (Some(rt), Some(client), false) = (&rt, client, in_runtime) {
            // Ends the session, which makes chromedriver quit Chromium. A panic here while a
            // failed test unwinds would abort the whole test binary, hence `catch_unwind`.
            let close = async { tokio::time::timeout(CLOSE_TIMEOUT, client.close()).await };
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(close)));
        }
        if let Some(rt) = rt {
            rt.shutdown_background();
        }
        // chromedriver and whatever it left running in its process group...
        kill(&format!("-{}", self.driver.id()));
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // ...and any Chromium process that left the group (its crash handler), found by
        // this browser's temp dir on its command line.
        for pid in processes_mentioning(&self.dir.path().display().to_string()) {
            kill(&pid.to_string());
        }
    }
}
