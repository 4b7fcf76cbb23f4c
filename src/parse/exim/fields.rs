//! Tokens of an Exim line body: `TAG=value`, `TAG="quoted value"`, host groups and
//! bare words. Never splits naively on spaces: quoted values keep their spaces.

use super::super::event::Host;
use super::super::net::parse_ip;
use super::super::scan;

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

/// Bytes a tag name holds (`A-Za-z0-9*`), by table: the name loop runs for
/// every token of every line.
static TAG_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'*' || b.is_ascii_lowercase();
        c += 1;
    }
    t
};

fn is_tag_char(c: u8) -> bool {
    TAG_CHAR[c as usize]
}

/// Index of the closing quote of a quoted value that starts at `b[0] == '"'`.
pub fn quoted_end(b: &[u8]) -> usize {
    let mut i = 1;
    while let Some(off) = b.get(i..).and_then(|r| scan::find2(r, b'\\', b'"')) {
        let j = i + off;
        if b[j] == b'"' {
            return j;
        }
        i = j + 2;
    }
    b.len()
}

fn word_end(b: &[u8], from: usize) -> usize {
    scan::find(&b[from..], b' ').map_or(b.len(), |i| from + i)
}

/// End of an unquoted value or word: the next space outside a quoted part, so
/// `F=<"a H=[192.0.2.1]"@x>` stays one value instead of leaking a fake `H=`.
fn value_end(b: &[u8], from: usize) -> usize {
    // Jumps between spaces and quotes (8 bytes a step): this runs for every
    // value of every line, and a byte loop here cost 8 % of a load.
    let mut i = from;
    while let Some(off) = b.get(i..).and_then(|r| scan::find2(r, b' ', b'"')) {
        let j = i + off;
        if b[j] == b' ' {
            return j;
        }
        i = if j == from || matches!(b[j - 1], b'=' | b'<') {
            closing_quote(b, j).map_or(j + 1, |c| c + 1)
        } else {
            j + 1
        };
    }
    b.len()
}

/// Parses `name (helo) [ip]:port` (any part optional, the address last) starting
/// at `b[0]`; returns the host and the bytes used.
///
/// The HELO is the client's own text and may hold anything but a newline:
/// `)`, `(`, `[`, `]`, spaces, fake `I=`/`P=` fields, whole fake host groups.
/// Exim writes the real address after it, so the address is the last
/// `) [addr]` of the group (see [`last_address`]), never the first one.
pub fn parse_host(b: &[u8]) -> (Host<'_>, usize) {
    let mut h = Host::default();
    let mut p = 0;
    if !b.is_empty() && b[0] != b'[' && b[0] != b'(' {
        let e = word_end(b, 0);
        h.name = Some(&b[..e]);
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
    let addr = if b.get(p) == Some(&b'(') {
        let Some((at, a)) = last_address(b, p) else {
            return (h, p);
        };
        // `at` is at least `p + 3`: `(`, `)`, ` ` come before it.
        h.helo = b.get(p + 1..at - 2);
        Some(a)
    } else {
        address_at(b, p)
    };
    match addr {
        Some(a) => {
            h.addr_text = Some(a.text);
            h.ip = parse_ip(a.text);
            h.port = a.port;
            (h, a.end)
        }
        None => (h, p),
    }
}

/// A bracketed address `[addr]` with an optional `:port`, as Exim writes it.
#[derive(Clone, Copy)]
struct Address<'a> {
    text: &'a [u8],
    port: Option<u16>,
    end: usize,
}

/// The address at `b[at] == '['`, if it has the shape Exim gives one: no
/// spaces, brackets or parentheses inside, and a space, a colon or the end after it.
fn address_at(b: &[u8], at: usize) -> Option<Address<'_>> {
    let rest = b.get(at..)?.strip_prefix(b"[")?;
    // One bounded pass finds the `]` and rejects what no address holds (it runs
    // for nearly every line): a line of `[` without `]` must not cost a scan per `[`.
    // Loose on purpose: redacted samples write `[<HOST>]`, the test suite `[ip4.ip4.ip4.ip4]`.
    let lim = &rest[..rest.len().min(129)];
    let close = scan::find_any(lim, [b']', b' ', b'[', b'(', b')'])?;
    if lim[close] != b']' {
        return None;
    }
    let text = &rest[..close];
    let mut end = at + 1 + close + 1;
    let mut port = None;
    if b.get(end) == Some(&b':') {
        let digits = &b[end + 1..];
        let n = digits
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        if n > 0 {
            port = port_number(&digits[..n]);
            end += 1 + n;
        }
    }
    matches!(b.get(end), None | Some(b' ') | Some(b':')).then_some(Address { text, port, end })
}

/// ASCII digits as a port, `None` past 65535 (as `str::parse::<u16>` reads them).
fn port_number(digits: &[u8]) -> Option<u16> {
    decimal_u64(digits).and_then(|v| u16::try_from(v).ok())
}

