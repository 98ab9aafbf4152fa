package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/indus-platform/indus/internal/calc/index"
	"github.com/indus-platform/indus/internal/indus"
)

const indexUsage = "--meta META.csv --data DATA.csv [--pipeline PIPELINE.yaml] --out DIR [--write aggregated,results]"

// indexStages maps the engine's stage names to the files written for them,
// in pipeline order.
var indexStages = []struct{ stage, name string }{
	{"Raw", "raw"}, {"Denominated", "denominated"}, {"Imputed", "imputed"}, {"Screened", "screened"},
	{"Treated", "treated"}, {"Normalised", "normalised"}, {"Aggregated", "aggregated"},
}

// indexOutputs lists every name --write accepts.
var indexOutputs = []string{"raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated",
	"results", "uncertainty", "sensitivity", "explain"}

func newIndexCommand() *Command {
	return &Command{
		Name:    "index",
		Summary: "composite indicator on files: COINr-style meta and data, a pipeline file; every stage, results and uncertainty as CSV",
		Run:     runIndex,
	}
}

// indexArgs are the parsed flags of indus index.
type indexArgs struct {
	meta, data, pipeline, out, write string
}

func runIndex(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "index", indexUsage)
	var a indexArgs
	fs.StringVar(&a.meta, "meta", "", "framework: COINr-style meta table (CSV columns Level, iCode, iName, Direction, Weight, Unit, Target, Denominator, Parent, Type)")
	fs.StringVar(&a.data, "data", "", "data: COINr-style table (CSV: uCode, optional uName, group and denominator columns, one column per indicator)")
	fs.StringVar(&a.pipeline, "pipeline", "", "pipeline YAML (steps and an optional uncertainty block); default: COINr's example pipeline")
	fs.StringVar(&a.out, "out", "", "directory to write the CSV files into; created if missing")
	fs.StringVar(&a.write, "write", "", "comma-separated files to write: "+strings.Join(indexOutputs, ", ")+
		" (default: every stage that ran, results, and uncertainty and sensitivity when the pipeline asks; explain only on request)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	usage := func(format string, args ...any) error {
		fmt.Fprintf(env.Stderr, "indus index: "+format+"\n\n", args...)
		fs.Usage()
		return errUsage
	}
	if len(pos) > 0 {
		return usage("unexpected argument %q", pos[0])
	}
	var missing []string
	for _, f := range []struct{ name, val string }{{"meta", a.meta}, {"data", a.data}, {"out", a.out}} {
		if f.val == "" {
			missing = append(missing, "--"+f.name)
		}
	}
	if len(missing) > 0 {
		return usage("missing %s", strings.Join(missing, ", "))
	}
	if _, err := parseIndexWrite(a.write); err != nil {
		return usage("%s", indus.Message(err))
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(env.Stderr, nil))
	}
	return indexRun(ctx, env, logger, a)
}

// parseIndexWrite reads --write: nil means the default set.
func parseIndexWrite(s string) (map[string]bool, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSuffix(strings.TrimSpace(f), ".csv")
		if f == "" {
			continue
		}
		if !slices.Contains(indexOutputs, f) {
			return nil, indus.Errorf(indus.EInvalid, "--write: unknown file %q (want %s)", f, strings.Join(indexOutputs, ", "))
		}
		out[f] = true
	}
	if len(out) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "--write lists no file")
	}
	return out, nil
}

// indexErr keeps the whole text of an error (the engine's messages name the
// file, row, column or key) while keeping its domain code.
func indexErr(err error) error {
	var de *indus.Error
	if errors.As(err, &de) && error(de) != err {
		return indus.Errorf(de.Code, "%s", err.Error())
	}
	return err
}

func indexRun(ctx context.Context, env *Env, logger *slog.Logger, a indexArgs) error {
	t0 := time.Now()
	write, _ := parseIndexWrite(a.write)
	want := func(name string) bool { return write == nil || write[name] }

	fw, err := index.LoadMetaCSV(a.meta)
	if err != nil {
		return indexErr(err)
	}
	p := index.DefaultPipeline()
	var unc *index.Uncertainty
	if a.pipeline != "" {
		b, err := os.ReadFile(a.pipeline)
		if err != nil {
			return err
		}
		if p, err = index.ParsePipelineYAML(b); err != nil {
			return indexErr(fmt.Errorf("%s: %w", a.pipeline, err))
		}
		if unc, err = index.ParseUncertaintyYAML(b); err != nil {
			return indexErr(fmt.Errorf("%s: %w", a.pipeline, err))
		}
	}
	runUnc := unc != nil && (write == nil || write["uncertainty"] || write["sensitivity"])
	if write != nil && (write["uncertainty"] || write["sensitivity"]) && unc == nil {
		return indus.Errorf(indus.EInvalid, "--write uncertainty/sensitivity: the pipeline file has no uncertainty block")
	}
	d, err := readIndexData(a.data, fw)
	if err != nil {
		return indexErr(err)
	}
	tRead := time.Since(t0)
	if err := ctx.Err(); err != nil {
		return err
	}

	t1 := time.Now()
	res, fast, err := indexFast(fw, d, p)
	if !fast && err == nil {
		res, err = p.Run(fw, d)
	}
	if err != nil {
		return indexErr(fmt.Errorf("%s: %w", a.data, err))
	}
	tRun := time.Since(t1)
	if err := os.MkdirAll(a.out, 0o755); err != nil {
		return indus.Errorf(indus.EInvalid, "cannot create --out %s: %v", a.out, err)
	}

	t2 := time.Now()
	var written []string
	ran := map[string]bool{}
	for _, s := range indexStages {
		t := res.Stage(s.stage)
		if t == nil {
			continue
		}
		ran[s.name] = true
		if !want(s.name) {
			continue
		}
		if err := writeIndexTable(filepath.Join(a.out, s.name+".csv"), t); err != nil {
			return err
		}
		written = append(written, s.name+".csv")
	}
	for _, s := range indexStages {
		if write[s.name] && !ran[s.name] {
			logger.Warn("stage not written: its step is not in the pipeline", "file", s.name+".csv")
		}
	}
	if want("results") {
		if err := writeIndexResults(filepath.Join(a.out, "results.csv"), fw, res); err != nil {
			return err
		}
		written = append(written, "results.csv")
	}
	if write["explain"] {
		n, err := writeIndexExplain(filepath.Join(a.out, "explain.csv"), p, d, res)
		if err != nil {
			return err
		}
		written = append(written, "explain.csv")
		logger.Debug("explanations written", "rows", n)
	}
	tWrite := time.Since(t2)

	var tUnc time.Duration
	if runUnc {
		t3 := time.Now()
		ur, err := unc.Run(ctx, fw, d, p)
		if err != nil {
			return indexErr(fmt.Errorf("%s: %w", a.pipeline, err))
		}
		if ur.Failed > 0 {
			logger.Warn("some uncertainty runs failed (a combination of methods that cannot work together, as COINr's NA runs); the statistics use the others",
				"failed", ur.Failed, "runs", ur.Runs, "first", ur.Failure, "sobol_base_rows", ur.SobolRows, "base_rows", ur.N)
		}
		if want("uncertainty") {
			if err := writeIndexUncertainty(filepath.Join(a.out, "uncertainty.csv"), ur); err != nil {
				return err
			}
			written = append(written, "uncertainty.csv")
		}
		if want("sensitivity") && ur.Sensitivity != nil {
			if err := writeIndexSensitivity(filepath.Join(a.out, "sensitivity.csv"), ur); err != nil {
				return err
			}
			written = append(written, "sensitivity.csv")
		}
		tUnc = time.Since(t3)
		logger.Debug("uncertainty", "design", ur.Design, "runs", ur.Runs, "inputs", len(ur.Inputs), "seconds", tUnc.Seconds())
	}
	logger.Debug("index timings", "read_s", tRead.Seconds(), "run_s", tRun.Seconds(), "fast_path", fast,
		"write_s", tWrite.Seconds(), "uncertainty_s", tUnc.Seconds(), "total_s", time.Since(t0).Seconds())
	fmt.Fprintf(env.Stdout, "%d units; %s; wrote %s to %s\n", d.Len(), fw, strings.Join(written, ", "), a.out)
	return nil
}

