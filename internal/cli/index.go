package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// results.csv alone (large inputs): the lean path computes just its
	// columns when the pipeline has the per-mu shape. It keeps nearly all
	// it allocates, so the garbage collector is held off while it runs —
	// collecting would only cost time — within a memory limit a few times
	// the input's size.
	var plan *leanPlan
	if len(write) == 1 && write["results"] {
		plan = indexLeanPlan(fw, p)
	}
	restoreGC := func() {}
	if st, err := os.Stat(a.data); err == nil && plan != nil {
		gc, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(4*st.Size()+512<<20)
		restoreGC = func() {
			debug.SetGCPercent(gc)
			debug.SetMemoryLimit(limit)
			restoreGC = func() {}
		}
	}
	defer func() { restoreGC() }()
	d, err := readIndexData(a.data, fw)
	if err != nil {
		return indexErr(err)
	}
	tRead := time.Since(t0)
	if err := ctx.Err(); err != nil {
		return err
	}

	t1 := time.Now()
	var lean *indexResults
	if plan != nil {
		if lean, err = plan.run(fw, d); err != nil {
			return indexErr(fmt.Errorf("%s: %w", a.data, err))
		}
	}
	if lean == nil {
		restoreGC() // the general path: collect as usual
	}
	var res *index.Result
	fast := lean != nil
	if lean == nil {
		res, fast, err = indexFast(fw, d, p)
		if !fast && err == nil {
			res, err = p.Run(fw, d)
		}
		if err != nil {
			return indexErr(fmt.Errorf("%s: %w", a.data, err))
		}
	}
	tRun := time.Since(t1)
	if err := os.MkdirAll(a.out, 0o755); err != nil {
		return indus.Errorf(indus.EInvalid, "cannot create --out %s: %v", a.out, err)
	}
	if lean != nil {
		t2 := time.Now()
		if err := writeIndexResults(filepath.Join(a.out, "results.csv"), lean); err != nil {
			return err
		}
		logger.Debug("index timings", "read_s", tRead.Seconds(), "run_s", tRun.Seconds(), "lean_path", true,
			"write_s", time.Since(t2).Seconds(), "total_s", time.Since(t0).Seconds())
		fmt.Fprintf(env.Stdout, "%d units; %s; wrote results.csv to %s\n", d.Len(), fw, a.out)
		return nil
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
		if err := writeIndexResults(filepath.Join(a.out, "results.csv"), resultsOf(fw, res)); err != nil {
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
	plain     bool // no quotes in data
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

// indexBlock is the size of the blocks the data file is read and parsed
// in; a few are in flight at a time, recycled once parsed.
const indexBlock = 1 << 20

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
	// Blocks are recycled once parsed: a fresh buffer per block would
	// touch (and page-fault) as much new memory as the file is large.
	free := make(chan []byte, workers+2)
	plain := false // the last block returned by next has no quotes
	// next returns the next block ending at a record boundary.
	next := func() ([]byte, error) {
		for {
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			if cap(buf) < len(pending)+indexBlock {
				buf = make([]byte, 0, len(pending)+indexBlock+indexBlock/16)
			}
			buf = append(buf[:0], pending...)
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
			// Whether the block has quotes is found once, here, and kept
			// with it: without, records end at every newline and the
			// workers read it line by line.
			plain = bytes.IndexByte(buf, '"') < 0
			cut := len(buf)
			if !eof {
				cut = lastRecordEnd(buf, plain)
			}
			if cut == 0 && !eof {
				pending = buf // one record longer than a block: read more
				continue
			}
			pending = append([]byte(nil), buf[cut:]...) // buf is recycled
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
				select {
				case free <- c.data[:0]:
				default:
				}
				c.data = nil
			}
		}()
	}
	off := 0
	send := func(b []byte) {
		lines := bytes.Count(b, []byte{'\n'})
		c := &dataChunk{data: b, plain: plain, firstLine: line, lines: lines, off: off}
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
// ends a record (outside quotes), or 0; plain says b has no quotes.
func lastRecordEnd(b []byte, plain bool) int {
	if plain {
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
	// Unit codes are copied into one buffer per block and viewed from it
	// as strings: a million small allocations would be the reader's
	// biggest cost.
	codes := &codeBuf{b: make([]byte, 0, c.lines*8)}
	// A block without quotes is read by plainNumbers (a table of unit
	// codes and numbers: one tight loop over the lines) or plainLine (a
	// line at a time), numbers parsed as their fields are scanned; any
	// line they do not take as it is (blank, a field that is not a plain
	// number, the wrong number of fields) goes through parseRecord and
	// parseCell below, which give the values, or the error, of the
	// general reader.
	plain := c.plain
	numOnly := lay.numericOnly()
	for pos := 0; pos < len(b); {
		if plain && numOnly {
			// As many lines as the tight loop takes, then this one by the
			// slower readers below.
			var n int
			pos, n = lay.plainNumbers(b, pos, c, codes)
			line += n
			if pos >= len(b) {
				break
			}
		}
		if plain {
			var next int
			var ok bool
			if next, ok = lay.plainLine(b, pos, c, codes); ok {
				pos = next
				c.n++
				line++
				continue
			}
		}
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
				c.ucodes[k] = codes.add(bytes.TrimSpace(f))
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

// plainLine reads the record at pos of a block without quotes into row
// c.n: fields end at a comma, the last at a line end (a carriage return
// before it dropped, as parseRecord does). Numbers are parsed while
// scanned when they take parseDecimal's exact path, else by parseCell on
// the field. It returns the position after the line; ok is false for a
// blank line, a number parseCell rejects or the wrong number of fields,
// which the caller then reads with parseRecord to give the general
// reader's value or error.
func (lay *dataLayout) plainLine(b []byte, pos int, c *dataChunk, codes *codeBuf) (int, bool) {
	if pos >= len(b) || b[pos] == '\n' || b[pos] == '\r' {
		return pos, false
	}
	k := c.n
	fail := func() (int, bool) { return pos, false }
	p := pos
	last := len(lay.kinds) - 1
	for i, kind := range lay.kinds {
		start := p
		if kind == colNum {
			if v, q, ok := scanDecimal(b, p); ok && q < len(b) && (b[q] == ',' && i < last || b[q] == '\n' && i == last) {
				c.nums[lay.slot[i]][k] = v
				p = q + 1
				continue
			}
		}
		// The field's end: a comma, or the line's end for the last field.
		for p < len(b) && b[p] != ',' && b[p] != '\n' {
			p++
		}
		end := p
		if i < last {
			if p >= len(b) || b[p] != ',' {
				return fail()
			}
		} else {
			if p < len(b) && b[p] != '\n' {
				return fail()
			}
			if end > start && b[end-1] == '\r' {
				end--
			}
		}
		f := b[start:end]
		p++
		switch kind {
		case colUCode:
			c.ucodes[k] = codes.add(bytes.TrimSpace(f))
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
				return fail()
			}
			c.nums[lay.slot[i]][k] = v
		}
	}
	return min(p, len(b)), true
}

// numericOnly reports whether the table has only a uCode column and numeric
// columns (the shape plainNumbers reads).
func (lay *dataLayout) numericOnly() bool {
	for _, k := range lay.kinds {
		if k != colUCode && k != colNum {
			return false
		}
	}
	return true
}

// plainNumbers reads, from pos, the lines of a block without quotes whose
// every field is plain: the unit code without surrounding spaces, numbers
// in the form parseDecimal takes without an exponent (at most 19 digits,
// below 2⁵³, the same value: one exact division by a power of ten), or
// empty (missing). It is plainLine's loop without a call per line or per
// field, which matters at a million rows. It returns the position of the
// first line it does not take (a blank line, any other form, the wrong
// number of fields), for plainLine and the general reader, and the number
// of lines read (the rows c.n moved on by).
func (lay *dataLayout) plainNumbers(b []byte, pos int, c *dataChunk, codes *codeBuf) (int, int) {
	kinds := lay.kinds
	last := len(kinds) - 1
	num := make([][]float64, len(kinds))
	for i, kind := range kinds {
		if kind == colNum {
			num[i] = c.nums[lay.slot[i]]
		}
	}
	lines := 0
	p := pos
line:
	for p < len(b) {
		k := c.n
		for i, kind := range kinds {
			if kind == colUCode {
				s := p
				for p < len(b) && b[p] != ',' && b[p] != '\n' {
					p++
				}
				if p == s || b[s] <= ' ' || b[s] >= 0x80 || b[p-1] <= ' ' || b[p-1] >= 0x80 {
					break line // empty, or spaces to trim: plainLine
				}
				c.ucodes[k] = codes.add(b[s:p])
			} else {
				neg := false
				if p < len(b) && (b[p] == '-' || b[p] == '+') {
					neg = b[p] == '-'
					p++
				}
				ds := p
				var mant uint64
				for p < len(b) {
					d := b[p] - '0'
					if d > 9 {
						break
					}
					mant = mant*10 + uint64(d)
					p++
				}
				nd, exp := p-ds, 0
				if p < len(b) && b[p] == '.' {
					p++
					fs := p
					for p < len(b) {
						d := b[p] - '0'
						if d > 9 {
							break
						}
						mant = mant*10 + uint64(d)
						p++
					}
					nd += p - fs
					exp = fs - p
				}
				switch {
				case nd == 0:
					if neg || p != ds || (p < len(b) && b[p] != ',' && b[p] != '\n') {
						break line // a sign or a point without digits, or text
					}
					num[i][k] = math.NaN() // an empty cell
				case nd > 19 || mant >= 1<<53:
					break line
				default:
					f := float64(mant)
					if mant != 0 && exp < 0 {
						f /= pow10[-exp] // −19 ≤ exp
					}
					if neg {
						f = -f
					}
					num[i][k] = f
				}
			}
			// The field's end: a comma before the last field, a newline
			// (or the block's end) after it.
			if i < last {
				if p >= len(b) || b[p] != ',' {
					break line
				}
				p++
			} else if p < len(b) {
				if b[p] != '\n' {
					break line
				}
				p++
			}
		}
		c.n++
		lines++
		pos = p
	}
	return pos, lines
}

// codeBuf holds a block's unit codes. add copies a code in and returns it
// as a string viewing the buffer, which is only ever appended to (a full
// one is replaced, the strings keeping the old one alive), so a code never
// changes once viewed. A line that plainLine gives up on leaves its code
// behind unused; the general reader adds it again.
type codeBuf struct{ b []byte }

func (cb *codeBuf) add(code []byte) string {
	if len(code) == 0 {
		return ""
	}
	if len(cb.b)+len(code) > cap(cb.b) {
		cb.b = make([]byte, 0, max(2*cap(cb.b), len(code)+1024))
	}
	start := len(cb.b)
	cb.b = append(cb.b, code...)
	return unsafe.String(&cb.b[start], len(code))
}

// scanDecimal parses the number at b[p:] as parseDecimal does — the same
// forms, the same value — stopping at the first byte that cannot continue
// it, whose position it returns; ok is false when the number is not one
// that parseDecimal takes (no digits, a mantissa of 2⁵³ or more, a power of
// ten beyond 22) or has more than 19 digits (which parseCell then reads).
func scanDecimal(b []byte, p int) (float64, int, bool) {
	neg := false
	if p < len(b) && (b[p] == '-' || b[p] == '+') {
		neg = b[p] == '-'
		p++
	}
	start := p
	var mant uint64 // overflows only past 19 digits, which are refused
	for ; p < len(b); p++ {
		d := b[p] - '0'
		if d > 9 {
			break
		}
		mant = mant*10 + uint64(d)
	}
	nd, exp := p-start, 0
	if p < len(b) && b[p] == '.' {
		p++
		fs := p
		for ; p < len(b); p++ {
			d := b[p] - '0'
			if d > 9 {
				break
			}
			mant = mant*10 + uint64(d)
		}
		nd += p - fs
		exp = fs - p
	}
	if nd == 0 || nd > 19 || mant >= 1<<53 {
		return 0, p, false
	}
	if p < len(b) && b[p]|0x20 == 'e' {
		p++
		eneg := false
		if p < len(b) && (b[p] == '+' || b[p] == '-') {
			eneg = b[p] == '-'
			p++
		}
		e, ed := 0, 0
		for ; p < len(b); p++ {
			d := b[p] - '0'
			if d > 9 || e > 1000 {
				break
			}
			e = e*10 + int(d)
			ed++
		}
		if ed == 0 {
			return 0, p, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	f := float64(mant)
	switch {
	case mant == 0:
	case exp >= 0 && exp <= 22:
		f *= pow10[exp]
	case exp < 0 && exp >= -22:
		f /= pow10[-exp]
	default:
		return 0, p, false
	}
	if neg {
		f = -f
	}
	return f, p, true
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

// indexLean computes only what results.csv shows, for a pipeline of the
// per-mu shape (Normalise with element-wise methods, Aggregate with amean or
// wsum, Classify without flags) when results.csv is the only file asked
// for: the indicators are normalised by the engine's index.Normaliser, the
// aggregates computed by index.AggregateRowsTo, the classes and their ranks
// by index.ClassIndexes, the other ranks by index.RankDesc — the functions
// Pipeline.Run uses, so the file is the same, byte for byte (tested),
// without the stages' columns or a record per unit: the normalised values
// only live in a block of rows at a time. It returns nil for any other
// pipeline or for anything the engine might reject (the caller then runs
// the general path, which gives the canonical error); a data error is
// returned as the engine's. d is not modified.
func indexLean(fw *index.Framework, d *index.Dataset, p index.Pipeline) (*indexResults, error) {
	plan := indexLeanPlan(fw, p)
	if plan == nil {
		return nil, nil
	}
	return plan.run(fw, d)
}

// leanPlan is a pipeline of the lean path's shape, checked.
type leanPlan struct {
	ns    index.Normalise
	as    index.Aggregate
	cs    *index.Classify // nil: no classes
	specs map[int]index.AggSpec
}

// indexLeanPlan checks the pipeline's shape for indexLean (all but the
// data): nil when it is not the lean path's.
func indexLeanPlan(fw *index.Framework, p index.Pipeline) *leanPlan {
	if len(p.Steps) < 2 || len(p.Steps) > 3 {
		return nil
	}
	ns, ok1 := p.Steps[0].(index.Normalise)
	as, ok2 := p.Steps[1].(index.Aggregate)
	if !ok1 || !ok2 || len(ns.Directions) > 0 {
		return nil
	}
	plan := &leanPlan{ns: ns, as: as, specs: map[int]index.AggSpec{}}
	if len(p.Steps) == 3 {
		c, ok := p.Steps[2].(index.Classify)
		if !ok || len(c.Flags) > 0 {
			return nil
		}
		if c.Code == "" {
			c.Code = fw.Roots()[0]
		}
		if fw.Node(c.Code) == nil || fw.Node(c.Code).Indicator {
			return nil
		}
		if _, err := index.ClassifyScores(nil, nil, c); err != nil {
			return nil // bad rules: the engine words the error
		}
		plan.cs = &c
	}
	codes := fw.Indicators()
	for code, spec := range ns.ByCode {
		if !slices.Contains(codes, code) {
			return nil
		}
		if !elementWise(spec.Method) {
			return nil
		}
	}
	if len(codes) > len(ns.ByCode) && !elementWise(ns.Default.Method) {
		return nil
	}
	// Aggregation: amean or wsum (which cannot fail), valid weights and
	// thresholds.
	for lev := range as.ByLevel {
		if lev < 2 || lev > fw.MaxLevel() {
			return nil
		}
	}
	for code, w := range as.Weights {
		if fw.Node(code) == nil || math.IsNaN(w) || w < 0 {
			return nil
		}
	}
	for lev := 2; lev <= fw.MaxLevel(); lev++ {
		spec := as.AggSpec
		if sp, ok := as.ByLevel[lev]; ok {
			spec = sp
		}
		if spec.Method == "" {
			spec.Method = index.AggAMean
		}
		if (spec.Method != index.AggAMean && spec.Method != index.AggWSum) || !(spec.MinAvailability >= 0 && spec.MinAvailability <= 1) {
			return nil
		}
		for _, code := range fw.Aggregates(lev) {
			if len(fw.Node(code).Children) == 0 {
				return nil
			}
		}
		plan.specs[lev] = spec
	}
	return plan
}

// elementWise reports whether a normalisation has an index.Normaliser
// (dist2ref, which needs a reference unit, is left to the engine).
func elementWise(method string) bool {
	switch method {
	case index.NormRank, index.NormPRank, index.NormBorda, index.NormDist2Ref:
		return false
	}
	return true
}

// run computes results.csv's columns from d.
func (lp *leanPlan) run(fw *index.Framework, d *index.Dataset) (*indexResults, error) {
	ns, as, cs, specs := lp.ns, lp.as, lp.cs, lp.specs
	codes := fw.Indicators()
	// The unit codes are checked while the statistics are computed (the
	// reader has made every column the right length): the check ends with
	// a pass that runs on one core, which the statistics fill.
	verr := make(chan error, 1)
	go func() { verr <- d.Validate(fw) }()
	// Normalisers from the raw columns (their statistics, in parallel), all
	// before any is applied.
	normSpecs := make([]index.NormSpec, len(codes))
	for j, code := range codes {
		normSpecs[j] = ns.Default
		if sp, ok := ns.ByCode[code]; ok {
			normSpecs[j] = sp
		}
	}
	zs := make([]*index.Normaliser, len(codes))
	parallelFor(len(codes), func(j int) {
		spec, node := normSpecs[j], fw.Node(codes[j])
		dir, target := 1, node.Target
		if node.Direction != 0 {
			dir = node.Direction
		}
		if spec.Target != nil {
			target = *spec.Target
		}
		if z, _, err := index.NewNormaliser(d.Indicators[codes[j]], dir, spec, target, -1); err == nil {
			zs[j] = z
		}
	})
	if err := <-verr; err != nil {
		return nil, err
	}
	if slices.Contains(zs, nil) {
		return nil, nil
	}
	// The aggregates, block by block of rows: each indicator normalised
	// into a buffer of the block's rows, then each level aggregated from
	// the level below, into the aggregate's column. A worker keeps its
	// buffers; the data are not modified.
	type aggPlan struct {
		code     string
		children []int // into colOf
		w        []float64
		spec     index.AggSpec
	}
	n := d.Len()
	slot := map[string]int{}
	for j, code := range codes {
		slot[code] = j
	}
	var plan []aggPlan
	for lev := 2; lev <= fw.MaxLevel(); lev++ {
		for _, code := range fw.Aggregates(lev) {
			node := fw.Node(code)
			a := aggPlan{code: code, spec: specs[lev], w: make([]float64, len(node.Children))}
			for k, c := range node.Children {
				a.children = append(a.children, slot[c])
				a.w[k] = fw.Node(c).Weight
				if o, ok := as.Weights[c]; ok {
					a.w[k] = o
				}
			}
			slot[code] = len(codes) + len(plan)
			plan = append(plan, a)
		}
	}
	aggCols := make([][]float64, len(plan))
	for q := range plan {
		aggCols[q] = make([]float64, n)
	}
	const block = 1 << 14
	nb := (n + block - 1) / block
	var next atomic.Int64
	var aggErr atomic.Value
	parallelFor(min(runtime.GOMAXPROCS(0), max(nb, 1)), func(int) {
		norm := make([][]float64, len(codes))
		for j := range norm {
			norm[j] = make([]float64, block)
		}
		blockCol := make([][]float64, len(codes)+len(plan))
		for {
			b := int(next.Add(1)) - 1
			if b >= nb {
				return
			}
			lo, hi := b*block, min((b+1)*block, n)
			for j, code := range codes {
				zs[j].Apply(norm[j][:hi-lo], d.Indicators[code][lo:hi])
				blockCol[j] = norm[j][:hi-lo]
			}
			for q, a := range plan {
				cols := make([][]float64, len(a.children))
				for k, c := range a.children {
					cols[k] = blockCol[c]
				}
				if err := index.AggregateRowsTo(aggCols[q][lo:hi], cols, a.w, a.spec); err != nil {
					aggErr.Store(err) // amean and wsum do not fail
					return
				}
				blockCol[len(codes)+q] = aggCols[q][lo:hi]
			}
		}
	})
	if err, _ := aggErr.Load().(error); err != nil {
		return nil, err
	}
	colOf := map[string][]float64{}
	for q, a := range plan {
		colOf[a.code] = aggCols[q]
	}
	r := &indexResults{ucodes: d.UCodes}
	ranked := map[string][]int{}
	if cs != nil {
		// Without flags every unit with a score is rated: the ranks among
		// the rated units are the ranks overall (RankDesc).
		cls, rank, err := index.ClassIndexes(d.UCodes, colOf[cs.Code], *cs)
		if err != nil {
			return nil, err
		}
		ranked[cs.Code] = rank
		names := cs.Classes
		r.class = func(i int) string {
			if cls[i] < 0 {
				return ""
			}
			return names[cls[i]].Name
		}
	}
	for _, code := range resultCodes(fw) {
		rk, ok := ranked[code]
		if !ok {
			rk = index.RankDesc(colOf[code])
		}
		r.codes = append(r.codes, code)
		r.cols = append(r.cols, colOf[code])
		r.ranks = append(r.ranks, rk)
	}
	return r, nil
}

// indexFast runs a pipeline made only of Normalise, Aggregate and Classify —
// the per-mu shape — with the engine's own column functions
// (index.NormaliseVector, index.AggregateRows, index.RankDesc,
// index.ClassifyScores, each parallel on large data) but without
// Pipeline.Run's copies: the raw stage is the data read, the aggregated
// stage shares the normalised columns, and the ranks of the classified
// score come from the classification. The result is identical, bit for bit,
// to Pipeline.Run's (tested); anything else, or anything the engine would
// reject, returns fast = false and the caller runs the engine, which
// produces the canonical result or error.
func indexFast(fw *index.Framework, d *index.Dataset, p index.Pipeline) (*index.Result, bool, error) {
	if len(p.Steps) < 2 || len(p.Steps) > 3 {
		return nil, false, nil
	}
	ns, ok1 := p.Steps[0].(index.Normalise)
	as, ok2 := p.Steps[1].(index.Aggregate)
	var cs *index.Classify
	if len(p.Steps) == 3 {
		c, ok := p.Steps[2].(index.Classify)
		if !ok {
			return nil, false, nil
		}
		cs = &c
	}
	if !ok1 || !ok2 || len(ns.Directions) > 0 {
		return nil, false, nil
	}
	if err := d.Validate(fw); err != nil {
		return nil, false, err
	}
	res, ok := fastScores(fw, d, ns, as, cs)
	return res, ok, nil
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
	var bad atomic.Bool
	parallelFor(len(codes), func(j int) {
		code := codes[j]
		spec := ns.Default
		if sp, ok := ns.ByCode[code]; ok {
			spec = sp
		}
		if spec.Method == index.NormDist2Ref {
			bad.Store(true)
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
			bad.Store(true)
			return
		}
		norm.Cols[j], params[j] = out, pr
	})
	if bad.Load() {
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
			out, err := index.AggregateRows(cols, w, spec)
			if err != nil {
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
	// Classify. Without flags every unit with a score is rated, so the rank
	// among the rated units that the classification gives each unit is its
	// rank overall (RankDesc): the classified score is sorted once.
	ranked := ""
	if cs != nil {
		c := *cs
		if c.Code == "" {
			c.Code = fw.Roots()[0]
		}
		scores, ok := colOf[c.Code]
		if !ok {
			return nil, false
		}
		det, err := index.ClassifyScores(agg.UCodes, scores, c)
		if err != nil {
			return nil, false
		}
		res.Stages = append(res.Stages, &index.StepRecord{Step: "classify", Stage: "Classified", Data: agg, Classify: det})
		res.Classes = det
		if len(c.Flags) == 0 {
			r := make([]int, n)
			for i := range r {
				r[i] = det.Units[i].Rank
			}
			res.Ranks[c.Code], ranked = r, c.Code
		}
	}
	for _, code := range fw.Aggregates(0) {
		if code != ranked {
			res.Ranks[code] = index.RankDesc(colOf[code])
		}
	}
	// Build the tables' code indexes now, before they are shared.
	for _, t := range []*index.Table{raw, norm, agg} {
		t.Col(codes[0])
	}
	return res, true
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
	return appendShortestG(b, v)
}

// appendShortestG appends strconv.AppendFloat(b, v, 'g', -1, 64) for a
// finite v, faster: strconv writes the shortest digits in the 'e' form,
// which 'g' keeps for decimal exponents below −4 or from 6 on; for the
// others the plain layout is made from it in place — the point moved, the
// exponent dropped, zeros added — rather than by strconv's digit-by-digit
// fmtF, which takes about a third of the whole conversion.
func appendShortestG(b []byte, v float64) []byte {
	n0 := len(b)
	b = strconv.AppendFloat(b, v, 'e', -1, 64) // [-]d[.ddd]e±dd[d]
	k := len(b) - 4                            // the 'e' of a two-digit exponent
	if b[k] != 'e' {
		return b // three digits: an exponent beyond ±99, which 'g' writes as 'e'
	}
	exp := int(b[k+2]-'0')*10 + int(b[k+3]-'0')
	if b[k+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 6 {
		return b
	}
	s0 := n0 // the first digit
	if b[s0] == '-' {
		s0++
	}
	frac := 0 // digits after the point
	if k > s0+1 {
		frac = k - s0 - 2
	}
	if exp >= 0 {
		if frac > exp {
			// d.f₁…fₑfₑ₊₁… → d f₁…fₑ . fₑ₊₁…
			for j := 0; j < exp; j++ {
				b[s0+1+j] = b[s0+2+j]
			}
			b[s0+1+exp] = '.'
			return b[:k]
		}
		// All digits are before the point: drop it, pad with zeros.
		for j := 0; j < frac; j++ {
			b[s0+1+j] = b[s0+2+j]
		}
		b = b[:s0+1+frac]
		for j := frac; j < exp; j++ {
			b = append(b, '0')
		}
		return b
	}
	// 0.0…0d f₁…: the digits move right by 1 − exp places.
	var digs [20]byte
	nd := 0
	digs[0] = b[s0]
	nd++
	for j := 0; j < frac; j++ {
		digs[nd] = b[s0+2+j]
		nd++
	}
	b = append(b[:s0], '0', '.')
	for j := exp; j < -1; j++ {
		b = append(b, '0')
	}
	for j := 0; j < nd; j++ {
		b = append(b, digs[j])
	}
	return b
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
	// Blocks of rows are formatted by the workers while this goroutine
	// writes the finished ones in order. A worker takes a buffer from a
	// small pool before it takes the next block, so the blocks in progress
	// are always the ones after those written: no wait can block the block
	// being waited for.
	const block = 1 << 13
	nb := (n + block - 1) / block
	workers := min(runtime.GOMAXPROCS(0), nb)
	done := make([]chan []byte, nb)
	for k := range done {
		done[k] = make(chan []byte, 1)
	}
	pool := make(chan []byte, 2*workers+1)
	for range cap(pool) {
		pool <- make([]byte, 0, 64*block) // room for rows of 64 bytes; grown if need be
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := <-pool
				k := int(next.Add(1)) - 1
				if k >= nb {
					return
				}
				b = b[:0]
				for i := k * block; i < min((k+1)*block, n); i++ {
					b = row(b, i)
					b = append(b, '\n')
				}
				done[k] <- b
			}
		}()
	}
	var werr error
	for k := 0; k < nb; k++ {
		b := <-done[k]
		if werr == nil {
			_, werr = tmp.Write(b)
		}
		pool <- b
	}
	wg.Wait()
	if werr != nil {
		return fail(werr)
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

// indexResults is what results.csv shows: per unit, every aggregate's score
// and rank, and the class when the pipeline classifies.
type indexResults struct {
	ucodes []string
	codes  []string // aggregates, in resultCodes order
	cols   [][]float64
	ranks  [][]int
	class  func(i int) string // nil without classes
}

// resultsOf takes results.csv's columns from an engine result.
func resultsOf(fw *index.Framework, res *index.Result) *indexResults {
	t := res.Scores
	r := &indexResults{ucodes: t.UCodes}
	for _, c := range resultCodes(fw) {
		col := t.Col(c)
		if col == nil {
			continue
		}
		r.codes = append(r.codes, c)
		r.cols = append(r.cols, col)
		r.ranks = append(r.ranks, res.Ranks[c])
	}
	// The class of unit i: the classified table is usually the final one,
	// in the same order; else looked up by unit code.
	if res.Classes != nil {
		units := res.Classes.Units
		if len(units) == t.NumUnits() {
			r.class = func(i int) string { return units[i].Class }
		} else {
			byU := make(map[string]string, len(units))
			for _, a := range units {
				byU[a.UCode] = a.Class
			}
			r.class = func(i int) string { return byU[t.UCodes[i]] }
		}
	}
	return r
}

// writeIndexResults writes uCode, every aggregate's score and rank, and the
// class when the pipeline classifies.
func writeIndexResults(path string, r *indexResults) error {
	header := []string{"uCode"}
	for _, c := range r.codes {
		header = append(header, c, c+"_rank")
	}
	if r.class != nil {
		header = append(header, "class")
	}
	return writeIndexCSV(path, header, len(r.ucodes), func(b []byte, i int) []byte {
		b = appendCSVField(b, r.ucodes[i])
		for k, c := range r.cols {
			b = append(b, ',')
			b = appendIndexNum(b, c[i])
			b = append(b, ',')
			b = appendIndexRank(b, r.ranks[k][i])
		}
		if r.class != nil {
			b = append(b, ',')
			b = appendCSVField(b, r.class(i))
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
