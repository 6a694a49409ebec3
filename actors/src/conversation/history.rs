//! Reading a conversation: its messages and its event log (the audit
//! trail), page by page, oldest first within a page.

use tenants::{ConversationId, MessageId, TenantId};

use super::record::{Body, Event, EventKind, EventRun, MessageRecord, StoredMedia};
use super::ConversationState;
use crate::error::ActorError;
use crate::store::{key, seq, Batch, Store, Tree};
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

/// A conversation's log as its start finds it.
#[derive(Debug, PartialEq)]
pub(super) struct LogEnd {
    /// The seq after its last event (0 if none).
    pub next_seq: u64,
    /// A received message's commit cut short by a crash was undone.
    pub undone: bool,
}

/// Reads the newest event run once, at a conversation's start: where the
/// log ends, after undoing a customer message's commit that a crash cut
/// short.
///
/// Such a commit goes without the journal as its event run, its new
/// messages, then the summary (`change::receipt_rank`), and sled keeps a
/// prefix of its log. A received message always changes the summary, so
/// a run holding one that starts at or past the stored summary's event
/// counter lost its summary: the run and its messages are removed, and
/// Meta redelivers the webhook, which was never acknowledged. Runs of
/// commits that leave the summary alone (statuses, send outcomes, notes)
/// also lie past the counter, but hold no received message. Only the
/// newest run can be torn: one actor writes a conversation, one commit
/// after the other.
pub(super) fn log_end(
    store: &Store,
    tenant: TenantId,
    id: ConversationId,
    stored_next_seq: u64,
) -> Result<LogEnd, ActorError> {
    let prefix = key(&[&tenant.to_bytes(), &id.to_bytes()]);
    let Some((row, run)) = event_rows(store, &prefix, None, 1)?.into_iter().next() else {
        return Ok(LogEnd { next_seq: 0, undone: false });
    };
    let (first, last) = match (run.0.first(), run.0.last()) {
        (Some(first), Some(last)) => (first.seq, last.seq),
        _ => return Ok(LogEnd { next_seq: 0, undone: false }),
    };
    let received: Vec<MessageId> = run
        .0
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageReceived { message_id } => Some(message_id),
            _ => None,
        })
        .collect();
    if first < stored_next_seq || received.is_empty() {
        return Ok(LogEnd { next_seq: last + 1, undone: false });
    }
    let mut undo = Batch::default();
    for m in &received {
        undo.delete(Tree::Messages, super::message_key(tenant, id, *m));
    }
    undo.delete(Tree::Events, row);
    store.write(undo)?;
    tracing::warn!(
        tenant.id = %tenant, conversation.id = %id, messages = received.len(),
        "undid a received message's commit cut short by a crash; Meta redelivers it"
    );
    // Runs are contiguous: the log now ends where the torn one began.
    Ok(LogEnd { next_seq: first, undone: true })
}

/// Up to `limit` event rows under `prefix` below `before`, newest first;
/// rows from before runs existed hold one event.
fn event_rows(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::record::{EventActor, MessageStatus};
    use crate::number::search::tests::message;

    /// Writes one run at `first` with these events, and the messages the
    /// received ones name.
    fn run(store: &Store, tenant: TenantId, id: ConversationId, first: u64, kinds: Vec<EventKind>) {
        let prefix = key(&[&tenant.to_bytes(), &id.to_bytes()]);
        let mut batch = Batch::default();
        let events = kinds.into_iter().zip(first..).map(|(kind, seq)| Event {
            seq,
            at_ms: 1,
            by: EventActor::Customer,
            kind,
        });
        let events: Vec<Event> = events.collect();
        for e in &events {
            if let EventKind::MessageReceived { message_id } = e.kind {
                let mut m = message(id, "hello there", 1);
                m.id = message_id;
                batch.put(Tree::Messages, super::super::message_key(tenant, id, m.id), &m).unwrap();
            }
        }
        batch.put(Tree::Events, key(&[&prefix, &seq(first)]), &EventRun(events)).unwrap();
        store.write(batch).unwrap();
    }

    fn stored_messages(store: &Store, tenant: TenantId, id: ConversationId) -> usize {
        let prefix = key(&[&tenant.to_bytes(), &id.to_bytes()]);
        store.scan_prefix::<MessageRecord>(Tree::Messages, &prefix).unwrap().len()
    }

    #[tokio::test]
    async fn a_receipt_past_the_summary_is_undone_and_nothing_else_is() {
        let (_dir, store) = crate::store::temp_store();
        let (tenant, id) = (TenantId::new(), ConversationId::new());
        let open = |stored_next_seq| log_end(&store, tenant, id, stored_next_seq).unwrap();
        assert_eq!(open(0), LogEnd { next_seq: 0, undone: false }, "no log yet");
        let received = || EventKind::MessageReceived { message_id: MessageId::new() };
        // Seqs 0..2 are behind the stored summary's counter (2): whole.
        run(&store, tenant, id, 0, vec![EventKind::Created, received()]);
        assert!(!open(2).undone, "a complete commit stays");
        // A status's run past the counter is a commit that leaves the
        // summary alone, not a torn one.
        let status = EventKind::StatusChanged { message_id: MessageId::new(), status: MessageStatus::Read };
        run(&store, tenant, id, 2, vec![status]);
        assert!(!open(2).undone, "a status stays");
        assert_eq!(open(2).next_seq, 3);
        // A received message past the counter lost its summary.
        run(&store, tenant, id, 3, vec![received()]);
        assert_eq!(stored_messages(&store, tenant, id), 2);
        let undone = open(2);
        assert!(undone.undone, "the torn receipt is undone");
        assert_eq!(stored_messages(&store, tenant, id), 1, "its message is gone, the first one stays");
        assert_eq!(undone.next_seq, 3, "its run is gone, the status stays");
        assert_eq!(open(2), LogEnd { next_seq: 3, undone: false }, "once");
    }
}
