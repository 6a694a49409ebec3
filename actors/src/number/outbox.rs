//! The Outbox: the send queue of one business number.
//!
//! A send is durable before it gets here: its message, listed as unsettled
//! by its conversation's summary row in the same commit
//! (`record::SummaryRow`). A start (or a respawn) resumes every listed send
//! whose message has no outcome yet, read in the background and built again
//! from the message (`conversation::request_of`); a commit a crash cut
//! short wrote no summary, so it lists nothing. Older builds wrote an
//! outbox row per send instead: those rows are still read, not sent while
//! the commit that wrote them is torn (`commit_landed`), and deleted by
//! their outcome. Sends go out through the Graph client in tasks (a
//! handler never waits on the network), at most `max_in_flight` at once
//! and no faster than the number's rate (`pace`), after a burst of
//! webhooks has been answered (`intake`). Network errors,
//! 5xx and Meta's rate-limit codes are retried with exponential backoff and
//! jitter; permanent errors fail the message with Meta's reason.
//!
//! Exactly once: every request carries our message id as
//! `biz_opaque_callback_data`. A send whose outcome we never learned (a
//! timeout, a crash) may have reached Meta, so it is not resent until
//! Meta's status webhooks had `outbox_ambiguous_grace` to name it; if one
//! does, the conversation settles the message and tells us (`Settled`).
//!
//! Attempts are not written before they leave (that was two sled writes
//! and a flush wait per send). Instead a clean stop writes which requests
//! had left without an answer (`CleanStop`), and a start without that mark
//! (a crash, or the Outbox respawned) treats every pending send as in
//! doubt: after a crash, replies waiting in the queue go out one grace
//! later rather than twice.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tenants::{ConversationId, MessageId, Number};
use whatsapp::{GraphError, NumberAuth, SentMessage};

use crate::clock::now_ms;
use crate::conversation::record::OutboxEntry;
use crate::conversation::{waiting_send, Landed, SendOutcome, Settlement};
use crate::ctx::Ctx;
use crate::error::ActorError;
use crate::metrics::Metrics;
use crate::number::pace::{Wait, Window};
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
    /// A wait elapsed: queue the send again.
    Retry(Box<OutboxEntry>, u32),
    /// The conversation settled this message from a status webhook.
    Settled(MessageId),
    /// Tell Meta the customer's message was read (best effort).
    MarkRead(String),
    /// The process stops cleanly: send nothing more, and write which
    /// requests left without an answer.
    Stop(RpcReplyPort<()>),
    /// How many sends are unsettled.
    Pending(RpcReplyPort<usize>),
    /// The listed sends a start read back (`resume`), durable now.
    Resumed(Vec<OutboxEntry>),
}

/// Sends a conversation's summary row lists as unsettled, for a start.
pub struct Resume {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its customer.
    pub wa_id: String,
    /// The sends.
    pub sends: Vec<MessageId>,
}

/// The durable record of attempts (the Outbox's own tree), written only
/// when an attempt failed and will be retried, so the count of attempts
/// survives a restart.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Attempts {
    /// Attempts made.
    count: u32,
    /// When the last one ended.
    last_at_ms: i64,
    /// Written by builds that recorded each attempt before it left; no
    /// longer read: without a `CleanStop` every pending send is in doubt.
    in_doubt: bool,
}

/// What a clean stop leaves for the next start: the sends whose request
/// had left without an answer. Every other pending send never reached Meta.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct CleanStop {
    in_doubt: Vec<MessageId>,
}

/// Which requests have left, shared with the send tasks: a task checks
/// in and out under the lock, so a stop sees exactly the requests that
/// left, and none leaves after it.
#[derive(Default)]
struct Departures {
    /// Set by a stop: tasks still waiting for their permit send nothing.
    closed: bool,
    /// Requests on the wire, or whose answer never came (a timeout).
    left: HashSet<MessageId>,
}

/// How an Outbox starts.
pub struct OutboxArgs {
    pub(crate) ctx: Ctx,
    pub(crate) number: Number,
    pub(crate) parent: ActorRef<NumberMsg>,
    /// The sends the number's summaries list as unsettled.
    pub(crate) resume: Vec<Resume>,
}

