//! Configuration: one typed struct, layered. `config/default.toml` (compiled
//! in, every key commented), then `--config FILE`, then environment
//! variables `SWITCHBOARD__SECTION__KEY`. Unknown keys and bad values stop
//! the start with a message naming the key: values of the wrong type when
//! they are read, values of the right type that make no sense (an address
//! that is not one, a zero rate) in [`Settings::validate`]. Secrets are
//! wrapped so `Debug` never prints them.

use std::net::SocketAddr;
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
    /// On shutdown, how long /readyz and new webhooks answer 503 before
    /// the listener closes, ms (0: it closes at once).
    pub shutdown_unready_ms: u64,
    /// Drain time on shutdown, after the unready window.
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
    /// Least time between two group-commit flushes, µs.
    pub group_commit_interval_us: u64,
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
    /// Sends wait while more webhooks than this are in flight (0: never).
    pub outbox_yield_above_webhooks: usize,
    /// Longest such a wait, ms.
    pub outbox_yield_max_ms: u64,
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
    /// Running conversation actors (all numbers) past which idle ones are
    /// passivated sooner; 0 = no bound.
    pub running_conversations_budget: usize,
    /// The idle time before passivation past that budget, ms.
    pub crowded_passivate_after_ms: u64,
    /// Length of one "minute" of team reply deadlines, ms (tests shorten it).
    pub reply_deadline_unit_ms: u64,
}

impl Settings {
    /// Defaults, then `file`, then the environment; then [`Settings::validate`].
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
            .and_then(|c| c.try_deserialize::<Settings>())
            .map_err(|e| e.to_string())
            .and_then(|s| s.validate().map(|()| s))
            .map_err(|e| format!("configuration: {e}"))
    }

    /// Checks what the types cannot: every problem, each naming its key
    /// (`server.bind`), joined by "; ". Zero is refused wherever it would
    /// stall or disable something silently; the few keys where zero means
    /// "off" say so in `config/default.toml`.
    pub fn validate(&self) -> Result<(), String> {
        let mut p = Problems::default();
        let (server, storage, w, auth, a) =
            (&self.server, &self.storage, &self.whatsapp, &self.auth, &self.actors);
        if !is_address(&server.bind) {
            p.push("server.bind", &server.bind, "is not an address (host:port)");
        }
        p.positive("server.max_body_bytes", server.max_body_bytes as u64);
        p.positive("server.shutdown_grace_secs", server.shutdown_grace_secs);
        p.positive("server.max_inflight_webhooks", server.max_inflight_webhooks as u64);
        if storage.path.as_os_str().is_empty() {
            p.push("storage.path", "", "is empty");
        }
        p.positive("storage.cache_capacity_mb", storage.cache_capacity_mb);
        if !is_http_url(&w.graph_api_base) {
            p.push("whatsapp.graph_api_base", &w.graph_api_base, "is not an http(s) URL");
        }
        if !is_graph_version(&w.graph_api_version) {
            p.push("whatsapp.graph_api_version", &w.graph_api_version, "is not a version like v21.0");
        }
        p.positive("whatsapp.request_timeout_secs", w.request_timeout_secs);
        p.positive("whatsapp.outbox_rate_per_sec", w.outbox_rate_per_sec.into());
        p.positive("whatsapp.outbox_max_in_flight", w.outbox_max_in_flight as u64);
        p.positive("whatsapp.outbox_max_attempts", w.outbox_max_attempts.into());
        p.positive("whatsapp.outbox_backoff_base_ms", w.outbox_backoff_base_ms);
        p.positive("whatsapp.outbox_ambiguous_grace_ms", w.outbox_ambiguous_grace_ms);
        p.positive("whatsapp.media_max_bytes", w.media_max_bytes);
        p.positive("whatsapp.media_fetch_concurrency", w.media_fetch_concurrency as u64);
        p.positive("auth.session_idle_timeout_secs", auth.session_idle_timeout_secs);
        p.positive("auth.login_per_ip_per_minute", auth.login_per_ip_per_minute.into());
        p.positive("auth.login_per_email_per_minute", auth.login_per_email_per_minute.into());
        p.positive("actors.call_timeout_ms", a.call_timeout_ms);
        p.positive("actors.max_restarts", a.max_restarts.into());
        p.positive("actors.restart_window_secs", a.restart_window_secs);
        p.positive("actors.hub_replay_capacity", a.hub_replay_capacity as u64);
        p.positive("actors.hub_replay_max_mb", a.hub_replay_max_mb as u64);
        p.positive("actors.hub_socket_buffer", a.hub_socket_buffer as u64);
        p.positive("actors.passivate_after_ms", a.passivate_after_ms);
        p.positive("actors.crowded_passivate_after_ms", a.crowded_passivate_after_ms);
        p.positive("actors.reply_deadline_unit_ms", a.reply_deadline_unit_ms);
        p.into_result()
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
                commit_interval: Duration::from_micros(self.storage.group_commit_interval_us),
            },
            call_timeout: Duration::from_millis(a.call_timeout_ms),
            session_idle_timeout: Duration::from_secs(self.auth.session_idle_timeout_secs),
            outbox_rate_per_sec: w.outbox_rate_per_sec,
            outbox_max_in_flight: w.outbox_max_in_flight,
            outbox_max_attempts: w.outbox_max_attempts,
            outbox_backoff_base: Duration::from_millis(w.outbox_backoff_base_ms),
            outbox_ambiguous_grace: Duration::from_millis(w.outbox_ambiguous_grace_ms),
            max_inflight_webhooks: self.server.max_inflight_webhooks,
            outbox_yield_above_webhooks: w.outbox_yield_above_webhooks,
            outbox_yield_max: Duration::from_millis(w.outbox_yield_max_ms),
            media_max_bytes: w.media_max_bytes,
            media_fetch_concurrency: w.media_fetch_concurrency,
            template_cache_ttl: Duration::from_secs(w.template_cache_ttl_secs),
            catalog_sync_every: Duration::from_secs(w.catalog_sync_every_secs),
            hub_replay_capacity: a.hub_replay_capacity,
            hub_replay_max_bytes: a.hub_replay_max_mb << 20,
            hub_socket_buffer: a.hub_socket_buffer,
            presence_grace: Duration::from_millis(a.presence_grace_ms),
            passivate_after: Duration::from_millis(a.passivate_after_ms),
            running_conversations_budget: a.running_conversations_budget,
            crowded_passivate_after: Duration::from_millis(a.crowded_passivate_after_ms),
            reply_deadline_unit: Duration::from_millis(a.reply_deadline_unit_ms),
            max_restarts: a.max_restarts,
            restart_window: Duration::from_secs(a.restart_window_secs),
        }
    }
}

