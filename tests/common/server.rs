//! The real `claimdb serve` process on 127.0.0.1 with port 0, its address read from the first
//! line it prints.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub child: Child,
    pub url: String,
    pub data: PathBuf,
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_claimdb"))
}

impl Server {
    pub fn start(data: &Path) -> Server {
        Self::start_with(data, &[])
    }

    /// Start with extra `serve` options.
    pub fn start_with(data: &Path, extra: &[&str]) -> Server {
        Self::start_under(data, extra, &[])
    }

    /// Start as an argument of `wrapper` (a command such as `faketime -f -10m` that runs
    /// the server in another setting), with extra `serve` options.
    pub fn start_under(data: &Path, extra: &[&str], wrapper: &[&str]) -> Server {
        let data_arg = data.to_str().expect("a UTF-8 path");
        Self::spawn(&["--data", data_arg], data, extra, wrapper)
    }

    /// Start on the PostgreSQL database at `url`; its standard error goes to
    /// `logs/serve.stderr`.
    pub fn start_pg(url: &str, logs: &Path) -> Server {
        Self::spawn(&["--database", url], logs, &[], &[])
    }

    fn spawn(db: &[&str], data: &Path, extra: &[&str], wrapper: &[&str]) -> Server {
        let _ = std::fs::create_dir_all(data);
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(bin());
                c
            }
            None => Command::new(bin()),
        };
        let mut child = cmd
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(db)
            .args(extra)
            .env_remove("CLAIMDB_DB")
            .env_remove("CLAIMDB_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(match std::fs::File::create(data.join("serve.stderr")) {
                // What the server writes to standard error, for tests that read it.
                Ok(f) => Stdio::from(f),
                Err(_) => Stdio::null(),
            })
            .spawn()
            .expect("start claimdb serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
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

    /// `claimdb server ...` on this server's data directory; stdout.
    pub fn admin(data: &Path, args: &[&str]) -> String {
        let data = data.to_str().expect("a UTF-8 path");
        Self::admin_on(&["--data", data], args)
    }

    /// `claimdb server ...` on the PostgreSQL database at `url`; stdout.
    pub fn admin_pg(url: &str, args: &[&str]) -> String {
        Self::admin_on(&["--database", url], args)
    }

    fn admin_on(db: &[&str], args: &[&str]) -> String {
        let out = Command::new(bin())
            .arg("--json")
            .arg("server")
            .args(args)
            .args(db)
            .env_remove("CLAIMDB_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "server {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn workspace(data: &Path, name: &str) {
        Self::admin(data, &["workspace-create", name]);
    }

    /// Add a member; returns the token.
    pub fn member(data: &Path, workspace: &str, name: &str, role: &str) -> String {
        let v: serde_json::Value = serde_json::from_str(&Self::admin(
            data,
            &["member-add", workspace, name, "--role", role],
        ))
        .unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    /// A new member's environment, with `origin` pointing at `url` (this server or a proxy
    /// in front of it).
    pub fn join_at(data: &Path, url: &str, name: &str, role: &str) -> super::Env {
        let token = Self::member(data, "desk", name, role);
        let env = super::Env::as_user(name);
        env.ok(&[
            "remote",
            "add",
            "origin",
            &format!("{url}/desk"),
            "--token",
            &token,
        ]);
        env
    }

    /// A new database for the member `name` of `desk` whose token is `token`.
    pub fn join_with_token(&self, name: &str, token: &str) -> super::Env {
        let env = super::Env::as_user(name);
        env.ok(&[
            "remote",
            "add",
            "origin",
            &format!("{}/desk", self.url),
            "--token",
            token,
        ]);
        env
    }

    /// A new member of workspace `desk` on this server.
    pub fn join(&self, name: &str, role: &str) -> super::Env {
        Self::join_at(&self.data, &self.url, name, role)
    }

    /// (operations, distinct op ids, highest sequence number) stored for `desk`.
    pub fn log_stats(data: &Path) -> (u64, u64, u64) {
        let db = rusqlite::Connection::open(data.join("server.db")).unwrap();
        let integrity: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "the server database is sound");
        db.query_row(
            "SELECT count(*), count(DISTINCT id), coalesce(max(seq), 0) FROM ops WHERE workspace = 'desk'",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64)),
        )
        .unwrap()
    }

    /// Stop with SIGKILL: no chance to clean up.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Number of operations the server database holds for `workspace`, read beside the
    /// running server.
    pub fn op_count(data: &Path, workspace: &str) -> u64 {
        let c = rusqlite::Connection::open_with_flags(
            data.join("server.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        c.query_row(
            "SELECT count(*) FROM ops WHERE workspace = ?1",
            [workspace],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as u64
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
