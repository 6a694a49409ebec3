//! The Hub: agent WebSocket sessions and the live event stream.
//!
//! Conversation actors publish events once they are durable; the Hub gives
//! each a per-tenant sequence number, keeps the latest ones for `since=`
//! replay, and fans each out only to the sockets whose agent may see it
//! (plus a `conversation.removed` to those who just lost sight of it).
//! Frames are serialised once and shared. A socket whose buffer is full is
//! dropped, never waited for, so one slow client cannot hold up the rest.
//!
//! Sequence numbers survive restarts: the Hub reserves them in blocks,
//! persisting the block's end before using it, and starts after the last
//! reserved block on start-up. Replay itself is in memory: a client asking
//! for more than the Hub still holds gets `"resync": true` in its hello and
//! reloads over REST.

pub mod visibility;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tenants::{TenantId, UserId};
use tokio::sync::mpsc;

use crate::ask::{ask, reply};
use crate::ctx::Ctx;
use crate::error::ActorError;
use crate::store::{Batch, Tree};
pub use visibility::{may_see, Viewer, Visibility};

/// Sequence numbers reserved per durable write.
const SEQ_BLOCK: u64 = 10_000;

/// A change to publish: what happened and who may see it.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// `conversation.created`, `message.created`, ...
    pub kind: &'static str,
    /// Who may see it now.
    pub visibility: Visibility,
    /// Who could see it before (to send `conversation.removed`).
    pub previous: Option<Visibility>,
    /// The conversation id (for `conversation.removed`).
    pub conversation_id: String,
    /// The payload fields (`conversation`, `message`...), merged into the frame.
    pub payload: serde_json::Map<String, serde_json::Value>,
}

/// Hub requests.
pub enum HubMsg {
    /// Registers a socket and returns its hello and the frames it missed.
    Connect {
        /// The agent.
        viewer: Viewer,
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
    /// Closes every socket of this user (logout, deactivation).
    CloseUser(UserId),
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

/// One remembered event.
struct Logged {
    seq: u64,
    visibility: Visibility,
    previous: Option<Visibility>,
    frame: Arc<str>,
    removed: Arc<str>,
}

/// Per-tenant sequence and replay buffer.
#[derive(Default)]
struct TenantLog {
    /// Last seq handed out.
    seq: u64,
    /// Highest seq persisted as reserved.
    reserved: u64,
    /// Recent events, oldest first.
    recent: VecDeque<Logged>,
}

struct Socket {
    viewer: Viewer,
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
    /// Next socket id.
    next_socket: u64,
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
                TenantLog { seq: reserved, reserved, recent: VecDeque::new() },
            );
        }
        Ok(HubState { ctx, logs, sockets: HashMap::new(), next_socket: 1 })
    }

    async fn handle(
        &self,
        _me: ActorRef<HubMsg>,
        msg: HubMsg,
        state: &mut HubState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            HubMsg::Connect { viewer, since, tx, reply: port } => {
                reply(port, connect(state, viewer, since, tx))
            }
            HubMsg::Disconnect(socket) => {
                for sockets in state.sockets.values_mut() {
                    sockets.remove(&socket);
                }
            }
            HubMsg::Publish(event) => publish(state, *event).await?,
            HubMsg::CloseUser(user) => {
                for sockets in state.sockets.values_mut() {
                    sockets.retain(|_, s| s.viewer.user_id != user);
                }
            }
        }
        Ok(())
    }
}

fn connect(
    state: &mut HubState,
    viewer: Viewer,
    since: Option<u64>,
    tx: mpsc::Sender<Arc<str>>,
) -> Connected {
    let log = state.logs.entry(viewer.tenant_id).or_default();
    let latest = log.seq;
    let mut replay = Vec::new();
    let mut resync = false;
    if let Some(since) = since {
        let oldest_held = log.recent.front().map(|l| l.seq).unwrap_or(latest + 1);
        // Events in (since, oldest_held) are gone (or from before a restart).
        resync = since < latest && since + 1 < oldest_held;
        for l in log.recent.iter().filter(|l| l.seq > since) {
            if let Some(frame) = frame_for(&viewer, l) {
                replay.push(frame);
            }
        }
    }
    let hello = serde_json::json!({"seq": latest, "type": "hello", "resync": resync});
    let socket = state.next_socket;
    state.next_socket += 1;
    state.sockets.entry(viewer.tenant_id).or_default().insert(socket, Socket { viewer, tx });
    Connected { socket, hello: hello.to_string().into(), replay }
}

