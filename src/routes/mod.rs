//! Every route, in one place, grouped by client. `main` and the tests use
//! the same `router()`. Resource modules hold the handlers.

mod admin;
mod auth;
mod catalog;
mod conversations;
mod flows;
mod ops;
mod orders;
mod tenant;
pub(crate) mod views;
mod webhooks;
mod ws;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post, put};
use axum::Router;

use crate::state::AppState;

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.server.max_body_bytes;
    let max_upload = usize::try_from(state.settings.whatsapp.media_max_bytes).unwrap_or(usize::MAX);

    // The agent app: managers and staff.
    use conversations::{messages, workflow};
    use tenant::{canned, labels, numbers, presence, settings, teams, users};
    let agent = Router::new()
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/me", get(auth::me))
        .route("/api/auth/password", post(auth::change_password))
        .route("/api/users", post(users::create).get(users::list))
        .route("/api/users/{id}", get(users::get).patch(users::update).delete(users::deactivate))
        .route("/api/users/{id}/password", post(users::reset_password))
        .route("/api/teams", post(teams::create).get(teams::list))
        .route("/api/teams/{id}", get(teams::get).put(teams::replace).delete(teams::delete))
        .route("/api/labels", post(labels::create).get(labels::list))
        .route("/api/labels/{id}", put(labels::replace).delete(labels::delete))
        .route("/api/canned-replies", post(canned::create).get(canned::list))
        .route("/api/canned-replies/{id}", put(canned::replace).delete(canned::delete))
        .route("/api/settings", get(settings::get).patch(settings::update))
        .route("/api/settings/business-hours", put(settings::set_business_hours))
        .route("/api/flows", post(flows::create).get(flows::list))
        .route("/api/flows/{id}", get(flows::get).put(flows::replace).delete(flows::delete))
        .route("/api/flows/{id}/publish", post(flows::publish))
        .route("/api/flows/{id}/stats", get(flows::stats))
        .route("/api/presence", get(presence::list).put(presence::set))
        .route("/api/numbers", get(numbers::list))
        .route("/api/numbers/{id}/templates", get(numbers::templates))
        .route("/api/numbers/{id}/catalog", get(catalog::status).put(catalog::choose))
        .route("/api/numbers/{id}/catalog/products", get(catalog::products))
        .route("/api/numbers/{id}/catalog/sets", get(catalog::sets))
        .route("/api/numbers/{id}/catalog/sync", post(catalog::sync))
        .route("/api/orders", get(orders::list))
        .route("/api/orders/{id}", get(orders::get).patch(orders::update))
        .route(
            "/api/numbers/{id}/media",
            post(conversations::media::upload).layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/api/conversations", get(conversations::list))
        .route("/api/conversations/counts", get(conversations::counts))
        .route("/api/conversations/{id}", get(conversations::get))
        .route("/api/conversations/{id}/messages", get(messages::messages).post(messages::send))
        .route("/api/conversations/{id}/notes", post(messages::add_note))
        .route("/api/conversations/{id}/messages/{message_id}/media", get(conversations::media::download))
        .route("/api/conversations/{id}/assign", post(workflow::assign))
        .route("/api/conversations/{id}/transfer", post(workflow::transfer))
        .route("/api/conversations/{id}/close", post(workflow::close))
        .route("/api/conversations/{id}/reopen", post(workflow::reopen))
        .route("/api/conversations/{id}/labels", put(workflow::set_labels))
        .route("/api/conversations/{id}/bot", put(workflow::set_bot))
        .route("/api/conversations/{id}/read", post(workflow::mark_read))
        .route("/api/conversations/{id}/events", get(workflow::events))
        .route("/api/conversations/{id}/orders", get(orders::of_conversation))
        .route("/api/ws", get(ws::upgrade));

    // The platform admin console.
    let admin = Router::new()
        .route("/api/admin/tenants", post(admin::create_tenant).get(admin::list_tenants))
        .route("/api/admin/tenants/{id}/numbers", post(admin::add_number))
        .route("/api/admin/tenants/{id}/suspend", post(admin::suspend))
        .route("/api/admin/tenants/{id}/resume", post(admin::resume))
        .route("/api/admin/numbers/{id}", patch(admin::update_number));

    // Meta's Cloud API webhooks.
    let meta = Router::new().route("/webhooks/whatsapp", get(webhooks::verify).post(webhooks::receive));

    // Operators and monitoring.
    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/openapi.json", get(ops::openapi));

    // `--demo` only: the customer simulator (see `crate::demo`).
    use crate::demo::simulator;
    let demo = Router::new()
        .route("/demo/simulator", get(simulator::page))
        .route("/demo/assets/{*path}", get(simulator::asset))
        .route("/demo/api/customers", get(simulator::customers))
        .route("/demo/api/transcript", get(simulator::transcript))
        .route("/demo/api/catalog", get(simulator::catalog))
        .route("/demo/products/{file}", get(simulator::picture))
        .route("/demo/api/customer", post(simulator::customer));
    let agent = if state.demo.is_some() { agent.merge(demo) } else { agent };

    agent
        .merge(admin)
        .merge(crate::web::routes())
        .merge(meta)
        .merge(ops)
        .fallback(ops::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of one HTTP request: method and path only. The query is left
/// out on purpose: `GET /api/ws?token=` carries a bearer token, and no
/// token may reach a log line, whatever the log level.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}
