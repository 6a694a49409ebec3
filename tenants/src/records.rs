//! The records the store keeps, one struct per kind.
//!
//! They are stored with bincode 2, which is not self-describing, so they
//! stay plain: no `skip_serializing_if`, no tagged or untagged enums, no
//! `flatten`, no `serde_json::Value` (TRAPS.md). Adding a field changes the
//! encoding: the store puts a version byte in front of each value.
//! Secrets are [`Secret`]s, so `Debug` of a record never prints them.

use crate::{CannedReplyId, Email, FlowId, LabelId, NumberId, Role, Secret, TeamId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A business using Switchboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its display name.
    pub name: String,
    /// When it was created, unix milliseconds.
    pub created_at_ms: i64,
    /// A suspended tenant's users cannot sign in and its webhooks are
    /// acknowledged but not processed.
    pub suspended: bool,
    /// The tenant's inbox settings.
    pub settings: TenantSettings,
}

/// A tenant's inbox settings (managers change them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    /// Staff may also see and pick up unassigned chats (off by default).
    pub staff_see_unassigned: bool,
    /// Open chats an agent may hold before routing skips them; `None` is
    /// unlimited. A user's own `max_open_chats` overrides it.
    pub default_max_open_chats: Option<u32>,
    /// Business hours (the chatbot's JSON shape), for flows that branch on
    /// them; `None` = always open.
    pub business_hours_json: Option<String>,
}

/// A chatbot flow: the draft the builder edits, and which version is live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowRecord {
    /// Its id.
    pub id: FlowId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The draft flow document (JSON), as last saved.
    pub draft_json: String,
    /// The live version (`0`: never published). Each publish snapshots
    /// the draft as the next version.
    pub published_version: u32,
    /// When it was created, unix milliseconds.
    pub created_at_ms: i64,
    /// When the draft was last saved.
    pub updated_at_ms: i64,
}

/// How a team hands out chats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    /// The next available member after the last one picked.
    #[default]
    RoundRobin,
    /// The available member with the fewest open chats; ties go to the one
    /// assigned least recently.
    Balanced,
}

/// A saved answer agents insert by its shortcut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    /// Its id.
    pub id: CannedReplyId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Typed after `/` in the composer, e.g. `hours`.
    pub shortcut: String,
    /// The text inserted.
    pub text: String,
    /// When it was created, unix milliseconds.
    pub created_at_ms: i64,
}

/// A WhatsApp Business number of a tenant, with what is needed to talk to
/// Meta about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Number {
    /// Its id.
    pub id: NumberId,
    /// The tenant that owns it.
    pub tenant_id: TenantId,
    /// Meta's id for the number (routes incoming webhooks); unique across
    /// all tenants.
    pub phone_number_id: String,
    /// The number as people dial it, e.g. `+1 555 010 0001`.
    pub display_phone_number: String,
    /// The WhatsApp Business Account it belongs to.
    pub waba_id: String,
    /// The Graph API token used to send.
    pub access_token: Secret,
    /// The Meta app secret that signs this number's webhooks; `None` when the
    /// deployment's own app secret (config) signs for every tenant.
    pub app_secret: Option<Secret>,
    /// What Meta must echo when subscribing the webhook.
    pub verify_token: Secret,
    /// When it was added, unix milliseconds.
    pub created_at_ms: i64,
    /// Why it needs a person (e.g. Meta refused its access token); `None`
    /// when healthy.
    pub needs_attention: Option<String>,
    /// Most messages sent per second through this number (its Meta
    /// throughput tier); `None`: the deployment's `outbox_rate_per_sec`.
    pub messages_per_sec: Option<u32>,
}

/// A [`Number`] as builds before `messages_per_sec` stored it; read and
/// upgraded when the directory loads (bincode has no optional fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberV1 {
    id: NumberId,
    tenant_id: TenantId,
    phone_number_id: String,
    display_phone_number: String,
    waba_id: String,
    access_token: Secret,
    app_secret: Option<Secret>,
    verify_token: Secret,
    created_at_ms: i64,
    needs_attention: Option<String>,
}

impl From<NumberV1> for Number {
    fn from(n: NumberV1) -> Self {
        Number {
            id: n.id,
            tenant_id: n.tenant_id,
            phone_number_id: n.phone_number_id,
            display_phone_number: n.display_phone_number,
            waba_id: n.waba_id,
            access_token: n.access_token,
            app_secret: n.app_secret,
            verify_token: n.verify_token,
            created_at_ms: n.created_at_ms,
            needs_attention: n.needs_attention,
            messages_per_sec: None,
        }
    }
}

