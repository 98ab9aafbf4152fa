package analysis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/ingest"
	"github.com/indus-platform/indus/internal/store"
)

// ImportOptions change how files are imported.
type ImportOptions struct {
	User        string
	AcceptValid bool // import the valid rows of a file with errors
	DryRun      bool // check and count, change nothing
	// Read passes the reader options through: a forced kind, the XLSX
	// sheet, units for columns whose header has none (--units).
	Read ingest.Options
	// Progress, when set, is called about every progressEvery rows and at
	// the end of each file.
	Progress func(Progress)
	// BoundMemory bounds, for each file, DuckDB's buffer pool to what the
	// load needs (store.LoadMemoryBound: the keyed table's index for the
	// rows stored and the rows the file probably holds, plus a margin) and
	// Go's soft memory limit to match, and restores both after the file.
	// It is for a process that has the database to itself, such as the
	// CLI: the buffer pool limit applies to every query.
	BoundMemory bool
}

// Progress reports how far an import is.
type Progress struct {
	File       string
	Rows       int64
	Bytes      int64 // bytes of the file read so far
	TotalBytes int64
	Elapsed    time.Duration
	Done       bool
}

const progressEvery = 50000

// FileImport is the outcome of importing one file.
type FileImport struct {
	File     string
	Kind     indus.DatasetKind
	Batch    store.BatchResult
	Errors   int // rows rejected by validation or at commit
	Warnings int // warnings: the row was accepted, flagged
	Infos    int // notes: columns not imported, units assumed, totals rows skipped
	Mapping  []ingest.ColumnMapping
	Findings []ingest.Finding // the first maxFindings findings
}

// maxFindings bounds the findings kept per file so a broken million-row
// file cannot exhaust memory; the counts of all findings stay exact.
const maxFindings = 10000

