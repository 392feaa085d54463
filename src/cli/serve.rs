//! `serve` and `server ...`: running the sync server and administering its data directory.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::args::ServerCmd;
use super::render::Style;
use claimdb::server::{self, SqliteBackend};
use claimdb::sync::protocol::Role;

pub fn serve(
    data: &std::path::Path,
    listen: &str,
    auth_failures: u32,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<()> {
    let backend = Arc::new(SqliteBackend::open(data)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("listening on {scheme}://{addr}");
        std::io::stdout().flush()?;
        eprintln!("claimdb serve: data in {}", backend.path().display());
        match tls {
            Some(tls) => {
                server::serve_tls(
                    listener,
                    backend,
                    auth_failures,
                    tls,
                    server::shutdown_signal(),
                )
                .await?
            }
            None => {
                server::serve(listener, backend, auth_failures, server::shutdown_signal()).await?
            }
        }
        eprintln!("claimdb serve: stopped");
        Ok(())
    })
}

pub fn admin(style: Style, cmd: ServerCmd) -> Result<()> {
    match cmd {
        ServerCmd::WorkspaceCreate { name, data } => {
            SqliteBackend::open(&data)?.create_workspace(&name)?;
            style.out(&serde_json::json!({ "workspace": name }), || {
                format!("created workspace {name}")
            });
        }
        ServerCmd::MemberAdd {
            workspace,
            name,
            role,
            data,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                claimdb::Error::Invalid(format!(
                    "unknown role '{role}'; valid roles: reader, writer, admin"
                ))
            })?;
            let token = SqliteBackend::open_existing(&data)?.add_member(&workspace, &name, role)?;
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
        ServerCmd::Members { workspace, data } => {
            let members = SqliteBackend::open_existing(&data)?.members(&workspace)?;
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
        ServerCmd::Backup { file, data } => {
            SqliteBackend::open_existing(&data)?.backup(&file)?;
            style.out(&serde_json::json!({ "backup": file }), || {
                format!("backed up the server database to {}", file.display())
            });
        }
        ServerCmd::Revoke {
            workspace,
            name,
            data,
        } => {
            SqliteBackend::open_existing(&data)?.revoke(&workspace, &name)?;
            style.out(
                &serde_json::json!({ "workspace": workspace, "revoked": name }),
                || format!("revoked the token of {name} in {workspace}"),
            );
        }
    }
    Ok(())
}
