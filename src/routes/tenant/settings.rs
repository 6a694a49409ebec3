//! The tenant's inbox settings: whether staff see the Not Assigned queue,
//! and the default capacity of an agent.

use axum::extract::State;
use tenants::{SettingsPatch, TenantSettings};

use super::{nudge_teams, refresh_viewers};
use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// `GET /api/settings`
pub async fn get(
    State(state): State<AppState>,
    scope: TenantScope,
) -> Result<Json<TenantSettings>, ApiError> {
    Ok(Json(state.system.directory().settings(scope.tenant_id).await?))
}

/// `PATCH /api/settings`
pub async fn update(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(patch): Json<SettingsPatch>,
) -> Result<Json<TenantSettings>, ApiError> {
    ApiError::check(patch.validate())?;
    let settings = state.system.directory().update_settings(scope.tenant_id, patch).await?;
    refresh_viewers(&state, scope.tenant_id).await?;
    nudge_teams(&state, scope.tenant_id).await?;
    state.system.commit().durable().await?;
    Ok(Json(settings))
}
