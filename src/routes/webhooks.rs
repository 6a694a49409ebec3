//! Meta's webhooks: the subscription handshake and notifications.
//!
//! A notification is verified (HMAC-SHA256 of the raw bytes, constant time)
//! against the app secret of every known number it names, or the
//! deployment's secret for numbers without their own; then every message
//! and status goes to its NumberActor, all concurrently; the 200 goes out
//! only once all of it is durable (one group-commit wait for the batch). A
//! failure answers 503 so Meta redelivers; redeliveries are deduplicated by
//! wamid. Changes for unknown numbers are acknowledged, logged, counted and
//! dropped.
//!
//! Admission comes first: beyond `server.max_inflight_webhooks` (counted
//! before the body is buffered, so the bound holds memory too), and once
//! shutdown has begun, a notification is answered 503 with Retry-After
//! and nothing is done with it: Meta redelivers it later.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;
use futures::future::try_join_all;
use serde::Deserialize;
use tokio::sync::OwnedSemaphorePermit;
use whatsapp::{parse_notification, verify_signature, ChangeValue, InboundMessage, StatusUpdate};

use actors::{Metrics, NumberHandle};

use crate::error::ApiError;
use crate::state::AppState;

/// Query of the subscription handshake.
#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// `GET /webhooks/whatsapp`
pub async fn verify(State(state): State<AppState>, Query(q): Query<VerifyQuery>) -> Result<String, ApiError> {
    let (Some("subscribe"), Some(token), Some(challenge)) = (q.mode.as_deref(), q.verify_token, q.challenge)
    else {
        return Err(ApiError::Forbidden("unknown verify token"));
    };
    if state.system.directory().knows_verify_token(&token).await? {
        Ok(challenge)
    } else {
        Err(ApiError::Forbidden("unknown verify token"))
    }
}

/// One number's share of a notification.
struct Delivery<'a> {
    handle: NumberHandle,
    value: &'a ChangeValue,
}

/// `POST /webhooks/whatsapp`
pub async fn receive(State(state): State<AppState>, request: Request) -> Result<StatusCode, ApiError> {
    let metrics = state.system.metrics().clone();
    let _permit = admit(&state)?;
    let signature =
        request.headers().get("x-hub-signature-256").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = Bytes::from_request(request, &state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::bad_request("unreadable_body", rejection.body_text())
        }
    })?;
    // Checked once the body is in, just before any work: a notification
    // still arriving when the stop began is refused, not half-done.
    if *state.shutdown.borrow() {
        return Err(ApiError::Unavailable("shutting down".into()));
    }
    let signature = signature.as_deref();
    if signature.is_none() {
        Metrics::inc(&metrics.webhooks_rejected_signature);
        return Err(ApiError::BadSignature);
    }
    let deployment_secret = state.settings.deployment_app_secret();
    let notification = match parse_notification(&body) {
        Ok(n) => n,
        // Which secret signs a body is only known once it parses; an
        // unparseable body is a parse error only for a sender who proves
        // it can sign, so nobody else learns anything about our parser.
        Err(e) if deployment_secret.is_some_and(|s| verify_signature(s, &body, signature).is_ok()) => {
            Metrics::inc(&metrics.webhooks_rejected_malformed);
            return Err(ApiError::bad_request("malformed_webhook", e.to_string()));
        }
        Err(_) => {
            Metrics::inc(&metrics.webhooks_rejected_signature);
            return Err(ApiError::BadSignature);
        }
    };
    let mut secrets: Vec<&str> = Vec::new();
    let mut deliveries = Vec::new();
    for change in notification.entries.iter().flat_map(|e| &e.changes).filter(|c| c.field == "messages") {
        let Some(number) = state.system.number_by_phone(&change.value.phone_number_id) else {
            Metrics::inc(&metrics.webhooks_unknown_number);
            tracing::warn!(phone_number_id = %change.value.phone_number_id, "webhook for an unknown number; dropped");
            continue;
        };
        let secret = number.app_secret.as_ref().map(|s| s.expose().to_string());
        deliveries.push((Delivery { handle: number.handle, value: &change.value }, secret));
    }
    let own: Vec<String> = deliveries.iter().filter_map(|(_, s)| s.clone()).collect();
    secrets.extend(own.iter().map(String::as_str));
    if deliveries.iter().any(|(_, s)| s.is_none()) || deliveries.is_empty() {
        match deployment_secret {
            Some(s) => secrets.push(s),
            // Only numbers we do not know, and no deployment secret to check
            // the signature with: acknowledged (Meta would otherwise retry,
            // and in the end disable the app's webhook) but not counted as
            // received, since nobody vouched for it. Nothing is stored.
            None if deliveries.is_empty() => return Ok(StatusCode::OK),
            None => {
                Metrics::inc(&metrics.webhooks_rejected_signature);
                return Err(ApiError::BadSignature);
            }
        }
    }
    secrets.sort_unstable();
    secrets.dedup();
    for secret in &secrets {
        if verify_signature(secret, &body, signature).is_err() {
            Metrics::inc(&metrics.webhooks_rejected_signature);
            return Err(ApiError::BadSignature);
        }
    }
    Metrics::inc(&metrics.webhooks_received);
    // A suspended tenant's traffic is acknowledged (so Meta stops retrying)
    // and dropped.
    let work = deliveries
        .into_iter()
        .filter(|(d, _)| !state.system.is_suspended(d.handle.tenant_id))
        .flat_map(|(d, _)| dispatch(d));
    try_join_all(work).await?;
    state.system.commit().durable().await?;
    Ok(StatusCode::OK)
}

/// A permit while fewer than `max_inflight_webhooks` are in flight, else
/// the 503 that sheds load.
fn admit(state: &AppState) -> Result<OwnedSemaphorePermit, ApiError> {
    state.webhook_permits.clone().try_acquire_owned().map_err(|_| {
        Metrics::inc(&state.system.metrics().webhooks_shed);
        ApiError::Unavailable("too many webhooks in flight".into())
    })
}

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), actors::ActorError>> + Send>>;

/// One request per customer: their messages (in order) and their statuses.
fn dispatch(d: Delivery<'_>) -> Vec<Pending> {
    let mut by_customer: HashMap<&str, Vec<InboundMessage>> = HashMap::new();
    for m in &d.value.messages {
        by_customer.entry(m.from.as_str()).or_default().push(m.clone());
    }
    let mut statuses: HashMap<&str, Vec<StatusUpdate>> = HashMap::new();
    for s in &d.value.statuses {
        statuses.entry(s.recipient_id.as_str()).or_default().push(s.clone());
    }
    let mut work: Vec<Pending> = Vec::new();
    for (wa_id, messages) in by_customer {
        let handle = d.handle.clone();
        let name = d.value.profile_name(wa_id).map(str::to_string);
        let wa_id = wa_id.to_string();
        work.push(Box::pin(async move { handle.inbound(wa_id, name, messages).await.map(|_| ()) }));
    }
    for (wa_id, updates) in statuses {
        let handle = d.handle.clone();
        let wa_id = wa_id.to_string();
        work.push(Box::pin(async move { handle.statuses(wa_id, updates).await }));
    }
    work
}
