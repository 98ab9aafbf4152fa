package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// Evaluating files without a store: `indus evaluate --data DIR` reads the
// canonical enterprises.csv and annual.csv (as `indus gen` writes them and
// `indus export --lang en` exports them) and evaluates them directly, for
// trying a scheme before an import and for the end-to-end benchmark
// against pandas. The reader is deliberately lean — blocks of the file
// parsed on every core, only the evaluation year and the year before kept
// — and strict: these are canonical files (UTF-8, canonical column names,
// canonical units); anything else goes through `indus import`, whose
// readers map headers and convert units. The optional trailing above_size
// column of annual.csv (the year's status) is used when present.

// annualRow is one kept row of annual.csv. uscc points into the reader's
// block: valid until consume returns.
type annualRow struct {
	uscc       []byte
	year       int
	nums       [10]float64
	flags      [5]bool
	aboveKnown bool
}

// enterpriseRow is one kept row of enterprises.csv; its byte fields point
// into the reader's block.
type enterpriseRow struct {
	uscc, name, unit, park, code []byte
	founded                      time.Time
	land                         float64
}

// factChunkBits sets the entries per chunk of the reader (65,536).
const factChunkBits = 16

var annualCols = []string{"uscc", "year", "land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce", "electricity_kwh",
	"emissions_t", "rd_spend", "employees", "safety_accident", "env_violation", "under_construction", "utility", "above_size"}

