//! MSTL (Bandara, Hyndman & Bergmeir, 2021): the series is split by repeated STL decompositions into
//! one seasonal component per period (7 and 365 for daily data, 24 and 168 for hourly) and a
//! seasonally adjusted rest; the rest (trend + remainder) is forecast by ETS(A,N,N) or ETS(A,Ad,N),
//! selected by AICc, and each seasonal component by repeating its last cycle, as R's `stlf` and
//! statsforecast's `MSTL` forecast them.
//!
//! The decomposition is the `stlrs` crate's (a port of Cleveland et al.'s STL, in f64), with MSTL's
//! defaults: seasonal windows 11, 15, … by increasing period, two iterations, no robustness weights.

use serde::{Deserialize, Serialize};

use super::ets::{self, FittedEts, SeasonType};
use super::types::{check_horizon, check_levels, check_series, Forecast};
use crate::{Error, Result};

/// The longest period MSTL accepts (a year of hours).
pub const MAX_PERIOD: usize = 8_784;
/// The most periods one decomposition takes.
pub const MAX_PERIODS: usize = 4;

/// A fitted MSTL model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FittedMstl {
    /// The periods decomposed, ascending.
    pub periods: Vec<usize>,
    /// Per period (same order), the seasonal component of the last cycle: `last_cycles[i][k]` is the
    /// component of the forecast k + 1 steps ahead modulo the period.
    pub last_cycles: Vec<Vec<f64>>,
    /// The strength of each seasonal component, max(0, 1 − var(R)/var(S + R)) (Wang, Smith &
    /// Hyndman, 2006): near 1 for a strong, regular season, near 0 for none.
    pub seasonal_strength: Vec<f64>,
    /// The non-seasonal ETS model of the seasonally adjusted series.
    pub trend_model: FittedEts,
}

/// The periods of `periods` an MSTL can decompose `n` values by: at least 2, at most
/// [`MAX_PERIOD`], and at least two full cycles in the data; ascending, without duplicates.
pub fn usable_periods(periods: &[usize], n: usize) -> Vec<usize> {
    let mut out: Vec<usize> = periods
        .iter()
        .copied()
        .filter(|&p| (2..=MAX_PERIOD).contains(&p) && n >= 2 * p)
        .collect();
    out.sort_unstable();
    out.dedup();
    out.truncate(MAX_PERIODS);
    out
}

/// Decomposes `values` by `periods` (see [`usable_periods`]; every period must be usable) and fits the
/// trend model.
pub fn fit(values: &[f64], periods: &[usize]) -> Result<FittedMstl> {
    check_series("values", values, 1)?;
    let usable = usable_periods(periods, values.len());
    if usable.is_empty() || usable.len() != periods.len().min(MAX_PERIODS) {
        return Err(Error::invalid_argument(
            "seasonLengths",
            format!(
                "{periods:?} for {} values: every period must be 2 to {MAX_PERIOD}, distinct, at most \
                 {MAX_PERIODS} of them, with at least two full cycles of data",
                values.len()
            ),
        ));
    }
    let (seasonal, adjusted, remainder) = decompose(values, &usable)?;
    let trend_model = ets::auto_ets_among(&adjusted, 1, is_trend_candidate)?;
    let last_cycles = last_cycles(&usable, &seasonal);
    let seasonal_strength = seasonal.iter().map(|s| strength(s, &remainder)).collect();
    Ok(FittedMstl {
        periods: usable,
        last_cycles,
        seasonal_strength,
        trend_model,
    })
}

/// The trend models: ETS(A,N,N) and ETS(A,Ad,N). An undamped trend extrapolates the last slope without
/// bound and multiplicative errors only rescale the intervals of a seasonally adjusted series; on the
/// benchmark (benches/forecast) neither improved accuracy, and they tripled the cost.
fn is_trend_candidate(spec: &ets::EtsSpec) -> bool {
    spec.season == SeasonType::None
        && spec.error == ets::ErrorType::Additive
        && (spec.trend == ets::TrendType::None || spec.damped)
}

