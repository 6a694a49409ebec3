//! Reading a conversation: its messages and its event log (the audit
//! trail), page by page, oldest first within a page.

use tenants::{ConversationId, MessageId, TenantId};

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
    let mut page: Vec<Event> = event_rows(&s.ctx.store, &s.prefix(), before_key.as_deref(), limit)?
        .into_iter()
        .flat_map(|(_, run)| run.0.into_iter().rev())
        .filter(|e| before.is_none_or(|b| e.seq < b))
        .take(limit)
        .collect();
    page.reverse();
    Ok(page)
}

/// Up to `limit` event rows under `prefix` below `before`, newest first;
/// rows from before runs existed hold one event.
pub(super) fn event_rows(
    store: &Store,
    prefix: &[u8],
    before: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<(Vec<u8>, EventRun)>, ActorError> {
    store.scan_back_upgrading::<EventRun, Event>(Tree::Events, prefix, before, limit)
}

/// Calls `visit` with the messages of the conversation `tenant | id`,
/// newest first, while they were stored at or after `since_ms`, at most
/// `limit` of them, and while `visit` answers `true`.
pub(crate) fn newest_messages(
    store: &Store,
    tenant: TenantId,
    id: ConversationId,
    since_ms: i64,
    limit: usize,
    mut visit: impl FnMut(&MessageRecord) -> bool,
) -> Result<(), ActorError> {
    const PAGE: usize = 32;
    let prefix = key(&[&tenant.to_bytes(), &id.to_bytes()]);
    let (mut before, mut read) = (None::<Vec<u8>>, 0);
    while read < limit {
        let page = store.scan_back::<MessageRecord>(Tree::Messages, &prefix, before.as_deref(), PAGE)?;
        for (_, m) in &page {
            if m.created_at_ms < since_ms || read == limit || !visit(m) {
                return Ok(());
            }
            read += 1;
        }
        match page.last() {
            Some((k, _)) if page.len() == PAGE => before = Some(k.clone()),
            _ => return Ok(()),
        }
    }
    Ok(())
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
