//! Impact preview on a hand-made set of arrivals: what an entry blocks and what it would hit
//! by mistake.

use std::net::IpAddr;

use mailtriage::blocklist::{Entry, FactsViews, Impact, OwnedFacts, check, preview};

fn arrivals() -> Vec<OwnedFacts> {
    serde_json::from_str(include_str!("fixtures/blocklist/arrivals.json")).expect("fixture parses")
}

fn impact(entry: &str, suspect: Option<&str>) -> Impact {
    let facts = arrivals();
    let views = FactsViews::new(&facts);
    let entry = Entry::parse(entry).expect("valid entry");
    preview(&entry, views.iter(), suspect)
}

fn ips(list: &[&str]) -> Vec<IpAddr> {
    list.iter().map(|s| s.parse().expect("ip")).collect()
}

#[test]
fn network_preview_counts_and_flags_the_neighbour_signed_by_another_domain() {
    let i = impact("192.0.2.0/24", Some("spam.example"));
    assert_eq!(i.messages, 5);
    assert_eq!(i.senders, ["192.0.2.10", "192.0.2.11", "192.0.2.200"]);
    // alice appears in two spellings and is counted once.
    assert_eq!(i.recipients, 4);
    assert_eq!(i.collateral_dkim_messages, 2);
    assert_eq!(i.collateral_dkim_domains, ["newsletter.example"]);
    assert_eq!(i.collateral_ips, ips(&["192.0.2.200"]));
}

#[test]
fn host_preview_has_no_collateral_when_all_its_mail_is_the_suspects() {
    let i = impact("192.0.2.10", Some("spam.example"));
    assert_eq!((i.messages, i.sender_count(), i.recipients), (2, 1, 2));
    assert_eq!(i.collateral_dkim_messages, 0);
    assert!(i.collateral_ips.is_empty());
}

#[test]
fn sender_domain_preview_includes_subdomains_and_messages_without_an_ip() {
    let i = impact("domain:spam.example", Some("spam.example"));
    assert_eq!(i.messages, 4);
    assert_eq!(i.senders, ["192.0.2.10", "192.0.2.11", "local"]);
    assert_eq!(i.recipients, 4);
    // A valid signature proves the envelope domain was not forged: that mail is genuinely
    // spam.example's, and a sender-domain block loses it, so it is collateral.
    assert_eq!(i.collateral_dkim_messages, 2, "{i:?}");
    assert_eq!(i.collateral_dkim_domains, ["spam.example"]);
    assert!(i.collateral_ips.is_empty());
}

#[test]
fn dkim_preview_flags_messages_also_signed_by_other_domains() {
    let i = impact("dkim:mailer.example", Some("mailer.example"));
    assert_eq!(i.messages, 2);
    assert_eq!(i.collateral_dkim_messages, 1);
    assert_eq!(i.collateral_dkim_domains, ["shop.example"]);

    // The blocked signer's own signatures are the target, with or without a suspect.
    let i = impact("dkim:mailer.example", None);
    assert_eq!(i.collateral_dkim_messages, 1);
    assert_eq!(i.collateral_dkim_domains, ["shop.example"]);
}

#[test]
fn ipv6_network_without_suspect_lists_every_address_inside() {
    let i = impact("2001:db8:1::/48", None);
    assert_eq!(i.messages, 2);
    assert_eq!(
        i.collateral_ips,
        ips(&["2001:db8:1:2::5", "2001:db8:1:3::1"])
    );
    let host = impact("2001:db8:1:3::1", None);
    assert_eq!(host.messages, 1);
    assert!(host.collateral_ips.is_empty());
}

#[test]
fn entry_matching_nothing_has_an_empty_impact() {
    assert_eq!(
        impact("203.0.113.0/24", Some("spam.example")),
        Impact::default()
    );
}

#[test]
fn check_reports_every_entry_in_file_order() {
    let facts = arrivals();
    let views = FactsViews::new(&facts);
    let entries: Vec<Entry> = [
        "192.0.2.0/25",
        "domain:newsletter.example",
        "dkim:nobody.example",
    ]
    .iter()
    .map(|s| Entry::parse(s).expect("valid"))
    .collect();
    let rows = check(
        entries.iter().enumerate().map(|(i, e)| (i + 1, e)),
        views.iter(),
    );
    let summary: Vec<(usize, String, usize, usize)> = rows
        .iter()
        .map(|r| {
            (
                r.line_no,
                r.entry.to_string(),
                r.impact.messages,
                r.impact.sender_count(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "192.0.2.0/25".to_owned(), 3, 2),
            (2, "domain:newsletter.example".to_owned(), 2, 1),
            (3, "dkim:nobody.example".to_owned(), 0, 0)
        ]
    );
}

/// The numbers: 100 messages from gmail.com, 40 of them genuinely DKIM-signed by it.
fn gmail_arrivals() -> Vec<OwnedFacts> {
    (0..100)
        .map(|i| OwnedFacts {
            ip: Some(format!("198.51.100.{}", i % 50).parse().expect("ip")),
            sender_domain: Some(
                if i % 10 == 0 {
                    "Mail.GMAIL.com"
                } else {
                    "gmail.com"
                }
                .into(),
            ),
            dkim_pass_domains: if i < 40 {
                vec!["gmail.com".into()]
            } else {
                Vec::new()
            },
            recipients: vec![format!("u{i}@here.example")],
            sender_key: format!("198.51.100.{}", i % 50),
        })
        .collect()
}

#[test]
fn blocking_a_sender_domain_counts_its_genuinely_signed_mail_as_collateral() {
    let facts = gmail_arrivals();
    let views = FactsViews::new(&facts);
    let entry = Entry::parse("domain:gmail.com").expect("entry");
    for suspect in [Some("gmail.com"), None] {
        let i = preview(&entry, views.iter(), suspect);
        assert_eq!(i.messages, 100);
        assert_eq!(i.collateral_dkim_messages, 40, "{suspect:?}");
        assert_eq!(i.collateral_dkim_domains, ["gmail.com"]);
    }
    // A DKIM block of gmail.com targets exactly those 40: they are not its collateral.
    let i = preview(
        &Entry::parse("dkim:gmail.com").expect("entry"),
        views.iter(),
        None,
    );
    assert_eq!((i.messages, i.collateral_dkim_messages), (40, 0));
}
