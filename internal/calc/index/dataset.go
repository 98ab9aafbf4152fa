package index

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// Dataset is the input data: one row per unit (enterprise, park, district,
// country), column-major. NaN means missing. Groups and Denominators are keyed
// by the framework's group and denominator names, Indicators by indicator code;
// every slice has one entry per unit, in the order of UCodes.
type Dataset struct {
	// UCodes are the unique unit codes.
	UCodes []string
	// UNames are the unit names (optional: nil or one per unit).
	UNames []string
	// Groups holds the grouping labels per group column; "" is missing.
	Groups map[string][]string
	// Denominators holds the denominator values per denominator column.
	Denominators map[string][]float64
	// Indicators holds the raw indicator values per indicator code.
	Indicators map[string][]float64
}

// Len is the number of units.
func (d *Dataset) Len() int { return len(d.UCodes) }

// Validate checks d against fw: unique non-empty unit codes, every slice of
// the right length, every framework indicator present, and no indicator,
// group or denominator column that the framework does not know.
func (d *Dataset) Validate(fw *Framework) error {
	n := len(d.UCodes)
	// A map of a million codes costs more than scoring them: large data
	// sets are first checked by hashing, and only a suspicion (a blank
	// code, a repeated code or hash) goes through the exact check, which
	// names the unit.
	if n < bulkMin || !codesLookClean(d.UCodes) {
		seen := make(map[string]bool, n)
		for i, u := range d.UCodes {
			if strings.TrimSpace(u) == "" {
				return indus.Errorf(indus.EInvalid, "data: unit %d has an empty uCode", i+1)
			}
			if seen[u] {
				return indus.Errorf(indus.EInvalid, "data: uCode %q appears twice", u)
			}
			seen[u] = true
		}
	}
	if d.UNames != nil && len(d.UNames) != n {
		return indus.Errorf(indus.EInvalid, "data: %d names for %d units", len(d.UNames), n)
	}
	for code, v := range d.Indicators {
		node := fw.Node(code)
		if node == nil || !node.Indicator {
			return indus.Errorf(indus.EInvalid, "data: unknown indicator %q (not an indicator of the framework)", code)
		}
		if len(v) != n {
			return indus.Errorf(indus.EInvalid, "data: indicator %q has %d values for %d units", code, len(v), n)
		}
	}
	for _, code := range fw.Indicators() {
		if _, ok := d.Indicators[code]; !ok {
			return indus.Errorf(indus.EInvalid, "data: indicator %q of the framework is missing", code)
		}
	}
	known := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	for g, v := range d.Groups {
		if !known(fw.Groups, g) {
			return indus.Errorf(indus.EInvalid, "data: unknown group column %q", g)
		}
		if len(v) != n {
			return indus.Errorf(indus.EInvalid, "data: group %q has %d labels for %d units", g, len(v), n)
		}
	}
	for g, v := range d.Denominators {
		if !known(fw.Denominators, g) {
			return indus.Errorf(indus.EInvalid, "data: unknown denominator column %q", g)
		}
		if len(v) != n {
			return indus.Errorf(indus.EInvalid, "data: denominator %q has %d values for %d units", g, len(v), n)
		}
	}
	return nil
}

// LoadDataCSV reads a COINr-style data table from a file; see ReadDataCSV.
func LoadDataCSV(path string, fw *Framework) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadDataCSV(f, path, fw)
}

