package store

import (
	"context"
	"fmt"
	"strings"
)

// BareReadCSV loads a CSV file with DuckDB's own read_csv into a scratch
// table and drops it again, returning the row count. It does no
// validation: benchmarks use it as the floor an import is compared with.
func (s *Store) BareReadCSV(ctx context.Context, path string) (int64, error) {
	quoted := "'" + strings.ReplaceAll(path, "'", "''") + "'"
	if _, err := s.db.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE bare_read AS SELECT * FROM read_csv("+quoted+", header = true)"); err != nil {
		return 0, fmt.Errorf("read_csv: %w", err)
	}
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM bare_read").Scan(&n)
	s.db.ExecContext(ctx, "DROP TABLE bare_read")
	return n, err
}
