//! The model on real logs: the seed story, hand-checked counts on public samples,
//! and every shared sample loading without a panic.

mod common;

use common::{fixture, load, samples};
use mailtriage::query::{self, AggKey, Filter, NetPrefix, SortKey};

#[test]
fn seed_tells_its_story() {
    let m = load(&[fixture("seed-main.log")]);
    let s = query::summary(&m);
    assert_eq!(s.lines, 20);
    assert_eq!(s.unrecognized_lines, 0);
    assert_eq!(s.messages, 5);
    assert_eq!(s.arrivals, 5);
    assert_eq!(s.deliveries, 5);
    assert_eq!(
        (s.dkim.pass, s.dkim.fail, s.dkim.invalid, s.dkim.none),
        (4, 1, 0, 0)
    );
    assert_eq!((s.family.ipv4, s.family.ipv6, s.family.unknown), (0, 1, 4));
    assert_eq!(s.first.as_deref(), Some("2010-11-07T14:21:43"));
    assert_eq!(s.last.as_deref(), Some("2011-04-28T12:40:26"));
}

#[test]
fn seed_ipv6_sender_and_its_transaction() {
    let m = load(&[fixture("seed-main.log")]);
    let g = query::Grouping::new(&m, AggKey::Ip, NetPrefix::default());
    let f = Filter {
        family: Some(mailtriage::parse::Family::Ipv6),
        ..Filter::default()
    };
    let rows = query::group(&m, &g, &f, true);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].key, "2a01:238:20a:202:53f0::1");
    assert_eq!(
        (
            rows[0].messages,
            rows[0].bytes,
            rows[0].dkim.pass,
            rows[0].recipients
        ),
        (1, 2_210_478, 1, 1)
    );
    let msgs = query::messages_of(&m, &g, rows[0].group, &f);
    assert_eq!(msgs.len(), 1);
    let lines: Vec<_> = m
        .message_lines(msgs[0])
        .map(|l| String::from_utf8_lossy(&m.line(l)).into_owned())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].contains("DKIM: s=domk") && lines[0].ends_with("[verification succeeded]"));
    assert!(lines[3].ends_with("Completed"));
    let net = query::Grouping::new(&m, AggKey::Net, NetPrefix::default());
    let rows = query::group(&m, &net, &f, false);
    assert_eq!(rows[0].key, "2a01:238:20a:202::/64");
}

#[test]
fn dkim_failures_sort_first() {
    let m = load(&[fixture("seed-main.log")]);
    let g = query::Grouping::new(&m, AggKey::Sender, NetPrefix::default());
    let mut rows = query::group(&m, &g, &Filter::default(), false);
    query::sort_rows(&mut rows, SortKey::DkimFail);
    assert_eq!(rows[0].dkim.fail, 1);
}

#[test]
fn crowdsec_rejections_are_attributed_to_the_client() {
    let Some(dir) = samples() else { return };
    let m = load(&[dir.join("crowdsec-hub/exim-logs.log")]);
    let s = query::summary(&m);
    // Checked by hand: 5 ACL rejections + 1 sender verify failure, 6 auth failures.
    assert_eq!(
        (s.lines, s.rejections, s.messages, s.unrecognized_lines),
        (12, 6, 0, 0)
    );
    assert_eq!(m.kind_count(mailtriage::parse::LineKind::AuthFailure), 6);
    let g = query::Grouping::new(&m, AggKey::Ip, NetPrefix::default());
    let rows = query::group(&m, &g, &Filter::default(), false);
    let r = rows.iter().find(|r| r.key == "1.2.3.4").expect("1.2.3.4");
    assert_eq!((r.rejections, r.messages, r.family), (5, 0, "ipv4"));
}

#[test]
fn testsuite_dkim_verify_counts() {
    let Some(dir) = samples() else { return };
    // v4.89: three signatures verified, three arrivals, plus the runner's banner,
    // a blank line and three `signer:` logwrite lines that are not Exim's.
    let s = query::summary(&load(&[dir.join("exim-testsuite/v4.89/log/4500")]));
    assert_eq!(
        (s.lines, s.unrecognized_lines, s.messages, s.arrivals),
        (12, 5, 3, 3)
    );
    assert_eq!((s.dkim.pass, s.dkim.fail, s.family.ipv4), (3, 0, 3));
    let s = query::summary(&load(&[dir.join("exim-testsuite/head/log/4500")]));
    assert_eq!(
        (s.messages, s.arrivals, s.dkim.pass, s.dkim.fail),
        (7, 7, 5, 2)
    );
}

#[test]
fn fail2ban_spam_ids_without_arrivals() {
    let Some(dir) = samples() else { return };
    let m = load(&[dir.join("fail2ban/exim-spam")]);
    let s = query::summary(&m);
    // Six ids (three local_scan/after-DATA rejections, three SA logwrite lines),
    // none of them arrived; five lines say `rejected`.
    assert_eq!((s.messages, s.arrivals, s.rejections), (6, 0, 5));
    let outcomes: Vec<_> = m.messages.iter().map(|x| x.outcome().as_str()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "rejected").count(), 3);
}

