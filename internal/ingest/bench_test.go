package ingest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/indus-platform/indus/internal/indus"
)

// validUSCC builds a well-formed code with a correct check character from
// a serial number, for generated files.
func validUSCC(i int) string {
	first := fmt.Sprintf("915001%011d", i)
	c, err := indus.USCCCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// writeAnnualCSV writes n canonical annual rows (several years per firm).
func writeAnnualCSV(tb testing.TB, path string, n int) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "uscc,year,land_mu,revenue,output_value,value_added,tax,energy_tce,electricity_kwh,emissions_t,rd_spend,employees,safety_accident,env_violation,under_construction,utility")
	for i := 0; i < n; i++ {
		firm, year := i/5, 2019+i%5
		rev := float64(1000 + (i*7919)%90000)
		fmt.Fprintf(w, "%s,%d,%.2f,%.1f,%.1f,%.1f,%.2f,%.3f,%d,%.3f,%.2f,%d,false,false,false,false\n",
			validUSCC(firm), year, 10+float64(i%500)/3, rev, rev*1.1, rev*0.25, rev*0.04, rev*0.03, int(rev*50), rev*0.001, rev*0.02, 20+i%400)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return st.Size()
}

func drain(tb testing.TB, r Reader) (recs, findings int) {
	tb.Helper()
	for {
		rec, fs, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			tb.Fatal(err)
		}
		findings += len(fs)
		if rec != nil {
			recs++
		}
	}
}

// BenchmarkCSVAnnual reads 1,000,000 canonical annual rows (about 110 MB)
// through Open: decoding, parsing, validation and the duplicate check.
func BenchmarkCSVAnnual(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "annual.csv")
	size := writeAnnualCSV(b, path, n)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		recs, fs := drain(b, r)
		r.Close()
		if recs != n || fs != 0 {
			b.Fatalf("records %d findings %d", recs, fs)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// writeAnnualXLSX writes n annual rows with Chinese headers under a title
// row, the way analysts' workbooks look, with excelize's stream writer.
func writeAnnualXLSX(tb testing.TB, path string, n int) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(sw.SetRow("A1", []any{"2019—2023年规上工业企业亩均效益数据"}))
	must(sw.SetRow("A2", []any{"统一社会信用代码", "年份", "用地面积（亩）", "营业收入（万元）", "工业总产值（万元）", "工业增加值（万元）",
		"实缴税金（万元）", "综合能耗（吨标准煤）", "用电量（万千瓦时）", "主要污染物排放当量（吨）", "研发经费支出（万元）", "年平均职工人数",
		"安全事故", "环境违法", "在建", "公用事业"}))
	for i := 0; i < n; i++ {
		firm, year := i/5, 2019+i%5
		rev := float64(1000 + (i*7919)%90000)
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		must(sw.SetRow(cell, []any{validUSCC(firm), year, 10 + float64(i%500)/3, rev, rev * 1.1, rev * 0.25, rev * 0.04,
			rev * 0.03, rev * 0.005, rev * 0.001, rev * 0.02, 20 + i%400, "否", "否", "否", "否"}))
	}
	must(sw.Flush())
	must(f.SaveAs(path))
}

// BenchmarkXLSX reads 100,000 annual rows from a workbook with Chinese
// headers and units (万千瓦时 converted to kWh).
func BenchmarkXLSX(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "annual.xlsx")
	writeAnnualXLSX(b, path, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		recs, _ := drain(b, r)
		r.Close()
		if recs != n {
			b.Fatalf("records %d", recs)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
