//! The ConversationActor: one customer (`wa_id`) on one business number,
//! the unit of consistency.
//!
//! Every change (a message in or out, a delivery status, ...) is an event
//! appended to the conversation's log, written in one sled transaction with
//! the message and the updated summary. After each write the actor tells its
//! NumberActor the new summary *before* answering, so a caller that got the
//! answer and then queries the NumberActor's index sees the change (one
//! mailbox, in order). Live events go to the Hub only once durable.
//!
//! Spawned on demand by its NumberActor, it loads itself from sled; a panic
//! loses only the in-flight request (the caller gets an error and, for a
//! webhook, Meta retries), and the next message respawns it from disk.

pub mod record;
pub mod window;

use std::collections::{HashMap, HashSet};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tenants::{ConversationId, MessageId, NumberId, TenantId, UserId};
use whatsapp::{DeliveryStatus, InboundMessage, StatusUpdate};

use crate::ask::reply;
use crate::clock::now_ms;
use crate::ctx::Ctx;
use crate::error::ActorError;
use crate::hub::{publish_when_durable, LiveEvent, Visibility};
use crate::number::NumberMsg;
use crate::store::{key, seq, Batch, Tree};
use crate::view::{ConversationView, MessageView};
use record::{
    Body, ConversationRecord, ConversationStatus, Direction, Event, EventActor, EventKind, MessageError,
    MessageRecord, MessageStatus, OutboxEntry,
};

/// Longest preview kept in the summary.
const PREVIEW_CHARS: usize = 120;

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
    /// A template (allowed outside the window).
    Template {
        /// The template object as Meta's send API takes it.
        template: serde_json::Value,
    },
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
    Send {
        /// The agent.
        author: UserId,
        /// What to send.
        outbound: Outbound,
        /// Client-chosen key making retries return the first message.
        idempotency_key: Option<String>,
        /// The pending message.
        reply: RpcReplyPort<Result<MessageView, ActorError>>,
    },
    /// The outbox's verdict on a send.
    SendResult(MessageId, SendOutcome),
    /// Fault injection for supervision tests: panics.
    Crash,
}

