package index

import (
	"fmt"
	"math"
	"strconv"
	"testing"
)

// TestASEMPipelineMatchesCOINr runs COINr's example pipeline on the ASEM data
// and compares every stage with COINr 1.1.14's output.
func TestASEMPipelineMatchesCOINr(t *testing.T) {
	fw, d := loadASEM(t)
	if got := fw.String(); got != "49 indicators, 11 aggregates, 4 levels" {
		t.Errorf("framework: %s", got)
	}
	res, err := DefaultPipeline().Run(fw, d)
	if err != nil {
		t.Fatal(err)
	}
	stages := []struct{ file, stage string }{
		{"pipeline_01_Raw.csv", "Raw"},
		{"pipeline_02_Denominated.csv", "Denominated"},
		{"pipeline_03_Imputed.csv", "Imputed"},
		{"pipeline_04_Screened.csv", "Screened"},
		{"pipeline_05_Treated.csv", "Treated"},
		{"pipeline_06_Normalised.csv", "Normalised"},
		{"pipeline_07_Aggregated.csv", "Aggregated"},
	}
	for _, s := range stages {
		fx := readFixture(t, s.file)
		tab := res.Stage(s.stage)
		if tab == nil {
			t.Fatalf("no stage %s", s.stage)
		}
		m := &maxDev{t: t, name: s.stage}
		if len(fx.rows) != tab.NumUnits() {
			t.Errorf("%s: %d units, COINr %d", s.stage, tab.NumUnits(), len(fx.rows))
		}
		if len(fx.header)-1 != len(tab.Codes) {
			t.Errorf("%s: %d columns, COINr %d", s.stage, len(tab.Codes), len(fx.header)-1)
		}
		for r := range fx.rows {
			u := fx.str(r, "uCode")
			for _, code := range fx.header[1:] {
				got, ok := tab.Value(u, code)
				if !ok {
					t.Fatalf("%s: no value for %s/%s", s.stage, u, code)
				}
				m.check(u+"/"+code, got, fx.num(t, r, code))
			}
		}
		m.report()
	}

	// Screening summary.
	fx := readFixture(t, "pipeline_screen_summary.csv")
	scr := res.Record("screen").Screen
	m := &maxDev{t: t, name: "screen summary"}
	byU := map[string]ScreenRow{}
	for _, r := range scr.Summary {
		byU[r.UCode] = r
	}
	for r := range fx.rows {
		u := fx.str(r, "uCode")
		row, ok := byU[u]
		if !ok {
			t.Fatalf("screen: no row for %s", u)
		}
		m.check(u+"/N_missing", float64(row.NMissing), fx.num(t, r, "N_missing"))
		m.check(u+"/N_zero", float64(row.NZero), fx.num(t, r, "N_zero"))
		m.check(u+"/N_miss_or_zero", float64(row.NMissingOrZero), fx.num(t, r, "N_miss_or_zero"))
		m.check(u+"/Dat_Avail", row.DatAvail, fx.num(t, r, "Dat_Avail"))
		m.check(u+"/Non_Zero", row.NonZero, fx.num(t, r, "Non_Zero"))
		for _, b := range []struct {
			col string
			got bool
		}{{"LowData", row.LowData}, {"LowNonZero", row.LowNonZero}, {"LowDatOrZeroFlag", row.LowDataOrZero}, {"Included", row.Included}} {
			if want := fx.str(r, b.col) == "TRUE"; want != b.got {
				t.Errorf("screen %s/%s = %v, COINr %v", u, b.col, b.got, want)
			}
		}
	}
	m.report()

	// Treatment details.
	fx = readFixture(t, "pipeline_treat_details.csv")
	tr := res.Record("treat").Treat
	byCode := map[string]TreatRow{}
	for _, r := range tr.Rows {
		byCode[r.Code] = r
	}
	m = &maxDev{t: t, name: "treat details"}
	for r := range fx.rows {
		code := fx.str(r, "iCode")
		row, ok := byCode[code]
		if !ok {
			t.Fatalf("treat: no row for %s", code)
		}
		if want := fx.str(r, "check_SkewKurt0.Pass") == "TRUE"; want != row.Pass0 {
			t.Errorf("treat %s: pass0 %v, COINr %v", code, row.Pass0, want)
		}
		m.check(code+"/skew0", row.Skew0, fx.num(t, r, "check_SkewKurt0.Skew"))
		m.check(code+"/kurt0", row.Kurt0, fx.num(t, r, "check_SkewKurt0.Kurt"))
		nwin := fx.num(t, r, "winsorise.nwin")
		if math.IsNaN(nwin) != !row.Winsorised {
			t.Errorf("treat %s: winsorised %v, COINr nwin %v", code, row.Winsorised, nwin)
			continue
		}
		if row.Winsorised {
			m.check(code+"/nwin", float64(row.NWin), nwin)
			if want := fx.str(r, "check_SkewKurt1.Pass") == "TRUE"; want != row.Pass1 {
				t.Errorf("treat %s: pass1 %v, COINr %v", code, row.Pass1, want)
			}
			m.check(code+"/skew1", row.Skew1, fx.num(t, r, "check_SkewKurt1.Skew"))
			m.check(code+"/kurt1", row.Kurt1, fx.num(t, r, "check_SkewKurt1.Kurt"))
		}
		if row.Transformed != "" {
			t.Errorf("treat %s: transformed with %s; COINr winsorised only", code, row.Transformed)
		}
	}
	m.report()

	// Results: ranks of the aggregates (ties = min) and the full score table.
	fx = readFixture(t, "results_aggs_ranks.csv")
	m = &maxDev{t: t, name: "results ranks"}
	ucodeByRank := map[int]string{}
	sc := res.Scores
	pos := map[string]int{}
	for i, u := range sc.UCodes {
		pos[u] = i
	}
	for r := range fx.rows {
		u := fx.str(r, "uCode")
		for _, code := range fx.header[1:] {
			got := res.Ranks[code][pos[u]]
			m.check(u+"/"+code+" rank", float64(got), fx.num(t, r, code))
		}
		ucodeByRank[int(fx.num(t, r, "Index"))] = u
	}
	m.report()
	fx = readFixture(t, "results_full_scores.csv")
	m = &maxDev{t: t, name: "results scores"}
	for r := range fx.rows {
		rank := int(fx.num(t, r, "Rank"))
		u, ok := ucodeByRank[rank]
		if !ok {
			t.Fatalf("results: no unit with Index rank %d", rank)
		}
		if got := res.Ranks["Index"][pos[u]]; got != rank {
			t.Errorf("results: %s has Index rank %d, COINr %d", u, got, rank)
		}
		for _, code := range fx.header[1:] {
			got, _ := sc.Value(u, code)
			m.check(u+"/"+code, got, fx.num(t, r, code))
		}
	}
	m.report()
}

