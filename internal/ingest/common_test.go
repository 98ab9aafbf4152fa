package ingest

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// result is everything a reader gave for one file.
type result struct {
	kind     Kind
	mapping  []ColumnMapping
	records  []*Record
	findings []Finding
}

func readFile(t *testing.T, path string, opts Options) result {
	t.Helper()
	r, err := Open(path, opts)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer r.Close()
	return readAllOf(t, r)
}

func readAllOf(t *testing.T, r Reader) result {
	t.Helper()
	res := result{kind: r.Kind(), mapping: r.Mapping()}
	for {
		rec, fs, err := r.Next()
		if errors.Is(err, io.EOF) {
			return res
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		for _, f := range fs {
			if f.Message == "" || f.MessageZh == "" {
				t.Errorf("finding without a message: %+v", f)
			}
		}
		res.findings = append(res.findings, fs...)
		if rec != nil {
			res.records = append(res.records, rec)
		}
	}
}

// want is a finding as the tests check it: row, column, value, severity.
type want struct {
	row    int
	column string
	value  string
	sev    Severity
}

func wantFindings(t *testing.T, got []Finding, ws ...want) {
	t.Helper()
	ok := len(got) == len(ws)
	for i := 0; ok && i < len(ws); i++ {
		g := got[i]
		ok = g.Row == ws[i].row && g.Column == ws[i].column && g.Value == ws[i].value && g.Severity == ws[i].sev
	}
	if ok {
		return
	}
	var b strings.Builder
	for _, g := range got {
		fmt.Fprintf(&b, "\n\twant{%d, %q, %q, %q}, // %s", g.Row, g.Column, g.Value, g.Severity, g.Message)
	}
	t.Errorf("findings differ; got:%s", b.String())
}

func wantOrig(t *testing.T, rec *Record, ws ...Original) {
	t.Helper()
	if len(ws) == 0 && len(rec.Originals) == 0 {
		return
	}
	if !reflect.DeepEqual(rec.Originals, ws) {
		t.Errorf("row %d: originals %+v, want %+v", rec.Row, rec.Originals, ws)
	}
}
