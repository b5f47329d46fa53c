#!/usr/bin/env python3
"""Stryker's verdict on the canaries' lines: for each scripts/canaries/*.patch, the mutants Stryker.NET made on the
lines the patch changes (or inserts beside), with their status, read from StrykerOutput/*/reports/mutation-report.json,
next to the canary's own outcome in benchmarks/results/canaries.json.

    python3 scripts/stryker-on-canaries.py            # a table on stdout
    python3 scripts/stryker-on-canaries.py --json     # the same rows as JSON
"""
import glob
import json
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def changed_lines(patch):
    """{file: set of line numbers in the original} that the patch removes, or inserts after."""
    lines, path, old = {}, None, 0
    for line in open(patch):
        if line.startswith("+++ "):
            path = line[4:].strip().removeprefix("b/")
        elif line.startswith("@@"):
            old = int(re.match(r"@@ -(\d+)", line).group(1))
        elif path is None or line.startswith(("--- ", "diff ", "index ")):
            continue
        elif line.startswith("-"):
            lines.setdefault(path, set()).add(old)
            old += 1
        elif line.startswith("+"):
            # An inserted line sits between old-1 and old: both neighbours are "its" lines.
            lines.setdefault(path, set()).update({old - 1, old})
        elif line.startswith(" "):
            old += 1
    return lines


def mutants():
    """(relative file, mutant, folder) for every mutant in every Stryker report."""
    for report in glob.glob(os.path.join(root, "StrykerOutput", "*", "reports", "mutation-report.json")):
        folder = report.split(os.sep)[-3]
        doc = json.load(open(report))
        base = doc.get("projectRoot", "")
        for name, f in doc["files"].items():
            full = name if os.path.isabs(name) else os.path.join(base, name)
            rel = os.path.relpath(os.path.realpath(full), root)
            for m in f["mutants"]:
                yield rel, m, folder


canaries = {}
path = os.path.join(root, "benchmarks", "results", "canaries.json")
if os.path.exists(path):
    canaries = {r["name"]: r for r in json.load(open(path))["results"]}
all_mutants = list(mutants())
rows = []
for patch in sorted(glob.glob(os.path.join(root, "scripts", "canaries", "*.patch"))):
    name = os.path.basename(patch)[:-6]
    lines = changed_lines(patch)
    found = []
    for rel, m, folder in all_mutants:
        wanted = lines.get(rel)
        if wanted and any(m["location"]["start"]["line"] <= l <= m["location"]["end"]["line"] for l in wanted):
            found.append({"folder": folder, "file": rel, "line": m["location"]["start"]["line"], "mutator": m["mutatorName"],
                          "replacement": m.get("replacement", ""), "status": m["status"],
                          "statusReason": m.get("statusReason", "")})
    files = sorted(lines)
    ran = any(rel in lines for rel, _, _ in all_mutants)
    canary = canaries.get(name)
    rows.append({"canary": name, "files": files, "canary killed": None if canary is None else canary["value"] == 1,
                 "killedBy": None if canary is None else canary["details"]["killedBy"],
                 "stryker ran on the file": ran, "stryker mutants": found})

if "--json" in sys.argv:
    json.dump(rows, sys.stdout, indent=2)
    print()
else:
    for r in rows:
        outcome = {True: "killed", False: "SURVIVED", None: "not run"}[r["canary killed"]]
        print(f"{r['canary']}: canary {outcome}; {', '.join(r['files'])}")
        if not r["stryker ran on the file"]:
            print("    Stryker: no report for this file")
        elif not r["stryker mutants"]:
            print("    Stryker: no mutant on these lines")
        for m in r["stryker mutants"]:
            print(f"    Stryker {m['folder']} line {m['line']}: {m['mutator']} -> {m['replacement']!r}: {m['status']}"
                  + (f" ({m['statusReason']})" if m["statusReason"] else ""))
