#!/usr/bin/env bash
# Canaries: a fixed set of hand-made bugs (scripts/canaries/*.patch), each of which the test suite must catch.
#
#   scripts/canaries.sh                           # every canary
#   scripts/canaries.sh pool-default-100          # named canaries only
#   CANARY_BASELINE=1 scripts/canaries.sh         # the whole suite on the clean copy first, as well
#
# Each canary is applied with `git apply` to a clean copy of HEAD (a detached worktree, reset before each one), the
# solution is built and the whole suite run (`dotnet test`, TRX results). A canary is killed when the build fails
# (the diagnostic ids are recorded: an analyzer's kill) or when at least one test fails that passes on the clean copy
# (the failing tests are run again there by name); the killing tests are recorded by name. Writes benchmarks/results/canaries.json; exits 1 if any canary survives.
# Each build and each test run holds the shared CPU lock on its own, under nice. Not in CI: about 10 minutes a canary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
lock=/tmp/webapp-cpu.lock
heavy() { flock -s "$lock" nice -n 10 "$@"; }

names=()
if [ $# -gt 0 ]; then
  names=("$@")
else
  for p in scripts/canaries/*.patch; do names+=("$(basename "$p" .patch)"); done
fi
for n in "${names[@]}"; do
  [ -f "scripts/canaries/$n.patch" ] || { echo "No canary scripts/canaries/$n.patch" >&2; exit 2; }
done

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- scripts/canaries || echo "note: scripts/canaries has uncommitted changes; the copy is of HEAD, the patches are read from here" >&2
work=${CANARY_DIR:-$(mktemp -d /tmp/canaries.XXXXXX)}
copy="$work/copy"
results="$work/results"
mkdir -p "$results"
if [ ! -d "$copy/.git" ] && [ ! -f "$copy/.git" ]; then
  git worktree add --detach -q "$copy" HEAD
fi
cleanup() { git -C "$root" worktree remove --force "$copy" 2>/dev/null || true; }
[ -n "${CANARY_KEEP:-}" ] || trap cleanup EXIT
git -C "$copy" checkout -q --detach "$commit"
# The browser tests run the HTML checker from tools/html-checker; its packages are not in git.
if [ -d "$root/tools/html-checker/node_modules" ]; then
  ln -sfn "$root/tools/html-checker/node_modules" "$copy/tools/html-checker/node_modules"
else
  npm ci --prefix "$copy/tools/html-checker" --ignore-scripts --no-audit --no-fund >/dev/null
fi

# The names of the failed tests in the TRX files under $1, one a line.
failed_in() {
  python3 - "$1" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
failed = set()
for f in glob.glob(sys.argv[1] + "/*.trx"):
    for r in ET.parse(f).getroot().iterfind(".//t:UnitTestResult", ns):
        if r.get("outcome") == "Failed":
            failed.add(r.get("testName"))
print("\n".join(sorted(failed)))
PY
}

# Runs the suite in the copy as it is. Writes $results/$1.status (built|build failed), $1.build.log, $1.failed
# (one failing test a line), $1.trx/.
run_suite() {
  local name=$1 rc=0
  rm -rf "$results/$name.trx"
  if ! heavy dotnet build "$copy/WebApp.sln" -nologo -v q >"$results/$name.build.log" 2>&1; then
    echo "build failed" >"$results/$name.status"
    : >"$results/$name.failed"
    return
  fi
  echo built >"$results/$name.status"
  heavy dotnet test "$copy/WebApp.sln" --no-build --logger trx --results-directory "$results/$name.trx" \
    >"$results/$name.test.log" 2>&1 || rc=$?
  echo "$rc" >"$results/$name.rc"
  failed_in "$results/$name.trx" >"$results/$name.failed"
  sed -i '/^$/d' "$results/$name.failed"
}

reset_copy() {
  git -C "$copy" reset -q --hard "$commit"
  # Sources only: bin/ and obj/ stay, so each canary's build is incremental.
  git -C "$copy" clean -fdq -e bin -e obj -e node_modules
}

if [ "${CANARY_BASELINE:-0}" = 1 ]; then
  echo "== clean copy of $commit"
  reset_copy
  run_suite clean
  [ "$(cat "$results/clean.status")" = built ] || { echo "The clean copy does not build: $results/clean.build.log" >&2; exit 2; }
  echo "   $(wc -l <"$results/clean.failed") tests fail on the clean copy; they are not counted as kills"
elif [ ! -f "$results/clean.failed" ]; then
  : >"$results/clean.failed"
fi

for name in "${names[@]}"; do
  echo "== $name"
  reset_copy
  git -C "$copy" apply "$root/scripts/canaries/$name.patch"
  run_suite "$name"
  echo "   $(cat "$results/$name.status"), $(wc -l <"$results/$name.failed") failing tests"
done

# A test that fails under a canary is its killer only if it passes without it: the tests that failed are run again,
# by name, on the clean copy (a timing test can fail on a loaded machine), and those that fail there too do not count.
reset_copy
killers=$(for n in "${names[@]}"; do cat "$results/$n.failed"; done | sed 's/(.*$//' | sort -u)
: >"$results/recheck.failed"
if [ -n "$killers" ]; then
  echo "== the $(wc -l <<<"$killers") failing test methods again, on the clean copy"
  filter=$(sed 's/^/FullyQualifiedName=/' <<<"$killers" | paste -sd'|')
  heavy dotnet build "$copy/WebApp.sln" -nologo -v q >"$results/recheck.build.log" 2>&1
  rm -rf "$results/recheck.trx"
  heavy dotnet test "$copy/WebApp.sln" --no-build --filter "$filter" --logger trx --results-directory "$results/recheck.trx" \
    >"$results/recheck.test.log" 2>&1 || true
  failed_in "$results/recheck.trx" >"$results/recheck.failed"
  echo "   $(wc -l <"$results/recheck.failed") of them fail without a canary too; they are not counted"
fi

python3 - "$root/benchmarks/results/canaries.json" "$results" "$commit" "${names[@]}" <<'PY'
import datetime, json, os, platform, re, sys
path, results, commit, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def lines(p):
    return [l.strip() for l in open(p) if l.strip()] if os.path.exists(p) else []
clean = set(lines(f"{results}/clean.failed")) | set(lines(f"{results}/recheck.failed"))
old = {}
if os.path.exists(path):
    old = {r["name"]: r for r in json.load(open(path)).get("results", [])}
for name in names:
    status = open(f"{results}/{name}.status").read().strip()
    if status == "build failed":
        log = open(f"{results}/{name}.build.log").read()
        ids = sorted(set(re.findall(r"error ([A-Z]+[0-9]+)", log)))
        messages = sorted(set(m.strip() for m in re.findall(r"error [A-Z]+[0-9]+: ([^\[]*)", log)))
        details = {"killedBy": "build: " + ", ".join(ids or ["(no diagnostic id)"]), "tests": [], "diagnostics": messages[:5]}
        killed = True
    else:
        failed = [t for t in lines(f"{results}/{name}.failed") if t not in clean]
        rc = open(f"{results}/{name}.rc").read().strip()
        killed = bool(failed)
        details = {"killedBy": f"{len(failed)} tests" if failed else "nothing (survived)", "tests": failed,
                   "dotnet test exit code": int(rc)}
    details["patch"] = f"scripts/canaries/{name}.patch"
    details["commit"] = commit
    old[name] = {"name": name, "baseline": False, "value": 1 if killed else 0, "details": details}
    print(f"{name:45} {'killed' if killed else 'SURVIVED'}  {details['killedBy']}")
    for t in details["tests"][:5]:
        print(f"{'':45}   {t}")
    if len(details["tests"]) > 5:
        print(f"{'':45}   ... and {len(details['tests']) - 5} more")
def cpu():
    try:
        return next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception:
        return platform.processor()
rows = sorted(old.values(), key=lambda r: r["name"])
killed = sum(r["value"] for r in rows)
doc = {
    "suite": "canaries",
    "title": f"Hand-made bugs the suite must catch ({killed} killed, {len(rows) - killed} survived)",
    "metric": "Killed",
    "unit": "",
    "command": "scripts/canaries.sh",
    "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "commit": commit,
    "machine": {"cores": os.cpu_count(), "cpu": cpu(), "os": platform.platform(),
                "loadAverage": "%.2f" % os.getloadavg()[0], "note": "shared with other builds"},
    "cleanFailures": sorted(clean),
    "results": rows,
}
json.dump(doc, open(path, "w"), indent=2)
open(path, "a").write("\n")
sys.exit(1 if any(r["value"] == 0 for r in doc["results"] if r["name"] in names) else 0)
PY
