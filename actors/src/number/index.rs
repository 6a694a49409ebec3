//! The NumberActor's in-memory index of conversation summaries, and the
//! list filters it answers. Pure: list and filter queries never touch sled
//! and never wake a sleeping conversation.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use tenants::{ConversationId, TeamId, UserId};

use crate::conversation::record::{ConversationRecord, ConversationStatus};
use crate::hub::{may_see, Viewer, Visibility};
use crate::number::search::WordHits;

use super::names::Names;
use super::summaries::Summaries;

/// Most candidates of a text query checked one by one; with more, walking
/// the summaries newest first meets a page of matches sooner.
const CHECK_EACH_UP_TO: usize = 4096;

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
    /// Text in the customer's name, number or any message (lowercase):
    /// matched as a whole against the name and number, and word by word
    /// against the history (`number::search`), whose words start with the
    /// query's.
    pub q: Option<String>,
    /// Only chats with unread customer messages.
    pub unread: bool,
    /// Carries every one of these labels (besides `label`).
    pub labels: Vec<String>,
}

/// Sidebar badge counts for one viewer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Open and unassigned.
    pub not_assigned: u32,
    /// Open and assigned to the viewer.
    pub mine: u32,
    /// Open.
    pub open: u32,
    /// Closed.
    pub closed: u32,
    /// Open with unread customer messages.
    pub unread: u32,
    /// Open and waiting in each team's queue.
    pub teams: BTreeMap<String, u32>,
    /// Open, per label.
    pub labels: BTreeMap<String, u32>,
}

impl Counts {
    /// Adds another number's counts.
    pub fn add(&mut self, other: &Counts) {
        self.not_assigned += other.not_assigned;
        self.mine += other.mine;
        self.open += other.open;
        self.closed += other.closed;
        self.unread += other.unread;
        for (k, v) in &other.teams {
            *self.teams.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.labels {
            *self.labels.entry(k.clone()).or_default() += v;
        }
    }
}

/// The agent an open chat counts against.
fn open_assignee(r: &ConversationRecord) -> Option<UserId> {
    if r.status == ConversationStatus::Open {
        r.assignee_id
    } else {
        None
    }
}

fn visible(viewer: &Viewer, r: &ConversationRecord) -> bool {
    may_see(viewer, &Visibility { tenant_id: r.tenant_id, assignee_id: r.assignee_id, team_id: r.team_id })
}

/// Position after which a page continues: (last activity, id), descending.
pub type Cursor = (i64, ConversationId);

/// The sort key of a summary: newest activity first.
pub fn cursor_of(r: &ConversationRecord) -> Cursor {
    (r.last_message_at_ms, r.id)
}

/// Whether `r` passes `f`; `words` are where the query's words occur in
/// message history (none: the summary alone is searched).
pub fn matches(f: &ListFilter, words: Option<&WordHits>, r: &ConversationRecord) -> bool {
    visible(&f.viewer, r)
        && f.status.is_none_or(|s| s == r.status)
        && f.assignee.is_none_or(|a| match a {
            AssigneeFilter::Nobody => r.assignee_id.is_none(),
            AssigneeFilter::User(u) => r.assignee_id == Some(u),
        })
        && f.team.is_none_or(|t| r.team_id == Some(t))
        && f.label.as_ref().is_none_or(|l| r.labels.iter().any(|x| x == l))
        && f.labels.iter().all(|l| r.labels.contains(l))
        && (!f.unread || r.unread > 0)
        && f.q.as_ref().is_none_or(|q| text_matches(q, words, r))
}

/// The whole query in the name or number, or each of its words there or in
/// the history. The latest message is in the history's words at once
/// (`postings` keeps the last seconds' in memory), so the preview is not
/// searched apart: that kept every query reading every summary.
fn text_matches(q: &str, words: Option<&WordHits>, r: &ConversationRecord) -> bool {
    let in_summary = |text: &str| {
        r.wa_id.contains(text) || r.customer_name.as_ref().is_some_and(|n| contains_folded(n, text))
    };
    in_summary(q)
        || words.is_some_and(|h| {
            !h.words.is_empty()
                && h.words.iter().zip(&h.hits).all(|(w, hits)| hits.contains(&r.id) || in_summary(w))
        })
}

/// Whether `hay` contains `needle` (already lowercase), ignoring case. A
/// search runs this over every summary of a number, so ASCII text (most
/// names and previews) is compared in place; only other text is lowered
/// into a new string.
fn contains_folded(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
        return needle.is_empty() || hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle));
    }
    hay.to_lowercase().contains(needle)
}

