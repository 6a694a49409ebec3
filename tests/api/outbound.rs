//! Replies: the Graph API request exactly as Meta documents it, the wamid
//! and `sent` status coming back live, failures, retries, delivery
//! statuses, idempotency, the 24-hour window, each number's own send
//! rate, and sends yielding to a burst of webhooks.

use std::time::Duration;

use serde_json::json;

use crate::support::half_sent::HalfSent;
use crate::support::{
    meta, metric, onboard, poll_until, spawn_app, spawn_app_with, ws, Deployment, Received, TestApp,
    TestTenant, GRAPH_VERSION, WAIT,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_reaches_the_graph_api_as_meta_documents_it_and_comes_back_sent() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let r = acme.receive_text("16505551234", "Sheena", "Does it come in blue?").await;
    let mut socket = ws::connect(&app.address, acme.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;

    let accepted = acme.manager.send_text(&r.conversation_id(), "Yes, in navy blue.").await.expect(202);

    assert_eq!(accepted["status"], "pending");
    assert_eq!(accepted["direction"], "out");
    assert_eq!(accepted["type"], "text");
    assert_eq!(accepted["text"], "Yes, in navy blue.");
    assert_eq!(accepted["author_id"], acme.manager_user["id"]);

    let sends = app.graph.wait_for_sends(1, WAIT).await;
    let send = &sends[0];
    assert_eq!(send.method, "POST");
    assert_eq!(send.path, format!("/{GRAPH_VERSION}/{}/messages", acme.number().meta.phone_number_id));
    assert_eq!(send.phone_number_id(), Some(acme.number().meta.phone_number_id.as_str()));
    assert_eq!(
        send.authorization.as_deref(),
        Some(format!("Bearer {}", acme.number().access_token).as_str())
    );
    assert_eq!(
        send.body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "type": "text",
            "text": {"preview_url": false, "body": "Yes, in navy blue."},
            // Our message id, echoed by Meta's status webhooks: how a send
            // whose answer was lost is still settled exactly once.
            "biz_opaque_callback_data": accepted["id"],
        })
    );
    assert!(!send.body.to_string().contains(&globex.number().access_token));

    let wamid = app.graph.wamids()[0].clone();
    let status = socket.next_of_type("message.status", WAIT).await;
    assert_eq!(status["message"]["id"], accepted["id"]);
    assert_eq!(status["message"]["status"], "sent");
    assert_eq!(status["message"]["wamid"], wamid.as_str());

    let messages = acme.messages_of(&r.conversation_id()).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["id"], accepted["id"]);
    assert_eq!(messages[1]["status"], "sent");
    assert_eq!(messages[1]["wamid"], wamid.as_str());
    let metrics = app.metrics_text().await;
    assert_eq!(metric(&metrics, "switchboard_messages_sent_total"), Some(1.0), "{metrics}");
    // Exactly one request: nothing is sent twice.
    assert_eq!(app.graph.send_requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_created_for_a_reply_reaches_the_socket_before_its_status() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "hi").await;
    let mut socket = ws::connect(&app.address, acme.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;

    let accepted = acme.manager.send_text(&r.conversation_id(), "hello!").await.expect(202);

    let created = socket.next_of_type("message.created", WAIT).await;
    assert_eq!(created["message"]["id"], accepted["id"]);
    assert_eq!(created["message"]["status"], "pending");
    let status = socket.next_of_type("message.status", WAIT).await;
    assert_eq!(status["message"]["status"], "sent");
    assert!(status["seq"].as_u64() > created["seq"].as_u64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_api_error_marks_the_message_failed_with_metas_code_and_message() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "hi").await;
    let mut socket = ws::connect(&app.address, acme.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;
    app.graph.fail_next(1, 400, 131026);

    let accepted = acme.manager.send_text(&r.conversation_id(), "Will this arrive?").await.expect(202);

    let status = socket.next_of_type("message.status", WAIT).await;
    let m = &status["message"];
    assert_eq!(m["id"], accepted["id"]);
    assert_eq!(m["status"], "failed");
    assert_eq!(m["error"]["code"], 131026, "{m}");
    let reason = m["error"]["message"].as_str().expect("error.message");
    assert!(reason.contains(crate::support::fake_graph::FAILURE_MESSAGE), "{reason}");
    assert!(m.get("wamid").is_none_or(|w| w.is_null()), "{m}");

    let messages = acme.messages_of(&r.conversation_id()).await;
    assert_eq!(messages[1]["status"], "failed");
    assert_eq!(messages[1]["error"], m["error"]);
    // A permanent error is not retried.
    tokio::time::timeout(Duration::from_millis(300), app.graph.wait_for_sends(2, Duration::from_secs(60)))
        .await
        .expect_err("a non-retryable error must not be sent again");
    assert_eq!(metric(&app.metrics_text().await, "switchboard_messages_failed_total"), Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_graph_api_error_is_retried_until_sent() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "hi").await;
    app.graph.fail_next(2, 503, 131016);

    let accepted = acme.manager.send_text(&r.conversation_id(), "Third time lucky").await.expect(202);

    let sends = app.graph.wait_for_sends(3, WAIT).await;
    assert!(sends.iter().all(|s| s.body == sends[0].body), "the same message each time");
    let id = accepted["id"].clone();
    let sent = crate::support::poll_until(WAIT, "the retried message to be sent", || async {
        let messages = acme.messages_of(&r.conversation_id()).await;
        messages.into_iter().find(|m| m["id"] == id && m["status"] == "sent")
    })
    .await;
    assert_eq!(sent["wamid"], app.graph.wamids()[0].as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_statuses_from_meta_update_the_reply() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "hi").await;
    let mut socket = ws::connect(&app.address, acme.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;
    let accepted = acme.manager.send_text(&r.conversation_id(), "hello!").await.expect(202);
    socket.next_of_type("message.status", WAIT).await;
    let wamid = app.graph.wamids()[0].clone();

    for status in ["delivered", "read"] {
        let payload = meta::status_webhook(&acme.number().meta, &wamid, status, "16505551234");
        acme.post_webhook(&payload).await.expect(200);
        let frame = socket.next_of_type("message.status", WAIT).await;
        assert_eq!(frame["message"]["id"], accepted["id"]);
        assert_eq!(frame["message"]["status"], status);
    }
    // A late "delivered" after "read" does not move it back.
    let late = meta::status_webhook(&acme.number().meta, &wamid, "delivered", "16505551234");
    acme.post_webhook(&late).await.expect(200);

    let messages = acme.messages_of(&r.conversation_id()).await;
    assert_eq!(messages[1]["status"], "read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_makes_a_repeated_post_return_the_first_message() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "hi").await;
    let body = json!({"type": "text", "text": "only once"});

    let first = acme.manager.send_message(&r.conversation_id(), &body, Some("key-1")).await.expect(202);
    let again = acme.manager.send_message(&r.conversation_id(), &body, Some("key-1")).await;

    assert!(again.status == 202 || again.status == 200, "{}: {}", again.status, again.text);
    assert_eq!(again.body["id"], first["id"]);
    app.graph.wait_for_sends(1, WAIT).await;
    let messages = acme.messages_of(&r.conversation_id()).await;
    assert_eq!(messages.iter().filter(|m| m["direction"] == "out").count(), 1, "{messages:#?}");
    assert_eq!(app.graph.send_requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_24_hour_window_a_free_form_reply_is_422() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let wamid = meta::wamid();
    let payload = meta::text_webhook_at(
        &acme.number().meta,
        "16505551234",
        "Sheena",
        &wamid,
        "sent two days ago",
        &meta::ts_ago(48 * 3600),
    );
    acme.post_webhook(&payload).await.expect(200);
    let c = acme.wait_for_conversation("16505551234").await;
    assert_eq!(c["window"]["open"], false, "{c}");

    let code = acme.manager.send_text(c["id"].as_str().unwrap(), "too late").await.expect_error(422);

    assert_eq!(code, "outside_service_window");
    assert!(app.graph.send_requests().is_empty(), "{:#?}", app.graph.send_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_reply_is_refused() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "hi").await;

    let resp = acme.manager.send_text(&r.conversation_id(), "").await;

    let status = resp.status.as_u16();
    assert!(status == 400 || status == 422, "{status}: {}", resp.text);
    resp.expect_error(status);
    assert_eq!(acme.messages_of(&r.conversation_id()).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_number_sends_no_faster_than_its_own_rate() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let number = acme.number().id.clone();
    // The platform admin sets this number's tier to 2 messages a second.
    let patched =
        app.admin.raw_patch(&format!("/api/admin/numbers/{number}"), &json!({"messages_per_sec": 2})).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["messages_per_sec"], 2);
    let refused =
        app.admin.raw_patch(&format!("/api/admin/numbers/{number}"), &json!({"messages_per_sec": 0})).await;
    assert_eq!(refused.expect_error(422), "validation_failed");

    let r = acme.receive_text("16505551234", "Sheena", "hi").await;
    for i in 0..8 {
        acme.manager.send_text(&r.conversation_id(), &format!("update {i}")).await.expect(202);
    }
    let sends = app.graph.wait_for_sends(8, Duration::from_secs(15)).await;
    let mut times: Vec<_> = sends.iter().map(|s| s.at).collect();
    times.sort();
    // Never more than 2 in any one-second window, timed where the fake
    // Graph API receives each request: a send holds its place in the
    // number's window until a second after its answer, and a request
    // arrives before it is answered, so no delay on the way can bunch
    // arrivals (`number::pace`).
    let window = Duration::from_secs(1);
    for (i, start) in times.iter().enumerate() {
        let within = times[i..].iter().take_while(|t| t.duration_since(*start) < window).count();
        assert!(within <= 2, "{within} sends within {window:?} of send {i}: {times:?}");
    }
    // ...so the eight span at least three windows (sends 0, 2, 4 and 6
    // each open one).
    let span = times[7].duration_since(times[0]);
    assert!(span >= 3 * window, "eight sends in {span:?}: {times:?}");
}

/// Replies still queued behind the number's rate when the server stops
/// cleanly never left, and the stop says so: after the restart they go
/// out at once, not after the grace kept for sends that may have reached
/// Meta, and each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_queued_at_a_clean_stop_go_out_right_after_the_restart_once_each() {
    let deployment = Deployment::new().await;
    let graph = &deployment.graph;
    let env = [("SWITCHBOARD__WHATSAPP__OUTBOX_AMBIGUOUS_GRACE_MS", "60000")];
    let mut server = deployment.start(&env).await;
    let admin = server.admin().await;
    let acme = onboard(&admin, "Acme", true).await;
    let number = acme.number().id.clone();
    let patched =
        admin.raw_patch(&format!("/api/admin/numbers/{number}"), &json!({"messages_per_sec": 1})).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), "hi");
    acme.post_webhook(&payload).await.expect(200);
    let conversation = acme.wait_for_conversation("16505551234").await["id"].as_str().unwrap().to_string();
    let texts: Vec<String> = (0..6).map(|i| format!("update {i}")).collect();
    for text in &texts {
        acme.manager.send_text(&conversation, text).await.expect(202);
    }
    graph.wait_for_sends(1, WAIT).await;
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0), "stderr:\n{}", server.logs());
    let before = graph.send_requests().len();
    assert!(before < texts.len(), "at 1 a second the stop came before the queue ran dry ({before} sent)");

    let restarted = deployment.start(&env).await;
    let sends = graph.wait_for_sends(texts.len(), Duration::from_secs(20)).await;
    let mut sent: Vec<String> =
        sends.iter().map(|s| s.body["text"]["body"].as_str().unwrap_or_default().to_string()).collect();
    sent.sort();
    assert_eq!(sent, texts, "every reply exactly once");
    let acme = acme.signed_in_at(&restarted.address).await;
    let settled = crate::support::poll_until(Duration::from_secs(10), "every reply marked sent", || async {
        let messages = acme.messages_of(&conversation).await;
        let sent = messages.iter().filter(|m| m["direction"] == "out" && m["status"] == "sent").count();
        (sent == texts.len()).then_some(sent)
    })
    .await;
    assert_eq!(settled, texts.len());
}

