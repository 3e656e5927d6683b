//! `Engine`: the Python face of the core [`Engine`] (core `engine.rs`), through the request layer
//! (`halobuzz_analytics::api`).
//!
//! Each method translates its Python arguments into a core request (`kpi.rs`, `cohort.rs`,
//! `config.rs`, `generate.rs`), runs it through `run::compute` (GIL released, panics caught) and converts the
//! result (`convert::to_py`). The `*_frame` methods compute the same result and hand it to
//! `halobuzz_analytics._frames` (`run::frame`), which imports pandas lazily.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use halobuzz_analytics::api;
use halobuzz_analytics::generate::GenerationManifest;
use halobuzz_analytics::kpi::KpiReport;
use halobuzz_analytics::Engine;

use crate::cohort::{
    cohort_table_request, lifecycle_request, retention_request, stored_cohorts_request,
};
use crate::config::{config_dict, data_source, ConfigArgs};
use crate::convert::to_py;
use crate::funnel::{funnel_request, FunnelArgs};
use crate::generate::GeneratorArgs;
use crate::hosts::host_request;
use crate::kpi::{
    backfill_request, day_request, kpi_request, metric_paths, metrics, recent_request,
    series_request, series_to_py, CountryArg,
};
use crate::run::{compute, frame, with_day_progress};

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
    pub(crate) inner: Engine,
    pub(crate) manifest: Option<GenerationManifest>,
}

