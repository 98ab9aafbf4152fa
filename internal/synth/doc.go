// Package synth generates deterministic synthetic enterprise data calibrated
// to Chongqing (DOMAIN.md §1–§5), in Indus's canonical import format:
// enterprises.csv, annual.csv, monthly.csv and manifest.json.
//
// # Population
//
// At city scale: about 7,100 above-size and 15,000 below-size industrial
// enterprises (mining, manufacturing, utilities) over the 41 evaluation
// units, and 3,000 software/IT firms (GB/T 4754 divisions 64, 65) that
// report revenue and employees only. The national scale multiplies every
// count and target by NationalFactor (≈1,000,000 enterprises, same shape).
// Firms belong to sectors (sectors.go): groups of GB/T 4754 classes with a
// profile of ratios (profiles.go, DOMAIN.md §5), a growth path, a seasonal
// pattern, unit affinities and name words. Units are weighted so that
// Liangjiang, the High-tech Zone and the new urban districts are heavy and
// the south-east is light; materials sit in Changshou, Fuling, Xipeng,
// Nanchuan and Wansheng, electronics in Xiyong, and so on.
//
// # Sizes and calibration
//
// A firm's size is its full-year output in the calibration year (2023).
// Each sector has giants (above 10 bn yuan revenue: Pareto tail with index
// 1.1, stratified quantiles so their count and sum are stable), large firms
// (5–10 bn, log-uniform) and a log-normal body floored just above the
// 20-million-yuan threshold; the body's scale is solved by bisection so the
// sector's above-size output equals its target (ClusterCalibration for the
// four clusters with published scales) times a seed-specific jitter
// (log-normal, 3 % spread, at most ±6 %). Land follows output^0.88 with
// log-normal noise; one land scale and one factor each for tax, value added,
// energy and emissions are then solved so the 2023 aggregates over
// above-size manufacturers hit Baseline2023 × jitter (Σ tax ÷ Σ land 18.98,
// Σ VA ÷ Σ land 166.87, Σ output ÷ Σ land 734.17, VA per tce 2.24, VA per t
// of emissions 365). The factors are reported in the manifest: Chongqing's
// baselines imply tax ≈ 2.6 % of output, below §5's national ranges, so tax
// rates come out at ≈ 0.65 × the profile (the relative order of industries
// is kept).
//
// Other years follow the sector's growth path (NEV fast since 2021,
// electronics flat since 2021, food steady, …) times a per-firm random walk
// that equals 1 in 2023. Firms are founded over time: those founded from
// FromYear−1 on may spend a year or two under construction (land, land-use
// tax, no output), then ramp up; a firm counts as above-size in a year when
// that year is a full operating year and its revenue is at least 2,000 万元
// (1,000 万元 for software), so firms enter and leave the above-size
// population as they grow; some firms exit (no rows after their last year).
//
// # Monthly series
//
// Only above-size industrial firm-years have monthly rows (the statistics
// bureau's monthly survey). Monthly weights are working-day equivalents
// (calendar days minus the Spring Festival loss, placed by the festival's
// date each year) × a seasonal level (December peak) × shocks (COVID in
// February 2020, the August 2022 power rationing) × an intra-year trend
// following the year's growth × firm noise. The annual value, an integer in
// the file's smallest unit, is split by cumulative rounding (allocate), so
// the twelve months sum to it exactly; employees are split from 12 × the
// annual average, so their mean is exactly the annual figure.
//
// # Formats and precisions
//
// Money in 10k yuan (万元) with 2 decimals, land in mu with 2, energy in tce
// with 2, electricity in whole kWh (kWh × 0.1229 kgce ≤ energy, computed
// from the written energy), emissions in equivalent tonnes with 3,
// employees whole persons. Values are held as integers of those units and
// formatted without floating-point printing. Booleans are true/false,
// missing values empty cells. annual.csv carries one extra column after the
// canonical ones: above_size, the firm's status that year.
//
// # Imperfections
//
// Missing values (emissions for 10 % of firms and 1 % of other rows, R&D
// for 35 % of below-size and 1.5 % of above-size rows, energy for 3 % of
// below-size rows, employees 0.5 %, tax 0.3 %, land for 4 % of below-size
// firms), unit slips (3 in 10,000 rows with a money value in yuan instead of
// 10k yuan, as many with land in m² instead of mu, 1 in 1,000 firms with
// land in m² in enterprises.csv), true zero tax for 3 % of rows, and veto
// events (safety accidents ≈ 0.5 %, environmental violations ≈ 1 % of
// firm-years, weighted by industry risk). The manifest lists the rates, the
// counts achieved and every unit slip with its correct value.
//
// # Determinism
//
// All randomness comes from PCG-DXSM streams keyed by (seed, purpose, firm,
// year), with uniforms, normals and choices derived here, not by rand.Rand;
// no map is iterated, no clock is read, the output order is by USCC.
// Exponentials use fexp rather than math.Exp (whose amd64 code differs on
// CPUs with FMA) and solved factors are rounded to 10 significant digits, so
// a seed gives the same bytes on any amd64 machine for a given Version.
// Other architectures, or amd64 builds with GOAMD64=v3, let the compiler
// fuse multiply-adds elsewhere and may differ in a rare last cent.
package synth
