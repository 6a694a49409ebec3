//! Search over every message of a number's conversations, not only the
//! latest one the summary holds.
//!
//! The words of each message are kept in sled under `tenant | number`,
//! sorted, so the conversations with a word that *starts with* a query
//! word (search as you type: "refu" finds "refund") come from range reads,
//! and none of it lives in memory: a million idle conversations still cost
//! only their summaries. The words conversations hand over are written in
//! sorted segments (`segments`). Notes, and the re-indexing after a crash
//! or of an older data directory, write word rows
//! `word | 0 | batch -> conversation ids` (16 bytes each) at once; rows of
//! the first layout, value-less keys `... | 0 | conversation`, are read as
//! well. The in-memory index keeps the other conditions (visibility,
//! status, labels), and a conversation matches when each query word is in
//! its history, its customer's name or its number.
//!
//! Words are runs of letters and digits, lowercased, in any script. Text
//! without spaces between words (Chinese, Japanese, Thai) is found by its
//! beginning only; that is a known limit of word keys.

use std::collections::HashSet;

use tenants::{ConversationId, NumberId, TenantId};

use crate::conversation::record::{Direction, MessageRecord};
use crate::error::ActorError;
use crate::store::{key, Store, Tree};
use crate::view::MessageView;

use super::postings::WordBatch;

/// Longest word kept, in bytes (longer ones are cut at a character edge).
const MAX_WORD_BYTES: usize = 40;
/// Most words kept from one message (a 4,096-character text has at most
/// ~700; the first ones say what it is about).
const MAX_WORDS: usize = 200;
/// Most words of a query (more only narrows, at the cost of a scan each).
const MAX_QUERY_WORDS: usize = 8;
/// Most conversations one query word may match; past that the word is too
/// common to narrow anything and the scan is cut short.
const MAX_HITS: usize = 200_000;
/// Separates the word from the conversation id in a key; never in a word.
const END_OF_WORD: u8 = 0;
/// Key of the marker saying a number's older messages were indexed: 0xFF
/// starts no UTF-8 word, so no word scan ever meets it.
const INDEXED_MARKER: u8 = 0xFF;
/// Key of the number's word checkpoint (`postings`); 0xFE starts no UTF-8
/// word either.
pub(crate) const CHECKPOINT_MARKER: u8 = 0xFE;

/// Longest run of digits kept as a word: phone and order numbers are
/// shorter; longer runs are ids and timestamps nobody types, and each would
/// cost a write.
const MAX_DIGITS: usize = 15;

/// The distinct words of `text`, lowercased, at most [`MAX_WORDS`]. Single
/// characters are left out: a one-letter query would match every word
/// starting with it anyway, so storing them buys nothing.
pub fn words(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().nth(1).is_some())
        .filter(|w| w.len() <= MAX_DIGITS || !w.bytes().all(|b| b.is_ascii_digit()))
        .map(|w| cut(w.to_lowercase()))
        .filter(|w| seen.insert(w.clone()))
        .take(MAX_WORDS)
        .collect()
}

/// Whether a new message's words go into the index: the customer's, and
/// what a person on the team wrote. What the chatbot or the system sends
/// (greetings, menus, order notices) is the same text in every chat: it
/// would make those words match everything, and cost a write each time.
pub fn worth_indexing(m: &MessageRecord) -> bool {
    m.direction == Direction::In || m.author_id.is_some()
}

/// The words of a query, in order, at most [`MAX_QUERY_WORDS`].
pub fn query_words(q: &str) -> Vec<String> {
    let mut w = words(q);
    w.truncate(MAX_QUERY_WORDS);
    w
}

fn cut(mut word: String) -> String {
    if word.len() > MAX_WORD_BYTES {
        let mut end = MAX_WORD_BYTES;
        while !word.is_char_boundary(end) {
            end -= 1;
        }
        word.truncate(end);
    }
    word
}

pub(crate) fn number_prefix(tenant: TenantId, number: NumberId) -> Vec<u8> {
    key(&[&tenant.to_bytes(), &number.to_bytes()])
}

