//! Block safety: which entries are too dangerous to write or export, and which need a second
//! thought. Must never let log text widen a block past these rules; it only judges entries.
//!
//! Two levels. *Forbidden* entries are refused everywhere and `--force` does not help: they can
//! only break mail (a /0 blocks everyone; loopback, unspecified, multicast, broadcast and
//! link-local addresses are never a remote SMTP client, so an entry covering them blocks local
//! delivery or nothing useful; a public suffix such as `co.uk` or `github.io` is shared by
//! unrelated owners). *Confirm* entries are plausible but risky: networks wider than the
//! configured minimum prefix, private ranges (RFC 1918, CGNAT, ULA) and the server's own
//! addresses. The CLI writes them only with `--force`; the TUI never proposes a network wider
//! than the minimum and shows the other warnings in its preview.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::entry::Entry;

/// Default widest IPv4 network an entry may cover without `--force` (a /8 is an allocation to
/// one registry member at most).
pub const DEFAULT_MIN_V4_PREFIX: u8 = 8;
/// Default widest IPv6 network without `--force` (a /19 is the largest registry allocation).
pub const DEFAULT_MIN_V6_PREFIX: u8 = 19;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Written with `--force` only (CLI), shown as a warning (TUI).
    Confirm,
    /// Never written nor exported.
    Forbidden,
}

/// One reason an entry is dangerous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub reason: String,
}

/// The rules, with what the caller knows about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub min_v4_prefix: u8,
    pub min_v6_prefix: u8,
    /// The server's own addresses (from the logs' `I=` fields, the host's interfaces, or given
    /// on the command line).
    pub server_addrs: Vec<IpAddr>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_v4_prefix: DEFAULT_MIN_V4_PREFIX,
            min_v6_prefix: DEFAULT_MIN_V6_PREFIX,
            server_addrs: Vec::new(),
        }
    }
}

/// Ranges no entry may touch: (network, what it is).
const FORBIDDEN_V4: &[([u8; 4], u8, &str)] = &[
    (
        [0, 0, 0, 0],
        8,
        "the unspecified / this-network range 0.0.0.0/8",
    ),
    ([127, 0, 0, 0], 8, "loopback"),
    ([169, 254, 0, 0], 16, "link-local"),
    ([224, 0, 0, 0], 4, "multicast"),
    ([255, 255, 255, 255], 32, "the broadcast address"),
];

const PRIVATE_V4: &[([u8; 4], u8, &str)] = &[
    ([10, 0, 0, 0], 8, "a private range (RFC 1918)"),
    ([172, 16, 0, 0], 12, "a private range (RFC 1918)"),
    ([192, 168, 0, 0], 16, "a private range (RFC 1918)"),
    (
        [100, 64, 0, 0],
        10,
        "the carrier-grade NAT range (RFC 6598)",
    ),
];

fn v4(net: ([u8; 4], u8, &'static str)) -> (IpNet, &'static str) {
    let (a, len, what) = net;
    (IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::from(a), len)), what)
}

fn v6(addr: Ipv6Addr, len: u8, what: &'static str) -> (IpNet, &'static str) {
    (IpNet::V6(Ipv6Net::new_assert(addr, len)), what)
}

fn forbidden_v6() -> [(IpNet, &'static str); 4] {
    [
        v6(Ipv6Addr::UNSPECIFIED, 128, "the unspecified address ::"),
        v6(Ipv6Addr::LOCALHOST, 128, "loopback"),
        v6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
        v6(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
    ]
}

/// Networks that carry an IPv4 address in their last 32 bits: the IPv4 rules apply to what
/// they embed, so `::127.0.0.1` or `64:ff9b::7f00:1` cannot hide loopback.
fn embedding_v6() -> [Ipv6Net; 3] {
    [
        Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),
        Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 96),
        Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96),
    ]
}

