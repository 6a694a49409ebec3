//! Meta's webhooks: the subscription handshake and notifications.
//!
//! A notification is verified (HMAC-SHA256 of the raw bytes, constant time)
//! against the app secret of every known number it names, or the
//! deployment's secret for numbers without their own; then every message
//! and status goes to its NumberActor, all concurrently; the 200 goes out
//! only once all of it is durable (one group-commit wait for the batch). A
//! failure answers 503 so Meta redelivers; redeliveries are deduplicated by
//! wamid. Changes for unknown numbers are acknowledged, logged, counted and
//! dropped. A body that does not parse is a 400 only for a sender who
//! could sign it (see `signed_for_unparsed`), else the 401 of any bad
//! signature.
//!
//! Admission comes first: beyond `server.max_inflight_webhooks` (counted
//! before the body is buffered, so the bound holds memory too), and once
//! shutdown has begun, a notification is answered 503 with Retry-After
//! and nothing is done with it: Meta redelivers it later. The count is
//! the actor tree's `Intake`, which also holds sends back while it is high.

use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;
use futures::future::try_join_all;
use serde::Deserialize;
use whatsapp::{parse_notification, verify_signature, ChangeValue};

use actors::{Admitted, Metrics, NumberHandle};

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
struct Delivery {
    handle: NumberHandle,
    value: ChangeValue,
}

/// At most this many distinct numbers named in an unparseable body have
/// their secrets tried (each try is an HMAC over the whole body).
const MAX_NAMED_NUMBERS: usize = 16;

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
        // An unparseable body is a parse error only for a sender who proves
        // it can sign, so nobody else learns anything about our parser.
        Err(e) if signed_for_unparsed(&state, &body, signature) => {
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
    let changes = notification.entries.into_iter().flat_map(|e| e.changes).filter(|c| c.is_messages());
    for change in changes {
        let Some(number) = state.system.number_by_phone(&change.value.phone_number_id) else {
            Metrics::inc(&metrics.webhooks_unknown_number);
            tracing::warn!(phone_number_id = %change.value.phone_number_id, "webhook for an unknown number; dropped");
            continue;
        };
        let secret = number.app_secret.as_ref().map(|s| s.expose().to_string());
        deliveries.push((Delivery { handle: number.handle, value: change.value }, secret));
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
    // Collected first: try_join_all sizes its set by the iterator's upper
    // bound, and a flat_map has none, which took a FuturesOrdered for what
    // is nearly always one message.
    let work: Vec<Pending> = deliveries
        .into_iter()
        .filter(|(d, _)| !state.system.is_suspended(d.handle.tenant_id))
        .flat_map(|(d, _)| dispatch(d))
        .collect();
    try_join_all(work).await?;
    state.system.commit().durable().await?;
    Ok(StatusCode::OK)
}

/// A permit while fewer than `max_inflight_webhooks` are in flight, else
/// the 503 that sheds load.
fn admit(state: &AppState) -> Result<Admitted, ApiError> {
    state.system.intake().admit().ok_or_else(|| {
        Metrics::inc(&state.system.metrics().webhooks_shed);
        ApiError::Unavailable("too many webhooks in flight".into())
    })
}

/// Whether a body that does not parse is signed by a secret that could
/// sign it were it whole. Which secret signs a body is only known once it
/// parses, so the rule for whole bodies is applied to the known numbers
/// whose `"phone_number_id"` the raw text names (a bounded few): their own
/// secrets, and the deployment's when one of them has none or none is
/// named. Here one match is enough; each check is constant time.
fn signed_for_unparsed(state: &AppState, body: &[u8], signature: Option<&str>) -> bool {
    let named: Vec<Option<String>> = named_phone_number_ids(body)
        .into_iter()
        .filter_map(|id| state.system.number_by_phone(id))
        .map(|n| n.app_secret.map(|s| s.expose().to_string()))
        .collect();
    let all_sign_for_themselves = !named.is_empty() && named.iter().all(Option::is_some);
    let deployment =
        state.settings.deployment_app_secret().filter(|_| !all_sign_for_themselves).map(str::to_string);
    let mut secrets: Vec<String> = named.into_iter().flatten().chain(deployment).collect();
    secrets.sort_unstable();
    secrets.dedup();
    secrets.iter().any(|secret| verify_signature(secret, body, signature).is_ok())
}

/// The distinct values of `"phone_number_id": "<digits>"` in raw text that
/// need not be JSON, in order, at most [`MAX_NAMED_NUMBERS`].
fn named_phone_number_ids(body: &[u8]) -> Vec<&str> {
    const KEY: &[u8] = b"\"phone_number_id\"";
    let skip_space = |b: &[u8]| -> usize { b.iter().take_while(|c| c.is_ascii_whitespace()).count() };
    let mut ids: Vec<&str> = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.windows(KEY.len()).position(|w| w == KEY) {
        rest = &rest[at + KEY.len()..];
        let after = &rest[skip_space(rest)..];
        let Some(after) = after.strip_prefix(b":") else { continue };
        let after = &after[skip_space(after)..];
        let after = after.strip_prefix(b"\"").unwrap_or(after);
        let digits = after.iter().take_while(|c| c.is_ascii_digit()).count();
        let Ok(id) = std::str::from_utf8(&after[..digits]) else { continue };
        if !id.is_empty() && !ids.contains(&id) {
            ids.push(id);
            if ids.len() == MAX_NAMED_NUMBERS {
                break;
            }
        }
    }
    ids
}

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), actors::ActorError>> + Send>>;

