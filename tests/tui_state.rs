//! What each key action does to the app state, without a screen.

mod common;

use mailtriage::parse::{DkimStatus, Family, ParseContext};
use mailtriage::query::{AggKey, NetPrefix, SortKey};
use mailtriage::tui::app::App;
use mailtriage::tui::components::prompt::PromptKind;
use mailtriage::tui::keys::{Action, KeyMap};
use mailtriage::tui::status;
use mailtriage::tui::view::Pane;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

fn app(fixture: &str) -> App {
    let model = common::fixture_model(fixture);
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        (80, 24),
    )
}

fn key(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn ctrl(app: &mut App, c: char) {
    app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn typ(app: &mut App, s: &str) {
    for c in s.chars() {
        match c {
            '\n' => key(app, KeyCode::Enter),
            c => key(app, KeyCode::Char(c)),
        }
    }
}

fn selected_key(app: &App) -> String {
    app.selected_key().unwrap_or_default()
}

fn keys_shown(app: &App) -> Vec<String> {
    app.senders.shown_keys()
}

#[test]
fn status_line_names_the_view_in_plain_text() {
    let mut a = app("seed-main.log");
    assert_eq!(
        status::view_text(&a),
        "by=ip family=all dkim=any sort=messages"
    );
    assert_eq!(status::count_text(&a), "2/2 senders");
    typ(&mut a, "ffd");
    assert_eq!(
        status::view_text(&a),
        "by=ip family=ipv6 dkim=pass sort=messages"
    );
    assert_eq!(status::count_text(&a), "1/2 senders");
}

#[test]
fn movement_keys_move_and_stop_at_the_ends() {
    let mut a = app("tui-mixed.log");
    assert_eq!(a.senders.list.selected, 0);
    typ(&mut a, "j");
    assert_eq!(a.senders.list.selected, 1);
    key(&mut a, KeyCode::Down);
    assert_eq!(a.senders.list.selected, 2);
    typ(&mut a, "k");
    key(&mut a, KeyCode::Up);
    key(&mut a, KeyCode::Up);
    assert_eq!(a.senders.list.selected, 0);
    typ(&mut a, "G");
    assert_eq!(a.senders.list.selected, 4);
    typ(&mut a, "j");
    assert_eq!(a.senders.list.selected, 4);
    typ(&mut a, "g");
    assert_eq!(a.senders.list.selected, 0);
    key(&mut a, KeyCode::End);
    assert_eq!(a.senders.list.selected, 4);
    key(&mut a, KeyCode::Home);
    assert_eq!(a.senders.list.selected, 0);
    key(&mut a, KeyCode::PageDown);
    assert_eq!(a.senders.list.selected, 4);
    key(&mut a, KeyCode::PageUp);
    assert_eq!(a.senders.list.selected, 0);
    ctrl(&mut a, 'd');
    assert_eq!(a.senders.list.selected, 4);
    ctrl(&mut a, 'u');
    assert_eq!(a.senders.list.selected, 0);
}

#[test]
fn scrolling_keeps_the_selection_on_screen() {
    let mut a = app("tui-mixed.log");
    a.resize(80, 8);
    let h = a.list_height(Pane::Senders);
    assert!(h < 5, "{h}");
    typ(&mut a, "G");
    assert!(a.senders.list.offset + h > a.senders.list.selected);
    assert!(a.senders.list.offset <= a.senders.list.selected);
}

#[test]
fn drill_and_back_walk_the_panes() {
    let mut a = app("seed-main.log");
    typ(&mut a, "ff");
    assert_eq!(selected_key(&a), "2a01:238:20a:202:53f0::1");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.focus, Pane::Messages);
    assert_eq!(a.messages.shown.len(), 1);
    typ(&mut a, "l");
    assert_eq!(a.focus, Pane::Detail);
    let d = a.detail.message.clone().expect("detail");
    assert_eq!(d.id, "1QFOdo-0001zq-E9");
    assert!(d.lines.iter().any(|(_, l)| l.contains("DKIM: s=domk")));
    key(&mut a, KeyCode::Right);
    assert_eq!(a.focus, Pane::Detail);
    typ(&mut a, "h");
    assert_eq!(a.focus, Pane::Messages);
    key(&mut a, KeyCode::Left);
    assert_eq!(a.focus, Pane::Senders);
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.focus, Pane::Senders);
}

