//! The demo's customer simulator in a real browser: `switchboard --demo`
//! serves it, a person starts a chat as a new customer and writes, the
//! message arrives live in the agent's inbox, and the agent's reply comes
//! back to the simulator; the demo catalog beside the chat shows pictures.
//! axe-core checks the page on a desktop and a phone.

use super::harness::{sign_in, Browser, PHONE};
use crate::demo::{DemoApp, MANAGER_EMAIL, MANAGER_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_written_in_the_simulator_arrives_in_the_inbox_and_the_reply_comes_back() {
    let app = DemoApp::start().await;
    app.printed_details().await;

    let customer = Browser::open(&app.address).await;
    customer.goto("/demo/simulator").await;
    // The seeded customers are listed.
    customer.wait_for("#customers button.sim-customer").await;
    customer.wait_for_text("#business", "·").await;
    customer.assert_accessible("customer simulator").await;
    customer.screenshots("35-simulator").await;

    // The agent is signed in, looking at the inbox.
    let agent = Browser::open(&app.address).await;
    agent.goto("/").await;
    sign_in(&agent, MANAGER_EMAIL, MANAGER_PASSWORD).await;
    agent.goto("/#/inbox/open").await;
    agent.wait_for("a.conv").await;
    agent
        .wait_until("the live socket", "document.querySelector('#live-status')?.dataset.status === 'live'")
        .await;

    // A new customer writes from the simulator.
    customer.type_into("#new-name", "Lena Fischer").await;
    customer.type_into("#new-wa", "4915112345678").await;
    customer.click("#new-customer button[type=submit]").await;
    customer.wait_for_text("#chat-title", "Lena Fischer").await;
    customer.wait_until("the composer", "!document.querySelector('#text').disabled").await;
    customer.type_into("#text", "Hi! Do you sell gift cards?\u{E007}").await;
    customer.wait_for_text(".sim-msg.customer", "Do you sell gift cards?").await;

    // It arrives in the inbox, live; the agent answers.
    agent.wait_for_text(".conv-name", "Lena Fischer").await;
    agent.click_text("a.conv", "Lena Fischer").await;
    agent.wait_for_text(".msg-in .msg-text", "Do you sell gift cards?").await;
    agent.wait_until("the composer", "!document.querySelector('textarea.composer-input').disabled").await;
    // The bot's greeting is in the chat with the choices it offered.
    agent.wait_for_text("li.msg-out .menu-choices li", "Opening hours").await;
    agent.type_into("textarea.composer-input", "Yes! From 10 to 200 euros, by email.\u{E007}").await;
    // The demo catalog beside the chat shows its products' pictures,
    // served by the demo itself.
    agent.click("button[data-action=commerce]").await;
    agent.wait_for_pictures(".product-card[data-retailer-id='TEE-WHT-M'] img.product-img", 1).await;

    // The customer sees the bot's greeting and the agent's answer.
    customer.wait_for_text(".sim-msg.business", "Yes! From 10 to 200 euros, by email.").await;
    customer.wait_for_text(".sim-msg.business", "Welcome").await;
    customer.wait_for(".sim-msg.customer .read").await;
    assert_eq!(customer.js("return document.querySelector('#error').textContent").await, "");
    customer.assert_accessible("simulator chat").await;
    customer.screenshot("36-simulator-chat-desktop").await;
    customer.viewport(PHONE).await;
    customer
        .wait_until(
            "the chat screen on a phone",
            "document.querySelector('#messages').getBoundingClientRect().width > 300",
        )
        .await;
    customer.assert_accessible("simulator chat on a phone").await;
    customer.screenshot("36-simulator-chat-phone").await;
    agent.screenshots("37-demo-inbox").await;
    customer.finish().await;
    agent.finish().await;
}
