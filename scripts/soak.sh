#!/usr/bin/env bash
# A soak: the fleet (scripts/fleet.sh: nginx, INSTANCES instances, a PostgreSQL primary and a streaming replica) or
# the embedded default (the published app alone, no connection string: SQLite) at a fixed rate of half its measured
# saturation for DURATION minutes, loopback only. Bounded: it stops by itself and takes down what it started.
#
#   scripts/soak.sh fleet                 # 30 minutes
#   scripts/soak.sh embedded
#   DURATION=4 WARMUP=1 scripts/soak.sh fleet     # a short run
#   RATE=150 scripts/soak.sh embedded             # a fixed rate instead of half of the measured saturation
#
# 1. Saturation: wrk with CONNECTIONS connections, as fast as they go, for SATURATION_WARMUP s and then SATURATION s
#    (measured; scripts/profile.lua with LOAD_ACTIVE); RATE defaults to half of the measured requests/s.
# 2. The soak: benchmarks/open-loop (built here with Debian's Go) once a minute, 60 s at RATE requests/s on a fixed
#    schedule with up to CONNECTIONS in flight, /u/{random handle}; its p50/p99 count from each request's due time.
#    Every SAMPLE s, for each instance: its working set (VmRSS), threads and open file descriptors (/proc/PID), and
#    from dotnet-counters (the local tool, .config/dotnet-tools.json) the GC heap after the last collection
#    (dotnet.gc.last_collection.heap.size, all generations), Npgsql's pooled connections (db.client.connection.count,
#    idle and used, every pool; the embedded default has no Npgsql pool: n/a) and the page-view queue
#    (webapp.page_views.queue_depth). Each minute's figure is the mean of its samples.
# 3. The end: the instances stop (SIGTERM: each drains its page views), and the views stored are compared with the
#    profile pages answered.
#
# Pass: for every figure of every instance, and p50/p99, the mean of the last ten minutes is within 10% of the mean
# of the first ten after the warm-up (the first WARMUP minutes, 2, are not compared; "ten" is min(10, half of the
# rest): minutes 3-12 against 21-30 of 30); for counts (threads, descriptors, connections, queued views) at least one
# more is allowed, as 10% of a small count is less than one. A figure going down passes. Also: no non-2xx answer, no
# socket error or timeout in any run (saturation included), no ERR or FTL line in an instance's log, and every view answered is stored.
# Prints a line a minute and the verdicts; writes its rows into OUTPUT (benchmarks/results/soak.json), replacing the
# same target's rows and keeping the other's; exits 1 when the soak fails.
#
# Knobs: DURATION (minutes, 30), WARMUP (minutes, 2), RATE (requests/s; unset: half of saturation), CONNECTIONS (32),
# THREADS (2), SATURATION (s, 15), SATURATION_WARMUP (s, 10), SAMPLE (s, 5), USERS (10000), INSTANCES (3),
# FLEET_DIR (.fleet/soak), FLEET_PORT (a free port), FLEET_PUBLISH (1), LOG_LEVEL (Warning), OUTPUT, NOTE.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

target=${1:-}
case $target in
  fleet | embedded) ;;
  *) echo "usage: scripts/soak.sh fleet|embedded   (DURATION=minutes, RATE=requests/s; see the script's header)" >&2; exit 2 ;;
