//! Flow validation: every problem of a flow, each with the path of the
//! field at fault (`steps.greet.buttons[1].title`), so the builder can mark
//! them all at once and the API can answer 422 with the list.
//!
//! Meta's limits are not restated here: each `buttons`, `list` and text is
//! built with `whatsapp::outbound`'s validated builders and their problems
//! are moved onto the flow's paths (interactive bodies at most 1024
//! characters, plain texts 4096, button titles 20, row titles 24,
//! descriptions 72, headers and footers 60, list button labels 20, unique
//! ids and titles). The flow's own rules (targets, ids, branches, waits,
//! trigger, settings) are below; the graph rules (unreachable steps, loops
//! that never wait) are in `graph.rs`.
//!
//! Severity: an unreachable step is a [`Severity::Warning`] (a builder
//! keeps half-built cards while editing; they are harmless because they
//! never run). Everything else is an [`Severity::Error`]: a flow with one
//! must not be saved. Team and user ids are checked for their shape only;
//! whether they exist in the tenant is the caller's check.

mod graph;

use std::fmt;

use serde::{Deserialize, Serialize};
use whatsapp::OutboundError;

use crate::answer;
use crate::error::ChatbotError;
use crate::flow::{buttons_message, list_message, BranchOn, Case, Flow, Step, TriggerOn, Validate};

/// The longest flow name, step id, attribute name, label or keyword.
const NAME_MAX: usize = 64;
/// The most retries a flow may ask for.
const RETRIES_MAX: u8 = 10;
/// A wait of at most a week.
const WAIT_MINUTES: std::ops::RangeInclusive<u32> = 1..=10_080;

/// One thing wrong with a flow (or with business hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where, as a path into the JSON document: `start`,
    /// `steps.greet.buttons[1].title`, `trigger.keywords`.
    pub path: String,
    /// What is wrong, in words for a manager.
    pub message: String,
    pub severity: Severity,
}

/// Whether a problem stops the flow from being saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The flow must not be saved.
    Error,
    /// Worth fixing; the flow still runs correctly.
    Warning,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let warning = if self.severity == Severity::Warning { " (warning)" } else { "" };
        write!(f, "{}: {}{warning}", self.path, self.message)
    }
}

/// Whether any of `problems` is an error (warnings alone do not count).
pub fn has_errors(problems: &[Problem]) -> bool {
    problems.iter().any(|p| p.severity == Severity::Error)
}

/// Parses and validates a flow document: the flow if it has no error
/// (warnings are allowed: [`validate`] lists them), else every problem.
pub fn parse_flow(json: &str) -> Result<Flow, ChatbotError> {
    let flow = Flow::from_json(json)?;
    let problems = validate(&flow);
    if has_errors(&problems) {
        Err(ChatbotError::Invalid(problems))
    } else {
        Ok(flow)
    }
}

/// Every problem of `flow`, errors and warnings, in document order: the
/// flow's own fields, each step by id, then the graph's.
pub fn validate(flow: &Flow) -> Vec<Problem> {
    let mut check = Check::default();
    check.name("name", &flow.name, 100);
    if flow.trigger.on == TriggerOn::Keyword && flow.trigger.keywords.is_empty() {
        check.error("trigger.keywords", "a keyword trigger needs at least one keyword");
    }
    for (i, keyword) in flow.trigger.keywords.iter().enumerate() {
        check.name(&format!("trigger.keywords[{i}]"), keyword, NAME_MAX);
    }
    if flow.settings.retries > RETRIES_MAX {
        check.error("settings.retries", format!("at most {RETRIES_MAX}, got {}", flow.settings.retries));
    }
    check.optional_text("settings.retry_text", &flow.settings.retry_text);
    check.optional_text("settings.handover_text", &flow.settings.handover_text);
    if flow.start.is_empty() {
        check.error("start", "must name the first step");
    } else if !flow.steps.contains_key(&flow.start) {
        check.error("start", format!("unknown step {:?}", flow.start));
    }
    if flow.steps.is_empty() {
        check.error("steps", "a flow needs at least one step");
    }
    for (id, step) in &flow.steps {
        let path = format!("steps.{id}");
        let id_ok = (1..=NAME_MAX).contains(&id.chars().count())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !id_ok {
            check.error(&path, "a step id is 1 to 64 letters, digits, '_' or '-'");
        }
        check.step(&path, step);
        for (field, target) in step.targets() {
            if target.is_empty() {
                check.error(format!("{path}.{field}"), "must name a step");
            } else if !flow.steps.contains_key(target) {
                check.error(format!("{path}.{field}"), format!("unknown step {target:?}"));
            }
        }
    }
    check.problems.extend(graph::loops(flow));
    check.problems.extend(graph::unreachable(flow));
    check.problems
}

/// The problems found so far.
#[derive(Default)]
pub(crate) struct Check {
    pub(crate) problems: Vec<Problem>,
}

