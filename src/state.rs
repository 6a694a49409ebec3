//! `AppState`: what every handler gets. A cheap `Clone` of handles: the
//! actor system, the settings, the login rate limiters and, in demo mode,
//! the demo's devices.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actors::ActorSystem;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{watch, Semaphore};

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

impl LoginLimits {
    fn new(per_ip_per_minute: u32, per_email_per_minute: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            per_ip: RateLimiter::keyed(quota(per_ip_per_minute)),
            per_email: RateLimiter::keyed(quota(per_email_per_minute)),
        }
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
    /// Webhook admission: a permit per webhook being processed. A counter,
    /// not domain data; full means 503.
    pub webhook_permits: Arc<Semaphore>,
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
        let webhook_permits = Arc::new(Semaphore::new(settings.server.max_inflight_webhooks));
        Self {
            system,
            settings: Arc::new(settings),
            login_limits: Arc::new(limits),
            shutdown,
            webhook_permits,
            demo: None,
        }
    }
}
