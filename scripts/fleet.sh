#!/usr/bin/env bash
# WebApp as a fleet on one machine, for demos and failure drills: a PostgreSQL 15 primary and a streaming
# replica, INSTANCES app instances, nginx in front. Local processes and Debian's packages only, loopback only.
#
#   scripts/fleet.sh up               # publish (Release), start everything, wait until ready, write .fleet/env
#   scripts/fleet.sh status           # what runs where, readiness, app connections per server
#   scripts/fleet.sh down             # instances drain (SIGTERM), then nginx, then both clusters
#   scripts/fleet.sh stop-replica | start-replica | restart-primary | stop-primary | start-primary
#   scripts/fleet.sh promote-replica  # the primary down: the replica becomes the primary (the old one stays down)
#   scripts/fleet.sh rejoin           # the old primary, rewound with pg_rewind, starts as the new primary's standby
#   scripts/fleet.sh stop-instances   # SIGTERM every instance and wait for it to exit; the databases stay up
#   scripts/fleet.sh publish          # only the Release publish into $FLEET_DIR/app
#
# Knobs (environment): INSTANCES (3), FLEET_PORT (8080), USERS (2000, the demo users seeded once),
# POOL_SIZE (unset: the app's default pool; set: "Maximum Pool Size" in every instance's connection string),
# CONNECTION_OPTIONS (more "Key=Value;..." for the instances' connection string, e.g. "Load Balance Hosts=true"),
# OUTAGE (seconds restart-primary keeps the primary down, 5), FLEET_DIR (.fleet), FLEET_PUBLISH (1; 0 reuses
# $FLEET_DIR/app), LOG_LEVEL (Warning: one log line per request would measure the disk, not the fleet),
# POOLER (unset: the instances connect to PostgreSQL; pgbouncer: through Debian's PgBouncer, transaction mode, one
# PgBouncer for the primary's role and one for the standby's, repointed when the roles change).
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
POOLER=${POOLER:-}
case $POOLER in ''|none) POOLER="" ;; pgbouncer) ;; *) echo "[fleet] error: POOLER is pgbouncer or unset, not '$POOLER'" >&2; exit 2 ;; esac
LOG_LEVEL=${LOG_LEVEL:-Warning}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)   # psql, pg_isready: as postgres.sh picks
PRIMARY_DIR=$FLEET_DIR/pg/primary   # each a scripts/postgres.sh cluster: data/, server.log, its Unix socket
REPLICA_DIR=$FLEET_DIR/pg/replica
NGINX_DIR=$FLEET_DIR/nginx
POOLER_DIR=$FLEET_DIR/pgbouncer   # primary/ and standby/: each one PgBouncer's ini, auth file, log and pid
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
    echo "# Written by scripts/fleet.sh ${COMMAND:-up} at $(date -u +%Y-%m-%dT%H:%M:%SZ); read with: . $ENV_FILE"
    # PRIMARY_* and REPLICA_* name roles: after promote-replica, PRIMARY_DIR is the cluster that was the replica.
    for name in FLEET_DIR FLEET_URL FLEET_PORT PRIMARY_PORT REPLICA_PORT INSTANCES INSTANCE_PORTS INSTANCE_PIDS \
      NGINX_PID PG_BIN PRIMARY_DIR REPLICA_DIR APP_DIR APP_CONNECTION POOL_SIZE CONNECTION_OPTIONS USERS HANDLES_FILE \
      POOLER POOLER_PRIMARY_PORT POOLER_STANDBY_PORT; do
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
  # wal_log_hints: pg_rewind (rejoin) can then rewind this cluster once a promoted replica has gone its own way.
  pg start "$PRIMARY_DIR" "port=$PRIMARY_PORT" cluster_name=fleet-primary fsync=on synchronous_commit=on full_page_writes=on \
    wal_log_hints=on
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
  [ -z "$POOLER" ] || cs="Host=127.0.0.1:$POOLER_PRIMARY_PORT,127.0.0.1:$POOLER_STANDBY_PORT;Username=webapp;Database=webapp"
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
    [ -z "$POOLER" ] || export Database__Pooler=PgBouncer
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

# --- PgBouncer (POOLER=pgbouncer) -------------------------------------------------------------------------------
# One PgBouncer per role, not per server: "primary" always leads to the primary, "standby" to the standby (to the
# primary while there is none). The instances list both, as they list two servers without one. PgBouncer hides a
# server's death and its role from Npgsql (it answers for a server that is down, and hands every new client the
# parameters, in_hot_standby included, of its first server session), so the roles are PgBouncer's to follow: the
# commands that change them repoint it ([databases] rewritten, then RELOAD, which also renews those parameters).

