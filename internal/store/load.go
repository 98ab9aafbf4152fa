package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/indus-platform/indus/internal/indus"
)

// LoadMeta describes the file a bulk load comes from.
type LoadMeta struct {
	Kind     indus.DatasetKind
	FileName string
	SHA256   string
	User     string
	Warnings int // warnings the reader reported on accepted rows
}

// BatchResult is what a committed (or unchanged) load did.
type BatchResult struct {
	BatchID   int64 // 0 when nothing changed and no batch was recorded
	Kind      indus.DatasetKind
	Read      int64
	Inserted  int64
	Updated   int64
	Unchanged int64
}

// table describes one loadable table: its key and value columns.
type table struct {
	name   string
	keys   []string
	values []string
}

func (t table) columns() []string { return append(append([]string{}, t.keys...), t.values...) }

var tables = map[indus.DatasetKind]table{
	indus.KindEnterprises: {"enterprises", []string{"uscc"},
		[]string{"name", "unit_code", "park", "industry_code", "business_scope", "above_size", "founded", "land_mu", "land_source"}},
	indus.KindAnnual: {"annual_facts", []string{"uscc", "year"},
		[]string{"land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce", "electricity_kwh", "emissions_t",
			"rd_spend", "employees", "safety_accident", "env_violation", "under_construction", "utility"}},
	indus.KindMonthly: {"monthly_facts", []string{"uscc", "month"},
		[]string{"output_value", "revenue", "electricity_kwh", "employees"}},
}

// Load is a bulk load in progress: rows go through the Appender into a
// staging table inside one transaction; Commit checks them against the
// database and merges them, Rollback leaves the database as it was. A
// process killed mid-load leaves no trace, because nothing is committed.
type Load struct {
	ctx      context.Context
	store    *Store
	conn     *sql.Conn
	appender *duckdb.Appender
	meta     LoadMeta
	table    table
	stage    string
	started  time.Time
	rows     int64
	done     bool
}

// BeginLoad starts a bulk load of one file.
func (s *Store) BeginLoad(ctx context.Context, meta LoadMeta) (*Load, error) {
	t, ok := tables[meta.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown dataset kind %q", meta.Kind)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	l := &Load{ctx: ctx, store: s, conn: conn, meta: meta, table: t, stage: "stage_" + t.name, started: time.Now().UTC()}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		conn.Close()
		return nil, err
	}
	create := fmt.Sprintf("CREATE TEMP TABLE %s AS SELECT %s, CAST(0 AS BIGINT) AS src_row FROM %s WHERE false",
		l.stage, strings.Join(t.columns(), ", "), t.name)
	if _, err := conn.ExecContext(ctx, create); err != nil {
		l.Rollback()
		return nil, fmt.Errorf("create staging table: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", l.stage)
		l.appender = a
		return err
	})
	if err != nil {
		l.Rollback()
		return nil, fmt.Errorf("open appender: %w", err)
	}
	return l, nil
}

func nullable(p *float64) driver.Value {
	if p == nil {
		return nil
	}
	return *p
}

