package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// tracksTestDB writes a database with five units' enterprises: one
// enterprise per unit × class with the given output in 2024. By hand, RCA
// > 1 gives diversities LJ 3, GX 2, Xiushan 2, Dadukou 3, Wuxi 2.
func tracksTestDB(t *testing.T) string {
	t.Helper()
	units := []string{"LJ", "GX", "500241", "500104", "500238"}
	codes := []string{"1311", "2740", "3061", "3612", "3911", "3971"}
	output := [][]float64{
		{27, 0, 0, 57, 0, 27},
		{21, 0, 55, 21, 8, 45},
		{31, 0, 0, 14, 60, 5},
		{3, 56, 32, 17, 6, 27},
		{38, 0, 44, 0, 0, 3},
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	el, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindEnterprises, FileName: "e.csv", SHA256: "x", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var vals []float64
	for i, u := range units {
		for j, c := range codes {
			if output[i][j] == 0 {
				continue
			}
			id := fmt.Sprintf("91500000%09dX", len(ids))
			if err := el.AppendEnterprise(len(ids)+2, &indus.Enterprise{USCC: id, Name: "企业", UnitCode: u, IndustryCode: c, AboveSize: true}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			vals = append(vals, output[i][j])
		}
	}
	if _, _, err := el.Commit(store.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	al, err := st.BeginLoad(ctx, store.LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv", SHA256: "y", User: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for k, id := range ids {
		if err := al.AppendAnnual(k+2, &indus.AnnualFact{USCC: id, Year: 2024, OutputValue: indus.Float(vals[k])}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := al.Commit(store.CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

func runTracksArgs(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	env, out, errb := complexityTestEnv()
	err := newTracksCommand().Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

func readCSVString(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return recs
}

func TestTracksUnitTable(t *testing.T) {
	db := tracksTestDB(t)
	out, _, err := runTracksArgs(t, "--db", db, "--basis", "output", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	recs := readCSVString(t, out)
	if len(recs) != 42 || strings.Join(recs[0], ",") != "rank,code,name_zh,name_en,region,eci,coi,diversity,industries,value" {
		t.Fatalf("%d rows, header %v", len(recs), recs[0])
	}
	want := map[string]string{"LJ": "3", "GX": "2", "500241": "2", "500104": "3", "500238": "2"}
	for k, r := range recs[1:6] {
		if r[0] != fmt.Sprint(k+1) || want[r[1]] != r[7] || r[5] == "-" {
			t.Errorf("row %d: %v", k+1, r)
		}
	}
	for _, r := range recs[6:] {
		if r[0] != "-" || r[5] != "-" || want[r[1]] != "" {
			t.Errorf("unit without data: %v", r)
		}
	}
	// The table: a title line, names in Chinese, columns aligned.
	out, _, err = runTracksArgs(t, "--db", db, "--basis", "output")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if !strings.Contains(lines[0], "2024") || !strings.Contains(out, "两江新区") || len(lines) != 2+1+41 {
		t.Fatalf("table:\n%s", out)
	}
	col := tracksWidth(lines[2][:strings.Index(lines[2], "eci")])
	for _, l := range lines[3:8] {
		if w := tracksWidth(l); w < col {
			t.Errorf("misaligned line %q", l)
		}
	}
	// JSON.
	out, _, err = runTracksArgs(t, "--db", db, "--basis", "output", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Year  int `json:"year"`
		Units []struct {
			Code string   `json:"code"`
			ECI  *float64 `json:"eci"`
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || js.Year != 2024 || len(js.Units) != 41 || js.Units[0].ECI == nil {
		t.Fatalf("json %v: %s", err, out)
	}
}

func TestTracksOneUnit(t *testing.T) {
	db := tracksTestDB(t)
	for _, unit := range []string{"LJ", "两江新区"} {
		out, _, err := runTracksArgs(t, "--db", db, "--basis", "output", "--unit", unit, "--limit", "2", "--format", "csv")
		if err != nil {
			t.Fatal(err)
		}
		recs := readCSVString(t, out)
		if len(recs) != 3 || recs[0][1] != "code" || recs[1][0] != "1" {
			t.Fatalf("%s: %v", unit, recs)
		}
		for _, r := range recs[1:] {
			if r[1] != "2740" && r[1] != "3061" && r[1] != "3911" {
				t.Errorf("LJ already has %s (RCA > 1) or it is not a class: %v", r[1], r)
			}
		}
	}
	out, _, err := runTracksArgs(t, "--db", db, "--basis", "output", "--unit", "LJ", "--limit", "0")
	if err != nil || !strings.Contains(out, "两江新区") || !strings.Contains(out, "3 absent industries") || !strings.Contains(out, "纤维及复合材料") {
		t.Fatalf("%v\n%s", err, out)
	}
	// Unknown and data-less units are not found.
	_, _, err = runTracksArgs(t, "--db", db, "--unit", "XX9")
	if indus.Code(err) != indus.ENotFound || !strings.Contains(err.Error(), "XX9") {
		t.Errorf("unknown unit: %v", err)
	}
	_, _, err = runTracksArgs(t, "--db", db, "--basis", "output", "--unit", "500101")
	if indus.Code(err) != indus.ENotFound {
		t.Errorf("unit without data: %v", err)
	}
}

func TestTracksNewStar(t *testing.T) {
	db := tracksTestDB(t)
	out, _, err := runTracksArgs(t, "--db", db, "--basis", "output", "--new-star", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	recs := readCSVString(t, out)
	if len(recs) != 4 {
		t.Fatalf("%v", recs)
	}
	got := map[string]string{}
	for _, r := range recs[1:] {
		got[r[1]] = r[5]
	}
	if got["2740"] != "1 units" || got["3061"] != "3 units" || got["3911"] != "1 units" {
		t.Errorf("presence %v", got)
	}
	ref := filepath.Join(t.TempDir(), "ref.csv")
	if err := os.WriteFile(ref, []byte("地区,行业代码,数值\n四川,1311,50\n四川,2740,30\n四川,3612,20\n四川,3911,5\n四川,3971,40\n"+
		"贵州,1311,60\n贵州,2740,40\n贵州,3061,10\n贵州,3612,2\n贵州,3971,1\n陕西,1311,5\n陕西,3061,30\n陕西,3612,60\n陕西,3911,10\n陕西,3971,15\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runTracksArgs(t, "--db", db, "--basis", "output", "--new-star", "--reference", ref)
	if err != nil || !strings.Contains(out, "3 regions of "+ref) || !strings.Contains(out, "rca") {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestTracksUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--format", "xml"},
		{"--level", "section"},
		{"--basis", "revenue"},
		{"--reference", "r.csv"},
		{"--unit", "LJ", "--new-star"},
		{"--limit", "-1"},
		{"--threshold", "0"},
		{"--w-density", "0", "--w-pci", "0", "--w-cog", "0"},
		{"extra"},
	} {
		_, stderr, err := runTracksArgs(t, append([]string{"--db", filepath.Join(t.TempDir(), "x.duckdb")}, args...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(stderr, "Usage: indus tracks") {
			t.Errorf("%v: %v\n%s", args, err, stderr)
		}
	}
}
