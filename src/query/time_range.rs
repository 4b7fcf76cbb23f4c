//! Time ranges as people type them (`2011-01-01..2011-03-01`, `last 24h`, `today`),
//! shared by the TUI's `t` and the CLI's `--time` so both read the same way.

use crate::parse::time;

/// Reads a time range. Relative forms count back from the log's last timestamp
/// (`now` here), so old logs work as they would have on the day.
///
/// `A..B` (either side may be empty; a date alone as B means up to that day's
/// start, as in Rust ranges), `YYYY-MM-DD` (that day), `last 24h` / `last 7d` /
/// `last 30m`, `today`, `yesterday`.
pub fn parse_time_range(s: &str, now: i64) -> Result<(i64, i64), String> {
    const DAY: i64 = 86_400_000;
    let s = s.trim();
    let day_start = |t: i64| t.div_euclid(DAY) * DAY;
    if s == "today" {
        return Ok((day_start(now), day_start(now) + DAY - 1));
    }
    if s == "yesterday" {
        return Ok((day_start(now) - DAY, day_start(now) - 1));
    }
    if let Some(rest) = s.strip_prefix("last") {
        let rest = rest.trim();
        let unit = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        let num = rest.strip_suffix(unit).unwrap_or_default();
        let n: i64 = if num.is_empty() {
            1
        } else {
            num.parse().map_err(|_| format!("bad number in `{s}`"))?
        };
        let ms = match unit.trim() {
            "m" | "min" | "minutes" => 60_000,
            "h" | "hour" | "hours" => 3_600_000,
            "d" | "day" | "days" => DAY,
            "w" | "week" | "weeks" => 7 * DAY,
            u => return Err(format!("unknown unit `{u}`: use m, h, d or w")),
        };
        return Ok((now.saturating_sub(n.saturating_mul(ms)), now));
    }
    if let Some((a, b)) = s.split_once("..") {
        let from = if a.trim().is_empty() {
            i64::MIN
        } else {
            parse_stamp(a.trim())?.0
        };
        let to = if b.trim().is_empty() {
            i64::MAX
        } else {
            let (t, date_only) = parse_stamp(b.trim())?;
            if date_only { t - 1 } else { t }
        };
        if from > to {
            return Err(format!("`{s}` ends before it starts"));
        }
        return Ok((from, to));
    }
    let (t, date_only) = parse_stamp(s)?;
    if date_only {
        Ok((t, t + DAY - 1))
    } else {
        Err(format!(
            "`{s}`: use A..B, a date, `last 24h`, `today` or `yesterday`"
        ))
    }
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or with a `T`: (ms, was a date only).
fn parse_stamp(s: &str) -> Result<(i64, bool), String> {
    let bad = || format!("bad time `{s}`: use YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]");
    let (date, clock) = match s.split_once([' ', 'T']) {
        Some((date, clock)) => (date, Some(clock.trim())),
        None => (s, None),
    };
    let mut d = date.split('-');
    let y: i64 = d.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let mo: u32 = d.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let da: u32 = d.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    if d.next().is_some() || !(1..=9999).contains(&y) || !(1..=12).contains(&mo) {
        return Err(bad());
    }
    // 2025-02-30 is a typo, not 2025-03-02: say so instead of rolling over.
    if !time::is_real_date(y, mo, da) {
        return Err(format!(
            "bad time `{s}`: {y:04}-{mo:02} has no day {da} (it has {})",
            time::days_in_month(y, mo)
        ));
    }
    let mut secs = time::days_from_civil(y, mo, da) * 86_400;
    if let Some(c) = clock {
        let mut p = c.split(':');
        let h: i64 = p.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
        let mi: i64 = p.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
        let se: i64 = match p.next() {
            Some(x) => x.parse().map_err(|_| bad())?,
            None => 0,
        };
        if p.next().is_some()
            || !(0..=23).contains(&h)
            || !(0..=59).contains(&mi)
            || !(0..=60).contains(&se)
        {
            return Err(bad());
        }
        secs += h * 3600 + mi * 60 + se;
    }
    Ok((secs * 1000, clock.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ranges_read_dates_and_relative_forms() {
        let (a, b) = parse_time_range("2011-01-01..2011-03-01", 0).expect("range");
        assert_eq!(time::format_log(a), "2011-01-01 00:00:00");
        assert_eq!(time::format_log(b + 1), "2011-03-01 00:00:00");
        let now = parse_stamp("2011-04-28 12:40:26").expect("t").0;
        let (a, b) = parse_time_range("last 24h", now).expect("last");
        assert_eq!((b - a), 86_400_000);
        let (a, _) = parse_time_range("today", now).expect("today");
        assert_eq!(time::format_log(a), "2011-04-28 00:00:00");
        assert!(parse_time_range("soon", now).is_err());
        assert!(parse_time_range("2011-03-01..2011-01-01", now).is_err());
    }

    #[test]
    fn impossible_dates_and_times_are_errors() {
        for s in [
            "2025-02-30",
            "2025-02-29",
            "2100-02-29",
            "2025-04-31",
            "2025-02-30..2025-03-05",
            "2025-01-01..2025-02-30",
            "2025-02-30 10:00",
            "2025-02-30T10:00:00",
            "2025-01-01 24:00",
            "2025-01-01 10:60",
            "2025-01-01 10:00:61",
            "2025-00-01",
            "2025-01-00",
            "99999999999999-01-01",
            "0-01-01",
            "2025-01-01 -1:00",
        ] {
            assert!(parse_time_range(s, 0).is_err(), "{s}");
        }
        let e = parse_time_range("2025-02-30", 0).unwrap_err();
        assert!(e.contains("2025-02 has no day 30"), "{e}");
        for s in [
            "2024-02-29",
            "2000-02-29",
            "2025-12-31 23:59:59..",
            "..2025-04-30T08:00",
        ] {
            assert!(parse_time_range(s, 0).is_ok(), "{s}");
        }
        // Multi-byte text cannot land a split inside a character.
        for s in ["last 5é", "2025-01-01é..", "é 10:00", "last ５h"] {
            assert!(parse_time_range(s, 0).is_err(), "{s}");
        }
    }

    #[test]
    fn huge_relative_ranges_do_not_overflow() {
        assert!(parse_time_range("last 99999999999999999w", -5).is_ok());
    }
}
