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

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ractor::{ActorCell, ActorId, ActorRef};
use tenants::ConversationId;

use crate::conversation::ConversationMsg;

/// One running conversation actor.
struct Child {
    actor: ActorRef<ConversationMsg>,
    /// Messages routed to it since it started.
    routed: u64,
    /// When the last one was routed.
    last_routed: Instant,
}

/// The children of a NumberActor.
#[derive(Default)]
pub(crate) struct Children {
    by_id: HashMap<ConversationId, Child>,
    by_actor: HashMap<ActorId, ConversationId>,
}

impl Children {
    /// The running actor of a conversation.
    pub(crate) fn get(&self, id: ConversationId) -> Option<ActorRef<ConversationMsg>> {
        self.by_id.get(&id).map(|c| c.actor.clone())
    }

    /// Records a freshly spawned child.
    pub(crate) fn insert(&mut self, id: ConversationId, actor: ActorRef<ConversationMsg>) {
        self.by_actor.insert(actor.get_id(), id);
        self.by_id.insert(id, Child { actor, routed: 0, last_routed: Instant::now() });
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
        }
    }

    /// Forgets an actor that stopped or failed; `None` if it was not ours
    /// (already replaced or passivated).
    pub(crate) fn forget(&mut self, cell: &ActorCell) -> Option<ConversationId> {
        let id = self.by_actor.remove(&cell.get_id())?;
        if self.by_id.get(&id).is_some_and(|c| c.actor.get_id() == cell.get_id()) {
            self.by_id.remove(&id);
        }
        Some(id)
    }

    /// Children with nothing routed for `idle`.
    pub(crate) fn idle(&self, idle: Duration) -> Vec<ActorRef<ConversationMsg>> {
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
        self.by_id.remove(&id).map(|c| c.actor)
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
