//! Scale: T tenants, N conversations created through webhooks (one new
//! customer per message; tenant 0 gets `big` of them, the rest spread over
//! the others). Then: server RSS once the load has settled, list/filter
//! latency over tenant 0, a clean stop, a cold restart timed until
//! `/readyz` answers 200, RSS after the restart, and the same queries again.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::{run_id, Env, Stack};
use crate::load::{self, LoadFigures, Pace, Plan, Target};
use crate::report::{latency_cell, Check, Report};
use crate::server;
use crate::setup::{self, Api, PASSWORD};
use crate::stats::{sample, Clock, Latency, Sampler, Summary, Usage};
use crate::webhook::Spread;

/// Parameters of the scale scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleParams {
    /// Tenants (one number each).
    pub tenants: usize,
    /// Conversations created, all tenants.
    pub conversations: u64,
    /// Of those, tenant 0's (the one the list queries run over).
    pub big: u64,
    /// Generator connections.
    pub connections: usize,
    /// Wait after the load before reading RSS, seconds (give passivation
    /// its idle time).
    pub settle_secs: f64,
    /// The server's `actors.passivate_after_ms` for this run: the settled
    /// RSS is the point of the scenario, so the idle time is shorter than
    /// the settle time (the default of 60 s would keep every actor alive).
    pub passivate_after_ms: u64,
    /// Requests per list query kind.
    pub queries: usize,
    /// Ask the kernel to drop its page cache before the restart (root only;
    /// reported whether it worked).
    pub drop_caches: bool,
}

impl Default for ScaleParams {
    fn default() -> Self {
        Self {
            tenants: 1000,
            conversations: 1_000_000,
            big: 100_000,
            connections: 64,
            settle_secs: 15.0,
            passivate_after_ms: 5_000,
            queries: 500,
            drop_caches: true,
        }
    }
}

/// Latency of each list query kind.
#[derive(Debug, Clone, Serialize)]
pub struct Queries {
    /// `status=open&assignee=none&limit=50` (Not Assigned).
    pub not_assigned: Summary,
    /// `q=<digits>&limit=50` (search over name, number and preview).
    pub search: Summary,
    /// `limit=50` (everything, newest first).
    pub all: Summary,
    /// Conversations the manager's counts report (open + closed).
    pub counted: u64,
    /// Items on the first unfiltered page.
    pub first_page: usize,
}

/// jemalloc's statistics from the server's `/metrics`, MiB.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Allocator {
    /// Bytes the program holds.
    pub allocated_mib: f64,
    /// Bytes in the pages that hold them (the gap to `allocated` is
    /// fragmentation inside pages).
    pub active_mib: f64,
    /// Bytes jemalloc keeps in RAM.
    pub resident_mib: f64,
    /// Its bookkeeping, included in `resident`.
    pub metadata_mib: f64,
}

/// Where a start's time went, from the server's `actor tree started` line.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StartPhases {
    /// Opening sled (its log's recovery).
    pub store_open_ms: u64,
    /// Starting the actor tree (reading every number's index).
    pub actor_tree_ms: u64,
}

/// What the scale scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleFigures {
    /// Creating the conversations.
    pub load: LoadFigures,
    /// The server during the load.
    pub server_during_load: Usage,
    /// RSS after the load and `settle_secs`, MiB.
    pub rss_settled_mib: f64,
    /// The allocator's own count at the same time: what is live, and what
    /// it keeps resident (the gap is fragmentation or pages not returned).
    pub allocator_settled: Option<Allocator>,
    /// Queries before the restart.
    pub warm: Queries,
    /// SIGTERM to exit, seconds.
    pub stop_secs: f64,
    /// Whether the page cache was dropped before the restart.
    pub caches_dropped: bool,
    /// Spawn to the first 200 from `/readyz`, seconds.
    pub restart_to_ready_secs: f64,
    /// RSS once ready, MiB.
    pub rss_after_restart_mib: f64,
    /// The allocator once ready.
    pub allocator_after_restart: Option<Allocator>,
    /// The start's two phases as the server logged them.
    pub restart_phases: Option<StartPhases>,
    /// Queries after the restart.
    pub cold: Queries,
    /// RSS after the cold queries, MiB.
    pub rss_after_queries_mib: f64,
    /// Size of the data directory, MiB.
    pub data_mib: f64,
}

