//! `POST /webhooks/whatsapp`: signatures, durability, duplicates, batches,
//! unknown numbers, size and in-flight limits, and one body checked byte
//! for byte.

use serde_json::json;

use crate::support::half_sent::HalfSent;
use crate::support::{
    meta, metric, poll_until, spawn_app, spawn_app_with, DEPLOYMENT_APP_SECRET, PASSWORD, WAIT,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_webhook_for_each_tenant_lands_in_that_tenant() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;

    let a = acme.receive_text("16505551234", "Sheena Nelson", "Does it come in another color?").await;
    let g = globex.receive_text("447700900123", "Alex", "Hello Globex").await;

    for (tenant, received, wa_id, name, text) in [
        (&acme, &a, "16505551234", "Sheena Nelson", "Does it come in another color?"),
        (&globex, &g, "447700900123", "Alex", "Hello Globex"),
    ] {
        let conversations = tenant.conversations().await;
        assert_eq!(conversations.len(), 1, "{} sees {conversations:#?}", tenant.name);
        let c = &conversations[0];
        assert_eq!(c["customer"], json!({"wa_id": wa_id, "name": name}));
        assert_eq!(c["number_id"], tenant.number().id.as_str());
        assert_eq!(c["status"], "open");
        assert_eq!(c["unread"], 1);
        let messages = tenant.messages_of(&received.conversation_id()).await;
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert_eq!(messages[0]["direction"], "in");
        assert_eq!(messages[0]["type"], "text");
        assert_eq!(messages[0]["text"], text);
        assert_eq!(messages[0]["wamid"], received.wamid.as_str());
        assert_eq!(messages[0]["status"], "received");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_200_the_message_is_already_readable() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let wamid = meta::wamid();
    let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &wamid, "Right away?");

    acme.post_webhook(&payload).await.expect(200);

    // No polling: a 200 means stored, so the very next read sees it.
    let conversations = acme.conversations().await;
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    let messages = acme.messages_of(conversations[0]["id"].as_str().unwrap()).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["wamid"], wamid.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_or_missing_signature_is_401_and_stores_nothing() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Mallory", &meta::wamid(), "forged");
    let body = meta::bytes(&payload);
    let good = meta::sign(&acme.number().signing_secret, &body);
    // Still valid JSON, so only the signature can tell.
    let tampered = String::from_utf8(body.clone()).unwrap().replace("\"forged\"", "\"Forged\"").into_bytes();
    assert_ne!(tampered, body);

    let attempts: Vec<(&str, Vec<u8>, Option<String>)> = vec![
        ("no header", body.clone(), None),
        ("empty header", body.clone(), Some(String::new())),
        ("no sha256= prefix", body.clone(), Some(good.trim_start_matches("sha256=").to_string())),
        ("not hex", body.clone(), Some("sha256=zz".to_string())),
        ("another tenant's secret", body.clone(), Some(meta::sign(&globex.number().signing_secret, &body))),
        (
            "the deployment secret for a number with its own",
            body.clone(),
            Some(meta::sign(DEPLOYMENT_APP_SECRET, &body)),
        ),
        ("a tampered body", tampered, Some(good.clone())),
    ];
    for (what, bytes, signature) in attempts {
        let resp = app.client().post_webhook(&bytes, signature.as_deref()).await;
        assert_eq!(resp.status, 401, "{what}: {}", resp.text);
    }

    assert_eq!(acme.conversations().await, Vec::<serde_json::Value>::new());
    let metrics = app.metrics_text().await;
    assert_eq!(metric(&metrics, "switchboard_webhooks_rejected_signature_total"), Some(7.0), "{metrics}");
    assert_eq!(metric(&metrics, "switchboard_messages_in_total"), Some(0.0), "{metrics}");
}

