package ingest

import (
	"io"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// Kind is the kind of dataset a file holds.
type Kind = indus.DatasetKind

// The dataset kinds, re-exported for readers of this package.
const (
	KindEnterprises = indus.KindEnterprises
	KindAnnual      = indus.KindAnnual
	KindMonthly     = indus.KindMonthly
)

// CanonicalColumns are the leading columns of Indus's canonical CSV format
// for each kind, in order (money 10k yuan, land mu, booleans true/false,
// missing = empty cell). Further columns may follow and are ignored.
var CanonicalColumns = map[Kind][]string{
	KindEnterprises: {"uscc", "name", "unit_code", "park", "industry_code", "business_scope", "above_size", "founded", "land_mu", "land_source"},
	KindAnnual: {"uscc", "year", "land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce",
		"electricity_kwh", "emissions_t", "rd_spend", "employees", "safety_accident", "env_violation", "under_construction", "utility"},
	KindMonthly: {"uscc", "month", "output_value", "revenue", "electricity_kwh", "employees"},
}

// DetectCanonicalKind returns the kind whose canonical columns the header
// starts with.
func DetectCanonicalKind(header []string) (Kind, bool) {
	for _, k := range []Kind{KindEnterprises, KindAnnual, KindMonthly} {
		cols := CanonicalColumns[k]
		if len(header) < len(cols) {
			continue
		}
		match := true
		for i, c := range cols {
			if strings.TrimSpace(header[i]) != c {
				match = false
				break
			}
		}
		if match {
			return k, true
		}
	}
	return "", false
}

// NewCanonicalReader reads a CSV or XLSX stream through the general reader
// with detection of everything (kind, encoding, delimiter, headers).
//
// Deprecated: use Open or OpenReader, and Close the reader.
func NewCanonicalReader(file string, r io.Reader) (Reader, error) {
	return OpenReader(file, r, Options{})
}
