//! `GET /api/ws?token=&since=`: the live event socket. The token comes in
//! the query because browsers cannot set headers on a WebSocket. The socket
//! first gets `hello` (with the tenant's latest seq), then every missed
//! event after `since` it may see, then live events. It ends when the
//! client leaves, when the Hub drops it (too slow, signed out) or at
//! shutdown.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::mpsc;

use actors::Connected;

use crate::auth::authenticate;
use crate::error::ApiError;
use crate::state::AppState;

/// Query of the upgrade.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    token: String,
    since: Option<u64>,
}

/// Close code when the server drops a client that could not keep up.
const CLOSE_TRY_AGAIN: u16 = 1013;
/// Close code at shutdown.
const CLOSE_GOING_AWAY: u16 = 1001;

/// The socket's read buffer. Clients send next to nothing, and tungstenite
/// zeroes the whole buffer on every read attempt, which the loop below
/// makes once per frame it sends: at the default 128 KiB that memset was
/// 4% of the server's CPU under load, and 128 KiB of RSS per socket.
const READ_BUFFER_BYTES: usize = 4096;

/// `GET /api/ws`
pub async fn upgrade(
    State(state): State<AppState>,
    Query(q): Query<WsQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let principal = authenticate(&state, &q.token).await?;
    let viewer = principal.viewer().ok_or(ApiError::Forbidden("live events are for tenant users"))?;
    let (connected, rx) = state.system.hub().connect(viewer, principal.token, q.since).await?;
    Ok(upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .on_upgrade(move |socket| run(state, socket, connected, rx)))
}

async fn run(state: AppState, mut socket: WebSocket, connected: Connected, mut rx: mpsc::Receiver<Arc<str>>) {
    let hub = state.system.hub();
    let mut shutdown = state.shutdown.clone();
    let first = std::iter::once(connected.hello).chain(connected.replay);
    for frame in first {
        if socket.send(Message::text(frame.to_string())).await.is_err() {
            hub.disconnect(connected.socket);
            return;
        }
    }
    let close = loop {
        tokio::select! {
            frame = rx.recv() => match frame {
                Some(frame) => {
                    if socket.send(Message::text(frame.to_string())).await.is_err() {
                        break None;
                    }
                }
                None => break Some((CLOSE_TRY_AGAIN, "dropped by the server; reconnect with since=")),
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                Some(Ok(_)) => {}
            },
            _ = async { let _ = shutdown.wait_for(|stop| *stop).await; } => break Some((CLOSE_GOING_AWAY, "server shutting down")),
        }
    };
    if let Some((code, reason)) = close {
        let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    }
    hub.disconnect(connected.socket);
}
