package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
)

// AllClusters is the pseudo-cluster of every above-size enterprise,
// counted once: the city's (or a geography's) total, against which
// shares and contributions are measured.
const AllClusters = "_all"

// PeriodSpec says which facts make up a period and the same period a
// year earlier.
type PeriodSpec struct {
	// Key names the period in the rollup table: 2024-06, ytd:2024-06, 2024.
	Key string
	// Annual periods come from the annual facts of the enterprises that
	// were above size that year; the others from the monthly facts.
	Annual bool
	Year   int
	// From and To are the first and last months of a monthly period.
	From, To indus.Month
}

func monthDate(m indus.Month) time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC) }

// firmCTE returns the common table expression "f": one row per enterprise
// with its figures in the period (_c) and a year earlier (_p), n_c and n_p
// counting the rows it reported in each.
//
// Monthly periods take the monthly survey, which covers the above-size
// industrial enterprises. Annual periods take the annual facts of the
// enterprises above size in that year: an industrial enterprise is above
// size in a year when it is in that year's monthly survey; enterprises
// outside industry (services such as software, which the survey does not
// cover), and everyone in a year without any monthly data, by their
// above_size flag.
func (s *Store) firmCTE(ctx context.Context, p PeriodSpec) (string, []any, error) {
	if !p.Annual {
		cf, ct := monthDate(p.From), monthDate(p.To)
		pf, pt := monthDate(p.From.AddMonths(-12)), monthDate(p.To.AddMonths(-12))
		return `f AS (
			SELECT uscc,
			  count(*) FILTER (WHERE c) AS n_c, count(*) FILTER (WHERE NOT c) AS n_p,
			  sum(output_value) FILTER (WHERE c) AS out_c, sum(output_value) FILTER (WHERE NOT c) AS out_p,
			  sum(revenue) FILTER (WHERE c) AS rev_c, sum(revenue) FILTER (WHERE NOT c) AS rev_p,
			  CAST(NULL AS DOUBLE PRECISION) AS va_c, CAST(NULL AS DOUBLE PRECISION) AS va_p,
			  sum(electricity_kwh) FILTER (WHERE c) AS el_c,
			  avg(employees) FILTER (WHERE c) AS emp_c
			FROM (SELECT uscc, output_value, revenue, electricity_kwh, employees, month >= CAST(? AS DATE) AS c FROM monthly_facts
			      WHERE month BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) OR month BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)) m
			GROUP BY uscc)`, []any{cf, cf, ct, pf, pt}, nil
	}
	var hasCur, hasPrev bool
	err := s.db.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM monthly_facts WHERE month BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)),
		EXISTS (SELECT 1 FROM monthly_facts WHERE month BETWEEN CAST(? AS DATE) AND CAST(? AS DATE))`,
		yearStart(p.Year), yearEnd(p.Year), yearStart(p.Year-1), yearEnd(p.Year-1)).Scan(&hasCur, &hasPrev)
	if err != nil {
		return "", nil, err
	}
	// Who was in the survey in each of the two years: one group-by over the
	// two years' months, joined on the enterprise alone (a join on the year
	// as well made DuckDB fall back to a nested loop).
	return `ms AS (SELECT uscc, bool_or(month >= CAST(? AS DATE)) AS in_cur, bool_or(month < CAST(? AS DATE)) AS in_prev
		       FROM monthly_facts WHERE month BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) GROUP BY uscc),
		a AS (
			SELECT a.uscc, a.output_value, a.revenue, a.value_added, a.electricity_kwh, a.employees, a.year = ? AS c
			FROM annual_facts a JOIN enterprises e ON e.uscc = a.uscc
			LEFT JOIN ms ON ms.uscc = a.uscc
			WHERE a.year IN (?, ?) AND ((a.year = ? AND ms.in_cur) OR (a.year = ? AND ms.in_prev) OR (e.above_size AND (
			      NOT (coalesce(substr(e.industry_code, 1, 2), '') BETWEEN '06' AND '46')
			      OR NOT (CASE WHEN a.year = ? THEN ? ELSE ? END))))),
		f AS (
			SELECT uscc,
			  count(*) FILTER (WHERE c) AS n_c, count(*) FILTER (WHERE NOT c) AS n_p,
			  sum(output_value) FILTER (WHERE c) AS out_c, sum(output_value) FILTER (WHERE NOT c) AS out_p,
			  sum(revenue) FILTER (WHERE c) AS rev_c, sum(revenue) FILTER (WHERE NOT c) AS rev_p,
			  sum(value_added) FILTER (WHERE c) AS va_c, sum(value_added) FILTER (WHERE NOT c) AS va_p,
			  sum(electricity_kwh) FILTER (WHERE c) AS el_c,
			  sum(employees) FILTER (WHERE c) AS emp_c
			FROM a GROUP BY uscc)`,
		[]any{yearStart(p.Year), yearStart(p.Year), yearStart(p.Year - 1), yearEnd(p.Year), p.Year,
			p.Year, p.Year - 1, p.Year, p.Year - 1, p.Year, hasCur, hasPrev}, nil
}

func yearStart(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }
func yearEnd(y int) time.Time   { return time.Date(y, 12, 1, 0, 0, 0, 0, time.UTC) }

// ClusterCells aggregates the enterprises of every cluster of the system
// (and AllClusters) in every evaluation unit for a period: the additive sums
// of cluster.Sums, including the comparable-basis sums (enterprises that
// report in both periods and have the figure in both) and each cell's ten
// largest outputs. cluster.Rollup takes them up to regions and the city.
func (s *Store) ClusterCells(ctx context.Context, systemID string, p PeriodSpec) ([]cluster.Cell, error) {
	q, args, err := s.cellsQuery(ctx, systemID, p)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("aggregate clusters for %s: %w", p.Key, err)
	}
	defer rows.Close()
	var out []cluster.Cell
	for rows.Next() {
		var c cluster.Cell
		var va, vaPrev, compVA, compVAPrev sql.NullFloat64
		var top any
		s := &c.Sums
		if err := rows.Scan(&c.Cluster, &c.Unit, &s.Output, &s.Revenue, &va, &s.Electricity, &s.Employees,
			&s.PrevOutput, &s.PrevRevenue, &vaPrev, &s.CompOutput, &s.CompPrevOutput, &s.CompRevenue, &s.CompPrevRevenue,
			&compVA, &compVAPrev, &s.Enterprises, &s.PrevEnterprises, &s.Comparable, &s.OutputSq, &top); err != nil {
			return nil, err
		}
		s.ValueAdded, s.PrevValueAdded = nullNaN(va, p.Annual), nullNaN(vaPrev, p.Annual)
		s.CompValueAdded, s.CompPrevValueAdded = nullNaN(compVA, p.Annual), nullNaN(compVAPrev, p.Annual)
		if list, ok := top.([]any); ok {
			for _, v := range list {
				if f, ok := v.(float64); ok {
					s.Top = append(s.Top, f)
				}
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// cellsQuery is the statement ClusterCells runs.
func (s *Store) cellsQuery(ctx context.Context, systemID string, p PeriodSpec) (string, []any, error) {
	cte, args, err := s.firmCTE(ctx, p)
	if err != nil {
		return "", nil, err
	}
	both := func(a, b string) string { return fmt.Sprintf("%s IS NOT NULL AND %s IS NOT NULL", a, b) }
	q := `WITH ` + cte + `,
		j AS (SELECT f.*, e.unit_code, m.cluster_id FROM f JOIN enterprises e ON e.uscc = f.uscc
		      JOIN (SELECT uscc, cluster_id FROM cluster_memberships WHERE system_id = ?
		            UNION ALL SELECT uscc, '` + AllClusters + `' FROM f) m ON m.uscc = f.uscc)
		SELECT cluster_id, unit_code,
		  coalesce(sum(out_c), 0), coalesce(sum(rev_c), 0), sum(va_c), coalesce(sum(el_c), 0), coalesce(sum(emp_c), 0),
		  coalesce(sum(out_p), 0), coalesce(sum(rev_p), 0), sum(va_p),
		  coalesce(sum(out_c) FILTER (WHERE ` + both("out_c", "out_p") + `), 0), coalesce(sum(out_p) FILTER (WHERE ` + both("out_c", "out_p") + `), 0),
		  coalesce(sum(rev_c) FILTER (WHERE ` + both("rev_c", "rev_p") + `), 0), coalesce(sum(rev_p) FILTER (WHERE ` + both("rev_c", "rev_p") + `), 0),
		  sum(va_c) FILTER (WHERE ` + both("va_c", "va_p") + `), sum(va_p) FILTER (WHERE ` + both("va_c", "va_p") + `),
		  count(*) FILTER (WHERE n_c > 0), count(*) FILTER (WHERE n_p > 0), count(*) FILTER (WHERE n_c > 0 AND n_p > 0),
		  coalesce(sum(out_c * out_c), 0),
		  max(out_c, ` + strconv.Itoa(cluster.TopN) + `) FILTER (WHERE out_c IS NOT NULL)
		FROM j GROUP BY cluster_id, unit_code`
	return q, append(args, systemID), nil
}

// nullNaN maps a missing sum to NaN when the period has no such figure at
// all, and to 0 when it has (no enterprise of the cell reported it).
func nullNaN(v sql.NullFloat64, applies bool) float64 {
	switch {
	case v.Valid:
		return v.Float64
	case applies:
		return 0
	}
	return math.NaN()
}

// ClusterState returns the rollup stamp (see RollupStamp) and whether the
// memberships are stale (see MembershipsStale) in one round trip: the
// cluster services ask both before every answer.
func (s *Store) ClusterState(ctx context.Context, systemID string) (stamp string, stale bool, err error) {
	var b, u, a, o, r int64
	err = s.db.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(max(id), 0) FROM import_batches), (SELECT count(undone_at) FROM import_batches),
		(SELECT coalesce(max(id), 0) FROM cluster_assignments WHERE system_id = ?),
		(SELECT coalesce(max(id), 0) FROM cluster_overrides WHERE system_id = ?),
		(SELECT count(revoked_at) FROM cluster_overrides WHERE system_id = ?),
		coalesce((SELECT EXISTS (SELECT 1 FROM import_batches b WHERE b.kind = 'enterprises'
		          AND (b.id > a.data_batch OR b.undone_at > a.finished_at))
		          FROM cluster_assignments a WHERE a.system_id = ? ORDER BY a.id DESC LIMIT 1), true)`,
		systemID, systemID, systemID, systemID).Scan(&b, &u, &a, &o, &r, &stale)
	return fmt.Sprintf("b%d.u%d.a%d.o%d.r%d", b, u, a, o, r), stale, err
}

