//! The API shapes of conversations and messages (API.md), built from the
//! stored records. REST responses and live WebSocket events use the same
//! views, so the two never drift apart.

use serde::Serialize;

use crate::clock::rfc3339;
use crate::conversation::record::{
    Body, ConversationRecord, Direction, Event, EventActor, EventKind, MessageRecord,
};
use crate::conversation::window::window;

/// `{"wa_id", "name"}`.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerView {
    /// WhatsApp id (the phone number).
    pub wa_id: String,
    /// Profile name.
    pub name: Option<String>,
}

/// `{"open", "expires_at"}`.
#[derive(Debug, Clone, Serialize)]
pub struct WindowView {
    /// Whether a free-form message may be sent.
    pub open: bool,
    /// RFC 3339, or null when the customer never wrote.
    pub expires_at: Option<String>,
}

/// A conversation as API.md shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationView {
    /// Conversation id.
    pub id: String,
    /// Business number id.
    pub number_id: String,
    /// The customer.
    pub customer: CustomerView,
    /// "open" | "closed".
    pub status: &'static str,
    /// Assigned agent.
    pub assignee_id: Option<String>,
    /// Team queue.
    pub team_id: Option<String>,
    /// Label names.
    pub labels: Vec<String>,
    /// Unread customer messages.
    pub unread: u32,
    /// Chatbot on or off.
    pub bot_enabled: bool,
    /// The 24-hour window.
    pub window: WindowView,
    /// Latest activity.
    pub last_message_at: String,
    /// First contact.
    pub created_at: String,
    /// Latest message text, for list rows.
    pub preview: Option<String>,
    /// Contact attributes the customer gave the chatbot.
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Where the chatbot is: `{"flow_id", "version", "step", "finished",
    /// "waiting_until"}`, or null when no flow ran.
    pub bot: Option<serde_json::Value>,
}

impl ConversationView {
    /// The view of `record` at `now_ms` (the window depends on the time).
    pub fn new(record: &ConversationRecord, now_ms: i64) -> Self {
        let w = window(record.last_customer_at_ms, record.window_closed_at_ms, now_ms);
        Self {
            id: record.id.to_string(),
            number_id: record.number_id.to_string(),
            customer: CustomerView {
                wa_id: record.wa_id.clone(),
                name: record.customer_name.as_deref().map(Into::into),
            },
            status: record.status.as_str(),
            assignee_id: record.assignee_id.map(|u| u.to_string()),
            team_id: record.team_id.map(|t| t.to_string()),
            labels: record.labels.clone(),
            unread: record.unread,
            bot_enabled: record.bot_enabled,
            window: WindowView { open: w.open, expires_at: w.expires_at_ms.map(rfc3339) },
            last_message_at: rfc3339(record.last_message_at_ms),
            created_at: rfc3339(record.created_at_ms),
            preview: record.preview.as_deref().map(Into::into),
            attributes: record.attributes.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect(),
            bot: record.bot_run.as_ref().map(|r| {
                serde_json::json!({
                    "flow_id": r.flow_id, "version": r.version, "step": r.step, "finished": r.finished,
                    "waiting_until": r.waiting_until_ms.map(rfc3339),
                })
            }),
        }
    }
}

/// `{"code", "message"}` of a failed message.
#[derive(Debug, Clone, Serialize)]
pub struct MessageErrorView {
    /// Meta's error code.
    pub code: i64,
    /// Meta's reason.
    pub message: String,
}

/// A message as API.md shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    /// Message id.
    pub id: String,
    /// Conversation id.
    pub conversation_id: String,
    /// "in" | "out".
    pub direction: &'static str,
    /// Meta's message type ("text", "image", "template"...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The text, caption or title, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// WhatsApp's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wamid: Option<String>,
    /// Delivery state.
    pub status: &'static str,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<MessageErrorView>,
    /// The agent who wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
    /// When we stored it.
    pub created_at: String,
    /// When the customer sent it (Meta's timestamp), for received messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    /// Sent by the chatbot.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_bot: bool,
    /// The wamid this message replies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// A template message's template object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<serde_json::Value>,
    /// Colleagues a note mentions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// Type-specific details of a received message (media, location,
    /// contacts, replies, order, referral...), in Meta's terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<serde_json::Value>,
    /// Reactions: `[{"from", "emoji"}]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<serde_json::Value>,
    /// Where agents download the media, once stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// WhatsApp marked it forwarded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub forwarded: bool,
    /// The ad the customer came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<serde_json::Value>,
}

