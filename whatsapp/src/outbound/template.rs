//! [`validate_template`]: a template send checked against the account's
//! templates before anything goes to Meta, so an unknown or unapproved
//! template or a missing parameter is refused here, with every problem
//! named, instead of failing later at Meta.
//!
//! What is checked: the name and language exist and are `APPROVED`; the
//! header, body and each button (by `index`) carry exactly as many
//! parameters as the template has placeholders (a media header one
//! parameter of its media type; a quick reply an optional payload); no
//! component is given twice or points at a button the template lacks.
//! Components this crate does not know (carousels, offers) are not checked.

use serde_json::Value;

use super::check::Check;
use crate::error::OutboundError;
use crate::template::{Template, TemplateParams};

/// Checks `request`, the template object of a send
/// (`{"name", "language": {"code"}, "components": [...]}`; a whole
/// `type: template` message body is accepted too), against `known`.
pub fn validate_template(request: &Value, known: &[Template]) -> Result<(), OutboundError> {
    let request = match request.get("type").and_then(Value::as_str) {
        Some("template") => request.get("template").unwrap_or(&Value::Null),
        _ => request,
    };
    let mut check = Check::default();
    let text = |pointer: &str| request.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let (name, language) = (text("/name"), text("/language/code"));
    let named = check.required("template.name", name);
    if !(check.required("template.language.code", language) && named) {
        return check.into_result();
    }
    let Some(template) = known.iter().find(|t| t.name == name && t.language == language) else {
        let languages: Vec<&str> =
            known.iter().filter(|t| t.name == name).map(|t| t.language.as_str()).collect();
        if languages.is_empty() {
            check.problem("template.name", format!("no template named {name:?} on this account"));
        } else {
            let has = languages.join(", ");
            check.problem(
                "template.language.code",
                format!("template {name:?} has no {language:?} version (has {has})"),
            );
        }
        return check.into_result();
    };
    if !template.is_approved() {
        let status = &template.status;
        check.problem("template.name", format!("template {name:?} ({language}) is {status}, not APPROVED"));
    }
    components(&mut check, request.get("components"), &template.parameter_counts());
    check.into_result()
}

/// Which template components a request filled in.
struct Seen {
    header: bool,
    body: bool,
    buttons: Vec<bool>,
}

fn components(check: &mut Check, components: Option<&Value>, expected: &TemplateParams) {
    let components = match components {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(components)) => components,
        Some(_) => return check.problem("template.components", "must be an array"),
    };
    let mut seen = Seen { header: false, body: false, buttons: vec![false; expected.buttons.len()] };
    for (i, component) in components.iter().enumerate() {
        let path = format!("template.components[{i}]");
        let parameters = match component.get("parameters") {
            None | Some(Value::Null) => &Vec::new(),
            Some(Value::Array(parameters)) => parameters,
            Some(_) => {
                check.problem(format!("{path}.parameters"), "must be an array");
                continue;
            }
        };
        let kind = component.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        match kind.as_str() {
            "header" if once(check, &path, &mut seen.header, "header") => {
                header(check, &path, parameters, expected)
            }
            "body" if once(check, &path, &mut seen.body, "body") => {
                count(check, &path, "body", parameters.len(), expected.body);
            }
            "button" => button(check, &path, component, parameters.len(), expected, &mut seen.buttons),
            "" => check.problem(format!("{path}.type"), "must be header, body or button"),
            _ => {}
        }
    }
    if !seen.header && (expected.header > 0 || expected.header_media.is_some()) {
        let needs = match &expected.header_media {
            Some(media) => format!("one {media} parameter"),
            None => plural(expected.header),
        };
        check.problem(
            "template.components",
            format!("the header takes {needs}; no header component was given"),
        );
    }
    if !seen.body && expected.body > 0 {
        let needs = plural(expected.body);
        check.problem("template.components", format!("the body takes {needs}; no body component was given"));
    }
    for (i, button) in expected.buttons.iter().enumerate() {
        if !seen.buttons[i] && !button.accepts(0) {
            let (sub_type, needs) = (&button.sub_type, plural(button.placeholders));
            check.problem(
                "template.components",
                format!(
                    "button {i} ({sub_type}) takes {needs}; no button component with index {i} was given"
                ),
            );
        }
    }
}

/// Marks a header or body as seen; a second one is a problem.
fn once(check: &mut Check, path: &str, seen: &mut bool, what: &str) -> bool {
    if std::mem::replace(seen, true) {
        check.problem(path, format!("a second {what} component; give each once"));
        return false;
    }
    true
}

