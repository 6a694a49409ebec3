//! The ConversationActor: one customer (`wa_id`) on one business number,
//! the unit of consistency.
//!
//! Every change (a message in or out, a delivery status, ...) is an event
//! appended to the conversation's log, written in one batch with the
//! message and the updated summary: all or nothing, through the store's
//! journal or in an order whose torn prefix a start repairs (`recovery`). After each write the actor tells its
//! NumberActor the new summary *before* answering, so a caller that got the
//! answer and then queries the NumberActor's index sees the change (one
//! mailbox, in order). Live events go to the Hub only once durable.
//!
//! Spawned on demand by its NumberActor, it loads itself from sled; a panic
//! loses only the in-flight request (the caller gets an error and, for a
//! webhook, Meta retries), and the next message respawns it from disk.

pub mod bot;
mod change;
pub mod commerce;
mod history;
mod inbound;
pub mod order;
mod outbound;
pub mod record;
mod recovery;
pub mod window;
mod workflow;

pub(crate) use history::newest_messages;
pub(crate) use outbound::{request_of, waiting_send};
pub(crate) use recovery::{send_landed, Landed};
pub(crate) use workflow::schedule_bot_timer;

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tenants::{ConversationId, MessageId, NumberId, TeamId, TenantId, UserId};
use tracing::Instrument;
use whatsapp::{InboundMessage, StatusUpdate};

use crate::ask::reply;
use crate::clock::now_ms;
use crate::ctx::Ctx;
use crate::error::ActorError;
use crate::number::catalog::Catalog;
use crate::number::NumberMsg;
use crate::store::{key, Tree};
use crate::view::MessageView;
use record::{ConversationRecord, ConversationStatus, Event, EventActor, StoredMedia, SummaryRow};

/// What an agent sends.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// Free-form text (needs the 24-hour window).
    Text {
        /// The text.
        body: String,
        /// Render link previews.
        preview_url: bool,
    },
    /// A template (allowed outside the window; validated by the caller
    /// against the number's approved templates).
    Template {
        /// The template object as Meta's send API takes it.
        template: serde_json::Value,
    },
    /// A reaction to one of the conversation's messages.
    Reaction {
        /// The message reacted to.
        target: MessageId,
        /// The emoji (empty removes the reaction).
        emoji: String,
    },
    /// Any other message (media, buttons, list, product...): Meta's request
    /// body for this customer, built and validated by the caller.
    Prepared {
        /// Meta's message type.
        kind: String,
        /// Caption or body text, for previews.
        text: Option<String>,
        /// The request body.
        request: serde_json::Value,
    },
}

impl Outbound {
    /// Free-form messages need the 24-hour window; templates do not.
    fn needs_window(&self) -> bool {
        !matches!(self, Self::Template { .. })
    }
}

/// An agent's message and how to send it.
#[derive(Debug, Clone)]
pub struct SendRequest {
    /// The agent.
    pub author: UserId,
    /// What to send.
    pub outbound: Outbound,
    /// The message it replies to (shown quoted on the customer's phone).
    pub reply_to: Option<MessageId>,
    /// Client-chosen key making retries return the first message.
    pub idempotency_key: Option<String>,
}

/// The outcome of a send at the Cloud API, reported by the outbox.
#[derive(Debug, Clone)]
pub enum SendOutcome {
    /// Accepted; WhatsApp's id.
    Sent(String),
    /// Refused for good.
    Failed {
        /// Meta's code (0 when ours).
        code: i64,
        /// Meta's reason.
        message: String,
    },
}

/// The Outbox's verdict on one send.
#[derive(Debug, Clone)]
pub struct Settlement {
    /// The message sent.
    pub message: MessageId,
    /// What Meta said.
    pub outcome: SendOutcome,
    /// The send has an outbox row to delete (`record::OutboxEntry::has_row`).
    pub has_row: bool,
}

/// What an inbound batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboundOutcome {
    /// New messages stored.
    pub stored: usize,
    /// Redeliveries ignored.
    pub duplicates: usize,
}

