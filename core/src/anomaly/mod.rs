//! Anomaly detection on a metric series, for alert rules that need more than a fixed threshold
//! (algorithm, options, defaults and reference results: `docs/anomaly.md`).
//!
//! - [`seasonal_hybrid_esd`]: Twitter's seasonal-hybrid ESD (S-H-ESD), as the R package
//!   `twitter/AnomalyDetection` (`AnomalyDetectionVec`, `detect_anoms`) computes it: a robust periodic STL
//!   decomposition, then the generalized ESD test on the median/MAD-scaled residuals.
//! - [`robust_zscore`]: each point's robust z-score `|x - median| / (1.4826 MAD)` over a trailing window.
//!
//! Both are pure functions of a `&[f64]` series (oldest first, evenly spaced, no gaps) and their options;
//! they depend on no other part of the engine. Every input is bounded and checked: a bad one is an
//! [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the option (in its camelCase
//! spelling) and what to do.

mod shesd;
mod stats;
mod stl;
#[cfg(test)]
mod tests;
mod zscore;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub use shesd::seasonal_hybrid_esd;
pub use stats::MAD_CONSTANT;
pub use zscore::robust_zscore;

/// The longest series either detector accepts.
pub const MAX_POINTS: usize = 1_000_000;
/// The largest `maxAnoms` (R's bound: the ESD test needs a majority of normal points).
pub const MAX_ANOMS_LIMIT: f64 = 0.49;
/// `maxAnoms` when none is given (R's default).
pub const DEFAULT_MAX_ANOMS: f64 = 0.10;
/// `alpha` when none is given (R's default).
pub const DEFAULT_ALPHA: f64 = 0.05;
/// The robust z-score above which a point is anomalous when none is given (Iglewicz and Hoaglin's 3.5).
pub const DEFAULT_ZSCORE_THRESHOLD: f64 = 3.5;
/// The trailing window of the robust z-score rule when none is given, in points.
pub const DEFAULT_ZSCORE_WINDOW: usize = 60;
/// The shortest trailing window of the robust z-score rule (a median of fewer points is not robust).
pub const MIN_ZSCORE_WINDOW: usize = 3;
/// The longest trailing window of the robust z-score rule.
pub const MAX_ZSCORE_WINDOW: usize = 100_000;

/// Which deviations count as anomalies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Only values above the expected ones (R's default).
    #[default]
    Pos,
    /// Only values below the expected ones.
    Neg,
    /// Both.
    Both,
}

/// Keep only the anomalies of the series' most recent day or hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnlyLast {
    /// The last `pointsPerDay` points.
    Day,
    /// The last `ceil(pointsPerDay / 24)` points.
    Hr,
}

/// Keep only the anomalies at or above a statistic of the daily maxima (negative anomalies included when
/// their value reaches it, as in R).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// The median of the daily maxima.
    MedMax,
    /// Their 95th percentile (R's `quantile`, type 7).
    P95,
    /// Their 99th percentile.
    P99,
}

/// Options of [`seasonal_hybrid_esd`] (R's `AnomalyDetectionVec` arguments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShesdOptions {
    /// Points per seasonal period (1440 for a minutely series with a daily cycle). At least 2, and the series
    /// must hold more than two periods.
    pub period: usize,
    /// The most anomalies the test may report, as a fraction of the points (0 to 0.49; raised to one point
    /// when smaller, as R does).
    #[serde(default = "default_max_anoms")]
    pub max_anoms: f64,
    /// The significance level of each ESD step (strictly between 0 and 1).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Which deviations count.
    #[serde(default)]
    pub direction: Direction,
    /// Keep only the anomalies of the last day or hour.
    #[serde(default)]
    pub only_last: Option<OnlyLast>,
    /// Keep only the anomalies reaching a statistic of the daily maxima.
    #[serde(default)]
    pub threshold: Option<Threshold>,
    /// Test piecewise windows of `longtermPeriod` points instead of the whole series (for series longer than
    /// a few weeks, whose trend a single decomposition would miss).
    #[serde(default)]
    pub longterm: bool,
    /// The window of `longterm`, in points: more than two periods; 14 days of points when not given.
    #[serde(default)]
    pub longterm_period: Option<usize>,
    /// Points per day, for `onlyLast` and `threshold`: the period when not given (R's `AnomalyDetectionVec`
    /// treats one period as the day).
    #[serde(default)]
    pub points_per_day: Option<usize>,
    /// Also report each anomaly's expected value (trend plus seasonal component).
    #[serde(default)]
    pub e_value: bool,
}

fn default_max_anoms() -> f64 {
    DEFAULT_MAX_ANOMS
}

fn default_alpha() -> f64 {
    DEFAULT_ALPHA
}

impl ShesdOptions {
    /// The options with R's defaults for a series of the given period.
    pub fn new(period: usize) -> Self {
        ShesdOptions {
            period,
            max_anoms: DEFAULT_MAX_ANOMS,
            alpha: DEFAULT_ALPHA,
            direction: Direction::default(),
            only_last: None,
            threshold: None,
            longterm: false,
            longterm_period: None,
            points_per_day: None,
            e_value: false,
        }
    }
}

/// Options of [`robust_zscore`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MadOptions {
    /// How many preceding points each point is compared with.
    #[serde(default = "default_zscore_window")]
    pub window: usize,
    /// The robust z-score a point must exceed (strictly) to be anomalous.
    #[serde(default = "default_zscore_threshold")]
    pub threshold: f64,
    /// Which deviations count.
    #[serde(default)]
    pub direction: Direction,
}

fn default_zscore_window() -> usize {
    DEFAULT_ZSCORE_WINDOW
}

fn default_zscore_threshold() -> f64 {
    DEFAULT_ZSCORE_THRESHOLD
}

impl Default for MadOptions {
    fn default() -> Self {
        MadOptions {
            window: DEFAULT_ZSCORE_WINDOW,
            threshold: DEFAULT_ZSCORE_THRESHOLD,
            direction: Direction::default(),
        }
    }
}

/// One anomalous point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    /// Its position in the series (0-based).
    pub index: usize,
    /// Its value.
    pub value: f64,
    /// What was expected there: S-H-ESD's trend plus seasonal component (when `eValue` is set), the
    /// trailing window's median for the robust z-score.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expected: Option<f64>,
}

/// Refuses an empty, too long or non-finite series, naming the first bad index.
fn check_series(values: &[f64]) -> Result<()> {
    if values.len() > MAX_POINTS {
        return Err(Error::invalid_argument(
            "values",
            format!(
                "the series has {} points; at most {MAX_POINTS} are accepted (aggregate it or test a shorter range)",
                values.len()
            ),
        ));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid_argument(
            "values",
            format!(
                "point {i} is {}; fill gaps (interpolate) and drop non-finite values before testing",
                values[i]
            ),
        ));
    }
    Ok(())
}

/// Refuses `v` outside the interval from `lo` to `hi` (each end open or closed).
fn check_range(
    name: &'static str,
    v: f64,
    lo_open: bool,
    lo: f64,
    hi: f64,
    hi_open: bool,
) -> Result<()> {
    let above = if lo_open { v > lo } else { v >= lo };
    let below = if hi_open { v < hi } else { v <= hi };
    if v.is_finite() && above && below {
        return Ok(());
    }
    let (l, r) = (
        if lo_open { "(" } else { "[" },
        if hi_open { ")" } else { "]" },
    );
    Err(Error::invalid_argument(
        name,
        format!("{v} is outside {l}{lo}, {hi}{r}"),
    ))
}
