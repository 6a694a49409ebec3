//! The Hub: agent WebSocket sessions, presence, and the live event stream.
//!
//! Conversation actors publish events once they are durable; the Hub gives
//! each a per-tenant sequence number, keeps the latest ones for `since=`
//! replay, and fans each out only to the sockets whose agent may see it
//! (plus a `conversation.removed` to those who just lost sight of it).
//! Frames are serialised once and shared. A socket whose buffer is full is
//! dropped, never waited for, so one slow client cannot hold up the rest.
//!
//! Presence (presence.rs) follows the sockets; a change is published to the
//! tenant's managers and told to the tenant's TeamActors, which hand queued
//! chats to whoever just came online.
//!
//! Sequence numbers survive restarts: the Hub reserves them in blocks,
//! persisting the block's end before using it, and starts after the last
//! reserved block on start-up. Replay itself is in memory: a client asking
//! for more than the Hub still holds gets `"resync": true` in its hello and
//! reloads over REST.

pub mod presence;
mod replay;
pub mod visibility;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tenants::{TenantId, TokenHash, UserId};
use tokio::sync::mpsc;

use crate::ask::{ask, reply};
use crate::ctx::Ctx;
use crate::error::ActorError;
use crate::store::{Batch, Tree};
use crate::team::TeamMsg;
pub use presence::{effective, Connection, Presence};
use replay::{Logged, Replay};
pub use visibility::{may_see, Viewer, Visibility};

/// Sequence numbers reserved per durable write.
const SEQ_BLOCK: u64 = 10_000;

/// Who an event is for.
#[derive(Debug, Clone)]
pub enum Audience {
    /// Whoever may see the conversation now, plus a `conversation.removed`
    /// for those who could see it before the change and no longer can.
    Conversation {
        /// Who may see it now.
        visibility: Visibility,
        /// Who could see it before.
        previous: Option<Visibility>,
        /// Its id (for `conversation.removed`).
        conversation_id: String,
    },
    /// Only these users.
    Users(Vec<UserId>),
    /// The tenant's managers.
    Managers,
}

/// A change to publish.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// Who gets it.
    pub audience: Audience,
    /// The frame without its seq: a JSON object with `type` and the
    /// payload fields. Rendered by the publisher, on its own task, so the
    /// one Hub only splices the seq in (serialising every frame in the Hub
    /// made it the bottleneck of the live path).
    body: String,
}

impl LiveEvent {
    /// An event of `kind` (`message.created`, `notification`...) with these
    /// payload fields.
    pub fn new(
        tenant_id: TenantId,
        kind: &'static str,
        audience: Audience,
        mut payload: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        payload.insert("type".into(), kind.into());
        Self::from_body(tenant_id, audience, serde_json::Value::Object(payload).to_string())
    }

