//! Placeholders in the texts a flow sends: `{{email}}` is the contact
//! attribute `email` (this run's answer first, then what the contact
//! already had), and `{{next_opening}}` is when the tenant opens next, in
//! words ("tomorrow at 09:00", see
//! [`BusinessHours::next_opening_text`](crate::BusinessHours::next_opening_text)).
//! An unknown attribute becomes nothing; text without `{{` is sent as is.
//!
//! A filled text is cut to Meta's limit for where it goes (`whatsapp`'s
//! builders enforce the same limits), so a long answer quoted back can
//! never make a send fail.

use crate::run::{Context, Run};

/// Meta's limit on an interactive message body, in characters.
pub(crate) const BODY_MAX: usize = 1024;
/// Meta's limit on a text message, in characters.
pub(crate) const TEXT_MAX: usize = 4096;

/// `text` with its placeholders filled, at most `max` characters.
pub(crate) fn fill(text: &str, run: &Run, ctx: &Context, max: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else { break };
        out.push_str(&rest[..open]);
        let name = rest[open + 2..open + 2 + close].trim();
        out.push_str(&value(name, run, ctx));
        rest = &rest[open + 2 + close + 2..];
    }
    out.push_str(rest);
    match out.char_indices().nth(max) {
        Some((cut, _)) => out[..cut].to_string(),
        None => out,
    }
}

/// The value of one placeholder.
fn value(name: &str, run: &Run, ctx: &Context) -> String {
    if name == "next_opening" {
        return match &ctx.hours {
            Some(hours) => hours.next_opening_text(ctx.now_ms),
            None => "now".into(),
        };
    }
    attribute(name, run, ctx).unwrap_or_default().to_string()
}

/// An attribute: this run's latest answer, else the contact's.
pub(crate) fn attribute<'a>(name: &str, run: &'a Run, ctx: &'a Context) -> Option<&'a str> {
    let find =
        |list: &'a [(String, String)]| list.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    find(&run.attributes).or_else(|| find(&ctx.attributes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_cut() {
        let mut run = Run::new("f", 1, "s");
        run.attributes.push(("email".into(), "ana@example.com".into()));
        let ctx = Context {
            attributes: vec![("email".into(), "old@example.com".into()), ("name".into(), "Ana".into())],
            ..Context::default()
        };
        assert_eq!(
            fill(
                "Thanks {{ name }}, we write to {{email}}{{unknown}}. We open {{next_opening}}.",
                &run,
                &ctx,
                100
            ),
            "Thanks Ana, we write to ana@example.com. We open now."
        );
        assert_eq!(fill("{{name", &run, &ctx, 100), "{{name");
        assert_eq!(fill("\u{e9}\u{e9}\u{e9}", &run, &ctx, 2), "\u{e9}\u{e9}");
    }
}
