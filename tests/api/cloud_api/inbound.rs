//! Inbound: every message of the webhook corpus, posted signed as written
//! and read back through `GET /api/conversations/{id}/messages` with its
//! type, text and type-specific details; reactions attached to their
//! message; unknown fields ignored; malformed bodies refused whole; profile
//! names; one body for two numbers.

use serde_json::{json, Value};

use super::{chat, chat_on, Chat, SHEENA};
use crate::support::fixtures::{first_message, webhook_names, webhook_template, Placeholders};
use crate::support::{meta, metric, new_number, spawn_app, DEPLOYMENT_APP_SECRET};

/// The message fixtures [`every_message_fixture_is_shown_with_its_details`]
/// posts after `text.json`.
const MESSAGE_FIXTURES: &[&str] = &[
    "image_caption",
    "audio_voice",
    "video",
    "document_filename",
    "sticker",
    "location",
    "contacts",
    "interactive_button_reply",
    "interactive_list_reply",
    "button_quick_reply",
    "order",
    "system_changed_number",
    "referral_ad",
    "reply_context",
    "forwarded",
    "unsupported",
    "unknown_type",
];

/// The files the other tests of this module and of `statuses` post.
const OTHER_FIXTURES: &[&str] = &[
    "text",
    "reaction",
    "reaction_removed",
    "batch",
    "status_sent",
    "status_delivered",
    "status_read",
    "status_failed",
    "status_callback",
    "status_sent_callback",
];

#[test]
fn every_file_of_the_corpus_is_posted_by_some_test() {
    let mut covered: Vec<String> =
        MESSAGE_FIXTURES.iter().chain(OTHER_FIXTURES).map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(covered, webhook_names(), "a fixture file without a test, or a test without its file");
}

/// The message shown for the first message of `body`.
fn shown<'a>(messages: &'a [Value], body: &Value) -> &'a Value {
    let wamid = &first_message(body)["id"];
    let found: Vec<&Value> = messages.iter().filter(|m| m["wamid"] == *wamid).collect();
    assert_eq!(found.len(), 1, "{wamid} shown {} times in {messages:#?}", found.len());
    found[0]
}

fn absent(v: &Value) -> bool {
    v.is_null()
}

