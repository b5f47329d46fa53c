#!/usr/bin/env bash
# Mutation testing with Stryker.NET (the local tool in .config/dotnet-tools.json), one run a folder.
#
#   scripts/mutation.sh                      # every folder below, libraries first
#   scripts/mutation.sh Upfront.Loading      # one folder
#   scripts/mutation.sh Pages                # the page models, one run a page (Pages.Index ... Pages.Loaders)
#
# Each run mutates one library project or one folder of WebApp and runs the test projects and tests that guard it
# (a test-case filter), with Stryker's Microsoft Testing Platform runner and per-test coverage: a mutant runs the
# few tests that reach it, not the whole suite. The test projects are built as MTP applications for these runs only
# (StrykerMtp=true). Writes what Stryker reported per folder into benchmarks/results/mutation.json (merged with the
# folders not run this time) and, apart from those figures, the hand-applied mutants of scripts/mutation-by-hand.tsv
# with their outcome ("byHand"). Keeps Stryker's HTML and JSON reports under StrykerOutput/. Each Stryker run holds
# the shared CPU lock (/tmp/webapp-cpu.lock) on its own, under nice. Not in CI: it is slow.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Read by MSBuild as a property: the test projects then use xunit v3's Microsoft Testing Platform runner.
export StrykerMtp=true
# Stryker's project analysis (Buildalyzer) finds MSBuild by running `dotnet --info` under a short timeout, which a
# busy machine misses ("Could not find build environment"); naming the SDK's MSBuild spares it the guess.
sdk_version=$(dotnet --version)
sdk_root=$(dotnet --list-sdks | awk -v v="$sdk_version" '$1 == v { gsub(/[\[\]]/, "", $2); print $2 }')
[ -f "$sdk_root/$sdk_version/MSBuild.dll" ] && export MSBUILD_EXE_PATH="$sdk_root/$sdk_version/MSBuild.dll"
lock=/tmp/webapp-cpu.lock

