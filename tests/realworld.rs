//! Every real Exim log in `../shared/samples/realworld/` is understood: its
//! counts, checked against a second count that shares no code with the parser.
//!
//! The second count is a short awk script (mawk, `LC_ALL=C`), run per file as
//! `for f in *.log; do LC_ALL=C awk -f count.awk "$f"; done`, where count.awk is:
//!
//! ```text
//! { n++; s = $0; gsub(/^\000+/, "", s)
//!   sub(/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+(Z|[+-][0-9:]+) [^ ]+ [^ :]+: /, "", s)
//!   sub(/^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]+ [^ ]+ [^ :]+: /, "", s)
//!   sub(/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9](\.[0-9][0-9][0-9])?( [+-][0-9][0-9][0-9][0-9])? /, "", s)
//!   sub(/^\[[0-9]+\] /, "", s); id = 0
//!   if (s ~ /^[0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z]-[0-9A-Za-z]+-[0-9A-Za-z][0-9A-Za-z]+ /) { id = 1; sub(/^[^ ]+ /, "", s) }
//!   if (id && s ~ /^<= /) arr++
//!   if (id && s ~ /^(=>|->) /) del++
//!   if (s ~ /^(DS )?[HFU]=/ && s ~ / (temporarily )?rejected |dropped by | sender verify (fail|defer) /) rej++
//!   else if (s ~ /^(temporarily )?rejected /) rej++ }
//! END { printf "%s %d %d %d %d\n", FILENAME, n, arr, del, rej }
//! ```
//!
//! It agreed with the table below on every file. The unrecognized column is
//! `mailtriage lines --kind unrecognized FILE | wc -l`, read line by line
//! before each kind was added (3,092 lines in all before issue 9).

mod common;

use common::{load, samples};
use mailtriage::query;

/// (file, lines, unrecognized, arrival lines (`<=`), deliveries, rejections)
const COUNTS: [(&str, u64, u64, u64, u64, u64); 26] = [
    ("2ndy-raspim-mainlog.3.log", 5495, 0, 102, 0, 0),
    ("ait-aecid-aminer-ait-lds-exim.log", 10, 0, 1, 1, 0),
    ("ait-aecid-aminer-cpanel-guide-exim.log", 15, 0, 3, 0, 2),
    ("alaveteli-issue-2824.log", 2, 0, 1, 0, 0),
    ("artik292-ddos-exim_mainlog.log", 31889, 0, 0, 0, 1177),
    ("axray-dataware-dreamplug-mainlog.log", 523, 0, 4, 4, 0),
    ("dsfedor-fedorkov1-out.log", 10000, 0, 1921, 2136, 0),
    ("fail2ban-issue-1886.log", 9, 0, 0, 0, 0),
    ("fail2ban-issue-1983.log", 2, 0, 0, 0, 0),
    ("fail2ban-issue-2553.log", 1, 0, 0, 0, 0),
    ("fail2ban-issue-3060.log", 5, 0, 0, 0, 0),
    ("fail2ban-issue-3263.log", 2, 0, 0, 0, 2),
    ("fail2ban-issue-4231.log", 3, 0, 0, 0, 0),
    ("gvengel-exim_exporter-test-mainlog.log", 35, 0, 14, 4, 0),
    ("heavybrain101-youtube-mainlog.log", 9867, 0, 4, 0, 161),
    ("hestiacp-issue-2087.log", 3, 0, 1, 0, 0),
    ("hestiacp-issue-3381.log", 1, 0, 0, 0, 0),
    ("mailcleaner-issue-487.log", 2, 0, 0, 0, 0),
    ("mashpy-ajenti_track-mainlog.log", 57, 0, 1, 1, 0),
    ("mysociety-alaveteli-spec.log", 35, 0, 10, 7, 0),
    ("parisnw-debian-vm-mainlog.log", 389, 0, 13, 6, 0),
    ("perericr-ddgrey-mainlog.log", 3086, 0, 43, 41, 1174),
    ("politsin-exim-mainlog.log", 277, 0, 2, 2, 100),
    ("r3boot-logshipper-exim-go.log", 6, 0, 1, 1, 1),
    (
        "sergeitarasovdev-1t-attestation-mainlog.log",
        537,
        0,
        179,
        179,
        0,
    ),
    ("volumio-rootfs-mainlog.log", 113, 0, 0, 0, 0),
];

