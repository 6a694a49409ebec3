//! Moving a chat through the inbox: assign (to me, a colleague, a team, or
//! nobody), transfer with a note, close and reopen, labels, the chatbot
//! switch, read marks, and the audit trail.
//!
//! Who may do what: anyone who sees a chat may claim it ("assign to me":
//! of two simultaneous claims exactly one wins, the other gets 409 naming
//! who has it), read it and note on it; staff answer, close, label,
//! transfer and release the chats assigned to them; only managers assign
//! chats to others.

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{json, Value};
use tenants::{TeamId, UserId};

use actors::{
    event_json, Assignment, ConversationRecord, ConversationRef, ConversationView, Dispatch, EventActor,
    Expect, NumberHandle,
};

use super::messages::require_owner;
use super::{locate, locate_claimable, MAX_LIMIT};
use crate::auth::TenantScope;
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// A colleague or a team.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    user_id: Option<UserId>,
    team_id: Option<TeamId>,
}

/// `"me"`, a target, or null.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AssignTo {
    /// The string "me".
    Me(String),
    /// A colleague or a team.
    Target(Target),
}

/// Body of `POST .../assign`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    to: Option<AssignTo>,
}

/// Body of `POST .../transfer`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    to: Target,
    #[serde(default)]
    note: Option<String>,
}

fn by(scope: &TenantScope) -> EventActor {
    EventActor::User(scope.principal.user_id)
}

fn reply(record: &ConversationRecord) -> Json<ConversationView> {
    Json(ConversationView::new(record, actors::clock::now_ms()))
}

fn require_manager(scope: &TenantScope) -> Result<(), ApiError> {
    if scope.principal.role.is_manager() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only managers assign chats to others"))
    }
}

/// An active colleague in the caller's tenant, or 422.
async fn colleague(state: &AppState, scope: &TenantScope, id: UserId) -> Result<(), ApiError> {
    match state.system.directory().user(scope.tenant_id, id).await {
        Ok(u) if u.active => Ok(()),
        _ => Err(ApiError::unprocessable("invalid_assignee", "no active colleague has that id")),
    }
}

/// A team of the caller's tenant, or 422.
async fn team_of(state: &AppState, scope: &TenantScope, id: TeamId) -> Result<(), ApiError> {
    let teams = state.system.directory().teams(scope.tenant_id).await?;
    if teams.iter().any(|t| t.id == id) {
        Ok(())
    } else {
        Err(ApiError::unprocessable("invalid_team", "no team has that id"))
    }
}

fn conversation_ref(number: &NumberHandle, record: &ConversationRecord) -> ConversationRef {
    ConversationRef { tenant_id: record.tenant_id, number_id: number.number_id, id: record.id }
}

/// A plain (non-team) assignment.
async fn assign_directly(
    state: &AppState,
    number: &NumberHandle,
    record: &ConversationRecord,
    a: Assignment,
) -> Result<ConversationRecord, ApiError> {
    let updated = number.assign(record.id, a).await?;
    state.system.commit().durable().await?;
    Ok(updated)
}

/// Routes through a team.
async fn dispatch(state: &AppState, team: TeamId, d: Dispatch) -> Result<ConversationRecord, ApiError> {
    let updated = state.system.team(team).dispatch(d).await?;
    state.system.commit().durable().await?;
    Ok(updated)
}

/// `POST /api/conversations/{id}/assign`
pub async fn assign(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Json(req): Json<AssignRequest>,
) -> Result<Json<ConversationView>, ApiError> {
    let claim = matches!(&req.to, Some(AssignTo::Me(_)));
    let (number, record) = if claim {
        locate_claimable(&state, &scope, &id).await?
    } else {
        locate(&state, &scope, &id).await?
    };
    let me = scope.principal.user_id;
    let name = &scope.principal.name;
    let updated = match req.to {
        Some(AssignTo::Me(s)) if s == "me" => {
            let a = Assignment {
                assignee: Some(me),
                team: record.team_id,
                by: by(&scope),
                reason: format!("{name} took it"),
                expect: Expect::ClaimableBy(me),
                note: None,
                transfer: false,
            };
            assign_directly(&state, &number, &record, a).await?
        }
        Some(AssignTo::Me(other)) => {
            return Err(ApiError::unprocessable("invalid_target", format!("{other:?} is not \"me\"")))
        }
        Some(AssignTo::Target(Target { user_id: Some(user), team_id: None })) => {
            require_manager(&scope)?;
            colleague(&state, &scope, user).await?;
            let a = Assignment {
                assignee: Some(user),
                team: record.team_id,
                by: by(&scope),
                reason: format!("assigned by {name}"),
                expect: Expect::Any,
                note: None,
                transfer: false,
            };
            assign_directly(&state, &number, &record, a).await?
        }
        Some(AssignTo::Target(Target { user_id: None, team_id: Some(team) })) => {
            require_manager(&scope)?;
            team_of(&state, &scope, team).await?;
            let d = Dispatch {
                conversation: conversation_ref(&number, &record),
                by: by(&scope),
                reason: format!("assigned to the team by {name}"),
                note: None,
                transfer: false,
                expect: Expect::Any,
                exclude: None,
            };
            dispatch(&state, team, d).await?
        }
        Some(AssignTo::Target(_)) => {
            return Err(ApiError::unprocessable("invalid_target", "give exactly one of user_id and team_id"))
        }
        None => unassign(&state, &scope, &number, &record).await?,
    };
    Ok(reply(&updated))
}

