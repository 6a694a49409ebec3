//! An inbound customer message and its content, one `Content` variant per
//! message type Meta documents.
//!
//! These types are stored by the `actors` crate with bincode 2, which
//! cannot decode self-describing serde features: the derives here stay
//! plain (externally tagged enums, no `skip_serializing_if`, no `flatten`,
//! no `serde_json::Value`). Free-form JSON is kept as text (`raw_json`).

use serde::{Deserialize, Serialize};

/// One message a customer sent to a business number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// Meta's message id; redeliveries carry the same one.
    pub wamid: String,
    /// The customer's wa_id.
    pub from: String,
    /// Unix seconds (Meta sends them as a string).
    pub timestamp: i64,
    /// Present when the message replies to or forwards another.
    pub context: Option<MessageContext>,
    /// Present when the customer came from a click-to-WhatsApp ad or post.
    pub referral: Option<Referral>,
    pub content: Content,
}

/// `context`: what an inbound message replies to, or that it was forwarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContext {
    /// The sender of the replied-to message (the business number for a
    /// reply to us).
    pub from: Option<String>,
    /// The replied-to wamid.
    pub id: Option<String>,
    pub forwarded: bool,
    pub frequently_forwarded: bool,
}

/// `referral`: the ad or post that led the customer here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub source_url: Option<String>,
    /// `ad` or `post`.
    pub source_type: Option<String>,
    pub source_id: Option<String>,
    pub headline: Option<String>,
    pub body: Option<String>,
    /// `image` or `video`.
    pub media_type: Option<String>,
    /// Click id for conversion reporting.
    pub ctwa_clid: Option<String>,
}

/// A media attachment; `id` is what the Graph API's media endpoint takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub caption: Option<String>,
}

/// One line of a catalog order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_retailer_id: String,
    pub quantity: u32,
    /// Unit price, in `currency`.
    pub item_price: f64,
    pub currency: String,
}

/// What a message says, by Meta message type. A message is never dropped:
/// anything this crate cannot read is kept as [`Content::Unsupported`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Content {
    Text {
        body: String,
    },
    Image(Media),
    Video(Media),
    Audio {
        media: Media,
        /// A voice note recorded in WhatsApp, not a shared audio file.
        voice: bool,
    },
    Document {
        media: Media,
        filename: Option<String>,
    },
    Sticker {
        media: Media,
        animated: bool,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
        url: Option<String>,
    },
    /// Shared contact cards: the `contacts` array as JSON text.
    Contacts {
        raw_json: String,
    },
    /// `interactive` / `button_reply`: a reply button was tapped.
    ButtonReply {
        id: String,
        title: String,
    },
    /// `interactive` / `list_reply`: a list row was chosen.
    ListReply {
        id: String,
        title: String,
        description: Option<String>,
    },
    /// `button`: a template's quick-reply button was tapped.
    Button {
        payload: Option<String>,
        text: String,
    },
    /// A reaction to `message_wamid`; `emoji` is `None` when it was removed.
    Reaction {
        message_wamid: String,
        emoji: Option<String>,
    },
    /// A cart sent from the catalog.
    Order {
        catalog_id: String,
        text: Option<String>,
        items: Vec<OrderItem>,
    },
    /// `system`: e.g. `user_changed_number`, with the new wa_id.
    System {
        kind: Option<String>,
        body: Option<String>,
        new_wa_id: Option<String>,
    },
    /// Meta's `unsupported` type, a type this crate does not know, or a
    /// known type whose object did not parse. `raw_json` is the whole
    /// message object as received.
    Unsupported {
        type_name: String,
        raw_json: String,
    },
}

