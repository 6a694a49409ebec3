//! Interactive messages: reply buttons and lists, with Meta's limits.
//!
//! Buttons: a body of at most 1024 characters, 1 to 3 reply buttons with
//! unique ids (at most 256 characters) and unique titles (at most 20), an
//! optional text header and footer (at most 60 each).
//! Lists: the same body, header and footer; a button label of at most 20;
//! 1 to 10 sections, 1 to 10 rows in all, row ids unique (at most 200), row
//! titles at most 24, descriptions at most 72; section titles at most 24,
//! required when there is more than one section.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::Check;
use super::envelope;
use crate::error::OutboundError;

pub(super) const BODY_MAX: usize = 1024;
pub(super) const HEADER_MAX: usize = 60;
pub(super) const FOOTER_MAX: usize = 60;
pub(super) const SECTION_TITLE_MAX: usize = 24;
const BUTTON_ID_MAX: usize = 256;
const BUTTON_TITLE_MAX: usize = 20;
const LIST_BUTTON_MAX: usize = 20;
const ROW_ID_MAX: usize = 200;
const ROW_TITLE_MAX: usize = 24;
const ROW_DESCRIPTION_MAX: usize = 72;

/// A reply-button message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonsMessage {
    /// A text header.
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    pub buttons: Vec<ReplyButton>,
}

/// One reply button; `id` comes back in the customer's `button_reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

/// A list message: a button that opens sections of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListMessage {
    /// A text header.
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    /// The label of the button that opens the list.
    pub button: String,
    pub sections: Vec<ListSection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSection {
    /// Required when the list has more than one section.
    pub title: Option<String>,
    pub rows: Vec<ListRow>,
}

/// One choice; `id` comes back in the customer's `list_reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

/// A reply-button message, checked against Meta's limits.
pub fn buttons(
    to: &str,
    message: &ButtonsMessage,
    reply_to: Option<&str>,
    callback: Option<&str>,
) -> Result<Value, OutboundError> {
    let mut check = Check::default();
    let path = |i: usize, field: &str| format!("interactive.action.buttons[{i}].reply.{field}");
    check.count("interactive.action.buttons", message.buttons.len(), 1, 3, "reply buttons");
    for (i, button) in message.buttons.iter().enumerate() {
        check.id(&path(i, "id"), &button.id, BUTTON_ID_MAX);
        check.text(&path(i, "title"), &button.title, BUTTON_TITLE_MAX);
    }
    check.unique(message.buttons.iter().map(|b| b.id.as_str()), |i| path(i, "id"));
    check.unique(message.buttons.iter().map(|b| b.title.as_str()), |i| path(i, "title"));
    let buttons: Vec<Value> = message
        .buttons
        .iter()
        .map(|b| json!({"type": "reply", "reply": {"id": b.id, "title": b.title}}))
        .collect();
    let content = frame(
        &mut check,
        "button",
        message.header.as_deref(),
        Some(&message.body),
        message.footer.as_deref(),
        json!({ "buttons": buttons }),
    );
    let body = envelope(&mut check, to, "interactive", content, reply_to, callback);
    check.finish(body)
}

/// A list message, checked against Meta's limits.
pub fn list(
    to: &str,
    message: &ListMessage,
    reply_to: Option<&str>,
    callback: Option<&str>,
) -> Result<Value, OutboundError> {
    let mut check = Check::default();
    check.text("interactive.action.button", &message.button, LIST_BUTTON_MAX);
    section_titles(&mut check, message.sections.iter().map(|s| s.title.as_deref()));
    let rows = message.sections.iter().map(|s| s.rows.len()).sum();
    check.count("interactive.action.sections", rows, 1, 10, "rows in all sections");
    let mut ids = Vec::new();
    for (s, section) in message.sections.iter().enumerate() {
        for (r, row) in section.rows.iter().enumerate() {
            let path = |field: &str| format!("interactive.action.sections[{s}].rows[{r}].{field}");
            check.id(&path("id"), &row.id, ROW_ID_MAX);
            check.text(&path("title"), &row.title, ROW_TITLE_MAX);
            check.optional(&path("description"), row.description.as_deref(), ROW_DESCRIPTION_MAX);
            ids.push((path("id"), row.id.as_str()));
        }
    }
    check.unique(ids.iter().map(|(_, id)| *id), |i| ids[i].0.clone());
    let sections: Vec<Value> = message
        .sections
        .iter()
        .map(|section| {
            let rows: Vec<Value> = section
                .rows
                .iter()
                .map(|row| {
                    let mut value = json!({"id": row.id, "title": row.title});
                    if let Some(description) = &row.description {
                        value["description"] = json!(description);
                    }
                    value
                })
                .collect();
            titled(section.title.as_deref(), "rows", rows)
        })
        .collect();
    let action = json!({ "button": message.button, "sections": sections });
    let content = frame(
        &mut check,
        "list",
        message.header.as_deref(),
        Some(&message.body),
        message.footer.as_deref(),
        action,
    );
    let body = envelope(&mut check, to, "interactive", content, reply_to, callback);
    check.finish(body)
}

