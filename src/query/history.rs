//! A sender's history: every transaction of a group's messages, whole and in log
//! order, a blank row between transactions, as `exigrep` prints them (what the
//! seed's shell loop over message ids showed). Line numbers and marks, never text.
//!
//! Lines that belong to no message but to the group's client (rejections, auth
//! failures, session events: `Model::peer_events`) are linked to a group by
//! `Grouping::peer_groups`, and are included too, as blocks of their own.

use super::senders::{Filter, Grouping, messages_of};
use crate::model::Model;
use crate::parse::{Family, LineKind};

/// What a history row shows, for the eye to find arrivals and DKIM results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    /// `<=` (and a fake reject's `(=`).
    Arrival,
    /// `DKIM:` lines.
    Dkim,
    /// `=>`, `->`, `>>`, `*>`.
    Delivery,
    /// `==`, a frozen message, a failed attempt at one host.
    Deferral,
    /// `**`, a rejection, a failed sender verification or authentication.
    Failure,
    Completed,
    Other,
}

impl Mark {
    pub fn of(kind: LineKind) -> Mark {
        use LineKind as K;
        match kind {
            K::Arrival | K::FakeReject => Mark::Arrival,
            K::DkimSignature | K::DkimOther => Mark::Dkim,
            K::Delivery | K::DeliveryMore | K::Cutthrough | K::Suppressed => Mark::Delivery,
            K::Deferral | K::Frozen | K::HostAttempt => Mark::Deferral,
            K::Bounce | K::Rejection | K::SenderVerifyFail | K::AuthFailure => Mark::Failure,
            K::Completed => Mark::Completed,
            K::Session
            | K::Lifecycle
            | K::QueueRun
            | K::Daemon
            | K::AclWarning
            | K::SpamScan
            | K::Arguments
            | K::Continuation
            | K::Unrecognized => Mark::Other,
        }
    }
}

/// One row of a history: a model line, or the blank row between transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Line { line: u32, mark: Mark },
    Gap,
}

impl Row {
    /// The model line shown, `None` for a gap.
    pub fn line(self) -> Option<u32> {
        match self {
            Row::Line { line, .. } => Some(line),
            Row::Gap => None,
        }
    }
}

/// Every line of messages `msgs` (indices into `Model::messages`, any order,
/// repeats ignored), each message's lines together, and the lines `peers`
/// (indices into `Model::peer_events`), in log order: transactions ordered by
/// their first line, client lines by their own; consecutive client lines form
/// one block. A `Row::Gap` separates blocks (none before the first or after
/// the last). Costs the lines shown plus a sort of the messages.
pub fn history(m: &Model, msgs: &[u32], peers: &[u32]) -> Vec<Row> {
    // Keyed by a transaction's first line or a client line's own line.
    enum Unit {
        Message(u32),
        Peer(u32),
    }
    let mut units: Vec<(u32, Unit)> = Vec::with_capacity(msgs.len() + peers.len());
    for &i in msgs {
        if let Some(msg) = m.messages.get(i as usize) {
            units.push((msg.first_line, Unit::Message(i)));
        }
    }
    for &p in peers {
        if let Some(ev) = m.peer_events.get(p as usize) {
            units.push((ev.line, Unit::Peer(ev.line)));
        }
    }
    units.sort_by_key(|u| u.0);
    // A line belongs to one message or is one client line: equal keys are repeats.
    units.dedup_by_key(|u| u.0);
    let mut out = Vec::new();
    let mut last_was_peer = false;
    let mark = |line: u32| {
        Mark::of(
            m.line_kind
                .get(line as usize)
                .copied()
                .unwrap_or(LineKind::Unrecognized),
        )
    };
    for (_, u) in units {
        let is_peer = matches!(u, Unit::Peer(_));
        let same_block = is_peer && last_was_peer;
        if !out.is_empty() && !same_block {
            out.push(Row::Gap);
        }
        match u {
            Unit::Peer(line) => out.push(Row::Line {
                line,
                mark: mark(line),
            }),
            Unit::Message(i) => {
                // The chain is the model's own; the bound only guards against a cycle.
                for line in m.message_lines(i).take(m.line_count()) {
                    out.push(Row::Line {
                        line,
                        mark: mark(line),
                    });
                }
            }
        }
        last_was_peer = is_peer;
    }
    out
}

/// Client lines (`Model::peer_events` indices) of group `group`, in log order,
/// that pass the filter the way `senders::group` counts them: none under a DKIM
/// filter (a line without a message has no signature), else by family, time
/// and regex.
pub fn peers_of(m: &Model, g: &Grouping, group: u32, f: &Filter) -> Vec<u32> {
    if f.dkim.is_some() {
        return Vec::new();
    }
    g.peer_groups()
        .iter()
        .zip(&m.peer_events)
        .enumerate()
        .filter(|&(_, (&gid, p))| {
            gid == group
                && f.family.is_none_or(|x| x == Family::of(m.ip(p.ip)))
                && f.time.is_none_or(|(a, b)| p.time >= a && p.time <= b)
                && f.matches.as_ref().is_none_or(|x| x.lines.contains(p.line))
        })
        .map(|(i, _)| i as u32)
        .collect()
}

