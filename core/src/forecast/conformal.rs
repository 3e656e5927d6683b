//! Split-conformal prediction intervals (Angelopoulos & Bates, *A Gentle Introduction to Conformal
//! Prediction*, 2021, §1): the absolute errors a backtest measured at each horizon step are the
//! conformity scores, and their rank-⌈(n + 1)ℓ⌉ order statistic is the half-width that covers a new
//! error at that step with probability at least ℓ, whatever the error distribution, when the new error
//! and the n measured ones are exchangeable.
//!
//! A calibrated interval is never narrower than the model's own: each side is the wider of the conformal
//! half-width and the analytic one, so calibration only corrects intervals that were too optimistic.

use serde::{Deserialize, Serialize};

use super::types::{check_levels, Forecast, Interval, MAX_HORIZON};
use crate::{Error, Result};

/// The conformal half-widths of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConformalLevel {
    /// The nominal coverage ℓ.
    pub level: f64,
    /// The half-width of each horizon step, `radius[j]` for step j + 1.
    pub radius: Vec<f64>,
}

/// Half-widths per level and horizon step, from backtest errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calibration {
    /// How many errors each step was calibrated on.
    pub count: usize,
    /// One entry per level, in the order asked.
    pub levels: Vec<ConformalLevel>,
}

/// The rank ⌈(n + 1)ℓ⌉ (1-based) of the conformal quantile among n sorted scores. The tolerance keeps
/// a product that is an integer in exact arithmetic (20 × 0.8) from rounding up a rank.
fn conformal_rank(n: usize, level: f64) -> usize {
    ((n + 1) as f64 * level / 100.0 - 1e-9).ceil().max(1.0) as usize
}

/// Calibrates `levels` on signed errors by horizon step, `errors[j][i]` the error of origin i at step
/// j + 1 ([`Backtest::errors`](super::backtest::Backtest::errors)). Every step needs the same number n
/// of finite errors, and n must be large enough that ⌈(n + 1)ℓ⌉ ≤ n (at least 4 for 80 %, 19 for 95 %):
/// with fewer, no finite half-width has the guarantee.
pub fn calibrate(errors: &[Vec<f64>], levels: &[f64]) -> Result<Calibration> {
    check_levels(levels)?;
    if errors.is_empty() || errors.len() > MAX_HORIZON {
        return Err(Error::invalid_argument(
            "errors",
            format!(
                "has {} horizon steps; it must have between 1 and {MAX_HORIZON}",
                errors.len()
            ),
        ));
    }
    let n = errors[0].len();
    let mut sorted = Vec::with_capacity(errors.len());
    for (j, step) in errors.iter().enumerate() {
        if step.len() != n || n == 0 {
            return Err(Error::invalid_argument(
                "errors",
                format!(
                    "step {} has {} errors and step 1 has {n}; every step needs the same, non-zero count",
                    j + 1,
                    step.len()
                ),
            ));
        }
        if step.iter().any(|e| !e.is_finite()) {
            return Err(Error::invalid_argument(
                "errors",
                format!("step {} has a non-finite error", j + 1),
            ));
        }
        let mut scores: Vec<f64> = step.iter().map(|e| e.abs()).collect();
        scores.sort_by(f64::total_cmp);
        sorted.push(scores);
    }
    let mut out = Vec::with_capacity(levels.len());
    for &level in levels {
        let rank = conformal_rank(n, level);
        if rank > n {
            let needed = (1..)
                .find(|&c| conformal_rank(c, level) <= c)
                .unwrap_or(usize::MAX);
            return Err(Error::invalid_argument(
                "errors",
                format!(
                    "has {n} errors per step; a {level} conformal interval needs at least {needed} \
                     (more backtest origins)"
                ),
            ));
        }
        out.push(ConformalLevel {
            level,
            radius: sorted.iter().map(|s| s[rank - 1]).collect(),
        });
    }
    Ok(Calibration {
        count: n,
        levels: out,
    })
}

impl Calibration {
    /// The horizon calibrated: how many steps each level has a half-width for.
    pub fn horizon(&self) -> usize {
        self.levels.first().map_or(0, |l| l.radius.len())
    }

    /// Widens `forecast` (of at most [`horizon`](Self::horizon) steps): at every calibrated level the
    /// interval becomes [min(lower, ŷ − r), max(upper, ŷ + r)], or ŷ ± r when the forecast had no
    /// interval at that level. Intervals at other levels are kept as they are.
    pub fn apply(&self, forecast: &Forecast) -> Result<Forecast> {
        let h = forecast.point.len();
        if h > self.horizon() {
            return Err(Error::invalid_argument(
                "forecast",
                format!("has {h} steps; the calibration covers {}", self.horizon()),
            ));
        }
        if forecast.point.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid_argument(
                "forecast",
                "has a non-finite point",
            ));
        }
        let widen = |cal: &ConformalLevel, analytic: Option<&Interval>| -> Result<Interval> {
            let mut lower: Vec<f64> = forecast
                .point
                .iter()
                .zip(&cal.radius)
                .map(|(p, r)| p - r)
                .collect();
            let mut upper: Vec<f64> = forecast
                .point
                .iter()
                .zip(&cal.radius)
                .map(|(p, r)| p + r)
                .collect();
            if let Some(a) = analytic {
                if a.lower.len() != h || a.upper.len() != h {
                    return Err(Error::invalid_argument(
                        "forecast",
                        format!("its {} interval is not {h} steps long", a.level),
                    ));
                }
                // f64::min/max ignore a NaN bound, so a broken analytic bound cannot poison the result.
                lower
                    .iter_mut()
                    .zip(&a.lower)
                    .for_each(|(l, a)| *l = l.min(*a));
                upper
                    .iter_mut()
                    .zip(&a.upper)
                    .for_each(|(u, a)| *u = u.max(*a));
            }
            Ok(Interval {
                level: cal.level,
                lower,
                upper,
            })
        };
        let mut intervals = Vec::with_capacity(forecast.intervals.len() + self.levels.len());
        for interval in &forecast.intervals {
            match self.level(interval.level) {
                Some(cal) => intervals.push(widen(cal, Some(interval))?),
                None => intervals.push(interval.clone()),
            }
        }
        for cal in &self.levels {
            if forecast.interval(cal.level).is_none() {
                intervals.push(widen(cal, None)?);
            }
        }
        Ok(Forecast {
            point: forecast.point.clone(),
            intervals,
        })
    }

    fn level(&self, level: f64) -> Option<&ConformalLevel> {
        self.levels
            .iter()
            .find(|l| (l.level - level).abs() <= 1e-12)
    }
}
