package ingest

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"
)

// Parallel CSV parsing. After the header, a CSV file is cut into blocks at
// line ends; workers split and check the lines of a block on their own
// cores, and Next hands the rows out in file order, doing the one check that
// needs the rows before it (duplicate keys) itself. A record can span lines
// only inside a quoted field: a block whose lines all close their quotes is
// safe to cut, and from the first line that does not, the rest of the file
// is read sequentially, as before. Row numbers, records and findings are the
// same as sequential reading gives, in the same order.

// maxDupsHint bounds how many rows the duplicate check is sized for ahead
// (it grows past that as needed).
const maxDupsHint = 64 << 20

// sizeDups sizes the duplicate check for the rows the file probably holds,
// estimated from its size and the lines in sample, so that the index is
// not rebuilt again and again as it grows: at a million rows the growing
// is a third of the check's time.
func (r *reader) sizeDups(sample []byte) {
	lines := bytes.Count(sample, []byte{'\n'})
	if r.csv.size <= 0 || lines == 0 {
		return
	}
	est := r.csv.size / int64(len(sample)) * int64(lines)
	r.dups.reserve(int(min(est+est/16, maxDupsHint)))
}

// parallelBlockSize is how much text one job holds; a line longer than a
// block sends the rest of the file to sequential reading.
var parallelBlockSize = 256 << 10

// parallelWorkers is how many goroutines parse blocks; 0 means one per
// core (GOMAXPROCS). With fewer than two, files are read sequentially.
var parallelWorkers = 0

// minParallelBytes: a file whose text after the header fits in one read of
// this size is read sequentially, where goroutines would only cost.
var minParallelBytes = 64 << 10

// parsedRow is one row as a worker left it: the duplicate check is still to
// be done.
type parsedRow struct {
	rec      *Record
	findings []Finding
	key      [2]uint64
}

// parseJob is a run of rows in file order: a block for the workers, or a
// run that the splitter read sequentially. done closes when rows (or err,
// a structural error that ends the file after rows) are ready.
type parseJob struct {
	block    []byte
	rowBase  int // rows before the block's first line
	lines    int // lines in the block
	rows     []parsedRow
	err      error
	errRow   int
	done     chan struct{}
	recycled bool
}

// pipeline runs the splitter and the workers for one reader.
type pipeline struct {
	r       *reader
	ordered chan *parseJob // every job, in file order
	stop    chan struct{}
	wg      sync.WaitGroup
	cur     *parseJob
	pos     int
	pool    sync.Pool
	// seqFrom is the row after which the rest of the file was read
	// sequentially, -1 while it was not (set by the splitter before it
	// closes ordered).
	seqFrom int
}

// startPipeline takes over the CSV scanner after the header and starts
// parsing ahead. It returns nil when the file is better read sequentially.
func (r *reader) startPipeline() *pipeline {
	workers := parallelWorkers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if r.csv == nil || workers < 2 {
		return nil
	}
	sc := r.csv.sc
	// Small files: what is left fits in the scanner's buffer.
	peek, err := sc.br.Peek(minParallelBytes)
	if err != nil && len(peek) < minParallelBytes {
		return nil
	}
	r.sizeDups(peek)
	p := &pipeline{r: r, ordered: make(chan *parseJob, workers+2), stop: make(chan struct{}), seqFrom: -1}
	jobs := make(chan *parseJob, workers)
	p.wg.Add(workers + 1)
	for range workers {
		go func() {
			defer p.wg.Done()
			w := &csvScanner{comma: sc.comma}
			for j := range jobs {
				p.parseBlock(w, j)
			}
		}()
	}
	go func() {
		defer p.wg.Done()
		defer close(p.ordered)
		defer close(jobs)
		p.split(sc, jobs)
	}()
	return p
}

func (p *pipeline) newBlock() []byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, parallelBlockSize)
}

// send queues a job in file order, and for the workers when it is a
// block; false when the reader was closed.
func (p *pipeline) send(j *parseJob, jobs chan<- *parseJob) bool {
	select {
	case p.ordered <- j:
	case <-p.stop:
		return false
	}
	if j.block == nil {
		return true
	}
	select {
	case jobs <- j:
		return true
	case <-p.stop:
		return false
	}
}

