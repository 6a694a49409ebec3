//! The real `switchboard` executable in a child process, for the tests
//! that kill it (SIGKILL right after an acknowledgement) or stop it
//! (SIGTERM).
//!
//! The child runs in its own process group and the group is killed when
//! the `ChildApp` drops, so a failing test leaves nothing behind. Its
//! stdout is drained after the `listening on` line; its stderr (the logs)
//! is kept for failure messages.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use super::{ApiClient, FakeGraph, ADMIN_EMAIL, ADMIN_PASSWORD, DEPLOYMENT_APP_SECRET, GRAPH_VERSION};

/// How long the binary may take to print its `listening on` line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `switchboard` process.
pub struct ChildApp {
    child: Child,
    /// Its process id (and process group id).
    pub pid: u32,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    stderr: Arc<Mutex<String>>,
}

/// A data directory and a fake Graph API that outlive the processes
/// started on them: the tests that kill or stop the binary start it again
/// on the same pair.
pub struct Deployment {
    /// The fake Graph API every start points at.
    pub graph: FakeGraph,
    dir: tempfile::TempDir,
}

impl Deployment {
    /// A fresh fake Graph API and an empty temp dir.
    pub async fn new() -> Self {
        Self { graph: FakeGraph::start().await, dir: tempfile::tempdir().expect("a temp dir") }
    }

    /// The sled directory.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the binary on them (see [`spawn_binary`]).
    pub async fn start(&self, extra_env: &[(&str, &str)]) -> ChildApp {
        spawn_binary(&self.data(), &self.graph.url(), extra_env).await
    }
}

/// Starts the binary on `data_dir` with port 0, the fake Graph API at
/// `graph_url`, the deployment app secret, the test admin and a 100 ms
/// shutdown unready window, plus `extra_env` (which may override them);
/// returns once it prints `listening on http://...`.
pub async fn spawn_binary(data_dir: &Path, graph_url: &str, extra_env: &[(&str, &str)]) -> ChildApp {
    std::fs::create_dir_all(data_dir).expect("create the data dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.current_dir(data_dir)
        .env("SWITCHBOARD__SERVER__BIND", "127.0.0.1:0")
        .env("SWITCHBOARD__STORAGE__PATH", data_dir)
        .env("SWITCHBOARD__WHATSAPP__GRAPH_API_BASE", graph_url)
        .env("SWITCHBOARD__WHATSAPP__GRAPH_API_VERSION", GRAPH_VERSION)
        .env("SWITCHBOARD__WHATSAPP__APP_SECRET", DEPLOYMENT_APP_SECRET)
        .env("SWITCHBOARD_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("SWITCHBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
        // A short unready window keeps SIGTERM tests quick; the test of the
        // window itself sets a longer one in `extra_env`.
        .env("SWITCHBOARD__SERVER__SHUTDOWN_UNREADY_MS", "100")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for (key, value) in extra_env {
        cmd.env(key, value);
    }
    let mut child = cmd.spawn().expect("start the switchboard binary");
    let pid = child.id().expect("a child pid");

    let stderr = Arc::new(Mutex::new(String::new()));
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let sink = stderr.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        while let Ok(n) = err_pipe.read(&mut buf).await {
            if n == 0 {
                break;
            }
            sink.lock().expect("stderr lock").push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });

    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let first = tokio::time::timeout(START_TIMEOUT, lines.next_line()).await;
    let line = match first {
        Ok(Ok(Some(line))) => line,
        other => {
            let status = child.try_wait().ok().flatten();
            let logs = stderr.lock().expect("stderr lock").clone();
            panic!("switchboard did not report its address ({other:?}, exit {status:?}); stderr:\n{logs}");
        }
    };
    let address = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first stdout line {line:?}"))
        .trim()
        .to_string();
    assert!(address.starts_with("http://127.0.0.1:"), "unexpected address {address:?}");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    ChildApp { child, pid, address, stderr }
}

impl ChildApp {
    /// An anonymous client.
    pub fn client(&self) -> ApiClient {
        ApiClient::new(&self.address)
    }

    /// The platform admin, signed in.
    pub async fn admin(&self) -> ApiClient {
        self.client().signed_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.0
    }

    /// What it logged so far.
    pub fn logs(&self) -> String {
        self.stderr.lock().expect("stderr lock").clone()
    }

    /// Sends `signal` (`KILL`, `TERM`) to the process.
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args([format!("-{signal}"), self.pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {} failed", self.pid);
    }

    /// SIGKILL, then waits for the process to be gone.
    pub async fn sigkill(mut self) -> ExitStatus {
        self.signal("KILL");
        self.wait_exit(Duration::from_secs(10)).await
    }

    /// Waits for the process to exit; panics with its logs after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status.expect("wait for the child"),
            Err(_) => panic!("switchboard still running after {timeout:?}; stderr:\n{}", self.logs()),
        }
    }
}

impl Drop for ChildApp {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // The whole group: the binary and anything it started.
            let _ =
                std::process::Command::new("kill").args(["-KILL", "--", &format!("-{}", self.pid)]).status();
        }
    }
}
