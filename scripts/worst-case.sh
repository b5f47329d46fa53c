#!/usr/bin/env bash
# Each route's worst case at 100,000 users, one visitor at a time, on SQLite and on PostgreSQL.
#
#   scripts/worst-case.sh                       # both providers, 20 timed requests per URL after 5 warm-ups
#   PROVIDERS=sqlite REQUESTS=50 scripts/worst-case.sh
#   LABEL=before APP_DLL=/tmp/main-build/WebApp.dll scripts/worst-case.sh    # another build, kept as "before"
#
# The databases are built once (`WebApp seed --users $USERS`, about a minute each) in $WORK and reused by every
# later run: a SQLite file and a PostgreSQL cluster from scripts/postgres.sh, started
# for the run and stopped after it. WEBAPP_POSTGRES (a superuser Npgsql connection string) uses a server of
# your own instead. A newer build migrates the same databases on start (its migrations backfill what they add).
#
# The URLs are the expensive ones: home; the directory in each sort at its first, middle and last page and one past
# it; a search for a common and a rare string (and a rare one of two characters, which no trigram index serves); the most-followed and the most-posting user's profile at the first and
# last page; a post. Each is requested WARMUP times, then REQUESTS times with curl, and the p50/p90 of curl's total
# time (the server's time over loopback: loaders, rendering, the response) and of Server-Timing's "load" are kept in
# $WORK/$LABEL-<provider>.tsv. benchmarks/results/worst-case.json is then written from the newest "after" runs, with
# the "before" runs' p50 beside them when there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

USERS=${USERS:-100000}
REQUESTS=${REQUESTS:-20}
WARMUP=${WARMUP:-5}
PROVIDERS=${PROVIDERS:-"sqlite postgres"}
LABEL=${LABEL:-after}
WORK=${WORK:-/tmp/webapp-worst-case}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

mkdir -p "$WORK"
chmod 755 "$WORK"   # the postgres user keeps its cluster inside
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1; }

app_pid=""
pg_started=""
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; fi
  if [ -n "$pg_started" ]; then "$root/scripts/postgres.sh" stop "$WORK/pg"; fi
}
trap cleanup EXIT

if [ -z "${APP_DLL:-}" ]; then
  dotnet build -c Release WebApp -v q -nologo | tail -3
  APP_DLL="$root/WebApp/bin/Release/net10.0/WebApp.dll"
fi
app_dir=$(dirname "$APP_DLL")
export ASPNETCORE_ENVIRONMENT=Production Database__SeedOnStartup=false

# --- databases ----------------------------------------------------------------------------------------------------
postgres_connection() {
  # scripts/postgres.sh keeps the cluster in $WORK/pg between runs (stock max_connections), or uses WEBAPP_POSTGRES.
  local server
  server=$("$root/scripts/postgres.sh" start "$WORK/pg" shared_buffers=512MB)
  pg_started=1
  echo "${server%Database=*}Database=webapp_worst"
}

