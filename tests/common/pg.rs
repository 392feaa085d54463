//! A throwaway PostgreSQL cluster for one test: `initdb` in a temp directory, `postgres` on a
//! free loopback port, stopped and deleted on drop. PostgreSQL refuses to run as root, so
//! under root the cluster runs as the `postgres` user (or `nobody`).
//!
//! Without PostgreSQL installed, [`PgCluster::start`] prints one line and returns `None`,
//! and the test passes without running; with `CLAIMDB_REQUIRE_POSTGRES=1` (as CI sets) it
//! panics instead. `CLAIMDB_PG_BIN` names the directory of `initdb` and `pg_ctl` when they
//! are not on the PATH or under /usr/lib/postgresql.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// The unprivileged user the cluster runs as, when the tests run as root.
    run_as: Option<String>,
    databases: std::cell::Cell<u32>,
}

/// The directory holding `initdb` and `pg_ctl`.
fn find_bin() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("CLAIMDB_PG_BIN") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").is_file().then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").is_file())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PgCluster {
    /// A new cluster, or `None` (after one line on stderr) when PostgreSQL is not installed.
    pub fn start() -> Option<PgCluster> {
        Self::start_inner(false)
    }

    /// The same with TLS on (`ssl = on`), its certificate for 127.0.0.1 and localhost signed
    /// by a new CA; returns the CA's PEM for clients to trust.
    pub fn start_with_tls() -> Option<(PgCluster, String)> {
        let c = Self::start_inner(true)?;
        let ca = std::fs::read_to_string(c.dir.path().join("ca.pem")).unwrap();
        Some((c, ca))
    }

    fn start_inner(tls: bool) -> Option<PgCluster> {
        let Some(bin) = find_bin() else {
            let required = std::env::var("CLAIMDB_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "CLAIMDB_REQUIRE_POSTGRES=1 but PostgreSQL's initdb was not found"
            );
            eprintln!(
                "skipping: PostgreSQL is not installed (apt-get install postgresql, or set \
                 CLAIMDB_PG_BIN to the directory of initdb, to run this test)"
            );
            return None;
        };
        let run_as = is_root().then(|| {
            if user_exists("postgres") {
                "postgres".to_string()
            } else {
                "nobody".to_string()
            }
        });
        let dir = tempfile::Builder::new()
            .prefix("claimdb-pg")
            .tempdir()
            .unwrap();
        let mut c = PgCluster {
            dir,
            bin,
            port: 0,
            run_as,
            databases: std::cell::Cell::new(0),
        };
        if let Some(user) = &c.run_as {
            let ok = Command::new("chown")
                .arg(user)
                .arg(c.dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown the cluster directory to {user}");
            // Let the unprivileged user reach the directory through its parents.
            let _ = Command::new("chmod")
                .arg("a+x")
                .arg(c.dir.path().parent().unwrap())
                .status();
        }
        let out = c.run(
            "initdb",
            &[
                "-D",
                c.data().to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "claimdb",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if tls {
            c.write_certificates();
        }
        // A port can be taken between choosing it and binding it: try a few.
        for attempt in 0..5 {
            c.port = free_port();
            if c.pg_ctl_start() {
                return Some(c);
            }
            assert!(attempt < 4, "PostgreSQL did not start: {}", c.log());
        }
        unreachable!()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// Run a PostgreSQL program as the cluster's user.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn pg_ctl_start(&self) -> bool {
        let ssl = if self.dir.path().join("data/server.crt").is_file() {
            " -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key"
        } else {
            ""
        };
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c max_connections=200 -c shared_buffers=32MB{ssl}",
            self.port,
            self.dir.path().display()
        );
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                self.dir.path().join("log").to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        out.status.success()
    }

    fn write_certificates(&self) {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let cert = params.signed_by(&key, &ca_cert, &ca_key).unwrap();
        std::fs::write(self.dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        let data = self.data();
        std::fs::write(data.join("server.crt"), cert.pem()).unwrap();
        std::fs::write(data.join("server.key"), key.serialize_pem()).unwrap();
        if let Some(user) = &self.run_as {
            for f in ["server.crt", "server.key"] {
                let _ = Command::new("chown").arg(user).arg(data.join(f)).status();
            }
        }
        let _ = Command::new("chmod")
            .arg("600")
            .arg(data.join("server.key"))
            .status();
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `name` on this cluster, as the `claimdb` superuser.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://claimdb@127.0.0.1:{}/{name}", self.port)
    }

    /// Create a database (its name made unique in this cluster) and return its URL.
    pub fn create_database(&self, name: &str) -> String {
        self.databases.set(self.databases.get() + 1);
        let name = format!("{name}_{}", self.databases.get());
        let out = self.psql("postgres", &format!("CREATE DATABASE {name}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.url(&name)
    }

    /// Run SQL through psql on `database`.
    pub fn psql(&self, database: &str, sql: &str) -> Output {
        Command::new(self.bin("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "claimdb",
            ])
            .args(["-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .unwrap()
    }

    /// Stop as a crash would: no checkpoint, clients cut off.
    pub fn stop_immediate(&self) {
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().unwrap(),
                "-m",
                "immediate",
                "stop",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Start again on the same port and data after [`Self::stop_immediate`].
    pub fn start_again(&self) {
        assert!(
            self.pg_ctl_start(),
            "PostgreSQL did not restart: {}",
            self.log()
        );
    }

    /// A program from PostgreSQL's bin directory, else from the PATH.
    pub fn bin(&self, program: &str) -> PathBuf {
        let p = self.bin.join(program);
        if p.is_file() {
            p
        } else {
            PathBuf::from(program)
        }
    }

    /// PATH with PostgreSQL's bin directory first (for pg_dump).
    pub fn path_with_bin(&self) -> std::ffi::OsString {
        let mut dirs = vec![self.bin.clone()];
        if let Some(p) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&p));
        }
        std::env::join_paths(dirs).unwrap()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().unwrap(),
                "-m",
                "immediate",
                "stop",
            ],
        );
    }
}
