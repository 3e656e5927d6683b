"""Reports (issue 15) through the Python binding: the content as data, the file as bytes in any
format, written to a path, stored and fetched back; errors are the binding's typed errors naming the
argument. PDF, XLSX and CSV begin with their magic bytes; the PDF's text (read with pypdf) and the
XLSX's cells (read with openpyxl) hold the content's values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

import halobuzz_analytics as ha
from halobuzz_analytics import InvalidInputError, StorageError

# The dataset and clock of core/tests/report.rs: 2026-05-04 02:00 UTC is Monday 12:00 in Sydney.
NOW = "2026-05-04T02:00:00Z"
DATASET: Dict[str, Any] = {"users": 600, "days": 75, "seed": 5, "start": "2026-02-16"}
CONFIG: Dict[str, Any] = {"usd_to_npr": "133.5", "ephemeral_pseudonym_key": True, "now": NOW, "read_env": False}
MAGIC = {"pdf": b"%PDF", "xlsx": b"PK", "csv": b"table,key,column,value"}


@pytest.fixture(scope="module")
def reports_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="module")
def engine(reports_dir: Path) -> ha.Engine:
    return ha.Engine.generate(**DATASET, **CONFIG, reports_dir=reports_dir)


def test_json_content_has_every_section_and_the_periods_days(engine: ha.Engine) -> None:
    c = engine.report_content("monthly")
    # As of 2026-05-04 (Sydney): April, compared with March.
    assert (c["period"], c["from"], c["to"]) == ("monthly", "2026-04-01", "2026-04-30")
    assert (c["previous_from"], c["previous_to"]) == ("2026-03-01", "2026-03-31")
    assert c["timezone"] == "Australia/Sydney"
    assert len(c["sections"]) == 7
    assert len(c["daily"]["dates"]) == 30 and len(c["daily"]["previous_dates"]) == 31
    assert c["summary"].startswith("Revenue was NPR ")
    # The JSON file says the same (its field names in camelCase).
    r = engine.report("monthly", format="json")
    assert (r["file_name"], r["mime_type"], r["stored"]) == (
        "halobuzz-monthly-2026-04-01-2026-04-30.json",
        "application/json",
        False,
    )
    assert isinstance(r["data"], bytes)
    doc = json.loads(r["data"])
    assert (doc["from"], doc["to"], doc["previousFrom"]) == ("2026-04-01", "2026-04-30", "2026-03-01")
    assert len(doc["sections"]) == 7
    assert doc["summary"] == c["summary"]
    assert r["record"]["size"] == len(r["data"])
    assert r["record"]["format"] == "json"


def test_periods_as_of_a_day(engine: ha.Engine) -> None:
    c = engine.report_content("monthly", at="2026-03-15")
    assert (c["from"], c["to"], c["as_of"]) == ("2026-02-01", "2026-02-28", "2026-03-15")
    import datetime as dt

    c = engine.report_content("weekly", at=dt.date(2026, 5, 4))
    assert (c["from"], c["to"]) == ("2026-04-27", "2026-05-03")
    c = engine.report_content("custom", start="2026-03-10", end=dt.date(2026, 3, 19))
    assert (c["previous_from"], c["previous_to"]) == ("2026-02-28", "2026-03-09")
    frame = pytest.importorskip("pandas")
    assert frame is not None
    df = engine.report_frame("monthly")
    assert list(df.columns[:4]) == ["section", "metric", "label", "unit"]
    assert df.attrs["from"] == "2026-04-01"
    total = df[df.metric == "revenue.total"].iloc[0]
    row = next(r for s in engine.report_content("monthly")["sections"] for r in s["rows"] if r["metric"] == "revenue.total")
    assert total.value == row["value"]


def test_stored_reports_are_listed_and_fetched_byte_for_byte(engine: ha.Engine, reports_dir: Path) -> None:
    r = engine.report("weekly", format="json", store=True)
    assert r["stored"] is True
    assert (reports_dir / r["file_name"]).read_bytes() == r["data"]
    listed = engine.reports()
    assert r["record"]["id"] in [x["id"] for x in listed]
    assert engine.reports(period="weekly", format="json", start="2026-05-01", limit=1)[0]["id"] == r["record"]["id"]
    assert engine.reports(period="monthly", format="json", start="2026-05-01") == []
    record, data = engine.report_file(r["record"]["id"])
    assert data == r["data"]
    assert record == r["record"]
    with pytest.raises(InvalidInputError) as e:
        engine.report_file("rpt_nope")
    assert e.value.argument == "id"


def test_a_changed_file_is_refused(tmp_path: Path) -> None:
    e = ha.Engine.generate(**DATASET, **CONFIG, reports_dir=tmp_path)
    r = e.report("daily", format="json", store=True)
    (tmp_path / r["file_name"]).write_bytes(b"tampered")
    with pytest.raises(StorageError, match="checksum"):
        e.report_file(r["record"]["id"])


def test_write_report_to_a_directory_or_a_file(engine: ha.Engine, tmp_path: Path) -> None:
    info = engine.write_report(tmp_path, "weekly", format="json")
    name = "halobuzz-weekly-2026-04-27-2026-05-03.json"
    assert info["file_name"] == name
    assert Path(info["path"]) == tmp_path / name
    assert "data" not in info
    assert (tmp_path / name).read_bytes() == engine.report("weekly", format="json")["data"]
    target = tmp_path / "april.json"
    info = engine.write_report(str(target), "monthly", format="json", country="NP")
    assert Path(info["path"]) == target and info["file_name"].endswith("-NP.json")
    assert json.loads(target.read_bytes())["country"] == "NP"
    with pytest.raises(StorageError):
        engine.write_report(tmp_path / "no" / "such" / "dir.json", "weekly", format="json")


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"period": "hourly"}, "period"),
        ({"period": "custom", "start": "2026-03-01"}, "start"),
        ({"period": "monthly", "start": "2026-03-01"}, "start"),
        ({"period": "daily", "format": "docx"}, "format"),
        ({"period": "daily", "country": "Nepal"}, "country"),
        ({"period": "daily", "at": "2999-01-01"}, None),
        ({"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}, None),
    ],
)
def test_bad_requests_are_invalid_input_naming_the_argument(
    engine: ha.Engine, kwargs: Dict[str, Any], argument: Any
) -> None:
    with pytest.raises(InvalidInputError) as e:
        engine.report(**kwargs)
    assert e.value.code == "INVALID_ARGUMENT"
    assert e.value.argument
    if argument is not None:
        assert e.value.argument == argument, str(e.value)


def test_filters_and_storage_errors(engine: ha.Engine) -> None:
    for kwargs in ({"limit": 0}, {"limit": 10_001}, {"limit": -1}, {"format": "doc"}, {"start": "2026-13-01"}):
        with pytest.raises(InvalidInputError):
            engine.reports(**kwargs)
    bare = ha.Engine.generate(users=50, days=3, **CONFIG)
    with pytest.raises(InvalidInputError, match="REPORTS_STORAGE_DIR") as e:
        bare.report("daily", format="json", store=True)
    assert e.value.argument == "reports_dir"
    with pytest.raises(TypeError):
        engine.report("daily", colour="red")  # type: ignore[call-arg]


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_binary_formats_begin_with_their_magic_bytes(engine: ha.Engine, fmt: str, tmp_path: Path) -> None:
    r = engine.report("weekly", format=fmt)
    assert r["data"].startswith(MAGIC[fmt]), r["data"][:40]
    assert r["file_name"].endswith("." + fmt)
    assert r["record"]["format"] == fmt and r["record"]["size"] == len(r["data"])
    info = engine.write_report(tmp_path, "weekly", format=fmt)
    assert Path(info["path"]).read_bytes().startswith(MAGIC[fmt])


def test_json_renders(engine: ha.Engine) -> None:
    assert engine.report("daily", format="json")["data"].startswith(b"{")


def _revenue_row(content: Dict[str, Any]) -> Dict[str, Any]:
    rows = [r for s in content["sections"] for r in s["rows"]]
    return next(r for r in rows if r["metric"] == "revenue.total")


def test_pdf_text_holds_the_values_as_printed(engine: ha.Engine, tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    content = engine.report_content("monthly")
    path = tmp_path / "r.pdf"
    path.write_bytes(engine.report("monthly", format="pdf")["data"])
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)
    assert "HaloBuzz monthly report" in text
    assert f"{content['from']} to {content['to']}" in text
    total = _revenue_row(content)["value"]
    assert f"NPR {total:,.2f}" in text
    assert "Page 1 of" in text and "NaN" not in text


def test_xlsx_cells_hold_the_values(engine: ha.Engine, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    content = engine.report_content("monthly")
    path = tmp_path / "r.xlsx"
    path.write_bytes(engine.report("monthly", format="xlsx")["data"])
    wb = openpyxl.load_workbook(path)
    ws = wb["Revenue"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "revenue.total")
    assert row[2].value == _revenue_row(content)["value"]
    assert "NPR" in row[2].number_format


def test_the_forecast_can_be_left_out(engine: ha.Engine) -> None:
    with_forecast = engine.report_content("monthly")
    without = engine.report_content("monthly", forecast=False)
    assert with_forecast["forecast"] is not None and without["forecast"] is None
    assert without["sections"] == with_forecast["sections"]


def test_progress_sees_the_days_rolled_up_first_and_false_cancels(engine: ha.Engine, tmp_path: Path) -> None:
    fresh = ha.Engine.generate(**DATASET, **CONFIG)
    calls: list[Dict[str, Any]] = []

    def stop_at_three(p: Dict[str, Any]) -> bool:
        calls.append(p)
        return len(calls) < 3

    with pytest.raises(InvalidInputError, match="monthly report was cancelled") as info:
        fresh.report("monthly", format="json", progress=stop_at_three)
    assert info.value.code == "CANCELLED"
    assert len(calls) == 3
    seen: list[Dict[str, Any]] = []
    r = fresh.report("monthly", format="json", progress=seen.append)
    assert len(seen) == seen[0]["total"]
    assert sum(p["skipped"] for p in seen) >= 3
    assert max(str(p["date"]) for p in seen) == "2026-04-30"
    assert r["data"] == engine.report("monthly", format="json")["data"]
    again: list[Dict[str, Any]] = []
    fresh.write_report(tmp_path / "r.json", "monthly", format="json", progress=again.append)
    assert again and all(p["skipped"] for p in again)


def test_a_progress_that_raises_is_what_is_raised() -> None:
    fresh = ha.Engine.generate(**DATASET, **CONFIG)

    def fail(p: Dict[str, Any]) -> None:
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        fresh.report("weekly", format="csv", progress=fail)
    with pytest.raises(TypeError, match="progress"):
        fresh.report("weekly", format="csv", progress=42)  # type: ignore[arg-type]
