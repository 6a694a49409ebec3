//! The TeamActor: one per team. It hands chats to members (routing.rs:
//! round robin or balanced, skipping members who are offline, away, at
//! capacity or inactive), keeps the team's queue of chats nobody could take
//! and hands them out, oldest first, as soon as a member comes online or
//! frees capacity, and (optionally) moves a chat on when its assignee has
//! not replied in time.
//!
//! It owns only its dispatch state: the round-robin cursor and when each
//! member last got a chat (persisted, so the rotation survives restarts).
//! The queue is not stored separately: it is the team's open, unassigned
//! chats, rebuilt from the NumberActors' indexes on start. Calls only go
//! downwards (to the Hub, the Directory and NumberActors); those never call
//! a TeamActor back, they only cast to it.

pub mod routing;

use std::collections::{HashMap, VecDeque};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::{Deserialize, Serialize};
use tenants::{ConversationId, Team, TeamId, UserId};

use crate::ask::{ask, ask_result, reply};
use crate::clock::now_ms;
use crate::conversation::record::{ConversationRecord, ConversationStatus, EventActor};
use crate::conversation::{Assignment, ConversationRef, Expect};
use crate::ctx::Ctx;
use crate::directory::DirectoryHandle;
use crate::error::ActorError;
use crate::hub::{HubHandle, Presence};
use crate::number::NumberHandle;
use crate::store::{key, Batch, Tree};
use routing::{explain, pick, Candidate, Exclude};

/// A request to route one chat through the team.
#[derive(Debug, Clone)]
pub struct Dispatch {
    /// The chat.
    pub conversation: ConversationRef,
    /// Who asked (an agent, the bot, the system).
    pub by: EventActor,
    /// Why it is being routed (prefixed to the routing explanation).
    pub reason: String,
    /// A transfer note.
    pub note: Option<String>,
    /// Whether this is a transfer.
    pub transfer: bool,
    /// Precondition on the chat's current assignee.
    pub expect: Expect,
    /// Never pick this member, and why (released it, did not reply in time).
    pub exclude: Exclude,
}

/// TeamActor requests.
pub enum TeamMsg {
    /// Route a chat; answers with its new summary when a port is given.
    Dispatch(Box<Dispatch>, Option<RpcReplyPort<Result<ConversationRecord, ActorError>>>),
    /// A member's presence changed (from the Hub).
    PresenceChanged(UserId, Presence),
    /// A member's open-chat count went down (from a NumberActor).
    CapacityFreed(UserId),
    /// The team's configuration changed.
    Reconfigure(Box<Team>),
    /// The reply deadline of an assignment passed.
    ReplyDeadline(ConversationRef, UserId, i64),
    /// How many chats wait in the queue.
    QueueLength(RpcReplyPort<usize>),
    /// Hand out queued chats if anyone can take them.
    Drain,
}

/// What the TeamActor persists.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Rotation {
    /// The member picked last.
    cursor: Option<UserId>,
    /// When each member last got a chat from this team.
    last_assigned: Vec<(UserId, i64)>,
}

/// The TeamActor's state.
pub struct TeamState {
    /// Shared context.
    ctx: Ctx,
    /// The team's configuration.
    team: Team,
    /// Round-robin cursor and recency.
    cursor: Option<UserId>,
    /// When each member last got a chat.
    last_assigned: HashMap<UserId, i64>,
    /// Chats waiting for a member, oldest first.
    queue: VecDeque<ConversationRef>,
    /// Queued chats a member gave up (released, let time out): they are not
    /// handed back to that member (in memory; a restart forgets it).
    passed_over: HashMap<ConversationId, (UserId, &'static str)>,
}

/// The TeamActor.
pub struct TeamActor;

impl Actor for TeamActor {
    type Msg = TeamMsg;
    type State = TeamState;
    type Arguments = (Ctx, Team);

    async fn pre_start(
        &self,
        me: ActorRef<TeamMsg>,
        (ctx, team): (Ctx, Team),
    ) -> Result<TeamState, ActorProcessingErr> {
        let rotation: Rotation = ctx.store.get(Tree::TeamState, &state_key(&team))?.unwrap_or_default();
        let mut s = TeamState {
            ctx,
            cursor: rotation.cursor,
            last_assigned: rotation.last_assigned.into_iter().collect(),
            team,
            queue: VecDeque::new(),
            passed_over: HashMap::new(),
        };
        rebuild_queue(&mut s).await?;
        if !s.queue.is_empty() {
            let _ = me.cast(TeamMsg::Drain);
        }
        Ok(s)
    }

