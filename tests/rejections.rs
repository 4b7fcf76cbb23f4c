//! Readable rejections: `senders --sort rejections`, the reason summary in
//! `senders --json`, and `rejections KEY`, checked against counts made here by
//! plain string splitting of the log (not by the parser).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::samples;

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(args)
        .output()
        .expect("run mailtriage")
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = bin(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn demo() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/mainlog")
        .to_string_lossy()
        .into_owned()
}

/// The client address of a rejection line (the first ` [addr]`), counted as
/// this awk does (its regex skips the demo's hostile HELO, whose `[` is no address):
/// `awk '/ rejected |sender verify fail|dropped by/ && !/SMTP protocol/ { if (match($0, /\[[0-9a-f:.]+\]/)) c[substr($0, RSTART, RLENGTH)]++ } END { for (k in c) print c[k], k }' assets/demo/mainlog | sort -rn | head -1`
/// → `81 [2406:da18:e130:7:2fd0:37b1:1c8e:d4d7]`.
fn independent_counts(log: &[u8]) -> Vec<(String, u64, u64)> {
    let mut by: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for line in log.split(|&c| c == b'\n') {
        let line = String::from_utf8_lossy(line);
        let is_rej = (line.contains(" rejected ")
            || line.contains("sender verify fail")
            || line.contains("dropped by"))
            && !line.contains("SMTP protocol");
        if !is_rej {
            continue;
        }
        // ` [` : a hostile HELO can hold a `[` of its own (`(\033[31mFREE…)`).
        let Some((_, after)) = line.split_once(" [") else {
            continue;
        };
        let Some((addr, _)) = after.split_once(']') else {
            continue;
        };
        let e = by.entry(addr.to_string()).or_default();
        e.0 += 1;
        if line.contains(" rejected RCPT ") && line.ends_with(": Unrouteable address") {
            e.1 += 1;
        }
    }
    by.into_iter().map(|(k, (n, u))| (k, n, u)).collect()
}

#[test]
fn the_sender_with_most_rejections_in_the_demo_log_is_first_with_its_top_reason() {
    let log = demo();
    let counts = independent_counts(&std::fs::read(&log).expect("demo log"));
    let top = counts.iter().map(|c| c.1).max().expect("rejections");
    let leaders: Vec<_> = counts.iter().filter(|c| c.1 == top).collect();
    assert_eq!(leaders.len(), 1, "one leader: {leaders:?}");
    let (addr, n, unknown) = leaders[0].clone();
    let v = json(&[
        "senders",
        "-q",
        "--sort",
        "rejections",
        "--limit",
        "3",
        "--json",
        &log,
    ]);
    let first = &v[0];
    assert_eq!(first["key"], addr.as_str());
    assert_eq!(first["rejections"], n);
    let reasons = first["rejection_reasons"].as_array().expect("reasons");
    assert!(reasons.len() <= 5);
    assert_eq!(reasons[0]["reason"], "unknown_user");
    assert_eq!(reasons[0]["count"], unknown);
    // Sorted by rejections, most first.
    let rej: Vec<u64> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["rejections"].as_u64().expect("n"))
        .collect();
    assert!(rej.windows(2).all(|w| w[0] >= w[1]), "{rej:?}");
    // The list of that sender counts the same, and its summary leads the same.
    let l = json(&["rejections", "-q", "--json", &addr, &log]);
    assert_eq!(l["rejections"], n);
    assert_eq!(l["reasons"][0], reasons[0]);
    let listed = l["list"].as_array().expect("list");
    assert_eq!(
        listed.iter().filter(|r| r["counted"] == true).count() as u64,
        n
    );
    assert!(
        listed
            .iter()
            .all(|r| r["time"].is_string() && r["stage"].is_string())
    );
}

#[test]
fn the_spam_runs_clients_with_only_rejections_have_rows() {
    // 45.137.21.0/24 sent nothing that was accepted in the demo log's spam run.
    let log = demo();
    let v = json(&["senders", "-q", "--by", "net", "--json", &log]);
    let row = v
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == "45.137.21.0/24")
        .expect("a row for the spam run's network");
    assert!(row["rejections"].as_u64().expect("n") > 0);
    // `rejection_reasons` is in JSON only when asked for the rows shown: always here.
    assert!(row["rejection_reasons"].is_array());
}

#[test]
fn clients_with_only_failed_logins_have_rows() {
    let Some(s) = samples() else { return };
    // artik292-ddos-exim_mainlog.log: `dovecot_login authenticator failed for
    // (localhost) [46.148.40.143]:59474: 535 Incorrect authentication data (set_id=five)`.
    let f = s.join("realworld/artik292-ddos-exim_mainlog.log");
    let f = f.to_string_lossy();
    let text = std::fs::read_to_string(f.as_ref()).expect("sample");
    let fails = text
        .lines()
        .filter(|l| l.contains("authenticator failed for") && l.contains("[46.148.40.143]"))
        .count() as u64;
    assert!(fails > 0);
    let v = json(&["senders", "-q", "--sort", "rejections", "--json", &f]);
    let row = v
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == "46.148.40.143")
        .expect("a row for a client that only failed to log in");
    assert_eq!(row["auth_failures"], fails);
    assert_eq!(row["rejection_reasons"][0]["reason"], "auth_failure");
    let o = bin(&["rejections", "-q", "46.148.40.143", &f]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("auth_failure") && out.contains("five"),
        "{out}"
    );
}

