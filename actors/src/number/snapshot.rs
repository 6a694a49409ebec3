//! The index snapshot: at a clean shutdown each NumberActor writes its
//! summaries (and the sends they list as unsettled) as one value, and the next start reads that one value instead
//! of every summary row. A cold restart was bound by disk reads: a sled
//! leaf is a base node plus deltas spread over the log, and scanning a
//! million summaries read 1.67 GB (BENCHMARKS.md).
//!
//! A snapshot is trusted because of the order of things:
//! - it is written after the number's conversations have stopped and their
//!   last summaries are applied, and nothing is routed to them after;
//! - it is deleted as soon as it is read, before the number handles
//!   anything. sled recovers a prefix of its log, so if any later summary
//!   write survives a crash, so does the deletion: a crash never leaves a
//!   stale snapshot behind. Without one, the start scans the rows.

use serde::{Deserialize, Serialize};
use tenants::{ConversationId, MessageId, NumberId, TenantId};

use crate::conversation::record::ConversationRecord;
use crate::error::ActorError;
use crate::store::{key, Store, Tree};

use super::index::Index;
use super::unsettled::Unsettled;

/// What a snapshot holds: every summary, and the sends their rows list as
/// unsettled (`unsettled`). Snapshots written before that list existed
/// hold the summaries alone and are read with none.
#[derive(Serialize, Deserialize)]
pub(super) struct Snapshot<R = Vec<ConversationRecord>> {
    pub records: R,
    pub unsettled: Vec<(ConversationId, Vec<MessageId>)>,
}

impl From<Vec<ConversationRecord>> for Snapshot {
    fn from(records: Vec<ConversationRecord>) -> Self {
        Snapshot { records, unsettled: Vec::new() }
    }
}

fn snapshot_key(tenant: TenantId, number: NumberId) -> Vec<u8> {
    key(&[&tenant.to_bytes(), &number.to_bytes()])
}

/// Writes the number's summaries, and the sends they list, as its snapshot.
pub(super) fn save(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    index: &Index,
    unsettled: &Unsettled,
) -> Result<(), ActorError> {
    let records: Vec<&ConversationRecord> = index.records().collect();
    let snapshot = Snapshot { records, unsettled: unsettled.to_vec() };
    store.put(Tree::IndexSnapshots, snapshot_key(tenant, number), &snapshot)
}

/// Reads and deletes the number's snapshot, if a clean shutdown left one.
/// One that cannot be read is deleted too: the caller scans instead.
pub(super) fn take(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
) -> Result<Option<Snapshot>, ActorError> {
    let k = snapshot_key(tenant, number);
    let snapshot = match store.get_upgrading::<Snapshot, Vec<ConversationRecord>>(Tree::IndexSnapshots, &k) {
        Ok(None) => return Ok(None),
        Ok(snapshot) => snapshot,
        Err(e) => {
            tracing::warn!(number.id = %number, error = %e, "index snapshot unreadable; scanning instead");
            None
        }
    };
    store.delete(Tree::IndexSnapshots, k)?;
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::index::tests::record;

    #[tokio::test]
    async fn a_snapshot_keeps_the_listed_sends_and_an_older_one_reads_with_none() {
        let (_dir, store) = crate::store::temp_store();
        let (tenant, number) = (TenantId::new(), NumberId::new());
        let records = vec![record(tenant, 1, None), record(tenant, 2, None)];
        let index = Index::loaded(records.clone());
        let sends = vec![(records[0].id, vec![MessageId::new(), MessageId::new()])];
        save(&store, tenant, number, &index, &sends.iter().cloned().collect()).unwrap();
        let read = take(&store, tenant, number).unwrap().expect("a snapshot");
        assert_eq!(read.unsettled, sends);
        assert_eq!(read.records.len(), 2);
        assert!(take(&store, tenant, number).unwrap().is_none(), "taken once");

        let older: Vec<&ConversationRecord> = records.iter().collect();
        store.put(Tree::IndexSnapshots, snapshot_key(tenant, number), &older).unwrap();
        let read = take(&store, tenant, number).unwrap().expect("an older snapshot");
        assert_eq!((read.records, read.unsettled), (records, vec![]));
    }
}
