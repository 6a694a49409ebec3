//! The demo sandbox: a built-in stand-in for Meta's Cloud API, so
//! `switchboard --demo` runs the whole product on one machine.
//!
//! [`Sandbox`] implements [`GraphApi`]: it accepts every send (for any
//! `phone_number_id`), answers with a fresh wamid, serves two approved
//! templates, keeps uploaded media in memory, and records a transcript per
//! (business number, customer) of everything the business sent — what the
//! customer simulator shows. After each accepted send it hands Meta's
//! `sent`, `delivered` and `read` status webhooks, signed with the app
//! secret, to the sink the server installed ([`Sandbox::set_webhook_sink`]),
//! echoing the send's `biz_opaque_callback_data` exactly as Meta does.
//!
//! It also serves a small clothing catalog (`catalog`, its pictures drawn
//! by `picture`), so products can be browsed and sent and the simulated
//! customer can order.
//!
//! The simulator also records what the customer wrote
//! ([`Sandbox::record_customer`]), so one transcript shows both sides.
//!
//! The sandbox does no I/O of its own: delivering the webhooks is the
//! sink's job.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{json, Value};

pub mod catalog;
pub mod picture;

use crate::catalog::{CatalogInfo, Product, ProductSet};
use crate::error::GraphError;
use crate::graph::{GraphApi, MediaInfo, NumberAuth, SentMessage};
use crate::signature::sign;
use crate::template::Template;

/// A signed webhook the sandbox wants delivered to the server's
/// `POST /webhooks/whatsapp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedWebhook {
    /// The exact body bytes.
    pub body: Vec<u8>,
    /// The `X-Hub-Signature-256` header value for `body`.
    pub signature: String,
}

/// Where the sandbox's webhooks go; installed by the server.
pub type WebhookSink = Box<dyn Fn(SignedWebhook) + Send + Sync>;

/// Who wrote a transcript entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The business (agent, bot or template), through the Cloud API.
    Business,
    /// The simulated customer.
    Customer,
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptEntry {
    /// Meta's id of the message.
    pub wamid: String,
    /// Who sent it.
    pub from: Side,
    /// Unix milliseconds when the sandbox saw it.
    pub at_ms: u64,
    /// `sent`, `delivered` or `read` (for the customer's messages: `read`
    /// once the business marked it read).
    pub status: String,
    /// The message as sent: for the business, the Cloud API send body;
    /// for the customer, the webhook message object.
    pub message: Value,
}

/// A customer the sandbox has seen on a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub wa_id: String,
    /// The profile name they last wrote with (empty when only written to).
    pub name: String,
}

/// How a business number appears in webhooks (`metadata`, entry id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxNumber {
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub waba_id: String,
}

/// What the sandbox remembers. A demo device's scratchpad, not domain
/// state: it lives behind one `Mutex` (held only for map updates, never
/// across an `.await`) because every Graph call and the simulator share it.
#[derive(Default)]
struct Memory {
    /// Per (phone_number_id, wa_id): the conversation, oldest first.
    transcripts: BTreeMap<(String, String), Vec<TranscriptEntry>>,
    /// Profile names by (phone_number_id, wa_id).
    names: HashMap<(String, String), String>,
    /// Numbers registered for webhook metadata.
    numbers: HashMap<String, SandboxNumber>,
    /// Uploaded media by id: (bytes, mime type).
    media: HashMap<String, (Vec<u8>, String)>,
}

