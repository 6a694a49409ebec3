//! The typed client's Cloud API endpoints: a number's templates, media
//! upload (multipart, built byte for byte here) and download (binary), and
//! the platform admin's number update.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{ApiClient, ApiResponse};

/// A binary response (media files).
#[derive(Debug, Clone)]
pub struct Download {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, byte for byte.
    pub bytes: Vec<u8>,
}

impl Download {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// The boundary of the forms [`ApiClient::upload_media`] builds.
const BOUNDARY: &str = "switchboard-test-boundary-7MA4YWxkTrZu0gW";

impl ApiClient {
    /// `GET /api/numbers/{number_id}/templates`.
    pub async fn templates(&self, number_id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/numbers/{number_id}/templates")).await
    }

    /// `POST /api/numbers/{number_id}/media`: `bytes` as the multipart
    /// field `file`, named `filename`, of type `mime_type`.
    pub async fn upload_media(
        &self,
        number_id: &str,
        filename: &str,
        mime_type: &str,
        bytes: &[u8],
    ) -> ApiResponse {
        let mut form = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: {mime_type}\r\n\r\n"
        )
        .into_bytes();
        form.extend_from_slice(bytes);
        form.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        self.raw(Method::POST, &format!("/api/numbers/{number_id}/media"), Some((form, &content_type)), &[])
            .await
    }

    /// `PATCH /api/admin/numbers/{id}` `{"access_token"}`.
    pub async fn update_number_token(&self, number_id: &str, access_token: &str) -> ApiResponse {
        let body = serde_json::to_vec(&json!({ "access_token": access_token })).expect("JSON");
        self.raw(
            Method::PATCH,
            &format!("/api/admin/numbers/{number_id}"),
            Some((body, "application/json")),
            &[],
        )
        .await
    }

    /// `GET path` (a message's `media_url`, possibly with `?token=`), the
    /// body kept as bytes; the bearer header goes along when signed in.
    pub async fn download(&self, path: &str) -> Download {
        let mut request = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let resp = request.send().await.unwrap_or_else(|e| panic!("GET {path} failed: {e}"));
        let (status, headers) = (resp.status(), resp.headers().clone());
        let bytes = resp.bytes().await.expect("a response body").to_vec();
        Download { status, headers, bytes }
    }
}

/// The items of a list response.
pub fn items(body: &Value) -> Vec<Value> {
    body["items"].as_array().unwrap_or_else(|| panic!("no items in {body}")).clone()
}
