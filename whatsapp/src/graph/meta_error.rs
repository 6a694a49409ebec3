//! Meta's error JSON (`{"error": {"message", "code", "error_subcode",
//! "error_data": {"details"}, "fbtrace_id"}}`) into a [`GraphError::Api`],
//! for any non-2xx answer of any endpoint.

use reqwest::StatusCode;
use serde::Deserialize;

use crate::error::GraphError;

/// Meta's error envelope: `{"error": {...}}`.
#[derive(Deserialize)]
struct ErrorEnvelope {
    error: WireGraphError,
}

#[derive(Deserialize)]
struct WireGraphError {
    #[serde(default)]
    message: String,
    code: i64,
    error_subcode: Option<i64>,
    error_data: Option<WireErrorData>,
    fbtrace_id: Option<String>,
}

#[derive(Deserialize)]
struct WireErrorData {
    details: Option<String>,
}

/// A non-2xx answer as `GraphError::Api`; code 0 when the body was not
/// Meta's error JSON (a proxy's error page, say).
pub(super) fn api_error(status: StatusCode, body: &[u8]) -> GraphError {
    let http_status = status.as_u16();
    match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(ErrorEnvelope { error }) => {
            tracing::debug!(
                http_status,
                code = error.code,
                fbtrace_id = error.fbtrace_id.as_deref().unwrap_or(""),
                "Graph API error"
            );
            GraphError::Api {
                http_status,
                code: error.code,
                subcode: error.error_subcode,
                message: error.message,
                details: error.error_data.and_then(|d| d.details),
            }
        }
        Err(_) => GraphError::Api {
            http_status,
            code: 0,
            subcode: None,
            message: format!("HTTP {status}"),
            details: None,
        },
    }
}
