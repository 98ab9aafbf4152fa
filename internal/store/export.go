package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/indus"
)

// RowFilter narrows a table scan.
type RowFilter struct {
	UnitCodes []string // enterprises in these evaluation units; empty = all
	Year      int      // annual: that year; monthly: months of that year; 0 = all
}

// Columns returns the canonical columns of a dataset kind, in file order.
func Columns(kind indus.DatasetKind) ([]string, error) {
	t, ok := tables[kind]
	if !ok {
		return nil, indus.Errorf(indus.EInvalid, "unknown table %q: use enterprises, annual or monthly", kind)
	}
	return t.columns(), nil
}

// ScanRows streams the rows of a dataset in key order, each as canonical
// Go values (string, float64, int64, bool, nil; dates as time.Time), to fn.
func (s *Store) ScanRows(ctx context.Context, kind indus.DatasetKind, f RowFilter, fn func(row []any) error) error {
	t, ok := tables[kind]
	if !ok {
		return indus.Errorf(indus.EInvalid, "unknown table %q: use enterprises, annual or monthly", kind)
	}
	var where []string
	var args []any
	if len(f.UnitCodes) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.UnitCodes)), ", ")
		cond := "unit_code IN (" + ph + ")"
		if t.name != "enterprises" {
			cond = "uscc IN (SELECT uscc FROM enterprises WHERE " + cond + ")"
		}
		where = append(where, cond)
		for _, u := range f.UnitCodes {
			args = append(args, u)
		}
	}
	if f.Year != 0 {
		switch t.name {
		case "annual_facts":
			where = append(where, "year = ?")
			args = append(args, f.Year)
		case "monthly_facts":
			where = append(where, "year(month) = ?")
			args = append(args, f.Year)
		}
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(t.columns(), ", "), t.name)
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + strings.Join(t.keys, ", ")
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("scan %s: %w", t.name, err)
	}
	defer rows.Close()
	n := len(t.columns())
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make([]any, n)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			out[i] = normaliseValue(v)
		}
		if err := fn(out); err != nil {
			return err
		}
	}
	return rows.Err()
}

// normaliseValue maps driver values to the few Go types exports handle.
func normaliseValue(v any) any {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float32:
		return float64(x)
	case []byte:
		return string(x)
	case sql.NullString:
		if !x.Valid {
			return nil
		}
		return x.String
	case time.Time:
		return x
	}
	return v
}