    /// An event whose JSON object the caller wrote; it holds `"type"`.
    pub(crate) fn from_body(tenant_id: TenantId, audience: Audience, body: String) -> Self {
        debug_assert!(body.starts_with('{') && body.contains(r#""type":"#), "{body}");
        Self { tenant_id, audience, body }
    }

    /// The frame with its seq.
    fn frame(&self, seq: u64) -> String {
        with_seq(&self.body, seq)
    }
}

/// `{"seq":N,...}` from `{...}`, a non-empty JSON object.
fn with_seq(object: &str, seq: u64) -> String {
    use std::fmt::Write;
    let rest = object.strip_prefix('{').unwrap_or(object);
    // One allocation of the right size (`format!` grew it on every event).
    let mut frame = String::with_capacity(rest.len() + 30);
    let _ = write!(frame, "{{\"seq\":{seq},");
    frame.push_str(rest);
    frame
}

/// Hub requests.
pub enum HubMsg {
    /// Registers a socket and returns its hello and the frames it missed.
    Connect {
        /// The agent.
        viewer: Viewer,
        /// The session the socket was opened with.
        token: TokenHash,
        /// Replay everything after this seq.
        since: Option<u64>,
        /// Where frames go.
        tx: mpsc::Sender<Arc<str>>,
        /// Hello + replay.
        reply: RpcReplyPort<Connected>,
    },
    /// A socket closed.
    Disconnect(u64),
    /// A durable change to fan out.
    Publish(Box<LiveEvent>),
    /// A block of seqs up to this bound is durable (see [`deliver_reserved`]).
    Reserved(TenantId, u64),
    /// Closes every socket of this user (deactivation).
    CloseUser(UserId),
    /// Closes the sockets opened with this session (logout).
    CloseSession(TokenHash),
    /// New visibility facts (team membership, settings) for a tenant's users.
    Viewers(TenantId, Vec<Viewer>),
    /// Sets a user's status by hand (`None`: automatic).
    SetPresence(TenantId, UserId, Option<Presence>, RpcReplyPort<Presence>),
    /// The status of some users.
    Presence(TenantId, Vec<UserId>, RpcReplyPort<Vec<Presence>>),
    /// Every known status of a tenant.
    PresenceAll(TenantId, RpcReplyPort<Vec<(UserId, Presence)>>),
    /// A grace period after a user's last socket ended.
    GraceOver(TenantId, UserId, u64),
}

/// What a new socket starts with.
#[derive(Debug)]
pub struct Connected {
    /// Socket id, for `Disconnect`.
    pub socket: u64,
    /// The hello frame.
    pub hello: Arc<str>,
    /// Missed frames, in order.
    pub replay: Vec<Arc<str>>,
}

/// Per-tenant sequence and replay buffer.
#[derive(Default)]
struct TenantLog {
    /// Last seq handed out.
    seq: u64,
    /// Highest seq persisted as reserved.
    reserved: u64,
    /// A further block is being made durable (see [`reserve_ahead`]).
    extending: bool,
    /// Events waiting for a durable seq (see [`deliver_reserved`]), oldest
    /// first.
    waiting: VecDeque<LiveEvent>,
    /// Sockets that connected while events were waiting: they are answered
    /// once those are delivered.
    joining: Vec<Joining>,
}

/// A socket's `Connect`, until it is answered.
struct Joining {
    viewer: Viewer,
    token: TokenHash,
    since: Option<u64>,
    tx: mpsc::Sender<Arc<str>>,
    port: RpcReplyPort<Connected>,
}

struct Socket {
    viewer: Viewer,
    token: TokenHash,
    tx: mpsc::Sender<Arc<str>>,
}

/// The Hub's state.
pub struct HubState {
    /// Shared context.
    ctx: Ctx,
    /// Per tenant: sequence and replay.
    logs: HashMap<TenantId, TenantLog>,
    /// Open sockets per tenant.
    sockets: HashMap<TenantId, HashMap<u64, Socket>>,
    /// Connection state per tenant and user.
    presence: HashMap<TenantId, HashMap<UserId, Connection>>,
    /// Next socket id.
    next_socket: u64,
    /// Frames kept for `since=` replay.
    replay: Replay,
}

/// The Hub actor.
pub struct Hub;

impl Actor for Hub {
    type Msg = HubMsg;
    type State = HubState;
    type Arguments = Ctx;

    async fn pre_start(&self, _me: ActorRef<HubMsg>, ctx: Ctx) -> Result<HubState, ActorProcessingErr> {
        let mut logs = HashMap::new();
        for (key, reserved) in ctx.store.scan_prefix::<u64>(Tree::Hub, &[])? {
            let Ok(bytes) = <[u8; 16]>::try_from(key.as_slice()) else { continue };
            logs.insert(
                TenantId::from_bytes(bytes),
                TenantLog { seq: reserved, reserved, ..TenantLog::default() },
            );
        }
        // A restart continues after the last reserved seq; reserve the next
        // block for every tenant now, in one flush, rather than one flush
        // per tenant inside the first events' fan-out.
        if !logs.is_empty() {
            let mut batch = Batch::default();
            for (tenant, log) in logs.iter_mut() {
                log.reserved += SEQ_BLOCK;
                batch.put(Tree::Hub, tenant.to_bytes().to_vec(), &log.reserved)?;
            }
            ctx.store.write(batch)?;
            ctx.store.commit().durable().await?;
        }
        let replay = Replay::new(ctx.settings.hub_replay_capacity, ctx.settings.hub_replay_max_bytes);
        Ok(HubState { ctx, logs, sockets: HashMap::new(), presence: HashMap::new(), next_socket: 1, replay })
    }

    async fn handle(
        &self,
        me: ActorRef<HubMsg>,
        msg: HubMsg,
        s: &mut HubState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            HubMsg::Connect { viewer, token, since, tx, reply: port } => {
                let (tenant, user) = (viewer.tenant_id, viewer.user_id);
                let joining = Joining { viewer, token, since, tx, port };
                // Events published before this socket asked are in its hello
                // seq: while some still wait for their seq, so does the hello.
                let log = s.logs.entry(tenant).or_default();
                if log.waiting.is_empty() {
                    join(s, joining);
                } else {
                    log.joining.push(joining);
                }
                // Someone will be watching: have this tenant's seqs reserved
                // before its first event, not during it.
                reserve_ahead(s, tenant)?;
                let c = connection(s, tenant, user);
                c.sockets += 1;
                c.in_grace = false;
                presence_changed(s, tenant, user).await?;
            }
            HubMsg::Disconnect(socket) => {
                let gone = s.sockets.iter_mut().find_map(|(tenant, sockets)| {
                    sockets.remove(&socket).map(|sock| (*tenant, sock.viewer.user_id))
                });
                if let Some((tenant, user)) = gone {
                    disconnected(&me, s, tenant, user, 1).await?;
                }
            }
            HubMsg::Publish(event) => publish(s, *event)?,
            HubMsg::Reserved(tenant, bound) => {
                if let Some(log) = s.logs.get_mut(&tenant) {
                    log.reserved = log.reserved.max(bound);
                    log.extending = false;
                }
                deliver_reserved(s, tenant)?;
            }
            HubMsg::CloseUser(user) => close_where(&me, s, |sock| sock.viewer.user_id == user).await?,
            HubMsg::CloseSession(token) => close_where(&me, s, |sock| sock.token == token).await?,
            HubMsg::Viewers(tenant, viewers) => {
                if let Some(sockets) = s.sockets.get_mut(&tenant) {
                    for sock in sockets.values_mut() {
                        if let Some(v) = viewers.iter().find(|v| v.user_id == sock.viewer.user_id) {
                            sock.viewer = v.clone();
                        }
                    }
                }
            }
            HubMsg::SetPresence(tenant, user, manual, port) => {
                connection(s, tenant, user).manual = manual.filter(|p| *p != Presence::Online);
                let now = presence_changed(s, tenant, user).await?;
                reply(port, now);
            }
            HubMsg::Presence(tenant, users, port) => {
                let all = s.presence.get(&tenant);
                let statuses = users
                    .iter()
                    .map(|u| all.and_then(|m| m.get(u)).map(effective).unwrap_or(Presence::Offline))
                    .collect();
                reply(port, statuses);
            }
            HubMsg::PresenceAll(tenant, port) => {
                let all = s.presence.get(&tenant);
                reply(
                    port,
                    all.map(|m| m.iter().map(|(u, c)| (*u, effective(c))).collect()).unwrap_or_default(),
                );
            }
            HubMsg::GraceOver(tenant, user, generation) => {
                let c = connection(s, tenant, user);
                if c.generation == generation && c.sockets == 0 {
                    c.in_grace = false;
                    presence_changed(s, tenant, user).await?;
                }
            }
        }
        Ok(())
    }
}

fn connection(s: &mut HubState, tenant: TenantId, user: UserId) -> &mut Connection {
    s.presence.entry(tenant).or_default().entry(user).or_default()
}

/// Removes `count` sockets of a user; the last one starts the grace period.
async fn disconnected(
    me: &ActorRef<HubMsg>,
    s: &mut HubState,
    tenant: TenantId,
    user: UserId,
    count: u32,
) -> Result<(), ActorError> {
    let grace = s.ctx.settings.presence_grace;
    let c = connection(s, tenant, user);
    c.sockets = c.sockets.saturating_sub(count);
    if c.sockets > 0 {
        return Ok(());
    }
    c.generation += 1;
    if grace.is_zero() {
        c.in_grace = false;
        presence_changed(s, tenant, user).await?;
    } else {
        c.in_grace = true;
        let generation = c.generation;
        let me = me.clone();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            let _ = me.cast(HubMsg::GraceOver(tenant, user, generation));
        });
    }
    Ok(())
}

