//! The RootSupervisor and `ActorSystem`, the façade the edge holds.
//!
//! The root spawns the Directory and the Hub, then one NumberActor per
//! business number and one TeamActor per team found in the Directory, and
//! records each in the routing snapshot. When a child fails it is respawned from its persisted state
//! (Directory and NumberActor reload from sled; the Hub loses its sockets,
//! whose clients reconnect with `since=`), within the restart budget; past
//! it the root fails and `ActorSystem::stopped` resolves so the process
//! exits instead of limping on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use tenants::{Number, NumberId, Secret, Team, TeamId, TenantId};
use tokio::sync::watch;
use whatsapp::GraphApi;

use crate::ask::{ask_result, reply};
use crate::ctx::{Ctx, Shared};
use crate::directory::{Directory, DirectoryHandle, DirectoryMsg};
use crate::error::ActorError;
use crate::hub::{Hub, HubHandle, HubMsg};
use crate::intake::Intake;
use crate::metrics::Metrics;
use crate::number::{NumberActor, NumberArgs, NumberHandle, NumberMsg};
use crate::routes::{NumberRoute, Routes};
use crate::settings::ActorSettings;
use crate::store::{GroupCommit, MediaStore, Store};
use crate::supervision::RestartBudget;
use crate::team::{TeamActor, TeamHandle};

/// Numbers whose actors start (or shut down) at once: each reads (or
/// writes) its index; the disk serves many requests at a time.
const NUMBERS_STARTED_AT_ONCE: usize = 32;

/// Root requests.
pub enum RootMsg {
    /// Starts the NumberActor of a newly registered number.
    StartNumber(Box<Number>, RpcReplyPort<Result<(), ActorError>>),
    /// Starts the TeamActor of a new team.
    StartTeam(Box<Team>, RpcReplyPort<Result<(), ActorError>>),
    /// Stops the TeamActor of a deleted team.
    StopTeam(TeamId, RpcReplyPort<()>),
    /// Restarts a NumberActor with changed credentials.
    RestartNumber(Box<Number>, RpcReplyPort<Result<(), ActorError>>),
    /// Marks a tenant suspended (webhooks acknowledged, not processed) or not.
    SetSuspended(TenantId, bool, RpcReplyPort<()>),
}

/// Which child an actor is.
#[derive(Clone)]
enum Child {
    Directory,
    Hub,
    Number(Box<Number>),
    Team(Box<Team>),
}

/// The root's state.
pub struct RootState {
    /// Shared context.
    ctx: Ctx,
    /// Every child, by actor id.
    children: HashMap<ActorId, Child>,
    /// Restart history per child kind / number.
    budgets: HashMap<String, RestartBudget>,
}

/// The RootSupervisor.
pub struct RootSupervisor;

impl Actor for RootSupervisor {
    type Msg = RootMsg;
    type State = RootState;
    type Arguments = Ctx;

    async fn pre_start(&self, me: ActorRef<RootMsg>, ctx: Ctx) -> Result<RootState, ActorProcessingErr> {
        let mut s = RootState { ctx, children: HashMap::new(), budgets: HashMap::new() };
        spawn_child(&me, &mut s, Child::Directory).await?;
        spawn_child(&me, &mut s, Child::Hub).await?;
        let directory = DirectoryHandle { ctx: s.ctx.clone() };
        for (tenant, _) in directory.list_tenants().await?.into_iter().filter(|(t, _)| t.suspended) {
            s.ctx.routes.set_suspended(tenant.id, true);
        }
        // Side by side: each number reads its index from disk at start-up,
        // and one after another a cold start of 1,000 numbers took 22 s.
        let numbers = directory.all_numbers().await?;
        let (me_cell, ctx) = (me.get_cell(), s.ctx.clone());
        let started: Vec<_> = futures::stream::iter(numbers)
            .map(|number| {
                let (cell, ctx) = (me_cell.clone(), ctx.clone());
                async move {
                    let child = Child::Number(Box::new(number));
                    spawn_actor(cell, &ctx, &child).await.map(|id| (id, child))
                }
            })
            .buffer_unordered(NUMBERS_STARTED_AT_ONCE)
            .collect()
            .await;
        for started in started {
            let (id, child) = started?;
            s.children.insert(id, child);
        }
        // Teams last: they rebuild their queues from the NumberActors.
        let teams = DirectoryHandle { ctx: s.ctx.clone() }.all_teams().await?;
        for team in teams {
            spawn_child(&me, &mut s, Child::Team(Box::new(team))).await?;
        }
        Ok(s)
    }

