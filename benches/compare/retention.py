#!/usr/bin/env python3
"""Side by side, DuckDB and this engine computing the same daily retention matrix from the same
generated mongoexport directory, in one run: cohorts of the first 90 signup days (Sydney days) × days
N = 1…90, counted up to the last day of the data (generate at least 180 days).

(a) cold, from the files: the engine's CLI `retention --granularity day` (load, validate, back-fill
    the daily rollups, the matrix) against DuckDB reading the NDJSON of the six activity collections
    and running the SQL below (written here from METRICS.md: a user is active on a day with a signup,
    an event, a message, a completed transaction other than `gift_received`, a stream, a stake).
(b) warm: the matrix alone, the engine's from its published rollups (through the Python binding, when
    `halobuzz_analytics` is importable: run with the binding's virtualenv) against DuckDB's SQL over
    its loaded tables.

Both sides' cells must agree exactly (cohort sizes, eligible and retained members). Times are the
fastest of `--repeat` runs; (a) includes each side's process, (b) only the call. Peak memory is each
child process's peak RSS.

    pip install --user duckdb
    cargo build --release --bin halobuzz-analytics
    python3 benches/compare/retention.py --users 20000 --days 180
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (the shared load SQL and process measurement)

MATRIX_SQL = f"""
CREATE OR REPLACE MACRO sydney_day(t) AS CAST(t AT TIME ZONE '{compare.TZ}' AS DATE);

CREATE OR REPLACE TABLE activity AS
SELECT DISTINCT user_id, day FROM (
    SELECT user_id, sydney_day(at_utc) AS day FROM users
    UNION ALL SELECT user_id, sydney_day(at_utc) FROM analyticsevents WHERE user_id IS NOT NULL
    UNION ALL SELECT user_id, sydney_day(at_utc) FROM messages
    UNION ALL SELECT user_id, sydney_day(at_utc) FROM transactions
              WHERE status = 'completed' AND type <> 'gift_received'
    UNION ALL SELECT host_id, sydney_day(at_utc) FROM livestreams
    UNION ALL SELECT user_id, sydney_day(at_utc) FROM gamestakes
);

CREATE OR REPLACE TABLE signups AS
SELECT user_id, sydney_day(at_utc) AS day FROM users
WHERE sydney_day(at_utc) BETWEEN DATE '{{first}}' AND DATE '{{last}}';

