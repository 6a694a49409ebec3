//! Agent availability: everyone's status and open-chat load (the manager's
//! live monitor starts here and follows `presence` events), and setting
//! one's own status by hand.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use actors::Presence;

use super::items;
use crate::auth::TenantScope;
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// One agent in the monitor.
#[derive(Debug, Serialize)]
pub struct AgentView {
    user_id: String,
    name: String,
    role: String,
    status: Presence,
    open_chats: u32,
}

/// `GET /api/presence`
pub async fn list(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    let users: Vec<_> = state
        .system
        .directory()
        .list_users(scope.tenant_id)
        .await?
        .into_iter()
        .filter(|u| u.active)
        .collect();
    let ids: Vec<_> = users.iter().map(|u| u.id).collect();
    let statuses = state.system.hub().presence(scope.tenant_id, ids.clone()).await?;
    let mut loads = vec![0u32; ids.len()];
    for number in state.system.numbers_of(scope.tenant_id) {
        for (total, l) in loads.iter_mut().zip(number.loads(ids.clone()).await?) {
            *total += l;
        }
    }
    let agents: Vec<AgentView> = users
        .iter()
        .zip(statuses)
        .zip(loads)
        .map(|((u, status), open_chats)| AgentView {
            user_id: u.id.to_string(),
            name: u.name.clone(),
            role: u.role.to_string(),
            status,
            open_chats,
        })
        .collect();
    Ok(Json(items(agents)))
}

/// Body of `PUT /api/presence`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPresence {
    /// `online` (automatic), `away` or `offline`.
    status: String,
}

/// `PUT /api/presence`: sets one's own status.
pub async fn set(
    State(state): State<AppState>,
    scope: TenantScope,
    Json(req): Json<SetPresence>,
) -> Result<Json<Value>, ApiError> {
    let manual = match req.status.as_str() {
        "online" => None,
        "away" => Some(Presence::Away),
        "offline" => Some(Presence::Offline),
        _ => return Err(ApiError::unprocessable("invalid_status", "status is online, away or offline")),
    };
    let now = state.system.hub().set_presence(scope.tenant_id, scope.principal.user_id, manual).await?;
    Ok(Json(serde_json::json!({ "status": now })))
}
