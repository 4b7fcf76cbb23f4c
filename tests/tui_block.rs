//! Blocking from the TUI without a screen: what `b` proposes, the preview counts and their
//! collateral, `w`/`W`, `Enter` with a comment, `Esc`, `u`, and the markers. Every test writes
//! to its own temporary blocklist, never the user's.

mod common;

use std::path::{Path, PathBuf};

use mailtriage::blocklist::FactsViews;
use mailtriage::query::{AggKey, NetPrefix};
use mailtriage::tui::app::App;
use mailtriage::tui::block::{BlockFacts, Kind, Preview, preview, propose};
use mailtriage::tui::components::prompt::PromptKind;
use mailtriage::tui::keys::KeyMap;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn model(fixture: &str) -> mailtriage::model::Model {
    common::fixture_model(fixture)
}

fn app_with(fixture: &str, blocklist: &Path) -> App {
    let mut a = App::with_model(
        KeyMap::defaults().expect("default keys"),
        model(fixture),
        NetPrefix::default(),
        (80, 24),
    );
    a.open_blocklist(Some(blocklist.to_path_buf()));
    a
}

struct Temp {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn temp_list() -> Temp {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("blocklist");
    Temp { _dir: dir, path }
}

fn key(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn typ(app: &mut App, s: &str) {
    for c in s.chars() {
        match c {
            '\n' => key(app, KeyCode::Enter),
            '\x1b' => key(app, KeyCode::Esc),
            c => key(app, KeyCode::Char(c)),
        }
    }
}

fn entry(app: &App) -> String {
    app.block
        .overlay
        .as_ref()
        .map(|b| b.entry().to_string())
        .unwrap_or_default()
}

fn shown_preview(app: &App) -> Preview {
    app.block
        .overlay
        .as_ref()
        .map(|b| b.preview.clone())
        .expect("the preview is open")
}

/// The screen as text (no colour), for what the preview says.
fn screen_text(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| {
        mailtriage::tui::render::render(f, app, mailtriage::tui::theme::Theme { color: false })
    })
    .expect("draw");
    let b = t.backend().buffer();
    let mut out = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            out.push_str(b[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn notice(app: &App) -> String {
    app.notice.clone().unwrap_or_default()
}

fn file(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Markers of the rows on screen, in list order: (key, covered).
fn markers(app: &App) -> Vec<(String, bool)> {
    app.senders
        .shown
        .iter()
        .filter_map(|&i| app.senders.rows.get(i as usize))
        .map(|r| {
            (
                app.label(r).to_string(),
                app.senders.cover(r.group).is_some(),
            )
        })
        .collect()
}

#[test]
fn b_proposes_the_address_and_w_widens_to_the_24_with_its_collateral() {
    let t = temp_list();
    let mut a = app_with("tui-block.log", &t.path);
    assert_eq!(a.selected_key().as_deref(), Some("192.0.2.10"));
    typ(&mut a, "b");
    assert_eq!(entry(&a), "192.0.2.10");
    let p = shown_preview(&a);
    assert_eq!((p.messages, p.senders), (2, 1));
    assert!(!p.has_collateral(), "{p:?}");
    assert_eq!(
        a.block
            .overlay
            .as_ref()
            .and_then(|b| b.proposal().suspect.clone()),
        Some("spam.example".into())
    );

    typ(&mut a, "w");
    assert_eq!(entry(&a), "192.0.2.0/24");
    let p = shown_preview(&a);
    assert_eq!((p.messages, p.senders), (3, 2));
    assert_eq!(
        p.collateral_ips,
        ["192.0.2.20".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(p.collateral_dkim_messages, 1);
    assert_eq!(p.collateral_dkim_domains, ["bank.example"]);

    typ(&mut a, "w");
    assert_eq!(entry(&a), "192.0.0.0/16");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "192.0.0.0/16");
    assert!(notice(&a).contains("widest"), "{}", notice(&a));
    typ(&mut a, "WW");
    assert_eq!(entry(&a), "192.0.2.10");
    typ(&mut a, "W");
    assert!(notice(&a).contains("single address"), "{}", notice(&a));
    // Nothing is written until Enter.
    assert!(!t.path.exists());
}

#[test]
fn enter_asks_for_a_comment_then_writes_the_entry_and_marks_the_senders() {
    let t = temp_list();
    let mut a = app_with("tui-block.log", &t.path);
    assert!(markers(&a).iter().all(|(_, m)| !m));
    typ(&mut a, "bw\n");
    assert_eq!(a.prompt.as_ref().map(|p| p.kind), Some(PromptKind::Comment));
    assert!(!t.path.exists(), "the comment comes first");
    typ(&mut a, "snowshoe run\n");
    assert!(a.block.overlay.is_none() && a.prompt.is_none());
    let text = file(&t.path);
    let today = chrono::Local::now().date_naive().format("%Y-%m-%d");
    assert_eq!(
        text,
        format!("192.0.2.0/24 # added {today}; snowshoe run; 3 messages from 2 senders\n")
    );
    assert!(
        notice(&a).starts_with("added 192.0.2.0/24 to "),
        "{}",
        notice(&a)
    );
    let m = markers(&a);
    assert!(m.contains(&("192.0.2.10".into(), true)), "{m:?}");
    assert!(m.contains(&("192.0.2.20".into(), true)), "{m:?}");
    assert!(m.contains(&("198.51.100.5".into(), false)), "{m:?}");
}

#[test]
fn an_empty_comment_still_writes_date_and_counts() {
    let t = temp_list();
    let mut a = app_with("tui-block.log", &t.path);
    typ(&mut a, "b\n\n");
    let today = chrono::Local::now().date_naive().format("%Y-%m-%d");
    assert_eq!(
        file(&t.path),
        format!("192.0.2.10 # added {today}; 2 messages from 1 sender\n")
    );
}

#[test]
fn esc_in_the_preview_or_the_comment_writes_nothing() {
    let t = temp_list();
    let mut a = app_with("tui-block.log", &t.path);
    typ(&mut a, "bw\x1b");
    assert!(a.block.overlay.is_none());
    assert!(notice(&a).contains("nothing written"));
    typ(&mut a, "b\nabc\x1b");
    assert!(a.block.overlay.is_none() && a.prompt.is_none());
    assert!(!t.path.exists());
    // List keys are back once the preview is gone.
    typ(&mut a, "j");
    assert_eq!(a.senders.list.selected, 1);
}

#[test]
fn list_keys_do_nothing_while_the_preview_is_open() {
    let t = temp_list();
    let mut a = app_with("tui-block.log", &t.path);
    typ(&mut a, "bjf");
    assert_eq!(a.senders.list.selected, 0);
    assert_eq!(a.scope.filter.family, None);
    assert!(a.block.overlay.is_some());
    assert!(notice(&a).contains("cancels"), "{}", notice(&a));
}

#[test]
fn u_removes_the_most_specific_covering_entry_and_refreshes_markers() {
    let t = temp_list();
    std::fs::write(
        &t.path,
        "# kept\n192.0.2.0/24 # wide\n192.0.2.10 # narrow\ndomain:spam.example\n",
    )
    .expect("write");
    let mut a = app_with("tui-block.log", &t.path);
    assert!(markers(&a).contains(&("192.0.2.20".into(), true)));
    typ(&mut a, "uy");
    assert!(
        notice(&a).starts_with("removed 192.0.2.10 (covering 192.0.2.10) from"),
        "{}",
        notice(&a)
    );
    assert_eq!(
        file(&t.path),
        "# kept\n192.0.2.0/24 # wide\ndomain:spam.example\n"
    );
    // Still covered by the /24.
    assert!(markers(&a).contains(&("192.0.2.10".into(), true)));
    typ(&mut a, "uy");
    assert!(
        notice(&a).starts_with("removed 192.0.2.0/24"),
        "{}",
        notice(&a)
    );
    assert_eq!(file(&t.path), "# kept\ndomain:spam.example\n");
    assert!(markers(&a).iter().all(|(_, m)| !m), "{:?}", markers(&a));
    typ(&mut a, "u");
    assert!(notice(&a).contains("is not covered"), "{}", notice(&a));
}

#[test]
fn markers_follow_the_grouping_key() {
    let t = temp_list();
    std::fs::write(&t.path, "domain:spam.example\ndkim:bank.example\n").expect("write");
    let mut a = app_with("tui-block.log", &t.path);
    // by ip: domain entries cover no address.
    assert!(markers(&a).iter().all(|(_, m)| !m));
    while a.scope.by != AggKey::Domain {
        typ(&mut a, "a");
    }
    let m = markers(&a);
    assert!(m.contains(&("spam.example".into(), true)), "{m:?}");
    assert!(m.contains(&("bank.example".into(), false)), "{m:?}");
    // No entry stands for a recipient or a login: nothing is marked under them.
    typ(&mut a, "a");
    assert_eq!(a.scope.by, AggKey::Recipient);
    assert!(markers(&a).iter().all(|(_, m)| !m));
    typ(&mut a, "a");
    assert_eq!(a.scope.by, AggKey::Auth);
    assert!(markers(&a).iter().all(|(_, m)| !m));
    typ(&mut a, "a");
    assert_eq!(a.scope.by, AggKey::DkimDomain);
    let m = markers(&a);
    assert!(m.contains(&("bank.example".into(), true)), "{m:?}");
}

#[test]
fn each_grouping_key_proposes_its_kind_of_entry() {
    let t = temp_list();
    let mut a = app_with("tui-block.log", &t.path);
    let mut seen = Vec::new();
    for _ in 0..AggKey::ALL.len() {
        // The first row that can be proposed under this key.
        let rows = a.senders.shown.len();
        let mut proposal = None;
        for _ in 0..rows {
            typ(&mut a, "b");
            if a.block.overlay.is_some() {
                proposal = Some(entry(&a));
                typ(&mut a, "\x1b");
                break;
            }
            typ(&mut a, "j");
        }
        seen.push((a.scope.by, a.selected_key().unwrap_or_default(), proposal));
        typ(&mut a, "ga");
    }
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        seen,
        [
            (AggKey::Ip, "192.0.2.10".into(), s("192.0.2.10")),
            (AggKey::Net, "192.0.2.0/24".into(), s("192.0.2.0/24")),
            // A HELO name with two addresses is offered the busiest of them.
            (AggKey::Host, "spam.example".into(), s("192.0.2.10")),
            (
                AggKey::Sender,
                "promo@spam.example".into(),
                s("domain:spam.example")
            ),
            (
                AggKey::Domain,
                "spam.example".into(),
                s("domain:spam.example")
            ),
            // A recipient is never an entry: its busiest client is offered.
            (
                AggKey::Recipient,
                "carol@local.test".into(),
                s("192.0.2.10")
            ),
            // No login in this log: the one (none) row cannot be proposed.
            (AggKey::Auth, "(none)".into(), None),
            // (From the auth view the first row that can be proposed is another.)
            (
                AggKey::DkimDomain,
                "lists.example".into(),
                s("dkim:lists.example")
            ),
        ]
    );
}

#[test]
fn a_host_with_several_addresses_is_offered_its_busiest_and_a_keyless_sender_cannot_be_proposed() {
    let t = temp_list();
    let mut a = app_with("tui-block.log", &t.path);
    while a.scope.by != AggKey::Host {
        typ(&mut a, "a");
    }
    // spam.example (the HELO) came from 192.0.2.10 and 2001:db8:5:6::1: never blocked by
    // the name itself, the busiest address is offered and the preview says there are two.
    assert_eq!(a.selected_key().as_deref(), Some("spam.example"));
    typ(&mut a, "b");
    assert_eq!(entry(&a), "192.0.2.10");
    let ov = a.block.overlay.as_ref().expect("open");
    assert_eq!(ov.choices.addresses(), 2);
    assert_eq!(ov.choices.current_kind(), Kind::Address);
    assert!(screen_text(&a).contains("busiest of 2 addresses"));
    typ(&mut a, "\x1b");
    typ(&mut a, "a");
    assert_eq!(a.scope.by, AggKey::Sender);
    while a.scope.by != AggKey::DkimDomain {
        typ(&mut a, "a");
    }
    assert_eq!(a.selected_key().as_deref(), Some("(none)"));
    typ(&mut a, "b");
    assert!(a.block.overlay.is_none());
    assert!(
        notice(&a).contains("(none) cannot be blocked"),
        "{}",
        notice(&a)
    );
}

#[test]
fn an_unwritable_blocklist_is_reported_not_fatal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "x").expect("write");
    let mut a = app_with("tui-block.log", &not_a_dir.join("blocklist"));
    typ(&mut a, "b\n\n");
    assert!(a.block.overlay.is_none());
    assert!(notice(&a).contains("cannot"), "{}", notice(&a));
    typ(&mut a, "u");
    assert!(notice(&a).contains("cannot") || notice(&a).contains("not covered"));
}

#[test]
fn a_blocklist_with_bad_lines_loads_and_says_so_once() {
    let t = temp_list();
    std::fs::write(&t.path, "192.0.2.10\nnot an entry\n").expect("write");
    let mut a = app_with("tui-block.log", &t.path);
    let n = notice(&a);
    assert!(
        n.contains("1 line(s) are not entries") && n.contains("line 2"),
        "{n}"
    );
    assert!(markers(&a).contains(&("192.0.2.10".into(), true)));
    typ(&mut a, "j");
    assert_eq!(a.notice, None);
    // Adding keeps the line it did not understand.
    typ(&mut a, "kbw\n\n");
    let text = file(&t.path);
    assert!(
        text.starts_with("192.0.2.10\nnot an entry\n192.0.2.0/24 # added"),
        "{text}"
    );
}

#[test]
fn ipv6_widens_along_the_ladder_and_finds_the_neighbour() {
    let t = temp_list();
    let mut a = app_with("tui-block.log", &t.path);
    typ(&mut a, "ff");
    assert_eq!(a.selected_key().as_deref(), Some("2001:db8:5:6::1"));
    typ(&mut a, "b");
    assert_eq!(entry(&a), "2001:db8:5:6::1");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "2001:db8:5:6::/64");
    let p = shown_preview(&a);
    assert_eq!((p.messages, p.senders), (2, 2));
    assert_eq!(p.collateral_ips.len(), 1);
    assert_eq!(p.collateral_dkim_domains, ["lists.example"]);
    typ(&mut a, "w");
    assert_eq!(entry(&a), "2001:db8:5::/56");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "2001:db8:5::/48");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "2001:db8::/32");
}

