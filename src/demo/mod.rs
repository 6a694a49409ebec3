//! `switchboard --demo`: the whole product on one machine, no Meta account.
//!
//! - [`Demo`] owns the [`Sandbox`] (the built-in Cloud API stand-in, the
//!   server's `GraphApi` in demo mode) and delivers the sandbox's status
//!   webhooks to the server's own `POST /webhooks/whatsapp` over loopback,
//!   signed like Meta's, so every message runs the real pipeline;
//! - `seed`: onboards the "Demo Shop" tenant through the public HTTP API
//!   (idempotently) and prints the sign-in details;
//! - `simulator`: the customer simulator's routes (mounted by `router()`
//!   only in demo mode): write as a customer, see the business's replies;
//! - `loopback`: the few lines of HTTP client all of that needs.

mod loopback;
pub mod seed;
pub mod simulator;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;
use whatsapp::sandbox::customer_webhook;
use whatsapp::{GraphApi, Sandbox, SandboxNumber, SignedWebhook};

pub use loopback::{Loopback, Reply};

use crate::error::ApiError;

/// The demo number's Meta ids (digits, as Meta's are).
pub const PHONE_NUMBER_ID: &str = "109000000000001";
/// The demo WhatsApp Business Account.
pub const WABA_ID: &str = "109000000000002";
/// The demo number as people dial it.
pub const DISPLAY_NUMBER: &str = "+1 555 010 0199";
/// The app secret the sandbox signs with and the demo number is registered with.
pub const APP_SECRET: &str = "switchboard-demo-app-secret";
/// The platform admin of a demo deployment (fixed, printed).
pub const ADMIN_EMAIL: &str = "admin@demo.switchboard.test";
/// Its password.
pub const ADMIN_PASSWORD: &str = "demo-admin-pass";
/// The demo tenant's name.
pub const TENANT_NAME: &str = "Demo Shop";
/// The demo manager.
pub const MANAGER_EMAIL: &str = "manager@demo-shop.test";
/// The demo manager's password.
pub const MANAGER_PASSWORD: &str = "demo-manager-pass";
/// The two demo staff: (email, name, team).
pub const STAFF: [(&str, &str, &str); 2] =
    [("aisha@demo-shop.test", "Aisha Khan", "Sales"), ("ben@demo-shop.test", "Ben Carter", "Support")];
/// The demo staff's password (both).
pub const STAFF_PASSWORD: &str = "demo-staff-pass";

/// How many times a webhook is offered to the server before giving up.
const WEBHOOK_ATTEMPTS: u32 = 6;

/// What a simulated customer sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerInput {
    /// A typed message.
    Text(String),
    /// A reply button tapped.
    Button { id: String, title: String },
    /// A list row picked.
    ListRow { id: String, title: String, description: Option<String> },
    /// A cart sent from the demo catalog: (retailer id, quantity) and a note.
    Order { items: Vec<(String, u32)>, text: Option<String> },
}

/// The demo's devices: the sandbox and the way back to the server.
pub struct Demo {
    sandbox: Arc<Sandbox>,
    /// The server's own address, known once it is bound.
    server: OnceLock<Loopback>,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo").field("server", &self.server.get()).finish_non_exhaustive()
    }
}

impl Demo {
    /// A demo with a fresh sandbox that knows the demo number.
    pub fn new() -> Arc<Self> {
        let sandbox = Arc::new(Sandbox::new(APP_SECRET));
        sandbox.register_number(Self::number());
        Arc::new(Self { sandbox, server: OnceLock::new() })
    }

    /// The demo number as webhooks describe it.
    pub fn number() -> SandboxNumber {
        SandboxNumber {
            phone_number_id: PHONE_NUMBER_ID.into(),
            display_phone_number: DISPLAY_NUMBER.chars().filter(char::is_ascii_digit).collect(),
            waba_id: WABA_ID.into(),
        }
    }

    /// The Graph API the server talks to in demo mode.
    pub fn graph(&self) -> Arc<dyn GraphApi> {
        self.sandbox.clone()
    }

