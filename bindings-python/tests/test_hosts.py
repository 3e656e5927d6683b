"""Host performance (the core's HostPerformanceRequest): the CLI's report as a dict, its frame, and the
request layer's bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

import halobuzz_analytics as ha

from conftest import FIRST, LAST, cli_engine_args, cli_json, snake_keys


def test_host_performance_is_the_clis_report(engine: ha.Engine, data_dir: Path) -> None:
    report = engine.host_performance(FIRST, LAST, sort_by="unique_gifters", limit=15)
    expected = cli_json(
        "hosts", *cli_engine_args(data_dir), "--from", FIRST, "--to", LAST,
        "--sort-by", "unique-gifters", "--limit", "15",
    )
    assert report == snake_keys(expected)
    assert report["sort_by"] == "uniqueGifters"
    hosts = report["hosts"]
    assert 0 < len(hosts) <= 15 and report["total_hosts"] >= len(hosts)
    gifters = [h["unique_gifters"] for h in hosts]
    assert gifters == sorted(gifters, reverse=True)
    assert all(h["host_id"].startswith("u_") and len(h["host_id"]) == 26 for h in hosts)
    # The same pseudonym as top creators; the host filter takes it.
    top = engine.host_performance(FIRST, LAST, limit=1)["hosts"][0]
    kpis = engine.kpis(FIRST, LAST)
    assert top["host_id"] == kpis["creators"]["top_creators"][0]["host_id"]
    only = engine.host_performance(FIRST, LAST, hosts=[top["host_id"]])
    assert only["total_hosts"] == 1 and only["hosts"] == [top]


def test_host_performance_frame(engine: ha.Engine) -> None:
    report = engine.host_performance(FIRST, LAST, country="NP")
    frame = engine.host_performance_frame(FIRST, LAST, country="NP")
    assert len(frame) == len(report["hosts"])
    assert frame["host_id"].tolist() == [h["host_id"] for h in report["hosts"]]
    for col in ("streams", "viewers", "unique_gifters", "rank_revenue"):
        assert frame[col].dtype == "int64", col
    for col in ("coins", "avg_viewers_per_stream", "growth_revenue"):
        assert frame[col].dtype == "float64", col
    assert frame.attrs["country"] == "NP" and frame.attrs["total_hosts"] == report["total_hosts"]
    assert ha.to_frame(report).equals(frame)


@pytest.mark.parametrize(
    "kwargs",
    [{"limit": 0}, {"limit": 10_001}, {"sort_by": "fame"}, {"hosts": []}, {"country": "Atlantis"}],
)
def test_host_performance_refuses_bad_requests(engine: ha.Engine, kwargs: dict) -> None:
    with pytest.raises(ha.InvalidInputError):
        engine.host_performance(FIRST, LAST, **kwargs)


def test_host_performance_daily(engine: ha.Engine) -> None:
    report = engine.host_performance(FIRST, LAST, limit=10, daily=True)
    assert report["hosts"]
    for h in report["hosts"]:
        assert sum(d["streams"] for d in h["days"]) == h["streams"]
        assert sum(d["engagement"] for d in h["days"]) == h["engagement"]
        assert [d["date"] for d in h["days"]] == sorted(d["date"] for d in h["days"])
    assert all("days" not in h for h in engine.host_performance(FIRST, LAST, limit=10)["hosts"])
