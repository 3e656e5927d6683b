//! Time series: one numeric field of the [`KpiReport`](super::KpiReport), addressed by its dotted JSON path
//! (`revenue.total`, `engagement.dau`, `revenue.byPaymentMethod.esewa`), per day, week or month. Each
//! bucket is a report of its own days, so ratios are recomputed per bucket, never averaged.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::report::KpiReport;
use super::rollup::CountryFilter;
use crate::calendar::Granularity;
use crate::Error;

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

fn collect(v: &serde_json::Value, prefix: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, child) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                collect(child, path, out);
            }
        }
        serde_json::Value::Number(_) | serde_json::Value::Null => out.push(prefix),
        _ => {}
    }
}

/// The value at `path` in a section's JSON (`path` without the section name): a number, `None` for
/// `null`, or `Err(())` when the path is not a numeric field.
pub(crate) fn field_value(
    section: &serde_json::Value,
    section_name: &str,
    rest: &str,
) -> std::result::Result<Option<f64>, ()> {
    let pointer = format!("/{}", rest.replace('.', "/"));
    match section.pointer(&pointer) {
        Some(serde_json::Value::Number(n)) => Ok(n.as_f64()),
        Some(serde_json::Value::Null) => Ok(None),
        // `byOGTier.unknown` is omitted when zero.
        None if section_name == "revenue" && rest == "byOGTier.unknown" => Ok(Some(0.0)),
        _ => Err(()),
    }
}

/// The error for a path that names no numeric field.
pub(crate) fn unknown_metric(path: &str) -> Error {
    Error::invalid_argument(
        "metric",
        format!(
            "`{path}` is not a numeric metric path; use one of: {}",
            metric_paths().join(", ")
        ),
    )
}

/// Every numeric metric path of a report, in report order (arrays such as `topCreators` excluded).
pub fn metric_paths() -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(KpiReport::example()) {
        collect(&value, String::new(), &mut out);
    }
    out.retain(|p| !p.starts_with("period."));
    out
}