#[test]
fn tab_cycles_panes_both_ways() {
    let mut a = app("seed-main.log");
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.focus, Pane::Messages);
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.focus, Pane::Detail);
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.focus, Pane::Senders);
    a.key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(a.focus, Pane::Detail);
}

#[test]
fn detail_pane_scrolls_with_movement_keys() {
    let mut a = app("tui-mixed.log");
    a.resize(80, 10);
    typ(&mut a, "\n");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.focus, Pane::Detail);
    typ(&mut a, "jj");
    assert_eq!(a.detail.scroll, 2);
    typ(&mut a, "g");
    assert_eq!(a.detail.scroll, 0);
}

#[test]
fn family_filter_cycles_all_ipv4_ipv6() {
    let mut a = app("tui-mixed.log");
    assert_eq!(a.scope.filter.family, None);
    typ(&mut a, "f");
    assert_eq!(a.scope.filter.family, Some(Family::Ipv4));
    assert_eq!(
        keys_shown(&a),
        ["192.0.2.10", "198.51.100.7", "203.0.113.9"]
    );
    typ(&mut a, "f");
    assert_eq!(a.scope.filter.family, Some(Family::Ipv6));
    assert_eq!(keys_shown(&a), ["2001:db8:1::7", "2001:db8::25"]);
    typ(&mut a, "f");
    assert_eq!(a.scope.filter.family, None);
    assert_eq!(a.senders.shown.len(), 5);
}

#[test]
fn dkim_filter_cycles_any_pass_fail_invalid_none() {
    let mut a = app("tui-mixed.log");
    let mut seen = Vec::new();
    for _ in 0..5 {
        typ(&mut a, "d");
        seen.push(a.scope.filter.dkim);
    }
    assert_eq!(
        seen,
        [
            Some(DkimStatus::Pass),
            Some(DkimStatus::Fail),
            Some(DkimStatus::Invalid),
            Some(DkimStatus::None),
            None
        ]
    );
    typ(&mut a, "dd");
    assert_eq!(keys_shown(&a), ["2001:db8::25"]);
}

#[test]
fn group_by_cycles_every_key() {
    let mut a = app("tui-mixed.log");
    let mut seen = vec![a.scope.by];
    for _ in 0..AggKey::ALL.len() {
        typ(&mut a, "a");
        seen.push(a.scope.by);
    }
    assert_eq!(
        seen,
        [
            AggKey::Ip,
            AggKey::Net,
            AggKey::Host,
            AggKey::Sender,
            AggKey::Domain,
            AggKey::Recipient,
            AggKey::Auth,
            AggKey::DkimDomain,
            AggKey::Ip
        ]
    );
    typ(&mut a, "aaaa");
    assert_eq!(a.scope.by, AggKey::Domain);
    assert!(keys_shown(&a).contains(&"example.org".to_string()));
    assert!(status::view_text(&a).starts_with("by=domain "));
}

#[test]
fn sort_cycles_both_ways_and_moves_to_the_top() {
    let mut a = app("tui-mixed.log");
    let mut seen = Vec::new();
    for _ in 0..5 {
        typ(&mut a, "jjj");
        typ(&mut a, "s");
        seen.push(a.scope.sort);
        // A new order is read from its top.
        assert_eq!(a.senders.list.selected, 0);
        assert_eq!(selected_key(&a), keys_shown(&a)[0]);
    }
    assert_eq!(
        seen,
        [
            SortKey::Bytes,
            SortKey::Last,
            SortKey::DkimFail,
            SortKey::Rejections,
            SortKey::Messages
        ]
    );
    typ(&mut a, "s");
    assert_eq!(keys_shown(&a)[0], "2001:db8:1::7");
    typ(&mut a, "ss");
    assert_eq!(keys_shown(&a)[0], "2001:db8::25");
    // Shifted, the other way round: back from DKIM failures to last seen.
    typ(&mut a, "S");
    assert_eq!(a.scope.sort, SortKey::Last);
}

