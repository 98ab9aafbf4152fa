package analysis

import (
	"context"
	"fmt"
	"time"

	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/ingest"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// ExportOptions choose what to export and how.
type ExportOptions struct {
	Kind      indus.DatasetKind
	Format    export.Format
	Lang      string   // "zh" (Chinese headers with units, the default) or "en" (canonical names)
	UnitCodes []string // evaluation units; empty = all
	ClusterID string   // only enterprises in this cluster of the default system
	Year      int      // annual: that year; monthly: that year's months
}

// ExportHeader returns the header row of an export.
func ExportHeader(kind indus.DatasetKind, lang string) ([]string, error) {
	cols, err := store.Columns(kind)
	if err != nil {
		return nil, err
	}
	if lang == "en" {
		return cols, nil
	}
	// The readers know these headers (with their units), so an export in
	// Chinese imports back unchanged.
	var out []string
	for _, c := range ingest.Columns(kind) {
		out = append(out, c.HeaderZh)
	}
	if len(out) != len(cols) {
		return nil, fmt.Errorf("the reader and the store disagree on the columns of %s", kind)
	}
	return out, nil
}

// Export writes one table to path and returns the number of data rows.
func Export(ctx context.Context, st *store.Store, path string, opts ExportOptions) (int64, error) {
	header, err := ExportHeader(opts.Kind, opts.Lang)
	if err != nil {
		return 0, err
	}
	for _, u := range opts.UnitCodes {
		if _, ok := refdata.UnitByCode(u); !ok {
			return 0, indus.Errorf(indus.EInvalid, "unknown unit code %q; the 41 codes are listed by 'indus clusters list' and on the home page", u)
		}
	}
	var members map[string]bool
	if opts.ClusterID != "" {
		if members, err = clusterMembers(ctx, st, opts.ClusterID); err != nil {
			return 0, err
		}
	}
	w, err := export.Create(path, opts.Format, string(opts.Kind), header)
	if err != nil {
		return 0, indus.Errorf(indus.EInvalid, "%v", err)
	}
	var n int64
	cells := make([]export.Cell, len(header))
	err = st.ScanRows(ctx, opts.Kind, store.RowFilter{UnitCodes: opts.UnitCodes, Year: opts.Year}, func(row []any) error {
		if members != nil && !members[row[0].(string)] {
			return nil
		}
		for i, v := range row {
			cells[i] = exportCell(opts.Kind, i, v)
		}
		n++
		return w.WriteRow(cells)
	})
	if err != nil {
		w.Abort()
		return 0, err
	}
	return n, w.Close()
}

// exportCell turns a stored value into the canonical text or number.
func exportCell(kind indus.DatasetKind, col int, v any) export.Cell {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	if kind == indus.KindMonthly && col == 1 {
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

// clusterMembers returns the enterprises of a cluster of the default
// system, by its membership rules.
func clusterMembers(ctx context.Context, st *store.Store, clusterID string) (map[string]bool, error) {
	cs := refdata.DefaultClusterSystem()
	if _, ok := cs.Cluster(clusterID); !ok {
		return nil, indus.Errorf(indus.EInvalid, "unknown cluster %q; 'indus clusters list' shows the ids", clusterID)
	}
	m := cs.Matcher()
	members := map[string]bool{}
	err := st.ScanRows(ctx, indus.KindEnterprises, store.RowFilter{}, func(row []any) error {
		code, _ := row[4].(string)
		scope, _ := row[5].(string)
		for _, mem := range m.Match(code, scope) {
			if mem.ClusterID == clusterID {
				members[row[0].(string)] = true
			}
		}
		return nil
	})
	return members, err
}
