//! People: `NewUser` (`POST /api/users`), `NewManager` (the `manager` of
//! `POST /api/admin/tenants`), `LoginRequest` (`POST /api/auth/login`) and
//! the first platform admin created at start-up.
//!
//! Turning a body into a `User` hashes the password with argon2, which is
//! deliberately slow: callers run `into_record` and `new_platform_admin` in
//! `spawn_blocking`.

use super::check::{Check, Redacted};
use crate::{
    check_password_policy, hash_password, Email, FieldError, Role, TenantError, TenantId, User, UserId,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A user a manager adds to their tenant.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Sign-in address; normalised by [`Email::parse`].
    pub email: String,
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// Initial password; must meet the password policy.
    pub password: String,
    /// `manager` or `staff`; `platform_admin` is refused.
    pub role: Role,
}

impl NewUser {
    /// Every problem, with paths under `path_prefix`.
    pub fn validate(&self, path_prefix: &str) -> Vec<FieldError> {
        let mut check = Check::new(path_prefix);
        check_person(&mut check, &self.email, &self.name, &self.password);
        check.that(
            !self.role.is_platform_admin(),
            "role",
            "must be manager or staff: platform admins cannot be created in a tenant",
        );
        check.finish()
    }

    /// Validates, hashes the password and builds the active user of
    /// `tenant_id`. Slow (argon2): run it in `spawn_blocking`.
    pub fn into_record(self, tenant_id: TenantId, now_ms: i64) -> Result<User, TenantError> {
        let errors = self.validate("");
        if !errors.is_empty() {
            return Err(TenantError::Invalid(errors));
        }
        Ok(User {
            id: UserId::new(),
            tenant_id: Some(tenant_id),
            email: Email::parse(&self.email)?,
            name: self.name.trim().to_owned(),
            role: self.role,
            password_hash: hash_password(&self.password)?,
            active: true,
            created_at_ms: now_ms,
            max_open_chats: None,
        })
    }
}

/// A tenant's first manager; the role is implied.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewManager {
    /// Sign-in address.
    pub email: String,
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// Initial password; must meet the password policy.
    pub password: String,
}

impl NewManager {
    /// Every problem, with paths under `path_prefix` (`"manager"`).
    pub fn validate(&self, path_prefix: &str) -> Vec<FieldError> {
        let mut check = Check::new(path_prefix);
        check_person(&mut check, &self.email, &self.name, &self.password);
        check.finish()
    }

    /// The same person as a [`NewUser`] with role manager.
    pub fn into_new_user(self) -> NewUser {
        NewUser { email: self.email, name: self.name, password: self.password, role: Role::Manager }
    }
}

/// The body of `POST /api/auth/login`. Not validated: a malformed email
/// simply fails to sign in, like a wrong password.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Sign-in address, compared after [`Email::parse`].
    pub email: String,
    /// The password to check with `verify_password`.
    pub password: String,
}

/// The platform admin created on first start from
/// `SWITCHBOARD_ADMIN_EMAIL` / `SWITCHBOARD_ADMIN_PASSWORD` (or a generated
/// password). Slow (argon2): run it in `spawn_blocking`.
pub fn new_platform_admin(email: &str, password: &str, now_ms: i64) -> Result<User, TenantError> {
    let email = Email::parse(email)?;
    check_password_policy(password)?;
    Ok(User {
        id: UserId::new(),
        tenant_id: None,
        email,
        name: "Platform admin".to_owned(),
        role: Role::PlatformAdmin,
        password_hash: hash_password(password)?,
        active: true,
        created_at_ms: now_ms,
        max_open_chats: None,
    })
}

/// The checks a new user and a new manager share.
fn check_person(check: &mut Check<'_>, email: &str, name: &str, password: &str) {
    if let Err(TenantError::InvalidEmail(why)) = Email::parse(email) {
        check.fail("email", why);
    }
    check.length("name", name, 1, 100);
    if let Err(TenantError::WeakPassword(why)) = check_password_policy(password) {
        check.fail("password", why);
    }
}

/// A `Debug` that shows `fields`, then the password as `[redacted]`.
fn debug_hiding_password(
    f: &mut fmt::Formatter<'_>,
    kind: &str,
    fields: &[(&str, &dyn fmt::Debug)],
) -> fmt::Result {
    let mut out = f.debug_struct(kind);
    for (name, value) in fields {
        out.field(name, value);
    }
    out.field("password", &Redacted).finish()
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: [(&str, &dyn fmt::Debug); 3] =
            [("email", &self.email), ("name", &self.name), ("role", &self.role)];
        debug_hiding_password(f, "NewUser", &fields)
    }
}

impl fmt::Debug for NewManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: [(&str, &dyn fmt::Debug); 2] = [("email", &self.email), ("name", &self.name)];
        debug_hiding_password(f, "NewManager", &fields)
    }
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_hiding_password(f, "LoginRequest", &[("email", &self.email)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify_password;

    fn staff() -> NewUser {
        serde_json::from_str(
            r#"{"email":" Ann@Acme.test ","name":" Ann ","password":"hunter22","role":"staff"}"#,
        )
        .unwrap()
    }

    #[test]
    fn every_problem_is_reported() {
        let user = NewUser {
            email: "ann".into(),
            name: "  ".into(),
            password: "short".into(),
            role: Role::PlatformAdmin,
        };
        let errors = user.validate("");
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["email", "name", "password", "role"]);
        assert!(errors[3].message.contains("platform admins cannot"));
    }

    #[test]
    fn into_record_normalises_and_hashes() {
        let tenant_id = TenantId::new();
        let user = staff().into_record(tenant_id, 7).unwrap();
        assert_eq!(user.email.as_str(), "ann@acme.test");
        assert_eq!(user.name, "Ann");
        assert_eq!((user.role, user.tenant_id), (Role::Staff, Some(tenant_id)));
        assert!(user.active);
        assert!(verify_password("hunter22", &user.password_hash));
    }

    #[test]
    fn into_record_refuses_invalid_bodies() {
        let bad = NewUser { role: Role::PlatformAdmin, ..staff() };
        assert!(matches!(
            bad.into_record(TenantId::new(), 0),
            Err(TenantError::Invalid(errors)) if errors.len() == 1
        ));
    }

    #[test]
    fn manager_paths_and_role() {
        let manager =
            NewManager { email: "boss@acme".into(), name: "Boss".into(), password: "12345678".into() };
        assert_eq!(manager.validate("manager")[0].path, "manager.email");
        assert_eq!(manager.into_new_user().role, Role::Manager);
        assert!(serde_json::from_str::<NewManager>(
            r#"{"email":"a@b.c","name":"B","password":"12345678","role":"staff"}"#
        )
        .is_err());
    }

    #[test]
    fn platform_admin_has_no_tenant() {
        let admin = new_platform_admin("Root@Example.com", "a long password", 1).unwrap();
        assert_eq!((admin.role, admin.tenant_id), (Role::PlatformAdmin, None));
        assert_eq!(admin.email.as_str(), "root@example.com");
        assert!(new_platform_admin("root@example.com", "short", 1).is_err());
    }

    #[test]
    fn debug_hides_passwords() {
        let login = LoginRequest { email: "a@b.c".into(), password: "hunter22".into() };
        assert!(!format!("{login:?}").contains("hunter22"));
        assert!(!format!("{:?}", staff()).contains("hunter22"));
    }
}
