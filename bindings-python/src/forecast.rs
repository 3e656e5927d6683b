//! Forecasting from Python (core `api::forecast`): `forecast_series` on any sequence of numbers,
//! `forecast_batch` on many, and the forecast methods of `Engine` (a catalog metric's daily series,
//! stored forecasts) in a `#[pymethods]` block of their own (pyo3's `multiple-pymethods`). The options are built as JSON and read by the core (`request.rs`), which
//! decides every default and bound; the values are read straight into floats (a sequence, a NumPy
//! array or a pandas Series: anything iterable of numbers), where `None` and NaN are missing values,
//! as pandas writes them.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use serde_json::Value;

use halobuzz_analytics::api::{
    ForecastBatchRequest, ForecastRequest, SeriesForecastRequest, StoredForecastsRequest,
};

use halobuzz_analytics::api::forecast::MAX_BATCH_SERIES;
use halobuzz_analytics::Error;

use crate::convert::to_py;
use crate::engine::PyEngine;
use crate::error::to_py_err;
use crate::request::{date, decode, int, json, put, Object, RANGE, SAME};
use crate::run::{compute, frame};

/// The options of one series besides its values.
pub(crate) struct SeriesArgs<'py> {
    pub horizon: i128,
    pub season_length: Option<Bound<'py, PyAny>>,
    pub levels: Option<Bound<'py, PyAny>>,
    pub method: Option<String>,
    pub validation_origins: Option<i128>,
    pub calibrate: Option<bool>,
    pub fill: Option<String>,
    pub dates: Option<Bound<'py, PyAny>>,
    pub id: Option<String>,
}

/// The values as floats: `None`, NaN and pandas' `NA` missing; anything else must convert to a float.
pub(crate) fn values(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Vec<Option<f64>>> {
    if v.is_instance_of::<pyo3::types::PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{name}: expected a sequence of numbers, got str"
        )));
    }
    let mut out = Vec::new();
    for (i, item) in v.try_iter()?.enumerate() {
        let item = item?;
        if item.is_none() {
            out.push(None);
            continue;
        }
        // pandas' NA (a nullable `Float64` or `Int64` column's missing value) converts to no float.
        if item.get_type().name().is_ok_and(|n| n == "NAType") {
            out.push(None);
            continue;
        }
        let x: f64 = item.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "{name}[{i}]: expected a number or None, got {}",
                item.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        out.push((!x.is_nan()).then_some(x));
    }
    Ok(out)
}

/// The request of one series (`values` read separately: see [`values`]).
pub(crate) fn series_request(
    values_arg: &Bound<'_, PyAny>,
    args: SeriesArgs<'_>,
) -> PyResult<SeriesForecastRequest> {
    let mut o = Object::new();
    o.insert("values".to_owned(), Value::Array(Vec::new()));
    o.insert("horizon".to_owned(), crate::request::int(args.horizon));
    if let Some(s) = &args.season_length {
        o.insert("season_length".to_owned(), json("season_length", s)?);
    }
    if let Some(l) = &args.levels {
        o.insert("levels".to_owned(), json("levels", l)?);
    }
    put(&mut o, "method", args.method.map(Value::String));
    put(
        &mut o,
        "validation_origins",
        args.validation_origins.map(crate::request::int),
    );
    put(&mut o, "calibrate", args.calibrate.map(Value::Bool));
    put(&mut o, "fill", args.fill.map(Value::String));
    put(&mut o, "id", args.id.map(Value::String));
    if let Some(d) = &args.dates {
        let days = d
            .try_iter()?
            .map(|x| date("dates", &x?))
            .collect::<PyResult<Vec<Value>>>()?;
        o.insert("dates".to_owned(), Value::Array(days));
    }
    let mut request: SeriesForecastRequest = decode("forecast", o, SAME)?;
    request.values = values("values", values_arg)?;
    Ok(request)
}

/// Forecasts one series: a dict with ``point``, ``intervals`` (``level``, ``lower``, ``upper``),
/// ``dates`` (with ``dates`` given), ``model`` (``method``, ``name``, ``interval_method``,
/// ``season_lengths``, ``fitted``), ``validation``, ``calibration``, ``summary``, ``filled`` and
/// ``notes``. See ``forecast`` for a DataFrame.
#[pyfunction]
#[pyo3(signature = (values, horizon, season_length=None, levels=None, method=None, validation_origins=None, calibrate=None, fill=None, dates=None, id=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn forecast_series<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyAny>,
    horizon: i128,
    season_length: Option<Bound<'py, PyAny>>,
    levels: Option<Bound<'py, PyAny>>,
    method: Option<String>,
    validation_origins: Option<i128>,
    calibrate: Option<bool>,
    fill: Option<String>,
    dates: Option<Bound<'py, PyAny>>,
    id: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let request = series_request(
        values,
        SeriesArgs {
            horizon,
            season_length,
            levels,
            method,
            validation_origins,
            calibrate,
            fill,
            dates,
            id,
        },
    )?;
    let result = compute(py, || request.run())?;
    Ok(to_py(py, &result)?)
}

