"""pandas DataFrames from the engine's results.

Only shapes change here: every number is the engine's. pandas is imported on first use, so the rest of
the package works without it; a missing pandas raises an ``ImportError`` that says how to install it.
"""

from __future__ import annotations

import importlib
from typing import Any, Dict, List, Optional, Sequence

from ._native import InvalidInputError, metric_paths

# pandas is optional and untyped without pandas-stubs: frames are typed `Any` (a pandas.DataFrame).
DataFrame = Any

__all__ = ["to_frame"]

_INSTALL_HINT = (
    "halobuzz_analytics: the DataFrame helpers (Engine.*_frame and to_frame) need pandas, "
    "which is not installed; install it with `pip install pandas` "
    "(or `pip install 'halobuzz-analytics[pandas]'`). "
    "The dict and list results work without it."
)


def _pandas() -> Any:
    """The pandas module, or an ImportError that says how to get it."""
    try:
        return importlib.import_module("pandas")
    except ImportError as e:
        raise ImportError(_INSTALL_HINT, name="pandas") from e


def _dates(pd: Any, values: Sequence[Optional[str]]) -> Any:
    """'YYYY-MM-DD' strings as datetime64[ns] (the same unit on pandas 2 and 3)."""
    return pd.Series(
        pd.to_datetime(list(values), format="%Y-%m-%d"), dtype="datetime64[ns]"
    )


def _instants(pd: Any, values: Sequence[Optional[str]]) -> Any:
    """RFC 3339 UTC instants (or None) as datetime64[ns, UTC]."""
    return pd.Series(
        pd.to_datetime(list(values), utc=True, format="ISO8601"),
        dtype="datetime64[ns, UTC]",
    )


def _numbers(pd: Any, values: Sequence[Any]) -> Any:
    """int64 when every value is a whole number (counts), else float64 with NaN for None."""
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="int64")
    return pd.Series([float("nan") if v is None else v for v in values], dtype="float64")


def time_series_frame(series: Dict[str, Any]) -> DataFrame:
    """A time series dict as a frame: period, from, to (datetime64[ns]) and value (float64)."""
    pd = _pandas()
    points = series["points"]
    frame = pd.DataFrame(
        {
            "period": _dates(pd, [p["period"] for p in points]),
            "from": _dates(pd, [p["from"] for p in points]),
            "to": _dates(pd, [p["to"] for p in points]),
            "value": pd.Series(
                [float("nan") if p["value"] is None else p["value"] for p in points],
                dtype="float64",
            ),
        }
    )
    frame.attrs.update(
        {k: series[k] for k in ("metric", "granularity", "country", "from", "to")}
    )
    return frame


def _share(value: Optional[float]) -> float:
    """A share in % as a float, NaN for None (no member eligible yet)."""
    return float("nan") if value is None else float(value)


def retention_matrix_frame(matrix: Dict[str, Any], on_or_after: bool = False) -> DataFrame:
    """A retention matrix dict as a heat-map frame: one row per cohort, indexed by ``cohort_date``
    (datetime64[ns]); ``cohort_size`` (int64), then one column ``d<N>`` per day N of ``days``, in that
    order: the share retained in % (``rate``, or ``rate_on_or_after`` with ``on_or_after``), float64
    with NaN where no member of the cohort is eligible yet."""
    pd = _pandas()
    cohorts = matrix["cohorts"]
    rate = "rate_on_or_after" if on_or_after else "rate"
    columns: Dict[str, Any] = {
        "cohort_size": pd.Series([c["cohort_size"] for c in cohorts], dtype="int64"),
    }
    for i, n in enumerate(matrix["days"]):
        # A day N asked for twice gives the same cells twice: one column.
        columns.setdefault(
            f"d{n}", pd.Series([_share(c["cells"][i][rate]) for c in cohorts], dtype="float64")
        )
    frame = pd.DataFrame(columns)
    frame.index = pd.DatetimeIndex(
        _dates(pd, [c["cohort_date"] for c in cohorts]), name="cohort_date"
    )
    frame.attrs.update(
        {k: matrix[k] for k in ("granularity", "country", "from", "to", "as_of", "days")}
    )
    frame.attrs["on_or_after"] = on_or_after
    return frame


