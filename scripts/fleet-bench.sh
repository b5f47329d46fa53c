#!/usr/bin/env bash
# Fleet throughput: the profile page of random users through nginx, with 1 and then 3 instances behind it
# (scripts/fleet.sh: a PostgreSQL primary and a streaming replica on the same machine), wrk with 32 connections.
# Records requests/s, latency percentiles and the CPU of the instances, PostgreSQL (both clusters) and nginx
# (from /proc/<pid>/stat) into benchmarks/results/fleet.json.
#
#   scripts/fleet-bench.sh                                  # 1 and 3 instances, 20 s warm-up, 30 s measured
#   COUNTS="1 2 3" WARMUP=10 DURATION=20 scripts/fleet-bench.sh
#   POOL_SIZE=16 scripts/fleet-bench.sh                     # every instance's pool (default: the app's)
#   POOLERS="none pgbouncer" COUNTS=3 scripts/fleet-bench.sh  # direct, then through PgBouncer (fleet.sh's POOLER),
#                                                           # back to back: benchmarks/results/pgbouncer.json
#
# Every part shares the same cores: more instances add parallelism only where a core is idle. On the 2-core
# machine of the committed figures the cores, not the app, bound the fleet.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

COUNTS=${COUNTS:-1 3}
POOLERS=${POOLERS:-none}   # one fleet per pooler and count; anything but "none" alone writes pgbouncer.json
WARMUP=${WARMUP:-20}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
export USERS=${USERS:-10000}
export FLEET_DIR=${FLEET_DIR:-$root/.fleet/bench}
export FLEET_PORT=${FLEET_PORT:-$(shuf -i 20000-32000 -n 1)}
fleet=$root/scripts/fleet.sh

trap '[ -f "$FLEET_DIR/env" ] && "$fleet" down >/dev/null 2>&1 || true' EXIT
[ "${FLEET_PUBLISH:-1}" = 0 ] && [ -f "$FLEET_DIR/app/WebApp.dll" ] || "$fleet" publish