/// The details of a received message as JSON, by type.
pub fn content_json(content: &whatsapp::Content) -> serde_json::Value {
    use serde_json::json;
    use whatsapp::Content as C;
    let media = |m: &whatsapp::Media| json!({"id": m.id, "mime_type": m.mime_type, "sha256": m.sha256, "caption": m.caption});
    let raw = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap_or(serde_json::Value::Null);
    match content {
        C::Text { body } => json!({"body": body}),
        C::Image(m) | C::Video(m) => json!({"media": media(m)}),
        C::Audio { media: m, voice } => json!({"media": media(m), "voice": voice}),
        C::Document { media: m, filename } => json!({"media": media(m), "filename": filename}),
        C::Sticker { media: m, animated } => json!({"media": media(m), "animated": animated}),
        C::Location { latitude, longitude, name, address, url } => {
            json!({"latitude": latitude, "longitude": longitude, "name": name, "address": address, "url": url})
        }
        C::Contacts { raw_json } => json!({"contacts": raw(raw_json)}),
        C::ButtonReply { id, title } => json!({"reply": {"kind": "button", "id": id, "title": title}}),
        C::ListReply { id, title, description } => {
            json!({"reply": {"kind": "list", "id": id, "title": title, "description": description}})
        }
        C::Button { payload, text } => json!({"payload": payload, "text": text}),
        C::Reaction { message_wamid, emoji } => json!({"message_id": message_wamid, "emoji": emoji}),
        C::Order { catalog_id, text, items } => json!({
            "catalog_id": catalog_id,
            "text": text,
            "items": items.iter().map(|i| json!({
                "retailer_id": i.product_retailer_id, "quantity": i.quantity,
                "item_price": i.item_price, "currency": i.currency,
            })).collect::<Vec<_>>(),
        }),
        C::System { kind, body, new_wa_id } => json!({"kind": kind, "body": body, "new_wa_id": new_wa_id}),
        C::Unsupported { type_name, raw_json } => json!({"unsupported": type_name, "raw": raw(raw_json)}),
    }
}

impl MessageView {
    /// The view of a stored message.
    pub fn new(m: &MessageRecord) -> Self {
        let mut mentions = Vec::new();
        let mut content_details = None;
        let (kind, text, template) = match &m.body {
            Body::Received(content) => {
                content_details = Some(content_json(content));
                (content.type_name().to_string(), content.preview_text().map(str::to_string), None)
            }
            Body::Text { body, .. } => ("text".to_string(), Some(body.clone()), None),
            Body::Template { json, .. } => ("template".to_string(), None, serde_json::from_str(json).ok()),
            Body::Prepared { kind, text, json } => {
                content_details = serde_json::from_str::<serde_json::Value>(json)
                    .ok()
                    .and_then(|mut v| v.get_mut(kind.as_str()).map(std::mem::take));
                (kind.clone(), text.clone(), None)
            }
            Body::Note { text, mentions: m } => {
                mentions = m.iter().map(|u| u.to_string()).collect();
                ("note".to_string(), Some(text.clone()), None)
            }
        };
        Self {
            id: m.id.to_string(),
            conversation_id: m.conversation_id.to_string(),
            direction: match m.direction {
                Direction::In => "in",
                Direction::Out => "out",
                Direction::Internal => "internal",
            },
            kind,
            text,
            wamid: m.wamid.clone(),
            status: m.status.as_str(),
            error: m.error.as_ref().map(|e| MessageErrorView { code: e.code, message: e.message.clone() }),
            author_id: m.author_id.map(|u| u.to_string()),
            created_at: rfc3339(m.created_at_ms),
            sent_at: m.sent_at_ms.map(rfc3339),
            by_bot: m.direction == Direction::Out && m.author_id.is_none(),
            reply_to: m.reply_to.clone(),
            template,
            mentions,
            content: content_details,
            reactions: m.reactions.iter().map(|r| serde_json::json!({"from": r.from, "emoji": r.emoji})).collect(),
            media_url: m
                .media
                .as_ref()
                .map(|_| format!("/api/conversations/{}/messages/{}/media", m.conversation_id, m.id)),
            forwarded: m.forwarded,
            referral: m.referral.as_ref().map(|r| {
                serde_json::json!({
                    "source_url": r.source_url, "source_type": r.source_type, "source_id": r.source_id,
                    "headline": r.headline, "body": r.body, "media_type": r.media_type, "ctwa_clid": r.ctwa_clid,
                })
            }),
        }
    }
}

