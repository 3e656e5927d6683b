"""Reads an XLSX report back with openpyxl and checks it against what the Rust test expects.

Usage: python3 tests/report/check_xlsx.py REPORT.xlsx EXPECTED.json

EXPECTED.json (written by core/tests/report_xlsx.rs from the report's content):
  sheets      every sheet name, in order
  hidden      the names of the hidden sheets
  cells       [sheet, cell, value, number format or null]: a number equals exactly, a string equals,
              "date:YYYY-MM-DD" is an Excel date of that day, "datetime:YYYY-MM-DDTHH:MM:SS" an Excel
              date-time
  charts      {sheet: number of native charts}
  frozen      {sheet: top-left cell of the scrolling pane}
  colorScales {sheet: range of a 3-colour-scale conditional format}
  title, created  the document properties
Prints "N passed, 0 failed" and exits 0, or lists every mismatch and exits 1.
"""

import datetime
import json
import sys

import openpyxl


def main() -> int:
    path, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    wb = openpyxl.load_workbook(path)
    failures: list[str] = []
    checks = 0

    def check(ok: bool, what: str) -> None:
        nonlocal checks
        checks += 1
        if not ok:
            failures.append(what)

    check(wb.sheetnames == expected["sheets"], f"sheets {wb.sheetnames} != {expected['sheets']}")
    for name in wb.sheetnames:
        hidden = wb[name].sheet_state == "hidden"
        check(hidden == (name in expected["hidden"]), f"{name}: hidden is {hidden}")

    for sheet, ref, value, number_format in expected["cells"]:
        cell = wb[sheet][ref]
        got = cell.value
        if isinstance(value, str) and value.startswith("date:"):
            ok = isinstance(got, datetime.datetime) and got.date().isoformat() == value[5:] \
                and got.time() == datetime.time(0)
        elif isinstance(value, str) and value.startswith("datetime:"):
            ok = isinstance(got, datetime.datetime) and got.isoformat() == value[9:]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            ok = isinstance(got, (int, float)) and not isinstance(got, bool) and float(got) == value
        else:
            ok = got == value
        check(ok, f"{sheet}!{ref}: {got!r} != {value!r}")
        if number_format is not None:
            check(cell.number_format == number_format,
                  f"{sheet}!{ref}: number format {cell.number_format!r} != {number_format!r}")

    for sheet in wb.sheetnames:
        want = expected["charts"].get(sheet, 0)
        got = len(wb[sheet]._charts)
        check(got == want, f"{sheet}: {got} charts, expected {want}")

    for sheet, top_left in expected["frozen"].items():
        got = wb[sheet].freeze_panes
        check(got == top_left, f"{sheet}: frozen panes at {got}, expected {top_left}")

    for sheet, rng in expected["colorScales"].items():
        scales = [
            str(cf.sqref)
            for cf in wb[sheet].conditional_formatting
            for rule in cf.rules
            if rule.type == "colorScale" and rule.colorScale is not None
            and len(rule.colorScale.color) == 3
        ]
        check(scales == [rng], f"{sheet}: 3-colour scales {scales}, expected [{rng}]")
    for sheet in wb.sheetnames:
        if sheet not in expected["colorScales"]:
            check(len(list(wb[sheet].conditional_formatting)) == 0,
                  f"{sheet}: unexpected conditional formats")

    check(wb.properties.title == expected["title"],
          f"title {wb.properties.title!r} != {expected['title']!r}")
    created = wb.properties.created
    check(created is not None and created.replace(tzinfo=None).isoformat() == expected["created"],
          f"created {created} != {expected['created']}")

    for failure in failures:
        print("FAIL", failure)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
