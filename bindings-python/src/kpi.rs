//! KPI arguments and results (core `kpi/`): countries, metric paths in either spelling, time series and
//! rollups as Python objects.

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use halobuzz_analytics::kpi::timeseries::metric_paths as core_metric_paths;
use halobuzz_analytics::kpi::{CountryFilter, DailyRollup, KpiReport, TimeSeries};

use crate::convert::{snake_case, to_py};
use crate::error::{invalid_input, ResultExt};

/// `"ALL"`, `"UNKNOWN"` or an ISO-3166 alpha-2 code in any case.
pub(crate) fn country_arg(value: &str) -> PyResult<CountryFilter> {
    value.parse::<CountryFilter>().or_raise()
}

/// One country or several (`Engine.kpis_frame`).
#[derive(FromPyObject)]
pub(crate) enum CountryArg {
    /// `"NP"`.
    One(String),
    /// `["NP", "IN"]`.
    Many(Vec<String>),
}

impl CountryArg {
    /// The country filters, in the order given.
    pub(crate) fn filters(&self) -> PyResult<Vec<CountryFilter>> {
        match self {
            CountryArg::One(c) => Ok(vec![country_arg(c)?]),
            CountryArg::Many(cs) => cs.iter().map(|c| country_arg(c)).collect(),
        }
    }
}

/// Every numeric metric path, in the core's spelling and in Python's, index for index.
struct MetricPaths {
    core: Vec<String>,
    python: Vec<String>,
}

fn paths() -> &'static MetricPaths {
    static PATHS: OnceLock<MetricPaths> = OnceLock::new();
    PATHS.get_or_init(|| {
        let core = core_metric_paths();
        let python = core.iter().map(|p| snake_path(p)).collect();
        MetricPaths { core, python }
    })
}

/// A dotted path with every segment in snake_case: `revenue.byOGTier.tier1` → `revenue.by_og_tier.tier1`.
fn snake_path(path: &str) -> String {
    path.split('.')
        .map(snake_case)
        .collect::<Vec<_>>()
        .join(".")
}

/// The metric paths in the Python spelling (`engagement.avg_session_duration`), in report order
/// (revenue, engagement, monetization, …, as a report dict lists its fields).
pub(crate) fn metric_paths(py: Python<'_>) -> PyResult<Vec<String>> {
    // The core lists its paths sorted (it walks a `serde_json::Value`, whose maps are sorted); a report
    // converted to Python keeps the struct order, so the paths are ordered by a walk of the example.
    let example = to_py(py, &KpiReport::example())?;
    let mut walked = Vec::new();
    walk(&example, String::new(), &mut walked)?;
    let known = &paths().python;
    let mut out: Vec<String> = walked.into_iter().filter(|p| known.contains(p)).collect();
    out.extend(
        known
            .iter()
            .filter(|p| !out.contains(p))
            .cloned()
            .collect::<Vec<_>>(),
    );
    Ok(out)
}

fn walk(value: &Bound<'_, PyAny>, prefix: String, out: &mut Vec<String>) -> PyResult<()> {
    if let Ok(dict) = value.cast::<PyDict>() {
        for (k, v) in dict.iter() {
            let k: String = k.extract()?;
            let path = if prefix.is_empty() {
                k
            } else {
                format!("{prefix}.{k}")
            };
            walk(&v, path, out)?;
        }
    } else {
        out.push(prefix);
    }
    Ok(())
}

/// A metric path given in either spelling, as the core spells it; an `InvalidInputError` listing the
/// Python spellings when it names no numeric field.
pub(crate) fn metric_arg(path: &str) -> PyResult<String> {
    let p = paths();
    let path = path.trim();
    if p.core.iter().any(|c| c == path) {
        return Ok(path.to_owned());
    }
    p.python
        .iter()
        .position(|s| s == path)
        .map(|i| p.core[i].clone())
        .ok_or_else(|| {
            invalid_input(
                "metric",
                format!(
                    "`{path}` is not a numeric metric path; use one of: {}",
                    p.python.join(", ")
                ),
            )
        })
}

/// A time series as a dict; its `metric` is given in the Python spelling like every other name.
pub(crate) fn series_to_py<'py>(py: Python<'py>, s: &TimeSeries) -> PyResult<Bound<'py, PyAny>> {
    let obj = to_py(py, s)?;
    obj.set_item("metric", snake_path(&s.metric))?;
    Ok(obj)
}

/// Rollups as dicts: the stored document with its distinct sets (user, payer, host, round ids…)
/// replaced by their sizes. Raw user ids never leave the engine (`privacy.rs`); the sizes are what a
/// reader checks (`active` is the day's active users).
pub(crate) fn rollups_to_py<'py>(
    py: Python<'py>,
    rollups: &[DailyRollup],
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    rollups
        .iter()
        .map(|r| {
            let obj = to_py(py, r)?;
            let facts = obj.get_item("facts")?.cast_into::<PyDict>()?;
            let f = &r.facts;
            for (key, size) in [
                ("active", f.active.len()),
                ("payers", f.payers.len()),
                ("og_buyers", f.og_buyers.len()),
                ("players", f.players.len()),
                ("signups", f.signups.len()),
                ("new_hosts", f.new_hosts.len()),
                ("hosts", f.hosts.len()),
                ("rounds", f.rounds.len()),
            ] {
                facts.set_item(key, size)?;
            }
            Ok(obj)
        })
        .collect()
}
