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
	// KeysUnique says the caller has already rejected every row whose key
	// an earlier row of the file has (the ingest readers do), so Commit
	// need not look for such rows again.
	KeysUnique bool
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

var tables = map[indus.DatasetKind]table{
	indus.KindEnterprises: {"enterprises", []string{"uscc"},
		[]string{"name", "unit_code", "park", "industry_code", "business_scope", "above_size", "founded", "land_mu", "land_source"}},
	indus.KindAnnual: {"annual_facts", []string{"uscc", "year"},
		[]string{"land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce", "electricity_kwh", "emissions_t",
			"rd_spend", "employees", "safety_accident", "env_violation", "under_construction", "utility", "above_size"}},
	indus.KindMonthly: {"monthly_facts", []string{"uscc", "month"},
		[]string{"output_value", "revenue", "electricity_kwh", "employees"}},
}

// Load is a bulk load in progress: rows go through the Appender into a
// staging table inside one transaction; Commit checks them against the
// database and merges them, Rollback leaves the database as it was. A
// process killed mid-load leaves no trace, because nothing is committed.
type Load struct {
	ctx          context.Context
	store        *Store
	conn         *sql.Conn
	appender     *duckdb.Appender
	origAppender *duckdb.Appender
	meta         LoadMeta
	table        table
	stage        string
	started      time.Time
	rows         int64
	origs        int64 // originals staged
	done         bool
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
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE stage_originals (row_key VARCHAR, column_name VARCHAR, original_value VARCHAR, original_unit VARCHAR)`); err != nil {
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

func nullBool(b *bool) driver.Value {
	if b == nil {
		return nil
	}
	return *b
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
		nullable(f.RDSpend), nullable(f.Employees), f.SafetyAccident, f.EnvViolation, f.UnderConstruction, f.Utility, nullBool(f.AboveSize), int64(row))
}

// AppendMonthly stages one monthly fact.
func (l *Load) AppendMonthly(row int, f *indus.MonthlyFact) error {
	l.rows++
	month := time.Date(f.Month.Year, f.Month.Month, 1, 0, 0, 0, 0, time.UTC)
	return l.appender.AppendRow(f.USCC, month, nullable(f.OutputValue), nullable(f.Revenue),
		nullable(f.ElectricityKWh), nullable(f.Employees), int64(row))
}

// AppendOriginal keeps a value as the file wrote it (before a unit
// conversion or normalisation) for the row with the given key: the USCC,
// "USCC|YEAR" or "USCC|YYYY-MM" (see RowKey).
func (l *Load) AppendOriginal(rowKey, column, value, unit string) error {
	if l.origAppender == nil {
		err := l.conn.Raw(func(dc any) error {
			a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "stage_originals")
			l.origAppender = a
			return err
		})
		if err != nil {
			return fmt.Errorf("open appender: %w", err)
		}
	}
	l.origs++
	return l.origAppender.AppendRow(rowKey, column, value, nullString(unit))
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
	if l.appender != nil {
		l.appender.Close()
	}
	if l.origAppender != nil {
		l.origAppender.Close()
	}
	_, err := l.conn.ExecContext(context.WithoutCancel(l.ctx), "ROLLBACK")
	l.conn.Close()
	return err
}

// maxListed bounds how many offending rows an error message names.
const maxListed = 10

// Commit checks the staged rows (duplicate keys in the file, facts for
// unknown enterprises), keeps the versions it replaces in the history
// table, merges new and changed rows and records the batch. When no row is
// new or changed, or for a dry run, it records nothing (BatchID 0). On any
// error the load is rolled back. The problems returned are the rows that
// AcceptValid dropped and the warnings (probable unit slips) on kept rows.
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
	if err := l.appender.Close(); err != nil {
		return BatchResult{}, nil, fmt.Errorf("flush staged rows: %w", err)
	}
	l.appender = nil
	if l.origAppender != nil {
		if err := l.origAppender.Close(); err != nil {
			return BatchResult{}, nil, fmt.Errorf("flush staged originals: %w", err)
		}
		l.origAppender = nil
	}
	var problems []RowProblem
	if !l.meta.KeysUnique {
		var err error
		if problems, err = l.checkDuplicates(opts.AcceptValid); err != nil {
			return BatchResult{}, problems, err
		}
	}
	if t.name != "enterprises" {
		more, err := l.checkEnterprisesExist(opts.AcceptValid)
		problems = append(problems, more...)
		if err != nil {
			return BatchResult{}, problems, err
		}
	}
	slips, err := l.checkUnitSlips()
	if err != nil {
		return BatchResult{}, problems, err
	}
	problems = append(problems, slips...)
	keyJoin := joinOn("s", "t", t.keys)
	changed := distinctAny("s", "t", t.values)
	var inserted, updated, staged int64
	if err := c.QueryRowContext(ctx, fmt.Sprintf(
		`SELECT count(*), count(*) FILTER (WHERE t.%[1]s IS NULL),
		        count(*) FILTER (WHERE t.%[1]s IS NOT NULL AND (%[2]s))
		 FROM %[3]s s LEFT JOIN %[4]s t ON %[5]s`,
		t.keys[0], changed, l.stage, t.name, keyJoin)).Scan(&staged, &inserted, &updated); err != nil {
		return BatchResult{}, problems, fmt.Errorf("compare with stored rows: %w", err)
	}
	res := BatchResult{Kind: l.meta.Kind, Read: l.rows, Inserted: inserted, Updated: updated,
		Unchanged: staged - inserted - updated, Rejected: l.rows - staged, DryRun: opts.DryRun}
	if inserted+updated == 0 || opts.DryRun {
		// Nothing to change (re-importing a file is a no-op) or only a check:
		// leave no batch behind.
		return res, problems, l.Rollback()
	}
	var batch int64
	if err := c.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM import_batches`).Scan(&batch); err != nil {
		return BatchResult{}, problems, err
	}
	if err := l.merge(batch, inserted, updated, staged); err != nil {
		return BatchResult{}, problems, err
	}
	// Originals of the rows this batch wrote.
	if l.origs > 0 {
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`INSERT INTO cell_originals (batch_id, table_name, row_key, column_name, original_value, original_unit)
			SELECT ?, ?, o.row_key, o.column_name, o.original_value, o.original_unit FROM stage_originals o
			WHERE o.row_key IN (SELECT %s FROM %s WHERE batch_id = ?)`, rowKeySQL(t), t.name),
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
	for _, tmp := range []string{l.stage, "stage_originals"} {
		if _, err := c.ExecContext(ctx, "DROP TABLE "+tmp); err != nil {
			return BatchResult{}, problems, err
		}
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return BatchResult{}, problems, fmt.Errorf("commit import: %w", err)
	}
	l.done = true
	l.conn.Close()
	res.BatchID = batch
	return res, problems, nil
}

