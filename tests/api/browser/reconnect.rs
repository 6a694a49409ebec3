//! A dropped connection catches up: while the socket is down a customer
//! writes; when it comes back (with `since=` the last seq it saw) the
//! message appears once, neither lost nor doubled. Keyboard: Alt+Down
//! opens the next chat. Scrolling up loads older history, each message at
//! the time the customer sent it though they all arrived together.

use serde_json::json;

use super::harness::{sign_in, Browser};
use crate::support::{meta, spawn_app, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_catches_up_without_losing_or_doubling() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let first =
        acme.receive_text("447700900030", "Hana Sato", "Is the shop open on Sunday?").await.conversation_id();
    acme.receive_text("447700900031", "Ivan Petrov", "Hello").await;

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.click(&format!("a.conv[data-id=\"{first}\"]")).await;
    browser.wait_for_text(".msg-in .msg-text", "open on Sunday").await;
    browser
        .wait_until("the live socket", "document.querySelector('#live-status')?.dataset.status === 'live'")
        .await;

    // Drop the connection and keep it down.
    browser.js("window.__sbBlockWs = true; window.__sbSockets.at(-1).ws.close(); return true;").await;
    browser
        .wait_until(
            "the app to notice the drop",
            "document.querySelector('#live-status')?.dataset.status !== 'live'",
        )
        .await;

    // The customer writes twice meanwhile.
    for text in ["Also, do you deliver?", "To Osaka 🙏"] {
        let payload =
            meta::text_webhook(&acme.number().meta, "447700900030", "Hana Sato", &meta::wamid(), text);
        assert_eq!(acme.post_webhook(&payload).await.status, 200);
    }
    browser.wait_for(".live-banner:not([hidden])").await;
    browser.screenshots("19-reconnecting").await;
    let messages = acme.messages_of(&first).await;
    assert_eq!(messages.len(), 3, "the server has them: {messages:?}");

    // Back online: the replay brings both, once, in order.
    browser.js("window.__sbBlockWs = false; window.dispatchEvent(new Event('online')); return true;").await;
    browser.wait_for_text(".msg-in .msg-text", "To Osaka").await;
    browser
        .wait_until(
            "the live socket again",
            "document.querySelector('#live-status')?.dataset.status === 'live'",
        )
        .await;
    browser.wait_for(".live-banner[hidden]").await;
    let shown = browser
        .js("return [...document.querySelectorAll('li.msg-in .msg-text')].map((t) => t.textContent)")
        .await;
    assert_eq!(shown, json!(["Is the shop open on Sunday?", "Also, do you deliver?", "To Osaka 🙏"]));
    let rows = browser
        .js_with(
            "return document.querySelectorAll(arguments[0]).length",
            vec![format!("a.conv[data-id=\"{first}\"]").into()],
        )
        .await;
    assert_eq!(rows, json!(1), "one row for the conversation");
    let resumed = browser.js("const urls = window.__sbSockets.map((s) => s.url).filter((u) => !u.includes(':9/')); return urls[urls.length - 1]").await;
    assert!(
        resumed.as_str().is_some_and(|u| u.contains("&since=")),
        "the reconnect asked for what it missed: {resumed}"
    );

    // Alt+Down opens the next chat in the list.
    browser.type_into("textarea.composer-input", "\u{E00A}\u{E015}\u{E000}").await;
    browser.wait_for_text(".chat-name", "Ivan Petrov").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrolling_up_loads_older_history_in_order() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    // 70 messages in one notification, a minute apart, oldest first.
    let number = &acme.number().meta;
    let sent: Vec<String> = (0..70u64).map(|i| meta::ts_ago(7000 - i * 60)).collect();
    let messages: Vec<_> = sent
        .iter()
        .enumerate()
        .map(|(i, ts)| meta::text_message("447700900050", &meta::wamid(), &format!("Message number {i}"), ts))
        .collect();
    let payload = meta::notification(vec![meta::entry(
        &number.waba_id,
        vec![meta::change(number, vec![meta::contact("447700900050", "Kai Long")], messages, vec![])],
    )]);
    assert_eq!(acme.post_webhook(&payload).await.status, 200);
    let id = acme.wait_for_conversation("447700900050").await["id"].as_str().expect("id").to_string();

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.goto(&format!("/#/inbox/open/{id}")).await;
    browser.wait_for_text(".msg-in .msg-text", "Message number 69").await;
    // The newest page is at the bottom; scrolling to the top brings the rest.
    browser.wait_until("the latest message in view", "(() => { const s = document.querySelector('.chat-scroll'); return s.scrollHeight - s.scrollTop - s.clientHeight < 2; })()").await;
    browser.js("document.querySelector('.chat-scroll').scrollTop = 0; return true;").await;
    browser.wait_for_text(".msg-in .msg-text", "Message number 0").await;
    let shown = browser
        .js("return [...document.querySelectorAll('li.msg-in .msg-text')].map((t) => t.textContent)")
        .await;
    let expected: Vec<String> = (0..70).map(|i| format!("Message number {i}")).collect();
    assert_eq!(shown, json!(expected), "every message once, oldest first");
    // They arrived together, but each shows when the customer sent it.
    let times = browser
        .js("const t = [...document.querySelectorAll('li.msg-in time')];
             return [t.map((e) => String(Date.parse(e.dateTime) / 1000)), new Set(t.map((e) => e.textContent)).size]")
        .await;
    assert_eq!(times, json!([sent, 70]), "each message at its send time, a minute apart");
    browser.wait_for_text(".history-start", "starts here").await;
    browser.screenshots("31-older-history").await;
    browser.finish().await;
}
