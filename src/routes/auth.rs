//! Sign in and out. Passwords are verified with argon2 in `spawn_blocking`
//! (slow on purpose; never on the async threads). Attempts are throttled
//! per client address and per email with governor, so passwords cannot be
//! guessed at speed; an unknown email costs the same as a wrong password.

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use governor::clock::{Clock, DefaultClock};
use serde_json::{json, Value};
use tenants::{hash_password, verify_password, Email, LoginRequest, PasswordChange, SessionToken};

use super::views::UserView;
use crate::auth::Session;
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// A real argon2 hash of a throwaway password: verifying against it makes
/// an unknown email cost as long as a known one (no account probing by
/// timing). Computed once, on first use, inside `spawn_blocking`.
fn dummy_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("no account has this password").unwrap_or_default()).clone()
}

/// `POST /api/auth/login`
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<Value>, ApiError> {
    let email_key =
        Email::parse(&req.email).map(|e| e.as_str().to_string()).unwrap_or_else(|_| req.email.clone());
    let limits = &state.login_limits;
    for verdict in [limits.per_ip.check_key(&addr.ip()), limits.per_email.check_key(&email_key)] {
        if let Err(not_until) = verdict {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(ApiError::RateLimited(wait.as_secs().max(1)));
        }
    }
    let directory = state.system.directory();
    let found = directory.login_lookup(&req.email).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let password = req.password.clone();
    let ok =
        tokio::task::spawn_blocking(move || verify_password(&password, &hash.unwrap_or_else(dummy_hash)))
            .await
            .map_err(|e| ApiError::Internal(format!("verify task: {e}")))?;
    let Some((user_id, _)) = found.filter(|_| ok) else {
        return Err(ApiError::Unauthenticated);
    };
    let (token, hash) = SessionToken::generate();
    let principal = directory.create_session(user_id, hash).await?;
    state.system.commit().durable().await?;
    tracing::info!(user.id = %principal.user_id, "signed in");
    Ok(Json(json!({
        "token": token,
        "user": {
            "id": principal.user_id.to_string(),
            "email": principal.email,
            "name": principal.name,
            "role": principal.role.to_string(),
            "tenant_id": principal.tenant_id.map(|t| t.to_string()),
        }
    })))
}

/// `POST /api/auth/logout`: revokes the token and closes the sockets
/// opened with it.
pub async fn logout(State(state): State<AppState>, Session(p): Session) -> Result<StatusCode, ApiError> {
    state.system.directory().logout(p.token).await?;
    state.system.hub().close_session(p.token);
    state.system.commit().durable().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/auth/me`
pub async fn me(State(state): State<AppState>, Session(p): Session) -> Result<Json<UserView>, ApiError> {
    let users = match p.tenant_id {
        Some(t) => state.system.directory().list_users(t).await?,
        None => Vec::new(),
    };
    match users.iter().find(|u| u.id == p.user_id) {
        Some(u) => Ok(Json(UserView::from(u))),
        None => Ok(Json(UserView {
            id: p.user_id.to_string(),
            email: p.email,
            name: p.name,
            role: p.role.to_string(),
            tenant_id: None,
            active: true,
            max_open_chats: None,
            created_at: String::new(),
        })),
    }
}

/// `POST /api/auth/password`: changes one's own password (the current one
/// proves it is them); every other session of the user ends.
pub async fn change_password(
    State(state): State<AppState>,
    Session(p): Session,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    ApiError::check(req.validate())?;
    let directory = state.system.directory();
    let (_, hash) = directory.login_lookup(&p.email).await?.ok_or(ApiError::Unauthenticated)?;
    let current = req.current_password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .map_err(|e| ApiError::Internal(format!("verify task: {e}")))?;
    if !ok {
        return Err(ApiError::Forbidden("the current password is wrong"));
    }
    let hashed = super::tenant::users::hash(req.new_password).await?;
    for ended in directory.set_password(p.user_id, hashed, Some(p.token)).await? {
        state.system.hub().close_session(ended);
    }
    state.system.commit().durable().await?;
    Ok(StatusCode::NO_CONTENT)
}
