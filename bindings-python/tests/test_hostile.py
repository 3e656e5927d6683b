"""The hostile-input suite, Python side: every request of tests/hostile/requests.json through the Python
API, as core/tests/hostile.rs replays it through the request layer (and the CLI and Node suites through
theirs).

Each case fails with the exception class of its code's category and the code itself, within a deadline,
never with INTERNAL_ERROR (conftest fails a test during which one is raised), and no secret of the case
appears in the exception or anything chained to it. The one translation: an argument that is no
parameter of the method (the case "unknown option") is refused by Python itself with a TypeError
naming it, as for every Python function, before any request is built.
"""

from __future__ import annotations

import inspect
import json
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Type

import pytest

import halobuzz_analytics as ha
from halobuzz_analytics import AnalyticsError, DataError, InvalidInputError, StorageError

from conftest import REPO

CORPUS = REPO / "tests" / "hostile" / "requests.json"

# The suite's base configuration and dataset (core/tests/hostile.rs, the corpus's "about").
BASE_CONFIG: Dict[str, Any] = {"usdToNpr": 133.5, "pseudonymKey": "hostile-suite-key", "now": "2026-04-20T00:00:00Z"}
DATASET: Dict[str, Any] = {"users": 300, "days": 20, "start": "2026-03-20", "seed": 7}

# How long a case may take: the unreachable MongoDB cases wait for the driver's 5 s server selection.
DEADLINE_SECONDS = 15.0

# The exception class of each code, by the core's category.
CLASS_OF_CODE: Dict[str, Type[AnalyticsError]] = {
    "INVALID_ARGUMENT": InvalidInputError,
    "RENDER_FAILED": AnalyticsError,
    "NOT_A_DATA_DIRECTORY": DataError,
    "AMBIGUOUS_DATA_FILE": DataError,
    "READ_FAILED": DataError,
    "OVERFLOW": DataError,
    "STORAGE_ERROR": StorageError,
    "WRITE_FAILED": StorageError,
    "ENCODE_FAILED": StorageError,
}

# Operations of the corpus → Engine methods; request fields named otherwise in Python.
METHODS = {
    "kpis": "kpis",
    "timeSeries": "time_series",
    "retentionMatrix": "retention_matrix",
    "lifecycle": "lifecycle",
    "cohorts": "cohorts",
    "storedCohorts": "stored_cohorts",
    "backfill": "backfill",
    "backfillRecent": "backfill_recent",
    "rollupDay": "rollup_day",
    "funnel": "funnel",
    "hostPerformance": "host_performance",
    "checkAlerts": "check_alerts",
    "evaluateAlerts": "evaluate_alerts",
    "alerts": "alerts",
    "acknowledgeAlert": "acknowledge_alert",
    "resolveAlert": "resolve_alert",
    "putAlertRule": "put_alert_rule",
    "deleteAlertRule": "delete_alert_rule",
    "deliverAlertNotifications": "deliver_alert_notifications",
    "forecast": "forecast",
    "storedForecasts": "stored_forecasts",
    "report": "report",
    "reports": "reports",
    "reportFile": "report_file",
    "scheduler": "scheduler",
}
# Operations of the corpus → methods of a default `engine.scheduler()`.
SCHEDULER_METHODS = {
    "nextRuns": "next_runs",
    "runDue": "run_due",
    "schedulerHistory": "history",
    "addJob": "add_job",
}
# Operations of the corpus → module functions (they need no engine).
FUNCTIONS = {"forecastSeries": "forecast_series", "forecastBatch": "forecast_batch"}
# Operations whose arguments are not keyword arguments of the same names: the rule is one dict, and a
# delivery needs a notifier (one that reports every notification sent).
SHAPES: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {
    "putAlertRule": lambda arguments: {"rule": arguments},
    "deliverAlertNotifications": lambda arguments: {
        **python_names(arguments),
        "notifier": lambda notification: {"outcome": "sent"},
    },
    "addJob": lambda arguments: {**python_names(arguments), "func": lambda context: None},
    "forecastBatch": lambda arguments: {
        **python_names(arguments),
        "series": [python_names(s) for s in arguments["series"]],
    },
}
PARAMETERS = {"from": "start", "to": "end", "source": "path"}


