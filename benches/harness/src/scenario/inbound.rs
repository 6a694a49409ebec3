//! Inbound load: T tenants, A agent sockets, signed webhooks over
//! keep-alive connections, closed loop (`closed`, with the baseline run
//! first on the same generator) or open loop at a rate (`open`), and the
//! bare baseline alone (`baseline`).
//!
//! Every acknowledged message must reach every socket of its tenant; the
//! delivery check says how many (socket, message) pairs arrived.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::{run_id, BaselineMode, Env, Stack};
use crate::baseline;
use crate::fake_graph::FakeGraph;
use crate::load::{self, LoadFigures, Outcome, Pace, Plan, Target};
use crate::report::{latency_cell, Check, Report};
use crate::server;
use crate::setup::{self, Api};
use crate::sockets::{self, Delivery};
use crate::stats::{Clock, Latency, Sampler, Summary, Usage};
use crate::webhook::{NumberSpec, Spread};

/// Parameters of an inbound run.
#[derive(Debug, Clone, Serialize)]
pub struct InboundParams {
    /// Tenants (one number each).
    pub tenants: usize,
    /// Agent WebSockets.
    pub sockets: usize,
    /// Staff sockets per tenant besides the manager's.
    pub staff_per_tenant: usize,
    /// Customers, spread evenly over the tenants.
    pub customers: u64,
    /// Keep-alive connections of the generator.
    pub connections: usize,
    /// Messages per second (`None`: closed loop).
    pub rate: Option<f64>,
    /// Sending time, seconds.
    pub secs: f64,
    /// Not measured at the start, seconds.
    pub warmup_secs: f64,
    /// Stop after this many messages instead (smoke).
    pub messages: Option<u64>,
    /// How long to wait without progress for frames still missing, seconds.
    pub drain_secs: f64,
    /// Run the bare baseline first, same generator and plan.
    pub baseline: bool,
    /// Run our server (`false`: baseline only).
    pub ours: bool,
    /// Publish a greeting flow on every tenant first, so every new
    /// conversation also runs the chatbot (issue 7).
    pub flow: bool,
}

impl InboundParams {
    /// The closed-loop scenario.
    pub fn closed() -> Self {
        Self {
            tenants: 1000,
            sockets: 500,
            staff_per_tenant: 1,
            customers: 100_000,
            connections: 64,
            rate: None,
            secs: 20.0,
            warmup_secs: 3.0,
            messages: None,
            drain_secs: 10.0,
            flow: false,
            baseline: true,
            ours: true,
        }
    }

    /// The open-loop scenario at `rate`.
    pub fn open(rate: f64) -> Self {
        Self {
            rate: Some(rate),
            secs: 60.0,
            warmup_secs: 5.0,
            connections: 256,
            baseline: false,
            ..Self::closed()
        }
    }

    /// The baseline alone.
    pub fn baseline_only() -> Self {
        Self { ours: false, sockets: 0, ..Self::closed() }
    }

    fn plan(&self, first_seq: u64) -> Plan {
        Plan {
            pace: self.rate.map_or(Pace::Closed, |rate| Pace::Open { rate }),
            connections: self.connections,
            max_messages: self.messages,
            duration: Duration::from_secs_f64(self.secs),
            warmup: Duration::from_secs_f64(self.warmup_secs),
            first_seq,
        }
    }
}

/// One server's run under the generator.
#[derive(Debug, Clone, Serialize)]
pub struct RunFigures {
    /// What the generator saw.
    pub load: LoadFigures,
    /// The server process over the run (`None`: in-process baseline).
    pub server: Option<Usage>,
    /// The harness process over the run.
    pub generator: Usage,
    /// Server CPU per acknowledged message, µs.
    pub server_cpu_us_per_msg: Option<f64>,
    /// Group-commit flushes during the run (ours only).
    pub flushes: Option<f64>,
    /// Mean flush time, ms (ours only).
    pub flush_mean_ms: Option<f64>,
}

/// Everything an inbound scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct InboundFigures {
    /// The bare baseline.
    pub baseline: Option<RunFigures>,
    /// Switchboard.
    pub ours: Option<RunFigures>,
    /// ours / baseline throughput.
    pub ratio: Option<f64>,
    /// Webhook to agent socket.
    pub delivery: Option<Delivery>,
    /// Onboarding and sign-ins, seconds.
    pub setup_secs: f64,
    /// Open loop with a flow: the bot's greetings at the fake Graph API.
    pub greetings: Option<Greetings>,
}

