//! The seed's question on the bundled demo log, below the TUI: a message id as it
//! appears in a `Received:` header jumps to the planted sender, whose history is
//! its six transactions whole (issue 8, item 5).

mod common;

use std::path::PathBuf;

use mailtriage::model::Model;
use mailtriage::query::history::{Mark, Row, group_history};
use mailtriage::query::jump::{Target, resolve};
use mailtriage::query::{AggKey, Filter, Grouping, NetPrefix};

fn demo() -> Model {
    common::load(&[PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/mainlog"
    ))])
}

const PLANTED: &[u8] = b"offers@newsletter-bargains.example";

#[test]
fn received_header_id_jumps_to_the_planted_sender_and_its_history() {
    let m = demo();
    let planted: Vec<u32> = (0..m.messages.len() as u32)
        .filter(|&i| m.str(m.messages[i as usize].sender) == PLANTED)
        .collect();
    assert_eq!(planted.len(), 6);
    let first = planted[0];
    let header = format!(
        "Received: from mail.newsletter-bargains.example ([{}])\r\n\tby mx.example.org \
         with esmtps id {} for <webpage-contact@example.org>; Wed, 15 Jan 2025 03:17:12 +0000",
        m.ip(m.messages[first as usize].ip).unwrap(),
        m.messages[first as usize].id
    );
    assert_eq!(resolve(&m, &header), Ok(Target::Message(first)));

    // Under the /64 grouping the message lands on its network's row, which
    // holds all six planted messages and nothing else.
    let p = NetPrefix::default();
    let g = Grouping::new(&m, AggKey::Net, p);
    let landing = Target::Message(first).landing(&g, p);
    assert_eq!(landing.label, "2a05:d014:27bf:4d2a::/64");
    assert_eq!(landing.message, Some(first));
    let gid = g.find(&landing.label).unwrap();
    let rows = group_history(&m, &g, gid, &Filter::default());
    let blocks: Vec<&[Row]> = rows.split(|r| *r == Row::Gap).collect();
    assert_eq!(blocks.len(), 6);
    for (block, &msg) in blocks.iter().zip(&planted) {
        let lines: Vec<u32> = block.iter().filter_map(|r| r.line()).collect();
        assert_eq!(lines, m.message_lines(msg).collect::<Vec<_>>());
        let marks: Vec<Mark> = block
            .iter()
            .filter_map(|r| match r {
                Row::Line { mark, .. } => Some(*mark),
                Row::Gap => None,
            })
            .collect();
        for want in [Mark::Dkim, Mark::Arrival, Mark::Delivery, Mark::Completed] {
            assert!(marks.contains(&want), "{want:?} in {marks:?}");
        }
    }
}

#[test]
fn demo_networks_senders_and_domains_resolve_to_rows() {
    let m = demo();
    let p = NetPrefix::default();
    for (input, by, label) in [
        (
            "2a05:d014:27bf:4d2a::/64",
            AggKey::Net,
            "2a05:d014:27bf:4d2a::/64",
        ),
        ("45.137.21.0/24", AggKey::Net, "45.137.21.0/24"),
        ("2a0e:4c80:7b3::/48", AggKey::Net, "2a0e:4c80:7b3::/48"),
        (
            "(envelope-from <offers@newsletter-bargains.example>)",
            AggKey::Sender,
            "offers@newsletter-bargains.example",
        ),
        (
            "Newsletter-Bargains.example",
            AggKey::Domain,
            "newsletter-bargains.example",
        ),
    ] {
        let t = resolve(&m, input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let l = t.landing(&Grouping::new(&m, AggKey::Ip, p), p);
        assert_eq!((l.by, l.label.as_str()), (by, label), "{input}");
        let g = Grouping::new(&m, l.by, l.prefix);
        assert!(g.find(&l.label).is_some(), "{input}: no row {}", l.label);
    }
    let e = resolve(&m, "203.0.113.254").unwrap_err();
    assert_eq!(e, "no sender 203.0.113.254 in the loaded log");
}

#[test]
fn address_search_finds_the_planted_64_and_nothing_else() {
    use mailtriage::query::addr_search::parse;
    let m = demo();
    let p = NetPrefix::default();
    let g = Grouping::new(&m, AggKey::Ip, p);
    let query = parse("2a05:d014:27bf:4d2a").expect("an address prefix");
    let hits: Vec<&String> = g.labels.iter().filter(|l| query.matches(l)).collect();
    assert_eq!(hits.len(), 6, "{hits:?}");
    let net: ipnet::IpNet = "2a05:d014:27bf:4d2a::/64".parse().unwrap();
    assert!(
        hits.iter()
            .all(|l| net.contains(&l.parse::<std::net::IpAddr>().unwrap()))
    );
    // A hex word alone stays with fuzzy search.
    assert_eq!(parse("4d2a"), None);
    // The busy provider /48 holds the planted /64 and its innocent neighbours.
    let wide = parse("2a05:d014:27bf::/48").unwrap();
    let nets = Grouping::new(&m, AggKey::Net, p);
    let inside = nets.labels.iter().filter(|l| wide.matches(l)).count();
    assert!(inside > 1, "{inside}");
    assert!(
        nets.labels
            .iter()
            .any(|l| l == "2a05:d014:27bf:4d2a::/64" && wide.matches(l))
    );
}