#[test]
fn every_realworld_file_is_understood() {
    let Some(dir) = samples() else { return };
    let dir = dir.join("realworld");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("realworld samples")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = COUNTS.iter().map(|c| c.0).collect();
    assert_eq!(on_disk, listed, "a file was added or removed: count it too");
    let (mut lines, mut unrecognized) = (0, 0);
    for (file, n, unrec, arrivals, deliveries, rejections) in COUNTS {
        let s = query::summary(&load(&[dir.join(file)]));
        assert_eq!(
            (
                s.lines,
                s.unrecognized_lines,
                s.arrival_lines,
                s.deliveries,
                s.rejections
            ),
            (n, unrec, arrivals, deliveries, rejections),
            "{file}: (lines, unrecognized, arrival lines, deliveries, rejections)"
        );
        // An id logged arriving twice is one arrival (`summary`'s `arrivals`, a row's
        // `arr`): only exim_exporter's test log does that, 1jmKsr-00040h-1G three times.
        let repeats = if file.starts_with("gvengel") { 2 } else { 0 };
        assert_eq!(s.arrivals + repeats, s.arrival_lines, "{file}: arrivals");
        lines += n;
        unrecognized += unrec;
    }
    assert_eq!(lines, 62_364);
    // The issue's bar: at most 0.2 % unrecognized.
    assert!(unrecognized * 500 <= lines, "{unrecognized} of {lines}");
}

#[test]
fn realworld_kinds_land_where_they_belong() {
    use mailtriage::parse::{LineKind, MsgId};
    let Some(dir) = samples() else { return };
    let dir = dir.join("realworld");
    // `grep "SA: Action: .*score=" perericr-ddgrey-mainlog.log`: 39 lines, 39 ids,
    // 17 of them at or over the 5.0 required.
    let m = load(&[dir.join("perericr-ddgrey-mainlog.log")]);
    assert_eq!(m.spam.len(), 39);
    assert_eq!(
        m.spam
            .values()
            .filter(|s| s.is_spam() == Some(true))
            .count(),
        17
    );
    let id = MsgId::parse(b"1j5IBw-00064P-De").expect("id");
    let s = m
        .spam_score(m.find_message(id).expect("msg"))
        .expect("scored");
    assert_eq!((s.tenths, s.required_tenths), (188, Some(50)));
    // `grep -c Warning: perericr-ddgrey-mainlog.log`: every one is an ACL warning.
    assert_eq!(m.kind_count(LineKind::AclWarning), 1150);

    // Line 4929 of 2ndy-raspim-mainlog.3.log: 475 NULs, then the daemon start.
    let m = load(&[dir.join("2ndy-raspim-mainlog.3.log")]);
    assert_eq!(m.line_kind[4928], LineKind::Daemon);
    assert!(
        m.line(4928).starts_with(&[0; 475]),
        "the line is kept as written"
    );

    // mashpy-ajenti_track-mainlog.log: each ` Suggested action` follows a
    // `Warning: purging the environment.`
    let m = load(&[dir.join("mashpy-ajenti_track-mainlog.log")]);
    assert_eq!(m.kind_count(LineKind::Continuation), 12);
    for (i, k) in m.line_kind.iter().enumerate() {
        if *k == LineKind::Continuation {
            assert!(
                m.line(i as u32 - 1)
                    .ends_with(b"Warning: purging the environment.")
            );
        }
    }

    // The cPanel ACL warning with an id is not a delivery attempt; lines 1 to 5,
    // `SMTP error from remote mail server …` on their own (four without `H=`,
    // one with), are. Lines 6 and 9 carry the same text in a deferral and a bounce.
    let m = load(&[dir.join("ait-aecid-aminer-cpanel-guide-exim.log")]);
    assert_eq!(m.kind_count(LineKind::AclWarning), 1);
    assert_eq!(m.kind_count(LineKind::HostAttempt), 5);
}
