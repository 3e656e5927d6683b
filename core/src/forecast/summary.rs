//! What a forecast says about its series in three words: the direction of the forecast, the growth
//! the history showed, and how volatile it was. Definitions in docs/forecast.md.

use serde::{Deserialize, Serialize};

/// Where the forecast goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TrendDirection {
    /// The forecast's mean is more than [`FLAT_PERCENT`] % above the recent mean.
    Up,
    /// More than [`FLAT_PERCENT`] % below it.
    Down,
    /// Within ± [`FLAT_PERCENT`] %.
    Flat,
}

/// The band within which a change counts as flat, in percent.
pub const FLAT_PERCENT: f64 = 2.0;

/// The description of a series and its forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesSummary {
    /// The values the recent window covers: four of the shortest season (28 for a daily series with
    /// a weekly season), seven without one, at most half the series.
    pub window: usize,
    /// The mean of the last `window` values.
    pub recent_mean: f64,
    /// The mean of the forecast over its horizon.
    pub forecast_mean: f64,
    /// `forecast_mean` against `recent_mean`, in percent (`null` when the recent mean is 0).
    pub forecast_change_percent: Option<f64>,
    /// The direction of that change.
    pub trend: TrendDirection,
    /// The historical growth: the mean of the last `window` values against the `window` before, in
    /// percent (`null` when that earlier mean is 0 or the series is shorter than two windows).
    pub historical_growth_percent: Option<f64>,
    /// The coefficient of variation of the last `window` values (standard deviation / |mean|) in
    /// percent (`null` when the mean is 0 or the window has one value).
    pub volatility_percent: Option<f64>,
}

/// Summarises `values` and their forecast `point` with the shortest season `season` (1 for none).
pub fn summarize(values: &[f64], point: &[f64], season: usize) -> SeriesSummary {
    let n = values.len();
    let base = if season > 1 { 4 * season } else { 7 };
    let window = base.min(n / 2).max(1).min(n.max(1));
    let recent = &values[n.saturating_sub(window)..];
    let recent_mean = mean(recent);
    let forecast_mean = mean(point);
    let change = percent_change(forecast_mean, recent_mean);
    let trend = match change {
        Some(c) if c > FLAT_PERCENT => TrendDirection::Up,
        Some(c) if c < -FLAT_PERCENT => TrendDirection::Down,
        Some(_) => TrendDirection::Flat,
        None if forecast_mean > 0.0 => TrendDirection::Up,
        None if forecast_mean < 0.0 => TrendDirection::Down,
        None => TrendDirection::Flat,
    };
    let historical_growth_percent = (n >= 2 * window)
        .then(|| percent_change(recent_mean, mean(&values[n - 2 * window..n - window])))
        .flatten();
    let volatility_percent = (recent.len() >= 2 && recent_mean != 0.0).then(|| {
        let var = recent
            .iter()
            .map(|v| (v - recent_mean) * (v - recent_mean))
            .sum::<f64>()
            / (recent.len() - 1) as f64;
        100.0 * var.sqrt() / recent_mean.abs()
    });
    SeriesSummary {
        window,
        recent_mean,
        forecast_mean,
        forecast_change_percent: change,
        trend,
        historical_growth_percent,
        volatility_percent: volatility_percent.filter(|v| v.is_finite()),
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn percent_change(now: f64, before: f64) -> Option<f64> {
    (before != 0.0)
        .then(|| 100.0 * (now - before) / before.abs())
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_direction_and_volatility_by_hand() {
        // 28 values of 10 then 28 of 12: growth 20 %, no volatility in the recent window.
        let mut values = vec![10.0; 28];
        values.extend(vec![12.0; 28]);
        let s = summarize(&values, &[13.0; 14], 7);
        assert_eq!(s.window, 28);
        assert_eq!(s.historical_growth_percent, Some(20.0));
        assert_eq!(s.volatility_percent, Some(0.0));
        assert!((s.forecast_change_percent.unwrap() - 100.0 / 12.0).abs() < 1e-12);
        assert_eq!(s.trend, TrendDirection::Up);
        let s = summarize(&values, &[12.1; 14], 7);
        assert_eq!(s.trend, TrendDirection::Flat);
        let s = summarize(&values, &[11.0; 14], 7);
        assert_eq!(s.trend, TrendDirection::Down);
        // Alternating 9 and 11 (mean 10): sample sd √(28/27), cv ≈ 10.18 %.
        let alt: Vec<f64> = (0..28)
            .map(|i| if i % 2 == 0 { 9.0 } else { 11.0 })
            .collect();
        let s = summarize(&alt, &[10.0], 7);
        assert_eq!(s.window, 14);
        let expected = 100.0 * (14.0f64 / 13.0).sqrt() / 10.0;
        assert!((s.volatility_percent.unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn zeros_and_tiny_series_give_nulls_not_nan() {
        let s = summarize(&[0.0, 0.0, 0.0], &[0.0], 1);
        assert_eq!(s.forecast_change_percent, None);
        assert_eq!(s.historical_growth_percent, None);
        assert_eq!(s.volatility_percent, None);
        assert_eq!(s.trend, TrendDirection::Flat);
        let s = summarize(&[5.0], &[5.0, 5.0], 7);
        assert_eq!(s.window, 1);
        assert_eq!(s.volatility_percent, None);
    }
}