fn header(check: &mut Check, path: &str, parameters: &[Value], expected: &TemplateParams) {
    let Some(media) = &expected.header_media else {
        return count(check, path, "header", parameters.len(), expected.header);
    };
    match parameters {
        [parameter] => {
            let kind = parameter.get("type").and_then(Value::as_str).unwrap_or("");
            if !kind.eq_ignore_ascii_case(media) {
                check.problem(
                    format!("{path}.parameters[0].type"),
                    format!("the header parameter must be of type {media}, got {kind:?}"),
                );
            }
        }
        _ => check.problem(
            format!("{path}.parameters"),
            format!("the header takes one {media} parameter, got {}", parameters.len()),
        ),
    }
}

fn button(
    check: &mut Check,
    path: &str,
    component: &Value,
    given: usize,
    expected: &TemplateParams,
    seen: &mut [bool],
) {
    let index = match component.get("index") {
        Some(Value::String(s)) => s.trim().parse::<usize>().ok(),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        _ => None,
    };
    let Some(index) = index else {
        return check.problem(format!("{path}.index"), "required: the template button's position, from 0");
    };
    let Some(button) = expected.buttons.get(index) else {
        let has = expected.buttons.len();
        return check.problem(
            format!("{path}.index"),
            format!("button {index} does not exist; the template has {has}"),
        );
    };
    if std::mem::replace(&mut seen[index], true) {
        return check.problem(format!("{path}.index"), format!("button {index} is given twice"));
    }
    if !button.accepts(given) {
        let needs = match button.placeholders {
            0 if button.accepts(1) => "at most 1 parameter (a payload)".to_string(),
            n => plural(n),
        };
        let sub_type = &button.sub_type;
        check.problem(
            format!("{path}.parameters"),
            format!("button {index} ({sub_type}) takes {needs}, got {given}"),
        );
    }
}

fn count(check: &mut Check, path: &str, what: &str, given: usize, expected: usize) {
    if given != expected {
        let detail = if given < expected { "missing" } else { "too many" };
        let needs = plural(expected);
        check.problem(
            format!("{path}.parameters"),
            format!("the {what} takes {needs}, got {given} ({detail})"),
        );
    }
}

