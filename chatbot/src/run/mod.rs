//! The interpreter: one conversation's walk through a flow, as pure
//! functions from (flow, run state, input, context) to (new run state,
//! actions). The ConversationActor owns the rest: it persists the [`Run`],
//! carries out the [`Action`]s (sends, labels, assignment, timers) and
//! records them in the event log.
//!
//! - [`start`] enters the flow at `start`; [`advance`] feeds it one
//!   [`Input`]; [`abandon`] ends it (another flow, a restart).
//! - Steps that only act (`message`, `label`, `branch`) chain at once;
//!   `buttons`, `list`, `ask` and `wait` stop and wait for the next input;
//!   `assign_team`, `assign_user`, `handover` and `close` end the run.
//! - One call runs at most [`STEP_BUDGET`] steps; past it the run is
//!   dropped and handed over, so a loop can never spin an actor.
//! - [`Run`] is bincode-plain (no tagged enums, no skipped fields, no
//!   `Value`): store it as it is, behind the caller's version byte.
//!   [`Action`] is not meant to be stored (events are).
//!
//! The rules of each step are in `exec.rs`.

mod exec;

use serde::{Deserialize, Serialize};
use tenants::{TeamId, UserId};
use whatsapp::outbound::{ButtonsMessage, ListMessage};

use crate::flow::Flow;
use crate::hours::BusinessHours;
use exec::Machine;

/// The most steps one call runs before it gives up (a loop the validator
/// would have refused, in a flow that was never validated).
pub const STEP_BUDGET: usize = 50;

/// Where one conversation is in one flow: stored with the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The flow, and the version the run started on (it finishes on it).
    pub flow_id: String,
    pub version: u32,
    /// The current step: the one waiting for input, or the last one run.
    pub step: String,
    /// Wrong answers given at the current step so far.
    pub retries: u8,
    /// When the current `wait` step ends (unix ms), while it waits.
    pub waiting_until_ms: Option<i64>,
    /// Answers collected by `ask` steps, in order (a name may repeat; the
    /// last one counts).
    pub attributes: Vec<(String, String)>,
    /// The last accepted answer: an `ask` value, or a button or row id.
    pub answer: Option<String>,
    /// The run is over: inputs are ignored.
    pub finished: bool,
}

impl Run {
    /// A run at `step`, nothing answered yet.
    pub fn new(flow_id: impl Into<String>, version: u32, step: impl Into<String>) -> Run {
        Run {
            flow_id: flow_id.into(),
            version,
            step: step.into(),
            retries: 0,
            waiting_until_ms: None,
            attributes: vec![],
            answer: None,
            finished: false,
        }
    }

    /// The latest value this run saved for `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What moves a run on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    /// The customer typed (or sent a caption): an `ask` answer, or a
    /// button or row title (or its number, "2").
    CustomerText(String),
    /// The customer tapped a reply button.
    ButtonReply { id: String },
    /// The customer picked a list row.
    ListReply { id: String },
    /// A timer from [`Action::StartTimer`] went off (early or late: the
    /// run checks `waiting_until_ms` against `now_ms`).
    TimerFired,
    /// The bot was turned back on: show the current step again (or end a
    /// `wait` that is due), without counting a new entry.
    Resume,
}

/// What the run may look at besides itself. Built fresh for each call.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Now, unix milliseconds.
    pub now_ms: i64,
    /// The conversation's label names.
    pub labels: Vec<String>,
    /// The tenant's business hours; `None` is open all the time.
    pub hours: Option<BusinessHours>,
    /// The contact's attributes known before this run (name, value).
    pub attributes: Vec<(String, String)>,
}

/// The new run state and what to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub run: Run,
    pub actions: Vec<Action>,
}

/// One thing for the caller to do (or to count), in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Analytics: the run entered this step.
    Entered(String),
    /// Analytics: the customer answered this step (a valid answer).
    Answered(String),
    /// Analytics: the customer left the flow at this step (retries used
    /// up, a broken flow, or [`abandon`]).
    Dropped(String),
    /// Send a text message to the customer.
    SendText(String),
    /// Send reply buttons (build with `whatsapp::outbound::buttons`).
    SendButtons(ButtonsMessage),
    /// Send a list (build with `whatsapp::outbound::list`).
    SendList(ListMessage),
    /// Save a contact attribute.
    SaveAttribute { name: String, value: String },
    /// Put the label with this name on the conversation.
    AddLabel(String),
    /// Hand the chat to a team (its round robin or balance picks the
    /// agent); `note` is the bot's reason for the chat history. Bot off.
    AssignTeam { team_id: TeamId, note: String },
    /// Hand the chat to one user. Bot off.
    AssignUser { user_id: UserId, note: String },
    /// Bot off; the chat goes to `team_id`, or to Not Assigned.
    Handover { team_id: Option<TeamId>, note: String },
    /// Close the conversation.
    Close,
    /// Send [`Input::TimerFired`] at `until_ms` (replaces any earlier
    /// timer of this conversation; it must survive restarts).
    StartTimer { until_ms: i64 },
    /// The run is over: the bot stops for this conversation.
    Finished,
}

/// Starts `flow` (id `flow_id`, at `version`) at its `start` step.
pub fn start(flow: &Flow, flow_id: &str, version: u32, ctx: &Context) -> Outcome {
    let mut machine = Machine::new(flow, Run::new(flow_id, version, flow.start.clone()), ctx);
    machine.run_steps(false);
    machine.outcome()
}

/// Moves `run` on by one input. A finished run stays as it is, with no
/// actions.
pub fn advance(flow: &Flow, run: &Run, input: Input, ctx: &Context) -> Outcome {
    if run.finished {
        return Outcome { run: run.clone(), actions: vec![] };
    }
    let mut machine = Machine::new(flow, run.clone(), ctx);
    machine.input(input);
    machine.outcome()
}

/// Ends `run` before it is done (a new flow or a restart replaces it):
/// `Dropped` at its step, then `Finished`. No message is sent.
pub fn abandon(run: &Run) -> Outcome {
    if run.finished {
        return Outcome { run: run.clone(), actions: vec![] };
    }
    let mut run = run.clone();
    run.finished = true;
    run.waiting_until_ms = None;
    Outcome { actions: vec![Action::Dropped(run.step.clone()), Action::Finished], run }
}
