#!/usr/bin/env python3
"""Side by side: daily revenue total, DAU and payer rate per Sydney day, computed from the same generated
mongoexport directory by DuckDB (SQL written here from METRICS.md) and by this engine (its CLI). Checks the
numbers agree and prints the time ratio measured in this one run.

    pip install duckdb
    cargo build --release --bin halobuzz-analytics
    python3 benches/compare/compare.py --users 20000 --days 60

Both sides start from the NDJSON files on disk and end with the three daily series: DuckDB's time is
read + compute, the engine's is its whole process (load, validate, back-fill rollups, three series).
The data is generated without invalid or duplicate documents so the SQL need not re-implement validation.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal

USD_TO_NPR = "133.5"
TZ = "Australia/Sydney"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SQL = f"""
CREATE OR REPLACE MACRO ts(j, path) AS CAST(json_extract_string(j, path) AS TIMESTAMPTZ);
CREATE OR REPLACE MACRO sydney_day(t) AS CAST(t AT TIME ZONE '{TZ}' AS DATE);

CREATE OR REPLACE TABLE tx AS
SELECT json_extract_string(json, '$.userId."$oid"') AS user_id,
       json_extract_string(json, '$.type') AS type,
       json_extract_string(json, '$.currency') AS currency,
       CAST(json_extract(json, '$.amount') AS DECIMAL(38, 10)) AS amount,
       json_extract_string(json, '$.metadata.currency') AS paid_currency,
       CAST(json_extract(json, '$.metadata.amountPaid') AS DECIMAL(38, 10)) AS amount_paid,
       sydney_day(ts(json, '$.createdAt."$date"')) AS day
FROM read_ndjson_objects('{{dir}}/transactions.json')
WHERE json_extract_string(json, '$.status') = 'completed';

CREATE OR REPLACE TABLE money AS
SELECT user_id, type, day,
       CASE WHEN currency IN ('NPR', 'USD') THEN amount * (CASE currency WHEN 'USD' THEN {USD_TO_NPR} ELSE 1 END)
            WHEN paid_currency IN ('NPR', 'USD') THEN amount_paid * (CASE paid_currency WHEN 'USD' THEN {USD_TO_NPR} ELSE 1 END)
       END AS npr
FROM tx WHERE type IN ('recharge', 'subscription', 'og_subscription', 'refund');

CREATE OR REPLACE TABLE activity AS
SELECT json_extract_string(json, '$._id."$oid"') AS user_id, sydney_day(ts(json, '$.createdAt."$date"')) AS day
  FROM read_ndjson_objects('{{dir}}/users.json')
UNION ALL
SELECT json_extract_string(json, '$.userId."$oid"'), sydney_day(ts(json, '$.timestamp."$date"'))
  FROM read_ndjson_objects('{{dir}}/analyticsevents.json') WHERE json_extract_string(json, '$.userId."$oid"') IS NOT NULL
UNION ALL
SELECT json_extract_string(json, '$.userId."$oid"'), sydney_day(ts(json, '$.createdAt."$date"'))
  FROM read_ndjson_objects('{{dir}}/messages.json')
UNION ALL
SELECT user_id, day FROM tx WHERE type <> 'gift_received'
UNION ALL
SELECT json_extract_string(json, '$.hostId."$oid"'), sydney_day(ts(json, '$.createdAt."$date"'))
  FROM read_ndjson_objects('{{dir}}/livestreams.json')
UNION ALL
SELECT json_extract_string(json, '$.userId."$oid"'), sydney_day(ts(json, '$.createdAt."$date"'))
  FROM read_ndjson_objects('{{dir}}/gamestakes.json');

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


def run_duckdb(data_dir, start, end):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    t0 = time.perf_counter()
    statements = [s for s in SQL.format(dir=data_dir, start=start, end=end).split(";") if s.strip()]
    for s in statements[:-1]:
        con.execute(s)
    rows = con.execute(statements[-1]).fetchall()
    elapsed = time.perf_counter() - t0
    return {str(r[0]): (Decimal(str(r[1])), r[2], r[3]) for r in rows}, elapsed


def run_engine(binary, data_dir, start, end):
    cmd = [
        binary, "timeseries", "--data", data_dir, "--from", start, "--to", end, "--granularity", "day",
        "--usd-to-npr", USD_TO_NPR, "--tz", TZ, "--json",
        "--metric", "revenue.total", "--metric", "engagement.dau", "--metric", "monetization.payerRate",
    ]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - t0
    revenue, dau, payer = json.loads(out)
    result = {}
    for r, d, p in zip(revenue["points"], dau["points"], payer["points"]):
        result[r["from"]] = (Decimal(str(r["value"])), d["value"], p["value"])
    return result, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=20000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "halobuzz-analytics"))
    ap.add_argument("--data", help="reuse or create this data directory")
    args = ap.parse_args()

    data_dir = args.data or tempfile.mkdtemp(prefix="halobuzz-compare-")
    if not os.path.exists(os.path.join(data_dir, "manifest.json")):
        subprocess.run([args.bin, "generate", "--out", data_dir, "--users", str(args.users), "--days", str(args.days),
                        "--seed", str(args.seed), "--invalid-rate", "0", "--duplicate-rate", "0"], check=True)
    manifest = json.load(open(os.path.join(data_dir, "manifest.json")))
    start, end = manifest["start"], manifest["end"]
    docs = sum(c["documents"] for c in manifest["collections"])

    engine, t_engine = run_engine(args.bin, data_dir, start, end)
    duck, t_duck = run_duckdb(data_dir, start, end)

    mismatches = []
    for day, (rev, dau, rate) in engine.items():
        d_rev, d_dau, d_rate = duck.get(day, (Decimal(0), 0, None))
        if abs(rev - d_rev) > Decimal("0.01") or dau != d_dau or (rate is None) != (d_rate is None) or (
            rate is not None and abs(rate - d_rate) > 1e-9
        ):
            mismatches.append((day, (rev, dau, rate), (d_rev, d_dau, d_rate)))
    print(f"{docs} documents, {len(engine)} days ({start} … {end}), Sydney days, USD at {USD_TO_NPR}")
    print(f"engine (load + validate + rollups + 3 series): {t_engine:.2f} s")
    print(f"duckdb (read + SQL):                           {t_duck:.2f} s")
    print(f"ratio duckdb / engine: {t_duck / t_engine:.2f}x")
    if mismatches:
        for m in mismatches[:10]:
            print("MISMATCH", m)
        print(f"{len(mismatches)} of {len(engine)} days differ")
        sys.exit(1)
    print(f"all {len(engine)} days agree (revenue to the cent, DAU exactly, payer rate to 1e-9)")


if __name__ == "__main__":
    main()