/// The problems [`Settings::validate`] found.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, key: &str, value: &str, why: &str) {
        self.0.push(format!("{key} = {value:?} {why}"));
    }

    fn positive(&mut self, key: &str, value: u64) {
        if value == 0 {
            self.0.push(format!("{key} must be at least 1"));
        }
    }

    fn into_result(self) -> Result<(), String> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0.join("; "))
        }
    }
}

/// An IP address and port, or a host name and port (`localhost:8080`):
/// what `TcpListener::bind` takes, checked before anything is started.
fn is_address(bind: &str) -> bool {
    if bind.parse::<SocketAddr>().is_ok() {
        return true;
    }
    bind.rsplit_once(':').is_some_and(|(host, port)| {
        port.parse::<u16>().is_ok()
            && !host.is_empty()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

/// An absolute `http://` or `https://` URL with a host.
fn is_http_url(url: &str) -> bool {
    url.parse::<axum::http::Uri>().is_ok_and(|u| {
        matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some_and(|h| !h.is_empty())
    })
}

/// Meta's version segment: `v` and a number (`v21.0`).
fn is_graph_version(version: &str) -> bool {
    version.strip_prefix('v').is_some_and(|n| {
        n.starts_with(|c: char| c.is_ascii_digit()) && n.chars().all(|c| c.is_ascii_digit() || c == '.')
    })
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

    #[test]
    fn values_that_parse_but_make_no_sense_are_refused_by_key() {
        assert_eq!(Settings::defaults().validate(), Ok(()));
        let mut s = Settings::defaults();
        s.server.bind = "localhost:9000".into();
        s.whatsapp.graph_api_base = "http://127.0.0.1:9999/graph".into();
        s.storage.flush_every_ms = 0;
        s.whatsapp.catalog_sync_every_secs = 0;
        assert_eq!(s.validate(), Ok(()), "host names, URL paths, and zero where it means off");

        s.server.bind = "not an address".into();
        s.whatsapp.graph_api_base = "graph.facebook.com".into();
        s.whatsapp.graph_api_version = "21".into();
        s.whatsapp.outbox_rate_per_sec = 0;
        s.auth.login_per_ip_per_minute = 0;
        s.server.max_inflight_webhooks = 0;
        let err = s.validate().unwrap_err();
        for key in [
            "server.bind",
            "whatsapp.graph_api_base",
            "whatsapp.graph_api_version",
            "whatsapp.outbox_rate_per_sec",
            "auth.login_per_ip_per_minute",
            "server.max_inflight_webhooks",
        ] {
            assert!(err.contains(key), "{key} missing from {err}");
        }
        for bad in ["127.0.0.1", ":8080", "127.0.0.1:99999", "a b:80"] {
            assert!(!is_address(bad), "{bad}");
        }
        for bad in ["ftp://x", "http://", "/relative", ""] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }
}
