//! Time series: one metric of the [catalog](super::catalog) (`revenue.total`, `engagement.dau`,
//! `revenue.byPaymentMethod.esewa`), per day, week or month. Each bucket is a report of its own days, so
//! ratios are recomputed per bucket, never averaged.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Granularity;
use crate::model::CountryFilter;

/// One bucket of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimePoint {
    /// First day of the calendar period (Monday for weeks, the 1st for months).
    pub period: NaiveDate,
    /// First day the value covers (the period clipped to the requested range).
    pub from: NaiveDate,
    /// Last day the value covers.
    pub to: NaiveDate,
    /// The metric over `from..=to` (`null` where METRICS.md says so).
    pub value: Option<f64>,
}

/// A metric over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeSeries {
    /// The metric path.
    pub metric: String,
    /// Bucket size.
    pub granularity: Granularity,
    /// Country selection.
    pub country: CountryFilter,
    /// First day of the requested range.
    pub from: NaiveDate,
    /// Last day of the requested range.
    pub to: NaiveDate,
    /// One point per bucket, in order; buckets without data are present with their zero or `null`.
    pub points: Vec<TimePoint>,
}

/// Every metric id of the catalog, in report order (what `time_series` accepts, besides aliases).
pub fn metric_paths() -> Vec<String> {
    super::catalog::catalog()
        .iter()
        .map(|m| m.id.to_owned())
        .collect()
}
