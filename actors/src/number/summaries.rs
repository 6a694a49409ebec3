//! A number's conversation summaries, found by id and by the customer's
//! number. Both tables hold only pointers and ids, hashed by the fields
//! inside the summaries: a `HashMap<ConversationId, Box<_>>` slot took 24
//! bytes with up to half the slots empty, and a `HashMap<String, _>` by
//! customer held every number a second time (about 90 bytes a chat in
//! all; BENCHMARKS.md). The summaries are boxed because a slot holding a
//! whole summary made that slack most of the index's memory.

use std::hash::{BuildHasher, RandomState};

use hashbrown::hash_table::{Entry, HashTable};
use tenants::ConversationId;

use crate::conversation::record::ConversationRecord;

/// Summaries by id, and each customer's conversation.
#[derive(Debug, Default)]
pub(super) struct Summaries {
    by_id: HashTable<Box<ConversationRecord>>,
    /// Hashed by the `wa_id` in the summary of the id.
    by_wa: HashTable<ConversationId>,
    hasher: RandomState,
}

impl Summaries {
    /// One summary.
    pub(super) fn get(&self, id: ConversationId) -> Option<&ConversationRecord> {
        find(&self.by_id, &self.hasher, id)
    }

    /// The conversation of a customer.
    pub(super) fn by_wa_id(&self, wa_id: &str) -> Option<ConversationId> {
        let theirs = |id: &ConversationId| self.get(*id).is_some_and(|r| r.wa_id == wa_id);
        self.by_wa.find(self.hasher.hash_one(wa_id), theirs).copied()
    }

    /// Inserts or replaces a summary. A new one's customer leads to it from
    /// then on (a customer's number never changes).
    pub(super) fn insert(&mut self, r: Box<ConversationRecord>) {
        let (id, hasher) = (r.id, &self.hasher);
        match self.by_id.entry(hasher.hash_one(id), |o| o.id == id, |o| hasher.hash_one(o.id)) {
            Entry::Occupied(mut o) => {
                *o.get_mut() = r;
                return;
            }
            Entry::Vacant(v) => {
                v.insert(r);
            }
        }
        let by_id = &self.by_id;
        let wa_of = |id: &ConversationId| find(by_id, hasher, *id).map_or("", |r| r.wa_id.as_str());
        let wa_id = wa_of(&id);
        match self.by_wa.entry(hasher.hash_one(wa_id), |o| wa_of(o) == wa_id, |o| hasher.hash_one(wa_of(o))) {
            Entry::Occupied(mut o) => *o.get_mut() = id,
            Entry::Vacant(v) => {
                v.insert(id);
            }
        }
    }

    /// Every summary, in no particular order.
    pub(super) fn values(&self) -> impl Iterator<Item = &ConversationRecord> {
        self.by_id.iter().map(|r| &**r)
    }

    /// Number of summaries.
    pub(super) fn len(&self) -> usize {
        self.by_id.len()
    }
}

fn find<'a>(
    by_id: &'a HashTable<Box<ConversationRecord>>,
    hasher: &RandomState,
    id: ConversationId,
) -> Option<&'a ConversationRecord> {
    by_id.find(hasher.hash_one(id), |r| r.id == id).map(|r| &**r)
}
