//! The Directory: tenants, business numbers, users and sessions.
//!
//! It holds them all in memory (they are few next to conversations) and
//! writes every change through to sled. Password hashing is slow on
//! purpose, so it never happens here: the edge hashes and verifies in
//! `spawn_blocking` and hands the Directory finished records. Sessions are
//! stored by the SHA-256 of their token, so a copy of the database holds no
//! usable token; their `last_seen` is written back at most once a minute.

use std::collections::HashMap;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::{Deserialize, Serialize};
use tenants::{Email, Number, NumberId, Role, Tenant, TenantId, TokenHash, User, UserId};

use crate::ask::{ask, ask_result, reply};
use crate::clock::now_ms;
use crate::ctx::Ctx;
use crate::error::ActorError;
use crate::store::{key, Batch, Tree, NO_TENANT};

/// How stale a session's persisted `last_seen` may get before it is rewritten.
const LAST_SEEN_WRITE_MS: i64 = 60_000;

/// Who is calling: the result of a valid session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// Their tenant (`None` for platform admins).
    pub tenant_id: Option<TenantId>,
    /// Their role.
    pub role: Role,
    /// Their email.
    pub email: String,
    /// Their display name.
    pub name: String,
    /// The session they came with.
    pub token: TokenHash,
}

/// A stored session.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionRecord {
    user_id: UserId,
    created_at_ms: i64,
    last_seen_ms: i64,
}

/// Directory requests.
pub enum DirectoryMsg {
    /// Creates the first platform admin unless one exists; true if created.
    EnsureAdmin(User, RpcReplyPort<Result<bool, ActorError>>),
    /// A user's id and password hash by email (for login).
    LoginLookup(String, RpcReplyPort<Option<(UserId, String)>>),
    /// Opens a session for a user whose password was verified.
    CreateSession(UserId, TokenHash, RpcReplyPort<Result<Principal, ActorError>>),
    /// Resolves a bearer token.
    Authenticate(TokenHash, RpcReplyPort<Result<Principal, ActorError>>),
    /// Revokes a session.
    Logout(TokenHash, RpcReplyPort<()>),
    /// Onboards a tenant with its first number and manager.
    CreateTenant(Box<(Tenant, Number, User)>, RpcReplyPort<Result<(), ActorError>>),
    /// All tenants with their numbers.
    ListTenants(RpcReplyPort<Vec<(Tenant, Vec<Number>)>>),
    /// Adds a number to an existing tenant.
    AddNumber(Box<Number>, RpcReplyPort<Result<(), ActorError>>),
    /// Every number (for the root at start-up).
    AllNumbers(RpcReplyPort<Vec<Number>>),
    /// Adds a user to a tenant.
    CreateUser(Box<User>, RpcReplyPort<Result<(), ActorError>>),
    /// A tenant's users.
    ListUsers(TenantId, RpcReplyPort<Vec<User>>),
    /// Whether a webhook verify token belongs to any number.
    KnowsVerifyToken(String, RpcReplyPort<bool>),
}

/// The Directory's state: the in-memory copy of its trees.
pub struct DirectoryState {
    /// Shared context.
    ctx: Ctx,
    /// Tenants by id.
    tenants: HashMap<TenantId, Tenant>,
    /// Numbers by id.
    numbers: HashMap<NumberId, Number>,
    /// Users by id.
    users: HashMap<UserId, User>,
    /// User ids by (normalised) email; emails are unique deployment-wide.
    by_email: HashMap<String, UserId>,
    /// Sessions by token hash.
    sessions: HashMap<TokenHash, SessionRecord>,
}

/// The Directory actor.
pub struct Directory;

impl Actor for Directory {
    type Msg = DirectoryMsg;
    type State = DirectoryState;
    type Arguments = Ctx;

    async fn pre_start(
        &self,
        _me: ActorRef<DirectoryMsg>,
        ctx: Ctx,
    ) -> Result<DirectoryState, ActorProcessingErr> {
        let store = &ctx.store;
        let tenants =
            store.scan_prefix::<Tenant>(Tree::Tenants, &[])?.into_iter().map(|(_, t)| (t.id, t)).collect();
        let numbers =
            store.scan_prefix::<Number>(Tree::Numbers, &[])?.into_iter().map(|(_, n)| (n.id, n)).collect();
        let users: HashMap<UserId, User> =
            store.scan_prefix::<User>(Tree::Users, &[])?.into_iter().map(|(_, u)| (u.id, u)).collect();
        let by_email = users.values().map(|u| (u.email.as_str().to_string(), u.id)).collect();
        let mut sessions = HashMap::new();
        for (k, s) in store.scan_prefix::<SessionRecord>(Tree::Sessions, &[])? {
            if let Ok(bytes) = <[u8; 32]>::try_from(k.as_slice()) {
                sessions.insert(TokenHash::from_bytes(bytes), s);
            }
        }
        Ok(DirectoryState { ctx, tenants, numbers, users, by_email, sessions })
    }