#[test]
fn family_dkim_and_grouping_cycle_back_with_shift() {
    let mut a = app("tui-mixed.log");
    typ(&mut a, "F");
    assert_eq!(a.scope.filter.family, Some(Family::Ipv6));
    typ(&mut a, "F");
    assert_eq!(a.scope.filter.family, Some(Family::Ipv4));
    typ(&mut a, "D");
    assert_eq!(a.scope.filter.dkim, Some(DkimStatus::None));
    typ(&mut a, "Dd");
    assert_eq!(a.scope.filter.dkim, Some(DkimStatus::None));
    typ(&mut a, "A");
    assert_eq!(a.scope.by, AggKey::DkimDomain);
    typ(&mut a, "Aa");
    assert_eq!(a.scope.by, AggKey::DkimDomain);
}

#[test]
fn search_narrows_live_enter_keeps_esc_clears() {
    let mut a = app("tui-mixed.log");
    typ(&mut a, "/");
    assert_eq!(a.prompt.as_ref().map(|p| p.kind), Some(PromptKind::Search));
    typ(&mut a, "db8");
    assert_eq!(keys_shown(&a), ["2001:db8:1::7", "2001:db8::25"]);
    typ(&mut a, ":1");
    assert_eq!(keys_shown(&a), ["2001:db8:1::7"]);
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    assert_eq!(a.senders.shown.len(), 2);
    key(&mut a, KeyCode::Enter);
    assert!(a.prompt.is_none());
    assert_eq!(a.senders.search, "db8");
    assert!(status::view_text(&a).contains("search=db8"));
    // While the prompt is closed, keys act again.
    typ(&mut a, "j");
    assert_eq!(a.senders.list.selected, 1);
    typ(&mut a, "/");
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.senders.search, "");
    assert_eq!(a.senders.shown.len(), 5);
}

#[test]
fn search_in_the_message_list() {
    let mut a = app("tui-mixed.log");
    typ(&mut a, "\n/");
    assert_eq!(a.focus, Pane::Messages);
    assert_eq!(a.messages.shown.len(), 2);
    typ(&mut a, "000004");
    assert_eq!(a.messages.shown.len(), 1);
    typ(&mut a, "zzz");
    assert!(a.messages.shown.is_empty());
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.messages.shown.len(), 2);
    assert_eq!(a.senders.search, "", "the sender list is untouched");
}

#[test]
fn regex_keeps_senders_with_a_matching_line_exigrep_style() {
    let mut a = app("tui-mixed.log");
    typ(&mut a, "r");
    typ(&mut a, "mailbox is full");
    key(&mut a, KeyCode::Enter);
    // The match is on a deferral line; the whole message (and its sender) stays.
    assert_eq!(keys_shown(&a), ["2001:db8::25"]);
    assert!(status::view_text(&a).ends_with("regex=mailbox is full"));
    typ(&mut a, "r");
    key(&mut a, KeyCode::Char('u'));
    a.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.scope.regex, None);
    assert_eq!(a.senders.shown.len(), 5);
    typ(&mut a, "r(");
    key(&mut a, KeyCode::Enter);
    assert!(a.notice.as_deref().unwrap_or("").starts_with("regex error"));
    assert_eq!(a.scope.regex, None);
}

