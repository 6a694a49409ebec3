//! Reading a conversation: its messages and its event log (the audit
//! trail), page by page, oldest first within a page.

use tenants::MessageId;

use super::record::{Body, Event, EventRun, MessageRecord, StoredMedia};
use super::ConversationState;
use crate::error::ActorError;
use crate::store::{key, seq, Store, Tree};
use crate::view::MessageView;

/// Up to `limit` messages before `before` (or the latest), oldest first.
pub(super) fn messages(
    s: &ConversationState,
    limit: usize,
    before: Option<MessageId>,
) -> Result<Vec<MessageView>, ActorError> {
    let before_key = before.map(|b| s.message_key(b));
    let mut page: Vec<MessageView> = s
        .ctx
        .store
        .scan_back::<MessageRecord>(Tree::Messages, &s.prefix(), before_key.as_deref(), limit)?
        .iter()
        .map(|(_, m)| MessageView::new(m))
        .collect();
    page.reverse();
    Ok(page)
}

/// Up to `limit` events before seq `before` (or the latest), oldest first.
/// A row holds one commit's run of events, keyed by its first seq, so the
/// row below `before` may also hold events at or after it: they are cut.
pub(super) fn events(
    s: &ConversationState,
    limit: usize,
    before: Option<u64>,
) -> Result<Vec<Event>, ActorError> {
    let before_key = before.map(|b| key(&[&s.prefix(), &seq(b)]));
    let rows = s.ctx.store.scan_back_upgrading::<EventRun, Event>(
        Tree::Events,
        &s.prefix(),
        before_key.as_deref(),
        limit,
    )?;
    let mut page: Vec<Event> = rows
        .into_iter()
        .flat_map(|(_, run)| run.0.into_iter().rev())
        .filter(|e| before.is_none_or(|b| e.seq < b))
        .take(limit)
        .collect();
    page.reverse();
    Ok(page)
}

/// The seq after the last event in the log under `prefix` (0 if none).
pub(super) fn events_end(store: &Store, prefix: &[u8]) -> Result<u64, ActorError> {
    let last = store.scan_back_upgrading::<EventRun, Event>(Tree::Events, prefix, None, 1)?;
    Ok(last.first().and_then(|(_, run)| run.0.last()).map_or(0, |e| e.seq + 1))
}

/// A message's stored media and, for documents, its file name.
pub(super) fn media_of(
    s: &ConversationState,
    id: MessageId,
) -> Result<(StoredMedia, Option<String>), ActorError> {
    let m = s.load_message(id)?;
    let filename = match &m.body {
        Body::Received(whatsapp::Content::Document { filename, .. }) => filename.clone(),
        _ => None,
    };
    Ok((m.media.ok_or(ActorError::NotFound)?, filename))
}
