//! Metric forecasts (see [`crate::forecast`]): a catalog metric's daily series read from the rollups,
//! gaps filled by how the metric combines, forecast by the automatic forecaster, and stored as
//! `analyticsforecasts` documents.

use chrono::NaiveDate;

use super::Engine;
use crate::api::forecast::{MetricForecast, ModelReport, Prediction, PredictionBound};
use crate::calendar::{add_days, DateRange, Granularity};
use crate::forecast::auto::{self, Options};
use crate::forecast::fill::{fill, Fill};
use crate::kpi::{CountryFilter, Metric, MetricKind, Unit};
use crate::store::{AnalyticsDoc, AnalyticsStore, Condition, DocFilter, DocKey, DocSpec};
use crate::{Error, Result};

/// The fewest days of history a metric forecast needs.
pub const MIN_HISTORY_DAYS: usize = 3;
/// Days without a non-zero value after which earlier history is left out: the metric was dormant (the
/// platform, the country or the feature had not started yet), and a few stray early values followed
/// by months of zeros would otherwise dominate the fit.
pub const DORMANT_DAYS: usize = 28;

/// Where the history starts: the first non-zero value that follows the start or a run of at least
/// [`DORMANT_DAYS`] days without one, the last such value; `None` without any non-zero value.
fn history_start(raw: &[Option<f64>]) -> Option<usize> {
    let mut start = None;
    let mut quiet = usize::MAX; // days since the last non-zero value (the start counts as a long run)
    for (i, v) in raw.iter().enumerate() {
        if v.is_some_and(|x| x != 0.0) {
            if quiet >= DORMANT_DAYS {
                start = Some(i);
            }
            quiet = 0;
        } else {
            quiet = quiet.saturating_add(1);
        }
    }
    start
}

impl AnalyticsDoc for MetricForecast {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsforecasts",
        key_fields: &["appId", "metric", "country", "historyTo", "horizonDays"],
        key_index: "appId_1_metric_1_country_1_historyTo_1_horizonDays_1",
        retired_indexes: &[],
        indexes: &[],
        // A forecast records what was predicted then: recomputing it later (with later data or
        // another model) would not give the same document, so it is kept.
        evictable: false,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.metric.as_str().into(),
            self.country.key().into(),
            self.history_to.into(),
            (self.horizon_days as i64).into(),
        ])
    }
}

impl Engine {
    /// Forecasts `metric`'s daily series over `history` (for `country`) as `options` say. Days
    /// without a value are 0 for counts and sums and interpolated for ratios; days before the
    /// metric's first non-zero value are left out (the platform had no data yet).
    pub fn forecast_metric(
        &self,
        metric: &Metric,
        history: DateRange,
        country: CountryFilter,
        options: &Options,
    ) -> Result<MetricForecast> {
        let series = self.time_series(metric, history, Granularity::Day, country)?;
        let raw: Vec<Option<f64>> = series.points.iter().map(|p| p.value).collect();
        let start = history_start(&raw).ok_or_else(|| {
            Error::invalid_argument(
                "metric",
                format!(
                    "{} has no non-zero value from {} to {} ({}): nothing to forecast",
                    metric.id,
                    history.from,
                    history.to,
                    country.key()
                ),
            )
        })?;
        let raw = &raw[start..];
        if raw.len() < MIN_HISTORY_DAYS {
            return Err(Error::invalid_argument(
                "from",
                format!(
                    "{} has {} day(s) of data up to {}; a forecast needs at least {MIN_HISTORY_DAYS}",
                    metric.id,
                    raw.len(),
                    history.to
                ),
            ));
        }
        let how = match metric.kind {
            MetricKind::Sum | MetricKind::DistinctCount => Fill::Zero,
            MetricKind::Ratio | MetricKind::Growth => Fill::Interpolate,
        };
        let (values, filled) = fill(raw, how).ok_or_else(|| {
            Error::invalid_argument(
                "metric",
                format!("{} has no value to forecast from", metric.id),
            )
        })?;
        let first_day = add_days(history.from, start as i64);
        let mut fc = auto::forecast(&values, options)?;
        let mut notes = Vec::new();
        if start > 0 {
            notes.push(format!(
                "history starts on {first_day}: the first non-zero value after {} or more days \
                 without one (or the first at all)",
                DORMANT_DAYS
            ));
        }
        if filled > 0 {
            notes.push(format!(
                "{filled} day(s) without a value filled {}",
                how.describe()
            ));
        }
        if clamp(metric, &mut fc.forecast) {
            notes.push(format!(
                "forecasts and bounds clamped to the metric's range ({})",
                range_text(metric)
            ));
        }
        notes.extend(fc.notes.iter().cloned());
        let predictions = (0..options.horizon)
            .map(|i| Prediction {
                date: add_days(history.to, i as i64 + 1),
                value: fc.forecast.point[i],
                intervals: fc
                    .forecast
                    .intervals
                    .iter()
                    .map(|iv| PredictionBound {
                        level: iv.level,
                        lower: iv.lower[i],
                        upper: iv.upper[i],
                    })
                    .collect(),
            })
            .collect();
        let accuracy = fc
            .validation
            .as_ref()
            .and_then(|v| v.candidates.first())
            .map(|c| c.accuracy.clone());
        Ok(MetricForecast {
            app_id: self.config.app_id.clone(),
            metric: metric.id.to_string(),
            unit: metric.unit,
            country,
            horizon_days: options.horizon,
            history_from: first_day,
            history_to: history.to,
            generated_at: self.config.clock.now(),
            timezone: self.config.calendar.tz().name().to_string(),
            predictions,
            model_type: fc.model_name.clone(),
            model: ModelReport::of(&fc),
            accuracy,
            validation: fc.validation,
            calibration: fc.calibration,
            summary: fc.summary,
            filled_days: filled,
            notes,
        })
    }

