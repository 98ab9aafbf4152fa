package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
	"github.com/indus-platform/indus/internal/synth"
)

// benchFacts makes n above-size manufacturers with the six per-mu inputs,
// log-normal around the synthetic city's medians (a shared firm effect),
// 10 % missing emissions, 1 % vetoed, 3 % unrated. Seeded.
func benchFacts(n int) []store.EvaluationFact {
	r := rand.New(rand.NewPCG(1, 2))
	codes := []string{"3612", "3971", "2614", "3311", "1320", "3825"}
	units := refdata.Units()
	out := make([]store.EvaluationFact, n)
	ln := func(median, size float64) float64 { return median * math.Exp(size+0.6*r.NormFloat64()) }
	for i := range out {
		size := 0.4 * r.NormFloat64()
		land := ln(50, size)
		va := ln(150, size) * land
		f := store.EvaluationFact{USCC: fmt.Sprintf("91500000%09dX", i), Name: "企业", UnitCode: units[i%len(units)].Code,
			IndustryCode: codes[i%len(codes)], Founded: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), AboveSizeKnown: true,
			AboveSize: true, HasPrev: true, PrevAboveSizeKnown: true, PrevAboveSize: r.Float64() > 0.03, PrevRevenue: math.NaN(),
			LandMu: land, ValueAdded: va, Revenue: va * 4, Tax: ln(15, size) * land, EnergyTCE: va / ln(7.7, 0),
			ElectricityKWh: va * 500, EmissionsT: va / ln(3800, 0), RDSpend: va * 4 * ln(0.016, 0), Employees: va / ln(48, 0),
			OutputValue: va * 4.5}
		if i%7 == 0 {
			f.Park = fmt.Sprintf("园区%d", i%300)
		}
		if r.Float64() < 0.10 {
			f.EmissionsT = math.NaN()
		}
		if r.Float64() < 0.01 {
			f.EnvViolation = true
		}
		out[i] = f
	}
	return out
}

// BenchmarkScore1M: 1,000,000 enterprises × 6 indicators scored, ranked and
// classified in process (target < 1 s), with and without the per-firm
// explanations.
func BenchmarkScore1M(b *testing.B) {
	facts := benchFacts(1_000_000)
	zj, _ := refdata.SchemeByID("zhejiang-2018")
	for _, explain := range []bool{false, true} {
		b.Run(fmt.Sprintf("explain=%v", explain), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				ev, err := ScoreFacts(context.Background(), facts, EvaluateOptions{Scheme: zj, Year: 2023, NoExplain: !explain})
				if err != nil {
					b.Fatal(err)
				}
				if ev.Counts()["A"] == 0 {
					b.Fatal("no A")
				}
			}
		})
	}
}

// BenchmarkUncertainty7000: class probabilities from 1,000 Monte Carlo runs
// over the weights (±25 %) on 7,000 above-size firms (target < 10 s).
func BenchmarkUncertainty7000(b *testing.B) {
	facts := benchFacts(7000)
	zj, _ := refdata.SchemeByID("zhejiang-2018")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ev, err := ScoreFacts(context.Background(), facts, EvaluateOptions{Scheme: zj, Year: 2023, Uncertainty: 1000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(ev.Uncertainty.Runs), "runs")
	}
}

// BenchmarkEvaluateCSV is the end to end from files: read enterprises.csv
// and annual.csv, score, write the enterprise CSV — "full" with every
// firm's explanation and every column, "compact" without explanations and
// with the leading columns and the indicator values (what
// bench/evaluate.sh's pandas script writes). The data are INDUS_EVAL_DATA
// (a directory written by `indus gen`) or, without it, the synthetic city
// generated once into a temporary directory; the output goes to
// INDUS_EVAL_OUT (full) and INDUS_EVAL_OUT_COMPACT when set.
func BenchmarkEvaluateCSV(b *testing.B) {
	dir := os.Getenv("INDUS_EVAL_DATA")
	if dir == "" {
		dir = b.TempDir()
		if _, err := synth.Generate(context.Background(), synth.Config{Seed: 1}, dir); err != nil {
			b.Fatal(err)
		}
	}
	zj, _ := refdata.SchemeByID("zhejiang-2018")
	for _, compact := range []bool{false, true} {
		name, env := "full", "INDUS_EVAL_OUT"
		if compact {
			name, env = "compact", "INDUS_EVAL_OUT_COMPACT"
		}
		b.Run(name, func(b *testing.B) {
			out := os.Getenv(env)
			if out == "" {
				out = filepath.Join(b.TempDir(), "out.csv")
			}
			opts := EvaluateOptions{Scheme: zj, Year: 2023, NoExplain: compact}
			for i := 0; i < b.N; i++ {
				facts, err := ReadEvaluationFactsCSV(dir, 2023)
				if err != nil {
					b.Fatal(err)
				}
				ev, err := ScoreFacts(context.Background(), facts, opts)
				if err != nil {
					b.Fatal(err)
				}
				n, err := ev.Table(opts, LevelEnterprise, compact).Write(out)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n), "firms")
			}
		})
	}
}

// BenchmarkEvaluateStore is the end to end on the store: read the year's
// facts, score, explain, record the run with every row.
func BenchmarkEvaluateStore(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if _, err := synth.Generate(ctx, synth.Config{Seed: 1}, dir); err != nil {
		b.Fatal(err)
	}
	st := openEvalStore(b)
	if _, err := ImportFiles(ctx, st, []string{filepath.Join(dir, "enterprises.csv"), filepath.Join(dir, "annual.csv")}, ImportOptions{User: "b"}); err != nil {
		b.Fatal(err)
	}
	zj, _ := refdata.SchemeByID("zhejiang-2018")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Evaluate(ctx, st, EvaluateOptions{Scheme: zj, Year: 2023, User: "b"}); err != nil {
			b.Fatal(err)
		}
	}
}
