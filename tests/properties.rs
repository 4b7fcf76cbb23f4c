//! Properties of the parser and model on arbitrary input.

use mailtriage::model::{LoadOptions, load::from_bytes};
use mailtriage::parse::{ParseContext, exim::parse_line};
use proptest::prelude::*;

/// Pieces of real lines, so random input reaches deep parser branches.
const PIECES: &[&str] = &[
    "2011-04-28 12:40:26 ",
    "Jun 29 16:04:19 server exim[1]: ",
    "1QFOdo-0001zq-E9 ",
    "1smkL5-00000000e65-24eQ ",
    "[123] ",
    "<= ",
    "=> ",
    "** ",
    "== ",
    "DKIM: ",
    "d=x.org ",
    "s=sel ",
    "[verification succeeded]",
    "[verification failed - x]",
    "H=",
    "(helo) ",
    "[192.0.2.1]",
    "[2001:db8::1]:25 ",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "\\",
    "T=\"a \\\" b\" ",
    "for a@b ",
    "F=<x@y> ",
    "rejected RCPT <a@b>: ",
    "authenticator failed for ",
    "SMTP connection from ",
    "Completed",
    ": ",
    " ",
    "\x1b[31m",
    "\u{ff}",
    "=",
    "P=esmtp ",
    "S=12 ",
    "DKIM=x.org ",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let ev = parse_line(&bytes, &ParseContext::default());
        // The body is always a suffix of the line: nothing is invented.
        prop_assert!(bytes.ends_with(ev.body));
    }

    #[test]
    fn line_shaped_input_never_panics(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..30)) {
        let line = parts.concat();
        let ev = parse_line(line.as_bytes(), &ParseContext { syslog_year: 2020 });
        prop_assert!(line.as_bytes().ends_with(ev.body));
    }

    #[test]
    fn every_line_is_kept(lines in proptest::collection::vec(proptest::collection::vec(proptest::sample::select(PIECES), 0..12), 0..40)) {
        let text: String = lines.iter().map(|l| l.concat() + "\n").collect();
        let newlines = text.matches('\n').count();
        let opts = LoadOptions { threads: 2, chunk_bytes: 64, ..LoadOptions::default() };
        let m = from_bytes("prop", text.clone().into_bytes(), &opts);
        prop_assert_eq!(m.line_count(), newlines);
        // Lines come back byte for byte, in order.
        let joined: Vec<u8> = (0..m.line_count() as u32).flat_map(|i| m.line(i).to_vec().into_iter().chain([b'\n'])).collect();
        prop_assert_eq!(joined, text.into_bytes());
        // Every message's lines are its own and counted.
        for (i, msg) in m.messages.iter().enumerate() {
            let ls: Vec<u32> = m.message_lines(i as u32).collect();
            prop_assert_eq!(ls.first().copied(), Some(msg.first_line));
            prop_assert_eq!(ls.last().copied(), Some(msg.last_line));
            prop_assert_eq!(ls.len(), m.line_msg.iter().filter(|&&x| x == i as u32).count());
            prop_assert!(ls.iter().all(|&l| m.line_msg[l as usize] == i as u32));
            prop_assert!(ls.windows(2).all(|w| w[0] < w[1]));
        }
    }
}

/// Pieces a spoofing HELO is made of, mixed with arbitrary bytes below.
const HELO_PIECES: &[&[u8]] = &[
    b")",
    b"(",
    b"[",
    b"]",
    b" ",
    b"=",
    b"\"",
    b"\\",
    b":",
    b"<",
    b">",
    b"@",
    b") [8.8.8.8]",
    b") [8.8.8.8]:25 ",
    b" [8.8.8.8]",
    b"[2001:db8::8]",
    b" I=[10.0.0.1]:25",
    b" P=esmtp",
    b" S=1",
    b" T=\"",
    b" for ",
    b" F=<",
    b" rejected RCPT <a>: ",
    b" rejected EHLO or HELO ",
    b"H=",
    b"(none)",
    b"\xff",
    b"\x1b[2J",
    b"DS ",
];

