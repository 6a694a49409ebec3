//! [`HttpGraph`]: the [`GraphApi`] over HTTPS with reqwest.
//!
//! Every call but the messages endpoint's goes through `send`, which adds
//! the number's bearer token, bounds the call with a timeout and turns
//! Meta's error JSON into a [`GraphError`]; `json` also decodes a 2xx
//! answer. Sends and read receipts take the `lane`, which does the same
//! on hyper's client directly. Each endpoint is a
//! small method decoding its own answer: the message endpoints here, media
//! in `media`, templates in `templates`, the Commerce API in `catalog`.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::{RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::lane::Lane;
use super::meta_error::api_error;
use super::{GraphApi, MediaInfo, NumberAuth, SentMessage};
use crate::catalog::{CatalogInfo, Product, ProductSet};
use crate::error::GraphError;
use crate::outbound;
use crate::template::Template;

/// The Graph API client. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct HttpGraph {
    pub(super) client: reqwest::Client,
    /// The messages endpoint's own client (`lane`).
    lane: Lane,
    /// `https://graph.facebook.com`, without a trailing slash.
    base_url: String,
    /// `v21.0`.
    version: String,
    /// Bound on each whole call, connecting included.
    pub(super) timeout: Duration,
    /// Bound on media downloads and uploads, which move whole files.
    pub(super) media_timeout: Duration,
}

impl HttpGraph {
    /// A client for `{base_url}/{version}/...`, each call bounded by
    /// `timeout` (media transfers too, unless
    /// [`with_media_timeout`](HttpGraph::with_media_timeout) says otherwise).
    pub fn new(base_url: &str, version: &str, timeout: Duration) -> HttpGraph {
        let client = reqwest::Client::builder()
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        HttpGraph {
            client,
            lane: Lane::new(),
            base_url: base_url.trim_end_matches('/').to_string(),
            version: version.trim_matches('/').to_string(),
            timeout,
            media_timeout: timeout,
        }
    }

    /// The same client with media downloads and uploads bounded by
    /// `timeout` instead: a 100 MB document needs longer than a send.
    pub fn with_media_timeout(mut self, timeout: Duration) -> HttpGraph {
        self.media_timeout = timeout;
        self
    }

    /// `{base}/{version}/{path}`.
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}/{}/{}", self.base_url, self.version, path)
    }

    /// Sends `request` as the number in `auth`, bounded by `timeout`. A 2xx
    /// answer comes back unread; any other becomes `GraphError::Api`.
    pub(super) async fn send(
        &self,
        auth: &NumberAuth,
        request: RequestBuilder,
        timeout: Duration,
    ) -> Result<Response, GraphError> {
        let response = request
            .bearer_auth(&auth.access_token)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| transport(e, timeout))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let bytes = response.bytes().await.map_err(|e| transport(e, timeout))?;
        Err(api_error(status, &bytes))
    }

    /// [`send`](Self::send), then decodes the 2xx answer as `T`.
    pub(super) async fn json<T: DeserializeOwned>(
        &self,
        auth: &NumberAuth,
        request: RequestBuilder,
        timeout: Duration,
    ) -> Result<T, GraphError> {
        let response = self.send(auth, request, timeout).await?;
        decode_answer(&response.bytes().await.map_err(|e| transport(e, timeout))?)
    }

    /// `POST /{phone_number_id}/messages` through the lane, decoding the
    /// 2xx answer as `T`.
    async fn post_message<T: DeserializeOwned>(
        &self,
        auth: &NumberAuth,
        body: Bytes,
    ) -> Result<T, GraphError> {
        let url = self.url(&format!("{}/messages", segment(&auth.phone_number_id)?));
        decode_answer(&self.lane.post_json(auth, &url, body, self.timeout).await?)
    }
}

/// A 2xx answer decoded as `T`.
fn decode_answer<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, GraphError> {
    serde_json::from_slice(bytes).map_err(|e| GraphError::Decode(e.to_string()))
}

/// A call that did not finish within `timeout`.
pub(super) fn timed_out(timeout: Duration) -> GraphError {
    GraphError::Timeout(format!("timed out after {timeout:?}"))
}

/// A path segment (`phone_number_id`, media id, WABA id) as given, if it
/// cannot change the path: Meta's ids are digits.
pub(super) fn segment(id: &str) -> Result<&str, GraphError> {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) {
        Ok(id)
    } else {
        Err(GraphError::InvalidRequest(format!("not a Graph API id: {id:?}")))
    }
}

/// A reqwest failure as text: the error and its causes, without the URL.
pub(super) fn transport(error: reqwest::Error, timeout: Duration) -> GraphError {
    if error.is_timeout() {
        return timed_out(timeout);
    }
    GraphError::Transport(with_causes(&error.without_url()))
}

