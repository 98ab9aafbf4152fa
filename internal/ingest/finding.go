package ingest

import "fmt"

// Severity says what a finding does to its row.
type Severity string

// Severities: an error rejects the row, a warning accepts it flagged, an
// info tells what the reader did with the file (columns not imported, units
// assumed, a totals row skipped) and changes nothing.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
	SevInfo    Severity = "info"
)

// Finding is one problem found in an input file. Row is the 1-based line of
// the file as a spreadsheet shows it (the header is row 1).
type Finding struct {
	File      string   `json:"file"`
	Row       int      `json:"row"`
	Column    string   `json:"column"`
	Value     string   `json:"value"`
	Severity  Severity `json:"severity"`
	Message   string   `json:"message_en"` // English
	MessageZh string   `json:"message_zh"` // Chinese
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

// StringZh is String in Chinese, for the dashboard.
func (f Finding) StringZh() string {
	loc := f.File
	if f.Row > 0 {
		loc = fmt.Sprintf("%s 第 %d 行", f.File, f.Row)
	}
	if f.Column != "" {
		return fmt.Sprintf("%s：列 %s，值 %q：%s", loc, f.Column, f.Value, f.MessageZh)
	}
	return fmt.Sprintf("%s：%s", loc, f.MessageZh)
}
