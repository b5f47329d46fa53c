#!/usr/bin/env bash
# Load test of the profile page on PostgreSQL, loopback only, bounded in time.
#
#   scripts/load.sh                      # 100,000 users, 32 connections, 30 s per run after a 45 s warm-up
#   USERS=20000 DURATION=10 scripts/load.sh
#   POOL_SIZES="4 16 100" scripts/load.sh  # one run per Npgsql pool size instead (see scripts/pool-sizes.sh)
#
# Starts a throwaway PostgreSQL cluster (scripts/postgres.sh), unless
# WEBAPP_POSTGRES holds a superuser Npgsql connection string; fills it with `WebApp seed --users $USERS`
# (an already seeded database is reused as it is); builds and starts the app in Release; then runs wrk against
# /u/{random handle} twice: LoadGroup as configured (unbounded), and Loading__MaxConcurrency=1 (the same code path,
# loaders one at a time). Records requests/s, p50/p90/p99 and the CPU used by the app and by PostgreSQL (from
# /proc/<pid>/stat) into benchmarks/results/load.json. With POOL_SIZES set it runs LoadGroup as configured once per
# `Maximum Pool Size` instead and writes $OUTPUT (default benchmarks/results/pool-sizes.json).
# The cluster keeps PostgreSQL's stock max_connections (100), the budget every instance must fit in.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

USERS=${USERS:-100000}
DURATION=${DURATION:-30}
# The JIT keeps promoting methods to tier 1 for about 40 s of this load on 2 cores (dotnet-counters:
# dotnet.jit.compiled_methods falls to ~0 only then), so a shorter warm-up measures the JIT, not the page.
WARMUP=${WARMUP:-45}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
POOL_SIZES=${POOL_SIZES:-}
OUTPUT=${OUTPUT:-benchmarks/results/$([ -n "$POOL_SIZES" ] && echo pool-sizes || echo load).json}
NOTE=${NOTE:-app, PostgreSQL and wrk share the machine}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing wrk..."
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wrk >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1; }

work=$(mktemp -d /tmp/webapp-load-XXXXXX)
chmod 755 "$work"   # the postgres user keeps its cluster inside
app_pid=""
cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; fi
  "$root/scripts/postgres.sh" remove "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

# --- PostgreSQL -------------------------------------------------------------------------------------------------
# scripts/postgres.sh: a throwaway cluster with the stock max_connections (100; the app's pool must fit in it), or
# the server WEBAPP_POSTGRES names.
server=$("$root/scripts/postgres.sh" start "$work/pg" shared_buffers=512MB)
connection="${server%Database=*}Database=webapp_load"
if [ -n "${WEBAPP_POSTGRES:-}" ]; then
  pg_pids() { echo ""; }   # not ours to measure: its CPU is not recorded
  pg_note="external server (CPU not measured)"
else
  pg_pids() { local main; main=$(head -1 "$work/pg/data/postmaster.pid"); echo "$main $(pgrep -P "$main" | tr '\n' ' ')"; }
  pg_note="local throwaway cluster, PostgreSQL $(psql --version | awk '{print $3}')"
fi

# --- build and seed ---------------------------------------------------------------------------------------------
dotnet build -c Release WebApp -v q -nologo | tail -3
app_dll="$root/WebApp/bin/Release/net10.0/WebApp.dll"
export ASPNETCORE_ENVIRONMENT=Production Database__Provider=Postgres ConnectionStrings__Postgres="$connection" Database__SeedOnStartup=false
set +e
(cd "$root/WebApp" && dotnet "$app_dll" seed --users "$USERS")
seeded=$?
set -e
case $seeded in
  0) ;;
  3) echo "The database already holds users: using them as they are." ;;
  *) echo "seed failed ($seeded)" >&2; exit 1 ;;
esac