/// The built-in Cloud API stand-in. See the module docs.
pub struct Sandbox {
    app_secret: String,
    memory: Mutex<Memory>,
    sink: Mutex<Option<WebhookSink>>,
    next_id: AtomicU64,
    /// Makes wamids unique across restarts of the process.
    boot: u64,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("app_secret", &"[redacted]").finish_non_exhaustive()
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

impl Sandbox {
    /// A sandbox whose webhooks are signed with `app_secret` (the demo
    /// number's app secret).
    pub fn new(app_secret: &str) -> Self {
        Self {
            app_secret: app_secret.to_string(),
            memory: Mutex::new(Memory::default()),
            sink: Mutex::new(None),
            next_id: AtomicU64::new(1),
            boot: now_ms(),
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        // A panic while holding the lock leaves plain maps behind: keep going.
        self.memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Installs where status webhooks go (replacing any earlier sink).
    /// Until one is installed they are dropped.
    pub fn set_webhook_sink(&self, sink: WebhookSink) {
        *self.sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    /// Registers how a number appears in webhooks; unregistered numbers
    /// use their phone_number_id for the display number and the WABA id.
    pub fn register_number(&self, number: SandboxNumber) {
        self.memory().numbers.insert(number.phone_number_id.clone(), number);
    }

    /// The number as webhooks describe it.
    pub fn number(&self, phone_number_id: &str) -> SandboxNumber {
        self.memory().numbers.get(phone_number_id).cloned().unwrap_or_else(|| SandboxNumber {
            phone_number_id: phone_number_id.to_string(),
            display_phone_number: phone_number_id.to_string(),
            waba_id: phone_number_id.to_string(),
        })
    }

    /// A fresh wamid, shaped like Meta's.
    pub fn new_wamid(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("wamid.SANDBOX{:x}{:08x}", self.boot, n)
    }

    /// Everything on (number, customer), oldest first.
    pub fn transcript(&self, phone_number_id: &str, wa_id: &str) -> Vec<TranscriptEntry> {
        let key = (phone_number_id.to_string(), wa_id.to_string());
        self.memory().transcripts.get(&key).cloned().unwrap_or_default()
    }

    /// The customers seen on a number, most recent activity first.
    pub fn customers(&self, phone_number_id: &str) -> Vec<Customer> {
        let memory = self.memory();
        let mut seen: Vec<(u64, Customer)> = memory
            .transcripts
            .iter()
            .filter(|((number, _), _)| number == phone_number_id)
            .map(|((number, wa_id), entries)| {
                let last = entries.last().map(|e| e.at_ms).unwrap_or_default();
                let name = memory.names.get(&(number.clone(), wa_id.clone())).cloned().unwrap_or_default();
                (last, Customer { wa_id: wa_id.clone(), name })
            })
            .collect();
        seen.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        seen.into_iter().map(|(_, c)| c).collect()
    }

    /// Records a message the simulated customer sent (the webhook message
    /// object), so the transcript shows both sides.
    pub fn record_customer(&self, phone_number_id: &str, wa_id: &str, name: &str, message: Value) {
        let wamid = message["id"].as_str().unwrap_or_default().to_string();
        let mut memory = self.memory();
        let key = (phone_number_id.to_string(), wa_id.to_string());
        if !name.is_empty() {
            memory.names.insert(key.clone(), name.to_string());
        }
        memory.transcripts.entry(key).or_default().push(TranscriptEntry {
            wamid,
            from: Side::Customer,
            at_ms: now_ms(),
            status: "delivered".into(),
            message,
        });
    }

    /// Meta's status notification for one of our messages, as JSON.
    pub fn status_webhook(
        &self,
        phone_number_id: &str,
        wamid: &str,
        status: &str,
        recipient: &str,
        callback: Option<&str>,
    ) -> Value {
        let number = self.number(phone_number_id);
        let mut status_obj = json!({
            "id": wamid,
            "status": status,
            "timestamp": (now_ms() / 1000).to_string(),
            "recipient_id": recipient,
            "conversation": {"id": format!("sandbox-{recipient}"), "origin": {"type": "service"}},
            "pricing": {"billable": true, "pricing_model": "PMP", "category": "service"},
        });
        if let Some(data) = callback {
            status_obj["biz_opaque_callback_data"] = data.into();
        }
        notification(&number, json!({"statuses": [status_obj]}))
    }

    /// Signs `payload` the way Meta would.
    pub fn sign(&self, payload: &Value) -> SignedWebhook {
        let body = serde_json::to_vec(payload).unwrap_or_default();
        let signature = sign(&self.app_secret, &body);
        SignedWebhook { body, signature }
    }

    fn deliver(&self, webhook: SignedWebhook) {
        if let Some(sink) = self.sink.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            sink(webhook);
        }
    }

    /// The templates every sandbox account has.
    pub fn templates() -> Vec<Template> {
        vec![
            Template {
                name: "hello_world".into(),
                language: "en_US".into(),
                status: "APPROVED".into(),
                category: "UTILITY".into(),
                components_json: json!([
                    {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
                    {"type": "BODY", "text": "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta."},
                    {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"}
                ])
                .to_string(),
            },
            Template {
                name: "order_update".into(),
                language: "en_US".into(),
                status: "APPROVED".into(),
                category: "UTILITY".into(),
                components_json: json!([
                    {"type": "BODY", "text": "Good news! Your order {{1}} is on its way.",
                     "example": {"body_text": [["#4821"]]}}
                ])
                .to_string(),
            },
        ]
    }
}

/// A whole notification for one number with `value`'s extra fields.
fn notification(number: &SandboxNumber, extra: Value) -> Value {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": number.display_phone_number,
            "phone_number_id": number.phone_number_id,
        },
    });
    if let (Some(value), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        value.extend(extra.clone());
    }
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": number.waba_id, "changes": [{"value": value, "field": "messages"}]}]})
}

/// Meta's inbound notification for one customer message (`message` is the
/// message object: `from`, `id`, `timestamp`, `type`, ...).
pub fn customer_webhook(number: &SandboxNumber, wa_id: &str, name: &str, message: Value) -> Value {
    notification(
        number,
        json!({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}),
    )
}

#[async_trait]
impl GraphApi for Sandbox {
    async fn send_message(&self, auth: &NumberAuth, body: &Value) -> Result<SentMessage, GraphError> {
        let to = body["to"].as_str().unwrap_or_default().to_string();
        if to.is_empty() {
            return Err(GraphError::Api {
                http_status: 400,
                code: 100,
                subcode: None,
                message: "(#100) The parameter to is required.".into(),
                details: None,
            });
        }
        let wamid = self.new_wamid();
        {
            let mut memory = self.memory();
            let entries = memory.transcripts.entry((auth.phone_number_id.clone(), to.clone())).or_default();
            entries.push(TranscriptEntry {
                wamid: wamid.clone(),
                from: Side::Business,
                at_ms: now_ms(),
                status: "sent".into(),
                message: body.clone(),
            });
        }
        let callback = body["biz_opaque_callback_data"].as_str();
        for status in ["sent", "delivered", "read"] {
            let payload = self.status_webhook(&auth.phone_number_id, &wamid, status, &to, callback);
            self.deliver(self.sign(&payload));
        }
        {
            let mut memory = self.memory();
            let key = (auth.phone_number_id.clone(), to);
            if let Some(entry) =
                memory.transcripts.get_mut(&key).and_then(|e| e.iter_mut().rev().find(|e| e.wamid == wamid))
            {
                entry.status = "read".into();
            }
        }
        Ok(SentMessage { wamid })
    }

