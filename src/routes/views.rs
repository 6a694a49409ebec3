//! JSON shapes of directory records (users, tenants, numbers). Secrets are
//! never part of any view.

use actors::clock::rfc3339;
use actors::{ActorSystem, NumberHealth};
use serde::Serialize;
use tenants::{Number, Tenant, User};

/// A user.
#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub tenant_id: Option<String>,
    pub active: bool,
    pub max_open_chats: Option<u32>,
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email.as_str().to_string(),
            name: u.name.clone(),
            role: u.role.to_string(),
            tenant_id: u.tenant_id.map(|t| t.to_string()),
            active: u.active,
            max_open_chats: u.max_open_chats,
            created_at: rfc3339(u.created_at_ms),
        }
    }
}

/// A business number, without its secrets.
#[derive(Debug, Serialize)]
pub struct NumberView {
    pub id: String,
    pub tenant_id: String,
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub waba_id: String,
    pub has_own_app_secret: bool,
    pub needs_attention: Option<String>,
    /// Sends per second allowed (`null`: the deployment's default).
    pub messages_per_sec: Option<u32>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<NumberHealth>,
}

impl NumberView {
    /// The view with the running actor's health.
    pub async fn with_health(n: &Number, system: &ActorSystem) -> Self {
        let health = match system.number(n.id) {
            Some(handle) => handle.health().await.ok(),
            None => None,
        };
        Self { health, ..Self::from(n) }
    }
}

impl From<&Number> for NumberView {
    fn from(n: &Number) -> Self {
        Self {
            id: n.id.to_string(),
            tenant_id: n.tenant_id.to_string(),
            phone_number_id: n.phone_number_id.clone(),
            display_phone_number: n.display_phone_number.clone(),
            waba_id: n.waba_id.clone(),
            has_own_app_secret: n.app_secret.is_some(),
            needs_attention: n.needs_attention.clone(),
            messages_per_sec: n.messages_per_sec,
            created_at: rfc3339(n.created_at_ms),
            health: None,
        }
    }
}

/// A tenant with its numbers (and, on creation, its manager).
#[derive(Debug, Serialize)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    pub suspended: bool,
    pub created_at: String,
    pub numbers: Vec<NumberView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<UserView>,
}

impl TenantView {
    pub fn new(t: &Tenant, numbers: &[Number], manager: Option<&User>) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.clone(),
            suspended: t.suspended,
            created_at: rfc3339(t.created_at_ms),
            numbers: numbers.iter().map(NumberView::from).collect(),
            manager: manager.map(UserView::from),
        }
    }

    /// The view with each number's health (for the admin console).
    pub async fn with_health(t: &Tenant, numbers: &[Number], system: &ActorSystem) -> Self {
        let mut view = Self::new(t, numbers, None);
        view.numbers.clear();
        for n in numbers {
            view.numbers.push(NumberView::with_health(n, system).await);
        }
        view
    }
}
