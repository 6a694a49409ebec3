//! The Directory: tenants, business numbers, users, sessions, and how each
//! tenant organises its inbox (teams, labels, canned replies, settings).
//!
//! It holds them all in memory (they are few next to conversations) and
//! writes every change through to sled. Password hashing is slow on
//! purpose, so it never happens here: the edge hashes and verifies in
//! `spawn_blocking` and hands the Directory finished records.
//!
//! - `sessions.rs`: tokens (stored hashed), principals, idle expiry and
//!   its periodic sweep;
//! - `people.rs`: tenants, numbers, users, passwords, routing facts;
//! - `org.rs`: teams, labels, canned replies, settings.

mod org;
mod people;
mod sessions;

use std::collections::HashMap;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tenants::{
    CannedReply, CannedReplyId, FlowId, FlowRecord, Label, LabelId, Number, NumberId, NumberPatch, Role,
    SettingsPatch, Team, TeamId, Tenant, TenantId, TenantSettings, TokenHash, User, UserId, UserPatch,
};

use crate::ask::{ask, ask_result, reply};
use crate::ctx::Ctx;
use crate::error::ActorError;
use crate::hub::Viewer;
use crate::store::Tree;
use sessions::SessionRecord;

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
    /// The teams they belong to.
    pub team_ids: Vec<TeamId>,
    /// Their tenant lets staff see every unassigned chat.
    pub see_unassigned: bool,
}

impl Principal {
    /// What this principal may see, for visibility checks.
    pub fn viewer(&self) -> Option<Viewer> {
        Some(Viewer {
            tenant_id: self.tenant_id?,
            user_id: self.user_id,
            role: self.role,
            team_ids: self.team_ids.clone(),
            see_unassigned: self.see_unassigned,
        })
    }
}

/// What routing needs to know about an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentInfo {
    /// Display name.
    pub name: String,
    /// Not deactivated.
    pub active: bool,
    /// Effective capacity (their own, else the tenant default; `None`: unlimited).
    pub capacity: Option<u32>,
}

type Reply<T> = RpcReplyPort<Result<T, ActorError>>;

