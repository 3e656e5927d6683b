"""Every error path raises the documented exception, with its code; nothing panics or aborts."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Callable, Dict, Type

import pytest

import halobuzz_analytics as ha
from halobuzz_analytics import AnalyticsError, DataError, InvalidInputError, StorageError

from conftest import FIRST, LAST, NOW, PSEUDONYM_KEY, RATE, engine_kwargs


def test_the_hierarchy() -> None:
    assert issubclass(AnalyticsError, Exception)
    for sub in (InvalidInputError, DataError, StorageError):
        assert issubclass(sub, AnalyticsError)
        assert sub.__module__ == "halobuzz_analytics"
        assert sub.__doc__
    assert issubclass(InvalidInputError, ValueError)
    assert not issubclass(DataError, ValueError)
    assert InvalidInputError("x").code == "INVALID_ARGUMENT"  # the class default


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda e: e.kpis(LAST, FIRST), "after"),
        (lambda e: e.kpis("2026-02-30", LAST), "invalid start: `2026-02-30` is not a local date written YYYY-MM-DD"),
        (lambda e: e.kpis(FIRST, "19/04/2026"), "invalid end"),
        # Only the ISO form is a day, as in the CLI and the Node binding.
        (lambda e: e.kpis("2026-4-1", "2026-04-30"), "invalid start: `2026-4-1`"),
        (lambda e: e.kpis(" 2026-04-01", "2026-04-30"), "invalid start"),
        (lambda e: e.kpis("2026-04-01T00:00:00Z", "2026-04-30"), "not an instant"),
        (lambda e: e.kpis(FIRST, LAST, "Nepal"), "invalid country"),
        (lambda e: e.kpis_from_raw(FIRST, LAST, "NPL"), "invalid country"),
        (lambda e: e.time_series("revenue.nope", FIRST, LAST), "revenue.total"),
        (lambda e: e.time_series("revenue.by_og_tier", FIRST, LAST), "invalid metric"),
        (lambda e: e.time_series("revenue.total", FIRST, LAST, "hour"), "invalid granularity"),
        (lambda e: e.backfill(LAST, FIRST), "after"),
        (lambda e: e.rollup_day("yesterday"), "invalid date"),
        (lambda e: e.quality_frame("everything"), "invalid table"),
        (lambda e: e.retention_matrix(LAST, FIRST), "after"),
        (lambda e: e.retention_matrix("2026-3-21", LAST), "invalid start: `2026-3-21`"),
        (lambda e: e.retention_matrix(FIRST, LAST, as_of="2026-4-19"), "invalid as_of: `2026-4-19`"),
        (lambda e: e.retention_matrix(FIRST, LAST, "2026-03-20"), r"invalid as_of: 2026-03-20 is before the first signup day"),
        (lambda e: e.retention_matrix(FIRST, LAST, as_of="2999-01-01"), "invalid date range"),
        (lambda e: e.retention_matrix(FIRST, LAST, granularity="hour"), "invalid granularity"),
        (lambda e: e.retention_matrix(FIRST, LAST, country="Nepal"), "invalid country"),
        (lambda e: e.retention_matrix(FIRST, LAST, days=[]), "invalid days: between 1 and 400 values"),
        (lambda e: e.retention_matrix(FIRST, LAST, days=[1, 3661]), "invalid days: 3661 is beyond day 3660"),
        (lambda e: e.retention_matrix(FIRST, LAST, days=[1, -1]), r"invalid days\[1\]: .*expected u32"),
        (lambda e: e.retention_matrix(FIRST, LAST, days=[2**70]), r"invalid days\[0\]"),
        (lambda e: e.retention_matrix_frame(FIRST, LAST, days=[]), "invalid days"),
        (lambda e: e.lifecycle(LAST, FIRST), "after"),
        (lambda e: e.lifecycle(FIRST, LAST, "hour"), "invalid granularity"),
        (lambda e: e.lifecycle_frame(FIRST, LAST, country="NPL"), "invalid country"),
    ],
)
def test_invalid_arguments(engine: ha.Engine, call: Callable[[ha.Engine], Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as info:
        call(engine)
    assert info.value.code == "INVALID_ARGUMENT"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: ha.Engine.generate(users=50, days=3, read_env=False).kpis("2026-4-1", "2026-04-30"), "start"),
        (lambda: ha.Engine.generate(users=50, days=3, read_env=False, alerts={"bogus": 1}), "alerts.bogus"),
        (lambda: ha.Engine.generate(users=50, days=3, read_env=False, app_id=""), "app_id"),
        (lambda: ha.Engine.from_directory("", read_env=False), "path"),
        # An argument the engine refuses after decoding is named the Python way too.
        (lambda: ha.Engine.generate(users=50, days=3, start="2026-04-01", now=NOW, read_env=False).retention_matrix("2026-04-02", "2026-04-03", "2026-04-01"), "as_of"),
    ],
)
def test_bad_requests_are_refused_by_the_core(call: Callable[[], Any], argument: str) -> None:
    """The same requests the CLI and the Node binding refuse, with the core's code; `argument` names
    the parameter as Python spells it."""
    with pytest.raises(InvalidInputError) as info:
        call()
    assert info.value.code == "INVALID_ARGUMENT"
    assert info.value.argument == argument
    assert str(info.value).startswith(f"invalid {argument}: ")


def test_database_applies_only_to_a_mongodb_uri(data_dir: Path) -> None:
    with pytest.raises(InvalidInputError, match="invalid database: applies only") as info:
        ha.Engine.from_directory(data_dir, database="halobuzz", read_env=False)
    assert info.value.argument == "database"
    assert AnalyticsError("x").argument is None  # the class default


def test_missing_exchange_rate_is_invalid_input(data_dir: Path) -> None:
    engine = ha.Engine.from_directory(data_dir, pseudonym_key=PSEUDONYM_KEY, now=NOW, read_env=False)
    with pytest.raises(InvalidInputError, match="usd_to_npr") as info:
        engine.kpis(FIRST, LAST)
    assert info.value.argument == "usd_to_npr"
    assert str(info.value).startswith("invalid usd_to_npr: ")


@pytest.mark.parametrize(
    "options,message",
    [
        ({"users": 0}, "invalid users"),
        ({"users": -1}, "invalid users"),
        ({"days": 2**40}, "invalid days"),
        ({"invalid_rate": 0.9}, "invalid_rate"),
        ({"start": "1999-01-01"}, "invalid start"),
        ({"revenue_drop": {"day": "2020-01-01", "pct": 40}}, "revenue_drop"),
        ({"revenue_drop": ("2026-04-01", 140.0)}, "revenue_drop"),
        ({"revenue_drop": {"pct": 40}}, "invalid revenue_drop: missing field `day`"),
        ({"revenue_drop": {"day": "2026-04-01", "pct": 40, "share": 1}}, "unknown field `share`"),
        ({"timezone": "Mars/Olympus_Mons"}, "Mars/Olympus_Mons"),
        ({"usd_to_npr": "-1"}, "invalid usd_to_npr"),
        ({"usd_to_npr": 0}, "invalid usd_to_npr"),
        ({"alerts": {"drop": 5}}, "unknown field `drop`, expected one of `drop_pct`"),
        ({"alerts": {"drop_pct": -5}}, r"invalid alerts\.drop_pct: -5 is not a non-negative number"),
        ({"alerts": {"abuse_threshold": 1.5}}, r"invalid alerts\.abuse_threshold"),
        ({"alerts": {"drop_pct": float("nan")}}, r"invalid alerts\.drop_pct"),
        ({"app_id": ""}, "invalid app_id: must not be empty"),
        ({"pseudonym_key": ""}, "invalid pseudonym_key"),
    ],
)
def test_invalid_options(options: Dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as info:
        ha.Engine.generate(**{"users": 50, "days": 3, "read_env": False, **options})
    assert info.value.code == "INVALID_ARGUMENT"


def test_without_a_pseudonym_key_reports_are_refused(data_dir: Path) -> None:
    """There is no built-in key: a report (top creators' host ids are pseudonyms) fails unless a key, an
    ephemeral key or raw ids are asked for. Rollups and the quality report work without one."""
    bare = ha.Engine.from_directory(data_dir, usd_to_npr=RATE, now=NOW, read_env=False)
    for call in (
        lambda: bare.kpis(FIRST, LAST),
        lambda: bare.kpis_from_raw(FIRST, LAST),
        lambda: bare.time_series("revenue.total", FIRST, LAST),
        lambda: bare.kpis_frame(FIRST, LAST, ["ALL", "NP"]),
    ):
        with pytest.raises(InvalidInputError, match="no pseudonymisation key") as info:
            call()
        assert info.value.code == "INVALID_ARGUMENT"
        assert info.value.argument == "pseudonym_key"
    assert bare.rollup_day("2026-04-01")[0]["country"] == "ALL"
    assert bare.quality_report()["collections"]

    ephemeral = ha.Engine.from_directory(data_dir, usd_to_npr=RATE, now=NOW, ephemeral_pseudonym_key=True, read_env=False)
    keyed = ha.Engine.from_directory(data_dir, **engine_kwargs())
    # The same figures; only the pseudonyms differ (a random key of this process).
    hosts = [c["host_id"] for c in ephemeral.kpis(FIRST, LAST)["creators"]["top_creators"]]
    assert hosts and all(h.startswith("u_") for h in hosts)
    assert ephemeral.kpis(FIRST, LAST)["revenue"] == keyed.kpis(FIRST, LAST)["revenue"]
    assert set(hosts).isdisjoint(c["host_id"] for c in keyed.kpis(FIRST, LAST)["creators"]["top_creators"])
    # A key given wins over the ephemeral one.
    both = ha.Engine.from_directory(data_dir, **engine_kwargs(), ephemeral_pseudonym_key=True)
    assert both.kpis(FIRST, LAST) == keyed.kpis(FIRST, LAST)
    revealed = ha.Engine.from_directory(data_dir, usd_to_npr=RATE, now=NOW, reveal_user_ids=True, read_env=False)
    assert revealed.kpis(FIRST, LAST)["revenue"] == keyed.kpis(FIRST, LAST)["revenue"]


def test_the_pseudonym_key_is_read_from_the_environment(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYTICS_PSEUDONYM_KEY", PSEUDONYM_KEY)
    from_env = ha.Engine.from_directory(data_dir, usd_to_npr=RATE, now=NOW)
    assert from_env.kpis(FIRST, LAST) == ha.Engine.from_directory(data_dir, **engine_kwargs()).kpis(FIRST, LAST)
    with pytest.raises(InvalidInputError, match="no pseudonymisation key"):
        ha.Engine.from_directory(data_dir, usd_to_npr=RATE, now=NOW, read_env=False).kpis(FIRST, LAST)


def test_a_malformed_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERT_INFRA_THRESHOLD", "lots")
    with pytest.raises(InvalidInputError, match="ALERT_INFRA_THRESHOLD"):
        ha.Engine.generate(users=50, days=3)
    ha.Engine.generate(users=50, days=3, read_env=False)


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.kpis(20260321, LAST),
        lambda e: e.kpis(dt.datetime(2026, 3, 21, 12), LAST),
        lambda e: e.kpis(FIRST, LAST, country=None),
        lambda e: e.kpis_frame(FIRST, LAST, country=7),
        lambda e: e.backfill(FIRST, LAST, progress="print"),
        lambda e: e.backfill_recent("3"),  # type: ignore[arg-type]
        lambda e: e.backfill_recent(3, progress=print, force=True),  # type: ignore[call-arg]
        lambda e: ha.Engine.generate(users=50, days=3, now=dt.datetime(2026, 4, 10)),
        lambda e: ha.Engine.generate(users=50, days=3, now=dt.date(2026, 4, 10)),  # type: ignore[arg-type]
        lambda e: ha.Engine.generate(users=50, days=3, max_range_days="90"),  # type: ignore[arg-type]
        lambda e: ha.Engine.from_directory("x", ephemeral_pseudonym_key="yes"),  # type: ignore[arg-type]
        lambda e: e.rollup_day(None),
        lambda e: ha.Engine.generate(users="many"),  # type: ignore[arg-type]
        lambda e: ha.Engine.generate(users=50, days=3, usd_to_npr=True),
        lambda e: ha.Engine.generate(users=50, days=3, revenue_drop=40),  # type: ignore[arg-type]
        lambda e: ha.Engine.generate(users=50, days=3, colour="blue"),  # type: ignore[call-arg]
        lambda e: ha.Engine.from_directory(42),  # type: ignore[arg-type]
        lambda e: e.retention_matrix(FIRST, LAST, days="1,3"),  # type: ignore[arg-type]
        lambda e: e.retention_matrix(FIRST, LAST, days=[1.5]),  # type: ignore[list-item]
        lambda e: e.retention_matrix(FIRST, LAST, days=7),  # type: ignore[arg-type]
        lambda e: e.retention_matrix(FIRST, LAST, as_of=dt.datetime(2026, 4, 19, 12)),
        lambda e: e.retention_matrix_frame(FIRST, LAST, on_or_after="yes"),  # type: ignore[arg-type]
        lambda e: e.retention_matrix_frame(FIRST, LAST, None, "week", "ALL", None, True),  # type: ignore[misc]
        lambda e: e.lifecycle(FIRST, LAST, granularity=None),  # type: ignore[arg-type]
    ],
)
def test_wrong_types_raise_type_error(engine: ha.Engine, call: Callable[[ha.Engine], Any]) -> None:
    with pytest.raises(TypeError):
        call(engine)


def test_a_datetime_is_refused_with_a_hint(engine: ha.Engine) -> None:
    with pytest.raises(TypeError, match=r"\.date\(\)"):
        engine.kpis(dt.datetime(2026, 3, 21), LAST)


def test_not_a_data_directory(tmp_path: Path) -> None:
    for path in (tmp_path / "missing", tmp_path / "file.json"):
        if path.name.endswith(".json"):
            path.write_text("{}\n")
        with pytest.raises(DataError, match="is not a directory of mongoexport files") as info:
            ha.Engine.from_directory(path)
        assert info.value.code == "NOT_A_DATA_DIRECTORY"


def test_a_mongodb_uri_is_accepted_and_an_unreachable_server_is_a_storage_error() -> None:
    # Port 1 on loopback: nothing listens there; the store gives up after its 5 s server-selection timeout.
    with pytest.raises(StorageError, match=r"127\.0\.0\.1:1") as info:
        ha.Engine.from_directory("mongodb://127.0.0.1:1/halobuzz")
    assert info.value.code == "STORAGE_ERROR"


def test_two_files_for_one_collection(tmp_path: Path, data_dir: Path) -> None:
    shutil.copy(data_dir / "users.json", tmp_path / "users.json")
    shutil.copy(data_dir / "users.json", tmp_path / "users.ndjson")
    with pytest.raises(DataError, match="keep one") as info:
        ha.Engine.from_directory(tmp_path)
    assert info.value.code == "AMBIGUOUS_DATA_FILE"


def test_an_unreadable_file_chains_the_os_error(tmp_path: Path) -> None:
    (tmp_path / "users.json.gz").write_bytes(b"this is not gzip at all\n")
    with pytest.raises(DataError, match="users.json.gz") as info:
        ha.Engine.from_directory(tmp_path)
    assert info.value.code == "READ_FAILED"
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize(
    "code,exception,cause",
    [
        ("INVALID_ARGUMENT", InvalidInputError, None),
        pytest.param("RENDER_FAILED", AnalyticsError, None, marks=pytest.mark.internal_error),
        ("JOB_FAILED", InvalidInputError, None),
        ("CANCELLED", InvalidInputError, None),
        ("READ_FAILED", DataError, FileNotFoundError),
        ("NOT_A_DATA_DIRECTORY", DataError, None),
        ("AMBIGUOUS_DATA_FILE", DataError, None),
        ("OVERFLOW", DataError, None),
        ("WRITE_FAILED", StorageError, PermissionError),
        ("STORAGE_ERROR", StorageError, Exception),
        ("ENCODE_FAILED", StorageError, None),
        pytest.param("INTERNAL_ERROR", AnalyticsError, None, marks=pytest.mark.internal_error),
    ],
)
def test_every_core_error_code_is_mapped(code: str, exception: Type[AnalyticsError], cause: Any) -> None:
    """Codes the data cannot trigger (storage, writes, a panic) go through the test hook."""
    with pytest.raises(exception) as info:
        ha._native._raise_for_test(code)
    assert type(info.value) is exception
    assert info.value.code == code
    assert str(info.value)
    if cause is None:
        assert info.value.__cause__ is None
    elif cause is Exception:
        # A cause that is not an I/O error: its text, and its own cause (here an I/O error) chained.
        driver = info.value.__cause__
        assert type(driver) is Exception and str(driver) == "server selection timed out"
        assert type(driver.__cause__) is ConnectionRefusedError
    else:
        os_error = info.value.__cause__
        assert type(os_error) is cause and isinstance(os_error, OSError)
        assert os_error.filename == "/nonexistent/halobuzz/users.json"


def test_argument_names_are_respelled_once_by_the_core() -> None:
    with pytest.raises(InvalidInputError) as info:
        ha._native._raise_for_test("INVALID_ARGUMENT")
    assert info.value.argument == "test_argument"
    # The reason is the core's text: what it quotes is quoted as written.
    assert str(info.value) == "invalid test_argument: a test of `fieldName`"


@pytest.mark.internal_error
def test_a_panic_becomes_an_analytics_error_and_the_engine_keeps_working(engine: ha.Engine) -> None:
    with pytest.raises(AnalyticsError, match="internal error") as info:
        ha._native._raise_for_test("INTERNAL_ERROR")
    assert not isinstance(info.value, (InvalidInputError, DataError, StorageError))
    assert info.value.code == "INTERNAL_ERROR" and "a test panic" in str(info.value)
    assert engine.kpis("2026-04-01", "2026-04-01")["period"]["days"] == 1


class Stop(Exception):
    pass


def test_a_raising_progress_callback_stops_the_backfill(fresh_engine: ha.Engine) -> None:
    seen = []

    def progress(p: Dict[str, Any]) -> None:
        seen.append(p)
        if p["done"] == 3:
            raise Stop("enough")

    with pytest.raises(Stop, match="enough"):
        fresh_engine.backfill(FIRST, LAST, progress=progress)
    assert [p["done"] for p in seen] == [1, 2, 3]
    assert seen[0] == {"done": 1, "total": 30, "date": FIRST, "skipped": False}
    # The days done stay stored; running again resumes after them.
    again = fresh_engine.backfill(FIRST, LAST)
    assert again == {
        "days": 30, "computed": 27, "skipped": 3, "rollups_written": again["rollups_written"], "cancelled": False,
    }


def test_an_interrupt_in_the_progress_callback_propagates(fresh_engine: ha.Engine) -> None:
    def progress(p: Dict[str, Any]) -> None:
        if p["done"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fresh_engine.backfill(FIRST, "2026-03-25", progress=progress)
    assert len(fresh_engine.rollups_of_day("2026-03-22")) > 0
    assert fresh_engine.rollups_of_day("2026-03-23") == []
