//! The server under test as a child process: the real `switchboard`
//! executable (or the harness's own baseline server), so its RSS and CPU
//! can be read from `/proc/<pid>` apart from the load generator's.
//!
//! The child runs in its own process group, killed when the handle drops,
//! so an interrupted run leaves nothing behind. It listens on port 0 and
//! reports its address on the first stdout line (`listening on http://...`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// The platform admin every harness server starts with.
pub const ADMIN_EMAIL: &str = "admin@bench.test";
/// Its password.
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

/// How long a child may take to report its address.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// How to start the real server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The `switchboard` executable.
    pub bin: PathBuf,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Where its Graph API calls go.
    pub graph_url: String,
    /// Extra `SWITCHBOARD__...` settings.
    pub env: Vec<(String, String)>,
}

/// A running child process.
#[derive(Debug)]
pub struct Process {
    child: Child,
    /// Process id (and process group id).
    pub pid: u32,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// From spawn to the address line.
    pub started_in: Duration,
    stderr: Arc<Mutex<String>>,
}

/// Starts the real server and waits for its address line.
pub async fn start_switchboard(config: &ServerConfig) -> anyhow::Result<Process> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("create {}", config.data_dir.display()))?;
    let mut cmd = Command::new(&config.bin);
    cmd.current_dir(&config.data_dir)
        .env("SWITCHBOARD__SERVER__BIND", "127.0.0.1:0")
        .env("SWITCHBOARD__STORAGE__PATH", &config.data_dir)
        .env("SWITCHBOARD__WHATSAPP__GRAPH_API_BASE", &config.graph_url)
        .env("SWITCHBOARD__WHATSAPP__GRAPH_API_VERSION", "v21.0")
        // The harness signs in hundreds of agents from one address.
        .env("SWITCHBOARD__AUTH__LOGIN_PER_IP_PER_MINUTE", "1000000")
        .env("SWITCHBOARD__AUTH__LOGIN_PER_EMAIL_PER_MINUTE", "1000000")
        .env("SWITCHBOARD_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("SWITCHBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()));
    for (k, v) in &config.env {
        cmd.env(k, v);
    }
    spawn(cmd).await
}

/// Starts `cmd` (stdout piped, first line `listening on http://ADDR`).
pub async fn spawn(mut cmd: Command) -> anyhow::Result<Process> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = cmd.spawn().context("start the server process")?;
    let pid = child.id().context("a child pid")?;
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut err_pipe = child.stderr.take().context("piped stderr")?;
    let sink = stderr.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        while let Ok(n) = err_pipe.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let mut s = sink.lock().unwrap_or_else(|p| p.into_inner());
            // Keep the tail only: a long run must not grow this without end.
            if s.len() > 64 * 1024 {
                let cut = s.len() - 32 * 1024;
                let cut = (cut..s.len()).find(|i| s.is_char_boundary(*i)).unwrap_or(s.len());
                s.drain(..cut);
            }
            s.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut lines = BufReader::new(child.stdout.take().context("piped stdout")?).lines();
    let line = match tokio::time::timeout(START_TIMEOUT, lines.next_line()).await {
        Ok(Ok(Some(line))) => line,
        other => {
            let logs = stderr.lock().unwrap_or_else(|p| p.into_inner()).clone();
            bail!("the server did not report its address ({other:?}); stderr:\n{logs}");
        }
    };
    let started_in = started.elapsed();
    let base = line
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first stdout line {line:?}"))?
        .trim()
        .to_string();
    let addr: SocketAddr = base.trim_start_matches("http://").parse().context("the reported address")?;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Process { child, pid, base, addr, started_in, stderr })
}

impl Process {
    /// What it logged lately.
    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// SIGTERM, then waits up to `grace` for a clean exit (SIGKILL after).
    pub async fn stop(mut self, grace: Duration) -> anyhow::Result<Duration> {
        let asked = Instant::now();
        let _ = std::process::Command::new("kill").args(["-TERM", &self.pid.to_string()]).status();
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(_) => Ok(asked.elapsed()),
            Err(_) => {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", self.pid)])
                    .status();
                let _ = self.child.wait().await;
                bail!("the server did not stop within {grace:?}; killed")
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ =
                std::process::Command::new("kill").args(["-KILL", "--", &format!("-{}", self.pid)]).status();
        }
    }
}

/// Polls `GET {base}/readyz` every 10 ms until it answers 200; returns how
/// long that took from `since`.
pub async fn wait_ready(base: &str, since: Instant, timeout: Duration) -> anyhow::Result<Duration> {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return Ok(since.elapsed());
            }
        }
        if Instant::now() >= deadline {
            bail!("{base}/readyz not 200 within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The release `switchboard` executable beside this one, built first with
/// cargo when `build` is set (a no-op when it is up to date).
pub fn release_binary(build: bool) -> anyhow::Result<PathBuf> {
    let root = workspace_root();
    if build {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .current_dir(&root)
            .args(["build", "--release", "-p", "switchboard", "--bin", "switchboard"])
            .status()
            .context("run cargo build for the server")?;
        if !status.success() {
            bail!("cargo build --release -p switchboard failed");
        }
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let bin = target.join("release").join("switchboard");
    if !bin.exists() {
        bail!("{} does not exist: build it with `cargo build --release -p switchboard`", bin.display());
    }
    Ok(bin)
}

/// The workspace this package sits in (`benches/harness/../..`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap_or_else(|_| PathBuf::from("."))
}
