//! A small deterministic PRNG (SplitMix64 for seeding, xoshiro256** for the
//! streams) and a portable `exp`.
//!
//! Only IEEE-754 basic operations (`+ - * /`, `round`) are used on floats, so
//! the generated data is byte-identical on every platform (the platform's
//! `libm` `exp` may differ in the last bit between systems).

/// SplitMix64 step: a good 64-bit mixer, used to derive stream seeds.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mix several words into one seed.
pub(crate) fn mix(words: &[u64]) -> u64 {
    let mut s = 0x6B65_6675_2D64_656D; // "kefu-dem"
    let mut acc = 0;
    for &w in words {
        s ^= w;
        acc ^= splitmix64(&mut s);
        s = s.rotate_left(17) ^ acc;
    }
    splitmix64(&mut s) ^ acc
}

/// xoshiro256** generator.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        let mut sm = seed;
        let mut s = [0u64; 4];
        for w in &mut s {
            *w = splitmix64(&mut sm);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    /// A stream derived from a seed and a list of labels (day, purpose, ...).
    pub(crate) fn derive(seed: u64, labels: &[u64]) -> Rng {
        let mut words = Vec::with_capacity(labels.len() + 1);
        words.push(seed);
        words.extend_from_slice(labels);
        Rng::new(mix(&words))
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
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

    /// Uniform in `[0, 1)`.
    #[inline]
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `[0, n)` (`n > 0`; multiply-shift, bias < 2^-32).
    #[inline]
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        (((self.next_u64() >> 32) * n as u64) >> 32) as u32
    }

    /// Uniform integer in `[lo, hi]`.
    #[inline]
    pub(crate) fn range(&mut self, lo: u32, hi: u32) -> u32 {
        debug_assert!(lo <= hi);
        lo + self.below(hi - lo + 1)
    }

    /// `true` with probability `p`.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Approximately standard normal (Irwin–Hall of 4 uniforms; |z| < 3.47).
    #[inline]
    pub(crate) fn normal(&mut self) -> f64 {
        let s = self.f64() + self.f64() + self.f64() + self.f64();
        (s - 2.0) * 1.732_050_807_568_877_2
    }

    /// Log-normal with the given median and log-sd.
    #[inline]
    pub(crate) fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * exp(sigma * self.normal())
    }

    /// Index drawn from cumulative weights (`cum` ascending, last = total).
    #[inline]
    pub(crate) fn pick_cum(&mut self, cum: &[f64]) -> usize {
        let total = *cum.last().expect("non-empty weights");
        let x = self.f64() * total;
        let i = cum.partition_point(|&c| c <= x);
        i.min(cum.len() - 1)
    }
}

const LN_2: f64 = std::f64::consts::LN_2;
const LOG2_E: f64 = std::f64::consts::LOG2_E;

/// `e^x`, portable (range reduction + Taylor series).
pub(crate) fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.clamp(-700.0, 700.0);
    let k = (x * LOG2_E).round();
    let r = x - k * LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut i = 1.0;
    while i < 14.0 {
        term *= r / i;
        sum += term;
        i += 1.0;
    }
    let scale = f64::from_bits(((k as i64 + 1023) as u64) << 52);
    sum * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_accurate() {
        for &x in &[-20.0, -3.5, -1.0, -0.1, 0.0, 0.3, 1.0, 2.5, 10.0, 50.0] {
            let a = exp(x);
            let b = f64::exp(x);
            assert!(((a - b) / b).abs() < 1e-13, "exp({x}) = {a} vs {b}");
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut a = Rng::derive(42, &[1, 2]);
        let mut b = Rng::derive(42, &[1, 2]);
        let mut c = Rng::derive(42, &[2, 1]);
        let va: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let vb: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let vc: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(va, vb);
        assert_ne!(va, vc);
    }

    #[test]
    fn ranges_and_picks() {
        let mut r = Rng::new(7);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            let v = r.range(3, 5);
            assert!((3..=5).contains(&v));
            counts[(v - 3) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| c > 9_000), "{counts:?}");
        let cum = [1.0, 1.0, 4.0];
        let mut picks = [0u32; 3];
        for _ in 0..10_000 {
            picks[r.pick_cum(&cum)] += 1;
        }
        assert_eq!(picks[1], 0);
        assert!(picks[2] > 6_500 && picks[0] > 2_000, "{picks:?}");
    }
}
