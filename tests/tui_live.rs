//! A followed log's refreshes in the TUI, rendered into `TestBackend` (issue 11):
//! the data grow in place with the selection, the scroll position and the filters
//! kept; what is new is marked until a key; pause holds the screen; the recent
//! columns show and sort.

use std::sync::Arc;

use mailtriage::model::LoadOptions;
use mailtriage::model::live::Live;
use mailtriage::query::{AggKey, NetPrefix, SortKey, Summary};
use mailtriage::tui::app::App;
use mailtriage::tui::feed::Refresh;
use mailtriage::tui::keys::{Action, KeyMap};
use mailtriage::tui::logs::Loaded;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod common;

fn demo_bytes() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mainlog");
    std::fs::read(path).expect("demo log")
}

/// The first `n` lines of the demo and the rest.
fn split_lines(n: usize) -> (Vec<u8>, Vec<u8>) {
    let all = demo_bytes();
    let at = all
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(n - 1)
        .map_or(all.len(), |(i, _)| i + 1);
    (all[..at].to_vec(), all[at..].to_vec())
}

/// An app following a live model that holds `first`; the model to append to.
fn following(first: Vec<u8>, size: (u16, u16)) -> (App, Live) {
    let mut live = Live::new(LoadOptions::default());
    live.append("mainlog", first, false).expect("append");
    let mut app = App::with_model(
        KeyMap::defaults().expect("keys"),
        live.snapshot(),
        NetPrefix::default(),
        size,
    );
    let _control = app.start_live("mainlog".into());
    (app, live)
}

/// Appends `more` and hands the app the refresh the feed thread would build.
fn grow(app: &mut App, live: &mut Live, more: Vec<u8>) -> bool {
    let sort = app.scope.sort;
    grow_sorted(app, live, more, sort)
}

/// As `grow`, the refresh's rows sorted in `sort` (the feed's last word of the
/// order on screen, which a key may have changed since).
fn grow_sorted(app: &mut App, live: &mut Live, more: Vec<u8>, sort: SortKey) -> bool {
    let before = live.model().messages.len() as u32;
    let a = live.append("mainlog", more, true).expect("append");
    let model = Arc::new(live.snapshot());
    app.refreshed(Refresh {
        loaded: Loaded::build_for(model, app.scope.by, app.scope.prefix).with_rows(sort),
        lines: a.lines.len() as u64,
        new_from: before,
    })
}

fn key(app: &mut App, a: Action) {
    app.act(a);
}

fn press(app: &mut App, c: char) {
    app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
}