/// How the bot's greetings of the measured new chats reached the fake
/// Graph API, timed from when the chat's first message was due: what a
/// customer waits for the bot's first word.
#[derive(Debug, Clone, Serialize)]
pub struct Greetings {
    /// New chats whose first message was due after the warm-up.
    pub expected: u64,
    /// Scheduled first message to greeting, of those greeted (its
    /// `count`).
    pub latency: Summary,
}

/// Runs an inbound scenario named `name`.
pub async fn run(env: &Env, name: &str, p: &InboundParams) -> anyhow::Result<(Report, InboundFigures)> {
    let clock = Clock::default();
    let run = run_id();
    let setup_started = Instant::now();
    let stack = Stack::start(env, &[]).await?;
    let world =
        setup::populate(&stack.api, p.tenants, if p.ours { p.sockets } else { 0 }, p.staff_per_tenant, &run)
            .await?;
    if p.flow && p.ours {
        setup::publish_greetings(&stack.api, &world).await?;
    }
    let numbers = world.numbers();
    let spread = Spread::Uniform {
        tenants: p.tenants,
        customers_per_tenant: (p.customers / p.tenants.max(1) as u64).max(1),
    };
    let readers = sockets::open(&stack.server.base, &world.sockets, clock).await?;
    let setup_secs = setup_started.elapsed().as_secs_f64();

    let baseline = if p.baseline || !p.ours {
        Some(run_baseline(env, &numbers, spread, &run, clock, p).await?)
    } else {
        None
    };

    let mut ours = None;
    let mut delivery = None;
    let mut greetings = None;
    if p.ours {
        let target = Target {
            addr: stack.server.addr,
            numbers: numbers.clone().into(),
            spread,
            run: run.clone(),
            clock,
        };
        let before = flush_counts(&stack.api).await;
        let sampler = Sampler::start(stack.server.pid);
        let me = Sampler::start(std::process::id());
        readers.measure_from(clock.ns_at(Instant::now() + Duration::from_secs_f64(p.warmup_secs)));
        let perf = env.perf.as_ref().map(|(secs, dir)| {
            super::profile(
                stack.server.pid,
                Duration::from_secs_f64(p.warmup_secs),
                *secs,
                dir.join(format!("{name}.perf.data")),
            )
        });
        let outcome = load::run(target, p.plan(1_000_000_000)).await;
        if let Some(perf) = perf {
            let _ = perf.await;
        }
        let expected: u64 =
            world.sockets.iter().map(|s| outcome.acked.get(s.tenant).map_or(0, |a| a.len() as u64)).sum();
        readers.wait_for(expected, Duration::from_secs_f64(p.drain_secs)).await;
        if let (true, Some(rate)) = (p.flow, p.rate) {
            greetings = Some(greeted(&stack.graph, &outcome, spread, rate, p).await);
        }
        let server_usage = sampler.finish().await;
        let generator = me.finish().await;
        let after = flush_counts(&stack.api).await;
        let outs = readers.finish().await;
        let (d, _) = sockets::check(&outs, &outcome.acked);
        delivery = Some(d);
        ours = Some(figures(&outcome, Some(server_usage), generator, before.zip(after)));
    } else {
        readers.finish().await;
    }
    let _ = stack.server.stop(Duration::from_secs(30)).await;

    let ratio = match (&ours, &baseline) {
        (Some(o), Some(b)) if b.load.throughput_per_sec > 0.0 => {
            Some(o.load.throughput_per_sec / b.load.throughput_per_sec)
        }
        _ => None,
    };
    let figs = InboundFigures { baseline, ours, ratio, delivery, setup_secs, greetings };
    let mut report = Report::new(name, serde_json::to_value(p)?);
    fill(&mut report, p, &figs);
    report.figures = serde_json::to_value(&figs)?;
    Ok((report, figs))
}

