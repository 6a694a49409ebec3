//! Group commit: one flusher thread makes writes durable for everyone.
//!
//! sled 0.34.7 deadlocks when eight or more `flush_async` calls run at once
//! (TRAPS.md), and a flush costs about the same for one write as for a
//! thousand. So writers never flush themselves: they register here, and a
//! single thread runs one blocking `db.flush()` covering every registration
//! made before it started, then wakes those writers and runs their
//! "after durable" jobs, in registration order (which keeps one
//! conversation's live events in order).
//!
//! Flushes start at least `commit_interval` apart: a flush's fixed cost
//! (sealing sled's buffer, a hop to sled's IO threads and back, the
//! `fsync`) was a sixth of the CPU per message when every flush carried
//! four or five. A writer after a quiet spell finds the interval long past
//! and does not wait.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::error::ActorError;
use crate::metrics::Metrics;

/// Work queued for the next flush.
enum Job {
    /// Wake this writer once its writes are on disk.
    Wait(oneshot::Sender<Result<(), String>>),
    /// Run this once the writes registered before it are on disk.
    Then(Box<dyn FnOnce() + Send>),
}

/// Handle to the flusher task; cheap to clone.
#[derive(Clone)]
pub struct GroupCommit {
    tx: mpsc::UnboundedSender<Job>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupCommit")
    }
}

impl GroupCommit {
    /// Starts the flusher thread for `db`. It ends when every handle is
    /// dropped. Call it inside a Tokio runtime: the "after durable" jobs
    /// run in its context.
    pub(crate) fn start(db: sled::Db, metrics: Arc<Metrics>, interval: Duration) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Handle::current();
        std::thread::Builder::new().name("group-commit".into()).spawn(move || {
            let _context = runtime.enter();
            flusher(db, rx, metrics, interval);
        })?;
        Ok(Self { tx })
    }

    /// Resolves once every write made before this call is durable.
    pub async fn durable(&self) -> Result<(), ActorError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Job::Wait(tx)).map_err(|_| ActorError::Unavailable("store is shut down".into()))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ActorError::Store(e)),
            Err(_) => Err(ActorError::Unavailable("store is shut down".into())),
        }
    }

    /// Runs `job` once every write made before this call is durable.
    pub(crate) fn then(&self, job: impl FnOnce() + Send + 'static) {
        // A closed flusher means shutdown: the job (a live event) is moot.
        let _ = self.tx.send(Job::Then(Box::new(job)));
    }
}

/// The flusher's loop, on a thread of its own rather than a Tokio task:
/// under load the runtime's two workers are busy with webhooks, and a task
/// waking for the next flush waited its turn behind them while every
/// writer waited on it; its timer also counted whole milliseconds.
fn flusher(db: sled::Db, mut rx: mpsc::UnboundedReceiver<Job>, metrics: Arc<Metrics>, interval: Duration) {
    let mut batch = Vec::new();
    let mut last_start: Option<Instant> = None;
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        // Writers that come within the interval share the next flush.
        if let Some(wait) = last_start.and_then(|at| (at + interval).checked_duration_since(Instant::now())) {
            std::thread::sleep(wait);
        }
        while let Ok(job) = rx.try_recv() {
            batch.push(job);
        }
        let started = Instant::now();
        last_start = Some(started);
        let result = db.flush().map(|_| ()).map_err(|e| format!("flush: {e}"));
        metrics.observe_flush(started.elapsed());
        if let Err(e) = &result {
            tracing::error!(error = %e, "group commit flush failed");
        }
        for job in batch.drain(..) {
            match job {
                Job::Wait(tx) => {
                    let _ = tx.send(result.clone());
                }
                Job::Then(job) if result.is_ok() => job(),
                Job::Then(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_concurrent_waiters_share_flushes_without_deadlock() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let metrics = Arc::new(Metrics::default());
        let commit = GroupCommit::start(db.clone(), metrics.clone(), Duration::ZERO).unwrap();
        let mut tasks = Vec::new();
        for i in 0..64u32 {
            let db = db.clone();
            let commit = commit.clone();
            tasks.push(tokio::spawn(async move {
                db.insert(i.to_be_bytes(), &b"v"[..]).unwrap();
                commit.durable().await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let flushes = metrics.snapshot().flushes;
        assert!((1..=64).contains(&flushes), "flushes: {flushes}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writers_within_the_interval_share_one_flush() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let metrics = Arc::new(Metrics::default());
        let commit = GroupCommit::start(db.clone(), metrics.clone(), Duration::from_secs(1)).unwrap();
        db.insert(b"first", &b"v"[..]).unwrap();
        commit.durable().await.unwrap();
        assert_eq!(metrics.snapshot().flushes, 1, "the first writer found no flush before it");
        // Ten writers right after it: the next flush waits out the interval
        // and takes them all. The interval is long so that a slow first
        // flush on a loaded machine still ends well inside it.
        let waits = (0..10u32).map(|i| {
            db.insert(i.to_be_bytes(), &b"v"[..]).unwrap();
            commit.durable()
        });
        futures::future::try_join_all(waits).await.unwrap();
        assert_eq!(metrics.snapshot().flushes, 2, "one flush for the ten");
    }

    #[tokio::test]
    async fn then_jobs_run_in_registration_order() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let commit = GroupCommit::start(db, Arc::new(Metrics::default()), Duration::ZERO).unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..100 {
            let tx = tx.clone();
            commit.then(move || tx.send(i).unwrap());
        }
        commit.durable().await.unwrap();
        let mut seen = Vec::new();
        while let Ok(i) = rx.try_recv() {
            seen.push(i);
        }
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
    }
}
