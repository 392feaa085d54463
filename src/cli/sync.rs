//! `remote`, `push`, `pull`, `sync` and `conflicts`.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::args::{RemoteCmd, TransferSizes};
use super::config;
use super::render::Style;
use claimdb::Store;
use claimdb::sync::client::{self, HttpTransport, SyncSummary};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Push,
    Pull,
    Both,
}

#[derive(Serialize)]
struct RemoteView {
    #[serde(flatten)]
    info: claimdb::store::RemoteInfo,
    /// Where the token comes from: "env", "stored" or "none". The token itself is never shown.
    token: &'static str,
}

fn token_source(url: &str) -> Result<&'static str> {
    if std::env::var("CLAIMDB_TOKEN").is_ok_and(|t| !t.trim().is_empty()) {
        return Ok("env");
    }
    Ok(if config::load_credentials()?.tokens.contains_key(url) {
        "stored"
    } else {
        "none"
    })
}

pub fn remote(store: &mut Store, style: Style, cmd: RemoteCmd) -> Result<()> {
    match cmd {
        RemoteCmd::Add {
            name,
            url,
            token,
            ca_cert,
        } => {
            let ca = ca_cert
                .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
                .map(|p| p.display().to_string());
            if let Some(p) = &ca {
                std::fs::metadata(p).map_err(|e| {
                    claimdb::Error::Invalid(format!("cannot read CA certificate {p}: {e}"))
                })?;
            }
            if let Some(t) = &token {
                client::check_token(t.trim())?;
            }
            store.remote_add(&name, &url, ca.as_deref())?;
            let info = store.remote(&name)?;
            if let Some(t) = token {
                config::save_token(&info.url, t.trim())?;
            }
            let v = RemoteView {
                token: token_source(&info.url)?,
                info,
            };
            style.out(&v, || {
                format!(
                    "added remote {} {} (token: {})",
                    v.info.name, v.info.url, v.token
                )
            });
        }
        RemoteCmd::List => {
            let list = store
                .remotes()?
                .into_iter()
                .map(|info| {
                    Ok(RemoteView {
                        token: token_source(&info.url)?,
                        info,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            style.out(&serde_json::json!({ "remotes": list }), || {
                list.iter()
                    .map(|r| format!("{}\t{}\t(token: {})", r.info.name, r.info.url, r.token))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        RemoteCmd::SetUrl { name, url } => {
            let old = store.remote(&name)?.url;
            store.remote_set_url(&name, &url)?;
            if let Some(token) = config::load_credentials()?.tokens.get(&old) {
                config::save_token(url.trim_end_matches('/'), token)?;
            }
            let info = store.remote(&name)?;
            style.out(&info, || format!("remote {name} now at {}", info.url));
        }
        RemoteCmd::Remove { name } => {
            // The stored token stays: it is kept per URL, for every database using this
            // configuration.
            store.remote_remove(&name)?;
            style.out(&serde_json::json!({ "removed": name }), || {
                format!("removed remote {name}")
            });
        }
        RemoteCmd::Reset { name } => {
            store.remote_reset(&name)?;
            let info = store.remote(&name)?;
            style.out(&info, || {
                format!(
                    "remote {name} reset: the next sync sends all {} of this database's changes again \
                     and reads the remote's log from the start (nothing is duplicated)",
                    info.unpushed
                )
            });
        }
        RemoteCmd::Status { name } => {
            let list = match name {
                Some(n) => vec![store.remote(&n)?],
                None => store.remotes()?,
            };
            style.out(&serde_json::json!({ "remotes": list }), || {
                list.iter()
                    .map(|r| {
                        format!(
                            "{} {}\n  unpushed changes: {}\n  refused changes:  {}\n  pulled up to:     #{}\n  last sync:        {}",
                            r.name,
                            r.url,
                            r.unpushed,
                            r.refused,
                            r.cursor,
                            r.last_sync.as_deref().unwrap_or("never")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

pub fn transfer(
    store: &mut Store,
    style: Style,
    remote: Option<String>,
    sizes: TransferSizes,
    dir: Direction,
) -> Result<()> {
    let (batch, page) = (sizes.batch as usize, sizes.page as usize);
    let name = remote.unwrap_or_else(|| "origin".into());
    let info = store.remote(&name)?;
    let token = config::token_for(&info.url)?;
    let mut t = HttpTransport::new(
        &info.url,
        token,
        info.ca_cert.as_deref().map(std::path::Path::new),
    )?;
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} {per_sec}")
            .expect("valid template"),
    );
    let mut progress = |phase: &str, done: u64, total: u64| {
        bar.set_prefix(phase.to_string());
        bar.set_length(total.max(done));
        bar.set_position(done);
    };
    let summary = match dir {
        Direction::Both => client::sync(store, &name, &mut t, batch, page, &mut progress)?,
        Direction::Push => {
            let p = client::push(store, &name, &mut t, batch, &mut progress)?;
            SyncSummary {
                remote: name.clone(),
                pushed: p.pushed,
                refused: p.refused,
                refusal: p.refusal,
                head: p.head,
                conflicts: store.conflict_count(&Default::default())?,
                ..Default::default()
            }
        }
        Direction::Pull => {
            let p = client::pull(store, &name, &mut t, page, &mut progress)?;
            SyncSummary {
                remote: name.clone(),
                pulled: p.pulled,
                head: p.head,
                conflicts: store.conflict_count(&p.touched)?,
                ..Default::default()
            }
        }
    };
    bar.finish_and_clear();
    let refused = summary.refused;
    let refusal = summary.refusal.clone();
    style.out(&summary, || {
        let mut s = format!(
            "{}: pushed {}, pulled {}, remote at #{}",
            summary.remote, summary.pushed, summary.pulled, summary.head
        );
        if summary.conflicts > 0 {
            s += &format!(
                "\n{} to look at (disputed claims, concurrent edits): `claimdb conflicts` lists them",
                summary.conflicts
            );
        }
        s
    });
    if refused > 0 {
        let reason = refusal.unwrap_or_default();
        let hint = if reason.starts_with("wrong_author") {
            "; record changes under your member name (--user or CLAIMDB_USER)"
        } else if reason.starts_with("clock_ahead") {
            "; this computer's clock is ahead: set it right"
        } else if reason.starts_with("unknown_reference") {
            "; the change refers to something the remote never received"
        } else {
            ""
        };
        return Err(claimdb::Error::Remote(format!(
            "the remote refused {refused} change(s) ({reason}); they stay in this database only, \
             `claimdb remote status` counts them{hint}"
        ))
        .into());
    }
    Ok(())
}

pub fn conflicts(store: &Store, style: Style) -> Result<()> {
    use claimdb::text::printable as p;
    let c = store.conflicts()?;
    style.out(&c, || {
        if c.disputed.is_empty() && c.fields.is_empty() {
            return "no conflicts".into();
        }
        let mut s = String::new();
        if !c.disputed.is_empty() {
            s += "disputed claims (current verdicts disagree; `claimdb mark` settles one):\n";
            s += &style.claims(&c.disputed);
            s += "\n";
        }
        if !c.fields.is_empty() {
            s += "\nfields edited concurrently (the first value is kept; edit the field to settle):\n";
            for f in &c.fields {
                s += &format!(
                    "  {} {}: {} by {} at {}\n",
                    f.short_id,
                    f.field,
                    p(&f.winner.value.to_string()),
                    p(&f.winner.author),
                    f.winner.at
                );
                for l in &f.losers {
                    s += &format!(
                        "      also {} by {} at {}\n",
                        p(&l.value.to_string()),
                        p(&l.author),
                        l.at
                    );
                }
            }
        }
        s.trim_start().to_string()
    });
    Ok(())
}
