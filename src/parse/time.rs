//! Timestamps as milliseconds since the epoch of the log's own wall clock.
//!
//! Exim writes local time; we keep it as written (no zone conversion) so what the
//! tool shows matches what `grep` shows. Parsing is hand-rolled: chrono is used only
//! for display, never per line.

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in month `m` (1-12) of year `y`, Gregorian leap rules.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `y-m-d` is a day of the calendar: 2025-02-30 is not, and must not
/// roll over into March.
pub fn is_real_date(y: i64, m: u32, d: u32) -> bool {
    d >= 1 && d <= days_in_month(y, m)
}

fn num(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

thread_local! {
    /// Consecutive lines share their date; remembering the last one skips the
    /// calendar arithmetic on almost every line.
    static LAST_DATE: std::cell::Cell<([u8; 10], i64)> = const { std::cell::Cell::new(([0; 10], 0)) };
    /// A busy server writes many lines a second: the last `date time` read and
    /// its seconds spare the digits of both on most of them.
    static LAST_STAMP: std::cell::Cell<([u8; 19], i64)> = const { std::cell::Cell::new(([0; 19], 0)) };
}

fn date_days(b: &[u8]) -> Option<i64> {
    let key: [u8; 10] = b.try_into().ok()?;
    let (last, days) = LAST_DATE.get();
    if last == key {
        return Some(days);
    }
    let (y, m, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    if !is_real_date(y as i64, m, d) {
        return None;
    }
    let days = days_from_civil(y as i64, m, d);
    LAST_DATE.set((key, days));
    Some(days)
}

fn hms(b: &[u8]) -> Option<i64> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, mi, s) = (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?);
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some((h * 3600 + mi * 60 + s) as i64)
}

/// `YYYY-MM-DD HH:MM:SS[.mmm]` at the start of `b`: (ms since epoch, bytes used).
pub fn parse_exim(b: &[u8]) -> Option<(i64, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' {
        return None;
    }
    let key: [u8; 19] = b[..19].try_into().ok()?;
    let (last, last_secs) = LAST_STAMP.get();
    let secs = if last == key {
        last_secs
    } else {
        let secs = date_days(&b[..10])? * 86_400 + hms(&b[11..19])?;
        LAST_STAMP.set((key, secs));
        secs
    };
    let mut ms = secs * 1000;
    let mut used = 19;
    if b.len() >= 23
        && b[19] == b'.'
        && let Some(frac) = num(&b[20..23])
    {
        ms += frac as i64;
        used = 23;
    }
    Some((ms, used))
}

/// A ` +hhmm` / ` -hhmm` zone right after the stamp: (offset minutes, bytes used).
pub fn parse_zone(b: &[u8]) -> Option<(i32, usize)> {
    if b.len() < 6 || b[0] != b' ' || !(b[1] == b'+' || b[1] == b'-') {
        return None;
    }
    if b.len() > 6 && b[6] != b' ' {
        return None;
    }
    let h = num(&b[2..4])? as i32;
    let m = num(&b[4..6])? as i32;
    if h > 23 || m > 59 {
        return None;
    }
    let off = h * 60 + m;
    Some((if b[1] == b'-' { -off } else { off }, 6))
}

/// ` +dddd` / ` -dddd`, valid or not.
pub fn looks_like_zone(b: &[u8]) -> bool {
    b.len() >= 6
        && b[0] == b' '
        && (b[1] == b'+' || b[1] == b'-')
        && b[2..6].iter().all(u8::is_ascii_digit)
        && b.get(6).is_none_or(|c| *c == b' ')
}

/// An RFC 3339 stamp as syslog-ng and rsyslog write it at the start of `b`:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. Returns (ms since epoch of the
/// wall clock as written, zone offset in minutes, bytes used).
pub fn parse_rfc3339(b: &[u8]) -> Option<(i64, Option<i32>, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let days = date_days(&b[..10])?;
    let mut ms = (days * 86_400 + hms(&b[11..19])?) * 1000;
    let mut used = 19;
    if b.get(used) == Some(&b'.') {
        let digits = b[used + 1..]
            .iter()
            .take(9)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        // Milliseconds: the first three digits, padded.
        let mut frac = 0i64;
        for i in 0..3 {
            let d = if i < digits {
                b[used + 1 + i] - b'0'
            } else {
                0
            };
            frac = frac * 10 + d as i64;
        }
        ms += frac;
        used += 1 + digits;
    }
    let zone = match b.get(used) {
        Some(b'Z') => {
            used += 1;
            Some(0)
        }
        Some(&sign @ (b'+' | b'-')) => {
            let z = b.get(used + 1..used + 6)?;
            let (h, m) = if z[2] == b':' {
                (num(&z[..2])?, num(&z[3..5])?)
            } else {
                (num(&z[..2])?, num(&z[2..4])?)
            };
            if h > 23 || m > 59 {
                return None;
            }
            used += if z[2] == b':' { 6 } else { 5 };
            let off = (h * 60 + m) as i32;
            Some(if sign == b'-' { -off } else { off })
        }
        _ => None,
    };
    Some((ms, zone, used))
}