/// Whoever cannot sign learns nothing about how the body is read: an
/// unsigned body that is not even JSON is a 401 like any other, not a 400
/// describing the parse error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_with_a_bad_signature_is_401_not_a_parse_error() {
    let app = spawn_app().await;
    app.onboard_tenant("Acme").await;

    for body in [&b"{\"object\": \"whatsapp_business_account\", \"entry\": [{"[..], b"not json at all", b"{}"]
    {
        let resp = app.client().post_webhook(body, Some(&meta::sign("not-the-secret", body))).await;
        assert_eq!(resp.status, 401, "{:?}: {}", String::from_utf8_lossy(body), resp.text);
        let resp = app.client().post_webhook(body, None).await;
        assert_eq!(resp.status, 401, "{:?} unsigned: {}", String::from_utf8_lossy(body), resp.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_webhook_stores_the_message_once() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let wamid = meta::wamid();
    let payload =
        meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &wamid, "Only once please");

    acme.post_webhook(&payload).await.expect(200);
    acme.post_webhook(&payload).await.expect(200);
    // The same wamid twice inside one body, too.
    let message = payload["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    let mut doubled = payload.clone();
    doubled["entry"][0]["changes"][0]["value"]["messages"] = json!([message, message]);
    acme.post_webhook(&doubled).await.expect(200);

    let conversations = acme.conversations().await;
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["unread"], 1, "{:#?}", conversations[0]);
    let messages = acme.messages_of(conversations[0]["id"].as_str().unwrap()).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(metric(&app.metrics_text().await, "switchboard_messages_in_total"), Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_message_redelivered_after_later_ones_is_still_a_duplicate() {
    // Received messages are deduplicated by reading the chat's messages
    // stored since the customer sent the message (Meta's timestamp): the
    // redelivery of one sent an hour ago, behind later ones, must be found.
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let n = &acme.number().meta;
    let wa_id = "16505550199";
    let old = meta::wamid();
    let first = meta::text_webhook_at(n, wa_id, "Sheena", &old, "sent an hour ago", &meta::ts_ago(3600));
    acme.post_webhook(&first).await.expect(200);
    for i in 0..40 {
        acme.post_webhook(&meta::text_webhook(n, wa_id, "Sheena", &meta::wamid(), &format!("later {i}")))
            .await
            .expect(200);
    }
    acme.post_webhook(&first).await.expect(200);
    let conversations = acme.conversations().await;
    let id = conversations[0]["id"].as_str().expect("an id").to_string();
    assert_eq!(acme.messages_of(&id).await.len(), 41, "the old one once");
    assert_eq!(metric(&app.metrics_text().await, "switchboard_messages_in_total"), Some(41.0));

    // The customer reacts to their own old message: it is found, too.
    let reaction = json!({
        "from": wa_id, "id": meta::wamid(), "timestamp": meta::now_ts(), "type": "reaction",
        "reaction": {"message_id": old, "emoji": "\u{1F44D}"}
    });
    let body = meta::notification(vec![meta::entry(
        &n.waba_id,
        vec![meta::change(n, vec![meta::contact(wa_id, "Sheena")], vec![reaction], vec![])],
    )]);
    acme.post_webhook(&body).await.expect(200);
    acme.post_webhook(&body).await.expect(200);
    let messages = acme.messages_of(&id).await;
    assert_eq!(messages.len(), 41, "a reaction is not a message of its own");
    let target = messages.iter().find(|m| m["wamid"] == old.as_str()).expect("the old message");
    assert_eq!(target["reactions"], json!([{"from": wa_id, "emoji": "\u{1F44D}"}]), "{target}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_post_with_several_messages_and_two_numbers_lands_entirely() {
    let app = spawn_app().await;
    // One Meta app signs for both tenants: the usual SaaS setup.
    let acme = app.onboard_tenant_on_deployment_app("Acme").await;
    let globex = app.onboard_tenant_on_deployment_app("Globex").await;
    let ts = meta::now_ts();
    let (w1, w2, w3, w4) = (meta::wamid(), meta::wamid(), meta::wamid(), meta::wamid());
    let payload = meta::notification(vec![
        meta::entry(
            &acme.number().meta.waba_id,
            vec![meta::change(
                &acme.number().meta,
                vec![
                    meta::contact("16505551234", "Sheena Nelson"),
                    meta::contact("16505550000", "Kerry Fisher"),
                ],
                vec![
                    meta::text_message("16505551234", &w1, "Hi", &ts),
                    meta::text_message("16505550000", &w2, "Hello there", &ts),
                    meta::text_message("16505551234", &w3, "Anyone?", &ts),
                ],
                vec![],
            )],
        ),
        meta::entry(
            &globex.number().meta.waba_id,
            vec![meta::change(
                &globex.number().meta,
                vec![meta::contact("447700900123", "Alex")],
                vec![meta::text_message("447700900123", &w4, "Hello Globex", &ts)],
                vec![],
            )],
        ),
    ]);

    app.post_webhook(&payload, DEPLOYMENT_APP_SECRET).await.expect(200);

    let acme_conversations = acme.conversations().await;
    assert_eq!(acme_conversations.len(), 2, "{acme_conversations:#?}");
    let sheena = acme.wait_for_conversation("16505551234").await;
    let kerry = acme.wait_for_conversation("16505550000").await;
    let texts = |items: Vec<serde_json::Value>| -> Vec<String> {
        items.iter().map(|m| m["text"].as_str().unwrap_or_default().to_string()).collect()
    };
    assert_eq!(texts(acme.messages_of(sheena["id"].as_str().unwrap()).await), ["Hi", "Anyone?"]);
    assert_eq!(texts(acme.messages_of(kerry["id"].as_str().unwrap()).await), ["Hello there"]);
    assert_eq!(sheena["customer"]["name"], "Sheena Nelson");
    assert_eq!(sheena["unread"], 2);

    let globex_conversations = globex.conversations().await;
    assert_eq!(globex_conversations.len(), 1, "{globex_conversations:#?}");
    let messages = globex.messages_of(globex_conversations[0]["id"].as_str().unwrap()).await;
    assert_eq!(texts(messages), ["Hello Globex"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_phone_number_id_is_acknowledged_and_stores_nothing() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant_on_deployment_app("Acme").await;
    let stranger = meta::BusinessNumber {
        phone_number_id: "999000999000999".into(),
        display_phone_number: "15550009999".into(),
        waba_id: "999000999000111".into(),
    };
    let payload = meta::text_webhook(&stranger, "16505551234", "Sheena", &meta::wamid(), "Wrong number");

    app.post_webhook(&payload, DEPLOYMENT_APP_SECRET).await.expect(200);

    assert!(acme.conversations().await.is_empty());
    let metrics = app.metrics_text().await;
    assert_eq!(metric(&metrics, "switchboard_webhooks_unknown_number_total"), Some(1.0), "{metrics}");
    assert_eq!(metric(&metrics, "switchboard_messages_in_total"), Some(0.0), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_number_nobody_can_verify_is_acknowledged_but_not_counted_as_received() {
    // No deployment secret: a body naming only numbers we do not know has
    // no secret to be checked with. Meta gets its 200 (or it would retry),
    // nothing is stored, and the unverified POST is not a received webhook.
    let app = spawn_app_with(|s| s.whatsapp.app_secret = tenants::Secret::from("")).await;
    let acme = app.onboard_tenant("Acme").await;
    let stranger = meta::BusinessNumber {
        phone_number_id: "999000999000998".into(),
        display_phone_number: "15550009998".into(),
        waba_id: "999000999000112".into(),
    };
    let payload = meta::text_webhook(&stranger, "16505551234", "Sheena", &meta::wamid(), "Hello?");

    app.post_webhook(&payload, "anyone-can-sign-with-this").await.expect(200);

    assert!(acme.conversations().await.is_empty());
    let metrics = app.metrics_text().await;
    assert_eq!(metric(&metrics, "switchboard_webhooks_unknown_number_total"), Some(1.0), "{metrics}");
    assert_eq!(metric(&metrics, "switchboard_webhooks_received_total"), Some(0.0), "{metrics}");
    // A known number in the same situation is still checked: a forged
    // signature is refused.
    let forged = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), "Hi");
    assert_eq!(app.post_webhook(&forged, "anyone-can-sign-with-this").await.status, 401);
    assert!(acme.conversations().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_for_messages_we_never_sent_are_acknowledged() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;

    let payload =
        meta::status_webhook(&acme.number().meta, "wamid.never-sent-by-us", "delivered", "16505551234");
    acme.post_webhook(&payload).await.expect(200);

    assert!(acme.conversations().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app_with(|s| s.server.max_body_bytes = 4096).await;
    let acme = app.onboard_tenant("Acme").await;
    let payload =
        meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), &"x".repeat(8192));

    let resp = acme.post_webhook(&payload).await;

    assert_eq!(resp.expect_error(413), "payload_too_large");
    assert!(acme.conversations().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_past_the_in_flight_limit_get_503_with_retry_after_and_meta_redelivers() {
    let app = spawn_app_with(|s| s.server.max_inflight_webhooks = 1).await;
    let acme = app.onboard_tenant("Acme").await;
    let number = &acme.number().meta;
    let held = meta::bytes(&meta::text_webhook(number, "16505551234", "Sheena", &meta::wamid(), "held"));
    let signature = meta::sign(&acme.number().signing_secret, &held);
    let headers = [("x-hub-signature-256", signature.as_str()), ("content-type", "application/json")];

    // Its body still arriving, this one holds the only admission permit
    // once its handler runs, which the in-flight gauge shows.
    let in_flight = HalfSent::start(&app.address, "POST", "/webhooks/whatsapp", &headers, &held).await;
    poll_until(WAIT, "the held webhook to be admitted", || async {
        let admitted = metric(&app.metrics_text().await, "switchboard_webhooks_in_flight");
        (admitted == Some(1.0)).then_some(())
    })
    .await;
    let shed = meta::text_webhook(number, "16505551234", "Sheena", &meta::wamid(), "shed");
    let refused = acme.post_webhook(&shed).await;

    assert!(refused.header("retry-after").is_some(), "{:?}", refused.headers);
    assert_eq!(refused.expect_error(503), "unavailable");
    let answer = in_flight.finish().await;
    assert_eq!(answer.status, 200, "the held webhook completes: {}", answer.text);
    assert!(metric(&app.metrics_text().await, "switchboard_webhooks_shed_total").is_some_and(|n| n >= 1.0));
    // Meta's redelivery of the refused one lands once the permit is free.
    acme.post_webhook(&shed).await.expect(200);
    let c = acme.wait_for_conversation("16505551234").await;
    let mut texts: Vec<String> =
        acme.messages_of(c["id"].as_str().unwrap()).await.iter().map(|m| m["text"].to_string()).collect();
    texts.sort();
    assert_eq!(texts, ["\"held\"", "\"shed\""], "each once");
}

/// The exact bytes Meta would send, with whitespace and `\u` escapes that
/// any re-serialisation would change, signed with its exact signature.
const RAW_BODY: &[u8] = br#"{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
        "messages": [{
          "from": "16505551234",
          "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
          "timestamp": "1739321024",
          "text": {"body": "Does it come in another colour? Caf\u00e9 au lait \ud83d\ude0a"},
          "type": "text"
        }]
      },
      "field": "messages"
    }]
  }]
}"#;
const RAW_SECRET: &str = "raw-bytes-test-app-secret";
const RAW_SIGNATURE: &str = "sha256=1804b1d56e2578c7d32a755b18ac70eaea9c1016bac96c2b79163ec9ffe5e597";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_bytes_with_their_exact_signature_are_accepted_and_stored_verbatim() {
    let app = spawn_app().await;
    let number = json!({"phone_number_id": "106540352242922", "display_phone_number": "+1 555 078 3881",
        "waba_id": "102290129340398", "access_token": "EAAGraw", "app_secret": RAW_SECRET, "verify_token": "raw"});
    let created = app
        .admin
        .create_tenant(&json!({"name": "Raw", "number": number,
            "manager": {"email": "raw@raw.test", "name": "Raw", "password": PASSWORD}}))
        .await
        .expect(201);
    let (manager, _) = app.client().signed_in("raw@raw.test", PASSWORD).await;
    assert_eq!(meta::sign(RAW_SECRET, RAW_BODY), RAW_SIGNATURE, "the harness signs like Meta");

    // One changed letter (still valid JSON) under the same signature is refused...
    let mut flipped = RAW_BODY.to_vec();
    let at = RAW_BODY.windows(6).position(|w| w == b"colour").expect("colour") + 5;
    flipped[at] = b'R';
    let resp = app.client().post_webhook(&flipped, Some(RAW_SIGNATURE)).await;
    assert_eq!(resp.status, 401, "{}", resp.text);
    // ...and upper-case hex is still the same signature.
    let upper = format!("sha256={}", RAW_SIGNATURE.trim_start_matches("sha256=").to_uppercase());
    let resp = app.client().post_webhook(RAW_BODY, Some(&upper)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    let resp = app.client().post_webhook(RAW_BODY, Some(RAW_SIGNATURE)).await;
    assert_eq!(resp.status, 200, "{}", resp.text);

    let list = manager.list_conversations("").await.expect(200);
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["customer"], json!({"wa_id": "16505551234", "name": "Sheena Nelson"}));
    assert_eq!(items[0]["number_id"], created["numbers"][0]["id"]);
    let messages = manager.messages(items[0]["id"].as_str().unwrap(), "").await.expect(200);
    let items = messages["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{messages}");
    let m = &items[0];
    assert_eq!(m["wamid"], "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=");
    assert_eq!(m["text"], "Does it come in another colour? Caf\u{e9} au lait \u{1f60a}");
    assert_eq!(
        (&m["direction"], &m["type"], &m["status"]),
        (&json!("in"), &json!("text"), &json!("received"))
    );
}
