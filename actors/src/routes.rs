//! The routing snapshot: where each running actor is right now.
//!
//! A documented exception to "no shared locks": a read-mostly map from
//! business number (by `phone_number_id` and by id) to its NumberActor,
//! plus the Directory, the Hub and the TeamActors. Only the RootSupervisor writes it (when
//! it spawns or respawns a child), so callers always find the current actor
//! after a restart instead of keeping a dead reference, and the webhook path
//! reads it without a round trip through the root.
//!
//! Between a child's failure and its respawn the table still names the
//! stopped actor; [`Routes::live`] waits (briefly) for the replacement, so
//! a request that arrives in that moment is served by the new actor
//! instead of failing with a 503.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ractor::{ActorRef, ActorStatus, Message};
use tenants::{NumberId, Secret, TeamId, TenantId};
use tokio::sync::watch;

use crate::directory::DirectoryMsg;
use crate::hub::HubMsg;
use crate::number::NumberMsg;
use crate::team::TeamMsg;

/// Where a business number's actor is, and what the webhook needs to
/// check a signature for it.
#[derive(Clone, Debug)]
pub(crate) struct NumberRoute {
    pub number_id: NumberId,
    pub tenant_id: TenantId,
    pub app_secret: Option<Secret>,
    pub actor: ActorRef<NumberMsg>,
}

#[derive(Default)]
struct Table {
    directory: Option<ActorRef<DirectoryMsg>>,
    hub: Option<ActorRef<HubMsg>>,
    by_phone: HashMap<String, NumberRoute>,
    by_id: HashMap<NumberId, String>,
    teams: HashMap<TeamId, (TenantId, ActorRef<TeamMsg>)>,
    suspended: HashSet<TenantId>,
}

/// Shared handle to the snapshot.
#[derive(Clone)]
pub(crate) struct Routes {
    inner: Arc<RwLock<Table>>,
    /// Bumped on every change, for [`Routes::live`] to wait on.
    changed: Arc<watch::Sender<u64>>,
}

impl Default for Routes {
    fn default() -> Self {
        Self { inner: Arc::default(), changed: Arc::new(watch::Sender::new(0)) }
    }
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Routes")
    }
}

impl Routes {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.inner.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the table and wakes whoever waits in [`Routes::live`].
    fn update<T>(&self, change: impl FnOnce(&mut Table) -> T) -> T {
        let out = change(&mut self.inner.write().unwrap_or_else(|poisoned| poisoned.into_inner()));
        self.changed.send_modify(|n| *n += 1);
        out
    }

    /// The actor `find` picks from the table; while that actor has stopped
    /// (failed, its supervisor not yet done respawning it), waits up to
    /// `wait` for the table to name its successor. Gives back what it
    /// found when the wait runs out, and the call to it then fails as
    /// before.
    pub(crate) async fn live<M: Message>(
        &self,
        wait: Duration,
        find: impl Fn(&Self) -> Option<ActorRef<M>>,
    ) -> Option<ActorRef<M>> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut changed = self.changed.subscribe();
        loop {
            let found = find(self);
            let stopped = found.as_ref().is_some_and(|a| a.get_status() >= ActorStatus::Stopping);
            if !stopped || !matches!(tokio::time::timeout_at(deadline, changed.changed()).await, Ok(Ok(()))) {
                return found;
            }
        }
    }

    pub(crate) fn directory(&self) -> Option<ActorRef<DirectoryMsg>> {
        self.read().directory.clone()
    }

    pub(crate) fn hub(&self) -> Option<ActorRef<HubMsg>> {
        self.read().hub.clone()
    }

    pub(crate) fn by_phone(&self, phone_number_id: &str) -> Option<NumberRoute> {
        self.read().by_phone.get(phone_number_id).cloned()
    }

    pub(crate) fn by_id(&self, id: NumberId) -> Option<NumberRoute> {
        let table = self.read();
        table.by_id.get(&id).and_then(|p| table.by_phone.get(p)).cloned()
    }

    pub(crate) fn numbers(&self) -> Vec<NumberRoute> {
        self.read().by_phone.values().cloned().collect()
    }

    /// One tenant's numbers: an API request's lookup, so it clones only
    /// those (cloning every number's route was 2.3% of the server's CPU
    /// with 125 numbers, and grows with the deployment).
    pub(crate) fn numbers_of(&self, tenant: TenantId) -> Vec<NumberRoute> {
        self.read().by_phone.values().filter(|r| r.tenant_id == tenant).cloned().collect()
    }

    pub(crate) fn set_directory(&self, actor: ActorRef<DirectoryMsg>) {
        self.update(|t| t.directory = Some(actor));
    }

    pub(crate) fn set_hub(&self, actor: ActorRef<HubMsg>) {
        self.update(|t| t.hub = Some(actor));
    }

    pub(crate) fn team(&self, id: TeamId) -> Option<ActorRef<TeamMsg>> {
        self.read().teams.get(&id).map(|(_, a)| a.clone())
    }

    pub(crate) fn teams_of(&self, tenant: TenantId) -> Vec<ActorRef<TeamMsg>> {
        self.read().teams.values().filter(|(t, _)| *t == tenant).map(|(_, a)| a.clone()).collect()
    }

    pub(crate) fn set_team(&self, id: TeamId, tenant: TenantId, actor: ActorRef<TeamMsg>) {
        self.update(|t| t.teams.insert(id, (tenant, actor)));
    }

    pub(crate) fn remove_team(&self, id: TeamId) -> Option<ActorRef<TeamMsg>> {
        self.update(|t| t.teams.remove(&id).map(|(_, a)| a))
    }

    pub(crate) fn is_suspended(&self, tenant: TenantId) -> bool {
        self.read().suspended.contains(&tenant)
    }

    pub(crate) fn set_suspended(&self, tenant: TenantId, suspended: bool) {
        self.update(|t| {
            if suspended {
                t.suspended.insert(tenant);
            } else {
                t.suspended.remove(&tenant);
            }
        });
    }

    pub(crate) fn set_number(&self, phone_number_id: String, route: NumberRoute) {
        self.update(|t| {
            t.by_id.insert(route.number_id, phone_number_id.clone());
            t.by_phone.insert(phone_number_id, route);
        });
    }
}