esac
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-2}
RATE=${RATE:-}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
SATURATION=${SATURATION:-15}
SATURATION_WARMUP=${SATURATION_WARMUP:-10}
SAMPLE=${SAMPLE:-5}
DRAIN=2   # s at the end of the saturation runs with nothing sent: the last answers arrive before wrk stops
export USERS=${USERS:-10000} INSTANCES=${INSTANCES:-3} LOG_LEVEL=${LOG_LEVEL:-Warning}
export FLEET_DIR=${FLEET_DIR:-$root/.fleet/soak}
case $FLEET_DIR in /*) ;; *) FLEET_DIR=$root/$FLEET_DIR ;; esac
OUTPUT=${OUTPUT:-benchmarks/results/soak.json}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for n in DURATION WARMUP CONNECTIONS THREADS SATURATION SATURATION_WARMUP SAMPLE; do
  [[ ${!n} =~ ^[0-9]+$ ]] || { echo "$n must be a whole number, not '${!n}'" >&2; exit 2; }
done
[ -z "$RATE" ] || [[ $RATE =~ ^[1-9][0-9]*$ ]] || { echo "RATE must be a whole number of requests/s, not '$RATE'" >&2; exit 2; }
[ "$DURATION" -ge $((WARMUP + 2)) ] || { echo "DURATION must leave at least two minutes after WARMUP" >&2; exit 2; }
[ "$SATURATION" -gt 0 ] && [ "$SAMPLE" -gt 0 ] && [ "$THREADS" -gt 0 ] && [ "$CONNECTIONS" -ge "$THREADS" ] \
  || { echo "SATURATION, SAMPLE and THREADS must be above 0, CONNECTIONS at least THREADS" >&2; exit 2; }

# Bounded whatever happens: the whole run under timeout, whose TERM runs the cleanup below.
if [ -z "${SOAK_BOUNDED:-}" ]; then
  export SOAK_BOUNDED=1
  exec timeout --kill-after=60 "$(( DURATION * 75 + SATURATION + SATURATION_WARMUP + 1200 ))" "$root/scripts/soak.sh" "$@"
fi

say() { printf '[soak %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf '[soak] error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
port_busy() { ss -Htln "sport = :$1" | grep -q .; }
free_port() { local p; while :; do p=$(shuf -i 20000-32000 -n 1); port_busy "$p" || { echo "$p"; return; }; done; }

missing=()
for tool in wrk jq curl sqlite3 go; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]/#go/golang-go}" >/dev/null
fi
dotnet tool restore >/dev/null || die "dotnet tool restore failed (dotnet-counters, .config/dotnet-tools.json)"
# The tool's own dll, run by dotnet directly: `dotnet tool run` starts it as a child that a kill of $! would not reach.
counters_version=$(jq -r '.tools["dotnet-counters"].version' .config/dotnet-tools.json)
counters_dll=$(ls "$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"dotnet-counters/"$counters_version"/tools/*/any/dotnet-counters.dll | tail -1)
[ -f "$counters_dll" ] || die "dotnet-counters $counters_version is not in the NuGet cache after dotnet tool restore"