/// `content.media` exactly as the webhook gave it.
fn media_of(body: &Value, kind: &str) -> Value {
    let m = &first_message(body)[kind];
    json!({"id": m["id"], "mime_type": m["mime_type"], "sha256": m["sha256"], "caption": m["caption"]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_fixture_is_shown_with_its_details() {
    let c = chat().await;
    let ours = c.send_text_until_sent("Which one would you like?").await;
    let w = ours["wamid"].as_str().expect("our wamid");
    let p = c.placeholders().outbound_wamid(w);
    let mut posted = std::collections::HashMap::new();
    for name in MESSAGE_FIXTURES {
        posted.insert(*name, c.tenant.post_fixture(name, &p).await);
    }

    let messages = c.messages().await;
    assert_eq!(messages.len(), 2 + MESSAGE_FIXTURES.len(), "{messages:#?}");
    let conversation = c.conversation().await;
    assert_eq!(conversation["customer"], json!({"wa_id": SHEENA, "name": "Sheena Nelson"}));
    for m in messages.iter().filter(|m| m["direction"] == "in") {
        assert_eq!(m["status"], "received", "{m}");
    }

    // text.json, posted by `chat()`.
    let text = c.message_where("wamid", &c.inbound_wamid).await;
    assert_eq!((&text["type"], &text["text"]), (&json!("text"), &json!("Does it come in another color?")));
    assert_eq!(text["content"], json!({"body": "Does it come in another color?"}));
    assert!(absent(&text["reply_to"]) && absent(&text["referral"]) && absent(&text["media_url"]), "{text}");

    let body = &posted["image_caption"];
    let m = shown(&messages, body);
    assert_eq!((&m["type"], &m["text"]), (&json!("image"), &json!("Is this one still available?")));
    assert_eq!(m["content"]["media"], media_of(body, "image"));
    assert_eq!(m["content"]["media"]["caption"], "Is this one still available?");

    let body = &posted["audio_voice"];
    let m = shown(&messages, body);
    assert_eq!(m["type"], "audio");
    assert!(absent(&m["text"]), "{m}");
    assert_eq!(m["content"]["media"], media_of(body, "audio"));
    assert_eq!(m["content"]["media"]["mime_type"], "audio/ogg; codecs=opus");
    assert_eq!(m["content"]["voice"], true);

    let body = &posted["video"];
    let m = shown(&messages, body);
    assert_eq!(m["type"], "video");
    assert_eq!(m["content"]["media"], media_of(body, "video"));
    assert_eq!(m["content"]["media"]["id"], "1166846181421424");

    let body = &posted["document_filename"];
    let m = shown(&messages, body);
    assert_eq!((&m["type"], &m["text"]), (&json!("document"), &json!("My receipt")));
    assert_eq!(m["content"]["filename"], "lucky-shrub-invoice.pdf");
    assert_eq!(m["content"]["media"], media_of(body, "document"));
    assert_eq!(m["content"]["media"]["mime_type"], "application/pdf");

    let body = &posted["sticker"];
    let m = shown(&messages, body);
    assert_eq!(m["type"], "sticker");
    assert_eq!(m["content"]["media"], media_of(body, "sticker"));
    assert_eq!(m["content"]["animated"], false);

    let m = shown(&messages, &posted["location"]);
    assert_eq!((&m["type"], &m["text"]), (&json!("location"), &json!("Philz Coffee")));
    let l = &m["content"];
    assert_eq!(
        (l["latitude"].as_f64(), l["longitude"].as_f64()),
        (Some(37.483307), Some(-122.148981)),
        "{l}"
    );
    assert_eq!(l["name"], "Philz Coffee");
    assert_eq!(l["address"], "1 Hacker Way, Menlo Park, CA 94025");
    assert_eq!(l["url"], "https://www.philzcoffee.com/");

    let body = &posted["contacts"];
    let m = shown(&messages, body);
    assert_eq!(m["type"], "contacts");
    assert_eq!(m["content"]["contacts"], first_message(body)["contacts"], "the whole card, as sent");
    assert_eq!(m["content"]["contacts"][0]["name"]["formatted_name"], "Barbara J. Johnson");

    let m = shown(&messages, &posted["interactive_button_reply"]);
    assert_eq!((&m["type"], &m["text"]), (&json!("interactive"), &json!("Change")));
    assert_eq!(m["content"]["reply"], json!({"kind": "button", "id": "change-button", "title": "Change"}));
    assert_eq!(m["reply_to"], w);

    let m = shown(&messages, &posted["interactive_list_reply"]);
    assert_eq!((&m["type"], &m["text"]), (&json!("interactive"), &json!("Priority Mail Express")));
    let reply = &m["content"]["reply"];
    assert_eq!((&reply["kind"], &reply["id"]), (&json!("list"), &json!("priority_express")), "{m}");
    assert_eq!(
        (&reply["title"], &reply["description"]),
        (&json!("Priority Mail Express"), &json!("Next Day to 2 Days"))
    );
    assert_eq!(m["reply_to"], w);

    let m = shown(&messages, &posted["button_quick_reply"]);
    assert_eq!((&m["type"], &m["text"]), (&json!("button"), &json!("Unsubscribe from Promos")));
    assert_eq!(m["content"]["payload"], "unsubscribe-promos");
    assert_eq!(m["reply_to"], w);

    let m = shown(&messages, &posted["order"]);
    assert_eq!((&m["type"], &m["text"]), (&json!("order"), &json!("Could you gift wrap these?")));
    assert_eq!(m["content"]["catalog_id"], "194836987003835");
    let items = m["content"]["items"].as_array().unwrap_or_else(|| panic!("no order items in {m}"));
    let items: Vec<(String, i64, f64, String)> = items
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap_or_default().to_string();
            (
                s("retailer_id"),
                i["quantity"].as_i64().unwrap_or(-1),
                i["item_price"].as_f64().unwrap_or(-1.0),
                s("currency"),
            )
        })
        .collect();
    assert_eq!(
        items,
        [("di9ozbzfi4".into(), 2, 30.0, "USD".into()), ("nqryix03ez".into(), 1, 25.5, "USD".into())]
    );

    let m = shown(&messages, &posted["system_changed_number"]);
    assert_eq!(m["type"], "system");
    assert_eq!(m["text"], "User Sheena Nelson changed from 16315551181 to 16315551182");
    assert_eq!(m["content"]["kind"], "user_changed_number");
    assert_eq!(m["content"]["new_wa_id"], "16315551182");

    let body = &posted["referral_ad"];
    let m = shown(&messages, body);
    assert_eq!((&m["type"], &m["text"]), (&json!("text"), &json!("Hi! Is the summer sale still on?")));
    let sent = &first_message(body)["referral"];
    for field in ["source_url", "source_id", "source_type", "headline", "body", "media_type", "ctwa_clid"] {
        assert_eq!(m["referral"][field], sent[field], "referral.{field} in {m}");
    }

    let m = shown(&messages, &posted["reply_context"]);
    assert_eq!((&m["type"], &m["text"]), (&json!("text"), &json!("Yes, Tuesday works for me.")));
    assert_eq!(m["reply_to"], w);
    assert!(m["forwarded"] != true, "{m}");

    let m = shown(&messages, &posted["forwarded"]);
    assert_eq!(m["text"], "Look at this deal my friend sent me");
    assert_eq!(m["forwarded"], true, "{m}");
    assert!(absent(&m["reply_to"]), "a forwarded message replies to nothing: {m}");

    for (name, kind) in [("unsupported", "unsupported"), ("unknown_type", "poll_vote")] {
        let body = &posted[name];
        let m = shown(&messages, body);
        assert_eq!(m["type"], kind, "{name}: {m}");
        assert_eq!(m["content"]["unsupported"], kind, "{name}: marked unsupported for the app: {m}");
        assert_eq!(m["content"]["raw"], *first_message(body), "{name}: kept raw, as sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reaction_is_attached_to_its_message_and_removing_it_takes_it_off() {
    let c = chat().await;
    let ours = c.send_text_until_sent("Your order has shipped").await;
    let p = c.placeholders().outbound_wamid(ours["wamid"].as_str().expect("wamid"));
    let before = c.messages().await.len();

    c.tenant.post_fixture("reaction", &p).await;

    let reacted = c.message_where("id", ours["id"].as_str().unwrap()).await;
    assert_eq!(reacted["reactions"], json!([{"from": SHEENA, "emoji": "\u{1F44D}"}]), "{reacted}");
    assert_eq!(c.messages().await.len(), before, "a reaction is not a message of its own");
    let first = c.message_where("wamid", &c.inbound_wamid).await;
    assert!(first["reactions"].as_array().is_none_or(Vec::is_empty), "only the target: {first}");

    c.tenant.post_fixture("reaction_removed", &p).await;

    let removed = c.message_where("id", ours["id"].as_str().unwrap()).await;
    assert!(removed["reactions"].as_array().is_none_or(Vec::is_empty), "{removed}");
    assert_eq!(c.messages().await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_anywhere_are_ignored() {
    let app = spawn_app().await;
    let tenant = app.onboard_tenant("Lucky Shrub").await;
    let mut body = Placeholders::new(&tenant.number().meta).render_json("text");
    let extra = json!({"added_by_meta_later": [1, {"nested": true}], "flag": null});
    body["unexpected"] = extra.clone();
    body["entry"][0]["unexpected"] = extra.clone();
    body["entry"][0]["time"] = json!(1739321024);
    let change = &mut body["entry"][0]["changes"][0];
    change["unexpected"] = extra.clone();
    let value = &mut change["value"];
    value["unexpected"] = extra.clone();
    value["metadata"]["unexpected"] = extra.clone();
    value["contacts"][0]["unexpected"] = extra.clone();
    value["contacts"][0]["profile"]["unexpected"] = extra.clone();
    value["messages"][0]["unexpected"] = extra.clone();
    value["messages"][0]["text"]["unexpected"] = extra.clone();
    // A change about something else entirely rides along.
    let other = json!({"field": "message_template_status_update",
        "value": {"event": "APPROVED", "message_template_id": 594425479261596_u64,
                  "message_template_name": "order_shipped", "message_template_language": "en_US"}});
    body["entry"][0]["changes"].as_array_mut().unwrap().push(other);

    let resp = tenant.post_webhook_bytes(&meta::bytes(&body)).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    let c = tenant.wait_for_conversation(SHEENA).await;
    let messages = tenant.messages_of(c["id"].as_str().unwrap()).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0]["text"], "Does it come in another color?");
    assert_eq!(c["customer"]["name"], "Sheena Nelson");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_is_400_and_stores_nothing() {
    let app = spawn_app().await;
    // Signed by the deployment's app, the one secret that can vouch for a
    // body before it parses.
    let tenant = app.onboard_tenant_on_deployment_app("Lucky Shrub").await;
    let number = &tenant.number().meta;
    let good = Placeholders::new(number).render_json("text");
    let timestamp_left = webhook_template("text")
        .replace("PHONE_NUMBER_ID", &number.phone_number_id)
        .replace("DISPLAY_NUMBER", "15550100001")
        .into_bytes();
    let mut no_id = good.clone();
    no_id["entry"][0]["changes"][0]["value"]["messages"][0].as_object_mut().unwrap().remove("id");
    let mut entry_not_array = good.clone();
    entry_not_array["entry"] = json!({"id": "1", "changes": []});
    // One good message and one without `from`: all or nothing.
    let mut half_good = good.clone();
    let mut bad = first_message(&good).clone();
    bad["id"] = json!(meta::wamid());
    bad.as_object_mut().unwrap().remove("from");
    let mut second = first_message(&good).clone();
    second["id"] = json!(meta::wamid());
    half_good["entry"][0]["changes"][0]["value"]["messages"] = json!([second, bad]);

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{\"object\": \"whatsapp_business_account\", \"entry\": [".to_vec()),
        ("TIMESTAMP left in", timestamp_left),
        ("a message without id", meta::bytes(&no_id)),
        ("entry not an array", meta::bytes(&entry_not_array)),
        ("a good message beside one without from", meta::bytes(&half_good)),
    ];
    for (what, body) in cases {
        let resp = app.client().post_webhook(&body, Some(&meta::sign(DEPLOYMENT_APP_SECRET, &body))).await;
        assert_eq!(resp.status, 400, "{what}: {}", resp.text);
        resp.expect_error(400);
    }

    assert!(tenant.conversations().await.is_empty(), "{:#?}", tenant.conversations().await);
    let metrics = app.metrics_text().await;
    assert_eq!(metric(&metrics, "switchboard_messages_in_total"), Some(0.0), "{metrics}");
    // The same bodies' good form is accepted: it was the shape, not the secret.
    app.post_webhook(&good, DEPLOYMENT_APP_SECRET).await.expect(200);
    assert_eq!(tenant.conversations().await.len(), 1);
}

/// A number with its own app secret: the body names it even when it does
/// not parse, so its secret can vouch for the body, and only its secret
/// (as for a body that parses).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_signed_with_the_numbers_own_secret_is_400_and_any_other_secret_401() {
    let app = spawn_app().await;
    let tenant = app.onboard_tenant("Lucky Shrub").await;
    let other = app.onboard_tenant("Globex").await;
    let p = Placeholders::new(&tenant.number().meta);
    let written = p.render("text");
    let cut_short = written[..written.len() - 10].to_vec();
    let mut no_id = p.render_json("text");
    no_id["entry"][0]["changes"][0]["value"]["messages"][0].as_object_mut().unwrap().remove("id");

    for (what, body) in [("cut short", cut_short), ("a message without id", meta::bytes(&no_id))] {
        let own = tenant.post_webhook_bytes(&body).await;
        assert_eq!(own.expect_error(400), "malformed_webhook", "{what}");
        // Neither another tenant's secret, nor the deployment's (this number
        // signs for itself), nor a guess can sign for it.
        for other_secret in [other.number().signing_secret.as_str(), DEPLOYMENT_APP_SECRET, "not-a-secret"] {
            let resp = app.client().post_webhook(&body, Some(&meta::sign(other_secret, &body))).await;
            assert_eq!(resp.expect_error(401), "invalid_signature", "{what}");
        }
    }

    assert!(tenant.conversations().await.is_empty());
    let metrics = app.metrics_text().await;
    assert_eq!(metric(&metrics, "switchboard_webhooks_rejected_malformed_total"), Some(2.0), "{metrics}");
    assert_eq!(metric(&metrics, "switchboard_webhooks_rejected_signature_total"), Some(6.0), "{metrics}");
    tenant.post_webhook_bytes(&written).await.expect(200);
    assert_eq!(tenant.conversations().await.len(), 1, "the whole body, signed the same way, lands");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_profile_name_renames_the_customer() {
    let c = chat().await;
    assert_eq!(c.conversation().await["customer"]["name"], "Sheena Nelson");

    let payload = meta::text_webhook(
        &c.tenant.number().meta,
        SHEENA,
        "Sheena Nelson-Fisher",
        &meta::wamid(),
        "New name!",
    );
    c.tenant.post_webhook(&payload).await.expect(200);

    let conversation = c.conversation().await;
    assert_eq!(conversation["customer"], json!({"wa_id": SHEENA, "name": "Sheena Nelson-Fisher"}));
    // A body without contacts (system_changed_number.json) leaves it be.
    c.tenant.post_fixture("system_changed_number", &c.placeholders()).await;
    assert_eq!(c.conversation().await["customer"]["name"], "Sheena Nelson-Fisher");
    let listed = c.tenant.wait_for_conversation(SHEENA).await;
    assert_eq!(listed["customer"]["name"], "Sheena Nelson-Fisher");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_fixture_lands_on_both_numbers_of_the_tenant() {
    let app = spawn_app().await;
    // One Meta app signs for both numbers of the tenant.
    let mut tenant = app.onboard_tenant_on_deployment_app("Lucky Shrub").await;
    let (body, mut second) = new_number(false);
    let added = app.admin.add_number(&tenant.id, &body).await.expect(201);
    second.id = added["id"].as_str().unwrap_or_else(|| panic!("no id in {added}")).to_string();
    tenant.numbers.push(second.clone());
    let c: Chat = chat_on(app, tenant).await;
    let ours = c.send_text_until_sent("We are on it").await;
    let p = c.placeholders().outbound_wamid(ours["wamid"].as_str().unwrap()).other_number(&second.meta);

    c.tenant.post_fixture("batch", &p).await;

    let conversations = c.tenant.conversations().await;
    assert_eq!(conversations.len(), 3, "{conversations:#?}");
    let on = |number_id: &str, wa_id: &str| -> Value {
        conversations
            .iter()
            .find(|x| x["number_id"] == number_id && x["customer"]["wa_id"] == wa_id)
            .cloned()
            .unwrap_or_else(|| panic!("no conversation with {wa_id} on {number_id}: {conversations:#?}"))
    };
    let first_number = c.tenant.number().id.clone();
    let sheena = on(&first_number, SHEENA);
    assert_eq!(sheena["id"], c.conversation_id.as_str());
    let texts: Vec<Value> = c.messages().await.iter().map(|m| m["text"].clone()).collect();
    assert_eq!(
        texts,
        [
            json!("Does it come in another color?"),
            json!("We are on it"),
            json!("Hi, I ordered yesterday"),
            json!("Here is a photo of the box")
        ]
    );
    let ours = c.message_where("id", ours["id"].as_str().unwrap()).await;
    assert_eq!(ours["status"], "read", "delivered then read, in one body: {ours}");

    let kerry = on(&first_number, "16315551199");
    assert_eq!(kerry["customer"]["name"], "Kerry Fisher");
    let kerrys = c.tenant.messages_of(kerry["id"].as_str().unwrap()).await;
    assert_eq!(kerrys.len(), 1, "{kerrys:#?}");
    assert_eq!(kerrys[0]["type"], "image");
    assert_eq!(kerrys[0]["content"]["media"]["id"], "1003383421387260");

    let elsewhere = on(&second.id, SHEENA);
    assert_ne!(elsewhere["id"], sheena["id"], "one customer, two numbers, two conversations");
    assert_eq!(elsewhere["customer"]["name"], "Sheena Nelson");
    let other = c.tenant.messages_of(elsewhere["id"].as_str().unwrap()).await;
    let other: Vec<&Value> = other.iter().map(|m| &m["text"]).collect();
    assert_eq!(other, [&json!("Hello from the other shop")]);
}
