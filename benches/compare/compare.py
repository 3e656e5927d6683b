#!/usr/bin/env python3
"""Side by side, DuckDB and this engine on the same generated mongoexport directory, in one run:

(a) load alone: DuckDB reads the NDJSON of every collection its SQL uses into tables of the fields that
    SQL uses; the engine runs `halobuzz-analytics quality`, which reads all 8 collections and validates
    every document (DATA.md) into its in-memory store.
(b) load + per-day series: daily revenue total, DAU and payer rate per Sydney day, by DuckDB (the tables
    of (a), then SQL written here from METRICS.md) and by the engine's CLI (`timeseries`: load, validate,
    back-fill daily rollups, three series).

It prints both sides' times, the two ratios duckdb / engine (above 1: the engine is faster), both sides'
peak memory (each side runs in a child process whose peak RSS is read with `wait4`), the engine's
bytes per loaded document, and checks that the numbers agree: every day of the series (revenue to the
cent, DAU exactly, payer rate to 1e-9) and the rows loaded per collection.

    pip install --user duckdb
    cargo build --release --bin halobuzz-analytics
    python3 benches/compare/compare.py --users 20000 --days 60

DuckDB's time is measured inside its process (from connecting to the last row, without the Python
start-up); the engine's is its whole process. Each measurement is repeated (`--repeat`, default 3) and
the fastest run is kept, on both sides. The data is generated without invalid or duplicate documents so
the SQL need not re-implement validation.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

USD_TO_NPR = "133.5"
TZ = "Australia/Sydney"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Any fixed key: the series carry no ids, so pseudonyms do not matter here.
PSEUDONYM_KEY = "compare-py-fixed-pseudonym-key-0123456789"

# (a) Every collection the series SQL reads, into a table of the fields it uses.
LOAD_SQL = """
CREATE OR REPLACE MACRO ts(j, path) AS CAST(json_extract_string(j, path) AS TIMESTAMPTZ);

CREATE OR REPLACE TABLE users AS
SELECT json_extract_string(json, '$._id."$oid"') AS user_id, ts(json, '$.createdAt."$date"') AS at_utc
FROM read_ndjson_objects('{dir}/users.json');

CREATE OR REPLACE TABLE transactions AS
SELECT json_extract_string(json, '$.userId."$oid"') AS user_id,
       json_extract_string(json, '$.type') AS type,
       json_extract_string(json, '$.status') AS status,
       json_extract_string(json, '$.currency') AS currency,
       CAST(json_extract(json, '$.amount') AS DECIMAL(38, 10)) AS amount,
       json_extract_string(json, '$.metadata.currency') AS paid_currency,
       CAST(json_extract(json, '$.metadata.amountPaid') AS DECIMAL(38, 10)) AS amount_paid,
       ts(json, '$.createdAt."$date"') AS at_utc
FROM read_ndjson_objects('{dir}/transactions.json');

CREATE OR REPLACE TABLE analyticsevents AS
SELECT json_extract_string(json, '$.userId."$oid"') AS user_id, ts(json, '$.timestamp."$date"') AS at_utc
FROM read_ndjson_objects('{dir}/analyticsevents.json');

CREATE OR REPLACE TABLE messages AS
SELECT json_extract_string(json, '$.userId."$oid"') AS user_id, ts(json, '$.createdAt."$date"') AS at_utc
FROM read_ndjson_objects('{dir}/messages.json');

CREATE OR REPLACE TABLE livestreams AS
SELECT json_extract_string(json, '$.hostId."$oid"') AS host_id, ts(json, '$.createdAt."$date"') AS at_utc
FROM read_ndjson_objects('{dir}/livestreams.json');

CREATE OR REPLACE TABLE gamestakes AS
SELECT json_extract_string(json, '$.userId."$oid"') AS user_id, ts(json, '$.createdAt."$date"') AS at_utc
FROM read_ndjson_objects('{dir}/gamestakes.json');
"""

# The collections of LOAD_SQL, as the engine's quality report names them.
LOADED = ["users", "transactions", "analyticsevents", "messages", "livestreams", "gamestakes"]

# (b) The three daily series over the tables of (a).
SERIES_SQL = f"""
CREATE OR REPLACE MACRO sydney_day(t) AS CAST(t AT TIME ZONE '{TZ}' AS DATE);

CREATE OR REPLACE TABLE tx AS
SELECT user_id, type, currency, amount, paid_currency, amount_paid, sydney_day(at_utc) AS day
FROM transactions WHERE status = 'completed';

