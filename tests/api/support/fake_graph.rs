//! A local stand-in for Meta's Graph API, speaking its wire format.
//!
//! It records every request (method, path, query, `Authorization`, body)
//! and answers the Cloud API endpoints Switchboard calls, as Meta does:
//!
//! - `POST /{version}/{phone_number_id}/messages`: a send gets
//!   `{"messaging_product","contacts":[{"input","wa_id"}],"messages":[{"id"}]}`
//!   with a fresh wamid; a read receipt (`"status": "read"`) gets
//!   `{"success": true}` and is recorded apart from the sends.
//! - `POST /{version}/{phone_number_id}/media` (multipart): an upload, kept
//!   as media the fake can serve back, answered `{"id"}`.
//! - `GET /{version}/{media-id}`: where registered media can be downloaded
//!   (`{"messaging_product","url","mime_type","sha256","file_size","id"}`);
//!   `GET {url}` (`/whatsapp_business/attachments/?mid=...`) serves the
//!   bytes, to a caller with a bearer token only.
//! - `GET /{version}/{waba_id}/message_templates`: the templates a test
//!   set, in pages with Meta's `paging.cursors` and `paging.next`.
//! - the Commerce API reads (`catalog.rs`): a WABA's catalogs, a catalog's
//!   products and sets, a set's products, paged the same way.
//!
//! A test can make the next sends fail with a given HTTP status, Meta error
//! code and message (one failure or a script of them), delay a send's
//! answer by a duration (past the server's timeout, say), or hold it until
//! released. Meta handed out a wamid for a delayed or held send the moment
//! it arrived, as the real API would have accepted it by then.
//!
//! The recorded state sits behind a `Mutex`: this is test scaffolding
//! shared between the server task and the test, not domain state.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::watch;

mod catalog;
mod media;
mod paging;
mod templates;

pub use catalog::FakeCatalog;
use media::{download, media_info, media_info_target, upload, MediaFile, DOWNLOAD_PATH};
pub use media::{sha256_hex, Upload};

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The path, e.g. `/v21.0/106540352242922/messages`.
    pub path: String,
    /// The query string without `?`, when there is one.
    pub query: Option<String>,
    /// The `Authorization` header, verbatim.
    pub authorization: Option<String>,
    /// The `Content-Type` header, verbatim.
    pub content_type: Option<String>,
    /// The body parsed as JSON (`Value::Null` when empty or not JSON).
    pub body: Value,
    /// The body as received.
    pub raw: Vec<u8>,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl RecordedRequest {
    /// Whether this is a message send (`POST /{version}/{id}/messages`,
    /// not a read receipt).
    pub fn is_send(&self) -> bool {
        self.method == "POST" && target(&self.path, "messages").is_some() && !self.is_read_receipt_body()
    }

    /// Whether this is a read receipt (`POST /{version}/{id}/messages`
    /// with `"status": "read"`).
    pub fn is_read_receipt(&self) -> bool {
        self.method == "POST" && target(&self.path, "messages").is_some() && self.is_read_receipt_body()
    }

    fn is_read_receipt_body(&self) -> bool {
        self.body.get("status").and_then(Value::as_str) == Some("read")
    }

    /// The `phone_number_id` segment of a send's (or receipt's) path.
    pub fn phone_number_id(&self) -> Option<&str> {
        target(&self.path, "messages").map(|(_, id)| id)
    }

    /// The `biz_opaque_callback_data` a send carries.
    pub fn callback_data(&self) -> Option<&str> {
        self.body.get("biz_opaque_callback_data").and_then(Value::as_str)
    }

    /// The value of one query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(self.query.as_deref()).remove(name)
    }
}

/// A canned failure for one send.
#[derive(Debug, Clone)]
struct Failure {
    status: u16,
    code: i64,
    message: String,
}

/// How long a send's answer waits.
#[derive(Debug, Clone)]
enum Delay {
    /// This long.
    For(Duration),
    /// Until the test releases its [`Gate`].
    Until(watch::Receiver<bool>),
}

