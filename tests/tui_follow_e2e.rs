//! The interactive view follows a growing log (issue 11), driven in tmux: appended
//! lines reach the counts and a search within a second; rename-and-create,
//! `copytruncate` and `truncate -s 0` while it is open keep it alive and its numbers
//! equal `summary` of every line that was written (none counted twice, none lost);
//! pausing holds the screen and says how many lines wait.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod tmux;
use tmux::Tmux;

fn demo_lines() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mainlog");
    String::from_utf8_lossy(&std::fs::read(path).expect("demo log"))
        .lines()
        .map(|l| format!("{l}\n"))
        .collect()
}

fn append(path: &Path, lines: &[String]) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open for append");
    f.write_all(lines.concat().as_bytes()).expect("append");
}

/// `(messages, arrivals, lines)` as the header shows them (exact below 10,000).
fn header_counts(screen: &str) -> Option<(u64, u64, u64)> {
    let words: Vec<&str> = screen.split_whitespace().collect();
    let at = words.windows(2).position(|w| w[1] == "msgs")?;
    let num = |i: usize| words.get(i)?.parse::<u64>().ok();
    if words.get(at + 3) != Some(&"arr") || words.get(at + 5) != Some(&"lines") {
        return None;
    }
    Some((num(at)?, num(at + 2)?, num(at + 4)?))
}

/// `(messages, arrivals, lines)` of `summary --json` over `files`.
fn summary(files: &[&Path]) -> (u64, u64, u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .arg("summary")
        .arg("--json")
        .args(files)
        .output()
        .expect("run summary");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary json");
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("no {k} in {v}"));
    (n("messages"), n("arrivals"), n("lines"))
}

struct Open {
    t: Tmux,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

fn open(name: &str, size: (u16, u16), first: &[String]) -> Option<Open> {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    append(&log, first);
    let bin = env!("CARGO_BIN_EXE_mailtriage");
    let list = dir.path().join("blocklist");
    let cmd = format!(
        "{bin} --blocklist {} {}; sleep 30",
        list.display(),
        log.display()
    );
    let t = Tmux::start(name, size, &cmd)?;
    t.wait(|s| s.contains(" live") && header_counts(s).is_some())
        .unwrap_or_else(|s| panic!("the TUI did not open following:\n{s}"));
    Some(Open { t, _dir: dir, log })
}

/// Waits (at most `within`) until the header counts are `want`; how long it took.
fn wait_counts(t: &Tmux, want: (u64, u64, u64), within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let s = t.screen();
        if header_counts(&s) == Some(want) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "header never showed {want:?} (msgs, arr, lines):\n{s}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

const NEW_CLIENT: &str = "198.51.100.231";

/// A transaction of a client the demo log does not have.
fn new_sender_lines() -> Vec<String> {
    vec![
        format!(
            "2025-03-01 10:00:00 1uNEWx-00000000ZZZ-0001 <= fresh@new.example H=(helo.new.example) [{NEW_CLIENT}] P=esmtp S=1234\n"
        ),
        "2025-03-01 10:00:00 1uNEWx-00000000ZZZ-0001 => user@example.org R=local T=local\n".into(),
        "2025-03-01 10:00:00 1uNEWx-00000000ZZZ-0001 Completed\n".into(),
    ]
}

#[test]
fn appended_lines_reach_the_counts_and_a_search_within_a_second() {
    let all = demo_lines();
    let Some(o) = open("follow-append", (120, 40), &all[..2000]) else {
        return;
    };
    wait_counts(&o.t, summary(&[&o.log]), Duration::from_secs(5));
    let mut more = all[2000..2600].to_vec();
    more.extend(new_sender_lines());
    append(&o.log, &more);
    let took = wait_counts(&o.t, summary(&[&o.log]), Duration::from_secs(3));
    assert!(
        took < Duration::from_secs(1),
        "appended lines took {took:?} to reach the header"
    );
    let start = Instant::now();
    o.t.keys(&["/"]);
    o.t.keys(&["-l", NEW_CLIENT]);
    let s = o.t.wait_for("1/");
    assert!(
        s.lines()
            .any(|l| l.contains(NEW_CLIENT) && l.contains(" v4 ")),
        "the appended sender is not found by a search:\n{s}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "search took {:?}",
        start.elapsed()
    );
    o.t.keys(&["Enter"]);
}

#[test]
fn rotation_truncation_and_deletion_keep_every_line_once() {
    let all = demo_lines();
    let parts: Vec<&[String]> = vec![
        &all[0..1500],
        &all[1500..3000],
        &all[3000..4500],
        &all[4500..6000],
        &all[6000..7500],
        &all[7500..9000],
    ];
    let Some(o) = open("follow-rotate", (120, 40), parts[0]) else {
        return;
    };
    // Everything written, in order: what the model must hold at every step.
    let dir = o.log.parent().expect("dir").to_path_buf();
    let written = dir.join("written");
    append(&written, parts[0]);
    let check = |what: &str| {
        let want = summary(&[&written]);
        let s = o.t.screen();
        assert!(
            !s.contains("mailtriage: "),
            "{what}: an error on screen:\n{s}"
        );
        wait_counts(&o.t, want, Duration::from_secs(5));
    };
    check("first read");

    append(&o.log, parts[1]);
    append(&written, parts[1]);
    check("growth");

    // Rename and create, as Exim and logrotate do.
    std::fs::rename(&o.log, dir.join("mainlog.1")).expect("rename");
    append(&dir.join("mainlog.1"), &all[9000..9001]); // late line to the old file
    append(&written, &all[9000..9001]);
    append(&o.log, parts[2]);
    append(&written, parts[2]);
    check("rename and create");

    // copytruncate: copied away, then emptied in place, then written again.
    std::fs::copy(&o.log, dir.join("mainlog.2")).expect("copy");
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&o.log)
        .expect("truncate");
    append(&o.log, parts[3]);
    append(&written, parts[3]);
    check("copytruncate");

    // truncate -s 0: what was read stays; the rest comes from the new start.
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&o.log)
        .expect("truncate");
    std::thread::sleep(Duration::from_millis(600));
    append(&o.log, parts[4]);
    append(&written, parts[4]);
    check("truncate -s 0");

