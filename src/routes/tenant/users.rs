//! Tenant users: managers create staff and managers; everyone in the tenant
//! can list their colleagues (to transfer a chat, say).

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{json, Value};
use tenants::NewUser;

use super::views::UserView;
use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// `POST /api/users`
pub async fn create(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(req): Json<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let errors = req.validate("");
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
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
    let items: Vec<UserView> = users.iter().map(UserView::from).collect();
    Ok(Json(json!({ "items": items })))
}