/// Directory requests.
pub enum DirectoryMsg {
    /// Creates the first platform admin unless one exists; true if created.
    EnsureAdmin(Box<User>, Reply<bool>),
    /// A user's id and password hash by email (for login).
    LoginLookup(String, RpcReplyPort<Option<(UserId, String)>>),
    /// Opens a session for a user whose password was verified.
    CreateSession(UserId, TokenHash, Reply<Principal>),
    /// Resolves a bearer token.
    Authenticate(TokenHash, Reply<Principal>),
    /// Revokes a session.
    Logout(TokenHash, RpcReplyPort<()>),
    /// Deletes the sessions idle past the expiry (the sweep timer's tick).
    SweepSessions,
    /// Onboards a tenant with its first number and manager.
    CreateTenant(Box<(Tenant, Number, User)>, Reply<()>),
    /// All tenants with their numbers.
    ListTenants(RpcReplyPort<Vec<(Tenant, Vec<Number>)>>),
    /// Adds a number to an existing tenant.
    AddNumber(Box<Number>, Reply<()>),
    /// Every number (for the root at start-up).
    AllNumbers(RpcReplyPort<Vec<Number>>),
    /// New credentials for a number.
    UpdateNumber(NumberId, Box<NumberPatch>, Reply<Number>),
    /// Marks a number as needing a person (or healthy again).
    SetAttention(NumberId, Option<String>),
    /// Suspends or resumes a tenant.
    SetSuspended(TenantId, bool, Reply<Tenant>),
    /// Adds a user.
    CreateUser(Box<User>, Reply<()>),
    /// A tenant's users.
    ListUsers(TenantId, RpcReplyPort<Vec<User>>),
    /// One user of a tenant.
    GetUser(TenantId, UserId, Reply<User>),
    /// Changes a user.
    UpdateUser(TenantId, UserId, Box<UserPatch>, Reply<User>),
    /// Sets a password hash, ending the user's other sessions.
    SetPassword(UserId, String, Option<TokenHash>, Reply<Vec<TokenHash>>),
    /// Whether a user is active.
    IsActive(UserId, RpcReplyPort<bool>),
    /// Routing facts about some users of a tenant.
    Agents(TenantId, Vec<UserId>, RpcReplyPort<Vec<Option<AgentInfo>>>),
    /// Every connected-or-not user's visibility facts in a tenant.
    Viewers(TenantId, RpcReplyPort<Vec<Viewer>>),
    /// Whether a webhook verify token belongs to any number.
    KnowsVerifyToken(String, RpcReplyPort<bool>),
    /// Creates or replaces a team.
    PutTeam(Box<Team>, Reply<Team>),
    /// A tenant's teams.
    ListTeams(TenantId, RpcReplyPort<Vec<Team>>),
    /// Every team (for the root at start-up).
    AllTeams(RpcReplyPort<Vec<Team>>),
    /// Deletes a team.
    DeleteTeam(TenantId, TeamId, Reply<Team>),
    /// Creates or replaces a label.
    PutLabel(Box<Label>, Reply<Label>),
    /// A tenant's labels.
    ListLabels(TenantId, RpcReplyPort<Vec<Label>>),
    /// Deletes a label.
    DeleteLabel(TenantId, LabelId, Reply<Label>),
    /// Creates or replaces a canned reply.
    PutCanned(Box<CannedReply>, Reply<CannedReply>),
    /// A tenant's canned replies.
    ListCanned(TenantId, RpcReplyPort<Vec<CannedReply>>),
    /// Deletes a canned reply.
    DeleteCanned(TenantId, CannedReplyId, Reply<()>),
    /// A tenant's settings.
    Settings(TenantId, Reply<TenantSettings>),
    /// Changes a tenant's settings.
    UpdateSettings(TenantId, Box<SettingsPatch>, Reply<TenantSettings>),
    /// Sets (or clears) a tenant's business hours (JSON).
    SetBusinessHours(TenantId, Option<String>, Reply<TenantSettings>),
    /// Creates or replaces a flow's draft.
    PutFlow(Box<FlowRecord>, Reply<FlowRecord>),
    /// A tenant's flows.
    ListFlows(TenantId, RpcReplyPort<Vec<FlowRecord>>),
    /// Deletes a flow.
    DeleteFlow(TenantId, FlowId, Reply<()>),
    /// Publishes a flow's draft as its next version.
    PublishFlow(TenantId, FlowId, Reply<FlowRecord>),
    /// A published version's document.
    FlowVersion(TenantId, FlowId, u32, RpcReplyPort<Option<String>>),
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
    /// Teams by id.
    teams: HashMap<TeamId, Team>,
    /// Labels by id.
    labels: HashMap<LabelId, Label>,
    /// Canned replies by id.
    canned: HashMap<CannedReplyId, CannedReply>,
    /// Chatbot flows by id.
    flows: HashMap<FlowId, FlowRecord>,
}

/// The Directory actor.
pub struct Directory;

fn load<T: serde::de::DeserializeOwned, K: std::hash::Hash + Eq>(
    ctx: &Ctx,
    tree: Tree,
    id: impl Fn(&T) -> K,
) -> Result<HashMap<K, T>, ActorError> {
    Ok(ctx.store.scan_prefix::<T>(tree, &[])?.into_iter().map(|(_, v)| (id(&v), v)).collect())
}

impl Actor for Directory {
    type Msg = DirectoryMsg;
    type State = DirectoryState;
    type Arguments = Ctx;

    async fn pre_start(
        &self,
        me: ActorRef<DirectoryMsg>,
        ctx: Ctx,
    ) -> Result<DirectoryState, ActorProcessingErr> {
        let sweep_every = sessions::sweep_every(ctx.settings.session_idle_timeout);
        crate::clock::every(&me, sweep_every, || DirectoryMsg::SweepSessions);
        let users: HashMap<UserId, User> = load(&ctx, Tree::Users, |u: &User| u.id)?;
        let by_email = users.values().map(|u| (u.email.as_str().to_string(), u.id)).collect();
        let mut sessions = HashMap::new();
        for (k, s) in ctx.store.scan_prefix::<SessionRecord>(Tree::Sessions, &[])? {
            if let Ok(bytes) = <[u8; 32]>::try_from(k.as_slice()) {
                sessions.insert(TokenHash::from_bytes(bytes), s);
            }
        }
        Ok(DirectoryState {
            tenants: load(&ctx, Tree::Tenants, |t: &Tenant| t.id)?,
            numbers: ctx
                .store
                .scan_prefix_upgrading::<Number, tenants::NumberV1>(Tree::Numbers, &[])?
                .into_iter()
                .map(|(_, n)| (n.id, n))
                .collect(),
            teams: load(&ctx, Tree::Teams, |t: &Team| t.id)?,
            labels: load(&ctx, Tree::Labels, |l: &Label| l.id)?,
            canned: load(&ctx, Tree::CannedReplies, |c: &CannedReply| c.id)?,
            flows: load(&ctx, Tree::Flows, |f: &FlowRecord| f.id)?,
            users,
            by_email,
            sessions,
            ctx,
        })
    }

