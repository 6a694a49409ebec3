//! The history-search words as sorted segments: a small log-structured
//! merge tree on sled rows, one per number.
//!
//! Each batch the NumberActor takes (`postings`) becomes one segment: its
//! words in order, packed into blocks of about [`BLOCK_BYTES`], one sled
//! row per block, keyed by the block's first word. A batch of a busy
//! number is a few rows, where one row per distinct word cost a sled
//! insert (and its share of node splits) per word: with real text that is
//! several inserts per message, and even the load harness's three words a
//! message cost a tenth of the server's CPU (BENCHMARKS.md).
//!
//! Segments merge by levels: when [`FANOUT`] segments share a level they
//! become one segment of the next level, so a number has at most
//! `FANOUT - 1` segments per level, a few dozen after years, and each word
//! is rewritten once per level. A query word costs two short range reads
//! per segment: the block that starts before it (and may hold it) and the
//! blocks that start with it.
//!
//! Rows, after the number's prefix (`search`): `0xFC` the manifest (which
//! segments exist), `0xFD | segment id | first word` a block. 0xFC and 0xFD
//! start no UTF-8 word, so the word rows of the older layouts, still read
//! and still written by notes and re-indexing, never meet them.
//!
//! Crashes: sled recovers a prefix of its log, so the manifest, written
//! after its segments' blocks, never names a block that is missing. Rows
//! a crash left under an id the manifest does not name yet are cleared
//! before that id is written. The segments a merge replaced are deleted
//! one write later: a search that read the manifest before the merge may
//! still be reading them.
//!
//! Every write of a number's segments runs on the store's single
//! background thread (`store::background`), so they never race on the
//! manifest.

use serde::{Deserialize, Serialize};
use tenants::ConversationId;

use super::postings::WordBatch;
use crate::error::ActorError;
use crate::store::{key, Store, Tree};

/// A block is closed once it holds this many bytes (one word's ids may
/// make it larger).
const BLOCK_BYTES: usize = 4096;
/// Segments of one level that merge into one of the next.
const FANOUT: usize = 4;
/// Key byte of the manifest.
const MANIFEST: u8 = 0xFC;
/// Key byte in front of every block.
const BLOCKS: u8 = 0xFD;

/// Which segments a number has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Manifest {
    /// The id the next segment gets.
    next_id: u64,
    /// Live segments, oldest first.
    segments: Vec<Segment>,
    /// Segments a merge replaced, deleted by the next write.
    dropping: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Segment {
    id: u64,
    level: u8,
}

impl Manifest {
    /// The lowest level holding [`FANOUT`] segments, if any.
    fn full_level(&self) -> Option<u8> {
        let mut levels: Vec<u8> = self.segments.iter().map(|s| s.level).collect();
        levels.sort_unstable();
        levels.chunk_by(|a, b| a == b).find(|same| same.len() >= FANOUT).map(|same| same[0])
    }
}

/// One word and the conversations it occurs in, as a block holds them.
type Entry = (String, Vec<[u8; 16]>);

fn manifest_key(number_prefix: &[u8]) -> Vec<u8> {
    key(&[number_prefix, &[MANIFEST]])
}

fn segment_prefix(number_prefix: &[u8], id: u64) -> Vec<u8> {
    key(&[number_prefix, &[BLOCKS], &id.to_be_bytes()])
}

fn read_manifest(store: &Store, number_prefix: &[u8]) -> Result<Manifest, ActorError> {
    Ok(store.get(Tree::Words, &manifest_key(number_prefix))?.unwrap_or_default())
}

/// Writes `batch` as a new segment, merges full levels, and deletes what
/// the last write's merges replaced. Runs on the background thread.
pub(crate) fn write(store: &Store, number_prefix: &[u8], batch: &WordBatch) -> Result<(), ActorError> {
    let mut m = read_manifest(store, number_prefix)?;
    let before = m.clone();
    for id in std::mem::take(&mut m.dropping) {
        delete_segment(store, number_prefix, id)?;
    }
    if batch.values().any(|ids| !ids.is_empty()) {
        let mut out = SegmentWriter::start(store, number_prefix, &mut m)?;
        for (w, ids) in batch.iter().filter(|(_, ids)| !ids.is_empty()) {
            out.push((w.clone(), ids.iter().map(|c| c.to_bytes()).collect()))?;
        }
        out.finish(&mut m, 0)?;
    }
    while let Some(level) = m.full_level() {
        let (merging, kept): (Vec<Segment>, Vec<Segment>) = m.segments.iter().partition(|s| s.level == level);
        m.segments = kept;
        let mut out = SegmentWriter::start(store, number_prefix, &mut m)?;
        merge(store, number_prefix, &merging, &mut out)?;
        out.finish(&mut m, level + 1)?;
        m.dropping.extend(merging.iter().map(|s| s.id));
    }
    if m != before {
        store.put(Tree::Words, manifest_key(number_prefix), &m)?;
    }
    Ok(())
}

