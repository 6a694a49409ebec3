//! The sends each conversation's summary row lists as unsettled
//! (`record::SummaryRow`), as the NumberActor last saw them written: what
//! its Outbox resumes at a start or a respawn. The rows are read after a
//! crash; a clean stop keeps this in its index snapshot instead, since the
//! next start reads no row.
//!
//! Like the rows, it may still name sends settled since; the Outbox reads
//! each message before sending it again.

use std::collections::HashMap;

use tenants::{ConversationId, MessageId};

/// Conversation -> the sends its summary row lists (none: absent).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Unsettled(HashMap<ConversationId, Vec<MessageId>>);

impl Unsettled {
    /// A conversation's summary row was written listing `sends`.
    pub(crate) fn written(&mut self, conversation: ConversationId, sends: Vec<MessageId>) {
        if sends.is_empty() {
            self.0.remove(&conversation);
        } else {
            self.0.insert(conversation, sends);
        }
    }

    /// A send is settled: its chat's row may still list it, but no start
    /// needs to read it again, and a million chats would each keep one.
    pub(crate) fn settled(&mut self, conversation: ConversationId, send: MessageId) {
        if let Some(sends) = self.0.get_mut(&conversation) {
            sends.retain(|s| *s != send);
            if sends.is_empty() {
                self.0.remove(&conversation);
            }
        }
    }

    /// Every conversation that lists sends, with them.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (ConversationId, &[MessageId])> {
        self.0.iter().map(|(c, m)| (*c, m.as_slice()))
    }

    /// As a snapshot stores it.
    pub(crate) fn to_vec(&self) -> Vec<(ConversationId, Vec<MessageId>)> {
        self.0.iter().map(|(c, m)| (*c, m.clone())).collect()
    }
}

impl FromIterator<(ConversationId, Vec<MessageId>)> for Unsettled {
    fn from_iter<I: IntoIterator<Item = (ConversationId, Vec<MessageId>)>>(rows: I) -> Self {
        let mut u = Unsettled::default();
        for (conversation, sends) in rows {
            u.written(conversation, sends);
        }
        u
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_is_listed_while_its_row_lists_sends() {
        let (a, b) = (ConversationId::new(), ConversationId::new());
        let (m1, m2) = (MessageId::new(), MessageId::new());
        let mut u: Unsettled = [(a, vec![m1]), (b, vec![])].into_iter().collect();
        assert_eq!(u.iter().collect::<Vec<_>>(), vec![(a, &[m1][..])], "no entry for none");
        u.written(a, vec![m1, m2]);
        assert_eq!(u.to_vec(), vec![(a, vec![m1, m2])], "the latest write wins");
        u.settled(a, m1);
        assert_eq!(u.to_vec(), vec![(a, vec![m2])]);
        u.settled(b, m2);
        u.settled(a, m2);
        assert_eq!(u.iter().count(), 0, "no entry once none is left");
        u.written(a, vec![m1]);
        u.written(a, vec![]);
        assert_eq!(u.iter().count(), 0);
    }
}
