"""Shared fixtures: one small dataset written by the CLI per session, the CLI as the reference engine.

"The Rust engine's JSON" is the `halobuzz-analytics` CLI's `--json` output on the same directory, with
the same exchange rate and pseudonym key. scripts/test.sh builds the CLI; set HALOBUZZ_CLI to use
another binary.

No test reads the machine's date or time: every engine that decides which days are over is given a
stopped clock (`now=`), `NOW` for the session's dataset. Every engine that reports has a pseudonym key
(there is no built-in one). A test during which the binding raises an `INTERNAL_ERROR` (a bug or a
panic in the engine) fails, even if the test caught the exception, unless it is marked
`internal_error` (the tests of the error mapping itself).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

import halobuzz_analytics as ha

REPO = Path(__file__).resolve().parents[2]
USERS, DAYS, SEED = 400, 30, 7
# The window the generator picks for 30 days: 2026-04-05 minus 15 days, 30 days long.
FIRST, LAST = "2026-03-21", "2026-04-19"
RATE = "133.5"
PSEUDONYM_KEY = "python-binding-tests"
# The engines' clock: 10:00 in Sydney on the day after the window, so every day of it is over (and
# settled) and the window is within the range a request may name (up to today + 1).
NOW = "2026-04-20T00:00:00Z"

# Variables the CLI (and Engine with read_env=True) reads; cleared so the host cannot change results.
ENGINE_VARS = (
    "REPORTS_TZ",
    "ANALYTICS_APP_ID",
    "USD_TO_NPR",
    "ANALYTICS_PSEUDONYM_KEY",
    "ALERT_DROP_PCT",
    "ALERT_PAYER_DROP_PCT",
    "ALERT_ABUSE_THRESHOLD",
    "ALERT_INFRA_THRESHOLD",
    "ALERT_CHURN_THRESHOLD",
    "ALERT_ENGAGEMENT_DROP_PCT",
    "ANALYTICS_MAX_RANGE_DAYS",
    "ANALYTICS_SETTLE_MINUTES",
    "REPORTS_STORAGE_DIR",
)


def cli_path() -> Path:
    path = Path(os.environ.get("HALOBUZZ_CLI", REPO / "target" / "debug" / "halobuzz-analytics"))
    if not path.is_file():
        pytest.fail(
            f"the CLI {path} is missing: run `cargo build --bin halobuzz-analytics` "
            "(scripts/test.sh does) or set HALOBUZZ_CLI",
            pytrace=False,
        )
    return path


def cli_env() -> Dict[str, str]:
    """The environment without the engine's variables: the CLI gets its configuration from flags."""
    return {k: v for k, v in os.environ.items() if k not in ENGINE_VARS}


def run_cli(*args: str) -> str:
    done = subprocess.run(
        [str(cli_path()), *args],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise AssertionError(f"CLI {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def cli_json(*args: str) -> Any:
    return json.loads(run_cli(*args, "--json"))


_CAPITAL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """The naming rule of the README, written independently of the binding's Rust version."""
    return _CAPITAL.sub("_", name).lower()


def snake_keys(value: Any) -> Any:
    """A JSON value with every object key renamed by the rule (the contract's data keys are already
    snake_case, so renaming all keys equals renaming field names)."""
    if isinstance(value, dict):
        return {snake(k): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def engine_kwargs() -> Dict[str, Any]:
    """The configuration of the CLI runs: same rate and pseudonym key; the clock stopped at NOW."""
    return {"usd_to_npr": RATE, "pseudonym_key": PSEUDONYM_KEY, "now": NOW, "read_env": False}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "internal_error: the test raises INTERNAL_ERROR on purpose (the error-mapping tests)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Fails a test during which the binding raised an INTERNAL_ERROR, caught or not."""
    before = ha._native._internal_errors()
    result = yield
    raised = ha._native._internal_errors() - before
    if raised and item.get_closest_marker("internal_error") is None:
        pytest.fail(
            f"the engine raised {raised} INTERNAL_ERROR exception(s) during this test (a bug or a panic); "
            "no test may accept one",
            pytrace=False,
        )
    return result


@pytest.fixture(autouse=True)
def _no_engine_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ENGINE_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    run_cli("generate", "--out", str(out), "--users", str(USERS), "--days", str(DAYS), "--seed", str(SEED))
    return out


@pytest.fixture(scope="session")
def engine(data_dir: Path) -> ha.Engine:
    """An engine over the CLI's dataset, configured like the CLI calls of the tests."""
    return ha.Engine.from_directory(data_dir, **engine_kwargs())


@pytest.fixture
def fresh_engine() -> ha.Engine:
    """An engine without stored rollups (for tests that count what a backfill does)."""
    return ha.Engine.generate(users=USERS, days=DAYS, seed=SEED, **engine_kwargs())


def cli_engine_args(data_dir: Path) -> List[str]:
    """The CLI's flags for the engine of the `engine` fixture (its key is also in `cli_env`)."""
    return ["--data", str(data_dir), "--usd-to-npr", RATE, "--pseudonym-key", PSEUDONYM_KEY]