/// Writes one row per word of `batch`, under a fresh batch id: for the
/// few words written at once (notes, re-indexing), not the stream of
/// every message's (`segments`).
pub(crate) fn insert_batch(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    batch: &WordBatch,
) -> Result<(), ActorError> {
    let prefix = number_prefix(tenant, number);
    let id = uuid::Uuid::now_v7();
    store.insert_rows(
        Tree::Words,
        batch.iter().filter(|(_, ids)| !ids.is_empty()).map(|(w, ids)| {
            let ids: Vec<u8> = ids.iter().flat_map(|c| c.to_bytes()).collect();
            (key(&[&prefix, w.as_bytes(), &[END_OF_WORD], id.as_bytes()]), ids)
        }),
    )
}

/// For each query word, the conversations of the number with a word
/// starting with it.
#[derive(Debug, Clone, Default)]
pub struct WordHits {
    /// The query words, lowercased.
    pub words: Vec<String>,
    /// Per word, where it occurs.
    pub hits: Vec<HashSet<ConversationId>>,
}

/// Looks the query words up.
pub(crate) fn find(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    words: Vec<String>,
) -> Result<WordHits, ActorError> {
    let prefix = number_prefix(tenant, number);
    let segments = super::segments::Segments::open(store, &prefix)?;
    let hits = words
        .iter()
        .map(|w| {
            let mut found = HashSet::new();
            segments.add_hits(store, w, &mut found, MAX_HITS)?;
            store.for_each_row(Tree::Words, &key(&[&prefix, w.as_bytes()]), |k, ids| {
                if ids.is_empty() {
                    found.extend(conversation_of(k));
                } else {
                    let ids = ids.chunks_exact(16).filter_map(|c| c.try_into().ok());
                    found.extend(ids.map(ConversationId::from_bytes));
                }
                found.len() < MAX_HITS
            })?;
            Ok(found)
        })
        .collect::<Result<_, ActorError>>()?;
    Ok(WordHits { words, hits })
}

fn conversation_of(k: &[u8]) -> Option<ConversationId> {
    let id: [u8; 16] = k.get(k.len().checked_sub(16)?..)?.try_into().ok()?;
    (k.get(k.len() - 17) == Some(&END_OF_WORD)).then(|| ConversationId::from_bytes(id))
}

/// Indexes the words of the messages stored at or after `since_ms` in the
/// given conversations (one row per word and conversation); returns how
/// many messages were read. Inserting a word twice is harmless.
pub(crate) fn index_messages(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    conversations: Vec<ConversationId>,
    since_ms: i64,
) -> Result<usize, ActorError> {
    let mut read = 0;
    for id in conversations {
        let mut batch = WordBatch::new();
        crate::conversation::newest_messages(store, tenant, id, since_ms, usize::MAX, |m| {
            read += 1;
            if worth_indexing(m) {
                for w in MessageView::new(m).text.as_deref().map(words).unwrap_or_default() {
                    super::postings::add_to(&mut batch, w, id);
                }
            }
            true
        })?;
        insert_batch(store, tenant, number, &batch)?;
    }
    Ok(read)
}

