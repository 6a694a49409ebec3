//! What customers send: messages (deduplicated by wamid, reopening a closed
//! chat, a cart becoming an order) and delivery statuses (never moving backwards).
//!
//! Reopening follows the inbox rule: back to the previous assignee if they
//! are still active, otherwise to the team's queue (the TeamActor routes
//! it) or to Not Assigned.

use std::collections::{HashMap, HashSet};

use tenants::MessageId;
use whatsapp::{Content, DeliveryStatus, InboundMessage, MetaError, StatusUpdate};

use super::change::{preview, Change};
use super::record::{
    Body, ConversationStatus, Direction, EarlyStatus, EventActor, EventKind, MessageError, MessageRecord,
    MessageStatus, Reaction, StoredMedia,
};
use super::{ConversationState, InboundOutcome};
use crate::clock::now_ms;
use crate::directory::DirectoryHandle;
use crate::error::ActorError;
use crate::number::catalog::Catalog;
use crate::number::NumberMsg;
use crate::store::Tree;
use crate::team;

/// Stores new customer messages.
pub(super) async fn messages(
    s: &mut ConversationState,
    profile_name: Option<String>,
    messages: Vec<InboundMessage>,
    catalog: &Catalog,
) -> Result<InboundOutcome, ActorError> {
    let mut c = s.begin();
    let mut outcome = InboundOutcome::default();
    if !s.persisted() {
        c.event(EventActor::Customer, EventKind::Created);
    }
    if let Some(name) = profile_name.filter(|n| Some(n.as_str()) != s.record.customer_name.as_deref()) {
        s.record.customer_name = Some(name.as_str().into());
        c.event(EventActor::Customer, EventKind::CustomerRenamed { name });
    }
    let mut seen = HashSet::new();
    let mut touched: HashMap<MessageId, MessageRecord> = HashMap::new();
    let mut fetch = Vec::new();
    let mut after = super::bot::After::default();
    let created = !s.persisted();
    let mut reroute = None;
    let now = now_ms();
    for m in messages {
        let wamid_key = s.wamid_key(&m.wamid);
        // A chat never written has no rows yet: nothing to look up.
        if !seen.insert(m.wamid.clone()) || (s.persisted() && stored_already(s, &m, &wamid_key)?) {
            outcome.duplicates += 1;
            continue;
        }
        if let Content::Reaction { message_wamid, emoji } = &m.content {
            if let Some(target) = react(s, &mut c, &mut touched, message_wamid, emoji.clone())? {
                c.batch.put(Tree::Wamids, wamid_key, &target)?;
                outcome.stored += 1;
                continue;
            }
        }
        let reopened = s.record.status == ConversationStatus::Closed;
        if reopened {
            reroute = reopen(s, &mut c).await;
        }
        let bot_input = super::bot::input_of(&m.content);
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
            reactions: Vec::new(),
            media: None,
            forwarded: m.context.as_ref().is_some_and(|ctx| ctx.forwarded || ctx.frequently_forwarded),
            referral: m.referral.clone(),
            body: Body::Received(m.content),
        };
        c.batch.put(Tree::Messages, s.message_key(message.id), &message)?;
        c.event(EventActor::Customer, EventKind::MessageReceived { message_id: message.id });
        let r = &mut s.record;
        r.unread += 1;
        r.last_inbound_wamid = message.wamid.as_deref().map(Into::into);
        r.last_customer_at_ms = Some(r.last_customer_at_ms.map_or(sent_at_ms, |t| t.max(sent_at_ms)));
        if r.window_closed_at_ms.is_some_and(|closed| super::window::reopens(closed, sent_at_ms)) {
            r.window_closed_at_ms = None;
        }
        r.last_message_at_ms = now;
        if let Body::Received(content) = &message.body {
            r.preview =
                preview(content.preview_text()).or_else(|| Some(format!("[{}]", content.type_name()).into()));
        }
        if let Some(media) = message_media(&message) {
            fetch.push((message.id, media.id.clone(), media.sha256.clone()));
        }
        super::commerce::order_of(s, &mut c, &message, catalog)?;
        c.messages.push(("message.created", message));
        outcome.stored += 1;
        super::bot::on_customer(s, &mut c, bot_input, created && outcome.stored == 1, reopened, &mut after)
            .await?;
    }
    if c.events.is_empty() {
        return Ok(outcome);
    }
    for m in touched.into_values() {
        c.batch.put(Tree::Messages, s.message_key(m.id), &m)?;
        c.messages.push(("message.updated", m));
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
    super::workflow::finish_bot(s, after);
    for (message_id, media_id, sha256) in fetch {
        let _ =
            s.parent.cast(NumberMsg::FetchMedia { conversation: s.record.id, message_id, media_id, sha256 });
    }
    s.ctx.metrics.messages_in.fetch_add(outcome.stored as u64, std::sync::atomic::Ordering::Relaxed);
    Ok(outcome)
}