/// Writes a new segment, a block of about [`BLOCK_BYTES`] at a time: a
/// merge holds one block per input and one of output, whatever the size
/// of the number's history.
struct SegmentWriter<'a> {
    store: &'a Store,
    id: u64,
    prefix: Vec<u8>,
    block: Vec<Entry>,
    bytes: usize,
}

impl<'a> SegmentWriter<'a> {
    /// Takes the manifest's next id and clears the rows a crash left
    /// under it before the manifest named it.
    fn start(store: &'a Store, number_prefix: &[u8], m: &mut Manifest) -> Result<Self, ActorError> {
        let id = m.next_id;
        m.next_id += 1;
        delete_segment(store, number_prefix, id)?;
        Ok(Self { store, id, prefix: segment_prefix(number_prefix, id), block: Vec::new(), bytes: 0 })
    }

    /// Adds the next entry (words in order, each once).
    fn push(&mut self, entry: Entry) -> Result<(), ActorError> {
        self.bytes += entry_bytes(&entry);
        self.block.push(entry);
        if self.bytes >= BLOCK_BYTES {
            self.write_block()?;
        }
        Ok(())
    }

    fn write_block(&mut self) -> Result<(), ActorError> {
        let Some(first) = self.block.first() else { return Ok(()) };
        let row = (key(&[&self.prefix, first.0.as_bytes()]), encode(&self.block));
        self.block.clear();
        self.bytes = 0;
        self.store.insert_rows(Tree::Words, [row])
    }

    /// Writes the last block and lists the segment at `level`.
    fn finish(mut self, m: &mut Manifest, level: u8) -> Result<(), ActorError> {
        self.write_block()?;
        m.segments.push(Segment { id: self.id, level });
        Ok(())
    }
}

/// One input of a merge: a segment's entries in word order, read a block
/// at a time.
struct Cursor {
    blocks: Box<dyn Iterator<Item = Result<Vec<u8>, ActorError>>>,
    entries: std::vec::IntoIter<Entry>,
    head: Option<Entry>,
}

impl Cursor {
    fn open(store: &Store, number_prefix: &[u8], id: u64) -> Result<Self, ActorError> {
        let blocks = Box::new(store.values(Tree::Words, &segment_prefix(number_prefix, id)));
        let mut c = Cursor { blocks, entries: Vec::new().into_iter(), head: None };
        c.advance()?;
        Ok(c)
    }

    fn advance(&mut self) -> Result<(), ActorError> {
        loop {
            if let Some(e) = self.entries.next() {
                self.head = Some(e);
                return Ok(());
            }
            match self.blocks.next() {
                Some(block) => self.entries = decode(&block?).into_iter(),
                None => {
                    self.head = None;
                    return Ok(());
                }
            }
        }
    }
}

/// Writes the union of `segments` to `out`, in word order, each word's ids
/// once.
fn merge(
    store: &Store,
    number_prefix: &[u8],
    segments: &[Segment],
    out: &mut SegmentWriter,
) -> Result<(), ActorError> {
    let mut inputs =
        segments.iter().map(|s| Cursor::open(store, number_prefix, s.id)).collect::<Result<Vec<_>, _>>()?;
    while let Some(word) = inputs.iter().filter_map(|c| c.head.as_ref().map(|(w, _)| w)).min().cloned() {
        let mut ids = Vec::new();
        for input in &mut inputs {
            if input.head.as_ref().is_some_and(|(w, _)| *w == word) {
                ids.extend(input.head.take().into_iter().flat_map(|(_, ids)| ids));
                input.advance()?;
            }
        }
        ids.sort_unstable();
        ids.dedup();
        out.push((word, ids))?;
    }
    Ok(())
}

fn delete_segment(store: &Store, number_prefix: &[u8], id: u64) -> Result<(), ActorError> {
    let mut rows = Vec::new();
    store.for_each_row(Tree::Words, &segment_prefix(number_prefix, id), |k, _| {
        rows.push(k.to_vec());
        true
    })?;
    rows.into_iter().try_for_each(|k| store.delete(Tree::Words, k))
}

/// A number's segments as one search sees them: the manifest is read once
/// per search, not once per query word.
pub(crate) struct Segments {
    number_prefix: Vec<u8>,
    manifest: Manifest,
}

impl Segments {
    /// Reads which segments the number has now.
    pub(crate) fn open(store: &Store, number_prefix: &[u8]) -> Result<Self, ActorError> {
        Ok(Self { number_prefix: number_prefix.to_vec(), manifest: read_manifest(store, number_prefix)? })
    }

