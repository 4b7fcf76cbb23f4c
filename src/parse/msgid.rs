//! Exim message ids decoded to one integer, so the index hashes and compares 16 bytes
//! instead of strings. Both the classic 16-char (6-6-2) and the 4.97+ 23-char (6-11-4)
//! forms fit: 62^21 < 2^126, leaving the top bit to remember which form it was.

use std::fmt;

const LONG_FLAG: u128 = 1 << 127;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsgId {
    // Two halves rather than one u128: a u128 is 16-byte aligned, which would pad
    // every `Message` that holds an id by 8 bytes. Field order keeps `Ord` equal
    // to the integer order.
    hi: u64,
    lo: u64,
}

/// Base-62 value of each byte, `INVALID` for bytes that are no digit: one load
/// per character (the id of nearly every line is decoded at load time).
const DIGITS: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 62 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};
const INVALID: u8 = u8::MAX;

#[cfg(test)]
fn digit(b: u8) -> Option<u8> {
    let d = DIGITS[b as usize];
    (d != INVALID).then_some(d)
}

/// The base-62 value of the `N` bytes at `b[at..]` (`N` ≤ 10 fits a u64), with
/// the OR of their table entries added to `bad`; 0 when `b` is too short.
#[inline]
fn part<const N: usize>(b: &[u8], at: usize, bad: &mut u8) -> u64 {
    let Some(s) = b.get(at..at + N).and_then(|s| <&[u8; N]>::try_from(s).ok()) else {
        *bad |= INVALID;
        return 0;
    };
    let mut v = 0u64;
    for &c in s {
        let d = DIGITS[c as usize];
        *bad |= d;
        v = v * 62 + u64::from(d);
    }
    v
}

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl MsgId {
    /// Parses exactly a whole id token (16 or 23 bytes), or nothing.
    pub fn parse(b: &[u8]) -> Option<MsgId> {
        let (mid, long) = match b.len() {
            16 => (6usize, false),
            23 => (11, true),
            _ => return None,
        };
        if b[6] != b'-' || b[7 + mid] != b'-' {
            return None;
        }
        // Each part fits a u64 (62^11 < 2^66 would not, so the 11-char pid is
        // split); one u128 combination at the end keeps the hot path cheap.
        // Invalid bytes are only checked once, at the end: `INVALID` has the top
        // bit set and no digit has, so one OR of all of them tells (a branch per
        // byte was a fifth of the cost of a `Completed` line). Fixed-size parts
        // let the loops unroll.
        let mut bad = 0u8;
        let time = u128::from(part::<6>(b, 0, &mut bad));
        let (a, b2, c) = if long {
            (
                part::<5>(b, 7, &mut bad),
                part::<6>(b, 12, &mut bad),
                part::<4>(b, 19, &mut bad),
            )
        } else {
            (part::<6>(b, 7, &mut bad), part::<2>(b, 14, &mut bad), 0)
        };
        if bad & 0x80 != 0 {
            return None;
        }
        let (a, b2, c) = (a as u128, b2 as u128, c as u128);
        let v = if long {
            ((time * 62u128.pow(5) + a) * 62u128.pow(6) + b2) * 62u128.pow(4) + c
        } else {
            (time * 62u128.pow(6) + a) * 62u128.pow(2) + b2
        };
        Some(MsgId::from_u128(if long { v | LONG_FLAG } else { v }))
    }

    /// Finds an id at the start of `b` followed by a space or the end.
    pub fn parse_prefix(b: &[u8]) -> Option<(MsgId, usize)> {
        for len in [16usize, 23] {
            if b.len() >= len
                && (b.len() == len || b[len] == b' ')
                && let Some(id) = MsgId::parse(&b[..len])
            {
                return Some((id, len));
            }
        }
        None
    }

    pub fn is_long(self) -> bool {
        self.as_u128() & LONG_FLAG != 0
    }

    pub fn as_u128(self) -> u128 {
        ((self.hi as u128) << 64) | self.lo as u128
    }

    /// The inverse of `as_u128`, for ids stored as integers.
    pub fn from_u128(v: u128) -> MsgId {
        MsgId {
            hi: (v >> 64) as u64,
            lo: v as u64,
        }
    }

    /// Reception time encoded in the first six characters (seconds since the epoch).
    pub fn epoch_seconds(self) -> u64 {
        let rest_digits: u32 = if self.is_long() { 15 } else { 8 };
        let v = self.as_u128() & !LONG_FLAG;
        (v / 62u128.pow(rest_digits)) as u64
    }
}