/// The history of one row of a grouping: its messages that pass the filter
/// (`senders::messages_of`) and its client lines (`peers_of`).
pub fn group_history(m: &Model, g: &Grouping, group: u32, f: &Filter) -> Vec<Row> {
    let msgs = messages_of(m, g, group, f);
    history(m, &msgs, &peers_of(m, g, group, f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LoadOptions, load};
    use crate::query::{AggKey, NetPrefix};

    fn model(log: &[u8]) -> Model {
        let opts = LoadOptions {
            threads: 1,
            ..LoadOptions::default()
        };
        load::from_bytes("t.log", log.to_vec(), &opts)
    }

    /// The rows as `exigrep` output: lines, and an empty line for a gap.
    fn text(m: &Model, rows: &[Row]) -> String {
        rows.iter()
            .map(|r| match r.line() {
                Some(l) => String::from_utf8_lossy(&m.line(l)).into_owned(),
                None => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    const SEED: &[u8] = include_bytes!("../../tests/fixtures/seed-main.log");

    #[test]
    fn seed_history_is_the_shell_loop_over_its_ids() {
        let m = model(SEED);
        let all: Vec<u32> = (0..m.messages.len() as u32).rev().collect();
        let rows = history(&m, &all, &[]);
        // What `for id in …; do exigrep $id main.log; echo; done` printed.
        let want = String::from_utf8_lossy(SEED)
            .trim_end()
            .lines()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.join("\n"))
            .collect::<Vec<_>>()
            .join("\n\n");
        assert_eq!(text(&m, &rows), want);
        let marks: Vec<Option<Mark>> = rows
            .iter()
            .take(5)
            .map(|r| match r {
                Row::Line { mark, .. } => Some(*mark),
                Row::Gap => None,
            })
            .collect();
        assert_eq!(
            marks,
            [
                Some(Mark::Dkim),
                Some(Mark::Arrival),
                Some(Mark::Delivery),
                Some(Mark::Completed),
                None
            ]
        );
        assert_eq!(rows.iter().filter(|r| **r == Row::Gap).count(), 4);
    }

    const MIXED: &[u8] = b"2024-06-01 08:00:00 H=(x) [192.0.2.10]:1 F=<a@x.test> rejected RCPT <b@local.test>: relay not permitted\n\
2024-06-01 08:00:01 H=(x) [192.0.2.10]:1 F=<a@x.test> rejected RCPT <c@local.test>: relay not permitted\n\
2024-06-01 08:05:00 1sB0Aa-000001-AA <= a@x.test H=(x) [192.0.2.10]:1 P=esmtp S=10 for b@local.test\n\
2024-06-01 08:05:01 H=(y) [198.51.100.7]:1 F=<z@y.test> rejected RCPT <b@local.test>: relay not permitted\n\
2024-06-01 08:05:02 1sB0Ab-000002-AA <= z@y.test H=(y) [198.51.100.7]:1 P=esmtp S=10 for b@local.test\n\
2024-06-01 08:05:03 1sB0Aa-000001-AA == b@local.test R=dnslookup T=remote_smtp defer (-1): retry\n\
2024-06-01 08:05:04 1sB0Ab-000002-AA ** b@local.test: unrouteable\n\
2024-06-01 09:00:00 H=(x) [192.0.2.10]:1 F=<a@x.test> rejected RCPT <d@local.test>: relay not permitted\n\
2024-06-01 09:00:05 1sB0Aa-000001-AA Completed\n";

    #[test]
    fn client_lines_join_the_history_in_log_order() {
        let m = model(MIXED);
        let g = Grouping::new(&m, AggKey::Ip, NetPrefix::default());
        let gid = g.find("192.0.2.10").unwrap();
        let rows = group_history(&m, &g, gid, &Filter::default());
        let lines: Vec<Option<u32>> = rows.iter().map(|r| r.line()).collect();
        // Two rejections in one block, the transaction whole (its interleaved
        // neighbour's lines left out), then the later rejection.
        assert_eq!(
            lines,
            [
                Some(0),
                Some(1),
                None,
                Some(2),
                Some(5),
                Some(8),
                None,
                Some(7)
            ]
        );
        assert_eq!(
            rows.first(),
            Some(&Row::Line {
                line: 0,
                mark: Mark::Failure
            })
        );
        assert!(rows.contains(&Row::Line {
            line: 5,
            mark: Mark::Deferral
        }));
        let other = g.find("198.51.100.7").unwrap();
        let rows = group_history(&m, &g, other, &Filter::default());
        assert_eq!(
            rows.iter().map(|r| r.line()).collect::<Vec<_>>(),
            [Some(3), None, Some(4), Some(6)]
        );
        // A DKIM filter keeps only messages; a time filter applies to client lines too.
        let f = Filter {
            time: Some((0, i64::MAX)),
            dkim: Some(crate::parse::DkimStatus::None),
            ..Filter::default()
        };
        assert!(peers_of(&m, &g, gid, &f).is_empty());
        let late = Filter {
            time: m.messages.first().map(|x| (x.time + 1, i64::MAX)),
            ..Filter::default()
        };
        assert_eq!(peers_of(&m, &g, gid, &late).len(), 1);
    }

    #[test]
    fn bad_indices_and_repeats_are_ignored() {
        let m = model(MIXED);
        let rows = history(&m, &[0, 0, 99, u32::MAX], &[u32::MAX, 2, 2]);
        assert_eq!(
            rows.iter().map(|r| r.line()).collect::<Vec<_>>(),
            [Some(2), Some(5), Some(8), None, Some(3)]
        );
        assert!(history(&m, &[], &[]).is_empty());
        assert!(history(&Model::default(), &[0], &[0]).is_empty());
    }
}
