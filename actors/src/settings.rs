//! The actor tree's tunables, filled from the edge's typed config.

use std::time::Duration;

use crate::store::StoreOptions;

/// Everything the actors need to know from configuration.
#[derive(Debug, Clone)]
pub struct ActorSettings {
    /// Where and how to open the store.
    pub store: StoreOptions,
    /// How long a handle waits for an actor's reply.
    pub call_timeout: Duration,
    /// A session unused for this long is gone.
    pub session_idle_timeout: Duration,
    /// Outbound throughput per business number (messages per second).
    pub outbox_rate_per_sec: u32,
    /// Concurrent Graph API calls per number.
    pub outbox_max_in_flight: usize,
    /// Attempts for a retryable send before it fails.
    pub outbox_max_attempts: u32,
    /// First retry delay; doubles per attempt, with jitter.
    pub outbox_backoff_base: Duration,
    /// How long a send whose outcome is unknown (a crash or timeout after
    /// the request left) waits for Meta's status webhook naming it before
    /// it is sent again.
    pub outbox_ambiguous_grace: Duration,
    /// Webhooks processed at once; more are answered 503 (`intake`).
    pub max_inflight_webhooks: usize,
    /// Sends wait while more than this many webhooks are in flight, so
    /// that a burst of customers' messages is acknowledged first (0: never).
    pub outbox_yield_above_webhooks: usize,
    /// Longest such a wait.
    pub outbox_yield_max: Duration,
    /// Largest media file downloaded from Meta.
    pub media_max_bytes: u64,
    /// Media downloads at once per number.
    pub media_fetch_concurrency: usize,
    /// How long a number's template list is reused before asking Meta again.
    pub template_cache_ttl: Duration,
    /// How often a number's catalog is synced from Meta (zero: only when
    /// the number connects and when asked).
    pub catalog_sync_every: Duration,
    /// Live events kept per tenant for `since=` replay.
    pub hub_replay_capacity: usize,
    /// Bytes of frames kept for replay across all tenants; the oldest go
    /// first (10,000 frames for each of 1,000 tenants would be ~10 GB).
    pub hub_replay_max_bytes: usize,
    /// Frames buffered per WebSocket before a slow client is dropped.
    pub hub_socket_buffer: usize,
    /// How long a user stays online after their last socket closed.
    pub presence_grace: Duration,
    /// How long one "minute" of a team's `reassign_after_minutes` lasts
    /// (a minute; tests shorten it instead of waiting).
    pub reply_deadline_unit: Duration,
    /// A conversation actor idle this long is stopped (its summary stays
    /// in the index, its state in sled).
    pub passivate_after: Duration,
    /// Past this many running conversation actors, all numbers together
    /// (0: no bound), an idle one is stopped after
    /// `crowded_passivate_after` instead: past some 65,000 running actors
    /// every message cost a third more CPU (BENCHMARKS.md, tenth session).
    pub running_conversations_budget: usize,
    /// The idle time before passivation while over that budget.
    pub crowded_passivate_after: Duration,
    /// Restart intensity: at most this many restarts of one child...
    pub max_restarts: u32,
    /// ...within this window, then the supervisor escalates.
    pub restart_window: Duration,
}

impl ActorSettings {
    /// Defaults suited to tests and small deployments, stored at `path`.
    pub fn with_path(path: std::path::PathBuf) -> Self {
        Self {
            store: StoreOptions {
                path,
                cache_capacity: 32 << 20,
                flush_every_ms: Some(500),
                commit_interval: Duration::ZERO,
            },
            call_timeout: Duration::from_secs(5),
            session_idle_timeout: Duration::from_secs(7 * 24 * 3600),
            outbox_rate_per_sec: 80,
            outbox_max_in_flight: 8,
            outbox_max_attempts: 6,
            outbox_backoff_base: Duration::from_millis(500),
            outbox_ambiguous_grace: Duration::from_secs(60),
            max_inflight_webhooks: 4096,
            outbox_yield_above_webhooks: 8,
            outbox_yield_max: Duration::from_secs(1),
            media_max_bytes: 100 << 20,
            media_fetch_concurrency: 4,
            template_cache_ttl: Duration::from_secs(300),
            catalog_sync_every: Duration::from_secs(6 * 3600),
            hub_replay_capacity: 10_000,
            hub_replay_max_bytes: 32 << 20,
            hub_socket_buffer: 1024,
            presence_grace: Duration::from_secs(5),
            passivate_after: Duration::from_secs(60),
            running_conversations_budget: 40_000,
            crowded_passivate_after: Duration::from_secs(10),
            reply_deadline_unit: Duration::from_secs(60),
            max_restarts: 5,
            restart_window: Duration::from_secs(10),
        }
    }
}
