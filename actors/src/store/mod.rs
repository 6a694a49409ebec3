//! The store: one sled database, a fixed set of named trees, typed records
//! in a versioned bincode envelope, multi-tree batches made crash-atomic by
//! a journal, group commit, and one low-priority thread for writes no
//! acknowledgement waits for (`background`).
//!
//! This module is private to the `actors` crate: only actors write the
//! store, which the compiler checks (`grep -rn 'sled::' src tenants
//! whatsapp` is empty). The seam for another engine is this module's small
//! surface (`get`, `scan_prefix`, `scan_back`, `write`, `durable`), not
//! sled's types: nothing outside `store/` names sled.

mod background;
mod codec;
mod commit;
mod journal;
pub(crate) mod keys;
pub(crate) mod media;

use std::sync::Arc;

use serde::{de::DeserializeOwned, Serialize};

pub(crate) use background::Background;
pub use commit::GroupCommit;
pub(crate) use keys::{key, seq, NO_TENANT};
pub use media::MediaStore;

use crate::error::ActorError;
use crate::metrics::Metrics;

/// The named trees. Their keys are documented beside each variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Tree {
    /// tenant -> `Tenant`
    Tenants,
    /// tenant | number -> `Number`
    Numbers,
    /// tenant (or NO_TENANT) | user -> `User`
    Users,
    /// token hash (32) -> `SessionRecord`
    Sessions,
    /// tenant | team -> `Team`
    Teams,
    /// tenant | label -> `Label`
    Labels,
    /// tenant | number | conversation -> `ConversationRecord`
    Conversations,
    /// tenant | conversation | first seq -> `EventRun` (one commit's events)
    Events,
    /// tenant | conversation | message -> `MessageRecord`
    Messages,
    /// tenant | conversation | wamid -> `MessageId`
    Wamids,
    /// tenant | number | message -> `OutboxEntry`
    Outbox,
    /// tenant | number | message -> the outbox's attempt record (written by
    /// the Outbox only, so it never resurrects a settled entry)
    OutboxAttempts,
    /// tenant | conversation | idempotency key -> `MessageId`
    Idempotency,
    /// tenant -> highest live-event seq reserved (u64)
    Hub,
    /// tenant | team -> a TeamActor's rotation (cursor, recency)
    TeamState,
    /// tenant | canned reply -> `CannedReply`
    CannedReplies,
    /// tenant | flow -> `FlowRecord` (the draft and the live version)
    Flows,
    /// tenant | flow | version (u32) -> the published flow document (JSON)
    FlowVersions,
    /// tenant | conversation | wamid -> `Vec<EarlyStatus>` (statuses that
    /// arrived before the send's wamid was known)
    EarlyStatuses,
    /// tenant | number -> the CatalogActor's copy of the number's catalog
    Catalogs,
    /// tenant | number | order -> `OrderRecord` (written by its conversation)
    Orders,
    /// tenant | number | word | 0 | conversation -> nothing: the words of
    /// every message, for history search (`number::search`)
    Words,
    /// row number (u64) -> a batch being written (`journal`)
    Journal,
    /// tenant | number -> `Vec<ConversationRecord>`: a number's summaries
    /// as a clean shutdown left them (`number::snapshot`)
    IndexSnapshots,
    /// tenant | number -> the chatbot's step counts on that number
    /// (`number::flow_stats`)
    FlowStats,
}

impl Tree {
    const ALL: [Tree; 25] = [
        Tree::Tenants,
        Tree::Numbers,
        Tree::Users,
        Tree::Sessions,
        Tree::Teams,
        Tree::Labels,
        Tree::Conversations,
        Tree::Events,
        Tree::Messages,
        Tree::Wamids,
        Tree::Outbox,
        Tree::OutboxAttempts,
        Tree::Idempotency,
        Tree::Hub,
        Tree::TeamState,
        Tree::CannedReplies,
        Tree::Flows,
        Tree::FlowVersions,
        Tree::EarlyStatuses,
        Tree::Catalogs,
        Tree::Orders,
        Tree::Words,
        Tree::Journal,
        Tree::IndexSnapshots,
        Tree::FlowStats,
    ];

