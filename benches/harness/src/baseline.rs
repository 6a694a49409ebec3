//! The baseline: a bare axum server doing only what any webhook receiver
//! must do (read the body, parse Meta's JSON with
//! `whatsapp::parse_notification`, check the HMAC against the app secret
//! of the number it names, answer 200), with no storage and no actors.
//! The same generator drives it in the same run, so ours / baseline is a
//! ratio that holds when the machine's absolute speed drifts.
//!
//! It runs as a child process (`switchboard-bench serve-baseline SECRETS`)
//! so its CPU and RSS are measured like the real server's, or in-process
//! for the smoke test.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use tokio::net::TcpListener;

use crate::webhook::NumberSpec;

/// phone_number_id -> app secret.
type Secrets = Arc<HashMap<String, String>>;

/// `POST /webhooks/whatsapp`, bare.
async fn receive(State(secrets): State<Secrets>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    let Ok(notification) = whatsapp::parse_notification(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let mut checked = false;
    for change in notification.entries.iter().flat_map(|e| &e.changes) {
        let Some(secret) = secrets.get(&change.value.phone_number_id) else {
            return StatusCode::UNAUTHORIZED;
        };
        if whatsapp::verify_signature(secret, &body, signature).is_err() {
            return StatusCode::UNAUTHORIZED;
        }
        checked = true;
    }
    if checked {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    }
}

/// The baseline's router.
pub fn router(numbers: &[NumberSpec]) -> Router {
    let secrets: HashMap<String, String> =
        numbers.iter().map(|n| (n.phone_number_id.clone(), n.app_secret.clone())).collect();
    Router::new().route("/webhooks/whatsapp", post(receive)).with_state(Arc::new(secrets))
}

/// Serves the baseline on a task of the current runtime; returns its address.
pub async fn serve_in_process(numbers: &[NumberSpec]) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(numbers);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

/// Writes the secrets file the child reads (`phone_number_id secret` lines).
pub fn write_secrets(path: &Path, numbers: &[NumberSpec]) -> anyhow::Result<()> {
    let text: String = numbers.iter().map(|n| format!("{} {}\n", n.phone_number_id, n.app_secret)).collect();
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))
}

/// The child process's `main`: reads the secrets file, binds port 0,
/// prints `listening on http://ADDR` and serves until killed.
pub async fn serve_child(secrets_file: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(secrets_file).with_context(|| format!("read {}", secrets_file.display()))?;
    let numbers: Vec<NumberSpec> = text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(pid, secret)| NumberSpec {
            phone_number_id: pid.to_string(),
            display_phone_number: String::new(),
            waba_id: String::new(),
            app_secret: secret.to_string(),
        })
        .collect();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(&numbers)).await?;
    Ok(())
}
