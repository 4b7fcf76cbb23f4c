//! Queries the TUI needs that `query` does not offer yet: per-message recipients,
//! sender sparklines, time-range text, fuzzy narrowing, one message's detail, and the
//! rows of the log lines view.
//!
//! Pure functions of the model (candidates to move into `query`); the detail and the
//! log lines view's rows on screen are the places the TUI parses log text, through
//! `parse::exim::parse_line`.

use std::net::IpAddr;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::model::{Model, NONE, flags};
use crate::parse::{self, LineKind, ParseContext, Payload, exim, time};
use crate::query::Filter;
use crate::text::{sanitize, unescape_exim};

pub use crate::query::senders::message_passes;
pub use crate::query::time_range::parse_time_range;

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

/// Fuzzy narrowing: a candidate stays when the pattern's characters appear in
/// its text in order (smart case: case matters only if the pattern has capitals).
/// Candidates keep their order, so the list stays sorted by the chosen key.
///
/// Membership is a plain subsequence test, the same rule skim applies, so a
/// keystroke over 100 k senders costs a few milliseconds; the skim matcher
/// (`highlights`) only runs for the rows on screen, to mark matched characters.
pub struct Fuzzy {
    matcher: SkimMatcherV2,
}

impl Default for Fuzzy {
    fn default() -> Self {
        Fuzzy {
            matcher: SkimMatcherV2::default().smart_case(),
        }
    }
}

impl Fuzzy {
    pub fn narrow<'a>(
        &self,
        candidates: &[u32],
        pattern: &str,
        text: impl Fn(u32) -> &'a str,
    ) -> Vec<u32> {
        if pattern.is_empty() {
            return candidates.to_vec();
        }
        let p = Pattern::new(pattern);
        candidates
            .iter()
            .copied()
            .filter(|&i| p.matches(text(i)))
            .collect()
    }

    /// Char positions of `text` that the pattern matched, for highlighting.
    pub fn highlights(&self, text: &str, pattern: &str) -> Vec<usize> {
        if pattern.is_empty() {
            return Vec::new();
        }
        self.matcher
            .fuzzy_indices(text, pattern)
            .map(|(_, v)| v)
            .unwrap_or_default()
    }
}

struct Pattern {
    chars: Vec<char>,
    bytes: Option<Vec<u8>>,
    case_sensitive: bool,
}

impl Pattern {
    fn new(p: &str) -> Pattern {
        let case_sensitive = p.chars().any(char::is_uppercase);
        let chars: Vec<char> = if case_sensitive {
            p.chars().collect()
        } else {
            p.chars().flat_map(char::to_lowercase).collect()
        };
        let bytes = p
            .is_ascii()
            .then(|| chars.iter().map(|&c| c as u8).collect());
        Pattern {
            chars,
            bytes,
            case_sensitive,
        }
    }

    fn matches(&self, text: &str) -> bool {
        if let (Some(p), true) = (&self.bytes, text.is_ascii()) {
            let mut want = p.iter();
            let Some(mut w) = want.next() else {
                return true;
            };
            for &c in text.as_bytes() {
                let c = if self.case_sensitive {
                    c
                } else {
                    c.to_ascii_lowercase()
                };
                if c == *w {
                    match want.next() {
                        Some(n) => w = n,
                        None => return true,
                    }
                }
            }
            return false;
        }
        is_subsequence(text, &self.chars, self.case_sensitive)
    }
}

fn is_subsequence(text: &str, pattern: &[char], case_sensitive: bool) -> bool {
    let mut p = pattern.iter().peekable();
    for c in text.chars() {
        let Some(&&want) = p.peek() else { break };
        let hit = if case_sensitive {
            c == want
        } else {
            c == want || c.to_lowercase().eq(std::iter::once(want))
        };
        if hit {
            p.next();
        }
    }
    p.peek().is_none()
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

/// Human bytes: `1.2M`.
pub fn human_bytes(b: u64) -> String {
    // Up to E: a u64 of bytes is at most 16E, so the text stays within 5 cells.
    const UNITS: [&str; 7] = ["", "K", "M", "G", "T", "P", "E"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b}")
    } else if v < 10.0 {
        format!("{v:.1}{}", UNITS[u])
    } else {
        format!("{v:.0}{}", UNITS[u])
    }
}

