//! Orders: a customer's cart (`order` message) becomes an order with its
//! products named from the catalog and an exact total; agents move its
//! status (events, history, an optional message to the customer); a chat's
//! order history and the tenant's orders list filter and page; staff see
//! the orders of their chats only, other tenants none.

use serde_json::{json, Value};

use super::{connect_catalog, order_webhook, shop, Shop};
use crate::support::inbox::new_wa_id;
use crate::support::ws::connect;
use crate::support::{meta, WAIT};

/// The customer `wa_id` orders `items`; returns the chat id and the order.
async fn place(s: &Shop, wa_id: &str, items: &[(&str, u32, f64)]) -> (String, Value) {
    let (_, payload) = order_webhook(&s.tenant, wa_id, "Sheena Nelson", &s.catalog.id, items);
    s.tenant.post_webhook(&payload).await.expect(200);
    let chat = s.tenant.wait_for_conversation(wa_id).await;
    let id = chat["id"].as_str().unwrap().to_string();
    let orders = s.tenant.manager.conversation_orders(&id, "").await.expect(200);
    (id, orders["items"][0].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cart_becomes_an_order_named_from_the_catalog_with_the_right_total() {
    let s = shop().await;
    let mut socket = connect(&s.app.address, s.tenant.manager.token(), None).await;
    let wa_id = new_wa_id();

    let (chat_id, order) =
        place(&s, &wa_id, &[("SKU-0002", 2, 3.0), ("SKU-0005", 1, 7.5), ("GONE-1", 3, 0.1)]).await;

    assert_eq!(order["status"], "received");
    assert_eq!(order["conversation_id"], json!(chat_id));
    assert_eq!(order["customer"], json!({"wa_id": wa_id, "name": "Sheena Nelson"}));
    assert_eq!(order["currency"], "USD");
    assert_eq!(order["total"], json!(13.8), "2 x 3.00 + 7.50 + 3 x 0.10, exactly");
    assert_eq!(order["text"], "Please gift wrap");
    let items = order["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        (&items[0]["retailer_id"], &items[0]["name"], &items[0]["quantity"], &items[0]["item_price"]),
        (&json!("SKU-0002"), &json!("Product 2"), &json!(2), &json!(3.0))
    );
    assert_eq!(items[0]["image_url"], "https://cdn.example/p/2.jpg");
    assert_eq!(items[1]["name"], "Product 5");
    assert_eq!(items[2]["name"], Value::Null, "a product the catalog does not have keeps its id only");
    // The order is the order message: the chat shows it as a card.
    let history = s.tenant.messages_of(&chat_id).await;
    let bubble = history.iter().find(|m| m["type"] == "order").expect("the order message");
    assert_eq!(bubble["id"], order["id"]);
    // Live, with the whole order.
    let event = socket.next_of_type("order.created", WAIT).await;
    assert_eq!(event["order"], order);
    assert_eq!(event["conversation"]["id"], json!(chat_id));
    // The audit trail says so.
    let events = s.tenant.manager.raw_get(&format!("/api/conversations/{chat_id}/events")).await.expect(200);
    let placed = events["items"].as_array().unwrap().iter().find(|e| e["type"] == "order_placed").cloned();
    assert_eq!(placed.expect("order_placed in the log")["order_id"], order["id"]);
    // A redelivered webhook is one order.
    let (_, again) =
        order_webhook(&s.tenant, &wa_id, "Sheena Nelson", &s.catalog.id, &[("SKU-0002", 1, 3.0)]);
    let redelivered = {
        let mut p = again.clone();
        p["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = json!(bubble["wamid"]);
        p
    };
    s.tenant.post_webhook(&redelivered).await.expect(200);
    assert_eq!(s.tenant.manager.orders("").await.expect(200)["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_moves_forward_as_events_and_can_tell_the_customer() {
    let s = shop().await;
    let wa_id = new_wa_id();
    let (chat_id, order) = place(&s, &wa_id, &[("SKU-0003", 1, 4.5)]).await;
    let id = order["id"].as_str().unwrap();
    let mut socket = connect(&s.app.address, s.tenant.manager.token(), None).await;

    let confirmed = s
        .tenant
        .manager
        .update_order(
            id,
            &json!({"status": "confirmed", "notify": {"type": "text", "text": "Order confirmed!"}}),
        )
        .await
        .expect(200);

    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["history"].as_array().unwrap().len(), 2);
    assert_eq!(confirmed["history"][1]["by"], json!(s.tenant.manager_user["id"]));
    let event = socket.next_of_type("order.updated", WAIT).await;
    assert_eq!(event["order"]["status"], "confirmed");
    let sends = s.app.graph.wait_for_sends(1, WAIT).await;
    assert_eq!(sends[0].body["text"]["body"], "Order confirmed!");
    assert_eq!(sends[0].body["to"], json!(wa_id));

    let shipped = s.tenant.manager.update_order(id, &json!({"status": "shipped"})).await.expect(200);
    assert_eq!(shipped["status"], "shipped");
    // Nothing moves back; a delivered order is final; names are checked.
    let back = s.tenant.manager.update_order(id, &json!({"status": "paid"})).await.expect_error(422);
    assert_eq!(back, "invalid_order_status");
    let bad = s.tenant.manager.update_order(id, &json!({"status": "lost"})).await.expect_error(400);
    assert_eq!(bad, "invalid_status");
    s.tenant.manager.update_order(id, &json!({"status": "delivered"})).await.expect(200);
    let cancel = s.tenant.manager.update_order(id, &json!({"status": "canceled"})).await.expect_error(422);
    assert_eq!(cancel, "invalid_order_status");
    assert_eq!(s.tenant.manager.order(id).await.expect(200)["status"], "delivered");

    let events = s.tenant.manager.raw_get(&format!("/api/conversations/{chat_id}/events")).await.expect(200);
    let statuses: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "order_status_changed")
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["confirmed", "shipped", "delivered"]);
    assert_eq!(s.app.graph.send_requests().len(), 1, "only the confirmation told the customer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_outside_the_window_changes_nothing_but_a_template_may_go() {
    let s = shop().await;
    let wa_id = new_wa_id();
    // The customer ordered two days ago: their 24-hour window is closed.
    let (_, mut payload) = order_webhook(&s.tenant, &wa_id, "Sheena", &s.catalog.id, &[("SKU-0003", 1, 4.5)]);
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = json!(meta::ts_ago(48 * 3600));
    s.tenant.post_webhook(&payload).await.expect(200);
    let chat = s.tenant.wait_for_conversation(&wa_id).await;
    assert_eq!(chat["window"]["open"], json!(false));
    let orders = s.tenant.manager.conversation_orders(chat["id"].as_str().unwrap(), "").await.expect(200);
    let id = orders["items"][0]["id"].as_str().unwrap();

    let text = json!({"status": "shipped", "notify": {"type": "text", "text": "On its way"}});
    assert_eq!(s.tenant.manager.update_order(id, &text).await.expect_error(422), "outside_service_window");
    assert_eq!(s.tenant.manager.order(id).await.expect(200)["status"], "received", "nothing changed");

    let template = json!({"status": "shipped", "notify": {"type": "template", "template": {
        "name": "order_update", "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "#1"}]}]}}});
    s.app.graph.set_templates(
        &s.tenant.number().meta.waba_id,
        vec![
            json!({"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
                    "components": [{"type": "BODY", "text": "Your order {{1}} is on its way."}]}),
        ],
    );
    let shipped = s.tenant.manager.update_order(id, &template).await.expect(200);
    assert_eq!(shipped["status"], "shipped");
    let sends = s.app.graph.wait_for_sends(1, WAIT).await;
    assert_eq!(sends[0].body["template"]["name"], "order_update");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_newest_first_and_the_tenant_list_filters_and_pages() {
    let s = shop().await;
    let (ana, ben) = (new_wa_id(), new_wa_id());
    let (ana_chat, first) = place(&s, &ana, &[("SKU-0001", 1, 1.5)]).await;
    let (_, second) = place(&s, &ben, &[("SKU-0002", 1, 3.0)]).await;
    let (_, third) = place(&s, &ana, &[("SKU-0004", 2, 6.0)]).await;
    let id = |o: &Value| o["id"].as_str().unwrap().to_string();
    let ids = |page: &Value| page["items"].as_array().unwrap().iter().map(id).collect::<Vec<_>>();
    s.tenant.manager.update_order(&id(&second), &json!({"status": "paid"})).await.expect(200);

    let history = s.tenant.manager.conversation_orders(&ana_chat, "").await.expect(200);
    assert_eq!(ids(&history), [id(&third), id(&first)]);
    assert_eq!(history["items"][0]["total"], json!(12.0));

    let all = s.tenant.manager.orders("").await.expect(200);
    assert_eq!(ids(&all), [id(&third), id(&second), id(&first)]);
    let paid = s.tenant.manager.orders("status=paid").await.expect(200);
    assert_eq!(ids(&paid), [id(&second)]);
    let page1 = s.tenant.manager.orders("limit=2").await.expect(200);
    assert_eq!(ids(&page1), [id(&third), id(&second)]);
    let cursor = page1["next_cursor"].as_str().expect("a next page");
    let page2 = s.tenant.manager.orders(&format!("limit=2&cursor={cursor}")).await.expect(200);
    assert_eq!(ids(&page2), [id(&first)]);
    assert_eq!(page2["next_cursor"], Value::Null);
    let today = &first["created_at"].as_str().unwrap()[..10];
    assert_eq!(ids(&s.tenant.manager.orders(&format!("from={today}")).await.expect(200)).len(), 3);
    assert!(ids(&s.tenant.manager.orders(&format!("to={today}")).await.expect(200)).is_empty());
    assert_eq!(s.tenant.manager.orders("from=someday").await.expect_error(400), "invalid_date");
    assert_eq!(s.tenant.manager.orders("status=lost").await.expect_error(400), "invalid_status");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_orders_of_their_chats_only_and_other_tenants_none() {
    let s = shop().await;
    let (mine, theirs) = (new_wa_id(), new_wa_id());
    let (my_chat, my_order) = place(&s, &mine, &[("SKU-0001", 1, 1.5)]).await;
    let (their_chat, their_order) = place(&s, &theirs, &[("SKU-0002", 1, 3.0)]).await;
    let staff = s.tenant.create_staff().await;
    let colleague = s.tenant.create_staff().await;
    s.tenant.manager.assign_to_user(&my_chat, staff.id()).await.expect(200);
    s.tenant.manager.assign_to_user(&their_chat, colleague.id()).await.expect(200);
    let id = |o: &Value| o["id"].as_str().unwrap().to_string();

    let listed = staff.client.orders("").await.expect(200);
    assert_eq!(listed["items"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), [id(&my_order)]);
    staff.client.order(&id(&my_order)).await.expect(200);
    staff.client.conversation_orders(&my_chat, "").await.expect(200);
    assert_eq!(staff.client.order(&id(&their_order)).await.expect_error(404), "not_found");
    assert_eq!(staff.client.conversation_orders(&their_chat, "").await.expect_error(404), "not_found");
    let patch = json!({"status": "confirmed"});
    assert_eq!(staff.client.update_order(&id(&their_order), &patch).await.expect_error(404), "not_found");
    assert_eq!(staff.client.update_order(&id(&my_order), &patch).await.expect(200)["status"], "confirmed");

    let other = s.app.onboard_tenant("Other").await;
    connect_catalog(&s.app, &other).await;
    assert!(other.manager.orders("").await.expect(200)["items"].as_array().unwrap().is_empty());
    assert_eq!(other.manager.order(&id(&my_order)).await.expect_error(404), "not_found");
    assert_eq!(other.manager.update_order(&id(&my_order), &patch).await.expect_error(404), "not_found");
    assert_eq!(other.manager.conversation_orders(&my_chat, "").await.expect_error(404), "not_found");
    assert_eq!(s.tenant.manager.order(&id(&my_order)).await.expect(200)["status"], "confirmed");
}
