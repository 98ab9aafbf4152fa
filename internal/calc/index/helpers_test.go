package index

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tol is the agreement asked of every number compared with COINr: absolute
// or relative difference at most 1e-9.
const tol = 1e-9

// fixture is a CSV from testdata with its header and rows.
type fixture struct {
	header []string
	rows   [][]string
	col    map[string]int
}

func readFixture(t testing.TB, name string) *fixture {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, recs, err := readCSV(f, name)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{header: h, rows: recs, col: map[string]int{}}
	for i, c := range h {
		fx.col[c] = i
	}
	return fx
}

func (f *fixture) str(row int, col string) string {
	j, ok := f.col[col]
	if !ok {
		panic("fixture has no column " + col)
	}
	return f.rows[row][j]
}

func (f *fixture) num(t testing.TB, row int, col string) float64 {
	t.Helper()
	s := f.str(row, col)
	if s == "NA" || s == "" {
		return math.NaN()
	}
	switch s {
	case "Inf":
		return math.Inf(1)
	case "-Inf":
		return math.Inf(-1)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("fixture value %q in column %s: %v", s, col, err)
	}
	return v
}

// dev is the deviation between got and want used for the tolerance check:
// the smaller of the absolute and the relative difference; 0 when both are
// NaN or equal infinities, +Inf when only one is NaN.
func dev(got, want float64) float64 {
	if math.IsNaN(got) || math.IsNaN(want) {
		if math.IsNaN(got) && math.IsNaN(want) {
			return 0
		}
		return math.Inf(1)
	}
	if got == want {
		return 0
	}
	if math.IsInf(got, 0) || math.IsInf(want, 0) {
		return math.Inf(1)
	}
	d := math.Abs(got - want)
	if r := d / math.Abs(want); r < d {
		return r
	}
	return d
}

// maxDev tracks the largest deviation seen and fails the test above tol.
type maxDev struct {
	t    testing.TB
	name string
	max  float64
	n    int
}

func (m *maxDev) check(what string, got, want float64) {
	m.t.Helper()
	d := dev(got, want)
	m.n++
	if d > m.max {
		m.max = d
	}
	if d > tol {
		m.t.Errorf("%s: %s = %.15g, COINr %.15g (deviation %.3g)", m.name, what, got, want, d)
	}
}

func (m *maxDev) report() {
	m.t.Logf("%-28s %6d values, max deviation %.3g", m.name, m.n, m.max)
}

func parseVec(t testing.TB, s string) []float64 {
	t.Helper()
	var out []float64
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func loadASEM(t testing.TB) (*Framework, *Dataset) {
	t.Helper()
	fw, err := LoadMetaCSV(filepath.Join("testdata", "input_ASEM_iMeta.csv"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadDataCSV(filepath.Join("testdata", "input_ASEM_iData.csv"), fw)
	if err != nil {
		t.Fatal(err)
	}
	return fw, d
}
