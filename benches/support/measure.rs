//! The timing loop shared by the benchmarks: batches of calls, the median
//! time per call, one JSON object per line for `scripts/bench.sh`.

use std::time::Instant;

/// Runs `f` in batches for about `budget_ms` and prints the median time per
/// call over the batches.
pub fn measure(name: &str, budget_ms: u128, mut f: impl FnMut()) {
    // Warm up, and size a batch to take about a millisecond.
    let started = Instant::now();
    let mut calls = 0u64;
    while started.elapsed().as_micros() < 1000 {
        f();
        calls += 1;
    }
    let batch = calls.max(1);
    let mut per_call = Vec::new();
    let started = Instant::now();
    while started.elapsed().as_millis() < budget_ms || per_call.len() < 5 {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        per_call.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    per_call.sort_by(|a, b| a.total_cmp(b));
    let median = per_call[per_call.len() / 2];
    println!(
        "{{\"bench\": \"{name}\", \"median_ns\": {median:.0}, \"batches\": {}, \"batch_size\": {batch}}}",
        per_call.len()
    );
}