    async fn handle(
        &self,
        me: ActorRef<TeamMsg>,
        msg: TeamMsg,
        s: &mut TeamState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            TeamMsg::Dispatch(d, port) => {
                let result = dispatch(&me, s, *d).await;
                if let Err(e) = &result {
                    tracing::debug!(team.id = %s.team.id, error = %e, "dispatch refused");
                }
                if let Some(port) = port {
                    reply(port, result);
                }
            }
            TeamMsg::PresenceChanged(_, Presence::Online) | TeamMsg::CapacityFreed(_) | TeamMsg::Drain => {
                drain(&me, s).await
            }
            TeamMsg::PresenceChanged(..) => {}
            TeamMsg::Reconfigure(team) => {
                s.team = *team;
                drain(&me, s).await;
            }
            TeamMsg::ReplyDeadline(conversation, assignee, assigned_at) => {
                reply_deadline(&me, s, conversation, assignee, assigned_at).await
            }
            TeamMsg::QueueLength(port) => reply(port, s.queue.len()),
        }
        Ok(())
    }
}

fn state_key(team: &Team) -> Vec<u8> {
    key(&[&team.tenant_id.to_bytes(), &team.id.to_bytes()])
}

fn number(s: &TeamState, id: tenants::NumberId) -> NumberHandle {
    NumberHandle { ctx: s.ctx.clone(), number_id: id, tenant_id: s.team.tenant_id }
}

async fn rebuild_queue(s: &mut TeamState) -> Result<(), ActorError> {
    let mut waiting: Vec<(i64, ConversationRef)> = Vec::new();
    for route in s.ctx.routes.numbers_of(s.team.tenant_id) {
        waiting.extend(number(s, route.number_id).team_queue(s.team.id).await?);
    }
    waiting.sort_by_key(|(at, c)| (*at, c.id));
    s.queue = waiting.into_iter().map(|(_, c)| c).collect();
    Ok(())
}

/// Presence, load and capacity of every member, in member order.
async fn candidates(s: &TeamState) -> Result<Vec<Candidate>, ActorError> {
    let members = s.team.member_ids.clone();
    let tenant = s.team.tenant_id;
    let presence = HubHandle { ctx: s.ctx.clone() }.presence(tenant, members.clone()).await?;
    let agents = DirectoryHandle { ctx: s.ctx.clone() }.agents(tenant, members.clone()).await?;
    let mut loads = vec![0u32; members.len()];
    for route in s.ctx.routes.numbers_of(tenant) {
        for (total, l) in loads.iter_mut().zip(number(s, route.number_id).loads(members.clone()).await?) {
            *total += l;
        }
    }
    Ok(members
        .iter()
        .zip(presence)
        .zip(agents)
        .zip(loads)
        .map(|(((user, presence), agent), load)| Candidate {
            user: *user,
            name: agent.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| user.to_string()),
            presence,
            load,
            capacity: agent.as_ref().and_then(|a| a.capacity),
            active: agent.is_some_and(|a| a.active),
            last_assigned_ms: s.last_assigned.get(user).copied(),
        })
        .collect())
}

fn persist(s: &TeamState) -> Result<(), ActorError> {
    let rotation =
        Rotation { cursor: s.cursor, last_assigned: s.last_assigned.iter().map(|(u, t)| (*u, *t)).collect() };
    let mut batch = Batch::default();
    batch.put(Tree::TeamState, state_key(&s.team), &rotation)?;
    s.ctx.store.write(batch)
}

async fn dispatch(
    me: &ActorRef<TeamMsg>,
    s: &mut TeamState,
    d: Dispatch,
) -> Result<ConversationRecord, ActorError> {
    let members = candidates(s).await?;
    let decision = pick(s.team.routing, &members, s.cursor, d.exclude);
    let why = explain(s.team.routing, &decision, &members);
    let reason = if d.reason.is_empty() { why } else { format!("{}; {why}", d.reason) };
    let assignment = Assignment {
        assignee: decision.pick,
        team: Some(s.team.id),
        by: d.by,
        reason,
        expect: d.expect,
        note: d.note,
        transfer: d.transfer,
    };
    let record = number(s, d.conversation.number_id).assign(d.conversation.id, assignment).await?;
    match decision.pick {
        Some(user) => assigned(me, s, d.conversation, user, &record)?,
        None => {
            if let Some(exclude) = d.exclude {
                s.passed_over.insert(d.conversation.id, exclude);
            }
            if !s.queue.contains(&d.conversation) {
                s.queue.push_back(d.conversation);
            }
        }
    }
    Ok(record)
}

/// Bookkeeping after a member got a chat.
fn assigned(
    me: &ActorRef<TeamMsg>,
    s: &mut TeamState,
    conversation: ConversationRef,
    user: UserId,
    record: &ConversationRecord,
) -> Result<(), ActorError> {
    let now = now_ms();
    s.cursor = Some(user);
    s.last_assigned.insert(user, now);
    s.queue.retain(|c| *c != conversation);
    s.passed_over.remove(&conversation.id);
    persist(s)?;
    if let (Some(minutes), Some(at)) = (s.team.reassign_after_minutes, record.assigned_at_ms) {
        let me = me.clone();
        let unit = s.ctx.settings.reply_deadline_unit;
        tokio::spawn(async move {
            tokio::time::sleep(unit * minutes).await;
            let _ = me.cast(TeamMsg::ReplyDeadline(conversation, user, at));
        });
    }
    Ok(())
}

