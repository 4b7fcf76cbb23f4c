//! DKIM per signature in the TUI (issue 9, item 2): the detail pane lists each
//! signature once, and the `dkim-domain` rows count a domain's own signatures.

mod common;

use mailtriage::query::{AggKey, NetPrefix};
use mailtriage::tui::app::App;
use mailtriage::tui::keys::KeyMap;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog");

fn demo(size: (u16, u16)) -> App {
    let model = common::demo_model();
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        size,
    )
}

use common::screen;

fn detail_of(a: &mut App, id: &str) -> Vec<String> {
    a.jump(id);
    let d = a
        .detail
        .message
        .clone()
        .expect("the jump shows the message");
    assert_eq!(d.id, id);
    d.signatures
}

#[test]
fn two_signatures_of_one_message_are_listed_with_their_results() {
    let mut a = demo((120, 40));
    let sigs = detail_of(&mut a, "1uB3VC-00000000Eo9-006w");
    // Two `DKIM:` lines and the arrival's `DKIM=tamford.xyz`: two signatures, not three.
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    assert!(
        sigs[0].starts_with("d=tamford.xyz s=smtp a=rsa-sha256 result=pass"),
        "{sigs:?}"
    );
    assert!(
        sigs[1].starts_with("d=escaport.top s=smtp a=rsa-sha256 result=fail")
            && sigs[1].contains("reason=signature invalid (key too short)"),
        "{sigs:?}"
    );
    let rows = a.detail.rows(118);
    let text: Vec<String> = rows
        .iter()
        .map(|r| r.iter().map(|(t, _)| t.as_str()).collect())
        .collect();
    assert!(text.iter().any(|l| l == "DKIM signatures (2)"), "{text:#?}");
}

#[test]
fn one_dkim_line_and_the_arrival_tag_are_one_signature() {
    let mut a = demo((120, 40));
    let sigs = detail_of(&mut a, "1uWhy4-00000000MEz-3sGf");
    assert_eq!(sigs.len(), 1, "{sigs:?}");
    assert!(sigs[0].starts_with("d=junora.se "), "{sigs:?}");
    assert!(
        !sigs[0].contains("only"),
        "a DKIM: line was logged: {sigs:?}"
    );
}

#[test]
fn the_escaport_row_under_dkim_domain_shows_its_own_failures() {
    let bytes = std::fs::read(DEMO).expect("demo log");
    let log = String::from_utf8_lossy(&bytes);
    // An independent count: the `DKIM:` lines of d=escaport.top, by result.
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" DKIM: d=escaport.top "))
        .collect();
    let failed = lines
        .iter()
        .filter(|l| l.contains("[verification failed"))
        .count() as u64;
    let passed = lines
        .iter()
        .filter(|l| l.contains("[verification succeeded]"))
        .count() as u64;
    assert!(failed > 0 && passed > 0);
    let mut a = demo((120, 40));
    while a.scope.by != AggKey::DkimDomain {
        a.key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE));
    }
    let r = a
        .senders
        .rows
        .iter()
        .find(|r| a.label(r) == "escaport.top")
        .expect("an escaport.top row");
    let sig = r.signatures.as_deref().copied().expect("its signatures");
    assert_eq!((sig.fail, sig.pass), (failed, passed));
    // Its messages mostly pass on another signature: the message status hides it.
    assert!(r.dkim.fail < sig.fail, "{r:?}");
    // Search for it so its row is on screen, then read its cells by their titles.
    for c in "/escaport.top".chars() {
        a.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    a.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let s2 = screen(&a);
    let titles_at = s2
        .iter()
        .position(|l| l.contains("dkim-domain ") && l.contains(" rej "))
        .unwrap_or_else(|| panic!("column titles in {s2:#?}"));
    let titles: Vec<&str> = s2[titles_at]
        .trim_matches(|c| c == '│' || c == ' ')
        .split_whitespace()
        .collect();
    let row = s2
        .iter()
        .find(|l| l.trim_start_matches('│').starts_with("escaport.top "))
        .unwrap_or_else(|| panic!("escaport.top on screen: {s2:#?}"));
    let cells: Vec<&str> = row
        .trim_matches(|c| c == '│' || c == ' ')
        .split_whitespace()
        .collect();
    let at = |t: &str| cells[titles.iter().position(|x| *x == t).expect(t)];
    assert_eq!(at("fail"), failed.to_string(), "{row}");
    assert_eq!(at("pass"), passed.to_string(), "{row}");
    assert_eq!(at("inv"), (sig.invalid + sig.other).to_string(), "{row}");
    assert!(!titles.contains(&"none"), "{titles:?}");
}

#[test]
fn the_spam_score_is_a_detail_field() {
    let mut a = demo((120, 40));
    a.jump("1tVswH-000000000s4-46SV");
    let d = a
        .detail
        .message
        .clone()
        .expect("the jump shows the message");
    let spam = d.fields.iter().find(|(k, _)| *k == "spam");
    assert_eq!(spam.map(|(_, v)| v.as_str()), Some("38.2/5.0"), "{d:?}");
    // A message sa-exim did not scan has no such field.
    a.jump("1uB3VC-00000000Eo9-006w");
    let d = a
        .detail
        .message
        .clone()
        .expect("the jump shows the message");
    assert!(d.fields.iter().all(|(k, _)| *k != "spam"), "{d:?}");
}
