//! Process metrics shared by the actors and the edge, rendered in the
//! Prometheus text format at `/metrics`.
//!
//! A documented exception to "no shared state": plain atomic counters (no
//! lock, no domain data), one `Metrics` per running application so that
//! tests can run several servers in one process.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds (seconds) of the flush latency histogram buckets.
const FLUSH_BUCKETS: [f64; 10] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

/// Counters and the flush latency histogram.
#[derive(Default, Debug)]
pub struct Metrics {
    /// Webhook POSTs accepted (signature valid, body parsed).
    pub webhooks_received: AtomicU64,
    /// Webhook POSTs refused for a bad or missing signature.
    pub webhooks_rejected_signature: AtomicU64,
    /// Webhook POSTs refused as malformed.
    pub webhooks_rejected_malformed: AtomicU64,
    /// Webhook changes for a phone_number_id nobody registered.
    pub webhooks_unknown_number: AtomicU64,
    /// Customer messages stored (duplicates excluded).
    pub messages_in: AtomicU64,
    /// Messages accepted for sending.
    pub messages_out: AtomicU64,
    /// Messages the Cloud API accepted.
    pub messages_sent: AtomicU64,
    /// Messages that failed at the Cloud API.
    pub messages_failed: AtomicU64,
    /// Actors respawned by a supervisor after a failure.
    pub actor_restarts: AtomicU64,
    /// Idle conversation actors stopped (their state stays in sled).
    pub passivations: AtomicU64,
    /// Conversation actors running now, all numbers together (a gauge,
    /// kept by each NumberActor's `Children`).
    pub conversations_running: AtomicU64,
    /// Webhooks refused with 503 because too many were in flight.
    pub webhooks_shed: AtomicU64,
    /// Numbers that started from the index snapshot of a clean shutdown.
    pub index_snapshots_loaded: AtomicU64,
    /// Sessions ended by the idle expiry (when next used, or swept).
    pub sessions_expired: AtomicU64,
    /// Sends that waited for a burst of webhooks to pass (`intake`).
    sends_held: AtomicU64,
    /// How long they waited, in all, in microseconds.
    sends_held_micros: AtomicU64,
    flushes: AtomicU64,
    flush_micros_sum: AtomicU64,
    flush_buckets: [AtomicU64; FLUSH_BUCKETS.len()],
}

/// A point-in-time copy of the values tests and benches look at.
#[derive(Debug, Clone, Copy)]
pub struct MetricsSnapshot {
    /// Flushes run by the group-commit task.
    pub flushes: u64,
    /// See [`Metrics::actor_restarts`].
    pub actor_restarts: u64,
}

impl Metrics {
    /// Records one flush's duration.
    pub fn observe_flush(&self, took: Duration) {
        self.flushes.fetch_add(1, Relaxed);
        self.flush_micros_sum.fetch_add(took.as_micros() as u64, Relaxed);
        let secs = took.as_secs_f64();
        if let Some(i) = FLUSH_BUCKETS.iter().position(|b| secs <= *b) {
            self.flush_buckets[i].fetch_add(1, Relaxed);
        }
    }

    /// Records a send held back by a burst of webhooks for `held`
    /// (nothing when it went at once).
    pub fn observe_hold(&self, held: Duration) {
        if !held.is_zero() {
            self.sends_held.fetch_add(1, Relaxed);
            self.sends_held_micros.fetch_add(held.as_micros() as u64, Relaxed);
        }
    }

    /// Adds one to a counter.
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    /// Values for tests.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            flushes: self.flushes.load(Relaxed),
            actor_restarts: self.actor_restarts.load(Relaxed),
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 14] = [
            ("switchboard_webhooks_received_total", "Webhook POSTs accepted.", &self.webhooks_received),
            (
                "switchboard_webhooks_rejected_signature_total",
                "Webhook POSTs refused: bad or missing signature.",
                &self.webhooks_rejected_signature,
            ),
            (
                "switchboard_webhooks_rejected_malformed_total",
                "Webhook POSTs refused: malformed body.",
                &self.webhooks_rejected_malformed,
            ),
            (
                "switchboard_webhooks_unknown_number_total",
                "Webhook changes for an unknown phone_number_id.",
                &self.webhooks_unknown_number,
            ),
            ("switchboard_messages_in_total", "Customer messages stored.", &self.messages_in),
            ("switchboard_messages_out_total", "Messages accepted for sending.", &self.messages_out),
            ("switchboard_messages_sent_total", "Messages accepted by the Cloud API.", &self.messages_sent),
            (
                "switchboard_messages_failed_total",
                "Messages refused by the Cloud API.",
                &self.messages_failed,
            ),
            ("switchboard_actor_restarts_total", "Actors respawned after a failure.", &self.actor_restarts),
            ("switchboard_passivations_total", "Idle conversation actors stopped.", &self.passivations),
            (
                "switchboard_webhooks_shed_total",
                "Webhooks refused with 503 under overload.",
                &self.webhooks_shed,
            ),
            (
                "switchboard_index_snapshots_loaded_total",
                "Numbers started from a clean shutdown's index snapshot.",
                &self.index_snapshots_loaded,
            ),
            (
                "switchboard_sessions_expired_total",
                "Sessions ended by the idle expiry.",
                &self.sessions_expired,
            ),
            (
                "switchboard_sends_held_total",
                "Sends that waited for a burst of webhooks to pass.",
                &self.sends_held,
            ),
        ];
        for (name, help, value) in counters {
            sample(&mut out, name, help, "counter", value.load(Relaxed));
        }
        let help = "Conversation actors running (the others are passivated).";
        let running = self.conversations_running.load(Relaxed);
        sample(&mut out, "switchboard_conversations_running", help, "gauge", running);
        let held = self.sends_held_micros.load(Relaxed) as f64 / 1e6;
        let help = "Time sends waited for bursts of webhooks to pass, in all.";
        sample(&mut out, "switchboard_sends_held_seconds_total", help, "counter", held);
        let name = "switchboard_store_flush_seconds";
        let _ = writeln!(out, "# HELP {name} Group-commit flush latency.\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in FLUSH_BUCKETS.iter().zip(&self.flush_buckets) {
            cumulative += count.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let total = self.flushes.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {total}");
        let sum = self.flush_micros_sum.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {total}");
        out
    }
}

/// Appends one unlabelled sample in the Prometheus text format, with its
/// help and type lines: the counters here, and the gauges the edge adds
/// (allocator, webhooks in flight).
pub fn sample(out: &mut String, name: &str, help: &str, kind: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::default();
        Metrics::inc(&m.messages_in);
        m.observe_flush(Duration::from_micros(300));
        m.observe_flush(Duration::from_millis(30));
        let text = m.render();
        assert!(text.contains("switchboard_messages_in_total 1"));
        assert!(text.contains("switchboard_store_flush_seconds_bucket{le=\"0.0005\"} 1"));
        assert!(text.contains("switchboard_store_flush_seconds_bucket{le=\"0.05\"} 2"));
        assert!(text.contains("switchboard_store_flush_seconds_count 2"));
    }

    #[test]
    fn counts_only_the_sends_that_were_held() {
        let m = Metrics::default();
        m.observe_hold(Duration::ZERO);
        m.observe_hold(Duration::from_millis(250));
        m.observe_hold(Duration::from_millis(500));
        let text = m.render();
        assert!(text.contains("switchboard_sends_held_total 2"), "{text}");
        assert!(text.contains("switchboard_sends_held_seconds_total 0.75"), "{text}");
    }
}
