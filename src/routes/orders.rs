//! Orders (API.md, "Commerce"): a chat's order history, the tenant's
//! orders list with filters, one order, and moving its status (optionally
//! telling the customer). An order is visible to whoever may see its chat:
//! staff see the orders of their chats only, another tenant's is a 404.

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{json, Value};
use tenants::{OrderId, UserId};

use actors::clock::parse_time;
use actors::{NumberHandle, OrderFilter, OrderRecord, OrderStatus, OrderUpdate, SendRequest};

use crate::auth::TenantScope;
use crate::error::{ApiError, Json};
use crate::routes::conversations::compose::{outbound, SendKind};
use crate::routes::conversations::messages::require_owner;
use crate::routes::conversations::{locate, viewer, MAX_LIMIT};
use crate::state::AppState;

/// Query of the order lists.
#[derive(Debug, Deserialize)]
pub struct OrdersQuery {
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

fn status_of(name: &str) -> Result<OrderStatus, ApiError> {
    OrderStatus::parse(name).ok_or_else(|| {
        let names: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::bad_request("invalid_status", format!("status is one of {}", names.join(", ")))
    })
}

fn parse_filter(q: &OrdersQuery) -> Result<(OrderFilter, usize), ApiError> {
    let time = |name: &'static str, v: &Option<String>| -> Result<Option<i64>, ApiError> {
        match v.as_deref().filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => parse_time(v).map(Some).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_date",
                    format!("{name} is a date (YYYY-MM-DD) or an RFC 3339 time"),
                )
            }),
        }
    };
    let filter = OrderFilter {
        conversation: None,
        status: q.status.as_deref().filter(|s| !s.is_empty()).map(status_of).transpose()?,
        from_ms: time("from", &q.from)?,
        to_ms: time("to", &q.to)?,
        before: q
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse().map_err(|_| {
                    ApiError::bad_request("invalid_cursor", "cursor is not one this server returned")
                })
            })
            .transpose()?,
    };
    Ok((filter, q.limit.unwrap_or(50).clamp(1, MAX_LIMIT)))
}

/// One page over `numbers`, newest first, with the cursor of the next.
async fn page(
    numbers: &[NumberHandle],
    filter: OrderFilter,
    scope: &TenantScope,
    limit: usize,
) -> Result<Json<Value>, ApiError> {
    let mut all: Vec<OrderRecord> = Vec::new();
    for number in numbers {
        // One more than a page tells whether there is a next one.
        all.extend(number.orders(filter.clone(), viewer(scope), limit + 1).await?);
    }
    all.sort_unstable_by_key(|o| std::cmp::Reverse(o.id));
    let next = (all.len() > limit).then(|| all[limit - 1].id.to_string());
    let items: Vec<Value> = all.iter().take(limit).map(OrderRecord::view).collect();
    Ok(Json(json!({"items": items, "next_cursor": next})))
}

/// `GET /api/orders?status=&from=&to=&cursor=&limit=`: the tenant's orders
/// the caller may see, newest first.
pub async fn list(
    State(state): State<AppState>,
    scope: TenantScope,
    Query(q): Query<OrdersQuery>,
) -> Result<Json<Value>, ApiError> {
    let (filter, limit) = parse_filter(&q)?;
    page(&state.system.numbers_of(scope.tenant_id), filter, &scope, limit).await
}

/// `GET /api/conversations/{id}/orders`: the customer's orders with this
/// number, newest first (same filters).
pub async fn of_conversation(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Query(q): Query<OrdersQuery>,
) -> Result<Json<Value>, ApiError> {
    let (number, record) = locate(&state, &scope, &id).await?;
    let (mut filter, limit) = parse_filter(&q)?;
    filter.conversation = Some(record.id);
    page(&[number], filter, &scope, limit).await
}

/// Finds an order whose chat the caller may see.
async fn locate_order(
    state: &AppState,
    scope: &TenantScope,
    id: &str,
) -> Result<(NumberHandle, actors::ConversationRecord, OrderRecord), ApiError> {
    let id: OrderId = id.parse().map_err(|_| ApiError::NotFound)?;
    for number in state.system.numbers_of(scope.tenant_id) {
        if let Some(order) = number.find_order(id).await? {
            let (number, record) = locate(state, scope, &order.conversation_id.to_string()).await?;
            return Ok((number, record, order));
        }
    }
    Err(ApiError::NotFound)
}

/// `GET /api/orders/{id}`
pub async fn get(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (_, _, order) = locate_order(&state, &scope, &id).await?;
    Ok(Json(order.view()))
}

/// Body of `PATCH /api/orders/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    /// The new status.
    status: String,
    /// A message to the customer, as `POST .../messages` takes it (a text
    /// inside the 24-hour window, or a template).
    notify: Option<SendKind>,
}

/// `PATCH /api/orders/{id}` `{"status", "notify"?}`: moves the order
/// forward (or cancels it) and tells the customer if asked; 200 the order.
pub async fn update(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
    Json(body): Json<PatchBody>,
) -> Result<Json<Value>, ApiError> {
    let status = status_of(&body.status)?;
    let (number, record, order) = locate_order(&state, &scope, &id).await?;
    require_owner(&scope, &record, "assign the chat to yourself before changing its orders")?;
    let by: UserId = scope.principal.user_id;
    let notify = match body.notify {
        Some(kind) => Some(SendRequest {
            author: by,
            outbound: outbound(&number, &record, kind).await?,
            reply_to: None,
            idempotency_key: None,
        }),
        None => None,
    };
    let update = OrderUpdate { order: order.id, status, by, notify };
    let order = number.update_order(record.id, update).await?;
    state.system.commit().durable().await?;
    Ok(Json(order.view()))
}
