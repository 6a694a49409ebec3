//! The frames kept for `since=` replay: per tenant at most the latest
//! `per_tenant`, and all tenants' together within a byte budget, the
//! globally oldest forgotten first. Without the budget, 10,000 frames for
//! each of 1,000 tenants would hold some 10 GB; with it a busy tenant
//! keeps a long history and a reconnecting client that asks for more than
//! is kept gets `"resync": true` and reloads over REST.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tenants::TenantId;

use super::Audience;

/// One remembered event.
pub(super) struct Logged {
    /// Its seq in the tenant's stream.
    pub(super) seq: u64,
    /// Who gets it.
    pub(super) audience: Audience,
    /// The frame.
    pub(super) frame: Arc<str>,
    /// The `conversation.removed` frame for those who lost sight of it.
    pub(super) removed: Option<Arc<str>>,
}

impl Logged {
    /// The memory it holds: the frames' text with their shared pointers'
    /// counts, and its places in both queues, which as `VecDeque`s keep up
    /// to twice their length. Counting the text alone undercounted by 40%
    /// (measured with the allocator's statistics, BENCHMARKS.md).
    fn size(&self) -> usize {
        use std::mem::size_of;
        let arc_counts = 2 * size_of::<usize>();
        let text = self.frame.len() + arc_counts + self.removed.as_ref().map_or(0, |r| r.len() + arc_counts);
        text + 2 * (size_of::<Self>() + size_of::<(TenantId, u64)>())
    }
}

/// Every tenant's kept frames.
pub(super) struct Replay {
    per_tenant: usize,
    max_bytes: usize,
    /// Per tenant: consecutive seqs, oldest first.
    kept: HashMap<TenantId, VecDeque<Logged>>,
    /// Every kept frame in arrival order, for the budget; may also name
    /// frames the per-tenant count already dropped.
    order: VecDeque<(TenantId, u64)>,
    bytes: usize,
    frames: usize,
}

impl Replay {
    pub(super) fn new(per_tenant: usize, max_bytes: usize) -> Self {
        Self { per_tenant, max_bytes, kept: HashMap::new(), order: VecDeque::new(), bytes: 0, frames: 0 }
    }

    /// Keeps the tenant's newest frame, forgetting what no longer fits.
    pub(super) fn keep(&mut self, tenant: TenantId, logged: Logged) {
        self.bytes += logged.size();
        self.frames += 1;
        self.order.push_back((tenant, logged.seq));
        let kept = self.kept.entry(tenant).or_default();
        kept.push_back(logged);
        while kept.len() > self.per_tenant {
            forget_oldest(kept, &mut self.bytes, &mut self.frames);
        }
        while self.bytes > self.max_bytes {
            let Some((tenant, seq)) = self.order.pop_front() else { break };
            if let Some(kept) = self.kept.get_mut(&tenant).filter(|kept| holds(kept, seq)) {
                forget_oldest(kept, &mut self.bytes, &mut self.frames);
            }
        }
        // Entries of frames the count dropped pile up behind a quiet
        // tenant's old frames: sweep them once they outnumber the kept ones.
        if self.order.len() > 2 * self.frames + 1024 {
            let kept = &self.kept;
            self.order.retain(|(tenant, seq)| kept.get(tenant).is_some_and(|k| holds(k, *seq)));
        }
    }

    /// The tenant's kept frames, oldest first.
    pub(super) fn recent(&self, tenant: TenantId) -> impl Iterator<Item = &Logged> {
        self.kept.get(&tenant).into_iter().flatten()
    }

    /// The seq of the tenant's oldest kept frame.
    pub(super) fn oldest(&self, tenant: TenantId) -> Option<u64> {
        self.kept.get(&tenant).and_then(|k| k.front()).map(|l| l.seq)
    }
}

/// Whether `seq` is still kept (a tenant's kept seqs are consecutive).
fn holds(kept: &VecDeque<Logged>, seq: u64) -> bool {
    kept.front().is_some_and(|oldest| oldest.seq <= seq)
}

fn forget_oldest(kept: &mut VecDeque<Logged>, bytes: &mut usize, frames: &mut usize) {
    if let Some(gone) = kept.pop_front() {
        *bytes -= gone.size();
        *frames -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u64, len: usize) -> Logged {
        Logged { seq, audience: Audience::Managers, frame: "x".repeat(len).into(), removed: None }
    }

    fn seqs(r: &Replay, tenant: TenantId) -> Vec<u64> {
        r.recent(tenant).map(|l| l.seq).collect()
    }

    #[test]
    fn each_tenant_keeps_at_most_its_latest_frames() {
        let mut r = Replay::new(3, usize::MAX);
        let t = TenantId::new();
        for seq in 1..=5 {
            r.keep(t, frame(seq, 10));
        }
        assert_eq!(seqs(&r, t), vec![3, 4, 5]);
        assert_eq!(r.oldest(t), Some(3));
        assert_eq!(r.oldest(TenantId::new()), None);
    }

    #[test]
    fn over_the_budget_the_oldest_frames_of_any_tenant_go_first() {
        let one = frame(0, 100).size();
        let mut r = Replay::new(100, 4 * one);
        let (quiet, busy) = (TenantId::new(), TenantId::new());
        r.keep(quiet, frame(1, 100));
        r.keep(quiet, frame(2, 100));
        for seq in 1..=3 {
            r.keep(busy, frame(seq, 100));
        }
        assert_eq!(seqs(&r, quiet), vec![2], "the quiet tenant's oldest frame went first");
        assert_eq!(seqs(&r, busy), vec![1, 2, 3]);
        assert!(r.bytes <= 4 * one);
    }

    #[test]
    fn what_the_count_dropped_does_not_pile_up_in_the_budget_queue() {
        let mut r = Replay::new(2, usize::MAX);
        let (quiet, busy) = (TenantId::new(), TenantId::new());
        r.keep(quiet, frame(1, 10));
        for seq in 1..=100_000 {
            r.keep(busy, frame(seq, 10));
        }
        assert_eq!(seqs(&r, quiet), vec![1]);
        assert_eq!(seqs(&r, busy), vec![99_999, 100_000]);
        assert_eq!(r.frames, 3);
        assert!(r.order.len() <= 2 * r.frames + 1024, "{} queued", r.order.len());
    }
}
