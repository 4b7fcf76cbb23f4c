//! What `b` offers from any grouping and from one message (`tui::block::Candidates`): the
//! address, its networks along the ladder, the envelope domain and the DKIM domains; what the
//! policy refuses is never current; the preview follows the choice and agrees with
//! `blocklist::preview` and `block check`.

mod common;

use std::sync::Arc;

use mailtriage::blocklist::{self, Entry, FactsViews, Policy};
use mailtriage::model::Model;
use mailtriage::query::{AggKey, Grouping, NetPrefix};
use mailtriage::tui::block::{BlockFacts, Candidates, Kind, not_offered, propose};
use mailtriage::tui::index::GroupIndex;

fn demo() -> Model {
    let demo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog"));
    mailtriage::model::load::from_bytes("demo", demo.expect("demo log"), &common::opts())
}

fn from_log(log: &str) -> Model {
    let opts = mailtriage::model::LoadOptions {
        threads: 1,
        ..mailtriage::model::LoadOptions::default()
    };
    mailtriage::model::load::from_bytes("x.log", log.as_bytes().to_vec(), &opts)
}

fn index(m: &Model, by: AggKey) -> GroupIndex {
    let g = Arc::new(Grouping::new(m, by, NetPrefix::default()));
    GroupIndex::new(m, g, NetPrefix::default())
}

fn gid(ix: &GroupIndex, label: &str) -> u32 {
    (0..ix.grouping.labels.len() as u32)
        .find(|&g| ix.label(g) == label)
        .unwrap_or_else(|| panic!("no group {label}"))
}

fn group(m: &Model, by: AggKey, label: &str, policy: &Policy) -> Candidates {
    let facts = BlockFacts::new(m);
    let ix = index(m, by);
    Candidates::for_group(m, &facts, &ix, gid(&ix, label), policy)
        .unwrap_or_else(|e| panic!("{label}: {e}"))
}

fn message(m: &Model, id: &str) -> u32 {
    m.messages
        .iter()
        .position(|x| x.id.to_string() == id)
        .unwrap_or_else(|| panic!("no message {id}")) as u32
}

/// The offered entries as text, in switching order.
fn offered(c: &Candidates) -> Vec<(Kind, String)> {
    c.candidates()
        .iter()
        .map(|x| (x.kind, x.entry.to_string()))
        .collect()
}

/// Walks with `step` until it refuses; the entries seen, and the refusal.
fn walk(c: &mut Candidates, wider: bool) -> (Vec<String>, String) {
    let mut seen = vec![c.current().to_string()];
    loop {
        match c.step(wider) {
            Ok(e) => {
                assert_eq!(&e, c.current());
                seen.push(e.to_string());
            }
            Err(why) => return (seen, why),
        }
    }
}

const PLANTED: &str = "newsletter-bargains.example";
const PLANTED_64: &str = "2a05:d014:27bf:4d2a::/64";

#[test]
fn a_dkim_domain_group_offers_its_dkim_entry_then_the_address_the_64_and_the_envelope_domain() {
    let m = demo();
    let c = group(&m, AggKey::DkimDomain, PLANTED, &Policy::default());
    let o = offered(&c);
    assert_eq!(o.len(), 4, "{o:?}");
    assert_eq!(o[0], (Kind::DkimDomain, format!("dkim:{PLANTED}")));
    assert_eq!(o[1].0, Kind::Address);
    assert!(o[1].1.starts_with("2a05:d014:27bf:4d2a:"), "{o:?}");
    assert_eq!(o[2], (Kind::Network, PLANTED_64.to_string()));
    assert_eq!(o[3], (Kind::SenderDomain, format!("domain:{PLANTED}")));
    // The grouping's own entry is current; the address is the busiest of six.
    assert_eq!(c.current().to_string(), format!("dkim:{PLANTED}"));
    assert_eq!(c.addresses(), 6);
    assert_eq!(c.proposal().suspect.as_deref(), Some(PLANTED));
    assert!(c.refused().is_empty(), "{:?}", c.refused());
}

