//! The shutdown sequence, in order:
//!
//! 1. SIGTERM or ctrl-c (or the actor tree stopping on its own) is seen;
//! 2. the listener stops accepting; WebSockets are told to close;
//! 3. in-flight HTTP requests finish, bounded by `shutdown_grace_secs`
//!    (a webhook being stored completes and is acknowledged);
//! 4. the actor tree stops (each actor finishes its current message): each
//!    NumberActor first stops its conversations and writes its index
//!    snapshot, for a fast next start;
//! 5. a final flush makes everything durable.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use actors::ActorSystem;
use tokio::sync::watch;

/// Resolves on SIGTERM, ctrl-c, or the actor tree stopping; then tells
/// sockets to close.
pub async fn signal(system: ActorSystem, stop: watch::Sender<bool>) {
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
        _ = ctrl_c => tracing::info!("ctrl-c: shutting down"),
        _ = term => tracing::info!("SIGTERM: shutting down"),
        _ = system.stopped() => tracing::error!("the actor tree stopped: shutting down"),
    }
    let _ = stop.send(true);
}

/// Runs the server until it drains (bounded by `grace` after the signal),
/// then stops the actors and flushes.
pub async fn drain_then_stop<S>(
    server: S,
    grace: Duration,
    system: &ActorSystem,
    stop: watch::Sender<bool>,
) -> anyhow::Result<()>
where
    S: IntoFuture<Output = std::io::Result<()>>,
    S::IntoFuture: Future<Output = std::io::Result<()>> + Send,
{
    let mut stopping = stop.subscribe();
    let server = server.into_future();
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result?,
        _ = async {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(?grace, "drain took too long; closing remaining connections"),
    }
    system.shutdown().await?;
    tracing::info!("stopped cleanly");
    Ok(())
}
