//! Request bodies for `POST /{phone_number_id}/messages`, built exactly as
//! Meta documents them, so the JSON we send is written in one place.
//!
//! - `text`: text, template, reaction and read-receipt bodies, and the
//!   `with_callback` / `with_reply_to` helpers.
//! - `media`: image, video, audio, document and sticker by id or link.
//! - `interactive`: reply buttons and lists.
//! - `commerce`: single- and multi-product messages.
//! - `template`: [`validate_template`], a template send checked against
//!   the account's templates before anything goes to Meta.
//! - `check`: the problem collector behind every
//!   [`OutboundError`](crate::OutboundError).
//!
//! The builders that validate are pure: they return the body or every
//! problem found, each with its JSON path and Meta's limit. `text` and
//! `template` predate them and build without checking. Every body carries
//! `messaging_product`, `recipient_type: individual` and `to`; `reply_to`
//! adds `context.message_id` and `callback` adds `biz_opaque_callback_data`
//! (at most 512 characters), which Meta echoes on every status of the
//! message (see [`crate::StatusUpdate::biz_opaque_callback_data`]).

mod check;
mod commerce;
mod interactive;
mod media;
mod template;
mod text;

pub use commerce::{product, product_list, ProductListMessage, ProductSection};
pub use interactive::{buttons, list, ButtonsMessage, ListMessage, ListRow, ListSection, ReplyButton};
pub use media::{media, MediaKind, MediaSource};
pub use template::validate_template;
pub use text::{mark_read, reaction, template, text, text_message, with_callback, with_reply_to};

use serde_json::{json, Value};

use check::{Check, CALLBACK_MAX};

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

/// [`individual`] plus the optional reply context and callback data, with
/// the envelope's own checks added to `check`.
fn envelope(
    check: &mut Check,
    to: &str,
    kind: &str,
    content: Value,
    reply_to: Option<&str>,
    callback: Option<&str>,
) -> Value {
    check.required("to", to);
    let mut body = individual(to, kind, content);
    if let Some(wamid) = reply_to {
        check.required("context.message_id", wamid);
        body = with_reply_to(body, wamid);
    }
    if let Some(data) = callback {
        check.text("biz_opaque_callback_data", data, CALLBACK_MAX);
        body = with_callback(body, data);
    }
    body
}
