//! One blocklist decision: parsing, validation and normalisation of entries, prefix widening.
//! Must never accept text that could smuggle a second item into a consumer's file.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Longest comment we keep: long enough for date, reason and counts, short enough to stay on a
/// terminal line.
pub const MAX_COMMENT_CHARS: usize = 200;

/// Why a piece of text is not a blocklist entry. Messages name the offending text so an admin can
/// fix the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("empty entry")]
    Empty,
    #[error(
        "entry {text:?} contains a space or control character at byte {at}; one entry per item"
    )]
    ForbiddenChar { text: String, at: usize },
    #[error("{text:?} is neither an IP address, a CIDR network, `domain:NAME` nor `dkim:NAME`")]
    NotAnEntry { text: String },
    #[error("{text:?} is not a valid network: {reason}")]
    BadNetwork { text: String, reason: String },
    #[error("{domain:?} is not a valid domain name: {reason}")]
    BadDomain {
        domain: String,
        reason: &'static str,
    },
}

/// A blocklist decision, normalised: networks have host bits cleared, IPv4-mapped IPv6 is stored
/// as IPv4, domains are lower case without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entry {
    /// A client address or network (host entries are /32 or /128).
    Net(IpNet),
    /// An envelope sender domain (and its subdomains).
    SenderDomain(String),
    /// A DKIM signing domain (d=) whose valid signature marks the message (and its subdomains).
    DkimDomain(String),
}

/// The identity of a sender as the model knows it, from which a first entry is proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderKey<'a> {
    Ip(IpAddr),
    Network(IpNet),
    Domain(&'a str),
    DkimDomain(&'a str),
}

impl Entry {
    /// Parses and validates one entry as written in the store or on the command line.
    pub fn parse(text: &str) -> Result<Entry, EntryError> {
        let text = text.trim_matches(|c| c == ' ' || c == '\t');
        if text.is_empty() {
            return Err(EntryError::Empty);
        }
        if let Some(at) = text.find(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(EntryError::ForbiddenChar {
                text: text.to_owned(),
                at,
            });
        }
        if let Some(rest) = strip_prefix_ci(text, "domain:") {
            return Ok(Entry::SenderDomain(normalise_domain(rest)?));
        }
        if let Some(rest) = strip_prefix_ci(text, "dkim:") {
            return Ok(Entry::DkimDomain(normalise_domain(rest)?));
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Entry::Net(normalise_net(host_net(ip))));
        }
        if text.contains('/') {
            return match text.parse::<IpNet>() {
                Ok(net) => Ok(Entry::Net(normalise_net(net))),
                Err(e) => Err(EntryError::BadNetwork {
                    text: text.to_owned(),
                    reason: e.to_string(),
                }),
            };
        }
        Err(EntryError::NotAnEntry {
            text: text.to_owned(),
        })
    }

    /// Proposes the entry that blocks exactly this sender: an address becomes a host entry, a
    /// network stays that network, a domain becomes `domain:` and a DKIM domain `dkim:`.
    pub fn propose(key: SenderKey<'_>) -> Result<Entry, EntryError> {
        Ok(match key {
            SenderKey::Ip(ip) => Entry::Net(normalise_net(host_net(ip))),
            SenderKey::Network(net) => Entry::Net(normalise_net(net)),
            SenderKey::Domain(d) => Entry::SenderDomain(normalise_domain(d)?),
            SenderKey::DkimDomain(d) => Entry::DkimDomain(normalise_domain(d)?),
        })
    }

    pub fn as_net(&self) -> Option<IpNet> {
        match self {
            Entry::Net(n) => Some(*n),
            _ => None,
        }
    }

    /// Whether a connecting client address is blocked by this entry.
    pub fn matches_ip(&self, ip: IpAddr) -> bool {
        match self {
            Entry::Net(net) => net.contains(&unmap(ip)),
            _ => false,
        }
    }

    /// Whether an envelope sender domain is blocked (the domain itself or a subdomain of it).
    pub fn matches_domain(&self, domain: &str) -> bool {
        match self {
            Entry::SenderDomain(d) => domain_within(domain, d),
            _ => false,
        }
    }

    /// Whether a DKIM signing domain is blocked (the domain itself or a subdomain of it).
    pub fn matches_dkim_domain(&self, domain: &str) -> bool {
        match self {
            Entry::DkimDomain(d) => domain_within(domain, d),
            _ => false,
        }
    }

    /// One step wider on the admin's ladder (IPv4 /32 → /24 → /16; IPv6 /128 → /64 → /56 → /48
    /// → /32); `None` for domains and at the widest step.
    pub fn widen(&self) -> Option<Entry> {
        self.as_net().and_then(widen).map(Entry::Net)
    }

    /// One step narrower, keeping `toward` inside the result when it lies in the network.
    pub fn narrow(&self, toward: Option<IpAddr>) -> Option<Entry> {
        self.as_net()
            .and_then(|n| narrow(n, toward))
            .map(Entry::Net)
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Net(net) => f.write_str(&net_to_string(*net)),
            Entry::SenderDomain(d) => write!(f, "domain:{d}"),
            Entry::DkimDomain(d) => write!(f, "dkim:{d}"),
        }
    }
}

