package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/indus-platform/indus/internal/indus"
)

// LoadMeta describes the file a bulk load comes from.
type LoadMeta struct {
	Kind     indus.DatasetKind
	FileName string
	SHA256   string
	User     string
	Warnings int // warnings the reader reported on accepted rows
	// Rows, when given, is the caller's index of the file's rows by key,
	// and the caller has rejected every row whose key an earlier row has
	// (the ingest readers do both). Without it the load keeps an index of
	// its own and finds repeated keys itself.
	Rows RowIndex
}

// RowIndex finds the file row a key (RowKey's text) was read from.
type RowIndex interface {
	SourceRow(rowKey string) (int, bool)
}

// BatchResult is what a committed (or unchanged, or dry-run) load did.
type BatchResult struct {
	BatchID   int64             `json:"batch_id"` // 0 when nothing changed, or for a dry run: no batch was recorded
	Kind      indus.DatasetKind `json:"kind"`
	Read      int64             `json:"rows_read"` // rows staged
	Inserted  int64             `json:"inserted"`
	Updated   int64             `json:"updated"`
	Unchanged int64             `json:"unchanged"`
	Rejected  int64             `json:"rejected_at_commit"` // rows dropped at commit (duplicates, unknown enterprises) with AcceptValid
	DryRun    bool              `json:"dry_run"`
}

// CommitOptions change what Commit does with problems and results.
type CommitOptions struct {
	// AcceptValid drops the rows that fail the cross-row checks (duplicate
	// keys, facts for unknown enterprises) and imports the rest; without it
	// any such row rejects the whole file.
	AcceptValid bool
	// DryRun checks and counts everything, then rolls back.
	DryRun bool
}

// RowProblem is a row that a cross-row check at commit found wrong (or,
// with Warning, suspicious: the row is kept).
type RowProblem struct {
	Row       int64
	Column    string
	Value     string
	Warning   bool
	Message   string
	MessageZh string
}

// table describes one loadable table: its key and value columns.
type table struct {
	name   string
	keys   []string
	values []string
}

func (t table) columns() []string { return append(append([]string{}, t.keys...), t.values...) }

// period is a fact table's second key column (year or month).
func (t table) period() string { return t.keys[len(t.keys)-1] }

var tables = map[indus.DatasetKind]table{
	indus.KindEnterprises: {"enterprises", []string{"uscc"},
		[]string{"name", "unit_code", "park", "industry_code", "business_scope", "above_size", "founded", "land_mu", "land_source"}},
	indus.KindAnnual: {"annual_facts", []string{"uscc", "year"},
		[]string{"land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce", "electricity_kwh", "emissions_t",
			"rd_spend", "employees", "safety_accident", "env_violation", "under_construction", "utility", "above_size"}},
	indus.KindMonthly: {"monthly_facts", []string{"uscc", "month"},
		[]string{"output_value", "revenue", "electricity_kwh", "employees"}},
}

// runRows is how many rows a load collects before handing them to its
// inserter: 16 DuckDB vectors, a few megabytes.
const runRows = 16 * 2048

// LoadHeldBytes bounds the memory a load holds in Go: three runs (one
// filling, one queued, one being inserted) of the widest rows (annual,
// about 130 bytes with the code's text).
const LoadHeldBytes = 3 * runRows * 130