/// The `interactive` object: `type`, the optional text header, body and
/// footer (checked), and `action`.
pub(super) fn frame(
    check: &mut Check,
    kind: &str,
    header: Option<&str>,
    body: Option<&str>,
    footer: Option<&str>,
    action: Value,
) -> Value {
    let mut interactive = json!({ "type": kind });
    if let Some(header) = header {
        check.text("interactive.header.text", header, HEADER_MAX);
        interactive["header"] = json!({"type": "text", "text": header});
    }
    if let Some(body) = body {
        check.text("interactive.body.text", body, BODY_MAX);
        interactive["body"] = json!({ "text": body });
    }
    if let Some(footer) = footer {
        check.text("interactive.footer.text", footer, FOOTER_MAX);
        interactive["footer"] = json!({ "text": footer });
    }
    interactive["action"] = action;
    interactive
}

/// Checks section titles: at most 24 characters, required when there is
/// more than one section; 1 to 10 sections.
pub(super) fn section_titles<'a>(check: &mut Check, titles: impl ExactSizeIterator<Item = Option<&'a str>>) {
    let count = titles.len();
    check.count("interactive.action.sections", count, 1, 10, "sections");
    for (i, title) in titles.enumerate() {
        let path = format!("interactive.action.sections[{i}].title");
        match title {
            Some(title) => check.text(&path, title, SECTION_TITLE_MAX),
            None if count > 1 => check.problem(path, "required when there is more than one section"),
            None => {}
        }
    }
}

