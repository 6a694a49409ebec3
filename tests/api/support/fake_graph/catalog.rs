//! The fake's Commerce API: `GET /{waba_id}/product_catalogs`,
//! `GET /{catalog_id}/products`, `GET /{catalog_id}/product_sets` and
//! `GET /{product_set_id}/products`, paged as Meta pages them. A test sets
//! a WABA's catalog ([`FakeGraph::set_catalog`]) and can make every
//! commerce read fail ([`FakeGraph::fail_catalog`]), as a missing
//! permission does.

use axum::response::Response;
use serde_json::{json, Value};

use super::{meta_error, target, Failure, FakeGraph, RecordedRequest, Shared};

/// A catalog the fake serves.
#[derive(Debug, Clone, Default)]
pub struct FakeCatalog {
    /// Meta's catalog id.
    pub id: String,
    /// Products, each as Meta lists them (`id`, `retailer_id`, `name`,
    /// `description`, `price`, `currency`, `image_url`, `availability`).
    pub products: Vec<Value>,
    /// Product sets: (id, name, retailer ids of its products).
    pub sets: Vec<(String, String, Vec<String>)>,
}

impl FakeCatalog {
    /// `n` products `SKU-0001`... named "Product 1"..., priced 1.50, 3.00...
    /// (USD), and sets of the given names holding every `k`-th product
    /// (set `k` = 1-based position in `set_names` + 1).
    pub fn generated(id: &str, n: usize, set_names: &[&str]) -> FakeCatalog {
        let products = (1..=n)
            .map(|i| {
                json!({"id": format!("{}", 7_000_000 + i), "retailer_id": format!("SKU-{i:04}"),
                       "name": format!("Product {i}"), "description": format!("Description of product {i}"),
                       "price": format!("${}.{:02}", i * 3 / 2, (i * 150) % 100), "currency": "USD",
                       "image_url": format!("https://cdn.example/p/{i}.jpg"), "availability": "in stock"})
            })
            .collect();
        let sets = set_names
            .iter()
            .enumerate()
            .map(|(s, name)| {
                let every = s + 2;
                let members = (1..=n).filter(|i| i % every == 0).map(|i| format!("SKU-{i:04}")).collect();
                (format!("{}", 8_000_000 + s), name.to_string(), members)
            })
            .collect();
        FakeCatalog { id: id.to_string(), products, sets }
    }
}

impl FakeGraph {
    /// Connects `catalog` to the WhatsApp Business Account `waba_id`.
    pub fn set_catalog(&self, waba_id: &str, catalog: FakeCatalog) {
        self.shared.lock().catalogs.insert(waba_id.to_string(), catalog);
    }

    /// At most `n` items per page of every commerce list (0: as asked).
    pub fn set_catalog_page_size(&self, n: usize) {
        self.shared.lock().catalog_page_size = n;
    }

    /// Every commerce read fails with this error until [`Self::catalog_ok`].
    pub fn fail_catalog(&self, status: u16, code: i64, message: &str) {
        self.shared.lock().catalog_failure = Some(Failure { status, code, message: message.to_string() });
    }

    /// Commerce reads answer again.
    pub fn catalog_ok(&self) {
        self.shared.lock().catalog_failure = None;
    }

    /// The commerce reads so far.
    pub fn catalog_requests(&self) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|r| r.method == "GET" && is_commerce(&r.path)).collect()
    }
}

/// Whether `path` is one of the commerce reads.
pub(super) fn is_commerce(path: &str) -> bool {
    ["product_catalogs", "products", "product_sets"].iter().any(|leaf| target(path, leaf).is_some())
}

/// Answers a commerce read.
pub(super) fn answer(shared: &Shared, request: &RecordedRequest) -> Response {
    let (all, size) = {
        let inner = shared.lock();
        if let Some(f) = &inner.catalog_failure {
            return meta_error(f.status, f.code, &f.message);
        }
        let catalogs = || inner.catalogs.values();
        let all: Option<Vec<Value>> = if let Some((_, waba)) = target(&request.path, "product_catalogs") {
            inner.catalogs.get(waba).map(|c| vec![json!({"id": c.id, "name": format!("Catalog of {waba}")})])
        } else if let Some((_, id)) = target(&request.path, "product_sets") {
            catalogs()
                .find(|c| c.id == id)
                .map(|c| c.sets.iter().map(|(id, name, _)| json!({"id": id, "name": name})).collect())
        } else if let Some((_, id)) = target(&request.path, "products") {
            let of_catalog = catalogs().find(|c| c.id == id).map(|c| c.products.clone());
            of_catalog.or_else(|| {
                catalogs().flat_map(|c| c.sets.iter()).find(|(set, _, _)| set == id).map(|(_, _, members)| {
                    members.iter().map(|m| json!({"retailer_id": m, "id": format!("id-{m}")})).collect()
                })
            })
        } else {
            None
        };
        (all, inner.catalog_page_size)
    };
    match all {
        Some(all) => super::paging::page(shared, request, &all, size),
        None => meta_error(400, 100, "Unsupported get request. Object does not exist"),
    }
}