/// Indexes the messages a number stored before this index existed (a data
/// directory from an older version), once: a marker key says it is done.
/// Runs beside live traffic; until it finishes, older messages are found
/// by their summary only.
pub(crate) fn backfill(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    conversations: Vec<ConversationId>,
) -> Result<(), ActorError> {
    let marker = key(&[&number_prefix(tenant, number), &[INDEXED_MARKER]]);
    if store.contains(Tree::Words, &marker)? {
        return Ok(());
    }
    index_messages(store, tenant, number, conversations, i64::MIN)?;
    store.insert_rows(Tree::Words, [(marker, Vec::new())])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The keys of the first layout: value-less, one per word and conversation.
    fn word_keys(
        tenant: TenantId,
        number: NumberId,
        conversation: ConversationId,
        words: &[String],
    ) -> impl Iterator<Item = Vec<u8>> + '_ {
        let prefix = number_prefix(tenant, number);
        words.iter().map(move |w| key(&[&prefix, w.as_bytes(), &[END_OF_WORD], &conversation.to_bytes()]))
    }

    #[test]
    fn words_are_lowercased_runs_of_letters_and_digits_once_each() {
        assert_eq!(
            words("Refund for order #A-1234, please! REFUND"),
            ["refund", "for", "order", "1234", "please"]
        );
        assert_eq!(
            words("call +351 912 345 678 at 1733400000123456789"),
            ["call", "351", "912", "345", "678", "at"]
        );
    }

    #[test]
    fn words_in_other_scripts_are_kept_and_lowered() {
        assert_eq!(words("مرحبا بك — Ünïcode ΣΟΦΙΑ 👍"), ["مرحبا", "بك", "ünïcode", "σοφια"]);
    }

    #[test]
    fn long_words_are_cut_at_a_character_edge_and_many_words_capped() {
        let long = "é".repeat(30);
        let w = words(&long);
        assert_eq!(w[0].len(), 40);
        let many: String = (0..1000).map(|i| format!("w{i} ")).collect();
        assert_eq!(words(&many).len(), MAX_WORDS);
        assert_eq!(query_words(&many).len(), MAX_QUERY_WORDS);
    }

    /// A customer's note-shaped message stored at `at_ms`.
    pub(crate) fn message(conversation: ConversationId, text: &str, at_ms: i64) -> MessageRecord {
        use crate::conversation::record::{Body, MessageStatus};
        MessageRecord {
            id: tenants::MessageId::new(),
            conversation_id: conversation,
            direction: Direction::In,
            body: Body::Note { text: text.into(), mentions: vec![] },
            wamid: None,
            status: MessageStatus::Received,
            error: None,
            author_id: None,
            created_at_ms: at_ms,
            sent_at_ms: None,
            reply_to: None,
            reactions: Vec::new(),
            media: None,
            forwarded: false,
            referral: None,
        }
    }

    #[tokio::test]
    async fn older_messages_are_indexed_once_by_the_backfill() {
        let (_dir, store) = crate::store::temp_store();
        let (t, n) = (TenantId::new(), NumberId::new());
        let (a, b) = (ConversationId::new(), ConversationId::new());
        let mut batch = crate::store::Batch::default();
        for (c, text) in [(a, "parcel crushed"), (a, "refund please"), (b, "parcel fine")] {
            let m = message(c, text, 0);
            batch.put(Tree::Messages, key(&[&t.to_bytes(), &c.to_bytes(), &m.id.to_bytes()]), &m).unwrap();
        }
        store.write(batch).unwrap();
        let lookup = |w: &[&str]| {
            let found = find(&store, t, n, w.iter().map(|w| w.to_string()).collect()).unwrap();
            found.hits.into_iter().map(|h| h.len()).collect::<Vec<_>>()
        };
        assert_eq!(lookup(&["parcel", "refund"]), [0, 0], "nothing indexed yet");

        backfill(&store, t, n, vec![a, b]).unwrap();
        let found = find(&store, t, n, vec!["parcel".into(), "ref".into(), "fine".into()]).unwrap();
        assert_eq!(found.hits[0], HashSet::from([a, b]));
        assert_eq!(found.hits[1], HashSet::from([a]));
        assert_eq!(found.hits[2], HashSet::from([b]));
        // The marker makes a second run a no-op, and never matches a word.
        let c = ConversationId::new();
        backfill(&store, t, n, vec![c]).unwrap();
        // Six words and the marker.
        let mut rows = 0;
        store
            .for_each_row(Tree::Words, &number_prefix(t, n), |_, _| {
                rows += 1;
                true
            })
            .unwrap();
        assert_eq!(rows, 7);
        // Another number of the tenant has words of its own.
        assert_eq!(find(&store, t, NumberId::new(), vec!["parcel".into()]).unwrap().hits[0].len(), 0);
    }

    #[test]
    fn the_customers_and_the_teams_words_are_indexed_the_bots_are_not() {
        let c = ConversationId::new();
        let mut m = message(c, "Welcome! Sales or Support?", 0);
        m.direction = Direction::Out;
        assert!(!worth_indexing(&m), "a chatbot message");
        m.author_id = Some(tenants::UserId::new());
        assert!(worth_indexing(&m), "an agent's reply");
        m.direction = Direction::Internal;
        assert!(worth_indexing(&m), "an agent's note");
        m.direction = Direction::In;
        m.author_id = None;
        assert!(worth_indexing(&m), "the customer");
    }

    #[test]
    fn a_key_gives_back_its_conversation() {
        let (t, n, c) = (TenantId::new(), NumberId::new(), ConversationId::new());
        let keys: Vec<Vec<u8>> = word_keys(t, n, c, &["hello".into()]).collect();
        assert_eq!(conversation_of(&keys[0]), Some(c));
        assert!(keys[0].starts_with(&key(&[&number_prefix(t, n), b"hel"])));
    }
}
