//! Joining a workspace by snapshot. A new member's empty database can start from a copy of
//! the server's replica of the workspace (a database like a member's, fed from the log)
//! instead of replaying every operation: download it, check it, make it this database's own,
//! then pull the operations logged after it as usual.
//!
//! The download goes to `DB.join` beside the database, with what it is in `DB.join.json`;
//! the database itself is replaced in one rename only once the copy is complete, its SHA-256
//! matches the server's, it holds exactly the operations the log had at its sequence number
//! and ends with the same operations the log gives. An interrupted join (a broken
//! connection, a killed process) leaves the empty database as it was; the next pull resumes
//! the download where it stopped if the server still offers the same snapshot, and starts
//! over otherwise.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::client::{Progress, Transport};
use crate::error::{Error, Result};
use crate::store::Store;

/// The log length from which a pull into an empty database joins by snapshot by default.
pub const JOIN_MIN_OPS: u64 = 10_000;

/// Operations at the end of the snapshot compared with the server's log.
const TAIL: u64 = 64;

/// A snapshot the server offers, its bytes from `offset` on in `body`.
pub struct SnapshotOffer {
    /// The log's sequence number the snapshot was read up to.
    pub seq: u64,
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// The whole file's length in bytes.
    pub len: u64,
    /// Where `body` starts: 0, or where a resumed download stopped.
    pub offset: u64,
    pub body: Box<dyn Read + Send>,
}

/// When a pull into an empty database joins by snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JoinMode {
    /// When the log holds at least [`JOIN_MIN_OPS`] operations, or a join was interrupted.
    #[default]
    Auto,
    /// Whenever the server offers a snapshot.
    Always,
    /// Never: replay the log.
    Never,
}

/// What a join did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Joined {
    /// The log's sequence number the snapshot holds everything up to.
    pub seq: u64,
    /// The snapshot's size in bytes.
    pub bytes: u64,
    /// Where the download resumed (0 when it started from the beginning).
    pub resumed_from: u64,
}

/// What `DB.join.json` records about the download in `DB.join`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct JoinState {
    url: String,
    sha256: String,
    seq: u64,
    len: u64,
    /// The file was checked and made this database's own; only the rename is left.
    adopted: bool,
}

fn partial_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".join");
    s.into()
}

fn state_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".join.json");
    s.into()
}

/// Whether an interrupted join of `db` left a download to resume.
pub fn interrupted(db: &Path) -> bool {
    state_path(db).exists()
}

fn read_state(db: &Path, url: &str) -> Option<JoinState> {
    let text = std::fs::read_to_string(state_path(db)).ok()?;
    let state: JoinState = serde_json::from_str(&text).ok()?;
    (state.url == url).then_some(state)
}