/// A webhook of `acme`'s held in flight: its body all sent but one byte.
async fn held_webhook(app: &TestApp, acme: &TestTenant, wa_id: &str, text: &str) -> HalfSent {
    let number = &acme.number().meta;
    let body = meta::bytes(&meta::text_webhook(number, wa_id, "Held", &meta::wamid(), text));
    let signature = meta::sign(&acme.number().signing_secret, &body);
    let headers = [("x-hub-signature-256", signature.as_str()), ("content-type", "application/json")];
    HalfSent::start(&app.address, "POST", "/webhooks/whatsapp", &headers, &body).await
}

/// A server whose sends yield while more than one webhook is in flight,
/// for at most `max_hold_ms`; a chat with Sheena; and a burst: two
/// webhooks held in flight.
async fn burst_of_two(max_hold_ms: u64) -> (TestApp, TestTenant, Received, [HalfSent; 2]) {
    let app = spawn_app_with(|s| {
        s.whatsapp.outbox_yield_above_webhooks = 1;
        s.whatsapp.outbox_yield_max_ms = max_hold_ms;
    })
    .await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "hi").await;
    let first = held_webhook(&app, &acme, "16505550001", "one").await;
    let second = held_webhook(&app, &acme, "16505550002", "two").await;
    poll_until(WAIT, "both webhooks to be admitted", || async {
        (in_flight(&app).await == Some(2.0)).then_some(())
    })
    .await;
    (app, acme, r, [first, second])
}

