// Package store keeps Indus's data in DuckDB (the embedded default) behind
// one API; SQL is written once and a small dialect struct holds the
// differences between engines. Bulk loads feed DuckDB's vectors directly
// through a table function (load_rows.go).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/indus-platform/indus/internal/indus"
)

// DefaultDSN is where Indus keeps its data when no --db is given.
const DefaultDSN = "./indus-data/indus.duckdb"

// dialect holds what differs between database engines.
type dialect struct {
	name string
}

var duckDialect = dialect{name: "duckdb"}

// Store is an open Indus database.
type Store struct {
	db        *sql.DB
	connector *duckdb.Connector
	dialect   dialect
	path      string
	// auditMu serialises audit appends so the hash chain never forks.
	auditMu sync.Mutex
	// auditHead is the last entry's sequence number and hash once read,
	// so an append does not scan the log (one process writes at a time).
	auditHead struct {
		loaded bool
		seq    int64
		hash   string
	}
	// peers caches evaluation runs' indicator values for peer comparisons.
	peers peerCache
	// runs caches evaluation runs (they never change once written).
	runs runCache
	// stamp caches the data stamp between the writes that change it.
	stamp stampCache
	// loads lets one bulk load run at a time (a load holds its batch id
	// from BeginLoad to Commit); a buffered channel, so waiting can be
	// cancelled.
	loads chan struct{}
	// loadRowsOnce registers the load table function (load_rows.go).
	loadRowsOnce sync.Once
	loadRowsErr  error
}

// Open opens (creating if needed) the database named by dsn: a file path,
// `duckdb://PATH`, or `:memory:`. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if dsn == "" {
		dsn = DefaultDSN
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil, indus.Errorf(indus.EInvalid, "PostgreSQL is not available in this version of Indus yet; use a DuckDB file path for --db")
	}
	path := strings.TrimPrefix(dsn, "duckdb://")
	if path != ":memory:" {
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, indus.Errorf(indus.EInvalid, "cannot create the database directory %s: %v", dir, unwrapPathError(err))
		}
		if err := checkWritable(dir); err != nil {
			return nil, err
		}
	}
	connPath := path
	if path == ":memory:" {
		connPath = ""
	}
	connector, err := duckdb.NewConnector(connPath, nil)
	if err != nil {
		return nil, friendlyOpenError(path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		connector.Close()
		return nil, friendlyOpenError(path, err)
	}
	return &Store{db: db, connector: connector, dialect: duckDialect, path: path, loads: make(chan struct{}, 1)}, nil
}

// Close releases the database (and its file lock).
func (s *Store) Close() error {
	err := s.db.Close()
	if cerr := s.connector.Close(); err == nil {
		err = cerr
	}
	return err
}

// Path returns the database file path (":memory:" for an in-memory store).
func (s *Store) Path() string { return s.path }

// Engine names the database engine, e.g. "duckdb".
func (s *Store) Engine() string { return s.dialect.name }

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".indus-write-check-*")
	if err != nil {
		return indus.Errorf(indus.EInvalid, "the database directory %s is not writable: %v", dir, unwrapPathError(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var lockPIDPattern = regexp.MustCompile(`PID (\d+)`)

// friendlyOpenError turns DuckDB's lock conflict into a message that says
// what to do: only one process may open a DuckDB file for writing.
func friendlyOpenError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		holder := "another process"
		if m := lockPIDPattern.FindStringSubmatch(msg); m != nil {
			holder = "another process (PID " + m[1] + ")"
		}
		return indus.Errorf(indus.EConflict,
			"the database %s is in use by %s, probably 'indus serve'; stop it, or send the change through the server's API", path, holder)
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// SetMemoryLimit bounds DuckDB's buffer pool (DuckDB spills to disk beyond
// it), e.g. "128MB" for a bulk import on a shared machine. It applies to
// the whole database until the store is closed.
func (s *Store) SetMemoryLimit(ctx context.Context, limit string) error {
	if !memoryLimitPattern.MatchString(limit) {
		return indus.Errorf(indus.EInvalid, "memory limit %q: write it like 128MB or 4GB", limit)
	}
	_, err := s.db.ExecContext(ctx, "SET memory_limit = '"+limit+"'")
	return err
}

var memoryLimitPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

// DB is the underlying database handle, for tests that must reach past the
// store's API (tampering with the audit log to prove it is detected).
func (s *Store) DB() *sql.DB { return s.db }