    async fn media_info(&self, auth: &NumberAuth, media_id: &str) -> Result<MediaInfo, GraphError> {
        let memory = self.memory();
        let (bytes, mime) = memory.media.get(media_id).ok_or_else(|| not_found(media_id))?;
        use sha2::Digest;
        Ok(MediaInfo {
            url: format!("sandbox://media/{media_id}?phone_number_id={}", auth.phone_number_id),
            mime_type: mime.clone(),
            sha256: hex::encode(sha2::Sha256::digest(bytes)),
            file_size: bytes.len() as u64,
            id: media_id.to_string(),
        })
    }

    async fn download_media(
        &self,
        _auth: &NumberAuth,
        url: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>, GraphError> {
        let id = url.strip_prefix("sandbox://media/").unwrap_or(url);
        let id = id.split('?').next().unwrap_or(id);
        let memory = self.memory();
        let (bytes, _) = memory.media.get(id).ok_or_else(|| not_found(id))?;
        if bytes.len() as u64 > max_bytes {
            return Err(GraphError::TooLarge { max_bytes });
        }
        Ok(bytes.clone())
    }

    async fn upload_media(
        &self,
        _auth: &NumberAuth,
        bytes: Vec<u8>,
        mime_type: &str,
        _filename: &str,
    ) -> Result<String, GraphError> {
        let id = format!("{}", 900_000_000_000_000 + self.next_id.fetch_add(1, Ordering::Relaxed));
        self.memory().media.insert(id.clone(), (bytes, mime_type.to_string()));
        Ok(id)
    }

    async fn mark_read(&self, auth: &NumberAuth, wamid: &str) -> Result<(), GraphError> {
        // Blue ticks on the customer's side: this message and every earlier one.
        let mut memory = self.memory();
        for ((number, _), entries) in memory.transcripts.iter_mut() {
            if *number != auth.phone_number_id {
                continue;
            }
            if let Some(pos) = entries.iter().position(|e| e.wamid == wamid) {
                for entry in entries[..=pos].iter_mut().filter(|e| e.from == Side::Customer) {
                    entry.status = "read".into();
                }
            }
        }
        Ok(())
    }

    async fn message_templates(
        &self,
        _auth: &NumberAuth,
        _waba_id: &str,
    ) -> Result<Vec<Template>, GraphError> {
        Ok(Self::templates())
    }

    async fn product_catalogs(
        &self,
        _auth: &NumberAuth,
        _waba_id: &str,
    ) -> Result<Vec<CatalogInfo>, GraphError> {
        Ok(catalog::catalogs())
    }

    async fn catalog_products(
        &self,
        _auth: &NumberAuth,
        catalog_id: &str,
    ) -> Result<Vec<Product>, GraphError> {
        match catalog_id {
            catalog::CATALOG_ID => Ok(catalog::products()),
            other => Err(not_found(other)),
        }
    }

    async fn product_sets(
        &self,
        _auth: &NumberAuth,
        catalog_id: &str,
    ) -> Result<Vec<ProductSet>, GraphError> {
        match catalog_id {
            catalog::CATALOG_ID => Ok(catalog::sets()),
            other => Err(not_found(other)),
        }
    }

    async fn product_set_products(
        &self,
        _auth: &NumberAuth,
        set_id: &str,
    ) -> Result<Vec<String>, GraphError> {
        catalog::set_members(set_id).ok_or_else(|| not_found(set_id))
    }
}

fn not_found(id: &str) -> GraphError {
    GraphError::Api {
        http_status: 404,
        code: 100,
        subcode: Some(33),
        message: format!("Unsupported get request. Object with ID '{id}' does not exist"),
        details: None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::signature::verify_signature;
    use crate::webhook::parse_notification;

    const SECRET: &str = "sandbox-secret";

    fn auth(id: &str) -> NumberAuth {
        NumberAuth { phone_number_id: id.into(), access_token: "sandbox".into() }
    }

    fn text(to: &str, body: &str) -> Value {
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
               "type": "text", "text": {"body": body}, "biz_opaque_callback_data": "msg-1"})
    }