    /// Stores `forecast` in `analyticsforecasts` (replacing one of the same metric, country, last
    /// history day and horizon).
    pub fn store_forecast(&self, forecast: &MetricForecast) -> Result<()> {
        self.store.put_docs(std::slice::from_ref(forecast))
    }

    /// The stored forecasts of this application, filtered, oldest `historyTo` first.
    pub fn stored_forecasts(
        &self,
        metric: Option<&Metric>,
        country: Option<CountryFilter>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<MetricForecast>> {
        let mut filter = DocFilter::all().eq("appId", self.config.app_id.as_str());
        if let Some(m) = metric {
            filter = filter.eq("metric", m.id);
        }
        if let Some(c) = country {
            filter = filter.eq("country", c.key());
        }
        if from.is_some() || to.is_some() {
            filter = filter.with(
                "historyTo",
                Condition::Between(from.map(Into::into), to.map(Into::into)),
            );
        }
        let mut docs = self.store.find_docs::<MetricForecast>(&filter)?;
        docs.sort_by(|a, b| {
            (a.history_to, &a.metric, a.horizon_days).cmp(&(
                b.history_to,
                &b.metric,
                b.horizon_days,
            ))
        });
        Ok(docs)
    }
}

/// The range a metric's values can take: none below 0 for amounts, counts and durations; 0–100 for a
/// percentage that is a share (a ratio); growth can go either way.
fn bounds(metric: &Metric) -> (f64, f64) {
    match (metric.kind, metric.unit) {
        (MetricKind::Growth, _) => (f64::NEG_INFINITY, f64::INFINITY),
        (MetricKind::Ratio, Unit::Percent | Unit::Score) => (0.0, 100.0),
        _ => (0.0, f64::INFINITY),
    }
}

fn range_text(metric: &Metric) -> &'static str {
    let (lo, hi) = bounds(metric);
    if lo == 0.0 && hi == 100.0 {
        "0 to 100"
    } else if lo == 0.0 {
        "not below 0"
    } else {
        "any value"
    }
}

/// Clamps points and bounds into the metric's range; whether anything changed.
fn clamp(metric: &Metric, f: &mut crate::forecast::Forecast) -> bool {
    let (lo, hi) = bounds(metric);
    let mut changed = false;
    let mut c = |v: &mut f64| {
        let k = v.clamp(lo, hi);
        if k != *v {
            *v = k;
            changed = true;
        }
    };
    f.point.iter_mut().for_each(&mut c);
    for i in &mut f.intervals {
        i.lower.iter_mut().for_each(&mut c);
        i.upper.iter_mut().for_each(&mut c);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_starts_after_the_last_dormant_stretch() {
        let z = |n: usize| vec![Some(0.0); n];
        let mut raw = z(5);
        raw.push(Some(3.0)); // index 5: the first non-zero value
        raw.extend(z(27));
        raw.push(Some(1.0)); // 27 quiet days: not dormant
        assert_eq!(history_start(&raw), Some(5));
        raw.extend(vec![None; 28]);
        raw.push(Some(2.0)); // after 28 days without a value: the history restarts here
        let restart = raw.len() - 1;
        raw.push(Some(0.0));
        assert_eq!(history_start(&raw), Some(restart));
        assert_eq!(history_start(&z(10)), None);
        assert_eq!(history_start(&[]), None);
    }
}
