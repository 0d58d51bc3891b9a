#!/usr/bin/env bash
# Measures the import of a whole demo folder into SQLite and PostgreSQL, with
# wall time and peak memory, as recorded in docs/performance.md.
#
#   scripts/bench-import.sh [SIZE] [PG_URL]
#
# SIZE is S, M or L (default M); the demo folder is generated once under
# bench-data/. PG_URL defaults to the local server's database kamp_bench,
# which is dropped and created again.
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-M}"
pg="${2:-postgres://postgres@127.0.0.1:5432/kamp_bench?sslmode=disable}"
dir="bench-data/demo-$size"
mkdir -p bench-data
go build -o bench-data/kamp ./cmd/kamp
if [ ! -f "$dir/payments.csv" ]; then
  bench-data/kamp demo --size "$size" --seed 1 --out "$dir"
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); $(date -u +%F)"
du -sh "$dir"

echo "== SQLite"
rm -f bench-data/bench.db bench-data/bench.db-wal bench-data/bench.db-shm
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" \
  bench-data/kamp import --quiet --db bench-data/bench.db "$dir"

echo "== PostgreSQL"
base="${pg%/*}/postgres?sslmode=disable"
dbname="${pg##*/}"; dbname="${dbname%%\?*}"
psql "$base" -qc "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB (kamp only)" \
  bench-data/kamp import --quiet --db "$pg" "$dir"
