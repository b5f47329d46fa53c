#!/usr/bin/env bash
# WebApp as a fleet on one machine, for demos and failure drills: a PostgreSQL 15 primary and a streaming
# replica, INSTANCES app instances, nginx in front. Local processes and Debian's packages only, loopback only.
#
#   scripts/fleet.sh up               # publish (Release), start everything, wait until ready, write .fleet/env
#   scripts/fleet.sh status           # what runs where, readiness, app connections per server
#   scripts/fleet.sh down             # instances drain (SIGTERM), then nginx, then both clusters
#   scripts/fleet.sh stop-replica | start-replica | restart-primary | stop-primary | start-primary
#   scripts/fleet.sh stop-instances   # SIGTERM every instance and wait for it to exit; the databases stay up
#   scripts/fleet.sh publish          # only the Release publish into $FLEET_DIR/app
#
# Knobs (environment): INSTANCES (3), FLEET_PORT (8080), USERS (2000, the demo users seeded once),
# POOL_SIZE (unset: the app's default pool; set: "Maximum Pool Size" in every instance's connection string),
# CONNECTION_OPTIONS (more "Key=Value;..." for the instances' connection string, e.g. "Load Balance Hosts=true"),
# OUTAGE (seconds restart-primary keeps the primary down, 5), FLEET_DIR (.fleet), FLEET_PUBLISH (1; 0 reuses
# $FLEET_DIR/app), LOG_LEVEL (Warning: one log line per request would measure the disk, not the fleet).
#
# The PostgreSQL clusters are a local drill: the postgres superuser is trusted on 127.0.0.1 with no password,
# max_connections stays at the stock 100. The app connects as its own role, webapp, which owns the database
# webapp and may create trusted extensions (pg_trgm) but is no superuser.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