#[test]
fn time_range_filters_and_clears() {
    let mut a = app("tui-mixed.log");
    typ(&mut a, "t2024-03-01 12:00..2024-03-01 13:30\n");
    assert_eq!(
        keys_shown(&a),
        ["192.0.2.10", "198.51.100.7", "203.0.113.9"]
    );
    assert!(status::view_text(&a).contains("time=2024-03-01 12:00..2024-03-01 13:30"));
    // The prompt opens empty (the range in force is in its label, not its text).
    typ(&mut a, "t");
    assert_eq!(a.prompt.as_ref().map(|p| p.text.as_str()), Some(""));
    let footer = screen_text(&a);
    assert!(
        footer.contains("time (now 2024-03-01 12:00..2024-03-01 13:30;"),
        "{footer}"
    );
    // Relative to the log's last line (14:00:01).
    typ(&mut a, "last 1h\n");
    assert_eq!(keys_shown(&a), ["192.0.2.10", "2001:db8:1::7"]);
    typ(&mut a, "t");
    a.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    typ(&mut a, "today\n");
    assert_eq!(a.senders.shown.len(), 5);
    typ(&mut a, "t");
    a.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    typ(&mut a, "2023-01-01..2023-02-01\n");
    assert!(a.senders.shown.is_empty());
    let why = status::empty_reason(&a).expect("empty");
    assert!(why.contains("time (t"), "{why}");
    typ(&mut a, "t");
    a.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.scope.time_text, None);
    typ(&mut a, "tnonsense\n");
    assert!(a.notice.is_some());
}

#[test]
fn help_opens_and_any_key_closes_it() {
    let mut a = app("seed-main.log");
    typ(&mut a, "?");
    assert!(a.help.open);
    // The moving keys scroll help (where it is longer than the screen); others close it.
    typ(&mut a, "l");
    assert!(!a.help.open);
    assert_eq!(a.focus, Pane::Senders, "the closing key does nothing else");
    assert_eq!(
        a.senders.list.selected, 0,
        "the closing key does nothing else"
    );
    typ(&mut a, "?q");
    assert!(a.quit);
}

#[test]
fn q_and_ctrl_c_quit_even_in_a_prompt() {
    let mut a = app("seed-main.log");
    typ(&mut a, "q");
    assert!(a.quit);
    let mut a = app("seed-main.log");
    typ(&mut a, "/q");
    assert!(!a.quit, "q is text inside a prompt");
    ctrl(&mut a, 'c');
    assert!(a.quit);
}

#[test]
fn while_loading_only_quit_and_help_answer() {
    let keys = KeyMap::defaults().expect("keys");
    let mut a = App::new(
        keys,
        vec!["x.log".into()],
        NetPrefix::default(),
        ParseContext::default(),
    );
    assert!(a.logs.is_loading());
    typ(&mut a, "f");
    assert_eq!(a.scope.filter.family, None);
    assert!(a.notice.is_some());
    typ(&mut a, "?");
    assert!(a.help.open);
    typ(&mut a, "?");
    typ(&mut a, "q");
    assert!(a.quit);
}

#[test]
fn key_releases_are_ignored() {
    let mut a = app("tui-mixed.log");
    let mut e = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    e.kind = KeyEventKind::Release;
    assert!(!a.key(e));
    assert_eq!(a.senders.list.selected, 0);
}

#[test]
fn every_action_has_a_default_key_and_appears_in_help() {
    let k = KeyMap::defaults().expect("keys");
    for act in Action::ALL {
        assert!(!k.keys(act).is_empty(), "{act:?}");
    }
    assert_eq!(k.joined(Action::Down), "j/↓");
    assert_eq!(k.joined(Action::PageDown), "PgDn/Ctrl-d");
}

#[test]
fn help_closes_on_an_unbound_key_too() {
    let mut a = app("seed-main.log");
    typ(&mut a, "?");
    assert!(a.key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)));
    assert!(!a.help.open);
    assert!(!a.quit);
}

