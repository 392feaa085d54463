//! Each workspace's server-side replica: the same [`Store`] a member uses, fed from the
//! workspace's log, so the board shows what a member who just synced sees and no merge rule
//! is written twice. It is a cache: deleted, it is rebuilt from the log.

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
}

pub struct Replicas {
    dir: PathBuf,
    open: Mutex<HashMap<String, Replica>>,
}

fn internal(e: impl std::fmt::Display) -> ServerError {
    ServerError::Internal(format!("board replica: {e}"))
}

impl Replicas {
    /// Replicas kept in `dir` (created if needed), one database per workspace.
    pub fn new(dir: PathBuf) -> Replicas {
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
        };
        open.insert(workspace.to_string(), r.clone());
        Ok(r)
    }

    /// Apply whatever the log holds beyond what the replica has; returns the number of
    /// operations the replica is behind the log's head afterwards (0 unless ops arrived
    /// meanwhile).
    pub async fn catch_up(&self, core: &Core, workspace: &str) -> Result<u64, ServerError> {
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
            blocking(move || {
                let mut s = s.lock().unwrap_or_else(|p| p.into_inner());
                s.apply_pulled(LOG, &page.ops, last).map_err(internal)
            })
            .await?;
        }
    }

    /// Note that operations arrived for `workspace`; true when the caller should start
    /// [`Replicas::apply_pending`] (no task is applying them yet). A workspace whose board
    /// nobody has opened since the server started has no replica open and costs nothing.
    pub fn mark_pending(&self, workspace: &str) -> bool {
        let r = {
            let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            match open.get(workspace) {
                Some(r) => r.clone(),
                None => return false,
            }
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
                if let Err(e) = self.catch_up(core, workspace).await {
                    eprintln!("claimdb serve: the board's copy of {workspace} is behind: {e}");
                }
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
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServerError::Internal(format!("worker failed: {e}")))?
}
