//! Outbound: N numbers (one tenant each) with K customers whose service
//! window is open (each wrote in first, through a webhook), then agents
//! queue sends through `POST /api/conversations/{id}/messages` as fast as
//! the API takes them, round robin over the numbers. The fake Graph API
//! records when each send arrives; every number must stay within its
//! configured rate over every 1 s window, and the aggregate is the
//! achieved sends/s.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;

use super::{run_id, Env, Stack};
use crate::fake_graph::{self, RateCheck};
use crate::load::{self, Conn, Pace, Plan, Target};
use crate::report::{latency_cell, Check, Report};
use crate::setup;
use crate::stats::{Clock, Latency, Sampler, Summary, Usage};
use crate::webhook::Spread;

/// Parameters of the outbound scenario.
#[derive(Debug, Clone, Serialize)]
pub struct OutboundParams {
    /// Business numbers (one tenant each).
    pub numbers: usize,
    /// Customers per number.
    pub customers: usize,
    /// Sends queued per number.
    pub sends_per_number: usize,
    /// The configured rate of each number (`outbox_rate_per_sec`).
    pub rate_per_number: u32,
    /// Concurrent API requests queuing the sends.
    pub connections: usize,
    /// Give up waiting for sends to reach the fake after this long without
    /// progress, seconds.
    pub idle_secs: f64,
}

impl Default for OutboundParams {
    fn default() -> Self {
        Self {
            // 160 x 80/s = 12,800: the numbers' rates together allow more
            // than the 10,000 sends/s asked, so the rate caps no run and
            // the figure is the server's.
            numbers: 160,
            customers: 10,
            sends_per_number: 625,
            rate_per_number: 80,
            connections: 64,
            idle_secs: 15.0,
        }
    }
}

/// What the outbound scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct OutboundFigures {
    /// Sends queued (answered 202).
    pub queued: u64,
    /// Other answers to the queuing requests.
    pub errors: BTreeMap<String, u64>,
    /// Queuing requests per second.
    pub queue_rate_per_sec: f64,
    /// Latency of the queuing requests.
    pub queue_latency: Summary,
    /// What reached the fake Graph API.
    pub graph: RateCheck,
    /// The server from the first queued send to the last arrival.
    pub server: Usage,
}

/// Runs the outbound scenario.
pub async fn run(env: &Env, p: &OutboundParams) -> anyhow::Result<(Report, OutboundFigures)> {
    let run = run_id();
    let rate = ("SWITCHBOARD__WHATSAPP__OUTBOX_RATE_PER_SEC", p.rate_per_number.to_string());
    let stack = Stack::start(env, &[rate]).await?;
    let world = setup::populate(&stack.api, p.numbers, p.numbers, 0, &run).await?;
    // Customers write first: their service windows open.
    let target = Target {
        addr: stack.server.addr,
        numbers: world.numbers().into(),
        spread: Spread::Uniform { tenants: p.numbers, customers_per_tenant: p.customers as u64 },
        run: run.clone(),
        clock: Clock::default(),
    };
    let inbound = (p.numbers * p.customers) as u64;
    let plan = Plan {
        pace: Pace::Closed,
        connections: p.connections.min(64),
        max_messages: Some(inbound),
        duration: Duration::from_secs(600),
        warmup: Duration::ZERO,
        first_seq: 0,
    };
    let o = load::run(target, plan).await;
    anyhow::ensure!(o.ok == inbound, "inbound messages refused: {:?}", o.errors);
    // Per number: its agent's `Authorization` value and its chats.
    let mut conversations: Vec<(String, Vec<String>)> = Vec::new();
    for spec in &world.sockets {
        let list = stack
            .api
            .expect(
                200,
                reqwest::Method::GET,
                &format!("/api/conversations?limit={}", p.customers),
                Some(&spec.token),
                None,
            )
            .await?;
        let ids: Vec<String> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect();
        anyhow::ensure!(ids.len() == p.customers, "tenant {} lists {} conversations", spec.tenant, ids.len());
        conversations.push((format!("Bearer {}", spec.token), ids));
    }

    // Send j of number t, in the order j-major: every number gets its
    // first send before any gets its second.
    let jobs: Arc<Vec<(usize, usize)>> =
        Arc::new((0..p.sends_per_number).flat_map(|j| (0..p.numbers).map(move |t| (t, j))).collect());
    let conversations = Arc::new(conversations);
    let next = Arc::new(AtomicUsize::new(0));
    let sampler = Sampler::start(stack.server.pid);
    let started = Instant::now();
    let workers: Vec<_> = (0..p.connections)
        .map(|_| {
            let (jobs, conversations, next) = (jobs.clone(), conversations.clone(), next.clone());
            let mut conn = Conn::new(stack.server.addr);
            tokio::spawn(async move {
                let mut results = Vec::new();
                while let Some(&(t, j)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (bearer, ids) = &conversations[t];
                    let path = format!("/api/conversations/{}/messages", ids[j % ids.len()]);
                    let body = json!({"type": "text", "text": format!("outbound {j}")}).to_string();
                    let at = Instant::now();
                    let r = conn.post(&path, &[("authorization", bearer)], body.into_bytes()).await;
                    results.push((r, at.elapsed()));
                }
                results
            })
        })
        .collect();
    let mut results: Vec<(Result<u16, String>, Duration)> = Vec::with_capacity(jobs.len());
    for w in workers {
        results.extend(w.await?);
    }
    let queue_secs = started.elapsed().as_secs_f64();
    let mut queued = 0u64;
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut latency = Latency::default();
    for (r, took) in results {
        latency.record(took);
        match r {
            Ok(202) => queued += 1,
            Ok(s) => *errors.entry(s.to_string()).or_default() += 1,
            Err(e) => *errors.entry(e).or_default() += 1,
        }
    }
    wait_for_sends(&stack.graph, queued as usize, Duration::from_secs_f64(p.idle_secs)).await;
    let server = sampler.finish().await;
    let graph = fake_graph::check(&stack.graph.arrivals(), p.rate_per_number as usize);
    let _ = stack.server.stop(Duration::from_secs(30)).await;

    let figs = OutboundFigures {
        queued,
        errors,
        queue_rate_per_sec: queued as f64 / queue_secs.max(1e-9),
        queue_latency: latency.summary(),
        graph,
        server,
    };
    let mut report = Report::new("outbound", serde_json::to_value(p)?);
    fill(&mut report, p, &figs);
    report.figures = serde_json::to_value(&figs)?;
    Ok((report, figs))
}

