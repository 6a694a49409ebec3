//! What agents send: the 24-hour window check, the message written with
//! the summary that lists it as unsettled (the send's durable form, and
//! how its request is built again after a restart), idempotency keys, and
//! the outbox's verdict. An agent's reply also pauses the chatbot for the
//! chat.

use tenants::{ConversationId, MessageId, TenantId, UserId};

use super::change::{preview, Change};
use super::inbound::{accepted, apply_status};
use super::record::{
    Body, Direction, EarlyStatus, EventActor, EventKind, MessageError, MessageRecord, MessageStatus,
    OutboxEntry, Reaction,
};
use super::{window, ConversationState, Outbound, SendOutcome, SendRequest, Settlement};
use crate::clock::now_ms;
use crate::error::ActorError;
use crate::number::NumberMsg;
use crate::store::{key, Store, Tree};
use crate::view::MessageView;

/// Most sends a live conversation keeps in memory until their outcome;
/// past that, an outcome reads its message from sled as after a restart.
const MAX_KEPT: usize = 8;

/// This actor's sends still waiting for their outcome: every one's id,
/// which each summary write lists (`record::SummaryRow`), and the first
/// few messages exactly as sled holds them: `change::commit` forgets every
/// message a commit writes and then keeps the sends it queued. Reading the
/// message back was 3.5% of the server's CPU in the outbound scenario.
#[derive(Default)]
pub(super) struct Pending {
    unsettled: Vec<MessageId>,
    kept: Vec<MessageRecord>,
}

impl Pending {
    /// The sends a stored summary of `tenant | conversation` listed, less
    /// those settled since.
    pub(super) fn resumed(
        store: &Store,
        tenant: TenantId,
        conversation: ConversationId,
        listed: Vec<MessageId>,
    ) -> Result<Self, ActorError> {
        let mut unsettled = Vec::with_capacity(listed.len());
        for id in listed {
            if waiting_send(store, tenant, conversation, id)?.is_some() {
                unsettled.push(id);
            }
        }
        Ok(Pending { unsettled, kept: Vec::new() })
    }

    /// A send enters, before the commit that writes its summary.
    pub(super) fn queued(&mut self, id: MessageId) {
        self.unsettled.push(id);
    }

    /// The sends a summary written now lists.
    pub(super) fn unsettled(&self) -> &[MessageId] {
        &self.unsettled
    }

    /// Forgets the kept messages whose rows `written` says a commit rewrites.
    pub(super) fn forget(&mut self, written: impl Fn(MessageId) -> bool) {
        self.kept.retain(|m| !written(m.id));
    }

    /// Keeps a send just written, while there is room.
    pub(super) fn keep(&mut self, m: &MessageRecord) {
        if self.kept.len() < MAX_KEPT {
            self.kept.push(m.clone());
        }
    }

    /// Whether any message is kept.
    pub(super) fn keeps_any(&self) -> bool {
        !self.kept.is_empty()
    }

    /// A send is settled: its message as kept, if it was.
    pub(super) fn settle(&mut self, id: MessageId) -> Option<MessageRecord> {
        self.unsettled.retain(|u| *u != id);
        let at = self.kept.iter().position(|m| m.id == id)?;
        Some(self.kept.swap_remove(at))
    }
}

/// Whether a send has its outcome: Meta took it, or it failed for good.
fn settled(m: &MessageRecord) -> bool {
    m.wamid.is_some() || m.status == MessageStatus::Failed
}

/// The message of send `id` if it still waits for its outcome; `None` once
/// settled, or if it is gone. Every reader of a list of sends that may be
/// stale (a summary row's, the number's, an Outbox's retry) asks this.
pub(crate) fn waiting_send(
    store: &Store,
    tenant: TenantId,
    conversation: ConversationId,
    id: MessageId,
) -> Result<Option<MessageRecord>, ActorError> {
    let m: Option<MessageRecord> =
        store.get(Tree::Messages, &super::message_key(tenant, conversation, id))?;
    Ok(m.filter(|m| !settled(m)))
}

