//! Tokens of an Exim line body: `TAG=value`, `TAG="quoted value"`, host groups and
//! bare words. Never splits naively on spaces: quoted values keep their spaces.

use super::super::event::Host;
use super::super::net::parse_ip;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// `TAG=value`; quoted values come without their quotes (escapes kept).
    Tag(&'a [u8], &'a [u8]),
    /// `H=…` parsed as a host group.
    Host(Host<'a>),
    Word(&'a [u8]),
}

pub struct Tokens<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Tokens { b, pos: 0 }
    }

    /// The unread rest, from the next token on.
    pub fn rest(&self) -> &'a [u8] {
        let mut p = self.pos;
        while p < self.b.len() && self.b[p] == b' ' {
            p += 1;
        }
        &self.b[p..]
    }

    pub fn position(&self) -> usize {
        self.pos
    }
}

fn is_tag_char(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'*' || c.is_ascii_lowercase()
}

/// Index of the closing quote of a quoted value that starts at `b[0] == '"'`.
pub fn quoted_end(b: &[u8]) -> usize {
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

fn word_end(b: &[u8], from: usize) -> usize {
    memchr::memchr(b' ', &b[from..]).map_or(b.len(), |i| from + i)
}

/// Parses `name (helo) [ip]:port` (any part optional, the address last) starting
/// at `b[0]`; returns the host and the bytes used. The HELO may itself contain
/// brackets and spaces, so only the last bracket group is the address.
pub fn parse_host(b: &[u8]) -> (Host<'_>, usize) {
    let mut h = Host::default();
    let mut p = 0;
    if p < b.len() && b[p] != b'[' && b[p] != b'(' {
        let e = word_end(b, p);
        h.name = Some(&b[p..e]);
        p = e;
        // `+dnssec` can put a DS marker between the name and the address.
        if b[p..].starts_with(b" DS [") {
            p += 3;
        }
        if b[p..].starts_with(b" (") || b[p..].starts_with(b" [") {
            p += 1;
        } else {
            return (h, p);
        }
    }
    if p < b.len() && b[p] == b'(' {
        // Find the `)` that is followed by ` [` or the end: a HELO can hold `)`.
        let mut depth = 0usize;
        let mut i = p;
        let mut close = None;
        while i < b.len() {
            match b[i] {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 && (i + 1 == b.len() || b[i + 1] == b' ' || b[i + 1] == b':') {
                        close = Some(i);
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let Some(c) = close else {
            return (h, p);
        };
        h.helo = Some(&b[p + 1..c]);
        p = c + 1;
        if b[p..].starts_with(b" [") {
            p += 1;
        } else {
            return (h, p);
        }
    }
    if p < b.len()
        && b[p] == b'['
        && let Some(close) = memchr::memchr(b']', &b[p..])
    {
        let inner = &b[p + 1..p + close];
        h.addr_text = Some(inner);
        h.ip = parse_ip(inner);
        p += close + 1;
        if p < b.len() && b[p] == b':' {
            let s = p + 1;
            let mut e = s;
            while e < b.len() && b[e].is_ascii_digit() {
                e += 1;
            }
            if e > s {
                h.port = std::str::from_utf8(&b[s..e])
                    .ok()
                    .and_then(|x| x.parse().ok());
                p = e;
            }
        }
    }
    (h, p)
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let b = self.b;
        while self.pos < b.len() && b[self.pos] == b' ' {
            self.pos += 1;
        }
        if self.pos >= b.len() {
            return None;
        }
        let start = self.pos;
        let mut i = start;
        while i < b.len() && i - start < 12 && is_tag_char(b[i]) {
            i += 1;
        }
        if i > start && i < b.len() && b[i] == b'=' {
            let name = &b[start..i];
            let v = i + 1;
            if name == b"H" {
                let (host, used) = parse_host(&b[v..]);
                self.pos = v + used;
                // Whatever trails the host group (`*`, `TFO`) is left for the next token.
                return Some(Token::Host(host));
            }
            if v < b.len() && b[v] == b'"' {
                let end = v + quoted_end(&b[v..]);
                self.pos = (end + 1).min(b.len());
                return Some(Token::Tag(name, &b[v + 1..end.min(b.len())]));
            }
            let e = word_end(b, v);
            self.pos = e;
            return Some(Token::Tag(name, &b[v..e]));
        }
        let e = if b[start] == b'"' {
            let q = start + quoted_end(&b[start..]);
            word_end(b, q.min(b.len()))
        } else {
            word_end(b, start)
        };
        self.pos = e;
        Some(Token::Word(&b[start..e]))
    }
}

/// Strips one pair of angle brackets.
pub fn unbracket(b: &[u8]) -> &[u8] {
    if b.len() >= 2 && b[0] == b'<' && b[b.len() - 1] == b'>' {
        &b[1..b.len() - 1]
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_shapes() {
        let (h, n) = parse_host(b"name (helo) [192.0.2.1]:25 P=x");
        assert_eq!(h.name, Some(&b"name"[..]));
        assert_eq!(h.helo, Some(&b"helo"[..]));
        assert_eq!(h.ip, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(h.port, Some(25));
        assert_eq!(n, 26);
        let (h, _) = parse_host(b"([10.21.32.43]) [192.168.8.34]");
        assert_eq!(h.helo, Some(&b"[10.21.32.43]"[..]));
        assert_eq!(h.ip, Some("192.168.8.34".parse().unwrap()));
        let (h, _) = parse_host(b"[2a01:7c8:c037:6::4]:47889 I=[x]");
        assert_eq!(h.ip, Some("2a01:7c8:c037:6::4".parse().unwrap()));
        assert_eq!(h.port, Some(47889));
        let (h, _) = parse_host(b"([IPV6:ip6:ip6]) [ip6:ip6]");
        assert_eq!(h.helo, Some(&b"[IPV6:ip6:ip6]"[..]));
        assert_eq!(h.addr_text, Some(&b"ip6:ip6"[..]));
        assert_eq!(h.ip, None);
        let (h, _) = parse_host(b"[] P=esmtp");
        assert_eq!(h.addr_text, Some(&b""[..]));
        let (h, _) = parse_host(b"(a (weird) helo) [192.0.2.9]");
        assert_eq!(h.helo, Some(&b"a (weird) helo"[..]));
        assert_eq!(h.ip, Some("192.0.2.9".parse().unwrap()));
    }

    #[test]
    fn quoted_values_keep_spaces() {
        let toks: Vec<_> = Tokens::new(br#"S=5 T="a \"for\" b" for x@y"#).collect();
        assert_eq!(
            toks,
            vec![
                Token::Tag(b"S", b"5"),
                Token::Tag(b"T", br#"a \"for\" b"#),
                Token::Word(b"for"),
                Token::Word(b"x@y"),
            ]
        );
    }

    #[test]
    fn unterminated_quote_does_not_panic() {
        let toks: Vec<_> = Tokens::new(br#"T="abc\"#).collect();
        assert_eq!(toks.len(), 1);
    }
}