    // Deleted: said so, data kept; a new file at the path is followed.
    std::fs::remove_file(&o.log).expect("remove");
    let s = o.t.wait_for("is gone");
    assert!(s.contains("is gone"), "deletion not reported:\n{s}");
    check("deleted");
    append(&o.log, parts[5]);
    append(&written, parts[5]);
    check("a new file after deletion");
    assert!(o.t.screen().contains(" live"), "stopped following");
}

#[test]
fn pause_holds_the_screen_and_counts_what_waits() {
    let all = demo_lines();
    let Some(o) = open("follow-pause", (80, 24), &all[..2000]) else {
        return;
    };
    let before = summary(&[&o.log]);
    wait_counts(&o.t, before, Duration::from_secs(5));
    o.t.keys(&["Space"]);
    o.t.wait_for("paused");
    append(&o.log, &all[2000..2500]);
    let s = o.t.wait_for("500 new lines");
    assert!(
        s.contains("paused 500 new lines"),
        "no count of what waits:\n{s}"
    );
    assert_eq!(
        header_counts(&s),
        Some(before),
        "the screen moved while paused"
    );
    o.t.keys(&["Space"]);
    wait_counts(&o.t, summary(&[&o.log]), Duration::from_secs(3));
    assert!(o.t.screen().contains("live"));
}

#[test]
fn no_follow_reads_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    let all = demo_lines();
    append(&log, &all[..2000]);
    let bin = env!("CARGO_BIN_EXE_mailtriage");
    let cmd = format!(
        "{bin} --no-follow --blocklist {} {}; sleep 30",
        dir.path().join("bl").display(),
        log.display()
    );
    let Some(t) = Tmux::start("follow-off", (120, 40), &cmd) else {
        return;
    };
    let want = summary(&[&log]);
    wait_counts(&t, want, Duration::from_secs(5));
    append(&log, &all[2000..2500]);
    std::thread::sleep(Duration::from_millis(1500));
    let s = t.screen();
    assert_eq!(
        header_counts(&s),
        Some(want),
        "grew without following:\n{s}"
    );
    assert!(!s.contains(" live"), "says live with --no-follow:\n{s}");
    t.keys(&["Space"]);
    let s = t.wait_for("not following");
    assert!(s.contains("not following"), "{s}");
}

#[test]
fn a_globbed_rotation_set_is_read_oldest_first_and_follows_the_live_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    let old = dir.path().join("mainlog.1");
    let oldest = dir.path().join("mainlog.2.gz");
    let all = demo_lines();
    // Cut inside transactions, so messages span the files: read in the wrong order,
    // deliveries would come before their arrivals and the counts would differ.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(all[..700].concat().as_bytes()).expect("gzip");
    std::fs::write(&oldest, gz.finish().expect("gzip")).expect("write .gz");
    append(&old, &all[700..1400]);
    append(&log, &all[1400..2000]);
    // The reference: one plain file of the lines in the order they were logged.
    let whole = dir.path().join("whole");
    let expect = |upto: usize| {
        std::fs::write(&whole, all[..upto].concat()).expect("write");
        summary(&[&whole])
    };
    let bin = env!("CARGO_BIN_EXE_mailtriage");
    // `mainlog*` as a shell expands it: the live file first, the oldest last.
    let cmd = format!(
        "{bin} --blocklist {} {} {} {}; sleep 30",
        dir.path().join("bl").display(),
        log.display(),
        old.display(),
        oldest.display()
    );
    let Some(t) = Tmux::start("follow-glob", (120, 40), &cmd) else {
        return;
    };
    let s = t
        .wait(|s| s.contains(" live") && header_counts(s).is_some())
        .unwrap_or_else(|s| panic!("the TUI did not open following:\n{s}"));
    assert!(
        s.contains("oldest first"),
        "the reordering is not said:\n{s}"
    );
    wait_counts(&t, expect(2000), Duration::from_secs(5));
    // What grows is `mainlog`, not the last name given.
    append(&log, &all[2000..2600]);
    let took = wait_counts(&t, expect(2600), Duration::from_secs(3));
    assert!(took < Duration::from_secs(1), "took {took:?}");
}