/// The refusal of a free-form message outside the 24-hour window.
pub(super) fn outside_window() -> ActorError {
    ActorError::unprocessable(
        "outside_service_window",
        "the customer last wrote more than 24 hours ago: only a template can be sent",
    )
}

/// What `send` stores and asks Meta for.
struct Prepared {
    body: Body,
    request: serde_json::Value,
    preview: Option<String>,
    reacts_to: Option<(MessageId, String)>,
}

fn prepare(
    s: &ConversationState,
    outbound: Outbound,
    reply_to: Option<&str>,
) -> Result<Prepared, ActorError> {
    let to = s.record.wa_id.as_str();
    let invalid = |e: whatsapp::OutboundError| ActorError::unprocessable("invalid_message", e.to_string());
    Ok(match outbound {
        Outbound::Text { body, preview_url } => Prepared {
            request: whatsapp::outbound::text_message(to, &body, preview_url, reply_to, None)
                .map_err(invalid)?,
            preview: Some(body.clone()),
            body: Body::Text { body, preview_url },
            reacts_to: None,
        },
        Outbound::Template { template } => {
            let name = template.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let language =
                template.pointer("/language/code").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            Prepared {
                preview: Some(format!("[template {name}]")),
                request: template_request(to, &template, reply_to),
                body: Body::Template { name, language, json: template.to_string() },
                reacts_to: None,
            }
        }
        Outbound::Reaction { target, emoji } => {
            let wamid = s.load_message(target)?.wamid.ok_or_else(|| {
                ActorError::unprocessable("not_reactable", "that message has no WhatsApp id yet")
            })?;
            Prepared {
                request: whatsapp::outbound::reaction(to, &wamid, &emoji, None).map_err(invalid)?,
                body: Body::Prepared {
                    kind: "reaction".into(),
                    text: Some(emoji.clone()),
                    json: String::new(),
                },
                preview: None,
                reacts_to: Some((target, emoji)),
            }
        }
        Outbound::Prepared { kind, text, request } => {
            let request = match reply_to {
                Some(wamid) => whatsapp::outbound::with_reply_to(request, wamid),
                None => request,
            };
            Prepared {
                preview: text.clone().or_else(|| Some(format!("[{kind}]"))),
                body: Body::Prepared { kind, text, json: String::new() },
                request,
                reacts_to: None,
            }
        }
    })
}

fn template_request(to: &str, template: &serde_json::Value, reply_to: Option<&str>) -> serde_json::Value {
    let request = whatsapp::outbound::template(to, template);
    match reply_to {
        Some(wamid) => whatsapp::outbound::with_reply_to(request, wamid),
        None => request,
    }
}

/// The request that sends queued message `m` to `to`, as `queue` built
/// it: the Outbox builds it again after a restart. Text and template
/// requests follow from the message; any other was stored whole
/// (`Body::Prepared`). `None` for what is not a send.
pub(crate) fn request_of(m: &MessageRecord, to: &str) -> Option<String> {
    let reply_to = m.reply_to.as_deref();
    let request = match &m.body {
        Body::Prepared { json, .. } => return Some(json.clone()),
        Body::Text { body, preview_url } => {
            whatsapp::outbound::text_message(to, body, *preview_url, reply_to, None).ok()?
        }
        Body::Template { json, .. } => template_request(to, &serde_json::from_str(json).ok()?, reply_to),
        Body::Received(_) | Body::Note { .. } => return None,
    };
    Some(whatsapp::outbound::with_callback(request, &m.id.to_string()).to_string())
}