/// The forbidden (or, with `forbidden` false, the private) ranges of the network's family.
fn ranges(net: IpNet, forbidden: bool) -> Vec<(IpNet, &'static str)> {
    match (net, forbidden) {
        (IpNet::V4(_), true) => FORBIDDEN_V4.iter().map(|&r| v4(r)).collect(),
        (IpNet::V4(_), false) => PRIVATE_V4.iter().map(|&r| v4(r)).collect(),
        (IpNet::V6(_), true) => forbidden_v6().into_iter().collect(),
        (IpNet::V6(_), false) => vec![v6(
            Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
            7,
            "the unique-local range fc00::/7",
        )],
    }
}

fn overlaps(a: IpNet, b: IpNet) -> bool {
    a.contains(&b) || b.contains(&a)
}

/// The IPv4 network an IPv6 network embeds (when it lies inside an embedding range and is at
/// least that narrow), or the network itself.
fn effective(net: IpNet) -> IpNet {
    let IpNet::V6(n) = net else { return net };
    // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4-compatible.
    let own = Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 127);
    for e in embedding_v6() {
        if n.prefix_len() >= 96 && e.contains(&n) && !own.contains(&n) {
            let bits = u128::from(n.network()) as u32;
            if let Ok(v) = Ipv4Net::new(Ipv4Addr::from(bits), n.prefix_len() - 96) {
                return IpNet::V4(v.trunc());
            }
        }
    }
    net
}

impl Policy {
    /// Everything dangerous about `entry`, most severe first; empty when it is safe.
    pub fn judge(&self, entry: &Entry) -> Vec<Finding> {
        let mut out = match entry {
            Entry::Net(net) => self.judge_net(*net),
            Entry::SenderDomain(d) | Entry::DkimDomain(d) => judge_domain(d),
        };
        out.sort_by_key(|f| std::cmp::Reverse(f.level));
        out
    }

    /// The most severe level among the findings, if any.
    pub fn level(&self, entry: &Entry) -> Option<Level> {
        self.judge(entry).first().map(|f| f.level)
    }

    /// The widest prefix allowed without `--force` for this network's family.
    pub fn min_prefix(&self, net: IpNet) -> u8 {
        match net {
            IpNet::V4(_) => self.min_v4_prefix,
            IpNet::V6(_) => self.min_v6_prefix,
        }
    }

    fn judge_net(&self, net: IpNet) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut push = |level, reason: String| out.push(Finding { level, reason });
        let shown = super::entry::net_to_string(net);
        // An IPv6 form that embeds IPv4 is judged as both.
        let eff = effective(net);
        let forms: &[IpNet] = if eff == net { &[net] } else { &[net, eff] };
        if forms.iter().any(|n| n.prefix_len() == 0) {
            // Everything else said about it would only repeat this.
            push(Level::Forbidden, format!("{shown} blocks every address"));
            return out;
        }
        for &form in forms {
            for (range, what) in ranges(form, true) {
                if overlaps(form, range) {
                    push(
                        Level::Forbidden,
                        format!("{shown} covers {what}, which is never a remote mail client"),
                    );
                }
            }
        }
        let net = eff;
        let min = self.min_prefix(net);
        if net.prefix_len() < min {
            push(
                Level::Confirm,
                format!(
                    "{shown} is wider than /{min}, the widest {} block allowed without --force",
                    if matches!(net, IpNet::V4(_)) {
                        "IPv4"
                    } else {
                        "IPv6"
                    }
                ),
            );
        }
        let private = ranges(net, false);
        for (range, what) in private {
            if overlaps(net, range) {
                push(
                    Level::Confirm,
                    format!("{shown} covers {what}: your own network, not the internet"),
                );
            }
        }
        let mut own: Vec<IpAddr> = self
            .server_addrs
            .iter()
            .map(|&ip| effective(IpNet::from(ip)).addr())
            .filter(|ip| net.contains(ip))
            .collect();
        own.sort_unstable();
        own.dedup();
        if !own.is_empty() {
            let list: Vec<String> = own.iter().map(ToString::to_string).collect();
            push(
                Level::Confirm,
                format!(
                    "{shown} covers this server's own address {}",
                    list.join(", ")
                ),
            );
        }
        out
    }
}

