//! A conversation's messages: history (oldest first, paged backwards),
//! agent replies (202 once durable; the outbox sends them) and internal
//! notes with mentions.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use tenants::{MessageId, Role, UserId};

use actors::hub::{may_see, Visibility};
use actors::{ConversationRecord, MessageView, SendRequest};

use super::compose::{outbound, SendBody};
use super::{locate, MAX_LIMIT};
use crate::auth::TenantScope;
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// Staff act only on chats assigned to them; managers on any.
pub(crate) fn require_owner(
    scope: &TenantScope,
    record: &ConversationRecord,
    why: &'static str,
) -> Result<(), ApiError> {
    if scope.principal.role == Role::Staff && record.assignee_id != Some(scope.principal.user_id) {
        return Err(ApiError::Forbidden(why));
    }
    Ok(())
}

/// Query of the history endpoint.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    limit: Option<usize>,
    before: Option<String>,
}

/// `GET /api/conversations/{id}/messages`
pub async fn messages(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Value>, ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    let before = match q.before.as_deref() {
        Some(b) => Some(
            b.parse::<MessageId>()
                .map_err(|_| ApiError::bad_request("invalid_before", "before is a message id"))?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(50).clamp(1, MAX_LIMIT);
    let items: Vec<MessageView> = number.messages(record.id, limit, before).await?;
    Ok(Json(json!({ "items": items })))
}

/// `POST /api/conversations/{id}/messages`: 202 once the send is durable.
pub async fn send(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(req): Json<SendBody>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    require_owner(&scope, &record, "assign the chat to yourself before answering")?;
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string))
        .transpose()
        .map_err(|_| ApiError::bad_request("invalid_idempotency_key", "Idempotency-Key must be ASCII"))?
        .filter(|k| !k.is_empty() && k.len() <= 200);
    let outbound = outbound(&number, &record, req.kind).await?;
    let request = SendRequest {
        author: scope.principal.user_id,
        outbound,
        reply_to: req.reply_to,
        idempotency_key: key,
    };
    let message = number.send(record.id, request).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::ACCEPTED, Json(message)))
}

/// Body of `POST /api/conversations/{id}/notes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    text: String,
    #[serde(default)]
    mentions: Vec<UserId>,
}

/// `POST /api/conversations/{id}/notes`: an internal note, never sent to
/// WhatsApp; mentioned colleagues get a `notification`.
pub async fn add_note(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Json(req): Json<NoteRequest>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    // Any active colleague can be mentioned (asking a teammate for help is
    // the point), but one who may not see the chat is told only who asked
    // and what: their notification carries no conversation (issue 3's
    // visibility holds; a mention grants nothing).
    let viewers = state.system.directory().viewers(scope.tenant_id).await?;
    let visibility =
        Visibility { tenant_id: record.tenant_id, assignee_id: record.assignee_id, team_id: record.team_id };
    let mut blind = Vec::new();
    for mentioned in &req.mentions {
        match viewers.iter().find(|v| v.user_id == *mentioned) {
            None => {
                let msg = format!("{mentioned} is not an active colleague");
                return Err(ApiError::unprocessable("unknown_mention", msg));
            }
            Some(v) if !may_see(v, &visibility) => blind.push(*mentioned),
            Some(_) => {}
        }
    }
    let note = number.add_note(record.id, req.text, req.mentions, blind, scope.principal.user_id).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::CREATED, Json(note)))
}
