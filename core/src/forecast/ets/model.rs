//! The ETS state-space recursions, the heuristic initial states and the likelihood.
//!
//! One recursion serves every model: the error type only changes how the residual is measured
//! (absolute or relative to the one-step forecast), so that the states evolve exactly as the
//! state-space equations of Hyndman et al. (2008, ch. 2) say for each of the combinations.

use super::{ErrorType, EtsSpec, Params, SeasonType, States, TrendType};

/// A one-step forecast this close to zero makes a relative error meaningless.
const TINY: f64 = 1e-10;

/// What one pass of the recursion over the data gives.
pub(super) struct Pass {
    /// Σ e² (relative errors for multiplicative-error models).
    pub(super) sse: f64,
    /// Σ log|ŷ| (used by multiplicative-error models only).
    pub(super) sum_log_abs_fitted: f64,
    /// The states after the last observation.
    pub(super) last: States,
}

/// The level-plus-trend part of a forecast `steps` ahead (1 for the next one).
pub(super) fn trend_part(spec: &EtsSpec, phi: f64, level: f64, trend: f64, steps: usize) -> f64 {
    match spec.trend {
        TrendType::None => level,
        TrendType::Additive if spec.damped => {
            // φ + φ² + … + φ^steps
            let mut sum = 0.0;
            let mut p = 1.0;
            for _ in 0..steps {
                p *= phi;
                sum += p;
            }
            level + sum * trend
        }
        TrendType::Additive => level + steps as f64 * trend,
    }
}

/// Combines the trend part with a seasonal component.
pub(super) fn with_season(season: SeasonType, q: f64, s: f64) -> f64 {
    match season {
        SeasonType::None => q,
        SeasonType::Additive => q + s,
        SeasonType::Multiplicative => q * s,
    }
}

/// One step of the recursion: updates `level`, `trend` and the seasonal slot `s` (which held the
/// component of one season ago) for the observation `y`, and returns the one-step forecast ŷ.
pub(super) fn step(
    spec: &EtsSpec,
    p: &Params,
    level: &mut f64,
    trend: &mut f64,
    s: &mut f64,
    y: f64,
) -> f64 {
    let phi = p.phi.unwrap_or(1.0);
    let q = trend_part(spec, phi, *level, *trend, 1);
    let fitted = with_season(spec.season, q, *s);
    // The smoothing equations in error-correction form, written (as forecast::ets does) through the
    // de-seasonalised observation so the additive and multiplicative seasons share them.
    let deseasonalised = match spec.season {
        SeasonType::None => y,
        SeasonType::Additive => y - *s,
        SeasonType::Multiplicative => y / *s,
    };
    let old_level = *level;
    *level = q + p.alpha * (deseasonalised - q);
    if spec.trend == TrendType::Additive {
        let damped_trend = phi * *trend;
        // β is the state-space β (= α·β* of the component form), hence the division by α.
        let beta = p.beta.unwrap_or(0.0);
        *trend = damped_trend + (beta / p.alpha) * (*level - old_level - damped_trend);
    }
    if spec.season != SeasonType::None {
        let detrended = match spec.season {
            SeasonType::Multiplicative => y / q,
            _ => y - q,
        };
        *s += p.gamma.unwrap_or(0.0) * (detrended - *s);
    }
    fitted
}

/// Runs the recursion over `y` from `init`. `None` when it leaves the numerically valid region (a
/// non-finite state, or a one-step forecast at zero under multiplicative errors).
pub(super) fn pass(spec: &EtsSpec, p: &Params, init: &States, y: &[f64]) -> Option<Pass> {
    use ErrorType::{Additive as EA, Multiplicative as EM};
    use SeasonType::{Additive as SA, Multiplicative as SM, None as SN};
    let trend = spec.trend == TrendType::Additive;
    // One copy of the loop per model, so that no step tests the model's type: the likelihood is
    // evaluated hundreds of times per fit, and these tests cost as much as the arithmetic.
    let run = match (spec.error, trend, spec.damped, spec.season) {
        (EA, false, _, SN) => run::<false, false, false, 0>,
        (EA, true, false, SN) => run::<false, true, false, 0>,
        (EA, true, true, SN) => run::<false, true, true, 0>,
        (EA, false, _, SA) => run::<false, false, false, 1>,
        (EA, true, false, SA) => run::<false, true, false, 1>,
        (EA, true, true, SA) => run::<false, true, true, 1>,
        (EA, false, _, SM) => run::<false, false, false, 2>,
        (EA, true, false, SM) => run::<false, true, false, 2>,
        (EA, true, true, SM) => run::<false, true, true, 2>,
        (EM, false, _, SN) => run::<true, false, false, 0>,
        (EM, true, false, SN) => run::<true, true, false, 0>,
        (EM, true, true, SN) => run::<true, true, true, 0>,
        (EM, false, _, SA) => run::<true, false, false, 1>,
        (EM, true, false, SA) => run::<true, true, false, 1>,
        (EM, true, true, SA) => run::<true, true, true, 1>,
        (EM, false, _, SM) => run::<true, false, false, 2>,
        (EM, true, false, SM) => run::<true, true, false, 2>,
        (EM, true, true, SM) => run::<true, true, true, 2>,
    };
    run(p, init, y)
}

