//! The Outbox: the durable send queue of one business number.
//!
//! A send is written to sled (with its message) before it gets here and is
//! removed in the same transaction that records its outcome, so a restart
//! resends whatever had no outcome. Sends go out through the Graph client in
//! tasks (a handler never waits on the network), at most `max_in_flight` at
//! once and no faster than the number's rate (`governor`). Network errors,
//! 5xx and Meta's rate-limit codes are retried with exponential backoff and
//! jitter; permanent errors fail the message with Meta's reason.

use std::collections::{HashSet, VecDeque};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use ractor::{Actor, ActorProcessingErr, ActorRef};
use rand::Rng;
use tenants::{MessageId, Number};
use whatsapp::{GraphError, NumberAuth, SentMessage};

use crate::conversation::record::OutboxEntry;
use crate::conversation::SendOutcome;
use crate::ctx::Ctx;
use crate::metrics::Metrics;
use crate::number::NumberMsg;
use crate::store::{key, Tree};

/// Outbox requests.
pub enum OutboxMsg {
    /// A durable send to make.
    Enqueue(Box<OutboxEntry>),
    /// Try to start more sends.
    Pump,
    /// A send attempt finished.
    Attempted(Box<OutboxEntry>, u32, Result<SentMessage, GraphError>),
    /// A backoff elapsed: queue the send again.
    Retry(Box<OutboxEntry>, u32),
}

/// How an Outbox starts.
pub struct OutboxArgs {
    pub(crate) ctx: Ctx,
    pub(crate) number: Number,
    pub(crate) parent: ActorRef<NumberMsg>,
}

/// The Outbox's state.
pub struct OutboxState {
    /// Shared context.
    ctx: Ctx,
    /// The NumberActor (outcomes go there).
    parent: ActorRef<NumberMsg>,
    /// Credentials for the Graph API.
    auth: Arc<NumberAuth>,
    /// Sends waiting, with their attempt count.
    queue: VecDeque<(Box<OutboxEntry>, u32)>,
    /// Messages queued, in flight or backing off (never sent twice at once).
    known: HashSet<MessageId>,
    /// Sends in progress.
    in_flight: usize,
    /// The number's throughput limit.
    limiter: DefaultDirectRateLimiter,
    /// Whether a delayed `Pump` is already scheduled.
    pump_scheduled: bool,
}

/// The Outbox actor.
pub struct Outbox;

impl Actor for Outbox {
    type Msg = OutboxMsg;
    type State = OutboxState;
    type Arguments = OutboxArgs;

    async fn pre_start(
        &self,
        me: ActorRef<OutboxMsg>,
        a: OutboxArgs,
    ) -> Result<OutboxState, ActorProcessingErr> {
        let rate = NonZeroU32::new(a.ctx.settings.outbox_rate_per_sec.max(1)).unwrap_or(NonZeroU32::MIN);
        let prefix = key(&[&a.number.tenant_id.to_bytes(), &a.number.id.to_bytes()]);
        let pending = a.ctx.store.scan_prefix::<OutboxEntry>(Tree::Outbox, &prefix)?;
        let mut state = OutboxState {
            auth: Arc::new(NumberAuth {
                phone_number_id: a.number.phone_number_id.clone(),
                access_token: a.number.access_token.expose().to_string(),
            }),
            ctx: a.ctx,
            parent: a.parent,
            queue: VecDeque::new(),
            known: HashSet::new(),
            in_flight: 0,
            limiter: RateLimiter::direct(Quota::per_second(rate)),
            pump_scheduled: false,
        };
        for (_, entry) in pending {
            enqueue(&mut state, Box::new(entry), 0);
        }
        if !state.queue.is_empty() {
            tracing::info!(number.id = %a.number.id, pending = state.queue.len(), "resuming sends");
            let _ = me.cast(OutboxMsg::Pump);
        }
        Ok(state)
    }

