//! One inbound message object from Meta's JSON into an [`InboundMessage`].
//!
//! The head (`id`, `from`, `timestamp`, `type`) is required: without it the
//! message cannot be stored or deduplicated and the body is refused. The
//! content is dispatched on `type`; an unknown type, Meta's `unsupported`,
//! or a known type whose object does not parse becomes
//! [`Content::Unsupported`] with the raw message, so nothing is dropped.
//! `context` and `referral` are extras: if they do not parse they are left
//! out rather than losing the message.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::content::{Content, InboundMessage, OrderItem, Referral};
use super::wire::{
    decode_ref, timestamp, WireButton, WireContext, WireInteractive, WireLocation, WireMedia, WireOrder,
    WireReaction, WireSystem, WireText,
};
use crate::error::WebhookError;

/// Reads one element of a change's `messages` array; `what` names it in
/// the refusal (`"messages[2]"`).
pub(super) fn parse_message(raw: Value, what: &str) -> Result<InboundMessage, WebhookError> {
    let head: Head = decode_ref(&raw, what)?;
    Ok(InboundMessage {
        content: content(&head.kind, &raw),
        context: head.context.and_then(|c| inner::<WireContext>(&c)).map(Into::into),
        referral: head.referral.and_then(|r| inner::<Referral>(&r)),
        wamid: head.id,
        from: head.from,
        timestamp: head.timestamp,
    })
}

#[derive(Deserialize)]
struct Head {
    id: String,
    from: String,
    #[serde(deserialize_with = "timestamp")]
    timestamp: i64,
    #[serde(rename = "type")]
    kind: String,
    context: Option<Value>,
    referral: Option<Value>,
}

/// Reads `value` as `T`, `None` if it does not fit.
fn inner<T: DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

/// The content of a message of type `kind`, whose object sits under the key
/// of the same name in `raw`.
fn content(kind: &str, raw: &Value) -> Content {
    let object = raw.get(kind).unwrap_or(&Value::Null);
    known_content(kind, object)
        .unwrap_or_else(|| Content::Unsupported { type_name: kind.to_string(), raw_json: raw.to_string() })
}

fn known_content(kind: &str, object: &Value) -> Option<Content> {
    Some(match kind {
        "text" => Content::Text { body: inner::<WireText>(object)?.body },
        "image" => Content::Image(inner::<WireMedia>(object)?.into_media()),
        "video" => Content::Video(inner::<WireMedia>(object)?.into_media()),
        "audio" => {
            let wire = inner::<WireMedia>(object)?;
            Content::Audio { voice: wire.voice, media: wire.into_media() }
        }
        "document" => {
            let mut wire = inner::<WireMedia>(object)?;
            Content::Document { filename: wire.filename.take(), media: wire.into_media() }
        }
        "sticker" => {
            let wire = inner::<WireMedia>(object)?;
            Content::Sticker { animated: wire.animated, media: wire.into_media() }
        }
        "location" => {
            let l = inner::<WireLocation>(object)?;
            Content::Location {
                latitude: l.latitude,
                longitude: l.longitude,
                name: l.name,
                address: l.address,
                url: l.url,
            }
        }
        "contacts" => Content::Contacts { raw_json: object.as_array().map(|_| object.to_string())? },
        "interactive" => interactive(inner::<WireInteractive>(object)?)?,
        "button" => {
            let b = inner::<WireButton>(object)?;
            Content::Button { payload: b.payload, text: b.text }
        }
        "reaction" => {
            let r = inner::<WireReaction>(object)?;
            Content::Reaction { message_wamid: r.message_id, emoji: r.emoji.filter(|e| !e.is_empty()) }
        }
        "order" => order(inner::<WireOrder>(object)?)?,
        "system" => {
            let s = inner::<WireSystem>(object)?;
            Content::System { kind: s.kind, body: s.body, new_wa_id: s.new_wa_id.or(s.wa_id) }
        }
        _ => return None,
    })
}

fn interactive(i: WireInteractive) -> Option<Content> {
    match i.kind.as_str() {
        "button_reply" => {
            let r = i.button_reply?;
            Some(Content::ButtonReply { id: r.id, title: r.title })
        }
        "list_reply" => {
            let r = i.list_reply?;
            Some(Content::ListReply { id: r.id, title: r.title, description: r.description })
        }
        // nfm_reply (WhatsApp Flows) and anything newer.
        _ => None,
    }
}