/// The Outbox's state.
pub struct OutboxState {
    /// Shared context.
    ctx: Ctx,
    /// The NumberActor (outcomes go there).
    parent: ActorRef<NumberMsg>,
    /// Credentials for the Graph API.
    auth: Arc<NumberAuth>,
    /// Sends ready to go, with their attempt count.
    queue: VecDeque<(Box<OutboxEntry>, u32)>,
    /// Messages still unsettled (queued, in flight or waiting): never sent
    /// twice at once, and forgotten when settled.
    known: HashSet<MessageId>,
    /// Sends in progress.
    in_flight: usize,
    /// The number's throughput limit.
    pacer: Arc<Pacer>,
    /// Meta refused the token on the last attempt.
    token_refused: bool,
    /// `tenant | number`: the key prefix of this outbox's rows.
    prefix: Vec<u8>,
    /// Requests that left without an answer yet.
    departures: Arc<Mutex<Departures>>,
    /// What the last clean stop left (`None`: there was none, so every
    /// send resumed at this start is in doubt).
    clean: Option<CleanStop>,
}

impl Drop for OutboxState {
    /// However the Outbox ends (a stop, its panic, its NumberActor's), the
    /// sends still waiting for their permit stay home: the next Outbox
    /// resumes them, and they must not go out twice.
    fn drop(&mut self) {
        lock(&self.departures).closed = true;
    }
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
        let per_sec = a.number.messages_per_sec.unwrap_or(a.ctx.settings.outbox_rate_per_sec);
        let prefix = key(&[&a.number.tenant_id.to_bytes(), &a.number.id.to_bytes()]);
        let rows = a.ctx.store.scan_prefix::<OutboxEntry>(Tree::Outbox, &prefix)?;
        let clean = take_clean_stop(&a.ctx, &prefix).await?;
        let mut s = OutboxState {
            auth: Arc::new(NumberAuth {
                phone_number_id: a.number.phone_number_id.clone(),
                access_token: a.number.access_token.expose().to_string(),
            }),
            ctx: a.ctx,
            parent: a.parent,
            queue: VecDeque::new(),
            known: HashSet::new(),
            in_flight: 0,
            pacer: Pacer::per_second(per_sec),
            token_refused: a.number.needs_attention.is_some(),
            prefix: prefix.clone(),
            departures: Arc::default(),
            clean,
        };
        // Older builds' rows, few and read at once; then the sends the
        // summaries list, read in the background.
        let mut pending = Vec::new();
        for (k, mut entry) in rows {
            if settled_already(&s.ctx, &entry)? {
                s.ctx.store.delete(Tree::Outbox, k.clone())?;
                s.ctx.store.delete(Tree::OutboxAttempts, k)?;
                continue;
            }
            // A clean stop flushed every commit whole: only a crash tears one.
            if s.clean.is_none() && !commit_landed(&s.ctx, &entry, k.clone())? {
                continue;
            }
            entry.has_row = true;
            pending.push(entry);
        }
        resume_later(&s.ctx, &a.number, a.resume, &me, &s.parent);
        take_up(&me, &mut s, pending)?;
        Ok(s)
    }

    async fn handle(
        &self,
        me: ActorRef<OutboxMsg>,
        msg: OutboxMsg,
        s: &mut OutboxState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            OutboxMsg::Enqueue(entry) => {
                if s.known.insert(entry.message_id) {
                    s.queue.push_back((entry, 0));
                }
            }
            OutboxMsg::Pump => {} // the pump below runs after every message
            OutboxMsg::Retry(entry, attempts) => {
                // Its outcome may have been written meanwhile by an Outbox
                // before a respawn, which told nobody here.
                if settled_already(&s.ctx, &entry)? {
                    settle(s, entry.message_id)?;
                } else if s.known.contains(&entry.message_id) {
                    s.queue.push_back((entry, attempts));
                }
            }
            OutboxMsg::Settled(id) => settle(s, id)?,
            OutboxMsg::Attempted(entry, attempts, result) => {
                s.in_flight -= 1;
                attempted(&me, s, entry, attempts, result)?;
            }
            OutboxMsg::Stop(r) => {
                stop(&s.ctx, &s.prefix, &s.departures);
                let _ = r.send(());
                return Ok(());
            }
            OutboxMsg::Pending(r) => {
                let _ = r.send(s.known.len());
                return Ok(());
            }
            OutboxMsg::Resumed(entries) => take_up(&me, s, entries)?,
            OutboxMsg::MarkRead(wamid) => {
                let (graph, auth) = (s.ctx.graph.clone(), s.auth.clone());
                tokio::spawn(async move {
                    if let Err(e) = graph.mark_read(&auth, &wamid).await {
                        tracing::debug!(error = %e.reason(), "read receipt not sent");
                    }
                });
            }
        }
        pump(&me, s).await?;
        Ok(())
    }
}

fn later(me: &ActorRef<OutboxMsg>, wait: Duration, msg: OutboxMsg) {
    let me = me.clone();
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        let _ = me.cast(msg);
    });
}

