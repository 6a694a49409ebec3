//! A local stand-in for Meta's Graph API, speaking its wire format.
//!
//! It records every request (method, path, `Authorization`, JSON body) and
//! answers `POST /{version}/{phone_number_id}/messages` the way the Cloud
//! API does: `{"messaging_product","contacts":[{"input","wa_id"}],
//! "messages":[{"id":"wamid..."}]}` with a fresh wamid. A test can make
//! the next N sends fail with a given HTTP status and Meta error code.
//!
//! The recorded requests sit behind a `Mutex`: this is test scaffolding
//! shared between the server task and the test, not domain state.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The path, e.g. `/v21.0/106540352242922/messages`.
    pub path: String,
    /// The `Authorization` header, verbatim.
    pub authorization: Option<String>,
    /// The body parsed as JSON (`Value::Null` when empty or not JSON).
    pub body: Value,
}

impl RecordedRequest {
    /// Whether this is a message send (`POST /{version}/{id}/messages`).
    pub fn is_send(&self) -> bool {
        self.method == "POST" && send_target(&self.path).is_some()
    }

    /// The `phone_number_id` segment of a send's path.
    pub fn phone_number_id(&self) -> Option<&str> {
        send_target(&self.path).map(|(_, id)| id)
    }
}

/// A canned failure for the next sends.
#[derive(Debug, Clone, Copy)]
struct Failure {
    status: u16,
    code: i64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: Vec<RecordedRequest>,
    /// The canned failure and how many sends it still applies to.
    failing: Option<(usize, Failure)>,
    /// The wamid handed out for each successful send, in order.
    wamids: Vec<String>,
}

#[derive(Clone, Debug)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    counter: Arc<AtomicU64>,
}

/// The running fake. Cheap to clone; the server stops with the test's runtime.
#[derive(Clone, Debug)]
pub struct FakeGraph {
    url: String,
    shared: Shared,
}

/// Meta's message for the default error code used by [`FakeGraph::fail_next`].
pub const FAILURE_MESSAGE: &str = "Message undeliverable";
/// Meta's longer explanation attached to canned failures.
pub const FAILURE_DETAILS: &str = "Message could not be delivered to the recipient.";

impl FakeGraph {
    /// Starts the fake on `127.0.0.1:0`.
    pub async fn start() -> FakeGraph {
        let shared = Shared { inner: Arc::default(), counter: Arc::new(AtomicU64::new(1)) };
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Graph API");
        let url = format!("http://{}", listener.local_addr().expect("fake Graph API address"));
        tokio::spawn(async move {
            axum::serve(listener, router).await.expect("fake Graph API server");
        });
        FakeGraph { url, shared }
    }

    /// The base URL to give the server as `graph_api_base`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.inner.lock().expect("fake graph lock").requests.clone()
    }

    /// The message-send requests so far (failed ones included).
    pub fn send_requests(&self) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(RecordedRequest::is_send).collect()
    }

    /// The JSON bodies of every message send so far.
    pub fn sent_messages(&self) -> Vec<Value> {
        self.send_requests().into_iter().map(|r| r.body).collect()
    }

    /// The wamids handed out for successful sends, in order.
    pub fn wamids(&self) -> Vec<String> {
        self.shared.inner.lock().expect("fake graph lock").wamids.clone()
    }

    /// Waits until at least `n` sends arrived and returns all of them;
    /// panics with what did arrive after `timeout`.
    pub async fn wait_for_sends(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let sends = self.send_requests();
            if sends.len() >= n {
                return sends;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "expected {n} sends to the Graph API within {timeout:?}, got {}: {sends:#?}",
                    sends.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The next `n` sends fail with HTTP `status` and Meta error `code`.
    pub fn fail_next(&self, n: usize, status: u16, code: i64) {
        self.shared.inner.lock().expect("fake graph lock").failing = Some((n, Failure { status, code }));
    }

    /// Forgets any pending canned failures: every send succeeds from now on.
    pub fn succeed_from_now(&self) {
        self.shared.inner.lock().expect("fake graph lock").failing = None;
    }
}

/// `/{version}/{phone_number_id}/messages` -> `(version, phone_number_id)`.
fn send_target(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.trim_start_matches('/').split('/');
    let (version, id, leaf) = (parts.next()?, parts.next()?, parts.next()?);
    (parts.next().is_none() && leaf == "messages" && version.starts_with('v') && !id.is_empty())
        .then_some((version, id))
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let is_send = request.is_send();
    let to = request.body.get("to").and_then(Value::as_str).unwrap_or_default().to_string();
    let failure = {
        let mut inner = shared.inner.lock().expect("fake graph lock");
        inner.requests.push(request);
        match inner.failing.as_mut() {
            Some((left, failure)) if is_send && *left > 0 => {
                *left -= 1;
                Some(*failure)
            }
            _ => None,
        }
    };
    if !is_send {
        return meta_error(404, 100, "Unsupported request - method type: not handled by the fake Graph API");
    }
    if let Some(f) = failure {
        return meta_error(f.status, f.code, FAILURE_MESSAGE);
    }
    let n = shared.counter.fetch_add(1, Ordering::Relaxed);
    let wamid = format!("wamid.FAKE{n:012}{:08X}", std::process::id());
    shared.inner.lock().expect("fake graph lock").wamids.push(wamid.clone());
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": wamid}],
    }))
    .into_response()
}

/// Meta's error envelope.
fn meta_error(status: u16, code: i64, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": FAILURE_DETAILS},
            "fbtrace_id": "AbCdEfGhIjKlMnOp",
        }
    });
    (status, Json(body)).into_response()
}
