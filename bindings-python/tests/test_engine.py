"""Engine behaviour seen from Python: arguments, configuration, backfill, rollups, threads, docs."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import halobuzz_analytics as ha

from conftest import DAYS, FIRST, LAST, NOW, PSEUDONYM_KEY, RATE, SEED, USERS


def test_dates_as_date_objects_or_strings(engine: ha.Engine) -> None:
    assert engine.kpis(dt.date(2026, 4, 1), dt.date(2026, 4, 7)) == engine.kpis("2026-04-01", "2026-04-07")
    assert engine.kpis(dt.date(2026, 4, 1), "2026-04-07") == engine.kpis("2026-04-01", dt.date(2026, 4, 7))


def test_config_from_keywords_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    e = ha.Engine.generate(
        users=50, days=3, timezone="Asia/Kathmandu", app_id="hb-test", usd_to_npr=Decimal("1.335E+2"),
        alerts={"drop_pct": 25, "abuse_threshold": 80}, pseudonym_key="s3cret", max_range_days=400,
        settle_minutes=30, backfill_concurrency=2, now="2026-04-10T00:00:00Z", read_env=False,
    )
    assert e.config == {
        "timezone": "Asia/Kathmandu",
        "app_id": "hb-test",
        "usd_to_npr": "133.5",
        "alerts": {
            "drop_pct": 25.0,
            "payer_drop_pct": 10.0,
            "abuse_threshold": 80,
            "infra_threshold": 100,
            "churn_threshold": 20.0,
            "engagement_drop_pct": 15.0,
        },
        "reveal_user_ids": False,
        "max_range_days": 400,
        "settle_minutes": 30,
        "backfill_concurrency": 2,
        "reports_dir": None,
    }
    assert "s3cret" not in repr(e) + repr(e.config)
    assert repr(e) == "Engine(timezone=\"Asia/Kathmandu\", app_id=\"hb-test\", usd_to_npr=\"133.5\")"

    monkeypatch.setenv("REPORTS_TZ", "Europe/London")
    monkeypatch.setenv("USD_TO_NPR", "140")
    monkeypatch.setenv("ANALYTICS_MAX_RANGE_DAYS", "90")
    from_env = ha.Engine.generate(users=50, days=3)
    assert (from_env.config["timezone"], from_env.config["usd_to_npr"]) == ("Europe/London", "140")
    assert (from_env.config["max_range_days"], from_env.config["settle_minutes"]) == (90, 60)
    overridden = ha.Engine.generate(users=50, days=3, usd_to_npr=133.25)
    assert overridden.config["usd_to_npr"] == "133.25"
    ignored = ha.Engine.generate(users=50, days=3, read_env=False)
    assert (ignored.config["timezone"], ignored.config["usd_to_npr"]) == ("Australia/Sydney", None)


def test_the_pseudonym_key_changes_host_ids(data_dir: Path, engine: ha.Engine) -> None:
    def hosts(e: ha.Engine) -> List[str]:
        return [c["host_id"] for c in e.kpis(FIRST, LAST)["creators"]["top_creators"]]

    other = ha.Engine.from_directory(data_dir, usd_to_npr=RATE, pseudonym_key="another key", now=NOW, read_env=False)
    revealed = ha.Engine.from_directory(data_dir, usd_to_npr=RATE, reveal_user_ids=True, now=NOW, read_env=False)
    assert len(set(hosts(engine)) & set(hosts(other))) == 0
    assert all(len(h) == 24 and not h.startswith("u_") for h in hosts(revealed))
    assert engine.config["reveal_user_ids"] is False and revealed.config["reveal_user_ids"] is True


def test_backfill_skips_what_is_stored_unless_forced(fresh_engine: ha.Engine) -> None:
    progress: List[Dict[str, Any]] = []
    first = fresh_engine.backfill(FIRST, "2026-03-25", progress=progress.append)
    assert first["days"] == 5 and first["computed"] == 5 and first["skipped"] == 0
    assert first["rollups_written"] >= 5  # ALL plus one per country per day
    assert [p["date"] for p in progress] == ["2026-03-21", "2026-03-22", "2026-03-23", "2026-03-24", "2026-03-25"]
    assert all(p["total"] == 5 and p["skipped"] is False for p in progress)
    assert first["cancelled"] is False
    again = fresh_engine.backfill(FIRST, "2026-03-25")
    assert again == {"days": 5, "computed": 0, "skipped": 5, "rollups_written": 0, "cancelled": False}
    forced = fresh_engine.backfill(FIRST, "2026-03-25", force=True)
    assert forced == first


def _engine_at(now: Any, **options: Any) -> ha.Engine:
    """The dataset of `fresh_engine` with the engine's clock stopped at `now`."""
    return ha.Engine.generate(
        users=USERS, days=DAYS, seed=SEED, usd_to_npr=RATE, pseudonym_key=PSEUDONYM_KEY, now=now,
        read_env=False, **options,
    )