// ImportFiles imports enterprise, annual and monthly files, enterprises
// first. Each file is one transaction: by default a file with any error
// changes nothing, and every error names the file, row, column and value.
// Files imported before a failing one stay imported; the result says which.
func ImportFiles(ctx context.Context, st *store.Store, files []string, opts ImportOptions) ([]FileImport, error) {
	type pending struct {
		path string
		kind indus.DatasetKind
	}
	var todo []pending
	for _, f := range files {
		k, err := peekKind(f, opts.Read)
		if err != nil {
			return nil, &FileError{File: filepath.Base(f), Err: err}
		}
		todo = append(todo, pending{f, k})
	}
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].kind.LoadOrder() < todo[j].kind.LoadOrder() })
	var done []FileImport
	for _, p := range todo {
		res, err := importOne(ctx, st, p.path, opts)
		done = append(done, res)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// FileError is the error of a file that could not be read at all (its
// header, encoding or format), so that nothing was imported; it names the
// file for callers that list files.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// ImportCanonical imports canonical files with default options.
func ImportCanonical(ctx context.Context, st *store.Store, files []string, user string) ([]FileImport, error) {
	return ImportFiles(ctx, st, files, ImportOptions{User: user})
}

func peekKind(path string, opts ingest.Options) (indus.DatasetKind, error) {
	r, err := openReader(path, nil, 0, opts)
	if err != nil {
		return "", err
	}
	defer r.Close()
	return r.Kind(), nil
}

// openReader opens a CSV through counter (when given), so progress can
// tell how far it is; an XLSX (a zip file) is opened by path, because its
// reader needs random access. size, when known, is the file's size.
func openReader(path string, counter *countingReader, size int64, opts ingest.Options) (ingest.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "cannot open %s: %v", path, unwrapPath(err)).Zh("无法打开 %s：%v", path, unwrapPath(err))
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if string(head[:n]) == "PK\x03\x04" || counter == nil {
		f.Close()
		return ingest.Open(path, opts)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	counter.r = f
	opts.SizeHint = size
	r, err := ingest.OpenReader(filepath.Base(path), counter, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &closingReader{Reader: r, file: f}, nil
}

// closingReader closes the file under a reader opened on a stream.
type closingReader struct {
	ingest.Reader
	file   *os.File
	closed bool
}

func (c *closingReader) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.Reader.Close()
	if ferr := c.file.Close(); err == nil {
		err = ferr
	}
	return err
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// countingReader counts the bytes read, for progress and ETA.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// keep counts findings and keeps the first maxFindings of them.
func (fi *FileImport) keep(fs []ingest.Finding) (rowHasError bool) {
	for _, f := range fs {
		switch f.Severity {
		case ingest.SevError:
			rowHasError = true
		case ingest.SevWarning:
			fi.Warnings++
		default:
			fi.Infos++
		}
		if len(fi.Findings) < maxFindings {
			fi.Findings = append(fi.Findings, f)
		}
	}
	if rowHasError {
		fi.Errors++
	}
	return rowHasError
}

func importOne(ctx context.Context, st *store.Store, path string, opts ImportOptions) (FileImport, error) {
	name := filepath.Base(path)
	fi := &FileImport{File: name}
	info, err := os.Stat(path)
	if err != nil {
		return *fi, indus.Errorf(indus.EInvalid, "cannot read %s: %v", path, unwrapPath(err)).Zh("无法读取 %s：%v", path, unwrapPath(err))
	}
	size := info.Size()
	// The hash is needed only at commit: it is computed beside the parsing
	// (the channel is buffered, so the goroutine ends whatever happens).
	type hashed struct {
		sum string
		err error
	}
	hashDone := make(chan hashed, 1)
	go func() {
		sum, _, err := fileSHA256(path)
		hashDone <- hashed{sum, err}
	}()
	counter := &countingReader{}
	r, err := openReader(path, counter, size, opts.Read)
	if err != nil {
		return *fi, err
	}
	defer r.Close()
	fi.Kind = r.Kind()
	fi.Mapping = r.Mapping()
	var bound *memoryBound
	if opts.BoundMemory && !opts.DryRun {
		if bound, err = boundMemory(ctx, st, r.Kind(), estimateRows(path, size)); err != nil {
			return *fi, err
		}
		defer bound.restore()
	}
	// The reader rejects every row whose key an earlier row has, and its
	// duplicate check is the load's index from keys back to rows, for the
	// problems the checks at commit find.
	load, err := st.BeginLoad(ctx, store.LoadMeta{Kind: r.Kind(), FileName: name, User: opts.User, Rows: r})
	if err != nil {
		return *fi, err
	}
	defer load.Rollback()
	start := time.Now()
	var rows int64
	report := func(done bool) {
		if opts.Progress != nil {
			opts.Progress(Progress{File: name, Rows: rows, Bytes: counter.n.Load(), TotalBytes: size, Elapsed: time.Since(start), Done: done})
		}
	}
	// The reader parses ahead in its own goroutines (on every core, for a
	// CSV file) while this one stages rows.
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)
	chunks := make(chan readChunk, chunkBuffer)
	wg.Add(1)
	go func() {
		defer wg.Done()
		readChunks(r, chunks, done)
	}()
	for ch := range chunks {
		for _, it := range ch.items {
			rows++
			if rows%progressEvery == 0 {
				if ctx.Err() != nil {
					return *fi, ctx.Err()
				}
				report(false)
			}
			if fi.keep(it.findings) || it.rec == nil {
				continue
			}
			if fi.Errors > 0 && !opts.AcceptValid {
				continue // keep reading to report every error, but stage nothing more
			}
			if err := stage(load, it.rec); err != nil {
				return *fi, fmt.Errorf("%s:%d: stage row: %w", name, it.rec.Row, err)
			}
		}
		if ch.err != nil {
			return *fi, ch.err
		}
	}
	report(true)
	if fi.Errors > 0 && !opts.AcceptValid {
		first := firstError(fi.Findings)
		return *fi, indus.Errorf(indus.EInvalid, "%s: %d row(s) with errors, %d warning(s); nothing was imported (use --accept-valid to import the valid rows). First error: %s",
			name, fi.Errors, fi.Warnings, first.String()).
			Zh("%s：%d 行有错误，%d 条警告；未导入任何数据（选择“仅导入有效行”或使用 --accept-valid 可导入有效行）。第一个错误：%s",
				name, fi.Errors, fi.Warnings, first.StringZh())
	}
	h := <-hashDone
	if h.err != nil {
		return *fi, indus.Errorf(indus.EInvalid, "cannot read %s: %v", path, unwrapPath(h.err)).Zh("无法读取 %s：%v", path, unwrapPath(h.err))
	}
	load.SetSHA256(h.sum)
	load.SetWarnings(fi.Warnings)
	res, problems, err := load.Commit(store.CommitOptions{AcceptValid: opts.AcceptValid, DryRun: opts.DryRun})
	for _, p := range problems {
		sev := ingest.SevError
		if p.Warning {
			sev = ingest.SevWarning
		}
		fi.keep([]ingest.Finding{{File: name, Row: int(p.Row), Column: p.Column, Value: p.Value, Severity: sev, Message: p.Message, MessageZh: p.MessageZh}})
	}
	if err != nil {
		return *fi, err
	}
	fi.Batch = res
	return *fi, nil
}

// A bounded import's memory (ImportOptions.BoundMemory). Go holds the
// duplicate check (about 30 bytes a row; it maps keys back to rows until
// the commit is done), the rows the reader parses ahead and the rows the
// load has not yet inserted (store.LoadHeldBytes); DuckDB gets
// store.LoadMemoryBound. The Go limit must leave the collector room above
// the live heap, or it runs without pause: without the load's runs in the
// sum, an import of a million rows took a quarter longer.
const (
	goImportMemory = 64<<20 + store.LoadHeldBytes
	goRowBytes     = 40
)

// memoryBound is the bound of one file's import.
type memoryBound struct {
	ctx          context.Context
	st           *store.Store
	prevDB       string
	prevGo       int64
	db, goLimit  int64
	rows         int64
	dbCap        int64 // never raise DuckDB's limit above what it was
	dbRestorable bool
}

// boundMemory bounds DuckDB's buffer pool and Go's soft memory limit for
// a load of about rows rows; restore undoes it.
func boundMemory(ctx context.Context, st *store.Store, kind indus.DatasetKind, rows int64) (*memoryBound, error) {
	db, err := st.LoadMemoryBound(ctx, kind, rows)
	if err != nil {
		return nil, fmt.Errorf("bound import memory: %w", err)
	}
	prevText, prevBytes, err := st.MemoryLimit(ctx)
	if err != nil {
		return nil, fmt.Errorf("bound import memory: %w", err)
	}
	m := &memoryBound{ctx: ctx, st: st, prevDB: prevText, dbCap: prevBytes, rows: rows,
		db: db, goLimit: goImportMemory + goRowBytes*rows, prevGo: debug.SetMemoryLimit(-1)}
	if prevBytes > 0 && db < prevBytes {
		if err := st.SetMemoryLimitBytes(ctx, db); err != nil {
			return nil, fmt.Errorf("bound import memory: %w", err)
		}
		m.dbRestorable = true
	}
	if m.goLimit < m.prevGo {
		debug.SetMemoryLimit(m.goLimit)
	}
	return m, nil
}

func (m *memoryBound) restore() {
	debug.SetMemoryLimit(m.prevGo)
	if m.dbRestorable {
		m.st.RestoreMemoryLimit(m.ctx, m.prevDB)
	}
}

// estimateRows guesses how many rows a file holds from its size and the
// lines at its start, erring high; for a workbook (compressed) it assumes
// 16 bytes a row, more rows than any real one holds.
func estimateRows(path string, size int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return size / 16
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	lines := int64(bytes.Count(head, []byte{'\n'}))
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || lines == 0 {
		return size / 16
	}
	return size*lines/int64(n)*11/10 + 1024
}

// readChunk is a run of rows read ahead, or the error that ended the file.
type readChunk struct {
	items []readItem
	err   error
}

type readItem struct {
	rec      *ingest.Record
	findings []ingest.Finding
}

const chunkRows = 2048

// chunkBuffer is how many chunks the reader may run ahead of staging.
const chunkBuffer = 4

// readChunks reads r to the end in chunks, stopping early when done closes.
func readChunks(r ingest.Reader, out chan<- readChunk, done <-chan struct{}) {
	defer close(out)
	send := func(c readChunk) bool {
		select {
		case out <- c:
			return true
		case <-done:
			return false
		}
	}
	buf := make([]readItem, 0, chunkRows)
	for {
		rec, fs, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			send(readChunk{items: buf, err: err})
			return
		}
		buf = append(buf, readItem{rec, fs})
		if len(buf) == chunkRows {
			if !send(readChunk{items: buf}) {
				return
			}
			buf = make([]readItem, 0, chunkRows)
		}
	}
	if len(buf) > 0 {
		send(readChunk{items: buf})
	}
}

