package ingest

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzCSVReader feeds arbitrary bytes through the whole reader (encoding
// and delimiter detection, header search and mapping, row validation): it
// must never panic, every finding must be located and explained, a
// returned record never carries an error, and its key leads back to its
// row.
func FuzzCSVReader(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 4096 {
			f.Add(b, uint8(0))
		}
	}
	f.Add([]byte(enterpriseHeader+"91350100M000100Y43,甲,500112,,3612,,true,,1,\n"), uint8(1))
	f.Add([]byte("uscc,month,output_value,revenue,electricity_kwh,employees\nx,2024-01,NaN,1e309,-0,\n"), uint8(3))
	f.Add([]byte("统一社会信用代码;年份;月份;营业收入(元)\n91500100000000001D;2024;3;\"1,234\"\n"), uint8(0))
	f.Add([]byte("\xff\xfe"+"u\x00s\x00c\x00c\x00\n\x00"), uint8(0))
	kinds := []Kind{"", KindEnterprises, KindAnnual, KindMonthly}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		r, err := OpenReader("f.csv", bytes.NewReader(data), Options{Kind: kinds[int(k)%len(kinds)]})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		defer r.Close()
		for _, m := range r.Mapping() {
			if m.Factor <= 0 || math.IsNaN(m.Factor) {
				t.Fatalf("mapping %+v", m)
			}
		}
		for i := 0; i < 10000; i++ {
			rec, fs, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return
			}
			for _, f := range fs {
				if f.Message == "" || f.MessageZh == "" || f.Row < 1 || f.File != "f.csv" {
					t.Fatalf("finding without message or row: %+v", f)
				}
				if rec != nil && f.Severity == SevError {
					t.Fatalf("a record with an error: %+v %+v", rec, f)
				}
			}
			if rec == nil {
				continue
			}
			if rec.Row < 2 {
				t.Fatalf("record without row: %+v", rec)
			}
			if n := boolCount(rec); n != 1 {
				t.Fatalf("record with %d facts", n)
			}
			// The duplicate check maps the record's key, as the store
			// writes it, back to its row.
			if row, ok := r.SourceRow(keyText(rec)); !ok || row != rec.Row {
				t.Fatalf("SourceRow(%q) = %d, %v; the record is row %d", keyText(rec), row, ok, rec.Row)
			}
		}
	})
}

func boolCount(r *Record) int {
	n := 0
	if r.Enterprise != nil {
		n++
	}
	if r.Annual != nil {
		n++
	}
	if r.Monthly != nil {
		n++
	}
	return n
}

// FuzzParseNumber: never panics, never yields NaN or Inf, and its fast path
// agrees with strconv bit for bit.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1,234.5", "１２３", "—", "12%", "1.2E+05", "(123)", "¥1,000", "1.5亿元", "#N/A", "1,23", "-0", ".5", "9007199254740993", "0x10", "1e400", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, p := parseNumber(s)
		if p == npNone && !n.missing && (math.IsNaN(n.v) || math.IsInf(n.v, 0)) {
			t.Fatalf("%q gave %v", s, n.v)
		}
		if v, ok := fastDecimal(s); ok {
			w, err := strconv.ParseFloat(s, 64)
			if err != nil || math.Float64bits(v) != math.Float64bits(w) {
				t.Fatalf("%q: fast %v, strconv %v %v", s, v, w, err)
			}
		}
		if trimmed := trimCell(s); trimmed == s && p == npNone && !n.missing && n.suffix == "" && !n.changed {
			// An unchanged number is what strconv reads.
			if w, err := strconv.ParseFloat(s, 64); err == nil && w != n.v {
				t.Fatalf("%q: %v, strconv %v", s, n.v, w)
			}
		}
		parseDate(s, false)
		fullMonth(s, true)
		monthOnly(s)
		boolValue(s)
		industryCode(s)
		unitCode(s)
		landSourceValue(s)
	})
}

// FuzzHeaderMapping: header parsing and header-row search never panic and
// only name real columns.
func FuzzHeaderMapping(f *testing.F) {
	for _, s := range []string{"营业收入（万元）", "用地面积/亩", "*1、企业名称", "综合能耗（当量值）(吨标准煤)", "营业收入(上年同期)", "land_m2",
		"能耗\n综合能耗(吨标准煤),用电量(万千瓦时)", "((()))[[", "（", "1、", "营业收入(万元", "统一社会信用代码,年份\n,,\n甲,乙"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hp := parseHeader(s)
		if hp.ok && (hp.col < 0 || hp.col >= numCols) {
			t.Fatalf("%q: column %d", s, hp.col)
		}
		if hp.hasUnit && (hp.unit.mul <= 0 || hp.unit.div <= 0) {
			t.Fatalf("%q: unit %+v", s, hp.unit)
		}
		headerKey(s)
		suggestFor(s)
		var rows []bufferedRow
		for i, line := range strings.Split(s, "\n") {
			rows = append(rows, bufferedRow{i + 1, strings.Split(line, ",")})
		}
		if hb, idx, ok := findHeader(rows); ok {
			if idx < 0 || idx >= len(rows) || hb.first > hb.last {
				t.Fatalf("%q: block %+v idx %d", s, hb, idx)
			}
			for _, l := range hb.labels {
				parseCombined(l)
			}
		}
	})
}