// ---------------------------------------------------------------------------
// Reading the data table: streamed, parsed in parallel.

// readIndexData reads a COINr-style data table as index.ReadDataCSV does —
// same columns, same missing-value markers, same errors naming the file, row
// and column — but streamed in blocks that the cores parse in parallel, so a
// million-row file does not need encoding/csv's per-record strings. Rows are
// the file's line numbers (the header is row 1).
func readIndexData(path string, fw *index.Framework) (*index.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return readIndexCSVSized(f, size, path, fw)
}

// Column kinds of the data table.
const (
	colSkip = iota
	colUCode
	colUName
	colGroup
	colNum // denominator or indicator
)

// dataChunk is one block of records. Its columns have one slot per line of
// the block (an upper bound on its records): either views into the final
// columns at the block's first line (the usual case, no copy) or, when the
// size estimate ran out, arrays of its own.
type dataChunk struct {
	data      []byte
	firstLine int
	lines     int
	off       int  // first row in the final columns
	direct    bool // the columns are views into the final ones

	n      int
	ucodes []string
	unames []string
	groups [][]string
	nums   [][]float64
	err    error
}

// dataLayout is what the header says about each column.
type dataLayout struct {
	source  string
	kinds   []int
	slot    []int // index into groups or nums
	names   []string
	nGroup  int
	nNum    int
	hasName bool
}

const indexBlock = 4 << 20

func readIndexCSV(r io.Reader, source string, fw *index.Framework) (*index.Dataset, error) {
	return readIndexCSVSized(r, -1, source, fw)
}