/// `{"title": title, key: items}`, without `title` when there is none.
pub(super) fn titled(title: Option<&str>, key: &str, items: Vec<Value>) -> Value {
    let mut section = json!({ key: items });
    if let Some(title) = title {
        section["title"] = json!(title);
    }
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: &str = "16505551234";

    fn button(id: &str, title: &str) -> ReplyButton {
        ReplyButton { id: id.into(), title: title.into() }
    }

    fn row(id: &str, title: &str, description: Option<&str>) -> ListRow {
        ListRow { id: id.into(), title: title.into(), description: description.map(Into::into) }
    }

    fn problems(err: OutboundError) -> Vec<String> {
        err.problems.iter().map(ToString::to_string).collect()
    }

    fn shipping() -> ListMessage {
        ListMessage {
            header: Some("Choose Shipping Option".into()),
            body: "Which shipping option do you prefer?".into(),
            footer: Some("Lucky Shrub: Your gateway to succulents\u{2122}".into()),
            button: "Shipping Options".into(),
            sections: vec![
                ListSection {
                    title: Some("I want it ASAP!".into()),
                    rows: vec![
                        row("priority_express", "Priority Mail Express", Some("Next Day to 2 Days")),
                        row("priority_mail", "Priority Mail", Some("1\u{2013}3 Days")),
                    ],
                },
                ListSection {
                    title: Some("I can wait a bit".into()),
                    rows: vec![
                        row("usps_ground_advantage", "USPS Ground Advantage", Some("2\u{2013}5 Days")),
                        row("media_mail", "Media Mail", None),
                    ],
                },
            ],
        }
    }

    #[test]
    fn reply_buttons_are_metas_shape() {
        let message = ButtonsMessage {
            header: None,
            body: "Hi Pablo! Your gardening workshop is scheduled for 9am tomorrow. \
                   Use the buttons if you need to reschedule. Thank you!"
                .into(),
            footer: Some("Lucky Shrub".into()),
            buttons: vec![button("change-button", "Change"), button("cancel-button", "Cancel")],
        };
        assert_eq!(
            buttons(TO, &message, None, Some("outbox:3")).unwrap(),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "interactive",
                "interactive": {
                    "type": "button",
                    "body": {"text": message.body},
                    "footer": {"text": "Lucky Shrub"},
                    "action": {"buttons": [
                        {"type": "reply", "reply": {"id": "change-button", "title": "Change"}},
                        {"type": "reply", "reply": {"id": "cancel-button", "title": "Cancel"}}
                    ]}
                },
                "biz_opaque_callback_data": "outbox:3"
            })
        );
    }

    #[test]
    fn reply_buttons_list_every_problem() {
        let message = ButtonsMessage {
            header: Some("h".repeat(61)),
            body: "b".repeat(1025),
            footer: Some(String::new()),
            buttons: vec![
                button("a", "Twenty-one characters"),
                button("a", "Same"),
                button(" c", "Same"),
                button(&"d".repeat(257), "D"),
            ],
        };
        assert_eq!(
            problems(buttons(TO, &message, None, None).unwrap_err()),
            [
                "interactive.action.buttons: 1 to 3 reply buttons (Meta's limit), got 4",
                "interactive.action.buttons[0].reply.title: at most 20 characters (Meta's limit), got 21",
                "interactive.action.buttons[2].reply.id: must not start or end with spaces",
                "interactive.action.buttons[3].reply.id: at most 256 characters (Meta's limit), got 257",
                "interactive.action.buttons[1].reply.id: \"a\" appears twice; must be unique within the message",
                "interactive.action.buttons[2].reply.title: \"Same\" appears twice; must be unique within the message",
                "interactive.header.text: at most 60 characters (Meta's limit), got 61",
                "interactive.body.text: at most 1024 characters (Meta's limit), got 1025",
                "interactive.footer.text: must not be empty",
            ]
        );
        let none = ButtonsMessage { header: None, body: "b".into(), footer: None, buttons: vec![] };
        assert_eq!(
            problems(buttons(TO, &none, None, None).unwrap_err()),
            ["interactive.action.buttons: 1 to 3 reply buttons (Meta's limit), got 0"]
        );
    }

    #[test]
    fn lists_are_metas_shape() {
        let message = shipping();
        assert_eq!(
            list(TO, &message, Some("wamid.question"), None).unwrap(),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "context": {"message_id": "wamid.question"},
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "header": {"type": "text", "text": "Choose Shipping Option"},
                    "body": {"text": "Which shipping option do you prefer?"},
                    "footer": {"text": "Lucky Shrub: Your gateway to succulents\u{2122}"},
                    "action": {
                        "button": "Shipping Options",
                        "sections": [
                            {"title": "I want it ASAP!", "rows": [
                                {"id": "priority_express", "title": "Priority Mail Express",
                                 "description": "Next Day to 2 Days"},
                                {"id": "priority_mail", "title": "Priority Mail", "description": "1\u{2013}3 Days"}
                            ]},
                            {"title": "I can wait a bit", "rows": [
                                {"id": "usps_ground_advantage", "title": "USPS Ground Advantage",
                                 "description": "2\u{2013}5 Days"},
                                {"id": "media_mail", "title": "Media Mail"}
                            ]}
                        ]
                    }
                }
            })
        );
        let mut single = shipping();
        single.sections.truncate(1);
        single.sections[0].title = None;
        assert!(list(TO, &single, None, None).unwrap()["interactive"]["action"]["sections"][0]
            .get("title")
            .is_none());
    }

    #[test]
    fn lists_list_every_problem() {
        let mut message = shipping();
        message.button = "Twenty-one characters".into();
        message.sections[1].title = None;
        message.sections[0].rows[1] = row("priority_express", &"t".repeat(25), Some(&"d".repeat(73)));
        message.sections[1].rows.extend((0..7).map(|i| row(&format!("r{i}"), "R", None)));
        message.sections[1].rows[0].id = "x".repeat(201);
        assert_eq!(
            problems(list(TO, &message, None, None).unwrap_err()),
            [
                "interactive.action.button: at most 20 characters (Meta's limit), got 21",
                "interactive.action.sections[1].title: required when there is more than one section",
                "interactive.action.sections: 1 to 10 rows in all sections (Meta's limit), got 11",
                "interactive.action.sections[0].rows[1].title: at most 24 characters (Meta's limit), got 25",
                "interactive.action.sections[0].rows[1].description: at most 72 characters (Meta's limit), got 73",
                "interactive.action.sections[1].rows[0].id: at most 200 characters (Meta's limit), got 201",
                "interactive.action.sections[0].rows[1].id: \"priority_express\" appears twice; \
                 must be unique within the message",
            ]
        );
        let mut many = shipping();
        many.sections = (0..11).map(|i| ListSection { title: Some(format!("S{i}")), rows: vec![] }).collect();
        many.sections[0].title = Some("s".repeat(25));
        assert_eq!(
            problems(list(TO, &many, None, None).unwrap_err()),
            [
                "interactive.action.sections: 1 to 10 sections (Meta's limit), got 11",
                "interactive.action.sections[0].title: at most 24 characters (Meta's limit), got 25",
                "interactive.action.sections: 1 to 10 rows in all sections (Meta's limit), got 0",
            ]
        );
    }
}
