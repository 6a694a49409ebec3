//! The rules of each step, for one call of [`start`](super::start) or
//! [`advance`](super::advance): a `Machine` holds the run being moved and
//! the actions so far.
//!
//! - Choices (`buttons`, `list`): a reply by id, or a typed text equal to
//!   a title (trimmed, ignoring case), or the option's number ("2").
//!   Anything else is a wrong answer.
//! - `ask`: the answer is checked by [`crate::answer`]; a valid one is
//!   saved (`SaveAttribute`) and becomes the run's `answer`.
//! - A wrong answer asks again (the step's `retry` text, else the flow's,
//!   and the options again) until `settings.retries` are used up, then
//!   `Dropped` and a handover to Not Assigned.
//! - `wait`: customer messages do not end it; a timer that fires early
//!   (or a resume before the time) arms it again.
//! - A timer firing on any other step is stale and ignored.

use super::{Action, Context, Input, Outcome, Run, STEP_BUDGET};
use crate::answer;
use crate::flow::{buttons_message, list_message, BranchOn, Case, Flow, Step, Validate};
use crate::text::{attribute, fill, BODY_MAX, TEXT_MAX};

const RETRY_TEXT: &str = "Please choose one of the options below.";
const HANDOVER_TEXT: &str = "Let me connect you with someone from our team.";

/// One call's work on one run.
pub(super) struct Machine<'a> {
    flow: &'a Flow,
    ctx: &'a Context,
    run: Run,
    actions: Vec<Action>,
    /// Labels added during this call, seen by a later `branch` on labels.
    labels: Vec<String>,
}

impl<'a> Machine<'a> {
    pub(super) fn new(flow: &'a Flow, run: Run, ctx: &'a Context) -> Self {
        Machine { flow, ctx, run, actions: vec![], labels: vec![] }
    }

    pub(super) fn outcome(self) -> Outcome {
        Outcome { run: self.run, actions: self.actions }
    }

    /// Feeds one input to the current step.
    pub(super) fn input(&mut self, input: Input) {
        let flow = self.flow;
        let Some(step) = flow.steps.get(&self.run.step) else {
            return self.stop(format!("step {:?} no longer exists", self.run.step));
        };
        match (step, input) {
            (Step::Wait { next, .. }, Input::TimerFired | Input::Resume) => self.wait_over(next),
            (_, Input::Resume) => self.run_steps(step.waits()),
            (
                Step::Buttons { .. } | Step::List { .. },
                Input::ButtonReply { id } | Input::ListReply { id },
            ) => self.choose(step, |choices| choices.iter().position(|c| c.0 == id)),
            (Step::Buttons { .. } | Step::List { .. }, Input::CustomerText(text)) => {
                self.choose(step, |choices| typed_choice(choices, &text))
            }
            (Step::Ask { save_as, validate, next, .. }, Input::CustomerText(text)) => {
                match answer::check(validate, &text) {
                    Some(value) => {
                        self.run.attributes.push((save_as.clone(), value.clone()));
                        self.actions
                            .push(Action::SaveAttribute { name: save_as.clone(), value: value.clone() });
                        self.answered(value, next.as_deref());
                    }
                    None => self.wrong_answer(step),
                }
            }
            (Step::Ask { .. }, Input::ButtonReply { .. } | Input::ListReply { .. }) => {
                self.wrong_answer(step)
            }
            (_, Input::TimerFired) | (Step::Wait { .. }, _) => {}
            // A step that does not wait is never current between calls;
            // if one is (an older interpreter stopped there), run it.
            (_, _) => self.run_steps(false),
        }
    }

