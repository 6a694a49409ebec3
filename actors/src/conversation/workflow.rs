//! The inbox workflow on one conversation: assignment (with optimistic
//! preconditions, so of two simultaneous "assign to me" exactly one wins),
//! transfer notes, close and reopen, labels, the chatbot switch, internal
//! notes with mentions, read marks, and tenant-wide sweeps. Every change
//! records who did it and why in the event log.

use tenants::{MessageId, UserId};

use super::change::Notice;
use super::record::{
    Body, ConversationRecord, ConversationStatus, Direction, EventActor, EventKind, MessageRecord,
    MessageStatus,
};
use super::{bot, outbound, Assignment, ConversationState, Expect, Sweep};
use crate::clock::now_ms;
use crate::error::ActorError;
use crate::store::Tree;
use crate::team;
use crate::view::MessageView;

/// Longest internal note.
const MAX_NOTE_CHARS: usize = 4096;

fn note_record(
    s: &ConversationState,
    text: String,
    mentions: Vec<UserId>,
    by: Option<UserId>,
) -> MessageRecord {
    MessageRecord {
        id: MessageId::new(),
        conversation_id: s.record.id,
        direction: Direction::Internal,
        body: Body::Note { text, mentions },
        wamid: None,
        status: MessageStatus::Received,
        error: None,
        author_id: by,
        created_at_ms: now_ms(),
        sent_at_ms: None,
        reply_to: None,
        reactions: Vec::new(),
        media: None,
        forwarded: false,
        referral: None,
    }
}

fn user_of(by: EventActor) -> Option<UserId> {
    match by {
        EventActor::User(u) => Some(u),
        _ => None,
    }
}

/// Changes the assignee and/or team if the precondition holds.
pub(super) fn assign(s: &mut ConversationState, a: Assignment) -> Result<ConversationRecord, ActorError> {
    let current = s.record.assignee_id;
    match a.expect {
        Expect::Any => {}
        Expect::ClaimableBy(user) => {
            if let Some(other) = current.filter(|other| *other != user) {
                return Err(ActorError::conflict("already_assigned", format!("already assigned to {other}")));
            }
        }
        Expect::Assignee(expected) => {
            if current != expected {
                return Err(ActorError::conflict("assignment_changed", "the chat was reassigned meanwhile"));
            }
        }
        Expect::Queued(team) => {
            let r = &s.record;
            if r.assignee_id.is_some() || r.team_id != Some(team) || r.status != ConversationStatus::Open {
                return Err(ActorError::conflict("not_queued", "the chat left the team queue"));
            }
        }
    }
    if current == a.assignee && s.record.team_id == a.team && a.note.is_none() && !a.transfer {
        return Ok(s.record.clone());
    }
    let mut c = s.begin();
    let now = now_ms();
    if a.transfer {
        c.event(a.by, EventKind::Transferred { to_user: a.assignee, to_team: a.team });
    }
    if let Some(text) = a.note.clone().filter(|n| !n.trim().is_empty()) {
        let note = note_record(s, text, Vec::new(), user_of(a.by));
        c.batch.put(Tree::Messages, s.message_key(note.id), &note)?;
        c.event(a.by, EventKind::NoteAdded { message_id: note.id });
        c.messages.push(("message.created", note));
    }
    s.record.assignee_id = a.assignee;
    s.record.team_id = a.team;
    if a.assignee.is_some() {
        s.record.assigned_at_ms = Some(now);
        s.record.queued_at_ms = None;
    } else {
        s.record.assigned_at_ms = None;
        s.record.queued_at_ms = Some(now);
    }
    c.event(a.by, EventKind::Assigned { assignee: a.assignee, team: a.team, reason: a.reason });
    if let Some(to) = a.assignee.filter(|u| Some(*u) != current && Some(*u) != user_of(a.by)) {
        let kind = if a.transfer { "transferred" } else { "assigned" };
        c.notices.push(Notice { to, kind, by: a.by, note: a.note, private: false });
    }
    s.commit(c, Some("conversation.updated"))?;
    Ok(s.record.clone())
}

