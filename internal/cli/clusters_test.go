package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/server"
	"github.com/indus-platform/indus/internal/store"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "INDUS_USER" {
			return "tester"
		}
		return ""
	}
	code := Run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// syntheticCity generates two years of the synthetic city and imports it.
func syntheticCity(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("generates and imports the synthetic city")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := run(t, "gen", "--out", data, "--seed", "3", "--from", "2022", "--to", "2023"); code != 0 {
		t.Fatalf("gen: %s", errs)
	}
	db := filepath.Join(dir, "c.duckdb")
	if code, _, errs := run(t, "import", "--db", db, filepath.Join(data, "enterprises.csv"), filepath.Join(data, "annual.csv"), filepath.Join(data, "monthly.csv")); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	return db
}

// TestClustersReportMatchesAPI: the JSON API returns the same figures as
// 'indus clusters report --format json' on the synthetic city, and the
// CSV carries the same rows with the required leading columns.
func TestClustersReportMatchesAPI(t *testing.T) {
	db := syntheticCity(t)
	code, out, errs := run(t, "clusters", "assign", "--db", db)
	// The import already assigned once (it prepares the rollups), so this is a re-assignment.
	if code != 0 || !strings.Contains(out, "assignment") || !strings.Contains(out, "nev") {
		t.Fatalf("assign: %d %s %s", code, out, errs)
	}
	code, out, errs = run(t, "clusters", "report", "--db", db, "--period", "2023-06", "--format", "json")
	if code != 0 {
		t.Fatalf("report: %s", errs)
	}
	var cli analysis.Report
	if err := json.Unmarshal([]byte(out), &cli); err != nil {
		t.Fatal(err)
	}
	// 30 clusters and all industry × (city + 3 regions + 41 units).
	if len(cli.Rows) != 31*45 {
		t.Fatalf("%d rows", len(cli.Rows))
	}
	csvPath := filepath.Join(t.TempDir(), "r.csv")
	if code, _, errs := run(t, "clusters", "report", "--db", db, "--period", "2023-06", "--out", csvPath); code != 0 {
		t.Fatalf("csv: %s", errs)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cluster_id", "cluster_name", "tier", "geography", "period", "output_value", "revenue", "value_added", "enterprises",
		"employees", "yoy_growth", "target_value", "target_year", "status"}
	if got := recs[0][:len(want)]; !reflect.DeepEqual(append([]string{strings.TrimPrefix(got[0], "\ufeff")}, got[1:]...), want) {
		t.Errorf("csv header %v", recs[0])
	}
	if len(recs) != len(cli.Rows)+1 || recs[1][0] != "nev" || recs[1][3] != "city" || recs[1][4] != "2023-06" {
		t.Errorf("csv rows %d, first %v", len(recs), recs[1])
	}

	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acc := access.New(st, access.DefaultPolicy)
	srv, err := server.New(server.Config{Store: st, Access: acc, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	ctx := context.Background()
	if _, err := acc.AddUser(ctx, access.NewUser{Name: "ana", Role: indus.RoleAnalyst, Password: "analyst password"}); err != nil {
		t.Fatal(err)
	}
	token, _, err := acc.NewToken(ctx, "ana", "test", true, 0)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/clusters?period=2023-06", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var api analysis.Report
	if resp.StatusCode != 200 || json.Unmarshal(body, &api) != nil {
		t.Fatalf("api: %d %s", resp.StatusCode, body)
	}
	if !reflect.DeepEqual(api.Rows, cli.Rows) || !reflect.DeepEqual(api.CityTargets, cli.CityTargets) {
		t.Error("the API's rows differ from the report's")
	}
	// The synthetic NEV cluster is calibrated to ≈ 600 bn yuan of output in
	// 2023: a June of it is a few hundred 亿元 and it is the largest
	// single manufacturing block after electronics.
	var nev analysis.ReportRow
	for _, r := range cli.Rows {
		if r.ClusterID == "nev" && r.Geography == "city" {
			nev = r
		}
	}
	if nev.OutputValue < 300e4 || nev.OutputValue > 800e4 || nev.Enterprises < 500 {
		t.Errorf("NEV June 2023: output %.0f (10k yuan), %d enterprises", nev.OutputValue, nev.Enterprises)
	}
	// Enterprises behind the figure add up to it.
	req, _ = http.NewRequest("GET", ts.URL+"/api/v1/clusters/nev/enterprises?period=2023-06&limit=5", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list analysis.ClusterFirmList
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Items) != 5 || list.Sums.Enterprises != nev.Enterprises || diff(list.Sums.OutputValue, nev.OutputValue) > 1e-6*nev.OutputValue {
		t.Errorf("trace: %d items, sums %+v vs row %.2f / %d", len(list.Items), list.Sums, nev.OutputValue, nev.Enterprises)
	}
}

func diff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestClustersCommandsOnSmallData(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.duckdb")
	ent := "uscc,name,unit_code,park,industry_code,business_scope,above_size,founded,land_mu,land_source\n" +
		"91350100M000100Y43,甲汽车,500112,,3612,,true,,,\n" +
		"914403001922038216,乙煤矿,500112,,0610,,true,,,\n"
	mon := "uscc,month,output_value,revenue,electricity_kwh,employees\n" +
		"91350100M000100Y43,2023-06,100,100,1000,10\n91350100M000100Y43,2024-06,120,120,1000,10\n" +
		"914403001922038216,2023-06,50,50,1000,5\n914403001922038216,2024-06,40,40,1000,5\n"
	for name, text := range map[string]string{"e.csv": ent, "m.csv": mon} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := run(t, "import", "--db", db, filepath.Join(dir, "e.csv"), filepath.Join(dir, "m.csv")); code != 0 {
		t.Fatal(errs)
	}
	// The report assigns on its own when memberships are missing.
	code, out, errs := run(t, "clusters", "report", "--db", db, "--period", "2024-06")
	if code != 0 || !strings.Contains(out, "nev") || !strings.Contains(out, "20.0") || !strings.Contains(out, "note:") {
		t.Fatalf("table: %d %s %s", code, out, errs)
	}
	code, out, _ = run(t, "clusters", "unassigned", "--db", db)
	if code != 0 || !strings.Contains(out, "914403001922038216") {
		t.Errorf("unassigned: %s", out)
	}
	code, out, errs = run(t, "clusters", "override", "--db", db, "914403001922038216", "advanced_materials", "--reason", "coking coal")
	if code != 0 || !strings.Contains(out, "advanced_materials* (override: coking coal)") {
		t.Errorf("override: %d %s %s", code, out, errs)
	}
	if code, _, errs := run(t, "clusters", "override", "--db", db, "914403001922038216", "advanced_materials"); code == 0 || !strings.Contains(errs, "reason") {
		t.Errorf("an override without a reason must fail: %s", errs)
	}
	code, out, _ = run(t, "clusters", "assign", "--db", db)
	if code != 0 || !strings.Contains(out, "0 unassigned") {
		t.Errorf("assign keeps the override: %s", out)
	}
	code, out, errs = run(t, "clusters", "report", "--db", db, "--period", "2024-06", "--cluster", "advanced_materials", "--format", "csv")
	if code != 0 || !strings.Contains(out, "advanced_materials,先进材料,leading,city,2024-06,40,40,,1,5,-20,100000000,2027,no_data,city") {
		t.Errorf("csv after override: %s %s", out, errs)
	}
	code, out, _ = run(t, "clusters", "warnings", "--db", db, "--format", "csv", "--months", "1", "--drop", "15")
	if code != 0 || !strings.HasPrefix(strings.TrimPrefix(out, "\ufeff"), "type,severity,month,uscc") || !strings.Contains(out, "output_decline,high,2024-06,914403001922038216") {
		t.Errorf("warnings csv: %s", out)
	}
	if code, _, errs := run(t, "clusters", "report", "--db", db, "--period", "2024-13"); code != 1 || !strings.Contains(errs, "not a period") {
		t.Errorf("bad period: %d %s", code, errs)
	}
	if code, _, errs := run(t, "clusters", "report", "--db", db, "--format", "xlsx"); code != 1 || !strings.Contains(errs, "--out") {
		t.Errorf("xlsx without a file: %d %s", code, errs)
	}
	xlsx := filepath.Join(dir, "w.xlsx")
	if code, _, errs := run(t, "clusters", "report", "--db", db, "--out", xlsx); code != 0 {
		t.Errorf("xlsx: %s", errs)
	} else if st, err := os.Stat(xlsx); err != nil || st.Size() == 0 {
		t.Errorf("xlsx not written: %v", err)
	}
}