_COHORT_DAYS = ("d1", "d3", "d7", "d14", "d30", "d60", "d90")
_COHORT_PERIODS = ("week1", "week2", "week3", "week4", "month2", "month3")
_COHORT_ACTIVITY = ("sessions", "streams", "gifts_sent", "game_plays", "messages")


def cohorts_frame(table: Dict[str, Any]) -> DataFrame:
    """A cohort table dict as a frame: one row per cohort, indexed by ``cohort_date``
    (datetime64[ns]); ``from``, ``to`` (datetime64[ns]), ``cohort_size`` (int64), ``d1`` … ``d90``
    (float64 %, NaN where no member is old enough), ``total_revenue``, ``avg_revenue_per_user`` and
    ``revenue_week1`` … ``revenue_month3`` (float64, NPR), the engagement totals (int64) and
    ``<name>_per_member`` (float64), ``churned_members``, ``churn_rate``, ``creators``,
    ``creator_rate`` and ``mature`` (bool)."""
    pd = _pandas()
    rows = table["cohorts"]
    columns: Dict[str, Any] = {
        "from": _dates(pd, [c["from"] for c in rows]),
        "to": _dates(pd, [c["to"] for c in rows]),
        "cohort_size": pd.Series([c["cohort_size"] for c in rows], dtype="int64"),
    }
    for d in _COHORT_DAYS:
        columns[d] = pd.Series([_share(c["retention"][d]) for c in rows], dtype="float64")
    columns["total_revenue"] = pd.Series(
        [c["revenue"]["total_revenue"] for c in rows], dtype="float64"
    )
    columns["avg_revenue_per_user"] = pd.Series(
        [_share(c["revenue"]["avg_revenue_per_user"]) for c in rows], dtype="float64"
    )
    for p in _COHORT_PERIODS:
        columns[f"revenue_{p}"] = pd.Series(
            [c["revenue"]["revenue_by_period"][p] for c in rows], dtype="float64"
        )
    for k in _COHORT_ACTIVITY:
        columns[k] = pd.Series([c["engagement"][k] for c in rows], dtype="int64")
        columns[f"{k}_per_member"] = pd.Series(
            [_share(c["engagement_per_member"][k]) for c in rows], dtype="float64"
        )
    for k in ("churned_members", "creators"):
        columns[k] = pd.Series([c[k] for c in rows], dtype="int64")
    for k in ("churn_rate", "creator_rate"):
        columns[k] = pd.Series([_share(c[k]) for c in rows], dtype="float64")
    columns["mature"] = pd.Series([c["mature"] for c in rows], dtype="bool")
    frame = pd.DataFrame(columns)
    frame.index = pd.DatetimeIndex(_dates(pd, [c["cohort_date"] for c in rows]), name="cohort_date")
    frame.attrs.update(
        {k: table[k] for k in ("granularity", "country", "from", "to", "as_of", "currency")}
    )
    return frame


_LIFECYCLE_COUNTS = ("active", "new", "returning", "resurrecting", "dormant")


def lifecycle_frame(lifecycle: Dict[str, Any]) -> DataFrame:
    """A lifecycle dict as a frame: one row per period, ``period`` and ``to`` (datetime64[ns]), then
    ``active``, ``new``, ``returning``, ``resurrecting`` and ``dormant`` (int64, dormant <= 0)."""
    pd = _pandas()
    periods = lifecycle["periods"]
    frame = pd.DataFrame(
        {
            "period": _dates(pd, [p["period"] for p in periods]),
            "to": _dates(pd, [p["to"] for p in periods]),
            **{k: pd.Series([p[k] for p in periods], dtype="int64") for k in _LIFECYCLE_COUNTS},
        }
    )
    frame.attrs.update({k: lifecycle[k] for k in ("granularity", "country", "from", "to")})
    return frame


_BUILTIN_FUNNELS = ("first_stream", "first_gift_sent", "first_money_payment")
_FUNNEL_STEP_COLUMNS = (
    ("users", "int64"),
    ("conversion_from_previous", "float64"),
    ("conversion_overall", "float64"),
    ("drop_off", "int64"),
    ("drop_off_rate", "float64"),
    ("median_seconds_from_previous", "float64"),
    ("mean_seconds_from_previous", "float64"),
    ("median_seconds_from_start", "float64"),
)