    /// A sandbox whose sink collects what it would deliver.
    fn collecting() -> (Sandbox, Arc<Mutex<Vec<SignedWebhook>>>) {
        let sandbox = Sandbox::new(SECRET);
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        sandbox.set_webhook_sink(Box::new(move |w| sink.lock().unwrap().push(w)));
        (sandbox, got)
    }

    #[tokio::test]
    async fn sends_get_unique_wamids_on_any_number() {
        let sandbox = Sandbox::new(SECRET);
        let a = sandbox.send_message(&auth("111"), &text("4915112345678", "hi")).await.unwrap();
        let b = sandbox.send_message(&auth("222"), &text("4915112345678", "hi")).await.unwrap();
        assert_ne!(a.wamid, b.wamid);
        assert!(a.wamid.starts_with("wamid."));
    }

    #[tokio::test]
    async fn a_send_without_a_recipient_is_refused() {
        let sandbox = Sandbox::new(SECRET);
        let err = sandbox.send_message(&auth("111"), &json!({"type": "text"})).await.unwrap_err();
        assert!(matches!(err, GraphError::Api { http_status: 400, .. }), "{err:?}");
    }

    #[tokio::test]
    async fn the_transcript_is_kept_per_number_and_customer() {
        let sandbox = Sandbox::new(SECRET);
        sandbox.send_message(&auth("111"), &text("491", "to one")).await.unwrap();
        sandbox.send_message(&auth("111"), &text("492", "to two")).await.unwrap();
        sandbox.send_message(&auth("222"), &text("491", "other number")).await.unwrap();
        let one = sandbox.transcript("111", "491");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].message["text"]["body"], "to one");
        assert_eq!(one[0].from, Side::Business);
        assert_eq!(one[0].status, "read");
        assert_eq!(sandbox.transcript("222", "491")[0].message["text"]["body"], "other number");
        assert!(sandbox.transcript("111", "493").is_empty());
        let customers: Vec<_> = sandbox.customers("111").into_iter().map(|c| c.wa_id).collect();
        assert_eq!(customers.len(), 2);
    }