// Load is a bulk load in progress, inside one transaction: Commit checks
// the rows against the database and merges them, Rollback leaves the
// database as it was. A process killed mid-load leaves no trace, because
// nothing is committed.
//
// Fact rows go straight into their table, carrying the batch id the load
// takes at BeginLoad; Commit then settles the keys the table already held
// (an unchanged row drops the new copy, a changed one moves the old copy
// to the history table). Writing a million rows once instead of staging
// them and copying them over saves about as long as DuckDB takes to read
// the whole file (BENCHMARKS.md, issue 3). Enterprises, few and keyed by
// a primary key that a second copy would violate, are staged in a
// temporary table and merged from there.
type Load struct {
	ctx     context.Context
	store   *Store
	conn    *sql.Conn
	meta    LoadMeta
	table   table
	direct  bool   // fact rows: inserted into the table itself
	stage   string // the staging table of an enterprise load
	batch   int64  // the batch id a direct load's rows carry
	started time.Time
	rows    int64    // rows appended
	kept    int64    // rows inserted and not dropped since (known at commit)
	origs   int64    // originals staged
	temps   []string // temporary tables to drop at commit
	// Rows not yet handed to the inserter (only the kind's own run is used).
	enterprises enterpriseRun
	annual      annualRun
	monthly     monthlyRun
	originals   originalRun
	inserter    *inserter
	// The range of periods appended (years, or month indexes), so that
	// settling keys reads only those.
	minPeriod, maxPeriod int
	// The load's own index of keys (when meta.Rows is nil): the first row
	// of each key, and every row of the keys seen more than once.
	index    map[string]int64
	repeated map[string][]int64
	done     bool
}

// BeginLoad starts a bulk load of one file. Loads in one process run one
// at a time: a second BeginLoad waits until the first commits or rolls
// back, or until ctx ends.
func (s *Store) BeginLoad(ctx context.Context, meta LoadMeta) (*Load, error) {
	t, ok := tables[meta.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown dataset kind %q", meta.Kind)
	}
	if err := s.registerLoadRows(ctx); err != nil {
		return nil, fmt.Errorf("register the load function: %w", err)
	}
	select {
	case s.loads <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		<-s.loads
		return nil, err
	}
	l := &Load{ctx: ctx, store: s, conn: conn, meta: meta, table: t, direct: t.name != "enterprises",
		started: time.Now().UTC(), minPeriod: math.MaxInt, maxPeriod: math.MinInt}
	if meta.Rows == nil {
		l.index, l.repeated = map[string]int64{}, map[string][]int64{}
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		l.release()
		return nil, err
	}
	if l.direct {
		if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM import_batches`).Scan(&l.batch); err != nil {
			l.Rollback()
			return nil, err
		}
	} else {
		l.stage = "stage_" + t.name
		l.temps = append(l.temps, l.stage)
		create := fmt.Sprintf("CREATE TEMP TABLE %s AS SELECT %s FROM %s WHERE false", l.stage, strings.Join(t.columns(), ", "), t.name)
		if _, err := conn.ExecContext(ctx, create); err != nil {
			l.Rollback()
			return nil, fmt.Errorf("create staging table: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE stage_originals (row_key VARCHAR, column_name VARCHAR, original_value VARCHAR, original_unit VARCHAR)`); err != nil {
		l.Rollback()
		return nil, fmt.Errorf("create staging table: %w", err)
	}
	l.temps = append(l.temps, "stage_originals")
	insert := fmt.Sprintf("INSERT INTO %s (%s) SELECT * FROM %%s", l.stage, strings.Join(t.columns(), ", "))
	if l.direct {
		insert = fmt.Sprintf("INSERT INTO %s (%s, batch_id) SELECT *, %d FROM %%s", t.name, strings.Join(t.columns(), ", "), l.batch)
	}
	l.inserter = startInserter(ctx, conn, insert)
	return l, nil
}

// noteKey records the row a key came from in the load's own index; it
// reports false for a key an earlier row has (that row is not inserted:
// Commit deals with every row of the key).
func (l *Load) noteKey(key string, row int) bool {
	if l.index == nil {
		return true
	}
	first, seen := l.index[key]
	if !seen {
		l.index[key] = int64(row)
		return true
	}
	if len(l.repeated[key]) == 0 {
		l.repeated[key] = []int64{first}
	}
	l.repeated[key] = append(l.repeated[key], int64(row))
	return false
}

// sourceRow is the file row a key came from (0 when unknown).
func (l *Load) sourceRow(key string) int64 {
	if l.meta.Rows != nil {
		row, _ := l.meta.Rows.SourceRow(key)
		return int64(row)
	}
	return l.index[key]
}