/// ConversationActor requests (built only by `NumberHandle`).
pub enum ConversationMsg {
    /// Customer messages from a webhook.
    Inbound {
        /// The customer's profile name from the same webhook.
        profile_name: Option<String>,
        /// The messages, in webhook order.
        messages: Vec<InboundMessage>,
        /// The number's catalog, to resolve an order's products.
        catalog: Arc<Catalog>,
        /// Reply once written (not yet flushed).
        reply: RpcReplyPort<Result<InboundOutcome, ActorError>>,
    },
    /// Delivery statuses from a webhook.
    Statuses(Vec<StatusUpdate>, RpcReplyPort<Result<(), ActorError>>),
    /// A page of history, oldest first.
    Messages {
        /// Page size.
        limit: usize,
        /// Only messages older than this one.
        before: Option<MessageId>,
        /// The page.
        reply: RpcReplyPort<Result<Vec<MessageView>, ActorError>>,
    },
    /// An agent's message.
    Send(Box<SendRequest>, RpcReplyPort<Result<MessageView, ActorError>>),
    /// The outbox's verdict on a send.
    SendResult(Settlement),
    /// Change the assignee and/or team.
    Assign(Box<Assignment>, RpcReplyPort<Result<ConversationRecord, ActorError>>),
    /// Close (`open: false`) or reopen.
    SetOpen {
        /// Reopen or close.
        open: bool,
        /// Who.
        by: EventActor,
        /// The new summary.
        reply: RpcReplyPort<Result<ConversationRecord, ActorError>>,
    },
    /// Replace the labels.
    SetLabels(Vec<String>, EventActor, RpcReplyPort<Result<ConversationRecord, ActorError>>),
    /// Switch the chatbot on or off (`true, true`: on, restarting its flow;
    /// `true, false`: on, resuming where it was).
    SetBot(bool, bool, EventActor, RpcReplyPort<Result<ConversationRecord, ActorError>>),
    /// A chatbot `wait` step's timer fired.
    BotTimer,
    /// The number's flows changed (not counted: sent by the parent outside
    /// routing, like `Passivate`).
    BotContext(Arc<bot::BotCtx>),
    /// Add an internal note, notifying the mentioned colleagues.
    AddNote {
        /// The note.
        text: String,
        /// Colleagues to notify.
        mentions: Vec<UserId>,
        /// Those of them who may not see the chat.
        blind: Vec<UserId>,
        /// The author.
        by: UserId,
        /// The stored note.
        reply: RpcReplyPort<Result<MessageView, ActorError>>,
    },
    /// An agent read the chat.
    MarkRead(UserId, RpcReplyPort<Result<ConversationRecord, ActorError>>),
    /// A page of the event log (the audit trail), oldest first.
    Events {
        /// Page size.
        limit: usize,
        /// Only events before this seq.
        before: Option<u64>,
        /// The page.
        reply: RpcReplyPort<Result<Vec<Event>, ActorError>>,
    },
    /// A tenant-wide change that touches this chat (no reply).
    Sweep(Sweep),
    /// Move one of the chat's orders (and maybe tell the customer).
    UpdateOrder(Box<commerce::OrderUpdate>, RpcReplyPort<Result<order::OrderRecord, ActorError>>),
    /// A received message's media file was downloaded and stored.
    MediaStored(MessageId, StoredMedia),
    /// The stored media of a message, with its file name if it has one.
    MediaOf(MessageId, RpcReplyPort<Result<(StoredMedia, Option<String>), ActorError>>),
    /// The parent asks an idle conversation whether it may be passivated
    /// (not counted: it does not come through routing).
    Passivate,
    /// Fault injection for supervision tests: panics.
    Crash,
}

/// What an assignment must find to go ahead, so concurrent changes cannot
/// silently overwrite each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Whatever the current assignee.
    Any,
    /// Unassigned, or already this user's ("assign to me": exactly one of
    /// two simultaneous claims wins).
    ClaimableBy(UserId),
    /// Exactly this assignee (routing that decided on a snapshot).
    Assignee(Option<UserId>),
    /// Open, unassigned and in this team's queue (a queue hand-out).
    Queued(TeamId),
}

