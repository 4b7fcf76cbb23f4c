//! Search that fits the text: a query that looks like an address, part of one or
//! a network matches address and network labels by prefix and containment, so
//! `2a01:4d2a` finds `2a01:4d2a:…` and nothing else. Other queries are not read
//! here (`parse` says `None`) and stay with fuzzy search.
//!
//! Pure text in, a verdict out; labels are the grouping's (`ip` and `net` keys
//! write addresses in their canonical form, networks as `addr/len`).

use std::net::IpAddr;

use ipnet::IpNet;

use crate::parse::net::parse_ip;

/// A search query read as an address, a part of one, or a network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrQuery {
    /// A whole address (`1.2.3.4`, `2001:db8::1`, `::ffff:1.2.3.4` as `1.2.3.4`):
    /// matches address labels that start with its canonical text (so typing on
    /// keeps matching: `1.2.3.4` finds `1.2.3.45`), and networks that contain it.
    Address(IpAddr),
    /// The start of an address (`141.209.`, `2a01:4d2a`, `2a01:4d2a::`): matches
    /// labels that start with `text`, and, when the query ends in whole octets or
    /// groups, addresses and networks inside `range` and networks containing it.
    Prefix { text: String, range: Option<IpNet> },
    /// A network in CIDR form (`1.2.3.0/24`, `2a01:4d2a::/32`, `141.209/16`):
    /// matches the addresses and networks inside it.
    Network(IpNet),
}

/// A label read as what it names.
enum Label {
    Addr(IpAddr),
    Net(IpNet),
}

fn label(s: &str) -> Option<Label> {
    if s.contains('/') {
        s.parse().ok().map(Label::Net)
    } else {
        s.parse().ok().map(Label::Addr)
    }
}

/// Reads a query as an address, an address prefix or a network; `None` when it
/// does not look like one. A word of hex digits alone (`4d2a`, `beef`) or of
/// digits alone (`163`) is not read: it could be part of a name or a count. A
/// dotted-digit prefix needs a dot (`141.`), an IPv6 prefix a colon.
pub fn parse(query: &str) -> Option<AddrQuery> {
    let q = query.trim();
    if q.is_empty() || q.len() > 64 {
        return None;
    }
    let q = q.strip_prefix('[').unwrap_or(q);
    let q = q.strip_suffix(']').unwrap_or(q);
    let q = match q.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("ipv6:") => q.get(5..)?,
        _ => q,
    };
    let q = q.to_ascii_lowercase();
    if let Some((addr, len)) = q.rsplit_once('/') {
        if len.is_empty() {
            // `2a01:4d2a::/` while the length is still being typed.
            return parse(addr);
        }
        let len: u8 = len.parse().ok()?;
        let ip = parse_ip(addr.as_bytes()).or_else(|| partial_v4(addr))?;
        return IpNet::new(ip, len)
            .ok()
            .map(|n| AddrQuery::Network(n.trunc()));
    }
    if let Some(ip) = parse_ip(q.as_bytes()) {
        return Some(match (ip, q.strip_suffix("::")) {
            // `2a01:4d2a::` is read as the start of its network, not its first address.
            (IpAddr::V6(_), Some(head)) => AddrQuery::Prefix {
                text: format!("{head}:"),
                range: v6_range(head),
            },
            _ => AddrQuery::Address(ip),
        });
    }
    if q.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return v4_prefix(&q);
    }
    if q.contains(':') && q.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
        return v6_prefix(&q);
    }
    None
}

/// `141.209` as `141.209.0.0` (the address of a CIDR query typed short).
fn partial_v4(s: &str) -> Option<IpAddr> {
    let groups: Vec<&str> = s.split('.').collect();
    if groups.len() > 4 || s.is_empty() {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, g) in octets.iter_mut().zip(&groups) {
        if g.is_empty() || g.len() > 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = g.parse().ok()?;
    }
    Some(IpAddr::from(octets))
}

