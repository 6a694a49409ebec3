//! A number's send rate as Meta states it and our target checks it: at
//! most `limit` requests arrive in any window of `span`. Pure: the caller
//! brings the clock (the Outbox's `Pacer` waits on it).
//!
//! Arrival is what counts, and we never see it: a request leaves when its
//! permit is taken and reaches Meta some time later, later still on a busy
//! machine, so two sends a window apart at departure can arrive closer. A
//! margin on departure times only moves that line (with 50 ms, one run at
//! 3,160 sends/s still had a number at 81 of 80 at the fake Graph API;
//! BENCHMARKS.md). What we do see is the answer, and a request has always
//! arrived before its answer comes back. So a send holds its place in the
//! window from its permit until a window after its answer: when a permit
//! is taken, every send that could arrive within a window of it is still
//! counted, and no window ever holds more than `limit` arrivals, however
//! the requests were delayed on their way.
//!
//! The price is one round trip per window, and only for a number that
//! sends at its full rate: on loopback a few milliseconds; to Meta, a
//! round trip of 200 ms holds a number sending back to back at 80 a second
//! to about 67. A request the client gave up on at its timeout counts from
//! then: bytes still on the wire could arrive later, which no client-side
//! count can see.
//!
//! A window of the latest answers, not evenly spaced permits (governor's
//! GCRA without burst): a permit taken late is not lost, so a number held
//! up on a busy machine catches up, back to back if need be, without ever
//! passing the bound.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The window a number's rate is counted over (Meta's "messages per second").
const SECOND: Duration = Duration::from_secs(1);

/// Why a send may not leave yet.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Every place is held by a send still waiting for its answer: ask
    /// again after the next answer.
    Answer,
    /// Ask again at this time, when the oldest answer leaves the window.
    Until(Instant),
}

/// The sends that may still arrive within a window of a new one.
#[derive(Debug)]
pub(crate) struct Window {
    /// Sends that left and have no answer yet.
    in_flight: usize,
    /// When the answered ones were answered, oldest first, for one span.
    /// With `in_flight`, never more than `limit`.
    answered: VecDeque<Instant>,
    limit: usize,
    span: Duration,
}

impl Window {
    /// A number's rate: at most `per_sec` (at least 1) arrivals in any second.
    pub(crate) fn per_second(per_sec: u32) -> Self {
        Self::new(per_sec, SECOND)
    }

    /// At most `limit` (at least 1) arrivals in any `span`.
    pub(crate) fn new(limit: u32, span: Duration) -> Self {
        let limit = limit.max(1) as usize;
        Self { in_flight: 0, answered: VecDeque::with_capacity(limit), limit, span }
    }

    /// Lets a send leave at `now` if the window has room, counting it as
    /// in flight; otherwise says what to wait for.
    pub(crate) fn take(&mut self, now: Instant) -> Result<(), Wait> {
        while self.answered.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.span) {
            self.answered.pop_front();
        }
        if self.in_flight + self.answered.len() < self.limit {
            self.in_flight += 1;
            return Ok(());
        }
        Err(self.answered.front().map_or(Wait::Answer, |oldest| Wait::Until(*oldest + self.span)))
    }

    /// A send that left got its answer (or ended without one) at `now`:
    /// it has arrived if it ever will, and leaves the window a span later.
    pub(crate) fn answered(&mut self, now: Instant) {
        if self.in_flight == 0 {
            return; // not one of ours: nothing to count
        }
        self.in_flight -= 1;
        // Kept in order even if a caller's clock reads went out of order.
        let at = self.answered.back().map_or(now, |last| now.max(*last));
        self.answered.push_back(at);
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// The most arrivals within any half-open window of `span`.
    fn densest(mut times: Vec<Instant>, span: Duration) -> usize {
        times.sort();
        (0..times.len())
            .map(|i| times[i..].iter().take_while(|t| **t < times[i] + span).count())
            .max()
            .unwrap_or(0)
    }

    /// Sends `sends` through a window of `limit` a second, as the Outbox
    /// does: send `i` arrives `delay(i)` after its permit and is answered
    /// a millisecond after it arrives; the caller comes back `late(i)`
    /// after each permit. Returns the arrival times.
    fn run(
        limit: u32,
        sends: u64,
        delay: impl Fn(u64) -> Duration,
        late: impl Fn(u64) -> Duration,
    ) -> Vec<Instant> {
        let t0 = Instant::now();
        let mut w = Window::new(limit, SECOND);
        let mut answers = BinaryHeap::new();
        let (mut now, mut arrivals) = (t0, Vec::new());
        for i in 0..sends {
            loop {
                while let Some(Reverse(at)) = answers.peek().copied().filter(|Reverse(at)| *at <= now) {
                    answers.pop();
                    w.answered(at);
                }
                match w.take(now) {
                    Ok(()) => break,
                    Err(Wait::Until(at)) => now = at,
                    Err(Wait::Answer) => now = answers.peek().expect("a send is in flight").0,
                }
            }
            let arrival = now + delay(i);
            arrivals.push(arrival);
            answers.push(Reverse(arrival + ms(1)));
            now += late(i);
        }
        arrivals
    }

    #[test]
    fn a_burst_takes_the_limit_then_waits_a_window_after_the_first_answer() {
        let t0 = Instant::now();
        let mut w = Window::new(3, SECOND);
        for _ in 0..3 {
            assert_eq!(w.take(t0), Ok(()));
        }
        assert_eq!(w.take(t0), Err(Wait::Answer), "all three in flight");
        w.answered(t0 + ms(40));
        assert_eq!(w.take(t0 + ms(500)), Err(Wait::Until(t0 + ms(40) + SECOND)), "a window after the answer");
        assert_eq!(w.take(t0 + ms(40) + SECOND), Ok(()));
        assert_eq!(w.take(t0 + ms(40) + SECOND), Err(Wait::Answer), "the other two are still in flight");
    }

    #[test]
    fn no_window_holds_more_arrivals_than_the_limit_however_the_requests_are_delayed() {
        // Most requests arrive within a few milliseconds, some much later
        // (a send task waiting for a core, a connection being opened):
        // the pattern a margin on departures could not absorb.
        let delay = |i: u64| ms(if i % 53 < 3 { 300 } else { i * 7919 % 7 });
        let late = |i: u64| ms(i * 104_729 % 30 * u64::from(i.is_multiple_of(3)));
        let arrivals = run(80, 3_000, delay, late);
        assert!(densest(arrivals.clone(), SECOND) <= 80, "{}", densest(arrivals, SECOND));
        // And a window's worth of arrivals sent back to back, late ones first.
        let arrivals = run(80, 3_000, |i| ms(if i % 80 == 0 { 400 } else { 0 }), |_| Duration::ZERO);
        assert!(densest(arrivals.clone(), SECOND) <= 80, "{}", densest(arrivals, SECOND));
    }

    #[test]
    fn a_late_sender_catches_up_to_nearly_its_full_rate() {
        // Answers within 3 ms, as on loopback; the caller comes back 0 to
        // 29 ms late now and then (a busy machine).
        let late = |i: u64| ms(i * 7919 % 30 * u64::from(i.is_multiple_of(3)));
        let arrivals = run(80, 2_000, |i| ms(i % 3), late);
        assert!(densest(arrivals.clone(), SECOND) <= 80);
        let secs = (*arrivals.iter().max().unwrap() - *arrivals.iter().min().unwrap()).as_secs_f64();
        assert!(arrivals.len() as f64 / secs > 79.0, "{} sends in {secs} s", arrivals.len());
    }
}