/// A change of assignee and/or team.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The new assignee (`None`: unassigned).
    pub assignee: Option<UserId>,
    /// The new team (`None`: no team).
    pub team: Option<TeamId>,
    /// Who decided.
    pub by: EventActor,
    /// Why, for the history.
    pub reason: String,
    /// Precondition.
    pub expect: Expect,
    /// A transfer's note, kept as an internal note.
    pub note: Option<String>,
    /// Whether this is a transfer (the notification says so).
    pub transfer: bool,
}

/// Tenant-wide changes applied to every affected conversation.
#[derive(Debug, Clone)]
pub enum Sweep {
    /// A label was deleted.
    RemoveLabel(String),
    /// A label was renamed (old, new).
    RenameLabel(String, String),
    /// A team was deleted.
    ClearTeam(TeamId),
    /// A user was deactivated: their open chat goes back to its team queue
    /// or to Not Assigned.
    Release(UserId),
}

impl ConversationMsg {
    /// Answers the request with `err` (when the conversation cannot be reached).
    pub(crate) fn fail(self, err: ActorError) {
        match self {
            Self::Inbound { reply: r, .. } => reply(r, Err(err)),
            Self::Statuses(_, r) => reply(r, Err(err)),
            Self::Messages { reply: r, .. } => reply(r, Err(err)),
            Self::Send(_, r) => reply(r, Err(err)),
            Self::Assign(_, r) | Self::SetOpen { reply: r, .. } => reply(r, Err(err)),
            Self::SetLabels(_, _, r) | Self::SetBot(_, _, _, r) | Self::MarkRead(_, r) => reply(r, Err(err)),
            Self::AddNote { reply: r, .. } => reply(r, Err(err)),
            Self::Events { reply: r, .. } => reply(r, Err(err)),
            Self::MediaOf(_, r) => reply(r, Err(err)),
            Self::UpdateOrder(_, r) => reply(r, Err(err)),
            Self::SendResult(..)
            | Self::Sweep(_)
            | Self::MediaStored(..)
            | Self::Passivate
            | Self::BotTimer
            | Self::BotContext(_)
            | Self::Crash => {}
        }
    }
}

/// How a ConversationActor starts.
pub struct ConversationArgs {
    pub(crate) ctx: Ctx,
    pub(crate) parent: ActorRef<NumberMsg>,
    pub(crate) id: ConversationId,
    pub(crate) tenant_id: TenantId,
    pub(crate) number_id: NumberId,
    pub(crate) wa_id: String,
    pub(crate) bot: Arc<bot::BotCtx>,
    /// Its id was minted for the message that starts it: there is nothing
    /// in sled to read (a miss costs a tree walk, on every new chat).
    pub(crate) fresh: bool,
}

/// The actor's state.
pub struct ConversationState {
    /// Shared context.
    ctx: Ctx,
    /// The NumberActor (summaries and outbox go there).
    parent: ActorRef<NumberMsg>,
    /// The summary as stored.
    record: ConversationRecord,
    /// The summary as last written to sled (`None`: never written). A
    /// commit that changes nothing in it but the event counter leaves it
    /// as it is (`change::commit`).
    written: Option<ConversationRecord>,
    /// Routed messages handled (passivation compares it with the parent's count).
    handled: u64,
    /// The number's live flows and business hours.
    bot: Arc<bot::BotCtx>,
    /// The older flow version a run is pinned to, once loaded.
    pinned: Option<(tenants::FlowId, u32, Arc<chatbot::Flow>)>,
    /// Words already in the search index for this chat since the actor
    /// started (customers repeat themselves; each skipped word is a write
    /// saved). Bounded, and gone with the actor.
    indexed_words: std::collections::HashSet<String>,
    /// This actor's sends still waiting for their outcome, which its
    /// summary row lists, and the first few as last written
    /// (`outbound::Pending`): their outcome then needs no sled read.
    pending: outbound::Pending,
    /// No early status row can exist for this chat: it is new, or a look
    /// found none and only this actor writes them (`outbound::send_result`).
    no_early_statuses: bool,
}

