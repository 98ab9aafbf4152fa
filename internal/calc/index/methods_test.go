package index

import (
	"math"
	"strings"
	"testing"
)

var nan = math.NaN()

func eqVec(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
	for i := range want {
		if dev(got[i], want[i]) > 1e-12 {
			t.Errorf("%s[%d] = %.15g, want %.15g", what, i, got[i], want[i])
		}
	}
}

// onePipeline runs steps on a one-indicator framework (x) with a group column.
func onePipeline(t *testing.T, x []float64, groups []string, steps ...Step) *Result {
	t.Helper()
	fw, err := NewFramework([]Node{
		{Code: "x", Parent: "I", Weight: 1, Direction: 1, Indicator: true, Target: nan},
		{Code: "I", Weight: nan, Target: nan},
	}, []string{"g"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &Dataset{Groups: map[string][]string{"g": groups}, Indicators: map[string][]float64{"x": x}}
	for i := range x {
		d.UCodes = append(d.UCodes, string(rune('a'+i)))
	}
	res, err := Pipeline{Steps: steps}.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestImputeMethods(t *testing.T) {
	x := []float64{1, nan, 3, 10, nan, 20, nan}
	g := []string{"p", "p", "p", "q", "q", "", "r"}
	cases := []struct {
		method string
		want   []float64
	}{
		// mean of 1, 3, 10, 20 = 8.5; median = (3 + 10)/2.
		{ImputeMean, []float64{1, 8.5, 3, 10, 8.5, 20, 8.5}},
		{ImputeMedian, []float64{1, 6.5, 3, 10, 6.5, 20, 6.5}},
		// group p: mean 2; group q: 10; "" skipped; group r has no data.
		{ImputeGroupMean, []float64{1, 2, 3, 10, 10, 20, nan}},
		{ImputeGroupMedian, []float64{1, 2, 3, 10, 10, 20, nan}},
	}
	for _, c := range cases {
		res := onePipeline(t, x, g, Impute{Method: c.method, Group: "g"})
		eqVec(t, c.method, res.Stage("Imputed").Col("x"), c.want)
		det := res.Record("impute").Impute
		if c.method == ImputeGroupMean && (det.Imputed["x"] != 2 || det.Remaining != 1) {
			t.Errorf("details %+v", det)
		}
	}
	// Raw is kept unchanged.
	res := onePipeline(t, x, g, Impute{Method: ImputeMean})
	eqVec(t, "raw", res.Stage("Raw").Col("x"), x)
}

func TestScreenRules(t *testing.T) {
	fw := smallFramework(t)
	d := &Dataset{
		UCodes:       []string{"full", "half", "zeros", "none"},
		Denominators: map[string][]float64{"Pop": {1, 1, 1, 1}},
		Indicators: map[string][]float64{
			"a": {1, 1, 0, nan},
			"b": {2, nan, 0, nan},
		},
	}
	run := func(s Screen) *ScreenDetails {
		t.Helper()
		res, err := Pipeline{Steps: []Step{s}}.Run(fw, d)
		if err != nil {
			t.Fatal(err)
		}
		return res.Record("screen").Screen
	}
	det := run(Screen{MinAvailability: 0.75})
	if strings.Join(det.Removed, ",") != "half,none" {
		t.Errorf("byNA removed %v", det.Removed)
	}
	if r := det.Summary[1]; r.DatAvail != 0.5 || r.NonZero != 1 || r.NMissing != 1 {
		t.Errorf("half: %+v", r)
	}
	if r := det.Summary[3]; !math.IsNaN(r.NonZero) || r.LowNonZero {
		t.Errorf("no data: %+v", r)
	}
	det = run(Screen{By: ScreenByZeros})
	if strings.Join(det.Removed, ",") != "zeros,none" {
		t.Errorf("byzeros removed %v", det.Removed)
	}
	det = run(Screen{MinAvailability: 0.75, By: ScreenByNAOrZeros, Force: map[string]bool{"half": true, "full": false}})
	if strings.Join(det.Removed, ",") != "full,zeros,none" {
		t.Errorf("forced removed %v", det.Removed)
	}
}

func TestTreatVariants(t *testing.T) {
	// Negative skew: the minimum is winsorised up to the next value.
	x := []float64{-100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	out := TreatVector(x, Treat{})
	if out.X[0] != 1 || out.Points[0] != "winlo" || out.Row.NWin != 1 || !out.Row.Pass1 {
		t.Errorf("winlo: %v %v %+v", out.X[:2], out.Points[:2], out.Row)
	}
	// Two tied maxima are winsorised together and count as two points.
	y := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 200, 200}
	out = TreatVector(y, Treat{WinMax: 1})
	if out.Row.NWin != 2 || out.Row.Transformed != "" || out.X[20] != 20 || out.X[21] != 20 {
		t.Errorf("tied maxima: %+v %v", out.Row, out.X[19:])
	}
	// Fallbacks on a right-skewed vector that winsorising once cannot fix.
	z := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 100, 200}
	mn, mx := 1.0, 200.0
	for _, c := range []struct {
		f    string
		want func(v float64) float64
	}{
		{FallbackLogCT, func(v float64) float64 { return math.Log(v - mn + 0.01*(mx-mn)) }},
		{FallbackLogCTOrig, func(v float64) float64 { return math.Log(v - mn + 1) }},
		{FallbackBoxCox, func(v float64) float64 { return (math.Pow(v-mn+1, 0.5) - 1) / 0.5 }},
	} {
		out := TreatVector(z, Treat{WinMax: 1, Fallback: c.f, Lambda: 0.5})
		for i, v := range z {
			if dev(out.X[i], c.want(v)) > 1e-12 {
				t.Fatalf("%s[%d] = %g, want %g", c.f, i, out.X[i], c.want(v))
			}
		}
		if out.Row.Transformed != c.f {
			t.Errorf("%s: row %+v", c.f, out.Row)
		}
	}
	// log_CT_plus on a left-skewed vector: −ln(max + a − x).
	w := make([]float64, len(z))
	for i, v := range z {
		w[i] = -v
	}
	out = TreatVector(w, Treat{WinMax: 1, Fallback: FallbackLogCTPlus})
	a := 0.01 * (mx - mn)
	for i, v := range w {
		if dev(out.X[i], -math.Log(-1+a-v)) > 1e-12 {
			t.Fatalf("log_CT_neg[%d] = %g", i, out.X[i])
		}
	}
	if out.Points[0] != "+log_CT_neg" {
		t.Errorf("points %q", out.Points[0])
	}
	// CombineTreat applies the log to the winsorised vector.
	out = TreatVector(z, Treat{WinMax: 1, CombineTreat: true})
	if dev(out.X[21], math.Log(100-mn+0.01*(100-mn))) > 1e-12 {
		t.Errorf("combined: %g", out.X[21])
	}
	// No limit: winsorise until it passes.
	out = TreatVector(z, Treat{WinMax: -1})
	if out.Row.Transformed != "" || !out.Row.Pass1 {
		t.Errorf("unlimited: %+v", out.Row)
	}
	// Too few points or zero variance: untreated, with the reason.
	for _, v := range [][]float64{{1, 300}, {5, 5, 5, 5, 5}, {nan, nan, 1}} {
		out = TreatVector(v, Treat{})
		if out.Row.Untreated == "" || out.Points != nil {
			t.Errorf("%v: %+v", v, out.Row)
		}
		eqVec(t, "untreated", out.X, v)
	}
	// Missing values are ignored and stay missing.
	m := append([]float64{nan}, z...)
	out = TreatVector(m, Treat{})
	if !math.IsNaN(out.X[0]) || out.Row.NWin != 2 {
		t.Errorf("with NaN: %v %+v", out.X[:3], out.Row)
	}
}

func TestNormaliseDefinitions(t *testing.T) {
	x := []float64{2, 4, nan, 10}
	cases := []struct {
		name string
		dir  int
		spec NormSpec
		want []float64
	}{
		{"minmax default", 1, NormSpec{}, []float64{0, 25, nan, 100}},
		{"minmax dir -1", -1, NormSpec{Method: NormMinMax, Min: 1, Max: 10}, []float64{10, 7.75, nan, 1}},
		// mean 16/3, sd 4.163331998932266
		{"zscore", 1, NormSpec{Method: NormZScore}, []float64{(2 - 16.0/3) / 4.163331998932266, (4 - 16.0/3) / 4.163331998932266, nan, (10 - 16.0/3) / 4.163331998932266}},
		{"rank dir -1", -1, NormSpec{Method: NormRank}, []float64{3, 2, nan, 1}},
		{"prank", 1, NormSpec{Method: NormPRank}, []float64{0, 0.5, nan, 1}},
		{"borda", 1, NormSpec{Method: NormBorda}, []float64{0, 1, nan, 2}},
		{"dist2max dir -1", -1, NormSpec{Method: NormDist2Max}, []float64{1, 0.75, nan, 0}},
		// COINr multiplies by the direction first: x' = −x, max(x') = −2.
		{"fracmax dir -1", -1, NormSpec{Method: NormFracMax}, []float64{1, 2, nan, 5}},
		{"goalposts dir -1", -1, NormSpec{Method: NormGoalposts, Lo: 2, Hi: 8}, []float64{1, 2.0 / 3, nan, 0}},
		{"scaled dir -1", -1, NormSpec{Method: NormScaled, Lo: 0, Hi: 10}, []float64{80, 60, nan, 0}},
		{"dist2targ cap", 1, NormSpec{Method: NormDist2Targ, Target: ptr(6), CapMax: true}, []float64{0, 0.5, nan, 1}},
		{"ratio dir -1", -1, NormSpec{Method: NormRatio, Benchmark: BenchmarkValue, Value: 4}, []float64{2, 1, nan, 0.4}},
		{"ratio median k", 1, NormSpec{Method: NormRatio, Benchmark: BenchmarkMedian, K: 2}, []float64{0.25, 0.5, nan, 1.25}},
		{"none dir -1", -1, NormSpec{Method: NormNone}, []float64{-2, -4, nan, -10}},
	}
	for _, c := range cases {
		got, _, err := NormaliseVector(x, c.dir, c.spec, nan, -1)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		eqVec(t, c.name, got, c.want)
	}
	// fracmax on a negative indicator whose minimum is 0 divides by
	// max(−x) = −0: +Inf (and NaN for the zero itself), as in R, where
	// 0 × −1 is −0 too.
	got, _, _ := NormaliseVector([]float64{0, 2, 5}, -1, NormSpec{Method: NormFracMax}, nan, -1)
	if !math.IsNaN(got[0]) || !math.IsInf(got[1], 1) || !math.IsInf(got[2], 1) {
		t.Errorf("fracmax with zero max: %v", got)
	}
	// Three points always pass (|skew| of 3 points is at most √3 < 2).
	if out := TreatVector([]float64{1, 2, 3000}, Treat{}); out.Row.Untreated != "" || !out.Row.Pass0 {
		t.Errorf("three points: %+v", out.Row)
	}
	// ratio with a zero value and direction −1 is +Inf, bounded by the cap.
	got, _, _ = NormaliseVector([]float64{0, 2}, -1, NormSpec{Method: NormRatio, Benchmark: BenchmarkValue, Value: 1, Cap: 3}, nan, -1)
	eqVec(t, "ratio cap", got, []float64{3, 0.5})
	if _, _, err := NormaliseVector([]float64{0, 0}, 1, NormSpec{Method: NormRatio}, nan, -1); err == nil {
		t.Error("zero benchmark accepted")
	}
	// dist2targ takes the framework's Target when the spec has none.
	got, _, _ = NormaliseVector([]float64{2, 4}, 1, NormSpec{Method: NormDist2Targ}, 6, -1)
	eqVec(t, "meta target", got, []float64{0, 0.5})
}

func ptr(v float64) *float64 { return &v }

func TestAggregateDefinitions(t *testing.T) {
	w := []float64{2, 1, 1}
	cases := []struct {
		spec AggSpec
		x    []float64
		want float64
	}{
		{AggSpec{Method: AggAMean}, []float64{1, 4, nan}, (2*1 + 4) / 3.0},
		{AggSpec{Method: AggWSum}, []float64{1, 4, nan}, 6},
		{AggSpec{Method: AggWSum}, []float64{nan, nan, nan}, nan},
		{AggSpec{Method: AggGMean}, []float64{1, 8, nan}, 2},
		{AggSpec{Method: AggHMean}, []float64{1, 2, 4}, 4 / (2 + 0.5 + 0.25)},
		{AggSpec{Method: AggHMean}, []float64{-1, 2, 4}, 4 / (-2 + 0.5 + 0.25)},
		{AggSpec{Method: AggAMean, MinAvailability: 2.0 / 3}, []float64{1, 4, nan}, 2},
		{AggSpec{Method: AggAMean, MinAvailability: 0.7}, []float64{1, 4, nan}, nan},
	}
	for _, c := range cases {
		got, err := AggregateRow(c.x, w, c.spec)
		if err != nil {
			t.Fatal(err)
		}
		if dev(got, c.want) > 1e-12 {
			t.Errorf("%+v on %v = %g, want %g", c.spec, c.x, got, c.want)
		}
	}
	if _, err := AggregateRow([]float64{1, 0, 2}, w, AggSpec{Method: AggHMean}); err == nil {
		t.Error("hmean of zero accepted")
	}
	if _, err := AggregateRow([]float64{1, -1, 2}, w, AggSpec{Method: AggGMean}); err == nil {
		t.Error("gmean of a negative value accepted")
	}
	// Copeland with weights 2:1 (normalised 2/3, 1/3): u1 beats u2 and u3 on
	// the heavy indicator, u2 beats u3; u4 has the first indicator missing,
	// so only the second counts against it (u4 is higher than all there).
	cols := [][]float64{{3, 2, 1, nan}, {1, 2, 3, 5}}
	got, err := AggregateRows(cols, []float64{2, 1}, AggSpec{Method: AggCopeland})
	if err != nil {
		t.Fatal(err)
	}
	// Pairs (i<j) score o = weight where i is higher + half where tied:
	// u1-u2 2/3 (+1/−1), u1-u3 2/3 (+1/−1), u1-u4 0 (−1/+1),
	// u2-u3 2/3 (+1/−1), u2-u4 0 (−1/+1), u3-u4 0 (−1/+1).
	eqVec(t, "copeland", got, []float64{1, -1, -3, 3})
}

func TestPipelineYAML(t *testing.T) {
	src := `
denominate: true
impute:    {method: group_mean, group: EurAsia_group}
screen:    {min_availability: 0.9}
treat:     {method: winsorise, winmax: 5, skew: 2, kurt: 3.5, fallback: log}
normalise: {method: minmax, min: 0, max: 100}
aggregate: {method: amean, by_level: {4: copeland}}
classify:  {method: bands, bands: {A: 0.20, B: 0.60, C: 0.95, D: 1.0}}
uncertainty:
  runs: 1000
`
	p, err := ParsePipelineYAML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range p.Steps {
		names = append(names, s.StepName())
	}
	if got := strings.Join(names, ","); got != "denominate,impute,screen,treat,normalise,aggregate,classify" {
		t.Fatalf("steps %s", got)
	}
	cl := p.Steps[6].(Classify)
	if len(cl.Classes) != 4 || cl.Classes[0].Name != "A" || cl.Classes[1].UpTo != 0.6 || cl.Classes[3].Name != "D" {
		t.Errorf("classes %+v", cl.Classes)
	}
	if ag := p.Steps[5].(Aggregate); ag.ByLevel[4].Method != AggCopeland {
		t.Errorf("by_level %+v", ag.ByLevel)
	}
	fw, d := loadASEM(t)
	res, err := p.Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	// Levels 2–3 are COINr's, the index is Copeland over Conn and Sust.
	want, _ := DefaultPipeline().Run(fw, d)
	for _, code := range []string{"Conn", "Sust"} {
		eqVec(t, code, res.Scores.Col(code), want.Scores.Col(code))
	}
	sum := 0.0
	for _, v := range res.Scores.Col("Index") {
		sum += v
		if v != math.Trunc(v) {
			t.Fatalf("copeland score %g is not an integer", v)
		}
	}
	if sum != 0 {
		t.Errorf("copeland scores sum to %g; with no missing data they sum to 0", sum)
	}
	if res.Classes == nil || res.Classes.Counts["A"] == 0 {
		t.Errorf("classes %+v", res.Classes)
	}

	// Absent normalise and aggregate steps take their defaults.
	p, err = ParsePipelineYAML([]byte("denominate: false\n"))
	if err != nil || len(p.Steps) != 2 || p.Steps[0].StepName() != "normalise" || p.Steps[1].StepName() != "aggregate" {
		t.Fatalf("defaults: %v %v", p.Steps, err)
	}
	for _, bad := range []struct{ src, want string }{
		{"normalize: {}\n", `unknown step "normalize"`},
		{"treat: {winmax: two}\n", `treat.winmax (line 1): "two" is not a number`},
		{"normalise: {method: ratio, benchmark: average}\n", `"average" (want mean, median or a number)`},
		{"aggregate: {method: median}\n", `aggregate method "median"`},
		{"classify: {method: bands}\n", "needs classify.bands"},
		{"impute: {method: group_mean}\n", "needs impute.group"},
		{"screen: {min_avail: 0.9}\n", `unknown key "min_avail"`},
	} {
		if _, err := ParsePipelineYAML([]byte(bad.src)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.src, err, bad.want)
		}
	}
	// Ratio benchmark as a number, caps and by-indicator specs.
	p, err = ParsePipelineYAML([]byte("normalise: {method: ratio, benchmark: 2.5, k: 2, cap: 3, by_indicator: {LPI: {method: zscore, mean: 10, sd: 2}}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := p.Steps[0].(Normalise)
	if n.Default.Benchmark != BenchmarkValue || n.Default.Value != 2.5 || n.Default.K != 2 || n.Default.Cap != 3 || n.ByCode["LPI"].SD != 2 {
		t.Errorf("normalise %+v", n)
	}
}
