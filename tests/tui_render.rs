//! Screens drawn with `TestBackend` and kept as insta snapshots, at 80x24 (one
//! pane at a time) and 120x40 (panes stacked), plus colour and sanitising checks.

mod common;

use mailtriage::query::NetPrefix;
use mailtriage::tui::app::App;
use mailtriage::tui::keys::KeyMap;
use mailtriage::tui::render::render;
use mailtriage::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

fn app(fixture: &str, w: u16, h: u16) -> App {
    let model = common::fixture_model(fixture);
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        (w, h),
    )
}

/// The bundled demo log (`assets/demo/mainlog`) at a screen size.
fn demo_app(w: u16, h: u16) -> App {
    let demo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog"));
    let model =
        mailtriage::model::load::from_bytes("demo", demo.expect("demo log"), &common::opts());
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        (w, h),
    )
}

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        app.key(KeyEvent::new(code, KeyModifiers::NONE));
    }
}

fn draw(app: &App, theme: Theme) -> Buffer {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| render(f, app, theme)).expect("draw");
    t.backend().buffer().clone()
}

fn text(b: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut line = String::new();
        for x in 0..b.area.width {
            line.push_str(b[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn screen(app: &App) -> String {
    text(&draw(app, Theme { color: false }))
}

macro_rules! snap {
    ($name:expr, $app:expr) => {
        insta::assert_snapshot!($name, screen(&$app));
    };
}

#[test]
fn seed_screens_at_80x24() {
    let mut a = app("seed-main.log", 80, 24);
    snap!("seed_80x24_senders", a);
    press(&mut a, "ff");
    snap!("seed_80x24_senders_ipv6", a);
    press(&mut a, "\n");
    snap!("seed_80x24_messages", a);
    press(&mut a, "\n");
    snap!("seed_80x24_detail", a);
    press(&mut a, "?");
    snap!("seed_80x24_help", a);
}

#[test]
fn seed_screens_at_120x40() {
    let mut a = app("seed-main.log", 120, 40);
    snap!("seed_120x40_senders", a);
    press(&mut a, "ff\n\n");
    snap!("seed_120x40_detail", a);
    press(&mut a, "?");
    snap!("seed_120x40_help", a);
}

#[test]
fn empty_result_says_which_key_clears_it() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = app("seed-main.log", w, h);
        // ipv6, then dkim=fail: the only IPv6 message passed.
        press(&mut a, "ffdd");
        let s = screen(&a);
        assert!(s.contains("family (f)") && s.contains("dkim (d)"), "{s}");
        assert!(s.contains("0/2 senders"), "{s}");
        snap!(format!("seed_{w}x{h}_empty"), a);
    }
}

#[test]
fn mixed_screens_with_hostile_lines() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = app("tui-mixed.log", w, h);
        snap!(format!("mixed_{w}x{h}_senders"), a);
        // 198.51.100.7 sends the hostile message; it is second by messages.
        press(&mut a, "j\n");
        snap!(format!("mixed_{w}x{h}_messages"), a);
        press(&mut a, "\n");
        snap!(format!("mixed_{w}x{h}_detail"), a);
    }
}

#[test]
fn hostile_bytes_are_drawn_visible_and_inert() {
    let mut a = app("tui-mixed.log", 200, 50);
    press(&mut a, "j\n\n");
    let b = draw(&a, Theme { color: true });
    let s = text(&b);
    assert!(
        s.contains(r"subject \x1b[31mYOU WON\x1b[0m \xff\xfe \x1b]0;pwned\x07"),
        "{s}"
    );
    assert!(s.contains(r"helo \xff\xfeevil"), "{s}");
    assert!(s.contains(r"H=(\xff\xfeevil)"), "{s}");
    for cell in b.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "control character reached the screen"
        );
    }
}

