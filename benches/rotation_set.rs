//! Load of a rotation set: the generated log cut into ten files as Debian keeps
//! them (`mainlog.9.gz` … `mainlog.2.gz`, `mainlog.1`, `mainlog`), given in the
//! order a shell expands `mainlog*`.
//!
//! `cargo bench --bench rotation_set` (env: MAILTRIAGE_BENCH_BYTES=1G|200M…, the
//! set's uncompressed size; MAILTRIAGE_BENCH_LOG=path to cut an existing log;
//! MAILTRIAGE_BENCH_RUNS=3). Prints wall time, MB/s of log text, peak and
//! anonymous RSS, and in the same run what the load is measured against: two
//! parallel `zcat`s of the `.gz` files to /dev/null, and `zcat … | wc -l` plus
//! `wc -l` of the plain files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use mailtriage::model::{self, LoadOptions};

mod common;
use common::{bench_bytes, bench_log, bench_runs, status_kb};

const FILES: usize = 10;
const PLAIN: usize = 2;

/// Rotation `n` of the set (0 is the live file), oldest being `FILES - 1`.
fn name(n: usize) -> String {
    match n {
        0 => "mainlog".into(),
        n if n < PLAIN => format!("mainlog.{n}"),
        n => format!("mainlog.{n}.gz"),
    }
}

/// Cuts `log` into the set in `dir` (once), on line boundaries, oldest first.
fn make_set(log: &Path, dir: &Path) {
    if dir.join("mainlog").exists() {
        return;
    }
    eprintln!("cutting {} into {}…", log.display(), dir.display());
    std::fs::create_dir_all(dir).expect("set dir");
    let data = std::fs::read(log).expect("read bench log");
    let mut at = 0;
    for i in 0..FILES {
        let mut end = data.len() * (i + 1) / FILES;
        while end < data.len() && data[end - 1] != b'\n' {
            end += 1;
        }
        let part = &data[at..end];
        at = end;
        let n = FILES - 1 - i;
        let path = dir.join(name(n));
        let tmp = path.with_extension("tmp");
        if n < PLAIN {
            std::fs::write(&tmp, part).expect("write");
        } else {
            let f = std::fs::File::create(&tmp).expect("create");
            let mut z = flate2::write::GzEncoder::new(f, flate2::Compression::new(6));
            z.write_all(part).expect("gzip");
            z.finish().expect("gzip");
        }
        std::fs::rename(&tmp, &path).expect("rename");
    }
}

fn seconds(f: impl FnOnce() -> bool) -> Option<f64> {
    let t = Instant::now();
    f().then(|| t.elapsed().as_secs_f64())
}

fn sh(script: &str, args: &[PathBuf]) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(script).arg("sh").args(args);
    c.stdout(Stdio::null());
    c
}