/// The summaries of one number's conversations.
#[derive(Debug, Default)]
pub struct Index {
    /// The summaries, by id and by customer.
    summaries: Summaries,
    /// Customers whose conversation has no summary yet (reserved before
    /// its first write): few, and only for a moment.
    reserved: HashMap<String, ConversationId>,
    /// Numbers and names in one buffer, for text search.
    names: Names,
    /// Every summary's sort key: a list walks it newest first and stops at
    /// a full page, instead of filtering and sorting every summary.
    by_recency: BTreeSet<Cursor>,
    /// Open chats per assignee (routing's "load").
    loads: HashMap<UserId, u32>,
}

impl Index {
    /// The index of these summaries, as a start reads them.
    pub fn loaded(records: impl IntoIterator<Item = ConversationRecord>) -> Self {
        let mut index = Self::default();
        for r in records {
            index.upsert(r);
        }
        // Built in one go: no room kept for growth.
        index.names.shrink();
        index
    }

    /// Inserts or replaces a summary; returns the agent whose load went
    /// down, if any (their team may hand them a queued chat).
    pub fn upsert(&mut self, r: impl Into<Box<ConversationRecord>>) -> Option<UserId> {
        let mut r = r.into();
        // Only the conversation itself reads this (for read receipts, from
        // its own copy): a million summaries need not hold a million wamids.
        r.last_inbound_wamid = None;
        let old = self.summaries.get(r.id);
        let before = old.and_then(open_assignee);
        let after = open_assignee(&r);
        if before != after {
            if let Some(u) = before {
                if let Some(n) = self.loads.get_mut(&u) {
                    *n = n.saturating_sub(1);
                }
            }
            if let Some(u) = after {
                *self.loads.entry(u).or_default() += 1;
            }
        }
        match old {
            Some(old) => {
                self.by_recency.remove(&cursor_of(old));
                self.names.renamed(old, &r);
            }
            None => {
                self.names.add(&r);
                if !self.reserved.is_empty() {
                    self.reserved.remove(&r.wa_id);
                }
            }
        }
        self.by_recency.insert(cursor_of(&r));
        self.summaries.insert(r);
        if self.names.wants_rebuild() {
            self.names.rebuild(self.summaries.values());
        }
        before.filter(|b| Some(*b) != after)
    }

    /// Open chats of each user, in order.
    pub fn loads(&self, users: &[UserId]) -> Vec<u32> {
        users.iter().map(|u| self.loads.get(u).copied().unwrap_or(0)).collect()
    }

    /// A team's queue: open, unassigned chats of the team, with the time
    /// they entered it.
    pub fn team_queue(&self, team: TeamId) -> Vec<(i64, &ConversationRecord)> {
        self.summaries
            .values()
            .filter(|r| {
                r.status == ConversationStatus::Open && r.assignee_id.is_none() && r.team_id == Some(team)
            })
            .map(|r| (r.queued_at_ms.unwrap_or(r.created_at_ms), r))
            .collect()
    }

    /// Ids of the summaries that pass `keep`.
    pub fn ids_where(&self, keep: impl Fn(&ConversationRecord) -> bool) -> Vec<ConversationId> {
        self.summaries.values().filter(|r| keep(r)).map(|r| r.id).collect()
    }

    /// Badge counts of what `viewer` may see.
    pub fn counts(&self, viewer: &Viewer) -> Counts {
        let mut c = Counts::default();
        for r in self.summaries.values().filter(|r| visible(viewer, r)) {
            if r.status == ConversationStatus::Closed {
                c.closed += 1;
                continue;
            }
            c.open += 1;
            c.unread += u32::from(r.unread > 0);
            match r.assignee_id {
                None => {
                    c.not_assigned += 1;
                    if let Some(t) = r.team_id {
                        *c.teams.entry(t.to_string()).or_default() += 1;
                    }
                }
                Some(u) if u == viewer.user_id => c.mine += 1,
                Some(_) => {}
            }
            for l in &r.labels {
                *c.labels.entry(l.clone()).or_default() += 1;
            }
        }
        c
    }

