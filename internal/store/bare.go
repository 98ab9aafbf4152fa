package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// Benchmarks compare an import with DuckDB loading the same file on its
// own, with no validation, in two ways: BareReadCSV, into a temporary
// table (in memory: nothing compressed or written to the database file),
// and BareLoadCSV, into the table the import fills, in the database file,
// as an import does.

// BareReadCSV loads a CSV file with DuckDB's own read_csv into a scratch
// temporary table and drops it again, returning the row count.
func (s *Store) BareReadCSV(ctx context.Context, path string) (int64, error) {
	if _, err := s.db.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE bare_read AS SELECT * FROM read_csv("+quoteLiteral(path)+", header = true)"); err != nil {
		return 0, fmt.Errorf("read_csv: %w", err)
	}
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM bare_read").Scan(&n)
	s.db.ExecContext(ctx, "DROP TABLE bare_read")
	return n, err
}

// BareLoadCSV inserts a canonical CSV file of kind straight into its
// table with DuckDB's own read_csv, matching columns by name, under batch
// 0, and returns the rows inserted. It is for a scratch database: the rows
// are not checked and no batch is recorded.
func (s *Store) BareLoadCSV(ctx context.Context, kind indus.DatasetKind, path string) (int64, error) {
	t, ok := tables[kind]
	if !ok {
		return 0, fmt.Errorf("unknown dataset kind %q", kind)
	}
	res, err := s.db.ExecContext(ctx, "INSERT INTO "+t.name+" BY NAME SELECT *, 0 AS batch_id FROM read_csv("+quoteLiteral(path)+", header = true)")
	if err != nil {
		return 0, fmt.Errorf("read_csv: %w", err)
	}
	return res.RowsAffected()
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
