#!/usr/bin/env bash
# Cluster monitoring benchmarks (issue 5): membership assignment and the
# cluster overview of one month, cold and warm, on the synthetic city and
# on the national scale (1,000,000 enterprises, ~24 M monthly rows).
#
# "cold" is the first report after an import: the period's rollups (the
# month, the latest full year, the targets' base years) and the city's
# industry totals are built from the facts and materialised. "warm,
# in process" repeats the report in the same process (what `indus serve`
# sees; rollups from memory after a stamp check). "warm, new process" is a
# fresh `indus clusters report`, reading the materialised rollup tables.
#
# Everything happens in a temporary directory that is removed at the end;
# the national data take ~2.3 GB on disk and a few minutes to generate and
# import. Prints one line per measurement; copy them to BENCHMARKS.md.
# Usage: bench/clusters.sh [--skip-national]
set -euo pipefail
cd "$(dirname "$0")/.."
skip_national=0
for a in "$@"; do
  case $a in --skip-national) skip_national=1 ;; esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/indus" ./cmd/indus
bin=$tmp/indus

# measure NAME CMD...: wall seconds and peak RSS (MB) from GNU time.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/$name.time" "$@" >"$tmp/$name.log" 2>&1
  read -r secs kb <"$tmp/$name.time"
  printf '%-34s %8.2f s  peak %6.0f MB\n' "$name" "$secs" "$((kb / 1024))"
}

# overview SCALE DB PERIOD: the city-level overview of one month, then the
# same in a second process.
overview() {
  local scale=$1 db=$2 period=$3
  "$bin" clusters report --db "$db" --period "$period" --geo city --repeat 20 2>"$tmp/ov1.err" >/dev/null
  printf '%-34s %s\n' "$scale overview, cold + in process" "$(grep '^report' "$tmp/ov1.err")"
  "$bin" clusters report --db "$db" --period "$period" --geo city --repeat 20 2>"$tmp/ov2.err" >/dev/null
  printf '%-34s %s\n' "$scale overview, new process" "$(grep '^report' "$tmp/ov2.err")"
  "$bin" clusters report --db "$db" --period "$period" --geo all --repeat 20 2>"$tmp/ov3.err" >/dev/null
  printf '%-34s %s\n' "$scale all geographies, warm" "$(grep '^report' "$tmp/ov3.err")"
}

run_scale() {
  local scale=$1 period=$2
  local dir=$tmp/$scale db=$tmp/$scale.duckdb
  measure "gen-$scale" "$bin" gen --out "$dir" --seed 1 --scale "$scale"
  measure "import-$scale" "$bin" import --db "$db" "$dir/enterprises.csv" "$dir/annual.csv" "$dir/monthly.csv"
  rm -rf "$dir"
  measure "assign-$scale-first" "$bin" clusters assign --db "$db" --warm=false
  grep '^assignment' "$tmp/assign-$scale-first.log"
  measure "assign-$scale-again" "$bin" clusters assign --db "$db" --warm=false
  grep '^assignment' "$tmp/assign-$scale-again.log"
  overview "$scale" "$db" "$period"
  measure "warnings-$scale" "$bin" clusters warnings --db "$db" --format csv --out "$tmp/w.csv"
  printf '%-34s %s\n' "warnings-$scale rows" "$(($(wc -l <"$tmp/w.csv") - 1))"
  measure "specialisation-$scale" "$bin" clusters specialisation --db "$db" --format csv --out "$tmp/s.csv"
  rm -f "$db"
}

run_scale city 2025-06
if [ $skip_national = 0 ]; then
  run_scale national 2025-06
fi
