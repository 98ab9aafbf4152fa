package index

import (
	"math"
	"testing"
)

// The per-mu (亩均) indicators of DOMAIN.md §2 with the Huangyan weights and
// 2022 benchmarks.
var perMu = []struct {
	code      string
	weight    float64
	benchmark float64
}{
	{"tax_mu", 30, 24.097},
	{"va_mu", 20, 136.16},
	{"va_energy", 20, 2.694},
	{"va_emis", 10, 4929.81},
	{"lp", 10, 18.14},
	{"rd", 10, 0.0302},
}

func perMuFramework(t testing.TB, dirs map[string]int) *Framework {
	t.Helper()
	nodes := []Node{{Code: "Score", Name: "Benefit per mu", Weight: math.NaN(), Target: math.NaN()}}
	for _, p := range perMu {
		dir := 1
		if d, ok := dirs[p.code]; ok {
			dir = d
		}
		nodes = append(nodes, Node{Code: p.code, Parent: "Score", Weight: p.weight, Direction: dir, Indicator: true, Target: math.NaN()})
	}
	fw, err := NewFramework(nodes, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fw
}

func perMuData(units map[string][]float64, order []string) *Dataset {
	d := &Dataset{UCodes: order, Indicators: map[string][]float64{}}
	for k, p := range perMu {
		col := make([]float64, len(order))
		for i, u := range order {
			col[i] = units[u][k]
		}
		d.Indicators[p.code] = col
	}
	return d
}

// scaled returns the benchmark vector times f per indicator.
func scaled(f ...float64) []float64 {
	out := make([]float64, len(perMu))
	for k, p := range perMu {
		m := f[0]
		if len(f) > 1 {
			m = f[k]
		}
		out[k] = p.benchmark * m
	}
	return out
}

// perMuPipeline normalises with ratio against the fixed Huangyan benchmarks
// and sums the weighted ratios.
func perMuPipeline(k, limit float64) Pipeline {
	by := map[string]NormSpec{}
	for _, p := range perMu {
		by[p.code] = NormSpec{Method: NormRatio, Benchmark: BenchmarkValue, Value: p.benchmark, K: k, Cap: limit}
	}
	return Pipeline{Steps: []Step{Normalise{ByCode: by}, Aggregate{AggSpec: AggSpec{Method: AggWSum}}}}
}

func TestPerMuRatioWSum(t *testing.T) {
	units := map[string][]float64{
		"at":      scaled(1),                // exactly the benchmark everywhere: 100
		"double":  scaled(2),                // 200, or 150 with cap 1.5
		"half":    scaled(0.5),              // 50
		"taxtwo":  scaled(2, 1, 1, 1, 1, 1), // 30×2 + 70 = 130
		"rdzero":  scaled(1, 1, 1, 1, 1, 0), // 90
		"tenfold": scaled(10),               // 1000, or 150 with cap 1.5
	}
	order := []string{"at", "double", "half", "taxtwo", "rdzero", "tenfold"}
	fw := perMuFramework(t, nil)
	d := perMuData(units, order)
	cases := []struct {
		name     string
		k, limit float64
		want     map[string]float64
	}{
		{"no cap", 1, 0, map[string]float64{"at": 100, "double": 200, "half": 50, "taxtwo": 130, "rdzero": 90, "tenfold": 1000}},
		{"cap 1.5", 1, 1.5, map[string]float64{"at": 100, "double": 150, "half": 50, "taxtwo": 115, "rdzero": 90, "tenfold": 150}},
		{"benchmark twice the value", 2, 0, map[string]float64{"at": 50, "double": 100, "half": 25, "taxtwo": 65, "rdzero": 45, "tenfold": 500}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := perMuPipeline(c.k, c.limit).Run(fw, d)
			if err != nil {
				t.Fatal(err)
			}
			for u, want := range c.want {
				got, _ := res.Scores.Value(u, "Score")
				if math.Abs(got-want) > 1e-12 {
					t.Errorf("%s: score %.15g, want %g", u, got, want)
				}
				if c.limit > 0 && got > c.limit*100+1e-12 {
					t.Errorf("%s: score %g above the bound cap × Σw = %g", u, got, c.limit*100)
				}
			}
			if got, _ := res.Scores.Value("at", "Score"); c.k == 1 && got != 100 {
				t.Errorf("a unit at the benchmark scores %.17g, want exactly 100", got)
			}
			if r := res.Ranks["Score"]; r[5] != 1 || r[2] != 6 {
				t.Errorf("ranks %v: tenfold should be 1st and half last", r)
			}
		})
	}
}

func TestPerMuMeanBenchmarkAndDirection(t *testing.T) {
	// Three units; on every indicator the middle one is at the column mean,
	// so with benchmark = mean it scores exactly 100 whatever the direction.
	units := map[string][]float64{
		"low":  scaled(0.5),
		"mid":  scaled(1),
		"high": scaled(1.5),
	}
	order := []string{"low", "mid", "high"}
	// Energy-type indicator where lower is better: ratio = benchmark / x.
	fw := perMuFramework(t, map[string]int{"va_energy": -1})
	d := perMuData(units, order)
	p := Pipeline{Steps: []Step{
		Normalise{Default: NormSpec{Method: NormRatio, Benchmark: BenchmarkMean}},
		Aggregate{AggSpec: AggSpec{Method: AggWSum}},
	}}
	res, err := p.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	// low: 80 × 0.5 + 20 × (1/0.5) = 40 + 40 = 80; high: 80 × 1.5 + 20/1.5.
	want := map[string]float64{"low": 80, "mid": 100, "high": 120 + 20/1.5}
	for u, w := range want {
		got, _ := res.Scores.Value(u, "Score")
		if math.Abs(got-w) > 1e-12 {
			t.Errorf("%s: %.15g, want %.15g", u, got, w)
		}
	}
	np := res.Record("normalise").Normalise.Params["tax_mu"]
	if math.Abs(np.Benchmark-24.097) > 1e-12 {
		t.Errorf("recorded benchmark %g, want the column mean 24.097", np.Benchmark)
	}
	// Median benchmark gives the same here.
	p.Steps[0] = Normalise{Default: NormSpec{Method: NormRatio, Benchmark: BenchmarkMedian}}
	res, err = p.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := res.Scores.Value("mid", "Score"); math.Abs(got-100) > 1e-12 {
		t.Errorf("median benchmark: mid scores %g", got)
	}
}