impl fmt::Display for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mid, tail) = if self.is_long() { (11, 4) } else { (6, 2) };
        let n = 6 + mid + tail;
        let mut digits = [0u8; 21];
        let mut v = self.as_u128() & !LONG_FLAG;
        for i in (0..n).rev() {
            digits[i] = ALPHABET[(v % 62) as usize];
            v /= 62;
        }
        let mut out = [0u8; 23];
        out[..6].copy_from_slice(&digits[..6]);
        out[6] = b'-';
        out[7..7 + mid].copy_from_slice(&digits[6..6 + mid]);
        out[7 + mid] = b'-';
        out[8 + mid..8 + mid + tail].copy_from_slice(&digits[6 + mid..n]);
        // The buffer holds only ASCII from ALPHABET and '-'.
        f.write_str(std::str::from_utf8(&out[..n + 2]).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MsgId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_round_trip() {
        for s in [
            "1PF5Bm-0006RI-KB",
            "1smkL5-00000000e65-24eQ",
            "0tACW1-0005MB-00",
            "10HMAX-0005VI-00",
        ] {
            let id = MsgId::parse(s.as_bytes()).expect(s);
            assert_eq!(id.to_string(), s);
        }
    }

    #[test]
    fn forms_do_not_collide() {
        let a = MsgId::parse(b"000000-000000-00").unwrap();
        let b = MsgId::parse(b"000000-00000000000-0000").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn rejects_near_misses() {
        for s in [
            "1PF5Bm-0006RI-K",
            "1PF5Bm_0006RI-KB",
            "1PF5Bm-0006RI-K!",
            "E10HmaX-000000005vi-0000",
        ] {
            assert!(MsgId::parse(s.as_bytes()).is_none(), "{s}");
        }
        assert!(MsgId::parse_prefix(b"1PF5Bm-0006RI-KBx <=").is_none());
        assert_eq!(
            MsgId::parse_prefix(b"1PF5Bm-0006RI-KB <= x").map(|x| x.1),
            Some(16)
        );
    }

    /// The decoding before the table: what `digit` must keep answering.
    fn digit_by_ranges(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'A'..=b'Z' => Some(b - b'A' + 10),
            b'a'..=b'z' => Some(b - b'a' + 36),
            _ => None,
        }
    }

    #[test]
    fn every_byte_decodes_as_by_ranges() {
        for b in 0..=255u8 {
            assert_eq!(digit(b), digit_by_ranges(b), "byte {b}");
        }
    }

    #[test]
    fn any_byte_that_is_no_digit_anywhere_rejects_the_id() {
        for good in ["1PF5Bm-0006RI-KB", "1smkL5-00000000e65-24eQ"] {
            for at in (0..good.len()).filter(|&i| good.as_bytes()[i] != b'-') {
                for b in 0..=255u8 {
                    let mut s = good.as_bytes().to_vec();
                    s[at] = b;
                    let want = digit_by_ranges(b).is_some();
                    assert_eq!(MsgId::parse(&s).is_some(), want, "{good} byte {b} at {at}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn ids_round_trip(s in "[0-9A-Za-z]{6}-([0-9A-Za-z]{6}-[0-9A-Za-z]{2}|[0-9A-Za-z]{11}-[0-9A-Za-z]{4})") {
            let id = MsgId::parse(s.as_bytes());
            proptest::prop_assert_eq!(id.map(|i| i.to_string()), Some(s));
        }
    }

    #[test]
    fn epoch_from_id() {
        // 1smkL5 is 2024-09-07 01:34:11 per the format reference.
        let id = MsgId::parse(b"1smkL5-00000000e65-24eQ").unwrap();
        assert_eq!(id.epoch_seconds(), 1_725_672_851);
    }
}
