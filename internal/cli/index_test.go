package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/calc/index"
	"github.com/indus-platform/indus/internal/indus"
)

const indexTestdata = "../calc/index/testdata/"

func runIndexArgs(t testing.TB, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	err := newIndexCommand().Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

// indexCSV reads a CSV file into its header and rows keyed by uCode (or by
// the first column).
func indexCSV(t testing.TB, path string) ([]string, map[string]map[string]string, []string) {
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
	rows := map[string]map[string]string{}
	var order []string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows[r[0]] = m
		order = append(order, r[0])
	}
	return recs[0], rows, order
}

func indexNum(t testing.TB, s string) float64 {
	t.Helper()
	switch s {
	case "", "NA":
		return math.NaN()
	case "Inf":
		return math.Inf(1)
	case "-Inf":
		return math.Inf(-1)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

// indexClose compares with the COINr tolerance: absolute or relative 1e-9.
func indexClose(got, want float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if got == want {
		return true
	}
	d := math.Abs(got - want)
	return d <= 1e-9 || d <= 1e-9*math.Abs(want)
}

// TestIndexASEMReproducesCOINr runs the command on the ASEM fixture with the
// default pipeline and compares every stage file with COINr 1.1.14, and the
// ranks in results.csv with COINr's.
func TestIndexASEMReproducesCOINr(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, err := runIndexArgs(t, "--meta", indexTestdata+"input_ASEM_iMeta.csv", "--data", indexTestdata+"input_ASEM_iData.csv", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "aggregated.csv, results.csv") {
		t.Errorf("stdout %q", stdout)
	}
	for _, s := range []struct{ file, fixture string }{
		{"raw.csv", "pipeline_01_Raw.csv"},
		{"denominated.csv", "pipeline_02_Denominated.csv"},
		{"imputed.csv", "pipeline_03_Imputed.csv"},
		{"screened.csv", "pipeline_04_Screened.csv"},
		{"treated.csv", "pipeline_05_Treated.csv"},
		{"normalised.csv", "pipeline_06_Normalised.csv"},
		{"aggregated.csv", "pipeline_07_Aggregated.csv"},
	} {
		gh, got, order := indexCSV(t, filepath.Join(dir, s.file))
		wh, want, _ := indexCSV(t, indexTestdata+s.fixture)
		if len(gh) != len(wh) || len(got) != len(want) {
			t.Fatalf("%s: %d columns × %d rows, COINr %d × %d", s.file, len(gh), len(got), len(wh), len(want))
		}
		if gh[0] != "uCode" {
			t.Errorf("%s: first column %q", s.file, gh[0])
		}
		n := 0
		for u, wr := range want {
			gr, ok := got[u]
			if !ok {
				t.Fatalf("%s: no row %s", s.file, u)
			}
			for _, c := range wh[1:] {
				if g, w := indexNum(t, gr[c]), indexNum(t, wr[c]); !indexClose(g, w) {
					t.Errorf("%s %s/%s = %v, COINr %v", s.file, u, c, g, w)
				}
				n++
			}
		}
		// Rows in input order: the data file starts with Austria.
		if order[0] != "AUT" {
			t.Errorf("%s: first row %s, want AUT (input order)", s.file, order[0])
		}
		t.Logf("%-16s %d values within 1e-9", s.file, n)
	}
	// results.csv: every aggregate's score and rank.
	rh, res, _ := indexCSV(t, filepath.Join(dir, "results.csv"))
	if strings.Join(rh[:5], ",") != "uCode,Index,Index_rank,Conn,Conn_rank" || rh[len(rh)-1] != "SusEcFin_rank" {
		t.Errorf("results header %v", rh)
	}
	wh, ranks, _ := indexCSV(t, indexTestdata+"results_aggs_ranks.csv")
	_, agg, _ := indexCSV(t, indexTestdata+"pipeline_07_Aggregated.csv")
	for u, wr := range ranks {
		for _, c := range wh[1:] {
			if res[u][c+"_rank"] != wr[c] {
				t.Errorf("%s/%s rank %s, COINr %s", u, c, res[u][c+"_rank"], wr[c])
			}
			if g, w := indexNum(t, res[u][c]), indexNum(t, agg[u][c]); !indexClose(g, w) {
				t.Errorf("%s/%s score %v, COINr %v", u, c, g, w)
			}
		}
	}
}

const indexPipelineYAML = `
denominate: true
impute:    {method: group_mean, group: EurAsia_group}
screen:    {min_availability: 0.9}
treat:     {method: winsorise, winmax: 5, skew: 2, kurt: 3.5, fallback: log}
normalise: {method: minmax, min: 1, max: 100}
aggregate: {method: amean}
classify:  {method: bands, bands: {A: 0.20, B: 0.60, C: 0.95, D: 1.0}}
uncertainty:
  runs: 70
  seed: 42
  weights: {levels: [2, 3], noise: 0.25}
  alternatives: {treat.winmax: [1, 2, 3, 4, 5], aggregate: [{method: amean}, {method: gmean}]}
`

func writeTemp(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIndexPipelineUncertaintyAndWrite(t *testing.T) {
	dir := t.TempDir()
	pipe := writeTemp(t, dir, "p.yaml", indexPipelineYAML)
	out := filepath.Join(dir, "out")
	_, stderr, err := runIndexArgs(t, "--meta", indexTestdata+"input_ASEM_iMeta.csv", "--data", indexTestdata+"input_ASEM_iData.csv",
		"--pipeline", pipe, "--out", out, "--write", "results,uncertainty,sensitivity,explain")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.csv"))
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if got := strings.Join(names, ","); got != "explain.csv,results.csv,sensitivity.csv,uncertainty.csv" {
		t.Fatalf("files %s", got)
	}
	rh, res, _ := indexCSV(t, filepath.Join(out, "results.csv"))
	if rh[len(rh)-1] != "class" || len(res) != 51 {
		t.Errorf("results: header %v, %d rows", rh, len(res))
	}
	uh, unc, order := indexCSV(t, filepath.Join(out, "uncertainty.csv"))
	if got := strings.Join(uh, ","); got != "uCode,nominal_rank,median_rank,q05_rank,q95_rank,mean_rank,p_A,p_B,p_C,p_D" {
		t.Errorf("uncertainty header %s", got)
	}
	if len(unc) != 51 || order[0] != "AUT" {
		t.Errorf("uncertainty: %d rows, first %s", len(unc), order[0])
	}
	for u, r := range unc {
		if r["nominal_rank"] == "" {
			if res[u] != nil {
				t.Errorf("%s: ranked in results but not in uncertainty.csv", u)
			}
			continue
		}
		if r["nominal_rank"] != res[u]["Index_rank"] {
			t.Errorf("%s: nominal rank %s, results %s", u, r["nominal_rank"], res[u]["Index_rank"])
		}
		p := indexNum(t, r["p_A"]) + indexNum(t, r["p_B"]) + indexNum(t, r["p_C"]) + indexNum(t, r["p_D"])
		if math.Abs(p-1) > 1e-12 {
			t.Errorf("%s: class probabilities sum to %g", u, p)
		}
	}
	sh, sens, _ := indexCSV(t, filepath.Join(out, "sensitivity.csv"))
	if sh[0] != "input" || len(sens) != 4 || sens["treat.winmax"]["options"] != "1 | 2 | 3 | 4 | 5" || !strings.HasPrefix(sens["weights.level2"]["options"], "±0.25: ") {
		t.Errorf("sensitivity: %v %v", sh, sens)
	}
	// explain.csv: 51 units × 49 indicators.
	f, err := os.Open(filepath.Join(out, "explain.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+51*49 || recs[0][10] != "iCode" {
		t.Errorf("explain.csv: %d rows, header %v", len(recs), recs[0])
	}
	// The same seed gives byte-identical files, with 1 or 2 cores.
	out2 := filepath.Join(dir, "out2")
	old := runtime.GOMAXPROCS(1)
	_, _, err = runIndexArgs(t, "--meta", indexTestdata+"input_ASEM_iMeta.csv", "--data", indexTestdata+"input_ASEM_iData.csv",
		"--pipeline", pipe, "--out", out2, "--write", "uncertainty,sensitivity")
	runtime.GOMAXPROCS(old)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"uncertainty.csv", "sensitivity.csv"} {
		a, _ := os.ReadFile(filepath.Join(out, name))
		b, _ := os.ReadFile(filepath.Join(out2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between runs", name)
		}
	}
	// Without --write: every stage that ran, results, uncertainty and
	// sensitivity; the classify step writes no stage file.
	out3 := filepath.Join(dir, "out3")
	if _, _, err := runIndexArgs(t, "--meta", indexTestdata+"input_ASEM_iMeta.csv", "--data", indexTestdata+"input_ASEM_iData.csv",
		"--pipeline", pipe, "--out", out3); err != nil {
		t.Fatal(err)
	}
	files, _ = filepath.Glob(filepath.Join(out3, "*.csv"))
	if len(files) != 10 {
		t.Errorf("default files: %v", files)
	}
}

// TestIndexBadInput checks that each kind of bad input is a clear error
// naming the file and the row, column or key.
func TestIndexBadInput(t *testing.T) {
	dir := t.TempDir()
	meta := "iCode,Parent,Type,Weight,Direction,Level,Denominator\n" +
		"a,I,Indicator,1,1,1,\n" +
		"b,I,Indicator,1,1,1,area\n" +
		"I,,Aggregate,,,2,\n" +
		"area,,Denominator,,,,\n"
	good := writeTemp(t, dir, "meta.csv", meta)
	data := "uCode,a,b,area\nu1,1,2,3\nu2,4,5,6\nu3,7,8,9\n"
	goodData := writeTemp(t, dir, "data.csv", data)
	nopipe := writeTemp(t, dir, "plain.yaml", "denominate: true\n")
	cases := []struct {
		name             string
		meta, data, pipe string
		want             []string
	}{
		{"unknown iCode in the data", good, writeTemp(t, dir, "d1.csv", "uCode,a,b,c,area\nu1,1,2,3,4\n"), "",
			[]string{"d1.csv", `unknown column "c"`}},
		{"unknown parent", writeTemp(t, dir, "m1.csv", strings.Replace(meta, "b,I,", "b,J,", 1)), goodData, "",
			[]string{"m1.csv", `"b" has unknown parent "J"`}},
		{"cycle", writeTemp(t, dir, "m2.csv", "iCode,Parent,Type,Weight,Direction\na,G,Indicator,1,1\nG,H,Aggregate,1,\nH,G,Aggregate,1,\n"), goodData, "",
			[]string{"m2.csv", "cycle"}},
		{"parent not an aggregate", writeTemp(t, dir, "m3.csv", strings.Replace(meta, "b,I,", "b,a,", 1)), goodData, "",
			[]string{"m3.csv", `parent "a" of "b" is an indicator, not an aggregate`}},
		{"denominator of zero", good, writeTemp(t, dir, "d2.csv", "uCode,a,b,area\nu1,1,2,3\nu2,4,5,0\n"), nopipe,
			[]string{"d2.csv", `unit "u2" has a zero area`}},
		{"unknown method", good, goodData, writeTemp(t, dir, "p1.yaml", "aggregate: {method: median}\n"),
			[]string{"p1.yaml", `aggregate method "median"`}},
		{"unknown normalisation method", good, goodData, writeTemp(t, dir, "p2.yaml", "normalise: {method: cubic}\n"),
			[]string{"data.csv", `normalise "a"`, `unknown normalisation method "cubic"`}},
		{"unknown step", good, goodData, writeTemp(t, dir, "p3.yaml", "normalize: {method: minmax}\n"),
			[]string{"p3.yaml", `unknown step "normalize"`}},
		{"non-numeric cell", good, writeTemp(t, dir, "d3.csv", "uCode,a,b,area\nu1,1,2,3\nu2,4,five,6\n"), "",
			[]string{"d3.csv", "row 3", "column b", `"five" is not a number`}},
		{"non-numeric cell in the meta", writeTemp(t, dir, "m4.csv", strings.Replace(meta, "a,I,Indicator,1,", "a,I,Indicator,one,", 1)), goodData, "",
			[]string{"m4.csv", "row 2", "column Weight"}},
		{"aggregate as a data column", good, writeTemp(t, dir, "d4.csv", "uCode,a,b,area,I\nu1,1,2,3,4\n"), "",
			[]string{"d4.csv", `column "I" is an aggregate`}},
		{"duplicate unit", good, writeTemp(t, dir, "d5.csv", "uCode,a,b,area\nu1,1,2,3\nu1,4,5,6\n"), "",
			[]string{"d5.csv", `uCode "u1" appears twice`}},
		{"missing indicator column", good, writeTemp(t, dir, "d6.csv", "uCode,a,area\nu1,1,3\n"), "",
			[]string{"d6.csv", `indicator "b" of the framework is missing`}},
		{"wrong number of fields", good, writeTemp(t, dir, "d7.csv", "uCode,a,b,area\nu1,1,2,3\nu2,4,5\n"), "",
			[]string{"d7.csv", "row 3", "wrong number of fields"}},
		{"bad uncertainty option", good, goodData, writeTemp(t, dir, "p4.yaml", "uncertainty: {alternatives: {treat.winmax: [0]}}\n"),
			[]string{"p4.yaml", "uncertainty.alternatives.treat.winmax option 1"}},
		{"missing file", good, filepath.Join(dir, "nope.csv"), "", []string{"nope.csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--meta", c.meta, "--data", c.data, "--out", filepath.Join(dir, "out")}
			if c.pipe != "" {
				args = append(args, "--pipeline", c.pipe)
			}
			code, stderr := runIndexCLI(t, args...)
			if code != 1 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("error %q does not mention %q", stderr, w)
				}
			}
		})
	}
	// Usage errors.
	for _, args := range [][]string{
		{"--meta", good, "--data", goodData},
		{"--meta", good, "--data", goodData, "--out", dir, "--write", "results,scores"},
		{"--meta", good, "--data", goodData, "--out", dir, "extra"},
	} {
		if _, stderr, err := runIndexArgs(t, args...); err != errUsage {
			t.Errorf("%v: error %v (%s), want a usage error", args, err, stderr)
		}
	}
	if _, _, err := runIndexArgs(t, "--meta", good, "--data", goodData, "--out", dir, "--write", "uncertainty"); err == nil ||
		!strings.Contains(err.Error(), "no uncertainty block") {
		t.Errorf("--write uncertainty without a block: %v", err)
	}
}

// runIndexCLI runs the command as cli.Run would print it: exit code and
// stderr.
func runIndexCLI(t testing.TB, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	err := newIndexCommand().Run(context.Background(), env, args)
	if err == nil {
		return 0, errb.String()
	}
	// The same rendering as Run: a domain error's message, else the chain.
	var de *indus.Error
	if errors.As(err, &de) {
		return 1, errb.String() + "indus index: " + de.Message + "\n"
	}
	return 1, errb.String() + "indus index: " + err.Error() + "\n"
}

// TestReadIndexCSVMatchesEngine reads tricky files with the streaming
// reader and with index.ReadDataCSV and compares the data sets.
func TestReadIndexCSVMatchesEngine(t *testing.T) {
	fw, err := index.LoadMetaCSV(indexTestdata + "input_ASEM_iMeta.csv")
	if err != nil {
		t.Fatal(err)
	}
	asem, err := os.ReadFile(indexTestdata + "input_ASEM_iData.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw2 := smallIndexFramework(t)
	inputs := map[string]struct {
		fw   *index.Framework
		data string
	}{
		"asem":      {fw, string(asem)},
		"asem crlf": {fw, strings.ReplaceAll(string(asem), "\n", "\r\n")},
		"bom, quotes, blank lines, NA markers": {fw2, "\xef\xbb\xbfuCode,uName,g,a,b,area\n" +
			"u1,\"Name, with comma\",x,1.5,NA,2\n\n" +
			"\"u2\",\"He said \"\"hi\"\"\",,  3 ,,4\n" +
			"u3,\"two\nlines\",y,Inf,-Inf,1e3\n" +
			"u4,plain,NULL,nan,n/a,0x1p-2\n" +
			"u5,last,z,-0,0,5"},
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			want, err := index.ReadDataCSV(strings.NewReader(in.data), "x.csv", in.fw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readIndexCSV(strings.NewReader(in.data), "x.csv", in.fw)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := fmt.Sprintf("%#v", *got), fmt.Sprintf("%#v", *want); a != b {
				t.Errorf("streaming reader:\n%s\nengine:\n%s", a, b)
			}
		})
	}
	// Errors name the file, the line and the column.
	for _, c := range []struct{ data, want string }{
		{"", "x.csv: empty file"},
		{"x,y\n", `x.csv: unknown column "x"`},
		{"uName,a\n", `x.csv: missing column "uCode"`},
		{"uCode,a,b,area\nu1,1,2,3\nu2,\"4,5,6\n", `x.csv: row 3: extraneous or missing " in quoted-field`},
		{"uCode,a,b,area\nu1,1,2,3\nu2,4\"x,5,6\n", `x.csv: row 3: bare "`},
		{"uCode,a,b,area\nu1,1,2,3\n\nu2,4,5,x\n", `x.csv: row 4, column area: "x" is not a number`},
	} {
		_, err := readIndexCSV(strings.NewReader(c.data), "x.csv", fw2)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.data, err, c.want)
		}
	}
}

