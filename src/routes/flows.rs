//! Chatbot flows (API.md "Chatbot flows"): the builder's documents. A flow
//! is validated on every save (Meta's limits, dangling `next`, loops that
//! would never wait...) and refused with 422 listing the path of each
//! problem; warnings (e.g. an unreachable step) are returned but do not
//! block saving. Publishing snapshots the draft as the next version; chats
//! already inside a flow finish on the version they started with.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{json, Value};
use tenants::{FieldError, FlowId, FlowRecord, TenantId};

use crate::auth::{RequireManager, TenantScope};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// A flow as the API shows it: its document, plus id, version and warnings.
fn view(record: &FlowRecord) -> Value {
    let mut doc: Value = serde_json::from_str(&record.draft_json).unwrap_or_else(|_| json!({}));
    let warnings: Vec<Value> = chatbot::Flow::from_json(&record.draft_json)
        .map(|flow| {
            chatbot::validate(&flow)
                .into_iter()
                .map(|p| json!({"path": p.path, "message": p.message, "severity": p.severity}))
                .collect()
        })
        .unwrap_or_default();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("id".into(), record.id.to_string().into());
        obj.insert("published_version".into(), record.published_version.into());
        obj.insert("updated_at".into(), actors::clock::rfc3339(record.updated_at_ms).into());
        obj.insert("problems".into(), warnings.into());
    }
    doc
}

fn invalid(problems: Vec<chatbot::Problem>) -> ApiError {
    ApiError::Invalid(
        problems
            .into_iter()
            .filter(|p| p.severity == chatbot::Severity::Error)
            .map(|p| FieldError::new(&p.path, &p.message))
            .collect(),
    )
}

/// Parses and validates a flow document, including that the teams, users
/// and numbers it names belong to the tenant.
async fn checked(state: &AppState, tenant: TenantId, body: &Value) -> Result<String, ApiError> {
    let mut doc = body.clone();
    if let Some(obj) = doc.as_object_mut() {
        for derived in ["id", "published_version", "updated_at", "problems"] {
            obj.remove(derived);
        }
    }
    let json = doc.to_string();
    let flow = match chatbot::parse_flow(&json) {
        Ok(flow) => flow,
        Err(chatbot::ChatbotError::Invalid(problems)) => return Err(invalid(problems)),
        Err(chatbot::ChatbotError::Json { path, message }) => {
            return Err(ApiError::Invalid(vec![FieldError::new(&path, &message)]))
        }
    };
    let teams = state.system.directory().teams(tenant).await?;
    let users = state.system.directory().list_users(tenant).await?;
    let numbers: Vec<_> = state.system.numbers_of(tenant).iter().map(|n| n.number_id).collect();
    let mut errors = Vec::new();
    for (i, n) in flow.number_ids.iter().enumerate() {
        if !numbers.contains(n) {
            errors.push(FieldError::new(format!("number_ids[{i}]"), "not a number of this business"));
        }
    }
    for (id, step) in &flow.steps {
        match step {
            chatbot::Step::AssignTeam { team_id, .. }
            | chatbot::Step::Handover { team_id: Some(team_id), .. }
                if !teams.iter().any(|t| t.id == *team_id) =>
            {
                errors.push(FieldError::new(format!("steps.{id}.team_id"), "not a team of this business"))
            }
            chatbot::Step::AssignUser { user_id, .. }
                if !users.iter().any(|u| u.id == *user_id && u.active) =>
            {
                errors.push(FieldError::new(
                    format!("steps.{id}.user_id"),
                    "not an active user of this business",
                ))
            }
            _ => {}
        }
    }
    ApiError::check(errors)?;
    Ok(json)
}

async fn find(state: &AppState, tenant: TenantId, id: &str) -> Result<FlowRecord, ApiError> {
    let id: FlowId = ApiError::parse_id(id)?;
    let flows = state.system.directory().flows(tenant).await?;
    flows.into_iter().find(|f| f.id == id).ok_or(ApiError::NotFound)
}

/// The tenant's numbers pick up published changes.
fn reload(state: &AppState, tenant: TenantId) {
    for number in state.system.numbers_of(tenant) {
        number.reload_flows();
    }
}

/// `POST /api/flows`
pub async fn create(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let json = checked(&state, scope.tenant_id, &body).await?;
    let now = actors::clock::now_ms();
    let record = FlowRecord {
        id: FlowId::new(),
        tenant_id: scope.tenant_id,
        draft_json: json,
        published_version: 0,
        created_at_ms: now,
        updated_at_ms: now,
    };
    let record = state.system.directory().put_flow(record).await?;
    state.system.commit().durable().await?;
    Ok((StatusCode::CREATED, Json(view(&record))))
}

/// `GET /api/flows`
pub async fn list(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Value>, ApiError> {
    let flows = state.system.directory().flows(scope.tenant_id).await?;
    Ok(Json(json!({ "items": flows.iter().map(view).collect::<Vec<_>>() })))
}

/// `GET /api/flows/{id}`
pub async fn get(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(view(&find(&state, scope.tenant_id, &id).await?)))
}

/// `PUT /api/flows/{id}`: saves the draft (publish to make it live).
pub async fn replace(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let mut record = find(&state, scope.tenant_id, &id).await?;
    record.draft_json = checked(&state, scope.tenant_id, &body).await?;
    record.updated_at_ms = actors::clock::now_ms();
    let record = state.system.directory().put_flow(record).await?;
    state.system.commit().durable().await?;
    Ok(Json(view(&record)))
}

/// `DELETE /api/flows/{id}`: no new chat starts it; chats inside it finish.
pub async fn delete(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let record = find(&state, scope.tenant_id, &id).await?;
    state.system.directory().delete_flow(scope.tenant_id, record.id).await?;
    state.system.commit().durable().await?;
    reload(&state, scope.tenant_id);
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/flows/{id}/publish`: the draft becomes the next live version.
pub async fn publish(
    State(state): State<AppState>,
    RequireManager(scope): RequireManager,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let record = find(&state, scope.tenant_id, &id).await?;
    let body: Value = serde_json::from_str(&record.draft_json).unwrap_or(Value::Null);
    checked(&state, scope.tenant_id, &body).await?;
    let record = state.system.directory().publish_flow(scope.tenant_id, record.id).await?;
    state.system.commit().durable().await?;
    reload(&state, scope.tenant_id);
    Ok(Json(view(&record)))
}

/// `GET /api/flows/{id}/stats`: per step, how many chats entered, answered
/// and dropped out, summed over the tenant's numbers (stored: they
/// survive restarts, less a few seconds' worth after a crash).
pub async fn stats(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let record = find(&state, scope.tenant_id, &id).await?;
    let mut steps: std::collections::BTreeMap<String, [u64; 3]> = std::collections::BTreeMap::new();
    for number in state.system.numbers_of(scope.tenant_id) {
        for (step, entered, answered, dropped) in number.flow_stats(record.id.to_string()).await? {
            let c = steps.entry(step).or_default();
            c[0] += entered;
            c[1] += answered;
            c[2] += dropped;
        }
    }
    let items: Vec<Value> = steps
        .into_iter()
        .map(|(step, c)| json!({"step": step, "entered": c[0], "answered": c[1], "dropped": c[2]}))
        .collect();
    Ok(Json(json!({ "items": items })))
}
