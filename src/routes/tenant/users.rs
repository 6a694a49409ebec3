//! Tenant users. Managers create, change, deactivate and reset passwords;
//! everyone in the tenant can list their colleagues (to transfer a chat).
//! Deactivating (PATCH `active: false`, or DELETE) ends the user's
//! sessions and sockets at once and returns their open chats to their team
//! queue or to Not Assigned.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::Value;
use tenants::{hash_password, NewUser, PasswordReset, UserId, UserPatch};

use super::{items, nudge_teams, refresh_viewers};
use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::routes::views::UserView;
use crate::state::AppState;

/// Hashes a password off the async threads.
pub(crate) async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(format!("hash task: {e}")))?
        .map_err(|e| ApiError::from(actors::ActorError::from(e)))
}

/// `POST /api/users`
pub async fn create(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(req): Json<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    ApiError::check(req.validate(""))?;
    let now = actors::clock::now_ms();
    let tenant = scope.tenant_id;
    let user = tokio::task::spawn_blocking(move || req.into_record(tenant, now))
        .await
        .map_err(|e| ApiError::Internal(format!("hash task: {e}")))?
        .map_err(actors::ActorError::from)?;
    state.system.directory().create_user(user.clone()).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// `GET /api/users`
pub async fn list(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    let users = state.system.directory().list_users(scope.tenant_id).await?;
    Ok(Json(items(users.iter().map(UserView::from).collect())))
}

/// `GET /api/users/{id}`
pub async fn get(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = state.system.directory().user(scope.tenant_id, ApiError::parse_id(&id)?).await?;
    Ok(Json(UserView::from(&user)))
}

/// Applies a change and its consequences.
async fn apply(
    state: &AppState,
    scope: &crate::auth::TenantScope,
    id: UserId,
    patch: UserPatch,
) -> Result<UserView, ApiError> {
    ApiError::check(patch.validate())?;
    let deactivating = patch.active == Some(false);
    let user = state.system.directory().update_user(scope.tenant_id, id, patch).await?;
    if deactivating {
        state.system.hub().close_user(id);
        for number in state.system.numbers_of(scope.tenant_id) {
            number.sweep(actors::Sweep::Release(id))?;
        }
    }
    refresh_viewers(state, scope.tenant_id).await?;
    nudge_teams(state, scope.tenant_id).await?;
    state.system.commit().durable().await?;
    Ok(UserView::from(&user))
}

/// `PATCH /api/users/{id}`
pub async fn update(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
    Json(patch): Json<UserPatch>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(apply(&state, &scope, ApiError::parse_id(&id)?, patch).await?))
}

/// `DELETE /api/users/{id}`: deactivates (history keeps the user's name).
pub async fn deactivate(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let patch = UserPatch { active: Some(false), ..UserPatch::default() };
    Ok(Json(apply(&state, &scope, ApiError::parse_id(&id)?, patch).await?))
}

/// `POST /api/users/{id}/password`: a manager resets a colleague's
/// password; every session of that user ends.
pub async fn reset_password(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
    Json(req): Json<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    ApiError::check(req.validate())?;
    let user = state.system.directory().user(scope.tenant_id, ApiError::parse_id(&id)?).await?;
    let hashed = hash(req.password).await?;
    state.system.directory().set_password(user.id, hashed, None).await?;
    state.system.hub().close_user(user.id);
    state.system.commit().durable().await?;
    Ok(StatusCode::NO_CONTENT)
}
