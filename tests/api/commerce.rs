//! Commerce: a number's catalog synced from the fake Commerce API (every
//! page, every set), searched and browsed; product and cart messages in
//! Meta's exact shape within Meta's limits; a customer's cart becoming an
//! order with resolved names and the right total; order statuses, history
//! and visibility.

mod catalog;
mod orders;
mod sending;

use serde_json::{json, Value};

use crate::support::fake_graph::FakeCatalog;
use crate::support::{meta, poll_until, spawn_app, TestApp, TestTenant, WAIT};

/// Products in the catalog every test starts with.
pub const PRODUCTS: usize = 250;
/// Its sets.
pub const SETS: [&str; 2] = ["Summer", "Winter"];

/// A running app, a tenant whose number has a synced catalog of
/// [`PRODUCTS`] products in pages of 40, and the catalog as served.
pub struct Shop {
    pub app: TestApp,
    pub tenant: TestTenant,
    pub catalog: FakeCatalog,
}

impl Shop {
    /// The number's id.
    pub fn number_id(&self) -> &str {
        &self.tenant.number().id
    }
}

/// A catalog id unique to `waba_id`.
pub fn catalog_id_for(waba_id: &str) -> String {
    format!("77{}", &waba_id[waba_id.len().saturating_sub(10)..])
}

/// Onboards a tenant, connects a catalog to its WABA and syncs it.
pub async fn shop() -> Shop {
    let app = spawn_app().await;
    let tenant = app.onboard_tenant("Lucky Shrub").await;
    let catalog = connect_catalog(&app, &tenant).await;
    Shop { app, tenant, catalog }
}

/// Connects a generated catalog to `tenant`'s WABA, syncs it and waits.
pub async fn connect_catalog(app: &TestApp, tenant: &TestTenant) -> FakeCatalog {
    let waba = &tenant.number().meta.waba_id;
    let catalog = FakeCatalog::generated(&catalog_id_for(waba), PRODUCTS, &SETS);
    app.graph.set_catalog(waba, catalog.clone());
    app.graph.set_catalog_page_size(40);
    tenant.manager.sync_catalog(&tenant.number().id).await.expect(202);
    wait_synced(tenant, |s| s["products"] == json!(PRODUCTS)).await;
    catalog
}

/// Waits until the catalog status satisfies `ok` and no sync runs.
pub async fn wait_synced(tenant: &TestTenant, ok: impl Fn(&Value) -> bool) -> Value {
    let id = tenant.number().id.clone();
    poll_until(WAIT, "the catalog sync", || async {
        let status = tenant.manager.catalog_status(&id).await.expect(200);
        (status["syncing"] == json!(false) && ok(&status)).then_some(status)
    })
    .await
}

/// A customer's cart as Meta posts it: `(retailer id, quantity, unit price)`.
pub fn order_webhook(
    tenant: &TestTenant,
    wa_id: &str,
    name: &str,
    catalog_id: &str,
    items: &[(&str, u32, f64)],
) -> (String, Value) {
    let wamid = meta::wamid();
    let number = &tenant.number().meta;
    let message = json!({
        "from": wa_id, "id": wamid, "timestamp": meta::now_ts(), "type": "order",
        "order": {
            "catalog_id": catalog_id,
            "text": "Please gift wrap",
            "product_items": items.iter().map(|(sku, quantity, price)| json!({
                "product_retailer_id": sku, "quantity": quantity, "item_price": price, "currency": "USD",
            })).collect::<Vec<_>>(),
        },
    });
    let payload = meta::notification(vec![meta::entry(
        &number.waba_id,
        vec![meta::change(number, vec![meta::contact(wa_id, name)], vec![message], vec![])],
    )]);
    (wamid, payload)
}
