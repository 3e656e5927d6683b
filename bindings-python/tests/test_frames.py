"""DataFrame helpers: shapes and dtypes, to_frame, and the message when pandas is missing."""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.api import types as ptypes

import halobuzz_analytics as ha

from conftest import FIRST, LAST, cli_json, engine_kwargs, snake_keys


def test_time_series_frame(engine: ha.Engine) -> None:
    series = engine.time_series("engagement.avg_session_duration", FIRST, LAST, "week")
    frame = engine.time_series_frame("engagement.avgSessionDuration", FIRST, LAST, "week")
    assert list(frame.columns) == ["period", "from", "to", "value"]
    assert frame.shape == (len(series["points"]), 4) == (5, 4)
    for col in ("period", "from", "to"):
        assert frame[col].dtype == "datetime64[ns]"
    assert frame["value"].dtype == "float64"
    assert frame["period"].dt.day_of_week.eq(0).all(), "weeks start on Monday"
    assert frame["from"].iloc[0] == pd.Timestamp(FIRST) and frame["to"].iloc[-1] == pd.Timestamp(LAST)
    assert frame["value"].tolist() == [p["value"] for p in series["points"]]
    assert frame.attrs == {
        "metric": "engagement.avg_session_duration",
        "granularity": "week",
        "country": "ALL",
        "from": FIRST,
        "to": LAST,
    }
    pd.testing.assert_frame_equal(ha.to_frame(series), frame)


def test_none_values_are_nan(engine: ha.Engine) -> None:
    # d30 retention needs signups 30 days before: none in the first days of the data.
    frame = engine.time_series_frame("retention.d30_retention", FIRST, "2026-03-25")
    assert frame["value"].dtype == "float64"
    assert frame["value"].isna().all()
    assert frame.shape == (5, 4)


def test_retention_matrix_frame(engine: ha.Engine) -> None:
    days = [0, 1, 7, 14, 28]
    matrix = engine.retention_matrix(FIRST, LAST, days=days)
    frame = engine.retention_matrix_frame(FIRST, LAST, days=days)
    assert list(frame.columns) == ["cohort_size", "d0", "d1", "d7", "d14", "d28"]
    assert frame.index.name == "cohort_date" and frame.index.dtype == "datetime64[ns]"
    assert frame.shape == (len(matrix["cohorts"]), 1 + len(days)) == (5, 6)
    assert (frame.index.day_of_week == 0).all(), "weekly cohorts start on Monday"
    assert frame.index.tolist() == [pd.Timestamp(c["cohort_date"]) for c in matrix["cohorts"]]
    assert frame["cohort_size"].dtype == "int64"
    assert frame["cohort_size"].tolist() == [c["cohort_size"] for c in matrix["cohorts"]]
    assert [str(t) for t in frame.dtypes] == ["int64"] + ["float64"] * len(days)
    unbounded = engine.retention_matrix_frame(FIRST, LAST, days=days, on_or_after=True)
    assert list(unbounded.columns) == list(frame.columns)
    for i, cohort in enumerate(matrix["cohorts"]):
        for cell in cohort["cells"]:
            for table, key in ((frame, "rate"), (unbounded, "rate_on_or_after")):
                share = table[f"d{cell['day']}"].iloc[i]
                if cell[key] is None:
                    assert math.isnan(share) and cell["eligible"] == 0
                else:
                    assert share == cell[key]
    # The youngest cohort has not reached day 28: NaN, not 0.
    assert math.isnan(frame["d28"].iloc[-1]) and frame["d0"].notna().all()
    shares = frame.drop(columns="cohort_size")
    assert (unbounded.drop(columns="cohort_size").fillna(0) >= shares.fillna(0)).all().all()
    assert shares.min().min() >= 0 and shares.max().max() <= 100
    assert frame.attrs == {
        "granularity": "week",
        "country": "ALL",
        "from": FIRST,
        "to": LAST,
        "as_of": LAST,
        "days": days,
        "on_or_after": False,
    }
    assert unbounded.attrs["on_or_after"] is True
    pd.testing.assert_frame_equal(ha.to_frame(matrix), frame)
    # The days N by default are the core's.
    default = engine.retention_matrix_frame(FIRST, LAST)
    assert list(default.columns) == ["cohort_size", "d1", "d3", "d7", "d14", "d30", "d60", "d90"]


def test_an_empty_retention_matrix_frame(engine: ha.Engine) -> None:
    frame = engine.retention_matrix_frame("2001-01-01", "2001-01-14", granularity="day", days=[1, 7])
    assert frame.shape == (14, 3)
    assert (frame["cohort_size"] == 0).all() and frame[["d1", "d7"]].isna().all().all()
    assert frame.index.dtype == "datetime64[ns]"


