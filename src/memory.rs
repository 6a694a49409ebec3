//! The process's allocator, jemalloc, and its statistics for `/metrics`.
//!
//! jemalloc replaced glibc's malloc because under load glibc spent an
//! eighth of the server's CPU in malloc/free and in the kernel zeroing pages
//! it had just given back (BENCHMARKS.md, "Profile"). It is declared here,
//! in the library, so that every binary linking it (the tests included)
//! runs on the allocator production runs on, and so that the statistics
//! below describe the allocator really in use.
//!
//! The gauges tell live data from the allocator's overhead: `allocated` is
//! what the program holds, `resident` what the allocator keeps in RAM.
//! A wide gap after a load means fragmentation or pages not yet returned.
//!
//! jemalloc gives freed pages back to the OS over its 10 s decay, but by
//! default only while the program allocates: a server that goes quiet
//! after a load kept up to 85 MiB it no longer used at 1,000,000
//! conversations. Its background thread returns them on time
//! ([`purge_in_background`]).
//!
//! Its thread caches are set at build time, in `.cargo/config.toml`
//! (`JEMALLOC_SYS_WITH_MALLOC_CONF`): larger, flushed a quarter at a time
//! and trimmed less often than jemalloc's defaults, because our objects
//! are allocated on one thread and freed on another (sled's node
//! versions, a commit's rows), which kept one cache refilling from its
//! arena while another flushed to it. [`settings`] reads them back; the
//! server logs them at start.

use actors::metrics::sample;

use tikv_jemalloc_ctl::{background_thread, epoch, stats};

/// Starts jemalloc's background thread, which returns freed pages to the
/// OS on the decay's schedule whether or not the program is allocating.
/// The scale scenario's RSS 15 s after a load: 1,018 and 1,073 MiB
/// without it, 1,011 MiB with it; the closed loop's throughput is the
/// same (BENCHMARKS.md, "Experiments"). Failing changes only the memory.
pub fn purge_in_background() {
    if let Err(e) = background_thread::write(true) {
        tracing::warn!(error = %e, "jemalloc's background thread did not start; freed pages return more slowly");
    }
}

/// The settings compiled into jemalloc (`config.malloc_conf`), if it
/// says (without the C string's closing NUL, which the read keeps).
pub fn settings() -> Option<&'static str> {
    tikv_jemalloc_ctl::config::malloc_conf::read().ok().map(|s| s.trim_end_matches('\0'))
}

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Reads one of jemalloc's statistics.
type Read = fn() -> tikv_jemalloc_ctl::Result<usize>;

/// Appends the allocator's gauges in the Prometheus text format. jemalloc
/// caches its statistics: advancing the epoch refreshes them first.
pub fn render(out: &mut String) {
    if epoch::advance().is_err() {
        return;
    }
    let gauges: [(&str, &str, Read); 5] = [
        ("allocated", "Bytes the program holds.", stats::allocated::read),
        ("active", "Bytes in the pages that hold them.", stats::active::read),
        ("resident", "Bytes the allocator keeps in RAM.", stats::resident::read),
        ("metadata", "Bytes of the allocator's own bookkeeping.", stats::metadata::read),
        ("retained", "Bytes of address space kept but returned to the OS.", stats::retained::read),
    ];
    for (name, help, read) in gauges {
        if let Ok(value) = read() {
            sample(out, &format!("switchboard_allocator_{name}_bytes"), help, "gauge", value);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_background_thread_runs_once_asked() {
        super::purge_in_background();
        assert!(
            tikv_jemalloc_ctl::background_thread::read().expect("readable"),
            "jemalloc's background thread"
        );
    }

    /// The thread caches of `.cargo/config.toml` reached the allocator:
    /// a build outside this checkout's cargo settings would lose them.
    /// (Cargo's `[env]` reaches rustc too, so the expected options are
    /// read from the same setting, not copied here.)
    #[test]
    fn the_thread_cache_settings_are_compiled_in() {
        let settings = super::settings().expect("jemalloc reports its settings");
        // A build without the checkout's cargo settings fails here.
        let configured = env!("JEMALLOC_SYS_WITH_MALLOC_CONF");
        for option in configured.split(',') {
            assert!(settings.contains(option), "{option} missing from {settings:?}");
        }
        assert!(!settings.ends_with('\0'), "{settings:?}");
    }

    /// The gauges are there, and jemalloc is the allocator in use: what
    /// this test allocates shows in `allocated`.
    #[test]
    fn renders_the_allocators_gauges() {
        let held = std::hint::black_box(vec![1u8; 8 << 20]);
        let mut out = String::new();
        super::render(&mut out);
        let allocated: usize = out
            .lines()
            .find_map(|l| l.strip_prefix("switchboard_allocator_allocated_bytes "))
            .and_then(|v| v.parse().ok())
            .expect("allocated gauge");
        assert!(allocated >= held.len(), "{allocated} < {}", held.len());
        for name in ["active", "resident", "metadata", "retained"] {
            assert!(out.contains(&format!("switchboard_allocator_{name}_bytes ")), "{name} missing");
        }
    }
}