lib_tests=libraries/Upfront.Tests/Upfront.Tests.csproj
app_tests=WebApp.Tests/WebApp.Tests.csproj
# folder name -> "project|test projects (comma-separated)|mutate glob|test filter" (an empty filter: every test)
declare -A runs=(
  [Upfront.Loading]="libraries/Upfront.Loading/Upfront.Loading.csproj|$lib_tests||"
  [Upfront.Rendering]="libraries/Upfront.Rendering/Upfront.Rendering.csproj|$lib_tests||"
  # The batch's Npgsql settings (no error barriers) show only against a server: WebApp's batch tests on PostgreSQL.
  [Upfront.EntityFrameworkCore.Npgsql]="libraries/Upfront.EntityFrameworkCore.Npgsql/Upfront.EntityFrameworkCore.Npgsql.csproj|$lib_tests,$app_tests||FullyQualifiedName~Upfront.Tests|FullyQualifiedName~WebApp.Tests.Data.BatchStrategyTests"
  # The EF Core loaders and interceptors are exercised by WebApp's database tests (SQLite and PostgreSQL).
  # Stryker finds the project to mutate only through a test project that references it directly (Upfront.Tests);
  # WebApp.Tests reaches the packages through WebApp.
  [Upfront.EntityFrameworkCore]="libraries/Upfront.EntityFrameworkCore/Upfront.EntityFrameworkCore.csproj|$lib_tests,$app_tests||FullyQualifiedName~Upfront.Tests.EntityFrameworkCore|FullyQualifiedName~WebApp.Tests.Pages.LoaderConcurrencyTests|FullyQualifiedName~WebApp.Tests.Data.SqliteDeadlineTests|FullyQualifiedName~WebApp.Tests.Data.CachedLoaderTests|FullyQualifiedName~WebApp.Tests.Data.QueryTagTests|FullyQualifiedName~WebApp.Tests.Data.DeadConnectionTests|FullyQualifiedName~WebApp.Tests.Rendering"
  [Upfront.EntityFrameworkCore.Sqlite]="libraries/Upfront.EntityFrameworkCore.Sqlite/Upfront.EntityFrameworkCore.Sqlite.csproj|$lib_tests,$app_tests||FullyQualifiedName~WebApp.Tests.Data.SqliteStatementGateTests|FullyQualifiedName~WebApp.Tests.Data.SqliteDeadlineTests"
  # The writer's own tests, not PageViewCountingTests: those start a web host per test, which at a few seconds a
  # mutant puts this folder's run past an hour; they guard the same code in every full test run.
  [PageViews]="WebApp/WebApp.csproj|$app_tests|**/PageViews/*.cs|FullyQualifiedName~WebApp.Tests.PageViews.PageViewWriterTests|FullyQualifiedName~WebApp.Tests.PageViews.PageViewBatchTests|FullyQualifiedName~WebApp.Tests.PageViews.PageViewRecorderTests|FullyQualifiedName~WebApp.Tests.PageViews.PageViewOptionsTests"
  [Hosting]="WebApp/WebApp.csproj|$app_tests|**/Hosting/*.cs|FullyQualifiedName~WebApp.Tests.Hosting|FullyQualifiedName~WebApp.Tests.Security.SecurityHeaderTests"
  # The page models, one run a page. The pages that load from the database against the pages' own tests, load
  # failures, the warm-up; PageFaultTests (every loader of every page slow, failing, hanging, left: ~160 cases of
  # about a second) and the hostile-input table (~760 requests) would put each mutant at minutes; they run in every
  # full test run. The error, benchmarks and diagnostics pages against their model tests and their page tests.
  [Pages.Benchmarks]="WebApp/WebApp.csproj|$app_tests|**/Pages/Benchmarks.cshtml.cs|FullyQualifiedName~WebApp.Tests.Pages.BenchmarksPageTests|FullyQualifiedName~WebApp.Tests.Pages.BenchmarksResultsTests"
  [Pages.Error]="WebApp/WebApp.csproj|$app_tests|**/Pages/Error.cshtml.cs|FullyQualifiedName~WebApp.Tests.Pages.ErrorPageTests|FullyQualifiedName~WebApp.Tests.Hosting.HttpMethodTests"
  [Pages.Loaders]="WebApp/WebApp.csproj|$app_tests|**/Pages/Debug/Loaders.cshtml.cs|FullyQualifiedName~WebApp.Tests.Pages.Debug"
)
page_tests="FullyQualifiedName~WebApp.Tests.Pages.HomePageTests|FullyQualifiedName~WebApp.Tests.Pages.DirectoryPageTests|FullyQualifiedName~WebApp.Tests.Pages.DirectorySearchTests|FullyQualifiedName~WebApp.Tests.Pages.ProfilePageTests|FullyQualifiedName~WebApp.Tests.Pages.PostPageTests|FullyQualifiedName~WebApp.Tests.Pages.MetaDescriptionTests|FullyQualifiedName~WebApp.Tests.Pages.LoadFailureTests|FullyQualifiedName~WebApp.Tests.Loading.ReliabilityTests|FullyQualifiedName~WebApp.Tests.Hosting.WarmUpTests|FullyQualifiedName~WebApp.Tests.PageViews.PageViewCountingTests.Profiles_ManyRequestsThenGracefulStop"
for page in Index Directory Profile Post; do
  runs[Pages.$page]="WebApp/WebApp.csproj|$app_tests|**/Pages/$page.cshtml.cs|$page_tests"
done
pages=(Pages.Index Pages.Directory Pages.Profile Pages.Post Pages.Benchmarks Pages.Error Pages.Loaders)
libraries=(Upfront.Loading Upfront.Rendering Upfront.EntityFrameworkCore Upfront.EntityFrameworkCore.Npgsql Upfront.EntityFrameworkCore.Sqlite)
all=("${libraries[@]}" PageViews Hosting "${pages[@]}")
order=("${all[@]}")
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
    if ! env -u StrykerMtp flock -s "$lock" nice -n 10 dotnet build WebApp.Tests -v q -nologo -p:TreatWarningsAsErrors=false >/dev/null 2>&1; then
      status="compile error"
    elif env -u StrykerMtp flock -s "$lock" nice -n 10 dotnet test WebApp.Tests --no-build --filter "$tests" >/dev/null 2>&1; then
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
stryker_version=$(python3 -c 'import json; print(json.load(open(".config/dotnet-tools.json"))["tools"]["dotnet-stryker"]["version"])')
mkdir -p benchmarks/results StrykerOutput
summaries=() failed=()
for folder in "${order[@]}"; do
  spec=${runs[$folder]:-}
  [ -n "$spec" ] || { echo "Unknown folder '$folder' (one of: ${!runs[*]})" >&2; exit 2; }
  IFS='|' read -r project tests mutate filter <<<"$spec"
  out="$root/StrykerOutput/$folder"
  args=(--config-file "$root/stryker-config.json" --project "$(basename "$project")" --output "$out"
        --skip-version-check --log-to-file)
  IFS=, read -ra test_projects <<<"$tests"
  for t in "${test_projects[@]}"; do args+=(--test-project "$root/$t"); done
  [ -n "$mutate" ] && args+=(--mutate "$mutate")
  [ -n "$filter" ] && args+=(--test-case-filter "$filter")
  rm -rf "$out"
  echo "== $folder: $project; tests ${filter:-all of $tests}; mutate ${mutate:-every file}"
  started=$(date +%s)
  # From the project's folder (Stryker's source-project mode), with the test projects named.
  if ! (cd "$(dirname "$project")" && flock -s "$lock" nice -n 10 dotnet stryker "${args[@]}") | tee "$root/StrykerOutput/$folder.log"; then
    # The other folders still run and are recorded; this one keeps its previous row, if any, and fails the script.
    echo "!! $folder: Stryker failed (StrykerOutput/$folder.log)" >&2
    failed+=("$folder")
    continue
  fi
  seconds=$(( $(date +%s) - started ))
  by_hand "$folder" > "$out/by-hand.tsv"
  summaries+=("$folder|$seconds|$out/reports/mutation-report.json|$out/by-hand.tsv|$project|$tests|$mutate|$filter")