CREATE OR REPLACE TABLE money AS
SELECT user_id, type, day,
       CASE WHEN currency IN ('NPR', 'USD') THEN amount * (CASE currency WHEN 'USD' THEN {USD_TO_NPR} ELSE 1 END)
            WHEN paid_currency IN ('NPR', 'USD') THEN amount_paid * (CASE paid_currency WHEN 'USD' THEN {USD_TO_NPR} ELSE 1 END)
       END AS npr
FROM tx WHERE type IN ('recharge', 'subscription', 'og_subscription', 'refund');

CREATE OR REPLACE TABLE activity AS
SELECT user_id, sydney_day(at_utc) AS day FROM users
UNION ALL
SELECT user_id, sydney_day(at_utc) FROM analyticsevents WHERE user_id IS NOT NULL
UNION ALL
SELECT user_id, sydney_day(at_utc) FROM messages
UNION ALL
SELECT user_id, day FROM tx WHERE type <> 'gift_received'
UNION ALL
SELECT host_id, sydney_day(at_utc) FROM livestreams
UNION ALL
SELECT user_id, sydney_day(at_utc) FROM gamestakes;

SELECT d.day,
       COALESCE(r.revenue, 0) AS revenue,
       d.dau,
       CASE WHEN d.dau > 0 THEN COALESCE(p.payers, 0) * 100.0 / d.dau END AS payer_rate
FROM (SELECT day, COUNT(DISTINCT user_id) AS dau FROM activity GROUP BY day) d
LEFT JOIN (SELECT day, SUM(CASE WHEN type = 'refund' THEN -ABS(npr) ELSE npr END) AS revenue
           FROM money WHERE npr IS NOT NULL GROUP BY day) r USING (day)
LEFT JOIN (SELECT day, COUNT(DISTINCT user_id) AS payers FROM money
           WHERE npr IS NOT NULL AND type <> 'refund' GROUP BY day) p USING (day)
WHERE d.day BETWEEN DATE '{{start}}' AND DATE '{{end}}'
ORDER BY d.day;
"""


def statements(sql):
    return [s for s in sql.split(";") if s.strip()]


def duckdb_child(mode, data_dir, start, end):
    """Runs in its own process: (a) the load, or (b) the load and the series; prints JSON."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    t0 = time.perf_counter()
    for s in statements(LOAD_SQL.format(dir=data_dir)):
        con.execute(s)
    out = {}
    if mode == "series":
        series = statements(SERIES_SQL.format(start=start, end=end))
        for s in series[:-1]:
            con.execute(s)
        rows = con.execute(series[-1]).fetchall()
        out["series"] = {str(r[0]): [str(r[1]), r[2], r[3]] for r in rows}
    out["elapsed"] = time.perf_counter() - t0
    out["rows"] = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in LOADED}
    print(json.dumps(out))