/// ASCII digits as a u64, as `str::parse::<u64>` reads them (a leading `+`,
/// no sign otherwise, `None` past `u64::MAX`), without the UTF-8 check: the
/// one reader of the numbers in a line (sizes, ports, pids). It stops at the
/// first byte that overflows, so a crafted run of digits costs at most 20
/// steps past its leading zeros.
pub fn decimal_u64(v: &[u8]) -> Option<u64> {
    let digits = v.strip_prefix(b"+").unwrap_or(v);
    if digits.is_empty() {
        return None;
    }
    // 19 digits never pass u64::MAX: the first ones need no overflow checks,
    // which made up half the cost of reading a port.
    let (head, tail) = digits.split_at(digits.len().min(19));
    let mut n = 0u64;
    for &c in head {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    for &c in tail {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Start and end of the real address of a group whose HELO opens at
/// `b[open] == '('`.
///
/// Every `) [addr]` after the opening parenthesis is a candidate. Fakes inside
/// the HELO come before the real one, so the last candidate wins, except
/// that text Exim writes after the group can hold client text too (a quoted
/// subject, a quoted local part): a candidate inside a quoted value that
/// opens after the chosen one is skipped. A HELO rejection repeats the HELO
/// (`rejected EHLO or HELO <helo>: `); the last candidate whose HELO is
/// repeated that way is the real one, whatever the repeat holds.
///
/// Linear in the line: a crafted line of a million candidates must not make
/// loading quadratic.
fn last_address(b: &[u8], open: usize) -> Option<(usize, Address<'_>)> {
    let mut chosen: Option<(usize, Address<'_>)> = None;
    let mut echoes: Vec<(usize, Address<'_>)> = Vec::new();
    // Quotes are scanned once, left to right, from the chosen candidate on.
    let mut scanned = 0;
    let mut shield_end = 0;
    for at in memchr::memchr_iter(b'[', b).filter(|&i| i >= open + 3) {
        if b.get(at - 2..at) != Some(&b") "[..]) {
            continue;
        }
        let Some(a) = address_at(b, at) else { continue };
        if b[a.end..].starts_with(ECHO) {
            echoes.push((at, a));
        }
        if chosen.is_some() {
            while at >= shield_end && scanned < at {
                match next_quoted(b, scanned, at) {
                    Some((_, close)) if close >= at => {
                        shield_end = close + 1;
                        scanned = close + 1;
                    }
                    Some((_, close)) => scanned = close + 1,
                    None => scanned = at,
                }
            }
            if at < shield_end {
                continue;
            }
        }
        scanned = a.end;
        chosen = Some((at, a));
        shield_end = 0;
    }
    // The real HELO is the longest repeated one; a later candidate's HELO holds
    // the real one and more, so it can never be repeated in full after it.
    let mut budget = 2 * b.len() + 4096;
    for (at, a) in echoes.into_iter().rev() {
        let helo = &b[open + 1..at - 2];
        let rest = &b[a.end + ECHO.len()..];
        if rest.len() < helo.len() || budget < helo.len() {
            continue;
        }
        budget -= helo.len();
        if rest.starts_with(helo)
            && matches!(rest.get(helo.len()..), Some(b"") | Some([b':', b' ', ..]))
        {
            return Some((at, a));
        }
    }
    chosen
}

const ECHO: &[u8] = b" rejected EHLO or HELO ";

/// The first well-formed quoted value opening in `b[from..before]`:
/// (opening quote, closing quote). See [`quoted_spans`].
fn next_quoted(b: &[u8], from: usize, before: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while let Some(off) = b.get(i..before).and_then(|r| memchr::memchr(b'"', r)) {
        let q = i + off;
        if opens_quote(b, q)
            && let Some(close) = closing_quote(b, q)
        {
            return Some((q, close));
        }
        i = q + 1;
    }
    None
}

fn opens_quote(b: &[u8], q: usize) -> bool {
    q == 0 || matches!(b[q - 1], b' ' | b'=' | b'<')
}

/// The well-formed quoted values of `b[from..]`: a `"` at the start of a
/// token, after `=` or `<`, closed by an unescaped `"` that is followed by a
/// space, `>`, `@`, `:` or the end. A quote that never closes that way is
/// just a character.
pub fn quoted_spans(b: &[u8], from: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = from;
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(b'"', r)) {
        let q = i + off;
        if opens_quote(b, q)
            && let Some(close) = closing_quote(b, q)
        {
            spans.push((q, close + 1));
            i = close + 1;
        } else {
            i = q + 1;
        }
    }
    spans
}

fn closing_quote(b: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' if matches!(b.get(i + 1), None | Some(b' ' | b'>' | b'@' | b':')) => {
                return Some(i);
            }
            b'"' => return None,
            _ => i += 1,
        }
    }
    None
}

/// Where `needle` starts a token of `b` outside quoted values, e.g. the `H=`
/// of a session line whose quoted SMTP command holds a fake `H=`.
pub fn find_token(b: &[u8], needle: &[u8]) -> Option<usize> {
    let spans = quoted_spans(b, 0);
    memchr::memmem::find_iter(b, needle)
        .find(|&i| (i == 0 || b[i - 1] == b' ') && !spans.iter().any(|&(s, e)| s <= i && i < e))
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
        // One bound instead of two: this loop runs for every byte of every tag name.
        let end = b.len().min(start + 12);
        while i < end && is_tag_char(b[i]) {
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
            let e = value_end(b, v);
            self.pos = e;
            return Some(Token::Tag(name, &b[v..e]));
        }
        let e = if b[start] == b'"' {
            let q = start + quoted_end(&b[start..]);
            word_end(b, q.min(b.len()))
        } else {
            value_end(b, start)
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