func TestPerMuMissingGetsAverageScore(t *testing.T) {
	// "Missing emission data: the item gets the average score": impute the
	// normalised (ratio) column with its mean before aggregating.
	units := map[string][]float64{
		"a": scaled(1),
		"b": scaled(3),
		"c": scaled(1),
	}
	units["c"][3] = math.NaN() // va_emis missing
	fw := perMuFramework(t, nil)
	d := perMuData(units, []string{"a", "b", "c"})
	by := map[string]NormSpec{}
	for _, p := range perMu {
		by[p.code] = NormSpec{Method: NormRatio, Benchmark: BenchmarkValue, Value: p.benchmark}
	}
	plain := Pipeline{Steps: []Step{Normalise{ByCode: by}, Aggregate{AggSpec: AggSpec{Method: AggWSum}}}}
	res, err := plain.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	// wsum skips the missing item: 100 − 10.
	if got, _ := res.Scores.Value("c", "Score"); math.Abs(got-90) > 1e-12 {
		t.Errorf("wsum with a missing item: %g, want 90", got)
	}
	avg := Pipeline{Steps: []Step{Normalise{ByCode: by}, Impute{Method: ImputeMean}, Aggregate{AggSpec: AggSpec{Method: AggWSum}}}}
	res, err = avg.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	// The va_emis ratios of a and b are 1 and 3, average 2: 90 + 10 × 2.
	if got, _ := res.Scores.Value("c", "Score"); math.Abs(got-110) > 1e-12 {
		t.Errorf("average score for the missing item: %g, want 110", got)
	}
	// A unit with no data at all has no score and no rank.
	d.Indicators["tax_mu"][2] = math.NaN()
	for _, p := range perMu {
		d.Indicators[p.code][2] = math.NaN()
	}
	res, err = plain.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := res.Scores.Value("c", "Score"); !math.IsNaN(got) || res.Ranks["Score"][2] != 0 {
		t.Errorf("all missing: score %g rank %d, want NaN and 0", got, res.Ranks["Score"][2])
	}
}

func TestClassify(t *testing.T) {
	ucodes := []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10"}
	scores := []float64{100, 90, 80, 70, 60, 50, 40, 30, 20, 10}
	abcd := []ClassRule{{Name: "A", UpTo: 0.20}, {Name: "B", UpTo: 0.70}, {Name: "C", UpTo: 0.95}, {Name: "D", UpTo: 1}}
	cases := []struct {
		name string
		c    Classify
		want []string
	}{
		{"bands", Classify{Classes: abcd},
			[]string{"A", "A", "B", "B", "B", "B", "B", "C", "C", "D"}},
		{"bands with a veto and an unrated unit", Classify{Classes: abcd, Flags: map[string]UnitFlag{
			"u1": {Cap: "C", Reason: "safety accident"},
			"u5": {Unrated: true, Reason: "under two years old"},
		}},
			// 9 rated units: A rank ≤ 1.8, B ≤ 6.3, C ≤ 8.55, D the rest;
			// u1 is ranked first but capped at C.
			[]string{"C", "B", "B", "B", "", "B", "B", "C", "C", "D"}},
		{"thresholds", Classify{Method: ClassifyThresholds, Classes: []ClassRule{{Name: "A", Min: 90}, {Name: "B", Min: 70}, {Name: "C", Min: 50}, {Name: "D", Min: math.Inf(-1)}}},
			[]string{"A", "A", "B", "B", "C", "C", "D", "D", "D", "D"}},
		{"quotas", Classify{Method: ClassifyQuotas, Classes: []ClassRule{{Name: "A", Count: 2}, {Name: "B", Count: 3}, {Name: "C", Count: 3}, {Name: "D"}}},
			[]string{"A", "A", "B", "B", "B", "C", "C", "C", "D", "D"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			det, err := ClassifyScores(ucodes, scores, c.c)
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range det.Units {
				if a.Class != c.want[i] {
					t.Errorf("%s: class %q, want %q (rank %d)", a.UCode, a.Class, c.want[i], a.Rank)
				}
			}
		})
	}
	det, err := ClassifyScores(ucodes, scores, Classify{Classes: abcd, Flags: map[string]UnitFlag{"u1": {Cap: "C", Reason: "safety accident"}, "u5": {Unrated: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if a := det.Units[0]; !a.Capped || a.Reason != "safety accident" || a.Rank != 1 {
		t.Errorf("vetoed unit: %+v", a)
	}
	if a := det.Units[4]; a.Class != "" || a.Reason != "unrated" || a.Rank != 0 {
		t.Errorf("unrated unit: %+v", a)
	}
	if det.Counts["A"] != 0 || det.Counts[""] != 1 {
		t.Errorf("counts %v", det.Counts)
	}
	// Ties share the better class.
	det, _ = ClassifyScores([]string{"a", "b", "c", "d", "e"}, []float64{5, 5, 3, 2, 1}, Classify{Classes: abcd})
	if det.Units[0].Class != "A" || det.Units[1].Class != "A" {
		t.Errorf("tied leaders: %+v", det.Units[:2])
	}
}