    async fn handle(
        &self,
        _me: ActorRef<DirectoryMsg>,
        msg: DirectoryMsg,
        s: &mut DirectoryState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            DirectoryMsg::EnsureAdmin(user, port) => reply(port, people::ensure_admin(s, *user)),
            DirectoryMsg::LoginLookup(email, port) => reply(port, sessions::login_lookup(s, &email)),
            DirectoryMsg::CreateSession(user, token, port) => reply(port, sessions::create(s, user, token)),
            DirectoryMsg::Authenticate(token, port) => reply(port, sessions::authenticate(s, token)),
            DirectoryMsg::Logout(token, port) => {
                let _ = sessions::revoke(s, |t, _| *t == token);
                reply(port, ());
            }
            DirectoryMsg::SweepSessions => sessions::sweep(s),
            DirectoryMsg::CreateTenant(parts, port) => reply(port, people::create_tenant(s, *parts)),
            DirectoryMsg::ListTenants(port) => reply(port, people::list_tenants(s)),
            DirectoryMsg::AddNumber(number, port) => reply(port, people::add_number(s, *number)),
            DirectoryMsg::AllNumbers(port) => reply(port, s.numbers.values().cloned().collect()),
            DirectoryMsg::UpdateNumber(id, patch, port) => {
                reply(port, people::update_number(s, id, |n| patch.apply(n)))
            }
            DirectoryMsg::SetAttention(id, why) => {
                if let Err(e) = people::update_number(s, id, |n| n.needs_attention = why) {
                    tracing::error!(number.id = %id, error = %e, "could not record the number's state");
                }
            }
            DirectoryMsg::SetSuspended(tenant, suspended, port) => {
                reply(port, people::set_suspended(s, tenant, suspended))
            }
            DirectoryMsg::CreateUser(user, port) => reply(port, people::create_user(s, *user)),
            DirectoryMsg::ListUsers(tenant, port) => reply(port, people::list_users(s, tenant)),
            DirectoryMsg::GetUser(tenant, id, port) => reply(port, people::user(s, tenant, id).cloned()),
            DirectoryMsg::UpdateUser(tenant, id, patch, port) => {
                reply(port, people::update_user(s, tenant, id, *patch))
            }
            DirectoryMsg::SetPassword(id, hash, keep, port) => {
                reply(port, people::set_password(s, id, hash, keep))
            }
            DirectoryMsg::IsActive(id, port) => reply(port, s.users.get(&id).is_some_and(|u| u.active)),
            DirectoryMsg::Agents(tenant, users, port) => reply(port, people::agents(s, tenant, &users)),
            DirectoryMsg::Viewers(tenant, port) => reply(port, viewers(s, tenant)),
            DirectoryMsg::KnowsVerifyToken(token, port) => {
                reply(port, s.numbers.values().any(|n| n.verify_token.expose() == token))
            }
            DirectoryMsg::PutTeam(team, port) => reply(port, org::put_team(s, *team)),
            DirectoryMsg::ListTeams(tenant, port) => reply(port, org::teams(s, tenant)),
            DirectoryMsg::AllTeams(port) => reply(port, s.teams.values().cloned().collect()),
            DirectoryMsg::DeleteTeam(tenant, id, port) => reply(port, org::delete_team(s, tenant, id)),
            DirectoryMsg::PutLabel(label, port) => reply(port, org::put_label(s, *label)),
            DirectoryMsg::ListLabels(tenant, port) => reply(port, org::labels(s, tenant)),
            DirectoryMsg::DeleteLabel(tenant, id, port) => reply(port, org::delete_label(s, tenant, id)),
            DirectoryMsg::PutCanned(c, port) => reply(port, org::put_canned(s, *c)),
            DirectoryMsg::ListCanned(tenant, port) => reply(port, org::canned(s, tenant)),
            DirectoryMsg::DeleteCanned(tenant, id, port) => reply(port, org::delete_canned(s, tenant, id)),
            DirectoryMsg::Settings(tenant, port) => {
                reply(port, s.tenants.get(&tenant).map(|t| t.settings.clone()).ok_or(ActorError::NotFound))
            }
            DirectoryMsg::UpdateSettings(tenant, patch, port) => {
                reply(port, org::update_settings(s, tenant, *patch))
            }
            DirectoryMsg::SetBusinessHours(tenant, json, port) => {
                reply(port, org::set_business_hours(s, tenant, json))
            }
            DirectoryMsg::PutFlow(flow, port) => reply(port, org::put_flow(s, *flow)),
            DirectoryMsg::ListFlows(tenant, port) => reply(port, org::flows(s, tenant)),
            DirectoryMsg::DeleteFlow(tenant, id, port) => reply(port, org::delete_flow(s, tenant, id)),
            DirectoryMsg::PublishFlow(tenant, id, port) => reply(port, org::publish_flow(s, tenant, id)),
            DirectoryMsg::FlowVersion(tenant, id, version, port) => {
                reply(port, org::flow_version(s, tenant, id, version))
            }
        }
        Ok(())
    }
}