fn plural(n: usize) -> String {
    match n {
        1 => "1 parameter".to_string(),
        n => format!("{n} parameters"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::tests::template;
    use serde_json::json;

    /// Meta's `seasonal_promotion` example with an image header, and a
    /// pending and a translated template beside it.
    fn known() -> Vec<Template> {
        let promotion = json!([
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW..."]}},
            {"type": "BODY", "text": "Shop now through {{1}} and use code {{2}} to get {{3}} off of all merchandise."},
            {"type": "FOOTER", "text": "Use the buttons below to manage your marketing subscriptions"},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "Unsubscribe from Promos"},
                {"type": "URL", "text": "Shop", "url": "https://www.luckyshrub.com/shop?promo={{1}}"}
            ]}
        ]);
        let mut spanish = template("seasonal_promotion", "APPROVED", promotion.clone());
        spanish.language = "es".into();
        vec![
            template("seasonal_promotion", "APPROVED", promotion),
            spanish,
            template("order_update", "PENDING", json!([{"type": "BODY", "text": "Order {{1}} shipped."}])),
            template("hello_world", "APPROVED", json!([{"type": "BODY", "text": "Hello World"}])),
        ]
    }

    fn promotion(components: Value) -> Value {
        json!({"name": "seasonal_promotion", "language": {"code": "en_US"}, "components": components})
    }

    fn problems(request: &Value) -> Vec<String> {
        match validate_template(request, &known()) {
            Ok(()) => vec![],
            Err(e) => e.problems.iter().map(ToString::to_string).collect(),
        }
    }

    /// Meta's documented send of the template, every parameter given.
    fn complete() -> Value {
        promotion(json!([
            {"type": "header", "parameters": [{"type": "image", "image": {"id": "2764891703567554"}}]},
            {"type": "body", "parameters": [
                {"type": "text", "text": "the end of August"},
                {"type": "text", "text": "25OFF"},
                {"type": "text", "text": "25%"}
            ]},
            {"type": "button", "sub_type": "quick_reply", "index": "0",
             "parameters": [{"type": "payload", "payload": "unsubscribe-promos"}]},
            {"type": "button", "sub_type": "url", "index": 1,
             "parameters": [{"type": "text", "text": "summer2023"}]}
        ]))
    }

    #[test]
    fn a_complete_send_passes() {
        assert_eq!(problems(&complete()), Vec::<String>::new());
        let body = crate::outbound::template("16505551234", &complete());
        assert_eq!(validate_template(&body, &known()), Ok(()));
        let hello = json!({"name": "hello_world", "language": {"code": "en_US"}});
        assert_eq!(problems(&hello), Vec::<String>::new());
    }

    #[test]
    fn the_quick_reply_payload_is_optional() {
        let mut request = complete();
        request["components"].as_array_mut().unwrap().remove(2);
        assert_eq!(problems(&request), Vec::<String>::new());
    }

    #[test]
    fn unknown_and_unapproved_templates_are_refused() {
        assert_eq!(
            problems(&json!({"name": "nope", "language": {"code": "en_US"}})),
            ["template.name: no template named \"nope\" on this account"]
        );
        assert_eq!(
            problems(&json!({"name": "seasonal_promotion", "language": {"code": "fr"}})),
            ["template.language.code: template \"seasonal_promotion\" has no \"fr\" version (has en_US, es)"]
        );
        assert_eq!(
            problems(&json!({"name": "order_update", "language": {"code": "en_US"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "#1"}]}]})),
            ["template.name: template \"order_update\" (en_US) is PENDING, not APPROVED"]
        );
        assert_eq!(
            problems(&json!({"language": "en_US"})),
            ["template.name: must not be empty", "template.language.code: must not be empty"]
        );
    }

    #[test]
    fn missing_parameters_are_named() {
        assert_eq!(
            problems(&promotion(json!([]))),
            [
                "template.components: the header takes one image parameter; no header component was given",
                "template.components: the body takes 3 parameters; no body component was given",
                "template.components: button 1 (url) takes 1 parameter; no button component with index 1 was given",
            ]
        );
        let mut request = complete();
        request["components"][1]["parameters"].as_array_mut().unwrap().pop();
        assert_eq!(
            problems(&request),
            ["template.components[1].parameters: the body takes 3 parameters, got 2 (missing)"]
        );
    }

    #[test]
    fn extra_and_misplaced_parameters_are_named() {
        let mut request = complete();
        let components = request["components"].as_array_mut().unwrap();
        components[0]["parameters"][0]["type"] = json!("video");
        components[1]["parameters"].as_array_mut().unwrap().push(json!({"type": "text", "text": "x"}));
        components[2]["parameters"].as_array_mut().unwrap().push(json!({"type": "payload", "payload": "y"}));
        components.push(json!({"type": "button", "sub_type": "url", "index": "5", "parameters": []}));
        components.push(json!({"type": "button", "sub_type": "url", "parameters": []}));
        components.push(json!({"type": "button", "sub_type": "url", "index": "1", "parameters": []}));
        components.push(json!({"type": "body", "parameters": []}));
        components.push(json!({"parameters": "x"}));
        components.push(json!({"type": "carousel", "cards": []}));
        assert_eq!(
            problems(&request),
            [
                "template.components[0].parameters[0].type: the header parameter must be of type image, got \"video\"",
                "template.components[1].parameters: the body takes 3 parameters, got 4 (too many)",
                "template.components[2].parameters: button 0 (quick_reply) takes at most 1 parameter (a payload), got 2",
                "template.components[4].index: button 5 does not exist; the template has 2",
                "template.components[5].index: required: the template button's position, from 0",
                "template.components[6].index: button 1 is given twice",
                "template.components[7]: a second body component; give each once",
                "template.components[8].parameters: must be an array",
            ]
        );
        assert_eq!(problems(&promotion(json!({"type": "body"}))), ["template.components: must be an array"]);
    }

    #[test]
    fn text_headers_count_placeholders() {
        let known = vec![template(
            "shipped",
            "APPROVED",
            json!([{"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"}, {"type": "BODY", "text": "On its way."}]),
        )];
        let request = |parameters: Value| {
            json!({"name": "shipped", "language": {"code": "en_US"},
                   "components": [{"type": "HEADER", "parameters": parameters}]})
        };
        assert_eq!(validate_template(&request(json!([{"type": "text", "text": "#1"}])), &known), Ok(()));
        let err = validate_template(&request(json!([])), &known).unwrap_err();
        assert_eq!(err.problems[0].message, "the header takes 1 parameter, got 0 (missing)");
    }
}