/// Waits until `n` sends reached the fake, or none came for `idle`.
async fn wait_for_sends(graph: &fake_graph::FakeGraph, n: usize, idle: Duration) {
    let mut last = graph.total();
    let mut since = Instant::now();
    while graph.total() < n {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = graph.total();
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= idle {
            return;
        }
    }
}

fn fill(r: &mut Report, p: &OutboundParams, f: &OutboundFigures) {
    let g = &f.graph;
    r.row(
        "world",
        format!(
            "{} numbers x {} customers, {} sends each, rate {}/s per number",
            p.numbers, p.customers, p.sends_per_number, p.rate_per_number
        ),
    );
    r.row("queued (202)", format!("{} at {:.0}/s, errors {:?}", f.queued, f.queue_rate_per_sec, f.errors));
    r.row("queue request", latency_cell(&f.queue_latency));
    r.row("reached Graph", format!("{} of {} over {:.1} s", g.sends, f.queued, g.span_secs));
    r.row("Graph sends/s", format!("{:.0} (all numbers)", g.sends_per_sec));
    r.row("densest 1 s window", format!("{} sends of one number (limit {})", g.max_in_any_window, g.limit));
    r.row("numbers over limit", format!("{} of {}", g.numbers_over_limit, g.numbers));
    r.row("server", format!("RSS max {:.0} MiB, CPU {:.2} cores", f.server.rss_max_mib, f.server.cores));
    // Issue 6 asks 10,000 sends/s. When the numbers' rates together allow
    // no more than that (a custom run), the most a run can show is their
    // sum, less the ramp: 95% of it passes, and the line says so.
    let cap = p.numbers as f64 * f64::from(p.rate_per_number);
    let (target, label) = if cap > 10_000.0 {
        (10_000.0, "10000 sends/s across numbers".to_string())
    } else {
        (cap * 0.95, format!("95% of the numbers' {cap:.0} sends/s together"))
    };
    r.checks.push(Check::new(label, format!("{:.0} sends/s", g.sends_per_sec), g.sends_per_sec >= target));
    r.checks.push(Check::new(
        "each number within its rate over every 1 s window",
        format!(
            "densest window {} (limit {}), {} numbers over",
            g.max_in_any_window, g.limit, g.numbers_over_limit
        ),
        g.numbers_over_limit == 0,
    ));
    r.checks.push(Check::new(
        "every queued send reaches the Graph API",
        format!("{} of {}", g.sends, f.queued),
        g.sends as u64 == f.queued,
    ));
}
