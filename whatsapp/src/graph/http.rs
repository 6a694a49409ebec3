//! [`HttpGraph`]: the [`GraphApi`] over HTTPS with reqwest.
//!
//! Every call goes through `post_json`, which builds
//! `{base}/{version}/{path}`, sends the number's bearer token, bounds the
//! call with the configured timeout and turns Meta's error JSON into a
//! [`GraphError`]. A new endpoint is a small method decoding its own answer.

use std::error::Error as _;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::{GraphApi, NumberAuth, SentMessage};
use crate::error::GraphError;

/// The Graph API client. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct HttpGraph {
    client: reqwest::Client,
    /// `https://graph.facebook.com`, without a trailing slash.
    base_url: String,
    /// `v21.0`.
    version: String,
    /// Bound on each whole call, connecting included.
    timeout: Duration,
}

impl HttpGraph {
    /// A client for `{base_url}/{version}/...`, each call bounded by `timeout`.
    pub fn new(base_url: &str, version: &str, timeout: Duration) -> HttpGraph {
        HttpGraph {
            client: reqwest::Client::new(),
            base_url: base_url.trim_end_matches('/').to_string(),
            version: version.trim_matches('/').to_string(),
            timeout,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}/{}", self.base_url, self.version, path)
    }

    /// POSTs `body` to `path` as the number in `auth` and decodes a 2xx
    /// answer as `T`.
    async fn post_json<T: DeserializeOwned>(
        &self,
        auth: &NumberAuth,
        path: &str,
        body: &Value,
    ) -> Result<T, GraphError> {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(&auth.access_token)
            .timeout(self.timeout)
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.transport(e))?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| GraphError::Decode(e.to_string()))
    }

    /// A reqwest failure as text: the error and its causes, without the URL.
    fn transport(&self, error: reqwest::Error) -> GraphError {
        if error.is_timeout() {
            return GraphError::Transport(format!("timed out after {:?}", self.timeout));
        }
        let error = error.without_url();
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        GraphError::Transport(text)
    }
}

#[async_trait]
impl GraphApi for HttpGraph {
    async fn send_message(&self, auth: &NumberAuth, body: &Value) -> Result<SentMessage, GraphError> {
        let path = format!("{}/messages", auth.phone_number_id);
        let sent: SendResponse = self.post_json(auth, &path, body).await?;
        let wamid = sent
            .messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or_else(|| GraphError::Decode("no message id in the answer".into()))?;
        Ok(SentMessage { wamid })
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

/// Meta's error envelope: `{"error": {...}}`.
#[derive(Deserialize)]
struct ErrorEnvelope {
    error: WireGraphError,
}

#[derive(Deserialize)]
struct WireGraphError {
    #[serde(default)]
    message: String,
    code: i64,
    error_subcode: Option<i64>,
    error_data: Option<WireErrorData>,
    fbtrace_id: Option<String>,
}

#[derive(Deserialize)]
struct WireErrorData {
    details: Option<String>,
}

/// A non-2xx answer as `GraphError::Api`; code 0 when the body was not
/// Meta's error JSON (a proxy's error page, say).
fn api_error(status: StatusCode, body: &[u8]) -> GraphError {
    let http_status = status.as_u16();
    match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(ErrorEnvelope { error }) => {
            tracing::debug!(
                http_status,
                code = error.code,
                fbtrace_id = error.fbtrace_id.as_deref().unwrap_or(""),
                "Graph API error"
            );
            GraphError::Api {
                http_status,
                code: error.code,
                subcode: error.error_subcode,
                message: error.message,
                details: error.error_data.and_then(|d| d.details),
            }
        }
        Err(_) => GraphError::Api {
            http_status,
            code: 0,
            subcode: None,
            message: format!("HTTP {status}"),
            details: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, Method, Uri};
    use axum::Router;
    use serde_json::json;
    use tokio::sync::mpsc;

    const PHONE_NUMBER_ID: &str = "106540352242922";
    const TOKEN: &str = "EAAGtest-token";
    const WAMID: &str = "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

    /// One request as the fake Graph API saw it.
    #[derive(Debug)]
    struct Seen {
        method: Method,
        path: String,
        authorization: Option<String>,
        body: Value,
    }

    #[derive(Clone)]
    struct Fake {
        status: StatusCode,
        answer: String,
        seen: mpsc::UnboundedSender<Seen>,
    }

    async fn record(
        State(fake): State<Fake>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, String) {
        let seen = Seen {
            method,
            path: uri.path().to_string(),
            authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        };
        fake.seen.send(seen).unwrap();
        (fake.status, fake.answer)
    }

    /// Serves `answer` with `status` to every request on a fresh port.
    async fn fake_graph(status: u16, answer: &str) -> (String, mpsc::UnboundedReceiver<Seen>) {
        let (seen, rx) = mpsc::unbounded_channel();
        let fake = Fake { status: StatusCode::from_u16(status).unwrap(), answer: answer.to_string(), seen };
        let app = Router::new().fallback(record).with_state(fake);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (base, rx)
    }

    fn auth() -> NumberAuth {
        NumberAuth { phone_number_id: PHONE_NUMBER_ID.into(), access_token: TOKEN.into() }
    }

    fn graph(base: &str) -> HttpGraph {
        HttpGraph::new(base, "v21.0", Duration::from_secs(5))
    }

    async fn send_to(status: u16, answer: &str) -> Result<SentMessage, GraphError> {
        let (base, _seen) = fake_graph(status, answer).await;
        graph(&base).send_message(&auth(), &outbound::text("16505551234", "hi", false)).await
    }

    fn meta_error(code: i64, message: &str) -> String {
        json!({"error": {
            "message": message, "type": "OAuthException", "code": code,
            "error_subcode": 2494010,
            "error_data": {"messaging_product": "whatsapp", "details": "More about it."},
            "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}})
        .to_string()
    }

    #[tokio::test]
    async fn sends_to_the_numbers_messages_endpoint() {
        let answer = json!({"messaging_product": "whatsapp",
            "contacts": [{"input": "16505551234", "wa_id": "16505551234"}],
            "messages": [{"id": WAMID}]});
        let (base, mut seen) = fake_graph(200, &answer.to_string()).await;
        let body = outbound::text("16505551234", "Hello, world!", false);

        let sent = graph(&format!("{base}/")).send_message(&auth(), &body).await;

        assert_eq!(sent, Ok(SentMessage { wamid: WAMID.into() }));
        let request = seen.recv().await.unwrap();
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/v21.0/106540352242922/messages");
        assert_eq!(request.authorization.as_deref(), Some("Bearer EAAGtest-token"));
        assert_eq!(request.body, body);
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

        assert_eq!(err, GraphError::Transport("timed out after 200ms".into()));
    }
}
