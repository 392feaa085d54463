//! Each workspace's server-side replica: the same [`Store`] a member uses, fed from the
//! workspace's log, so the board shows what a member who just synced sees and no merge rule
//! is written twice. It is a cache: deleted, it is rebuilt from the log.
//!
//! Replicas follow every workspace that receives operations, in the background on a thread
//! of low priority, so pushes keep the machine first. A copy of a replica's file is the
//! snapshot a new member joins from (see `sync::snapshot`): copies are kept in
//! `snapshots/` beside the replicas, named by workspace, sequence number and SHA-256, and
//! made again once the log has grown by [`SNAPSHOT_STALE_OPS`] or a tenth since.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::server::core::{Core, ServerError};
use crate::store::Store;

/// The remote name under which a replica records how far it has read the log.
const LOG: &str = "origin";
/// Operations applied per round while catching up.
const PAGE: usize = 5_000;
/// A snapshot request catches the replica up first when it is at most this far behind;
/// further behind, the last snapshot is served and the member pulls the rest.
const CATCH_UP_ON_REQUEST: u64 = 50_000;
/// A snapshot is made again once the replica read this many operations past it (or a tenth
/// of the log, whichever is more).
pub const SNAPSHOT_STALE_OPS: u64 = 10_000;
/// How long the log must be quiet before a snapshot is made in the background.
const QUIET: std::time::Duration = std::time::Duration::from_secs(2);
/// Snapshots kept per workspace (an older one lets interrupted downloads resume).
const SNAPSHOTS_KEPT: usize = 2;

/// A copy of a replica's file, as served to joining members.
#[derive(Debug, Clone)]
pub struct SnapshotFile {
    pub path: PathBuf,
    /// The log's sequence number the replica had read up to.
    pub seq: u64,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
    pub len: u64,
}

#[derive(Clone)]
struct Replica {
    store: Arc<Mutex<Store>>,
    /// The number of concurrent edits, and how far the log was read when it was counted.
    edits: Arc<Mutex<Option<(u64, usize)>>>,
    /// Operations arrived that the replica may not have applied yet.
    pending: Arc<AtomicBool>,
    /// A task is applying them.
    running: Arc<AtomicBool>,
    /// Held while catching up, so two requests do not apply the same page.
    feeding: Arc<tokio::sync::Mutex<()>>,
    /// Snapshots made of this replica, oldest first; held while one is made.
    snapshots: Arc<tokio::sync::Mutex<Vec<SnapshotFile>>>,
}

pub struct Replicas {
    dir: PathBuf,
    open: Mutex<HashMap<String, Replica>>,
}

fn internal(e: impl std::fmt::Display) -> ServerError {
    ServerError::Internal(format!("board replica: {e}"))
}

impl Replicas {
    /// Replicas kept in `dir` (created if needed), one database per workspace. Snapshots
    /// left by an earlier run are removed: the log they were made from may have been
    /// replaced since.
    pub fn new(dir: PathBuf) -> Replicas {
        let _ = std::fs::remove_dir_all(dir.join("snapshots"));
        Replicas {
            dir,
            open: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, workspace: &str) -> Result<Replica, ServerError> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = open.get(workspace) {
            return Ok(r.clone());
        }
        std::fs::create_dir_all(&self.dir).map_err(internal)?;
        // Workspace names are letters, digits, - and _ only.
        let path = self.dir.join(format!("{workspace}.db"));
        let mut store = Store::open(&path, None).map_err(internal)?;
        if store.remote(LOG).is_err() {
            store
                .remote_add(LOG, &format!("http://server.invalid/{workspace}"), None)
                .map_err(internal)?;
        }
        let r = Replica {
            store: Arc::new(Mutex::new(store)),
            edits: Arc::new(Mutex::new(None)),
            pending: Arc::new(AtomicBool::new(false)),
            running: Arc::new(AtomicBool::new(false)),
            feeding: Arc::new(tokio::sync::Mutex::new(())),
            snapshots: Arc::new(tokio::sync::Mutex::new(Vec::new())),
        };
        open.insert(workspace.to_string(), r.clone());
        Ok(r)
    }

    /// Apply whatever the log holds beyond what the replica has; returns the number of
    /// operations the replica is behind the log's head afterwards (0 unless ops arrived
    /// meanwhile).
    pub async fn catch_up(&self, core: &Core, workspace: &str) -> Result<u64, ServerError> {
        self.feed(core, workspace, false).await
    }