# sql <provider> <query>: one value per line, fields separated by '|'.
sql() {
  if [ "$1" = sqlite ]; then sqlite3 "$WORK/webapp.db" "$2"; return; fi
  declare -A kv; local IFS=';' parts p
  read -ra parts <<< "$connection"
  for p in "${parts[@]}"; do kv[${p%%=*}]=${p#*=}; done
  PGPASSWORD=${kv[Password]:-} psql -h "${kv[Host]}" -p "${kv[Port]:-5432}" -U "${kv[Username]}" -d "${kv[Database]}" -At -c "$2"
}

# --- one provider -----------------------------------------------------------------------------------------------
measure() { # $1 = sqlite | postgres
  local provider=$1 port out="$WORK/$LABEL-$1.tsv"
  if [ "$provider" = sqlite ]; then
    export Database__Provider=Sqlite ConnectionStrings__Sqlite="Data Source=$WORK/webapp.db"
  else
    connection=$(postgres_connection)
    export Database__Provider=Postgres ConnectionStrings__Postgres="$connection"
  fi

  set +e
  (cd "$app_dir" && Serilog__MinimumLevel__Default=Warning dotnet "$APP_DLL" seed --users "$USERS")
  local seeded=$?
  set -e
  case $seeded in 0 | 3) ;; *) echo "seed failed ($seeded)" >&2; exit 1 ;; esac

  port=$(free_port)
  # Warnings only: a log line per request would measure the console.
  (cd "$app_dir" && Serilog__MinimumLevel__Default=Warning ASPNETCORE_URLS="http://127.0.0.1:$port" exec dotnet "$APP_DLL") > "$WORK/app-$provider.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "the app did not become ready:" >&2; tail -20 "$WORK/app-$provider.log" >&2; exit 1; }

  if [ "$provider" = postgres ]; then
    # What autovacuum would do soon after a migration rewrote rows: statistics and a visibility map.
    sql postgres "VACUUM ANALYZE" >/dev/null
  fi

  # The worst cases, found in the data (the same rows on both providers).
  local users pages followed posting followed_posts posting_posts post
  users=$(sql "$provider" "SELECT count(*) FROM users")
  pages=$(( (users + 19) / 20 ))
  followed=$(sql "$provider" "SELECT u.handle FROM follows f JOIN users u ON u.id = f.followee_id GROUP BY u.id, u.handle ORDER BY count(*) DESC, u.id LIMIT 1")
  posting=$(sql "$provider" "SELECT u.handle FROM posts p JOIN users u ON u.id = p.user_id GROUP BY u.id, u.handle ORDER BY count(*) DESC, u.id LIMIT 1")
  followed_posts=$(sql "$provider" "SELECT count(*) FROM posts p JOIN users u ON u.id = p.user_id WHERE u.handle = '$followed'")
  posting_posts=$(sql "$provider" "SELECT count(*) FROM posts p JOIN users u ON u.id = p.user_id WHERE u.handle = '$posting'")
  post=$(sql "$provider" "SELECT p.id FROM posts p JOIN users u ON u.id = p.user_id WHERE u.handle = '$followed' ORDER BY p.published_at DESC, p.id DESC LIMIT 1")

  local -a rows=("home|/")
  local sort
  for sort in name joined posts; do
    rows+=("directory, sort=$sort, page 1|/users?sort=$sort"
           "directory, sort=$sort, page $((pages / 2)) (middle)|/users?sort=$sort&page=$((pages / 2))"
           "directory, sort=$sort, page $pages (last)|/users?sort=$sort&page=$pages"
           "directory, sort=$sort, page $((pages + 1)) (past the end)|/users?sort=$sort&page=$((pages + 1))")
  done
  rows+=("search, common (q=mar)|/users?q=mar"
         "search, rare (q=77777)|/users?q=77777"
         "search, rare and shorter than a trigram (q=zq)|/users?q=zq"
         "profile, most followed, page 1|/u/$followed"
         "profile, most followed, last page|/u/$followed?page=$(( (followed_posts + 9) / 10 ))"
         "profile, most posts, page 1|/u/$posting"
         "profile, most posts, last page|/u/$posting?page=$(( (posting_posts + 9) / 10 ))"
         "post|/u/$followed/posts/$post")

  : > "$out"
  local row name path i line status total load
  for row in "${rows[@]}"; do
    name=${row%%|*}; path=${row#*|}
    for i in $(seq 1 "$WARMUP"); do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
    local -a totals=() loads=()
    for i in $(seq 1 "$REQUESTS"); do
      line=$(curl -s -o /dev/null -D "$WORK/headers" -w '%{http_code} %{time_total}' "http://127.0.0.1:$port$path")
      status=${line% *}; total=${line#* }
      load=$(tr -d '\r' < "$WORK/headers" | sed -n 's/.*load;dur=\([0-9.]*\).*/\1/p' | head -1)
      totals+=("$(awk -v s="$total" 'BEGIN { printf "%.2f", s * 1000 }')")
      loads+=("${load:-0}")
    done
    local p50 p90 l50
    p50=$(printf '%s\n' "${totals[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    p90=$(printf '%s\n' "${totals[@]}" | sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.9 + 0.5); if (i < 1) i = 1; print a[i] }')
    l50=$(printf '%s\n' "${loads[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$path" "$status" "$p50" "$p90" "$l50" | tee -a "$out"
  done

  kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""
  if [ -n "$pg_started" ] && [ "$provider" = postgres ]; then
    "$root/scripts/postgres.sh" stop "$WORK/pg"; pg_started=""
  fi
}

for provider in $PROVIDERS; do
  echo "== $provider ($LABEL)"
  measure "$provider"
done

# --- results ----------------------------------------------------------------------------------------------------
[ "$LABEL" = after ] || { echo "Kept in $WORK/$LABEL-*.tsv"; exit 0; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
os=$(. /etc/os-release && echo "$PRETTY_NAME")
runtime=$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App 10/ {v=$2} END {print v}')
commit=$(git describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)
pg_version=$("$pg_bin/postgres" --version 2>/dev/null | awk '{print $3}')
json_rows=()
for provider in sqlite postgres; do
  [ -f "$WORK/after-$provider.tsv" ] || continue
  if [ "$provider" = sqlite ]; then title=SQLite target=50; else title=PostgreSQL target=20; fi
  while IFS=$'\t' read -r name path status p50 p90 l50; do
    before=$( [ -f "$WORK/before-$provider.tsv" ] && awk -F'\t' -v n="$name" '$1 == n { print $4 }' "$WORK/before-$provider.tsv" || true)
    before_status=$( [ -f "$WORK/before-$provider.tsv" ] && awk -F'\t' -v n="$name" '$1 == n { print $3 }' "$WORK/before-$provider.tsv" || true)
    json_rows+=("$(printf '{"name":"%s: %s","baseline":false,"value":%s,"details":{"URL":"%s","status":%s,"p50 (ms)":%s,"p90 (ms)":%s,"Server-Timing load p50 (ms)":%s,"before: p50 (ms)":%s,"before: status":%s,"target p50 (ms)":%s}}' \
      "$title" "$name" "$p50" "$path" "$status" "$p50" "$p90" "$l50" "${before:-null}" "${before_status:-null}" "$target")")
  done < "$WORK/after-$provider.tsv"
done
mkdir -p benchmarks/results
{
  printf '{\n  "suite": "worst-case",\n  "title": "Each route'"'"'s worst case at %s users, one visitor: p50 server time over %s requests (ms)",\n' "$USERS" "$REQUESTS"
  printf '  "metric": "p50",\n  "unit": "ms",\n'
  printf '  "command": "USERS=%s REQUESTS=%s WARMUP=%s scripts/worst-case.sh",\n' "$USERS" "$REQUESTS" "$WARMUP"
  printf '  "createdAt": "%s",\n  "commit": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit"
  printf '  "machine": {"cores": %s, "cpu": "%s", "memoryGB": %s, "os": "%s", "dotnet": "ASP.NET Core %s", "postgres": "local cluster, PostgreSQL %s", "loadAverage": "%s", "note": "%s"},\n' \
    "$(nproc)" "$cpu" "$(awk '/MemTotal/ {printf "%d", $2/1024/1024 + 0.5}' /proc/meminfo)" "$os" "$runtime" "$pg_version" "$(cut -d' ' -f1 /proc/loadavg)" \
    "${NOTE:-app, database and curl share the machine, which other builds were also using; server time is curl time_total over loopback}"
  printf '  "results": [\n'
  for i in "${!json_rows[@]}"; do printf '    %s%s\n' "${json_rows[$i]}" "$([ "$i" -lt $((${#json_rows[@]} - 1)) ] && echo ,)"; done
  printf '  ]\n}\n'
} > benchmarks/results/worst-case.json
echo "Results: benchmarks/results/worst-case.json"