// RollupStamp describes everything a rollup depends on: the import
// batches (and undos), the system's assignments and its overrides. A
// rollup built under another stamp is out of date.
func (s *Store) RollupStamp(ctx context.Context, systemID string) (string, error) {
	var b, u, a, o, r int64
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(max(id), 0) FROM import_batches), (SELECT count(undone_at) FROM import_batches),
		(SELECT coalesce(max(id), 0) FROM cluster_assignments WHERE system_id = ?),
		(SELECT coalesce(max(id), 0) FROM cluster_overrides WHERE system_id = ?),
		(SELECT count(revoked_at) FROM cluster_overrides WHERE system_id = ?)`, systemID, systemID, systemID).Scan(&b, &u, &a, &o, &r)
	return fmt.Sprintf("b%d.u%d.a%d.o%d.r%d", b, u, a, o, r), err
}

// RollupRow is one cluster in one geography of a materialised rollup.
type RollupRow struct {
	Key  cluster.GeoKey
	Sums cluster.Sums
}

// LoadRollup returns the materialised rollup of a period when it was built
// under stamp; ok is false when there is none or it is out of date.
func (s *Store) LoadRollup(ctx context.Context, systemID, period, stamp string) (rows []RollupRow, ok bool, err error) {
	var have string
	err = s.db.QueryRowContext(ctx, `SELECT stamp FROM cluster_rollup_state WHERE system_id = ? AND period = ?`, systemID, period).Scan(&have)
	if err == sql.ErrNoRows || (err == nil && have != stamp) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	rs, err := s.db.QueryContext(ctx, `SELECT cluster_id, geo_kind, geo_code, output_value, revenue, value_added, electricity_kwh, employees,
		prev_output_value, prev_revenue, prev_value_added, comp_output_value, comp_prev_output_value, comp_revenue, comp_prev_revenue,
		comp_value_added, comp_prev_value_added, enterprises, prev_enterprises, comparable, output_sq, top_outputs
		FROM cluster_rollups WHERE system_id = ? AND period = ?`, systemID, period)
	if err != nil {
		return nil, false, err
	}
	defer rs.Close()
	for rs.Next() {
		var r RollupRow
		var va, vaPrev, compVA, compVAPrev sql.NullFloat64
		var top string
		s := &r.Sums
		if err := rs.Scan(&r.Key.Cluster, &r.Key.Kind, &r.Key.Code, &s.Output, &s.Revenue, &va, &s.Electricity, &s.Employees,
			&s.PrevOutput, &s.PrevRevenue, &vaPrev, &s.CompOutput, &s.CompPrevOutput, &s.CompRevenue, &s.CompPrevRevenue,
			&compVA, &compVAPrev, &s.Enterprises, &s.PrevEnterprises, &s.Comparable, &s.OutputSq, &top); err != nil {
			return nil, false, err
		}
		s.ValueAdded, s.PrevValueAdded = nullNaN(va, false), nullNaN(vaPrev, false)
		s.CompValueAdded, s.CompPrevValueAdded = nullNaN(compVA, false), nullNaN(compVAPrev, false)
		if top != "" {
			for _, f := range strings.Split(top, ",") {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					return nil, false, fmt.Errorf("rollup %s: bad top_outputs %q", period, top)
				}
				s.Top = append(s.Top, v)
			}
		}
		rows = append(rows, r)
	}
	return rows, true, rs.Err()
}

func nanNull(v float64) driver.Value {
	if math.IsNaN(v) {
		return nil
	}
	return v
}

// SaveRollup replaces the materialised rollup of a period, in one
// transaction, and records the stamp it was built under.
func (s *Store) SaveRollup(ctx context.Context, systemID, period, stamp string, rows []RollupRow, build time.Duration) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, `DELETE FROM cluster_rollups WHERE system_id = ? AND period = ?`, systemID, period); err != nil {
		return err
	}
	var app *duckdb.Appender
	if err := conn.Raw(func(dc any) error {
		var err error
		app, err = duckdb.NewAppender(dc.(driver.Conn), "", "main", "cluster_rollups")
		return err
	}); err != nil {
		return fmt.Errorf("open appender: %w", err)
	}
	for _, r := range rows {
		s := r.Sums
		top := make([]string, len(s.Top))
		for i, v := range s.Top {
			top[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if err = app.AppendRow(systemID, period, r.Key.Cluster, r.Key.Kind, r.Key.Code, s.Output, s.Revenue, nanNull(s.ValueAdded),
			s.Electricity, s.Employees, s.PrevOutput, s.PrevRevenue, nanNull(s.PrevValueAdded), s.CompOutput, s.CompPrevOutput,
			s.CompRevenue, s.CompPrevRevenue, nanNull(s.CompValueAdded), nanNull(s.CompPrevValueAdded),
			s.Enterprises, s.PrevEnterprises, s.Comparable, s.OutputSq, strings.Join(top, ",")); err != nil {
			break
		}
	}
	if cerr := app.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write rollup %s: %w", period, err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO cluster_rollup_state (system_id, period, stamp, built_at, build_ms) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (system_id, period) DO UPDATE SET stamp = excluded.stamp, built_at = excluded.built_at, build_ms = excluded.build_ms`,
		systemID, period, stamp, time.Now().UTC(), build.Milliseconds()); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit rollup %s: %w", period, err)
	}
	committed = true
	return nil
}