// merge keeps the versions the staged rows replace in the history table,
// updates the changed rows and inserts the new ones under batch.
func (l *Load) merge(batch, inserted, updated, staged int64) error {
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
	// PostgreSQL. A file of new rows only (a new year) skips both joins.
	if updated > 0 {
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
	if inserted > 0 {
		newOnly := fmt.Sprintf(" WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)", t.name, keyJoin)
		if inserted == staged {
			newOnly = "" // every staged row is new (a fresh year, a first import): no anti-join
		}
		if _, err := c.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%s, batch_id) SELECT %s, ? FROM %s s%s`,
			t.name, strings.Join(cols, ", "), prefixed("s", cols), l.stage, newOnly), batch); err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
	}
	return nil
}

// rowKeySQL renders a table's row key as RowKey builds it.
func rowKeySQL(t table) string {
	switch t.name {
	case "annual_facts":
		return "uscc || '|' || CAST(year AS VARCHAR)"
	case "monthly_facts":
		return "uscc || '|' || strftime(month, '%Y-%m')"
	}
	return "uscc"
}

// checkDuplicates finds keys staged more than once. With acceptValid it
// drops every row of such a key (which of them is right cannot be known)
// and returns them as problems; otherwise it fails naming them.
func (l *Load) checkDuplicates(acceptValid bool) ([]RowProblem, error) {
	t := l.table
	keys := strings.Join(t.keys, ", ")
	var dupKeys int64
	if err := l.conn.QueryRowContext(l.ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM %s GROUP BY %s HAVING count(*) > 1)`,
		l.stage, keys)).Scan(&dupKeys); err != nil {
		return nil, fmt.Errorf("check duplicates: %w", err)
	}
	if dupKeys == 0 {
		return nil, nil
	}
	rows, err := l.conn.QueryContext(l.ctx, fmt.Sprintf(
		`SELECT s.src_row, %s, d.rows_list FROM %s s JOIN (
		   SELECT %s, list(src_row ORDER BY src_row)::VARCHAR AS rows_list FROM %s GROUP BY %s HAVING count(*) > 1) d
		 ON %s ORDER BY s.src_row`,
		keyText("s", t.keys), l.stage, keys, l.stage, keys, joinOn("s", "d", t.keys)))
	if err != nil {
		return nil, fmt.Errorf("check duplicates: %w", err)
	}
	var problems []RowProblem
	for rows.Next() {
		var row int64
		var key, list string
		if err := rows.Scan(&row, &key, &list); err != nil {
			rows.Close()
			return nil, err
		}
		problems = append(problems, RowProblem{Row: row, Column: strings.Join(t.keys, "+"), Value: key,
			Message:   fmt.Sprintf("%s appears more than once in the file (rows %s)", key, list),
			MessageZh: fmt.Sprintf("%s 在文件中重复出现（第 %s 行）", key, list)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(problems) == 0 {
		return nil, nil
	}
	if !acceptValid {
		return problems, indus.Errorf(indus.EInvalid, "%s: the same %s appears more than once: %s; nothing was imported",
			l.meta.FileName, strings.Join(t.keys, " + "), listProblems(problems)).
			Zh("%s：同一 %s 在文件中出现多次：%s；未导入任何数据", l.meta.FileName, strings.Join(t.keys, " + "), listProblems(problems))
	}
	_, err = l.conn.ExecContext(l.ctx, fmt.Sprintf(`DELETE FROM %s s WHERE (SELECT count(*) FROM %s d WHERE %s) > 1`,
		l.stage, l.stage, joinOn("s", "d", t.keys)))
	return problems, err
}

// checkEnterprisesExist finds facts whose enterprise is not in the
// database; with acceptValid it drops them, otherwise it fails.
func (l *Load) checkEnterprisesExist(acceptValid bool) ([]RowProblem, error) {
	missing := fmt.Sprintf(`FROM %s s WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = s.uscc)`, l.stage)
	rows, err := l.conn.QueryContext(l.ctx, `SELECT s.src_row, s.uscc `+missing+` ORDER BY s.src_row`)
	if err != nil {
		return nil, fmt.Errorf("check enterprises: %w", err)
	}
	var problems []RowProblem
	for rows.Next() {
		var row int64
		var uscc string
		if err := rows.Scan(&row, &uscc); err != nil {
			rows.Close()
			return nil, err
		}
		problems = append(problems, RowProblem{Row: row, Column: "uscc", Value: uscc,
			Message:   "no enterprise with this code exists; import it with the enterprise list first",
			MessageZh: "不存在该统一社会信用代码的企业，请先导入企业名录"})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(problems) == 0 {
		return nil, nil
	}
	if !acceptValid {
		return problems, indus.Errorf(indus.EInvalid, "%s: facts for enterprises that do not exist (import enterprises first): %s; nothing was imported",
			l.meta.FileName, listProblems(problems)).
			Zh("%s：数据所属企业不存在（请先导入企业名录）：%s；未导入任何数据", l.meta.FileName, listProblems(problems))
	}
	_, err = l.conn.ExecContext(l.ctx, `DELETE `+missing)
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

func keyText(alias string, keys []string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, "CAST("+alias+"."+k+" AS VARCHAR)")
	}
	return strings.Join(parts, " || ' ' || ")
}
