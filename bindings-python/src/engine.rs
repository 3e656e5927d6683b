//! `Engine`: the Python face of the core [`Engine`] (core `engine.rs`).
//!
//! Every computing call runs with the GIL released (`py.detach`) and with panics caught, so a bug
//! surfaces as an `AnalyticsError` (`INTERNAL_ERROR`) instead of tearing down the Jupyter kernel.
//! The `*_frame` methods compute the same result and hand it to `halobuzz_analytics._frames`, which
//! imports pandas lazily.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use halobuzz_analytics::calendar::DateRange;
use halobuzz_analytics::generate::{generate, GenerationManifest};
use halobuzz_analytics::kpi::KpiReport;
use halobuzz_analytics::store::InMemoryStoreBuilder;
use halobuzz_analytics::{BackfillProgress, BackfillSummary, Engine, Result};

use crate::calendar::{date_arg, granularity_arg, range_arg};
use crate::config::{config_dict, ConfigArgs};
use crate::convert::to_py;
use crate::error::{internal_error, ResultExt};
use crate::generate::GeneratorArgs;
use crate::kpi::{country_arg, metric_arg, metric_paths, rollups_to_py, series_to_py, CountryArg};

/// Runs `f` with the GIL released, turning a core error or a panic into a Python exception.
pub(crate) fn compute<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T> + Send,
) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(result) => result.or_raise(),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            Err(internal_error(message))
        }
    }
}

/// Calls `halobuzz_analytics._frames.<name>(*args)`, which builds a `pandas.DataFrame`.
fn frame<'py>(
    py: Python<'py>,
    name: &str,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("halobuzz_analytics._frames")?
        .getattr(name)?
        .call1(args)
}

/// The analytics engine over one dataset: KPIs, time series, rollups and the data-quality report.
///
/// Create it with :meth:`Engine.from_directory` (a mongoexport directory) or :meth:`Engine.generate`
/// (a seeded synthetic dataset). Results are plain dicts and lists whose keys are the field names of
/// the JSON contract in snake_case (``byOGTier`` becomes ``by_og_tier``); dates in results are
/// ``'YYYY-MM-DD'`` strings, as in the JSON. The ``*_frame`` methods return pandas DataFrames.
///
/// Dates given to methods are ``datetime.date`` objects or ``'YYYY-MM-DD'`` strings: local days of
/// the reporting time zone, ranges inclusive at both ends. Computing methods release the GIL.
/// An engine may be shared between threads; calls that use the stored rollups (everything but
/// :meth:`kpis_from_raw`, :meth:`quality_report` and the constructors) run one at a time per engine.
#[pyclass(frozen, name = "Engine", module = "halobuzz_analytics")]
pub(crate) struct PyEngine {
    inner: Engine,
    manifest: Option<GenerationManifest>,
}

impl PyEngine {
    fn new(engine: Engine, manifest: Option<GenerationManifest>) -> Self {
        PyEngine {
            inner: engine,
            manifest,
        }
    }
}

