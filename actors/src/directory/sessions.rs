//! Sessions and who a token belongs to. Tokens are stored only as their
//! SHA-256, so a copy of the database holds no usable token; `last_seen` is
//! written back at most once a minute (idle expiry does not need more).
//! A session idle past the expiry ends when it is next used, or at the
//! next periodic sweep, whichever comes first: a token nobody presents
//! again would otherwise stay in memory and in sled for ever.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tenants::{Email, TokenHash, UserId};

use super::{DirectoryState, Principal};
use crate::clock::now_ms;
use crate::error::ActorError;
use crate::store::{Batch, Tree};

/// How stale a session's persisted `last_seen` may get before it is rewritten.
const LAST_SEEN_WRITE_MS: i64 = 60_000;

/// A stored session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SessionRecord {
    pub user_id: UserId,
    pub created_at_ms: i64,
    pub last_seen_ms: i64,
}

/// The active user with this email and their password hash.
pub(super) fn login_lookup(s: &DirectoryState, email: &str) -> Option<(UserId, String)> {
    let email = Email::parse(email).ok()?;
    let user = s.users.get(s.by_email.get(email.as_str())?)?;
    user.active.then(|| (user.id, user.password_hash.clone()))
}

/// The principal of an active user of an active tenant.
pub(super) fn principal(
    s: &DirectoryState,
    user_id: UserId,
    token: TokenHash,
) -> Result<Principal, ActorError> {
    let user = s.users.get(&user_id).filter(|u| u.active).ok_or(ActorError::Unauthenticated)?;
    let mut see_unassigned = false;
    if let Some(t) = user.tenant_id {
        let tenant = s.tenants.get(&t).filter(|t| !t.suspended).ok_or(ActorError::Unauthenticated)?;
        see_unassigned = tenant.settings.staff_see_unassigned;
    }
    let mut team_ids: Vec<_> =
        s.teams.values().filter(|t| t.member_ids.contains(&user_id)).map(|t| t.id).collect();
    team_ids.sort();
    Ok(Principal {
        user_id,
        tenant_id: user.tenant_id,
        role: user.role,
        email: user.email.as_str().to_string(),
        name: user.name.clone(),
        token,
        team_ids,
        see_unassigned,
    })
}

fn write_session(s: &DirectoryState, token: TokenHash, record: &SessionRecord) -> Result<(), ActorError> {
    let mut batch = Batch::default();
    batch.put(Tree::Sessions, token.as_bytes().to_vec(), record)?;
    s.ctx.store.write(batch)
}

/// Opens a session for a user whose password the caller verified.
pub(super) fn create(
    s: &mut DirectoryState,
    user_id: UserId,
    token: TokenHash,
) -> Result<Principal, ActorError> {
    let p = principal(s, user_id, token)?;
    let now = now_ms();
    let record = SessionRecord { user_id, created_at_ms: now, last_seen_ms: now };
    write_session(s, token, &record)?;
    s.sessions.insert(token, record);
    Ok(p)
}

/// Whether a session has been unused past the idle expiry at `now`.
fn expired(idle_timeout: Duration, record: &SessionRecord, now: i64) -> bool {
    now - record.last_seen_ms > idle_timeout.as_millis() as i64
}

/// How often the Directory sweeps (an idle session outlives its expiry by
/// at most this): half the expiry, between a second and an hour.
pub(super) fn sweep_every(idle_timeout: Duration) -> Duration {
    (idle_timeout / 2).clamp(Duration::from_secs(1), Duration::from_secs(3600))
}

/// Deletes every session idle past the expiry.
pub(super) fn sweep(s: &mut DirectoryState) {
    let now = now_ms();
    let idle_timeout = s.ctx.settings.session_idle_timeout;
    let gone = revoke(s, |_, r| expired(idle_timeout, r, now));
    s.ctx.metrics.sessions_expired.fetch_add(gone.len() as u64, std::sync::atomic::Ordering::Relaxed);
}

/// Resolves a token, expiring idle sessions.
pub(super) fn authenticate(s: &mut DirectoryState, token: TokenHash) -> Result<Principal, ActorError> {
    let now = now_ms();
    let session = s.sessions.get(&token).ok_or(ActorError::Unauthenticated)?;
    if expired(s.ctx.settings.session_idle_timeout, session, now) {
        if !revoke(s, |t, _| *t == token).is_empty() {
            crate::metrics::Metrics::inc(&s.ctx.metrics.sessions_expired);
        }
        return Err(ActorError::Unauthenticated);
    }
    let p = principal(s, session.user_id, token)?;
    if let Some(session) = s.sessions.get_mut(&token) {
        let stale = now - session.last_seen_ms > LAST_SEEN_WRITE_MS;
        session.last_seen_ms = now;
        if stale {
            let record = session.clone();
            write_session(s, token, &record)?;
        }
    }
    Ok(p)
}

/// Deletes every session `matches` selects; returns their tokens.
pub(super) fn revoke(
    s: &mut DirectoryState,
    matches: impl Fn(&TokenHash, &SessionRecord) -> bool,
) -> Vec<TokenHash> {
    let gone: Vec<TokenHash> = s.sessions.iter().filter(|(t, r)| matches(t, r)).map(|(t, _)| *t).collect();
    if gone.is_empty() {
        return gone;
    }
    let mut batch = Batch::default();
    for token in &gone {
        s.sessions.remove(token);
        batch.delete(Tree::Sessions, token.as_bytes().to_vec());
    }
    if let Err(e) = s.ctx.store.write(batch) {
        tracing::error!(error = %e, "could not delete sessions");
    }
    gone
}
