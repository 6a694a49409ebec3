//! Message templates as Meta lists them (`GET /{waba_id}/message_templates`),
//! and what each one asks of a send: how many parameters its header, body
//! and buttons take.
//!
//! [`Template`] is cached and stored by callers, so its serde stays plain
//! for bincode: the free-form `components` array is kept as JSON text.
//! [`Template::parameter_counts`] reads it on demand; the validation of a
//! send against it lives in [`crate::outbound::validate_template`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One template of a WhatsApp Business Account, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    /// Meta's language code: `en_US`, `pt_BR`, ...
    pub language: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`...: only
    /// approved templates can be sent.
    pub status: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// The template's `components` array as JSON text, verbatim.
    pub components_json: String,
}

/// How many parameters a send of a template must carry, per component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateParams {
    /// Placeholders in a `TEXT` header (Meta allows one).
    pub header: usize,
    /// The parameter type a media or location header needs, lowercase as
    /// the send API names it: `image`, `video`, `document` or `location`.
    pub header_media: Option<String>,
    /// Placeholders in the body.
    pub body: usize,
    /// One entry per button, in the template's order (the send API's
    /// `index`).
    pub buttons: Vec<ButtonParams>,
}

/// What one template button takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonParams {
    /// The button type, lowercase: `quick_reply`, `url`, `copy_code`,
    /// `otp`, `phone_number`, `flow`, ...
    pub sub_type: String,
    /// Parameters it must be sent with: the placeholders of a dynamic URL,
    /// one coupon code for `copy_code`, one code for `otp`.
    pub placeholders: usize,
}

impl ButtonParams {
    /// Whether a button component with `given` parameters fits: exactly
    /// the placeholders, except that quick replies and flows may carry
    /// one optional payload or action.
    pub fn accepts(&self, given: usize) -> bool {
        let optional = matches!(self.sub_type.as_str(), "quick_reply" | "flow") && self.placeholders == 0;
        given == self.placeholders || (optional && given == 1)
    }
}

impl Template {
    /// Whether Meta lets this template be sent.
    pub fn is_approved(&self) -> bool {
        self.status.eq_ignore_ascii_case("APPROVED")
    }

    /// The parameters each component needs. Components this crate does not
    /// know (`FOOTER`, carousels...) need none; a `components_json` that is
    /// not a JSON array needs none either.
    pub fn parameter_counts(&self) -> TemplateParams {
        let components: Vec<Value> = serde_json::from_str(&self.components_json).unwrap_or_default();
        let mut params = TemplateParams::default();
        for component in &components {
            let text = |key: &str| component.get(key).and_then(Value::as_str).unwrap_or("");
            match text("type").to_ascii_uppercase().as_str() {
                "HEADER" => match text("format").to_ascii_uppercase().as_str() {
                    "" | "TEXT" => params.header = placeholders(text("text")),
                    media => params.header_media = Some(media.to_ascii_lowercase()),
                },
                "BODY" => params.body = placeholders(text("text")),
                "BUTTONS" => {
                    let buttons = component.get("buttons").and_then(Value::as_array);
                    params.buttons = buttons.into_iter().flatten().map(button_params).collect();
                }
                _ => {}
            }
        }
        params
    }
}

fn button_params(button: &Value) -> ButtonParams {
    let sub_type = button.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
    let placeholders = match sub_type.as_str() {
        "url" => placeholders(button.get("url").and_then(Value::as_str).unwrap_or("")),
        "copy_code" | "otp" => 1,
        _ => 0,
    };
    ButtonParams { sub_type, placeholders }
}

/// The distinct `{{1}}` / `{{name}}` placeholders in `text`.
pub(crate) fn placeholders(text: &str) -> usize {
    let mut seen = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            seen.insert(name);
            rest = &after[end + 2..];
        } else {
            rest = after;
        }
    }
    seen.len()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn template(name: &str, status: &str, components: Value) -> Template {
        Template {
            name: name.into(),
            language: "en_US".into(),
            status: status.into(),
            category: "MARKETING".into(),
            components_json: components.to_string(),
        }
    }

    #[test]
    fn counts_distinct_placeholders() {
        assert_eq!(placeholders("Hi {{1}}, your order {{2}} ships {{3}}."), 3);
        assert_eq!(placeholders("{{1}} and {{1}} again"), 1);
        assert_eq!(placeholders("Hello {{first_name}}, {{ 2 }}"), 2);
        assert_eq!(placeholders("no placeholders, {not one}, {{}} {{a b}} {{1"), 0);
        assert_eq!(placeholders("{{{{1}}}}"), 1);
        assert_eq!(placeholders(""), 0);
    }

    #[test]
    fn reads_metas_documented_template() {
        let t = template(
            "seasonal_promotion",
            "APPROVED",
            json!([
                {"type": "HEADER", "format": "TEXT", "text": "Our {{1}} is on!",
                 "example": {"header_text": ["Summer Sale"]}},
                {"type": "BODY",
                 "text": "Shop now through {{1}} and use code {{2}} to get {{3}} off of all merchandise.",
                 "example": {"body_text": [["the end of August", "25OFF", "25%"]]}},
                {"type": "FOOTER", "text": "Use the buttons below to manage your marketing subscriptions"},
                {"type": "BUTTONS", "buttons": [
                    {"type": "QUICK_REPLY", "text": "Unsubscribe from Promos"},
                    {"type": "URL", "text": "Shop", "url": "https://www.luckyshrub.com/shop?promo={{1}}",
                     "example": ["summer2023"]},
                    {"type": "URL", "text": "Home", "url": "https://www.luckyshrub.com/"},
                    {"type": "COPY_CODE", "example": "25OFF"},
                    {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "15550051310"}
                ]}
            ]),
        );
        assert!(t.is_approved());
        let button = |sub_type: &str, placeholders| ButtonParams { sub_type: sub_type.into(), placeholders };
        assert_eq!(
            t.parameter_counts(),
            TemplateParams {
                header: 1,
                header_media: None,
                body: 3,
                buttons: vec![
                    button("quick_reply", 0),
                    button("url", 1),
                    button("url", 0),
                    button("copy_code", 1),
                    button("phone_number", 0),
                ],
            }
        );
    }

    #[test]
    fn media_headers_need_a_media_parameter() {
        for (format, expected) in
            [("IMAGE", "image"), ("VIDEO", "video"), ("DOCUMENT", "document"), ("LOCATION", "location")]
        {
            let t = template(
                "order_update",
                "APPROVED",
                json!([{"type": "HEADER", "format": format},
                       {"type": "BODY", "text": "Order {{1}} is ready."}]),
            );
            let params = t.parameter_counts();
            assert_eq!(params.header_media.as_deref(), Some(expected));
            assert_eq!((params.header, params.body), (0, 1));
        }
    }

    #[test]
    fn authentication_templates_take_the_code_twice() {
        let t = template(
            "verify",
            "APPROVED",
            json!([{"type": "BODY", "text": "*{{1}}* is your verification code.",
                    "add_security_recommendation": true},
                   {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE",
                                                    "text": "Copy code"}]}]),
        );
        let params = t.parameter_counts();
        assert_eq!(params.body, 1);
        assert_eq!(params.buttons, [ButtonParams { sub_type: "otp".into(), placeholders: 1 }]);
    }

    #[test]
    fn quick_replies_may_carry_a_payload() {
        let quick = ButtonParams { sub_type: "quick_reply".into(), placeholders: 0 };
        assert!(quick.accepts(0) && quick.accepts(1) && !quick.accepts(2));
        let url = ButtonParams { sub_type: "url".into(), placeholders: 1 };
        assert!(url.accepts(1) && !url.accepts(0) && !url.accepts(2));
        let static_url = ButtonParams { sub_type: "url".into(), placeholders: 0 };
        assert!(static_url.accepts(0) && !static_url.accepts(1));
    }

    #[test]
    fn unreadable_components_need_nothing() {
        let mut t = template("x", "PENDING", json!([]));
        t.components_json = "not json".into();
        assert_eq!(t.parameter_counts(), TemplateParams::default());
        assert!(!t.is_approved());
    }

    #[test]
    fn templates_round_trip_through_bincode() {
        let t = template("x", "APPROVED", json!([{"type": "BODY", "text": "{{1}}"}]));
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&t, config).unwrap();
        let (back, used): (Template, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!((back, used), (t, bytes.len()));
    }
}
