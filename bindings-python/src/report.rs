//! Reports from Python (core `api::report`): `report`, `write_report`, `report_content`,
//! `report_frame`, `reports` and `report_file` in a `#[pymethods]` block of their own. The keyword
//! arguments are built into the core's `ReportRequest` / `ReportsRequest` as JSON (`request.rs`; `start`
//! and `end` are the request's `from` and `to`), which decides every default (format `pdf`, `at` today)
//! and checks the period, days, format, country and `store`. The computation, the rendering (whatever
//! the format: the binding only receives bytes) and writing a file run with the GIL released.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use serde_json::Value;

use halobuzz_analytics::api::{ReportInfo, ReportRequest, ReportsRequest};
use halobuzz_analytics::GeneratedReport;

use crate::convert::to_py;
use crate::engine::PyEngine;
use crate::request::{date, decode, int, put, raise, Object, RANGE};
use crate::run::{compute, frame, with_day_progress};

/// The report request of the keyword arguments (`None`: not given).
#[allow(clippy::too_many_arguments)]
fn report_request(
    period: &str,
    start: Option<&Bound<'_, PyAny>>,
    end: Option<&Bound<'_, PyAny>>,
    at: Option<&Bound<'_, PyAny>>,
    format: Option<String>,
    country: Option<String>,
    store: bool,
    forecast: Option<bool>,
) -> PyResult<ReportRequest> {
    let mut o = Object::new();
    o.insert("period".to_owned(), Value::String(period.to_owned()));
    put(&mut o, "from", start.map(|d| date("start", d)).transpose()?);
    put(&mut o, "to", end.map(|d| date("end", d)).transpose()?);
    put(&mut o, "at", at.map(|d| date("at", d)).transpose()?);
    put(&mut o, "format", format.map(Value::String));
    put(&mut o, "country", country.map(Value::String));
    o.insert("store".to_owned(), Value::Bool(store));
    put(&mut o, "forecast", forecast.map(Value::Bool));
    decode("report", o, RANGE)
}

/// The request with its period resolved against `engine` (no data is read), so that a refused period
/// is raised at once, naming the Python parameter (`start` for the request's `from`).
fn resolved(
    engine: &halobuzz_analytics::Engine,
    request: ReportRequest,
) -> PyResult<ReportRequest> {
    request.resolve(engine).map_err(|e| raise(e, RANGE))?;
    Ok(request)
}

/// `ReportInfo` as a dict (`file_name`, `mime_type`, `stored`, `record`).
fn info<'py>(py: Python<'py>, report: &GeneratedReport) -> PyResult<Bound<'py, PyDict>> {
    let d = to_py(py, &ReportInfo::from(report))?;
    Ok(d.cast_into::<PyDict>()?)
}