/// How much earlier than Meta's timestamp of a message (the customer's
/// send) our clock may have stored its first delivery.
const CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;

/// Most of a chat's latest messages searched for the one a reaction or a
/// status names by its wamid, when no row leads to it.
const LOOKBACK: usize = 1_000;

/// Whether Meta delivered this message before. Received messages carry
/// their wamid, and a first delivery can only have been stored after the
/// customer sent it, so reading the chat's messages stored since then
/// (less clock skew), newest first, answers exactly: none for a new chat,
/// a handful for a live one, instead of a wamid row written for every
/// received message. Reactions attached to another message are not
/// messages of their own and keep their wamid row.
fn stored_already(s: &ConversationState, m: &InboundMessage, wamid_key: &[u8]) -> Result<bool, ActorError> {
    if matches!(m.content, Content::Reaction { .. })
        && s.ctx.store.get::<MessageId>(Tree::Wamids, wamid_key)?.is_some()
    {
        return Ok(true);
    }
    let since = m.timestamp.saturating_mul(1000).saturating_sub(CLOCK_SKEW_MS);
    Ok(find_by_wamid(s, &m.wamid, since, usize::MAX)?.is_some())
}

/// The stored message with this wamid among the `limit` latest stored at
/// or after `since_ms`.
fn find_by_wamid(
    s: &ConversationState,
    wamid: &str,
    since_ms: i64,
    limit: usize,
) -> Result<Option<MessageId>, ActorError> {
    let mut found = None;
    super::newest_messages(&s.ctx.store, s.record.tenant_id, s.record.id, since_ms, limit, |m| {
        found = (m.wamid.as_deref() == Some(wamid)).then_some(m.id);
        found.is_none()
    })?;
    Ok(found)
}

/// The media a received message carries, if any.
fn message_media(m: &MessageRecord) -> Option<&whatsapp::Media> {
    match &m.body {
        Body::Received(content) => content.media(),
        _ => None,
    }
}

/// Records a message's downloaded media file.
pub(super) fn media_stored(
    s: &mut ConversationState,
    id: MessageId,
    media: StoredMedia,
) -> Result<(), ActorError> {
    let mut m = s.load_message(id)?;
    if m.media.is_some() {
        return Ok(());
    }
    m.media = Some(media);
    let mut c = s.begin();
    c.batch.put(Tree::Messages, s.message_key(id), &m)?;
    c.event(EventActor::System, EventKind::MediaStored { message_id: id });
    c.messages.push(("message.updated", m));
    s.commit(c, None)
}

/// Attaches a customer's reaction to the message it reacts to (one
/// reaction per reactor; no emoji removes it). `None` when that message is
/// unknown: the reaction is then kept as a message of its own.
fn react(
    s: &ConversationState,
    c: &mut Change,
    touched: &mut HashMap<MessageId, MessageRecord>,
    target_wamid: &str,
    emoji: Option<String>,
) -> Result<Option<MessageId>, ActorError> {
    let known = s.ctx.store.get::<MessageId>(Tree::Wamids, &s.wamid_key(target_wamid))?;
    // Only older sends have a wamid row: look among the latest.
    let known = match known {
        Some(id) => Some(id),
        None => find_by_wamid(s, target_wamid, i64::MIN, LOOKBACK)?,
    };
    let Some(id) = known else {
        return Ok(None);
    };
    let target = match touched.remove(&id) {
        Some(m) => m,
        None => s.load_message(id)?,
    };
    let mut target = target;
    let from = s.record.wa_id.clone();
    target.reactions.retain(|r| r.from != from);
    if let Some(emoji) = emoji.clone() {
        target.reactions.push(Reaction { from, emoji });
    }
    c.event(EventActor::Customer, EventKind::Reacted { message_id: id, emoji });
    touched.insert(id, target);
    Ok(Some(id))
}

