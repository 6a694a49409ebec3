//! The NumberActor: one business number, the inbox of that number.
//!
//! It owns the index of its conversations' summaries (answering list and
//! filter queries from memory), spawns a ConversationActor per customer on
//! demand, and routes every request for a conversation through itself (so
//! it knows what is in flight, which passivation needs). Its children:
//!
//! - a ConversationActor that fails is forgotten and respawned from sled by
//!   the next message for it; its in-flight request gets an error;
//! - the Outbox, when it fails, is respawned at once and resumes the sends
//!   the summaries list as unsettled (`unsettled`);
//! - the CatalogActor (the number's copy of its WhatsApp catalog), when it
//!   fails, is respawned at once and reloads its copy from sled.
//!
//! More than `max_restarts` failures within `restart_window` and the
//! NumberActor fails itself, escalating to the RootSupervisor.
//!
//! At a clean shutdown it stops its conversations, then writes its index as
//! one snapshot value that the next start reads instead of every summary
//! row (`snapshot`).
//!
//! It also collects the history-search words of its conversations' new
//! messages and writes them every few seconds (`postings`) as sorted
//! segments that merge by levels (`segments`), and on the same beat the
//! chatbot's step counts (`flow_stats`).

pub mod catalog;
mod children;
mod commerce;
mod flow_stats;
pub mod index;
mod media;
mod names;
pub mod orders;
pub mod outbox;
mod pace;
mod postings;
pub mod search;
mod segments;
mod snapshot;
mod summaries;
mod unsettled;

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tracing::Instrument;

use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use tenants::{ConversationId, MessageId, Number, NumberId, TeamId, TenantId, UserId};
use whatsapp::{InboundMessage, NumberAuth, StatusUpdate, Template};

use crate::ask::{ask, ask_result, reply};
use crate::conversation::bot::{BotCtx, LiveFlow};
use crate::conversation::order::OrderRecord;
use crate::conversation::record::{ConversationRecord, OutboxEntry, SummaryRow};
use crate::conversation::record::{Event, EventActor};
use crate::conversation::{
    Assignment, ConversationActor, ConversationArgs, ConversationMsg, ConversationRef, InboundOutcome,
    SendRequest, Settlement, Sweep,
};
use crate::ctx::Ctx;
use crate::directory::DirectoryHandle;
use crate::error::ActorError;
use crate::hub::Viewer;
use crate::metrics::Metrics;
use crate::store::{key, Tree};
use crate::supervision::RestartBudget;
use crate::team::TeamMsg;
use crate::view::MessageView;
use catalog::{CatalogMsg, CatalogSnapshot};
use children::Children;
pub use commerce::CommerceMsg;
use flow_stats::FlowStats;
pub use flow_stats::StepMark;
use index::{Counts, Cursor, Index, ListFilter};
use orders::Orders;
use outbox::{Outbox, OutboxArgs, OutboxMsg, Resume};
use postings::Postings;
use search::WordHits;
use unsettled::Unsettled;

/// NumberActor requests.
pub enum NumberMsg {
    /// Customer messages for one wa_id (the conversation answers the caller).
    Inbound {
        /// The customer.
        wa_id: String,
        /// Their profile name.
        profile_name: Option<String>,
        /// Their messages.
        messages: Vec<InboundMessage>,
        /// The conversation's answer.
        reply: RpcReplyPort<Result<InboundOutcome, ActorError>>,
    },
    /// Delivery statuses about messages to one wa_id.
    Statuses {
        /// The customer.
        wa_id: String,
        /// The statuses.
        updates: Vec<StatusUpdate>,
        /// Done.
        reply: RpcReplyPort<Result<(), ActorError>>,
    },
    /// A request for one conversation by id.
    Route(ConversationId, ConversationMsg),
    /// One summary from the index.
    Find(ConversationId, RpcReplyPort<Option<ConversationRecord>>),
    /// A filtered page of summaries from the index.
    List(
        Box<ListFilter>,
        Option<Arc<WordHits>>,
        usize,
        Option<Cursor>,
        RpcReplyPort<Vec<ConversationRecord>>,
    ),
    /// A conversation committed (one message per commit: one per kind of
    /// news cost a mailbox hop each).
    Committed(Box<Committed>),
    /// A durable send for the outbox.
    Enqueue(Box<OutboxEntry>),
    /// The outbox's verdict for a conversation.
    SendResult(ConversationId, Settlement),
    /// Open chats of each user.
    Loads(Vec<UserId>, RpcReplyPort<Vec<u32>>),
    /// A team's queue with the time each chat entered it.
    TeamQueue(TeamId, RpcReplyPort<Vec<(i64, ConversationRef)>>),
    /// Badge counts for a viewer.
    Counts(Box<Viewer>, RpcReplyPort<Counts>),
    /// A tenant-wide change for every affected conversation.
    Sweep(Sweep),
    /// Fault injection for supervision tests: panic.
    Crash,
    /// The outbox found the number needs a person (or healthy again).
    Attention(Option<String>),
    /// A conversation settled a send from Meta's status webhook.
    OutboxSettled(ConversationId, MessageId),
    /// Listed sends a start found settled already (`unsettled`).
    ListedSettled(Vec<(ConversationId, MessageId)>),
    /// Tell Meta a customer's message was read.
    MarkRead(String),
    /// Download a received message's media.
    FetchMedia {
        /// Its conversation.
        conversation: ConversationId,
        /// The message.
        message_id: MessageId,
        /// Meta's media id.
        media_id: String,
        /// Meta's hash, if the webhook gave one.
        sha256: Option<String>,
    },
    /// The number's approved templates (cached; fetched from Meta when stale).
    Templates(RpcReplyPort<Result<Vec<Template>, ActorError>>),
    /// A template fetch finished.
    TemplatesLoaded(Result<Vec<Template>, String>),
    /// The number's Graph API credentials (for calls made by a handle).
    Auth(RpcReplyPort<Arc<NumberAuth>>),
    /// Time to ask idle conversations whether they can be passivated.
    Tick,
    /// The tenant's flows or business hours changed: reload them.
    ReloadFlows,
    /// This number's step counts for a flow: (step, entered, answered, dropped).
    FlowStats(String, RpcReplyPort<Vec<(String, u64, u64, u64)>>),
    /// An idle conversation reports what it handled (see children.rs).
    PassivateReady(ConversationId, ActorId, u64),
    /// How the number is doing.
    Health(RpcReplyPort<NumberHealth>),
    /// Catalog and orders (see commerce.rs).
    Commerce(CommerceMsg),
    /// Shutdown: stop the conversations, refuse new work, then write the
    /// index snapshot (`snapshot`) and answer.
    Shutdown(RpcReplyPort<()>),
    /// The second half of `Shutdown`, queued behind the stopped
    /// conversations' last summaries; `false` when one did not stop.
    SaveSnapshot(bool, RpcReplyPort<()>),
    /// Time to write the words handed over before this tick (its time).
    WriteWords(i64),
    /// The words taken at the last `WriteWords` are on disk (or not).
    WordsWritten(bool),
}

