#!/usr/bin/env bash
# Benefit-per-mu evaluation benchmarks (issue 4 §3 and its performance items).
# Prints one line per measurement; copy them to BENCHMARKS.md.
#
#   1. In process (go test -bench in internal/analysis): 1,000,000 enterprises
#      × 6 indicators scored, ranked and classified by the zhejiang-2018
#      scheme through the engine (target < 1 s), the same with every firm's
#      explanation; class probabilities from 1,000 Monte Carlo runs over the
#      weights on 7,000 above-size firms (target < 10 s); the synthetic city
#      end to end on the store (read the year's facts, score, explain, record
#      the run with every row) and from its CSV files.
#   2. From CSV, end to end: `indus evaluate --data DIR` (reads the canonical
#      enterprises.csv and annual.csv, scopes, computes the six indicators,
#      scores, explains, writes the enterprise CSV) next to a straightforward
#      pandas script doing the same evaluation (written below, run on the
#      same files; it explains nothing, so the comparison favours pandas),
#      each process timed with GNU time so interpreter start-up and
#      `import pandas` count as Go's start-up does; the ratio of wall times
#      (target ≥ 10×), and the agreement of the two outputs (scores, ranks,
#      classes). On the synthetic city and, unless --skip-national, on the
#      national-scale data set (about 1,000,000 enterprises).
#   3. On the store: `indus import` of the city's enterprises and annual facts,
#      then `indus evaluate` from the database (with 1,000 uncertainty runs).
#
# Usage: bench/evaluate.sh [--skip-national]
#
# `indus evaluate` runs from the binary when the command is registered, else
# through the test binary of internal/analysis (BenchmarkEvaluateCSV, the same
# code path, one run, start-up excluded). pandas is looked for under python3,
# then Debian's /usr/bin/python3 (apt-get install python3-pandas).
set -euo pipefail
cd "$(dirname "$0")/.."
skip_national=0
for a in "$@"; do
  case $a in --skip-national) skip_national=1 ;; *) echo "usage: $0 [--skip-national]" >&2; exit 2 ;; esac
done
out=$PWD/bench/out/evaluate
rm -rf "$out"
mkdir -p "$out"

printf '%-44s %s\n' "machine" "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %s\n' "go" "$(go env GOVERSION)"
go test -c -o "$out/analysis.test" ./internal/analysis
go build -o "$out/indus" ./cmd/indus

# timed LABEL CMD...: runs a command once under GNU time, prints and keeps
# its wall time in $last_wall.
last_wall=
timed() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$out/time.tmp" "$@" >"$out/cmd.log" 2>&1 || { cat "$out/cmd.log"; return 1; }
  local wall user sys kb
  read -r wall user sys kb <"$out/time.tmp"
  last_wall=$wall
  printf '%-44s %8.3f s wall  (cpu %.2f s, peak %d MB)\n' "$label" "$wall" "$(echo "$user + $sys" | bc -l)" "$((kb / 1024))"
}

# bench NAME RUNS LABEL: one benchmark of internal/analysis in its own process.
bench() {
  local name=$1 n=$2 label=$3
  local log="$out/${label// /_}"
  (cd internal/analysis && /usr/bin/time -f "%e %U %S %M" -o "$log.time" \
    "$out/analysis.test" -test.run '^$' -test.bench "^Benchmark$name\$" -test.benchtime "${n}x" >"$log.log" 2>&1) ||
    { cat "$log.log"; exit 1; }
  local wall user sys kb
  read -r wall user sys kb <"$log.time"
  grep "^Benchmark" "$log.log" | while read -r line; do
    local ns
    ns=$(awk '{print $3}' <<<"$line")
    printf '%-44s %8.3f s/op  (%s; %d runs; process cpu %.1f s, peak %d MB)\n' "$label" "$(echo "$ns / 1000000000" | bc -l)" \
      "$(awk '{print $1}' <<<"$line")" "$n" "$(echo "$user + $sys" | bc -l)" "$((kb / 1024))"
  done
}

gen() { # gen SCALE DIR
  "$out/indus" gen --seed 1 --scale "$1" --out "$2" >/dev/null
  rm -f "$2/monthly.csv" # the evaluation reads enterprises and annual facts only
}

echo "== in process"
bench 'Score1M/explain=false' 3 "score 1M x 6 (scope, rank, classify)"
bench 'Score1M/explain=true' 1 "score 1M x 6 with explanations"
bench Uncertainty7000 3 "uncertainty 1000 runs x 7000 firms"
bench EvaluateStore 3 "city on the store (read, score, record)"

