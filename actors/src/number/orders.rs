//! The NumberActor's in-memory list of its orders, for the order history of
//! a chat and the tenant's orders list: filters by chat, status and date,
//! newest first, with a cursor. Pure; the NumberActor loads it from sled at
//! start and keeps it in step from its conversations' `OrderChanged`.
//!
//! Orders are few beside conversations (a customer orders now and then),
//! so whole records are kept: a page never touches sled.

use std::collections::BTreeMap;

use tenants::{ConversationId, OrderId};

use crate::conversation::order::{OrderRecord, OrderStatus};

/// Which orders a query wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only this chat's.
    pub conversation: Option<ConversationId>,
    /// Only in this status.
    pub status: Option<OrderStatus>,
    /// Only placed at or after this time (Unix ms).
    pub from_ms: Option<i64>,
    /// Only placed before this time (Unix ms).
    pub to_ms: Option<i64>,
    /// Only older than this order (the previous page's last).
    pub before: Option<OrderId>,
}

/// Every order of one number, by id (ids are time-ordered UUIDv7).
#[derive(Debug, Default)]
pub struct Orders {
    by_id: BTreeMap<OrderId, OrderRecord>,
}

impl Orders {
    /// Adds or replaces an order.
    pub fn upsert(&mut self, order: OrderRecord) {
        self.by_id.insert(order.id, order);
    }

    /// One order.
    pub fn get(&self, id: OrderId) -> Option<&OrderRecord> {
        self.by_id.get(&id)
    }

    /// Up to `limit` orders matching `f` whose chat passes `visible`,
    /// newest first.
    pub fn list(
        &self,
        f: &OrderFilter,
        visible: impl Fn(ConversationId) -> bool,
        limit: usize,
    ) -> Vec<OrderRecord> {
        let upper = f.before.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        self.by_id
            .range((std::ops::Bound::Unbounded, upper))
            .rev()
            .map(|(_, o)| o)
            .filter(|o| f.conversation.is_none_or(|c| o.conversation_id == c))
            .filter(|o| f.status.is_none_or(|s| o.status == s))
            .filter(|o| f.from_ms.is_none_or(|t| o.created_at_ms >= t))
            .filter(|o| f.to_ms.is_none_or(|t| o.created_at_ms < t))
            .filter(|o| visible(o.conversation_id))
            .take(limit)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenants::{NumberId, TenantId};

    fn order(conversation: ConversationId, status: OrderStatus, at: i64) -> OrderRecord {
        OrderRecord {
            id: OrderId::new(),
            tenant_id: TenantId::new(),
            number_id: NumberId::new(),
            conversation_id: conversation,
            wa_id: "1555".into(),
            customer_name: None,
            catalog_id: "cat".into(),
            text: None,
            items: Vec::new(),
            total_minor: 0,
            currency: "USD".into(),
            status,
            history: Vec::new(),
            created_at_ms: at,
            updated_at_ms: at,
        }
    }

    #[test]
    fn filters_newest_first_in_pages() {
        let (a, b) = (ConversationId::new(), ConversationId::new());
        let mut orders = Orders::default();
        let placed: Vec<OrderRecord> = vec![
            order(a, OrderStatus::Received, 10),
            order(b, OrderStatus::Shipped, 20),
            order(a, OrderStatus::Shipped, 30),
            order(a, OrderStatus::Received, 40),
        ];
        for o in &placed {
            orders.upsert(o.clone());
        }
        let ids = |v: Vec<OrderRecord>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
        let all = |_| true;

        assert_eq!(
            ids(orders.list(&OrderFilter::default(), all, 10)),
            [placed[3].id, placed[2].id, placed[1].id, placed[0].id]
        );
        let of_a = OrderFilter { conversation: Some(a), ..Default::default() };
        assert_eq!(ids(orders.list(&of_a, all, 2)), [placed[3].id, placed[2].id]);
        let next = OrderFilter { before: Some(placed[2].id), ..of_a.clone() };
        assert_eq!(ids(orders.list(&next, all, 2)), [placed[0].id]);
        let shipped = OrderFilter { status: Some(OrderStatus::Shipped), ..Default::default() };
        assert_eq!(ids(orders.list(&shipped, all, 10)), [placed[2].id, placed[1].id]);
        let window = OrderFilter { from_ms: Some(20), to_ms: Some(40), ..Default::default() };
        assert_eq!(ids(orders.list(&window, all, 10)), [placed[2].id, placed[1].id]);
        assert_eq!(ids(orders.list(&OrderFilter::default(), |c| c == b, 10)), [placed[1].id]);
    }
}
