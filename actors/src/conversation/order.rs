//! Orders: what a customer's `order` message (their WhatsApp cart) becomes,
//! and the rules of its status. Pure: no actor, no store.
//!
//! An order's id is its message's id, so the chat's order bubble and the
//! order record name each other without a lookup. Items are resolved
//! against the number's catalog for their names and images when the order
//! arrives (a product later removed from the catalog keeps its name here).
//! Amounts are kept in hundredths of the currency unit, so a total is an
//! exact sum.
//!
//! Status moves forward, `received -> confirmed -> paid -> shipped ->
//! delivered`, steps may be skipped (a cash-on-delivery order is never
//! `paid` before `delivered`), and any order not yet delivered can be
//! canceled. Nothing moves back: a mistaken status is corrected by
//! canceling, so the history a customer was told stays true.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tenants::{ConversationId, MessageId, NumberId, OrderId, TenantId, UserId};
use whatsapp::catalog::minor_units;

use crate::number::catalog::Catalog;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// The customer sent it.
    Received,
    /// The business accepted it.
    Confirmed,
    /// It is paid.
    Paid,
    /// It left.
    Shipped,
    /// The customer has it.
    Delivered,
    /// It will not happen.
    Canceled,
}

impl OrderStatus {
    /// Every status, in order.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Received,
        OrderStatus::Confirmed,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Canceled,
    ];

    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Received => "received",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Canceled => "canceled",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<OrderStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether an order may go from `self` to `next` (see the module docs).
    pub fn may_become(self, next: OrderStatus) -> bool {
        match (self, next) {
            (OrderStatus::Delivered | OrderStatus::Canceled, _) => false,
            (_, OrderStatus::Canceled) => true,
            _ => next > self,
        }
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The product's retailer id.
    pub retailer_id: String,
    /// Its name in the catalog (`None`: the catalog does not have it).
    pub name: Option<String>,
    /// Its image in the catalog.
    pub image_url: Option<String>,
    /// How many.
    pub quantity: u32,
    /// Unit price in hundredths, as the customer's cart had it.
    pub item_price_minor: i64,
    /// ISO 4217.
    pub currency: String,
}

/// One status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The new status.
    pub status: OrderStatus,
    /// When (Unix ms).
    pub at_ms: i64,
    /// Who (`None`: the customer, when the order arrived).
    pub by: Option<UserId>,
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// The order (= its message's id).
    pub id: OrderId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The business number it was placed with.
    pub number_id: NumberId,
    /// The chat.
    pub conversation_id: ConversationId,
    /// The customer.
    pub wa_id: String,
    /// Their profile name when they ordered.
    pub customer_name: Option<String>,
    /// The catalog it was ordered from.
    pub catalog_id: String,
    /// The customer's note with the order.
    pub text: Option<String>,
    /// What they ordered.
    pub items: Vec<OrderLine>,
    /// Sum of quantity x unit price, in hundredths.
    pub total_minor: i64,
    /// The currency of the order (of its first line).
    pub currency: String,
    /// Where it is now.
    pub status: OrderStatus,
    /// Every status it had, oldest first.
    pub history: Vec<StatusChange>,
    /// When it arrived (Unix ms).
    pub created_at_ms: i64,
    /// When it last changed.
    pub updated_at_ms: i64,
}

/// An incoming order message and its chat.
pub struct Placed<'a> {
    /// The chat it came in.
    pub conversation: super::ConversationRef,
    /// The customer.
    pub wa_id: &'a str,
    /// Their profile name.
    pub customer_name: Option<&'a str>,
    /// The order message.
    pub message_id: MessageId,
    /// The catalog the cart came from.
    pub catalog_id: &'a str,
    /// The customer's note.
    pub text: Option<&'a str>,
    /// The cart's lines.
    pub items: &'a [whatsapp::OrderItem],
    /// When it arrived.
    pub at_ms: i64,
}

impl OrderRecord {
    /// The order a customer placed, its lines resolved against `catalog`.
    pub fn placed(placed: Placed<'_>, catalog: &Catalog) -> OrderRecord {
        let items: Vec<OrderLine> = placed
            .items
            .iter()
            .map(|i| {
                let product = catalog.product(&i.product_retailer_id);
                OrderLine {
                    retailer_id: i.product_retailer_id.clone(),
                    name: product.map(|p| p.name.clone()),
                    image_url: product.map(|p| p.image_url.clone()).filter(|u| !u.is_empty()),
                    quantity: i.quantity,
                    item_price_minor: minor_units(i.item_price),
                    currency: i.currency.clone(),
                }
            })
            .collect();
        OrderRecord {
            id: OrderId::from_uuid(placed.message_id.as_uuid()),
            tenant_id: placed.conversation.tenant_id,
            number_id: placed.conversation.number_id,
            conversation_id: placed.conversation.id,
            wa_id: placed.wa_id.to_string(),
            customer_name: placed.customer_name.map(str::to_string),
            catalog_id: placed.catalog_id.to_string(),
            text: placed.text.map(str::to_string),
            total_minor: total(&items),
            currency: items.first().map(|i| i.currency.clone()).unwrap_or_default(),
            items,
            status: OrderStatus::Received,
            history: vec![StatusChange { status: OrderStatus::Received, at_ms: placed.at_ms, by: None }],
            created_at_ms: placed.at_ms,
            updated_at_ms: placed.at_ms,
        }
    }