#[test]
fn no_color_uses_no_colour_and_color_only_the_basic_16() {
    let mut a = app("seed-main.log", 120, 40);
    press(&mut a, "ff\n\n");
    let plain = draw(&a, Theme { color: false });
    for c in plain.content() {
        assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "{c:?}");
    }
    let colored = draw(&a, Theme { color: true });
    let mut saw_dkim = false;
    for c in colored.content() {
        for col in [c.fg, c.bg] {
            assert!(
                !matches!(col, Color::Rgb(..) | Color::Indexed(_)),
                "only the 16 basic colours: {col:?}"
            );
        }
        saw_dkim |= c.fg == Color::Magenta;
    }
    assert!(saw_dkim, "the DKIM line is highlighted");
    // Same characters either way: colour is decoration only.
    assert_eq!(text(&plain), text(&colored));
}

#[test]
fn long_lines_are_cut_inside_their_pane() {
    let mut a = app("tui-mixed.log", 80, 24);
    press(&mut a, "j\n\n");
    let s = screen(&a);
    for line in s.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
    assert!(s.lines().count() == 24);
}

#[test]
fn a_sender_with_only_rejections_shows_its_rejected_lines() {
    let mut a = app("tui-mixed.log", 80, 24);
    press(&mut a, "G\n");
    let s = screen(&a);
    // It opens straight to its rejections: the reasons counted, then the rejection.
    assert!(s.contains("rejections"), "{s}");
    assert!(s.contains("1 rej \u{b7} relay \u{d7}1"), "{s}");
    assert!(s.contains("RCPT"), "{s}");
    assert!(s.contains("to bob@local.test"), "{s}");
    assert!(s.contains("relay not permitted"), "{s}");
    // Enter shows the line itself.
    press(&mut a, "\n");
    let s = screen(&a);
    assert!(s.contains("H=(bad.example) [203.0.113.9]:4000"), "{s}");
    assert!(s.contains("rejections › tui-mixed.log:12"), "{s}");
    // `R` asks for its messages instead: it has none, and the pane says what it tried.
    press(&mut a, "hR");
    assert!(screen(&a).contains("No accepted message"), "{}", screen(&a));
}

#[test]
fn tiny_and_odd_sizes_draw_without_panicking() {
    for (w, h) in [
        (1, 1),
        (10, 3),
        (20, 5),
        (40, 10),
        (99, 23),
        (100, 24),
        (150, 30),
        (300, 80),
    ] {
        let mut a = app("tui-mixed.log", w, h);
        // `b` opens the block preview over whatever is there; `w` grows it; Esc closes it.
        for keys in [
            "", "j\n", "\n", "?", "?", "\x1b\x1b", "ffdd", "ddb", "w", "\x1b",
        ] {
            press(&mut a, keys);
            if keys == "ddb" {
                assert!(a.block.overlay.is_some(), "the preview is open at {w}x{h}");
            }
            let _ = draw(&a, Theme { color: true });
        }
    }
}

#[test]
fn loading_screen_shows_progress_and_the_keys_that_work() {
    let mut a = App::new(
        KeyMap::defaults().expect("keys"),
        vec!["/var/log/exim4/mainlog".into()],
        NetPrefix::default(),
        mailtriage::parse::ParseContext::default(),
    );
    a.resize(80, 24);
    a.logs.progress(mailtriage::model::Progress {
        bytes_done: 512 << 20,
        bytes_total: 1 << 30,
        lines: 2_000_000,
    });
    let s = screen(&a);
    assert!(s.contains("mailtriage mainlog"), "{s}");
    assert!(s.contains("indexing") && s.contains(" 50%"), "{s}");
    assert!(s.contains("q quits, ? shows the keys."), "{s}");
}

