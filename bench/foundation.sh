#!/usr/bin/env bash
# Foundation benchmarks (issue: foundation): generator at city and national
# scale, importing the city dataset, and `make demo` from a fresh clone to a
# served page. Prints one line per measurement; copy them to BENCHMARKS.md.
# Usage: bench/foundation.sh [--skip-national] [--skip-demo] [--cold-build]
# --cold-build runs `make demo` with an empty Go build cache (as on a new
# machine whose modules and npm packages are already downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
skip_national=0 skip_demo=0 cold=0 skip_city=0
for a in "$@"; do
  case $a in --skip-national) skip_national=1 ;; --skip-demo) skip_demo=1 ;; --cold-build) cold=1 ;; --skip-city) skip_city=1 ;; esac
done
out=bench/out; rm -rf "$out"; mkdir -p "$out"
[ $skip_city = 1 ] && [ $skip_national = 1 ] || make -s build >/dev/null

# measure NAME CMD...: wall seconds and peak RSS (MB) from GNU time.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/$name.time" "$@" >"$out/$name.log" 2>&1
  read -r secs kb <"$out/$name.time"
  printf '%-28s %8.1f s  peak %6.0f MB\n' "$name" "$secs" "$((kb / 1024))"
}

if [ $skip_city = 0 ]; then
  measure gen-city bin/indus gen --out "$out/city" --seed 1 --scale city
  measure import-city bin/indus import --db "$out/city.duckdb" "$out/city/enterprises.csv" "$out/city/annual.csv" "$out/city/monthly.csv"
  printf '%-28s %s\n' "city rows" "$(wc -l <"$out/city/enterprises.csv") enterprises, $(wc -l <"$out/city/annual.csv") annual, $(wc -l <"$out/city/monthly.csv") monthly (with headers)"
fi
if [ $skip_national = 0 ]; then
  measure gen-national bin/indus gen --out "$out/national" --seed 1 --scale national
  printf '%-28s %s\n' "national rows" "$(wc -l <"$out/national/enterprises.csv") enterprises, $(wc -l <"$out/national/monthly.csv") monthly"
  du -sh "$out/national" | awk '{printf "%-28s %s\n", "national size", $1}'
  rm -rf "$out/national"
fi

if [ $skip_demo = 0 ]; then
  # make demo from a fresh clone: module and npm caches are warm, build cache is not shared
  # with the clone's output binary but Go's build cache is (as on a developer's machine).
  clone=$(mktemp -d); git clone -q . "$clone/indus"
  name=make-demo-to-page
  if [ $cold = 1 ]; then export GOCACHE="$clone/gocache"; name=make-demo-to-page-cold; fi
  port=$((20000 + RANDOM % 20000))
  start=$(date +%s.%N)
  # setsid: the demo runs in its own process group, which we stop by its id.
  (cd "$clone/indus" && exec setsid make demo DEMO_ADDR=127.0.0.1:$port >"$clone/demo.log" 2>&1) &
  demo_pid=$!
  until curl -sf "http://127.0.0.1:$port/" -o /dev/null; do
    sleep 0.5
    if ! kill -0 $demo_pid 2>/dev/null; then echo "make demo failed:"; cat "$clone/demo.log"; exit 1; fi
  done
  end=$(date +%s.%N)
  printf '%-28s %8.1f s\n' "$name" "$(echo "$end - $start" | bc)"
  kill -INT -- "-$demo_pid" 2>/dev/null || true
  wait $demo_pid 2>/dev/null || true
  rm -rf "$clone"
fi
