"""Cohort tables from Python: the CLI's JSON in snake_case, sizes that split the signups, stored
cohorts that read back what was computed, and the DataFrame."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

import halobuzz_analytics as ha

from conftest import FIRST, LAST, cli_engine_args, cli_json, snake_keys


def _monday_on_or_after(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return (d + dt.timedelta(days=(7 - d.weekday()) % 7)).isoformat()


@pytest.mark.parametrize(("granularity", "country"), [("week", "ALL"), ("day", "NP"), ("month", "UNKNOWN")])
def test_cohorts_equal_the_cli(engine: ha.Engine, data_dir: Path, granularity: str, country: str) -> None:
    table = engine.cohorts(FIRST, LAST, as_of=LAST, granularity=granularity, country=country)
    expected = cli_json(
        "cohorts", *cli_engine_args(data_dir), "--from", FIRST, "--to", LAST, "--as-of", LAST,
        "--granularity", granularity, "--country", country,
    )
    assert table == snake_keys(expected)


def test_cohort_sizes_split_the_signups_and_revenue_adds_up(engine: ha.Engine) -> None:
    daily = engine.retention_matrix(FIRST, LAST, granularity="day", days=[1])
    signups = sum(c["cohort_size"] for c in daily["cohorts"])
    table = engine.cohorts(FIRST, LAST, as_of=LAST)
    assert (table["granularity"], table["currency"], table["as_of"]) == ("week", "NPR", LAST)
    assert sum(c["cohort_size"] for c in table["cohorts"]) == signups > 0
    assert any(c["revenue"]["total_revenue"] > 0 for c in table["cohorts"])
    for c in table["cohorts"]:
        by_period = sum(c["revenue"]["revenue_by_period"].values())
        # Less than 90 days of data: the periods hold the whole revenue (to rounding).
        assert abs(by_period - c["revenue"]["total_revenue"]) < 0.05
        assert c["retention"]["d90"] is None and not c["mature"]
        assert 0 <= c["churned_members"] <= c["cohort_size"]


def test_refresh_then_stored_equals_computed(engine: ha.Engine) -> None:
    start = _monday_on_or_after(FIRST)
    done = engine.refresh_cohorts(start, LAST, as_of=LAST)
    computed = engine.cohorts(start, LAST, as_of=LAST)
    assert (done["written"], done["kept"], done["as_of"]) == (len(computed["cohorts"]), 0, LAST)
    stored = engine.stored_cohorts(start, LAST)
    assert [d["row"] for d in stored["cohorts"]] == computed["cohorts"]
    assert {d["as_of"] for d in stored["cohorts"]} == {LAST}


def test_cohorts_frame(engine: ha.Engine) -> None:
    table = engine.cohorts(FIRST, LAST, as_of=LAST)
    frame = engine.cohorts_frame(FIRST, LAST, as_of=LAST)
    assert list(frame.index.strftime("%Y-%m-%d")) == [c["cohort_date"] for c in table["cohorts"]]
    assert frame.index.name == "cohort_date"
    assert frame["cohort_size"].tolist() == [c["cohort_size"] for c in table["cohorts"]]
    assert str(frame["d1"].dtype) == "float64" and str(frame["sessions"].dtype) == "int64"
    assert math.isnan(frame["d90"].iloc[-1])
    assert frame.attrs["currency"] == "NPR"
    assert ha.to_frame(table).equals(frame)


def test_bad_cohort_arguments_are_invalid_input(engine: ha.Engine) -> None:
    with pytest.raises(ha.InvalidInputError, match="asOf|as_of"):
        engine.cohorts(FIRST, LAST, as_of="2000-01-01")
    with pytest.raises(ha.InvalidInputError, match="granularity"):
        engine.cohorts(FIRST, LAST, granularity="hour")
    with pytest.raises(ha.InvalidInputError):
        engine.stored_cohorts(LAST, FIRST)