/// A domain entry must name something one party owns: never a public suffix (`com`, `co.uk`,
/// `github.io`), whose subdomains belong to unrelated people.
fn judge_domain(domain: &str) -> Vec<Finding> {
    let public = psl::suffix(domain.as_bytes()).is_some_and(|s| {
        // psl answers with the longest matching rule; an unknown TLD matches the implicit `*`
        // rule and is only a suffix of itself, which single-label names already cover.
        s.as_bytes().eq_ignore_ascii_case(domain.as_bytes()) && s.is_known()
    });
    if public {
        vec![Finding {
            level: Level::Forbidden,
            reason: format!(
                "{domain} is a public suffix: its subdomains belong to unrelated owners"
            ),
        }]
    } else {
        Vec::new()
    }
}

/// Whether any finding forbids the entry.
pub fn is_forbidden(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Forbidden)
}

/// The findings joined for one line of output.
pub fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| f.reason.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The findings of the fixed rules only (no configured minimum, no server addresses): what no
/// file may hold whoever wrote it.
pub fn always_forbidden(entry: &Entry) -> Vec<Finding> {
    let p = Policy {
        min_v4_prefix: 0,
        min_v6_prefix: 0,
        server_addrs: Vec::new(),
    };
    p.judge(entry)
        .into_iter()
        .filter(|f| f.level == Level::Forbidden)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(p: &Policy, s: &str) -> Option<Level> {
        p.level(&Entry::parse(s).expect("entry"))
    }

    #[test]
    fn the_issue_list_is_refused_or_needs_force() {
        let p = Policy {
            server_addrs: vec!["198.51.100.25".parse().expect("ip")],
            ..Policy::default()
        };
        for s in [
            "0.0.0.0/0",
            "::/0",
            "1.2.3.4/0",
            "::ffff:0.0.0.0/96",
            "127.0.0.1",
            "::1",
            "224.0.0.0/4",
            "255.255.255.255",
            "0.0.0.0",
            "::",
            "169.254.1.1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "0.0.0.0/1",
            "domain:co.uk",
            "dkim:github.io",
            "domain:CO.UK.",
        ] {
            assert_eq!(level(&p, s), Some(Level::Forbidden), "{s}");
        }
        for s in [
            "10.0.0.0/8",
            "10.1.2.3",
            "172.16.0.0/12",
            "100.64.1.1",
            "fd00::1",
            "198.51.100.25",
            "198.51.100.0/24",
            "8.0.0.0/7",
            "2001::/16",
        ] {
            assert_eq!(level(&p, s), Some(Level::Confirm), "{s}");
        }
        for s in [
            "8.8.8.0/24",
            "203.0.113.66",
            "45.0.0.0/8",
            "2001:db8::/32",
            "2a00::/19",
            "domain:example.co.uk",
            "domain:gmail.com",
            "dkim:someone.github.io",
            "domain:spam.unknowntld",
        ] {
            assert_eq!(level(&p, s), None, "{s}");
        }
    }

    #[test]
    fn the_minimum_prefix_is_configurable_but_never_reaches_zero() {
        let p = Policy {
            min_v4_prefix: 0,
            min_v6_prefix: 0,
            server_addrs: Vec::new(),
        };
        assert_eq!(level(&p, "8.0.0.0/7"), None);
        assert_eq!(level(&p, "0.0.0.0/0"), Some(Level::Forbidden));
        assert_eq!(level(&p, "::/0"), Some(Level::Forbidden));
        let strict = Policy {
            min_v4_prefix: 16,
            ..Policy::default()
        };
        assert_eq!(level(&strict, "45.1.0.0/15"), Some(Level::Confirm));
    }

    #[test]
    fn findings_name_the_reason() {
        let f = Policy::default().judge(&Entry::parse("127.0.0.0/8").expect("entry"));
        assert!(describe(&f).contains("loopback"), "{f:?}");
        assert!(is_forbidden(&f));
        let f = Policy::default().judge(&Entry::parse("::1").expect("entry"));
        assert_eq!(
            describe(&f),
            "::1 covers loopback, which is never a remote mail client"
        );
        let f = Policy::default().judge(&Entry::parse("0.0.0.0/0").expect("entry"));
        assert_eq!(describe(&f), "0.0.0.0/0 blocks every address");
    }
}