#[test]
fn an_unknown_key_is_a_clear_error() {
    let o = bin(&["rejections", "-q", "203.0.113.255", &demo()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no ip"));
}

#[test]
fn clients_dropped_for_protocol_errors_have_rows() {
    let Some(s) = samples() else { return };
    for (file, ip, line) in [
        // `SMTP protocol synchronization error (input sent without waiting for
        // greeting): rejected connection from H=[205.210.31.39] input="GET / …"`.
        (
            "heavybrain101-youtube-mainlog.log",
            "205.210.31.39",
            "[205.210.31.39]",
        ),
        // `SMTP protocol error in "AUTH LOGIN" H=(User) [194.33.191.29]:4816 …`.
        (
            "fail2ban-issue-3060.log",
            "194.33.191.29",
            "[194.33.191.29]",
        ),
    ] {
        let f = s.join("realworld").join(file);
        let f = f.to_string_lossy();
        let text = std::fs::read(f.as_ref()).expect("sample");
        let want = text
            .split(|&c| c == b'\n')
            .map(String::from_utf8_lossy)
            .filter(|l| l.contains(line) && l.contains(" SMTP protocol "))
            .count() as u64;
        assert!(want > 0, "{file}");
        let v = json(&["senders", "-q", "--json", &f]);
        let row = v
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["key"] == ip)
            .unwrap_or_else(|| panic!("{file}: a row for {ip}"));
        assert_eq!(row["protocol_errors"], want, "{file}");
        assert_eq!(row["rejection_reasons"][0]["reason"], "protocol", "{file}");
    }
}

/// `rejections KEY` takes the filters of `senders` and lists exactly what the row
/// counts: its length is the row's `rej` + `authf` + `proto`, for a few senders of the
/// demo log (the top rejecters, a client with only failed logins, one with protocol
/// errors) under each filter.
#[test]
fn the_list_is_as_long_as_the_rows_counts_under_every_filter() {
    let d = demo();
    let filters: [&[&str]; 6] = [
        &[],
        &["--family", "ipv4"],
        &["--family", "ipv6"],
        &["--regex", "Unrouteable|authenticator"],
        &["--time", "2025-05-03"],
        &[
            "--family",
            "ipv4",
            "--regex",
            "rejected",
            "--time",
            "2025-01-01..2025-06-01",
        ],
    ];
    for by in ["ip", "net", "domain"] {
        let mut checked = 0;
        for f in filters {
            let mut args = vec![
                "senders",
                d.as_str(),
                "--by",
                by,
                "--json",
                "--sort",
                "rejections",
            ];
            args.extend_from_slice(f);
            let rows = json(&args);
            let rows = rows.as_array().expect("rows");
            // The top rejecters, and the first rows with failed logins / protocol errors.
            let mut pick: Vec<&serde_json::Value> = rows.iter().take(3).collect();
            pick.extend(rows.iter().find(|r| r["auth_failures"].as_u64() > Some(0)));
            pick.extend(
                rows.iter()
                    .find(|r| r["protocol_errors"].as_u64() > Some(0)),
            );
            for r in pick {
                let key = r["key"].as_str().expect("key");
                let mut args = vec!["rejections", key, d.as_str(), "--by", by, "--json"];
                args.extend_from_slice(f);
                let list = json(&args);
                let want = ["rejections", "auth_failures", "protocol_errors"]
                    .map(|k| r[k].as_u64().expect(k));
                let got = ["rejections", "auth_failures", "protocol_errors"]
                    .map(|k| list[k].as_u64().expect(k));
                assert_eq!(got, want, "{by} {key} {f:?}");
                assert_eq!(
                    list["list"].as_array().map(Vec::len),
                    Some(want.iter().sum::<u64>() as usize),
                    "{by} {key} {f:?}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 15, "{by}: only {checked} senders checked");
    }
}

/// Which `session` lines are protocol errors is decided once, on the parser
/// threads; it must be what the text test says of each line as the model keeps
/// it, however the log is cut into chunks and threads, and on every real log.
#[test]
fn protocol_errors_found_at_load_are_those_the_line_text_shows() {
    use mailtriage::model::{self, LoadOptions};
    use mailtriage::parse::{LineKind, exim};
    let mut paths = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mainlog")];
    if let Some(dir) = samples() {
        for f in std::fs::read_dir(dir.join("realworld")).expect("realworld") {
            let f = f.expect("entry").path();
            if f.is_file() && f.extension().is_none_or(|e| e != "md") {
                paths.push(f);
            }
        }
    }
    let mut found = 0;
    for path in &paths {
        for (threads, chunk_bytes) in [(1, 1 << 20), (2, 1 << 10)] {
            let opts = LoadOptions {
                threads,
                chunk_bytes,
                ..LoadOptions::default()
            };
            let m = model::load(std::slice::from_ref(path), &opts, &mut |_| {}).expect("load");
            let by_text: Vec<u32> = (0..m.line_count() as u32)
                .filter(|&i| {
                    m.line_kind[i as usize] == LineKind::Session
                        && exim::is_protocol_error(&m.line(i))
                })
                .collect();
            assert_eq!(m.protocol_errors, by_text, "{}", path.display());
            found += by_text.len();
        }
    }
    assert!(found > 0, "no protocol error in {} logs", paths.len());
}
