//! History-search words on their way to sled. Conversations hand the
//! words of each new message to their NumberActor, which keeps them here
//! and writes them every few seconds ([`WRITE_EVERY`]) as one sorted
//! segment of a few rows (`segments`), instead of one sled key per word
//! and conversation on every message's path.
//!
//! Words are derived data: nothing here stands between a message and its
//! acknowledgement. Each written batch is followed by a checkpoint, the
//! time of the tick that took it; everything handed over before that tick
//! is on disk once the checkpoint is. A NumberActor that starts after a
//! crash (of the process or of the actor) re-reads the messages of the
//! conversations active since shortly before the checkpoint (`recover`).
//! A clean stop writes what is left and marks the checkpoint clean; the
//! start that reads a clean mark takes it away, so a crash after that
//! start still recovers.

use std::collections::BTreeMap;
use std::sync::Arc;

use tenants::{ConversationId, NumberId, TenantId};

use super::search::{self, WordHits};
use crate::error::ActorError;
use crate::store::{key, Store, Tree};

/// How often a number writes the words handed to it. A word said again
/// within this time costs no second row, and searches read what is not yet
/// written from memory, so a longer interval costs no freshness, only a
/// few more seconds of messages re-read after a crash.
pub(crate) const WRITE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Recovery re-reads from this long before the checkpoint: a message's
/// words reach the NumberActor's mailbox microseconds after its commit,
/// and the checkpoint is the time its tick was queued behind them, so
/// this only absorbs clock steps.
const SLACK_MS: i64 = 10_000;

/// Words per word, conversations per word: one batch. A list, not a set:
/// a conversation hands each word over once (it remembers them), so a
/// set's hashing and its table per new word bought nothing; readers and
/// merges put ids in sets anyway.
pub(crate) type WordBatch = BTreeMap<String, Vec<ConversationId>>;

/// Adds `conversation` to `word`'s list, unless it was the last one added.
pub(crate) fn add_to(batch: &mut WordBatch, word: String, conversation: ConversationId) {
    let ids = batch.entry(word).or_default();
    if ids.last() != Some(&conversation) {
        ids.push(conversation);
    }
}

/// The words handed over and not yet on disk.
#[derive(Default)]
pub(crate) struct Postings {
    /// Handed over since the last batch was taken.
    pending: WordBatch,
    /// Being written now (searched too until it is on disk).
    writing: Option<Arc<WordBatch>>,
}

impl Postings {
    /// `conversation` has these words.
    pub(crate) fn add(&mut self, conversation: ConversationId, words: Vec<String>) {
        for w in words {
            add_to(&mut self.pending, w, conversation);
        }
    }

    /// Takes what is pending for writing; `None` when there is nothing or
    /// a write is still in progress (one at a time keeps the checkpoints
    /// in order).
    pub(crate) fn take(&mut self) -> Option<Arc<WordBatch>> {
        if self.pending.is_empty() || self.writing.is_some() {
            return None;
        }
        let batch = Arc::new(std::mem::take(&mut self.pending));
        self.writing = Some(batch.clone());
        Some(batch)
    }

    /// Everything not yet on disk, pending or being written: the last
    /// write at shutdown (writing a word twice is harmless).
    pub(crate) fn take_all(&mut self) -> WordBatch {
        let mut all = std::mem::take(&mut self.pending);
        if let Some(writing) = self.writing.take() {
            for (w, ids) in writing.iter() {
                all.entry(w.clone()).or_default().extend(ids.iter().copied());
            }
        }
        all
    }

    /// The write of the taken batch finished; a failed one is kept for
    /// the next tick.
    pub(crate) fn written(&mut self, ok: bool) {
        if let Some(batch) = self.writing.take() {
            if !ok {
                for (w, ids) in Arc::unwrap_or_clone(batch) {
                    self.pending.entry(w).or_default().extend(ids);
                }
            }
        }
    }

    /// Adds the conversations whose words not yet on disk start with the
    /// query words.
    pub(crate) fn add_hits(&self, hits: &mut WordHits) {
        for (word, found) in hits.words.iter().zip(hits.hits.iter_mut()) {
            for batch in std::iter::once(&self.pending).chain(self.writing.as_deref()) {
                for (_, ids) in batch.range(word.clone()..).take_while(|(w, _)| w.starts_with(word.as_str()))
                {
                    found.extend(ids.iter().copied());
                }
            }
        }
    }
}

/// Where a number's words are on disk up to, and whether it stopped cleanly.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Checkpoint {
    /// Words handed over before this time are on disk.
    pub at_ms: i64,
    /// The number stopped cleanly after writing everything.
    pub clean: bool,
}

fn checkpoint_key(tenant: TenantId, number: NumberId) -> Vec<u8> {
    key(&[&search::number_prefix(tenant, number), &[search::CHECKPOINT_MARKER]])
}

fn save_checkpoint(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    c: Checkpoint,
) -> Result<(), ActorError> {
    store.put(Tree::Words, checkpoint_key(tenant, number), &c)
}

/// Writes a batch, then its checkpoint (sled recovers a prefix of its log,
/// so a checkpoint on disk means the rows before it are).
pub(crate) fn write(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    batch: &WordBatch,
    checkpoint: Checkpoint,
) -> Result<(), ActorError> {
    super::segments::write(store, &search::number_prefix(tenant, number), batch)?;
    save_checkpoint(store, tenant, number, checkpoint)
}

