package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// withParsing sets how CSV files are parsed for the duration of fn:
// workers (1 = sequentially) and the block size; small files are cut too.
func withParsing(workers, block int, fn func()) {
	w, b, m := parallelWorkers, parallelBlockSize, minParallelBytes
	parallelWorkers, parallelBlockSize, minParallelBytes = workers, block, 0
	defer func() { parallelWorkers, parallelBlockSize, minParallelBytes = w, b, m }()
	fn()
}

// outcome is everything a reader gave: records, findings and the error
// that ended the file ("" at a clean end), and where sequential reading
// took over (-1: never; -2: no pipeline ran).
type outcome struct {
	records  []*Record
	findings []Finding
	err      string
	seqFrom  int
}

func readOutcome(t *testing.T, data []byte, opts Options) outcome {
	t.Helper()
	r, err := OpenReader("f.csv", bytes.NewReader(data), opts)
	if err != nil {
		return outcome{err: "open: " + err.Error(), seqFrom: -2}
	}
	defer r.Close()
	var o outcome
	for {
		rec, fs, err := r.Next()
		o.findings = append(o.findings, fs...)
		if rec != nil {
			o.records = append(o.records, rec)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			o.err = err.Error()
			break
		}
	}
	o.seqFrom = -2
	if rd, ok := r.(*reader); ok && rd.pipe != nil {
		o.seqFrom = rd.pipe.seqFrom
	}
	return o
}

// sameAsSequential reads data sequentially and then in parallel with
// several block sizes, and fails unless every reading gives the same
// records, findings and error. It returns the parallel outcomes.
func sameAsSequential(t *testing.T, data []byte, opts Options, blocks ...int) []outcome {
	t.Helper()
	var seq outcome
	withParsing(1, 0, func() { seq = readOutcome(t, data, opts) })
	var outs []outcome
	for _, b := range blocks {
		var par outcome
		withParsing(2, b, func() { par = readOutcome(t, data, opts) })
		if !reflect.DeepEqual(par.records, seq.records) {
			t.Errorf("block %d: %d records, sequentially %d; first difference %s", b, len(par.records), len(seq.records), firstRecordDiff(par.records, seq.records))
		}
		if !reflect.DeepEqual(par.findings, seq.findings) {
			t.Errorf("block %d: findings differ:\n parallel   %v\n sequential %v", b, par.findings, seq.findings)
		}
		if par.err != seq.err {
			t.Errorf("block %d: error %q, sequentially %q", b, par.err, seq.err)
		}
		outs = append(outs, par)
	}
	return outs
}

func firstRecordDiff(a, b []*Record) string {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Sprintf("at %d: %+v vs %+v", i, *a[i], *b[i])
		}
	}
	return "in length"
}

// annualText writes n annual rows (five years a firm) with defects every
// so often: errors, warnings, duplicate keys, blank lines, a totals row and
// a note at the end.
func annualText(n int, eol string) []byte {
	var b strings.Builder
	b.WriteString("2019—2023年 亩均数据" + eol)
	b.WriteString("uscc,year,land_mu,revenue,output_value,value_added,tax,energy_tce,electricity_kwh,emissions_t,rd_spend,employees,safety_accident,env_violation,under_construction,utility" + eol)
	for i := 0; i < n; i++ {
		firm, year := i/5, 2019+i%5
		rev := 1000 + (i*7919)%90000
		code := validUSCC(firm)
		land := fmt.Sprintf("%d.5", 10+i%300)
		switch {
		case i%97 == 3:
			year = 2019 // a duplicate key (or a plain row for the firm's first year)
		case i%89 == 5:
			land = "-3" // an error
		case i%83 == 7:
			land = "1,234.5" // normalised: an original is kept
		case i%79 == 2:
			b.WriteString(eol) // a blank line
		case i%71 == 1:
			code = code[:17] + "0" // a bad check character (a warning) or malformed
		}
		fmt.Fprintf(&b, "%s,%d,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,false,否,0,N%s",
			code, year, land, rev, rev+100, rev/4, rev/25, rev/30, rev*50, rev/1000, rev/50, 20+i%400, eol)
	}
	b.WriteString("合计,,,,,,,,,,,,,,," + eol)
	b.WriteString("注：数据来源 统计局" + eol)
	return []byte(b.String())
}

func TestParallelParsingMatchesSequential(t *testing.T) {
	lf := annualText(3000, "\n")
	crlf := annualText(3000, "\r\n")
	for name, data := range map[string][]byte{"LF": lf, "CRLF": crlf} {
		t.Run(name, func(t *testing.T) {
			outs := sameAsSequential(t, data, Options{}, 97, 1000, 4096, 64<<10)
			for _, o := range outs {
				if o.seqFrom != -1 {
					t.Errorf("a file without quotes must be parsed in parallel to the end, sequential from row %d", o.seqFrom)
				}
				if len(o.records) < 2500 || len(o.findings) < 100 {
					t.Errorf("%d records, %d findings: the test file lost its defects", len(o.records), len(o.findings))
				}
			}
		})
	}
	// No line end after the last row, and a last line that is only "\r".
	sameAsSequential(t, bytes.TrimSuffix(lf, []byte("\n")), Options{}, 97, 1000)
	sameAsSequential(t, append(append([]byte{}, lf...), '\r'), Options{}, 97, 1000)
}