# 10:00 in Sydney on 2026-04-10: 04-08 is over, 04-09 ended 10 hours ago (more than the default settle
# delay of 60 minutes), 04-10 is today and 04-11 tomorrow, the last day a request may name.
APRIL_10 = "2026-04-10T00:00:00Z"


def test_days_not_over_are_never_stored() -> None:
    engine = _engine_at(APRIL_10)
    summary = engine.backfill("2026-04-08", "2026-04-11")
    assert (summary["days"], summary["computed"], summary["skipped"], summary["cancelled"]) == (4, 2, 2, False)
    assert engine.rollups_of_day("2026-04-08") != [] and engine.rollups_of_day("2026-04-09") != []
    assert engine.rollups_of_day("2026-04-10") == [] and engine.rollups_of_day("2026-04-11") == []
    # Beyond tomorrow is not a day the engine reports on yet.
    with pytest.raises(ha.InvalidInputError, match="date range"):
        engine.backfill("2026-04-10", "2026-04-12")
    with pytest.raises(ha.InvalidInputError, match="not over yet") as info:
        engine.rollup_day("2026-04-10")
    assert info.value.argument == "date"
    # Reports still cover today: days not over are computed live, not stored.
    assert engine.kpis("2026-04-09", "2026-04-11")["period"]["days"] == 3
    assert engine.rollups_of_day("2026-04-10") == []


def test_now_is_an_rfc3339_string_or_an_aware_datetime() -> None:
    sydney = dt.timezone(dt.timedelta(hours=10))
    for now in (
        APRIL_10,
        "2026-04-10T10:00:00+10:00",
        dt.datetime(2026, 4, 10, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 4, 10, 10, tzinfo=sydney),
    ):
        engine = _engine_at(now)
        summary = engine.backfill("2026-04-08", "2026-04-11")
        assert (summary["computed"], summary["skipped"]) == (2, 2), now
    # Just before the settle delay of 04-09 ends (its end is 14:00 UTC, plus 60 minutes).
    early = _engine_at(dt.datetime(2026, 4, 9, 14, 59, 59, 999999, tzinfo=dt.timezone.utc))
    assert early.backfill("2026-04-08", "2026-04-09")["computed"] == 1
    with pytest.raises(TypeError, match="naive"):
        _engine_at(dt.datetime(2026, 4, 10))
    for wrong in (dt.date(2026, 4, 10), 1775779200, 1775779200.0):
        with pytest.raises(TypeError, match="now"):
            _engine_at(wrong)
    for bad in ("yesterday", "2026-04-10", "2026-04-10 00:00:00"):
        with pytest.raises(ha.InvalidInputError, match="RFC 3339") as info:
            _engine_at(bad)
        assert info.value.argument == "now"


