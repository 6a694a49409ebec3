//! `Secret`: a string that must be stored but never printed (Meta access
//! tokens, app secrets, verify tokens).
//!
//! `Debug` and `Display` write `[redacted]`, so a secret inside a record can
//! be logged with `?record` safely. Serde writes the plain string: the store
//! needs the real value. Reading it takes a deliberate `expose()`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A stored secret; prints as `[redacted]`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The real value. Call it only where the value is used (signing a
    /// request, comparing a token), never to log or return it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let secret = Secret::from("EAAG-very-secret".to_owned());
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some([redacted])");
        assert_eq!(secret.expose(), "EAAG-very-secret");
    }

    #[test]
    fn stored_as_the_plain_string() {
        let secret = Secret::from("s3cret");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"s3cret\"");
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&secret, config).unwrap();
        let (back, used): (Secret, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!((back, used), (secret, bytes.len()));
    }
}
