//! `NewNumber`: the `number` object of `POST /api/admin/tenants` and the
//! body of `POST /api/admin/tenants/{id}/numbers`.

use super::check::{Check, Redacted};
use crate::{FieldError, Number, NumberId, Secret, TenantId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A WhatsApp business number to register, as the platform admin sends it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNumber {
    /// Meta's phone number id: digits.
    pub phone_number_id: String,
    /// The number as people dial it: digits, spaces and `+-()`.
    pub display_phone_number: String,
    /// The WhatsApp Business Account id: digits.
    pub waba_id: String,
    /// The Graph API token used to send.
    pub access_token: String,
    /// The Meta app secret; leave it out when the deployment's own app
    /// signs for every tenant.
    pub app_secret: Option<String>,
    /// What Meta must echo when subscribing the webhook.
    pub verify_token: String,
}

impl NewNumber {
    /// Every problem, with paths under `path_prefix` (`""` at the top
    /// level, `"number"` or `"number."` when nested).
    pub fn validate(&self, path_prefix: &str) -> Vec<FieldError> {
        let mut check = Check::new(path_prefix);
        check.digits("phone_number_id", &self.phone_number_id, 32);
        check.digits("waba_id", &self.waba_id, 32);
        let display = self.display_phone_number.trim();
        let _ = check.length("display_phone_number", display, 1, 32)
            && check.that(
                display.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)),
                "display_phone_number",
                "may contain only digits, spaces and + - ( )",
            )
            && check.that(
                display.chars().any(|c| c.is_ascii_digit()),
                "display_phone_number",
                "must contain digits",
            );
        check.length("access_token", &self.access_token, 1, 4096);
        if let Some(app_secret) = &self.app_secret {
            check.length("app_secret", app_secret, 1, 256);
        }
        check.length("verify_token", &self.verify_token, 1, 256);
        check.finish()
    }

    /// The record to store, with a new id. Call after [`Self::validate`]
    /// found nothing. Every field is trimmed, secrets included: a pasted
    /// token's trailing newline would otherwise break every Graph call.
    pub fn into_record(self, tenant_id: TenantId, now_ms: i64) -> Number {
        let trimmed = |s: String| s.trim().to_owned();
        Number {
            id: NumberId::new(),
            tenant_id,
            phone_number_id: trimmed(self.phone_number_id),
            display_phone_number: trimmed(self.display_phone_number),
            waba_id: trimmed(self.waba_id),
            access_token: Secret::from(trimmed(self.access_token)),
            app_secret: self.app_secret.map(|s| Secret::from(trimmed(s))),
            verify_token: Secret::from(trimmed(self.verify_token)),
            needs_attention: None,
            messages_per_sec: None,
            created_at_ms: now_ms,
        }
    }
}

/// Written by hand so the tokens stay out of logs.
impl fmt::Debug for NewNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewNumber")
            .field("phone_number_id", &self.phone_number_id)
            .field("display_phone_number", &self.display_phone_number)
            .field("waba_id", &self.waba_id)
            .field("access_token", &Redacted)
            .field("app_secret", &self.app_secret.as_ref().map(|_| Redacted))
            .field("verify_token", &Redacted)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of API.md.
    fn acme_number() -> NewNumber {
        serde_json::from_str(
            r#"{"phone_number_id": "106540352242922",
                "display_phone_number": "+1 555 010 0001",
                "waba_id": "102290129340398",
                "access_token": "EAAG...",
                "app_secret": "...", "verify_token": "..."}"#,
        )
        .unwrap()
    }

    fn paths(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.path).collect()
    }

    #[test]
    fn the_api_example_is_valid() {
        assert_eq!(acme_number().validate(""), []);
    }

    #[test]
    fn app_secret_may_be_left_out_but_unknown_fields_may_not() {
        let json = r#"{"phone_number_id":"1","display_phone_number":"1","waba_id":"2",
                       "access_token":"t","verify_token":"v"}"#;
        let number: NewNumber = serde_json::from_str(json).unwrap();
        assert_eq!(number.app_secret, None);
        assert_eq!(number.validate("number"), []);
        let typo = json.replace("\"verify_token\"", "\"verify_tokn\"");
        assert!(serde_json::from_str::<NewNumber>(&typo).is_err());
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let number = NewNumber {
            phone_number_id: "10654x".into(),
            display_phone_number: "call me".into(),
            waba_id: "1".repeat(33),
            access_token: " ".into(),
            app_secret: Some(String::new()),
            verify_token: "v".repeat(257),
        };
        assert_eq!(
            paths(number.validate("number")),
            [
                "number.phone_number_id",
                "number.waba_id",
                "number.display_phone_number",
                "number.access_token",
                "number.app_secret",
                "number.verify_token",
            ]
        );
        let no_digits = NewNumber { display_phone_number: "+ ( )".into(), ..acme_number() };
        assert_eq!(paths(no_digits.validate("")), ["display_phone_number"]);
    }

    #[test]
    fn into_record_trims_and_wraps_secrets() {
        let tenant_id = TenantId::new();
        let number = NewNumber {
            phone_number_id: " 106540352242922 ".into(),
            access_token: "EAAG\n".into(),
            ..acme_number()
        };
        let record = number.into_record(tenant_id, 42);
        assert_eq!(record.tenant_id, tenant_id);
        assert_eq!(record.phone_number_id, "106540352242922");
        assert_eq!(record.access_token.expose(), "EAAG");
        assert_eq!(record.app_secret.unwrap().expose(), "...");
        assert_eq!(record.created_at_ms, 42);
    }

    #[test]
    fn debug_hides_tokens() {
        let printed = format!("{:?}", acme_number());
        assert!(!printed.contains("EAAG") && printed.contains("106540352242922"));
    }
}
