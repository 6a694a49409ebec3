//! What a user may do: run the platform, manage a tenant, or answer chats.

use crate::{FieldError, TenantError};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A user's role. Written `platform_admin`, `manager` or `staff` everywhere
/// (JSON, `Display`, `FromStr`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the deployment: creates tenants and their numbers. Has no tenant.
    PlatformAdmin,
    /// Runs one tenant: its users, teams and labels, and every conversation.
    Manager,
    /// Answers the conversations routed to them.
    Staff,
}

impl Role {
    /// Every role, in order of power.
    pub const ALL: [Role; 3] = [Role::PlatformAdmin, Role::Manager, Role::Staff];

    /// The wire name: `platform_admin`, `manager` or `staff`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::Manager => "manager",
            Role::Staff => "staff",
        }
    }

    /// True for [`Role::PlatformAdmin`].
    pub fn is_platform_admin(&self) -> bool {
        matches!(self, Role::PlatformAdmin)
    }

    /// True for [`Role::Manager`].
    pub fn is_manager(&self) -> bool {
        matches!(self, Role::Manager)
    }

    /// True for [`Role::Staff`].
    pub fn is_staff(&self) -> bool {
        matches!(self, Role::Staff)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = TenantError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| {
            TenantError::Invalid(vec![FieldError::new("role", "must be platform_admin, manager or staff")])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_from_str_and_serde_agree() {
        for role in Role::ALL {
            let name = role.to_string();
            assert_eq!(name.parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Role>(&format!("\"{name}\"")).unwrap(), role);
        }
        assert_eq!(Role::PlatformAdmin.to_string(), "platform_admin");
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!("Manager".parse::<Role>().is_err());
        assert!("admin".parse::<Role>().is_err());
        assert!(serde_json::from_str::<Role>("\"owner\"").is_err());
    }

    #[test]
    fn helpers_match_exactly_one_role() {
        assert!(Role::PlatformAdmin.is_platform_admin());
        assert!(Role::Manager.is_manager() && !Role::Manager.is_staff());
        assert!(Role::Staff.is_staff() && !Role::Staff.is_platform_admin());
    }

    #[test]
    fn round_trips_through_bincode() {
        let config = bincode::config::standard();
        for role in Role::ALL {
            let bytes = bincode::serde::encode_to_vec(role, config).unwrap();
            let (back, used): (Role, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
            assert_eq!((back, used), (role, bytes.len()));
        }
    }
}