// FirmFigures is one enterprise's figures in a period and a year earlier,
// the trace behind a cluster's sums. Pointers are nil for figures not
// reported.
type FirmFigures struct {
	EnterpriseBrief
	Primary     bool     `json:"primary"`
	Rule        string   `json:"rule,omitempty"`
	Reported    bool     `json:"reported"`      // in the period
	PrevReport  bool     `json:"prev_reported"` // a year earlier
	Output      *float64 `json:"output_value"`
	Revenue     *float64 `json:"revenue"`
	ValueAdded  *float64 `json:"value_added"`
	Electricity *float64 `json:"electricity_kwh"`
	Employees   *float64 `json:"employees"`
	PrevOutput  *float64 `json:"prev_output_value"`
	PrevRevenue *float64 `json:"prev_revenue"`
}

// FirmQuery selects the enterprises ClusterFirms lists.
type FirmQuery struct {
	SystemID  string
	ClusterID string // AllClusters for every enterprise
	Period    PeriodSpec
	UnitCodes []string // empty: the whole city
	Limit     int      // 0: all
	Offset    int
}

// ClusterFirms lists the enterprises behind a cluster's figures in a
// period: those reporting in it or a year earlier, largest output first
// (then revenue, for services), with the total number of such enterprises.
func (s *Store) ClusterFirms(ctx context.Context, fq FirmQuery) ([]FirmFigures, int64, error) {
	cte, args, err := s.firmCTE(ctx, fq.Period)
	if err != nil {
		return nil, 0, err
	}
	q := `WITH ` + cte + ` SELECT f.uscc, e.name, e.unit_code, coalesce(e.industry_code, ''), e.above_size,
		coalesce(m.is_primary, false), coalesce(m.rule, ''), f.n_c > 0, f.n_p > 0,
		f.out_c, f.rev_c, f.va_c, f.el_c, f.emp_c, f.out_p, f.rev_p, count(*) OVER ()
		FROM f JOIN enterprises e ON e.uscc = f.uscc `
	if fq.ClusterID == AllClusters {
		q += `LEFT JOIN (SELECT NULL::BOOLEAN AS is_primary, NULL::VARCHAR AS rule) m ON true `
	} else {
		q += `JOIN cluster_memberships m ON m.uscc = f.uscc AND m.system_id = ? AND m.cluster_id = ? `
		args = append(args, fq.SystemID, fq.ClusterID)
	}
	pred, scopeArgs := scopeSQL(indus.ScopeFrom(ctx), "e")
	q += `WHERE ` + pred + ` `
	args = append(args, scopeArgs...)
	if len(fq.UnitCodes) > 0 {
		q += `AND e.unit_code IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(fq.UnitCodes)), ", ") + `) `
		for _, u := range fq.UnitCodes {
			args = append(args, u)
		}
	}
	q += `ORDER BY f.out_c DESC NULLS LAST, f.rev_c DESC NULLS LAST, f.uscc`
	if fq.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d OFFSET %d`, fq.Limit, max(fq.Offset, 0))
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list enterprises of %s: %w", fq.ClusterID, err)
	}
	defer rows.Close()
	var out []FirmFigures
	var total int64
	for rows.Next() {
		var f FirmFigures
		var vals [7]sql.NullFloat64
		if err := rows.Scan(&f.USCC, &f.Name, &f.UnitCode, &f.IndustryCode, &f.AboveSize, &f.Primary, &f.Rule, &f.Reported, &f.PrevReport,
			&vals[0], &vals[1], &vals[2], &vals[3], &vals[4], &vals[5], &vals[6], &total); err != nil {
			return nil, 0, err
		}
		ptrs := []**float64{&f.Output, &f.Revenue, &f.ValueAdded, &f.Electricity, &f.Employees, &f.PrevOutput, &f.PrevRevenue}
		for i, v := range vals {
			if v.Valid {
				x := v.Float64
				*ptrs[i] = &x
			}
		}
		out = append(out, f)
	}
	return out, total, rows.Err()
}

// MonthRange returns the first and last months with monthly facts; ok is
// false when there are none.
func (s *Store) MonthRange(ctx context.Context) (first, last indus.Month, ok bool, err error) {
	var lo, hi sql.NullTime
	if err = s.db.QueryRowContext(ctx, `SELECT min(month), max(month) FROM monthly_facts`).Scan(&lo, &hi); err != nil || !lo.Valid {
		return first, last, false, err
	}
	return indus.Month{Year: lo.Time.Year(), Month: lo.Time.Month()}, indus.Month{Year: hi.Time.Year(), Month: hi.Time.Month()}, true, nil
}

// FactYears returns the years that have annual facts, ascending.
func (s *Store) FactYears(ctx context.Context) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT year FROM annual_facts ORDER BY year`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, rows.Err()
}
