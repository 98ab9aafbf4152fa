package ingest

import "fmt"

// Severity says what a finding does to its row.
type Severity string

// Severities: an error rejects the row, a warning accepts it flagged.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
)

// Finding is one problem found in an input file. Row is the 1-based line of
// the file as a spreadsheet shows it (the header is row 1).
type Finding struct {
	File      string
	Row       int
	Column    string
	Value     string
	Severity  Severity
	Message   string // English
	MessageZh string // Chinese
}

func (f Finding) String() string {
	loc := f.File
	if f.Row > 0 {
		loc = fmt.Sprintf("%s:%d", f.File, f.Row)
	}
	if f.Column != "" {
		return fmt.Sprintf("%s: %s: column %s, value %q: %s", loc, f.Severity, f.Column, f.Value, f.Message)
	}
	return fmt.Sprintf("%s: %s: %s", loc, f.Severity, f.Message)
}
