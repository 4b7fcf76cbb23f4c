//! Jumping to what an admin types or pastes: a message id, a client address, a
//! network, an envelope sender or a domain, as found in a spam message's headers
//! or in the log. Text in, a `Target` (and the row it lands on) out; no screen.
//!
//! Reading is forgiving (a whole `Received:` header may be pasted: every
//! id-shaped token in it is tried), resolving is strict: a target must exist in
//! the model, or the error says what was looked for.
//!
//! Cost: a message id is one lookup in the model's id index (`Model::find_message`),
//! cheap enough per keystroke. Addresses and networks scan the model's distinct
//! addresses, senders and domains scan the messages once: meant for Enter, a few
//! milliseconds on 1.3 M messages.

use std::net::IpAddr;

use ipnet::IpNet;

use super::key::{EMPTY_VALUE, NO_VALUE, key_text};
use super::senders::{AggKey, Grouping, NetPrefix, network};
use crate::model::{Model, NONE};
use crate::parse::MsgId;
use crate::parse::net::parse_ip;

/// What a piece of text names, before looking in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    MessageId(MsgId),
    Address(IpAddr),
    /// Truncated to its prefix (`1.2.3.4/24` reads as `1.2.3.0/24`).
    Network(IpNet),
    /// Raw bytes of an envelope sender; empty for the null sender `<>`.
    Sender(Vec<u8>),
    /// ASCII-lowercased, without a trailing dot.
    Domain(Vec<u8>),
}

/// What a jump lands on, found in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Message index (into `Model::messages`).
    Message(u32),
    /// A client address some message or client event came from.
    Address(IpAddr),
    /// A network holding at least one client address.
    Network(IpNet),
    /// Group label (`query::key`) of an envelope sender, as the `sender` grouping writes it.
    Sender(String),
    /// Group label of an envelope sender's domain (`domain` grouping).
    Domain(String),
    /// Group label of a DKIM signing domain (`dkim-domain` grouping).
    DkimDomain(String),
    /// Group label of a client name (verified reverse name or HELO; `host` grouping).
    Host(String),
}

/// Where a target shows: the grouping, its row, and for a message the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    pub by: AggKey,
    /// Label of the row (`Grouping::labels`), to find with `Grouping::find`.
    pub label: String,
    /// Prefix lengths the grouping must use for `label` to be one of its rows:
    /// the ones in force, except for a network of another length.
    pub prefix: NetPrefix,
    /// The message to select in the row's message list.
    pub message: Option<u32>,
}

/// The first group a message belongs to under `g` (a message has one group,
/// except under `dkim-domain`, where it is its first signature's domain).
pub fn message_group(g: &Grouping, msg: u32) -> Option<u32> {
    g.groups_of(msg).first().copied()
}

impl Target {
    /// Where the target lands, given the grouping in force (`g`, built with
    /// `prefix`). A message stays in the current grouping, on its sender's row;
    /// an address lands on its own row, or on its network's when the `net`
    /// grouping is in force; a network on its row under `net`, with the prefix
    /// length changed to its own; the others in their grouping.
    pub fn landing(&self, g: &Grouping, prefix: NetPrefix) -> Landing {
        let land = |by, label: String| Landing {
            by,
            label,
            prefix,
            message: None,
        };
        match self {
            Target::Message(i) => {
                let label = message_group(g, *i)
                    .and_then(|gid| g.labels.get(gid as usize))
                    .cloned()
                    .unwrap_or_else(|| NO_VALUE.to_string());
                Landing {
                    message: Some(*i),
                    ..land(g.by, label)
                }
            }
            Target::Address(ip) if g.by == AggKey::Net => {
                land(AggKey::Net, network(*ip, prefix).to_string())
            }
            Target::Address(ip) => land(AggKey::Ip, ip.to_string()),
            Target::Network(net) => {
                let len = net.prefix_len();
                let prefix = match net {
                    IpNet::V4(_) => NetPrefix { v4: len, ..prefix },
                    IpNet::V6(_) => NetPrefix { v6: len, ..prefix },
                };
                Landing {
                    prefix,
                    ..land(AggKey::Net, net.trunc().to_string())
                }
            }
            Target::Sender(l) => land(AggKey::Sender, l.clone()),
            Target::Domain(l) => land(AggKey::Domain, l.clone()),
            Target::DkimDomain(l) => land(AggKey::DkimDomain, l.clone()),
            Target::Host(l) => land(AggKey::Host, l.clone()),
        }
    }
}

