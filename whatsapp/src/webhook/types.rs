//! The envelope of a webhook notification as callers see it: entries per
//! WhatsApp Business Account, changes per business number, and what a
//! change carries besides messages (contacts, delivery statuses, errors).
//!
//! These are domain types, not wire types: Meta's JSON is read by the
//! private `wire` module and converted into them, so their serde derives
//! stay plain and they can be stored with bincode.

use serde::{Deserialize, Serialize};

use super::content::InboundMessage;

/// One POST from Meta. A single body may carry several entries (accounts),
/// each with several changes (numbers), each with several messages and
/// statuses: callers walk all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// `"whatsapp_business_account"` for the Cloud API.
    pub object: String,
    pub entries: Vec<Entry>,
}

/// The changes for one WhatsApp Business Account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The WABA id.
    pub id: String,
    pub changes: Vec<Change>,
}

/// One change. Only `field == "messages"` is read; any other field (template
/// status, account updates...) is kept with an empty [`ChangeValue`] so
/// callers can see it arrived and skip it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub value: ChangeValue,
}

impl Change {
    /// True for the `messages` field, the only one with content.
    pub fn is_messages(&self) -> bool {
        self.field == "messages"
    }
}

/// What happened on one business number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeValue {
    /// `metadata.phone_number_id`: routes the change to a tenant's number.
    pub phone_number_id: String,
    pub display_phone_number: String,
    /// The senders of `messages`, with their profile names.
    pub contacts: Vec<Contact>,
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<StatusUpdate>,
    /// Errors about the number or the app rather than one message.
    pub errors: Vec<MetaError>,
}

impl ChangeValue {
    /// The profile name Meta sent for `wa_id`, if any.
    pub fn profile_name(&self, wa_id: &str) -> Option<&str> {
        self.contacts.iter().find(|c| c.wa_id == wa_id).and_then(|c| c.profile_name.as_deref())
    }
}

/// A customer named in a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub wa_id: String,
    /// `profile.name`: what the customer calls themselves on WhatsApp.
    pub profile_name: Option<String>,
}

/// A delivery report for a message we sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The wamid Meta returned when we sent the message.
    pub wamid: String,
    pub status: DeliveryStatus,
    /// Unix seconds; 0 when Meta left it out.
    pub timestamp: i64,
    /// The customer's wa_id.
    pub recipient_id: String,
    /// Why a `failed` message failed.
    pub errors: Vec<MetaError>,
    /// The `biz_opaque_callback_data` we put on the message when sending
    /// it, echoed by Meta (up to 512 characters): lets a sender recognise
    /// its own message even before it learned the wamid (exactly-once
    /// sends). `None` when we sent none. Meta's `conversation` and
    /// `pricing` objects are not read.
    pub biz_opaque_callback_data: Option<String>,
}

/// Where a sent message is. Statuses can arrive out of order: compare
/// [`rank`](DeliveryStatus::rank) and never move backwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
    /// Any other status Meta sends (`deleted`, `warning`, ...), verbatim.
    Other(String),
}

impl DeliveryStatus {
    /// Reads Meta's `status` string.
    pub fn from_meta(status: &str) -> Self {
        match status {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "failed" => DeliveryStatus::Failed,
            other => DeliveryStatus::Other(other.to_string()),
        }
    }

    /// Meta's `status` string.
    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Other(other) => other,
        }
    }

    /// Progress order: sent 1 < delivered 2 < read 3. `Failed` and `Other`
    /// are 0: failure is terminal and handled by the caller, not ranked.
    pub fn rank(&self) -> u8 {
        match self {
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Read => 3,
            DeliveryStatus::Failed | DeliveryStatus::Other(_) => 0,
        }
    }
}

/// One of Meta's error objects, as found in statuses and changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaError {
    pub code: i64,
    pub title: Option<String>,
    pub message: Option<String>,
    /// `error_data.details`.
    pub details: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_strings_round_trip() {
        for s in ["sent", "delivered", "read", "failed", "deleted"] {
            assert_eq!(DeliveryStatus::from_meta(s).as_str(), s);
        }
        assert_eq!(DeliveryStatus::from_meta("warning"), DeliveryStatus::Other("warning".into()));
    }

    #[test]
    fn rank_orders_progress() {
        let [sent, delivered, read] =
            ["sent", "delivered", "read"].map(|s| DeliveryStatus::from_meta(s).rank());
        assert!(sent < delivered && delivered < read);
        assert_eq!(DeliveryStatus::Failed.rank(), 0);
        assert_eq!(DeliveryStatus::Other("deleted".into()).rank(), 0);
    }

    #[test]
    fn profile_name_looks_up_the_sender() {
        let value = ChangeValue {
            contacts: vec![Contact {
                wa_id: "16315551234".into(),
                profile_name: Some("Kerry Fisher".into()),
            }],
            ..ChangeValue::default()
        };
        assert_eq!(value.profile_name("16315551234"), Some("Kerry Fisher"));
        assert_eq!(value.profile_name("1"), None);
    }
}
