//! The WhatsApp Cloud API, shown end to end (issue 4, "How it is shown"):
//! every body of the webhook corpus posted signed and read back through the
//! REST API, statuses, media, the outbound bodies exactly as Meta documents
//! them, templates, read receipts, the window, and the fake Graph API made
//! to fail, time out and answer late.
//!
//! - `inbound`: the corpus, file by file; unknown fields; malformed bodies;
//!   profile names; the two-number batch.
//! - `statuses`: status fixtures, never backwards, early statuses, callback
//!   settlement of a send whose answer was lost.
//! - `media`: received media fetched, checked and served; uploads.
//! - `outbound`: Meta's bodies for buttons, lists, media, reactions and
//!   replies; Meta's limits.
//! - `templates`: listing and validated template sends.
//! - `failures`: read receipts, 131047, 190, retries, permanent errors.

mod failures;
mod inbound;
mod media;
mod outbound;
mod statuses;
mod templates;

use serde_json::Value;
use switchboard::config::Settings;

use crate::support::cloud_client::items;
use crate::support::fixtures::{first_message, Placeholders};
use crate::support::{poll_until, spawn_app_with, TestApp, TestTenant, WAIT};

/// The corpus's customer (`"Sheena Nelson"`).
pub const SHEENA: &str = "16315551181";

/// A tenant whose customer Sheena has written (`text.json`).
pub struct Chat {
    /// The running app.
    pub app: TestApp,
    /// The tenant.
    pub tenant: TestTenant,
    /// Sheena's conversation.
    pub conversation_id: String,
    /// The wamid of her first message.
    pub inbound_wamid: String,
    /// Our id of her first message.
    pub inbound_id: String,
}

/// An app with the test settings changed by `tweak`, a tenant (its number
/// with its own app secret) and Sheena's first message (`text.json`).
pub async fn chat_with(tweak: impl FnOnce(&mut Settings)) -> Chat {
    let app = spawn_app_with(tweak).await;
    let tenant = app.onboard_tenant("Lucky Shrub").await;
    chat_on(app, tenant).await
}

/// [`chat_with`] with the test settings as they are.
pub async fn chat() -> Chat {
    chat_with(|_| {}).await
}

/// Sheena writes `text.json` to `tenant`.
pub async fn chat_on(app: TestApp, tenant: TestTenant) -> Chat {
    let body = tenant.post_fixture("text", &Placeholders::new(&tenant.number().meta)).await;
    let inbound_wamid = first_message(&body)["id"].as_str().expect("a wamid").to_string();
    let conversation = tenant.wait_for_conversation(SHEENA).await;
    let conversation_id = conversation["id"].as_str().expect("conversation id").to_string();
    let messages = tenant.messages_of(&conversation_id).await;
    let inbound_id = messages[0]["id"].as_str().expect("message id").to_string();
    Chat { app, tenant, conversation_id, inbound_wamid, inbound_id }
}

impl Chat {
    /// Placeholders for this tenant's first number.
    pub fn placeholders(&self) -> Placeholders {
        Placeholders::new(&self.tenant.number().meta)
    }

    /// The conversation's messages, as the manager sees them.
    pub async fn messages(&self) -> Vec<Value> {
        self.tenant.messages_of(&self.conversation_id).await
    }

    /// The message with `field` equal to `value`; panics if there is none.
    pub async fn message_where(&self, field: &str, value: &str) -> Value {
        let messages = self.messages().await;
        messages
            .iter()
            .find(|m| m[field] == value)
            .cloned()
            .unwrap_or_else(|| panic!("no message with {field} = {value} in {messages:#?}"))
    }

    /// The conversation, as the manager sees it.
    pub async fn conversation(&self) -> Value {
        self.tenant.manager.get_conversation(&self.conversation_id).await.expect(200)
    }

    /// `POST .../messages` with `body`, expecting 202; the message.
    pub async fn send(&self, body: &Value) -> Value {
        self.tenant.manager.send_message(&self.conversation_id, body, None).await.expect(202)
    }

    /// Waits until message `id` satisfies `ok` (what: for the panic).
    pub async fn wait_message(&self, id: &Value, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        poll_until(WAIT, what, || async {
            self.messages().await.into_iter().find(|m| m["id"] == *id && ok(m))
        })
        .await
    }

    /// Sends a text and waits until Meta's answer made it `sent`; returns
    /// the message (with its wamid).
    pub async fn send_text_until_sent(&self, text: &str) -> Value {
        let accepted = self.send(&serde_json::json!({"type": "text", "text": text})).await;
        self.wait_message(&accepted["id"], &format!("{text:?} to be sent"), |m| m["status"] == "sent").await
    }

    /// The number of messages Meta was asked to send so far.
    pub fn sends(&self) -> usize {
        self.app.graph.send_requests().len()
    }

    /// The items of `GET /api/numbers` for this tenant's manager.
    pub async fn numbers(&self) -> Vec<Value> {
        items(&self.tenant.manager.list_numbers().await.expect(200))
    }
}
