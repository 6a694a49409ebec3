//! The Commerce API reads: a WABA's catalogs, a catalog's products and
//! product sets, and the products of a set, every page (see `paging`).

use super::http::{segment, HttpGraph};
use super::NumberAuth;
use crate::catalog::{CatalogInfo, Product, ProductSet, SetMember, PRODUCT_FIELDS};
use crate::error::GraphError;

/// Items asked for per page.
const PAGE_SIZE: &str = "100";

impl HttpGraph {
    /// `GET /{waba_id}/product_catalogs`.
    pub(super) async fn list_catalogs(
        &self,
        auth: &NumberAuth,
        waba_id: &str,
    ) -> Result<Vec<CatalogInfo>, GraphError> {
        let path = format!("{}/product_catalogs", segment(waba_id)?);
        self.all_pages(auth, &path, &[("fields", "id,name"), ("limit", PAGE_SIZE)], "catalog").await
    }

    /// `GET /{catalog_id}/products` with the fields we show.
    pub(super) async fn list_products(
        &self,
        auth: &NumberAuth,
        catalog_id: &str,
    ) -> Result<Vec<Product>, GraphError> {
        let path = format!("{}/products", segment(catalog_id)?);
        self.all_pages(auth, &path, &[("fields", PRODUCT_FIELDS), ("limit", PAGE_SIZE)], "product").await
    }

    /// `GET /{catalog_id}/product_sets`.
    pub(super) async fn list_product_sets(
        &self,
        auth: &NumberAuth,
        catalog_id: &str,
    ) -> Result<Vec<ProductSet>, GraphError> {
        let path = format!("{}/product_sets", segment(catalog_id)?);
        self.all_pages(auth, &path, &[("fields", "id,name"), ("limit", PAGE_SIZE)], "product set").await
    }

    /// `GET /{product_set_id}/products?fields=retailer_id`: the retailer ids of a set.
    pub(super) async fn list_set_products(
        &self,
        auth: &NumberAuth,
        set_id: &str,
    ) -> Result<Vec<String>, GraphError> {
        let path = format!("{}/products", segment(set_id)?);
        let members: Vec<SetMember> = self
            .all_pages(auth, &path, &[("fields", "retailer_id"), ("limit", PAGE_SIZE)], "product")
            .await?;
        Ok(members.into_iter().map(|m| m.retailer_id).collect())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::graph::fake::{auth, graph, json_response, meta_error, serve, serve_json, BEARER};
    use crate::graph::GraphApi;

    const CATALOG: &str = "771234567890123";

    fn product(n: usize) -> serde_json::Value {
        json!({"id": format!("{}", 9000 + n), "retailer_id": format!("SKU-{n}"), "name": format!("Shirt {n}"),
               "description": "Cotton", "price": "$12.50", "currency": "USD",
               "image_url": "https://cdn.example/p.jpg", "availability": "in stock"})
    }

    #[tokio::test]
    async fn products_follow_every_page_with_the_fields_we_show() {
        let (base, mut seen) = serve(|seen| {
            let after = seen.query.as_deref().and_then(|q| q.split("after=").nth(1)).map(str::to_string);
            let body = match after.as_deref() {
                None => json!({"data": [product(1), product(2)],
                               "paging": {"cursors": {"after": "A1"}, "next": "https://graph.facebook.com/x"}}),
                Some("A1") => json!({"data": [product(3)], "paging": {"cursors": {"after": "A2"}}}),
                Some(other) => panic!("unexpected cursor {other}"),
            };
            json_response(200, &body.to_string())
        })
        .await;

        let products = graph(&base).catalog_products(&auth(), CATALOG).await.unwrap();

        let skus: Vec<&str> = products.iter().map(|p| p.retailer_id.as_str()).collect();
        assert_eq!(skus, ["SKU-1", "SKU-2", "SKU-3"]);
        assert_eq!(products[0].price_minor(), Some(1250));
        let first = seen.recv().await.unwrap();
        assert_eq!(first.path, format!("/v21.0/{CATALOG}/products"));
        assert_eq!(
            first.query.as_deref(),
            Some("fields=id%2Cretailer_id%2Cname%2Cdescription%2Cprice%2Ccurrency%2Cimage_url%2Cavailability&limit=100")
        );
        assert_eq!(first.authorization.as_deref(), Some(BEARER));
        assert!(seen.recv().await.unwrap().query.unwrap().ends_with("&after=A1"));
    }

    #[tokio::test]
    async fn catalogs_sets_and_set_members() {
        let (base, mut seen) = serve_json(200, r#"{"data": [{"id": "771", "name": "Shop"}]}"#).await;
        let catalogs = graph(&base).product_catalogs(&auth(), "102290129340398").await.unwrap();
        assert_eq!((catalogs[0].id.as_str(), catalogs[0].name.as_str()), ("771", "Shop"));
        assert_eq!(seen.recv().await.unwrap().path, "/v21.0/102290129340398/product_catalogs");

        let (base, mut seen) = serve_json(200, r#"{"data": [{"id": "55", "name": "Summer"}]}"#).await;
        let sets = graph(&base).product_sets(&auth(), CATALOG).await.unwrap();
        assert_eq!((sets[0].id.as_str(), sets[0].name.as_str()), ("55", "Summer"));
        assert_eq!(seen.recv().await.unwrap().path, format!("/v21.0/{CATALOG}/product_sets"));

        let (base, mut seen) =
            serve_json(200, r#"{"data": [{"retailer_id": "SKU-1", "id": "1"}, {"retailer_id": "SKU-9"}]}"#)
                .await;
        assert_eq!(graph(&base).product_set_products(&auth(), "55").await.unwrap(), ["SKU-1", "SKU-9"]);
        let request = seen.recv().await.unwrap();
        assert_eq!(request.path, "/v21.0/55/products");
        assert_eq!(request.query.as_deref(), Some("fields=retailer_id&limit=100"));
    }

    #[tokio::test]
    async fn a_missing_permission_is_meta_s_error() {
        let (base, _seen) = serve_json(403, &meta_error(10, "Application does not have permission")).await;
        let err = graph(&base).catalog_products(&auth(), CATALOG).await.unwrap_err();
        assert!(err.reason().contains("permission"), "{err}");
    }
}