    fn name(self) -> &'static str {
        match self {
            Tree::Tenants => "tenants",
            Tree::Numbers => "numbers",
            Tree::Users => "users",
            Tree::Sessions => "sessions",
            Tree::Teams => "teams",
            Tree::Labels => "labels",
            Tree::Conversations => "conversations",
            Tree::Events => "events",
            Tree::Messages => "messages",
            Tree::Wamids => "wamids",
            Tree::Outbox => "outbox",
            Tree::OutboxAttempts => "outbox_attempts",
            Tree::Idempotency => "idempotency",
            Tree::Hub => "hub",
            Tree::TeamState => "team_state",
            Tree::CannedReplies => "canned_replies",
            Tree::EarlyStatuses => "early_statuses",
            Tree::Flows => "flows",
            Tree::FlowVersions => "flow_versions",
            Tree::Catalogs => "catalogs",
            Tree::Orders => "orders",
            Tree::Words => "words",
            Tree::Journal => "journal",
            Tree::IndexSnapshots => "index_snapshots",
            Tree::FlowStats => "flow_stats",
        }
    }
}

/// Storage settings (from the `[storage]` config section).
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Data directory.
    pub path: std::path::PathBuf,
    /// sled page cache in bytes (sled's default of 1 GiB is far too much).
    pub cache_capacity: u64,
    /// sled's own background flush period; durability never relies on it.
    pub flush_every_ms: Option<u64>,
    /// Least time between the starts of two group-commit flushes (zero: a
    /// flush starts as soon as one is asked for and the last has ended).
    pub commit_interval: std::time::Duration,
}

/// The opened database; cheap to clone (sled handles are reference counted).
#[derive(Clone)]
pub(crate) struct Store {
    db: sled::Db,
    trees: Arc<[sled::Tree]>,
    commit: GroupCommit,
    /// The low-priority thread for writes of derived data.
    background: Background,
    /// The next free row of the write journal.
    journal_next: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

/// Writes that must land together: after a crash, all of them or none
/// (`journal`).
#[derive(Default)]
pub(crate) struct Batch {
    ops: Vec<journal::Op>,
}

impl Batch {
    /// Inserts or replaces `key` with `value`.
    pub(crate) fn put<T: Serialize>(
        &mut self,
        tree: Tree,
        key: Vec<u8>,
        value: &T,
    ) -> Result<(), ActorError> {
        self.ops.push((tree, key, Some(codec::encode(value)?)));
        Ok(())
    }

    /// Removes `key`.
    pub(crate) fn delete(&mut self, tree: Tree, key: Vec<u8>) {
        self.ops.push((tree, key, None));
    }

    /// The keys it puts in or deletes from `tree`.
    pub(crate) fn touches(&self, tree: Tree) -> impl Iterator<Item = &[u8]> {
        self.ops.iter().filter(move |(t, _, _)| *t == tree).map(|(_, k, _)| k.as_slice())
    }

    /// The keys it puts in `tree`.
    pub(crate) fn puts(&self, tree: Tree) -> impl Iterator<Item = &[u8]> {
        self.ops.iter().filter(move |(t, _, v)| *t == tree && v.is_some()).map(|(_, k, _)| k.as_slice())
    }
}

impl Store {
    /// Opens (or creates) the database and starts the group-commit flusher.
    pub(crate) fn open(options: &StoreOptions, metrics: Arc<Metrics>) -> Result<Self, ActorError> {
        std::fs::create_dir_all(&options.path)
            .map_err(|e| ActorError::Store(format!("create {}: {e}", options.path.display())))?;
        let db = sled::Config::new()
            .path(&options.path)
            .cache_capacity(options.cache_capacity)
            .flush_every_ms(options.flush_every_ms)
            .open()
            .map_err(sled_err)?;
        let trees = Tree::ALL
            .iter()
            .map(|t| db.open_tree(t.name()).map_err(sled_err))
            .collect::<Result<Vec<_>, _>>()?;
        let commit = GroupCommit::start(db.clone(), metrics, options.commit_interval)
            .map_err(|e| ActorError::Store(format!("start the group-commit flusher: {e}")))?;
        let background = Background::start()
            .map_err(|e| ActorError::Store(format!("start the background writer: {e}")))?;
        let store = Self { db, trees: trees.into(), commit, background, journal_next: Arc::default() };
        journal::replay(&store)?;
        Ok(store)
    }

