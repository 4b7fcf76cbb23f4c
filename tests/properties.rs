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
        let joined: Vec<u8> = (0..m.line_count() as u32).flat_map(|i| m.line(i).iter().copied().chain([b'\n'])).collect();
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
