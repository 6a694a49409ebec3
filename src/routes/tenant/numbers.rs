//! The tenant's business numbers (without secrets), for number pickers
//! and the templates and catalog views that hang off a number.

use axum::extract::State;
use serde_json::Value;

use super::items;
use crate::auth::TenantScope;
use crate::error::{ApiError, Json};
use crate::routes::views::NumberView;
use crate::state::AppState;

/// `GET /api/numbers`
pub async fn list(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    let tenants = state.system.directory().list_tenants().await?;
    let numbers =
        tenants.into_iter().find(|(t, _)| t.id == scope.tenant_id).map(|(_, n)| n).unwrap_or_default();
    Ok(Json(items(numbers.iter().map(NumberView::from).collect())))
}