def funnel_frame(funnel: Dict[str, Any]) -> DataFrame:
    """A funnel dict as a frame. Built-in funnels: one row per signup day, indexed by ``date``
    (datetime64[ns]): ``members`` (int64), ``window_complete`` (bool), then per funnel
    ``<funnel>_converted`` (int64), ``<funnel>_rate``, ``<funnel>_mean_days`` and
    ``<funnel>_median_days`` (float64, NaN for None). Custom funnels: one row per series (``value``:
    ``ALL``, then each breakdown value) and step, with the step's counts and times."""
    pd = _pandas()
    if funnel["kind"] == "builtin":
        days = funnel["days"]
        columns: Dict[str, Any] = {
            "members": pd.Series([d["members"] for d in days], dtype="int64"),
            "window_complete": pd.Series([d["window_complete"] for d in days], dtype="bool"),
        }
        for name in _BUILTIN_FUNNELS:
            cells = [d[name] for d in days]
            columns[f"{name}_converted"] = pd.Series([c["converted"] for c in cells], dtype="int64")
            for key, suffix in (
                ("conversion_rate", "rate"),
                ("mean_days_to_convert", "mean_days"),
                ("median_days_to_convert", "median_days"),
            ):
                columns[f"{name}_{suffix}"] = pd.Series(
                    [_share(c[key]) for c in cells], dtype="float64"
                )
        frame = pd.DataFrame(columns)
        frame.index = pd.DatetimeIndex(_dates(pd, [d["date"] for d in days]), name="date")
        frame.attrs.update(
            {k: funnel[k] for k in ("kind", "from", "to", "country", "window_days", "as_of", "total")}
        )
        return frame
    rows = [(s["value"], step) for s in [funnel["total"], *funnel["breakdowns"]] for step in s["steps"]]
    data: Dict[str, Any] = {
        "value": pd.Series([v for v, _ in rows], dtype="object"),
        "step": pd.Series([st["step"] for _, st in rows], dtype="int64"),
        "event": pd.Series([st["event"] for _, st in rows], dtype="object"),
    }
    for key, dtype in _FUNNEL_STEP_COLUMNS:
        values = [st[key] for _, st in rows]
        data[key] = pd.Series(
            values if dtype == "int64" else [_share(v) for v in values], dtype=dtype
        )
    frame = pd.DataFrame(data)
    frame.attrs.update(
        {
            k: funnel[k]
            for k in (
                "kind", "from", "to", "country", "steps", "order", "window_days",
                "window_seconds", "breakdown",
            )
        }
    )
    return frame


def _metric(report: Dict[str, Any], path: str) -> Any:
    node: Any = report
    for part in path.split("."):
        if part not in node:
            # The contract omits `revenue.by_og_tier.unknown` when it is zero (the only optional
            # numeric field); the core's time series reads it as 0 too.
            return 0.0
        node = node[part]
    return node


def kpis_frame(reports: List[Dict[str, Any]]) -> DataFrame:
    """KPI reports as a frame: one row per report, one column per metric path."""
    pd = _pandas()
    columns: Dict[str, Any] = {
        "country": pd.Series([r["period"]["country"] for r in reports], dtype=object),
        "from": _dates(pd, [r["period"]["from"] for r in reports]),
        "to": _dates(pd, [r["period"]["to"] for r in reports]),
    }
    for path in metric_paths():
        columns[path] = _numbers(pd, [_metric(r, path) for r in reports])
    return pd.DataFrame(columns)


def top_creators_frame(report: Dict[str, Any]) -> DataFrame:
    """The top creators of a KPI report, ranked from 1."""
    pd = _pandas()
    rows = report["creators"]["top_creators"]
    return pd.DataFrame(
        {
            "rank": pd.Series(range(1, len(rows) + 1), dtype="int64"),
            "host_id": pd.Series([r["host_id"] for r in rows], dtype=object),
            "username": pd.Series([r["username"] for r in rows], dtype=object),
            "revenue": pd.Series([r["revenue"] for r in rows], dtype="float64"),
            "streams": pd.Series([r["streams"] for r in rows], dtype="int64"),
            "viewers": pd.Series([r["viewers"] for r in rows], dtype="int64"),
        }
    )