impl PyEngine {
    pub(crate) fn new(engine: Engine, manifest: Option<GenerationManifest>) -> Self {
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
    /// A ``mongodb://`` or ``mongodb+srv://`` URI instead of a directory connects to that database
    /// (``database``, else the URI's path, else ``halobuzz``); rollups are then written to its
    /// ``analyticsdailykpis``, and an unreachable server raises :class:`StorageError`. ``database``
    /// applies only to a URI.
    ///
    /// Invalid and duplicate documents are skipped and counted in :meth:`quality_report`.
    /// The configuration starts from the environment variables of the previous service
    /// (``REPORTS_TZ``, ``ANALYTICS_APP_ID``, ``USD_TO_NPR``, ``ANALYTICS_PSEUDONYM_KEY``,
    /// ``REPORTS_STORAGE_DIR``, ``ANALYTICS_MAX_RANGE_DAYS``, ``ANALYTICS_SETTLE_MINUTES``, ``ALERT_*``) unless
    /// ``read_env=False``; keyword arguments override them:
    ///
    /// - ``timezone``: IANA reporting time zone (default ``Australia/Sydney``);
    /// - ``app_id``: application id of the rollup keys (default ``halobuzz``);
    /// - ``usd_to_npr``: NPR per USD, exact (``"133.5"``, ``133.5`` or a ``Decimal``); no default:
    ///   a report that meets USD amounts without a rate raises :class:`InvalidInputError`;
    /// - ``pseudonym_key``: key of the keyed hash that pseudonymises user ids in results (a secret,
    ///   never shown). There is no built-in key: without one, a report that needs pseudonyms
    ///   (:meth:`kpis`, :meth:`kpis_from_raw`, :meth:`time_series` and their frames) raises
    ///   :class:`InvalidInputError` (argument ``pseudonym_key``), unless ``ephemeral_pseudonym_key``
    ///   or ``reveal_user_ids``;
    /// - ``ephemeral_pseudonym_key``: without a ``pseudonym_key``, use a random key of this process
    ///   (pseudonyms then change with every process: for demos and tests; default ``False``);
    /// - ``reveal_user_ids``: put raw user ids in results instead of pseudonyms (default ``False``);
    /// - ``alerts``: alert thresholds, a dict with any of ``drop_pct``, ``payer_drop_pct``,
    ///   ``abuse_threshold``, ``infra_threshold``, ``churn_threshold``, ``engagement_drop_pct``;
    /// - ``max_range_days``: the longest range a request may span, in days (1-36600; default 3660);
    /// - ``settle_minutes``: minutes after a day's end before it is rolled up (0-10080; default 60);
    /// - ``backfill_concurrency``: how many days a backfill rolls up at once (1-16; default 1);
    /// - ``now``: stop the engine's clock at this instant, an RFC 3339 string
    ///   (``"2026-04-10T00:00:00Z"``) or a timezone-aware ``datetime.datetime`` (a naive one raises
    ///   ``TypeError``): which days are over, and the latest date a request may name (today + 1 in the
    ///   reporting time zone), are then decided as of it, for reproducible runs; by default the
    ///   machine's clock.
    /// - ``reports_dir``: the directory stored reports are written to (:meth:`report` with
    ///   ``store=True``; ``REPORTS_STORAGE_DIR``); without it, reports are produced but not stored.
    ///
    /// Ranges must lie within 2000-01-01 and today + 1 and span at most ``max_range_days``; other
    /// ranges raise :class:`InvalidInputError`.
    ///
    /// Raises :class:`DataError` when ``path`` is not a data directory or a file cannot be read,
    /// :class:`InvalidInputError` for an invalid option (checked before any data is read).
    #[staticmethod]
    #[pyo3(signature = (
        path, *, database=None, read_env=true, timezone=None, app_id=None, usd_to_npr=None,
        pseudonym_key=None, ephemeral_pseudonym_key=false, reveal_user_ids=None, alerts=None,
        max_range_days=None, settle_minutes=None, backfill_concurrency=None, now=None,
        reports_dir=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn from_directory(
        py: Python<'_>,
        path: PathBuf,
        database: Option<String>,
        read_env: bool,
        timezone: Option<String>,
        app_id: Option<String>,
        usd_to_npr: Option<Bound<'_, PyAny>>,
        pseudonym_key: Option<String>,
        ephemeral_pseudonym_key: bool,
        reveal_user_ids: Option<bool>,
        alerts: Option<Bound<'_, PyDict>>,
        max_range_days: Option<i128>,
        settle_minutes: Option<i128>,
        backfill_concurrency: Option<i128>,
        now: Option<Bound<'_, PyAny>>,
        reports_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let options = ConfigArgs {
            read_env,
            timezone,
            app_id,
            usd_to_npr,
            pseudonym_key,
            ephemeral_pseudonym_key,
            reveal_user_ids,
            alerts,
            max_range_days,
            settle_minutes,
            backfill_concurrency,
            now,
            reports_dir,
        }
        .options()?;
        let source = data_source(&path, database.as_deref())?;
        let engine = compute(py, || api::open(&source, options, &|_, _| {}))?;
        Ok(PyEngine::new(engine, None))
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
        duplicate_rate=None, read_env=true, timezone=None, app_id=None, usd_to_npr=None,
        pseudonym_key=None, ephemeral_pseudonym_key=false, reveal_user_ids=None, alerts=None,
        max_range_days=None, settle_minutes=None, backfill_concurrency=None, now=None,
        reports_dir=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn generate(
        py: Python<'_>,
        users: Option<i128>,
        days: Option<i128>,
        seed: Option<i128>,
        start: Option<Bound<'_, PyAny>>,
        revenue_drop: Option<Bound<'_, PyAny>>,
        invalid_rate: Option<f64>,
        duplicate_rate: Option<f64>,
        read_env: bool,
        timezone: Option<String>,
        app_id: Option<String>,
        usd_to_npr: Option<Bound<'_, PyAny>>,
        pseudonym_key: Option<String>,
        ephemeral_pseudonym_key: bool,
        reveal_user_ids: Option<bool>,
        alerts: Option<Bound<'_, PyDict>>,
        max_range_days: Option<i128>,
        settle_minutes: Option<i128>,
        backfill_concurrency: Option<i128>,
        now: Option<Bound<'_, PyAny>>,
        reports_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let request = GeneratorArgs {
            users,
            days,
            seed,
            start,
            revenue_drop,
            invalid_rate,
            duplicate_rate,
        }
        .request()?;
        let options = ConfigArgs {
            read_env,
            timezone,
            app_id,
            usd_to_npr,
            pseudonym_key,
            ephemeral_pseudonym_key,
            reveal_user_ids,
            alerts,
            max_range_days,
            settle_minutes,
            backfill_concurrency,
            now,
            reports_dir,
        }
        .options()?;
        let generated = compute(py, || api::open_generated(request, options))?;
        Ok(PyEngine::new(generated.engine, Some(generated.manifest)))
    }

    /// The configuration in effect: ``timezone``, ``app_id``, ``usd_to_npr`` (exact decimal text or
    /// ``None``), ``alerts``, ``reveal_user_ids``, ``max_range_days``, ``settle_minutes``,
    /// ``backfill_concurrency`` and ``reports_dir`` (``None`` when not configured). The
    /// pseudonym key is never shown.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        config_dict(py, self.inner.config())
    }

    /// What :meth:`generate` wrote: ``seed``, ``users``, ``days``, ``start`` and ``end`` of the window
    /// (``'YYYY-MM-DD'``), ``revenue_drop`` and per-collection document counts; ``None`` for an engine
    /// loaded from a directory.
    #[getter]
    fn generation_manifest<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(self.manifest.as_ref().map(|m| to_py(py, m)).transpose()?)
    }

