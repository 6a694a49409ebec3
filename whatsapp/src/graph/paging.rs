//! Meta's cursor paging, shared by every list endpoint we read (templates,
//! catalogs, products, product sets).
//!
//! Meta pages with `paging.next` (an absolute URL) and `paging.cursors`;
//! `next` is absent on the last page, while `cursors` may still be there.
//! So a page with `next` is followed and one without ends the list. When
//! the page also names `cursors.after`, the next request is rebuilt on our
//! own base URL with `after=` (the token never goes to a host we did not
//! configure); otherwise `next` is fetched as given. A cursor seen twice, or
//! more than `MAX_PAGES` pages, is an error rather than a loop.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::http::HttpGraph;
use super::NumberAuth;
use crate::error::GraphError;

/// A bound on paging: 1,000 pages of 100 is far above any account's
/// templates and above the catalogs we are built for.
const MAX_PAGES: usize = 1000;

impl HttpGraph {
    /// Every item of `GET {base}/{version}/{path}?{query}`, page by page.
    /// `what` names the list in errors ("template", "product"...).
    pub(super) async fn all_pages<T: DeserializeOwned>(
        &self,
        auth: &NumberAuth,
        path: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Vec<T>, GraphError> {
        let first = self.url(path);
        let mut request = self.client.get(&first).query(query);
        let mut items = Vec::new();
        let mut cursors = HashSet::new();
        for _ in 0..MAX_PAGES {
            let page: Page<T> = self.json(auth, request, self.timeout).await?;
            items.extend(page.data);
            let Some(next) = page.paging.next else {
                return Ok(items);
            };
            request = match page.paging.cursors.after {
                Some(after) if !cursors.insert(after.clone()) => {
                    return Err(GraphError::Decode(format!("{what} paging repeated a cursor")));
                }
                Some(after) => self.client.get(&first).query(query).query(&[("after", &after)]),
                None => self.client.get(next),
            };
        }
        Err(GraphError::Decode(format!("{what} paging did not end after {MAX_PAGES} pages")))
    }
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    paging: Paging,
}

#[derive(Default, Deserialize)]
struct Paging {
    next: Option<String>,
    #[serde(default)]
    cursors: Cursors,
}

#[derive(Default, Deserialize)]
struct Cursors {
    after: Option<String>,
}