/// The block preview with a collateral warning (192.0.2.20 shares the /24 and passed DKIM for
/// bank.example), and the marker once the entry is added. The blocklist is a throw-away file
/// under `target/`, named by a relative path so the screens do not depend on the checkout.
#[test]
fn block_preview_warns_about_collateral() {
    for (w, h) in [(80, 24), (120, 40)] {
        let dir = std::path::PathBuf::from(format!("target/tui-render-block-{w}x{h}"));
        assert!(
            std::path::Path::new("Cargo.toml").is_file(),
            "tests run in the package root"
        );
        let _ = std::fs::remove_dir_all(&dir);
        let list = dir.join("blocklist");
        let mut a = app("tui-block.log", w, h);
        a.open_blocklist(Some(list.clone()));
        press(&mut a, "bw");
        let s = screen(&a);
        assert!(s.contains("192.0.2.0/24"), "{s}");
        assert!(
            s.contains("! COLLATERAL 1 other sender in this network: 192.0.2.20"),
            "{s}"
        );
        assert!(
            s.contains("! COLLATERAL 1 message passed DKIM for 1 other domain: bank.example"),
            "{s}"
        );
        insta::assert_snapshot!(format!("block_{w}x{h}_preview"), s);
        press(&mut a, "\n");
        let s = screen(&a);
        assert!(
            s.contains("comment (optional; Enter adds, Esc cancels)"),
            "{s}"
        );
        press(&mut a, "spam run\n");
        let s = screen(&a);
        assert!(
            s.contains("B 192.0.2.10") && s.contains("B 192.0.2.20"),
            "{s}"
        );
        assert!(!s.contains("B 198.51.100.5"), "{s}");
        insta::assert_snapshot!(format!("block_{w}x{h}_marked"), s);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The block preview's candidates on the demo's planted sender, from the dkim-domain grouping
/// with the /64 current (`A`, search, `b`, `Tab Tab`), and the `u` question on a covered
/// sender. The blocklist is a throw-away file under `target/`, named by a relative path.
#[test]
fn block_candidates_and_the_u_question() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let dir = std::path::PathBuf::from(format!("target/tui-render-candidates-{w}x{h}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir under target/");
        let list = dir.join("blocklist");
        let mut a = demo_app(w, h);
        a.open_blocklist(Some(list.clone()));
        press(&mut a, "A/newsletter-bargains.example\nb");
        a.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        a.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        let s = screen(&a);
        assert!(
            s.contains("▶ network         2a05:d014:27bf:4d2a::/64"),
            "{s}"
        );
        assert!(s.contains("(busiest of 6 addresses)"), "{s}");
        assert!(
            s.contains("Tab kind · w/W prefix · Enter add · Esc cancel"),
            "{s}"
        );
        insta::assert_snapshot!(format!("block_{w}x{h}_candidates"), s);

        std::fs::write(&list, "141.209.105.0/24 # test\n").expect("write");
        let mut a = demo_app(w, h);
        a.open_blocklist(Some(list.clone()));
        press(&mut a, "u");
        let s = screen(&a);
        assert!(
            s.contains("remove 141.209.105.0/24 (covering 141.209.105.12) from"),
            "{s}"
        );
        insta::assert_snapshot!(format!("block_{w}x{h}_unblock_confirm"), s);
        press(&mut a, "n");
        assert_eq!(a.notice.as_deref(), Some("nothing removed"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The log lines view on a log with daemon, queue-run, warning, garbage and blank lines: the
/// lines no message or sender leads to, then (`o` again) every unrecognized line, hostile
/// bytes drawn visible.
#[test]
fn other_lines_view_lists_what_no_pane_reaches() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = app("tui-other.log", w, h);
        let s = screen(&a);
        assert!(s.contains("unrec 7"), "the header counts them: {s}");
        press(&mut a, "o");
        let s = screen(&a);
        assert!(
            s.contains("other lines 10 (unrecognized 6 here, 7 in all)"),
            "{s}"
        );
        assert!(s.contains("queue_run"), "{s}");
        assert!(s.contains(r"\x1b[2Jcleared \x1b]0;pwned"), "{s}");
        assert!(s.contains(r"\xff\xfe\x00binary junk \x9b2J"), "{s}");
        assert!(s.contains("10/10 lines  tui-other.log:1"), "{s}");
        snap!(format!("other_{w}x{h}_lines"), a);
        press(&mut a, "jo");
        let s = screen(&a);
        assert!(s.contains("unrecognized lines 7 (whole log)"), "{s}");
        assert!(s.contains("1sB0Aa-000001-AA this line"), "{s}");
        snap!(format!("other_{w}x{h}_unrecognized"), a);
        let b = draw(&a, Theme { color: true });
        for cell in b.content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control()),
                "control character reached the screen"
            );
        }
        for line in screen(&a).lines() {
            assert!(line.chars().count() <= w as usize, "{line}");
        }
    }
}

