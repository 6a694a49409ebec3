//! What an agent can send, as the API takes it, turned into an `Outbound`
//! with Meta's limits checked (by the `whatsapp` builders) before anything
//! is stored: text, templates (checked against the number's approved
//! templates), media by id or link, reply buttons, lists, reactions and
//! catalog products (checked against the number's synced catalog), each
//! optionally replying to one of the chat's messages.

use serde::Deserialize;
use serde_json::Value;
use tenants::MessageId;
use whatsapp::outbound::{self, ListSection, MediaKind, MediaSource, ProductSection, ReplyButton};

use actors::{CatalogSnapshot, ConversationRecord, NumberHandle, Outbound};

use crate::error::ApiError;

/// Body of `POST /api/conversations/{id}/messages`.
#[derive(Debug, Deserialize)]
pub struct SendBody {
    /// What to send.
    #[serde(flatten)]
    pub kind: SendKind,
    /// The chat message this one replies to.
    #[serde(default)]
    pub reply_to: Option<MessageId>,
}

/// A media message: an uploaded media id (`POST /api/numbers/{id}/media`)
/// or a public link.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaBody {
    media_id: Option<String>,
    link: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
}

/// The kinds of message, by `type`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SendKind {
    /// Free-form text.
    Text {
        text: String,
        #[serde(default)]
        preview_url: bool,
    },
    /// A template, as Meta's send API takes it.
    Template { template: Value },
    /// An image.
    Image(MediaBody),
    /// A video.
    Video(MediaBody),
    /// An audio file.
    Audio(MediaBody),
    /// A document (with a file name).
    Document(MediaBody),
    /// A sticker.
    Sticker(MediaBody),
    /// Up to three reply buttons.
    Buttons { text: String, header: Option<String>, footer: Option<String>, buttons: Vec<ReplyButton> },
    /// A list of up to ten rows in sections.
    List {
        text: String,
        button: String,
        header: Option<String>,
        footer: Option<String>,
        sections: Vec<ListSection>,
    },
    /// A reaction to one of the chat's messages (empty emoji removes it).
    Reaction { message_id: MessageId, emoji: String },
    /// One product of the number's catalog.
    Product { product_retailer_id: String, text: Option<String>, footer: Option<String> },
    /// Up to 30 products in up to 10 sections: a cart the customer fills.
    ProductList { header: String, text: String, footer: Option<String>, sections: Vec<ProductSection> },
}

fn invalid(e: whatsapp::OutboundError) -> ApiError {
    ApiError::unprocessable("invalid_message", e.to_string())
}

fn media(to: &str, kind: MediaKind, m: MediaBody) -> Result<Outbound, ApiError> {
    let source = match (m.media_id, m.link) {
        (Some(id), None) => MediaSource::Id(id),
        (None, Some(link)) => MediaSource::Link(link),
        _ => return Err(ApiError::unprocessable("invalid_message", "give exactly one of media_id and link")),
    };
    let request = outbound::media(to, kind, source, m.caption.as_deref(), m.filename.as_deref(), None, None)
        .map_err(invalid)?;
    Ok(Outbound::Prepared { kind: kind.as_str().into(), text: m.caption.or(m.filename), request })
}

/// Checks and prepares what the agent asked to send to this chat.
pub async fn outbound(
    number: &NumberHandle,
    record: &ConversationRecord,
    kind: SendKind,
) -> Result<Outbound, ApiError> {
    let to = record.wa_id.as_str();
    Ok(match kind {
        SendKind::Text { text, preview_url } => {
            if text.trim().is_empty() {
                return Err(ApiError::unprocessable("empty_text", "text is empty"));
            }
            outbound::text_message(to, &text, preview_url, None, None).map_err(invalid)?;
            Outbound::Text { body: text, preview_url }
        }
        SendKind::Template { template } => {
            let known = number.templates().await?;
            outbound::validate_template(&template, &known)
                .map_err(|e| ApiError::unprocessable("invalid_template", e.to_string()))?;
            Outbound::Template { template }
        }
        SendKind::Image(m) => media(to, MediaKind::Image, m)?,
        SendKind::Video(m) => media(to, MediaKind::Video, m)?,
        SendKind::Audio(m) => media(to, MediaKind::Audio, m)?,
        SendKind::Document(m) => media(to, MediaKind::Document, m)?,
        SendKind::Sticker(m) => media(to, MediaKind::Sticker, m)?,
        SendKind::Buttons { text, header, footer, buttons } => {
            let message = outbound::ButtonsMessage { header, body: text.clone(), footer, buttons };
            let request = outbound::buttons(to, &message, None, None).map_err(invalid)?;
            Outbound::Prepared { kind: "interactive".into(), text: Some(text), request }
        }
        SendKind::List { text, button, header, footer, sections } => {
            let message = outbound::ListMessage { header, body: text.clone(), footer, button, sections };
            let request = outbound::list(to, &message, None, None).map_err(invalid)?;
            Outbound::Prepared { kind: "interactive".into(), text: Some(text), request }
        }
        SendKind::Reaction { message_id, emoji } => Outbound::Reaction { target: message_id, emoji },
        SendKind::Product { product_retailer_id, text, footer } => {
            let snapshot = number.catalog().await?;
            let catalog_id = catalog_id(&snapshot)?;
            let request = outbound::product(
                to,
                &catalog_id,
                &product_retailer_id,
                text.as_deref(),
                footer.as_deref(),
                None,
                None,
            )
            .map_err(invalid)?;
            known_products(&snapshot, [product_retailer_id.as_str()])?;
            Outbound::Prepared { kind: "interactive".into(), text, request }
        }
        SendKind::ProductList { header, text, footer, sections } => {
            let snapshot = number.catalog().await?;
            let catalog_id = catalog_id(&snapshot)?;
            let message = outbound::ProductListMessage { header, body: text.clone(), footer, sections };
            let request = outbound::product_list(to, &catalog_id, &message, None, None).map_err(invalid)?;
            let ids = message.sections.iter().flat_map(|s| s.product_retailer_ids.iter().map(String::as_str));
            known_products(&snapshot, ids)?;
            Outbound::Prepared { kind: "interactive".into(), text: Some(text), request }
        }
    })
}

/// The catalog products are sent from: the number's synced one.
fn catalog_id(snapshot: &CatalogSnapshot) -> Result<String, ApiError> {
    snapshot.catalog.id.clone().ok_or_else(|| {
        let why = snapshot.status.last_error.as_deref().unwrap_or("it has not been synced yet");
        ApiError::unprocessable("no_catalog", format!("this number has no catalog to send from: {why}"))
    })
}

/// Every product must be in the catalog: Meta would refuse the message.
fn known_products<'a>(
    snapshot: &CatalogSnapshot,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<(), ApiError> {
    let unknown: Vec<&str> = ids.into_iter().filter(|id| snapshot.catalog.product(id).is_none()).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::unprocessable("unknown_product", format!("not in the catalog: {}", unknown.join(", "))))
}
