//! The chatbot, running inside the ConversationActor: its run (position,
//! answers, timer) is part of the conversation record, so a restart or a
//! crash resumes exactly where it was, and its steps are events in the same
//! log. The pure interpreter is the `chatbot` crate; this module turns its
//! actions into the chat's changes (messages to send, attributes, labels,
//! routing, handover, close, timers).
//!
//! A flow starts on its trigger (a new conversation, a keyword, a reopen)
//! while the chat's bot is enabled, one flow at a time; a keyword restarts.
//! A running chat stays on the flow version it started with, even after a
//! newer one is published.

use std::sync::Arc;

use chatbot::{Action, Context, Flow, Input, Outcome, Run, TriggerOn};
use tenants::{FlowId, NumberId, TeamId};
use whatsapp::Content;

use super::change::Change;
use super::record::{Body, ConversationStatus, EventActor, EventKind};
use super::{outbound, ConversationState};
use crate::clock::now_ms;
use crate::conversation::record::OutboxEntry;
use crate::directory::DirectoryHandle;
use crate::error::ActorError;
use crate::number::StepMark;

/// A published flow attached to a number.
#[derive(Debug, Clone)]
pub struct LiveFlow {
    /// The flow.
    pub id: FlowId,
    /// Its live version.
    pub version: u32,
    /// The document.
    pub flow: Arc<Flow>,
}

/// What the bot needs from outside the conversation: the live flows of its
/// number and the tenant's business hours. Shared by the NumberActor with
/// its children; replaced (never changed) when a flow is published.
#[derive(Debug, Clone, Default)]
pub struct BotCtx {
    /// Published flows for this number.
    pub flows: Vec<LiveFlow>,
    /// Business hours, if the tenant set them.
    pub hours: Option<chatbot::BusinessHours>,
}

/// What the bot decided that must happen after the write is durable.
#[derive(Default)]
pub(super) struct After {
    /// Sends for the outbox.
    pub sends: Vec<OutboxEntry>,
    /// Route the chat through this team.
    pub team: Option<(TeamId, String)>,
    /// Wake the bot at this time.
    pub timer: Option<i64>,
}

/// The input a customer message gives the bot, if any.
pub(super) fn input_of(content: &Content) -> Option<Input> {
    match content {
        Content::Text { body } => Some(Input::CustomerText(body.clone())),
        Content::ButtonReply { id, .. } => Some(Input::ButtonReply { id: id.clone() }),
        Content::ListReply { id, .. } => Some(Input::ListReply { id: id.clone() }),
        Content::Button { text, .. } => Some(Input::CustomerText(text.clone())),
        _ => None,
    }
}

fn context(s: &ConversationState) -> Context {
    Context {
        now_ms: now_ms(),
        labels: s.record.labels.clone(),
        hours: s.bot.hours.clone(),
        attributes: s.record.attributes.clone(),
    }
}

/// The document of the version a run is on (the live one, or an older one
/// loaded from its published snapshot).
async fn flow_of(s: &mut ConversationState, run: &Run) -> Option<Arc<Flow>> {
    let id: FlowId = run.flow_id.parse().ok()?;
    if let Some(live) = s.bot.flows.iter().find(|f| f.id == id && f.version == run.version) {
        return Some(live.flow.clone());
    }
    if let Some((cached_id, version, flow)) = &s.pinned {
        if *cached_id == id && *version == run.version {
            return Some(flow.clone());
        }
    }
    let directory = DirectoryHandle { ctx: s.ctx.clone() };
    let json = directory.flow_version(s.record.tenant_id, id, run.version).await.ok()??;
    let flow = Arc::new(Flow::from_json(&json).ok()?);
    s.pinned = Some((id, run.version, flow.clone()));
    Some(flow)
}

/// The live flow a trigger starts on this number, if any.
fn triggered(s: &ConversationState, number: NumberId, on: TriggerOn, text: &str) -> Option<LiveFlow> {
    s.bot.flows.iter().find(|f| f.flow.is_triggered(number, on, text)).cloned()
}

/// Runs the bot on a customer's message (after it is stored in `c`).
pub(super) async fn on_customer(
    s: &mut ConversationState,
    c: &mut Change,
    input: Option<Input>,
    created: bool,
    reopened: bool,
    after: &mut After,
) -> Result<(), ActorError> {
    if !s.record.bot_enabled || s.bot.flows.is_empty() {
        return Ok(());
    }
    let number = s.record.number_id;
    let text = match &input {
        Some(Input::CustomerText(t)) => t.clone(),
        _ => String::new(),
    };
    // A keyword (re)starts its flow, whatever is running.
    if let Some(live) = triggered(s, number, TriggerOn::Keyword, &text) {
        if let Some(run) = s.record.bot_run.clone().filter(|r| !r.finished) {
            apply(s, c, chatbot::abandon(&run), after)?;
        }
        let outcome = chatbot::start(&live.flow, &live.id.to_string(), live.version, &context(s));
        return apply(s, c, outcome, after);
    }
    if let Some(run) = s.record.bot_run.clone().filter(|r| !r.finished) {
        let Some(input) = input else { return Ok(()) };
        let outcome = match flow_of(s, &run).await {
            Some(flow) => chatbot::advance(&flow, &run, input, &context(s)),
            None => chatbot::abandon(&run),
        };
        return apply(s, c, outcome, after);
    }
    let on = if created {
        TriggerOn::NewConversation
    } else if reopened {
        TriggerOn::Reopen
    } else {
        return Ok(());
    };
    if let Some(live) = triggered(s, number, on, &text) {
        let outcome = chatbot::start(&live.flow, &live.id.to_string(), live.version, &context(s));
        apply(s, c, outcome, after)?;
    }
    Ok(())
}

