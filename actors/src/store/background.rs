//! One low-priority thread for writes of derived data: work that no
//! acknowledgement waits for, such as the search words every number writes
//! every few seconds.
//!
//! On tokio's blocking pool those writes were a thousand short tasks a
//! second competing on equal terms with the two runtime workers that carry
//! webhooks, and a worker the kernel preempted for a few milliseconds was
//! the tail of the webhook latency. Here they queue for one thread at a
//! lower scheduling priority (`nice` 10): it takes whatever CPU the
//! request path leaves, and all of it when the machine is otherwise idle.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

type Job = Box<dyn FnOnce() + Send>;

/// How much less the thread weighs with the kernel's scheduler than a
/// request thread (0): at 10 it gets about a tenth of a contended core.
const NICENESS: i32 = 10;

/// Handle to the thread; cheap to clone. The thread ends once every handle
/// is dropped and its queue is empty.
#[derive(Clone)]
pub(crate) struct Background {
    tx: mpsc::Sender<Job>,
}

impl Background {
    /// Starts the thread.
    pub(crate) fn start() -> Result<Self, std::io::Error> {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("derived-writes".into()).spawn(move || {
            lower_priority();
            for job in rx {
                // A panicking job must not take later ones with it.
                if catch_unwind(AssertUnwindSafe(job)).is_err() {
                    tracing::error!("a background write panicked");
                }
            }
        })?;
        Ok(Self { tx })
    }

    /// Queues `job`. The thread outlives every handle's sends (it ends only
    /// when all are dropped), so the job always runs.
    pub(crate) fn run(&self, job: impl FnOnce() + Send + 'static) {
        let _ = self.tx.send(Box::new(job));
    }

    /// Queues `job` and waits for its result: behind every job queued
    /// before it, so a write that must not overlap them (a number's last
    /// search words at shutdown) runs after them. `None` if it panicked.
    pub(crate) async fn run_and_wait<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.run(move || {
            let _ = tx.send(job());
        });
        rx.await.ok()
    }
}

/// Lowers the calling thread's priority. On Linux the nice value belongs
/// to the thread, not the process. Failing to lower it changes nothing
/// but the latency, so it is only logged.
fn lower_priority() {
    if let Err(e) = rustix::process::setpriority_process(None, NICENESS) {
        tracing::debug!(error = %e, "background writes keep the normal priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_in_order_and_a_panic_spares_the_next() {
        let background = Background::start().unwrap();
        let (tx, rx) = mpsc::channel();
        let first = tx.clone();
        background.run(move || first.send(1).unwrap());
        background.run(|| panic!("a failing write"));
        background.run(move || tx.send(2).unwrap());
        assert_eq!(rx.recv().unwrap(), 1);
        assert_eq!(rx.recv().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_waited_job_runs_after_those_queued_before_it() {
        let background = Background::start().unwrap();
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let first = order.clone();
        background.run(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            first.lock().unwrap().push(1);
        });
        let second = order.clone();
        let answer = background.run_and_wait(move || second.lock().unwrap().push(2)).await;
        assert_eq!(answer, Some(()));
        assert_eq!(*order.lock().unwrap(), [1, 2]);
        assert_eq!(background.run_and_wait(|| panic!("a failing write")).await, None::<()>);
    }
}
