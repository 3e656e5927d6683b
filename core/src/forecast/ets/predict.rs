//! Point forecasts and prediction intervals of a fitted ETS model.
//!
//! The linear models with additive errors (ETS(A,N,N), (A,A,N), (A,Ad,N), (A,N,A), (A,A,A),
//! (A,Ad,A): Hyndman et al.'s class 1) have exact Gaussian intervals; every other model's intervals
//! come from simulated future sample paths (their forecast distributions are not Gaussian).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::model;
use super::{
    ErrorType, FittedEts, SeasonType, TrendType, ALPHA_UPPER, LOWER, MAX_SEASON_LENGTH, PHI_BOUNDS,
};
use crate::forecast::types::{check_horizon, check_levels, Forecast, Interval};
use crate::{Error, Result};

/// Sample paths of the simulated intervals (as forecast::ets's `simulate`).
const PATHS: usize = 5_000;
/// A fixed seed: the same fitted model gives the same simulated intervals every time.
const SEED: u64 = 0x4554_5321;

/// How the intervals were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IntervalMethod {
    /// The exact Gaussian forecast variance of a class-1 model.
    Analytic,
    /// Quantiles of 5,000 simulated sample paths (seeded, so reproducible).
    Simulated,
}

fn in_range(v: Option<f64>, lo: f64, hi: f64) -> bool {
    v.is_none_or(|v| v.is_finite() && (lo..=hi).contains(&v))
}

impl FittedEts {
    /// A fitted model may come from JSON: its parts must agree before they are used.
    fn check(&self) -> Result<()> {
        let p = &self.params;
        let s = &self.final_states;
        let trend = self.spec.trend == TrendType::Additive;
        let seasonal = self.spec.season != SeasonType::None;
        let ok = in_range(Some(p.alpha), LOWER, ALPHA_UPPER)
            && in_range(p.beta, 0.0, 1.0)
            && in_range(p.gamma, 0.0, 1.0)
            && in_range(p.phi, PHI_BOUNDS.0, PHI_BOUNDS.1)
            && p.beta.is_some() == trend
            && p.phi.is_some() == self.spec.damped
            && p.gamma.is_some() == seasonal
            && s.level.is_finite()
            && s.trend.is_some() == trend
            && s.trend.is_none_or(f64::is_finite)
            && (1..=MAX_SEASON_LENGTH).contains(&self.season_length)
            && s.season.len() == if seasonal { self.season_length } else { 0 }
            && s.season.iter().all(|v| v.is_finite())
            && self.sigma2.is_finite()
            && self.sigma2 >= 0.0;
        if ok {
            Ok(())
        } else {
            Err(Error::invalid_argument(
                "fitted",
                "the fitted model's parameters, states and season length do not agree",
            ))
        }
    }

    /// Point forecasts for `horizon` steps and prediction intervals at each of `levels` (percent,
    /// each in (0, 100)).
    pub fn forecast(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_horizon(horizon)?;
        check_levels(levels)?;
        self.check()?;
        let point = self.point_forecasts(horizon);
        let intervals = if self.interval_method() == IntervalMethod::Analytic {
            self.analytic(&point, levels)
        } else {
            self.simulated(horizon, levels)
        };
        Ok(Forecast { point, intervals })
    }

    /// [`forecast`](Self::forecast) without simulation: a class-1 model's exact intervals, and for
    /// the others the class-1 variance as a delta-method approximation (times ŷ_h² under
    /// multiplicative errors, whose σ² is relative). Orders of magnitude cheaper than 5,000 sample
    /// paths, for callers that calibrate intervals on measured errors anyway (the automatic
    /// forecaster).
    pub fn forecast_approximate(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        if self.interval_method() == IntervalMethod::Analytic {
            return self.forecast(horizon, levels);
        }
        check_horizon(horizon)?;
        check_levels(levels)?;
        self.check()?;
        let point = self.point_forecasts(horizon);
        let mut sd = self.analytic_sd(horizon);
        if self.spec.error == ErrorType::Multiplicative {
            sd.iter_mut().zip(&point).for_each(|(s, p)| *s *= p.abs());
        }
        Ok(Forecast {
            intervals: bands(&point, &sd, levels),
            point,
        })
    }

