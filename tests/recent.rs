//! The last-5-minutes and last-hour counts of a sender (issue 11, item 3, for the CLI):
//! counted back from the log's newest timestamp, not the wall clock, checked against
//! times written into the log by hand.

use std::process::Command;

fn senders(args: &[&str], log: &std::path::Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .arg("senders")
        .args(args)
        .arg(log)
        .output()
        .expect("run mailtriage");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("utf8")
}

fn arrival(t: &str, id: &str, ip: &str) -> String {
    format!("2025-03-01 {t} {id} <= a@x.example H=(x) [{ip}] P=esmtp S=100\n")
}

#[test]
fn recent_counts_go_back_from_the_newest_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mainlog");
    // The newest line is 12:00:00. 192.0.2.1: 2 h, 50 min, 4 min and 0 s before it;
    // 192.0.2.2: 61 min and 5 min 1 s before it.
    let text = [
        arrival("10:00:00", "1aaaaa-000001-AA", "192.0.2.1"),
        arrival("10:59:00", "1aaaaa-000002-AA", "192.0.2.2"),
        arrival("11:10:00", "1aaaaa-000003-AA", "192.0.2.1"),
        arrival("11:54:59", "1aaaaa-000004-AA", "192.0.2.2"),
        arrival("11:56:00", "1aaaaa-000005-AA", "192.0.2.1"),
        arrival("12:00:00", "1aaaaa-000006-AA", "192.0.2.1"),
    ]
    .concat();
    std::fs::write(&log, text).expect("write");
    let rows: serde_json::Value = serde_json::from_str(&senders(&["--json"], &log)).expect("json");
    let of = |ip: &str, f: &str| {
        rows.as_array()
            .expect("rows")
            .iter()
            .find(|r| r["key"] == ip)
            .and_then(|r| r[f].as_u64())
            .expect("field")
    };
    assert_eq!(
        (of("192.0.2.1", "recent_5m"), of("192.0.2.1", "recent_1h")),
        (2, 3)
    );
    assert_eq!(
        (of("192.0.2.2", "recent_5m"), of("192.0.2.2", "recent_1h")),
        (0, 1)
    );
    // CSV carries them last; the text table only while following.
    let csv = senders(&["--csv"], &log);
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.ends_with(",recent_5m,recent_1h")),
        "{csv}"
    );
    let text = senders(&[], &log);
    assert!(!text.contains("5MIN"), "{text}");
}
