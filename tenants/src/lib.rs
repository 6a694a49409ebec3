//! Switchboard tenants: who is who and what they may do. Pure rules, no I/O,
//! no async, no clock (callers pass `now_ms`, unix milliseconds).
//!
//! - `ids`: typed UUID v7 ids (`TenantId`, `UserId`, `ConversationId`, ...).
//! - `role`: `Role`, platform admin / manager / staff.
//! - `secret`: `Secret`, a stored string that never prints.
//! - `email`: `Email`, a checked and normalised address.
//! - `credentials`: argon2 passwords, the password policy, session tokens
//!   stored only as hashes.
//! - `records`: the stored `Tenant`, `Number`, `User`, `Team`, `Label`,
//!   `CannedReply`, and `TenantSettings`, `Routing`.
//! - `onboarding`: the API's request bodies and their validation.
//! - `error`: `TenantError` and `FieldError`.

mod credentials;
mod email;
mod error;
mod ids;
mod onboarding;
mod records;
mod role;
mod secret;

pub use credentials::{
    check_password_policy, hash_password, verify_password, SessionToken, TokenHash, MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
};
pub use email::Email;
pub use error::{FieldError, TenantError};
pub use ids::{
    CannedReplyId, ConversationId, FlowId, LabelId, MessageId, NumberId, OrderId, TeamId, TenantId, UserId,
};
pub use onboarding::{
    new_platform_admin, LoginRequest, NewCannedReply, NewLabel, NewManager, NewNumber, NewTeam, NewTenant,
    NewUser, NumberPatch, PasswordChange, PasswordReset, SettingsPatch, UserPatch,
};
pub use records::{
    CannedReply, FlowRecord, Label, Number, NumberV1, Routing, Team, Tenant, TenantSettings, User,
};
pub use role::Role;
pub use secret::Secret;