    /// Runs steps from the current one until one waits or the run ends.
    /// `again`: the current step was already entered (a resume), so it is
    /// shown again without an `Entered`.
    pub(super) fn run_steps(&mut self, mut again: bool) {
        let flow = self.flow;
        for _ in 0..STEP_BUDGET {
            let id = self.run.step.clone();
            let Some(step) = flow.steps.get(&id) else {
                return self.stop(format!("step {id:?} no longer exists"));
            };
            if !again {
                self.actions.push(Action::Entered(id.clone()));
            }
            again = false;
            let next = match step {
                Step::Message { text, next } => {
                    self.send_text(text);
                    next.as_deref()
                }
                Step::Buttons { .. } | Step::List { .. } | Step::Ask { .. } => return self.show(step),
                Step::Wait { minutes, .. } => {
                    let until_ms = self.ctx.now_ms.saturating_add(i64::from(*minutes) * 60_000);
                    self.run.waiting_until_ms = Some(until_ms);
                    return self.actions.push(Action::StartTimer { until_ms });
                }
                Step::Branch { on, attribute, cases, default } => {
                    Some(self.branch(*on, attribute.as_deref(), cases, default))
                }
                Step::Label { label, next } => {
                    self.labels.push(label.clone());
                    self.actions.push(Action::AddLabel(label.clone()));
                    next.as_deref()
                }
                Step::AssignTeam { team_id, text, note } => {
                    self.send_optional(text);
                    let note = self.note(note, "routed the chat to a team");
                    self.actions.push(Action::AssignTeam { team_id: *team_id, note });
                    None
                }
                Step::AssignUser { user_id, text, note } => {
                    self.send_optional(text);
                    let note = self.note(note, "assigned the chat");
                    self.actions.push(Action::AssignUser { user_id: *user_id, note });
                    None
                }
                Step::Handover { text, team_id, note } => {
                    self.send_optional(text);
                    let note = self.note(note, "handed the chat over");
                    self.actions.push(Action::Handover { team_id: *team_id, note });
                    None
                }
                Step::Close { text } => {
                    self.send_optional(text);
                    self.actions.push(Action::Close);
                    None
                }
            };
            match next {
                Some(next) => self.run.step = next.to_string(),
                None => return self.finish(),
            }
        }
        self.stop(format!("more than {STEP_BUDGET} steps without waiting for the customer"));
    }

    /// Sends the question of a step that waits for an answer.
    fn show(&mut self, step: &Step) {
        let action = match step {
            Step::Buttons { text, header, footer, buttons, .. } => {
                Action::SendButtons(buttons_message(self.fill(text, BODY_MAX), header, footer, buttons))
            }
            Step::List { text, header, footer, button, sections, .. } => {
                Action::SendList(list_message(self.fill(text, BODY_MAX), header, footer, button, sections))
            }
            Step::Ask { text, .. } => Action::SendText(self.fill(text, TEXT_MAX)),
            _ => return,
        };
        self.actions.push(action);
    }

    /// A choice step's answer: `pick` finds the chosen option among
    /// `(id, title, next)`.
    fn choose(&mut self, step: &Step, pick: impl FnOnce(&[(&str, &str, &str)]) -> Option<usize>) {
        let choices: Vec<(&str, &str, &str)> = match step {
            Step::Buttons { buttons, .. } => {
                buttons.iter().map(|b| (b.id.as_str(), b.title.as_str(), b.next.as_str())).collect()
            }
            Step::List { sections, .. } => sections
                .iter()
                .flat_map(|s| &s.rows)
                .map(|r| (r.id.as_str(), r.title.as_str(), r.next.as_str()))
                .collect(),
            _ => vec![],
        };
        match pick(&choices).map(|i| choices[i]) {
            Some((id, _, next)) => self.answered(id.to_string(), Some(next)),
            None => self.wrong_answer(step),
        }
    }

    /// A valid answer at the current step: count it, go on to `next`.
    fn answered(&mut self, answer: String, next: Option<&str>) {
        self.actions.push(Action::Answered(self.run.step.clone()));
        self.run.answer = Some(answer);
        self.run.retries = 0;
        match next {
            Some(next) => {
                self.run.step = next.to_string();
                self.run_steps(false);
            }
            None => self.finish(),
        }
    }

    /// A wrong answer: ask again, or once retries are used up, hand over.
    fn wrong_answer(&mut self, step: &Step) {
        let settings = &self.flow.settings;
        if self.run.retries >= settings.retries {
            let handover = settings.handover_text.as_deref().unwrap_or(HANDOVER_TEXT);
            self.send_text(handover);
            let why = format!("no valid answer after {} retries", settings.retries);
            return self.stop(why);
        }
        self.run.retries += 1;
        match step {
            Step::Ask { retry, validate, .. } => {
                let default = match validate {
                    Validate::Email => "That doesn't look like an email address. Please try again.",
                    Validate::Phone => {
                        "That doesn't look like a phone number. Please try again, e.g. +49 151 2345678."
                    }
                    Validate::Number => "Please answer with a number.",
                    _ => "Sorry, I didn't get that. Please try again.",
                };
                self.send_text(retry.as_deref().unwrap_or(default));
            }
            Step::Buttons { retry, .. } | Step::List { retry, .. } => {
                let text = retry.as_deref().or(settings.retry_text.as_deref()).unwrap_or(RETRY_TEXT);
                self.send_text(text);
                self.show(step);
            }
            _ => {}
        }
    }