/// The preview's shared numbers equal what `block check` computes from the model's facts.
#[test]
fn preview_counts_agree_with_the_blocklist_preview() {
    for fixture in ["tui-block.log", "tui-mixed.log"] {
        let m = model(fixture);
        let facts = BlockFacts::new(&m);
        let owned = mailtriage::cli::block::facts_from_model(&m);
        let views = FactsViews::new(&owned);
        let g = std::sync::Arc::new(mailtriage::query::Grouping::new(
            &m,
            AggKey::Ip,
            NetPrefix::default(),
        ));
        let ix = mailtriage::tui::index::GroupIndex::new(&m, g.clone(), NetPrefix::default());
        for gid in 0..g.labels.len() as u32 {
            let Ok(p) = propose(&m, &facts, &ix, gid, "a", &Default::default()) else {
                continue;
            };
            let mut e = Some(p.entry.clone());
            while let Some(cur) = e {
                let mine = preview(&m, &facts, &cur, &p);
                let theirs =
                    mailtriage::blocklist::preview(&cur, views.iter(), p.suspect.as_deref());
                assert_eq!(mine.messages, theirs.messages, "{cur}");
                assert_eq!(mine.senders, theirs.sender_count(), "{cur}");
                assert_eq!(mine.recipients, theirs.recipients, "{cur}");
                assert_eq!(
                    mine.collateral_dkim_messages, theirs.collateral_dkim_messages,
                    "{cur}"
                );
                assert_eq!(
                    mine.collateral_dkim_domains, theirs.collateral_dkim_domains,
                    "{cur}"
                );
                e = cur.widen();
            }
        }
    }
}