def test_settle_minutes_delay_the_rollup_of_a_finished_day() -> None:
    # 04-09 ended 10 hours before APRIL_10: settled after 60 minutes, not after 12 hours.
    assert _engine_at(APRIL_10).rollup_day("2026-04-09")[0]["date"] == "2026-04-09"
    slow = _engine_at(APRIL_10, settle_minutes=12 * 60)
    with pytest.raises(ha.InvalidInputError, match="720 minutes"):
        slow.rollup_day("2026-04-09")
    assert slow.backfill("2026-04-08", "2026-04-09")["computed"] == 1
    assert _engine_at(APRIL_10, settle_minutes=0).config["settle_minutes"] == 0
    with pytest.raises(ha.InvalidInputError) as info:
        _engine_at(APRIL_10, settle_minutes=7 * 24 * 60 + 1)
    assert info.value.argument == "settle_minutes"
    with pytest.raises(ha.InvalidInputError) as info:
        _engine_at(APRIL_10, settle_minutes=-1)
    assert info.value.argument == "settle_minutes"


def test_ranges_are_bounded() -> None:
    engine = _engine_at(APRIL_10, max_range_days=7)
    assert engine.kpis("2026-04-01", "2026-04-07")["period"]["days"] == 7
    with pytest.raises(ha.InvalidInputError, match="at most 7") as info:
        engine.kpis("2026-04-01", "2026-04-08")
    assert info.value.code == "INVALID_ARGUMENT"
    with pytest.raises(ha.InvalidInputError, match="at most 7"):
        engine.time_series("revenue.total", "2026-03-01", "2026-04-08", "week")
    with pytest.raises(ha.InvalidInputError, match="2000-01-01"):
        engine.kpis("1999-12-31", "2000-01-01")
    with pytest.raises(ha.InvalidInputError, match="today"):
        engine.kpis("2026-04-11", "2026-04-12")
    for bad in (0, 36601, -3, 2**40):
        with pytest.raises(ha.InvalidInputError) as info:
            _engine_at(APRIL_10, max_range_days=bad)
        assert info.value.argument == "max_range_days", bad


def test_backfill_recent_rolls_up_the_last_settled_days_again() -> None:
    engine = _engine_at(APRIL_10)
    progress: List[Dict[str, Any]] = []
    summary = engine.backfill_recent(3, progress=progress.append)
    assert summary == {
        "days": 3, "computed": 3, "skipped": 0, "rollups_written": summary["rollups_written"], "cancelled": False,
    }
    assert [p["date"] for p in progress] == ["2026-04-07", "2026-04-08", "2026-04-09"]
    assert all(p["total"] == 3 for p in progress)
    # Days already rolled up are computed again (late documents), never skipped.
    again = engine.backfill_recent(3)
    assert (again["computed"], again["skipped"]) == (3, 0)
    assert engine.rollups_of_day("2026-04-10") == []
    # The same progress semantics as backfill: False cancels after that day.
    cancelled = engine.backfill_recent(5, progress=lambda p: p["done"] < 2)
    assert (cancelled["days"], cancelled["computed"], cancelled["cancelled"]) == (5, 2, True)
    with pytest.raises(TypeError, match="progress"):
        engine.backfill_recent(3, progress="print")  # type: ignore[arg-type]
    for bad in (0, -1, 3661):
        with pytest.raises(ha.InvalidInputError) as info:
            engine.backfill_recent(bad)
        assert info.value.code == "INVALID_ARGUMENT"
        assert info.value.argument == "days", bad
        assert str(info.value).startswith("invalid days: "), str(info.value)
    assert _engine_at(APRIL_10, max_range_days=2).backfill_recent(2)["days"] == 2
    with pytest.raises(ha.InvalidInputError, match="maxRangeDays|max_range_days"):
        _engine_at(APRIL_10, max_range_days=2).backfill_recent(3)


class Interrupt(Exception):
    pass


def test_a_raising_progress_callback_stops_backfill_recent() -> None:
    engine = _engine_at(APRIL_10)

    def progress(p: Dict[str, Any]) -> None:
        if p["done"] == 2:
            raise Interrupt("enough")

    with pytest.raises(Interrupt, match="enough"):
        engine.backfill_recent(4, progress=progress)
    assert engine.rollups_of_day("2026-04-07") != []
    assert engine.rollups_of_day("2026-04-08") == []


