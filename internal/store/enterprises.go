package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/indus"
)

// The enterprise list and profile (issue 8 item 2, used by the dashboard):
// search, filter, sort and page through enterprises with one year of their
// figures, and read one enterprise with all its facts. Filtering, sorting
// and paging happen in SQL, so a page costs the same on the city and the
// national dataset.

// EnterpriseFilter selects enterprises. The zero value selects all.
type EnterpriseFilter struct {
	// Query matches a substring of the name or the USCC, ignoring case.
	Query string
	// UnitCodes keeps enterprises of these evaluation units; empty = all.
	UnitCodes []string
	// USCCs, when not nil, keeps only these enterprises (e.g. the members
	// of a cluster); an empty non-nil slice selects none.
	USCCs []string
	// ClusterSystem and ClusterID keep the members of a cluster as the
	// latest assignment stored them (cluster_memberships); the caller
	// checks that the assignment is current.
	ClusterSystem, ClusterID string
	// AboveSize keeps enterprises above (true) or below (false) designated
	// size; nil keeps both.
	AboveSize *bool
	// Industry keeps enterprises whose GB/T 4754 class starts with this
	// code (a division, group or class); a section letter keeps the whole
	// section.
	Industry string
}

// EnterpriseSort names the columns the list can be sorted by.
var EnterpriseSort = []string{"name", "uscc", "unit", "industry", "above_size", "founded", "land",
	"revenue", "output", "value_added", "tax", "employees", "tax_per_mu", "va_per_mu"}

// enterpriseSortSQL maps a sort key to its SQL expression; the keys are
// the only way a caller influences ORDER BY.
var enterpriseSortSQL = map[string]string{
	"name": "e.name", "uscc": "e.uscc", "unit": "e.unit_code", "industry": "e.industry_code",
	"above_size": "e.above_size", "founded": "e.founded", "land": "land",
	"revenue": "a.revenue", "output": "a.output_value", "value_added": "a.value_added", "tax": "a.tax",
	"employees": "a.employees", "tax_per_mu": "tax_per_mu", "va_per_mu": "va_per_mu",
}

// EnterpriseListQuery is a page of the enterprise list.
type EnterpriseListQuery struct {
	EnterpriseFilter
	// Year of the figures shown with each enterprise; 0 shows none.
	Year int
	// Sort is one of EnterpriseSort (default name); Desc reverses it.
	// Missing values sort last either way; ties break on the USCC.
	Sort string
	Desc bool
	// Limit and Offset page the list; Limit 0 means no limit.
	Limit, Offset int
}

// EnterpriseListRow is one enterprise in a list, with the figures of the
// requested year (nil when not reported).
type EnterpriseListRow struct {
	USCC         string     `json:"uscc"`
	Name         string     `json:"name"`
	UnitCode     string     `json:"unit_code"`
	Park         string     `json:"park,omitempty"`
	IndustryCode string     `json:"industry_code"`
	AboveSize    bool       `json:"above_size"`
	Founded      *time.Time `json:"founded,omitempty"`
	LandMu       *float64   `json:"land_mu"`
	Revenue      *float64   `json:"revenue"`
	OutputValue  *float64   `json:"output_value"`
	ValueAdded   *float64   `json:"value_added"`
	Tax          *float64   `json:"tax"`
	Employees    *float64   `json:"employees"`
	TaxPerMu     *float64   `json:"tax_per_mu"`
	VAPerMu      *float64   `json:"va_per_mu"`
}