// stage appends one record and the original cells it carries.
func stage(load *store.Load, rec *ingest.Record) error {
	var err error
	switch {
	case rec.Enterprise != nil:
		err = load.AppendEnterprise(rec.Row, rec.Enterprise)
	case rec.Annual != nil:
		err = load.AppendAnnual(rec.Row, rec.Annual)
	case rec.Monthly != nil:
		err = load.AppendMonthly(rec.Row, rec.Monthly)
	}
	if err != nil || len(rec.Originals) == 0 {
		return err
	}
	var key string
	switch {
	case rec.Enterprise != nil:
		key = store.RowKey(rec.Enterprise.USCC, "")
	case rec.Annual != nil:
		key = store.RowKey(rec.Annual.USCC, strconv.Itoa(rec.Annual.Year))
	case rec.Monthly != nil:
		key = store.RowKey(rec.Monthly.USCC, rec.Monthly.Month.String())
	}
	for _, o := range rec.Originals {
		if err := load.AppendOriginal(key, o.Column, o.Value, o.Unit); err != nil {
			return err
		}
	}
	return nil
}

func firstError(fs []ingest.Finding) ingest.Finding {
	for _, f := range fs {
		if f.Severity == ingest.SevError {
			return f
		}
	}
	return ingest.Finding{}
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
