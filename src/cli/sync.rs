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
            if store.remotes()?.iter().any(|r| r.name == name) {
                // Said before the server is asked anything.
                store.remote_add(&name, &url, ca.as_deref())?;
            }
            // Ask the server who the token belongs to, when it can be reached: a token it
            // refuses is refused here, before anything is saved.
            let url_trimmed = url.trim_end_matches('/');
            let token_now = match &token {
                Some(t) => Some(t.trim().to_string()),
                None => config::token_for(url_trimmed)?,
            };
            let member = match &token_now {
                Some(t) => {
                    let mut http = HttpTransport::new(
                        url_trimmed,
                        Some(t.clone()),
                        ca.as_deref().map(std::path::Path::new),
                    )?;
                    let who = http.whoami_if_reachable()?;
                    if who.is_none() {
                        eprintln!(
                            "claimdb: warning: {url_trimmed} cannot be reached, so the token was not \
                             checked; the first sync checks it"
                        );
                    }
                    who
                }
                None => None,
            };
            let workspace = claimdb::store::check_remote_url(url_trimmed)?.1;
            if let Some(w) = &member
                && w.workspace != workspace
            {
                return Err(claimdb::Error::Remote(format!(
                    "this token belongs to workspace '{}', not '{workspace}'; check the URL or the token",
                    w.workspace
                ))
                .into());
            }
            store.remote_add(&name, &url, ca.as_deref())?;
            let info = store.remote(&name)?;
            if let Some(t) = token {
                config::save_token(&info.url, t.trim())?;
            }
            if let Some(w) = &member {
                match store.author() {
                    None => {
                        store.set_recorded_user(&w.member)?;
                        eprintln!(
                            "claimdb: changes in this database are now recorded as '{}', the token's member",
                            w.member
                        );
                    }
                    Some(a) if a != w.member => eprintln!(
                        "claimdb: warning: changes here are recorded as '{a}', but the token is \
                         member '{}' of '{}', and the server refuses changes under another name: \
                         pass --user '{}' (or set CLAIMDB_USER or `user` in the config file)",
                        w.member, w.workspace, w.member
                    ),
                    Some(_) => {}
                }
                if !w.role.can_write() {
                    eprintln!(
                        "claimdb: note: '{}' is a {} of '{}': sync pulls, and your changes stay here",
                        w.member,
                        w.role.as_str(),
                        w.workspace
                    );
                }
            }
            let v = RemoteView {
                token: token_source(&info.url)?,
                info,
            };
            style.out(&v, || {
                let checked = match &member {
                    Some(w) => format!(", member {} ({})", w.member, w.role.as_str()),
                    None => String::new(),
                };
                format!(
                    "added remote {} {} (token: {}{checked})",
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
    join: claimdb::sync::snapshot::JoinMode,
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
        Direction::Both => client::sync(store, &name, &mut t, batch, page, join, &mut progress)?,
        Direction::Push => {
            let p = client::push(store, &name, &mut t, batch, &mut progress)?;
            SyncSummary {
                remote: name.clone(),
                pushed: p.pushed,
                refused: p.refused,
                refusal: p.refusal,
                held: p.held,
                renewed_replica: p.renewed,
                head: p.head,
                conflicts: store.conflict_count(&Default::default())?,
                ..Default::default()
            }
        }
        Direction::Pull => {
            let p = client::pull(store, &name, &mut t, page, join, &mut progress)?;
            SyncSummary {
                remote: name.clone(),
                pulled: p.pulled,
                head: p.head,
                conflicts: store.conflict_count(&p.touched)?,
                joined: p.joined,
                ..Default::default()
            }
        }
    };
    bar.finish_and_clear();
    let refused = summary.refused;
    let refusal = summary.refusal.clone();
    let held = summary.held.clone();
    if let Some(r) = summary.renewed_replica {
        eprintln!(
            "claimdb: the remote said this database's replica id belongs to another member: \
             this is a copy of their database. It now records changes as replica {r}; your \
             changes moved to it, theirs stay theirs to send"
        );
    }
    style.out(&summary, || {
        let mut s = String::new();
        if let Some(j) = &summary.joined {
            s += &format!(
                "{}: joined from the server's snapshot up to #{} ({:.1} MB{}, checked)\n",
                summary.remote,
                j.seq,
                j.bytes as f64 / 1e6,
                if j.resumed_from > 0 {
                    format!(", resumed at {:.1} MB", j.resumed_from as f64 / 1e6)
                } else {
                    String::new()
                }
            );
        }
        s += &format!(
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
    if summary.unsent > 0 {
        return Err(claimdb::Error::Remote(format!(
            "{} change(s) of this database were not sent: this token's member is a reader of \
             the workspace and cannot push; ask an admin for the writer role",
            summary.unsent
        ))
        .into());
    }
    if let Some(held) = held {
        return Err(claimdb::Error::Remote(format!("some changes were not sent: {held}")).into());
    }
    if refused > 0 {
        let reason = refusal.unwrap_or_default();
        let hint = if reason.starts_with("wrong_author") {
            "; record changes under your member name (--user or CLAIMDB_USER)"
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
        if c.disputed.is_empty() && c.fields.is_empty() && c.duplicates.is_empty() {
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
        if !c.duplicates.is_empty() {
            s += "\nids created twice with different values (every replica keeps the same merge):\n";
            for d in &c.duplicates {
                let kept: Vec<String> = d.kept.iter().map(|(f, v)| format!("{f} {v}")).collect();
                s += &format!(
                    "  {} {} ({}): kept {}\n",
                    d.kind,
                    d.short_id,
                    d.fields.join(", "),
                    kept.join(", ")
                );
                for l in &d.losers {
                    let given: Vec<String> = d
                        .fields
                        .iter()
                        .map(|f| format!("{f} {}", l.value.get(f).unwrap_or(&serde_json::Value::Null)))
                        .collect();
                    s += &format!("      also {} by {} at {}\n", given.join(", "), l.author, l.at);
                }
            }
        }
        s.trim_start().to_string()
    });
    Ok(())
}
