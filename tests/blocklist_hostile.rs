//! Blocklist code over logs written by the people being blocked: domains with multi-byte
//! characters or invalid bytes must never panic `b`, the preview or `block check`.

use std::process::Command;

use mailtriage::model::{LoadOptions, load::from_bytes};
use mailtriage::query::NetPrefix;
use mailtriage::tui::app::App;
use mailtriage::tui::keys::KeyMap;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One arrival whose sender domain holds `domain` (raw bytes), then two from 5.6.7.8.
fn hostile_log(domain: &[u8]) -> Vec<u8> {
    let mut log = b"2011-01-01 00:00:00 1PXrDT-0001aB-Cd <= a@".to_vec();
    log.extend_from_slice(domain);
    log.extend_from_slice(b" H=(x) [1.2.3.4]:25 P=esmtp S=1\n");
    for id in ["1PXrDU-0001aB-Cd", "1PXrDV-0001aB-Cd"] {
        log.extend_from_slice(
            format!("2011-01-01 00:00:01 {id} <= b@ok.example H=(y) [5.6.7.8]:25 P=esmtp S=1\n")
                .as_bytes(),
        );
    }
    log
}

const HOSTILE_DOMAINS: &[&[u8]] = &[
    b"a\xffam.test",
    b"\xff",
    b"\xff.example",
    "ex\u{e4}mple.org".as_bytes(),
    "\u{1f600}\u{1f600}.ok.example".as_bytes(),
    "日本.example".as_bytes(),
    b"ok.example.",
    b".",
    b"",
    b"\xe2\x82",
];

#[test]
fn b_on_any_sender_survives_hostile_domains_in_the_log() {
    for d in HOSTILE_DOMAINS {
        let opts = LoadOptions {
            threads: 1,
            ..LoadOptions::default()
        };
        let m = from_bytes("hostile.log", hostile_log(d), &opts);
        let dir = tempfile::tempdir().expect("tempdir");
        let mut app = App::with_model(
            KeyMap::defaults().expect("keys"),
            m,
            NetPrefix::default(),
            (80, 24),
        );
        app.open_blocklist(Some(dir.path().join("blocklist")));
        assert_eq!(app.selected_key().as_deref(), Some("5.6.7.8"), "{d:?}");
        for c in ['b', 'w', 'w', 'W'] {
            app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        let block = app.block.overlay.as_ref().expect("preview open");
        assert_eq!(block.preview.messages, 2, "{d:?}");
    }
}

#[test]
fn block_check_survives_hostile_domains_in_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    std::fs::write(
        &list,
        "domain:am.test\ndkim:am.test\ndomain:example.org\ndomain:ok.example\n5.6.7.0/24\n",
    )
    .expect("write list");
    for (i, d) in HOSTILE_DOMAINS.iter().enumerate() {
        let log = dir.path().join(format!("main{i}.log"));
        std::fs::write(&log, hostile_log(d)).expect("write log");
        let out = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
            .args(["block", "--blocklist"])
            .arg(&list)
            .arg("check")
            .arg(&log)
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{d:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("5.6.7.0/24  2 messages"), "{d:?}: {text}");
    }
}

mod preview_and_check {
    use mailtriage::blocklist::{Entry, FactsViews, OwnedFacts, check, preview};
    use proptest::prelude::*;

    fn hostile_text() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..24)
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            "\\PC{0,16}",
            "\\PC{0,6}\\.(am\\.test|example\\.org)",
        ]
    }

    fn facts() -> impl Strategy<Value = OwnedFacts> {
        (
            proptest::option::of(any::<[u8; 4]>()),
            proptest::option::of(hostile_text()),
            proptest::collection::vec(hostile_text(), 0..3),
            proptest::collection::vec(hostile_text(), 0..3),
            hostile_text(),
        )
            .prop_map(|(ip, d, dkim, rcpt, key)| OwnedFacts {
                ip: ip.map(std::net::IpAddr::from),
                sender_domain: d,
                dkim_pass_domains: dkim,
                recipients: rcpt,
                sender_key: key,
            })
    }

    proptest! {
        /// Whatever the log held, the preview and `block check` count without panicking.
        #[test]
        fn preview_and_check_never_panic_on_log_text(
            msgs in proptest::collection::vec(facts(), 0..12),
            blocked in "[a-z0-9]{1,8}\\.(am\\.test|example\\.org|[a-z]{2,5})",
            suspect in proptest::option::of(hostile_text()),
        ) {
            let views = FactsViews::new(&msgs);
            let entries: Vec<Entry> = [
                format!("domain:{blocked}"),
                format!("dkim:{blocked}"),
                "domain:am.test".into(),
                "1.2.3.0/24".into(),
                "2001:db8::/32".into(),
            ]
            .iter()
            .filter_map(|s| Entry::parse(s).ok())
            .collect();
            for e in &entries {
                let i = preview(e, views.iter(), suspect.as_deref());
                prop_assert!(i.messages <= msgs.len());
            }
            let rows = check(entries.iter().enumerate(), views.iter());
            prop_assert_eq!(rows.len(), entries.len());
        }
    }
}
