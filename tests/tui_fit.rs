//! Nothing on screen is cut silently (issue 8, item 2): counts from 0 to 10^10 read back
//! within their rounding in every numeric column and in the header, and no long address,
//! network, domain or sender is shown as a bare prefix of itself at 40, 80, 120 or 200
//! columns.

use std::collections::BTreeSet;

use mailtriage::query::{AggKey, Grouping, NetPrefix, SigTally};
use mailtriage::tui::app::App;
use mailtriage::tui::keys::{Action, KeyMap};
use mailtriage::tui::render::render;
use mailtriage::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn app_over(log: Vec<u8>, size: (u16, u16)) -> App {
    let opts = mailtriage::model::LoadOptions {
        threads: 1,
        ..Default::default()
    };
    let model = mailtriage::model::load::from_bytes("fit", log, &opts);
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        size,
    )
}

fn demo(size: (u16, u16)) -> App {
    let log = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog"));
    app_over(log.expect("demo log"), size)
}

fn screen(app: &App) -> Vec<String> {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| render(f, app, Theme { color: false }))
        .expect("draw");
    let b = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| b[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

/// The values a count abbreviated as `text` can stand for (rounded down to its last
/// digit), or `None` if it is no count.
fn read_count(text: &str, base: f64) -> Option<(f64, f64)> {
    let (num, mult) = match text.chars().last()? {
        'k' | 'K' => (text.get(..text.len() - 1)?, base),
        'M' => (text.get(..text.len() - 1)?, base.powi(2)),
        'G' => (text.get(..text.len() - 1)?, base.powi(3)),
        'T' => (text.get(..text.len() - 1)?, base.powi(4)),
        _ => (text, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    let step = match num.split_once('.') {
        Some((_, d)) => mult / 10f64.powi(d.len() as i32),
        None => mult,
    };
    Some((v * mult, step))
}

/// `n` is what `text` says: exact, or within one step of its last digit (rounded down
/// for counts; sizes round to the nearest, so either side).
fn reads_as(text: &str, n: u64, base: f64) -> bool {
    let Some((v, step)) = read_count(text, base) else {
        return false;
    };
    let n = n as f64;
    if base == 1000.0 {
        v <= n && n < v + step
    } else {
        (v - step) <= n && n < v + step
    }
}

const COUNTS: [u64; 22] = [
    0,
    7,
    42,
    999,
    1_000,
    1_234,
    6_676,
    9_999,
    10_000,
    99_999,
    123_456,
    999_999,
    1_000_000,
    1_234_567,
    12_345_678,
    123_456_789,
    999_999_999,
    1_000_000_000,
    2_700_000_000,
    9_876_543_210,
    9_999_999_999,
    10_000_000_000,
];

/// The demo at 80x24, 100x30 and 120x40, grouped by ip (no `ips` column), by
/// dkim-domain (whose rows have columns of their own), by recipient and by auth.
fn demo_views() -> impl Iterator<Item = ((u16, u16), App)> {
    [(80, 24), (100, 30), (120, 40)]
        .into_iter()
        .flat_map(|size| {
            [
                AggKey::Ip,
                AggKey::DkimDomain,
                AggKey::Recipient,
                AggKey::Auth,
            ]
            .into_iter()
            .map(move |by| {
                let mut a = demo(size);
                while a.scope.by != by {
                    a.key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE));
                }
                // A regroup keeps the selected label when it can: start at the top.
                a.act(Action::First);
                (size, a)
            })
        })
}

#[test]
fn every_count_in_the_sender_list_reads_back_within_its_rounding() {
    for (size, mut a) in demo_views() {
        for n in COUNTS {
            let first = *a.senders.shown.first().expect("rows") as usize;
            let r = a.senders.rows.get_mut(first).expect("row");
            r.messages = n;
            r.bytes = n;
            r.dkim.pass = n;
            r.dkim.fail = n;
            r.dkim.invalid = n;
            r.dkim.none = n;
            r.rejections = n;
            r.messages_sig_bad = n;
            r.recipients = n;
            r.clients = n;
            r.signatures = Some(Box::new(SigTally {
                pass: n,
                fail: n,
                invalid: n,
                other: 0,
                aligned: n,
                clients: n,
                networks: n,
            }));
            let s = screen(&a);
            let titles_at = s
                .iter()
                .position(|l| l.contains(" msgs ") && l.contains(" rej "))
                .expect("column titles");
            let titles: Vec<&str> = s[titles_at]
                .trim_matches(|c| c == '│' || c == ' ')
                .split_whitespace()
                .collect();
            let cells: Vec<&str> = s[titles_at + 1]
                .trim_matches(|c| c == '│' || c == ' ')
                .split_whitespace()
                .collect();
            // The columns every width shows, then those shown when the key keeps room:
            // at 120 columns all of them (`first` is the `first seen` column).
            let (always, optional): (&[&str], &[&str]) = match a.scope.by {
                AggKey::DkimDomain => (
                    &["msgs", "pass", "fail", "inv", "rej", "bytes"],
                    &["algn", "ips", "rcpt", "first"],
                ),
                AggKey::Ip => (
                    &["msgs", "pass", "fail", "inv", "none", "rej", "bytes"],
                    &["sigf", "rcpt", "first"],
                ),
                _ => (
                    &["msgs", "pass", "fail", "inv", "none", "rej", "bytes"],
                    &["sigf", "ips", "rcpt", "first"],
                ),
            };
            if a.scope.by == AggKey::Ip {
                assert!(!titles.contains(&"ips"), "ips under ip: {}", s[titles_at]);
            }
            // At 80 columns the new columns take no room from the key or from what
            // showed there before (`algn` under dkim-domain).
            if size.0 == 80 {
                assert!(
                    !titles.iter().any(|t| ["ips", "rcpt", "first"].contains(t))
                        && (a.scope.by != AggKey::DkimDomain || titles.contains(&"algn")),
                    "at 80: {}",
                    s[titles_at]
                );
            }
            for &col in always.iter().chain(optional) {
                let Some(i) = titles.iter().position(|t| *t == col) else {
                    assert!(
                        size.0 < 120 && optional.contains(&col),
                        "no {col} at {size:?}: {}",
                        s[titles_at]
                    );
                    continue;
                };
                let cell = cells.get(i).copied().unwrap_or("");
                if col == "first" {
                    // A time (`MM-DD HH:MM`), not a count.
                    assert!(
                        cell.len() == 5 && cell.as_bytes()[2] == b'-',
                        "first {cell:?}"
                    );
                    continue;
                }
                let base = if col == "bytes" { 1024.0 } else { 1000.0 };
                assert!(
                    reads_as(cell, n, base),
                    "{col} shows {cell:?} for {n} at {size:?}:\n{}",
                    s[titles_at + 1]
                );
            }
        }
    }
}

#[test]
fn every_count_in_the_header_reads_back_within_its_rounding() {
    for (_, mut a) in demo_views() {
        for n in COUNTS {
            let s = a.logs.summary.as_mut().expect("summary");
            s.messages = n;
            s.arrivals = n;
            s.lines = n;
            s.unrecognized_lines = n;
            s.dkim.pass = n;
            s.dkim.fail = n;
            s.dkim.invalid = n;
            s.dkim.none = n;
            s.family.ipv4 = n;
            s.family.ipv6 = n;
            s.rejections = n;
            let head = screen(&a)[..2].join(" ");
            let words: Vec<&str> = head.split_whitespace().collect();
            let mut read = 0;
            for (i, w) in words.iter().enumerate() {
                // `N msgs`, `N arr`, `N lines`; `unrec N`, `pass N`, …, `v4 N`, `rej N`.
                let value = match *w {
                    "msgs" | "arr" | "lines" => i.checked_sub(1).and_then(|j| words.get(j)),
                    "unrec" | "pass" | "fail" | "inv" | "none" | "v4" | "v6" | "rej" => {
                        words.get(i + 1)
                    }
                    _ => continue,
                };
                let v = value.copied().unwrap_or("");
                assert!(reads_as(v, n, 1000.0), "{w} shows {v:?} for {n}: {head}");
                read += 1;
            }
            // At 80 columns some may be left out, with a mark, but never cut.
            let all = if n > 0 { 11 } else { 10 }; // `unrec` only when there are any
            assert!(read == all || head.contains('…'), "{head}");
        }
    }
}

/// A log whose values are as long as real ones get: full eight-group IPv6 addresses, a
/// long IPv4 network, long domains and senders, long recipients.
fn long_values_log() -> Vec<u8> {
    let mut log = String::new();
    let clients = [
        "2a01:238:20a:202:53f0:1234:5678:9abc",
        "2a01:9d89:fd67:be54:1111:2222:3333:4444",
        "2a01:9d89:fd67:be54:5555:6666:7777:8888",
        "2406:da18:e130:7:aaaa:bbbb:cccc:dddd",
        "203.0.113.254",
        "198.51.100.123",
    ];
    for (i, ip) in clients.iter().enumerate() {
        let id = format!("1tUazq-0000000{i:02}Wx-2n8g");
        let dom = format!("very-long-marketing-domain-number-{i}.newsletter-bargains.example");
        let sender = format!("offers-and-more-offers-{i}@{dom}");
        log.push_str(&format!(
            "2025-01-06 00:{i:02}:30 {id} DKIM: d={dom} s=dk c=relaxed/relaxed a=rsa-sha256 b=2048 [verification succeeded]\n\
             2025-01-06 00:{i:02}:30 {id} <= {sender} H=(helo.{dom}) [{ip}]:64814 P=esmtps S=5953 T=\"s\" for webpage-contact-form-recipient-{i}@example.org\n\
             2025-01-06 00:{i:02}:31 {id} => webpage-contact-form-recipient-{i}@example.org R=localuser T=local_delivery\n\
             2025-01-06 00:{i:02}:31 {id} Completed\n"
        ));
    }
    log.into_bytes()
}

/// Every value a list can show under any key: the labels of each grouping.
fn values(a: &App) -> BTreeSet<String> {
    let m = a.logs.model.as_ref().expect("model");
    let mut out = BTreeSet::new();
    for by in [
        AggKey::Ip,
        AggKey::Net,
        AggKey::Host,
        AggKey::Sender,
        AggKey::Domain,
        AggKey::DkimDomain,
        AggKey::Recipient,
        AggKey::Auth,
    ] {
        let g = Grouping::new(m, by, NetPrefix::default());
        out.extend(g.labels.iter().cloned());
    }
    for i in 0..6 {
        out.insert(format!("webpage-contact-form-recipient-{i}@example.org"));
    }
    out
}

/// Words on screen that are a strict prefix of a value without a `…`: a cut that looks
/// like a whole value (`2a01:238:20a:202:53f` for `2a01:238:20a:202:53f0::1`).
fn silent_cuts(screen: &[String], values: &BTreeSet<String>) -> Vec<String> {
    let mut bad = Vec::new();
    for line in screen {
        for word in line.split(|c: char| c.is_whitespace() || "│┌┐└┘─›▶".contains(c))
        {
            // Field names (`helo`) are words of their own; values have dots, colons or `@`.
            let valueish = word.contains(['.', ':', '@']);
            if word.chars().count() < 4 || !valueish || word.contains('…') || values.contains(word)
            {
                continue;
            }
            if let Some(v) = values.iter().find(|v| v.starts_with(word)) {
                bad.push(format!("{word:?} (of {v})"));
            }
        }
    }
    bad
}

#[test]
fn no_long_value_is_cut_without_a_mark_at_any_width() {
    for (w, h) in [(40, 24), (80, 24), (120, 40), (200, 50)] {
        let mut a = app_over(long_values_log(), (w, h));
        let values = values(&a);
        for by in 0..AggKey::ALL.len() {
            for step in ["senders", "messages", "detail"] {
                let s = screen(&a);
                let bad = silent_cuts(&s, &values);
                assert!(
                    bad.is_empty(),
                    "{w}x{h} by {} in {step}: {bad:?}\n{}",
                    a.scope.by.as_str(),
                    s.join("\n")
                );
                a.act(Action::Drill);
            }
            a.act(Action::Back);
            a.act(Action::Back);
            assert_eq!(by, by);
            a.act(Action::GroupBy);
        }
    }
}

/// Rejections as long as real ones get: long recipients and senders refused at RCPT
/// and MAIL, a long DNSBL reason, a failed login with a long name, from long clients.
fn long_rejections_log() -> Vec<u8> {
    let mut log = String::new();
    for (i, ip) in [
        "2a01:238:20a:202:53f0:1234:5678:9abc",
        "2a01:9d89:fd67:be54:1111:2222:3333:4444",
        "198.51.100.123",
    ]
    .iter()
    .enumerate()
    {
        let dom = format!("very-long-marketing-domain-number-{i}.newsletter-bargains.example");
        let h = format!("H=(helo.{dom}) [{ip}]:64814 I=[192.0.2.25]:25");
        log.push_str(&format!(
            "2025-01-06 00:{i:02}:30 {h} F=<offers-and-more-offers-{i}@{dom}> rejected RCPT <webpage-contact-form-recipient-{i}@example.org>: Unrouteable address\n\
             2025-01-06 00:{i:02}:31 {h} F=<offers-and-more-offers-{i}@{dom}> rejected RCPT <postmaster-of-the-whole-organisation-{i}@example.org>: Rejected because {ip} is in a black list at zen.spamhaus.example.net\n\
             2025-01-06 00:{i:02}:32 {h} rejected MAIL <bounces-and-more-bounces-{i}@{dom}>: Access denied - Invalid HELO name (See RFC2821 4.1.1.1)\n\
             2025-01-06 00:{i:02}:33 dovecot_login authenticator failed for (helo.{dom}) [{ip}]:64815: 535 Incorrect authentication data (set_id=a-very-long-login-name-{i}@example.org)\n"
        ));
    }
    log.into_bytes()
}

/// The rejection list (`R`) cuts whom a rejection named and its reason with a mark, at
/// every width, as the other lists do.
#[test]
fn no_rejection_value_is_cut_without_a_mark_at_any_width() {
    for (w, h) in [(40, 24), (80, 24), (120, 40), (200, 50)] {
        let mut a = app_over(long_rejections_log(), (w, h));
        let mut values = values(&a);
        for i in 0..3 {
            let dom = format!("very-long-marketing-domain-number-{i}.newsletter-bargains.example");
            values.insert(format!("webpage-contact-form-recipient-{i}@example.org"));
            values.insert(format!(
                "postmaster-of-the-whole-organisation-{i}@example.org"
            ));
            values.insert(format!("offers-and-more-offers-{i}@{dom}"));
            values.insert(format!("bounces-and-more-bounces-{i}@{dom}"));
            values.insert(format!("a-very-long-login-name-{i}@example.org"));
            values.insert("zen.spamhaus.example.net".into());
        }
        for _ in 0..3 {
            // Every sender here has only rejections: Enter opens them by themselves.
            a.act(Action::Drill);
            assert!(a.rejections.on, "{w}x{h}");
            let s = screen(&a);
            assert!(s.iter().any(|l| l.contains("rej")), "{}", s.join("\n"));
            let bad = silent_cuts(&s, &values);
            assert!(bad.is_empty(), "{w}x{h}: {bad:?}\n{}", s.join("\n"));
            a.act(Action::Back);
            a.act(Action::Down);
        }
    }
}

#[test]
fn at_200_columns_the_key_column_is_as_wide_as_its_keys() {
    let a = app_over(long_values_log(), (200, 50));
    let s = screen(&a);
    let row = s
        .iter()
        .find(|l| l.contains("2a01:238:20a:202:53f0:1234:5678:9abc"))
        .expect("the full address fits at 200 columns");
    let after = row
        .split("2a01:238:20a:202:53f0:1234:5678:9abc")
        .nth(1)
        .unwrap_or("");
    let blanks = after.chars().take_while(|c| *c == ' ').count();
    assert!(
        blanks < 8,
        "the key column ends near its widest key: {blanks} blanks\n{row}"
    );
}

#[test]
fn the_views_key_hints_fit_narrow_screens_and_say_there_is_more() {
    for keys in ["H", "o", "b"] {
        let mut a = demo((40, 24));
        for c in keys.chars() {
            a.key(ratatui::crossterm::event::KeyEvent::new(
                ratatui::crossterm::event::KeyCode::Char(c),
                ratatui::crossterm::event::KeyModifiers::NONE,
            ));
        }
        let s = screen(&a);
        let last = s
            .last()
            .map(|l| l.trim_end().to_string())
            .unwrap_or_default();
        assert!(last.ends_with("? more"), "{keys}: {last:?}");
    }
}
