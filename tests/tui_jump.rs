//! The jump prompt (`:`) and the sender history view (`H`) on the bundled demo log,
//! without a screen: where a jump lands, what it clears, and how the history pages
//! (issue 8, item 5).

mod common;

use std::path::PathBuf;

use mailtriage::model::Model;
use mailtriage::parse::Family;
use mailtriage::query::{AggKey, NetPrefix};
use mailtriage::tui::app::App;
use mailtriage::tui::components::prompt::PromptKind;
use mailtriage::tui::keys::KeyMap;
use mailtriage::tui::view::Pane;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const PLANTED: &[u8] = b"offers@newsletter-bargains.example";
const NET: &str = "2a05:d014:27bf:4d2a::/64";

fn demo() -> Model {
    common::load(&[PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/mainlog"
    ))])
}

fn app(w: u16, h: u16) -> App {
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        demo(),
        NetPrefix::default(),
        (w, h),
    )
}

fn key(a: &mut App, code: KeyCode) {
    a.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn typ(a: &mut App, s: &str) {
    for c in s.chars() {
        match c {
            '\n' => key(a, KeyCode::Enter),
            '\x1b' => key(a, KeyCode::Esc),
            c => key(a, KeyCode::Char(c)),
        }
    }
}

/// `:`, the text (typed, or pasted when it holds line breaks), Enter.
fn jump(a: &mut App, text: &str) {
    typ(a, ":");
    assert_eq!(a.prompt.as_ref().map(|p| p.kind), Some(PromptKind::Jump));
    if text.contains('\n') {
        assert!(a.paste(text));
    } else {
        typ(a, text);
    }
    key(a, KeyCode::Enter);
    assert!(a.prompt.is_none());
}

/// The planted sender's messages, in log order.
fn planted(a: &App) -> Vec<u32> {
    let m = a.logs.model.as_ref().expect("model");
    (0..m.messages.len() as u32)
        .filter(|&i| m.str(m.messages[i as usize].sender) == PLANTED)
        .collect()
}

fn received_header(a: &App, msg: u32) -> String {
    let m = a.logs.model.as_ref().expect("model");
    let x = &m.messages[msg as usize];
    format!(
        "Received: from mail.newsletter-bargains.example ([{}])\r\n\tby mx.example.org \
         with esmtps id {} for <webpage-contact@example.org>; Wed, 15 Jan 2025 03:17:12 +0000\r\n",
        m.ip(x.ip).expect("an address"),
        x.id
    )
}

#[test]
fn a_pasted_received_header_lands_on_the_message() {
    let mut a = app(80, 24);
    let msgs = planted(&a);
    let third = msgs[2];
    let header = received_header(&a, third);
    jump(&mut a, &header);
    assert_eq!(a.notice, None);
    assert_eq!(a.scope.by, AggKey::Ip);
    assert_eq!(a.focus, Pane::Messages);
    assert_eq!(a.messages.selected(), Some(third));
    let m = a.logs.model.clone().expect("model");
    let ip = m.ip(m.messages[third as usize].ip).expect("ip").to_string();
    assert_eq!(a.selected_key().as_deref(), Some(ip.as_str()));
    // The next key opens the detail of that message.
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.focus, Pane::Detail);
    let id = m.messages[third as usize].id.to_string();
    assert_eq!(a.detail.message.as_ref().map(|d| d.id.clone()), Some(id));
}

#[test]
fn a_jump_clears_the_search_and_only_the_filters_that_hide_it() {
    let mut a = app(80, 24);
    let first = planted(&a)[0];
    let id = {
        let m = a.logs.model.as_ref().expect("model");
        m.messages[first as usize].id.to_string()
    };
    // The planted sender is IPv6: the IPv4 filter hides it, a search too.
    typ(&mut a, "f/zzz\n");
    assert_eq!(a.scope.filter.family, Some(Family::Ipv4));
    assert!(!a.senders.search.is_empty());
    jump(&mut a, &id);
    assert_eq!(a.scope.filter.family, None);
    assert!(a.senders.search.is_empty());
    assert_eq!(a.messages.selected(), Some(first));
    let n = a.notice.clone().unwrap_or_default();
    assert!(n.contains("family") && !n.contains("dkim"), "{n}");
    // A message that passes the filters in force clears nothing.
    typ(&mut a, "\x1bff");
    assert_eq!(a.scope.filter.family, Some(Family::Ipv6));
    jump(&mut a, &id);
    assert_eq!(a.scope.filter.family, Some(Family::Ipv6));
    assert_eq!(a.notice, None);
}