/// One entry of the audit trail, as the API shows it: `{"seq", "at", "by":
/// {"type", "user_id"?}, "type", ...details}`.
pub fn event_json(e: &Event) -> serde_json::Value {
    use serde_json::json;
    let by = match e.by {
        EventActor::Customer => json!({"type": "customer"}),
        EventActor::User(u) => json!({"type": "user", "user_id": u.to_string()}),
        EventActor::System => json!({"type": "system"}),
        EventActor::Bot => json!({"type": "bot"}),
    };
    let id = |x: Option<tenants::UserId>| x.map(|u| u.to_string());
    let team = |x: Option<tenants::TeamId>| x.map(|t| t.to_string());
    let (kind, details) = match &e.kind {
        EventKind::Created => ("created", json!({})),
        EventKind::Reopened => ("reopened", json!({})),
        EventKind::Closed => ("closed", json!({})),
        EventKind::CustomerRenamed { name } => ("customer_renamed", json!({"name": name})),
        EventKind::MessageReceived { message_id } => {
            ("message_received", json!({"message_id": message_id.to_string()}))
        }
        EventKind::MessageQueued { message_id } => {
            ("message_queued", json!({"message_id": message_id.to_string()}))
        }
        EventKind::StatusChanged { message_id, status } => {
            ("status_changed", json!({"message_id": message_id.to_string(), "status": status.as_str()}))
        }
        EventKind::Assigned { assignee, team: t, reason } => {
            ("assigned", json!({"assignee_id": id(*assignee), "team_id": team(*t), "reason": reason}))
        }
        EventKind::Transferred { to_user, to_team } => {
            ("transferred", json!({"to_user_id": id(*to_user), "to_team_id": team(*to_team)}))
        }
        EventKind::NoteAdded { message_id } => ("note_added", json!({"message_id": message_id.to_string()})),
        EventKind::LabelsChanged { labels } => ("labels_changed", json!({"labels": labels})),
        EventKind::BotToggled { enabled } => ("bot_toggled", json!({"enabled": enabled})),
        EventKind::Read => ("read", json!({})),
        EventKind::Reacted { message_id, emoji } => {
            ("reacted", json!({"message_id": message_id.to_string(), "emoji": emoji}))
        }
        EventKind::MediaStored { message_id } => {
            ("media_stored", json!({"message_id": message_id.to_string()}))
        }
        EventKind::OrderPlaced { order_id, total_minor } => {
            ("order_placed", json!({"order_id": order_id.to_string(), "total": *total_minor as f64 / 100.0}))
        }
        EventKind::OrderStatusChanged { order_id, status } => {
            ("order_status_changed", json!({"order_id": order_id.to_string(), "status": status.as_str()}))
        }
    };
    let mut out = json!({"seq": e.seq, "at": rfc3339(e.at_ms), "by": by, "type": kind});
    if let (Some(out), Some(details)) = (out.as_object_mut(), details.as_object()) {
        out.extend(details.clone());
    }
    out
}
