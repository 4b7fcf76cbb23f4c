//! Values fitted to the screen: counts that never lose a digit, texts cut with a mark,
//! raw log bytes sanitized and bounded.

use crate::text::sanitize;

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
    if let (Ok(_), Some(l)) = (addr.parse::<std::net::Ipv4Addr>(), len) {
        // An IPv4 network keeps its `/len` too: `198.51.…/24`, never `198.51.100.0/2`.
        let octets: Vec<&str> = addr.split('.').collect();
        return (1..octets.len())
            .rev()
            .map(|k| format!("{}.\u{2026}/{l}", octets[..k].join(".")))
            .find(|s| s.chars().count() <= width);
    }
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
pub(super) fn clip(s: String) -> String {
    if s.chars().nth(SHOWN_CHARS).is_none() {
        return s;
    }
    let mut s: String = s.chars().take(SHOWN_CHARS).collect();
    s.push('\u{2026}');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