// TestNormaliseVectorsMatchCOINr checks every normaliser on COINr's vector.
func TestNormaliseVectorsMatchCOINr(t *testing.T) {
	fx := readFixture(t, "unit_normalise_vectors.csv")
	x := make([]float64, len(fx.rows))
	for r := range fx.rows {
		x[r] = fx.num(t, r, "x")
	}
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		col  string
		dir  int
		spec NormSpec
		ref  int
	}{
		{"minmax_0_100", 1, NormSpec{Method: NormMinMax, Min: 0, Max: 100}, -1},
		{"zscore_10_2", 1, NormSpec{Method: NormZScore, Mean: 10, SD: 2}, -1},
		{"scaled_0_50", 1, NormSpec{Method: NormScaled, Lo: 0, Hi: 50}, -1},
		{"dist2max", 1, NormSpec{Method: NormDist2Max}, -1},
		{"dist2ref_i3", 1, NormSpec{Method: NormDist2Ref}, 2},
		{"dist2ref_i3_cap", 1, NormSpec{Method: NormDist2Ref, CapMax: true}, 2},
		{"dist2targ_t12", 1, NormSpec{Method: NormDist2Targ, Target: f(12)}, -1},
		{"dist2targ_t12_cap", 1, NormSpec{Method: NormDist2Targ, Target: f(12), CapMax: true}, -1},
		{"dist2targ_t5_dirneg", -1, NormSpec{Method: NormDist2Targ, Target: f(5)}, -1},
		{"fracmax", 1, NormSpec{Method: NormFracMax}, -1},
		{"rank", 1, NormSpec{Method: NormRank}, -1},
		{"prank", 1, NormSpec{Method: NormPRank}, -1},
		{"borda", 1, NormSpec{Method: NormBorda}, -1},
		{"goalposts_0_15_100", 1, NormSpec{Method: NormGoalposts, Lo: 0, Hi: 15, Scale: 100}, -1},
		{"goalposts_0_15_100_notrunc", 1, NormSpec{Method: NormGoalposts, Lo: 0, Hi: 15, Scale: 100, NoTrunc: true}, -1},
	}
	m := &maxDev{t: t, name: "unit normalise vectors"}
	for _, c := range cases {
		got, _, err := NormaliseVector(x, c.dir, c.spec, math.NaN(), c.ref)
		if err != nil {
			t.Fatalf("%s: %v", c.col, err)
		}
		for r := range fx.rows {
			m.check(fmt.Sprintf("%s[%d]", c.col, r+1), got[r], fx.num(t, r, c.col))
		}
	}
	if len(cases) != len(fx.header)-1 {
		t.Errorf("tested %d normalisers, fixture has %d", len(cases), len(fx.header)-1)
	}
	m.report()
}

