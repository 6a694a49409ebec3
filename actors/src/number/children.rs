//! The running ConversationActors of a number, and passivation.
//!
//! Every message to a conversation goes through the NumberActor, which
//! counts what it routed to each child. Passivation is decided here, never
//! by the child on its own timer (an actor stopping itself loses what is
//! still queued: TRAPS.md): a periodic tick asks children idle for longer
//! than `passivate_after` how many messages they handled; a child whose
//! count equals what was routed to it has nothing in flight and is removed
//! from the map *before* it is stopped, so the next message starts a fresh
//! actor from sled. Only the summary stays in memory (the index).
//!
//! How long is idle depends on how many actors run, all numbers together
//! (`idle_limit`): an idle actor costs memory, and past some 65,000 of them
//! every message cost a third more CPU on the machine we measure on
//! (BENCHMARKS.md, tenth session). Each `Children` keeps its share of that
//! count in the shared gauge.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ractor::{ActorCell, ActorId, ActorRef};
use tenants::ConversationId;

use crate::conversation::ConversationMsg;
use crate::metrics::Metrics;
use crate::settings::ActorSettings;

/// One running conversation actor.
struct Child {
    actor: ActorRef<ConversationMsg>,
    /// Messages routed to it since it started.
    routed: u64,
    /// When the last one was routed.
    last_routed: Instant,
}

/// The children of a NumberActor.
pub(crate) struct Children {
    by_id: HashMap<ConversationId, Child>,
    by_actor: HashMap<ActorId, ConversationId>,
    /// Where the running actors of every number are counted.
    metrics: Arc<Metrics>,
}

impl Drop for Children {
    /// A NumberActor that ends takes its children's count with it (they
    /// stop with it).
    fn drop(&mut self) {
        self.gauge().fetch_sub(self.by_id.len() as u64, Relaxed);
    }
}

/// How long a child may idle before it is passivated: `idle` while the
/// actors running on every number are within `budget` (0: no budget),
/// `crowded` past it.
fn idle_limit(running: u64, budget: usize, idle: Duration, crowded: Duration) -> Duration {
    if budget > 0 && running > budget as u64 {
        crowded.min(idle)
    } else {
        idle
    }
}

impl Children {
    /// No children yet, counted in `metrics`.
    pub(crate) fn new(metrics: Arc<Metrics>) -> Self {
        Self { by_id: HashMap::new(), by_actor: HashMap::new(), metrics }
    }

    fn gauge(&self) -> &AtomicU64 {
        &self.metrics.conversations_running
    }

    /// Counts one child out of `by_id`, the map the gauge follows.
    fn gone(&self) {
        self.gauge().fetch_sub(1, Relaxed);
    }

    /// The running actor of a conversation.
    pub(crate) fn get(&self, id: ConversationId) -> Option<ActorRef<ConversationMsg>> {
        self.by_id.get(&id).map(|c| c.actor.clone())
    }

    /// Records a freshly spawned child.
    pub(crate) fn insert(&mut self, id: ConversationId, actor: ActorRef<ConversationMsg>) {
        self.by_actor.insert(actor.get_id(), id);
        if self.by_id.insert(id, Child { actor, routed: 0, last_routed: Instant::now() }).is_none() {
            self.gauge().fetch_add(1, Relaxed);
        }
    }

    /// Counts one message routed to `id`.
    pub(crate) fn routed(&mut self, id: ConversationId) {
        if let Some(c) = self.by_id.get_mut(&id) {
            c.routed += 1;
            c.last_routed = Instant::now();
        }
    }

    /// Drops a child whose mailbox is gone (it died before we heard).
    pub(crate) fn remove(&mut self, id: ConversationId) {
        if let Some(c) = self.by_id.remove(&id) {
            self.by_actor.remove(&c.actor.get_id());
            self.gone();
        }
    }

    /// Forgets an actor that stopped or failed; `None` if it was not ours
    /// (already replaced or passivated).
    pub(crate) fn forget(&mut self, cell: &ActorCell) -> Option<ConversationId> {
        let id = self.by_actor.remove(&cell.get_id())?;
        if self.by_id.get(&id).is_some_and(|c| c.actor.get_id() == cell.get_id()) {
            self.by_id.remove(&id);
            self.gone();
        }
        Some(id)
    }

    /// Children idle for longer than `idle_limit` allows now, given how
    /// many actors run on every number.
    pub(crate) fn idle(&self, settings: &ActorSettings) -> Vec<ActorRef<ConversationMsg>> {
        let idle = idle_limit(
            self.gauge().load(Relaxed),
            settings.running_conversations_budget,
            settings.passivate_after,
            settings.crowded_passivate_after,
        );
        self.by_id.values().filter(|c| c.last_routed.elapsed() >= idle).map(|c| c.actor.clone()).collect()
    }

    /// A child reports how many messages it handled: if that is all that
    /// was routed to it, it is removed and returned, to be stopped.
    pub(crate) fn passivate(
        &mut self,
        id: ConversationId,
        actor: ActorId,
        handled: u64,
    ) -> Option<ActorRef<ConversationMsg>> {
        let c = self.by_id.get(&id)?;
        if c.actor.get_id() != actor || c.routed != handled {
            return None; // something arrived meanwhile: keep it
        }
        self.by_actor.remove(&actor);
        let child = self.by_id.remove(&id)?;
        self.gone();
        Some(child.actor)
    }

    /// Every running actor.
    pub(crate) fn running(&self) -> Vec<ActorRef<ConversationMsg>> {
        self.by_id.values().map(|c| c.actor.clone()).collect()
    }

    /// How many actors run.
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_actors_go_sooner_once_more_run_than_the_budget() {
        let (idle, crowded) = (Duration::from_secs(60), Duration::from_secs(10));
        assert_eq!(idle_limit(40_000, 40_000, idle, crowded), idle, "at the budget");
        assert_eq!(idle_limit(40_001, 40_000, idle, crowded), crowded, "past it");
        assert_eq!(idle_limit(1_000_000, 0, idle, crowded), idle, "no budget");
        assert_eq!(
            idle_limit(2, 1, Duration::from_millis(50), crowded),
            Duration::from_millis(50),
            "never longer"
        );
    }
}
