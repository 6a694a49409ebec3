//! Switchboard's chatbot: the bot's brain, pure (no I/O, no async, no
//! clock: callers pass `now_ms`, unix milliseconds). The ConversationActor
//! owns a conversation's [`Run`], persists it, and carries out the
//! [`Action`]s this crate returns.
//!
//! - [`flow`]: the flow document of API.md ("Chatbot flows"): trigger,
//!   steps, settings, as JSON.
//! - [`mod@validate`]: every problem of a flow with its path (Meta's limits
//!   through `whatsapp::outbound`, dangling targets, loops that never
//!   wait, unreachable steps as warnings); [`parse_flow`] does both.
//! - [`hours`]: a tenant's business hours in an IANA time zone: open now?
//!   when next?
//! - [`run`]: the interpreter: [`start`], [`advance`], [`abandon`] from a
//!   bincode-plain [`Run`] to the next one and its [`Action`]s.
//! - `answer`: what `email`, `phone`, `number` and regex answers accept.
//! - `text`: `{{attribute}}` and `{{next_opening}}` in sent texts.
//! - [`error`]: the crate's one error, [`ChatbotError`].

mod answer;
pub mod error;
pub mod flow;
pub mod hours;
pub mod run;
mod text;
pub mod validate;

pub use error::ChatbotError;
pub use flow::{
    BranchOn, Case, Choice, Fallback, Flow, Row, Section, Settings, Step, Trigger, TriggerOn, Validate,
};
pub use hours::BusinessHours;
pub use run::{abandon, advance, start, Action, Context, Input, Outcome, Run, STEP_BUDGET};
pub use validate::{has_errors, parse_flow, validate, Problem, Severity};