fn write_state(db: &Path, state: &JoinState) -> Result<()> {
    let path = state_path(db);
    let tmp = path.with_extension("json.tmp");
    let cannot = |e| Error::io(format!("cannot write {}", path.display()), e);
    let mut f = std::fs::File::create(&tmp).map_err(cannot)?;
    f.write_all(serde_json::to_string(state).expect("plain data").as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(cannot)?;
    std::fs::rename(&tmp, &path).map_err(cannot)
}

/// Remove what an interrupted join left beside `db`.
pub fn discard(db: &Path) {
    let _ = std::fs::remove_file(partial_path(db));
    let _ = std::fs::remove_file(state_path(db));
}

/// Replace the empty database `store` by the server's snapshot of the workspace `remote`
/// syncs with. Returns `None` when the server offers none (the caller replays the log).
/// The caller checked that the database is [pristine](Store::is_pristine).
pub fn join(
    store: &mut Store,
    remote: &str,
    t: &mut dyn Transport,
    progress: Progress<'_>,
) -> Result<Option<Joined>> {
    let db = store.path().to_path_buf();
    let url = store.remote(remote)?.url;
    let partial = partial_path(&db);
    let mut state = read_state(&db, &url);
    if state.is_none() {
        discard(&db);
    }
    // Checked and adopted before an interruption: only the rename is left.
    if let Some(s) = state.as_ref().filter(|s| s.adopted) {
        if store.snapshot_adopted(&partial, remote, s.seq)? {
            let joined = Joined {
                seq: s.seq,
                bytes: s.len,
                resumed_from: s.len,
            };
            store.install_snapshot(&partial)?;
            discard(&db);
            return Ok(Some(joined));
        }
        discard(&db);
        state = None;
    }
    let have = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    let resume = state
        .as_ref()
        .filter(|s| have > 0 && have <= s.len)
        .map(|s| (s.sha256.clone(), have));
    let Some(offer) = t.snapshot(resume.as_ref().map(|(sha, at)| (sha.as_str(), *at)))? else {
        discard(&db);
        return Ok(None);
    };
    let resumed = offer.offset > 0
        && resume
            .as_ref()
            .is_some_and(|(sha, at)| *sha == offer.sha256 && *at == offer.offset);
    let cannot = |e| Error::io(format!("cannot write {}", partial.display()), e);
    let mut hasher = Sha256::new();
    let mut file = if resumed {
        // Hash what is already here, then append.
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .open(&partial)
            .map_err(cannot)?;
        f.seek(std::io::SeekFrom::Start(0)).map_err(cannot)?;
        let mut prefix = (&mut f).take(offer.offset);
        std::io::copy(&mut prefix, &mut HashWriter(&mut hasher)).map_err(cannot)?;
        f
    } else {
        if offer.offset != 0 {
            return Err(Error::Remote(
                "the server resumed a snapshot download this database did not start; pull again"
                    .into(),
            ));
        }
        let f = std::fs::File::create(&partial).map_err(cannot)?;
        write_state(
            &db,
            &JoinState {
                url: url.clone(),
                sha256: offer.sha256.clone(),
                seq: offer.seq,
                len: offer.len,
                adopted: false,
            },
        )?;
        f
    };
    let mut done = offer.offset;
    let mut body = offer.body;
    let mut buf = vec![0u8; 1 << 20];
    progress("join", done, offer.len);
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = file.sync_all();
                return Err(Error::Remote(format!(
                    "the snapshot download broke off at {done} of {} bytes ({e}); pull again \
                     to resume it, nothing was changed",
                    offer.len
                )));
            }
        };
        if done + n as u64 > offer.len {
            discard(&db);
            return Err(Error::Remote(format!(
                "the server sent more than the {} bytes of its snapshot; nothing was changed, \
                 pull again",
                offer.len
            )));
        }
        file.write_all(&buf[..n]).map_err(cannot)?;
        hasher.update(&buf[..n]);
        done += n as u64;
        progress("join", done, offer.len);
    }
    if done < offer.len {
        let _ = file.sync_all();
        return Err(Error::Remote(format!(
            "the snapshot download broke off at {done} of {} bytes; pull again to resume it, \
             nothing was changed",
            offer.len
        )));
    }
    file.sync_all().map_err(cannot)?;
    drop(file);
    let got = hex(&hasher.finalize());
    if got != offer.sha256 {
        discard(&db);
        return Err(Error::Remote(format!(
            "the snapshot received does not match the server's checksum (SHA-256 {got}, \
             expected {}); nothing was changed, pull again",
            offer.sha256
        )));
    }
    // The end of the snapshot must be the end of the log as the server gives it.
    let from = offer.seq.saturating_sub(TAIL);
    let mut tail = Vec::new();
    while (from + tail.len() as u64) < offer.seq {
        let after = from + tail.len() as u64;
        let page = t.pull(after, (offer.seq - after) as usize)?;
        let fresh: Vec<_> = page
            .ops
            .into_iter()
            .filter(|s| s.seq <= offer.seq)
            .collect();
        if fresh.is_empty() {
            discard(&db);
            return Err(Error::Remote(format!(
                "the server's log does not reach its snapshot's #{}; nothing was changed",
                offer.seq
            )));
        }
        tail.extend(fresh);
    }
    if let Err(e) = store.adopt_snapshot(&partial, remote, offer.seq, &tail) {
        discard(&db);
        return Err(e);
    }
    write_state(
        &db,
        &JoinState {
            url,
            sha256: offer.sha256,
            seq: offer.seq,
            len: offer.len,
            adopted: true,
        },
    )?;
    store.install_snapshot(&partial)?;
    discard(&db);
    Ok(Some(Joined {
        seq: offer.seq,
        bytes: offer.len,
        resumed_from: if resumed { offer.offset } else { 0 },
    }))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