/// `ms` moved `years` calendar years on (Feb 29 becomes Mar 1 in a year without one).
pub fn add_years(ms: i64, years: i32) -> i64 {
    if years == 0 {
        return ms;
    }
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let y = y + years as i64;
    let days = if is_real_date(y, m, d) {
        days_from_civil(y, m, d)
    } else {
        days_from_civil(y, m, d - 1) + 1
    };
    days * 86_400_000 + rest
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Classic syslog `Mon DD HH:MM:SS` (no year, so the caller supplies one).
pub fn parse_syslog(b: &[u8], year: i32) -> Option<(i64, usize)> {
    if b.len() < 15 || b[3] != b' ' || b[6] != b' ' {
        return None;
    }
    let m = MONTHS.iter().position(|mm| &b[0..3] == *mm)? as u32 + 1;
    let d = if b[4] == b' ' {
        num(&b[5..6])?
    } else {
        num(&b[4..6])?
    };
    // Feb 29 in a year that has none means the year (`--syslog-year`) is wrong:
    // not a time we can give the line.
    if !is_real_date(year as i64, m, d) {
        return None;
    }
    let secs = days_from_civil(year as i64, m, d) * 86_400 + hms(&b[7..15])?;
    Some((secs * 1000, 15))
}

/// ISO 8601 text for a stored stamp (display and JSON only).
pub fn format_iso(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) if ms % 1000 == 0 => t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
        Some(t) => t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        None => String::from("?"),
    }
}

