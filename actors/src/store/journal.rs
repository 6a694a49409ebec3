//! The write journal: how a multi-key [`Batch`](super::Batch) lands
//! atomically without sled transactions.
//!
//! sled 0.34.7 runs every transaction (and `apply_batch`) under one lock
//! over the whole database, and once a transaction has run, every read and
//! insert anywhere takes that lock's read side. Under webhook load the
//! conversations' commits queued behind each other on it: writing batches
//! as plain inserts almost doubled the durable webhook throughput
//! (BENCHMARKS.md).
//!
//! Atomicity across a crash comes from sled's log instead: recovery keeps a
//! prefix of the log (sled's `pagecache::segment` docs), so a write that
//! survives implies every write issued before it survives. A batch is
//! therefore written as
//!
//! 1. one journal row holding the whole batch (a single key: atomic),
//! 2. its operations, one by one, in order,
//! 3. the removal of the journal row.
//!
//! After a crash either the journal row is gone with everything after it
//! (nothing of the batch happened), or it survived and [`replay`] applies
//! the batch again at the next open (the operations are idempotent puts
//! and deletes). A leftover row cannot overwrite newer data: a later write
//! of the same key was issued after the row's removal, so if it survived,
//! so did the removal.
//!
//! What this does not give is isolation: a reader running during step 2
//! may see part of a batch. Every key has one owning actor, which only
//! reads its own writes after they are complete, and list views show a
//! conversation whose summary and message arrive a moment apart.
//!
//! Row layout: a sequence of `[tree u8][key len u32][key][0|1][value len
//! u32][value]`, the value parts present only after a 1.

use std::sync::atomic::Ordering;

use crate::error::ActorError;

use super::{sled_err, Store, Tree};

/// One operation: put (`Some`) or delete (`None`) of `key` in `tree`.
pub(super) type Op = (Tree, Vec<u8>, Option<Vec<u8>>);

/// Writes `ops` through the journal (steps 1 to 3 above). A batch of one
/// operation is atomic by itself and skips the journal.
pub(super) fn write(store: &Store, ops: Vec<Op>) -> Result<(), ActorError> {
    if ops.len() == 1 {
        return apply(store, ops);
    }
    let journal = store.tree(Tree::Journal);
    let row_key = store.journal_next.fetch_add(1, Ordering::Relaxed).to_be_bytes();
    journal.insert(row_key, encode(&ops)).map_err(sled_err)?;
    // On an error the row stays, and the next open finishes the batch.
    apply(store, ops)?;
    journal.remove(row_key).map_err(sled_err)?;
    Ok(())
}

/// Finishes every batch a crash interrupted, oldest first, and moves the
/// journal's next free row number past them.
pub(super) fn replay(store: &Store) -> Result<(), ActorError> {
    let journal = store.tree(Tree::Journal);
    let mut next = 0;
    for row in journal.iter() {
        let (row_key, row) = row.map_err(sled_err)?;
        apply(store, decode(&row)?)?;
        journal.remove(&row_key).map_err(sled_err)?;
        let n = row_key.as_ref().try_into().map(u64::from_be_bytes).unwrap_or_default();
        next = next.max(n + 1);
        tracing::info!(journal.row = n, "finished a write interrupted by a crash");
    }
    store.journal_next.fetch_max(next, Ordering::Relaxed);
    Ok(())
}

/// The operations, one by one, in order.
pub(super) fn apply(store: &Store, ops: Vec<Op>) -> Result<(), ActorError> {
    for (tree, key, value) in ops {
        let tree = store.tree(tree);
        match value {
            Some(v) => tree.insert(key, v).map_err(sled_err)?,
            None => tree.remove(key).map_err(sled_err)?,
        };
    }
    Ok(())
}

/// The journal row of `ops`.
pub(super) fn encode(ops: &[Op]) -> Vec<u8> {
    let size = ops.iter().map(|(_, k, v)| 10 + k.len() + v.as_ref().map_or(0, |v| 4 + v.len())).sum();
    let mut out = Vec::with_capacity(size);
    for (tree, key, value) in ops {
        out.push(*tree as u8);
        put_bytes(&mut out, key);
        match value {
            Some(v) => {
                out.push(1);
                put_bytes(&mut out, v);
            }
            None => out.push(0),
        }
    }
    out
}

