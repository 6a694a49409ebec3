//! The request bodies of API.md that create things (tenants, numbers,
//! users, teams, labels) and sign in, with their validation rules.
//!
//! Every body has `validate`, which returns *every* problem as a
//! [`FieldError`] with a dotted path (`"number.waba_id"`), so a client can
//! mark all bad fields at once; an empty list means valid. `into_record`
//! turns a valid body into the stored record, trimming text fields. Checks
//! that need the store (a `phone_number_id` already registered, an email
//! already taken, team members that belong to the tenant) are the caller's.
//!
//! - `check`: the shared field checks and path building.
//! - `number`: [`NewNumber`], a WhatsApp business number.
//! - `user`: [`NewUser`], [`NewManager`], [`LoginRequest`] and the first
//!   platform admin.
//! - `tenant`: [`NewTenant`], a tenant with its first number and manager.
//! - `team`: [`NewTeam`] and [`NewLabel`].
//! - `changes`: what changes existing things: [`UserPatch`],
//!   [`SettingsPatch`], passwords, [`NewCannedReply`].

mod changes;
mod check;
mod number;
mod team;
mod tenant;
mod user;

pub use changes::{NewCannedReply, NumberPatch, PasswordChange, PasswordReset, SettingsPatch, UserPatch};
pub use number::NewNumber;
pub use team::{NewLabel, NewTeam};
pub use tenant::NewTenant;
pub use user::{new_platform_admin, LoginRequest, NewManager, NewUser};