# The pandas version of `indus evaluate --data DIR --scheme zhejiang-2018`:
# same scope (above-size manufacturers, divisions 13–43, by the annual
# above_size column), indicators, mean benchmarks on reported values, cap 2,
# missing emissions → the average item score, other missing items → 0,
# vetoes capping at C, unrated firms U, bands 20/70/95/100 % over the rated
# firms, ties taking the minimum rank.
cat >"$out/evaluate_pandas.py" <<'EOF'
import sys, time
import numpy as np
import pandas as pd

IND = [  # id, numerator, denominator, weight, missing rule
    ("tax_per_mu", "tax", "land_mu", 30, "zero"),
    ("va_per_mu", "value_added", "land_mu", 20, "zero"),
    ("va_per_energy", "value_added", "energy_tce", 20, "zero"),
    ("va_per_emissions", "value_added", "emissions_t", 10, "average"),
    ("labour_productivity", "value_added", "employees", 10, "zero"),
    ("rd_intensity", "rd_spend", "revenue", 10, "zero"),
]
CAP = 2.0
BANDS = [("A", 0.20), ("B", 0.70), ("C", 0.95), ("D", 1.0)]

def main(data, year, out, compare=None):
    t0 = time.perf_counter()
    ent = pd.read_csv(f"{data}/enterprises.csv", usecols=["uscc", "name", "unit_code", "park", "industry_code", "founded", "land_mu"],
                      dtype={"uscc": str, "unit_code": str, "industry_code": str})
    ann = pd.read_csv(f"{data}/annual.csv", dtype={"uscc": str})
    t1 = time.perf_counter()
    prev = ann.loc[ann.year == year - 1, ["uscc", "above_size"]].rename(columns={"above_size": "prev_above"})
    df = ann[ann.year == year].merge(ent, on="uscc", suffixes=("", "_ent")).merge(prev, on="uscc", how="left")
    df["land_mu"] = df["land_mu"].fillna(df["land_mu_ent"])
    div = pd.to_numeric(df["industry_code"].str[:2], errors="coerce")
    df = df[(div >= 13) & (div <= 43) & (df["above_size"] == True)].reset_index(drop=True)
    total = pd.Series(0.0, index=df.index)
    for code, num, den, w, missing in IND:
        v = (df[num] / df[den]).where(df[den] > 0)
        ratio = (v / v.mean()).clip(upper=CAP)
        ratio = ratio.fillna(ratio.mean() if missing == "average" else 0.0)
        df[code] = v
        total += w * ratio
    df["score"] = total
    founded = pd.to_datetime(df["founded"])
    young = founded > pd.Timestamp(year - 2, 12, 31)
    newly = df["prev_above"] != True
    no_land = ~(df["land_mu"] > 0)
    unrated = young | df["under_construction"] | df["utility"] | newly | no_land
    veto = df["safety_accident"] | df["env_violation"]
    reason = pd.Series("", index=df.index, dtype=object)
    for mask, text in [(young, "under two years old"), (df["under_construction"], "under construction"), (df["utility"], "utility"),
                       (newly, "newly above designated size"), (no_land, "land area missing"),
                       (df["safety_accident"], "safety accident: cannot be A or B"),
                       (df["env_violation"], "environmental violation: cannot be A or B")]:
        reason += pd.Series(np.where(mask, text + "; ", ""), index=df.index, dtype=object)
    df["reason"] = reason.str.rstrip("; ")
    rank = total.where(~unrated).rank(method="min", ascending=False)
    n = (~unrated).sum()
    cls = np.select([rank <= s * n + 1e-9 for _, s in BANDS], [c for c, _ in BANDS], default="U")
    cls = np.where(veto & np.isin(cls, ["A", "B"]), "C", cls)
    df["class"] = np.where(unrated, "U", cls)
    df["rank"] = rank.astype("Int64")
    df["rank_all"] = total.rank(method="min", ascending=False).astype("Int64")
    df = df.sort_values(["rank_all", "uscc"])
    t2 = time.perf_counter()
    cols = ["uscc", "name", "unit_code", "score", "rank", "class", "reason", "rank_all"] + [c for c, *_ in IND]
    df[cols].to_csv(out, index=False)
    t3 = time.perf_counter()
    print(f"pandas {pd.__version__}: {len(df)} firms in scope; read {t1 - t0:.3f} s, evaluate {t2 - t1:.3f} s, "
          f"write {t3 - t2:.3f} s, total {t3 - t0:.3f} s; classes {df['class'].value_counts().sort_index().to_dict()}", file=sys.stderr)
    if compare:
        ind = pd.read_csv(compare, dtype={"uscc": str}, usecols=["uscc", "score", "rank", "class"], encoding="utf-8-sig")
        m = df.merge(ind, on="uscc", suffixes=("", "_indus"), how="outer", indicator=True)
        both = m["_merge"] == "both"
        d = (m.loc[both, "score"] - m.loc[both, "score_indus"]).abs().max()
        print(f"compare with Indus: {both.sum()} firms in both, {(~both).sum()} in one only; max |score difference| {d:.3g}; "
              f"same class {(m.loc[both, 'class'] == m.loc[both, 'class_indus']).mean():.6f}; "
              f"same rank {(m.loc[both, 'rank'].fillna(-1) == m.loc[both, 'rank_indus'].fillna(-1)).mean():.6f}", file=sys.stderr)

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
EOF

