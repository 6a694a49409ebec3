//! The Graph API client: the [`GraphApi`] trait the rest of Switchboard
//! calls, and [`HttpGraph`], its implementation over HTTPS.
//!
//! Callers hold an `Arc<dyn GraphApi>` so tests and the demo sandbox can
//! swap in a fake. Each method takes the [`NumberAuth`] of the business
//! number it acts for: one deployment talks to Meta for many tenants.
//!
//! - `http`: [`HttpGraph`], the shared request plumbing, the trait impl
//!   and the message endpoints (send, mark read).
//! - `lane`: the messages endpoint's own pooled client (hyper, no reqwest).
//! - `meta_error`: Meta's error JSON into [`GraphError::Api`].
//! - `media`: media URL lookup, size-capped download, upload.
//! - `catalog`: the Commerce API reads (catalogs, products, sets).
//! - `paging`: Meta's cursor paging, for every list endpoint.
//! - `templates`: the template list.
//! - `fake` (tests only): a local server that records what it was sent.

mod catalog;
mod http;
mod lane;
mod media;
mod meta_error;
mod paging;
mod templates;

#[cfg(test)]
mod fake;

pub use http::HttpGraph;

use async_trait::async_trait;

use crate::catalog::{CatalogInfo, Product, ProductSet};
use crate::error::GraphError;
use crate::template::Template;

/// Which business number a call acts for, and its access token.
#[derive(Clone, PartialEq, Eq)]
pub struct NumberAuth {
    pub phone_number_id: String,
    pub access_token: String,
}

impl std::fmt::Debug for NumberAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumberAuth")
            .field("phone_number_id", &self.phone_number_id)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

/// What Meta returned for an accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The id later delivery statuses refer to.
    pub wamid: String,
}

/// What `GET /{media-id}` tells about a media object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Where to download it, with the number's token; valid for about five
    /// minutes.
    pub url: String,
    pub mime_type: String,
    /// Meta's SHA-256 of the file: check the download against it.
    pub sha256: String,
    pub file_size: u64,
    pub id: String,
}

/// The Cloud API calls Switchboard makes, one method per Meta endpoint.
#[async_trait]
pub trait GraphApi: Send + Sync + 'static {
    /// `POST /{phone_number_id}/messages` with a message `body` as built
    /// by [`crate::outbound`]; Meta's answer carries the new wamid.
    async fn send_message(
        &self,
        auth: &NumberAuth,
        body: &serde_json::Value,
    ) -> Result<SentMessage, GraphError>;

    /// [`GraphApi::send_message`] with the body as JSON text, as the
    /// outbox stores it: the HTTP client sends it as it is, without
    /// parsing it back and printing it again.
    async fn send_message_json(&self, auth: &NumberAuth, body: &str) -> Result<SentMessage, GraphError> {
        let body =
            serde_json::from_str(body).map_err(|e| GraphError::Decode(format!("stored request: {e}")))?;
        self.send_message(auth, &body).await
    }

    /// `GET /{media-id}?phone_number_id=...`: where an inbound (or
    /// uploaded) media object can be downloaded, and its hash and size.
    async fn media_info(&self, auth: &NumberAuth, media_id: &str) -> Result<MediaInfo, GraphError>;

    /// `GET url` (absolute, from [`MediaInfo::url`]) with the number's
    /// token. A body over `max_bytes`, by `Content-Length` or by counting
    /// while it streams, is [`GraphError::TooLarge`].
    async fn download_media(
        &self,
        auth: &NumberAuth,
        url: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>, GraphError>;

    /// `POST /{phone_number_id}/media` (multipart): uploads a file and
    /// returns its media id, to send by [`crate::outbound::MediaSource::Id`].
    async fn upload_media(
        &self,
        auth: &NumberAuth,
        bytes: Vec<u8>,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, GraphError>;

    /// `POST /{phone_number_id}/messages` with a read receipt for `wamid`
    /// (and so everything before it): the customer sees blue ticks.
    async fn mark_read(&self, auth: &NumberAuth, wamid: &str) -> Result<(), GraphError>;

    /// `GET /{waba_id}/message_templates`, every page: all templates of
    /// the account, in every status (see [`Template::is_approved`]).
    async fn message_templates(&self, auth: &NumberAuth, waba_id: &str) -> Result<Vec<Template>, GraphError>;

    /// `GET /{waba_id}/product_catalogs`: the catalogs connected to the
    /// account (WhatsApp uses the first).
    async fn product_catalogs(
        &self,
        auth: &NumberAuth,
        waba_id: &str,
    ) -> Result<Vec<CatalogInfo>, GraphError>;

    /// `GET /{catalog_id}/products`, every page, with the fields we show.
    async fn catalog_products(&self, auth: &NumberAuth, catalog_id: &str)
        -> Result<Vec<Product>, GraphError>;

    /// `GET /{catalog_id}/product_sets`, every page.
    async fn product_sets(&self, auth: &NumberAuth, catalog_id: &str) -> Result<Vec<ProductSet>, GraphError>;

    /// `GET /{product_set_id}/products`, every page: the retailer ids of
    /// the set's products.
    async fn product_set_products(&self, auth: &NumberAuth, set_id: &str) -> Result<Vec<String>, GraphError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_token() {
        let auth =
            NumberAuth { phone_number_id: "106540352242922".into(), access_token: "EAAGsecret".into() };
        let shown = format!("{auth:?}");
        assert!(shown.contains("106540352242922"));
        assert!(!shown.contains("EAAGsecret"));
    }
}