PGBOUNCER=/usr/sbin/pgbouncer

pooler_port() { if [ "$1" = primary ]; then echo "$POOLER_PRIMARY_PORT"; else echo "$POOLER_STANDBY_PORT"; fi; }

pooler_conf() { # role target-port: writes the role's pgbouncer.ini
  local d=$POOLER_DIR/$1
  cat > "$d/pgbouncer.ini.tmp" <<EOF
; Written by scripts/fleet.sh: PgBouncer for the $1's role, now in front of 127.0.0.1:$2.
[databases]
webapp = host=127.0.0.1 port=$2 dbname=webapp

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $(pooler_port "$1")
unix_socket_dir =
; The clusters trust loopback; the auth file lists who may connect, admin_users who may use the console.
auth_type = trust
auth_file = $d/userlist.txt
admin_users = postgres
pool_mode = transaction
; Server sessions per database and user: every instance's client connections share these.
default_pool_size = 20
max_client_conn = 400
; A server that is down fails clients at once (fast fail) and is tried again every second, not every 15 s.
server_login_retry = 1
server_connect_timeout = 3
query_wait_timeout = 10
logfile = $d/pgbouncer.log
pidfile = $d/pgbouncer.pid
EOF
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$d/pgbouncer.ini.tmp"
  mv "$d/pgbouncer.ini.tmp" "$d/pgbouncer.ini"
}

pooler_admin() { # role sql: on the role's PgBouncer admin console
  "$PG_BIN/psql" -h 127.0.0.1 -p "$(pooler_port "$1")" -U postgres -X -q -At -d pgbouncer -c "$2"
}