#[derive(Debug, Default)]
struct Inner {
    requests: Vec<RecordedRequest>,
    /// Canned failures for the next sends: each entry applies to so many sends.
    failing: VecDeque<(usize, Failure)>,
    /// Delays for the next sends, one each.
    delays: VecDeque<Delay>,
    /// Delayed answers whose wait is over.
    delays_elapsed: usize,
    /// The wamid handed out for each accepted send, in order.
    wamids: Vec<String>,
    /// Media by id.
    media: HashMap<String, MediaFile>,
    /// Uploads, in order.
    uploads: Vec<Upload>,
    /// Templates by WABA id.
    templates: HashMap<String, Vec<Value>>,
    /// Templates per page (0: as many as asked for).
    template_page_size: usize,
    /// Catalogs by WABA id.
    catalogs: HashMap<String, catalog::FakeCatalog>,
    /// Commerce items per page (0: as many as asked for).
    catalog_page_size: usize,
    /// Every commerce read fails like this, when set.
    catalog_failure: Option<Failure>,
}

#[derive(Clone, Debug)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    counter: Arc<AtomicU64>,
    /// The fake's own base URL (media URLs and `paging.next` point here).
    url: Arc<str>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().expect("fake graph lock")
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }
}

/// The running fake. Cheap to clone; the server stops with the test's runtime.
#[derive(Clone, Debug)]
pub struct FakeGraph {
    url: String,
    shared: Shared,
}

/// Releases a send held by [`FakeGraph::hold_next_send`] (dropping it
/// releases too).
#[derive(Debug)]
pub struct Gate(watch::Sender<bool>);

impl Gate {
    /// Lets the held answer go.
    pub fn release(&self) {
        self.0.send_replace(true);
    }
}

/// Meta's message for the default error code used by [`FakeGraph::fail_next`].
pub const FAILURE_MESSAGE: &str = "Message undeliverable";
/// Meta's longer explanation attached to canned failures.
pub const FAILURE_DETAILS: &str = "Message could not be delivered to the recipient.";

impl FakeGraph {
    /// Starts the fake on `127.0.0.1:0`.
    pub async fn start() -> FakeGraph {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Graph API");
        let url = format!("http://{}", listener.local_addr().expect("fake Graph API address"));
        let shared =
            Shared { inner: Arc::default(), counter: Arc::new(AtomicU64::new(1)), url: url.as_str().into() };
        let router = Router::new().fallback(handle).with_state(shared.clone());
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
        self.shared.lock().requests.clone()
    }