#[test]
fn addresses_networks_senders_and_domains_land_on_their_rows() {
    let mut a = app(80, 24);
    let m = a.logs.model.clone().expect("model");
    let ip = m
        .ip(m.messages[planted(&a)[0] as usize].ip)
        .expect("ip")
        .to_string();
    jump(&mut a, &format!("[{ip}]"));
    assert_eq!(a.notice, None);
    assert_eq!((a.scope.by, a.focus), (AggKey::Ip, Pane::Senders));
    assert_eq!(a.selected_key(), Some(ip.clone()));

    jump(&mut a, NET);
    assert_eq!(a.scope.by, AggKey::Net);
    assert_eq!(a.selected_key().as_deref(), Some(NET));
    // Under `net`, an address lands on its network's row.
    jump(&mut a, &ip);
    assert_eq!(
        (a.scope.by, a.selected_key().as_deref()),
        (AggKey::Net, Some(NET))
    );

    jump(
        &mut a,
        "(envelope-from <offers@newsletter-bargains.example>)",
    );
    assert_eq!(a.scope.by, AggKey::Sender);
    assert_eq!(
        a.selected_key().as_deref(),
        Some("offers@newsletter-bargains.example")
    );
    jump(&mut a, "Newsletter-Bargains.example");
    assert_eq!(a.scope.by, AggKey::Domain);
    assert_eq!(
        a.selected_key().as_deref(),
        Some("newsletter-bargains.example")
    );
    assert_eq!(a.focus, Pane::Senders);
}

#[test]
fn a_network_of_another_length_changes_the_prefix() {
    let mut a = app(80, 24);
    jump(&mut a, "2a05:d014:27bf::/48");
    assert_eq!(a.notice, None);
    assert_eq!(a.scope.prefix.v6, 48);
    assert_eq!(a.scope.by, AggKey::Net);
    assert_eq!(a.selected_key().as_deref(), Some("2a05:d014:27bf::/48"));
    jump(&mut a, NET);
    assert_eq!(a.scope.prefix.v6, 64);
    assert_eq!(a.selected_key().as_deref(), Some(NET));
}

#[test]
fn an_unknown_id_says_so_until_the_next_key() {
    let mut a = app(80, 24);
    let before = a.selected_key();
    jump(
        &mut a,
        "with esmtps id 1zzzzz-000000000ZZ-ZZZZ for <x@example.org>;",
    );
    let n = a.notice.clone().unwrap_or_default();
    assert!(n.starts_with("no message 1zzzzz-000000000ZZ-ZZZZ"), "{n}");
    assert_eq!(a.selected_key(), before);
    typ(&mut a, "j");
    assert_eq!(a.notice, None);
    jump(&mut a, "nothing here");
    assert!(
        a.notice
            .as_deref()
            .is_some_and(|n| n.starts_with("nothing to jump to")),
        "{:?}",
        a.notice
    );
}

#[test]
fn a_paste_outside_a_prompt_does_nothing_and_esc_cancels_a_jump() {
    let mut a = app(80, 24);
    assert!(!a.paste("1tXcNe-000000001E7-1L5d"));
    typ(&mut a, ":abc\x1b");
    assert!(a.prompt.is_none());
    assert_eq!(a.notice, None);
    assert_eq!(a.focus, Pane::Senders);
}