    /// How [`forecast_approximate`](Self::forecast_approximate) computes this model's intervals:
    /// `analytic`, or `approximate` (the delta method) for a model whose exact intervals are simulated.
    pub fn approximate_interval_name(&self) -> &'static str {
        match self.interval_method() {
            IntervalMethod::Analytic => "analytic",
            IntervalMethod::Simulated => "approximate",
        }
    }

    /// How [`forecast`](Self::forecast) computes this model's intervals.
    pub fn interval_method(&self) -> IntervalMethod {
        if self.spec.error == ErrorType::Additive && self.spec.season != SeasonType::Multiplicative
        {
            IntervalMethod::Analytic
        } else {
            IntervalMethod::Simulated
        }
    }

    /// The analytic forecast standard deviation of steps 1..=horizon (class-1 models; `None` for the
    /// others, whose forecast distributions are not Gaussian).
    pub fn forecast_sd(&self, horizon: usize) -> Option<Vec<f64>> {
        (self.interval_method() == IntervalMethod::Analytic).then(|| self.analytic_sd(horizon))
    }

    fn point_forecasts(&self, horizon: usize) -> Vec<f64> {
        let s = &self.final_states;
        let phi = self.params.phi.unwrap_or(1.0);
        let trend = s.trend.unwrap_or(0.0);
        let m = s.season.len().max(1);
        // φ_h = φ + … + φ^h accumulated step by step (O(h), not O(h²)).
        let mut damp_sum = 0.0;
        let mut damp_pow = 1.0;
        (1..=horizon)
            .map(|h| {
                let q = match (self.spec.trend, self.spec.damped) {
                    (TrendType::None, _) => s.level,
                    (TrendType::Additive, true) => {
                        damp_pow *= phi;
                        damp_sum += damp_pow;
                        s.level + damp_sum * trend
                    }
                    (TrendType::Additive, false) => s.level + h as f64 * trend,
                };
                let season = s.season.get((h - 1) % m).copied().unwrap_or(0.0);
                model::with_season(self.spec.season, q, season)
            })
            .collect()
    }

    /// Class-1 forecast variance (Hyndman et al. 2008, §6.1): v_h = σ²(1 + Σ_{j<h} c_j²) with
    /// c_j = α + β·φ_j + γ·[j ≡ 0 mod m], φ_j = j undamped, φ + … + φ^j damped.
    fn analytic(&self, point: &[f64], levels: &[f64]) -> Vec<Interval> {
        bands(point, &self.analytic_sd(point.len()), levels)
    }

    fn analytic_sd(&self, horizon: usize) -> Vec<f64> {
        let p = &self.params;
        let beta = p.beta.unwrap_or(0.0);
        let gamma = p.gamma.unwrap_or(0.0);
        let phi = p.phi.unwrap_or(1.0);
        let m = self.season_length.max(1);
        let seasonal = self.spec.season != SeasonType::None;
        let mut sd = Vec::with_capacity(horizon);
        let mut sum_c2 = 0.0;
        let (mut phi_j, mut phi_pow) = (0.0, 1.0);
        for h in 1..=horizon {
            sd.push((self.sigma2 * (1.0 + sum_c2)).sqrt());
            // c_j for j = h, used by the variance of step h + 1.
            let j = h;
            if self.spec.damped {
                phi_pow *= phi;
                phi_j += phi_pow;
            } else {
                phi_j = j as f64;
            }
            let c = p.alpha + beta * phi_j + if seasonal && j % m == 0 { gamma } else { 0.0 };
            sum_c2 += c * c;
        }
        sd
    }

    /// Simulates `PATHS` sample paths step by step (all paths advance together, so memory is
    /// PATHS × (m + 2) states whatever the horizon) and takes each step's empirical quantiles.
    pub(super) fn simulated(&self, horizon: usize, levels: &[f64]) -> Vec<Interval> {
        let s = &self.final_states;
        let m = s.season.len().max(1);
        let sd = self.sigma2.sqrt();
        let mut rng = ChaCha8Rng::seed_from_u64(SEED);
        let mut levels_now = vec![s.level; PATHS];
        let mut trends = vec![s.trend.unwrap_or(0.0); PATHS];
        // Each path's seasonal ring, indexed by (step − 1) mod m as final_states.season is.
        let ring0 = if s.season.is_empty() {
            vec![0.0]
        } else {
            s.season.clone()
        };
        let mut rings: Vec<f64> = (0..PATHS).flat_map(|_| ring0.iter().copied()).collect();
        let mut out: Vec<Interval> = levels
            .iter()
            .map(|&level| Interval {
                level,
                lower: Vec::with_capacity(horizon),
                upper: Vec::with_capacity(horizon),
            })
            .collect();
        let mut draws = vec![0.0; PATHS];
        for h in 0..horizon {
            for path in 0..PATHS {
                let slot = &mut rings[path * m + h % m];
                let eps = sd * standard_normal(&mut rng);
                // The one-step forecast from this path's states, then the observation it draws.
                let phi = self.params.phi.unwrap_or(1.0);
                let q = model::trend_part(&self.spec, phi, levels_now[path], trends[path], 1);
                let fitted = model::with_season(self.spec.season, q, *slot);
                let y = match self.spec.error {
                    ErrorType::Additive => fitted + eps,
                    ErrorType::Multiplicative => fitted * (1.0 + eps),
                };
                model::step(
                    &self.spec,
                    &self.params,
                    &mut levels_now[path],
                    &mut trends[path],
                    slot,
                    y,
                );
                draws[path] = y;
            }
            // Paths that blew up (possible far out with multiplicative seasons) are left out.
            let mut finite: Vec<f64> = draws.iter().copied().filter(|v| v.is_finite()).collect();
            finite.sort_by(f64::total_cmp);
            for iv in &mut out {
                let tail = (1.0 - iv.level / 100.0) / 2.0;
                iv.lower.push(quantile(&finite, tail));
                iv.upper.push(quantile(&finite, 1.0 - tail));
            }
        }
        out
    }
}

/// Gaussian intervals ŷ ± z·sd at each level.
fn bands(point: &[f64], sd: &[f64], levels: &[f64]) -> Vec<Interval> {
    levels
        .iter()
        .map(|&level| {
            let z = normal_quantile(0.5 + level / 200.0);
            Interval {
                level,
                lower: point.iter().zip(sd).map(|(f, s)| f - z * s).collect(),
                upper: point.iter().zip(sd).map(|(f, s)| f + z * s).collect(),
            }
        })
        .collect()
}

/// The standard normal quantile Φ⁻¹(p), p in (0, 1).
pub(super) fn normal_quantile(p: f64) -> f64 {
    match Normal::new(0.0, 1.0) {
        Ok(n) => n.inverse_cdf(p),
        // Unreachable with these constant arguments; 0 keeps the type total without a panic.
        Err(_) => 0.0,
    }
}

/// A standard normal draw (Box–Muller on two uniforms from the seeded stream).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let unit = |r: &mut ChaCha8Rng| (r.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    // 1 − u is in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - unit(rng);
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The empirical quantile of sorted data with linear interpolation (R's type 7); NaN-free: an empty
/// sample gives 0.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = p * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}