/// One request per customer: their messages (in order) and their statuses.
fn dispatch(mut d: Delivery) -> Vec<Pending> {
    let by_customer = group(std::mem::take(&mut d.value.messages), |m| &m.from);
    let statuses = group(std::mem::take(&mut d.value.statuses), |s| &s.recipient_id);
    let mut work: Vec<Pending> = Vec::new();
    for (wa_id, messages) in by_customer {
        let handle = d.handle.clone();
        let name = d.value.profile_name(&wa_id).map(str::to_string);
        work.push(Box::pin(async move { handle.inbound(wa_id, name, messages).await.map(|_| ()) }));
    }
    for (wa_id, updates) in statuses {
        let handle = d.handle.clone();
        work.push(Box::pin(async move { handle.statuses(wa_id, updates).await }));
    }
    work
}

/// `items` by customer, each customer's in the order they came; moved,
/// not copied (a batch names few customers: a list is enough).
fn group<T>(items: Vec<T>, customer: impl Fn(&T) -> &String) -> Vec<(String, Vec<T>)> {
    let mut groups: Vec<(String, Vec<T>)> = Vec::new();
    for item in items {
        match groups.iter_mut().find(|(c, _)| c == customer(&item)) {
            Some((_, group)) => group.push(item),
            None => groups.push((customer(&item).clone(), vec![item])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::{named_phone_number_ids, MAX_NAMED_NUMBERS};

    #[test]
    fn phone_number_ids_are_found_in_text_that_is_not_json() {
        let body = br#"{"entry": [{"changes": [{"value": {"metadata": {"phone_number_id" : "106540352242922"},
            "messages": [{"from": "16315551181"}]}}, {"value": {"metadata": {"phone_number_id":106540352242923,
            "x": {"phone_number_id": "106540352242922"}, "phone_number_id": "", "phone_number_id"#;
        assert_eq!(named_phone_number_ids(body), ["106540352242922", "106540352242923"]);
        assert!(named_phone_number_ids(b"phone_number_id: 1").is_empty(), "only the quoted key");
        let many: String = (0..100).map(|i| format!("\"phone_number_id\":\"{i}\",")).collect();
        assert_eq!(named_phone_number_ids(many.as_bytes()).len(), MAX_NAMED_NUMBERS);
    }
}
