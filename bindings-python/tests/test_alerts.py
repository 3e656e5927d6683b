"""Alerts through the binding (the core's alert requests): on a dataset with a 60% revenue drop
injected on DROP_DAY, a check the morning after raises ``revenue_drop:ALL:DROP_DAY`` with the JSON of
``halobuzz-analytics alerts check --json``; acknowledging, resolving, the rules, and delivery through
a Python notifier, each attempt recorded on its alert."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Dict, List

import pytest

import halobuzz_analytics as ha

from conftest import PSEUDONYM_KEY, RATE, cli_json, engine_kwargs, run_cli, snake

DROP_DAY = "2026-04-14"
REVENUE_ALERT = f"revenue_drop:ALL:{DROP_DAY}"
# 08:00 in Sydney (AEST, +10:00) the morning after the drop.
AT = "2026-04-14T22:00:00Z"
NOW = "2026-04-20T00:00:00Z"
# Fields whose values are JSON documents of their own: their keys are data, not renamed.
RAW = {"config", "related_data", "payload"}


def contract(value: Any) -> Any:
    """The CLI's JSON with field names in snake_case, as the binding returns results."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            name = snake(k)
            out[name] = v if name in RAW else contract(v)
        return out
    if isinstance(value, list):
        return [contract(v) for v in value]
    return value


@pytest.fixture(scope="module")
def drop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("drop")
    run_cli("generate", "--out", str(out), "--users", "1500", "--days", "30", "--seed", "7",
            "--drop-day", DROP_DAY, "--drop-pct", "60")
    return out


@pytest.fixture
def alert_engine(drop_dir: Path) -> ha.Engine:
    """A fresh engine (its in-memory store starts without alerts) with the clock at NOW."""
    return ha.Engine.from_directory(drop_dir, **engine_kwargs())


def cli_flags(drop_dir: Path) -> List[str]:
    return ["--data", str(drop_dir), "--usd-to-npr", RATE, "--pseudonym-key", PSEUDONYM_KEY, "--now", NOW, "--at", AT]


def test_check_raises_the_drop_like_the_cli(alert_engine: ha.Engine, drop_dir: Path) -> None:
    check = alert_engine.check_alerts(at=AT, channels={"channels": ["slack", "webhook"]})
    assert any(t["alert_id"] == REVENUE_ALERT and t["event"] == "firing" for t in check["transitions"])
    assert any(n["alert_id"] == REVENUE_ALERT and n["channel"] == "slack" for n in check["notifications"])
    expected = cli_json("alerts", "check", *cli_flags(drop_dir), "--channels", "slack,webhook")
    assert check == contract(expected)


def test_at_as_an_aware_datetime(alert_engine: ha.Engine) -> None:
    at = datetime.datetime(2026, 4, 15, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=10)))
    check = alert_engine.check_alerts(at=at)
    assert check["at"] == AT
    assert check["notifications"] == []
    with pytest.raises(TypeError, match="naive"):
        alert_engine.check_alerts(at=datetime.datetime(2026, 4, 15, 8, 0))
    with pytest.raises(ha.InvalidInputError, match="at"):
        alert_engine.check_alerts(at="yesterday")
    with pytest.raises(ha.InvalidInputError, match="at"):
        alert_engine.check_alerts(at="2099-01-01T00:00:00Z")
    with pytest.raises(ha.InvalidInputError):
        alert_engine.check_alerts(channels={"channels": ["pager"]})


def test_evaluate_explains_like_the_cli(alert_engine: ha.Engine, drop_dir: Path) -> None:
    evaluations = alert_engine.evaluate_alerts(at=AT)
    assert evaluations == contract(cli_json("alerts", "explain", *cli_flags(drop_dir)))
    revenue = next(e for e in evaluations if e["rule"] == "revenue_drop" and e["country"] == "ALL")
    assert revenue["decision"] == "breach"
    assert alert_engine.alerts() == []


def test_acknowledge_and_resolve(alert_engine: ha.Engine) -> None:
    alert_engine.check_alerts(at=AT)
    acked = alert_engine.acknowledge_alert(REVENUE_ALERT, "ops@halobuzz")
    assert (acked["status"], acked["acknowledged_by"], acked["acknowledged_at"]) == ("acknowledged", "ops@halobuzz", NOW)
    with pytest.raises(ha.InvalidInputError, match="only an active alert"):
        alert_engine.acknowledge_alert(REVENUE_ALERT, "ops")
    with pytest.raises(ha.InvalidInputError, match="no alert") as unknown:
        alert_engine.acknowledge_alert("no-such-alert", "ops")
    assert unknown.value.argument == "alert_id"
    with pytest.raises(ha.InvalidInputError, match="by"):
        alert_engine.resolve_alert(REVENUE_ALERT, "ops\x1b[31m\x07")
    resolved = alert_engine.resolve_alert(REVENUE_ALERT, "ops@halobuzz")
    assert (resolved["status"], resolved["resolved_by"]) == ("resolved", "ops@halobuzz")
    with pytest.raises(ha.InvalidInputError, match="already resolved"):
        alert_engine.resolve_alert(REVENUE_ALERT, "ops")
    assert alert_engine.alerts(status=["resolved"], rule="revenue_drop") == [resolved]
    assert alert_engine.alerts(since=datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)) == []
    with pytest.raises(ha.InvalidInputError, match="limit"):
        alert_engine.alerts(limit=0)
    with pytest.raises(ha.InvalidInputError, match="min_severity"):
        alert_engine.alerts(min_severity="apocalyptic")


