//! Labels (Hot Lead, Call Back Request...): tenant-wide, with colours.
//! Conversations carry label names, so renaming or deleting a label sweeps
//! every conversation that has it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use tenants::{Label, LabelId, NewLabel};

use super::items;
use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// A label as the API shows it.
#[derive(Debug, Serialize)]
pub struct LabelView {
    id: String,
    name: String,
    color: String,
}

impl From<&Label> for LabelView {
    fn from(l: &Label) -> Self {
        Self { id: l.id.to_string(), name: l.name.clone(), color: l.color.clone() }
    }
}

/// `POST /api/labels`
pub async fn create(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(req): Json<NewLabel>,
) -> Result<(StatusCode, Json<LabelView>), ApiError> {
    ApiError::check(req.validate())?;
    let label =
        state.system.directory().put_label(req.into_record(scope.tenant_id, actors::clock::now_ms())).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::CREATED, Json(LabelView::from(&label))))
}

/// `GET /api/labels`
pub async fn list(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    let labels = state.system.directory().labels(scope.tenant_id).await?;
    Ok(Json(items(labels.iter().map(LabelView::from).collect())))
}

async fn find(state: &AppState, tenant: tenants::TenantId, id: &str) -> Result<Label, ApiError> {
    let id: LabelId = ApiError::parse_id(id)?;
    let labels = state.system.directory().labels(tenant).await?;
    labels.into_iter().find(|l| l.id == id).ok_or(ApiError::NotFound)
}

/// `PUT /api/labels/{id}`: rename and/or recolour.
pub async fn replace(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
    Json(req): Json<NewLabel>,
) -> Result<Json<LabelView>, ApiError> {
    let old = find(&state, scope.tenant_id, &id).await?;
    ApiError::check(req.validate())?;
    let mut label = req.into_record(scope.tenant_id, old.created_at_ms);
    label.id = old.id;
    let label = state.system.directory().put_label(label).await?;
    if label.name != old.name {
        for number in state.system.numbers_of(scope.tenant_id) {
            number.sweep(actors::Sweep::RenameLabel(old.name.clone(), label.name.clone()))?;
        }
    }
    state.system.commit().durable().await?;
    Ok(Json(LabelView::from(&label)))
}

/// `DELETE /api/labels/{id}`: also removed from every conversation.
pub async fn delete(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let label = find(&state, scope.tenant_id, &id).await?;
    state.system.directory().delete_label(scope.tenant_id, label.id).await?;
    for number in state.system.numbers_of(scope.tenant_id) {
        number.sweep(actors::Sweep::RemoveLabel(label.name.clone()))?;
    }
    state.system.commit().durable().await?;
    Ok(StatusCode::NO_CONTENT)
}
