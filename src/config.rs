//! Configuration: one typed struct, layered. `config/default.toml` (compiled
//! in, every key commented), then `--config FILE`, then environment
//! variables `SWITCHBOARD__SECTION__KEY`. Unknown keys and bad values stop
//! the start with a message naming the key. Secrets are wrapped so `Debug`
//! never prints them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use actors::{ActorSettings, StoreOptions};
use serde::Deserialize;
use tenants::Secret;

/// The compiled-in defaults.
const DEFAULTS: &str = include_str!("../config/default.toml");

/// Everything configurable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `[server]`
    pub server: ServerSettings,
    /// `[storage]`
    pub storage: StorageSettings,
    /// `[whatsapp]`
    pub whatsapp: WhatsappSettings,
    /// `[auth]`
    pub auth: AuthSettings,
    /// `[actors]`
    pub actors: ActorTuning,
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address (port 0 allowed).
    pub bind: String,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Drain time on shutdown.
    pub shutdown_grace_secs: u64,
    /// Webhooks processed at once; beyond it they get 503 + Retry-After
    /// (Meta retries) instead of queueing without bound.
    pub max_inflight_webhooks: usize,
}

/// `[storage]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// Data directory.
    pub path: PathBuf,
    /// sled cache, MiB.
    pub cache_capacity_mb: u64,
    /// sled background flush, ms.
    pub flush_every_ms: u64,
}

/// `[whatsapp]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsappSettings {
    /// Graph API base URL.
    pub graph_api_base: String,
    /// Graph API version path segment.
    pub graph_api_version: String,
    /// The deployment's Meta app secret ("" = none).
    pub app_secret: Secret,
    /// One Graph request's timeout.
    pub request_timeout_secs: u64,
    /// Sends per second per number.
    pub outbox_rate_per_sec: u32,
    /// Concurrent sends per number.
    pub outbox_max_in_flight: usize,
    /// Attempts for retryable failures.
    pub outbox_max_attempts: u32,
    /// First backoff, ms.
    pub outbox_backoff_base_ms: u64,
    /// Wait for Meta's word on a send of unknown outcome before resending, ms.
    pub outbox_ambiguous_grace_ms: u64,
    /// Largest media file downloaded or uploaded, bytes.
    pub media_max_bytes: u64,
    /// Media downloads at once per number.
    pub media_fetch_concurrency: usize,
    /// How long a number's template list is cached, seconds.
    pub template_cache_ttl_secs: u64,
    /// Catalog sync period, s (0: only on connect and on demand).
    pub catalog_sync_every_secs: u64,
}

/// `[auth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Idle session expiry, seconds.
    pub session_idle_timeout_secs: u64,
    /// Login attempts per address per minute.
    pub login_per_ip_per_minute: u32,
    /// Login attempts per email per minute.
    pub login_per_email_per_minute: u32,
}

/// `[actors]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorTuning {
    /// Actor reply timeout, ms.
    pub call_timeout_ms: u64,
    /// Restart intensity: count...
    pub max_restarts: u32,
    /// ...per window, seconds.
    pub restart_window_secs: u64,
    /// Replay buffer per tenant.
    pub hub_replay_capacity: usize,
    /// Replay buffers of all tenants together, MiB.
    pub hub_replay_max_mb: usize,
    /// Frames buffered per socket.
    pub hub_socket_buffer: usize,
    /// Online grace after the last socket closes, ms.
    pub presence_grace_ms: u64,
    /// Idle time after which a conversation actor is passivated, ms.
    pub passivate_after_ms: u64,
    /// Length of one "minute" of team reply deadlines, ms (tests shorten it).
    pub reply_deadline_unit_ms: u64,
}

impl Settings {
    /// Defaults, then `file`, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = file {
            builder =
                builder.add_source(config::File::from(file).format(config::FileFormat::Toml).required(true));
        }
        builder
            .add_source(
                config::Environment::with_prefix("SWITCHBOARD").prefix_separator("__").separator("__"),
            )
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| format!("configuration: {e}"))
    }

    /// The compiled-in defaults only (tests start from these).
    pub fn defaults() -> Self {
        Self::load(None).unwrap_or_else(|e| panic!("built-in defaults must parse: {e}"))
    }

    /// The deployment app secret, if set.
    pub fn deployment_app_secret(&self) -> Option<&str> {
        Some(self.whatsapp.app_secret.expose()).filter(|s| !s.is_empty())
    }

    /// The actor tree's settings.
    pub fn actor_settings(&self) -> ActorSettings {
        let w = &self.whatsapp;
        let a = &self.actors;
        ActorSettings {
            store: StoreOptions {
                path: self.storage.path.clone(),
                cache_capacity: self.storage.cache_capacity_mb << 20,
                flush_every_ms: Some(self.storage.flush_every_ms).filter(|ms| *ms > 0),
            },
            call_timeout: Duration::from_millis(a.call_timeout_ms),
            session_idle_timeout: Duration::from_secs(self.auth.session_idle_timeout_secs),
            outbox_rate_per_sec: w.outbox_rate_per_sec,
            outbox_max_in_flight: w.outbox_max_in_flight,
            outbox_max_attempts: w.outbox_max_attempts,
            outbox_backoff_base: Duration::from_millis(w.outbox_backoff_base_ms),
            outbox_ambiguous_grace: Duration::from_millis(w.outbox_ambiguous_grace_ms),
            media_max_bytes: w.media_max_bytes,
            media_fetch_concurrency: w.media_fetch_concurrency,
            template_cache_ttl: Duration::from_secs(w.template_cache_ttl_secs),
            catalog_sync_every: Duration::from_secs(w.catalog_sync_every_secs),
            hub_replay_capacity: a.hub_replay_capacity,
            hub_replay_max_bytes: a.hub_replay_max_mb << 20,
            hub_socket_buffer: a.hub_socket_buffer,
            presence_grace: Duration::from_millis(a.presence_grace_ms),
            passivate_after: Duration::from_millis(a.passivate_after_ms),
            reply_deadline_unit: Duration::from_millis(a.reply_deadline_unit_ms),
            max_restarts: a.max_restarts,
            restart_window: Duration::from_secs(a.restart_window_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_files_override_them() {
        let d = Settings::defaults();
        assert_eq!(d.server.bind, "127.0.0.1:8080");
        assert!(d.deployment_app_secret().is_none());
        let dir = std::env::temp_dir().join(format!("sb-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("x.toml");
        std::fs::write(&file, "[server]\nbind = \"127.0.0.1:0\"\n").unwrap();
        assert_eq!(Settings::load(Some(&file)).unwrap().server.bind, "127.0.0.1:0");
        std::fs::write(&file, "[server]\nbindd = \"x\"\n").unwrap();
        let err = Settings::load(Some(&file)).unwrap_err();
        assert!(err.contains("bindd"), "{err}");
        std::fs::write(&file, "[storage]\ncache_capacity_mb = \"lots\"\n").unwrap();
        let err = Settings::load(Some(&file)).unwrap_err();
        assert!(err.contains("cache_capacity_mb"), "{err}");
    }
}