async fn close_where(
    me: &ActorRef<HubMsg>,
    s: &mut HubState,
    matches: impl Fn(&Socket) -> bool,
) -> Result<(), ActorError> {
    let mut closed: Vec<(TenantId, UserId)> = Vec::new();
    for (tenant, sockets) in &mut s.sockets {
        // Dropping the sender ends the socket task, which closes the socket.
        sockets.retain(|_, sock| {
            let hit = matches(sock);
            if hit {
                closed.push((*tenant, sock.viewer.user_id));
            }
            !hit
        });
    }
    for (tenant, user) in closed {
        disconnected(me, s, tenant, user, 1).await?;
    }
    Ok(())
}

/// Recomputes a user's status; publishes and tells the teams if it changed.
async fn presence_changed(s: &mut HubState, tenant: TenantId, user: UserId) -> Result<Presence, ActorError> {
    let c = connection(s, tenant, user);
    let now = effective(c);
    if c.published == Some(now) {
        return Ok(now);
    }
    c.published = Some(now);
    let mut payload = serde_json::Map::new();
    payload.insert("user_id".into(), user.to_string().into());
    payload.insert("status".into(), now.as_str().into());
    publish(s, LiveEvent::new(tenant, "presence", Audience::Managers, payload))?;
    for team in s.ctx.routes.teams_of(tenant) {
        let _ = team.cast(TeamMsg::PresenceChanged(user, now));
    }
    Ok(now)
}