SELECT s.day AS cohort, CAST(a.day - s.day AS INTEGER) AS n, COUNT(*) AS retained
FROM signups s JOIN activity a USING (user_id)
WHERE a.day - s.day BETWEEN 1 AND 90 AND a.day <= DATE '{{as_of}}'
GROUP BY ALL
UNION ALL
SELECT day, 0, COUNT(*) FROM signups GROUP BY day
ORDER BY 1, 2;
"""


def duckdb_child(data_dir, first, last, as_of, repeat):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    t0 = time.perf_counter()
    for s in compare.statements(compare.LOAD_SQL.format(dir=data_dir)):
        con.execute(s)
    loaded = time.perf_counter()
    sql = compare.statements(MATRIX_SQL.format(first=first, last=last, as_of=as_of))
    rows, best = None, None
    for i in range(repeat):
        t = time.perf_counter()
        for s in sql[:-1]:
            con.execute(s)
        rows = con.execute(sql[-1]).fetchall()
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
        if i == 0:
            cold = time.perf_counter() - t0
    print(json.dumps({"cold": cold, "load": loaded - t0, "warm": best,
                      "cells": [[str(c), n, k] for c, n, k in rows]}))


def engine_warm_child(data_dir, first, last, as_of, repeat):
    import halobuzz_analytics as ha

    engine = ha.Engine.from_directory(data_dir, usd_to_npr=compare.USD_TO_NPR, timezone=compare.TZ,
                                      pseudonym_key=compare.PSEUDONYM_KEY, read_env=False)
    engine.backfill(first, as_of)
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        engine.retention_matrix(first, last, as_of=as_of, granularity="day", days=list(range(1, 91)))
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    print(json.dumps({"warm": best}))


def cells_of_engine(matrix):
    out = {}
    for c in matrix["cohorts"]:
        out[(c["cohortDate"], 0)] = c["cohortSize"]
        for cell in c["cells"]:
            if cell["eligible"] and cell["retained"]:
                out[(c["cohortDate"], cell["day"])] = cell["retained"]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=20000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(compare.ROOT, "target", "release", "halobuzz-analytics"))
    ap.add_argument("--data")
    ap.add_argument("--child", choices=["duckdb", "engine"], help=argparse.SUPPRESS)
    ap.add_argument("--first", help=argparse.SUPPRESS)
    ap.add_argument("--last", help=argparse.SUPPRESS)
    ap.add_argument("--as-of", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "duckdb":
        return duckdb_child(args.data, args.first, args.last, args.as_of, args.repeat)
    if args.child == "engine":
        return engine_warm_child(args.data, args.first, args.last, args.as_of, args.repeat)

    data_dir = args.data or tempfile.mkdtemp(prefix="halobuzz-retention-")
    if not os.path.exists(os.path.join(data_dir, "manifest.json")):
        subprocess.run([args.bin, "generate", "--out", data_dir, "--users", str(args.users), "--days",
                        str(args.days), "--seed", str(args.seed), "--invalid-rate", "0",
                        "--duplicate-rate", "0"], check=True, stdout=subprocess.DEVNULL)
    manifest = json.load(open(os.path.join(data_dir, "manifest.json")))
    first, as_of = manifest["start"], manifest["end"]
    last = (datetime.date.fromisoformat(first) + datetime.timedelta(days=89)).isoformat()
    n = max(1, args.repeat)

    def engine_cold():
        out, took, rss = compare.run_measured([
            args.bin, "retention", "--data", data_dir, "--from", first, "--to", last, "--as-of", as_of,
            "--granularity", "day", "--days", ",".join(str(i) for i in range(1, 91)),
            "--usd-to-npr", compare.USD_TO_NPR, "--tz", compare.TZ, "--pseudonym-key", compare.PSEUDONYM_KEY,
            "--json"])
        return json.loads(out), took, rss

    matrix, t_engine, rss_engine = compare.best_of(n, engine_cold)
    child = [sys.executable, os.path.abspath(__file__), "--data", data_dir, "--first", first, "--last", last,
             "--as-of", as_of, "--repeat", str(n)]
    out, _, rss_duck = compare.run_measured(child + ["--child", "duckdb"])
    duck = json.loads(out)
    warm_engine = None
    try:
        out, _, rss_warm = compare.run_measured(child + ["--child", "engine"])
        warm_engine = json.loads(out)["warm"]
    except SystemExit as e:
        print(f"(b) engine side skipped: the Python binding is not importable here ({str(e).splitlines()[-1]})")

    ours = cells_of_engine(matrix)
    theirs = {(c, n): k for c, n, k in duck["cells"]}
    # A signup day without signups is a cohort of 0 for the engine and no row for DuckDB.
    problems = [f"{key}: engine {ours.get(key, 0)} duckdb {theirs.get(key, 0)}"
                for key in sorted(set(ours) | set(theirs)) if ours.get(key, 0) != theirs.get(key, 0)]
    docs = sum(c["documents"] for c in manifest["collections"])
    print(f"{docs} documents, {manifest['days']} days ({first} … {as_of}); daily cohorts {first} … {last} "
          f"× days 1…90 as of {as_of}; fastest of {n} runs")
    print("(a) cold, from the files")
    print(f"  engine (CLI: load + validate + rollups + matrix): {t_engine:6.2f} s  peak RSS {compare.mib(rss_engine)}")
    print(f"  duckdb (read + SQL):                              {duck['cold']:6.2f} s  peak RSS {compare.mib(rss_duck)}")
    print(f"  ratio duckdb / engine: {duck['cold'] / t_engine:.2f}x")
    print("(b) warm: the matrix alone")
    print(f"  duckdb (SQL over its loaded tables):              {duck['warm'] * 1000:8.1f} ms")
    if warm_engine is not None:
        print(f"  engine (from published rollups):                  {warm_engine * 1000:8.1f} ms")
        print(f"  ratio duckdb / engine: {duck['warm'] / warm_engine:.1f}x")
    if problems:
        for p in problems[:10]:
            print("MISMATCH", p)
        sys.exit(f"{len(problems)} disagreements")
    print(f"agree: all {sum(1 for v in ours.values() if v)} non-zero cells (cohort sizes and members retained on day N)")


if __name__ == "__main__":
    main()