// AppendEnterprise adds one enterprise read from source row row.
func (l *Load) AppendEnterprise(row int, e *indus.Enterprise) error {
	l.rows++
	if !l.noteKey(RowKey(e.USCC, ""), row) {
		return nil
	}
	if l.enterprises == nil {
		l.enterprises = make(enterpriseRun, 0, runRows)
	}
	l.enterprises = append(l.enterprises, *e)
	return l.flushIfFull(len(l.enterprises))
}

// AppendAnnual adds one annual fact. The load keeps a copy of f (its
// pointer fields too) until the rows are inserted.
func (l *Load) AppendAnnual(row int, f *indus.AnnualFact) error {
	l.rows++
	if l.index != nil && !l.noteKey(RowKey(f.USCC, strconv.Itoa(f.Year)), row) {
		return nil
	}
	l.notePeriod(f.Year)
	if l.annual == nil {
		l.annual = make(annualRun, 0, runRows) // one allocation a run, not a doubling series
	}
	l.annual = append(l.annual, flatAnnual(f))
	return l.flushIfFull(len(l.annual))
}

// AppendMonthly adds one monthly fact.
func (l *Load) AppendMonthly(row int, f *indus.MonthlyFact) error {
	l.rows++
	if l.index != nil && !l.noteKey(RowKey(f.USCC, f.Month.String()), row) {
		return nil
	}
	l.notePeriod(f.Month.Index())
	if l.monthly == nil {
		l.monthly = make(monthlyRun, 0, runRows)
	}
	l.monthly = append(l.monthly, flatMonthly(f))
	return l.flushIfFull(len(l.monthly))
}

func (l *Load) notePeriod(p int) { l.minPeriod, l.maxPeriod = min(l.minPeriod, p), max(l.maxPeriod, p) }

// AppendOriginal keeps a value as the file wrote it (before a unit
// conversion or normalisation) for the row with the given key: the USCC,
// "USCC|YEAR" or "USCC|YYYY-MM" (see RowKey).
func (l *Load) AppendOriginal(rowKey, column, value, unit string) error {
	l.origs++
	l.originals = append(l.originals, original{rowKey, column, value, unit})
	return l.flushIfFull(len(l.originals))
}

func (l *Load) flushIfFull(n int) error {
	if n < runRows {
		return nil
	}
	return l.handOff()
}

// handOff gives the rows and originals collected so far to the inserter.
func (l *Load) handOff() error {
	var rows rowRun
	switch {
	case len(l.enterprises) > 0:
		rows, l.enterprises = l.enterprises, nil
	case len(l.annual) > 0:
		rows, l.annual = l.annual, nil
	case len(l.monthly) > 0:
		rows, l.monthly = l.monthly, nil
	}
	origs := l.originals
	l.originals = nil
	return l.inserter.add(rows, origs)
}

// inserter inserts a load's rows on its connection in a goroutine of its
// own, so that reading the file goes on while DuckDB stores the rows
// before. It holds at most one run waiting besides the one it inserts.
type inserter struct {
	conn   *sql.Conn
	insert string // the rows' INSERT, with %s where the table function goes
	runs   chan insertJob
	done   chan struct{}
	cancel context.CancelFunc
	mu     sync.Mutex
	err    error // the first error; no more runs are inserted after it
	rows   int64 // rows inserted
	closed bool
}

type insertJob struct {
	rows  rowRun
	origs originalRun
}

func startInserter(ctx context.Context, conn *sql.Conn, insert string) *inserter {
	ctx, cancel := context.WithCancel(ctx)
	in := &inserter{conn: conn, insert: insert, runs: make(chan insertJob, 1), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(in.done)
		for job := range in.runs {
			if in.failed() != nil {
				continue // drain
			}
			if err := in.run(ctx, job); err != nil {
				in.mu.Lock()
				in.err = err
				in.mu.Unlock()
			}
		}
	}()
	return in
}

