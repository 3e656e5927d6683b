"""HaloBuzz business analytics for Python: the Rust engine, with pandas helpers.

>>> from halobuzz_analytics import Engine
>>> engine = Engine.generate(users=400, days=30, seed=7, usd_to_npr="133.5", ephemeral_pseudonym_key=True)
>>> report = engine.kpis("2026-03-25", "2026-04-13")
>>> report["revenue"]["by_og_tier"]["tier1"]            # doctest: +SKIP
>>> engine.time_series_frame("revenue.total", "2026-03-25", "2026-04-13", "week")  # doctest: +SKIP

Results are plain dicts and lists, JSON-compatible: the CLI's ``--json`` output with every field
name in snake_case. The naming rule (:func:`snake_case`): an underscore goes before each capital
letter that follows a lower-case letter or a digit, or that starts a word after an acronym; then
everything is lower-cased: ``byOGTier`` -> ``by_og_tier``, ``d1Retention`` -> ``d1_retention``,
``avgSessionDuration`` -> ``avg_session_duration``. Map keys that are data (the reasons of
``invalid_by_reason``) and values are unchanged, except the ``metric`` of a time series, which is a
path in the same snake_case spelling. Dates in results are ``'YYYY-MM-DD'`` strings, instants RFC 3339
strings. Arguments accept metric paths in either spelling.

Arguments are checked by the engine's request layer, as the CLI and the Node binding are: dates are
``datetime.date`` objects or strictly ``'YYYY-MM-DD'`` strings. :func:`metrics` lists the metric
catalog.

Errors: every engine error is an :class:`AnalyticsError` with a stable ``code``;
:class:`InvalidInputError` (also a ``ValueError``) for invalid arguments, :class:`DataError` for data
that cannot be read, :class:`StorageError` for analytics storage failures. Arguments of the wrong type
raise ``TypeError``.
"""

from ._forecast import forecast, forecast_frame
from ._frames import to_frame
from ._native import (
    AnalyticsError,
    DataError,
    Engine,
    InvalidInputError,
    Scheduler,
    StorageError,
    __version__,
    forecast_batch,
    forecast_series,
    metric_paths,
    metrics,
    snake_case,
)

__all__ = [
    "AnalyticsError",
    "DataError",
    "Engine",
    "InvalidInputError",
    "Scheduler",
    "StorageError",
    "__version__",
    "forecast",
    "forecast_batch",
    "forecast_frame",
    "forecast_series",
    "metric_paths",
    "metrics",
    "snake_case",
    "to_frame",
]
