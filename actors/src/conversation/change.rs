//! How a conversation writes: a `Change` collects the rows, events, live
//! events and notifications of one operation; `commit` appends the events
//! to the log, writes everything with the summary in one batch, tells
//! the NumberActor the new summary, its new messages' search words and
//! orders (before the caller hears back) and queues the live events for
//! after the flush.

use tenants::{MessageId, UserId};

use super::order::OrderRecord;
use super::record::{
    ConversationRecord, Direction, Event, EventActor, EventKind, EventRun, MessageRecord, SummaryRow,
};
use super::recovery::{self, Added};
use super::ConversationState;
use crate::clock::now_ms;
use crate::error::ActorError;
use crate::hub::{publish_when_durable, Audience, LiveEvent, Visibility};
use crate::number::{search, Committed, NumberMsg, StepMark};
use crate::store::{key, seq, Batch, Tree};
use crate::view::{ConversationView, MessageView};

/// Most words a live conversation remembers having indexed.
const MAX_REMEMBERED_WORDS: usize = 256;

/// Longest preview kept in the summary.
const PREVIEW_CHARS: usize = 120;

/// A preview of `text` for list rows.
pub(super) fn preview(text: Option<&str>) -> Option<Box<str>> {
    text.map(|t| t.chars().take(PREVIEW_CHARS).collect::<String>().into())
}

/// A `notification` for one colleague.
pub(super) struct Notice {
    /// Who gets it.
    pub to: UserId,
    /// `assigned`, `transferred`, `mentioned`.
    pub kind: &'static str,
    /// Who caused it.
    pub by: EventActor,
    /// A transfer note or the mentioning note.
    pub note: Option<String>,
    /// The receiver may not see the chat: send its id, not its contents.
    pub private: bool,
}

