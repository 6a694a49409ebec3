//! Meta's webhook notifications, from raw body to typed values.
//!
//! - `parse`: [`parse_notification`], the one entry point, all or nothing.
//! - `types`: the envelope: [`Notification`] > [`Entry`] (an account) >
//!   [`Change`] (a number) > [`ChangeValue`] (contacts, messages, statuses).
//! - `content`: [`InboundMessage`] and its [`Content`], one variant per
//!   message type; stored with bincode elsewhere, so their serde stays plain.
//! - `message`: one message object into an `InboundMessage`, dispatched on
//!   `type`, never dropped.
//! - `wire`: private serde mirrors of Meta's JSON.
//! - tests only: `fixtures` (small bodies inline), `corpus` (the shared
//!   corpus in `tests/fixtures/webhooks/`), `props` (property tests: no
//!   body panics the parser).
//!
//! The signature is checked before parsing, on the raw bytes
//! (see [`crate::signature`]).

mod content;
mod message;
mod parse;
mod types;
mod wire;

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod props;

pub use content::{Content, InboundMessage, Media, MessageContext, OrderItem, Referral};
pub use parse::parse_notification;
pub use types::{Change, ChangeValue, Contact, DeliveryStatus, Entry, MetaError, Notification, StatusUpdate};
