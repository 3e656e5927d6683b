"""Type stubs of the native module (Rust, pyo3). Import from ``halobuzz_analytics``."""

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from os import PathLike
from typing import Any, final

# pandas is optional and ships no type information of its own.
_DataFrame = Any
_Date = datetime.date | str
_Number = int | float | Decimal | str
_Threshold = int | float | Decimal
_Result = dict[str, Any]
_Instant = datetime.datetime | str

__all__ = [
    "AnalyticsError",
    "DataError",
    "Engine",
    "InvalidInputError",
    "Scheduler",
    "StorageError",
    "__version__",
    "_internal_errors",
    "_raise_for_test",
    "forecast_batch",
    "forecast_series",
    "metric_paths",
    "metrics",
    "snake_case",
]

__version__: str

class AnalyticsError(Exception):
    """Base class of every error raised by the analytics engine; ``code`` is its stable code."""

    code: str
    argument: str | None

class InvalidInputError(AnalyticsError, ValueError):
    """An argument is out of its domain (``code`` ``INVALID_ARGUMENT``; also
    ``JOB_FAILED`` in a scheduler's run records)."""

class DataError(AnalyticsError):
    """The data cannot be used (``NOT_A_DATA_DIRECTORY``, ``AMBIGUOUS_DATA_FILE``, ``READ_FAILED``, ``OVERFLOW``)."""

class StorageError(AnalyticsError):
    """Analytics documents cannot be stored or read back (``STORAGE_ERROR``, ``WRITE_FAILED``, ``ENCODE_FAILED``)."""

def metric_paths() -> list[str]:
    """Every metric path accepted by ``Engine.time_series``, snake_case, in report order."""

def metrics() -> list[_Result]:
    """The metric catalog: ``id``, ``section``, ``unit``, ``kind``, ``description``, ``aliases``."""

def forecast_series(
    values: Iterable[float | None],
    horizon: int,
    season_length: float | Sequence[float] | None = None,
    levels: Sequence[float] | None = None,
    method: str | None = None,
    validation_origins: int | None = None,
    calibrate: bool | None = None,
    fill: str | None = None,
    dates: Iterable[_Date] | None = None,
    id: str | None = None,
) -> _Result:
    """Forecasts one series: ``point``, ``intervals`` (``level``, ``lower``, ``upper``), ``dates``,
    ``model``, ``validation``, ``calibration``, ``summary``, ``filled``, ``notes``."""

def forecast_batch(series: Iterable[Mapping[str, Any]], threads: int | None = None) -> _Result:
    """Forecasts many series in parallel: ``forecasts`` (in order) and ``failures``."""

def snake_case(name: str) -> str:
    """The snake_case spelling of a camelCase field name or dotted path (``byOGTier`` -> ``by_og_tier``)."""

def _raise_for_test(code: str) -> None:
    """For the test suite only: raises what the core error of ``code`` becomes."""

def _internal_errors() -> int:
    """For the test suite only: how many ``INTERNAL_ERROR`` exceptions the module has raised."""

