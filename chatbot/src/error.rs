//! The one error this crate returns: a flow document that does not parse,
//! or parses but breaks the rules. Either way the caller gets problems with
//! paths (API.md: 422 "with the path of each problem").

use thiserror::Error;

use crate::validate::{Problem, Severity};

/// Why a flow document was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChatbotError {
    /// Not JSON, or not the shape of a flow (an unknown step type, a team
    /// id that is not a UUID...). `path` is where, e.g. `steps.greet`.
    #[error("{}: {message}", if path.is_empty() { "flow" } else { path.as_str() })]
    Json { path: String, message: String },
    /// A well-formed flow that breaks the rules: every problem found,
    /// warnings included.
    #[error("invalid flow: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
}

impl ChatbotError {
    /// The problems to show (and to answer a 422 with).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            ChatbotError::Json { path, message } => {
                vec![Problem { path: path.clone(), message: message.clone(), severity: Severity::Error }]
            }
            ChatbotError::Invalid(problems) => problems.clone(),
        }
    }
}