/// What a conversation's commit tells its NumberActor.
pub struct Committed {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its new summary, if it changed, with the sends its row lists as
    /// unsettled.
    pub summary: Option<(Box<ConversationRecord>, Vec<MessageId>)>,
    /// The history-search words of its new messages (`postings`).
    pub words: Vec<String>,
    /// Chatbot step counts: (flow, step, mark).
    pub bot_stats: Vec<(String, String, StepMark)>,
}

/// How a business number is doing, for managers and platform admins.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NumberHealth {
    /// When Meta last sent a webhook for it (RFC 3339), since start-up.
    pub last_webhook_at: Option<String>,
    /// Why it needs a person, if it does.
    pub needs_attention: Option<String>,
    /// Its conversations.
    pub conversations: usize,
    /// Conversation actors running now (the others are passivated).
    pub running: usize,
    /// Sends waiting in its outbox.
    pub outbox_pending: usize,
}

/// How a NumberActor starts.
pub struct NumberArgs {
    pub(crate) ctx: Ctx,
    pub(crate) number: Number,
}

/// The NumberActor's state.
pub struct NumberState {
    /// Shared context.
    ctx: Ctx,
    /// The business number.
    number: Number,
    /// Summaries of every conversation of this number.
    index: Index,
    /// The sends those summaries' rows list as unsettled.
    unsettled: Unsettled,
    /// Running conversation actors, with what was routed to each.
    children: Children,
    /// The send queue.
    outbox: Option<ActorRef<OutboxMsg>>,
    /// Failures of children, for restart intensity.
    budget: RestartBudget,
    /// When the last webhook for this number arrived.
    last_webhook_at_ms: Option<i64>,
    /// Graph API credentials.
    auth: Arc<NumberAuth>,
    /// Media downloads at once (a concurrency limit, not domain data).
    media_limit: Arc<Semaphore>,
    /// Approved templates and when they were fetched.
    templates: Option<(Instant, Vec<Template>)>,
    /// Callers waiting for a template fetch in progress.
    template_waiters: Vec<RpcReplyPort<Result<Vec<Template>, ActorError>>>,
    /// Live chatbot flows and business hours, shared with the children.
    bot: Arc<BotCtx>,
    /// Chatbot step counts, as stored plus those since.
    flow_stats: FlowStats,
    /// The CatalogActor.
    catalog_actor: Option<ActorRef<CatalogMsg>>,
    /// The latest catalog snapshot from it.
    catalog: CatalogSnapshot,
    /// Every order placed with this number.
    orders: Orders,
    /// Shutting down: nothing more is routed to conversations.
    closing: bool,
    /// History-search words not yet on disk.
    postings: Postings,
}

/// The NumberActor.
pub struct NumberActor;

impl Actor for NumberActor {
    type Msg = NumberMsg;
    type State = NumberState;
    type Arguments = NumberArgs;

