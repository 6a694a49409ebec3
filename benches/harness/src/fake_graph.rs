//! A local stand-in for Meta's Graph API for the outbound scenario: it
//! answers `POST /{version}/{phone_number_id}/messages` as the Cloud API
//! does (read receipts too) and records when each send arrived, per number, so the scenario
//! can check every number against its rate over every 1 s window, and
//! when the first send to each customer arrived (the bot's greeting, in
//! the inbound scenarios with a flow).
//!
//! The arrival log sits behind a `Mutex`: harness scaffolding shared by the
//! fake's handlers and the scenario, not domain state.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

/// When sends arrived.
#[derive(Debug, Default)]
struct Arrivals {
    /// Per phone_number_id.
    by_number: HashMap<String, Vec<Instant>>,
    /// The first send to each customer (`to`).
    first_to: HashMap<String, Instant>,
}

type Log = Arc<Mutex<Arrivals>>;

#[derive(Clone)]
struct Fake {
    log: Log,
    next: Arc<AtomicU64>,
}

/// The running fake.
#[derive(Debug, Clone)]
pub struct FakeGraph {
    /// `http://127.0.0.1:<port>` (the server's `graph_api_base`).
    pub url: String,
    log: Log,
}

/// The fields of a send the fake reads: `to` (a read receipt has none).
#[derive(Deserialize)]
struct SendBody<'a> {
    #[serde(borrow, default)]
    to: Option<Cow<'a, str>>,
}

/// Reads only `to`, and writes the answer as text: the fake shares the
/// machine with the server it measures, so it should cost little.
async fn send(
    State(fake): State<Fake>,
    Path((_version, phone_number_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let Ok(request) = serde_json::from_slice::<SendBody>(&body) else {
        let error = r#"{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}"#;
        return (StatusCode::BAD_REQUEST, [(CONTENT_TYPE, "application/json")], error).into_response();
    };
    let Some(to) = request.to.filter(|to| !to.is_empty()) else {
        // A read receipt (`status: read`), not a send.
        return ([(CONTENT_TYPE, "application/json")], r#"{"success":true}"#).into_response();
    };
    {
        let mut log = fake.log.lock().unwrap_or_else(|p| p.into_inner());
        log.by_number.entry(phone_number_id).or_default().push(at);
        if !log.first_to.contains_key(to.as_ref()) {
            log.first_to.insert(to.to_string(), at);
        }
    }
    let n = fake.next.fetch_add(1, Ordering::Relaxed);
    let to = serde_json::to_string(&to).unwrap_or_default();
    let answer = format!(
        r#"{{"messaging_product":"whatsapp","contacts":[{{"input":{to},"wa_id":{to}}}],"messages":[{{"id":"wamid.HBgLfakegraph{n:012}="}}]}}"#
    );
    ([(CONTENT_TYPE, "application/json")], answer).into_response()
}

impl FakeGraph {
    /// Starts the fake on a task of the current runtime.
    pub async fn start() -> anyhow::Result<Self> {
        let log: Log = Arc::default();
        let fake = Fake { log: log.clone(), next: Arc::default() };
        let app = Router::new().route("/{version}/{phone_number_id}/messages", post(send)).with_state(fake);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url: format!("http://{addr}"), log })
    }

    /// Sends received so far, all numbers.
    pub fn total(&self) -> usize {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).by_number.values().map(Vec::len).sum()
    }

    /// A copy of the arrival log, per phone_number_id.
    pub fn arrivals(&self) -> HashMap<String, Vec<Instant>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).by_number.clone()
    }

    /// When the first send to each customer arrived, by their wa_id.
    pub fn first_sends(&self) -> HashMap<String, Instant> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).first_to.clone()
    }
}

/// How the sends of all numbers came in.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RateCheck {
    /// Sends received.
    pub sends: usize,
    /// Numbers that sent.
    pub numbers: usize,
    /// From the first send to the last, seconds.
    pub span_secs: f64,
    /// Sends per second over that span, all numbers.
    pub sends_per_sec: f64,
    /// The most sends of one number within any 1 s window.
    pub max_in_any_window: usize,
    /// Numbers that exceeded `limit` in some 1 s window.
    pub numbers_over_limit: usize,
    /// The configured per-number rate checked against.
    pub limit: usize,
}

/// The most arrivals within any window of length `window` (sliding: every
/// window that starts at an arrival). `times` must be sorted.
pub fn max_in_window(times: &[Instant], window: Duration) -> usize {
    let mut best = 0;
    let mut j = 0;
    for i in 0..times.len() {
        while j < times.len() && times[j] < times[i] + window {
            j += 1;
        }
        best = best.max(j - i);
    }
    best
}

/// Checks every number's arrivals against `limit` per 1 s.
pub fn check(arrivals: &HashMap<String, Vec<Instant>>, limit: usize) -> RateCheck {
    let mut c = RateCheck { limit, numbers: arrivals.len(), ..RateCheck::default() };
    let mut first: Option<Instant> = None;
    let mut last: Option<Instant> = None;
    for times in arrivals.values() {
        let mut t = times.clone();
        t.sort_unstable();
        c.sends += t.len();
        if let (Some(a), Some(b)) = (t.first(), t.last()) {
            first = Some(first.map_or(*a, |f| f.min(*a)));
            last = Some(last.map_or(*b, |l| l.max(*b)));
        }
        let most = max_in_window(&t, Duration::from_secs(1));
        c.max_in_any_window = c.max_in_any_window.max(most);
        if most > limit {
            c.numbers_over_limit += 1;
        }
    }
    if let (Some(a), Some(b)) = (first, last) {
        c.span_secs = (b - a).as_secs_f64();
        c.sends_per_sec = c.sends as f64 / c.span_secs.max(1e-9);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_windows_find_the_densest_second() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // 4 in [0, 1000), [500, 1500) and [900, 1900); never 5.
        let times = vec![at(0), at(500), at(900), at(950), at(1200), at(1899), at(2500)];
        assert_eq!(max_in_window(&times, Duration::from_secs(1)), 4);
        assert_eq!(max_in_window(&times, Duration::from_millis(2000)), 6);
        assert_eq!(max_in_window(&[], Duration::from_secs(1)), 0);
    }
}
