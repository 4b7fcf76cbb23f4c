//! Queries the TUI needs that `query` does not offer yet: per-message recipients,
//! sender sparklines, time-range text, fuzzy narrowing, one message's detail, and the
//! rows of the log lines view.
//!
//! Pure functions of the model (candidates to move into `query`); the detail and the
//! log lines view's rows on screen are the places the TUI parses log text, through
//! `parse::exim::parse_line`.

mod detail;
mod fit;
mod fuzzy;
mod rejection;

use crate::model::{Model, NONE, flags};
use crate::parse::{LineKind, time};
use crate::query::Filter;

pub use crate::query::senders::message_passes;
pub use crate::query::time_range::parse_time_range;
pub use detail::{Detail, LineRow, detail, line_place, line_row};
pub use fit::{SHOWN_CHARS, compact, count_fit, fit_cells, human_bytes, shown, shown_safe};
pub use fuzzy::Fuzzy;
pub use rejection::{rejection_detail, stage_label, who};

/// Distinct recipients of every message (built once per model, since
/// `Model::recipients` is in line order, not message order): the query module's
/// regrouping by message, read distinct.
pub struct RecipientIndex(crate::query::parties::RecipientsByMessage);

impl RecipientIndex {
    pub fn new(m: &Model) -> RecipientIndex {
        RecipientIndex(crate::query::parties::RecipientsByMessage::new(m))
    }

    /// Distinct recipients of a message, in the order first named.
    pub fn of(&self, msg: u32) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for &r in self.0.of(msg) {
            if r != NONE && !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

/// One sender's activity: a count per bucket, one bucket per cell of its column.
pub type Spark = Vec<u32>;

/// The time window the sparklines cover: the time filter's range where it has one
/// (`last 30m` shows those 30 minutes), else the log's span; `None` for a log without
/// times. Inclusive, in the log's milliseconds.
pub fn spark_window(m: &Model, f: &Filter) -> Option<(i64, i64)> {
    let (t0, t1) = (m.first_time?, m.last_time?);
    match f.time {
        // A range wider than the log is cut to it, so no bucket is always empty.
        Some((a, b)) => Some((a.max(t0).min(t1), b.min(t1).max(t0))),
        None => Some((t0, t1)),
    }
}

/// What one of `cells` buckets of `window` spans, in the largest unit that keeps two
/// digits of sense (`11d`, `6h`, `4m`, `45s`, `250ms`): the sparkline's heading says it.
pub fn bucket_span(window: (i64, i64), cells: usize) -> String {
    let ms = ((window.1 - window.0).max(1) as f64) / cells.max(1) as f64;
    let (unit, name) = [
        (86_400_000.0, "d"),
        (3_600_000.0, "h"),
        (60_000.0, "m"),
        (1_000.0, "s"),
    ]
    .into_iter()
    .find(|(u, _)| ms >= 2.0 * u)
    .unwrap_or((1.0, "ms"));
    format!("{}{name}", (ms / unit).round() as u64)
}

/// Activity of one sender in `cells` buckets over `spark_window`: its messages, and the
/// rejections and auth failures counted for it without a message (a spammer that
/// never gets a message through is all of those).
pub fn sparkline(m: &Model, f: &Filter, msgs: &[u32], peers: &[u32], cells: usize) -> Spark {
    let cells = cells.max(1);
    let mut out = vec![0; cells];
    let Some((t0, t1)) = spark_window(m, f) else {
        return out;
    };
    // `t1` itself falls in the last bucket, not one past it.
    let span = (t1 - t0) as i128 + 1;
    let bucket = |t: i64| -> Option<usize> {
        if t < t0 || t > t1 {
            return None;
        }
        Some((((t - t0) as i128 * cells as i128 / span) as usize).min(cells - 1))
    };
    if f.dkim.is_none() {
        for &pi in peers {
            let Some(p) = m.peer_events.get(pi as usize) else {
                continue;
            };
            if !m.peer_kind(p).is_rejection() && m.peer_kind(p) != LineKind::AuthFailure
                || f.family
                    .is_some_and(|x| x != crate::parse::Family::of(m.ip(p.ip)))
                || f.matches
                    .as_ref()
                    .is_some_and(|x| !x.lines.contains(p.line))
            {
                continue;
            }
            if let Some(b) = bucket(p.time) {
                out[b] += 1;
            }
        }
    }
    for &i in msgs {
        let Some(msg) = m.messages.get(i as usize) else {
            continue;
        };
        if !msg.has(flags::ARRIVED) && !msg.has(flags::REJECTED) || !message_passes(m, f, i) {
            continue;
        }
        if let Some(b) = bucket(msg.time) {
            out[b] += 1;
        }
    }
    out
}

/// Block characters for a sparkline, one per bucket; an empty bucket is a space so a
/// rare sender reads as isolated ticks. Each non-empty bucket shows at least the lowest bar.
pub fn spark_text(s: &[u32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = s.iter().copied().max().unwrap_or(0).max(1) as u64;
    s.iter()
        .map(|&v| {
            if v == 0 {
                ' '
            } else {
                BARS[((v as u64 * 7).div_ceil(max) as usize).min(7)]
            }
        })
        .collect()
}

/// `2011-04-28 12:40` for lists.
pub fn short_time(ms: i64) -> String {
    let s = time::format_log(ms);
    s.get(..16).unwrap_or(&s).to_string()
}

/// Counts with thousands separators, `1,234,567`, for titles.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_titles_group_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1234), "1,234");
        assert_eq!(grouped(6_400_000), "6,400,000");
    }

    #[test]
    fn sparkline_marks_isolated_hits() {
        let mut s = vec![0; 16];
        s[0] = 1;
        s[15] = 4;
        assert_eq!(spark_text(&s).chars().filter(|c| *c != ' ').count(), 2);
        assert_eq!(spark_text(&s).chars().count(), 16);
    }

    #[test]
    fn a_bucket_span_reads_in_a_unit_with_sense() {
        let day = 86_400_000;
        assert_eq!(bucket_span((0, 181 * day), 16), "11d");
        assert_eq!(bucket_span((0, 30 * 60_000), 8), "4m");
        assert_eq!(bucket_span((0, 30 * 60_000), 40), "45s");
        assert_eq!(bucket_span((0, day), 8), "3h");
        assert_eq!(bucket_span((0, 100), 16), "6ms");
    }
}
