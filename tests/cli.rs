//! The real binary: outputs, and clear errors on bad input (never a panic).

mod common;

use std::process::{Command, Output};

use common::{fixture, samples};

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(args)
        .output()
        .expect("run mailtriage")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn summary_json_has_every_documented_field() {
    let seed = fixture("seed-main.log");
    let o = bin(&["summary", "--json", seed.to_str().expect("path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for k in [
        "lines",
        "unrecognized_lines",
        "messages",
        "arrivals",
        "deliveries",
        "deferrals",
        "bounces",
        "rejections",
        "family",
        "dkim",
        "first",
        "last",
        "files",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["dkim"]["pass"], 4);
    assert_eq!(v["family"]["ipv6"], 1);
}

#[test]
fn senders_json_csv_and_filters() {
    let seed = fixture("seed-main.log");
    let p = seed.to_str().expect("path");
    let o = bin(&["senders", p, "--family", "ipv6", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v.as_array().map(|a| a.len()), Some(1));
    assert_eq!(v[0]["key"], "2a01:238:20a:202:53f0::1");
    for k in [
        "key",
        "family",
        "messages",
        "bytes",
        "dkim",
        "rejections",
        "recipients",
        "first",
        "last",
    ] {
        assert!(v[0].get(k).is_some(), "missing {k}");
    }
    let o = bin(&["senders", p, "--dkim", "fail", "--csv"]);
    let text = String::from_utf8_lossy(&o.stdout);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .expect("header")
            .starts_with("key,family,messages")
    );
    assert!(
        lines
            .next()
            .expect("row")
            .starts_with("(none),unknown,1,251712,0,1,")
    );
    let o = bin(&["senders", p, "--by", "net", "--limit", "1"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
}

#[test]
fn show_prints_the_whole_transaction() {
    let seed = fixture("seed-main.log");
    let o = bin(&["show", "1QFOdo-0001zq-E9", seed.to_str().expect("path")]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    // The four lines as logged, then the message's one signature (old-style,
    // without `d=`).
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert!(text.contains("<= [2a01:238:20a:202:53f0::1] P=esmtp S=2210478"));
    assert_eq!(
        lines[4..],
        ["", "DKIM signatures (1):", "  d=- s=domk a=rsa-sha1 pass"]
    );
    let o = bin(&[
        "show",
        "--lines-only",
        "1QFOdo-0001zq-E9",
        seed.to_str().expect("path"),
    ]);
    let log = std::fs::read_to_string(&seed).expect("seed");
    let want: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("1QFOdo-0001zq-E9"))
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .collect::<Vec<_>>(),
        want
    );
    let o = bin(&["show", "1QFOdo-0001zq-XX", seed.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    let o = bin(&["show", "not-an-id", seed.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an Exim message id"));
}

#[test]
fn grep_prints_transactions_whole() {
    let seed = fixture("seed-main.log");
    let o = bin(&["grep", "verification failed", seed.to_str().expect("path")]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        text,
        String::from_utf8_lossy(&std::fs::read(&seed).expect("seed"))
            .lines()
            .take(4)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            + "\n"
    );
    let o = bin(&[
        "grep",
        "-l",
        "S=2210478",
        "--json",
        seed.to_str().expect("path"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["message"], "1QFOdo-0001zq-E9");
    let o = bin(&["grep", "nothing-matches-this", seed.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    let o = bin(&["grep", "(", seed.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_inputs_give_one_clear_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.log");
    let o = bin(&["summary", missing.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
    let o = bin(&["summary", dir.path().to_str().expect("p")]);
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").expect("write");
    let o = bin(&["summary", "--json", empty.to_str().expect("p")]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("empty"));
    let garbage = dir.path().join("garbage");
    let bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, &bytes).expect("write");
    // Nothing recognised: not "messages 0" but one line saying what the input is.
    let o = bin(&["summary", "--json", garbage.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("does not look like an Exim main log"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1);
    let huge = dir.path().join("huge");
    let mut line =
        b"2020-01-01 00:00:00 1PF5Bm-0006RI-KB <= a@b H=x [192.0.2.1] P=esmtp S=1 T=\"".to_vec();
    line.resize(10 << 20, b'A');
    line.extend_from_slice(b"\n2020-01-01 00:00:01 1PF5Bm-0006RI-KB Completed\n");
    std::fs::write(&huge, &line).expect("write");
    let o = bin(&["summary", "--json", huge.to_str().expect("p")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        (v["lines"].as_u64(), v["arrivals"].as_u64()),
        (Some(2), Some(1))
    );
    let gz = dir.path().join("bad.gz");
    std::fs::write(&gz, b"\x1f\x8bnot really gzip").expect("write");
    let o = bin(&["summary", gz.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("gzip"), "{}", stderr(&o));
}

#[test]
fn stdin_is_read_with_a_dash() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(["summary", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&std::fs::read(fixture("seed-main.log")).expect("seed"))
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["messages"], 5);
}

/// The set of transactions `grep` prints equals exigrep's for the same pattern
/// (exigrep prints unfinished ones last, under a `+++ … has not completed +++`
/// banner), on logs with classic ids: exigrep 4.96 does not know 23-char ids.
#[test]
fn grep_matches_exigrep() {
    let Some(dir) = samples() else { return };
    let Some(exigrep) = common::prereq::find_program(&["exigrep"]) else {
        common::prereq::skip(
            "grep_matches_exigrep",
            "exigrep is not installed (apt-get install exim4-base)",
        );
        return;
    };
    let cases: &[(&str, &str)] = &[
        ("exim-testsuite/v4.89/log/4500", "qwerty"),
        ("exim-testsuite/v4.96/log/4530", "b@test.ex"),
        ("exim-testsuite/v4.96/log/4530", "R=client"),
        ("exim-testsuite/v4.96/log/1003", "::1"),
        ("fail2ban/exim-spam", "local_scan"),
        ("exim-testsuite/v4.96/log/4500", "verification"),
    ];
    let idre = regex::Regex::new(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? (?:\[\d+\] )?(\w{6}-\w{6}-\w{2}) ",
    )
    .expect("re");
    for (file, pat) in cases {
        let path = dir.join(file);
        let theirs = Command::new(&exigrep)
            .args(["-I", "--no-pager", pat])
            .arg(&path)
            .output()
            .expect("exigrep");
        let ours = bin(&["grep", pat, path.to_str().expect("p")]);
        let ids = |out: &[u8]| -> std::collections::BTreeSet<String> {
            String::from_utf8_lossy(out)
                .lines()
                .filter_map(|l| idre.captures(l).map(|c| c[1].to_string()))
                .collect()
        };
        let (t, o) = (ids(&theirs.stdout), ids(&ours.stdout));
        assert!(
            !t.is_empty(),
            "{file} {pat}: exigrep found nothing, pick another pattern"
        );
        assert_eq!(t, o, "{file} {pat}");
    }
}

#[test]
fn block_check_reads_real_logs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bl = dir.path().join("blocklist");
    let bls = bl.to_str().expect("p");
    let seed = fixture("seed-main.log");
    assert!(
        bin(&[
            "block",
            "--blocklist",
            bls,
            "add",
            "2a01:238:20a:202:53f0::7/64"
        ])
        .status
        .success()
    );
    let o = bin(&[
        "block",
        "--blocklist",
        bls,
        "check",
        seed.to_str().expect("p"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("2a01:238:20a:202::/64") && text.contains("1 message from 1 sender"),
        "{text}"
    );
}

#[test]
fn senders_time_and_regex_filters_match_the_tui_keys() {
    let seed = fixture("seed-main.log");
    let p = seed.to_str().expect("path");
    let json = |args: &[&str]| -> serde_json::Value {
        let o = bin(args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).expect("json")
    };
    // January and February 2011: two of the five messages.
    let v = json(&["senders", p, "--time", "2011-01-01..2011-03-01", "--json"]);
    assert_eq!(v[0]["messages"], 2);
    // Relative ranges count back from the log's last line (2011-04-28).
    let v = json(&["senders", p, "--time", "last 7d", "--json"]);
    assert_eq!(v[0]["key"], "2a01:238:20a:202:53f0::1");
    let v = json(&["senders", p, "--regex", "verification failed", "--json"]);
    assert_eq!(
        (v[0]["messages"].as_u64(), v[0]["dkim"]["fail"].as_u64()),
        (Some(1), Some(1))
    );
    let o = bin(&["senders", p, "--time", "soon"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn no_mmap_reads_the_same_model() {
    let seed = fixture("seed-main.log");
    let p = seed.to_str().expect("path");
    let a = bin(&["summary", "--json", p]);
    let b = bin(&["summary", "--json", "--no-mmap", p]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn lines_numbers_count_within_each_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    std::fs::write(
        &a,
        "2020-01-01 00:00:00 queue noise\n2020-01-01 00:00:01 Start queue run: pid=1\n",
    )
    .expect("write");
    std::fs::write(
        &b,
        "2020-01-01 00:00:02 End queue run: pid=1\n2020-01-01 00:00:03 more noise\n",
    )
    .expect("write");
    let o = bin(&[
        "lines",
        "-n",
        "--kind",
        "unrecognized",
        a.to_str().expect("p"),
        b.to_str().expect("p"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let places: Vec<&str> = text
        .lines()
        .map(|l| l.split(": ").next().unwrap_or(""))
        .collect();
    assert_eq!(
        places,
        vec![format!("{}:1", a.display()), format!("{}:2", b.display())]
    );
}

#[test]
fn an_impossible_date_is_an_error_not_next_month() {
    let seed = fixture("seed-main.log");
    let p = seed.to_str().expect("path");
    for range in ["2025-02-30", "2011-02-29..", "..2011-04-31 10:00"] {
        let o = bin(&["senders", p, "--time", range]);
        assert!(!o.status.success(), "{range} was accepted");
        assert_eq!(o.status.code(), Some(2), "{range}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("has no day"), "{range}: {e}");
        assert!(!e.contains("panicked"), "{e}");
    }
}

/// `show` ends with the message's spam score where sa-exim scored it (and says nothing
/// of spam where it did not: the seed's message above has seven lines).
#[test]
fn show_gives_the_spam_score_when_the_log_has_one() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog");
    let o = bin(&["show", "1tXRvJ-000000001B3-1Zjd", demo]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[lines.len() - 2..],
        ["", "Spam score: 3.9 (required 5.0, not spam)"],
        "{text}"
    );
    let o = bin(&["show", "1tVswH-000000000s4-46SV", demo]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.ends_with("Spam score: 38.2 (required 5.0, spam)\n"),
        "{text}"
    );
    let o = bin(&["show", "--lines-only", "1tVswH-000000000s4-46SV", demo]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("Spam score"));
}