/// Queues an agent's message: checks the window, writes the message (and
/// idempotency key) in one batch with the summary that lists it, and hands it
/// to the outbox once durable. The request carries our message id as
/// `biz_opaque_callback_data`, so Meta's status webhooks name it even when
/// we never saw the answer to the send.
pub(super) fn send(s: &mut ConversationState, req: SendRequest) -> Result<MessageView, ActorError> {
    let idem_key = req.idempotency_key.map(|k| key(&[&s.prefix(), k.as_bytes()]));
    if let Some(k) = &idem_key {
        if let Some(id) = s.ctx.store.get::<MessageId>(Tree::Idempotency, k)? {
            return Ok(MessageView::new(&s.load_message(id)?));
        }
    }
    let now = now_ms();
    if req.outbound.needs_window()
        && !window::window(s.record.last_customer_at_ms, s.record.window_closed_at_ms, now).open
    {
        return Err(outside_window());
    }
    let reply_to = match req.reply_to {
        Some(id) => Some(s.load_message(id)?.wamid.ok_or_else(|| {
            ActorError::unprocessable("invalid_reply_to", "that message has no WhatsApp id yet")
        })?),
        None => None,
    };
    let author = req.author;
    let prepared = prepare(s, req.outbound, reply_to.as_deref())?;
    let mut c = s.begin();
    if s.record.bot_enabled {
        // An agent who answers takes over from the chatbot.
        s.record.bot_enabled = false;
        c.event(EventActor::User(author), EventKind::BotToggled { enabled: false });
    }
    if let Some((target, emoji)) = prepared.reacts_to {
        let mut target_message = s.load_message(target)?;
        let from = author.to_string();
        target_message.reactions.retain(|r| r.from != from);
        if !emoji.is_empty() {
            target_message.reactions.push(Reaction { from, emoji: emoji.clone() });
        }
        c.batch.put(Tree::Messages, s.message_key(target), &target_message)?;
        c.event(EventActor::User(author), EventKind::Reacted { message_id: target, emoji: Some(emoji) });
        c.messages.push(("message.updated", target_message));
    }
    s.record.last_agent_reply_at_ms = Some(now);
    let (view, entry) = queue_with_reply(
        s,
        &mut c,
        Some(author),
        prepared.body,
        prepared.request,
        prepared.preview,
        reply_to,
    )?;
    if let Some(k) = idem_key {
        let id: MessageId = view.id.parse().map_err(|_| ActorError::Store("message id".into()))?;
        c.batch.put(Tree::Idempotency, k, &id)?;
    }
    s.commit(c, Some("conversation.updated"))?;
    enqueue_when_durable(s, vec![entry]);
    Ok(view)
}

/// Adds an outbound message to a change, listed among the unsettled sends
/// its summary is written with (`author` `None`: the chatbot); returns the
/// entry to hand to the outbox once the change is durable.
pub(super) fn queue(
    s: &mut ConversationState,
    c: &mut Change,
    author: Option<UserId>,
    body: Body,
    request: serde_json::Value,
    preview_text: Option<String>,
) -> Result<OutboxEntry, ActorError> {
    queue_with_reply(s, c, author, body, request, preview_text, None).map(|(_, entry)| entry)
}

fn queue_with_reply(
    s: &mut ConversationState,
    c: &mut Change,
    author: Option<UserId>,
    mut body: Body,
    request: serde_json::Value,
    preview_text: Option<String>,
    reply_to: Option<String>,
) -> Result<(MessageView, OutboxEntry), ActorError> {
    let now = now_ms();
    let id = MessageId::new();
    let request_json = whatsapp::outbound::with_callback(request, &id.to_string()).to_string();
    if let Body::Prepared { json, .. } = &mut body {
        json.clone_from(&request_json);
    }
    let message = MessageRecord {
        id,
        conversation_id: s.record.id,
        direction: Direction::Out,
        body,
        wamid: None,
        status: MessageStatus::Pending,
        error: None,
        author_id: author,
        created_at_ms: now,
        sent_at_ms: None,
        reply_to,
        reactions: Vec::new(),
        media: None,
        forwarded: false,
        referral: None,
    };
    let entry = OutboxEntry::of(&message, s.record.tenant_id, s.record.number_id, request_json);
    c.batch.put(Tree::Messages, s.message_key(message.id), &message)?;
    s.pending.queued(message.id);
    let by = author.map(EventActor::User).unwrap_or(EventActor::Bot);
    c.event(by, EventKind::MessageQueued { message_id: message.id });
    if let Some(text) = preview_text {
        s.record.last_message_at_ms = now;
        s.record.preview = preview(Some(&text));
    }
    let view = MessageView::new(&message);
    c.messages.push(("message.created", message));
    s.ctx.metrics.messages_out.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok((view, entry))
}