/// Reads `input` and finds what it names in the model: the first of the
/// candidates read from it (see `candidates`) that exists there. The error
/// names every candidate tried (`no message 1QFOdo-0001zq-E9 in the loaded log`).
pub fn resolve(m: &Model, input: &str) -> Result<Target, String> {
    let wanted = candidates(input);
    if wanted.is_empty() {
        return Err(format!(
            "nothing to jump to in `{}`: type a message id, an address, a network, \
             an envelope sender or a domain",
            shown(input)
        ));
    }
    let mut misses = Vec::new();
    for w in &wanted {
        match find(m, w) {
            Some(t) => return Ok(t),
            None => misses.push(miss(w)),
        }
    }
    Err(format!("{} in the loaded log", misses.join("; ")))
}

/// Looks one candidate up in the model.
pub fn find(m: &Model, w: &Wanted) -> Option<Target> {
    match w {
        Wanted::MessageId(id) => m.find_message(*id).map(Target::Message),
        Wanted::Address(ip) => m.ips.contains(ip).then_some(Target::Address(*ip)),
        Wanted::Network(net) => m
            .ips
            .iter()
            .any(|ip| net.contains(ip))
            .then_some(Target::Network(*net)),
        Wanted::Sender(s) => find_sender(m, s).map(Target::Sender),
        Wanted::Domain(d) => find_domain(m, d),
    }
}

fn miss(w: &Wanted) -> String {
    match w {
        Wanted::MessageId(id) => format!("no message {id}"),
        Wanted::Address(ip) => format!("no sender {ip}"),
        Wanted::Network(net) => format!("no sender in {net}"),
        Wanted::Sender(s) if s.is_empty() => format!("no message from {EMPTY_VALUE}"),
        Wanted::Sender(s) => format!("no envelope sender {}", key_text(s)),
        Wanted::Domain(d) => format!("no sender domain, DKIM domain or host {}", key_text(d)),
    }
}

/// The input, terminal-safe and short, to quote in an error.
fn shown(input: &str) -> String {
    const MAX: usize = 60;
    let t = key_text(input.trim().as_bytes());
    match t.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", t.get(..at).unwrap_or_default()),
        None => t,
    }
}

/// The sender's label: exact bytes first, else the first sender equal to them
/// but for ASCII case (a pasted header may differ in case from the envelope).
fn find_sender(m: &Model, s: &[u8]) -> Option<String> {
    let label = |b: &[u8]| {
        if b.is_empty() {
            EMPTY_VALUE.to_string()
        } else {
            key_text(b)
        }
    };
    let senders = || {
        m.messages
            .iter()
            .map(|x| x.sender)
            .chain(m.peer_events.iter().map(|p| p.sender))
            .filter(|&id| id != NONE)
    };
    if let Some(id) = m.strings.lookup(s)
        && senders().any(|x| x == id)
    {
        return Some(label(s));
    }
    senders()
        .map(|id| m.str(id))
        .find(|b| b.eq_ignore_ascii_case(s))
        .map(label)
}

