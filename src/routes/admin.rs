//! The platform admin console's API: onboard tenants, list them, add
//! numbers. Secrets go in and never come out.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use tenants::{FieldError, NewNumber, NewTenant, TenantId};

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
    let items: Vec<TenantView> = tenants.iter().map(|(t, n)| TenantView::new(t, n, None)).collect();
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
