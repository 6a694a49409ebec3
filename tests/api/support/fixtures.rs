//! The webhook corpus of `tests/fixtures/webhooks/` (see its README): each
//! file is a Meta body with placeholders. [`Placeholders`] fills them in
//! for a test's numbers and messages and gives back the exact bytes to
//! sign and post, so what the server reads is the file as written.

use std::path::PathBuf;

use serde_json::Value;

use super::meta::{self, BusinessNumber};
use super::{ApiResponse, TestTenant};

/// Every placeholder the README lists; none may survive rendering.
const PLACEHOLDERS: &[&str] = &[
    "PHONE_NUMBER_ID",
    "DISPLAY_NUMBER",
    "TIMESTAMP",
    "OUTBOUND_WAMID",
    "CALLBACK_DATA",
    "OTHER_NUMBER_ID",
    "OTHER_DISPLAY",
    "WHATSAPP_BUSINESS_ACCOUNT_ID",
    "OTHER_BUSINESS_ACCOUNT_ID",
];

/// `tests/fixtures/webhooks/`.
pub fn webhooks_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks")
}

/// The names (without `.json`) of every file of the corpus, sorted.
pub fn webhook_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(webhooks_dir())
        .expect("tests/fixtures/webhooks")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The file `name.json` as written, placeholders and all.
pub fn webhook_template(name: &str) -> String {
    let path = webhooks_dir().join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the placeholders stand for in one test.
#[derive(Debug, Clone)]
pub struct Placeholders {
    values: Vec<(&'static str, String)>,
}

/// Digits only, as Meta writes `display_phone_number`.
fn digits(display: &str) -> String {
    display.chars().filter(char::is_ascii_digit).collect()
}

impl Placeholders {
    /// For bodies about `number`, with `TIMESTAMP` = now.
    pub fn new(number: &BusinessNumber) -> Placeholders {
        let values = vec![
            ("PHONE_NUMBER_ID", number.phone_number_id.clone()),
            ("DISPLAY_NUMBER", digits(&number.display_phone_number)),
            ("WHATSAPP_BUSINESS_ACCOUNT_ID", number.waba_id.clone()),
            ("TIMESTAMP", meta::now_ts()),
        ];
        Placeholders { values }
    }

    fn set(mut self, placeholder: &'static str, value: &str) -> Placeholders {
        self.values.retain(|(p, _)| *p != placeholder);
        self.values.push((placeholder, value.to_string()));
        self
    }

    /// `OUTBOUND_WAMID`: the wamid of a message we sent.
    pub fn outbound_wamid(self, wamid: &str) -> Placeholders {
        self.set("OUTBOUND_WAMID", wamid)
    }

    /// `CALLBACK_DATA`: the `biz_opaque_callback_data` of that send.
    pub fn callback_data(self, data: &str) -> Placeholders {
        self.set("CALLBACK_DATA", data)
    }

    /// `OTHER_NUMBER_ID`, `OTHER_DISPLAY`, `OTHER_BUSINESS_ACCOUNT_ID`.
    pub fn other_number(self, number: &BusinessNumber) -> Placeholders {
        self.set("OTHER_NUMBER_ID", &number.phone_number_id)
            .set("OTHER_DISPLAY", &digits(&number.display_phone_number))
            .set("OTHER_BUSINESS_ACCOUNT_ID", &number.waba_id)
    }

    /// `name.json` with every placeholder replaced in the raw text; panics
    /// if the file needs one this test did not give.
    pub fn render(&self, name: &str) -> Vec<u8> {
        let mut text = webhook_template(name);
        for (placeholder, value) in &self.values {
            text = text.replace(placeholder, value);
        }
        if let Some(left) = PLACEHOLDERS.iter().find(|p| text.contains(*p)) {
            panic!("{name}.json needs {left}, which this test did not give");
        }
        text.into_bytes()
    }

    /// `name.json` rendered and parsed.
    pub fn render_json(&self, name: &str) -> Value {
        serde_json::from_slice(&self.render(name)).unwrap_or_else(|e| panic!("{name}.json: {e}"))
    }
}

/// The first message of the first change of a body.
pub fn first_message(body: &Value) -> &Value {
    &body["entry"][0]["changes"][0]["value"]["messages"][0]
}

impl TestTenant {
    /// Posts these exact bytes, signed the way Meta signs for this
    /// tenant's first number.
    pub async fn post_webhook_bytes(&self, body: &[u8]) -> ApiResponse {
        let signature = meta::sign(&self.number().signing_secret, body);
        self.anonymous().post_webhook(body, Some(&signature)).await
    }

    /// Renders `name.json` with `placeholders`, posts it signed and checks
    /// the 200; returns the body as posted.
    pub async fn post_fixture(&self, name: &str, placeholders: &Placeholders) -> Value {
        let body = placeholders.render(name);
        let resp = self.post_webhook_bytes(&body).await;
        assert_eq!(resp.status, 200, "{name}.json refused: {}", resp.text);
        serde_json::from_slice(&body).expect("a rendered fixture is JSON")
    }
}
