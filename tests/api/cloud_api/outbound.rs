//! Outbound: what an agent sends reaches the Graph API as the JSON Meta
//! documents for each message type (compared whole with what the fake
//! recorded), and what breaks Meta's limits is 422 `invalid_message` with
//! nothing stored or sent.

use serde_json::{json, Value};

use super::{chat, SHEENA};
use crate::support::WAIT;

/// The body Meta documents for a message, given our message id.
type Expected<'a> = Box<dyn Fn(&Value) -> Value + 'a>;

/// Meta's envelope around `content` (the object named `kind`), with our
/// message id as callback data.
fn meta_body(kind: &str, content: Value, message_id: &Value) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": SHEENA,
        "type": kind,
        "biz_opaque_callback_data": message_id,
    });
    body[kind] = content;
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_lists_media_reactions_and_replies_reach_meta_as_documented() {
    let c = chat().await;
    let inbound = json!(c.inbound_wamid);
    let cases: Vec<(&str, Value, Expected<'_>)> = vec![
        (
            "reply buttons",
            json!({"type": "buttons", "text": "Which size?", "buttons": [
                {"id": "size-s", "title": "Small"}, {"id": "size-m", "title": "Medium"},
                {"id": "size-l", "title": "Large"}]}),
            Box::new(|id| {
                meta_body(
                    "interactive",
                    json!({
                        "type": "button",
                        "body": {"text": "Which size?"},
                        "action": {"buttons": [
                            {"type": "reply", "reply": {"id": "size-s", "title": "Small"}},
                            {"type": "reply", "reply": {"id": "size-m", "title": "Medium"}},
                            {"type": "reply", "reply": {"id": "size-l", "title": "Large"}}]}
                    }),
                    id,
                )
            }),
        ),
        (
            "a list",
            json!({"type": "list", "text": "Which shipping option do you prefer?", "button": "Shipping options",
                "sections": [
                    {"title": "I want it ASAP!", "rows": [
                        {"id": "priority_express", "title": "Priority Mail Express", "description": "Next Day to 2 Days"},
                        {"id": "priority_mail", "title": "Priority Mail", "description": "1\u{2013}3 Days"}]},
                    {"title": "I can wait a bit", "rows": [
                        {"id": "usps_ground_advantage", "title": "USPS Ground Advantage"}]}]}),
            Box::new(|id| {
                meta_body(
                    "interactive",
                    json!({
                        "type": "list",
                        "body": {"text": "Which shipping option do you prefer?"},
                        "action": {"button": "Shipping options", "sections": [
                            {"title": "I want it ASAP!", "rows": [
                                {"id": "priority_express", "title": "Priority Mail Express", "description": "Next Day to 2 Days"},
                                {"id": "priority_mail", "title": "Priority Mail", "description": "1\u{2013}3 Days"}]},
                            {"title": "I can wait a bit", "rows": [
                                {"id": "usps_ground_advantage", "title": "USPS Ground Advantage"}]}]}
                    }),
                    id,
                )
            }),
        ),
        (
            "an image by link",
            json!({"type": "image", "link": "https://www.luckyshrub.com/assets/succulents/aloe.png", "caption": "Aloe vera"}),
            Box::new(|id| {
                meta_body(
                    "image",
                    json!({"link": "https://www.luckyshrub.com/assets/succulents/aloe.png",
                    "caption": "Aloe vera"}),
                    id,
                )
            }),
        ),
        (
            "a document by id",
            json!({"type": "document", "media_id": "1013859600285441", "caption": "Lucky Shrub Invoice",
                "filename": "lucky-shrub-invoice.pdf"}),
            Box::new(|id| {
                meta_body(
                    "document",
                    json!({"id": "1013859600285441", "caption": "Lucky Shrub Invoice",
                    "filename": "lucky-shrub-invoice.pdf"}),
                    id,
                )
            }),
        ),
        (
            "audio by id",
            json!({"type": "audio", "media_id": "1013859600285442"}),
            Box::new(|id| meta_body("audio", json!({"id": "1013859600285442"}), id)),
        ),
        (
            "a video by link",
            json!({"type": "video", "link": "https://www.luckyshrub.com/media/repotting.mp4", "caption": "Repotting"}),
            Box::new(|id| {
                meta_body(
                    "video",
                    json!({"link": "https://www.luckyshrub.com/media/repotting.mp4",
                    "caption": "Repotting"}),
                    id,
                )
            }),
        ),
        (
            "a sticker by id",
            json!({"type": "sticker", "media_id": "798882015472548"}),
            Box::new(|id| meta_body("sticker", json!({"id": "798882015472548"}), id)),
        ),
        (
            "a reaction to her message",
            json!({"type": "reaction", "message_id": c.inbound_id, "emoji": "\u{1F600}"}),
            Box::new(|id| meta_body("reaction", json!({"message_id": inbound, "emoji": "\u{1F600}"}), id)),
        ),
        (
            "a text reply with a link preview",
            json!({"type": "text", "text": "See https://www.luckyshrub.com/sale", "preview_url": true,
                "reply_to": c.inbound_id}),
            Box::new(|id| {
                let mut body = meta_body(
                    "text",
                    json!({"preview_url": true,
                    "body": "See https://www.luckyshrub.com/sale"}),
                    id,
                );
                body["context"] = json!({"message_id": inbound});
                body
            }),
        ),
        (
            "an image replying to her message",
            json!({"type": "image", "media_id": "1479537139650973", "reply_to": c.inbound_id}),
            Box::new(|id| {
                let mut body = meta_body("image", json!({"id": "1479537139650973"}), id);
                body["context"] = json!({"message_id": inbound});
                body
            }),
        ),
    ];

    let mut accepted = Vec::new();
    for (what, request, _) in &cases {
        let resp = c.tenant.manager.send_message(&c.conversation_id, request, None).await;
        assert_eq!(resp.status, 202, "{what}: {}", resp.text);
        accepted.push(resp.body);
    }

    for ((what, _, expected), message) in cases.iter().zip(&accepted) {
        let id = &message["id"];
        let send = c.app.graph.wait_for_send_of(id.as_str().unwrap(), WAIT).await;
        assert_eq!(send.body, expected(id), "{what}");
        assert_eq!(send.phone_number_id(), Some(c.tenant.number().meta.phone_number_id.as_str()));
        c.wait_message(id, &format!("{what} to be sent"), |m| m["status"] == "sent").await;
    }
    assert_eq!(c.sends(), cases.len(), "each sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_breaks_metas_limits_is_422_and_nothing_is_sent() {
    let c = chat().await;
    let x = |n: usize| "x".repeat(n);
    let button = |i: usize| json!({"id": format!("b{i}"), "title": format!("Button {i}")});
    let row = |i: usize| json!({"id": format!("r{i}"), "title": format!("Row {i}")});
    let rows = |n: usize| (0..n).map(row).collect::<Vec<_>>();
    let list = |sections: Value| json!({"type": "list", "text": "Pick one", "button": "Options", "sections": sections});
    let cases: Vec<(&str, Value)> = vec![
        (
            "four buttons",
            json!({"type": "buttons", "text": "?", "buttons": (0..4).map(button).collect::<Vec<_>>()}),
        ),
        ("no buttons", json!({"type": "buttons", "text": "?", "buttons": []})),
        (
            "a button title of 21",
            json!({"type": "buttons", "text": "?", "buttons": [{"id": "a", "title": x(21)}]}),
        ),
        (
            "two buttons with one id",
            json!({"type": "buttons", "text": "?",
            "buttons": [{"id": "a", "title": "One"}, {"id": "a", "title": "Two"}]}),
        ),
        ("a button body of 1025", json!({"type": "buttons", "text": x(1025), "buttons": [button(0)]})),
        ("eleven rows", list(json!([{"title": "All", "rows": rows(11)}]))),
        ("a row title of 25", list(json!([{"title": "All", "rows": [{"id": "r", "title": x(25)}]}]))),
        (
            "a row description of 73",
            list(json!([{"title": "All",
            "rows": [{"id": "r", "title": "Row", "description": x(73)}]}])),
        ),
        (
            "a list button of 21",
            json!({"type": "list", "text": "Pick", "button": x(21),
            "sections": [{"title": "All", "rows": rows(1)}]}),
        ),
        ("two sections, one untitled", list(json!([{"title": "A", "rows": [row(0)]}, {"rows": [row(1)]}]))),
        ("a text of 4097", json!({"type": "text", "text": x(4097)})),
        ("a filename on an image", json!({"type": "image", "media_id": "1", "filename": "a.jpg"})),
        ("a caption on audio", json!({"type": "audio", "media_id": "1", "caption": "hi"})),
        ("a caption on a sticker", json!({"type": "sticker", "media_id": "1", "caption": "hi"})),
        ("a caption of 1025", json!({"type": "video", "media_id": "1", "caption": x(1025)})),
        ("both media_id and link", json!({"type": "image", "media_id": "1", "link": "https://x.test/a.png"})),
        ("neither media_id nor link", json!({"type": "image", "caption": "hi"})),
        ("a link that is not http", json!({"type": "document", "link": "ftp://x.test/a.pdf"})),
    ];

    for (what, request) in &cases {
        let resp = c.tenant.manager.send_message(&c.conversation_id, request, None).await;
        assert_eq!(resp.status, 422, "{what}: {}", resp.text);
        assert_eq!(resp.expect_error(422), "invalid_message", "{what}");
    }

    assert_eq!(c.messages().await.len(), 1, "nothing stored");
    // A valid message afterwards is the first and only send.
    let ok = c
        .send(&json!({"type": "buttons", "text": "?", "buttons": (0..3).map(button).collect::<Vec<_>>()}))
        .await;
    let sends = c.app.graph.wait_for_sends(1, WAIT).await;
    assert_eq!(sends.len(), 1, "{sends:#?}");
    assert_eq!(sends[0].callback_data(), ok["id"].as_str());
}
