package server

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/export"
)

// maxXLSXRows is the most data rows a worksheet holds (Excel's limit less
// the header row).
const maxXLSXRows = 1<<20 - 1

// exportTable writes every row of the table in state st as a CSV or XLSX
// download. Headers are in the page language with their units; values are
// raw (full precision, in the unit the header names) and text cells are
// neutralised by package export, as in the export command.
func (s *Server) exportTable(w http.ResponseWriter, r *http.Request, lang string, spec *tableSpec, st tableState, format string, src tableSource) error {
	// Exports of lists are traceable: who took which table with which
	// filters.
	s.audit(r.Context(), "export", spec.ID, access.OutcomeOK, format+" "+r.URL.RequestURI())
	t := func(k string) string { return s.catalogue.T(lang, k) }
	header := make([]string, len(spec.Cols))
	for i, c := range spec.Cols {
		h := t(c.Label)
		unit := ""
		if c.Unit != "" {
			unit = t(c.Unit)
		}
		if c.Kind == colPct || c.Kind == colGrowth {
			unit = "%"
		}
		if unit != "" {
			if lang == "en" {
				h += " (" + unit + ")"
			} else {
				h += "（" + unit + "）"
			}
		}
		header[i] = h
	}
	name := spec.File
	if name == "" {
		name = spec.ID
	}
	name += "-" + time.Now().Format("20060102") + "." + format
	cells := make([]export.Cell, len(spec.Cols))
	rowCells := func(row tableRow) []export.Cell {
		for i, c := range spec.Cols {
			cells[i] = s.exportCell(lang, c, row, i)
		}
		return cells
	}
	if format == "csv" {
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		h.Set("Cache-Control", "no-store")
		// A byte-order mark, so Excel opens Chinese text correctly.
		io.WriteString(w, "\xef\xbb\xbf")
		cw, err := export.ToWriter(w, header)
		if err != nil {
			return err
		}
		if _, err := src(st, false, func(row tableRow) error { return cw.WriteRow(rowCells(row)) }); err != nil {
			s.log.Error("export failed midway", "path", r.URL.Path, "err", err)
			return nil // the response has started; the log has the error
		}
		return cw.Close()
	}
	dir, err := os.MkdirTemp("", "indus-export-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name)
	xw, err := export.Create(path, export.XLSX, sheetName(spec.ID), header)
	if err != nil {
		return err
	}
	n := 0
	if _, err := src(st, false, func(row tableRow) error {
		if n++; n > maxXLSXRows {
			return nil
		}
		return xw.WriteRow(rowCells(row))
	}); err != nil {
		xw.Abort()
		return err
	}
	if err := xw.Close(); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	_, err = io.Copy(w, f)
	return err
}

// sheetName makes a worksheet name of a table id (Excel forbids some
// characters and more than 31 of them).
func sheetName(id string) string {
	id = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, id)
	if len(id) > 31 {
		id = id[:31]
	}
	return id
}

// exportCell is a cell's exported value, in the unit its header names.
func (s *Server) exportCell(lang string, c tableCol, row tableRow, i int) export.Cell {
	v := valAt(row, i)
	switch c.Kind {
	case colText, colCode:
		if row.Text != nil && row.Text[i] != "" {
			return row.Text[i]
		}
		if v == nil {
			return nil
		}
		if str, ok := v.(string); ok {
			return str
		}
		return s.formatCell(lang, c, v)
	case colDate, colBool:
		if isMissing(v) {
			return nil
		}
		return s.formatCell(lang, c, v)
	case colInt:
		if x, ok := v.(int); ok {
			return int64(x)
		}
		if x, ok := v.(int64); ok {
			return x
		}
	}
	f, ok := toFloat(v)
	if !ok {
		return nil
	}
	switch c.Kind {
	case colYi:
		return f / 1e4
	case colPct, colGrowth:
		return f * 100
	}
	return f
}
