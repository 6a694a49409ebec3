//! Tenants, their business numbers and their users: onboarding, the
//! uniqueness rules (a `phone_number_id` and an email exist once in the
//! whole deployment), user changes and passwords.

use tenants::{Number, Role, Tenant, TenantId, TokenHash, User, UserId, UserPatch};

use super::{sessions, AgentInfo, DirectoryState};
use crate::error::ActorError;
use crate::store::{key, Batch, Tree, NO_TENANT};

pub(super) fn user_key(user: &User) -> Vec<u8> {
    let tenant = user.tenant_id.map(|t| t.to_bytes()).unwrap_or(NO_TENANT);
    key(&[&tenant, &user.id.to_bytes()])
}

fn number_key(n: &Number) -> Vec<u8> {
    key(&[&n.tenant_id.to_bytes(), &n.id.to_bytes()])
}

fn check_number_free(s: &DirectoryState, number: &Number) -> Result<(), ActorError> {
    if s.numbers.values().any(|n| n.phone_number_id == number.phone_number_id) {
        return Err(ActorError::conflict(
            "number_exists",
            format!("phone_number_id {} is already registered", number.phone_number_id),
        ));
    }
    Ok(())
}

fn check_email_free(s: &DirectoryState, user: &User) -> Result<(), ActorError> {
    if s.by_email.contains_key(user.email.as_str()) {
        return Err(ActorError::conflict("email_taken", format!("{} already has an account", user.email)));
    }
    Ok(())
}

fn remember_user(s: &mut DirectoryState, user: User) {
    s.by_email.insert(user.email.as_str().to_string(), user.id);
    s.users.insert(user.id, user);
}

/// Creates the first platform admin unless one exists.
pub(super) fn ensure_admin(s: &mut DirectoryState, user: User) -> Result<bool, ActorError> {
    if s.users.values().any(|u| u.role == Role::PlatformAdmin) {
        return Ok(false);
    }
    create_user(s, user)?;
    Ok(true)
}

/// Onboards a tenant with its first number and manager, atomically.
pub(super) fn create_tenant(
    s: &mut DirectoryState,
    (tenant, number, manager): (Tenant, Number, User),
) -> Result<(), ActorError> {
    check_number_free(s, &number)?;
    check_email_free(s, &manager)?;
    let mut batch = Batch::default();
    batch.put(Tree::Tenants, tenant.id.to_bytes().to_vec(), &tenant)?;
    batch.put(Tree::Numbers, number_key(&number), &number)?;
    batch.put(Tree::Users, user_key(&manager), &manager)?;
    s.ctx.store.write(batch)?;
    remember_user(s, manager);
    s.numbers.insert(number.id, number);
    s.tenants.insert(tenant.id, tenant);
    Ok(())
}

/// Every tenant with its numbers, oldest first.
pub(super) fn list_tenants(s: &DirectoryState) -> Vec<(Tenant, Vec<Number>)> {
    let mut out: Vec<(Tenant, Vec<Number>)> = s
        .tenants
        .values()
        .map(|t| {
            let mut numbers: Vec<Number> =
                s.numbers.values().filter(|n| n.tenant_id == t.id).cloned().collect();
            numbers.sort_by_key(|n| n.id);
            (t.clone(), numbers)
        })
        .collect();
    out.sort_by_key(|(t, _)| t.id);
    out
}

/// Adds a number to an existing tenant.
pub(super) fn add_number(s: &mut DirectoryState, number: Number) -> Result<(), ActorError> {
    if !s.tenants.contains_key(&number.tenant_id) {
        return Err(ActorError::NotFound);
    }
    check_number_free(s, &number)?;
    let mut batch = Batch::default();
    batch.put(Tree::Numbers, number_key(&number), &number)?;
    s.ctx.store.write(batch)?;
    s.numbers.insert(number.id, number);
    Ok(())
}

/// Changes a number through `change`, writing it through.
pub(super) fn update_number(
    s: &mut DirectoryState,
    id: tenants::NumberId,
    change: impl FnOnce(&mut Number),
) -> Result<Number, ActorError> {
    let mut number = s.numbers.get(&id).cloned().ok_or(ActorError::NotFound)?;
    change(&mut number);
    let mut batch = Batch::default();
    batch.put(Tree::Numbers, number_key(&number), &number)?;
    s.ctx.store.write(batch)?;
    s.numbers.insert(id, number.clone());
    Ok(number)
}

