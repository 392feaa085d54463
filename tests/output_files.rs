//! Files named for output: `export -o` and `backup` never write over the database or its
//! companion files, stream to pipes and devices, follow links to regular files and replace
//! those atomically; and every export reads one consistent snapshot.

mod common;

use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::Path;

use common::Env;

/// A database with a few Unicode records, its snapshot and `check` passing.
fn seeded() -> Env {
    let env = Env::as_user("Ayşe");
    common::seed_bridge(&env, &["ulaşım", "мост"]);
    env.ok(&[
        "claim",
        "add",
        "Ціни на хліб зросли вдвічі 🍞",
        "--speaker",
        "وزير المالية",
        "--status",
        "false",
        "--note",
        "Росстат: +12%",
    ]);
    env
}

fn assert_intact(env: &Env, before: &(String, usize)) {
    assert_eq!(&env.snapshot(), before, "the database changed");
    let check = env.json(&["check"]);
    assert_eq!(check["ok"], true, "{check}");
}

#[test]
fn export_refuses_the_database_and_its_files_by_any_name() {
    let env = seeded();
    let before = env.snapshot();
    let db = env.db.to_str().unwrap().to_string();
    // The file itself, its companions (present or not), a symlink and a hard link to it, a
    // symlink to its -wal, and the database reached through a symlinked folder.
    symlink(&env.db, env.path("link.db")).unwrap();
    std::fs::hard_link(&env.db, env.path("hard.db")).unwrap();
    symlink(format!("{db}-wal"), env.path("link-wal")).unwrap();
    symlink(env.dir.path(), env.path("dir-link")).unwrap();
    let through_dir = env.path("dir-link/claims.db");
    for target in [
        db.clone(),
        format!("{db}-wal"),
        format!("{db}-shm"),
        format!("{db}-journal"),
        env.path("link.db").to_str().unwrap().into(),
        env.path("hard.db").to_str().unwrap().into(),
        env.path("link-wal").to_str().unwrap().into(),
        through_dir.to_str().unwrap().into(),
    ] {
        for format in ["json", "jsonl", "csv", "claimreview"] {
            let err = env.fails(2, &["export", "--format", format, "-o", &target]);
            assert!(err.contains("is the database"), "{target}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        let err = env.fails(2, &["backup", &target]);
        assert!(
            err.contains("is the database") || err.contains("exists"),
            "{target}: {err}"
        );
        assert_intact(&env, &before);
    }
    // The symlinks are still symlinks, pointing where they did.
    assert_eq!(std::fs::read_link(env.path("link.db")).unwrap(), env.db);
    assert!(!Path::new(&format!("{db}-journal")).exists());
}

#[test]
fn export_streams_to_a_fifo_and_a_device() {
    let env = seeded();
    let before = env.snapshot();
    let fifo = env.path("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    // A second name for the FIFO, so that it can be reached even if the export replaced the
    // first one.
    let keep = env.path("pipe-keep");
    std::fs::hard_link(&fifo, &keep).unwrap();
    let out = env
        .cmd()
        .args(["export", "--format", "jsonl", "-o", fifo.to_str().unwrap()])
        .output()
        .unwrap();
    // Should the reader still wait for a writer, give it one that closes at once (a
    // non-blocking open, which fails harmlessly when no reader is left).
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000;
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(O_NONBLOCK)
            .open(&keep);
    }
    let streamed = reader.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(streamed, before.0, "the FIFO received the whole export");
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO is still a FIFO"
    );
    let v = env.json(&["export", "-o", "/dev/null"]);
    assert!(v["records"].as_u64().unwrap() > 0, "{v}");
    let null = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(
        null.file_type().is_char_device(),
        "/dev/null is still a device"
    );
    // `-` is standard output.
    assert_eq!(
        env.ok(&["export", "--format", "jsonl", "-o", "-"]),
        before.0
    );
    assert_intact(&env, &before);
}

#[test]
fn export_follows_a_symlink_and_replaces_a_regular_file_atomically() {
    let env = seeded();
    let before = env.snapshot();
    let target = env.path("exports/latest.jsonl");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, "old contents\n").unwrap();
    let link = env.path("latest-link.jsonl");
    symlink(&target, &link).unwrap();
    env.ok(&["export", "--format", "jsonl", "-o", link.to_str().unwrap()]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is kept"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), before.0);
    // A new file, and no temporary file left beside either.
    let fresh = env.path("new.json");
    env.ok(&["export", "-o", fresh.to_str().unwrap()]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fresh).unwrap()).unwrap();
    assert_eq!(doc["format"], "claimdb");
    for dir in [env.dir.path(), target.parent().unwrap()] {
        for e in std::fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            assert!(!name.contains("claimdb-tmp"), "left behind: {name}");
        }
    }
    // A folder is refused, and nothing is written.
    let err = env.fails(2, &["export", "-o", env.path("exports").to_str().unwrap()]);
    assert!(err.contains("folder"), "{err}");
    assert_intact(&env, &before);
}

/// While another connection adds claims with verdicts, one transaction each, every JSON
/// Lines export is a consistent snapshot: it imports cleanly into a fresh database.
#[test]
fn exports_are_snapshots_while_another_process_writes() {
    let env = seeded();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let db = env.db.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut store = claimdb::Store::open(&db, Some("Олег")).unwrap();
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let text = format!("Утверждение номер {n} 🧾");
                store
                    .add_claim(claimdb::store::NewClaim {
                        text,
                        status: Some("misleading".into()),
                        note: Some(format!("سبب {n}")),
                        tags: vec!["şehir".into()],
                        ..Default::default()
                    })
                    .unwrap();
                n += 1;
            }
            n
        })
    };
    let mut exports = Vec::new();
    for _ in 0..24 {
        exports.push(env.ok(&["export", "--format", "jsonl"]));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0, "the writer wrote while the exports ran");
    let distinct: std::collections::HashSet<&String> = exports.iter().collect();
    assert!(distinct.len() > 1, "the exports saw the writer's changes");
    for (i, export) in exports.iter().enumerate() {
        let fresh = Env::new();
        let file = fresh.path("export.jsonl");
        std::fs::write(&file, export).unwrap();
        let out = fresh
            .cmd()
            .args(["import", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "export {i} does not import: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            fresh.ok(&["export", "--format", "jsonl"]),
            *export,
            "export {i} comes back whole"
        );
    }
}