/// Hands sends to the outbox only once they are durable: a send that is
/// not on disk must not reach WhatsApp.
pub(super) fn enqueue_when_durable(s: &ConversationState, entries: Vec<OutboxEntry>) {
    if entries.is_empty() {
        return;
    }
    let parent = s.parent.clone();
    s.ctx.store.commit().then(move || {
        for entry in entries {
            let _ = parent.cast(NumberMsg::Enqueue(Box::new(entry)));
        }
    });
}

pub(super) fn send_result(s: &mut ConversationState, result: Settlement) -> Result<(), ActorError> {
    let Settlement { message: id, outcome, has_row } = result;
    let mut m = match s.pending.settle(id) {
        Some(m) => m,
        None => s.load_message(id)?,
    };
    if settled(&m) {
        // Already settled (e.g. by a status webhook carrying our id).
        return Ok(());
    }
    let mut c = s.begin();
    match outcome {
        SendOutcome::Sent(wamid) => {
            // Statuses that arrived before this answer apply now; `sent`
            // never moves a message back from them.
            if !no_early_statuses(s)? {
                let early_key = s.early_key(&wamid);
                let early: Vec<EarlyStatus> =
                    s.ctx.store.get(Tree::EarlyStatuses, &early_key)?.unwrap_or_default();
                for e in early {
                    apply_status(&mut m, e.status, e.error);
                }
                c.batch.delete(Tree::EarlyStatuses, early_key);
            }
            // No wamid row: Meta's statuses name the message by our id
            // (`biz_opaque_callback_data`, see `inbound::status_target`).
            accepted(&mut m, wamid);
        }
        SendOutcome::Failed { code, message } => {
            if code == OUTSIDE_WINDOW {
                // Meta knows best: the window is closed until the customer writes.
                s.record.window_closed_at_ms = Some(now_ms());
            }
            m.status = MessageStatus::Failed;
            m.error = Some(MessageError { code, message });
        }
    }
    if has_row {
        c.batch.delete(Tree::Outbox, s.outbox_key_of(id));
    }
    // The summary keeps listing the send until its next write: a restart
    // reads this message and leaves it.
    c.batch.put(Tree::Messages, s.message_key(id), &m)?;
    // Meta's acceptance is kept on the message itself (`wamid`, `sent_at`)
    // and not in the log, which keeps a failure and the statuses Meta
    // reports later: that spares every send a row, a new sled key each.
    if m.status == MessageStatus::Failed {
        c.event(EventActor::System, EventKind::StatusChanged { message_id: id, status: m.status });
    }
    let window_changed = s.record.window_closed_at_ms.is_some_and(|t| t >= m.created_at_ms);
    c.messages.push(("message.status", m));
    s.commit(c, window_changed.then_some("conversation.updated"))
}

/// Whether no status can be waiting for one of this chat's sends. Only
/// this actor writes them (`inbound::statuses`), so one look at its start
/// settles it until it writes one; most chats never have any, and their
/// sends' outcomes skip a read and a delete.
fn no_early_statuses(s: &mut ConversationState) -> Result<bool, ActorError> {
    if !s.no_early_statuses {
        let mut any = false;
        s.ctx.store.for_each_row(Tree::EarlyStatuses, &s.prefix(), |_, _| {
            any = true;
            false
        })?;
        s.no_early_statuses = !any;
    }
    Ok(s.no_early_statuses)
}

