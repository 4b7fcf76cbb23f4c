//! `grep --follow` and `senders --follow` through the real binary, with a writer
//! appending to a temp file and rotating it during the run (issue 11). Every wait
//! has a deadline, so a hang fails the test instead of blocking it.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn demo_lines() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mainlog");
    String::from_utf8_lossy(&std::fs::read(path).expect("demo log"))
        .lines()
        .take(600)
        .map(|l| format!("{l}\n"))
        .collect()
}

fn append(path: &Path, text: impl AsRef<[u8]>) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open for append");
    f.write_all(text.as_ref()).expect("append");
}

/// A running mailtriage whose outputs are read as they come (a full pipe would
/// block it).
struct Running {
    child: Child,
    seen: Arc<Mutex<Vec<u8>>>,
    out: std::thread::JoinHandle<Vec<u8>>,
    err: std::thread::JoinHandle<Vec<u8>>,
}

impl Running {
    /// Waits (at most 20 s) until standard output so far passes `ok`.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = String::from_utf8_lossy(&self.seen.lock().expect("lock")).into_owned();
            if ok(&text) {
                return;
            }
            assert!(Instant::now() < deadline, "no {what} within 20 s: {text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mailtriage");
    fn reader(
        r: Option<impl Read + Send + 'static>,
        seen: Arc<Mutex<Vec<u8>>>,
    ) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let mut buf = [0u8; 8192];
            if let Some(mut r) = r {
                loop {
                    match r.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            b.extend_from_slice(&buf[..n]);
                            seen.lock().expect("lock").extend_from_slice(&buf[..n]);
                        }
                    }
                }
            }
            b
        })
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let out = reader(child.stdout.take(), Arc::clone(&seen));
    let err = reader(child.stderr.take(), Arc::new(Mutex::new(Vec::new())));
    Running {
        child,
        seen,
        out,
        err,
    }
}

/// Sends `sig`, then waits (at most 10 s) for the exit; (status, stdout, stderr).
fn stop(r: Running, sig: i32) -> (i32, String, String) {
    let Running {
        mut child,
        out,
        err,
        ..
    } = r;
    // SAFETY: a signal to our own child, whose pid is live until we wait for it.
    unsafe { libc::kill(child.id() as i32, sig) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("mailtriage did not stop within 10 s of signal {sig}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = |h: std::thread::JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().expect("reader")).into_owned()
    };
    (status.code().unwrap_or(-1), text(out), text(err))
}

/// `grep` (not following) of the same pattern over the given files, as reference.
fn grep_once(pattern: &str, files: &[&Path]) -> String {
    let mut args: Vec<String> = vec!["grep".into(), pattern.into()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(&args)
        .output()
        .expect("run mailtriage");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The transactions of a grep output (blocks separated by blank lines), sorted.
fn blocks(text: &str) -> Vec<String> {
    let mut b: Vec<String> = text
        .split("\n\n")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    b.sort();
    b
}

#[test]
fn grep_follow_prints_each_transaction_once_through_a_rotation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    let old = dir.path().join("mainlog.1");
    let lines = demo_lines();
    append(&log, lines[..200].concat());
    let child = spawn(&["grep", "--follow", "<=", log.to_str().expect("utf8 path")]);
    // The file is open once its first transactions are out.
    child.wait_for("first transaction", |t| t.contains("<="));
    // Growth, with a line cut in two by the writer.
    let mid = lines[200..400].concat();
    let (a, b) = mid.as_bytes().split_at(mid.len() / 2 + 3);
    append(&log, a);
    std::thread::sleep(Duration::from_millis(300));
    append(&log, b);
    std::thread::sleep(Duration::from_millis(300));
    // Rename and create, as Exim and logrotate do.
    std::fs::rename(&log, &old).expect("rotate");
    append(&log, lines[400..].concat());
    std::thread::sleep(Duration::from_millis(500));
    let (code, out, err) = stop(child, libc::SIGTERM);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("rotated"), "{err}");
    // The same transactions as grep over both files: none twice, none lost.
    let want = grep_once("<=", &[&old, &log]);
    assert_eq!(blocks(&out), blocks(&want));
    assert!(blocks(&out).len() > 50, "{out}");
}

#[test]
fn grep_follow_survives_truncation_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    let lines = demo_lines();
    append(&log, lines[..300].concat());
    let child = spawn(&[
        "grep",
        "--follow",
        "-q",
        "Completed",
        log.to_str().expect("utf8 path"),
    ]);
    child.wait_for("first transaction", |t| t.contains("Completed"));
    // copytruncate: the file is cut (same inode) and written on.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    append(&log, lines[300..].concat());
    std::thread::sleep(Duration::from_millis(800));
    let (code, out, err) = stop(child, libc::SIGINT);
    assert_eq!(code, 0, "{err}");
    let whole = dir.path().join("whole");
    std::fs::write(&whole, lines.concat()).expect("write");
    assert_eq!(blocks(&out), blocks(&grep_once("Completed", &[&whole])));
}

#[test]
fn senders_follow_reprints_the_table_when_lines_came() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    let lines = demo_lines();
    append(&log, lines[..100].concat());
    let child = spawn(&[
        "senders",
        "--follow",
        "--every",
        "1",
        "--csv",
        log.to_str().expect("utf8 path"),
    ]);
    let tables = |t: &str| t.split("\n\n").filter(|x| !x.trim().is_empty()).count();
    child.wait_for("first table", |t| tables(t) == 1);
    append(&log, lines[100..].concat());
    child.wait_for("second table", |t| tables(t) == 2);
    // Quiet since: no third table.
    std::thread::sleep(Duration::from_millis(2500));
    let (code, out, err) = stop(child, libc::SIGTERM);
    assert_eq!(code, 0, "{err}");
    let tables: Vec<&str> = out.split("\n\n").filter(|t| !t.trim().is_empty()).collect();
    assert_eq!(tables.len(), 2, "{out}");
    let whole = dir.path().join("whole");
    std::fs::write(&whole, lines.concat()).expect("write");
    let want = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(["senders", "--csv", whole.to_str().expect("utf8 path")])
        .output()
        .expect("run");
    assert_eq!(
        tables[1].trim(),
        String::from_utf8_lossy(&want.stdout).trim()
    );
}

#[test]
fn follow_refuses_what_cannot_grow() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(["grep", "--follow", "x", "-"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("standard input cannot be followed"));
    let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(["senders", "--every", "3", "x"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_globbed_set_follows_the_live_file_not_the_last_name_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    let old = dir.path().join("mainlog.1");
    let older = dir.path().join("mainlog.2");
    let lines = demo_lines();
    std::fs::write(&older, lines[..150].concat()).expect("write");
    std::fs::write(&old, lines[150..300].concat()).expect("write");
    append(&log, lines[300..400].concat());
    // `mainlog*` in lexical order: the live file comes first.
    let names: Vec<&str> = [&log, &old, &older]
        .iter()
        .map(|p| p.to_str().expect("utf8 path"))
        .collect();
    let mut args = vec!["grep", "--follow", "<="];
    args.extend(&names);
    let child = spawn(&args);
    child.wait_for("first transaction", |t| t.contains("<="));
    append(&log, lines[400..].concat());
    std::thread::sleep(Duration::from_millis(600));
    let (code, out, err) = stop(child, libc::SIGTERM);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("oldest first"), "{err}");
    // What grew was read: the same transactions as grep over the set in order.
    let want = grep_once("<=", &[&older, &old, &log]);
    assert_eq!(blocks(&out), blocks(&want));
}
