//! Latency percentiles and the process's memory.

use serde::{Deserialize, Serialize};

/// Percentiles of a set of latencies, in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Latency {
    /// Number of samples.
    pub count: usize,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 95th percentile.
    #[serde(default)]
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
}

impl Latency {
    /// The percentiles of `samples` (nearest rank).
    pub fn of(mut samples: Vec<u64>) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        let rank = |p: f64| {
            let index = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[index]
        };
        Self {
            count: samples.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p95: rank(0.95),
            p99: rank(0.99),
            max: samples[samples.len() - 1],
        }
    }
}

/// Microseconds as milliseconds with one decimal, for the reports.
pub fn ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

/// The resident memory of this process, in KiB, from `/proc/self/status`.
pub fn resident_kib() -> u64 {
    resident_kib_in("/proc/self/status")
}

/// The resident memory of process `pid`, in KiB.
pub fn resident_kib_of(pid: u32) -> u64 {
    resident_kib_in(&format!("/proc/{pid}/status"))
}

/// The `VmRSS` line of a `/proc/…/status` file, KiB; 0 when it cannot be read.
fn resident_kib_in(status_file: &str) -> u64 {
    std::fs::read_to_string(status_file)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let latency = Latency::of((1..=100).rev().collect());
        assert_eq!(
            (
                latency.count,
                latency.p50,
                latency.p90,
                latency.p99,
                latency.max
            ),
            (100, 50, 90, 99, 100)
        );
        assert_eq!(Latency::of(Vec::new()).count, 0);
    }

    #[test]
    fn this_process_has_some_resident_memory() {
        assert!(resident_kib() > 0);
    }
}
