//! The fake's `GET /{version}/{waba_id}/message_templates`: the templates a
//! test set for an account, in pages with Meta's `paging.cursors` and, on
//! every page but the last, `paging.next` (an absolute URL).

use axum::response::Response;
use serde_json::Value;

use super::{target, FakeGraph, RecordedRequest, Shared};

impl FakeGraph {
    /// The templates of the WhatsApp Business Account `waba_id`, each as
    /// Meta lists it (`name`, `language`, `status`, `category`,
    /// `components`, ...).
    pub fn set_templates(&self, waba_id: &str, templates: Vec<Value>) {
        self.shared.lock().templates.insert(waba_id.to_string(), templates);
    }

    /// At most `n` templates per page (0: as many as the caller asks for).
    pub fn set_template_page_size(&self, n: usize) {
        self.shared.lock().template_page_size = n;
    }

    /// The template list requests so far.
    pub fn template_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "GET" && target(&r.path, "message_templates").is_some())
            .collect()
    }
}

/// `GET /{version}/{waba_id}/message_templates?limit=&after=`: one page.
pub(super) fn templates(shared: &Shared, request: &RecordedRequest) -> Response {
    let (_, waba_id) = target(&request.path, "message_templates").unwrap_or_default();
    let (all, size) = {
        let inner = shared.lock();
        (inner.templates.get(waba_id).cloned().unwrap_or_default(), inner.template_page_size)
    };
    super::paging::page(shared, request, &all, size)
}