/// Short counts for narrow columns: `9999`, `12k`, `1.3M`.
pub fn compact(n: u64) -> String {
    count_fit(n, 4)
}

/// A count in at most `width` cells, and never a dropped digit: exact while it fits,
/// else abbreviated in powers of 1000 (`k`, `M`, `G`, `T`, `P`, `E`), rounded down,
/// with one decimal where that fits (`999`, `1.2k`, `12k`, `1.3M`, `2.7G`). A table
/// cell cuts what is too wide, so `6676` in a 3-cell column read `676`: every
/// count on screen goes through here with its column's width.
pub fn count_fit(n: u64, width: usize) -> String {
    let exact = n.to_string();
    if exact.len() <= width {
        return exact;
    }
    let mut unit = 1u64;
    for suffix in ['k', 'M', 'G', 'T', 'P', 'E'] {
        unit *= 1000;
        let whole = n / unit;
        if whole < 10 {
            let tenth = n % unit / (unit / 10);
            let t = format!("{whole}.{tenth}{suffix}");
            if t.len() <= width {
                return t;
            }
        }
        let t = format!("{whole}{suffix}");
        if t.len() <= width {
            return t;
        }
    }
    // No abbreviation fits (a column under two cells): a mark, not a wrong number.
    if width == 0 {
        String::new()
    } else {
        "\u{2026}".to_string()
    }
}

/// The most characters of one value prepared for the screen: no pane is wider than the
/// clamped screen, and nothing is wrapped, so the rest could never be seen.
pub const SHOWN_CHARS: usize = crate::tui::backend::MAX_COLS as usize;

/// `raw` sanitized for the screen, cut to `SHOWN_CHARS` (then ending in `…`). Only a
/// prefix is read, so the cost per frame or per key does not grow with a 50 MB line.
pub fn shown(raw: &[u8]) -> String {
    // A character is at most 4 bytes; a cut character would show as `\xNN` escapes.
    let mut end = raw.len().min(SHOWN_CHARS * 4);
    if end < raw.len() {
        let floor = end.saturating_sub(3);
        while end > floor && raw.get(end).is_some_and(|b| b & 0xc0 == 0x80) {
            end -= 1;
        }
    }
    let s = sanitize(raw.get(..end).unwrap_or_default());
    let cut = s.chars().nth(SHOWN_CHARS).is_some();
    let mut s = if cut {
        s.chars().take(SHOWN_CHARS).collect()
    } else {
        s
    };
    if cut || end < raw.len() {
        s.push('\u{2026}');
    }
    s
}

/// `text` (terminal-safe) in at most `width` cells: as it is when it fits, else cut
/// with `…` where the cut is, never silently. An IPv6 address or network is cut in
/// the middle, so its network prefix and its tail or `/len` stay
/// (`2a01:238:20a:202:…:1`, `2406:da18:e130:…/64`): a prefix alone looks like
/// another valid address, and two different ones could read the same.
pub fn fit_cells(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    fit_ipv6(text, width).unwrap_or_else(|| cut_end(text, width))
}

fn cut_end(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('\u{2026}');
    out
}

fn fit_ipv6(text: &str, width: usize) -> Option<String> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (text, None),
    };
    addr.parse::<std::net::Ipv6Addr>().ok()?;
    let groups: Vec<&str> = addr.split(':').collect();
    let tail = match len {
        Some(l) => format!(":\u{2026}/{l}"),
        None => format!(":\u{2026}:{}", groups.last()?),
    };
    (1..groups.len())
        .rev()
        .map(|k| format!("{}{tail}", groups[..k].join(":")))
        .find(|s| s.chars().count() <= width)
}

/// Text that is already terminal-safe (a group label, `query::key`) cut as `shown`
/// cuts a raw value; only a prefix is copied.
pub fn shown_safe(safe: &str) -> String {
    clip(safe.chars().take(SHOWN_CHARS + 1).collect())
}