/// Visibility facts of every active user of a tenant.
fn viewers(s: &DirectoryState, tenant: TenantId) -> Vec<Viewer> {
    let see_unassigned = s.tenants.get(&tenant).is_some_and(|t| t.settings.staff_see_unassigned);
    s.users
        .values()
        .filter(|u| u.tenant_id == Some(tenant) && u.active)
        .map(|u| Viewer {
            tenant_id: tenant,
            user_id: u.id,
            role: u.role,
            team_ids: s.teams.values().filter(|t| t.member_ids.contains(&u.id)).map(|t| t.id).collect(),
            see_unassigned,
        })
        .collect()
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

    /// The running actor, waiting out a respawn in progress (for calls).
    async fn live(&self) -> Result<ActorRef<DirectoryMsg>, ActorError> {
        let routes = &self.ctx.routes;
        routes
            .live(self.ctx.settings.call_timeout, |r| r.directory())
            .await
            .ok_or_else(|| ActorError::Unavailable("directory is not running".into()))
    }

    async fn ask<T: Send + 'static>(
        &self,
        build: impl FnOnce(RpcReplyPort<T>) -> DirectoryMsg,
    ) -> Result<T, ActorError> {
        ask(&self.live().await?, build, self.ctx.settings.call_timeout).await
    }

    async fn ask_result<T: Send + 'static>(
        &self,
        build: impl FnOnce(Reply<T>) -> DirectoryMsg,
    ) -> Result<T, ActorError> {
        ask_result(&self.live().await?, build, self.ctx.settings.call_timeout).await
    }

    /// Creates `user` as the first platform admin unless one exists.
    pub async fn ensure_admin(&self, user: User) -> Result<bool, ActorError> {
        self.ask_result(|p| DirectoryMsg::EnsureAdmin(Box::new(user), p)).await
    }

    /// The active user with this email and their password hash.
    pub async fn login_lookup(&self, email: &str) -> Result<Option<(UserId, String)>, ActorError> {
        self.ask(|p| DirectoryMsg::LoginLookup(email.to_string(), p)).await
    }

    /// Opens a session (the password was verified by the caller).
    pub async fn create_session(&self, user: UserId, token: TokenHash) -> Result<Principal, ActorError> {
        self.ask_result(|p| DirectoryMsg::CreateSession(user, token, p)).await
    }

    /// Resolves a bearer token to its principal.
    pub async fn authenticate(&self, token: TokenHash) -> Result<Principal, ActorError> {
        self.ask_result(|p| DirectoryMsg::Authenticate(token, p)).await
    }

    /// Revokes a session.
    pub async fn logout(&self, token: TokenHash) -> Result<(), ActorError> {
        self.ask(|p| DirectoryMsg::Logout(token, p)).await
    }

    /// Stores a new tenant with its number and manager (409 on a taken
    /// phone_number_id or email).
    pub async fn create_tenant(
        &self,
        tenant: Tenant,
        number: Number,
        manager: User,
    ) -> Result<(), ActorError> {
        self.ask_result(|p| DirectoryMsg::CreateTenant(Box::new((tenant, number, manager)), p)).await
    }

    /// Every tenant with its numbers, oldest first.
    pub async fn list_tenants(&self) -> Result<Vec<(Tenant, Vec<Number>)>, ActorError> {
        self.ask(DirectoryMsg::ListTenants).await
    }

    /// Adds a number to its tenant.
    pub async fn add_number(&self, number: Number) -> Result<(), ActorError> {
        self.ask_result(|p| DirectoryMsg::AddNumber(Box::new(number), p)).await
    }

    /// Every number of the deployment.
    pub async fn all_numbers(&self) -> Result<Vec<Number>, ActorError> {
        self.ask(DirectoryMsg::AllNumbers).await
    }

    /// Changes a number's credentials.
    pub async fn update_number(&self, id: NumberId, patch: NumberPatch) -> Result<Number, ActorError> {
        self.ask_result(|p| DirectoryMsg::UpdateNumber(id, Box::new(patch), p)).await
    }

    /// Records whether a number needs a person (no reply: best effort).
    pub(crate) fn set_attention(&self, id: NumberId, why: Option<String>) {
        if let Ok(actor) = self.actor() {
            let _ = actor.cast(DirectoryMsg::SetAttention(id, why));
        }
    }

    /// Suspends (users cannot sign in, webhooks are not processed) or resumes.
    pub async fn set_suspended(&self, tenant: TenantId, suspended: bool) -> Result<Tenant, ActorError> {
        self.ask_result(|p| DirectoryMsg::SetSuspended(tenant, suspended, p)).await
    }

    /// Adds a user.
    pub async fn create_user(&self, user: User) -> Result<(), ActorError> {
        self.ask_result(|p| DirectoryMsg::CreateUser(Box::new(user), p)).await
    }

    /// A tenant's users.
    pub async fn list_users(&self, tenant: TenantId) -> Result<Vec<User>, ActorError> {
        self.ask(|p| DirectoryMsg::ListUsers(tenant, p)).await
    }

    /// One user of a tenant (404 for another tenant's).
    pub async fn user(&self, tenant: TenantId, id: UserId) -> Result<User, ActorError> {
        self.ask_result(|p| DirectoryMsg::GetUser(tenant, id, p)).await
    }

    /// Changes a user (deactivation ends their sessions).
    pub async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        patch: UserPatch,
    ) -> Result<User, ActorError> {
        self.ask_result(|p| DirectoryMsg::UpdateUser(tenant, id, Box::new(patch), p)).await
    }

    /// Stores a new password hash; every other session of the user ends
    /// (their tokens are returned, to close their sockets).
    pub async fn set_password(
        &self,
        id: UserId,
        hash: String,
        keep: Option<TokenHash>,
    ) -> Result<Vec<TokenHash>, ActorError> {
        self.ask_result(|p| DirectoryMsg::SetPassword(id, hash, keep, p)).await
    }

    /// Whether a user is active.
    pub async fn is_active(&self, id: UserId) -> Result<bool, ActorError> {
        self.ask(|p| DirectoryMsg::IsActive(id, p)).await
    }

    /// Routing facts about some users, in order.
    pub async fn agents(
        &self,
        tenant: TenantId,
        users: Vec<UserId>,
    ) -> Result<Vec<Option<AgentInfo>>, ActorError> {
        self.ask(|p| DirectoryMsg::Agents(tenant, users, p)).await
    }

    /// Visibility facts of a tenant's users.
    pub async fn viewers(&self, tenant: TenantId) -> Result<Vec<Viewer>, ActorError> {
        self.ask(|p| DirectoryMsg::Viewers(tenant, p)).await
    }

    /// Whether `token` is the webhook verify token of any number.
    pub async fn knows_verify_token(&self, token: &str) -> Result<bool, ActorError> {
        self.ask(|p| DirectoryMsg::KnowsVerifyToken(token.to_string(), p)).await
    }

    /// Creates or replaces a team.
    pub async fn put_team(&self, team: Team) -> Result<Team, ActorError> {
        self.ask_result(|p| DirectoryMsg::PutTeam(Box::new(team), p)).await
    }

    /// A tenant's teams.
    pub async fn teams(&self, tenant: TenantId) -> Result<Vec<Team>, ActorError> {
        self.ask(|p| DirectoryMsg::ListTeams(tenant, p)).await
    }

    /// Every team.
    pub(crate) async fn all_teams(&self) -> Result<Vec<Team>, ActorError> {
        self.ask(DirectoryMsg::AllTeams).await
    }

    /// Deletes a team.
    pub async fn delete_team(&self, tenant: TenantId, id: TeamId) -> Result<Team, ActorError> {
        self.ask_result(|p| DirectoryMsg::DeleteTeam(tenant, id, p)).await
    }

    /// Creates or replaces a label.
    pub async fn put_label(&self, label: Label) -> Result<Label, ActorError> {
        self.ask_result(|p| DirectoryMsg::PutLabel(Box::new(label), p)).await
    }

    /// A tenant's labels.
    pub async fn labels(&self, tenant: TenantId) -> Result<Vec<Label>, ActorError> {
        self.ask(|p| DirectoryMsg::ListLabels(tenant, p)).await
    }

    /// Deletes a label.
    pub async fn delete_label(&self, tenant: TenantId, id: LabelId) -> Result<Label, ActorError> {
        self.ask_result(|p| DirectoryMsg::DeleteLabel(tenant, id, p)).await
    }

    /// Creates or replaces a canned reply.
    pub async fn put_canned(&self, reply: CannedReply) -> Result<CannedReply, ActorError> {
        self.ask_result(|p| DirectoryMsg::PutCanned(Box::new(reply), p)).await
    }

    /// A tenant's canned replies.
    pub async fn canned(&self, tenant: TenantId) -> Result<Vec<CannedReply>, ActorError> {
        self.ask(|p| DirectoryMsg::ListCanned(tenant, p)).await
    }

    /// Deletes a canned reply.
    pub async fn delete_canned(&self, tenant: TenantId, id: CannedReplyId) -> Result<(), ActorError> {
        self.ask_result(|p| DirectoryMsg::DeleteCanned(tenant, id, p)).await
    }

    /// A tenant's settings.
    pub async fn settings(&self, tenant: TenantId) -> Result<TenantSettings, ActorError> {
        self.ask_result(|p| DirectoryMsg::Settings(tenant, p)).await
    }

    /// Changes a tenant's settings.
    pub async fn update_settings(
        &self,
        tenant: TenantId,
        patch: SettingsPatch,
    ) -> Result<TenantSettings, ActorError> {
        self.ask_result(|p| DirectoryMsg::UpdateSettings(tenant, Box::new(patch), p)).await
    }
}

