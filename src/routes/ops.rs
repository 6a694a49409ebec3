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

/// `GET /readyz`: storage is open, the actor tree runs, and the server is
/// not stopping (a load balancer sends nothing new to a draining server).
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if *state.shutdown.borrow() {
        Err(ApiError::Unavailable("shutting down".into()))
    } else if state.system.is_ready() {
        Ok("ready")
    } else {
        Err(ApiError::Unavailable("actor tree is not running".into()))
    }
}

/// `GET /metrics`
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = state.system.metrics().render();
    let in_flight = state.system.intake().in_flight();
    let help = "Webhook POSTs admitted and not yet answered.";
    actors::metrics::sample(&mut text, "switchboard_webhooks_in_flight", help, "gauge", in_flight);
    crate::memory::render(&mut text);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// `GET /api/openapi.json`
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Any other path.
pub async fn not_found() -> (StatusCode, ApiError) {
    (StatusCode::NOT_FOUND, ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::OPENAPI;

    /// Every route of `router()` (read from its source) is in the OpenAPI
    /// document with the same methods.
    #[test]
    fn every_route_is_documented() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("openapi.json parses");
        let source = include_str!("mod.rs");
        let mut checked = 0;
        for chunk in source.split(".route(\"").skip(1) {
            let (path, rest) = chunk.split_once('"').expect("a quoted path");
            let rest = rest.split(".route(").next().unwrap_or(rest);
            let entry = doc["paths"].get(path).unwrap_or_else(|| panic!("{path} is not in openapi.json"));
            for method in ["get", "post", "put", "patch", "delete"] {
                let routed = rest.contains(&format!("{method}(")) || rest.contains(&format!(".{method}("));
                assert_eq!(
                    routed,
                    entry.get(method).is_some(),
                    "{method} {path}: router and openapi.json disagree"
                );
            }
            checked += 1;
        }
        assert!(checked > 30, "only {checked} routes found");
    }
}
