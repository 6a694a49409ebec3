//! The web app: the static files under `web/`, embedded in the binary
//! (`rust-embed`; a debug build reads them from disk, so editing CSS needs
//! no rebuild). The app talks only to the public API; this module only
//! serves files.
//!
//! - `/` is `web/index.html`; the app routes in the URL's `#fragment`, so
//!   no server-side fallback is needed;
//! - `/app/...` are the modules, styles and icons under `web/app/`;
//! - `/manifest.webmanifest`, `/sw.js` (at the root, so its scope is the
//!   whole app) and `/favicon.ico`;
//! - `web/demo/` is the demo's customer simulator, served through
//!   [`serve`] by `crate::demo::simulator` only in demo mode, as are the
//!   demo catalog's pictures ([`svg`]).
//!
//! Every response carries `X-Content-Type-Options: nosniff` and a
//! `Referrer-Policy`; HTML also gets a strict Content-Security-Policy (no
//! inline script or style: everything is a file) and frame denial. Files
//! are revalidated with an `ETag` (`no-cache`), so a deploy is seen at once
//! and an unchanged file costs a 304; icons are cached for a day. The
//! service worker's cache name is the hash of every embedded file, so a
//! new build replaces the cached shell.

use std::borrow::Cow;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;

use crate::error::ApiError;
use crate::state::AppState;

/// The files of `web/`.
#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// The policy every HTML page is served with. Images may also come over
/// https from elsewhere: catalog product pictures are on Meta's CDN, and
/// only their URLs are synced.
const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; \
                   font-src 'self'; connect-src 'self' ws: wss:; manifest-src 'self'; worker-src 'self'; \
                   media-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// How long an unchanged icon is used without asking.
const ICON_CACHE: &str = "public, max-age=86400";
/// Everything else: always revalidate (cheap with the ETag).
const REVALIDATE: &str = "no-cache";

/// The app's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/app/{*path}", get(app_file))
        .route("/manifest.webmanifest", get(manifest))
        .route("/sw.js", get(service_worker))
        .route("/favicon.ico", get(favicon))
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn app_file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    if path.split('/').any(|part| part.is_empty() || part.starts_with('.')) {
        return ApiError::NotFound.into_response();
    }
    serve(&format!("app/{path}"), &headers)
}

async fn manifest(headers: HeaderMap) -> Response {
    serve("manifest.webmanifest", &headers)
}

async fn favicon(headers: HeaderMap) -> Response {
    serve("app/icons/favicon-32.png", &headers)
}

/// `sw.js` with `__BUILD__` replaced by the build's hash and `__SHELL__`
/// by the list of files the worker keeps.
async fn service_worker() -> Response {
    let Some(file) = Assets::get("sw.js") else {
        return ApiError::NotFound.into_response();
    };
    let body = String::from_utf8_lossy(&file.data)
        .replace("__BUILD__", &build_hash())
        .replace("__SHELL__", &shell_files().to_string());
    let mut response = body.into_response();
    set_common(&mut response, "text/javascript; charset=utf-8", REVALIDATE);
    response
}

/// What the service worker caches: the page, the manifest, every module
/// and stylesheet, and the small icons.
fn shell_files() -> serde_json::Value {
    let mut files = vec!["/".to_string(), "/manifest.webmanifest".to_string()];
    let mut app: Vec<String> = Assets::iter()
        .filter(|name| {
            name.starts_with("app/")
                && (name.ends_with(".js")
                    || name.ends_with(".css")
                    || name.ends_with(".svg")
                    || name.ends_with("-192.png"))
        })
        .map(|name| format!("/{name}"))
        .collect();
    app.sort();
    files.extend(app);
    serde_json::Value::from(files)
}

/// A short hash of every embedded file's hash: changes when any file does.
fn build_hash() -> String {
    let mut names: Vec<_> = Assets::iter().collect();
    names.sort();
    // FNV-1a over the files' SHA-256 hashes: enough to tell builds apart.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for name in names {
        if let Some(file) = Assets::get(&name) {
            for byte in name.as_bytes().iter().chain(file.metadata.sha256_hash().iter()) {
                h ^= u64::from(*byte);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    format!("{h:016x}")
}

/// One embedded file, with its ETag, or a 304 when the client has it.
pub(crate) fn serve(name: &str, request: &HeaderMap) -> Response {
    let Some(file) = Assets::get(name) else {
        return ApiError::NotFound.into_response();
    };
    let etag = format!("\"{}\"", hex_prefix(&file.metadata.sha256_hash()));
    let cache = if name.starts_with("app/icons/") { ICON_CACHE } else { REVALIDATE };
    let content_type = content_type(name);
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match file.data {
            Cow::Borrowed(bytes) => Body::from(bytes).into_response(),
            Cow::Owned(bytes) => Body::from(bytes).into_response(),
        }
    };
    set_common(&mut response, content_type, cache);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// A picture drawn by the server (the demo catalog's products), with the
/// headers of an icon. Its own policy forbids anything active in it.
pub(crate) fn svg(body: String) -> Response {
    let mut response = body.into_response();
    set_common(&mut response, "image/svg+xml", ICON_CACHE);
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'"));
    response
}

fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Headers of every response of the app; the CSP on HTML.
fn set_common(response: &mut Response, content_type: &'static str, cache: &'static str) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if content_type.starts_with("text/html") {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            "permissions-policy",
            HeaderValue::from_static("camera=(), geolocation=(), microphone=(), payment=()"),
        );
    }
}

/// The media type of a file, by its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("mp3") => "audio/mpeg",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_and_a_safe_default() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("app/main.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("manifest.webmanifest"), "application/manifest+json");
        assert_eq!(content_type("no-extension"), "application/octet-stream");
    }

    #[test]
    fn the_shell_is_embedded() {
        for name in ["index.html", "sw.js", "manifest.webmanifest", "app/main.js", "app/css/base.css"] {
            assert!(Assets::get(name).is_some(), "{name} is missing from web/");
        }
    }
}