    /// The sandbox (the simulator reads its transcripts).
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Once the server is bound: routes the sandbox's webhooks to it, then
    /// seeds the demo tenant in the background and prints the sign-in
    /// details when done.
    pub fn start(self: &Arc<Self>, bound: SocketAddr) {
        let client = Loopback::new(bound);
        let _ = self.server.set(client.clone());
        let (tx, mut rx) = mpsc::unbounded_channel::<SignedWebhook>();
        self.sandbox.set_webhook_sink(Box::new(move |webhook| {
            let _ = tx.send(webhook);
        }));
        let deliverer = client.clone();
        // One task, so statuses arrive in the order the sandbox made them.
        tokio::spawn(async move {
            while let Some(webhook) = rx.recv().await {
                if let Err(e) = deliver(&deliverer, &webhook).await {
                    tracing::warn!(error = %e, "demo: a sandbox status webhook was not accepted");
                }
            }
        });
        let demo = self.clone();
        tokio::spawn(async move {
            match seed::run(&demo, &client).await {
                Ok(details) => println!("{details}"),
                Err(e) => tracing::error!(error = %format!("{e:#}"), "demo: seeding failed"),
            }
        });
    }

    fn server(&self) -> Result<&Loopback, ApiError> {
        self.server.get().ok_or_else(|| ApiError::Unavailable("the demo is still starting".into()))
    }

    /// Writes as the customer `wa_id`: builds Meta's webhook for it, signs
    /// it with the number's app secret and posts it to the server's own
    /// `/webhooks/whatsapp`. Returns the new message's wamid.
    pub async fn customer_says(
        &self,
        wa_id: &str,
        name: &str,
        input: CustomerInput,
    ) -> Result<String, ApiError> {
        let server = self.server()?;
        let number = Self::number();
        let wamid = self.sandbox.new_wamid();
        let timestamp = (actors::clock::now_ms() / 1000).to_string();
        let mut message = json!({"from": wa_id, "id": wamid, "timestamp": timestamp});
        match input {
            CustomerInput::Text(text) => {
                message["type"] = "text".into();
                message["text"] = json!({ "body": text });
            }
            CustomerInput::Button { id, title } => {
                message["type"] = "interactive".into();
                message["interactive"] =
                    json!({"type": "button_reply", "button_reply": {"id": id, "title": title}});
            }
            CustomerInput::ListRow { id, title, description } => {
                let mut row = json!({"id": id, "title": title});
                if let Some(d) = description {
                    row["description"] = d.into();
                }
                message["type"] = "interactive".into();
                message["interactive"] = json!({"type": "list_reply", "list_reply": row});
            }
            CustomerInput::Order { items, text } => {
                message["type"] = "order".into();
                message["order"] = demo_order(&items, text.as_deref());
            }
        }
        if message["type"] == "interactive" {
            // A tap answers the business's latest interactive message.
            let asked = self
                .sandbox
                .transcript(PHONE_NUMBER_ID, wa_id)
                .into_iter()
                .rev()
                .find(|e| e.message["type"] == "interactive")
                .map(|e| e.wamid);
            if let Some(asked) = asked {
                message["context"] = json!({"from": number.display_phone_number, "id": asked});
            }
        }
        let payload = customer_webhook(&number, wa_id, name, message.clone());
        self.sandbox.record_customer(PHONE_NUMBER_ID, wa_id, name, message);
        deliver(server, &self.sandbox.sign(&payload)).await.map_err(ApiError::Unavailable)?;
        Ok(wamid)
    }
}

/// Meta's `order` object for a cart of demo products, priced from the demo
/// catalog as WhatsApp prices a cart (unknown ids were refused before).
fn demo_order(items: &[(String, u32)], text: Option<&str>) -> Value {
    let products = whatsapp::sandbox::catalog::products();
    let lines: Vec<Value> = items
        .iter()
        .filter_map(|(id, quantity)| {
            let p = products.iter().find(|p| &p.retailer_id == id)?;
            let price = p.price_minor().unwrap_or(0) as f64 / 100.0;
            Some(json!({"product_retailer_id": id, "quantity": quantity, "item_price": price, "currency": p.currency}))
        })
        .collect();
    let mut order = json!({"catalog_id": whatsapp::sandbox::catalog::CATALOG_ID, "product_items": lines});
    if let Some(text) = text {
        order["text"] = text.into();
    }
    order
}

/// Posts one signed webhook, retrying while the server is busy.
async fn deliver(server: &Loopback, webhook: &SignedWebhook) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..WEBHOOK_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
        let headers = [("X-Hub-Signature-256", webhook.signature.as_str())];
        match server.send("POST", "/webhooks/whatsapp", Some(webhook.body.clone()), &headers).await {
            Ok(reply) if reply.ok() => return Ok(()),
            Ok(reply) if reply.status < 500 && reply.status != 429 => {
                return Err(format!("the server answered {}: {}", reply.status, reply.body))
            }
            Ok(reply) => last = format!("the server answered {}", reply.status),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// `{"items": [...]}`.
fn items(values: Vec<Value>) -> Value {
    json!({ "items": values })
}
