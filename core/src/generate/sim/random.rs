//! The randomness and the rhythm of time the whole simulation shares: one seeded ChaCha8 stream with the
//! few draws it needs, built from plain IEEE arithmetic so that a seed gives the same bytes on every
//! platform, and the daily and weekly activity curves (an evening peak in Nepal, busier weekends) that
//! every timestamp and every day's activity follow.

use chrono::{Datelike, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded random stream with the few portable draws the simulation needs.
pub(super) struct Rand(ChaCha8Rng);

impl Rand {
    pub(super) fn seeded(seed: u64) -> Self {
        Rand(ChaCha8Rng::seed_from_u64(seed))
    }

    pub(super) fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in [0, n) (0 when n is 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in [lo, hi) (`lo` when the range is empty).
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi.abs_diff(lo)) as i64
    }

    pub(super) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// An index drawn with the given weights.
    pub(super) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// An item drawn with the weights next to them.
    pub(super) fn pick<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        let mut u = self.unit() * items.iter().map(|(_, w)| w).sum::<f64>();
        for (item, w) in items {
            if u < *w {
                return *item;
            }
            u -= w;
        }
        items[items.len() - 1].0
    }

    /// A value from a piecewise-uniform distribution: `(lo, hi, weight)` pieces.
    pub(super) fn piecewise(&mut self, pieces: &[(f64, f64, f64)]) -> f64 {
        let mut u = self.unit() * pieces.iter().map(|p| p.2).sum::<f64>();
        for &(lo, hi, w) in pieces {
            if u < w {
                return self.uniform(lo, hi);
            }
            u -= w;
        }
        let (lo, hi, _) = pieces[pieces.len() - 1];
        self.uniform(lo, hi)
    }

    pub(super) fn hex(&mut self, digits: usize) -> String {
        let mut s = format!("{:016x}{:016x}", self.u64(), self.u64());
        s.truncate(digits.min(32));
        s
    }
}

/// The time-of-day distribution: the platform is mostly in Nepal (UTC+5:45), with an evening peak.
/// Quarter-hour buckets of the UTC day, weighted by the Nepal local hour they fall in.
pub(super) struct Diurnal {
    cumulative: [f64; 96],
}

/// Relative activity by Nepal local hour 0–23.
const LOCAL_HOUR_WEIGHT: [f64; 24] = [
    0.55, 0.3, 0.18, 0.12, 0.12, 0.18, 0.35, 0.6, 0.8, 0.9, 0.95, 1.0, 1.1, 1.05, 1.0, 1.0, 1.1,
    1.3, 1.6, 2.0, 2.35, 2.4, 1.9, 1.1,
];

impl Diurnal {
    pub(super) fn new() -> Self {
        let mut cumulative = [0.0; 96];
        let mut sum = 0.0;
        for (bucket, c) in cumulative.iter_mut().enumerate() {
            let local_minute = (bucket * 15 + 345) % 1440;
            sum += LOCAL_HOUR_WEIGHT[local_minute / 60];
            *c = sum;
        }
        Diurnal { cumulative }
    }

    /// A millisecond offset into the UTC day.
    pub(super) fn offset(&self, rng: &mut Rand) -> i64 {
        let u = rng.unit() * self.cumulative[95];
        let bucket = self.cumulative.partition_point(|c| *c <= u).min(95) as i64;
        bucket * 900_000 + rng.range(0, 900_000)
    }
}

/// Day-of-week activity (Monday first): weekends (Saturday is Nepal's day off) are busier.
pub(super) fn weekday_factor(date: NaiveDate) -> f64 {
    match date.weekday() {
        Weekday::Mon => 0.94,
        Weekday::Tue => 0.92,
        Weekday::Wed => 0.95,
        Weekday::Thu => 0.98,
        Weekday::Fri => 1.06,
        Weekday::Sat => 1.28,
        Weekday::Sun => 1.18,
    }
}
