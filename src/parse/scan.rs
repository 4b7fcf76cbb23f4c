//! Finding a byte in the short spans of one line: a field value, a word.
//!
//! Values are mostly under 32 bytes, where a `memchr` call spends more on
//! choosing its vector path than on the search. These read 8 bytes per step
//! in a `u64` (SWAR) and need no CPU feature.

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
    let (ma, mb) = (ONES * u64::from(a), ONES * u64::from(b));
    let mut i = 0;
    while let Some(w) = word_at(hay, i) {
        let hit = zero_bytes(w ^ ma) | zero_bytes(w ^ mb);
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay[i..]
        .iter()
        .position(|&c| c == a || c == b)
        .map(|j| i + j)
}

/// Index of the first byte of `hay` that is one of `set`.
pub fn find_any<const N: usize>(hay: &[u8], set: [u8; N]) -> Option<usize> {
    let masks = set.map(|c| ONES * u64::from(c));
    let mut i = 0;
    while let Some(w) = word_at(hay, i) {
        let hit = masks.iter().fold(0, |h, &m| h | zero_bytes(w ^ m));
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay[i..].iter().position(|c| set.contains(c)).map(|j| i + j)
}

/// Index of the first `a` in `hay`.
pub fn find(hay: &[u8], a: u8) -> Option<usize> {
    find2(hay, a, a)
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
