//! The typed client's commerce endpoints: a number's catalog (status,
//! choice, products, sets, sync) and orders (a chat's, the tenant's, one,
//! and moving its status).

use serde_json::Value;

use super::{ApiClient, ApiResponse};

impl ApiClient {
    /// `GET /api/numbers/{number_id}/catalog`.
    pub async fn catalog_status(&self, number_id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/numbers/{number_id}/catalog")).await
    }

    /// `PUT /api/numbers/{number_id}/catalog`.
    pub async fn choose_catalog(&self, number_id: &str, body: &Value) -> ApiResponse {
        self.raw_put(&format!("/api/numbers/{number_id}/catalog"), body).await
    }

    /// `GET /api/numbers/{number_id}/catalog/products?{query}`.
    pub async fn catalog_products(&self, number_id: &str, query: &str) -> ApiResponse {
        self.raw_get(&format!("/api/numbers/{number_id}/catalog/products?{query}")).await
    }

    /// `GET /api/numbers/{number_id}/catalog/sets`.
    pub async fn catalog_sets(&self, number_id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/numbers/{number_id}/catalog/sets")).await
    }

    /// `POST /api/numbers/{number_id}/catalog/sync`.
    pub async fn sync_catalog(&self, number_id: &str) -> ApiResponse {
        self.raw_post(&format!("/api/numbers/{number_id}/catalog/sync"), &Value::Null).await
    }

    /// `GET /api/conversations/{id}/orders?{query}`.
    pub async fn conversation_orders(&self, conversation_id: &str, query: &str) -> ApiResponse {
        self.raw_get(&format!("/api/conversations/{conversation_id}/orders?{query}")).await
    }

    /// `GET /api/orders?{query}`.
    pub async fn orders(&self, query: &str) -> ApiResponse {
        self.raw_get(&format!("/api/orders?{query}")).await
    }

    /// `GET /api/orders/{id}`.
    pub async fn order(&self, id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/orders/{id}")).await
    }

    /// `PATCH /api/orders/{id}`.
    pub async fn update_order(&self, id: &str, body: &Value) -> ApiResponse {
        self.raw_patch(&format!("/api/orders/{id}"), body).await
    }
}
