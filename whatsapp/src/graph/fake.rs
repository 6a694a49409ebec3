//! Test-only: a tiny local Graph API on port 0 that records every request
//! exactly as it arrived (method, path, query, `Authorization`,
//! `Content-Type`, raw body) and answers with whatever the test says.
//! No network leaves the machine.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use tokio::sync::mpsc;

use super::{HttpGraph, NumberAuth};

pub(super) const PHONE_NUMBER_ID: &str = "106540352242922";
pub(super) const TOKEN: &str = "EAAGtest-token";
pub(super) const BEARER: &str = "Bearer EAAGtest-token";

/// One request as the fake saw it.
#[derive(Debug)]
pub(super) struct Seen {
    pub method: Method,
    pub path: String,
    /// The raw query string, `None` when there was none.
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl Seen {
    /// The body as JSON, `Value::Null` when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

type Answer = Arc<dyn Fn(&Seen) -> Response + Send + Sync>;

#[derive(Clone)]
struct Fake {
    answer: Answer,
    seen: mpsc::UnboundedSender<Seen>,
}

async fn record(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let seen = Seen {
        method,
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        authorization: header("authorization"),
        content_type: header("content-type"),
        body,
    };
    let response = (fake.answer)(&seen);
    let _ = fake.seen.send(seen);
    response
}

/// Serves `answer(request)` to every request; returns the base URL and
/// the requests seen, in order.
pub(super) async fn serve(
    answer: impl Fn(&Seen) -> Response + Send + Sync + 'static,
) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let (seen, rx) = mpsc::unbounded_channel();
    let fake = Fake { answer: Arc::new(answer), seen };
    let app = Router::new().fallback(record).with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, rx)
}

/// Serves the same `status` and JSON `body` to every request.
pub(super) async fn serve_json(status: u16, body: &str) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let body = body.to_string();
    serve(move |_| json_response(status, &body)).await
}

/// A response with `status` and a JSON `body`.
pub(super) fn json_response(status: u16, body: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

/// A 200 whose body streams in `chunks` without a `Content-Length`.
pub(super) fn streamed(chunks: Vec<Vec<u8>>) -> Response {
    let stream = futures::stream::iter(chunks.into_iter().map(|c| Ok::<_, std::io::Error>(Bytes::from(c))));
    Response::new(Body::from_stream(stream))
}

/// Meta's error JSON for `code`.
pub(super) fn meta_error(code: i64, message: &str) -> String {
    serde_json::json!({"error": {
        "message": message, "type": "OAuthException", "code": code,
        "error_subcode": 2494010,
        "error_data": {"messaging_product": "whatsapp", "details": "More about it."},
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}})
    .to_string()
}

pub(super) fn auth() -> NumberAuth {
    NumberAuth { phone_number_id: PHONE_NUMBER_ID.into(), access_token: TOKEN.into() }
}

pub(super) fn graph(base: &str) -> HttpGraph {
    HttpGraph::new(base, "v21.0", Duration::from_secs(5))
}