#[test]
fn search_in_the_detail_pane_explains_itself() {
    let mut a = app("seed-main.log");
    typ(&mut a, "\n\n/");
    assert_eq!(a.focus, Pane::Detail);
    assert!(a.prompt.is_none());
    assert!(a.notice.is_some());
}

#[test]
fn rejection_only_sender_has_activity() {
    let mut a = app("tui-mixed.log");
    typ(&mut a, "G");
    assert_eq!(selected_key(&a), "203.0.113.9");
    let r = a.senders.selected_row().expect("row").clone();
    let spark = a
        .senders
        .spark(r.group)
        .expect("visible rows have a sparkline");
    assert_eq!(spark.iter().sum::<u32>(), 1);
}

#[test]
fn regrouping_follows_the_selected_sender_into_its_new_group() {
    let mut a = app("tui-mixed.log");
    typ(&mut a, "jjj");
    let addr: std::net::IpAddr = selected_key(&a).parse().expect("an address row");
    typ(&mut a, "a");
    assert_eq!(
        status::view_text(&a),
        "by=net family=all dkim=any sort=messages"
    );
    let net = mailtriage::query::senders::network(addr, NetPrefix::default());
    assert_eq!(selected_key(&a), net.to_string());
}

#[test]
fn back_drops_a_kept_message_search_before_leaving_the_pane() {
    let mut a = app("tui-mixed.log");
    typ(&mut a, "\n/000004\n");
    assert_eq!(a.messages.shown.len(), 1);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.focus, Pane::Messages);
    assert_eq!(a.messages.shown.len(), 2);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.focus, Pane::Senders);
}

/// Lines of `tui-other.log` (0-based) that belong to no message and no sender: daemon
/// start, two queue-run lines, a warning, site logwrite text, an escape-sequence line,
/// binary garbage, a blank line, a cut-off line and `daemon stopped`.
const OTHER: [u32; 10] = [0, 1, 2, 8, 9, 10, 11, 12, 13, 17];
/// Every unrecognized line, including one with a message id (line 5).
const UNRECOGNIZED: [u32; 7] = [5, 9, 10, 11, 12, 13, 17];

fn listed(a: &App) -> Vec<u32> {
    a.lines
        .as_ref()
        .map(|v| v.list().to_vec())
        .unwrap_or_default()
}

#[test]
fn o_opens_the_lines_no_pane_reaches_and_esc_goes_back() {
    let mut a = app("tui-other.log");
    typ(&mut a, "j\n");
    assert_eq!(a.focus, Pane::Messages);
    typ(&mut a, "o");
    assert_eq!(listed(&a), OTHER);
    assert_eq!(a.logs.other_unrecognized(), Some(6));
    assert_eq!(status::view_text(&a), "lines=other");
    assert_eq!(status::count_text(&a), "10/10 lines  tui-other.log:1");
    let v = a.lines.as_ref().expect("open");
    assert_eq!(v.rows.len(), 10, "all fit at 80x24");
    assert_eq!(v.rows[0].kind.name(), "daemon");
    assert_eq!(v.rows[6].time, None, "garbage has no time");
    key(&mut a, KeyCode::Esc);
    assert!(a.lines.is_none());
    assert_eq!(a.focus, Pane::Messages, "back where it was opened");
    typ(&mut a, "oh");
    assert!(a.lines.is_none(), "h goes back too");
}

#[test]
fn every_line_is_reachable_from_a_message_a_sender_or_the_lines_view() {
    for fixture in ["tui-other.log", "tui-mixed.log", "seed-main.log"] {
        let mut a = app(fixture);
        typ(&mut a, "o");
        let m = a.logs.model.clone().expect("model");
        let other = listed(&a);
        let peers: std::collections::HashSet<u32> = m.peer_events.iter().map(|p| p.line).collect();
        for i in 0..m.line_count() as u32 {
            let in_message = m.line_msg[i as usize] != mailtriage::model::NONE;
            let places = in_message as u8 + peers.contains(&i) as u8 + other.contains(&i) as u8;
            assert_eq!(places, 1, "{fixture} line {i} is reachable exactly one way");
        }
    }
}

