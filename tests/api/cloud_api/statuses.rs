//! Statuses: the status fixtures applied to a message we sent first, never
//! moving backwards; a status that overtakes the send's answer; a status
//! carrying our `biz_opaque_callback_data` settling a send whose answer
//! was lost to a timeout, with no second send.

use std::time::Duration;

use serde_json::{json, Value};

use super::{chat, chat_with};
use crate::support::{ws, WAIT};

fn status_of(m: &Value) -> &str {
    m["status"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_fixtures_move_our_message_forward_and_never_back() {
    let c = chat().await;
    let mut socket = ws::connect(&c.app.address, c.tenant.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;
    let first = c.send_text_until_sent("Your order has shipped").await;
    let id = first["id"].as_str().unwrap().to_string();
    let p = c.placeholders().outbound_wamid(first["wamid"].as_str().unwrap());

    // A 200 means applied: each read right after sees it.
    for (fixture, expected) in [
        ("status_sent", "sent"),
        ("status_delivered", "delivered"),
        ("status_read", "read"),
        // Late or repeated: read stays read.
        ("status_delivered", "read"),
        ("status_sent", "read"),
    ] {
        c.tenant.post_fixture(fixture, &p).await;
        let m = c.message_where("id", &id).await;
        assert_eq!(status_of(&m), expected, "after {fixture}: {m}");
        assert_eq!(m["wamid"], first["wamid"]);
    }

    let second = c.send_text_until_sent("Did it arrive?").await;
    let p = c.placeholders().outbound_wamid(second["wamid"].as_str().unwrap());
    c.tenant.post_fixture("status_failed", &p).await;
    let failed = c.message_where("id", second["id"].as_str().unwrap()).await;
    assert_eq!(status_of(&failed), "failed", "{failed}");
    assert_eq!(failed["error"]["code"], 131026, "{failed}");
    let reason = failed["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(
        reason, "Message undeliverable",
        "Meta's title, message and error_data.details, each said once"
    );
    let frame = loop {
        let frame = socket.next_of_type("message.status", WAIT).await;
        if frame["message"]["id"] == second["id"] && frame["message"]["status"] == "failed" {
            break frame;
        }
    };
    assert_eq!(frame["message"]["error"], failed["error"]);
    assert_eq!(status_of(&c.message_where("id", &id).await), "read", "the other message is untouched");

    let third = c.send_text_until_sent("One more thing").await;
    let p = c
        .placeholders()
        .outbound_wamid(third["wamid"].as_str().unwrap())
        .callback_data(third["id"].as_str().unwrap());
    c.tenant.post_fixture("status_callback", &p).await;
    let delivered = c.message_where("id", third["id"].as_str().unwrap()).await;
    assert_eq!(status_of(&delivered), "delivered", "{delivered}");
    assert_eq!(c.sends(), 3, "statuses never send anything");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_that_overtakes_the_sends_answer_is_applied_when_the_answer_comes() {
    let c = chat().await;
    let gate = c.app.graph.hold_next_send();
    let accepted = c.send(&json!({"type": "text", "text": "Held at Meta"})).await;
    c.app.graph.wait_for_sends(1, WAIT).await;
    let wamid = c.app.graph.wamids()[0].clone();

    c.tenant.post_fixture("status_delivered", &c.placeholders().outbound_wamid(&wamid)).await;

    let waiting = c.message_where("id", accepted["id"].as_str().unwrap()).await;
    assert_eq!(status_of(&waiting), "pending", "no answer yet: {waiting}");
    gate.release();
    let m =
        c.wait_message(&accepted["id"], "the early status to apply", |m| m["wamid"] == wamid.as_str()).await;
    assert_eq!(status_of(&m), "delivered", "kept, then applied over the answer's sent: {m}");
    assert_eq!(c.sends(), 1);
}

/// Meta took the message but its answer never reached us (the request
/// timed out): the status webhook naming our id settles it, and the resend
/// the timeout scheduled never happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_with_our_callback_data_settles_a_send_whose_answer_was_lost() {
    settles_a_send_whose_answer_was_lost("status_callback", "delivered").await;
}

/// The same with Meta's own `sent`, which moves the status nowhere new:
/// the send is settled and written all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metas_sent_with_our_callback_data_settles_a_send_whose_answer_was_lost() {
    settles_a_send_whose_answer_was_lost("status_sent_callback", "sent").await;
}

async fn settles_a_send_whose_answer_was_lost(fixture: &str, status: &str) {
    let grace = Duration::from_secs(3);
    let c = chat_with(|s| {
        s.whatsapp.request_timeout_secs = 1;
        s.whatsapp.outbox_ambiguous_grace_ms = grace.as_millis() as u64;
    })
    .await;
    c.app.graph.delay_next_send(Duration::from_millis(2500));
    let accepted = c.send(&json!({"type": "text", "text": "Lost in the mail"})).await;
    c.app.graph.wait_for_sends(1, WAIT).await;
    let arrived = tokio::time::Instant::now();
    // The delayed answer is over, so the server's 1 s timeout is long past.
    c.app.graph.wait_for_delays_elapsed(1, WAIT).await;
    let wamid = c.app.graph.wamids()[0].clone();
    let pending = c.message_where("id", accepted["id"].as_str().unwrap()).await;
    assert!(pending["wamid"].is_null(), "the answer was lost: {pending}");

    let p = c.placeholders().outbound_wamid(&wamid).callback_data(accepted["id"].as_str().unwrap());
    c.tenant.post_fixture(fixture, &p).await;

    let m = c
        .wait_message(&accepted["id"], "the status to settle the send", |m| m["wamid"] == wamid.as_str())
        .await;
    assert_eq!(status_of(&m), status, "{m}");
    assert!(m["sent_at"].is_string(), "when Meta took it: {m}");
    // The resend the timeout scheduled was due one grace after the timeout.
    let quiet_until = arrived + Duration::from_secs(1) + grace + Duration::from_millis(1500);
    let second =
        tokio::time::timeout_at(quiet_until, c.app.graph.wait_for_sends(2, Duration::from_secs(60))).await;
    assert!(second.is_err(), "sent again: {:#?}", c.app.graph.send_requests());
    assert_eq!(c.app.graph.wamids().len(), 1, "exactly one WhatsApp message");
    let m = c.message_where("id", accepted["id"].as_str().unwrap()).await;
    assert_eq!((status_of(&m), &m["wamid"]), (status, &json!(wamid)));
}

/// A timeout with no word from Meta: after the grace the send goes again,
/// the same body with the same callback data, and the second answer counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_send_meta_never_mentions_is_sent_again_after_the_grace() {
    let c = chat_with(|s| {
        s.whatsapp.request_timeout_secs = 1;
        s.whatsapp.outbox_ambiguous_grace_ms = 300;
    })
    .await;
    c.app.graph.delay_next_send(Duration::from_millis(2500));

    let accepted = c.send(&json!({"type": "text", "text": "Anyone there?"})).await;

    let sends = c.app.graph.wait_for_sends(2, Duration::from_secs(10)).await;
    assert_eq!(sends[0].body, sends[1].body, "the same request again");
    assert_eq!(sends[1].callback_data(), accepted["id"].as_str());
    let m = c.wait_message(&accepted["id"], "the resend to be sent", |m| m["status"] == "sent").await;
    assert_eq!(m["wamid"], c.app.graph.wamids()[1].as_str(), "the answer that arrived");
}