#[pymethods]
impl PyEngine {
    /// Produces the report of a period and returns it as a dict: ``file_name``
    /// (``halobuzz-<period>-<from>-<to>.<ext>``), ``mime_type``, ``stored``, ``record`` (the
    /// ``analyticsreports`` record, stored or as it would be stored) and ``data``, the file's
    /// ``bytes``.
    ///
    /// ``period`` is ``"daily"`` (the day before ``at``), ``"weekly"`` (the last Monday-Sunday week
    /// ended before ``at``), ``"monthly"`` (the last calendar month ended before ``at``) or
    /// ``"custom"`` (``start``..=``end``, which go with a custom period only); ``at`` defaults to
    /// today by the engine's clock. ``format`` is ``"pdf"`` (default), ``"xlsx"``, ``"csv"`` or
    /// ``"json"``; ``country`` ``"ALL"`` (default), ``"UNKNOWN"`` or an ISO-3166 alpha-2 code.
    /// ``store=True`` also writes the file to the configured ``reports_dir`` and its record (without
    /// one it raises :class:`InvalidInputError`). The period is compared with the one just before it.
    ///
    /// Days the report reads that are not rolled up yet are rolled up first; ``progress``, if given,
    /// is called after each with ``{"done", "total", "date", "skipped"}`` as in :meth:`backfill`.
    /// Returning ``False`` (or Ctrl-C) stops it: :class:`InvalidInputError` with code ``CANCELLED``
    /// (the days rolled up until then stay stored).
    #[pyo3(signature = (period, *, start=None, end=None, at=None, format=None, country=None, store=false, forecast=None, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn report<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        start: Option<Bound<'py, PyAny>>,
        end: Option<Bound<'py, PyAny>>,
        at: Option<Bound<'py, PyAny>>,
        format: Option<String>,
        country: Option<String>,
        store: bool,
        forecast: Option<bool>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = report_request(
            period,
            start.as_ref(),
            end.as_ref(),
            at.as_ref(),
            format,
            country,
            store,
            forecast,
        )?;
        let request = resolved(&self.inner, request)?;
        let report =
            with_day_progress(py, progress, |p| request.run_with_progress(&self.inner, p))?;
        let d = info(py, &report)?;
        d.set_item("data", PyBytes::new(py, &report.bytes))?;
        Ok(d.into_any())
    }

    /// Produces a report as :meth:`report` does and writes it to ``path``: that file, or, when
    /// ``path`` is an existing directory, the report's own file name in it. Returns the dict of
    /// :meth:`report` without ``data`` and with ``path``, the file written (a ``str``); ``progress``
    /// as in :meth:`report`.
    #[pyo3(signature = (path, period, *, start=None, end=None, at=None, format=None, country=None, store=false, forecast=None, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn write_report<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        period: &str,
        start: Option<Bound<'py, PyAny>>,
        end: Option<Bound<'py, PyAny>>,
        at: Option<Bound<'py, PyAny>>,
        format: Option<String>,
        country: Option<String>,
        store: bool,
        forecast: Option<bool>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = report_request(
            period,
            start.as_ref(),
            end.as_ref(),
            at.as_ref(),
            format,
            country,
            store,
            forecast,
        )?;
        let request = resolved(&self.inner, request)?;
        let (report, written) = with_day_progress(py, progress, |p| {
            let report = request.run_with_progress(&self.inner, p)?;
            let written = report.write_to(&path)?;
            Ok((report, written))
        })?;
        let d = info(py, &report)?;
        d.set_item("path", written.to_string_lossy())?;
        Ok(d.into_any())
    }

    /// What the report of a period shows, as a dict (the arguments of :meth:`report` but ``format``
    /// and ``store``): ``title``, ``period``, ``from``, ``to``, ``previous_from``, ``previous_to``,
    /// ``as_of``, ``generated_at``, ``timezone``, ``country``, ``currency``, ``summary``,
    /// ``sections`` (the KPI tables: ``section``, ``title``, ``rows`` of ``metric``, ``label``,
    /// ``unit``, ``value``, ``previous``, ``change_pct``, ``higher_is_better``), ``daily``,
    /// ``payment_methods``, ``top_creators``, ``cohorts``, ``alerts``, ``forecast`` and ``notes``.
    #[pyo3(signature = (period, *, start=None, end=None, at=None, country=None, forecast=None))]
    #[allow(clippy::too_many_arguments)]
    fn report_content<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        start: Option<Bound<'py, PyAny>>,
        end: Option<Bound<'py, PyAny>>,
        at: Option<Bound<'py, PyAny>>,
        country: Option<String>,
        forecast: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = report_request(
            period,
            start.as_ref(),
            end.as_ref(),
            at.as_ref(),
            None,
            country,
            false,
            forecast,
        )?;
        let request = resolved(&self.inner, request)?;
        let content = compute(py, || request.content(&self.inner))?;
        Ok(to_py(py, &content)?)
    }

    /// The KPI tables of :meth:`report_content` as a DataFrame: one row per metric, ``section``,
    /// ``metric``, ``label``, ``unit``, ``value``, ``previous``, ``change_pct`` (float64, NaN for no
    /// data) and ``higher_is_better``; ``attrs`` hold the period, its days and the summary.
    #[pyo3(signature = (period, *, start=None, end=None, at=None, country=None))]
    fn report_frame<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        start: Option<Bound<'py, PyAny>>,
        end: Option<Bound<'py, PyAny>>,
        at: Option<Bound<'py, PyAny>>,
        country: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // The KPI tables need no forecast.
        let content = self.report_content(py, period, start, end, at, country, Some(false))?;
        frame(py, "report_kpi_frame", (content,))
    }

    /// The stored reports' records, newest first: only record ``id``, only ``period`` (``"daily"``,
    /// ...), only ``format``, only those covering a day within ``start..=end``, at most ``limit``
    /// (default 100, at most 10,000).
    #[pyo3(signature = (*, id=None, period=None, format=None, start=None, end=None, limit=None))]
    #[allow(clippy::too_many_arguments)]
    fn reports<'py>(
        &self,
        py: Python<'py>,
        id: Option<String>,
        period: Option<String>,
        format: Option<String>,
        start: Option<Bound<'py, PyAny>>,
        end: Option<Bound<'py, PyAny>>,
        limit: Option<i128>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut o = Object::new();
        put(&mut o, "id", id.map(Value::String));
        put(&mut o, "period", period.map(Value::String));
        put(&mut o, "format", format.map(Value::String));
        put(
            &mut o,
            "from",
            start.map(|d| date("start", &d)).transpose()?,
        );
        put(&mut o, "to", end.map(|d| date("end", &d)).transpose()?);
        put(&mut o, "limit", limit.map(int));
        let request: ReportsRequest = decode("filter", o, RANGE)?;
        let records = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &records)?)
    }

    /// A stored report: ``(record, data)``, ``data`` its file's ``bytes``, checked against the
    /// record's size and checksum (a file changed since raises :class:`StorageError`, an unknown id
    /// :class:`InvalidInputError`).
    fn report_file<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyTuple>> {
        let (record, bytes) = compute(py, || self.inner.report_file(id))?;
        let record = to_py(py, &record)?;
        PyTuple::new(py, [record, PyBytes::new(py, &bytes).into_any()])
    }
}