impl ConversationMsg {
    /// Answers the request with `err` (when the conversation cannot be reached).
    pub(crate) fn fail(self, err: ActorError) {
        match self {
            Self::Inbound { reply: r, .. } => reply(r, Err(err)),
            Self::Statuses(_, r) => reply(r, Err(err)),
            Self::Messages { reply: r, .. } => reply(r, Err(err)),
            Self::Send { reply: r, .. } => reply(r, Err(err)),
            Self::SendResult(..) | Self::Crash => {}
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
}

/// The actor's state.
pub struct ConversationState {
    /// Shared context.
    ctx: Ctx,
    /// The NumberActor (summaries and outbox go there).
    parent: ActorRef<NumberMsg>,
    /// The summary as stored.
    record: ConversationRecord,
    /// Whether the record exists in sled yet.
    persisted: bool,
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
        let stored = a
            .ctx
            .store
            .get::<ConversationRecord>(Tree::Conversations, &record_key(a.tenant_id, a.number_id, a.id))?;
        let persisted = stored.is_some();
        let now = now_ms();
        let record = stored.unwrap_or(ConversationRecord {
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
            last_message_at_ms: now,
            created_at_ms: now,
            preview: None,
            next_seq: 0,
        });
        Ok(ConversationState { ctx: a.ctx, parent: a.parent, record, persisted })
    }

    async fn handle(
        &self,
        _me: ActorRef<ConversationMsg>,
        msg: ConversationMsg,
        s: &mut ConversationState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            ConversationMsg::Inbound { profile_name, messages, reply: r } => {
                reply(r, inbound(s, profile_name, messages))
            }
            ConversationMsg::Statuses(updates, r) => reply(r, statuses(s, updates)),
            ConversationMsg::Messages { limit, before, reply: r } => reply(r, history(s, limit, before)),
            ConversationMsg::Send { author, outbound, idempotency_key, reply: r } => {
                reply(r, send(s, author, outbound, idempotency_key))
            }
            ConversationMsg::SendResult(id, outcome) => {
                if let Err(e) = send_result(s, id, outcome) {
                    tracing::error!(conversation.id = %s.record.id, error = %e, "could not record a send result");
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

/// `tenant | conversation`: the prefix of this conversation's own rows.
fn prefix(r: &ConversationRecord) -> Vec<u8> {
    key(&[&r.tenant_id.to_bytes(), &r.id.to_bytes()])
}

fn preview(text: Option<&str>) -> Option<String> {
    text.map(|t| t.chars().take(PREVIEW_CHARS).collect())
}

/// A write in progress: events and live events that go with one batch.
struct Change {
    batch: Batch,
    events: Vec<(EventActor, EventKind)>,
    messages: Vec<(&'static str, MessageRecord)>,
    previous: Visibility,
}

impl ConversationState {
    fn visibility(&self) -> Visibility {
        Visibility {
            tenant_id: self.record.tenant_id,
            assignee_id: self.record.assignee_id,
            team_id: self.record.team_id,
        }
    }

    fn begin(&self) -> Change {
        Change {
            batch: Batch::default(),
            events: Vec::new(),
            messages: Vec::new(),
            previous: self.visibility(),
        }
    }

    fn message_key(&self, id: MessageId) -> Vec<u8> {
        key(&[&prefix(&self.record), &id.to_bytes()])
    }

    fn wamid_key(&self, wamid: &str) -> Vec<u8> {
        key(&[&prefix(&self.record), wamid.as_bytes()])
    }

    fn load_message(&self, id: MessageId) -> Result<MessageRecord, ActorError> {
        self.ctx.store.get(Tree::Messages, &self.message_key(id))?.ok_or(ActorError::NotFound)
    }

    /// Appends the change's events, writes it with the summary, tells the
    /// parent, and queues the live events for after the flush.
    fn commit(&mut self, mut c: Change, conversation_kind: Option<&'static str>) -> Result<(), ActorError> {
        let now = now_ms();
        let created = !self.persisted;
        for (by, kind) in c.events.drain(..) {
            let event = Event { seq: self.record.next_seq, at_ms: now, by, kind };
            c.batch.put(Tree::Events, key(&[&prefix(&self.record), &seq(event.seq)]), &event)?;
            self.record.next_seq += 1;
        }
        c.batch.put(
            Tree::Conversations,
            record_key(self.record.tenant_id, self.record.number_id, self.record.id),
            &self.record,
        )?;
        self.ctx.store.write(c.batch)?;
        self.persisted = true;
        let _ = self.parent.cast(NumberMsg::SummaryChanged(Box::new(self.record.clone())));
        let kind = if created { Some("conversation.created") } else { conversation_kind };
        if let Some(kind) = kind {
            self.publish(kind, None, Some(c.previous));
        }
        for (kind, m) in &c.messages {
            self.publish(kind, Some(m), None);
        }
        Ok(())
    }

    fn publish(&self, kind: &'static str, message: Option<&MessageRecord>, previous: Option<Visibility>) {
        let mut payload = serde_json::Map::new();
        let conversation = ConversationView::new(&self.record, now_ms());
        payload.insert("conversation".into(), serde_json::to_value(conversation).unwrap_or_default());
        if let Some(m) = message {
            payload.insert("message".into(), serde_json::to_value(MessageView::new(m)).unwrap_or_default());
        }
        let event = LiveEvent {
            tenant_id: self.record.tenant_id,
            kind,
            visibility: self.visibility(),
            previous: previous.filter(|p| *p != self.visibility()),
            conversation_id: self.record.id.to_string(),
            payload,
        };
        publish_when_durable(&self.ctx, event);
    }
}

fn inbound(
    s: &mut ConversationState,
    profile_name: Option<String>,
    messages: Vec<InboundMessage>,
) -> Result<InboundOutcome, ActorError> {
    let mut c = s.begin();
    let mut outcome = InboundOutcome::default();
    if !s.persisted {
        c.events.push((EventActor::Customer, EventKind::Created));
    }
    if let Some(name) = profile_name.filter(|n| Some(n) != s.record.customer_name.as_ref()) {
        s.record.customer_name = Some(name.clone());
        c.events.push((EventActor::Customer, EventKind::CustomerRenamed { name }));
    }
    let mut seen = HashSet::new();
    let now = now_ms();
    for m in messages {
        let wamid_key = s.wamid_key(&m.wamid);
        if !seen.insert(m.wamid.clone()) || s.ctx.store.get::<MessageId>(Tree::Wamids, &wamid_key)?.is_some()
        {
            outcome.duplicates += 1;
            continue;
        }
        if s.record.status == ConversationStatus::Closed {
            s.record.status = ConversationStatus::Open;
            c.events.push((EventActor::Customer, EventKind::Reopened));
        }
        let sent_at_ms = m.timestamp.saturating_mul(1000);
        let message = MessageRecord {
            id: MessageId::new(),
            conversation_id: s.record.id,
            direction: Direction::In,
            wamid: Some(m.wamid.clone()),
            status: MessageStatus::Received,
            error: None,
            author_id: None,
            created_at_ms: now,
            sent_at_ms: Some(sent_at_ms),
            reply_to: m.context.as_ref().and_then(|ctx| ctx.id.clone()),
            body: Body::Received(m.content),
        };
        c.batch.put(Tree::Messages, s.message_key(message.id), &message)?;
        c.batch.put(Tree::Wamids, wamid_key, &message.id)?;
        c.events.push((EventActor::Customer, EventKind::MessageReceived { message_id: message.id }));
        let r = &mut s.record;
        r.unread += 1;
        r.last_customer_at_ms = Some(r.last_customer_at_ms.map_or(sent_at_ms, |t| t.max(sent_at_ms)));
        r.last_message_at_ms = now;
        if let Body::Received(content) = &message.body {
            r.preview =
                preview(content.preview_text()).or_else(|| Some(format!("[{}]", content.type_name())));
        }
        c.messages.push(("message.created", message));
        outcome.stored += 1;
    }
    if c.events.is_empty() {
        return Ok(outcome);
    }
    s.commit(c, Some("conversation.updated"))?;
    s.ctx.metrics.messages_in.fetch_add(outcome.stored as u64, std::sync::atomic::Ordering::Relaxed);
    Ok(outcome)
}

fn message_status(d: &DeliveryStatus) -> Option<MessageStatus> {
    match d {
        DeliveryStatus::Sent => Some(MessageStatus::Sent),
        DeliveryStatus::Delivered => Some(MessageStatus::Delivered),
        DeliveryStatus::Read => Some(MessageStatus::Read),
        DeliveryStatus::Failed => Some(MessageStatus::Failed),
        DeliveryStatus::Other(_) => None,
    }
}

fn statuses(s: &mut ConversationState, updates: Vec<StatusUpdate>) -> Result<(), ActorError> {
    let mut c = s.begin();
    let mut changed: HashMap<MessageId, MessageRecord> = HashMap::new();
    for u in updates {
        let Some(status) = message_status(&u.status) else { continue };
        let Some(id) = s.ctx.store.get::<MessageId>(Tree::Wamids, &s.wamid_key(&u.wamid))? else { continue };
        let mut m = match changed.remove(&id) {
            Some(m) => m,
            None => s.load_message(id)?,
        };
        if m.direction == Direction::Out && status.rank() > m.status.rank() {
            m.status = status;
            if status == MessageStatus::Failed {
                m.error = u.errors.first().map(|e| MessageError {
                    code: e.code,
                    message: [e.title.as_deref(), e.message.as_deref(), e.details.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": "),
                });
            }
            c.events.push((EventActor::System, EventKind::StatusChanged { message_id: id, status }));
        }
        changed.insert(id, m);
    }
    if c.events.is_empty() {
        return Ok(());
    }
    for m in changed.into_values() {
        c.batch.put(Tree::Messages, s.message_key(m.id), &m)?;
        c.messages.push(("message.status", m));
    }
    s.commit(c, None)
}

fn history(
    s: &ConversationState,
    limit: usize,
    before: Option<MessageId>,
) -> Result<Vec<MessageView>, ActorError> {
    let before_key = before.map(|b| s.message_key(b));
    let mut page: Vec<MessageView> = s
        .ctx
        .store
        .scan_back::<MessageRecord>(Tree::Messages, &prefix(&s.record), before_key.as_deref(), limit)?
        .iter()
        .map(|(_, m)| MessageView::new(m))
        .collect();
    page.reverse();
    Ok(page)
}

fn send(
    s: &mut ConversationState,
    author: UserId,
    outbound: Outbound,
    idempotency_key: Option<String>,
) -> Result<MessageView, ActorError> {
    let idem_key = idempotency_key.map(|k| key(&[&prefix(&s.record), k.as_bytes()]));
    if let Some(k) = &idem_key {
        if let Some(id) = s.ctx.store.get::<MessageId>(Tree::Idempotency, k)? {
            return Ok(MessageView::new(&s.load_message(id)?));
        }
    }
    let now = now_ms();
    let (body, request) = match outbound {
        Outbound::Text { body, preview_url } => {
            if !window::window(s.record.last_customer_at_ms, now).open {
                return Err(ActorError::unprocessable(
                    "outside_service_window",
                    "the customer last wrote more than 24 hours ago: only a template can be sent",
                ));
            }
            let request = whatsapp::outbound::text(&s.record.wa_id, &body, preview_url);
            (Body::Text { body, preview_url }, request)
        }
        Outbound::Template { template } => {
            let name = template.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let language =
                template.pointer("/language/code").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let request = whatsapp::outbound::template(&s.record.wa_id, &template);
            (Body::Template { name, language, json: template.to_string() }, request)
        }
    };
    let message = MessageRecord {
        id: MessageId::new(),
        conversation_id: s.record.id,
        direction: Direction::Out,
        body,
        wamid: None,
        status: MessageStatus::Pending,
        error: None,
        author_id: Some(author),
        created_at_ms: now,
        sent_at_ms: None,
        reply_to: None,
    };
    let entry = OutboxEntry {
        message_id: message.id,
        conversation_id: s.record.id,
        tenant_id: s.record.tenant_id,
        number_id: s.record.number_id,
        request_json: request.to_string(),
        created_at_ms: now,
    };
    let mut c = s.begin();
    c.batch.put(Tree::Messages, s.message_key(message.id), &message)?;
    c.batch.put(Tree::Outbox, outbox_key(&entry), &entry)?;
    if let Some(k) = idem_key {
        c.batch.put(Tree::Idempotency, k, &message.id)?;
    }
    c.events.push((EventActor::User(author), EventKind::MessageQueued { message_id: message.id }));
    s.record.last_message_at_ms = now;
    if let Body::Text { body, .. } = &message.body {
        s.record.preview = preview(Some(body));
    }
    let view = MessageView::new(&message);
    c.messages.push(("message.created", message));
    s.commit(c, Some("conversation.updated"))?;
    s.ctx.metrics.messages_out.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Hand the send to the outbox only once it is durable: a send that is
    // not on disk must not reach WhatsApp.
    let parent = s.parent.clone();
    s.ctx.store.commit().then(move || {
        let _ = parent.cast(NumberMsg::Enqueue(Box::new(entry)));
    });
    Ok(view)
}

pub(crate) fn outbox_key(e: &OutboxEntry) -> Vec<u8> {
    key(&[&e.tenant_id.to_bytes(), &e.number_id.to_bytes(), &e.message_id.to_bytes()])
}

fn send_result(s: &mut ConversationState, id: MessageId, outcome: SendOutcome) -> Result<(), ActorError> {
    let mut m = s.load_message(id)?;
    let mut c = s.begin();
    match outcome {
        SendOutcome::Sent(wamid) => {
            c.batch.put(Tree::Wamids, s.wamid_key(&wamid), &m.id)?;
            m.wamid = Some(wamid);
            if m.status.rank() < MessageStatus::Sent.rank() {
                m.status = MessageStatus::Sent;
            }
        }
        SendOutcome::Failed { code, message } => {
            m.status = MessageStatus::Failed;
            m.error = Some(MessageError { code, message });
        }
    }
    c.batch.delete(
        Tree::Outbox,
        key(&[&s.record.tenant_id.to_bytes(), &s.record.number_id.to_bytes(), &id.to_bytes()]),
    );
    c.batch.put(Tree::Messages, s.message_key(id), &m)?;
    c.events.push((EventActor::System, EventKind::StatusChanged { message_id: id, status: m.status }));
    c.messages.push(("message.status", m));
    s.commit(c, None)
}