    #[tokio::test]
    async fn each_send_reports_sent_delivered_read_signed_with_the_callback_data() {
        let (sandbox, got) = collecting();
        sandbox.register_number(SandboxNumber {
            phone_number_id: "111".into(),
            display_phone_number: "15550100001".into(),
            waba_id: "999".into(),
        });
        let sent = sandbox.send_message(&auth("111"), &text("491", "hello")).await.unwrap();
        let webhooks = got.lock().unwrap().clone();
        assert_eq!(webhooks.len(), 3);
        let mut seen = Vec::new();
        for w in &webhooks {
            verify_signature(SECRET, &w.body, Some(&w.signature)).expect("signed with the app secret");
            parse_notification(&w.body).expect("Meta's shape");
            let raw: Value = serde_json::from_slice(&w.body).unwrap();
            assert_eq!(raw["entry"][0]["id"], "999");
            let value = &raw["entry"][0]["changes"][0]["value"];
            assert_eq!(value["metadata"]["phone_number_id"], "111");
            assert_eq!(value["metadata"]["display_phone_number"], "15550100001");
            let status = &value["statuses"][0];
            assert_eq!(status["id"], sent.wamid.as_str());
            assert_eq!(status["recipient_id"], "491");
            assert_eq!(status["biz_opaque_callback_data"], "msg-1");
            seen.push(status["status"].as_str().unwrap().to_string());
        }
        assert_eq!(seen, ["sent", "delivered", "read"]);
    }

    #[tokio::test]
    async fn without_a_sink_nothing_breaks() {
        let sandbox = Sandbox::new(SECRET);
        assert!(sandbox.send_message(&auth("111"), &text("491", "x")).await.is_ok());
    }

    #[tokio::test]
    async fn serves_two_approved_templates() {
        let sandbox = Sandbox::new(SECRET);
        let templates = sandbox.message_templates(&auth("111"), "999").await.unwrap();
        let names: Vec<_> = templates.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["hello_world", "order_update"]);
        assert!(templates.iter().all(Template::is_approved));
        assert_eq!(templates[0].parameter_counts().body, 0);
        assert_eq!(templates[1].parameter_counts().body, 1);
    }

    #[tokio::test]
    async fn mark_read_turns_the_customers_messages_blue() {
        let sandbox = Sandbox::new(SECRET);
        let number = sandbox.number("111");
        for id in ["wamid.in1", "wamid.in2", "wamid.in3"] {
            let message =
                json!({"from": "491", "id": id, "timestamp": "1", "type": "text", "text": {"body": "hi"}});
            sandbox.record_customer(&number.phone_number_id, "491", "Ana", message);
        }
        sandbox.mark_read(&auth("111"), "wamid.in2").await.unwrap();
        let statuses: Vec<_> = sandbox.transcript("111", "491").into_iter().map(|e| e.status).collect();
        assert_eq!(statuses, ["read", "read", "delivered"]);
        assert_eq!(sandbox.customers("111")[0].name, "Ana");
    }

    #[tokio::test]
    async fn uploaded_media_can_be_looked_up_and_downloaded() {
        let sandbox = Sandbox::new(SECRET);
        let id = sandbox
            .upload_media(&auth("111"), b"%PDF-1.4".to_vec(), "application/pdf", "a.pdf")
            .await
            .unwrap();
        let info = sandbox.media_info(&auth("111"), &id).await.unwrap();
        assert_eq!(info.file_size, 8);
        assert_eq!(info.mime_type, "application/pdf");
        assert_eq!(sandbox.download_media(&auth("111"), &info.url, 100).await.unwrap(), b"%PDF-1.4");
        assert!(matches!(
            sandbox.download_media(&auth("111"), &info.url, 4).await,
            Err(GraphError::TooLarge { .. })
        ));
        assert!(sandbox.media_info(&auth("111"), "404").await.is_err());
    }

    #[test]
    fn a_customer_webhook_parses_as_metas() {
        let sandbox = Sandbox::new(SECRET);
        let number = sandbox.number("111");
        let message = json!({"from": "491", "id": "wamid.x", "timestamp": "1700000000", "type": "interactive",
                             "interactive": {"type": "button_reply", "button_reply": {"id": "sales", "title": "Sales"}}});
        let signed = sandbox.sign(&customer_webhook(&number, "491", "Ana", message));
        verify_signature(SECRET, &signed.body, Some(&signed.signature)).unwrap();
        assert!(parse_notification(&signed.body).is_ok());
    }
}