/// A write in progress.
pub(super) struct Change {
    pub batch: Batch,
    pub events: Vec<(EventActor, EventKind)>,
    pub messages: Vec<(&'static str, MessageRecord)>,
    /// Orders written, with their live event kind.
    pub orders: Vec<(&'static str, OrderRecord)>,
    pub notices: Vec<Notice>,
    /// Chatbot step counts: (flow, step, mark).
    pub bot_stats: Vec<(String, String, StepMark)>,
    previous: Visibility,
}

impl Change {
    pub(super) fn event(&mut self, by: EventActor, kind: EventKind) {
        self.events.push((by, kind));
    }
}

/// Whether the summary `now` differs from the one `written` in nothing but
/// its event counter (compared in place: this runs on every commit).
fn same_but_seq(written: &ConversationRecord, now: &mut ConversationRecord) -> bool {
    let seq = std::mem::replace(&mut now.next_seq, written.next_seq);
    let same = *written == *now;
    now.next_seq = seq;
    same
}

impl ConversationState {
    pub(super) fn visibility(&self) -> Visibility {
        Visibility {
            tenant_id: self.record.tenant_id,
            assignee_id: self.record.assignee_id,
            team_id: self.record.team_id,
        }
    }

    /// Starts a change, remembering who could see the chat before it.
    pub(super) fn begin(&self) -> Change {
        Change {
            batch: Batch::default(),
            events: Vec::new(),
            messages: Vec::new(),
            orders: Vec::new(),
            notices: Vec::new(),
            bot_stats: Vec::new(),
            previous: self.visibility(),
        }
    }

    /// Whether the summary exists in sled yet.
    pub(super) fn persisted(&self) -> bool {
        self.written.is_some()
    }

    /// `tenant | conversation`: the prefix of this conversation's own rows.
    pub(super) fn prefix(&self) -> Vec<u8> {
        key(&[&self.record.tenant_id.to_bytes(), &self.record.id.to_bytes()])
    }

    pub(super) fn message_key(&self, id: MessageId) -> Vec<u8> {
        super::message_key(self.record.tenant_id, self.record.id, id)
    }

    pub(super) fn wamid_key(&self, wamid: &str) -> Vec<u8> {
        key(&[&self.prefix(), wamid.as_bytes()])
    }

    /// The outbox row an older build wrote for one of this conversation's sends.
    pub(super) fn outbox_key_of(&self, id: MessageId) -> Vec<u8> {
        super::outbox_key(self.record.tenant_id, self.record.number_id, id)
    }

    pub(super) fn early_key(&self, wamid: &str) -> Vec<u8> {
        key(&[&self.prefix(), wamid.as_bytes()])
    }

    pub(super) fn load_message(&self, id: MessageId) -> Result<MessageRecord, ActorError> {
        self.ctx.store.get(Tree::Messages, &self.message_key(id))?.ok_or(ActorError::NotFound)
    }

    /// Whether a start could undo this change, which adds the messages
    /// `added`, if a crash cut it short (`recovery`): it writes no message
    /// row but theirs.
    fn undoable(&self, c: &Change, added: &[(MessageId, Added)]) -> bool {
        let messages: Vec<Vec<u8>> = added.iter().map(|(m, _)| self.message_key(*m)).collect();
        c.batch.puts(Tree::Messages).all(|k| messages.iter().any(|m| m == k))
    }

    /// Writes the change with the summary and publishes what it did.
    /// `conversation_kind` is the conversation event to publish (if any);
    /// a first write always publishes `conversation.created`.
    pub(super) fn commit(
        &mut self,
        mut c: Change,
        conversation_kind: Option<&'static str>,
    ) -> Result<(), ActorError> {
        let now = now_ms();
        let created = !self.persisted();
        let first_seq = self.record.next_seq;
        let added: Vec<_> = c.events.iter().filter_map(|(_, kind)| recovery::added(kind)).collect();
        let adds_messages = !added.is_empty();
        let undoable = adds_messages && self.undoable(&c, &added);
        let run: Vec<Event> = c
            .events
            .drain(..)
            .zip(first_seq..)
            .map(|((by, kind), seq)| Event { seq, at_ms: now, by, kind })
            .collect();
        if !run.is_empty() {
            self.record.next_seq += run.len() as u64;
            c.batch.put(Tree::Events, key(&[&self.prefix(), &seq(first_seq)]), &EventRun(run))?;
        }
        // A delivery status or a send's outcome changes a message and adds
        // an event, not the summary: the stored one keeps its older event
        // counter, which a start corrects from the log (`recovery::log_end`).
        // A commit that adds messages always writes the summary, journaled
        // or not: a start takes such a run past the stored counter for a
        // torn one (`recovery`). (A reaction's send, say, can leave every
        // shown field as it was.)
        let summary_changed =
            adds_messages || self.written.as_ref().is_none_or(|w| !same_but_seq(w, &mut self.record));
        if summary_changed {
            let row = SummaryRow { record: &self.record, unsettled: self.pending.unsettled() };
            c.batch.put(
                Tree::Conversations,
                super::record_key(self.record.tenant_id, self.record.number_id, self.record.id),
                &row,
            )?;
        }
        // The sends' cache holds rows exactly as written: whatever this
        // commit writes of them is forgotten first.
        if self.pending.keeps_any() {
            let touched: Vec<&[u8]> = c.batch.touches(Tree::Messages).collect();
            let (tenant, id) = (self.record.tenant_id, self.record.id);
            self.pending.forget(|m| touched.contains(&super::message_key(tenant, id, m).as_slice()));
        }
        if created {
            // Only the new summary, written last, leads to the new rows
            // (and to the sends it lists).
            let reached = [Tree::Events, Tree::Messages, Tree::Idempotency];
            self.ctx.store.write_new(c.batch, Tree::Conversations, &reached)?;
        } else if undoable {
            self.ctx.store.write_in_order(c.batch, undoable_rank)?;
        } else if !summary_changed {
            self.ctx.store.write_in_order(c.batch, unjournaled_rank)?;
        } else {
            self.ctx.store.write(c.batch)?;
        }
        for (id, how) in &added {
            if *how == Added::Queued {
                if let Some((_, m)) = c.messages.iter().find(|(_, m)| m.id == *id) {
                    self.pending.keep(m);
                }
            }
        }
        if summary_changed {
            self.written = Some(self.record.clone());
        }
        // Every live event of the commit carries the same conversation.
        let conversation = self.conversation_json();
        let kind = if created { Some("conversation.created") } else { conversation_kind };
        if let Some(kind) = kind {
            self.publish(&conversation, kind, None, Some(c.previous));
        }
        let mut words = Vec::new();
        for (kind, m) in &c.messages {
            let view = MessageView::new(m);
            if *kind == "message.created" && search::worth_indexing(m) {
                self.new_words(m, view.text.as_deref(), &mut words);
            }
            let message = serde_json::to_string(&view).unwrap_or_default();
            self.publish(&conversation, kind, Some(("message", message)), None);
        }
        // One message to the NumberActor per commit. (If it is gone, so is
        // this actor soon: the words it remembers here die with it.)
        if summary_changed || !words.is_empty() || !c.bot_stats.is_empty() {
            self.remember_words(words.iter().cloned());
            let handed = Committed {
                conversation: self.record.id,
                summary: summary_changed
                    .then(|| (Box::new(self.record.clone()), self.pending.unsettled().to_vec())),
                words,
                bot_stats: std::mem::take(&mut c.bot_stats),
            };
            let _ = self.parent.cast(NumberMsg::Committed(Box::new(handed)));
        }
        for (kind, order) in c.orders {
            self.publish(&conversation, kind, Some(("order", order.view().to_string())), None);
            let _ = self
                .parent
                .cast(NumberMsg::Commerce(crate::number::CommerceMsg::OrderChanged(Box::new(order))));
        }
        for notice in c.notices {
            self.notify(&conversation, notice);
        }
        Ok(())
    }

    /// The words of a new message not yet handed to the NumberActor,
    /// which writes them for history search within seconds
    /// (`number::postings`; after a crash it re-reads the latest
    /// messages), added to `out`. A note does not move
    /// `last_message_at_ms`, which that recovery goes by, so its words are
    /// written here and now: notes are few.
    fn new_words(&mut self, m: &MessageRecord, text: Option<&str>, out: &mut Vec<String>) {
        let mut words = text.map(search::words).unwrap_or_default();
        words.retain(|w| !self.indexed_words.contains(w) && !out.contains(w));
        if words.is_empty() {
            return;
        }
        let r = &self.record;
        if m.direction != Direction::Internal {
            out.extend(words);
            return;
        }
        let batch = words.iter().map(|w| (w.clone(), [r.id].into())).collect();
        if let Err(e) = search::insert_batch(&self.ctx.store, r.tenant_id, r.number_id, &batch) {
            tracing::warn!(conversation.id = %r.id, error = %e, "note words not indexed");
            return;
        }
        self.remember_words(words.into_iter());
    }

    /// Remembers words handed over or written, up to [`MAX_REMEMBERED_WORDS`].
    fn remember_words(&mut self, words: impl Iterator<Item = String>) {
        let room = MAX_REMEMBERED_WORDS.saturating_sub(self.indexed_words.len());
        self.indexed_words.extend(words.take(room));
    }

    /// The conversation as live events show it, as JSON text: written once
    /// per commit and pasted into each of its events (building a
    /// `serde_json::Value` per event and printing it cost 4% of the
    /// webhook path's CPU).
    fn conversation_json(&self) -> String {
        serde_json::to_string(&ConversationView::new(&self.record, now_ms())).unwrap_or_default()
    }

    /// Publishes `kind` with the conversation and, if given, one more
    /// object as JSON text (`("message", ...)`, `("order", ...)`).
    fn publish(
        &self,
        conversation: &str,
        kind: &'static str,
        with: Option<(&'static str, String)>,
        previous: Option<Visibility>,
    ) {
        // Written into one allocation of the right size: `format!` grew
        // its string several times per event (1% of the server's CPU with
        // a greeting flow).
        let extra = with.as_ref().map_or(0, |(name, json)| name.len() + json.len() + 4);
        let mut body = String::with_capacity(conversation.len() + extra + kind.len() + 28);
        body.push_str(r#"{"conversation":"#);
        body.push_str(conversation);
        if let Some((name, json)) = with {
            body.push_str(r#",""#);
            body.push_str(name);
            body.push_str(r#"":"#);
            body.push_str(&json);
        }
        body.push_str(r#","type":""#);
        body.push_str(kind);
        body.push_str(r#""}"#);
        let visibility = self.visibility();
        let audience = Audience::Conversation {
            visibility,
            previous: previous.filter(|p| *p != visibility),
            conversation_id: self.record.id.to_string(),
        };
        publish_when_durable(&self.ctx, LiveEvent::from_body(self.record.tenant_id, audience, body));
    }

    fn notify(&self, conversation: &str, n: Notice) {
        let mut payload = serde_json::Map::new();
        payload.insert("kind".into(), n.kind.into());
        payload.insert("conversation_id".into(), self.record.id.to_string().into());
        if !n.private {
            payload.insert("conversation".into(), serde_json::from_str(conversation).unwrap_or_default());
        }
        if let EventActor::User(by) = n.by {
            payload.insert("by".into(), by.to_string().into());
        }
        if let Some(note) = n.note {
            payload.insert("note".into(), note.into());
        }
        let event =
            LiveEvent::new(self.record.tenant_id, "notification", Audience::Users(vec![n.to]), payload);
        publish_when_durable(&self.ctx, event);
    }
}

/// The order in which a commit that leaves the summary alone (a delivery
/// status, a send's outcome, stored media) is written without the
/// journal; `None` for anything else, which goes through the journal. A
/// crash keeps a prefix of the log, so: messages first (a message changed
/// without its event loses an audit line, never the change; a settled
/// send is settled by its message), the early statuses and the event
/// next, and the older builds' outbox rows a send's outcome settles last
/// (a settled message whose row survived is dropped by the Outbox at
/// start, never sent again).
pub(crate) fn unjournaled_rank(tree: Tree, put: bool) -> Option<u8> {
    match (tree, put) {
        (Tree::Messages, true) => Some(0),
        (Tree::EarlyStatuses, _) => Some(1),
        (Tree::Events, true) => Some(2),
        (Tree::Outbox, false) => Some(3),
        _ => None,
    }
}

/// The order in which a commit that adds messages is written without the
/// journal: the event run first, so that a start finds what a crash cut
/// short and undoes it (`recovery::log_end`); then the new messages and
/// the idempotency keys; then the summary (which lists the sends), whose
/// arrival completes it. `None` for anything else (an order, a reaction's
/// row, an early status), which goes through the journal. Two sled writes
/// fewer than the journal's for every message received or sent.
pub(crate) fn undoable_rank(tree: Tree, put: bool) -> Option<u8> {
    match (tree, put) {
        (Tree::Events, true) => Some(0),
        (Tree::Messages | Tree::Idempotency, true) => Some(1),
        (Tree::Conversations, true) => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_event_counter_moving_leaves_the_summary_as_written() {
        let r = crate::number::index::tests::record(tenants::TenantId::new(), 5, None);
        let mut later = r.clone();
        later.next_seq += 3;
        assert!(same_but_seq(&r, &mut later), "only the counter");
        assert_eq!(later.next_seq, r.next_seq + 3, "the counter is left as it was");
        later.unread += 1;
        assert!(!same_but_seq(&r, &mut later), "and something shown");
        let mut renamed = r.clone();
        renamed.customer_name = Some("Olga".into());
        assert!(!same_but_seq(&r, &mut renamed), "same counter, another name");
        assert!(same_but_seq(&r, &mut r.clone()));
    }
}
