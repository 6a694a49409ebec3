//! Smoke mode: every scenario's code path with tiny numbers (two or three
//! tenants, four sockets, a few hundred messages, two seconds), so `cargo
//! test` runs the harness and it cannot rot. Callers assert on what was
//! delivered and counted, never on timing.

use std::path::Path;

use super::inbound::{self, InboundFigures, InboundParams};
use super::outbound::{self, OutboundFigures, OutboundParams};
use super::scale::{self, ScaleFigures, ScaleParams};
use super::{BaselineMode, Env};
use crate::report::Report;

/// Everything the smoke run measured.
#[derive(Debug)]
pub struct Smoke {
    /// Closed loop, 200 messages, with the in-process baseline.
    pub closed: InboundFigures,
    /// Open loop at 100/s for 2 s.
    pub open: InboundFigures,
    /// 2 numbers, 10 sends each.
    pub outbound: OutboundFigures,
    /// 300 conversations, one restart.
    pub scale: ScaleFigures,
    /// The four reports, as the CLI prints them.
    pub reports: Vec<Report>,
}

/// The closed-loop smoke parameters.
pub fn closed_params() -> InboundParams {
    InboundParams {
        tenants: 2,
        sockets: 4,
        staff_per_tenant: 1,
        customers: 20,
        connections: 4,
        rate: None,
        secs: 120.0,
        warmup_secs: 0.0,
        messages: Some(200),
        drain_secs: 10.0,
        // The chatbot runs in the smoke too, so its harness path cannot rot.
        flow: true,
        baseline: true,
        ours: true,
    }
}

/// The open-loop smoke parameters.
pub fn open_params() -> InboundParams {
    InboundParams {
        rate: Some(100.0),
        secs: 2.0,
        messages: None,
        connections: 8,
        baseline: false,
        ..closed_params()
    }
}

/// Runs every scenario small against `server_bin`.
pub async fn run(server_bin: &Path) -> anyhow::Result<Smoke> {
    let env = Env {
        server_bin: server_bin.to_path_buf(),
        baseline: BaselineMode::InProcess,
        data_parent: None,
        server_env: Vec::new(),
        perf: None,
    };
    let (r1, closed) = inbound::run(&env, "smoke-closed", &closed_params()).await?;
    let (r2, open) = inbound::run(&env, "smoke-open", &open_params()).await?;
    let out_params = OutboundParams {
        numbers: 2,
        customers: 2,
        sends_per_number: 10,
        rate_per_number: 80,
        connections: 4,
        idle_secs: 10.0,
    };
    let (mut r3, outbound) = outbound::run(&env, &out_params).await?;
    r3.scenario = "smoke-outbound".into();
    let scale_params = ScaleParams {
        tenants: 3,
        conversations: 300,
        big: 200,
        connections: 4,
        settle_secs: 0.0,
        passivate_after_ms: 60_000,
        queries: 5,
        drop_caches: false,
    };
    let (mut r4, scale) = scale::run(&env, &scale_params).await?;
    r4.scenario = "smoke-scale".into();
    Ok(Smoke { closed, open, outbound, scale, reports: vec![r1, r2, r3, r4] })
}
