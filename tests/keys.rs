//! Group keys keep the log's bytes apart: distinct invalid bytes stay distinct,
//! and a value that reads `(none)` or `<>` is not the no-value or empty group.

mod common;

use std::io::Write;
use std::process::Command;
use std::sync::Arc;

use mailtriage::model::{LoadOptions, Model, load::from_bytes};
use mailtriage::query::{AggKey, Filter, Grouping, NetPrefix, group, key};
use mailtriage::tui::index::GroupIndex;

const LOG: &[u8] = b"\
2024-01-01 10:00:00 1smkL5-00000000e61-24eQ <= a\xff@x.test H=(h1) [192.0.2.1]:25 P=esmtp S=1
2024-01-01 10:00:01 1smkL5-00000000e62-24eQ <= a\xfe@x.test H=(h2) [192.0.2.2]:25 P=esmtp S=1
2024-01-01 10:00:02 1smkL5-00000000e63-24eQ <= b@a\xffam.test H=((none)) [192.0.2.3]:25 P=esmtp S=1
2024-01-01 10:00:03 1smkL5-00000000e64-24eQ <= c@a\xfeam.test H=(<>) [192.0.2.4]:25 P=esmtp S=1
2024-01-01 10:00:04 1smkL5-00000000e65-24eQ <= d@(none) U=local P=local S=1
2024-01-01 10:00:05 1smkL5-00000000e66-24eQ <= nodomain U=local P=local S=1
2024-01-01 10:00:06 1smkL5-00000000e67-24eQ <= <> H=(a\\xff) [192.0.2.5]:25 P=esmtp S=1
2024-01-01 10:00:07 1smkL5-00000000e68-24eQ <= e@x.test H=(a\xff) [192.0.2.6]:25 P=esmtp S=1
";

fn model() -> Model {
    from_bytes("keys", LOG.to_vec(), &LoadOptions::default())
}

/// (key, messages) of every row, sorted by key.
fn rows(m: &Model, by: AggKey) -> Vec<(String, u64)> {
    let g = Grouping::new(m, by, NetPrefix::default());
    let mut r: Vec<_> = group(m, &g, &Filter::default(), false)
        .into_iter()
        .map(|r| (r.key, r.messages))
        .collect();
    r.sort();
    r
}

fn owned(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    let mut v: Vec<_> = v.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    v.sort();
    v
}

#[test]
fn distinct_invalid_bytes_are_distinct_senders_and_domains() {
    let m = model();
    assert_eq!(
        rows(&m, AggKey::Sender),
        owned(&[
            ("a\\xff@x.test", 1),
            ("a\\xfe@x.test", 1),
            ("b@a\\xffam.test", 1),
            ("c@a\\xfeam.test", 1),
            ("d@(none)", 1),
            ("nodomain", 1),
            ("<>", 1),
            ("e@x.test", 1),
        ])
    );
    assert_eq!(
        rows(&m, AggKey::Domain),
        owned(&[
            ("x.test", 3),
            ("a\\xffam.test", 1),
            ("a\\xfeam.test", 1),
            // A domain that is literally `(none)`, an address with no domain,
            // and the null sender.
            ("\\x28none)", 1),
            ("(none)", 1),
            ("<>", 1),
        ])
    );
}

#[test]
fn a_helo_that_reads_like_a_label_is_its_own_host() {
    let m = model();
    assert_eq!(
        rows(&m, AggKey::Host),
        owned(&[
            ("h1", 1),
            ("h2", 1),
            ("\\x28none)", 1),
            ("\\x3c>", 1),
            // Local submissions: no host at all.
            ("(none)", 2),
            // A HELO of text `a\xff` and one with the byte 0xff.
            ("a\\\\xff", 1),
            ("a\\xff", 1),
        ])
    );
}

#[test]
fn only_the_no_value_group_is_flagged_as_such() {
    let m = model();
    for by in [AggKey::Host, AggKey::Domain, AggKey::Sender] {
        let g = Grouping::new(&m, by, NetPrefix::default());
        for (gid, label) in g.labels.iter().enumerate() {
            let gid = gid as u32;
            assert_eq!(g.is_no_value(gid), label == key::NO_VALUE, "{by:?} {label}");
            assert_eq!(
                g.is_empty_value(gid),
                label == key::EMPTY_VALUE,
                "{by:?} {label}"
            );
            if !g.is_no_value(gid) && !g.is_empty_value(gid) {
                assert!(key::key_bytes(label).is_some(), "{label}");
            }
        }
        // The TUI's index shows the same text for every group.
        let ix = GroupIndex::new(&m, Arc::new(g), NetPrefix::default());
        for (gid, label) in ix.grouping.labels.iter().enumerate() {
            assert_eq!(ix.label(gid as u32), label);
        }
    }
}