#[test]
fn b_on_a_domain_row_still_proposes_the_domain_first_and_a_host_with_two_addresses_is_offered() {
    let m = common::fixture_model("tui-block.log");
    let p = Policy::default();
    let c = group(&m, AggKey::Domain, "spam.example", &p);
    assert_eq!(
        offered(&c),
        [
            (Kind::SenderDomain, "domain:spam.example".into()),
            (Kind::Address, "192.0.2.10".into()),
            (Kind::Network, "192.0.2.0/24".into()),
        ]
    );
    // By HELO name: `propose` refuses two addresses; the choices take the busiest and say so.
    let facts = BlockFacts::new(&m);
    let ix = index(&m, AggKey::Host);
    assert!(propose(&m, &facts, &ix, gid(&ix, "spam.example"), "a", &p).is_err());
    let c = group(&m, AggKey::Host, "spam.example", &p);
    assert_eq!(c.current().to_string(), "192.0.2.10");
    assert_eq!(c.addresses(), 2);
    assert_eq!(c.current_kind(), Kind::Address);
    // By ip and by net the grouping's own entry is first too.
    let c = group(&m, AggKey::Net, "192.0.2.0/24", &p);
    assert_eq!(
        offered(&c)[..2],
        [
            (Kind::Network, "192.0.2.0/24".into()),
            (Kind::Address, "192.0.2.10".into())
        ]
    );
    let c = group(&m, AggKey::Sender, "news@lists.example", &p);
    assert_eq!(
        offered(&c),
        [
            (Kind::SenderDomain, "domain:lists.example".into()),
            (Kind::Address, "2001:db8:5:6::2".into()),
            (Kind::Network, "2001:db8:5:6::/64".into()),
            (Kind::DkimDomain, "dkim:lists.example".into()),
        ]
    );
}