fn helo() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        proptest::sample::select(HELO_PIECES).prop_map(<[u8]>::to_vec),
        proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..4),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

/// Lines Exim writes around a client's HELO: (before, after) the `(helo)`.
const AROUND_HELO: &[(&str, &str)] = &[
    (
        "2024-01-01 00:00:00 1smkL5-00000000e65-24eQ <= a@b.test H=",
        " I=[10.0.0.1]:25 P=esmtp S=1 id=x@y T=\"a subject\" for c@d",
    ),
    (
        "2024-01-01 00:00:00 1smkL5-00000000e65-24eQ <= a@b.test H=rdns.test ",
        " P=esmtps X=TLS1.3 CV=no S=2",
    ),
    (
        "2024-01-01 00:00:00 H=",
        " I=[10.0.0.1]:25 F=<a@b> rejected RCPT <c@d>: relay not permitted",
    ),
    (
        "2024-01-01 00:00:00 H=",
        " F=<a@b> temporarily rejected RCPT <c@d>: greylisted",
    ),
    (
        "2024-01-01 00:00:00 H=",
        " sender verify fail for <a@b>: Unrouteable address",
    ),
    (
        "2024-01-01 00:00:00 H=",
        " incomplete transaction (QUIT) from <a@b>",
    ),
    (
        "2024-01-01 00:00:00 SMTP connection from ",
        " closed by QUIT",
    ),
    (
        "2024-01-01 00:00:00 no MAIL in SMTP connection from ",
        " I=[10.0.0.1]:25 D=1s C=EHLO,QUIT",
    ),
    (
        "2024-01-01 00:00:00 SMTP protocol error in \"AUTH LOGIN\" H=",
        " I=[10.0.0.1]:587 AUTH command used when not advertised",
    ),
    (
        "2024-01-01 00:00:00 login authenticator failed for ",
        ": 535 Incorrect authentication data (set_id=x)",
    ),
    (
        "2024-01-01 00:00:00 login authenticator failed for H=",
        " I=[10.0.0.1]:25: 535 Incorrect authentication data",
    ),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// Whatever the HELO holds, the client is the address Exim wrote after it.
    #[test]
    fn the_client_is_the_address_exim_wrote_last(
        helo in helo(),
        around in proptest::sample::select(AROUND_HELO),
        v6 in any::<bool>(),
        port in proptest::option::of(1u16..),
    ) {
        let (before, after) = around;
        let addr = if v6 { "2001:db8:0:66::1" } else { "203.0.113.66" };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let mut line = before.as_bytes().to_vec();
        line.push(b'(');
        line.extend_from_slice(&helo);
        line.extend_from_slice(format!(") [{addr}]{port}").as_bytes());
        line.extend_from_slice(after.as_bytes());
        let ev = parse_line(&line, &ParseContext::default());
        let host = ev.client();
        prop_assert!(host.is_some(), "no client: {:?}", String::from_utf8_lossy(&line));
        let host = host.unwrap();
        prop_assert_eq!(host.ip, Some(addr.parse().unwrap()), "{:?}", String::from_utf8_lossy(&line));
        prop_assert_eq!(host.helo, Some(&helo[..]));
        // A HELO rejection repeats the HELO; the client stays the same.
        if before.ends_with("H=") && !before.contains("error") {
            let mut rej = before.as_bytes().to_vec();
            rej.push(b'(');
            rej.extend_from_slice(&helo);
            rej.extend_from_slice(format!(") [{addr}]{port} rejected EHLO or HELO ").as_bytes());
            rej.extend_from_slice(&helo);
            rej.extend_from_slice(b": syntactically invalid argument(s)");
            let ev = parse_line(&rej, &ParseContext::default());
            prop_assert_eq!(ev.client().and_then(|h| h.ip), Some(addr.parse().unwrap()), "{:?}", String::from_utf8_lossy(&rej));
        }
    }
}
