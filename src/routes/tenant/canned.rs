//! Canned replies: per-tenant saved answers, inserted by `/shortcut` in the
//! composer. Managers maintain them; everyone uses them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use tenants::{CannedReply, CannedReplyId, NewCannedReply};

use super::items;
use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// A canned reply as the API shows it.
#[derive(Debug, Serialize)]
pub struct CannedView {
    id: String,
    shortcut: String,
    text: String,
}

impl From<&CannedReply> for CannedView {
    fn from(c: &CannedReply) -> Self {
        Self { id: c.id.to_string(), shortcut: c.shortcut.clone(), text: c.text.clone() }
    }
}

/// `POST /api/canned-replies`
pub async fn create(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(req): Json<NewCannedReply>,
) -> Result<(StatusCode, Json<CannedView>), ApiError> {
    ApiError::check(req.validate())?;
    let reply = req.into_record(None, scope.tenant_id, actors::clock::now_ms());
    let reply = state.system.directory().put_canned(reply).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::CREATED, Json(CannedView::from(&reply))))
}

/// `GET /api/canned-replies`
pub async fn list(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    let replies = state.system.directory().canned(scope.tenant_id).await?;
    Ok(Json(items(replies.iter().map(CannedView::from).collect())))
}

/// `PUT /api/canned-replies/{id}`
pub async fn replace(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
    Json(req): Json<NewCannedReply>,
) -> Result<Json<CannedView>, ApiError> {
    let id: CannedReplyId = ApiError::parse_id(&id)?;
    let existing = state.system.directory().canned(scope.tenant_id).await?;
    let old = existing.iter().find(|c| c.id == id).ok_or(ApiError::NotFound)?;
    ApiError::check(req.validate())?;
    let reply = req.into_record(Some(id), scope.tenant_id, old.created_at_ms);
    let reply = state.system.directory().put_canned(reply).await?;
    state.system.commit().durable().await?;
    Ok(Json(CannedView::from(&reply)))
}

/// `DELETE /api/canned-replies/{id}`
pub async fn delete(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.system.directory().delete_canned(scope.tenant_id, ApiError::parse_id(&id)?).await?;
    state.system.commit().durable().await?;
    Ok(StatusCode::NO_CONTENT)
}
