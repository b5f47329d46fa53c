#!/usr/bin/env bash
# Does SQLite honour the page deadline under a slow query? Loopback only, a few seconds of requests.
#
#   scripts/sqlite-deadline.sh                        # builds the app, seeds /tmp/webapp-sqlite-100k.db once (minutes)
#   APP=/tmp/published/WebApp.dll DB=/tmp/x.db scripts/sqlite-deadline.sh
#
# Starts the app in Production on SQLite with Loading__RequestTimeout=$DEADLINE (default 300 ms), then with curl:
#   1. $URL alone, $SINGLE times (status and seconds of each);
#   2. $BURST requests of $URL at once, and a profile requested 100 ms into the burst.
# $URL (default /users?page=4000&sort=posts) is one of the directory's most expensive queries at 100,000 users.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${USERS:-100000}
DB=${DB:-/tmp/webapp-sqlite-${USERS}.db}
DEADLINE=${DEADLINE:-00:00:00.300}
URL=${URL:-/users?page=4000&sort=posts}
SINGLE=${SINGLE:-3}
BURST=${BURST:-24}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d /tmp/webapp-sqlite-deadline-XXXXXX)
app_pid=""
cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${APP:-}" ]; then
  dotnet publish -c Release -o "$work/app" WebApp >/dev/null
  APP="$work/app/WebApp.dll"
fi

export ASPNETCORE_ENVIRONMENT=Production Database__Provider=Sqlite ConnectionStrings__Sqlite="Data Source=$DB"
if [ ! -f "$DB" ]; then
  echo "Seeding $USERS users into $DB (once; minutes)..."
  dotnet "$APP" seed --users "$USERS"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
Loading__RequestTimeout=$DEADLINE ASPNETCORE_URLS=$base Serilog__MinimumLevel__Default=Warning \
  dotnet "$APP" >"$work/app.log" 2>&1 &
app_pid=$!
# Ready: migrated, seeded and warmed up (the warm-up's own requests would load the machine under the timed ones).
for _ in $(seq 1 1200); do curl -fs -o /dev/null "$base/readyz" && break; sleep 0.1; done

handle=$(python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$DB?mode=ro', uri=True).execute('select handle from users order by id limit 1 offset 500').fetchone()[0])")
get() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$base$1"; }

# Warm-up: compile the queries and views, so the figures measure the deadline, not the first request.
for _ in 1 2 3; do get "/u/$handle" >/dev/null; get "/users" >/dev/null; get "/u/nobody-here" >/dev/null; done
echo "deadline $DEADLINE; profile alone: $(get "/u/$handle")"

echo "== $URL alone"
for _ in $(seq 1 "$SINGLE"); do get "$URL"; done

echo "== $BURST x $URL at once, and /u/$handle 100 ms in"
burst=()
for i in $(seq 1 "$BURST"); do get "$URL" >"$work/burst.$i" & burst+=($!); done
sleep 0.1
get "/u/$handle" >"$work/profile"
wait "${burst[@]}"
cat "$work"/burst.* | sort | awk '{n[$1]++; if ($2>max) max=$2} END {for (s in n) printf "%s: %d  ", s, n[s]; printf "slowest %.2f s\n", max}'
echo "profile during the burst: $(cat "$work/profile")"
echo "app errors logged: $(grep -c -E '"@l":"(Error|Fatal)"|ERR\]' "$work/app.log" || true)"
