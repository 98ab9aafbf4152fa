package analysis

import (
	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
)

// ReportHeader is the header of an import report.
var ReportHeader = []string{"file", "row", "column", "value", "severity", "message_zh", "message_en"}

// WriteReport writes every kept finding of an import to a CSV or XLSX file,
// for the analyst to fix the source and import again.
func WriteReport(path string, results []FileImport) error {
	format, ok := export.FormatOf(path)
	if !ok {
		return indus.Errorf(indus.EInvalid, "the report %s must end in .csv or .xlsx", path)
	}
	w, err := export.Create(path, format, "findings", ReportHeader)
	if err != nil {
		return indus.Errorf(indus.EInvalid, "cannot write the report: %v", err)
	}
	for _, r := range results {
		for _, f := range r.Findings {
			row := []export.Cell{f.File, int64(f.Row), f.Column, f.Value, string(f.Severity), f.MessageZh, f.Message}
			if err := w.WriteRow(row); err != nil {
				w.Abort()
				return err
			}
		}
	}
	return w.Close()
}