start_poolers() {
  [ -x "$PGBOUNCER" ] || die "PgBouncer is missing (apt-get install pgbouncer)"
  POOLER_PRIMARY_PORT=$(free_port)
  POOLER_STANDBY_PORT=$(free_port)
  [ "$POOLER_STANDBY_PORT" != "$POOLER_PRIMARY_PORT" ] || POOLER_STANDBY_PORT=$(free_port)
  local role target _
  for role in primary standby; do
    mkdir -p "$POOLER_DIR/$role"
    printf '"webapp" ""\n"postgres" ""\n' > "$POOLER_DIR/$role/userlist.txt"
    if [ "$role" = primary ]; then target=$PRIMARY_PORT; else target=$REPLICA_PORT; fi
    [ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$POOLER_DIR"
    pooler_conf "$role" "$target"
    # PgBouncer refuses to run as root: as postgres, like the clusters. -d: it daemonizes and writes its pid file.
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$PGBOUNCER" -d -q "$POOLER_DIR/$role/pgbouncer.ini"
    else "$PGBOUNCER" -d -q "$POOLER_DIR/$role/pgbouncer.ini"; fi
  done
  for _ in $(seq 1 50); do
    pooler_admin primary "SHOW VERSION" >/dev/null 2>&1 && pooler_admin standby "SHOW VERSION" >/dev/null 2>&1 && break
    sleep 0.1
  done
  say "$(pooler_admin primary "SHOW VERSION") (transaction mode): the primary's role on 127.0.0.1:$POOLER_PRIMARY_PORT, the standby's on 127.0.0.1:$POOLER_STANDBY_PORT"
}

repoint_pooler() { # role target-port: the role's PgBouncer leads to that server from now on
  [ -n "$POOLER" ] || return 0
  pooler_conf "$1" "$2"
  pooler_admin "$1" "RELOAD" >/dev/null
  say "PgBouncer for the $1's role now in front of 127.0.0.1:$2 (RELOAD at $(now_ms))"
}

stop_poolers() {
  local role pid _
  for role in primary standby; do
    pid=$(cat "$POOLER_DIR/$role/pgbouncer.pid" 2>/dev/null) || continue
    kill -INT "$pid" 2>/dev/null || continue   # SIGINT: a safe shutdown, once the transactions in flight end
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -TERM "$pid" 2>/dev/null || continue   # immediate shutdown
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
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

# --- failover: promote the replica, rejoin the old primary as its standby ------------------------------------------

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
is_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1"; }

# The env names roles: after a promotion the cluster that was the replica is PRIMARY_*, the old primary REPLICA_*.
swap_roles() {
  local t
  t=$PRIMARY_PORT; PRIMARY_PORT=$REPLICA_PORT; REPLICA_PORT=$t
  t=$PRIMARY_DIR; PRIMARY_DIR=$REPLICA_DIR; REPLICA_DIR=$t
}

cmd_promote_replica() {
  load_env
  # Two primaries would each take writes and part ways: the old one must be down (stop-primary) first.
  is_up "$PRIMARY_PORT" && die "the primary (127.0.0.1:$PRIMARY_PORT) is up: scripts/fleet.sh stop-primary first"
  [ "$(sql_value "$REPLICA_PORT" "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ] \
    || die "the replica (127.0.0.1:$REPLICA_PORT) is not an answering standby"
  local t; t=$(now_ms)
  say "promoting the replica (127.0.0.1:$REPLICA_PORT) at $t"
  as_pg "$PG_BIN/pg_ctl" -D "$REPLICA_DIR/data" -w -t 60 promote >/dev/null || die "pg_ctl promote failed (see $REPLICA_DIR/server.log)"
  local _
  for _ in $(seq 1 100); do [ "$(sql_value "$REPLICA_PORT" "SELECT pg_is_in_recovery()")" = f ] && break; sleep 0.1; done
  [ "$(sql_value "$REPLICA_PORT" "SELECT pg_is_in_recovery()")" = f ] || die "the replica is still in recovery"
  swap_roles
  COMMAND=promote-replica write_env
  # No standby until rejoin: both roles lead to the new primary.
  repoint_pooler primary "$PRIMARY_PORT"
  repoint_pooler standby "$PRIMARY_PORT"
  say "promoted at $(now_ms) ($(( $(now_ms) - t )) ms): primary 127.0.0.1:$PRIMARY_PORT ($PRIMARY_DIR), the old primary 127.0.0.1:$REPLICA_PORT stays down until rejoin"
}

cmd_rejoin() {
  load_env
  is_up "$REPLICA_PORT" && die "127.0.0.1:$REPLICA_PORT is running: rejoin rewinds a stopped old primary (after promote-replica)"
  [ "$(sql_value "$PRIMARY_PORT" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] \
    || die "no primary answers on 127.0.0.1:$PRIMARY_PORT (promote-replica first)"
  local t; t=$(now_ms)
  say "rewinding $REPLICA_DIR against the primary 127.0.0.1:$PRIMARY_PORT at $t"
  # PostgreSQL 15's pg_rewind learns the source's timeline from its control file, which a promotion updates only at
  # its first checkpoint (requested, not waited for): without this one it may find both on one timeline, rewind
  # nothing, and leave a standby that cannot follow.
  sql_value "$PRIMARY_PORT" "CHECKPOINT" >/dev/null || die "CHECKPOINT on the new primary failed"
  # pg_rewind needs the target shut down cleanly (stop-primary's fast shutdown is) and wal_log_hints (set at up).
  # --write-recovery-conf: standby.signal, and primary_conninfo naming the source, the new primary.
  as_pg "$PG_BIN/pg_rewind" --target-pgdata="$REPLICA_DIR/data" --write-recovery-conf \
    --source-server="host=127.0.0.1 port=$PRIMARY_PORT user=postgres dbname=postgres" > "$FLEET_DIR/pg/rewind.log" 2>&1 \
    || { cat "$FLEET_DIR/pg/rewind.log" >&2; die "pg_rewind failed"; }
  [ -f "$REPLICA_DIR/data/standby.signal" ] || die "pg_rewind wrote no standby.signal (see $FLEET_DIR/pg/rewind.log)"
  # pg_rewind copies the source's configuration files too: the cluster gets its own port and socket folder back.
  pg start "$REPLICA_DIR" "port=$REPLICA_PORT" "unix_socket_directories=$REPLICA_DIR" "cluster_name=fleet-$(basename "$REPLICA_DIR")"
  wait_streaming 60 || die "the rejoined standby is not streaming (see $REPLICA_DIR/server.log)"
  COMMAND=rejoin write_env
  repoint_pooler standby "$REPLICA_PORT"
  say "rejoined at $(now_ms) ($(( $(now_ms) - t )) ms): standby 127.0.0.1:$REPLICA_PORT ($REPLICA_DIR) streaming from 127.0.0.1:$PRIMARY_PORT"
}

# --- commands ---------------------------------------------------------------------------------------------------

cmd_up() {
  if [ -f "$ENV_FILE" ]; then
    ( . "$ENV_FILE"; for p in $INSTANCE_PIDS ${NGINX_PID:-}; do kill -0 "$p" 2>/dev/null && exit 1; done; exit 0 ) \
      || die "a fleet is already running from $FLEET_DIR (scripts/fleet.sh down first)"
    [ -f "$PRIMARY_DIR/data/postmaster.pid" ] || [ -f "$REPLICA_DIR/data/postmaster.pid" ] \
      || [ -f "$POOLER_DIR/primary/pgbouncer.pid" ] || [ -f "$POOLER_DIR/standby/pgbouncer.pid" ] && cmd_down_quiet
  fi
  command -v nginx >/dev/null || die "nginx is missing (apt-get install nginx)"
  port_busy "$FLEET_PORT" && die "port $FLEET_PORT is taken (FLEET_PORT=... scripts/fleet.sh up)"
  local t0; t0=$(now_ms)
  mkdir -p "$FLEET_DIR"
  rm -rf "$FLEET_DIR/pg" "$FLEET_DIR/instances" "$NGINX_DIR" "$POOLER_DIR" "$ENV_FILE"
  if [ "${FLEET_PUBLISH:-1}" != 0 ] || [ ! -f "$APP_DIR/WebApp.dll" ]; then publish; fi

  PRIMARY_PORT=$(free_port)
  REPLICA_PORT=$(free_port)
  [ "$REPLICA_PORT" != "$PRIMARY_PORT" ] || REPLICA_PORT=$(free_port)
  say "PostgreSQL primary on 127.0.0.1:$PRIMARY_PORT, streaming replica on 127.0.0.1:$REPLICA_PORT"
  create_clusters
  POOLER_PRIMARY_PORT="" POOLER_STANDBY_PORT=""
  [ -z "$POOLER" ] || start_poolers
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
  stop_poolers
  pg_stop "$REPLICA_DIR"
  pg_stop "$PRIMARY_DIR"
  # Whatever still runs from this fleet's folder (a part whose pid the env lost: a failed up, a crashed command) gets
  # SIGINT, the fast shutdown of postgres, nginx and PgBouncer and the graceful one of dotnet, then SIGKILL.
  local leftovers _
  leftovers=$(pgrep -f -- "$FLEET_DIR/" || true)
  if [ -n "$leftovers" ]; then
    say "warning: still running under $FLEET_DIR: $(echo $leftovers); stopping them"
    kill -INT $leftovers 2>/dev/null || true
    for _ in $(seq 1 100); do pgrep -f -- "$FLEET_DIR/" >/dev/null || break; sleep 0.1; done
    leftovers=$(pgrep -f -- "$FLEET_DIR/" || true)
    [ -z "$leftovers" ] || kill -KILL $leftovers 2>/dev/null || true
  fi
  say "down"
}

cmd_status() {
  load_env
  local state role c
  set +e
  # By role, as the env names them; the folder says which cluster holds the role now.
  for c in "primary $PRIMARY_PORT $PRIMARY_DIR" "replica $REPLICA_PORT $REPLICA_DIR"; do
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
    printf '%-10s 127.0.0.1:%-6s %-12s %s\n' "$1" "$2" "${3#"$FLEET_DIR"/}" "$state"
  done
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PRIMARY_PORT"; then
    printf '%-10s %s\n' replication "$(sql_value "$PRIMARY_PORT" "SELECT coalesce(string_agg(application_name || ' ' || state || ', replay lag ' || coalesce(replay_lag::text, '0'), '; '), 'no standby connected') FROM pg_stat_replication")"
  fi
  if [ -n "${POOLER:-}" ]; then
    for role in primary standby; do
      state=$(pooler_admin "$role" "SHOW DATABASES" 2>/dev/null | awk -F'|' '$1 == "webapp" { print "-> 127.0.0.1:" $3 }')
      printf '%-10s 127.0.0.1:%-6s %s\n' "pgbouncer" "$(pooler_port "$role")" "the $role's role ${state:-not answering}"
    done
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

# Behind PgBouncer the instances cannot see the replica go (PgBouncer answers for it): its role is repointed at the
# primary first, as a failover tool would, and back once the replica streams again.
cmd_stop_replica() {
  load_env
  repoint_pooler standby "$PRIMARY_PORT"
  local t=$(now_ms); pg_stop "$REPLICA_DIR"; say "replica stopped ($(( $(now_ms) - t )) ms) at $(now_ms)"
}

cmd_start_replica() {
  load_env
  local t=$(now_ms)
  pg_start "$REPLICA_DIR"
  wait_streaming 60 || die "the replica is not streaming again"
  repoint_pooler standby "$REPLICA_PORT"
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
  promote-replica) cmd_promote_replica ;;
  rejoin) cmd_rejoin ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