/// Someone who signs in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// Their tenant; `None` only for platform admins.
    pub tenant_id: Option<TenantId>,
    /// Their sign-in address, unique across the deployment.
    pub email: Email,
    /// Their display name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Argon2id PHC string (see `credentials`).
    pub password_hash: String,
    /// A deactivated user cannot sign in and gets no conversations.
    pub active: bool,
    /// When they were created, unix milliseconds.
    pub created_at_ms: i64,
    /// Per-agent capacity override; `None` uses the tenant default.
    pub max_open_chats: Option<u32>,
}

/// Written by hand so the password hash stays out of logs.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password_hash", &format_args!("[redacted]"))
            .field("active", &self.active)
            .field("created_at_ms", &self.created_at_ms)
            .field("max_open_chats", &self.max_open_chats)
            .finish()
    }
}

/// A group of users conversations can be routed to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Its id.
    pub id: TeamId,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// Its display name.
    pub name: String,
    /// Its members, without duplicates, in the order they were given.
    pub member_ids: Vec<UserId>,
    /// When it was created, unix milliseconds.
    pub created_at_ms: i64,
    /// Round robin or balanced.
    pub routing: Routing,
    /// Hand the chat to the next member if the assignee has not replied
    /// within this many minutes; `None` = never.
    pub reassign_after_minutes: Option<u32>,
}

/// A tag a tenant puts on conversations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// Its id.
    pub id: LabelId,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// Its display name.
    pub name: String,
    /// Its colour, `#rrggbb` lowercase.
    pub color: String,
    /// When it was created, unix milliseconds.
    pub created_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;

    fn round_trips<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(value: T) {
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&value, config).unwrap();
        let (back, used): (T, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(back, value);
        assert_eq!(used, bytes.len());
    }

    fn number(app_secret: Option<Secret>) -> Number {
        Number {
            id: NumberId::new(),
            tenant_id: TenantId::new(),
            phone_number_id: "106540352242922".into(),
            display_phone_number: "+1 555 010 0001".into(),
            waba_id: "102290129340398".into(),
            access_token: Secret::from("EAAG-token"),
            app_secret,
            verify_token: Secret::from("verify-me"),
            created_at_ms: 1_700_000_000_000,
            needs_attention: Some("token expired".into()),
            messages_per_sec: Some(250),
        }
    }

    fn user(tenant_id: Option<TenantId>, role: Role) -> User {
        User {
            id: UserId::new(),
            tenant_id,
            email: Email::parse("boss@acme.test").unwrap(),
            name: "Boss".into(),
            role,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            active: true,
            created_at_ms: -1,
            max_open_chats: Some(3),
        }
    }

    #[test]
    fn every_record_round_trips_through_bincode() {
        round_trips(Tenant {
            id: TenantId::new(),
            name: "Acme".into(),
            created_at_ms: 1_700_000_000_000,
            suspended: true,
            settings: TenantSettings {
                staff_see_unassigned: true,
                default_max_open_chats: Some(5),
                business_hours_json: None,
            },
        });
        round_trips(number(Some(Secret::from("app-secret"))));
        round_trips(number(None));
        round_trips(user(Some(TenantId::new()), Role::Staff));
        round_trips(user(None, Role::PlatformAdmin));
        round_trips(Team {
            id: TeamId::new(),
            tenant_id: TenantId::new(),
            name: "Sales".into(),
            member_ids: vec![UserId::new(), UserId::new()],
            created_at_ms: 0,
            routing: Routing::Balanced,
            reassign_after_minutes: Some(15),
        });
        round_trips(Team {
            id: TeamId::new(),
            tenant_id: TenantId::new(),
            name: "Empty".into(),
            member_ids: vec![],
            created_at_ms: 0,
            routing: Routing::RoundRobin,
            reassign_after_minutes: None,
        });
        round_trips(CannedReply {
            id: CannedReplyId::new(),
            tenant_id: TenantId::new(),
            shortcut: "hours".into(),
            text: "We open at 9.".into(),
            created_at_ms: 1,
        });
        round_trips(Label {
            id: LabelId::new(),
            tenant_id: TenantId::new(),
            name: "VIP".into(),
            color: "#ff8800".into(),
            created_at_ms: i64::MAX,
        });
    }

    #[test]
    fn debug_never_shows_secrets_or_hashes() {
        let printed = format!("{:?}", number(Some(Secret::from("app-secret"))));
        assert!(!printed.contains("EAAG") && !printed.contains("app-secret"));
        assert!(!printed.contains("verify-me"));
        let printed = format!("{:?}", user(None, Role::Manager));
        assert!(!printed.contains("argon2") && printed.contains("boss@acme.test"));
    }
}