py=
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import pandas' 2>/dev/null; then py=$cand; break; fi
done

registered=0
if "$out/indus" help 2>/dev/null | grep -q '^  evaluate '; then registered=1; fi

# compare_csv SCALE: indus evaluate --data vs pandas on one data set.
compare_csv() {
  local scale=$1 dir=$out/$1
  gen "$scale" "$dir"
  printf '%-44s %s\n' "$scale data" "$(($(wc -l <"$dir/enterprises.csv") - 1)) enterprises, $(($(wc -l <"$dir/annual.csv") - 1)) annual rows, $(du -cm "$dir"/*.csv | tail -1 | cut -f1) MB"
  local indus_wall best=
  if [ $registered = 1 ]; then
    timed "indus evaluate --data, full ($scale)" "$out/indus" evaluate --data "$dir" --scheme zhejiang-2018 --year 2023 \
      --out "$out/$scale-indus-full.csv"
    for _ in 1 2 3; do
      timed "indus evaluate --data --compact ($scale)" "$out/indus" evaluate --data "$dir" --scheme zhejiang-2018 --year 2023 \
        --compact --out "$out/$scale-indus.csv"
      if [ -z "$best" ] || [ "$(echo "$last_wall < $best" | bc -l)" = 1 ]; then best=$last_wall; fi
    done
    indus_wall=$best
  else
    echo "(the indus binary has no evaluate command yet: timing the same code path through internal/analysis's test binary, start-up excluded)"
    (cd internal/analysis && INDUS_EVAL_DATA=$dir INDUS_EVAL_OUT=$out/$scale-indus-full.csv INDUS_EVAL_OUT_COMPACT=$out/$scale-indus.csv \
      "$out/analysis.test" -test.run '^$' -test.bench '^BenchmarkEvaluateCSV$' -test.benchtime 3x >"$out/cmd.log" 2>&1) ||
      { cat "$out/cmd.log"; exit 1; }
    local full
    full=$(grep '^BenchmarkEvaluateCSV/full' "$out/cmd.log" | awk '{print $3 / 1e9}')
    indus_wall=$(grep '^BenchmarkEvaluateCSV/compact' "$out/cmd.log" | awk '{print $3 / 1e9}')
    printf '%-44s %8.3f s per run (every column, explained)\n' "indus evaluate --data, full ($scale)" "$full"
    printf '%-44s %8.3f s per run (the columns pandas writes)\n' "indus evaluate --data --compact ($scale)" "$indus_wall"
  fi
  if [ -z "$py" ]; then
    printf '%-44s %s\n' "pandas" "not available: apt-get install python3-pandas (for /usr/bin/python3) and rerun"
    return
  fi
  timed "pandas, same evaluation ($scale)" "$py" "$out/evaluate_pandas.py" "$dir" 2023 "$out/$scale-pandas.csv" "$out/$scale-indus.csv"
  sed 's/^/    /' "$out/cmd.log"
  printf '%-44s %8.1fx  (target ≥ 10x; compact output, the same columns)\n' "ratio pandas / indus, $scale (wall)" "$(echo "$last_wall / $indus_wall" | bc -l)"
}

echo "== from CSV, end to end"
compare_csv city
if [ $skip_national = 0 ]; then
  compare_csv national
  rm -rf "$out/national"
fi

echo "== on the store (city)"
if [ $registered = 1 ]; then
  timed "indus import (enterprises, annual)" "$out/indus" import --db "$out/city.duckdb" "$out/city/enterprises.csv" "$out/city/annual.csv"
  timed "indus evaluate (store, recorded run)" "$out/indus" evaluate --db "$out/city.duckdb" --scheme zhejiang-2018 --year 2023 \
    --out "$out/city-store.csv"
  timed "indus evaluate --uncertainty 1000" "$out/indus" evaluate --db "$out/city.duckdb" --scheme zhejiang-2018 --year 2023 \
    --uncertainty 1000 --seed 1
  sed 's/^/    /' "$out/cmd.log" | head -4
else
  echo "(not registered in the binary: see 'city on the store' above)"
fi