impl std::str::FromStr for Entry {
    type Err = EntryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Entry::parse(s)
    }
}

/// A network as consumers read it: a single host is written as a bare address, because every
/// consumer accepts that and it is what an admin greps for.
pub fn net_to_string(net: IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

const V4_LADDER: [u8; 3] = [32, 24, 16];
const V6_LADDER: [u8; 5] = [128, 64, 56, 48, 32];

fn ladder(net: IpNet) -> &'static [u8] {
    match net {
        IpNet::V4(_) => &V4_LADDER,
        IpNet::V6(_) => &V6_LADDER,
    }
}

/// The next wider network on the family's ladder, host bits cleared; `None` at the widest step.
pub fn widen(net: IpNet) -> Option<IpNet> {
    let len = ladder(net)
        .iter()
        .copied()
        .find(|&l| l < net.prefix_len())?;
    IpNet::new(net.addr(), len).ok().map(|n| n.trunc())
}

/// The next narrower network on the family's ladder. The result contains `toward` when that
/// address lies in `net` (so narrowing walks back to the sender it started from), otherwise the
/// first sub-network.
pub fn narrow(net: IpNet, toward: Option<IpAddr>) -> Option<IpNet> {
    let len = ladder(net)
        .iter()
        .rev()
        .copied()
        .find(|&l| l > net.prefix_len())?;
    let anchor = toward
        .map(unmap)
        .filter(|ip| net.contains(ip))
        .unwrap_or(net.network());
    IpNet::new(anchor, len).ok().map(|n| n.trunc())
}

fn host_net(ip: IpAddr) -> IpNet {
    IpNet::from(ip)
}

/// IPv4-mapped IPv6 (`::ffff:192.0.2.1`, as some logs show dual-stack arrivals) is the IPv4
/// address; storing it as such keeps one entry per sender and lets IPv4 sets hold it.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

fn normalise_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net {
        let mapped = Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96);
        if v6.prefix_len() >= 96 && mapped.contains(&v6.network()) {
            let v4: Ipv4Addr = v6
                .network()
                .to_ipv4_mapped()
                .unwrap_or(Ipv4Addr::UNSPECIFIED);
            return IpNet::V4(Ipv4Net::new_assert(v4, v6.prefix_len() - 96).trunc());
        }
    }
    net.trunc()
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// Whether `candidate` is `blocked` or one of its subdomains, ignoring ASCII case and one
/// trailing dot. Compared as bytes: a candidate comes from a log and may hold any character
/// (or U+FFFD for an invalid byte), so splitting it as a `str` at an offset counted from the
/// blocked name could fall inside a character. `blocked` is a normalised (ASCII) domain, so a
/// byte match can only happen on ASCII text and a label boundary is a `.` byte.
pub fn domain_within(candidate: &str, blocked: &str) -> bool {
    let strip_dot = |b: &[u8]| -> Vec<u8> { b.strip_suffix(b".").unwrap_or(b).to_vec() };
    let candidate = strip_dot(candidate.as_bytes());
    let blocked = strip_dot(blocked.as_bytes());
    if blocked.is_empty() {
        return false;
    }
    let Some(cut) = candidate.len().checked_sub(blocked.len()) else {
        return false;
    };
    let (head, tail) = candidate.split_at(cut);
    tail.eq_ignore_ascii_case(&blocked) && (head.is_empty() || head.ends_with(b"."))
}