fn main() {
    let runs = bench_runs();
    let log = bench_log(bench_bytes());
    let dir = log.with_extension("set");
    make_set(&log, &dir);
    // As a shell expands `mainlog*`: lexical, the live file first.
    let mut given: Vec<PathBuf> = (0..FILES).map(|n| dir.join(name(n))).collect();
    given.sort();
    let gz: Vec<PathBuf> = (PLAIN..FILES).map(|n| dir.join(name(n))).collect();
    let plain: Vec<PathBuf> = (0..PLAIN).map(|n| dir.join(name(n))).collect();
    let on_disk: u64 = given
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();

    // What the load is compared with, best of `runs`, in the same session.
    let mut two_zcats = f64::MAX;
    let mut counted = f64::MAX;
    let (first, second) = gz.split_at(gz.len() / 2);
    for _ in 0..runs {
        let t = seconds(|| {
            let a = sh(r#"zcat "$@""#, first).spawn();
            let b = sh(r#"zcat "$@""#, second).spawn();
            match (a, b) {
                (Ok(mut a), Ok(mut b)) => {
                    let (x, y) = (a.wait(), b.wait());
                    x.is_ok_and(|s| s.success()) && y.is_ok_and(|s| s.success())
                }
                _ => false,
            }
        });
        two_zcats = two_zcats.min(t.unwrap_or(f64::MAX));
        let t = seconds(|| {
            let z = sh(r#"zcat "$@" | wc -l"#, &gz).status();
            let w = sh(r#"wc -l "$@""#, &plain).status();
            z.is_ok_and(|s| s.success()) && w.is_ok_and(|s| s.success())
        });
        counted = counted.min(t.unwrap_or(f64::MAX));
    }

    let ordered = model::rotation::order(&given).paths;
    let opts = LoadOptions::default();
    let mut best = f64::MAX;
    let (mut text, mut lines, mut messages, mut anon) = (0u64, 0, 0, 0u64);
    let mut kept = None;
    for run in 0..runs {
        // One model at a time: the peak is a load's, not two.
        drop(kept.take());
        let t = Instant::now();
        let m = model::load(&ordered, &opts, &mut |_| {}).expect("load");
        let took = t.elapsed().as_secs_f64();
        if run == 0 {
            anon = status_kb("RssAnon:");
        }
        best = best.min(took);
        text = m.sources.iter().map(|s| s.len()).sum();
        lines = m.line_count();
        messages = m.messages.len();
        kept = Some(m);
    }
    let hwm = status_kb("VmHWM:");
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "set: {} ({FILES} files, {PLAIN} plain, {} gzip): {:.0} MB on disk, {:.0} MB of log text",
        dir.display(),
        FILES - PLAIN,
        mb(on_disk),
        mb(text)
    );
    println!(
        "lines: {lines}  messages: {messages}  threads: {}  readers: {}",
        opts.threads, opts.readers
    );
    println!(
        "load+index (best of {runs}): {best:.3} s = {:.0} MB/s of log text",
        mb(text) / best
    );
    if two_zcats < f64::MAX {
        println!(
            "two parallel zcats of the .gz files to /dev/null: {two_zcats:.3} s → ratio {:.2}×",
            best / two_zcats
        );
    }
    if counted < f64::MAX {
        println!(
            "zcat .gz | wc -l, then wc -l of the plain files: {counted:.3} s → ratio {:.2}×",
            best / counted
        );
    }
    println!(
        "peak RSS (VmHWM, includes the mapped files): {:.0} MB",
        hwm as f64 / 1024.0
    );
    let Some(m) = kept else { return };
    let packed: Vec<_> = m.sources.iter().filter(|s| s.bytes().is_none()).collect();
    let gz_text: u64 = packed.iter().map(|s| s.len()).sum();
    let held: usize = packed.iter().map(|s| s.heap_bytes()).sum();
    println!(
        "anonymous RSS after loading: {:.0} MB = {:.2}× the log text; its gzip text ({:.0} MB) is kept compressed in its mapped files, with {:.1} MB of access points",
        anon as f64 / 1024.0,
        anon as f64 * 1024.0 / text.max(1) as f64,
        mb(gz_text),
        mb(held as u64)
    );
    let re = mailtriage::query::grep::compile("R=dnslookup", &Default::default()).expect("regex");
    let hits = after_load(&m, &re);
    drop(m);
    // The same search with the text held whole, as before it was packed.
    let whole = LoadOptions {
        mmap: false,
        ..LoadOptions::default()
    };
    let m = model::load(&ordered, &whole, &mut |_| {}).expect("load");
    let t = Instant::now();
    let same = mailtriage::query::grep::grep(&m, &re);
    println!(
        "the same grep with the text held whole (--no-mmap): {:.3} s ({} lines)",
        t.elapsed().as_secs_f64(),
        same.lines.count()
    );
    assert_eq!(same.lines.count(), hits);
}

/// What keeping gzip text compressed costs where it is read: a message's
/// lines (the detail pane) and a search of every line (`grep`, the regex filter).
fn after_load(m: &model::Model, re: &regex::bytes::Regex) -> usize {
    let first_plain = m
        .sources
        .iter()
        .find(|s| s.bytes().is_some())
        .map_or(u64::MAX, |s| s.base);
    let in_gz: Vec<u32> = (0..m.messages.len() as u32)
        .filter(|&i| {
            let line = m.messages[i as usize].first_line;
            m.line_start
                .get(line as usize)
                .is_some_and(|at| at < first_plain)
        })
        .collect();
    if in_gz.is_empty() {
        return 0;
    }
    // Spread over the whole set, so nearly every message is a span not cached.
    let picks: Vec<u32> = (0..200)
        .map(|k| in_gz[k * (in_gz.len() - 1) / 199])
        .collect();
    let mut times: Vec<f64> = picks
        .iter()
        .map(|&msg| {
            let t = Instant::now();
            let bytes: usize = m.message_lines(msg).map(|l| m.line(l).len()).sum();
            std::hint::black_box(bytes);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "a message's lines from gzip text, 200 messages across the set: median {:.2} ms, max {:.2} ms",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    let t = Instant::now();
    let hits = mailtriage::query::grep::grep(m, re);
    println!(
        "grep R=dnslookup over every line: {:.3} s ({} lines)",
        t.elapsed().as_secs_f64(),
        hits.lines.count()
    );
    hits.lines.count()
}
