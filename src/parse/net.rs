//! Client addresses: parse the bytes between brackets, and name their family.

use std::net::{IpAddr, Ipv4Addr};

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
    let mut octets = [0u8; 4];
    let mut n = 0usize;
    let mut cur: u32 = 0;
    let mut digits = 0;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                cur = cur * 10 + (c - b'0') as u32;
                digits += 1;
                if digits > 3 || cur > 255 {
                    return None;
                }
            }
            b'.' => {
                if digits == 0 || n >= 3 {
                    return None;
                }
                octets[n] = cur as u8;
                n += 1;
                cur = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if digits == 0 || n != 3 {
        return None;
    }
    octets[3] = cur as u8;
    Some(Ipv4Addr::from(octets))
}

/// Parses an address as Exim prints it: dotted IPv4 or compressed IPv6. An
/// IPv4-mapped IPv6 address counts as IPv4, the way Exim itself logs it.
pub fn parse_ip(b: &[u8]) -> Option<IpAddr> {
    if b.is_empty() || b.len() > 45 {
        return None;
    }
    if memchr::memchr(b':', b).is_none() {
        return ipv4(b).map(IpAddr::V4);
    }
    let s = std::str::from_utf8(b).ok()?;
    let ip: IpAddr = s.parse().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
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
}
