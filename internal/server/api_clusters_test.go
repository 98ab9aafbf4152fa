package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/store"
)

// clusterServer serves a real temporary store holding a small hand-made
// dataset: two car makers (3612, NEV) in Yubei (500112) and Wanzhou
// (500101), and a coal mine (0610, no cluster) in Yubei; June 2023 and June
// 2024.
func clusterServer(t *testing.T) (*store.Store, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"e.csv": "uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source\n" +
			"91350100M000100Y43,甲汽车,500112,,3612,,true,,,\n" +
			"91110000600037341L,乙汽车,500101,,3612,,true,,,\n" +
			"914403001922038216,丙煤矿,500112,,0610,,true,,,\n",
		"m.csv": "uscc,month,output_value,revenue,electricity_kwh,employees\n" +
			"91350100M000100Y43,2023-06,100,100,1000,10\n91350100M000100Y43,2024-06,130,130,1000,12\n" +
			"91110000600037341L,2023-06,60,60,1000,6\n91110000600037341L,2024-06,30,30,300,4\n" +
			"914403001922038216,2023-06,40,40,500,8\n914403001922038216,2024-06,40,40,500,8\n",
	}
	var paths []string
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if _, err := analysis.ImportCanonical(ctx, st, paths, "tester"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(newAnalystHandler(t, st, "test"))
	t.Cleanup(ts.Close)
	return st, ts
}

func getClusterJSON(t *testing.T, ts *httptest.Server, path string, v any) int {
	t.Helper()
	url := ts.URL + path
	resp, body := get(t, ts.Client(), url)
	if v != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("%s: %v\n%s", url, err, body)
		}
	}
	return resp.StatusCode
}