done

# Score per folder as Stryker reported it: (killed + timeout) / (killed + timeout + survived + no coverage).
python3 - "$root/benchmarks/results/mutation.json" "$(git rev-parse --short HEAD)$(git diff --quiet -- . ':!benchmarks/results' || echo -dirty)" \
  "$stryker_version" "${all[*]}" "${summaries[@]}" <<'PY'
import json, os, sys, datetime, platform
path, commit, version, known, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5:]
old, old_hand = {}, []
if os.path.exists(path):
    doc = json.load(open(path))
    # Only rows of the folders as they are now, measured as run (such a row names its project).
    old = {r["name"]: r for r in doc.get("results", []) if r["name"] in known and "project" in r.get("details", {})}
    old_hand = doc.get("byHand", [])
ran = set()
hand_rows = []
for run in runs:
    folder, seconds, report, by_hand, project, tests, mutate, filt = run.split("|", 7)
    ran.add(folder)
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
    score = round(100.0 * (killed + timeout) / total, 1) if total else 0.0
    old[folder] = {"name": folder, "baseline": False, "value": score, "details": {
        "killed": killed, "survived": survived, "timeout": timeout, "no coverage": nocov,
        "compile errors": counts.get("CompileError", 0), "ignored": counts.get("Ignored", 0),
        "project": project, "test projects": tests.split(","), "mutate": mutate or "(every file)",
        "test filter": filt or "(every test)", "survivors": survivors,
        "run time (s)": int(seconds), "commit": commit}}
    print(f"{folder}: {score}% ({killed} killed, {timeout} timeout, {survived} survived, {nocov} no coverage) in {seconds} s")
    for s in survivors:
        print("  survivor:", s)
    for line in open(by_hand):
        if line.strip():
            mutant, outcome = line.rstrip("\n").rsplit("\t", 1)
            file, change = mutant.split(": ", 1)
            hand_rows.append({"folder": folder, "file": file, "mutant": change, "outcome": outcome})
            print(f"  by hand ({outcome}): {mutant}")
def cpu():
    try:
        return next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception:
        return platform.processor()
doc = {
    "suite": "mutation",
    "title": "Mutation score per folder as Stryker.NET ran it ((killed + timeout) / (killed + timeout + survived + no coverage), %)",
    "metric": "Mutation score",
    "unit": "%",
    "command": "scripts/mutation.sh",
    "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "commit": commit,
    "stryker": {"version": version, "runner": "mtp", "coverageAnalysis": "perTest", "concurrency": 1},
    "machine": {"cores": os.cpu_count(), "cpu": cpu(), "os": platform.platform(),
                "loadAverage": "%.2f" % os.getloadavg()[0],
                "note": "shared with other builds; each folder's run time is its own (see details)"},
    "results": sorted(old.values(), key=lambda r: known.index(r["name"])),
    "notRun": [f for f in known if f not in old],
    # Mutants inside EF Core compiled queries, applied by hand (scripts/mutation-by-hand.tsv): outcomes, not in the scores.
    "byHand": [h for h in old_hand if h.get("folder") not in ran] + hand_rows,
}
json.dump(doc, open(path, "w"), indent=2)
open(path, "a").write("\n")
PY
[ ${#failed[@]} -eq 0 ] || { echo "Stryker failed for: ${failed[*]}" >&2; exit 1; }
