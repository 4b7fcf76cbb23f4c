//! Finding a byte in the short spans of one line: a field value, a word.
//!
//! Values are mostly under 32 bytes, where a `memchr` call spends more on
//! choosing its vector path than on the search. These read 16 bytes a step
//! with SSE2 (every x86_64 CPU has it; elsewhere a plain loop), the last few
//! 8 bytes a step in a `u64` (SWAR): no call, no set-up.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `v` that is zero. Exact for the lowest such
/// byte (a borrow only ever marks bytes above a zero one), which is all the
/// searches below read.
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

fn word_at(hay: &[u8], i: usize) -> Option<u64> {
    let w: [u8; 8] = hay.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(w))
}

/// Index of the first `a` or `b` in `hay`.
pub fn find2(hay: &[u8], a: u8, b: u8) -> Option<usize> {
    find_any(hay, [a, b])
}

/// Index of the first byte of `hay` that is one of `set`.
///
/// 16 bytes a step while a whole block is left (a compare per byte of `set`
/// and one mask), then 8 (SWAR), then byte by byte.
pub fn find_any<const N: usize>(hay: &[u8], set: [u8; N]) -> Option<usize> {
    let mut i = 0;
    while let Some(block) = hay
        .get(i..i + 16)
        .and_then(|b| <&[u8; 16]>::try_from(b).ok())
    {
        let hit = block_mask(block, set);
        if hit != 0 {
            return Some(i + hit.trailing_zeros() as usize);
        }
        i += 16;
    }
    let masks = set.map(|c| ONES * u64::from(c));
    while let Some(w) = word_at(hay, i) {
        let hit = masks.iter().fold(0, |h, &m| h | zero_bytes(w ^ m));
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay[i..].iter().position(|c| set.contains(c)).map(|j| i + j)
}

/// Bit `k` set where `b[k]` is one of `set`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn block_mask<const N: usize>(b: &[u8; 16], set: [u8; N]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_setzero_si128,
    };
    // SAFETY: SSE2 is part of every x86_64 CPU, and the unaligned load reads
    // the 16 bytes of the array.
    unsafe {
        let v = _mm_loadu_si128(b.as_ptr().cast());
        let hit = set.iter().fold(_mm_setzero_si128(), |h, &c| {
            _mm_or_si128(h, _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8)))
        });
        _mm_movemask_epi8(hit) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn block_mask<const N: usize>(b: &[u8; 16], set: [u8; N]) -> u32 {
    b.iter()
        .enumerate()
        .fold(0, |m, (k, c)| m | u32::from(set.contains(c)) << k)
}

/// Index of the first `a` in `hay`.
pub fn find(hay: &[u8], a: u8) -> Option<usize> {
    find_any(hay, [a])
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn finds_what_a_byte_loop_finds(hay in proptest::collection::vec(proptest::sample::select(vec![b' ', b'"', b'a', 0u8, 0x80, 0xff, 0x21, 0x1f]), 0..70)) {
            for (a, b) in [(b' ', b'"'), (0, 0xff), (0x80, b'a'), (b' ', b' ')] {
                let want = hay.iter().position(|&c| c == a || c == b);
                proptest::prop_assert_eq!(find2(&hay, a, b), want);
            }
            proptest::prop_assert_eq!(find(&hay, b'"'), hay.iter().position(|&c| c == b'"'));
            let set = [b' ', 0x80, b'a', 0, 0x1f];
            proptest::prop_assert_eq!(find_any(&hay, set), hay.iter().position(|c| set.contains(c)));
            proptest::prop_assert_eq!(find_any(&hay, [0xff]), hay.iter().position(|&c| c == 0xff));
        }
    }
}