/// `141.209.`, `141.2`, `10.`: up to four groups of at most three digits, each at
/// most 255; only the last may be empty (the dot just typed).
fn v4_prefix(q: &str) -> Option<AddrQuery> {
    if !q.contains('.') {
        return None;
    }
    let groups: Vec<&str> = q.split('.').collect();
    let (last, whole) = groups.split_last()?;
    if groups.len() > 4 {
        return None;
    }
    let value = |g: &str| -> Option<u8> {
        if g.is_empty() || g.len() > 3 {
            return None;
        }
        g.parse().ok()
    };
    let mut octets = Vec::with_capacity(4);
    for g in whole {
        octets.push(value(g)?);
    }
    // The query covers a range only when it ends on a whole octet: one no digit
    // can extend (`0`, `26`..`255`, three digits) or the dot after it.
    let mut whole_end = last.is_empty();
    if !last.is_empty() {
        let v = value(last)?;
        if last.len() == 3 || v == 0 || v >= 26 {
            octets.push(v);
            whole_end = true;
        }
    }
    let range = (whole_end && !octets.is_empty()).then(|| {
        let n = octets.len();
        octets.resize(4, 0);
        let a: [u8; 4] = [octets[0], octets[1], octets[2], octets[3]];
        IpNet::new(IpAddr::from(a), (n * 8) as u8)
            .ok()
            .map(|x| x.trunc())
    });
    Some(AddrQuery::Prefix {
        text: q.to_string(),
        range: range.flatten(),
    })
}

/// `2a01:`, `2a01:4d2a`, `2a01::5:`: hex groups of at most four digits with at
/// most one `::`; the text need not be an address yet.
fn v6_prefix(q: &str) -> Option<AddrQuery> {
    if q.contains(":::") || q.matches("::").count() > 1 || q == ":" {
        return None;
    }
    if q.starts_with(':') && !q.starts_with("::") {
        return None;
    }
    let groups: Vec<&str> = q.split(':').collect();
    if groups.len() > 9 || groups.iter().any(|g| g.len() > 4) {
        return None;
    }
    let range = if q.contains("::") { None } else { v6_range(q) };
    Some(AddrQuery::Prefix {
        text: q.to_string(),
        range,
    })
}

/// The network `head` (no `::` in it) spells in whole groups: `2a01:4d2a` and
/// `2a01:4d2a:` are `2a01:4d2a::/32`; `2a01:4d2` has none.
fn v6_range(head: &str) -> Option<IpNet> {
    if head.contains("::") || head.is_empty() {
        return None;
    }
    let parts: Vec<&str> = head.split(':').collect();
    let (last, whole) = parts.split_last()?;
    let mut groups: Vec<u16> = Vec::with_capacity(8);
    for g in whole {
        if g.is_empty() {
            return None;
        }
        groups.push(u16::from_str_radix(g, 16).ok()?);
    }
    // Only a query ending on a whole group (four digits, `0`, or the colon
    // after it) covers a range: `2a01:4d2` could go on as `2a01:4d20`..`4d2f`.
    if !last.is_empty() {
        if last.len() == 4 || *last == "0" {
            groups.push(u16::from_str_radix(last, 16).ok()?);
        } else {
            return None;
        }
    }
    if groups.is_empty() || groups.len() > 8 {
        return None;
    }
    let n = groups.len();
    groups.resize(8, 0);
    let mut a = [0u16; 8];
    a.copy_from_slice(&groups);
    IpNet::new(IpAddr::from(a), (n * 16) as u8)
        .ok()
        .map(|x| x.trunc())
}