/// The numbers through the TUI: 100 arrivals from gmail.com, 40 genuinely signed.
#[test]
fn b_on_a_sender_domain_counts_its_genuinely_signed_mail_as_collateral() {
    let mut log = String::new();
    for i in 0..100 {
        let dkim = if i < 40 { " DKIM=gmail.com" } else { "" };
        log.push_str(&format!(
            "2011-01-01 00:00:{:02} 1PXrD{}-0001aB-Cd <= u{i}@gmail.com H=(x) [198.51.100.{}]:25 P=esmtp S=1{dkim} for r@here.example\n",
            i % 60,
            char::from(b'A' + (i / 10) as u8),
            i % 50,
        ).replacen("-0001aB", &format!("-00{i:02}aB"), 1));
    }
    let opts = mailtriage::model::LoadOptions {
        threads: 1,
        ..mailtriage::model::LoadOptions::default()
    };
    let m = mailtriage::model::load::from_bytes("gmail.log", log.into_bytes(), &opts);
    let t = temp_list();
    let mut a = App::with_model(
        KeyMap::defaults().expect("default keys"),
        m,
        NetPrefix::default(),
        (80, 24),
    );
    a.open_blocklist(Some(t.path.clone()));
    // Group by domain (`a` cycles the grouping key).
    for _ in 0..AggKey::ALL.len() {
        if a.scope.by == AggKey::Domain {
            break;
        }
        typ(&mut a, "ga");
    }
    assert_eq!(a.selected_key().as_deref(), Some("gmail.com"));
    typ(&mut a, "b");
    assert_eq!(entry(&a), "domain:gmail.com");
    let p = shown_preview(&a);
    assert_eq!(p.messages, 100);
    assert_eq!(p.collateral_dkim_messages, 40, "{p:?}");
    assert_eq!(p.collateral_dkim_domains, ["gmail.com"]);
    assert!(p.has_collateral());
}

