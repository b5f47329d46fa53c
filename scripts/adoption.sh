#!/usr/bin/env bash
# The libraries as an outside app takes them. Packs libraries/ into a folder feed, makes a Razor Pages app with
# `dotnet new webapp` in a temporary folder (outside the repository, so none of its build settings apply), adds the
# packages, copies in what an adopter writes (samples/Shop: a model, Program.cs, one page with two database loaders,
# one page whose view model loads while rendering, and two files that break the rules), and checks:
#   serves    the page answers 200 with both loaders in its Server-Timing header
#   deadline  with the reviews table locked, the page answers 504 within the 2 s deadline + 500 ms, and no statement
#             of the app is left running in PostgreSQL
#   guard     the page whose view queries while rendering fails (Development: the guard throws) naming the call
#   UPF001    a loader that drops its token does not compile
#   UPF100    a view that injects the context and queries it does not compile
# Needs the .NET SDK, PostgreSQL's binaries (scripts/postgres.sh) and NuGet. Ends with
# "Adoption: N passed, N failed, N skipped" (.ci/run adds these to its totals); exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d /tmp/webapp-adoption-XXXXXX)
chmod 755 "$work"
passed=0 failed=0 app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  [ -n "${lock_pid:-}" ] && kill "$lock_pid" 2>/dev/null
  bash "$root/scripts/postgres.sh" remove "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
result() { # NAME STATUS(0 pass) DETAIL
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "PASS $1: $3"; else failed=$((failed + 1)); echo "FAIL $1: $3"; fi
}
finish() { echo "Adoption: $passed passed, $failed failed, 0 skipped"; [ "$failed" -eq 0 ]; exit $?; }

# A version of its own for each run, so that NuGet's cache never serves an older build of the same version.
version="0.1.0-adoption.$(date +%s)"
echo "Packing the libraries as $version ..."
for lib in Upfront.Loading Upfront.Rendering Upfront.EntityFrameworkCore Upfront.EntityFrameworkCore.Npgsql Upfront.EntityFrameworkCore.Sqlite Upfront.Testing; do
  dotnet pack "libraries/$lib" -c Release -o "$work/feed" -p:Version="$version" > "$work/pack-$lib.log" 2>&1 \
    || { tail -20 "$work/pack-$lib.log"; result pack 1 "$lib did not pack"; finish; }
done
echo "Packages: $(cd "$work/feed" && ls | tr '\n' ' ')"

echo "Making the app (dotnet new webapp) ..."
cd "$work"
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="upfront" value="$work/feed" />
  </packageSources>
</configuration>
XML
dotnet new webapp -o Shop --name Shop > new.log 2>&1 || { cat new.log; result new 1 "dotnet new webapp failed"; finish; }
cp "$root/samples/Shop/Program.cs" "$root/samples/Shop/ShopDb.cs" Shop/
cp "$root/samples/Shop/Pages/"* Shop/Pages/
cd Shop
{ dotnet add package Upfront.EntityFrameworkCore --version "$version" && dotnet add package Npgsql.EntityFrameworkCore.PostgreSQL --version 10.0.3; } > "$work/add.log" 2>&1 \
  || { tail -20 "$work/add.log"; result packages 1 "dotnet add package failed"; finish; }
if ! dotnet build -c Release > "$work/build.log" 2>&1; then
  grep -E "error|warning" "$work/build.log" | sort -u | head -20
  result build 1 "the adopter's app does not build"; finish
fi
echo "The adopter wrote $(cat "$root/samples/Shop/Program.cs" "$root/samples/Shop/ShopDb.cs" "$root/samples/Shop/Pages/"* | wc -l) lines (samples/Shop), $(grep -c 'warning UPF' "$work/build.log") Upfront warnings."

server=$(bash "$root/scripts/postgres.sh" start "$work/pg" 2>"$work/pg.log") || { cat "$work/pg.log"; result postgres 1 "no PostgreSQL"; finish; }
pg_host=$(sed -n 's/.*Host=\([^;]*\).*/\1/p' <<< "$server"); pg_port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<< "$server")
psql_() { psql -h "$pg_host" -p "$pg_port" -U postgres -d shop -At "$@"; }
connection="$server;Database=shop;Application Name=Shop"
port=$(while :; do p=$(shuf -i 20000-32000 -n 1); ss -Htln "sport = :$p" | grep -q . || { echo "$p"; break; }; done)
url="http://127.0.0.1:$port"
ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__Shop="$connection" \
  dotnet bin/Release/net10.0/Shop.dll --urls "$url" > "$work/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 120); do curl -fs -o /dev/null "$url/products/1" && break; sleep 0.5; done

# serves
status=$(curl -s -o "$work/page.html" -D "$work/headers" -w '%{http_code}' "$url/products/1")
timing=$(grep -i '^server-timing:' "$work/headers" | tr -d '\r')
[ "$status" = 200 ] && grep -q 'Teapot' "$work/page.html" && grep -q 'product.row' <<< "$timing" && grep -q 'product.reviews' <<< "$timing"
result serves $? "/products/1 $status; $timing"

# deadline: a session holds the reviews table, so the reviews loader waits in PostgreSQL until the deadline cancels it.
psql_ -c 'BEGIN; LOCK TABLE "Reviews" IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30);' > /dev/null 2>&1 &
lock_pid=$!
for _ in $(seq 1 50); do [ "$(psql_ -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'Reviews' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break; sleep 0.1; done
answer=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$url/products/1")
code=${answer% *}; seconds=${answer#* }
left=""
for _ in $(seq 1 20); do
  left=$(psql_ -c "SELECT left(query, 80) FROM pg_stat_activity WHERE datname = 'shop' AND application_name = 'Shop' AND state <> 'idle'")
  [ -z "$left" ] && break; sleep 0.1
done
kill "$lock_pid" 2>/dev/null; wait "$lock_pid" 2>/dev/null; lock_pid=""
within=$(awk -v s="$seconds" 'BEGIN { print (s >= 2.0 && s <= 2.5) ? 0 : 1 }')
[ "$code" = 504 ] && [ "$within" = 0 ] && [ -z "$left" ]
result deadline $? "locked table: $code after ${seconds} s (deadline 2 s), app statements still running: ${left:-none}"

# guard
status=$(curl -s -o "$work/leaky.html" -w '%{http_code}' "$url/leaky")
call=$(grep -o "performed I/O while rendering: [^.<]*" "$work/leaky.html" | head -1)
[ "$status" = 500 ] && [ -n "$call" ]
result guard $? "/leaky $status, \"Page '/Leaky' $call\""

kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null; app_pid=""

# The rule breakers, one at a time: each must stop the build with its rule.
broken() { # NAME RULE FILE... : copies the files into Pages, builds, removes them
  local name=$1 rule=$2; shift 2
  for f in "$@"; do cp "$root/samples/Shop/Broken/$f" Pages/; done
  dotnet build -c Release --no-restore > "$work/$name.log" 2>&1; local built=$?
  for f in "$@"; do rm -f "Pages/$f"; done
  local line; line=$(grep -o "[^ ]*$1[^ ]*([0-9,]*): error $rule: [^[]*" "$work/$name.log" | sed 's|.*/Shop/Pages/|Pages/|' | sort -u | head -1)
  [ "$built" -ne 0 ] && [ -n "$line" ]
  result "$rule" $? "${line:-the build did not fail with $rule}"
}
broken Dropped UPF001 Dropped.cshtml.cs Dropped.cshtml
broken Injected UPF100 Injected.cshtml

finish
