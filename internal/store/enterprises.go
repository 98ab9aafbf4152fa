package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

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

// caseless reports whether no character of s has a case variant (Chinese
// characters, digits, most punctuation). For such a search ILIKE '%s%'
// and a plain substring test select the same rows: ILIKE compares
// lower(value) with lower(pattern), lower maps one code point to one code
// point, and no code point lowers to a character without case variants
// except itself, so a caseless substring of lower(value) stands at the
// same place, unchanged, in value. The substring test skips lowering
// every name, which was most of a search's time (9 of 13 ms on the city,
// 150 of 190 ms on the national dataset): names are Chinese, so ILIKE
// cannot take its ASCII shortcut.
func caseless(s string) bool {
	for _, r := range s {
		if unicode.SimpleFold(r) != r || unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) {
			return false
		}
	}
	return true
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
		if caseless(q) {
			// A substring test: what LIKE '%q%' (escaped) means, without
			// a pattern to match (strpos is in DuckDB and PostgreSQL).
			conds = append(conds, `(strpos(e.name, ?) > 0 OR strpos(e.uscc, ?) > 0)`)
			args = append(args, q, q)
		} else {
			p := "%" + escapeLike(q) + "%"
			conds = append(conds, `(e.name ILIKE ? ESCAPE '\' OR e.uscc ILIKE ? ESCAPE '\')`)
			args = append(args, p, p)
		}
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
		} else if joined, ok := joinCodes(f.USCCs); ok {
			// One string, split by the database: binding a list of 61,440
			// codes (a cluster on the national dataset) cost 30 ms, this
			// under 1 ms, and the semi-join halves.
			conds = append(conds, "e.uscc IN (SELECT unnest(string_to_array(?, chr(10))))")
			args = append(args, joined)
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

// joinCodes joins codes with line feeds; ok is false when a code is empty
// or holds a line feed (then splitting would not give the codes back).
func joinCodes(codes []string) (string, bool) {
	for _, c := range codes {
		if c == "" || strings.ContainsRune(c, '\n') {
			return "", false
		}
	}
	return strings.Join(codes, "\n"), true
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

// enterpriseListCols are the list's columns over enterprises e and the
// year's annual facts a.
const enterpriseListCols = `e.uscc, e.name, e.unit_code, coalesce(e.park, ''), coalesce(e.industry_code, ''), e.above_size, e.founded,
	coalesce(a.land_mu, e.land_mu) AS land, a.revenue, a.output_value, a.value_added, a.tax, a.employees,
	CASE WHEN coalesce(a.land_mu, e.land_mu) > 0 THEN a.tax / coalesce(a.land_mu, e.land_mu) END AS tax_per_mu,
	CASE WHEN coalesce(a.land_mu, e.land_mu) > 0 THEN a.value_added / coalesce(a.land_mu, e.land_mu) END AS va_per_mu`

// enterpriseListSelect is the list over every enterprise (exports).
const enterpriseListSelect = `SELECT ` + enterpriseListCols + `
	FROM enterprises e LEFT JOIN annual_facts a ON a.uscc = e.uscc AND a.year = ?`

// enterpriseNarrowCols are the enterprise columns the list shows (not the
// long business scope).
const enterpriseNarrowCols = `e.uscc, e.name, e.unit_code, e.park, e.industry_code, e.above_size, e.founded, e.land_mu`

// enterpriseSortOwnColumn are the sort keys that need no annual facts.
var enterpriseSortOwnColumn = map[string]bool{"name": true, "uscc": true, "unit": true, "industry": true, "above_size": true, "founded": true}

// enterpriseSortAnnualColumn maps the sort keys that are one column of
// annual_facts to that column.
var enterpriseSortAnnualColumn = map[string]string{"revenue": "revenue", "output": "output_value", "value_added": "value_added", "tax": "tax", "employees": "employees"}

// ListEnterprises returns one page of the enterprises matching the query
// and how many match in all.
//
// A page is cheap on the national dataset (a million enterprises, six
// million annual rows) because it never joins more rows than it must:
//   - the count is counted on enterprises alone (the join with one year of
//     annual facts keeps one row per enterprise), which costs nothing
//     without a filter; with one, it is taken from the filtered rows
//     the page is sorted from, materialised once;
//   - a filter is applied before the join with the annual facts (DuckDB
//     would otherwise join every enterprise and filter afterwards);
//   - sorted by one of the enterprise's own columns, the page is cut
//     before the join, which then joins a page of rows;
//   - unfiltered and sorted by one annual figure (the list's default,
//     revenue), the page is the top of that year's annual facts, when
//     every one of those firms exists (checked; else the general query).
//
// No count(*) OVER () window: over the whole join it cost more than the
// page (120 of 290 ms on the national dataset).
func (s *Store) ListEnterprises(ctx context.Context, q EnterpriseListQuery) ([]EnterpriseListRow, int64, error) {
	sortKey, expr, dir, err := q.order()
	if err != nil {
		return nil, 0, err
	}
	where, args := q.where(indus.ScopeFrom(ctx))
	if q.Limit <= 0 { // every row: the count is the number of rows
		var out []EnterpriseListRow
		err := s.scanEnterprises(ctx, q, func(r EnterpriseListRow) error {
			out = append(out, r)
			return nil
		})
		return out, int64(len(out)), err
	}
	var out []EnterpriseListRow
	total := int64(-1)
	collect := func(r EnterpriseListRow) { out = append(out, r) }
	switch {
	case where == "":
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM enterprises").Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count enterprises: %w", err)
		}
		if col, ok := enterpriseSortAnnualColumn[sortKey]; ok {
			rows, ok, err := s.topByAnnual(ctx, q, col, dir)
			if err != nil {
				return nil, 0, err
			}
			if ok {
				return rows, total, nil
			}
		}
		var query string
		var all []any
		if enterpriseSortOwnColumn[sortKey] {
			// Cut the page from the enterprises, then join it.
			query = `WITH p AS (SELECT ` + enterpriseNarrowCols + ` FROM enterprises e ORDER BY ` + expr + ` ` + dir + ` NULLS LAST, e.uscc LIMIT ? OFFSET ?)
				SELECT ` + enterpriseListCols + ` FROM p e LEFT JOIN annual_facts a ON a.uscc = e.uscc AND a.year = ?
				ORDER BY ` + expr + ` ` + dir + ` NULLS LAST, e.uscc`
			all = []any{q.Limit, q.Offset, q.Year}
		} else {
			query = enterpriseListSelect + ` ORDER BY ` + expr + ` ` + dir + ` NULLS LAST, e.uscc LIMIT ? OFFSET ?`
			all = []any{q.Year, q.Limit, q.Offset}
		}
		if err := s.queryEnterpriseRows(ctx, query, all, false, func(r EnterpriseListRow, _ int64) { collect(r) }); err != nil {
			return nil, 0, err
		}
		return out, total, nil
	default:
		// Filter first (materialised, so that it runs once for the page
		// and the count), then join the survivors with the year's facts.
		query := `WITH f AS MATERIALIZED (SELECT ` + enterpriseNarrowCols + ` FROM enterprises e` + where + `)
			SELECT (SELECT count(*) FROM f) AS total, ` + enterpriseListCols + `
			FROM f e LEFT JOIN annual_facts a ON a.uscc = e.uscc AND a.year = ?
			ORDER BY ` + expr + ` ` + dir + ` NULLS LAST, e.uscc LIMIT ? OFFSET ?`
		all := append(args, q.Year, q.Limit, q.Offset)
		if err := s.queryEnterpriseRows(ctx, query, all, true, func(r EnterpriseListRow, n int64) { collect(r); total = n }); err != nil {
			return nil, 0, err
		}
	}
	if total < 0 { // no row on this page: count separately
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM enterprises e"+where, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count enterprises: %w", err)
		}
	}
	return out, total, nil
}