/// Each seasonal component's last cycle (the components are as long as the series, at least two
/// cycles: `usable_periods`).
fn last_cycles(periods: &[usize], seasonal: &[Vec<f64>]) -> Vec<Vec<f64>> {
    periods
        .iter()
        .zip(seasonal)
        .map(|(&p, s)| s[s.len() - p..].to_vec())
        .collect()
}

/// The seasonal components (one per period), the seasonally adjusted series and the remainder.
type Parts = (Vec<Vec<f64>>, Vec<f64>, Vec<f64>);

fn decompose(values: &[f64], periods: &[usize]) -> Result<Parts> {
    let failed = |why: String| Error::invalid_argument("values", why);
    let result = stlrs::Mstl::params()
        .fit(values, periods)
        .map_err(|e| failed(format!("the MSTL decomposition failed: {e}")))?;
    let (seasonal, trend, remainder) = result.into_parts();
    let adjusted: Vec<f64> = trend.iter().zip(&remainder).map(|(t, r)| t + r).collect();
    let finite = adjusted.iter().all(|v| v.is_finite())
        && seasonal.iter().all(|s| s.iter().all(|v| v.is_finite()));
    if !finite || seasonal.len() != periods.len() {
        return Err(failed(
            "the MSTL decomposition is not finite (values too large to decompose)".to_string(),
        ));
    }
    Ok((seasonal, adjusted, remainder))
}

/// max(0, 1 − var(R)/var(S + R)), R the decomposition's remainder.
fn strength(season: &[f64], remainder: &[f64]) -> f64 {
    let var_r = variance(remainder);
    let with_season: Vec<f64> = remainder.iter().zip(season).map(|(r, s)| r + s).collect();
    let var_sr = variance(&with_season);
    if var_sr > 0.0 {
        (1.0 - var_r / var_sr).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn variance(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (v.len() - 1) as f64
}

impl FittedMstl {
    /// Forecasts `horizon` steps: the trend model's forecast (and intervals) plus every seasonal
    /// component's last cycle repeated; the intervals are the trend model's shifted by the seasonal
    /// components (their uncertainty is not modelled, as in `stlf`).
    pub fn forecast(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        check_horizon(horizon)?;
        check_levels(levels)?;
        let mut f = self.trend_model.forecast_approximate(horizon, levels)?;
        for h in 0..horizon {
            let season: f64 = self
                .last_cycles
                .iter()
                .map(|cycle| cycle.get(h % cycle.len().max(1)).copied().unwrap_or(0.0))
                .sum();
            f.point[h] += season;
            for interval in &mut f.intervals {
                interval.lower[h] += season;
                interval.upper[h] += season;
            }
        }
        Ok(f)
    }

    /// How the intervals are computed: the trend model's analytic intervals, or their delta-method
    /// approximation for a multiplicative-error trend model.
    pub fn interval_method(&self) -> &'static str {
        self.trend_model.approximate_interval_name()
    }

    /// The model's name, e.g. `MSTL(7,365)+ETS(A,Ad,N)`.
    pub fn name(&self) -> String {
        let periods: Vec<String> = self.periods.iter().map(|p| p.to_string()).collect();
        format!("MSTL({})+{}", periods.join(","), self.trend_model.name)
    }

    /// The same decomposition and trend parameters over other `values` (a prefix of the fitted
    /// series, for a cheap backtest): re-decomposed, the trend model's states re-run, no optimisation.
    pub fn with_params_on(&self, values: &[f64]) -> Result<FittedMstl> {
        check_series("values", values, 1)?;
        let usable = usable_periods(&self.periods, values.len());
        if usable != self.periods {
            return Err(Error::invalid_argument(
                "values",
                format!(
                    "{} values are too few for the periods {:?}",
                    values.len(),
                    self.periods
                ),
            ));
        }
        let (seasonal, adjusted, _) = decompose(values, &usable)?;
        let trend_model = self.trend_model.with_params_on(&adjusted)?;
        Ok(FittedMstl {
            last_cycles: last_cycles(&usable, &seasonal),
            periods: usable,
            seasonal_strength: self.seasonal_strength.clone(),
            trend_model,
        })
    }
}
