//! `serve` and `server ...`: running the sync server and administering its data, in a SQLite
//! data directory or a PostgreSQL database.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::args::{ServerCmd, ServerDb};
use super::render::Style;
use claimdb::server::{self, Core, PgStorage, SqliteStorage, Storage};
use claimdb::sync::protocol::Role;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The store `db` names. `create` makes a missing SQLite data directory.
async fn open(db: &ServerDb, create: bool) -> Result<Core> {
    let storage: Arc<dyn Storage> = match (&db.data, &db.database) {
        (Some(dir), _) if create => Arc::new(SqliteStorage::open(dir)?),
        (Some(dir), _) => Arc::new(SqliteStorage::open_existing(dir)?),
        (None, Some(url)) => Arc::new(PgStorage::open(url, db.pool_size).await?),
        (None, None) => {
            return Err(claimdb::Error::invalid(
                "say where the server's data is: --data DIR, or --database postgres://...",
            )
            .into());
        }
    };
    Ok(Core::new(storage))
}

pub fn serve(
    db: &ServerDb,
    listen: &str,
    auth_failures: u32,
    board_dir: Option<std::path::PathBuf>,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<()> {
    // The board's replicas: beside the SQLite database, or per process for PostgreSQL
    // (several processes must not share one replica file).
    let mut temporary = None;
    let board_dir = match (board_dir, &db.data) {
        (Some(dir), _) => dir,
        (None, Some(data)) => data.join("board"),
        (None, None) => {
            let t = tempfile::Builder::new()
                .prefix("claimdb-board")
                .tempdir()
                .context("cannot create a directory for the board")?;
            let dir = t.path().to_path_buf();
            temporary = Some(t);
            dir
        }
    };
    let options = server::Options {
        auth_failures_per_minute: auth_failures,
        board_dir: Some(board_dir),
    };
    let served = runtime()?.block_on(async move {
        let core = open(db, true).await?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("listening on {scheme}://{addr}");
        std::io::stdout().flush()?;
        eprintln!("claimdb serve: data in {}", core.storage().describe());
        match tls {
            Some(tls) => {
                server::serve_tls(listener, core, options, tls, server::shutdown_signal()).await?
            }
            None => server::serve(listener, core, options, server::shutdown_signal()).await?,
        }
        eprintln!("claimdb serve: stopped");
        Ok(())
    });
    drop(temporary);
    served
}

pub fn admin(style: Style, cmd: ServerCmd) -> Result<()> {
    runtime()?.block_on(admin_async(style, cmd))
}

async fn admin_async(style: Style, cmd: ServerCmd) -> Result<()> {
    match cmd {
        ServerCmd::WorkspaceCreate { name, db } => {
            open(&db, true).await?.create_workspace(&name).await?;
            style.out(&serde_json::json!({ "workspace": name }), || {
                format!("created workspace {name}")
            });
        }
        ServerCmd::MemberAdd {
            workspace,
            name,
            role,
            db,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                claimdb::Error::Invalid(format!(
                    "unknown role '{role}'; valid roles: reader, writer, admin"
                ))
            })?;
            let token = open(&db, false)
                .await?
                .add_member(&workspace, &name, role)
                .await?;
            style.out(
                &serde_json::json!({ "workspace": workspace, "member": name, "role": role, "token": token }),
                || {
                    format!(
                        "added {name} to {workspace} as {}\ntoken (shown only now): {token}\n\
                         they run: claimdb remote add origin http://HOST:PORT/{workspace} --token {token}",
                        role.as_str()
                    )
                },
            );
        }
        ServerCmd::Members { workspace, db } => {
            let members = open(&db, false).await?.members(&workspace).await?;
            style.out(&serde_json::json!({ "members": members }), || {
                members
                    .iter()
                    .map(|m| {
                        format!(
                            "{}\t{}\t{}",
                            m.name,
                            m.role,
                            m.revoked_at
                                .as_deref()
                                .map(|r| format!("revoked {r}"))
                                .unwrap_or_else(|| "active".into())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ServerCmd::Backup { file, db } => {
            open(&db, false).await?.backup(&file).await?;
            style.out(&serde_json::json!({ "backup": file }), || {
                format!("backed up the server database to {}", file.display())
            });
        }
        ServerCmd::Revoke {
            workspace,
            name,
            db,
        } => {
            open(&db, false).await?.revoke(&workspace, &name).await?;
            style.out(
                &serde_json::json!({ "workspace": workspace, "revoked": name }),
                || format!("revoked the token of {name} in {workspace}"),
            );
        }
        ServerCmd::Migrate { from, to } => {
            let source = Core::new(Arc::new(SqliteStorage::open_existing(&from)?));
            let dest = Core::new(Arc::new(PgStorage::open(&to, 2).await?));
            let report = source.copy_to(&dest).await?;
            style.out(&serde_json::json!({ "copied": report }), || {
                format!(
                    "copied {} workspace(s), {} member(s) and {} operation(s) to {}; point \
                     `claimdb serve --database` at it and members keep syncing",
                    report.workspaces,
                    report.members,
                    report.ops,
                    dest.storage().describe()
                )
            });
        }
    }
    Ok(())
}
