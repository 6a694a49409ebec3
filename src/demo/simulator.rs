//! The customer simulator (demo mode only; `router()` mounts these routes
//! only when `AppState::demo` is set): a page where a person picks or
//! creates a customer, sees the chat from the customer's side (the
//! business's messages from the sandbox transcript, buttons and lists as
//! tappable buttons) and writes as the customer. Every customer message
//! becomes Meta's webhook, signed with the number's app secret and posted
//! to the server's own `/webhooks/whatsapp`, so the real pipeline runs.
//!
//! - `GET /demo/simulator`: the page (`web/demo/simulator.html`);
//! - `GET /demo/assets/{*path}`: its script and styles (`web/demo/`);
//! - `GET /demo/api/customers`: the demo number and the customers seen;
//! - `GET /demo/api/transcript?wa_id=`: one customer's chat;
//! - `GET /demo/api/catalog`: the demo catalog's products (names and prices
//!   for the product messages a customer receives);
//! - `POST /demo/api/customer`: write as a customer, tap, or order;
//! - `GET /demo/products/{sku}.svg`: a demo product's picture (its
//!   `image_url`; drawn by `whatsapp::sandbox::picture`).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tenants::FieldError;

use super::{items, CustomerInput, Demo, DISPLAY_NUMBER, PHONE_NUMBER_ID, TENANT_NAME};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// Longest customer text (Meta's limit for a text message).
const MAX_TEXT: usize = 4096;

fn demo(state: &AppState) -> Result<Arc<Demo>, ApiError> {
    state.demo.clone().ok_or(ApiError::NotFound)
}

/// `GET /demo/simulator`
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match demo(&state) {
        Ok(_) => crate::web::serve("demo/simulator.html", &headers),
        Err(e) => e.into_response(),
    }
}

/// `GET /demo/assets/{*path}`
pub async fn asset(State(state): State<AppState>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    if demo(&state).is_err() || path.split('/').any(|part| part.is_empty() || part.starts_with('.')) {
        return ApiError::NotFound.into_response();
    }
    crate::web::serve(&format!("demo/{path}"), &headers)
}

/// `GET /demo/products/{file}`
pub async fn picture(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    match demo(&state).and_then(|_| whatsapp::sandbox::catalog::picture(&file).ok_or(ApiError::NotFound)) {
        Ok(svg) => crate::web::svg(svg),
        Err(e) => e.into_response(),
    }
}

/// `GET /demo/api/customers`
pub async fn customers(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let demo = demo(&state)?;
    let customers = demo.sandbox().customers(PHONE_NUMBER_ID);
    let mut body = items(customers.into_iter().map(|c| json!({"wa_id": c.wa_id, "name": c.name})).collect());
    body["business"] = json!({"name": TENANT_NAME, "display_phone_number": DISPLAY_NUMBER});
    Ok(Json(body))
}

/// `?wa_id=`
#[derive(Debug, Deserialize)]
pub struct TranscriptQuery {
    wa_id: String,
}

/// `GET /demo/api/transcript?wa_id=`
pub async fn transcript(
    State(state): State<AppState>,
    Query(query): Query<TranscriptQuery>,
) -> Result<Json<Value>, ApiError> {
    let demo = demo(&state)?;
    ApiError::check(check_wa_id(&query.wa_id))?;
    let entries = demo.sandbox().transcript(PHONE_NUMBER_ID, &query.wa_id);
    let entries = entries.into_iter().map(|e| serde_json::to_value(e).unwrap_or(Value::Null)).collect();
    Ok(Json(items(entries)))
}

/// A tapped button or list row.
#[derive(Debug, Deserialize)]
pub struct Tap {
    id: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
}

/// `GET /demo/api/catalog`
pub async fn catalog(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    demo(&state)?;
    let products = whatsapp::sandbox::catalog::products();
    Ok(Json(items(
        products
            .iter()
            .map(|p| {
                json!({"retailer_id": p.retailer_id, "name": p.name, "price": p.price, "currency": p.currency,
                       "availability": p.availability, "image_url": p.image_url})
            })
            .collect(),
    )))
}

/// One line of a cart: a demo product and how many.
#[derive(Debug, Deserialize)]
pub struct CartLine {
    product_retailer_id: String,
    quantity: u32,
}

/// A cart the customer sends from a product message.
#[derive(Debug, Deserialize)]
pub struct Cart {
    product_items: Vec<CartLine>,
    #[serde(default)]
    text: Option<String>,
}