/// The recursion of one model: `MULT` multiplicative errors, `TREND` an additive trend (`DAMPED`),
/// `SEASON` 0 none, 1 additive, 2 multiplicative. The same equations as [`step`].
fn run<const MULT: bool, const TREND: bool, const DAMPED: bool, const SEASON: u8>(
    p: &Params,
    init: &States,
    y: &[f64],
) -> Option<Pass> {
    let m = init.season.len().max(1);
    let mut level = init.level;
    let mut trend = init.trend.unwrap_or(0.0);
    let alpha = p.alpha;
    let phi = if DAMPED { p.phi.unwrap_or(1.0) } else { 1.0 };
    let beta_star = p.beta.unwrap_or(0.0) / alpha;
    let gamma = p.gamma.unwrap_or(0.0);
    // The seasonal components as a ring indexed by phase: slot t % m holds the component of one
    // season before time t, and is overwritten by the updated one (O(1) per step for any m).
    let mut ring = if init.season.is_empty() {
        vec![0.0]
    } else {
        init.season.clone()
    };
    let mut sse = 0.0;
    let mut sum_log = LogSum::default();
    // The phase advances with a wrapping counter: a division per step would cost more than the step.
    let mut phase = 0;
    for &yt in y {
        let slot = &mut ring[phase];
        phase += 1;
        if phase == m {
            phase = 0;
        }
        let q = if TREND { level + phi * trend } else { level };
        let s = *slot;
        let fitted = match SEASON {
            0 => q,
            1 => q + s,
            _ => q * s,
        };
        let deseasonalised = match SEASON {
            0 => yt,
            1 => yt - s,
            _ => yt / s,
        };
        let old_level = level;
        level = q + alpha * (deseasonalised - q);
        if TREND {
            let damped_trend = phi * trend;
            trend = damped_trend + beta_star * (level - old_level - damped_trend);
        }
        if SEASON == 1 {
            *slot = s + gamma * ((yt - q) - s);
        } else if SEASON == 2 {
            *slot = s + gamma * (yt / q - s);
        }
        let e = if MULT {
            if fitted.abs() < TINY {
                return None;
            }
            sum_log.add(fitted.abs());
            (yt - fitted) / fitted
        } else {
            yt - fitted
        };
        sse += e * e;
        if !sse.is_finite() {
            return None;
        }
    }
    if !(level.is_finite() && trend.is_finite() && ring.iter().all(|v| v.is_finite())) {
        return None;
    }
    let n = y.len();
    let season = if init.season.is_empty() {
        Vec::new()
    } else {
        // Re-order so that season[k] is the component of the forecast k + 1 steps ahead.
        (0..m).map(|k| ring[(n + k) % m]).collect()
    };
    Some(Pass {
        sse,
        sum_log_abs_fitted: sum_log.value(),
        last: States {
            level,
            trend: init.trend.map(|_| trend),
            season,
        },
    })
}

/// −2 log L up to the constants every model of the same data shares (forecast::ets's `lik`):
/// n·log(Σe²) for additive errors, plus 2·Σlog|ŷ| for multiplicative ones. Σe² is floored at a
/// tiny multiple of the data's scale so that an exact fit gives a finite (very good) value.
pub(super) fn minus_two_log_lik(spec: &EtsSpec, pass: &Pass, n: usize, scale: f64) -> f64 {
    let floor = n as f64 * (1e-12 * scale).powi(2);
    let sse = pass.sse.max(floor).max(f64::MIN_POSITIVE);
    let mut lik = n as f64 * sse.ln();
    if spec.error == ErrorType::Multiplicative {
        lik += 2.0 * pass.sum_log_abs_fitted;
    }
    lik
}

