//! A tenant's own administration: users, teams, labels, canned replies,
//! settings, presence and numbers. Managers change things; every tenant
//! user may read what they need to work (colleagues, teams, labels).

pub mod canned;
pub mod labels;
pub mod numbers;
pub mod presence;
pub mod settings;
pub mod teams;
pub mod users;

use tenants::TenantId;

use crate::error::ApiError;
use crate::state::AppState;

/// After a change to teams, roles or settings: tells the Hub what each
/// connected user may now see, so live events follow at once.
pub(crate) async fn refresh_viewers(state: &AppState, tenant: TenantId) -> Result<(), ApiError> {
    let viewers = state.system.directory().viewers(tenant).await?;
    state.system.hub().update_viewers(tenant, viewers);
    Ok(())
}

/// After a change that can free capacity (a user's limit, the tenant
/// default): every team tries its queue again.
pub(crate) async fn nudge_teams(state: &AppState, tenant: TenantId) -> Result<(), ApiError> {
    for team in state.system.directory().teams(tenant).await? {
        // A team whose actor is gone has nothing queued to hand out.
        let _ = state.system.team(team.id).reconfigure(team);
    }
    Ok(())
}

/// `{"items": [...]}` of any serialisable list.
pub(crate) fn items<T: serde::Serialize>(items: Vec<T>) -> serde_json::Value {
    serde_json::json!({ "items": items })
}
