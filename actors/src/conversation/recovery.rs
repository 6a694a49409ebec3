//! What a crash can cut short, and how a start repairs it.
//!
//! A commit that adds messages (received ones, and sends queued by an
//! agent or the bot) goes without the journal when it writes nothing but
//! those messages, their idempotency keys, its event run and the summary
//! (`change::undoable_rank`): the run first, the summary (which lists the
//! sends, `record::SummaryRow`) last. sled keeps a prefix of its log, so after a crash such a commit is
//! whole exactly when its summary is there. Every commit that adds
//! messages writes the summary, journaled or not (`change::commit`), so a
//! run that adds messages and starts at or past the stored summary's event
//! counter lost its summary: it is torn.
//!
//! Only the newest run of a conversation can be torn: one actor writes a
//! conversation, one commit after the other, and nothing after a cut
//! survives it. A conversation's start undoes it (`log_end`); nobody had
//! heard of it (the webhook was not acknowledged, the send not answered),
//! so Meta redelivers and the agent sends again. A torn commit's sends are
//! listed by no summary, so no Outbox resumes them. Older builds also wrote
//! an outbox row per send: the undo deletes it, and the Outbox, which
//! starts before any conversation, holds back such a row while its commit
//! is torn (`send_landed`).

use tenants::{ConversationId, MessageId, NumberId, TenantId};

use super::history::event_rows;
use super::record::{ConversationRecord, EventKind, OutboxEntry, SummaryRow};
use super::{message_key, outbox_key, record_key};
use crate::error::ActorError;
use crate::store::{key, Batch, Store, Tree};

/// How a commit that may skip the journal adds a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Added {
    /// A customer's message.
    Received,
    /// A send for the Outbox (with its outbox row, in older builds).
    Queued,
}

/// The message an event adds, if it is one a start can undo.
pub(super) fn added(kind: &EventKind) -> Option<(MessageId, Added)> {
    match kind {
        EventKind::MessageReceived { message_id } => Some((*message_id, Added::Received)),
        EventKind::MessageQueued { message_id } => Some((*message_id, Added::Queued)),
        _ => None,
    }
}

/// The newest event run of a conversation, as a start finds it.
struct Newest {
    /// Its row's key.
    row: Vec<u8>,
    /// Its first and last seq.
    first: u64,
    last: u64,
    /// The messages it adds, if it is torn (else empty).
    torn: Vec<(MessageId, Added)>,
}

/// Reads the newest event run of `tenant | id` (one row), judged against
/// the stored summary's counter.
fn newest(
    store: &Store,
    tenant: TenantId,
    id: ConversationId,
    stored_next_seq: u64,
) -> Result<Option<Newest>, ActorError> {
    let prefix = key(&[&tenant.to_bytes(), &id.to_bytes()]);
    let Some((row, run)) = event_rows(store, &prefix, None, 1)?.into_iter().next() else {
        return Ok(None);
    };
    let (Some(first), Some(last)) = (run.0.first().map(|e| e.seq), run.0.last().map(|e| e.seq)) else {
        return Ok(None);
    };
    let torn = if first < stored_next_seq {
        Vec::new()
    } else {
        run.0.iter().filter_map(|e| added(&e.kind)).collect()
    };
    Ok(Some(Newest { row, first, last, torn }))
}

/// A conversation's log as its start finds it.
#[derive(Debug, PartialEq)]
pub(super) struct LogEnd {
    /// The seq after its last event (0 if none).
    pub next_seq: u64,
    /// A commit cut short by a crash was undone.
    pub undone: bool,
}

