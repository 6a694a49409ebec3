//! `ApiError`: the one error type of the edge, with the single
//! `IntoResponse` that writes API.md's envelope
//! `{"error": {"code", "message"}}`. 4xx are the client's business and are
//! not logged; 5xx details are logged once here and never sent.

use axum::extract::rejection::JsonRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tenants::FieldError;

use actors::ActorError;

/// An error answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with a code.
    #[error("{code}: {message}")]
    BadRequest {
        /// snake_case code.
        code: &'static str,
        /// Detail.
        message: String,
    },
    /// 401.
    #[error("not signed in")]
    Unauthenticated,
    /// 401 for a webhook signature.
    #[error("invalid signature")]
    BadSignature,
    /// 403.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// 404 (unknown, or another tenant's).
    #[error("not found")]
    NotFound,
    /// 409.
    #[error("{code}: {message}")]
    Conflict {
        /// snake_case code.
        code: &'static str,
        /// Detail.
        message: String,
    },
    /// 422 with a code.
    #[error("{code}: {message}")]
    Unprocessable {
        /// snake_case code.
        code: &'static str,
        /// Detail.
        message: String,
    },
    /// 422 with a list of field problems.
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// 413: a body past `server.max_body_bytes`.
    #[error("request body too large")]
    TooLarge,
    /// 429 with Retry-After seconds.
    #[error("rate limited")]
    RateLimited(u64),
    /// 503: an actor is busy or restarting.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { code, message: message.into() }
    }

    /// A 422 with a code.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unprocessable { code, message: message.into() }
    }

    /// `Ok` when validation found nothing, else a 422 listing every problem.
    pub fn check(errors: Vec<FieldError>) -> Result<(), ApiError> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self::Invalid(errors))
        }
    }

    /// A path id that does not parse is simply not found.
    pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
        raw.parse().map_err(|_| Self::NotFound)
    }
}

impl From<ActorError> for ApiError {
    fn from(e: ActorError) -> Self {
        match e {
            ActorError::NotFound => Self::NotFound,
            ActorError::Forbidden(_) => Self::Forbidden("not allowed"),
            ActorError::Conflict { code, message } => Self::Conflict { code, message },
            ActorError::Unprocessable { code, message } => Self::Unprocessable { code, message },
            ActorError::Invalid(errors) => Self::Invalid(errors),
            ActorError::Unauthenticated => Self::Unauthenticated,
            ActorError::Unavailable(m) => Self::Unavailable(m),
            ActorError::Store(m) => Self::Internal(m),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => {
                Self::Unprocessable { code: "invalid_body", message: e.body_text() }
            }
            JsonRejection::MissingJsonContentType(_) => {
                Self::bad_request("unsupported_media_type", "expected Content-Type: application/json")
            }
            other => Self::bad_request("invalid_json", other.body_text()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            Self::BadRequest { code, message } => (StatusCode::BAD_REQUEST, *code, message.clone()),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first".into()),
            Self::BadSignature => {
                (StatusCode::UNAUTHORIZED, "invalid_signature", "X-Hub-Signature-256 does not match".into())
            }
            Self::Forbidden(why) => (StatusCode::FORBIDDEN, "forbidden", (*why).to_string()),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found", "no such resource".into()),
            Self::Conflict { code, message } => (StatusCode::CONFLICT, *code, message.clone()),
            Self::Unprocessable { code, message } => {
                (StatusCode::UNPROCESSABLE_ENTITY, *code, message.clone())
            }
            Self::Invalid(errors) => {
                let body = json!({"error": {
                    "code": "validation_failed",
                    "message": errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "),
                    "details": errors,
                }});
                return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
            }
            Self::TooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large".into())
            }
            Self::RateLimited(_) => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many attempts".into())
            }
            Self::Unavailable(detail) => {
                tracing::warn!(error = %detail, "unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "busy, retry shortly".into())
            }
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side".into())
            }
        };
        let mut response =
            (status, axum::Json(json!({"error": {"code": code, "message": message}}))).into_response();
        let retry_after = match &self {
            Self::RateLimited(secs) => Some(*secs),
            Self::Unavailable(_) => Some(1),
            _ => None,
        };
        if let Some(secs) = retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// `Json<T>` whose rejections use the API envelope.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