/// A composed text cut to `SHOWN_CHARS`, as `shown` cuts one value.
fn clip(s: String) -> String {
    if s.chars().nth(SHOWN_CHARS).is_none() {
        return s;
    }
    let mut s: String = s.chars().take(SHOWN_CHARS).collect();
    s.push('\u{2026}');
    s
}

/// The bytes of a line its timestamp (and syslog prefix) can be in.
fn head(raw: &[u8]) -> &[u8] {
    raw.get(..raw.len().min(512)).unwrap_or(raw)
}

/// What the detail pane shows about one message, already sanitized.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    pub id: String,
    pub fields: Vec<(&'static str, String)>,
    pub signatures: Vec<String>,
    pub deliveries: Vec<String>,
    pub lines: Vec<(LineKind, String)>,
}

fn opt(b: Option<&[u8]>) -> Option<String> {
    b.map(shown)
}

/// Parses the lines of one message for display.
pub fn detail(m: &Model, msg: u32, ctx: &ParseContext) -> Option<Detail> {
    let message = m.messages.get(msg as usize)?;
    let mut d = Detail {
        id: message.id.to_string(),
        ..Detail::default()
    };
    let push = |d: &mut Detail, k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            d.fields.push((k, v));
        }
    };
    for l in m.message_lines(msg) {
        let raw = m.line(l);
        let kind = m
            .line_kind
            .get(l as usize)
            .copied()
            .unwrap_or(LineKind::Unrecognized);
        d.lines.push((kind, shown(raw)));
        let ev = exim::parse_line(raw, ctx);
        let when = ev.time.map(time::format_log).unwrap_or_default();
        match &ev.payload {
            Payload::Arrival(a) => {
                push(&mut d, "time", Some(when));
                push(
                    &mut d,
                    "sender",
                    a.sender
                        .map(|s| if s.is_empty() { "<>".into() } else { shown(s) }),
                );
                if let Some(h) = &a.host {
                    push(&mut d, "client", Some(client_text(h)));
                    push(&mut d, "host", opt(h.name));
                    push(&mut d, "helo", opt(h.helo));
                }
                push(&mut d, "protocol", opt(a.protocol));
                push(&mut d, "tls", opt(a.tls));
                push(&mut d, "auth", opt(a.auth));
                push(
                    &mut d,
                    "size",
                    a.size.map(|s| format!("{s} ({})", human_bytes(s))),
                );
                push(&mut d, "message-id", opt(a.message_id));
                push(
                    &mut d,
                    "subject",
                    // `\ooo` is 4 bytes for one character: a prefix that long suffices.
                    a.subject
                        .map(|s| shown(&unescape_exim(s.get(..SHOWN_CHARS * 16).unwrap_or(s)))),
                );
                push(&mut d, "recipients", opt(a.recipients));
                if let Some(dom) = a.dkim_domain {
                    d.signatures
                        .push(format!("d={} result=pass (DKIM= on arrival)", shown(dom)));
                }
            }
            Payload::Dkim(s) => {
                let result = s.result.map_or("?", |r| match r {
                    parse::DkimResult::Pass => "pass",
                    parse::DkimResult::Fail => "fail",
                    parse::DkimResult::Invalid => "invalid",
                });
                let mut t = format!(
                    "d={} s={} a={} result={result}",
                    s.domain.map_or("-".into(), shown),
                    s.selector.map_or("-".into(), shown),
                    s.algorithm.map_or("-".into(), shown),
                );
                if let Some(r) = s.reason {
                    t.push_str(&format!(" reason={}", shown(r)));
                }
                d.signatures.push(clip(t));
            }
            Payload::Delivery(x) => {
                let what = match ev.kind {
                    LineKind::Bounce => "bounced",
                    LineKind::Deferral => "deferred",
                    _ => "delivered",
                };
                let mut t = format!("{when} {what} {}", shown(x.address));
                if let Some(r) = x.router {
                    t.push_str(&format!(" R={}", shown(r)));
                }
                if let Some(tr) = x.transport {
                    t.push_str(&format!(" T={}", shown(tr)));
                }
                if let Some(h) = &x.host {
                    t.push_str(&format!(" H={}", client_text(h)));
                }
                if let Some(msg) = x.message {
                    t.push_str(&format!(": {}", shown(msg)));
                }
                d.deliveries.push(clip(t));
            }
            Payload::Rejection(r) => {
                let mut t = format!("{when} rejected");
                if let Some(reason) = r.reason {
                    t.push_str(&format!(": {}", shown(reason)));
                }
                d.deliveries.push(clip(t));
            }
            _ => {}
        }
    }
    if !d.fields.iter().any(|(k, _)| *k == "size") && message.size > 0 {
        d.fields.push(("size", message.size.to_string()));
    }
    d.fields
        .push(("outcome", message.outcome().as_str().to_string()));
    d.fields.push(("dkim", message.dkim.as_str().to_string()));
    Some(d)
}