/// Hands queued chats out, oldest first, while someone can take one.
async fn drain(me: &ActorRef<TeamMsg>, s: &mut TeamState) {
    // Oldest first; a chat only its releaser could take is skipped, not a
    // wall for the chats behind it.
    let waiting: Vec<ConversationRef> = s.queue.iter().copied().collect();
    for conversation in waiting {
        let members = match candidates(s).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(team.id = %s.team.id, error = %e, "cannot drain the queue now");
                return;
            }
        };
        let exclude = s.passed_over.get(&conversation.id).copied();
        let decision = pick(s.team.routing, &members, s.cursor, exclude);
        let Some(user) = decision.pick else {
            if exclude.is_some() {
                continue;
            }
            return; // nobody can take anything now
        };
        let assignment = Assignment {
            assignee: Some(user),
            team: Some(s.team.id),
            by: EventActor::System,
            reason: format!("from the team queue; {}", explain(s.team.routing, &decision, &members)),
            expect: Expect::Queued(s.team.id),
            note: None,
            transfer: false,
        };
        match number(s, conversation.number_id).assign(conversation.id, assignment).await {
            Ok(record) => {
                if let Err(e) = assigned(me, s, conversation, user, &record) {
                    tracing::error!(team.id = %s.team.id, error = %e, "could not save the rotation");
                }
            }
            // Claimed, moved or closed meanwhile: no longer this queue's.
            Err(ActorError::Conflict { .. } | ActorError::NotFound) => {
                s.queue.retain(|c| *c != conversation);
                s.passed_over.remove(&conversation.id);
            }
            Err(e) => {
                tracing::warn!(team.id = %s.team.id, error = %e, "queue drain stopped");
                return;
            }
        }
    }
}

async fn reply_deadline(
    me: &ActorRef<TeamMsg>,
    s: &mut TeamState,
    conversation: ConversationRef,
    assignee: UserId,
    assigned_at: i64,
) {
    let Ok(Some(r)) = number(s, conversation.number_id).find(conversation.id).await else { return };
    let unanswered = r.last_agent_reply_at_ms.is_none_or(|t| t < assigned_at);
    if r.assignee_id != Some(assignee)
        || r.assigned_at_ms != Some(assigned_at)
        || r.status != ConversationStatus::Open
        || !unanswered
    {
        return;
    }
    let minutes = s.team.reassign_after_minutes.unwrap_or_default();
    let d = Dispatch {
        conversation,
        by: EventActor::System,
        reason: format!("no reply within {minutes} minute{}", if minutes == 1 { "" } else { "s" }),
        note: None,
        transfer: false,
        expect: Expect::Assignee(Some(assignee)),
        exclude: Some((assignee, "did not reply in time")),
    };
    if let Err(e) = dispatch(me, s, d).await {
        tracing::debug!(conversation.id = %conversation.id, error = %e, "reply-deadline reroute skipped");
    }
}

/// Typed access to a TeamActor, found through the routing snapshot.
#[derive(Clone, Debug)]
pub struct TeamHandle {
    pub(crate) ctx: Ctx,
    /// The team.
    pub team_id: TeamId,
}

impl TeamHandle {
    fn actor(&self) -> Result<ActorRef<TeamMsg>, ActorError> {
        self.ctx.routes.team(self.team_id).ok_or(ActorError::NotFound)
    }

    /// The running actor, waiting out a respawn in progress (for calls).
    async fn live(&self) -> Result<ActorRef<TeamMsg>, ActorError> {
        let id = self.team_id;
        self.ctx.routes.live(self.ctx.settings.call_timeout, |r| r.team(id)).await.ok_or(ActorError::NotFound)
    }

    /// Routes a chat through the team and returns its new summary.
    pub async fn dispatch(&self, d: Dispatch) -> Result<ConversationRecord, ActorError> {
        ask_result(
            &self.live().await?,
            |r| TeamMsg::Dispatch(Box::new(d), Some(r)),
            self.ctx.settings.call_timeout * 2,
        )
        .await
    }

    /// Tells the team its configuration changed.
    pub fn reconfigure(&self, team: Team) -> Result<(), ActorError> {
        self.actor()?
            .cast(TeamMsg::Reconfigure(Box::new(team)))
            .map_err(|_| ActorError::Unavailable("team is not running".into()))
    }

    /// Chats waiting in the queue.
    pub async fn queue_length(&self) -> Result<usize, ActorError> {
        ask(&self.live().await?, TeamMsg::QueueLength, self.ctx.settings.call_timeout).await
    }
}

/// Routes a chat through a team without waiting (used by conversations,
/// which must never call a TeamActor synchronously).
pub(crate) fn dispatch_later(ctx: &Ctx, team: TeamId, conversation: ConversationRef, reason: &str) {
    if let Some(actor) = ctx.routes.team(team) {
        let d = Dispatch {
            conversation,
            by: EventActor::System,
            reason: reason.to_string(),
            note: None,
            transfer: false,
            expect: Expect::Queued(team),
            exclude: None,
        };
        let _ = actor.cast(TeamMsg::Dispatch(Box::new(d), None));
    }
}
