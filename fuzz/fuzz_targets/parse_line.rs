//! Fuzzes the line parser: arbitrary lines must not panic, and a HELO of any
//! bytes must not change the client Exim wrote after it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailtriage::parse::{ParseContext, exim::parse_line};

/// Lines Exim writes around a client's HELO: (before, after) the `(helo)`.
const AROUND_HELO: &[(&[u8], &[u8])] = &[
    (
        b"2024-01-01 00:00:00 1smkL5-00000000e65-24eQ <= a@b.test H=",
        b" I=[10.0.0.1]:25 P=esmtp S=1 id=x@y T=\"s\" for c@d",
    ),
    (
        b"2024-01-01 00:00:00 1smkL5-00000000e65-24eQ <= a@b.test H=rdns.test ",
        b" P=esmtps S=2",
    ),
    (
        b"2024-01-01 00:00:00 H=",
        b" I=[10.0.0.1]:25 F=<a@b> rejected RCPT <c@d>: relay not permitted",
    ),
    (
        b"2024-01-01 00:00:00 H=",
        b" sender verify fail for <a@b>: Unrouteable address",
    ),
    (
        b"2024-01-01 00:00:00 SMTP connection from ",
        b" closed by QUIT",
    ),
    (
        b"2024-01-01 00:00:00 SMTP protocol error in \"AUTH LOGIN\" H=",
        b" I=[10.0.0.1]:587 AUTH command used when not advertised",
    ),
    (
        b"2024-01-01 00:00:00 login authenticator failed for H=",
        b" I=[10.0.0.1]:25: 535 Incorrect authentication data",
    ),
];

fuzz_target!(|data: &[u8]| {
    let ctx = ParseContext { syslog_year: 2024 };
    for line in data.split(|&b| b == b'\n') {
        let ev = parse_line(line, &ctx);
        // Nothing is invented: the body and every host part are the line's bytes.
        assert!(line.ends_with(ev.body));
        if let Some(h) = ev.client() {
            for part in [h.name, h.helo, h.addr_text].into_iter().flatten() {
                assert!(memchr::memmem::find(line, part).is_some());
            }
        }
    }
    // The whole input as a HELO (first byte picks the line shape).
    let Some((&pick, helo)) = data.split_first() else {
        return;
    };
    if helo.contains(&b'\n') {
        return;
    }
    let (before, after) = AROUND_HELO[pick as usize % AROUND_HELO.len()];
    let mut line = before.to_vec();
    line.push(b'(');
    line.extend_from_slice(helo);
    line.extend_from_slice(b") [203.0.113.66]:40001");
    line.extend_from_slice(after);
    let ev = parse_line(&line, &ctx);
    let host = ev.client().expect("a client");
    assert_eq!(host.ip, Some("203.0.113.66".parse().expect("ip")));
    assert_eq!(host.port, Some(40001));
    assert_eq!(host.helo, Some(helo));
});