def run_measured(cmd):
    """Runs `cmd` and returns (stdout, wall seconds, peak RSS in bytes) of that one child."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        # Read the output to its end before reaping (a full pipe would block the child); `wait4`
        # rather than `Popen.wait`, for this child's own resource usage.
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read().decode(errors='replace')}")
    # Linux reports ru_maxrss in KiB.
    return out.decode(), elapsed, usage.ru_maxrss * 1024


def best_of(repeat, run):
    """The fastest of `repeat` runs of `run()` -> (result, seconds, rss): its result and time, and the
    highest peak RSS seen."""
    runs = [run() for _ in range(repeat)]
    fastest = min(runs, key=lambda r: r[1])
    return fastest[0], fastest[1], max(r[2] for r in runs)


def engine_load(binary, data_dir):
    out, elapsed, rss = run_measured([binary, "quality", "--data", data_dir, "--json"])
    report = json.loads(out)
    rows = {c["collection"]: c["valid"] for c in report["collections"]}
    return (rows, sum(c["read"] for c in report["collections"])), elapsed, rss


def engine_series(binary, data_dir, start, end):
    cmd = [
        binary, "timeseries", "--data", data_dir, "--from", start, "--to", end, "--granularity", "day",
        "--usd-to-npr", USD_TO_NPR, "--tz", TZ, "--json", "--pseudonym-key", PSEUDONYM_KEY,
        "--metric", "revenue.total", "--metric", "engagement.dau", "--metric", "monetization.payerRate",
    ]
    out, elapsed, rss = run_measured(cmd)
    revenue, dau, payer = json.loads(out)
    result = {}
    for r, d, p in zip(revenue["points"], dau["points"], payer["points"]):
        result[r["from"]] = (Decimal(str(r["value"])), d["value"], p["value"])
    return result, elapsed, rss


def duckdb_run(mode, data_dir, start, end):
    cmd = [sys.executable, os.path.abspath(__file__), "--duckdb-child", mode, "--data", data_dir,
           "--start", start, "--end", end]
    out, _, rss = run_measured(cmd)
    result = json.loads(out)
    # DuckDB's own time, without the interpreter's start-up and `import duckdb`.
    return result, result["elapsed"], rss


def mib(n):
    return f"{n / (1 << 20):.0f} MiB"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=20000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is kept")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "halobuzz-analytics"))
    ap.add_argument("--data", help="reuse or create this data directory")
    ap.add_argument("--duckdb-child", choices=["load", "series"], help=argparse.SUPPRESS)
    ap.add_argument("--start", help=argparse.SUPPRESS)
    ap.add_argument("--end", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.duckdb_child:
        duckdb_child(args.duckdb_child, args.data, args.start, args.end)
        return

    data_dir = args.data or tempfile.mkdtemp(prefix="halobuzz-compare-")
    if not os.path.exists(os.path.join(data_dir, "manifest.json")):
        subprocess.run([args.bin, "generate", "--out", data_dir, "--users", str(args.users), "--days", str(args.days),
                        "--seed", str(args.seed), "--invalid-rate", "0", "--duplicate-rate", "0"], check=True,
                       stdout=subprocess.DEVNULL)
    manifest = json.load(open(os.path.join(data_dir, "manifest.json")))
    start, end = manifest["start"], manifest["end"]
    docs = sum(c["documents"] for c in manifest["collections"])
    size = sum(os.path.getsize(os.path.join(data_dir, f"{c['collection']}.json")) for c in manifest["collections"])

    n = max(1, args.repeat)
    (engine_rows, engine_read), t_engine_load, rss_engine_load = best_of(n, lambda: engine_load(args.bin, data_dir))
    duck_load, t_duck_load, rss_duck_load = best_of(n, lambda: duckdb_run("load", data_dir, start, end))
    engine, t_engine, rss_engine = best_of(n, lambda: engine_series(args.bin, data_dir, start, end))
    duck_series, t_duck, rss_duck = best_of(n, lambda: duckdb_run("series", data_dir, start, end))
    duck = {day: (Decimal(r), d, p) for day, (r, d, p) in duck_series["series"].items()}

    problems = []
    for table, count in duck_load["rows"].items():
        if engine_rows.get(table) != count:
            problems.append(f"{table}: DuckDB loaded {count} rows, the engine kept {engine_rows.get(table)}")
    for day, (rev, dau, rate) in engine.items():
        d_rev, d_dau, d_rate = duck.get(day, (Decimal(0), 0, None))
        if abs(rev - d_rev) > Decimal("0.01") or dau != d_dau or (rate is None) != (d_rate is None) or (
            rate is not None and abs(rate - d_rate) > 1e-9
        ):
            problems.append(f"MISMATCH {day}: engine {(rev, dau, rate)} duckdb {(d_rev, d_dau, d_rate)}")

    print(f"{docs} documents ({size / 1e6:.0f} MB of NDJSON), {len(engine)} days ({start} … {end}), "
          f"Sydney days, USD at {USD_TO_NPR}; fastest of {n} runs each")
    print("(a) load alone")
    print(f"  engine (quality: read + validate all 8 collections): {t_engine_load:6.2f} s  "
          f"peak RSS {mib(rss_engine_load)} ({rss_engine_load / engine_read:.0f} bytes/document, "
          f"{engine_read / t_engine_load / 1e6:.2f} M documents/s)")
    print(f"  duckdb (read the 6 collections the SQL uses):       {t_duck_load:6.2f} s  "
          f"peak RSS {mib(rss_duck_load)}")
    print(f"  ratio duckdb / engine: {t_duck_load / t_engine_load:.2f}x")
    print("(b) load + per-day series (revenue.total, engagement.dau, monetization.payerRate)")
    print(f"  engine (load + validate + rollups + 3 series):      {t_engine:6.2f} s  peak RSS {mib(rss_engine)}")
    print(f"  duckdb (read + SQL):                                {t_duck:6.2f} s  peak RSS {mib(rss_duck)}")
    print(f"  ratio duckdb / engine: {t_duck / t_engine:.2f}x")
    if problems:
        for p in problems[:10]:
            print(p)
        print(f"{len(problems)} disagreements")
        sys.exit(1)
    print(f"agree: rows loaded per collection; all {len(engine)} days (revenue to the cent, DAU exactly, "
          f"payer rate to 1e-9)")


if __name__ == "__main__":
    main()