    /// [`Replicas::catch_up`], applying on the low-priority thread when `background`.
    async fn feed(
        &self,
        core: &Core,
        workspace: &str,
        background: bool,
    ) -> Result<u64, ServerError> {
        let Replica { store, feeding, .. } = self.get(workspace)?;
        let _feeding = feeding.lock().await;
        loop {
            let s = store.clone();
            let cursor = blocking(move || {
                let s = s.lock().unwrap_or_else(|p| p.into_inner());
                s.remote_cursor(LOG).map_err(internal)
            })
            .await?;
            let page = core.log_after(workspace, cursor, PAGE).await?;
            let Some(last) = page.ops.last().map(|o| o.seq) else {
                return Ok(page.head.saturating_sub(cursor));
            };
            let s = store.clone();
            let apply = move || {
                let mut s = s.lock().unwrap_or_else(|p| p.into_inner());
                s.apply_pulled(LOG, &page.ops, last).map_err(internal)
            };
            if background {
                low_priority(apply).await?;
            } else {
                blocking(apply).await?;
            }
        }
    }

    /// Note that operations arrived for `workspace`; true when the caller should start
    /// [`Replicas::apply_pending`] (no task is applying them yet).
    pub fn mark_pending(&self, workspace: &str) -> bool {
        let Ok(r) = self.get(workspace) else {
            return false;
        };
        r.pending.store(true, Ordering::SeqCst);
        r.running
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Apply arrived operations until none are pending, so pages find the replica current.
    pub async fn apply_pending(&self, core: &Core, workspace: &str) {
        let Ok(r) = self.get(workspace) else { return };
        loop {
            while r.pending.swap(false, Ordering::SeqCst) {
                if let Err(e) = self.feed(core, workspace, true).await {
                    eprintln!("claimdb serve: the board's copy of {workspace} is behind: {e}");
                }
            }
            // Once the log has been quiet for a moment, prepare the snapshot the next
            // joining member will want, so it does not wait for the copy.
            tokio::time::sleep(QUIET).await;
            if !r.pending.load(Ordering::SeqCst)
                && let Err(e) = self.refresh_snapshot(workspace, &r, true).await
            {
                eprintln!("claimdb serve: no new snapshot of {workspace}: {e}");
            }
            r.running.store(false, Ordering::SeqCst);
            // Arrivals between the last check and now must not wait for the next push.
            if !r.pending.load(Ordering::SeqCst)
                || r.running
                    .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
            {
                return;
            }
        }
    }

    /// How far `workspace`'s replica has read the log: (the log's head, the replica's
    /// cursor, the newest snapshot's sequence number). A replica behind starts catching up.
    pub async fn progress(
        &self,
        core: &Core,
        workspace: &str,
    ) -> Result<(u64, u64, Option<u64>), ServerError> {
        let r = self.get(workspace)?;
        let cursor = self.cursor(&r).await?;
        let head = core.log_after(workspace, cursor, 1).await?.head;
        let snapshot = r.snapshots.lock().await.last().map(|f| f.seq);
        Ok((head, cursor, snapshot))
    }

    /// How many concurrent field edits the workspace has (counted again only when the
    /// replica has read more of the log since).
    pub async fn edit_count(&self, workspace: &str) -> Result<usize, ServerError> {
        let Replica {
            store,
            edits: cache,
            ..
        } = self.get(workspace)?;
        blocking(move || {
            let s = store.lock().unwrap_or_else(|p| p.into_inner());
            let cursor = s.remote_cursor(LOG).map_err(internal)?;
            let mut cached = cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, n)) = *cached
                && at == cursor
            {
                return Ok(n);
            }
            let n = s.conflicts().map_err(internal)?.fields.len();
            *cached = Some((cursor, n));
            Ok(n)
        })
        .await
    }

    /// Read the workspace's replica (after catching up with the log).
    pub async fn read<T: Send + 'static>(
        &self,
        core: &Core,
        workspace: &str,
        f: impl FnOnce(&Store) -> crate::Result<T> + Send + 'static,
    ) -> Result<crate::Result<T>, ServerError> {
        self.catch_up(core, workspace).await?;
        let store = self.get(workspace)?.store;
        blocking(move || {
            let s = store.lock().unwrap_or_else(|p| p.into_inner());
            Ok(s.read_snapshot(|s| f(s)))
        })
        .await
    }

    /// The operations `f` would record if `author` made its changes from `replica`, on the
    /// caught-up replica; nothing is kept.
    pub async fn rehearse<T: Send + 'static>(
        &self,
        core: &Core,
        workspace: &str,
        author: String,
        replica: Uuid,
        f: impl FnOnce(&mut Store) -> crate::Result<T> + Send + 'static,
    ) -> Result<crate::Result<(T, Vec<crate::ops::Op>)>, ServerError> {
        self.catch_up(core, workspace).await?;
        let store = self.get(workspace)?.store;
        blocking(move || {
            let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
            Ok(s.rehearse_as(&author, replica, f))
        })
        .await
    }

    /// A snapshot of `workspace` for a joining member: the replica is caught up first when
    /// it is close behind the log; the last snapshot is reused while it is recent (see
    /// [`SNAPSHOT_STALE_OPS`]). `None` while the replica has read nothing of a log that has
    /// operations (it is being built; the member replays the log meanwhile) or the log is
    /// empty.
    pub async fn snapshot(
        &self,
        core: &Core,
        workspace: &str,
    ) -> Result<Option<SnapshotFile>, ServerError> {
        let replica = self.get(workspace)?;
        let cursor = self.cursor(&replica).await?;
        let head = core.log_after(workspace, cursor, 1).await?.head;
        if head.saturating_sub(cursor) <= CATCH_UP_ON_REQUEST {
            self.catch_up(core, workspace).await?;
        }
        self.refresh_snapshot(workspace, &replica, false).await
    }

    /// The newest snapshot of `replica`, made again first if the replica has read
    /// [`SNAPSHOT_STALE_OPS`] or a tenth more of the log since (on the low-priority thread
    /// when `background`).
    async fn refresh_snapshot(
        &self,
        workspace: &str,
        replica: &Replica,
        background: bool,
    ) -> Result<Option<SnapshotFile>, ServerError> {
        let mut made = replica.snapshots.lock().await;
        let cursor = self.cursor(replica).await?;
        if cursor == 0 {
            return Ok(None);
        }
        if let Some(last) = made.last()
            && cursor - last.seq < SNAPSHOT_STALE_OPS.max(last.seq / 10)
        {
            return Ok(Some(last.clone()));
        }
        let dir = self.dir.join("snapshots");
        let store = replica.store.clone();
        let name = workspace.to_string();
        let make = move || {
            std::fs::create_dir_all(&dir).map_err(internal)?;
            let tmp = dir.join(format!("{name}.making"));
            // Read the cursor and copy under one lock, so they agree.
            let seq = {
                let s = store.lock().unwrap_or_else(|p| p.into_inner());
                let seq = s.remote_cursor(LOG).map_err(internal)?;
                s.copy_file_to(&tmp).map_err(internal)?;
                seq
            };
            let (sha256, len) = sha256_file(&tmp).map_err(internal)?;
            let path = dir.join(format!("{name}.{seq}.{sha256}.db"));
            std::fs::rename(&tmp, &path).map_err(internal)?;
            Ok(SnapshotFile {
                path,
                seq,
                sha256,
                len,
            })
        };
        let file = if background {
            low_priority(make).await?
        } else {
            blocking(make).await?
        };
        made.push(file.clone());
        while made.len() > SNAPSHOTS_KEPT {
            let old = made.remove(0);
            // A download still reading it keeps its open file.
            let _ = std::fs::remove_file(&old.path);
        }
        Ok(Some(file))
    }

    /// The snapshot of `workspace` whose SHA-256 is `sha256`, if it is still kept.
    pub async fn snapshot_by_sha(&self, workspace: &str, sha256: &str) -> Option<SnapshotFile> {
        let replica = self.get(workspace).ok()?;
        let made = replica.snapshots.lock().await;
        made.iter().find(|f| f.sha256 == sha256).cloned()
    }

    async fn cursor(&self, replica: &Replica) -> Result<u64, ServerError> {
        let s = replica.store.clone();
        blocking(move || {
            let s = s.lock().unwrap_or_else(|p| p.into_inner());
            s.remote_cursor(LOG).map_err(internal)
        })
        .await
    }
}