impl Check {
    pub(crate) fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { path: path.into(), message: message.into(), severity: Severity::Error });
    }

    fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
            severity: Severity::Warning,
        });
    }

    /// A required name: not blank, at most `max` characters.
    fn name(&mut self, path: &str, value: &str, max: usize) {
        let chars = value.chars().count();
        if value.trim().is_empty() {
            self.error(path, "must not be empty");
        } else if chars > max {
            self.error(path, format!("at most {max} characters, got {chars}"));
        }
    }

    /// A plain text message, as Meta takes it (its problems are all about
    /// the text, so they keep `path`).
    fn text(&mut self, path: &str, text: &str) {
        let built = whatsapp::outbound::text_message("0", text, false, None, None);
        for problem in built.err().map(|e| e.problems).unwrap_or_default() {
            self.error(path, problem.message);
        }
    }

    fn optional_text(&mut self, path: &str, text: &Option<String>) {
        if let Some(text) = text {
            self.text(path, text);
        }
    }

    /// Moves a builder's problems from Meta's paths onto the step at `path`.
    fn meta<T>(&mut self, path: &str, built: Result<T, OutboundError>) {
        for problem in built.err().map(|e| e.problems).unwrap_or_default() {
            self.error(format!("{path}.{}", meta_path(&problem.path)), problem.message);
        }
    }

    fn pattern(&mut self, path: &str, pattern: &str) {
        if pattern.is_empty() {
            self.error(path, "must not be empty");
        } else if let Err(why) = answer::pattern(pattern) {
            self.error(path, why);
        }
    }

    fn step(&mut self, path: &str, step: &Step) {
        match step {
            Step::Message { text, .. } => self.text(&format!("{path}.text"), text),
            Step::Buttons { text, header, footer, buttons, retry } => {
                let message = buttons_message(text.clone(), header, footer, buttons);
                self.meta(path, whatsapp::outbound::buttons("0", &message, None, None));
                self.optional_text(&format!("{path}.retry"), retry);
            }
            Step::List { text, header, footer, button, sections, retry } => {
                let message = list_message(text.clone(), header, footer, button, sections);
                self.meta(path, whatsapp::outbound::list("0", &message, None, None));
                self.optional_text(&format!("{path}.retry"), retry);
            }
            Step::Ask { text, save_as, validate, retry, .. } => {
                self.text(&format!("{path}.text"), text);
                self.name(&format!("{path}.save_as"), save_as, NAME_MAX);
                if let Validate::Regex(pattern) = validate {
                    self.pattern(&format!("{path}.validate.regex"), pattern);
                }
                self.optional_text(&format!("{path}.retry"), retry);
            }
            Step::Branch { on, attribute, cases, .. } => self.branch(path, *on, attribute, cases),
            Step::Label { label, .. } => self.name(&format!("{path}.label"), label, NAME_MAX),
            Step::AssignTeam { text, note, .. }
            | Step::AssignUser { text, note, .. }
            | Step::Handover { text, note, .. } => {
                self.optional_text(&format!("{path}.text"), text);
                if let Some(note) = note {
                    self.name(&format!("{path}.note"), note, 500);
                }
            }
            Step::Close { text } => self.optional_text(&format!("{path}.text"), text),
            Step::Wait { minutes, .. } => {
                if !WAIT_MINUTES.contains(minutes) {
                    self.error(format!("{path}.minutes"), format!("1 to 10080 (a week), got {minutes}"));
                }
            }
        }
    }

    fn branch(&mut self, path: &str, on: BranchOn, attribute: &Option<String>, cases: &[Case]) {
        match (on, attribute) {
            (BranchOn::Attribute, Some(name)) => self.name(&format!("{path}.attribute"), name, NAME_MAX),
            (BranchOn::Attribute, None) => {
                self.error(format!("{path}.attribute"), "required for on: attribute")
            }
            (_, Some(_)) => self.warning(format!("{path}.attribute"), "only read for on: attribute"),
            (_, None) => {}
        }
        for (i, case) in cases.iter().enumerate() {
            let path = format!("{path}.cases[{i}]");
            if on == BranchOn::BusinessHours {
                if case.in_hours.is_none() {
                    self.error(format!("{path}.in_hours"), "required for on: business_hours (true or false)");
                }
                if case.equals.is_some() || case.matches.is_some() {
                    self.error(&path, "on: business_hours takes in_hours, not equals or matches");
                }
                continue;
            }
            if case.in_hours.is_some() {
                self.error(format!("{path}.in_hours"), "only for on: business_hours");
            }
            match (&case.equals, &case.matches) {
                (Some(equals), None) => self.name(&format!("{path}.equals"), equals, 1024),
                (None, Some(pattern)) => self.pattern(&format!("{path}.matches"), pattern),
                _ => self.error(&path, "needs exactly one of equals or matches"),
            }
        }
    }
}

/// A problem path of `whatsapp::outbound` as the flow field it came from:
/// `interactive.action.buttons[1].reply.title` is `buttons[1].title`.
fn meta_path(path: &str) -> String {
    const FIELDS: [(&str, &str); 6] = [
        ("interactive.action.buttons", "buttons"),
        ("interactive.action.button", "button"),
        ("interactive.action.sections", "sections"),
        ("interactive.body.text", "text"),
        ("interactive.header.text", "header"),
        ("interactive.footer.text", "footer"),
    ];
    let field = FIELDS
        .iter()
        .find_map(|(meta, ours)| path.strip_prefix(meta).map(|rest| format!("{ours}{rest}")))
        .unwrap_or_else(|| path.to_string());
    field.replace(".reply.", ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metas_paths_become_the_flows() {
        assert_eq!(meta_path("interactive.action.buttons[1].reply.title"), "buttons[1].title");
        assert_eq!(meta_path("interactive.action.buttons"), "buttons");
        assert_eq!(meta_path("interactive.action.button"), "button");
        assert_eq!(meta_path("interactive.action.sections[0].rows[2].id"), "sections[0].rows[2].id");
        assert_eq!(meta_path("interactive.body.text"), "text");
    }
}