    async fn pre_start(
        &self,
        me: ActorRef<NumberMsg>,
        a: NumberArgs,
    ) -> Result<NumberState, ActorProcessingErr> {
        let Loaded { index, unsettled, orders, recover_words } =
            load_index(&a.ctx, a.number.tenant_id, a.number.id).await?;
        let budget = RestartBudget::new(a.ctx.settings.max_restarts, a.ctx.settings.restart_window);
        let flow_stats = FlowStats::load(&a.ctx.store, a.number.tenant_id, a.number.id)?;
        let auth = Arc::new(NumberAuth {
            phone_number_id: a.number.phone_number_id.clone(),
            access_token: a.number.access_token.expose().to_string(),
        });
        let media_limit = Arc::new(Semaphore::new(a.ctx.settings.media_fetch_concurrency.max(1)));
        let mut state = NumberState {
            children: Children::new(a.ctx.metrics.clone()),
            ctx: a.ctx,
            number: a.number,
            index,
            unsettled,
            outbox: None,
            budget,
            last_webhook_at_ms: None,
            auth,
            media_limit,
            templates: None,
            template_waiters: Vec::new(),
            bot: Arc::new(BotCtx::default()),
            flow_stats,
            catalog_actor: None,
            catalog: CatalogSnapshot::default(),
            orders,
            closing: false,
            postings: Postings::default(),
        };
        state.bot = load_bot(&state.ctx, &state.number).await;
        // Chatbot `wait` steps due while we were down, or later: wake them.
        for r in state.index.ids_where(|r| r.bot_run.as_ref().is_some_and(|b| b.waiting_until_ms.is_some())) {
            if let Some(until) =
                state.index.get(r).and_then(|r| r.bot_run.as_ref()).and_then(|b| b.waiting_until_ms)
            {
                crate::conversation::schedule_bot_timer(&me, r, until);
            }
        }
        backfill_search(&state, recover_words);
        start_outbox(&me, &mut state).await?;
        commerce::start_catalog(&me, &mut state).await?;
        let settings = &state.ctx.settings;
        start_ticks(&me, settings.passivate_after.min(settings.crowded_passivate_after));
        crate::clock::every(&me, postings::WRITE_EVERY, || NumberMsg::WriteWords(crate::clock::now_ms()));
        Ok(state)
    }

    async fn handle(
        &self,
        me: ActorRef<NumberMsg>,
        msg: NumberMsg,
        s: &mut NumberState,
    ) -> Result<(), ActorProcessingErr> {
        // Every log line of this message carries its tenant and number.
        let span = tracing::info_span!("number", tenant.id = %s.number.tenant_id, number.id = %s.number.id);
        handle(me, msg, s).instrument(span).await
    }