/// Forecasts many series in parallel: ``series`` is a list of dicts with the arguments of
/// ``forecast_series`` (``values``, ``horizon``, ``id``, ``season_length``, ...). Returns a dict with
/// ``forecasts`` (in order, failed series left out) and ``failures`` (``index``, ``id``, ``code``,
/// ``message``).
#[pyfunction]
#[pyo3(signature = (series, threads=None))]
pub(crate) fn forecast_batch<'py>(
    py: Python<'py>,
    series: &Bound<'py, PyAny>,
    threads: Option<i128>,
) -> PyResult<Bound<'py, PyAny>> {
    // Bounded before any series is read: a list of millions is refused at once, as the core would.
    if let Ok(n) = series.len() {
        if n > MAX_BATCH_SERIES {
            return Err(to_py_err(Error::invalid_argument(
                "series",
                format!("has {n} series; at most {MAX_BATCH_SERIES} are accepted"),
            )));
        }
    }
    let mut requests = Vec::new();
    for (i, item) in series.try_iter()?.enumerate() {
        let item = item?;
        let dict = item.cast::<pyo3::types::PyDict>().map_err(|_| {
            PyTypeError::new_err(format!(
                "series[{i}]: expected a dict of forecast_series arguments"
            ))
        })?;
        let get = |k: &str| -> PyResult<Option<Bound<'py, PyAny>>> {
            Ok(dict.get_item(k)?.filter(|v| !v.is_none()))
        };
        let values_arg = get("values")?
            .ok_or_else(|| PyTypeError::new_err(format!("series[{i}]: `values` is required")))?;
        let horizon: i128 = get("horizon")?
            .ok_or_else(|| PyTypeError::new_err(format!("series[{i}]: `horizon` is required")))?
            .extract()?;
        for key in dict.keys() {
            let k: String = key.extract()?;
            if ![
                "values",
                "horizon",
                "season_length",
                "levels",
                "method",
                "validation_origins",
                "calibrate",
                "fill",
                "dates",
                "id",
            ]
            .contains(&k.as_str())
            {
                return Err(PyTypeError::new_err(format!(
                    "series[{i}]: unknown argument `{k}`"
                )));
            }
        }
        let args = SeriesArgs {
            horizon,
            season_length: get("season_length")?,
            levels: get("levels")?,
            method: get("method")?.map(|v| v.extract()).transpose()?,
            validation_origins: get("validation_origins")?
                .map(|v| v.extract())
                .transpose()?,
            calibrate: get("calibrate")?.map(|v| v.extract()).transpose()?,
            fill: get("fill")?.map(|v| v.extract()).transpose()?,
            dates: get("dates")?,
            id: get("id")?.map(|v| v.extract()).transpose()?,
        };
        requests.push(series_request(&values_arg, args)?);
    }
    let mut o = Object::new();
    o.insert("series".to_owned(), Value::Array(Vec::new()));
    put(&mut o, "threads", threads.map(crate::request::int));
    let mut batch: ForecastBatchRequest = decode("forecast_batch", o, SAME)?;
    batch.series = requests;
    let result = compute(py, || batch.run())?;
    Ok(to_py(py, &result)?)
}

/// The options of a metric forecast besides the metric.
pub(crate) struct MetricArgs<'py> {
    pub horizon: Option<i128>,
    pub country: String,
    pub start: Option<Bound<'py, PyAny>>,
    pub end: Option<Bound<'py, PyAny>>,
    pub season_length: Option<Bound<'py, PyAny>>,
    pub levels: Option<Bound<'py, PyAny>>,
    pub method: Option<String>,
    pub validation_origins: Option<i128>,
    pub calibrate: Option<bool>,
    pub store: bool,
}

/// The request of `Engine.forecast` (`start`/`end` are the request's `from`/`to`).
fn metric_request(metric: &str, a: MetricArgs<'_>) -> PyResult<ForecastRequest> {
    let mut o = Object::new();
    o.insert("metric".to_owned(), Value::String(metric.to_owned()));
    o.insert("country".to_owned(), Value::String(a.country));
    o.insert("store".to_owned(), Value::Bool(a.store));
    put(&mut o, "horizon", a.horizon.map(int));
    put(
        &mut o,
        "from",
        a.start.map(|d| date("start", &d)).transpose()?,
    );
    put(&mut o, "to", a.end.map(|d| date("end", &d)).transpose()?);
    if let Some(s) = &a.season_length {
        o.insert("season_length".to_owned(), json("season_length", s)?);
    }
    if let Some(l) = &a.levels {
        o.insert("levels".to_owned(), json("levels", l)?);
    }
    put(&mut o, "method", a.method.map(Value::String));
    put(&mut o, "validation_origins", a.validation_origins.map(int));
    put(&mut o, "calibrate", a.calibrate.map(Value::Bool));
    decode("forecast", o, RANGE)
}