def test_rule_round_trip(alert_engine: ha.Engine) -> None:
    built_ins = alert_engine.alert_rules()
    assert [r["id"] for r in built_ins] == [
        "revenue_drop", "payer_rate_drop", "abuse_spike", "infra_errors", "churn_spike", "engagement_drop",
    ]
    rule: Dict[str, Any] = {
        "id": "np-revenue-floor",
        "condition": {"kind": "threshold", "metric": "revenue.total", "below": 1000},
        "countries": ["NP"],
        "for": "15m",
        "keep_firing_for": 3600,
    }
    stored = alert_engine.put_alert_rule(rule)
    assert (stored["id"], stored["for"], stored["keep_firing_for"], stored["enabled"]) == (
        "np-revenue-floor", "900s", "3600s", True,
    )
    assert alert_engine.alert_rules()[-1] == stored
    # What alert_rules() returns is accepted back as it is.
    assert alert_engine.put_alert_rule(stored) == stored
    assert alert_engine.delete_alert_rule("np-revenue-floor") is True
    assert alert_engine.delete_alert_rule("np-revenue-floor") is False
    assert alert_engine.alert_rules() == built_ins
    with pytest.raises(ha.InvalidInputError, match="id"):
        alert_engine.put_alert_rule({**rule, "id": "Bad Id!"})
    with pytest.raises(ha.InvalidInputError, match="revenue.totl"):
        alert_engine.put_alert_rule({**rule, "condition": {"kind": "threshold", "metric": "revenue.totl", "below": 1}})
    with pytest.raises(TypeError):
        alert_engine.put_alert_rule(["not", "a", "dict"])  # type: ignore[arg-type]


def test_delivery_records_a_failure_then_a_success(alert_engine: ha.Engine) -> None:
    received: List[Dict[str, Any]] = []

    def notifier(notification: Dict[str, Any]) -> Dict[str, Any]:
        received.append(notification)
        if len(received) == 1:
            return {"outcome": "failed", "response": "HTTP 500 from https://hooks.slack.com/services/T0/B0/XXXSECRET"}
        return {"outcome": "sent", "response": "200 OK"}

    done = alert_engine.deliver_alert_notifications({"channels": ["slack", "webhook"]}, notifier, at=AT)
    assert received == done["notifications"]
    assert (received[0]["alert_id"], received[0]["channel"]) == (REVENUE_ALERT, "slack")
    alert = next(a for a in done["delivered"] if a["alert_id"] == REVENUE_ALERT)
    assert [(a["channel"], a["outcome"], a["at"], a["response"]) for a in alert["notifications"]] == [
        ("slack", "failed", NOW, "HTTP 500 from https://hooks.slack.com/***"),
        ("webhook", "sent", NOW, "200 OK"),
    ]
    assert alert_engine.alerts(rule="revenue_drop") == [alert]


@pytest.mark.parametrize(
    "answer",
    [
        lambda n: 1 / 0,
        lambda n: 42,
        lambda n: {"outcome": "delivered"},
        lambda n: {"outcome": "sent", "response": object()},
        lambda n: None,
    ],
    ids=["raises", "a number", "an unknown outcome", "an object response", "None"],
)
def test_a_bad_notifier_is_a_failed_attempt(alert_engine: ha.Engine, answer: Any) -> None:
    done = alert_engine.deliver_alert_notifications({"channels": ["webhook"]}, answer, at=AT)
    alert = next(a for a in done["delivered"] if a["alert_id"] == REVENUE_ALERT)
    [attempt] = alert["notifications"]
    assert attempt["outcome"] == "failed"
    assert attempt["response"]


def test_a_raising_notifier_shows_its_exception_redacted(alert_engine: ha.Engine) -> None:
    def notifier(notification: Dict[str, Any]) -> Dict[str, Any]:
        raise ConnectionError("refused by https://api.telegram.org/bot123456789:AAEhBP0av28sYqB4lPf3e-X9x2uN0yZ6abc/send")

    done = alert_engine.deliver_alert_notifications({"channels": ["webhook"]}, notifier, at=AT)
    alert = next(a for a in done["delivered"] if a["alert_id"] == REVENUE_ALERT)
    [attempt] = alert["notifications"]
    assert attempt["outcome"] == "failed"
    assert "ConnectionError" in attempt["response"] and "AAEhBP0" not in attempt["response"]


def test_keyboard_interrupt_stops_delivery_and_propagates(alert_engine: ha.Engine) -> None:
    def notifier(notification: Dict[str, Any]) -> Dict[str, Any]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        alert_engine.deliver_alert_notifications({"channels": ["webhook"]}, notifier, at=AT)
    [alert] = alert_engine.alerts(rule="revenue_drop")
    assert [a["outcome"] for a in alert["notifications"]] == ["failed"]


def test_delivery_arguments_are_checked_first(alert_engine: ha.Engine) -> None:
    with pytest.raises(TypeError, match="notifier"):
        alert_engine.deliver_alert_notifications({"channels": ["slack"]}, "https://hooks", at=AT)  # type: ignore[arg-type]
    with pytest.raises(ha.InvalidInputError, match="telegram"):
        alert_engine.deliver_alert_notifications({"channels": ["telegram"]}, lambda n: {"outcome": "sent"}, at=AT)
    assert alert_engine.alerts() == []
