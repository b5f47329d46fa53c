#!/usr/bin/env bash
# The canaries: a fixed list of hand mutations (scripts/canaries.tsv), each applied to a clean copy of HEAD (a git
# worktree) and run against the test suite. A canary is killed when the build fails (an analyzer's error: named) or a
# test fails (named from the TRX results); one that survives is a missing test.
#
#   scripts/canaries.sh                         # every canary against the whole suite (dotnet test of the solution)
#   scripts/canaries.sh pool-default-100        # one canary
#   FILTER='FullyQualifiedName~Health' scripts/canaries.sh readiness-skips-database   # a test filter instead of the whole suite
#
# Writes benchmarks/results/canaries.json (OUTPUT): one row a canary, value 1 killed / 0 survived, with what killed it
# and the command that ran. Exits 1 if any survived. Needs what the suite needs (PostgreSQL binaries, Chromium for the
# browser tests, which otherwise skip). The whole suite takes 10-20 minutes a canary on the 2-core machine.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
FILTER=${FILTER:-}
OUTPUT=${OUTPUT:-benchmarks/results/canaries.json}
only=("$@")
work=$(mktemp -d /tmp/webapp-canaries-XXXXXX)
chmod 755 "$work"
cleanup() { git -C "$root" worktree prune; rm -rf "$work"; }
trap cleanup EXIT
commit=$(git rev-parse --short=7 HEAD)
rows=() survivors=0

while IFS=$'\t' read -r name file text mutated breaks; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if [ ${#only[@]} -gt 0 ] && [[ " ${only[*]} " != *" $name "* ]]; then continue; fi
  copy="$work/$name"
  git worktree add -q --detach "$copy" HEAD
  [ ! -d "$root/tools/html-checker/node_modules" ] || ln -s "$root/tools/html-checker/node_modules" "$copy/tools/html-checker/node_modules"
  python3 - "$copy/$file" "$text" "$mutated" <<'PY' || { echo "canary $name: the text is not exactly once in $file" >&2; exit 2; }
import sys
path, text, mutated = sys.argv[1], sys.argv[2].replace("\\n", "\n"), sys.argv[3].replace("\\n", "\n")
source = open(path).read()
if source.count(text) != 1:
    sys.exit(1)
open(path, "w").write(source.replace(text, mutated))
PY
  echo "== $name: $breaks ($file)"
  killed_by="" tests=()
  if ! (cd "$copy" && dotnet build -v q -nologo > "$work/$name-build.log" 2>&1); then
    killed_by="the build: $(grep -oE 'error [A-Z]+[0-9]+' "$work/$name-build.log" | sort -u | sed 's/error //' | paste -sd, -)"
  else
    (cd "$copy" && dotnet test --no-build ${FILTER:+--filter "$FILTER"} --logger "trx;LogFilePrefix=canary" --results-directory "$work/$name-results" > "$work/$name-test.log" 2>&1)
    mapfile -t tests < <(cat "$work/$name-results"/*.trx 2>/dev/null | grep -oE '<UnitTestResult [^>]*outcome="Failed"' | sed -E 's/.*testName="([^"]*)".*/\1/' | sort -u)
    if [ ${#tests[@]} -gt 0 ]; then killed_by="tests"; fi
  fi
  if [ -n "$killed_by" ]; then
    echo "   killed by $killed_by${tests:+: ${tests[*]:0:5}}"
    value=1
  else
    echo "   SURVIVED"
    value=0 survivors=$((survivors + 1))
  fi
  rows+=("$(python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "value": int(sys.argv[2]), "details": {"breaks": sys.argv[3], "file": sys.argv[4], "killed by": sys.argv[5] or "survived", "failing tests": len(sys.argv) - 6, "tests": ", ".join(sys.argv[6:12])}}, ensure_ascii=False))' \
    "$name" "$value" "$breaks" "$file" "$killed_by" "${tests[@]}")")
  git worktree remove --force "$copy"
done < scripts/canaries.tsv

mkdir -p "$(dirname "$OUTPUT")"
{
  printf '{\n  "suite": "canaries",\n  "title": "Hand mutations against the test suite: 1 killed, 0 survived",\n'
  printf '  "metric": "Killed",\n  "unit": "killed",\n'
  printf '  "command": "%sscripts/canaries.sh%s",\n' "${FILTER:+FILTER='$FILTER' }" "${only[*]:+ ${only[*]}}"
  printf '  "createdAt": "%s",\n  "commit": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit"
  printf '  "machine": {"cores": %s, "os": "%s", "note": "%s"},\n' "$(nproc)" "$(. /etc/os-release && echo "$PRETTY_NAME")" "${FILTER:+a test filter, not the whole suite}"
  joined=""; for row in "${rows[@]}"; do joined+="${joined:+,$'\n'    }$row"; done
  printf '  "results": [\n    %s\n  ]\n}\n' "$joined"
} > "$OUTPUT"
echo "Canaries: $(( ${#rows[@]} - survivors )) killed, $survivors survived; $OUTPUT"
[ "$survivors" -eq 0 ]
