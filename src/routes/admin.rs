//! The platform admin console's API: onboard tenants, list them with each
//! number's health, add numbers, rotate a number's credentials, suspend and
//! resume a tenant. Secrets go in and never come out.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use tenants::{FieldError, NewNumber, NewTenant, NumberId, NumberPatch, TenantId};

use super::views::{NumberView, TenantView};
use crate::auth::RequirePlatformAdmin;
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// A number without its own app secret needs the deployment's.
fn check_app_secret(state: &AppState, number: &NewNumber, path: &str) -> Vec<FieldError> {
    if number.app_secret.is_none() && state.settings.deployment_app_secret().is_none() {
        return vec![FieldError {
            path: format!("{path}.app_secret"),
            message: "required: this deployment has no whatsapp.app_secret to verify webhooks with".into(),
        }];
    }
    Vec::new()
}

/// `POST /api/admin/tenants`
pub async fn create_tenant(
    State(state): State<AppState>,
    _admin: RequirePlatformAdmin,
    Json(req): Json<NewTenant>,
) -> Result<(StatusCode, Json<TenantView>), ApiError> {
    let mut errors = req.validate();
    errors.extend(check_app_secret(&state, &req.number, "number"));
    ApiError::check(errors)?;
    let now = actors::clock::now_ms();
    let (tenant, number, manager) = tokio::task::spawn_blocking(move || req.into_records(now))
        .await
        .map_err(|e| ApiError::Internal(format!("hash task: {e}")))?
        .map_err(actors::ActorError::from)?;
    state.system.directory().create_tenant(tenant.clone(), number.clone(), manager.clone()).await?;
    state.system.start_number(number.clone()).await?;
    state.system.commit().durable().await?;
    tracing::info!(tenant.id = %tenant.id, "tenant onboarded");
    Ok((StatusCode::CREATED, Json(TenantView::new(&tenant, &[number], Some(&manager)))))
}

/// `GET /api/admin/tenants`
pub async fn list_tenants(
    State(state): State<AppState>,
    _admin: RequirePlatformAdmin,
) -> Result<Json<serde_json::Value>, ApiError> {
    let tenants = state.system.directory().list_tenants().await?;
    let mut items = Vec::with_capacity(tenants.len());
    for (t, n) in &tenants {
        items.push(TenantView::with_health(t, n, &state.system).await);
    }
    Ok(Json(serde_json::json!({ "items": items })))
}

/// `POST /api/admin/tenants/{id}/numbers`
pub async fn add_number(
    State(state): State<AppState>,
    _admin: RequirePlatformAdmin,
    Path(tenant): Path<String>,
    Json(req): Json<NewNumber>,
) -> Result<(StatusCode, Json<NumberView>), ApiError> {
    let tenant_id: TenantId = ApiError::parse_id(&tenant)?;
    let mut errors = req.validate("");
    errors.extend(check_app_secret(&state, &req, "number"));
    ApiError::check(errors)?;
    let number = req.into_record(tenant_id, actors::clock::now_ms());
    state.system.directory().add_number(number.clone()).await?;
    state.system.start_number(number.clone()).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::CREATED, Json(NumberView::from(&number))))
}

/// `PATCH /api/admin/numbers/{id}`: new credentials (e.g. a refreshed
/// access token, which clears `needs_attention`); the number's actor
/// restarts with them.
pub async fn update_number(
    State(state): State<AppState>,
    _admin: RequirePlatformAdmin,
    Path(id): Path<String>,
    Json(patch): Json<NumberPatch>,
) -> Result<Json<NumberView>, ApiError> {
    let id: NumberId = ApiError::parse_id(&id)?;
    ApiError::check(patch.validate())?;
    if patch.app_secret == Some(None) && state.settings.deployment_app_secret().is_none() {
        return Err(ApiError::unprocessable(
            "app_secret_required",
            "this deployment has no whatsapp.app_secret",
        ));
    }
    let number = state.system.directory().update_number(id, patch).await?;
    state.system.restart_number(number.clone()).await?;
    state.system.commit().durable().await?;
    Ok(Json(NumberView::with_health(&number, &state.system).await))
}

async fn set_suspended(state: &AppState, id: &str, suspended: bool) -> Result<Json<TenantView>, ApiError> {
    let tenant = state.system.directory().set_suspended(ApiError::parse_id(id)?, suspended).await?;
    state.system.set_suspended(tenant.id, suspended).await?;
    state.system.commit().durable().await?;
    let numbers = state.system.directory().list_tenants().await?;
    let numbers = numbers.into_iter().find(|(t, _)| t.id == tenant.id).map(|(_, n)| n).unwrap_or_default();
    tracing::info!(tenant.id = %tenant.id, suspended, "tenant suspension changed");
    Ok(Json(TenantView::with_health(&tenant, &numbers, &state.system).await))
}

/// `POST /api/admin/tenants/{id}/suspend`: its users are signed out and
/// cannot sign in; Meta's webhooks for it are acknowledged and dropped.
pub async fn suspend(
    State(state): State<AppState>,
    _admin: RequirePlatformAdmin,
    Path(id): Path<String>,
) -> Result<Json<TenantView>, ApiError> {
    set_suspended(&state, &id, true).await
}

/// `POST /api/admin/tenants/{id}/resume`
pub async fn resume(
    State(state): State<AppState>,
    _admin: RequirePlatformAdmin,
    Path(id): Path<String>,
) -> Result<Json<TenantView>, ApiError> {
    set_suspended(&state, &id, false).await
}
