//! A WebSocket client for `GET /api/ws`: read the next JSON frame, skip to
//! a frame of a given type, or check that nothing arrives for a short while.
//!
//! `presence` frames (agents coming and going, the agent's own connection
//! included) are left out by `connect`: tests about conversations should
//! not break because someone went online. `connect_all` keeps every frame.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long "nothing arrives" is watched for. Events are published right
/// after the durable write, so a frame that was going to come comes well
/// within this.
pub const QUIET: Duration = Duration::from_millis(300);

/// How long a frame that should come, or a polled state, is waited for:
/// generous, since CI runs every test at once on two cores, and only a
/// failing test waits it out.
pub const WAIT: Duration = Duration::from_secs(15);

/// One open socket.
#[derive(Debug)]
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frame types dropped before any read sees them.
    ignored: &'static [&'static str],
}

/// Frame types `connect` leaves out.
pub const IGNORED_BY_DEFAULT: &[&str] = &["presence"];

/// `ws://127.0.0.1:<port>/api/ws?token=..[&since=..]` for an `http://` base.
pub fn ws_url(base: &str, token: &str, since: Option<u64>) -> String {
    let mut url = format!("{}/api/ws?token={token}", base.replacen("http://", "ws://", 1));
    if let Some(since) = since {
        url.push_str(&format!("&since={since}"));
    }
    url
}

/// Opens a socket; the error is tungstenite's (a refused upgrade is
/// `tungstenite::Error::Http` with the response).
pub async fn try_connect(
    base: &str,
    token: &str,
    since: Option<u64>,
) -> Result<WsClient, tungstenite::Error> {
    let (stream, _) = tokio_tungstenite::connect_async(ws_url(base, token, since)).await?;
    Ok(WsClient { stream, ignored: IGNORED_BY_DEFAULT })
}

/// Opens a socket or panics; `presence` frames are left out.
pub async fn connect(base: &str, token: &str, since: Option<u64>) -> WsClient {
    try_connect(base, token, since).await.unwrap_or_else(|e| panic!("WebSocket upgrade failed: {e}"))
}

/// Opens a socket that keeps every frame.
pub async fn connect_all(base: &str, token: &str, since: Option<u64>) -> WsClient {
    WsClient { ignored: &[], ..connect(base, token, since).await }
}

/// The HTTP status of a refused upgrade.
pub async fn refused_status(base: &str, token: &str) -> u16 {
    match try_connect(base, token, None).await {
        Err(tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

impl WsClient {
    /// The next text frame, verbatim; panics after `timeout` or if the
    /// socket closes.
    pub async fn next_text(&mut self, timeout: Duration) -> String {
        match self.try_next_text(timeout).await {
            Ok(Some(text)) => text,
            Ok(None) => panic!("no frame within {timeout:?}"),
            Err(why) => panic!("{why}"),
        }
    }

    /// The next text frame, `Ok(None)` on timeout, `Err` when closed.
    async fn try_next_text(&mut self, timeout: Duration) -> Result<Option<String>, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let next = match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return Ok(None),
                Ok(next) => next,
            };
            match next {
                Some(Ok(Message::Text(text))) if self.is_ignored(text.as_str()) => continue,
                Some(Ok(Message::Text(text))) => return Ok(Some(text.as_str().to_string())),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Ok(Message::Binary(b))) => {
                    return Err(format!("unexpected binary frame ({} bytes)", b.len()))
                }
                Some(Ok(Message::Close(frame))) => return Err(format!("socket closed: {frame:?}")),
                Some(Err(e)) => return Err(format!("socket error: {e}")),
                None => return Err("socket ended".to_string()),
            }
        }
    }

    fn is_ignored(&self, text: &str) -> bool {
        !self.ignored.is_empty()
            && serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| v["type"].as_str().map(|t| self.ignored.contains(&t)))
                .unwrap_or(false)
    }

    /// The next frame, parsed.
    pub async fn next_json(&mut self, timeout: Duration) -> Value {
        let text = self.next_text(timeout).await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("frame is not JSON ({e}): {text}"))
    }

    /// The next frame of type `ty`, skipping others.
    pub async fn next_of_type(&mut self, ty: &str, timeout: Duration) -> Value {
        let text = self.next_text_of_type(ty, timeout).await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    /// The next frame of type `ty`, verbatim, skipping others.
    pub async fn next_text_of_type(&mut self, ty: &str, timeout: Duration) -> String {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_next_text(left).await {
                Ok(Some(text)) => {
                    let frame: Value =
                        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
                    if frame["type"] == ty {
                        return text;
                    }
                    skipped.push(frame["type"].clone());
                }
                Ok(None) => panic!("no {ty:?} frame within {timeout:?}; skipped {skipped:?}"),
                Err(why) => panic!("waiting for {ty:?}: {why}; skipped {skipped:?}"),
            }
        }
    }

    /// The next `n` frames, in order.
    pub async fn next_n(&mut self, n: usize, timeout: Duration) -> Vec<Value> {
        let mut frames = Vec::with_capacity(n);
        for _ in 0..n {
            frames.push(self.next_json(timeout).await);
        }
        frames
    }

    /// Panics if any text frame arrives within `within`.
    pub async fn assert_no_frame_within(&mut self, within: Duration) {
        match self.try_next_text(within).await {
            Ok(None) => {}
            Ok(Some(text)) => panic!("expected no frame, got {text}"),
            Err(why) => panic!("expected a quiet open socket: {why}"),
        }
    }

    /// Every frame that arrives until none has come for `quiet`, parsed;
    /// panics if the socket closes meanwhile.
    pub async fn frames_until_quiet(&mut self, quiet: Duration) -> Vec<Value> {
        let mut frames = Vec::new();
        loop {
            match self.try_next_text(quiet).await {
                Ok(None) => return frames,
                Ok(Some(text)) => frames.push(
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("frame is not JSON ({e}): {text}")),
                ),
                Err(why) => panic!("expected an open socket: {why}; frames so far {frames:?}"),
            }
        }
    }

    /// Waits for the server to close the socket (logout, shutdown).
    pub async fn expect_closed(&mut self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => panic!("the socket stayed open for {timeout:?}"),
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Closes the socket politely.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
