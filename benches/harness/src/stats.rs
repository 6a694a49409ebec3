//! What the harness measures with: HdrHistogram latencies (microseconds),
//! a shared nanosecond clock for the stamps carried in message texts, and
//! a process's RSS and CPU read from `/proc`.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency a histogram holds (60 s, in µs); larger values saturate.
const MAX_MICROS: u64 = 60_000_000;

/// A latency histogram in microseconds.
#[derive(Debug, Clone)]
pub struct Latency(Histogram<u64>);

impl Default for Latency {
    fn default() -> Self {
        Self(Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds"))
    }
}

impl Latency {
    /// Records one duration.
    pub fn record(&mut self, d: Duration) {
        self.record_micros(u64::try_from(d.as_micros()).unwrap_or(MAX_MICROS));
    }

    /// Records one duration given in microseconds.
    pub fn record_micros(&mut self, us: u64) {
        self.0.saturating_record(us.clamp(1, MAX_MICROS));
    }

    /// Adds another histogram's samples.
    pub fn merge(&mut self, other: &Latency) {
        // Same bounds on both sides: `add` cannot fail.
        let _ = self.0.add(&other.0);
    }

    /// Number of samples.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The percentiles the reports show.
    pub fn summary(&self) -> Summary {
        let ms = |us: u64| us as f64 / 1000.0;
        Summary {
            count: self.0.len(),
            p50_ms: ms(self.0.value_at_quantile(0.50)),
            p90_ms: ms(self.0.value_at_quantile(0.90)),
            p99_ms: ms(self.0.value_at_quantile(0.99)),
            p999_ms: ms(self.0.value_at_quantile(0.999)),
            max_ms: ms(self.0.max()),
        }
    }
}

/// Percentiles of one histogram, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    /// Samples.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

/// The time base shared by the generator (which stamps message texts) and
/// the WebSocket readers (which read the stamps back): nanoseconds since
/// the harness started. One process, one monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Self { base: Instant::now() }
    }
}

impl Clock {
    /// Nanoseconds at `at`.
    pub fn ns_at(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Nanoseconds now.
    pub fn now_ns(&self) -> u64 {
        self.ns_at(Instant::now())
    }
}

/// One reading of a process's resources.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcSample {
    /// Resident set size, bytes.
    pub rss: u64,
    /// Peak resident set size so far, bytes.
    pub rss_peak: u64,
    /// User + system CPU time, seconds.
    pub cpu_secs: f64,
}

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on
/// every Linux we know).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(100.0)
}

/// Reads `/proc/<pid>/status` (VmRSS, VmHWM) and `/proc/<pid>/stat`
/// (utime + stime); `None` once the process is gone.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|k| k * 1024)
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime field 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let ticks = *TICKS.get_or_init(clock_ticks);
    Some(ProcSample { rss: kib("VmRSS:"), rss_peak: kib("VmHWM:"), cpu_secs: (utime + stime) / ticks })
}

/// Cores busy during one second of a sampled interval.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SecondUsage {
    /// By the sampled process.
    pub cores: f64,
    /// On the whole machine.
    pub machine_cores: f64,
}

/// Resource use of a process over an interval.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Usage {
    /// RSS at the end, MiB.
    pub rss_end_mib: f64,
    /// Highest RSS seen during the interval (sampled every 200 ms), MiB.
    pub rss_max_mib: f64,
    /// CPU seconds used during the interval.
    pub cpu_secs: f64,
    /// Average cores busy (CPU seconds / wall seconds).
    pub cores: f64,
    /// Average cores busy on the whole machine (`/proc/stat`): whatever
    /// else runs there (the generator, the kernel's network and disk work,
    /// other people's processes) shows here.
    pub machine_cores: f64,
    /// The same, second by second from the start: an average hides
    /// whether a phase of the run had the machine to itself or saturated.
    pub by_second: Vec<SecondUsage>,
}

/// Busy and total jiffies of all CPUs (`/proc/stat`, first line).
fn machine_jiffies() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let idle = fields.get(3).copied().unwrap_or(0.0) + fields.get(4).copied().unwrap_or(0.0);
    let total: f64 = fields.iter().take(8).sum();
    (total - idle, total)
}

/// Cores busy on the whole machine between two readings of
/// [`machine_jiffies`].
fn machine_cores_between((b0, t0): (f64, f64), (b1, t1): (f64, f64)) -> f64 {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64;
    if t1 > t0 {
        (b1 - b0) / (t1 - t0) * cores
    } else {
        0.0
    }
}

