//! The flow document, exactly as API.md's "Chatbot flows" fixes it and as
//! the builder edits it: a trigger, a `start` step and a map of steps by
//! id, each step tagged by `"type"`.
//!
//! This is a JSON type only: callers store a flow as its JSON text, so the
//! `"type"` tags and optional fields here never meet bincode. The run state
//! that is stored in binary lives in [`crate::run`] and is kept plain.
//!
//! Unknown fields are ignored (API.md: fields may be added), except the
//! builder's free-form `editor` object, which is kept verbatim and never
//! read by the bot. A `next` that is absent where it is optional ends the
//! flow there: the run finishes and the chat stays as it is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenants::{NumberId, TeamId, UserId};
use whatsapp::outbound::{ButtonsMessage, ListMessage, ListRow, ListSection, ReplyButton};

use crate::error::ChatbotError;

/// One flow: what starts it and the steps it walks through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    pub name: String,
    /// The numbers whose conversations this flow runs on.
    #[serde(default)]
    pub number_ids: Vec<NumberId>,
    pub trigger: Trigger,
    /// The id of the first step.
    pub start: String,
    /// Steps by id; ids are `[A-Za-z0-9_-]`, 1 to 64 characters.
    pub steps: BTreeMap<String, Step>,
    #[serde(default)]
    pub settings: Settings,
    /// The builder's own data (card positions, notes), kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editor: Option<Value>,
}

/// When a flow starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub on: TriggerOn,
    /// For `keyword`: a customer message equal to one of these (trimmed,
    /// case-insensitive) starts the flow.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// The conversation event that starts a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerOn {
    /// The first message of a new conversation.
    NewConversation,
    /// A customer message that is one of the trigger's keywords.
    Keyword,
    /// A customer message in a conversation that was closed.
    Reopen,
}

/// Flow-wide answers to "the customer typed something that fits no
/// option" (`buttons`, `list`) or "the answer is not valid" (`ask`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// How many times a step asks again before the fallback (0 to 10).
    pub retries: u8,
    /// What happens when the retries are used up.
    pub fallback: Fallback,
    /// Sent before a `buttons` or `list` step is shown again; a step's own
    /// `retry` wins. Default: "Please choose one of the options below."
    pub retry_text: Option<String>,
    /// Sent to the customer when the fallback hands the chat to a person.
    /// Default: "Let me connect you with someone from our team."
    pub handover_text: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { retries: 2, fallback: Fallback::Handover, retry_text: None, handover_text: None }
    }
}

/// The fallback once retries are used up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// Bot off, chat to Not Assigned.
    #[default]
    Handover,
}

/// One step of a flow, tagged by `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    /// Sends `text`, then goes straight on to `next`.
    Message {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// Reply buttons (1 to 3); waits for a tap or a typed title.
    Buttons {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        buttons: Vec<Choice>,
        /// Sent before the buttons are shown again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry: Option<String>,
    },
    /// A list (1 to 10 rows in 1 to 10 sections) opened by `button`.
    List {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        /// The label of the button that opens the list.
        button: String,
        sections: Vec<Section>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry: Option<String>,
    },
    /// Asks `text`, checks the answer and saves it as the contact
    /// attribute `save_as`.
    Ask {
        text: String,
        save_as: String,
        #[serde(default)]
        validate: Validate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
        /// Sent when the answer is not valid (a default per `validate`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry: Option<String>,
    },
    /// Goes to the first case that holds, else to `default`.
    Branch {
        on: BranchOn,
        /// For `on: attribute`: the attribute tested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attribute: Option<String>,
        #[serde(default)]
        cases: Vec<Case>,
        default: String,
    },
    /// Puts the label named `label` on the conversation.
    Label {
        label: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// Sends `text` if given, hands the chat to a team; the run ends.
    AssignTeam {
        team_id: TeamId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// The reason shown in the chat history (a default names the flow).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Sends `text` if given, hands the chat to one user; the run ends.
    AssignUser {
        user_id: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Bot off; the chat goes to `team_id`, or to Not Assigned.
    Handover {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team_id: Option<TeamId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Sends `text` if given and closes the conversation; the run ends.
    Close {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// Waits `minutes` (1 to 10080, a week), then goes to `next`.
    Wait {
        minutes: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
}

/// A reply button: `id` comes back in the customer's `button_reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
    pub next: String,
}

/// A titled group of list rows; the title is required when there are
/// several sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<Row>,
}

/// A list row: `id` comes back in the customer's `list_reply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub next: String,
}

/// How an `ask` step checks its answer. JSON: `"text"` (the default: any
/// non-blank text), `"email"`, `"phone"`, `"number"`, or
/// `{"regex": "^[0-9]{5}$"}` (the whole trimmed answer must match).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validate {
    #[default]
    Text,
    Email,
    Phone,
    Number,
    Regex(String),
}

/// What a `branch` tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchOn {
    /// A contact attribute (this run's answers first, then the contact's
    /// known attributes), named by the step's `attribute`.
    Attribute,
    /// The conversation's labels: `equals` holds when a label has that
    /// name, `matches` when any label matches.
    Label,
    /// The tenant's business hours, by `in_hours`.
    BusinessHours,
    /// The last answer of this run (an `ask` value, or the id of the
    /// button or row chosen).
    Answer,
}

/// One case of a `branch`: exactly one condition, then `next`.
/// `equals` compares trimmed and case-insensitively; `matches` is a regex
/// searched in the value; `in_hours` is for `on: business_hours` only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_hours: Option<bool>,
    pub next: String,
}

