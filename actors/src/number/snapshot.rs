//! The index snapshot: at a clean shutdown each NumberActor writes its
//! summaries as one value, and the next start reads that one value instead
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

use tenants::{NumberId, TenantId};

use crate::conversation::record::ConversationRecord;
use crate::error::ActorError;
use crate::store::{key, Store, Tree};

use super::index::Index;

fn snapshot_key(tenant: TenantId, number: NumberId) -> Vec<u8> {
    key(&[&tenant.to_bytes(), &number.to_bytes()])
}

/// Writes the number's summaries as its snapshot.
pub(super) fn save(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
    index: &Index,
) -> Result<(), ActorError> {
    let records: Vec<&ConversationRecord> = index.records().collect();
    store.put(Tree::IndexSnapshots, snapshot_key(tenant, number), &records)
}

/// Reads and deletes the number's snapshot, if a clean shutdown left one.
/// One that cannot be read is deleted too: the caller scans instead.
pub(super) fn take(
    store: &Store,
    tenant: TenantId,
    number: NumberId,
) -> Result<Option<Vec<ConversationRecord>>, ActorError> {
    let k = snapshot_key(tenant, number);
    let records = match store.get::<Vec<ConversationRecord>>(Tree::IndexSnapshots, &k) {
        Ok(None) => return Ok(None),
        Ok(records) => records,
        Err(e) => {
            tracing::warn!(number.id = %number, error = %e, "index snapshot unreadable; scanning instead");
            None
        }
    };
    store.delete(Tree::IndexSnapshots, k)?;
    Ok(records)
}
