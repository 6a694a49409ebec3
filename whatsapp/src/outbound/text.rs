//! Text, template, reaction and read-receipt bodies, and the helpers that
//! add a reply context or callback data to any body.

use serde_json::{json, Value};

use super::check::Check;
use super::{envelope, individual};
use crate::error::OutboundError;

/// Meta's limit on a text message body.
const TEXT_MAX: usize = 4096;

/// A free-form text message (only inside the 24-hour service window).
/// `preview_url` asks WhatsApp to render a preview of the first link.
/// Not validated: see [`text_message`].
pub fn text(to: &str, body: &str, preview_url: bool) -> Value {
    individual(to, "text", json!({ "preview_url": preview_url, "body": body }))
}

/// [`text`], validated (a body of 1 to 4096 characters), optionally
/// replying to `reply_to` and carrying `callback`.
pub fn text_message(
    to: &str,
    body: &str,
    preview_url: bool,
    reply_to: Option<&str>,
    callback: Option<&str>,
) -> Result<Value, OutboundError> {
    let mut check = Check::default();
    check.text("text.body", body, TEXT_MAX);
    let content = json!({ "preview_url": preview_url, "body": body });
    let message = envelope(&mut check, to, "text", content, reply_to, callback);
    check.finish(message)
}

/// A template message. `template` is Meta's template object as the send
/// API takes it: `{"name", "language": {"code"}, "components": [...]}`.
/// Check it first with [`validate_template`](super::validate_template).
pub fn template(to: &str, template: &Value) -> Value {
    individual(to, "template", template.clone())
}

/// A reaction to the message `wamid`; an empty `emoji` removes ours.
pub fn reaction(to: &str, wamid: &str, emoji: &str, callback: Option<&str>) -> Result<Value, OutboundError> {
    let mut check = Check::default();
    check.required("reaction.message_id", wamid);
    let content = json!({ "message_id": wamid, "emoji": emoji });
    let message = envelope(&mut check, to, "reaction", content, None, callback);
    check.finish(message)
}

/// Marks an inbound message (and everything before it) as read: the
/// customer sees blue ticks. Sent to the same `/messages` endpoint.
pub fn mark_read(wamid: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": wamid,
    })
}

/// `body` with `biz_opaque_callback_data` set to `data`, which Meta echoes
/// on every status of the message. Not checked: Meta allows 512
/// characters. A body that is not a JSON object is returned unchanged.
pub fn with_callback(body: Value, data: &str) -> Value {
    insert(body, "biz_opaque_callback_data", json!(data))
}

/// `body` as a reply to `wamid` (`"context": {"message_id": wamid}`): the
/// customer sees the quoted message above ours.
pub fn with_reply_to(body: Value, wamid: &str) -> Value {
    insert(body, "context", json!({ "message_id": wamid }))
}

fn insert(mut body: Value, key: &str, value: Value) -> Value {
    if let Some(object) = body.as_object_mut() {
        object.insert(key.to_string(), value);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: &str = "16505551234";
    const WAMID: &str = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=";

    #[test]
    fn text_is_metas_shape() {
        assert_eq!(
            text(TO, "Hello, world!", false),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "text",
                "text": {"preview_url": false, "body": "Hello, world!"}
            })
        );
        assert_eq!(text(TO, "see https://example.com", true)["text"]["preview_url"], json!(true));
    }

    #[test]
    fn a_reply_with_callback_data_is_metas_shape() {
        let body = text_message(TO, "Yes, in blue.", true, Some(WAMID), Some("outbox:0190a1b2")).unwrap();
        assert_eq!(
            body,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "context": {"message_id": WAMID},
                "type": "text",
                "text": {"preview_url": true, "body": "Yes, in blue."},
                "biz_opaque_callback_data": "outbox:0190a1b2"
            })
        );
        assert_eq!(
            text_message(TO, "Hello, world!", false, None, None),
            Ok(text(TO, "Hello, world!", false))
        );
    }

    #[test]
    fn text_messages_are_checked() {
        let err = text_message("", &"x".repeat(4097), false, Some(" "), Some(&"c".repeat(513))).unwrap_err();
        let shown: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "text.body: at most 4096 characters (Meta's limit), got 4097",
                "to: must not be empty",
                "context.message_id: must not be empty",
                "biz_opaque_callback_data: at most 512 characters (Meta's limit), got 513",
            ]
        );
        assert!(text_message(TO, &"\u{e9}".repeat(4096), false, None, None).is_ok());
    }

    #[test]
    fn template_wraps_the_template_object_untouched() {
        let tpl = json!({
            "name": "order_update",
            "language": {"code": "en_US"},
            "components": [{
                "type": "body",
                "parameters": [{"type": "text", "text": "#1234"}]
            }]
        });
        assert_eq!(
            template(TO, &tpl),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "template",
                "template": tpl
            })
        );
        let with = with_callback(template(TO, &tpl), "outbox:1");
        assert_eq!(with["biz_opaque_callback_data"], "outbox:1");
        assert_eq!(with["template"], tpl);
        assert_eq!(with_reply_to(with, WAMID)["context"], json!({"message_id": WAMID}));
    }

    #[test]
    fn helpers_leave_non_objects_alone() {
        assert_eq!(with_callback(json!([1]), "x"), json!([1]));
        assert_eq!(with_reply_to(Value::Null, "x"), Value::Null);
    }

    #[test]
    fn reactions_are_metas_shape() {
        assert_eq!(
            reaction(TO, WAMID, "\u{1F600}", Some("outbox:7")).unwrap(),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "reaction",
                "reaction": {"message_id": WAMID, "emoji": "\u{1F600}"},
                "biz_opaque_callback_data": "outbox:7"
            })
        );
        let removed = reaction(TO, WAMID, "", None).unwrap();
        assert_eq!(removed["reaction"], json!({"message_id": WAMID, "emoji": ""}));
        assert!(removed.get("biz_opaque_callback_data").is_none());
        let err = reaction(TO, "", "\u{1F600}", None).unwrap_err();
        assert_eq!(err.problems[0].path, "reaction.message_id");
    }

    #[test]
    fn mark_read_is_metas_shape() {
        assert_eq!(
            mark_read(WAMID),
            json!({
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": WAMID
            })
        );
    }
}