fn app_from_log(log: &str, prefix: NetPrefix, list: &Path) -> App {
    let opts = mailtriage::model::LoadOptions {
        threads: 1,
        ..mailtriage::model::LoadOptions::default()
    };
    let m = mailtriage::model::load::from_bytes("x.log", log.as_bytes().to_vec(), &opts);
    let mut a = App::with_model(KeyMap::defaults().expect("keys"), m, prefix, (80, 24));
    a.open_blocklist(Some(list.to_path_buf()));
    a
}

const SAFETY_LOG: &str = "\
2011-01-01 00:00:01 1PXrDA-0001aB-Cd <= a@spam.example H=(x) [203.0.113.9]:25 I=[198.51.100.25]:25 P=esmtp S=1
2011-01-01 00:00:02 1PXrDB-0001aB-Cd <= b@spam.example H=(x) [203.0.113.9]:25 I=[198.51.100.25]:25 P=esmtp S=1
2011-01-01 00:00:03 1PXrDC-0001aB-Cd <= c@spam.example H=(x) [203.0.113.9]:25 I=[198.51.100.25]:25 P=esmtp S=1
2011-01-01 00:00:04 1PXrDD-0001aB-Cd <= d@here.example H=localhost [127.0.0.1]:4000 I=[127.0.0.1]:25 P=esmtpa S=1
2011-01-01 00:00:05 1PXrDE-0001aB-Cd <= d@here.example H=localhost [127.0.0.1]:4000 I=[127.0.0.1]:25 P=esmtpa S=1
2011-01-01 00:00:06 1PXrDF-0001aB-Cd <= e@here.example H=(me) [198.51.100.25]:4000 I=[198.51.100.25]:25 P=esmtp S=1
";

