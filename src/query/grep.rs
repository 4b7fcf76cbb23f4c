//! exigrep semantics: a transaction matches when any of its lines matches, and
//! then it is shown whole; a matching line without a message id stands alone.
//!
//! Like ripgrep, the regex runs over each whole source buffer rather than line by
//! line, so the cost is close to one pass of the regex engine over the file.

use regex::bytes::{Regex, RegexBuilder};

use crate::model::{Model, NONE};

/// A fixed-size bit set over message or line numbers.
#[derive(Debug, Clone, Default)]
pub struct Bits(Vec<u64>);

impl Bits {
    pub fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }

    pub fn insert(&mut self, i: u32) {
        if let Some(w) = self.0.get_mut(i as usize / 64) {
            *w |= 1 << (i % 64);
        }
    }

    pub fn contains(&self, i: u32) -> bool {
        self.0
            .get(i as usize / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

#[derive(Debug, Clone, Default)]
pub struct LineMatches {
    /// Messages with at least one matching line.
    pub messages: Bits,
    /// Lines that match themselves.
    pub lines: Bits,
}

#[derive(Debug, Clone, Default)]
pub struct GrepOptions {
    pub literal: bool,
    pub ignore_case: bool,
}

pub fn compile(pattern: &str, o: &GrepOptions) -> Result<Regex, regex::Error> {
    let p = if o.literal {
        regex::escape(pattern)
    } else {
        pattern.to_string()
    };
    // Lines are matched one at a time (exigrep's model), so `^`/`$` are line anchors.
    RegexBuilder::new(&p)
        .case_insensitive(o.ignore_case)
        .multi_line(true)
        .unicode(false)
        .build()
}

pub fn grep(m: &Model, re: &Regex) -> LineMatches {
    let mut out = LineMatches {
        messages: Bits::new(m.messages.len()),
        lines: Bits::new(m.line_count()),
    };
    for src in &m.sources {
        let first = m.line_start.partition_point(|s| s < src.base);
        if let Some(data) = src.bytes() {
            scan(m, re, data, src.base, first, &mut out);
            continue;
        }
        // A packed gzip text comes span by span. A line that runs past its
        // span's end is matched whole too: a match may cross the boundary.
        src.each_span(&mut |at, data| {
            let base = src.base + at;
            scan(m, re, data, base, first, &mut out);
            let end = base + data.len() as u64;
            let last = m.line_start.partition_point(|s| s < end).saturating_sub(1);
            confirm(m, re, last.max(first), &mut out);
        });
    }
    out
}

/// Marks the lines of `data` (the text from global offset `base`) that match.
fn scan(m: &Model, re: &Regex, data: &[u8], base: u64, first: usize, out: &mut LineMatches) {
    let mut at = 0usize;
    while at < data.len() {
        let Some(hit) = re.find_at(data, at) else {
            break;
        };
        let pos = base + hit.start() as u64;
        let li = m
            .line_start
            .partition_point(|s| s <= pos)
            .saturating_sub(1)
            .max(first);
        // A match may run across a newline; exigrep compares lines, so confirm.
        confirm(m, re, li, out);
        let next = m
            .line_start
            .get(li + 1)
            .map_or(data.len(), |s| s.saturating_sub(base) as usize);
        at = next.max(hit.start() + 1);
    }
}

fn confirm(m: &Model, re: &Regex, li: usize, out: &mut LineMatches) {
    let line = li as u32;
    if !out.lines.contains(line) && re.is_match(&m.line(line)) {
        out.lines.insert(line);
        let msg = m.line_msg[li];
        if msg != NONE {
            out.messages.insert(msg);
        }
    }
}