fn order(o: WireOrder) -> Option<Content> {
    let items = o
        .product_items
        .into_iter()
        .map(|item| {
            Some(OrderItem {
                quantity: u32::try_from(number(&item.quantity)?.as_u64()?).ok()?,
                item_price: number(&item.item_price)?.as_f64()?,
                product_retailer_id: item.product_retailer_id,
                currency: item.currency,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Content::Order { catalog_id: o.catalog_id, text: o.text, items })
}

/// A JSON number, or a string holding one (Meta's examples show both).
fn number(value: &Value) -> Option<serde_json::Number> {
    match value {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::MessageContext;
    use serde_json::json;

    fn message(extra: Value) -> Value {
        let mut m = json!({
            "from": "16505551234",
            "id": "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA",
            "timestamp": "1739321024",
        });
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        m
    }

    fn parse(extra: Value) -> InboundMessage {
        parse_message(message(extra), "messages[0]").unwrap()
    }

    #[test]
    fn reads_the_head() {
        let m = parse(json!({"type": "text", "text": {"body": "hi"}}));
        assert_eq!(m.wamid, "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
        assert_eq!(m.from, "16505551234");
        assert_eq!(m.timestamp, 1739321024);
        assert_eq!(m.context, None);
        assert_eq!(m.referral, None);
    }

    #[test]
    fn refuses_a_message_without_its_head() {
        for field in ["id", "from", "timestamp", "type"] {
            let mut raw = message(json!({"type": "text", "text": {"body": "hi"}}));
            raw.as_object_mut().unwrap().remove(field);
            let err = parse_message(raw, "messages[3]").unwrap_err();
            let WebhookError::Malformed(reason) = err;
            assert!(reason.starts_with("messages[3]: "), "{reason}");
            assert!(reason.contains(field), "{reason}");
        }
    }

    #[test]
    fn reads_a_forwarded_reply_context() {
        let m = parse(json!({
            "type": "text", "text": {"body": "this one"},
            "context": {"from": "15550783881", "id": "wamid.original",
                        "forwarded": true}
        }));
        assert_eq!(
            m.context,
            Some(MessageContext {
                from: Some("15550783881".into()),
                id: Some("wamid.original".into()),
                forwarded: true,
                frequently_forwarded: false,
            })
        );
    }

    #[test]
    fn reads_an_ad_referral() {
        let m = parse(json!({
            "type": "text", "text": {"body": "Is this still available?"},
            "referral": {
                "source_url": "https://fb.me/3cr4Wqqkv", "source_id": "120226305854810726",
                "source_type": "ad", "body": "Summer sale", "headline": "50% off",
                "media_type": "image", "image_url": "https://example.com/a.jpg",
                "ctwa_clid": "Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcchptiErTKCqTrJ5nW1h7IHYeYymGb5K5J5iVROZVh4"
            }
        }));
        let r = m.referral.unwrap();
        assert_eq!(r.source_type.as_deref(), Some("ad"));
        assert_eq!(r.headline.as_deref(), Some("50% off"));
        assert!(r.ctwa_clid.unwrap().starts_with("Aff-"));
    }

    #[test]
    fn a_bad_context_is_left_out_not_fatal() {
        let m = parse(json!({"type": "text", "text": {"body": "x"}, "context": "oops"}));
        assert_eq!(m.context, None);
        assert_eq!(m.content, Content::Text { body: "x".into() });
    }

    #[test]
    fn known_types_that_do_not_parse_are_kept_raw() {
        for (kind, extra) in [
            ("text", json!({"type": "text"})),
            ("image", json!({"type": "image", "image": {"mime_type": "image/jpeg"}})),
            (
                "interactive",
                json!({"type": "interactive", "interactive": {
                "type": "nfm_reply",
                "nfm_reply": {"name": "flow", "response_json": "{\"a\":1}", "body": "Sent"}}}),
            ),
            (
                "order",
                json!({"type": "order", "order": {"catalog_id": "1",
                "product_items": [{"product_retailer_id": "a", "quantity": -1,
                                   "item_price": 1, "currency": "USD"}]}}),
            ),
            ("contacts", json!({"type": "contacts", "contacts": {"not": "an array"}})),
        ] {
            let raw = message(extra);
            let m = parse_message(raw.clone(), "m").unwrap();
            let Content::Unsupported { type_name, raw_json } = m.content else {
                panic!("{kind} parsed");
            };
            assert_eq!(type_name, kind);
            assert_eq!(serde_json::from_str::<Value>(&raw_json).unwrap(), raw);
        }
    }

    #[test]
    fn order_numbers_may_be_strings() {
        let m = parse(json!({"type": "order", "order": {"catalog_id": "194836987003835",
            "product_items": [{"product_retailer_id": "di9ozbzfi4", "quantity": "2",
                               "item_price": "7.99", "currency": "USD"}]}}));
        let Content::Order { items, text, .. } = m.content else {
            panic!("not an order");
        };
        assert_eq!(text, None);
        assert_eq!(items[0].quantity, 2);
        assert_eq!(items[0].item_price, 7.99);
    }

    #[test]
    fn system_takes_the_older_new_wa_id_too() {
        let m = parse(json!({"type": "system", "system": {
            "body": "NAME changed from 1 to 2", "new_wa_id": "2", "type": "user_changed_number"}}));
        assert_eq!(
            m.content,
            Content::System {
                kind: Some("user_changed_number".into()),
                body: Some("NAME changed from 1 to 2".into()),
                new_wa_id: Some("2".into()),
            }
        );
    }

    #[test]
    fn an_empty_reaction_means_removed() {
        let m = parse(json!({"type": "reaction",
            "reaction": {"message_id": "wamid.ours", "emoji": ""}}));
        assert_eq!(m.content, Content::Reaction { message_wamid: "wamid.ours".into(), emoji: None });
    }
}