#[test]
fn b_never_proposes_everything_nor_loopback() {
    let t = temp_list();
    let zero = NetPrefix { v4: 0, v6: 0 };
    let mut a = app_from_log(SAFETY_LOG, zero, &t.path);
    typ(&mut a, "ga");
    assert_eq!(a.scope.by, AggKey::Net);
    assert_eq!(a.selected_key().as_deref(), Some("0.0.0.0/0"));
    typ(&mut a, "b");
    assert!(a.block.overlay.is_none(), "proposed {}", entry(&a));
    assert!(notice(&a).contains("every address"), "{}", notice(&a));
    typ(&mut a, "\n");
    assert!(!t.path.exists());

    let mut a = app_from_log(SAFETY_LOG, NetPrefix::default(), &t.path);
    // By ip: 203.0.113.9 (3), 127.0.0.1 (2), 198.51.100.25 (1).
    typ(&mut a, "j");
    assert_eq!(a.selected_key().as_deref(), Some("127.0.0.1"));
    typ(&mut a, "b");
    assert!(a.block.overlay.is_none(), "proposed {}", entry(&a));
    assert!(notice(&a).contains("loopback"), "{}", notice(&a));
}

#[test]
fn the_servers_own_address_from_the_i_fields_is_a_warning_in_the_preview() {
    let t = temp_list();
    let mut a = app_from_log(SAFETY_LOG, NetPrefix::default(), &t.path);
    typ(&mut a, "jj");
    assert_eq!(a.selected_key().as_deref(), Some("198.51.100.25"));
    typ(&mut a, "b");
    let p = shown_preview(&a);
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("own address 198.51.100.25")),
        "{p:?}"
    );
    // The spammer's /24 does not hold the server; its preview has no warning.
    let mut a = app_from_log(SAFETY_LOG, NetPrefix::default(), &t.path);
    typ(&mut a, "bw");
    assert_eq!(entry(&a), "203.0.113.0/24");
    assert!(shown_preview(&a).warnings.is_empty());
}

