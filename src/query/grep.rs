//! exigrep semantics: a transaction matches when any of its lines matches, and
//! then it is shown whole; a matching line without a message id stands alone.
//!
//! Like ripgrep, the regex runs over large pieces of text rather than line by
//! line, so the cost is close to one pass of the regex engine over the file,
//! and the pieces are shared out to one thread per core. A packed gzip text's
//! pieces are its spans, each inflated by the thread that searches it.

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

    /// Adds the members of `other`, a set of the same size.
    fn union(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
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

/// Text searched as one piece at most: enough for the regex to run long,
/// small enough that two threads finish together.
const PIECE: usize = 16 << 20;

/// Part of one source to search.
enum Piece {
    /// `[from, to)` of a source held whole, cut at line starts.
    Whole { src: usize, from: usize, to: usize },
    /// Span `k` of a packed gzip text.
    Span { src: usize, k: usize },
}

fn pieces(m: &Model) -> Vec<Piece> {
    let mut out = Vec::new();
    for (i, src) in m.sources.iter().enumerate() {
        let Some(data) = src.bytes() else {
            out.extend((0..src.spans()).map(|k| Piece::Span { src: i, k }));
            continue;
        };
        let mut from = 0;
        while from < data.len() {
            let mut to = (from + PIECE).min(data.len());
            if to < data.len() {
                to = memchr::memchr(b'\n', &data[to..]).map_or(data.len(), |n| to + n + 1);
            }
            out.push(Piece::Whole { src: i, from, to });
            from = to;
        }
    }
    out
}

pub fn grep(m: &Model, re: &Regex) -> LineMatches {
    let empty = || LineMatches {
        messages: Bits::new(m.messages.len()),
        lines: Bits::new(m.line_count()),
    };
    let pieces = pieces(m);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(pieces.len())
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = |out: &mut LineMatches| {
        let mut text = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(p) = pieces.get(i) else { return };
            search(m, re, p, out, &mut text);
        }
    };
    if threads == 1 {
        let mut out = empty();
        work(&mut out);
        return out;
    }
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = empty();
                    work(&mut out);
                    out
                })
            })
            .collect();
        let mut out = empty();
        work(&mut out);
        for h in helpers {
            // A helper that panicked (a bug) leaves its pieces unmarked
            // rather than taking the screen down.
            if let Ok(theirs) = h.join() {
                out.lines.union(&theirs.lines);
                out.messages.union(&theirs.messages);
            }
        }
        out
    })
}

/// Searches one piece; `text` is where a span is inflated.
fn search(m: &Model, re: &Regex, piece: &Piece, out: &mut LineMatches, text: &mut Vec<u8>) {
    match *piece {
        Piece::Whole { src, from, to } => {
            let Some(s) = m.sources.get(src) else { return };
            let data = s.bytes().unwrap_or_default();
            let first = m.line_start.partition_point(|x| x < s.base);
            let to = to.min(data.len());
            scan(
                m,
                re,
                &data[from.min(to)..to],
                s.base + from as u64,
                first,
                out,
            );
        }
        Piece::Span { src, k } => {
            let Some(s) = m.sources.get(src) else { return };
            // A span that no longer inflates (the file changed) marks nothing.
            let Some(at) = s.span(k, text) else { return };
            let data = &text[..];
            let first = m.line_start.partition_point(|x| x < s.base);
            let base = s.base + at;
            scan(m, re, data, base, first, out);
            // The line running past the span's end is matched whole: a match
            // may cross the boundary, and neither part holds it.
            let end = base + data.len() as u64;
            let last = m.line_start.partition_point(|x| x < end).saturating_sub(1);
            confirm(m, re, last.max(first), out);
        }
    }
}

/// Marks the lines of `data` (the text from global offset `base`) that match.
fn scan(m: &Model, re: &Regex, data: &[u8], base: u64, first: usize, out: &mut LineMatches) {
    let end = base + data.len() as u64;
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
        let next = m.line_start.get(li + 1).unwrap_or(end);
        // A match may run across a newline; exigrep compares lines, so confirm,
        // on the line as this piece holds it when it holds all of it (a packed
        // text's line read from the model would be inflated a second time).
        match m.line_start.get(li) {
            Some(start) if start >= base && next <= end => {
                let l = &data[(start - base) as usize..(next - base) as usize];
                mark(m, re, li, crate::model::lines::without_terminator(l), out);
            }
            _ => confirm(m, re, li, out),
        }
        at = (next.saturating_sub(base) as usize).max(hit.start() + 1);
    }
}

/// Marks line `li`, whose text is `l`, if it matches.
fn mark(m: &Model, re: &Regex, li: usize, l: &[u8], out: &mut LineMatches) {
    let line = li as u32;
    if !out.lines.contains(line) && re.is_match(l) {
        out.lines.insert(line);
        if let Some(&msg) = m.line_msg.get(li)
            && msg != NONE
        {
            out.messages.insert(msg);
        }
    }
}

/// Marks line `li` if it matches, read from the model.
fn confirm(m: &Model, re: &Regex, li: usize, out: &mut LineMatches) {
    if !out.lines.contains(li as u32) {
        mark(m, re, li, &m.line(li as u32), out);
    }
}
