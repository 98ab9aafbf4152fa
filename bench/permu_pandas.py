#!/usr/bin/env python3
"""Benefit-per-mu (亩均) scoring with pandas: the comparison for bench/index.sh.

A straightforward pandas version of what `indus index` does with the per-mu
pipeline of bench/index.sh (ratio to the mean capped at 2, weighted sum
30/20/20/10/10/10, rank with ties taking the minimum, A/B/C/D bands at
20/70/95/100 % of the ranked firms), from the CSV in to results.csv out:

    python3 bench/permu_pandas.py DATA.csv OUT.csv

It prints its own read / compute / write times on stderr. The check against
Indus is a separate, untimed invocation, so that the timed run does only the
scoring:

    python3 bench/permu_pandas.py --compare OUT.csv INDUS_RESULTS.csv

compares the scores, ranks and classes of the two results files.
"""

import sys
import time

import numpy as np
import pandas as pd

WEIGHTS = {"tax_mu": 30, "va_mu": 20, "va_energy": 20, "va_emis": 10, "lp": 10, "rd": 10}
CAP = 2.0
BANDS = [("A", 0.20), ("B", 0.70), ("C", 0.95), ("D", 1.0)]


def score(df):
    codes = list(WEIGHTS)
    x = df[codes]
    ratio = (x / x.mean()).clip(upper=CAP)  # the mean skips missing values
    # A missing item is skipped; a firm with no data at all has no score.
    total = (ratio * pd.Series(WEIGHTS)).sum(axis=1, min_count=1)
    rank = total.rank(method="min", ascending=False)
    n = total.notna().sum()
    conds = [rank <= share * n + 1e-9 for _, share in BANDS]
    cls = np.select(conds, [name for name, _ in BANDS], default="")
    cls = np.where(total.isna(), "", cls)
    return pd.DataFrame({
        "uCode": df["uCode"],
        "Score": total,
        "Score_rank": rank.astype("Int64"),
        "class": cls,
    })


def compare(ours, indus):
    read = lambda path: pd.read_csv(path, dtype={"uCode": str}, keep_default_na=False, na_values=[""])
    a, b = read(ours), read(indus)
    m = a.merge(b, on="uCode", suffixes=("", "_indus"))
    d = (m["Score"] - m["Score_indus"]).abs().max()
    same_rank = (m["Score_rank"] == m["Score_rank_indus"]).mean()
    same_class = (m["class"].fillna("") == m["class_indus"].fillna("")).mean()
    print(f"compare with Indus: {len(m)} of {len(a)} units matched; max |score difference| {d:.3g}, "
          f"same rank {same_rank:.6f}, same class {same_class:.6f}", file=sys.stderr)
    return 0 if len(m) == len(a) == len(b) and d < 1e-9 and same_rank == 1 and same_class == 1 else 1


def main(argv):
    if len(argv) == 4 and argv[1] == "--compare":
        return compare(argv[2], argv[3])
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    df = pd.read_csv(argv[1], dtype={"uCode": str})
    t1 = time.perf_counter()
    res = score(df)
    t2 = time.perf_counter()
    res.to_csv(argv[2], index=False)
    t3 = time.perf_counter()
    print(f"pandas {pd.__version__}: {len(df)} rows; read {t1 - t0:.3f} s, "
          f"score {t2 - t1:.3f} s, write {t3 - t2:.3f} s, total {t3 - t0:.3f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