def load_cases() -> List[Dict[str, Any]]:
    cases: List[Dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8"))["cases"]
    return cases


CASES = load_cases()


def expand(value: Any) -> Any:
    """The corpus's shorthand ``{"$repeat": X, "count": N}`` as N copies of X, anywhere in ``value``."""
    if isinstance(value, dict):
        if "$repeat" in value:
            item = expand(value["$repeat"])
            return [item] * int(value["count"])
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def python_names(arguments: Dict[str, Any]) -> Dict[str, Any]:
    """camelCase request fields as the Python keyword arguments."""
    return {PARAMETERS.get(k, ha.snake_case(k)): v for k, v in arguments.items()}


def config_of(case: Dict[str, Any]) -> Dict[str, Any]:
    config: Dict[str, Any] = {} if case.get("bareConfig") is True else dict(BASE_CONFIG)
    config.update(case.get("config", {}))
    # The request layer reads no environment unless asked (ConfigOptions.readEnv defaults to false).
    return {"read_env": False, **python_names(config)}


def unknown_parameters(function: Callable[..., Any], kwargs: Dict[str, Any]) -> List[str]:
    """The arguments that are no parameter of `function`, and its required parameters not given."""
    parameters = inspect.signature(function).parameters
    missing = [
        name
        for name, p in parameters.items()
        if name != "self" and p.default is p.empty and p.kind is not p.VAR_KEYWORD and name not in kwargs
    ]
    return sorted([k for k in kwargs if k not in parameters] + missing)


def call_of(case: Dict[str, Any]) -> Tuple[Callable[[], Any], List[str]]:
    """The Python call of a case, and the arguments that are no parameter of the method called."""
    operation = case["operation"]
    shape = SHAPES.get(operation, python_names)
    kwargs = shape(expand(case["arguments"]))
    config = config_of(case)
    if operation in FUNCTIONS:
        function = getattr(ha, FUNCTIONS[operation])
        return (lambda: function(**kwargs)), unknown_parameters(function, kwargs)
    if operation == "open":
        unknown = unknown_parameters(ha.Engine.from_directory, kwargs)
        return (lambda: ha.Engine.from_directory(**kwargs, **config)), unknown
    if operation in SCHEDULER_METHODS:
        method = SCHEDULER_METHODS[operation]
        unknown = unknown_parameters(getattr(ha.Scheduler, method), kwargs)

        def run_scheduler() -> Any:
            engine = ha.Engine.generate(**DATASET, **config)
            return getattr(engine.scheduler(), method)(**kwargs)

        return run_scheduler, unknown
    if operation not in METHODS:
        raise AssertionError(f"unknown operation {operation!r}: add it to METHODS")
    name = METHODS[operation]
    unknown = unknown_parameters(getattr(ha.Engine, name), kwargs)

    def run() -> Any:
        engine = ha.Engine.generate(**DATASET, **config)
        return getattr(engine, name)(**kwargs)

    return run, unknown


def run_within_deadline(call: Callable[[], Any]) -> Optional[BaseException]:
    """Runs `call` in a thread; the exception it raised (None if it returned). A call that outlives the
    deadline fails the test instead of hanging the suite."""
    outcome: Dict[str, BaseException] = {}

    def target() -> None:
        try:
            call()
        except BaseException as e:  # reported to the test
            outcome["raised"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(DEADLINE_SECONDS)
    if thread.is_alive():
        pytest.fail(f"still running after {DEADLINE_SECONDS} s", pytrace=False)
    return outcome.get("raised")


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything chained to it (`__cause__`, `__context__`), each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend(c for c in (e.__cause__, e.__context__) if c is not None)


def shown(exc: BaseException) -> str:
    """Everything a traceback or a log line could show of the exception and its chain."""
    parts: List[str] = []
    for e in chain(exc):
        parts += [str(e), repr(e), *map(repr, e.args), *getattr(e, "__notes__", [])]
        for attribute in ("argument", "code", "filename", "filename2"):
            parts.append(repr(getattr(e, attribute, None)))
    return "\n".join(parts)


def test_the_corpus_is_whole() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)) > 0
    for case in CASES:
        assert case["operation"] in ("open", *METHODS, *SCHEDULER_METHODS, *FUNCTIONS), case["name"]
        assert case["code"] in CLASS_OF_CODE, f"{case['name']}: no exception class for {case['code']}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_request(case: Dict[str, Any]) -> None:
    call, unknown = call_of(case)
    raised = run_within_deadline(call)
    assert raised is not None, f"{case['name']}: accepted"
    secrets = case.get("secrets", [])
    text = shown(raised)
    for secret in secrets:
        assert secret not in text, f"{case['name']} shows {secret!r}:\n{text}"
    if case.get("typeError") and type(raised) is TypeError:
        # A value of the wrong type: Python refuses it itself, as it does for any argument.
        return
    if unknown:
        # Python refuses an unexpected keyword argument, or a missing required one, itself, naming it.
        assert type(raised) is TypeError, f"{case['name']}: {raised!r}"
        assert all(name in str(raised) for name in unknown), str(raised)
        return
    for e in chain(raised):
        assert getattr(e, "code", None) != "INTERNAL_ERROR", f"{case['name']}: {e!r}"
    expected = CLASS_OF_CODE[case["code"]]
    assert type(raised) is expected, f"{case['name']}: {raised!r}"
    assert isinstance(raised, AnalyticsError)
    assert raised.code == case["code"], f"{case['name']}: {raised}"
    if expected is InvalidInputError:
        assert raised.argument, f"{case['name']}: {raised}"


DATA_DIRS = sorted(p for p in (REPO / "tests" / "hostile" / "data").iterdir() if p.is_dir())


@pytest.mark.parametrize("directory", DATA_DIRS, ids=[p.name for p in DATA_DIRS])
def test_hostile_documents_are_judged_like_the_cli(directory: Any) -> None:
    """The hostile document directories load without a crash, their quality report equals the CLI's,
    and a report over them equals the CLI's (no total changed by a bad document)."""
    from conftest import cli_json, snake_keys

    engine = ha.Engine.from_directory(
        str(directory), read_env=False, usd_to_npr="133.5", pseudonym_key="k", now="2026-04-20T00:00:00Z"
    )
    quality = engine.quality_report()
    expected = snake_keys(cli_json("quality", "--data", str(directory)))
    assert quality == expected
    got = engine.kpis("2026-03-20", "2026-04-08")
    want = snake_keys(
        cli_json(
            "kpis", "--data", str(directory), "--from", "2026-03-20", "--to", "2026-04-08",
            "--usd-to-npr", "133.5", "--pseudonym-key", "k", "--now", "2026-04-20T00:00:00Z",
        )
    )
    assert got == want