/// Suspends or resumes a tenant; a suspended tenant's sessions end.
pub(super) fn set_suspended(
    s: &mut DirectoryState,
    tenant: TenantId,
    suspended: bool,
) -> Result<Tenant, ActorError> {
    let mut changed = s.tenants.get(&tenant).cloned().ok_or(ActorError::NotFound)?;
    changed.suspended = suspended;
    let mut batch = Batch::default();
    batch.put(Tree::Tenants, tenant.to_bytes().to_vec(), &changed)?;
    s.ctx.store.write(batch)?;
    s.tenants.insert(tenant, changed.clone());
    if suspended {
        let members: Vec<UserId> =
            s.users.values().filter(|u| u.tenant_id == Some(tenant)).map(|u| u.id).collect();
        let _ = sessions::revoke(s, |_, r| members.contains(&r.user_id));
    }
    Ok(changed)
}

/// Adds a user (to their tenant, if any).
pub(super) fn create_user(s: &mut DirectoryState, user: User) -> Result<(), ActorError> {
    if user.tenant_id.is_some_and(|t| !s.tenants.contains_key(&t)) {
        return Err(ActorError::NotFound);
    }
    check_email_free(s, &user)?;
    let mut batch = Batch::default();
    batch.put(Tree::Users, user_key(&user), &user)?;
    s.ctx.store.write(batch)?;
    remember_user(s, user);
    Ok(())
}

/// A tenant's users, oldest first.
pub(super) fn list_users(s: &DirectoryState, tenant: TenantId) -> Vec<User> {
    let mut users: Vec<User> = s.users.values().filter(|u| u.tenant_id == Some(tenant)).cloned().collect();
    users.sort_by_key(|u| u.id);
    users
}

/// One user of a tenant.
pub(super) fn user(s: &DirectoryState, tenant: TenantId, id: UserId) -> Result<&User, ActorError> {
    s.users.get(&id).filter(|u| u.tenant_id == Some(tenant)).ok_or(ActorError::NotFound)
}

fn save_user(s: &mut DirectoryState, user: User) -> Result<(), ActorError> {
    let mut batch = Batch::default();
    batch.put(Tree::Users, user_key(&user), &user)?;
    s.ctx.store.write(batch)?;
    s.users.insert(user.id, user);
    Ok(())
}

/// Applies a patch; a deactivated user's sessions end at once. A tenant
/// always keeps one active manager.
pub(super) fn update_user(
    s: &mut DirectoryState,
    tenant: TenantId,
    id: UserId,
    patch: UserPatch,
) -> Result<User, ActorError> {
    let mut changed = user(s, tenant, id)?.clone();
    patch.apply(&mut changed);
    let still_manager = changed.active && changed.role == Role::Manager;
    let other_managers = s
        .users
        .values()
        .any(|u| u.id != id && u.tenant_id == Some(tenant) && u.active && u.role == Role::Manager);
    if !still_manager && !other_managers && user(s, tenant, id)?.role == Role::Manager {
        return Err(ActorError::conflict("last_manager", "a business needs at least one active manager"));
    }
    save_user(s, changed.clone())?;
    if !changed.active {
        let _ = sessions::revoke(s, |_, r| r.user_id == id);
    }
    Ok(changed)
}

/// Replaces a password hash, ending every session of the user but `keep`;
/// returns the ended sessions.
pub(super) fn set_password(
    s: &mut DirectoryState,
    id: UserId,
    hash: String,
    keep: Option<TokenHash>,
) -> Result<Vec<TokenHash>, ActorError> {
    let mut changed = s.users.get(&id).cloned().ok_or(ActorError::NotFound)?;
    changed.password_hash = hash;
    save_user(s, changed)?;
    Ok(sessions::revoke(s, |t, r| r.user_id == id && Some(*t) != keep))
}

/// Routing facts about some users: name, active, effective capacity.
pub(super) fn agents(s: &DirectoryState, tenant: TenantId, users: &[UserId]) -> Vec<Option<AgentInfo>> {
    let default_cap = s.tenants.get(&tenant).and_then(|t| t.settings.default_max_open_chats);
    users
        .iter()
        .map(|id| {
            let u = s.users.get(id).filter(|u| u.tenant_id == Some(tenant))?;
            Some(AgentInfo {
                name: u.name.clone(),
                active: u.active,
                capacity: u.max_open_chats.or(default_cap),
            })
        })
        .collect()
}
