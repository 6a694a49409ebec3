//! A chat's history in the browser, as a customer and an agent fill it: a
//! day separator, a photo shown inline (fetched with the token, checked
//! against Meta's hash), a document to download, the customer's reply
//! quoting the agent's message, their reaction on it, and a reply Meta
//! refused, shown failed with Meta's reason.

use serde_json::{json, Value};

use super::harness::{sign_in, wait_for_text_send, Browser};
use crate::support::{meta, poll_until, spawn_app, TestTenant, PASSWORD, WAIT};

/// A 1x1 PNG: a real picture, so the browser decodes it.
const PNG_HEX: &str = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da6364f8cf500f00038601805a347d6b0000000049454e44ae426082";

/// One customer message (`message` without `from`, `id`, `timestamp`).
async fn customer_sends(tenant: &TestTenant, wa_id: &str, mut message: Value) -> String {
    let wamid = meta::wamid();
    message["from"] = json!(wa_id);
    message["id"] = json!(wamid);
    message["timestamp"] = json!(meta::now_ts());
    let number = &tenant.number().meta;
    let payload = meta::notification(vec![meta::entry(
        &number.waba_id,
        vec![meta::change(number, vec![meta::contact(wa_id, "Idris Bello")], vec![message], vec![])],
    )]);
    tenant.post_webhook(&payload).await.expect(200);
    wamid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_shows_media_replies_reactions_and_failures() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let wa_id = "2348030000001";
    let png = hex::decode(PNG_HEX).expect("the PNG");
    let sha = app.graph.add_media("2001", &png, "image/png");
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let pdf_sha = app.graph.add_media("2002", &pdf, "application/pdf");
    acme.receive_text(wa_id, "Idris Bello", "Hello, my order arrived damaged").await;
    let id = acme.wait_for_conversation(wa_id).await["id"].as_str().expect("id").to_string();
    customer_sends(
        &acme,
        wa_id,
        json!({"type": "image", "image": {"id": "2001", "mime_type": "image/png", "sha256": sha, "caption": "The box"}}),
    )
    .await;
    customer_sends(
        &acme,
        wa_id,
        json!({"type": "document", "document": {"id": "2002", "mime_type": "application/pdf", "sha256": pdf_sha, "filename": "receipt.pdf"}}),
    )
    .await;

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.goto(&format!("/#/inbox/open/{id}")).await;
    browser.wait_for_text(".messages .day", "Today").await;
    // The photo is inline once fetched; the document is a download button.
    browser
        .wait_until(
            "the photo decoded inline",
            "(() => { const i = document.querySelector('.msg-in img.media-img'); return i && i.complete && i.naturalWidth === 1; })()",
        )
        .await;
    browser.wait_for_text(".msg-in .media-download", "receipt.pdf").await;

    // The agent answers; the customer quotes that answer and reacts to it.
    browser.wait_until("the composer", "!document.querySelector('textarea.composer-input').disabled").await;
    browser.type_into("textarea.composer-input", "Sorry! We'll send a new one today.\u{E007}").await;
    wait_for_text_send(&app.graph, "Sorry! We'll send a new one today.").await;
    let reply_wamid = poll_until(WAIT, "the reply's wamid", || async {
        acme.messages_of(&id).await.into_iter().find(|m| m["direction"] == "out")?["wamid"]
            .as_str()
            .map(str::to_string)
    })
    .await;
    customer_sends(
        &acme,
        wa_id,
        json!({"type": "text", "text": {"body": "Thank you!"}, "context": {"from": acme.number().meta.display_phone_number, "id": reply_wamid}}),
    )
    .await;
    customer_sends(
        &acme,
        wa_id,
        json!({"type": "reaction", "reaction": {"message_id": reply_wamid, "emoji": "🙏"}}),
    )
    .await;
    browser.wait_for_text(".msg-in .quote .quote-text", "We'll send a new one today.").await;
    browser.wait_for_text(".msg-out .reactions .reaction", "🙏").await;

    // Meta refuses the next reply: it shows failed, with Meta's reason.
    app.graph.fail_next(1, 400, 131026);
    browser.type_into("textarea.composer-input", "Here is your tracking link\u{E007}").await;
    browser.wait_for_text(".msg-failed .msg-error", "Not delivered").await;
    browser.wait_for_text(".msg-failed .msg-error", crate::support::fake_graph::FAILURE_MESSAGE).await;
    browser.assert_accessible("chat history").await;
    browser.screenshots("27-chat-history").await;
    browser.finish().await;
}