/// Runs the scale scenario.
pub async fn run(env: &Env, p: &ScaleParams) -> anyhow::Result<(Report, ScaleFigures)> {
    let clock = Clock::default();
    let run = run_id();
    let passivate = [("SWITCHBOARD__ACTORS__PASSIVATE_AFTER_MS", p.passivate_after_ms.to_string())];
    let stack = Stack::start(env, &passivate).await?;
    let world = setup::populate(&stack.api, p.tenants, 0, 0, &run).await?;
    let target = Target {
        addr: stack.server.addr,
        numbers: world.numbers().into(),
        spread: Spread::NewConversations { tenants: p.tenants, big: p.big },
        run: run.clone(),
        clock,
    };
    let plan = Plan {
        pace: Pace::Closed,
        connections: p.connections,
        max_messages: Some(p.conversations),
        duration: Duration::from_secs(3 * 3600),
        warmup: Duration::ZERO,
        first_seq: 0,
    };
    let sampler = Sampler::start(stack.server.pid);
    let progress = progress(stack.server.pid);
    let outcome = load::run(target, plan).await;
    progress.abort();
    let server_during_load = sampler.finish().await;
    tokio::time::sleep(Duration::from_secs_f64(p.settle_secs)).await;
    let rss_settled_mib = mib(sample(stack.server.pid).map_or(0, |s| s.rss));
    let allocator_settled = allocator(&stack.api).await;

    let manager_email = world.tenants[0].manager_email.clone();
    let token = stack.api.login(&manager_email, PASSWORD).await?;
    let warm = queries(&stack.api, &token, p.queries).await?;

    let Stack { server, config, data, graph, .. } = stack;
    let stop_secs = server.stop(Duration::from_secs(60)).await?.as_secs_f64();
    // drop_caches keeps dirty pages: write them back first, or the restart
    // competes with the load's writeback (16 to 44 s instead of 3.5 s at
    // 1,000,000 conversations) and measures the disk's backlog.
    let synced = std::process::Command::new("sync").status().is_ok_and(|s| s.success());
    let caches_dropped = p.drop_caches && synced && std::fs::write("/proc/sys/vm/drop_caches", "3\n").is_ok();
    let spawned = Instant::now();
    // Its start-up line, with the two phases' times, is logged at info.
    let mut restart = config.clone();
    restart.env.push(("RUST_LOG".into(), "warn,actors::root=info".into()));
    let server = server::start_switchboard(&restart).await?;
    let ready = server::wait_ready(&server.base, spawned, Duration::from_secs(600)).await?;
    let rss_after_restart_mib = mib(sample(server.pid).map_or(0, |s| s.rss));
    let restart_phases = start_phases(&server.logs());
    let api = Api::new(&server.base);
    let allocator_after_restart = allocator(&api).await;
    let token = api.login(&manager_email, PASSWORD).await?;
    let cold = queries(&api, &token, p.queries).await?;
    let rss_after_queries_mib = mib(sample(server.pid).map_or(0, |s| s.rss));
    let _ = server.stop(Duration::from_secs(60)).await;
    let data_mib = mib(dir_size(&config.data_dir));
    drop((data, graph));

    let figs = ScaleFigures {
        load: outcome.figures(),
        server_during_load,
        rss_settled_mib,
        allocator_settled,
        warm,
        stop_secs,
        caches_dropped,
        restart_to_ready_secs: ready.as_secs_f64(),
        rss_after_restart_mib,
        allocator_after_restart,
        restart_phases,
        cold,
        rss_after_queries_mib,
        data_mib,
    };
    let mut report = Report::new("scale", serde_json::to_value(p)?);
    fill(&mut report, p, &figs);
    report.figures = serde_json::to_value(&figs)?;
    Ok((report, figs))
}

/// Prints the server's RSS every 10 s while a long load runs.
fn progress(pid: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Some(s) = sample(pid) {
                eprintln!(
                    "  [{:>4.0} s] server RSS {:.0} MiB, CPU {:.0} s",
                    started.elapsed().as_secs_f64(),
                    mib(s.rss),
                    s.cpu_secs
                );
            }
        }
    })
}

/// Times `n` requests of each list kind, one at a time.
async fn queries(api: &Api, token: &str, n: usize) -> anyhow::Result<Queries> {
    let counts =
        api.expect(200, reqwest::Method::GET, "/api/conversations/counts", Some(token), None).await?;
    let counted = counts["open"].as_u64().unwrap_or(0) + counts["closed"].as_u64().unwrap_or(0);
    let first =
        api.expect(200, reqwest::Method::GET, "/api/conversations?limit=50", Some(token), None).await?;
    let first_page = first["items"].as_array().map_or(0, Vec::len);
    let mut kinds = Vec::new();
    for path in [
        "/api/conversations?status=open&assignee=none&limit=50",
        "/api/conversations?q=00001234&limit=50",
        "/api/conversations?limit=50",
    ] {
        let mut h = Latency::default();
        for _ in 0..n {
            let started = Instant::now();
            api.expect(200, reqwest::Method::GET, path, Some(token), None).await?;
            h.record(started.elapsed());
        }
        kinds.push(h.summary());
    }
    Ok(Queries { not_assigned: kinds[0], search: kinds[1], all: kinds[2], counted, first_page })
}