// TestReadIndexCSVBlocks reads a file larger than one block, with a quoted
// field spanning lines at an arbitrary place.
func TestReadIndexCSVBlocks(t *testing.T) {
	fw := smallIndexFramework(t)
	var b strings.Builder
	b.WriteString("uCode,uName,g,a,b,area\n")
	r := rand.New(rand.NewPCG(1, 2))
	n := 200000
	for i := 0; i < n; i++ {
		name := "n"
		if i%9973 == 0 {
			name = "\"multi\nline, \"\"name\"\"\""
		}
		fmt.Fprintf(&b, "u%d,%s,g%d,%g,%g,%g\n", i, name, i%7, r.NormFloat64(), r.ExpFloat64(), 1+r.Float64())
	}
	if b.Len() < 2*indexBlock {
		t.Fatalf("test file of %d bytes is not bigger than two blocks", b.Len())
	}
	want, err := index.ReadDataCSV(strings.NewReader(b.String()), "x.csv", fw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readIndexCSV(strings.NewReader(b.String()), "x.csv", fw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != n || fmt.Sprintf("%v", *got) != fmt.Sprintf("%v", *want) {
		t.Errorf("%d units; differs from the engine's reader", got.Len())
	}
	// A bad cell far down is reported with its line.
	bad := b.String() + "uX,n,g1,1,oops,1\n"
	_, err = readIndexCSV(strings.NewReader(bad), "x.csv", fw)
	lines := strings.Count(b.String(), "\n") + 1
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("row %d, column b", lines)) {
		t.Errorf("error %v, want row %d", err, lines)
	}
}

func smallIndexFramework(t testing.TB) *index.Framework {
	t.Helper()
	fw, err := index.ReadMetaCSV(strings.NewReader("iCode,Parent,Type,Weight,Direction\na,I,Indicator,1,1\nb,I,Indicator,2,-1\nI,,Aggregate,,\ng,,Group,,\narea,,Denominator,,\n"), "meta.csv")
	if err != nil {
		t.Fatal(err)
	}
	return fw
}

// TestIndexFastPathIdentical compares the fast path with Pipeline.Run on
// data with missing values, ties, zeros of both signs and infinities.
func TestIndexFastPathIdentical(t *testing.T) {
	fw, err := index.ReadMetaCSV(strings.NewReader("iCode,Parent,Type,Weight,Direction\n"+
		"tax,E,Indicator,30,1\nva,E,Indicator,20,1\nen,R,Indicator,20,-1\nem,R,Indicator,10,1\nlp,R,Indicator,10,1\nrd,R,Indicator,10,1\n"+
		"E,Score,Aggregate,1,\nR,Score,Aggregate,2,\nScore,,Aggregate,,\n"), "meta.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{7, 1000, 70000} {
		r := rand.New(rand.NewPCG(uint64(n), 3))
		d := &index.Dataset{Indicators: map[string][]float64{}}
		for i := 0; i < n; i++ {
			d.UCodes = append(d.UCodes, "u"+strconv.Itoa(i))
		}
		for _, c := range fw.Indicators() {
			col := make([]float64, n)
			for i := range col {
				switch x := r.Float64(); {
				case x < 0.03:
					col[i] = math.NaN()
				case x < 0.05:
					col[i] = 0
				case x < 0.06:
					col[i] = math.Copysign(0, -1)
				case x < 0.2:
					col[i] = float64(r.IntN(5)) // ties
				default:
					col[i] = math.Exp(r.NormFloat64())
				}
			}
			d.Indicators[c] = col
		}
		bands := index.Classify{Classes: []index.ClassRule{{Name: "A", UpTo: 0.2}, {Name: "B", UpTo: 0.7}, {Name: "C", UpTo: 0.95}, {Name: "D", UpTo: 1}}}
		pipes := map[string]index.Pipeline{
			"per-mu": {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormRatio, Benchmark: index.BenchmarkMean, Cap: 2}},
				index.Aggregate{AggSpec: index.AggSpec{Method: index.AggWSum}}, bands}},
			"minmax amean thresholds": {Steps: []index.Step{index.Normalise{},
				index.Aggregate{AggSpec: index.AggSpec{MinAvailability: 0.6}, ByLevel: map[int]index.AggSpec{3: {Method: index.AggWSum}}},
				index.Classify{Method: index.ClassifyThresholds, Code: "E", Classes: []index.ClassRule{{Name: "hi", Min: 50}, {Name: "lo", Min: math.Inf(-1)}}}}},
			"zscore median ratio quotas": {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormZScore},
				ByCode: map[string]index.NormSpec{"rd": {Method: index.NormRatio, Benchmark: index.BenchmarkMedian, K: 2}}},
				index.Aggregate{Weights: map[string]float64{"tax": 5}},
				index.Classify{Method: index.ClassifyQuotas, Classes: []index.ClassRule{{Name: "A", Count: 3}, {Name: "B", Count: 2}, {Name: "C"}}}}},
			"fracmax no classes": {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormFracMax}}, index.Aggregate{}}},
			"per-mu with flags": {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormRatio, Benchmark: index.BenchmarkMean, Cap: 2}},
				index.Aggregate{AggSpec: index.AggSpec{Method: index.AggWSum}},
				index.Classify{Classes: bands.Classes, Flags: map[string]index.UnitFlag{
					"u0": {Cap: "C", Reason: "safety accident"}, "u3": {Unrated: true}, "u5": {Unrated: true, Reason: "new"}, "u6": {Cap: "B"}}}}},
		}
		for name, p := range pipes {
			if n > 1000 && name != "per-mu" && name != "per-mu with flags" {
				continue // the large size is for the radix ranks; one pipeline suffices
			}
			want, err := p.Run(fw, d)
			if err != nil {
				t.Fatal(err)
			}
			got, fast, err := indexFast(fw, d, p)
			if err != nil || !fast {
				t.Fatalf("%s: fast %v, %v", name, fast, err)
			}
			if a, b := dumpResult(got), dumpResult(want); a != b {
				t.Errorf("n=%d %s: fast path differs from the engine", n, name)
			}
		}
	}
	// Pipelines outside the fast path's shape go to the engine.
	fwp, d := loadIndexASEM(t)
	if _, fast, err := indexFast(fwp, d, index.DefaultPipeline()); fast || err != nil {
		t.Errorf("default pipeline: fast %v %v", fast, err)
	}
	bad := index.Pipeline{Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: "cubic"}}, index.Aggregate{}}}
	if _, fast, err := indexFast(fwp, d, bad); fast || err != nil {
		t.Errorf("unknown method: fast %v %v (the engine must report it)", fast, err)
	}
}

