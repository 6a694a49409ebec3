//! `NewTenant`: the body of `POST /api/admin/tenants`, a tenant together
//! with its first business number and its first manager.

use super::check::Check;
use super::{NewManager, NewNumber};
use crate::{FieldError, Number, Tenant, TenantError, TenantId, TenantSettings, User};
use serde::{Deserialize, Serialize};

/// A new tenant, as the platform admin sends it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// Its first WhatsApp business number.
    pub number: NewNumber,
    /// Its first manager.
    pub manager: NewManager,
}

impl NewTenant {
    /// Every problem in the whole body: `name`, `number.…`, `manager.…`.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut check = Check::new("");
        check.length("name", &self.name, 1, 100);
        check.extend(self.number.validate("number"));
        check.extend(self.manager.validate("manager"));
        check.finish()
    }

    /// Validates, then builds the three records to store together: the
    /// tenant, its number and its manager. Hashes the manager's password, so
    /// it is slow (argon2): run it in `spawn_blocking`.
    pub fn into_records(self, now_ms: i64) -> Result<(Tenant, Number, User), TenantError> {
        let errors = self.validate();
        if !errors.is_empty() {
            return Err(TenantError::Invalid(errors));
        }
        let tenant = Tenant {
            id: TenantId::new(),
            name: self.name.trim().to_owned(),
            created_at_ms: now_ms,
            suspended: false,
            settings: TenantSettings::default(),
        };
        let number = self.number.into_record(tenant.id, now_ms);
        let manager = self.manager.into_new_user().into_record(tenant.id, now_ms)?;
        Ok((tenant, number, manager))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    /// The example of API.md, with a real password.
    const ACME: &str = r#"{"name": "Acme",
        "number": {"phone_number_id": "106540352242922",
                   "display_phone_number": "+1 555 010 0001",
                   "waba_id": "102290129340398",
                   "access_token": "EAAG...",
                   "app_secret": "...", "verify_token": "..."},
        "manager": {"email": "boss@acme.test", "name": "Boss", "password": "correct horse"}}"#;

    #[test]
    fn the_api_example_becomes_three_linked_records() {
        let body: NewTenant = serde_json::from_str(ACME).unwrap();
        assert_eq!(body.validate(), []);
        let (tenant, number, manager) = body.into_records(5).unwrap();
        assert_eq!(tenant.name, "Acme");
        assert!(!tenant.suspended);
        assert_eq!(number.tenant_id, tenant.id);
        assert_eq!(manager.tenant_id, Some(tenant.id));
        assert_eq!(manager.role, Role::Manager);
    }

    #[test]
    fn problems_from_every_part_are_collected() {
        let mut body: NewTenant = serde_json::from_str(ACME).unwrap();
        body.name = " ".into();
        body.number.phone_number_id = "abc".into();
        body.number.verify_token = String::new();
        body.manager.email = "boss".into();
        body.manager.password = "1234".into();
        let paths: Vec<_> = body.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(
            paths,
            ["name", "number.phone_number_id", "number.verify_token", "manager.email", "manager.password",]
        );
        assert!(matches!(
            body.into_records(0),
            Err(TenantError::Invalid(errors)) if errors.len() == 5
        ));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let typo = ACME.replace("\"name\": \"Acme\"", "\"nmae\": \"Acme\"");
        assert!(serde_json::from_str::<NewTenant>(&typo).is_err());
    }
}
