//! The load parses lines only as far as the model stores them
//! (`exim::index_line`); the detail pane parses them fully (`parse_line`). The
//! two must agree on everything but the fields the index leaves out, or the
//! model and the screen would tell different stories about one line.

mod common;

use mailtriage::parse::exim::{index_line, parse_line};
use mailtriage::parse::{Event, ParseContext, Payload};
use proptest::prelude::*;

/// The full parse with what `Depth::Index` leaves out cleared.
fn as_indexed(mut ev: Event<'_>) -> Event<'_> {
    if let Payload::Delivery(d) = &mut ev.payload {
        d.router = None;
        d.transport = None;
        d.host = None;
        d.tls = None;
        d.confirmation = None;
    }
    ev
}

fn agree(line: &[u8]) -> Result<(), String> {
    let ctx = ParseContext { syslog_year: 2022 };
    let index = index_line(line, &ctx);
    let full = as_indexed(parse_line(line, &ctx));
    if index == full {
        Ok(())
    } else {
        Err(format!(
            "{}\n index: {index:?}\n full:  {full:?}",
            String::from_utf8_lossy(line)
        ))
    }
}

fn plain_logs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            plain_logs(&p, out);
        } else if p.extension().is_some_and(|x| x == "log") || p.ends_with("mainlog") {
            out.push(p);
        }
    }
}

#[test]
fn every_shared_sample_line_indexes_as_it_parses() {
    let Some(dir) = common::samples() else { return };
    let mut files = Vec::new();
    plain_logs(&dir, &mut files);
    assert!(files.len() >= 26, "found only {} sample logs", files.len());
    let (mut lines, mut deliveries) = (0, 0);
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for line in bytes.split(|&c| c == b'\n') {
            agree(line).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            lines += 1;
            let ev = parse_line(line, &ParseContext::default());
            deliveries += matches!(ev.payload, Payload::Delivery(_)) as u32;
        }
    }
    // The comparison read deliveries, where the two parses differ.
    assert!(
        lines > 60_000 && deliveries > 5_000,
        "{lines} lines, {deliveries} deliveries"
    );
}

#[test]
fn generated_lines_index_as_they_parse() {
    let cfg = mailtriage::r#gen::demo_config();
    let mut log = Vec::new();
    mailtriage::r#gen::generate(&cfg, &mut log).unwrap();
    for line in log.split(|&c| c == b'\n') {
        agree(line).unwrap();
    }
}

#[test]
fn the_original_is_the_word_before_the_fields() {
    let ctx = ParseContext::default();
    for line in [
        "2024-01-01 00:00:00 1rAbCd-000001-AB => bob <bob@x.org> R=local T=lmtp",
        "2024-01-01 00:00:00 1rAbCd-000001-AB => |/bin/p (bob@x.org) <bob@x.org> R=pipe",
        // A `<word>` after a field is somebody's text, not the original.
        "2024-01-01 00:00:00 1rAbCd-000001-AB => bob@x.org R=r T=t K <evil@y.org>",
    ] {
        let (Payload::Delivery(i), Payload::Delivery(f)) = (
            index_line(line.as_bytes(), &ctx).payload,
            parse_line(line.as_bytes(), &ctx).payload,
        ) else {
            panic!("not a delivery: {line}");
        };
        assert_eq!(i.original, f.original, "{line}");
        assert_ne!(i.original, Some(&b"evil@y.org"[..]), "{line}");
    }
}

const PIECES: &[&[u8]] = &[
    b"2024-01-01 00:00:00 ",
    b"Jun 29 16:04:19 server exim[1]: ",
    b"1QFOdo-0001zq-E9 ",
    b"1smkL5-00000000e65-24eQ ",
    b"=> ",
    b"-> ",
    b"** ",
    b"== ",
    b">> ",
    b"*> ",
    b"a@b ",
    b"<o@b> ",
    b"(p@b) ",
    b"<",
    b">",
    b"R=dnslookup ",
    b"T=\"a \\\" b <x>\" ",
    b"H=mx (helo) [192.0.2.1]:25 ",
    b"H=",
    b"[2001:db8::1] ",
    b"C=\"250 <id@x> ok\" ",
    b"X=TLS1.3 ",
    b": ",
    b":",
    b" ",
    b"\"",
    b"\\",
    b"=",
    b"\xff",
    b"\x1b[2J",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn hostile_lines_index_as_they_parse(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..24)) {
        let line = parts.concat();
        agree(&line).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn arbitrary_bytes_index_as_they_parse(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut line = b"2024-01-01 00:00:00 1rAbCd-000001-AB => a@b ".to_vec();
        line.extend(tail);
        agree(&line).map_err(TestCaseError::fail)?;
    }
}
