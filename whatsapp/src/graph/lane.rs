//! The messages lane: `POST /{phone_number_id}/messages` (every send and
//! read receipt) on hyper's pooled client directly, without reqwest.
//!
//! Sends are the one Graph call made thousands of times a second. Under
//! the outbound benchmark reqwest's own layers (URL parsing, its retry,
//! redirect and proxy services, the per-request timeout body) were a third
//! of the Graph client's CPU (BENCHMARKS.md). This lane keeps what a send
//! needs: the same connection pool (hyper-util's, which reqwest wraps
//! too, with its retry of a request the server's closing of an idle
//! connection cancelled), TLS by rustls with the webpki roots, one timeout
//! over the whole call, and a bounded answer. It follows no redirect and
//! no proxy setting: Meta's messages endpoint answers directly, and every
//! other call (media included) still goes through reqwest.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::http::{timed_out, with_causes};
use super::meta_error::api_error;
use super::NumberAuth;
use crate::error::GraphError;

/// Meta's answers to a send are a few hundred bytes; an error page can be
/// longer, never this long.
const MAX_ANSWER: usize = 1 << 20;

/// The pooled HTTP/1.1 client of the messages endpoint. Cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct Lane {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    user_agent: HeaderValue,
}

impl Lane {
    pub(super) fn new() -> Lane {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        Lane {
            client: Client::builder(TokioExecutor::new()).build(https),
            user_agent: HeaderValue::from_static(concat!("switchboard/", env!("CARGO_PKG_VERSION"))),
        }
    }

    /// Posts the JSON `body` to `url` as the number in `auth`; the answer's
    /// body on a 2xx, Meta's error otherwise. The whole call, connecting
    /// and reading the answer included, is bounded by `timeout`.
    pub(super) async fn post_json(
        &self,
        auth: &NumberAuth,
        url: &str,
        body: Bytes,
        timeout: Duration,
    ) -> Result<Bytes, GraphError> {
        let uri: Uri = url.parse().map_err(|e| GraphError::InvalidRequest(format!("Graph API URL: {e}")))?;
        let mut bearer = HeaderValue::try_from(format!("Bearer {}", auth.access_token))
            .map_err(|_| GraphError::InvalidRequest("the access token is not a header value".into()))?;
        // Kept out of any Debug print of the request, as reqwest's
        // `bearer_auth` does.
        bearer.set_sensitive(true);
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(AUTHORIZATION, bearer)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, self.user_agent.clone())
            .body(Full::new(body))
            .map_err(|e| GraphError::InvalidRequest(e.to_string()))?;
        let call = async {
            let response =
                self.client.request(request).await.map_err(|e| GraphError::Transport(with_causes(&e)))?;
            let status = response.status();
            let bytes = Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|e| GraphError::Transport(with_causes(&*e)))?
                .to_bytes();
            Ok::<_, GraphError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(timeout, call).await.map_err(|_| timed_out(timeout))??;
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(api_error(status, &bytes))
        }
    }
}