def test_lifecycle_frame(engine: ha.Engine) -> None:
    lifecycle = engine.lifecycle(FIRST, LAST, "week", "NP")
    frame = engine.lifecycle_frame(FIRST, LAST, "week", "NP")
    counts = ["active", "new", "returning", "resurrecting", "dormant"]
    assert list(frame.columns) == ["period", "to", *counts]
    assert [str(t) for t in frame.dtypes] == ["datetime64[ns]"] * 2 + ["int64"] * 5
    assert len(frame) == len(lifecycle["periods"]) == 5
    assert frame["period"].dt.day_of_week.eq(0).all()
    assert frame["to"].iloc[-1] == pd.Timestamp(LAST)
    for column in counts:
        assert frame[column].tolist() == [p[column] for p in lifecycle["periods"]]
    assert (frame["active"] == frame["new"] + frame["returning"] + frame["resurrecting"]).all()
    assert (frame["dormant"] <= 0).all()
    assert frame.attrs == {"granularity": "week", "country": "NP", "from": FIRST, "to": LAST}
    pd.testing.assert_frame_equal(ha.to_frame(lifecycle), frame)
    assert len(engine.lifecycle_frame(FIRST, LAST)) == 30


def test_kpis_frame(engine: ha.Engine) -> None:
    frame = engine.kpis_frame(FIRST, LAST, ["ALL", "NP", "in"])
    paths = ha.metric_paths()
    assert list(frame.columns) == ["country", "from", "to", *paths]
    assert frame.shape == (3, 3 + len(paths))
    assert frame["country"].tolist() == ["ALL", "NP", "IN"]
    assert frame["from"].dtype == "datetime64[ns]"
    assert frame["engagement.active_users"].dtype == "int64"
    assert frame["revenue.total"].dtype == "float64"
    assert frame["retention.d30_retention"].dtype == "float64"
    assert frame["revenue.by_og_tier.unknown"].dtype == "float64"
    report = engine.kpis(FIRST, LAST, "NP")
    row = frame.set_index("country").loc["NP"]
    assert row["revenue.total"] == report["revenue"]["total"]
    assert row["engagement.avg_session_duration"] == report["engagement"]["avg_session_duration"]
    one = engine.kpis_frame(FIRST, LAST)
    assert one.shape == (1, 3 + len(paths)) and one["country"].tolist() == ["ALL"]
    pd.testing.assert_frame_equal(ha.to_frame(engine.kpis(FIRST, LAST)), one)


def test_top_creators_frame(engine: ha.Engine) -> None:
    frame = engine.top_creators_frame(FIRST, LAST)
    top = engine.kpis(FIRST, LAST)["creators"]["top_creators"]
    assert list(frame.columns) == ["rank", "host_id", "username", "revenue", "streams", "viewers"]
    assert frame.shape == (len(top), 6) and 0 < len(top) <= 10
    assert frame["rank"].tolist() == list(range(1, len(top) + 1))
    assert [str(t) for t in frame.dtypes] == ["int64", "object", "object", "float64", "int64", "int64"]
    assert frame["host_id"].tolist() == [t["host_id"] for t in top]
    assert frame["revenue"].is_monotonic_decreasing
    generic = ha.to_frame(top)
    assert list(generic.columns) == ["host_id", "username", "revenue", "streams", "viewers"]
    assert len(generic) == len(top)


def test_quality_frames(engine: ha.Engine) -> None:
    report = engine.quality_report()
    collections = engine.quality_frame()
    assert collections.shape == (8, 11)
    assert collections["collection"].tolist() == [c["collection"] for c in report["collections"]]
    for col in ("read", "valid", "invalid", "duplicates", "warnings"):
        assert collections[col].dtype == "int64"
    for col in ("first", "last"):
        assert str(collections[col].dtype) == "datetime64[ns, UTC]"
    assert collections["missing_country_share"].dtype == "float64"
    assert collections["issues_truncated"].dtype == "bool"
    assert (collections["read"] == collections["valid"] + collections["invalid"] + collections["duplicates"]).all()
    pd.testing.assert_frame_equal(ha.to_frame(report), collections)

    invalid = engine.quality_frame("invalid")
    assert list(invalid.columns) == ["collection", "field", "reason", "count"]
    assert invalid["count"].dtype == "int64"
    assert invalid["count"].sum() == collections["invalid"].sum() > 0

    warnings = engine.quality_frame("warnings")
    assert list(warnings.columns) == ["collection", "field", "reason", "count"]
    assert warnings["count"].dtype == "int64"
    assert len(warnings) == sum(len(c["warnings_by_field"]) for c in report["collections"])
    assert set(warnings["reason"]) <= {"unknown_country", "unknown_og_tier"}
    for c in report["collections"]:
        by_field = warnings[warnings["collection"] == c["collection"]]["count"]
        # A document with two warnings counts once in `warnings`, once per field in the table.
        assert c["warnings"] <= by_field.sum() <= 2 * c["warnings"]

    issues = engine.quality_frame("issues")
    assert list(issues.columns) == ["collection", "kind", "id", "field", "reason", "detail", "line"]
    assert str(issues["line"].dtype) == "Int64"
    assert len(issues) == sum(len(c["issues"]) for c in report["collections"])
    assert set(issues["kind"]) == {"invalid", "duplicate"}
    assert issues["line"].notna().all(), "documents read from files have line numbers"