/// Where a send's attempt count is kept: the key of its outbox row, as an
/// older build wrote one.
fn attempts_key(e: &OutboxEntry) -> Vec<u8> {
    crate::conversation::outbox_key(e.tenant_id, e.number_id, e.message_id)
}

/// The key of the clean-stop mark: after the prefix, where no 16-byte
/// message id can be.
fn clean_stop_key(prefix: &[u8]) -> Vec<u8> {
    key(&[prefix, b"clean-stop"])
}

/// Reads and removes the mark of the last clean stop. Its removal is
/// durable before anything is sent: a crash after this start must not
/// find the old mark and take a request of this run for one never sent.
async fn take_clean_stop(ctx: &Ctx, prefix: &[u8]) -> Result<Option<CleanStop>, ActorError> {
    let k = clean_stop_key(prefix);
    let mark = ctx.store.get::<CleanStop>(Tree::OutboxAttempts, &k)?;
    if mark.is_some() {
        ctx.store.delete(Tree::OutboxAttempts, k)?;
        ctx.store.commit().durable().await?;
    }
    Ok(mark)
}

/// Closes the door and writes which requests left without an answer (the
/// process's last flush makes it durable).
fn stop(ctx: &Ctx, prefix: &[u8], departures: &Mutex<Departures>) {
    let in_doubt = {
        let mut d = lock(departures);
        d.closed = true;
        d.left.iter().copied().collect()
    };
    if let Err(e) = ctx.store.put(Tree::OutboxAttempts, clean_stop_key(prefix), &CleanStop { in_doubt }) {
        tracing::warn!(error = %e, "no clean-stop mark: every pending send waits out the grace");
    }
}

/// Whether the send's outcome is on its message already. An older
/// build's outbox row can outlive it, as a send's outcome is written
/// without the journal, the row's removal last
/// (`conversation::change::unjournaled_rank`); and a retry can find the
/// outcome written by an Outbox that died before it told this one.
fn settled_already(ctx: &Ctx, entry: &OutboxEntry) -> Result<bool, ActorError> {
    let (tenant, conversation) = (entry.tenant_id, entry.conversation_id);
    Ok(waiting_send(&ctx.store, tenant, conversation, entry.message_id)?.is_none())
}

/// Takes up sends found at a start: each one once, in doubt unless the
/// last clean stop says it never left.
fn take_up(
    me: &ActorRef<OutboxMsg>,
    s: &mut OutboxState,
    entries: Vec<OutboxEntry>,
) -> Result<(), ActorError> {
    let grace = s.ctx.settings.outbox_ambiguous_grace;
    let mut taken = 0;
    for entry in entries {
        if !s.known.insert(entry.message_id) {
            continue; // an older build's row that a summary lists too
        }
        taken += 1;
        let tried =
            s.ctx.store.get::<Attempts>(Tree::OutboxAttempts, &attempts_key(&entry))?.unwrap_or_default();
        let in_doubt = s.clean.as_ref().is_none_or(|c| c.in_doubt.contains(&entry.message_id));
        if !in_doubt {
            s.queue.push_back((Box::new(entry), tried.count));
        } else {
            // It may have reached Meta before the stop: give Meta's
            // status webhook the chance to say so before resending.
            later(me, grace, OutboxMsg::Retry(Box::new(entry), tried.count));
        }
    }
    if taken > 0 {
        tracing::info!(pending = s.known.len(), resumed = taken, "resuming sends");
        let _ = me.cast(OutboxMsg::Pump);
    }
    Ok(())
}

/// Reads the sends the summaries list, in the background: after a crash
/// the rows may list a settled send for many chats (an outcome leaves the
/// summary alone), and reading each message must not hold up the start.
/// Those still waiting go to the Outbox once durable (a respawn resumes
/// what the conversations told the number, which may not be flushed
/// yet), each with its request built again from its message; the settled
/// ones leave the number's list.
fn resume_later(
    ctx: &Ctx,
    number: &Number,
    resume: Vec<Resume>,
    me: &ActorRef<OutboxMsg>,
    parent: &ActorRef<NumberMsg>,
) {
    if resume.is_empty() {
        return;
    }
    let (ctx, tenant, number_id, me, parent) =
        (ctx.clone(), number.tenant_id, number.id, me.clone(), parent.clone());
    tokio::spawn(async move {
        let store = ctx.store.clone();
        let read = tokio::task::spawn_blocking(move || read_listed(&store, tenant, number_id, resume)).await;
        let Listed { waiting, settled } = match read.map_err(|e| ActorError::Store(e.to_string())) {
            Ok(Ok(listed)) => listed,
            Ok(Err(e)) | Err(e) => {
                return tracing::error!(number.id = %number_id, error = %e, "listed sends not read");
            }
        };
        if !settled.is_empty() {
            let _ = parent.cast(NumberMsg::ListedSettled(settled));
        }
        if waiting.is_empty() {
            return;
        }
        if let Err(e) = ctx.store.commit().durable().await {
            return tracing::error!(number.id = %number_id, error = %e, "listed sends not resumed");
        }
        let _ = me.cast(OutboxMsg::Resumed(waiting));
    });
}