/// One row of the log lines view, already sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub line: u32,
    /// The line's own timestamp, if it has one the parser can read.
    pub time: Option<i64>,
    pub kind: LineKind,
    pub text: String,
}

/// A row for line `i`. The model keeps no time per line, so the line is parsed again
/// here; only for the rows on screen, so the cost does not grow with the log.
pub fn line_row(m: &Model, i: u32, ctx: &ParseContext) -> LineRow {
    let raw = m.line(i);
    LineRow {
        line: i,
        time: exim::parse_line(head(raw), ctx).time,
        kind: m
            .line_kind
            .get(i as usize)
            .copied()
            .unwrap_or(LineKind::Unrecognized),
        text: shown(raw),
    }
}

/// `FILE:N` of a line, numbered from 1 within its file, as `mailtriage lines -n` prints it.
pub fn line_place(m: &Model, i: u32) -> Option<String> {
    let (name, n) = m.line_place(i)?;
    Some(format!("{}:{n}", sanitize(name.as_bytes())))
}

fn client_text(h: &parse::Host<'_>) -> String {
    let ip = match (h.ip, h.addr_text) {
        (Some(IpAddr::V6(a)), _) => format!("[{a}]"),
        (Some(a), _) => a.to_string(),
        (None, Some(t)) => format!("[{}]", shown(t)),
        (None, None) => "-".into(),
    };
    match h.port {
        Some(p) => format!("{ip}:{p}"),
        None => ip,
    }
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

    #[test]
    fn fuzzy_is_a_smart_case_subsequence_like_skim() {
        let f = Fuzzy::default();
        let texts = [
            "mail.GMX.net",
            "mail.net",
            "Gmx.example",
            "2001:db8::25",
            "caf\u{e9}.example",
        ];
        for pat in [
            "gmx",
            "GMX",
            "G",
            "db8:2",
            "2001",
            "x",
            "CAF\u{c9}",
            "f\u{e9}",
            "",
        ] {
            let kept = f.narrow(&[0, 1, 2, 3, 4], pat, |i| texts[i as usize]);
            for (i, t) in texts.iter().enumerate() {
                let skim = f.matcher.fuzzy_match(t, pat).is_some() || pat.is_empty();
                assert_eq!(kept.contains(&(i as u32)), skim, "{pat:?} on {t:?}");
            }
        }
    }

    /// What a `count_fit` text says: the count it stands for, and the size of one step
    /// of its last digit (the rounding).
    fn read_back(t: &str) -> (u64, u64) {
        let units = [
            ('k', 1_000u64),
            ('M', 1_000_000),
            ('G', 1_000_000_000),
            ('T', 1_000_000_000_000),
            ('P', 1_000_000_000_000_000),
            ('E', 1_000_000_000_000_000_000),
        ];
        let (num, unit) = units
            .iter()
            .find_map(|&(c, u)| Some((t.strip_suffix(c)?, u)))
            .unwrap_or((t, 1));
        match num.split_once('.') {
            Some((w, f)) => {
                let w: u64 = w.parse().expect("whole");
                let f: u64 = f.parse().expect("tenth");
                (w * unit + f * (unit / 10), unit / 10)
            }
            None => (num.parse::<u64>().expect("number") * unit, unit),
        }
    }

    #[test]
    fn counts_fit_their_column_and_read_back_within_their_rounding() {
        let mut ns: Vec<u64> = vec![0, u64::MAX];
        let mut p = 1u64;
        while let Some(next) = p.checked_mul(10) {
            for n in [p - 1, p, p + 1, p * 2 - 1, p * 5 + 3, p * 9 + p / 2] {
                ns.push(n);
            }
            p = next;
        }
        for width in 2..=8 {
            for &n in &ns {
                let t = count_fit(n, width);
                assert!(t.chars().count() <= width, "{n} in {width}: {t}");
                if t == "\u{2026}" {
                    // Only 10E and more cannot be written in two cells.
                    assert!(
                        width == 2 && n >= 10_000_000_000_000_000_000,
                        "{n} in {width}"
                    );
                    continue;
                }
                let (v, step) = read_back(&t);
                assert!(v <= n && n - v < step, "{n} in {width} shows {t}");
            }
        }
        assert_eq!(count_fit(6676, 3), "6k");
        assert_eq!(count_fit(6676, 4), "6676");
        assert_eq!(count_fit(12_345, 4), "12k");
        assert_eq!(count_fit(1_250, 4), "1250");
        assert_eq!(count_fit(1_250, 3), "1k");
        assert_eq!(count_fit(1_299_999, 4), "1.2M");
        assert_eq!(count_fit(2_700_000_000, 5), "2700M");
        assert_eq!(count_fit(2_700_000_000, 4), "2.7G");
        assert_eq!(count_fit(10_000_000_000, 3), "10G");
        assert_eq!(count_fit(5, 1), "5");
        assert_eq!(count_fit(50, 1), "\u{2026}");
    }

    #[test]
    fn byte_sizes_stay_within_five_cells() {
        for n in [
            0,
            999,
            1000,
            1023 * 1024,
            10u64.pow(12),
            10u64.pow(18),
            u64::MAX,
        ] {
            let t = human_bytes(n);
            assert!(t.len() <= 5, "{n}: {t}");
        }
    }

    #[test]
    fn cut_values_say_so_and_addresses_keep_both_ends() {
        assert_eq!(
            fit_cells("2a01:238:20a:202:53f0::1", 20),
            "2a01:238:20a:202:\u{2026}:1"
        );
        assert_eq!(
            fit_cells("2406:da18:e130:7::/64", 20),
            "2406:da18:e130:\u{2026}/64"
        );
        assert_eq!(
            fit_cells("2406:da18:e130:7::/64", 21),
            "2406:da18:e130:7::/64"
        );
        assert_eq!(fit_cells("mail.example.org", 8), "mail.ex\u{2026}");
        assert_eq!(fit_cells("192.0.2.1", 9), "192.0.2.1");
        assert_eq!(fit_cells("192.0.2.1", 5), "192.\u{2026}");
        assert_eq!(fit_cells("abc", 0), "");
        // Two different addresses that share a 20-cell prefix stay different.
        assert_ne!(
            fit_cells("2a01:9d89:fd67:be54:1::2", 20),
            fit_cells("2a01:9d89:fd67:be54:1::3", 20)
        );
        // Wide characters are measured in cells.
        assert_eq!(
            fit_cells("\u{6f22}\u{5b57}\u{6f22}\u{5b57}", 5),
            "\u{6f22}\u{5b57}\u{2026}"
        );
        for w in 0..30 {
            for t in [
                "2a01:238:20a:202:53f0::1",
                "2406:da18:e130:7::/64",
                "x.example",
            ] {
                let f = fit_cells(t, w);
                assert!(
                    unicode_width::UnicodeWidthStr::width(f.as_str()) <= w,
                    "{t} {w} {f}"
                );
                assert!(
                    f == t || f.ends_with('\u{2026}') || f.contains('\u{2026}') || f.is_empty()
                );
            }
        }
    }
}