/// Reopens the chat; returns the team to route it through when the
/// previous assignee cannot have it back.
async fn reopen(s: &mut ConversationState, c: &mut Change) -> Option<tenants::TeamId> {
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

/// The message of ours a status is about. Our requests carry our message
/// id as `biz_opaque_callback_data`, which Meta's statuses echo, so no
/// wamid row is written per send; a status without it (older sends, which
/// have a wamid row, or a fixture) is looked for among the chat's latest
/// messages.
fn status_target(
    s: &ConversationState,
    changed: &HashMap<MessageId, MessageRecord>,
    u: &StatusUpdate,
) -> Result<Option<MessageId>, ActorError> {
    let named = u.biz_opaque_callback_data.as_deref().and_then(|d| d.parse::<MessageId>().ok());
    if let Some(id) = named {
        let ours = |m: &MessageRecord| {
            m.direction == Direction::Out && m.wamid.as_deref().is_none_or(|w| w == u.wamid)
        };
        let found = match changed.get(&id) {
            Some(m) => ours(m),
            None => s.load_message(id).is_ok_and(|m| ours(&m)),
        };
        if found {
            return Ok(Some(id));
        }
    }
    if let Some(id) = s.ctx.store.get::<MessageId>(Tree::Wamids, &s.wamid_key(&u.wamid))? {
        return Ok(Some(id));
    }
    if let Some(id) = changed.values().find(|m| m.wamid.as_deref() == Some(u.wamid.as_str())).map(|m| m.id) {
        return Ok(Some(id));
    }
    find_by_wamid(s, &u.wamid, i64::MIN, LOOKBACK)
}

/// Meta's error as we keep it: code, then title, message and details,
/// each once (Meta often repeats the title as the message and details).
pub(super) fn meta_error(e: &MetaError) -> MessageError {
    let norm = |s: &str| s.trim().trim_end_matches('.').to_lowercase();
    let mut parts: Vec<&str> = Vec::new();
    for part in [e.title.as_deref(), e.message.as_deref(), e.details.as_deref()].into_iter().flatten() {
        if !part.trim().is_empty() && !parts.iter().any(|p| norm(p) == norm(part)) {
            parts.push(part.trim());
        }
    }
    MessageError { code: e.code, message: parts.join(": ") }
}

/// Meta took a send: its wamid, when, and `sent` (a later status that
/// came first stays). Both ways a send is settled as taken come here: the
/// answer to the send, and a status naming our message before it.
pub(super) fn accepted(m: &mut MessageRecord, wamid: String) {
    m.wamid = Some(wamid);
    m.sent_at_ms.get_or_insert_with(now_ms);
    apply_status(m, MessageStatus::Sent, None);
}

/// Moves an outbound message's status forward (never backwards); true if
/// it changed.
pub(super) fn apply_status(
    m: &mut MessageRecord,
    status: MessageStatus,
    error: Option<MessageError>,
) -> bool {
    if m.direction != Direction::Out || status.rank() <= m.status.rank() {
        return false;
    }
    m.status = status;
    if status == MessageStatus::Failed {
        m.error = error;
    }
    true
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
    let mut early: HashMap<String, Vec<EarlyStatus>> = HashMap::new();
    let mut settled: Vec<MessageId> = Vec::new();
    // What these statuses changed: a settled send may change nothing else
    // (Meta's own `sent`), and is written all the same.
    let mut modified: HashSet<MessageId> = HashSet::new();
    for u in updates {
        let Some(status) = message_status(&u.status) else { continue };
        let error = (status == MessageStatus::Failed).then(|| u.errors.first().map(meta_error)).flatten();
        let id = match status_target(s, &changed, &u)? {
            Some(id) => id,
            None => {
                // Not known yet: Meta's status can beat the answer to our send.
                early.entry(u.wamid.clone()).or_default().push(EarlyStatus { status, error });
                continue;
            }
        };
        let mut m = match changed.remove(&id) {
            Some(m) => m,
            None => s.load_message(id)?,
        };
        if m.wamid.is_none() {
            // Meta named our message (biz_opaque_callback_data) before we saw
            // the answer to the send, or the answer was lost in a crash or a
            // timeout: the send happened, so it is settled here, exactly once.
            accepted(&mut m, u.wamid.clone());
            // (Only an older build's send has an outbox row; deleting a
            // missing key writes nothing, and this path is rare.)
            c.batch.delete(Tree::Outbox, s.outbox_key_of(id));
            s.pending.settle(id);
            settled.push(id);
            modified.insert(id);
        }
        if apply_status(&mut m, status, error) {
            c.event(EventActor::System, EventKind::StatusChanged { message_id: id, status });
            modified.insert(id);
        }
        changed.insert(id, m);
    }
    for (wamid, mut statuses) in early {
        let key = s.early_key(&wamid);
        let mut kept: Vec<EarlyStatus> = s.ctx.store.get(Tree::EarlyStatuses, &key)?.unwrap_or_default();
        kept.append(&mut statuses);
        c.batch.put(Tree::EarlyStatuses, key, &kept)?;
        s.no_early_statuses = false;
    }
    for id in settled {
        let _ = s.parent.cast(NumberMsg::OutboxSettled(s.record.id, id));
    }
    if modified.is_empty() {
        return s.ctx.store.write(c.batch);
    }
    for m in changed.into_values().filter(|m| modified.contains(&m.id)) {
        c.batch.put(Tree::Messages, s.message_key(m.id), &m)?;
        c.messages.push(("message.status", m));
    }
    s.commit(c, None)
}
