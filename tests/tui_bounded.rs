//! Per-key work does not grow with the length of a line: a 50 MB line costs what a
//! screenful of it shows, in the log lines view, the detail pane and the message list.

mod common;

use std::time::Instant;

use mailtriage::model::{self, LoadOptions};
use mailtriage::query::NetPrefix;
use mailtriage::tui::app::App;
use mailtriage::tui::keys::KeyMap;
use mailtriage::tui::render::render;
use mailtriage::tui::theme::Theme;
use mailtriage::tui::view::Pane;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// 50 MB in release (the case); less in debug builds, where loading it is slow.
const HUGE: usize = if cfg!(debug_assertions) {
    8 << 20
} else {
    50 << 20
};

/// The most characters of one value the app may prepare for a screen at most 1000 wide.
const BOUND: usize = 4 * 1024;

fn app_over(log: Vec<u8>, size: (u16, u16)) -> App {
    let opts = LoadOptions {
        threads: 1,
        ..LoadOptions::default()
    };
    let model = model::load::from_bytes("huge.log", log, &opts);
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        size,
    )
}

fn press(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn draw(app: &App) {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| render(f, app, Theme { color: true }))
        .expect("draw");
}

/// A line of `HUGE` bytes: `fill` repeated after `head`.
fn huge_line(head: &str, fill: &[u8]) -> Vec<u8> {
    let mut l = head.as_bytes().to_vec();
    while l.len() < HUGE {
        l.extend_from_slice(fill);
    }
    l.push(b'\n');
    l
}

fn log_with(lines: &[Vec<u8>]) -> Vec<u8> {
    lines.concat()
}

#[test]
fn a_50_mb_other_line_is_prepared_as_a_screenful() {
    let log = log_with(&[
        b"2011-01-01 00:00:00 daemon started\n".to_vec(),
        huge_line("2011-01-01 00:00:01 ", b"\x1b[2J\xff\xe2\x80\x8b junk "),
        b"2011-01-01 00:00:02 queue run\n".to_vec(),
    ]);
    let mut a = app_over(log, (200, 40));
    let start = Instant::now();
    a.key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::NONE));
    for _ in 0..3 {
        press(&mut a, KeyCode::Down);
        press(&mut a, KeyCode::Up);
    }
    draw(&a);
    let v = a.lines.as_ref().expect("the lines view is open");
    assert_eq!(v.rows.len(), 3);
    for r in &v.rows {
        assert!(r.text.chars().count() <= BOUND, "{}", r.text.len());
    }
    println!("open, six moves and a draw: {:?}", start.elapsed());
}

#[test]
fn a_50_mb_message_line_is_prepared_as_a_screenful() {
    let log = log_with(&[
        huge_line(
            "2011-01-01 00:00:00 1PZtCw-0002cm-Le <= a@b.example H=(x) [192.0.2.1]:25 P=esmtp S=10 T=\"",
            "caf\u{e9} \u{200b}\\033[2J ".as_bytes(),
        ),
        huge_line(
            "2011-01-01 00:00:01 1PZtCw-0002cm-Le => u@c.example R=r T=t H=mx [192.0.2.9]: ",
            b"x\xfe ",
        ),
        b"2011-01-01 00:00:02 1PZtCw-0002cm-Le Completed\n".to_vec(),
        huge_line(
            "2011-01-01 00:00:03 H=(y) [192.0.2.2]:25 rejected RCPT <a@b>: ",
            b"no ",
        ),
    ]);
    let mut a = app_over(log, (200, 60));
    let start = Instant::now();
    // The sender list, then its messages and the detail of the message.
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.focus, Pane::Detail);
    draw(&a);
    let d = a.detail.message.as_ref().expect("a message is shown");
    for (_, t) in &d.lines {
        assert!(t.chars().count() <= BOUND, "a raw line: {}", t.len());
    }
    for (k, v) in &d.fields {
        assert!(v.chars().count() <= BOUND, "{k}: {}", v.len());
    }
    for s in d.deliveries.iter().chain(&d.signatures) {
        assert!(s.chars().count() <= BOUND, "{}", s.len());
    }
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Esc);
    // The rejecting client: its rejected lines are listed in place of messages.
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Enter);
    draw(&a);
    println!(
        "drill, back, rejections and three draws: {:?}",
        start.elapsed()
    );
}
