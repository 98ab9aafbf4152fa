#!/usr/bin/env bash
# Composite-indicator benchmarks (issue 4, performance). Prints one line per
# measurement; copy them to BENCHMARKS.md.
#
#   1. In process (go test -bench): 1,000,000 enterprises × 6 indicators scored,
#      ranked and classified with the per-mu scheme (target < 1 s); uncertainty,
#      1,000 runs on 7,000 enterprises (target < 10 s, both cores); the issue's
#      uncertainty block on ASEM; the ASEM pipeline end to end through
#      `indus index`, files in → files out (target < 50 ms).
#   2. From CSV, end to end: `indus index` on a generated file of N enterprises
#      (default 1,000,000) with the per-mu pipeline, writing results.csv, next
#      to bench/permu_pandas.py doing the same with pandas on the same file; the
#      ratio of wall times (target: Indus ≥ 10× faster). Each process is timed
#      with GNU time (wall, CPU, peak memory), so Python's start-up and
#      `import pandas` count, as Go's start-up does. Both get the same
#      treatment: one untimed warm-up each, then ROUNDS rounds (default 5) of
#      one Indus run and one pandas run, interleaved so that both see the same
#      load; the ratio is reported on the best and on the median wall times.
#      The check that pandas and Indus agree runs afterwards, untimed.
#
# Usage: bench/index.sh [UNITS [ROUNDS]]
#        INDEX_BENCH=csv bench/index.sh ...   (part 2 only)
#
# `indus index` runs from the binary when its command is registered, else
# through the test binary of internal/cli (BenchmarkIndexFiles, the same code
# path). pandas is looked for under python3, then Debian's /usr/bin/python3;
# without it the pandas line says how to get it and the ratio is skipped.
# The load average is printed first: on a shared machine other processes
# stretch the wall times, not the CPU times.
set -euo pipefail
cd "$(dirname "$0")/.."
units=${1:-1000000}
rounds=${2:-5}
out=$PWD/bench/out/index
rm -rf "$out"
mkdir -p "$out"

printf '%-40s %s\n' "machine" "$(nproc) cores, GOMAXPROCS ${GOMAXPROCS:-default}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %s\n' "go" "$(go env GOVERSION)"

go test -c -o "$out/index.test" ./internal/calc/index
go test -c -o "$out/cli.test" ./internal/cli

# bench BINARY NAME RUNS [LABEL]: one go benchmark in its own process, run
# from its package directory (the benchmarks read testdata/).
bench() {
  local bin=$1 name=$2 n=$3 label=${4:-$2} dir
  case $bin in
    index.test) dir=internal/calc/index ;;
    cli.test) dir=internal/cli ;;
  esac
  local log="$out/${label// /_}"
  (cd "$dir" && /usr/bin/time -f "%e %U %S %M" -o "$log.time" \
    "$out/$bin" -test.run '^$' -test.bench "^Benchmark$name\$" -test.benchtime "${n}x" \
    >"$log.log" 2>&1) || { cat "$log.log"; exit 1; }
  local wall user sys kb line ns
  read -r wall user sys kb <"$log.time"
  line=$(grep "^Benchmark" "$log.log" | head -1)
  ns=$(awk '{print $3}' <<<"$line")
  printf '%-40s %10.4f s/op  (%d runs; process: wall %.1f s, cpu %.1f s, peak %d MB)\n' \
    "$label" "$(echo "$ns / 1000000000" | bc -l)" "$n" "$wall" "$(echo "$user + $sys" | bc -l)" "$((kb / 1024))"
}

if [ "${INDEX_BENCH:-}" != csv ]; then
  echo "== in process"
  bench index.test PerMu1M 5 "permu 1M x 6 score+rank+classify"
  bench index.test UncertaintyPerMu7000 3 "uncertainty 1000 runs x 7000 units"
  bench index.test UncertaintyASEM 3 "uncertainty ASEM (issue block, ~1000 runs)"
  bench index.test Pipeline/asem_default 200 "ASEM pipeline (engine only)"
  bench cli.test IndexASEM 100 "ASEM end to end (indus index, files)"
  bench index.test ExplainPerMu7000 10 "explain 7000 units"
fi

echo "== from CSV: $units enterprises x 6 indicators"
data=$out/permu_data.csv
awk -v n="$units" -v seed=42 '
function gauss(   u1, u2) { u1 = rand(); if (u1 < 1e-300) u1 = 1e-300; u2 = rand(); return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2) }
BEGIN {
  srand(seed)
  split("24.097 136.16 2.694 4929.81 18.14 0.0302", bm, " ")
  print "uCode,tax_mu,va_mu,va_energy,va_emis,lp,rd"
  for (i = 1; i <= n; i++) {
    size = 0.4 * gauss()
    line = sprintf("E%07d", i)
    for (k = 1; k <= 6; k++) {
      v = bm[k] * exp(size + 0.7 * gauss() - 0.3)
      if (k == 4 && rand() < 0.03) line = line ","; else line = line "," sprintf("%.6g", v)
    }
    print line
  }
}' >"$data"
cat >"$out/permu_meta.csv" <<'EOF'
iCode,iName,Parent,Type,Weight,Direction,Unit
Score,Benefit per mu,,Aggregate,,,points
tax_mu,Tax per mu,Score,Indicator,30,1,10k yuan/mu
va_mu,Value added per mu,Score,Indicator,20,1,10k yuan/mu
va_energy,Value added per unit energy,Score,Indicator,20,1,10k yuan/tce
va_emis,Value added per unit emissions,Score,Indicator,10,1,10k yuan/t
lp,Labour productivity,Score,Indicator,10,1,10k yuan/person
rd,R&D intensity,Score,Indicator,10,1,ratio
EOF
cat >"$out/permu_pipeline.yaml" <<'EOF'
normalise: {method: ratio, benchmark: mean, cap: 2}
aggregate: {method: wsum}
classify:  {method: bands, bands: {A: 0.20, B: 0.70, C: 0.95, D: 1.0}}
EOF
printf '%-40s %s\n' "input" "$data, $(du -m "$data" | cut -f1) MB"
args="--meta $out/permu_meta.csv --data $data --pipeline $out/permu_pipeline.yaml --out $out/indus_out --write results"