#[test]
fn widening_stops_at_the_minimum_prefix_and_says_why() {
    let t = temp_list();
    let mut a = app_from_log(SAFETY_LOG, NetPrefix::default(), &t.path);
    typ(&mut a, "b");
    let policy = a
        .block
        .overlay
        .as_ref()
        .map(|b| b.proposal().policy.clone())
        .expect("open");
    assert_eq!(policy.server_addrs.len(), 2, "{policy:?}");
    // A stricter minimum (as a config could set) stops the ladder before /16; the preview
    // takes the rules when it opens.
    typ(&mut a, "\x1b");
    a.block.policy.min_v4_prefix = 20;
    typ(&mut a, "b");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "203.0.113.0/24");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "203.0.113.0/24");
    assert!(
        notice(&a).contains("stopped at 203.0.113.0/24") && notice(&a).contains("/20"),
        "{}",
        notice(&a)
    );
}

#[test]
fn the_command_lines_minimum_prefix_and_server_addresses_reach_b() {
    let t = temp_list();
    let mut a = app_from_log(SAFETY_LOG, NetPrefix::default(), &t.path);
    // What `mailtriage --min-v4-prefix 20 --server-addr 203.0.113.200 LOG` hands the view.
    a.block.policy.min_v4_prefix = 20;
    a.block.policy.server_addrs = vec!["203.0.113.200".parse().expect("addr")];
    typ(&mut a, "b");
    let policy = a
        .block
        .overlay
        .as_ref()
        .map(|b| b.proposal().policy.clone())
        .expect("open");
    assert_eq!(policy.min_v4_prefix, 20);
    // The given address and the log's two I= addresses.
    assert_eq!(policy.server_addrs.len(), 3, "{policy:?}");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "203.0.113.0/24");
    assert!(
        shown_preview(&a)
            .warnings
            .iter()
            .any(|w| w.contains("own address 203.0.113.200")),
        "{:?}",
        shown_preview(&a)
    );
    typ(&mut a, "w");
    assert_eq!(entry(&a), "203.0.113.0/24");
    assert!(notice(&a).contains("/20"), "{}", notice(&a));
}

/// The bundled demo log (`assets/demo/mainlog`), with its planted monthly IPv6 sender.
fn demo_app(list: &Path) -> App {
    let demo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog"));
    let m = mailtriage::model::load::from_bytes("demo", demo.expect("demo log"), &common::opts());
    let mut a = App::with_model(
        KeyMap::defaults().expect("keys"),
        m,
        NetPrefix::default(),
        (80, 24),
    );
    a.open_blocklist(Some(list.to_path_buf()));
    a
}

const PLANTED: &str = "newsletter-bargains.example";

fn shift_tab(app: &mut App) {
    app.key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
}

fn current_kind(app: &App) -> Option<Kind> {
    app.block.overlay.as_ref().map(|b| b.choices.current_kind())
}

