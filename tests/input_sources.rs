//! Inputs as an attacker or an unlucky admin provides them: pipes, FIFOs, stdin,
//! gzip without a `.gz` name, endless devices, files truncated while mapped.
//! The real binary is run each time, so a signal death shows as a failure.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod tmux;
use tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_mailtriage");

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-main.log")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `summary --json` without the file names, which differ between the ways in.
fn summary_of(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    v.as_object_mut().expect("object").remove("files");
    v
}

fn summary_file(p: &Path) -> serde_json::Value {
    let o = Command::new(BIN)
        .args(["-q", "summary", "--json"])
        .arg(p)
        .output()
        .expect("run");
    summary_of(&o)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

/// Runs the binary with `input` written to its standard input from a thread
/// (a writer that outlives the reader just sees a broken pipe).
fn with_stdin(args: &[&str], input: Vec<u8>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let o = child.wait_with_output().expect("wait");
    let _ = writer.join();
    o
}

#[test]
fn a_process_substitution_loses_no_byte() {
    let want = summary_file(&seed());
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{BIN} -q summary --json <(cat '{}')",
            seed().display()
        ))
        .output()
        .expect("bash");
    assert_eq!(summary_of(&o), want);
}

#[test]
fn stdin_plain_and_gzip_read_the_same_model() {
    let log = std::fs::read(seed()).expect("seed");
    let want = summary_file(&seed());
    let plain = with_stdin(&["-q", "summary", "--json", "-"], log.clone());
    assert_eq!(summary_of(&plain), want);
    let gz = with_stdin(&["-q", "summary", "--json", "-"], gzip(&log));
    assert_eq!(summary_of(&gz), want);
}

fn mkfifo(p: &Path) -> bool {
    Command::new("mkfifo")
        .arg(p)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_fifo_is_read_whole_plain_or_gzip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = std::fs::read(seed()).expect("seed");
    let want = summary_file(&seed());
    for (name, bytes) in [("plain", log.clone()), ("gz", gzip(&log))] {
        let fifo = dir.path().join(name);
        if !mkfifo(&fifo) {
            tmux::skip("mkfifo failed");
            return;
        }
        let path = fifo.clone();
        let writer = std::thread::spawn(move || {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&path) {
                let _ = f.write_all(&bytes);
            }
        });
        let o = Command::new(BIN)
            .args(["-q", "summary", "--json"])
            .arg(&fifo)
            .output()
            .expect("run");
        let _ = writer.join();
        assert_eq!(summary_of(&o), want, "{name}");
    }
}

#[test]
fn gzip_is_told_by_its_magic_not_its_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = std::fs::read(seed()).expect("seed");
    let want = summary_file(&seed());
    let plain_named_gz = dir.path().join("mainlog.1.gz");
    std::fs::write(&plain_named_gz, &log).expect("write");
    assert_eq!(summary_file(&plain_named_gz), want);
    let gz_named_plain = dir.path().join("mainlog.1");
    std::fs::write(&gz_named_plain, gzip(&log)).expect("write");
    assert_eq!(summary_file(&gz_named_plain), want);
}

fn assert_memory_error(o: &Output, what: &str) {
    assert_eq!(
        o.status.code(),
        Some(2),
        "{what}: {:?} {}",
        o.status,
        stderr(o)
    );
    let e = stderr(o);
    assert_eq!(e.lines().count(), 1, "{what}: one line: {e}");
    assert!(e.contains("--max-memory"), "{what}: names the flag: {e}");
    assert!(e.contains("memory limit"), "{what}: names the limit: {e}");
}

#[test]
fn an_endless_device_stops_at_the_memory_limit() {
    let o = Command::new(BIN)
        .args(["-q", "--max-memory", "8M", "summary", "/dev/zero"])
        .output()
        .expect("run");
    assert_memory_error(&o, "/dev/zero");
    assert!(stderr(&o).contains("/dev/zero"), "{}", stderr(&o));
    assert!(stderr(&o).contains("8.0 MiB"), "{}", stderr(&o));
}