    /// Remembers which conversation a customer has before its first write.
    pub fn reserve(&mut self, wa_id: &str, id: ConversationId) {
        self.reserved.insert(wa_id.to_string(), id);
    }

    /// The conversation of a customer.
    pub fn by_wa_id(&self, wa_id: &str) -> Option<ConversationId> {
        self.reserved.get(wa_id).copied().or_else(|| self.summaries.by_wa_id(wa_id))
    }

    /// One summary.
    pub fn get(&self, id: ConversationId) -> Option<&ConversationRecord> {
        self.summaries.get(id)
    }

    /// Every summary, in no particular order.
    pub fn records(&self) -> impl Iterator<Item = &ConversationRecord> {
        self.summaries.values()
    }

    /// Number of conversations.
    pub fn len(&self) -> usize {
        self.summaries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.summaries.len() == 0
    }

    /// Every chat that may match text query `q` ([`text_matches`]): those
    /// whose name or number holds all of it, and those where each word is
    /// in the name, the number or the history. `None` when there are more
    /// than [`CHECK_EACH_UP_TO`].
    fn text_candidates(&self, q: &str, words: Option<&WordHits>) -> Option<HashSet<ConversationId>> {
        let mut found = self.named(q);
        if found.len() > CHECK_EACH_UP_TO {
            return None; // the words only add to it
        }
        let words = words.filter(|h| !h.words.is_empty());
        if let Some(h) = words {
            // Each word's chats: in its history hits or in a name or number
            // (a one-word query's are the whole query's: no second pass).
            let named = |w: &String| if w == q { found.clone() } else { self.named(w) };
            let each: Vec<(HashSet<ConversationId>, &HashSet<ConversationId>)> =
                h.words.iter().zip(&h.hits).map(|(w, hits)| (named(w), hits)).collect();
            let at = (0..each.len()).min_by_key(|&i| each[i].0.len() + each[i].1.len())?;
            let (named, hits) = &each[at];
            if named.len() + hits.len() > CHECK_EACH_UP_TO {
                return None;
            }
            let in_every_word = |id: &&ConversationId| {
                each.iter()
                    .enumerate()
                    .all(|(i, (named, hits))| i == at || named.contains(*id) || hits.contains(*id))
            };
            found.extend(named.iter().chain(hits.iter()).filter(in_every_word).copied());
        }
        (found.len() <= CHECK_EACH_UP_TO).then_some(found)
    }

    /// The chats whose line in `names` holds `needle`.
    fn named(&self, needle: &str) -> HashSet<ConversationId> {
        self.names.candidates(needle).into_iter().filter_map(|wa_id| self.by_wa_id(wa_id)).collect()
    }