/// Closes or reopens by hand (the assignee stays).
pub(super) fn set_open(
    s: &mut ConversationState,
    open: bool,
    by: EventActor,
) -> Result<ConversationRecord, ActorError> {
    let status = if open { ConversationStatus::Open } else { ConversationStatus::Closed };
    if s.record.status == status {
        return Ok(s.record.clone());
    }
    let mut c = s.begin();
    s.record.status = status;
    c.event(by, if open { EventKind::Reopened } else { EventKind::Closed });
    s.commit(c, Some("conversation.updated"))?;
    Ok(s.record.clone())
}

/// Replaces the labels (already checked against the tenant's labels).
pub(super) fn set_labels(
    s: &mut ConversationState,
    labels: Vec<String>,
    by: EventActor,
) -> Result<ConversationRecord, ActorError> {
    let mut unique: Vec<String> = Vec::with_capacity(labels.len());
    for l in labels {
        if !unique.contains(&l) {
            unique.push(l);
        }
    }
    if unique == s.record.labels {
        return Ok(s.record.clone());
    }
    let mut c = s.begin();
    s.record.labels = unique.clone();
    c.event(by, EventKind::LabelsChanged { labels: unique });
    s.commit(c, Some("conversation.updated"))?;
    Ok(s.record.clone())
}

/// Switches the chatbot; switched back on, it resumes at the step it was on
/// (asking that step's question again) or, with `restart`, starts its flow
/// over.
pub(super) async fn set_bot(
    s: &mut ConversationState,
    enabled: bool,
    restart: bool,
    by: EventActor,
) -> Result<ConversationRecord, ActorError> {
    if s.record.bot_enabled == enabled && !restart {
        return Ok(s.record.clone());
    }
    let mut c = s.begin();
    let mut after = bot::After::default();
    if s.record.bot_enabled != enabled {
        s.record.bot_enabled = enabled;
        c.event(by, EventKind::BotToggled { enabled });
    }
    if enabled && restart {
        bot::restart(s, &mut c, &mut after)?;
    } else if enabled {
        bot::resume(s, &mut c, chatbot::Input::Resume, &mut after).await?;
    }
    s.commit(c, Some("conversation.updated"))?;
    finish_bot(s, after);
    Ok(s.record.clone())
}

/// A `wait` step's timer fired: the flow moves on.
pub(super) async fn bot_timer(s: &mut ConversationState) -> Result<(), ActorError> {
    let due = s.record.bot_run.as_ref().and_then(|r| r.waiting_until_ms).is_some_and(|t| t <= now_ms());
    if !s.record.bot_enabled || !due {
        return Ok(());
    }
    let mut c = s.begin();
    let mut after = bot::After::default();
    bot::resume(s, &mut c, chatbot::Input::TimerFired, &mut after).await?;
    s.commit(c, Some("conversation.updated"))?;
    finish_bot(s, after);
    Ok(())
}

/// What the bot decided that happens once its write is durable: sends,
/// routing through a team, a timer (its step counts go with the commit).
pub(super) fn finish_bot(s: &ConversationState, after: bot::After) {
    outbound::enqueue_when_durable(s, after.sends);
    if let Some((team, reason)) = after.team {
        team::dispatch_later(&s.ctx, team, s.conversation_ref(), &reason);
    }
    if let Some(until) = after.timer {
        schedule_bot_timer(&s.parent, s.record.id, until);
    }
}

/// Wakes the conversation (through its NumberActor, which restarts it if it
/// was passivated) when a `wait` step is due.
pub(crate) fn schedule_bot_timer(
    parent: &ractor::ActorRef<crate::number::NumberMsg>,
    id: tenants::ConversationId,
    until_ms: i64,
) {
    let parent = parent.clone();
    let wait = std::time::Duration::from_millis((until_ms - now_ms()).max(0) as u64);
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        let _ = parent.cast(crate::number::NumberMsg::Route(id, super::ConversationMsg::BotTimer));
    });
}

