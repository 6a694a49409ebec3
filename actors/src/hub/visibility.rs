//! Who may see which conversation event. Pure rules, used by the Hub for
//! live events and replay (the REST side applies the same rule through
//! [`may_see`]).

use tenants::{Role, TeamId, TenantId, UserId};

/// The agent a socket belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The agent's tenant.
    pub tenant_id: TenantId,
    /// The agent.
    pub user_id: UserId,
    /// Manager or staff.
    pub role: Role,
    /// Teams whose queues the agent sees.
    pub team_ids: Vec<TeamId>,
    /// The tenant lets staff see every unassigned chat.
    pub see_unassigned: bool,
}

/// Who a conversation belongs to at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its assignee.
    pub assignee_id: Option<UserId>,
    /// Its team queue.
    pub team_id: Option<TeamId>,
}

/// Managers see everything in their tenant; staff see what is assigned to
/// them and the unassigned queues of their teams (every unassigned chat
/// when the tenant allows it). Nobody sees another tenant.
pub fn may_see(viewer: &Viewer, v: &Visibility) -> bool {
    if viewer.tenant_id != v.tenant_id {
        return false;
    }
    if viewer.role.is_manager() {
        return true;
    }
    match v.assignee_id {
        Some(a) => a == viewer.user_id,
        None => viewer.see_unassigned || v.team_id.is_some_and(|t| viewer.team_ids.contains(&t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, teams: Vec<TeamId>) -> Viewer {
        Viewer {
            tenant_id: TenantId::new(),
            user_id: UserId::new(),
            role,
            team_ids: teams,
            see_unassigned: false,
        }
    }

    #[test]
    fn managers_see_their_whole_tenant_only() {
        let m = viewer(Role::Manager, vec![]);
        let mine = Visibility { tenant_id: m.tenant_id, assignee_id: None, team_id: None };
        assert!(may_see(&m, &mine));
        let other = Visibility { tenant_id: TenantId::new(), ..mine };
        assert!(!may_see(&m, &other));
    }

    #[test]
    fn staff_see_their_chats_and_their_team_queues() {
        let team = TeamId::new();
        let s = viewer(Role::Staff, vec![team]);
        let base = Visibility { tenant_id: s.tenant_id, assignee_id: None, team_id: None };
        assert!(!may_see(&s, &base), "Not Assigned is hidden from staff");
        assert!(may_see(&s, &Visibility { assignee_id: Some(s.user_id), ..base }));
        assert!(!may_see(&s, &Visibility { assignee_id: Some(UserId::new()), ..base }));
        assert!(may_see(&s, &Visibility { team_id: Some(team), ..base }));
        assert!(!may_see(&s, &Visibility { team_id: Some(TeamId::new()), ..base }));
        let taken = Visibility { team_id: Some(team), assignee_id: Some(UserId::new()), ..base };
        assert!(!may_see(&s, &taken), "a teammate's chat is theirs");
        let open = Viewer { see_unassigned: true, ..s.clone() };
        assert!(may_see(&open, &base), "the tenant setting opens Not Assigned");
        assert!(!may_see(&open, &taken), "but never a colleague's chat");
    }
}
