package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestDefectsProduceExactFindings feeds every defect file the generator
// writes to the real import (dry run with a report) and compares the
// errors and warnings with the file's expected findings, exactly.
func TestDefectsProduceExactFindings(t *testing.T) {
	bin := buildIndus(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	db := filepath.Join(dir, "indus.duckdb")
	if _, errOut, code := run(t, bin, "gen", "--out", data, "--from", "2024", "--to", "2025", "--defects"); code != 0 {
		t.Fatalf("gen --defects: %s", errOut)
	}
	defects := filepath.Join(data, "defects")
	// The clean files (one in GB18030) import without an error.
	for _, ok := range []string{"enterprises_ok.csv", "enterprises_gb18030.csv"} {
		if out, errOut, code := run(t, bin, "import", "--quiet", "--db", db, filepath.Join(defects, ok)); code != 0 || !strings.Contains(out, "0 rejected") {
			t.Fatalf("%s: %d\n%s\n%s", ok, code, out, errOut)
		}
	}
	readCSV := func(p string) [][]string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\xef\xbb\xbf"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows[1:]
	}
	want := map[string][]string{}
	for _, e := range readCSV(filepath.Join(defects, "expected.csv")) {
		want[e[0]] = append(want[e[0]], e[1]+"|"+e[2]+"|"+e[3])
	}
	if len(want) < 9 {
		t.Fatalf("expected.csv names only %d files", len(want))
	}
	for file, exp := range want {
		report := filepath.Join(dir, file+".report.csv")
		run(t, bin, "import", "--quiet", "--check", "--db", db, "--report", report, filepath.Join(defects, file))
		var got []string
		for _, f := range readCSV(report) {
			if f[4] == "error" || f[4] == "warning" {
				got = append(got, f[1]+"|"+f[2]+"|"+f[4])
			}
		}
		sort.Strings(got)
		sort.Strings(exp)
		if strings.Join(got, ";") != strings.Join(exp, ";") {
			t.Errorf("%s: findings %v, want %v", file, got, exp)
		}
	}
}
