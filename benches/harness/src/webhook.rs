//! The webhooks the generator posts: one customer text message per body,
//! in the exact shape Meta's Cloud API sends, signed with the number's app
//! secret. The text carries the message's sequence number and a nanosecond
//! stamp (`bench seq=<n> t=<ns>`) that the WebSocket readers read back.
//!
//! Bodies are formatted from a template rather than serialised through
//! `serde_json::Value`: at 25,000 messages/s the generator's CPU is the
//! server's CPU too (one machine), so every microsecond here counts.

use std::time::{SystemTime, UNIX_EPOCH};

/// One business number as the generator signs for it.
#[derive(Debug, Clone)]
pub struct NumberSpec {
    /// Meta's `phone_number_id` (what the server routes by).
    pub phone_number_id: String,
    /// As people dial it.
    pub display_phone_number: String,
    /// The WhatsApp Business Account id.
    pub waba_id: String,
    /// The app secret the number's webhooks are signed with.
    pub app_secret: String,
}

/// The marker in front of the sequence number in a message's text.
const MARKER: &str = "bench seq=";

/// How sequence numbers map to (tenant, customer).
#[derive(Debug, Clone, Copy)]
pub enum Spread {
    /// Round robin over tenants; within a tenant, round robin over its
    /// customers (so consecutive messages of one customer are far apart).
    Uniform {
        /// Tenants.
        tenants: usize,
        /// Customers per tenant.
        customers_per_tenant: u64,
    },
    /// Every message is a new customer: the first `big` go to tenant 0, the
    /// rest round robin over the other tenants (the scale scenario).
    NewConversations {
        /// Tenants.
        tenants: usize,
        /// Conversations of tenant 0.
        big: u64,
    },
}

impl Spread {
    /// The tenant index and customer index of message `seq`.
    pub fn target(&self, seq: u64) -> (usize, u64) {
        match *self {
            Spread::Uniform { tenants, customers_per_tenant } => {
                let t = tenants.max(1) as u64;
                let tenant = seq % t;
                let customer = (seq / t) % customers_per_tenant.max(1);
                (tenant as usize, customer)
            }
            Spread::NewConversations { tenants, big } => {
                if seq < big || tenants <= 1 {
                    (0, seq)
                } else {
                    let others = (tenants - 1) as u64;
                    let k = seq - big;
                    (1 + (k % others) as usize, k / others)
                }
            }
        }
    }
}

/// A customer's WhatsApp id: digits, unique per (tenant, customer).
pub fn wa_id(tenant: usize, customer: u64) -> String {
    format!("9{tenant:05}{customer:08}")
}

/// Unix seconds now, as Meta writes `timestamp`.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// The raw body of one inbound text message. `run` keeps wamids unique
/// across runs on one data directory.
pub fn body(n: &NumberSpec, wa_id: &str, run: &str, seq: u64, stamp_ns: u64, unix_secs: u64) -> Vec<u8> {
    format!(
        concat!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"{waba}","changes":[{{"value":{{"#,
            r#""messaging_product":"whatsapp","metadata":{{"display_phone_number":"{display}","#,
            r#""phone_number_id":"{pid}"}},"contacts":[{{"profile":{{"name":"Customer {wa}"}},"wa_id":"{wa}"}}],"#,
            r#""messages":[{{"from":"{wa}","id":"wamid.HBgLbench{run}x{seq:012}=","timestamp":"{ts}","#,
            r#""text":{{"body":"{marker}{seq} t={stamp}"}},"type":"text"}}]}},"field":"messages"}}]}}]}}"#
        ),
        waba = n.waba_id,
        display = n.display_phone_number,
        pid = n.phone_number_id,
        wa = wa_id,
        run = run,
        seq = seq,
        ts = unix_secs,
        marker = MARKER,
        stamp = stamp_ns,
    )
    .into_bytes()
}

/// `(seq, stamp_ns)` of a `message.created` frame that carries a harness
/// message; `None` for every other frame.
pub fn stamp_of(frame: &str) -> Option<(u64, u64)> {
    if !frame.contains(r#""type":"message.created""#) {
        return None;
    }
    let rest = &frame[frame.find(MARKER)? + MARKER.len()..];
    let (seq, rest) = rest.split_once(" t=")?;
    let stamp: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((seq.parse().ok()?, stamp.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> NumberSpec {
        NumberSpec {
            phone_number_id: "1000000001".into(),
            display_phone_number: "+1 555 000 0001".into(),
            waba_id: "2000000001".into(),
            app_secret: "secret".into(),
        }
    }

    #[test]
    fn bodies_parse_as_metas_notification() {
        let raw = body(&number(), &wa_id(3, 7), "r1", 42, 123_456_789, 1_700_000_000);
        let n = whatsapp::parse_notification(&raw).expect("parses");
        let value = &n.entries[0].changes[0].value;
        assert_eq!(value.phone_number_id, "1000000001");
        assert_eq!(value.messages.len(), 1);
        assert_eq!(value.messages[0].from, wa_id(3, 7));
        let signature = whatsapp::sign("secret", &raw);
        assert!(whatsapp::verify_signature("secret", &raw, Some(&signature)).is_ok());
    }

    #[test]
    fn stamps_are_read_back_from_message_frames_only() {
        let frame = r#"{"message":{"text":"bench seq=42 t=123456789","type":"text"},"seq":9,"type":"message.created"}"#;
        assert_eq!(stamp_of(frame), Some((42, 123_456_789)));
        let other =
            r#"{"conversation":{"preview":"bench seq=42 t=1"},"seq":8,"type":"conversation.updated"}"#;
        assert_eq!(stamp_of(other), None);
    }

    #[test]
    fn spreads_cover_tenants_and_customers() {
        let u = Spread::Uniform { tenants: 3, customers_per_tenant: 2 };
        let got: Vec<_> = (0..7).map(|s| u.target(s)).collect();
        assert_eq!(got, vec![(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1), (0, 0)]);
        let s = Spread::NewConversations { tenants: 3, big: 2 };
        let got: Vec<_> = (0..6).map(|k| s.target(k)).collect();
        assert_eq!(got, vec![(0, 0), (0, 1), (1, 0), (2, 0), (1, 1), (2, 1)]);
    }
}