#[test]
fn an_endless_pipe_stops_at_the_memory_limit() {
    let mut child = Command::new(BIN)
        .args(["-q", "--max-memory", "8M", "summary", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    // `yes |`: written until the reader goes away.
    let writer = std::thread::spawn(move || {
        let block = b"y\n".repeat(32 << 10);
        while stdin.write_all(&block).is_ok() {}
    });
    let o = child.wait_with_output().expect("wait");
    let _ = writer.join();
    assert_memory_error(&o, "yes |");
}

#[test]
fn a_gzip_bomb_of_newlines_stops_at_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bomb = dir.path().join("bomb.gz");
    let mut z = gzip(&vec![b'\n'; 64 << 20]);
    // A trailer that lies about the size (1 MiB): the check before reading lets
    // the file through, so the read itself must stop at the limit.
    let n = z.len();
    z[n - 4..].copy_from_slice(&(1u32 << 20).to_le_bytes());
    std::fs::write(&bomb, z).expect("write");
    let o = Command::new(BIN)
        .args(["-q", "--max-memory", "16M", "summary"])
        .arg(&bomb)
        .output()
        .expect("run");
    assert_memory_error(&o, "gzip bomb");
    let e = stderr(&o);
    assert!(e.contains("bomb.gz"), "{e}");
    assert!(e.contains("stopped after"), "stopped while reading: {e}");
}

#[test]
fn inputs_that_cannot_fit_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("mainlog.2.gz");
    let b = dir.path().join("mainlog.1.gz");
    // 24 MiB of text each, by their honest trailers. Mapped, each is let go
    // once parsed: the larger alone counts, and is over 20M. Read without a
    // map both are held: 48 MiB, over 32M.
    let mut line = b"2025-03-01 10:00:00 1uNEWx-00000000ZZZ-0001 <= a@example.org H=(helo.example.org) [198.51.100.23] P=esmtp S=1234 id=".to_vec();
    line.resize(255, b'x');
    line.push(b'\n');
    let text = line.repeat((24 << 20) / 256);
    for p in [&a, &b] {
        std::fs::write(p, gzip(&text)).expect("write");
    }
    for (limit, how, held) in [
        ("20M", None, "24.0 MiB of it decompressed"),
        ("32M", Some("--no-mmap"), "48.0 MiB of it decompressed"),
    ] {
        for args in [&["summary"][..], &["senders", "--json"], &[]] {
            let start = std::time::Instant::now();
            let o = Command::new(BIN)
                .args(["-q", "--max-memory", limit])
                .args(how)
                .args(args)
                .arg(&a)
                .arg(&b)
                .output()
                .expect("run");
            assert_memory_error(&o, "two gzip files");
            let e = stderr(&o);
            assert!(e.contains("these 2 files: loading needs at least"), "{e}");
            assert!(e.contains(held), "{e}");
            assert!(e.contains("load fewer files"), "{e}");
            // Said before decompressing anything (which takes about a second in a
            // debug build): allow for a slow machine, not for the read.
            assert!(
                start.elapsed() < std::time::Duration::from_secs(5),
                "{args:?}"
            );
        }
    }
    // Mapped, the two load within 40M: their 48 MiB of text are never held at
    // once, though both are read ahead (the second again in its turn).
    let o = Command::new(BIN)
        .args(["-q", "--max-memory", "40M", "summary", "--json"])
        .arg(&a)
        .arg(&b)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Either file alone passes the check (24 MiB and the index of its 98 k lines).
    let o = Command::new(BIN)
        .args(["-q", "--max-memory", "40M", "summary", "--json"])
        .arg(&a)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_mapped_file_of_newlines_stops_at_the_line_budget() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = dir.path().join("newlines");
    std::fs::write(&lines, vec![b'\n'; 4 << 20]).expect("write");
    let o = Command::new(BIN)
        .args(["-q", "--max-memory", "16M", "summary"])
        .arg(&lines)
        .output()
        .expect("run");
    assert_memory_error(&o, "newlines");
    assert!(stderr(&o).contains("lines"), "{}", stderr(&o));
    // The same file within a generous limit loads.
    let o = Command::new(BIN)
        .args(["-q", "--max-memory", "2G", "summary", "--json"])
        .arg(&lines)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_bad_max_memory_is_refused() {
    let o = Command::new(BIN)
        .args(["--max-memory", "lots", "summary"])
        .arg(seed())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--max-memory"), "{}", stderr(&o));
}

/// Whether `pid` has `path` mapped (its loader has started reading it).
fn maps(pid: u32, path: &Path) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .is_ok_and(|m| m.contains(path.to_str().unwrap_or("\0")))
}

