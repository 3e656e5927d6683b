"""Results equal the Rust engine's JSON (the CLI's `--json`) for the same data, key names aside."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

import halobuzz_analytics as ha

from conftest import FIRST, LAST, DAYS, SEED, USERS, cli_engine_args, cli_json, engine_kwargs, snake, snake_keys


RANGES = [
    (FIRST, LAST),  # the whole window
    ("2026-03-30", "2026-04-12"),  # two weeks across the Sydney DST change of 2026-04-05
    ("2026-04-05", "2026-04-05"),  # the 25-hour day alone
]


@pytest.mark.parametrize("start,end", RANGES)
@pytest.mark.parametrize("country", ["ALL", "NP", "UNKNOWN"])
def test_kpis_equal_the_cli(engine: ha.Engine, data_dir: Path, start: str, end: str, country: str) -> None:
    expected = cli_json("kpis", *cli_engine_args(data_dir), "--from", start, "--to", end, "--country", country)
    assert engine.kpis(start, end, country) == snake_keys(expected)


def test_kpis_from_raw_equal_the_cli_and_the_rollups(engine: ha.Engine, data_dir: Path) -> None:
    start, end = "2026-03-25", "2026-04-13"
    expected = snake_keys(cli_json("kpis", *cli_engine_args(data_dir), "--from", start, "--to", end, "--raw"))
    assert engine.kpis_from_raw(start, end) == expected
    assert engine.kpis(start, end) == expected


def test_results_are_the_json_with_snake_case_names(engine: ha.Engine, data_dir: Path) -> None:
    expected = cli_json("kpis", *cli_engine_args(data_dir), "--from", FIRST, "--to", LAST)
    got = engine.kpis(FIRST, LAST)
    # JSON-compatible, same order of fields, same types (int stays int, float stays float).
    assert json.dumps(got) == json.dumps(snake_keys(expected))
    assert list(got["revenue"]) == [snake(k) for k in expected["revenue"]]
    assert "by_og_tier" in got["revenue"] and "d1_retention" in got["retention"]
    assert "avg_session_duration" in got["engagement"]
    assert got["creators"]["top_creators"], "the dataset has top creators"
    assert all(c["host_id"].startswith("u_") for c in got["creators"]["top_creators"])


@pytest.mark.parametrize(
    "metric,granularity",
    [
        ("revenue.total", "day"),
        ("engagement.dau", "week"),
        ("engagement.avgSessionDuration", "week"),
        ("revenue.byOGTier.tier5", "month"),
        ("retention.d1Retention", "day"),
        ("monetization.payerRate", "week"),
    ],
)
def test_time_series_equal_the_cli(engine: ha.Engine, data_dir: Path, metric: str, granularity: str) -> None:
    expected = snake_keys(
        cli_json(
            "timeseries", *cli_engine_args(data_dir), "--from", FIRST, "--to", LAST,
            "--metric", metric, "--granularity", granularity,
        )
    )
    # `metric` is a value, but a path: given in the Python spelling.
    expected["metric"] = ha.snake_case(expected["metric"])
    python_path = ha.snake_case(metric)
    assert engine.time_series(metric, FIRST, LAST, granularity) == expected
    assert engine.time_series(python_path, FIRST, LAST, granularity) == expected
    assert expected["metric"] == python_path


def test_time_series_by_country(engine: ha.Engine, data_dir: Path) -> None:
    expected = snake_keys(
        cli_json(
            "timeseries", *cli_engine_args(data_dir), "--from", FIRST, "--to", LAST,
            "--metric", "revenue.coinTopups", "--country", "IN",
        )
    )
    expected["metric"] = "revenue.coin_topups"
    assert engine.time_series("revenue.coin_topups", FIRST, LAST, country="in") == expected


def _flags(options: Dict[str, Any]) -> List[str]:
    """The CLI's flags of Python keyword arguments (`as_of` -> `--as-of`, `days` comma-separated)."""
    out: List[str] = []
    for key, value in options.items():
        text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        out += [f"--{key.replace('_', '-')}", text]
    return out


