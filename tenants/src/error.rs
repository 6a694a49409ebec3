//! The crate's one error type, and `FieldError`, the unit of "what is wrong
//! with this request body".
//!
//! Validation collects every problem rather than stopping at the first, so
//! `TenantError::Invalid` carries a list: the edge turns it into a single 400
//! or 422 that names each bad field.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// A string that is not a UUID where an id was expected.
    #[error("invalid id: {0}")]
    InvalidId(String),
    /// A string that is not an acceptable email address.
    #[error("invalid email: {0}")]
    InvalidEmail(String),
    /// A password that fails the password policy.
    #[error("weak password: {0}")]
    WeakPassword(String),
    /// A request body (or a single value such as a role) with one or more
    /// problems, each naming its field.
    #[error("invalid input: {}", join(.0))]
    Invalid(Vec<FieldError>),
    /// Hashing a password failed (argon2 refused its input or parameters).
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// One problem with one field of a request body.
///
/// `path` is dotted from the body's root: `"name"`, `"number.waba_id"`,
/// `"manager.email"`, `"member_ids"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Where the problem is, e.g. `"number.phone_number_id"`.
    pub path: String,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

impl FieldError {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn join(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_lists_every_field() {
        let err = TenantError::Invalid(vec![
            FieldError::new("name", "must not be empty"),
            FieldError::new("manager.email", "missing @"),
        ]);
        assert_eq!(err.to_string(), "invalid input: name: must not be empty; manager.email: missing @");
    }

    #[test]
    fn field_error_serializes_as_path_and_message() {
        let json = serde_json::to_string(&FieldError::new("color", "bad")).unwrap();
        assert_eq!(json, r#"{"path":"color","message":"bad"}"#);
    }
}