/// The frame this viewer gets for a logged event, if any.
fn frame_for(viewer: &Viewer, l: &Logged) -> Option<Arc<str>> {
    if may_see(viewer, &l.visibility) {
        Some(l.frame.clone())
    } else if l.previous.is_some_and(|p| may_see(viewer, &p)) {
        Some(l.removed.clone())
    } else {
        None
    }
}

async fn publish(state: &mut HubState, event: LiveEvent) -> Result<(), ActorError> {
    let seq = next_seq(state, event.tenant_id).await?;
    let mut frame = event.payload;
    frame.insert("seq".into(), seq.into());
    frame.insert("type".into(), event.kind.into());
    let removed = serde_json::json!({
        "seq": seq, "type": "conversation.removed", "conversation_id": event.conversation_id,
    });
    let logged = Logged {
        seq,
        visibility: event.visibility,
        previous: event.previous,
        frame: serde_json::Value::Object(frame).to_string().into(),
        removed: removed.to_string().into(),
    };
    if let Some(sockets) = state.sockets.get_mut(&event.tenant_id) {
        // A full buffer means a client that cannot keep up: drop it (its
        // socket task sees the channel close and ends the connection).
        sockets.retain(|_, s| match frame_for(&s.viewer, &logged) {
            Some(frame) => s.tx.try_send(frame).is_ok(),
            None => !s.tx.is_closed(),
        });
    }
    let capacity = state.ctx.settings.hub_replay_capacity;
    let log = state.logs.entry(event.tenant_id).or_default();
    log.recent.push_back(logged);
    while log.recent.len() > capacity {
        log.recent.pop_front();
    }
    Ok(())
}

/// Hands out the next seq, reserving (durably) a new block when needed.
async fn next_seq(state: &mut HubState, tenant: TenantId) -> Result<u64, ActorError> {
    let log = state.logs.entry(tenant).or_default();
    log.seq += 1;
    if log.seq > log.reserved {
        let reserved = log.seq + SEQ_BLOCK;
        let mut batch = Batch::default();
        batch.put(Tree::Hub, tenant.to_bytes().to_vec(), &reserved)?;
        state.ctx.store.write(batch)?;
        state.ctx.store.commit().durable().await?;
        if let Some(log) = state.logs.get_mut(&tenant) {
            log.reserved = reserved;
        }
    }
    Ok(state.logs.get(&tenant).map(|l| l.seq).unwrap_or_default())
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

    /// Registers a socket for `viewer`; frames arrive on the returned receiver.
    pub async fn connect(
        &self,
        viewer: Viewer,
        since: Option<u64>,
    ) -> Result<(Connected, mpsc::Receiver<Arc<str>>), ActorError> {
        let (tx, rx) = mpsc::channel(self.ctx.settings.hub_socket_buffer);
        let connected = ask(
            &self.actor()?,
            |reply| HubMsg::Connect { viewer, since, tx, reply },
            self.ctx.settings.call_timeout,
        )
        .await?;
        Ok((connected, rx))
    }

    /// Forgets a closed socket.
    pub fn disconnect(&self, socket: u64) {
        if let Ok(hub) = self.actor() {
            let _ = hub.cast(HubMsg::Disconnect(socket));
        }
    }

    /// Closes every socket of `user`.
    pub fn close_user(&self, user: UserId) {
        if let Ok(hub) = self.actor() {
            let _ = hub.cast(HubMsg::CloseUser(user));
        }
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
