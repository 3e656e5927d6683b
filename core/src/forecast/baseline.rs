//! The four benchmark forecasts of Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*
//! (3rd ed., §5.2 and §5.5), with their analytic normal prediction intervals.
//!
//! | method          | point forecast ŷ(T+h)             | σ(h), the h-step standard deviation |
//! |-----------------|-----------------------------------|-------------------------------------|
//! | naive           | y(T)                              | σ √h                                |
//! | seasonal naive  | y(T + h − m(k + 1)), k = ⌊(h−1)/m⌋ | σ √(k + 1)                          |
//! | drift           | y(T) + h (y(T) − y(1)) / (T − 1)  | σ √(h (1 + h/T))                    |
//! | mean            | ȳ                                 | σ √(1 + 1/T)                        |
//!
//! σ is the residual standard deviation of the one-step fitted values, σ² = Σ e² / (N − K) over the N
//! residuals with K estimated parameters (naive and seasonal naive K = 0, drift and mean K = 1), as the
//! R `forecast`/`fable` packages compute it. The interval at level ℓ is ŷ ± Φ⁻¹((1 + ℓ)/2) σ(h).
//!
//! Fitting and forecasting are separate so that one fit serves several horizons and levels.

use serde::{Deserialize, Serialize};

use super::normal::central_multiplier;
use super::types::{check_horizon, check_levels, check_series, Forecast, Interval};
use crate::{Error, Result};

/// The longest season the seasonal naive method accepts.
pub const MAX_PERIOD: usize = 10_000;

/// Which benchmark to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "method")]
pub enum BaselineMethod {
    /// Every forecast is the last observation (a random walk).
    Naive,
    /// Every forecast is the last observation of the same season.
    #[serde(rename_all = "camelCase")]
    SeasonalNaive {
        /// The season length m (7 for a weekly rhythm of daily values), 1..=[`MAX_PERIOD`].
        period: usize,
    },
    /// The last observation plus the average change so far (a random walk with drift).
    Drift,
    /// Every forecast is the mean of the series.
    Mean,
}

impl BaselineMethod {
    /// The fewest points a fit needs: enough for at least one degree of freedom in σ.
    pub fn min_points(self) -> usize {
        match self {
            BaselineMethod::Naive | BaselineMethod::Mean => 2,
            BaselineMethod::SeasonalNaive { period } => period + 1,
            BaselineMethod::Drift => 3,
        }
    }
}

/// A fitted benchmark: what its forecasts need, nothing of the series beyond that.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FittedBaseline {
    /// The method fitted.
    pub method: BaselineMethod,
    /// The residual standard deviation σ (see the module documentation).
    pub sigma: f64,
    /// The length T of the series fitted.
    pub n: usize,
    /// The level the forecasts start from: y(T) (naive, drift) or ȳ (mean); unused by seasonal naive.
    pub level: f64,
    /// The drift per step, (y(T) − y(1)) / (T − 1); 0 for the other methods.
    pub slope: f64,
    /// The last season, y(T − m + 1) … y(T); empty for the other methods.
    pub last_season: Vec<f64>,
}

