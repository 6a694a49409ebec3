//! Commerce in the browser: an agent opens the catalog beside the chat,
//! searches and browses a set, puts two products in the cart (running
//! total), sends them as one `product_list` (Meta's exact body reaches the
//! Graph API); the customer orders; the order card appears live in the
//! chat, its status moves from the card (the customer is told), the
//! order history and the managers' orders page show it, on a phone the
//! panel is a bottom sheet, and Settings › Catalog shows the sync and
//! syncs on demand.

use serde_json::{json, Value};

use super::harness::{sign_in, wait_for_text_send, Browser, PHONE};
use crate::commerce::{catalog_id_for, order_webhook, wait_synced};
use crate::support::fake_graph::FakeCatalog;
use crate::support::{poll_until, spawn_app, PASSWORD, WAIT};

/// Products in the shop (few, so the panel's first page holds them all).
const PRODUCTS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_product_cart_goes_out_and_the_customers_order_appears() {
    let app = spawn_app().await;
    let shop = app.onboard_tenant("Lucky Shrub").await;
    let waba = shop.number().meta.waba_id.clone();
    let mut catalog = FakeCatalog::generated(&catalog_id_for(&waba), PRODUCTS, &["Summer"]);
    // Tests reach no CDN: products without pictures show a placeholder.
    for p in &mut catalog.products {
        p["image_url"] = json!("");
    }
    app.graph.set_catalog(&waba, catalog.clone());
    shop.manager.sync_catalog(&shop.number().id).await.expect(202);
    wait_synced(&shop, |s| s["products"] == json!(PRODUCTS)).await;
    let wa_id = "447700900123";
    shop.receive_text(wa_id, "Sheena Nelson", "Hi! What plants do you have for a sunny balcony?").await;
    let chat = shop.wait_for_conversation(wa_id).await;
    let chat_id = chat["id"].as_str().expect("id").to_string();

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &shop.manager_email, PASSWORD).await;
    browser.goto(&format!("/#/inbox/open/{chat_id}")).await;
    browser.wait_for_text(".msg-in .msg-text", "sunny balcony").await;
    browser
        .wait_until("the live socket", "document.querySelector('#live-status')?.dataset.status === 'live'")
        .await;

    // The catalog opens beside the chat with its sync status and sets.
    browser.click("button[data-action=commerce]").await;
    browser.wait_for(".chat-side .product-card[data-retailer-id='SKU-0001']").await;
    browser.wait_for_text(".catalog-status", "12 products").await;
    // Search by retailer id; add the product found.
    browser.type_into(".catalog-search", "SKU-0003").await;
    browser
        .wait_until(
            "the search to narrow the list",
            "document.querySelectorAll('.product-card').length === 1 && document.querySelector('.product-card[data-retailer-id=\"SKU-0003\"]')",
        )
        .await;
    browser.click(".product-card[data-retailer-id='SKU-0003'] .product-add").await;
    browser.wait_for_text(".cart-title", "1 product").await;
    // Browse the Summer set (every second product) and add one from it.
    browser.js("const s = document.querySelector('.catalog-search'); s.value = ''; s.dispatchEvent(new Event('input'));").await;
    browser.click_text(".catalog-sets .chip-filter", "Summer").await;
    browser
        .wait_until(
            "the Summer set",
            "document.querySelectorAll('.product-card').length === 6 && document.querySelector('.product-card[data-retailer-id=\"SKU-0004\"]')",
        )
        .await;
    browser.click(".product-card[data-retailer-id='SKU-0004'] .product-add").await;
    browser.wait_for_text(".cart-title", "2 products").await;
    // The running total: $4.50 + $6.00.
    assert_eq!(browser.js("return document.querySelector('.cart-total').textContent").await, json!("$10.50"));
    browser.assert_accessible("catalog panel").await;
    browser.screenshot("20-catalog-cart-desktop").await;

    // Send: one product_list, exactly as Meta documents it.
    browser.click("button[data-action=send-cart]").await;
    let sent = poll_until(WAIT, "the product list at the Graph API", || async {
        app.graph.sent_messages().into_iter().find(|m| m["type"] == "interactive")
    })
    .await;
    assert_eq!(sent["to"], wa_id);
    assert_eq!(
        sent["interactive"],
        json!({
            "type": "product_list",
            "header": {"type": "text", "text": "Products for you"},
            "body": {"text": "Here are the products we picked for you."},
            "action": {
                "catalog_id": catalog.id,
                "sections": [
                    {"title": "Products", "product_items": [{"product_retailer_id": "SKU-0003"}]},
                    {"title": "Summer", "product_items": [{"product_retailer_id": "SKU-0004"}]},
                ],
            },
        })
    );
    browser.wait_gone(".cart:not([hidden])").await;
    browser.wait_for_text(".msg-out .media-card", "2 products").await;

    // The customer orders one of the first and two of the second.
    let (_, payload) = order_webhook(
        &shop,
        wa_id,
        "Sheena Nelson",
        &catalog.id,
        &[("SKU-0003", 1, 4.5), ("SKU-0004", 2, 6.0)],
    );
    assert_eq!(shop.post_webhook(&payload).await.status, 200);
    browser.wait_for_text(".msg-in .order-card .order-name", "Product 4").await;
    let card = browser
        .js("const c = document.querySelector('.msg-in .order-card'); return [c.querySelector('.order-title').textContent, c.querySelector('.order-total').textContent, c.dataset.status]")
        .await;
    assert_eq!(card, json!(["Order · 3 items", "$16.50", "received"]));

    // Confirm it from the card; the customer is told.
    browser.click(".msg-in .order-card button[data-action=order-status]").await;
    browser.wait_for("dialog .status-choices").await;
    browser.click("dialog button[type=submit]").await;
    let told = wait_for_text_send(&app.graph, "Your order is confirmed. Thank you!").await;
    assert_eq!(told["to"], wa_id);
    browser
        .wait_until(
            "the card to show confirmed",
            "document.querySelector('.msg-in .order-card')?.dataset.status === 'confirmed'",
        )
        .await;
    let order_id = browser.js("return document.querySelector('.msg-in .order-card').dataset.order").await;
    let stored = shop.manager.order(order_id.as_str().expect("an order id")).await.expect(200);
    assert_eq!((stored["status"].clone(), stored["total"].clone()), (json!("confirmed"), json!(16.5)));

    // The customer's order history in the side panel.
    browser.click(".side-tabs .tab[data-tab=orders]").await;
    browser.wait_for_text(".order-history .order-summary", "1 order").await;
    browser.wait_for_text(".order-history .order-summary", "$16.50").await;
    browser.assert_accessible("order history").await;
    browser.screenshot("21-order-history-desktop").await;

    // On a phone the panel is a sheet over the chat.
    browser.viewport(PHONE).await;
    let sheet: Value = browser
        .js("const r = document.querySelector('.chat-side').getBoundingClientRect(); return [getComputedStyle(document.querySelector('.chat-side')).position, Math.round(r.width), Math.round(r.bottom) === innerHeight]")
        .await;
    assert_eq!(sheet, json!(["fixed", 390, true]));
    browser.screenshot("21-order-history-phone").await;
    browser.viewport(super::harness::DESKTOP).await;

    // The managers' orders page, with its status filter.
    browser.goto("/#/orders").await;
    browser.wait_for(&format!("tr[data-order='{}']", order_id.as_str().unwrap_or_default())).await;
    browser.wait_for_text(".orders-table", "Sheena Nelson").await;
    browser.assert_accessible("orders").await;
    browser.screenshots("22-orders").await;
    browser
        .js("const s = document.querySelector('.orders-filters select'); s.value = 'delivered'; s.dispatchEvent(new Event('change'));")
        .await;
    browser.wait_for_text(".orders-body", "No order matches these filters.").await;

    // Settings > Catalog: which catalog, how many products, Sync now.
    let syncs_before = app.graph.catalog_requests().len();
    browser.goto("/#/settings/catalog").await;
    browser.wait_for_text(".catalog-state", &format!("Catalog {} · 12 products · 1 set", catalog.id)).await;
    // (axe first: a toast fading in has, for a moment, too little contrast)
    browser.assert_accessible("catalog settings").await;
    browser.click_text(".catalog-number button", "Sync now").await;
    browser.wait_for_text(".toast", "Sync started").await;
    poll_until(WAIT, "the catalog synced again", || async {
        (app.graph.catalog_requests().len() > syncs_before).then_some(())
    })
    .await;
    browser.screenshots("24-catalog-settings").await;
    browser.finish().await;
}
