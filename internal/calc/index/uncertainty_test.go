package index

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// asemYAML is the pipeline file: COINr's example pipeline plus bands
// and the uncertainty block.
const asemYAML = `
denominate: true
impute:    {method: group_mean, group: EurAsia_group}
screen:    {min_availability: 0.9}
treat:     {method: winsorise, winmax: 5, skew: 2, kurt: 3.5, fallback: log}
normalise: {method: minmax, min: 0, max: 100}
aggregate: {method: amean}
classify:  {method: bands, bands: {A: 0.20, B: 0.60, C: 0.95, D: 1.0}}
uncertainty:
  runs: %d
  seed: 42
  weights: {levels: [2, 3], noise: 0.25}
  alternatives: {treat.winmax: [1, 2, 3, 4, 5], normalise: [{method: minmax, min: 0, max: 100}, {method: zscore, mean: 10, sd: 2}], aggregate: [{method: amean}, {method: gmean}]}
`

func asemUncertainty(t testing.TB, runs int) (*Framework, *Dataset, Pipeline, *Uncertainty) {
	t.Helper()
	fw, d := loadASEM(t)
	y := []byte(fmt.Sprintf(asemYAML, runs))
	p, err := ParsePipelineYAML(y)
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseUncertaintyYAML(y)
	if err != nil {
		t.Fatal(err)
	}
	return fw, d, p, u
}

