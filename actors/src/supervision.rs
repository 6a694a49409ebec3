//! Restart intensity, OTP style: a child may be restarted at most N times in
//! T; past that the supervisor stops restarting and escalates (fails
//! itself), so a crash loop cannot spin forever. Pure, tested without actors.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The restart history of one supervised child.
#[derive(Debug, Clone)]
pub struct RestartBudget {
    max: u32,
    window: Duration,
    recent: VecDeque<Instant>,
}

impl RestartBudget {
    /// At most `max` restarts within `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max, window, recent: VecDeque::new() }
    }

    /// Records a restart at `now`; false when the budget is spent and the
    /// supervisor must escalate instead.
    pub fn allow(&mut self, now: Instant) -> bool {
        while let Some(first) = self.recent.front() {
            if now.duration_since(*first) > self.window {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        if self.recent.len() as u32 >= self.max {
            return false;
        }
        self.recent.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_n_restarts_per_window_then_escalates() {
        let mut b = RestartBudget::new(3, Duration::from_secs(10));
        let t = Instant::now();
        assert!(b.allow(t));
        assert!(b.allow(t + Duration::from_secs(1)));
        assert!(b.allow(t + Duration::from_secs(2)));
        assert!(!b.allow(t + Duration::from_secs(3)));
        // Old restarts age out of the window.
        assert!(b.allow(t + Duration::from_secs(12)));
    }
}
