//! A `.gz` input is kept compressed after its load and inflated again span by
//! span where its lines are read (issue 12, item 3): every line, search and
//! count reads as from the same log uncompressed, and a file rewritten after
//! the load reads as its notice, never as another text.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use mailtriage::model::{self, Model};
use mailtriage::query::grep;

const BIN: &str = env!("CARGO_BIN_EXE_mailtriage");

/// A generated log of a few MiB: several of the 1 MiB spans between points.
fn log(bytes: u64) -> Vec<u8> {
    let cfg = mailtriage::r#gen::GenConfig {
        seed: 12,
        target_bytes: bytes,
        ..Default::default()
    };
    let mut out = Vec::new();
    mailtriage::r#gen::generate(&cfg, &mut out).expect("generate");
    out
}

/// `data` gzipped as `members` members one after another, as `cat a.gz b.gz`.
fn gzip(data: &[u8], members: usize) -> Vec<u8> {
    let per = data.len().div_ceil(members.max(1)).max(1);
    let mut out = Vec::new();
    for part in data.chunks(per) {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(part).expect("gzip");
        out.extend(e.finish().expect("gzip"));
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

fn lines(m: &Model) -> Vec<Vec<u8>> {
    (0..m.line_count() as u32)
        .map(|i| m.line(i).to_vec())
        .collect()
}

fn grep_counts(m: &Model, pattern: &str) -> (usize, usize, Vec<u32>) {
    let re = grep::compile(pattern, &grep::GrepOptions::default()).expect("regex");
    let hits = grep::grep(m, &re);
    let lines = (0..m.line_count() as u32)
        .filter(|&i| hits.lines.contains(i))
        .collect();
    (hits.lines.count(), hits.messages.count(), lines)
}

#[test]
fn a_packed_gzip_reads_as_the_plain_log_line_by_line_and_by_search() {
    let data = log(5 << 20);
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = write(dir.path(), "mainlog", &data);
    let gz = write(dir.path(), "mainlog.2.gz", &gzip(&data, 3));
    let a = common::load(&[plain]);
    let b = common::load(std::slice::from_ref(&gz));
    // Points every 4 KiB: hundreds of lines run across two spans.
    let o = model::LoadOptions {
        gzip_span: 4096,
        ..common::opts()
    };
    let small = model::load(&[gz], &o, &mut |_| {}).expect("load");
    // The text is not held: it is inflated again where it is read.
    assert!(
        b.sources[0].bytes().is_none(),
        "a mapped .gz is packed after its load"
    );
    assert!(
        b.sources[0].heap_bytes() < data.len() / 10,
        "{} bytes held for {} of text",
        b.sources[0].heap_bytes(),
        data.len()
    );
    assert_eq!(a.line_count(), b.line_count());
    assert_eq!(lines(&a), lines(&b));
    assert_eq!(lines(&a), lines(&small));
    // Read backwards too: every line comes from a span that may have left the cache.
    for i in (0..a.line_count() as u32).rev().step_by(97) {
        assert_eq!(a.line(i), b.line(i), "line {i}");
    }
    for pattern in [
        // Only a whole arrival matches: a part cut at a span's end does not.
        "^\\d{4}-\\S+ \\S+ \\S+ <= .* T=\".*\" for .+$",
        "<=",
        "H=\\[10\\.",
        "(?m)^2[0-9]{3}-",
        "Completed$",
        "no such pattern here",
        "\\n",
        "e",
    ] {
        let want = grep_counts(&a, pattern);
        for (got, spans) in [
            (grep_counts(&b, pattern), "1 MiB"),
            (grep_counts(&small, pattern), "4 KiB"),
        ] {
            // Compared whole, reported short: the lists run to thousands.
            assert!(
                got == want,
                "{pattern}, {spans} spans: {} lines in {} messages, want {} in {}",
                got.0,
                got.1,
                want.0,
                want.1
            );
        }
    }
    for msg in (0..a.messages.len() as u32).step_by(211) {
        let la: Vec<_> = a.message_lines(msg).map(|l| a.line(l).to_vec()).collect();
        let lb: Vec<_> = b.message_lines(msg).map(|l| b.line(l).to_vec()).collect();
        assert_eq!(la, lb, "message {msg}");
    }
}

#[test]
fn the_cli_answers_a_gzip_as_its_text() {
    let data = log(3 << 20);
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = write(dir.path(), "mainlog", &data);
    let gz = write(dir.path(), "mainlog.1.gz", &gzip(&data, 1));
    for args in [
        &["summary", "--json"][..],
        &["grep", "R=dnslookup"][..],
        &["senders", "--json"][..],
    ] {
        let run = |p: &Path| {
            let out = Command::new(BIN)
                .arg("-q")
                .args(args)
                .arg(p)
                .output()
                .expect("run");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The files' names differ; what they hold must not.
            String::from_utf8_lossy(&out.stdout).replace("mainlog.1.gz", "mainlog")
        };
        assert_eq!(run(&plain), run(&gz), "{args:?}");
    }
}

#[test]
fn a_gzip_rewritten_after_its_load_reads_as_its_notice() {
    let data = log(2 << 20);
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = write(dir.path(), "mainlog.3.gz", &gzip(&data, 1));
    let m = common::load(std::slice::from_ref(&gz));
    let last = m.line_count() as u32 - 1;
    let before = m.line(last).to_vec();
    assert!(!before.is_empty());
    // Rewritten in place, as a copy over it would: other bytes, same length.
    let mut other = std::fs::read(&gz).expect("read");
    for b in other.iter_mut().skip(64) {
        *b = b.wrapping_add(1);
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(&gz)
        .and_then(|mut f| f.write_all(&other))
        .expect("rewrite");
    assert_eq!(m.check_sources(), vec![gz.display().to_string()]);
    let notice = m.sources[0].notice().to_vec();
    assert_eq!(m.line(last).to_vec(), notice);
    assert_eq!(m.line(0).to_vec(), notice);
}

#[test]
fn a_gzip_read_from_a_pipe_or_without_mmap_is_held_whole_as_before() {
    let data = log(1 << 20);
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = write(dir.path(), "mainlog.2.gz", &gzip(&data, 2));
    let o = model::LoadOptions {
        mmap: false,
        ..common::opts()
    };
    let m = model::load(std::slice::from_ref(&gz), &o, &mut |_| {}).expect("load");
    assert_eq!(m.sources[0].bytes().map(<[u8]>::len), Some(data.len()));
    let packed = common::load(&[gz]);
    assert_eq!(lines(&m), lines(&packed));
}

#[test]
fn every_real_log_reads_the_same_gzipped_line_by_line() {
    let Some(dir) = common::samples() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = model::LoadOptions {
        gzip_span: 4096,
        ..common::opts()
    };
    let mut files = 0;
    for e in std::fs::read_dir(dir.join("realworld")).expect("realworld") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let data = std::fs::read(&p).expect("read");
        let gz = write(tmp.path(), "real.gz", &gzip(&data, 2));
        let plain = common::load(std::slice::from_ref(&p));
        let packed = model::load(&[gz], &o, &mut |_| {}).expect("load");
        assert_eq!(lines(&plain), lines(&packed), "{}", p.display());
        assert_eq!(plain.kind_counts, packed.kind_counts, "{}", p.display());
        for pattern in ["<=", "(?i)dkim", "rejected", "^.{300,}$"] {
            let (a, b) = (grep_counts(&plain, pattern), grep_counts(&packed, pattern));
            assert!(
                a == b,
                "{}: {pattern}: {} against {}",
                p.display(),
                b.0,
                a.0
            );
        }
        files += 1;
    }
    assert!(files >= 20, "{files} real logs");
}