func loadIndexASEM(t testing.TB) (*index.Framework, *index.Dataset) {
	t.Helper()
	fw, err := index.LoadMetaCSV(indexTestdata + "input_ASEM_iMeta.csv")
	if err != nil {
		t.Fatal(err)
	}
	d, err := index.LoadDataCSV(indexTestdata+"input_ASEM_iData.csv", fw)
	if err != nil {
		t.Fatal(err)
	}
	return fw, d
}

// dumpResult renders a result for comparison; %v prints NaN as NaN and
// distinguishes −0 from 0 through the bits of every value.
func dumpResult(r *index.Result) string {
	var b strings.Builder
	for _, s := range r.Stages {
		fmt.Fprintf(&b, "%s %s %v %v %v\n", s.Step, s.Stage, s.Data.UCodes[:min(3, len(s.Data.UCodes))], s.Data.Rows[:min(3, len(s.Data.Rows))], s.Data.Codes)
		for _, c := range s.Data.Cols {
			for _, v := range c {
				fmt.Fprintf(&b, "%x ", math.Float64bits(v))
			}
			b.WriteByte('\n')
		}
		if s.Normalise != nil {
			fmt.Fprintf(&b, "%v\n", s.Normalise.Params)
		}
		if s.Aggregate != nil {
			fmt.Fprintf(&b, "%+v\n", s.Aggregate.Aggregates)
		}
		if s.Classify != nil {
			fmt.Fprintf(&b, "%+v\n", *s.Classify)
		}
	}
	fmt.Fprintf(&b, "%v %v\n", r.Ranks, r.Scores.Codes)
	if r.Classes != nil {
		fmt.Fprintf(&b, "%+v\n", *r.Classes)
	}
	return b.String()
}