/// At start: the checkpoint to recover from, if the last stop was not
/// clean. A clean mark is replaced by an unclean one at the same time, so
/// that the words handed over from now on are recovered after a crash; a
/// number without a checkpoint gets one at `now_ms` (nothing of it can be
/// missing: it has not been handed anything yet).
pub(crate) fn take_checkpoint(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    now_ms: i64,
) -> Result<Option<Checkpoint>, ActorError> {
    let found: Option<Checkpoint> = store.get(Tree::Words, &checkpoint_key(tenant, number))?;
    match found {
        Some(c) if !c.clean => Ok(Some(c)),
        Some(c) => {
            save_checkpoint(store, tenant, number, Checkpoint { clean: false, ..c })?;
            Ok(None)
        }
        None => {
            save_checkpoint(store, tenant, number, Checkpoint { at_ms: now_ms, clean: false })?;
            Ok(None)
        }
    }
}

/// Re-indexes the messages stored since shortly before `from` in the
/// given conversations (those active since then, `active_since`); returns
/// how many messages were read.
pub(crate) fn recover(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    from: Checkpoint,
    conversations: Vec<ConversationId>,
) -> Result<usize, ActorError> {
    search::index_messages(store, tenant, number, conversations, active_since(from))
}

/// When recovery must look: conversations whose last message is at or
/// after this time.
pub(crate) fn active_since(from: Checkpoint) -> i64 {
    from.at_ms - SLACK_MS
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::number::search::tests::message;
    use crate::store::Batch;

    fn hits(store: &Store, t: TenantId, n: NumberId, p: &Postings, w: &str) -> HashSet<ConversationId> {
        let mut found = search::find(store, t, n, vec![w.to_string()]).unwrap();
        p.add_hits(&mut found);
        found.hits.remove(0)
    }

    #[tokio::test]
    async fn words_are_found_before_during_and_after_their_write() {
        let (_dir, store) = crate::store::temp_store();
        let (t, n) = (TenantId::new(), NumberId::new());
        let (a, b) = (ConversationId::new(), ConversationId::new());
        let mut p = Postings::default();
        p.add(a, vec!["refund".into(), "parcel".into()]);
        p.add(b, vec!["refund".into()]);
        assert_eq!(hits(&store, t, n, &p, "ref"), HashSet::from([a, b]), "pending");
        let batch = p.take().expect("something to write");
        assert!(p.take().is_none(), "one write at a time");
        p.add(b, vec!["parcel".into()]);
        assert_eq!(hits(&store, t, n, &p, "parcel"), HashSet::from([a, b]), "pending and being written");
        write(&store, t, n, &batch, Checkpoint { at_ms: 5, clean: false }).unwrap();
        p.written(true);
        assert_eq!(hits(&store, t, n, &p, "refund"), HashSet::from([a, b]), "on disk");
        let batch = p.take().expect("the later word");
        p.written(false);
        assert!(p.take().is_some_and(|again| again == batch), "a failed write is tried again");
        // Another number of the tenant sees none of it.
        assert!(hits(&store, t, NumberId::new(), &Postings::default(), "refund").is_empty());
    }

    #[tokio::test]
    async fn a_clean_mark_is_taken_once_and_an_unclean_one_recovers() {
        let (_dir, store) = crate::store::temp_store();
        let (t, n) = (TenantId::new(), NumberId::new());
        assert_eq!(take_checkpoint(&store, t, n, 100).unwrap(), None, "a new number has nothing to recover");
        assert_eq!(
            take_checkpoint(&store, t, n, 200).unwrap(),
            Some(Checkpoint { at_ms: 100, clean: false }),
            "a crash right after the first start recovers from that start"
        );
        write(&store, t, n, &WordBatch::new(), Checkpoint { at_ms: 300, clean: true }).unwrap();
        assert_eq!(take_checkpoint(&store, t, n, 400).unwrap(), None, "a clean stop");
        assert_eq!(
            take_checkpoint(&store, t, n, 500).unwrap(),
            Some(Checkpoint { at_ms: 300, clean: false }),
            "the clean mark was taken: a crash after it recovers"
        );
    }

    #[tokio::test]
    async fn recovery_reads_the_messages_since_shortly_before_the_checkpoint() {
        let (_dir, store) = crate::store::temp_store();
        let (t, n) = (TenantId::new(), NumberId::new());
        let (a, b) = (ConversationId::new(), ConversationId::new());
        let from = Checkpoint { at_ms: 1_000_000, clean: false };
        let mut batch = Batch::default();
        for (c, text, at) in [
            (a, "ancient history", from.at_ms - SLACK_MS - 1),
            (a, "lost parcel", from.at_ms - 5),
            (b, "refund please", from.at_ms + 10),
        ] {
            let m = message(c, text, at);
            batch.put(Tree::Messages, key(&[&t.to_bytes(), &c.to_bytes(), &m.id.to_bytes()]), &m).unwrap();
        }
        store.write(batch).unwrap();
        assert_eq!(recover(&store, t, n, from, vec![a, b]).unwrap(), 2, "the old message is not read");
        let none = Postings::default();
        assert_eq!(hits(&store, t, n, &none, "parcel"), HashSet::from([a]));
        assert_eq!(hits(&store, t, n, &none, "refund"), HashSet::from([b]));
        assert!(hits(&store, t, n, &none, "ancient").is_empty(), "indexed before the checkpoint");
    }
}
