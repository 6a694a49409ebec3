//! The Graph API's other answers: read receipts; 131047 closing the
//! 24-hour window; 190 putting the number into `needs_attention` until a
//! platform admin gives it a new token; rate limits, 5xx and cut
//! connections retried with growing backoff until sent, once; permanent
//! errors failing the message with Meta's code and message on the socket,
//! never retried.

use std::time::Duration;

use serde_json::{json, Value};

use super::{chat, chat_with, Chat, SHEENA};
use crate::support::cloud_client::items;
use crate::support::door::Door;
use crate::support::{meta, poll_until, ws, GRAPH_VERSION, QUIET, WAIT};

/// Sends a text and waits for it to fail; returns the failed message.
async fn send_until_failed(c: &Chat, text: &str) -> Value {
    let accepted = c.send(&json!({"type": "text", "text": text})).await;
    c.wait_message(&accepted["id"], &format!("{text:?} to fail"), |m| m["status"] == "failed").await
}

/// The number as `GET /api/numbers` and `GET /api/admin/tenants` show it.
async fn number_views(c: &Chat) -> (Value, Value) {
    let id = c.tenant.number().id.as_str();
    let mine = c.numbers().await.into_iter().find(|n| n["id"] == id).expect("the number in /api/numbers");
    let tenants = items(&c.app.admin.list_tenants().await.expect(200));
    let admins = tenants
        .iter()
        .flat_map(|t| t["numbers"].as_array().cloned().unwrap_or_default())
        .find(|n| n["id"] == id)
        .expect("the number in /api/admin/tenants");
    (mine, admins)
}