#[test]
fn ipv6_walks_128_64_56_48_32_and_stops_at_the_policys_minimum_prefix() {
    let m = demo();
    let mut c = group(&m, AggKey::DkimDomain, PLANTED, &Policy::default());
    assert!(c.select_kind(Kind::Network));
    assert_eq!(c.current().to_string(), PLANTED_64);
    // Narrowing the /64 lands on the busiest address, the address candidate.
    let addr = c.step(false).expect("to the address");
    assert_eq!(c.current_kind(), Kind::Address);
    assert_eq!(addr, c.candidates()[1].entry);
    assert!(c.step(false).unwrap_err().contains("single address"));
    // The default minimum is /19, wider than /32: the whole ladder is offered.
    let (seen, why) = walk(&mut c, true);
    let lens: Vec<&str> = seen
        .iter()
        .map(|s| s.rsplit_once('/').map_or("128", |x| x.1))
        .collect();
    assert_eq!(lens, ["128", "64", "56", "48", "32"], "{seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("2a05:d014::/32"));
    assert!(why.contains("widest step"), "{why}");
    assert_eq!(c.current_kind(), Kind::Network);
    // A stricter policy (`--min-v6-prefix 48`) stops at the /48 and says why.
    let strict = Policy {
        min_v6_prefix: 48,
        ..Policy::default()
    };
    let mut c = group(&m, AggKey::DkimDomain, PLANTED, &strict);
    assert!(c.select_kind(Kind::Network));
    let (seen, why) = walk(&mut c, true);
    assert_eq!(seen.last().map(String::as_str), Some("2a05:d014:27bf::/48"));
    assert!(
        why.contains("stopped at 2a05:d014:27bf::/48") && why.contains("/48"),
        "{why}"
    );
    assert_eq!(c.current().to_string(), "2a05:d014:27bf::/48");
    // Walking back narrows toward the anchor address.
    let (back, _) = walk(&mut c, false);
    assert_eq!(
        back.get(2).map(String::as_str),
        Some(PLANTED_64),
        "{back:?}"
    );
    assert_eq!(back.last(), Some(&c.candidates()[1].entry.to_string()));
}

#[test]
fn ipv4_walks_32_24_16_and_stops_at_min_v4_prefix() {
    let m = demo();
    let p = Policy::default();
    let mut c = group(&m, AggKey::Ip, "45.137.21.114", &p);
    assert_eq!(c.current().to_string(), "45.137.21.114");
    // The first network offered is the /24.
    assert_eq!(
        c.candidates()
            .iter()
            .find(|x| x.kind == Kind::Network)
            .map(|x| x.entry.to_string()),
        Some("45.137.21.0/24".into())
    );
    let (seen, why) = walk(&mut c, true);
    assert_eq!(seen, ["45.137.21.114", "45.137.21.0/24", "45.137.0.0/16"]);
    assert!(why.contains("widest step"), "{why}");
    let (seen, why) = walk(&mut c, false);
    assert_eq!(seen, ["45.137.0.0/16", "45.137.21.0/24", "45.137.21.114"]);
    assert!(why.contains("single address"), "{why}");
    // What `mailtriage --min-v4-prefix 20 LOG` hands the view.
    let strict = Policy {
        min_v4_prefix: 20,
        ..Policy::default()
    };
    let mut c = group(&m, AggKey::Ip, "45.137.21.114", &strict);
    let (seen, why) = walk(&mut c, true);
    assert_eq!(seen, ["45.137.21.114", "45.137.21.0/24"]);
    assert!(
        why.contains("stopped at 45.137.21.0/24") && why.contains("/20"),
        "{why}"
    );
    // A domain has no prefix.
    assert!(c.select_kind(Kind::SenderDomain));
    assert!(c.step(true).unwrap_err().contains("no prefix"));
}

#[test]
fn one_message_offers_its_address_its_64_its_envelope_domain_and_its_dkim_domain() {
    let m = demo();
    let facts = BlockFacts::new(&m);
    let msg = message(&m, "1tXtu4-000000001Iy-004q");
    let mut c = Candidates::for_message(&m, &facts, msg, &Policy::default()).expect("candidates");
    assert_eq!(
        offered(&c),
        [
            (
                Kind::Address,
                "2a05:d014:27bf:4d2a:7f0f:7ad8:f58:a51".into()
            ),
            (Kind::Network, PLANTED_64.into()),
            (Kind::SenderDomain, format!("domain:{PLANTED}")),
            (Kind::DkimDomain, format!("dkim:{PLANTED}")),
        ]
    );
    assert_eq!(c.proposal().suspect.as_deref(), Some(PLANTED));
    assert_eq!(c.proposal().by, AggKey::Ip);
    assert_eq!(c.addresses(), 1);
    let one = c.preview(&m, &facts);
    assert_eq!((one.messages, one.senders), (1, 1));
    // Tab to the /64: the other five addresses signed as the planted domain are its own.
    assert_eq!(c.next_kind(true).expect("next").to_string(), PLANTED_64);
    let net = c.preview(&m, &facts);
    assert_eq!((net.messages, net.senders, net.recipients), (6, 6, 1));
    assert!(!net.has_collateral(), "{net:?}");
    // Shift-Tab wraps backwards.
    c.next_kind(false).expect("back");
    c.next_kind(false).expect("wrap");
    assert_eq!(c.current().to_string(), format!("dkim:{PLANTED}"));
}

#[test]
fn the_preview_follows_the_choice_and_equals_blocklist_preview_and_block_check() {
    let m = demo();
    let facts = BlockFacts::new(&m);
    let owned = mailtriage::cli::block::facts_from_model(&m);
    let views = FactsViews::new(&owned);
    let mut c = group(&m, AggKey::DkimDomain, PLANTED, &Policy::default());
    let mut counts = Vec::new();
    for _ in 0..c.candidates().len() {
        let e = c.current().clone();
        let mine = c.preview(&m, &facts);
        let suspect = c.proposal().suspect.as_deref();
        let theirs = blocklist::preview(&e, views.iter(), suspect);
        assert_eq!(mine.messages, theirs.messages, "{e}");
        assert_eq!(mine.recipients, theirs.recipients, "{e}");
        assert_eq!(
            mine.collateral_dkim_messages, theirs.collateral_dkim_messages,
            "{e}"
        );
        assert_eq!(
            mine.collateral_dkim_domains, theirs.collateral_dkim_domains,
            "{e}"
        );
        if matches!(e, Entry::Net(_)) {
            assert_eq!(mine.senders, theirs.sender_count(), "{e}");
        } else {
            // `block check` judges without a suspect; domain entries do not use one.
            let row = blocklist::check([(1, &e)].into_iter(), views.iter());
            assert_eq!(row[0].impact.messages, mine.messages, "{e}");
            assert_eq!(
                row[0].impact.collateral_dkim_domains,
                mine.collateral_dkim_domains
            );
        }
        counts.push((e.to_string(), mine.messages));
        c.next_kind(true).expect("next");
    }
    // Back at the start after one round.
    assert_eq!(c.position(), 0);
    let n: Vec<usize> = counts.iter().map(|x| x.1).collect();
    assert_eq!(n, [6, 1, 6, 6], "{counts:?}");
    // Walking the network changes the figures: the /64 holds the planted sender only, the /48
    // the rest of its provider's customers, named as collateral; each step agrees with
    // blocklist::preview.
    assert!(c.select_kind(Kind::Network));
    let at_64 = c.preview(&m, &facts);
    assert_eq!(at_64.messages, 6);
    assert!(at_64.collateral_ips.is_empty(), "{at_64:?}");
    let mut seen = Vec::new();
    while c.step(true).is_ok() {
        let e = c.current().clone();
        let mine = c.preview(&m, &facts);
        let theirs = blocklist::preview(&e, views.iter(), c.proposal().suspect.as_deref());
        assert_eq!(mine.messages, theirs.messages, "{e}");
        assert_eq!(mine.senders, theirs.sender_count(), "{e}");
        seen.push((e.to_string(), mine));
    }
    let at_48 = &seen
        .iter()
        .find(|(e, _)| e.ends_with("/48"))
        .expect("the /48")
        .1;
    assert!(at_48.messages > 6, "{at_48:?}");
    assert!(!at_48.collateral_ips.is_empty(), "{at_48:?}");
}

const REFUSALS: &str = "\
2011-01-01 00:00:01 1PXrDA-0001aB-Cd <= a@co.uk H=(x) [127.0.0.1]:25 P=esmtp S=1 for r@here.example
2011-01-01 00:00:02 1PXrDB-0001aB-Cd DKIM: d=github.io s=x c=relaxed/relaxed a=rsa-sha256 b=2048 [verification succeeded]
2011-01-01 00:00:02 1PXrDB-0001aB-Cd <= b@spam.example H=(x) [10.1.2.3]:25 P=esmtp S=1 DKIM=github.io for r@here.example
2011-01-01 00:00:03 1PXrDC-0001aB-Cd <= c@spam.example H=localhost [::1]:25 P=esmtp S=1 for r@here.example
";

#[test]
fn refused_candidates_are_set_aside_with_their_reason_and_never_current() {
    let m = from_log(REFUSALS);
    let facts = BlockFacts::new(&m);
    let p = Policy::default();
    let of = |id: &str| Candidates::for_message(&m, &facts, message(&m, id), &p);
    // Loopback address and network, and a public suffix: nothing is left to offer.
    let e = of("1PXrDA-0001aB-Cd").unwrap_err();
    assert!(e.contains("loopback") && e.contains("public suffix"), "{e}");
    // A private address is offered with its warning (README: a compromised host inside the
    // network is a reason); the public-suffix DKIM domain is refused and named.
    let c = of("1PXrDB-0001aB-Cd").expect("candidates");
    assert_eq!(
        offered(&c),
        [
            (Kind::Address, "10.1.2.3".into()),
            (Kind::Network, "10.1.2.0/24".into()),
            (Kind::SenderDomain, "domain:spam.example".into()),
        ]
    );
    assert!(
        c.preview(&m, &facts)
            .warnings
            .iter()
            .any(|w| w.contains("private"))
    );
    let r = c.refused();
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (r[0].kind, r[0].what.as_str()),
        (Kind::DkimDomain, "dkim:github.io")
    );
    assert!(r[0].why.contains("public suffix"), "{r:?}");
    // IPv6 loopback: only the envelope domain is offered, and says what was refused.
    let mut c = of("1PXrDC-0001aB-Cd").expect("candidates");
    assert_eq!(
        offered(&c),
        [(Kind::SenderDomain, "domain:spam.example".into())]
    );
    assert!(
        c.refused().iter().all(|r| r.why.contains("loopback")),
        "{:?}",
        c.refused()
    );
    assert!(c.next_kind(true).unwrap_err().contains("only entry"));
    assert!(c.step(true).is_err());
    assert_eq!(c.current().to_string(), "domain:spam.example");
    // By ip the grouping's own entry is what was asked for: refused as `propose` refuses it.
    let ix = index(&m, AggKey::Ip);
    let e = Candidates::for_group(&m, &facts, &ix, gid(&ix, "127.0.0.1"), &p).unwrap_err();
    assert!(e.contains("loopback"), "{e}");
    let ix = index(&m, AggKey::Domain);
    let e = Candidates::for_group(&m, &facts, &ix, gid(&ix, "co.uk"), &p).unwrap_err();
    assert!(e.contains("public suffix"), "{e}");
}