func TestAppendCSVField(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a,b": `"a,b"`, `say "hi"`: `"say ""hi"""`, " lead": `" lead"`, "x\ny": "\"x\ny\""} {
		if got := string(appendCSVField(nil, in)); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	for v, want := range map[float64]string{1: "1", 0.1: "0.1", 1e21: "1e+21", math.Inf(1): "Inf", math.Inf(-1): "-Inf", math.NaN(): ""} {
		if got := string(appendIndexNum(nil, v)); got != want {
			t.Errorf("%v → %q, want %q", v, got, want)
		}
	}
}

// BenchmarkIndexASEM is the ASEM pipeline end to end through the command:
// meta and data files in, every stage and results.csv out (target: under
// 50 ms).
func BenchmarkIndexASEM(b *testing.B) {
	dir := b.TempDir()
	args := []string{"--meta", indexTestdata + "input_ASEM_iMeta.csv", "--data", indexTestdata + "input_ASEM_iData.csv", "--out", dir}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, stderr, err := runIndexArgs(b, args...); err != nil {
			b.Fatalf("%v\n%s", err, stderr)
		}
	}
}

// BenchmarkIndexFiles runs the command on the files named by
// INDUS_BENCH_INDEX_ARGS (space-separated arguments, as bench/index.sh
// passes them); it is skipped without them.
func BenchmarkIndexFiles(b *testing.B) {
	args := strings.Fields(os.Getenv("INDUS_BENCH_INDEX_ARGS"))
	if len(args) == 0 {
		b.Skip("INDUS_BENCH_INDEX_ARGS not set")
	}
	for i := 0; i < b.N; i++ {
		if _, stderr, err := runIndexArgs(b, args...); err != nil {
			b.Fatalf("%v\n%s", err, stderr)
		}
	}
}

// TestParseDecimalMatchesStrconv: the fast parser gives ParseFloat's value
// bit for bit, or declines.
func TestParseDecimalMatchesStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	cases := []string{"0", "-0", "+0", "1", "-1", "0.1", "6.34554", "1e-05", "1E5", "2.5e+22", "9007199254740991", "9007199254740993",
		"123456789012345678901", "1e23", "1e-23", "0.000001", ".5", "5.", "-.5e1", "1e", "e5", "1.2.3", "1_000", "0x1p-2", "inf", "--1", "1e+", "00012.500"}
	for i := 0; i < 200000; i++ {
		v := math.Exp(r.NormFloat64()*8) * float64(1-2*r.IntN(2))
		cases = append(cases, strconv.FormatFloat(v, 'g', -1, 64), strconv.FormatFloat(v, 'g', 6, 64), strconv.FormatFloat(v, 'f', r.IntN(9), 64), strconv.FormatFloat(v, 'e', r.IntN(12), 64))
	}
	for _, c := range cases {
		got, ok := parseDecimal([]byte(c))
		want, err := strconv.ParseFloat(c, 64)
		if ok && (err != nil || math.Float64bits(got) != math.Float64bits(want)) {
			t.Fatalf("%q: %v (%x), strconv %v (%x) %v", c, got, math.Float64bits(got), want, math.Float64bits(want), err)
		}
	}
}

// TestReadIndexCSVSized reads through the final-column views (the size
// known), with gaps to close (blank lines, a record over two lines) and an
// estimate that runs out (short lines after long ones).
func TestReadIndexCSVSized(t *testing.T) {
	fw := smallIndexFramework(t)
	var b strings.Builder
	b.WriteString("uCode,uName,g,a,b,area\n")
	long := strings.Repeat("x", 200)
	i := 0
	for ; b.Len() < indexBlock+(1<<20); i++ {
		fmt.Fprintf(&b, "u%d,%s,g,%d,%d,1\n", i, long, i, -i)
		if i%5000 == 0 {
			b.WriteString("\n")
		}
	}
	for end := i + 300000; i < end; i++ {
		if i%7001 == 0 {
			fmt.Fprintf(&b, "u%d,\"two\nlines\",g,%d,%d,1\n", i, i, -i)
			continue
		}
		fmt.Fprintf(&b, "u%d,n,,%d,%d,1\n", i, i, -i)
	}
	path := writeTemp(t, t.TempDir(), "d.csv", b.String())
	got, err := readIndexData(path, fw)
	if err != nil {
		t.Fatal(err)
	}
	want, err := index.ReadDataCSV(strings.NewReader(b.String()), path, fw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != i || fmt.Sprintf("%v", *got) != fmt.Sprintf("%v", *want) {
		t.Errorf("%d units (want %d); differs from the engine's reader", got.Len(), i)
	}
	if cap(got.UCodes) != len(got.UCodes) {
		t.Errorf("columns not trimmed: cap %d len %d", cap(got.UCodes), len(got.UCodes))
	}
}

// TestReadIndexCSVPlainLines: blocks without quotes are read line by line
// (plainLine) or, when the table has only a uCode and numbers, by the tight
// loop of plainNumbers, with numbers parsed as they are scanned; every line
// they cannot take as it is falls back to the general reader. Values and
// errors must be those of index.ReadDataCSV on every numeric form, line end
// and odd line, in both layouts.
func TestReadIndexCSVPlainLines(t *testing.T) {
	fw := smallIndexFramework(t)
	r := rand.New(rand.NewPCG(17, 18))
	forms := []string{"0", "-0", "+0", "1", "-1", "+.5", "5.", ".5", "-.5e1", "1e5", "1E5", "1e+05", "2.5e-22", "2.5e-23", "1e22", "1e23",
		"9007199254740991", "9007199254740992", "9007199254740993", "123456789012345678901", "0.00000000000000000000123",
		"00012.500", "0.000000000000000000000000123", "1e300", "Inf", "-Inf", "+Inf", "inf", "NA", "NaN", "nan", "NULL", "n/a", "", " 3 ", "\t4", "0x1p-2", "1e0005",
		"1234567890123456789", "0.1234567890123456789", "12345.67890123456789"}
	num := func() string {
		switch r.IntN(4) {
		case 0:
			return forms[r.IntN(len(forms))]
		case 1:
			return strconv.FormatFloat(math.Exp(r.NormFloat64()*10), 'g', -1, 64)
		case 2:
			return strconv.FormatFloat(r.NormFloat64()*1e3, 'f', r.IntN(8), 64)
		}
		return strconv.FormatFloat(math.Exp(r.NormFloat64()*30), 'e', r.IntN(17), 64)
	}
	end := func() string {
		switch r.IntN(10) {
		case 0:
			return "\r\n"
		case 1:
			return "\n\n" // a blank line
		case 2:
			return "\r\n\r\n"
		}
		return "\n"
	}
	code := func(i int) string {
		switch r.IntN(20) {
		case 0:
			return fmt.Sprintf(" u%d ", i) // spaces to trim
		case 1:
			return fmt.Sprintf("u%d\t", i)
		}
		return fmt.Sprintf("u%d", i)
	}
	var withText, numbers strings.Builder
	withText.WriteString("uCode,uName,g,a,b,area\n")
	numbers.WriteString("uCode,a,b,area\n")
	for i := 0; i < 3000; i++ {
		g := []string{"x", "", "NA", " y "}[r.IntN(4)]
		fmt.Fprintf(&withText, "%s,name %d,%s,%s,%s,%s%s", code(i), i, g, num(), num(), num(), end())
		fmt.Fprintf(&numbers, "%s,%s,%s,%s%s", code(i), num(), num(), num(), end())
	}
	for layout, data := range map[string]string{"with text": withText.String(), "numbers only": numbers.String()} {
		for name, in := range map[string]string{"lines": data, "no final newline": strings.TrimRight(data, "\r\n"), "final carriage return": strings.TrimRight(data, "\r\n") + "\r"} {
			want, werr := index.ReadDataCSV(strings.NewReader(in), "x.csv", fw)
			got, gerr := readIndexCSV(strings.NewReader(in), "x.csv", fw)
			if werr != nil || gerr != nil {
				t.Fatalf("%s, %s: %v / %v", layout, name, gerr, werr)
			}
			if a, b := fmt.Sprintf("%#v", *got), fmt.Sprintf("%#v", *want); a != b {
				t.Errorf("%s, %s: the streaming reader differs from the engine's", layout, name)
			}
		}
	}
	// Errors in blocks without quotes name the same row as the engine's.
	for _, c := range []struct{ data, want string }{
		{"uCode,a,b,area\nu1,1,2,3\nu2,4,5\n", `row 3: wrong number of fields`},
		{"uCode,a,b,area\nu1,1,2,3\n\nu2,4,5,6,7\n", `row 4: wrong number of fields`},
		{"uCode,a,b,area\r\nu1,1,2,3\r\nu2,4,5,1e5x\r\n", `row 3, column area: "1e5x" is not a number`},
		{"uCode,a,b,area\nu1,1,2,3\nu2,--4,5,6", `row 3, column a: "--4" is not a number`},
		{"uCode,a,b,area\nu1,1,2,3\nu2,4,1e400,6", `row 3, column b: "1e400" is not a number`},
		{"uCode,a,b,area\nu1,1,2,3\nu2,4,.,6", `row 3, column b: "." is not a number`},
		{"uCode,a,b,area\nu1,1,2,3\nu2,4,-,6", `row 3, column b: "-" is not a number`},
		{"uCode,uName,a,b,area\nu1,n,1,2,3\nu2,n,4,5", `row 3: wrong number of fields`},
	} {
		_, err := readIndexCSV(strings.NewReader(c.data), "x.csv", fw)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.data, err, c.want)
		}
	}
}

// TestScanDecimalMatchesParseDecimal: the scanning parser takes the numbers
// parseDecimal takes (but those with more than 19 digits), with the same
// value, and stops where the number ends.
func TestScanDecimalMatchesParseDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	cases := []string{"0", "-0", "1.", ".1", ".", "-", "+", "e5", "1e", "1e+", "1e-5", "12345678901234567890", "1234567890123456789",
		"9007199254740992", "9007199254740991e-22", "1e22", "1e23", "0.0000000000000000000000001", "1E1000", "1e10000"}
	for i := 0; i < 100000; i++ {
		v := math.Exp(r.NormFloat64()*8) * float64(1-2*r.IntN(2))
		cases = append(cases, strconv.FormatFloat(v, 'g', -1, 64), strconv.FormatFloat(v, 'g', 6, 64), strconv.FormatFloat(v, 'f', r.IntN(9), 64), strconv.FormatFloat(v, 'e', r.IntN(12), 64))
	}
	cases = append(cases, "00000000000000000001.5", "1.00000000000000000000", "123456789012345678")
	for _, c := range cases {
		want, wok := parseDecimal([]byte(c))
		got, end, ok := scanDecimal([]byte(c+","), 0)
		if ok && end != len(c) {
			continue // a prefix: the caller sees the field go on and falls back
		}
		// More than 19 digits are left to parseCell (which calls
		// parseDecimal): the value is the same either way.
		mantissa, _, _ := strings.Cut(strings.ToLower(c), "e")
		long := strings.Count(mantissa, "")-1-strings.Count(mantissa, ".")-strings.Count(mantissa, "-")-strings.Count(mantissa, "+") > 19
		if (ok != wok && !(long && !ok)) || (ok && math.Float64bits(got) != math.Float64bits(want)) {
			t.Fatalf("%q: scan %v %v (end %d), parseDecimal %v %v", c, got, ok, end, want, wok)
		}
	}
}

// TestIndexLeanResultsIdentical: with results.csv as the only output, the
// lean path writes the same file, byte for byte, as the engine's result
// (Pipeline.Run) does, on data with missing values, ties, zeros of both
// signs and rows with no data, leaving the data as they were; pipelines it
// does not take go to the general path.
func TestIndexLeanResultsIdentical(t *testing.T) {
	fw, err := index.ReadMetaCSV(strings.NewReader("iCode,Parent,Type,Weight,Direction\n"+
		"tax,E,Indicator,30,1\nva,E,Indicator,20,1\nen,R,Indicator,20,-1\nem,R,Indicator,10,1\nlp,R,Indicator,10,1\nrd,R,Indicator,10,1\n"+
		"E,Score,Aggregate,1,\nR,Score,Aggregate,2,\nScore,,Aggregate,,\n"), "meta.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bands := index.Classify{Classes: []index.ClassRule{{Name: "A", UpTo: 0.2}, {Name: "B", UpTo: 0.7}, {Name: "C", UpTo: 0.95}, {Name: "D", UpTo: 1}}}
	pipes := map[string]index.Pipeline{
		"per-mu": {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormRatio, Benchmark: index.BenchmarkMean, Cap: 2}},
			index.Aggregate{AggSpec: index.AggSpec{Method: index.AggWSum}}, bands}},
		"minmax amean thresholds on E": {Steps: []index.Step{index.Normalise{},
			index.Aggregate{AggSpec: index.AggSpec{MinAvailability: 0.6}, ByLevel: map[int]index.AggSpec{3: {Method: index.AggWSum}}},
			index.Classify{Method: index.ClassifyThresholds, Code: "E", Classes: []index.ClassRule{{Name: "hi", Min: 50}, {Name: "lo", Min: math.Inf(-1)}}}}},
		"zscore median ratio quotas": {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormZScore},
			ByCode: map[string]index.NormSpec{"rd": {Method: index.NormRatio, Benchmark: index.BenchmarkMedian, K: 2}}},
			index.Aggregate{Weights: map[string]float64{"tax": 5}},
			index.Classify{Method: index.ClassifyQuotas, Classes: []index.ClassRule{{Name: "A", Count: 3}, {Name: "B", Count: 2}, {Name: "C"}}}}},
		"fracmax no classes": {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormFracMax}}, index.Aggregate{}}},
		"goalposts scaled none": {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormGoalposts, Lo: 0.5, Hi: 2},
			ByCode: map[string]index.NormSpec{"en": {Method: index.NormScaled, Lo: -5, Hi: 5}, "lp": {Method: index.NormNone}}},
			index.Aggregate{}, bands}},
	}
	// Not taken: the engine runs them (and words their errors).
	others := map[string]index.Pipeline{
		"rank":      {Steps: []index.Step{index.Normalise{Default: index.NormSpec{Method: index.NormRank}}, index.Aggregate{}}},
		"gmean":     {Steps: []index.Step{index.Normalise{}, index.Aggregate{AggSpec: index.AggSpec{Method: index.AggGMean}}}},
		"bad bands": {Steps: []index.Step{index.Normalise{}, index.Aggregate{}, index.Classify{Classes: []index.ClassRule{{Name: "A", UpTo: 2}}}}},
		"indicator": {Steps: []index.Step{index.Normalise{}, index.Aggregate{}, index.Classify{Code: "tax", Classes: bands.Classes}}},
	}
	for _, n := range []int{9, 3000, 150000} {
		r := rand.New(rand.NewPCG(uint64(n), 5))
		d := &index.Dataset{Indicators: map[string][]float64{}}
		for i := 0; i < n; i++ {
			d.UCodes = append(d.UCodes, fmt.Sprintf("E%07d", i))
		}
		for _, c := range fw.Indicators() {
			col := make([]float64, n)
			for i := range col {
				switch x := r.Float64(); {
				case x < 0.03 || i == 4:
					col[i] = math.NaN() // unit 4 has no data at all
				case x < 0.05:
					col[i] = 0
				case x < 0.06:
					col[i] = math.Copysign(0, -1)
				case x < 0.2:
					col[i] = float64(1 + r.IntN(5)) // ties
				default:
					col[i] = math.Exp(r.NormFloat64())
				}
			}
			d.Indicators[c] = col
		}
		clone := func() *index.Dataset {
			c := &index.Dataset{UCodes: d.UCodes, Indicators: map[string][]float64{}}
			for k, v := range d.Indicators {
				c.Indicators[k] = slices.Clone(v)
			}
			return c
		}
		for name, p := range pipes {
			res, err := p.Run(fw, d)
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(dir, "want.csv")
			if err := writeIndexResults(want, resultsOf(fw, res)); err != nil {
				t.Fatal(err)
			}
			dc := clone()
			lean, err := indexLean(fw, dc, p)
			if err != nil || lean == nil {
				t.Fatalf("n=%d %s: lean %v, %v", n, name, lean != nil, err)
			}
			if fmt.Sprint(dc.Indicators) != fmt.Sprint(d.Indicators) {
				t.Errorf("n=%d %s: the data was modified", n, name)
			}
			got := filepath.Join(dir, "got.csv")
			if err := writeIndexResults(got, lean); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(got)
			b, _ := os.ReadFile(want)
			if !bytes.Equal(a, b) {
				t.Errorf("n=%d %s: lean results.csv differs from the engine's", n, name)
			}
		}
		for name, p := range others {
			dc := clone()
			if lean, err := indexLean(fw, dc, p); lean != nil || err != nil {
				t.Errorf("n=%d %s: taken by the lean path (%v)", n, name, err)
			}
			if fmt.Sprint(dc.Indicators) != fmt.Sprint(d.Indicators) {
				t.Errorf("n=%d %s: the data was modified", n, name)
			}
		}
	}
}

// TestAppendShortestG: the faster 'g' formatting writes what strconv writes,
// for every magnitude, sign and number of digits.
func TestAppendShortestG(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 100, 123456, 123456.5, 1234567, 999999.9999999999, 0.0001, 0.00001, 0.000123456,
		1e21, 1e-5, 5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64, 104.47360387432003, 1e5, 1e6, 9.5, 0.5, 12, 1200, 100000}
	for i := 0; i < 300000; i++ {
		v := math.Exp(r.NormFloat64()*12) * float64(1-2*r.IntN(2))
		vals = append(vals, v, math.Round(v), math.Round(v*1000)/1000, math.Float64frombits(r.Uint64()))
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		want := strconv.FormatFloat(v, 'g', -1, 64)
		if got := string(appendShortestG([]byte("x"), v)); got != "x"+want {
			t.Fatalf("%v (%x): %q, want %q", v, math.Float64bits(v), got, "x"+want)
		}
	}
}

// TestIndexLeanRestoresGC: the lean path (--write results) holds the
// garbage collector off while it runs and puts the settings back, whether
// it runs or declines; its results.csv is the general path's.
func TestIndexLeanRestoresGC(t *testing.T) {
	dir := t.TempDir()
	meta := writeTemp(t, dir, "meta.csv", "iCode,Parent,Type,Weight,Direction\na,I,Indicator,1,1\nb,I,Indicator,2,1\nI,,Aggregate,,\n")
	var b strings.Builder
	b.WriteString("uCode,a,b\n")
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "u%d,%.6g,%.6g\n", i, math.Exp(r.NormFloat64()), math.Exp(r.NormFloat64()))
	}
	b.WriteString("u5000,5,\n")
	data := writeTemp(t, dir, "data.csv", b.String())
	gc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gc)
	limit := debug.SetMemoryLimit(-1)
	for name, pipe := range map[string]string{
		"lean":     "normalise: {method: ratio, benchmark: mean, cap: 2}\naggregate: {method: wsum}\nclassify: {method: bands, bands: {A: 0.5, B: 1.0}}\n",
		"declined": "normalise: {method: rank}\naggregate: {method: amean}\n",
	} {
		p := writeTemp(t, dir, "p.yaml", pipe)
		if _, stderr, err := runIndexArgs(t, "--meta", meta, "--data", data, "--pipeline", p, "--out", dir, "--write", "results"); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stderr)
		}
		if g := debug.SetGCPercent(gc); g != gc {
			t.Errorf("%s: GC percent left at %d, want %d", name, g, gc)
		}
		if l := debug.SetMemoryLimit(-1); l != limit {
			t.Errorf("%s: memory limit left at %d, want %d", name, l, limit)
		}
		all := filepath.Join(dir, "all")
		if _, stderr, err := runIndexArgs(t, "--meta", meta, "--data", data, "--pipeline", p, "--out", all); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stderr)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "results.csv"))
		want, _ := os.ReadFile(filepath.Join(all, "results.csv"))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s: results.csv alone differs from results.csv with every stage", name)
		}
	}
}
