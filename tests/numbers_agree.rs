//! One definition per number (issue 9, item 1): the header, `summary`, a sender row and
//! that sender's pane count the same things under the same names, on the demo log, the
//! fixtures and every real-world sample. The definitions are in README's *What the
//! numbers mean*.

mod common;

use std::sync::Arc;

use mailtriage::model::{Model, flags};
use mailtriage::parse::{LineKind, ParseContext};
use mailtriage::query::{self, AggKey, Filter, Grouping, NetPrefix, SortKey};
use mailtriage::tui::app::App;
use mailtriage::tui::index::{GroupIndex, aggregate};
use mailtriage::tui::keys::KeyMap;

fn models() -> Vec<(String, Model)> {
    let mut out = vec![
        ("demo".to_string(), common::demo_model()),
        ("seed".to_string(), common::fixture_model("seed-main.log")),
        ("mixed".to_string(), common::fixture_model("tui-mixed.log")),
    ];
    if let Some(s) = common::samples() {
        let mut files: Vec<_> = std::fs::read_dir(s.join("realworld"))
            .expect("realworld")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_none_or(|x| x != "md"))
            .collect();
        files.sort();
        for f in files {
            let name = f
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            out.push((name, common::load(&[f])));
        }
    }
    out
}

#[test]
fn the_summary_parts_add_up_and_equal_the_rows() {
    for (name, m) in models() {
        let s = query::summary(&m);
        assert_eq!(
            s.messages,
            s.arrivals + s.rejected_after_data + s.without_arrival,
            "{name}: messages = arrivals + rejected after DATA + without arrival"
        );
        let fam = &s.family;
        assert_eq!(
            fam.ipv4 + fam.ipv6 + fam.unknown,
            s.arrivals,
            "{name}: family"
        );
        let d = &s.dkim;
        assert_eq!(
            d.pass + d.fail + d.invalid + d.none,
            s.arrivals,
            "{name}: dkim"
        );
        assert!(s.arrival_lines >= s.arrivals, "{name}: arrival lines");
        assert_eq!(
            s.arrival_lines,
            m.kind_count(LineKind::Arrival) + m.kind_count(LineKind::FakeReject),
            "{name}: arrival lines are `<=` lines"
        );
        // Under `ip` every message is in exactly one row: the rows add up to the summary.
        let g = Grouping::new(&m, AggKey::Ip, NetPrefix::default());
        let rows = query::group(&m, &g, &Filter::default(), false);
        let sum = |f: fn(&query::SenderRow) -> u64| rows.iter().map(f).sum::<u64>();
        assert_eq!(sum(|r| r.messages), s.messages, "{name}: row messages");
        assert_eq!(sum(|r| r.arrivals), s.arrivals, "{name}: row arrivals");
        assert_eq!(
            sum(|r| r.rejections),
            s.rejections,
            "{name}: row rejections"
        );
        let rad = m
            .messages
            .iter()
            .filter(|x| x.has(flags::REJECTED) && !x.has(flags::ARRIVED))
            .count() as u64;
        assert_eq!(rad, s.rejected_after_data, "{name}: rejected after DATA");
    }
}

#[test]
fn a_sender_row_counts_the_messages_its_pane_lists() {
    for (name, m) in models() {
        let prefix = NetPrefix::default();
        for by in AggKey::ALL {
            let g = Arc::new(Grouping::new(&m, by, prefix));
            let ix = GroupIndex::new(&m, g.clone(), prefix);
            let f = Filter::default();
            let cli = query::group(&m, &g, &f, false);
            let tui = aggregate(&m, &ix, &f);
            assert_eq!(cli.len(), tui.len(), "{name} {by:?}");
            for (c, t) in cli.iter().zip(&tui) {
                let pane = query::messages_of(&m, &g, c.group, &f).len() as u64;
                assert_eq!(c.messages, pane, "{name} {by:?} {}: row vs pane", c.key);
                let tui_pane = ix.messages_of(&m, t.group, &f).len() as u64;
                assert_eq!(
                    t.messages, tui_pane,
                    "{name} {by:?} {}: TUI row vs pane",
                    c.key
                );
                assert_eq!(
                    (c.messages, c.arrivals),
                    (t.messages, t.arrivals),
                    "{name} {by:?} {}",
                    c.key
                );
                let d = c.dkim;
                assert_eq!(
                    d.pass + d.fail + d.invalid + d.none,
                    c.arrivals,
                    "{name} {by:?}"
                );
            }
        }
    }
}

use common::screen;