func (in *inserter) run(ctx context.Context, job insertJob) error {
	if job.rows != nil {
		if err := insertRun(ctx, in.conn, in.insert, job.rows); err != nil {
			return fmt.Errorf("insert rows: %w", err)
		}
		in.rows += int64(job.rows.len())
	}
	if len(job.origs) > 0 {
		if err := insertRun(ctx, in.conn, "INSERT INTO stage_originals SELECT * FROM %s", job.origs); err != nil {
			return fmt.Errorf("insert original values: %w", err)
		}
	}
	return nil
}

func (in *inserter) failed() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.err
}

// add queues rows and originals, waiting while a run is already queued;
// it returns the error an earlier run met.
func (in *inserter) add(rows rowRun, origs originalRun) error {
	if err := in.failed(); err != nil {
		return err
	}
	if rows != nil || len(origs) > 0 {
		in.runs <- insertJob{rows, origs}
	}
	return nil
}

// finish waits for every queued run and returns the rows inserted and
// the first error. The connection is the caller's again afterwards.
func (in *inserter) finish() (int64, error) {
	if !in.closed {
		in.closed = true
		close(in.runs)
	}
	<-in.done
	in.cancel()
	return in.rows, in.failed()
}

// abandon interrupts the insert under way and waits for the goroutine.
func (in *inserter) abandon() {
	in.cancel()
	in.finish()
}

// RowKey is the key of a row as cell_originals and revisions name it.
func RowKey(uscc string, yearOrMonth string) string {
	if yearOrMonth == "" {
		return uscc
	}
	return uscc + "|" + yearOrMonth
}

// SetSHA256 records the file's hash, when it was computed while the rows
// were staged.
func (l *Load) SetSHA256(sum string) { l.meta.SHA256 = sum }

// SetWarnings records how many warnings the reader reported on accepted rows.
func (l *Load) SetWarnings(n int) { l.meta.Warnings = n }

// Rollback abandons the load; the database is as before BeginLoad.
func (l *Load) Rollback() error {
	if l.done {
		return nil
	}
	l.done = true
	l.enterprises, l.annual, l.monthly, l.originals = nil, nil, nil, nil
	if l.inserter != nil {
		l.inserter.abandon()
	}
	_, err := l.conn.ExecContext(context.WithoutCancel(l.ctx), "ROLLBACK")
	l.release()
	return err
}

// release gives the connection back to the pool and lets the next load
// begin.
func (l *Load) release() {
	l.conn.Close()
	<-l.store.loads
}

// maxListed bounds how many offending rows an error message names.
const maxListed = 10

// Commit checks the rows (repeated keys, facts for unknown enterprises,
// probable unit slips), keeps the versions it replaces in the history
// table, settles new and changed rows and records the batch. When no row
// is new or changed, or for a dry run, it records nothing (BatchID 0). On
// any error the load is rolled back. The problems returned are the rows
// that AcceptValid dropped and the warnings (probable unit slips) on kept
// rows, in file order within each check.
func (l *Load) Commit(opts CommitOptions) (BatchResult, []RowProblem, error) {
	res, problems, err := l.commit(opts)
	if err != nil {
		l.Rollback()
		return BatchResult{}, problems, err
	}
	return res, problems, nil
}

