//! The field checks every body shares, so each rule ("trimmed length
//! between a and b") is written once.

use crate::FieldError;
use std::fmt;

/// Collects the problems of one body (or one nested part of a body).
pub(super) struct Check<'a> {
    prefix: &'a str,
    errors: Vec<FieldError>,
}

impl<'a> Check<'a> {
    /// Problems will be reported under `prefix`: `""` for a top-level body,
    /// `"number"` or `"number."` for a nested one (both give
    /// `"number.waba_id"`).
    pub(super) fn new(prefix: &'a str) -> Self {
        Self { prefix, errors: Vec::new() }
    }

    /// The full path of `field`.
    pub(super) fn path(&self, field: &str) -> String {
        match self.prefix {
            "" => field.to_owned(),
            p if p.ends_with('.') => format!("{p}{field}"),
            p => format!("{p}.{field}"),
        }
    }

    /// Records a problem with `field`.
    pub(super) fn fail(&mut self, field: &str, message: impl Into<String>) {
        let path = self.path(field);
        self.errors.push(FieldError::new(path, message));
    }

    /// Records `message` against `field` unless `ok`; returns `ok`.
    pub(super) fn that(&mut self, ok: bool, field: &str, message: &str) -> bool {
        if !ok {
            self.fail(field, message);
        }
        ok
    }

    /// Checks that `value`, trimmed, is `min..=max` characters long.
    /// Returns whether it is, so further checks can be skipped.
    pub(super) fn length(&mut self, field: &str, value: &str, min: usize, max: usize) -> bool {
        let value = value.trim();
        let chars = value.chars().count();
        let message = if value.is_empty() && min > 0 {
            "must not be empty".to_owned()
        } else if chars < min {
            format!("must be at least {min} characters")
        } else if chars > max {
            format!("must be at most {max} characters")
        } else {
            return true;
        };
        self.fail(field, message);
        false
    }

    /// Checks that `value`, trimmed, is 1 to `max` ASCII digits.
    pub(super) fn digits(&mut self, field: &str, value: &str, max: usize) -> bool {
        self.length(field, value, 1, max)
            && self.that(value.trim().bytes().all(|b| b.is_ascii_digit()), field, "must contain only digits")
    }

    /// Adds the problems of a nested part, already prefixed.
    pub(super) fn extend(&mut self, errors: Vec<FieldError>) {
        self.errors.extend(errors);
    }

    /// All problems found; empty when the body is valid.
    pub(super) fn finish(self) -> Vec<FieldError> {
        self.errors
    }
}

/// Stands in for a secret in hand-written `Debug` impls.
pub(super) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_with_one_dot() {
        assert_eq!(Check::new("").path("name"), "name");
        assert_eq!(Check::new("number").path("waba_id"), "number.waba_id");
        assert_eq!(Check::new("number.").path("waba_id"), "number.waba_id");
    }

    #[test]
    fn length_counts_trimmed_characters() {
        let mut check = Check::new("");
        assert!(check.length("a", "  ab  ", 1, 2));
        assert!(check.length("b", "éé", 1, 2));
        assert!(!check.length("c", "   ", 1, 2));
        assert!(!check.length("d", "abc", 1, 2));
        assert!(!check.length("e", "a", 2, 5));
        assert!(check.length("f", "", 0, 5));
        let messages: Vec<_> =
            check.finish().into_iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
        assert_eq!(
            messages,
            ["c: must not be empty", "d: must be at most 2 characters", "e: must be at least 2 characters",]
        );
    }

    #[test]
    fn digits_reports_once() {
        let mut check = Check::new("n");
        assert!(check.digits("id", " 123 ", 5));
        assert!(!check.digits("id", "12a", 5));
        assert!(!check.digits("id", "", 5));
        assert!(!check.digits("id", "123456", 5));
        assert_eq!(check.finish().len(), 3);
    }
}