impl DirectoryHandle {
    /// Sets (or clears) the tenant's business hours.
    pub async fn set_business_hours(
        &self,
        tenant: TenantId,
        json: Option<String>,
    ) -> Result<TenantSettings, ActorError> {
        self.ask_result(|p| DirectoryMsg::SetBusinessHours(tenant, json, p)).await
    }

    /// Creates or replaces a flow's draft.
    pub async fn put_flow(&self, flow: FlowRecord) -> Result<FlowRecord, ActorError> {
        self.ask_result(|p| DirectoryMsg::PutFlow(Box::new(flow), p)).await
    }

    /// A tenant's flows.
    pub async fn flows(&self, tenant: TenantId) -> Result<Vec<FlowRecord>, ActorError> {
        self.ask(|p| DirectoryMsg::ListFlows(tenant, p)).await
    }

    /// Deletes a flow.
    pub async fn delete_flow(&self, tenant: TenantId, id: FlowId) -> Result<(), ActorError> {
        self.ask_result(|p| DirectoryMsg::DeleteFlow(tenant, id, p)).await
    }

    /// Publishes a flow's draft as its next version.
    pub async fn publish_flow(&self, tenant: TenantId, id: FlowId) -> Result<FlowRecord, ActorError> {
        self.ask_result(|p| DirectoryMsg::PublishFlow(tenant, id, p)).await
    }

    /// A published version's document.
    pub async fn flow_version(
        &self,
        tenant: TenantId,
        id: FlowId,
        version: u32,
    ) -> Result<Option<String>, ActorError> {
        self.ask(|p| DirectoryMsg::FlowVersion(tenant, id, version, p)).await
    }
}
