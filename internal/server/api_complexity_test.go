package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// complexityUnits and complexityCodes are the fixture's rows and columns;
// complexityOutput its output by unit and class in 2024 (each cell one
// enterprise). By hand, RCA > 1 gives diversities LJ 3 (1311, 3612,
// 3971), GX 2 (3061, 3971), Xiushan 2 (1311, 3911), Dadukou 3 (2740, 3061,
// 3971) and Wuxi 2 (1311, 3061); every class is present somewhere, so LJ
// lacks 2740, 3061 and 3911.
var (
	complexityUnitCodes = []string{"LJ", "GX", "500241", "500104", "500238"}
	complexityCodes     = []string{"1311", "2740", "3061", "3612", "3911", "3971"}
	complexityOutput    = [][]float64{
		{27, 0, 0, 57, 0, 27},
		{21, 0, 55, 21, 8, 45},
		{31, 0, 0, 14, 60, 5},
		{3, 56, 32, 17, 6, 27},
		{38, 0, 44, 0, 0, 3},
	}
	complexityDiversity = map[string]int{"LJ": 3, "GX": 2, "500241": 2, "500104": 3, "500238": 2}
)

// newComplexityServer serves a store holding the fixture (or nothing).
func newComplexityServer(t *testing.T, withData bool) (*httptest.Server, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if withData {
		el, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindEnterprises, FileName: "e.csv", SHA256: "x", User: "t"})
		if err != nil {
			t.Fatal(err)
		}
		type fact struct {
			uscc string
			v    float64
		}
		var facts []fact
		n := 0
		for i, u := range complexityUnitCodes {
			for j, c := range complexityCodes {
				if complexityOutput[i][j] == 0 {
					continue
				}
				n++
				id := fmt.Sprintf("91500000%09dX", n)
				if err := el.AppendEnterprise(n+1, &indus.Enterprise{USCC: id, Name: "企业", UnitCode: u, IndustryCode: c, AboveSize: true}); err != nil {
					t.Fatal(err)
				}
				facts = append(facts, fact{id, complexityOutput[i][j]})
			}
		}
		if _, _, err := el.Commit(store.CommitOptions{}); err != nil {
			t.Fatal(err)
		}
		al, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv", SHA256: "y", User: "t"})
		if err != nil {
			t.Fatal(err)
		}
		for k, f := range facts {
			if err := al.AppendAnnual(k+2, &indus.AnnualFact{USCC: f.uscc, Year: 2024, OutputValue: indus.Float(f.v)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := al.Commit(store.CommitOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(newAnalystHandler(t, st, "test"))
	t.Cleanup(ts.Close)
	return ts, st
}

// getJSON fetches url and decodes the JSON answer into v, failing unless
// the status is want.
func getJSON(t *testing.T, ts *httptest.Server, method, path, body string, want int, v any) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		var e any
		json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("%s %s: status %d, want %d: %v", method, path, resp.StatusCode, want, e)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: content type %q", path, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestAPIComplexityUnits(t *testing.T) {
	ts, st := newComplexityServer(t, true)
	var got struct {
		Year       int    `json:"year"`
		Level      string `json:"level"`
		Basis      string `json:"basis"`
		Industries int    `json:"industries"`
		Units      []struct {
			Code      string   `json:"code"`
			NameZh    string   `json:"name_zh"`
			NameEn    string   `json:"name_en"`
			Rank      int      `json:"rank"`
			ECI       *float64 `json:"eci"`
			Diversity int      `json:"diversity"`
			HasData   bool     `json:"has_data"`
		} `json:"units"`
		Warnings []string `json:"warnings"`
	}
	getJSON(t, ts, "GET", "/api/v1/complexity/units?basis=output", "", 200, &got)
	if got.Year != 2024 || got.Level != "class" || got.Basis != "output" || got.Industries != 6 || len(got.Units) != 41 {
		t.Fatalf("%+v", got)
	}
	for k, u := range got.Units {
		if u.NameZh == "" || u.NameEn == "" {
			t.Errorf("unit %s without names", u.Code)
		}
		want, ok := complexityDiversity[u.Code]
		switch {
		case k < 5 && (!ok || u.ECI == nil || u.Rank != k+1 || u.Diversity != want || !u.HasData):
			t.Errorf("position %d: %+v", k, u)
		case k > 0 && k < 5 && *u.ECI > *got.Units[k-1].ECI:
			t.Errorf("not sorted by ECI at %d", k)
		case k >= 5 && (ok || u.ECI != nil || u.Rank != 0 || u.HasData):
			t.Errorf("position %d: unit without data %+v", k, u)
		}
	}
	// The same numbers as the service.
	nt, err := analysis.NewTracks(context.Background(), st, analysis.NewTracksOptions{Basis: analysis.BasisOutput})
	if err != nil {
		t.Fatal(err)
	}
	for k, u := range nt.Units[:5] {
		if *u.ECI != *got.Units[k].ECI || u.Code != got.Units[k].Code {
			t.Errorf("unit %d: API %s %v, service %s %v", k, got.Units[k].Code, *got.Units[k].ECI, u.Code, *u.ECI)
		}
	}
	// Liangjiang (more diverse) ranks above the High-tech Zone here? Only
	// check what is stable: every ECI is finite and they are not all equal.
	if *got.Units[0].ECI == *got.Units[4].ECI {
		t.Error("ECI does not separate the units")
	}
}

func TestAPIComplexityUnitTracks(t *testing.T) {
	ts, _ := newComplexityServer(t, true)
	var got struct {
		Unit struct {
			Code      string `json:"code"`
			NameZh    string `json:"name_zh"`
			Diversity int    `json:"diversity"`
		} `json:"unit"`
		Limit      int `json:"limit"`
		Candidates int `json:"candidates"`
		Weights    struct {
			Density, PCI, COG float64
		} `json:"weights"`
		Tracks []struct {
			Rank     int     `json:"rank"`
			Code     string  `json:"code"`
			NameZh   string  `json:"name_zh"`
			Density  float64 `json:"density"`
			PCI      float64 `json:"pci"`
			Score    float64 `json:"score"`
			Quadrant string  `json:"quadrant"`
			Clusters []struct {
				ID   string `json:"id"`
				Tier string `json:"tier"`
			} `json:"clusters"`
		} `json:"tracks"`
		Quadrant struct {
			DensitySplit float64 `json:"density_split"`
			Quadrants    []struct {
				ID     string `json:"id"`
				NameZh string `json:"name_zh"`
				NameEn string `json:"name_en"`
				Count  int    `json:"count"`
			} `json:"quadrants"`
			Points []struct {
				Code     string `json:"code"`
				Quadrant string `json:"quadrant"`
			} `json:"points"`
		} `json:"quadrant"`
	}
	getJSON(t, ts, "GET", "/api/v1/complexity/units/LJ/tracks?year=2024&basis=output&limit=2", "", 200, &got)
	if got.Unit.Code != "LJ" || got.Unit.NameZh != "两江新区" || got.Unit.Diversity != 3 || got.Limit != 2 || got.Candidates != 3 {
		t.Fatalf("%+v", got)
	}
	if len(got.Tracks) != 2 || got.Tracks[0].Rank != 1 || got.Tracks[0].Score < got.Tracks[1].Score {
		t.Errorf("tracks %+v", got.Tracks)
	}
	var codes []string
	for _, p := range got.Quadrant.Points {
		codes = append(codes, p.Code)
	}
	sort.Strings(codes)
	if !reflect.DeepEqual(codes, []string{"2740", "3061", "3911"}) {
		t.Errorf("quadrant points %v, want LJ's absent classes 2740 3061 3911", codes)
	}
	n := 0
	for _, q := range got.Quadrant.Quadrants {
		n += q.Count
		if q.NameZh == "" || q.NameEn == "" {
			t.Errorf("quadrant %+v without labels", q)
		}
	}
	if len(got.Quadrant.Quadrants) != 4 || n != 3 {
		t.Errorf("quadrants %+v", got.Quadrant.Quadrants)
	}
	for _, tr := range got.Tracks {
		if tr.NameZh == "" {
			t.Errorf("track %s without a name", tr.Code)
		}
		if tr.Code == "3061" {
			found := false
			for _, c := range tr.Clusters {
				found = found || c.ID == "fibre_composites"
			}
			if !found {
				t.Errorf("3061 clusters %+v", tr.Clusters)
			}
		}
	}
	// Weights move the ranking: all on PCI ranks by PCI.
	getJSON(t, ts, "GET", "/api/v1/complexity/units/LJ/tracks?basis=output&limit=0&w_density=0&w_pci=1&w_cog=0", "", 200, &got)
	if len(got.Tracks) != 3 || got.Weights.PCI != 1 || got.Weights.Density != 0 {
		t.Fatalf("%+v", got)
	}
	for k := 1; k < len(got.Tracks); k++ {
		if got.Tracks[k].PCI > got.Tracks[k-1].PCI {
			t.Errorf("PCI weight: %+v", got.Tracks)
		}
	}
}

func TestAPIComplexityErrors(t *testing.T) {
	ts, _ := newComplexityServer(t, true)
	cases := []struct {
		path   string
		status int
		code   string
		text   string
	}{
		{"/api/v1/complexity/units/XX9/tracks", 404, "not_found", "XX9"},
		{"/api/v1/complexity/units/500101/tracks?basis=output", 404, "not_found", "500101"},
		{"/api/v1/complexity/units?level=section", 400, "invalid", "level"},
		{"/api/v1/complexity/units?basis=revenue", 400, "invalid", "basis"},
		{"/api/v1/complexity/units?year=abc", 400, "invalid", "year"},
		{"/api/v1/complexity/units?year=2030", 400, "invalid", "2030"},
		{"/api/v1/complexity/units?threshold=-1", 400, "invalid", "threshold"},
		{"/api/v1/complexity/units?above_size=maybe", 400, "invalid", "above_size"},
		{"/api/v1/complexity/units/LJ/tracks?limit=-1", 400, "invalid", "limit"},
		{"/api/v1/complexity/units/LJ/tracks?w_density=-1", 400, "invalid", "w_density"},
		{"/api/v1/complexity/units/LJ/tracks?w_density=0&w_pci=0&w_cog=0", 400, "invalid", "weight"},
		{"/api/v1/complexity/city/new-star?level=x", 400, "invalid", "level"},
	}
	for _, c := range cases {
		var e apiError
		getJSON(t, ts, "GET", c.path, "", c.status, &e)
		if e.Error.Code != c.code || !strings.Contains(e.Error.Message, c.text) {
			t.Errorf("%s: %+v, want %s mentioning %q", c.path, e.Error, c.code, c.text)
		}
	}
	// An empty database: not found, saying what to import.
	empty, _ := newComplexityServer(t, false)
	var e apiError
	getJSON(t, empty, "GET", "/api/v1/complexity/units", "", 404, &e)
	if e.Error.Code != "not_found" || !strings.Contains(e.Error.Message, "annual") {
		t.Errorf("empty: %+v", e)
	}
	// A bad reference table is invalid and names the row.
	getJSON(t, ts, "POST", "/api/v1/complexity/city/new-star", "region,industry,value\nA,3612,-5\n", 400, &e)
	if e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, "row 2") {
		t.Errorf("bad reference: %+v", e)
	}
}

func TestAPIComplexityNewStar(t *testing.T) {
	ts, _ := newComplexityServer(t, true)
	type answer struct {
		Year   int `json:"year"`
		Result struct {
			Method           string   `json:"method"`
			ReferenceRegions int      `json:"reference_regions"`
			CityECI          *float64 `json:"city_eci"`
			Clusters         []struct {
				ID string `json:"id"`
			} `json:"clusters"`
			Industries []struct {
				Rank         int     `json:"rank"`
				Code         string  `json:"code"`
				NameZh       string  `json:"name_zh"`
				Density      float64 `json:"density"`
				UnitsPresent int     `json:"units_present"`
				NearestUnits []struct {
					Code string `json:"code"`
				} `json:"nearest_units"`
			} `json:"industries"`
			NotEvaluated []struct {
				Code string `json:"code"`
			} `json:"not_evaluated"`
		} `json:"result"`
	}
	var got answer
	getJSON(t, ts, "GET", "/api/v1/complexity/city/new-star?year=2024&basis=output", "", 200, &got)
	r := got.Result
	if r.Method != "units" || len(r.Clusters) != 18 || len(r.NotEvaluated) == 0 {
		t.Fatalf("%+v", r)
	}
	// The fixture's new-star classes: 2740 (modern Chinese medicine), 3061
	// (fibre and composites), 3911 (servers); by hand, RCA > 1 in 1, 3 and 1
	// units.
	present := map[string]int{}
	for k, ni := range r.Industries {
		present[ni.Code] = ni.UnitsPresent
		if ni.Rank != k+1 || ni.NameZh == "" || (k > 0 && ni.Density > r.Industries[k-1].Density) {
			t.Errorf("industry %+v", ni)
		}
	}
	if !reflect.DeepEqual(present, map[string]int{"2740": 1, "3061": 3, "3911": 1}) {
		t.Errorf("new-star industries %v", present)
	}
	// With a reference table posted as CSV; the reference's own row for
	// the city is replaced.
	ref := "province,industry_code,value\n四川,1311,50\n四川,2740,30\n四川,3612,20\n四川,3911,5\n四川,3971,40\n" +
		"贵州,1311,60\n贵州,2740,40\n贵州,3061,10\n贵州,3612,2\n贵州,3971,1\n" +
		"陕西,1311,5\n陕西,3061,30\n陕西,3612,60\n陕西,3911,10\n陕西,3971,15\n重庆,3612,1000\n"
	got = answer{}
	getJSON(t, ts, "POST", "/api/v1/complexity/city/new-star?basis=output&city_region=%E9%87%8D%E5%BA%86", ref, 200, &got)
	if got.Result.Method != "reference" || got.Result.ReferenceRegions != 3 || got.Result.CityECI == nil || len(got.Result.Industries) != 3 {
		t.Errorf("reference: %+v", got.Result)
	}
}
