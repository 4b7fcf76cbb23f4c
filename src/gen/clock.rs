//! Time stamps and message ids exactly as Exim prints them.
//! Pure formatting: no clock reads, so output depends only on the simulated time.

/// Exim's base-62 alphabet (`base62_chars` in globals.c).
pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Writes `value` as exactly `out.len()` base-62 digits, most significant first.
pub fn base62_into(mut value: u64, out: &mut [u8]) {
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn two(out: &mut [u8], v: u32) {
    out[0] = b'0' + (v / 10) as u8;
    out[1] = b'0' + (v % 10) as u8;
}

/// `YYYY-MM-DD HH:MM:SS` for a Unix time, cached per second because a busy log writes
/// many lines in the same second and the calendar arithmetic is the slow part.
pub struct Stamp {
    secs: i64,
    text: [u8; 19],
}

impl Default for Stamp {
    fn default() -> Self {
        Self::new()
    }
}

impl Stamp {
    pub fn new() -> Self {
        let mut s = Stamp {
            secs: i64::MIN,
            text: *b"0000-00-00 00:00:00",
        };
        s.set(0);
        s
    }

    pub fn set(&mut self, secs: i64) -> &[u8; 19] {
        if secs != self.secs {
            self.secs = secs;
            let days = secs.div_euclid(86_400);
            let sod = secs.rem_euclid(86_400) as u32;
            let (y, m, d) = civil_from_days(days);
            let y = y.clamp(0, 9999) as u32;
            two(&mut self.text[0..2], y / 100);
            two(&mut self.text[2..4], y % 100);
            two(&mut self.text[5..7], m);
            two(&mut self.text[8..10], d);
            two(&mut self.text[11..13], sod / 3600);
            two(&mut self.text[14..16], sod / 60 % 60);
            two(&mut self.text[17..19], sod % 60);
        }
        &self.text
    }
}

/// A message id in either Exim form, stored inline so messages stay `Copy`-cheap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsgId {
    bytes: [u8; 23],
    len: u8,
}

impl MsgId {
    /// 4.97+ form `tttttt-ppppppppppp-ssss`: seconds, pid, microseconds.
    pub fn new_form(secs: u64, pid: u64, usec: u32) -> Self {
        let mut bytes = [b'-'; 23];
        base62_into(secs, &mut bytes[0..6]);
        base62_into(pid, &mut bytes[7..18]);
        base62_into(u64::from(usec), &mut bytes[19..23]);
        MsgId { bytes, len: 23 }
    }

    /// Pre-4.97 form `tttttt-pppppp-ss`: the sub-second part counts 500 µs steps,
    /// Exim's id resolution for base 62.
    pub fn old_form(secs: u64, pid: u64, usec: u32) -> Self {
        let mut bytes = [b'-'; 23];
        base62_into(secs, &mut bytes[0..6]);
        base62_into(pid, &mut bytes[7..13]);
        base62_into(u64::from(usec / 500), &mut bytes[14..16]);
        MsgId { bytes, len: 16 }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_formats_known_instants() {
        let mut s = Stamp::new();
        assert_eq!(s.set(0), b"1970-01-01 00:00:00");
        assert_eq!(s.set(1_748_736_000), b"2025-06-01 00:00:00");
        assert_eq!(s.set(1_709_208_000 + 3661), b"2024-02-29 13:01:01");
        assert_eq!(s.set(1_289_136_101), b"2010-11-07 13:21:41");
    }

    #[test]
    fn id_time_part_is_base62_seconds() {
        // 1PF5Bm is the seed log's id logged at 2010-11-07 13:21:42 UTC (14:21 local, CET).
        let id = MsgId::old_form(1_289_136_102, 24_820, 0);
        assert_eq!(&id.as_bytes()[..6], b"1PF5Bm");
        assert_eq!(id.as_bytes().len(), 16);
        let id = MsgId::new_form(1_748_736_000, 12_345, 999_999);
        assert_eq!(id.as_bytes().len(), 23);
        assert_eq!(&id.as_bytes()[..6], b"1uLW7M");
    }
}