// readIndexCSVSized reads the data; size is the input's length in bytes
// (−1 if unknown), from which the final columns are sized so that blocks
// are parsed straight into them.
func readIndexCSVSized(r io.Reader, size int64, source string, fw *index.Framework) (*index.Dataset, error) {
	workers := runtime.GOMAXPROCS(0)
	var pending []byte
	eof := false
	line := 1
	// next returns the next block ending at a record boundary.
	next := func() ([]byte, error) {
		for {
			buf := make([]byte, len(pending), len(pending)+indexBlock)
			copy(buf, pending)
			if !eof {
				n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				switch {
				case err == io.EOF || err == io.ErrUnexpectedEOF:
					eof = true
				case err != nil:
					return nil, fmt.Errorf("%s: %w", source, err)
				}
			}
			cut := len(buf)
			if !eof {
				cut = lastRecordEnd(buf)
			}
			if cut == 0 && !eof {
				pending = buf // one record longer than a block: read more
				continue
			}
			pending = append([]byte(nil), buf[cut:]...)
			return buf[:cut], nil
		}
	}
	first, err := next()
	if err != nil {
		return nil, err
	}
	first = bytes.TrimPrefix(first, []byte("\xef\xbb\xbf"))
	// Header: the first non-empty record.
	var header [][]byte
	pos := 0
	for {
		if pos >= len(first) {
			return nil, indus.Errorf(indus.EInvalid, "%s: empty file (no header)", source)
		}
		var lines int
		var perr string
		header, pos, lines, perr = parseRecord(first, pos, header[:0])
		if perr != "" {
			return nil, indus.Errorf(indus.EInvalid, "%s: row %d: %s", source, line, perr)
		}
		line += lines
		if header != nil {
			break
		}
	}
	lay, err := newDataLayout(source, header, fw)
	if err != nil {
		return nil, err
	}

	// The final columns, sized from the bytes per line of the first block
	// (with 10 % to spare); blocks beyond the estimate get arrays of their
	// own, copied in at the end.
	capRows := 0
	if size > 0 {
		if fl := bytes.Count(first, []byte{'\n'}); fl > 0 {
			capRows = int(float64(size)/(float64(len(first))/float64(fl))*1.1) + 1024
		}
	}
	d := &index.Dataset{UCodes: make([]string, capRows), Groups: map[string][]string{}, Denominators: map[string][]float64{}, Indicators: map[string][]float64{}}
	if lay.hasName {
		d.UNames = make([]string, capRows)
	}
	groups := make([][]string, lay.nGroup)
	nums := make([][]float64, lay.nNum)
	for k := range groups {
		groups[k] = make([]string, capRows)
	}
	for k := range nums {
		nums[k] = make([]float64, capRows)
	}

	jobs := make(chan *dataChunk, workers)
	var chunks []*dataChunk
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				lay.parse(c)
				c.data = nil
			}
		}()
	}
	off := 0
	send := func(b []byte) {
		lines := bytes.Count(b, []byte{'\n'})
		c := &dataChunk{data: b, firstLine: line, lines: lines, off: off}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			c.lines++ // the last record has no line end
		}
		line += lines
		c.direct = off+c.lines <= capRows
		lo, hi := off, off+c.lines
		if c.direct {
			c.ucodes = d.UCodes[lo:hi]
			if lay.hasName {
				c.unames = d.UNames[lo:hi]
			}
			c.groups = make([][]string, lay.nGroup)
			for k := range groups {
				c.groups[k] = groups[k][lo:hi]
			}
			c.nums = make([][]float64, lay.nNum)
			for k := range nums {
				c.nums[k] = nums[k][lo:hi]
			}
		} else {
			c.ucodes = make([]string, c.lines)
			if lay.hasName {
				c.unames = make([]string, c.lines)
			}
			c.groups = make([][]string, lay.nGroup)
			for k := range c.groups {
				c.groups[k] = make([]string, c.lines)
			}
			c.nums = make([][]float64, lay.nNum)
			for k := range c.nums {
				c.nums[k] = make([]float64, c.lines)
			}
		}
		off += c.lines
		chunks = append(chunks, c)
		jobs <- c
	}
	send(first[pos:])
	for !eof || len(pending) > 0 {
		b, err := next()
		if err != nil {
			close(jobs)
			wg.Wait()
			return nil, err
		}
		if len(b) == 0 && eof {
			break
		}
		send(b)
	}
	close(jobs)
	wg.Wait()
	for _, c := range chunks {
		if c.err != nil {
			return nil, c.err
		}
	}
	// Close the gaps (blank lines, records spanning lines) and append the
	// blocks that had arrays of their own, in order.
	n := 0
	for _, c := range chunks {
		if c.direct {
			if c.off != n {
				copy(d.UCodes[n:], d.UCodes[c.off:c.off+c.n])
				if lay.hasName {
					copy(d.UNames[n:], d.UNames[c.off:c.off+c.n])
				}
				for k := range groups {
					copy(groups[k][n:], groups[k][c.off:c.off+c.n])
				}
				for k := range nums {
					copy(nums[k][n:], nums[k][c.off:c.off+c.n])
				}
			}
		} else {
			d.UCodes = append(d.UCodes[:n], c.ucodes[:c.n]...)
			if lay.hasName {
				d.UNames = append(d.UNames[:n], c.unames[:c.n]...)
			}
			for k := range groups {
				groups[k] = append(groups[k][:n], c.groups[k][:c.n]...)
			}
			for k := range nums {
				nums[k] = append(nums[k][:n], c.nums[k][:c.n]...)
			}
		}
		n += c.n
	}
	d.UCodes = d.UCodes[:n:n]
	if lay.hasName {
		d.UNames = d.UNames[:n:n]
	}
	for k := range groups {
		groups[k] = groups[k][:n:n]
	}
	for k := range nums {
		nums[k] = nums[k][:n:n]
	}
	denoms := map[string]bool{}
	for _, g := range fw.Denominators {
		denoms[g] = true
	}
	for i, k := range lay.kinds {
		switch k {
		case colGroup:
			d.Groups[lay.names[i]] = groups[lay.slot[i]]
		case colNum:
			if denoms[lay.names[i]] {
				d.Denominators[lay.names[i]] = nums[lay.slot[i]]
			} else {
				d.Indicators[lay.names[i]] = nums[lay.slot[i]]
			}
		}
	}
	// Missing framework indicators are an error now, naming the file;
	// duplicate unit codes are found by the engine's validation.
	for _, code := range fw.Indicators() {
		if _, ok := d.Indicators[code]; !ok {
			return nil, indus.Errorf(indus.EInvalid, "%s: data: indicator %q of the framework is missing", source, code)
		}
	}
	return d, nil
}

// lastRecordEnd returns the offset just after the last newline of b that
// ends a record (outside quotes), or 0.
func lastRecordEnd(b []byte) int {
	if bytes.IndexByte(b, '"') < 0 {
		return bytes.LastIndexByte(b, '\n') + 1
	}
	inQ, last := false, 0
	for i, c := range b {
		switch c {
		case '"':
			inQ = !inQ
		case '\n':
			if !inQ {
				last = i + 1
			}
		}
	}
	return last
}

// parseRecord parses the CSV record starting at pos (RFC 4180 with "" as an
// escaped quote, \r\n or \n line ends, as encoding/csv). It returns the
// fields (nil for an empty line), the next position, the number of lines
// consumed and a parse error text. Unquoted fields alias b.
func parseRecord(b []byte, pos int, fields [][]byte) ([][]byte, int, int, string) {
	lines := 0
	if pos < len(b) && (b[pos] == '\n' || (b[pos] == '\r' && pos+1 < len(b) && b[pos+1] == '\n')) {
		if b[pos] == '\r' {
			pos++
		}
		return nil, pos + 1, 1, ""
	}
	i := pos
	for {
		if i < len(b) && b[i] == '"' {
			var f []byte
			i++
			for {
				j := bytes.IndexByte(b[i:], '"')
				if j < 0 {
					return nil, len(b), lines, `extraneous or missing " in quoted-field`
				}
				lines += bytes.Count(b[i:i+j], []byte{'\n'})
				f = append(f, b[i:i+j]...)
				i += j + 1
				if i < len(b) && b[i] == '"' {
					f = append(f, '"')
					i++
					continue
				}
				break
			}
			if f == nil {
				f = []byte{}
			}
			fields = append(fields, f)
			switch {
			case i >= len(b):
				return fields, i, lines + 1, ""
			case b[i] == ',':
				i++
				continue
			case b[i] == '\n':
				return fields, i + 1, lines + 1, ""
			case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
				return fields, i + 2, lines + 1, ""
			default:
				return nil, i, lines, `extraneous " in field`
			}
		}
		j := i
		quote := false
	scan:
		for ; j < len(b); j++ {
			switch b[j] {
			case ',', '\n':
				break scan
			case '"':
				quote = true
			}
		}
		if quote {
			return nil, j, lines, `bare " in non-quoted-field`
		}
		f := b[i:j]
		end := j >= len(b) || b[j] == '\n'
		if end && len(f) > 0 && f[len(f)-1] == '\r' {
			f = f[:len(f)-1]
		}
		fields = append(fields, f)
		if end {
			if j < len(b) {
				j++
			}
			return fields, j, lines + 1, ""
		}
		i = j + 1
	}
}