/// What a read of the listed sends found.
#[derive(Default)]
struct Listed {
    /// Those whose message has no outcome yet, as Outbox entries.
    waiting: Vec<OutboxEntry>,
    /// Those settled already (or gone).
    settled: Vec<(ConversationId, MessageId)>,
}

fn read_listed(
    store: &crate::store::Store,
    tenant: tenants::TenantId,
    number: tenants::NumberId,
    resume: Vec<Resume>,
) -> Result<Listed, ActorError> {
    let mut found = Listed::default();
    for Resume { conversation, wa_id, sends } in resume {
        for id in sends {
            let Some(m) = waiting_send(store, tenant, conversation, id)? else {
                found.settled.push((conversation, id));
                continue;
            };
            let Some(request_json) = crate::conversation::request_of(&m, &wa_id) else {
                tracing::warn!(message.id = %id, "a listed send that is not one: skipped");
                found.settled.push((conversation, id));
                continue;
            };
            found.waiting.push(OutboxEntry::of(&m, tenant, number, request_json));
        }
    }
    Ok(found)
}

/// Longer than any commit takes: a row this old whose conversation has no
/// summary is what a crash left of a first commit, not one being written.
const ORPHAN_AFTER_MS: i64 = 60_000;

/// Whether the commit that queued `entry` is whole. Sends go without the
/// journal, and a crash can leave the row of a commit it cut short
/// (`conversation::send_landed`): that one is not sent, and its
/// conversation's start removes it. One whose chat was never written
/// is removed here once it is older than any commit in progress (a
/// respawned Outbox can meet one: its conversation's `Enqueue` follows).
fn commit_landed(ctx: &Ctx, entry: &OutboxEntry, row: Vec<u8>) -> Result<bool, ActorError> {
    match crate::conversation::send_landed(&ctx.store, entry)? {
        Landed::Yes => Ok(true),
        Landed::Torn => Ok(false),
        Landed::NoConversation => {
            if now_ms() - entry.created_at_ms > ORPHAN_AFTER_MS {
                tracing::warn!(message.id = %entry.message_id, "a send whose chat was never written: dropped");
                ctx.store.delete(Tree::Outbox, row)?;
            }
            Ok(false)
        }
    }
}

fn record_attempt(s: &OutboxState, entry: &OutboxEntry, a: Attempts) -> Result<(), ActorError> {
    s.ctx.store.put(Tree::OutboxAttempts, attempts_key(entry), &a)
}