/// `YYYY-MM-DD HH:MM:SS` as the log writes it.
pub fn format_log(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string(),
        None => String::from("?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exim_stamp_matches_chrono() {
        let (ms, used) = parse_exim(b"2010-11-07 14:21:43 1PF5Bm").unwrap();
        assert_eq!(used, 19);
        assert_eq!(format_iso(ms), "2010-11-07T14:21:43");
        let (ms, used) = parse_exim(b"2017-07-30 18:51:05.712 x").unwrap();
        assert_eq!(used, 23);
        assert_eq!(format_iso(ms), "2017-07-30T18:51:05.712");
    }

    proptest::proptest! {
        /// The remembered stamp must give what reading it afresh gives, on a
        /// run of lines whose stamps repeat, change, and break.
        #[test]
        fn a_remembered_stamp_reads_as_a_fresh_one(
            stamps in proptest::collection::vec((0u8..3, 0u8..3, 0u8..4, 0u16..1000), 1..40)
        ) {
            for (day, sec, shape, frac) in stamps {
                let s = match shape {
                    0 => format!("2024-02-{:02} 23:59:{:02} x", 28 + day, 58 + sec),
                    1 => format!("2024-02-{:02} 23:59:{:02}.{frac:03} x", 28 + day, 58 + sec),
                    2 => format!("2024-02-{:02} 23:59:{:02}", 28 + day, 58 + sec),
                    _ => format!("2023-02-{:02} 23:59:{:02} x", 28 + day, 58 + sec),
                };
                let y = if shape == 3 { 2023 } else { 2024 };
                let (d, sec) = (28 + u32::from(day), 58 + i64::from(sec));
                let ms = if shape == 1 { i64::from(frac) } else { 0 };
                let fresh = is_real_date(y, 2, d).then(|| {
                    (
                        (days_from_civil(y, 2, d) * 86_400 + 23 * 3600 + 59 * 60 + sec) * 1000 + ms,
                        if shape == 1 { 23 } else { 19 },
                    )
                });
                proptest::prop_assert_eq!(parse_exim(s.as_bytes()), fresh, "{}", s);
            }
        }
    }

    #[test]
    fn bad_stamps_are_refused() {
        for s in [
            "2010-13-07 14:21:43",
            "2010-11-07 25:21:43",
            "2010-11-07T14:21:43",
            "20x0-11-07 14:21:43",
            "2010-11-07 14:21",
        ] {
            assert!(parse_exim(s.as_bytes()).is_none(), "{s}");
        }
    }

    #[test]
    fn impossible_dates_are_not_stamps() {
        for s in [
            "2025-02-30 10:00:00 x",
            "2025-02-29 10:00:00 x",
            "1900-02-29 10:00:00 x",
            "2025-04-31 10:00:00 x",
            "2025-00-10 10:00:00 x",
            "2025-01-00 10:00:00 x",
            "2025-02-30 10:00:00.123 x",
            "2025-06-31 10:00:00 +0100 x",
        ] {
            assert!(parse_exim(s.as_bytes()).is_none(), "{s}");
        }
        // Leap days that exist still parse.
        for s in [
            "2024-02-29 10:00:00",
            "2000-02-29 10:00:00",
            "2025-12-31 23:59:59",
        ] {
            assert!(parse_exim(s.as_bytes()).is_some(), "{s}");
        }
        // The per-thread date cache must not let a bad date through after a good one.
        assert!(parse_exim(b"2025-03-01 10:00:00").is_some());
        assert!(parse_exim(b"2025-02-29 10:00:00").is_none());
        assert!(parse_syslog(b"Feb 29 16:04:19 server", 2025).is_none());
        assert!(parse_syslog(b"Feb 29 16:04:19 server", 2024).is_some());
        assert!(parse_syslog(b"Apr 31 16:04:19 server", 2024).is_none());
        assert!(parse_syslog(b"Feb 30 16:04:19 server", 2024).is_none());
        assert_eq!(parse_zone(b" +0160 x"), None);
        assert_eq!(parse_zone(b" +2400 x"), None);
        assert_eq!(parse_zone(b" -2359 x"), Some((-(23 * 60 + 59), 6)));
    }

    #[test]
    fn rfc3339_stamps() {
        // fail2ban-issue-3060.log (syslog-ng on Alpine).
        let (ms, zone, used) = parse_rfc3339(b"2024-03-24T02:05:21.420+00:00 info").unwrap();
        assert_eq!(
            (format_iso(ms).as_str(), zone, used),
            ("2024-03-24T02:05:21.420", Some(0), 29)
        );
        let (ms, zone, used) = parse_rfc3339(b"2024-03-24T02:05:21Z x").unwrap();
        assert_eq!(
            (format_iso(ms).as_str(), zone, used),
            ("2024-03-24T02:05:21", Some(0), 20)
        );
        let (ms, zone, _) = parse_rfc3339(b"2024-03-24T02:05:21.123456-05:30 x").unwrap();
        assert_eq!((ms % 1000, zone), (123, Some(-330)));
        let (_, zone, used) = parse_rfc3339(b"2024-03-24T02:05:21 x").unwrap();
        assert_eq!((zone, used), (None, 19));
        for s in [
            "2024-03-24 02:05:21",
            "2024-02-30T02:05:21Z",
            "2024-03-24T02:05:21.x",
            "2024-03-24T02:05:21+0",
        ] {
            assert!(parse_rfc3339(s.as_bytes()).is_none(), "{s}");
        }
    }

    #[test]
    fn years_move_on() {
        let (ms, _) = parse_exim(b"2023-12-31 23:59:59").unwrap();
        assert_eq!(format_iso(add_years(ms, 1)), "2024-12-31T23:59:59");
        let (ms, _) = parse_exim(b"2024-02-29 10:00:00").unwrap();
        assert_eq!(format_iso(add_years(ms, 1)), "2025-03-01T10:00:00");
        assert_eq!(add_years(ms, 0), ms);
        for days in [-800_000, -1, 0, 59, 60, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn zone_and_syslog() {
        assert_eq!(parse_zone(b" +0100 Start"), Some((60, 6)));
        assert_eq!(parse_zone(b" -0530 x"), Some((-330, 6)));
        assert_eq!(parse_zone(b" 1PF5Bm"), None);
        let (ms, _) = parse_syslog(b"Jun 29 16:04:19 server", 2022).unwrap();
        assert_eq!(format_iso(ms), "2022-06-29T16:04:19");
        let (ms, _) = parse_syslog(b"Jun  9 06:04:19 server", 2022).unwrap();
        assert_eq!(format_iso(ms), "2022-06-09T06:04:19");
    }
}
