//! Retry policy for STS requests: bounded attempts and exponential backoff
//! with full jitter, drawn from a PRNG seeded by the host.

/// Attempts per request, the first one included.
pub const MAX_ATTEMPTS: u32 = 3;

/// The backoff ceiling after the first failed attempt, in milliseconds;
/// it doubles with each further failure.
const BASE_DELAY_MS: u64 = 500;

/// The largest backoff ceiling, in milliseconds.
const MAX_DELAY_MS: u64 = 20_000;

/// SplitMix64: a small, fast PRNG. Jitter only spreads retries of many
/// clients apart, so it needs no cryptographic strength.
#[derive(Clone, Debug)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Jitter { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Returns the delay before the next attempt, after `failed` attempts
    /// (1 or more): uniform in `0..=min(MAX, BASE * 2^(failed - 1))` ms, the
    /// "full jitter" backoff.
    pub fn backoff(&mut self, failed: u32) -> i64 {
        let doublings = failed.saturating_sub(1).min(16);
        let ceiling = BASE_DELAY_MS
            .saturating_mul(1 << doublings)
            .min(MAX_DELAY_MS);
        let delay = self.next_u64() % (ceiling + 1);
        // At most MAX_DELAY_MS, so the cast cannot wrap.
        delay as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_ceiling() {
        let mut jitter = Jitter::new(7);
        for failed in 1..40 {
            let delay = jitter.backoff(failed);
            assert!(delay >= 0);
            assert!(delay <= MAX_DELAY_MS as i64);
        }
        assert!(Jitter::new(1).backoff(1) <= BASE_DELAY_MS as i64);
    }

    #[test]
    fn same_seed_same_delays() {
        let mut a = Jitter::new(42);
        let mut b = Jitter::new(42);
        assert_eq!(a.backoff(3), b.backoff(3));
    }
}