fn flagged(number: &Value) -> bool {
    number["needs_attention"].as_str().is_some_and(|s| !s.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_conversation_sends_meta_a_read_receipt_for_the_last_message() {
    let c = chat().await;
    let last = meta::wamid();
    let payload = meta::text_webhook(&c.tenant.number().meta, SHEENA, "Sheena Nelson", &last, "Hello?");
    c.tenant.post_webhook(&payload).await.expect(200);
    assert_eq!(c.conversation().await["unread"], 2);

    let read = c.tenant.manager.mark_read(&c.conversation_id).await.expect(200);

    assert_eq!(read["unread"], 0, "{read}");
    let receipts = c.app.graph.wait_for_read_receipts(1, WAIT).await;
    let number = c.tenant.number();
    let receipt = &receipts[0];
    assert_eq!(receipt.path, format!("/{GRAPH_VERSION}/{}/messages", number.meta.phone_number_id));
    assert_eq!(receipt.authorization.as_deref(), Some(format!("Bearer {}", number.access_token).as_str()));
    assert_eq!(receipt.body, json!({"messaging_product": "whatsapp", "status": "read", "message_id": last}));
    assert!(c.app.graph.send_requests().is_empty(), "a read receipt is not a message");
    assert_eq!(c.conversation().await["unread"], 0);
}

/// A tenant whose account has one approved template, `welcome`.
async fn chat_with_welcome_template() -> Chat {
    let c = chat().await;
    let welcome = json!({"name": "welcome", "language": "en_US", "status": "APPROVED", "category": "MARKETING",
        "id": "594425479261596", "components": [{"type": "BODY", "text": "Welcome back to Lucky Shrub!"}]});
    c.app.graph.set_templates(&c.tenant.number().meta.waba_id, vec![welcome]);
    c
}

/// Meta refuses a text with 131047; returns once the window shows closed.
async fn closed_by_131047(c: &Chat) {
    assert_eq!(c.conversation().await["window"]["open"], true, "she just wrote");
    c.app.graph.fail_next_with(1, 400, 131047, "(#131047) Re-engagement message");
    let failed = send_until_failed(c, "Still interested?").await;
    assert_eq!(failed["error"]["code"], 131047, "{failed}");
    poll_until(WAIT, "the window to close", || async {
        (c.conversation().await["window"]["open"] == false).then_some(())
    })
    .await;
}

/// Sheena writes again, Meta stamping her message at `unix_seconds`.
async fn she_writes_again_at(c: &Chat, unix_seconds: u64) {
    let payload = meta::text_webhook_at(
        &c.tenant.number().meta,
        SHEENA,
        "Sheena Nelson",
        &meta::wamid(),
        "Yes!",
        &unix_seconds.to_string(),
    );
    c.tenant.post_webhook(&payload).await.expect(200);
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_131047_closes_the_window_until_the_customer_writes_again() {
    let c = chat_with_welcome_template().await;

    closed_by_131047(&c).await;

    let code = c.tenant.manager.send_text(&c.conversation_id, "Hello?").await.expect_error(422);
    assert_eq!(code, "outside_service_window");
    assert_eq!(c.sends(), 1, "refused before Meta");
    // A template may still go out.
    let template =
        json!({"type": "template", "template": {"name": "welcome", "language": {"code": "en_US"}}});
    let accepted = c.send(&template).await;
    c.wait_message(&accepted["id"], "the template to be sent", |m| m["status"] == "sent").await;

    // Stamped by Meta in a later second than the refusal.
    she_writes_again_at(&c, unix_now() + 1).await;

    assert_eq!(c.conversation().await["window"]["open"], true, "she wrote again");
    c.send_text_until_sent("Great, here is the link").await;
}

/// Meta stamps messages in whole seconds. A reply that reaches us after
/// the 131047 but carries the same second (or a second our clock is ahead
/// of) must reopen the window all the same: it came after Meta's refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_in_the_same_second_as_the_131047_reopens_the_window() {
    let c = chat_with_welcome_template().await;
    closed_by_131047(&c).await;
    // A closed window shows when Meta refused: the reply carries that second
    // (taking it before the send raced the clock over a second's boundary).
    let closed = c.conversation().await;
    let refused_at_ms = closed["window"]["expires_at"]
        .as_str()
        .and_then(actors::clock::parse_time)
        .unwrap_or_else(|| panic!("a closed window shows when: {closed}"));

    she_writes_again_at(&c, (refused_at_ms / 1000) as u64).await;

    let conversation = c.conversation().await;
    assert_eq!(conversation["window"]["open"], true, "her reply came after the refusal: {conversation}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_190_needs_attention_until_a_platform_admin_sets_a_new_token() {
    let c = chat().await;
    let (mine, admins) = number_views(&c).await;
    assert!(!flagged(&mine) && !flagged(&admins), "{mine} {admins}");
    let expired = "Error validating access token: Session has expired on Tuesday, 11-Feb-25 10:00:00 PST.";
    c.app.graph.fail_next_with(1, 401, 190, expired);

    let failed = send_until_failed(&c, "Are you there?").await;

    assert_eq!(failed["error"]["code"], 190, "{failed}");
    assert!(failed["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Error validating access token"));
    let (mine, admins) = poll_until(WAIT, "needs_attention", || async {
        let views = number_views(&c).await;
        (flagged(&views.0) && flagged(&views.1)).then_some(views)
    })
    .await;
    assert_eq!(mine["needs_attention"], admins["needs_attention"]);
    assert_eq!(c.sends(), 1, "190 is not retried");

    let updated =
        c.app.admin.update_number_token(&c.tenant.number().id, "EAAGrefreshedToken").await.expect(200);

    assert!(!flagged(&updated), "{updated}");
    let (mine, admins) = number_views(&c).await;
    assert!(!flagged(&mine) && !flagged(&admins), "cleared: {mine} {admins}");
    let sent = c.send_text_until_sent("Back online").await;
    let send = c.app.graph.wait_for_send_of(sent["id"].as_str().unwrap(), WAIT).await;
    assert_eq!(send.authorization.as_deref(), Some("Bearer EAAGrefreshedToken"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_are_retried_with_growing_backoff_then_sent() {
    let base_ms = 50;
    let c = chat_with(|s| {
        s.whatsapp.outbox_backoff_base_ms = base_ms;
        s.whatsapp.outbox_max_attempts = 10;
    })
    .await;
    c.app.graph.script_failures(&[
        (429, 130429, "(#130429) Rate limit hit"),
        (400, 131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
        (400, 80007, "(#80007) Rate limit issues"),
        (500, 131000, "Something went wrong"),
        (503, 131016, "Service unavailable"),
    ]);

    let accepted = c.send(&json!({"type": "text", "text": "Sixth time lucky"})).await;

    let sent =
        c.wait_message(&accepted["id"], "the retried message to be sent", |m| m["status"] == "sent").await;
    let sends = c.app.graph.send_requests();
    assert_eq!(sends.len(), 6, "five failures, then one success: {sends:#?}");
    assert!(sends.iter().all(|s| s.body == sends[0].body), "the same request each time");
    assert_eq!(sends[0].callback_data(), accepted["id"].as_str());
    assert_eq!(c.app.graph.wamids().len(), 1);
    assert_eq!(sent["wamid"], c.app.graph.wamids()[0].as_str());
    // Full jitter keeps each wait at least half of base * 2^attempts.
    for (i, pair) in sends.windows(2).enumerate() {
        let gap = pair[1].at.duration_since(pair[0].at);
        let floor = Duration::from_millis(base_ms * (1 << (i + 1)) / 2);
        assert!(gap >= floor, "wait {} was {gap:?}, under {floor:?}", i + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_connection_is_cut_is_retried_and_delivered_once() {
    let mut door = None;
    let c = chat_with(|s| {
        // Room for retries however slow the machine is, none of them long.
        s.whatsapp.outbox_max_attempts = 20;
        let shut = Door::shut_in_front_of(&s.whatsapp.graph_api_base);
        s.whatsapp.graph_api_base = shut.url();
        door = Some(shut);
    })
    .await;
    let door = door.expect("the door in front of the Graph API");
    let send_line = format!("POST /{GRAPH_VERSION}/{}/messages ", c.tenant.number().meta.phone_number_id);

    let accepted = c.send(&json!({"type": "text", "text": "Through the storm"})).await;

    door.wait_for_refused(&send_line, 2, WAIT).await;
    let waiting = c.message_where("id", accepted["id"].as_str().unwrap()).await;
    assert_eq!(waiting["status"], "pending", "a cut connection is retried, not a failure: {waiting}");
    assert_eq!(c.sends(), 0, "nothing reached Meta yet");
    door.open();
    let sent = poll_until(Duration::from_secs(30), "the reply to be sent", || async {
        c.messages().await.into_iter().find(|m| m["id"] == accepted["id"] && m["status"] == "sent")
    })
    .await;
    let sends = c.app.graph.send_requests();
    assert_eq!(sends.len(), 1, "delivered once: {sends:#?}");
    assert_eq!(sends[0].body["text"]["body"], "Through the storm");
    assert_eq!(sent["wamid"], c.app.graph.wamids()[0].as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_errors_fail_the_message_with_metas_code_and_message_on_the_socket() {
    let c = chat().await;
    let mut socket = ws::connect(&c.app.address, c.tenant.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;

    for (code, message) in [(100, "Invalid parameter"), (131026, "Message undeliverable")] {
        c.app.graph.fail_next_with(1, 400, code, message);
        let accepted = c.send(&json!({"type": "text", "text": format!("This meets {code}")})).await;

        let frame = loop {
            let frame = socket.next_of_type("message.status", WAIT).await;
            if frame["message"]["id"] == accepted["id"] {
                break frame;
            }
        };
        let m = &frame["message"];
        assert_eq!(m["status"], "failed", "{code}: {frame}");
        assert_eq!(m["error"]["code"], code, "{frame}");
        let reason = m["error"]["message"].as_str().unwrap_or_default();
        assert!(reason.contains(message), "{code}: Meta's message in {reason:?}");
        let stored = c.message_where("id", accepted["id"].as_str().unwrap()).await;
        assert_eq!(stored["error"], m["error"]);
    }
    let retried =
        tokio::time::timeout(QUIET * 2, c.app.graph.wait_for_sends(3, Duration::from_secs(60))).await;
    assert!(retried.is_err(), "a permanent error is not retried: {:#?}", c.app.graph.send_requests());
}
