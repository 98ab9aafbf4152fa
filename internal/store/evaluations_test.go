package store

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

func TestEvaluationFactsReadTheYearAndTheOneBefore(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	young := enterprise(testUSCC[1])
	young.LandMu = indus.Float(7)
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[0]), young); err != nil {
		t.Fatal(err)
	}
	l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv", SHA256: "y", User: "test"})
	if err != nil {
		t.Fatal(err)
	}
	facts := []*indus.AnnualFact{
		{USCC: testUSCC[0], Year: 2022, Revenue: indus.Float(1500), LandMu: indus.Float(100)},
		{USCC: testUSCC[0], Year: 2023, Revenue: indus.Float(3000), Tax: indus.Float(240), LandMu: indus.Float(110), EnvViolation: true},
		{USCC: testUSCC[1], Year: 2023, Revenue: indus.Float(500), UnderConstruction: true},
	}
	for i, f := range facts {
		if err := l.AppendAnnual(i+2, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := l.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	// The importer does not write the yearly status yet: set one by hand.
	if _, err := st.db.Exec(`UPDATE annual_facts SET above_size = true WHERE uscc = ? AND year = 2023`, testUSCC[0]); err != nil {
		t.Fatal(err)
	}
	var got []EvaluationFact
	if err := st.EvaluationFacts(ctx, 2023, func(f *EvaluationFact) error { got = append(got, *f); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].USCC != testUSCC[1] || got[1].USCC != testUSCC[0] {
		t.Fatalf("facts %+v", got)
	}
	a, b := got[1], got[0]
	if !a.AboveSizeKnown || !a.AboveSize || !a.HasPrev || a.PrevAboveSizeKnown || a.PrevRevenue != 1500 ||
		a.LandMu != 110 || a.Tax != 240 || !math.IsNaN(a.ValueAdded) || !a.EnvViolation || a.Founded.Year() != 2015 {
		t.Errorf("first firm %+v", a)
	}
	// No land that year: the enterprise's land; no year before.
	if b.AboveSizeKnown || b.HasPrev || b.LandMu != 7 || !b.UnderConstruction || !math.IsNaN(b.PrevRevenue) {
		t.Errorf("second firm %+v", b)
	}
	if v, ok := a.Field("tax"); !ok || v != 240 {
		t.Errorf("Field(tax) %g %v", v, ok)
	}
	if _, ok := a.Field("profit"); ok {
		t.Error("Field knows profit")
	}
	if v, err := st.DataVersion(ctx); err != nil || v != 2 {
		t.Errorf("data version %d %v", v, err)
	}
}

func f64(v float64) *float64 { return &v }
func intp(v int) *int        { return &v }

func saveTestRun(t *testing.T, st *Store, scheme string, classes map[string]string) int64 {
	t.Helper()
	run := &EvaluationRun{SchemeID: scheme, SchemeVersion: "1", SchemeNameZh: "测试", SchemeNameEn: "test", SchemeYAML: "id: " + scheme + "\n",
		Year: 2023, DataBatch: 2, InputSHA256: "abc", User: "tester", Seed: 7, Notes: []string{"note one", "note two"},
		Indicators: []EvaluationIndicator{{Position: 1, Indicator: "tax_per_mu", NameZh: "亩均税收", NameEn: "tax per mu", Unit: "10k yuan/mu",
			Weight: 100, MissingRule: "zero", BenchmarkRule: "mean", Benchmark: f64(20), Cap: 2, Reported: 2, Median: f64(20)}}}
	id, err := st.SaveEvaluation(context.Background(), run, func(w *EvaluationWriter) error {
		rank := 1
		for _, u := range testUSCC {
			c, ok := classes[u]
			if !ok {
				continue
			}
			e := &EnterpriseResult{USCC: u, Name: "企业", UnitCode: "500112", Class: c, Score: f64(100 + float64(rank)), RankAll: intp(rank),
				ClassProbs: `{"A":0.25,"B":0.75}`,
				Items:      []ItemResult{{Position: 1, Indicator: "tax_per_mu", Value: f64(math.NaN()), Ratio: f64(1), Points: f64(100), Missing: "average", Status: "ok"}}}
			if c != "U" {
				e.Rank = intp(rank)
			}
			rank++
			if err := w.Enterprise(e); err != nil {
				return err
			}
		}
		cc, _ := json.Marshal(map[string]int{"A": 1})
		return w.Area(&AreaResult{Level: AreaUnit, Code: "500112", Name: "渝北区", UnitCode: "500112", Enterprises: 2, Rated: 1,
			Score: f64(90), Rank: intp(1), Items: []AreaItem{{Position: 1, Indicator: "tax_per_mu", Value: f64(20)}}}, string(cc))
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSaveAndReadEvaluations(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	first := saveTestRun(t, st, "s1", map[string]string{testUSCC[0]: "A", testUSCC[1]: "U"})
	second := saveTestRun(t, st, "s2", map[string]string{testUSCC[0]: "B", testUSCC[2]: "C"})
	if first != 1 || second != 2 {
		t.Fatalf("ids %d %d", first, second)
	}
	runs, err := st.Evaluations(ctx)
	if err != nil || len(runs) != 2 || runs[0].ID != 2 {
		t.Fatalf("list %+v %v", runs, err)
	}
	// The first run is as written: a later run does not touch it.
	r, err := st.EvaluationByID(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if r.SchemeYAML != "id: s1\n" || r.SchemeSHA256 == "" || r.Enterprises != 2 || r.Rated != 1 || r.ClassCounts["A"] != 1 ||
		r.ClassCounts["U"] != 1 || len(r.Notes) != 2 || len(r.Indicators) != 1 || *r.Indicators[0].Benchmark != 20 || r.Indicators[0].Mean != nil {
		t.Errorf("run %+v", r)
	}
	ents, total, err := st.EvaluationEnterprises(ctx, first, EnterpriseQuery{Items: true})
	if err != nil || total != 2 || len(ents) != 2 {
		t.Fatalf("enterprises %+v %d %v", ents, total, err)
	}
	if ents[0].USCC != testUSCC[0] || ents[0].Class != "A" || *ents[0].Rank != 1 || ents[1].Rank != nil || len(ents[1].Items) != 1 {
		t.Errorf("enterprises %+v", ents)
	}
	if it := ents[0].Items[0]; it.Value != nil || *it.Points != 100 || it.Missing != "average" {
		t.Errorf("item %+v (NaN must read back as NULL)", it)
	}
	b, err := json.Marshal(ents[0])
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	json.Unmarshal(b, &back)
	if p := back["class_probs"].(map[string]any); p["B"] != 0.75 {
		t.Errorf("class_probs %v", back["class_probs"])
	}
	only, total, err := st.EvaluationEnterprises(ctx, first, EnterpriseQuery{Class: "U"})
	if err != nil || total != 1 || len(only) != 1 || only[0].USCC != testUSCC[1] || only[0].Items != nil {
		t.Errorf("class filter %+v %d %v", only, total, err)
	}
	e, err := st.EvaluationEnterprise(ctx, second, testUSCC[2])
	if err != nil || e.Class != "C" || len(e.Items) != 1 {
		t.Errorf("one enterprise %+v %v", e, err)
	}
	if _, err := st.EvaluationEnterprise(ctx, second, testUSCC[1]); indus.Code(err) != indus.ENotFound {
		t.Errorf("enterprise outside the run: %v", err)
	}
	if _, err := st.EvaluationByID(ctx, 9); indus.Code(err) != indus.ENotFound {
		t.Errorf("missing run: %v", err)
	}
	areas, err := st.EvaluationAreas(ctx, first, AreaUnit)
	if err != nil || len(areas) != 1 || areas[0].ClassCounts["A"] != 1 || len(areas[0].Items) != 1 {
		t.Errorf("areas %+v %v", areas, err)
	}
	if _, err := st.EvaluationAreas(ctx, first, "country"); indus.Code(err) != indus.EInvalid {
		t.Errorf("bad level: %v", err)
	}
	classes, err := st.EvaluationClasses(ctx, second)
	if err != nil || len(classes) != 2 || classes[testUSCC[0]].Class != "B" {
		t.Errorf("classes %+v %v", classes, err)
	}
}

func TestSaveEvaluationFailureRecordsNothing(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	_, err := st.SaveEvaluation(ctx, &EvaluationRun{SchemeID: "x", SchemeYAML: "x"}, func(w *EvaluationWriter) error {
		if err := w.Enterprise(&EnterpriseResult{USCC: testUSCC[0], Class: "A"}); err != nil {
			return err
		}
		return indus.Errorf(indus.EInvalid, "stop")
	})
	if err == nil {
		t.Fatal("no error")
	}
	var n int
	st.db.QueryRow(`SELECT (SELECT count(*) FROM evaluation_runs) + (SELECT count(*) FROM evaluation_enterprises)`).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows left behind", n)
	}
}

// Runs are read from the database once and kept: what the cache answers
// equals a fresh read, a caller changing its copy changes nothing, and a
// run saved later appears in the list.
func TestEvaluationRunsAreCachedSafely(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	first := saveTestRun(t, st, "s1", map[string]string{testUSCC[0]: "A", testUSCC[1]: "U"})
	fresh, err := st.loadEvaluation(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.EvaluationByID(ctx, first)
	if err != nil || !reflect.DeepEqual(got, fresh) {
		t.Fatalf("first read %+v, %v; want %+v", got, err, fresh)
	}
	got.ClassCounts["A"] = 99
	got.Indicators[0].Weight = -1
	got.Notes[0] = "changed"
	again, err := st.EvaluationByID(ctx, first)
	if err != nil || !reflect.DeepEqual(again, fresh) {
		t.Fatalf("a caller's change reached the cache: %+v", again)
	}
	list, err := st.Evaluations(ctx)
	if err != nil || len(list) != 1 || list[0].SchemeYAML != "" || list[0].Indicators != nil || list[0].Enterprises != 2 || list[0].ClassCounts["A"] != 1 {
		t.Fatalf("list %+v, %v", list, err)
	}
	second := saveTestRun(t, st, "s2", map[string]string{testUSCC[0]: "B", testUSCC[2]: "C"})
	if list, err := st.Evaluations(ctx); err != nil || len(list) != 2 || list[0].ID != second || list[1].ID != first {
		t.Fatalf("after a second run: %+v, %v", list, err)
	}
}

// A park of one or two firms shows its figures only to those who may see
// its firms; everyone else sees that it exists and how many firms it has.
func TestSmallAreasAreSuppressed(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	run := &EvaluationRun{SchemeID: "s", SchemeVersion: "1", SchemeYAML: "id: s\n", Year: 2024, User: "t"}
	parks := []struct {
		code, unit string
		firms      int64
	}{{"P1", "500112", 1}, {"P2", "500112", 3}, {"P3", "500101", 2}}
	id, err := st.SaveEvaluation(ctx, run, func(w *EvaluationWriter) error {
		for i, p := range parks {
			cc, _ := json.Marshal(map[string]int64{"C": p.firms})
			if err := w.Area(&AreaResult{Level: AreaPark, Code: p.code, Name: p.code, UnitCode: p.unit, Enterprises: p.firms, Rated: p.firms,
				LandMu: f64(10), Score: f64(50 + float64(i)), Rank: intp(i + 1),
				Items: []AreaItem{{Position: 1, Indicator: "tax_per_mu", Numerator: f64(123), Denominator: f64(10), Value: f64(12.3), Ratio: f64(1), Points: f64(30)}}}, string(cc)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who        indus.Principal
		suppressed string // the parks withheld, in order
	}{
		{indus.Principal{Name: "ana", Role: indus.RoleAnalyst}, ""},
		{indus.Principal{Name: "v", Role: indus.RoleViewer}, "P1 P3"},
		{indus.Principal{Name: "yb", Role: indus.RoleUnit, Units: []string{"500112"}}, "P3"},
		{indus.Principal{Name: "ybp", Role: indus.RoleUnit, Units: []string{"500112"}, Park: "P1"}, "P1 P3"},
	} {
		areas, err := st.EvaluationAreas(indus.WithPrincipal(ctx, c.who), id, AreaPark)
		if err != nil || len(areas) != 3 {
			t.Fatalf("%s: %d areas, %v", c.who.Name, len(areas), err)
		}
		var withheld []string
		for _, a := range areas {
			if !a.Suppressed {
				if a.Score == nil || a.Rank == nil || a.LandMu == nil || a.ClassCounts["C"] != a.Enterprises || *a.Items[0].Numerator != 123 {
					t.Errorf("%s: %s lost figures it may show: %+v", c.who.Name, a.Code, a)
				}
				continue
			}
			withheld = append(withheld, a.Code)
			it := a.Items[0]
			if a.Score != nil || a.Rank != nil || a.LandMu != nil || a.ClassCounts != nil || it.Numerator != nil || it.Denominator != nil ||
				it.Value != nil || it.Ratio != nil || it.Points != nil || a.Enterprises == 0 {
				t.Errorf("%s: %s is withheld but shows %+v %+v", c.who.Name, a.Code, a, it)
			}
		}
		if strings.Join(withheld, " ") != c.suppressed {
			t.Errorf("%s: withheld %v, want %q", c.who.Name, withheld, c.suppressed)
		}
	}
}
