//! Operator endpoints: liveness, readiness, Prometheus metrics, the
//! OpenAPI document, and the JSON 404 for unknown paths.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

use crate::error::ApiError;
use crate::state::AppState;

/// The OpenAPI document (kept beside the router; a test checks that every
/// route is in it).
pub const OPENAPI: &str = include_str!("../openapi.json");

/// `GET /healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: storage is open and the actor tree runs.
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if state.system.is_ready() {
        Ok("ready")
    } else {
        Err(ApiError::Unavailable("actor tree is not running".into()))
    }
}

/// `GET /metrics`
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.system.metrics().render())
}

/// `GET /api/openapi.json`
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Any other path.
pub async fn not_found() -> (StatusCode, ApiError) {
    (StatusCode::NOT_FOUND, ApiError::NotFound)
}
