//! Keyed fingerprints of strings, for telling strings apart without comparing
//! their bytes (see `compact::Compactor`).
//!
//! Two polynomial hashes modulo the prime p = 2⁶¹−1 under two secret random
//! keys, evaluated by Horner's rule over the string's 7-byte pieces and then its
//! length; the second is cut to its low 32 bits. Two distinct strings give two
//! distinct nonzero difference polynomials of degree d ≤ k+1 (k pieces), so for
//! a pair chosen without knowing the keys:
//! - the first hashes agree only when key 1 is a root: probability ≤ d/(p−1);
//! - the low 32 bits of the second agree only when the difference is one of
//!   fewer than 2³⁰ multiples of 2³², each a root of its own nonzero
//!   polynomial: probability ≤ 2³⁰·d/(p−1).
//!
//! Together ≤ d²/2⁹¹ a pair: for strings of up to 28 bytes (d ≤ 5) below
//! 2·10⁻²⁶, and a million distinct strings make 5·10¹¹ pairs, so below 10⁻¹⁴ a
//! load. The bound is a theorem about the key choice, not a property hoped of a
//! mixing function, and it holds whatever the log says: log text cannot learn
//! the keys.
//!
//! This replaced SipHash-1-3 (128-bit), which took 9 % of a load's time for the
//! same job: a piece costs a multiplication per hash here, and the two hashes
//! run side by side on the same loads.

/// 2⁶¹−1.
const P61: u64 = (1 << 61) - 1;
const LOW56: u64 = (1 << 56) - 1;

#[derive(Debug, Clone, Copy)]
pub struct Keys {
    r1: u64,
    r2: u64,
}

impl Keys {
    /// Fresh secret keys, seeded from the OS through `RandomState`.
    pub fn random() -> Keys {
        use std::hash::{BuildHasher, RandomState};
        let r = RandomState::new();
        Keys::from_seed(r.hash_one(0u8), r.hash_one(1u8))
    }

    /// Keys from two seed words: any seed gives keys in `1..p`.
    pub fn from_seed(a: u64, b: u64) -> Keys {
        Keys {
            r1: a % (P61 - 1) + 1,
            r2: b % (P61 - 1) + 1,
        }
    }

    /// The fingerprint of `s`: (first hash, low 32 bits of the second).
    #[inline]
    pub fn fingerprint(&self, s: &[u8]) -> (u64, u32) {
        let (mut h1, mut h2) = (0u64, 0u64);
        let mut at = 0;
        while at < s.len() {
            let c = piece(s, at);
            h1 = step(h1, c, self.r1);
            h2 = step(h2, c, self.r2);
            at += 7;
        }
        // The length, last, tells apart strings that differ only by trailing
        // zero bytes. It is below 2⁵⁶: no machine maps that many bytes.
        let n = s.len() as u64 & LOW56;
        h1 = step(h1, n, self.r1);
        h2 = step(h2, n, self.r2);
        (canonical(h1), canonical(h2) as u32)
    }
}

/// The bytes `s[at..at + 7]` (fewer at the end), little-endian: below 2⁵⁶, so
/// below the modulus. Read as one 8-byte word where the slice allows, the
/// last piece as the slice's last word shifted down.
#[inline]
fn piece(s: &[u8], at: usize) -> u64 {
    let word = |i: usize| {
        let w = s.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok());
        u64::from_le_bytes(w.unwrap_or_default())
    };
    let n = s.len();
    if at + 8 <= n {
        word(at) & LOW56
    } else if n >= 8 {
        // `n - at` (1 to 7) bytes are left: the top ones of the last word.
        word(n - 8) >> (8 * (8 - (n - at)))
    } else {
        s.get(at..)
            .unwrap_or_default()
            .iter()
            .rev()
            .fold(0, |v, &b| v << 8 | u64::from(b))
    }
}

/// `(h + c) · r mod 2⁶¹−1`, with `h ≤ 2⁶¹−1` (2⁶¹−1 stands for 0 until
/// [`canonical`]), `c < 2⁵⁶`, `r < 2⁶¹`.
#[inline]
fn step(h: u64, c: u64, r: u64) -> u64 {
    let mut a = h + c;
    if a >= P61 {
        a -= P61;
    }
    let prod = u128::from(a) * u128::from(r);
    // 2⁶¹ ≡ 1: the high part folds onto the low part.
    let s = (prod as u64 & P61) + (prod >> 61) as u64;
    if s >= P61 { s - P61 } else { s }
}

fn canonical(h: u64) -> u64 {
    if h >= P61 { h - P61 } else { h }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The same polynomials by plain `u128` arithmetic and `%`, pieces read
    /// byte by byte.
    fn reference(k: &Keys, s: &[u8]) -> (u64, u32) {
        let p = u128::from(P61);
        let le = |c: &[u8]| c.iter().rev().fold(0u128, |v, &b| v << 8 | u128::from(b));
        let eval = |r: u64| {
            let mut h = 0u128;
            for c in s.chunks(7) {
                h = (h + le(c)) % p * u128::from(r) % p;
            }
            (h + s.len() as u128) % p * u128::from(r) % p
        };
        (eval(k.r1) as u64, eval(k.r2) as u32)
    }

    #[test]
    fn extreme_keys_and_bytes_match_the_reference() {
        for (a, b) in [(0, 0), (u64::MAX, u64::MAX), (P61 - 2, P61 - 1), (7, 3)] {
            let k = Keys::from_seed(a, b);
            for (fill, n) in [0u8, 0x80, 0xff]
                .into_iter()
                .flat_map(|f| (0..64).map(move |n| (f, n)))
            {
                let s = &[fill; 64][..n];
                assert_eq!(k.fingerprint(s), reference(&k, s), "{a} {b} {s:?}");
            }
        }
    }

    #[test]
    fn trailing_zeros_and_lengths_are_told_apart() {
        let k = Keys::from_seed(1, 2);
        let all: Vec<Vec<u8>> = (0..64).map(|n| vec![0u8; n]).collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(k.fingerprint(a), k.fingerprint(b));
            }
        }
    }

    proptest! {
        #[test]
        fn matches_the_reference(a: u64, b: u64, s in proptest::collection::vec(any::<u8>(), 0..200)) {
            let k = Keys::from_seed(a, b);
            prop_assert_eq!(k.fingerprint(&s), reference(&k, &s));
        }

        #[test]
        fn distinct_strings_get_distinct_fingerprints(
            a: u64,
            b: u64,
            x in proptest::collection::vec(any::<u8>(), 0..40),
            y in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let k = Keys::from_seed(a, b);
            prop_assert_eq!(k.fingerprint(&x) == k.fingerprint(&y), x == y);
        }
    }
}