#[test]
fn every_shared_sample_loads() {
    let Some(dir) = samples() else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "README.md") {
                files.push(p);
            }
        }
    }
    assert!(
        files.len() >= 60,
        "expected the whole sample set, found {}",
        files.len()
    );
    for f in &files {
        let m = load(std::slice::from_ref(f));
        let s = query::summary(&m);
        let text = std::fs::read(f).expect("read");
        let expected_lines =
            text.split(|&b| b == b'\n').count() - usize::from(text.ends_with(b"\n"));
        assert_eq!(
            s.lines as usize,
            expected_lines,
            "{}: every line is kept",
            f.display()
        );
        for k in mailtriage::query::AggKey::ALL {
            let g = query::Grouping::new(&m, k, NetPrefix::default());
            let _ = query::group(&m, &g, &Filter::default(), true);
        }
    }
    // All of them at once, as one model (a transaction may span files).
    let m = load(&files);
    assert!(m.line_count() > 2500);
}

#[test]
fn rotated_files_merge_and_gzip_is_transparent() {
    use std::io::Write;
    let seed = std::fs::read(fixture("seed-main.log")).expect("seed");
    let text = String::from_utf8(seed).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().expect("tempdir");
    // Split message 3 across the rotation boundary; the older half is gzipped.
    let old = dir.path().join("mainlog.1.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&old).expect("create"),
        flate2::Compression::default(),
    );
    for l in &lines[..10] {
        writeln!(gz, "{l}").expect("write");
    }
    gz.finish().expect("gz");
    let new = dir.path().join("mainlog");
    std::fs::write(&new, lines[10..].join("\n")).expect("write");
    let m = load(&[old, new]);
    let s = query::summary(&m);
    assert_eq!(
        (s.lines, s.messages, s.arrivals, s.dkim.pass, s.dkim.fail),
        (20, 5, 5, 4, 1)
    );
    let id = mailtriage::parse::MsgId::parse(b"1PjdeA-0001Nn-If").expect("id");
    let i = m.find_message(id).expect("msg");
    assert_eq!(m.message_lines(i).count(), 4);
    assert_eq!(
        m.messages[i as usize].outcome(),
        mailtriage::model::Outcome::Delivered
    );
}

/// Parallel folding (several workers, tiny chunks, per-worker string numbering)
/// gives exactly the model a single worker builds.
#[test]
fn parallel_load_equals_sequential() {
    let Some(dir) = samples() else { return };
    let files: Vec<_> = [
        "crowdsec-hub/exim-logs.log",
        "exim-testsuite/head/log/4530",
        "fail2ban/exim",
        "exim-testsuite/v4.96/log/1003",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    let one = mailtriage::model::LoadOptions {
        threads: 1,
        chunk_bytes: 1 << 20,
        ..common::opts()
    };
    let many = mailtriage::model::LoadOptions {
        threads: 3,
        chunk_bytes: 1 << 10,
        ..common::opts()
    };
    let a = mailtriage::model::load(&files, &one, &mut |_| {}).expect("load");
    let b = mailtriage::model::load(&files, &many, &mut |_| {}).expect("load");
    assert_eq!(query::summary(&a), query::summary(&b));
    for k in AggKey::ALL {
        let rows = |m: &mailtriage::model::Model| {
            let g = query::Grouping::new(m, k, NetPrefix::default());
            let mut r = query::group(m, &g, &Filter::default(), true);
            query::sort_rows(&mut r, SortKey::Messages);
            r.into_iter()
                .map(|r| {
                    (
                        r.key,
                        r.messages,
                        r.bytes,
                        r.rejections,
                        r.recipients,
                        r.dkim,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(rows(&a), rows(&b), "{k:?}");
    }
}

#[test]
fn dkim_domain_groups_by_signing_domain() {
    let Some(dir) = samples() else { return };
    let m = load(&[dir.join("exim-testsuite/v4.89/log/4500")]);
    let g = query::Grouping::new(&m, AggKey::DkimDomain, NetPrefix::default());
    let rows = query::group(&m, &g, &Filter::default(), false);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].key.as_str(), rows[0].messages, rows[0].dkim.pass),
        ("test.ex", 3, 3)
    );
}

/// The demo's planted story, as the admin would find it: one IPv6 /64, six
/// messages, every DKIM signature valid, one recipient (the local delivery
/// `=> webpage-contact <webpage-contact@example.org>` counts as the address sent to).
#[test]
fn demo_story_is_one_64_one_recipient() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mainlog");
    let m = load(&[demo]);
    let g = query::Grouping::new(&m, AggKey::Net, NetPrefix::default());
    let re = mailtriage::query::grep::compile("webpage-contact", &Default::default()).expect("re");
    let f = Filter {
        matches: Some(std::sync::Arc::new(query::grep(&m, &re))),
        ..Filter::default()
    };
    let rows = query::group(&m, &g, &f, true);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(
        (
            r.key.as_str(),
            r.family,
            r.messages,
            r.dkim.pass,
            r.recipients
        ),
        ("2a05:d014:27bf:4d2a::/64", "ipv6", 6, 6, 1)
    );
}
