package store

import (
	"context"
	"fmt"
)

// Counts are the row counts /healthz reports.
type Counts struct {
	Enterprises int64 `json:"enterprises"`
	AnnualFacts int64 `json:"annual_facts"`
	Monthly     int64 `json:"monthly_facts"`
	Batches     int64 `json:"import_batches"`
}

// Counts counts the rows of the main tables.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM enterprises), (SELECT count(*) FROM annual_facts),
		(SELECT count(*) FROM monthly_facts), (SELECT count(*) FROM import_batches)`).
		Scan(&c.Enterprises, &c.AnnualFacts, &c.Monthly, &c.Batches)
	if err != nil {
		return Counts{}, fmt.Errorf("count rows: %w", err)
	}
	return c, nil
}
