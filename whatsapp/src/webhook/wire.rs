//! Meta's webhook JSON as it arrives: private serde structs that mirror the
//! wire and are converted at once into the domain types of `types` and
//! `content`. Unknown fields are ignored everywhere (serde's default).
//!
//! Messages stay `serde_json::Value` in the envelope: their content is
//! dispatched on `type` in `message` (with the content mirrors below), so
//! one odd message becomes `Unsupported` instead of failing the whole body.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;

use super::content::{Media, MessageContext};
use super::types::{Contact, DeliveryStatus, MetaError, StatusUpdate};
use crate::error::WebhookError;

#[derive(Deserialize)]
pub(super) struct WireNotification {
    pub object: String,
    pub entry: Vec<WireEntry>,
}

#[derive(Deserialize)]
pub(super) struct WireEntry {
    pub id: String,
    #[serde(default)]
    pub changes: Vec<WireChange>,
}

#[derive(Deserialize)]
pub(super) struct WireChange {
    pub field: String,
    /// Read only when `field` is `messages`; other fields have other
    /// shapes. Kept as text, so a messages value is parsed once, straight
    /// into its fields, not into a tree first (`parse::messages_value`).
    #[serde(default)]
    pub value: Option<Box<RawValue>>,
}

/// The `value` of a `messages` change.
#[derive(Deserialize)]
pub(super) struct WireMessagesValue {
    pub metadata: WireMetadata,
    #[serde(default)]
    pub contacts: Vec<WireContact>,
    #[serde(default)]
    pub messages: Vec<Value>,
    /// Read one by one, so a refusal names the bad status.
    #[serde(default)]
    pub statuses: Vec<Value>,
    #[serde(default)]
    pub errors: Vec<WireError>,
}

#[derive(Deserialize)]
pub(super) struct WireMetadata {
    pub phone_number_id: String,
    #[serde(default)]
    pub display_phone_number: String,
}

#[derive(Deserialize)]
pub(super) struct WireContact {
    wa_id: Option<String>,
    profile: Option<WireProfile>,
}

#[derive(Deserialize)]
struct WireProfile {
    name: Option<String>,
}

impl WireContact {
    /// A contact without a wa_id names nobody and is left out.
    pub fn into_contact(self) -> Option<Contact> {
        Some(Contact { wa_id: self.wa_id?, profile_name: self.profile.and_then(|p| p.name) })
    }
}

#[derive(Deserialize)]
pub(super) struct WireStatus {
    id: String,
    status: String,
    #[serde(default, deserialize_with = "timestamp")]
    timestamp: i64,
    #[serde(default)]
    recipient_id: String,
    #[serde(default)]
    errors: Vec<WireError>,
    /// Documented as a string; anything else is left out rather than
    /// refusing the status, like a message's `context`.
    #[serde(default)]
    biz_opaque_callback_data: Value,
}

impl From<WireStatus> for StatusUpdate {
    fn from(s: WireStatus) -> Self {
        StatusUpdate {
            wamid: s.id,
            status: DeliveryStatus::from_meta(&s.status),
            timestamp: s.timestamp,
            recipient_id: s.recipient_id,
            errors: s.errors.into_iter().map(MetaError::from).collect(),
            biz_opaque_callback_data: match s.biz_opaque_callback_data {
                Value::String(data) => Some(data),
                _ => None,
            },
        }
    }
}

#[derive(Deserialize)]
pub(super) struct WireError {
    #[serde(default)]
    code: i64,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<WireErrorData>,
}

#[derive(Deserialize)]
struct WireErrorData {
    details: Option<String>,
}

impl From<WireError> for MetaError {
    fn from(e: WireError) -> Self {
        MetaError {
            code: e.code,
            title: e.title,
            message: e.message,
            details: e.error_data.and_then(|d| d.details),
        }
    }
}

// Message content, read by `message` once `type` is known.

#[derive(Deserialize)]
pub(super) struct WireContext {
    pub from: Option<String>,
    pub id: Option<String>,
    #[serde(default)]
    pub forwarded: bool,
    #[serde(default)]
    pub frequently_forwarded: bool,
}

impl From<WireContext> for MessageContext {
    fn from(c: WireContext) -> Self {
        MessageContext {
            from: c.from,
            id: c.id,
            forwarded: c.forwarded,
            frequently_forwarded: c.frequently_forwarded,
        }
    }
}

#[derive(Deserialize)]
pub(super) struct WireText {
    pub body: String,
}

/// The object of image, video, audio, document and sticker messages.
#[derive(Deserialize)]
pub(super) struct WireMedia {
    pub id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
    #[serde(default)]
    pub voice: bool,
    #[serde(default)]
    pub animated: bool,
}

