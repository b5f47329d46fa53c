#!/usr/bin/env bash
# Mutation testing of the core with Stryker.NET (the local tool in .config/dotnet-tools.json), one run a folder.
#
#   scripts/mutation.sh                      # Loading Rendering PageViews DbLoaders, then each page model
#   scripts/mutation.sh Loading              # one folder
#   scripts/mutation.sh Pages                # the page models, one run a page (Pages.Index ... Pages.Loaders)
#   scripts/mutation.sh Pages.Profile        # one page model
#
# Each run mutates one folder of WebApp and runs only the tests that guard it (a test-case filter), with
# Stryker's Microsoft Testing Platform runner and per-test coverage: a mutant runs the few tests that reach it,
# not the whole suite. The test project is built as an MTP application for these runs only (StrykerMtp=true).
# Writes the score per folder into benchmarks/results/mutation.json (merged with the folders not run this time)
# and keeps Stryker's HTML and JSON reports under StrykerOutput/. Not in CI: it is slow.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Read by MSBuild as a property: WebApp.Tests.csproj then uses xunit v3's Microsoft Testing Platform runner.
export StrykerMtp=true
# Stryker's project analysis (Buildalyzer) finds MSBuild by running `dotnet --info` under a short timeout, which a
# busy machine misses ("Could not find build environment"); naming the SDK's MSBuild spares it the guess.
sdk_version=$(dotnet --version)
sdk_root=$(dotnet --list-sdks | awk -v v="$sdk_version" '$1 == v { gsub(/[\[\]]/, "", $2); print $2 }')
[ -f "$sdk_root/$sdk_version/MSBuild.dll" ] && export MSBUILD_EXE_PATH="$sdk_root/$sdk_version/MSBuild.dll"

# folder name -> "mutate glob|test filter"
declare -A runs=(
  [Loading]="**/Loading/*.cs|FullyQualifiedName~WebApp.Tests.Loading.LoadGroupTests|FullyQualifiedName~WebApp.Tests.Loading.LoadingPartsTests|FullyQualifiedName~WebApp.Tests.Pages.LoaderConcurrencyTests|FullyQualifiedName~WebApp.Tests.Pages.Debug"
  [Rendering]="**/Rendering/*.cs|FullyQualifiedName~WebApp.Tests.Rendering"
  # The writer's own tests, not PageViewCountingTests: those start a web host per test, which at a few seconds a
  # mutant put this folder's run past an hour; they guard the same code in every full test run.
  [PageViews]="**/PageViews/*.cs|FullyQualifiedName~WebApp.Tests.PageViews.PageViewWriterTests|FullyQualifiedName~WebApp.Tests.PageViews.PageViewBatchTests|FullyQualifiedName~WebApp.Tests.PageViews.PageViewRecorderTests|FullyQualifiedName~WebApp.Tests.PageViews.PageViewOptionsTests"
  # The tests that killed its mutants in a run against all of Data's tests and PageFaultTests (25 min), without the rest.
  [DbLoaders]="**/Data/DbLoaders.cs|FullyQualifiedName~WebApp.Tests.Pages.LoaderConcurrencyTests|FullyQualifiedName~WebApp.Tests.Data.SqliteDeadlineTests|FullyQualifiedName~WebApp.Tests.Data.CachedLoaderTests|FullyQualifiedName~WebApp.Tests.Data.QueryTagTests"
  # The page models, one run a page (as one run they took 54 min, over the 30-minute budget). The pages that load
  # from the database against the pages' own tests, load failures, the activity budget and the warm-up;
  # PageFaultTests (every loader of every page slow, failing, hanging, left: ~160 cases of about a second) and the
  # hostile-input table (~760 requests) would put each mutant at minutes; they run in every full test run.
  # The error, benchmarks and diagnostics pages against their model tests and their page tests.
  [Pages.Benchmarks]="**/Pages/Benchmarks.cshtml.cs|FullyQualifiedName~WebApp.Tests.Pages.BenchmarksPageTests|FullyQualifiedName~WebApp.Tests.Pages.BenchmarksResultsTests"
  [Pages.Error]="**/Pages/Error.cshtml.cs|FullyQualifiedName~WebApp.Tests.Pages.ErrorPageTests|FullyQualifiedName~WebApp.Tests.Hosting.HttpMethodTests"
  [Pages.Loaders]="**/Pages/Debug/Loaders.cshtml.cs|FullyQualifiedName~WebApp.Tests.Pages.Debug"
)
page_tests="FullyQualifiedName~WebApp.Tests.Pages.HomePageTests|FullyQualifiedName~WebApp.Tests.Pages.DirectoryPageTests|FullyQualifiedName~WebApp.Tests.Pages.DirectorySearchTests|FullyQualifiedName~WebApp.Tests.Pages.ProfilePageTests|FullyQualifiedName~WebApp.Tests.Pages.PostPageTests|FullyQualifiedName~WebApp.Tests.Pages.MetaDescriptionTests|FullyQualifiedName~WebApp.Tests.Pages.LoadFailureTests|FullyQualifiedName~WebApp.Tests.Loading.ReliabilityTests|FullyQualifiedName~WebApp.Tests.Hosting.WarmUpTests|FullyQualifiedName~WebApp.Tests.PageViews.PageViewCountingTests.Profiles_ManyRequestsThenGracefulStop"
for page in Index Directory Profile Post; do
  runs[Pages.$page]="**/Pages/$page.cshtml.cs|$page_tests"