    /// Computes the rollups of one local day (``ALL`` first, then each country seen) and stores them,
    /// replacing the stored ones. Returns them as dicts: ``app_id``, ``date``, ``country``,
    /// ``timezone``, ``version``, ``computed_at`` and ``facts``, whose sets of ids are given as sizes
    /// (``facts["active"]`` is the day's active users). Raw user ids are in ``user_ids`` only with
    /// ``reveal_user_ids=True``. A day that is not over yet in the reporting time zone (plus
    /// ``settle_minutes``) raises :class:`InvalidInputError`: its rollup would miss what still
    /// arrives (reports compute such days live).
    fn rollup_day<'py>(
        &self,
        py: Python<'py>,
        date: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = day_request(date)?;
        let rollups = compute(py, || request.rollup(&self.inner))?;
        Ok(to_py(py, &rollups)?)
    }

    /// The stored rollups of one local day (``ALL`` first), as :meth:`rollup_day` returns them;
    /// an empty list when the day has not been rolled up.
    fn rollups_of_day<'py>(
        &self,
        py: Python<'py>,
        date: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = day_request(date)?;
        let rollups = compute(py, || request.stored(&self.inner))?;
        Ok(to_py(py, &rollups)?)
    }

    /// Rolls up every day of ``start..=end``, skipping days that already have a current rollup unless
    /// ``force``. Days not over yet are never stored. Returns ``{"days", "computed", "skipped",
    /// "rollups_written", "cancelled"}``.
    ///
    /// ``progress``, if given, is called after each day with ``{"done", "total", "date", "skipped"}``
    /// (``date`` as ``'YYYY-MM-DD'``), holding the GIL. If it returns ``False`` (exactly ``False``;
    /// ``None`` continues), the backfill stops there and returns its summary with ``cancelled``
    /// true. If it raises, the backfill stops after that day and the exception propagates unchanged;
    /// so does ``KeyboardInterrupt``. Only whole days are stored, and running the backfill again
    /// resumes where it stopped.
    #[pyo3(signature = (start, end, *, force=false, progress=None))]
    fn backfill<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        force: bool,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = backfill_request(start, end, force)?;
        let summary = with_day_progress(py, progress, |p| request.run(&self.inner, p))?;
        Ok(to_py(py, &summary)?)
    }

    /// Re-rolls the last ``days`` settled days (the most recent day over, plus the settle delay, and
    /// the days before it), recomputing them even when they have rollups: for documents that arrived
    /// late. ``days`` is 1 to ``max_range_days``. Returns the summary of :meth:`backfill`; ``progress``
    /// works as there (``False`` stops, an exception or ``KeyboardInterrupt`` stops and propagates).
    #[pyo3(signature = (days, *, progress=None))]
    fn backfill_recent<'py>(
        &self,
        py: Python<'py>,
        days: i128,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = recent_request(days)?;
        let summary = with_day_progress(py, progress, |p| request.run(&self.inner, p))?;
        Ok(to_py(py, &summary)?)
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
        let request = kpi_request(start, end, country)?;
        let report = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &report)?)
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
        let request = kpi_request(start, end, country)?;
        let report = compute(py, || request.run_from_raw(&self.inner))?;
        Ok(to_py(py, &report)?)
    }

    /// One metric of the catalog per ``"day"``, ``"week"`` (Monday-started) or ``"month"`` of
    /// ``start..=end``. ``metric`` is a catalog id in either spelling (``"revenue.total"``,
    /// ``"engagement.avg_session_duration"``, ``"engagement.avgSessionDuration"``; see
    /// :func:`metrics`). Each bucket is a report of its own days, so ratios are recomputed per
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
        let request = series_request(metric, start, end, granularity, country)?;
        let series = compute(py, || request.run(&self.inner))?;
        series_to_py(py, &series)
    }

    /// Signup cohorts of ``start..=end`` by ``granularity`` (``"day"``, ``"week"``, Monday-started, or
    /// ``"month"``) for ``country`` (selecting users by ``users.country``), with each cohort's
    /// retention on every day N of ``days`` (a sequence of ints; ``None`` means 1, 3, 7, 14, 30, 60,
    /// 90) counted up to ``as_of`` (``None`` means ``end``). Returns ``{"granularity", "country",
    /// "from", "to", "as_of", "days", "cohorts"}``; each cohort is ``{"cohort_date", "from", "to",
    /// "cohort_size", "cells"}`` and each cell ``{"day", "eligible", "retained", "rate",
    /// "retained_on_or_after", "rate_on_or_after"}``: ``eligible`` members are those whose day N is
    /// not after ``as_of``, ``rate`` the share of them active on their day N and ``rate_on_or_after``
    /// on day N or later, in % (``None`` when no member is eligible yet). Computed from daily
    /// rollups, like :meth:`kpis`.
    #[pyo3(signature = (start, end, as_of=None, granularity="week", country="ALL", days=None))]
    #[allow(clippy::too_many_arguments)]
    fn retention_matrix<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        as_of: Option<Bound<'py, PyAny>>,
        granularity: &str,
        country: &str,
        days: Option<Vec<i128>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = retention_request(
            start,
            end,
            as_of.as_ref(),
            granularity,
            country,
            days.as_deref(),
        )?;
        let matrix = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &matrix)?)
    }

    /// Signup cohorts of ``start..=end`` by ``"day"``, ``"week"`` (Monday-started, the default) or
    /// ``"month"``, for ``country`` (selecting users by ``users.country``): ``cohort_size``,
    /// ``retention`` (``d1`` … ``d90`` in %, ``None`` where no member is old enough), ``revenue``
    /// (NPR from each member's signup to ``as_of``: ``total_revenue``, ``avg_revenue_per_user``,
    /// ``revenue_by_period`` ``week1`` … ``month3``), ``engagement`` and ``engagement_per_member``
    /// (sessions, streams, gifts sent, game plays, messages), ``churned_members`` / ``churn_rate``
    /// (not active in the 30 days ending on ``as_of``), ``creators`` / ``creator_rate`` and
    /// ``mature`` (every member's day 90 is on or before ``as_of``). ``as_of`` defaults to the last
    /// stored day by the engine's clock, or ``end`` if later.
    #[pyo3(signature = (start, end, as_of=None, granularity="week", country="ALL"))]
    fn cohorts<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        as_of: Option<Bound<'py, PyAny>>,
        granularity: &str,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = cohort_table_request(start, end, as_of.as_ref(), granularity, country)?;
        let table = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &table)?)
    }

    /// Writes the cohorts of the periods overlapping ``start..=end`` to ``analyticscohorts`` as of
    /// ``as_of``: cohorts not stored yet or still maturing are recomputed, mature ones are final and
    /// kept. Returns ``{"granularity", "country", "as_of", "written", "kept"}``.
    #[pyo3(signature = (start, end, as_of=None, granularity="week", country="ALL"))]
    fn refresh_cohorts<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        as_of: Option<Bound<'py, PyAny>>,
        granularity: &str,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = cohort_table_request(start, end, as_of.as_ref(), granularity, country)?;
        let done = compute(py, || request.refresh(&self.inner))?;
        Ok(to_py(py, &done)?)
    }

    /// The stored ``analyticscohorts`` documents whose ``cohort_date`` is in ``start..=end``:
    /// ``{"granularity", "country", "cohorts"}``, each document with its ``as_of``, ``computed_at``
    /// and ``row`` (a row of :meth:`cohorts`).
    #[pyo3(signature = (start, end, granularity="week", country="ALL"))]
    fn stored_cohorts<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        granularity: &str,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = stored_cohorts_request(start, end, granularity, country)?;
        let stored = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &stored)?)
    }

    /// The lifecycle of every ``"day"``, ``"week"`` (Monday-started) or ``"month"`` of
    /// ``start..=end`` for ``country`` (selecting users by ``users.country``): among the users active
    /// in a period, who is ``new`` (signed up in it), ``returning`` (also active in the period before)
    /// or ``resurrecting`` (not active in the period before), and how many of the period before went
    /// ``dormant`` (a count <= 0). Returns ``{"granularity", "country", "from", "to", "periods"}``,
    /// each period ``{"period", "to", "active", "new", "returning", "resurrecting", "dormant"}``, with
    /// ``active == new + returning + resurrecting``; periods are whole calendar periods from their
    /// first day (the last ends at ``end``).
    #[pyo3(signature = (start, end, granularity="day", country="ALL"))]
    fn lifecycle<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        granularity: &str,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = lifecycle_request(start, end, granularity, country)?;
        let lifecycle = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &lifecycle)?)
    }

    /// Funnels of ``start..=end``. Without ``steps``: the built-in signup funnels (signup -> first
    /// stream, first gift sent, first money payment) per signup day, for users of ``country`` (by
    /// ``users.country``), each within ``window_days`` calendar days (default 7): ``{"kind":
    /// "builtin", "from", "to", "country", "timezone", "window_days", "as_of", "days", "total"}``,
    /// each day ``{"date", "members", "window_complete", "first_stream", "first_gift_sent",
    /// "first_money_payment"}`` and each funnel ``{"converted", "conversion_rate",
    /// "mean_days_to_convert", "median_days_to_convert"}``. With ``steps`` (2 to 20 event names): a
    /// custom funnel of users entering with a ``steps[0]`` event in the range, each later step
    /// within ``window_days`` (or ``window_seconds``) of the entering event, ``order`` ``"ordered"``
    /// (default) or ``"consecutive"``, optionally broken down by ``"country"`` or ``"platform"``:
    /// ``{"kind": "custom", ..., "total", "breakdowns"}``, each series ``{"value", "entered",
    /// "completed", "conversion_rate", "steps"}``. See docs/funnels.md.
    #[pyo3(signature = (
        start, end, steps=None, country="ALL", window_days=None, window_seconds=None, order=None,
        breakdown=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn funnel<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        steps: Option<Vec<String>>,
        country: &str,
        window_days: Option<i128>,
        window_seconds: Option<i128>,
        order: Option<String>,
        breakdown: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = FunnelArgs {
            steps,
            country: country.to_owned(),
            window_days,
            window_seconds,
            order,
            breakdown,
        };
        let request = funnel_request(start, end, args)?;
        let result = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &result)?)
    }

    /// :meth:`funnel` as a ``pandas.DataFrame``. Built-in funnels: one row per signup day, indexed by
    /// ``date`` (``datetime64[ns]``), ``members`` and ``window_complete``, then per funnel
    /// (``first_stream``, ``first_gift_sent``, ``first_money_payment``) ``<funnel>_converted``
    /// (``int64``), ``<funnel>_rate``, ``<funnel>_mean_days`` and ``<funnel>_median_days``
    /// (``float64``, ``NaN`` for ``None``). Custom funnels: one row per series and step, columns
    /// ``value`` (``ALL`` for the total, else the breakdown value), ``step``, ``event``, ``users``,
    /// ``conversion_from_previous``, ``conversion_overall``, ``drop_off``, ``drop_off_rate``,
    /// ``median_seconds_from_previous``, ``mean_seconds_from_previous`` and
    /// ``median_seconds_from_start``. The other fields are in ``DataFrame.attrs``. Needs pandas.
    #[pyo3(signature = (
        start, end, steps=None, country="ALL", window_days=None, window_seconds=None, order=None,
        breakdown=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn funnel_frame<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        steps: Option<Vec<String>>,
        country: &str,
        window_days: Option<i128>,
        window_seconds: Option<i128>,
        order: Option<String>,
        breakdown: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let result = self.funnel(
            py,
            start,
            end,
            steps,
            country,
            window_days,
            window_seconds,
            order,
            breakdown,
        )?;
        frame(py, "funnel_frame", (result,))
    }

    /// The data-quality report: per collection, documents ``read``, ``valid``, ``invalid`` and
    /// ``duplicates``, invalid documents by reason and by field (reasons such as ``missing_field``,
    /// ``out_of_range``, ``too_large``), ``warnings``: valid documents kept with part of them ignored
    /// (an unknown country code, an OG tier outside 1-5) and ``warnings_by_field`` (reasons
    /// ``unknown_country``, ``unknown_og_tier``), the date span, the share of documents without a
    /// country, and the rejected documents themselves (``issues``, at most 1000 per collection).
    fn quality_report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = compute(py, || self.inner.quality_report())?;
        Ok(to_py(py, &report)?)
    }

    /// Every metric path accepted by :meth:`time_series`, in snake_case, in report order.
    #[staticmethod]
    fn metric_paths() -> Vec<String> {
        metric_paths()
    }

    /// The metric catalog, in report order: one dict per metric with ``id`` (snake_case, as
    /// :meth:`metric_paths` lists it), ``section``, ``unit``, ``kind`` (``sum``, ``distinctCount``,
    /// ``ratio``, ``growth``), ``description`` and ``aliases`` (other accepted names).
    #[staticmethod]
    fn metrics(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyAny>>> {
        metrics(py)
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

    /// :meth:`retention_matrix` as a ``pandas.DataFrame`` for a heat map: one row per cohort, indexed
    /// by ``cohort_date`` (``datetime64[ns]``), a ``cohort_size`` column (``int64``), then one column
    /// per day N, ``d1``, ``d3``, ... (``float64``), holding the share retained in % (``rate``;
    /// ``rate_on_or_after`` with ``on_or_after=True``), ``NaN`` where no member is eligible yet. The
    /// matrix's other fields are in ``DataFrame.attrs``. Needs pandas.
    #[pyo3(signature = (
        start, end, as_of=None, granularity="week", country="ALL", days=None, *, on_or_after=false
    ))]
    #[allow(clippy::too_many_arguments)]
    fn retention_matrix_frame<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        as_of: Option<Bound<'py, PyAny>>,
        granularity: &str,
        country: &str,
        days: Option<Vec<i128>>,
        on_or_after: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let matrix = self.retention_matrix(py, start, end, as_of, granularity, country, days)?;
        frame(py, "retention_matrix_frame", (matrix, on_or_after))
    }

    /// :meth:`cohorts` as a ``pandas.DataFrame``: one row per cohort, indexed by ``cohort_date``
    /// (``datetime64[ns]``), with ``cohort_size``, ``d1`` … ``d90`` (float64 %, NaN where no member
    /// is old enough), the revenue fields, the engagement totals and per member, churn, creators and
    /// ``mature``; the table's ``granularity``, ``country``, ``from``, ``to``, ``as_of`` and
    /// ``currency`` are in ``DataFrame.attrs``. Needs pandas.
    #[pyo3(signature = (start, end, as_of=None, granularity="week", country="ALL"))]
    fn cohorts_frame<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        as_of: Option<Bound<'py, PyAny>>,
        granularity: &str,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = self.cohorts(py, start, end, as_of, granularity, country)?;
        frame(py, "cohorts_frame", (table,))
    }

    /// :meth:`lifecycle` as a ``pandas.DataFrame``: one row per period, columns ``period`` and ``to``
    /// (``datetime64[ns]``), ``active``, ``new``, ``returning``, ``resurrecting`` and ``dormant``
    /// (``int64``, ``dormant`` <= 0); ``granularity``, ``country``, ``from`` and ``to`` are in
    /// ``DataFrame.attrs``. Needs pandas.
    #[pyo3(signature = (start, end, granularity="day", country="ALL"))]
    fn lifecycle_frame<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        granularity: &str,
        country: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let lifecycle = self.lifecycle(py, start, end, granularity, country)?;
        frame(py, "lifecycle_frame", (lifecycle,))
    }

    /// Host performance of ``start..=end``: one dict per host (``host_id``, pseudonymised unless
    /// ``reveal_user_ids``; ``username``, ``streams``, ``duration_minutes``, ``viewers``,
    /// ``avg_viewers_per_stream``, ``peak_viewers``, ``likes``, ``comments``, ``gifts``, ``coins``,
    /// ``revenue_per_stream``, ``unique_gifters``, ``engagement``, ``engagement_per_stream``,
    /// ``growth`` {``revenue``, ``viewers``, ``engagement``} in % or ``None``, ``rank`` {``revenue``,
    /// ``viewers``, ``engagement``}) under ``hosts``, with ``from``, ``to``, ``previous_from``,
    /// ``previous_to``, ``country``, ``sort_by``, ``order`` and ``total_hosts``. ``country`` selects
    /// streams by their country (else their host's); ``sort_by`` is ``"revenue"`` (default),
    /// ``"viewers"``, ``"engagement"``, ``"streams"``, ``"duration"``, ``"unique_gifters"``,
    /// ``"peak_viewers"`` or ``"growth"``; ``order`` ``"desc"`` (default) or ``"asc"``; ``limit``
    /// 1-10000 (default 100); ``hosts`` the ids to keep (as reports show them, at most 1000);
    /// ``daily=True`` adds each host's ``days`` with a stream or a gifter (ranges of at most 400 days).
    #[pyo3(signature = (
        start, end, country=None, sort_by=None, order=None, limit=None, hosts=None, daily=false
    ))]
    #[allow(clippy::too_many_arguments)]
    fn host_performance<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        country: Option<&str>,
        sort_by: Option<&str>,
        order: Option<&str>,
        limit: Option<i128>,
        hosts: Option<Vec<String>>,
        daily: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = host_request(start, end, country, sort_by, order, limit, hosts, daily)?;
        let report = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &report)?)
    }

    /// :meth:`host_performance` as a ``pandas.DataFrame``: one row per host in the report's order,
    /// the counts as ``int64``, the rest ``float64`` (``NaN`` for ``None``), ``growth`` and ``rank``
    /// flattened (``growth_revenue``, ``rank_viewers``, ...); the report's other fields are in
    /// ``DataFrame.attrs``. Needs pandas.
    #[pyo3(signature = (start, end, country=None, sort_by=None, order=None, limit=None, hosts=None))]
    #[allow(clippy::too_many_arguments)]
    fn host_performance_frame<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        end: &Bound<'py, PyAny>,
        country: Option<&str>,
        sort_by: Option<&str>,
        order: Option<&str>,
        limit: Option<i128>,
        hosts: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let report =
            self.host_performance(py, start, end, country, sort_by, order, limit, hosts, false)?;
        frame(py, "host_performance_frame", (report,))
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
        let requests = country
            .list()
            .iter()
            .map(|c| kpi_request(start, end, c))
            .collect::<PyResult<Vec<_>>>()?;
        let reports: Vec<KpiReport> =
            compute(py, || requests.iter().map(|r| r.run(&self.inner)).collect())?;
        frame(py, "kpis_frame", (to_py(py, &reports)?,))
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
    /// (``count``); ``"warnings"``: warnings of valid documents, the same columns; ``"issues"``: the
    /// rejected documents listed. Needs pandas.
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