handles="$work/handles.txt"
# Host/Port/Username/Password/Database of the Npgsql string, for psql.
declare -A kv; IFS=';' read -ra parts <<< "$connection"
for p in "${parts[@]}"; do k=${p%%=*}; kv[${k,,}]=${p#*=}; done
PGPASSWORD=${kv[password]:-} psql -h "${kv[host]:-127.0.0.1}" -p "${kv[port]:-5432}" -U "${kv[username]:-postgres}" -d "${kv[database]:-postgres}" \
  -At -c "SELECT handle FROM users ORDER BY id" > "$handles"
export HANDLES_FILE="$handles"
echo "$(wc -l < "$handles") handles"

# --- runs -------------------------------------------------------------------------------------------------------
ticks() { local sum=0 t; for pid in "$@"; do t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0); sum=$((sum + t)); done; echo "$sum"; }
hz=$(getconf CLK_TCK)
rows=()

run() { # $1 = label, $2 = Loading:MaxConcurrency, $3 = Maximum Pool Size (empty: the app's default), $4 = baseline
  local label=$1 max=$2 pool=${3:-} baseline=$4 port cs=$connection
  [ -n "$pool" ] && cs="$connection;Maximum Pool Size=$pool"
  port=$(free_port)
  # One request log line per request at Information would measure the console, not the page: warnings only.
  (cd "$root/WebApp" && ConnectionStrings__Postgres="$cs" Serilog__MinimumLevel__Default=Warning Loading__MaxConcurrency=$max \
    ASPNETCORE_URLS="http://127.0.0.1:$port" exec dotnet "$app_dll") > "$work/app-$max-$pool.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "the app did not become ready:" >&2; tail -20 "$work/app-$max-$pool.log" >&2; exit 1; }
  # The first pages JIT-compile on a busy machine: give them a few tries before calling the run failed.
  for _ in 1 2 3 4 5; do curl -fs -o /dev/null "http://127.0.0.1:$port/u/$(head -1 "$handles")" && break; sleep 1; done
  curl -fs -o /dev/null "http://127.0.0.1:$port/u/$(head -1 "$handles")" || { echo "the profile page failed:" >&2; tail -30 "$work/app-$max-$pool.log" >&2; exit 1; }

  echo "== $label: warm-up ${WARMUP}s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s scripts/profile.lua "http://127.0.0.1:$port" >/dev/null
  echo "== $label: ${DURATION}s, $CONNECTIONS connections, $THREADS wrk threads"
  local pgs app0 pg0 t0 out app1 pg1 t1
  pgs=$(pg_pids)
  app0=$(ticks "$app_pid"); pg0=$(ticks $pgs); t0=$(date +%s.%N)
  sample_connections "$DURATION" > "$work/connections.txt" &
  local sampler=$!
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s scripts/profile.lua "http://127.0.0.1:$port")
  t1=$(date +%s.%N); app1=$(ticks "$app_pid"); pg1=$(ticks $(pg_pids))
  wait "$sampler" || true
  local peak
  peak=$(sort -n "$work/connections.txt" | tail -1); peak=${peak:-null}
  echo "$out" | grep -v LOADRESULT
  local json elapsed app_cpu pg_cpu
  json=$(echo "$out" | sed -n 's/^LOADRESULT //p')
  elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  app_cpu=$(awk -v d=$((app1 - app0)) -v hz="$hz" -v s="$elapsed" 'BEGIN { printf "%.2f", d / hz / s }')
  if [ -n "$pgs" ]; then pg_cpu=$(awk -v d=$((pg1 - pg0)) -v hz="$hz" -v s="$elapsed" 'BEGIN { printf "%.2f", d / hz / s }'); else pg_cpu=null; fi
  local rps app_ms pg_ms
  rps=$(field "$json" rps)
  app_ms=$(awk -v c="$app_cpu" -v r="$rps" 'BEGIN { printf "%.2f", c / r * 1000 }')
  if [ "$pg_cpu" = null ]; then pg_ms=null; else pg_ms=$(awk -v c="$pg_cpu" -v r="$rps" 'BEGIN { printf "%.2f", c / r * 1000 }'); fi
  echo "CPU (cores busy): app $app_cpu, PostgreSQL $pg_cpu; CPU per request (ms): app $app_ms, PostgreSQL $pg_ms"
  rows+=("$(printf '{"name":"%s","baseline":%s,"value":%s,"details":{"p50 (ms)":%s,"p90 (ms)":%s,"p99 (ms)":%s,"max (ms)":%s,"requests":%s,"non-2xx":%s,"socket errors":%s,"app CPU (cores)":%s,"PostgreSQL CPU (cores)":%s,"app CPU per request (ms)":%s,"PostgreSQL CPU per request (ms)":%s,"app connections on PostgreSQL (max seen)":%s}}' \
    "$label" "$baseline" \
    "$rps" "$(ms "$json" p50_us)" "$(ms "$json" p90_us)" "$(ms "$json" p99_us)" "$(ms "$json" max_us)" \
    "$(field "$json" requests)" "$(field "$json" non2xx)" "$(field "$json" socket_errors)" "$app_cpu" "$pg_cpu" "$app_ms" "$pg_ms" "$peak")")
  kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""
}
# The app's sessions on the server (application_name WebApp), once a second; nothing for an external server.
sample_connections() {
  [ -z "${WEBAPP_POSTGRES:-}" ] || return 0
  local end=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$end" ]; do
    psql -h 127.0.0.1 -p "${kv[port]}" -U postgres -d postgres -At \
      -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'WebApp'" 2>/dev/null || true
    sleep 1
  done
}
field() { echo "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"; }
ms() { awk -v us="$(field "$1" "$2")" 'BEGIN { printf "%.2f", us / 1000 }'; }

