#!/usr/bin/env bash
# Page views under load, then a stop: runs the app on a fresh SQLite file on loopback, sends N profile
# requests (curl --parallel), stops the app with SIGTERM right after the last response (or STOP_AFTER
# seconds into the load), and compares what was sent with what user_daily_views holds and what the
# app says it dropped or lost.
#   N=10000 PARALLEL=16 CAPACITY=10000 STOP_AFTER= bash scripts/page-views-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
PARALLEL=${PARALLEL:-16}
PORT=${PORT:-5091}
CAPACITY=${CAPACITY:-10000}
STOP_AFTER=${STOP_AFTER:-}
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "kept: $work" || trap 'rm -rf "$work"' EXIT

dotnet build WebApp -c Release -v q --nologo >/dev/null
export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$PORT"
export ConnectionStrings__Sqlite="Data Source=$work/webapp.db" PageViews__QueueCapacity="$CAPACITY"
# From WebApp/, its content root: appsettings.json configures the logs.
(cd WebApp && exec dotnet bin/Release/net10.0/WebApp.dll) >"$work/app.log" 2>&1 &
app=$!
# Ready: migrated, seeded and warmed up (the warm-up's own requests would load the machine under the measured ones).
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
  kill -0 "$app" 2>/dev/null || { cat "$work/app.log"; exit 1; }
  sleep 0.2
done

mapfile -t handles < <(sqlite3 "$work/webapp.db" "SELECT handle FROM users ORDER BY id LIMIT 20")
before=$(sqlite3 "$work/webapp.db" "SELECT COALESCE(SUM(views), 0) FROM user_daily_views")
for ((i = 0; i < N; i++)); do
  printf 'url = "http://127.0.0.1:%s/u/%s"\noutput = "/dev/null"\n' "$PORT" "${handles[i % ${#handles[@]}]}"
done >"$work/urls"

started=$(date +%s.%N)
if [ -n "$STOP_AFTER" ]; then
  (sleep "$STOP_AFTER"; kill -TERM "$app") &
fi
curl -s -Z --parallel-max "$PARALLEL" -K "$work/urls" -w '%{http_code}\n' >"$work/codes" 2>/dev/null || true
[ -z "$STOP_AFTER" ] && kill -TERM "$app"
loaded=$(date +%s.%N)
wait "$app" || true
stopped=$(date +%s.%N)

after=$(sqlite3 "$work/webapp.db" "SELECT COALESCE(SUM(views), 0) FROM user_daily_views")
ok=$(grep -c '^200$' "$work/codes" || true)
echo "requests sent:        $N (parallel $PARALLEL, queue capacity $CAPACITY)"
echo "responses 200:        $ok (other: $(grep -v '^200$' "$work/codes" | sort | uniq -c | tr '\n' ' '))"
echo "views stored:         $((after - before)) (user_daily_views sum $before -> $after)"
echo "load:                 $(echo "$loaded - $started" | bc) s; stop after SIGTERM: $(echo "$stopped - $loaded" | bc) s"
echo "app says:"
grep -E 'Page views|page views' "$work/app.log" | sed 's/^/  /'