    /// Up to `limit` matching summaries after `cursor`, newest activity first.
    pub fn list(
        &self,
        f: &ListFilter,
        words: Option<&WordHits>,
        limit: usize,
        after: Option<Cursor>,
    ) -> Vec<ConversationRecord> {
        if let Some(few) = f.q.as_deref().and_then(|q| self.text_candidates(q, words)) {
            let mut found: Vec<&ConversationRecord> = few
                .into_iter()
                .filter_map(|id| self.get(id))
                .filter(|r| after.is_none_or(|c| cursor_of(r) < c) && matches(f, words, r))
                .collect();
            found.sort_unstable_by_key(|r| Reverse(cursor_of(r)));
            return found.into_iter().take(limit).cloned().collect();
        }
        let newest_first = match after {
            Some(c) => self.by_recency.range(..c).rev(),
            None => self.by_recency.range(..).rev(),
        };
        newest_first
            .filter_map(|(_, id)| self.get(*id))
            .filter(|r| matches(f, words, r))
            .take(limit)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tenants::{NumberId, Role, TenantId};

    /// A summary for tests, last active at `at`.
    pub(crate) fn record(tenant: TenantId, at: i64, assignee: Option<UserId>) -> ConversationRecord {
        ConversationRecord {
            id: ConversationId::new(),
            tenant_id: tenant,
            number_id: NumberId::new(),
            wa_id: format!("1555{at}"),
            customer_name: Some(format!("Customer {at}").into()),
            status: ConversationStatus::Open,
            assignee_id: assignee,
            team_id: None,
            labels: vec![],
            unread: 0,
            bot_enabled: true,
            last_customer_at_ms: None,
            last_inbound_wamid: None,
            last_message_at_ms: at,
            created_at_ms: at,
            preview: Some("Hello there".into()),
            next_seq: 0,
            queued_at_ms: None,
            assigned_at_ms: None,
            last_agent_reply_at_ms: None,
            window_closed_at_ms: None,
            bot_run: None,
            attributes: Vec::new(),
        }
    }

    #[test]
    fn search_ignores_case_in_ascii_and_other_scripts() {
        assert!(contains_folded("Hello There", "there"));
        assert!(contains_folded("ÉLODIE Martin", "élodie"));
        assert!(contains_folded("anything", ""));
        assert!(contains_folded("ÉLODIE +351 912", "912"), "digits in any text");
        assert!(!contains_folded("ÉLODIE +351 912", "913"));
        assert!(!contains_folded("Hello", "help"));
        assert!(!contains_folded("Hi", "hello"));
    }

    fn filter(viewer: Viewer) -> ListFilter {
        ListFilter {
            viewer,
            status: None,
            assignee: None,
            team: None,
            label: None,
            q: None,
            unread: false,
            labels: vec![],
        }
    }

    #[test]
    fn lists_newest_first_with_cursor_paging() {
        let tenant = TenantId::new();
        let manager = Viewer {
            tenant_id: tenant,
            user_id: UserId::new(),
            role: Role::Manager,
            team_ids: vec![],
            see_unassigned: false,
        };
        let mut index = Index::default();
        for at in 1..=5 {
            index.upsert(record(tenant, at, None));
        }
        let f = filter(manager);
        let first = index.list(&f, None, 2, None);
        assert_eq!(first.iter().map(|r| r.last_message_at_ms).collect::<Vec<_>>(), vec![5, 4]);
        let next = index.list(&f, None, 2, Some(cursor_of(&first[1])));
        assert_eq!(next.iter().map(|r| r.last_message_at_ms).collect::<Vec<_>>(), vec![3, 2]);

        // New activity moves a chat to the top, once: its old place is gone.
        let mut oldest = next[1].clone();
        oldest.last_message_at_ms = 9;
        index.upsert(oldest);
        let all = index.list(&f, None, 10, None);
        assert_eq!(all.iter().map(|r| r.last_message_at_ms).collect::<Vec<_>>(), vec![9, 5, 4, 3, 1]);
        let closed_only = ListFilter { status: Some(ConversationStatus::Closed), ..f };
        assert!(index.list(&closed_only, None, 10, None).is_empty());
    }

    #[test]
    fn staff_only_see_their_own_and_filters_never_widen() {
        let tenant = TenantId::new();
        let staff = Viewer {
            tenant_id: tenant,
            user_id: UserId::new(),
            role: Role::Staff,
            team_ids: vec![],
            see_unassigned: false,
        };
        let mut index = Index::default();
        index.upsert(record(tenant, 1, Some(staff.user_id)));
        index.upsert(record(tenant, 2, None));
        index.upsert(record(tenant, 3, Some(UserId::new())));
        assert_eq!(index.list(&filter(staff.clone()), None, 10, None).len(), 1);
        let mut nobody = filter(staff);
        nobody.assignee = Some(AssigneeFilter::Nobody);
        assert!(index.list(&nobody, None, 10, None).is_empty());
    }

    #[test]
    fn finds_each_customers_chat_by_number_reserved_or_written() {
        let tenant = TenantId::new();
        let mut index = Index::default();
        let reserved = ConversationId::new();
        index.reserve("351900000000", reserved);
        assert_eq!(index.by_wa_id("351900000000"), Some(reserved));
        // Enough chats for the table to grow several times.
        let mut chats = Vec::new();
        for i in 0..5_000 {
            let mut r = record(tenant, i, None);
            r.wa_id = format!("3519{i:08}");
            chats.push((r.wa_id.clone(), r.id));
            index.upsert(r);
        }
        for (wa_id, id) in &chats {
            assert_eq!(index.by_wa_id(wa_id), Some(*id), "{wa_id}");
        }
        let mut first = index.get(chats[0].1).cloned().expect("written");
        first.unread = 3;
        index.upsert(first);
        assert_eq!(index.by_wa_id(&chats[0].0), Some(chats[0].1), "a rewrite keeps it");
        assert_eq!(index.by_wa_id("351999999999"), None);
        // The reserved chat's first summary takes over its reservation.
        let mut written = record(tenant, 9_999, None);
        (written.id, written.wa_id) = (reserved, "351900000000".into());
        index.upsert(written);
        assert!(index.reserved.is_empty());
        assert_eq!(index.by_wa_id("351900000000"), Some(reserved));
    }

    #[test]
    fn searches_name_and_number_and_the_history_by_words() {
        let tenant = TenantId::new();
        let manager = Viewer {
            tenant_id: tenant,
            user_id: UserId::new(),
            role: Role::Manager,
            team_ids: vec![],
            see_unassigned: false,
        };
        let mut index = Index::default();
        index.upsert(record(tenant, 7, None));
        let mut f = filter(manager);
        for q in ["customer 7", "15557"] {
            f.q = Some(q.into());
            assert_eq!(index.list(&f, None, 10, None).len(), 1, "{q}");
        }
        // The latest message's text is found through the history's words.
        f.q = Some("hello".into());
        assert!(index.list(&f, None, 10, None).is_empty());
        let id = index.records().next().expect("one").id;
        let hits = WordHits { words: vec!["hello".into()], hits: vec![[id].into_iter().collect()] };
        assert_eq!(index.list(&f, Some(&hits), 10, None).len(), 1);
        f.q = Some("nobody".into());
        assert!(index.list(&f, None, 10, None).is_empty());
    }

    #[test]
    fn each_query_word_is_found_in_the_history_or_the_summary() {
        let tenant = TenantId::new();
        let manager = Viewer {
            tenant_id: tenant,
            user_id: UserId::new(),
            role: Role::Manager,
            team_ids: vec![],
            see_unassigned: false,
        };
        let mut index = Index::default();
        let (seven, eight) = (record(tenant, 7, None), record(tenant, 8, None));
        let (seven_id, eight_id) = (seven.id, eight.id);
        index.upsert(seven);
        index.upsert(eight);
        let mut f = filter(manager);
        f.q = Some("customer 7 refund".into());
        let words = |hits: Vec<Vec<ConversationId>>| WordHits {
            words: vec!["customer".into(), "7".into(), "refund".into()],
            hits: hits.into_iter().map(|h| h.into_iter().collect()).collect(),
        };
        // "refund" only in 8's history: 7 lacks it, 8 lacks "7".
        let h = words(vec![vec![], vec![], vec![eight_id]]);
        assert!(index.list(&f, Some(&h), 10, None).is_empty());
        // "refund" in 7's history, "customer" and "7" in its name.
        let h = words(vec![vec![], vec![], vec![seven_id]]);
        let found: Vec<ConversationId> = index.list(&f, Some(&h), 10, None).iter().map(|r| r.id).collect();
        assert_eq!(found, [seven_id]);
    }
}

#[cfg(test)]
mod load_tests {
    use super::*;
    use tenants::{NumberId, Role, TenantId};

