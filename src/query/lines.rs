//! Lines looked at one by one rather than through a message or a sender: the lines no
//! other view reaches, and the lines of one kind (`mailtriage lines --kind`).
//!
//! Pure functions of the model; they return line numbers in log order, never text.

use crate::model::{Model, NONE};
use crate::parse::LineKind;
use crate::query::grep::Bits;

/// Lines that belong to no message (no id) and to no sender (no client, so not a
/// `Model::peer_events` line): daemon starts, queue runs, warnings, site `logwrite`
/// text, garbage and blank lines. With messages and senders these cover every line.
pub fn other_lines(m: &Model) -> Vec<u32> {
    let mut peer = Bits::new(m.line_count());
    for p in &m.peer_events {
        peer.insert(p.line);
    }
    m.line_msg
        .iter()
        .enumerate()
        .filter(|&(i, &msg)| msg == NONE && !peer.contains(i as u32))
        .map(|(i, _)| i as u32)
        .collect()
}

/// Lines of one kind, in log order (what `mailtriage lines --kind` prints).
pub fn lines_of_kind(m: &Model, kind: LineKind) -> Vec<u32> {
    m.line_kind
        .iter()
        .enumerate()
        .filter(|&(_, &k)| k == kind)
        .map(|(i, _)| i as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LoadOptions, load};

    #[test]
    fn other_lines_are_those_without_message_or_client() {
        let log = b"2024-06-01 08:00:00 exim 4.96 daemon started: pid=1\n\
2024-06-01 08:05:00 1sB0Aa-000001-AA <= a@example.org H=(x) [192.0.2.10]:1 P=esmtp S=10 for b@local.test\n\
2024-06-01 08:05:01 1sB0Aa-000001-AA nothing the parser knows\n\
2024-06-01 08:10:00 H=(bad.example) [203.0.113.9]:4000 F=<x@spam.example> rejected RCPT <b@local.test>: relay not permitted\n\
\xff\xfe garbage\n\
\n";
        let opts = LoadOptions {
            threads: 1,
            ..LoadOptions::default()
        };
        let m = load::from_bytes("t.log", log.to_vec(), &opts);
        assert_eq!(other_lines(&m), vec![0, 4, 5]);
        assert_eq!(lines_of_kind(&m, LineKind::Unrecognized), vec![2, 4, 5]);
        assert_eq!(
            lines_of_kind(&m, LineKind::Unrecognized).len() as u64,
            m.kind_count(LineKind::Unrecognized)
        );
    }
}
