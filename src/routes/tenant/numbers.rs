//! The tenant's business numbers (without secrets, with their health:
//! last webhook, needs_attention, outbox backlog), for number pickers and
//! the templates and catalog views that hang off a number.

use axum::extract::State;
use serde_json::Value;

use super::items;
use crate::auth::TenantScope;
use crate::error::{ApiError, Json};
use crate::routes::views::NumberView;
use crate::state::AppState;

/// The caller's tenant's number `id` (another tenant's is a 404).
pub(crate) fn number_of(
    state: &AppState,
    tenant: tenants::TenantId,
    id: &str,
) -> Result<actors::NumberHandle, ApiError> {
    let id: tenants::NumberId = ApiError::parse_id(id)?;
    state.system.numbers_of(tenant).into_iter().find(|n| n.number_id == id).ok_or(ApiError::NotFound)
}

/// `GET /api/numbers`
pub async fn list(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    let tenants = state.system.directory().list_tenants().await?;
    let numbers =
        tenants.into_iter().find(|(t, _)| t.id == scope.tenant_id).map(|(_, n)| n).unwrap_or_default();
    let mut views = Vec::with_capacity(numbers.len());
    for n in &numbers {
        views.push(NumberView::with_health(n, &state.system).await);
    }
    Ok(Json(items(views)))
}

/// `GET /api/numbers/{number_id}/templates`: the number's approved templates
/// as Meta describes them (name, language, status, category, components), cached.
pub async fn templates(
    State(state): State<AppState>,
    scope: TenantScope,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<Value>, ApiError> {
    let number = number_of(&state, scope.tenant_id, &id)?;
    let list = number.templates().await?;
    // API.md: the number's *approved* templates (the others cannot be sent).
    let views: Vec<Value> = list
        .iter()
        .filter(|t| t.is_approved())
        .map(|t| {
            serde_json::json!({
                "name": t.name, "language": t.language, "status": t.status, "category": t.category,
                "components": serde_json::from_str::<Value>(&t.components_json).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(Json(items(views)))
}
