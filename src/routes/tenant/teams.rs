//! Teams (e.g. Sales, Support): a Directory record for what they are and a
//! TeamActor for how they hand out chats. Managers create, change and
//! delete them; any tenant user lists them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use tenants::{NewTeam, Routing, Team, TeamId};

use super::{items, refresh_viewers};
use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// A team as the API shows it.
#[derive(Debug, Serialize)]
pub struct TeamView {
    id: String,
    name: String,
    member_ids: Vec<String>,
    routing: Routing,
    reassign_after_minutes: Option<u32>,
    queue_length: usize,
    created_at: String,
}

async fn view(state: &AppState, t: &Team) -> TeamView {
    TeamView {
        id: t.id.to_string(),
        name: t.name.clone(),
        member_ids: t.member_ids.iter().map(|u| u.to_string()).collect(),
        routing: t.routing,
        reassign_after_minutes: t.reassign_after_minutes,
        queue_length: state.system.team(t.id).queue_length().await.unwrap_or(0),
        created_at: actors::clock::rfc3339(t.created_at_ms),
    }
}

/// `POST /api/teams`
pub async fn create(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(req): Json<NewTeam>,
) -> Result<(StatusCode, Json<TeamView>), ApiError> {
    ApiError::check(req.validate())?;
    let team = req.into_record(scope.tenant_id, actors::clock::now_ms());
    let team = state.system.directory().put_team(team).await?;
    state.system.start_team(team.clone()).await?;
    refresh_viewers(&state, scope.tenant_id).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::CREATED, Json(view(&state, &team).await)))
}

/// `GET /api/teams`
pub async fn list(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    let teams = state.system.directory().teams(scope.tenant_id).await?;
    let mut views = Vec::with_capacity(teams.len());
    for t in &teams {
        views.push(view(&state, t).await);
    }
    Ok(Json(items(views)))
}

async fn find(state: &AppState, tenant: tenants::TenantId, id: &str) -> Result<Team, ApiError> {
    let id: TeamId = ApiError::parse_id(id)?;
    let teams = state.system.directory().teams(tenant).await?;
    teams.into_iter().find(|t| t.id == id).ok_or(ApiError::NotFound)
}

/// `GET /api/teams/{id}`
pub async fn get(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<TeamView>, ApiError> {
    let team = find(&state, scope.tenant_id, &id).await?;
    Ok(Json(view(&state, &team).await))
}

/// `PUT /api/teams/{id}`: replaces name, members and routing.
pub async fn replace(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
    Json(req): Json<NewTeam>,
) -> Result<Json<TeamView>, ApiError> {
    let old = find(&state, scope.tenant_id, &id).await?;
    ApiError::check(req.validate())?;
    let mut team = req.into_record(scope.tenant_id, old.created_at_ms);
    team.id = old.id;
    let team = state.system.directory().put_team(team).await?;
    state.system.team(team.id).reconfigure(team.clone())?;
    refresh_viewers(&state, scope.tenant_id).await?;
    state.system.commit().durable().await?;
    Ok(Json(view(&state, &team).await))
}

/// `DELETE /api/teams/{id}`: its chats keep their assignee and leave the
/// team (queued ones go to Not Assigned).
pub async fn delete(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let team = find(&state, scope.tenant_id, &id).await?;
    state.system.directory().delete_team(scope.tenant_id, team.id).await?;
    state.system.stop_team(team.id).await?;
    for number in state.system.numbers_of(scope.tenant_id) {
        number.sweep(actors::Sweep::ClearTeam(team.id))?;
    }
    refresh_viewers(&state, scope.tenant_id).await?;
    state.system.commit().durable().await?;
    Ok(StatusCode::NO_CONTENT)
}
