package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/calc/complexity"
	"github.com/indus-platform/indus/internal/indus"
)

const complexityTestdata = "../calc/complexity/testdata/"

func complexityTestEnv() (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{
		Getenv: func(string) string { return "" },
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errb,
		Logger: slog.New(slog.NewTextHandler(&errb, nil)),
	}, &out, &errb
}

func runComplexityArgs(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	env, out, errb := complexityTestEnv()
	err := newComplexityCommand().Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

// complexityReadCSV returns the rows of a CSV file as maps keyed by the header.
func complexityReadCSV(t *testing.T, path string) ([]string, []map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return recs[0], rows
}

func complexityWriteTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestComplexityStataFixture runs the command on the Growth Lab sample and
// compares every column with Stata's ecomplexity output.
func TestComplexityStataFixture(t *testing.T) {
	dir := t.TempDir()
	out, prox := filepath.Join(dir, "out.csv"), filepath.Join(dir, "prox.csv")
	_, stderr, err := runComplexityArgs(t,
		"--data", complexityTestdata+"trade_data_sample_1995.csv",
		"--region", "origin", "--activity", "hs92", "--value", "export_val", "--time", "year",
		"--fitness-iterations", "10", "--out", out, "--proximity", prox)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(stderr, "WARN") {
		t.Errorf("unexpected warnings:\n%s", stderr)
	}
	head, rows := complexityReadCSV(t, out)
	wantHead := "region,activity,time,value,rca,M,density,eci,pci,diversity,ubiquity,coi,cog,fitness,fc_complexity"
	if strings.Join(head, ",") != wantHead {
		t.Fatalf("header %q", strings.Join(head, ","))
	}
	if len(rows) != 300 {
		t.Fatalf("%d rows, want 300", len(rows))
	}
	got := map[string]map[string]string{}
	for _, r := range rows {
		got[r["region"]+"|"+r["activity"]] = r
	}
	_, truth := complexityReadCSV(t, complexityTestdata+"stata_ground_truth_1995_aut_blx_che_deu.csv")
	dev := map[string]float64{}
	cols := []string{"rca", "M", "density", "eci", "pci", "diversity", "ubiquity", "coi", "cog"}
	for _, tr := range truth {
		g, ok := got[tr["origin"]+"|"+tr["hs92"]]
		if !ok {
			t.Fatalf("no output row for %s %s", tr["origin"], tr["hs92"])
		}
		if g["time"] != "1995" {
			t.Fatalf("time %q", g["time"])
		}
		for _, c := range cols {
			a, err1 := strconv.ParseFloat(g[c], 64)
			b, err2 := strconv.ParseFloat(tr[c], 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %q vs %q", c, g[c], tr[c])
			}
			dev[c] = math.Max(dev[c], math.Abs(a-b))
		}
	}
	for _, c := range cols {
		t.Logf("max |Indus − Stata| %-9s %.3g", c, dev[c])
		if dev[c] > 1e-6 {
			t.Errorf("%s deviates by %g", c, dev[c])
		}
	}
	phead, prows := complexityReadCSV(t, prox)
	if strings.Join(phead, ",") != "activity_1,activity_2,proximity,time" || len(prows) != 30*29 {
		t.Fatalf("proximity: header %q, %d rows", phead, len(prows))
	}
	sym := map[string]string{}
	for _, r := range prows {
		sym[r["activity_1"]+"|"+r["activity_2"]] = r["proximity"]
	}
	for _, r := range prows {
		if sym[r["activity_2"]+"|"+r["activity_1"]] != r["proximity"] {
			t.Fatalf("proximity not symmetric at %v", r)
		}
	}
}

// TestComplexityPanel: duplicate rows are summed, absent pairs written with
// value 0, codes kept as strings, and each period computed on its own.
func TestComplexityPanel(t *testing.T) {
	// 2020: presence a{0101,0200} b{0200} c{0101,0300} d{0300,0400}, a path
	// and so connected; a·0101 comes in two rows. 2019: regions a–c and
	// activities 0101–0300 only, so d and 0400 have zero totals there.
	data := "\uFEFFyear,reg,code,val\r\n" +
		"2020,a,0101,3\r\n" +
		"2020,a,0101,2\r\n" +
		"2020,a,0200,5\r\n" +
		"2020,b,0101,1\r\n" +
		"2020,b,0200,9\r\n" +
		"2020,c,0101,5\r\n" +
		"2020,c,0300,5\r\n" +
		"2020,d,0300,2\r\n" +
		"2020,d,0400,8\r\n" +
		"2019,a,0101,5\r\n" +
		"2019,a,0200,5\r\n" +
		"2019,b,0101,1\r\n" +
		"2019,b,0200,9\r\n" +
		"2019,c,0101,5\r\n" +
		"2019,c,0300,5\r\n"
	in := complexityWriteTemp(t, "in.csv", data)
	out := filepath.Join(t.TempDir(), "out.csv")
	_, stderr, err := runComplexityArgs(t, "--data", in, "--region", "reg", "--activity", "code", "--value", "val", "--time", "year", "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	_, rows := complexityReadCSV(t, out)
	if len(rows) != 9+16 {
		t.Fatalf("%d rows, want 25", len(rows))
	}
	if rows[0]["time"] != "2019" || rows[9]["time"] != "2020" {
		t.Fatalf("periods out of order: %v, %v", rows[0], rows[9])
	}
	for _, s := range []string{"regions dropped", "regions=d", "activities dropped", "activities=0400", "year=2019"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("drops not reported (%q):\n%s", s, stderr)
		}
	}
	for _, period := range []struct {
		year string
		data complexity.Data
	}{
		{"2019", complexity.Data{
			Regions:    []string{"a", "b", "c"},
			Activities: []string{"0101", "0200", "0300"},
			Values:     []float64{5, 5, 0, 1, 9, 0, 5, 0, 5},
		}},
		{"2020", complexity.Data{
			Regions:    []string{"a", "b", "c", "d"},
			Activities: []string{"0101", "0200", "0300", "0400"},
			Values:     []float64{5, 5, 0, 0, 1, 9, 0, 0, 5, 0, 5, 0, 0, 0, 2, 8},
		}},
	} {
		want, err := complexity.Compute(period.data, complexity.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []map[string]string
		for _, r := range rows {
			if r["time"] == period.year {
				got = append(got, r)
			}
		}
		P := len(want.Activities)
		if len(got) != len(want.Regions)*P {
			t.Fatalf("%s: %d rows", period.year, len(got))
		}
		for k, r := range got {
			i, j := k/P, k%P
			c := want.Cell(i, j)
			if r["region"] != want.Regions[i] || r["activity"] != want.Activities[j] {
				t.Fatalf("%s row %d is %s/%s", period.year, k, r["region"], r["activity"])
			}
			for col, v := range map[string]float64{"value": want.Value[c], "rca": want.RCA[c], "M": want.M[c], "density": want.Density[c], "eci": want.ECI[i], "pci": want.PCI[j], "coi": want.COI[i], "cog": want.COG[c]} {
				if r[col] != complexityNum(v) {
					t.Errorf("%s %s/%s %s = %q, want %q", period.year, r["region"], r["activity"], col, r[col], complexityNum(v))
				}
			}
		}
	}
	// The absent pair b·0300 in 2020 is there with value 0.
	if r := rows[9+6]; r["region"] != "b" || r["activity"] != "0300" || r["value"] != "0" {
		t.Errorf("absent pair: %v", r)
	}
}

func TestComplexityStdoutAndBinary(t *testing.T) {
	in := complexityWriteTemp(t, "m.csv", "r,p,m\nr1,p1,1\nr1,p2,1\nr1,p3,1\nr2,p1,1\nr2,p2,1\nr3,p1,1\n")
	stdout, stderr, err := runComplexityArgs(t, "--data", in, "--region", "r", "--activity", "p", "--value", "m", "--binary", "--out", "-")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 10 || strings.Join(recs[0], ",") != "region,activity,value,rca,M,density,eci,pci,diversity,ubiquity,coi,cog" {
		t.Fatalf("output:\n%s", stdout)
	}
	// Binary input: no RCA (empty), M as given; r1·p1: ECI = 2/√3.
	if recs[1][3] != "" || recs[1][4] != "1" || math.Abs(complexityFloat(t, recs[1][6])-2/math.Sqrt(3)) > 1e-12 {
		t.Errorf("row %v", recs[1])
	}
}

func complexityFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestComplexityErrors(t *testing.T) {
	good := "region,activity,value\na,x,1\na,y,2\nb,x,3\nb,y,1\n"
	for _, tc := range []struct {
		name  string
		data  string
		args  []string
		usage bool
		want  []string
	}{
		{name: "missing column", data: good, args: []string{"--value", "exports"},
			want: []string{`no column "exports" (given by --value)`, `the columns are: "region", "activity", "value"`}},
		{name: "not a number", data: "region,activity,value\na,x,1\nb,y,1.2.3\n",
			want: []string{"in.csv: row 3, column \"value\": \"1.2.3\" is not a number"}},
		{name: "empty value", data: "region,activity,value\na,x,\n",
			want: []string{"row 2, column \"value\": the value is empty"}},
		{name: "negative", data: "region,activity,value\na,x,1\na,y,-4\n",
			want: []string{"row 3, column \"value\": \"-4\" is negative"}},
		{name: "NaN", data: "region,activity,value\na,x,NaN\n",
			want: []string{"row 2, column \"value\": \"NaN\" is not a finite number"}},
		{name: "empty region", data: "region,activity,value\n,x,1\n",
			want: []string{"row 2, column \"region\": the region is empty"}},
		{name: "ragged", data: "region,activity,value\na,x,1,9\n",
			want: []string{"in.csv: row 2", "wrong number of fields"}},
		{name: "duplicate header", data: "region,activity,value,value\n",
			want: []string{`column "value" appears twice`}},
		{name: "empty file", data: "",
			want: []string{"the file is empty"}},
		{name: "no rows", data: "region,activity,value\n",
			want: []string{"no data rows"}},
		{name: "binary not 0/1", data: good, args: []string{"--binary"},
			want: []string{"row 3, column \"value\": \"2\" is not 0 or 1"}},
		{name: "disconnected", data: "region,activity,value\na,x,3\na,y,1\nb,x,1\nb,y,3\n",
			want: []string{"in.csv: ", "disconnected", "component 1: 1 regions (a) and 1 activities (x)"}},
		{name: "no flags", usage: true, args: []string{}},
		{name: "bad threshold", data: good, usage: true, args: []string{"--threshold", "0"}},
		{name: "bad iterations", data: good, usage: true, args: []string{"--fitness-iterations", "0"}},
		{name: "positional", data: good, usage: true, args: []string{"extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			if err := os.WriteFile(in, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.csv")
			args := []string{"--data", in, "--region", "region", "--activity", "activity", "--value", "value", "--out", out}
			if tc.name == "no flags" {
				args = nil
			}
			args = append(args, tc.args...)
			_, stderr, err := runComplexityArgs(t, args...)
			if tc.usage {
				if !errors.Is(err, errUsage) {
					t.Fatalf("err = %v, want a usage error", err)
				}
				if !strings.Contains(stderr, "Usage: indus complexity") {
					t.Errorf("no usage printed:\n%s", stderr)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if indus.Code(err) != indus.EInvalid {
				t.Errorf("code %q for %v", indus.Code(err), err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q lacks %q", err.Error(), s)
				}
			}
			if _, statErr := os.Stat(out); statErr == nil {
				t.Error("output written despite the error")
			}
		})
	}
}