    #[test]
    fn loads_follow_assignment_and_closing() {
        let tenant = TenantId::new();
        let ann = UserId::new();
        let mut r = ConversationRecord {
            id: ConversationId::new(),
            tenant_id: tenant,
            number_id: NumberId::new(),
            wa_id: "1".into(),
            customer_name: None,
            status: ConversationStatus::Open,
            assignee_id: Some(ann),
            team_id: None,
            labels: vec!["VIP".into()],
            unread: 1,
            bot_enabled: true,
            last_customer_at_ms: None,
            last_inbound_wamid: None,
            last_message_at_ms: 1,
            created_at_ms: 1,
            preview: None,
            next_seq: 0,
            queued_at_ms: None,
            assigned_at_ms: None,
            last_agent_reply_at_ms: None,
            window_closed_at_ms: None,
            bot_run: None,
            attributes: Vec::new(),
        };
        let mut index = Index::default();
        assert_eq!(index.upsert(r.clone()), None);
        assert_eq!(index.loads(&[ann]), vec![1]);
        let viewer = Viewer {
            tenant_id: tenant,
            user_id: ann,
            role: Role::Staff,
            team_ids: vec![],
            see_unassigned: false,
        };
        let c = index.counts(&viewer);
        assert_eq!((c.mine, c.open, c.unread, c.labels.get("VIP").copied()), (1, 1, 1, Some(1)));
        r.status = ConversationStatus::Closed;
        assert_eq!(index.upsert(r), Some(ann), "closing frees capacity");
        assert_eq!(index.loads(&[ann]), vec![0]);
    }
}