    /// A timer (or a resume) at a `wait` step: go on if it is due, else
    /// arm the timer again.
    fn wait_over(&mut self, next: &Option<String>) {
        match self.run.waiting_until_ms {
            Some(until_ms) if until_ms > self.ctx.now_ms => {
                self.actions.push(Action::StartTimer { until_ms })
            }
            Some(_) => {
                self.run.waiting_until_ms = None;
                match next {
                    Some(next) => {
                        self.run.step = next.clone();
                        self.run_steps(false);
                    }
                    None => self.finish(),
                }
            }
            None => self.run_steps(false),
        }
    }

    /// The first case of a branch that holds, else `default`.
    fn branch(&self, on: BranchOn, name: Option<&str>, cases: &'a [Case], default: &'a str) -> &'a str {
        let open = self.ctx.hours.as_ref().is_none_or(|h| h.is_open(self.ctx.now_ms));
        let value = match on {
            BranchOn::Attribute => name.and_then(|n| attribute(n, &self.run, self.ctx)),
            BranchOn::Answer => self.run.answer.as_deref(),
            BranchOn::Label | BranchOn::BusinessHours => None,
        };
        let holds = |case: &Case| match on {
            BranchOn::BusinessHours => case.in_hours == Some(open),
            BranchOn::Label => self.ctx.labels.iter().chain(&self.labels).any(|l| case_holds(case, l)),
            BranchOn::Attribute | BranchOn::Answer => value.is_some_and(|v| case_holds(case, v)),
        };
        cases.iter().find(|c| holds(c)).map_or(default, |c| c.next.as_str())
    }

    /// Ends the run at the current step: `Dropped`, a handover to Not
    /// Assigned with `why` in its note, `Finished`.
    fn stop(&mut self, why: String) {
        self.actions.push(Action::Dropped(self.run.step.clone()));
        let note = format!("Chatbot {:?} stopped at step {:?}: {why}", self.flow.name, self.run.step);
        self.actions.push(Action::Handover { team_id: None, note });
        self.finish();
    }

    fn finish(&mut self) {
        self.run.finished = true;
        self.run.waiting_until_ms = None;
        self.actions.push(Action::Finished);
    }

    fn note(&self, note: &Option<String>, did: &str) -> String {
        note.clone()
            .unwrap_or_else(|| format!("Chatbot {:?} {did} at step {:?}", self.flow.name, self.run.step))
    }

    fn fill(&self, text: &str, max: usize) -> String {
        fill(text, &self.run, self.ctx, max)
    }

    fn send_text(&mut self, text: &str) {
        let text = self.fill(text, TEXT_MAX);
        self.actions.push(Action::SendText(text));
    }

    fn send_optional(&mut self, text: &Option<String>) {
        if let Some(text) = text {
            self.send_text(text);
        }
    }
}

/// The option a typed text names: a title (trimmed, ignoring case), or
/// its number counted from 1.
fn typed_choice(choices: &[(&str, &str, &str)], text: &str) -> Option<usize> {
    let text = text.trim().to_lowercase();
    choices
        .iter()
        .position(|c| c.1.trim().to_lowercase() == text)
        .or_else(|| text.parse::<usize>().ok().filter(|n| (1..=choices.len()).contains(n)).map(|n| n - 1))
}

/// Whether one `equals` / `matches` case holds for `value`.
fn case_holds(case: &Case, value: &str) -> bool {
    if let Some(equals) = &case.equals {
        return equals.trim().to_lowercase() == value.trim().to_lowercase();
    }
    case.matches.as_deref().and_then(|p| answer::pattern(p).ok()).is_some_and(|r| r.is_match(value))
}
