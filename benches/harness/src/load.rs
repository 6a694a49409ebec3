//! The load generator: signed webhooks over HTTP/1.1 keep-alive
//! connections, one message per POST.
//!
//! - **Closed loop**: each connection sends its next request as soon as the
//!   previous one is answered; the result is the maximum throughput.
//! - **Open loop**: message `k` is due at `start + k / rate`. A connection
//!   takes the next due message, waits for its time if it is early, and
//!   measures latency from the *scheduled* time, so a slow server cannot
//!   hide its queueing by slowing the generator down (no coordinated
//!   omission). The lateness of each send (`send_lag`) is recorded too: it
//!   is the generator's own error (tokio timers tick in milliseconds).
//!
//! Each worker keeps its own histogram and counters; they are merged at
//! the end, so the hot path takes no lock.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpStream;

use crate::stats::{Clock, Latency, Summary};
use crate::webhook::{self, NumberSpec, Spread};

/// What to post to.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server.
    pub addr: SocketAddr,
    /// One business number per tenant, in tenant order.
    pub numbers: Arc<Vec<NumberSpec>>,
    /// Which tenant and customer each message goes to.
    pub spread: Spread,
    /// Keeps wamids unique across runs.
    pub run: String,
    /// The stamp clock shared with the socket readers.
    pub clock: Clock,
}

/// How to pace the requests.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// As fast as answers come back.
    Closed,
    /// This many messages per second, whatever the answers do.
    Open {
        /// Messages per second.
        rate: f64,
    },
}

/// One run of the generator.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Closed or open loop.
    pub pace: Pace,
    /// Keep-alive connections.
    pub connections: usize,
    /// Stop after this many messages (`None`: after `duration`).
    pub max_messages: Option<u64>,
    /// Sending stops after this long (a safety bound when `max_messages`
    /// is given).
    pub duration: Duration,
    /// Latency and throughput count only requests due after this much.
    pub warmup: Duration,
    /// Sequence number of the first message (runs on one server continue).
    pub first_seq: u64,
}

/// What the generator saw.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Requests sent.
    pub sent: u64,
    /// Requests answered 200.
    pub ok: u64,
    /// Every other outcome: HTTP status or `io`, with its count.
    pub errors: BTreeMap<String, u64>,
    /// Sequence numbers answered 200, per tenant.
    pub acked: Vec<Vec<u64>>,
    /// Sequence numbers sent but not answered 200 (they may still arrive).
    pub failed: Vec<u64>,
    /// Acknowledgement latency of the measured requests.
    pub ack: Latency,
    /// How late each open-loop request left after its scheduled time.
    pub send_lag: Latency,
    /// Measured acknowledgements slower than [`SLOW_ACK`], by the second
    /// of the run they were due in: whether the tail is spread out or
    /// comes in bursts, and how often.
    pub slow_by_second: Vec<u32>,
    /// 200s completed inside the measuring window.
    pub measured_ok: u64,
    /// The measuring window, seconds.
    pub measured_secs: f64,
    /// Open loop: messages due that were never sent (the generator fell
    /// too far behind).
    pub unsent: u64,
    /// The next free sequence number.
    pub next_seq: u64,
    /// When the plan's first message was due (open loop) or the run began.
    pub started: Option<Instant>,
    /// The plan's first sequence number.
    pub first_seq: u64,
}

impl Outcome {
    /// 200s per second inside the measuring window.
    pub fn throughput(&self) -> f64 {
        self.measured_ok as f64 / self.measured_secs.max(1e-9)
    }

    /// The figures of this run, for the report.
    pub fn figures(&self) -> LoadFigures {
        LoadFigures {
            sent: self.sent,
            ok: self.ok,
            errors: self.errors.clone(),
            unsent: self.unsent,
            throughput_per_sec: self.throughput(),
            measured_secs: self.measured_secs,
            ack: self.ack.summary(),
            send_lag: self.send_lag.summary(),
            slow_acks_by_second: self.slow_by_second.clone(),
        }
    }
}

/// The serialisable part of an [`Outcome`].
#[derive(Debug, Clone, Serialize)]
pub struct LoadFigures {
    /// Requests sent.
    pub sent: u64,
    /// Answered 200.
    pub ok: u64,
    /// Other outcomes.
    pub errors: BTreeMap<String, u64>,
    /// Open loop: due but never sent.
    pub unsent: u64,
    /// 200s per second in the measuring window.
    pub throughput_per_sec: f64,
    /// The measuring window.
    pub measured_secs: f64,
    /// Acknowledgement latency.
    pub ack: Summary,
    /// Generator lateness (open loop).
    pub send_lag: Summary,
    /// Acknowledgements slower than [`SLOW_ACK`], by second of the run.
    pub slow_acks_by_second: Vec<u32>,
}

/// An acknowledgement slower than this is counted per second of the run.
pub const SLOW_ACK: Duration = Duration::from_millis(10);

/// Counts one at `second`.
fn count_at(counts: &mut Vec<u32>, second: usize) {
    if counts.len() <= second {
        counts.resize(second + 1, 0);
    }
    counts[second] += 1;
}

