//! Every route, in one place, grouped by client. `main` and the tests use
//! the same `router()`. Resource modules hold the handlers.

mod admin;
mod auth;
mod conversations;
mod ops;
mod users;
mod views;
mod webhooks;
mod ws;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.server.max_body_bytes;

    // The agent app: managers and staff.
    let agent = Router::new()
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/me", get(auth::me))
        .route("/api/users", post(users::create).get(users::list))
        .route("/api/conversations", get(conversations::list))
        .route("/api/conversations/{id}", get(conversations::get))
        .route("/api/conversations/{id}/messages", get(conversations::messages).post(conversations::send))
        .route("/api/ws", get(ws::upgrade));

    // The platform admin console.
    let admin = Router::new()
        .route("/api/admin/tenants", post(admin::create_tenant).get(admin::list_tenants))
        .route("/api/admin/tenants/{id}/numbers", post(admin::add_number));

    // Meta's Cloud API webhooks.
    let meta = Router::new().route("/webhooks/whatsapp", get(webhooks::verify).post(webhooks::receive));

    // Operators and monitoring.
    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/openapi.json", get(ops::openapi));

    agent
        .merge(admin)
        .merge(meta)
        .merge(ops)
        .fallback(ops::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
