//! Bodies that change existing things: a user (name, role, active,
//! capacity), the tenant's inbox settings, passwords, canned replies.
//!
//! A field left out is left alone; for nullable fields (`max_open_chats`,
//! `default_max_open_chats`) an explicit `null` clears the value, hence the
//! `Option<Option<_>>`.

use super::check::Check;
use crate::{
    check_password_policy, CannedReply, CannedReplyId, FieldError, Number, Role, Secret, TenantId,
    TenantSettings, User,
};
use serde::{Deserialize, Deserializer};

/// Reads a present field (even `null`) as `Some(..)`; a missing one stays
/// `None` through `#[serde(default)]`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Largest capacity accepted.
const MAX_CAPACITY: u32 = 1000;

fn check_capacity(check: &mut Check<'_>, field: &str, value: Option<Option<u32>>) {
    if let Some(Some(n)) = value {
        check.that((1..=MAX_CAPACITY).contains(&n), field, "must be 1 to 1000, or null for unlimited");
    }
}

/// `PATCH /api/users/{id}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New display name.
    pub name: Option<String>,
    /// `manager` or `staff`.
    pub role: Option<Role>,
    /// `false` deactivates: sessions end and open chats go back to queues.
    pub active: Option<bool>,
    /// Capacity override; `null` falls back to the tenant default.
    #[serde(default, deserialize_with = "present")]
    pub max_open_chats: Option<Option<u32>>,
}

impl UserPatch {
    /// Every problem.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut check = Check::new("");
        if let Some(name) = &self.name {
            check.length("name", name, 1, 100);
        }
        if let Some(role) = self.role {
            check.that(!role.is_platform_admin(), "role", "must be manager or staff");
        }
        check_capacity(&mut check, "max_open_chats", self.max_open_chats);
        check.finish()
    }

    /// Applies the patch to `user`.
    pub fn apply(&self, user: &mut User) {
        if let Some(name) = &self.name {
            user.name = name.trim().to_owned();
        }
        if let Some(role) = self.role {
            user.role = role;
        }
        if let Some(active) = self.active {
            user.active = active;
        }
        if let Some(cap) = self.max_open_chats {
            user.max_open_chats = cap;
        }
    }
}

/// `PATCH /api/admin/numbers/{id}`: new credentials for a number (a
/// refreshed access token clears `needs_attention`).
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberPatch {
    /// Shown to agents.
    pub display_phone_number: Option<String>,
    /// A new Graph API token.
    pub access_token: Option<String>,
    /// A new app secret; `null` falls back to the deployment's.
    #[serde(default, deserialize_with = "present")]
    pub app_secret: Option<Option<String>>,
    /// A new webhook verify token.
    pub verify_token: Option<String>,
    /// Messages per second for this number (Meta's tier); `null`: the
    /// deployment's default.
    #[serde(default, deserialize_with = "present")]
    pub messages_per_sec: Option<Option<u32>>,
}

/// Meta's highest throughput tier is 1,000 messages per second.
const MAX_MESSAGES_PER_SEC: u32 = 1000;

impl NumberPatch {
    /// Every problem.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut check = Check::new("");
        if let Some(v) = &self.display_phone_number {
            check.length("display_phone_number", v, 1, 32);
        }
        if let Some(v) = &self.access_token {
            check.length("access_token", v, 1, 4096);
        }
        if let Some(Some(v)) = &self.app_secret {
            check.length("app_secret", v, 1, 256);
        }
        if let Some(v) = &self.verify_token {
            check.length("verify_token", v, 1, 256);
        }
        if let Some(Some(n)) = self.messages_per_sec {
            check.that(
                (1..=MAX_MESSAGES_PER_SEC).contains(&n),
                "messages_per_sec",
                "1 to 1000 messages per second, or null for the default",
            );
        }
        check.finish()
    }

    /// Applies the patch.
    pub fn apply(&self, number: &mut Number) {
        if let Some(v) = &self.display_phone_number {
            number.display_phone_number = v.trim().to_owned();
        }
        if let Some(v) = &self.access_token {
            number.access_token = Secret::from(v.trim().to_owned());
            number.needs_attention = None;
        }
        if let Some(v) = &self.app_secret {
            number.app_secret = v.as_ref().map(|s| Secret::from(s.trim().to_owned()));
        }
        if let Some(v) = &self.verify_token {
            number.verify_token = Secret::from(v.trim().to_owned());
        }
        if let Some(v) = self.messages_per_sec {
            number.messages_per_sec = v;
        }
    }
}

impl std::fmt::Debug for NumberPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumberPatch")
            .field("display_phone_number", &self.display_phone_number)
            .field("messages_per_sec", &self.messages_per_sec)
            .finish_non_exhaustive()
    }
}