#[test]
fn lines_view_moves_like_the_other_lists() {
    let mut a = app("tui-other.log");
    // 10 rows: header 2, footer 2, title 1, column titles 1 leave 4 lines.
    a.resize(80, 10);
    typ(&mut a, "o");
    let sel = |a: &App| a.lines.as_ref().map_or(usize::MAX, |v| v.cursor.selected);
    let off = |a: &App| a.lines.as_ref().map_or(usize::MAX, |v| v.cursor.offset);
    assert_eq!(a.lines.as_ref().map(|v| v.rows.len()), Some(4));
    typ(&mut a, "jj");
    assert_eq!((sel(&a), off(&a)), (2, 0));
    key(&mut a, KeyCode::PageDown);
    assert_eq!((sel(&a), off(&a)), (6, 3));
    let first_row = a.lines.as_ref().map(|v| v.rows[0].line);
    assert_eq!(first_row, Some(OTHER[3]), "rows follow the scroll");
    assert_eq!(status::count_text(&a), "10/10 lines  tui-other.log:12");
    typ(&mut a, "G");
    assert_eq!((sel(&a), off(&a)), (9, 6));
    typ(&mut a, "j");
    assert_eq!(sel(&a), 9, "stops at the end");
    key(&mut a, KeyCode::PageUp);
    assert_eq!(sel(&a), 5);
    typ(&mut a, "kg");
    assert_eq!((sel(&a), off(&a)), (0, 0));
    typ(&mut a, "k");
    assert_eq!(sel(&a), 0, "stops at the top");
}

#[test]
fn o_again_or_tab_shows_only_unrecognized_lines_of_the_whole_log() {
    let mut a = app("tui-other.log");
    typ(&mut a, "oG");
    typ(&mut a, "o");
    assert!(a.lines.as_ref().is_some_and(|v| v.unrecognized_only));
    assert_eq!(listed(&a), UNRECOGNIZED);
    assert_eq!(status::view_text(&a), "lines=unrecognized");
    assert_eq!(status::count_text(&a), "7/7 lines  tui-other.log:6");
    typ(&mut a, "o");
    assert_eq!(listed(&a), OTHER);
    key(&mut a, KeyCode::Tab);
    assert_eq!(listed(&a), UNRECOGNIZED);
    key(&mut a, KeyCode::BackTab);
    assert_eq!(listed(&a), OTHER);
}

#[test]
fn regex_narrows_the_lines_view_and_clearing_it_restores() {
    let mut a = app("tui-other.log");
    typ(&mut a, "o");
    typ(&mut a, "rqueue|logwrite\n");
    assert_eq!(listed(&a), [1, 2, 9]);
    assert_eq!(status::view_text(&a), "lines=other regex=queue|logwrite");
    assert_eq!(status::count_text(&a), "3/10 lines  tui-other.log:2");
    typ(&mut a, "o");
    assert_eq!(listed(&a), [9], "the regex applies to both modes");
    // A regex that matches nothing here leaves an empty list, not a crash.
    typ(&mut a, "r");
    ctrl(&mut a, 'u');
    typ(&mut a, "nomatch-anywhere\n");
    assert!(listed(&a).is_empty());
    assert_eq!(status::count_text(&a), "0/7 lines");
    typ(&mut a, "r");
    ctrl(&mut a, 'u');
    typ(&mut a, "\n");
    assert_eq!(listed(&a), UNRECOGNIZED);
    assert_eq!(a.scope.regex, None);
}