/// An error and its causes as one line (`a: b: c`).
pub(super) fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[async_trait]
impl GraphApi for HttpGraph {
    async fn send_message(&self, auth: &NumberAuth, body: &Value) -> Result<SentMessage, GraphError> {
        self.send_message_json(auth, &body.to_string()).await
    }

    async fn send_message_json(&self, auth: &NumberAuth, body: &str) -> Result<SentMessage, GraphError> {
        let sent: SendResponse = self.post_message(auth, body.to_owned().into()).await?;
        let wamid = sent
            .messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or_else(|| GraphError::Decode("no message id in the answer".into()))?;
        Ok(SentMessage { wamid })
    }

    async fn media_info(&self, auth: &NumberAuth, media_id: &str) -> Result<MediaInfo, GraphError> {
        self.get_media_info(auth, media_id).await
    }

    async fn download_media(
        &self,
        auth: &NumberAuth,
        url: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>, GraphError> {
        self.get_media(auth, url, max_bytes).await
    }

    async fn upload_media(
        &self,
        auth: &NumberAuth,
        bytes: Vec<u8>,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, GraphError> {
        self.post_media(auth, bytes, mime_type, filename).await
    }

    async fn mark_read(&self, auth: &NumberAuth, wamid: &str) -> Result<(), GraphError> {
        let body = outbound::mark_read(wamid).to_string();
        let answer: Success = self.post_message(auth, body.into()).await?;
        if answer.success {
            Ok(())
        } else {
            Err(GraphError::Decode("Meta answered success: false to a read receipt".into()))
        }
    }

    async fn message_templates(&self, auth: &NumberAuth, waba_id: &str) -> Result<Vec<Template>, GraphError> {
        self.list_templates(auth, waba_id).await
    }

    async fn product_catalogs(
        &self,
        auth: &NumberAuth,
        waba_id: &str,
    ) -> Result<Vec<CatalogInfo>, GraphError> {
        self.list_catalogs(auth, waba_id).await
    }

    async fn catalog_products(
        &self,
        auth: &NumberAuth,
        catalog_id: &str,
    ) -> Result<Vec<Product>, GraphError> {
        self.list_products(auth, catalog_id).await
    }

    async fn product_sets(&self, auth: &NumberAuth, catalog_id: &str) -> Result<Vec<ProductSet>, GraphError> {
        self.list_product_sets(auth, catalog_id).await
    }

    async fn product_set_products(&self, auth: &NumberAuth, set_id: &str) -> Result<Vec<String>, GraphError> {
        self.list_set_products(auth, set_id).await
    }
}

/// `{"messaging_product","contacts":[...],"messages":[{"id"}]}`.
#[derive(Deserialize)]
struct SendResponse {
    messages: Vec<SentId>,
}

#[derive(Deserialize)]
struct SentId {
    id: String,
}

/// `{"success": true}`.
#[derive(Deserialize)]
struct Success {
    success: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::fake::{auth, graph, meta_error, serve_json, BEARER, TOKEN};
    use axum::http::Method;
    use axum::Router;
    use serde_json::json;

    const WAMID: &str = "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

    async fn send_to(status: u16, answer: &str) -> Result<SentMessage, GraphError> {
        let (base, _seen) = serve_json(status, answer).await;
        graph(&base).send_message(&auth(), &outbound::text("16505551234", "hi", false)).await
    }

    #[tokio::test]
    async fn sends_to_the_numbers_messages_endpoint() {
        let answer = json!({"messaging_product": "whatsapp",
            "contacts": [{"input": "16505551234", "wa_id": "16505551234"}],
            "messages": [{"id": WAMID}]});
        let (base, mut seen) = serve_json(200, &answer.to_string()).await;
        let body = outbound::text("16505551234", "Hello, world!", false);

        let sent = graph(&format!("{base}/")).send_message(&auth(), &body).await;

        assert_eq!(sent, Ok(SentMessage { wamid: WAMID.into() }));
        let request = seen.recv().await.unwrap();
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/v21.0/106540352242922/messages");
        assert_eq!(request.query, None);
        assert_eq!(request.authorization.as_deref(), Some(BEARER));
        assert_eq!(request.json(), body);
    }

    #[tokio::test]
    async fn mark_read_posts_a_read_receipt() {
        let (base, mut seen) = serve_json(200, r#"{"success": true}"#).await;

        graph(&base).mark_read(&auth(), WAMID).await.unwrap();

        let request = seen.recv().await.unwrap();
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/v21.0/106540352242922/messages");
        assert_eq!(request.query, None);
        assert_eq!(request.authorization.as_deref(), Some(BEARER));
        assert_eq!(request.content_type.as_deref(), Some("application/json"));
        assert_eq!(
            request.json(),
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": WAMID})
        );
    }

    #[tokio::test]
    async fn mark_read_needs_metas_success() {
        for (status, answer) in [(200, r#"{"success": false}"#), (200, "{}")] {
            let (base, _seen) = serve_json(status, answer).await;
            let err = graph(&base).mark_read(&auth(), WAMID).await.unwrap_err();
            assert!(matches!(err, GraphError::Decode(_)), "{answer}: {err:?}");
        }
        let (base, _seen) = serve_json(400, &meta_error(100, "Invalid parameter")).await;
        let err = graph(&base).mark_read(&auth(), "wamid.unknown").await.unwrap_err();
        assert_eq!(err.meta_code(), Some(100));
    }

    #[tokio::test]
    async fn ids_that_would_change_the_path_are_refused_unsent() {
        let (base, mut seen) = serve_json(200, r#"{"success": true}"#).await;
        let mut bad = auth();
        bad.phone_number_id = "1/../../me".into();

        let err = graph(&base).mark_read(&bad, WAMID).await.unwrap_err();

        assert!(matches!(err, GraphError::InvalidRequest(_)), "{err:?}");
        assert!(!err.is_retryable());
        assert!(seen.try_recv().is_err());
    }

    #[tokio::test]
    async fn outside_the_window_is_131047() {
        let err = send_to(400, &meta_error(131047, "(#131047) Re-engagement message")).await.unwrap_err();
        assert!(err.is_outside_window());
        assert!(!err.is_retryable());
        assert_eq!(err.meta_code(), Some(131047));
        assert_eq!(err.reason(), "(#131047) Re-engagement message");
        assert_eq!(
            err,
            GraphError::Api {
                http_status: 400,
                code: 131047,
                subcode: Some(2494010),
                message: "(#131047) Re-engagement message".into(),
                details: Some("More about it.".into()),
            }
        );
    }

    #[tokio::test]
    async fn an_expired_token_is_190() {
        let err = send_to(401, &meta_error(190, "Error validating access token")).await.unwrap_err();
        assert!(err.is_token_invalid());
        assert!(!err.is_retryable());
        assert_eq!(err.reason(), "(#190) Error validating access token");
    }

    #[tokio::test]
    async fn server_errors_and_rate_limits_are_retryable() {
        let err = send_to(500, &meta_error(131000, "Something went wrong")).await.unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(err.meta_code(), Some(131000));

        let err = send_to(502, "<html>Bad Gateway</html>").await.unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(err.meta_code(), None);
        assert_eq!(err.reason(), "HTTP 502 Bad Gateway");

        let err = send_to(400, &meta_error(130429, "Rate limit hit")).await.unwrap_err();
        assert!(err.is_retryable());
        assert!(!err.is_outside_window() && !err.is_token_invalid());
    }

    #[tokio::test]
    async fn an_answer_without_a_wamid_is_a_decode_error() {
        for answer in [r#"{"messaging_product":"whatsapp","messages":[]}"#, "not json"] {
            let err = send_to(200, answer).await.unwrap_err();
            assert!(matches!(err, GraphError::Decode(_)), "{err:?}");
            assert!(!err.is_retryable());
        }
    }

    #[tokio::test]
    async fn an_answer_past_the_lanes_bound_is_not_read_whole() {
        let huge = format!(r#"{{"messages":[{{"id":"{WAMID}"}}],"padding":"{}"}}"#, "x".repeat(2 << 20));

        let err = send_to(200, &huge).await.unwrap_err();

        assert!(matches!(err, GraphError::Transport(ref why) if why.contains("length limit")), "{err:?}");
    }

    #[tokio::test]
    async fn a_closed_port_is_a_transport_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);

        let err = graph(&base).send_message(&auth(), &outbound::text("1", "hi", false)).await.unwrap_err();

        assert!(matches!(err, GraphError::Transport(_)), "{err:?}");
        assert!(err.is_retryable());
        assert!(!err.reason().contains(TOKEN));
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().fallback(std::future::pending::<()>);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let err = HttpGraph::new(&base, "v21.0", Duration::from_millis(200))
            .send_message(&auth(), &outbound::text("1", "hi", false))
            .await
            .unwrap_err();

        assert_eq!(err, GraphError::Timeout("timed out after 200ms".into()));
        assert!(err.may_have_arrived() && err.is_retryable());
    }

    #[test]
    fn segments_are_ids() {
        assert_eq!(segment("106540352242922"), Ok("106540352242922"));
        for bad in ["", "a/b", "1?x=2", "1#f", "..", "..%2F", "a b"] {
            assert!(segment(bad).is_err(), "{bad}");
        }
    }
}