// ReadEvaluationFactsCSV reads dir/enterprises.csv and dir/annual.csv and
// returns the facts of every enterprise with facts in year, in the order
// in which annual.csv first names them (ScoreFacts orders them itself).
func ReadEvaluationFactsCSV(dir string, year int) ([]store.EvaluationFact, error) {
	// One entry per enterprise seen in year or the year before; cur says
	// which have facts in year (the others are dropped at the end).
	// Entries live in chunks that never move: a growing slice of a million
	// quarter-kilobyte structs would spend more time copying than parsing.
	var chunks [][]store.EvaluationFact
	count := 0
	at := func(i int) *store.EvaluationFact { return &chunks[i>>factChunkBits][i&(1<<factChunkBits-1)] }
	cur := []bool{}
	annual := filepath.Join(dir, "annual.csv")
	// Files sorted by USCC (as `indus gen` and exports write them) are
	// joined by merging, without a map; the map is built the first time a
	// row is out of order.
	var idx map[string]int
	index := func() {
		if idx == nil {
			idx = make(map[string]int, count)
			for i := 0; i < count; i++ {
				idx[at(i).USCC] = i
			}
		}
	}
	entry := func(uscc []byte) int {
		last := count - 1
		if idx == nil {
			switch {
			case last >= 0 && at(last).USCC == string(uscc):
				return last
			case last >= 0 && at(last).USCC > string(uscc):
				index() // out of order: look up from now on
			}
		}
		if idx != nil {
			if i, ok := idx[string(uscc)]; ok { // no allocation for a look-up
				return i
			}
		}
		i := count
		if i>>factChunkBits == len(chunks) {
			chunks = append(chunks, make([]store.EvaluationFact, 1<<factChunkBits))
		}
		count++
		nan := math.NaN()
		*at(i) = store.EvaluationFact{USCC: string(uscc), PrevRevenue: nan, LandMu: nan, Revenue: nan, OutputValue: nan,
			ValueAdded: nan, Tax: nan, EnergyTCE: nan, ElectricityKWh: nan, EmissionsT: nan, RDSpend: nan, Employees: nan}
		cur = append(cur, false)
		if idx != nil {
			idx[at(i).USCC] = i
		}
		return i
	}
	yearB, prevB := []byte(strconv.Itoa(year)), []byte(strconv.Itoa(year-1))
	pre := func(f [][]byte) bool { return bytes.Equal(f[1], yearB) || bytes.Equal(f[1], prevB) }
	err := scanCSVPre(annual, annualCols, 16, 2, pre, func(f [][]byte) (annualRow, bool, error) {
		var r annualRow
		y, err := strconv.Atoi(bstr(f[1]))
		if err != nil {
			return r, false, fmt.Errorf("year %q is not a year", f[1])
		}
		if y != year && y != year-1 {
			return r, false, nil
		}
		r.year = y
		for k := range r.nums {
			if y == year-1 && k != 1 {
				continue // the year before: only revenue and the status
			}
			if r.nums[k], err = parseNum(f[2+k]); err != nil {
				return r, false, fmt.Errorf("%s: %w", annualCols[2+k], err)
			}
		}
		for k := range r.flags {
			if k == 4 && f[16] == nil {
				break // no above_size column
			}
			b, ok, err := parseBool(f[12+k])
			if err != nil {
				return r, false, fmt.Errorf("%s: %w", annualCols[12+k], err)
			}
			r.flags[k] = b
			if k == 4 {
				r.aboveKnown = ok
			}
		}
		r.uscc = f[0]
		return r, true, nil
	}, func(r annualRow) error {
		i := entry(r.uscc)
		e := at(i)
		if r.year == year-1 {
			e.HasPrev, e.PrevAboveSizeKnown, e.PrevAboveSize, e.PrevRevenue = true, r.aboveKnown, r.flags[4], r.nums[1]
			return nil
		}
		if cur[i] {
			return fmt.Errorf("enterprise %s appears twice in %d", e.USCC, year)
		}
		cur[i] = true
		n := r.nums
		e.AboveSizeKnown, e.AboveSize = r.aboveKnown, r.flags[4]
		e.LandMu, e.Revenue, e.OutputValue, e.ValueAdded, e.Tax = n[0], n[1], n[2], n[3], n[4]
		e.EnergyTCE, e.ElectricityKWh, e.EmissionsT, e.RDSpend, e.Employees = n[5], n[6], n[7], n[8], n[9]
		e.SafetyAccident, e.EnvViolation, e.UnderConstruction, e.Utility = r.flags[0], r.flags[1], r.flags[2], r.flags[3]
		return nil
	})
	if err != nil {
		return nil, err
	}
	found := make([]bool, count) // whether enterprises.csv has the firm
	// Units, parks and industry codes repeat: one string each.
	intern := map[string]string{}
	str := func(b []byte) string {
		if s, ok := intern[string(b)]; ok {
			return s
		}
		s := string(b)
		intern[s] = s
		return s
	}
	// The merge: next is the first entry not yet passed; with the map (an
	// unsorted annual.csv, or an unsorted enterprises.csv) rows are looked
	// up instead.
	next := 0
	var prevUSCC []byte
	ecols := []string{"uscc", "name", "unit_code", "park", "industry_code", "founded", "land_mu"}
	err = scanCSV(filepath.Join(dir, "enterprises.csv"), ecols, len(ecols), func(f [][]byte) (enterpriseRow, bool, error) {
		e := enterpriseRow{uscc: f[0], name: f[1], unit: f[2], park: f[3], code: f[4]}
		if len(f[5]) > 0 {
			t, ok := parseDate(f[5])
			if !ok {
				return e, false, fmt.Errorf("founded %q is not a YYYY-MM-DD date", f[5])
			}
			e.founded = t
		}
		land, err := parseNum(f[6])
		if err != nil {
			return e, false, fmt.Errorf("land_mu: %w", err)
		}
		e.land = land
		return e, true, nil
	}, func(r enterpriseRow) error {
		if idx == nil && string(prevUSCC) > string(r.uscc) {
			index()
		}
		i := -1
		if idx != nil {
			if k, ok := idx[string(r.uscc)]; ok {
				i = k
			}
		} else {
			prevUSCC = append(prevUSCC[:0], r.uscc...)
			for next < count && at(next).USCC < string(r.uscc) {
				next++
			}
			if next < count && at(next).USCC == string(r.uscc) {
				i = next
			}
		}
		if i < 0 || !cur[i] {
			return nil
		}
		f := at(i)
		found[i] = true
		f.Name, f.UnitCode, f.Park, f.IndustryCode, f.Founded = string(r.name), str(r.unit), str(r.park), str(r.code), r.founded
		if math.IsNaN(f.LandMu) {
			f.LandMu = r.land
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	kept := 0
	for i := 0; i < count; i++ {
		if cur[i] {
			kept++
		}
	}
	out := make([]store.EvaluationFact, 0, kept)
	for i := 0; i < count; i++ {
		if !cur[i] {
			continue
		}
		if !found[i] {
			return nil, indus.Errorf(indus.EInvalid, "%s: enterprise %s has %d facts but is not in enterprises.csv", annual, at(i).USCC, year)
		}
		out = append(out, *at(i))
	}
	return out, nil
}

// parseDate reads YYYY-MM-DD without the generality (and cost) of
// time.Parse.
func parseDate(b []byte) (time.Time, bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return time.Time{}, false
	}
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, d := num(b[:4]), num(b[5:7]), num(b[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31 April and the like
	}
	return t, true
}

// bstr views b as a string without copying, for parsing and look-ups only:
// the string must not outlive b (the reader's buffer).
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
	1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNum reads a canonical number; an empty cell is NaN (not reported).
// Plain decimals of at most 15 digits ("20182.67", "12233719") take
// Clinger's fast path — an exact mantissa divided by an exact power of
// ten is correctly rounded, the very value strconv.ParseFloat returns —
// and everything else goes to strconv.
func parseNum(b []byte) (float64, error) {
	if len(b) == 0 {
		return math.NaN(), nil
	}
	if v, ok := fastDecimal(b); ok {
		return v, nil
	}
	v, err := strconv.ParseFloat(bstr(b), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is not a number", b)
	}
	return v, nil
}

// fastDecimal parses [-]digits[.digits] with at most 15 digits in all.
func fastDecimal(b []byte) (float64, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	var mant uint64
	digits, frac, dot := 0, 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 || (dot && frac == 0) {
		return 0, false
	}
	v := float64(mant) / pow10[frac]
	if neg {
		v = -v
	}
	return v, true
}

// parseBool reads true/false; an empty cell is false and not known.
func parseBool(b []byte) (v, known bool, err error) {
	switch bstr(b) {
	case "":
		return false, false, nil
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, fmt.Errorf("%q is not true or false", b)
}

// csvBlock is how much of a file is parsed at a time (a variable so that
// tests can make blocks end inside rows and quoted fields).
var csvBlock = 8 << 20

// scanCSV streams a canonical CSV file: parse gets the named columns of
// each row in the order given (nil for an optional column — after the
// first required — that the file lacks) and says whether to keep the row;
// consume gets the kept rows in file order. The file is read in blocks;
// a block without quotes is split at line ends and parsed on every core
// (parse must be safe for concurrent use), a block with quotes line by
// line (RFC 4180: doubled quotes, line breaks inside quotes). A UTF-8 byte
// order mark is skipped. Errors name the file and row.
func scanCSV[T any](path string, cols []string, required int, parse func(f [][]byte) (T, bool, error), consume func(T) error) error {
	return scanCSVPre(path, cols, required, 0, nil, parse, consume)
}

// scanCSVPre is scanCSV with a quick test: when pre is set, a row of a
// block without quotes is split only as far as the first npre columns,
// and dropped unless pre(those columns) — most of annual.csv is other
// years, which need not be split at all.
func scanCSVPre[T any](path string, cols []string, required, npre int, pre func(f [][]byte) bool, parse func(f [][]byte) (T, bool, error), consume func(T) error) error {
	file, err := os.Open(path)
	if err != nil {
		return indus.Errorf(indus.EInvalid, "cannot open %s: %v", path, unwrapPath(err))
	}
	defer file.Close()
	// buf[:n] holds the bytes read and not yet parsed; fill reads more
	// behind them, doubling buf when a row does not fit.
	buf := make([]byte, csvBlock)
	n := 0
	eof := false
	fill := func() error {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
		k, err := io.ReadFull(file, buf[n:])
		n += k
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		return nil
	}
	if err := fill(); err != nil {
		return err
	}
	for !eof && bytes.IndexByte(buf[:n], '\n') < 0 {
		if err := fill(); err != nil {
			return err
		}
	}
	bom := 0
	if bytes.HasPrefix(buf[:n], []byte("\xef\xbb\xbf")) {
		bom = 3
	}
	nl := bytes.IndexByte(buf[bom:n], '\n')
	if nl < 0 {
		nl = n - bom
	}
	header, err := splitRecord(bytes.TrimRight(buf[bom:bom+nl], "\r"), nil, nil)
	if err != nil || n-bom == 0 {
		return indus.Errorf(indus.EInvalid, "%s: no header row", path)
	}
	pos := make([]int, len(cols))
	for k, c := range cols {
		pos[k] = slices.IndexFunc(header, func(h []byte) bool { return string(h) == c })
		if pos[k] < 0 && k < required {
			return indus.Errorf(indus.EInvalid, "%s: no column %q; this reader takes canonical files only (use 'indus import' for others)", path, c)
		}
	}
	start := min(bom+nl+1, n) // the first unparsed byte
	row := 1                  // the header's
	workers := runtime.GOMAXPROCS(0)
	rowBufs := make([][]T, workers) // reused block after block
	for {
		rest := buf[start:n]
		// Complete lines of the data read so far.
		end := len(rest)
		if !eof {
			end = bytes.LastIndexByte(rest, '\n') + 1
		}
		block := rest[:end]
		var carry int // bytes of an unfinished quoted record at the block's end
		if bytes.IndexByte(block, '"') >= 0 {
			var c []byte
			if c, row, err = scanQuoted(block, eof, row, pos, parse, consume); err != nil {
				return indus.Errorf(indus.EInvalid, "%s: %v", path, err)
			}
			carry = len(c)
		} else if row, err = scanParallel(block, rowBufs, row, pos, npre, pre, parse, consume); err != nil {
			return indus.Errorf(indus.EInvalid, "%s: %v", path, err)
		}
		if eof {
			if carry > 0 {
				return indus.Errorf(indus.EInvalid, "%s: row %d: a quoted field is not closed", path, row+1)
			}
			return nil
		}
		// Keep the unfinished record and line, move them to the front and
		// read on behind them.
		keep := start + end - carry
		n = copy(buf, buf[keep:n])
		start = 0
		if err := fill(); err != nil {
			return err
		}
	}
}

// csvRowError locates an error at a row.
type csvRowError struct {
	row int
	err error
}

func (e *csvRowError) Error() string { return fmt.Sprintf("row %d: %v", e.row, e.err) }

// csvPick fills out with the columns at pos of the record's fields ([]byte{}
// for a short row, nil for a column the file lacks).
func csvPick(out, fields [][]byte, pos []int) {
	for k, p := range pos {
		switch {
		case p < 0:
			out[k] = nil
		case p < len(fields):
			out[k] = fields[p]
		default:
			out[k] = []byte{}
		}
	}
}

// scanParallel parses a block without quotes: split at line ends into one
// chunk per worker, each parsed into its own slice, then consumed in order.
// It returns the number of the block's last row.
func scanParallel[T any](block []byte, rowBufs [][]T, row int, pos []int, npre int, pre func([][]byte) bool, parse func([][]byte) (T, bool, error), consume func(T) error) (int, error) {
	workers := len(rowBufs)
	// The fields the quick test needs: up to the last of its columns.
	preFields := 0
	for _, p := range pos[:npre] {
		preFields = max(preFields, p+1)
	}
	if len(block) == 0 {
		return row, nil
	}
	var bounds []int
	bounds = append(bounds, 0)
	for w := 1; w < workers; w++ {
		at := len(block) * w / workers
		if at <= bounds[len(bounds)-1] {
			continue
		}
		nl := bytes.IndexByte(block[at:], '\n')
		if nl < 0 {
			break
		}
		bounds = append(bounds, at+nl+1)
	}
	bounds = append(bounds, len(block))
	type part struct {
		rows  []T
		lines int
		err   *csvRowError
	}
	parts := make([]part, len(bounds)-1)
	var wg sync.WaitGroup
	for c := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[c]
			chunk := block[bounds[c]:bounds[c+1]]
			p.rows = rowBufs[c][:0]
			fields := make([][]byte, 0, 32)
			out := make([][]byte, len(pos))
			for len(chunk) > 0 {
				nl := bytes.IndexByte(chunk, '\n')
				var line []byte
				if nl < 0 {
					line, chunk = chunk, nil
				} else {
					line, chunk = chunk[:nl], chunk[nl+1:]
				}
				p.lines++
				if n := len(line); n > 0 && line[n-1] == '\r' {
					line = line[:n-1]
				}
				if len(line) == 0 {
					continue // blank line
				}
				fields = fields[:0]
				if pre != nil {
					for len(fields) < preFields {
						j := bytes.IndexByte(line, ',')
						if j < 0 {
							fields = append(fields, line)
							line = nil
							break
						}
						fields = append(fields, line[:j])
						line = line[j+1:]
					}
					csvPick(out[:npre], fields, pos[:npre])
					if !pre(out[:npre]) {
						continue
					}
				}
				// The rest of the row (enterprises.csv has long business
				// scopes, which IndexByte crosses fastest).
				for line != nil {
					j := bytes.IndexByte(line, ',')
					if j < 0 {
						fields = append(fields, line)
						break
					}
					fields = append(fields, line[:j])
					line = line[j+1:]
				}
				csvPick(out, fields, pos)
				r, keep, err := parse(out)
				if err != nil {
					p.err = &csvRowError{row: p.lines, err: err} // relative to the chunk
					return
				}
				if keep {
					p.rows = append(p.rows, r)
				}
			}
		}()
	}
	wg.Wait()
	for c, p := range parts {
		rowBufs[c] = p.rows[:0] // keep the grown buffer for the next block
		if p.err != nil {
			p.err.row += row
			return 0, p.err
		}
		for _, r := range p.rows {
			if err := consume(r); err != nil {
				return 0, &csvRowError{row: row, err: err}
			}
		}
		row += p.lines
	}
	return row, nil
}

// scanQuoted parses a block with quotes record by record; a record whose
// quotes are still open at the block's end is returned as carry (unless
// eof).
func scanQuoted[T any](block []byte, eof bool, row int, pos []int, parse func([][]byte) (T, bool, error), consume func(T) error) ([]byte, int, error) {
	var fields [][]byte
	var buf []byte
	out := make([][]byte, len(pos))
	for len(block) > 0 {
		// A record ends at the first line end with an even number of
		// quotes before it.
		end, quotes := -1, 0
		for i := 0; i < len(block); i++ {
			switch block[i] {
			case '"':
				quotes++
			case '\n':
				if quotes%2 == 0 {
					end = i
				}
			}
			if end >= 0 {
				break
			}
		}
		var rec []byte
		switch {
		case end >= 0:
			rec, block = block[:end], block[end+1:]
		case eof:
			rec, block = block, nil
		default:
			return append([]byte(nil), block...), row, nil
		}
		row += 1 + bytes.Count(rec, []byte{'\n'})
		rec = bytes.TrimRight(rec, "\r")
		if len(rec) == 0 {
			continue
		}
		var err error
		buf = buf[:0]
		if fields, err = splitRecord(rec, fields[:0], &buf); err != nil {
			return nil, 0, &csvRowError{row: row, err: err}
		}
		csvPick(out, fields, pos)
		r, keep, err := parse(out)
		if err != nil {
			return nil, 0, &csvRowError{row: row, err: err}
		}
		if keep {
			if err := consume(r); err != nil {
				return nil, 0, &csvRowError{row: row, err: err}
			}
		}
	}
	return nil, row, nil
}

// splitRecord splits one CSV record into fields; unquoted fields point into
// rec, quoted ones (with "" as one quote) into *buf when buf is given.
func splitRecord(rec []byte, fields [][]byte, buf *[]byte) ([][]byte, error) {
	var local []byte
	if buf == nil {
		buf = &local
	}
	for {
		if len(rec) > 0 && rec[0] == '"' {
			start := len(*buf)
			i := 1
			for {
				j := bytes.IndexByte(rec[i:], '"')
				if j < 0 {
					return nil, errors.New("a quoted field is not closed")
				}
				*buf = append(*buf, rec[i:i+j]...)
				i += j + 1
				if i < len(rec) && rec[i] == '"' {
					*buf = append(*buf, '"')
					i++
					continue
				}
				break
			}
			// The slice may move as buf grows; earlier fields keep the old
			// array, which is not written again.
			fields = append(fields, (*buf)[start:len(*buf):len(*buf)])
			rec = rec[i:]
			if len(rec) == 0 {
				return fields, nil
			}
			if rec[0] != ',' {
				return nil, errors.New("text after a closing quote")
			}
			rec = rec[1:]
			continue
		}
		j := bytes.IndexByte(rec, ',')
		if j < 0 {
			return append(fields, rec), nil
		}
		fields = append(fields, rec[:j])
		rec = rec[j+1:]
	}
}
