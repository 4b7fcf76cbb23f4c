//! The TUI's rejection list (`R`) follows the filters in force as the CLI's
//! `rejections KEY` does: its rows are `query::rejections_of`'s, for every group and
//! filter of the demo log, and what the app lists for a selected sender is as long as
//! that sender's row counts (`rej` + `authf` + `proto`).

mod common;

use std::sync::Arc;

use mailtriage::model::Model;
use mailtriage::parse::Family;
use mailtriage::query::{self, AggKey, Filter, Grouping, NetPrefix, SortKey};
use mailtriage::tui::app::App;
use mailtriage::tui::index::GroupIndex;
use mailtriage::tui::keys::KeyMap;
use mailtriage::tui::view::Pane;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn filters(m: &Model) -> Vec<Filter> {
    let re = query::grep::compile("Unrouteable|authenticator|relay", &Default::default());
    let matches = Some(Arc::new(query::grep(m, &re.expect("regex"))));
    let mut out = vec![Filter::default()];
    for fam in [Family::Ipv4, Family::Ipv6] {
        out.push(Filter {
            family: Some(fam),
            ..Filter::default()
        });
    }
    if let (Some(a), Some(b)) = (m.first_time, m.last_time) {
        out.push(Filter {
            time: Some((a + (b - a) / 2, b)),
            ..Filter::default()
        });
    }
    out.push(Filter {
        matches,
        ..Filter::default()
    });
    out
}

#[test]
fn the_indexed_rows_are_the_query_modules_for_every_group_and_filter() {
    let m = common::demo_model();
    let prefix = NetPrefix::default();
    for by in [AggKey::Ip, AggKey::Net, AggKey::Domain] {
        let g = Arc::new(Grouping::new(&m, by, prefix));
        let ix = GroupIndex::new(&m, g.clone(), prefix);
        for f in filters(&m) {
            let mut listed = 0;
            for row in query::group(&m, &g, &f, false) {
                let gid = row.group;
                let want = query::rejections_of(&m, &g, gid, &f);
                let got = query::rejections_among(&m, &f, ix.messages(gid), ix.peers(gid));
                assert_eq!(got, want, "{by:?} {}", row.key);
                assert_eq!(
                    got.len() as u64,
                    row.rejections + row.auth_failures + row.protocol_errors,
                    "{by:?} {}",
                    row.key
                );
                listed += got.len();
            }
            assert!(listed > 0, "{by:?}: nothing listed under {f:?}");
        }
    }
}

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

/// What the app lists for the selected sender, and what its row counts.
fn listed_and_counted(app: &App) -> (usize, u64) {
    let r = app.senders.selected_row().expect("a sender");
    let counted = r.rejections + r.auth_failures + r.protocol_errors;
    (app.rejections.rows.len(), counted)
}

#[test]
fn the_list_follows_family_time_and_regex_as_the_row_counts() {
    let m = common::demo_model();
    let keys = KeyMap::defaults().expect("default keys");
    let mut app = App::with_model(keys, m, NetPrefix::default(), (120, 40));
    press(&mut app, "SR");
    assert_eq!(app.scope.sort, SortKey::Rejections);
    assert!(app.rejections.on);
    assert_eq!(app.focus, Pane::Messages);
    let (all, counted) = listed_and_counted(&app);
    assert_eq!((all, counted), (93, 93));
    // Family: the top rejecter is IPv6; under ipv4 another sender is selected.
    press(&mut app, "f");
    let (n, c) = listed_and_counted(&app);
    assert_eq!(n as u64, c);
    press(&mut app, "ff");
    app.set_regex("Unrouteable");
    let (n, c) = listed_and_counted(&app);
    assert_eq!(n as u64, c);
    assert!(n > 0 && n < all, "{n}");
    assert!(
        app.rejections
            .reasons
            .iter()
            .all(|r| r.reason == query::Reason::UnknownUser
                || r.reason == query::Reason::SenderVerify),
        "{:?}",
        app.rejections.reasons
    );
    app.set_regex("");
    app.set_time("2025-06-01..2025-07-31");
    let (n, c) = listed_and_counted(&app);
    assert_eq!(n as u64, c);
    // A DKIM filter keeps only messages: no client line is listed.
    app.set_time("");
    press(&mut app, "d");
    assert!(
        app.rejections
            .rows
            .iter()
            .all(|r| r.msg != mailtriage::model::NONE),
        "a client line under a DKIM filter"
    );
}

#[test]
fn r_toggles_and_the_choice_stays_from_sender_to_sender() {
    let m = common::demo_model();
    let keys = KeyMap::defaults().expect("default keys");
    let mut app = App::with_model(keys, m, NetPrefix::default(), (80, 24));
    press(&mut app, "SR");
    assert!(app.rejections.on);
    // Back to the senders and down: the next sender's rejections show.
    app.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    press(&mut app, "j");
    assert!(app.rejections.on);
    let (n, c) = listed_and_counted(&app);
    assert_eq!(n as u64, c);
    // From the sender list `R` opens the pane; in it, `R` switches to the messages.
    press(&mut app, "R");
    assert!(app.rejections.on);
    assert_eq!(app.focus, Pane::Messages);
    press(&mut app, "R");
    assert!(!app.rejections.on);
    assert_eq!(app.focus, Pane::Messages);
    // The choice stays: the next sender shows its messages.
    app.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    press(&mut app, "j");
    assert!(!app.rejections.on);
    // A sender none of whose messages arrived opens to its rejections by itself.
    app.jump("45.137.21.63");
    assert!(app.rejections.on, "{:?}", app.notice);
    // Asking for its messages (in the pane) shows its rejected ones.
    press(&mut app, "RR");
    assert!(!app.rejections.on);
    assert!(!app.messages.all.is_empty());
}

/// From the sender list `R` always shows the rejections: on a sender that got nothing
/// through they already fill the (unseen, at 80 columns) middle pane, so `R` opens it
/// rather than switching it to the messages.
#[test]
fn r_from_the_sender_list_opens_rejections_that_already_show() {
    let m = common::demo_model();
    let keys = KeyMap::defaults().expect("default keys");
    let mut app = App::with_model(keys, m, NetPrefix::default(), (80, 24));
    // The last row under the default sort: a client with only a protocol error.
    press(&mut app, "G");
    assert!(app.rejections.on);
    press(&mut app, "R");
    assert_eq!(app.focus, Pane::Messages);
    assert!(app.rejections.on);
    assert_eq!(listed_and_counted(&app), (1, 1));
    // In the pane, `R` switches.
    press(&mut app, "R");
    assert!(!app.rejections.on);
}
