"""Forecasts from Python: the same results as the CLI's JSON for the same request, the DataFrame
shapes, None/NaN as missing values, and the engine's typed errors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, List, Optional

import pandas as pd
import pytest

import halobuzz_analytics as ha
from halobuzz_analytics import InvalidInputError

from conftest import LAST, NOW, cli_engine_args, cli_json, snake_keys


def weekly(n: int) -> List[float]:
    """A weekly pattern on a slow trend."""
    return [100.0 + i * 0.5 + [0.0, 5.0, 9.0, 4.0, -3.0, -8.0, -6.0][i % 7] for i in range(n)]


def test_forecast_series_equals_the_cli(tmp_path: Path) -> None:
    values: List[Optional[float]] = list(weekly(60))
    values[10] = None
    values[20] = math.nan
    csv = tmp_path / "s.csv"
    csv.write_text("value\n" + "\n".join("" if v is None else str(v) for v in values) + "\n")
    expected = cli_json("forecast", "--series", str(csv), "--horizon", "9", "--season", "7")
    got = ha.forecast_series(values, 9, season_length=7)
    assert got == snake_keys(expected)
    assert got["filled"] == 2
    assert [iv["level"] for iv in got["intervals"]] == [80.0, 95.0]


def test_metric_forecast_equals_the_cli(engine: ha.Engine, data_dir: Path) -> None:
    expected = cli_json(
        "forecast", *cli_engine_args(data_dir), "--now", NOW, "--metric", "revenue.total",
        "--horizon", "7", "--to", LAST, "--levels", "50,90",
    )
    got = engine.forecast("revenue.total", horizon=7, end=LAST, levels=[50, 90])
    assert got == snake_keys(expected)
    assert got["history_to"] == LAST
    assert len(got["predictions"]) == 7


def test_metric_forecast_frame(engine: ha.Engine) -> None:
    frame = engine.forecast_frame("engagement.dau", horizon=5, end=LAST)
    assert list(frame.columns) == ["date", "forecast", "lo_80", "hi_80", "lo_95", "hi_95"]
    assert len(frame) == 5
    assert str(frame["date"].dtype) == "datetime64[ns]"
    assert frame["date"].iloc[0] == pd.Timestamp("2026-04-20")
    # Each band holds its point (the 95 % band is not always the wider: see docs/forecast-api.md).
    for level in ("80", "95"):
        assert (frame[f"lo_{level}"] <= frame["forecast"]).all()
        assert (frame["forecast"] <= frame[f"hi_{level}"]).all()
    for key in ("model", "method", "accuracy", "notes", "metric", "summary"):
        assert key in frame.attrs
    assert frame.attrs["metric"] == "engagement.dau"
    assert ha.to_frame(engine.forecast("engagement.dau", horizon=5, end=LAST)).equals(frame)


def test_stored_forecasts(fresh_engine: ha.Engine) -> None:
    assert fresh_engine.stored_forecasts() == []
    stored = fresh_engine.forecast("revenue.total", horizon=3, end=LAST, store=True)
    fresh_engine.forecast("engagement.dau", horizon=3, end=LAST, country="NP", store=True)
    listed = fresh_engine.stored_forecasts(metric="revenue.total")
    assert listed == [stored]
    assert len(fresh_engine.stored_forecasts()) == 2
    assert len(fresh_engine.stored_forecasts(country="NP")) == 1
    assert fresh_engine.stored_forecasts(start="2026-05-01") == []


def test_forecast_dataframe_like_statsforecast() -> None:
    frame = ha.forecast(weekly(50), 4, season_length=7, levels=[90])
    assert list(frame.columns) == ["step", "forecast", "lo_90", "hi_90"]
    assert list(frame["step"]) == [1, 2, 3, 4]
    assert frame.attrs["model"] and frame.attrs["accuracy"] is not None
    days = pd.date_range("2026-01-01", periods=50, freq="D")
    dated = ha.forecast(pd.Series(weekly(50)), 3, dates=[d.date() for d in days])
    assert list(dated.columns) == ["date", "forecast", "lo_80", "hi_80", "lo_95", "hi_95"]
    assert dated["date"].iloc[0] == pd.Timestamp("2026-02-20")


def test_forecast_frame_of_many_series() -> None:
    days = pd.date_range("2026-01-01", periods=42, freq="D")
    rows: List[Any] = []
    for uid in ("b", "a"):
        rows += [{"unique_id": uid, "ds": d, "y": v} for d, v in zip(days, weekly(42))]
    rows += [{"unique_id": "empty", "ds": days[0], "y": None}]
    df = pd.DataFrame(rows)
    out = ha.forecast_frame(df, 7, season_length=7)
    assert list(out.columns) == ["unique_id", "ds", "forecast", "lo_80", "hi_80", "lo_95", "hi_95"]
    assert list(out["unique_id"].unique()) == ["b", "a"]
    assert len(out) == 14
    assert out["ds"].iloc[0] == pd.Timestamp("2026-02-12")
    failures = out.attrs["failures"]
    assert [(f["id"], f["code"]) for f in failures] == [("empty", "INVALID_ARGUMENT")]
    assert set(out.attrs["models"]) == {"a", "b"}
    a = out[out["unique_id"] == "a"]["forecast"].tolist()
    assert a == ha.forecast(weekly(42), 7, season_length=7)["forecast"].tolist()
    # Other column names, integer steps.
    df2 = pd.DataFrame({"k": ["x"] * 30, "t": range(30), "v": weekly(30)})
    out2 = ha.forecast_frame(df2, 2, id_col="k", date_col="t", value_col="v")
    assert list(out2.columns[:2]) == ["k", "step"]


def test_none_nan_and_pandas_na_are_missing() -> None:
    a = ha.forecast_series([1.0, None, 3.0, math.nan, 5.0, 6.0], 2)
    b = ha.forecast_series(pd.Series([1.0, pd.NA, 3.0, None, 5.0, 6.0], dtype="Float64"), 2)
    assert a["filled"] == 2 and a["point"] == b["point"]


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: ha.forecast_series([], 3), "invalid values: is empty"),
        (lambda: ha.forecast_series([None, math.nan], 3), "every value is missing"),
        (lambda: ha.forecast_series([1.0, math.inf], 3), "infinite"),
        (lambda: ha.forecast_series([1.0, 2.0], -1), "invalid horizon"),
        (lambda: ha.forecast_series([1.0, 2.0], 10**12), "invalid horizon"),
        (lambda: ha.forecast_series([1.0, 2.0], 3, season_length=0), "invalid season_length"),
        (lambda: ha.forecast_series([1.0, 2.0], 3, season_length=list(range(1, 10_001))), "season_length"),
        (lambda: ha.forecast_series([1.0, 2.0], 3, method="magic"), "invalid method"),
        (lambda: ha.forecast_series([1.0, 2.0], 3, levels=[0]), "invalid levels"),
        (lambda: ha.forecast_series([1.0, 2.0], 3, dates=["2026-01-01", "2026-13-01"]), "invalid dates"),
        (lambda: ha.forecast(weekly(10), 3, validation_origins=50), "invalid validation_origins"),
        (lambda: ha.forecast_batch([{"values": [1.0], "horizon": 1}], threads=0), "invalid threads"),
    ],
)
def test_bad_input_is_invalid_input(call: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as e:
        call()
    assert e.value.code == "INVALID_ARGUMENT"
    assert message in str(e.value), str(e.value)


def test_metric_errors_are_typed(engine: ha.Engine) -> None:
    with pytest.raises(InvalidInputError, match="invalid horizon"):
        engine.forecast("revenue.total", horizon=400)
    with pytest.raises(InvalidInputError, match="invalid metric"):
        engine.forecast("revenue.nothing")
    with pytest.raises(InvalidInputError, match="invalid start"):
        engine.forecast("revenue.total", start="2026-02-30")
    with pytest.raises(InvalidInputError, match="invalid method"):
        engine.forecast("revenue.total", method="seasonal_naive")


def test_wrong_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        ha.forecast_series("1,2,3", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ha.forecast_series([1.0, "x"], 3)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ha.forecast_series([1.0, 2.0], "3")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ha.forecast_frame([1, 2, 3], 3)
    with pytest.raises(KeyError):
        ha.forecast_frame(pd.DataFrame({"y": [1.0]}), 3)
