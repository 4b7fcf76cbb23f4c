//! A rotation set (plain and `.gz` files) read in parallel is the model of
//! reading it one file after another, and of loading its concatenation; the
//! CLI puts a globbed set oldest first and says so (issue 12, item 2).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use mailtriage::model::{self, LoadOptions, Model};

const BIN: &str = env!("CARGO_BIN_EXE_mailtriage");

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

/// Everything a model holds, in its own layout: two loads that agree here
/// number lines, link messages and intern strings the same.
fn fingerprint(m: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..m.line_count() {
        out.push(format!(
            "{:?} {:?} {} {:?} {}",
            m.line_start.get(i),
            m.line_kind[i],
            m.line_msg[i],
            m.line_next.get(i as u32),
            String::from_utf8_lossy(&m.line(i as u32))
        ));
    }
    out.extend(m.messages.iter().map(|x| format!("{x:?}")));
    out.extend(m.signatures.iter().map(|x| format!("{x:?}")));
    out.extend(m.recipients.iter().map(|x| format!("{x:?}")));
    out.extend(m.peer_events.iter().map(|x| format!("{x:?}")));
    let mut spam: Vec<_> = m.spam.iter().map(|(k, v)| format!("{k} {v:?}")).collect();
    spam.sort();
    out.extend(spam);
    out.extend((0..m.strings.len() as u32).map(|i| format!("{:?}", m.strings.get(i))));
    out.push(format!("{:?} {:?}", m.ips, m.interfaces));
    out.push(format!(
        "{:?} {:?} {:?}",
        m.kind_counts, m.first_time, m.last_time
    ));
    out
}

/// A log of a few thousand lines: the demo, and a real sample when present.
fn log() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut data = std::fs::read(root.join("assets/demo/mainlog")).expect("demo log");
    if let Some(dir) = common::samples() {
        let real = dir.join("realworld/artik292-ddos-exim_mainlog.log");
        if let Ok(more) = std::fs::read(real) {
            data.extend_from_slice(&more);
        }
    }
    if data.last().is_some_and(|&b| b != b'\n') {
        data.push(b'\n');
    }
    data
}

/// `data` cut at line boundaries into `n` rotations, oldest first
/// (`mainlog.{n-1}.gz` … `mainlog.2.gz`, `mainlog.1`, `mainlog`).
fn rotation_set(dir: &Path, data: &[u8], n: usize) -> Vec<PathBuf> {
    let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
    let per = lines.len().div_ceil(n);
    let mut paths = Vec::new();
    for (k, part) in lines.chunks(per).enumerate() {
        let age = n - 1 - k;
        let text: Vec<u8> = part.concat();
        let (name, bytes) = match age {
            0 => ("mainlog".to_string(), text),
            1 => ("mainlog.1".to_string(), text),
            _ => (format!("mainlog.{age}.gz"), gzip(&text)),
        };
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        paths.push(p);
    }
    paths
}

fn opts(readers: usize) -> LoadOptions {
    LoadOptions {
        readers,
        chunk_bytes: 4096,
        ..common::opts()
    }
}

#[test]
fn a_set_read_in_parallel_is_the_set_read_in_turn_and_the_whole_log() {
    let data = log();
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = rotation_set(dir.path(), &data, 10);
    assert_eq!(paths.len(), 10);
    let whole = fingerprint(&model::load::from_bytes("all", data.clone(), &opts(0)));
    for readers in [0, 1, 2, 4] {
        let m = model::load(&paths, &opts(readers), &mut |_| {}).expect("load");
        assert_eq!(m.sources.len(), 10);
        let got = fingerprint(&m);
        assert_eq!(got.len(), whole.len(), "{readers} readers");
        for (a, b) in whole.iter().zip(&got) {
            assert_eq!(a, b, "{readers} readers");
        }
    }
}

#[test]
fn a_corrupt_gz_in_a_set_gives_the_error_of_a_sequential_read() {
    let data = log();
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = rotation_set(dir.path(), &data, 6);
    // Cut the third file's deflate stream in half: still gzip by its magic.
    let bad = &paths[2];
    let gz = std::fs::read(bad).expect("read");
    let mut broken = gz[..gz.len() / 2].to_vec();
    broken.extend_from_slice(&[0xff; 64]);
    std::fs::write(bad, broken).expect("write");
    let errors: Vec<String> = [0, 1, 2, 4]
        .into_iter()
        .map(|r| match model::load(&paths, &opts(r), &mut |_| {}) {
            Ok(_) => panic!("{r} readers: a corrupt gzip loaded"),
            Err(e) => e.to_string(),
        })
        .collect();
    assert!(
        errors[0].starts_with(&format!("{}: not a valid gzip file", bad.display())),
        "{}",
        errors[0]
    );
    assert!(errors.iter().all(|e| *e == errors[0]), "{errors:?}");
    // And a missing file after it still reports the corrupt one, first in order.
    let mut more = paths.clone();
    more.push(dir.path().join("absent"));
    let e = model::load(&more, &opts(2), &mut |_| {})
        .err()
        .map(|e| e.to_string());
    assert_eq!(e.as_deref(), Some(errors[0].as_str()));
}

#[test]
fn a_set_over_the_memory_limit_stops_with_the_limit_message() {
    let data = log();
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = rotation_set(dir.path(), &data, 6);
    let o = LoadOptions {
        max_memory: Some(data.len() as u64 / 4),
        ..opts(2)
    };
    let e = model::load(&paths, &o, &mut |_| {})
        .err()
        .map(|e| e.to_string());
    let e = e.expect("over the limit");
    assert!(e.contains("--max-memory"), "{e}");
}

fn run(args: &[&str], files: &[PathBuf]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .args(files)
        .output()
        .expect("run")
}

#[test]
fn the_cli_reads_a_globbed_set_oldest_first_and_says_so() {
    let data = log();
    let dir = tempfile::tempdir().expect("tempdir");
    let ordered = rotation_set(dir.path(), &data, 12);
    // What a shell's `mainlog*` gives: lexical order.
    let mut globbed = ordered.clone();
    globbed.sort();
    assert_ne!(globbed, ordered);
    let want = run(&["-q", "summary", "--json"], &ordered);
    assert_eq!(want.status.code(), Some(0));
    let got = run(&["summary", "--json"], &globbed);
    assert_eq!(got.status.code(), Some(0));
    assert_eq!(got.stdout, want.stdout);
    let err = String::from_utf8_lossy(&got.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "mailtriage: read the rotations of {} oldest first: mainlog.11.gz mainlog.10.gz",
            dir.path().join("mainlog").display()
        )),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with("mainlog.2.gz mainlog.1 mainlog"),
        "{err}"
    );
    // In order already, or -q: nothing said.
    assert!(want.stderr.is_empty());
    let quiet = run(&["-q", "summary", "--json"], &globbed);
    assert!(quiet.stderr.is_empty());
    let plain = run(&["summary", "--json"], &ordered);
    assert!(
        plain.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
}

#[test]
fn the_cli_warns_of_a_gap_in_a_set() {
    let data = log();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut paths = rotation_set(dir.path(), &data, 6);
    // Without mainlog.3.gz.
    paths.remove(2);
    let o = run(&["summary", "--json"], &paths);
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "mailtriage: warning: {}.3 not given: the rotation set has a gap",
            dir.path().join("mainlog").display()
        )),
        "{err}"
    );
    assert!(run(&["-q", "summary"], &paths).stderr.is_empty());
}