/// Registers a socket and answers its `Connect`.
fn join(s: &mut HubState, j: Joining) {
    let connected = connect(s, j.viewer, j.token, j.since, j.tx);
    reply(j.port, connected);
}

fn connect(
    s: &mut HubState,
    viewer: Viewer,
    token: TokenHash,
    since: Option<u64>,
    tx: mpsc::Sender<Arc<str>>,
) -> Connected {
    let log = s.logs.entry(viewer.tenant_id).or_default();
    let latest = log.seq;
    let mut replay = Vec::new();
    let mut resync = false;
    if let Some(since) = since {
        let oldest_held = s.replay.oldest(viewer.tenant_id).unwrap_or(latest + 1);
        // Events in (since, oldest_held) are gone (or from before a restart).
        resync = since < latest && since + 1 < oldest_held;
        let missed = s.replay.recent(viewer.tenant_id).filter(|l| l.seq > since);
        replay.extend(missed.filter_map(|l| frame_for(&viewer, l)));
    }
    let hello = serde_json::json!({"seq": latest, "type": "hello", "resync": resync});
    let socket = s.next_socket;
    s.next_socket += 1;
    s.sockets.entry(viewer.tenant_id).or_default().insert(socket, Socket { viewer, token, tx });
    Connected { socket, hello: hello.to_string().into(), replay }
}