/// Reads the newest event run once, at a conversation's start: where the
/// log ends, after undoing a commit that a crash cut short (its run, its
/// messages, their idempotency keys and any older build's outbox rows).
pub(super) fn log_end(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    id: ConversationId,
    stored_next_seq: u64,
) -> Result<LogEnd, ActorError> {
    let Some(newest) = newest(store, tenant, id, stored_next_seq)? else {
        return Ok(LogEnd { next_seq: 0, undone: false });
    };
    if newest.torn.is_empty() {
        return Ok(LogEnd { next_seq: newest.last + 1, undone: false });
    }
    let mut undo = Batch::default();
    let mut sends = Vec::new();
    for (m, how) in &newest.torn {
        undo.delete(Tree::Messages, message_key(tenant, id, *m));
        if *how == Added::Queued {
            undo.delete(Tree::Outbox, outbox_key(tenant, number, *m));
            sends.push(*m);
        }
    }
    if !sends.is_empty() {
        // Keys are the client's; the rows name the message. Undoing is rare.
        let prefix = key(&[&tenant.to_bytes(), &id.to_bytes()]);
        for (k, m) in store.scan_prefix::<MessageId>(Tree::Idempotency, &prefix)? {
            if sends.contains(&m) {
                undo.delete(Tree::Idempotency, k);
            }
        }
    }
    undo.delete(Tree::Events, newest.row);
    store.write(undo)?;
    tracing::warn!(
        tenant.id = %tenant, conversation.id = %id, messages = newest.torn.len(), sends = sends.len(),
        "undid a commit cut short by a crash; Meta redelivers, an agent sends again"
    );
    // Runs are contiguous: the log now ends where the torn one began.
    Ok(LogEnd { next_seq: newest.first, undone: true })
}

/// Whether the commit that queued a send is whole, as the Outbox checks
/// before sending a row it found at its start.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Landed {
    /// The commit is whole: send it.
    Yes,
    /// Its conversation's first commit was cut short: no summary leads to it.
    NoConversation,
    /// Its commit was cut short: the conversation's start undoes it.
    Torn,
}