/// Moves a waiting run on (its timer fired) or shows the current question
/// again (the bot was switched back on).
pub(super) async fn resume(
    s: &mut ConversationState,
    c: &mut Change,
    input: Input,
    after: &mut After,
) -> Result<(), ActorError> {
    let Some(run) = s.record.bot_run.clone().filter(|r| !r.finished) else { return Ok(()) };
    let outcome = match flow_of(s, &run).await {
        Some(flow) => chatbot::advance(&flow, &run, input, &context(s)),
        None => chatbot::abandon(&run),
    };
    apply(s, c, outcome, after)
}

/// Starts the run's flow again from its first step (the bot was switched
/// back on with `restart`).
pub(super) fn restart(
    s: &mut ConversationState,
    c: &mut Change,
    after: &mut After,
) -> Result<(), ActorError> {
    let Some(run) = s.record.bot_run.clone() else { return Ok(()) };
    let live = s.bot.flows.iter().find(|f| f.id.to_string() == run.flow_id).cloned();
    if !run.finished {
        apply(s, c, chatbot::abandon(&run), after)?;
    }
    if let Some(live) = live {
        let outcome = chatbot::start(&live.flow, &live.id.to_string(), live.version, &context(s));
        apply(s, c, outcome, after)?;
    }
    Ok(())
}

/// Turns the interpreter's actions into this chat's changes.
fn apply(
    s: &mut ConversationState,
    c: &mut Change,
    outcome: Outcome,
    after: &mut After,
) -> Result<(), ActorError> {
    let flow = outcome.run.flow_id.clone();
    let to = s.record.wa_id.clone();
    let invalid =
        |e: whatsapp::OutboundError| ActorError::unprocessable("invalid_bot_message", e.to_string());
    for action in outcome.actions {
        match action {
            Action::Entered(step) => c.bot_stats.push((flow.clone(), step, StepMark::Entered)),
            Action::Answered(step) => c.bot_stats.push((flow.clone(), step, StepMark::Answered)),
            Action::Dropped(step) => c.bot_stats.push((flow.clone(), step, StepMark::Dropped)),
            Action::SendText(text) => {
                let request =
                    whatsapp::outbound::text_message(&to, &text, false, None, None).map_err(invalid)?;
                let body = Body::Text { body: text.clone(), preview_url: false };
                after.sends.push(outbound::queue(s, c, None, body, request, Some(text))?);
            }
            Action::SendButtons(message) => {
                let request = whatsapp::outbound::buttons(&to, &message, None, None).map_err(invalid)?;
                let text = Some(message.body.clone());
                let body =
                    Body::Prepared { kind: "interactive".into(), text: text.clone(), json: String::new() };
                after.sends.push(outbound::queue(s, c, None, body, request, text)?);
            }
            Action::SendList(message) => {
                let request = whatsapp::outbound::list(&to, &message, None, None).map_err(invalid)?;
                let text = Some(message.body.clone());
                let body =
                    Body::Prepared { kind: "interactive".into(), text: text.clone(), json: String::new() };
                after.sends.push(outbound::queue(s, c, None, body, request, text)?);
            }
            Action::SaveAttribute { name, value } => {
                s.record.attributes.retain(|(n, _)| *n != name);
                s.record.attributes.push((name, value));
            }
            Action::AddLabel(label) => {
                if !s.record.labels.contains(&label) {
                    s.record.labels.push(label);
                    c.event(EventActor::Bot, EventKind::LabelsChanged { labels: s.record.labels.clone() });
                }
            }
            Action::AssignTeam { team_id, note } => queue_for(s, c, Some(team_id), note, after),
            Action::AssignUser { user_id, note } => {
                s.record.assignee_id = Some(user_id);
                s.record.assigned_at_ms = Some(now_ms());
                s.record.queued_at_ms = None;
                let team = s.record.team_id;
                c.event(EventActor::Bot, EventKind::Assigned { assignee: Some(user_id), team, reason: note });
                c.notices.push(super::change::Notice {
                    to: user_id,
                    kind: "assigned",
                    by: EventActor::Bot,
                    note: None,
                    private: false,
                });
            }
            Action::Handover { team_id, note } => {
                s.record.bot_enabled = false;
                c.event(EventActor::Bot, EventKind::BotToggled { enabled: false });
                queue_for(s, c, team_id, note, after);
            }
            Action::Close => {
                s.record.status = ConversationStatus::Closed;
                c.event(EventActor::Bot, EventKind::Closed);
            }
            Action::StartTimer { until_ms } => after.timer = Some(until_ms),
            Action::Finished => {}
        }
    }
    s.record.bot_run = Some(Box::new(outcome.run));
    Ok(())
}

/// Puts the chat in a team's queue (routed after the write) or, without a
/// team, in Not Assigned.
fn queue_for(
    s: &mut ConversationState,
    c: &mut Change,
    team: Option<TeamId>,
    note: String,
    after: &mut After,
) {
    s.record.assignee_id = None;
    s.record.assigned_at_ms = None;
    s.record.team_id = team;
    s.record.queued_at_ms = Some(now_ms());
    c.event(EventActor::Bot, EventKind::Assigned { assignee: None, team, reason: note.clone() });
    if let Some(team) = team {
        after.team = Some((team, note));
    }
}
