//! The chatbot's step counts on one number: how many chats entered each
//! step of a flow, answered it and dropped out there, which a manager reads
//! to see where customers leave the flow.
//!
//! The NumberActor counts what its conversations' commits report and
//! writes the counts as one row every few seconds (on the background
//! thread, with the search words) and at a clean stop; its start reads the
//! row back, so the counts survive a restart or a deploy. A crash loses
//! the counts since the last write, a few seconds' worth: exact counts
//! would cost a sled write on the path of every customer message the bot
//! answers, and a funnel is read in proportions.

use std::collections::HashMap;

use tenants::{NumberId, TenantId};

use crate::error::ActorError;
use crate::store::{key, Store, Tree};

/// What a chat did at a step, as the bot reports it; each is one of the
/// step's three counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMark {
    /// The chat reached the step.
    Entered,
    /// The customer answered it.
    Answered,
    /// The chat left the flow there.
    Dropped,
}

/// Entered, answered, dropped: indexed by [`StepMark`].
pub(crate) type Counts = [u64; 3];

/// The stored row: (flow, step, counts) for every step counted.
type Row = Vec<(String, String, Counts)>;

/// A number's counts, and whether they changed since the last row taken.
#[derive(Debug, Default)]
pub(crate) struct FlowStats {
    counts: HashMap<(String, String), Counts>,
    changed: bool,
}

fn row_key(tenant: TenantId, number: NumberId) -> Vec<u8> {
    key(&[&tenant.to_bytes(), &number.to_bytes()])
}

impl FlowStats {
    /// The counts the number's last row holds (none before its first).
    pub(crate) fn load(store: &Store, tenant: TenantId, number: NumberId) -> Result<Self, ActorError> {
        let row: Row = store.get(Tree::FlowStats, &row_key(tenant, number))?.unwrap_or_default();
        let counts = row.into_iter().map(|(flow, step, c)| ((flow, step), c)).collect();
        Ok(FlowStats { counts, changed: false })
    }

    /// Counts one mark of a step of `flow`.
    pub(crate) fn add(&mut self, flow: String, step: String, mark: StepMark) {
        self.counts.entry((flow, step)).or_default()[mark as usize] += 1;
        self.changed = true;
    }

    /// `(step, entered, answered, dropped)` of every step of `flow` counted.
    pub(crate) fn of(&self, flow: &str) -> Vec<(String, u64, u64, u64)> {
        self.counts
            .iter()
            .filter(|((f, _), _)| f == flow)
            .map(|((_, step), c)| (step.clone(), c[0], c[1], c[2]))
            .collect()
    }

    /// The row to write, if the counts changed since the last one taken.
    pub(crate) fn take_changed(&mut self) -> Option<Row> {
        std::mem::take(&mut self.changed).then(|| self.row())
    }

    /// The row a clean stop writes, changed or not; `None` for a number
    /// that never counted a step.
    pub(crate) fn take_all(&mut self) -> Option<Row> {
        self.changed = false;
        (!self.counts.is_empty()).then(|| self.row())
    }

    fn row(&self) -> Row {
        self.counts.iter().map(|((flow, step), c)| (flow.clone(), step.clone(), *c)).collect()
    }
}

/// Writes `row` as the number's counts, on the background thread: no
/// acknowledgement waits for it, so a failure is logged (the next beat
/// writes the counts again only if more were counted).
pub(crate) fn save(store: &Store, tenant: TenantId, number: NumberId, row: &Row) {
    if let Err(e) = store.put(Tree::FlowStats, row_key(tenant, number), row) {
        tracing::warn!(number.id = %number, error = %e, "chatbot step counts not written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::temp_store;

    #[tokio::test]
    async fn counts_written_are_read_back_by_the_next_start() {
        let (_dir, store) = temp_store();
        let (tenant, number) = (TenantId::new(), NumberId::new());
        let mut stats = FlowStats::load(&store, tenant, number).unwrap();
        assert!(stats.of("menu").is_empty(), "nothing before the first row");
        assert_eq!(stats.take_changed(), None, "nothing to write either");
        for mark in [StepMark::Entered, StepMark::Entered, StepMark::Answered, StepMark::Dropped] {
            stats.add("menu".into(), "greet".into(), mark);
        }
        stats.add("other".into(), "greet".into(), StepMark::Entered);
        save(&store, tenant, number, &stats.take_changed().expect("changed"));
        assert_eq!(stats.take_changed(), None, "unchanged since the row was taken");

        let again = FlowStats::load(&store, tenant, number).unwrap();
        assert_eq!(again.of("menu"), [("greet".to_string(), 2, 1, 1)]);
        assert_eq!(again.of("other"), [("greet".to_string(), 1, 0, 0)]);
        let elsewhere = FlowStats::load(&store, tenant, NumberId::new()).unwrap();
        assert!(elsewhere.of("menu").is_empty(), "each number has its own row");
    }
}