#[test]
fn sender_keys_in_the_lines_view_say_where_they_work() {
    let mut a = app("tui-other.log");
    typ(&mut a, "o");
    typ(&mut a, "f");
    assert_eq!(
        a.scope.filter.family, None,
        "the family filter did not change"
    );
    let n = a.notice.clone().unwrap_or_default();
    assert!(n.contains("works in the sender lists"), "{n}");
    typ(&mut a, "?");
    assert!(a.help.open);
    typ(&mut a, "x");
    assert!(
        !a.help.open && a.lines.is_some(),
        "help closes onto the view"
    );
    typ(&mut a, "q");
    assert!(a.quit);
}

/// The screen as text, drawn as the terminal would show it.
fn screen_text(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("term");
    t.draw(|f| {
        mailtriage::tui::render::render(f, app, mailtriage::tui::theme::Theme { color: false })
    })
    .expect("draw");
    let b = t.backend().buffer().clone();
    (0..b.area.height)
        .map(|y| {
            (0..b.area.width)
                .map(|x| b[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// PgDn and PgUp move a whole page in the detail pane, and it never scrolls into blank
/// rows past its end.
#[test]
fn detail_pages_by_a_screen_and_stops_at_its_end() {
    let mut a = app("tui-mixed.log");
    a.resize(80, 10);
    typ(&mut a, "\n");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    let (w, h) = a.pane_size(Pane::Detail);
    let len = a.detail.laid_out(w).len();
    assert!(len > h, "the fixture's detail is longer than the pane");
    key(&mut a, KeyCode::PageDown);
    assert_eq!(a.detail.scroll, h.min(len - h));
    for _ in 0..20 {
        key(&mut a, KeyCode::PageDown);
    }
    assert_eq!(a.detail.scroll, len - h, "the last row stays at the bottom");
    typ(&mut a, "G");
    assert_eq!(a.detail.scroll, len - h);
    key(&mut a, KeyCode::PageUp);
    assert_eq!(a.detail.scroll, (len - h).saturating_sub(h));
}

#[test]
fn detail_scrolls_sideways_by_half_a_pane_and_wraps() {
    let mut a = app("tui-mixed.log");
    a.resize(80, 24);
    typ(&mut a, "\n\n");
    let (w, _) = a.pane_size(Pane::Detail);
    let widest = a
        .detail
        .rows(w)
        .iter()
        .map(mailtriage::tui::components::text::width)
        .max()
        .unwrap_or(0);
    typ(&mut a, ">");
    assert_eq!(a.detail.side.hscroll, (w / 2).min(widest.saturating_sub(w)));
    for _ in 0..100 {
        typ(&mut a, ">");
    }
    assert_eq!(
        a.detail.side.hscroll,
        widest.saturating_sub(w),
        "no scrolling past the widest line"
    );
    typ(&mut a, "<");
    assert_eq!(
        a.detail.side.hscroll,
        widest.saturating_sub(w).saturating_sub(w / 2)
    );
    typ(&mut a, "Z");
    assert!(a.detail.side.wrap);
    assert_eq!(a.detail.side.hscroll, 0);
    let rows = a.detail.laid_out(w);
    assert!(rows.len() >= a.detail.rows(w).len());
    assert!(
        rows.iter()
            .all(|r| mailtriage::tui::components::text::width(r) <= w)
    );
    // In a list, the sideways keys say where they work.
    typ(&mut a, "hh>");
    assert!(a.notice.as_deref().unwrap_or("").contains("detail"));
}

#[test]
fn zoom_gives_the_focused_pane_the_body_and_back() {
    let mut a = app("tui-mixed.log");
    a.resize(120, 40);
    let before = a.list_height(Pane::Senders);
    typ(&mut a, "z");
    assert!(a.zoom);
    assert!(a.list_height(Pane::Senders) > before);
    typ(&mut a, "z");
    assert!(!a.zoom);
    assert_eq!(a.list_height(Pane::Senders), before);
    // At 100 columns and more the focused pane has most of the rows.
    typ(&mut a, "\n");
    assert!(a.list_height(Pane::Messages) > a.list_height(Pane::Senders));
}