/// The operations of a journal row written by [`encode`].
pub(super) fn decode(mut row: &[u8]) -> Result<Vec<Op>, ActorError> {
    let mut ops = Vec::new();
    while let Some((&tree, rest)) = row.split_first() {
        let tree = *Tree::ALL
            .get(usize::from(tree))
            .ok_or_else(|| ActorError::Store(format!("journal: unknown tree {tree}")))?;
        let (key, rest) = take_bytes(rest)?;
        let (value, rest) = match rest.split_first() {
            Some((0, rest)) => (None, rest),
            Some((1, rest)) => {
                let (v, rest) = take_bytes(rest)?;
                (Some(v), rest)
            }
            _ => return Err(ActorError::Store("journal: bad operation tag".into())),
        };
        ops.push((tree, key, value));
        row = rest;
    }
    Ok(ops)
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn take_bytes(row: &[u8]) -> Result<(Vec<u8>, &[u8]), ActorError> {
    let truncated = || ActorError::Store("journal: truncated row".into());
    let (len, rest) = row.split_first_chunk::<4>().ok_or_else(truncated)?;
    let len = u32::from_be_bytes(*len) as usize;
    if rest.len() < len {
        return Err(truncated());
    }
    let (bytes, rest) = rest.split_at(len);
    Ok((bytes.to_vec(), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_decodes_to_the_operations_it_was_made_of() {
        let ops: Vec<Op> = vec![
            (Tree::Messages, b"m1".to_vec(), Some(vec![1, 2, 3])),
            (Tree::Outbox, b"o1".to_vec(), None),
            (Tree::Words, b"w".to_vec(), Some(Vec::new())),
            (Tree::Conversations, Vec::new(), Some(vec![9; 300])),
        ];
        assert_eq!(decode(&encode(&ops)).unwrap(), ops);
        assert!(decode(&[]).unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_written_batch_leaves_no_journal_row() {
        let (_dir, store) = super::super::temp_store();
        let mut batch = super::super::Batch::default();
        batch.put(Tree::Messages, b"m".to_vec(), &1u32).unwrap();
        batch.put(Tree::Conversations, b"c".to_vec(), &2u32).unwrap();
        store.write(batch).unwrap();
        assert_eq!(store.get::<u32>(Tree::Messages, b"m").unwrap(), Some(1));
        assert_eq!(store.get::<u32>(Tree::Conversations, b"c").unwrap(), Some(2));
        assert!(store.tree(Tree::Journal).is_empty());
    }

    #[tokio::test]
    async fn a_batch_a_crash_interrupted_is_finished_oldest_first_at_the_next_open() {
        let (_dir, store) = super::super::temp_store();
        // What a crash after step 1 (and part of step 2) leaves: two rows,
        // the first operation of the second applied, and a key both set.
        let journal = store.tree(Tree::Journal);
        let value = |n: u32| Some(super::super::codec::encode(&n).unwrap());
        let first =
            vec![(Tree::Messages, b"m1".to_vec(), value(1)), (Tree::Conversations, b"c".to_vec(), value(1))];
        let second = vec![
            (Tree::Messages, b"m2".to_vec(), value(2)),
            (Tree::Conversations, b"c".to_vec(), value(2)),
            (Tree::Outbox, b"gone".to_vec(), None),
        ];
        journal.insert(7u64.to_be_bytes(), encode(&first)).unwrap();
        journal.insert(8u64.to_be_bytes(), encode(&second)).unwrap();
        store.tree(Tree::Messages).insert(b"m2", value(2).unwrap()).unwrap();
        store.tree(Tree::Outbox).insert(b"gone", value(0).unwrap()).unwrap();

        replay(&store).unwrap();

        assert_eq!(store.journal_next.load(Ordering::Relaxed), 9, "new rows never reuse a number");
        assert!(journal.is_empty());
        assert_eq!(store.get::<u32>(Tree::Messages, b"m1").unwrap(), Some(1));
        assert_eq!(store.get::<u32>(Tree::Messages, b"m2").unwrap(), Some(2));
        assert_eq!(store.get::<u32>(Tree::Conversations, b"c").unwrap(), Some(2), "the later batch wins");
        assert_eq!(store.get::<u32>(Tree::Outbox, b"gone").unwrap(), None);
    }

    #[test]
    fn a_damaged_row_is_an_error_not_a_guess() {
        let row = encode(&[(Tree::Messages, b"key".to_vec(), Some(b"value".to_vec()))]);
        for cut in 1..row.len() {
            assert!(decode(&row[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode(&[200, 0, 0, 0, 0, 0]).is_err());
        assert!(decode(&[0, 0, 0, 0, 0, 7]).is_err());
    }
}