/// A domain as an envelope sender's domain, else as a DKIM signing domain, else
/// as a client name: the order in which a spammer's domain is usually seen.
fn find_domain(m: &Model, d: &[u8]) -> Option<Target> {
    let sender_domain = |id: u32| {
        let b = m.str(id);
        memchr::memrchr(b'@', b)
            .and_then(|at| b.get(at + 1..))
            .is_some_and(|x| x.eq_ignore_ascii_case(d))
    };
    let senders = m
        .messages
        .iter()
        .map(|x| x.sender)
        .chain(m.peer_events.iter().map(|p| p.sender));
    if senders.filter(|&id| id != NONE).any(sender_domain) {
        return Some(Target::Domain(key_text(d)));
    }
    if m.signatures
        .iter()
        .any(|s| s.domain != NONE && m.str(s.domain).eq_ignore_ascii_case(d))
    {
        return Some(Target::DkimDomain(key_text(d)));
    }
    m.messages
        .iter()
        .map(|x| x.host)
        .chain(m.peer_events.iter().map(|p| p.host))
        .filter(|&id| id != NONE)
        .map(|id| m.str(id))
        .find(|h| h.eq_ignore_ascii_case(d))
        .map(|h| Target::Host(key_text(h)))
}

/// Everything `input` could name, most specific first: message ids anywhere in
/// it, then (for one word) the word read as an address, network, sender or
/// domain; for several words, the addresses, networks and mail addresses among
/// them (`envelope-from` first). Domains are read only from a single word: a
/// pasted header names too many hosts.
pub fn candidates(input: &str) -> Vec<Wanted> {
    let mut out: Vec<Wanted> = message_ids(input.as_bytes())
        .into_iter()
        .map(Wanted::MessageId)
        .collect();
    let words: Vec<&str> = input.split_whitespace().collect();
    let mut push = |w: Wanted| {
        if !out.contains(&w) {
            out.push(w);
        }
    };
    if let [word] = words.as_slice() {
        if let Some(w) = read_word(word) {
            push(w);
        }
    } else {
        // `(envelope-from <a@b>)`: the envelope sender, named as such.
        for pair in words.windows(2) {
            if let [a, b] = pair
                && clean(a).eq_ignore_ascii_case("envelope-from")
                && let Some(w @ Wanted::Sender(_)) = read_word(b)
            {
                push(w);
            }
        }
        for word in &words {
            if let Some(w @ (Wanted::Address(_) | Wanted::Network(_) | Wanted::Sender(_))) =
                read_word(word)
            {
                push(w);
            }
        }
    }
    out
}

/// Strips what surrounds a value in a header or a log line: whitespace,
/// brackets, quotes, and trailing `;` `,` `.` `:`.
fn clean(w: &str) -> &str {
    w.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '"' | '\'' | ';' | ',')
    })
}

/// One word as an address, network, envelope sender or domain.
pub fn read_word(word: &str) -> Option<Wanted> {
    let raw = word.trim();
    if clean(raw).is_empty() && raw.contains("<>") {
        return Some(Wanted::Sender(Vec::new()));
    }
    let w = clean(raw);
    if w.is_empty() {
        return None;
    }
    if let Some(ip) = read_address(w) {
        return Some(Wanted::Address(ip));
    }
    if let Some(net) = read_network(w) {
        // A host route is an address.
        if net.prefix_len() == net.max_prefix_len() {
            return Some(Wanted::Address(net.addr()));
        }
        return Some(Wanted::Network(net));
    }
    let w = w.trim_end_matches(['.', ':']);
    if let Some(at) = w.rfind('@') {
        let (local, domain) = (w.get(..at)?, w.get(at + 1..)?);
        if local.is_empty() || domain.is_empty() || !is_domain(domain) {
            return None;
        }
        return Some(Wanted::Sender(w.as_bytes().to_vec()));
    }
    if is_domain(w) && w.contains('.') {
        return Some(Wanted::Domain(w.as_bytes().to_ascii_lowercase()));
    }
    None
}