    /// Adds the conversations with a word starting with `word`, up to `max`.
    pub(crate) fn add_hits(
        &self,
        store: &Store,
        word: &str,
        found: &mut std::collections::HashSet<ConversationId>,
        max: usize,
    ) -> Result<(), ActorError> {
        let mut take = |block: &[u8]| {
            for (w, ids) in decode(block) {
                if w.starts_with(word) {
                    found.extend(ids.into_iter().map(ConversationId::from_bytes));
                }
            }
            found.len() < max
        };
        for s in self.manifest.segments.iter().rev() {
            let prefix = segment_prefix(&self.number_prefix, s.id);
            let from = key(&[&prefix, word.as_bytes()]);
            // The block before the word's may run on into it...
            if let Some(block) = store.last_value_before(Tree::Words, &prefix, &from)? {
                if !take(&block) {
                    return Ok(());
                }
            }
            // ...and every block starting with it holds some of it.
            let mut more = true;
            store.for_each_row(Tree::Words, &from, |_, block| {
                more = take(block);
                more
            })?;
            if !more {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// A block: per entry `[word length u8][word][id count u32 LE][ids]`.
fn encode(block: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.iter().map(entry_bytes).sum());
    for (word, ids) in block {
        // Words are cut to 40 bytes (`search::MAX_WORD_BYTES`).
        let word = &word.as_bytes()[..word.len().min(u8::MAX as usize)];
        out.push(word.len() as u8);
        out.extend_from_slice(word);
        out.extend_from_slice(&(ids.len() as u32).to_le_bytes());
        ids.iter().for_each(|id| out.extend_from_slice(id));
    }
    out
}

/// An entry's encoded size: its word's length byte, the word, the id
/// count and the ids.
fn entry_bytes((word, ids): &Entry) -> usize {
    1 + word.len() + 4 + 16 * ids.len()
}

/// The entries of a block; a damaged tail is left out (and logged).
fn decode(mut block: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = block.split_first() {
        let Some(parsed) = decode_entry(rest, usize::from(len)) else {
            tracing::warn!("a damaged search-word block: its tail is skipped");
            break;
        };
        out.push(parsed.0);
        block = parsed.1;
    }
    out
}

fn decode_entry(rest: &[u8], len: usize) -> Option<(Entry, &[u8])> {
    let (word, rest) = rest.split_at_checked(len)?;
    let word = std::str::from_utf8(word).ok()?.to_string();
    let (count, rest) = rest.split_first_chunk::<4>()?;
    let (ids, rest) = rest.split_at_checked(16 * u32::from_le_bytes(*count) as usize)?;
    let ids = ids.chunks_exact(16).filter_map(|c| c.try_into().ok()).collect();
    Some(((word, ids), rest))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use tenants::{NumberId, TenantId};

    use super::*;
    use crate::number::search::number_prefix;

    fn batch(words: &[(&str, ConversationId)]) -> WordBatch {
        let mut b = WordBatch::new();
        for (w, c) in words {
            b.entry(w.to_string()).or_default().push(*c);
        }
        b
    }

    fn hits(store: &Store, prefix: &[u8], word: &str) -> HashSet<ConversationId> {
        let mut found = HashSet::new();
        Segments::open(store, prefix).unwrap().add_hits(store, word, &mut found, usize::MAX).unwrap();
        found
    }

    #[tokio::test]
    async fn merged_levels_find_every_word_by_its_beginning_and_stay_few() {
        let (_dir, store) = crate::store::temp_store();
        let prefix = number_prefix(TenantId::new(), NumberId::new());
        let chats: Vec<ConversationId> = (0..40).map(|_| ConversationId::new()).collect();
        for (i, c) in chats.iter().enumerate() {
            let number = format!("order{i:03}");
            write(&store, &prefix, &batch(&[("refund", *c), (&number, *c)])).unwrap();
        }
        let m = read_manifest(&store, &prefix).unwrap();
        assert!(m.segments.len() < 2 * (FANOUT - 1), "40 writes leave few segments: {m:?}");
        assert!(m.segments.iter().any(|s| s.level >= 2), "merged twice: {m:?}");
        assert_eq!(hits(&store, &prefix, "ref"), chats.iter().copied().collect(), "in every level");
        assert_eq!(hits(&store, &prefix, "order007"), HashSet::from([chats[7]]));
        assert_eq!(hits(&store, &prefix, "order01").len(), 10);
        assert!(hits(&store, &prefix, "parcel").is_empty());
        // Another number sees none of it.
        assert!(hits(&store, &number_prefix(TenantId::new(), NumberId::new()), "ref").is_empty());
    }

    #[tokio::test]
    async fn a_word_is_found_in_the_block_before_its_own_and_in_several_blocks() {
        let (_dir, store) = crate::store::temp_store();
        let prefix = number_prefix(TenantId::new(), NumberId::new());
        let c = ConversationId::new();
        let words: Vec<String> = (0..2000).map(|i| format!("w{i:05}")).collect();
        let many: Vec<(&str, ConversationId)> = words.iter().map(|w| (w.as_str(), c)).collect();
        write(&store, &prefix, &batch(&many)).unwrap();
        let mut rows = 0;
        store
            .for_each_row(Tree::Words, &segment_prefix(&prefix, 0), |_, _| {
                rows += 1;
                true
            })
            .unwrap();
        assert!(rows > 5, "2,000 words make several blocks, not {rows}");
        // Each word, wherever its block starts.
        for w in &words {
            assert_eq!(hits(&store, &prefix, w), HashSet::from([c]), "{w}");
        }
        let mut found = HashSet::new();
        Segments::open(&store, &prefix).unwrap().add_hits(&store, "w0", &mut found, usize::MAX).unwrap();
        assert_eq!(found, HashSet::from([c]), "a prefix spanning every block");
    }

    #[tokio::test]
    async fn a_merge_of_many_blocks_keeps_every_word_in_order_with_its_ids_once() {
        let (_dir, store) = crate::store::temp_store();
        let prefix = number_prefix(TenantId::new(), NumberId::new());
        let (same, chats) = (ConversationId::new(), [(); FANOUT].map(|_| ConversationId::new()));
        // Each write: 1,500 words (several blocks), half of them shared
        // with the next write, all said by `same` too.
        for (i, c) in chats.iter().enumerate() {
            let words: Vec<String> = (i * 750..i * 750 + 1500).map(|n| format!("w{n:05}")).collect();
            let mut b = WordBatch::new();
            for w in &words {
                b.entry(w.clone()).or_default().extend([*c, same]);
            }
            write(&store, &prefix, &b).unwrap();
        }
        let m = read_manifest(&store, &prefix).unwrap();
        assert_eq!(m.segments.len(), 1, "merged into one: {m:?}");
        let mut merged = Vec::new();
        store
            .for_each_row(Tree::Words, &segment_prefix(&prefix, m.segments[0].id), |_, block| {
                merged.extend(decode(block));
                true
            })
            .unwrap();
        let words: Vec<&String> = merged.iter().map(|(w, _)| w).collect();
        assert!(words.windows(2).all(|p| p[0] < p[1]), "in order, each once");
        assert_eq!(merged.len(), 750 * (FANOUT + 1));
        assert!(merged.iter().all(|(_, ids)| ids.windows(2).all(|p| p[0] < p[1])), "ids sorted, once");
        assert_eq!(hits(&store, &prefix, "w00750"), HashSet::from([chats[0], chats[1], same]));
        assert_eq!(hits(&store, &prefix, "w00000"), HashSet::from([chats[0], same]));
    }

    #[tokio::test]
    async fn replaced_segments_go_one_write_later_and_crash_leftovers_before_reuse() {
        let (_dir, store) = crate::store::temp_store();
        let prefix = number_prefix(TenantId::new(), NumberId::new());
        let (a, b) = (ConversationId::new(), ConversationId::new());
        // A crash left a block under the id the next segment gets.
        store
            .insert_rows(
                Tree::Words,
                [(
                    key(&[&segment_prefix(&prefix, 0), b"ghost"]),
                    encode(&[("ghost".into(), vec![b.to_bytes()])]),
                )],
            )
            .unwrap();
        for _ in 0..FANOUT {
            write(&store, &prefix, &batch(&[("parcel", a)])).unwrap();
        }
        assert!(hits(&store, &prefix, "ghost").is_empty(), "the leftover was cleared");
        let m = read_manifest(&store, &prefix).unwrap();
        assert_eq!(m.segments, vec![Segment { id: FANOUT as u64, level: 1 }]);
        assert_eq!(m.dropping.len(), FANOUT, "kept for searches under way");
        assert_eq!(hits(&store, &prefix, "parcel"), HashSet::from([a]));
        write(&store, &prefix, &WordBatch::new()).unwrap();
        assert!(read_manifest(&store, &prefix).unwrap().dropping.is_empty());
        for id in 0..FANOUT as u64 {
            let mut left = 0;
            store
                .for_each_row(Tree::Words, &segment_prefix(&prefix, id), |_, _| {
                    left += 1;
                    true
                })
                .unwrap();
            assert_eq!(left, 0, "segment {id} deleted");
        }
        assert_eq!(hits(&store, &prefix, "parcel"), HashSet::from([a]));
    }

    #[test]
    fn a_block_decodes_to_its_entries_and_a_damaged_one_to_its_sound_part() {
        let c = ConversationId::new().to_bytes();
        let entries: Vec<Entry> = vec![("été".into(), vec![c]), ("zebra".into(), vec![c, c])];
        let bytes = encode(&entries);
        assert_eq!(decode(&bytes), entries);
        assert_eq!(decode(&bytes[..bytes.len() - 3]), entries[..1].to_vec());
    }
}