@final
class Engine:
    """The analytics engine over one dataset; create it with ``from_directory`` or ``generate``."""

    @staticmethod
    def from_directory(
        path: str | PathLike[str],
        *,
        database: str | None = None,
        read_env: bool = True,
        timezone: str | None = None,
        app_id: str | None = None,
        usd_to_npr: _Number | None = None,
        pseudonym_key: str | None = None,
        ephemeral_pseudonym_key: bool = False,
        reveal_user_ids: bool | None = None,
        alerts: Mapping[str, _Threshold] | None = None,
        max_range_days: int | None = None,
        settle_minutes: int | None = None,
        backfill_concurrency: int | None = None,
        now: datetime.datetime | str | None = None,
        reports_dir: str | PathLike[str] | None = None,
    ) -> Engine:
        """Loads a directory of mongoexport files, or connects to MongoDB for a ``mongodb://`` URI."""

    @staticmethod
    def generate(
        *,
        users: int | None = None,
        days: int | None = None,
        seed: int | None = None,
        start: _Date | None = None,
        revenue_drop: Mapping[str, Any] | tuple[_Date, float] | None = None,
        invalid_rate: float | None = None,
        duplicate_rate: float | None = None,
        read_env: bool = True,
        timezone: str | None = None,
        app_id: str | None = None,
        usd_to_npr: _Number | None = None,
        pseudonym_key: str | None = None,
        ephemeral_pseudonym_key: bool = False,
        reveal_user_ids: bool | None = None,
        alerts: Mapping[str, _Threshold] | None = None,
        max_range_days: int | None = None,
        settle_minutes: int | None = None,
        backfill_concurrency: int | None = None,
        now: datetime.datetime | str | None = None,
        reports_dir: str | PathLike[str] | None = None,
    ) -> Engine:
        """Generates a seeded synthetic dataset in memory."""

    @property
    def config(self) -> _Result:
        """The configuration in effect (without the pseudonym key)."""

    @property
    def generation_manifest(self) -> _Result | None:
        """What ``generate`` wrote (window, counts); ``None`` for a loaded directory."""

    def rollup_day(self, date: _Date) -> list[_Result]:
        """Computes and stores the rollups of one local day, ``ALL`` first."""

    def rollups_of_day(self, date: _Date) -> list[_Result]:
        """The stored rollups of one local day, ``ALL`` first."""

    def backfill(
        self,
        start: _Date,
        end: _Date,
        *,
        force: bool = False,
        progress: Callable[[_Result], object] | None = None,
    ) -> _Result:
        """Rolls up every day of ``start..=end``; ``progress`` is called after each day, ``False`` stops."""

    def backfill_recent(
        self,
        days: int,
        *,
        progress: Callable[[_Result], object] | None = None,
    ) -> _Result:
        """Re-rolls the last ``days`` settled days; ``progress`` as in ``backfill``."""

    def kpis(self, start: _Date, end: _Date, country: str = "ALL") -> _Result:
        """The KPI report of ``start..=end`` for ``country``, from daily rollups."""

    def kpis_from_raw(self, start: _Date, end: _Date, country: str = "ALL") -> _Result:
        """The KPI report computed straight from the raw records."""

    def time_series(
        self,
        metric: str,
        start: _Date,
        end: _Date,
        granularity: str = "day",
        country: str = "ALL",
    ) -> _Result:
        """One numeric report field per day, week or month."""

    def retention_matrix(
        self,
        start: _Date,
        end: _Date,
        as_of: _Date | None = None,
        granularity: str = "week",
        country: str = "ALL",
        days: Sequence[int] | None = None,
    ) -> _Result:
        """Signup cohorts by day, week or month, with their retention on each day N up to ``as_of``."""

    def cohorts(
        self,
        start: _Date,
        end: _Date,
        as_of: _Date | None = None,
        granularity: str = "week",
        country: str = "ALL",
    ) -> _Result:
        """Signup cohorts with retention d1…d90, revenue, engagement, churn and creators."""

    def refresh_cohorts(
        self,
        start: _Date,
        end: _Date,
        as_of: _Date | None = None,
        granularity: str = "week",
        country: str = "ALL",
    ) -> _Result:
        """Writes the cohorts not final yet to ``analyticscohorts``."""

    def stored_cohorts(
        self,
        start: _Date,
        end: _Date,
        granularity: str = "week",
        country: str = "ALL",
    ) -> _Result:
        """The stored ``analyticscohorts`` documents of a range of cohort dates."""

    def forecast(
        self,
        metric: str,
        horizon: int | None = None,
        country: str = "ALL",
        start: _Date | None = None,
        end: _Date | None = None,
        season_length: float | Sequence[float] | None = None,
        levels: Sequence[float] | None = None,
        method: str | None = None,
        validation_origins: int | None = None,
        calibrate: bool | None = None,
        store: bool = False,
    ) -> _Result:
        """Forecasts a catalog metric's daily series; ``store=True`` writes ``analyticsforecasts``."""

    def forecast_frame(
        self,
        metric: str,
        horizon: int | None = None,
        country: str = "ALL",
        start: _Date | None = None,
        end: _Date | None = None,
        season_length: float | Sequence[float] | None = None,
        levels: Sequence[float] | None = None,
        method: str | None = None,
        validation_origins: int | None = None,
        calibrate: bool | None = None,
        store: bool = False,
    ) -> _DataFrame:
        """``forecast`` as a DataFrame: date, forecast, lo_80, hi_80, lo_95, hi_95; model in ``attrs``."""

    def stored_forecasts(
        self,
        metric: str | None = None,
        country: str | None = None,
        start: _Date | None = None,
        end: _Date | None = None,
    ) -> list[_Result]:
        """The stored ``analyticsforecasts`` documents, oldest history first."""

    def report(
        self,
        period: str,
        *,
        start: _Date | None = None,
        end: _Date | None = None,
        at: _Date | None = None,
        format: str | None = None,
        country: str | None = None,
        store: bool = False,
        forecast: bool | None = None,
        progress: Callable[[_Result], object] | None = None,
    ) -> _Result:
        """A period's report: ``file_name``, ``mime_type``, ``stored``, ``record`` and ``data`` (bytes).

        ``progress`` is called after each day the report rolls up first; ``False`` stops (``CANCELLED``)."""

    def write_report(
        self,
        path: str | PathLike[str],
        period: str,
        *,
        start: _Date | None = None,
        end: _Date | None = None,
        at: _Date | None = None,
        format: str | None = None,
        country: str | None = None,
        store: bool = False,
        forecast: bool | None = None,
        progress: Callable[[_Result], object] | None = None,
    ) -> _Result:
        """Writes a period's report to ``path`` (a file, or a directory for its own file name)."""

    def report_content(
        self,
        period: str,
        *,
        start: _Date | None = None,
        end: _Date | None = None,
        at: _Date | None = None,
        country: str | None = None,
        forecast: bool | None = None,
    ) -> _Result:
        """What a period's report shows, as data."""

    def report_frame(
        self,
        period: str,
        *,
        start: _Date | None = None,
        end: _Date | None = None,
        at: _Date | None = None,
        country: str | None = None,
    ) -> _DataFrame:
        """A period's KPI tables as a DataFrame."""

    def reports(
        self,
        *,
        id: str | None = None,
        period: str | None = None,
        format: str | None = None,
        start: _Date | None = None,
        end: _Date | None = None,
        limit: int | None = None,
    ) -> list[_Result]:
        """The stored reports' records, newest first."""

    def report_file(self, id: str) -> tuple[_Result, bytes]:
        """A stored report's record and file, checked against its checksum."""

    def lifecycle(
        self,
        start: _Date,
        end: _Date,
        granularity: str = "day",
        country: str = "ALL",
    ) -> _Result:
        """New, returning, resurrecting and dormant users per day, week or month."""

    def funnel(
        self,
        start: _Date,
        end: _Date,
        steps: Sequence[str] | None = None,
        country: str = "ALL",
        window_days: int | None = None,
        window_seconds: int | None = None,
        order: str | None = None,
        breakdown: str | None = None,
    ) -> _Result:
        """Built-in signup funnels per signup day, or a custom funnel of ``steps`` (event names)."""

    def host_performance(
        self,
        start: _Date,
        end: _Date,
        country: str | None = None,
        sort_by: str | None = None,
        order: str | None = None,
        limit: int | None = None,
        hosts: list[str] | None = None,
        daily: bool = False,
    ) -> _Result:
        """Host performance per host over a range: streams, viewers, coins, gifters, growth, ranks."""

    def scheduler(
        self,
        *,
        read_env: bool = False,
        env: Mapping[str, str | None] | None = None,
        jobs: Sequence[Mapping[str, Any]] | None = None,
        alert_interval_min: int | None = None,
        lease_seconds: int | None = None,
        grace_minutes: int | None = None,
        owner: str | None = None,
    ) -> Scheduler:
        """A :class:`Scheduler` over this engine."""

    def check_alerts(
        self, at: _Instant | None = None, channels: Mapping[str, Any] | None = None
    ) -> _Result:
        """Evaluate every alert rule at ``at`` and raise, update or resolve alerts (``alerts check``)."""

    def evaluate_alerts(self, at: _Instant | None = None) -> list[_Result]:
        """Every rule's evaluation at ``at``, storing nothing (``alerts explain``)."""

    def alerts(
        self,
        status: Sequence[str] | None = None,
        rule: str | None = None,
        country: str | None = None,
        min_severity: str | None = None,
        since: _Instant | None = None,
        limit: int | None = None,
    ) -> list[_Result]:
        """The stored alerts, most recently updated first."""

    def acknowledge_alert(self, alert_id: str, by: str) -> _Result:
        """Acknowledge an active alert; the alert as stored."""

    def resolve_alert(self, alert_id: str, by: str) -> _Result:
        """Resolve an alert by hand; the alert as stored."""

    def alert_rules(self) -> list[_Result]:
        """The built-in and stored alert rules."""

    def put_alert_rule(self, rule: Mapping[str, Any]) -> _Result:
        """Store a rule; the rule as stored, defaults filled in."""

    def delete_alert_rule(self, id: str) -> bool:
        """Delete a stored rule; whether there was one."""

    def deliver_alert_notifications(
        self,
        channels: Mapping[str, Any],
        notifier: Callable[[dict[str, Any]], Mapping[str, Any]],
        at: _Instant | None = None,
    ) -> _Result:
        """Check, then send each notification through ``notifier`` and record every attempt."""

    def quality_report(self) -> _Result:
        """The data-quality report of the dataset."""

    @staticmethod
    def metric_paths() -> list[str]:
        """Every metric path, snake_case, in report order."""

    @staticmethod
    def metrics() -> list[_Result]:
        """The metric catalog, in report order."""

    def time_series_frame(
        self,
        metric: str,
        start: _Date,
        end: _Date,
        granularity: str = "day",
        country: str = "ALL",
    ) -> _DataFrame:
        """``time_series`` as a DataFrame: period, from, to (datetime64[ns]), value (float64)."""

    def retention_matrix_frame(
        self,
        start: _Date,
        end: _Date,
        as_of: _Date | None = None,
        granularity: str = "week",
        country: str = "ALL",
        days: Sequence[int] | None = None,
        *,
        on_or_after: bool = False,
    ) -> _DataFrame:
        """``retention_matrix`` as a DataFrame: cohorts (index ``cohort_date``) × ``d<N>`` shares in %."""

    def cohorts_frame(
        self,
        start: _Date,
        end: _Date,
        as_of: _Date | None = None,
        granularity: str = "week",
        country: str = "ALL",
    ) -> _DataFrame:
        """``cohorts`` as a DataFrame: one row per cohort (index ``cohort_date``)."""

    def lifecycle_frame(
        self,
        start: _Date,
        end: _Date,
        granularity: str = "day",
        country: str = "ALL",
    ) -> _DataFrame:
        """``lifecycle`` as a DataFrame: one row per period."""

    def funnel_frame(
        self,
        start: _Date,
        end: _Date,
        steps: Sequence[str] | None = None,
        country: str = "ALL",
        window_days: int | None = None,
        window_seconds: int | None = None,
        order: str | None = None,
        breakdown: str | None = None,
    ) -> _DataFrame:
        """``funnel`` as a DataFrame: one row per signup day, or per series and step."""

    def host_performance_frame(
        self,
        start: _Date,
        end: _Date,
        country: str | None = None,
        sort_by: str | None = None,
        order: str | None = None,
        limit: int | None = None,
        hosts: list[str] | None = None,
    ) -> _DataFrame:
        """``host_performance`` as a DataFrame: one row per host."""

    def kpis_frame(
        self, start: _Date, end: _Date, country: str | Sequence[str] = "ALL"
    ) -> _DataFrame:
        """``kpis`` as a DataFrame with one row per country and one column per metric path."""

    def top_creators_frame(self, start: _Date, end: _Date, country: str = "ALL") -> _DataFrame:
        """The top creators of ``kpis`` as a DataFrame."""

    def quality_frame(self, table: str = "collections") -> _DataFrame:
        """A table (``collections``, ``invalid`` or ``issues``) of the quality report as a DataFrame."""

