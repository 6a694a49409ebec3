//! The shutdown sequence, in order:
//!
//! 1. SIGTERM or ctrl-c (or the actor tree stopping on its own) is seen;
//! 2. the stop flag is raised: `/readyz` and new webhooks answer 503 with
//!    Retry-After (load balancers take us out of rotation, Meta
//!    redelivers), WebSockets are told to close;
//! 3. for `shutdown_unready_ms` the listener still accepts, so those 503s
//!    are what callers see rather than refused connections; then it stops
//!    accepting;
//! 4. in-flight HTTP requests finish, bounded by `shutdown_grace_secs`
//!    (a webhook being stored completes and is acknowledged);
//! 5. the actor tree stops (each actor finishes its current message): each
//!    NumberActor first stops its conversations and writes its index
//!    snapshot, for a fast next start;
//! 6. a final flush makes everything durable.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use actors::ActorSystem;
use tokio::sync::watch;

/// Resolves `unready` after SIGTERM, ctrl-c, or the actor tree stopping;
/// raises the stop flag at once.
pub async fn signal(system: ActorSystem, stop: watch::Sender<bool>, unready: Duration) {
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
    let (cause, failed) = tokio::select! {
        _ = ctrl_c => ("ctrl-c", false),
        _ = term => ("SIGTERM", false),
        _ = system.stopped() => ("the actor tree stopped", true),
    };
    // The flag first, then the log line: once the line is out, /readyz and
    // new webhooks already answer 503.
    let _ = stop.send(true);
    if failed {
        tracing::error!("{cause}: shutting down");
    } else {
        tracing::info!("{cause}: shutting down");
    }
    tokio::time::sleep(unready).await;
}

/// Runs the server until it drains (bounded by `grace` after the signal),
/// then stops the actors and flushes. `grace` counts from the stop flag, so
/// it includes the unready window.
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
