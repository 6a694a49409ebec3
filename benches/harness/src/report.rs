//! What a scenario hands back: one table for people and one JSON document
//! (`target/bench/<scenario>.json`) for comparison across runs. Each
//! target of the issue that the scenario measures is stated with its
//! figure and whether it is met.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

/// The machine the figures come from.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// Cores visible to the process.
    pub cores: usize,
    /// `MemTotal`, GiB.
    pub memory_gib: f64,
    /// `model name` of /proc/cpuinfo.
    pub cpu: String,
}

impl Machine {
    /// Reads /proc.
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim()))
            .unwrap_or("unknown")
            .to_string();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        Self {
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            memory_gib: kib / (1024.0 * 1024.0),
            cpu,
        }
    }
}

/// One target of the issue, as measured.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What the issue asks.
    pub target: String,
    /// What was measured.
    pub measured: String,
    /// Whether it holds.
    pub met: bool,
}

impl Check {
    /// A target and its verdict.
    pub fn new(target: impl Into<String>, measured: impl Into<String>, met: bool) -> Self {
        Self { target: target.into(), measured: measured.into(), met }
    }
}

/// A finished scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `closed`, `open`, ...
    pub scenario: String,
    /// UTC, RFC 3339.
    pub date: String,
    /// Where it ran.
    pub machine: Machine,
    /// The parameters it ran with.
    pub params: Value,
    /// Every figure, structured.
    pub figures: Value,
    /// The table's rows (label, value).
    pub rows: Vec<(String, String)>,
    /// The targets this scenario measures.
    pub checks: Vec<Check>,
}

impl Report {
    /// An empty report of `scenario` run with `params`.
    pub fn new(scenario: &str, params: Value) -> Self {
        let date = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            scenario: scenario.to_string(),
            date,
            machine: Machine::detect(),
            params,
            figures: Value::Null,
            rows: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// Adds a table row.
    pub fn row(&mut self, label: &str, value: impl std::fmt::Display) {
        self.rows.push((label.to_string(), value.to_string()));
    }

    /// The table, as printed.
    pub fn table(&self) -> String {
        let width = self.rows.iter().map(|(l, _)| l.len()).chain([6]).max().unwrap_or(6);
        let mut out = format!(
            "== {} ({}; {} cores, {:.0} GiB, {})\n",
            self.scenario, self.date, self.machine.cores, self.machine.memory_gib, self.machine.cpu
        );
        for (label, value) in &self.rows {
            out.push_str(&format!("{label:<width$}  {value}\n"));
        }
        for c in &self.checks {
            let verdict = if c.met { "MET" } else { "NOT MET" };
            out.push_str(&format!("target: {} -> {} [{verdict}]\n", c.target, c.measured));
        }
        out
    }

    /// Writes the JSON into `dir/<scenario>.json`; returns the path.
    pub fn write_json(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.json", self.scenario));
        std::fs::write(&path, serde_json::to_vec_pretty(self)?)?;
        Ok(path)
    }
}

/// Formats a latency summary as `p50 / p99 / p99.9 / max ms (n)`.
pub fn latency_cell(s: &crate::stats::Summary) -> String {
    format!(
        "p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2} ms  (n={})",
        s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms, s.count
    )
}