func newDataLayout(source string, header [][]byte, fw *index.Framework) (*dataLayout, error) {
	lay := &dataLayout{source: source, kinds: make([]int, len(header)), slot: make([]int, len(header)), names: make([]string, len(header))}
	groups, denoms := map[string]bool{}, map[string]bool{}
	for _, g := range fw.Groups {
		groups[g] = true
	}
	for _, g := range fw.Denominators {
		denoms[g] = true
	}
	seen := map[string]bool{}
	hasU := false
	for i, hb := range header {
		h := strings.TrimSpace(string(hb))
		lay.names[i] = h
		if seen[h] {
			return nil, indus.Errorf(indus.EInvalid, "%s: column %q appears twice", source, h)
		}
		seen[h] = true
		node := fw.Node(h)
		switch {
		case h == "uCode":
			lay.kinds[i], hasU = colUCode, true
		case h == "uName":
			lay.kinds[i], lay.hasName = colUName, true
		case h == "Time":
			lay.kinds[i] = colSkip
		case groups[h]:
			lay.kinds[i], lay.slot[i] = colGroup, lay.nGroup
			lay.nGroup++
		case denoms[h] || (node != nil && node.Indicator):
			lay.kinds[i], lay.slot[i] = colNum, lay.nNum
			lay.nNum++
		case node != nil:
			return nil, indus.Errorf(indus.EInvalid, "%s: column %q is an aggregate of the framework, not an indicator", source, h)
		default:
			return nil, indus.Errorf(indus.EInvalid, "%s: unknown column %q (not in the framework)", source, h)
		}
	}
	if !hasU {
		return nil, indus.Errorf(indus.EInvalid, "%s: missing column \"uCode\"", source)
	}
	return lay, nil
}

// parse fills c from its bytes; an error stops at the first bad cell.
func (lay *dataLayout) parse(c *dataChunk) {
	b := c.data
	line := c.firstLine
	var fields [][]byte
	// Unit codes are offsets into one buffer, made strings once per block:
	// a million small allocations would be the reader's biggest cost.
	codeBuf := make([]byte, 0, c.lines*8)
	codeEnd := make([]int, 0, c.lines)
	defer func() {
		all := string(codeBuf)
		start := 0
		for k, end := range codeEnd {
			c.ucodes[k] = all[start:end]
			start = end
		}
	}()
	for pos := 0; pos < len(b); {
		var lines int
		var perr string
		fields, pos, lines, perr = parseRecord(b, pos, fields[:0])
		if perr != "" {
			c.err = indus.Errorf(indus.EInvalid, "%s: row %d: %s", lay.source, line, perr)
			return
		}
		if fields == nil {
			line += lines
			continue
		}
		if len(fields) != len(lay.kinds) {
			c.err = indus.Errorf(indus.EInvalid, "%s: row %d: wrong number of fields (%d; the header has %d)", lay.source, line, len(fields), len(lay.kinds))
			return
		}
		k := c.n
		for i, f := range fields {
			switch lay.kinds[i] {
			case colUCode:
				codeBuf = append(codeBuf, bytes.TrimSpace(f)...)
				codeEnd = append(codeEnd, len(codeBuf))
			case colUName:
				c.unames[k] = string(bytes.TrimSpace(f))
			case colGroup:
				g := ""
				if s := bytes.TrimSpace(f); !cellNA(s) {
					g = string(s)
				}
				c.groups[lay.slot[i]][k] = g
			case colNum:
				v, ok := parseCell(f)
				if !ok {
					c.err = indus.Errorf(indus.EInvalid, "%s: row %d, column %s: %q is not a number", lay.source, line, lay.names[i], strings.TrimSpace(string(f)))
					return
				}
				c.nums[lay.slot[i]][k] = v
			}
		}
		c.n++
		line += lines
	}
}

// bstr views b as a string without copying (b must not change meanwhile).
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// cellNA reports the engine's missing-value markers (after trimming).
func cellNA(b []byte) bool {
	switch bstr(b) {
	case "", "NA", "NaN", "nan", "N/A", "n/a", "NULL", "null":
		return true
	}
	return false
}

