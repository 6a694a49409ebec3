//! The intake: webhooks being processed, counted from their admission to
//! their answer, and the rule that outbound sends yield to them.
//!
//! Admission is the edge's back-pressure: beyond `max` webhooks at once a
//! notification is answered 503 and Meta redelivers it later.
//!
//! Yielding is the Outbox's: a customer's message is acknowledged only once
//! it is durable, and Meta and the agents' screens wait on that, while a
//! send (above all the bot's greeting of every new chat) can leave a few
//! milliseconds later without anyone noticing. So while more than
//! `busy_above` webhooks are in flight a send waits until the count falls
//! back (or `max_hold` has passed: sends never starve). Each group commit
//! answers every webhook it made durable at once, so under load the count
//! dips after each flush: the Graph request, its outcome's commit and its
//! live event then run in those dips instead of competing with the burst.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

/// How many webhooks are in flight, and who waits for fewer.
#[derive(Debug)]
pub struct Intake {
    in_flight: AtomicUsize,
    /// Most webhooks in flight; more are refused.
    max: usize,
    /// Sends wait while more than this many are in flight (0: never).
    busy_above: usize,
    /// Longest a send waits.
    max_hold: Duration,
    /// Woken when the count falls to `busy_above`.
    calm: Notify,
}

/// One admitted webhook; its drop ends it.
#[derive(Debug)]
pub struct Admitted(Arc<Intake>);

impl Intake {
    /// An intake admitting `max` webhooks at once, whose sends yield while
    /// more than `busy_above` are in flight (0: never), for at most `max_hold`.
    pub fn new(max: usize, busy_above: usize, max_hold: Duration) -> Arc<Self> {
        Arc::new(Intake { in_flight: AtomicUsize::new(0), max, busy_above, max_hold, calm: Notify::new() })
    }

    /// Admits one webhook, unless `max` are in flight already.
    pub fn admit(self: &Arc<Self>) -> Option<Admitted> {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1))
            .ok()
            .map(|_| Admitted(self.clone()))
    }

    /// Webhooks admitted and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    fn busy(&self) -> bool {
        self.busy_above > 0 && self.in_flight() > self.busy_above
    }

    /// Resolves at once while the intake is calm; otherwise when it calms
    /// down, or after `max_hold`. Every dip wakes every waiting send, and
    /// one that finds the count risen again waits again: the sends leave
    /// spread over the dips, not all in the first. (Letting each go at its
    /// first wake-up flooded that dip: at 4,000/s with a greeting flow the
    /// ack p99 went to 225 ms, against 17 ms this way.)
    ///
    /// Returns how long it waited (zero when calm), for `/metrics`.
    pub(crate) async fn yield_to_webhooks(&self) -> Duration {
        if !self.busy() {
            return Duration::ZERO;
        }
        let started = tokio::time::Instant::now();
        let hold = tokio::time::sleep(self.max_hold);
        tokio::pin!(hold);
        loop {
            let calm = self.calm.notified();
            tokio::pin!(calm);
            // Registered before the check: a fall in between still wakes us.
            calm.as_mut().enable();
            if !self.busy() {
                return started.elapsed();
            }
            tokio::select! {
                _ = &mut calm => {}
                _ = &mut hold => return started.elapsed(),
            }
        }
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let intake = &self.0;
        if intake.in_flight.fetch_sub(1, Ordering::AcqRel) == intake.busy_above + 1 {
            intake.calm.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_its_limit_and_counts_each_answer() {
        let intake = Intake::new(2, 0, Duration::ZERO);
        let a = intake.admit().expect("first");
        let _b = intake.admit().expect("second");
        assert!(intake.admit().is_none(), "a third is refused");
        assert_eq!(intake.in_flight(), 2);
        drop(a);
        assert_eq!(intake.in_flight(), 1);
        assert!(intake.admit().is_some(), "room again once one is answered");
    }

    #[tokio::test]
    async fn a_send_goes_at_once_while_calm() {
        let intake = Intake::new(10, 2, Duration::from_secs(3600));
        let _a = intake.admit();
        let _b = intake.admit();
        // Two in flight is not more than two: no wait (an hour's hold
        // would hang the test otherwise).
        assert_eq!(intake.yield_to_webhooks().await, Duration::ZERO, "not held");
    }

    #[tokio::test]
    async fn a_send_waits_for_the_burst_to_pass() {
        let intake = Intake::new(10, 1, Duration::from_secs(3600));
        let a = intake.admit();
        let b = intake.admit();
        let waiting = tokio::spawn({
            let intake = intake.clone();
            async move { intake.yield_to_webhooks().await }
        });
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        assert!(!waiting.is_finished(), "two in flight is busy");
        drop(a);
        tokio::time::timeout(Duration::from_secs(10), waiting)
            .await
            .expect("woken by the fall")
            .expect("task");
        drop(b);
    }

    #[tokio::test]
    async fn never_yields_when_off() {
        let intake = Intake::new(10, 0, Duration::from_secs(3600));
        let _held: Vec<_> = (0..10).filter_map(|_| intake.admit()).collect();
        assert_eq!(intake.yield_to_webhooks().await, Duration::ZERO, "not held");
    }

    #[tokio::test]
    async fn a_send_waits_no_longer_than_the_hold() {
        let intake = Intake::new(10, 1, Duration::from_millis(100));
        let _held: Vec<_> = (0..5).filter_map(|_| intake.admit()).collect();
        let held = tokio::time::timeout(Duration::from_secs(10), intake.yield_to_webhooks())
            .await
            .expect("the hold ends");
        assert!(held >= Duration::from_millis(100), "it waited out the hold, and says so: {held:?}");
    }
}