    /// Moves the order to `next`, if the rules allow. `Ok(false)`: it
    /// already was there (nothing to record).
    pub fn advance(&mut self, next: OrderStatus, by: UserId, at_ms: i64) -> Result<bool, String> {
        if next == self.status {
            return Ok(false);
        }
        if !self.status.may_become(next) {
            return Err(format!("an order that is {} cannot become {}", self.status.as_str(), next.as_str()));
        }
        self.status = next;
        self.updated_at_ms = at_ms;
        self.history.push(StatusChange { status: next, at_ms, by: Some(by) });
        Ok(true)
    }

    /// The API's shape of the order.
    pub fn view(&self) -> Value {
        let amount = |minor: i64| minor as f64 / 100.0;
        json!({
            "id": self.id.to_string(),
            "conversation_id": self.conversation_id.to_string(),
            "number_id": self.number_id.to_string(),
            "message_id": self.id.to_string(),
            "customer": {"wa_id": self.wa_id, "name": self.customer_name},
            "catalog_id": self.catalog_id,
            "text": self.text,
            "items": self.items.iter().map(|i| json!({
                "retailer_id": i.retailer_id,
                "name": i.name,
                "image_url": i.image_url,
                "quantity": i.quantity,
                "item_price": amount(i.item_price_minor),
                "currency": i.currency,
                "subtotal": amount(i.item_price_minor * i64::from(i.quantity)),
            })).collect::<Vec<_>>(),
            "total": amount(self.total_minor),
            "currency": self.currency,
            "status": self.status.as_str(),
            "history": self.history.iter().map(|h| json!({
                "status": h.status.as_str(),
                "at": crate::clock::rfc3339(h.at_ms),
                "by": h.by.map(|u| u.to_string()),
            })).collect::<Vec<_>>(),
            "created_at": crate::clock::rfc3339(self.created_at_ms),
            "updated_at": crate::clock::rfc3339(self.updated_at_ms),
        })
    }
}

/// Sum of quantity x unit price.
fn total(items: &[OrderLine]) -> i64 {
    items.iter().map(|i| i.item_price_minor * i64::from(i.quantity)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::catalog::StoredSet;
    use whatsapp::Product;

    #[test]
    fn status_moves_forward_skips_steps_and_cancels_until_delivered() {
        use OrderStatus::*;
        assert!(Received.may_become(Confirmed));
        assert!(Received.may_become(Shipped));
        assert!(Shipped.may_become(Canceled));
        assert!(!Shipped.may_become(Paid));
        assert!(!Delivered.may_become(Canceled));
        assert!(!Canceled.may_become(Received));
        assert_eq!(OrderStatus::parse("paid"), Some(Paid));
        assert_eq!(OrderStatus::parse("lost"), None);
    }

    #[test]
    fn a_cart_becomes_an_order_with_names_and_an_exact_total() {
        let product = Product {
            id: "1".into(),
            retailer_id: "TEE".into(),
            name: "White tee".into(),
            description: String::new(),
            price: "$19.99".into(),
            currency: "USD".into(),
            image_url: "https://cdn.example/tee.jpg".into(),
            availability: "in stock".into(),
        };
        let catalog = Catalog::new(Some("cat".into()), vec![product], &Vec::<StoredSet>::new());
        let items = [
            whatsapp::OrderItem {
                product_retailer_id: "TEE".into(),
                quantity: 3,
                item_price: 19.99,
                currency: "USD".into(),
            },
            whatsapp::OrderItem {
                product_retailer_id: "GONE".into(),
                quantity: 1,
                item_price: 0.1,
                currency: "USD".into(),
            },
        ];
        let conversation = super::super::ConversationRef {
            tenant_id: TenantId::new(),
            number_id: NumberId::new(),
            id: ConversationId::new(),
        };
        let placed = Placed {
            conversation,
            wa_id: "15550001",
            customer_name: Some("Ana"),
            message_id: MessageId::new(),
            catalog_id: "cat",
            text: Some("fast please"),
            items: &items,
            at_ms: 5,
        };
        let mut order = OrderRecord::placed(placed, &catalog);

        assert_eq!(order.total_minor, 3 * 1999 + 10);
        assert_eq!(order.items[0].name.as_deref(), Some("White tee"));
        assert_eq!(order.items[1].name, None);
        let view = order.view();
        assert_eq!(view["total"], json!(60.07));
        assert_eq!(view["items"][0]["subtotal"], json!(59.97));
        assert_eq!(view["customer"]["name"], "Ana");

        let by = UserId::new();
        assert_eq!(order.advance(OrderStatus::Confirmed, by, 9), Ok(true));
        assert_eq!(order.advance(OrderStatus::Confirmed, by, 9), Ok(false));
        assert!(order.advance(OrderStatus::Received, by, 9).is_err());
        assert_eq!(order.history.len(), 2);
        assert_eq!(order.view()["history"][1]["by"], json!(by.to_string()));
    }
}
