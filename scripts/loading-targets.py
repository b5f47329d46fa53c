#!/usr/bin/env python3
"""Step 14's targets from the rows of a loading-strategies run (scripts/load.sh with ROUND_TRIPS).

    loading-targets.py ROWS SHIPPED PGBENCH_PG_MS PGBENCH_TPS POOL

ROWS is a file of result rows, one JSON object a line, or a results file (loading-strategies.json) whose "results"
are read. Prints each target with "met" or "missed" on stderr and the "summary" member of the results file on stdout.
"""
import json, sys
text = open(sys.argv[1]).read()
try:
    rows = [r["details"] for r in json.loads(text)["results"]]
except (ValueError, KeyError, TypeError):
    rows = [json.loads(line)["details"] for line in text.splitlines() if line.strip()]
shipped, pgbench_pg, pgbench_tps, pool = sys.argv[2], float(sys.argv[3] or 0), float(sys.argv[4] or 0), int(sys.argv[5])
def get(strategy, rt, visitors, db="PostgreSQL"):
    for r in rows:
        if r["strategy"] == strategy and r["database"] == db and float(r["round trip (ms)"]) == rt and r["visitors"] == str(visitors):
            return r
    return None
targets = []
def target(text, value, limit, higher=False):
    met = value is not None and (value >= limit if higher else value <= limit)
    targets.append({"target": text, "value": None if value is None else round(value, 3), "limit": limit, "met": met})
def ratio(a, b, key):
    return None if a is None or b is None or not b[key] else a[key] / b[key]
for rt in (1.0, 2.0):
    target(f"{rt:g} ms, 4 visitors: {shipped} p50 / Sequential p50 <= 0.3", ratio(get(shipped, rt, 4), get("Sequential", rt, 4), "p50 (ms)"), 0.3)
    target(f"{rt:g} ms, 1 visitor: {shipped} p50 / Concurrent p50 <= 1.1", ratio(get(shipped, rt, 1), get("Concurrent", rt, 1), "p50 (ms)"), 1.1)
busiest = get(shipped, 0.0, 32)
target(f"PostgreSQL CPU a page, {shipped} at 0 ms and 32 visitors / pgbench's ({pool} clients, the same statements) <= 1.3",
       None if busiest is None or not pgbench_pg else busiest["PostgreSQL CPU per page (ms)"] / pgbench_pg, 1.3)
target(f"throughput at 0 ms, 32 visitors: {shipped} / Go peer >= 1.5", ratio(get(shipped, 0.0, 32), get("Go", 0.0, 32), "requests/s"), 1.5, higher=True)
target(f"throughput at 1 ms, 32 visitors: {shipped} / Go peer >= 2.0", ratio(get(shipped, 1.0, 32), get("Go", 1.0, 32), "requests/s"), 2.0, higher=True)
target(f"p99 at 0 ms, 32 visitors: {shipped} <= 25 ms", None if busiest is None else busiest["p99 (ms)"], 25)
errors = sum(r["errors"] for r in rows)
target("errors in every run: 0", errors, 0)
held = get(shipped, 2.0, 1)
target(f"connections a page holds for its database loaders ({shipped}, 1 visitor, 2 ms): <= 1", None if held is None else held["connections a page uses at once"], 1)
for t in targets:
    print(f"target: {t['target']}: {t['value']} ({'met' if t['met'] else 'missed'})", file=sys.stderr)
print('  "summary": ' + json.dumps({"shipped": shipped, "poolSize": pool, "pgbenchPagesPerSecond": pgbench_tps,
      "pgbenchPostgresCpuPerPage": pgbench_pg, "targets": targets}, ensure_ascii=False) + ",")
