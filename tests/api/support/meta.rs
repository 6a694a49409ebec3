//! Meta webhook bodies in the shapes the Cloud API documents, and the
//! `X-Hub-Signature-256` header Meta would send with them.
//!
//! The builders compose like Meta's payload does: a notification holds
//! entries (one per WhatsApp Business Account), an entry holds changes,
//! a change's `value` names one business number (`metadata`) and carries
//! `contacts`, `messages` and `statuses`.
//!
//! `sign` is computed here with `hmac`/`sha2` directly rather than with the
//! server's own `whatsapp::sign`, so a bug there cannot hide itself.

use std::sync::atomic::{AtomicU64, Ordering};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// `sha256=<lowercase hex HMAC-SHA256(body, secret)>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A fresh wamid, unique within the test process.
pub fn wamid() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ{n:010}{:08X}=", std::process::id())
}

/// Unix seconds now, as Meta writes `timestamp` (a string).
pub fn now_ts() -> String {
    unix_now().to_string()
}

/// Unix seconds `secs` ago.
pub fn ts_ago(secs: u64) -> String {
    (unix_now() - secs).to_string()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_secs()
}

/// The business number a change is about (`value.metadata`).
#[derive(Debug, Clone)]
pub struct BusinessNumber {
    /// Meta's `phone_number_id`.
    pub phone_number_id: String,
    /// As people dial it (Meta sends digits only here).
    pub display_phone_number: String,
    /// The WhatsApp Business Account id (the entry's `id`).
    pub waba_id: String,
}

/// `{"profile": {"name"}, "wa_id"}`.
pub fn contact(wa_id: &str, name: &str) -> Value {
    json!({"profile": {"name": name}, "wa_id": wa_id})
}

/// An inbound text message object.
pub fn text_message(from: &str, wamid: &str, body: &str, timestamp: &str) -> Value {
    json!({
        "from": from,
        "id": wamid,
        "timestamp": timestamp,
        "text": {"body": body},
        "type": "text",
    })
}

/// A delivery status object (`sent`, `delivered`, `read`).
pub fn status(wamid: &str, status: &str, recipient_id: &str) -> Value {
    json!({
        "id": wamid,
        "status": status,
        "timestamp": now_ts(),
        "recipient_id": recipient_id,
        "conversation": {"id": "a75d17ad06104c51166f948319b03c6a", "origin": {"type": "service"}},
        "pricing": {"billable": true, "pricing_model": "PMP", "category": "service"},
    })
}

/// A change (`field: "messages"`) for one number.
pub fn change(
    number: &BusinessNumber,
    contacts: Vec<Value>,
    messages: Vec<Value>,
    statuses: Vec<Value>,
) -> Value {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": number.display_phone_number,
            "phone_number_id": number.phone_number_id,
        },
    });
    if !contacts.is_empty() {
        value["contacts"] = Value::Array(contacts);
    }
    if !messages.is_empty() {
        value["messages"] = Value::Array(messages);
    }
    if !statuses.is_empty() {
        value["statuses"] = Value::Array(statuses);
    }
    json!({"value": value, "field": "messages"})
}

/// An entry: one WhatsApp Business Account's changes.
pub fn entry(waba_id: &str, changes: Vec<Value>) -> Value {
    json!({"id": waba_id, "changes": changes})
}

/// The whole notification.
pub fn notification(entries: Vec<Value>) -> Value {
    json!({"object": "whatsapp_business_account", "entry": entries})
}

/// One customer's text message to `number`, as Meta posts it.
pub fn text_webhook(number: &BusinessNumber, wa_id: &str, name: &str, wamid: &str, body: &str) -> Value {
    text_webhook_at(number, wa_id, name, wamid, body, &now_ts())
}

/// [`text_webhook`] with the customer's send time given.
pub fn text_webhook_at(
    number: &BusinessNumber,
    wa_id: &str,
    name: &str,
    wamid: &str,
    body: &str,
    timestamp: &str,
) -> Value {
    notification(vec![entry(
        &number.waba_id,
        vec![change(
            number,
            vec![contact(wa_id, name)],
            vec![text_message(wa_id, wamid, body, timestamp)],
            vec![],
        )],
    )])
}

/// A delivery status notification for a message we sent.
pub fn status_webhook(number: &BusinessNumber, wamid: &str, status_name: &str, recipient_id: &str) -> Value {
    notification(vec![entry(
        &number.waba_id,
        vec![change(number, vec![], vec![], vec![status(wamid, status_name, recipient_id)])],
    )])
}

/// Serialises a payload the way Meta sends it (compact JSON bytes).
pub fn bytes(payload: &Value) -> Vec<u8> {
    serde_json::to_vec(payload).expect("a JSON value serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 (key "Jefe"), in Meta's header format.
    #[test]
    fn sign_is_hmac_sha256_in_metas_header_format() {
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