_HOST_COUNTS = (
    "streams", "viewers", "peak_viewers", "likes", "comments", "gifts", "unique_gifters", "engagement",
)
_HOST_MEASURES = (
    "duration_minutes", "avg_viewers_per_stream", "coins", "revenue_per_stream", "engagement_per_stream",
)
_HOST_ATTRS = ("from", "to", "previous_from", "previous_to", "country", "sort_by", "order", "total_hosts")


def host_performance_frame(report: Dict[str, Any]) -> DataFrame:
    """A host performance report as a frame: one row per host, in the report's order."""
    pd = _pandas()
    rows = report["hosts"]
    columns: Dict[str, Any] = {
        "host_id": pd.Series([r["host_id"] for r in rows], dtype=object),
        "username": pd.Series([r["username"] for r in rows], dtype=object),
    }
    for k in _HOST_COUNTS:
        columns[k] = pd.Series([r[k] for r in rows], dtype="int64")
    def floats(values: List[Any]) -> Any:
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")

    for k in _HOST_MEASURES:
        columns[k] = floats([r[k] for r in rows])
    for k in ("revenue", "viewers", "engagement"):
        columns[f"growth_{k}"] = floats([r["growth"][k] for r in rows])
    for k in ("revenue", "viewers", "engagement"):
        columns[f"rank_{k}"] = pd.Series([r["rank"][k] for r in rows], dtype="int64")
    frame = pd.DataFrame(columns)
    frame.attrs.update({k: report[k] for k in _HOST_ATTRS})
    return frame


_QUALITY_TABLES = ("collections", "invalid", "warnings", "issues")


def quality_frame(report: Dict[str, Any], table: str = "collections") -> DataFrame:
    """One table of the data-quality report."""
    pd = _pandas()
    cs = report["collections"]
    if table == "collections":
        span = [c["date_span"] or {"from": None, "to": None} for c in cs]
        return pd.DataFrame(
            {
                "collection": pd.Series([c["collection"] for c in cs], dtype=object),
                **{
                    k: pd.Series([c[k] for c in cs], dtype="int64")
                    for k in ("read", "valid", "invalid", "duplicates", "warnings")
                },
                "first": _instants(pd, [s["from"] for s in span]),
                "last": _instants(pd, [s["to"] for s in span]),
                **{
                    k: pd.Series(
                        [float("nan") if c[k] is None else c[k] for c in cs], dtype="float64"
                    )
                    for k in ("missing_country_share", "own_country_missing_share")
                },
                "issues_truncated": pd.Series([c["issues_truncated"] for c in cs], dtype=bool),
            }
        )
    if table in ("invalid", "warnings"):
        by_field = "invalid_by_field" if table == "invalid" else "warnings_by_field"
        rows = [(c["collection"], i) for c in cs for i in c[by_field]]
        return pd.DataFrame(
            {
                "collection": pd.Series([c for c, _ in rows], dtype=object),
                "field": pd.Series([i["field"] for _, i in rows], dtype=object),
                "reason": pd.Series([i["reason"] for _, i in rows], dtype=object),
                "count": pd.Series([i["count"] for _, i in rows], dtype="int64"),
            }
        )
    if table == "issues":
        rows = [(c["collection"], i) for c in cs for i in c["issues"]]
        return pd.DataFrame(
            {
                "collection": pd.Series([c for c, _ in rows], dtype=object),
                **{
                    k: pd.Series([i.get(k) for _, i in rows], dtype=object)
                    for k in ("kind", "id", "field", "reason", "detail")
                },
                "line": pd.array([i.get("line") for _, i in rows], dtype="Int64"),
            }
        )
    raise InvalidInputError(
        f"invalid table: `{table}` is not one of {', '.join(_QUALITY_TABLES)}"
    )


