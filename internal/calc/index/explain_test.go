package index

import (
	"math"
	"strings"
	"testing"
)

// threeIndicators is a hand-computable per-mu style scheme: ratio to fixed
// benchmarks (a: 10, cap 2; b: 100, cap 1.4; c: 4, lower is better), then
// wsum with 50/30/20 points.
func threeIndicators(t *testing.T, classify Classify) (Pipeline, *Dataset, *Result) {
	t.Helper()
	fw, err := NewFramework([]Node{
		{Code: "Score", Weight: math.NaN(), Target: math.NaN()},
		{Code: "a", Name: "tax per mu", Unit: "10k yuan/mu", Parent: "Score", Weight: 50, Direction: 1, Indicator: true, Target: math.NaN()},
		{Code: "b", Parent: "Score", Weight: 30, Direction: 1, Indicator: true, Target: math.NaN()},
		{Code: "c", Name: "energy per VA", Parent: "Score", Weight: 20, Direction: -1, Indicator: true, Target: math.NaN()},
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &Dataset{UCodes: []string{"u1", "u2", "u3", "u4", "u5", "u6"}, Indicators: map[string][]float64{
		"a": {25, 20, 10, 1, 20, 10},
		"b": {100, 200, 50, 10, 100, 100},
		"c": {8, 2, 4, 40, 4, 4},
	}}
	classify.Flags = map[string]UnitFlag{
		"u5": {Cap: "C", Reason: "safety accident"},
		"u6": {Unrated: true, Reason: "under two years old"},
	}
	p := Pipeline{Steps: []Step{
		Normalise{ByCode: map[string]NormSpec{
			"a": {Method: NormRatio, Benchmark: BenchmarkValue, Value: 10, Cap: 2},
			"b": {Method: NormRatio, Benchmark: BenchmarkValue, Value: 100, Cap: 1.4},
			"c": {Method: NormRatio, Benchmark: BenchmarkValue, Value: 4},
		}},
		Aggregate{AggSpec: AggSpec{Method: AggWSum}},
		classify,
	}}
	res, err := p.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	return p, d, res
}

type wantChange struct {
	status string
	needed float64
}

func checkExplanation(t *testing.T, x *UnitExplanation, score float64, class, next string, boundary float64, want map[string]wantChange) {
	t.Helper()
	if math.Abs(x.Score-score) > 1e-9 || x.Class != class || x.NextClass != next {
		t.Fatalf("%s: score %g class %q next %q (note %q), want %g %q %q", x.UCode, x.Score, x.Class, x.NextClass, x.Note, score, class, next)
	}
	if next != "" && (math.Abs(x.Boundary-boundary) > 1e-9 || math.Abs(x.Gap-(boundary-score)) > 1e-9) {
		t.Errorf("%s: boundary %g gap %g, want %g", x.UCode, x.Boundary, x.Gap, boundary)
	}
	sum := 0.0
	for _, ie := range x.Indicators {
		sum += ie.Contribution
		if ie.Contribution != ie.EffectiveWeight*ie.Normalised {
			t.Errorf("%s/%s: contribution %g ≠ %g × %g", x.UCode, ie.Code, ie.Contribution, ie.EffectiveWeight, ie.Normalised)
		}
		w, ok := want[ie.Code]
		if !ok {
			if ie.Status != "" {
				t.Errorf("%s/%s: status %q (%s), want none", x.UCode, ie.Code, ie.Status, ie.Note)
			}
			continue
		}
		if ie.Status != w.status {
			t.Errorf("%s/%s: status %q (%s), want %q", x.UCode, ie.Code, ie.Status, ie.Note, w.status)
			continue
		}
		if w.status == ChangeFound && (math.Abs(ie.NeededRaw-w.needed) > 1e-9 || math.Abs(ie.Change-(w.needed-ie.Raw)) > 1e-9) {
			t.Errorf("%s/%s: needed %.12g (change %.12g), want %.12g", x.UCode, ie.Code, ie.NeededRaw, ie.Change, w.needed)
		}
	}
	if math.Abs(sum-x.Score) > 1e-9 {
		t.Errorf("%s: contributions add up to %g, score %g", x.UCode, sum, x.Score)
	}
}

func TestExplainThresholds(t *testing.T) {
	rules := Classify{Method: ClassifyThresholds, Classes: []ClassRule{{Name: "A", Min: 150}, {Name: "B", Min: 100}, {Name: "C", Min: 50}, {Name: "D", Min: math.Inf(-1)}}}
	p, d, res := threeIndicators(t, rules)
	e, err := NewExplainer(p, d, res)
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) *UnitExplanation {
		x, err := e.Unit(u)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	// u1: a 2.5 capped at 2 → 100, b 1 → 30, c 4/8 → 10: 140, B; A at 150.
	u1 := get("u1")
	checkExplanation(t, u1, 140, "B", "A", 150, map[string]wantChange{
		"a": {ChangeCapped, 0},
		"b": {ChangeFound, 100 * (1 + 10.0/30)}, // ratio 1.333 < cap 1.4
		"c": {ChangeFound, 4},                   // 0.5 + 10/20 = 1 → 4/1
	})
	if ie := u1.Indicators[0]; ie.Name != "tax per mu" || ie.Unit != "10k yuan/mu" || ie.Weight != 50 || ie.EffectiveWeight != 50 || ie.Raw != 25 || ie.Normalised != 2 {
		t.Errorf("u1/a: %+v", ie)
	}
	if !strings.Contains(u1.Indicators[0].Note, "capped") {
		t.Errorf("u1/a note: %q", u1.Indicators[0].Note)
	}
	// u3: 50 + 15 + 20 = 85, C; B at 100, gap 15.
	checkExplanation(t, get("u3"), 85, "C", "B", 100, map[string]wantChange{
		"a": {ChangeFound, 13},       // 1 + 15/50 = 1.3
		"b": {ChangeFound, 100},      // 0.5 + 15/30 = 1
		"c": {ChangeFound, 4 / 1.75}, // 1 + 15/20 = 1.75, lower is better
	})
	if c := get("u3").Indicators[2]; !(c.Change < 0) || c.Direction != -1 {
		t.Errorf("u3/c: lower is better, change %g", c.Change)
	}
	// u4: 5 + 3 + 2 = 10, D; C at 50, gap 40.
	checkExplanation(t, get("u4"), 10, "D", "C", 50, map[string]wantChange{
		"a": {ChangeFound, 9},             // 0.1 + 0.8
		"b": {ChangeInsufficient, 0},      // 0.1 + 1.333 > cap 1.4
		"c": {ChangeFound, 4 / (0.1 + 2)}, // 0.1 + 40/20
	})
	// u2: 100 + 42 + 40 = 182: top.
	u2 := get("u2")
	checkExplanation(t, u2, 182, "A", "", 0, nil)
	if u2.Note != "already in the top class" {
		t.Errorf("u2 note %q", u2.Note)
	}
	// u5 scores 150 but is vetoed: C, and cannot rise.
	u5 := get("u5")
	checkExplanation(t, u5, 150, "C", "", 0, nil)
	if !u5.Capped || u5.Reason != "safety accident" || !strings.Contains(u5.Note, "vetoed (safety accident)") {
		t.Errorf("u5: %+v", u5)
	}
	u6 := get("u6")
	if u6.Class != "" || u6.Reason != "under two years old" || !strings.Contains(u6.Note, "under two years old") || u6.NextClass != "" {
		t.Errorf("u6: %+v", u6)
	}
	if _, err := e.Unit("nobody"); err == nil {
		t.Error("unknown unit: no error")
	}
}

func TestExplainBands(t *testing.T) {
	// Rated: u2 182, u5 150 (vetoed), u1 140, u3 85, u4 10; n = 5.
	// A: rank ≤ 1, B ≤ 3, C ≤ 4, D the rest.
	rules := Classify{Classes: []ClassRule{{Name: "A", UpTo: 0.2}, {Name: "B", UpTo: 0.6}, {Name: "C", UpTo: 0.8}, {Name: "D", UpTo: 1}}}
	p, d, res := threeIndicators(t, rules)
	e, err := NewExplainer(p, d, res)
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) *UnitExplanation {
		x, err := e.Unit(u)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	// u1 (rank 3, B) → A needs the rank-1 score 182: gap 42.
	u1 := get("u1")
	checkExplanation(t, u1, 140, "B", "A", 182, map[string]wantChange{
		"a": {ChangeCapped, 0},
		"b": {ChangeInsufficient, 0},        // 1 + 42/30 = 2.4 > 1.4
		"c": {ChangeFound, 4 / (0.5 + 2.1)}, // 0.5 + 42/20
	})
	if u1.Rank != 3 || !strings.Contains(u1.Note, "assumes the other units stay put") {
		t.Errorf("u1 rank %d note %q", u1.Rank, u1.Note)
	}
	// u3 (rank 4, C) → B ends at rank 3, held by u1 with 140: gap 55.
	checkExplanation(t, get("u3"), 85, "C", "B", 140, map[string]wantChange{
		"a": {ChangeInsufficient, 0}, // 1 + 1.1 > cap 2
		"b": {ChangeInsufficient, 0},
		"c": {ChangeFound, 4 / 3.75},
	})
	// u4 (rank 5, D) → C ends at rank 4, held by u3 with 85: gap 75.
	checkExplanation(t, get("u4"), 10, "D", "C", 85, map[string]wantChange{
		"a": {ChangeFound, 16}, // 0.1 + 1.5
		"b": {ChangeInsufficient, 0},
		"c": {ChangeFound, 4 / 3.85},
	})
	// The vetoed u5 is ranked 2 (B by rank) but capped at C.
	if u5 := get("u5"); u5.Class != "C" || u5.Rank != 2 || u5.NextClass != "" {
		t.Errorf("u5: %+v", u5)
	}
	// Quotas: A 1, B 2, C 1: C → B needs the score at rank 3.
	rules = Classify{Method: ClassifyQuotas, Classes: []ClassRule{{Name: "A", Count: 1}, {Name: "B", Count: 2}, {Name: "C", Count: 1}, {Name: "D"}}}
	p, d, res = threeIndicators(t, rules)
	if e, err = NewExplainer(p, d, res); err != nil {
		t.Fatal(err)
	}
	if x := get("u3"); x.Class != "C" || x.NextClass != "B" || x.Boundary != 140 {
		t.Errorf("quotas: %+v", x)
	}
}

// TestExplainASEM checks the inversion through the whole COINr pipeline:
// for every unit and indicator with a solution, pushing the needed raw value
// forward through denomination, treatment and normalisation (parameters of
// the run fixed) and re-aggregating reaches the boundary.
func TestExplainASEM(t *testing.T) {
	fw, d := loadASEM(t)
	p := DefaultPipeline()
	p.Steps = append(p.Steps, Classify{Classes: []ClassRule{{Name: "A", UpTo: 0.2}, {Name: "B", UpTo: 0.6}, {Name: "C", UpTo: 0.95}, {Name: "D", UpTo: 1}}})
	res, err := p.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExplainer(p, d, res)
	if err != nil {
		t.Fatal(err)
	}
	if e.Code() != "Index" {
		t.Fatalf("code %s", e.Code())
	}
	treat := res.Record("treat").Treat
	screened := res.Stage("Screened")
	treated := res.Stage("Treated")
	denom := res.Record("denominate").Denominate
	counts := map[string]int{}
	for i := range res.Scores.UCodes {
		x := e.UnitAt(i)
		if len(x.Indicators) != 49 {
			t.Fatalf("%s: %d indicators", x.UCode, len(x.Indicators))
		}
		sum := 0.0
		for _, ie := range x.Indicators {
			sum += ie.Contribution
		}
		if math.Abs(sum-x.Score) > 1e-9 {
			t.Errorf("%s: contributions %g, score %g", x.UCode, sum, x.Score)
		}
		row := res.Scores.Rows[i]
		for _, ie := range x.Indicators {
			counts[ie.Status]++
			if ie.Status != ChangeFound {
				continue
			}
			// Forward: denominate, treat, normalise with this run's parameters.
			v := ie.NeededRaw
			if den, ok := denom.Denominators[ie.Code]; ok {
				v /= d.Denominators[den][row]
			}
			var tr *TreatRow
			for k := range treat.Rows {
				if treat.Rows[k].Code == ie.Code {
					tr = &treat.Rows[k]
				}
			}
			if tr != nil && tr.Transformed != "" {
				base := screened.Col(ie.Code)
				mn, mx := rMin(base), rMax(base)
				v = math.Log(v - mn + 0.01*(mx-mn))
			} else if tr != nil && tr.Winsorised {
				col := treated.Col(ie.Code)
				for k, pt := range treat.Points[ie.Code] {
					if pt == "winhi" && v > col[k] || pt == "winlo" && v < col[k] {
						v = col[k]
					}
				}
			}
			np := res.Record("normalise").Normalise.Params[ie.Code]
			xd := v * float64(np.Direction)
			y := (xd - np.Min) / (np.Max - np.Min) * 100
			s, err := e.scoreWith(i, ie.Code, y)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s-x.Boundary) > 1e-7 {
				t.Errorf("%s/%s: needed raw %g gives %g, boundary %g", x.UCode, ie.Code, ie.NeededRaw, s, x.Boundary)
			}
		}
	}
	t.Logf("statuses %v", counts)
	if counts[ChangeFound] == 0 || counts[ChangeInsufficient] == 0 {
		t.Errorf("statuses %v", counts)
	}
}

func TestExplainNonAdditive(t *testing.T) {
	fw, d := loadASEM(t)
	p := DefaultPipeline()
	p.Steps[4] = Normalise{Default: NormSpec{Method: NormMinMax, Min: 1, Max: 100}}
	p.Steps[5] = Aggregate{AggSpec: AggSpec{Method: AggGMean}}
	p.Steps = append(p.Steps, Classify{Method: ClassifyThresholds, Classes: []ClassRule{{Name: "A", Min: 60}, {Name: "B", Min: 40}, {Name: "C", Min: math.Inf(-1)}}})
	res, err := p.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExplainer(p, d, res)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i := range res.Scores.UCodes {
		x := e.UnitAt(i)
		for _, ie := range x.Indicators {
			if !math.IsNaN(ie.EffectiveWeight) || !math.IsNaN(ie.Contribution) {
				t.Fatalf("gmean: contribution of %s/%s is %g", x.UCode, ie.Code, ie.Contribution)
			}
			if ie.Status == ChangeFound {
				found++
				s, err := e.scoreWith(i, ie.Code, ie.NeededNormalised)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(s-x.Boundary) > 1e-9 || !(ie.NeededNormalised > ie.Normalised) {
					t.Errorf("%s/%s: y* %g (now %g) scores %g, boundary %g", x.UCode, ie.Code, ie.NeededNormalised, ie.Normalised, s, x.Boundary)
				}
			}
		}
	}
	if found == 0 {
		t.Error("no solution found through gmean")
	}
}

func TestExplainerErrors(t *testing.T) {
	p, d, res := threeIndicators(t, Classify{Classes: []ClassRule{{Name: "A", UpTo: 0.5}, {Name: "C", UpTo: 1}}})
	if _, err := NewExplainer(Pipeline{Steps: p.Steps[:2]}, d, res); err == nil {
		t.Error("wrong pipeline accepted")
	}
	if _, err := NewExplainer(Pipeline{Steps: []Step{Aggregate{}, Normalise{}, p.Steps[2]}}, d, res); err == nil {
		t.Error("mismatched steps accepted")
	}
}

// TestExplainPerMuImputedAndVetoed: in the per-mu scheme a missing item
// gets the average ratio (imputed after normalising); its raw value is
// missing, so the change is undefined but the needed value is not.
func TestExplainPerMuImputedAndVetoed(t *testing.T) {
	fw, d, flags := synthPerMu(t, 3000, 5)
	p := perMuScheme(flags)
	res, err := p.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExplainer(p, d, res)
	if err != nil {
		t.Fatal(err)
	}
	imputed, vetoed, unrated, capped := 0, 0, 0, 0
	for i := range res.Scores.UCodes {
		x := e.UnitAt(i)
		sum := 0.0
		for _, ie := range x.Indicators {
			sum += ie.Contribution
			if ie.Imputed {
				imputed++
				if !math.IsNaN(ie.Raw) || !math.IsNaN(ie.Value) || math.IsNaN(ie.Normalised) {
					t.Errorf("%s/%s imputed: raw %g value %g normalised %g", x.UCode, ie.Code, ie.Raw, ie.Value, ie.Normalised)
				}
				if ie.Status == ChangeFound && (!math.IsNaN(ie.Change) || math.IsNaN(ie.NeededRaw)) {
					t.Errorf("%s/%s imputed: needed %g change %g", x.UCode, ie.Code, ie.NeededRaw, ie.Change)
				}
			}
			if ie.Status == ChangeCapped {
				capped++
				if ie.Normalised != 2 {
					t.Errorf("%s/%s capped at %g", x.UCode, ie.Code, ie.Normalised)
				}
			}
			if ie.Status == ChangeFound && !math.IsNaN(ie.Change) {
				// ratio to the mean: needed raw = needed ratio × benchmark.
				b := res.Record("normalise").Normalise.Params[ie.Code].Benchmark
				if math.Abs(ie.NeededRaw-ie.NeededNormalised*b) > 1e-9*ie.NeededRaw || !(ie.Change > 0) {
					t.Errorf("%s/%s: needed %g, ratio %g × benchmark %g, change %g", x.UCode, ie.Code, ie.NeededRaw, ie.NeededNormalised, b, ie.Change)
				}
			}
		}
		if math.Abs(sum-x.Score) > 1e-9 {
			t.Errorf("%s: contributions %g, score %g", x.UCode, sum, x.Score)
		}
		switch f := flags[x.UCode]; {
		case f.Unrated:
			unrated++
			if x.Class != "" || x.Reason != f.Reason || x.NextClass != "" {
				t.Errorf("unrated %s: %+v", x.UCode, x)
			}
		case f.Cap != "" && x.Class == "C":
			vetoed++
			if x.NextClass != "" || !strings.Contains(x.Note, f.Reason) {
				t.Errorf("vetoed %s: next %q note %q", x.UCode, x.NextClass, x.Note)
			}
		}
	}
	if imputed == 0 || vetoed == 0 || unrated == 0 || capped == 0 {
		t.Errorf("imputed %d vetoed %d unrated %d capped %d: the data should have each", imputed, vetoed, unrated, capped)
	}
}