/// Adds `other`'s per-second counts to `into`.
fn add_by_second(into: &mut Vec<u32>, other: &[u32]) {
    if into.len() < other.len() {
        into.resize(other.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(other) {
        *a += b;
    }
}

/// How long an open-loop generator may run past its duration to send
/// what is already due before it gives up on the rest.
const OVERRUN: Duration = Duration::from_secs(10);

/// Runs the generator to the end of its plan.
pub async fn run(target: Target, plan: Plan) -> Outcome {
    let target = Arc::new(target);
    let next = Arc::new(AtomicU64::new(plan.first_seq));
    let start = Instant::now();
    let workers: Vec<_> = (0..plan.connections.max(1))
        .map(|_| tokio::spawn(worker(target.clone(), plan, next.clone(), start)))
        .collect();
    let mut total = Outcome {
        acked: vec![Vec::new(); target.numbers.len()],
        started: Some(start),
        first_seq: plan.first_seq,
        ..Outcome::default()
    };
    let mut last_done = start;
    for w in workers {
        let Ok(w) = w.await else { continue };
        total.sent += w.sent;
        total.ok += w.ok;
        for (k, v) in w.errors {
            *total.errors.entry(k).or_default() += v;
        }
        for (t, seqs) in w.acked.into_iter().enumerate() {
            total.acked[t].extend(seqs);
        }
        total.failed.extend(w.failed);
        total.ack.merge(&w.ack);
        total.send_lag.merge(&w.send_lag);
        add_by_second(&mut total.slow_by_second, &w.slow_by_second);
        total.measured_ok += w.measured_ok;
        total.unsent += w.unsent;
        if let Some(d) = w.last_done {
            last_done = last_done.max(d);
        }
    }
    let window_end = match plan.max_messages {
        Some(_) => last_done,
        None => last_done.min(start + plan.duration),
    };
    total.measured_secs = window_end.saturating_duration_since(start + plan.warmup).as_secs_f64();
    let claimed = next.load(Ordering::Relaxed);
    total.next_seq = plan.max_messages.map_or(claimed, |m| claimed.min(plan.first_seq + m));
    total
}

/// One worker's share.
#[derive(Default)]
struct WorkerOut {
    sent: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
    acked: Vec<Vec<u64>>,
    failed: Vec<u64>,
    ack: Latency,
    send_lag: Latency,
    slow_by_second: Vec<u32>,
    measured_ok: u64,
    unsent: u64,
    last_done: Option<Instant>,
}

async fn worker(target: Arc<Target>, plan: Plan, next: Arc<AtomicU64>, start: Instant) -> WorkerOut {
    let mut out = WorkerOut { acked: vec![Vec::new(); target.numbers.len()], ..WorkerOut::default() };
    let measure_from = start + plan.warmup;
    let end = start + plan.duration;
    let unix = webhook::unix_now();
    let mut conn = Conn::new(target.addr);
    loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        if plan.max_messages.is_some_and(|m| k >= plan.first_seq + m) {
            break;
        }
        let scheduled = match plan.pace {
            Pace::Closed => {
                if Instant::now() >= end {
                    break;
                }
                None
            }
            Pace::Open { rate } => {
                let due = start + Duration::from_secs_f64((k - plan.first_seq) as f64 / rate);
                if due >= end {
                    break;
                }
                if Instant::now() > end + OVERRUN {
                    out.unsent += 1;
                    continue;
                }
                tokio::time::sleep_until(due.into()).await;
                Some(due)
            }
        };
        let sent_at = Instant::now();
        let origin = scheduled.unwrap_or(sent_at);
        if let Some(due) = scheduled {
            if due >= measure_from {
                out.send_lag.record(sent_at - due);
            }
        }
        let (tenant, customer) = target.spread.target(k);
        let number = &target.numbers[tenant];
        let wa = webhook::wa_id(tenant, customer);
        let body = webhook::body(number, &wa, &target.run, k, target.clock.ns_at(origin), unix);
        let signature = whatsapp::sign(&number.app_secret, &body);
        out.sent += 1;
        let result = conn.post("/webhooks/whatsapp", &[("x-hub-signature-256", &signature)], body).await;
        let done = Instant::now();
        out.last_done = Some(out.last_done.map_or(done, |d| d.max(done)));
        match result {
            Ok(200) => {
                out.ok += 1;
                out.acked[tenant].push(k);
                if origin >= measure_from {
                    out.ack.record(done - origin);
                    if done - origin > SLOW_ACK {
                        let second = (origin - start).as_secs() as usize;
                        count_at(&mut out.slow_by_second, second);
                    }
                }
                if done >= measure_from && (plan.max_messages.is_some() || done <= end) {
                    out.measured_ok += 1;
                }
            }
            Ok(status) => {
                *out.errors.entry(status.to_string()).or_default() += 1;
                out.failed.push(k);
            }
            Err(e) => {
                *out.errors.entry(format!("io: {e}")).or_default() += 1;
                out.failed.push(k);
            }
        }
    }
    out
}

/// One HTTP/1.1 keep-alive connection of the harness, opened on first use
/// and again after it broke: raw hyper, so the generator spends its CPU on
/// requests, not on a client's layers (it shares the machine with the
/// server it measures).
pub struct Conn {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    /// A connection to `addr`, opened by the first request.
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr, host: addr.to_string(), sender: None }
    }

    /// Posts a JSON `body` to `path` with the extra `headers`; returns the
    /// status once the answer's body is read. An error drops the
    /// connection: the next request opens another.
    pub async fn post(&mut self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Result<u16, String> {
        let result = self.try_post(path, headers, body).await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn try_post(&mut self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Result<u16, String> {
        if self.sender.as_ref().is_none_or(|c| c.is_closed()) {
            self.sender = Some(connect(self.addr).await?);
        }
        let sender = self.sender.as_mut().ok_or("no connection")?;
        sender.ready().await.map_err(|e| e.to_string())?;
        let mut request =
            Request::post(path).header("host", &self.host).header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body))).map_err(|e| e.to_string())?;
        let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        response.into_body().collect().await.map_err(|e| e.to_string())?;
        Ok(status)
    }
}

/// Opens one HTTP/1.1 keep-alive connection.
async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}