/// Over every group of every grouping and every message of two logs, whatever is switched to or
/// stepped to is offered by the policy (so `Enter` can never write a refused entry).
#[test]
fn no_switch_or_step_ever_makes_a_refused_entry_current() {
    let strict = Policy {
        min_v4_prefix: 20,
        min_v6_prefix: 48,
        ..Policy::default()
    };
    for m in [
        common::fixture_model("tui-block.log"),
        common::fixture_model("tui-mixed.log"),
        from_log(REFUSALS),
    ] {
        let facts = BlockFacts::new(&m);
        let mut all = Vec::new();
        for p in [Policy::default(), strict.clone()] {
            for by in AggKey::ALL {
                let ix = index(&m, by);
                for g in 0..ix.grouping.labels.len() as u32 {
                    all.extend(Candidates::for_group(&m, &facts, &ix, g, &p).ok());
                }
            }
            for i in 0..m.messages.len() as u32 {
                all.extend(Candidates::for_message(&m, &facts, i, &p).ok());
            }
        }
        assert!(all.len() > 10);
        for mut c in all {
            let policy = c.proposal().policy.clone();
            for key in [0, 1, 2, 2, 2, 2, 3, 0, 3, 3, 3, 3, 1, 1] {
                let _ = match key {
                    0 => c.next_kind(true),
                    1 => c.next_kind(false),
                    2 => c.step(true),
                    _ => c.step(false),
                };
                assert_eq!(not_offered(&policy, c.current()), None, "{}", c.current());
                assert_eq!(&c.proposal().entry, c.current());
                let r = c.refused();
                assert!(r.iter().all(|r| r.what != c.current().to_string()));
            }
        }
    }
}

