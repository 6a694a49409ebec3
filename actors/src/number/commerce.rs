//! The NumberActor's commerce: it holds the latest catalog snapshot from
//! its CatalogActor (handed to callers, who search it in their own task,
//! and to conversations, to resolve orders) and the list of its orders
//! (`orders.rs`). Its handle methods are the commerce API of a number.

use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, RpcReplyPort};
use tenants::{ConversationId, OrderId};

use super::catalog::{CatalogActor, CatalogArgs, CatalogMsg, CatalogSnapshot, CatalogStatus};
use super::orders::OrderFilter;
use super::{NumberHandle, NumberMsg, NumberState};
use crate::ask::{ask, ask_result, reply};
use crate::conversation::commerce::OrderUpdate;
use crate::conversation::order::OrderRecord;
use crate::conversation::ConversationMsg;
use crate::error::ActorError;
use crate::hub::{may_see, Viewer, Visibility};

/// The NumberActor's commerce requests.
pub enum CommerceMsg {
    /// The CatalogActor has a new snapshot.
    CatalogChanged(Box<CatalogSnapshot>),
    /// The current snapshot.
    Catalog(RpcReplyPort<CatalogSnapshot>),
    /// Sync the catalog from Meta.
    Sync,
    /// A manager chose the catalog (`None`: the WABA's own).
    Choose(Option<String>, RpcReplyPort<Result<CatalogStatus, ActorError>>),
    /// A conversation wrote an order.
    OrderChanged(Box<OrderRecord>),
    /// A page of orders a viewer may see, newest first.
    Orders(Box<(OrderFilter, Viewer)>, usize, RpcReplyPort<Vec<OrderRecord>>),
    /// One order, whoever may see it (the caller checks).
    FindOrder(OrderId, RpcReplyPort<Option<OrderRecord>>),
}

pub(super) fn handle(s: &mut NumberState, msg: CommerceMsg) {
    match msg {
        CommerceMsg::CatalogChanged(snapshot) => s.catalog = *snapshot,
        CommerceMsg::Catalog(r) => reply(r, s.catalog.clone()),
        CommerceMsg::Sync => to_catalog(s, CatalogMsg::Sync),
        CommerceMsg::Choose(id, r) => match &s.catalog_actor {
            Some(actor) => {
                if let Err(ractor::MessagingErr::SendErr(CatalogMsg::Choose(_, r))) =
                    actor.cast(CatalogMsg::Choose(id, r))
                {
                    reply(r, Err(ActorError::Unavailable("the catalog is restarting".into())));
                }
            }
            None => reply(r, Err(ActorError::Unavailable("the catalog is restarting".into()))),
        },
        CommerceMsg::OrderChanged(order) => s.orders.upsert(*order),
        CommerceMsg::Orders(query, limit, r) => {
            let (filter, viewer) = *query;
            let visible = |id: ConversationId| {
                s.index.get(id).is_some_and(|c| {
                    let v =
                        Visibility { tenant_id: c.tenant_id, assignee_id: c.assignee_id, team_id: c.team_id };
                    may_see(&viewer, &v)
                })
            };
            reply(r, s.orders.list(&filter, visible, limit));
        }
        CommerceMsg::FindOrder(id, r) => reply(r, s.orders.get(id).cloned()),
    }
}

fn to_catalog(s: &NumberState, msg: CatalogMsg) {
    if let Some(actor) = &s.catalog_actor {
        let _ = actor.cast(msg);
    }
}

pub(super) fn is_catalog(s: &NumberState, cell: &ActorCell) -> bool {
    s.catalog_actor.as_ref().is_some_and(|a| a.get_id() == cell.get_id())
}

/// Starts (or restarts) the CatalogActor, which reloads its copy from sled.
pub(super) async fn start_catalog(
    me: &ActorRef<NumberMsg>,
    s: &mut NumberState,
) -> Result<(), ActorProcessingErr> {
    let args = CatalogArgs {
        ctx: s.ctx.clone(),
        number: s.number.clone(),
        auth: s.auth.clone(),
        parent: me.clone(),
    };
    let (actor, _) = Actor::spawn_linked(None, CatalogActor, args, me.get_cell()).await?;
    s.catalog_actor = Some(actor);
    Ok(())
}

impl NumberHandle {
    async fn commerce<T: Send + 'static>(
        &self,
        build: impl FnOnce(RpcReplyPort<T>) -> CommerceMsg,
    ) -> Result<T, ActorError> {
        ask(&self.live().await?, |r| NumberMsg::Commerce(build(r)), self.timeout()).await
    }

    /// The number's catalog (search it with [`crate::number::catalog::Catalog::search`]).
    pub async fn catalog(&self) -> Result<CatalogSnapshot, ActorError> {
        self.commerce(CommerceMsg::Catalog).await
    }

    /// Syncs the catalog from Meta in the background.
    pub fn sync_catalog(&self) -> Result<(), ActorError> {
        self.actor()?
            .cast(NumberMsg::Commerce(CommerceMsg::Sync))
            .map_err(|_| ActorError::Unavailable("number is not running".into()))
    }

    /// Uses catalog `id` (`None`: the one connected to the WABA) and syncs it.
    pub async fn choose_catalog(&self, id: Option<String>) -> Result<CatalogStatus, ActorError> {
        ask_result(&self.live().await?, |r| NumberMsg::Commerce(CommerceMsg::Choose(id, r)), self.timeout())
            .await
    }

    /// Up to `limit` orders matching `filter` that `viewer` may see, newest first.
    pub async fn orders(
        &self,
        filter: OrderFilter,
        viewer: Viewer,
        limit: usize,
    ) -> Result<Vec<OrderRecord>, ActorError> {
        self.commerce(|r| CommerceMsg::Orders(Box::new((filter, viewer)), limit, r)).await
    }

    /// One order of this number.
    pub async fn find_order(&self, id: OrderId) -> Result<Option<OrderRecord>, ActorError> {
        self.commerce(|r| CommerceMsg::FindOrder(id, r)).await
    }

    /// Moves an order of conversation `id` (and maybe tells the customer).
    pub async fn update_order(
        &self,
        id: ConversationId,
        update: OrderUpdate,
    ) -> Result<OrderRecord, ActorError> {
        self.ask_conversation(id, |r| ConversationMsg::UpdateOrder(Box::new(update), r)).await
    }
}
