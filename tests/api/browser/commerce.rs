//! Commerce in the browser: an agent opens the catalog beside the chat
//! (pictures from the catalog's CDN), searches and browses two sets, one
//! with a name too long for a section title, puts three products in the
//! cart (running total), sends them as one `product_list` (Meta's exact
//! body, the long name shortened, reaches the Graph API); the customer
//! orders; the order card appears live in the chat with each item's
//! picture, its status moves from the card (the customer is told), the
//! order history and the managers' orders page show it; on a phone the
//! panel is a bottom sheet where the catalog is searched and a cart
//! filled; and Settings › Catalog shows the sync and syncs on demand.
//!
//! Outside the 24-hour window (a second test) the status dialog tells the
//! customer with a template only, and never by surprise; the orders page
//! filters by the manager's own days, whatever their time zone; a long
//! order history pages.

use serde_json::{json, Value};

use super::cdn::FakeCdn;
use super::harness::{sign_in, wait_for_text_send, Browser, DESKTOP, PHONE};
use crate::commerce::{catalog_id_for, order_webhook, wait_synced};
use crate::support::fake_graph::FakeCatalog;
use crate::support::{meta, poll_until, spawn_app, TestApp, TestTenant, PASSWORD, WAIT};

/// Products in the shop (few, so the panel's first page holds them all).
const PRODUCTS: usize = 12;
/// A set whose name is longer than a section title may be (24 characters).
const LONG_SET: &str = "Balcony plants for a sunny spot";