    /// The message-send requests so far (failed ones included, read
    /// receipts not).
    pub fn send_requests(&self) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(RecordedRequest::is_send).collect()
    }

    /// The JSON bodies of every message send so far.
    pub fn sent_messages(&self) -> Vec<Value> {
        self.send_requests().into_iter().map(|r| r.body).collect()
    }

    /// The read receipts so far.
    pub fn read_receipts(&self) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(RecordedRequest::is_read_receipt).collect()
    }

    /// The wamids handed out for accepted sends, in order.
    pub fn wamids(&self) -> Vec<String> {
        self.shared.lock().wamids.clone()
    }

    /// Waits until at least `n` sends arrived and returns all of them;
    /// panics with what did arrive after `timeout`.
    pub async fn wait_for_sends(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        self.wait_for("sends", timeout, |g| {
            let sends = g.send_requests();
            (sends.len() >= n).then_some(sends)
        })
        .await
    }

    /// Waits for the first send carrying `message_id` as its
    /// `biz_opaque_callback_data` (sends may leave in any order).
    pub async fn wait_for_send_of(&self, message_id: &str, timeout: Duration) -> RecordedRequest {
        self.wait_for(&format!("a send of message {message_id}"), timeout, |g| {
            g.send_requests().into_iter().find(|r| r.callback_data() == Some(message_id))
        })
        .await
    }

    /// Waits until at least `n` read receipts arrived and returns them.
    pub async fn wait_for_read_receipts(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        self.wait_for("read receipts", timeout, |g| {
            let receipts = g.read_receipts();
            (receipts.len() >= n).then_some(receipts)
        })
        .await
    }

    /// Waits until at least `n` downloads of `media_id` arrived.
    pub async fn wait_for_downloads(
        &self,
        media_id: &str,
        n: usize,
        timeout: Duration,
    ) -> Vec<RecordedRequest> {
        self.wait_for(&format!("{n} downloads of {media_id}"), timeout, |g| {
            let downloads = g.downloads_of(media_id);
            (downloads.len() >= n).then_some(downloads)
        })
        .await
    }

    /// Waits until `n` delayed answers have waited out their delay.
    pub async fn wait_for_delays_elapsed(&self, n: usize, timeout: Duration) {
        self.wait_for("delayed answers", timeout, |g| (g.shared.lock().delays_elapsed >= n).then_some(()))
            .await
    }

    async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut(&Self) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(value) = ready(self) {
                return value;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("expected {what} at the Graph API within {timeout:?}; got {:#?}", self.requests());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The next `n` sends fail with HTTP `status` and Meta error `code`
    /// (message [`FAILURE_MESSAGE`]); replaces any failures still pending.
    pub fn fail_next(&self, n: usize, status: u16, code: i64) {
        self.fail_next_with(n, status, code, FAILURE_MESSAGE);
    }

    /// The next `n` sends fail with HTTP `status`, Meta error `code` and
    /// `message`; replaces any failures still pending.
    pub fn fail_next_with(&self, n: usize, status: u16, code: i64, message: &str) {
        let failure = Failure { status, code, message: message.to_string() };
        let mut inner = self.shared.lock();
        inner.failing.clear();
        inner.failing.push_back((n, failure));
    }

    /// The next sends fail one after the other as `script` says
    /// (`(http_status, code, message)`), then succeed; replaces any
    /// failures still pending.
    pub fn script_failures(&self, script: &[(u16, i64, &str)]) {
        let mut inner = self.shared.lock();
        inner.failing = script
            .iter()
            .map(|(status, code, message)| {
                (1, Failure { status: *status, code: *code, message: message.to_string() })
            })
            .collect();
    }

    /// Forgets any pending canned failures: every send succeeds from now on.
    pub fn succeed_from_now(&self) {
        self.shared.lock().failing.clear();
    }

    /// The answer to the next send not yet delayed waits `delay` (Meta
    /// accepted the message the moment it arrived).
    pub fn delay_next_send(&self, delay: Duration) {
        self.shared.lock().delays.push_back(Delay::For(delay));
    }

    /// The answer to the next send not yet delayed waits until the gate is
    /// released (Meta accepted the message the moment it arrived).
    pub fn hold_next_send(&self) -> Gate {
        let (tx, rx) = watch::channel(false);
        self.shared.lock().delays.push_back(Delay::Until(rx));
        Gate(tx)
    }
}

/// `/{version}/{id}/{leaf}` -> `(version, id)`.
fn target<'a>(path: &'a str, leaf: &str) -> Option<(&'a str, &'a str)> {
    let mut parts = path.trim_start_matches('/').split('/');
    let (version, id, last) = (parts.next()?, parts.next()?, parts.next()?);
    (parts.next().is_none() && last == leaf && version.starts_with('v') && !id.is_empty())
        .then_some((version, id))
}

fn query_pairs(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let request = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        authorization: header("authorization"),
        content_type: header("content-type"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw: body.to_vec(),
        at: std::time::Instant::now(),
    };
    if !request.is_send() {
        // A send is recorded with its wamid, under one lock (`send`).
        shared.lock().requests.push(request.clone());
    }
    if request.is_read_receipt() {
        Json(json!({"success": true})).into_response()
    } else if request.is_send() {
        send(&shared, &request).await
    } else if method == Method::POST && target(&request.path, "media").is_some() {
        upload(&shared, &request)
    } else if method == Method::GET && target(&request.path, "message_templates").is_some() {
        templates::templates(&shared, &request)
    } else if method == Method::GET && catalog::is_commerce(&request.path) {
        catalog::answer(&shared, &request)
    } else if method == Method::GET && request.path == DOWNLOAD_PATH {
        download(&shared, &request)
    } else if method == Method::GET && media_info_target(&request.path).is_some() {
        media_info(&shared, &request)
    } else {
        meta_error(404, 100, "Unsupported request - method type: not handled by the fake Graph API")
    }
}