/// LDH labels with dots, not only digits (that would be a partial IPv4 address).
fn is_domain(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        && !d.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// `1.2.3.4`, `[1.2.3.4]`, `[1.2.3.4]:25`, `2001:db8::1`, `IPv6:2001:db8::1`,
/// `[IPv6:2001:db8::1]`; `::ffff:1.2.3.4` reads as `1.2.3.4`, as Exim logs it.
pub fn read_address(w: &str) -> Option<IpAddr> {
    let mut w = w.trim();
    if let Some(rest) = w.strip_prefix('[') {
        // `[addr]` or `[addr]:port`
        let end = rest.find(']')?;
        let tail = rest.get(end + 1..)?;
        if !(tail.is_empty()
            || tail
                .strip_prefix([':', '.'])
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        {
            return None;
        }
        w = rest.get(..end)?;
    }
    let w = match w.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("ipv6:") => w.get(5..)?,
        _ => w,
    };
    parse_ip(w.as_bytes())
}

/// `1.2.3.0/24`, `2a01:238::/32`, `[2a01:238::]/32`; truncated to the prefix.
pub fn read_network(w: &str) -> Option<IpNet> {
    let (addr, len) = w.trim().rsplit_once('/')?;
    let len: u8 = len.parse().ok()?;
    let ip = read_address(addr)?;
    IpNet::new(ip, len).ok().map(|n| n.trunc())
}

/// Every message-id-shaped token in `b`, in order, without repeats: a token is
/// a run of `[0-9A-Za-z-]`; it is an id as it is, or followed by a spool
/// suffix (`1QFOdo-0001zq-E9-H`), or after the `E` Exim puts before the ids in
/// the `Message-Id:` headers it writes (`<E1QFOdo-0001zq-E9@host>`).
pub fn message_ids(b: &[u8]) -> Vec<MsgId> {
    let mut out = Vec::new();
    let is_tok = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-';
    for tok in b.split(|c| !is_tok(c)) {
        if tok.len() < 16 {
            continue;
        }
        let mut found = None;
        for t in [
            tok,
            tok.get(1..)
                .filter(|_| tok.first() == Some(&b'E'))
                .unwrap_or_default(),
        ] {
            found = MsgId::parse(t).or_else(|| {
                [23usize, 16].iter().find_map(|&n| {
                    (t.get(n) == Some(&b'-'))
                        .then(|| t.get(..n).and_then(MsgId::parse))
                        .flatten()
                })
            });
            if found.is_some() {
                break;
            }
        }
        if let Some(id) = found
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LoadOptions, load};

    fn id(s: &str) -> MsgId {
        MsgId::parse(s.as_bytes()).unwrap()
    }

    fn model(log: &[u8]) -> Model {
        let opts = LoadOptions {
            threads: 1,
            ..LoadOptions::default()
        };
        load::from_bytes("t.log", log.to_vec(), &opts)
    }

    const LOG: &[u8] = b"2011-04-28 12:40:21 1QFOdo-0001zq-E9 DKIM: d=News.Example s=domk c=relaxed/relaxed a=rsa-sha1 [verification succeeded]\n\
2011-04-28 12:40:26 1QFOdo-0001zq-E9 <= Offers@news.example H=(mail.news.example) [2a01:238:20a:202:53f0::1]:4000 P=esmtp S=2210478 for peter@local.test\n\
2011-04-28 12:40:26 1QFOdo-0001zq-E9 => peter <peter@local.test> R=localuser T=local_delivery\n\
2011-04-28 12:40:26 1QFOdo-0001zq-E9 Completed\n\
2024-09-07 01:34:11 1smkL5-00000000e65-24eQ <= <> H=relay.example.net [192.0.2.10]:1 P=esmtp S=10 for b@local.test\n\
2024-09-07 01:40:00 H=(bad.example) [203.0.113.9]:4000 F=<x@spam.example> rejected RCPT <b@local.test>: relay not permitted\n";

    #[test]
    fn ids_are_found_anywhere_in_pasted_text() {
        let hdr = "Received: from mail.news.example ([2a01:238:20a:202:53f0::1])\n\
                   by mx.local.test with esmtps id 1QFOdo-0001zq-E9 for <peter@local.test>;";
        assert_eq!(message_ids(hdr.as_bytes()), vec![id("1QFOdo-0001zq-E9")]);
        assert_eq!(
            message_ids(b"Message-Id: <E1smkL5-00000000e65-24eQ@mx>"),
            vec![id("1smkL5-00000000e65-24eQ")]
        );
        assert_eq!(
            message_ids(b"input/1QFOdo-0001zq-E9-H 1QFOdo-0001zq-E9"),
            vec![id("1QFOdo-0001zq-E9")]
        );
        // Near misses are not ids.
        assert!(message_ids(b"1QFOdo-0001zq-E9x 1QFOdo_0001zq-E9 2a01:238::").is_empty());
        assert!(message_ids(b"\xff\xfe1QFOdo-0001zq-E\xc3\xa9").is_empty());
    }

    #[test]
    fn words_read_as_addresses_networks_senders_and_domains() {
        let a = |s: &str| Some(Wanted::Address(s.parse().unwrap()));
        let n = |s: &str| Some(Wanted::Network(s.parse().unwrap()));
        assert_eq!(read_word("1.2.3.4"), a("1.2.3.4"));
        assert_eq!(read_word(" [1.2.3.4]:25, "), a("1.2.3.4"));
        assert_eq!(read_word("IPv6:2001:db8::1"), a("2001:db8::1"));
        assert_eq!(read_word("[IPv6:2001:DB8::1]"), a("2001:db8::1"));
        assert_eq!(read_word("::ffff:1.2.3.4"), a("1.2.3.4"));
        assert_eq!(read_word("(2001:db8::1);"), a("2001:db8::1"));
        assert_eq!(read_word("2a01:238::/32"), n("2a01:238::/32"));
        assert_eq!(read_word("1.2.3.9/24"), n("1.2.3.0/24"));
        assert_eq!(read_word("1.2.3.9/32"), a("1.2.3.9"));
        assert_eq!(read_word("1.2.3.9/33"), None);
        assert_eq!(
            read_word("<a@B.example>;"),
            Some(Wanted::Sender(b"a@B.example".to_vec()))
        );
        assert_eq!(read_word("<>"), Some(Wanted::Sender(Vec::new())));
        assert_eq!(
            read_word("Example.COM."),
            Some(Wanted::Domain(b"example.com".to_vec()))
        );
        for w in [
            "",
            "<",
            "141.209",
            "4d2a",
            "hello",
            "a@",
            "@b",
            "é.example",
            "1.2.3.4]",
        ] {
            assert_eq!(read_word(w), None, "{w}");
        }
    }

    #[test]
    fn resolves_ids_addresses_networks_senders_and_domains() {
        let m = model(LOG);
        let ok = |s: &str| resolve(&m, s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok("1QFOdo-0001zq-E9"), Target::Message(0));
        assert_eq!(
            ok("  with esmtps id 1smkL5-00000000e65-24eQ for <b@local.test>;"),
            Target::Message(1)
        );
        assert_eq!(
            ok("[2a01:238:20a:202:53f0::1]"),
            Target::Address("2a01:238:20a:202:53f0::1".parse().unwrap())
        );
        assert_eq!(
            ok("2a01:238::/32"),
            Target::Network("2a01:238::/32".parse().unwrap())
        );
        assert_eq!(
            ok("203.0.113.9"),
            Target::Address("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            ok("<Offers@news.example>"),
            Target::Sender("Offers@news.example".into())
        );
        // Case differs from the envelope: the envelope's spelling is the label.
        assert_eq!(
            ok("offers@NEWS.example"),
            Target::Sender("Offers@news.example".into())
        );
        assert_eq!(
            ok("x@spam.example"),
            Target::Sender("x@spam.example".into())
        );
        assert_eq!(ok("<>"), Target::Sender(EMPTY_VALUE.into()));
        assert_eq!(ok("NEWS.example"), Target::Domain("news.example".into()));
        assert_eq!(ok("spam.example"), Target::Domain("spam.example".into()));
        assert_eq!(ok("news.EXAMPLE."), Target::Domain("news.example".into()));
        assert_eq!(
            ok("relay.example.net"),
            Target::Host("relay.example.net".into())
        );
        assert_eq!(
            ok("(envelope-from <offers@news.example>) 192.0.2.77"),
            Target::Sender("Offers@news.example".into())
        );
    }

    #[test]
    fn misses_say_what_was_tried() {
        let m = model(LOG);
        let err = |s: &str| resolve(&m, s).unwrap_err();
        assert_eq!(
            err("1QFOdo-0001zq-E8"),
            "no message 1QFOdo-0001zq-E8 in the loaded log"
        );
        assert_eq!(
            err("198.51.100.1"),
            "no sender 198.51.100.1 in the loaded log"
        );
        assert_eq!(
            err("10.0.0.0/8"),
            "no sender in 10.0.0.0/8 in the loaded log"
        );
        assert_eq!(
            err("id 1QFOdo-0001zq-E8 from [198.51.100.1]"),
            "no message 1QFOdo-0001zq-E8; no sender 198.51.100.1 in the loaded log"
        );
        assert!(err("nobody@news.example").contains("no envelope sender nobody@news.example"));
        assert!(err("other.example").contains("host other.example"));
        let e = err("\x1b[2J hello");
        assert!(
            e.starts_with("nothing to jump to in `\\x1b[2J hello`"),
            "{e}"
        );
        assert!(!err(&"x".repeat(100_000)).contains(&"x".repeat(61)));
    }

    #[test]
    fn landings_name_the_grouping_and_row() {
        let m = model(LOG);
        let p = NetPrefix::default();
        let by_ip = Grouping::new(&m, AggKey::Ip, p);
        let by_net = Grouping::new(&m, AggKey::Net, p);
        let by_dkim = Grouping::new(&m, AggKey::DkimDomain, p);
        let l = Target::Message(0).landing(&by_ip, p);
        assert_eq!(
            (l.by, l.label.as_str(), l.message),
            (AggKey::Ip, "2a01:238:20a:202:53f0::1", Some(0))
        );
        assert!(by_ip.find(&l.label).is_some());
        let l = Target::Message(0).landing(&by_net, p);
        assert_eq!(l.label, "2a01:238:20a:202::/64");
        assert_eq!(
            Target::Message(0).landing(&by_dkim, p).label,
            "news.example"
        );
        assert_eq!(Target::Message(1).landing(&by_dkim, p).label, NO_VALUE);
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(Target::Address(ip).landing(&by_ip, p).label, "203.0.113.9");
        let l = Target::Address(ip).landing(&by_net, p);
        assert_eq!((l.by, l.label.as_str()), (AggKey::Net, "203.0.113.0/24"));
        let net: IpNet = "2a01:238::/32".parse().unwrap();
        let l = Target::Network(net).landing(&by_ip, p);
        assert_eq!((l.by, l.label.as_str()), (AggKey::Net, "2a01:238::/32"));
        assert_eq!(l.prefix, NetPrefix { v4: 24, v6: 32 });
        let regrouped = Grouping::new(&m, AggKey::Net, l.prefix);
        assert!(regrouped.find(&l.label).is_some());
        let l = Target::Domain("news.example".into()).landing(&by_ip, p);
        assert_eq!((l.by, l.prefix), (AggKey::Domain, p));
        assert!(
            Grouping::new(&m, AggKey::Domain, p)
                .find(&l.label)
                .is_some()
        );
        let l = Target::Sender("Offers@news.example".into()).landing(&by_ip, p);
        assert!(Grouping::new(&m, l.by, p).find(&l.label).is_some());
        let l = Target::Host("relay.example.net".into()).landing(&by_ip, p);
        assert!(Grouping::new(&m, l.by, p).find(&l.label).is_some());
    }

    #[test]
    fn hostile_input_never_panics() {
        let m = model(LOG);
        for s in [
            "",
            "   ",
            "[",
            "[]",
            "[:]:",
            "[1.2.3.4",
            "/",
            "1.2.3.4/",
            "::/999",
            "@",
            "<<>>",
            "é@é",
            "ipv6",
            "IPv6:",
            "1QFOdo-0001zq-E9é",
            "\u{202e}1QFOdo-0001zq-E9",
            "E",
            "-----------------------",
        ] {
            let _ = resolve(&m, s);
        }
    }
}