// topByAnnual answers an unfiltered page sorted by one annual column col
// from the year's annual facts alone: the first Offset+Limit facts with a
// value, in order, are the first rows of the list when each belongs to an
// enterprise (enterprises without a value sort after them). ok is false
// when that does not hold (too few values, a fact without its
// enterprise); the caller then runs the general query. The enterprises
// are read by their primary key, and the derived columns are worked out
// as enterpriseListCols does: joining the candidates with enterprises in
// SQL scans every enterprise (40 ms on the national dataset).
func (s *Store) topByAnnual(ctx context.Context, q EnterpriseListQuery, col, dir string) ([]EnterpriseListRow, bool, error) {
	n := q.Offset + q.Limit
	rows, err := s.db.QueryContext(ctx, `SELECT uscc, land_mu, revenue, output_value, value_added, tax, employees FROM annual_facts
		WHERE year = ? AND `+col+` IS NOT NULL ORDER BY `+col+` `+dir+`, uscc LIMIT ?`, q.Year, n)
	if err != nil {
		return nil, false, fmt.Errorf("list enterprises: %w", err)
	}
	type fact struct {
		uscc                                      string
		land, revenue, output, va, tax, employees *float64
	}
	var cands []fact
	for rows.Next() {
		var f fact
		if err := rows.Scan(&f.uscc, &f.land, &f.revenue, &f.output, &f.va, &f.tax, &f.employees); err != nil {
			rows.Close()
			return nil, false, err
		}
		cands = append(cands, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(cands) < n {
		return nil, false, nil
	}
	usccs := make([]string, len(cands))
	for i, f := range cands {
		usccs[i] = f.uscc
	}
	var found int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM enterprises WHERE uscc IN (SELECT unnest(?::VARCHAR[]))`, usccs).Scan(&found); err != nil {
		return nil, false, fmt.Errorf("list enterprises: %w", err)
	}
	if found != int64(len(cands)) {
		return nil, false, nil
	}
	page := cands[q.Offset:]
	byUSCC := make(map[string]EnterpriseListRow, len(page))
	rows, err = s.db.QueryContext(ctx, `SELECT e.uscc, e.name, e.unit_code, coalesce(e.park, ''), coalesce(e.industry_code, ''), e.above_size, e.founded, e.land_mu
		FROM enterprises e WHERE e.uscc IN (SELECT unnest(?::VARCHAR[]))`, usccs[q.Offset:])
	if err != nil {
		return nil, false, fmt.Errorf("list enterprises: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r EnterpriseListRow
		var founded sql.NullTime
		if err := rows.Scan(&r.USCC, &r.Name, &r.UnitCode, &r.Park, &r.IndustryCode, &r.AboveSize, &founded, &r.LandMu); err != nil {
			return nil, false, err
		}
		if founded.Valid {
			t := founded.Time
			r.Founded = &t
		}
		byUSCC[r.USCC] = r
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	out := make([]EnterpriseListRow, 0, len(page))
	for _, f := range page {
		r, ok := byUSCC[f.uscc]
		if !ok { // removed since the check: answer with the general query
			return nil, false, nil
		}
		// As enterpriseListCols: the year's land, else the enterprise's;
		// per mu only on a positive area.
		if f.land != nil {
			r.LandMu = f.land
		}
		r.Revenue, r.OutputValue, r.ValueAdded, r.Tax, r.Employees = f.revenue, f.output, f.va, f.tax, f.employees
		if r.LandMu != nil && *r.LandMu > 0 {
			if f.tax != nil {
				v := *f.tax / *r.LandMu
				r.TaxPerMu = &v
			}
			if f.va != nil {
				v := *f.va / *r.LandMu
				r.VAPerMu = &v
			}
		}
		out = append(out, r)
	}
	return out, true, nil
}

// ScanEnterprises streams the enterprises matching the query, in its
// order, to fn (exports use it with Limit 0).
func (s *Store) ScanEnterprises(ctx context.Context, q EnterpriseListQuery, fn func(EnterpriseListRow) error) error {
	return s.scanEnterprises(ctx, q, fn)
}

// order returns the query's sort key, its SQL expression and direction.
func (q EnterpriseListQuery) order() (key, expr, dir string, err error) {
	key = q.Sort
	if key == "" {
		key = "name"
	}
	expr, ok := enterpriseSortSQL[key]
	if !ok {
		return "", "", "", indus.Errorf(indus.EInvalid, "cannot sort enterprises by %q; use one of %s", q.Sort, strings.Join(EnterpriseSort, ", ")).
			Zh("不能按 %q 排序企业；可用：%s", q.Sort, strings.Join(EnterpriseSort, ", "))
	}
	dir = "ASC"
	if q.Desc {
		dir = "DESC"
	}
	return key, expr, dir, nil
}

// scanEnterprises is the straightforward query: every enterprise matching
// the filter joined with the year's facts, sorted and paged.
func (s *Store) scanEnterprises(ctx context.Context, q EnterpriseListQuery, fn func(EnterpriseListRow) error) error {
	_, expr, dir, err := q.order()
	if err != nil {
		return err
	}
	where, args := q.where(indus.ScopeFrom(ctx))
	query := enterpriseListSelect + where + fmt.Sprintf(" ORDER BY %s %s NULLS LAST, e.uscc", expr, dir)
	all := append([]any{q.Year}, args...)
	if q.Limit > 0 {
		query += " LIMIT ? OFFSET ?"
		all = append(all, q.Limit, q.Offset)
	}
	var ferr error
	err = s.queryEnterpriseRows(ctx, query, all, false, func(r EnterpriseListRow, _ int64) {
		if ferr == nil {
			ferr = fn(r)
		}
	})
	if err != nil {
		return err
	}
	return ferr
}

// queryEnterpriseRows runs a list query (its columns enterpriseListCols,
// after a total when withTotal) and hands each row to fn.
func (s *Store) queryEnterpriseRows(ctx context.Context, query string, args []any, withTotal bool, fn func(EnterpriseListRow, int64)) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("list enterprises: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var total int64
		var lead []any
		if withTotal {
			lead = []any{&total}
		}
		r, err := scanEnterpriseRow(rows, lead...)
		if err != nil {
			return err
		}
		fn(r, total)
	}
	return rows.Err()
}

// scanEnterpriseRow reads the enterpriseListCols of a row, after the
// leading columns lead.
func scanEnterpriseRow(rows *sql.Rows, lead ...any) (EnterpriseListRow, error) {
	var r EnterpriseListRow
	var founded sql.NullTime
	dst := append(lead, &r.USCC, &r.Name, &r.UnitCode, &r.Park, &r.IndustryCode, &r.AboveSize, &founded,
		&r.LandMu, &r.Revenue, &r.OutputValue, &r.ValueAdded, &r.Tax, &r.Employees, &r.TaxPerMu, &r.VAPerMu)
	if err := rows.Scan(dst...); err != nil {
		return r, err
	}
	if founded.Valid {
		t := founded.Time
		r.Founded = &t
	}
	return r, nil
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
		return r, noEnterprise(uscc)
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

type dataStampKey struct{}

// stampMemo is a request's data stamp, read at its first use.
type stampMemo struct {
	mu   sync.Mutex
	read bool
	d    DataStamp
}

// WithDataStampOnce returns a context in which DataStamp answers the same
// stamp all along, the one it read first. A page consults several caches,
// each keyed by the stamp; this keeps all that one request computes under
// one state even if a write lands meanwhile (the store's own stamp cache,
// below, is what saves the queries). For requests that only read: one that
// writes must see its own change.
func WithDataStampOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, dataStampKey{}, &stampMemo{})
}

// DataStamp reads the current data stamp.
func (s *Store) DataStamp(ctx context.Context) (DataStamp, error) {
	if m, ok := ctx.Value(dataStampKey{}).(*stampMemo); ok {
		m.mu.Lock()
		defer m.mu.Unlock()
		if !m.read {
			d, err := s.readDataStamp(ctx)
			if err != nil {
				return d, err
			}
			m.d, m.read = d, true
		}
		return m.d, nil
	}
	return s.readDataStamp(ctx)
}

// stampTTL bounds how long DataStamp answers from memory. Every write that
// changes the stamp goes through this Store (DuckDB lets one process
// write) and clears it at once; the bound only limits the damage of a
// write path that forgot to. Under load, reading the stamp (seven
// subqueries) was half the server's CPU: every cached page asks for it.
const stampTTL = time.Second

// stampCache is the last data stamp read, when, and a generation that
// every write bumps, so a read that raced with a write is not kept.
type stampCache struct {
	mu  sync.Mutex
	d   DataStamp
	at  time.Time
	gen uint64
}

// dataChanged forgets the cached stamp; called after every commit that
// changes what DataStamp reads.
func (s *Store) dataChanged() {
	s.stamp.mu.Lock()
	s.stamp.at = time.Time{}
	s.stamp.gen++
	s.stamp.mu.Unlock()
}

func (s *Store) readDataStamp(ctx context.Context) (DataStamp, error) {
	s.stamp.mu.Lock()
	d, at, gen := s.stamp.d, s.stamp.at, s.stamp.gen
	s.stamp.mu.Unlock()
	if !at.IsZero() && time.Since(at) < stampTTL {
		return d, nil
	}
	d, err := s.queryDataStamp(ctx)
	if err != nil {
		return d, err
	}
	s.stamp.mu.Lock()
	if s.stamp.gen == gen {
		s.stamp.d, s.stamp.at = d, time.Now()
	}
	s.stamp.mu.Unlock()
	return d, nil
}

func (s *Store) queryDataStamp(ctx context.Context) (DataStamp, error) {
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
