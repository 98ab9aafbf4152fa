package cluster

import (
	"math"
	"reflect"
	"testing"
)

const eps = 1e-9

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= eps*math.Max(1, math.Abs(b))
}

func nan() float64 { return math.NaN() }

// vals builds reported figures with output and revenue; the rest missing.
func vals(out, rev float64) Values {
	return Values{Reported: true, Output: out, Revenue: rev, ValueAdded: nan(), Electricity: nan(), Employees: nan()}
}

// TestComparableGrowthHandCase: A grows 100 → 110, B enters with 50, C
// exits (40 a year ago), D reports in both years but its current output is
// missing (10 a year ago). Comparable: only A counts for output, 110/100 − 1
// = 10 %; raw: (110 + 50) / (100 + 40 + 10) − 1 = 160/150 − 1 = 6.667 %.
func TestComparableGrowthHandCase(t *testing.T) {
	firms := []Firm{
		{Cur: vals(110, 120), Prev: vals(100, 100)},
		{Cur: vals(50, 55)},
		{Prev: vals(40, 45)},
		{Cur: vals(nan(), 30), Prev: vals(10, 20)},
	}
	s := SumFirms(firms, false)
	if s.Enterprises != 3 || s.PrevEnterprises != 3 || s.Comparable != 2 || s.Entrants() != 1 || s.Exits() != 1 {
		t.Fatalf("counts: %+v entrants %d exits %d", s, s.Entrants(), s.Exits())
	}
	if s.Output != 160 || s.PrevOutput != 150 || s.CompOutput != 110 || s.CompPrevOutput != 100 {
		t.Fatalf("output sums: %+v", s)
	}
	// Revenue: comparable A and D: (120 + 30) / (100 + 20) − 1 = 25 %;
	// raw (120 + 55 + 30) / (100 + 45 + 20) = 205/165.
	m := Measure(s, Sums{Output: 800, Revenue: 1000, CompPrevOutput: 400, CompPrevRevenue: 600}, Sums{Output: 320})
	checks := []struct {
		name      string
		got, want float64
	}{
		{"growth comparable", m.GrowthOutput, 0.10},
		{"growth raw", m.GrowthOutputRaw, 160.0/150 - 1},
		{"revenue comparable", m.GrowthRevenue, 0.25},
		{"revenue raw", m.GrowthRevenueRaw, 205.0/165 - 1},
		{"value added (none in the period)", m.GrowthValueAdded, nan()},
		// (110 − 100) / 400 × 100
		{"contribution pp", m.ContributionPP, 2.5},
		// (150 − 120) / 600 × 100
		{"revenue contribution pp", m.ContributionRevenuePP, 5},
		{"share of city", m.ShareOfCity, 160.0 / 800},
		{"share of geography", m.ShareOfGeo, 0.5},
		// (110² + 50²) / 160² = 14600 / 25600
		{"hhi", m.HHI, 0.5703125},
		{"top-10 share", m.Top10Share, 1},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestGrowthEdgeCases(t *testing.T) {
	for _, c := range []struct{ cur, prev, want float64 }{
		{120, 100, 0.2}, {80, 100, -0.2}, {5, 0, nan()}, {5, -1, nan()}, {nan(), 100, nan()}, {0, 100, -1},
	} {
		if got := Growth(c.cur, c.prev); !near(got, c.want) {
			t.Errorf("Growth(%v, %v) = %v, want %v", c.cur, c.prev, got, c.want)
		}
	}
	if !math.IsNaN(Contribution(1, 0, 0)) || !math.IsNaN(Share(1, 0)) || !math.IsNaN(HHI(0, 0)) {
		t.Error("zero denominators must give NaN")
	}
	// Four equal firms: HHI 1/4; one firm: 1.
	if got := HHIOf([]float64{5, 5, 5, 5}); !near(got, 0.25) {
		t.Errorf("HHI of four equals = %v", got)
	}
	if got := HHIOf([]float64{7, 0, -3}); !near(got, 1) {
		t.Errorf("HHI of one positive = %v", got)
	}
	// Twelve firms 12, 11, …, 1: the top ten are 12..3 = 75 of 78.
	var all []float64
	for v := 12.0; v >= 1; v-- {
		all = MergeTop(all, []float64{v}, TopN)
	}
	if len(all) != 10 || all[0] != 12 || all[9] != 3 {
		t.Fatalf("top list %v", all)
	}
	if got := TopShare(all, 10, 78); !near(got, 75.0/78) {
		t.Errorf("top-10 share %v", got)
	}
}

// TestRollupReconciles: units U1 and U2 lie in region r1, U3 in r2; X has
// no region. Regions and the city are the sums of their units, top lists
// merge, and X counts in the city only and is reported.
func TestRollupReconciles(t *testing.T) {
	cells := []Cell{
		{"a", "U1", Sums{Output: 100, Enterprises: 2, OutputSq: 60*60 + 40*40, Top: []float64{60, 40}, CompOutput: 90, CompPrevOutput: 80}},
		{"a", "U2", Sums{Output: 50, Enterprises: 1, OutputSq: 2500, Top: []float64{50}, CompOutput: 50, CompPrevOutput: 40}},
		{"a", "U3", Sums{Output: 30, Enterprises: 1, OutputSq: 900, Top: []float64{30}}},
		{"a", "X", Sums{Output: 20, Enterprises: 1, OutputSq: 400, Top: []float64{20}}},
		{"b", "U3", Sums{Output: 7, Enterprises: 1, OutputSq: 49, Top: []float64{7}}},
	}
	regionOf := map[string]string{"U1": "r1", "U2": "r1", "U3": "r2"}
	got, orphans := Rollup(cells, regionOf)
	if !reflect.DeepEqual(orphans, []string{"X"}) {
		t.Errorf("orphans %v", orphans)
	}
	r1 := got[GeoKey{"a", GeoRegion, "r1"}]
	if r1 == nil || r1.Output != 150 || r1.Enterprises != 3 || !reflect.DeepEqual(r1.Top, []float64{60, 50, 40}) {
		t.Fatalf("region r1: %+v", r1)
	}
	// (60² + 40² + 50²) / 150² = 7700 / 22500
	if h := HHI(r1.OutputSq, r1.Output); !near(h, 7700.0/22500) {
		t.Errorf("HHI r1 %v", h)
	}
	city := got[GeoKey{"a", GeoCity, CityCode}]
	if city.Output != 200 || city.Enterprises != 5 || city.CompOutput != 140 || city.CompPrevOutput != 120 {
		t.Errorf("city a: %+v", city)
	}
	if _, ok := got[GeoKey{"a", GeoUnit, "X"}]; ok {
		t.Error("an orphan unit must not get a unit row")
	}
	// Units sum to the city except for the orphan, which is the point of reporting it.
	var units float64
	for k, s := range got {
		if k.Cluster == "a" && k.Kind == GeoUnit {
			units += s.Output
		}
	}
	if units+20 != city.Output {
		t.Errorf("units %v + orphan 20 != city %v", units, city.Output)
	}
	if b := got[GeoKey{"b", GeoCity, CityCode}]; b.Output != 7 || got[GeoKey{"b", GeoRegion, "r2"}].Output != 7 {
		t.Errorf("cluster b: %+v", b)
	}
	// Rolling up must not alias the cells' top lists.
	if !reflect.DeepEqual(cells[0].Sums.Top, []float64{60, 40}) {
		t.Errorf("input top list changed: %v", cells[0].Sums.Top)
	}
}

var thresholds = []Threshold{{"on_track", 1}, {"at_risk", 0.9}, {"off_track", 0}}

func TestStatusAtThresholds(t *testing.T) {
	for _, c := range []struct {
		ratio float64
		want  string
	}{
		{1.5, "on_track"}, {1, "on_track"}, {0.9999, "at_risk"}, {0.9, "at_risk"}, {0.8999, "off_track"},
		{0, "off_track"}, {-2, "off_track"}, {nan(), NoData},
	} {
		if got := Status(c.ratio, thresholds); got != c.want {
			t.Errorf("Status(%v) = %s, want %s", c.ratio, got, c.want)
		}
	}
	if Status(1, nil) != NoData {
		t.Error("no thresholds must give no_data")
	}
}

// TestTrack: 100 in 2022, 121 in 2024 is 10 % a year; carried to 2027 it
// is 121 × 1.1³ = 161.051.
func TestTrack(t *testing.T) {
	g := Goal{BaseYear: 2022, BaseValue: 100, Year: 2024, Value: 121, TargetYear: 2027}
	for _, c := range []struct {
		target float64
		status string
	}{
		{200, "off_track"}, // ratio 0.8053
		{170, "at_risk"},   // 0.9474
		{161, "on_track"},  // 1.0003
	} {
		g.Target = c.target
		tr := Track(g, thresholds)
		if !near(tr.ActualCAGR, 0.1) || !near(tr.Projected, 161.051) || !near(tr.Ratio, 161.051/c.target) {
			t.Errorf("target %v: %+v", c.target, tr)
		}
		if want := math.Cbrt(c.target/121) - 1; !near(tr.RequiredCAGR, want) {
			t.Errorf("target %v: required %v, want %v", c.target, tr.RequiredCAGR, want)
		}
		if tr.Status != c.status {
			t.Errorf("target %v: status %s, want %s", c.target, tr.Status, c.status)
		}
	}
	// A ceiling: intensity 1.0 in 2022, 0.9 in 2024 (−5.13 % a year);
	// 2027 projection 0.9 × 0.9^1.5 = 0.9^2.5; target 0.87 is above it.
	tr := Track(Goal{BaseYear: 2022, BaseValue: 1, Year: 2024, Value: 0.9, TargetYear: 2027, Target: 0.87, AtMost: true}, thresholds)
	if !near(tr.Projected, math.Pow(0.9, 2.5)) || !near(tr.Ratio, 0.87/math.Pow(0.9, 2.5)) || tr.Status != "on_track" {
		t.Errorf("ceiling: %+v", tr)
	}
	// Rising intensity misses a ceiling: 1.0 → 1.1 projects 1.1 × 1.1^1.5.
	tr = Track(Goal{BaseYear: 2022, BaseValue: 1, Year: 2024, Value: 1.1, TargetYear: 2027, Target: 0.87, AtMost: true}, thresholds)
	if tr.Status != "off_track" || !near(tr.Ratio, 0.87/math.Pow(1.1, 2.5)) {
		t.Errorf("rising ceiling: %+v", tr)
	}
	// Only the base year: no trend, but the required rate.
	tr = Track(Goal{BaseYear: 2022, BaseValue: 100, Year: 2022, Value: 100, TargetYear: 2027, Target: 200}, thresholds)
	if tr.Status != NoData || !math.IsNaN(tr.Projected) || !near(tr.RequiredCAGR, math.Pow(2, 0.2)-1) {
		t.Errorf("base year only: %+v", tr)
	}
	// Target year reached: the value itself is judged.
	tr = Track(Goal{BaseYear: 2022, BaseValue: 100, Year: 2027, Value: 95, TargetYear: 2027, Target: 100}, thresholds)
	if tr.Projected != 95 || tr.Status != "at_risk" || !math.IsNaN(tr.RequiredCAGR) {
		t.Errorf("target year: %+v", tr)
	}
	// No base value.
	tr = Track(Goal{BaseYear: 2022, BaseValue: 0, Year: 2024, Value: 50, TargetYear: 2027, Target: 100}, thresholds)
	if tr.Status != NoData {
		t.Errorf("zero base: %+v", tr)
	}
}

func TestQuantile7(t *testing.T) {
	xs := []float64{4, 1, 3, 2}
	// R: quantile(c(1,2,3,4), c(0, .25, .5, .75, .9, 1)) = 1, 1.75, 2.5, 3.25, 3.7, 4
	for p, want := range map[float64]float64{0: 1, 0.25: 1.75, 0.5: 2.5, 0.75: 3.25, 0.9: 3.7, 1: 4} {
		if got := Quantile7(xs, p); !near(got, want) {
			t.Errorf("Quantile7(%v) = %v, want %v", p, got, want)
		}
	}
	if xs[0] != 4 {
		t.Error("Quantile7 sorted its input")
	}
	if !math.IsNaN(Quantile7(nil, 0.5)) || Quantile7([]float64{7}, 0.3) != 7 {
		t.Error("edge cases")
	}
}

func TestLQ(t *testing.T) {
	// 30 of a region's 100 jobs against 1,000 of 10,000 in the city: 0.3 / 0.1 = 3.
	if got := LQ(30, 100, 1000, 10000); !near(got, 3) {
		t.Errorf("LQ = %v", got)
	}
	if !math.IsNaN(LQ(1, 0, 1, 1)) || !math.IsNaN(LQ(1, 1, 0, 1)) {
		t.Error("LQ with a zero denominator must be NaN")
	}
}

// TestStrong: LQs of the regions with employment are 3.0, 1.2, 2.5, 0.8;
// sorted 0.8, 1.2, 2.5, 3.0, the 75th percentile (h = 2.25) is 2.5 + 0.25 ×
// 0.5 = 2.625. Employment 100, 50, 10, 40: 25th percentile (h = 0.75) 10 +
// 0.75 × 30 = 32.5; establishments 10, 5, 1, 4: 1 + 0.75 × 3 = 3.25. Only
// R1 passes all; R3's LQ 2.5 misses the 75th percentile and its 10 jobs the
// size rule; R5 has no employment.
func TestStrong(t *testing.T) {
	rows := []RegionCluster{
		{Region: "R1", Employment: 100, Establishments: 10, LQ: 3.0},
		{Region: "R2", Employment: 50, Establishments: 5, LQ: 1.2},
		{Region: "R3", Employment: 10, Establishments: 1, LQ: 2.5},
		{Region: "R4", Employment: 40, Establishments: 4, LQ: 0.8},
		{Region: "R5", Employment: 0, Establishments: 0, LQ: 0},
	}
	if got := Strong(rows, StrongRule{}); !reflect.DeepEqual(got, []bool{true, false, false, false, false}) {
		t.Errorf("default rule: %v", got)
	}
	// Median LQ (h = 1.5: 1.2 + 0.5 × 1.3 = 1.85) and no size floor: R1 and R3.
	if got := Strong(rows, StrongRule{LQPercentile: 0.5, MinLQ: 1, SizePercentile: 0}); !reflect.DeepEqual(got, []bool{true, false, true, false, false}) {
		t.Errorf("median rule: %v", got)
	}
	// All LQs below 1: the top region passes the percentile but not LQ ≥ 1.
	low := append([]RegionCluster(nil), rows...)
	for i := range low {
		low[i].LQ *= 0.3
	}
	if got := Strong(low, StrongRule{}); !reflect.DeepEqual(got, make([]bool, 5)) {
		t.Errorf("low LQs: %v", got)
	}
}

// TestStars: employment 100, 20, 30, 40, 10 (F has none): 90th percentile h
// = 3.6 → 40 + 0.6 × 60 = 76, only A. Focus 0.05, 0.30, 0.10, 0.02, 0.20:
// 0.20 + 0.6 × 0.10 = 0.26, only B. LQ ≥ 2: B (exactly 2) and E.
func TestStars(t *testing.T) {
	rows := []RegionCluster{
		{Region: "A", Employment: 100, Focus: 0.05, LQ: 1.5},
		{Region: "B", Employment: 20, Focus: 0.30, LQ: 2.0},
		{Region: "C", Employment: 30, Focus: 0.10, LQ: 1.99},
		{Region: "D", Employment: 40, Focus: 0.02, LQ: 0.5},
		{Region: "E", Employment: 10, Focus: 0.20, LQ: 3},
		{Region: "F", Employment: 0, Focus: 0, LQ: 9},
	}
	got := RateStars(rows, StarRule{})
	want := []Stars{{Size: true}, {Specialisation: true, Focus: true}, {}, {}, {Specialisation: true}, {}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stars %+v, want %+v", got, want)
	}
	counts := []int{1, 2, 0, 0, 1, 0}
	for i, s := range got {
		if s.Count() != counts[i] {
			t.Errorf("%s: %d stars", rows[i].Region, s.Count())
		}
	}
	// A looser rule: top 50 % (median 30 of employment, 0.10 of focus), LQ ≥ 1.5.
	got = RateStars(rows, StarRule{TopShare: 0.5, MinLQ: 1.5})
	want = []Stars{{Size: true, Specialisation: true}, {Specialisation: true, Focus: true}, {Size: true, Specialisation: true, Focus: true}, {Size: true}, {Specialisation: true, Focus: true}, {}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("loose stars %+v, want %+v", got, want)
	}
}

// month index of 2023-01.
const jan23 = 2023 * 12

func series(start int, vs ...float64) Series { return Series{Start: start, Values: vs} }

// TestDecline: 100 every month of 2023; 2024 Jan 90 (−10 %), Feb 79 (−21 %),
// Mar 80 (−20 %, not more than 20 %), Apr 70 (−30 %), May 75 (−25 %), Jun
// 50 (−50 %).
func TestDecline(t *testing.T) {
	base := []float64{100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}
	s := series(jan23, append(base, 90, 79, 80, 70, 75, 50)...)
	jun24 := jan23 + 17
	ev, ok := Decline(s, jun24, DefaultDeclineRule)
	if !ok || len(ev) != 3 {
		t.Fatalf("June 2024: %v %v", ok, ev)
	}
	want := []float64{-0.30, -0.25, -0.50}
	for i, p := range ev {
		if p.Month != jun24-2+i || !near(p.Change, want[i]) || p.Prev != 100 {
			t.Errorf("evidence %d: %+v", i, p)
		}
	}
	if _, ok := Decline(s, jun24-1, DefaultDeclineRule); ok {
		t.Error("May 2024: March fell exactly 20 %, which is not more than 20 %")
	}
	if _, ok := Decline(s, jun24, DeclineRule{Drop: 0.2, Months: 4}); ok {
		t.Error("four months include March")
	}
	if _, ok := Decline(s, jun24, DeclineRule{Drop: 0.45, Months: 1}); !ok {
		t.Error("June alone fell 50 %")
	}
	gap := series(jan23, append(append([]float64{}, base...), 90, 79, 80, 70, nan(), 50)...)
	if _, ok := Decline(gap, jun24, DefaultDeclineRule); ok {
		t.Error("a missing month breaks the run")
	}
	zero := series(jan23, append([]float64{100, 100, 100, 0, 0, 0, 100, 100, 100, 100, 100, 100}, 0, 0, 0, 0, 0, 0)...)
	if _, ok := Decline(zero, jun24, DefaultDeclineRule); ok {
		t.Error("a zero a year earlier gives no growth rate")
	}
}

func TestElectricityCollapse(t *testing.T) {
	flat := []float64{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}
	apr24 := jan23 + 15
	c, ok := ElectricityCollapse(series(jan23, append(flat, 1000, 1000, 1000, 400)...), apr24, DefaultCollapseRule)
	if !ok || c.Baseline != 1000 || !near(c.Change, -0.6) || !near(c.ChangeYoY, -0.6) {
		t.Errorf("collapse: %v %+v", ok, c)
	}
	if _, ok := ElectricityCollapse(series(jan23, append(flat, 1000, 1000, 1000, 500)...), apr24, DefaultCollapseRule); ok {
		t.Error("a fall of exactly half is not more than half")
	}
	seasonal := append([]float64{}, flat...)
	seasonal[3] = 600 // a year earlier the plant also stopped in April
	if _, ok := ElectricityCollapse(series(jan23, append(seasonal, 1000, 1000, 1000, 400)...), apr24, DefaultCollapseRule); ok {
		t.Error("April 400 against 600 a year earlier (−33 %) is a seasonal stop, not a collapse")
	}
	c, ok = ElectricityCollapse(series(jan23+12, 1000, 900, 1100, 300), apr24, DefaultCollapseRule)
	if !ok || !math.IsNaN(c.ChangeYoY) || !near(c.Change, -0.7) {
		t.Errorf("without a year earlier: %v %+v", ok, c)
	}
	if _, ok := ElectricityCollapse(series(jan23+12, 1000, nan(), 1100, 300), apr24, DefaultCollapseRule); ok {
		t.Error("a gap in the window gives no baseline")
	}
}

func TestStoppedReporting(t *testing.T) {
	s := series(jan23, 5, 5, nan(), nan()) // reported Jan and Feb 2023
	if last, ok := StoppedReporting(s, jan23+3, 3); !ok || last != jan23+1 {
		t.Errorf("stopped: %v %v", last, ok)
	}
	if _, ok := StoppedReporting(s, jan23+3, 1); ok {
		t.Error("March was not reported either, so with a look-back of 1 there is nothing to stop")
	}
	if _, ok := StoppedReporting(s, jan23+1, 3); ok {
		t.Error("February is reported")
	}
	if _, ok := StoppedReporting(series(jan23), jan23+3, 3); ok {
		t.Error("never reported")
	}
}