/// The classic heuristic initial states of forecast::ets (`initstate`): a classical decomposition of
/// the first (up to three) seasons gives the seasonal components, and a least-squares line (or a
/// mean) through the first max(10, 2m) seasonally adjusted values gives the level and the trend.
pub(super) fn initial_states(spec: &EtsSpec, y: &[f64], m: usize) -> States {
    let n = y.len();
    let seasonal = spec.season != SeasonType::None && m > 1;
    let season = if seasonal {
        decompose_seasonal(&y[..n.min(3 * m)], m, spec.season)
    } else {
        Vec::new()
    };
    let period = if seasonal { m } else { 1 };
    let maxn = n.min(10.max(2 * period));
    let adjusted: Vec<f64> = (0..maxn)
        .map(|t| match spec.season {
            _ if !seasonal => y[t],
            SeasonType::Multiplicative => y[t] / season[t % m].max(1e-2),
            _ => y[t] - season[t % m],
        })
        .collect();
    let (level, trend) = match spec.trend {
        TrendType::None => (mean(&adjusted), None),
        TrendType::Additive => {
            let (intercept, slope) = line(&adjusted);
            (intercept, Some(slope))
        }
    };
    States {
        level,
        trend,
        season,
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// The least-squares line through (1, v₀), (2, v₁), …: (value at time 0, slope).
fn line(v: &[f64]) -> (f64, f64) {
    let k = v.len() as f64;
    if v.len() < 2 {
        return (mean(v), 0.0);
    }
    let tbar = (k + 1.0) / 2.0;
    let vbar = mean(v);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &x) in v.iter().enumerate() {
        let dt = (i + 1) as f64 - tbar;
        sxy += dt * (x - vbar);
        sxx += dt * dt;
    }
    let slope = sxy / sxx;
    (vbar - slope * tbar, slope)
}

/// Classical decomposition (R's `decompose`) of `x` (at least two seasons): the seasonal indices by
/// phase, centred to sum 0 (additive) or average 1 (multiplicative). R falls back to a Fourier
/// regression below three seasons; the decomposition over two seasons already covers every phase.
fn decompose_seasonal(x: &[f64], m: usize, kind: SeasonType) -> Vec<f64> {
    let n = x.len();
    let half = m / 2;
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in half..n.saturating_sub(half) {
        // The centred moving average: a 2×m average for even m, a plain m-average for odd m.
        let centre = if m.is_multiple_of(2) {
            let inner: f64 = x[t + 1 - half..t + half].iter().sum();
            (inner + 0.5 * (x[t - half] + x[t + half])) / m as f64
        } else {
            x[t - half..=t + half].iter().sum::<f64>() / m as f64
        };
        let detrended = match kind {
            SeasonType::Multiplicative => x[t] / centre,
            _ => x[t] - centre,
        };
        if detrended.is_finite() {
            sums[t % m] += detrended;
            counts[t % m] += 1;
        }
    }
    let neutral = if kind == SeasonType::Multiplicative {
        1.0
    } else {
        0.0
    };
    let mut figure: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c == 0 { neutral } else { s / c as f64 })
        .collect();
    let avg = mean(&figure);
    for f in &mut figure {
        if kind == SeasonType::Multiplicative {
            if avg > 0.0 {
                *f /= avg;
            }
        } else {
            *f -= avg;
        }
    }
    figure
}

/// Σ ln xᵢ of positive values without a logarithm per value (a logarithm costs more than the rest of
/// a recursion step): binary exponents are summed as integers and the mantissas (in [1, 2))
/// multiplied, the product renormalised by its own exponent every 512 values so it stays finite.
#[derive(Default)]
struct LogSum {
    exponents: i64,
    /// The product of the mantissas since the last renormalisation (0 means 1: not started).
    mantissas: f64,
    count: u32,
    /// Values outside the normal range (subnormal), summed with `ln` directly.
    direct: f64,
}

impl LogSum {
    fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        if biased == 0 || biased == 0x7ff {
            self.direct += x.ln();
            return;
        }
        self.exponents += biased - 1023;
        let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
        self.mantissas = if self.count == 0 {
            mantissa
        } else {
            self.mantissas * mantissa
        };
        self.count += 1;
        if self.count == 512 {
            self.flush();
        }
    }

    /// Moves the mantissa product's exponent into the integer sum (512 mantissas < 2^512: finite).
    fn flush(&mut self) {
        if self.count == 0 {
            return;
        }
        let bits = self.mantissas.to_bits();
        self.exponents += ((bits >> 52) & 0x7ff) as i64 - 1023;
        self.mantissas = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
        self.count = 1;
    }

    fn value(&mut self) -> f64 {
        let product = if self.count == 0 { 1.0 } else { self.mantissas };
        self.exponents as f64 * std::f64::consts::LN_2 + product.ln() + self.direct
    }
}

#[cfg(test)]
mod log_sum_tests {
    use super::LogSum;

    #[test]
    fn equals_the_sum_of_logarithms() {
        let values: Vec<f64> = (0..5_000)
            .map(|i| match i % 5 {
                0 => 1e-300 * (i + 1) as f64,
                1 => 1e300 / (i + 1) as f64,
                2 => 5e-324,
                _ => 0.37 * (i + 1) as f64,
            })
            .collect();
        let mut sum = LogSum::default();
        values.iter().for_each(|&v| sum.add(v));
        let direct: f64 = values.iter().map(|v| v.ln()).sum();
        assert!(
            (sum.value() - direct).abs() <= 1e-9 * direct.abs(),
            "{} vs {direct}",
            sum.value()
        );
        assert_eq!(LogSum::default().value(), 0.0);
    }
}