func (l *Load) commit(opts CommitOptions) (BatchResult, []RowProblem, error) {
	defer l.store.dataChanged() // after the commit or rollback
	ctx, c, t := l.ctx, l.conn, l.table
	if err := l.handOff(); err != nil {
		return BatchResult{}, nil, err
	}
	inserted, err := l.inserter.finish()
	if err != nil {
		return BatchResult{}, nil, err
	}
	l.kept = inserted
	problems, err := l.checkRepeated(opts.AcceptValid)
	if err != nil {
		return BatchResult{}, problems, err
	}
	if l.direct {
		if err := l.summarizeFirms(); err != nil {
			return BatchResult{}, problems, err
		}
		more, err := l.checkEnterprisesExist(opts.AcceptValid)
		problems = append(problems, more...)
		if err != nil {
			return BatchResult{}, problems, err
		}
	}
	res := BatchResult{Kind: l.meta.Kind, Read: l.rows, Rejected: l.rows - l.kept, DryRun: opts.DryRun}
	if l.direct {
		err = l.compareDirect(&res)
	} else {
		err = l.compareStaged(&res)
	}
	if err != nil {
		return BatchResult{}, problems, fmt.Errorf("compare with stored rows: %w", err)
	}
	slips, err := l.checkUnitSlips(res.Updated+res.Unchanged > 0)
	if err != nil {
		return BatchResult{}, problems, err
	}
	problems = append(problems, slips...)
	if res.Inserted+res.Updated == 0 || opts.DryRun {
		// Nothing to change (re-importing a file is a no-op) or only a check:
		// leave no batch behind.
		return res, problems, l.Rollback()
	}
	batch := l.batch
	if l.direct {
		err = l.settleDirect(res)
	} else {
		if err = c.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM import_batches`).Scan(&batch); err == nil {
			err = l.mergeStaged(batch, res)
		}
	}
	if err != nil {
		return BatchResult{}, problems, err
	}
	// Originals of the rows this batch wrote.
	if l.origs > 0 {
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`INSERT INTO cell_originals (batch_id, table_name, row_key, column_name, original_value, original_unit)
			SELECT ?, ?, o.row_key, o.column_name, o.original_value, o.original_unit FROM stage_originals o
			WHERE o.row_key IN (SELECT %s FROM %s WHERE batch_id = ?)`, rowKeySQL(t, ""), t.name),
			batch, t.name, batch); err != nil {
			return BatchResult{}, problems, fmt.Errorf("keep original values: %w", err)
		}
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO import_batches (id, kind, file_name, file_sha256, username,
		started_at, finished_at, rows_read, rows_inserted, rows_updated, rows_unchanged, warnings, rows_rejected)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		batch, string(l.meta.Kind), l.meta.FileName, l.meta.SHA256, l.meta.User, l.started, time.Now().UTC(),
		res.Read, res.Inserted, res.Updated, res.Unchanged, int64(l.meta.Warnings), res.Rejected); err != nil {
		return BatchResult{}, problems, fmt.Errorf("record import batch: %w", err)
	}
	for _, tmp := range l.temps {
		if _, err := c.ExecContext(ctx, "DROP TABLE "+tmp); err != nil {
			return BatchResult{}, problems, err
		}
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return BatchResult{}, problems, fmt.Errorf("commit import: %w", err)
	}
	l.done = true
	l.release()
	res.BatchID = batch
	return res, problems, nil
}

// compareStaged counts the staged rows that are new, changed and the same
// as stored.
func (l *Load) compareStaged(res *BatchResult) error {
	t := l.table
	var staged int64
	err := l.conn.QueryRowContext(l.ctx, fmt.Sprintf(
		`SELECT count(*), count(*) FILTER (WHERE t.%[1]s IS NULL),
		        count(*) FILTER (WHERE t.%[1]s IS NOT NULL AND (%[2]s))
		 FROM %[3]s s LEFT JOIN %[4]s t ON %[5]s`,
		t.keys[0], distinctAny("s", "t", t.values), l.stage, t.name, joinOn("s", "t", t.keys))).Scan(&staged, &res.Inserted, &res.Updated)
	res.Unchanged = staged - res.Inserted - res.Updated
	return err
}

// mergeStaged keeps the versions the staged rows replace in the history
// table, updates the changed rows and inserts the new ones under batch.
func (l *Load) mergeStaged(batch int64, res BatchResult) error {
	ctx, c, t := l.ctx, l.conn, l.table
	keyJoin := joinOn("s", "t", t.keys)
	changed := distinctAny("s", "t", t.values)
	cols := t.columns()
	history := t.name + "_history"
	// Changed rows: keep the versions this batch replaces (so the batch
	// can be undone and its revisions listed), then update them in place.
	// The rows the batch creates need no note: they are the rows carrying
	// its batch id whose key has no replaced version. Updating and then
	// inserting, two plain statements, is several times faster in DuckDB
	// than one INSERT … ON CONFLICT DO UPDATE, and the same SQL runs on
	// PostgreSQL.
	if res.Updated > 0 {
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (replaced_by, op, %s, batch_id)
			SELECT ?, 'update', %s, t.batch_id FROM %s s JOIN %s t ON %s WHERE %s`,
			history, strings.Join(cols, ", "), prefixed("t", cols), l.stage, t.name, keyJoin, changed), batch); err != nil {
			return fmt.Errorf("keep replaced rows: %w", err)
		}
		var sets []string
		for _, v := range t.values {
			sets = append(sets, fmt.Sprintf("%s = s.%s", v, v))
		}
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`UPDATE %s AS t SET %s, batch_id = ? FROM %s s WHERE %s AND (%s)`,
			t.name, strings.Join(sets, ", "), l.stage, keyJoin, changed), batch); err != nil {
			return fmt.Errorf("update %s: %w", t.name, err)
		}
	}
	if res.Inserted > 0 {
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%s, batch_id) SELECT %s, ? FROM %s s
			WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)`,
			t.name, strings.Join(cols, ", "), prefixed("s", cols), l.stage, t.name, keyJoin), batch); err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
	}
	return nil
}

// The rows of a direct load and the rows stored before it: n and o in
// the statements below.
func (l *Load) newRows(alias string) string {
	return fmt.Sprintf("%s.batch_id = %d", alias, l.batch)
}

// oldRows selects, in a direct load's table, the rows stored before it in
// the periods the load covers (which is all that its keys can meet).
func (l *Load) oldRows(alias string) string {
	period := alias + "." + l.table.period()
	var within string
	if l.table.name == "annual_facts" {
		within = fmt.Sprintf("%s BETWEEN %d AND %d", period, l.minPeriod, l.maxPeriod)
	} else {
		lo, hi := indus.MonthFromIndex(l.minPeriod), indus.MonthFromIndex(l.maxPeriod)
		within = fmt.Sprintf("%s BETWEEN DATE '%s-01' AND DATE '%s-01'", period, lo, hi)
	}
	return fmt.Sprintf("%s.batch_id <> %d AND %s", alias, l.batch, within)
}

// twinsJoin joins a direct load's table with itself: o, the rows stored
// before the load in its periods, and n, the load's rows, on the key.
// The load's rows come second on purpose: DuckDB builds its hash table on
// the right-hand side when it cannot tell the two sides apart (both are
// the same table under a filter on batch_id), and the load's rows are the
// fewer; the other way round a 2 M-row load into 24 M stored rows took
// 1.5 s to compare instead of 0.2 (BENCHMARKS.md, issue 3).
func (l *Load) twinsJoin() string {
	t := l.table
	return fmt.Sprintf("%s o JOIN %s n ON %s WHERE %s AND %s", t.name, t.name, joinOn("n", "o", t.keys), l.oldRows("o"), l.newRows("n"))
}

// compareDirect counts a direct load's rows that are new, changed and the
// same as stored: its keys the table held before are its twins.
func (l *Load) compareDirect(res *BatchResult) error {
	staged := l.kept
	if staged == 0 {
		return nil
	}
	// A new period (the common case) meets no stored row: then there is
	// nothing to join.
	var stored bool
	if err := l.conn.QueryRowContext(l.ctx, fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s o WHERE %s)`, l.table.name, l.oldRows("o"))).Scan(&stored); err != nil || !stored {
		res.Inserted = staged
		return err
	}
	var twins int64
	err := l.conn.QueryRowContext(l.ctx, fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE %s) FROM %s`,
		distinctAny("n", "o", l.table.values), l.twinsJoin())).Scan(&twins, &res.Updated)
	res.Inserted = staged - twins
	res.Unchanged = twins - res.Updated
	return err
}

// settleDirect leaves one row per key: a twin that is the same as its
// stored row is dropped; a stored row that a changed twin replaces goes to
// the history table (so the batch can be undone and its revisions listed)
// and then out of the table.
func (l *Load) settleDirect(res BatchResult) error {
	ctx, c, t := l.ctx, l.conn, l.table
	cols := t.columns()
	changed := distinctAny("n", "o", t.values)
	if res.Updated > 0 {
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s_history (replaced_by, op, %s, batch_id)
			SELECT %d, 'update', %s, o.batch_id FROM %s AND (%s)`,
			t.name, strings.Join(cols, ", "), l.batch, prefixed("o", cols), l.twinsJoin(), changed)); err != nil {
			return fmt.Errorf("keep replaced rows: %w", err)
		}
	}
	if res.Unchanged > 0 {
		// Their keys first, then the rows: a DELETE joining the table with
		// itself would build its hash table on the stored rows.
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`CREATE TEMP TABLE load_same AS SELECT %s FROM %s AND NOT (%s)`,
			prefixed("n", t.keys), l.twinsJoin(), changed)); err != nil {
			return fmt.Errorf("drop unchanged rows: %w", err)
		}
		l.temps = append(l.temps, "load_same")
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s n USING load_same s WHERE %s AND %s`,
			t.name, l.newRows("n"), joinOn("n", "s", t.keys))); err != nil {
			return fmt.Errorf("drop unchanged rows: %w", err)
		}
	}
	if res.Updated > 0 {
		// The twins left are the changed ones.
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s o USING %s n WHERE %s AND %s AND %s`,
			t.name, t.name, l.oldRows("o"), l.newRows("n"), joinOn("n", "o", t.keys))); err != nil {
			return fmt.Errorf("replace changed rows: %w", err)
		}
	}
	return nil
}

