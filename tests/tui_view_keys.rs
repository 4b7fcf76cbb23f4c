//! The keys that change the shared view on the demo log: a regrouping keeps the search and
//! follows the selected sender, `p`/`P` change the `net` prefix without a restart, an
//! address-shaped search matches by prefix, and help scrolls on a small screen.

mod common;

use mailtriage::query::{AggKey, NetPrefix};
use mailtriage::tui::app::App;
use mailtriage::tui::keys::KeyMap;
use mailtriage::tui::view::Pane;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The planted monthly sender's /64 in the demo log (see `mailtriage::gen::demo`).
const STORY_NET: &str = "2a05:d014:27bf:4d2a::/64";
const STORY_PREFIX: &str = "2a05:d014:27bf:4d2a";

fn demo(size: (u16, u16)) -> App {
    let model = common::demo_model();
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        size,
    )
}

fn typ(app: &mut App, s: &str) {
    for c in s.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        app.key(KeyEvent::new(code, KeyModifiers::NONE));
    }
}

#[test]
fn an_address_prefix_search_keeps_exactly_the_addresses_under_it() {
    let mut a = demo((80, 24));
    typ(&mut a, &format!("/{STORY_PREFIX}\n"));
    let shown = a.senders.shown_keys();
    assert_eq!(shown.len(), 6, "the six planted addresses: {shown:?}");
    assert!(
        shown.iter().all(|k| k.starts_with(STORY_PREFIX)),
        "{shown:?}"
    );
    // Fuzzily, the same digits in order would also keep addresses elsewhere.
    typ(&mut a, "/\x1b/4d2a\n");
    assert!(
        a.senders.shown_keys().len() > 6,
        "a bare hex word stays fuzzy"
    );
}

#[test]
fn a_cidr_search_keeps_the_addresses_inside_it() {
    let mut a = demo((80, 24));
    typ(&mut a, &format!("/{STORY_NET}\n"));
    assert_eq!(a.senders.shown_keys().len(), 6);
    typ(&mut a, "/\x1b/45.137.21.0/24\n");
    let shown = a.senders.shown_keys();
    assert!(!shown.is_empty());
    assert!(
        shown.iter().all(|k| k.starts_with("45.137.21.")),
        "{shown:?}"
    );
}

#[test]
fn regrouping_keeps_the_search_and_follows_the_selected_sender() {
    let mut a = demo((80, 24));
    typ(&mut a, &format!("/{STORY_PREFIX}\n"));
    typ(&mut a, "j");
    let addr = a.selected_key().expect("a planted address is selected");
    // Into its messages, then regroup by net: the selected message's /64 is selected.
    typ(&mut a, "\n");
    assert_eq!(a.focus, Pane::Messages);
    let msg = a.messages.selected().expect("a message is selected");
    typ(&mut a, "a");
    assert_eq!(a.scope.by, AggKey::Net);
    assert_eq!(a.senders.search, STORY_PREFIX, "the search stays");
    assert_eq!(a.selected_key().as_deref(), Some(STORY_NET), "from {addr}");
    assert_eq!(
        a.messages.selected(),
        Some(msg),
        "the message stays selected"
    );
    // And back: the sender of that message again.
    typ(&mut a, "A");
    assert_eq!(a.scope.by, AggKey::Ip);
    assert_eq!(a.selected_key(), Some(addr));
}

#[test]
fn p_and_shift_p_change_the_net_prefix_without_a_restart() {
    let mut a = demo((80, 24));
    typ(&mut a, &format!("/{STORY_PREFIX}\n"));
    typ(&mut a, "p");
    assert_eq!(a.scope.by, AggKey::Net, "p groups by net");
    assert_eq!(a.scope.prefix.v6, 56);
    assert_eq!(
        a.selected_key().as_deref(),
        Some("2a05:d014:27bf:4d00::/56")
    );
    typ(&mut a, "p");
    assert_eq!(a.scope.prefix.v6, 48);
    assert_eq!(a.selected_key().as_deref(), Some("2a05:d014:27bf::/48"));
    assert_eq!(a.scope.by_text(), "net /24 /48");
    // Round to /128 and back to /64.
    typ(&mut a, "pp");
    assert_eq!(a.scope.prefix.v6, 128);
    typ(&mut a, "p");
    assert_eq!(a.selected_key().as_deref(), Some(STORY_NET));
    // IPv4 has its own ladder.
    typ(&mut a, "P");
    assert_eq!((a.scope.prefix.v4, a.scope.prefix.v6), (16, 64));
    typ(&mut a, "/\x1b/45.137\n");
    assert_eq!(a.selected_key().as_deref(), Some("45.137.0.0/16"));
}

#[test]
fn help_scrolls_where_the_screen_is_too_short_and_any_other_key_closes_it() {
    let mut a = demo((80, 16));
    typ(&mut a, "?");
    assert!(a.help.open);
    typ(&mut a, "G");
    assert!(a.help.open, "moving keys scroll help");
    let last = a.help.scroll;
    assert!(last > 0, "a 16-row screen cannot hold the whole table");
    typ(&mut a, "j");
    assert_eq!(a.help.scroll, last, "never past the end");
    typ(&mut a, "k");
    assert_eq!(a.help.scroll, last - 1);
    typ(&mut a, "x");
    assert!(!a.help.open);
    assert!(!a.quit);
}