// Quoted fields that close on their line are parsed in parallel; a quoted
// line break sends the rest of the file to sequential reading, from its
// row, with the same rows, row numbers and findings.
func TestParallelParsingQuotes(t *testing.T) {
	head := enterpriseHeader
	var b strings.Builder
	b.WriteString(head)
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&b, "%s,\"企业%d, 有限公司\",500112,,3612,\"say \"\"hi\"\"\",true,2010-01-01,%d,certificate\n", validUSCC(i), i, 10+i)
	}
	quotedOnLines := b.String()
	outs := sameAsSequential(t, []byte(quotedOnLines), Options{}, 113, 2000)
	for _, o := range outs {
		if o.seqFrom != -1 || len(o.records) != 400 {
			t.Errorf("quotes closed on their lines: sequential from %d, %d records", o.seqFrom, len(o.records))
		}
	}
	// A stray quote inside a quoted field (row 402: the field runs on into
	// the next line, as sequential reading has it), then a line break in a
	// quoted field.
	var c strings.Builder
	c.WriteString(quotedOnLines)
	fmt.Fprintf(&c, "%s,\"甲\"乙,500112,,3612,,true,,1,\n", validUSCC(900))
	fmt.Fprintf(&c, "%s,\"多行\n名称\",500112,,3612,,true,,1,\n", validUSCC(901))
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&c, "%s,企业%d,500112,,3612,,true,2010-01-01,%d,certificate\n", validUSCC(1000+i), i, 10+i)
	}
	outs = sameAsSequential(t, []byte(c.String()), Options{}, 113, 2000, 1<<20)
	for _, o := range outs {
		if o.seqFrom < 0 || o.seqFrom > 402 {
			t.Errorf("a quoted line break must send the rest to sequential reading at or before row 403, got %d", o.seqFrom)
		}
		if len(o.records) != 701 {
			t.Errorf("%d records", len(o.records))
		}
	}
	// A quote never closed: the same structural error, naming the row.
	broken := quotedOnLines + validUSCC(5000) + ",\"never closed,500112,,3612,,true,,1,\n" + strings.Repeat("x,y\n", 50)
	outs = sameAsSequential(t, []byte(broken), Options{}, 113, 2000)
	if !strings.Contains(outs[0].err, "never closed") {
		t.Errorf("error %q", outs[0].err)
	}
}

// Lines longer than a block, other encodings and delimiters.
func TestParallelParsingLongLinesAndEncodings(t *testing.T) {
	var b strings.Builder
	b.WriteString(enterpriseHeader)
	for i := 0; i < 200; i++ {
		scope := ""
		if i%50 == 7 {
			scope = strings.Repeat("经营范围", 300) // 3,600 bytes
		}
		fmt.Fprintf(&b, "%s,企业%d,500112,,3612,%s,true,2010-01-01,%d,certificate\n", validUSCC(i), i, scope, 10+i)
	}
	utf8Text := []byte(b.String())
	outs := sameAsSequential(t, utf8Text, Options{}, 500, 1<<16)
	if outs[0].seqFrom < 0 {
		t.Errorf("a line longer than the block must send the rest to sequential reading")
	}
	if outs[1].seqFrom != -1 {
		t.Errorf("lines within the block: sequential from %d", outs[1].seqFrom)
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf8Text)
	if err != nil {
		t.Fatal(err)
	}
	sameAsSequential(t, gb, Options{}, 500, 1<<16)
	sameAsSequential(t, append([]byte("\xef\xbb\xbf"), utf8Text...), Options{}, 500, 1<<16)
	semi := bytes.ReplaceAll(annualText(500, "\r\n"), []byte(","), []byte(";"))
	sameAsSequential(t, semi, Options{}, 97, 4096)
	for _, name := range []string{"defects_annual.csv", "defects_enterprises.csv", "hostile.csv", "enterprises_gb18030.csv", "monthly_year_month_gb18030.csv", "annual_utf16.txt", "broken_gb18030.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		sameAsSequential(t, data, Options{}, 16, 64, 1024)
	}
}

// Closing a reader in the middle of a file stops its goroutines.
func TestParallelReaderClosesEarly(t *testing.T) {
	withParsing(2, 256, func() {
		r, err := OpenReader("f.csv", bytes.NewReader(annualText(5000, "\n")), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for range 100 {
			if _, _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		if r.(*reader).pipe == nil {
			t.Fatal("no pipeline")
		}
		r.Close()
	})
}

// FuzzParallelParsing: any text reads the same in parallel, cut into
// blocks of any size, as sequentially.
func FuzzParallelParsing(f *testing.F) {
	f.Add(annualText(40, "\n"), uint16(50))
	f.Add(annualText(40, "\r\n"), uint16(7))
	f.Add([]byte(enterpriseHeader+"91350100M000100Y43,\"甲\n乙\",500112,,3612,,true,,1,\n91350100M000100Y43,\"a\"b,c\n\"x"), uint16(3))
	f.Add([]byte("uscc,month,output_value,revenue,electricity_kwh,employees\nx,2024-01,NaN,1e309,-0,\n\n\r\n"), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, block uint16) {
		sameAsSequential(t, data, Options{}, 1+int(block)%4096)
	})
}