    async fn handle_supervisor_evt(
        &self,
        me: ActorRef<NumberMsg>,
        event: SupervisionEvent,
        s: &mut NumberState,
    ) -> Result<(), ActorProcessingErr> {
        match event {
            SupervisionEvent::ActorFailed(cell, err) => {
                Metrics::inc(&s.ctx.metrics.actor_restarts);
                if !s.budget.allow(Instant::now()) {
                    return Err(format!("number {}: too many child failures, escalating", s.number.id).into());
                }
                if is_outbox(s, &cell) {
                    tracing::error!(number.id = %s.number.id, error = %err, "outbox failed; respawning");
                    start_outbox(&me, s).await?;
                } else if commerce::is_catalog(s, &cell) {
                    tracing::error!(number.id = %s.number.id, error = %err, "catalog actor failed; respawning");
                    commerce::start_catalog(&me, s).await?;
                } else if let Some(id) = forget_child(s, &cell) {
                    tracing::error!(
                        tenant.id = %s.number.tenant_id, conversation.id = %id, error = %err,
                        "conversation actor failed; it respawns from sled on its next message"
                    );
                }
            }
            SupervisionEvent::ActorTerminated(cell, _, _) => {
                forget_child(s, &cell);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Answers from the cache, or starts one fetch for every waiting caller.
fn templates(
    me: &ActorRef<NumberMsg>,
    s: &mut NumberState,
    r: RpcReplyPort<Result<Vec<Template>, ActorError>>,
) {
    if let Some((at, list)) = &s.templates {
        if at.elapsed() < s.ctx.settings.template_cache_ttl {
            return reply(r, Ok(list.clone()));
        }
    }
    s.template_waiters.push(r);
    if s.template_waiters.len() > 1 {
        return; // a fetch is already running
    }
    let (graph, auth, waba, me) = (s.ctx.graph.clone(), s.auth.clone(), s.number.waba_id.clone(), me.clone());
    tokio::spawn(async move {
        let result = graph.message_templates(&auth, &waba).await.map_err(|e| e.reason());
        let _ = me.cast(NumberMsg::TemplatesLoaded(result));
    });
}

async fn handle(
    me: ActorRef<NumberMsg>,
    msg: NumberMsg,
    s: &mut NumberState,
) -> Result<(), ActorProcessingErr> {
    match msg {
        NumberMsg::Inbound { wa_id, profile_name, messages, reply: r } => {
            s.last_webhook_at_ms = Some(crate::clock::now_ms());
            let (id, fresh) = match s.index.by_wa_id(&wa_id) {
                Some(id) => (id, false),
                None => {
                    let id = ConversationId::new();
                    s.index.reserve(&wa_id, id);
                    (id, true)
                }
            };
            let catalog = s.catalog.catalog.clone();
            let msg = ConversationMsg::Inbound { profile_name, messages, catalog, reply: r };
            route_to(&me, s, id, wa_id, msg, fresh).await;
        }
        NumberMsg::Statuses { wa_id, updates, reply: r } => {
            s.last_webhook_at_ms = Some(crate::clock::now_ms());
            match s.index.by_wa_id(&wa_id) {
                Some(id) => route(&me, s, id, wa_id, ConversationMsg::Statuses(updates, r)).await,
                // Statuses about a customer we never talked to: nothing to update.
                None => reply(r, Ok(())),
            }
        }
        NumberMsg::Route(id, msg) => match s.index.get(id).map(|r| r.wa_id.clone()) {
            Some(wa_id) => route(&me, s, id, wa_id, msg).await,
            None => msg.fail(ActorError::NotFound),
        },
        NumberMsg::Find(id, r) => reply(r, s.index.get(id).cloned()),
        NumberMsg::Shutdown(r) => {
            s.closing = true;
            if let Some(outbox) = &s.outbox {
                // Nothing leaves after this; the outbox writes what had.
                if let Err(e) = ask(outbox, OutboxMsg::Stop, s.ctx.settings.call_timeout).await {
                    tracing::warn!(number.id = %s.number.id, error = %e, "outbox did not stop cleanly");
                }
            }
            let timeout = Some(s.ctx.settings.call_timeout);
            let children = s.children.running();
            let stopped = futures::future::join_all(
                children.iter().map(|c| c.stop_and_wait(Some("shutdown".into()), timeout)),
            )
            .await;
            let _ = me.cast(NumberMsg::SaveSnapshot(stopped.iter().all(Result::is_ok), r));
        }
        NumberMsg::SaveSnapshot(all_stopped, r) => {
            // A conversation still running could write after the snapshot.
            if !all_stopped {
                tracing::warn!(number.id = %s.number.id, "a conversation did not stop in time: no index snapshot");
            } else if let Err(e) =
                snapshot::save(&s.ctx.store, s.number.tenant_id, s.number.id, &s.index, &s.unsettled)
            {
                tracing::warn!(number.id = %s.number.id, error = %e, "no index snapshot; the next start scans");
            }
            // Clean only if no conversation can still hand words over.
            let (tenant, number) = (s.number.tenant_id, s.number.id);
            let last = s.postings.take_all();
            let checkpoint = postings::Checkpoint { at_ms: crate::clock::now_ms(), clean: all_stopped };
            // On the background thread, after a write still under way:
            // two writes of a number's segments must not overlap.
            let stats = s.flow_stats.take_all();
            let store = s.ctx.store.clone();
            let written = s
                .ctx
                .store
                .background()
                .run_and_wait(move || {
                    if let Some(row) = stats {
                        flow_stats::save(&store, tenant, number, &row);
                    }
                    postings::write(&store, tenant, number, &last, checkpoint)
                })
                .await;
            if let Some(Err(e)) = written {
                tracing::warn!(number.id = %number, error = %e, "search words not written at shutdown");
            }
            reply(r, ());
        }
        NumberMsg::WriteWords(at_ms) => {
            let (tenant, number) = (s.number.tenant_id, s.number.id);
            // The step counts go on the same beat: derived data too.
            if let Some(row) = s.flow_stats.take_changed() {
                let store = s.ctx.store.clone();
                s.ctx.store.background().run(move || flow_stats::save(&store, tenant, number, &row));
            }
            if let Some(batch) = s.postings.take() {
                let store = s.ctx.store.clone();
                let checkpoint = postings::Checkpoint { at_ms, clean: false };
                s.ctx.store.background().run(move || {
                    let result = postings::write(&store, tenant, number, &batch, checkpoint);
                    if let Err(e) = &result {
                        tracing::warn!(number.id = %number, error = %e, "search words not written; retrying");
                    }
                    let _ = me.cast(NumberMsg::WordsWritten(result.is_ok()));
                });
            }
        }
        NumberMsg::WordsWritten(ok) => s.postings.written(ok),
        NumberMsg::List(filter, words, limit, cursor, r) => {
            // Words handed over in the last seconds are not on disk yet.
            let words = words.map(|w| {
                let mut w = Arc::unwrap_or_clone(w);
                s.postings.add_hits(&mut w);
                w
            });
            reply(r, s.index.list(&filter, words.as_ref(), limit, cursor))
        }
        NumberMsg::Committed(c) => {
            let Committed { conversation, summary, words, bot_stats } = *c;
            if !words.is_empty() {
                s.postings.add(conversation, words);
            }
            for (flow, step, mark) in bot_stats {
                s.flow_stats.add(flow, step, mark);
            }
            let summary = summary.map(|(record, unsettled)| {
                s.unsettled.written(conversation, unsettled);
                record
            });
            if let Some(freed) = summary.and_then(|record| s.index.upsert(record)) {
                for team in s.ctx.routes.teams_of(s.number.tenant_id) {
                    let _ = team.cast(TeamMsg::CapacityFreed(freed));
                }
            }
        }
        NumberMsg::Loads(users, r) => reply(r, s.index.loads(&users)),
        NumberMsg::Attention(why) => {
            if s.number.needs_attention != why {
                tracing::warn!(number.id = %s.number.id, reason = ?why, "number attention changed");
                s.number.needs_attention = why.clone();
                DirectoryHandle { ctx: s.ctx.clone() }.set_attention(s.number.id, why);
            }
        }
        NumberMsg::Health(r) => {
            let outbox_pending = match &s.outbox {
                Some(outbox) => {
                    ask(outbox, OutboxMsg::Pending, s.ctx.settings.call_timeout).await.unwrap_or(0)
                }
                None => 0,
            };
            reply(
                r,
                NumberHealth {
                    last_webhook_at: s.last_webhook_at_ms.map(crate::clock::rfc3339),
                    needs_attention: s.number.needs_attention.clone(),
                    conversations: s.index.len(),
                    running: s.children.len(),
                    outbox_pending,
                },
            );
        }
        NumberMsg::TeamQueue(team, r) => {
            let queue = s
                .index
                .team_queue(team)
                .into_iter()
                .map(|(at, c)| {
                    (at, ConversationRef { tenant_id: c.tenant_id, number_id: c.number_id, id: c.id })
                })
                .collect();
            reply(r, queue);
        }
        NumberMsg::Counts(viewer, r) => reply(r, s.index.counts(&viewer)),
        NumberMsg::Crash => panic!("fault injection: number {} crashed", s.number.id),
        NumberMsg::Sweep(sweep) => {
            let affected = match &sweep {
                Sweep::RemoveLabel(name) | Sweep::RenameLabel(name, _) => {
                    s.index.ids_where(|r| r.labels.contains(name))
                }
                Sweep::ClearTeam(team) => s.index.ids_where(|r| r.team_id == Some(*team)),
                Sweep::Release(user) => s.index.ids_where(|r| r.assignee_id == Some(*user)),
            };
            for id in affected {
                if let Some(wa_id) = s.index.get(id).map(|r| r.wa_id.clone()) {
                    route(&me, s, id, wa_id, ConversationMsg::Sweep(sweep.clone())).await;
                }
            }
        }
        NumberMsg::Enqueue(entry) => to_outbox(s, OutboxMsg::Enqueue(entry)),
        NumberMsg::OutboxSettled(conversation, id) => {
            s.unsettled.settled(conversation, id);
            to_outbox(s, OutboxMsg::Settled(id));
        }
        NumberMsg::ListedSettled(sends) => {
            for (conversation, id) in sends {
                s.unsettled.settled(conversation, id);
            }
        }
        NumberMsg::MarkRead(wamid) => to_outbox(s, OutboxMsg::MarkRead(wamid)),
        NumberMsg::FetchMedia { conversation, message_id, media_id, sha256 } => {
            let fetch = media::Fetch { conversation, message: message_id, media_id, sha256 };
            media::spawn(s.ctx.clone(), s.auth.clone(), s.media_limit.clone(), me.clone(), fetch);
        }
        NumberMsg::Templates(r) => templates(&me, s, r),
        NumberMsg::Auth(r) => reply(r, s.auth.clone()),
        NumberMsg::ReloadFlows => {
            s.bot = load_bot(&s.ctx, &s.number).await;
            for child in s.children.running() {
                let _ = child.cast(ConversationMsg::BotContext(s.bot.clone()));
            }
        }
        NumberMsg::FlowStats(flow, r) => reply(r, s.flow_stats.of(&flow)),
        NumberMsg::Tick => {
            for child in s.children.idle(&s.ctx.settings) {
                let _ = child.cast(ConversationMsg::Passivate);
            }
        }
        NumberMsg::PassivateReady(id, actor, handled) => {
            if let Some(child) = s.children.passivate(id, actor, handled) {
                child.stop(Some("passivated".into()));
                Metrics::inc(&s.ctx.metrics.passivations);
            }
        }
        NumberMsg::TemplatesLoaded(result) => {
            let answer = match result {
                Ok(list) => {
                    s.templates = Some((Instant::now(), list.clone()));
                    Ok(list)
                }
                // A failed refresh keeps serving the last good list.
                Err(e) => match &s.templates {
                    Some((_, list)) => Ok(list.clone()),
                    None => Err(ActorError::unprocessable("templates_unavailable", e)),
                },
            };
            for waiter in s.template_waiters.drain(..) {
                reply(waiter, answer.clone());
            }
        }
        NumberMsg::Commerce(msg) => commerce::handle(s, msg),
        NumberMsg::SendResult(conversation, result) => {
            s.unsettled.settled(conversation, result.message);
            if let Some(wa_id) = s.index.get(conversation).map(|r| r.wa_id.clone()) {
                route(&me, s, conversation, wa_id, ConversationMsg::SendResult(result)).await;
            }
        }
    }
    Ok(())
}

/// The tenant's published flows attached to this number, and its business
/// hours. A flow or a version that cannot be read is skipped and logged.
async fn load_bot(ctx: &Ctx, number: &Number) -> Arc<BotCtx> {
    let directory = DirectoryHandle { ctx: ctx.clone() };
    let mut flows = Vec::new();
    for record in directory.flows(number.tenant_id).await.unwrap_or_default() {
        if record.published_version == 0 {
            continue;
        }
        let json = directory.flow_version(number.tenant_id, record.id, record.published_version).await;
        match json.ok().flatten().map(|j| chatbot::Flow::from_json(&j)) {
            Some(Ok(flow)) => {
                let applies = flow.number_ids.is_empty() || flow.number_ids.contains(&number.id);
                if applies {
                    flows.push(LiveFlow {
                        id: record.id,
                        version: record.published_version,
                        flow: Arc::new(flow),
                    });
                }
            }
            _ => tracing::error!(flow.id = %record.id, "a published flow could not be read"),
        }
    }
    let hours = directory
        .settings(number.tenant_id)
        .await
        .ok()
        .and_then(|s| s.business_hours_json)
        .and_then(|j| serde_json::from_str::<chatbot::BusinessHours>(&j).ok());
    Arc::new(BotCtx { flows, hours })
}

/// Asks for a passivation round every half of the shorter idle period (the
/// crowded one, as a rule), for as long as the actor lives.
fn start_ticks(me: &ActorRef<NumberMsg>, idle: std::time::Duration) {
    crate::clock::every(me, (idle / 2).max(std::time::Duration::from_millis(50)), || NumberMsg::Tick);
}

fn to_outbox(s: &NumberState, msg: OutboxMsg) {
    if let Some(outbox) = &s.outbox {
        let _ = outbox.cast(msg);
    }
}

fn is_outbox(s: &NumberState, cell: &ActorCell) -> bool {
    s.outbox.as_ref().is_some_and(|o| o.get_id() == cell.get_id())
}

fn forget_child(s: &mut NumberState, cell: &ActorCell) -> Option<ConversationId> {
    s.children.forget(cell)
}

async fn start_outbox(me: &ActorRef<NumberMsg>, s: &mut NumberState) -> Result<(), ActorProcessingErr> {
    let resume = s
        .unsettled
        .iter()
        .filter_map(|(conversation, sends)| {
            let wa_id = s.index.get(conversation)?.wa_id.clone();
            Some(Resume { conversation, wa_id, sends: sends.to_vec() })
        })
        .collect();
    let args = OutboxArgs { ctx: s.ctx.clone(), number: s.number.clone(), parent: me.clone(), resume };
    let (outbox, _) = Actor::spawn_linked(None, Outbox, args, me.get_cell()).await?;
    s.outbox = Some(outbox);
    Ok(())
}

/// Delivers `msg` to the conversation, spawning it from sled if needed. A
/// child that died but whose failure is not processed yet is replaced at
/// once, so the message is not lost with its mailbox.
async fn route(
    me: &ActorRef<NumberMsg>,
    s: &mut NumberState,
    id: ConversationId,
    wa_id: String,
    msg: ConversationMsg,
) {
    route_to(me, s, id, wa_id, msg, false).await
}

/// `route`, where `fresh` says that `id` was minted for this message:
/// nothing in sled can hold it, so its actor starts without reading.
async fn route_to(
    me: &ActorRef<NumberMsg>,
    s: &mut NumberState,
    id: ConversationId,
    wa_id: String,
    msg: ConversationMsg,
    fresh: bool,
) {
    if s.closing {
        return msg.fail(ActorError::Unavailable("shutting down".into()));
    }
    let msg = match s.children.get(id) {
        Some(child) => match child.cast(msg) {
            Ok(()) => return s.children.routed(id),
            Err(ractor::MessagingErr::SendErr(msg)) => {
                s.children.remove(id);
                msg
            }
            Err(_) => return,
        },
        None => msg,
    };
    let child = match s.children.get(id) {
        Some(child) => child,
        None => {
            let args = ConversationArgs {
                ctx: s.ctx.clone(),
                parent: me.clone(),
                id,
                tenant_id: s.number.tenant_id,
                number_id: s.number.id,
                wa_id,
                bot: s.bot.clone(),
                fresh,
            };
            match Actor::spawn_linked(None, ConversationActor, args, me.get_cell()).await {
                Ok((child, _)) => {
                    s.children.insert(id, child.clone());
                    child
                }
                Err(e) => {
                    tracing::error!(conversation.id = %id, error = %e, "could not start a conversation actor");
                    return msg.fail(ActorError::Unavailable("conversation could not start".into()));
                }
            }
        }
    };
    match child.cast(msg) {
        Ok(()) => s.children.routed(id),
        Err(ractor::MessagingErr::SendErr(msg)) => {
            msg.fail(ActorError::Unavailable("conversation is restarting".into()))
        }
        Err(_) => {}
    }
}

/// What a NumberActor starts from.
struct Loaded {
    index: Index,
    unsettled: Unsettled,
    orders: Orders,
    recover_words: Option<postings::Checkpoint>,
}

/// Reads the summaries and the sends they list (from a clean shutdown's
/// snapshot if there is one, see `snapshot`) and orders of a number's
/// conversations. On a blocking
/// thread: after a cold start these are disk reads, and the Root starts
/// numbers side by side so that the disk, not one thread, is the limit.
/// Also takes the search words' checkpoint (`postings::take_checkpoint`),
/// before any new word can move it.
async fn load_index(ctx: &Ctx, tenant: TenantId, number: NumberId) -> Result<Loaded, ActorError> {
    let (store, store_metrics) = (ctx.store.clone(), ctx.metrics.clone());
    let prefix = key(&[&tenant.to_bytes(), &number.to_bytes()]);
    let started_ms = crate::clock::now_ms();
    let load = move || -> Result<Loaded, ActorError> {
        let (index, unsettled) = match snapshot::take(&store, tenant, number)? {
            Some(snapshot) => {
                Metrics::inc(&store_metrics.index_snapshots_loaded);
                (Index::loaded(snapshot.records), snapshot.unsettled.into_iter().collect())
            }
            None => {
                let rows = store
                    .scan_prefix_upgrading::<SummaryRow, ConversationRecord>(Tree::Conversations, &prefix)?;
                let mut unsettled = Unsettled::default();
                let records = rows.into_iter().map(|(_, row)| {
                    unsettled.written(row.record.id, row.unsettled);
                    row.record
                });
                (Index::loaded(records), unsettled)
            }
        };
        let mut orders = Orders::default();
        for (_, order) in store.scan_prefix::<OrderRecord>(Tree::Orders, &prefix)? {
            orders.upsert(order);
        }
        let recover_words = postings::take_checkpoint(&store, tenant, number, started_ms)?;
        Ok(Loaded { index, unsettled, orders, recover_words })
    };
    tokio::task::spawn_blocking(load)
        .await
        .map_err(|e| ActorError::Unavailable(format!("index load: {e}")))?
}

/// In the background: indexes the words of messages stored before history
/// search existed, once per number (a no-op after the first time), and,
/// after a stop that was not clean, those of the messages whose words were
/// still in memory (`postings::recover`).
fn backfill_search(s: &NumberState, recover_from: Option<postings::Checkpoint>) {
    let (store, tenant, number) = (s.ctx.store.clone(), s.number.tenant_id, s.number.id);
    let conversations = s.index.ids_where(|_| true);
    let active = recover_from.map(|from| {
        let since = postings::active_since(from);
        (from, s.index.ids_where(|r| r.last_message_at_ms >= since))
    });
    tokio::task::spawn_blocking(move || {
        if let Err(e) = search::backfill(&store, tenant, number, conversations) {
            tracing::warn!(number.id = %number, error = %e, "older messages not indexed for search");
        }
        if let Some((from, active)) = active {
            match postings::recover(&store, tenant, number, from, active) {
                Ok(n) => tracing::info!(number.id = %number, messages = n, "search words recovered"),
                Err(e) => tracing::warn!(number.id = %number, error = %e, "search words not recovered"),
            }
        }
    });
}

/// Typed access to one NumberActor; finds the current actor on every call,
/// so a handle outlives restarts.
#[derive(Clone, Debug)]
pub struct NumberHandle {
    pub(crate) ctx: Ctx,
    /// The number's id.
    pub number_id: NumberId,
    /// Its tenant.
    pub tenant_id: TenantId,
}

impl NumberHandle {
    fn actor(&self) -> Result<ActorRef<NumberMsg>, ActorError> {
        self.ctx
            .routes
            .by_id(self.number_id)
            .map(|r| r.actor)
            .ok_or_else(|| ActorError::Unavailable("number is not running".into()))
    }

    /// The running actor, waiting out a respawn in progress (for calls).
    async fn live(&self) -> Result<ActorRef<NumberMsg>, ActorError> {
        let id = self.number_id;
        self.ctx
            .routes
            .live(self.timeout(), |r| r.by_id(id).map(|r| r.actor))
            .await
            .ok_or_else(|| ActorError::Unavailable("number is not running".into()))
    }

    fn timeout(&self) -> std::time::Duration {
        self.ctx.settings.call_timeout
    }

    /// Stores customer messages (written, not yet flushed: wait on the
    /// group commit before acknowledging).
    pub async fn inbound(
        &self,
        wa_id: String,
        profile_name: Option<String>,
        messages: Vec<InboundMessage>,
    ) -> Result<InboundOutcome, ActorError> {
        ask_result(
            &self.live().await?,
            |reply| NumberMsg::Inbound { wa_id, profile_name, messages, reply },
            self.timeout(),
        )
        .await
    }

    /// Applies delivery statuses.
    pub async fn statuses(&self, wa_id: String, updates: Vec<StatusUpdate>) -> Result<(), ActorError> {
        ask_result(&self.live().await?, |reply| NumberMsg::Statuses { wa_id, updates, reply }, self.timeout())
            .await
    }

    /// One conversation's summary.
    pub async fn find(&self, id: ConversationId) -> Result<Option<ConversationRecord>, ActorError> {
        ask(&self.live().await?, |r| NumberMsg::Find(id, r), self.timeout()).await
    }

    /// A filtered page of summaries, newest activity first.
    pub async fn list(
        &self,
        filter: ListFilter,
        limit: usize,
        after: Option<Cursor>,
    ) -> Result<Vec<ConversationRecord>, ActorError> {
        let words = match filter.q.as_deref().map(search::query_words) {
            Some(words) if !words.is_empty() => {
                let (store, tenant, number) = (self.ctx.store.clone(), self.tenant_id, self.number_id);
                // A prefix scan per word: off the async workers.
                let found = tokio::task::spawn_blocking(move || search::find(&store, tenant, number, words))
                    .await
                    .map_err(|e| ActorError::Store(format!("search: {e}")))??;
                Some(Arc::new(found))
            }
            _ => None,
        };
        ask(
            &self.live().await?,
            |r| NumberMsg::List(Box::new(filter), words, limit, after, r),
            self.timeout(),
        )
        .await
    }

    /// A page of a conversation's messages, oldest first.
    pub async fn messages(
        &self,
        id: ConversationId,
        limit: usize,
        before: Option<MessageId>,
    ) -> Result<Vec<MessageView>, ActorError> {
        self.ask_conversation(id, |reply| ConversationMsg::Messages { limit, before, reply }).await
    }

    /// Queues an agent's message (written, not yet flushed).
    pub async fn send(&self, id: ConversationId, request: SendRequest) -> Result<MessageView, ActorError> {
        self.ask_conversation(id, |reply| ConversationMsg::Send(Box::new(request), reply)).await
    }

    async fn ask_conversation<T: Send + 'static>(
        &self,
        id: ConversationId,
        build: impl FnOnce(RpcReplyPort<Result<T, ActorError>>) -> ConversationMsg,
    ) -> Result<T, ActorError> {
        ask_result(&self.live().await?, |reply| NumberMsg::Route(id, build(reply)), self.timeout()).await
    }

    /// Changes the assignee and/or team, if the precondition holds.
    pub async fn assign(&self, id: ConversationId, a: Assignment) -> Result<ConversationRecord, ActorError> {
        self.ask_conversation(id, |r| ConversationMsg::Assign(Box::new(a), r)).await
    }

    /// Closes (`open: false`) or reopens.
    pub async fn set_open(
        &self,
        id: ConversationId,
        open: bool,
        by: UserId,
    ) -> Result<ConversationRecord, ActorError> {
        self.ask_conversation(id, |reply| ConversationMsg::SetOpen { open, by: EventActor::User(by), reply })
            .await
    }

    /// Replaces the labels.
    pub async fn set_labels(
        &self,
        id: ConversationId,
        labels: Vec<String>,
        by: UserId,
    ) -> Result<ConversationRecord, ActorError> {
        self.ask_conversation(id, |r| ConversationMsg::SetLabels(labels, EventActor::User(by), r)).await
    }

    /// Switches the chatbot (`restart`: start its flow over).
    pub async fn set_bot(
        &self,
        id: ConversationId,
        enabled: bool,
        restart: bool,
        by: UserId,
    ) -> Result<ConversationRecord, ActorError> {
        self.ask_conversation(id, |r| ConversationMsg::SetBot(enabled, restart, EventActor::User(by), r))
            .await
    }

    /// Adds an internal note.
    /// `blind` are mentioned colleagues who may not see the chat: their
    /// notification says who asked and what, without the conversation.
    pub async fn add_note(
        &self,
        id: ConversationId,
        text: String,
        mentions: Vec<UserId>,
        blind: Vec<UserId>,
        by: UserId,
    ) -> Result<MessageView, ActorError> {
        self.ask_conversation(id, |reply| ConversationMsg::AddNote { text, mentions, blind, by, reply }).await
    }

    /// Marks the chat read.
    pub async fn mark_read(&self, id: ConversationId, by: UserId) -> Result<ConversationRecord, ActorError> {
        self.ask_conversation(id, |r| ConversationMsg::MarkRead(by, r)).await
    }

    /// A page of the event log, oldest first.
    pub async fn events(
        &self,
        id: ConversationId,
        limit: usize,
        before: Option<u64>,
    ) -> Result<Vec<Event>, ActorError> {
        self.ask_conversation(id, |reply| ConversationMsg::Events { limit, before, reply }).await
    }

    /// Open chats of each user, in order.
    pub async fn loads(&self, users: Vec<UserId>) -> Result<Vec<u32>, ActorError> {
        ask(&self.live().await?, |r| NumberMsg::Loads(users, r), self.timeout()).await
    }

    /// A team's queue on this number.
    pub async fn team_queue(&self, team: TeamId) -> Result<Vec<(i64, ConversationRef)>, ActorError> {
        ask(&self.live().await?, |r| NumberMsg::TeamQueue(team, r), self.timeout()).await
    }

    /// Badge counts for `viewer`.
    pub async fn counts(&self, viewer: Viewer) -> Result<Counts, ActorError> {
        ask(&self.live().await?, |r| NumberMsg::Counts(Box::new(viewer), r), self.timeout()).await
    }

    /// Uploads a file to Meta for sending; returns Meta's media id. The
    /// network call runs in the caller's task, never in the actor.
    pub async fn upload_media(
        &self,
        bytes: Vec<u8>,
        mime: &str,
        filename: &str,
    ) -> Result<String, ActorError> {
        let auth = ask(&self.live().await?, NumberMsg::Auth, self.timeout()).await?;
        self.ctx
            .graph
            .upload_media(&auth, bytes, mime, filename)
            .await
            .map_err(|e| ActorError::unprocessable("upload_failed", e.reason()))
    }

    /// The number's templates as Meta describes them (cached).
    pub async fn templates(&self) -> Result<Vec<Template>, ActorError> {
        ask_result(&self.live().await?, NumberMsg::Templates, self.timeout() * 3).await
    }

    /// The stored media of a message and its file name.
    pub async fn media_of(
        &self,
        id: ConversationId,
        message: MessageId,
    ) -> Result<(crate::conversation::record::StoredMedia, Option<String>), ActorError> {
        self.ask_conversation(id, |r| ConversationMsg::MediaOf(message, r)).await
    }

    /// Reloads the number's chatbot flows (after a publish or a change of
    /// business hours); no reply.
    pub fn reload_flows(&self) {
        if let Ok(actor) = self.actor() {
            let _ = actor.cast(NumberMsg::ReloadFlows);
        }
    }

    /// This number's step counts for a flow (`flow_stats`).
    pub async fn flow_stats(&self, flow: String) -> Result<Vec<(String, u64, u64, u64)>, ActorError> {
        ask(&self.live().await?, |r| NumberMsg::FlowStats(flow, r), self.timeout()).await
    }

    /// How the number is doing.
    pub async fn health(&self) -> Result<NumberHealth, ActorError> {
        ask(&self.live().await?, NumberMsg::Health, self.timeout()).await
    }

    /// Applies a tenant-wide change to every affected conversation.
    pub fn sweep(&self, sweep: Sweep) -> Result<(), ActorError> {
        self.actor()?
            .cast(NumberMsg::Sweep(sweep))
            .map_err(|_| ActorError::Unavailable("number is not running".into()))
    }

    /// Fault injection for supervision tests: makes this NumberActor panic
    /// (its children go with it; the root respawns it from sled). Not
    /// reachable over HTTP.
    pub fn crash(&self) -> Result<(), ActorError> {
        self.actor()?
            .cast(NumberMsg::Crash)
            .map_err(|_| ActorError::Unavailable("number is not running".into()))
    }

    /// Fault injection for supervision tests: makes the conversation's actor
    /// panic. Not reachable over HTTP.
    pub fn crash_conversation(&self, id: ConversationId) -> Result<(), ActorError> {
        self.actor()?
            .cast(NumberMsg::Route(id, ConversationMsg::Crash))
            .map_err(|_| ActorError::Unavailable("number is not running".into()))
    }
}
