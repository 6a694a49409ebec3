//! Request bodies for `POST /{phone_number_id}/messages`, built exactly as
//! Meta documents them, so the JSON we send is written in one place.
//!
//! Each builder returns the `serde_json::Value` handed to
//! [`GraphApi::send_message`](crate::GraphApi::send_message).

use serde_json::{json, Value};

/// A free-form text message (only inside the 24-hour service window).
/// `preview_url` asks WhatsApp to render a preview of the first link.
pub fn text(to: &str, body: &str, preview_url: bool) -> Value {
    individual(to, "text", json!({ "preview_url": preview_url, "body": body }))
}

/// A template message. `template` is Meta's template object as the send
/// API takes it: `{"name", "language": {"code"}, "components": [...]}`.
pub fn template(to: &str, template: &Value) -> Value {
    individual(to, "template", template.clone())
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

/// The envelope every message to one customer shares; `kind` names the
/// object that carries the content.
fn individual(to: &str, kind: &str, content: Value) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
    });
    body[kind] = content;
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_metas_shape() {
        assert_eq!(
            text("16505551234", "Hello, world!", false),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "text",
                "text": {"preview_url": false, "body": "Hello, world!"}
            })
        );
        assert_eq!(text("16505551234", "see https://example.com", true)["text"]["preview_url"], json!(true));
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
            template("16505551234", &tpl),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "template",
                "template": tpl
            })
        );
    }

    #[test]
    fn mark_read_is_metas_shape() {
        assert_eq!(
            mark_read("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="),
            json!({
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="
            })
        );
    }
}
