//! `Email`: an address that has been trimmed, lowercased and checked once,
//! at the boundary, so the rest of the code compares emails with `==`.
//!
//! The check is deliberately modest (one `@`, a dotted domain, no
//! whitespace, at most 254 bytes): the real test of an address is whether
//! mail arrives, and logins compare the normalised form.

use crate::TenantError;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The longest address SMTP allows (RFC 5321), in bytes.
const MAX_LEN: usize = 254;

/// A normalised email address (trimmed, lowercase).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Trims, lowercases and checks `raw`.
    pub fn parse(raw: &str) -> Result<Email, TenantError> {
        let email = raw.trim().to_lowercase();
        let fail = |why: &str| Err(TenantError::InvalidEmail(why.to_owned()));
        if email.is_empty() {
            return fail("must not be empty");
        }
        if email.len() > MAX_LEN {
            return fail("must be at most 254 characters");
        }
        if email.chars().any(char::is_whitespace) {
            return fail("must not contain spaces");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return fail("must contain an @");
        };
        if domain.contains('@') {
            return fail("must contain exactly one @");
        }
        if local.is_empty() {
            return fail("needs a name before the @");
        }
        if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return fail("needs a domain such as example.com after the @");
        }
        Ok(Email(email))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reading an `Email` re-runs [`Email::parse`], so no unchecked address gets
/// in through serde. Parsing is idempotent, so stored values always load.
impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Email::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        let email = Email::parse("  Boss@Acme.TEST \n").unwrap();
        assert_eq!(email.as_str(), "boss@acme.test");
        assert_eq!(email.to_string(), "boss@acme.test");
        assert_eq!(Email::parse("boss@acme.test").unwrap(), email);
    }

    #[test]
    fn refuses_what_cannot_be_an_address() {
        let long = format!("{}@acme.test", "a".repeat(250));
        for bad in [
            "",
            "   ",
            "boss",
            "@acme.test",
            "boss@",
            "boss@acme",
            "boss@@acme.test",
            "a@b@acme.test",
            "bo ss@acme.test",
            "boss@acme.",
            "boss@.test",
            "boss@acme..test",
            long.as_str(),
        ] {
            assert!(matches!(Email::parse(bad), Err(TenantError::InvalidEmail(_))), "{bad:?} was accepted");
        }
    }

    #[test]
    fn serde_is_a_plain_string_and_validates() {
        let email = Email::parse("boss@acme.test").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"boss@acme.test\"");
        assert_eq!(serde_json::from_str::<Email>("\"BOSS@acme.test\"").unwrap(), email);
        assert!(serde_json::from_str::<Email>("\"boss\"").is_err());

        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&email, config).unwrap();
        let (back, used): (Email, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!((back, used), (email, bytes.len()));
    }
}
