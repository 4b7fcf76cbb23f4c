//! `--sort dkim-fail` (TUI `s`) under `dkim-domain` orders signing domains by their own
//! failing signatures, not by their messages' status: a brand whose signature breaks on
//! every message beside its ESP's passing one is the domain to look at, though every
//! one of those messages passes.

use mailtriage::model::{LoadOptions, load::from_bytes};
use mailtriage::query::{self, AggKey, Filter, Grouping, NetPrefix, SortKey};
use mailtriage::tui::app::App;
use mailtriage::tui::keys::KeyMap;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// `lone.example`: one message, its only signature fails (the message fails).
/// `brand.example`: two messages, its signature fails on both, `esp.example`'s passes
/// (both messages pass). `esp.example`: no failing signature.
const LOG: &str = "\
2025-01-06 10:00:00 1tUaaa-000000000a1-AAAA DKIM: d=lone.example s=s1 c=relaxed/relaxed a=rsa-sha256 [verification failed - body hash mismatch (body probably modified in transit)]
2025-01-06 10:00:01 1tUaaa-000000000a1-AAAA <= a@lone.example H=mx.lone.example [192.0.2.1]:25 P=esmtp S=100
2025-01-06 10:01:00 1tUbbb-000000000b1-BBBB DKIM: d=brand.example s=s1 c=relaxed/relaxed a=rsa-sha256 [verification failed - body hash mismatch (body probably modified in transit)]
2025-01-06 10:01:00 1tUbbb-000000000b1-BBBB DKIM: d=esp.example s=s1 c=relaxed/relaxed a=rsa-sha256 [verification succeeded]
2025-01-06 10:01:01 1tUbbb-000000000b1-BBBB <= b@brand.example H=out.esp.example [192.0.2.2]:25 P=esmtp S=100 DKIM=esp.example
2025-01-06 10:02:00 1tUccc-000000000c1-CCCC DKIM: d=brand.example s=s1 c=relaxed/relaxed a=rsa-sha256 [verification failed - body hash mismatch (body probably modified in transit)]
2025-01-06 10:02:00 1tUccc-000000000c1-CCCC DKIM: d=esp.example s=s1 c=relaxed/relaxed a=rsa-sha256 [verification succeeded]
2025-01-06 10:02:01 1tUccc-000000000c1-CCCC <= c@brand.example H=out.esp.example [192.0.2.2]:25 P=esmtp S=100 DKIM=esp.example
";

fn model() -> mailtriage::model::Model {
    let opts = LoadOptions {
        threads: 1,
        ..LoadOptions::default()
    };
    from_bytes("dkim-sort", LOG.as_bytes().to_vec(), &opts)
}

#[test]
fn cli_sorts_signing_domains_by_their_own_failing_signatures() {
    let m = model();
    let g = Grouping::new(&m, AggKey::DkimDomain, NetPrefix::default());
    let mut rows = query::group(&m, &g, &Filter::default(), false);
    // The fixture is what it says: by message status the lone domain leads.
    let lone = rows.iter().find(|r| r.key == "lone.example").expect("lone");
    let brand = rows
        .iter()
        .find(|r| r.key == "brand.example")
        .expect("brand");
    assert_eq!((lone.dkim.fail, brand.dkim.fail), (1, 0));
    assert_eq!(brand.signatures.as_deref().map(|s| s.fail), Some(2));
    query::sort_rows(&mut rows, SortKey::DkimFail);
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["brand.example", "lone.example", "esp.example"]);
    // Under another key the messages' status still decides.
    let g = Grouping::new(&m, AggKey::Ip, NetPrefix::default());
    let mut rows = query::group(&m, &g, &Filter::default(), false);
    query::sort_rows(&mut rows, SortKey::DkimFail);
    assert_eq!(rows.first().map(|r| r.key.as_str()), Some("192.0.2.1"));
}

#[test]
fn tui_sorts_signing_domains_by_their_own_failing_signatures() {
    let keys = KeyMap::defaults().expect("default keys");
    let mut app = App::with_model(keys, model(), NetPrefix::default(), (120, 40));
    // `A` goes from `ip` back to `dkim-domain`; `S` twice from messages to dkim-fail.
    for c in "ASS".chars() {
        app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    assert_eq!(
        (app.scope.by, app.scope.sort),
        (AggKey::DkimDomain, SortKey::DkimFail)
    );
    assert_eq!(
        app.senders.shown_keys(),
        ["brand.example", "lone.example", "esp.example"]
    );
}