if [ -n "$POOL_SIZES" ]; then
  for pool in $POOL_SIZES; do
    # Npgsql's own default (100) is the baseline the budget is measured against.
    run "Maximum Pool Size=$pool" 0 "$pool" "$([ "$pool" = 100 ] && echo true || echo false)"
  done
  suite=pool-sizes
  title="Profile page under wrk by Npgsql pool size: /u/{random handle} of $USERS users on PostgreSQL, max_connections 100 (requests/s)"
else
  run "LoadGroup, unbounded (as configured)" 0 "" true
  run "LoadGroup, MaxConcurrency=1" 1 "" false
  suite=load
  title="Profile page under wrk: /u/{random handle} of $USERS users on PostgreSQL (requests/s)"
fi

# --- results ----------------------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUTPUT")"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
os=$(. /etc/os-release && echo "$PRETTY_NAME")
runtime=$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App 10/ {v=$2} END {print v}')
commit=$(git describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)
{
  printf '{\n  "suite": "%s",\n  "title": "%s",\n' "$suite" "$title"
  printf '  "metric": "Throughput",\n  "unit": "requests/s",\n'
  printf '  "command": "USERS=%s DURATION=%s WARMUP=%s CONNECTIONS=%s THREADS=%s%s scripts/load.sh",\n' "$USERS" "$DURATION" "$WARMUP" "$CONNECTIONS" "$THREADS" \
    "${POOL_SIZES:+ POOL_SIZES=\\\"$POOL_SIZES\\\"}"
  printf '  "createdAt": "%s",\n  "commit": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit"
  printf '  "machine": {"cores": %s, "cpu": "%s", "memoryGB": %s, "os": "%s", "dotnet": "ASP.NET Core %s", "postgres": "%s", "loadAverage": "%s", "note": "%s"},\n' \
    "$(nproc)" "$cpu" "$(awk '/MemTotal/ {printf "%d", $2/1024/1024 + 0.5}' /proc/meminfo)" "$os" "$runtime" "$pg_note" "$(cut -d' ' -f1 /proc/loadavg)" "$NOTE"
  joined=""; for row in "${rows[@]}"; do joined+="${joined:+,$'\n'    }$row"; done
  printf '  "results": [\n    %s\n  ]\n}\n' "$joined"
} > "$OUTPUT"
echo "Results: $OUTPUT"
