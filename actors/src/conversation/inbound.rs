//! What customers send: messages (deduplicated by wamid, reopening a closed
//! chat) and delivery statuses (never moving backwards).
//!
//! Reopening follows the inbox rule: back to the previous assignee if they
//! are still active, otherwise to the team's queue (the TeamActor routes
//! it) or to Not Assigned.

use std::collections::{HashMap, HashSet};

use tenants::MessageId;
use whatsapp::{DeliveryStatus, InboundMessage, StatusUpdate};

use super::change::preview;
use super::record::{
    Body, ConversationStatus, Direction, EventActor, EventKind, MessageError, MessageRecord, MessageStatus,
};
use super::{ConversationState, InboundOutcome};
use crate::clock::now_ms;
use crate::directory::DirectoryHandle;
use crate::error::ActorError;
use crate::store::Tree;
use crate::team;

/// Stores new customer messages.
pub(super) async fn messages(
    s: &mut ConversationState,
    profile_name: Option<String>,
    messages: Vec<InboundMessage>,
) -> Result<InboundOutcome, ActorError> {
    let mut c = s.begin();
    let mut outcome = InboundOutcome::default();
    if !s.persisted {
        c.event(EventActor::Customer, EventKind::Created);
    }
    if let Some(name) = profile_name.filter(|n| Some(n) != s.record.customer_name.as_ref()) {
        s.record.customer_name = Some(name.clone());
        c.event(EventActor::Customer, EventKind::CustomerRenamed { name });
    }
    let mut seen = HashSet::new();
    let mut reroute = None;
    let now = now_ms();
    for m in messages {
        let wamid_key = s.wamid_key(&m.wamid);
        if !seen.insert(m.wamid.clone()) || s.ctx.store.get::<MessageId>(Tree::Wamids, &wamid_key)?.is_some()
        {
            outcome.duplicates += 1;
            continue;
        }
        if s.record.status == ConversationStatus::Closed {
            reroute = reopen(s, &mut c).await;
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
        c.event(EventActor::Customer, EventKind::MessageReceived { message_id: message.id });
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
    if let Some(team_id) = reroute {
        team::dispatch_later(
            &s.ctx,
            team_id,
            s.conversation_ref(),
            "reopened; the previous assignee is inactive",
        );
    }
    s.ctx.metrics.messages_in.fetch_add(outcome.stored as u64, std::sync::atomic::Ordering::Relaxed);
    Ok(outcome)
}

/// Reopens the chat; returns the team to route it through when the
/// previous assignee cannot have it back.
async fn reopen(s: &mut ConversationState, c: &mut super::change::Change) -> Option<tenants::TeamId> {
    s.record.status = ConversationStatus::Open;
    c.event(EventActor::Customer, EventKind::Reopened);
    let now = now_ms();
    let Some(previous) = s.record.assignee_id else {
        s.record.queued_at_ms = Some(now);
        return None;
    };
    let directory = DirectoryHandle { ctx: s.ctx.clone() };
    // If the Directory cannot answer, keep the assignee: a chat with an
    // owner beats an orphan, and a manager can still move it.
    if directory.is_active(previous).await.unwrap_or(true) {
        return None;
    }
    s.record.assignee_id = None;
    s.record.assigned_at_ms = None;
    s.record.queued_at_ms = Some(now);
    c.event(
        EventActor::System,
        EventKind::Assigned {
            assignee: None,
            team: s.record.team_id,
            reason: "reopened; the previous assignee is no longer active".into(),
        },
    );
    s.record.team_id
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

/// Applies delivery statuses to outbound messages.
pub(super) fn statuses(s: &mut ConversationState, updates: Vec<StatusUpdate>) -> Result<(), ActorError> {
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
            c.event(EventActor::System, EventKind::StatusChanged { message_id: id, status });
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
