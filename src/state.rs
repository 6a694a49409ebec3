//! `AppState`: what every handler gets. A cheap `Clone` of handles: the
//! actor system, the settings, the login rate limiters and, in demo mode,
//! the demo's devices.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actors::ActorSystem;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::watch;

use crate::config::Settings;

/// Login throttles. A documented exception to "no shared state": governor's
/// keyed limiters are internally synchronised counters, not domain data,
/// and must be shared by every request to do their job.
pub struct LoginLimits {
    /// Attempts per client address.
    pub per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Attempts per (normalised) email.
    pub per_email: DefaultKeyedRateLimiter<String>,
}

/// How often [`LoginLimits::forget_idle`] runs. A quota is per minute, so
/// within a minute of its last attempt a key's state is back to that of a
/// key never seen: memory is bounded by one minute's distinct attempts.
const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);

impl LoginLimits {
    fn new(per_ip_per_minute: u32, per_email_per_minute: u32) -> Self {
        // Both are at least 1 (`Settings::validate`); MIN only spares a panic.
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            per_ip: RateLimiter::keyed(quota(per_ip_per_minute)),
            per_email: RateLimiter::keyed(quota(per_email_per_minute)),
        }
    }

    /// Forgets the addresses and emails whose state is that of a key never
    /// seen (so forgetting them changes no verdict). Without it, every
    /// address and every email ever tried, say by a scanner, stays in
    /// memory.
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_email.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_email.shrink_to_fit();
    }

    /// Addresses and emails remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.per_ip.len() + self.per_email.len()
    }

    /// Runs [`LoginLimits::forget_idle`] every [`FORGET_IDLE_EVERY`] for as
    /// long as the limits are in use (the timer ends once the last
    /// `AppState` is gone).
    pub fn forget_idle_periodically(limits: &Arc<Self>) {
        let limits = Arc::downgrade(limits);
        actors::clock::repeat(FORGET_IDLE_EVERY, move || limits.upgrade().map(|l| l.forget_idle()).is_some());
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The actor tree.
    pub system: ActorSystem,
    /// Configuration.
    pub settings: Arc<Settings>,
    /// Login throttles.
    pub login_limits: Arc<LoginLimits>,
    /// Flips to true when shutdown starts: sockets close themselves,
    /// `/readyz` and new webhooks answer 503.
    pub shutdown: watch::Receiver<bool>,
    /// `--demo` only: the Cloud API sandbox and the customer simulator's
    /// way back to the server. `None` in production: the simulator's
    /// routes are not mounted.
    pub demo: Option<Arc<crate::demo::Demo>>,
}

impl AppState {
    /// State for a running system.
    pub fn new(system: ActorSystem, settings: Settings, shutdown: watch::Receiver<bool>) -> Self {
        let limits =
            LoginLimits::new(settings.auth.login_per_ip_per_minute, settings.auth.login_per_email_per_minute);
        Self { system, settings: Arc::new(settings), login_limits: Arc::new(limits), shutdown, demo: None }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::{Duration, Instant};

    use super::LoginLimits;

    #[test]
    fn idle_keys_are_forgotten_and_keys_that_still_count_are_kept() {
        // 60,000 a minute: one attempt is forgotten a millisecond later.
        let fast = LoginLimits::new(60_000, 60_000);
        for i in 0..50u8 {
            let _ = fast.per_ip.check_key(&IpAddr::V4(Ipv4Addr::new(10, 0, 0, i)));
            let _ = fast.per_email.check_key(&format!("guess{i}@example.test"));
        }
        assert_eq!(fast.len(), 100);
        let deadline = Instant::now() + Duration::from_secs(5);
        while fast.len() > 0 {
            assert!(Instant::now() < deadline, "{} keys never forgotten", fast.len());
            std::thread::sleep(Duration::from_millis(5));
            fast.forget_idle();
        }

        // One a minute: an address that just tried is still held back, so
        // it must be remembered.
        let slow = LoginLimits::new(1, 1);
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert!(slow.per_ip.check_key(&ip).is_ok());
        slow.forget_idle();
        assert_eq!(slow.len(), 1);
        assert!(slow.per_ip.check_key(&ip).is_err(), "forgetting changed no verdict");
    }
}