/// The count a sender-list cell stands for and its rounding step (`6k` is 6000..6999).
fn read_count(t: &str) -> Option<(u64, u64)> {
    let units = [('k', 1_000u64), ('M', 1_000_000), ('G', 1_000_000_000)];
    let (num, unit) = units
        .iter()
        .find_map(|&(c, u)| Some((t.strip_suffix(c)?, u)))
        .unwrap_or((t, 1));
    Some(match num.split_once('.') {
        Some((w, f)) => (
            w.parse::<u64>().ok()? * unit + f.parse::<u64>().ok()? * (unit / 10),
            unit / 10,
        ),
        None => (num.parse::<u64>().ok()? * unit, unit),
    })
}

#[test]
fn sender_counts_never_lose_a_digit_at_80_and_120_columns() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut n = 1u64;
        while n <= 10_000_000_000 {
            for n in [n - 1, n, n * 6 + n / 2 + 76] {
                let mut a = app("seed-main.log", w, h);
                let r = &mut a.senders.rows[0];
                (r.messages, r.arrivals, r.rejections) = (n, n, n);
                (r.dkim.pass, r.dkim.fail, r.dkim.invalid, r.dkim.none) = (n, n, n, n);
                r.messages_sig_bad = n;
                (r.recipients, r.clients) = (n, n);
                let s = screen(&a);
                let row = s
                    .lines()
                    .map(|l| l.trim_start_matches('│'))
                    .find(|l| l.starts_with("(none)"))
                    .unwrap_or_else(|| panic!("no row in\n{s}"));
                let cells: Vec<&str> = row.split_whitespace().collect();
                // key, family, msgs, bytes, [arr,] pass, fail, inv, none, [sigf, rcpt,] rej,
                // [first seen,] last seen
                let last = (8..cells.len())
                    .find(|&i| cells[i].len() == 5 && cells[i].contains('-'))
                    .unwrap_or_else(|| panic!("no last seen in {row}"));
                for i in [2].into_iter().chain(4..last) {
                    let (v, step) = read_count(cells[i])
                        .unwrap_or_else(|| panic!("{n} at {w}: cell {i} {:?} in {row}", cells[i]));
                    assert!(
                        v <= n && n - v < step,
                        "{n} at {w}: cell {i} reads {v}: {row}"
                    );
                }
            }
            n *= 10;
        }
    }
}

#[test]
fn sender_keys_are_whole_or_marked_as_cut_at_every_width() {
    for by in ["", "a"] {
        for (w, h) in [(80, 24), (120, 40), (200, 50)] {
            let mut a = demo_app(w, h);
            press(&mut a, by);
            let labels: Vec<String> = a
                .senders
                .rows
                .iter()
                .map(|r| a.label(r).to_string())
                .collect();
            let s = screen(&a);
            let mut seen = 0;
            for line in s.lines().map(|l| l.trim_start_matches('│')) {
                let Some(key) = line.split_whitespace().next() else {
                    continue;
                };
                if !(key.contains(':') || key.chars().filter(|&c| c == '.').count() == 3) {
                    continue;
                }
                seen += 1;
                assert!(
                    labels.iter().any(|l| l == key) || key.contains('…'),
                    "{w}x{h} by {by:?}: {key:?} is a cut without a mark"
                );
            }
            assert!(seen > 5, "{w}x{h}: no address rows in\n{s}");
        }
    }
}

