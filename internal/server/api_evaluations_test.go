package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// evalServer serves a store with two runs of the below-size scheme (tax
// per mu 50, tax per kWh 50) on six firms with 10–60 mu, one vetoed.
func evalServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "e.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	el, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindEnterprises, FileName: "e.csv", SHA256: "e", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	type firm struct{ land, tax, kwh float64 }
	firms := []firm{{10, 50, 2e5}, {20, 60, 3e5}, {30, 200, 4e5}, {40, 100, 8e5}, {50, 400, 1e6}, {60, 30, 9e5}}
	id := func(k int) string { return fmt.Sprintf("91500000%09dX", k) }
	for k := range firms {
		unit := "500112"
		if k >= 3 {
			unit = "500113"
		}
		if err := el.AppendEnterprise(k+2, &indus.Enterprise{USCC: id(k), Name: fmt.Sprintf("企业%d", k), UnitCode: unit, Park: "园区",
			IndustryCode: "3612", Founded: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := el.Commit(store.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	al, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv", SHA256: "a", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for k, f := range firms {
		if err := al.AppendAnnual(k+2, &indus.AnnualFact{USCC: id(k), Year: 2023, LandMu: indus.Float(f.land), Revenue: indus.Float(800),
			Tax: indus.Float(f.tax), ElectricityKWh: indus.Float(f.kwh), SafetyAccident: k == 4}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := al.Commit(store.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	s, _ := refdata.SchemeByID("below-size")
	for _, runs := range []int{50, 0} {
		if _, _, err := analysis.Evaluate(ctx, st, analysis.EvaluateOptions{Scheme: s, Year: 2023, Uncertainty: runs, Seed: 5, User: "api"}); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(newAnalystHandler(t, st, "test"))
	t.Cleanup(ts.Close)
	return ts
}

// evalGet fetches path and decodes the JSON answer into v, failing unless
// the status is want.
func evalGet(t *testing.T, ts *httptest.Server, path string, want int, v any) {
	t.Helper()
	resp, err := ts.Client().Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: content type %q", path, ct)
	}
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d: %s", path, resp.StatusCode, want, raw)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v in %s", path, err, raw)
	}
}

func TestEvaluationAPI(t *testing.T) {
	ts := evalServer(t)

	var list struct {
		Runs []store.EvaluationRun `json:"runs"`
	}
	evalGet(t, ts, "/api/v1/evaluations", http.StatusOK, &list)
	if len(list.Runs) != 2 || list.Runs[0].ID != 2 || list.Runs[1].UncertaintyRuns != 50 || list.Runs[1].Enterprises != 6 ||
		list.Runs[1].SchemeYAML != "" {
		t.Fatalf("list %+v", list.Runs)
	}

	var run store.EvaluationRun
	evalGet(t, ts, "/api/v1/evaluations/1", http.StatusOK, &run)
	// Benchmarks: tax per mu (5+3+6.67+2.5+8+0.5)/6; tax per kWh in yuan.
	if run.SchemeID != "below-size" || !strings.Contains(run.SchemeYAML, "tax_per_kwh") || len(run.Indicators) != 2 || run.User != "api" ||
		run.Rated != 6 || run.ClassCounts["A"] != 1 || run.DataBatch != 2 {
		t.Fatalf("run %+v", run)
	}
	wantTax := (5 + 3 + 200.0/30 + 2.5 + 8 + 0.5) / 6
	if b := *run.Indicators[0].Benchmark; b < wantTax-1e-12 || b > wantTax+1e-12 {
		t.Errorf("tax benchmark %g, want %g", b, wantTax)
	}

	var page struct {
		Total       int64 `json:"total"`
		Enterprises []struct {
			USCC   string  `json:"uscc"`
			Class  string  `json:"class"`
			Reason string  `json:"reason"`
			Rank   *int    `json:"rank"`
			Score  float64 `json:"score"`
		} `json:"enterprises"`
	}
	evalGet(t, ts, "/api/v1/evaluations/1/enterprises?limit=2&offset=1", http.StatusOK, &page)
	if page.Total != 6 || len(page.Enterprises) != 2 || page.Enterprises[0].Score < page.Enterprises[1].Score {
		t.Errorf("page %+v", page)
	}
	evalGet(t, ts, "/api/v1/evaluations/1/enterprises?class=C&unit=500113", http.StatusOK, &page)
	for _, e := range page.Enterprises {
		if e.Class != "C" {
			t.Errorf("filter gave %+v", e)
		}
	}

	// The vetoed firm (tax/mu 8, the best, but a safety accident).
	var e struct {
		store.EnterpriseResult
		ClassProbs map[string]float64 `json:"class_probs"`
	}
	evalGet(t, ts, "/api/v1/evaluations/1/enterprises/91500000000000004X", http.StatusOK, &e)
	if e.Class != "C" || !e.Capped || e.ReasonCode != "veto:safety_accident" || len(e.Items) != 2 || e.Explanation == "" ||
		e.ClassProbs["A"] != 0 || e.ClassProbs["B"] != 0 || e.ClassProbs["C"]+e.ClassProbs["D"] != 1 {
		t.Errorf("vetoed enterprise %+v", e)
	}
	if e.SurchargeYuan == nil || *e.SurchargeYuan != 0.1*1e6 {
		t.Errorf("surcharge %v", e.SurchargeYuan)
	}
	// A D firm has the change that would lift it, per indicator.
	evalGet(t, ts, "/api/v1/evaluations/1/enterprises/91500000000000005X", http.StatusOK, &e)
	if e.Class != "D" || e.NextClass != "C" || e.Items[0].Status != "ok" || e.Items[0].NeededValue == nil || e.BestIndicator == "" {
		t.Errorf("D enterprise %+v", e)
	}

	var areas struct {
		Level string             `json:"level"`
		Areas []store.AreaResult `json:"areas"`
	}
	evalGet(t, ts, "/api/v1/evaluations/1/units", http.StatusOK, &areas)
	if areas.Level != "unit" || len(areas.Areas) != 41 || *areas.Areas[0].Rank != 1 || areas.Areas[0].Enterprises != 3 || len(areas.Areas[0].Items) != 2 {
		t.Errorf("units %+v", areas.Areas[:2])
	}
	evalGet(t, ts, "/api/v1/evaluations/2/parks", http.StatusOK, &areas)
	if len(areas.Areas) != 2 || areas.Areas[0].Name != "园区" {
		t.Errorf("parks %+v", areas.Areas)
	}

	var cmp analysis.EvaluationComparison
	evalGet(t, ts, "/api/v1/evaluations/1/compare/2", http.StatusOK, &cmp)
	if cmp.Same != 6 || len(cmp.Movers) != 0 || len(cmp.Matrix) != 5 {
		t.Errorf("compare %+v", cmp)
	}
	var schemes struct {
		Schemes []refdata.Scheme `json:"schemes"`
	}
	evalGet(t, ts, "/api/v1/evaluation-schemes", http.StatusOK, &schemes)
	if len(schemes.Schemes) != 3 {
		t.Errorf("%d schemes", len(schemes.Schemes))
	}

	var apiErr struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	for path, status := range map[string]int{
		"/api/v1/evaluations/9":                                http.StatusNotFound,
		"/api/v1/evaluations/x":                                http.StatusBadRequest,
		"/api/v1/evaluations/1/enterprises/91500000000000099X": http.StatusNotFound,
		"/api/v1/evaluations/1/enterprises?limit=0":            http.StatusBadRequest,
		"/api/v1/evaluations/9/units":                          http.StatusNotFound,
		"/api/v1/evaluations/1/compare/0":                      http.StatusBadRequest,
	} {
		evalGet(t, ts, path, status, &apiErr)
		if apiErr.Error.Message == "" {
			t.Errorf("%s: no message", path)
		}
	}
}