FLEET_DIR=${FLEET_DIR:-$root/.fleet}
case $FLEET_DIR in /*) ;; *) FLEET_DIR=$root/$FLEET_DIR ;; esac
ENV_FILE=$FLEET_DIR/env
INSTANCES=${INSTANCES:-3}
FLEET_PORT=${FLEET_PORT:-8080}
USERS=${USERS:-2000}
OUTAGE=${OUTAGE:-5}
LOG_LEVEL=${LOG_LEVEL:-Warning}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)   # psql, pg_isready: as postgres.sh picks
PRIMARY_DIR=$FLEET_DIR/pg/primary   # each a scripts/postgres.sh cluster: data/, server.log, its Unix socket
REPLICA_DIR=$FLEET_DIR/pg/replica
NGINX_DIR=$FLEET_DIR/nginx
APP_DIR=$FLEET_DIR/app

say() { printf '[fleet %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf '[fleet] error: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
port_busy() { ss -Htln "sport = :$1" | grep -q .; }
# A random port nobody listens on (below the kernel's ephemeral range, so no outgoing connection holds it).
free_port() {
  local p
  while :; do p=$(shuf -i 20000-32000 -n 1); port_busy "$p" || { echo "$p"; return; }; done
}

# psql as the superuser on one of the clusters: psql_on PORT [psql args...]
psql_on() { local port=$1; shift; "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
sql_value() { psql_on "$1" -d "${3:-postgres}" -At -c "$2"; }

load_env() {
  [ -f "$ENV_FILE" ] || die "no fleet in $FLEET_DIR (run: scripts/fleet.sh up)"
  # shellcheck disable=SC1090
  . "$ENV_FILE"
}

write_env() {
  {
    echo "# Written by scripts/fleet.sh up at $(date -u +%Y-%m-%dT%H:%M:%SZ); read with: . $ENV_FILE"
    for name in FLEET_DIR FLEET_URL FLEET_PORT PRIMARY_PORT REPLICA_PORT INSTANCES INSTANCE_PORTS INSTANCE_PIDS \
      NGINX_PID PG_BIN PRIMARY_DIR REPLICA_DIR APP_DIR APP_CONNECTION POOL_SIZE CONNECTION_OPTIONS USERS HANDLES_FILE; do
      printf '%s=%q\n' "$name" "${!name-}"
    done
  } > "$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# --- PostgreSQL (scripts/postgres.sh, the repository's one launcher) ---------------------------------------------

# The clusters keep their ports and settings across the drills' restarts; WEBAPP_POSTGRES (a server of the caller's)
# does not apply: the fleet needs a primary and a standby of its own.
pg() { WEBAPP_POSTGRES= "$root/scripts/postgres.sh" "$@" >/dev/null; }
pg_start() { pg start "$1"; }   # cluster dir
pg_stop() { pg stop "$1"; }

wait_streaming() { # seconds: the replica is in recovery and the primary sees a streaming WAL sender
  local deadline=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(sql_value "$REPLICA_PORT" "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ] \
      && [ "$(sql_value "$PRIMARY_PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" -ge 1 ] 2>/dev/null; then
      return 0
    fi
    sleep 0.3
  done
  return 1
}

create_clusters() {
  mkdir -p "$FLEET_DIR/pg"
  chmod 755 "$FLEET_DIR/pg"   # the postgres user keeps both clusters inside
  # Durable, unlike a test cluster: the drills stop and start the servers. max_connections is not set: the stock
  # 100 is what the fleet must live within.
  pg start "$PRIMARY_DIR" "port=$PRIMARY_PORT" cluster_name=fleet-primary fsync=on synchronous_commit=on full_page_writes=on
  psql_on "$PRIMARY_PORT" -d postgres <<'EOF'
CREATE ROLE webapp LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE webapp OWNER webapp;
EOF
  # As the owner of webapp (and so of its public schema, PostgreSQL 15's pg_database_owner), the role may
  # CREATE trusted extensions such as pg_trgm there, and nothing outside it.
  pg standby "$REPLICA_DIR" "$PRIMARY_DIR" "port=$REPLICA_PORT" cluster_name=fleet-replica
  wait_streaming 60 || die "the replica is not streaming (see $REPLICA_DIR/server.log)"
}

# --- app --------------------------------------------------------------------------------------------------------

publish() {
  say "dotnet publish -c Release -> $APP_DIR"
  dotnet publish "$root/WebApp" -c Release -o "$APP_DIR" -v q -nologo >/dev/null || die "dotnet publish failed"
}

app_connection() { # the instances' connection string (application name per instance appended later)
  local cs="Host=127.0.0.1:$PRIMARY_PORT,127.0.0.1:$REPLICA_PORT;Username=webapp;Database=webapp"
  [ -n "${POOL_SIZE:-}" ] && cs="$cs;Maximum Pool Size=$POOL_SIZE"
  [ -n "${CONNECTION_OPTIONS:-}" ] && cs="$cs;$CONNECTION_OPTIONS"
  echo "$cs"
}

seed() {
  say "migrating and seeding $USERS demo users (once, before any instance starts)"
  (
    cd "$APP_DIR"
    ASPNETCORE_ENVIRONMENT=Production Database__Provider=Postgres Database__SeedOnStartup=false \
      ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PRIMARY_PORT;Username=webapp;Database=webapp;Application Name=WebApp-seed" \
      Serilog__MinimumLevel__Default=Warning \
      dotnet WebApp.dll seed --users "$USERS"
  ) > "$FLEET_DIR/seed.log" 2>&1 || { tail -n 20 "$FLEET_DIR/seed.log" >&2; die "seeding failed"; }
  HANDLES_FILE=$FLEET_DIR/handles.txt
  sql_value "$PRIMARY_PORT" "SELECT handle FROM users ORDER BY id" webapp > "$HANDLES_FILE"
}

start_instance() { # index, port -> prints the pid
  local i=$1 port=$2
  mkdir -p "$FLEET_DIR/instances"
  # setsid: the instance outlives this script and a Ctrl-C in its terminal; exec: $! is the app's own pid.
  (
    cd "$APP_DIR"
    export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port"
    export Database__Provider=Postgres Database__SeedOnStartup=false Database__ThreadSafetyChecks=false
    export ConnectionStrings__Postgres="$APP_CONNECTION;Application Name=WebApp-$i"
    export ForwardedHeaders__KnownProxies__0=127.0.0.1
    export Serilog__MinimumLevel__Default="$LOG_LEVEL"
    exec setsid dotnet WebApp.dll
  ) >> "$FLEET_DIR/instances/$i.log" 2>&1 < /dev/null &
  echo $!
}

wait_ready() { # url, seconds, pid (optional: fail early when it died)
  local deadline=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$1" 2>/dev/null)" = 200 ] && return 0
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
    sleep 0.3
  done
  return 1
}

# Ours, not a recycled pid nor another WebApp on the machine: WebApp.dll running in this fleet's app folder.
is_instance() {
  [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q 'WebApp.dll' \
    && [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$(readlink -f "$APP_DIR")" ]
}

# SIGTERM to every pid at once, then wait for all (they are not this shell's children: poll).
stop_pids() {
  local pid started=$(now_ms) left
  for pid in "$@"; do is_instance "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
  local deadline=$(( $(date +%s) + STOP_TIMEOUT ))
  while :; do
    left=()
    for pid in "$@"; do is_instance "$pid" && left+=("$pid"); done
    [ ${#left[@]} -eq 0 ] && break
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "still running after ${STOP_TIMEOUT}s, killing: ${left[*]}"
      kill -KILL "${left[@]}" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  say "instances ${*} stopped in $(( $(now_ms) - started )) ms"
}

# --- nginx ------------------------------------------------------------------------------------------------------

render_nginx_conf() { # ports...
  local servers="" p template
  for p in "$@"; do
    servers+="server 127.0.0.1:$p max_fails=0;"$'\n        '
  done
  template=$(<"$root/deploy/nginx.conf.template")
  template=${template//'${UPSTREAM_SERVERS}'/${servers%$'\n        '}}
  template=${template//'${FLEET_LISTEN}'/127.0.0.1:$FLEET_PORT}
  printf '%s\n' "$template" > "$NGINX_DIR/nginx.conf"
}

start_nginx() {
  mkdir -p "$NGINX_DIR/logs" "$NGINX_DIR/temp"
  render_nginx_conf $INSTANCE_PORTS
  nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -t -q 2>"$NGINX_DIR/logs/configtest.log" \
    || { cat "$NGINX_DIR/logs/configtest.log" >&2; die "nginx rejected $NGINX_DIR/nginx.conf"; }
  nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" 2>>"$NGINX_DIR/logs/error.log"
  for _ in $(seq 1 50); do [ -s "$NGINX_DIR/nginx.pid" ] && break; sleep 0.1; done
  NGINX_PID=$(cat "$NGINX_DIR/nginx.pid")
}

stop_nginx() {
  [ -n "${NGINX_PID:-}" ] && kill -0 "$NGINX_PID" 2>/dev/null || return 0
  kill -QUIT "$NGINX_PID"   # graceful: open requests finish
  for _ in $(seq 1 100); do kill -0 "$NGINX_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -TERM "$NGINX_PID" 2>/dev/null || true
}

# --- commands ---------------------------------------------------------------------------------------------------

cmd_up() {
  if [ -f "$ENV_FILE" ]; then
    ( . "$ENV_FILE"; for p in $INSTANCE_PIDS ${NGINX_PID:-}; do kill -0 "$p" 2>/dev/null && exit 1; done; exit 0 ) \
      || die "a fleet is already running from $FLEET_DIR (scripts/fleet.sh down first)"
    [ -f "$PRIMARY_DIR/data/postmaster.pid" ] || [ -f "$REPLICA_DIR/data/postmaster.pid" ] && cmd_down_quiet
  fi
  command -v nginx >/dev/null || die "nginx is missing (apt-get install nginx)"
  port_busy "$FLEET_PORT" && die "port $FLEET_PORT is taken (FLEET_PORT=... scripts/fleet.sh up)"
  local t0; t0=$(now_ms)
  mkdir -p "$FLEET_DIR"
  rm -rf "$FLEET_DIR/pg" "$FLEET_DIR/instances" "$NGINX_DIR" "$ENV_FILE"
  if [ "${FLEET_PUBLISH:-1}" != 0 ] || [ ! -f "$APP_DIR/WebApp.dll" ]; then publish; fi

  PRIMARY_PORT=$(free_port)
  REPLICA_PORT=$(free_port)
  [ "$REPLICA_PORT" != "$PRIMARY_PORT" ] || REPLICA_PORT=$(free_port)
  say "PostgreSQL primary on 127.0.0.1:$PRIMARY_PORT, streaming replica on 127.0.0.1:$REPLICA_PORT"
  create_clusters
  APP_CONNECTION=$(app_connection)
  seed

  INSTANCE_PORTS="" INSTANCE_PIDS=""
  local i port pid
  for i in $(seq 1 "$INSTANCES"); do
    port=$(free_port)
    pid=$(start_instance "$i" "$port")
    INSTANCE_PORTS+="${INSTANCE_PORTS:+ }$port" INSTANCE_PIDS+="${INSTANCE_PIDS:+ }$pid"
  done
  FLEET_URL="http://127.0.0.1:$FLEET_PORT"
  NGINX_PID=""
  write_env   # from here on, down can stop what started even if the rest fails
  say "instances on ports $INSTANCE_PORTS (pids $INSTANCE_PIDS); waiting for /readyz"
  set -- $INSTANCE_PIDS
  for port in $INSTANCE_PORTS; do
    wait_ready "http://127.0.0.1:$port/readyz" 180 "$1" \
      || { tail -n 20 "$FLEET_DIR/instances/"*.log >&2; die "the instance on $port is not ready"; }
    shift
  done

  start_nginx
  write_env
  wait_ready "$FLEET_URL/healthz" 10 || die "nginx does not answer on $FLEET_URL"
  say "ready in $(( ($(now_ms) - t0) / 1000 )) s: $FLEET_URL  (env: $ENV_FILE)"
}

cmd_down_quiet() { cmd_down >/dev/null 2>&1 || true; }

cmd_down() {
  load_env
  # Instances first: each stops taking requests, finishes the ones it has and drains its page views
  # while nginx still routes to the others and both databases still accept the writes.
  stop_pids $INSTANCE_PIDS
  stop_nginx
  pg_stop "$REPLICA_DIR"
  pg_stop "$PRIMARY_DIR"
  local leftovers
  leftovers=$(pgrep -f -- "$FLEET_DIR/" || true)
  [ -z "$leftovers" ] || say "warning: still running under $FLEET_DIR: $leftovers"
  say "down"
}

cmd_status() {
  load_env
  local state role
  set +e
  for c in "primary $PRIMARY_PORT" "replica $REPLICA_PORT"; do
    set -- $c
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$2"; state=$?
    if [ "$state" = 1 ]; then
      state="up, rejecting connections (starting, stopping or recovering)"
    elif [ "$state" = 0 ]; then
      role=$(sql_value "$2" "SELECT CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary' END")
      state="up ($role), app sessions $(sql_value "$2" "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'WebApp%'"), client backends $(sql_value "$2" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")/$(sql_value "$2" "SHOW max_connections")"
    else
      state="down (no answer on 127.0.0.1:$2)"
    fi
    printf '%-10s 127.0.0.1:%-6s %s\n' "$1" "$2" "$state"
  done
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PRIMARY_PORT"; then
    printf '%-10s %s\n' replication "$(sql_value "$PRIMARY_PORT" "SELECT coalesce(string_agg(application_name || ' ' || state || ', replay lag ' || coalesce(replay_lag::text, '0'), '; '), 'no standby connected') FROM pg_stat_replication")"
  fi
  set -- $INSTANCE_PIDS
  local i=1
  for port in $INSTANCE_PORTS; do
    if is_instance "$1"; then
      state="running, /readyz $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$port/readyz")"
    else
      state="not running"
    fi
    printf '%-10s 127.0.0.1:%-6s pid %-8s %s\n' "instance$i" "$port" "$1" "$state"
    shift; i=$((i + 1))
  done
  if [ -n "${NGINX_PID:-}" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    state="running, /healthz $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$FLEET_URL/healthz")"
  else
    state="not running"
  fi
  printf '%-10s %-16s pid %-8s %s\n' nginx "${FLEET_URL#http://}" "${NGINX_PID:-}" "$state"
}

cmd_stop_instances() { load_env; stop_pids $INSTANCE_PIDS; }

cmd_stop_replica() { load_env; local t=$(now_ms); pg_stop "$REPLICA_DIR"; say "replica stopped ($(( $(now_ms) - t )) ms) at $(now_ms)"; }

cmd_start_replica() {
  load_env
  local t=$(now_ms)
  pg_start "$REPLICA_DIR"
  wait_streaming 60 || die "the replica is not streaming again"
  say "replica streaming again ($(( $(now_ms) - t )) ms) at $(now_ms)"
}

# The outage starts with the shutdown: a fast shutdown ends every session at once, then writes a checkpoint.
cmd_stop_primary() { load_env; say "primary stopping at $(now_ms)"; pg_stop "$PRIMARY_DIR"; say "primary stopped at $(now_ms)"; }

cmd_start_primary() {
  load_env
  pg_start "$PRIMARY_DIR"
  say "primary accepting connections at $(now_ms)"
  wait_streaming 30 || say "warning: the replica has not resumed streaming yet"
}

cmd_restart_primary() {
  load_env
  say "stopping the primary (fast shutdown), down for ${OUTAGE}s"
  cmd_stop_primary
  sleep "$OUTAGE"
  cmd_start_primary
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  publish) publish ;;
  stop-instances) cmd_stop_instances ;;
  stop-replica) cmd_stop_replica ;;
  start-replica) cmd_start_replica ;;
  stop-primary) cmd_stop_primary ;;
  start-primary) cmd_start_primary ;;
  restart-primary) cmd_restart_primary ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