#[test]
fn key_hints_are_whole_and_say_when_there_are_more() {
    for (w, h, end) in [(80, 24, "? more"), (120, 40, "? more"), (200, 50, "? help")] {
        let a = app("seed-main.log", w, h);
        let s = screen(&a);
        let last = s.lines().last().unwrap_or_default();
        assert!(last.ends_with(end), "{w}x{h}: {last:?}");
        assert!(
            last.starts_with("q quit  Enter open  Esc back  : jump  / search  H history  b block"),
            "{last}"
        );
    }
}

#[test]
fn only_the_focused_pane_shows_a_reversed_selection() {
    use ratatui::style::Modifier;
    let mut a = app("seed-main.log", 120, 40);
    press(&mut a, "\n");
    let b = draw(&a, Theme { color: false });
    let reversed_rows: Vec<u16> = (0..b.area.height)
        .filter(|&y| (0..b.area.width).any(|x| b[(x, y)].modifier.contains(Modifier::REVERSED)))
        .collect();
    // The message list has the focus: one reversed row, below the sender list.
    assert_eq!(reversed_rows.len(), 1, "{reversed_rows:?}\n{}", text(&b));
    let s = text(&b);
    let title = s
        .lines()
        .position(|l| l.starts_with("┌ ▶ messages of"))
        .unwrap_or_else(|| panic!("no marked messages title in\n{s}"));
    assert!(
        reversed_rows[0] as usize > title + 1,
        "{reversed_rows:?}\n{s}"
    );
}

#[test]
fn message_senders_and_recipients_are_whole_or_marked_as_cut() {
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let mut a = demo_app(w, h);
        press(&mut a, "\n");
        let m = a.logs.model.clone().expect("model");
        let senders: Vec<String> = a
            .messages
            .shown
            .iter()
            .filter_map(|&i| m.messages.get(i as usize))
            .map(|x| mailtriage::text::sanitize(m.str(x.sender)))
            .collect();
        let rcpts: Vec<String> = a.messages.recipients_of.values().cloned().collect();
        let s = screen(&a);
        let mut seen = 0;
        // The message list's part of each line (at 200 columns the detail sits beside).
        let parts = s
            .lines()
            .filter_map(|l| l.trim_start_matches('│').split('│').next());
        // Where the log has spam scores and the screen room, a `spam` cell ends each row.
        let spam = s
            .lines()
            .any(|l| l.contains("message id") && l.contains(" spam"));
        for line in parts {
            let mut cells: Vec<&str> = line.split_whitespace().collect();
            if spam {
                cells.pop();
            }
            // time (2), id, sender, recipients, size, dkim, outcome; rows of
            // messages without recipients have one cell less.
            let is_row = cells.len() >= 8
                && cells[0].len() == 5
                && cells[0].as_bytes()[2] == b'-'
                && cells[1].len() == 8
                && cells[1].as_bytes()[2] == b':';
            if !is_row {
                continue;
            }
            let (sender, rcpt) = (cells[3], cells[4]);
            seen += 1;
            assert!(
                sender.contains('…') || senders.iter().any(|x| x == sender) || sender == "<>",
                "{w}x{h}: sender {sender:?} cut without a mark: {line}"
            );
            assert!(
                rcpt.contains('…') || rcpts.iter().any(|x| x == rcpt),
                "{w}x{h}: recipients {rcpt:?} cut without a mark: {line}"
            );
        }
        assert!(seen >= 3, "{w}x{h}: no message rows in\n{s}");
    }
}

