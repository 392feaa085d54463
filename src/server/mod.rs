//! `claimdb serve`: the team's sync endpoint. Protocol logic sits behind [`Backend`] and knows
//! no HTTP; [`http`] maps it to routes; [`serve`] runs it on a listener the caller binds (so
//! tests can use port 0) until a shutdown future resolves.

pub mod backend;
pub mod http;
pub mod sqlite;

use std::future::Future;
use std::sync::Arc;

pub use backend::{Backend, Member, ServerError};
pub use sqlite::SqliteBackend;

/// Serve `backend` on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    backend: Arc<dyn Backend>,
    auth_failures_per_minute: u32,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limiter = Arc::new(http::AuthLimiter::new(auth_failures_per_minute));
    let app = http::router(backend, limiter);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
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