// escapeLike escapes the wildcard characters of a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// where builds the WHERE clause of a filter over enterprises e, within the
// caller's territory.
func (f EnterpriseFilter) where(sc indus.Scope) (string, []any) {
	var conds []string
	var args []any
	if !sc.All {
		pred, a := scopeSQL(sc, "e")
		conds, args = append(conds, pred), append(args, a...)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := "%" + escapeLike(q) + "%"
		conds = append(conds, `(e.name ILIKE ? ESCAPE '\' OR e.uscc ILIKE ? ESCAPE '\')`)
		args = append(args, p, p)
	}
	if len(f.UnitCodes) > 0 {
		conds = append(conds, "e.unit_code IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.UnitCodes)), ", ")+")")
		for _, u := range f.UnitCodes {
			args = append(args, u)
		}
	}
	if f.USCCs != nil {
		if len(f.USCCs) == 0 {
			conds = append(conds, "FALSE")
		} else {
			conds = append(conds, "e.uscc IN (SELECT unnest(?::VARCHAR[]))")
			args = append(args, f.USCCs)
		}
	}
	if f.ClusterID != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM cluster_memberships m WHERE m.system_id = ? AND m.cluster_id = ? AND m.uscc = e.uscc)")
		args = append(args, f.ClusterSystem, f.ClusterID)
	}
	if f.AboveSize != nil {
		conds = append(conds, "e.above_size = ?")
		args = append(args, *f.AboveSize)
	}
	if ind := strings.TrimSpace(f.Industry); ind != "" {
		if lo, hi, ok := sectionDivisions(ind); ok {
			conds = append(conds, "substr(e.industry_code, 1, 2) BETWEEN ? AND ?")
			args = append(args, lo, hi)
		} else {
			conds = append(conds, `e.industry_code LIKE ? ESCAPE '\'`)
			args = append(args, escapeLike(ind)+"%")
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// sectionDivisions returns the first and last division of a GB/T 4754
// section letter (B: 06–12 …); ok is false for anything else.
func sectionDivisions(code string) (lo, hi string, ok bool) {
	sections := map[string][2]string{
		"A": {"01", "05"}, "B": {"06", "12"}, "C": {"13", "43"}, "D": {"44", "46"}, "E": {"47", "50"},
		"F": {"51", "52"}, "G": {"53", "60"}, "H": {"61", "62"}, "I": {"63", "65"}, "J": {"66", "69"},
		"K": {"70", "70"}, "L": {"71", "72"}, "M": {"73", "75"}, "N": {"76", "79"}, "O": {"80", "82"},
		"P": {"83", "83"}, "Q": {"84", "85"}, "R": {"86", "90"}, "S": {"91", "96"}, "T": {"97", "97"},
	}
	r, ok := sections[strings.ToUpper(code)]
	return r[0], r[1], ok
}

const enterpriseListSelect = `SELECT e.uscc, e.name, e.unit_code, coalesce(e.park, ''), coalesce(e.industry_code, ''), e.above_size, e.founded,
	coalesce(a.land_mu, e.land_mu) AS land, a.revenue, a.output_value, a.value_added, a.tax, a.employees,
	CASE WHEN coalesce(a.land_mu, e.land_mu) > 0 THEN a.tax / coalesce(a.land_mu, e.land_mu) END AS tax_per_mu,
	CASE WHEN coalesce(a.land_mu, e.land_mu) > 0 THEN a.value_added / coalesce(a.land_mu, e.land_mu) END AS va_per_mu
	FROM enterprises e LEFT JOIN annual_facts a ON a.uscc = e.uscc AND a.year = ?`

// ListEnterprises returns one page of the enterprises matching the query
// and how many match in all. One scan gives both (a window count), so a
// search costs one pass over the table, not two.
func (s *Store) ListEnterprises(ctx context.Context, q EnterpriseListQuery) ([]EnterpriseListRow, int64, error) {
	var out []EnterpriseListRow
	total := int64(-1)
	err := s.scanEnterprises(ctx, q, true, func(r EnterpriseListRow, n int64) error {
		out = append(out, r)
		total = n
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if total < 0 { // no row on this page: count separately
		where, args := q.where(indus.ScopeFrom(ctx))
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM enterprises e"+where, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count enterprises: %w", err)
		}
	}
	return out, total, nil
}

// ScanEnterprises streams the enterprises matching the query, in its
// order, to fn (exports use it with Limit 0).
func (s *Store) ScanEnterprises(ctx context.Context, q EnterpriseListQuery, fn func(EnterpriseListRow) error) error {
	return s.scanEnterprises(ctx, q, false, func(r EnterpriseListRow, _ int64) error { return fn(r) })
}

func (s *Store) scanEnterprises(ctx context.Context, q EnterpriseListQuery, withTotal bool, fn func(EnterpriseListRow, int64) error) error {
	where, args := q.where(indus.ScopeFrom(ctx))
	sortKey := q.Sort
	if sortKey == "" {
		sortKey = "name"
	}
	expr, ok := enterpriseSortSQL[sortKey]
	if !ok {
		return indus.Errorf(indus.EInvalid, "cannot sort enterprises by %q; use one of %s", q.Sort, strings.Join(EnterpriseSort, ", "))
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	sel := enterpriseListSelect
	if withTotal {
		sel = strings.Replace(sel, "SELECT ", "SELECT count(*) OVER () AS total, ", 1)
	}
	query := sel + where + fmt.Sprintf(" ORDER BY %s %s NULLS LAST, e.uscc", expr, dir)
	all := append([]any{q.Year}, args...)
	if q.Limit > 0 {
		query += " LIMIT ? OFFSET ?"
		all = append(all, q.Limit, q.Offset)
	}
	rows, err := s.db.QueryContext(ctx, query, all...)
	if err != nil {
		return fmt.Errorf("list enterprises: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r EnterpriseListRow
		var founded sql.NullTime
		var total int64
		dst := []any{&r.USCC, &r.Name, &r.UnitCode, &r.Park, &r.IndustryCode, &r.AboveSize, &founded,
			&r.LandMu, &r.Revenue, &r.OutputValue, &r.ValueAdded, &r.Tax, &r.Employees, &r.TaxPerMu, &r.VAPerMu}
		if withTotal {
			dst = append([]any{&total}, dst...)
		}
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		if founded.Valid {
			t := founded.Time
			r.Founded = &t
		}
		if err := fn(r, total); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EnterpriseRecord is one enterprise as stored, with the import batch that
// last wrote it.
type EnterpriseRecord struct {
	indus.Enterprise
	BatchID int64
}

// EnterpriseByUSCC returns one enterprise; an unknown USCC is a not-found
// error.
func (s *Store) EnterpriseByUSCC(ctx context.Context, uscc string) (EnterpriseRecord, error) {
	var r EnterpriseRecord
	if err := s.requireInScope(ctx, uscc); err != nil {
		return r, err
	}
	var park, code, scope, source sql.NullString
	var founded sql.NullTime
	var land sql.NullFloat64
	err := s.db.QueryRowContext(ctx, `SELECT uscc, name, unit_code, park, industry_code, business_scope, above_size, founded, land_mu, land_source, batch_id
		FROM enterprises WHERE uscc = ?`, uscc).Scan(&r.USCC, &r.Name, &r.UnitCode, &park, &code, &scope, &r.AboveSize, &founded, &land, &source, &r.BatchID)
	if err == sql.ErrNoRows {
		return r, indus.Errorf(indus.ENotFound, "there is no enterprise with USCC %q", uscc)
	}
	if err != nil {
		return r, fmt.Errorf("read enterprise %s: %w", uscc, err)
	}
	r.Park, r.IndustryCode, r.BusinessScope, r.LandSource = park.String, code.String, scope.String, indus.LandSource(source.String)
	if founded.Valid {
		r.Founded = founded.Time
	}
	if land.Valid {
		v := land.Float64
		r.LandMu = &v
	}
	return r, nil
}

// EnterpriseAnnual returns an enterprise's annual facts, oldest year first.
func (s *Store) EnterpriseAnnual(ctx context.Context, uscc string) ([]indus.AnnualFact, error) {
	if err := s.requireInScope(ctx, uscc); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT year, land_mu, revenue, output_value, value_added, tax, energy_tce, electricity_kwh,
		emissions_t, rd_spend, employees, safety_accident, env_violation, under_construction, utility
		FROM annual_facts WHERE uscc = ? ORDER BY year`, uscc)
	if err != nil {
		return nil, fmt.Errorf("read annual facts of %s: %w", uscc, err)
	}
	defer rows.Close()
	// Annual facts hold tax, energy and emissions: a confidential read.
	indus.NoteViewed(ctx, uscc)
	var out []indus.AnnualFact
	for rows.Next() {
		f := indus.AnnualFact{USCC: uscc}
		if err := rows.Scan(&f.Year, &f.LandMu, &f.Revenue, &f.OutputValue, &f.ValueAdded, &f.Tax, &f.EnergyTCE, &f.ElectricityKWh,
			&f.EmissionsT, &f.RDSpend, &f.Employees, &f.SafetyAccident, &f.EnvViolation, &f.UnderConstruction, &f.Utility); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// EnterpriseMonthly returns an enterprise's monthly facts, oldest first.
func (s *Store) EnterpriseMonthly(ctx context.Context, uscc string) ([]indus.MonthlyFact, error) {
	if err := s.requireInScope(ctx, uscc); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT month, output_value, revenue, electricity_kwh, employees
		FROM monthly_facts WHERE uscc = ? ORDER BY month`, uscc)
	if err != nil {
		return nil, fmt.Errorf("read monthly facts of %s: %w", uscc, err)
	}
	defer rows.Close()
	var out []indus.MonthlyFact
	for rows.Next() {
		f := indus.MonthlyFact{USCC: uscc}
		var m time.Time
		if err := rows.Scan(&m, &f.OutputValue, &f.Revenue, &f.ElectricityKWh, &f.Employees); err != nil {
			return nil, err
		}
		f.Month = indus.Month{Year: m.Year(), Month: m.Month()}
		out = append(out, f)
	}
	return out, rows.Err()
}

// EnterpriseIndustryCodes returns the distinct 2-digit divisions of the
// enterprises' industry codes, ascending (for filter menus).
func (s *Store) EnterpriseIndustryCodes(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT substr(industry_code, 1, 2) AS d FROM enterprises
		WHERE industry_code IS NOT NULL AND length(industry_code) >= 2 ORDER BY d`)
	if err != nil {
		return nil, fmt.Errorf("list industry divisions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DataStamp identifies the state of the data the pages show: it changes
// with every import, undo, cluster assignment, membership override and
// evaluation run, so caches keyed on it never serve stale figures. AsOf
// is when the newest import batch finished or was undone (zero with no
// data).
type DataStamp struct {
	LastBatch int64
	Undone    int64
	// Derived is the state of what is computed from the imports and
	// stored: assignments, overrides, evaluation runs.
	Derived string
	AsOf    time.Time
}

// Key is the stamp as a cache key.
func (d DataStamp) Key() string { return fmt.Sprintf("%d/%d/%s", d.LastBatch, d.Undone, d.Derived) }

// DataStamp reads the current data stamp.
func (s *Store) DataStamp(ctx context.Context) (DataStamp, error) {
	var d DataStamp
	var asOf sql.NullTime
	var assign, over, revoked, runs int64
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(max(id), 0) FROM import_batches), (SELECT count(undone_at) FROM import_batches),
		(SELECT max(coalesce(undone_at, finished_at)) FROM import_batches),
		(SELECT coalesce(max(id), 0) FROM cluster_assignments), (SELECT coalesce(max(id), 0) FROM cluster_overrides),
		(SELECT count(revoked_at) FROM cluster_overrides), (SELECT coalesce(max(id), 0) FROM evaluation_runs)`).
		Scan(&d.LastBatch, &d.Undone, &asOf, &assign, &over, &revoked, &runs)
	if err != nil {
		return d, fmt.Errorf("read data stamp: %w", err)
	}
	d.Derived = fmt.Sprintf("a%d.o%d.r%d.e%d", assign, over, revoked, runs)
	if asOf.Valid {
		d.AsOf = asOf.Time
	}
	return d, nil
}
