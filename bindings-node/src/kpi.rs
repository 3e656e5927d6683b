//! KPI queries from JavaScript (the core's `kpi`): the range and country of a report, the metric and
//! granularity of a time series, and the list of metric paths. Their names are the old routes' query
//! parameters (`from`, `to`, `country`, `granularity`), so a route can pass `req.query` on.

use halobuzz_analytics::calendar::{DateRange, Granularity};
use halobuzz_analytics::kpi::timeseries;
use halobuzz_analytics::kpi::CountryFilter;
use napi_derive::napi;
use serde::Deserialize;

use crate::calendar::{day_text, parse_granularity, parse_range};
use crate::error::Outcome;

/// The range and country of a KPI report.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KpiQuery {
    /// First local day, `'YYYY-MM-DD'`.
    #[serde(deserialize_with = "day_text")]
    pub from: String,
    /// Last local day, inclusive, `'YYYY-MM-DD'`.
    #[serde(deserialize_with = "day_text")]
    pub to: String,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code such as `NP` (any case).
    pub country: Option<String>,
}

/// One numeric metric per day, week or month of a range.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeSeriesQuery {
    /// A numeric report field by its path, such as `revenue.total` or `engagement.dau` (see
    /// `metricPaths()`).
    pub metric: String,
    /// First local day, `'YYYY-MM-DD'`.
    #[serde(deserialize_with = "day_text")]
    pub from: String,
    /// Last local day, inclusive, `'YYYY-MM-DD'`.
    #[serde(deserialize_with = "day_text")]
    pub to: String,
    /// `day` (default), `week` (Monday-started) or `month`; `daily`, `weekly`, `monthly` also work.
    pub granularity: Option<String>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code such as `NP` (any case).
    pub country: Option<String>,
}

/// A parsed [`KpiQuery`].
#[derive(Debug, Clone, Copy)]
pub struct ReportArgs {
    /// The days reported.
    pub range: DateRange,
    /// The country selection.
    pub country: CountryFilter,
}

/// A parsed [`TimeSeriesQuery`].
#[derive(Debug, Clone)]
pub struct SeriesArgs {
    /// The metric path, checked by the engine.
    pub metric: String,
    /// The days covered.
    pub range: DateRange,
    /// Bucket size.
    pub granularity: Granularity,
    /// The country selection.
    pub country: CountryFilter,
}

/// `ALL` when absent.
fn parse_country(text: Option<&str>) -> Outcome<CountryFilter> {
    Ok(text.map_or(Ok(CountryFilter::All), str::parse)?)
}

impl KpiQuery {
    /// The checked arguments.
    pub fn parse(&self) -> Outcome<ReportArgs> {
        Ok(ReportArgs {
            range: parse_range(&self.from, &self.to)?,
            country: parse_country(self.country.as_deref())?,
        })
    }
}

impl TimeSeriesQuery {
    /// The checked arguments (the metric path is checked by the engine, which knows the report).
    pub fn parse(&self) -> Outcome<SeriesArgs> {
        Ok(SeriesArgs {
            metric: self.metric.clone(),
            range: parse_range(&self.from, &self.to)?,
            granularity: parse_granularity(self.granularity.as_deref())?,
            country: parse_country(self.country.as_deref())?,
        })
    }
}

/// Every numeric metric path a time series accepts (`revenue.total`, `engagement.dau`, …).
#[napi(catch_unwind)]
pub fn metric_paths() -> Vec<String> {
    timeseries::metric_paths()
}
