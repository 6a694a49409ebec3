//! The problem collector every builder and validator uses: each check adds
//! a problem (a JSON path and a message naming Meta's limit) instead of
//! returning early, so one [`OutboundError`] lists everything wrong.
//!
//! Lengths are counted in characters (Unicode scalar values), as Meta
//! counts them, not bytes.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::{OutboundError, OutboundProblem};

/// Meta's limit on `biz_opaque_callback_data`.
pub(super) const CALLBACK_MAX: usize = 512;

/// Problems found so far.
#[derive(Default)]
pub(super) struct Check {
    problems: Vec<OutboundProblem>,
}

impl Check {
    pub fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(OutboundProblem { path: path.into(), message: message.into() });
    }

    /// Present and not blank.
    pub fn required(&mut self, path: &str, value: &str) -> bool {
        let present = !value.trim().is_empty();
        if !present {
            self.problem(path, "must not be empty");
        }
        present
    }

    /// Required text: not empty, at most `max` characters.
    pub fn text(&mut self, path: &str, value: &str, max: usize) {
        let chars = value.chars().count();
        if self.required(path, value) && chars > max {
            self.problem(path, format!("at most {max} characters (Meta's limit), got {chars}"));
        }
    }

    /// Optional text: when given, as [`text`](Self::text).
    pub fn optional(&mut self, path: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.text(path, value, max);
        }
    }

    /// An id that Meta echoes back: as [`text`](Self::text), and without
    /// leading or trailing spaces.
    pub fn id(&mut self, path: &str, value: &str, max: usize) {
        self.text(path, value, max);
        if value.trim() != value && !value.trim().is_empty() {
            self.problem(path, "must not start or end with spaces");
        }
    }

    /// `count` of `what` within `min..=max`.
    pub fn count(&mut self, path: &str, count: usize, min: usize, max: usize, what: &str) {
        if count < min || count > max {
            self.problem(path, format!("{min} to {max} {what} (Meta's limit), got {count}"));
        }
    }

    /// Each value must differ from the ones before it; `path(i)` names
    /// the i-th.
    pub fn unique<'a>(&mut self, values: impl IntoIterator<Item = &'a str>, path: impl Fn(usize) -> String) {
        let mut seen = HashSet::new();
        for (i, value) in values.into_iter().enumerate() {
            if !seen.insert(value) {
                self.problem(path(i), format!("{value:?} appears twice; must be unique within the message"));
            }
        }
    }

    /// `body` if nothing was found, else every problem.
    pub fn finish(self, body: Value) -> Result<Value, OutboundError> {
        self.into_result().map(|()| body)
    }

    pub fn into_result(self) -> Result<(), OutboundError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(OutboundError { problems: self.problems })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(check: Check) -> Vec<String> {
        match check.into_result() {
            Ok(()) => vec![],
            Err(e) => e.problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn lengths_are_characters_not_bytes() {
        let mut check = Check::default();
        check.text("a", "\u{1F600}\u{1F600}\u{1F600}", 3);
        check.text("b", "abcd", 3);
        check.text("c", "  ", 3);
        check.optional("d", None, 1);
        check.optional("e", Some(""), 1);
        assert_eq!(
            problems(check),
            ["b: at most 3 characters (Meta's limit), got 4", "c: must not be empty", "e: must not be empty"]
        );
    }

    #[test]
    fn ids_counts_and_uniqueness() {
        let mut check = Check::default();
        check.id("id", " yes", 256);
        check.count("buttons", 4, 1, 3, "buttons");
        check.unique(["a", "b", "a"], |i| format!("rows[{i}].id"));
        assert_eq!(
            problems(check),
            [
                "id: must not start or end with spaces",
                "buttons: 1 to 3 buttons (Meta's limit), got 4",
                "rows[2].id: \"a\" appears twice; must be unique within the message"
            ]
        );
    }
}
