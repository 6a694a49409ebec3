//! The conversations API (API.md): list with filters, get, history, send.
//! Every lookup goes through the caller's tenant and visibility: another
//! tenant's id, or a chat a staff member may not see, is a 404.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use tenants::{ConversationId, MessageId, Role, TeamId, UserId};

use actors::clock::now_ms;
use actors::hub::{may_see, Visibility};
use actors::{
    cursor_of, AssigneeFilter, ConversationRecord, ConversationStatus, ConversationView, Cursor, ListFilter,
    MessageView, NumberHandle, Outbound, Viewer,
};

use crate::auth::TenantScope;
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// Largest page.
const MAX_LIMIT: usize = 200;
/// Longest text message WhatsApp accepts.
const MAX_TEXT_CHARS: usize = 4096;

fn viewer(scope: &TenantScope) -> Viewer {
    Viewer {
        tenant_id: scope.tenant_id,
        user_id: scope.principal.user_id,
        role: scope.principal.role,
        team_ids: Vec::new(),
    }
}

fn visible(scope: &TenantScope, r: &ConversationRecord) -> bool {
    let v = Visibility { tenant_id: r.tenant_id, assignee_id: r.assignee_id, team_id: r.team_id };
    may_see(&viewer(scope), &v)
}

/// Finds a conversation the caller may see, and its number.
async fn locate(
    state: &AppState,
    scope: &TenantScope,
    id: &str,
) -> Result<(NumberHandle, ConversationRecord), ApiError> {
    let id: ConversationId = id.parse().map_err(|_| ApiError::NotFound)?;
    for number in state.system.numbers_of(scope.tenant_id) {
        if let Some(record) = number.find(id).await? {
            if record.tenant_id == scope.tenant_id && visible(scope, &record) {
                return Ok((number, record));
            }
            return Err(ApiError::NotFound);
        }
    }
    Err(ApiError::NotFound)
}

/// Query of `GET /api/conversations`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    assignee: Option<String>,
    team: Option<String>,
    label: Option<String>,
    q: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

fn encode_cursor(c: Cursor) -> String {
    format!("{}_{}", c.0, c.1)
}

fn decode_cursor(s: &str) -> Result<Cursor, ApiError> {
    let bad = || ApiError::bad_request("invalid_cursor", "cursor is not one this server returned");
    let (ms, id) = s.split_once('_').ok_or_else(bad)?;
    Ok((ms.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

fn parse_filter(scope: &TenantScope, q: &ListQuery) -> Result<ListFilter, ApiError> {
    let status = match q.status.as_deref() {
        None | Some("") | Some("all") => None,
        Some("open") => Some(ConversationStatus::Open),
        Some("closed") => Some(ConversationStatus::Closed),
        Some(other) => {
            return Err(ApiError::bad_request("invalid_status", format!("unknown status {other:?}")))
        }
    };
    let assignee =
        match q.assignee.as_deref() {
            None | Some("") => None,
            Some("none") => Some(AssigneeFilter::Nobody),
            Some("me") => Some(AssigneeFilter::User(scope.principal.user_id)),
            Some(id) => Some(AssigneeFilter::User(id.parse::<UserId>().map_err(|_| {
                ApiError::bad_request("invalid_assignee", "assignee is none, me or a user id")
            })?)),
        };
    let team = match q.team.as_deref() {
        None | Some("") => None,
        Some(id) => Some(
            id.parse::<TeamId>().map_err(|_| ApiError::bad_request("invalid_team", "team is a team id"))?,
        ),
    };
    Ok(ListFilter {
        viewer: viewer(scope),
        status,
        assignee,
        team,
        label: q.label.clone().filter(|l| !l.is_empty()),
        q: q.q.as_ref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()),
    })
}

/// `GET /api/conversations`
pub async fn list(
    State(state): State<AppState>,
    scope: TenantScope,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter = parse_filter(&scope, &q)?;
    let limit = q.limit.unwrap_or(50).clamp(1, MAX_LIMIT);
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let mut items: Vec<ConversationRecord> = Vec::new();
    for number in state.system.numbers_of(scope.tenant_id) {
        items.extend(number.list(filter.clone(), limit + 1, after).await?);
    }
    items.sort_unstable_by_key(|r| std::cmp::Reverse(cursor_of(r)));
    let next_cursor = (items.len() > limit).then(|| encode_cursor(cursor_of(&items[limit - 1])));
    items.truncate(limit);
    let now = now_ms();
    let views: Vec<ConversationView> = items.iter().map(|r| ConversationView::new(r, now)).collect();
    Ok(Json(json!({ "items": views, "next_cursor": next_cursor })))
}

/// `GET /api/conversations/{id}`
pub async fn get(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<ConversationView>, ApiError> {
    let (_, record) = locate(&state, &scope, &id).await?;
    Ok(Json(ConversationView::new(&record, now_ms())))
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

/// Body of `POST /api/conversations/{id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SendRequest {
    /// Free-form text.
    Text {
        text: String,
        #[serde(default)]
        preview_url: bool,
    },
    /// A template, as Meta's send API takes it.
    Template { template: Value },
}

fn outbound(req: SendRequest) -> Result<Outbound, ApiError> {
    match req {
        SendRequest::Text { text, preview_url } => {
            if text.trim().is_empty() {
                return Err(ApiError::Unprocessable { code: "empty_text", message: "text is empty".into() });
            }
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(ApiError::Unprocessable {
                    code: "text_too_long",
                    message: format!("text is longer than {MAX_TEXT_CHARS} characters"),
                });
            }
            Ok(Outbound::Text { body: text, preview_url })
        }
        SendRequest::Template { template } => {
            let named = template.get("name").and_then(Value::as_str).is_some_and(|n| !n.is_empty());
            let language =
                template.pointer("/language/code").and_then(Value::as_str).is_some_and(|c| !c.is_empty());
            if !named || !language {
                return Err(ApiError::Unprocessable {
                    code: "invalid_template",
                    message: "template needs a name and language.code".into(),
                });
            }
            Ok(Outbound::Template { template })
        }
    }
}

/// `POST /api/conversations/{id}/messages`: 202 once the send is durable.
pub async fn send(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(req): Json<SendRequest>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    if scope.principal.role == Role::Staff && record.assignee_id != Some(scope.principal.user_id) {
        return Err(ApiError::Forbidden("assign the chat to yourself before answering"));
    }
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string))
        .transpose()
        .map_err(|_| ApiError::bad_request("invalid_idempotency_key", "Idempotency-Key must be ASCII"))?
        .filter(|k| !k.is_empty() && k.len() <= 200);
    let message = number.send(record.id, scope.principal.user_id, outbound(req)?, key).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::ACCEPTED, Json(message)))
}
