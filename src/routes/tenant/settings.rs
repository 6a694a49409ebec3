//! The tenant's inbox settings: whether staff see the Not Assigned queue,
//! the default capacity of an agent, and business hours (which chatbot
//! flows can branch on).

use axum::extract::State;
use serde_json::{json, Value};
use tenants::{SettingsPatch, TenantSettings};

use super::{nudge_teams, refresh_viewers};
use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// The settings as the API shows them.
fn view(s: &TenantSettings) -> Value {
    json!({
        "staff_see_unassigned": s.staff_see_unassigned,
        "default_max_open_chats": s.default_max_open_chats,
        "business_hours": s.business_hours_json.as_deref().and_then(|j| serde_json::from_str::<Value>(j).ok()),
    })
}

/// `GET /api/settings`
pub async fn get(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    Ok(Json(view(&state.system.directory().settings(scope.tenant_id).await?)))
}

/// `PATCH /api/settings`
pub async fn update(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(patch): Json<SettingsPatch>,
) -> Result<Json<Value>, ApiError> {
    ApiError::check(patch.validate())?;
    let settings = state.system.directory().update_settings(scope.tenant_id, patch).await?;
    refresh_viewers(&state, scope.tenant_id).await?;
    nudge_teams(&state, scope.tenant_id).await?;
    state.system.commit().durable().await?;
    Ok(Json(view(&settings)))
}

/// `PUT /api/settings/business-hours`: `{"time_zone", "weekly", "holidays"}`
/// (the chatbot's shape) or `null` for always open.
pub async fn set_business_hours(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let json = match body {
        Value::Null => None,
        body => {
            let hours: chatbot::BusinessHours = serde_json::from_value(body.clone())
                .map_err(|e| ApiError::unprocessable("invalid_business_hours", e.to_string()))?;
            let problems = hours.validate();
            if !problems.is_empty() {
                let errors = problems.iter().map(|p| tenants::FieldError::new(&p.path, &p.message)).collect();
                return Err(ApiError::Invalid(errors));
            }
            Some(body.to_string())
        }
    };
    let settings = state.system.directory().set_business_hours(scope.tenant_id, json).await?;
    for number in state.system.numbers_of(scope.tenant_id) {
        number.reload_flows();
    }
    state.system.commit().durable().await?;
    Ok(Json(view(&settings)))
}
