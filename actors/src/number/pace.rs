//! A number's send rate as Meta states it and our target checks it: at
//! most `limit` requests in any window of `span`. Pure: the caller brings
//! the clock (the Outbox's `Pacer` waits on it).
//!
//! Evenly spaced permits (governor's GCRA without burst) also keep that
//! bound, but a permit taken late is lost for good: under load, when a
//! send task waits a few milliseconds for a core, every number fell
//! behind its rate for the rest of the run (85% of it in the outbound
//! benchmark). A window of the latest departures lets a late number catch
//! up, back to back if need be, without ever passing the bound.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The window a number's rate is counted over (Meta's "messages per second").
const SECOND: Duration = Duration::from_secs(1);

/// Added to the window: a departure is counted when its permit is taken,
/// and the request reaches Meta a little later, later still when the
/// machine is busy. Two sends `rate` apart that left a window and a
/// margin apart arrive more than a window apart unless the first was
/// delayed that much more than the second. 20 ms was not enough on a
/// saturated 2-core machine: in one outbound run at 10,546 sends/s, 15
/// of 160 numbers had 81 arrivals in a second at the fake Graph API
/// (BENCHMARKS.md, ninth 2026-12-07 session). 50 ms costs a number that
/// sends at its full rate about 5% of it (20 ms cost 2%); one that does
/// not, nothing.
const MARGIN: Duration = Duration::from_millis(50);

/// The departures of the last window.
#[derive(Debug)]
pub(crate) struct Window {
    /// Oldest first; never more than `limit`.
    recent: VecDeque<Instant>,
    limit: usize,
    span: Duration,
}

impl Window {
    /// A number's rate: at most `per_sec` (at least 1) sends in any second
    /// and [`MARGIN`].
    pub(crate) fn per_second(per_sec: u32) -> Self {
        Self::new(per_sec, SECOND + MARGIN)
    }

    /// At most `limit` (at least 1) departures in any `span`.
    pub(crate) fn new(limit: u32, span: Duration) -> Self {
        let limit = limit.max(1) as usize;
        Self { recent: VecDeque::with_capacity(limit), limit, span }
    }

    /// Takes a departure at `now` if the window has room; otherwise says
    /// when it will.
    pub(crate) fn take(&mut self, now: Instant) -> Result<(), Instant> {
        while self.recent.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.span) {
            self.recent.pop_front();
        }
        match self.recent.front() {
            Some(oldest) if self.recent.len() >= self.limit => Err(*oldest + self.span),
            _ => {
                self.recent.push_back(now);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most departures within any half-open window of `span`.
    fn densest(times: &[Instant], span: Duration) -> usize {
        (0..times.len())
            .map(|i| times[i..].iter().take_while(|t| **t < times[i] + span).count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_burst_takes_the_limit_then_waits_for_the_oldest_to_leave_the_window() {
        let t0 = Instant::now();
        let span = Duration::from_secs(1);
        let mut w = Window::new(3, span);
        for _ in 0..3 {
            assert_eq!(w.take(t0), Ok(()));
        }
        assert_eq!(
            w.take(t0 + Duration::from_millis(400)),
            Err(t0 + span),
            "full until the first is a span old"
        );
        assert_eq!(w.take(t0 + span), Ok(()));
    }

    #[test]
    fn a_late_sender_catches_up_and_no_window_ever_holds_more_than_the_limit() {
        // 80 a second; the caller comes back at irregular times (a busy
        // machine), each time as soon as it may or later.
        let t0 = Instant::now();
        let span = Duration::from_secs(1);
        let mut w = Window::new(80, span);
        let mut now = t0;
        let mut departures = Vec::new();
        for i in 0..2_000u64 {
            loop {
                match w.take(now) {
                    Ok(()) => break,
                    Err(at) => now = at,
                }
            }
            departures.push(now);
            // Late by 0 to 29 ms, now and then.
            now += Duration::from_millis((i * 7919) % 30 * u64::from(i % 3 == 0));
        }
        assert!(densest(&departures, span) <= 80, "{}", densest(&departures, span));
        let secs = (*departures.last().unwrap() - t0).as_secs_f64();
        assert!(departures.len() as f64 / secs > 79.0, "the full rate despite the delays: {secs} s");
    }
}