#[test]
fn the_cli_prints_the_same_keys_in_text_csv_and_json() {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(LOG).expect("write");
    let path = f.path().to_str().expect("path").to_string();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
            .args(args)
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("utf-8 output")
    };
    let json = run(&["senders", "--by", "sender", "--json", &path]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let mut keys: Vec<String> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["key"].as_str().expect("key").to_string())
        .collect();
    keys.sort();
    let mut want: Vec<String> = rows(&model(), AggKey::Sender)
        .into_iter()
        .map(|r| r.0)
        .collect();
    want.sort();
    assert_eq!(keys, want);
    let csv = run(&["senders", "--by", "sender", "--csv", &path]);
    let text = run(&["senders", "--by", "sender", &path]);
    for k in ["a\\xff@x.test", "a\\xfe@x.test", "b@a\\xffam.test"] {
        assert!(
            csv.lines().any(|l| l.starts_with(&format!("{k},"))),
            "{k} in {csv}"
        );
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{k} "))),
            "{k} in {text}"
        );
    }
    let host = run(&["senders", "--by", "host", "--csv", &path]);
    assert!(host.lines().any(|l| l.starts_with("(none),")), "{host}");
    assert!(host.lines().any(|l| l.starts_with("\\x28none),")), "{host}");
}

#[test]
fn the_block_proposal_refuses_the_no_value_group_not_a_value_that_reads_none() {
    use mailtriage::tui::block::{BlockFacts, propose};
    let m = model();
    let facts = BlockFacts::new(&m);
    let g = Arc::new(Grouping::new(&m, AggKey::Host, NetPrefix::default()));
    let ix = GroupIndex::new(&m, g.clone(), NetPrefix::default());
    let gid = |label: &str| g.labels.iter().position(|l| l == label).expect(label) as u32;
    let refused = |gid: u32| {
        propose(&m, &facts, &ix, gid, "a", &Default::default())
            .err()
            .is_some_and(|e| e.contains("no address or domain"))
    };
    assert!(refused(gid(key::NO_VALUE)));
    // A HELO of `(none)` or `<>` is a host like any other: whatever `b` says
    // about blocking by host name, it is not "no address".
    assert!(!refused(gid("\\x28none)")));
    assert!(!refused(gid("\\x3c>")));
}

/// An IPv6 address whose top bit is set once shared its table key with the IPv4
/// address in its low 32 bits, so `8000::c000:201` was counted as `192.0.2.1`.
/// Parsed through the worker pool too, whose per-worker tables number addresses
/// before the fold does.
#[test]
fn an_ipv6_address_is_never_an_ipv4_one_with_the_same_bits() {
    let log = b"\
2024-01-01 10:00:00 1smkL5-00000000e61-24eQ <= a@x.test H=(h1) [192.0.2.1]:25 P=esmtp S=1
2024-01-01 10:00:01 1smkL5-00000000e62-24eQ <= a@x.test H=(h1) [8000::c000:201]:25 P=esmtp S=1
2024-01-01 10:00:02 1smkL5-00000000e63-24eQ <= a@x.test H=(h1) [::ffff:192.0.2.1]:25 P=esmtp S=1
2024-01-01 10:00:03 H=(h1) [8000::c000:201]:25 rejected EHLO or HELO h1: bad
2024-01-01 10:00:04 H=(h1) [192.0.2.1]:25 rejected EHLO or HELO h1: bad
";
    for threads in [1, 2] {
        let opts = LoadOptions {
            threads,
            chunk_bytes: 1 << 8,
            ..LoadOptions::default()
        };
        let m = from_bytes("ips", log.to_vec(), &opts);
        let g = Grouping::new(&m, AggKey::Ip, NetPrefix::default());
        let mut r: Vec<_> = group(&m, &g, &Filter::default(), true)
            .into_iter()
            .map(|r| (r.key, r.messages, r.rejections, r.clients))
            .collect();
        r.sort();
        assert_eq!(
            r,
            vec![
                // An IPv4-mapped address is its IPv4 address (`parse::net`).
                ("192.0.2.1".to_string(), 2, 1, 1),
                ("8000::c000:201".to_string(), 1, 1, 1),
            ],
            "{threads} threads"
        );
    }
}