#[test]
fn a_notice_has_lines_of_its_own_and_the_selection_stays_on_screen() {
    use ratatui::style::Modifier;
    let mut a = demo_app(80, 24);
    // The last row of the first screenful, then a bad regex.
    for _ in 0..17 {
        press(&mut a, "j");
    }
    press(&mut a, "r(unclosed [group\n");
    let notice = a.notice.clone().expect("a bad regex says why");
    let b = draw(&a, Theme { color: false });
    let s = text(&b);
    let joined: String = s.lines().collect::<Vec<_>>().join("");
    let squeezed = |t: &str| t.split_whitespace().collect::<String>();
    assert!(
        squeezed(&joined).contains(&squeezed(&notice)),
        "the whole notice {notice:?} in\n{s}"
    );
    let reversed = (0..b.area.height)
        .filter(|&y| (0..b.area.width).any(|x| b[(x, y)].modifier.contains(Modifier::REVERSED)))
        .count();
    assert_eq!(reversed, 1, "the selected row is on screen:\n{s}");
    // The next key clears it and gives the rows back.
    press(&mut a, "k");
    assert!(a.notice.is_none());
}

/// Every pane and overlay at both sizes, zoomed and wrapped included, on the demo log.
#[test]
fn every_pane_and_overlay_at_80x24_and_120x40() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut a = demo_app(w, h);
        let name = |what: &str| format!("demo_{w}x{h}_{what}");
        snap!(name("senders"), a);
        press(&mut a, "z");
        snap!(name("senders_zoomed"), a);
        press(&mut a, "z\n");
        snap!(name("messages"), a);
        press(&mut a, "\n");
        snap!(name("detail"), a);
        press(&mut a, "Z");
        snap!(name("detail_wrapped"), a);
        press(&mut a, "Z>");
        snap!(name("detail_scrolled"), a);
        press(&mut a, "<z");
        snap!(name("detail_zoomed"), a);
        press(&mut a, "z/");
        snap!(name("prompt"), a);
        press(&mut a, "\x1b\x1b\x1bb");
        snap!(name("block_preview"), a);
        press(&mut a, "\x1b?");
        snap!(name("help"), a);
        press(&mut a, "?o");
        snap!(name("lines"), a);
        press(&mut a, "Z");
        snap!(name("lines_wrapped"), a);
    }
}

/// The jump prompt holding a pasted `Received:` fragment (its end shown, after a `…`),
/// the message it lands on, and that sender's history, at its start and its end.
#[test]
fn jump_prompt_and_history_at_80x24_and_120x40() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut a = demo_app(w, h);
        let name = |what: &str| format!("demo_{w}x{h}_{what}");
        press(&mut a, ":");
        assert!(a.paste(
            "by mx.example.org with esmtps id 1tXcNe-000000001E7-1L5d\r\n\tfor <webpage-contact@example.org>;"
        ));
        snap!(name("jump_prompt"), a);
        press(&mut a, "\x1b:2a05:d014:27bf:4d2a::/64\n");
        assert_eq!(a.notice, None);
        press(&mut a, "H");
        snap!(name("history"), a);
        press(&mut a, "G");
        snap!(name("history_end"), a);
        let s = screen(&a);
        assert!(
            s.contains("< 20") && s.contains("D 20"),
            "gutter marks in\n{s}"
        );
    }
}

/// The detail pane shows a message's arrival and DKIM lines as soon as it opens, for the
/// demo log's first messages (one with five deliveries among them).
#[test]
fn detail_opens_on_its_arrival_and_dkim_lines() {
    use mailtriage::parse::LineKind;
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut a = demo_app(w, h);
        press(&mut a, "\n\n");
        for _ in 0..8 {
            let d = a.detail.message.clone().expect("a message");
            let s = screen(&a);
            for (kind, line) in &d.lines {
                if matches!(
                    kind,
                    LineKind::Arrival
                        | LineKind::FakeReject
                        | LineKind::DkimSignature
                        | LineKind::DkimOther
                ) {
                    let start: String = line.chars().take(40).collect();
                    assert!(s.contains(&start), "{w}x{h} {}: {start}\n{s}", d.id);
                }
            }
            // The next message, from the message list.
            press(&mut a, "\x1bj\n");
        }
    }
}