/// `PATCH /api/settings`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// Staff see the unassigned queue.
    pub staff_see_unassigned: Option<bool>,
    /// Default capacity; `null` = unlimited.
    #[serde(default, deserialize_with = "present")]
    pub default_max_open_chats: Option<Option<u32>>,
}

impl SettingsPatch {
    /// Every problem.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut check = Check::new("");
        check_capacity(&mut check, "default_max_open_chats", self.default_max_open_chats);
        check.finish()
    }

    /// Applies the patch.
    pub fn apply(&self, settings: &mut TenantSettings) {
        if let Some(v) = self.staff_see_unassigned {
            settings.staff_see_unassigned = v;
        }
        if let Some(v) = self.default_max_open_chats {
            settings.default_max_open_chats = v;
        }
    }
}

/// `POST /api/auth/password`: a user changes their own password.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// Proves it is them.
    pub current_password: String,
    /// The new one (password policy applies).
    pub new_password: String,
}

impl PasswordChange {
    /// Every problem with the new password.
    pub fn validate(&self) -> Vec<FieldError> {
        policy_errors("new_password", &self.new_password)
    }
}

/// `POST /api/users/{id}/password`: a manager resets a user's password.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The new password.
    pub password: String,
}

impl PasswordReset {
    /// Every problem.
    pub fn validate(&self) -> Vec<FieldError> {
        policy_errors("password", &self.password)
    }
}

fn policy_errors(field: &str, password: &str) -> Vec<FieldError> {
    match check_password_policy(password) {
        Ok(()) => Vec::new(),
        Err(e) => vec![FieldError::new(field, e.to_string())],
    }
}

/// `POST /api/canned-replies` (and `PUT` to replace one).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCannedReply {
    /// 1 to 32 characters, no spaces (typed after `/`).
    pub shortcut: String,
    /// 1 to 4096 characters.
    pub text: String,
}

impl NewCannedReply {
    /// Every problem.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut check = Check::new("");
        if check.length("shortcut", &self.shortcut, 1, 32) {
            let s = self.shortcut.trim().trim_start_matches('/');
            check.that(!s.is_empty() && !s.contains(char::is_whitespace), "shortcut", "must be one word");
        }
        check.length("text", &self.text, 1, 4096);
        check.finish()
    }

    /// The record (a new id unless `id` is given, for replacement).
    pub fn into_record(self, id: Option<CannedReplyId>, tenant_id: TenantId, now_ms: i64) -> CannedReply {
        CannedReply {
            id: id.unwrap_or_else(CannedReplyId::new),
            tenant_id,
            shortcut: self.shortcut.trim().trim_start_matches('/').to_lowercase(),
            text: self.text.trim().to_owned(),
            created_at_ms: now_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_clears_and_absent_keeps_capacity() {
        let p: UserPatch = serde_json::from_str(r#"{"max_open_chats": null}"#).unwrap();
        assert_eq!(p.max_open_chats, Some(None));
        let p: UserPatch = serde_json::from_str(r#"{"active": false}"#).unwrap();
        assert_eq!(p.max_open_chats, None);
        let p: UserPatch =
            serde_json::from_str(r#"{"max_open_chats": 0, "role": "platform_admin"}"#).unwrap();
        let paths: Vec<_> = p.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["role", "max_open_chats"]);
    }

    #[test]
    fn settings_patch_applies_only_what_is_given() {
        let mut s = TenantSettings {
            staff_see_unassigned: false,
            default_max_open_chats: Some(3),
            business_hours_json: None,
        };
        let p: SettingsPatch = serde_json::from_str(r#"{"staff_see_unassigned": true}"#).unwrap();
        p.apply(&mut s);
        assert_eq!(
            s,
            TenantSettings {
                staff_see_unassigned: true,
                default_max_open_chats: Some(3),
                business_hours_json: None
            }
        );
        let p: SettingsPatch = serde_json::from_str(r#"{"default_max_open_chats": null}"#).unwrap();
        p.apply(&mut s);
        assert_eq!(s.default_max_open_chats, None);
    }

    #[test]
    fn canned_reply_shortcut_is_one_word() {
        let ok = NewCannedReply { shortcut: "/Hours".into(), text: "9 to 5".into() };
        assert!(ok.validate().is_empty());
        assert_eq!(ok.into_record(None, TenantId::new(), 0).shortcut, "hours");
        let bad = NewCannedReply { shortcut: "two words".into(), text: " ".into() };
        let paths: Vec<_> = bad.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["shortcut", "text"]);
    }
}