    async fn handle(
        &self,
        _me: ActorRef<DirectoryMsg>,
        msg: DirectoryMsg,
        s: &mut DirectoryState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            DirectoryMsg::EnsureAdmin(user, port) => reply(port, ensure_admin(s, user)),
            DirectoryMsg::LoginLookup(email, port) => reply(port, login_lookup(s, &email)),
            DirectoryMsg::CreateSession(user, token, port) => reply(port, create_session(s, user, token)),
            DirectoryMsg::Authenticate(token, port) => reply(port, authenticate(s, token)),
            DirectoryMsg::Logout(token, port) => {
                logout(s, token);
                reply(port, ());
            }
            DirectoryMsg::CreateTenant(parts, port) => reply(port, create_tenant(s, *parts)),
            DirectoryMsg::ListTenants(port) => reply(port, list_tenants(s)),
            DirectoryMsg::AddNumber(number, port) => reply(port, add_number(s, *number)),
            DirectoryMsg::AllNumbers(port) => reply(port, s.numbers.values().cloned().collect()),
            DirectoryMsg::CreateUser(user, port) => reply(port, create_user(s, *user)),
            DirectoryMsg::ListUsers(tenant, port) => reply(port, list_users(s, tenant)),
            DirectoryMsg::KnowsVerifyToken(token, port) => {
                reply(port, s.numbers.values().any(|n| n.verify_token.expose() == token))
            }
        }
        Ok(())
    }
}

fn user_key(user: &User) -> Vec<u8> {
    let tenant = user.tenant_id.map(|t| t.to_bytes()).unwrap_or(NO_TENANT);
    key(&[&tenant, &user.id.to_bytes()])
}

fn number_key(n: &Number) -> Vec<u8> {
    key(&[&n.tenant_id.to_bytes(), &n.id.to_bytes()])
}

fn ensure_admin(s: &mut DirectoryState, user: User) -> Result<bool, ActorError> {
    if s.users.values().any(|u| u.role == Role::PlatformAdmin) {
        return Ok(false);
    }
    create_user(s, user)?;
    Ok(true)
}

fn login_lookup(s: &DirectoryState, email: &str) -> Option<(UserId, String)> {
    let email = Email::parse(email).ok()?;
    let user = s.users.get(s.by_email.get(email.as_str())?)?;
    user.active.then(|| (user.id, user.password_hash.clone()))
}

fn principal(s: &DirectoryState, user_id: UserId, token: TokenHash) -> Result<Principal, ActorError> {
    let user = s.users.get(&user_id).filter(|u| u.active).ok_or(ActorError::Unauthenticated)?;
    if let Some(t) = user.tenant_id {
        if s.tenants.get(&t).is_none_or(|t| t.suspended) {
            return Err(ActorError::Unauthenticated);
        }
    }
    Ok(Principal {
        user_id,
        tenant_id: user.tenant_id,
        role: user.role,
        email: user.email.as_str().to_string(),
        name: user.name.clone(),
        token,
    })
}

fn create_session(
    s: &mut DirectoryState,
    user_id: UserId,
    token: TokenHash,
) -> Result<Principal, ActorError> {
    let p = principal(s, user_id, token)?;
    let now = now_ms();
    let record = SessionRecord { user_id, created_at_ms: now, last_seen_ms: now };
    let mut batch = Batch::default();
    batch.put(Tree::Sessions, token.as_bytes().to_vec(), &record)?;
    s.ctx.store.write(batch)?;
    s.sessions.insert(token, record);
    Ok(p)
}

fn authenticate(s: &mut DirectoryState, token: TokenHash) -> Result<Principal, ActorError> {
    let now = now_ms();
    let idle_ms = s.ctx.settings.session_idle_timeout.as_millis() as i64;
    let session = s.sessions.get(&token).ok_or(ActorError::Unauthenticated)?;
    if now - session.last_seen_ms > idle_ms {
        logout(s, token);
        return Err(ActorError::Unauthenticated);
    }
    let p = principal(s, session.user_id, token)?;
    if let Some(session) = s.sessions.get_mut(&token) {
        let stale = now - session.last_seen_ms > LAST_SEEN_WRITE_MS;
        session.last_seen_ms = now;
        if stale {
            let mut batch = Batch::default();
            batch.put(Tree::Sessions, token.as_bytes().to_vec(), &*session)?;
            s.ctx.store.write(batch)?;
        }
    }
    Ok(p)
}

