package export

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+86 23": "'+86 23", "-5": "'-5", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"重庆": "重庆", "": "", "a=b": "a=b", "'=x": "'=x",
	} {
		if got := Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatCellRoundTripsFloats(t *testing.T) {
	for _, v := range []float64{0, 1, 0.1, 120.5, 1e-7, 123456789.123456, 2.0 / 3, 1e21} {
		s := FormatCell(v)
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || back != v {
			t.Errorf("%v → %q → %v (%v)", v, s, back, err)
		}
	}
	if FormatCell(math.NaN()) != "" || FormatCell(math.Inf(1)) != "Inf" || FormatCell(math.Inf(-1)) != "-Inf" {
		t.Error("NaN/Inf formatting")
	}
	var missing *float64
	if FormatCell(missing) != "" || FormatCell(nil) != "" || FormatCell(true) != "true" {
		t.Error("nil/bool formatting")
	}
}

func TestCSVAndXLSXWriters(t *testing.T) {
	dir := t.TempDir()
	rows := [][]Cell{{"=HYPERLINK(\"x\")", 1.5, nil, true}, {"重庆甲公司", int64(3), "-", false}}
	for _, f := range []Format{CSV, XLSX} {
		path := filepath.Join(dir, "out."+string(f))
		w, err := Create(path, f, "data", []string{"名称", "值", "空", "标志"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s: the file is visible before Close", f)
		}
		for _, r := range rows {
			if err := w.WriteRow(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var got [][]string
		if f == CSV {
			b, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(b), "\xef\xbb\xbf名称,") {
				t.Errorf("CSV lacks the BOM and header: %q", b[:20])
			}
			for _, line := range strings.Split(strings.TrimSpace(string(b[3:])), "\n") {
				got = append(got, strings.Split(line, ","))
			}
		} else {
			book, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, _ = book.GetRows("data")
			book.Close()
		}
		if got[1][0] != `'=HYPERLINK(""x"")` && got[1][0] != `"'=HYPERLINK(""x"")"` && got[1][0] != `'=HYPERLINK("x")` {
			t.Errorf("%s: formula not neutralised: %q", f, got[1][0])
		}
		if got[1][1] != "1.5" || got[2][0] != "重庆甲公司" || got[2][2] != "'-" {
			t.Errorf("%s rows %q", f, got)
		}
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "x.csv"), CSV, "", []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	w.WriteRow([]Cell{"1"})
	w.Abort()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("abort left %v", entries)
	}
	if _, err := Create(filepath.Join(dir, "missing", "x.csv"), CSV, "", nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}