// parseCell parses a numeric cell as the engine does: missing markers give
// NaN, Inf/-Inf are accepted.
func parseCell(f []byte) (float64, bool) {
	if v, ok := parseDecimal(f); ok {
		return v, true // the common case: a plain number without spaces
	}
	f = bytes.TrimSpace(f)
	if cellNA(f) {
		return math.NaN(), true
	}
	switch bstr(f) {
	case "Inf", "inf", "+Inf":
		return math.Inf(1), true
	case "-Inf", "-inf":
		return math.Inf(-1), true
	}
	if v, ok := parseDecimal(f); ok {
		return v, true
	}
	v, err := strconv.ParseFloat(bstr(f), 64)
	return v, err == nil
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseDecimal parses the plain decimal forms that strconv.ParseFloat
// settles on its exact fast path — [±]digits[.digits][e±digits] with a
// mantissa below 2⁵³ and a power of ten up to 22 — giving the same,
// correctly rounded, value: one IEEE multiplication or division of two
// exact numbers. Anything else returns false for ParseFloat to handle.
func parseDecimal(s []byte) (float64, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var mant uint64
	digits, exp := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if mant > (1<<53)/10 {
			return 0, false
		}
		mant = mant*10 + uint64(s[i]-'0')
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if mant > (1<<53)/10 {
				return 0, false
			}
			mant = mant*10 + uint64(s[i]-'0')
			digits++
			exp--
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		e, ed := 0, 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if e > 1000 {
				return 0, false
			}
			e = e*10 + int(s[i]-'0')
			ed++
		}
		if ed == 0 {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(s) || mant >= 1<<53 {
		return 0, false
	}
	f := float64(mant)
	switch {
	case mant == 0:
	case exp >= 0 && exp <= 22:
		f *= pow10[exp]
	case exp < 0 && exp >= -22:
		f /= pow10[-exp]
	default:
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
}

// ---------------------------------------------------------------------------
// The fast path: Normalise → Aggregate → Classify on whole columns.

// indexFast runs a pipeline made only of Normalise, Aggregate and
// (unflagged) Classify — the per-mu shape — on whole columns with both cores:
// each column normalised by index.NormaliseVector, rows aggregated in
// parallel blocks by index.AggregateRows, ranks by a radix sort. The result
// is identical, bit for bit, to Pipeline.Run's (tested); anything else, or
// anything the engine would reject, returns fast = false and the caller
// runs the engine, which produces the canonical result or error.
func indexFast(fw *index.Framework, d *index.Dataset, p index.Pipeline) (*index.Result, bool, error) {
	if len(p.Steps) < 2 || len(p.Steps) > 3 {
		return nil, false, nil
	}
	ns, ok1 := p.Steps[0].(index.Normalise)
	as, ok2 := p.Steps[1].(index.Aggregate)
	var cs *index.Classify
	if len(p.Steps) == 3 {
		c, ok := p.Steps[2].(index.Classify)
		if !ok || len(c.Flags) > 0 {
			return nil, false, nil
		}
		cs = &c
	}
	if !ok1 || !ok2 || len(ns.Directions) > 0 {
		return nil, false, nil
	}
	// The engine validates the data first. Dataset.Validate finds duplicate
	// unit codes with a map, which costs more than the scoring at a million
	// units; quickValid does the same checks with a radix sort of hashes and
	// leaves the engine to word any problem it finds.
	if !quickValid(fw, d) {
		return nil, false, d.Validate(fw)
	}
	res, ok := fastScores(fw, d, ns, as, cs)
	return res, ok, nil
}

// quickValid reports whether d passes Dataset.Validate, possibly with false
// alarms (two codes with the same 64-bit hash) but never missing a problem.
func quickValid(fw *index.Framework, d *index.Dataset) bool {
	n := d.Len()
	if d.UNames != nil && len(d.UNames) != n {
		return false
	}
	for code, v := range d.Indicators {
		if node := fw.Node(code); node == nil || !node.Indicator || len(v) != n {
			return false
		}
	}
	for _, code := range fw.Indicators() {
		if _, ok := d.Indicators[code]; !ok {
			return false
		}
	}
	for g, v := range d.Groups {
		if !slices.Contains(fw.Groups, g) || len(v) != n {
			return false
		}
	}
	for g, v := range d.Denominators {
		if !slices.Contains(fw.Denominators, g) || len(v) != n {
			return false
		}
	}
	seed := maphash.MakeSeed()
	h := make([]uint64, n)
	blank := false
	var mu sync.Mutex
	const block = 1 << 14
	parallelFor((n+block-1)/block, func(b int) {
		for i := b * block; i < min((b+1)*block, n); i++ {
			u := d.UCodes[i]
			if strings.TrimSpace(u) == "" {
				mu.Lock()
				blank = true
				mu.Unlock()
			}
			h[i] = maphash.String(seed, u)
		}
	})
	if blank {
		return false
	}
	return !hasDuplicate(h)
}

// hasDuplicate reports whether two hashes are equal: a first pass marks
// each hash's low bits in a bitset of 16 n bits (cache-resident) and notes
// the bits hit twice; only the hashes on those bits (about n/32 of them)
// are then compared in full.
func hasDuplicate(h []uint64) bool {
	bits := uint(4)
	for 1<<bits < 16*len(h) {
		bits++
	}
	mask := uint64(1)<<bits - 1
	seen := make([]uint64, (1<<bits)/64+1)
	twice := make([]uint64, len(seen))
	for _, v := range h {
		b := v & mask
		w, m := b>>6, uint64(1)<<(b&63)
		if seen[w]&m != 0 {
			twice[w] |= m
		}
		seen[w] |= m
	}
	var cand []uint64
	for _, v := range h {
		b := v & mask
		if twice[b>>6]&(uint64(1)<<(b&63)) != 0 {
			cand = append(cand, v)
		}
	}
	slices.Sort(cand)
	for i := 1; i < len(cand); i++ {
		if cand[i] == cand[i-1] {
			return true
		}
	}
	return false
}

// radixSort sorts keys ascending by an LSD radix sort on 16-bit digits,
// moving idx along when it is not nil.
func radixSort(keys []uint64, idx []int32) {
	m := len(keys)
	if m < 2 {
		return
	}
	k2 := make([]uint64, m)
	var i2 []int32
	if idx != nil {
		i2 = make([]int32, m)
	}
	src, dst, isrc, idst := keys, k2, idx, i2
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, k := range src {
			count[(k>>shift)&0xffff]++
		}
		if count[(src[0]>>shift)&0xffff] == m {
			continue // every key has this digit
		}
		sum := 0
		for b, c := range count {
			count[b] = sum
			sum += c
		}
		for j, k := range src {
			dgt := (k >> shift) & 0xffff
			dst[count[dgt]] = k
			if isrc != nil {
				idst[count[dgt]] = isrc[j]
			}
			count[dgt]++
		}
		src, dst, isrc, idst = dst, src, idst, isrc
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
		if idx != nil {
			copy(idx, isrc)
		}
	}
}

func fastScores(fw *index.Framework, d *index.Dataset, ns index.Normalise, as index.Aggregate, cs *index.Classify) (*index.Result, bool) {
	n := d.Len()
	codes := fw.Indicators()
	for code := range ns.ByCode {
		if !slices.Contains(codes, code) {
			return nil, false
		}
	}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	raw := &index.Table{UCodes: d.UCodes, Rows: rows, Codes: codes, Cols: make([][]float64, len(codes))}
	for j, c := range codes {
		raw.Cols[j] = d.Indicators[c]
	}
	// Normalise, one column per goroutine.
	norm := &index.Table{UCodes: d.UCodes, Rows: rows, Codes: codes, Cols: make([][]float64, len(codes))}
	params := make([]index.NormParams, len(codes))
	bad := false
	var mu sync.Mutex
	parallelFor(len(codes), func(j int) {
		code := codes[j]
		spec := ns.Default
		if sp, ok := ns.ByCode[code]; ok {
			spec = sp
		}
		if spec.Method == index.NormDist2Ref {
			mu.Lock()
			bad = true
			mu.Unlock()
			return
		}
		node := fw.Node(code)
		dir, target := 1, node.Target
		if node.Direction != 0 {
			dir = node.Direction
		}
		if spec.Target != nil {
			target = *spec.Target
		}
		out, pr, err := index.NormaliseVector(raw.Cols[j], dir, spec, target, -1)
		if err != nil {
			mu.Lock()
			bad = true
			mu.Unlock()
			return
		}
		norm.Cols[j], params[j] = out, pr
	})
	if bad {
		return nil, false
	}
	nd := &index.NormaliseDetails{Params: map[string]index.NormParams{}}
	for j, c := range codes {
		nd.Params[c] = params[j]
	}

	// Aggregate level by level.
	for lev, sp := range as.ByLevel {
		if lev < 2 || lev > fw.MaxLevel() || sp.Method == index.AggCopeland {
			return nil, false
		}
	}
	for code, w := range as.Weights {
		if fw.Node(code) == nil || math.IsNaN(w) || w < 0 {
			return nil, false
		}
	}
	agg := &index.Table{UCodes: d.UCodes, Rows: rows, Codes: slices.Clone(codes), Cols: slices.Clone(norm.Cols)}
	colOf := map[string][]float64{}
	for j, c := range codes {
		colOf[c] = norm.Cols[j]
	}
	ad := &index.AggregateDetails{}
	for lev := 2; lev <= fw.MaxLevel(); lev++ {
		spec := as.AggSpec
		if sp, ok := as.ByLevel[lev]; ok {
			spec = sp
		}
		if spec.Method == "" {
			spec.Method = index.AggAMean
		}
		if spec.Method == index.AggCopeland || spec.MinAvailability < 0 || spec.MinAvailability > 1 {
			return nil, false
		}
		for _, code := range fw.Aggregates(lev) {
			node := fw.Node(code)
			info := index.AggInfo{Code: code, Level: lev, Method: spec.Method, Children: node.Children}
			cols := make([][]float64, len(node.Children))
			w := make([]float64, len(node.Children))
			for k, c := range node.Children {
				cols[k] = colOf[c]
				w[k] = fw.Node(c).Weight
				if o, ok := as.Weights[c]; ok {
					w[k] = o
				}
			}
			info.Weights = w
			out, ok := parallelAggregate(cols, w, spec, n)
			if !ok {
				return nil, false
			}
			for _, v := range out {
				if math.IsNaN(v) {
					info.Missing++
				}
			}
			if _, dup := colOf[code]; dup {
				return nil, false
			}
			colOf[code] = out
			agg.Codes = append(agg.Codes, code)
			agg.Cols = append(agg.Cols, out)
			ad.Aggregates = append(ad.Aggregates, info)
		}
	}
	res := &index.Result{Framework: fw, Scores: agg, Ranks: map[string][]int{}}
	res.Stages = []*index.StepRecord{
		{Step: "raw", Stage: "Raw", Data: raw},
		{Step: "normalise", Stage: "Normalised", Data: norm, Normalise: nd},
		{Step: "aggregate", Stage: "Aggregated", Data: agg, Aggregate: ad},
	}
	for _, code := range fw.Aggregates(0) {
		res.Ranks[code] = rankDescFast(colOf[code])
	}
	if cs != nil {
		det, ok := fastClassify(fw, agg, colOf, res.Ranks, *cs)
		if !ok {
			return nil, false
		}
		res.Stages = append(res.Stages, &index.StepRecord{Step: "classify", Stage: "Classified", Data: agg, Classify: det})
		res.Classes = det
	}
	// Build the tables' code indexes now, before they are shared.
	for _, t := range []*index.Table{raw, norm, agg} {
		t.Col(codes[0])
	}
	return res, true
}

// parallelAggregate runs index.AggregateRows on blocks of rows.
func parallelAggregate(cols [][]float64, w []float64, spec index.AggSpec, n int) ([]float64, bool) {
	out := make([]float64, n)
	const block = 1 << 15
	nb := (n + block - 1) / block
	failed := false
	var mu sync.Mutex
	parallelFor(nb, func(b int) {
		lo, hi := b*block, min((b+1)*block, n)
		sub := make([][]float64, len(cols))
		for k, c := range cols {
			sub[k] = c[lo:hi]
		}
		v, err := index.AggregateRows(sub, w, spec)
		if err != nil {
			mu.Lock()
			failed = true
			mu.Unlock()
			return
		}
		copy(out[lo:hi], v)
	})
	if n == 0 {
		if _, err := index.AggregateRows(cols, w, spec); err != nil {
			return nil, false
		}
	}
	return out, !failed
}

// fastClassify is index.ClassifyScores for units without flags: the rated
// units are those with a score, and their ranks among themselves are their
// overall ranks.
func fastClassify(fw *index.Framework, t *index.Table, colOf map[string][]float64, ranks map[string][]int, c index.Classify) (*index.ClassifyDetails, bool) {
	code := c.Code
	if code == "" {
		code = fw.Roots()[0]
	}
	scores, ok := colOf[code]
	if !ok {
		return nil, false
	}
	method := c.Method
	if method == "" {
		method = index.ClassifyBands
	}
	if len(c.Classes) == 0 {
		return nil, false
	}
	seen := map[string]bool{}
	prev := 0.0
	for k, r := range c.Classes {
		if r.Name == "" || seen[r.Name] {
			return nil, false
		}
		seen[r.Name] = true
		switch method {
		case index.ClassifyBands:
			if r.UpTo < prev || r.UpTo > 1 || math.IsNaN(r.UpTo) {
				return nil, false
			}
			prev = r.UpTo
		case index.ClassifyThresholds:
			if k > 0 && r.Min > c.Classes[k-1].Min {
				return nil, false
			}
		case index.ClassifyQuotas:
			if r.Count < 0 {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	rk, ok := ranks[code]
	if !ok {
		rk = rankDescFast(scores)
	}
	rated := 0
	for _, v := range scores {
		if !math.IsNaN(v) {
			rated++
		}
	}
	cum := make([]int, len(c.Classes))
	total := 0
	for k, r := range c.Classes {
		total += r.Count
		cum[k] = total
	}
	last := len(c.Classes) - 1
	det := &index.ClassifyDetails{Code: code, Method: method, Units: make([]index.ClassAssignment, len(scores)), Counts: map[string]int{}}
	const block = 1 << 15
	nb := (len(scores) + block - 1) / block
	counts := make([][]int, nb) // per block: one count per class, then "no score"
	parallelFor(nb, func(bk int) {
		cnt := make([]int, len(c.Classes)+1)
		for i := bk * block; i < min((bk+1)*block, len(scores)); i++ {
			s := scores[i]
			a := index.ClassAssignment{UCode: t.UCodes[i], Score: s}
			if math.IsNaN(s) {
				a.Reason = "no score"
				det.Units[i] = a
				cnt[len(c.Classes)]++
				continue
			}
			r := rk[i]
			cls := last
			switch method {
			case index.ClassifyBands:
				for q, rule := range c.Classes {
					if float64(r) <= rule.UpTo*float64(rated)+1e-9 {
						cls = q
						break
					}
				}
			case index.ClassifyThresholds:
				for q, rule := range c.Classes {
					if s >= rule.Min {
						cls = q
						break
					}
				}
			case index.ClassifyQuotas:
				for q := range c.Classes {
					if q == last || r <= cum[q] {
						cls = q
						break
					}
				}
			}
			a.Rank, a.Class = r, c.Classes[cls].Name
			cnt[cls]++
			det.Units[i] = a
		}
		counts[bk] = cnt
	})
	for k := range c.Classes {
		tot := 0
		for _, cnt := range counts {
			tot += cnt[k]
		}
		if tot > 0 {
			det.Counts[c.Classes[k].Name] = tot
		}
	}
	none := 0
	for _, cnt := range counts {
		none += cnt[len(c.Classes)]
	}
	if none > 0 {
		det.Counts[""] = none
	}
	return det, true
}

// rankDescFast is index.RankDesc (rank of −x, ties taking the minimum rank,
// NaN ranked 0) by an LSD radix sort on order-preserving keys, for large
// columns.
func rankDescFast(x []float64) []int {
	n := len(x)
	if n < 1<<16 {
		return index.RankDesc(x)
	}
	keys := make([]uint64, 0, n)
	idx := make([]int32, 0, n)
	for i, v := range x {
		if v != v {
			continue
		}
		f := -v
		if f == 0 {
			f = 0 // −0 ties with +0
		}
		b := math.Float64bits(f)
		if b>>63 != 0 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		keys = append(keys, b)
		idx = append(idx, int32(i))
	}
	m := len(keys)
	radixSort(keys, idx)
	out := make([]int, n)
	for k := 0; k < m; {
		j := k
		for j+1 < m && keys[j+1] == keys[k] {
			j++
		}
		for t := k; t <= j; t++ {
			out[idx[t]] = k + 1
		}
		k = j + 1
	}
	return out
}

// parallelFor runs f(0) … f(n−1) on GOMAXPROCS goroutines.
func parallelFor(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// ---------------------------------------------------------------------------
// Writing.

// appendIndexNum writes a number with full precision (shortest 'g' that
// reads back exactly); NaN is an empty cell, ±Inf "Inf"/"-Inf".
func appendIndexNum(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return b
	case math.IsInf(v, 1):
		return append(b, "Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendIndexRank writes a rank; 0 (no rank) is an empty cell.
func appendIndexRank(b []byte, r int) []byte {
	if r == 0 {
		return b
	}
	return strconv.AppendInt(b, int64(r), 10)
}

// appendCSVField writes a text field, quoted when encoding/csv would.
func appendCSVField(b []byte, s string) []byte {
	needs := s == `\.`
	for i := 0; i < len(s) && !needs; i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			needs = true
		}
	}
	if !needs && s != "" {
		if c := s[0]; c < utf8.RuneSelf {
			needs = c == ' ' || c == '\t' || c == '\v' || c == '\f'
		} else {
			r, _ := utf8.DecodeRuneInString(s)
			needs = unicode.IsSpace(r)
		}
	}
	if !needs {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// writeIndexCSV writes a CSV file atomically (temporary file, then rename):
// the header, then n rows formatted in parallel blocks and written in order.
func writeIndexCSV(path string, header []string, n int, row func(b []byte, i int) []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".indus-index-*.csv")
	if err != nil {
		return indus.Errorf(indus.EInvalid, "cannot write %s: %v", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	fail := func(err error) error {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	var hb []byte
	for k, h := range header {
		if k > 0 {
			hb = append(hb, ',')
		}
		hb = appendCSVField(hb, h)
	}
	hb = append(hb, '\n')
	if _, err := tmp.Write(hb); err != nil {
		return fail(err)
	}
	const block = 1 << 14
	workers := runtime.GOMAXPROCS(0)
	bufs := make([][]byte, workers)
	for lo := 0; lo < n; lo += block * workers {
		nb := min(workers, (n-lo+block-1)/block)
		parallelFor(nb, func(k int) {
			b := bufs[k][:0]
			for i := lo + k*block; i < min(lo+(k+1)*block, n); i++ {
				b = row(b, i)
				b = append(b, '\n')
			}
			bufs[k] = b
		})
		for k := 0; k < nb; k++ {
			if _, err := tmp.Write(bufs[k]); err != nil {
				return fail(err)
			}
		}
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writeIndexTable writes one stage: uCode, then one column per code.
func writeIndexTable(path string, t *index.Table) error {
	header := append([]string{"uCode"}, t.Codes...)
	return writeIndexCSV(path, header, t.NumUnits(), func(b []byte, i int) []byte {
		b = appendCSVField(b, t.UCodes[i])
		for _, c := range t.Cols {
			b = append(b, ',')
			b = appendIndexNum(b, c[i])
		}
		return b
	})
}

// resultCodes lists the aggregates for results.csv: the index first, then
// each level down, in framework order within a level.
func resultCodes(fw *index.Framework) []string {
	var out []string
	for l := fw.MaxLevel(); l >= 2; l-- {
		out = append(out, fw.Aggregates(l)...)
	}
	return out
}

// writeIndexResults writes uCode, every aggregate's score and rank, and the
// class when the pipeline classifies.
func writeIndexResults(path string, fw *index.Framework, res *index.Result) error {
	t := res.Scores
	header := []string{"uCode"}
	var cols [][]float64
	var ranks [][]int
	for _, c := range resultCodes(fw) {
		col := t.Col(c)
		if col == nil {
			continue
		}
		header = append(header, c, c+"_rank")
		cols = append(cols, col)
		ranks = append(ranks, res.Ranks[c])
	}
	var class []string
	if res.Classes != nil {
		header = append(header, "class")
		class = make([]string, t.NumUnits())
		if len(res.Classes.Units) == t.NumUnits() {
			// The classified table is the final one: same order.
			for i, a := range res.Classes.Units {
				class[i] = a.Class
			}
		} else {
			byU := make(map[string]string, len(res.Classes.Units))
			for _, a := range res.Classes.Units {
				byU[a.UCode] = a.Class
			}
			for i, u := range t.UCodes {
				class[i] = byU[u]
			}
		}
	}
	return writeIndexCSV(path, header, t.NumUnits(), func(b []byte, i int) []byte {
		b = appendCSVField(b, t.UCodes[i])
		for k, c := range cols {
			b = append(b, ',')
			b = appendIndexNum(b, c[i])
			b = append(b, ',')
			b = appendIndexRank(b, ranks[k][i])
		}
		if class != nil {
			b = append(b, ',')
			b = appendCSVField(b, class[i])
		}
		return b
	})
}

// writeIndexUncertainty writes one row per input unit: nominal, median,
// 5 % and 95 % and mean rank, and the probability of each class.
func writeIndexUncertainty(path string, ur *index.UncertaintyResult) error {
	header := []string{"uCode", "nominal_rank", "median_rank", "q05_rank", "q95_rank", "mean_rank"}
	for _, c := range ur.Classes {
		header = append(header, "p_"+c)
	}
	return writeIndexCSV(path, header, len(ur.Units), func(b []byte, i int) []byte {
		u := ur.Units[i]
		b = appendCSVField(b, u.UCode)
		b = append(b, ',')
		b = appendIndexRank(b, u.NominalRank)
		for _, v := range []float64{u.MedianRank, u.Q05Rank, u.Q95Rank, u.MeanRank} {
			b = append(b, ',')
			b = appendIndexNum(b, v)
		}
		for _, p := range u.ClassProb {
			b = append(b, ',')
			b = appendIndexNum(b, p)
		}
		return b
	})
}

// writeIndexSensitivity writes the Sobol indices of each uncertain input.
func writeIndexSensitivity(path string, ur *index.UncertaintyResult) error {
	header := []string{"input", "kind", "options", "first_order", "total_order", "first_order_rank_shift", "total_order_rank_shift", "base_rows", "runs"}
	return writeIndexCSV(path, header, len(ur.Sensitivity), func(b []byte, i int) []byte {
		s, in := ur.Sensitivity[i], ur.Inputs[i]
		b = appendCSVField(b, s.Input)
		b = append(b, ',')
		b = appendCSVField(b, in.Kind)
		b = append(b, ',')
		opts := strings.Join(in.Options, " | ")
		if in.Kind == "weights" {
			opts = fmt.Sprintf("±%g: %s", in.Noise, opts)
		}
		b = appendCSVField(b, opts)
		for _, v := range []float64{s.First, s.Total, s.FirstShift, s.TotalShift} {
			b = append(b, ',')
			b = appendIndexNum(b, v)
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(ur.SobolRows), 10)
		b = append(b, ',')
		return strconv.AppendInt(b, int64(ur.Runs), 10)
	})
}

// writeIndexExplain writes one row per unit and indicator with the unit's
// score, class and next-class boundary and the indicator's part in it.
func writeIndexExplain(path string, p index.Pipeline, d *index.Dataset, res *index.Result) (int, error) {
	e, err := index.NewExplainer(p, d, res)
	if err != nil {
		return 0, indexErr(err)
	}
	n := res.Scores.NumUnits()
	xs := make([]*index.UnitExplanation, n)
	parallelFor((n+1023)/1024, func(k int) {
		for i := k * 1024; i < min((k+1)*1024, n); i++ {
			xs[i] = e.UnitAt(i)
		}
	})
	type rowRef struct{ u, k int }
	var refs []rowRef
	for i, x := range xs {
		for k := range x.Indicators {
			refs = append(refs, rowRef{i, k})
		}
	}
	header := []string{"uCode", "code", "score", "rank", "class", "reason", "next_class", "boundary", "gap", "boundary_note",
		"iCode", "unit", "direction", "raw", "value", "normalised", "imputed", "weight", "effective_weight", "contribution",
		"needed_normalised", "needed_raw", "change", "status", "note"}
	err = writeIndexCSV(path, header, len(refs), func(b []byte, r int) []byte {
		x := xs[refs[r].u]
		ie := x.Indicators[refs[r].k]
		b = appendCSVField(b, x.UCode)
		b = append(b, ',')
		b = appendCSVField(b, x.Code)
		b = append(b, ',')
		b = appendIndexNum(b, x.Score)
		b = append(b, ',')
		b = appendIndexRank(b, x.Rank)
		for _, s := range []string{x.Class, x.Reason, x.NextClass} {
			b = append(b, ',')
			b = appendCSVField(b, s)
		}
		for _, v := range []float64{x.Boundary, x.Gap} {
			b = append(b, ',')
			b = appendIndexNum(b, v)
		}
		for _, s := range []string{x.Note, ie.Code, ie.Unit} {
			b = append(b, ',')
			b = appendCSVField(b, s)
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(ie.Direction), 10)
		for _, v := range []float64{ie.Raw, ie.Value, ie.Normalised} {
			b = append(b, ',')
			b = appendIndexNum(b, v)
		}
		b = append(b, ',')
		b = strconv.AppendBool(b, ie.Imputed)
		for _, v := range []float64{ie.Weight, ie.EffectiveWeight, ie.Contribution, ie.NeededNormalised, ie.NeededRaw, ie.Change} {
			b = append(b, ',')
			b = appendIndexNum(b, v)
		}
		for _, s := range []string{ie.Status, ie.Note} {
			b = append(b, ',')
			b = appendCSVField(b, s)
		}
		return b
	})
	return len(refs), err
}
