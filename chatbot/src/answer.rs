//! The rules for a customer's typed answers: what `email`, `phone`,
//! `number` and a regex accept in an `ask` step, the value that is saved,
//! and how patterns are compiled (for `ask` and `branch` alike).
//!
//! Patterns use the `regex` crate: linear-time matching, so a tenant's
//! pattern cannot stall the actor on a hostile answer; a size limit keeps a
//! compiled pattern small.

use regex::{Regex, RegexBuilder};
use tenants::Email;

use crate::flow::Validate;

/// The longest pattern a flow may hold, in characters.
pub(crate) const PATTERN_MAX: usize = 500;

/// Phone numbers have 7 to 15 digits (E.164 allows at most 15).
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;

/// Compiles `pattern` for a search inside a value, or says why not.
pub(crate) fn pattern(pattern: &str) -> Result<Regex, String> {
    let chars = pattern.chars().count();
    if chars > PATTERN_MAX {
        return Err(format!("at most {PATTERN_MAX} characters, got {chars}"));
    }
    build(pattern)
}

/// Compiles `p` so that it must match a whole value.
pub(crate) fn whole(p: &str) -> Result<Regex, String> {
    pattern(p)?;
    build(&format!("^(?:{p})$"))
}

fn build(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern).size_limit(1 << 20).build().map_err(|e| {
        let text = e.to_string();
        let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("invalid");
        format!("not a valid regular expression: {}", last.trim().trim_start_matches("error: "))
    })
}

/// The value to save for the typed answer `text`, or `None` when it is
/// not valid. Values are trimmed; emails are lowercased; phone numbers
/// lose their spaces, dashes, dots and brackets (and "00" becomes "+");
/// numbers take "." for a decimal comma.
pub(crate) fn check(validate: &Validate, text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match validate {
        Validate::Text => Some(text.to_string()),
        Validate::Email => Email::parse(text).ok().map(|e| e.as_str().to_string()),
        Validate::Phone => phone(text),
        Validate::Number => number(text),
        Validate::Regex(p) => whole(p).ok().filter(|r| r.is_match(text)).map(|_| text.to_string()),
    }
}

fn phone(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let (plus, digits) = match compact.strip_prefix('+').or_else(|| compact.strip_prefix("00")) {
        Some(rest) => ("+", rest),
        None => ("", compact.as_str()),
    };
    let valid = digits.chars().all(|c| c.is_ascii_digit()) && PHONE_DIGITS.contains(&digits.len());
    valid.then(|| format!("{plus}{digits}"))
}

fn number(text: &str) -> Option<String> {
    let value = if text.contains('.') { text.to_string() } else { text.replacen(',', ".", 1) };
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(&value);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let valid = digits(whole) && fraction.is_none_or(digits);
    valid.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(check(&Validate::Email, " Ana@Example.COM "), Some("ana@example.com".into()));
        assert_eq!(check(&Validate::Email, "ana@example"), None);
        assert_eq!(check(&Validate::Email, "not an email"), None);
    }

    #[test]
    fn phones_are_e164_ish() {
        assert_eq!(check(&Validate::Phone, "+49 (151) 234-5678"), Some("+491512345678".into()));
        assert_eq!(check(&Validate::Phone, "0049 151 2345678"), Some("+491512345678".into()));
        assert_eq!(check(&Validate::Phone, "0151 2345678"), Some("01512345678".into()));
        assert_eq!(check(&Validate::Phone, "12345"), None);
        assert_eq!(check(&Validate::Phone, "+1 234 567 890 123 456"), None);
        assert_eq!(check(&Validate::Phone, "call me"), None);
    }

    #[test]
    fn numbers_take_a_decimal_comma() {
        assert_eq!(check(&Validate::Number, "42"), Some("42".into()));
        assert_eq!(check(&Validate::Number, "-3.5"), Some("-3.5".into()));
        assert_eq!(check(&Validate::Number, "1,5"), Some("1.5".into()));
        for bad in ["", "1.", ".5", "1.2.3", "inf", "NaN", "12a", "1,000.5"] {
            assert_eq!(check(&Validate::Number, bad), None, "{bad}");
        }
    }

    #[test]
    fn regexes_match_the_whole_answer() {
        let zip = Validate::Regex("[0-9]{5}".into());
        assert_eq!(check(&zip, " 10115 "), Some("10115".into()));
        assert_eq!(check(&zip, "101155"), None);
        assert_eq!(check(&Validate::Regex("a|b".into()), "ab"), None);
        assert_eq!(check(&Validate::Text, "  "), None);
        assert!(pattern("(unclosed").unwrap_err().starts_with("not a valid regular expression: "));
        assert!(pattern(&"a".repeat(501)).is_err());
    }
}
