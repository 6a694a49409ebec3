//! Authentication extractors. A handler states who may call it by the
//! extractor it takes, and `TenantScope` is the only way to get a tenant id,
//! so tenant scoping holds by construction:
//!
//! - [`Session`]: any signed-in user (bearer token);
//! - [`TenantScope`]: a manager or staff member, with their tenant;
//! - [`RequireManager`]: a manager, with their tenant;
//! - [`RequirePlatformAdmin`]: a platform admin.

use actors::Principal;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tenants::{Role, TenantId, TokenHash};

use crate::error::ApiError;
use crate::state::AppState;

/// A valid session.
#[derive(Debug, Clone)]
pub struct Session(pub Principal);

/// A tenant user and their tenant.
#[derive(Debug, Clone)]
pub struct TenantScope {
    /// Who is calling.
    pub principal: Principal,
    /// Their tenant: every lookup goes through it.
    pub tenant_id: TenantId,
}

/// A manager of a tenant.
#[derive(Debug, Clone)]
pub struct RequireManager(pub TenantScope);

/// A platform admin.
#[derive(Debug, Clone)]
pub struct RequirePlatformAdmin(pub Principal);

/// The bearer token of a request, if any.
fn bearer(parts: &Parts) -> Option<&str> {
    parts.headers.get(AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Resolves a raw token to its principal.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    state.system.directory().authenticate(TokenHash::of(token)).await.map_err(ApiError::from)
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::Unauthenticated)?;
        authenticate(state, token).await.map(Session)
    }
}

impl FromRequestParts<AppState> for TenantScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Session(principal) = Session::from_request_parts(parts, state).await?;
        let tenant_id = principal.tenant_id.ok_or(ApiError::Forbidden("this needs a tenant user"))?;
        Ok(TenantScope { principal, tenant_id })
    }
}

impl FromRequestParts<AppState> for RequireManager {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let scope = TenantScope::from_request_parts(parts, state).await?;
        if scope.principal.role != Role::Manager {
            return Err(ApiError::Forbidden("managers only"));
        }
        Ok(RequireManager(scope))
    }
}

impl FromRequestParts<AppState> for RequirePlatformAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Session(principal) = Session::from_request_parts(parts, state).await?;
        if principal.role != Role::PlatformAdmin {
            return Err(ApiError::Forbidden("platform admins only"));
        }
        Ok(RequirePlatformAdmin(principal))
    }
}