// split reads the text in blocks cut at line ends and queues them. A block
// is safe when no line in it opens a quoted field it does not close; at
// the first line that does (or a line longer than a block) the rest of the
// file is read sequentially here, from that line on.
func (p *pipeline) split(sc *csvScanner, jobs chan<- *parseJob) {
	row, line := sc.row, sc.line
	var carry []byte
	check := &csvScanner{comma: sc.comma}
	for {
		buf := append(p.newBlock(), carry...)
		n, err := io.ReadFull(sc.br, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		atEOF := err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !atEOF {
			p.sequential(sc, buf, row, line, jobs)
			return
		}
		if len(buf) == 0 {
			return
		}
		end := len(buf)
		if !atEOF {
			end = bytes.LastIndexByte(buf, '\n') + 1
			if end == 0 {
				// A line longer than a block.
				p.sequential(sc, buf, row, line, jobs)
				return
			}
		}
		block := buf[:end]
		safe, lines := safeLines(check, block)
		if safe < len(block) {
			if safe > 0 {
				if !p.send(&parseJob{block: block[:safe:safe], rowBase: row, lines: lines, done: make(chan struct{})}, jobs) {
					return
				}
				row += lines
				line += lines
			}
			p.sequential(sc, buf[safe:], row, line, jobs)
			return
		}
		carry = append(carry[:0], buf[end:]...)
		if !p.send(&parseJob{block: block, rowBase: row, lines: lines, done: make(chan struct{}), recycled: true}, jobs) {
			return
		}
		row += lines
		line += lines
		if atEOF {
			return
		}
	}
}

// safeLines returns how many leading bytes of block are whole lines that
// each hold a whole record, and how many lines that is.
func safeLines(check *csvScanner, block []byte) (int, int) {
	if bytes.IndexByte(block, '"') < 0 {
		return len(block), bytes.Count(block, []byte{'\n'}) + boolInt(len(block) > 0 && block[len(block)-1] != '\n')
	}
	pos, lines := 0, 0
	for pos < len(block) {
		ln, next := cutLine(block, pos)
		if bytes.IndexByte(ln, '"') >= 0 {
			if _, err := check.split(ln, nil); err != nil {
				return pos, lines
			}
		}
		pos = next
		lines++
	}
	return pos, lines
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cutLine returns the line starting at pos without its line end (\n or
// \r\n, as readLine strips them) and where the next line starts.
func cutLine(block []byte, pos int) ([]byte, int) {
	i := bytes.IndexByte(block[pos:], '\n')
	next := len(block)
	ln := block[pos:]
	if i >= 0 {
		ln, next = block[pos:pos+i], pos+i+1
		if n := len(ln); n > 0 && ln[n-1] == '\r' {
			ln = ln[:n-1]
		}
	}
	return ln, next
}

// parseBlock splits and checks the lines of a block, one record each.
func (p *pipeline) parseBlock(w *csvScanner, j *parseJob) {
	defer close(j.done)
	block := j.block
	row := j.rowBase
	j.rows = make([]parsedRow, 0, j.lines)
	for pos := 0; pos < len(block); {
		ln, next := cutLine(block, pos)
		pos = next
		row++
		cells, err := w.split(ln, nil)
		if err != nil {
			// safeLines said every record ends on its line.
			panic("ingest: a record continues past a safe line")
		}
		if pr, ok := p.r.parseLine(cells, row); ok {
			j.rows = append(j.rows, pr)
		}
	}
	if j.recycled {
		b := j.block[:0]
		j.block = nil
		p.pool.Put(&b)
	}
}

// sequential reads the rest of the file (rest, then what sc has not yet
// read) with a scanner of its own, in runs of rows queued as finished jobs.
func (p *pipeline) sequential(sc *csvScanner, rest []byte, row, line int, jobs chan<- *parseJob) {
	p.seqFrom = row
	s := newCSVScanner(io.MultiReader(bytes.NewReader(append([]byte(nil), rest...)), sc.br), sc.comma)
	s.row, s.line = row, line
	const run = 1024
	j := &parseJob{done: make(chan struct{})}
	flush := func() bool {
		close(j.done)
		ok := p.send(j, jobs)
		j = &parseJob{done: make(chan struct{})}
		return ok
	}
	for {
		cells, r, err := s.read()
		if err == io.EOF {
			flush()
			return
		}
		if err != nil {
			j.err, j.errRow = err, r
			flush()
			return
		}
		if pr, ok := p.r.parseLine(cells, r); ok {
			j.rows = append(j.rows, pr)
		}
		if len(j.rows) == run && !flush() {
			return
		}
	}
}

// parseLine is what Next does with a row, but the duplicate check: ok is
// false for a row that gives nothing (blank, the numbering row).
func (r *reader) parseLine(cells []string, row int) (parsedRow, bool) {
	if row == r.skipRow || isBlankRow(cells) {
		return parsedRow{}, false
	}
	if f, skip := r.nonDataRow(cells, row); skip {
		return parsedRow{findings: []Finding{f}}, true
	}
	rec, fs, key := r.parseCells(cells, row)
	return parsedRow{rec: rec, findings: fs, key: key}, true
}

// next returns the next parsed row in file order; io.EOF at the end.
func (p *pipeline) next() (parsedRow, error) {
	for p.cur == nil || p.pos == len(p.cur.rows) {
		if p.cur != nil && p.cur.err != nil {
			err := p.cur.err
			p.cur.err = nil
			return parsedRow{}, p.r.structuralError(p.cur.errRow, err)
		}
		j, ok := <-p.ordered
		if !ok {
			return parsedRow{}, io.EOF
		}
		<-j.done
		p.cur, p.pos = j, 0
		p.r.dups.touch(j.rows)
	}
	pr := p.cur.rows[p.pos]
	p.cur.rows[p.pos] = parsedRow{}
	p.pos++
	return pr, nil
}

// close stops the goroutines and waits for them.
func (p *pipeline) close() {
	close(p.stop)
	p.wg.Wait()
}
