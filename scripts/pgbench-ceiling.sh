#!/usr/bin/env bash
# The ceiling the profile page's own SQL allows on this machine: pgbench runs exactly the page's five queries (plus
# the handle of a random user), prepared, with no app and no HTTP, at each client count in $CLIENTS.
#
#   scripts/pgbench-ceiling.sh                           # 500 users (the demo data), 8 and 32 clients, 30 s each
#   USERS=100000 CLIENTS="8 32 96" scripts/pgbench-ceiling.sh
#
# The server comes from scripts/postgres.sh (a throwaway cluster with the stock 100 connections, or WEBAPP_POSTGRES);
# the data from `WebApp seed --users $USERS`. One pgbench transaction is one page: its tps is pages/s. Writes
# $OUTPUT (default benchmarks/results/pgbench.json); scripts/load.sh reads it to draw WebApp against the ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
USERS=${USERS:-500}
CLIENTS=${CLIENTS:-"8 32"}
DURATION=${DURATION:-30}
OUTPUT=${OUTPUT:-benchmarks/results/pgbench.json}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d /tmp/webapp-pgbench-XXXXXX)
chmod 755 "$work"   # the postgres user keeps its cluster inside
trap '"$root/scripts/postgres.sh" remove "$work/pg"; rm -rf "$work"' EXIT
server=$("$root/scripts/postgres.sh" start "$work/pg")
connection="${server%Database=*}Database=webapp_pgbench"

dotnet build -c Release WebApp -v q -nologo | tail -1
set +e
(cd WebApp && ASPNETCORE_ENVIRONMENT=Production Database__Provider=Postgres ConnectionStrings__Postgres="$connection" \
  Serilog__MinimumLevel__Default=Warning dotnet bin/Release/net10.0/WebApp.dll seed --users "$USERS")
seeded=$?
set -e
case $seeded in 0 | 3) ;; *) echo "seed failed ($seeded)" >&2; exit 1 ;; esac

declare -A kv; IFS=';' read -ra parts <<< "$connection"
for p in "${parts[@]}"; do k=${p%%=*}; kv[${k,,}]=${p#*=}; done
export PGHOST=${kv[host]} PGPORT=${kv[port]} PGUSER=${kv[username]} PGDATABASE=${kv[database]} PGPASSWORD=${kv[password]:-}
psql -qAtc "VACUUM ANALYZE"

rows=()
for clients in $CLIENTS; do
  out=$(pgbench -n -M prepared -f benchmarks/pgbench/profile.sql -D users="$USERS" -c "$clients" -j 2 -T "$DURATION" 2>&1)
  tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1 | xargs printf "%.1f")
  latency=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
  failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
  echo "$clients clients: $tps pages/s, average latency $latency ms, failed ${failed:-0}"
  rows+=("$(printf '{"name":"pgbench, %s clients","baseline":false,"value":%s,"details":{"clients":%s,"average latency (ms)":%s,"failed":%s}}' \
    "$clients" "$tps" "$clients" "${latency:-null}" "${failed:-0}")")
done

mkdir -p "$(dirname "$OUTPUT")"
{
  printf '{\n  "suite": "pgbench",\n  "title": "The profile page'"'"'s own SQL without the app: pgbench, prepared, one transaction per page (pages/s)",\n'
  printf '  "metric": "pages/s",\n  "unit": "pages/s",\n'
  printf '  "command": "USERS=%s CLIENTS=\\"%s\\" DURATION=%s scripts/pgbench-ceiling.sh",\n' "$USERS" "$CLIENTS" "$DURATION"
  printf '  "createdAt": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '  "machine": {"cores": %s, "postgres": "%s", "loadAverage": "%s", "note": "%s"},\n' "$(nproc)" "$(psql -Atc 'show server_version')" \
    "$(cut -d' ' -f1 /proc/loadavg)" "${NOTE:-pgbench and PostgreSQL share the machine}"
  printf '  "results": [\n'
  for i in "${!rows[@]}"; do printf '    %s%s\n' "${rows[$i]}" "$([ "$i" -lt $((${#rows[@]} - 1)) ] && echo ,)"; done
  printf '  ]\n}\n'
} > "$OUTPUT"
echo "Results: $OUTPUT"
