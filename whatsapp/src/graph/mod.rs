//! The Graph API client: the [`GraphApi`] trait the rest of Switchboard
//! calls, and [`HttpGraph`], its implementation over HTTPS.
//!
//! Callers hold an `Arc<dyn GraphApi>` so tests and the demo sandbox can
//! swap in a fake. Each method takes the [`NumberAuth`] of the business
//! number it acts for: one deployment talks to Meta for many tenants.

mod http;

pub use http::HttpGraph;

use async_trait::async_trait;

use crate::error::GraphError;

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

/// The Cloud API calls Switchboard makes. One method per Meta endpoint;
/// templates, media and the like join as further methods.
#[async_trait]
pub trait GraphApi: Send + Sync + 'static {
    /// `POST /{phone_number_id}/messages` with a message `body` as built
    /// by [`crate::outbound`]; Meta's answer carries the new wamid.
    async fn send_message(
        &self,
        auth: &NumberAuth,
        body: &serde_json::Value,
    ) -> Result<SentMessage, GraphError>;
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