impl AddrQuery {
    /// Whether a group label matches: labels that are neither an address nor a
    /// network (hosts, senders, `(none)`) never do.
    pub fn matches(&self, label_text: &str) -> bool {
        match self {
            AddrQuery::Prefix { text, range: None } => {
                // Text first: most labels fail there without being parsed.
                label_text.starts_with(text.as_str()) && label(label_text).is_some()
            }
            AddrQuery::Prefix {
                text,
                range: Some(r),
            } => match label(label_text) {
                Some(Label::Addr(a)) => label_text.starts_with(text.as_str()) || r.contains(&a),
                Some(Label::Net(n)) => {
                    label_text.starts_with(text.as_str()) || r.contains(&n) || n.contains(r)
                }
                None => false,
            },
            AddrQuery::Address(ip) => match label(label_text) {
                Some(Label::Addr(_)) => label_text.starts_with(ip.to_string().as_str()),
                Some(Label::Net(n)) => n.contains(ip),
                None => false,
            },
            AddrQuery::Network(net) => match label(label_text) {
                Some(Label::Addr(a)) => net.contains(&a),
                Some(Label::Net(n)) => net.contains(&n),
                None => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;

    use super::*;

    fn q(s: &str) -> AddrQuery {
        parse(s).unwrap_or_else(|| panic!("{s} is an address query"))
    }

    #[test]
    fn ipv6_prefix_matches_by_text_not_by_fuzz() {
        let query = q("2a01:4d2a");
        assert!(query.matches("2a01:4d2a:1234::1"));
        assert!(query.matches("2a01:4d2a::/32"));
        assert!(query.matches("2a01:4d2a:7f0f:7ad8::/64"));
        assert!(!query.matches("2400:8901:2570:17:ffd4:4d2a::1"));
        assert!(!query.matches("2a01:4d2b::1"));
        // Whole groups also match networks that contain them.
        assert!(query.matches("2a01::/16"));
        assert!(!query.matches("2a01:4d2a.example.com"));
        // Leading zeros typed are still the same groups.
        assert!(q("2A01:0238:").matches("2a01:238::1"));
        // `2a01:4d2a::` is the start of the network, not one address.
        assert!(q("2a01:4d2a::").matches("2a01:4d2a:1::5"));
        assert!(q("[IPv6:2a01:4d2a::]").matches("2a01:4d2a::5"));
    }

    #[test]
    fn ipv4_prefixes_addresses_and_networks() {
        assert!(q("141.209.").matches("141.209.105.7"));
        assert!(q("141.209.").matches("141.209.105.0/24"));
        assert!(q("141.209.").matches("141.0.0.0/8"));
        assert!(!q("141.209.").matches("141.20.1.1"));
        assert!(q("141.20").matches("141.209.1.1"));
        assert!(!q("141.20").matches("141.5.5.5"));
        assert!(!q("141.20").matches("141.0.0.0/8"));
        assert!(q("141.209").matches("141.0.0.0/8"));
        assert!(!q("2a01:4d2").matches("2a01::/16"));
        assert!(!q("2a01:4d2").matches("2a01:5::1"));
        assert!(!q("141.209.").matches("141.209.105.7.dsl.example.net"));
        let addr = q("1.2.3.4");
        assert_eq!(addr, AddrQuery::Address([1, 2, 3, 4].into()));
        assert!(addr.matches("1.2.3.4"));
        assert!(addr.matches("1.2.3.45"));
        assert!(addr.matches("1.2.3.0/24"));
        assert!(!addr.matches("1.2.4.0/24"));
        assert!(!addr.matches("11.2.3.4"));
        assert_eq!(q("::ffff:1.2.3.4"), addr);
        assert_eq!(q(" [1.2.3.4] "), addr);
        let net = q("1.2.3.0/24");
        assert!(net.matches("1.2.3.200"));
        assert!(net.matches("1.2.3.128/25"));
        assert!(net.matches("1.2.3.0/24"));
        assert!(!net.matches("1.2.0.0/16"));
        assert!(!net.matches("1.2.4.1"));
        assert!(!net.matches("::1"));
        assert_eq!(q("141.209/16"), q("141.209.0.0/16"));
        assert_eq!(q("1.2.3.9/24"), net);
        assert_eq!(q("1.2.3.0/"), q("1.2.3.0"));
        assert!(q("2a01:238::/32").matches("2a01:238:20a:202:53f0::1"));
    }

    #[test]
    fn other_text_is_left_to_fuzzy_search() {
        for s in [
            "",
            "4d2a",
            "beef",
            "163",
            "hello",
            "mail.example.com",
            "a@b.example",
            ":",
            ":::",
            "1::2::3",
            "12345:",
            "1.2.3.4.5",
            "256.",
            "1..2",
            ".1",
            "1.2.3.0/33",
            "2a01::/129",
            "g:1",
            "é:1",
            "1.2/x",
            "(none)",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
        let a = q("2a01:");
        for label in [
            "(none)",
            "<>",
            "",
            "2a01:",
            "2a01:zz::1",
            "2a01::/999",
            "x/y",
        ] {
            assert!(!a.matches(label), "{label}");
            assert!(!q("::/0").matches(label), "{label}");
            assert!(!q("::1").matches(label), "{label}");
        }
    }

    fn any_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
            // Groups often zero, so `::` shows up in every position.
            prop::array::uniform8(prop_oneof![Just(0u16), Just(1u16), any::<u16>()])
                .prop_map(|g| IpAddr::V6(Ipv6Addr::from(g)))
                .prop_filter("mapped addresses are logged as IPv4", |ip| match ip {
                    IpAddr::V6(v6) => v6.to_ipv4_mapped().is_none(),
                    IpAddr::V4(_) => true,
                }),
        ]
    }

    fn any_net() -> impl Strategy<Value = IpNet> {
        (any_ip(), any::<u8>()).prop_map(|(ip, len)| {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            IpNet::new(ip, len % (max + 1)).unwrap().trunc()
        })
    }

    /// `ip` with its first `len` bits from `net`: an address inside it.
    fn inside(net: IpNet, ip: IpAddr) -> IpAddr {
        match (net, ip) {
            (IpNet::V4(n), IpAddr::V4(a)) => {
                let mask = u32::from(n.netmask());
                IpAddr::V4((u32::from(n.network()) | (u32::from(a) & !mask)).into())
            }
            (IpNet::V6(n), IpAddr::V6(a)) => {
                let mask = u128::from(n.netmask());
                IpAddr::V6((u128::from(n.network()) | (u128::from(a) & !mask)).into())
            }
            _ => net.addr(),
        }
    }

    proptest! {
        #[test]
        fn a_prefix_of_an_address_matches_it(ip in any_ip()) {
            let text = ip.to_string();
            for k in 1..=text.len() {
                let prefix = text.get(..k).unwrap();
                let parsed = parse(prefix);
                if k > 1 && (prefix.contains('.') || prefix.contains(':')) && !prefix.contains("::ffff:") {
                    prop_assert!(parsed.is_some(), "{prefix} of {text} is not read");
                }
                if let Some(query) = parsed {
                    prop_assert!(query.matches(&text), "{prefix} does not match {text}");
                }
            }
        }

        #[test]
        fn a_cidr_query_matches_exactly_what_is_inside(
            net in any_net(),
            others in prop::collection::vec(any_ip(), 8),
            nets in prop::collection::vec(any_net(), 8),
        ) {
            let query = parse(&net.to_string());
            prop_assert_eq!(query.clone(), Some(AddrQuery::Network(net)));
            let query = query.unwrap();
            for ip in &others {
                prop_assert_eq!(query.matches(&ip.to_string()), net.contains(ip), "{}", ip);
                let ins = inside(net, *ip);
                prop_assert_eq!(query.matches(&ins.to_string()), net.contains(&ins), "{}", ins);
            }
            for n in &nets {
                prop_assert_eq!(query.matches(&n.to_string()), net.contains(n), "{}", n);
            }
        }

        #[test]
        fn any_text_is_safe(s in "\\PC{0,80}", label in "\\PC{0,60}") {
            if let Some(query) = parse(&s) {
                let _ = query.matches(&label);
            }
        }
    }
}