def test_warnings_of_valid_documents(data_dir: Path, tmp_path: Path) -> None:
    """Documents kept with part of them ignored (an OG tier outside 1-5, an unknown country code) are
    counted in `warnings` and `warnings_by_field`, and tabled by quality_frame("warnings")."""
    for f in data_dir.glob("*.json"):
        shutil.copy(f, tmp_path / f.name)
    lines = (tmp_path / "transactions.json").read_text().splitlines()
    og = json.loads(next(line for line in lines if '"og_subscription"' in line))
    extra = []
    for oid, metadata in (
        ("69cfd04c2865533423d7fffe", {"ogTier": 7, "country": "QQ"}),
        ("69cfd04c2865533423d7ffff", {"ogTier": "gold"}),
    ):
        extra.append(json.dumps({**og, "_id": {"$oid": oid}, "metadata": {**og["metadata"], **metadata}}))
    (tmp_path / "transactions.json").write_text("\n".join(lines + extra) + "\n")

    engine = ha.Engine.from_directory(tmp_path, **engine_kwargs())
    report = engine.quality_report()
    assert report == snake_keys(cli_json("quality", "--data", str(tmp_path)))
    transactions = next(c for c in report["collections"] if c["collection"] == "transactions")
    assert transactions["warnings"] == 2
    assert transactions["warnings_by_field"] == [
        {"field": "metadata.ogTier", "reason": "unknown_og_tier", "count": 2},
        {"field": "metadata.country", "reason": "unknown_country", "count": 1},
    ]
    before = ha.Engine.from_directory(data_dir, **engine_kwargs()).quality_report()["collections"][1]
    assert transactions["valid"] == before["valid"] + 2, "documents with warnings are kept"

    warnings = engine.quality_frame("warnings")
    assert warnings.to_dict("records") == [
        {"collection": "transactions", "field": "metadata.ogTier", "reason": "unknown_og_tier", "count": 2},
        {"collection": "transactions", "field": "metadata.country", "reason": "unknown_country", "count": 1},
    ]
    collections = engine.quality_frame().set_index("collection")
    assert collections.loc["transactions", "warnings"] == 2
    assert collections["warnings"].sum() == 2


def test_rollups_to_frame(fresh_engine: ha.Engine) -> None:
    frame = ha.to_frame(fresh_engine.rollup_day("2026-04-01"))
    assert frame["country"].iloc[0] == "ALL"
    assert "facts.active" in frame.columns and "facts.coin_topups.npr" in frame.columns
    assert frame["facts.active"].dtype == "int64"


def test_to_frame_refuses_other_values() -> None:
    with pytest.raises(TypeError, match="to_frame"):
        ha.to_frame(42)
    with pytest.raises(TypeError, match="to_frame"):
        ha.to_frame({"something": 1})


def test_missing_pandas_is_a_clear_import_error(engine: ha.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    calls = [
        lambda: engine.time_series_frame("revenue.total", FIRST, LAST),
        lambda: engine.kpis_frame(FIRST, LAST),
        lambda: engine.top_creators_frame(FIRST, LAST),
        lambda: engine.quality_frame(),
        lambda: ha.to_frame(engine.time_series("revenue.total", FIRST, LAST)),
        lambda: engine.retention_matrix_frame(FIRST, LAST),
        lambda: engine.lifecycle_frame(FIRST, LAST),
    ]
    for call in calls:
        with pytest.raises(ImportError, match=r"need pandas.*pip install pandas") as info:
            call()
        assert info.value.name == "pandas"
    # Everything else works without pandas.
    assert engine.kpis(FIRST, LAST)["period"]["days"] == 30