/// A relay signs for many domains: only the most frequent are offered, and the rest counted.
#[test]
fn only_the_most_frequent_dkim_domains_are_offered() {
    let mut log = String::new();
    for (i, d) in ["a", "b", "c", "d", "e", "f", "g", "c"].iter().enumerate() {
        log.push_str(&format!(
            "2011-01-01 00:00:0{i} 1PXrD{i}-0001aB-Cd DKIM: d={d}.example s=x c=relaxed/relaxed a=rsa-sha256 b=2048 [verification succeeded]\n\
             2011-01-01 00:00:0{i} 1PXrD{i}-0001aB-Cd <= x@relay.example H=(x) [198.51.100.7]:25 P=esmtp S=1 DKIM={d}.example for r@here.example\n"
        ));
    }
    let m = from_log(&log);
    let c = group(&m, AggKey::Ip, "198.51.100.7", &Policy::default());
    let dkim: Vec<String> = offered(&c)
        .into_iter()
        .filter(|x| x.0 == Kind::DkimDomain)
        .map(|x| x.1)
        .collect();
    assert_eq!(
        dkim,
        [
            "dkim:c.example",
            "dkim:a.example",
            "dkim:b.example",
            "dkim:d.example",
            "dkim:e.example"
        ]
    );
    assert_eq!(c.dkim_left_out(), 2);
}

#[test]
fn a_recipient_or_login_row_offers_its_busiest_client_never_the_recipient() {
    let m = demo();
    let p = Policy::default();
    for (by, label) in [
        (AggKey::Recipient, "rwolf@example.org"),
        (AggKey::Auth, "anna.richter@example.org"),
    ] {
        let c = group(&m, by, label, &p);
        let o = offered(&c);
        assert_eq!(
            o.first().map(|x| x.0),
            Some(Kind::Address),
            "{label}: {o:?}"
        );
        assert!(c.addresses() >= 1, "{label}");
        assert!(
            o.iter().all(|(_, e)| !e.contains(label)),
            "{label} is offered itself: {o:?}"
        );
        // `propose` (the `u`-side question) names the same busiest address.
        let facts = BlockFacts::new(&m);
        let ix = index(&m, by);
        let prop = propose(&m, &facts, &ix, gid(&ix, label), "a", &p).expect("proposal");
        assert_eq!(prop.entry.to_string(), o[0].1, "{label}");
    }
    // The (none) login group, like every no-value group, cannot be blocked.
    let ix = index(&m, AggKey::Auth);
    let facts = BlockFacts::new(&m);
    assert!(Candidates::for_group(&m, &facts, &ix, gid(&ix, "(none)"), &p).is_err());
}