// TestAggregateVectorsMatchCOINr checks the means on COINr's small vectors.
// The fixture records only the outputs; the inputs below were reconstructed
// (a search over small integer vectors and weights found them unique up to
// order): each row is three values with weights 1, 1, 2, and row 4 has a
// fourth, missing child so that its availability is 3/4 < 0.8.
func TestAggregateVectorsMatchCOINr(t *testing.T) {
	fx := readFixture(t, "unit_aggregate_vectors.csv")
	nan := math.NaN()
	inputs := map[int]struct{ x, w []float64 }{
		1: {[]float64{1, 5, 10}, []float64{1, 1, 2}},
		2: {[]float64{2, 50, 20}, []float64{1, 1, 2}},
		3: {[]float64{3, 25, 30}, []float64{1, 1, 2}},
		4: {[]float64{4, 4, nan, 40}, []float64{1, 1, 1, 2}},
	}
	m := &maxDev{t: t, name: "unit aggregate vectors"}
	for r := range fx.rows {
		row, _ := strconv.Atoi(fx.str(r, "row"))
		in := inputs[row]
		for _, c := range []struct {
			col  string
			spec AggSpec
		}{
			{"amean", AggSpec{Method: AggAMean}},
			{"gmean", AggSpec{Method: AggGMean}},
			{"hmean", AggSpec{Method: AggHMean}},
			{"amean_datthresh_0.8", AggSpec{Method: AggAMean, MinAvailability: 0.8}},
		} {
			got, err := AggregateRow(in.x, in.w, c.spec)
			if err != nil {
				t.Fatal(err)
			}
			m.check(fmt.Sprintf("row %d %s", row, c.col), got, fx.num(t, r, c.col))
		}
	}
	m.report()
}

// TestTreatVectorsMatchCOINr checks winsorisation and the log fallbacks.
func TestTreatVectorsMatchCOINr(t *testing.T) {
	fx := readFixture(t, "unit_treat_vectors.csv")
	vecs := map[string][]int{}
	var order []string
	for r := range fx.rows {
		v := fx.str(r, "vec")
		if _, ok := vecs[v]; !ok {
			order = append(order, v)
		}
		vecs[v] = append(vecs[v], r)
	}
	m := &maxDev{t: t, name: "unit treat vectors"}
	for _, v := range order {
		rows := vecs[v]
		x := make([]float64, len(rows))
		for k, r := range rows {
			x[k] = fx.num(t, r, "x")
		}
		for _, c := range []struct {
			col, points string
			spec        Treat
		}{
			{"treat_winmax1_logCT", "points_winmax1", Treat{WinMax: 1, Fallback: FallbackLogCT}},
			{"treat_winmax5_logCT", "points_winmax5", Treat{WinMax: 5, Fallback: FallbackLogCT}},
			{"treat_winmax1_logCTplus", "", Treat{WinMax: 1, Fallback: FallbackLogCTPlus}},
		} {
			out := TreatVector(x, c.spec)
			for k, r := range rows {
				m.check(fmt.Sprintf("%s %s[%d]", v, c.col, k+1), out.X[k], fx.num(t, r, c.col))
				if c.points != "" {
					if got, want := out.Points[k], fx.str(r, c.points); got != want {
						t.Errorf("%s %s[%d] = %q, COINr %q", v, c.points, k+1, got, want)
					}
				}
			}
		}
	}
	m.report()
}

// TestSkewKurtMatchCOINr checks COINr's skew(), kurt() and check_SkewKurt().
func TestSkewKurtMatchCOINr(t *testing.T) {
	fx := readFixture(t, "skew_kurt_vectors.csv")
	m := &maxDev{t: t, name: "skew/kurt vectors"}
	for r := range fx.rows {
		x := parseVec(t, fx.str(r, "values"))
		v := fx.str(r, "vec")
		m.check(v+" skew", Skewness(x), fx.num(t, r, "skew"))
		m.check(v+" kurt", Kurtosis(x), fx.num(t, r, "kurt"))
		pass, ok := SkewKurtPass(x, 2, 3.5)
		if want := fx.str(r, "pass") == "TRUE"; !ok || pass != want {
			t.Errorf("%s pass = %v (ok %v), COINr %v", v, pass, ok, want)
		}
	}
	m.report()
}