    fn tree(&self, tree: Tree) -> &sled::Tree {
        &self.trees[tree as usize]
    }

    /// The group-commit handle.
    pub(crate) fn commit(&self) -> &GroupCommit {
        &self.commit
    }

    /// The thread for writes no acknowledgement waits for.
    pub(crate) fn background(&self) -> &Background {
        &self.background
    }

    /// Reads one record.
    pub(crate) fn get<T: DeserializeOwned>(&self, tree: Tree, key: &[u8]) -> Result<Option<T>, ActorError> {
        match self.tree(tree).get(key).map_err(sled_err)? {
            Some(bytes) => codec::decode(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Like [`Self::get`] for a record type whose layout grew (see
    /// [`Self::scan_prefix_upgrading`]).
    pub(crate) fn get_upgrading<T: DeserializeOwned, Old: DeserializeOwned + Into<T>>(
        &self,
        tree: Tree,
        key: &[u8],
    ) -> Result<Option<T>, ActorError> {
        match self.tree(tree).get(key).map_err(sled_err)? {
            Some(bytes) => upgrade::<T, Old>(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Every record whose key starts with `prefix`, in key order.
    pub(crate) fn scan_prefix<T: DeserializeOwned>(
        &self,
        tree: Tree,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, T)>, ActorError> {
        self.scan_decoding(tree, prefix, |v| codec::decode(v))
    }

    /// Like [`Self::scan_prefix`] for a record type whose layout grew: a
    /// record written in the `Old` layout is read as that and upgraded.
    pub(crate) fn scan_prefix_upgrading<T: DeserializeOwned, Old: DeserializeOwned + Into<T>>(
        &self,
        tree: Tree,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, T)>, ActorError> {
        self.scan_decoding(tree, prefix, upgrade::<T, Old>)
    }

    /// Every record under `prefix`, in key order, decoded by `decode`.
    fn scan_decoding<T>(
        &self,
        tree: Tree,
        prefix: &[u8],
        decode: impl Fn(&[u8]) -> Result<T, ActorError>,
    ) -> Result<Vec<(Vec<u8>, T)>, ActorError> {
        self.tree(tree)
            .scan_prefix(prefix)
            .map(|item| {
                let (k, v) = item.map_err(sled_err)?;
                Ok((k.to_vec(), decode(&v)?))
            })
            .collect()
    }

    /// Inserts raw rows one by one: for derived rows that need no
    /// atomicity with anything else (search words). Not sled's
    /// `apply_batch`, which takes a lock over the whole database and stalls
    /// every writer (it cost a third of the webhook throughput). Durable
    /// with the next group commit.
    pub(crate) fn insert_rows(
        &self,
        tree: Tree,
        rows: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
    ) -> Result<(), ActorError> {
        let tree = self.tree(tree);
        for (k, v) in rows {
            tree.insert(k, v).map_err(sled_err)?;
        }
        Ok(())
    }

    /// Calls `f` with each raw row under `prefix`, in key order, for as
    /// long as it answers `true`.
    pub(crate) fn for_each_row(
        &self,
        tree: Tree,
        prefix: &[u8],
        mut f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), ActorError> {
        for item in self.tree(tree).scan_prefix(prefix) {
            let (k, v) = item.map_err(sled_err)?;
            if !f(&k, &v) {
                break;
            }
        }
        Ok(())
    }

    /// The raw value of the greatest key under `prefix` that is below
    /// `before`.
    pub(crate) fn last_value_before(
        &self,
        tree: Tree,
        prefix: &[u8],
        before: &[u8],
    ) -> Result<Option<Vec<u8>>, ActorError> {
        let last = self.scan_back_decoding(tree, prefix, Some(before), 1, |v| Ok(v.to_vec()))?;
        Ok(last.into_iter().next().map(|(_, v)| v))
    }

    /// The raw values under `prefix`, in key order, read as the iterator
    /// goes (for reading more than fits in memory at once).
    pub(crate) fn values(
        &self,
        tree: Tree,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<Vec<u8>, ActorError>> + 'static {
        self.tree(tree).scan_prefix(prefix).map(|row| row.map(|(_, v)| v.to_vec()).map_err(sled_err))
    }

    /// Whether `key` exists.
    pub(crate) fn contains(&self, tree: Tree, key: &[u8]) -> Result<bool, ActorError> {
        self.tree(tree).contains_key(key).map_err(sled_err)
    }

    /// Up to `limit` records under `prefix` whose key is below `before`
    /// (or all), newest key first.
    pub(crate) fn scan_back<T: DeserializeOwned>(
        &self,
        tree: Tree,
        prefix: &[u8],
        before: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, T)>, ActorError> {
        self.scan_back_decoding(tree, prefix, before, limit, |v| codec::decode(v))
    }

    /// [`Self::scan_back`] for a record type whose layout grew (as
    /// [`Self::scan_prefix_upgrading`]).
    pub(crate) fn scan_back_upgrading<T: DeserializeOwned, Old: DeserializeOwned + Into<T>>(
        &self,
        tree: Tree,
        prefix: &[u8],
        before: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, T)>, ActorError> {
        self.scan_back_decoding(tree, prefix, before, limit, upgrade::<T, Old>)
    }

    fn scan_back_decoding<T>(
        &self,
        tree: Tree,
        prefix: &[u8],
        before: Option<&[u8]>,
        limit: usize,
        decode: impl Fn(&[u8]) -> Result<T, ActorError>,
    ) -> Result<Vec<(Vec<u8>, T)>, ActorError> {
        let start = prefix.to_vec();
        let end = match before {
            Some(b) => b.to_vec(),
            None => prefix_end(prefix),
        };
        self.tree(tree)
            .range(start..end)
            .rev()
            .take(limit)
            .map(|item| {
                let (k, v) = item.map_err(sled_err)?;
                Ok((k.to_vec(), decode(&v)?))
            })
            .collect()
    }

    /// Writes one record (atomic by itself). Not durable until
    /// [`GroupCommit::durable`] resolves.
    pub(crate) fn put<T: Serialize>(&self, tree: Tree, key: Vec<u8>, value: &T) -> Result<(), ActorError> {
        let mut batch = Batch::default();
        batch.put(tree, key, value)?;
        self.write(batch)
    }

    /// Removes one record (atomic by itself).
    pub(crate) fn delete(&self, tree: Tree, key: Vec<u8>) -> Result<(), ActorError> {
        let mut batch = Batch::default();
        batch.delete(tree, key);
        self.write(batch)
    }

    /// Applies a batch: all of it or, after a crash, none (`journal`). Not
    /// durable until [`GroupCommit::durable`] resolves.
    pub(crate) fn write(&self, batch: Batch) -> Result<(), ActorError> {
        if batch.ops.is_empty() {
            return Ok(());
        }
        journal::write(self, batch.ops)
    }

    /// Applies a batch whose every key is new and unreachable until its
    /// last one exists, without the journal: sled recovers a prefix of its
    /// log, so after a crash either the last key is there with all the
    /// others, or the others are leftovers nothing reads. A new chat's
    /// first commit is one: its events and messages live under its own
    /// new id, and its summary, written last, is how anything finds them
    /// (the Outbox, which scans its rows, checks for the summary too).
    /// The caller vouches for the keys; the trees are checked.
    pub(crate) fn write_new(
        &self,
        batch: Batch,
        reached_by: Tree,
        reached_through: &[Tree],
    ) -> Result<(), ActorError> {
        let shape_ok = batch.ops.split_last().is_some_and(|((last, _, v), rest)| {
            *last == reached_by
                && v.is_some()
                && rest.iter().all(|(t, _, v)| v.is_some() && reached_through.contains(t))
        });
        if !shape_ok {
            return self.write(batch);
        }
        journal::apply(self, batch.ops)
    }

    /// Applies a batch op by op without the journal, in the order `rank`
    /// gives (stable within a rank), when `rank` places every op; otherwise
    /// through the journal. sled recovers a prefix of its log, so this is
    /// for changes whose every prefix is harmless or repaired at start,
    /// and `rank` is where the caller says why (see
    /// `conversation::change::unjournaled_rank`).
    pub(crate) fn write_in_order(
        &self,
        batch: Batch,
        rank: impl Fn(Tree, bool) -> Option<u8>,
    ) -> Result<(), ActorError> {
        let ranks: Option<Vec<u8>> = batch.ops.iter().map(|(tree, _, v)| rank(*tree, v.is_some())).collect();
        let Some(ranks) = ranks else {
            return self.write(batch);
        };
        let mut ranked: Vec<_> = ranks.into_iter().zip(batch.ops).collect();
        ranked.sort_by_key(|(r, _)| *r);
        journal::apply(self, ranked.into_iter().map(|(_, op)| op).collect())
    }

    /// Flushes synchronously: the last step of shutdown.
    pub(crate) fn flush_now(&self) -> Result<(), ActorError> {
        self.db.flush().map(|_| ()).map_err(sled_err)
    }
}

/// The smallest key greater than every key starting with `prefix`.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return end;
        }
    }
    vec![u8::MAX; prefix.len() + 1]
}

/// Decodes a record written in the layout `T`, or in the older `Old`
/// that it grew from (bincode carries no field names: `Old`'s bytes fail
/// to decode as `T`, and `T`'s as `Old`).
fn upgrade<T: DeserializeOwned, Old: DeserializeOwned + Into<T>>(bytes: &[u8]) -> Result<T, ActorError> {
    codec::decode::<T>(bytes).or_else(|e| codec::decode::<Old>(bytes).map(Into::into).map_err(|_| e))
}

fn sled_err(e: sled::Error) -> ActorError {
    ActorError::Store(e.to_string())
}

/// A store in a fresh temp dir, for unit tests (inside a tokio runtime).
#[cfg(test)]
pub(crate) fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let opts = StoreOptions {
        path: dir.path().to_path_buf(),
        cache_capacity: 8 << 20,
        flush_every_ms: None,
        commit_interval: Default::default(),
    };
    let store = Store::open(&opts, Arc::new(Metrics::default())).expect("the store opens");
    (dir, store)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    fn open() -> (tempfile::TempDir, Store) {
        temp_store()
    }

    #[tokio::test]
    async fn every_tree_is_opened_at_its_own_index_under_its_own_name() {
        // `tree()` indexes the opened trees by discriminant: ALL must list
        // them in declaration order, or one tree's rows land in another's.
        for (i, tree) in Tree::ALL.iter().enumerate() {
            assert_eq!(*tree as usize, i, "{} is out of order in Tree::ALL", tree.name());
        }
        let (_dir, store) = open();
        for tree in Tree::ALL {
            assert_eq!(store.tree(tree).name(), tree.name().as_bytes());
        }
    }

    #[tokio::test]
    async fn a_ranked_batch_is_written_in_rank_order_without_the_journal() {
        let (_dir, store) = open();
        let mut events = store.tree(Tree::Numbers).watch_prefix(vec![]);
        let mut batch = Batch::default();
        batch.put(Tree::Numbers, b"late".to_vec(), &1u32).unwrap();
        batch.delete(Tree::Numbers, b"gone".to_vec());
        batch.put(Tree::Numbers, b"early".to_vec(), &2u32).unwrap();
        let journaled = store.journal_next.load(Ordering::Relaxed);
        let by_name = |tree: Tree, put: bool| (tree == Tree::Numbers).then_some(if put { 0 } else { 1 });
        store.put(Tree::Numbers, b"gone".to_vec(), &0u32).unwrap();
        assert!(matches!(events.next(), Some(sled::Event::Insert { .. })));
        store.write_in_order(batch, by_name).unwrap();
        let order: Vec<Vec<u8>> = (0..3).filter_map(|_| events.next()).map(|e| e.key().to_vec()).collect();
        assert_eq!(order, [b"late".to_vec(), b"early".to_vec(), b"gone".to_vec()], "puts first, in order");
        assert_eq!(store.journal_next.load(Ordering::Relaxed), journaled, "no journal row");

        // One op the rank does not place sends the whole batch through the journal.
        let mut batch = Batch::default();
        batch.put(Tree::Numbers, b"a".to_vec(), &1u32).unwrap();
        batch.put(Tree::Users, b"b".to_vec(), &1u32).unwrap();
        store.write_in_order(batch, by_name).unwrap();
        assert_eq!(store.journal_next.load(Ordering::Relaxed), journaled + 1);
        assert_eq!(store.get::<u32>(Tree::Users, b"b").unwrap(), Some(1));
    }

    #[tokio::test]
    async fn records_in_an_older_layout_are_read_and_upgraded() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Old {
            a: u32,
        }
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct New {
            a: u32,
            b: Option<u32>,
        }
        impl From<Old> for New {
            fn from(o: Old) -> Self {
                New { a: o.a, b: None }
            }
        }
        let (_dir, store) = open();
        let mut batch = Batch::default();
        batch.put(Tree::Numbers, b"1".to_vec(), &Old { a: 1 }).unwrap();
        batch.put(Tree::Numbers, b"2".to_vec(), &New { a: 2, b: Some(7) }).unwrap();
        store.write(batch).unwrap();
        assert!(store.scan_prefix::<New>(Tree::Numbers, &[]).is_err(), "the old layout is not the new one");
        let read: Vec<New> = store
            .scan_prefix_upgrading::<New, Old>(Tree::Numbers, &[])
            .unwrap()
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(read, vec![New { a: 1, b: None }, New { a: 2, b: Some(7) }]);
    }

    #[tokio::test]
    async fn batch_spans_trees_and_scans_back_newest_first() {
        let (_dir, store) = open();
        let mut batch = Batch::default();
        for i in 0..5u64 {
            batch.put(Tree::Events, key(&[b"p", &seq(i)]), &i).unwrap();
        }
        batch.put(Tree::Hub, b"t".to_vec(), &99u64).unwrap();
        store.write(batch).unwrap();
        store.commit().durable().await.unwrap();
        let back: Vec<(Vec<u8>, u64)> = store.scan_back(Tree::Events, b"p", None, 3).unwrap();
        assert_eq!(back.iter().map(|(_, v)| *v).collect::<Vec<_>>(), vec![4, 3, 2]);
        let before = key(&[b"p", &seq(2)]);
        let older: Vec<(Vec<u8>, u64)> = store.scan_back(Tree::Events, b"p", Some(&before), 10).unwrap();
        assert_eq!(older.iter().map(|(_, v)| *v).collect::<Vec<_>>(), vec![1, 0]);
        assert_eq!(store.get::<u64>(Tree::Hub, b"t").unwrap(), Some(99));
    }

    #[tokio::test]
    async fn a_batch_of_new_keys_lands_whole_with_or_without_the_journal() {
        let (_dir, store) = open();
        let new = |last: Tree| {
            let mut b = Batch::default();
            b.put(Tree::Messages, b"m".to_vec(), &1u64).unwrap();
            b.put(Tree::Events, b"e".to_vec(), &2u64).unwrap();
            b.put(last, b"c".to_vec(), &3u64).unwrap();
            b
        };
        // The summary last: no journal needed.
        store
            .write_new(new(Tree::Conversations), Tree::Conversations, &[Tree::Events, Tree::Messages])
            .unwrap();
        assert_eq!(store.get::<u64>(Tree::Conversations, b"c").unwrap(), Some(3));
        assert_eq!(store.get::<u64>(Tree::Events, b"e").unwrap(), Some(2));
        // Another shape (a row outside the new chat's keys) goes through it.
        store.write_new(new(Tree::Outbox), Tree::Conversations, &[Tree::Events, Tree::Messages]).unwrap();
        assert_eq!(store.get::<u64>(Tree::Outbox, b"c").unwrap(), Some(3));
        assert_eq!(store.get::<u64>(Tree::Messages, b"m").unwrap(), Some(1));
    }

    #[test]
    fn prefix_end_handles_carry() {
        assert_eq!(prefix_end(&[1, 2]), vec![1, 3]);
        assert_eq!(prefix_end(&[1, 255]), vec![2]);
    }
}
