//! `NewTeam` (`POST /api/teams`) and `NewLabel` (`POST /api/labels`): what
//! a manager creates inside their tenant.

use super::check::Check;
use crate::{FieldError, Label, LabelId, Routing, Team, TeamId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A new team. Whether each member belongs to the tenant is checked by the
/// caller, which knows the tenant's users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// Members, each at most once; may be empty or left out.
    #[serde(default)]
    pub member_ids: Vec<UserId>,
    /// `round_robin` (default) or `balanced`.
    #[serde(default)]
    pub routing: Routing,
    /// Give the chat to the next member when the assignee has not replied
    /// within this many minutes (1 to 1440); absent or null = never.
    #[serde(default)]
    pub reassign_after_minutes: Option<u32>,
}

impl NewTeam {
    /// Every problem: `name`, and one `member_ids` entry per repeated id.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut check = Check::new("");
        check.length("name", &self.name, 1, 100);
        if let Some(m) = self.reassign_after_minutes {
            check.that((1..=1440).contains(&m), "reassign_after_minutes", "must be 1 to 1440 minutes");
        }
        let mut seen = HashSet::new();
        let mut reported = HashSet::new();
        for id in &self.member_ids {
            if !seen.insert(id) && reported.insert(id) {
                check.fail("member_ids", format!("lists {id} more than once"));
            }
        }
        check.finish()
    }

    /// The record to store, with a new id. Call after [`Self::validate`]
    /// found nothing.
    pub fn into_record(self, tenant_id: TenantId, now_ms: i64) -> Team {
        Team {
            id: TeamId::new(),
            tenant_id,
            name: self.name.trim().to_owned(),
            member_ids: self.member_ids,
            created_at_ms: now_ms,
            routing: self.routing,
            reassign_after_minutes: self.reassign_after_minutes,
        }
    }
}

/// A new label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLabel {
    /// Display name, 1 to 50 characters.
    pub name: String,
    /// Colour as `#rrggbb` (either case; stored lowercase).
    pub color: String,
}

impl NewLabel {
    /// Every problem: `name`, `color`.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut check = Check::new("");
        check.length("name", &self.name, 1, 50);
        check.that(is_hex_color(self.color.trim()), "color", "must be #rrggbb");
        check.finish()
    }

    /// The record to store, with a new id. Call after [`Self::validate`]
    /// found nothing.
    pub fn into_record(self, tenant_id: TenantId, now_ms: i64) -> Label {
        Label {
            id: LabelId::new(),
            tenant_id,
            name: self.name.trim().to_owned(),
            color: self.color.trim().to_ascii_lowercase(),
            created_at_ms: now_ms,
        }
    }
}

/// `#` followed by exactly six hex digits.
fn is_hex_color(color: &str) -> bool {
    color.strip_prefix('#').is_some_and(|hex| hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_members_may_not_repeat() {
        let (ann, bob) = (UserId::new(), UserId::new());
        let ok = NewTeam {
            name: "Sales".into(),
            member_ids: vec![ann, bob],
            routing: Routing::RoundRobin,
            reassign_after_minutes: None,
        };
        assert_eq!(ok.validate(), []);
        let twice = NewTeam {
            name: "".into(),
            member_ids: vec![ann, bob, ann, ann, bob],
            routing: Routing::Balanced,
            reassign_after_minutes: Some(0),
        };
        let errors = twice.validate();
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["name", "reassign_after_minutes", "member_ids", "member_ids"]);
        assert!(errors[2].message.contains(&ann.to_string()));
    }

    #[test]
    fn team_from_json_and_into_record() {
        let body: NewTeam = serde_json::from_str(r#"{"name":" Sales "}"#).unwrap();
        assert!(body.member_ids.is_empty());
        let tenant_id = TenantId::new();
        let team = body.into_record(tenant_id, 3);
        assert_eq!((team.name.as_str(), team.tenant_id), ("Sales", tenant_id));
    }

    #[test]
    fn label_rules() {
        let label = |name: &str, color: &str| NewLabel { name: name.into(), color: color.into() };
        assert_eq!(label("VIP", "#FF8800").validate(), []);
        for bad in ["ff8800", "#ff880", "#ff88001", "#gg8800", "", "#ff 800"] {
            assert_eq!(label("VIP", bad).validate().len(), 1, "{bad:?}");
        }
        assert_eq!(label(&"x".repeat(51), "red").validate().len(), 2);
        let record = label(" VIP ", "#FF8800").into_record(TenantId::new(), 0);
        assert_eq!((record.name.as_str(), record.color.as_str()), ("VIP", "#ff8800"));
    }
}