impl WireMedia {
    pub fn into_media(self) -> Media {
        Media { id: self.id, mime_type: self.mime_type, sha256: self.sha256, caption: self.caption }
    }
}

#[derive(Deserialize)]
pub(super) struct WireLocation {
    pub latitude: f64,
    pub longitude: f64,
    pub name: Option<String>,
    pub address: Option<String>,
    pub url: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireInteractive {
    #[serde(rename = "type")]
    pub kind: String,
    pub button_reply: Option<WireReply>,
    pub list_reply: Option<WireReply>,
}

#[derive(Deserialize)]
pub(super) struct WireReply {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireButton {
    pub payload: Option<String>,
    pub text: String,
}

#[derive(Deserialize)]
pub(super) struct WireReaction {
    pub message_id: String,
    pub emoji: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireOrder {
    pub catalog_id: String,
    pub text: Option<String>,
    #[serde(default)]
    pub product_items: Vec<WireOrderItem>,
}

#[derive(Deserialize)]
pub(super) struct WireOrderItem {
    pub product_retailer_id: String,
    pub quantity: Value,
    pub item_price: Value,
    pub currency: String,
}

/// `system`: the new wa_id is `wa_id` in current docs, `new_wa_id` in older.
#[derive(Deserialize)]
pub(super) struct WireSystem {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub body: Option<String>,
    pub new_wa_id: Option<String>,
    pub wa_id: Option<String>,
}

/// Reads `value` as `T`, or refuses the body naming `what` failed.
pub(super) fn decode<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, WebhookError> {
    T::deserialize(value).map_err(|e| malformed(what, e))
}

/// Reads the JSON `text` as `T`, or refuses the body naming `what` failed.
pub(super) fn decode_text<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, WebhookError> {
    serde_json::from_str(text).map_err(|e| malformed(what, e))
}

/// Reads `value` as `T` and leaves it whole: only what `T` keeps is
/// copied, not the tree (a message's head, whose content is read after).
pub(super) fn decode_ref<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T, WebhookError> {
    T::deserialize(value).map_err(|e| malformed(what, e))
}

fn malformed(what: &str, e: serde_json::Error) -> WebhookError {
    WebhookError::Malformed(format!("{what}: {e}"))
}

/// Meta's unix seconds: a string of digits (as documented) or a number.
pub(super) fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let value = Value::deserialize(d)?;
    match &value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
    .ok_or_else(|| D::Error::custom("timestamp is not unix seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Stamped {
        #[serde(deserialize_with = "timestamp")]
        timestamp: i64,
    }

    #[test]
    fn timestamps_come_as_strings_or_numbers() {
        for raw in [json!({"timestamp": "1739321024"}), json!({"timestamp": 1739321024})] {
            let s: Stamped = decode(raw, "t").unwrap();
            assert_eq!(s.timestamp, 1739321024);
        }
        for raw in [json!({"timestamp": "soon"}), json!({"timestamp": 1.5}), json!({})] {
            assert!(decode::<Stamped>(raw, "t").is_err());
        }
    }

    #[test]
    fn a_status_echoes_our_callback_data_and_ignores_pricing() {
        let status = |extra: Value| {
            let mut raw = json!({"id": "wamid.out", "status": "sent", "timestamp": "1739321024",
                "recipient_id": "16315551181",
                "conversation": {"id": "a75d17ad06104c51166f948319b03c6a", "origin": {"type": "service"}},
                "pricing": {"billable": false, "pricing_model": "PMP", "category": "service"}});
            for (k, v) in extra.as_object().unwrap() {
                raw[k] = v.clone();
            }
            StatusUpdate::from(decode::<WireStatus>(raw, "s").unwrap())
        };
        let s = status(json!({"biz_opaque_callback_data": "outbox:0190a1b2"}));
        assert_eq!(s.biz_opaque_callback_data.as_deref(), Some("outbox:0190a1b2"));
        assert_eq!(s.status, DeliveryStatus::Sent);
        assert_eq!(status(json!({})).biz_opaque_callback_data, None);
        assert_eq!(status(json!({"biz_opaque_callback_data": {"a": 1}})).biz_opaque_callback_data, None);
    }

    #[test]
    fn errors_keep_their_details() {
        let e: WireError = decode(
            json!({"code": 131026, "title": "Message undeliverable",
                   "error_data": {"details": "Receiver is incapable"}, "href": "x"}),
            "e",
        )
        .unwrap();
        let e = MetaError::from(e);
        assert_eq!(e.code, 131026);
        assert_eq!(e.details.as_deref(), Some("Receiver is incapable"));
        assert_eq!(e.message, None);
    }
}