/// Times each measured new chat's greeting from its first message's due
/// time, once the greetings have stopped coming (the server may hold them
/// back while webhooks queue, `whatsapp.outbox_yield_above_webhooks`).
async fn greeted(graph: &FakeGraph, o: &Outcome, spread: Spread, rate: f64, p: &InboundParams) -> Greetings {
    let Some(started) = o.started else {
        return Greetings { expected: 0, latency: Latency::default().summary() };
    };
    let measure_from = started + Duration::from_secs_f64(p.warmup_secs);
    let mut due_of = std::collections::HashMap::new();
    for &seq in o.acked.iter().flatten() {
        let (tenant, customer) = spread.target(seq);
        let due = started + Duration::from_secs_f64((seq - o.first_seq) as f64 / rate);
        let first = due_of.entry(crate::webhook::wa_id(tenant, customer)).or_insert(due);
        *first = (*first).min(due);
    }
    due_of.retain(|_, due| *due >= measure_from);
    let (mut seen, mut quiet_since) = (0, Instant::now());
    while quiet_since.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = graph.first_sends().len();
        if now != seen {
            (seen, quiet_since) = (now, Instant::now());
        }
    }
    let firsts = graph.first_sends();
    let mut latency = Latency::default();
    for (wa, due) in &due_of {
        if let Some(at) = firsts.get(wa) {
            latency.record(at.saturating_duration_since(*due));
        }
    }
    Greetings { expected: due_of.len() as u64, latency: latency.summary() }
}

/// The baseline under the same plan.
async fn run_baseline(
    env: &Env,
    numbers: &[NumberSpec],
    spread: Spread,
    run: &str,
    clock: Clock,
    p: &InboundParams,
) -> anyhow::Result<RunFigures> {
    let (addr, child, _dir) = match &env.baseline {
        BaselineMode::InProcess => (baseline::serve_in_process(numbers).await?, None, None),
        BaselineMode::Child(exe) => {
            let dir = tempfile::tempdir()?;
            let file = dir.path().join("secrets");
            baseline::write_secrets(&file, numbers)?;
            let mut cmd = tokio::process::Command::new(exe);
            cmd.arg("serve-baseline").arg(&file);
            let child = server::spawn(cmd).await?;
            (child.addr, Some(child), Some(dir))
        }
    };
    let target = Target { addr, numbers: numbers.to_vec().into(), spread, run: format!("{run}b"), clock };
    let sampler = child.as_ref().map(|c| Sampler::start(c.pid));
    let me = Sampler::start(std::process::id());
    let outcome = load::run(target, p.plan(0)).await;
    let server_usage = match sampler {
        Some(s) => Some(s.finish().await),
        None => None,
    };
    let generator = me.finish().await;
    if let Some(c) = child {
        let _ = c.stop(Duration::from_secs(5)).await;
    }
    Ok(figures(&outcome, server_usage, generator, None))
}

fn figures(
    o: &Outcome,
    server: Option<Usage>,
    generator: Usage,
    flushes: Option<((f64, f64), (f64, f64))>,
) -> RunFigures {
    let per_msg = server.as_ref().filter(|_| o.ok > 0).map(|s| s.cpu_secs * 1e6 / o.ok as f64);
    let (flushes, flush_mean_ms) = match flushes {
        Some(((c0, s0), (c1, s1))) if c1 > c0 => (Some(c1 - c0), Some((s1 - s0) * 1000.0 / (c1 - c0))),
        _ => (None, None),
    };
    RunFigures {
        load: o.figures(),
        server,
        generator,
        server_cpu_us_per_msg: per_msg,
        flushes,
        flush_mean_ms,
    }
}

/// (count, sum seconds) of the server's group-commit flush histogram.
pub async fn flush_counts(api: &Api) -> Option<(f64, f64)> {
    let text = api.text("/metrics").await.ok()?;
    let value = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok()))
    };
    Some((value("switchboard_store_flush_seconds_count ")?, value("switchboard_store_flush_seconds_sum ")?))
}