/// Whether the commit that wrote `entry` is whole (see the module's doc).
pub(crate) fn send_landed(store: &Store, entry: &OutboxEntry) -> Result<Landed, ActorError> {
    let (tenant, id) = (entry.tenant_id, entry.conversation_id);
    let summary = record_key(tenant, entry.number_id, id);
    // The row is this build's `SummaryRow` once the chat was written
    // since the upgrade, the older build's plain record until then.
    let Some(SummaryRow { record, .. }) =
        store.get_upgrading::<SummaryRow, ConversationRecord>(Tree::Conversations, &summary)?
    else {
        return Ok(Landed::NoConversation);
    };
    let torn = newest(store, tenant, id, record.next_seq)?
        .is_some_and(|n| n.torn.iter().any(|(m, _)| *m == entry.message_id));
    Ok(if torn { Landed::Torn } else { Landed::Yes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::record::{Event, EventActor, EventRun, MessageStatus};
    use crate::number::search::tests::message;
    use crate::store::seq;

    /// Writes one run at `first` with these events, and the messages (and
    /// outbox rows) the added ones name.
    fn run(store: &Store, c: &Chat, first: u64, kinds: Vec<EventKind>) {
        let mut batch = Batch::default();
        let events: Vec<Event> = kinds
            .into_iter()
            .zip(first..)
            .map(|(kind, seq)| Event { seq, at_ms: 1, by: EventActor::Customer, kind })
            .collect();
        for (id, how) in events.iter().filter_map(|e| added(&e.kind)) {
            let mut m = message(c.id, "hello there", 1);
            m.id = id;
            batch.put(Tree::Messages, message_key(c.tenant, c.id, id), &m).unwrap();
            if how == Added::Queued {
                batch.put(Tree::Outbox, outbox_key(c.tenant, c.number, id), &c.entry(id)).unwrap();
                batch.put(Tree::Idempotency, key(&[&c.prefix(), b"key-1"]), &id).unwrap();
            }
        }
        batch.put(Tree::Events, key(&[&c.prefix(), &seq(first)]), &EventRun(events)).unwrap();
        store.write(batch).unwrap();
    }

    struct Chat {
        tenant: TenantId,
        number: NumberId,
        id: ConversationId,
    }

    impl Chat {
        fn new() -> Self {
            Chat { tenant: TenantId::new(), number: NumberId::new(), id: ConversationId::new() }
        }
        fn prefix(&self) -> Vec<u8> {
            key(&[&self.tenant.to_bytes(), &self.id.to_bytes()])
        }
        fn entry(&self, message_id: MessageId) -> OutboxEntry {
            OutboxEntry {
                message_id,
                conversation_id: self.id,
                tenant_id: self.tenant,
                number_id: self.number,
                request_json: "{}".into(),
                created_at_ms: 1,
                has_row: true,
            }
        }
        fn rows(&self, store: &Store, tree: Tree) -> usize {
            let prefix = match tree {
                Tree::Outbox => key(&[&self.tenant.to_bytes(), &self.number.to_bytes()]),
                _ => self.prefix(),
            };
            let mut rows = 0;
            store
                .for_each_row(tree, &prefix, |_, _| {
                    rows += 1;
                    true
                })
                .unwrap();
            rows
        }
        fn summary(&self, store: &Store, next_seq: u64) {
            let mut r = crate::number::index::tests::record(self.tenant, 5, None);
            (r.id, r.number_id, r.next_seq) = (self.id, self.number, next_seq);
            store.put(Tree::Conversations, record_key(self.tenant, self.number, self.id), &r).unwrap();
        }
    }

    #[tokio::test]
    async fn a_receipt_past_the_summary_is_undone_and_nothing_else_is() {
        let (_dir, store) = crate::store::temp_store();
        let c = Chat::new();
        let open = |stored_next_seq| log_end(&store, c.tenant, c.number, c.id, stored_next_seq).unwrap();
        assert_eq!(open(0), LogEnd { next_seq: 0, undone: false }, "no log yet");
        let received = || EventKind::MessageReceived { message_id: MessageId::new() };
        // Seqs 0..2 are behind the stored summary's counter (2): whole.
        run(&store, &c, 0, vec![EventKind::Created, received()]);
        assert!(!open(2).undone, "a complete commit stays");
        // A status's run past the counter is a commit that leaves the
        // summary alone, not a torn one.
        let status = EventKind::StatusChanged { message_id: MessageId::new(), status: MessageStatus::Read };
        run(&store, &c, 2, vec![status]);
        assert!(!open(2).undone, "a status stays");
        assert_eq!(open(2).next_seq, 3);
        // A received message past the counter lost its summary.
        run(&store, &c, 3, vec![received()]);
        assert_eq!(c.rows(&store, Tree::Messages), 2);
        let undone = open(2);
        assert!(undone.undone, "the torn receipt is undone");
        assert_eq!(c.rows(&store, Tree::Messages), 1, "its message is gone, the first one stays");
        assert_eq!(undone.next_seq, 3, "its run is gone, the status stays");
        assert_eq!(open(2), LogEnd { next_seq: 3, undone: false }, "once");
    }

    #[tokio::test]
    async fn a_torn_send_is_held_back_by_the_outbox_and_undone_by_the_start() {
        let (_dir, store) = crate::store::temp_store();
        let c = Chat::new();
        let sent = MessageId::new();
        run(&store, &c, 0, vec![EventKind::Created, EventKind::MessageQueued { message_id: sent }]);
        assert_eq!(send_landed(&store, &c.entry(sent)).unwrap(), Landed::NoConversation, "no summary yet");
        c.summary(&store, 2);
        assert_eq!(
            send_landed(&store, &c.entry(sent)).unwrap(),
            Landed::Yes,
            "whole once the summary is there"
        );

        let torn = MessageId::new();
        run(&store, &c, 2, vec![EventKind::MessageQueued { message_id: torn }]);
        assert_eq!(send_landed(&store, &c.entry(torn)).unwrap(), Landed::Torn);
        assert_eq!(send_landed(&store, &c.entry(sent)).unwrap(), Landed::Yes, "an older send is whole");
        assert_eq!((c.rows(&store, Tree::Outbox), c.rows(&store, Tree::Idempotency)), (2, 1));

        let end = log_end(&store, c.tenant, c.number, c.id, 2).unwrap();
        assert_eq!(end, LogEnd { next_seq: 2, undone: true });
        assert_eq!(c.rows(&store, Tree::Messages), 1, "the torn send's message is gone");
        assert_eq!(c.rows(&store, Tree::Outbox), 1, "and its outbox row");
        assert_eq!(c.rows(&store, Tree::Idempotency), 0, "and the idempotency key that named it");
    }
}
