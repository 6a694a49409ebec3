//! Every error this crate returns, one type per concern: the webhook
//! signature check, webhook parsing, calls to the Graph API and the
//! validation of outbound message bodies.
//!
//! `GraphError` also carries the rules callers need to decide what to do
//! with a failed call (retry it, mark the number's token invalid, tell the
//! agent the 24-hour window is closed), so those rules live in one place
//! next to Meta's codes instead of being re-derived in every caller.

use thiserror::Error;

/// Why an `X-Hub-Signature-256` header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// No header, or an empty one.
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    /// Not `sha256=` followed by 64 hex digits.
    #[error("malformed X-Hub-Signature-256 header")]
    Malformed,
    /// Well formed, but not the HMAC of this body with this secret.
    #[error("X-Hub-Signature-256 does not match the body")]
    Mismatch,
}

/// Why a webhook body was refused. The whole body is refused: a caller never
/// gets half a notification.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WebhookError {
    /// Not JSON, or JSON without the parts every notification has; the text
    /// is a short reason, safe to log (it never quotes message content).
    #[error("malformed webhook notification: {0}")]
    Malformed(String),
}

/// A failed Graph API call.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GraphError {
    /// The request did not complete: connection refused, TLS, timeout, a
    /// body cut short. Whether Meta acted on it is unknown.
    #[error("Graph API unreachable: {0}")]
    Transport(String),
    /// No answer in time: the request may or may not have reached Meta.
    #[error("Graph API did not answer in time: {0}")]
    Timeout(String),
    /// Meta answered with an error status. `code` is Meta's error code, or 0
    /// when the body was not Meta's error JSON (a proxy's 502 page, say).
    #[error("Graph API error (HTTP {http_status}): {}", api_reason(*.code, .message))]
    Api {
        http_status: u16,
        code: i64,
        subcode: Option<i64>,
        message: String,
        /// `error.error_data.details`, Meta's longer explanation.
        details: Option<String>,
    },
    /// Meta answered 2xx with a body we could not read.
    #[error("unexpected Graph API response: {0}")]
    Decode(String),
    /// A media download was refused: it is (or turned out to be, while
    /// streaming) larger than the `max_bytes` the caller allows.
    #[error("media larger than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    /// The request could not be built from what the caller gave (a mime
    /// type reqwest refuses, a media URL that is not absolute); nothing was
    /// sent.
    #[error("invalid Graph API request: {0}")]
    InvalidRequest(String),
}

/// Why an outbound message body was not built, or a template request was
/// refused: every problem found, not only the first, so an agent can fix
/// them all at once. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid message: {}", problem_list(.problems))]
pub struct OutboundError {
    pub problems: Vec<OutboundProblem>,
}

/// One problem in an outbound body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundProblem {
    /// Where, as a path into the JSON Meta receives:
    /// `interactive.action.buttons[2].reply.title`, `template.components[0]`.
    pub path: String,
    /// What is wrong, naming Meta's limit: `at most 20 characters (Meta's
    /// limit), got 23`.
    pub message: String,
}