/// A message send: waits out any delay, then fails as scripted or hands
/// out a wamid.
async fn send(shared: &Shared, request: &RecordedRequest) -> Response {
    let (failure, delay, wamid) = {
        let mut inner = shared.lock();
        let failure = match inner.failing.front_mut() {
            Some((left, failure)) if *left > 0 => {
                *left -= 1;
                Some(failure.clone())
            }
            _ => None,
        };
        while inner.failing.front().is_some_and(|(left, _)| *left == 0) {
            inner.failing.pop_front();
        }
        // A test that saw the send can read its wamid at once.
        let wamid =
            failure.is_none().then(|| format!("wamid.FAKE{:012}{:08X}", shared.next(), std::process::id()));
        inner.wamids.extend(wamid.clone());
        inner.requests.push(request.clone());
        (failure, inner.delays.pop_front(), wamid)
    };
    if let Some(delay) = delay {
        // In a task of its own, so the count is right even when the server
        // gives up on the answer and the connection is dropped.
        let waiting = shared.clone();
        let waited = tokio::spawn(async move {
            match delay {
                Delay::For(d) => tokio::time::sleep(d).await,
                Delay::Until(mut released) => {
                    let _ = released.wait_for(|r| *r).await;
                }
            }
            waiting.lock().delays_elapsed += 1;
        });
        let _ = waited.await;
    }
    if let Some(f) = failure {
        return meta_error(f.status, f.code, &f.message);
    }
    let to = request.body.get("to").and_then(Value::as_str).unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use serde_json::json;
    use whatsapp::{GraphApi, HttpGraph, NumberAuth};

    use super::*;

    /// Switchboard's own Graph client reads every answer of the fake, so
    /// what the fake serves is what the server would get from Meta.
    #[tokio::test]
    async fn the_real_graph_client_reads_every_answer() {
        let fake = FakeGraph::start().await;
        let graph = HttpGraph::new(&fake.url(), "v21.0", Duration::from_secs(5));
        let auth = NumberAuth { phone_number_id: "106540352242922".into(), access_token: "EAAGtoken".into() };

        let sha = fake.add_media("1003383421387256", b"\xFF\xD8jpeg", "image/jpeg");
        let info = graph.media_info(&auth, "1003383421387256").await.expect("media info");
        assert_eq!((info.mime_type.as_str(), info.file_size), ("image/jpeg", 6));
        assert_eq!(info.sha256, sha256_hex(b"\xFF\xD8jpeg"));
        assert_eq!(sha, media::sha256_base64(b"\xFF\xD8jpeg"), "what add_media answers: the base64 hash");
        let bytes = graph.download_media(&auth, &info.url, 100).await.expect("download");
        assert_eq!(bytes, b"\xFF\xD8jpeg");
        assert_eq!(
            fake.downloads_of("1003383421387256")[0].authorization.as_deref(),
            Some("Bearer EAAGtoken")
        );

        let id =
            graph.upload_media(&auth, b"%PDF".to_vec(), "application/pdf", "a.pdf").await.expect("upload");
        assert_eq!(fake.uploads()[0].id, id);
        assert_eq!(graph.media_info(&auth, &id).await.expect("uploaded media").mime_type, "application/pdf");

        let templates: Vec<Value> = (0..5)
            .map(|i| {
                json!({"name": format!("t{i}"), "language": "en_US", "status": "APPROVED",
                            "category": "UTILITY", "components": []})
            })
            .collect();
        fake.set_templates("102290129340398", templates);
        fake.set_template_page_size(2);
        let listed = graph.message_templates(&auth, "102290129340398").await.expect("templates");
        let names: Vec<&str> = listed.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["t0", "t1", "t2", "t3", "t4"]);
        assert_eq!(fake.template_requests().len(), 3);

        graph.mark_read(&auth, "wamid.1").await.expect("a read receipt");
        let sent = graph.send_message(&auth, &json!({"messaging_product": "whatsapp", "to": "1"})).await;
        assert_eq!(sent.expect("a send").wamid, fake.wamids()[0]);
        assert_eq!((fake.read_receipts().len(), fake.send_requests().len()), (1, 1));
        fake.fail_next_with(1, 401, 190, "Error validating access token");
        let err = graph.send_message(&auth, &json!({"to": "1"})).await.unwrap_err();
        assert!(err.is_token_invalid(), "{err:?}");
    }
}
