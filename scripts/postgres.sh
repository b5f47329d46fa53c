#!/usr/bin/env bash
# The one way this repository gets a throwaway PostgreSQL server: the tests, the benchmarks and the scripts all use it.
#
#   scripts/postgres.sh start DIR [name=value ...]   # starts the cluster in DIR (initdb first if DIR has none) on a
#                                                    # free loopback port; prints a superuser Npgsql connection string
#   scripts/postgres.sh stop DIR                     # stops it, keeping its data for the next start
#   scripts/postgres.sh remove DIR                   # stops it and removes DIR
#
# WEBAPP_POSTGRES, a superuser Npgsql connection string, names a server of your own instead: `start` prints it and
# starts nothing; `stop` and `remove` do nothing. Settings: durability off (a throwaway cluster), C locale, UTF-8, the stock
# max_connections (100) unless a name=value says otherwise, e.g. max_connections=300. DIR's parent must be open to
# the postgres user. Uses the newest
# /usr/lib/postgresql/*/bin (Debian's postgresql package); runs the server as the postgres user when run as root.
set -euo pipefail

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { sed -n '2,13p' "$0" >&2; exit 2; }
shift 2

if [ -n "${WEBAPP_POSTGRES:-}" ]; then
  [ "$command" = start ] && echo "$WEBAPP_POSTGRES"
  exit 0
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "No PostgreSQL binaries under /usr/lib/postgresql: apt-get install postgresql, or set WEBAPP_POSTGRES." >&2; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $command in
  start)
    if [ ! -d "$dir/data" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
      as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    for setting in "$@"; do options="$options -c $setting"; done
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$options" start >/dev/null
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop | remove)
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    [ "$command" = remove ] && rm -rf "$dir"
    ;;
  *)
    echo "Unknown command '$command': start, stop or remove." >&2
    exit 2
    ;;
esac