/// Meta's "re-engagement message" error: the 24-hour window is closed.
const OUTSIDE_WINDOW: i64 = 131047;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::search::tests::message;

    #[test]
    fn pending_sends_are_listed_until_settled_and_kept_until_rewritten_and_bounded() {
        let chat = tenants::ConversationId::new();
        let sends: Vec<MessageRecord> =
            (0..MAX_KEPT + 2).map(|i| message(chat, &format!("send {i}"), 1)).collect();
        let mut pending = Pending::default();
        for m in &sends {
            pending.queued(m.id);
            pending.keep(m);
        }
        assert_eq!(pending.kept.len(), MAX_KEPT, "bounded: the rest are read back from sled");
        assert_eq!(pending.unsettled().len(), sends.len(), "every send is listed");
        assert_eq!(pending.settle(sends[MAX_KEPT].id), None, "past the bound");
        assert!(!pending.unsettled().contains(&sends[MAX_KEPT].id), "settled all the same");

        let rewritten = sends[1].id;
        pending.forget(|id| id == rewritten);
        assert_eq!(pending.settle(rewritten), None, "a commit rewrote it: sled has the truth");
        assert_eq!(pending.settle(sends[0].id).as_ref(), Some(&sends[0]), "as written");
        assert_eq!(pending.settle(sends[0].id), None, "once");
        assert!(pending.keeps_any());
        assert_eq!(pending.unsettled().len(), sends.len() - 3);
    }

    #[tokio::test]
    async fn a_resumed_chat_lists_only_sends_still_waiting() {
        let (_dir, store) = crate::store::temp_store();
        let (tenant, chat) = (TenantId::new(), ConversationId::new());
        let key_of = |id: MessageId| crate::conversation::message_key(tenant, chat, id);
        let [waiting, taken, failed, gone] = ["a", "b", "c", "d"].map(|t| {
            let mut m = message(chat, t, 1);
            m.direction = Direction::Out;
            m.status = MessageStatus::Pending;
            m
        });
        let mut taken = taken;
        accepted(&mut taken, "wamid.B".into());
        let mut failed = failed;
        failed.status = MessageStatus::Failed;
        for m in [&waiting, &taken, &failed] {
            store.put(Tree::Messages, key_of(m.id), m).unwrap();
        }
        let listed = vec![waiting.id, taken.id, failed.id, gone.id];
        let pending = Pending::resumed(&store, tenant, chat, listed).unwrap();
        assert_eq!(pending.unsettled(), &[waiting.id]);
    }

    #[test]
    fn a_send_is_built_again_from_its_message_as_it_was_queued() {
        let chat = tenants::ConversationId::new();
        let to = "15550001111";
        let mut m = message(chat, "", 1);
        m.direction = Direction::Out;
        m.reply_to = Some("wamid.Q".into());
        let callback = |r: serde_json::Value| whatsapp::outbound::with_callback(r, &m.id.to_string());

        m.body = Body::Text { body: "Hi there".into(), preview_url: true };
        let text = whatsapp::outbound::text_message(to, "Hi there", true, Some("wamid.Q"), None).unwrap();
        let rebuilt: serde_json::Value = serde_json::from_str(&request_of(&m, to).unwrap()).unwrap();
        assert_eq!(rebuilt, callback(text));
        assert_eq!(rebuilt["biz_opaque_callback_data"], m.id.to_string());

        let template = serde_json::json!({"name": "order_ready", "language": {"code": "en_US"}});
        m.body = Body::Template {
            name: "order_ready".into(),
            language: "en_US".into(),
            json: template.to_string(),
        };
        let rebuilt: serde_json::Value = serde_json::from_str(&request_of(&m, to).unwrap()).unwrap();
        assert_eq!(rebuilt, callback(template_request(to, &template, Some("wamid.Q"))));
        assert_eq!(rebuilt["template"], template);

        let stored = callback(serde_json::json!({"type": "reaction", "to": to})).to_string();
        m.body = Body::Prepared { kind: "reaction".into(), text: None, json: stored.clone() };
        assert_eq!(request_of(&m, to), Some(stored), "stored whole");

        m.body = Body::Note { text: "internal".into(), mentions: Vec::new() };
        assert_eq!(request_of(&m, to), None);
    }
}
