//! The agents' WebSockets: one reader task per socket. Each reader picks the
//! harness's `message.created` frames out of the stream, records the
//! latency from the stamp in the text to the frame's arrival, and keeps the
//! sequence numbers it saw so delivery can be checked message by message.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::stats::{Clock, Latency, Summary};
use crate::webhook::stamp_of;

/// One agent's socket to open.
#[derive(Debug, Clone)]
pub struct SocketSpec {
    /// Index of the agent's tenant.
    pub tenant: usize,
    /// `manager` or `staff`.
    pub role: &'static str,
    /// The agent's session token.
    pub token: String,
}

/// What one reader saw.
#[derive(Debug, Default)]
pub struct ReaderOut {
    /// Its tenant index.
    pub tenant: usize,
    /// Harness sequence numbers of the `message.created` frames, in order.
    pub seqs: Vec<u64>,
    /// Stamp-to-frame latency of the measured messages.
    pub latency: Latency,
    /// Text frames of any type.
    pub frames: u64,
    /// Why the socket ended before it was told to stop, if it did.
    pub ended: Option<String>,
}

/// The running readers.
#[derive(Debug)]
pub struct Readers {
    tasks: Vec<JoinHandle<ReaderOut>>,
    stop: watch::Sender<bool>,
    /// `message.created` frames received so far, all sockets together.
    received: Arc<AtomicU64>,
    /// Stamps below this (ns) are not recorded (warm-up).
    measure_from: Arc<AtomicU64>,
}

/// Opens every socket, `concurrency` at a time, and starts its reader.
pub async fn open(base: &str, specs: &[SocketSpec], clock: Clock) -> anyhow::Result<Readers> {
    let (stop, stopped) = watch::channel(false);
    let received = Arc::new(AtomicU64::new(0));
    let measure_from = Arc::new(AtomicU64::new(u64::MAX));
    let ws_base = base.replacen("http://", "ws://", 1);
    let mut tasks = Vec::with_capacity(specs.len());
    for spec in specs {
        let url = format!("{ws_base}/api/ws?token={}", spec.token);
        let (stream, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| {
            anyhow::anyhow!("WebSocket upgrade for a {} of tenant {}: {e}", spec.role, spec.tenant)
        })?;
        let ctx = ReaderCtx {
            tenant: spec.tenant,
            clock,
            stopped: stopped.clone(),
            received: received.clone(),
            measure_from: measure_from.clone(),
        };
        tasks.push(tokio::spawn(read(stream, ctx)));
    }
    Ok(Readers { tasks, stop, received, measure_from })
}

struct ReaderCtx {
    tenant: usize,
    clock: Clock,
    stopped: watch::Receiver<bool>,
    received: Arc<AtomicU64>,
    measure_from: Arc<AtomicU64>,
}

type Stream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn read(mut stream: Stream, mut ctx: ReaderCtx) -> ReaderOut {
    let mut out = ReaderOut { tenant: ctx.tenant, ..ReaderOut::default() };
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            _ = ctx.stopped.wait_for(|s| *s) => break,
        };
        match next {
            Some(Ok(Message::Text(text))) => {
                let now = ctx.clock.now_ns();
                out.frames += 1;
                if let Some((seq, stamp)) = stamp_of(text.as_str()) {
                    out.seqs.push(seq);
                    if stamp >= ctx.measure_from.load(Ordering::Relaxed) {
                        out.latency.record_micros(now.saturating_sub(stamp) / 1000);
                    }
                    ctx.received.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(Ok(Message::Close(frame))) => {
                out.ended = Some(format!("closed by the server: {frame:?}"));
                break;
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                out.ended = Some(format!("socket error: {e}"));
                break;
            }
            None => {
                out.ended = Some("socket ended".into());
                break;
            }
        }
    }
    let _ = stream.close(None).await;
    out
}

impl Readers {
    /// Latency is recorded for stamps from `ns` on (call once the warm-up
    /// is known; before that nothing is recorded).
    pub fn measure_from(&self, ns: u64) {
        self.measure_from.store(ns, Ordering::Relaxed);
    }

    /// `message.created` frames received so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Waits until `expected` frames arrived, or nothing new came for
    /// `idle` (then some are missing; the check says which).
    pub async fn wait_for(&self, expected: u64, idle: Duration) {
        let mut last = self.received();
        let mut since = Instant::now();
        while self.received() < expected {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let now = self.received();
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= idle {
                return;
            }
        }
    }

    /// Stops every reader and collects what they saw.
    pub async fn finish(self) -> Vec<ReaderOut> {
        let _ = self.stop.send(true);
        let mut outs = Vec::with_capacity(self.tasks.len());
        for t in self.tasks {
            outs.push(t.await.unwrap_or_default());
        }
        outs
    }
}

/// Whether every acknowledged message reached every socket of its tenant.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delivery {
    /// Sockets.
    pub sockets: usize,
    /// (socket, acknowledged message of its tenant) pairs.
    pub expected: u64,
    /// Of those, the pairs that arrived.
    pub delivered: u64,
    /// Pairs that never arrived.
    pub missing: u64,
    /// Frames of one message that arrived twice on one socket.
    pub duplicates: u64,
    /// Harness frames of messages that were never acknowledged (a failed
    /// POST whose message was stored anyway).
    pub unacknowledged: u64,
    /// Sockets the server ended during the run, and why (first few).
    pub ended: Vec<String>,
    /// Stamp-to-frame latency over every socket.
    pub latency: Summary,
    /// Frames of every type, all sockets.
    pub frames: u64,
}

/// Compares what the readers saw with what was acknowledged (`acked[t]`:
/// the sequence numbers acknowledged for tenant `t`).
pub fn check(readers: &[ReaderOut], acked: &[Vec<u64>]) -> (Delivery, Latency) {
    let mut d = Delivery { sockets: readers.len(), ..Delivery::default() };
    let mut latency = Latency::default();
    for r in readers {
        latency.merge(&r.latency);
        d.frames += r.frames;
        if let Some(why) = &r.ended {
            if d.ended.len() < 5 {
                d.ended.push(format!("tenant {}: {why}", r.tenant));
            }
        }
        let mut seen = r.seqs.clone();
        seen.sort_unstable();
        let before = seen.len();
        seen.dedup();
        d.duplicates += (before - seen.len()) as u64;
        let want = acked.get(r.tenant).map(Vec::as_slice).unwrap_or_default();
        d.expected += want.len() as u64;
        let mut hits = 0u64;
        for seq in want {
            if seen.binary_search(seq).is_ok() {
                hits += 1;
            }
        }
        d.delivered += hits;
        d.unacknowledged += seen.len() as u64 - hits;
    }
    d.missing = d.expected - d.delivered;
    d.latency = latency.summary();
    (d, latency)
}