/// The frame this viewer gets for a logged event, if any.
fn frame_for(viewer: &Viewer, l: &Logged) -> Option<Arc<str>> {
    match &l.audience {
        Audience::Conversation { visibility, previous, .. } => {
            if may_see(viewer, visibility) {
                Some(l.frame.clone())
            } else if previous.is_some_and(|p| may_see(viewer, &p)) {
                l.removed.clone()
            } else {
                None
            }
        }
        Audience::Users(users) => users.contains(&viewer.user_id).then(|| l.frame.clone()),
        Audience::Managers => viewer.role.is_manager().then(|| l.frame.clone()),
    }
}

/// Queues `event` behind the tenant's earlier ones and delivers what has
/// a durable seq.
fn publish(s: &mut HubState, event: LiveEvent) -> Result<(), ActorError> {
    let tenant = event.tenant_id;
    s.logs.entry(tenant).or_default().waiting.push_back(event);
    deliver_reserved(s, tenant)
}

/// Gives the tenant's waiting events their seqs, in order, as far as the
/// durably reserved bound allows, and fans them out; then makes sure the
/// next block is on its way. A seq is only handed out below a durable
/// bound, so a restart never hands the same one out twice, and the Hub
/// never waits for a flush itself: a tenant whose block is not yet on disk
/// (its very first event) holds only its own events until `Reserved`
/// arrives, not every tenant's (waiting here for 1,000 tenants' first
/// flushes stalled all live frames for a second).
fn deliver_reserved(s: &mut HubState, tenant: TenantId) -> Result<(), ActorError> {
    while let Some(log) = s.logs.get_mut(&tenant).filter(|log| log.seq < log.reserved) {
        let Some(event) = log.waiting.pop_front() else { break };
        log.seq += 1;
        let seq = log.seq;
        fan_out(s, event, seq);
    }
    let joining = match s.logs.get_mut(&tenant) {
        Some(log) if log.waiting.is_empty() => std::mem::take(&mut log.joining),
        _ => Vec::new(),
    };
    for j in joining {
        join(s, j);
    }
    reserve_ahead(s, tenant)
}

fn fan_out(s: &mut HubState, event: LiveEvent, seq: u64) {
    // Only a chat whose audience changed can be removed from someone's view.
    let removed = match &event.audience {
        Audience::Conversation { conversation_id, previous: Some(_), .. } => Some(
            serde_json::json!({"seq": seq, "type": "conversation.removed", "conversation_id": conversation_id})
                .to_string()
                .into(),
        ),
        _ => None,
    };
    let logged = Logged { seq, frame: event.frame(seq).into(), audience: event.audience, removed };
    if let Some(sockets) = s.sockets.get_mut(&event.tenant_id) {
        // A full buffer means a client that cannot keep up: drop it (its
        // socket task sees the channel close and ends the connection).
        sockets.retain(|_, sock| match frame_for(&sock.viewer, &logged) {
            Some(frame) => sock.tx.try_send(frame).is_ok(),
            None => !sock.tx.is_closed(),
        });
    }
    s.replay.keep(event.tenant_id, logged);
}

/// Starts making the next block of `tenant`'s seqs durable, without
/// waiting, once fewer than half a block is left (or none was ever
/// reserved); `HubMsg::Reserved` raises the bound when it is on disk.
fn reserve_ahead(s: &mut HubState, tenant: TenantId) -> Result<(), ActorError> {
    let log = s.logs.entry(tenant).or_default();
    if log.extending || log.reserved - log.seq >= SEQ_BLOCK / 2 {
        return Ok(());
    }
    log.extending = true;
    let next = log.reserved + SEQ_BLOCK;
    let mut batch = Batch::default();
    batch.put(Tree::Hub, tenant.to_bytes().to_vec(), &next)?;
    s.ctx.store.write(batch)?;
    let routes = s.ctx.routes.clone();
    s.ctx.store.commit().then(move || {
        if let Some(hub) = routes.hub() {
            let _ = hub.cast(HubMsg::Reserved(tenant, next));
        }
    });
    Ok(())
}

/// Typed access to the Hub.
#[derive(Clone, Debug)]
pub struct HubHandle {
    pub(crate) ctx: Ctx,
}