/// Cores busy on the whole machine over `window`.
pub async fn machine_busy(window: Duration) -> f64 {
    let before = machine_jiffies();
    tokio::time::sleep(window).await;
    machine_cores_between(before, machine_jiffies())
}

/// Waits (up to `max`) for the machine to be quiet (under 0.3 busy cores
/// over 3 s): other people's builds on a shared machine skew every figure.
/// Returns the last reading.
pub async fn wait_quiet(max: Duration) -> f64 {
    let deadline = Instant::now() + max;
    loop {
        let busy = machine_busy(Duration::from_secs(3)).await;
        if busy < 0.3 || Instant::now() >= deadline {
            return busy;
        }
        eprintln!("machine busy ({busy:.2} cores), waiting for it to be quiet");
    }
}

/// Samples one process every 200 ms until stopped.
#[derive(Debug)]
pub struct Sampler {
    pid: u32,
    first: ProcSample,
    first_machine: (f64, f64),
    started: Instant,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<(u64, Vec<SecondUsage>)>,
}

/// Sampling ticks in a second.
const TICKS_PER_SECOND: u32 = 5;

impl Sampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let first = sample(pid).unwrap_or_default();
        let first_machine = machine_jiffies();
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let (mut max, mut seconds, mut ticks) = (0, Vec::new(), 0);
            let (mut cpu_mark, mut machine_mark) = (first.cpu_secs, first_machine);
            let mut tick = tokio::time::interval(Duration::from_secs(1) / TICKS_PER_SECOND);
            tick.tick().await; // the first tick is now
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        let Some(s) = sample(pid) else { return (max, seconds) };
                        max = max.max(s.rss);
                        ticks += 1;
                        if ticks % TICKS_PER_SECOND == 0 {
                            let machine = machine_jiffies();
                            let machine_cores = machine_cores_between(machine_mark, machine);
                            seconds.push(SecondUsage { cores: s.cpu_secs - cpu_mark, machine_cores });
                            (cpu_mark, machine_mark) = (s.cpu_secs, machine);
                        }
                    }
                    _ = &mut stopped => return (max, seconds),
                }
            }
        });
        Self { pid, first, first_machine, started: Instant::now(), stop, task }
    }

    /// Stops and reports the interval.
    pub async fn finish(self) -> Usage {
        let _ = self.stop.send(());
        let (max, by_second) = self.task.await.unwrap_or_default();
        let last = sample(self.pid).unwrap_or_default();
        let wall = self.started.elapsed().as_secs_f64().max(1e-9);
        let cpu = (last.cpu_secs - self.first.cpu_secs).max(0.0);
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        Usage {
            rss_end_mib: mib(last.rss),
            rss_max_mib: mib(max.max(last.rss)),
            cpu_secs: cpu,
            cores: cpu / wall,
            machine_cores: machine_cores_between(self.first_machine, machine_jiffies()),
            by_second,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_out_in_milliseconds() {
        let mut h = Latency::default();
        for us in 1..=1000 {
            h.record_micros(us);
        }
        let s = h.summary();
        assert_eq!(s.count, 1000);
        assert!((s.p50_ms - 0.5).abs() < 0.01, "{s:?}");
        assert!((s.max_ms - 1.0).abs() < 0.01, "{s:?}");
    }

    #[tokio::test]
    async fn each_second_sampled_reports_the_cores_busy_in_it() {
        let sampler = Sampler::start(std::process::id());
        let spin = Duration::from_millis(1_400);
        let busy = std::thread::spawn(move || {
            let started = Instant::now();
            let mut n = 0u64;
            while started.elapsed() < spin {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        });
        tokio::time::sleep(spin).await;
        busy.join().expect("the spinning thread");
        let usage = sampler.finish().await;
        let first = usage.by_second.first().copied().unwrap_or_else(|| panic!("no second in {usage:?}"));
        // A thread spinning for the whole second (less whatever a busy
        // machine took from it), seen by the process and by the machine.
        assert!(first.cores > 0.2, "{first:?}");
        assert!(first.machine_cores + 0.05 >= first.cores, "{first:?}");
    }

    #[test]
    fn our_own_process_can_be_sampled() {
        let s = sample(std::process::id()).expect("/proc/self");
        assert!(s.rss > 0 && s.rss_peak >= s.rss, "{s:?}");
    }
}
