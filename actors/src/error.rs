//! The one error type of the actor crate. The edge maps each variant to
//! API.md's error envelope; `Store` and `Unavailable` are server faults
//! (logged once by the edge, never shown in detail to clients).

use tenants::FieldError;

/// Everything an actor request can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ActorError {
    /// Unknown id, or one that belongs to another tenant (never distinguished).
    #[error("not found")]
    NotFound,
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request conflicts with current state (duplicate, already claimed...).
    #[error("conflict: {code}: {message}")]
    Conflict {
        /// snake_case machine-readable code.
        code: &'static str,
        /// Human readable detail.
        message: String,
    },
    /// Well-formed input that makes no sense here.
    #[error("unprocessable: {code}: {message}")]
    Unprocessable {
        /// snake_case machine-readable code.
        code: &'static str,
        /// Human readable detail.
        message: String,
    },
    /// Field-level validation problems.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Bad credentials or an expired session.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The store failed.
    #[error("store: {0}")]
    Store(String),
    /// An actor did not answer (stopped, restarting or timed out).
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl ActorError {
    /// A conflict with a code and message.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { code, message: message.into() }
    }

    /// An unprocessable request with a code and message.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unprocessable { code, message: message.into() }
    }
}

impl From<tenants::TenantError> for ActorError {
    fn from(e: tenants::TenantError) -> Self {
        match e {
            tenants::TenantError::Invalid(errors) => ActorError::Invalid(errors),
            tenants::TenantError::Hash(e) => ActorError::Store(format!("password hash: {e}")),
            other => {
                ActorError::Invalid(vec![FieldError { path: String::new(), message: other.to_string() }])
            }
        }
    }
}