func nullString(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func nullDate(t time.Time) driver.Value {
	if t.IsZero() {
		return nil
	}
	return t
}

// AppendEnterprise stages one enterprise read from source row row.
func (l *Load) AppendEnterprise(row int, e *indus.Enterprise) error {
	l.rows++
	return l.appender.AppendRow(e.USCC, e.Name, e.UnitCode, nullString(e.Park), nullString(e.IndustryCode),
		nullString(e.BusinessScope), e.AboveSize, nullDate(e.Founded), nullable(e.LandMu), nullString(string(e.LandSource)), int64(row))
}

// AppendAnnual stages one annual fact.
func (l *Load) AppendAnnual(row int, f *indus.AnnualFact) error {
	l.rows++
	return l.appender.AppendRow(f.USCC, int32(f.Year), nullable(f.LandMu), nullable(f.Revenue), nullable(f.OutputValue),
		nullable(f.ValueAdded), nullable(f.Tax), nullable(f.EnergyTCE), nullable(f.ElectricityKWh), nullable(f.EmissionsT),
		nullable(f.RDSpend), nullable(f.Employees), f.SafetyAccident, f.EnvViolation, f.UnderConstruction, f.Utility, int64(row))
}

// AppendMonthly stages one monthly fact.
func (l *Load) AppendMonthly(row int, f *indus.MonthlyFact) error {
	l.rows++
	month := time.Date(f.Month.Year, f.Month.Month, 1, 0, 0, 0, 0, time.UTC)
	return l.appender.AppendRow(f.USCC, month, nullable(f.OutputValue), nullable(f.Revenue),
		nullable(f.ElectricityKWh), nullable(f.Employees), int64(row))
}

// SetWarnings records how many warnings the reader reported on accepted rows.
func (l *Load) SetWarnings(n int) { l.meta.Warnings = n }

// Rollback abandons the load; the database is as before BeginLoad.
func (l *Load) Rollback() error {
	if l.done {
		return nil
	}
	l.done = true
	if l.appender != nil {
		l.appender.Close()
	}
	_, err := l.conn.ExecContext(context.WithoutCancel(l.ctx), "ROLLBACK")
	l.conn.Close()
	return err
}

// maxListed bounds how many offending rows an error message names.
const maxListed = 10

// Commit checks the staged rows (duplicate keys in the file, facts for
// unknown enterprises), merges new and changed rows into the table and
// records the batch. When no row is new or changed it records nothing and
// returns BatchID 0. On any error the load is rolled back.
func (l *Load) Commit() (BatchResult, error) {
	res, err := l.commit()
	if err != nil {
		l.Rollback()
		return BatchResult{}, err
	}
	return res, nil
}

func (l *Load) commit() (BatchResult, error) {
	ctx, c, t := l.ctx, l.conn, l.table
	if err := l.appender.Close(); err != nil {
		return BatchResult{}, fmt.Errorf("flush staged rows: %w", err)
	}
	l.appender = nil
	if err := l.checkDuplicates(); err != nil {
		return BatchResult{}, err
	}
	if t.name != "enterprises" {
		if err := l.checkEnterprisesExist(); err != nil {
			return BatchResult{}, err
		}
	}
	keyJoin := joinOn("s", "t", t.keys)
	var inserted, updated int64
	if err := c.QueryRowContext(ctx, fmt.Sprintf(
		`SELECT count(*) FILTER (WHERE t.%[1]s IS NULL),
		        count(*) FILTER (WHERE t.%[1]s IS NOT NULL AND (%[2]s))
		 FROM %[3]s s LEFT JOIN %[4]s t ON %[5]s`,
		t.keys[0], distinctAny("s", "t", t.values), l.stage, t.name, keyJoin)).Scan(&inserted, &updated); err != nil {
		return BatchResult{}, fmt.Errorf("compare with stored rows: %w", err)
	}
	res := BatchResult{Kind: l.meta.Kind, Read: l.rows, Inserted: inserted, Updated: updated, Unchanged: l.rows - inserted - updated}
	if inserted+updated == 0 {
		// Nothing to change: leave no batch behind, so re-importing a file is a no-op.
		return res, l.Rollback()
	}
	var batch int64
	if err := c.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM import_batches`).Scan(&batch); err != nil {
		return BatchResult{}, err
	}
	cols := t.columns()
	var sets []string
	for _, v := range append(t.values, "batch_id") {
		sets = append(sets, fmt.Sprintf("%s = excluded.%s", v, v))
	}
	merge := fmt.Sprintf(`INSERT INTO %s (%s, batch_id)
		SELECT %s, ? FROM %s s
		WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s AND NOT (%s))
		ON CONFLICT (%s) DO UPDATE SET %s`,
		t.name, strings.Join(cols, ", "),
		prefixed("s", cols), l.stage,
		t.name, keyJoin, distinctAny("s", "t", t.values),
		strings.Join(t.keys, ", "), strings.Join(sets, ", "))
	if _, err := c.ExecContext(ctx, merge, batch); err != nil {
		return BatchResult{}, fmt.Errorf("merge into %s: %w", t.name, err)
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO import_batches (id, kind, file_name, file_sha256, username,
		started_at, finished_at, rows_read, rows_inserted, rows_updated, rows_unchanged, warnings)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		batch, string(l.meta.Kind), l.meta.FileName, l.meta.SHA256, l.meta.User, l.started, time.Now().UTC(),
		res.Read, res.Inserted, res.Updated, res.Unchanged, int64(l.meta.Warnings)); err != nil {
		return BatchResult{}, fmt.Errorf("record import batch: %w", err)
	}
	if _, err := c.ExecContext(ctx, "DROP TABLE "+l.stage); err != nil {
		return BatchResult{}, err
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return BatchResult{}, fmt.Errorf("commit import: %w", err)
	}
	l.done = true
	l.conn.Close()
	res.BatchID = batch
	return res, nil
}

func (l *Load) checkDuplicates() error {
	t := l.table
	rows, err := l.conn.QueryContext(l.ctx, fmt.Sprintf(
		`SELECT %s, list(src_row ORDER BY src_row)::VARCHAR FROM %s GROUP BY %s HAVING count(*) > 1 ORDER BY min(src_row) LIMIT %d`,
		keyText(t.keys), l.stage, strings.Join(t.keys, ", "), maxListed))
	if err != nil {
		return fmt.Errorf("check duplicates: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var key, srcRows string
		if err := rows.Scan(&key, &srcRows); err != nil {
			return err
		}
		problems = append(problems, fmt.Sprintf("%s on rows %s", key, srcRows))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return indus.Errorf(indus.EInvalid, "%s: the same %s appears more than once: %s; nothing was imported",
			l.meta.FileName, strings.Join(t.keys, " + "), strings.Join(problems, "; "))
	}
	return nil
}

func (l *Load) checkEnterprisesExist() error {
	rows, err := l.conn.QueryContext(l.ctx, fmt.Sprintf(
		`SELECT s.src_row, s.uscc FROM %s s WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = s.uscc)
		 ORDER BY s.src_row LIMIT %d`, l.stage, maxListed))
	if err != nil {
		return fmt.Errorf("check enterprises: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var row int64
		var uscc string
		if err := rows.Scan(&row, &uscc); err != nil {
			return err
		}
		problems = append(problems, fmt.Sprintf("row %d (%s)", row, uscc))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return indus.Errorf(indus.EInvalid, "%s: facts for enterprises that do not exist (import enterprises.csv first): %s; nothing was imported",
			l.meta.FileName, strings.Join(problems, ", "))
	}
	return nil
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

func keyText(keys []string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, "CAST("+k+" AS VARCHAR)")
	}
	return strings.Join(parts, " || ' ' || ")
}
