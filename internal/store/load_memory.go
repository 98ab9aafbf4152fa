package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// Memory a bulk load needs from DuckDB's buffer pool. Everything a load
// keeps in DuckDB can spill to disk (the rows it inserted, the hash tables
// of the checks' joins and aggregates): since migration 0006 the
// fact tables have no key index, which could not. The bound trades speed
// for memory: the joins on the key run in memory when they get about 48
// bytes a key (the keys stored and the keys the file adds), plus a
// working margin; below that DuckDB spills and the load slows down but
// still succeeds (23.7 M monthly rows under a fixed 300 MB bound:
// BENCHMARKS.md, issue 3).
const (
	loadWorkMemory     = 80 << 20
	loadIndexKeyBytes  = 48
	minLoadMemoryBound = 96 << 20
)

// LoadMemoryBound is the buffer pool that a load of about fileRows rows of
// kind needs, given the rows already stored in its table.
func (s *Store) LoadMemoryBound(ctx context.Context, kind indus.DatasetKind, fileRows int64) (int64, error) {
	t, ok := tables[kind]
	if !ok {
		return 0, fmt.Errorf("unknown dataset kind %q", kind)
	}
	var stored int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+t.name).Scan(&stored); err != nil {
		return 0, err
	}
	return max(loadWorkMemory+loadIndexKeyBytes*(stored+max(fileRows, 0)), minLoadMemoryBound), nil
}

// MemoryLimit returns DuckDB's buffer pool limit as DuckDB writes it
// ("18.8 GiB"), to restore it later, and in bytes (0 if unreadable).
func (s *Store) MemoryLimit(ctx context.Context) (string, int64, error) {
	var text string
	if err := s.db.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&text); err != nil {
		return "", 0, err
	}
	return text, parseByteSize(text), nil
}

// SetMemoryLimitBytes sets DuckDB's buffer pool limit, rounded up to a
// whole MiB. The limit applies to the whole database, every connection.
func (s *Store) SetMemoryLimitBytes(ctx context.Context, n int64) error {
	_, err := s.db.ExecContext(ctx, fmt.Sprintf("SET memory_limit = '%dMiB'", (n+(1<<20)-1)>>20))
	return err
}

// RestoreMemoryLimit sets the limit back to what MemoryLimit returned:
// DuckDB's default exactly when that is what it was (the text rounds).
func (s *Store) RestoreMemoryLimit(ctx context.Context, text string) error {
	if parseByteSize(text) == 0 {
		return fmt.Errorf("memory limit %q: not a size", text)
	}
	ctx = context.WithoutCancel(ctx)
	if _, err := s.db.ExecContext(ctx, "RESET memory_limit"); err != nil {
		return err
	}
	if now, _, err := s.MemoryLimit(ctx); err != nil || now == text {
		return err
	}
	_, err := s.db.ExecContext(ctx, "SET memory_limit = '"+strings.ReplaceAll(text, "'", "")+"'")
	return err
}

// parseByteSize reads a size as DuckDB writes its settings ("18.8 GiB",
// "512.0 MiB", "100 MB"); 0 when it cannot.
func parseByteSize(s string) int64 {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), " ")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return 0
	}
	mult := map[string]float64{"bytes": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[strings.TrimSpace(unit)]
	return int64(v * mult)
}
