//! `switchboard-bench <scenario> [options]`: runs one scenario against the
//! release `switchboard` executable, prints its table and writes
//! `target/bench/<scenario>.json`. See BENCHMARKS.md for every command.

use std::path::PathBuf;

use anyhow::bail;
use switchboard_bench::cli::Args;
use switchboard_bench::report::Report;
use switchboard_bench::scenario::inbound::{self, InboundParams};
use switchboard_bench::scenario::outbound::{self, OutboundParams};
use switchboard_bench::scenario::scale::{self, ScaleParams};
use switchboard_bench::scenario::{BaselineMode, Env};
use switchboard_bench::server;

const USAGE: &str = "usage: switchboard-bench <closed|open|baseline|scale|outbound|smoke> [--key value]...
  every scenario: --server-bin PATH (default: cargo build --release, then target/release/switchboard)
                  --out DIR (default target/bench)  --data-dir DIR  --set SWITCHBOARD__KEY=VALUE (repeatable)
                  --perf SECS (closed|open: perf record our server after the warm-up)
                  --wait-quiet SECS (first wait up to SECS for the machine to be idle)
  closed|open|baseline: --tenants 1000 --sockets 500 --staff-per-tenant 1 --customers 100000
                  --connections 64|256 --secs 20|60 --warmup 3|5 --drain 10 --rate 25000 (open)
                  --no-baseline (closed)  --messages N (stop after N instead of --secs)
                  --flow (a greeting chatbot flow published on every tenant)
  scale:          --tenants 1000 --conversations 1000000 --big 100000 --connections 64 --settle 15
                  --passivate-after-ms 5000
                  --queries 500 --no-drop-caches
  outbound:       --numbers 125 --customers 10 --sends-per-number 800 --rate-per-number 80
                  --connections 64 --idle 15";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(scenario) = argv.first().cloned() else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    if scenario == "serve-baseline" {
        let file =
            argv.get(1).map(PathBuf::from).ok_or_else(|| anyhow::anyhow!("serve-baseline SECRETS_FILE"))?;
        return switchboard_bench::baseline::serve_child(&file).await;
    }
    if scenario == "-h" || scenario == "--help" {
        println!("{USAGE}");
        return Ok(());
    }
    let args = Args::parse(&argv[1..])?;
    let out: PathBuf = args.get("out", server::workspace_root().join("target").join("bench"))?;
    let server_bin = match args.opt::<PathBuf>("server-bin")? {
        // The server runs in its data directory: a relative path would miss.
        Some(p) => {
            std::fs::canonicalize(&p).map_err(|e| anyhow::anyhow!("--server-bin {}: {e}", p.display()))?
        }
        None => server::release_binary(true)?,
    };
    let env = Env {
        server_bin,
        baseline: BaselineMode::Child(std::env::current_exe()?),
        data_parent: args.opt("data-dir")?,
        server_env: args.pairs("set")?,
        perf: args.opt::<f64>("perf")?.map(|secs| (secs, out.clone())),
    };
    let quiet_for: f64 = args.get("wait-quiet", 0.0)?;
    let busy = switchboard_bench::stats::wait_quiet(std::time::Duration::from_secs_f64(quiet_for)).await;
    eprintln!("machine busy before the run: {busy:.2} cores");
    let mut reports: Vec<Report> = match scenario.as_str() {
        "closed" | "open" | "baseline" => {
            let p = inbound_params(&scenario, &args)?;
            args.finish()?;
            let name = match p.rate {
                Some(rate) => format!("{scenario}-{rate:.0}"),
                None => scenario.clone(),
            };
            vec![inbound::run(&env, &name, &p).await?.0]
        }
        "scale" => {
            let d = ScaleParams::default();
            let p = ScaleParams {
                tenants: args.get("tenants", d.tenants)?,
                conversations: args.get("conversations", d.conversations)?,
                big: args.get("big", d.big)?,
                connections: args.get("connections", d.connections)?,
                settle_secs: args.get("settle", d.settle_secs)?,
                passivate_after_ms: args.get("passivate-after-ms", d.passivate_after_ms)?,
                queries: args.get("queries", d.queries)?,
                drop_caches: !args.flag("no-drop-caches"),
            };
            args.finish()?;
            vec![scale::run(&env, &p).await?.0]
        }
        "outbound" => {
            let d = OutboundParams::default();
            let p = OutboundParams {
                numbers: args.get("numbers", d.numbers)?,
                customers: args.get("customers", d.customers)?,
                sends_per_number: args.get("sends-per-number", d.sends_per_number)?,
                rate_per_number: args.get("rate-per-number", d.rate_per_number)?,
                connections: args.get("connections", d.connections)?,
                idle_secs: args.get("idle", d.idle_secs)?,
            };
            args.finish()?;
            vec![outbound::run(&env, &p).await?.0]
        }
        "smoke" => {
            args.finish()?;
            switchboard_bench::smoke(&env.server_bin).await?.reports
        }
        other => bail!("unknown scenario {other:?}\n{USAGE}"),
    };
    for r in &mut reports {
        r.row("machine busy before", format!("{busy:.2} cores"));
        println!("{}", r.table());
        let path = r.write_json(&out)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn inbound_params(scenario: &str, args: &Args) -> anyhow::Result<InboundParams> {
    let d = match scenario {
        "open" => InboundParams::open(25_000.0),
        "baseline" => InboundParams::baseline_only(),
        _ => InboundParams::closed(),
    };
    let rate = match scenario {
        "open" => Some(args.get("rate", 25_000.0)?),
        _ => args.opt("rate")?,
    };
    Ok(InboundParams {
        tenants: args.get("tenants", d.tenants)?,
        sockets: args.get("sockets", d.sockets)?,
        staff_per_tenant: args.get("staff-per-tenant", d.staff_per_tenant)?,
        customers: args.get("customers", d.customers)?,
        connections: args.get("connections", d.connections)?,
        rate,
        secs: args.get("secs", d.secs)?,
        warmup_secs: args.get("warmup", d.warmup_secs)?,
        messages: args.opt("messages")?,
        drain_secs: args.get("drain", d.drain_secs)?,
        baseline: d.baseline && !args.flag("no-baseline"),
        ours: d.ours,
        flow: args.flag("flow"),
    })
}