/// The ConversationActor.
pub struct ConversationActor;

impl Actor for ConversationActor {
    type Msg = ConversationMsg;
    type State = ConversationState;
    type Arguments = ConversationArgs;

    async fn pre_start(
        &self,
        _me: ActorRef<ConversationMsg>,
        a: ConversationArgs,
    ) -> Result<ConversationState, ActorProcessingErr> {
        let summary = record_key(a.tenant_id, a.number_id, a.id);
        let stored = if a.fresh {
            None
        } else {
            a.ctx.store.get_upgrading::<SummaryRow, ConversationRecord>(Tree::Conversations, &summary)?
        };
        let (stored, listed) = match stored {
            Some(row) => (Some(row.record), row.unsettled),
            None => (None, Vec::new()),
        };
        let pending = outbound::Pending::resumed(&a.ctx.store, a.tenant_id, a.id, listed)?;
        let written = stored.clone();
        let now = now_ms();
        let mut record = stored.unwrap_or(ConversationRecord {
            id: a.id,
            tenant_id: a.tenant_id,
            number_id: a.number_id,
            wa_id: a.wa_id,
            customer_name: None,
            status: ConversationStatus::Open,
            assignee_id: None,
            team_id: None,
            labels: Vec::new(),
            unread: 0,
            bot_enabled: true,
            last_customer_at_ms: None,
            last_inbound_wamid: None,
            last_message_at_ms: now,
            created_at_ms: now,
            preview: None,
            next_seq: 0,
            queued_at_ms: Some(now),
            assigned_at_ms: None,
            last_agent_reply_at_ms: None,
            window_closed_at_ms: None,
            bot_run: None,
            attributes: Vec::new(),
        });
        // The stored summary's event counter may lag its log (see
        // `written`); a chat never written has no log.
        if written.is_some() {
            let log = recovery::log_end(&a.ctx.store, a.tenant_id, a.number_id, a.id, record.next_seq)?;
            record.next_seq = record.next_seq.max(log.next_seq);
        }
        Ok(ConversationState {
            ctx: a.ctx,
            parent: a.parent,
            record,
            written,
            handled: 0,
            bot: a.bot,
            pinned: None,
            indexed_words: Default::default(),
            pending,
            no_early_statuses: a.fresh,
        })
    }

    async fn handle(
        &self,
        me: ActorRef<ConversationMsg>,
        msg: ConversationMsg,
        s: &mut ConversationState,
    ) -> Result<(), ActorProcessingErr> {
        // Every log line of this message carries its tenant and conversation.
        let span = tracing::info_span!("conversation", tenant.id = %s.record.tenant_id, conversation.id = %s.record.id);
        handle(me, msg, s).instrument(span).await
    }
}