/// The per-signature screens of the demo: the dkim-domain list (its own signatures,
/// `algn` in the cells `none` gave up at 80 columns, `algn` and `ips` at 120), and
/// the detail of a message with a passing and a failing signature.
#[test]
fn demo_signature_screens() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = demo_app(w, h);
        press(&mut a, "A");
        snap!(format!("demo_{w}x{h}_dkim_domain"), a);
    }
    // The recipient and auth groupings: who is targeted, which logins send and
    // are tried, with their ips / rcpt / first seen columns at 120.
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = demo_app(w, h);
        press(&mut a, "AA");
        assert_eq!(a.scope.by, mailtriage::query::AggKey::Auth);
        snap!(format!("demo_{w}x{h}_auth"), a);
        // A regroup keeps the selected label's place; `g`: the busiest recipients.
        press(&mut a, "Ag");
        assert_eq!(a.scope.by, mailtriage::query::AggKey::Recipient);
        snap!(format!("demo_{w}x{h}_recipient"), a);
    }
    let mut a = demo_app(120, 40);
    a.jump("1uB3VC-00000000Eo9-006w");
    press(&mut a, "\n");
    snap!("demo_120x40_two_signatures", a);
}

/// The top rejecter of the demo log (`S`: sorted by rejections) and `R`: its rejections
/// beside its messages, the reasons counted on the first row, each rejection with its
/// stage, whom it named and its reason; Enter shows one's line; `R` again gives the
/// messages back. At 80x24 and 120x40.
#[test]
fn the_top_rejecter_shows_its_reasons_at_80x24_and_120x40() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut a = demo_app(w, h);
        let name = |what: &str| format!("demo_{w}x{h}_{what}");
        press(&mut a, "S");
        assert_eq!(a.scope.sort, mailtriage::query::SortKey::Rejections);
        let top = a.selected_key().expect("a sender");
        press(&mut a, "R");
        assert_eq!(a.focus, mailtriage::tui::view::Pane::Messages);
        let s = screen(&a);
        assert!(
            s.contains("81 rej 6 authf 6 proto \u{b7} unknown_user \u{d7}27"),
            "{top}\n{s}"
        );
        for t in ["RCPT", "dnsbl", "relay not permitted", "to rwolf@examp"] {
            assert!(s.contains(t), "{t}\n{s}");
        }
        snap!(name("rejections"), a);
        press(&mut a, "jj\n");
        let s = screen(&a);
        assert!(s.contains("relay not permitted"), "{s}");
        assert!(s.contains("[2406:da18:e130:7:2fd0:37b1:1c8e:d4d7]"), "{s}");
        snap!(name("rejection_detail"), a);
        press(&mut a, "hR");
        assert!(screen(&a).contains("message id"), "{}", screen(&a));
    }
}

/// The message list's `spam` column: the sa-exim score where the log has scores and the
/// screen has room (not at 80 columns, whose senders and recipients need it), `-` for a
/// message not scanned; none at all on a log without a spam scanner.
#[test]
fn spam_scores_show_in_the_message_list_when_the_log_has_them() {
    let mut a = demo_app(120, 40);
    a.jump("1tXRvJ-000000001B3-1Zjd");
    let s = screen(&a);
    let head = s
        .lines()
        .find(|l| l.contains("message id"))
        .expect("titles");
    assert!(
        head.trim_end_matches('│').trim_end().ends_with("spam"),
        "{s}"
    );
    let row = s
        .lines()
        .find(|l| l.contains("1tXRvJ-000000001B3-1Zjd"))
        .expect("the message");
    assert!(
        row.trim_end_matches('│').trim_end().ends_with(" 3.9"),
        "{row}"
    );
    snap!("demo_120x40_spam", a);
    let mut a = demo_app(80, 24);
    a.jump("1tXRvJ-000000001B3-1Zjd");
    assert!(!screen(&a).contains(" spam"), "{}", screen(&a));
    let mut a = app("tui-mixed.log", 120, 40);
    press(&mut a, "\n");
    let s = screen(&a);
    assert!(s.contains("message id") && !s.contains(" spam"), "{s}");
}