/// SHA-256 (lowercase hex) and length of the file at `path`.
fn sha256_file(path: &std::path::Path) -> std::io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((crate::sync::snapshot::hex(&hasher.finalize()), len))
}

/// Run `f` on the one thread that follows the logs in the background, at low priority, so
/// pushes and pages come first when the machine is busy.
async fn low_priority<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    type Job = Box<dyn FnOnce() + Send>;
    static WORKER: std::sync::OnceLock<Mutex<std::sync::mpsc::Sender<Job>>> =
        std::sync::OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("claimdb-replicas".into())
            .spawn(move || {
                // On Linux the nice value is per thread: this lowers this thread's only.
                #[cfg(target_os = "linux")]
                // SAFETY: gettid and setpriority take and return plain integers.
                unsafe {
                    let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
                    libc::setpriority(libc::PRIO_PROCESS, tid, 10);
                }
                for job in rx {
                    job();
                }
            })
            .expect("a thread for the replicas");
        Mutex::new(tx)
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(f());
    });
    worker
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send(job)
        .map_err(|_| ServerError::Internal("the replicas' thread stopped".into()))?;
    result
        .await
        .map_err(|_| ServerError::Internal("the replicas' thread failed".into()))?
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServerError::Internal(format!("worker failed: {e}")))?
}