/// A tenant whose number has a synced catalog of [`PRODUCTS`] products
/// with pictures on `cdn.example`, in the sets `sets`.
async fn shop(app: &TestApp, sets: &[&str]) -> (TestTenant, FakeCatalog) {
    let shop = app.onboard_tenant("Lucky Shrub").await;
    let waba = shop.number().meta.waba_id.clone();
    let catalog = FakeCatalog::generated(&catalog_id_for(&waba), PRODUCTS, sets);
    app.graph.set_catalog(&waba, catalog.clone());
    shop.manager.sync_catalog(&shop.number().id).await.expect(202);
    wait_synced(&shop, |s| s["products"] == json!(PRODUCTS)).await;
    (shop, catalog)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cart_goes_out_and_the_customers_order_appears_with_pictures() {
    let app = spawn_app().await;
    let (shop, catalog) = shop(&app, &["Summer", LONG_SET]).await;
    let wa_id = "447700900123";
    shop.receive_text(wa_id, "Sheena Nelson", "Hi! What plants do you have for a sunny balcony?").await;
    let chat = shop.wait_for_conversation(wa_id).await;
    let chat_id = chat["id"].as_str().expect("id").to_string();

    let browser = Browser::open(&app.address).await;
    let cdn = FakeCdn::serve(&browser, "cdn.example").await;
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
    browser.wait_for_pictures(".product-card[data-retailer-id='SKU-0001'] img.product-img", 1).await;
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
    // And one from the set with a long name.
    browser.click_text(".catalog-sets .chip-filter", "Balcony plants").await;
    browser
        .wait_until(
            "the long-named set",
            "document.querySelectorAll('.product-card').length === 4 && document.querySelector('.product-card[data-retailer-id=\"SKU-0006\"]')",
        )
        .await;
    browser.click(".product-card[data-retailer-id='SKU-0006'] .product-add").await;
    browser.wait_for_text(".cart-title", "3 products").await;
    // The running total: $4.50 + $6.00 + $9.00.
    assert_eq!(browser.js("return document.querySelector('.cart-total').textContent").await, json!("$19.50"));
    browser.assert_accessible("catalog panel").await;
    browser.screenshot("20-catalog-cart-desktop").await;

    // Send: one product_list, exactly as Meta documents it; the set's long
    // name is cut at a word to fit a section title.
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
                    {"title": "Balcony plants for a…", "product_items": [{"product_retailer_id": "SKU-0006"}]},
                ],
            },
        })
    );
    browser.wait_gone(".cart:not([hidden])").await;
    browser.wait_for_text(".msg-out .media-card", "3 products").await;

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
    // Each line shows its product's picture from the catalog.
    browser.wait_for_pictures(".msg-in .order-card .order-line img.product-img", 2).await;
    let pictures = browser
        .js("return [...document.querySelectorAll('.msg-in .order-card .order-line img')].map((i) => i.src)")
        .await;
    assert_eq!(pictures, json!([catalog.products[2]["image_url"], catalog.products[3]["image_url"]]));

    // Confirm it from the card; inside the window the customer is told by
    // text unless the agent picks a template.
    browser.click(".msg-in .order-card button[data-action=order-status]").await;
    browser.wait_for("dialog .status-choices").await;
    let notify = browser
        .js("const d = document.querySelector('dialog[open]'); return [d.querySelector('#order-notify').checked, d.querySelector('.notify-kinds input[value=text]').checked, !d.querySelector('.notify-kinds input[value=template]').closest('label').hidden]")
        .await;
    assert_eq!(notify, json!([true, true, true]));
    browser.click("dialog button[data-action=save-order]").await;
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
    browser.wait_for_text(".order-history .order-summary", "$16.50 in total").await;
    browser.wait_for_pictures(".order-history .order-line img.product-img", 2).await;
    browser.assert_accessible("order history").await;
    browser.screenshot("21-order-history-desktop").await;

    // On a phone the panel is a sheet over the chat.
    browser.viewport(PHONE).await;
    let sheet: Value = browser
        .js("const r = document.querySelector('.chat-side').getBoundingClientRect(); return [getComputedStyle(document.querySelector('.chat-side')).position, Math.round(r.width), Math.round(r.bottom) === innerHeight]")
        .await;
    assert_eq!(sheet, json!(["fixed", 390, true]));
    browser.screenshot("21-order-history-phone").await;

    // On the phone, the catalog in that sheet: search, add, the cart and
    // its Send button on screen.
    browser.click(".side-tabs .tab[data-tab=catalog]").await;
    browser.click_text(".catalog-sets .chip-filter", "All products").await;
    browser.type_into(".catalog-search", "SKU-0007").await;
    browser
        .wait_until(
            "the phone search",
            "document.querySelectorAll('.product-card').length === 1 && document.querySelector('.product-card[data-retailer-id=\"SKU-0007\"]')",
        )
        .await;
    browser.wait_for_pictures(".product-card img.product-img", 1).await;
    browser.click(".product-card[data-retailer-id='SKU-0007'] .product-add").await;
    browser.wait_for_text(".cart-title", "1 product").await;
    let on_screen = browser
        .js("const r = document.querySelector('button[data-action=send-cart]').getBoundingClientRect(); return [r.top >= 0, r.bottom <= innerHeight, r.right <= innerWidth, document.querySelector('button[data-action=send-cart]').disabled]")
        .await;
    assert_eq!(on_screen, json!([true, true, true, false]));
    browser.assert_accessible("catalog on a phone").await;
    browser.wait_gone(".toast").await; // the confirmation's, over the cart
    browser.viewport(DESKTOP).await;
    browser.screenshots("39-catalog-search-cart").await;

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
    browser.wait_for_text(".catalog-state", &format!("Catalog {} · 12 products · 2 sets", catalog.id)).await;
    // (axe first: a toast fading in has, for a moment, too little contrast)
    browser.assert_accessible("catalog settings").await;
    browser.click_text(".catalog-number button", "Sync now").await;
    browser.wait_for_text(".toast", "Sync started").await;
    poll_until(WAIT, "the catalog synced again", || async {
        (app.graph.catalog_requests().len() > syncs_before).then_some(())
    })
    .await;
    browser.screenshots("24-catalog-settings").await;
    assert!(cdn.served() >= 4, "pictures came from the catalog's CDN");
    browser.finish().await;
}

/// Orders in the long history of the second test: more than a page (20).
const HISTORY: usize = 22;

/// The day `days` from today in the page's time zone, as a date input takes it.
async fn local_day(browser: &Browser, days: i32) -> String {
    let day = browser
        .js_with(
            "const t = new Date(); t.setDate(t.getDate() + arguments[0]); return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;",
            vec![json!(days)],
        )
        .await;
    day.as_str().expect("a date").to_string()
}

/// Sets the orders page's `From` or `To` day, as a manager picking a date.
async fn set_day(browser: &Browser, field: &str, day: &str) {
    set_days(browser, &[(field, day)]).await;
}

/// Sets several of the orders page's days in one go, each a change of its
/// own: the next comes while the page of the one before is on its way.
async fn set_days(browser: &Browser, days: &[(&str, &str)]) {
    browser
        .js_with(
            "for (const [field, day] of arguments[0]) { const i = document.querySelector(`.orders-filters input[aria-label='${field}']`); i.value = day; i.dispatchEvent(new Event('change')); } return true;",
            vec![json!(days)],
        )
        .await;
}

