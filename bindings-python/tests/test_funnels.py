"""Funnels from Python: the same answer as the CLI, the core's checks, and the DataFrame helper."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import halobuzz_analytics as ha

from conftest import FIRST, LAST, NOW, cli_engine_args, cli_json, snake_keys

STEPS = ["session_start", "profile_view", "session_end"]


def test_funnels_match_the_cli(engine: ha.Engine, data_dir: Path) -> None:
    builtin = engine.funnel(FIRST, LAST)
    cli = cli_json("funnel", *cli_engine_args(data_dir), "--now", NOW, "--from", FIRST, "--to", LAST)
    assert builtin == snake_keys(cli)
    assert builtin["kind"] == "builtin"
    assert builtin["total"]["members"] == sum(d["members"] for d in builtin["days"])
    custom = engine.funnel(FIRST, LAST, steps=STEPS, breakdown="platform", window_days=2)
    cli = cli_json(
        "funnel", *cli_engine_args(data_dir), "--now", NOW, "--from", FIRST, "--to", LAST,
        "--steps", ",".join(STEPS), "--breakdown", "platform", "--window-days", "2",
    )
    assert custom == snake_keys(cli)
    users = [s["users"] for s in custom["total"]["steps"]]
    assert users == sorted(users, reverse=True) and users[0] > 0
    for k in range(len(STEPS)):
        assert sum(b["steps"][k]["users"] for b in custom["breakdowns"]) == users[k]


def test_funnel_arguments_are_checked_by_the_core(engine: ha.Engine) -> None:
    with pytest.raises(ha.InvalidInputError, match="steps"):
        engine.funnel(FIRST, LAST, steps=["only_one"])
    with pytest.raises(ha.InvalidInputError, match="window_days"):
        engine.funnel(FIRST, LAST, window_days=91)
    with pytest.raises(ha.InvalidInputError, match="window_seconds"):
        engine.funnel(FIRST, LAST, window_seconds=60)
    with pytest.raises(ha.InvalidInputError, match="order"):
        engine.funnel(FIRST, LAST, steps=STEPS, order="strict")


def test_funnel_frames(engine: ha.Engine) -> None:
    days = engine.funnel_frame(FIRST, LAST)
    assert days.index.name == "date"
    assert str(days.index.dtype) == "datetime64[ns]"
    assert str(days["first_stream_converted"].dtype) == "int64"
    assert str(days["first_money_payment_rate"].dtype) == "float64"
    assert days.attrs["window_days"] == 7
    steps = engine.funnel_frame(FIRST, LAST, steps=STEPS, breakdown="country", order="consecutive")
    total = steps[steps["value"] == "ALL"]
    assert list(total["event"]) == STEPS
    assert list(total["step"]) == [1, 2, 3]
    assert math.isnan(total["median_seconds_from_previous"].iloc[0])
    assert steps.attrs["order"] == "consecutive"
    assert ha.to_frame(engine.funnel(FIRST, LAST)).shape == days.shape