/// The whitespace-separated word of `row` that ends at character column `end`.
fn word_ending_at(row: &str, end: usize) -> String {
    let chars: Vec<char> = row.chars().collect();
    let mut start = end.min(chars.len());
    while start > 0 && !chars[start - 1].is_whitespace() {
        start -= 1;
    }
    chars[start..end.min(chars.len())].iter().collect()
}

#[test]
fn the_screen_shows_the_cli_numbers_for_the_same_view() {
    let m = common::demo_model();
    let s = query::summary(&m);
    let g = Grouping::new(&m, AggKey::Ip, NetPrefix::default());
    let mut rows = query::group(&m, &g, &Filter::default(), false);
    query::sort_rows(&mut rows, SortKey::Messages);
    let mut app = common::demo_app((200, 50));
    let sc = screen(&app);
    let header = format!("{} {}", sc[0], sc[1]);
    for want in [
        format!("{} msgs", s.messages),
        format!("{} arr", s.arrivals),
        format!("rej {}", s.rejections),
        format!("pass {}", s.dkim.pass),
        format!("v4 {}", s.family.ipv4),
        format!("v6 {}", s.family.ipv6),
    ] {
        assert!(header.contains(&want), "header {header:?} lacks {want:?}");
    }
    let (hy, head) = sc
        .iter()
        .enumerate()
        .find(|(_, l)| l.starts_with("│ip ") && l.contains(" msgs ") && l.contains(" arr "))
        .expect("a sender table heading with msgs and arr");
    let col = |name: &str| {
        let at = head.find(&format!(" {name} ")).expect(name);
        head.get(..at + 1 + name.len())
            .expect("a char boundary")
            .chars()
            .count()
    };
    let (msgs, arr, rej) = (col("msgs"), col("arr"), col("rej"));
    for (r, line) in rows.iter().zip(&sc[hy + 1..hy + 8]) {
        assert!(line.contains(&r.key), "{line:?} is not {}", r.key);
        assert_eq!(word_ending_at(line, msgs), r.messages.to_string(), "{line}");
        assert_eq!(word_ending_at(line, arr), r.arrivals.to_string(), "{line}");
        assert_eq!(
            word_ending_at(line, rej),
            r.rejections.to_string(),
            "{line}"
        );
    }
    // The pane of the first row lists as many messages as its row says.
    app.act(mailtriage::tui::keys::Action::Drill);
    let sc = screen(&app);
    let status = sc.iter().find(|l| l.starts_with("by=")).expect("status");
    let want = format!("{n}/{n} messages", n = rows[0].messages);
    assert!(status.contains(&want), "{status:?} lacks {want:?}");
}

#[test]
fn a_rejection_is_not_a_delivery() {
    let m = common::demo_model();
    let i = m
        .messages
        .iter()
        .position(|x| x.id.to_string() == "1uYM99-00000000Mbp-19Ys")
        .expect("the demo's message rejected after DATA") as u32;
    let d = mailtriage::tui::data::detail(&m, i, &ParseContext::default()).expect("detail");
    assert!(d.deliveries.is_empty(), "{:?}", d.deliveries);
    assert_eq!(d.rejections.len(), 1, "{:?}", d.rejections);
}

#[test]
fn the_header_and_the_other_lines_view_agree_on_unrecognized_lines() {
    // Three unrecognized lines: one with a message id, two without.
    let log =
        b"2025-01-01 00:00:01 1tAbCd-00000000001-ABCD <= a@x.test H=(x) [192.0.2.1] P=esmtp S=10\n\
2025-01-01 00:00:02 1tAbCd-00000000001-ABCD what is this line\n\
2025-01-01 00:00:03 gibberish one\n\
2025-01-01 00:00:04 gibberish two\n"
            .to_vec();
    let opts = mailtriage::model::LoadOptions {
        threads: 1,
        ..Default::default()
    };
    let model = mailtriage::model::load::from_bytes("unrec", log, &opts);
    let unrec = query::summary(&model).unrecognized_lines;
    assert_eq!(unrec, 3);
    let mut app = App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        (120, 30),
    );
    let sc = screen(&app);
    assert!(
        sc[0].contains("unrec 3") || sc[1].contains("unrec 3"),
        "{sc:?}"
    );
    app.act(mailtriage::tui::keys::Action::OtherLines);
    let sc = screen(&app);
    let title = sc
        .iter()
        .find(|l| l.contains("other lines"))
        .expect("title");
    assert!(title.contains("3 in all"), "{title:?}");
}
