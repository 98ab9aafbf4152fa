// Package index is Indus's composite-indicator engine: it builds a composite
// index from a framework (indicators → groups → index, with weights and
// directions) and a data set of units, step by step, keeping every stage's
// data set and the details of every step, and it grades units into classes.
// Benefit-per-mu evaluation (亩均效益评价) is one preset on top of it: a
// `ratio` normalisation against a benchmark followed by a `wsum` aggregation
// with points as weights (30/20/20/10/10/10 scores exactly 100 at the
// benchmark) and percentile bands with vetoes and unrated units.
//
// # Method and sources
//
// The steps follow the JRC/OECD Handbook on Constructing Composite Indicators:
// Methodology and User Guide (OECD and JRC, 2008; ISBN 978-92-64-04345-9):
// denomination, imputation, unit screening, outlier treatment, normalisation,
// weighting and aggregation. The exact conventions — formulas, NA handling,
// edge cases and the order of operations inside each step — are those of COINr
// 1.1.14 (W. Becker, "COINr: An R package for developing composite
// indicators", Journal of Open Source Software 7(78), 4567, 2022,
// https://doi.org/10.21105/joss.04567; MIT licence), read from its documented
// definitions and reimplemented independently here. The package reproduces
// COINr's ASEM example pipeline stage by stage to 1e-9 (see the tests and
// testdata/, copied from the shared fixtures).
//
// # Formulas (x is one indicator column over the units; NaN means missing)
//
//   - Denominate: x / d × s, d the unit's denominator named in the meta's
//     Denominator column, s an optional ScaleFactor (default 1).
//   - Impute: NaN replaced by the column mean or median, or by the mean or
//     median of the unit's group (a group column); a unit whose group label is
//     empty is left alone; an all-missing column or group stays missing.
//   - Screen: availability = 1 − (#NaN ÷ #indicators); non-zero share = 1 −
//     #zeros ÷ (#indicators − #NaN); units below the threshold are dropped.
//   - Skewness and kurtosis: e1071 "type 2" (Excel) estimators, as COINr:
//     g = √n Σd³ / (Σd²)^{3/2} × √(n(n−1)) / (n−2) and
//     k = ((n+1)(nΣd⁴/(Σd²)² − 3) + 6)(n−1) / ((n−2)(n−3)), d = x − mean(x);
//     skewness needs 3 points and kurtosis 4, else NA.
//   - Treat: an indicator passes when |g| < skew_thresh OR k < kurt_thresh.
//     A failing indicator is winsorised one step at a time — all points equal
//     to the maximum (positive or zero skew) are set to the largest remaining
//     value, or all points equal to the minimum (negative skew) to the smallest
//     remaining value — until it passes or winmax points have been changed. If
//     it still fails, the fallback transform is applied to the ORIGINAL
//     values: log_CT = ln(x − min + 0.01(max − min)) (default), log_CT_plus
//     (log_CT for positive skew, −ln(max + a − x) otherwise), log_CT_orig =
//     ln(x − min + 1), or Box-Cox. An indicator whose check is NA (fewer than
//     3–4 points, zero variance) is left untreated.
//   - Normalise (after multiplying x by its direction, as COINr): minmax
//     (x−min)/(max−min)(u−l)+l; zscore (x−mean)/sd·s+m (sd with n−1); rank,
//     prank (rank−1)/(n−1) and borda rank−1 with ties taking the minimum rank;
//     dist2max 1−(max−x)/(max−min); dist2ref 1−(x_ref−x)/(x_ref−min);
//     fracmax x/max; scaled (x−l)/(u−l)·f; dist2targ (x−min)/(t−min), and for
//     direction −1 COINr 1.1.14 passes the flipped target (−t) and direction −1
//     to n_dist2targ, i.e. (max'−x')/(max'−t') on x' = −x; goalposts on the
//     raw value: (x−lo)/(hi−lo) or, for direction −1, (x−hi)/(lo−hi), truncated
//     to [0,1] and times the scale; ratio (Indus, for per-mu scoring): x/b, or
//     b/x for direction −1, b = k × (mean | median | a fixed value), capped at
//     min(ratio, cap). minmax on an all-equal column gives NaN, as COINr.
//   - Aggregate: amean Σwx/Σw, gmean exp(Σw ln x/Σw), hmean Σw/Σ(w/x), all
//     over the children with data (weights renormalised over them; gmean needs
//     x > 0, hmean x ≠ 0); wsum Σwx with the weights as given (missing
//     children skipped); copeland: the row sums of the outranking matrix
//     mapped to +1/0/−1 (COINr a_copeland). An availability threshold makes an
//     aggregate missing when the share of children with data is below it
//     (ignored by copeland, as COINr's by_df aggregation ignores dat_thresh).
//   - Rank: rank of −score with ties taking the minimum rank; missing scores
//     have no rank.
//   - Classify: percentile bands over the ranks of the rated units, score
//     thresholds, or fixed quotas; units can be flagged unrated or capped at a
//     class (vetoes).
package index
