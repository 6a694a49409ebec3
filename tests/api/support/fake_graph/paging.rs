//! Meta's cursor paging for the fake's list endpoints: a page of `limit`
//! (or the fake's own smaller page size), `paging.cursors` on every page
//! and `paging.next` (an absolute URL back to the fake) on all but the last.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{RecordedRequest, Shared};

/// One page of `all` for `request`, at most `page_size` items (0: as many
/// as the request's `limit` asks).
pub(super) fn page(shared: &Shared, request: &RecordedRequest, all: &[Value], page_size: usize) -> Response {
    let asked: usize = request.query_param("limit").and_then(|l| l.parse().ok()).unwrap_or(25).max(1);
    let size = if page_size == 0 { asked } else { page_size.min(asked) };
    let start: usize = request
        .query_param("after")
        .and_then(|c| c.strip_prefix("CURSOR").and_then(|n| n.parse().ok()))
        .unwrap_or(0)
        .min(all.len());
    let end = (start + size).min(all.len());
    let mut paging =
        json!({"cursors": {"before": format!("CURSOR{start}"), "after": format!("CURSOR{end}")}});
    if end < all.len() {
        let mut query: Vec<String> = request
            .query
            .as_deref()
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("after="))
            .map(str::to_string)
            .collect();
        query.push(format!("after=CURSOR{end}"));
        paging["next"] = json!(format!("{}{}?{}", shared.url, request.path, query.join("&")));
    }
    Json(json!({"data": all[start..end], "paging": paging})).into_response()
}
