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

/// Distinct recipients of every message, as a compressed index (built once per
/// model, since `Model::recipients` is in line order, not message order).
pub struct RecipientIndex {
    start: Vec<u32>,
    addrs: Vec<u32>,
}

impl RecipientIndex {
    pub fn new(m: &Model) -> RecipientIndex {
        let n = m.messages.len();
        let mut start = vec![0u32; n + 1];
        for r in &m.recipients {
            if let Some(c) = start.get_mut(r.msg as usize + 1) {
                *c += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut addrs = vec![NONE; m.recipients.len()];
        for r in &m.recipients {
            if let Some(at) = fill.get_mut(r.msg as usize) {
                addrs[*at as usize] = r.addr;
                *at += 1;
            }
        }
        RecipientIndex { start, addrs }
    }

    /// Distinct recipients of a message, in the order first named.
    pub fn of(&self, msg: u32) -> Vec<u32> {
        let i = msg as usize;
        let (Some(&a), Some(&b)) = (self.start.get(i), self.start.get(i + 1)) else {
            return Vec::new();
        };
        let mut out: Vec<u32> = Vec::new();
        for &r in &self.addrs[a as usize..b as usize] {
            if r != NONE && !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

pub const SPARK_BUCKETS: usize = 16;
pub type Spark = [u32; SPARK_BUCKETS];

/// Activity of one sender over the log's time span: its messages, and the
/// rejections and auth failures counted for it without a message (a spammer
/// that never gets a message through is all of those).
pub fn sparkline(m: &Model, f: &Filter, msgs: &[u32], peers: &[u32]) -> Spark {
    let mut out = [0; SPARK_BUCKETS];
    let (Some(t0), Some(t1)) = (m.first_time, m.last_time) else {
        return out;
    };
    let span = (t1 - t0).max(1) as i128;
    let bucket = |t: i64| {
        let b = ((t - t0).max(0) as i128 * SPARK_BUCKETS as i128 / span) as usize;
        b.min(SPARK_BUCKETS - 1)
    };
    if f.dkim.is_none() {
        for &pi in peers {
            let Some(p) = m.peer_events.get(pi as usize) else {
                continue;
            };
            if !m.peer_kind(p).is_rejection() && m.peer_kind(p) != LineKind::AuthFailure
                || f.family
                    .is_some_and(|x| x != crate::parse::Family::of(m.ip(p.ip)))
                || f.time.is_some_and(|(a, b)| p.time < a || p.time > b)
                || f.matches
                    .as_ref()
                    .is_some_and(|x| !x.lines.contains(p.line))
            {
                continue;
            }
            out[bucket(p.time)] += 1;
        }
    }
    for &i in msgs {
        let Some(msg) = m.messages.get(i as usize) else {
            continue;
        };
        if !msg.has(flags::ARRIVED) && !msg.has(flags::REJECTED) || !message_passes(m, f, i) {
            continue;
        }
        out[bucket(msg.time)] += 1;
    }
    out
}

/// Block characters for a sparkline; an empty bucket is a space so a rare sender
/// reads as isolated ticks. Each non-empty bucket shows at least the lowest bar.
pub fn spark_text(s: &Spark, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let width = width.clamp(1, SPARK_BUCKETS);
    // Merge buckets when the column is narrower than the bucket count.
    let mut cols = vec![0u32; width];
    for (i, &v) in s.iter().enumerate() {
        cols[i * width / SPARK_BUCKETS] += v;
    }
    let max = cols.iter().copied().max().unwrap_or(0).max(1) as u64;
    cols.iter()
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
        let mut s = [0; SPARK_BUCKETS];
        s[0] = 1;
        s[15] = 4;
        assert_eq!(spark_text(&s, 16).chars().filter(|c| *c != ' ').count(), 2);
        assert_eq!(spark_text(&s, 8).chars().count(), 8);
    }
}
