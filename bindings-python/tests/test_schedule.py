"""The scheduler through the package (docs/schedule.md), as the Node tests do: next runs across Sydney's
2026 daylight-saving changes with their RFC 3339 offsets, a pass at an instant running the due jobs, a
custom Python job whose result and failure show in status and history, start/stop and run_forever on a
background thread, and typed errors."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List

import pytest

import halobuzz_analytics as ha
from halobuzz_analytics import InvalidInputError, Scheduler

# 10:00 in Sydney (AEST).
NOW = "2026-04-20T00:00:00Z"
ONLY_ALERTS = [
    {"name": n, "enabled": False}
    for n in ("daily-rollup", "forecasts", "weekly-report", "monthly-cohorts")
]


def engine(now: str = NOW) -> ha.Engine:
    return ha.Engine.generate(users=20, days=3, now=now, read_env=False)


def test_next_runs_across_both_sydney_dst_changes() -> None:
    s = Scheduler(engine())
    october = s.next_runs("forecasts", after="2026-10-03T00:00:00+10:00", count=3)
    assert october["timezone"] == "Australia/Sydney"
    assert october["schedule"] == "0 2 * * *"
    # 02:00 does not exist on October 4: the first instant after the gap.
    assert october["runs"] == [
        "2026-10-03T02:00:00+10:00",
        "2026-10-04T03:00:00+11:00",
        "2026-10-05T02:00:00+11:00",
    ]
    april = s.next_runs("daily-rollup", after="2026-04-03T01:00:00+11:00", count=4)
    assert april["runs"] == [
        "2026-04-03T03:00:00+11:00",
        "2026-04-04T03:00:00+11:00",
        "2026-04-05T03:00:00+10:00",
        "2026-04-06T03:00:00+10:00",
    ]
    every30 = engine().scheduler(alert_interval_min=30)
    runs = every30.next_runs("alert-check", after="2026-04-04T23:50:00+11:00", count=2)["runs"]
    assert runs == ["2026-04-05T00:00:00+11:00", "2026-04-05T00:30:00+11:00"]


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda s: s.next_runs("nightly"), "job"),
        (lambda s: s.next_runs("forecasts", count=0), "count"),
        (lambda s: s.next_runs("forecasts", count=1001), "count"),
        (lambda s: s.next_runs("forecasts", after="yesterday"), "after"),
        (lambda s: s.run_due(at="yesterday"), "at"),
        (lambda s: s.history(limit=0), "limit"),
        (lambda s: s.history(job="nightly"), "job"),
        (lambda s: s.add_job("Bad Name", "* * * * *", lambda c: None), "job"),
        (lambda s: s.add_job("x", "soon", lambda c: None), "cron"),
        (lambda s: s.add_job("x", "* * * * *", lambda c: None, catch_up="sometimes"), None),
        (lambda s: s.add_job("forecasts", "* * * * *", lambda c: None), None),
    ],
)
def test_bad_requests_raise_invalid_input(call: Any, argument: Any) -> None:
    s = Scheduler(engine())
    with pytest.raises(InvalidInputError) as info:
        call(s)
    assert info.value.code == "INVALID_ARGUMENT"
    if argument is not None:
        assert argument in str(info.value)


@pytest.mark.parametrize(
    "options",
    [
        {"lease_seconds": 0},
        {"lease_seconds": 10**9},
        {"alert_interval_min": 7},
        {"jobs": [{"name": "forecasts", "catch_up": "never"}]},
        {"jobs": [{"name": "nightly"}]},
        {"grace_minutes": 100000},
    ],
)
def test_bad_options_raise_invalid_input(options: Dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        Scheduler(engine(), **options)


def test_wrong_types_raise_type_error() -> None:
    s = Scheduler(engine())
    with pytest.raises(TypeError):
        s.add_job("x", "* * * * *", "not callable")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        s.start(on_pass=5)  # type: ignore[arg-type]


def test_run_due_runs_the_due_jobs_and_a_python_job_once() -> None:
    s = engine().scheduler(jobs=ONLY_ALERTS)
    seen: List[Dict[str, Any]] = []

    def ping(context: Dict[str, Any]) -> Dict[str, Any]:
        seen.append(context)
        return {"message": f"pinged {context['scheduled_at']}", "details": {"n": len(seen)}}

    s.add_job("quarterly-ping", "*/15 * * * *", ping, catch_up="none", description="a test job")
    done = s.run_due(NOW)
    assert done["at"] == NOW
    assert sorted((r["job"], r["outcome"]) for r in done["runs"]) == [
        ("alert-check", "succeeded"),
        ("quarterly-ping", "succeeded"),
    ]
    run = next(r for r in done["runs"] if r["job"] == "quarterly-ping")["run"]
    assert run["output"] == {"message": f"pinged {NOW}", "details": {"n": 1}}
    assert seen == [
        {"job": "quarterly-ping", "scheduled_at": NOW, "started_at": NOW, "catch_up": False, "attempt": 0}
    ]
    again = s.run_due(NOW)
    assert all(r["outcome"] != "succeeded" for r in again["runs"])
    assert len(seen) == 1

    status = s.status()
    assert status["running"] is False
    assert status["timezone"] == "Australia/Sydney"
    job = next(j for j in status["jobs"] if j["name"] == "quarterly-ping")
    assert job["last_outcome"] == "succeeded"
    assert job["last_run"] == NOW
    assert job["description"] == "a test job"
    assert job["catch_up"] == "none"
    assert job["next_run"] == "2026-04-20T00:15:00Z"
    history = s.history(job="quarterly-ping")
    assert [h["status"] for h in history] == ["succeeded"]
    assert len(s.history()) == 2


def test_a_raising_job_is_a_failed_run_with_job_failed() -> None:
    s = engine().scheduler(jobs=ONLY_ALERTS)

    def boom(context: Dict[str, Any]) -> None:
        raise ValueError("boom")

    s.add_job("raiser", "0 * * * *", boom)
    s.add_job("bad-answer", "0 * * * *", lambda c: 42)  # type: ignore[arg-type,return-value]
    s.add_job("says", "0 * * * *", lambda c: "a message")
    s.add_job("silent", "0 * * * *", lambda c: None)
    runs = {r["job"]: r for r in s.run_due(NOW)["runs"]}
    assert runs["raiser"]["outcome"] == "failed"
    assert runs["raiser"]["run"]["error"] == {
        "code": "JOB_FAILED",
        "message": "the job `raiser` failed: ValueError: boom",
    }
    assert runs["bad-answer"]["outcome"] == "failed"
    assert runs["says"]["run"]["output"]["message"] == "a message"
    assert runs["silent"]["outcome"] == "succeeded"
    raiser = next(j for j in s.status()["jobs"] if j["name"] == "raiser")
    assert raiser["last_outcome"] == "failed"
    assert "ValueError: boom" in raiser["error"]


def test_start_and_stop_on_a_background_thread() -> None:
    s = engine().scheduler(jobs=ONLY_ALERTS)
    ran = threading.Event()
    s.add_job("loop-job", "*/15 * * * *", lambda c: ran.set())
    events: List[Dict[str, Any]] = []
    s.start(on_pass=events.append)
    assert s.running
    with pytest.raises(InvalidInputError, match="already started"):
        s.start()
    with pytest.raises(InvalidInputError, match="started"):
        s.add_job("late", "* * * * *", lambda c: None)
    assert ran.wait(10)
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        time.sleep(0.01)
    assert s.status()["running"] is True
    assert s.stop() is True
    assert not s.running
    assert s.stop() is False
    assert "pass" in events[0]
    assert sorted((r["job"], r["outcome"]) for r in events[0]["pass"]["runs"]) == [
        ("alert-check", "succeeded"),
        ("loop-job", "succeeded"),
    ]
    # Stopped, it starts again.
    s.start()
    assert s.stop() is True


def test_run_forever_until_an_event_is_set() -> None:
    s = engine().scheduler(jobs=ONLY_ALERTS)
    stop = threading.Event()
    passes: List[Dict[str, Any]] = []

    def on_pass(event: Dict[str, Any]) -> None:
        passes.append(event)
        stop.set()

    started = time.monotonic()
    s.run_forever(stop_event=stop, on_pass=on_pass)
    assert time.monotonic() - started < 10
    assert not s.running
    assert passes and "pass" in passes[0]