impl std::fmt::Display for OutboundProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn problem_list(problems: &[OutboundProblem]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Meta codes worth retrying later: temporary failures and rate limits
/// (1 unknown, 2 service unavailable, 4 and 80007 app/account rate limits,
/// 130429 throughput, 131000 something went wrong, 131016 service
/// overloaded, 131056 pair rate limit, 133004 server temporarily
/// unavailable).
const RETRYABLE_CODES: [i64; 9] = [1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004];

/// Meta's code for an expired or revoked access token.
const TOKEN_INVALID: i64 = 190;

/// Meta's code for a free-form message outside the 24-hour service window.
const OUTSIDE_WINDOW: i64 = 131047;

impl GraphError {
    /// Worth sending again later: the network failed, Meta failed (5xx) or
    /// Meta asked us to slow down.
    pub fn is_retryable(&self) -> bool {
        match self {
            GraphError::Transport(_) | GraphError::Timeout(_) => true,
            GraphError::Api { http_status, code, .. } => {
                *http_status >= 500 || RETRYABLE_CODES.contains(code)
            }
            GraphError::Decode(_) | GraphError::TooLarge { .. } | GraphError::InvalidRequest(_) => false,
        }
    }

    /// The request may have been carried out although we got no usable
    /// answer (a timeout, or a success we could not read): resending could
    /// deliver a message twice, so the caller should first look for Meta's
    /// status webhook naming it.
    pub fn may_have_arrived(&self) -> bool {
        matches!(self, GraphError::Timeout(_) | GraphError::Decode(_))
    }

    /// The number's access token is expired or revoked (code 190): every
    /// call with it will fail until an admin replaces it.
    pub fn is_token_invalid(&self) -> bool {
        self.meta_code() == Some(TOKEN_INVALID)
    }

    /// A free-form message was refused because the customer has not written
    /// in the last 24 hours (code 131047): only a template can go out.
    pub fn is_outside_window(&self) -> bool {
        self.meta_code() == Some(OUTSIDE_WINDOW)
    }

    /// Meta's error code, when Meta sent one.
    pub fn meta_code(&self) -> Option<i64> {
        match self {
            GraphError::Api { code, .. } if *code != 0 => Some(*code),
            _ => None,
        }
    }

    /// A short human-readable reason for agents and logs, e.g.
    /// `(#131047) Re-engagement message`.
    pub fn reason(&self) -> String {
        match self {
            GraphError::Api { code, message, .. } => api_reason(*code, message),
            other => other.to_string(),
        }
    }
}

/// `(#code) message`, without doubling the prefix Meta often puts in
/// `message` itself (`"(#131030) Recipient phone number not in allowed list"`).
fn api_reason(code: i64, message: &str) -> String {
    if code == 0 || message.starts_with("(#") {
        message.to_string()
    } else {
        format!("(#{code}) {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(http_status: u16, code: i64, message: &str) -> GraphError {
        GraphError::Api { http_status, code, subcode: None, message: message.to_string(), details: None }
    }

    #[test]
    fn retryable_covers_transport_5xx_and_rate_limits() {
        assert!(GraphError::Transport("timed out".into()).is_retryable());
        assert!(api(500, 0, "Internal Server Error").is_retryable());
        assert!(api(503, 131016, "Service unavailable").is_retryable());
        for code in RETRYABLE_CODES {
            assert!(api(400, code, "x").is_retryable(), "code {code}");
        }
        assert!(!api(400, OUTSIDE_WINDOW, "Re-engagement message").is_retryable());
        assert!(!api(401, TOKEN_INVALID, "Error validating access token").is_retryable());
        assert!(!GraphError::Decode("no id".into()).is_retryable());
        assert!(!GraphError::TooLarge { max_bytes: 10 }.is_retryable());
        assert!(!GraphError::InvalidRequest("bad mime".into()).is_retryable());
    }

    #[test]
    fn outbound_errors_list_every_problem() {
        let problem =
            |path: &str, message: &str| OutboundProblem { path: path.into(), message: message.into() };
        let err = OutboundError {
            problems: vec![
                problem("interactive.body.text", "must not be empty"),
                problem(
                    "interactive.action.buttons[0].reply.title",
                    "at most 20 characters (Meta's limit), got 23",
                ),
            ],
        };
        assert_eq!(
            err.to_string(),
            "invalid message: interactive.body.text: must not be empty; \
             interactive.action.buttons[0].reply.title: at most 20 characters (Meta's limit), got 23"
        );
    }

    #[test]
    fn classifies_token_and_window() {
        assert!(api(401, 190, "expired").is_token_invalid());
        assert!(!api(401, 190, "expired").is_outside_window());
        assert!(api(400, 131047, "Re-engagement message").is_outside_window());
        assert!(!GraphError::Transport("x".into()).is_token_invalid());
    }

    #[test]
    fn meta_code_is_none_without_a_meta_body() {
        assert_eq!(api(400, 131047, "x").meta_code(), Some(131047));
        assert_eq!(api(502, 0, "Bad Gateway").meta_code(), None);
        assert_eq!(GraphError::Decode("x".into()).meta_code(), None);
    }

    #[test]
    fn reason_is_code_and_message() {
        assert_eq!(api(400, 131047, "Re-engagement message").reason(), "(#131047) Re-engagement message");
        assert_eq!(
            api(400, 131030, "(#131030) Recipient phone number not in allowed list").reason(),
            "(#131030) Recipient phone number not in allowed list"
        );
        assert_eq!(api(502, 0, "HTTP 502").reason(), "HTTP 502");
        assert_eq!(
            GraphError::Transport("connection refused".into()).reason(),
            "Graph API unreachable: connection refused"
        );
        assert_eq!(
            api(400, 131047, "Re-engagement message").to_string(),
            "Graph API error (HTTP 400): (#131047) Re-engagement message"
        );
    }
}