hz=$(getconf CLK_TCK)
ticks() { local sum=0 t p; for p in "$@"; do t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0); sum=$((sum + t)); done; echo "$sum"; }
# A cluster's CPU: the postmaster's own and its reaped children's (cutime, cstime), plus every live child's.
# Backends come and go with the pools; a backend's time moves into cutime when it exits, so the sum only grows.
pg_ticks() {
  local sum=0 m
  for m in "$@"; do
    sum=$((sum + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$m/stat") + $(ticks $(pgrep -P "$m"))))
  done
  echo "$sum"
}
tree() { local p; for p in "$@"; do echo "$p"; pgrep -P "$p" || true; done; }
field() { echo "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"; }
ms() { awk -v us="$(field "$1" "$2")" 'BEGIN { printf "%.2f", us / 1000 }'; }
cores() { awk -v d="$1" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.2f", d / hz / s }'; }

rows=()
for pooler in $POOLERS; do
for n in $COUNTS; do
  POOLER=$pooler INSTANCES=$n FLEET_PUBLISH=0 "$fleet" up
  # shellcheck disable=SC1091
  . "$FLEET_DIR/env"
  export HANDLES_FILE
  echo "== $n instance(s): warm-up ${WARMUP}s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s -s scripts/profile.lua "$FLEET_URL" >/dev/null
  pg="$(head -1 "$PRIMARY_DIR/data/postmaster.pid") $(head -1 "$REPLICA_DIR/data/postmaster.pid")"
  ng=$(tree "$NGINX_PID")
  echo "== $n instance(s): ${DURATION}s, $CONNECTIONS connections"
  bouncers=$(cat "$FLEET_DIR"/pgbouncer/*/pgbouncer.pid 2>/dev/null || true)
  a0=$(ticks $INSTANCE_PIDS); p0=$(pg_ticks $pg); g0=$(ticks $ng); b0=$(ticks $bouncers); t0=$(date +%s.%N)
  # --timeout above the page deadline (5 s): a slow page is the app's 504, not a wrk socket timeout.
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s scripts/profile.lua "$FLEET_URL")
  t1=$(date +%s.%N); a1=$(ticks $INSTANCE_PIDS); p1=$(pg_ticks $pg); g1=$(ticks $ng); b1=$(ticks $bouncers)
  echo "$out" | grep -v LOADRESULT
  json=$(echo "$out" | sed -n 's/^LOADRESULT //p')
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  app=$(cores $((a1 - a0)) "$s"); pgc=$(cores $((p1 - p0)) "$s"); ngc=$(cores $((g1 - g0)) "$s"); pbc=$(cores $((b1 - b0)) "$s")
  rps=$(field "$json" rps)
  per() { awk -v c="$1" -v r="$rps" 'BEGIN { printf "%.2f", c / r * 1000 }'; }
  echo "CPU (cores busy): instances $app, PostgreSQL $pgc, nginx $ngc, PgBouncer $pbc; per request (ms): $(per "$app"), $(per "$pgc"), $(per "$ngc"), $(per "$pbc")"
  name="$n instance$([ "$n" = 1 ] || echo s) behind nginx"
  if [ "$POOLERS" != none ]; then
    if [ "$pooler" = none ]; then name+=", direct to PostgreSQL"; else name+=", through PgBouncer (transaction mode)"; fi
  fi
  rows+=("$(printf '{"name":"%s","baseline":%s,"value":%s,"details":{"p50 (ms)":%s,"p90 (ms)":%s,"p99 (ms)":%s,"max (ms)":%s,"requests":%s,"non-2xx":%s,"socket errors":%s,"instances CPU (cores)":%s,"PostgreSQL CPU (cores)":%s,"nginx CPU (cores)":%s,"PgBouncer CPU (cores)":%s,"instances CPU per request (ms)":%s,"PostgreSQL CPU per request (ms)":%s,"nginx CPU per request (ms)":%s,"PgBouncer CPU per request (ms)":%s}}' \
    "$name" "$([ ${#rows[@]} = 0 ] && echo true || echo false)" \
    "$rps" "$(ms "$json" p50_us)" "$(ms "$json" p90_us)" "$(ms "$json" p99_us)" "$(ms "$json" max_us)" \
    "$(field "$json" requests)" "$(field "$json" non2xx)" "$(field "$json" socket_errors)" \
    "$app" "$pgc" "$ngc" "$pbc" "$(per "$app")" "$(per "$pgc")" "$(per "$ngc")" "$(per "$pbc")")")
  "$fleet" down
done
done

mkdir -p benchmarks/results
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
os=$(. /etc/os-release && echo "$PRETTY_NAME")
runtime=$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App 10/ {v=$2} END {print v}')
commit=$(git describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)
if [ "$POOLERS" = none ]; then
  suite=fleet title="The fleet: /u/{random handle} of $USERS users through nginx, $(echo $COUNTS | sed 's/ / vs /g') instances, PostgreSQL primary + streaming replica (requests/s)"
else
  suite=pgbouncer title="The fleet direct to PostgreSQL and through PgBouncer 1.18 (transaction mode, Database:Pooler=PgBouncer): /u/{random handle} of $USERS users through nginx, $(echo $COUNTS | sed 's/ / and /g') instance(s), primary + streaming replica (requests/s)"
fi
out=benchmarks/results/$suite.json
{
  printf '{\n  "suite": "%s",\n  "title": "%s",\n' "$suite" "$title"
  printf '  "metric": "Throughput",\n  "unit": "requests/s",\n'
  cmd="$([ "$POOLERS" = none ] || echo "POOLERS=\"$POOLERS\" ")${POOL_SIZE:+POOL_SIZE=$POOL_SIZE }COUNTS=\"$COUNTS\" USERS=$USERS WARMUP=$WARMUP DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS scripts/fleet-bench.sh"
  printf '  "command": "%s",\n' "${cmd//\"/\\\"}"
  printf '  "createdAt": "%s",\n  "commit": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit"
  printf '  "machine": {"cores": %s, "cpu": "%s", "memoryGB": %s, "os": "%s", "dotnet": "ASP.NET Core %s", "postgres": "PostgreSQL %s, primary + streaming replica (scripts/fleet.sh)", "nginx": "%s", "loadAverage": "%s", "note": "%s"},\n' \
    "$(nproc)" "$cpu" "$(awk '/MemTotal/ {printf "%d", $2/1024/1024 + 0.5}' /proc/meminfo)" "$os" "$runtime" \
    "$(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}')" "$(nginx -v 2>&1 | sed 's|.*nginx/||')" "$(cut -d' ' -f1 /proc/loadavg)" \
    "${NOTE:-the instances, both PostgreSQL clusters, nginx$([ "$POOLERS" = none ] || echo ", PgBouncer") and wrk share $(nproc) cores, and other builds may run on the machine at the same time (loadAverage: the 1-minute load at the end of the run)}"
  printf '  "results": [\n'
  for i in "${!rows[@]}"; do printf '    %s%s\n' "${rows[i]}" "$([ "$i" -lt $((${#rows[@]} - 1)) ] && echo ,)"; done
  printf '  ]\n}\n'
} > "$out"
echo "Results: $out"
