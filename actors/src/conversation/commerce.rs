//! The conversation's side of commerce: a customer's cart (`order`
//! message) becomes an order record, written with the message in the same
//! batch; agents move an order's status, optionally telling the
//! customer in the same step. Every change is an event of the chat's log
//! and a live `order.created` / `order.updated` event.

use tenants::{OrderId, UserId};
use whatsapp::Content;

use super::change::Change;
use super::order::{OrderRecord, OrderStatus, Placed};
use super::record::{EventActor, EventKind, MessageRecord};
use super::{outbound, window, ConversationState, SendRequest};
use crate::clock::now_ms;
use crate::error::ActorError;
use crate::number::catalog::Catalog;
use crate::store::{key, Tree};

/// An agent's change to one of the chat's orders.
#[derive(Debug, Clone)]
pub struct OrderUpdate {
    /// The order.
    pub order: OrderId,
    /// Its new status.
    pub status: OrderStatus,
    /// The agent.
    pub by: UserId,
    /// A message telling the customer (a text needs the 24-hour window;
    /// a template does not).
    pub notify: Option<SendRequest>,
}

/// The store key of an order.
pub(crate) fn order_key(o: &OrderRecord) -> Vec<u8> {
    key(&[&o.tenant_id.to_bytes(), &o.number_id.to_bytes(), &o.id.to_bytes()])
}

/// If `message` is a customer's cart, adds its order to the change.
pub(super) fn order_of(
    s: &ConversationState,
    c: &mut Change,
    message: &MessageRecord,
    catalog: &Catalog,
) -> Result<(), ActorError> {
    let super::record::Body::Received(Content::Order { catalog_id, text, items }) = &message.body else {
        return Ok(());
    };
    let placed = Placed {
        conversation: s.conversation_ref(),
        wa_id: &s.record.wa_id,
        customer_name: s.record.customer_name.as_deref(),
        message_id: message.id,
        catalog_id,
        text: text.as_deref(),
        items,
        at_ms: message.created_at_ms,
    };
    let order = OrderRecord::placed(placed, catalog);
    c.batch.put(Tree::Orders, order_key(&order), &order)?;
    c.event(
        EventActor::Customer,
        EventKind::OrderPlaced { order_id: order.id, total_minor: order.total_minor },
    );
    c.orders.push(("order.created", order));
    Ok(())
}

/// Moves an order's status and, if asked, tells the customer. Nothing
/// changes when the move is not allowed or the message could not be sent
/// (a text outside the 24-hour window).
pub(super) fn update(s: &mut ConversationState, u: OrderUpdate) -> Result<OrderRecord, ActorError> {
    let key = key(&[&s.record.tenant_id.to_bytes(), &s.record.number_id.to_bytes(), &u.order.to_bytes()]);
    let mut order: OrderRecord = s.ctx.store.get(Tree::Orders, &key)?.ok_or(ActorError::NotFound)?;
    if order.conversation_id != s.record.id {
        return Err(ActorError::NotFound);
    }
    let now = now_ms();
    if let Some(notify) = &u.notify {
        if notify.outbound.needs_window()
            && !window::window(s.record.last_customer_at_ms, s.record.window_closed_at_ms, now).open
        {
            return Err(outbound::outside_window());
        }
    }
    let changed = order
        .advance(u.status, u.by, now)
        .map_err(|why| ActorError::unprocessable("invalid_order_status", why))?;
    if changed {
        let mut c = s.begin();
        c.batch.put(Tree::Orders, key, &order)?;
        c.event(
            EventActor::User(u.by),
            EventKind::OrderStatusChanged { order_id: order.id, status: u.status },
        );
        c.orders.push(("order.updated", order.clone()));
        s.commit(c, None)?;
    }
    if let Some(notify) = u.notify {
        outbound::send(s, notify)?;
    }
    Ok(order)
}
