// Package export writes tables as CSV or XLSX for people to open in a
// spreadsheet. Every text cell that a spreadsheet could take for a formula
// is neutralised (OWASP's CSV-injection advice): a leading =, +, -, @, tab
// or carriage return gets a single quote in front, which the readers in
// package ingest remove again, so an export imports back unchanged.
package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Format is a file format.
type Format string

// The formats Indus writes.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// FormatOf picks the format from a file name's extension.
func FormatOf(path string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return CSV, true
	case ".xlsx":
		return XLSX, true
	}
	return "", false
}

// Cell is one value: a string, float64, int64, bool or nil (an empty cell).
type Cell = any

// Writer writes rows of one table.
type Writer interface {
	// WriteRow writes one row; text cells are neutralised.
	WriteRow(cells []Cell) error
	// Close finishes the file; nothing is visible at the path before it.
	Close() error
	// Abort removes what was written.
	Abort()
}

// Neutralise makes a text cell safe to open in a spreadsheet.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Create opens a writer for path in the given format with a header row.
// The file is written to a temporary name and renamed on Close, so a
// failure never leaves half a file behind.
func Create(path string, format Format, sheet string, header []string) (Writer, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	var w Writer
	switch format {
	case CSV:
		w = newCSVWriter(tmp, path)
	case XLSX:
		w, err = newXLSXWriter(tmp, path, sheet, len(header))
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return nil, err
		}
	default:
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("unknown format %q: use csv or xlsx", format)
	}
	cells := make([]Cell, len(header))
	for i, h := range header {
		cells[i] = h
	}
	if err := w.WriteRow(cells); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

// ToWriter writes CSV to an io.Writer (an HTTP response), header first.
func ToWriter(out io.Writer, header []string) (Writer, error) {
	w := &csvWriter{buf: bufio.NewWriterSize(out, 1<<16)}
	w.csv = csv.NewWriter(w.buf)
	cells := make([]Cell, len(header))
	for i, h := range header {
		cells[i] = h
	}
	return w, w.WriteRow(cells)
}

type csvWriter struct {
	file   *os.File
	path   string
	buf    *bufio.Writer
	csv    *csv.Writer
	record []string
}

func newCSVWriter(f *os.File, path string) *csvWriter {
	w := &csvWriter{file: f, path: path, buf: bufio.NewWriterSize(f, 1<<16)}
	// A UTF-8 byte-order mark, so Excel opens Chinese text correctly.
	w.buf.WriteString("\xef\xbb\xbf")
	w.csv = csv.NewWriter(w.buf)
	return w
}

func (w *csvWriter) WriteRow(cells []Cell) error {
	w.record = w.record[:0]
	for _, c := range cells {
		w.record = append(w.record, FormatCell(c))
	}
	return w.csv.Write(w.record)
}

func (w *csvWriter) Close() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		w.Abort()
		return err
	}
	if err := w.buf.Flush(); err != nil {
		w.Abort()
		return err
	}
	if w.file == nil {
		return nil
	}
	if err := w.file.Close(); err != nil {
		os.Remove(w.file.Name())
		return err
	}
	return os.Rename(w.file.Name(), w.path)
}

func (w *csvWriter) Abort() {
	if w.file != nil {
		w.file.Close()
		os.Remove(w.file.Name())
	}
}

// FormatCell renders a cell as CSV text: numbers with full precision (so a
// round trip is exact), booleans true/false, nil empty, text neutralised.
func FormatCell(c Cell) string {
	switch v := c.(type) {
	case nil:
		return ""
	case string:
		return Neutralise(v)
	case float64:
		return formatFloat(v)
	case *float64:
		if v == nil {
			return ""
		}
		return formatFloat(*v)
	case int64:
		return fmt.Sprint(v)
	case int:
		return fmt.Sprint(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return Neutralise(fmt.Sprint(c))
}

type xlsxWriter struct {
	file   *os.File
	path   string
	book   *excelize.File
	stream *excelize.StreamWriter
	row    int
	cols   int
}

func newXLSXWriter(f *os.File, path, sheet string, cols int) (*xlsxWriter, error) {
	if sheet == "" {
		sheet = "Sheet1"
	}
	book := excelize.NewFile()
	if sheet != "Sheet1" {
		if err := book.SetSheetName("Sheet1", sheet); err != nil {
			return nil, err
		}
	}
	sw, err := book.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	return &xlsxWriter{file: f, path: path, book: book, stream: sw, cols: cols}, nil
}

func (w *xlsxWriter) WriteRow(cells []Cell) error {
	w.row++
	row := make([]any, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case nil:
			row[i] = nil
		case string:
			// Explicitly typed as text: a spreadsheet never evaluates it, and
			// the quote keeps it safe if the sheet is saved again as CSV.
			row[i] = excelize.Cell{Value: Neutralise(v)}
		case *float64:
			if v == nil {
				row[i] = nil
			} else {
				row[i] = *v
			}
		default:
			row[i] = v
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	return w.stream.SetRow(cell, row)
}

func (w *xlsxWriter) Close() error {
	if err := w.stream.Flush(); err != nil {
		w.Abort()
		return err
	}
	if _, err := w.book.WriteTo(w.file); err != nil {
		w.Abort()
		return err
	}
	w.book.Close()
	if err := w.file.Close(); err != nil {
		os.Remove(w.file.Name())
		return err
	}
	return os.Rename(w.file.Name(), w.path)
}

func (w *xlsxWriter) Abort() {
	w.book.Close()
	w.file.Close()
	os.Remove(w.file.Name())
}
