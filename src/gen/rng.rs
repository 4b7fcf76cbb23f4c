//! Seeded pseudo-random numbers for the generator (xoshiro256** seeded by splitmix64).
//! Must stay bit-for-bit reproducible: integer and basic IEEE float operations only, no libm.

/// xoshiro256**: fast, small state, and good enough statistics for synthetic logs.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        // splitmix64 guarantees a non-zero xoshiro state for every seed, including 0.
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s }
    }

    /// An independent stream, so adding draws to one part of the generator does not
    /// reshuffle everything else (the host table stays stable when message logic changes).
    pub fn fork(&mut self, salt: u64) -> Rng {
        Rng::new(self.next_u64() ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (multiply-shift; the bias is far below anything a log reader sees).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    #[inline]
    pub fn below_usize(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    #[inline]
    pub fn permille(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// True with probability `pct / 100`.
    #[inline]
    pub fn pct(&mut self, pct: u32) -> bool {
        self.below(100) < u64::from(pct)
    }

    #[inline]
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below_usize(xs.len())]
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponentially distributed value with the given mean (gaps between independent events).
    pub fn exp(&mut self, mean: f64) -> f64 {
        mean * neg_ln_uniform(self.next_u64())
    }
}

/// `-ln(u)` for `u` uniform in (0, 1], computed from the raw bits without libm so the
/// result cannot change with the platform's math library. The leading zeros give whole
/// factors of two; the remaining mantissa m in [1, 2) uses the atanh series of ln(m).
fn neg_ln_uniform(bits: u64) -> f64 {
    const LN2: f64 = std::f64::consts::LN_2;
    if bits == 0 {
        return 64.0 * LN2;
    }
    let lz = bits.leading_zeros();
    // Normalise so the top bit is set: value = 2^-(lz+1) * m with m in [1, 2).
    let norm = bits << lz;
    let m = 1.0 + ((norm << 1) >> 12) as f64 / (1u64 << 52) as f64;
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let ln_m = 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 / 9.0))));
    f64::from(lz + 1) * LN2 - ln_m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_stream() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn exp_has_roughly_the_requested_mean() {
        let mut r = Rng::new(1);
        let n = 200_000;
        let sum: f64 = (0..n).map(|_| r.exp(10.0)).sum();
        let mean = sum / f64::from(n);
        assert!((9.8..10.2).contains(&mean), "mean {mean}");
    }

    #[test]
    fn neg_ln_matches_libm_closely() {
        for bits in [1u64, 12345, 1 << 40, u64::MAX / 3, u64::MAX] {
            let u = bits as f64 / 18446744073709551616.0;
            let want = -u.ln();
            let got = neg_ln_uniform(bits);
            assert!((want - got).abs() < 1e-5, "{bits}: {want} vs {got}");
        }
    }
}
