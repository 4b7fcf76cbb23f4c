//! What the load benchmarks share: their settings from the environment, the
//! generated log they read, and the process's memory from /proc.

use std::path::PathBuf;

/// `MAILTRIAGE_BENCH_BYTES` (default 1 GiB): the size of the generated log.
pub fn bench_bytes() -> u64 {
    let s = std::env::var("MAILTRIAGE_BENCH_BYTES").unwrap_or_else(|_| "1G".into());
    mailtriage::r#gen::parse_size(&s).unwrap_or(1)
}

/// `MAILTRIAGE_BENCH_RUNS` (default 3).
pub fn bench_runs() -> usize {
    std::env::var("MAILTRIAGE_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

/// The log to read: `MAILTRIAGE_BENCH_LOG`, else a log of `bytes` generated with
/// seed 1 into `target/` once and kept for the next runs.
pub fn bench_log(bytes: u64) -> PathBuf {
    if let Some(p) = std::env::var_os("MAILTRIAGE_BENCH_LOG") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-{bytes}.log"));
    if !p.exists() {
        eprintln!("generating {} ({bytes} bytes, seed 1)…", p.display());
        let tmp = p.with_extension("tmp");
        let f = std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(&tmp).expect("create bench log"),
        );
        let cfg = mailtriage::r#gen::GenConfig {
            seed: 1,
            target_bytes: bytes,
            ..Default::default()
        };
        mailtriage::r#gen::generate(&cfg, f).expect("generate");
        std::fs::rename(&tmp, &p).expect("rename");
    }
    p
}

/// A field of /proc/self/status in KiB (`VmHWM:`, `RssAnon:`), 0 if unknown.
pub fn status_kb(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