func TestUncertaintyZeroNoiseIsNominal(t *testing.T) {
	fw, d, flags := synthPerMu(t, 400, 7)
	p := perMuScheme(flags)
	cases := []struct {
		name string
		u    Uncertainty
	}{
		{"no inputs", Uncertainty{Runs: 50, Seed: 1}},
		{"zero noise, saltelli", Uncertainty{Runs: 60, Seed: 1, Weights: []WeightNoise{{Level: 1, Noise: 0}}}},
		{"zero noise and identical alternatives", Uncertainty{Runs: 80, Seed: 3, Weights: []WeightNoise{{Level: 1, Noise: 0}},
			Alternatives: []Alternative{{Key: "impute", Labels: []string{"mean", "mean again"}, Steps: []Step{Impute{Method: ImputeMean}, Impute{Method: ImputeMean}}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.u.Run(context.Background(), fw, d, p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Runs < 20 {
				t.Fatalf("only %d runs", res.Runs)
			}
			for _, uu := range res.Units {
				nr := float64(uu.NominalRank)
				if uu.Ranked != res.Runs || uu.MedianRank != nr || uu.Q05Rank != nr || uu.Q95Rank != nr || uu.MeanRank != nr {
					t.Fatalf("%s: nominal %d, ranked %d/%d, median %g, q05 %g, q95 %g, mean %g", uu.UCode, uu.NominalRank,
						uu.Ranked, res.Runs, uu.MedianRank, uu.Q05Rank, uu.Q95Rank, uu.MeanRank)
				}
				for k, cl := range res.Classes {
					want := 0.0
					if cl == uu.NominalClass {
						want = 1
					}
					if uu.ClassProb[k] != want {
						t.Fatalf("%s (nominal %q): P(%s) = %g", uu.UCode, uu.NominalClass, cl, uu.ClassProb[k])
					}
				}
			}
			for _, s := range res.Sensitivity {
				// Nothing varies: V = 0 and the indices are undefined.
				if !math.IsNaN(s.First) || !math.IsNaN(s.Total) {
					t.Errorf("%s: S %g, ST %g on a constant output", s.Input, s.First, s.Total)
				}
			}
		})
	}
}

func TestUncertaintyASEM(t *testing.T) {
	fw, d, p, u := asemUncertainty(t, 140)
	res, err := u.Run(context.Background(), fw, d, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != "Index" || res.Design != DesignSaltelli || res.N != 20 || res.Runs != 140 {
		t.Fatalf("code %s design %s N %d runs %d", res.Code, res.Design, res.N, res.Runs)
	}
	names := []string{}
	for _, in := range res.Inputs {
		names = append(names, in.Name)
	}
	if got := strings.Join(names, ","); got != "weights.level2,weights.level3,treat.winmax,normalise,aggregate" {
		t.Fatalf("inputs %s", got)
	}
	// gmean after min-max 0–100 fails on the zeros, as in COINr: those runs
	// are counted, not fatal.
	if res.Failed == 0 || !strings.Contains(res.Failure, "geometric mean") || res.SobolRows < 1 {
		t.Errorf("failed runs %d (%s), Sobol rows %d", res.Failed, res.Failure, res.SobolRows)
	}
	t.Logf("%d of %d runs failed; Sobol on %d of %d rows", res.Failed, res.Runs, res.SobolRows, res.N)
	if strings.Join(res.Classes, "") != "ABCD" {
		t.Fatalf("classes %v", res.Classes)
	}
	width := 0.0
	for _, uu := range res.Units {
		if uu.NominalRank == 0 {
			// Screened out in every run (no alternative touches screening).
			if uu.Ranked != 0 {
				t.Errorf("%s: screened out nominally but ranked %d times", uu.UCode, uu.Ranked)
			}
			continue
		}
		if !(uu.Q05Rank <= uu.MedianRank && uu.MedianRank <= uu.Q95Rank) {
			t.Errorf("%s: q05 %g median %g q95 %g", uu.UCode, uu.Q05Rank, uu.MedianRank, uu.Q95Rank)
		}
		sum := 0.0
		for _, p := range uu.ClassProb {
			sum += p
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("%s: class probabilities sum to %g", uu.UCode, sum)
		}
		width += uu.Q95Rank - uu.Q05Rank
	}
	if width == 0 {
		t.Error("no rank varies under ±25 % weights and method alternatives")
	}
	for _, s := range res.Sensitivity {
		if !(s.Total >= -0.05) || !(s.First <= s.Total+0.3) {
			t.Errorf("%s: S %g ST %g", s.Input, s.First, s.Total)
		}
		t.Logf("%-16s S %.3f ST %.3f  (mean abs shift: S %.3f ST %.3f)", s.Input, s.First, s.Total, s.FirstShift, s.TotalShift)
	}
}

// TestUncertaintyIrrelevantInput mirrors COINr's own test: an alternative
// whose options are identical has S = ST = 0 exactly.
func TestUncertaintyIrrelevantInput(t *testing.T) {
	fw, d := loadASEM(t)
	y := []byte(`
denominate: true
impute:    {method: group_mean, group: EurAsia_group}
screen:    {min_availability: 0.9}
treat:     {method: winsorise}
uncertainty:
  runs: 80
  seed: 5
  alternatives:
    treat.winmax: [1, 2, 3, 4, 5]
    normalise: [{method: minmax, min: 1, max: 100}, {method: minmax, min: 1, max: 100}]
`)
	p, err := ParsePipelineYAML(y)
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseUncertaintyYAML(y)
	if err != nil {
		t.Fatal(err)
	}
	res, err := u.Run(context.Background(), fw, d, p)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Sensitivity[1]
	if s.Input != "normalise" || s.First != 0 || s.Total != 0 || s.FirstShift != 0 || s.TotalShift != 0 {
		t.Errorf("irrelevant input: %+v", s)
	}
	if w := res.Sensitivity[0]; !(w.Total > 0) {
		t.Errorf("winmax: %+v", w)
	}
}

func TestUncertaintyDeterministic(t *testing.T) {
	fw, d, p, u := asemUncertainty(t, 70)
	run := func(procs, workers int) string {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		uu := *u
		uu.Workers = workers
		res, err := uu.Run(context.Background(), fw, d, p)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%+v", *res)
	}
	a, b, c := run(1, 0), run(2, 0), run(2, 7)
	if a != b || a != c {
		t.Fatal("results differ with GOMAXPROCS 1, 2 or 7 workers")
	}
	// A different seed gives different draws.
	u.Seed++
	res, err := u.Run(context.Background(), fw, d, p)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", *res) == a {
		t.Error("seed has no effect")
	}
}

func TestUncertaintyRandomDesignAndStepAlternatives(t *testing.T) {
	fw, d, flags := synthPerMu(t, 300, 11)
	p := perMuScheme(flags)
	u := Uncertainty{Runs: 40, Seed: 9, Design: DesignRandom, Weights: []WeightNoise{{Level: 1, Noise: 0.25}},
		Alternatives: []Alternative{{Key: "normalise", Labels: []string{"mean", "median"}, Steps: []Step{
			Normalise{Default: NormSpec{Method: NormRatio, Benchmark: BenchmarkMean, Cap: 2}},
			Normalise{Default: NormSpec{Method: NormRatio, Benchmark: BenchmarkMedian, Cap: 2}},
		}}}}
	res, err := u.Run(context.Background(), fw, d, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs != 40 || res.Sensitivity != nil || res.N != 0 {
		t.Fatalf("random design: runs %d N %d sensitivity %v", res.Runs, res.N, res.Sensitivity)
	}
	for _, uu := range res.Units {
		if f := flags[uu.UCode]; f.Cap == "C" && (uu.ClassProb[0] > 0 || uu.ClassProb[1] > 0) {
			t.Errorf("vetoed %s has P(A) %g P(B) %g", uu.UCode, uu.ClassProb[0], uu.ClassProb[1])
		}
		if f := flags[uu.UCode]; f.Unrated && uu.ClassProb[0]+uu.ClassProb[1]+uu.ClassProb[2]+uu.ClassProb[3] != 0 {
			t.Errorf("unrated %s has class probabilities %v", uu.UCode, uu.ClassProb)
		}
	}
}

func TestNoisyWeights(t *testing.T) {
	fw := perMuFramework(t, nil)
	g := []weightGroup{{level: 1, noise: 0.25, codes: fw.Indicators()}}
	p := []float64{0, 1, 0.5, 0, 0, 0}
	w := noisyWeights(fw, map[string]float64{"va_mu": 40}, g, p)
	if w["tax_mu"] != 30*0.75 || w["va_mu"] != 40*1.25 || w["va_energy"] != 20 {
		t.Errorf("weights %v", w)
	}
}

func TestReplaceStep(t *testing.T) {
	steps := []Step{Normalise{}, Aggregate{}}
	steps = replaceStep(steps, "treat", Treat{WinMax: 2})
	steps = replaceStep(steps, "classify", Classify{})
	steps = replaceStep(steps, "denominate", Denominate{})
	var names []string
	for _, s := range steps {
		names = append(names, s.StepName())
	}
	if got := strings.Join(names, ","); got != "denominate,treat,normalise,aggregate,classify" {
		t.Errorf("steps %s", got)
	}
	steps = replaceStep(steps, "treat", nil)
	if len(steps) != 4 || steps[1].StepName() != "normalise" {
		t.Errorf("remove: %v", steps)
	}
}

func TestParseUncertaintyYAML(t *testing.T) {
	_, _, _, u := asemUncertainty(t, 1000)
	if u.Runs != 1000 || u.Seed != 42 || len(u.Weights) != 2 || u.Weights[1] != (WeightNoise{Level: 3, Noise: 0.25}) {
		t.Fatalf("%+v", u)
	}
	if len(u.Alternatives) != 3 || u.Alternatives[1].Labels[1] != "{method: zscore, mean: 10, sd: 2}" {
		t.Fatalf("alternatives %+v", u.Alternatives)
	}
	p, err := u.Build([]int{2, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	var tr Treat
	var nm Normalise
	var ag Aggregate
	for _, s := range p.Steps {
		switch s := s.(type) {
		case Treat:
			tr = s
		case Normalise:
			nm = s
		case Aggregate:
			ag = s
		}
	}
	if tr.WinMax != 3 || tr.SkewThresh != 2 || nm.Default.Method != NormZScore || nm.Default.Mean != 10 || ag.Method != AggGMean {
		t.Errorf("combination: treat %+v normalise %+v aggregate %+v", tr, nm, ag)
	}
	if u, err := ParseUncertaintyYAML([]byte("normalise: {method: minmax}\n")); u != nil || err != nil {
		t.Errorf("no block: %v %v", u, err)
	}
	// A field alternative on an absent step creates the step.
	u, err = ParseUncertaintyYAML([]byte("uncertainty:\n  alternatives: {normalise.benchmark: [mean, median], normalise.method: [ratio]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err = u.Build([]int{1, 0}); err != nil {
		t.Fatal(err)
	}
	if nm := p.Steps[0].(Normalise); nm.Default.Method != NormRatio || nm.Default.Benchmark != BenchmarkMedian {
		t.Errorf("benchmark alternative: %+v", nm)
	}
	bad := []struct{ yaml, want string }{
		{"uncertainty: {runz: 5}", `unknown key "runz"`},
		{"uncertainty: {runs: 0}", "runs"},
		{"uncertainty: {seed: -1}", "seed"},
		{"uncertainty: {design: sobol}", "design"},
		{"uncertainty: {weights: {levels: [2], noise: 1.5}}", "noise"},
		{"uncertainty: {weights: {levels: 2, noise: 0.2}}", "levels"},
		{"uncertainty: {alternatives: {treat.winmax: [1, 0]}}", "treat.winmax option 2 (0"},
		{"uncertainty: {alternatives: {normalise: [{method: minmax}, {method: cubic}]}}", "option 2"},
		{"uncertainty: {alternatives: {weigh: [1]}}", `"weigh" is not a step`},
		{"uncertainty: {alternatives: {treat.winmax: 3}}", "non-empty list"},
		{"denominate: true\nuncertainty: {alternatives: {denominate.by.x: [y]}}", "not a mapping"},
		{"aggregate: {method: amean}\nuncertainty: {alternatives: {aggregate.method: [amean, median]}}", `"median"`},
	}
	for _, c := range bad {
		_, err := ParseUncertaintyYAML([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.yaml, err, c.want)
		}
	}
}

func TestUncertaintyErrors(t *testing.T) {
	fw, d, flags := synthPerMu(t, 50, 1)
	p := perMuScheme(flags)
	bad := []struct {
		u    Uncertainty
		want string
	}{
		{Uncertainty{}, "runs"},
		{Uncertainty{Runs: 5, Weights: []WeightNoise{{Level: 1, Noise: 0.1}}}, "too few"},
		{Uncertainty{Runs: 50, Weights: []WeightNoise{{Level: 2, Noise: 0.1}}}, "levels are 1 to 1"},
		{Uncertainty{Runs: 50, Weights: []WeightNoise{{Level: 1, Noise: 0.1}, {Level: 1, Noise: 0.2}}}, "twice"},
		{Uncertainty{Runs: 50, Alternatives: []Alternative{{Key: "treat.winmax", Labels: []string{"1"}}}}, "Build"},
		{Uncertainty{Runs: 50, Alternatives: []Alternative{{Key: "treat", Labels: []string{"1", "2"}, Steps: []Step{Treat{}}}}}, "2 labels but 1 steps"},
		{Uncertainty{Runs: 50, Code: "nope"}, `no column "nope"`},
		{Uncertainty{Runs: 50, Design: "lhs"}, "design"},
		{Uncertainty{Runs: 50, Alternatives: []Alternative{{Key: "normalise", Labels: []string{"cubic"}, Steps: []Step{Normalise{Default: NormSpec{Method: "cubic"}}}}}}, "run 1"},
	}
	for _, c := range bad {
		_, err := c.u.Run(context.Background(), fw, d, p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.u, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Uncertainty{Runs: 10}).Run(ctx, fw, d, p); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestLoadUncertaintyYAML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte("uncertainty: {runs: x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadUncertaintyYAML(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v should name the file", err)
	}
}

func TestQuantile7(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	// R: quantile(1:10, c(.05, .5, .95)) = 1.45 5.5 9.55
	for _, c := range []struct{ p, want float64 }{{0.05, 1.45}, {0.5, 5.5}, {0.95, 9.55}, {0, 1}, {1, 10}} {
		if got := quantile7(x, c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("q(%g) = %g, want %g", c.p, got, c.want)
		}
	}
}