fn logout(s: &mut DirectoryState, token: TokenHash) {
    if s.sessions.remove(&token).is_some() {
        let mut batch = Batch::default();
        batch.delete(Tree::Sessions, token.as_bytes().to_vec());
        if let Err(e) = s.ctx.store.write(batch) {
            tracing::error!(error = %e, "could not delete a session");
        }
    }
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

fn create_tenant(
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
    s.by_email.insert(manager.email.as_str().to_string(), manager.id);
    s.users.insert(manager.id, manager);
    s.numbers.insert(number.id, number);
    s.tenants.insert(tenant.id, tenant);
    Ok(())
}

fn list_tenants(s: &DirectoryState) -> Vec<(Tenant, Vec<Number>)> {
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

fn add_number(s: &mut DirectoryState, number: Number) -> Result<(), ActorError> {
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

fn create_user(s: &mut DirectoryState, user: User) -> Result<(), ActorError> {
    if let Some(t) = user.tenant_id {
        if !s.tenants.contains_key(&t) {
            return Err(ActorError::NotFound);
        }
    }
    check_email_free(s, &user)?;
    let mut batch = Batch::default();
    batch.put(Tree::Users, user_key(&user), &user)?;
    s.ctx.store.write(batch)?;
    s.by_email.insert(user.email.as_str().to_string(), user.id);
    s.users.insert(user.id, user);
    Ok(())
}

fn list_users(s: &DirectoryState, tenant: TenantId) -> Vec<User> {
    let mut users: Vec<User> = s.users.values().filter(|u| u.tenant_id == Some(tenant)).cloned().collect();
    users.sort_by_key(|u| u.id);
    users
}

/// Typed access to the Directory; every call has the configured timeout.
#[derive(Clone, Debug)]
pub struct DirectoryHandle {
    pub(crate) ctx: Ctx,
}

impl DirectoryHandle {
    fn actor(&self) -> Result<ActorRef<DirectoryMsg>, ActorError> {
        self.ctx.routes.directory().ok_or_else(|| ActorError::Unavailable("directory is not running".into()))
    }

    fn timeout(&self) -> std::time::Duration {
        self.ctx.settings.call_timeout
    }

    /// Creates `user` as the first platform admin unless one exists.
    pub async fn ensure_admin(&self, user: User) -> Result<bool, ActorError> {
        ask_result(&self.actor()?, |p| DirectoryMsg::EnsureAdmin(user, p), self.timeout()).await
    }

    /// The active user with this email and their password hash.
    pub async fn login_lookup(&self, email: &str) -> Result<Option<(UserId, String)>, ActorError> {
        ask(&self.actor()?, |p| DirectoryMsg::LoginLookup(email.to_string(), p), self.timeout()).await
    }

    /// Opens a session (the password was verified by the caller).
    pub async fn create_session(&self, user: UserId, token: TokenHash) -> Result<Principal, ActorError> {
        ask_result(&self.actor()?, |p| DirectoryMsg::CreateSession(user, token, p), self.timeout()).await
    }

    /// Resolves a bearer token to its principal.
    pub async fn authenticate(&self, token: TokenHash) -> Result<Principal, ActorError> {
        ask_result(&self.actor()?, |p| DirectoryMsg::Authenticate(token, p), self.timeout()).await
    }

    /// Revokes a session.
    pub async fn logout(&self, token: TokenHash) -> Result<(), ActorError> {
        ask(&self.actor()?, |p| DirectoryMsg::Logout(token, p), self.timeout()).await
    }

    /// Stores a new tenant with its number and manager (409 on a taken
    /// phone_number_id or email).
    pub async fn create_tenant(
        &self,
        tenant: Tenant,
        number: Number,
        manager: User,
    ) -> Result<(), ActorError> {
        let parts = Box::new((tenant, number, manager));
        ask_result(&self.actor()?, |p| DirectoryMsg::CreateTenant(parts, p), self.timeout()).await
    }

    /// Every tenant with its numbers, oldest first.
    pub async fn list_tenants(&self) -> Result<Vec<(Tenant, Vec<Number>)>, ActorError> {
        ask(&self.actor()?, DirectoryMsg::ListTenants, self.timeout()).await
    }

    /// Adds a number to its tenant.
    pub async fn add_number(&self, number: Number) -> Result<(), ActorError> {
        ask_result(&self.actor()?, |p| DirectoryMsg::AddNumber(Box::new(number), p), self.timeout()).await
    }

    /// Every number of the deployment.
    pub(crate) async fn all_numbers(&self) -> Result<Vec<Number>, ActorError> {
        ask(&self.actor()?, DirectoryMsg::AllNumbers, self.timeout()).await
    }

    /// Adds a user.
    pub async fn create_user(&self, user: User) -> Result<(), ActorError> {
        ask_result(&self.actor()?, |p| DirectoryMsg::CreateUser(Box::new(user), p), self.timeout()).await
    }

    /// A tenant's users.
    pub async fn list_users(&self, tenant: TenantId) -> Result<Vec<User>, ActorError> {
        ask(&self.actor()?, |p| DirectoryMsg::ListUsers(tenant, p), self.timeout()).await
    }

    /// Whether `token` is the webhook verify token of any number.
    pub async fn knows_verify_token(&self, token: &str) -> Result<bool, ActorError> {
        ask(&self.actor()?, |p| DirectoryMsg::KnowsVerifyToken(token.to_string(), p), self.timeout()).await
    }
}