#[pymethods]
impl PyEngine {
    /// Forecasts ``metric``'s daily series (a catalog id in either spelling) ``horizon`` days ahead
    /// (default 14, at most 366) for ``country``, from the history ``start..=end`` (default: the 730
    /// days up to the last settled day; days before the metric's first non-zero value are left
    /// out). ``season_length`` is one period or a list (default 7 and 365), ``levels`` the interval
    /// levels in % (default 80 and 95), ``method`` ``"auto"`` (default), ``"mstl"``, ``"ets"``,
    /// ``"combination"``, ``"seasonalNaive"``, ``"naive"``, ``"drift"`` or ``"mean"``;
    /// ``validation_origins`` (default 3) and ``calibrate`` (default True) as in
    /// :func:`forecast_series`. ``store=True`` also writes it to ``analyticsforecasts``. Returns the
    /// stored document's dict: ``predictions`` (``date``, ``value``, ``intervals``), ``model``,
    /// ``accuracy``, ``validation``, ``calibration``, ``summary``, ``notes``, ...
    #[pyo3(signature = (metric, horizon=None, country="ALL", start=None, end=None, season_length=None, levels=None, method=None, validation_origins=None, calibrate=None, store=false))]
    #[allow(clippy::too_many_arguments)]
    fn forecast<'py>(
        &self,
        py: Python<'py>,
        metric: &str,
        horizon: Option<i128>,
        country: &str,
        start: Option<Bound<'py, PyAny>>,
        end: Option<Bound<'py, PyAny>>,
        season_length: Option<Bound<'py, PyAny>>,
        levels: Option<Bound<'py, PyAny>>,
        method: Option<String>,
        validation_origins: Option<i128>,
        calibrate: Option<bool>,
        store: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = metric_request(
            metric,
            MetricArgs {
                horizon,
                country: country.to_owned(),
                start,
                end,
                season_length,
                levels,
                method,
                validation_origins,
                calibrate,
                store,
            },
        )?;
        let result = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &result)?)
    }

    /// :meth:`forecast` as a DataFrame: one row per day, ``date`` (datetime64[ns]), ``forecast``,
    /// then ``lo_<level>`` and ``hi_<level>`` per level (``lo_80``, ``hi_80``, ...); ``attrs`` hold
    /// the metric, country, unit, history, ``model`` (name), ``method``, ``accuracy``, ``summary`` and
    /// ``notes``.
    #[pyo3(signature = (metric, horizon=None, country="ALL", start=None, end=None, season_length=None, levels=None, method=None, validation_origins=None, calibrate=None, store=false))]
    #[allow(clippy::too_many_arguments)]
    fn forecast_frame<'py>(
        &self,
        py: Python<'py>,
        metric: &str,
        horizon: Option<i128>,
        country: &str,
        start: Option<Bound<'py, PyAny>>,
        end: Option<Bound<'py, PyAny>>,
        season_length: Option<Bound<'py, PyAny>>,
        levels: Option<Bound<'py, PyAny>>,
        method: Option<String>,
        validation_origins: Option<i128>,
        calibrate: Option<bool>,
        store: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let result = self.forecast(
            py,
            metric,
            horizon,
            country,
            start,
            end,
            season_length,
            levels,
            method,
            validation_origins,
            calibrate,
            store,
        )?;
        frame(py, "metric_forecast_frame", (result,))
    }

    /// The forecasts stored by :meth:`forecast` with ``store=True``, oldest history first: only
    /// ``metric``'s, ``country``'s, and those whose history ends within ``start..=end``, when given.
    #[pyo3(signature = (metric=None, country=None, start=None, end=None))]
    fn stored_forecasts<'py>(
        &self,
        py: Python<'py>,
        metric: Option<String>,
        country: Option<String>,
        start: Option<Bound<'py, PyAny>>,
        end: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut o = Object::new();
        put(&mut o, "metric", metric.map(Value::String));
        put(&mut o, "country", country.map(Value::String));
        put(
            &mut o,
            "from",
            start.map(|d| date("start", &d)).transpose()?,
        );
        put(&mut o, "to", end.map(|d| date("end", &d)).transpose()?);
        let request: StoredForecastsRequest = decode("query", o, RANGE)?;
        let result = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &result)?)
    }
}