_Event = Any

@final
class Scheduler:
    """The scheduler of an engine: default jobs, custom jobs, passes, a background loop."""

    def __new__(
        cls,
        engine: Engine,
        *,
        read_env: bool = False,
        env: Mapping[str, str | None] | None = None,
        jobs: Sequence[Mapping[str, Any]] | None = None,
        alert_interval_min: int | None = None,
        lease_seconds: int | None = None,
        grace_minutes: int | None = None,
        owner: str | None = None,
    ) -> Scheduler: ...
    def status(self) -> _Result:
        """Every job in the old ``scheduler-status`` shape."""

    def next_runs(
        self, job: str, after: _Instant | None = None, count: int | None = None
    ) -> _Result:
        """The next runs of ``job`` after ``after``, with the reporting zone's offsets."""

    def run_due(self, at: _Instant | None = None) -> _Result:
        """One pass: runs every instance due at ``at`` (GIL released)."""

    def history(self, job: str | None = None, limit: int | None = None) -> list[_Result]:
        """The run history, newest instance first."""

    def add_job(
        self,
        name: str,
        cron: str,
        func: Callable[[dict[str, Any]], str | Mapping[str, Any] | None],
        *,
        catch_up: str = "latest",
        description: str = "",
    ) -> None:
        """Adds a custom job calling ``func(context)`` at each instance of ``cron``."""

    def start(self, on_pass: Callable[[_Event], object] | None = None) -> None:
        """Starts the loop on a background thread."""

    def stop(self) -> bool:
        """Stops the loop and waits for its thread; whether it was started."""

    @property
    def running(self) -> bool:
        """Whether the loop is running."""

    def run_forever(
        self, stop_event: Any | None = None, on_pass: Callable[[_Event], object] | None = None
    ) -> None:
        """Runs the loop until ``stop_event`` is set or Ctrl-C."""
