#!/usr/bin/env bash
# Economic complexity benchmarks (issue 7, performance): the engine at the
# Atlas's SITC size (226 regions × 785 activities, target: full output in
# under 0.5 s) and at 3,000 regions × 1,400 activities (target: under 10 s
# and under 2 GB). Prints one line per measurement: wall time per run, the
# CPU time of the whole process and its peak resident memory (GNU time),
# which includes the synthetic input table. Copy the lines to BENCHMARKS.md.
#
# Usage: bench/complexity.sh [RUNS]   (RUNS per benchmark, default 3)
#
# The machine's load average is printed first: on a shared machine other
# processes stretch the wall times, not the CPU times.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
out=bench/out/complexity; rm -rf "$out"; mkdir -p "$out"
go test -c -o "$out/complexity.test" ./internal/calc/complexity

printf '%-36s %s\n' "machine" "$(nproc) cores, GOMAXPROCS ${GOMAXPROCS:-default}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-36s %s\n' "go" "$(go env GOVERSION)"

# bench NAME RUNS: runs one benchmark in its own process under GNU time.
bench() {
  local name=$1 n=$2
  /usr/bin/time -f "%e %U %S %M" -o "$out/$name.time" \
    "$out/complexity.test" -test.run '^$' -test.bench "^Benchmark$name\$" -test.benchtime "${n}x" \
    >"$out/$name.log" 2>&1 || { cat "$out/$name.log"; exit 1; }
  read -r wall user sys kb <"$out/$name.time"
  # ns/op is the third field of the benchmark line; extra metrics follow.
  local line ns extra
  line=$(grep "^Benchmark$name" "$out/$name.log")
  ns=$(awk '{print $3}' <<<"$line")
  extra=$(awk '{for (i = 5; i < NF; i += 2) printf "  %s %s", $i, $(i+1)}' <<<"$line")
  printf '%-36s %8.3f s/run  (%d runs; process: wall %.1f s, cpu %.1f s, peak %d MB)%s\n' \
    "$name" "$(echo "$ns / 1000000000" | bc -l)" "$n" "$wall" "$(echo "$user + $sys" | bc -l)" "$((kb / 1024))" "$extra"
}

bench ComputeAtlas226x785 "$((runs * 10))"
bench FullOutputAtlas226x785 "$runs"
bench ComputeLarge3000x1400 "$runs"
bench FullOutputLarge3000x1400 1
bench Compute300x1400 "$runs"