def to_frame(result: Any) -> DataFrame:
    """Any tabular result of the engine as a ``pandas.DataFrame``.

    - a time series (:meth:`Engine.time_series`): as :meth:`Engine.time_series_frame`;
    - a retention matrix (:meth:`Engine.retention_matrix`): its shares on day N, as
      :meth:`Engine.retention_matrix_frame` (``on_or_after=False``);
    - a lifecycle (:meth:`Engine.lifecycle`): as :meth:`Engine.lifecycle_frame`;
    - a cohort table (:meth:`Engine.cohorts`): as :meth:`Engine.cohorts_frame`;
    - a funnel (:meth:`Engine.funnel`): as :meth:`Engine.funnel_frame`;
    - a KPI report (:meth:`Engine.kpis`): one row, as :meth:`Engine.kpis_frame`;
    - a data-quality report (:meth:`Engine.quality_report`): its per-collection table, as
      :meth:`Engine.quality_frame`;
    - a host performance report (:meth:`Engine.host_performance`): as
      :meth:`Engine.host_performance_frame`;
    - a series forecast (:func:`forecast_series`): as :func:`forecast`;
    - a metric forecast (:meth:`Engine.forecast`): as :meth:`Engine.forecast_frame`;
    - a list of dicts (``report["creators"]["top_creators"]``, :meth:`Engine.rollup_day`, ...):
      one row per dict, nested dicts flattened into dotted columns (``pandas.json_normalize``).

    Raises ``ImportError`` without pandas, ``TypeError`` for anything else.
    """
    pd = _pandas()
    if isinstance(result, dict):
        if "points" in result and "metric" in result:
            return time_series_frame(result)
        if result.get("kind") in ("builtin", "custom"):
            return funnel_frame(result)
        if "cohorts" in result and "days" in result:
            return retention_matrix_frame(result)
        if "cohorts" in result and "currency" in result:
            return cohorts_frame(result)
        if "periods" in result and "granularity" in result:
            return lifecycle_frame(result)
        if "period" in result and "revenue" in result:
            return kpis_frame([result])
        if set(result) == {"collections"}:
            return quality_frame(result)
        if "hosts" in result and "total_hosts" in result:
            return host_performance_frame(result)
        if "point" in result and "intervals" in result:
            return series_forecast_frame(result)
        if "predictions" in result and "metric" in result:
            return metric_forecast_frame(result)
    elif isinstance(result, list) and all(isinstance(r, dict) for r in result):
        return pd.json_normalize(result)
    raise TypeError(
        "to_frame: expected a time series, retention matrix, lifecycle, cohort table, funnel, KPI, "
        "quality, host or forecast report "
        "dict, or a list of dicts; "
        f"got {type(result).__name__}"
    )


def _level_name(level: float) -> str:
    """A level as a column suffix: 80.0 -> ``80``, 97.5 -> ``97.5``."""
    return f"{level:g}"


def _forecast_columns(
    pd: Any, point: Sequence[float], intervals: Sequence[Dict[str, Any]]
) -> Dict[str, Any]:
    """``forecast``, then ``lo_<level>`` and ``hi_<level>`` per interval, float64."""
    columns: Dict[str, Any] = {"forecast": pd.Series(list(point), dtype="float64")}
    for iv in intervals:
        name = _level_name(iv["level"])
        columns[f"lo_{name}"] = pd.Series(list(iv["lower"]), dtype="float64")
        columns[f"hi_{name}"] = pd.Series(list(iv["upper"]), dtype="float64")
    return columns


def _model_attrs(result: Dict[str, Any]) -> Dict[str, Any]:
    """The model's name and method, the chosen model's validation accuracy, and the rest a reader
    needs to trust the forecast."""
    validation = result.get("validation")
    chosen = validation["candidates"][0] if validation and validation["candidates"] else None
    return {
        "model": result["model"]["name"],
        "method": result["model"]["method"],
        "interval_method": result["model"]["interval_method"],
        "season_lengths": result["model"]["season_lengths"],
        "accuracy": chosen["accuracy"] if chosen else None,
        "validation": validation,
        "summary": result["summary"],
        "notes": result["notes"],
    }


def series_forecast_frame(result: Dict[str, Any]) -> DataFrame:
    """A :func:`forecast_series` dict as a frame, statsforecast-like: ``date`` (datetime64[ns], when
    the series had dates) or ``step`` (int64, 1 to the horizon), ``forecast``, ``lo_80``, ``hi_80``,
    ... (float64); ``attrs`` hold the model, method, accuracy, validation, summary and notes."""
    pd = _pandas()
    columns: Dict[str, Any] = {}
    if result.get("dates") is not None:
        columns["date"] = _dates(pd, result["dates"])
    else:
        columns["step"] = pd.Series(range(1, len(result["point"]) + 1), dtype="int64")
    columns.update(_forecast_columns(pd, result["point"], result["intervals"]))
    frame = pd.DataFrame(columns)
    frame.attrs.update(_model_attrs(result))
    frame.attrs["id"] = result.get("id")
    frame.attrs["filled"] = result["filled"]
    return frame