/// `/` then `text` then Enter, as typed.
fn search(app: &mut App, text: &str) {
    press(app, '/');
    for c in text.chars() {
        press(app, c);
    }
    app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

/// Label and message count of every row, in order.
fn rows(app: &App) -> Vec<(String, u64)> {
    app.senders
        .shown
        .iter()
        .filter_map(|&i| app.senders.rows.get(i as usize))
        .map(|r| (app.label(r).to_string(), r.messages))
        .collect()
}

#[test]
fn a_refresh_equals_loading_everything_and_keeps_the_selection() {
    let (first, rest) = split_lines(3000);
    let (mut app, mut live) = following(first, (120, 40));
    // Somewhere down the list, one message into its sender.
    for _ in 0..5 {
        key(&mut app, Action::Down);
    }
    key(&mut app, Action::Drill);
    key(&mut app, Action::Down);
    let sender = app.selected_key().expect("a sender");
    let message = app.messages.selected().expect("a message");
    assert!(grow(&mut app, &mut live, rest));
    let whole = common::demo_app((120, 40));
    assert_eq!(
        rows(&app),
        rows(&whole),
        "the grown rows differ from a whole load"
    );
    let files = |a: &App| {
        a.logs
            .summary
            .clone()
            .map(|s| (s.files.len(), Summary { files: vec![], ..s }))
    };
    assert_eq!(files(&app), files(&whole));
    assert_eq!(app.selected_key().as_deref(), Some(sender.as_str()));
    assert_eq!(app.messages.selected(), Some(message));
    assert_eq!(app.focus, mailtriage::tui::view::Pane::Messages);
}

#[test]
fn filters_and_search_stay_across_a_refresh() {
    let (first, rest) = split_lines(4000);
    let (mut app, mut live) = following(first, (120, 40));
    key(&mut app, Action::Family); // ipv4
    search(&mut app, "141.");
    let before = rows(&app);
    assert!(!before.is_empty());
    grow(&mut app, &mut live, rest);
    let after = rows(&app);
    assert!(after.iter().all(|(k, _)| k.contains("141.")), "{after:?}");
    assert_eq!(
        app.scope.filter.family,
        Some(mailtriage::parse::Family::Ipv4)
    );
    let mut whole = common::demo_app((120, 40));
    key(&mut whole, Action::Family);
    search(&mut whole, "141.");
    assert_eq!(after, rows(&whole));
}

#[test]
fn new_senders_and_messages_are_marked_until_a_key() {
    let (first, rest) = split_lines(2000);
    let (mut app, mut live) = following(first, (120, 40));
    grow(&mut app, &mut live, rest[..40_000].to_vec());
    let s = common::screen(&app).join("\n");
    assert!(s.contains("│+ "), "no new sender marked:\n{s}");
    press(&mut app, 'j');
    let s = common::screen(&app).join("\n");
    assert!(!s.contains("│+ "), "marks stayed after a key:\n{s}");
}

#[test]
fn paused_holds_the_screen_and_resume_shows_what_waited() {
    let (first, rest) = split_lines(2000);
    let (mut app, mut live) = following(first, (80, 24));
    let before = common::screen(&app);
    press(&mut app, ' ');
    assert!(app.live.as_ref().is_some_and(|l| l.paused));
    grow(&mut app, &mut live, rest.clone());
    let held = common::screen(&app);
    // Only the header changed: `live` became `paused … new lines`.
    assert_eq!(before[2..], held[2..]);
    assert!(
        held[0].contains("paused 9596 new lines (Space resumes)"),
        "{}",
        held[0]
    );
    press(&mut app, ' ');
    let whole = common::demo_app((80, 24));
    assert_eq!(rows(&app), rows(&whole));
    assert!(common::screen(&app)[0].contains("live"));
}

#[test]
fn recent_columns_show_while_following_at_80_and_120_columns() {
    let (first, rest) = split_lines(2000);
    for (w, want) in [(80u16, vec!["5m"]), (120, vec!["5m", "1h"])] {
        let (mut app, mut live) = following(first.clone(), (w, 24));
        grow(&mut app, &mut live, rest.clone());
        let s = common::screen(&app);
        let head = s
            .iter()
            .find(|l| l.contains("fam") && l.contains("msgs"))
            .expect("column titles");
        for t in &want {
            assert!(
                head.contains(&format!(" {t} ")),
                "{w} cols: no {t} in {head}"
            );
        }
        // Every IPv4 address on screen whole (the key column kept its width).
        let text = s.join("\n");
        for &i in app.senders.shown.iter().take(4) {
            let label = app.label(&app.senders.rows[i as usize]);
            if !label.contains(':') && label.contains('.') {
                assert!(text.contains(label), "{w} cols: {label} cut:\n{text}");
            }
        }
    }
    // Read once: no recent columns.
    let app = common::demo_app((120, 40));
    let s = common::screen(&app);
    let head = s
        .iter()
        .find(|l| l.contains("fam") && l.contains("msgs"))
        .expect("titles");
    assert!(!head.contains(" 5m "), "{head}");
}

#[test]
fn sort_by_recent_puts_who_sends_now_first() {
    let (first, rest) = split_lines(2000);
    let (mut app, mut live) = following(first, (120, 40));
    grow(&mut app, &mut live, rest);
    while app.scope.sort != SortKey::Recent {
        key(&mut app, Action::Sort);
    }
    let r: Vec<(u64, u64)> = app
        .senders
        .shown
        .iter()
        .filter_map(|&i| app.senders.rows.get(i as usize))
        .map(|r| (r.recent_5m, r.recent_1h))
        .collect();
    assert!(r.windows(2).all(|w| w[0] >= w[1]), "{r:?}");
    assert_eq!(r.first(), r.iter().max());
    assert_eq!(app.scope.by, AggKey::Ip);
}

#[test]
fn an_open_history_grows_in_place_and_keeps_its_line() {
    let (first, rest) = split_lines(2000);
    let (mut app, mut live) = following(first, (120, 40));
    key(&mut app, Action::History);
    for _ in 0..3 {
        key(&mut app, Action::Down);
    }
    let h = app.history.as_ref().expect("history open");
    let (label, lines, place) = (h.label.clone(), h.lines, h.place.clone());
    assert!(place.is_some(), "a line is selected");
    assert!(grow(&mut app, &mut live, rest));
    let h = app.history.as_ref().expect("still open");
    assert_eq!(h.label, label);
    assert_eq!(h.place, place, "the selected line stays selected");
    // What reopening it on the grown log shows.
    let grown = h.lines;
    app.history = None;
    key(&mut app, Action::History);
    let reopened = app.history.as_ref().expect("history open");
    assert_eq!(reopened.label, label, "the same sender is selected");
    assert_eq!(grown, reopened.lines);
    assert!(
        grown > lines,
        "{label}: {lines} lines before, {grown} after"
    );
}

#[test]
fn an_open_lines_view_grows_in_place_and_keeps_its_line() {
    let (first, _) = split_lines(2000);
    let (mut app, mut live) = following(first, (80, 24));
    key(&mut app, Action::OtherLines);
    key(&mut app, Action::Down);
    let v = app.lines.as_ref().expect("lines open");
    let (total, place) = (v.total(), v.place.clone());
    let junk: Vec<u8> = (0..5)
        .flat_map(|i| format!("not a log line {i}\n").into_bytes())
        .collect();
    assert!(grow(&mut app, &mut live, junk));
    let v = app.lines.as_ref().expect("still open");
    assert_eq!(v.total(), total + 5, "the appended lines are listed");
    assert_eq!(v.place, place, "the selected line stays selected");
}

#[test]
fn a_refresh_sorted_before_a_sort_key_shows_in_the_new_order() {
    let (first, rest) = split_lines(3000);
    let (mut app, mut live) = following(first, (120, 40));
    let built_in = app.scope.sort;
    key(&mut app, Action::Sort);
    assert_ne!(app.scope.sort, built_in);
    assert!(grow_sorted(&mut app, &mut live, rest, built_in));
    let mut whole = common::demo_app((120, 40));
    while whole.scope.sort != app.scope.sort {
        key(&mut whole, Action::Sort);
    }
    assert_eq!(rows(&app), rows(&whole), "rows in the order on screen");
}
