//! The KPI requests from Python arguments (core `api::kpi`), and the metric catalog and time series as
//! Python objects.
//!
//! Requests are built as JSON (`request.rs`) and read by the core: dates, countries, granularities and
//! metric names (ids or their snake_case aliases, which the catalog accepts itself) are checked there.
//! Metric paths leave the binding in the Python spelling, `engagement.avg_session_duration`, like every
//! other name.

use pyo3::prelude::*;
use serde_json::Value;

use halobuzz_analytics::api::{
    self, BackfillRequest, DayRequest, KpiRequest, NameStyle, RecentBackfillRequest,
    TimeSeriesRequest,
};
use halobuzz_analytics::kpi::TimeSeries;

use crate::convert::to_py;
use crate::request::{date, decode, int, Object, RANGE, SAME};

/// One country or several (`Engine.kpis_frame`).
#[derive(FromPyObject)]
pub(crate) enum CountryArg {
    /// `"NP"`.
    One(String),
    /// `["NP", "IN"]`.
    Many(Vec<String>),
}

impl CountryArg {
    /// The countries, in the order given.
    pub(crate) fn list(&self) -> Vec<String> {
        match self {
            CountryArg::One(c) => vec![c.clone()],
            CountryArg::Many(cs) => cs.clone(),
        }
    }
}

/// `{"from": start, "to": end}`.
fn range(start: &Bound<'_, PyAny>, end: &Bound<'_, PyAny>) -> PyResult<Object> {
    let mut o = Object::new();
    o.insert("from".to_owned(), date("start", start)?);
    o.insert("to".to_owned(), date("end", end)?);
    Ok(o)
}

/// The request of `kpis` and `kpis_from_raw`.
pub(crate) fn kpi_request(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    country: &str,
) -> PyResult<KpiRequest> {
    let mut o = range(start, end)?;
    o.insert("country".to_owned(), Value::String(country.to_owned()));
    decode("query", o, RANGE)
}

/// The request of `time_series`.
pub(crate) fn series_request(
    metric: &str,
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    granularity: &str,
    country: &str,
) -> PyResult<TimeSeriesRequest> {
    let mut o = range(start, end)?;
    o.insert("metric".to_owned(), Value::String(metric.to_owned()));
    o.insert(
        "granularity".to_owned(),
        Value::String(granularity.to_owned()),
    );
    o.insert("country".to_owned(), Value::String(country.to_owned()));
    decode("query", o, RANGE)
}

/// The request of `backfill`.
pub(crate) fn backfill_request(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    force: bool,
) -> PyResult<BackfillRequest> {
    let mut o = range(start, end)?;
    o.insert("force".to_owned(), Value::Bool(force));
    decode("query", o, RANGE)
}

/// The request of `backfill_recent`.
pub(crate) fn recent_request(days: i128) -> PyResult<RecentBackfillRequest> {
    let mut o = Object::new();
    o.insert("days".to_owned(), int(days));
    decode("query", o, SAME)
}

/// The request of `rollup_day` and `rollups_of_day`.
pub(crate) fn day_request(day: &Bound<'_, PyAny>) -> PyResult<DayRequest> {
    let mut o = Object::new();
    o.insert("date".to_owned(), date("date", day)?);
    decode("query", o, SAME)
}

/// Every metric path of the catalog in the Python spelling, in report order.
pub(crate) fn metric_paths() -> Vec<String> {
    api::metrics()
        .iter()
        .map(|m| NameStyle::Snake.spell(&m.id))
        .collect()
}

/// The catalog as dicts: `id` in the Python spelling (as :func:`metric_paths` lists it), `section`,
/// `unit`, `kind`, `description`, and `aliases`, the other names `time_series` accepts (the JSON
/// spelling of the id first).
pub(crate) fn metrics(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyAny>>> {
    api::metrics()
        .into_iter()
        .map(|mut m| {
            let python = NameStyle::Snake.spell(&m.id);
            if python != m.id {
                m.aliases.retain(|a| *a != python);
                let json = std::mem::replace(&mut m.id, python);
                m.aliases.insert(0, json);
            }
            Ok(to_py(py, &m)?)
        })
        .collect()
}

/// A time series as a dict; its `metric` is given in the Python spelling like every other name.
pub(crate) fn series_to_py<'py>(py: Python<'py>, s: &TimeSeries) -> PyResult<Bound<'py, PyAny>> {
    let obj = to_py(py, s)?;
    obj.set_item("metric", NameStyle::Snake.spell(&s.metric))?;
    Ok(obj)
}