async fn handle(
    me: ActorRef<ConversationMsg>,
    msg: ConversationMsg,
    s: &mut ConversationState,
) -> Result<(), ActorProcessingErr> {
    {
        if !matches!(msg, ConversationMsg::Passivate | ConversationMsg::BotContext(_)) {
            s.handled += 1;
        }
        match msg {
            ConversationMsg::Passivate => {
                let _ = s.parent.cast(NumberMsg::PassivateReady(s.record.id, me.get_id(), s.handled));
            }
            // The async arms are boxed: a future is as large as its largest
            // await, and this one lives in every running actor's task
            // (3.3 KB unboxed, most of it this arm's).
            ConversationMsg::Inbound { profile_name, messages, catalog, reply: r } => {
                reply(r, Box::pin(inbound::messages(s, profile_name, messages, &catalog)).await)
            }
            ConversationMsg::UpdateOrder(update, r) => reply(r, commerce::update(s, *update)),
            ConversationMsg::Statuses(updates, r) => reply(r, inbound::statuses(s, updates)),
            ConversationMsg::Messages { limit, before, reply: r } => {
                reply(r, history::messages(s, limit, before))
            }
            ConversationMsg::Send(request, r) => reply(r, outbound::send(s, *request)),
            ConversationMsg::SendResult(result) => {
                if let Err(e) = outbound::send_result(s, result) {
                    tracing::error!(conversation.id = %s.record.id, error = %e, "could not record a send result");
                }
            }
            ConversationMsg::Assign(a, r) => reply(r, workflow::assign(s, *a)),
            ConversationMsg::SetOpen { open, by, reply: r } => reply(r, workflow::set_open(s, open, by)),
            ConversationMsg::SetLabels(labels, by, r) => reply(r, workflow::set_labels(s, labels, by)),
            ConversationMsg::SetBot(enabled, restart, by, r) => {
                reply(r, Box::pin(workflow::set_bot(s, enabled, restart, by)).await)
            }
            ConversationMsg::BotTimer => {
                if let Err(e) = Box::pin(workflow::bot_timer(s)).await {
                    tracing::error!(conversation.id = %s.record.id, error = %e, "chatbot timer failed");
                }
            }
            ConversationMsg::BotContext(ctx) => s.bot = ctx,
            ConversationMsg::AddNote { text, mentions, blind, by, reply: r } => {
                reply(r, workflow::add_note(s, text, mentions, &blind, by))
            }
            ConversationMsg::MarkRead(by, r) => reply(r, workflow::mark_read(s, by)),
            ConversationMsg::Events { limit, before, reply: r } => {
                reply(r, history::events(s, limit, before))
            }
            ConversationMsg::MediaStored(id, media) => {
                if let Err(e) = inbound::media_stored(s, id, media) {
                    tracing::error!(conversation.id = %s.record.id, error = %e, "could not record stored media");
                }
            }
            ConversationMsg::MediaOf(id, r) => reply(r, history::media_of(s, id)),
            ConversationMsg::Sweep(sweep) => {
                if let Err(e) = workflow::sweep(s, sweep) {
                    tracing::error!(conversation.id = %s.record.id, error = %e, "sweep failed");
                }
            }
            ConversationMsg::Crash => panic!("fault injection: conversation {} crashed", s.record.id),
        }
        Ok(())
    }
}

pub(crate) fn record_key(tenant: TenantId, number: NumberId, id: ConversationId) -> Vec<u8> {
    key(&[&tenant.to_bytes(), &number.to_bytes(), &id.to_bytes()])
}

/// `tenant | conversation | message`: a message's row.
pub(crate) fn message_key(tenant: TenantId, conversation: ConversationId, id: MessageId) -> Vec<u8> {
    key(&[&tenant.to_bytes(), &conversation.to_bytes(), &id.to_bytes()])
}

/// `tenant | number | message`: a send's outbox row, as older builds
/// wrote them (`record::OutboxEntry`), which the number's Outbox reads at
/// its start.
pub(crate) fn outbox_key(tenant: TenantId, number: NumberId, id: MessageId) -> Vec<u8> {
    key(&[&tenant.to_bytes(), &number.to_bytes(), &id.to_bytes()])
}

impl ConversationState {
    /// How other actors address this conversation.
    pub(crate) fn conversation_ref(&self) -> ConversationRef {
        ConversationRef {
            tenant_id: self.record.tenant_id,
            number_id: self.record.number_id,
            id: self.record.id,
        }
    }
}

/// A conversation's address: its tenant, its number and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConversationRef {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The number whose actor routes to it.
    pub number_id: NumberId,
    /// The conversation.
    pub id: ConversationId,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future an async fn of this shape returns.
    fn future_size<'a, F>(
        _: fn(ActorRef<ConversationMsg>, ConversationMsg, &'a mut ConversationState) -> F,
    ) -> usize {
        std::mem::size_of::<F>()
    }

    /// `handle`'s future lives inside every running actor's task, idle or
    /// not, so its async arms are boxed (it was 3.3 KB a chat).
    #[test]
    fn handling_a_message_keeps_a_small_future_in_the_task() {
        let size = future_size(handle);
        assert!(size <= 1024, "handle's future is {size} bytes: box the arm that grew it");
    }
}
