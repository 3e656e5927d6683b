"""Forecasts as pandas DataFrames, in statsforecast's shapes: :func:`forecast` for one series,
:func:`forecast_frame` for a long frame of many series (run as one parallel batch).

Only shapes change here: the native :func:`forecast_series` and :func:`forecast_batch` compute, and the
engine checks every option (so the errors are the engine's, as from the CLI and Node).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from . import _frames
from ._native import forecast_batch, forecast_series

__all__ = ["forecast", "forecast_frame"]


def forecast(
    values: Any,
    horizon: int,
    season_length: Optional[Any] = None,
    levels: Optional[Sequence[float]] = None,
    method: Optional[str] = None,
    validation_origins: Optional[int] = None,
    calibrate: Optional[bool] = None,
    fill: Optional[str] = None,
    dates: Optional[Sequence[Any]] = None,
    id: Optional[str] = None,
) -> _frames.DataFrame:
    """Forecasts one series (a sequence, NumPy array or pandas Series of numbers; ``None`` and NaN
    are missing values) ``horizon`` steps ahead. Returns a DataFrame: ``date`` (with ``dates``) or
    ``step``, ``forecast``, ``lo_80``, ``hi_80``, ``lo_95``, ``hi_95`` (columns named after
    ``levels``); ``df.attrs`` hold the model, method, validation accuracy, summary and notes. The
    arguments are those of :func:`forecast_series`."""
    result = forecast_series(
        values,
        horizon,
        season_length=season_length,
        levels=levels,
        method=method,
        validation_origins=validation_origins,
        calibrate=calibrate,
        fill=fill,
        dates=dates,
        id=id,
    )
    return _frames.series_forecast_frame(result)


def _day_strings(pd: Any, column: Any) -> Optional[List[Any]]:
    """A date column as the engine's days: datetime64 as 'YYYY-MM-DD' text, text and dates as they
    are; ``None`` for a numeric column (steps, not days)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return list(column.dt.strftime("%Y-%m-%d"))
    if pd.api.types.is_numeric_dtype(column):
        return None
    return list(column)


def _numbers(pd: Any, column: Any) -> Any:
    """A value column for the engine: numeric columns as float64 with NaN for missing (pandas' NA
    included), anything else as it is (the engine refuses what is not a number)."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype="float64", na_value=float("nan"))
    return list(column)


def forecast_frame(
    df: Any,
    horizon: int,
    id_col: str = "unique_id",
    date_col: str = "ds",
    value_col: str = "y",
    season_length: Optional[Any] = None,
    levels: Optional[Sequence[float]] = None,
    method: Optional[str] = None,
    validation_origins: Optional[int] = None,
    calibrate: Optional[bool] = None,
    fill: Optional[str] = None,
    threads: Optional[int] = None,
) -> _frames.DataFrame:
    """Forecasts every series of a long DataFrame (statsforecast's ``unique_id``, ``ds``, ``y`` by
    default) in parallel. Rows of one id are one series, in the frame's order; a ``date_col`` of
    dates or 'YYYY-MM-DD' text dates the series (days), a numeric one or none leaves steps. Returns a
    long DataFrame: ``id_col``, ``date_col`` (datetime64[ns]) or ``step``, ``forecast``, ``lo_80``,
    ``hi_80``, ...; ``df.attrs["failures"]`` lists the series that could not be forecast (with the
    error's ``code`` and ``message``: one bad series does not fail the others), ``attrs["models"]``
    and ``attrs["accuracy"]`` each series' model and validation accuracy."""
    pd = _frames._pandas()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    for name, col in (("id_col", id_col), ("value_col", value_col)):
        if col not in df.columns:
            raise KeyError(f"{name}: the frame has no column {col!r}")
    has_dates = date_col in df.columns
    series: List[Dict[str, Any]] = []
    for key, group in df.groupby(id_col, sort=False, dropna=False):
        item: Dict[str, Any] = {
            "id": str(key),
            "values": _numbers(pd, group[value_col]),
            "horizon": horizon,
        }
        days = _day_strings(pd, group[date_col]) if has_dates else None
        if days is not None:
            item["dates"] = days
        for k, v in (
            ("season_length", season_length),
            ("levels", levels),
            ("method", method),
            ("validation_origins", validation_origins),
            ("calibrate", calibrate),
            ("fill", fill),
        ):
            if v is not None:
                item[k] = v
        series.append(item)
    result = forecast_batch(series, threads=threads)
    return _frames.batch_forecast_frame(result, id_col, date_col)