    async fn handle(
        &self,
        me: ActorRef<OutboxMsg>,
        msg: OutboxMsg,
        s: &mut OutboxState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            OutboxMsg::Enqueue(entry) => {
                if s.known.contains(&entry.message_id) {
                    return Ok(());
                }
                enqueue(s, entry, 0);
            }
            OutboxMsg::Pump => s.pump_scheduled = false,
            OutboxMsg::Retry(entry, attempts) => s.queue.push_back((entry, attempts)),
            OutboxMsg::Attempted(entry, attempts, result) => {
                s.in_flight -= 1;
                attempted(&me, s, entry, attempts, result);
            }
        }
        pump(&me, s);
        Ok(())
    }
}

fn enqueue(s: &mut OutboxState, entry: Box<OutboxEntry>, attempts: u32) {
    s.known.insert(entry.message_id);
    s.queue.push_back((entry, attempts));
}

/// Starts as many sends as the concurrency and rate limits allow.
fn pump(me: &ActorRef<OutboxMsg>, s: &mut OutboxState) {
    while s.in_flight < s.ctx.settings.outbox_max_in_flight && !s.queue.is_empty() {
        if let Err(not_until) = s.limiter.check() {
            if !s.pump_scheduled {
                s.pump_scheduled = true;
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let me = me.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    let _ = me.cast(OutboxMsg::Pump);
                });
            }
            return;
        }
        let Some((entry, attempts)) = s.queue.pop_front() else { return };
        s.in_flight += 1;
        let graph = s.ctx.graph.clone();
        let auth = s.auth.clone();
        let me = me.clone();
        tokio::spawn(async move {
            let result = match serde_json::from_str::<serde_json::Value>(&entry.request_json) {
                Ok(body) => graph.send_message(&auth, &body).await,
                Err(e) => Err(GraphError::Decode(format!("stored request: {e}"))),
            };
            let _ = me.cast(OutboxMsg::Attempted(entry, attempts + 1, result));
        });
    }
}

/// Exponential backoff with full jitter: up to base * 2^attempt, capped at a minute.
fn backoff(base: Duration, attempts: u32) -> Duration {
    let ceiling = base.saturating_mul(1 << attempts.min(16)).min(Duration::from_secs(60));
    let ms = ceiling.as_millis().max(1) as u64;
    Duration::from_millis(ms / 2 + rand::thread_rng().gen_range(0..=ms / 2))
}

fn attempted(
    me: &ActorRef<OutboxMsg>,
    s: &mut OutboxState,
    entry: Box<OutboxEntry>,
    attempts: u32,
    result: Result<SentMessage, GraphError>,
) {
    let outcome = match result {
        Ok(sent) => {
            Metrics::inc(&s.ctx.metrics.messages_sent);
            SendOutcome::Sent(sent.wamid)
        }
        Err(e) if e.is_retryable() && attempts < s.ctx.settings.outbox_max_attempts => {
            let delay = backoff(s.ctx.settings.outbox_backoff_base, attempts);
            tracing::warn!(message.id = %entry.message_id, attempts, error = %e.reason(), ?delay, "send failed; retrying");
            let me = me.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = me.cast(OutboxMsg::Retry(entry, attempts));
            });
            return;
        }
        Err(e) => {
            Metrics::inc(&s.ctx.metrics.messages_failed);
            tracing::warn!(message.id = %entry.message_id, attempts, error = %e.reason(), "send failed");
            SendOutcome::Failed { code: e.meta_code().unwrap_or(0), message: e.reason() }
        }
    };
    s.known.remove(&entry.message_id);
    let _ = s.parent.cast(NumberMsg::SendResult(entry.conversation_id, entry.message_id, outcome));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        for attempts in 0..20 {
            let d = backoff(base, attempts);
            let ceiling = base.saturating_mul(1 << attempts.min(16)).min(Duration::from_secs(60));
            assert!(d <= ceiling && d >= ceiling / 2, "{attempts}: {d:?}");
        }
    }
}