/// The seed's question from the dkim-domain grouping: `b` offers the DKIM entry first, `Tab`
/// reaches the /64, `w` / `W` walk 64 → 56 → 48 and back, and `Enter` writes the /48.
#[test]
fn b_in_the_dkim_grouping_tabs_to_the_network_and_writes_the_48() {
    let t = temp_list();
    let mut a = demo_app(&t.path);
    typ(&mut a, "A");
    assert_eq!(a.scope.by, AggKey::DkimDomain);
    typ(&mut a, &format!("/{PLANTED}\n"));
    assert_eq!(a.selected_key().as_deref(), Some(PLANTED));
    typ(&mut a, "b");
    assert_eq!(entry(&a), format!("dkim:{PLANTED}"));
    assert_eq!(current_kind(&a), Some(Kind::DkimDomain));
    let dkim_messages = shown_preview(&a).messages;
    key(&mut a, KeyCode::Tab);
    assert_eq!(current_kind(&a), Some(Kind::Address));
    assert!(
        entry(&a).starts_with("2a05:d014:27bf:4d2a:"),
        "{}",
        entry(&a)
    );
    key(&mut a, KeyCode::Tab);
    assert_eq!(entry(&a), "2a05:d014:27bf:4d2a::/64");
    // The figures follow the choice.
    let p64 = shown_preview(&a);
    assert_ne!(p64.messages, 0);
    let s = screen_text(&a);
    assert!(
        s.lines()
            .any(|l| l.contains("▶ network") && l.contains(" 2a05:d014:27bf:4d2a::/64 ")),
        "{s}"
    );
    assert!(s.contains("busiest of 6 addresses"), "{s}");
    assert!(s.contains(&format!("domain:{PLANTED}")), "{s}");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "2a05:d014:27bf:4d00::/56");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "2a05:d014:27bf::/48");
    let p48 = shown_preview(&a);
    assert!(p48.messages >= p64.messages, "{p48:?} {p64:?}");
    typ(&mut a, "WW");
    assert_eq!(entry(&a), "2a05:d014:27bf:4d2a::/64");
    assert_eq!(shown_preview(&a), p64);
    // Round the kinds and back.
    shift_tab(&mut a);
    shift_tab(&mut a);
    assert_eq!(entry(&a), format!("dkim:{PLANTED}"));
    assert_eq!(shown_preview(&a).messages, dkim_messages);
    typ(&mut a, "ww");
    // `w` on a domain goes to the network first, then widens.
    assert_eq!(entry(&a), "2a05:d014:27bf:4d00::/56");
    typ(&mut a, "w");
    assert_eq!(entry(&a), "2a05:d014:27bf::/48");
    assert!(!t.path.exists(), "nothing is written before Enter");
    typ(&mut a, "\nmonthly planted\n");
    let text = file(&t.path);
    let today = chrono::Local::now().date_naive().format("%Y-%m-%d");
    assert_eq!(
        text,
        format!(
            "2a05:d014:27bf::/48 # added {today}; monthly planted; {} messages from {} senders\n",
            p48.messages, p48.senders
        )
    );
}

/// `b` in the message detail offers that message's client address first (whatever the
/// grouping), then its network and its domains.
#[test]
fn b_in_the_detail_offers_the_messages_client_address_first() {
    let t = temp_list();
    let mut a = demo_app(&t.path);
    typ(&mut a, "A");
    typ(&mut a, &format!("/{PLANTED}\n"));
    typ(&mut a, "\n\n");
    assert_eq!(a.focus, mailtriage::tui::view::Pane::Detail);
    let m = a.logs.model.clone().expect("model");
    let msg = a.messages.selected().expect("a message");
    let ip = m
        .messages
        .get(msg as usize)
        .and_then(|x| m.ip(x.ip))
        .expect("an address");
    typ(&mut a, "b");
    assert_eq!(current_kind(&a), Some(Kind::Address));
    assert_eq!(entry(&a), ip.to_string());
    let ov = a.block.overlay.as_ref().expect("open");
    let kinds: Vec<Kind> = ov.choices.candidates().iter().map(|c| c.kind).collect();
    assert_eq!(kinds.first(), Some(&Kind::Address));
    assert!(kinds.contains(&Kind::Network), "{kinds:?}");
    assert!(kinds.contains(&Kind::SenderDomain), "{kinds:?}");
    // From the sender list the same grouping proposes its own DKIM entry first.
    typ(&mut a, "\x1b\x1b\x1bb");
    assert_eq!(entry(&a), format!("dkim:{PLANTED}"));
}