    async fn handle(
        &self,
        me: ActorRef<RootMsg>,
        msg: RootMsg,
        s: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            RootMsg::StartNumber(number, port) => {
                let result = spawn_child(&me, s, Child::Number(number))
                    .await
                    .map_err(|e| ActorError::Unavailable(format!("number actor: {e}")));
                reply(port, result);
            }
            RootMsg::StartTeam(team, port) => {
                let result = spawn_child(&me, s, Child::Team(team))
                    .await
                    .map_err(|e| ActorError::Unavailable(format!("team actor: {e}")));
                reply(port, result);
            }
            RootMsg::RestartNumber(number, port) => {
                let running = s.ctx.routes.by_id(number.id).map(|r| r.actor);
                if let Some(actor) = running {
                    s.children.remove(&actor.get_id());
                    let _ =
                        actor.stop_and_wait(Some("restart".into()), Some(s.ctx.settings.call_timeout)).await;
                }
                let result = spawn_child(&me, s, Child::Number(number))
                    .await
                    .map_err(|e| ActorError::Unavailable(format!("number actor: {e}")));
                reply(port, result);
            }
            RootMsg::SetSuspended(tenant, suspended, port) => {
                s.ctx.routes.set_suspended(tenant, suspended);
                reply(port, ());
            }
            RootMsg::StopTeam(id, port) => {
                if let Some(actor) = s.ctx.routes.remove_team(id) {
                    s.children.remove(&actor.get_id());
                    actor.stop(Some("team deleted".into()));
                }
                reply(port, ());
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        me: ActorRef<RootMsg>,
        event: SupervisionEvent,
        s: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        match event {
            SupervisionEvent::ActorFailed(cell, err) => restart(&me, s, &cell, &err.to_string()).await,
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                // Children stop only when told to (shutdown); forget them.
                s.children.remove(&cell.get_id());
                tracing::debug!(?reason, "child stopped");
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

fn budget_key(child: &Child) -> String {
    match child {
        Child::Directory => "directory".into(),
        Child::Hub => "hub".into(),
        Child::Number(n) => format!("number:{}", n.id),
        Child::Team(t) => format!("team:{}", t.id),
    }
}

async fn restart(
    me: &ActorRef<RootMsg>,
    s: &mut RootState,
    cell: &ActorCell,
    err: &str,
) -> Result<(), ActorProcessingErr> {
    let Some(child) = s.children.remove(&cell.get_id()) else { return Ok(()) };
    let key = budget_key(&child);
    tracing::error!(child = %key, error = %err, "child failed; respawning from its persisted state");
    Metrics::inc(&s.ctx.metrics.actor_restarts);
    let (max, window) = (s.ctx.settings.max_restarts, s.ctx.settings.restart_window);
    if !s.budgets.entry(key.clone()).or_insert_with(|| RestartBudget::new(max, window)).allow(Instant::now())
    {
        return Err(format!("{key} failed too often; escalating").into());
    }
    spawn_child(me, s, child).await
}

async fn spawn_child(
    me: &ActorRef<RootMsg>,
    s: &mut RootState,
    child: Child,
) -> Result<(), ActorProcessingErr> {
    let id = spawn_actor(me.get_cell(), &s.ctx, &child).await?;
    s.children.insert(id, child);
    Ok(())
}

/// Spawns `child` under the root (`cell`) and publishes its route.
async fn spawn_actor(cell: ActorCell, ctx: &Ctx, child: &Child) -> Result<ActorId, ActorProcessingErr> {
    let ctx = ctx.clone();
    let id = match child {
        Child::Directory => {
            let (actor, _) = Actor::spawn_linked(None, Directory, ctx.clone(), cell).await?;
            ctx.routes.set_directory(actor.clone());
            actor.get_id()
        }
        Child::Hub => {
            let (actor, _) = Actor::spawn_linked(None, Hub, ctx.clone(), cell).await?;
            ctx.routes.set_hub(actor.clone());
            actor.get_id()
        }
        Child::Number(number) => {
            let args = NumberArgs { ctx: ctx.clone(), number: (**number).clone() };
            let (actor, _) = Actor::spawn_linked(None, NumberActor, args, cell).await?;
            let route = NumberRoute {
                number_id: number.id,
                tenant_id: number.tenant_id,
                app_secret: number.app_secret.clone(),
                actor: actor.clone(),
            };
            ctx.routes.set_number(number.phone_number_id.clone(), route);
            actor.get_id()
        }
        Child::Team(team) => {
            let (actor, _) =
                Actor::spawn_linked(None, TeamActor, (ctx.clone(), (**team).clone()), cell).await?;
            ctx.routes.set_team(team.id, team.tenant_id, actor.clone());
            actor.get_id()
        }
    };
    Ok(id)
}

/// What the webhook needs to know about a `phone_number_id`.
#[derive(Clone, Debug)]
pub struct NumberEntry {
    /// Its NumberActor.
    pub handle: NumberHandle,
    /// The number's own app secret, if it has one.
    pub app_secret: Option<Secret>,
}

/// The running actor tree, as the edge sees it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ActorSystem {
    ctx: Ctx,
    root: ActorRef<RootMsg>,
    stopped: watch::Receiver<bool>,
}

impl ActorSystem {
    /// Opens the store and starts the tree.
    pub async fn start(settings: ActorSettings, graph: Arc<dyn GraphApi>) -> Result<Self, ActorError> {
        let metrics = Arc::new(Metrics::default());
        let started = Instant::now();
        let store = Store::open(&settings.store, metrics.clone())?;
        let store_open = started.elapsed();
        let media = MediaStore::new(&settings.store.path);
        let intake = Intake::new(
            settings.max_inflight_webhooks,
            settings.outbox_yield_above_webhooks,
            settings.outbox_yield_max,
        );
        let ctx = Ctx::new(Shared {
            store,
            media,
            metrics,
            routes: Routes::default(),
            graph,
            settings: Arc::new(settings),
            intake,
        });
        let (root, task) = Actor::spawn(None, RootSupervisor, ctx.clone())
            .await
            .map_err(|e| ActorError::Unavailable(format!("actor tree did not start: {e}")))?;
        // Start-up time is mostly disk reads after a cold boot: say where.
        tracing::info!(
            store_open_ms = store_open.as_millis() as u64,
            actor_tree_ms = (started.elapsed() - store_open).as_millis() as u64,
            numbers = ctx.routes.numbers().len(),
            "actor tree started"
        );
        let (tx, stopped) = watch::channel(false);
        tokio::spawn(async move {
            let _ = task.await;
            let _ = tx.send(true);
        });
        Ok(Self { ctx, root, stopped })
    }

    /// The store, for tests that lay rows out as an older build left them.
    #[cfg(test)]
    pub(crate) fn store(&self) -> &crate::store::Store {
        &self.ctx.store
    }

    /// The Directory.
    pub fn directory(&self) -> DirectoryHandle {
        DirectoryHandle { ctx: self.ctx.clone() }
    }

    /// The Hub.
    pub fn hub(&self) -> HubHandle {
        HubHandle { ctx: self.ctx.clone() }
    }

    /// A number's actor by id.
    pub fn number(&self, id: NumberId) -> Option<NumberHandle> {
        let route = self.ctx.routes.by_id(id)?;
        Some(NumberHandle { ctx: self.ctx.clone(), number_id: route.number_id, tenant_id: route.tenant_id })
    }

    /// A number's actor and app secret by Meta's `phone_number_id`.
    pub fn number_by_phone(&self, phone_number_id: &str) -> Option<NumberEntry> {
        let route = self.ctx.routes.by_phone(phone_number_id)?;
        Some(NumberEntry {
            handle: NumberHandle {
                ctx: self.ctx.clone(),
                number_id: route.number_id,
                tenant_id: route.tenant_id,
            },
            app_secret: route.app_secret,
        })
    }

    /// Every number of a tenant.
    pub fn numbers_of(&self, tenant: TenantId) -> Vec<NumberHandle> {
        let mut out: Vec<NumberHandle> = self
            .ctx
            .routes
            .numbers_of(tenant)
            .into_iter()
            .map(|r| NumberHandle { ctx: self.ctx.clone(), number_id: r.number_id, tenant_id: r.tenant_id })
            .collect();
        out.sort_by_key(|h| h.number_id);
        out
    }

    /// Starts the actor of a number the Directory just stored.
    pub async fn start_number(&self, number: Number) -> Result<(), ActorError> {
        ask_result(&self.root, |p| RootMsg::StartNumber(Box::new(number), p), self.ctx.settings.call_timeout)
            .await
    }

    /// Restarts a number's actor after its credentials changed.
    pub async fn restart_number(&self, number: Number) -> Result<(), ActorError> {
        ask_result(
            &self.root,
            |p| RootMsg::RestartNumber(Box::new(number), p),
            self.ctx.settings.call_timeout * 2,
        )
        .await
    }

    /// Suspends or resumes a tenant's webhook processing.
    pub async fn set_suspended(&self, tenant: TenantId, suspended: bool) -> Result<(), ActorError> {
        crate::ask::ask(
            &self.root,
            |p| RootMsg::SetSuspended(tenant, suspended, p),
            self.ctx.settings.call_timeout,
        )
        .await
    }

    /// Whether a tenant is suspended.
    pub fn is_suspended(&self, tenant: TenantId) -> bool {
        self.ctx.routes.is_suspended(tenant)
    }

    /// A team's actor (404 when it does not run).
    pub fn team(&self, id: TeamId) -> TeamHandle {
        TeamHandle { ctx: self.ctx.clone(), team_id: id }
    }

    /// Starts the actor of a team the Directory just stored.
    pub async fn start_team(&self, team: Team) -> Result<(), ActorError> {
        ask_result(&self.root, |p| RootMsg::StartTeam(Box::new(team), p), self.ctx.settings.call_timeout)
            .await
    }

    /// Stops the actor of a deleted team.
    pub async fn stop_team(&self, id: TeamId) -> Result<(), ActorError> {
        crate::ask::ask(&self.root, |p| RootMsg::StopTeam(id, p), self.ctx.settings.call_timeout).await
    }

    /// The group commit: await `durable()` before acknowledging a write.
    pub fn commit(&self) -> &GroupCommit {
        self.ctx.store.commit()
    }

    /// Where downloaded media files are kept (read-only for the edge).
    pub fn media(&self) -> &MediaStore {
        &self.ctx.media
    }

    /// Webhooks in flight: the edge admits each one here.
    pub fn intake(&self) -> &Arc<Intake> {
        &self.ctx.intake
    }

    /// Process metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.ctx.metrics
    }

    /// Whether the tree is up (the root and its core children run).
    pub fn is_ready(&self) -> bool {
        !*self.stopped.borrow() && self.ctx.routes.directory().is_some() && self.ctx.routes.hub().is_some()
    }

    /// Resolves when the root has stopped (a failure past its budget, or shutdown).
    pub async fn stopped(&self) {
        let mut rx = self.stopped.clone();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Stops the tree (children finish their current message) and flushes.
    pub async fn shutdown(&self) -> Result<(), ActorError> {
        // Numbers first: each stops its conversations and writes the index
        // snapshot the next start reads (`number::snapshot`). One that does
        // not answer in time leaves none, and its next start scans.
        let timeout = self.ctx.settings.call_timeout * 2;
        futures::stream::iter(self.ctx.routes.numbers())
            .for_each_concurrent(NUMBERS_STARTED_AT_ONCE, |route| async move {
                let _ = crate::ask::ask(&route.actor, NumberMsg::Shutdown, timeout).await;
            })
            .await;
        let _ = self.root.stop_and_wait(Some("shutdown".into()), Some(self.ctx.settings.call_timeout)).await;
        self.ctx.store.flush_now()
    }
}

// Keep the message types nameable for tests of the supervision tree.
#[doc(hidden)]
pub type DirectoryRef = ActorRef<DirectoryMsg>;
#[doc(hidden)]
pub type HubRef = ActorRef<HubMsg>;