@pytest.mark.parametrize(
    "start,end,options",
    [
        (FIRST, LAST, {}),  # weekly, days 1 ... 90, as of the last signup day
        (FIRST, LAST, {"granularity": "day", "country": "NP", "days": [0, 1, 7]}),
        (FIRST, "2026-04-09", {"as_of": LAST, "granularity": "month", "days": (0, 1, 2, 28)}),
        ("2026-03-24", "2026-04-06", {"as_of": "2026-04-12", "granularity": "weekly", "country": "unknown", "days": [7, 1]}),
        (FIRST, LAST, {"as_of": "2026-03-30", "granularity": "day", "days": [1, 3]}),  # later signups left out
    ],
)
def test_retention_matrix_equals_the_cli(
    engine: ha.Engine, data_dir: Path, start: str, end: str, options: Dict[str, Any]
) -> None:
    expected = snake_keys(
        cli_json("retention", *cli_engine_args(data_dir), "--from", start, "--to", end, *_flags(options))
    )
    assert engine.retention_matrix(start, end, **options) == expected
    assert expected["cohorts"] and "retained_on_or_after" in expected["cohorts"][0]["cells"][0]


@pytest.mark.parametrize("granularity,country", [("day", "ALL"), ("week", "NP"), ("month", "ALL"), ("daily", "UNKNOWN")])
def test_lifecycle_equals_the_cli(engine: ha.Engine, data_dir: Path, granularity: str, country: str) -> None:
    expected = snake_keys(
        cli_json(
            "lifecycle", *cli_engine_args(data_dir), "--from", FIRST, "--to", LAST,
            "--granularity", granularity, "--country", country,
        )
    )
    assert engine.lifecycle(FIRST, LAST, granularity, country) == expected


def test_quality_report_equals_the_cli(engine: ha.Engine, data_dir: Path) -> None:
    expected = cli_json("quality", "--data", str(data_dir))
    report = engine.quality_report()
    assert report == snake_keys(expected)
    # The dataset has injected invalid documents and duplicates, so every part is exercised.
    assert any(c["invalid"] for c in report["collections"])
    assert any(c["duplicates"] for c in report["collections"])
    kinds = {i["kind"] for c in report["collections"] for i in c["issues"]}
    assert kinds == {"invalid", "duplicate"}


def test_generated_in_memory_equals_the_cli_files(data_dir: Path) -> None:
    engine = ha.Engine.generate(users=USERS, days=DAYS, seed=SEED, **engine_kwargs())
    manifest = engine.generation_manifest
    assert manifest is not None
    assert (manifest["start"], manifest["end"]) == (FIRST, LAST)
    on_disk = json.loads((data_dir / "manifest.json").read_text())
    assert manifest == snake_keys(on_disk)
    expected = cli_json("kpis", *cli_engine_args(data_dir), "--from", "2026-04-01", "--to", LAST)
    assert engine.kpis(dt.date(2026, 4, 1), dt.date(2026, 4, 19)) == snake_keys(expected)


def test_metric_paths_are_the_cores_in_python_spelling(engine: ha.Engine) -> None:
    paths = ha.metric_paths()
    assert paths == ha.Engine.metric_paths()
    assert len(paths) == len(set(paths))
    assert paths[0] == "revenue.total"
    assert {"revenue.by_og_tier.tier1", "engagement.avg_session_duration", "retention.d30_retention"} <= set(paths)
    report = engine.kpis(FIRST, LAST)
    for path in paths:
        node = report
        for part in path.split("."):
            node = node.get(part, 0.0) if part == "unknown" else node[part]
        assert node is None or isinstance(node, (int, float)), path
    # Every path is accepted by time_series.
    for path in paths:
        engine.time_series(path, "2026-04-01", "2026-04-02")


def test_the_naming_rule() -> None:
    cases = {
        "byOGTier": "by_og_tier",
        "d1Retention": "d1_retention",
        "d30Retention": "d30_retention",
        "avgSessionDuration": "avg_session_duration",
        "tier1": "tier1",
        "arppu": "arppu",
        "previousFrom": "previous_from",
        "already_snake": "already_snake",
        "revenue.byOGTier.tier1": "revenue.by_og_tier.tier1",
    }
    for camel, python in cases.items():
        assert ha.snake_case(camel) == python
        assert ".".join(snake(p) for p in camel.split(".")) == python