#[test]
fn u_asks_first_n_keeps_the_file_y_removes_and_u_restores_it_with_its_comment() {
    let t = temp_list();
    let before = "# kept\n192.0.2.10 # seen in a spam run\n";
    std::fs::write(&t.path, before).expect("write");
    let mut a = app_with("tui-block.log", &t.path);
    typ(&mut a, "u");
    assert_eq!(a.prompt.as_ref().map(|p| p.kind), Some(PromptKind::Confirm));
    let n = notice(&a);
    assert!(
        n.starts_with("remove 192.0.2.10 (covering 192.0.2.10) from ") && n.ends_with("? y/n"),
        "{n}"
    );
    typ(&mut a, "n");
    assert!(a.prompt.is_none());
    assert_eq!(notice(&a), "nothing removed");
    assert_eq!(file(&t.path), before);
    // Esc, or any other key, keeps it too.
    typ(&mut a, "u\x1b");
    assert_eq!(notice(&a), "nothing removed");
    assert_eq!(file(&t.path), before);

    typ(&mut a, "uy");
    assert!(notice(&a).starts_with("removed 192.0.2.10 (covering 192.0.2.10) from"));
    assert_eq!(file(&t.path), "# kept\n");
    assert!(markers(&a).iter().all(|(_, m)| !m), "{:?}", markers(&a));

    typ(&mut a, "U");
    let n = notice(&a);
    assert!(
        n.starts_with("undone: 192.0.2.10 is back in") && n.ends_with("with its comment"),
        "{n}"
    );
    assert_eq!(file(&t.path), before);
    assert!(markers(&a).contains(&("192.0.2.10".into(), true)));
    // One level: a second U has nothing left.
    typ(&mut a, "U");
    assert!(notice(&a).starts_with("nothing to undo"), "{}", notice(&a));
    assert_eq!(file(&t.path), before);
}

#[test]
fn u_after_an_add_removes_only_what_b_added() {
    let t = temp_list();
    std::fs::write(&t.path, "# kept\n").expect("write");
    let mut a = app_with("tui-block.log", &t.path);
    typ(&mut a, "U");
    assert!(notice(&a).starts_with("nothing to undo"), "{}", notice(&a));
    typ(&mut a, "bw\nrun\n");
    assert!(file(&t.path).contains("192.0.2.0/24 # added"));
    typ(&mut a, "U");
    assert!(
        notice(&a).starts_with("undone: removed 192.0.2.0/24 from"),
        "{}",
        notice(&a)
    );
    assert_eq!(file(&t.path), "# kept\n");
    assert!(markers(&a).iter().all(|(_, m)| !m), "{:?}", markers(&a));

    // An entry that was in the file already is not ours to take out.
    std::fs::write(&t.path, "192.0.2.10 # by hand\n").expect("write");
    typ(&mut a, "b\n\n");
    assert!(notice(&a).contains("is already in"), "{}", notice(&a));
    typ(&mut a, "U");
    assert!(notice(&a).starts_with("nothing to undo"), "{}", notice(&a));
    assert_eq!(file(&t.path), "192.0.2.10 # by hand\n");

    // Nor one the admin edited after it was added.
    std::fs::write(&t.path, "").expect("write");
    typ(&mut a, "b\n\n");
    std::fs::write(&t.path, "192.0.2.10 # checked by hand, keep\n").expect("write");
    typ(&mut a, "U");
    assert!(notice(&a).contains("was changed since"), "{}", notice(&a));
    assert_eq!(file(&t.path), "192.0.2.10 # checked by hand, keep\n");
}

/// What the policy refuses is listed in the preview with its reason, and no `Tab` reaches it.
#[test]
fn the_preview_names_what_was_refused_and_tab_never_reaches_it() {
    const LOG: &str = "\
2011-01-01 00:00:02 1PXrDB-0001aB-Cd DKIM: d=github.io s=x c=relaxed/relaxed a=rsa-sha256 b=2048 [verification succeeded]
2011-01-01 00:00:02 1PXrDB-0001aB-Cd <= b@spam.example H=(x) [10.1.2.3]:25 P=esmtp S=1 DKIM=github.io for r@here.example
";
    let t = temp_list();
    let mut a = app_from_log(LOG, NetPrefix::default(), &t.path);
    assert_eq!(a.selected_key().as_deref(), Some("10.1.2.3"));
    typ(&mut a, "b");
    let s = screen_text(&a);
    assert!(
        s.lines().any(|l| l.contains("refused")
            && l.contains("dkim:github.io")
            && l.contains("public suffix")),
        "{s}"
    );
    let mut seen = Vec::new();
    for _ in 0..6 {
        seen.push(entry(&a));
        key(&mut a, KeyCode::Tab);
    }
    assert!(seen.iter().all(|e| e != "dkim:github.io"), "{seen:?}");
    assert!(
        seen.contains(&"domain:spam.example".to_string()),
        "{seen:?}"
    );
}