def test_a_progress_callback_returning_false_cancels_the_backfill(fresh_engine: ha.Engine) -> None:
    days = ["2026-03-21", "2026-03-22", "2026-03-23", "2026-03-24", "2026-03-25"]
    seen: List[str] = []

    def progress(p: Dict[str, Any]) -> bool:
        seen.append(p["date"])
        return p["done"] < 2  # False after the second day

    summary = fresh_engine.backfill(days[0], days[-1], progress=progress)
    assert seen == days[:2]
    assert summary["cancelled"] is True
    assert (summary["days"], summary["computed"], summary["skipped"]) == (5, 2, 0)
    # Only whole days are stored: each computed day has its ALL rollup, the days after have none.
    for day in days[:2]:
        assert fresh_engine.rollups_of_day(day)[0]["country"] == "ALL"
    for day in days[2:]:
        assert fresh_engine.rollups_of_day(day) == []
    # None, True or anything but False goes on; the next backfill resumes after the cancelled one.
    resumed = fresh_engine.backfill(days[0], days[-1], progress=lambda p: None)
    assert (resumed["computed"], resumed["skipped"], resumed["cancelled"]) == (3, 2, False)


def test_rollups(fresh_engine: ha.Engine) -> None:
    assert fresh_engine.rollups_of_day("2026-04-05") == []
    rollups = fresh_engine.rollup_day("2026-04-05")
    assert rollups[0]["country"] == "ALL"
    assert len(rollups) > 1 and "ALL" not in {r["country"] for r in rollups[1:]}
    facts = rollups[0]["facts"]
    # Sets of ids are given as sizes; no raw id leaves the engine.
    assert isinstance(facts["active"], int) and facts["active"] > 0
    assert all(isinstance(facts[k], int) for k in ("payers", "og_buyers", "players", "signups", "new_hosts", "hosts", "rounds"))
    assert facts["coin_topups"] == {"npr": facts["coin_topups"]["npr"], "usd": facts["coin_topups"]["usd"]}
    assert rollups[0]["timezone"] == "Australia/Sydney" and rollups[0]["date"] == "2026-04-05"
    assert set(rollups[0]) == {"app_id", "date", "country", "timezone", "version", "computed_at", "facts"}
    stored = fresh_engine.rollups_of_day(dt.date(2026, 4, 5))
    assert [r["country"] for r in stored] == [r["country"] for r in rollups]
    assert stored == rollups
    # The day's active users in the rollup are the dau of a one-day report.
    assert fresh_engine.kpis("2026-04-05", "2026-04-05")["engagement"]["dau"] == facts["active"]