/// Fits `method` to `series` (finite values, at least [`BaselineMethod::min_points`] of them).
pub fn fit(series: &[f64], method: BaselineMethod) -> Result<FittedBaseline> {
    if let BaselineMethod::SeasonalNaive { period } = method {
        if period == 0 || period > MAX_PERIOD {
            return Err(Error::invalid_argument(
                "period",
                format!("is {period}; it must be between 1 and {MAX_PERIOD}"),
            ));
        }
    }
    check_series("series", series, method.min_points())?;
    let t = series.len();
    let last = series[t - 1];
    let mut fitted = FittedBaseline {
        method,
        sigma: 0.0,
        n: t,
        level: last,
        slope: 0.0,
        last_season: Vec::new(),
    };
    // (sum of squared residuals, residual count N, parameters K).
    let (sse, count, params) = match method {
        BaselineMethod::Naive => (lag_sse(series, 1, 0.0), t - 1, 0),
        BaselineMethod::SeasonalNaive { period } => {
            fitted.last_season = series[t - period..].to_vec();
            (lag_sse(series, period, 0.0), t - period, 0)
        }
        BaselineMethod::Drift => {
            // The mean of the first differences, which telescopes to the end-to-end slope.
            let slope = (last - series[0]) / (t - 1) as f64;
            fitted.slope = slope;
            (lag_sse(series, 1, slope), t - 1, 1)
        }
        BaselineMethod::Mean => {
            let mean = series.iter().sum::<f64>() / t as f64;
            fitted.level = mean;
            let sse = series.iter().map(|y| (y - mean) * (y - mean)).sum();
            (sse, t, 1)
        }
    };
    // min_points guarantees count > params.
    fitted.sigma = (sse / (count - params) as f64).sqrt();
    if !fitted.sigma.is_finite() || !fitted.level.is_finite() || !fitted.slope.is_finite() {
        return Err(Error::invalid_argument(
            "series",
            "its values are too large: the residual variance overflows",
        ));
    }
    Ok(fitted)
}

/// Σ (y(t) − y(t − lag) − shift)² over t = lag + 1 … T.
fn lag_sse(series: &[f64], lag: usize, shift: f64) -> f64 {
    series
        .iter()
        .zip(&series[lag..])
        .map(|(prev, y)| {
            let e = y - prev - shift;
            e * e
        })
        .sum()
}

impl FittedBaseline {
    /// The point forecast `h` steps ahead (h ≥ 1).
    fn point(&self, h: usize) -> f64 {
        match self.method {
            BaselineMethod::Naive | BaselineMethod::Mean => self.level,
            BaselineMethod::Drift => self.level + h as f64 * self.slope,
            BaselineMethod::SeasonalNaive { period } => {
                // y(T + h − m(k + 1)) is the ((h − 1) mod m)-th value of the last season.
                self.last_season[(h - 1) % period]
            }
        }
    }

    /// The standard deviation of the `h`-step forecast error (h ≥ 1).
    fn sd(&self, h: usize) -> f64 {
        let hf = h as f64;
        let factor = match self.method {
            BaselineMethod::Naive => hf,
            BaselineMethod::SeasonalNaive { period } => ((h - 1) / period + 1) as f64,
            BaselineMethod::Drift => hf * (1.0 + hf / self.n as f64),
            BaselineMethod::Mean => 1.0 + 1.0 / self.n as f64,
        };
        self.sigma * factor.sqrt()
    }

    /// Forecasts steps 1 … `horizon` with a central normal interval at each of `levels`.
    pub fn forecast(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_horizon(horizon)?;
        check_levels(levels)?;
        let point: Vec<f64> = (1..=horizon).map(|h| self.point(h)).collect();
        let sd: Vec<f64> = (1..=horizon).map(|h| self.sd(h)).collect();
        let mut intervals = Vec::with_capacity(levels.len());
        for &level in levels {
            let z = central_multiplier(level / 100.0).ok_or_else(|| {
                Error::invalid_argument(
                    "levels",
                    format!("{level} is not strictly between 0 and 100"),
                )
            })?;
            intervals.push(Interval {
                level,
                lower: point.iter().zip(&sd).map(|(p, s)| p - z * s).collect(),
                upper: point.iter().zip(&sd).map(|(p, s)| p + z * s).collect(),
            });
        }
        Ok(Forecast { point, intervals })
    }
}

/// A forecasting closure for [`backtest`](super::backtest::backtest) that refits `method` at every
/// origin.
pub fn forecaster(method: BaselineMethod) -> impl Fn(&[f64], usize, &[f64]) -> Result<Forecast> {
    move |series, horizon, levels| fit(series, method)?.forecast(horizon, levels)
}
