//! What agents send: the 24-hour window check, the durable outbox entry
//! written with the message, idempotency keys, and the outbox's verdict.
//! An agent's reply also pauses the chatbot for the chat.

use tenants::{MessageId, UserId};

use super::change::preview;
use super::record::{
    Body, Direction, EventActor, EventKind, MessageError, MessageRecord, MessageStatus, OutboxEntry,
};
use super::{window, ConversationState, Outbound, SendOutcome};
use crate::clock::now_ms;
use crate::error::ActorError;
use crate::number::NumberMsg;
use crate::store::{key, Tree};
use crate::view::MessageView;

pub(super) fn send(
    s: &mut ConversationState,
    author: UserId,
    outbound: Outbound,
    idempotency_key: Option<String>,
) -> Result<MessageView, ActorError> {
    let idem_key = idempotency_key.map(|k| key(&[&s.prefix(), k.as_bytes()]));
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
    if s.record.bot_enabled {
        // An agent who answers takes over from the chatbot.
        s.record.bot_enabled = false;
        c.event(EventActor::User(author), EventKind::BotToggled { enabled: false });
    }
    s.record.last_agent_reply_at_ms = Some(now);
    c.batch.put(Tree::Messages, s.message_key(message.id), &message)?;
    c.batch.put(Tree::Outbox, outbox_key(&entry), &entry)?;
    if let Some(k) = idem_key {
        c.batch.put(Tree::Idempotency, k, &message.id)?;
    }
    c.event(EventActor::User(author), EventKind::MessageQueued { message_id: message.id });
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

pub(super) fn send_result(
    s: &mut ConversationState,
    id: MessageId,
    outcome: SendOutcome,
) -> Result<(), ActorError> {
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
    c.event(EventActor::System, EventKind::StatusChanged { message_id: id, status: m.status });
    c.messages.push(("message.status", m));
    s.commit(c, None)
}
