package index

import (
	"context"
	"testing"
)

// perMuUncertainty is the uncertainty target on the per-mu scheme:
// weights ±25 % and the benchmark (mean or median) as uncertain inputs.
func perMuUncertainty(runs int) Uncertainty {
	return Uncertainty{Runs: runs, Seed: 42, Weights: []WeightNoise{{Level: 1, Noise: 0.25}},
		Alternatives: []Alternative{{Key: "normalise", Labels: []string{"mean", "median"}, Steps: []Step{
			Normalise{Default: NormSpec{Method: NormRatio, Benchmark: BenchmarkMean, Cap: 2}},
			Normalise{Default: NormSpec{Method: NormRatio, Benchmark: BenchmarkMedian, Cap: 2}},
		}}}}
}

// BenchmarkUncertaintyPerMu7000 is 1,000 runs on 7,000 enterprises × 6
// indicators (target: under 10 s on 2 cores).
func BenchmarkUncertaintyPerMu7000(b *testing.B) {
	fw, d, flags := synthPerMu(b, 7000, 42)
	p := perMuScheme(flags)
	u := perMuUncertainty(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := u.Run(context.Background(), fw, d, p)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Runs), "runs")
	}
}

// BenchmarkUncertaintyASEM is the uncertainty block (1,000 runs) on
// the ASEM index.
func BenchmarkUncertaintyASEM(b *testing.B) {
	fw, d, p, u := asemUncertainty(b, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := u.Run(context.Background(), fw, d, p)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Runs), "runs")
	}
}

// BenchmarkPerMu1M scores, ranks and classifies 1,000,000 enterprises × 6
// indicators in process with the per-mu scheme: ratio to the mean capped at
// 2, the average score for a missing item, wsum 30/20/20/10/10/10, A/B/C/D
// bands with vetoes and unrated firms (target: under 1 s).
func BenchmarkPerMu1M(b *testing.B) {
	fw, d, flags := synthPerMu(b, 1000000, 42)
	p := perMuScheme(flags)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Run(fw, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExplainPerMu explains every one of 7,000 enterprises.
func BenchmarkExplainPerMu7000(b *testing.B) {
	fw, d, flags := synthPerMu(b, 7000, 42)
	p := perMuScheme(flags)
	res, err := p.Run(fw, d)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, err := NewExplainer(p, d, res)
		if err != nil {
			b.Fatal(err)
		}
		for k := range res.Scores.UCodes {
			e.UnitAt(k)
		}
	}
}
