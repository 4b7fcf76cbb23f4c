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
    assert_eq!(i.collateral_dkim_messages, 0);
    assert!(i.collateral_ips.is_empty());
}

#[test]
fn dkim_preview_flags_messages_also_signed_by_other_domains() {
    let i = impact("dkim:mailer.example", Some("mailer.example"));
    assert_eq!(i.messages, 2);
    assert_eq!(i.collateral_dkim_messages, 1);
    assert_eq!(i.collateral_dkim_domains, ["shop.example"]);

    // With no suspect, every passing signature is someone's legitimate mail.
    let i = impact("dkim:mailer.example", None);
    assert_eq!(i.collateral_dkim_messages, 2);
    assert_eq!(
        i.collateral_dkim_domains,
        ["mailer.example", "shop.example"]
    );
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