def metric_forecast_frame(result: Dict[str, Any]) -> DataFrame:
    """An :meth:`Engine.forecast` dict as a frame: one row per day, ``date`` (datetime64[ns]),
    ``forecast``, ``lo_80``, ``hi_80``, ... (float64); ``attrs`` hold the metric, unit, country,
    history, model, method, accuracy, summary and notes."""
    pd = _pandas()
    predictions = result["predictions"]
    levels = [b["level"] for b in predictions[0]["intervals"]] if predictions else []
    intervals = [
        {
            "level": level,
            "lower": [p["intervals"][i]["lower"] for p in predictions],
            "upper": [p["intervals"][i]["upper"] for p in predictions],
        }
        for i, level in enumerate(levels)
    ]
    columns: Dict[str, Any] = {"date": _dates(pd, [p["date"] for p in predictions])}
    columns.update(_forecast_columns(pd, [p["value"] for p in predictions], intervals))
    frame = pd.DataFrame(columns)
    frame.attrs.update(_model_attrs(result))
    frame.attrs["accuracy"] = result.get("accuracy")
    frame.attrs.update(
        {
            k: result[k]
            for k in ("metric", "unit", "country", "history_from", "history_to", "generated_at")
        }
    )
    return frame


def batch_forecast_frame(result: Dict[str, Any], id_col: str, date_col: str) -> DataFrame:
    """A :func:`forecast_batch` dict as one long frame: ``id_col``, ``date_col`` (datetime64[ns],
    when the series had dates) or ``step``, ``forecast``, ``lo_80``, ``hi_80``, ...; ``attrs`` hold
    ``models`` (id -> model name), ``accuracy`` (id -> the chosen model's validation accuracy) and
    ``failures`` (the series that could not be forecast, with the error's code and message)."""
    pd = _pandas()
    parts = []
    for f in result["forecasts"]:
        part = series_forecast_frame(f)
        part.attrs = {}
        if "date" in part.columns:
            part = part.rename(columns={"date": date_col})
        part.insert(0, id_col, f["id"])
        parts.append(part)
    if parts:
        frame = pd.concat(parts, ignore_index=True)
    else:
        frame = pd.DataFrame({id_col: pd.Series([], dtype=object)})
    frame.attrs["models"] = {f["id"]: f["model"]["name"] for f in result["forecasts"]}
    frame.attrs["accuracy"] = {
        f["id"]: (f["validation"]["candidates"][0]["accuracy"] if f["validation"] else None)
        for f in result["forecasts"]
    }
    frame.attrs["failures"] = result["failures"]
    return frame


def report_kpi_frame(content: Dict[str, Any]) -> DataFrame:
    """A report's KPI tables (``Engine.report_content``) as one frame: section, metric, label, unit,
    value, previous, change_pct (float64, NaN for no data) and higher_is_better, in report order;
    ``attrs`` hold the period, its days, the days compared with, the country and the summary."""
    pd = _pandas()
    rows = [(s["section"], r) for s in content["sections"] for r in s["rows"]]

    def floats(key: str) -> Any:
        return pd.Series([float("nan") if r[key] is None else float(r[key]) for _, r in rows], dtype="float64")

    df = pd.DataFrame(
        {
            "section": pd.Series([s for s, _ in rows], dtype="object"),
            "metric": pd.Series([r["metric"] for _, r in rows], dtype="object"),
            "label": pd.Series([r["label"] for _, r in rows], dtype="object"),
            "unit": pd.Series([r["unit"] for _, r in rows], dtype="object"),
            "value": floats("value"),
            "previous": floats("previous"),
            "change_pct": floats("change_pct"),
            "higher_is_better": pd.Series([bool(r["higher_is_better"]) for _, r in rows], dtype="bool"),
        }
    )
    df.attrs = {
        key: content[key]
        for key in ("period", "from", "to", "previous_from", "previous_to", "country", "currency", "summary")
    }
    return df