/// Forgets a message (settled by its conversation) and its attempt record.
fn settle(s: &mut OutboxState, id: MessageId) -> Result<(), ActorError> {
    s.known.remove(&id);
    s.queue.retain(|(e, _)| e.message_id != id);
    lock(&s.departures).left.remove(&id);
    s.ctx.store.delete(Tree::OutboxAttempts, key(&[&s.prefix, &id.to_bytes()]))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The number's rate limit (`pace::Window`), waited for one task at a
/// time: the tasks queue on a fair lock, in the order they asked, and only
/// the first waits, on the clock or for an answer (governor's own
/// `until_ready` had every waiting task wake for every permit).
struct Pacer {
    /// Whose turn it is to wait.
    turn: tokio::sync::Mutex<()>,
    window: Mutex<Window>,
    /// Rung by each answer, for a turn waiting on one.
    answer: tokio::sync::Notify,
}

impl Pacer {
    fn per_second(per_sec: u32) -> Arc<Self> {
        Arc::new(Pacer {
            turn: tokio::sync::Mutex::new(()),
            window: Mutex::new(Window::per_second(per_sec)),
            answer: tokio::sync::Notify::new(),
        })
    }

    /// Resolves when a send may leave, counting it as in flight until the
    /// returned [`Departure`] is dropped.
    async fn until_ready(self: &Arc<Self>) -> Departure {
        let _turn = self.turn.lock().await;
        loop {
            // An answer between this check and the wait below is kept as
            // the Notify's permit: none is missed.
            let taken = lock(&self.window).take(std::time::Instant::now());
            match taken {
                Ok(()) => return Departure(self.clone()),
                Err(Wait::Until(at)) => tokio::time::sleep_until(at.into()).await,
                Err(Wait::Answer) => self.answer.notified().await,
            }
        }
    }
}

/// A send that left: its place in the window is held until this is
/// dropped, once its answer is in (or its task ended without sending).
struct Departure(Arc<Pacer>);

impl Drop for Departure {
    fn drop(&mut self) {
        lock(&self.0.window).answered(std::time::Instant::now());
        self.0.answer.notify_one();
    }
}

/// Starts as many sends as the concurrency limit allows. A task waits for
/// the number's rate permit, then checks out through `departures` just
/// before its request leaves.
async fn pump(me: &ActorRef<OutboxMsg>, s: &mut OutboxState) -> Result<(), ActorError> {
    while s.in_flight < s.ctx.settings.outbox_max_in_flight && !s.queue.is_empty() {
        let Some((entry, attempts)) = s.queue.pop_front() else { return Ok(()) };
        s.in_flight += 1;
        let (ctx, auth, pacer, departures, me) =
            (s.ctx.clone(), s.auth.clone(), s.pacer.clone(), s.departures.clone(), me.clone());
        tokio::spawn(async move {
            // Before the rate permit, which counts the send in flight: a
            // wait after it would bunch the departures it spaced out.
            ctx.metrics.observe_hold(ctx.intake.yield_to_webhooks().await);
            let departure = pacer.until_ready().await;
            let leaves = {
                let mut d = lock(&departures);
                if !d.closed {
                    // (A resend of a request in doubt is listed already.)
                    d.left.insert(entry.message_id);
                }
                !d.closed
            };
            if !leaves {
                return; // stopping: the next start sends it
            }
            let result = ctx.graph.send_message_json(&auth, &entry.request_json).await;
            drop(departure); // answered (or timed out): its place counts from now
            let _ = me.cast(OutboxMsg::Attempted(entry, attempts + 1, result));
        });
    }
    Ok(())
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
) -> Result<(), ActorError> {
    if !s.known.contains(&entry.message_id) {
        return Ok(()); // settled by a status webhook meanwhile
    }
    if !matches!(&result, Err(e) if e.may_have_arrived()) {
        // Meta answered: nothing about this request is in doubt.
        lock(&s.departures).left.remove(&entry.message_id);
    }
    let token_refused = matches!(&result, Err(e) if e.is_token_invalid());
    if token_refused != s.token_refused {
        s.token_refused = token_refused;
        let why = token_refused.then(|| "Meta refused the access token (error 190): update it".to_string());
        let _ = s.parent.cast(NumberMsg::Attention(why));
    }
    let outcome = match result {
        Ok(sent) => {
            Metrics::inc(&s.ctx.metrics.messages_sent);
            SendOutcome::Sent(sent.wamid)
        }
        Err(e) if e.is_retryable() && attempts < s.ctx.settings.outbox_max_attempts => {
            // A timeout may have delivered it: wait for Meta's word first.
            let backoff = backoff(s.ctx.settings.outbox_backoff_base, attempts);
            let delay = if e.may_have_arrived() {
                s.ctx.settings.outbox_ambiguous_grace.max(backoff)
            } else {
                backoff
            };
            record_attempt(s, &entry, Attempts { count: attempts, last_at_ms: now_ms(), in_doubt: false })?;
            tracing::warn!(message.id = %entry.message_id, attempts, error = %e.reason(), ?delay, "send failed; retrying");
            later(me, delay, OutboxMsg::Retry(entry, attempts));
            return Ok(());
        }
        Err(e) => {
            Metrics::inc(&s.ctx.metrics.messages_failed);
            tracing::warn!(message.id = %entry.message_id, attempts, error = %e.reason(), "send failed");
            SendOutcome::Failed { code: e.meta_code().unwrap_or(0), message: e.reason() }
        }
    };
    s.known.remove(&entry.message_id);
    lock(&s.departures).left.remove(&entry.message_id);
    if attempts > 1 {
        // Only a retried send can have an attempts row.
        s.ctx.store.delete(Tree::OutboxAttempts, attempts_key(&entry))?;
    }
    let result = Settlement { message: entry.message_id, outcome, has_row: entry.has_row };
    let _ = s.parent.cast(NumberMsg::SendResult(entry.conversation_id, result));
    Ok(())
}

#[cfg(test)]
mod upgrade_tests;

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