impl Flow {
    /// Parses a flow document; a failure names the path where it went
    /// wrong. This checks the shape only: see [`crate::validate()`] and
    /// [`crate::parse_flow`].
    pub fn from_json(json: &str) -> Result<Flow, ChatbotError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|e| ChatbotError::Json {
            path: json_path(&e.path().to_string()),
            message: e.into_inner().to_string(),
        })
    }

    /// The document as JSON text, as [`Flow::from_json`] reads it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a flow always serialises")
    }

    /// Does this flow start on `on` in a conversation of `number_id`,
    /// whose triggering message is `text`? Keywords match the whole
    /// message, trimmed, ignoring case.
    pub fn is_triggered(&self, number_id: NumberId, on: TriggerOn, text: &str) -> bool {
        let text = text.trim().to_lowercase();
        self.number_ids.contains(&number_id)
            && self.trigger.on == on
            && (on != TriggerOn::Keyword
                || self.trigger.keywords.iter().any(|k| k.trim().to_lowercase() == text))
    }
}

impl Step {
    /// Whether the step stops and waits for the customer or a timer:
    /// a cycle must pass through one of these.
    pub fn waits(&self) -> bool {
        matches!(self, Step::Buttons { .. } | Step::List { .. } | Step::Ask { .. } | Step::Wait { .. })
    }

    /// Every step this one can go to, with the path (below the step) of
    /// the field that names it.
    pub fn targets(&self) -> Vec<(String, &str)> {
        match self {
            Step::Message { next, .. }
            | Step::Ask { next, .. }
            | Step::Label { next, .. }
            | Step::Wait { next, .. } => next.iter().map(|n| ("next".to_string(), n.as_str())).collect(),
            Step::Buttons { buttons, .. } => buttons
                .iter()
                .enumerate()
                .map(|(i, b)| (format!("buttons[{i}].next"), b.next.as_str()))
                .collect(),
            Step::List { sections, .. } => sections
                .iter()
                .enumerate()
                .flat_map(|(s, section)| {
                    section
                        .rows
                        .iter()
                        .enumerate()
                        .map(move |(r, row)| (format!("sections[{s}].rows[{r}].next"), row.next.as_str()))
                })
                .collect(),
            Step::Branch { cases, default, .. } => cases
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("cases[{i}].next"), c.next.as_str()))
                .chain([("default".to_string(), default.as_str())])
                .collect(),
            Step::AssignTeam { .. }
            | Step::AssignUser { .. }
            | Step::Handover { .. }
            | Step::Close { .. } => {
                vec![]
            }
        }
    }
}

/// serde_path_to_error's path (`steps.greet.buttons[0].title`, `.` for
/// the root) in the same style as [`crate::Problem::path`].
fn json_path(path: &str) -> String {
    if path == "." {
        String::new()
    } else {
        path.to_string()
    }
}

/// The interactive message of a `buttons` step with body `text`.
pub(crate) fn buttons_message(
    text: String,
    header: &Option<String>,
    footer: &Option<String>,
    buttons: &[Choice],
) -> ButtonsMessage {
    ButtonsMessage {
        header: header.clone(),
        body: text,
        footer: footer.clone(),
        buttons: buttons.iter().map(|b| ReplyButton { id: b.id.clone(), title: b.title.clone() }).collect(),
    }
}

/// The interactive message of a `list` step with body `text`.
pub(crate) fn list_message(
    text: String,
    header: &Option<String>,
    footer: &Option<String>,
    button: &str,
    sections: &[Section],
) -> ListMessage {
    let section = |s: &Section| ListSection {
        title: s.title.clone(),
        rows: s
            .rows
            .iter()
            .map(|r| ListRow { id: r.id.clone(), title: r.title.clone(), description: r.description.clone() })
            .collect(),
    };
    ListMessage {
        header: header.clone(),
        body: text,
        footer: footer.clone(),
        button: button.to_string(),
        sections: sections.iter().map(section).collect(),
    }
}
