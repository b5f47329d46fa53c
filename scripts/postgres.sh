#!/usr/bin/env bash
# The one way this repository gets a throwaway PostgreSQL server: the tests, the benchmarks and the scripts (the
# fleet's primary and standby included) all use it.
#
#   scripts/postgres.sh start DIR [name=value ...]   # starts the cluster in DIR (initdb first if DIR has none);
#                                                    # prints a superuser Npgsql connection string
#   scripts/postgres.sh standby DIR PRIMARY_DIR [name=value ...]
#                                                    # a streaming standby of the cluster in PRIMARY_DIR (copied with
#                                                    # pg_basebackup if DIR has none), started like `start`
#   scripts/postgres.sh stop DIR                     # stops it, keeping its data and settings for the next start
#   scripts/postgres.sh remove DIR                   # stops it and removes DIR
#
# With WEBAPP_POSTGRES_OWNER=PID, `start` also leaves a watcher that removes DIR (stopping its server) once process PID
# has ended, however it ended: a killed test run leaves no server behind.
# WEBAPP_POSTGRES, a superuser Npgsql connection string, names a server of your own instead: `start` prints it and
# starts nothing; `stop` and `remove` do nothing. A new cluster listens on 127.0.0.1 (and a socket in DIR) on a free
# port, or the one a port=N setting names, and keeps it across restarts. Settings are written into the cluster's
# postgresql.conf, so a restart keeps them: durability off (a throwaway cluster), C locale, UTF-8, the stock
# max_connections (100), random_page_cost 1.1 (the data is in memory: see docs/database.md), then each name=value
# given (the last wins), e.g. shared_buffers=512MB or fsync=on (only the test host raises max_connections, in
# PostgresServer). The postgres superuser is trusted on loopback with no password, replication included. DIR's
# parent must be open to the postgres user. Uses the newest
# /usr/lib/postgresql/*/bin (Debian's postgresql package); runs the server as the postgres user when run as root.
set -euo pipefail

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { sed -n '2,20p' "$0" >&2; exit 2; }
shift 2

if [ -n "${WEBAPP_POSTGRES:-}" ]; then
  case $command in
    start) echo "$WEBAPP_POSTGRES"; exit 0 ;;
    standby) echo "A standby needs a primary of this script's own: unset WEBAPP_POSTGRES." >&2; exit 2 ;;
    *) exit 0 ;;
  esac
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "No PostgreSQL binaries under /usr/lib/postgresql: apt-get install postgresql, or set WEBAPP_POSTGRES." >&2; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# A port nobody listens on, below the kernel's ephemeral range: a stopped cluster keeps its port, and an outgoing
# connection could otherwise hold it by the time the cluster starts again.
free_port() {
  python3 -c '
import random, socket
while True:
    port = random.randint(20000, 32000)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port)); print(port); break
        except OSError:
            pass'
}
# The port a setting among the arguments names, else a free one.
port_for() { local p=""; for s in "$@"; do case $s in port=*) p=${s#port=} ;; esac; done; echo "${p:-$(free_port)}"; }
# The cluster's port, as its postgresql.conf last sets it.
conf_port() { sed -n "s/^port = '\{0,1\}\([0-9]*\).*/\1/p" "$1/data/postgresql.conf" | tail -1; }
# Appends name=value settings to the cluster's postgresql.conf (later lines win).
configure() {
  local target=$1; shift
  [ $# -gt 0 ] || return 0
  { printf '\n# scripts/postgres.sh\n'; for s in "$@"; do printf "%s = '%s'\n" "${s%%=*}" "${s#*=}"; done; } \
    | as_pg tee -a "$target/data/postgresql.conf" >/dev/null
}
new_dir() { mkdir -p "$1"; [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$1"; }
run() { # starts the cluster in $1 and prints its connection string
  # A cluster made before ports were kept gets one now.
  [ -n "$(conf_port "$1")" ] || configure "$1" listen_addresses=127.0.0.1 "port=$(free_port)" "unix_socket_directories=$1"
  local port; port=$(conf_port "$1")
  as_pg "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start >/dev/null \
    || { tail -n 5 "$1/server.log" >&2; exit 1; }
  echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
}

case $command in
  start)
    if [ ! -d "$dir/data" ]; then
      new_dir "$dir"
      as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
      configure "$dir" listen_addresses=127.0.0.1 "port=$(port_for "$@")" "unix_socket_directories=$dir" \
        fsync=off synchronous_commit=off full_page_writes=off random_page_cost=1.1 "$@"
    else
      configure "$dir" "$@"
    fi
    run "$dir"
    if [ -n "${WEBAPP_POSTGRES_OWNER:-}" ]; then
      # Detached, with no pipe of the caller's held open, so that the caller sees this script end now.
      setsid nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" remove "$3"' \
        watcher "$WEBAPP_POSTGRES_OWNER" "$0" "$dir" </dev/null >/dev/null 2>&1 &
    fi
    ;;
  standby)
    primary=${1:-}
    [ -n "$primary" ] && [ -f "$primary/data/postgresql.conf" ] || { echo "standby DIR PRIMARY_DIR: no cluster in '$primary'." >&2; exit 2; }
    shift
    if [ ! -d "$dir/data" ]; then
      new_dir "$dir"
      # -R writes the connection to the primary and standby.signal; the copy carries the primary's settings.
      as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$(conf_port "$primary")" -U postgres -D "$dir/data" -R -X stream -c fast --no-sync
      configure "$dir" "port=$(port_for "$@")" "unix_socket_directories=$dir" "$@"
    else
      configure "$dir" "$@"
    fi
    run "$dir"
    ;;
  stop | remove)
    if [ -f "$dir/data/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true; fi
    if [ "$command" = remove ]; then rm -rf "$dir"; fi
    ;;
  *)
    echo "Unknown command '$command': start, standby, stop or remove." >&2
    exit 2
    ;;
esac