impl HubHandle {
    fn actor(&self) -> Result<ActorRef<HubMsg>, ActorError> {
        self.ctx.routes.hub().ok_or_else(|| ActorError::Unavailable("hub is not running".into()))
    }

    /// The running actor, waiting out a respawn in progress (for calls).
    async fn live(&self) -> Result<ActorRef<HubMsg>, ActorError> {
        let routes = &self.ctx.routes;
        routes
            .live(self.ctx.settings.call_timeout, |r| r.hub())
            .await
            .ok_or_else(|| ActorError::Unavailable("hub is not running".into()))
    }

    fn cast(&self, msg: HubMsg) {
        if let Ok(hub) = self.actor() {
            let _ = hub.cast(msg);
        }
    }

    /// Registers a socket for `viewer`; frames arrive on the returned receiver.
    pub async fn connect(
        &self,
        viewer: Viewer,
        token: TokenHash,
        since: Option<u64>,
    ) -> Result<(Connected, mpsc::Receiver<Arc<str>>), ActorError> {
        let (tx, rx) = mpsc::channel(self.ctx.settings.hub_socket_buffer);
        let connected = ask(
            &self.live().await?,
            |reply| HubMsg::Connect { viewer, token, since, tx, reply },
            self.ctx.settings.call_timeout,
        )
        .await?;
        Ok((connected, rx))
    }

    /// Forgets a closed socket.
    pub fn disconnect(&self, socket: u64) {
        self.cast(HubMsg::Disconnect(socket));
    }

    /// Closes every socket of `user`.
    pub fn close_user(&self, user: UserId) {
        self.cast(HubMsg::CloseUser(user));
    }

    /// Closes the sockets of one session.
    pub fn close_session(&self, token: TokenHash) {
        self.cast(HubMsg::CloseSession(token));
    }

    /// Updates what a tenant's connected users may see.
    pub fn update_viewers(&self, tenant: TenantId, viewers: Vec<Viewer>) {
        self.cast(HubMsg::Viewers(tenant, viewers));
    }

    /// Sets a status by hand (`None` or `Online`: automatic).
    pub async fn set_presence(
        &self,
        tenant: TenantId,
        user: UserId,
        manual: Option<Presence>,
    ) -> Result<Presence, ActorError> {
        ask(
            &self.live().await?,
            |r| HubMsg::SetPresence(tenant, user, manual, r),
            self.ctx.settings.call_timeout,
        )
        .await
    }

    /// Statuses of `users`, in order.
    pub async fn presence(&self, tenant: TenantId, users: Vec<UserId>) -> Result<Vec<Presence>, ActorError> {
        ask(&self.live().await?, |r| HubMsg::Presence(tenant, users, r), self.ctx.settings.call_timeout).await
    }

    /// Every known status in a tenant.
    pub async fn presence_all(&self, tenant: TenantId) -> Result<Vec<(UserId, Presence)>, ActorError> {
        ask(&self.live().await?, |r| HubMsg::PresenceAll(tenant, r), self.ctx.settings.call_timeout).await
    }
}

/// Publishes `event` once everything written before now is durable.
pub(crate) fn publish_when_durable(ctx: &Ctx, event: LiveEvent) {
    let routes = ctx.routes.clone();
    ctx.store.commit().then(move || {
        if let Some(hub) = routes.hub() {
            let _ = hub.cast(HubMsg::Publish(Box::new(event)));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seq_is_spliced_into_the_rendered_frame() {
        let mut payload = serde_json::Map::new();
        payload.insert("user_id".into(), "u1".into());
        let event = LiveEvent::new(TenantId::new(), "presence", Audience::Managers, payload);
        let frame: serde_json::Value = serde_json::from_str(&event.frame(42)).expect("valid JSON");
        assert_eq!(frame, serde_json::json!({"seq": 42, "type": "presence", "user_id": "u1"}));
    }
}
