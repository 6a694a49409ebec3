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

use std::fmt::Write;

use tikv_jemalloc_ctl::{epoch, stats};

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
            let _ = writeln!(out, "# HELP switchboard_allocator_{name}_bytes {help}");
            let _ = writeln!(out, "# TYPE switchboard_allocator_{name}_bytes gauge");
            let _ = writeln!(out, "switchboard_allocator_{name}_bytes {value}");
        }
    }
}

#[cfg(test)]
mod tests {
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
