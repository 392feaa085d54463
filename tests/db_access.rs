//! Databases that cannot be written, and damaged ones: a read-only file or folder is read,
//! writes are refused as read-only; a damaged claimdb file is called damaged, with what to do.
//!
//! Permissions do not bind root. When the tests run as root, the commands that must meet
//! the permissions run as the unprivileged user 65534 (`nobody`); otherwise as the user
//! running the tests.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;

use common::Env;

/// Whether this process is root (a file it creates is owned by uid 0).
fn is_root(env: &Env) -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = env.path("owner-probe");
    std::fs::write(&probe, "").unwrap();
    std::fs::metadata(&probe).unwrap().uid() == 0
}

/// `claimdb --db DB ARGS` as a user the permissions apply to; (exit code, stdout, stderr).
fn run_unprivileged(env: &Env, db: &Path, args: &[&str]) -> (i32, String, String) {
    let root = is_root(env);
    let mut cmd = std::process::Command::new(if root {
        binary_for_others(env)
    } else {
        env!("CARGO_BIN_EXE_claimdb").into()
    });
    cmd.env_clear()
        .env("CLAIMDB_USER", "Ayşe")
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent")
        .arg("--db")
        .arg(db)
        .args(args);
    if root {
        cmd.uid(65534).gid(65534);
    }
    // A freshly written copy of the binary can be briefly busy: another test thread's child,
    // between its fork and exec, still holds the descriptor it was written through.
    let mut tries = 0;
    let out = loop {
        match cmd.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.unwrap(),
        }
    };
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The binary, where another user can run it: in place when every folder above it lets
/// others through, else a copy in the (passable) temporary folder.
fn binary_for_others(env: &Env) -> std::path::PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_claimdb"));
    let passable = bin
        .ancestors()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
    if passable {
        return bin.to_path_buf();
    }
    let copy = env.path("claimdb-for-others");
    if !copy.exists() {
        std::fs::copy(bin, &copy).unwrap();
        chmod(&copy, 0o755);
    }
    copy
}

/// An environment on the database at `db`.
fn at(db: &Path) -> Env {
    let mut env = Env::new();
    env.db = db.to_path_buf();
    env
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A database in its own folder, seeded, closed cleanly (no -wal or -shm beside it).
fn database_in_folder(env: &Env) -> (std::path::PathBuf, String) {
    common::seed_bridge(env, &["ulaşım"]);
    env.ok(&["claim", "add", "Ціни зросли вдвічі 🍞", "--speaker", "وزير"]);
    let export = env.ok(&["export", "--format", "jsonl"]);
    let folder = env.path("ro");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("claims.db");
    std::fs::copy(&env.db, &db).unwrap();
    // The temp dir itself must be passable for the unprivileged user.
    chmod(env.dir.path(), 0o755);
    (db, export)
}

fn reads_work_and_writes_are_refused(env: &Env, db: &Path, export: &str) {
    let (code, out, err) = run_unprivileged(env, db, &["export", "--format", "jsonl"]);
    assert_eq!(code, 0, "export of a read-only database: {err}");
    assert_eq!(out, export);
    for args in [
        &["claim", "list"][..],
        &["search", "ціни"],
        &["log"],
        &["check"],
        &["source", "show", "the minister"],
    ] {
        let (code, _, err) = run_unprivileged(env, db, args);
        assert_eq!(code, 0, "{args:?} on a read-only database: {err}");
    }
    for args in [
        &["claim", "add", "Новое утверждение"][..],
        &["source", "add", "Zeynep Işık"],
        &["init"],
    ] {
        let (code, _, err) = run_unprivileged(env, db, args);
        if args == ["init"] {
            // init writes nothing on an existing database.
            assert_eq!(code, 0, "{err}");
            continue;
        }
        assert_eq!(code, 1, "{args:?} must be refused: {err}");
        assert!(err.contains("read-only"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn a_read_only_file_in_a_read_only_folder_can_be_read() {
    let env = Env::new();
    let (db, export) = database_in_folder(&env);
    chmod(&db, 0o444);
    chmod(db.parent().unwrap(), 0o555);
    reads_work_and_writes_are_refused(&env, &db, &export);
    // Nothing was created beside it, and it is unchanged.
    chmod(db.parent().unwrap(), 0o755);
    let names: Vec<_> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("claims.db")]);
    assert_eq!(std::fs::read(&db).unwrap(), std::fs::read(&env.db).unwrap());
}

#[test]
fn a_writable_file_in_a_read_only_folder_can_be_read() {
    let env = Env::new();
    let (db, export) = database_in_folder(&env);
    chmod(&db, 0o666);
    chmod(db.parent().unwrap(), 0o555);
    reads_work_and_writes_are_refused(&env, &db, &export);
    assert_eq!(std::fs::read(&db).unwrap(), std::fs::read(&env.db).unwrap());
}

#[test]
fn a_read_only_file_in_a_writable_folder_can_be_read() {
    let env = Env::new();
    let (db, export) = database_in_folder(&env);
    chmod(&db, 0o444);
    chmod(db.parent().unwrap(), 0o777);
    reads_work_and_writes_are_refused(&env, &db, &export);
    assert_eq!(std::fs::read(&db).unwrap(), std::fs::read(&env.db).unwrap());
}

#[test]
fn a_truncated_or_damaged_claimdb_file_is_called_damaged() {
    let env = Env::new();
    common::seed_bridge(&env, &["мост"]);
    for n in 0..200 {
        env.ok(&["claim", "add", &format!("Утверждение {n}: ışık 🔦")]);
    }
    let whole = std::fs::read(&env.db).unwrap();
    assert!(whole.len() > 64 * 1024);
    let cut = [60, 100, 4096, 8192, whole.len() / 2, whole.len() - 4096];
    for n in cut {
        let db = env.path(&format!("cut-{n}.db"));
        std::fs::write(&db, &whole[..n]).unwrap();
        for args in [&["claim", "list"][..], &["check"], &["export"]] {
            let out = at(&db).cmd().args(args).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(4), "{n} bytes, {args:?}: {err}");
            assert!(err.contains("damaged"), "{n} bytes: {err}");
            assert!(err.contains("backup"), "{n} bytes: {err}");
            assert!(!err.contains("not a claimdb database"), "{n} bytes: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert_eq!(std::fs::read(&db).unwrap(), &whole[..n], "left as it was");
    }
    // A header overwritten with noise past the magic string.
    let db = env.path("noise.db");
    let mut bytes = whole.clone();
    for (i, b) in bytes[16..100].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    std::fs::write(&db, &bytes).unwrap();
    let out = at(&db).cmd().args(["claim", "list"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("damaged"), "{err}");
    // Not SQLite at all is still "not a claimdb database".
    let db = env.path("notes.db");
    std::fs::write(&db, "Заметки, не база данных\n").unwrap();
    let out = at(&db).cmd().args(["claim", "list"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("not a claimdb database"), "{err}");
}