export FLEET_PORT=${FLEET_PORT:-$(free_port)}
fleet=$root/scripts/fleet.sh
work=$FLEET_DIR/soak-$target
rm -rf "$work"; mkdir -p "$work"
[ -n "$(go env GOCACHE 2>/dev/null)" ] || export GOCACHE="$work/go-cache"
(cd benchmarks/open-loop && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/open-loop" .) || die "building benchmarks/open-loop failed"
app_pid="" wrk_pid="" sampler_pid="" counter_pids=()

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$wrk_pid" ] || kill "$wrk_pid" 2>/dev/null || true
  [ -z "$sampler_pid" ] || kill "$sampler_pid" 2>/dev/null || true
  for p in "${counter_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "$target" = fleet ]; then
    [ -f "$FLEET_DIR/env" ] && "$fleet" down > "$work/fleet-down.log" 2>&1 || true
  elif [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
    kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# --- start ------------------------------------------------------------------------------------------------------
if [ "$target" = fleet ]; then
  "$fleet" up 2>&1 | tee "$work/fleet-up.log" | grep -E 'ready in|error' || true
  [ -f "$FLEET_DIR/env" ] || die "the fleet did not start (see $work/fleet-up.log)"
  # shellcheck disable=SC1091
  . "$FLEET_DIR/env"
  wait_ready() { curl -fs -o /dev/null --max-time 3 "$FLEET_URL/healthz"; }
  wait_ready || die "the fleet is not ready (see $work/fleet-up.log)"
  url=$FLEET_URL
  pids=$INSTANCE_PIDS
  names=(); for i in $(seq 1 "$INSTANCES"); do names+=("instance $i"); done
  logs=("$FLEET_DIR"/instances/*.log)
  views_stored() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -X -At -d webapp -c "SELECT coalesce(sum(views), 0) FROM user_daily_views"; }
  stop_instances() { "$fleet" stop-instances > "$work/stop.log" 2>&1; }
  described="the fleet: nginx, $INSTANCES instances, PostgreSQL 15 primary + streaming replica"
else
  APP_DIR=$FLEET_DIR/app
  if [ "${FLEET_PUBLISH:-1}" != 0 ] || [ ! -f "$APP_DIR/WebApp.dll" ]; then "$fleet" publish; fi
  # The default configuration: SQLite in App_Data under the content root, a fresh file for each soak.
  rm -rf "$APP_DIR/App_Data"
  say "seeding $USERS demo users into $APP_DIR/App_Data/webapp.db"
  (cd "$APP_DIR" && Serilog__MinimumLevel__Default=Warning dotnet WebApp.dll seed --users "$USERS") > "$work/seed.log" 2>&1 \
    || { tail -20 "$work/seed.log" >&2; die "seeding failed"; }
  db=$APP_DIR/App_Data/webapp.db
  HANDLES_FILE=$work/handles.txt
  sqlite3 "$db" "SELECT handle FROM users ORDER BY id" > "$HANDLES_FILE"
  port=$(free_port)
  # Only the port and the log level differ from `dotnet WebApp.dll` (a line per request would measure the disk).
  (cd "$APP_DIR" && exec env ASPNETCORE_URLS="http://127.0.0.1:$port" Serilog__MinimumLevel__Default="$LOG_LEVEL" dotnet WebApp.dll) \
    > "$work/app.log" 2>&1 < /dev/null &
  app_pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 360); do
    curl -fs -o /dev/null --max-time 3 "$url/readyz" && break
    kill -0 "$app_pid" 2>/dev/null || { tail -20 "$work/app.log" >&2; die "the app exited"; }
    sleep 0.5
  done
  curl -fs -o /dev/null --max-time 3 "$url/readyz" || { tail -20 "$work/app.log" >&2; die "the app is not ready"; }
  pids=$app_pid
  names=("embedded")
  logs=("$work/app.log")
  views_stored() { sqlite3 "$db" "SELECT coalesce(sum(views), 0) FROM user_daily_views"; }
  stop_instances() { kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""; }
  described="the embedded default: the published app alone on SQLite"
fi
export HANDLES_FILE
read -ra pid_list <<< "$pids"
say "$described at $url (pids $pids)"

# --- load -------------------------------------------------------------------------------------------------------
field() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<< "$1"; }
answered=0   # 2xx answers to profile pages, every run: each is one view to be stored
errors=0
run_wrk() { # seconds-sending outfile: wrk in the background (a signal reaches the cleanup at once)
  LOAD_ACTIVE=$1 \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$(($1 + DRAIN))s" --timeout 10s -s scripts/profile.lua "$url" > "$2" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || die "wrk failed: $(tail -3 "$2")"
  wrk_pid=""
  local json; json=$(sed -n 's/^LOADRESULT //p' "$2")
  [ -n "$json" ] || die "no result from wrk ($2)"
  local requests non2xx socket; requests=$(field "$json" requests); non2xx=$(field "$json" non2xx); socket=$(field "$json" socket_errors)
  answered=$((answered + requests - non2xx)); errors=$((errors + non2xx + socket))
  last_json=$json
}

sleep 2   # the warm-up's own views reach the database before the count starts
before=$(views_stored)
say "saturation: $CONNECTIONS connections, as fast as they go, ${SATURATION_WARMUP} s, then ${SATURATION} s measured"
[ "$SATURATION_WARMUP" = 0 ] || run_wrk "$SATURATION_WARMUP" "$work/saturation-warm-up.txt"
run_wrk "$SATURATION" "$work/saturation.txt"
saturation=$(awk -v r="$(field "$last_json" requests)" -v s="$SATURATION" 'BEGIN { printf "%.1f", r / s }')
rate=${RATE:-$(awk -v s="$saturation" 'BEGIN { r = int(s / 2 + 0.5); print (r < 1 ? 1 : r) }')}
say "saturation $saturation requests/s (p99 $(( $(field "$last_json" p99_us) / 1000 )) ms); the soak runs at $rate requests/s for $DURATION minutes"

# Samplers: /proc every SAMPLE s; one dotnet-counters per instance for the whole soak (it writes its file at the end).
counters_spec='System.Runtime[dotnet.gc.last_collection.heap.size],Npgsql[db.client.connection.count],WebApp.PageViews[webapp.page_views.queue_depth]'
soak_seconds=$((DURATION * 61 + 5))   # a minute's run takes 60 s and its last answers
for i in "${!pid_list[@]}"; do
  dotnet "$counters_dll" collect -p "${pid_list[i]}" --counters "$counters_spec" --refresh-interval "$SAMPLE" \
    --duration "$(printf '00:%02d:%02d:%02d' $((soak_seconds / 3600)) $((soak_seconds % 3600 / 60)) $((soak_seconds % 60)))" \
    --format csv -o "$work/counters-$((i + 1)).csv" > "$work/counters-$((i + 1)).log" 2>&1 < /dev/null &
  counter_pids+=($!)
done
sample_proc() {
  while :; do
    local t i=0 pid
    t=$(date +%s)
    for pid in "${pid_list[@]}"; do
      i=$((i + 1))
      # epoch, instance, working set (kB), threads, open descriptors
      { awk -v t="$t" -v i="$i" '/^VmRSS:/ { rss = $2 } /^Threads:/ { th = $2 } END { printf "%s %s %s %s ", t, i, rss, th }' "/proc/$pid/status" \
        && find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; } 2>/dev/null || true
    done
    sleep "$SAMPLE"
  done
}
sample_proc > "$work/proc.txt" &
sampler_pid=$!

: > "$work/minutes.txt"
sed 's|^|/u/|' "$HANDLES_FILE" > "$work/paths.txt"
# The machine's busy CPU and the instances' own, per minute: on shared cores, latency follows what the others run.
hz=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
instance_ticks() { local sum=0 p t; for p in "${pid_list[@]}"; do t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0); sum=$((sum + t)); done; echo "$sum"; }
printf '%-6s %8s %8s %8s %6s %5s %9s %9s %5s\n' minute req/s "p50 ms" "p99 ms" errors late "busy CPU" "app CPU" load
for m in $(seq 1 "$DURATION"); do
  start=$(date +%s) busy0=$(machine_ticks) app0=$(instance_ticks) t0=$(date +%s.%N)
  # It waits for every request it sent (answered or timed out), so its counts are exact.
  "$work/open-loop" -url-base "$url" -paths "$work/paths.txt" -rate "$rate" -duration 60s -warmup 0s \
    -connections "$CONNECTIONS" -timeout 10s -seed "$m" > "$work/minute-$m.json" 2> "$work/minute-$m.err" &
  wrk_pid=$!
  wait "$wrk_pid" || die "open-loop failed: $(tail -3 "$work/minute-$m.err")"
  wrk_pid=""
  end=$(date +%s) busy1=$(machine_ticks) app1=$(instance_ticks) t1=$(date +%s.%N)
  cpu=$(awk -v b=$((busy1 - busy0)) -v a=$((app1 - app0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%.2f %.2f", b / hz / (t1 - t0), a / hz / (t1 - t0) }')
  # minute, start, end, requests/s, p50 and p99 (ms), non-2xx + errors, late starts, machine busy and the
  # instances' CPU (cores), load average
  jq -r --argjson m "$m" --argjson a "$start" --argjson b "$end" --arg cpu "$cpu" --arg load "$(cut -d' ' -f1 /proc/loadavg)" \
    '"\($m) \($a) \($b) \(.achieved_rps) \(.p50_ms) \(.p99_ms) \(.non2xx + .errors) \(.late) \($cpu) \($load)"' "$work/minute-$m.json" >> "$work/minutes.txt"
  # completed: the 2xx answers (open-loop counts errors and non-2xx apart)
  answered=$((answered + $(jq '.completed' "$work/minute-$m.json")))
  errors=$((errors + $(jq '.non2xx + .errors' "$work/minute-$m.json")))
  tail -1 "$work/minutes.txt" | awk '{ printf "%-6s %8.1f %8s %8s %6s %5s %9s %9s %5s\n", $1, $4, $5, $6, $7, $8, $9, $10, $11 }'
done
kill "$sampler_pid" 2>/dev/null || true; sampler_pid=""
for p in "${counter_pids[@]}"; do wait "$p" 2>/dev/null || true; done
counter_pids=()

# --- the end: drain, count ----------------------------------------------------------------------------------------
say "stopping the instances (each drains its page views)"
stop_instances
after=$(views_stored)
stored=$((after - before))
log_errors=$(cat "${logs[@]}" | grep -cE '^\[[0-9:]+ (ERR|FTL)\]' || true)
# Warnings are printed, not failed on: /readyz answers 503 until the warm-up is done, by design.
warnings=$(cat "${logs[@]}" | awk '
    function flush() { if (w != "") print w; w = "" }
    /^\[[0-9:]+ [A-Z][A-Z][A-Z]\]/ { flush() }
    /^\[[0-9:]+ WRN\]/ && !/GET \/readyz responded 503/ { w = $0; sub(/^\[[0-9:]+ WRN\] /, "", w); gsub(/[0-9]+/, "N", w); w = substr(w, 1, 100); next }
    w != "" && /Exception/ { e = $0; sub(/ \(0x[0-9A-Fa-f]+\)/, "", e); w = w " <- " substr(e, 1, 70); flush() }
    END { flush() }' | sort | uniq -c | sort -rn || true)

# --- per minute, per instance -------------------------------------------------------------------------------------
# counters-N.csv: "MM/dd/yyyy HH:mm:ss,provider,name (unit)[tags],type,value", local time, one row a series a sample;
# the series of one figure (generations, pools and states) are summed per timestamp.
for i in "${!pid_list[@]}"; do
  n=$((i + 1))
  [ -s "$work/counters-$n.csv" ] || die "dotnet-counters wrote nothing for ${names[i]} (see $work/counters-$n.log)"
  awk -F, -v i="$n" 'NR > 1 {
      split($1, dt, /[\/ :]/); t = mktime(dt[3] " " dt[1] " " dt[2] " " dt[4] " " dt[5] " " dt[6])
      name = $3; sub(/ .*/, "", name)
      key = t SUBSEP name; sum[key] += $NF; seen[key] = 1
    }
    END { for (k in seen) { split(k, p, SUBSEP); print p[1], i, p[2], sum[k] } }' "$work/counters-$n.csv"
done > "$work/counters.txt"

# One line a minute and instance: the mean of the samples taken during that minute's wrk run.
awk -v n="${#pid_list[@]}" '
  FILENAME ~ /minutes/ { m = $1; a[m] = $2; b[m] = $3; last = m; next }
  FILENAME ~ /proc/ { for (k = 1; k <= last; k++) if ($1 >= a[k] && $1 < b[k]) {
      c[k, $2, "rss"]++; s[k, $2, "rss"] += $3 / 1024; c[k, $2, "threads"]++; s[k, $2, "threads"] += $4
      c[k, $2, "fds"]++; s[k, $2, "fds"] += $5 } next }
  { for (k = 1; k <= last; k++) if ($1 >= a[k] && $1 < b[k]) {
      f = $3 == "dotnet.gc.last_collection.heap.size" ? "heap" : $3 == "db.client.connection.count" ? "pool" : "queue"
      c[k, $2, f]++; s[k, $2, f] += (f == "heap" ? $4 / 1048576 : $4) } }
  END {
    split("rss heap threads fds pool queue", figures, " ")
    for (k = 1; k <= last; k++) for (i = 1; i <= n; i++) {
      line = k " " i
      for (x = 1; x <= 6; x++) { f = figures[x]; line = line " " (c[k, i, f] ? sprintf("%.2f", s[k, i, f] / c[k, i, f]) : "na") }
      print line
    }
  }' "$work/minutes.txt" "$work/proc.txt" "$work/counters.txt" > "$work/per-instance.txt"

echo
printf '%-6s %-11s %8s %8s %8s %6s %8s %8s\n' minute instance "WS MB" "heap MB" threads fds pooled queue
awk -v names="$(IFS='|'; echo "${names[*]}")" 'BEGIN { split(names, nm, "|") }
  { printf "%-6s %-11s %8s %8s %8s %6s %8s %8s\n", $1, nm[$2], $3, $4, $5, $6, $7, $8 }' "$work/per-instance.txt"

# --- the verdict --------------------------------------------------------------------------------------------------
window=$(( (DURATION - WARMUP) / 2 )); [ "$window" -le 10 ] || window=10
first_from=$((WARMUP + 1)) first_to=$((WARMUP + window))
last_from=$((DURATION - window + 1)) last_to=$DURATION
# name unit count? first last ratio verdict: one line a figure
awk -v names="$(IFS='|'; echo "${names[*]}")" -v ff="$first_from" -v ft="$first_to" -v lf="$last_from" -v lt="$last_to" -v target="$target" '
  BEGIN { split(names, nm, "|")
    split("rss heap threads fds pool queue", key, " ")
    split("working set|GC heap after a collection|threads|open file descriptors|pooled connections|page-view queue", label, "|")
    split("MB MB threads descriptors connections views", unit, " ")
    split("0 0 1 1 1 1", count, " ") }
  # name|unit|count?|first|last|last as % of first|last as % of the limit|verdict
  function judge(name, u, isCount, fs, fc, ls, lc,   first, last, limit) {
    if (fc == 0 || lc == 0) { printf "%s|%s|%d|na|na|na|na|n/a\n", name, u, isCount; return }
    first = fs / fc; last = ls / lc
    limit = first * 1.1; if (isCount && limit < first + 1) limit = first + 1
    printf "%s|%s|%d|%.2f|%.2f|%s|%.1f|%s\n", name, u, isCount, first, last, (first > 0 ? sprintf("%.1f", 100 * last / first) : "na"),
      (limit > 0 ? 100 * last / limit : 100), (last <= limit + 1e-9 ? "pass" : "FAIL")
  }
  FILENAME ~ /minutes/ { if ($1 >= ff && $1 <= ft) { f50 += $5; f99 += $6; fn++ } if ($1 >= lf && $1 <= lt) { l50 += $5; l99 += $6; ln++ } next }
  { for (x = 1; x <= 6; x++) { v = $(x + 2); if (v == "na") continue
      if ($1 >= ff && $1 <= ft) { fs[$2, x] += v; fc[$2, x]++ } if ($1 >= lf && $1 <= lt) { ls[$2, x] += v; lc[$2, x]++ } }
    if ($2 > n) n = $2 }
  END {
    judge(target ", p50", "ms", 0, f50, fn, l50, ln); judge(target ", p99", "ms", 0, f99, fn, l99, ln)
    for (i = 1; i <= n; i++) for (x = 1; x <= 6; x++)
      judge(target ", " (nm[i] == target ? "" : nm[i] ": ") label[x], unit[x], count[x], fs[i, x], fc[i, x], ls[i, x], lc[i, x])
  }' "$work/minutes.txt" "$work/per-instance.txt" > "$work/verdicts.txt"

echo
echo "Minutes $first_from-$first_to against $last_from-$last_to (the first $WARMUP not compared):"
printf '%-56s %10s %10s %10s %10s %s\n' figure "first $window" "last $window" "last/first" "of limit" verdict
awk -F'|' '{ printf "%-56s %10s %10s %10s %10s %s\n", $1 " (" $2 ")", $4, $5, ($6 == "na" ? "na" : $6 "%"), ($7 == "na" ? "na" : $7 "%"), $8 }' "$work/verdicts.txt"
awk -v ff="$first_from" -v ft="$first_to" -v lf="$last_from" -v lt="$last_to" '
  $1 >= ff && $1 <= ft { fb += $9; fa += $10; fl += $11; fn++ } $1 >= lf && $1 <= lt { lb += $9; la += $10; ll += $11; ln++ }
  END { printf "%-56s %10.2f %10.2f   (the machine: not judged)\n%-56s %10.2f %10.2f\n%-56s %10.2f %10.2f\n",
    "busy CPU, whole machine (cores)", fb / fn, lb / ln, "the instances'"'"' CPU (cores)", fa / fn, la / ln, "load average", fl / fn, ll / ln }' "$work/minutes.txt"
read -r busy_first busy_last < <(awk -v ff="$first_from" -v ft="$first_to" -v lf="$last_from" -v lt="$last_to" \
  '$1 >= ff && $1 <= ft { f += $9; fn++ } $1 >= lf && $1 <= lt { l += $9; ln++ } END { printf "%.2f %.2f\n", f / fn, l / ln }' "$work/minutes.txt")
failed_figures=$(grep -c '|FAIL$' "$work/verdicts.txt" || true)
minute_errors=$(awk '{ s += $7 } END { print s + 0 }' "$work/minutes.txt")
echo
echo "requests answered 2xx (every run): $answered; non-2xx, socket errors and timeouts: $errors (soak minutes: $minute_errors)"
echo "log lines: $log_errors ERR/FTL; warnings but /readyz's 503s before ready: $(awk '{ s += $1 } END { print s + 0 }' <<< "$warnings")"
[ -z "$warnings" ] || sed 's/^/  /' <<< "$warnings"
echo "views stored: $stored (user_daily_views $before -> $after), answered: $answered"
verdict=pass
[ "$failed_figures" = 0 ] || { echo "FAIL  $failed_figures figure(s) grew past the limit"; verdict=fail; }
[ "$errors" = 0 ] || { echo "FAIL  $errors failed request(s)"; verdict=fail; }
[ "$log_errors" = 0 ] || { echo "FAIL  $log_errors error line(s) in the logs"; verdict=fail; }
[ "$stored" = "$answered" ] || { echo "FAIL  $stored views stored for $answered answered"; verdict=fail; }
[ "$verdict" = fail ] || echo "PASS  no figure grew past the limit, no errors, every view stored"

# --- results ------------------------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUTPUT")"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
runtime=$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App 10/ {v=$2} END {print v}')
knobs="DURATION=$DURATION WARMUP=$WARMUP${RATE:+ RATE=$RATE} USERS=$USERS"
[ "$target" != fleet ] || knobs+=" INSTANCES=$INSTANCES"
command="$knobs scripts/soak.sh $target"
rows=$(awk -F'|' '$7 != "na" {
    printf "{\"name\":\"%s\",\"value\":%s,\"details\":{\"unit\":\"%s\",\"first ten (mean)\":%s,\"last ten (mean)\":%s,\"last / first (%%)\":%s,\"limit\":\"%s\",\"verdict\":\"%s\"}}\n",
      $1, $7, $2, $4, $5, ($6 == "na" ? "null" : $6), ($3 ? "+10%, at least +1" : "+10%"), $8 }' "$work/verdicts.txt" | jq -s .)
minutes=$(awk -v names="$(IFS='|'; echo "${names[*]}")" 'BEGIN { split(names, nm, "|") }
  FILENAME ~ /minutes/ { r[$1] = $4; p50[$1] = $5; p99[$1] = $6; e[$1] = $7; late[$1] = $8; busy[$1] = $9; app[$1] = $10; load[$1] = $11; next }
  function num(v) { return v == "na" ? "null" : v }
  { printf "{\"minute\":%d,\"instance\":\"%s\",\"requests/s\":%s,\"p50 (ms)\":%s,\"p99 (ms)\":%s,\"errors\":%d,\"late starts\":%d,\"busy CPU, machine (cores)\":%s,\"instances CPU (cores)\":%s,\"load average\":%s,\"working set (MB)\":%s,\"GC heap (MB)\":%s,\"threads\":%s,\"descriptors\":%s,\"pooled connections\":%s,\"queued views\":%s}\n",
      $1, nm[$2], r[$1], p50[$1], p99[$1], e[$1], late[$1], busy[$1], app[$1], load[$1], num($3), num($4), num($5), num($6), num($7), num($8) }' \
  "$work/minutes.txt" "$work/per-instance.txt" | jq -s .)
run=$(jq -n --arg target "$target" --arg described "$described" --arg command "$command" --arg createdAt "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --arg commit "$(git describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)" --arg verdict "$verdict" \
  --argjson duration "$DURATION" --argjson warmup "$WARMUP" --argjson saturation "$saturation" --argjson rate "$rate" \
  --argjson connections "$CONNECTIONS" --argjson answered "$answered" --argjson stored "$stored" --argjson errors "$errors" \
  --argjson logErrors "$log_errors" --argjson minutes "$minutes" --argjson busyFirst "$busy_first" --argjson busyLast "$busy_last" --arg first "$first_from-$first_to" --arg last "$last_from-$last_to" \
  '{target: $target, described: $described, command: $command, createdAt: $createdAt, commit: $commit, verdict: $verdict,
    "duration (minutes)": $duration, "warm-up (minutes)": $warmup, "first ten": $first, "last ten": $last, "saturation (requests/s)": $saturation, "rate (requests/s)": $rate,
    connections: $connections, "views answered": $answered, "views stored": $stored, "failed requests": $errors,
    "error log lines": $logErrors, "busy CPU of the machine, first ten (cores)": $busyFirst,
    "busy CPU of the machine, last ten (cores)": $busyLast, minutes: $minutes}')
machine=$(jq -n --argjson cores "$(nproc)" --arg cpu "$cpu" --argjson memoryGB "$(awk '/MemTotal/ {printf "%d", $2/1024/1024 + 0.5}' /proc/meminfo)" \
  --arg os "$(. /etc/os-release && echo "$PRETTY_NAME")" --arg dotnet "ASP.NET Core $runtime" \
  --arg postgres "PostgreSQL $(/usr/lib/postgresql/15/bin/postgres --version 2>/dev/null | awk '{print $3}'), primary + streaming replica (fleet)" \
  --arg nginx "$(nginx -v 2>&1 | sed 's|.*nginx/||')" --arg load "$(cut -d' ' -f1 /proc/loadavg)" \
  --arg note "${NOTE:-the app, PostgreSQL, nginx, wrk and open-loop share $(nproc) cores with other work on the machine}" \
  '{cores: $cores, cpu: $cpu, memoryGB: $memoryGB, os: $os, dotnet: $dotnet, postgres: $postgres, nginx: $nginx, loadAverage: $load, note: $note}')
existing='{}'; [ -f "$OUTPUT" ] && existing=$(cat "$OUTPUT")
# The other target's rows and run stay; the title, command and date say both.
jq -n --argjson old "$existing" --argjson rows "$rows" --argjson run "$run" --argjson machine "$machine" --arg target "$target" '
  ($old.runs // {} | .[$target] = $run) as $runs
  | ([$runs[] ] | sort_by(.target == "embedded")) as $ordered
  | {
      suite: "soak",
      title: ("Soak at half of saturation: each figure'"'"'s mean over the last ten minutes as % of its limit, the first ten'"'"'s after the warm-up + 10% ("
        + ([$ordered[] | "\(.target) \(if .verdict == "pass" then "passed" else "failed" end): \(."duration (minutes)") min at \(."rate (requests/s)") requests/s, minutes \(."first ten") against \(."last ten")"] | join("; ")) + ")"),
      metric: "Last ten minutes'"'"' mean as % of the limit",
      unit: "%",
      command: ([$ordered[] | .command] | join("; ")),
      createdAt: ([$ordered[] | .createdAt] | max),
      commit: ($ordered | max_by(.createdAt) | .commit),
      machine: $machine,
      runs: $runs,
      results: ((($old.results // []) | map(select(.name | startswith($target + ", ") | not))) + $rows
        | sort_by(.name | startswith("embedded, ")))
    }' > "$OUTPUT.tmp"
mv "$OUTPUT.tmp" "$OUTPUT"
echo "Results: $OUTPUT"
[ "$verdict" = pass ]
