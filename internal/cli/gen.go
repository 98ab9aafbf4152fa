package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/synth"
)

func newGenCommand() *Command {
	return &Command{Name: "gen", Summary: "generate a deterministic synthetic Chongqing dataset (canonical CSVs + manifest)",
		Run: runGen}
}

func runGen(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "gen", "--out DIR [--seed N] [--scale city|national] [--from 2019 --to 2025]")
	out := fs.String("out", envDefault(env, "INDUS_GEN_OUT", ""), "directory to write enterprises.csv, annual.csv, monthly.csv and manifest.json into; created if missing (env INDUS_GEN_OUT)")
	seedText := fs.String("seed", envDefault(env, "INDUS_GEN_SEED", "1"), "random seed: the same seed gives byte-identical files (env INDUS_GEN_SEED)")
	scale := fs.String("scale", envDefault(env, "INDUS_GEN_SCALE", synth.ScaleCity), "city (Chongqing, ≈25,000 enterprises) or national (≈1,000,000, for benchmarks) (env INDUS_GEN_SCALE)")
	from := fs.Int("from", synth.DefaultFromYear, "first year of annual and monthly data")
	to := fs.Int("to", synth.DefaultToYear, "last year of annual and monthly data")
	defects := fs.Bool("defects", false, "also write defects/: small files with each class of input defect and expected.csv, for testing imports")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return indus.Errorf(indus.EInvalid, "unexpected argument %q: the output directory is given with --out DIR", rest[0])
	}
	if *out == "" {
		return indus.Errorf(indus.EInvalid, "--out DIR is required: the directory to write the dataset into")
	}
	seed, err := strconv.ParseInt(*seedText, 10, 64)
	if err != nil {
		return indus.Errorf(indus.EInvalid, "--seed must be a whole number, got %q", *seedText)
	}
	cfg := synth.Config{Seed: seed, Scale: *scale, FromYear: *from, ToYear: *to}
	if err := cfg.Validate(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "generating %s scale, seed %d, %d–%d into %s …\n", cfg.Scale, cfg.Seed, cfg.FromYear, cfg.ToYear, *out)
	start := time.Now()
	m, err := synth.Generate(ctx, cfg, *out)
	if err != nil {
		return err
	}
	printGenSummary(env.Stdout, m, time.Since(start))
	if *defects {
		exp, err := synth.WriteDefects(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "defects: %d expected findings in %s\n", len(exp), filepath.Join(*out, synth.DefectsDir))
	}
	return nil
}

// printGenSummary prints the counts and the calibration next to its targets.
func printGenSummary(w io.Writer, m *synth.Manifest, took time.Duration) {
	c, k := m.Counts, m.Calibration
	fmt.Fprintf(w, "enterprises: %d (industrial above-size %d, below-size %d, software %d)\n",
		c.Enterprises, c.IndustrialAboveSize, c.IndustrialBelowSize, c.Software)
	fmt.Fprintf(w, "rows: annual %d, monthly %d\n", c.AnnualRows, c.MonthlyRows)
	fmt.Fprintf(w, "calibration %d (achieved vs target):\n", k.Year)
	for _, cl := range k.Clusters {
		fmt.Fprintf(w, "  %-22s output %9.0f vs %7.0f (100 M yuan, %+.1f%%)\n", cl.ID, cl.Output100M, cl.Target100M, pct(cl.Output100M, cl.Target100M))
	}
	fmt.Fprintf(w, "  above-size firms        %d, revenue %.0f (100 M yuan); firms > 10 bn: %d, > 5 bn: %d\n",
		k.AboveSizeFirms, k.AboveSizeRevenue100M, k.FirmsRevenueAbove10bn, k.FirmsRevenueAbove5bn)
	p := k.PerMu
	fmt.Fprintf(w, "  per mu (10k yuan/mu)    tax %.2f vs %.2f, value added %.2f vs %.2f, output %.2f vs %.2f\n",
		p.TaxPerMu, p.TargetTaxPerMu, p.VAPerMu, p.TargetVAPerMu, p.OutputPerMu, p.TargetOutputPerMu)
	fmt.Fprintf(w, "  per mu medians          tax %.2f, value added %.2f, output %.2f\n", p.MedianTaxPerMu, p.MedianVAPerMu, p.MedianOutputPerMu)
	fmt.Fprintf(w, "imperfections: %d unit slips listed in manifest.json\n", len(m.Imperfection.UnitSlips))
	fmt.Fprintf(w, "done in %s\n", took.Round(time.Millisecond))
}

func pct(x, target float64) float64 {
	if target == 0 {
		return 0
	}
	return (x/target - 1) * 100
}