func TestClustersAPI(t *testing.T) {
	st, ts := clusterServer(t)
	ctx := context.Background()

	// The overview equals the service's report (what the CLI prints).
	var rep analysis.Report
	if code := getClusterJSON(t, ts, "/api/v1/clusters?period=2024-06", &rep); code != 200 {
		t.Fatalf("status %d", code)
	}
	want, err := analysis.ClusterReport(ctx, st, analysis.ReportOptions{Period: analysis.Period{Kind: analysis.PeriodMonth, Year: 2024, Month: 6}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != len(want.Rows) || len(rep.Rows) != 31*45 {
		t.Fatalf("rows %d, want %d", len(rep.Rows), len(want.Rows))
	}
	var nev analysis.ReportRow
	for i, r := range rep.Rows {
		w := want.Rows[i]
		if r.ClusterID != w.ClusterID || r.Geography != w.Geography || r.OutputValue != w.OutputValue || r.Enterprises != w.Enterprises {
			t.Fatalf("row %d: %+v vs %+v", i, r, w)
		}
		if r.ClusterID == "nev" && r.Geography == "city" {
			nev = r
		}
	}
	// NEV: 130 + 30 = 160 against 100 + 60 = 160: flat; contribution 0 of
	// the city's 200 a year earlier.
	if nev.OutputValue != 160 || *nev.YoYGrowth != 0 || nev.Enterprises != 2 || *nev.ShareOfCity != 80 {
		t.Errorf("nev %+v", nev)
	}

	// One cluster: city row, regions, leading enterprises.
	var d analysis.ClusterDetail
	if code := getClusterJSON(t, ts, "/api/v1/clusters/nev?period=2024-06", &d); code != 200 {
		t.Fatalf("detail status %d", code)
	}
	if d.City.OutputValue != 160 || len(d.Regions) != 3 || len(d.Leading) != 2 || d.Leading[0].Name != "甲汽车" || d.Cluster.NameEn == "" {
		t.Errorf("detail %+v", d)
	}

	// Units: Yubei 130 (+30 %), Wanzhou 30 (−50 %).
	var units struct {
		Units []struct {
			analysis.ReportRow
			Specialisation *analysis.SpecRow `json:"specialisation"`
		} `json:"units"`
	}
	if code := getClusterJSON(t, ts, "/api/v1/clusters/nev/units?period=2024-06", &units); code != 200 || len(units.Units) != 41 {
		t.Fatalf("units status %d, %d units", code, len(units.Units))
	}
	for _, u := range units.Units {
		switch u.Geography {
		case "500112":
			// Yubei: NEV employs 12 of its 20; the city 16 of 24.
			if u.OutputValue != 130 || *u.YoYGrowth != 30 || u.Specialisation == nil || *u.Specialisation.LQEmployment != (12.0/20)/(16.0/24) {
				t.Errorf("Yubei %+v %+v", u.ReportRow, u.Specialisation)
			}
		case "500101":
			if u.OutputValue != 30 || *u.YoYGrowth != -50 {
				t.Errorf("Wanzhou %+v", u.ReportRow)
			}
		}
	}

	// The enterprises behind the city figure add up to it.
	var list analysis.ClusterFirmList
	if code := getClusterJSON(t, ts, "/api/v1/clusters/nev/enterprises?period=2024-06", &list); code != 200 {
		t.Fatalf("enterprises status %d", code)
	}
	if list.Total != 2 || list.Sums.OutputValue != nev.OutputValue || list.Items[0].USCC != "91350100M000100Y43" {
		t.Errorf("enterprises %+v", list)
	}

	// A unit: every cluster there.
	var unit struct {
		Unit     map[string]string `json:"unit"`
		Clusters []analysis.ReportRow
	}
	if code := getClusterJSON(t, ts, "/api/v1/units/500112?period=2024-06", &unit); code != 200 || unit.Unit["name_zh"] != "渝北区" || len(unit.Clusters) != 31 {
		t.Errorf("unit %d %+v", code, unit.Unit)
	}

	// Warnings: Wanzhou's car maker halved its output (a one-month rule to
	// fit the two months of data) and its electricity fell 70 %.
	var wl analysis.WarningList
	if code := getClusterJSON(t, ts, "/api/v1/warnings?months=1&type=output_decline", &wl); code != 200 || len(wl.Items) != 1 || wl.Items[0].USCC != "91110000600037341L" {
		t.Errorf("warnings %d %+v", code, wl)
	}
	resp, body := get(t, ts.Client(), ts.URL+"/api/v1/warnings?months=1&format=csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, "output_decline,high,2024-06,91110000600037341L") {
		t.Errorf("warnings csv %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, ts.Client(), ts.URL+"/api/v1/clusters?period=2024-06&geo=city&format=csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "cluster_id,cluster_name,tier,geography,period,output_value") || !strings.Contains(body, "\nnev,智能网联新能源汽车,leading,city,2024-06,160,160,,2,") {
		t.Errorf("report csv %d %s", resp.StatusCode, body)
	}

	var un analysis.UnassignedList
	if code := getClusterJSON(t, ts, "/api/v1/clusters/unassigned", &un); code != 200 || un.Total != 1 || un.Enterprises[0].USCC != "914403001922038216" {
		t.Errorf("unassigned %d %+v", code, un)
	}

	// Errors map to their status codes.
	for url, status := range map[string]int{
		"/api/v1/clusters?period=2024-13":               400,
		"/api/v1/clusters?period=2031-01":               404,
		"/api/v1/clusters/nope":                         404,
		"/api/v1/clusters/nope/units":                   404,
		"/api/v1/clusters/nev/enterprises?geo=atlantis": 404,
		"/api/v1/clusters/nev/enterprises?limit=-1":     400,
		"/api/v1/units/999999":                          404,
		"/api/v1/warnings?type=bogus":                   400,
		"/api/v1/warnings?month=June":                   400,
		"/api/v1/clusters?geo=planet":                   400,
	} {
		resp, body := get(t, ts.Client(), ts.URL+url)
		if resp.StatusCode != status || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s", url, resp.StatusCode, body)
		}
	}
}