fn fill(r: &mut Report, p: &InboundParams, f: &InboundFigures) {
    let pace = p.rate.map_or(format!("closed loop, {} connections", p.connections), |rate| {
        format!("open loop at {rate:.0}/s, {} connections", p.connections)
    });
    r.row("load", format!("{pace}, {} s ({} s warm-up)", p.secs, p.warmup_secs));
    r.row("world", format!("{} tenants, {} sockets, {} customers", p.tenants, p.sockets, p.customers));
    r.row("setup", format!("{:.1} s", f.setup_secs));
    for (label, run) in [("baseline", &f.baseline), ("ours", &f.ours)] {
        let Some(run) = run else { continue };
        let l = &run.load;
        r.row(
            &format!("{label} throughput"),
            format!("{:.0} msg/s ({} ok of {} sent)", l.throughput_per_sec, l.ok, l.sent),
        );
        if !l.errors.is_empty() || l.unsent > 0 {
            r.row(&format!("{label} errors"), format!("{:?}, unsent {}", l.errors, l.unsent));
        }
        r.row(&format!("{label} ack"), latency_cell(&l.ack));
        if p.rate.is_some() {
            r.row(&format!("{label} send lag"), latency_cell(&l.send_lag));
        }
        if l.slow_acks_by_second.iter().any(|n| *n > 0) {
            r.row(&format!("{label} acks > 10 ms"), by_second_cell(&l.slow_acks_by_second));
        }
        if let Some(s) = &run.server {
            r.row(
                &format!("{label} server"),
                format!(
                    "RSS {:.0} MiB (max {:.0}), CPU {:.2} cores, {:.1} µs/msg",
                    s.rss_end_mib,
                    s.rss_max_mib,
                    s.cores,
                    run.server_cpu_us_per_msg.unwrap_or(0.0)
                ),
            );
        }
        r.row(
            &format!("{label} generator"),
            format!(
                "CPU {:.2} cores (machine busy {:.2} of {} cores)",
                run.generator.cores, run.generator.machine_cores, r.machine.cores
            ),
        );
        if let Some(s) = run.server.as_ref().filter(|s| !s.by_second.is_empty()) {
            r.row(&format!("{label} cores by second"), cores_by_second_cell(s));
        }
        if let (Some(n), Some(ms)) = (run.flushes, run.flush_mean_ms) {
            r.row(
                &format!("{label} group commit"),
                format!("{n:.0} flushes, {ms:.2} ms mean, {:.1} msg/flush", l.ok as f64 / n),
            );
        }
    }
    if let Some(ratio) = f.ratio {
        r.row("ours / baseline", format!("{ratio:.3}"));
    }
    if let Some(d) = &f.delivery {
        r.row(
            "ws delivered",
            format!(
                "{} of {} (missing {}, duplicates {}, sockets ended {})",
                d.delivered,
                d.expected,
                d.missing,
                d.duplicates,
                d.ended.len()
            ),
        );
        r.row("webhook -> ws", latency_cell(&d.latency));
    }
    if let Some(g) = &f.greetings {
        r.row("bot greetings", format!("{} of {} new chats greeted", g.latency.count, g.expected));
        r.row("first msg -> greeting", latency_cell(&g.latency));
    }
    checks(r, p, f);
}

fn checks(r: &mut Report, p: &InboundParams, f: &InboundFigures) {
    let (Some(ours), Some(d)) = (&f.ours, &f.delivery) else { return };
    let lost = d.missing == 0 && ours.load.ok == ours.load.sent && ours.load.unsent == 0;
    let lost_text = format!(
        "{} errors, {} unsent, {} frames missing",
        ours.load.sent - ours.load.ok,
        ours.load.unsent,
        d.missing
    );
    match p.rate {
        None => {
            if let Some(ratio) = f.ratio {
                r.checks.push(Check::new(
                    "closed loop >= 0.5 x baseline",
                    format!("{ratio:.3} ({:.0} msg/s)", ours.load.throughput_per_sec),
                    ratio >= 0.5,
                ));
            }
            r.checks.push(Check::new("every message reaches its agents' sockets", lost_text, lost));
        }
        Some(rate) => {
            let (ack, ws) = if rate >= 20_000.0 { (25.0, 50.0) } else { (10.0, 15.0) };
            let sustained = ours.load.throughput_per_sec >= rate * 0.98;
            r.checks.push(Check::new(
                format!("{rate:.0}/s sustained"),
                format!("{:.0} msg/s", ours.load.throughput_per_sec),
                sustained,
            ));
            r.checks.push(Check::new(
                format!("ack p99 < {ack} ms"),
                format!("{:.2} ms", ours.load.ack.p99_ms),
                ours.load.ack.p99_ms < ack,
            ));
            r.checks.push(Check::new(
                format!("webhook -> ws p99 < {ws} ms"),
                format!("{:.2} ms", d.latency.p99_ms),
                d.latency.p99_ms < ws,
            ));
            r.checks.push(Check::new("nothing lost", lost_text, lost));
        }
    }
}

/// The server's and the machine's cores busy in each second of the run,
/// as `second:server/machine`.
fn cores_by_second_cell(s: &Usage) -> String {
    let seconds: Vec<String> = s
        .by_second
        .iter()
        .enumerate()
        .map(|(i, u)| format!("{i}s:{:.2}/{:.2}", u.cores, u.machine_cores))
        .collect();
    format!("server/machine: {}", seconds.join(" "))
}

/// Per-second counts as `second:count` for the seconds that have any.
fn by_second_cell(counts: &[u32]) -> String {
    let seconds: Vec<String> =
        counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(s, n)| format!("{s}s:{n}")).collect();
    format!("by second due: {}", seconds.join(" "))
}
