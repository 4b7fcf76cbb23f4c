//! Client addresses: parse the bytes between brackets, and name their family.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
    Unknown,
}

impl Family {
    pub fn of(ip: Option<IpAddr>) -> Family {
        match ip {
            Some(IpAddr::V4(_)) => Family::Ipv4,
            Some(IpAddr::V6(_)) => Family::Ipv6,
            None => Family::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
            Family::Unknown => "unknown",
        }
    }
}

fn ipv4(b: &[u8]) -> Option<Ipv4Addr> {
    match ipv4_or_colon(b) {
        V4Scan::Ip(ip) => Some(ip),
        V4Scan::Invalid | V4Scan::Colon => None,
    }
}

enum V4Scan {
    Ip(Ipv4Addr),
    Invalid,
    /// A colon: not IPv4, maybe IPv6.
    Colon,
}

/// A dotted quad (1 to 3 digits an octet), told apart from text with a colon
/// without a second pass over a valid address: octet by octet, leaving at the
/// first byte that breaks the shape (the colon is then looked for once).
fn ipv4_or_colon(b: &[u8]) -> V4Scan {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, o) in octets.iter_mut().enumerate() {
        let start = i;
        let mut v: u32 = 0;
        while i - start < 3
            && let Some(d) = b.get(i).map(|c| c.wrapping_sub(b'0'))
            && d <= 9
        {
            v = v * 10 + u32::from(d);
            i += 1;
        }
        if i == start || v > 255 {
            return colon_or_invalid(b, i);
        }
        *o = v as u8;
        if n < 3 {
            if b.get(i) != Some(&b'.') {
                return colon_or_invalid(b, i);
            }
            i += 1;
        }
    }
    if i != b.len() {
        return colon_or_invalid(b, i);
    }
    V4Scan::Ip(Ipv4Addr::from(octets))
}

/// Not a dotted quad from `b[at]` on (everything before is digits and dots):
/// IPv6 if a colon follows, else nothing.
fn colon_or_invalid(b: &[u8], at: usize) -> V4Scan {
    if b.get(at..).is_some_and(|r| r.contains(&b':')) {
        V4Scan::Colon
    } else {
        V4Scan::Invalid
    }
}

const NOT_HEX: u8 = u8::MAX;

/// Value of each hex digit byte, `NOT_HEX` for the rest.
const HEX: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// An IPv6 address in RFC 4291 text form (groups of 1 to 4 hex digits, one `::`,
/// a dotted IPv4 tail), as `std` reads it (a property test holds them equal):
/// `std`'s parser goes through `&str` and tries an IPv4 tail at every group, which
/// was a twentieth of the load time on a log with IPv6 clients.
fn ipv6(b: &[u8]) -> Option<Ipv6Addr> {
    let mut g = [0u16; 8];
    let mut n = 0usize;
    // Where `::` stands: the groups written after it move to the end.
    let mut gap: Option<usize> = None;
    let mut i = 0;
    if b.starts_with(b"::") {
        gap = Some(0);
        i = 2;
    }
    while i < b.len() {
        let start = i;
        let mut v: u32 = 0;
        while i < b.len() && i - start < 5 {
            match HEX[b[i] as usize] {
                NOT_HEX => break,
                d => v = v << 4 | u32::from(d),
            }
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            // The last 32 bits as dotted IPv4, where two groups still fit.
            if n + 2 > 8 {
                return None;
            }
            let rest = b.get(start..)?;
            if rest
                .split(|&c| c == b'.')
                .any(|o| o.len() > 1 && o[0] == b'0')
            {
                return None;
            }
            let o = ipv4(rest)?.octets();
            g[n] = u16::from_be_bytes([o[0], o[1]]);
            g[n + 1] = u16::from_be_bytes([o[2], o[3]]);
            n += 2;
            break;
        }
        let digits = i - start;
        if digits == 0 || digits > 4 || n >= 8 {
            return None;
        }
        g[n] = v as u16;
        n += 1;
        if i == b.len() {
            break;
        }
        if b[i] != b':' {
            return None;
        }
        i += 1;
        if i < b.len() && b[i] == b':' {
            if gap.is_some() {
                return None;
            }
            gap = Some(n);
            i += 1;
        } else if i == b.len() {
            // A single `:` at the end.
            return None;
        }
    }
    match gap {
        // `::` stands for at least one group.
        Some(at) if n <= 7 => {
            let after = n - at;
            g.copy_within(at..n, 8 - after);
            g[at..8 - after].fill(0);
        }
        None if n == 8 => {}
        _ => return None,
    }
    Some(Ipv6Addr::from(g))
}