// rowKeySQL renders a table's row key as RowKey builds it, with its
// columns qualified by alias when one is given.
func rowKeySQL(t table, alias string) string {
	if alias != "" {
		alias += "."
	}
	switch t.name {
	case "annual_facts":
		return alias + "uscc || '|' || CAST(" + alias + "year AS VARCHAR)"
	case "monthly_facts":
		return alias + "uscc || '|' || strftime(" + alias + "month, '%Y-%m')"
	}
	return alias + "uscc"
}

// checkRepeated reports the keys the load's own index saw more than once.
// With acceptValid it drops every row of such a key (which of them is
// right cannot be known); otherwise it fails naming them.
func (l *Load) checkRepeated(acceptValid bool) ([]RowProblem, error) {
	if len(l.repeated) == 0 {
		return nil, nil
	}
	t := l.table
	var problems []RowProblem
	for key, rows := range l.repeated {
		list := make([]string, len(rows))
		for i, r := range rows {
			list[i] = strconv.FormatInt(r, 10)
		}
		text := strings.ReplaceAll(key, "|", " ")
		for _, r := range rows {
			problems = append(problems, RowProblem{Row: r, Column: strings.Join(t.keys, "+"), Value: text,
				Message:   fmt.Sprintf("%s appears more than once in the file (rows %s)", text, strings.Join(list, ", ")),
				MessageZh: fmt.Sprintf("%s 在文件中重复出现（第 %s 行）", text, strings.Join(list, "、"))})
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Row < problems[j].Row })
	if !acceptValid {
		return problems, indus.Errorf(indus.EInvalid, "%s: the same %s appears more than once: %s; nothing was imported",
			l.meta.FileName, strings.Join(t.keys, " + "), listProblems(problems)).
			Zh("%s：同一 %s 在文件中出现多次：%s；未导入任何数据", l.meta.FileName, strings.Join(t.keys, " + "), listProblems(problems))
	}
	// The load's rows: its own in the fact table, or the staging table.
	from, where := t.name, l.newRows(t.name)
	if !l.direct {
		from, where = l.stage, "true"
	}
	for key := range l.repeated {
		res, err := l.conn.ExecContext(l.ctx, fmt.Sprintf(`DELETE FROM %s WHERE %s AND %s = ?`, from, where, rowKeySQL(t, "")), key)
		if err != nil {
			return problems, err
		}
		n, _ := res.RowsAffected()
		l.kept -= n
	}
	return problems, nil
}

