//! A number's WhatsApp catalog (API.md, "Commerce"): its sync status, the
//! catalog in use (a manager may pick one by id), products searched by
//! words or browsed by set, and on-demand syncs. Searches run over the
//! number's immutable catalog snapshot in the request's own task.

use actors::CatalogStatus;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::routes::tenant::numbers::number_of;
use crate::state::AppState;

/// Products per page unless asked.
const DEFAULT_LIMIT: usize = 50;
/// Largest page.
const MAX_LIMIT: usize = 200;

/// `GET /api/numbers/{id}/catalog`: which catalog, how many products and
/// sets, when it was synced and why the last sync failed, if it did.
pub async fn status(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<CatalogStatus>, ApiError> {
    let number = number_of(&state, scope.tenant_id, &id)?;
    Ok(Json(number.catalog().await?.status))
}

/// Body of `PUT /api/numbers/{id}/catalog`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChooseBody {
    /// A catalog id, or `null` for the one connected to the WABA.
    catalog_id: Option<String>,
}

/// `PUT /api/numbers/{id}/catalog` (managers): use this catalog and sync it.
pub async fn choose(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
    Json(body): Json<ChooseBody>,
) -> Result<Json<CatalogStatus>, ApiError> {
    let number = number_of(&state, scope.tenant_id, &id)?;
    if let Some(catalog) = &body.catalog_id {
        if catalog.is_empty() || !catalog.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::unprocessable("invalid_catalog_id", "a catalog id is Meta's numeric id"));
        }
    }
    Ok(Json(number.choose_catalog(body.catalog_id).await?))
}

/// `POST /api/numbers/{id}/catalog/sync`: 202; the sync runs in the
/// background (its outcome shows in the status).
pub async fn sync(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let number = number_of(&state, scope.tenant_id, &id)?;
    number.sync_catalog()?;
    Ok((StatusCode::ACCEPTED, Json(json!({"syncing": true}))))
}

/// Query of the product search.
#[derive(Debug, Deserialize)]
pub struct ProductQuery {
    q: Option<String>,
    set: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/numbers/{id}/catalog/products?q=&set=&cursor=&limit=`:
/// products by name, each word of `q` matching name, retailer id or
/// description; `set` browses one product set.
pub async fn products(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Query(q): Query<ProductQuery>,
) -> Result<Json<Value>, ApiError> {
    let number = number_of(&state, scope.tenant_id, &id)?;
    let offset = match q.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse()
            .map_err(|_| ApiError::bad_request("invalid_cursor", "cursor is not one this server returned"))?,
    };
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let snapshot = number.catalog().await?;
    let set = q.set.as_deref().filter(|s| !s.is_empty());
    let page = snapshot
        .catalog
        .search(q.q.as_deref().unwrap_or_default(), set, offset, limit)
        .map_err(|_| ApiError::NotFound)?;
    let items: Vec<Value> = page.items.iter().map(product_view).collect();
    Ok(Json(json!({"items": items, "next_cursor": page.next.map(|n| n.to_string())})))
}

/// `GET /api/numbers/{id}/catalog/sets`
pub async fn sets(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let number = number_of(&state, scope.tenant_id, &id)?;
    let snapshot = number.catalog().await?;
    let items: Vec<Value> = snapshot.catalog.sets().map(|s| json!({"id": s.id, "name": s.name})).collect();
    Ok(Json(json!({ "items": items })))
}

/// A product as the API shows it: `price` is a number in the currency's
/// units (`null` when Meta's text has none); `price_text` is Meta's.
fn product_view(p: &whatsapp::Product) -> Value {
    json!({
        "retailer_id": p.retailer_id,
        "name": p.name,
        "description": p.description,
        "price": p.price_minor().map(|m| m as f64 / 100.0),
        "price_text": p.price,
        "currency": p.currency,
        "image_url": (!p.image_url.is_empty()).then_some(&p.image_url),
        "availability": p.availability,
    })
}