/// Parses an address as Exim prints it: dotted IPv4 or compressed IPv6. An
/// IPv4-mapped IPv6 address counts as IPv4, the way Exim itself logs it.
pub fn parse_ip(b: &[u8]) -> Option<IpAddr> {
    if b.is_empty() || b.len() > 45 {
        return None;
    }
    // Most clients are IPv4 and read in one pass; only a colon sends it to IPv6.
    match ipv4_or_colon(b) {
        V4Scan::Ip(ip) => return Some(IpAddr::V4(ip)),
        V4Scan::Invalid => return None,
        V4Scan::Colon => {}
    }
    let v6 = ipv6(b)?;
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(v6),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse_ip(b"192.0.2.1"), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(
            parse_ip(b"2a01:238:20a:202:53f0::1"),
            Some("2a01:238:20a:202:53f0::1".parse().unwrap())
        );
        assert_eq!(
            parse_ip(b"::ffff:192.0.2.1"),
            Some("192.0.2.1".parse().unwrap())
        );
        for bad in [
            "",
            "ip4.ip4.ip4.ip4",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "ip6:ip6:ip6",
            "01234.1.1.1",
        ] {
            assert_eq!(parse_ip(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(Family::of(parse_ip(b"::1")), Family::Ipv6);
    }

    /// A dotted quad read the plain way: the reference for the one-pass scan.
    fn ipv4_by_split(b: &[u8]) -> Option<Ipv4Addr> {
        let parts: Vec<&[u8]> = b.split(|&c| c == b'.').collect();
        if parts.len() != 4 {
            return None;
        }
        let mut octets = [0u8; 4];
        for (o, p) in octets.iter_mut().zip(parts) {
            if p.is_empty() || p.len() > 3 || !p.iter().all(u8::is_ascii_digit) {
                return None;
            }
            *o = std::str::from_utf8(p).ok()?.parse().ok()?;
        }
        Some(Ipv4Addr::from(octets))
    }

    /// What `parse_ip` gave before its own parsers: `std`'s for IPv6.
    fn by_std(b: &[u8]) -> Option<IpAddr> {
        if b.is_empty() || b.len() > 45 {
            return None;
        }
        if !b.contains(&b':') {
            return ipv4_by_split(b).map(IpAddr::V4);
        }
        let ip: Ipv6Addr = std::str::from_utf8(b).ok()?.parse().ok()?;
        Some(match ip.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(ip),
        })
    }

    #[test]
    fn ipv6_edges_read_as_std_reads_them() {
        for t in [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6::7:8",
            "1::2::3",
            ":1::2",
            "1::2:",
            "1:2",
            ":::",
            "1:::2",
            "12345::",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::01.2.3.4",
            "::1.2.3",
            "::1.2.3.4.5",
            "::256.1.1.1",
            "1::1.2.3.4:5",
            "FFFF::abcd",
            "g::1",
            "1:2:3:4:5:6:7:8:9",
            "::ffff:0.0.0.0",
            "0::0",
            "1::2.3.4.5",
            "1:2:3:4:5:6:7:8.1.2.3",
            "::1.2.3.04",
        ] {
            assert_eq!(parse_ip(t.as_bytes()), by_std(t.as_bytes()), "{t}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ipv6_reads_as_std_reads_it(
            groups in proptest::collection::vec(0u16.., 8),
            cut in 0usize..8,
            len in 0usize..9,
            tail in proptest::option::of(proptest::array::uniform4(0u8..)),
            noise in "[0-9a-fA-F:.]{0,45}",
        ) {
            // A real address in one of its spellings: compressed at `cut` for
            // `len` groups, or with an IPv4 tail.
            let mut text: Vec<String> = groups.iter().map(|g| format!("{g:x}")).collect();
            if let Some(o) = tail {
                text.truncate(6);
                text.push(format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3]));
            }
            let n = text.len();
            let joined = if len > 0 && cut < n {
                let end = (cut + len).min(n);
                format!("{}::{}", text[..cut].join(":"), text[end..].join(":"))
            } else {
                text.join(":")
            };
            for t in [joined.as_str(), noise.as_str()] {
                proptest::prop_assert_eq!(parse_ip(t.as_bytes()), by_std(t.as_bytes()), "{}", t);
            }
        }

        #[test]
        fn dotted_text_reads_in_one_pass_as_in_two(t in "[0-9.:x]{0,20}") {
            let b = t.as_bytes();
            let two = if b.contains(&b':') { None } else { Some(ipv4_by_split(b)) };
            let one = match ipv4_or_colon(b) {
                V4Scan::Ip(ip) => Some(Some(ip)),
                V4Scan::Invalid => Some(None),
                V4Scan::Colon => None,
            };
            proptest::prop_assert_eq!(one, two, "{}", t);
        }
    }
}
