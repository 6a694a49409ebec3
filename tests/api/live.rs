//! `GET /api/ws`: hello, live events scoped to the tenant, `since=` replay,
//! and one frame compared against the exact JSON.

use serde_json::{json, Value};

use crate::support::{meta, spawn_app, ws, Deployment, QUIET, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_frame_is_hello_with_the_latest_seq() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;

    let mut socket = ws::connect_all(&app.address, acme.manager.token(), None).await;

    // First of all frames, before anything else the server may say.
    let hello = socket.next_json(WAIT).await;
    assert_eq!(hello["type"], "hello");
    assert!(hello["seq"].is_u64(), "{hello}");
    assert_eq!(hello["resync"], false);
    // Without `since`, nothing is replayed.
    let mut second = ws::connect(&app.address, acme.manager.token(), None).await;
    assert_eq!(second.next_json(WAIT).await["type"], "hello");
    second.assert_no_frame_within(QUIET).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_manager_is_told_only_about_their_own_tenant() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let mut acme_socket = ws::connect(&app.address, acme.manager.token(), None).await;
    let mut globex_socket = ws::connect(&app.address, globex.manager.token(), None).await;
    acme_socket.next_of_type("hello", WAIT).await;
    globex_socket.next_of_type("hello", WAIT).await;

    let r = acme.receive_text("16505551234", "Sheena", "live?").await;

    let created = acme_socket.next_json(WAIT).await;
    assert_eq!(created["type"], "conversation.created", "{created}");
    assert_eq!(created["conversation"]["id"], r.conversation["id"]);
    assert_eq!(created["conversation"]["customer"]["wa_id"], "16505551234");
    let message = acme_socket.next_json(WAIT).await;
    assert_eq!(message["type"], "message.created", "{message}");
    assert_eq!(message["message"]["wamid"], r.wamid.as_str());
    assert_eq!(message["message"]["text"], "live?");
    assert_eq!(message["message"]["direction"], "in");
    assert!(message["seq"].as_u64() > created["seq"].as_u64(), "seq increases: {created} then {message}");

    globex_socket.assert_no_frame_within(QUIET).await;

    // And the other way round.
    let g = globex.receive_text("447700900123", "Alex", "Globex only").await;
    let frame = globex_socket.next_of_type("message.created", WAIT).await;
    assert_eq!(frame["conversation"]["id"], g.conversation["id"]);
    acme_socket.assert_no_frame_within(QUIET).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_needs_a_valid_token() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;

    assert_eq!(ws::refused_status(&app.address, "sb_not-a-token").await, 401);

    let (session, _) = app.client().signed_in(&acme.manager_email, crate::support::PASSWORD).await;
    session.logout().await;
    assert_eq!(ws::refused_status(&app.address, session.token()).await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_closes_open_sockets() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let mut socket = ws::connect(&app.address, acme.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;

    assert_eq!(acme.manager.logout().await.status, 204);

    socket.expect_closed(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_since_replays_exactly_the_missed_events() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let mut socket = ws::connect(&app.address, acme.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;
    acme.receive_text("16505551234", "Sheena", "before").await;
    socket.next_of_type("conversation.created", WAIT).await;
    let last_seen = socket.next_of_type("message.created", WAIT).await;
    let last_seq = last_seen["seq"].as_u64().expect("seq");
    socket.close().await;

    // While away: a new message in the known conversation, a new customer,
    // and something in another tenant that must never show up.
    let wamid_1 = meta::wamid();
    let p1 = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &wamid_1, "while away 1");
    acme.post_webhook(&p1).await.expect(200);
    let wamid_2 = meta::wamid();
    let p2 = meta::text_webhook(&acme.number().meta, "15550001111", "Dana", &wamid_2, "while away 2");
    acme.post_webhook(&p2).await.expect(200);
    globex.receive_text("447700900123", "Alex", "not for Acme").await;

    let mut socket = ws::connect(&app.address, acme.manager.token(), Some(last_seq)).await;
    let hello = socket.next_json(WAIT).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    assert_eq!(hello["resync"], false);

    let missed = socket.next_n(4, WAIT).await;
    socket.assert_no_frame_within(QUIET).await;
    let kinds: Vec<_> = missed.iter().map(|f| f["type"].clone()).collect();
    assert_eq!(
        kinds,
        [
            json!("conversation.updated"),
            json!("message.created"),
            json!("conversation.created"),
            json!("message.created")
        ],
        "{missed:#?}"
    );
    assert_eq!(missed[1]["message"]["wamid"], wamid_1.as_str());
    assert_eq!(missed[3]["message"]["wamid"], wamid_2.as_str());
    let seqs: Vec<u64> = missed.iter().map(|f| f["seq"].as_u64().expect("seq")).collect();
    assert!(
        seqs[0] > last_seq && seqs.windows(2).all(|w| w[0] < w[1]),
        "in order, after {last_seq}: {seqs:?}"
    );
    assert_eq!(hello["seq"].as_u64(), seqs.last().copied(), "hello names the latest seq");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_the_latest_seq_replays_nothing() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    acme.receive_text("16505551234", "Sheena", "hi").await;
    let mut first = ws::connect(&app.address, acme.manager.token(), None).await;
    let latest = first.next_json(WAIT).await["seq"].as_u64().expect("seq");
    assert!(latest >= 2, "two events happened: {latest}");

    let mut socket = ws::connect(&app.address, acme.manager.token(), Some(latest)).await;

    let hello = socket.next_json(WAIT).await;
    assert_eq!((&hello["type"], &hello["resync"]), (&json!("hello"), &json!(false)), "{hello}");
    assert!(hello["seq"].as_u64() >= Some(latest), "{hello}");
    // Nothing about conversations is replayed (only presence may have moved on).
    socket.assert_no_frame_within(QUIET).await;
}

/// Habit 13: the frame as the browser receives it, against the exact JSON
/// built from what REST says about the same conversation and message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_created_frame_is_exactly_the_rest_objects_with_seq_and_type() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let mut socket = ws::connect(&app.address, acme.manager.token(), None).await;
    let hello_text = socket.next_text(WAIT).await;
    let hello: Value = serde_json::from_str(&hello_text).expect("JSON");
    assert_eq!(hello, json!({"type": "hello", "seq": 0, "resync": false}), "raw hello: {hello_text}");

    let r = acme.receive_text("16505551234", "Sheena Nelson", "exact?").await;
    let created = socket.next_of_type("conversation.created", WAIT).await;
    let raw = socket.next_text(WAIT).await;

    let conversation = acme.manager.get_conversation(&r.conversation_id()).await.expect(200);
    let message = acme.messages_of(&r.conversation_id()).await.remove(0);
    let frame: Value = serde_json::from_str(&raw).expect("the frame is JSON");
    let expected = json!({
        "seq": created["seq"].as_u64().expect("seq") + 1,
        "type": "message.created",
        "conversation": conversation,
        "message": message,
    });
    assert_eq!(frame, expected, "raw frame: {raw}");
    // The message object carries exactly API.md's fields for an inbound text.
    let mut keys: Vec<&str> = frame["message"].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    for required in ["created_at", "direction", "id", "status", "text", "type", "wamid"] {
        assert!(keys.contains(&required), "{required} missing from {keys:?}");
    }
    assert!(!keys.contains(&"author_id") && !keys.contains(&"error"), "{keys:?}");
}

/// A tenant's `seq` only ever grows, across crashes and clean restarts:
/// a client reconnecting with `since=` never sees an old number again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seq_keeps_growing_across_a_sigkill_and_a_restart() {
    let deployment = Deployment::new().await;
    let mut server = deployment.start(&[]).await;
    let mut acme = crate::support::onboard(&server.admin().await, "Acme", true).await;
    let mut last = 0;
    for round in 0..3 {
        let mut socket = ws::connect(&server.address, acme.manager.token(), None).await;
        let hello = socket.next_of_type("hello", WAIT).await;
        assert!(hello["seq"].as_u64().expect("seq") >= last, "round {round}: {hello} after {last}");
        let text = format!("round {round}");
        let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), &text);
        acme.post_webhook(&payload).await.expect(200);
        let frame = socket.next_of_type("message.created", WAIT).await;
        let seq = frame["seq"].as_u64().expect("seq");
        assert!(seq > last, "round {round}: seq {seq} is not after {last}");
        last = seq;
        // Round 0 ends in a crash, round 1 in a clean stop.
        server.signal(if round == 0 { "KILL" } else { "TERM" });
        server.wait_exit(std::time::Duration::from_secs(20)).await;
        server = deployment.start(&[]).await;
        acme = acme.signed_in_at(&server.address).await;
    }
}