done
pages=(Pages.Index Pages.Directory Pages.Profile Pages.Post Pages.Benchmarks Pages.Error Pages.Loaders)
order=(Loading Rendering PageViews DbLoaders "${pages[@]}")
[ $# -gt 0 ] && order=("$@")
# "Pages" alone: every page model, one run each.
[ "${order[*]}" = Pages ] && order=("${pages[@]}")

# PostgreSQL: each test host Stryker starts runs its own throwaway server, as `dotnet test` does (WebApp.Tests
# PostgresServer, the one place that raises max_connections, with its reason), or uses WEBAPP_POSTGRES. A host Stryker
# force-kills after a timeout does not leave its server running: scripts/postgres.sh's watcher removes it when the
# host's process ends.

# The pages' EF Core compiled queries are compiled once per process, with whichever mutant is active then: Stryker's
# long-lived test host can never activate a mutant inside one, so those mutants always "survive". Each is listed in
# scripts/mutation-by-hand.tsv (run, file, tests, text, mutated text; \n a line break) and applied here by hand after the folder's
# Stryker run: the text replaced once, the tests run, the file restored. Prints "mutant<TAB>killed|survived|compile error".
by_hand() {
  local folder=$1 run file tests text mutated backup
  backup=$(mktemp)
  while IFS=$'\t' read -r run file tests text mutated; do
    [ "$run" = "$folder" ] || continue
    cp "$file" "$backup"
    trap 'cp "$backup" "$file"' INT TERM
    python3 -c 'import sys; p, a, b = (x.replace("\\n", "\n") for x in sys.argv[1:]); s = open(p).read(); assert s.count(a) == 1, (p, a); open(p, "w").write(s.replace(a, b))' "$file" "$text" "$mutated"
    # Not as the MTP application Stryker needs; a mutant that changes a nullable type still builds.
    if ! env -u StrykerMtp dotnet build WebApp.Tests -v q -nologo -p:TreatWarningsAsErrors=false >/dev/null 2>&1; then
      status="compile error"
    elif env -u StrykerMtp dotnet test WebApp.Tests --no-build --filter "$tests" >/dev/null 2>&1; then
      status=survived
    else
      status=killed
    fi
    cp "$backup" "$file"
    trap - INT TERM
    printf '%s: %s -> %s\t%s\n' "$file" "$text" "$mutated" "$status"
    printf '  by hand: %s: %s -> %s: %s\n' "$file" "$text" "$mutated" "$status" >&2
  done < <(grep -v '^#' "$root/scripts/mutation-by-hand.tsv")
  rm -f "$backup"
}

dotnet tool restore >/dev/null
mkdir -p benchmarks/results StrykerOutput
summaries=()
for folder in "${order[@]}"; do
  spec=${runs[$folder]:-}
  [ -n "$spec" ] || { echo "Unknown folder '$folder' (one of: ${!runs[*]})" >&2; exit 2; }
  mutate=${spec%%|*}
  filter=${spec#*|}
  out="$root/StrykerOutput/$folder"
  rm -rf "$out"
  echo "== $folder: mutate $mutate; tests $filter"
  started=$(date +%s)
  # Run from the test project: Stryker finds WebApp.csproj (the "project" setting) among its references.
  (cd WebApp.Tests && dotnet stryker --config-file "$root/stryker-config.json" --mutate "$mutate" \
     --test-case-filter "$filter" --output "$out" --skip-version-check --log-to-file) | tee "$root/StrykerOutput/$folder.log"
  by_hand "$folder" > "$out/by-hand.tsv"
  seconds=$(( $(date +%s) - started ))
  summaries+=("$folder|$seconds|$out/reports/mutation-report.json|$out/by-hand.tsv")
done

# Score per folder: killed (incl. timeouts) / (killed + timeouts + survived + no coverage), Stryker's own formula.
python3 - "$root/benchmarks/results/mutation.json" "$(git rev-parse --short HEAD)$(git diff --quiet || echo -dirty)" "${summaries[@]}" <<'PY'
import json, os, sys, datetime, platform
path, commit, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
old = {}
if os.path.exists(path):
    old = {r["name"]: r for r in json.load(open(path)).get("results", [])}
for run in runs:
    folder, seconds, report, by_hand = run.split("|")
    hand = [line.rstrip("\n").rsplit("\t", 1) for line in open(by_hand) if line.strip()]
    counts = {}
    survivors = []
    for name, f in json.load(open(report))["files"].items():
        for m in f["mutants"]:
            counts[m["status"]] = counts.get(m["status"], 0) + 1
            if m["status"] in ("Survived", "NoCoverage"):
                survivors.append(f'{os.path.basename(name)}:{m["location"]["start"]["line"]} {m["mutatorName"]} ({m["status"]})')
    killed, timeout = counts.get("Killed", 0), counts.get("Timeout", 0)
    survived, nocov = counts.get("Survived", 0), counts.get("NoCoverage", 0)
    total = killed + timeout + survived + nocov
    # Each by-hand mutant is one of Stryker's survivors: a kill moves it from survived to killed.
    hand_killed = sum(1 for _, status in hand if status == "killed")
    killed, survived = killed + hand_killed, survived - hand_killed
    score = round(100.0 * (killed + timeout) / total, 1) if total else 0.0
    old[folder] = {"name": folder, "baseline": False, "value": score, "details": {
        "killed": killed, "survived": survived, "timeout": timeout, "no coverage": nocov,
        "compile errors": counts.get("CompileError", 0), "ignored": counts.get("Ignored", 0),
        "by hand (in compiled queries)": len(hand), "killed by hand": hand_killed,
        "run time (s)": int(seconds), "commit": commit}}
    print(f"{folder}: {score}% ({killed} killed, {timeout} timeout, {survived} survived, {nocov} no coverage) in {seconds} s")
    for s in survivors:
        print("  survivor:", s)
    for mutant, status in hand:
        print(f"  by hand ({status}): {mutant}")
def cpu():
    try:
        return next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception:
        return platform.processor()
# The page models were once one run, "Pages"; a run of any page replaces that row.
if any(k.startswith("Pages.") for k in old):
    old.pop("Pages", None)
order = ["Loading", "Rendering", "PageViews", "DbLoaders", "Pages.Index", "Pages.Directory", "Pages.Profile", "Pages.Post",
         "Pages.Benchmarks", "Pages.Error", "Pages.Loaders"]
results = sorted(old.values(), key=lambda r: order.index(r["name"]) if r["name"] in order else 99)
doc = {
    "suite": "mutation",
    "title": "Mutation score per folder, Stryker.NET (killed / (killed + survived + no coverage), %)",
    "metric": "Mutation score",
    "unit": "%",
    "command": "scripts/mutation.sh",
    "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "commit": commit,
    "machine": {"cores": os.cpu_count(), "cpu": cpu(), "os": platform.platform(),
                "loadAverage": "%.2f" % os.getloadavg()[0],
                "note": "shared with other builds; each folder's run time is its own (see details)"},
    "results": results,
}
json.dump(doc, open(path, "w"), indent=2)
open(path, "a").write("\n")
PY
