//! WhatsApp Cloud API: what Switchboard needs to speak Meta's side.
//!
//! - [`signature`]: the `X-Hub-Signature-256` check on webhook POSTs.
//! - [`webhook`]: webhook bodies into typed notifications, messages and
//!   delivery statuses.
//! - [`outbound`]: the JSON bodies we send, shaped as Meta documents them
//!   and checked against Meta's limits; template sends checked against the
//!   account's templates.
//! - [`template`]: message templates as Meta lists them, and the
//!   parameters each takes.
//! - [`graph`]: the Graph API client, a trait plus its HTTP implementation
//!   (messages, read receipts, media, templates).
//! - [`catalog`]: commerce catalogs, products and product sets as Meta
//!   lists them, and their prices in exact units.
//! - [`sandbox`]: the demo's built-in Cloud API stand-in (`--demo`).
//! - [`error`]: every error this crate returns.
//!
//! No I/O happens here except inside [`graph::HttpGraph`].

pub mod catalog;
pub mod error;
pub mod graph;
pub mod outbound;
pub mod sandbox;
pub mod signature;
pub mod template;
pub mod webhook;

pub use catalog::{CatalogInfo, Product, ProductSet};
pub use error::{GraphError, OutboundError, OutboundProblem, SignatureError, WebhookError};
pub use graph::{GraphApi, HttpGraph, MediaInfo, NumberAuth, SentMessage};
pub use sandbox::{Sandbox, SandboxNumber, SignedWebhook};
pub use signature::{sign, verify_signature};
pub use template::{ButtonParams, Template, TemplateParams};
pub use webhook::{
    parse_notification, Change, ChangeValue, Contact, Content, DeliveryStatus, Entry, InboundMessage, Media,
    MessageContext, MetaError, Notification, OrderItem, Referral, StatusUpdate,
};