// ReadDataCSV reads a COINr-style data table (iData): uCode, optional uName
// and Time, the framework's group and denominator columns, and one column per
// indicator. "NA" or an empty cell is missing; any other non-numeric cell in a
// numeric column, an unknown column or a missing indicator column is an error
// naming the source, row and column.
func ReadDataCSV(r io.Reader, source string, fw *Framework) (*Dataset, error) {
	header, recs, err := readCSV(r, source)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Groups: map[string][]string{}, Denominators: map[string][]float64{}, Indicators: map[string][]float64{}}
	type colKind int
	const (
		skip colKind = iota
		ucode
		uname
		group
		denom
		ind
	)
	kinds := make([]colKind, len(header))
	groupSet, denomSet := map[string]bool{}, map[string]bool{}
	for _, g := range fw.Groups {
		groupSet[g] = true
	}
	for _, g := range fw.Denominators {
		denomSet[g] = true
	}
	seen := map[string]bool{}
	hasU := false
	for i, h := range header {
		if seen[h] {
			return nil, indus.Errorf(indus.EInvalid, "%s: column %q appears twice", source, h)
		}
		seen[h] = true
		switch {
		case h == "uCode":
			kinds[i], hasU = ucode, true
		case h == "uName":
			kinds[i] = uname
		case h == "Time":
			kinds[i] = skip
		case groupSet[h]:
			kinds[i] = group
		case denomSet[h]:
			kinds[i] = denom
		case fw.Node(h) != nil && fw.Node(h).Indicator:
			kinds[i] = ind
		case fw.Node(h) != nil:
			return nil, indus.Errorf(indus.EInvalid, "%s: column %q is an aggregate of the framework, not an indicator", source, h)
		default:
			return nil, indus.Errorf(indus.EInvalid, "%s: unknown column %q (not in the framework)", source, h)
		}
	}
	if !hasU {
		return nil, indus.Errorf(indus.EInvalid, "%s: missing column \"uCode\"", source)
	}
	n := len(recs)
	for i, h := range header {
		switch kinds[i] {
		case uname:
			d.UNames = make([]string, n)
		case group:
			d.Groups[h] = make([]string, n)
		case denom:
			d.Denominators[h] = make([]float64, n)
		case ind:
			d.Indicators[h] = make([]float64, n)
		}
	}
	d.UCodes = make([]string, n)
	for k, rec := range recs {
		row := k + 2
		for i, h := range header {
			cell := ""
			if i < len(rec) {
				cell = rec[i]
			}
			switch kinds[i] {
			case ucode:
				d.UCodes[k] = strings.TrimSpace(cell)
			case uname:
				d.UNames[k] = strings.TrimSpace(cell)
			case group:
				if !isNA(cell) {
					d.Groups[h][k] = strings.TrimSpace(cell)
				}
			case denom, ind:
				v, err := parseNumber(cell)
				if err != nil {
					return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column %s: %v", source, row, h, err)
				}
				if kinds[i] == denom {
					d.Denominators[h][k] = v
				} else {
					d.Indicators[h][k] = v
				}
			}
		}
	}
	if err := d.Validate(fw); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return d, nil
}

// Table is one stage's data set (COINr's .$Data$Raw, $Denominated, ...): the
// units still in play and one column per code, column-major. Rows maps each
// unit back to its row in the input Dataset.
type Table struct {
	// UCodes are the unit codes, in input order.
	UCodes []string
	// Rows[i] is the index of unit i in the input Dataset.
	Rows []int
	// Codes are the column codes: indicators, then aggregates once computed.
	Codes []string
	// Cols[j][i] is the value of column Codes[j] for unit UCodes[i].
	Cols [][]float64

	index map[string]int
}

func newTable(ucodes []string, rows []int) *Table {
	return &Table{UCodes: ucodes, Rows: rows, index: map[string]int{}}
}

// addCol appends a column (the slice is kept, not copied).
func (t *Table) addCol(code string, v []float64) {
	t.index[code] = len(t.Codes)
	t.Codes = append(t.Codes, code)
	t.Cols = append(t.Cols, v)
}

// NumUnits is the number of units (rows).
func (t *Table) NumUnits() int { return len(t.UCodes) }

// Col returns the column for code, or nil if the table has no such column.
// The slice is the table's own: do not modify it.
func (t *Table) Col(code string) []float64 {
	if t.index == nil {
		t.reindex()
	}
	j, ok := t.index[code]
	if !ok {
		return nil
	}
	return t.Cols[j]
}

// Value returns the value of column code for unit ucode, and whether both
// exist.
func (t *Table) Value(ucode, code string) (float64, bool) {
	c := t.Col(code)
	if c == nil {
		return math.NaN(), false
	}
	for i, u := range t.UCodes {
		if u == ucode {
			return c[i], true
		}
	}
	return math.NaN(), false
}

func (t *Table) reindex() {
	t.index = make(map[string]int, len(t.Codes))
	for j, c := range t.Codes {
		t.index[c] = j
	}
}

// clone deep-copies the table so that a step can modify it while the previous
// stage stays as it was.
func (t *Table) clone() *Table {
	c := newTable(t.UCodes, t.Rows)
	for j, code := range t.Codes {
		c.addCol(code, append([]float64(nil), t.Cols[j]...))
	}
	return c
}

// share returns a table with the same units and columns, the column slices
// shared rather than copied, to which a step can add columns.
func (t *Table) share() *Table {
	c := newTable(t.UCodes, t.Rows)
	for j, code := range t.Codes {
		c.addCol(code, t.Cols[j])
	}
	return c
}

// subset keeps the units whose keep flag is true (columns copied).
func (t *Table) subset(keep []bool) *Table {
	var uc []string
	var rows []int
	for i, k := range keep {
		if k {
			uc = append(uc, t.UCodes[i])
			rows = append(rows, t.Rows[i])
		}
	}
	c := newTable(uc, rows)
	for j, code := range t.Codes {
		v := make([]float64, 0, len(uc))
		for i, k := range keep {
			if k {
				v = append(v, t.Cols[j][i])
			}
		}
		c.addCol(code, v)
	}
	return c
}