_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def _strings(value: Any) -> Iterator[str]:
    """Every string of a result, dict keys included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def test_rollups_hold_raw_ids_only_when_revealed(fresh_engine: ha.Engine) -> None:
    hidden = fresh_engine.rollup_day("2026-04-05") + fresh_engine.rollups_of_day("2026-04-05")
    assert not [s for s in _strings(hidden) if _OBJECT_ID.match(s)]
    revealing = ha.Engine.generate(users=USERS, days=DAYS, seed=SEED, reveal_user_ids=True, now=NOW, read_env=False)
    revealed = revealing.rollup_day("2026-04-05")
    ids = revealed[0]["user_ids"]
    assert len(ids["active"]) == revealed[0]["facts"]["active"] > 0
    assert all(_OBJECT_ID.match(i) for i in ids["active"])
    assert set(ids) == {"active", "payers", "og_buyers", "players", "signups", "new_hosts", "hosts"}


def test_the_metric_catalog() -> None:
    catalog = ha.metrics()
    assert catalog == ha.Engine.metrics()
    assert [m["id"] for m in catalog] == ha.metric_paths()
    total = catalog[0]
    assert total["id"] == "revenue.total"
    assert (total["section"], total["unit"], total["kind"]) == ("revenue", "npr", "sum")
    assert total["description"]
    tier1 = next(m for m in catalog if m["id"] == "revenue.by_og_tier.tier1")
    assert tier1["aliases"][0] == "revenue.byOGTier.tier1"  # the JSON spelling, also accepted
    assert {m["kind"] for m in catalog} <= {"sum", "distinctCount", "ratio", "growth"}


def test_computing_calls_release_the_gil() -> None:
    """While a large generation runs in a thread, the main thread keeps running Python."""
    done = threading.Event()
    result: Dict[str, Any] = {}

    def work() -> None:
        started = time.monotonic()
        result["engine"] = ha.Engine.generate(users=2500, days=50, seed=3, read_env=False)
        result["seconds"] = time.monotonic() - started
        done.set()

    thread = threading.Thread(target=work)
    last, longest = time.monotonic(), 0.0
    thread.start()
    while not done.is_set():
        time.sleep(0.001)
        now = time.monotonic()
        longest, last = max(longest, now - last), now
    thread.join()
    if result["seconds"] < 0.2:  # pragma: no cover - a fast release build
        pytest.skip("the generation is too fast to tell")
    assert longest < result["seconds"] / 2, (longest, result["seconds"])


def test_an_engine_is_shared_between_threads(fresh_engine: ha.Engine, engine: ha.Engine) -> None:
    """Threads rolling up, recomputing and reading the same days see whole days only."""
    expected = engine.kpis("2026-04-01", "2026-04-14", "NP")
    results: List[Any] = []
    errors: List[BaseException] = []

    def read() -> None:
        try:
            for _ in range(3):
                results.append(fresh_engine.kpis("2026-04-01", "2026-04-14", "NP"))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def rewrite() -> None:
        try:
            for _ in range(3):
                fresh_engine.backfill("2026-03-01", "2026-04-14", force=True)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=f) for f in (read, rewrite, read, rewrite, read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [expected] * 9


def _window() -> List[str]:
    first = dt.date.fromisoformat(FIRST)
    return [(first + dt.timedelta(days=i)).isoformat() for i in range(DAYS)]


def _all_rollups(engine: ha.Engine) -> Dict[str, Dict[str, Any]]:
    """The `ALL` rollup of every day of the window, by day (rolled up first where missing)."""
    engine.backfill(FIRST, LAST)
    out = {}
    for day in _window():
        views = engine.rollups_of_day(day)
        assert views[0]["country"] == "ALL"
        out[day] = views[0]
    return out


def test_retention_cohorts_split_the_signups_of_the_range(engine: ha.Engine) -> None:
    rollups = _all_rollups(engine)
    daily = engine.retention_matrix(FIRST, LAST, granularity="day", days=[0, 1, 7])
    assert [c["cohort_date"] for c in daily["cohorts"]] == _window()
    # A daily cohort is its day's signups, and all of them reach day N on the same day.
    for c in daily["cohorts"]:
        assert c["from"] == c["to"] == c["cohort_date"]
        assert c["cohort_size"] == rollups[c["cohort_date"]]["facts"]["signups"]
        for cell in c["cells"]:
            reached = dt.date.fromisoformat(c["cohort_date"]) + dt.timedelta(days=cell["day"]) <= dt.date.fromisoformat(LAST)
            assert cell["eligible"] == (c["cohort_size"] if reached else 0)
    signups = sum(r["facts"]["signups"] for r in rollups.values())
    assert signups > 0
    for granularity in ("day", "week", "month"):
        matrix = engine.retention_matrix(FIRST, LAST, granularity=granularity)
        assert sum(c["cohort_size"] for c in matrix["cohorts"]) == signups, granularity
        for c in matrix["cohorts"]:
            for cell in c["cells"]:
                assert cell["retained"] <= cell["retained_on_or_after"] <= cell["eligible"] <= c["cohort_size"]
                assert (cell["rate"] is None) == (cell["eligible"] == 0)
    frame = engine.retention_matrix_frame(FIRST, LAST, granularity="day")
    assert frame["cohort_size"].sum() == signups


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
@pytest.mark.parametrize("country", ["ALL", "NP"])
def test_lifecycle_reconciles(engine: ha.Engine, granularity: str, country: str) -> None:
    periods = engine.lifecycle(FIRST, LAST, granularity, country)["periods"]
    assert periods and periods[0]["period"] <= FIRST and periods[-1]["to"] == LAST
    for p in periods:
        assert p["active"] == p["new"] + p["returning"] + p["resurrecting"], p
        assert p["dormant"] <= 0, p
    for before, p in zip(periods, periods[1:]):
        assert p["period"] == (dt.date.fromisoformat(before["to"]) + dt.timedelta(days=1)).isoformat()
        # Who was active before either is active again or went dormant.
        assert before["active"] >= p["returning"] - p["dormant"], p


def test_daily_lifecycle_counts_the_active_users_of_the_rollups(engine: ha.Engine) -> None:
    rollups = _all_rollups(engine)
    periods = engine.lifecycle(FIRST, LAST)["periods"]
    assert [p["period"] for p in periods] == _window()
    assert [p["active"] for p in periods] == [rollups[p["period"]]["facts"]["active"] for p in periods]


def test_cohort_defaults_are_the_cores(engine: ha.Engine) -> None:
    matrix = engine.retention_matrix(FIRST, LAST)
    assert (matrix["granularity"], matrix["country"], matrix["as_of"]) == ("week", "ALL", LAST)
    assert matrix["days"] == [1, 3, 7, 14, 30, 60, 90]
    assert engine.retention_matrix(FIRST, LAST, as_of=None, days=None) == matrix
    assert engine.lifecycle(FIRST, LAST)["granularity"] == "day"
    parameters = inspect.signature(ha.Engine.retention_matrix).parameters
    assert [(p.name, p.default) for p in list(parameters.values())[1:]] == [
        ("start", inspect.Parameter.empty),
        ("end", inspect.Parameter.empty),
        ("as_of", None),
        ("granularity", "week"),
        ("country", "ALL"),
        ("days", None),
    ]
    assert inspect.signature(ha.Engine.retention_matrix_frame).parameters["on_or_after"].kind == inspect.Parameter.KEYWORD_ONLY
    # Dates as date objects, days as any sequence of ints.
    assert engine.retention_matrix(
        dt.date(2026, 3, 21), dt.date(2026, 4, 12), as_of=dt.date(2026, 4, 19), days=range(1, 4)
    ) == engine.retention_matrix("2026-03-21", "2026-04-12", "2026-04-19", days=[1, 2, 3])


def test_generation_manifest(engine: ha.Engine) -> None:
    assert engine.generation_manifest is None
    e = ha.Engine.generate(users=60, days=5, seed=1, start="2026-01-10", revenue_drop=("2026-01-12", 50), read_env=False)
    m = e.generation_manifest
    assert m is not None
    assert (m["start"], m["end"], m["users"], m["days"], m["seed"]) == ("2026-01-10", "2026-01-14", 60, 5, 1)
    assert m["revenue_drop"] == {"day": "2026-01-12", "pct": 50.0}
    assert [c["collection"] for c in m["collections"]][0] == "users"


def test_every_public_name_is_documented() -> None:
    for name in ha.__all__:
        obj = getattr(ha, name)
        if name != "__version__":
            assert inspect.getdoc(obj), name
    for name, member in inspect.getmembers(ha.Engine):
        if not name.startswith("_"):
            assert inspect.getdoc(member), f"Engine.{name}"
    assert ha.__doc__ and "by_og_tier" in ha.__doc__
    assert inspect.signature(ha.Engine.kpis_frame).parameters["country"].default == "ALL"


def test_version() -> None:
    assert ha.__version__ == "0.1.0"
