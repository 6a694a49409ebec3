//! `parse_notification`: a webhook body, already signature-checked, into a
//! [`Notification`], all or nothing.
//!
//! Refused (`WebhookError::Malformed`): a body that is not JSON, has no
//! `object`, whose `entry` is not an array, a `messages` change without
//! `metadata.phone_number_id` (it could not be routed), a message without
//! `id`/`from`/`type`/`timestamp`, a status without `id`/`status`. Each
//! reason names where it failed (`entry[0].changes[1].value.messages[2]`)
//! and never quotes message content.

use serde_json::value::RawValue;
use serde_json::Value;

use super::message::parse_message;
use super::types::{Change, ChangeValue, Entry, MetaError, Notification, StatusUpdate};
use super::wire::{
    decode, decode_text, WireChange, WireEntry, WireMessagesValue, WireNotification, WireStatus,
};
use crate::error::WebhookError;

/// Parses one POST body from Meta. See the module doc for what is refused.
pub fn parse_notification(body: &[u8]) -> Result<Notification, WebhookError> {
    // Straight into the envelope (a third less time than through a
    // tree); a body that does not fit is read again as a tree, which says
    // what is wrong and where. serde would also take an array for the
    // envelope: only an object goes the short way.
    let object = body.trim_ascii_start().first() == Some(&b'{');
    let wire: WireNotification = match serde_json::from_slice(body) {
        Ok(wire) if object => wire,
        _ => envelope(body)?,
    };
    let entries = wire
        .entry
        .into_iter()
        .enumerate()
        .map(|(i, e)| entry(e, &format!("entry[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok(Notification { object: wire.object, entries })
}

/// The envelope of a body that did not read as one, or why it is none.
fn envelope(body: &[u8]) -> Result<WireNotification, WebhookError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(format!("not JSON: {e}")))?;
    if !root.is_object() {
        return Err(WebhookError::Malformed("not a JSON object".into()));
    }
    decode(root, "notification")
}

fn entry(wire: WireEntry, at: &str) -> Result<Entry, WebhookError> {
    let changes = wire
        .changes
        .into_iter()
        .enumerate()
        .map(|(i, c)| change(c, &format!("{at}.changes[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok(Entry { id: wire.id, changes })
}

fn change(wire: WireChange, at: &str) -> Result<Change, WebhookError> {
    let value = if wire.field == "messages" {
        messages_value(wire.value, &format!("{at}.value"))?
    } else {
        ChangeValue::default()
    };
    Ok(Change { field: wire.field, value })
}

fn messages_value(raw: Option<Box<RawValue>>, at: &str) -> Result<ChangeValue, WebhookError> {
    let wire: WireMessagesValue = decode_text(raw.as_deref().map_or("null", RawValue::get), at)?;
    let messages = wire
        .messages
        .into_iter()
        .enumerate()
        .map(|(i, m)| parse_message(m, &format!("{at}.messages[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok(ChangeValue {
        phone_number_id: wire.metadata.phone_number_id,
        display_phone_number: wire.metadata.display_phone_number,
        contacts: wire.contacts.into_iter().filter_map(|c| c.into_contact()).collect(),
        messages,
        statuses: wire
            .statuses
            .into_iter()
            .enumerate()
            .map(|(i, s)| decode::<WireStatus>(s, &format!("{at}.statuses[{i}]")).map(StatusUpdate::from))
            .collect::<Result<_, _>>()?,
        errors: wire.errors.into_iter().map(MetaError::from).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::fixtures;
    use crate::webhook::{Contact, Content, DeliveryStatus, Media, OrderItem};

    fn parse(body: &str) -> Notification {
        parse_notification(body.as_bytes()).unwrap()
    }

    fn refused(body: &str) -> String {
        match parse_notification(body.as_bytes()) {
            Err(WebhookError::Malformed(reason)) => reason,
            Ok(n) => panic!("accepted: {n:?}"),
        }
    }

    #[test]
    fn metas_text_example() {
        let n = parse(fixtures::TEXT);
        assert_eq!(n.object, "whatsapp_business_account");
        assert_eq!(n.entries.len(), 1);
        assert_eq!(n.entries[0].id, "102290129340398");
        let change = &n.entries[0].changes[0];
        assert!(change.is_messages());
        let v = &change.value;
        assert_eq!(v.phone_number_id, "106540352242922");
        assert_eq!(v.display_phone_number, "15550783881");
        assert_eq!(
            v.contacts,
            [Contact { wa_id: "16505551234".into(), profile_name: Some("Sheena Nelson".into()) }]
        );
        assert_eq!(v.messages.len(), 1);
        let m = &v.messages[0];
        assert_eq!(m.wamid, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=");
        assert_eq!(m.from, "16505551234");
        assert_eq!(m.timestamp, 1739321024);
        assert_eq!(m.content, Content::Text { body: "Does it come in another color?".into() });
        assert!(v.statuses.is_empty() && v.errors.is_empty());
    }

    #[test]
    fn a_batch_of_two_numbers() {
        let n = parse(fixtures::BATCH);
        assert_eq!(n.entries.len(), 2);
        let first = &n.entries[0].changes[0].value;
        let second = &n.entries[1].changes[0].value;
        assert_eq!(first.phone_number_id, "106540352242922");
        assert_eq!(second.phone_number_id, "106540352242923");
        assert_eq!(n.entries[1].id, "102290129340399");

        let wamids: Vec<&str> = first.messages.iter().map(|m| m.wamid.as_str()).collect();
        assert_eq!(wamids, ["wamid.in.1", "wamid.in.2"]);
        assert_eq!(first.profile_name("16505551234"), Some("Sheena Nelson"));
        assert_eq!(first.profile_name("16505550000"), Some("Kerry Fisher"));
        let statuses: Vec<(&str, DeliveryStatus)> =
            first.statuses.iter().map(|s| (s.wamid.as_str(), s.status.clone())).collect();
        assert_eq!(
            statuses,
            [("wamid.out.1", DeliveryStatus::Delivered), ("wamid.out.2", DeliveryStatus::Read),]
        );
        assert_eq!(first.statuses[0].recipient_id, "16505551234");
        assert_eq!(first.statuses[0].timestamp, 1739321030);

        assert_eq!(second.messages.len(), 1);
        assert_eq!(second.messages[0].from, "447700900123");
        assert_eq!(second.statuses[0].status, DeliveryStatus::Sent);
    }

    #[test]
    fn every_type_is_read_exactly() {
        let n = parse(fixtures::EVERY_TYPE);
        let messages = &n.entries[0].changes[0].value.messages;
        let media = |id: &str, mime: &str, sha: &str, caption: Option<&str>| Media {
            id: id.into(),
            mime_type: Some(mime.into()),
            sha256: Some(sha.into()),
            caption: caption.map(Into::into),
        };
        let expected = [
            Content::Text { body: "Hello there".into() },
            Content::Image(media(
                "1003383421387256",
                "image/jpeg",
                "SOVPzgNiZLswe2LsMkaIS4UUMkcnNXlx2Uk9sJwbMjA=",
                Some("Our new storefront"),
            )),
            Content::Video(media(
                "1166846181421424",
                "video/mp4",
                "mqbKXzkUUYXMhE0aJcBLMr9aLTy2Ia0IGDvCPBqc6ow=",
                None,
            )),
            Content::Audio {
                media: media(
                    "1003383421387257",
                    "audio/ogg; codecs=opus",
                    "bTzdC2nGGY2ZIWsh/rMxn6fS0qkR7m7nKdeYL9ZpkOA=",
                    None,
                ),
                voice: true,
            },
            Content::Document {
                media: media(
                    "1003383421387258",
                    "application/pdf",
                    "bd6bd4d0a9a8a5fb5e3f1d0b9c3b9c7c6c4a2b1e0f9d8c7b6a5e4d3c2b1a0f9e",
                    None,
                ),
                filename: Some("lpt-catalog.pdf".into()),
            },
            Content::Sticker {
                media: media(
                    "1003383421387259",
                    "image/webp",
                    "ZnU3ZDBkYzU1ZTYxNDk1OTNjNzk4NDA0M2ZkNjliNDk=",
                    None,
                ),
                animated: false,
            },
            Content::Location {
                latitude: 37.483307,
                longitude: -122.148981,
                name: Some("Philz Coffee".into()),
                address: Some("1 Hacker Way, Menlo Park, CA 94025".into()),
                url: Some("https://www.philzcoffee.com/".into()),
            },
            Content::Contacts {
                raw_json: serde_json::json!([{
                    "name": {"formatted_name": "Barbara J. Johnson", "first_name": "Barbara"},
                    "phones": [{"phone": "+1 (650) 555-1234", "type": "CELL", "wa_id": "16505551234"}]
                }])
                .to_string(),
            },
            Content::ButtonReply { id: "yes-button".into(), title: "Yes".into() },
            Content::ListReply {
                id: "priority_express".into(),
                title: "Priority Express".into(),
                description: Some("Next Day to 2 Days".into()),
            },
            Content::Button { payload: Some("unsubscribe-payload".into()), text: "Unsubscribe".into() },
            Content::Reaction { message_wamid: "wamid.ours".into(), emoji: Some("\u{1F600}".into()) },
            Content::Reaction { message_wamid: "wamid.ours".into(), emoji: None },
            Content::Order {
                catalog_id: "194836987003835".into(),
                text: Some("Love these!".into()),
                items: vec![
                    OrderItem {
                        product_retailer_id: "di9ozbzfi4".into(),
                        quantity: 2,
                        item_price: 7.99,
                        currency: "USD".into(),
                    },
                    OrderItem {
                        product_retailer_id: "nqryix03ez".into(),
                        quantity: 1,
                        item_price: 5.0,
                        currency: "USD".into(),
                    },
                ],
            },
            Content::System {
                kind: Some("user_changed_number".into()),
                body: Some("User Sheena Nelson changed from 16505551234 to 12195555358".into()),
                new_wa_id: Some("12195555358".into()),
            },
        ];
        assert_eq!(messages.len(), expected.len() + 1);
        for (message, expected) in messages.iter().zip(expected) {
            assert_eq!(message.content, expected, "{}", message.wamid);
        }
        assert!(matches!(
            &messages[15].content,
            Content::Unsupported { type_name, .. } if type_name == "unsupported"
        ));
        assert_eq!(messages[0].context.as_ref().and_then(|c| c.id.as_deref()), Some("wamid.earlier"));
        assert_eq!(
            messages[1].referral.as_ref().and_then(|r| r.source_id.as_deref()),
            Some("120226305854810726")
        );
    }

    #[test]
    fn a_failed_status_keeps_its_errors() {
        let n = parse(fixtures::FAILED_STATUS);
        let s = &n.entries[0].changes[0].value.statuses[0];
        assert_eq!(s.status, DeliveryStatus::Failed);
        assert_eq!(s.wamid, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjRGQjk0RjYwNjlGNjZFMkUA");
        assert_eq!(s.errors.len(), 1);
        let e = &s.errors[0];
        assert_eq!(e.code, 131049);
        assert_eq!(
            e.title.as_deref(),
            Some("This message was not delivered to maintain healthy ecosystem engagement.")
        );
        assert_eq!(e.message, e.title);
        assert_eq!(
            e.details.as_deref(),
            Some("In order to maintain a healthy ecosystem engagement, the message failed to be delivered.")
        );
    }

    #[test]
    fn unknown_types_are_kept_raw() {
        let n = parse(fixtures::UNKNOWN_TYPE);
        let messages = &n.entries[0].changes[0].value.messages;
        assert_eq!(messages.len(), 2);
        let Content::Unsupported { type_name, raw_json } = &messages[0].content else {
            panic!("parsed an unknown type");
        };
        assert_eq!(type_name, "poll_update");
        let raw: Value = serde_json::from_str(raw_json).unwrap();
        assert_eq!(raw["poll_update"]["vote"], "Tuesday");
        assert_eq!(raw["id"], "wamid.unknown");
        let Content::Unsupported { type_name, raw_json } = &messages[1].content else {
            panic!("parsed an unsupported message");
        };
        assert_eq!(type_name, "unsupported");
        assert!(raw_json.contains("131051"));
    }

    #[test]
    fn other_fields_are_kept_empty() {
        let n = parse(fixtures::OTHER_FIELD);
        let change = &n.entries[0].changes[0];
        assert_eq!(change.field, "message_template_status_update");
        assert!(!change.is_messages());
        assert_eq!(change.value, ChangeValue::default());
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let body = fixtures::TEXT
            .replace(r#""object":"#, r#""future": {"x": [1]}, "object":"#)
            .replace(r#""field":"#, r#""since": 3, "field":"#);
        assert_eq!(parse(&body), parse(fixtures::TEXT));
    }

    #[test]
    fn malformed_bodies_are_refused() {
        let without = |field: &str| {
            let mut v: Value = serde_json::from_str(fixtures::BATCH).unwrap();
            let change = &mut v["entry"][0]["changes"][0]["value"];
            match field {
                "status.id" => change["statuses"][0].as_object_mut().unwrap().remove("id"),
                "status.status" => change["statuses"][1].as_object_mut().unwrap().remove("status"),
                "message.from" => change["messages"][1].as_object_mut().unwrap().remove("from"),
                "metadata" => change.as_object_mut().unwrap().remove("metadata"),
                _ => unreachable!(),
            };
            v.to_string()
        };
        let cases = [
            ("", "not JSON"),
            ("<xml/>", "not JSON"),
            (r#"{"object": "whatsapp_business_account""#, "not JSON"),
            ("[]", "not a JSON object"),
            (r#"["whatsapp_business_account", []]"#, "not a JSON object"),
            (r#"{"entry": []}"#, "object"),
            (r#"{"object": "whatsapp_business_account", "entry": {}}"#, "sequence"),
            (r#"{"object": "whatsapp_business_account"}"#, "entry"),
            (&without("message.from"), "entry[0].changes[0].value.messages[1]: missing field `from`"),
            (&without("status.id"), "entry[0].changes[0].value.statuses[0]: missing field `id`"),
            (&without("status.status"), "value.statuses[1]: missing field `status`"),
            (&without("metadata"), "missing field `metadata`"),
        ];
        for (body, expected) in cases {
            let reason = refused(body);
            assert!(reason.contains(expected), "{body:?}: {reason}");
        }
    }

    #[test]
    fn an_empty_entry_list_is_fine() {
        let n = parse(r#"{"object": "whatsapp_business_account", "entry": []}"#);
        assert!(n.entries.is_empty());
    }
}