/// Adds an internal note and notifies the mentioned colleagues.
pub(super) fn add_note(
    s: &mut ConversationState,
    text: String,
    mentions: Vec<UserId>,
    blind: &[UserId],
    by: UserId,
) -> Result<MessageView, ActorError> {
    let text = text.trim().to_string();
    if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS {
        return Err(ActorError::unprocessable("invalid_note", "a note has 1 to 4096 characters"));
    }
    let mut c = s.begin();
    let note = note_record(s, text.clone(), mentions.clone(), Some(by));
    c.batch.put(Tree::Messages, s.message_key(note.id), &note)?;
    c.event(EventActor::User(by), EventKind::NoteAdded { message_id: note.id });
    for to in mentions.into_iter().filter(|u| *u != by) {
        let private = blind.contains(&to);
        c.notices.push(Notice {
            to,
            kind: "mentioned",
            by: EventActor::User(by),
            note: Some(text.clone()),
            private,
        });
    }
    let view = MessageView::new(&note);
    c.messages.push(("message.created", note));
    s.commit(c, None)?;
    Ok(view)
}

/// Marks the chat read.
pub(super) fn mark_read(s: &mut ConversationState, by: UserId) -> Result<ConversationRecord, ActorError> {
    if s.record.unread == 0 {
        return Ok(s.record.clone());
    }
    let mut c = s.begin();
    s.record.unread = 0;
    c.event(EventActor::User(by), EventKind::Read);
    s.commit(c, Some("conversation.updated"))?;
    if let Some(wamid) = s.record.last_inbound_wamid.clone() {
        // Blue ticks on the customer's phone.
        let _ = s.parent.cast(crate::number::NumberMsg::MarkRead(wamid.into()));
    }
    Ok(s.record.clone())
}

/// Applies a tenant-wide change if it concerns this chat.
pub(super) fn sweep(s: &mut ConversationState, sweep: Sweep) -> Result<(), ActorError> {
    let mut c = s.begin();
    let mut reroute = None;
    match sweep {
        Sweep::RemoveLabel(name) => {
            if !s.record.labels.contains(&name) {
                return Ok(());
            }
            s.record.labels.retain(|l| *l != name);
            c.event(EventActor::System, EventKind::LabelsChanged { labels: s.record.labels.clone() });
        }
        Sweep::RenameLabel(old, new) => {
            if !s.record.labels.contains(&old) {
                return Ok(());
            }
            for l in s.record.labels.iter_mut().filter(|l| **l == old) {
                *l = new.clone();
            }
            c.event(EventActor::System, EventKind::LabelsChanged { labels: s.record.labels.clone() });
        }
        Sweep::ClearTeam(team) => {
            if s.record.team_id != Some(team) {
                return Ok(());
            }
            s.record.team_id = None;
            let reason = "the team was deleted".to_string();
            c.event(
                EventActor::System,
                EventKind::Assigned { assignee: s.record.assignee_id, team: None, reason },
            );
        }
        Sweep::Release(user) => {
            if s.record.assignee_id != Some(user) || s.record.status != ConversationStatus::Open {
                return Ok(());
            }
            s.record.assignee_id = None;
            s.record.assigned_at_ms = None;
            s.record.queued_at_ms = Some(now_ms());
            let reason = "the assignee was deactivated".to_string();
            c.event(
                EventActor::System,
                EventKind::Assigned { assignee: None, team: s.record.team_id, reason },
            );
            reroute = s.record.team_id;
        }
    }
    s.commit(c, Some("conversation.updated"))?;
    if let Some(team_id) = reroute {
        team::dispatch_later(&s.ctx, team_id, s.conversation_ref(), "the previous assignee was deactivated");
    }
    Ok(())
}