#[test]
fn history_of_the_64_is_six_whole_transactions() {
    let mut a = app(80, 24);
    jump(&mut a, NET);
    typ(&mut a, "H");
    let v = a.history.clone().expect("history open");
    assert_eq!(v.transactions, 6);
    assert_eq!(v.label, NET);
    let m = a.logs.model.clone().expect("model");
    let lines: usize = planted(&a)
        .iter()
        .map(|&i| m.message_lines(i).count())
        .sum();
    assert_eq!(v.lines, lines);
    assert_eq!(v.len(), lines + 5);
    assert!(v.place.as_deref().is_some_and(|p| p.contains(':')));
    // Esc goes back to the sender list as it was.
    typ(&mut a, "\x1b");
    assert!(a.history.is_none());
    assert_eq!(
        (a.focus, a.selected_key().as_deref()),
        (Pane::Senders, Some(NET))
    );
    // The same after regrouping with `a`, from the message list.
    let mut b = app(80, 24);
    typ(&mut b, "a");
    assert_eq!(b.scope.by, AggKey::Net);
    let key = b.senders.shown_keys();
    let at = key.iter().position(|k| k == NET).expect("the /64 is a row");
    // Regrouping follows the selected message into its group: start from the top.
    typ(&mut b, "g");
    for _ in 0..at {
        typ(&mut b, "j");
    }
    typ(&mut b, "lH");
    assert_eq!(b.history.as_ref().map(|v| v.transactions), Some(6));
    typ(&mut b, "\x1b");
    assert_eq!(b.focus, Pane::Messages);
}

#[test]
fn the_history_pages_and_ends_without_blank_rows() {
    let mut a = app(80, 24);
    jump(&mut a, NET);
    // Cut lines, one row each (wrapped paging is driven end to end in tui_e2e_path).
    typ(&mut a, "HZ");
    let h = mailtriage::tui::layout::history_size(a.size).1;
    let len = a.history.as_ref().expect("open").len();
    assert!(len > h, "{len} rows fit {h}");
    key(&mut a, KeyCode::PageDown);
    let v = a.history.clone().expect("open");
    assert!(
        v.cursor.selected >= h - 1 && v.cursor.offset > 0,
        "{:?}",
        v.cursor
    );
    typ(&mut a, "G");
    let v = a.history.clone().expect("open");
    assert_eq!(v.cursor.selected, len - 1);
    // The last screen is full: no scroll past the end, the last row a line.
    assert_eq!(v.cursor.offset, len - h);
    assert_eq!(v.shown.len(), h);
    assert!(v.shown.last().is_some_and(|r| r.mark.is_some()));
    typ(&mut a, "j");
    assert_eq!(a.history.as_ref().map(|v| v.cursor), Some(v.cursor));
    // Moving never rests on a blank row.
    typ(&mut a, "g");
    for _ in 0..len {
        typ(&mut a, "j");
        let v = a.history.as_ref().expect("open");
        assert!(v.place.is_some(), "on a blank row at {}", v.cursor.selected);
    }
    // Sideways and wrap are the view's; a pane key says where it works.
    typ(&mut a, ">");
    assert!(a.history.as_ref().is_some_and(|v| v.side.hscroll > 0));
    typ(&mut a, "Z");
    assert!(a.history.as_ref().is_some_and(|v| v.side.wrap));
    typ(&mut a, "f");
    assert!(a.notice.as_deref().is_some_and(|n| n.contains("works in")));
    // `:` leaves the history for the jump prompt.
    typ(&mut a, ":");
    assert!(a.history.is_none());
    assert_eq!(a.prompt.as_ref().map(|p| p.kind), Some(PromptKind::Jump));
}

#[test]
fn b_in_the_history_previews_blocking_the_sender_read() {
    let mut a = app(80, 24);
    jump(&mut a, NET);
    typ(&mut a, "H");
    typ(&mut a, "b");
    assert!(a.history.is_none(), "the preview opens over the panes");
    let entry = a.block.overlay.as_ref().map(|o| o.entry().to_string());
    assert_eq!(entry.as_deref(), Some(NET));
}