/// A log truncated while it is being indexed: no signal death, and the result
/// is not passed off as the log's.
#[test]
fn a_log_truncated_during_the_load_is_reported_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mainlog");
    let line = std::fs::read(seed()).expect("seed");
    let mut big = Vec::with_capacity(48 << 20);
    while big.len() < 48 << 20 {
        big.extend_from_slice(&line);
    }
    std::fs::write(&path, &big).expect("write");
    let child = Command::new(BIN)
        .args(["-q", "--threads", "1", "summary", "--json"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let until = Instant::now() + Duration::from_secs(20);
    while !maps(child.id(), &path) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(
        o.status.signal(),
        None,
        "killed by a signal: {}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("changed on disk"), "{}", stderr(&o));
}

/// `mailtriage -`: the log from standard input, the keys from the terminal.
#[test]
fn the_tui_reads_the_log_from_stdin_and_keys_from_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bl = dir.path().join("blocklist");
    let cmd = format!(
        "cat '{}' | {BIN} --blocklist '{}' -; echo EXIT=$?; sleep 60",
        seed().display(),
        bl.display()
    );
    let Some(t) = Tmux::start("input-stdin", (100, 24), &cmd) else {
        return;
    };
    // The header's totals appear once the index is ready.
    let s = t.wait_for("5 msgs");
    assert!(s.contains("5 msgs"), "{s}");
    t.keys(&["q"]);
    let s = t.wait_for("EXIT=");
    assert!(s.contains("EXIT=0"), "{s}");
}

/// A log truncated, then rewritten, under the open TUI: a key press neither
/// kills it (SIGBUS) nor shows the new file's bytes as the old lines.
#[test]
fn the_tui_survives_a_truncated_log_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bl = dir.path().join("blocklist");
    let log = dir.path().join("mainlog");
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui-other.log");
    std::fs::copy(other, &log).expect("copy");
    // Read once and mapped (what this test is about); a followed log is read, never
    // mapped, and its truncation is `tui_follow_e2e`'s.
    let cmd = format!(
        "{BIN} --no-follow --blocklist '{}' '{}'; echo EXIT=$?; sleep 60",
        bl.display(),
        log.display()
    );
    let Some(t) = Tmux::start("input-truncate", (100, 24), &cmd) else {
        return;
    };
    let s = t.wait_for("2 msgs");
    assert!(s.contains("2 msgs"), "{s}");
    std::fs::File::options()
        .write(true)
        .open(&log)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    std::fs::write(&log, b"2020-01-01 00:00:00 NEW FILE\n").expect("rewrite");
    // The other-lines view, then every line of it.
    t.keys(&["o"]);
    let s = t.wait_for("changed on disk since it was loaded");
    assert!(s.contains("mainlog changed on disk since loaded"), "{s}");
    assert!(
        s.contains("[") && s.contains("changed on disk since it was loaded]"),
        "{s}"
    );
    assert!(!s.contains("NEW FILE"), "{s}");
    std::fs::File::options()
        .write(true)
        .open(&log)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    t.keys(&["Escape"]);
    t.keys(&["Enter"]);
    t.keys(&["q", "q", "q"]);
    let s = t.wait_for("EXIT=");
    assert!(s.contains("EXIT=0"), "{s}");
}

/// `lines` blocked on a full pipe while its log is rewritten in place (longer
/// than before, so nothing faults): the run ends with exit 2, not as a success.
#[test]
fn a_log_rewritten_while_lines_are_printed_fails_the_run() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mainlog");
    let one = b"2020-01-01 00:00:00 1PF5Bm-0006RI-KB => peter <p@x.test> R=r T=t\n";
    std::fs::write(&path, one.repeat(20_000)).expect("write");
    let mut child = Command::new(BIN)
        .args(["-q", "lines", "--kind", "delivery"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // 1.3 MB of output against a 64 KiB pipe: once the load is done it waits on us.
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    out.read_exact(&mut first).expect("first byte");
    std::fs::write(&path, b"2020-01-02 00:00:00 NEW\n".repeat(60_000)).expect("rewrite");
    let mut rest = Vec::new();
    out.read_to_end(&mut rest).expect("read");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("changed on disk"), "{}", stderr(&o));
}

/// The SIGBUS handler only swallows faults on our own maps: a SIGBUS sent by
/// another process still ends the program with that signal.
#[test]
fn a_sent_sigbus_still_kills() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    std::fs::copy(seed(), &log).expect("copy");
    let fifo = dir.path().join("fifo");
    if !mkfifo(&fifo) {
        tmux::skip("mkfifo failed");
        return;
    }
    // The log is mapped (and the handler installed), then the FIFO waits for a writer.
    let mut child = Command::new(BIN)
        .args(["-q", "summary"])
        .arg(&log)
        .arg(&fifo)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let until = Instant::now() + Duration::from_secs(20);
    while !maps(child.id(), &log) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(100));
    let sent = Command::new("kill")
        .args(["-BUS", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(sent);
    let until = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("SIGBUS was swallowed: the process is still running");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // 7 is SIGBUS on Linux.
    assert_eq!(status.signal(), Some(7), "{status:?}");
}