# timed LABEL CMD...: runs a command once under GNU time (CPU, peak memory),
# prints and keeps its wall time in $last_wall, to the millisecond (GNU
# time's own wall time has two decimals).
last_wall=
timed() {
  local label=$1
  shift
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f "%e %U %S %M" -o "$out/time.tmp" "$@" >"$out/cmd.log" 2>&1 || { cat "$out/cmd.log"; return 1; }
  t1=$(date +%s%N)
  local wall user sys kb
  read -r wall user sys kb <"$out/time.tmp"
  wall=$(echo "($t1 - $t0) / 1000000000" | bc -l)
  last_wall=$wall
  printf '%-40s %10.3f s wall  (cpu %.2f s, peak %d MB)\n' "$label" "$wall" "$(echo "$user + $sys" | bc -l)" "$((kb / 1024))"
}

py=
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import pandas' 2>/dev/null; then py=$cand; break; fi
done

# summary LABEL WALLS...: the best and median of a list of wall times.
summary() {
  local label=$1
  shift
  printf '%s\n' "$@" | sort -g | awk -v label="$label" '{ w[NR] = $1 } END {
    med = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
    printf "%-40s %10.3f s best, %.3f s median  (%d runs)\n", label, w[1], med, NR }'
}
best() { printf '%s\n' "$@" | sort -g | head -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ w[NR] = $1 } END { print (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2 }'; }

indus_bin=$out/indus
indus_walls=()
pandas_walls=()
# (help is captured first: with pipefail, `help | grep -q` fails when grep
# quits before help has written everything.)
if go build -o "$indus_bin" ./cmd/indus 2>/dev/null && grep -q '^  index ' <<<"$("$indus_bin" help 2>/dev/null)"; then
  timed "ASEM end to end (indus binary)" "$indus_bin" index --meta internal/calc/index/testdata/input_ASEM_iMeta.csv \
    --data internal/calc/index/testdata/input_ASEM_iData.csv --out "$out/asem_out"
  timed "indus index (warm-up)" "$indus_bin" index $args
  if [ -n "$py" ]; then
    timed "pandas (warm-up)" "$py" bench/permu_pandas.py "$data" "$out/pandas_results.csv"
  fi
  for r in $(seq "$rounds"); do
    printf '%-40s %s\n' "round $r" "load average $(cut -d' ' -f1-3 /proc/loadavg)"
    timed "  indus index (binary)" "$indus_bin" index $args
    indus_walls+=("$last_wall")
    if [ -n "$py" ]; then
      timed "  pandas (bench/permu_pandas.py)" "$py" bench/permu_pandas.py "$data" "$out/pandas_results.csv"
      pandas_walls+=("$last_wall")
      sed 's/^/      /' "$out/cmd.log"
    fi
  done
else
  echo "(the indus binary has no index command yet: timing the same code path through internal/cli's test binary)"
  export INDUS_BENCH_INDEX_ARGS=$args
  timed "indus index (cli.test, 1 run)" "$out/cli.test" -test.run '^$' -test.bench '^BenchmarkIndexFiles$' -test.benchtime 1x
  ns=$(grep '^BenchmarkIndexFiles' "$out/cmd.log" | awk '{print $3}')
  indus_walls+=("$(echo "$ns / 1000000000" | bc -l)")
  printf '%-40s %10.3f s per run (in the test binary, start-up excluded)\n' "indus index" "${indus_walls[0]}"
  unset INDUS_BENCH_INDEX_ARGS
  if [ -n "$py" ]; then
    timed "pandas (bench/permu_pandas.py)" "$py" bench/permu_pandas.py "$data" "$out/pandas_results.csv"
    pandas_walls+=("$last_wall")
  fi
fi

summary "indus index" "${indus_walls[@]}"
if [ -z "$py" ]; then
  printf '%-40s %s\n' "pandas" "not available: install it (Debian: apt-get install python3-pandas, for /usr/bin/python3) and rerun; the ratio is pandas wall ÷ indus wall"
  exit 0
fi
summary "pandas" "${pandas_walls[@]}"
# The agreement check, untimed: scores, ranks and classes of both files.
"$py" bench/permu_pandas.py --compare "$out/pandas_results.csv" "$out/indus_out/results.csv" 2>&1 | sed 's/^/    /' || true
printf '%-40s %10.1fx best / best, %.1fx median / median  (target ≥ 10x)\n' "ratio pandas / indus (wall)" \
  "$(echo "$(best "${pandas_walls[@]}") / $(best "${indus_walls[@]}")" | bc -l)" \
  "$(echo "$(median "${pandas_walls[@]}") / $(median "${indus_walls[@]}")" | bc -l)"
printf '%-40s %s\n' "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg)"
