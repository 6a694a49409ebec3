//! The phone layout at 390x844: the list and the chat are two screens,
//! nothing overflows sideways, controls are touch-sized, the chat header's
//! wrapped status line leaves no stray separator, and the shell is
//! installable (manifest and a service worker in control).

use serde_json::json;

use super::harness::{sign_in, Browser, PHONE};
use crate::support::{spawn_app, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_list_and_the_chat_are_two_screens() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    acme.receive_text("447700900010", "Dana Okafor", "Can I change my delivery address?").await;
    let received = acme.receive_text("447700900011", "Eitan Levi", "שלום! Do you ship to Haifa?").await;
    let id = received.conversation_id();

    let browser = Browser::open(&app.address).await;
    browser.viewport(PHONE).await;
    browser.goto("/").await;
    browser.wait_for("form.signin-form").await;
    assert_eq!(browser.js("return [innerWidth, innerHeight]").await, json!([390, 844]));
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.wait_for_text(".conv-name", "Eitan Levi").await;

    // The list fills the screen; the chat pane and the rail are not beside it.
    let layout = browser
        .js("const r = (s) => { const e = document.querySelector(s); if (!e) return null; const b = e.getBoundingClientRect(); return [Math.round(b.width), Math.round(b.height)]; };
             return { list: r('.list-pane'), chat: r('.chat-pane'), rail: r('.rail'), scroll: document.documentElement.scrollWidth }")
        .await;
    assert_eq!(layout["list"][0], json!(390), "{layout}");
    assert_eq!(layout["chat"], json!([0, 0]), "the chat pane is hidden on the list screen: {layout}");
    assert_eq!(layout["rail"][0], json!(390), "the tab bar spans the bottom: {layout}");
    assert!(layout["scroll"].as_u64() <= Some(390), "sideways overflow: {layout}");
    // Touch-sized targets: rows and tab bar items at least 44 px tall.
    let small = browser
        .js("return [...document.querySelectorAll('a.conv, .nav-link, .nav-account, .tab')].map((e) => e.getBoundingClientRect().height).filter((h) => h < 40).length")
        .await;
    assert_eq!(small, json!(0), "targets under 40 px on a phone");
    browser.assert_accessible("phone inbox").await;
    browser.screenshot("07-phone-list").await;

    // Tap a chat: a screen of its own with a way back.
    browser.click(&format!("a.conv[data-id=\"{id}\"]")).await;
    browser.wait_for_text(".msg-in .msg-text", "Do you ship to Haifa?").await;
    let screen = browser
        .js("const w = (s) => Math.round(document.querySelector(s)?.getBoundingClientRect().width || 0);
             return { list: w('.list-pane'), chat: w('.chat-pane'), rail: w('.rail'), back: w('.chat-back'), scroll: document.documentElement.scrollWidth }")
        .await;
    assert_eq!(screen["chat"], json!(390), "{screen}");
    assert_eq!(screen["list"], json!(0), "{screen}");
    assert_eq!(screen["rail"], json!(0), "the tab bar steps aside in a chat: {screen}");
    assert!(screen["back"].as_u64() >= Some(40), "a back button: {screen}");
    assert!(screen["scroll"].as_u64() <= Some(390), "sideways overflow: {screen}");
    browser
        .wait_until(
            "the composer at the bottom",
            "document.querySelector('.composer').getBoundingClientRect().bottom <= innerHeight + 1",
        )
        .await;
    // The header's status line wraps, and no row ends or starts with a
    // stray "·": each item's separator comes before it, and the one of an
    // item that starts a row lies in the strip the line clips (chat.css).
    let rows = browser
        .js("const sub = document.querySelector('.chat-sub'); const left = sub.getBoundingClientRect().left;
             const items = [...sub.querySelectorAll('.chat-sub-item')].filter((e) => e.offsetParent !== null).map((e) => e.getBoundingClientRect());
             const starts = items.filter((b, i) => i === 0 || b.top > items[i - 1].top + 1);
             return { starts: starts.map((b) => Math.round(b.left - left)), clip: getComputedStyle(sub).clipPath, sep: getComputedStyle(sub).marginLeft };")
        .await;
    assert_eq!(rows["starts"], json!([0, 0]), "two rows, each from the line's clipped start: {rows}");
    assert_eq!(rows["clip"], json!("inset(0px 0px 0px 14px)"), "{rows}");
    assert_eq!(rows["sep"], json!("-14px"), "{rows}");
    browser.assert_accessible("phone chat").await;
    browser.screenshot("08-phone-chat").await;

    browser.click(".chat-back").await;
    browser.wait_for_text(".conv-name", "Dana Okafor").await;
    browser
        .wait_until(
            "the list screen again",
            "document.querySelector('.list-pane').getBoundingClientRect().width === 390",
        )
        .await;

    // The smallest phones we support, 360 px wide: nothing runs off the
    // side, in the list or in the chat.
    browser.viewport((360, 740)).await;
    let overflow = "document.documentElement.scrollWidth <= 360";
    browser.wait_until("the list within 360 px", overflow).await;
    browser.click(&format!("a.conv[data-id=\"{id}\"]")).await;
    browser.wait_for_text(".msg-in .msg-text", "Do you ship to Haifa?").await;
    browser.wait_until("the chat within 360 px", overflow).await;
    browser.screenshot("08-phone-chat-360").await;
    browser.click(".chat-back").await;
    browser.viewport(PHONE).await;

    // Installable: a manifest and a service worker controlling the page.
    browser.wait_until("the service worker", "navigator.serviceWorker && navigator.serviceWorker.getRegistration().then((r) => (window.__sw = Boolean(r && r.active))) && window.__sw").await;
    browser.finish().await;
}