/// Validates a DNS host name as consumers need it: ASCII letters, digits and inner hyphens,
/// labels of 1..=63 bytes, at most 253 bytes, at least two labels (blocking a whole TLD is
/// refused: that is never a triage decision) and a non-numeric last label.
pub fn normalise_domain(raw: &str) -> Result<String, EntryError> {
    let bad = |reason| EntryError::BadDomain {
        domain: raw.to_owned(),
        reason,
    };
    let d = raw.strip_suffix('.').unwrap_or(raw).to_ascii_lowercase();
    if d.is_empty() {
        return Err(bad("it is empty"));
    }
    if !d.is_ascii() {
        return Err(bad("it is not ASCII; write the punycode (xn--) form"));
    }
    if d.len() > 253 {
        return Err(bad("it is longer than 253 bytes"));
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err(bad(
            "it has a single label; a whole top-level domain is not blocked",
        ));
    }
    for label in &labels {
        if label.is_empty() {
            return Err(bad("it has an empty label"));
        }
        if label.len() > 63 {
            return Err(bad("a label is longer than 63 bytes"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(bad("only letters, digits, hyphens and dots are allowed"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a label starts or ends with a hyphen"));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad(
            "the last label is numeric; write addresses without `domain:`",
        ));
    }
    Ok(d)
}

/// Makes free text safe to write after `#` on one line of any file we produce: control bytes
/// (newlines, ESC, DEL, C1) become spaces, runs of whitespace collapse, and the length is capped.
pub fn sanitise_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_COMMENT_CHARS));
    let mut pending_space = false;
    let mut count = 0;
    for c in text.chars() {
        if c.is_control() || c.is_whitespace() || is_invisible_format(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if count + usize::from(pending_space) >= MAX_COMMENT_CHARS {
            break;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// Bidi overrides and zero-width characters can make a comment display differently from what
/// it contains on a terminal, so they are treated like control characters.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Log text can be anything, including the U+FFFD of invalid bytes: matching it
        /// against any valid blocked domain never panics, and agrees with a label-wise match.
        #[test]
        fn domain_within_never_panics_on_log_text(
            raw in proptest::collection::vec(any::<u8>(), 0..40),
            text in "\\PC{0,20}",
            blocked in "[a-z0-9]{1,8}(\\.[a-z0-9]{1,8}){0,2}\\.[a-z]{2,6}",
        ) {
            let lossy = String::from_utf8_lossy(&raw).into_owned();
            for cand in [lossy.clone(), text.clone(), format!("{lossy}.{blocked}"),
                         format!("{text}{blocked}"), format!("{text}.{}", blocked.to_uppercase())] {
                let got = domain_within(&cand, &blocked);
                let c = cand.strip_suffix('.').unwrap_or(&cand).to_ascii_lowercase();
                let want = c == blocked || c.ends_with(&format!(".{blocked}"));
                prop_assert_eq!(got, want, "{:?} within {:?}", cand, blocked);
                let entry = Entry::SenderDomain(blocked.clone());
                let _ = entry.matches_domain(&cand);
                let _ = Entry::DkimDomain(blocked.clone()).matches_dkim_domain(&cand);
                let _ = Entry::parse(&cand);
                let _ = normalise_domain(&cand);
                let _ = sanitise_comment(&cand);
            }
        }
    }

    #[test]
    fn multibyte_and_replacement_characters_do_not_split_inside_a_char() {
        assert!(!domain_within("\u{fffd}.example", "x.example"));
        assert!(!domain_within("a\u{fffd}am.test", "am.test"));
        assert!(domain_within("\u{fffd}.am.test", "am.test"));
        assert!(!domain_within("\u{e4}", "a"));
        assert!(!domain_within("", "example.org"));
    }

    fn e(s: &str) -> Entry {
        Entry::parse(s).expect("valid entry")
    }

    #[test]
    fn network_host_bits_are_cleared() {
        assert_eq!(e("192.0.2.77/24").to_string(), "192.0.2.0/24");
        assert_eq!(e("2001:db8::1/64").to_string(), "2001:db8::/64");
        assert_eq!(e("192.0.2.7/32").to_string(), "192.0.2.7");
    }

    #[test]
    fn ipv4_mapped_ipv6_is_stored_as_ipv4() {
        assert_eq!(e("::ffff:192.0.2.9").to_string(), "192.0.2.9");
        assert_eq!(e("::ffff:192.0.2.9/120").to_string(), "192.0.2.0/24");
        assert!(e("192.0.2.0/24").matches_ip("::ffff:192.0.2.1".parse().expect("ip")));
    }

    #[test]
    fn domains_are_lowercased_and_match_subdomains_only_on_label_boundaries() {
        let d = e("domain:Example.ORG.");
        assert_eq!(d.to_string(), "domain:example.org");
        assert!(d.matches_domain("example.org"));
        assert!(d.matches_domain("mail.EXAMPLE.org"));
        assert!(!d.matches_domain("badexample.org"));
        assert!(!d.matches_dkim_domain("example.org"));
        assert!(e("DKIM:example.org").matches_dkim_domain("s.example.org"));
    }

    #[test]
    fn ipv4_widens_32_24_16_then_stops() {
        let h = e("192.0.2.77");
        let w1 = h.widen().expect("/24");
        assert_eq!(w1.to_string(), "192.0.2.0/24");
        let w2 = w1.widen().expect("/16");
        assert_eq!(w2.to_string(), "192.0.0.0/16");
        assert_eq!(w2.widen(), None);
        let ip = "192.0.2.77".parse().ok();
        assert_eq!(w2.narrow(ip), Some(w1.clone()));
        assert_eq!(w1.narrow(ip), Some(h.clone()));
        assert_eq!(h.narrow(ip), None);
        // An off-ladder prefix snaps to the next step.
        assert_eq!(e("192.0.2.0/28").widen(), Some(e("192.0.2.0/24")));
    }

    #[test]
    fn ipv6_widens_128_64_56_48_32_then_stops() {
        let mut cur = e("2001:db8:aa:bb:cc::1");
        let mut seen = vec![cur.to_string()];
        while let Some(w) = cur.widen() {
            seen.push(w.to_string());
            cur = w;
        }
        assert_eq!(
            seen,
            [
                "2001:db8:aa:bb:cc::1",
                "2001:db8:aa:bb::/64",
                "2001:db8:aa::/56",
                "2001:db8:aa::/48",
                "2001:db8::/32"
            ]
        );
        let ip = "2001:db8:aa:bb:cc::1".parse().ok();
        assert_eq!(
            cur.narrow(ip).map(|n| n.to_string()).as_deref(),
            Some("2001:db8:aa::/48")
        );
        assert_eq!(widen("2001:db8::/32".parse().expect("net")), None);
        // Without an anchor, narrowing keeps the start of the network.
        assert_eq!(
            narrow("2001:db8::/32".parse().expect("net"), None).map(|n| n.to_string()),
            Some("2001:db8::/48".to_owned())
        );
    }

    #[test]
    fn propose_maps_each_sender_key_kind() {
        let ip: IpAddr = "198.51.100.4".parse().expect("ip");
        assert_eq!(Entry::propose(SenderKey::Ip(ip)), Ok(e("198.51.100.4")));
        let net: IpNet = "2001:db8:1::/48".parse().expect("net");
        assert_eq!(
            Entry::propose(SenderKey::Network(net)),
            Ok(e("2001:db8:1::/48"))
        );
        assert_eq!(
            Entry::propose(SenderKey::Domain("Spam.example")),
            Ok(e("domain:spam.example"))
        );
        assert_eq!(
            Entry::propose(SenderKey::DkimDomain("mailer.example")),
            Ok(e("dkim:mailer.example"))
        );
        assert!(Entry::propose(SenderKey::Domain("bad domain.example")).is_err());
    }

    #[test]
    fn hostile_entries_are_refused() {
        let long_label = format!("domain:{}.example", "a".repeat(64));
        let long_name = format!("domain:{}example", "abcdefghi.".repeat(26));
        for bad in [
            "192.0.2.1\n10.0.0.0/8",
            "192.0.2.1 10.0.0.0/8",
            "192.0.2.1\u{1b}[2J",
            "domain:exa mple.org",
            "1.2.3.4; rm -rf",
            "1.2.3.4;",
            long_label.as_str(),
            long_name.as_str(),
            "domain:com",
            "domain:-bad.example",
            "domain:b_d.example",
            "domain:exa:mple.org",
            "domain:ex\u{e4}mple.org",
            "domain:1.2.3.4",
            "domain:",
            "192.0.2.0/33",
            "example.org",
            "",
        ] {
            assert!(Entry::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn comments_lose_control_bytes_and_stay_short() {
        assert_eq!(
            sanitise_comment(" spam\nwave\u{1b}[31m \t x\u{202e}y "),
            "spam wave [31m x y"
        );
        assert_eq!(
            sanitise_comment(&"x".repeat(500)).chars().count(),
            MAX_COMMENT_CHARS
        );
    }
}
