//! The catalog: synced on connect, on demand and every period, every page
//! and every set; searched and browsed from the copy; a failed sync keeps
//! the last good copy and says why; a manager may choose the catalog;
//! tenants are apart.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{catalog_id_for, connect_catalog, shop, wait_synced, PRODUCTS, SETS};
use crate::support::fake_graph::FakeCatalog;
use crate::support::{new_number, poll_until, spawn_app, spawn_app_with, GRAPH_VERSION, WAIT};

fn skus(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["retailer_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_syncs_its_whole_catalog_when_it_connects() {
    let app = spawn_app().await;
    let tenant = app.onboard_tenant("Lucky Shrub").await;
    // A second number whose WABA has a catalog: adding it is connecting it.
    let (body, mut number) = new_number(true);
    let catalog = FakeCatalog::generated(&catalog_id_for(&number.meta.waba_id), PRODUCTS, &SETS);
    app.graph.set_catalog(&number.meta.waba_id, catalog.clone());
    app.graph.set_catalog_page_size(40);
    let added = app.admin.add_number(&tenant.id, &body).await.expect(201);
    number.id = added["id"].as_str().unwrap().to_string();
    let mut tenant = tenant;
    tenant.numbers = vec![number.clone()];

    let status = wait_synced(&tenant, |s| s["products"] == json!(PRODUCTS)).await;

    assert_eq!(status["catalog_id"], json!(catalog.id));
    assert_eq!(status["sets"], json!(SETS.len()));
    assert_eq!(status["last_error"], Value::Null);
    assert!(status["synced_at"].is_string(), "{status}");
    // Every page was read, with the number's token and the fields we show.
    let requests = app.graph.catalog_requests();
    let product_pages: Vec<_> =
        requests.iter().filter(|r| r.path == format!("/{GRAPH_VERSION}/{}/products", catalog.id)).collect();
    assert_eq!(product_pages.len(), PRODUCTS.div_ceil(40), "{product_pages:#?}");
    for r in &product_pages {
        assert_eq!(r.authorization.as_deref(), Some(format!("Bearer {}", number.access_token).as_str()));
        assert!(r.query_param("fields").unwrap().contains("retailer_id"), "{r:?}");
    }
    assert!(requests
        .iter()
        .any(|r| r.path == format!("/{GRAPH_VERSION}/{}/product_catalogs", number.meta.waba_id)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_product_pages_out_by_name_and_sets_browse_their_members() {
    let s = shop().await;
    let manager = &s.tenant.manager;

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page =
            manager.catalog_products(s.number_id(), &format!("limit=100&cursor={cursor}")).await.expect(200);
        seen.extend(skus(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    let expected: BTreeSet<String> =
        s.catalog.products.iter().map(|p| p["retailer_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(seen.len(), PRODUCTS, "no product twice, none missing");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), expected);

    let first = manager.catalog_products(s.number_id(), "q=SKU-0042").await.expect(200);
    let product = &first["items"][0];
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let served = s.catalog.products.iter().find(|p| p["retailer_id"] == "SKU-0042").unwrap();
    assert_eq!(product["name"], served["name"]);
    assert_eq!(product["description"], served["description"]);
    assert_eq!(product["price"], json!(63.0), "Meta's {:?} as a number", served["price"]);
    assert_eq!(product["price_text"], served["price"]);
    assert_eq!(product["currency"], "USD");
    assert_eq!(product["image_url"], served["image_url"]);
    assert_eq!(product["availability"], "in stock");

    let words = manager.catalog_products(s.number_id(), "q=product%2042").await.expect(200);
    let found: BTreeSet<String> = skus(&words).into_iter().collect();
    assert_eq!(found, ["SKU-0042", "SKU-0142", "SKU-0242"].map(String::from).into_iter().collect());
    let by_description =
        manager.catalog_products(s.number_id(), "q=DESCRIPTION%20of%20product%20199").await.expect(200);
    assert_eq!(skus(&by_description), ["SKU-0199"]);

    let sets = manager.catalog_sets(s.number_id()).await.expect(200);
    let names: Vec<&str> =
        sets["items"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, SETS);
    for (id, _, members) in &s.catalog.sets {
        let page = manager.catalog_products(s.number_id(), &format!("set={id}&limit=200")).await.expect(200);
        let got: BTreeSet<String> = skus(&page).into_iter().collect();
        assert_eq!(got, members.iter().cloned().collect::<BTreeSet<_>>(), "set {id}");
    }
    let in_set = manager
        .catalog_products(s.number_id(), &format!("set={}&q=product%2042", s.catalog.sets[0].0))
        .await
        .expect(200);
    // The first set holds every second product: 42, 142 and 242 are in it.
    assert_eq!(skus(&in_set).into_iter().collect::<BTreeSet<_>>(), found);

    assert_eq!(manager.catalog_products(s.number_id(), "set=123").await.expect_error(404), "not_found");
    assert_eq!(
        manager.catalog_products(s.number_id(), "cursor=abc").await.expect_error(400),
        "invalid_cursor"
    );
    // Staff browse the catalog too: they sell.
    let staff = s.tenant.create_staff().await;
    staff.client.catalog_products(s.number_id(), "q=SKU-0001").await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_syncs_again_every_period_and_picks_up_a_changed_product() {
    // `whatsapp.catalog_sync_every_secs`: 6 hours by default, 1 s here.
    let app = spawn_app_with(|s| s.whatsapp.catalog_sync_every_secs = 1).await;
    let tenant = app.onboard_tenant("Lucky Shrub").await;
    let number_id = tenant.number().id.clone();
    let waba = tenant.number().meta.waba_id.clone();
    let mut catalog = FakeCatalog::generated(&catalog_id_for(&waba), 12, &SETS);
    app.graph.set_catalog(&waba, catalog.clone());
    tenant.manager.sync_catalog(&number_id).await.expect(202);
    let first = wait_synced(&tenant, |s| s["products"] == json!(12)).await;
    let product_pages = || {
        app.graph
            .catalog_requests()
            .iter()
            .filter(|r| r.path.ends_with(&format!("{}/products", catalog.id)))
            .count()
    };
    let pages_then = product_pages();

    // The shop renames a product in Commerce Manager; nobody asks for a sync.
    catalog.products[4]["name"] = json!("Monstera deliciosa");
    app.graph.set_catalog(&waba, catalog.clone());
    let found = poll_until(WAIT, "the renamed product after a periodic sync", || async {
        let page = tenant.manager.catalog_products(&number_id, "q=monstera").await.expect(200);
        (skus(&page) == ["SKU-0005"]).then_some(page)
    })
    .await;

    assert_eq!(found["items"][0]["name"], "Monstera deliciosa");
    assert!(product_pages() > pages_then, "the products were fetched again");
    let status = tenant.manager.catalog_status(&number_id).await.expect(200);
    assert!(status["synced_at"].as_str() > first["synced_at"].as_str(), "{first} then {status}");
    assert_eq!((status["products"].clone(), status["last_error"].clone()), (json!(12), Value::Null));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_keeps_the_last_good_copy_and_says_why() {
    let s = shop().await;
    s.app.graph.fail_catalog(403, 10, "Application does not have permission for this action");

    s.tenant.manager.sync_catalog(s.number_id()).await.expect(202);
    let status = wait_synced(&s.tenant, |st| st["last_error"].is_string()).await;

    assert!(status["last_error"].as_str().unwrap().contains("does not have permission"), "{status}");
    assert_eq!(status["products"], json!(PRODUCTS), "the last good copy stays: {status}");
    let page = s.tenant.manager.catalog_products(s.number_id(), "q=SKU-0007").await.expect(200);
    assert_eq!(skus(&page), ["SKU-0007"]);

    s.app.graph.catalog_ok();
    s.tenant.manager.sync_catalog(s.number_id()).await.expect(202);
    wait_synced(&s.tenant, |st| st["last_error"].is_null()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_chooses_the_catalog_by_id_and_staff_cannot() {
    let s = shop().await;
    // Another catalog of the business, not the one connected to the WABA.
    let other = FakeCatalog::generated("5550001112223", 12, &[]);
    s.app.graph.set_catalog("some-other-waba", other.clone());
    let staff = s.tenant.create_staff().await;
    let choice = json!({"catalog_id": other.id});

    assert_eq!(staff.client.choose_catalog(s.number_id(), &choice).await.expect_error(403), "forbidden");
    let bad = s.tenant.manager.choose_catalog(s.number_id(), &json!({"catalog_id": "../x"})).await;
    assert_eq!(bad.expect_error(422), "invalid_catalog_id");
    let chosen = s.tenant.manager.choose_catalog(s.number_id(), &choice).await.expect(200);
    assert_eq!(chosen["chosen_catalog_id"], json!(other.id));

    let status = wait_synced(&s.tenant, |st| st["catalog_id"] == json!(other.id)).await;
    assert_eq!(status["products"], json!(12));
    assert_eq!(status["sets"], json!(0));

    // Back to the WABA's own.
    s.tenant.manager.choose_catalog(s.number_id(), &json!({"catalog_id": null})).await.expect(200);
    wait_synced(&s.tenant, |st| st["catalog_id"] == json!(s.catalog.id)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenant_s_catalog_is_not_found() {
    let s = shop().await;
    let other = s.app.onboard_tenant("Other").await;
    connect_catalog(&s.app, &other).await;
    let mine = s.number_id();
    let theirs = &other.number().id;

    assert_eq!(other.manager.catalog_status(mine).await.expect_error(404), "not_found");
    assert_eq!(other.manager.catalog_products(mine, "").await.expect_error(404), "not_found");
    assert_eq!(other.manager.catalog_sets(mine).await.expect_error(404), "not_found");
    assert_eq!(other.manager.sync_catalog(mine).await.expect_error(404), "not_found");
    let choice = json!({"catalog_id": "1"});
    assert_eq!(other.manager.choose_catalog(mine, &choice).await.expect_error(404), "not_found");
    s.tenant.manager.catalog_status(mine).await.expect(200);
    assert_eq!(s.tenant.manager.catalog_status(theirs).await.expect_error(404), "not_found");
}
