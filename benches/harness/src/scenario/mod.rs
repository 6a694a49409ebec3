//! The scenarios, each a function from parameters to a [`Report`]:
//!
//! - [`inbound`]: `closed` (maximum throughput, with the baseline measured
//!   in the same run), `open` (a fixed rate) and `baseline` alone.
//! - [`scale`]: a million conversations, then RSS, cold restart and
//!   list/filter latency.
//! - [`outbound`]: sends across numbers to the fake Graph API, each number
//!   checked against its rate over every 1 s window.
//! - [`smoke`]: all of the above with tiny numbers, for `cargo test`.
//!
//! Shared here: where the server and the baseline come from ([`Env`]) and
//! starting a fresh server on a temp data dir ([`Stack`]).

pub mod inbound;
pub mod outbound;
pub mod scale;
pub mod smoke;

use std::path::PathBuf;
use std::time::Duration;

use tempfile::TempDir;

use crate::fake_graph::FakeGraph;
use crate::server::{self, Process, ServerConfig};
use crate::setup::Api;

/// How the baseline server runs.
#[derive(Debug, Clone)]
pub enum BaselineMode {
    /// `<exe> serve-baseline SECRETS`: its own process, measured apart.
    Child(PathBuf),
    /// A task of the harness's own runtime (smoke test: no CPU/RSS figures).
    InProcess,
}

/// Where things come from and go.
#[derive(Debug, Clone)]
pub struct Env {
    /// The `switchboard` executable.
    pub server_bin: PathBuf,
    /// How the baseline runs.
    pub baseline: BaselineMode,
    /// Where temp data dirs go (`None`: the system temp dir).
    pub data_parent: Option<PathBuf>,
    /// Extra `SWITCHBOARD__...` settings for every server started.
    pub server_env: Vec<(String, String)>,
    /// Profile our server with `perf record` for this many seconds after
    /// the warm-up, into `<dir>/<scenario>.perf.data`.
    pub perf: Option<(f64, PathBuf)>,
}

/// Starts `perf record` (cpu-clock, DWARF call graphs) on `pid` after
/// `delay`, for `secs`; it ends by itself.
pub fn profile(pid: u32, delay: Duration, secs: f64, out: PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let status = tokio::process::Command::new("perf")
            .args(["record", "-q", "-e", "cpu-clock", "-F", "499", "--call-graph", "dwarf,16384", "-p"])
            .arg(pid.to_string())
            .arg("-o")
            .arg(&out)
            .args(["--", "sleep"])
            .arg(secs.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await;
        match status {
            Ok(s) if s.success() => eprintln!("profile written to {}", out.display()),
            other => eprintln!("perf record failed: {other:?}"),
        }
    })
}

/// A server on a fresh data dir with its fake Graph API.
#[derive(Debug)]
pub struct Stack {
    /// The server process.
    pub server: Process,
    /// Its REST client.
    pub api: Api,
    /// The fake Graph API it sends to.
    pub graph: FakeGraph,
    /// How it was started (to restart it on the same data).
    pub config: ServerConfig,
    /// Removed on drop.
    pub data: TempDir,
}

impl Stack {
    /// Starts a server with `env`'s settings plus `extra`.
    pub async fn start(env: &Env, extra: &[(&str, String)]) -> anyhow::Result<Self> {
        let graph = FakeGraph::start().await?;
        let data = match &env.data_parent {
            Some(p) => {
                std::fs::create_dir_all(p)?;
                tempfile::Builder::new().prefix("switchboard-bench-").tempdir_in(p)?
            }
            None => tempfile::Builder::new().prefix("switchboard-bench-").tempdir()?,
        };
        let mut vars = env.server_env.clone();
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        let config = ServerConfig {
            bin: env.server_bin.clone(),
            data_dir: data.path().join("data"),
            graph_url: graph.url.clone(),
            env: vars,
        };
        let server = server::start_switchboard(&config).await?;
        server::wait_ready(&server.base, std::time::Instant::now(), Duration::from_secs(60)).await?;
        let api = Api::new(&server.base);
        Ok(Self { server, api, graph, config, data })
    }
}

/// A run id: keeps wamids unique, and tells runs apart in logs.
pub fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}", nanos % 0xffff_ffff)
}
