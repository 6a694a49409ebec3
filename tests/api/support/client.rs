//! A typed client for Switchboard's HTTP API: one method per endpoint of
//! API.md that the tests use, each returning the status, the headers and
//! the parsed JSON so a test can assert on all three. `raw_*` helpers
//! reach anything else, byte for byte.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// What the server answered.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as text.
    pub text: String,
    /// The body parsed as JSON (`Value::Null` when empty or not JSON).
    pub body: Value,
}

impl ApiResponse {
    /// The body, after checking the status; panics with the whole
    /// response otherwise.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected HTTP {status}, got {} with body {}",
            self.status,
            self.text
        );
        self.body
    }

    /// Checks the status and API.md's error envelope
    /// `{"error": {"code", "message"}}`; returns the code.
    #[track_caller]
    pub fn expect_error(self, status: u16) -> String {
        let body = self.expect(status);
        let code = body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error.code in {body}"));
        assert!(
            !code.is_empty()
                && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "error.code must be snake_case: {code:?}"
        );
        assert!(body["error"]["message"].is_string(), "no error.message in {body}");
        code.to_string()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// A client for one server, signed in or not.
#[derive(Clone, Debug)]
pub struct ApiClient {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The bearer token, when signed in.
    pub token: Option<String>,
}

impl ApiClient {
    /// An anonymous client for `base`.
    pub fn new(base: &str) -> ApiClient {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("a reqwest client");
        ApiClient { http, base: base.trim_end_matches('/').to_string(), token: None }
    }

    /// The same client with `token` as its bearer token.
    pub fn with_token(&self, token: &str) -> ApiClient {
        ApiClient { token: Some(token.to_string()), ..self.clone() }
    }

    /// The same client without a token.
    pub fn anonymous(&self) -> ApiClient {
        ApiClient { token: None, ..self.clone() }
    }

    /// The bearer token; panics when not signed in.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("this client is not signed in")
    }

    // ---- raw helpers ----------------------------------------------------

    /// Any request: `body` is sent verbatim with `content_type`, and
    /// `headers` are added as given.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<(Vec<u8>, &str)>,
        headers: &[(&str, &str)],
    ) -> ApiResponse {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some((bytes, content_type)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("request to {path} failed: {e}"));
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("a response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        ApiResponse { status, headers, text, body }
    }

    /// `GET path`.
    pub async fn raw_get(&self, path: &str) -> ApiResponse {
        self.raw(Method::GET, path, None, &[]).await
    }

    /// `POST path` with a JSON body.
    pub async fn raw_post(&self, path: &str, body: &Value) -> ApiResponse {
        self.raw(Method::POST, path, Some((serde_json::to_vec(body).expect("JSON"), "application/json")), &[])
            .await
    }

    /// `POST path` with the exact bytes given, as JSON.
    pub async fn raw_post_bytes(&self, path: &str, bytes: &[u8]) -> ApiResponse {
        self.raw(Method::POST, path, Some((bytes.to_vec(), "application/json")), &[]).await
    }

    // ---- auth -----------------------------------------------------------

    /// `POST /api/auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> ApiResponse {
        self.raw_post("/api/auth/login", &json!({"email": email, "password": password})).await
    }

    /// Logs in and returns a client carrying the new token (and the user).
    pub async fn signed_in(&self, email: &str, password: &str) -> (ApiClient, Value) {
        let body = self.login(email, password).await.expect(200);
        let token = body["token"].as_str().unwrap_or_else(|| panic!("no token in {body}"));
        (self.with_token(token), body["user"].clone())
    }

    /// `POST /api/auth/logout`.
    pub async fn logout(&self) -> ApiResponse {
        self.raw(Method::POST, "/api/auth/logout", None, &[]).await
    }

    /// `GET /api/auth/me`.
    pub async fn me(&self) -> ApiResponse {
        self.raw_get("/api/auth/me").await
    }

    // ---- platform admin -------------------------------------------------

    /// `POST /api/admin/tenants`.
    pub async fn create_tenant(&self, body: &Value) -> ApiResponse {
        self.raw_post("/api/admin/tenants", body).await
    }

    /// `GET /api/admin/tenants`.
    pub async fn list_tenants(&self) -> ApiResponse {
        self.raw_get("/api/admin/tenants").await
    }

    /// `POST /api/admin/tenants/{id}/numbers`.
    pub async fn add_number(&self, tenant_id: &str, number: &Value) -> ApiResponse {
        self.raw_post(&format!("/api/admin/tenants/{tenant_id}/numbers"), number).await
    }

    // ---- tenant administration -----------------------------------------

    /// `POST /api/users`.
    pub async fn create_user(&self, body: &Value) -> ApiResponse {
        self.raw_post("/api/users", body).await
    }

    /// `GET /api/users`.
    pub async fn list_users(&self) -> ApiResponse {
        self.raw_get("/api/users").await
    }

    // ---- conversations --------------------------------------------------

    /// `GET /api/conversations?{query}` (`query` without the `?`).
    pub async fn list_conversations(&self, query: &str) -> ApiResponse {
        let path = if query.is_empty() {
            "/api/conversations".to_string()
        } else {
            format!("/api/conversations?{query}")
        };
        self.raw_get(&path).await
    }

    /// `GET /api/conversations/{id}`.
    pub async fn get_conversation(&self, id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/conversations/{id}")).await
    }

    /// `GET /api/conversations/{id}/messages?{query}`.
    pub async fn messages(&self, id: &str, query: &str) -> ApiResponse {
        let q = if query.is_empty() { String::new() } else { format!("?{query}") };
        self.raw_get(&format!("/api/conversations/{id}/messages{q}")).await
    }

    /// `POST /api/conversations/{id}/messages` with any body, optionally
    /// with an `Idempotency-Key`.
    pub async fn send_message(&self, id: &str, body: &Value, idempotency_key: Option<&str>) -> ApiResponse {
        let headers: Vec<(&str, &str)> =
            idempotency_key.map(|k| ("idempotency-key", k)).into_iter().collect();
        let bytes = serde_json::to_vec(body).expect("JSON");
        self.raw(
            Method::POST,
            &format!("/api/conversations/{id}/messages"),
            Some((bytes, "application/json")),
            &headers,
        )
        .await
    }

    /// `POST /api/conversations/{id}/messages` `{"type":"text","text":...}`.
    pub async fn send_text(&self, id: &str, text: &str) -> ApiResponse {
        self.send_message(id, &json!({"type": "text", "text": text}), None).await
    }

    // ---- Meta webhooks --------------------------------------------------

    /// `GET /webhooks/whatsapp` verification handshake.
    pub async fn verify_webhook(&self, mode: &str, verify_token: &str, challenge: &str) -> ApiResponse {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/webhooks/whatsapp", self.base),
            &[("hub.mode", mode), ("hub.verify_token", verify_token), ("hub.challenge", challenge)],
        )
        .expect("a URL");
        let query = url.query().unwrap_or_default();
        self.raw_get(&format!("/webhooks/whatsapp?{query}")).await
    }

    /// `POST /webhooks/whatsapp` with the exact bytes and signature header
    /// given (`None` sends no header).
    pub async fn post_webhook(&self, body: &[u8], signature: Option<&str>) -> ApiResponse {
        let headers: Vec<(&str, &str)> = signature.map(|s| ("x-hub-signature-256", s)).into_iter().collect();
        self.raw(Method::POST, "/webhooks/whatsapp", Some((body.to_vec(), "application/json")), &headers)
            .await
    }

    // ---- operations -----------------------------------------------------

    /// `GET /healthz`.
    pub async fn healthz(&self) -> ApiResponse {
        self.raw_get("/healthz").await
    }

    /// `GET /readyz`.
    pub async fn readyz(&self) -> ApiResponse {
        self.raw_get("/readyz").await
    }

    /// `GET /metrics` (Prometheus text in `.text`).
    pub async fn metrics(&self) -> ApiResponse {
        self.raw_get("/metrics").await
    }

    /// `GET /api/openapi.json`.
    pub async fn openapi(&self) -> ApiResponse {
        self.raw_get("/api/openapi.json").await
    }
}

/// The value of a Prometheus sample line `name value` (no labels).
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.trim().parse().ok())
    })
}
