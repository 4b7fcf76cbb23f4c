//! Load + index + aggregate benchmark on a generated log (default 1 GiB).
//!
//! `cargo bench --bench load` (env: MAILTRIAGE_BENCH_BYTES=1G|200M…,
//! MAILTRIAGE_BENCH_LOG=path to use an existing log, MAILTRIAGE_BENCH_RUNS=3).
//! Prints MB/s, peak and anonymous RSS, and `wc -l` on the same file for a ratio,
//! since absolute timings on a shared 2-core machine are noisy.

use std::process::Command;
use std::time::Instant;

use mailtriage::model::{self, LoadOptions};
use mailtriage::query::{self, AggKey, Filter, NetPrefix};

mod common;
use common::{bench_bytes, bench_log, bench_runs, status_kb};

fn main() {
    let path = bench_log(bench_bytes());
    let runs = bench_runs();
    let size = std::fs::metadata(&path).expect("bench log").len();
    println!("file: {} ({:.1} MB)", path.display(), size as f64 / 1e6);

    // `wc -l` on the same (now cached) file, for a machine-independent ratio.
    let mut wc = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let ok = Command::new("wc")
            .arg("-l")
            .arg(&path)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            wc = wc.min(t.elapsed().as_secs_f64());
        }
    }

    let opts = LoadOptions::default();
    let mut best = f64::MAX;
    let mut best_agg = f64::MAX;
    let mut heap = 0usize;
    let mut parts = Vec::new();
    let mut lines = 0usize;
    let mut messages = 0usize;
    let mut anon = 0u64;
    let mut anon_grouped = 0u64;
    for run in 0..runs {
        let t = Instant::now();
        let m = model::load(std::slice::from_ref(&path), &opts, &mut |_| {}).expect("load");
        // Memory is read in the first run, before anything of a previous run could
        // linger in the allocator: what a fresh `mailtriage` costs.
        if run == 0 {
            anon = status_kb("RssAnon:");
        }
        let g = query::Grouping::new(&m, AggKey::Ip, NetPrefix::default());
        let rows = query::group(&m, &g, &Filter::default(), true);
        let total = t.elapsed().as_secs_f64();
        let agg = {
            let t = Instant::now();
            let rows = query::group(
                &m,
                &g,
                &Filter {
                    family: Some(mailtriage::parse::Family::Ipv6),
                    ..Filter::default()
                },
                false,
            );
            std::hint::black_box(rows.len());
            t.elapsed().as_secs_f64()
        };
        std::hint::black_box(rows.len());
        best = best.min(total);
        best_agg = best_agg.min(agg);
        heap = m.heap_bytes();
        parts = m.heap_parts();
        if run == 0 {
            anon_grouped = status_kb("RssAnon:");
        }
        lines = m.line_count();
        messages = m.messages.len();
    }
    let hwm = status_kb("VmHWM:");
    println!(
        "lines: {lines}  messages: {messages}  threads: {}",
        opts.threads
    );
    println!(
        "load+index+aggregate(by ip, with recipients): best of {runs}: {best:.3} s = {:.0} MB/s",
        size as f64 / 1e6 / best
    );
    println!(
        "re-aggregate with a family filter (1 pass, no recipients): {:.1} ms",
        best_agg * 1e3
    );
    if wc < f64::MAX {
        println!("wc -l: {wc:.3} s  → ratio {:.1}× wc -l", best / wc);
    }
    println!(
        "peak RSS (VmHWM, includes the mapped file): {:.0} MB",
        hwm as f64 / 1024.0
    );
    println!(
        "anonymous RSS after loading: {:.0} MB = {:.2}× file; after grouping by ip with recipients: {:.0} MB = {:.2}× file",
        anon as f64 / 1024.0,
        anon as f64 * 1024.0 / size as f64,
        anon_grouped as f64 / 1024.0,
        anon_grouped as f64 * 1024.0 / size as f64
    );
    println!(
        "model heap (capacity, incl. reserved but untouched): {:.0} MB",
        heap as f64 / 1e6
    );
    let parts: Vec<String> = parts
        .iter()
        .filter(|(_, n)| *n >= 1 << 20)
        .map(|(what, n)| format!("{what} {:.0}", *n as f64 / 1e6))
        .collect();
    println!("  by part (MB): {}", parts.join(", "));
}