/// Most lines in a cart (a product list message offers at most 30).
const MAX_CART_LINES: usize = 30;
/// Most of one product in a cart.
const MAX_QUANTITY: u32 = 99;

/// The body of `POST /demo/api/customer`: exactly one of `text`,
/// `button_reply`, `list_reply`, `order`.
#[derive(Debug, Deserialize)]
pub struct CustomerMessage {
    wa_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    button_reply: Option<Tap>,
    #[serde(default)]
    list_reply: Option<Tap>,
    #[serde(default)]
    order: Option<Cart>,
}

fn check_wa_id(wa_id: &str) -> Vec<FieldError> {
    if (6..=15).contains(&wa_id.len()) && wa_id.bytes().all(|b| b.is_ascii_digit()) {
        Vec::new()
    } else {
        vec![FieldError::new("wa_id", "a phone number in digits with its country code, 6 to 15 digits")]
    }
}

/// A cart holds 1 to 30 demo products, 1 to 99 of each.
fn check_cart(cart: &Cart, errors: &mut Vec<FieldError>) {
    if cart.product_items.is_empty() || cart.product_items.len() > MAX_CART_LINES {
        errors.push(FieldError::new("order.product_items", "1 to 30 products"));
    }
    let products = whatsapp::sandbox::catalog::products();
    for (i, line) in cart.product_items.iter().enumerate() {
        if !products.iter().any(|p| p.retailer_id == line.product_retailer_id) {
            errors.push(FieldError::new(format!("order.product_items[{i}]"), "not in the demo catalog"));
        }
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            errors.push(FieldError::new(format!("order.product_items[{i}].quantity"), "1 to 99"));
        }
    }
    if cart.text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
        errors.push(FieldError::new("order.text", "at most 4096 characters"));
    }
}

impl CustomerMessage {
    /// Validates; returns the customer's name and what they send.
    fn into_input(self) -> Result<(String, String, CustomerInput), ApiError> {
        let mut errors = check_wa_id(&self.wa_id);
        let name = self.name.trim().to_string();
        if name.chars().count() > 100 {
            errors.push(FieldError::new("name", "at most 100 characters"));
        }
        let tap = |tap: Tap, path: &str, errors: &mut Vec<FieldError>| {
            if tap.id.is_empty()
                || tap.id.len() > 256
                || tap.title.is_empty()
                || tap.title.chars().count() > 72
            {
                errors.push(FieldError::new(path, "needs an id and a title"));
            }
            tap
        };
        let mut inputs = Vec::new();
        if let Some(text) = self.text {
            if text.trim().is_empty() || text.chars().count() > MAX_TEXT {
                errors.push(FieldError::new("text", "1 to 4096 characters"));
            }
            inputs.push(CustomerInput::Text(text));
        }
        if let Some(t) = self.button_reply {
            let t = tap(t, "button_reply", &mut errors);
            inputs.push(CustomerInput::Button { id: t.id, title: t.title });
        }
        if let Some(t) = self.list_reply {
            let t = tap(t, "list_reply", &mut errors);
            inputs.push(CustomerInput::ListRow { id: t.id, title: t.title, description: t.description });
        }
        if let Some(cart) = self.order {
            check_cart(&cart, &mut errors);
            let items = cart.product_items.into_iter().map(|l| (l.product_retailer_id, l.quantity)).collect();
            inputs.push(CustomerInput::Order { items, text: cart.text.filter(|t| !t.trim().is_empty()) });
        }
        if inputs.len() != 1 {
            errors.push(FieldError::new("text", "send exactly one of text, button_reply, list_reply, order"));
        }
        ApiError::check(errors)?;
        let name =
            if name.is_empty() { format!("Customer {}", &self.wa_id[self.wa_id.len() - 4..]) } else { name };
        let input = inputs.pop().ok_or(ApiError::NotFound)?;
        Ok((self.wa_id, name, input))
    }
}

/// `POST /demo/api/customer` -> 200 `{"wamid"}` once the server stored it.
pub async fn customer(
    State(state): State<AppState>,
    Json(request): Json<CustomerMessage>,
) -> Result<Json<Value>, ApiError> {
    let demo = demo(&state)?;
    let (wa_id, name, input) = request.into_input()?;
    let wamid = demo.customer_says(&wa_id, &name, input).await?;
    Ok(Json(json!({ "wamid": wamid, "wa_id": wa_id, "name": name })))
}
