#!/usr/bin/env bash
# The profile page under load once per Npgsql pool size, on a stock PostgreSQL (max_connections 100):
# the figures behind the app's default `Maximum Pool Size` (docs/database.md). Writes
# benchmarks/results/pool-sizes.json. Every knob of scripts/load.sh applies; these are the defaults here:
#
#   scripts/pool-sizes.sh
#   POOL_SIZES="8 16" DURATION=30 scripts/pool-sizes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export POOL_SIZES=${POOL_SIZES:-4 8 16 32 100}
export USERS=${USERS:-20000} WARMUP=${WARMUP:-30} DURATION=${DURATION:-15}
export OUTPUT=${OUTPUT:-benchmarks/results/pool-sizes.json}
exec scripts/load.sh