/// `{"to": null}`: a manager sends the chat to Not Assigned; staff release
/// their own chat back to its team (another member gets it) or to Not
/// Assigned.
async fn unassign(
    state: &AppState,
    scope: &TenantScope,
    number: &NumberHandle,
    record: &ConversationRecord,
) -> Result<ConversationRecord, ApiError> {
    let me = scope.principal.user_id;
    let name = &scope.principal.name;
    if scope.principal.role.is_manager() {
        let a = Assignment {
            assignee: None,
            team: None,
            by: by(scope),
            reason: format!("unassigned by {name}"),
            expect: Expect::Any,
            note: None,
            transfer: false,
        };
        return assign_directly(state, number, record, a).await;
    }
    require_owner(scope, record, "staff can only release their own chats")?;
    match record.team_id {
        Some(team) => {
            let d = Dispatch {
                conversation: conversation_ref(number, record),
                by: by(scope),
                reason: format!("released by {name}"),
                note: None,
                transfer: false,
                expect: Expect::Assignee(Some(me)),
                exclude: Some((me, "released it")),
            };
            dispatch(state, team, d).await
        }
        None => {
            let a = Assignment {
                assignee: None,
                team: None,
                by: by(scope),
                reason: format!("released by {name}"),
                expect: Expect::Assignee(Some(me)),
                note: None,
                transfer: false,
            };
            assign_directly(state, number, record, a).await
        }
    }
}

/// `POST /api/conversations/{id}/transfer`: to a colleague or a team, with
/// an optional note kept as an internal note; the receiver is notified.
pub async fn transfer(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Json(req): Json<TransferRequest>,
) -> Result<Json<ConversationView>, ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    require_owner(&scope, &record, "staff can only transfer their own chats")?;
    let expect =
        if scope.principal.role.is_manager() { Expect::Any } else { Expect::Assignee(record.assignee_id) };
    let name = &scope.principal.name;
    let note = req.note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 4096) {
        return Err(ApiError::unprocessable("invalid_note", "a note has at most 4096 characters"));
    }
    let updated = match (req.to.user_id, req.to.team_id) {
        (Some(user), None) => {
            colleague(&state, &scope, user).await?;
            let a = Assignment {
                assignee: Some(user),
                team: record.team_id,
                by: by(&scope),
                reason: format!("transferred by {name}"),
                expect,
                note,
                transfer: true,
            };
            assign_directly(&state, &number, &record, a).await?
        }
        (None, Some(team)) => {
            team_of(&state, &scope, team).await?;
            let d = Dispatch {
                conversation: conversation_ref(&number, &record),
                by: by(&scope),
                reason: format!("transferred to the team by {name}"),
                note,
                transfer: true,
                expect,
                exclude: None,
            };
            dispatch(&state, team, d).await?
        }
        _ => {
            return Err(ApiError::unprocessable("invalid_target", "give exactly one of user_id and team_id"))
        }
    };
    Ok(reply(&updated))
}

async fn set_open(
    state: AppState,
    scope: TenantScope,
    id: String,
    open: bool,
) -> Result<Json<ConversationView>, ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    require_owner(&scope, &record, "staff can only close or reopen their own chats")?;
    let updated = number.set_open(record.id, open, scope.principal.user_id).await?;
    state.system.commit().durable().await?;
    Ok(reply(&updated))
}

/// `POST /api/conversations/{id}/close`
pub async fn close(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<ConversationView>, ApiError> {
    set_open(state, scope, id, false).await
}

/// `POST /api/conversations/{id}/reopen`
pub async fn reopen(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<ConversationView>, ApiError> {
    set_open(state, scope, id, true).await
}

/// Body of `PUT .../labels`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelsRequest {
    labels: Vec<String>,
}

/// `PUT /api/conversations/{id}/labels`: only the tenant's labels.
pub async fn set_labels(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Json(req): Json<LabelsRequest>,
) -> Result<Json<ConversationView>, ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    require_owner(&scope, &record, "staff can only label their own chats")?;
    let known = state.system.directory().labels(scope.tenant_id).await?;
    let unknown: Vec<&String> = req.labels.iter().filter(|l| !known.iter().any(|k| k.name == **l)).collect();
    if !unknown.is_empty() {
        return Err(ApiError::unprocessable("unknown_label", format!("no such labels: {unknown:?}")));
    }
    let updated = number.set_labels(record.id, req.labels, scope.principal.user_id).await?;
    state.system.commit().durable().await?;
    Ok(reply(&updated))
}

/// Body of `PUT .../bot`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotRequest {
    enabled: bool,
    /// Back on: start the flow over instead of resuming where it was.
    #[serde(default)]
    restart: bool,
}

/// `PUT /api/conversations/{id}/bot`
pub async fn set_bot(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Json(req): Json<BotRequest>,
) -> Result<Json<ConversationView>, ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    require_owner(&scope, &record, "staff can only switch the bot on their own chats")?;
    let updated = number.set_bot(record.id, req.enabled, req.restart, scope.principal.user_id).await?;
    state.system.commit().durable().await?;
    Ok(reply(&updated))
}

/// `POST /api/conversations/{id}/read`: unread back to zero.
pub async fn mark_read(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<ConversationView>, ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    let updated = number.mark_read(record.id, scope.principal.user_id).await?;
    state.system.commit().durable().await?;
    Ok(reply(&updated))
}

/// Query of the audit trail.
#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    limit: Option<usize>,
    before: Option<u64>,
}

/// `GET /api/conversations/{id}/events`: the audit trail, oldest first.
pub async fn events(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Query(q): Query<EventsQuery>,
) -> Result<Json<Value>, ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    let events = number.events(record.id, limit, q.before).await?;
    Ok(Json(json!({ "items": events.iter().map(event_json).collect::<Vec<_>>() })))
}
