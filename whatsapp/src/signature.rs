//! The `X-Hub-Signature-256` check on Meta's webhook POSTs, and its inverse
//! for tests, the load harness and the demo sandbox.
//!
//! Meta signs the raw request body with HMAC-SHA256 keyed by the app
//! secret and sends `sha256=<hex>`. The check runs on the exact bytes
//! received, before any parsing, and compares in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::SignatureError;

type HmacSha256 = Hmac<Sha256>;

/// The header's scheme prefix.
const PREFIX: &str = "sha256=";

/// Checks `header` (the value of `X-Hub-Signature-256`) against `body`.
/// Hex digits may be upper or lower case.
pub fn verify_signature(app_secret: &str, body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.map(str::trim).unwrap_or_default();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let hex_digest = header.strip_prefix(PREFIX).ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    let mut mac = HmacSha256::new_from_slice(app_secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&expected).map_err(|_| SignatureError::Mismatch)
}

/// The header value Meta would send for `body`: `sha256=<lowercase hex>`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(app_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[]}"#;

    #[test]
    fn sign_matches_a_known_hmac() {
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn accepts_its_own_signature_in_either_case() {
        let header = sign(SECRET, BODY);
        assert_eq!(verify_signature(SECRET, BODY, Some(&header)), Ok(()));
        let upper = format!("sha256={}", header[PREFIX.len()..].to_uppercase());
        assert_eq!(verify_signature(SECRET, BODY, Some(&upper)), Ok(()));
    }

    #[test]
    fn refuses_missing_headers() {
        assert_eq!(verify_signature(SECRET, BODY, None), Err(SignatureError::Missing));
        assert_eq!(verify_signature(SECRET, BODY, Some("")), Err(SignatureError::Missing));
    }

    #[test]
    fn refuses_malformed_headers() {
        let hex = &sign(SECRET, BODY)[PREFIX.len()..];
        for bad in [
            hex.to_string(),                  // no scheme
            format!("sha1={hex}"),            // wrong scheme
            "sha256=zz".to_string(),          // not hex
            "sha256=abcd".to_string(),        // too short
            format!("sha256={hex}00"),        // too long
            format!("sha256={}", &hex[..63]), // odd length
        ] {
            assert_eq!(verify_signature(SECRET, BODY, Some(&bad)), Err(SignatureError::Malformed), "{bad}");
        }
    }

    #[test]
    fn refuses_another_body_or_secret() {
        let header = sign(SECRET, BODY);
        assert_eq!(verify_signature(SECRET, b"{}", Some(&header)), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature("other secret", BODY, Some(&header)), Err(SignatureError::Mismatch));
    }
}