async fn in_flight(app: &TestApp) -> Option<f64> {
    metric(&app.metrics_text().await, "switchboard_webhooks_in_flight")
}

/// `/metrics`' count of sends held back by a burst, and their total
/// time held in seconds.
async fn held(app: &TestApp) -> (Option<f64>, Option<f64>) {
    let text = app.metrics_text().await;
    (metric(&text, "switchboard_sends_held_total"), metric(&text, "switchboard_sends_held_seconds_total"))
}

/// The number's unsettled sends, from its health.
async fn outbox_pending(acme: &TestTenant) -> u64 {
    let health = acme.manager.number_health(&acme.number().id).await;
    health["outbox_pending"].as_u64().expect("health.outbox_pending")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_waits_while_webhooks_queue_and_leaves_once_they_are_answered() {
    let (app, acme, r, [first, second]) = burst_of_two(600_000).await;

    let accepted = acme.manager.send_text(&r.conversation_id(), "hello!").await.expect(202);
    poll_until(WAIT, "the reply to reach its Outbox", || async {
        (outbox_pending(&acme).await == 1).then_some(())
    })
    .await;
    // However long it waits, nothing leaves while the burst lasts (the
    // hold is ten minutes).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.graph.send_requests().is_empty(), "a send left during the burst");

    assert_eq!(first.finish().await.status, 200);
    let send = app.graph.wait_for_send_of(accepted["id"].as_str().expect("id"), WAIT).await;
    assert_eq!(send.body["text"]["body"], "hello!");
    assert_eq!(second.finish().await.status, 200);
    assert_eq!(app.graph.send_requests().len(), 1, "sent once");
    // Operators see the wait: one send held, at least the 300 ms above.
    let (count, seconds) = held(&app).await;
    assert_eq!(count, Some(1.0));
    assert!(seconds.is_some_and(|s| s >= 0.3), "held {seconds:?} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_waits_for_a_burst_no_longer_than_the_hold() {
    let (app, acme, r, [first, second]) = burst_of_two(200).await;

    let accepted = acme.manager.send_text(&r.conversation_id(), "hello!").await.expect(202);

    // Still two in flight: the send leaves once its hold is over.
    let send = app.graph.wait_for_send_of(accepted["id"].as_str().expect("id"), WAIT).await;
    assert_eq!(send.body["text"]["body"], "hello!");
    assert_eq!(in_flight(&app).await, Some(2.0));
    let (count, seconds) = held(&app).await;
    assert_eq!(count, Some(1.0));
    assert!(seconds.is_some_and(|s| s >= 0.2), "held {seconds:?} s, the whole hold");
    assert_eq!(first.finish().await.status, 200);
    assert_eq!(second.finish().await.status, 200);
}
