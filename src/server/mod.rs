//! `claimdb serve`: the team's sync endpoint, in three rooms. [`core`] holds every protocol
//! rule and knows no SQL and no HTTP; it works over a [`storage::Storage`], which
//! [`stores`] implements for SQLite and PostgreSQL; [`http`] maps the core to routes.
//! [`serve`] runs it on a listener the caller binds (so tests can use port 0) until a
//! shutdown future resolves.

pub mod board;
pub mod core;
pub mod http;
pub mod storage;
pub mod stores;

use std::future::Future;
use std::sync::Arc;

pub use core::{Core, Member, MemberInfo, Refusal, ServerError};
pub use storage::{Storage, StoreError};
pub use stores::{PgStorage, SqliteStorage};

/// What `claimdb serve` serves besides the protocol.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub auth_failures_per_minute: u32,
    /// Where the board keeps each workspace's replica; no board without it.
    pub board_dir: Option<std::path::PathBuf>,
}

fn app(core: Core, options: &Options, secure: bool) -> axum::Router {
    let limiter = Arc::new(http::AuthLimiter::new(options.auth_failures_per_minute));
    let board = options.board_dir.as_ref().map(|dir| {
        Arc::new(board::Board::new(
            core.clone(),
            board::Replicas::new(dir.clone()),
            limiter.clone(),
            secure,
        ))
    });
    http::router(core, limiter, board)
}

/// Serve `core` on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    core: Core,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(core, &options, false);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Load a certificate chain and private key (PEM files) for serving HTTPS.
pub fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> crate::Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, p: &std::path::Path, e: &dyn std::fmt::Display| {
        crate::Error::Invalid(format!("cannot read the {what} {}: {e}", p.display()))
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad("certificate", cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("certificate", cert, &e))?;
    if chain.is_empty() {
        return Err(bad("certificate", cert, &"no certificate in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("private key", key, &e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| crate::Error::Invalid(format!("TLS setup failed: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| crate::Error::Invalid(format!("the certificate and key do not fit: {e}")))?;
    Ok(Arc::new(config))
}

/// Like [`serve`], over TLS.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    core: Core,
    options: Options,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use tower::ServiceExt;

    let app = app(core, &options, true);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(_) => continue,
            },
            _ = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let handshake =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp));
            let Ok(Ok(stream)) = handshake.await else {
                return;
            };
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    app.clone().oneshot(req.map(axum::body::Body::new))
                },
            );
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            let _ = watcher.watch(conn.into_owned()).await;
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {},
        _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => {},
    }
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
