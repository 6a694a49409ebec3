//! The NumberActor's in-memory index of conversation summaries, and the
//! list filters it answers. Pure: list and filter queries never touch sled
//! and never wake a sleeping conversation.

use std::collections::HashMap;

use tenants::{ConversationId, TeamId, UserId};

use crate::conversation::record::{ConversationRecord, ConversationStatus};
use crate::hub::{may_see, Viewer, Visibility};

/// Which assignee a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Not assigned to anyone.
    Nobody,
    /// Assigned to this user.
    User(UserId),
}

/// A list query. Every condition narrows; the viewer's visibility always
/// applies, so a filter never widens what someone may see.
#[derive(Debug, Clone)]
pub struct ListFilter {
    /// Who is asking.
    pub viewer: Viewer,
    /// Open or closed.
    pub status: Option<ConversationStatus>,
    /// Assignee.
    pub assignee: Option<AssigneeFilter>,
    /// Team queue.
    pub team: Option<TeamId>,
    /// Carries this label.
    pub label: Option<String>,
    /// Text in the customer's name, number or latest message (lowercase).
    pub q: Option<String>,
}

/// Position after which a page continues: (last activity, id), descending.
pub type Cursor = (i64, ConversationId);

/// The sort key of a summary: newest activity first.
pub fn cursor_of(r: &ConversationRecord) -> Cursor {
    (r.last_message_at_ms, r.id)
}

/// Whether `r` passes `f`.
pub fn matches(f: &ListFilter, r: &ConversationRecord) -> bool {
    let visibility = Visibility { tenant_id: r.tenant_id, assignee_id: r.assignee_id, team_id: r.team_id };
    may_see(&f.viewer, &visibility)
        && f.status.is_none_or(|s| s == r.status)
        && f.assignee.is_none_or(|a| match a {
            AssigneeFilter::Nobody => r.assignee_id.is_none(),
            AssigneeFilter::User(u) => r.assignee_id == Some(u),
        })
        && f.team.is_none_or(|t| r.team_id == Some(t))
        && f.label.as_ref().is_none_or(|l| r.labels.iter().any(|x| x == l))
        && f.q.as_ref().is_none_or(|q| {
            r.wa_id.contains(q.as_str())
                || r.customer_name.as_ref().is_some_and(|n| n.to_lowercase().contains(q.as_str()))
                || r.preview.as_ref().is_some_and(|p| p.to_lowercase().contains(q.as_str()))
        })
}

/// The summaries of one number's conversations.
#[derive(Debug, Default)]
pub struct Index {
    by_id: HashMap<ConversationId, ConversationRecord>,
    by_wa: HashMap<String, ConversationId>,
}

impl Index {
    /// Inserts or replaces a summary.
    pub fn upsert(&mut self, r: ConversationRecord) {
        self.by_wa.insert(r.wa_id.clone(), r.id);
        self.by_id.insert(r.id, r);
    }

    /// Remembers which conversation a customer has before its first write.
    pub fn reserve(&mut self, wa_id: &str, id: ConversationId) {
        self.by_wa.insert(wa_id.to_string(), id);
    }

    /// The conversation of a customer.
    pub fn by_wa_id(&self, wa_id: &str) -> Option<ConversationId> {
        self.by_wa.get(wa_id).copied()
    }

    /// One summary.
    pub fn get(&self, id: ConversationId) -> Option<&ConversationRecord> {
        self.by_id.get(&id)
    }

    /// Number of conversations.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Up to `limit` matching summaries after `cursor`, newest activity first.
    pub fn list(&self, f: &ListFilter, limit: usize, after: Option<Cursor>) -> Vec<ConversationRecord> {
        let mut hits: Vec<&ConversationRecord> = self
            .by_id
            .values()
            .filter(|r| after.is_none_or(|c| cursor_of(r) < c))
            .filter(|r| matches(f, r))
            .collect();
        let limit = limit.min(hits.len());
        if limit == 0 {
            return Vec::new();
        }
        hits.select_nth_unstable_by(limit - 1, |a, b| cursor_of(b).cmp(&cursor_of(a)));
        hits.truncate(limit);
        hits.sort_unstable_by_key(|r| std::cmp::Reverse(cursor_of(r)));
        hits.into_iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenants::{NumberId, Role, TenantId};

    fn record(tenant: TenantId, at: i64, assignee: Option<UserId>) -> ConversationRecord {
        ConversationRecord {
            id: ConversationId::new(),
            tenant_id: tenant,
            number_id: NumberId::new(),
            wa_id: format!("1555{at}"),
            customer_name: Some(format!("Customer {at}")),
            status: ConversationStatus::Open,
            assignee_id: assignee,
            team_id: None,
            labels: vec![],
            unread: 0,
            bot_enabled: true,
            last_customer_at_ms: None,
            last_message_at_ms: at,
            created_at_ms: at,
            preview: Some("Hello there".into()),
            next_seq: 0,
        }
    }

    fn filter(viewer: Viewer) -> ListFilter {
        ListFilter { viewer, status: None, assignee: None, team: None, label: None, q: None }
    }

    #[test]
    fn lists_newest_first_with_cursor_paging() {
        let tenant = TenantId::new();
        let manager =
            Viewer { tenant_id: tenant, user_id: UserId::new(), role: Role::Manager, team_ids: vec![] };
        let mut index = Index::default();
        for at in 1..=5 {
            index.upsert(record(tenant, at, None));
        }
        let f = filter(manager);
        let first = index.list(&f, 2, None);
        assert_eq!(first.iter().map(|r| r.last_message_at_ms).collect::<Vec<_>>(), vec![5, 4]);
        let next = index.list(&f, 2, Some(cursor_of(&first[1])));
        assert_eq!(next.iter().map(|r| r.last_message_at_ms).collect::<Vec<_>>(), vec![3, 2]);
    }

    #[test]
    fn staff_only_see_their_own_and_filters_never_widen() {
        let tenant = TenantId::new();
        let staff = Viewer { tenant_id: tenant, user_id: UserId::new(), role: Role::Staff, team_ids: vec![] };
        let mut index = Index::default();
        index.upsert(record(tenant, 1, Some(staff.user_id)));
        index.upsert(record(tenant, 2, None));
        index.upsert(record(tenant, 3, Some(UserId::new())));
        assert_eq!(index.list(&filter(staff.clone()), 10, None).len(), 1);
        let mut nobody = filter(staff);
        nobody.assignee = Some(AssigneeFilter::Nobody);
        assert!(index.list(&nobody, 10, None).is_empty());
    }

    #[test]
    fn searches_name_number_and_preview() {
        let tenant = TenantId::new();
        let manager =
            Viewer { tenant_id: tenant, user_id: UserId::new(), role: Role::Manager, team_ids: vec![] };
        let mut index = Index::default();
        index.upsert(record(tenant, 7, None));
        let mut f = filter(manager);
        for q in ["customer 7", "15557", "hello"] {
            f.q = Some(q.into());
            assert_eq!(index.list(&f, 10, None).len(), 1, "{q}");
        }
        f.q = Some("nobody".into());
        assert!(index.list(&f, 10, None).is_empty());
    }
}