impl Content {
    /// Meta's `type` string for this message: `"text"`, `"image"`,
    /// `"interactive"`, `"button"`, ...
    pub fn type_name(&self) -> &str {
        match self {
            Content::Text { .. } => "text",
            Content::Image(_) => "image",
            Content::Video(_) => "video",
            Content::Audio { .. } => "audio",
            Content::Document { .. } => "document",
            Content::Sticker { .. } => "sticker",
            Content::Location { .. } => "location",
            Content::Contacts { .. } => "contacts",
            Content::ButtonReply { .. } | Content::ListReply { .. } => "interactive",
            Content::Button { .. } => "button",
            Content::Reaction { .. } => "reaction",
            Content::Order { .. } => "order",
            Content::System { .. } => "system",
            Content::Unsupported { type_name, .. } => type_name,
        }
    }

    /// The words a list preview or a search should see: the text body, a
    /// caption, a document's file name, a tapped button's title, ...
    pub fn preview_text(&self) -> Option<&str> {
        match self {
            Content::Text { body } => Some(body),
            Content::Image(media) | Content::Video(media) => media.caption.as_deref(),
            Content::Document { media, filename } => media.caption.as_deref().or(filename.as_deref()),
            Content::Location { name, address, .. } => name.as_deref().or(address.as_deref()),
            Content::ButtonReply { title, .. } | Content::ListReply { title, .. } => Some(title),
            Content::Button { text, .. } => Some(text),
            Content::Reaction { emoji, .. } => emoji.as_deref(),
            Content::Order { text, .. } => text.as_deref(),
            Content::System { body, .. } => body.as_deref(),
            Content::Audio { .. }
            | Content::Sticker { .. }
            | Content::Contacts { .. }
            | Content::Unsupported { .. } => None,
        }
    }

    /// The attachment to fetch, for media messages.
    pub fn media(&self) -> Option<&Media> {
        match self {
            Content::Image(media) | Content::Video(media) => Some(media),
            Content::Audio { media, .. }
            | Content::Document { media, .. }
            | Content::Sticker { media, .. } => Some(media),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::{fixtures, parse_notification};

    fn every_message() -> Vec<InboundMessage> {
        let n = parse_notification(fixtures::EVERY_TYPE.as_bytes()).unwrap();
        n.entries[0].changes[0].value.messages.clone()
    }

    #[test]
    fn every_content_type_round_trips_through_bincode() {
        let messages = every_message();
        assert!(messages.len() >= 16);
        for message in messages {
            let config = bincode::config::standard();
            let bytes = bincode::serde::encode_to_vec(&message, config).unwrap();
            let (back, used): (InboundMessage, usize) =
                bincode::serde::decode_from_slice(&bytes, config).unwrap();
            assert_eq!(used, bytes.len(), "{}", message.content.type_name());
            assert_eq!(back, message);
        }
    }

    #[test]
    fn type_names_are_metas() {
        let names: Vec<String> = every_message().iter().map(|m| m.content.type_name().to_string()).collect();
        assert_eq!(
            names,
            [
                "text",
                "image",
                "video",
                "audio",
                "document",
                "sticker",
                "location",
                "contacts",
                "interactive",
                "interactive",
                "button",
                "reaction",
                "reaction",
                "order",
                "system",
                "unsupported",
            ]
        );
    }

    #[test]
    fn previews_pick_the_readable_part() {
        let previews: Vec<Option<String>> =
            every_message().iter().map(|m| m.content.preview_text().map(str::to_string)).collect();
        let expected = [
            Some("Hello there"),
            Some("Our new storefront"),
            None,
            None,
            Some("lpt-catalog.pdf"),
            None,
            Some("Philz Coffee"),
            None,
            Some("Yes"),
            Some("Priority Express"),
            Some("Unsubscribe"),
            Some("\u{1F600}"),
            None,
            Some("Love these!"),
            Some("User Sheena Nelson changed from 16505551234 to 12195555358"),
            None,
        ];
        assert_eq!(previews, expected.map(|p| p.map(str::to_string)).to_vec());
    }

    #[test]
    fn media_is_found_on_media_messages_only() {
        let messages = every_message();
        let with_media: Vec<&str> =
            messages.iter().filter(|m| m.content.media().is_some()).map(|m| m.content.type_name()).collect();
        assert_eq!(with_media, ["image", "video", "audio", "document", "sticker"]);
    }
}
