#!/usr/bin/env bash
# Load test of the profile page on PostgreSQL, loopback only, bounded in time: WebApp against the Go peer
# (benchmarks/peers/go) and against the pgbench ceiling of the page's own queries, on one server and one data set.
#
#   scripts/load.sh                      # 100,000 users, 32 connections, 2 rounds, 30 s per run after a 45 s warm-up
#   USERS=20000 DURATION=10 ROUNDS=3 scripts/load.sh
#   SEQUENTIAL=1 scripts/load.sh         # also one WebApp run with Loading__MaxConcurrency=1 (off by default)
#   POOL_SIZES="4 16 100" scripts/load.sh  # one WebApp run per Npgsql pool size instead (see scripts/pool-sizes.sh)
#   BASE=HEAD~1 USERS=500 scripts/load.sh  # a change's before and after: WebApp at commit BASE against the working tree
#   START_UP=all USERS=500 scripts/load.sh   # how an instance starts, per start-up setting (below)
#   ROUND_TRIPS="0 0.5 1 2" scripts/load.sh  # the loading strategies with a network between the app and PostgreSQL (below)
#
# Starts a throwaway PostgreSQL cluster (scripts/postgres.sh), unless WEBAPP_POSTGRES holds a superuser Npgsql
# connection string; fills it with `WebApp seed --users $USERS` (an already seeded database is reused as it is) and
# runs VACUUM ANALYZE; builds the app in Release and, in the default mode, the Go peer. Then, in the default mode:
#   1. ROUNDS rounds (default 2), each a WebApp run and then a Go peer run (A B A B ...). Every run starts its own
#      server, warms it up with wrk for WARMUP s and measures with wrk for DURATION s: THREADS threads, CONNECTIONS
#      connections, /u/{random handle} from the same handle file and seed (scripts/profile.lua). WebApp runs as
#      configured (LoadGroup, unbounded); both get the same PostgreSQL budget, POOL (8, WebApp's default): WebApp as
#      its `Maximum Pool Size`, the Go peer as PEER_MAX_CONNS. A WebApp run first measures its first COLD s (10)
#      after /readyz turns green, under the same load, before its warm-up: the start a load balancer would see.
#   2. With SEQUENTIAL=1, one more WebApp run with Loading__MaxConcurrency=1 (the same code path, loaders one at a
#      time). Off by default to keep the run short.
#   3. pgbench with benchmarks/pgbench/profile.sql (the page's own queries, prepared, one transaction = one page,
#      no app and no HTTP) for DURATION s at each client count in PGBENCH_CLIENTS (default "8 32"); the best is the
#      ceiling.
# It prints the issue's targets with "met" or "missed": WebApp / Go peer >= 1.3; WebApp / ceiling >= 0.6; WebApp's p99
# <= 30 ms with no errors; its first COLD s at >= 0.8 of its steady throughput with p99 <= 100 ms.
# Each run is one row of benchmarks/results/load.json: requests/s (pgbench: pages/s), p50/p90/p99, the CPU of the
# server under test ("app": WebApp or the Go peer) and of PostgreSQL (from /proc/<pid>/stat), that CPU per request,
# and the server's sessions on PostgreSQL. Summary rows (and a top-level "summary" object) give WebApp's and the Go
# peer's median over the rounds, WebApp / Go peer, the best pgbench figure and WebApp / ceiling. The Go peer and
# pgbench rows are marked "baseline": true and carry a "server" detail.
# With POOL_SIZES set it runs WebApp as configured once per `Maximum Pool Size` instead (no peer, no pgbench) and
# writes $OUTPUT (default benchmarks/results/pool-sizes.json).
# With BASE set (a commit) it measures a change instead: WebApp built from BASE (a git worktree) and from the working
# tree, ROUNDS rounds of BASE then the working tree on the same database (no peer, no pgbench, no cold start), and
# prints the medians and their ratios; writes $OUTPUT (default benchmarks/results/compare.json).
# With START_UP set it measures how an instance starts instead, per variant: ROUNDS rounds, each starting WebApp once
# per variant in turn (no peer, no pgbench), timing process start to /readyz ("ready after"), then the first COLD s
# under the load, then WARMUP s and DURATION s of steady state; it prints each variant's medians and Step 10's target
# 4 (the first COLD s >= 0.8 of steady throughput, p99 <= 100 ms) and writes $OUTPUT (default
# benchmarks/results/start-up.json). START_UP is a list of variants, "all" for every one; "+" combines them
# ("r2r+no-warm-up"):
#   shipped     the Release build as configured: the warm-up before readiness, tiered compilation with dynamic PGO
#   no-warm-up  WarmUp__Requests=0: ready as soon as the database is
#   tiered-off  DOTNET_TieredCompilation=0: every method compiled optimized on its first call
#   pgo-off     DOTNET_TieredPGO=0: tiered compilation without dynamic PGO
#   r2r         a ReadyToRun publish (-r linux-x64 -p:PublishReadyToRun=true): the app and its packages
#               precompiled (the shared framework ships precompiled already)
#   composite   a self-contained publish whose framework and app are one ReadyToRun composite image
#               (-p:PublishReadyToRunComposite=true)
# Every WebApp run also records the bytes the app allocated per request (dotnet-counters,
# dotnet.gc.heap.total_allocated over the measured window divided by its requests; the tool is installed into the
# work folder from NuGet when it is not on PATH or in ~/.dotnet/tools), and the default mode prints target 6
# (<= 60 KB a profile request) from their median.
# With ROUND_TRIPS set (round trips in ms, e.g. "0 0.5 1 2") it measures the loading strategies instead: the profile
# page under each of STRATEGIES (Sequential: Loading:Strategy=Sequential, one loader after another; Concurrent: a pooled
# connection a loader, at once; Batch: one NpgsqlBatch on one connection; Go: the Go peer, errgroup), every one with
# the same pool (POOL) and PostgreSQL reached through benchmarks/latency-proxy, which adds half the round trip in each
# direction. One server a strategy; the proxy's delay changes under it (its delay file), so the pool and the JIT carry
# over and only the network changes. For each visitor count in VISITORS (1 4 32), each round trip: `SELECT 1` through
# the proxy against direct (pgbench, 1 client, PROBE s) must add the set round trip within 15%, or the run stops; then
# wrk's closed loop (VISITORS connections, WARMUP_EACH s unrecorded, DURATION s measured) and, at the first visitor
# count, benchmarks/open-loop at a fixed RATE (requests/s, below every strategy's saturation) for DURATION s: p50/p99
# from the time each request was due, so a slow response cannot hold the next one back (wrk's closed loop can: it
# sends the next request only when one returns). CPU per page of the server, PostgreSQL and the proxy apart; the
# server's sessions on PostgreSQL (most seen), which at 1 visitor is the connections a page holds, since the app
# warms up one request at a time (WarmUp:Concurrency=1) and the runs at 1 visitor come first. With SQLITE=1 (default)
# the Sequential and Concurrent app on the embedded SQLite too, at 0 ms. pgbench runs the page's statements back to
# back (POOL clients, no network added) for the PostgreSQL CPU a page needs at least. It prints Step 14's targets and
# writes $OUTPUT (default benchmarks/results/loading-strategies.json); the value of each row is its p50 in ms.
# The cluster keeps PostgreSQL's stock max_connections (100), the budget every instance must fit in.
# A full default run takes about ROUNDS x (2 x (WARMUP + DURATION + ~10) + COLD) + 2 x DURATION s: ~11 min by default.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The loading-strategies mode seeds fewer users by default (it seeds SQLite too, and its runs are many and short).
USERS=${USERS:-$([ -n "${ROUND_TRIPS:-}" ] && echo 20000 || echo 100000)}
DURATION=${DURATION:-30}
# The JIT keeps promoting methods to tier 1 for about 40 s of this load on 2 cores (dotnet-counters:
# dotnet.jit.compiled_methods falls to ~0 only then), so a shorter warm-up measures the JIT, not the page.
WARMUP=${WARMUP:-45}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
# The first seconds after readiness, measured before the warm-up of each WebApp run (0: not measured).
COLD=${COLD:-10}
ROUNDS=${ROUNDS:-2}
# Both servers get the same PostgreSQL budget: WebApp's default Maximum Pool Size
# (DatabaseServiceCollectionExtensions.DefaultMaxPoolSize), set explicitly on it and as the Go peer's PEER_MAX_CONNS.
POOL=${POOL:-8}
PGBENCH_CLIENTS=${PGBENCH_CLIENTS:-8 32}
SEQUENTIAL=${SEQUENTIAL:-0}
POOL_SIZES=${POOL_SIZES:-}
BASE=${BASE:-}
START_UP=${START_UP:-}
ROUND_TRIPS=${ROUND_TRIPS:-}
STRATEGIES=${STRATEGIES:-Sequential Concurrent Batch Go}
VISITORS=${VISITORS:-1 4 32}
RATE=${RATE:-200}
PROBE=${PROBE:-3}
WARMUP_EACH=${WARMUP_EACH:-3}
SQLITE=${SQLITE:-1}
mode=$([ -n "$POOL_SIZES" ] && echo pool-sizes || { [ -n "$BASE" ] && echo compare || { [ -n "$START_UP" ] && echo start-up || { [ -n "$ROUND_TRIPS" ] && echo loading-strategies || echo load; }; }; })
OUTPUT=${OUTPUT:-benchmarks/results/$mode.json}
NOTE=${NOTE:-$([ "$mode" != load ] && echo "app, PostgreSQL and wrk share the machine" || echo "the server under test, PostgreSQL and wrk (or pgbench) share the machine")}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive integer, not '$ROUNDS'" >&2; exit 2; }
[[ $COLD =~ ^[0-9]+$ ]] || { echo "COLD must be a number of seconds, not '$COLD'" >&2; exit 2; }
[[ $PGBENCH_CLIENTS =~ ^[[:space:]]*[1-9][0-9]*([[:space:]]+[1-9][0-9]*)*[[:space:]]*$ ]] \
  || { echo "PGBENCH_CLIENTS must be client counts separated by spaces, not '$PGBENCH_CLIENTS'" >&2; exit 2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing wrk..."
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wrk >/dev/null
fi
modes_set=0; for m in "$POOL_SIZES" "$BASE" "$START_UP" "$ROUND_TRIPS"; do [ -z "$m" ] || modes_set=$((modes_set + 1)); done
[ "$modes_set" -le 1 ] || { echo "Set one of POOL_SIZES, BASE, START_UP and ROUND_TRIPS, not several" >&2; exit 2; }
for rt in $ROUND_TRIPS; do [[ $rt =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "ROUND_TRIPS must be milliseconds separated by spaces, not '$ROUND_TRIPS'" >&2; exit 2; }; done
for v in $VISITORS; do [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "VISITORS must be counts separated by spaces, not '$VISITORS'" >&2; exit 2; }; done
for st in $STRATEGIES; do [[ " Sequential Concurrent Batch Go " == *" $st "* ]] || { echo "STRATEGIES: '$st' is not one of Sequential Concurrent Batch Go" >&2; exit 2; }; done
start_up_names="shipped no-warm-up tiered-off pgo-off r2r composite"
[ "$START_UP" != all ] || START_UP=$start_up_names
for v in $START_UP; do
  for part in ${v//+/ }; do
    [[ " $start_up_names " == *" $part "* ]] || { echo "START_UP: '$part' is not one of: $start_up_names" >&2; exit 2; }
  done
done
[ -z "$START_UP" ] || [ "$COLD" -gt 0 ] || { echo "START_UP measures the first COLD s: COLD must be above 0" >&2; exit 2; }
if [ -n "$BASE" ]; then
  base_commit=$(git rev-parse --short=7 --verify "$BASE^{commit}" 2>/dev/null) || { echo "BASE '$BASE' is not a commit here" >&2; exit 2; }
fi
# The Go peer (benchmarks/peers/go) builds offline from Debian's Go and libraries: installed when missing, as wrk is above.
if { [ "$mode" = load ] || [ "$mode" = loading-strategies ]; } && { ! command -v go >/dev/null 2>&1 || [ ! -d /usr/share/gocode/src/github.com/gorilla/mux ] \
  || [ ! -d /usr/share/gocode/src/golang.org/x/sync/errgroup ] || [ ! -d /usr/share/gocode/src/github.com/lib/pq ]; }; then
  echo "Installing Go and the Go peer's libraries..."
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    golang-go golang-github-gorilla-mux-dev golang-golang-x-sync-dev golang-github-lib-pq-dev >/dev/null
fi
if [ "$mode" = load ] || [ "$mode" = loading-strategies ]; then
  command -v pgbench >/dev/null 2>&1 || { echo "pgbench is needed for the ceiling (Debian: postgresql-contrib or postgresql-client)" >&2; exit 1; }
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1; }

work=$(mktemp -d /tmp/webapp-load-XXXXXX)
chmod 755 "$work"   # the postgres user keeps its cluster inside
server_pid=""
proxy_pid=""
cleanup() {
  if [ -n "$proxy_pid" ]; then kill "$proxy_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; fi
  "$root/scripts/postgres.sh" remove "$work/pg"
  if [ -d "$work/base" ]; then git -C "$root" worktree remove --force "$work/base" 2>/dev/null || true; fi
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
  pg_ticks() { echo 0; }
  pg_note="external server (CPU not measured)"
else
  pg_pids() { local main; main=$(head -1 "$work/pg/data/postmaster.pid"); echo "$main $(pgrep -P "$main" | tr '\n' ' ')"; }
  # CPU ticks PostgreSQL has used so far: its live processes, plus the backends that have exited since it started
  # (the postmaster reaps them: cutime + cstime), so that sessions opened and closed during a run are counted.
  pg_ticks() { local main; main=$(head -1 "$work/pg/data/postmaster.pid")
    echo $(( $(ticks $(pg_pids)) + $(awk '{print $16 + $17}' "/proc/$main/stat" 2>/dev/null || echo 0) )); }
  pg_note="local throwaway cluster, PostgreSQL $(psql --version | awk '{print $3}')"
fi
# Host/Port/Username/Password/Database/pool size of the Npgsql string, for psql, pgbench and the Go peer.
declare -A kv; IFS=';' read -ra parts <<< "$connection"
for p in "${parts[@]}"; do k=${p%%=*}; k=${k,,}; kv[${k// /}]=${p#*=}; done
export PGHOST=${kv[host]:-127.0.0.1} PGPORT=${kv[port]:-5432} PGUSER=${kv[username]:-${kv[userid]:-${kv[user]:-postgres}}} \
  PGDATABASE=${kv[database]:-postgres} PGPASSWORD=${kv[password]:-}

# --- build and seed ---------------------------------------------------------------------------------------------
dotnet build -c Release WebApp -v q -nologo | tail -3
app_dll="$root/WebApp/bin/Release/net10.0/WebApp.dll"
app_dir="$root/WebApp"
head_dll=$app_dll head_dir=$app_dir
head_commit=$(git describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)
if [ -n "$BASE" ]; then
  git worktree add --detach "$work/base" "$base_commit" >/dev/null
  dotnet build -c Release "$work/base/WebApp" -v q -nologo | tail -3
  base_dll="$work/base/WebApp/bin/Release/net10.0/WebApp.dll" base_dir="$work/base/WebApp"
  echo "Built $base_commit (BASE) and $head_commit (the working tree)"
fi
# START_UP's precompiled variants: publishes of the working tree, each with build folders of its own in $work. Shared
# ones (obj/Release/net10.0/linux-x64) let one publish reuse the other's precompiled files: after a composite publish,
# a plain ReadyToRun publish copied the composite's stubs without their image, and the app aborted on start.
publish_variant() { # $1 = name, then dotnet publish's options
  local name=$1; shift
  dotnet publish WebApp -c Release -r linux-x64 "$@" -p:IntermediateOutputPath="$work/obj-$name/" -p:OutputPath="$work/bin-$name/" \
    -o "$work/$name" -v q -nologo | tail -3
}
[[ " ${START_UP//+/ } " != *" r2r "* ]] || publish_variant r2r --self-contained false -p:PublishReadyToRun=true
[[ " ${START_UP//+/ } " != *" composite "* ]] \
  || publish_variant composite --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true
# dotnet-counters, for the bytes allocated per request.
counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
if [ ! -x "$counters" ]; then
  echo "Installing dotnet-counters into $work/tools..."
  dotnet tool install dotnet-counters --tool-path "$work/tools" >/dev/null && counters="$work/tools/dotnet-counters"
fi
peer_bin="$work/go-peer"
if [ "$mode" = load ] || [ "$mode" = loading-strategies ]; then
  [ -n "$(go env GOCACHE 2>/dev/null)" ] || export GOCACHE="$work/go-cache"
  (cd "$root/benchmarks/peers/go" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$peer_bin" .)
  echo "Go peer built ($(go version | awk '{print $3}'))"
fi
if [ "$mode" = loading-strategies ]; then
  (cd "$root/benchmarks/latency-proxy" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/latency-proxy" .)
  (cd "$root/benchmarks/open-loop" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/open-loop" .)
  echo "latency proxy and open-loop generator built"
fi
export ASPNETCORE_ENVIRONMENT=Production Database__Provider=Postgres ConnectionStrings__Postgres="$connection" Database__SeedOnStartup=false Database__ThreadSafetyChecks=false
set +e
(cd "$root/WebApp" && dotnet "$app_dll" seed --users "$USERS")
seeded=$?
set -e
case $seeded in
  0) ;;
  3) echo "The database already holds users: using them as they are." ;;
  *) echo "seed failed ($seeded)" >&2; exit 1 ;;
esac
# Fresh statistics for every run alike, not whenever autovacuum gets there.
psql -qAtc "VACUUM ANALYZE"

handles="$work/handles.txt"
psql -At -c "SELECT handle FROM users ORDER BY id" > "$handles"
export HANDLES_FILE="$handles"
user_count=$(wc -l < "$handles")
echo "$user_count handles"

# --- runs -------------------------------------------------------------------------------------------------------
ticks() { local sum=0 t; for pid in "$@"; do t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0); sum=$((sum + t)); done; echo "$sum"; }
hz=$(getconf CLK_TCK)
cores() { awk -v d="$1" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.2f", d / hz / s }'; }   # $1 ticks over $2 s
per_request() { if [ "$1" = null ]; then echo null; else awk -v c="$1" -v r="$2" 'BEGIN { printf "%.2f", c / r * 1000 }'; fi; }
rows=()
port=""; server_log=""; server_app_name=""
# What start_app runs: `dotnet $app_dll` in $app_dir, or the self-contained executable $app_exe; with $app_env set too.
app_exe=""; app_env=()

start_app() { # $1 = Loading:MaxConcurrency, $2 = Maximum Pool Size (empty: the app's default); sets ready_s
  local max=$1 pool=${2:-} cs=$connection started
  [ -n "$pool" ] && cs="$connection;Maximum Pool Size=$pool"
  port=$(free_port); server_log="$work/app-$max-$pool-$port.log"; server_app_name=WebApp
  local command=(dotnet "$app_dll"); [ -z "$app_exe" ] || command=("$app_exe")
  started=$(date +%s.%N)
  # One request log line per request at Information would measure the console, not the page: warnings only.
  (cd "$app_dir" && exec env "${app_env[@]}" ConnectionStrings__Postgres="$cs" Serilog__MinimumLevel__Default=Warning \
    Loading__MaxConcurrency="$max" ASPNETCORE_URLS="http://127.0.0.1:$port" "${command[@]}") > "$server_log" 2>&1 &
  server_pid=$!
  wait_ready /readyz
  ready_s=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

start_peer() { # the Go peer on the same database, with WebApp's pool size as its connection budget
  local dsn q
  q() { local v=${1//\\/\\\\}; printf "'%s'" "${v//\'/\\\'}"; }   # a lib/pq key=value value, quoted
  dsn="host=$(q "$PGHOST") port=$(q "$PGPORT") user=$(q "$PGUSER") dbname=$(q "$PGDATABASE") sslmode=disable application_name=GoPeer"
  [ -n "$PGPASSWORD" ] && dsn="$dsn password=$(q "$PGPASSWORD")"
  port=$(free_port); server_log="$work/peer-$port.log"; server_app_name=GoPeer
  PEER_ADDR="127.0.0.1:$port" PEER_DATABASE_URL="$dsn" PEER_MAX_CONNS="$POOL" "$peer_bin" > "$server_log" 2>&1 &
  server_pid=$!
  wait_ready /healthz
}

wait_ready() { # $1 = readiness path; then the first profile page must answer
  # WebApp's warm-up holds /readyz back until the JIT settles: up to WarmUp:MaxTime (60 s) after start.
  for _ in $(seq 1 360); do
    curl -fs "http://127.0.0.1:$port$1" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || break   # the server has exited: no use waiting
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$port$1" >/dev/null || { local status=0; kill -0 "$server_pid" 2>/dev/null || wait "$server_pid" || status=$?
    echo "the server did not become ready$([ "$status" = 0 ] || echo " (it exited with status $status)"):" >&2; tail -20 "$server_log" >&2; exit 1; }
  # The first pages JIT-compile on a busy machine: give them a few tries before calling the run failed.
  for _ in 1 2 3 4 5; do curl -fs -o /dev/null "http://127.0.0.1:$port/u/$(head -1 "$handles")" && break; sleep 1; done
  curl -fs -o /dev/null "http://127.0.0.1:$port/u/$(head -1 "$handles")" || { echo "the profile page failed:" >&2; tail -30 "$server_log" >&2; exit 1; }
}

stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

measure() { # $1 = label, $2 = baseline, $3 = extra details ('"key":value,' ...; may be empty); the server is running
  local label=$1 baseline=$2 extra=${3:-}
  echo "== $label: warm-up ${WARMUP}s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s scripts/profile.lua "http://127.0.0.1:$port" >/dev/null
  echo "== $label: ${DURATION}s, $CONNECTIONS connections, $THREADS wrk threads"
  local pgs app0 pg0 t0 out app1 pg1 t1
  pgs=$(pg_pids)
  app0=$(ticks "$server_pid"); pg0=$(pg_ticks); t0=$(date +%s.%N)
  sample_connections "$DURATION" "$server_app_name" > "$work/connections.txt" &
  local sampler=$! allocs=""
  if [ "$server_app_name" = WebApp ] && [ -x "$counters" ]; then
    # Rates once a second over the run; only whole seconds inside the measured window are averaged.
    rm -f "$work/counters.csv"
    "$counters" collect -p "$server_pid" --counters System.Runtime --refresh-interval 1 --duration "00:00:00:$DURATION" \
      --format csv -o "$work/counters.csv" >/dev/null 2>&1 &
    allocs=$!
  fi
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s scripts/profile.lua "http://127.0.0.1:$port")
  t1=$(date +%s.%N); app1=$(ticks "$server_pid"); pg1=$(pg_ticks)
  wait "$sampler" || true
  local kb=null
  if [ -n "$allocs" ]; then
    wait "$allocs" || true
    kb=$(awk -F, -v r="$(field "$(echo "$out" | sed -n 's/^LOADRESULT //p')" rps)" '/total_allocated/ { v[++n] = $NF }
      END { s = 0; c = 0; for (i = 2; i < n; i++) { s += v[i]; c++ } if (c > 0 && r > 0) printf "%.1f", s / c / r / 1024; else print "null" }' "$work/counters.csv" 2>/dev/null || echo null)
  fi
  local peak
  peak=$(sort -n "$work/connections.txt" | tail -1); peak=${peak:-null}
  echo "$out" | grep -v LOADRESULT
  local json elapsed app_cpu pg_cpu
  json=$(echo "$out" | sed -n 's/^LOADRESULT //p')
  elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  app_cpu=$(cores $((app1 - app0)) "$elapsed")
  if [ -n "$pgs" ]; then pg_cpu=$(cores $((pg1 - pg0)) "$elapsed"); else pg_cpu=null; fi
  local rps app_ms pg_ms
  rps=$(field "$json" rps)
  app_ms=$(per_request "$app_cpu" "$rps"); pg_ms=$(per_request "$pg_cpu" "$rps")
  echo "CPU (cores busy): app $app_cpu, PostgreSQL $pg_cpu; CPU per request (ms): app $app_ms, PostgreSQL $pg_ms; allocated per request (KB): $kb"
  rows+=("$(printf '{"name":"%s","baseline":%s,"value":%s,"details":{%s"p50 (ms)":%s,"p90 (ms)":%s,"p99 (ms)":%s,"max (ms)":%s,"requests":%s,"non-2xx":%s,"socket errors":%s,"app CPU (cores)":%s,"PostgreSQL CPU (cores)":%s,"app CPU per request (ms)":%s,"PostgreSQL CPU per request (ms)":%s,"app connections on PostgreSQL (max seen)":%s,"allocated per request (KB)":%s}}' \
    "$label" "$baseline" "$rps" "$extra" \
    "$(ms "$json" p50_us)" "$(ms "$json" p90_us)" "$(ms "$json" p99_us)" "$(ms "$json" max_us)" \
    "$(field "$json" requests)" "$(field "$json" non2xx)" "$(field "$json" socket_errors)" "$app_cpu" "$pg_cpu" "$app_ms" "$pg_ms" "$peak" "$kb")")
  last_kb=$kb last_cpu=$app_ms last_pg=$pg_ms
  last_rps=$rps; last_p99=$(ms "$json" p99_us); last_errors=$(( $(field "$json" non2xx) + $(field "$json" socket_errors) ))
}

# The first COLD s after the server turned ready, under the measured load and with no warm-up: one row.
measure_cold() { # $1 = label, $2 = extra details
  local out json
  echo "== $1: the first ${COLD}s after ready"
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${COLD}s" --latency -s scripts/profile.lua "http://127.0.0.1:$port")
  echo "$out" | grep -v LOADRESULT
  json=$(echo "$out" | sed -n 's/^LOADRESULT //p')
  rows+=("$(printf '{"name":"%s","baseline":false,"value":%s,"details":{%s"p50 (ms)":%s,"p90 (ms)":%s,"p99 (ms)":%s,"max (ms)":%s,"requests":%s,"non-2xx":%s,"socket errors":%s}}' \
    "$1" "$(field "$json" rps)" "$2" "$(ms "$json" p50_us)" "$(ms "$json" p90_us)" "$(ms "$json" p99_us)" "$(ms "$json" max_us)" \
    "$(field "$json" requests)" "$(field "$json" non2xx)" "$(field "$json" socket_errors)")")
  cold_rps=$(field "$json" rps); cold_p99=$(ms "$json" p99_us); cold_errors=$(( $(field "$json" non2xx) + $(field "$json" socket_errors) ))
}

run() { # $1 = label, $2 = Loading:MaxConcurrency, $3 = Maximum Pool Size (empty: the app's default), $4 = baseline, $5 = extra details
  start_app "$2" "${3:-}"
  measure "$1" "$4" "${5:-}"
  stop_server
}

pgbench_run() { # $1 = clients: the page's own queries, prepared, for DURATION s, no app and no HTTP
  local clients=$1 label="pgbench ceiling, $1 clients" pgs pg0 t0 out t1 pg1 elapsed tps latency failed pg_cpu pg_ms
  echo "== $label: ${DURATION}s"
  pgs=$(pg_pids); pg0=$(pg_ticks); t0=$(date +%s.%N)
  out=$(pgbench -n -M prepared -f benchmarks/pgbench/profile.sql -D users="$user_count" -c "$clients" -j 2 -T "$DURATION" 2>&1) \
    || { echo "$out" >&2; echo "pgbench failed" >&2; exit 1; }
  t1=$(date +%s.%N)
  # pgbench's backends end as it exits: wait (up to 5 s) until the postmaster has reaped them, then read the ticks.
  for _ in $(seq 1 50); do
    [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'" 2>/dev/null)" = 0 ] && break
    sleep 0.1
  done
  pg1=$(pg_ticks)
  elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1 | xargs printf "%.1f")
  latency=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
  failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
  if [ -n "$pgs" ]; then pg_cpu=$(cores $((pg1 - pg0)) "$elapsed"); else pg_cpu=null; fi
  pg_ms=$(per_request "$pg_cpu" "$tps")
  echo "$clients clients: $tps pages/s, average latency $latency ms, failed ${failed:-0}; PostgreSQL CPU $pg_cpu cores, $pg_ms ms a page"
  rows+=("$(printf '{"name":"%s","baseline":true,"value":%s,"details":{"server":"pgbench (the page'"'"'s SQL, no app, no HTTP)","clients":%s,"average latency (ms)":%s,"failed":%s,"PostgreSQL CPU (cores)":%s,"PostgreSQL CPU per request (ms)":%s}}' \
    "$label" "$tps" "$clients" "${latency:-null}" "${failed:-0}" "$pg_cpu" "$pg_ms")")
  last_rps=$tps
}

# One query's answer every $2 s for $1 s, from one psql session (\watch, as in scripts/fleet-drills.sh): a new psql
# each time would fork a PostgreSQL backend inside the measured window, on the two cores the server under test is
# using (docs/benchmarks.md).
watch_sql() { # $1 = seconds, $2 = interval, $3 = query
  # exec makes $! the psql itself, so that kill stops it.
  (exec psql -d postgres -X -At 2>/dev/null < <(printf '%s\n' "$3" "\\watch $2")) &
  local watcher=$!
  sleep "$1"
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
}
# The server's sessions on PostgreSQL (by application_name), once a second for $1 s; nothing for an external server.
sample_connections() { # $1 = seconds, $2 = application_name
  [ -z "${WEBAPP_POSTGRES:-}" ] || return 0
  watch_sql "$1" 1 "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$2'"
}
field() { echo "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"; }
ms() { awk -v us="$(field "$1" "$2")" 'BEGIN { printf "%.2f", us / 1000 }'; }
median() { median_as %.1f "$@"; }
median_as() { local format=$1; shift   # $1 = printf format, then the numbers
  printf '%s\n' "$@" | sort -g | awk -v f="$format" '{ v[NR] = $1 } END { printf f, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "met" : "missed") }'; }
# Step 10's target 4: the first seconds at >= cold_ratio_target of steady throughput, with p99 <= cold_p99_target ms.
cold_ratio_target=0.8 cold_p99_target=100
first_seconds_target=">= $cold_ratio_target and p99 <= $cold_p99_target ms"
first_seconds_verdict() { awk -v r="$1" -v p="$2" -v rt="$cold_ratio_target" -v pt="$cold_p99_target" 'BEGIN { print (r >= rt && p <= pt ? "met" : "missed") }'; }
summary=""

if [ -n "$POOL_SIZES" ]; then
  for pool in $POOL_SIZES; do
    # Npgsql's own default (100) is the baseline the budget is measured against.
    run "Maximum Pool Size=$pool" 0 "$pool" "$([ "$pool" = 100 ] && echo true || echo false)"
  done
  suite=pool-sizes
  title="Profile page under wrk by Npgsql pool size: /u/{random handle} of $USERS users on PostgreSQL, max_connections 100 (requests/s)"
elif [ -n "$START_UP" ]; then
  variant() { # $1 = a START_UP name, parts joined by "+": sets label, app_dll, app_dir, app_exe and app_env
    local part labels=()
    app_dll=$head_dll app_dir=$head_dir app_exe="" app_env=()
    for part in ${1//+/ }; do
      case $part in
        shipped) labels+=("as shipped") ;;
        no-warm-up) labels+=("no warm-up"); app_env+=(WarmUp__Requests=0) ;;
        tiered-off) labels+=("TieredCompilation=0"); app_env+=(DOTNET_TieredCompilation=0) ;;
        pgo-off) labels+=("TieredPGO=0"); app_env+=(DOTNET_TieredPGO=0) ;;
        r2r) labels+=("ReadyToRun"); app_dll="$work/r2r/WebApp.dll" app_dir="$work/r2r" ;;
        composite) labels+=("ReadyToRun composite"); app_exe="$work/composite/WebApp" app_dir="$work/composite" ;;
      esac
    done
    label=$(IFS=,; echo "${labels[*]}"); label=${label//,/, }
  }
  declare -A s_ready s_cold s_cold_p99 s_rps s_p99 s_ratio s_kb
  for round in $(seq 1 "$ROUNDS"); do
    for v in $START_UP; do
      variant "$v"
      start_app 0 "$POOL"
      echo "== $label (round $round): ready after $ready_s s"
      extra='"server":"WebApp, '"$label"'","round":'"$round"',"ready after (s)":'"$ready_s"','
      measure_cold "$label, first ${COLD} s after ready (round $round)" "$extra"
      measure "$label, steady (round $round)" "$([ "$v" = shipped ] && echo true || echo false)" "$extra"
      stop_server
      s_ready[$v]+=" $ready_s"; s_cold[$v]+=" $cold_rps"; s_cold_p99[$v]+=" $cold_p99"; s_rps[$v]+=" $last_rps"
      s_p99[$v]+=" $last_p99"; s_ratio[$v]+=" $(ratio "$cold_rps" "$last_rps")"; s_kb[$v]+=" $last_kb"
    done
  done
  app_dll=$head_dll app_dir=$head_dir app_exe="" app_env=()
  variants_json=""
  for v in $START_UP; do
    variant "$v"
    m_ready=$(median ${s_ready[$v]}); m_cold=$(median ${s_cold[$v]}); m_cold_p99=$(median ${s_cold_p99[$v]})
    m_rps=$(median ${s_rps[$v]}); m_p99=$(median ${s_p99[$v]}); m_ratio=$(median_as %.2f ${s_ratio[$v]})
    kbs=${s_kb[$v]//null/}; m_kb=$([ -n "${kbs// /}" ] && median $kbs || echo null)
    v_verdict=$(first_seconds_verdict "$m_ratio" "$m_cold_p99")
    echo "$label, medians of $ROUNDS: ready after $m_ready s; first ${COLD} s $m_cold requests/s, p99 $m_cold_p99 ms; steady $m_rps requests/s, p99 $m_p99 ms, $m_kb KB a request; first ${COLD} s / steady $m_ratio (target 4, $first_seconds_target: $v_verdict)"
    echo "  rounds: ready s${s_ready[$v]}; first ${COLD} s requests/s${s_cold[$v]}, p99 ms${s_cold_p99[$v]}; steady requests/s${s_rps[$v]}, p99 ms${s_p99[$v]}"
    rows+=("$(printf '{"name":"%s, first %s s after ready, median of %s","baseline":%s,"value":%s,"details":{"server":"WebApp, %s","ready after (s)":%s,"first seconds p99 (ms)":%s,"steady (requests/s)":%s,"steady p99 (ms)":%s,"first seconds / steady":%s,"allocated per request (KB)":%s}}' \
      "$label" "$COLD" "$ROUNDS" "$([ "$v" = shipped ] && echo true || echo false)" "$m_cold" "$label" "$m_ready" "$m_cold_p99" "$m_rps" "$m_p99" "$m_ratio" "$m_kb")")
    variants_json+="${variants_json:+, }$(printf '{"variant": "%s", "label": "%s", "readyAfter": %s, "firstSeconds": %s, "firstSecondsP99": %s, "steady": %s, "steadyP99": %s, "overSteady": %s, "verdict": "%s"}' \
      "$v" "$label" "$m_ready" "$m_cold" "$m_cold_p99" "$m_rps" "$m_p99" "$m_ratio" "$v_verdict")"
  done
  summary=$(printf '  "summary": {"rounds": %s, "poolSize": %s, "seconds": %s, "overSteadyTarget": %s, "p99Target": %s, "variants": [%s]},\n' \
    "$ROUNDS" "$POOL" "$COLD" "$cold_ratio_target" "$cold_p99_target" "$variants_json")
  suite=start-up
  title="How an instance starts, per start-up setting: WebApp's first $COLD s after /readyz and its steady state under wrk (/u/{random handle} of $USERS users on PostgreSQL, requests/s), alternating"
elif [ -n "$ROUND_TRIPS" ]; then
  # The proxy sits in every run, 0 ms included, so that each strategy pays the same extra hop.
  proxy_port=$(free_port); delay_file="$work/one-way-delay"; echo 0s > "$delay_file"
  "$work/latency-proxy" -listen "127.0.0.1:$proxy_port" -target "127.0.0.1:$PGPORT" -delay-file "$delay_file" > "$work/proxy.log" 2>&1 &
  proxy_pid=$!
  direct_connection=$connection
  proxied_connection="${connection/Port=$PGPORT/Port=$proxy_port}"
  [ "$proxied_connection" != "$connection" ] || { echo "cannot point the connection string at the proxy: $connection" >&2; exit 1; }
  sed 's|^|/u/|' "$handles" > "$work/paths.txt"
  printf 'SELECT 1;\n' > "$work/select1.sql"
  # The strategy the app takes on PostgreSQL: appsettings.json's Loading:Strategy, else the default (PageLoadingOptions).
  shipped=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("Loading", {}).get("Strategy", "Batch"))' "$root/WebApp/appsettings.json")
  pgbench_latency() { pgbench -n -c 1 -T "$PROBE" -f "$work/select1.sql" -p "$1" 2>&1 | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p'; }
  # The proxy's own hop (two more loopback legs, about 0.1 ms), measured once at 0: a set round trip is the hop plus
  # the delay, so that SELECT 1 through the proxy takes the set round trip more than direct.
  hop=""
  set_round_trip() { # $1 = ms; the proxy reads the file within 100 ms; then SELECT 1 must show it
    awk -v rt="$1" -v hop="${hop:-0}" 'BEGIN { d = (rt - hop) * 500; printf "%dus\n", (rt > 0 && d > 0) ? d : 0 }' > "$delay_file"
    sleep 0.3
    # Within 15% of the set round trip; at 0 ms the proxy's own hop, at most 0.2 ms. Three tries: one pgbench
    # probe on the shared cores can catch a busy moment; a wrong delay misses all three.
    local direct through try
    for try in 1 2 3; do
      direct=$(pgbench_latency "$PGPORT"); through=$(pgbench_latency "$proxy_port")
      probe_added=$(awk -v a="$through" -v b="$direct" 'BEGIN { printf "%.3f", a - b }')
      if awk -v x="$probe_added" -v t="$1" 'BEGIN { exit !(t == 0 ? x <= 0.2 : (x >= 0.85 * t && x <= 1.15 * t)) }'; then
        [ "$1" != 0 ] || [ -n "$hop" ] || hop=$probe_added
        echo "== round trip $1 ms: SELECT 1 direct $direct ms, through the proxy $through ms: $probe_added ms added (within 15%)"
        return 0
      fi
      echo "== round trip $1 ms: SELECT 1 direct $direct ms, through the proxy $through ms: $probe_added ms added, not within 15% of $1 ms (try $try of 3)" >&2
    done
    exit 1
  }
  # The connections one page uses at once, at 1 visitor: PostgreSQL's sessions of the server that started a statement
  # within 1 ms of the latest one (a page's loaders start theirs together; at a round trip of 1 ms or more, one loader's
  # next statement is at least that far behind), 20 times a second; the median, since a readiness probe can coincide.
  sample_page_connections() { # $1 = seconds, $2 = application_name
    watch_sql "$1" 0.05 "SELECT count(*) FROM pg_stat_activity a, (SELECT max(query_start) AS latest FROM pg_stat_activity WHERE application_name = '$2') l WHERE a.application_name = '$2' AND a.query_start > l.latest - interval '1 millisecond'"
  }
  strategy_label() { case $1 in Go) echo "Go peer" ;; *) echo "$1" ;; esac; }
  # One row: $1 = strategy, $2 = database, $3 = round trip, $4 = visitors (closed loop) or "open"
  ls_measure() {
    local st=$1 db=$2 rt=$3 v=$4 url="http://127.0.0.1:$port" label params loop out json app0 pg0 px0 t0 app1 pg1 px1 t1 elapsed
    local rps p50 p99 errors peak
    params="$rt ms, $([ "$v" = open ] && echo "open loop $RATE/s" || echo "$v visitor$([ "$v" = 1 ] || echo s)")"
    [ "$db" = PostgreSQL ] || params="$db, $params"
    label="$(strategy_label "$st") ($params)"
    local threads=2 sampler
    [ "$v" != 1 ] || threads=1
    [ "$v" = open ] || wrk -t"$threads" -c"$v" -d"${WARMUP_EACH}s" -s scripts/profile.lua "$url" > /dev/null
    sample_connections "$DURATION" "$server_app_name" > "$work/connections.txt" &
    sampler=$!
    local page_sampler="" page_connections=null
    if [ "$v" = 1 ] && [ "$db" = PostgreSQL ] && awk -v r="$rt" 'BEGIN { exit !(r >= 1) }'; then
      sample_page_connections "$DURATION" "$server_app_name" > "$work/page-connections.txt" &
      page_sampler=$!
    fi
    app0=$(ticks "$server_pid"); pg0=$(pg_ticks); px0=$(ticks "$proxy_pid"); t0=$(date +%s.%N)
    if [ "$v" = open ]; then
      loop="open (benchmarks/open-loop, $RATE requests/s)"
      json=$("$work/open-loop" -url-base "$url" -paths "$work/paths.txt" -rate "$RATE" -duration "${DURATION}s" -warmup "${WARMUP_EACH}s" -connections 64)
      rps=$(printf '%.1f' "$(field "$json" achieved_rps)"); p50=$(field "$json" p50_ms); p99=$(field "$json" p99_ms)
      errors=$(( $(field "$json" errors) + $(field "$json" non2xx) ))
    else
      loop="closed (wrk, $v connections)"
      out=$(wrk -t"$threads" -c"$v" -d"${DURATION}s" --latency -s scripts/profile.lua "$url")
      json=$(echo "$out" | sed -n 's/^LOADRESULT //p')
      rps=$(field "$json" rps); p50=$(ms "$json" p50_us); p99=$(ms "$json" p99_us)
      errors=$(( $(field "$json" non2xx) + $(field "$json" socket_errors) ))
    fi
    t1=$(date +%s.%N); app1=$(ticks "$server_pid"); pg1=$(pg_ticks); px1=$(ticks "$proxy_pid")
    wait "$sampler" || true
    if [ -n "$page_sampler" ]; then
      wait "$page_sampler" || true
      page_connections=$(grep -E '^[0-9]+$' "$work/page-connections.txt" | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "null" }')
    fi
    peak=$(sort -n "$work/connections.txt" | tail -1); peak=${peak:-0}
    [ "$db" = PostgreSQL ] || peak=0
    elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    local app_ms pg_ms px_ms
    app_ms=$(per_request "$(cores $((app1 - app0)) "$elapsed")" "$rps")
    pg_ms=$(per_request "$(cores $((pg1 - pg0)) "$elapsed")" "$rps")
    px_ms=$(per_request "$(cores $((px1 - px0)) "$elapsed")" "$rps")
    printf '%-44s %7s req/s  p50 %6s ms  p99 %6s ms  errors %s  CPU a page (ms): app %s, PostgreSQL %s, proxy %s  sessions %s%s\n' \
      "$label" "$rps" "$p50" "$p99" "$errors" "$app_ms" "$pg_ms" "$px_ms" "$peak" "$([ "$page_connections" = null ] || echo ", a page uses $page_connections at once")"
    rows+=("$(printf '{"name":"%s","parameters":"%s","baseline":%s,"value":%s,"details":{"strategy":"%s","database":"%s","round trip (ms)":%s,"SELECT 1 added (ms)":%s,"visitors":"%s","loop":"%s","requests/s":%s,"p50 (ms)":%s,"p99 (ms)":%s,"errors":%s,"app CPU per page (ms)":%s,"PostgreSQL CPU per page (ms)":%s,"proxy CPU per page (ms)":%s,"sessions on PostgreSQL (most seen)":%s,"connections a page uses at once":%s}}' \
      "$label" "$params" "$([ "$st" = Go ] && echo true || echo false)" "$p50" "$st" "$db" "$rt" "$probe_added" "$v" "$loop" "$rps" "$p50" "$p99" "$errors" "$app_ms" "$pg_ms" "$px_ms" "$peak" "$page_connections")")
  }
  # Every visitor count at every round trip, 1 visitor first (see the header), the open loop with the first.
  ls_series() { # $1 = strategy, $2 = database, $3 = round trips
    local v rt first=1
    for v in $VISITORS; do
      for rt in $3; do
        set_round_trip "$rt"
        ls_measure "$1" "$2" "$rt" "$v"
        [ "$first" = 0 ] || ls_measure "$1" "$2" "$rt" open
      done
      first=0
    done
  }
  for st in $STRATEGIES; do
    echo 0s > "$delay_file"
    if [ "$st" = Go ]; then
      PGPORT=$proxy_port start_peer
    else
      connection=$proxied_connection
      # No page views: their writer's connection would count as the page's, and the Go peer records none.
      app_env=(Loading__Strategy="$st" WarmUp__Concurrency=1 PageViews__Enabled=false)
      start_app 0 "$POOL"
      connection=$direct_connection
    fi
    echo "== $(strategy_label "$st"): warm-up ${WARMUP}s at 0 ms, one visitor"
    wrk -t1 -c1 -d"${WARMUP}s" -s scripts/profile.lua "http://127.0.0.1:$port" > /dev/null
    ls_series "$st" PostgreSQL "$ROUND_TRIPS"
    stop_server
  done
  app_env=()
  if [ "$SQLITE" = 1 ]; then
    sqlite_db="$work/webapp.db"
    (cd "$root/WebApp" && Database__Provider=Sqlite ConnectionStrings__Sqlite="Data Source=$sqlite_db" dotnet "$app_dll" seed --users "$USERS") > "$work/sqlite-seed.log" 2>&1 \
      || { tail -20 "$work/sqlite-seed.log" >&2; echo "seeding SQLite failed" >&2; exit 1; }
    for st in Sequential Concurrent; do
      [[ " $STRATEGIES " == *" $st "* ]] || continue
      app_env=(Database__Provider=Sqlite ConnectionStrings__Sqlite="Data Source=$sqlite_db" Loading__Strategy="$st" WarmUp__Concurrency=1 PageViews__Enabled=false)
      start_app 0 ""
      echo "== $st on SQLite: warm-up ${WARMUP}s"
      wrk -t1 -c1 -d"${WARMUP}s" -s scripts/profile.lua "http://127.0.0.1:$port" > /dev/null
      probe_added=0
      for v in $VISITORS; do ls_measure "$st" SQLite 0 "$v"; done
      stop_server
    done
    app_env=()
  fi
  pgbench_run "$POOL"
  pgbench_pg_ms=$(echo "${rows[-1]}" | sed -n 's/.*"PostgreSQL CPU per request (ms)":\([0-9.]*\).*/\1/p')
  pgbench_tps=$last_rps
  unset 'rows[-1]'   # its own figures go in the summary: a row's value here is a page's p50
  printf '%s\n' "${rows[@]}" > "$work/rows.jsonl"
  summary=$(python3 scripts/loading-targets.py "$work/rows.jsonl" "$shipped" "$pgbench_pg_ms" "$pgbench_tps" "$POOL")
  suite=loading-strategies
  title="Loading strategies for the profile page with a network between the app and PostgreSQL (benchmarks/latency-proxy): p50 per round trip and visitors, $USERS users, pool $POOL"
elif [ -n "$BASE" ]; then
  declare -A c_rps c_p99 c_kb c_cpu c_pg
  for round in $(seq 1 "$ROUNDS"); do
    for side in base head; do
      if [ $side = base ]; then app_dll=$base_dll app_dir=$base_dir commit=$base_commit; else app_dll=$head_dll app_dir=$head_dir commit=$head_commit; fi
      run "$([ $side = base ] && echo "before ($commit)" || echo "after ($commit)") round $round" 0 "$POOL" "$([ $side = base ] && echo true || echo false)" \
        '"server":"WebApp at '"$commit"'","round":'"$round"','
      c_rps[$side]+=" $last_rps"; c_p99[$side]+=" $last_p99"; c_kb[$side]+=" $last_kb"; c_cpu[$side]+=" $last_cpu"; c_pg[$side]+=" $last_pg"
    done
  done
  app_dll=$head_dll app_dir=$head_dir
  for side in base head; do
    commit=$([ $side = base ] && echo "$base_commit" || echo "$head_commit")
    m_rps=$(median ${c_rps[$side]}); m_p99=$(median ${c_p99[$side]}); kbs=${c_kb[$side]//null/}; m_kb=$([ -n "${kbs// /}" ] && median $kbs || echo null); m_cpu=$(median_as %.2f ${c_cpu[$side]}); m_pg=$(median_as %.2f ${c_pg[$side]})
    declare "m_${side}_rps=$m_rps" "m_${side}_kb=$m_kb" "m_${side}_p99=$m_p99"
    echo "$([ $side = base ] && echo before || echo after) ($commit), medians of $ROUNDS: $m_rps requests/s, p99 $m_p99 ms, app CPU $m_cpu ms and PostgreSQL CPU $m_pg ms a request, $m_kb KB allocated a request"
    echo "  rounds: requests/s${c_rps[$side]}; p99 ms${c_p99[$side]}; app CPU ms${c_cpu[$side]}; KB a request${c_kb[$side]}"
    rows+=("$(printf '{"name":"%s (%s), median of %s","baseline":%s,"value":%s,"details":{"server":"WebApp at %s","p99 (ms)":%s,"app CPU per request (ms)":%s,"PostgreSQL CPU per request (ms)":%s,"allocated per request (KB)":%s}}' \
      "$([ $side = base ] && echo before || echo after)" "$commit" "$ROUNDS" "$([ $side = base ] && echo true || echo false)" "$m_rps" "$commit" "$m_p99" "$m_cpu" "$m_pg" "$m_kb")")
  done
  echo "after / before: throughput $(ratio "$m_head_rps" "$m_base_rps"), p99 $(ratio "$m_head_p99" "$m_base_p99"), allocation $(ratio "${m_head_kb/null/0}" "${m_base_kb/null/0}")"
  summary=$(printf '  "summary": {"rounds": %s, "poolSize": %s, "before": "%s", "after": "%s", "throughputRatio": %s, "p99Ratio": %s, "allocationRatio": %s},\n' \
    "$ROUNDS" "$POOL" "$base_commit" "$head_commit" "$(ratio "$m_head_rps" "$m_base_rps")" "$(ratio "$m_head_p99" "$m_base_p99")" "$(ratio "${m_head_kb/null/0}" "${m_base_kb/null/0}")")
  suite=compare
  title="A change's before and after: WebApp at $base_commit and at $head_commit under wrk, alternating (/u/{random handle} of $USERS users on PostgreSQL, requests/s)"
else
  app_rps=(); app_p99=(); app_errors=0; peer_rps=(); ceilings=(); cold_ratios=(); cold_p99s=(); app_kb=()
  for round in $(seq 1 "$ROUNDS"); do
    start_app 0 "$POOL"
    if [ "$COLD" -gt 0 ]; then
      measure_cold "WebApp, first ${COLD} s after ready (round $round)" '"server":"WebApp (LoadGroup as configured)","round":'"$round"','
    fi
    measure "WebApp (round $round)" false '"server":"WebApp (LoadGroup as configured)","round":'"$round"','
    stop_server
    app_rps+=("$last_rps"); app_p99+=("$last_p99"); app_errors=$((app_errors + last_errors))
    [ "$last_kb" = null ] || app_kb+=("$last_kb")
    if [ "$COLD" -gt 0 ]; then
      cold_ratios+=("$(ratio "$cold_rps" "$last_rps")"); cold_p99s+=("$cold_p99"); app_errors=$((app_errors + cold_errors))
    fi
    start_peer
    measure "Go peer (round $round)" true '"server":"Go peer (benchmarks/peers/go, PEER_MAX_CONNS='"$POOL"')","round":'"$round"','
    stop_server
    peer_rps+=("$last_rps")
  done
  if [ "$SEQUENTIAL" = 1 ]; then
    run "WebApp, Loading__MaxConcurrency=1" 1 "" false '"server":"WebApp (loaders one at a time)",'
  fi
  for clients in $PGBENCH_CLIENTS; do
    pgbench_run "$clients"
    ceilings+=("$last_rps")
  done

  rounds_text="$ROUNDS round$([ "$ROUNDS" = 1 ] || echo s)"
  app_median=$(median "${app_rps[@]}"); peer_median=$(median "${peer_rps[@]}")
  over_peer=$(ratio "$app_median" "$peer_median")
  ceiling=$(printf '%s\n' "${ceilings[@]}" | sort -g | tail -1)
  over_ceiling=$(ratio "$app_median" "${ceiling:-0}")
  echo "WebApp median $app_median requests/s, Go peer median $peer_median: WebApp / Go peer $over_peer (target >= 1.3: $(verdict "$over_peer" 1.3))"
  echo "pgbench ceiling $ceiling pages/s: WebApp / ceiling $over_ceiling (target >= 0.6: $(verdict "$over_ceiling" 0.6))"
  p99_median=$(median "${app_p99[@]}")
  p99_verdict=$(awk -v p="$p99_median" -v e="$app_errors" 'BEGIN { print (p <= 30 && e == 0 ? "met" : "missed") }')
  echo "WebApp p99 (median of rounds) $p99_median ms, errors $app_errors (target p99 <= 30 ms, no errors: $p99_verdict)"
  cold_json=null
  if [ "$COLD" -gt 0 ]; then
    cold_ratio=$(median "${cold_ratios[@]}"); cold_p99=$(median "${cold_p99s[@]}")
    cold_verdict=$(first_seconds_verdict "$cold_ratio" "$cold_p99")
    echo "WebApp's first ${COLD} s after ready: $cold_ratio of steady throughput, p99 $cold_p99 ms (medians of rounds; target $first_seconds_target: $cold_verdict)"
    cold_json=$(printf '{"seconds": %s, "overSteady": %s, "overSteadyTarget": %s, "p99": %s, "p99Target": %s, "verdict": "%s"}' "$COLD" "$cold_ratio" "$cold_ratio_target" "$cold_p99" "$cold_p99_target" "$cold_verdict")
  fi
  kb_median=null kb_verdict=missed
  if [ ${#app_kb[@]} -gt 0 ]; then
    kb_median=$(median "${app_kb[@]}"); kb_verdict=$(awk -v k="$kb_median" 'BEGIN { print (k <= 60 ? "met" : "missed") }')
    echo "WebApp allocated $kb_median KB a request (median of rounds; target <= 60 KB: $kb_verdict)"
  else
    echo "WebApp's allocation was not measured (no dotnet-counters)"
  fi
  rows+=("$(printf '{"name":"WebApp, median of %s","baseline":false,"value":%s,"details":{"server":"WebApp (LoadGroup as configured)","WebApp / Go peer":%s,"WebApp / pgbench ceiling":%s}}' \
    "$rounds_text" "$app_median" "$over_peer" "$over_ceiling")")
  rows+=("$(printf '{"name":"Go peer, median of %s","baseline":true,"value":%s,"details":{"server":"Go peer (benchmarks/peers/go, PEER_MAX_CONNS=%s)","WebApp / Go peer":%s}}' \
    "$rounds_text" "$peer_median" "$POOL" "$over_peer")")
  rows+=("$(printf '{"name":"pgbench ceiling, best of %s clients","baseline":true,"value":%s,"details":{"server":"pgbench (the page'"'"'s SQL, no app, no HTTP)","WebApp / pgbench ceiling":%s}}' \
    "$(echo $PGBENCH_CLIENTS | awk '{ s = $1; for (i = 2; i <= NF; i++) s = s (i < NF ? ", " : " and ") $i; print s }')" "$ceiling" "$over_ceiling")")
  summary=$(printf '  "summary": {"rounds": %s, "poolSize": %s, "webAppMedian": %s, "goPeerMedian": %s, "webAppOverGoPeer": %s, "webAppOverGoPeerTarget": 1.3, "pgbenchCeiling": %s, "pgbenchClients": "%s", "webAppOverCeiling": %s, "webAppOverCeilingTarget": 0.6, "webAppP99": %s, "webAppP99Target": 30, "webAppErrors": %s, "firstSeconds": %s, "allocatedKBPerRequest": %s, "allocatedKBTarget": 60},\n' \
    "$ROUNDS" "$POOL" "$app_median" "$peer_median" "$over_peer" "$ceiling" "$PGBENCH_CLIENTS" "$over_ceiling" "$p99_median" "$app_errors" "$cold_json" "$kb_median")
  suite=load
  title="Profile page: WebApp and the Go peer under wrk (/u/{random handle}, requests/s), and pgbench on the page's own queries (pages/s), $USERS users on PostgreSQL"
fi

# --- results ----------------------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUTPUT")"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
os=$(. /etc/os-release && echo "$PRETTY_NAME")
runtime=$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App 10/ {v=$2} END {print v}')
commit=$head_commit
if [ -n "$POOL_SIZES" ]; then
  knobs=" POOL_SIZES=\\\"$POOL_SIZES\\\""
elif [ -n "$BASE" ]; then
  knobs=" ROUNDS=$ROUNDS BASE=$base_commit"
elif [ -n "$START_UP" ]; then
  knobs=" ROUNDS=$ROUNDS START_UP=\\\"$START_UP\\\""
elif [ -n "$ROUND_TRIPS" ]; then
  knobs=" ROUND_TRIPS=\\\"$ROUND_TRIPS\\\" STRATEGIES=\\\"$STRATEGIES\\\" VISITORS=\\\"$VISITORS\\\" RATE=$RATE POOL=$POOL SQLITE=$SQLITE"
else
  knobs=" ROUNDS=$ROUNDS PGBENCH_CLIENTS=\\\"$PGBENCH_CLIENTS\\\""
  if [ "$SEQUENTIAL" = 1 ]; then knobs+=" SEQUENTIAL=1"; fi
fi
{
  printf '{\n  "suite": "%s",\n  "title": "%s",\n' "$suite" "$title"
  if [ "$mode" = loading-strategies ]; then
    printf '  "metric": "Median page time",\n  "unit": "ms",\n'
  else
    printf '  "metric": "Throughput",\n  "unit": "%s",\n' "$([ "$mode" != load ] && echo "requests/s" || echo "requests/s (pgbench: pages/s)")"
  fi
  printf '  "command": "USERS=%s DURATION=%s WARMUP=%s COLD=%s CONNECTIONS=%s THREADS=%s%s scripts/load.sh",\n' "$USERS" "$DURATION" "$WARMUP" "$COLD" "$CONNECTIONS" "$THREADS" "$knobs"
  printf '  "createdAt": "%s",\n  "commit": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit"
  printf '  "machine": {"cores": %s, "cpu": "%s", "memoryGB": %s, "os": "%s", "dotnet": "ASP.NET Core %s", %s"postgres": "%s", "loadAverage": "%s", "note": "%s"},\n' \
    "$(nproc)" "$cpu" "$(awk '/MemTotal/ {printf "%d", $2/1024/1024 + 0.5}' /proc/meminfo)" "$os" "$runtime" \
    "$({ [ "$mode" = load ] || [ "$mode" = loading-strategies ]; } && go version | awk '{printf "\"go\": \"%s\", ", $3}')" "$pg_note" "$(cut -d' ' -f1 /proc/loadavg)" "$NOTE"
  if [ -n "$summary" ]; then printf '%s\n' "$summary"; fi
  joined=""; for row in "${rows[@]}"; do joined+="${joined:+,$'\n'    }$row"; done
  printf '  "results": [\n    %s\n  ]\n}\n' "$joined"
} > "$OUTPUT"
echo "Results: $OUTPUT"