/// The allocator's gauges, if the server reports them.
async fn allocator(api: &Api) -> Option<Allocator> {
    let text = api.text("/metrics").await.ok()?;
    let gauge = |name: &str| {
        let line = format!("switchboard_allocator_{name}_bytes ");
        text.lines().find_map(|l| l.strip_prefix(line.as_str()).and_then(|v| v.trim().parse::<u64>().ok()))
    };
    Some(Allocator {
        allocated_mib: mib(gauge("allocated")?),
        active_mib: mib(gauge("active")?),
        resident_mib: mib(gauge("resident")?),
        metadata_mib: mib(gauge("metadata")?),
    })
}

/// `store_open_ms` and `actor_tree_ms` of the server's start-up line.
fn start_phases(logs: &str) -> Option<StartPhases> {
    let line = logs.lines().find(|l| l.contains("actor tree started"))?;
    let field = |name: &str| {
        let at = line.find(&format!("{name}="))? + name.len() + 1;
        line[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    Some(StartPhases { store_open_ms: field("store_open_ms")?, actor_tree_ms: field("actor_tree_ms")? })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Bytes of every file under `dir`.
fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

fn allocator_cell(a: Allocator) -> String {
    format!(
        "{:.0} MiB live in {:.0} MiB of pages, {:.0} MiB resident ({:.0} MiB bookkeeping)",
        a.allocated_mib, a.active_mib, a.resident_mib, a.metadata_mib
    )
}

fn fill(r: &mut Report, p: &ScaleParams, f: &ScaleFigures) {
    let l = &f.load;
    r.row(
        "world",
        format!("{} tenants, {} conversations ({} in tenant 0)", p.tenants, p.conversations, p.big),
    );
    r.row(
        "creation",
        format!(
            "{:.0} conversations/s ({} ok of {} sent, errors {:?})",
            l.throughput_per_sec, l.ok, l.sent, l.errors
        ),
    );
    r.row("creation ack", latency_cell(&l.ack));
    let s = &f.server_during_load;
    r.row("server during load", format!("RSS max {:.0} MiB, CPU {:.2} cores", s.rss_max_mib, s.cores));
    r.row(
        "RSS settled",
        format!(
            "{:.0} MiB after {} s (actors idle for {} ms are passivated)",
            f.rss_settled_mib, p.settle_secs, p.passivate_after_ms
        ),
    );
    if let Some(a) = f.allocator_settled {
        r.row("allocator settled", allocator_cell(a));
    }
    r.row("tenant 0 counted", f.warm.counted);
    r.row("warm: not assigned", latency_cell(&f.warm.not_assigned));
    r.row("warm: search", latency_cell(&f.warm.search));
    r.row("warm: all", latency_cell(&f.warm.all));
    r.row("stop (SIGTERM to exit)", format!("{:.2} s", f.stop_secs));
    r.row(
        "restart to /readyz",
        format!("{:.2} s (page cache dropped: {})", f.restart_to_ready_secs, f.caches_dropped),
    );
    r.row(
        "RSS after restart",
        format!("{:.0} MiB, {:.0} MiB after queries", f.rss_after_restart_mib, f.rss_after_queries_mib),
    );
    if let Some(a) = f.allocator_after_restart {
        r.row("allocator after restart", allocator_cell(a));
    }
    if let Some(s) = f.restart_phases {
        r.row(
            "restart phases",
            format!("sled open {} ms, actor tree {} ms", s.store_open_ms, s.actor_tree_ms),
        );
    }
    r.row("cold: not assigned", latency_cell(&f.cold.not_assigned));
    r.row("cold: search", latency_cell(&f.cold.search));
    r.row("cold: all", latency_cell(&f.cold.all));
    r.row("data dir", format!("{:.0} MiB", f.data_mib));
    let rss = f.rss_settled_mib;
    r.checks.push(Check::new(
        "RSS < 1 GiB with idle conversations",
        format!("{rss:.0} MiB settled after load"),
        rss < 1024.0,
    ));
    r.checks.push(Check::new(
        "cold restart to ready < 10 s",
        format!("{:.2} s", f.restart_to_ready_secs),
        f.restart_to_ready_secs < 10.0,
    ));
    let worst =
        [f.warm.not_assigned.p99_ms, f.cold.not_assigned.p99_ms, f.warm.search.p99_ms, f.cold.search.p99_ms]
            .into_iter()
            .fold(0.0, f64::max);
    r.checks.push(Check::new(
        format!("filtered list over {} p99 < 5 ms", p.big),
        format!("worst p99 {worst:.2} ms"),
        worst < 5.0,
    ));
}

#[cfg(test)]
mod tests {
    use super::start_phases;

    #[test]
    fn reads_the_start_phases_from_the_log_line() {
        let line = "2026-12-06T21:00:00Z  INFO actors::root: actor tree started \
                    store_open_ms=1834 actor_tree_ms=1702 numbers=1000";
        let phases = start_phases(&format!("listening\n{line}\n")).expect("parsed");
        assert_eq!((phases.store_open_ms, phases.actor_tree_ms), (1834, 1702));
        assert!(start_phases("no such line").is_none());
    }
}