/// The zone where the manager works (its name and seconds east of UTC),
/// chosen from the UTC time `unix_secs` so that their today is another day than UTC's
/// (a filter by UTC days would miss) and midnight is over an hour away
/// (a test that takes a minute stays within one day): UTC−12 while UTC's
/// hour is before 11 (their 12:00-22:59 of the day before), else UTC+14
/// (their 01:00-13:59 of the day after).
fn far_zone(unix_secs: i64) -> (&'static str, i64) {
    if unix_secs.rem_euclid(86_400) < 11 * 3600 {
        ("Etc/GMT+12", -12 * 3600)
    } else {
        ("Pacific/Kiritimati", 14 * 3600)
    }
}

#[test]
fn the_far_zone_is_another_day_than_utc_and_far_from_its_midnight_at_every_minute() {
    let day = 1_796_947_200; // 2026-12-11T00:00:00Z
    for unix_secs in (day..day + 86_400).step_by(60) {
        let (zone, offset) = far_zone(unix_secs);
        let local = unix_secs + offset;
        assert_ne!(local.div_euclid(86_400), unix_secs.div_euclid(86_400), "{zone} at {unix_secs}");
        let since_midnight = local.rem_euclid(86_400);
        assert!((3600..=86_400 - 3600).contains(&since_midnight), "{zone} at {unix_secs}: {since_midnight}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_window_an_order_is_told_by_template_and_orders_filter_by_local_days() {
    let app = spawn_app().await;
    let (shop, catalog) = shop(&app, &["Summer"]).await;
    let waba = shop.number().meta.waba_id.clone();
    app.graph.set_templates(
        &waba,
        vec![json!({"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
                    "components": [{"type": "BODY", "text": "Hi {{1}}, your order is now {{2}}. Thank you for shopping with Lucky Shrub!"}]})],
    );
    // A regular customer's carts, sent over a day ago (delivered to us now):
    // their 24-hour window is closed.
    let wa_id = "447700900456";
    let mut spent = 0.0;
    for k in 0..HISTORY {
        let (sku, quantity) = (k % PRODUCTS + 1, 1 + (k % 3) as u32);
        let price = 1.5 * sku as f64; // FakeCatalog::generated's prices
        let retailer_id = format!("SKU-{sku:04}");
        let (_, mut payload) =
            order_webhook(&shop, wa_id, "Ravi Patel", &catalog.id, &[(&retailer_id, quantity, price)]);
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] =
            json!(meta::ts_ago(26 * 3600));
        assert_eq!(shop.post_webhook(&payload).await.status, 200);
        spent += price * f64::from(quantity);
    }
    let chat = shop.wait_for_conversation(wa_id).await;
    assert_eq!(chat["window"]["open"], json!(false), "{chat}");
    let newest = poll_until(WAIT, "every order stored", || async {
        let page = shop.manager.orders("limit=100").await.expect(200);
        let items = page["items"].as_array().cloned().unwrap_or_default();
        (items.len() == HISTORY).then(|| items[0]["id"].as_str().expect("an id").to_string())
    })
    .await;

    // The manager works far from UTC, where today is another day than
    // UTC's, whatever the hour the test runs at.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("now").as_secs();
    let (zone, _) = far_zone(i64::try_from(now).expect("a time"));
    let browser = Browser::open(&app.address).await;
    let cdn = FakeCdn::serve(&browser, "cdn.example").await;
    browser.cdp("Emulation.setTimezoneOverride", json!({ "timezoneId": zone })).await;
    browser.goto("/").await;
    sign_in(&browser, &shop.manager_email, PASSWORD).await;

    // The orders page by the manager's days: every order is today's, none
    // yesterday's or tomorrow's. Two days set at once, as a quick manager
    // does: the second filter's page must not wait on the first's.
    browser.goto("/#/orders").await;
    let rows = format!("document.querySelectorAll('.orders-table tbody tr').length === {HISTORY}");
    browser.wait_until("every order listed", &rows).await;
    let (yesterday, today, tomorrow) =
        (local_day(&browser, -1).await, local_day(&browser, 0).await, local_day(&browser, 1).await);
    set_day(&browser, "To", &yesterday).await;
    browser.wait_for_text(".orders-body", "No order matches these filters.").await;
    set_days(&browser, &[("From", &today), ("To", &today)]).await;
    browser.wait_until("today's orders", &rows).await;
    browser.assert_accessible("orders of a day").await;
    browser.screenshots("40-orders-of-a-day").await;
    set_days(&browser, &[("From", &tomorrow), ("To", "")]).await;
    browser.wait_for_text(".orders-body", "No order matches these filters.").await;
    set_day(&browser, "From", "").await;
    browser.wait_until("every order again", &rows).await;

    // Ship the newest from its row. The window is closed: the customer is
    // not told unless the manager asks, and then by template only.
    browser.click_text(&format!("tr[data-order='{newest}'] .btn"), "Update").await;
    browser.wait_for("dialog[open] .status-choices").await;
    let closed = browser
        .js("const d = document.querySelector('dialog[open]'); return [d.querySelector('#order-notify').checked, d.querySelector('.notify').hidden, d.querySelector('.notify-hint').textContent.includes('window is closed')]")
        .await;
    assert_eq!(closed, json!([false, true, true]));
    browser.click("dialog[open] #order-notify").await;
    browser.wait_for("dialog[open] .template-card[data-template=order_update] input").await;
    let kinds = browser
        .js("const d = document.querySelector('dialog[open]'); return [d.querySelector('.notify-kinds').hidden, d.querySelector('textarea').hidden]")
        .await;
    assert_eq!(kinds, json!([true, true]), "no text outside the window");
    browser.click("dialog[open] input[value=shipped]").await;
    browser.type_into("dialog[open] input[placeholder='Value for {{1}}']", "Ravi").await;
    browser.type_into("dialog[open] input[placeholder='Value for {{2}}']", "on its way").await;
    browser.click_text("dialog[open] .template-card button", "Use template").await;
    browser
        .wait_for_text(
            "dialog[open] .template-chosen .template-text",
            "Hi Ravi, your order is now on its way. Thank you for shopping with Lucky Shrub!",
        )
        .await;
    browser.assert_accessible("order update by template").await;
    browser.screenshots("41-order-update-template").await;
    browser.click("dialog[open] button[data-action=save-order]").await;
    let told = poll_until(WAIT, "the template at the Graph API", || async {
        app.graph.sent_messages().into_iter().find(|m| m["type"] == "template")
    })
    .await;
    assert_eq!(told["to"], wa_id);
    assert_eq!(told["template"]["name"], "order_update");
    assert_eq!(
        told["template"]["components"][0]["parameters"],
        json!([{"type": "text", "text": "Ravi"}, {"type": "text", "text": "on its way"}])
    );
    browser
        .wait_until(
            "the row to show shipped",
            &format!("document.querySelector(\"tr[data-order='{newest}'] .order-status\")?.dataset.status === 'shipped'"),
        )
        .await;
    assert!(app.graph.sent_messages().iter().all(|m| m["type"] != "text"), "no text outside the window");
    assert_eq!(shop.manager.order(&newest).await.expect(200)["status"], "shipped");

    // The chat's history: a page, then the rest; the summary says which.
    browser.click(&format!("tr[data-order='{newest}'] button[aria-label='Open the chat']")).await;
    browser.wait_for_text(".composer-banner", "24-hour window is closed").await;
    browser.click("button[data-action=commerce]").await;
    browser.click(".side-tabs .tab[data-tab=orders]").await;
    browser.wait_for_text(".order-history .order-summary", "Latest 20 orders").await;
    assert_eq!(
        browser.js("return document.querySelectorAll('.order-history .order-card').length").await,
        json!(20)
    );
    browser.wait_for_pictures(".order-history li:first-child .order-line img.product-img", 1).await;
    browser.click(".order-history button[data-action=more-orders]").await;
    browser.wait_for_text(".order-history .order-summary", &format!("{HISTORY} orders")).await;
    assert!(spent < 1000.0, "no thousands separator to write: {spent}");
    assert_eq!(
        browser.js("return document.querySelector('.order-history .order-summary').textContent").await,
        json!(format!("{HISTORY} orders · ${spent:.2} in total"))
    );
    assert_eq!(
        browser.js("return [document.querySelectorAll('.order-history .order-card').length, document.querySelector('.order-history [data-action=more-orders]') === null]").await,
        json!([HISTORY, true])
    );
    browser.assert_accessible("a long order history").await;
    browser.wait_gone(".toast").await;
    browser.screenshots("42-order-history-paged").await;
    assert!(cdn.served() > 0);
    browser.finish().await;
}
