package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/indus-platform/indus/internal/indus"
)

// The canonical headers, in order.
var (
	EnterpriseHeader = []string{"uscc", "name", "unit_code", "park", "industry_code", "business_scope", "above_size",
		"founded", "land_mu", "land_source"}
	// AnnualHeader ends with above_size, the firm's status in that year
	// (an extra column the canonical format allows after the required ones).
	AnnualHeader = []string{"uscc", "year", "land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce",
		"electricity_kwh", "emissions_t", "rd_spend", "employees", "safety_accident", "env_violation",
		"under_construction", "utility", "above_size"}
	MonthlyHeader = []string{"uscc", "month", "output_value", "revenue", "electricity_kwh", "employees"}
)

// The file names.
const (
	EnterprisesFile = "enterprises.csv"
	AnnualFile      = "annual.csv"
	MonthlyFile     = "monthly.csv"
	ManifestFile    = "manifest.json"
)

// outFile is a file being written in the staging directory. The generator
// fills buffers and hands them over; a goroutine per file writes and hashes
// them, so formatting, hashing and disk writes overlap.
type outFile struct {
	name   string
	f      *os.File
	h      hash.Hash
	bytes  int64 // written; read only after done
	rows   int64
	ch     chan []byte
	free   chan []byte
	done   chan error
	closed bool
	failed atomic.Bool
}

const (
	bufSize = 1 << 20
	flushAt = bufSize - 64<<10
	nBufs   = 6
)

func createOut(dir, name string, header []string) (*outFile, error) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	o := &outFile{name: name, f: f, h: sha256.New(), ch: make(chan []byte, nBufs), free: make(chan []byte, nBufs), done: make(chan error, 1)}
	for i := 0; i < nBufs; i++ {
		o.free <- make([]byte, 0, bufSize)
	}
	go o.loop()
	b := o.buf()
	for i, h := range header {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, h...)
	}
	o.send(append(b, '\n'))
	return o, nil
}

func (o *outFile) loop() {
	var err error
	for b := range o.ch {
		if err == nil {
			if _, err = o.f.Write(b); err == nil {
				o.h.Write(b)
				o.bytes += int64(len(b))
			} else {
				o.failed.Store(true)
			}
		}
		o.free <- b[:0]
	}
	o.done <- err
}

// buf returns an empty buffer to fill.
func (o *outFile) buf() []byte { return <-o.free }

// send hands a filled buffer to the writer.
func (o *outFile) send(b []byte) { o.ch <- b }

// flush sends b when it is nearly full and returns the buffer to go on with.
func (o *outFile) flush(b []byte) []byte {
	if len(b) < flushAt {
		return b
	}
	o.send(b)
	return o.buf()
}

// stop waits for the writer and returns its error.
func (o *outFile) stop() error {
	if o.closed {
		return nil
	}
	o.closed = true
	close(o.ch)
	return <-o.done
}

// abort stops the writer and closes the file, ignoring errors: the staging
// directory is removed afterwards.
func (o *outFile) abort() {
	o.stop()
	o.f.Close()
}

func (o *outFile) close() (FileManifest, error) {
	if err := o.stop(); err != nil {
		o.f.Close()
		return FileManifest{}, err
	}
	if err := o.f.Sync(); err != nil {
		o.f.Close()
		return FileManifest{}, err
	}
	if err := o.f.Close(); err != nil {
		return FileManifest{}, err
	}
	return FileManifest{Rows: o.rows, Bytes: o.bytes, SHA256: hex.EncodeToString(o.h.Sum(nil))}, nil
}

// stage is a temporary directory inside the output directory: files are
// written there and moved into place only when all of them are complete.
type stage struct {
	out, dir string
}

func newStage(out string) (*stage, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, dirError(out, err)
	}
	dir, err := os.MkdirTemp(out, ".indus-gen-")
	if err != nil {
		return nil, dirError(out, err)
	}
	return &stage{out: out, dir: dir}, nil
}

func dirError(out string, err error) error {
	var pe *fs.PathError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	return indus.Errorf(indus.EInvalid, "cannot write the dataset to %s: %s", out, msg)
}

// commit moves the staged files into place: the old manifest goes first and
// the new one comes last, so a directory with a manifest always holds the
// files it describes (their hashes are in it).
func (s *stage) commit(names []string) error {
	if err := os.Remove(filepath.Join(s.out, ManifestFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dirError(s.out, err)
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(s.dir, n), filepath.Join(s.out, n)); err != nil {
			return dirError(s.out, err)
		}
	}
	return os.Remove(s.dir)
}

func (s *stage) abort() { os.RemoveAll(s.dir) }

// Fixed-point formatting: values are integers in the file's smallest unit.

// appendFixed writes v/10^dec with exactly dec decimals ("-" never occurs:
// every figure is non-negative).
func appendFixed(b []byte, v int64, dec int) []byte {
	if dec == 0 {
		return strconv.AppendInt(b, v, 10)
	}
	p := int64(1)
	for i := 0; i < dec; i++ {
		p *= 10
	}
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/p, 10)
	b = append(b, '.')
	frac := v % p
	for q := p / 10; q > 0; q /= 10 {
		b = append(b, byte('0'+frac/q%10))
	}
	return b
}

// appendOpt writes a value or, for a negative one (unknown), nothing.
func appendOpt(b []byte, v int64, dec int) []byte {
	if v < 0 {
		return b
	}
	return appendFixed(b, v, dec)
}

func appendBool(b []byte, x bool) []byte {
	if x {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// appendField writes a text field, quoted when it holds a comma, a quote or
// a line break (RFC 4180).
func appendField(b []byte, s string) []byte {
	needs := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			needs = true
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
