//! The conversations API (API.md): list with filters and badge counts, get;
//! `messages.rs` has history, replies and notes, `workflow.rs` assignment,
//! transfer, close/reopen, labels, the bot switch, read marks and the audit
//! trail. Every lookup goes through the caller's tenant and visibility:
//! another tenant's id, or a chat a staff member may not see, is a 404.

pub(crate) mod compose;
pub mod media;
pub mod messages;
pub mod workflow;

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{json, Value};
use tenants::{ConversationId, TeamId, UserId};

use actors::clock::now_ms;
use actors::hub::{may_see, Visibility};
use actors::{
    cursor_of, AssigneeFilter, ConversationRecord, ConversationStatus, ConversationView, Counts, Cursor,
    ListFilter, NumberHandle, Viewer,
};

use crate::auth::TenantScope;
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// Largest page.
pub(crate) const MAX_LIMIT: usize = 200;

pub(crate) fn viewer(scope: &TenantScope) -> Viewer {
    Viewer {
        tenant_id: scope.tenant_id,
        user_id: scope.principal.user_id,
        role: scope.principal.role,
        team_ids: scope.principal.team_ids.clone(),
        see_unassigned: scope.principal.see_unassigned,
    }
}

fn visible(scope: &TenantScope, r: &ConversationRecord) -> bool {
    let v = Visibility { tenant_id: r.tenant_id, assignee_id: r.assignee_id, team_id: r.team_id };
    may_see(&viewer(scope), &v)
}

/// Finds a conversation the caller may claim: one they see, or one they
/// saw unassigned until a colleague just took it (so the slower of two
/// claims learns who has it, 409, instead of a bare 404).
pub(crate) async fn locate_claimable(
    state: &AppState,
    scope: &TenantScope,
    id: &str,
) -> Result<(NumberHandle, ConversationRecord), ApiError> {
    let id: ConversationId = id.parse().map_err(|_| ApiError::NotFound)?;
    for number in state.system.numbers_of(scope.tenant_id) {
        if let Some(record) = number.find(id).await? {
            let unassigned = ConversationRecord { assignee_id: None, ..record.clone() };
            if record.tenant_id == scope.tenant_id && (visible(scope, &record) || visible(scope, &unassigned))
            {
                return Ok((number, record));
            }
            return Err(ApiError::NotFound);
        }
    }
    Err(ApiError::NotFound)
}

/// Finds a conversation the caller may see, and its number.
pub(crate) async fn locate(
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
    unread: Option<bool>,
    labels: Option<String>,
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
        unread: q.unread.unwrap_or(false),
        labels: q
            .labels
            .as_deref()
            .map(|l| l.split(',').map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
            .unwrap_or_default(),
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

/// `GET /api/conversations/counts`: the sidebar badges, for what the caller
/// may see.
pub async fn counts(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Counts>, ApiError> {
    let mut total = Counts::default();
    for number in state.system.numbers_of(scope.tenant_id) {
        total.add(&number.counts(viewer(&scope)).await?);
    }
    Ok(Json(total))
}