// summarizeFirms reads a direct load's rows once, to the temporary table
// load_firms: a row per firm, with (for annual facts) the least positive
// and the greatest value of each column the slip check looks at. The
// enterprise check then looks at firms, not rows, and the slip check at
// the few firms whose values spread widely enough to hold a slip.
func (l *Load) summarizeFirms() error {
	aggs := ""
	if l.table.name == "annual_facts" {
		aggs = ", " + slipBounds("n")
	}
	if _, err := l.conn.ExecContext(l.ctx, fmt.Sprintf(`CREATE TEMP TABLE load_firms AS SELECT n.uscc%s FROM %s n WHERE %s GROUP BY n.uscc`,
		aggs, l.table.name, l.newRows("n"))); err != nil {
		return fmt.Errorf("summarise the file's enterprises: %w", err)
	}
	l.temps = append(l.temps, "load_firms")
	return nil
}

// checkEnterprisesExist finds facts whose enterprise is not in the
// database; with acceptValid it drops them, otherwise it fails.
func (l *Load) checkEnterprisesExist(acceptValid bool) ([]RowProblem, error) {
	unknown := `SELECT uscc FROM load_firms f WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = f.uscc)`
	var firms int64
	if err := l.conn.QueryRowContext(l.ctx, `SELECT count(*) FROM (`+unknown+`)`).Scan(&firms); err != nil {
		return nil, fmt.Errorf("check enterprises: %w", err)
	}
	if firms == 0 {
		return nil, nil
	}
	missing := fmt.Sprintf(`FROM %s n WHERE %s AND n.uscc IN (%s)`, l.table.name, l.newRows("n"), unknown)
	rows, err := l.conn.QueryContext(l.ctx, `SELECT n.uscc, `+rowKeySQL(l.table, "n")+` `+missing)
	if err != nil {
		return nil, fmt.Errorf("check enterprises: %w", err)
	}
	var problems []RowProblem
	for rows.Next() {
		var uscc, key string
		if err := rows.Scan(&uscc, &key); err != nil {
			rows.Close()
			return nil, err
		}
		problems = append(problems, RowProblem{Row: l.sourceRow(key), Column: "uscc", Value: uscc,
			Message:   "no enterprise with this code exists; import it with the enterprise list first",
			MessageZh: "不存在该统一社会信用代码的企业，请先导入企业名录"})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Row < problems[j].Row })
	if !acceptValid {
		return problems, indus.Errorf(indus.EInvalid, "%s: facts for enterprises that do not exist (import enterprises first): %s; nothing was imported",
			l.meta.FileName, listProblems(problems)).
			Zh("%s：数据所属企业不存在（请先导入企业名录）：%s；未导入任何数据", l.meta.FileName, listProblems(problems))
	}
	res, err := l.conn.ExecContext(l.ctx, `DELETE `+missing)
	if err != nil {
		return problems, err
	}
	n, _ := res.RowsAffected()
	l.kept -= n
	_, err = l.conn.ExecContext(l.ctx, `DELETE FROM load_firms f WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = f.uscc)`)
	return problems, err
}

// listProblems names the first few problem rows for an error message.
func listProblems(ps []RowProblem) string {
	var parts []string
	for i, p := range ps {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(ps)-maxListed))
			break
		}
		parts = append(parts, fmt.Sprintf("row %d (%s)", p.Row, p.Value))
	}
	return strings.Join(parts, ", ")
}

func joinOn(a, b string, keys []string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s.%s = %s.%s", a, k, b, k))
	}
	return strings.Join(parts, " AND ")
}

func distinctAny(a, b string, cols []string) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, fmt.Sprintf("%s.%s IS DISTINCT FROM %s.%s", a, c, b, c))
	}
	return strings.Join(parts, " OR ")
}

func prefixed(a string, cols []string) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, a+"."+c)
	}
	return strings.Join(parts, ", ")
}
