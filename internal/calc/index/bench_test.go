package index

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// synthPerMu builds n synthetic enterprises with the six per-mu indicators:
// log-normal around the Huangyan benchmarks, 3 % missing emissions, 1 %
// vetoed and 5 % unrated. Seeded, so every run sees the same data.
func synthPerMu(tb testing.TB, n int, seed uint64) (*Framework, *Dataset, map[string]UnitFlag) {
	tb.Helper()
	fw := perMuFramework(tb, nil)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	d := &Dataset{UCodes: make([]string, n), Indicators: map[string][]float64{}}
	for _, p := range perMu {
		d.Indicators[p.code] = make([]float64, n)
	}
	flags := map[string]UnitFlag{}
	for i := 0; i < n; i++ {
		u := fmt.Sprintf("E%06d", i)
		d.UCodes[i] = u
		size := r.NormFloat64() * 0.4 // a firm effect shared by its indicators
		for _, p := range perMu {
			v := p.benchmark * math.Exp(size+0.7*r.NormFloat64()-0.3)
			if p.code == "va_emis" && r.Float64() < 0.03 {
				v = math.NaN()
			}
			d.Indicators[p.code][i] = v
		}
		switch x := r.Float64(); {
		case x < 0.01:
			flags[u] = UnitFlag{Cap: "C", Reason: "environmental violation"}
		case x < 0.06:
			flags[u] = UnitFlag{Unrated: true, Reason: "under two years old"}
		}
	}
	return fw, d, flags
}

// perMuScheme is the per-mu preset on the engine: ratio to the mean with a
// cap of 2, the average score for a missing item, Σ weight × ratio, and
// A/B/C/D bands with vetoes and unrated units.
func perMuScheme(flags map[string]UnitFlag) Pipeline {
	return Pipeline{Steps: []Step{
		Normalise{Default: NormSpec{Method: NormRatio, Benchmark: BenchmarkMean, Cap: 2}},
		Impute{Method: ImputeMean},
		Aggregate{AggSpec: AggSpec{Method: AggWSum}},
		Classify{Classes: []ClassRule{{Name: "A", UpTo: 0.20}, {Name: "B", UpTo: 0.70}, {Name: "C", UpTo: 0.95}, {Name: "D", UpTo: 1}}, Flags: flags},
	}}
}

func TestPerMuSchemeOnSyntheticData(t *testing.T) {
	fw, d, flags := synthPerMu(t, 22000, 42)
	res, err := perMuScheme(flags).Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Classes
	rated := 0
	for _, a := range c.Units {
		if a.Class != "" {
			rated++
		}
		if f := flags[a.UCode]; f.Cap != "" && (a.Class == "A" || a.Class == "B") {
			t.Fatalf("vetoed unit %s got %s", a.UCode, a.Class)
		}
		if f := flags[a.UCode]; f.Unrated && a.Class != "" {
			t.Fatalf("unrated unit %s got %s", a.UCode, a.Class)
		}
		if a.Score > 200+1e-9 {
			t.Fatalf("score %g above the cap bound 200", a.Score)
		}
	}
	share := func(k string) float64 { return float64(c.Counts[k]) / float64(rated) }
	// Vetoed units move from A/B to C, so A is a little under 20 %.
	if a := share("A"); a < 0.19 || a > 0.201 {
		t.Errorf("A share %.3f", a)
	}
	if dd := share("D"); dd < 0.049 || dd > 0.051 {
		t.Errorf("D share %.3f", dd)
	}
	t.Logf("classes %v of %d rated", c.Counts, rated)
}

func BenchmarkPipeline(b *testing.B) {
	b.Run("permu_22000x6", func(b *testing.B) {
		fw, d, flags := synthPerMu(b, 22000, 42)
		p := perMuScheme(flags)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := p.Run(fw, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("asem_default", func(b *testing.B) {
		fw, d := loadASEM(b)
		p := DefaultPipeline()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := p.Run(fw, d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