#[pymethods]
impl PyEngine {
    /// Loads a directory of mongoexport files (``<collection>.json`` / ``.ndjson``, optionally ``.gz``).
    ///
    /// A ``mongodb://`` or ``mongodb+srv://`` URI instead of a directory connects to that database (the
    /// URI's path, else ``halobuzz``); rollups are then written to its ``analyticsdailykpis``, and an
    /// unreachable server raises :class:`StorageError`.
    ///
    /// Invalid and duplicate documents are skipped and counted in :meth:`quality_report`.
    /// The configuration starts from the environment variables of the previous service
    /// (``REPORTS_TZ``, ``ANALYTICS_APP_ID``, ``USD_TO_NPR``, ``ANALYTICS_PSEUDONYM_KEY``,
    /// ``ALERT_*``) unless ``read_env=False``; keyword arguments override them:
    ///
    /// - ``timezone``: IANA reporting time zone (default ``Australia/Sydney``);
    /// - ``app_id``: application id of the rollup keys (default ``halobuzz``);
    /// - ``usd_to_npr``: NPR per USD, exact (``"133.5"``, ``133.5`` or a ``Decimal``); no default:
    ///   a report that meets USD amounts without a rate raises :class:`InvalidInputError`;
    /// - ``pseudonym_key``: key of the keyed hash that pseudonymises user ids in results;
    /// - ``reveal_user_ids``: put raw user ids in results instead of pseudonyms (default ``False``);
    /// - ``alerts``: alert thresholds, a dict with any of ``drop_pct``, ``payer_drop_pct``,
    ///   ``abuse_threshold``, ``infra_threshold``, ``churn_threshold``, ``engagement_drop_pct``.
    ///
    /// Raises :class:`DataError` when ``path`` is not a data directory or a file cannot be read,
    /// :class:`InvalidInputError` for an invalid option.
    #[staticmethod]
    #[pyo3(signature = (
        path, *, timezone=None, app_id=None, usd_to_npr=None, pseudonym_key=None,
        reveal_user_ids=None, alerts=None, read_env=true
    ))]
    #[allow(clippy::too_many_arguments)]
    fn from_directory(
        py: Python<'_>,
        path: PathBuf,
        timezone: Option<String>,
        app_id: Option<String>,
        usd_to_npr: Option<Bound<'_, PyAny>>,
        pseudonym_key: Option<String>,
        reveal_user_ids: Option<bool>,
        alerts: Option<Bound<'_, PyDict>>,
        read_env: bool,
    ) -> PyResult<Self> {
        let config = ConfigArgs {
            timezone,
            app_id,
            usd_to_npr,
            pseudonym_key,
            reveal_user_ids,
            alerts,
            read_env,
        }
        .build()?;
        let store = compute(py, || crate::load::open(&path))?;
        Ok(PyEngine::new(Engine::new(store, config), None))
    }

    /// Generates a seeded synthetic HaloBuzz dataset in memory and returns an engine over it.
    ///
    /// The same options always generate the same documents. Generator options (``None`` keeps the
    /// engine's default):
    ///
    /// - ``users``: users in total, including those who signed up before the window (2000);
    /// - ``days``: days of activity (60);
    /// - ``seed``: the random seed (42);
    /// - ``start``: first day (a UTC date); by default ``days // 2`` days before 2026-04-05, so that the
    ///   window crosses the Australia/Sydney daylight-saving change;
    /// - ``revenue_drop``: ``{"day": date, "pct": 45.0}`` or ``(day, pct)``: that share of the
    ///   money-paying transactions of that day is not made;
    /// - ``invalid_rate`` (0.002) and ``duplicate_rate`` (0.0005): shares (0-0.5) of extra invalid and
    ///   duplicate documents per collection, skipped and counted in :meth:`quality_report`.
    ///
    /// The configuration keywords are those of :meth:`from_directory`. The window generated is in
    /// :attr:`generation_manifest`. Raises :class:`InvalidInputError` for an invalid option.
    #[staticmethod]
    #[pyo3(signature = (
        *, users=None, days=None, seed=None, start=None, revenue_drop=None, invalid_rate=None,
        duplicate_rate=None, timezone=None, app_id=None, usd_to_npr=None, pseudonym_key=None,
        reveal_user_ids=None, alerts=None, read_env=true
    ))]
    #[allow(clippy::too_many_arguments)]
    fn generate(
        py: Python<'_>,
        users: Option<Bound<'_, PyAny>>,
        days: Option<Bound<'_, PyAny>>,
        seed: Option<Bound<'_, PyAny>>,
        start: Option<Bound<'_, PyAny>>,
        revenue_drop: Option<Bound<'_, PyAny>>,
        invalid_rate: Option<f64>,
        duplicate_rate: Option<f64>,
        timezone: Option<String>,
        app_id: Option<String>,
        usd_to_npr: Option<Bound<'_, PyAny>>,
        pseudonym_key: Option<String>,
        reveal_user_ids: Option<bool>,
        alerts: Option<Bound<'_, PyDict>>,
        read_env: bool,
    ) -> PyResult<Self> {
        let gen = GeneratorArgs {
            users,
            days,
            seed,
            start,
            revenue_drop,
            invalid_rate,
            duplicate_rate,
        }
        .build()?;
        let config = ConfigArgs {
            timezone,
            app_id,
            usd_to_npr,
            pseudonym_key,
            reveal_user_ids,
            alerts,
            read_env,
        }
        .build()?;
        let (store, manifest) = compute(py, || {
            let mut builder = InMemoryStoreBuilder::new();
            let manifest = generate(&gen, &mut builder, &mut |_, _| {})?;
            Ok((builder.build(), manifest))
        })?;
        Ok(PyEngine::new(
            Engine::new(Arc::new(store), config),
            Some(manifest),
        ))
    }

    /// The configuration in effect: ``timezone``, ``app_id``, ``usd_to_npr`` (exact decimal text or
    /// ``None``), ``alerts`` and ``reveal_user_ids``. The pseudonym key is never shown.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        config_dict(py, self.inner.config())
    }

    /// What :meth:`generate` wrote: ``seed``, ``users``, ``days``, ``start`` and ``end`` of the window
    /// (``'YYYY-MM-DD'``), ``revenue_drop`` and per-collection document counts; ``None`` for an engine
    /// loaded from a directory.
    #[getter]
    fn generation_manifest<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.manifest.as_ref().map(|m| to_py(py, m)).transpose()
    }

    /// Computes the rollups of one local day (``ALL`` first, then each country seen) and stores them,
    /// replacing the stored ones. Returns them as dicts; their sets of ids are given as sizes.
    fn rollup_day<'py>(
        &self,
        py: Python<'py>,
        date: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let date = date_arg("date", date)?;
        let rollups = compute(py, || self.inner.rollup_day(date))?;
        rollups_to_py(py, &rollups)
    }

    /// The stored rollups of one local day (``ALL`` first), as :meth:`rollup_day` returns them;
    /// an empty list when the day has not been rolled up.
    fn rollups_of_day<'py>(
        &self,
        py: Python<'py>,
        date: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let date = date_arg("date", date)?;
        let rollups = compute(py, || self.inner.rollups_of_day(date))?;
        rollups_to_py(py, &rollups)
    }

    /// Rolls up every day of ``start..=end``, skipping days that already have a current rollup unless
    /// ``force``. Days not over yet are never stored. Returns ``{"days", "computed", "skipped",
    /// "rollups_written"}``.
    ///
    /// ``progress``, if given, is called after each day with ``{"done", "total", "date", "skipped"}``
    /// (``date`` as ``'YYYY-MM-DD'``), holding the GIL. If it raises, the backfill stops after that day
    /// and the exception propagates unchanged; so does ``KeyboardInterrupt``. Days finished before stay
    /// stored, and running the backfill again resumes where it stopped.
    #[pyo3(signature = (start, end, *, force=false, progress=None))]
    fn backfill<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        force: bool,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let range = range_arg(start, end)?;
        if let Some(p) = &progress {
            if !p.is_callable() {
                return Err(PyTypeError::new_err(
                    "progress: expected a callable taking one dict",
                ));
            }
        }
        // One core backfill per day: the core's progress callback cannot stop a backfill, so this is
        // how a raising callback or Ctrl-C stops it between two days (and how the GIL is re-taken for
        // the callback). Skipping and storing stay the core's decisions.
        let mut summary = BackfillSummary {
            days: range.days() as u64,
            computed: 0,
            skipped: 0,
            rollups_written: 0,
        };
        for (i, date) in range.iter().enumerate() {
            let day = compute(py, || {
                self.inner
                    .backfill(DateRange::day(date), force, &mut |_| {})
            })?;
            summary.computed += day.computed;
            summary.skipped += day.skipped;
            summary.rollups_written += day.rollups_written;
            if let Some(callback) = &progress {
                let p = BackfillProgress {
                    done: i as u64 + 1,
                    total: summary.days,
                    date,
                    skipped: day.skipped > 0,
                };
                callback.call1((to_py(py, &p)?,))?;
            }
            py.check_signals()?;
        }
        to_py(py, &summary)
    }

    /// The KPI report of ``start..=end`` for ``country`` (``"ALL"``, ``"UNKNOWN"`` or an ISO-3166
    /// alpha-2 code such as ``"NP"``): sections ``period``, ``revenue``, ``engagement``,
    /// ``monetization``, ``retention``, ``creators``, ``safety``, ``gaming``, with growth against the
    /// previous period of the same length. Computed from daily rollups; missing finished days are
    /// rolled up and stored first. ``None`` is a ratio or mean with a zero denominator.
    #[pyo3(signature = (start, end, country="ALL"))]
    fn kpis<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (range, country) = (range_arg(start, end)?, country_arg(country)?);
        let report = compute(py, || self.inner.kpis(range, country))?;
        to_py(py, &report)
    }

    /// The same report as :meth:`kpis`, computed straight from the raw records in one pass, without
    /// reading or writing rollups (for checks and one-off questions).
    #[pyo3(signature = (start, end, country="ALL"))]
    fn kpis_from_raw<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (range, country) = (range_arg(start, end)?, country_arg(country)?);
        let report = compute(py, || self.inner.kpis_from_raw(range, country))?;
        to_py(py, &report)
    }

    /// One numeric report field per ``"day"``, ``"week"`` (Monday-started) or ``"month"`` of
    /// ``start..=end``. ``metric`` is a dotted path in either spelling (``"revenue.total"``,
    /// ``"engagement.avg_session_duration"``, ``"engagement.avgSessionDuration"``; see
    /// :func:`metric_paths`). Each bucket is a report of its own days, so ratios are recomputed per
    /// bucket. Returns ``{"metric", "granularity", "country", "from", "to", "points"}``, each point
    /// ``{"period", "from", "to", "value"}``; ``metric`` is given in the snake_case spelling.
    #[pyo3(signature = (metric, start, end, granularity="day", country="ALL"))]
    fn time_series<'py>(
        &self,
        py: Python<'py>,
        metric: &str,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        granularity: &str,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let metric = metric_arg(metric)?;
        let (range, country) = (range_arg(start, end)?, country_arg(country)?);
        let granularity = granularity_arg(granularity)?;
        let series = compute(py, || {
            self.inner.time_series(&metric, range, granularity, country)
        })?;
        series_to_py(py, &series)
    }

    /// The data-quality report: per collection, documents ``read``, ``valid``, ``invalid`` and
    /// ``duplicates``, invalid documents by reason and by field, the date span, the share of documents
    /// without a country, and the rejected documents themselves (``issues``, at most 1000 per
    /// collection).
    fn quality_report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = compute(py, || self.inner.quality_report())?;
        to_py(py, &report)
    }

    /// Every numeric metric path accepted by :meth:`time_series`, in snake_case, in report order.
    #[staticmethod]
    fn metric_paths(py: Python<'_>) -> PyResult<Vec<String>> {
        metric_paths(py)
    }

    /// :meth:`time_series` as a ``pandas.DataFrame``: one row per bucket, columns ``period``, ``from``,
    /// ``to`` (``datetime64[ns]``) and ``value`` (``float64``, ``NaN`` where the value is ``None``);
    /// ``metric``, ``granularity`` and ``country`` are in ``DataFrame.attrs``. Needs pandas.
    #[pyo3(signature = (metric, start, end, granularity="day", country="ALL"))]
    fn time_series_frame<'py>(
        &self,
        py: Python<'py>,
        metric: &str,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        granularity: &str,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let series = self.time_series(py, metric, start, end, granularity, country)?;
        frame(py, "time_series_frame", (series,))
    }

    /// :meth:`kpis` as a ``pandas.DataFrame`` with one row per country (``country`` may be a list):
    /// columns ``country``, ``from``, ``to`` (``datetime64[ns]``), then one column per metric path
    /// (:func:`metric_paths`), ``int64`` for counts and ``float64`` otherwise (``NaN`` for ``None``).
    /// Needs pandas.
    #[pyo3(
        signature = (start, end, country=CountryArg::One("ALL".to_owned())),
        text_signature = "($self, start, end, country='ALL')"
    )]
    fn kpis_frame<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        country: CountryArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let range = range_arg(start, end)?;
        let countries = country.filters()?;
        let reports: Vec<KpiReport> = compute(py, || {
            countries
                .iter()
                .map(|c| self.inner.kpis(range, *c))
                .collect()
        })?;
        let reports = PyList::new(
            py,
            reports
                .iter()
                .map(|r| to_py(py, r))
                .collect::<PyResult<Vec<_>>>()?,
        )?;
        frame(py, "kpis_frame", (reports,))
    }

    /// The ``creators.top_creators`` of :meth:`kpis` as a ``pandas.DataFrame``: columns ``rank``,
    /// ``host_id``, ``username``, ``revenue`` (``float64``), ``streams``, ``viewers`` (``int64``).
    /// Needs pandas.
    #[pyo3(signature = (start, end, country="ALL"))]
    fn top_creators_frame<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let report = self.kpis(py, start, end, country)?;
        frame(py, "top_creators_frame", (report,))
    }

    /// A table of :meth:`quality_report` as a ``pandas.DataFrame``. ``table="collections"``: one row
    /// per collection (counts ``int64``, ``first`` and ``last`` dates ``datetime64[ns, UTC]``, country
    /// shares ``float64``); ``"invalid"``: invalid documents by ``collection``, ``field``, ``reason``
    /// (``count``); ``"issues"``: the rejected documents listed. Needs pandas.
    #[pyo3(signature = (table="collections"))]
    fn quality_frame<'py>(&self, py: Python<'py>, table: &str) -> PyResult<Bound<'py, PyAny>> {
        let report = self.quality_report(py)?;
        frame(py, "quality_frame", (report, table))
    }

    fn __repr__(&self) -> String {
        let c = self.inner.config();
        format!(
            "Engine(timezone={:?}, app_id={:?}, usd_to_npr={})",
            c.calendar.tz().name(),
            c.app_id,
            c.usd_to_npr
                .map_or_else(|| "None".to_owned(), |r| format!("{:?}", r.to_string()))
        )
    }
}
