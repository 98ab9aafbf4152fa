package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
)

// SignalKind names the monthly figure an early-warning rule looks at.
type SignalKind string

// What the warning pre-filters select.
const (
	// SignalDecline: output in the month more than the drop below the same
	// month a year earlier.
	SignalDecline SignalKind = "output_decline"
	// SignalCollapse: electricity in the month more than the drop below the
	// mean of the months before it.
	SignalCollapse SignalKind = "electricity_collapse"
	// SignalStopped: reported in the months before, not in the month.
	SignalStopped SignalKind = "stopped_reporting"
)

// SignalQuery asks for the monthly series of the enterprises that may
// trip a warning rule in month AsOf.
type SignalQuery struct {
	Kind SignalKind
	AsOf indus.Month
	Drop float64 // a fraction
	// Window is the rule's window of months before AsOf: the electricity
	// baseline, or the look-back of the stop rule.
	Window int
	// Months before AsOf that the returned series cover (at least the
	// rule's run or window, plus a year for year-on-year comparisons).
	Months int
}

// FirmSeries is one enterprise's monthly series of one figure.
type FirmSeries struct {
	USCC   string
	Series cluster.Series
}

// SignalSeries pre-filters in SQL the enterprises that can trip a rule in
// month AsOf (the rule itself runs in package cluster) and returns their
// series of the rule's figure from AsOf − Months to AsOf, by USCC. Each
// pre-filter is a condition the rule implies (the last month of a decline
// run is down; a value below the window's mean is below its maximum), so it
// never drops an enterprise the rule would flag.
func (s *Store) SignalSeries(ctx context.Context, q SignalQuery) ([]FirmSeries, error) {
	asOf := monthDate(q.AsOf)
	yearAgo := monthDate(q.AsOf.AddMonths(-12))
	start := q.AsOf.AddMonths(-q.Months)
	var column, cand string
	var args []any
	switch q.Kind {
	case SignalDecline:
		column = "output_value"
		cand = `SELECT c.uscc FROM monthly_facts c JOIN monthly_facts p ON p.uscc = c.uscc AND p.month = CAST(? AS DATE)
			WHERE c.month = CAST(? AS DATE) AND p.output_value > 0 AND c.output_value < (1 - ?) * p.output_value`
		args = []any{yearAgo, asOf, q.Drop}
	case SignalCollapse:
		column = "electricity_kwh"
		cand = `SELECT c.uscc FROM monthly_facts c JOIN (
			  SELECT uscc, max(electricity_kwh) AS mx FROM monthly_facts WHERE month >= CAST(? AS DATE) AND month < CAST(? AS DATE) GROUP BY uscc) p ON p.uscc = c.uscc
			WHERE c.month = CAST(? AS DATE) AND c.electricity_kwh < (1 - ?) * p.mx`
		args = []any{monthDate(q.AsOf.AddMonths(-q.Window)), asOf, asOf, q.Drop}
	case SignalStopped:
		column = "output_value"
		cand = `SELECT DISTINCT uscc FROM monthly_facts WHERE month >= CAST(? AS DATE) AND month < CAST(? AS DATE)
			AND uscc NOT IN (SELECT uscc FROM monthly_facts WHERE month = CAST(? AS DATE))`
		args = []any{monthDate(q.AsOf.AddMonths(-q.Window)), asOf, asOf}
	default:
		return nil, fmt.Errorf("unknown signal %q", q.Kind)
	}
	// A reported month with a missing figure is still "reported"; the
	// series marks it 0 for the stop rule and NaN for the others.
	value := "m." + column
	if q.Kind == SignalStopped {
		value = "coalesce(m.output_value, 0)"
	}
	inScope := ""
	if sc := indus.ScopeFrom(ctx); !sc.All {
		pred, a := scopeSQL(sc, "e")
		inScope = ` JOIN enterprises e ON e.uscc = m.uscc AND ` + pred
		args = append(args, a...)
	}
	rows, err := s.db.QueryContext(ctx, `WITH cand AS (`+cand+`)
		SELECT m.uscc, m.month, `+value+` FROM monthly_facts m JOIN cand ON cand.uscc = m.uscc`+inScope+`
		WHERE m.month BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) ORDER BY m.uscc, m.month`, append(args, monthDate(start), asOf)...)
	if err != nil {
		return nil, fmt.Errorf("warning series: %w", err)
	}
	defer rows.Close()
	n := q.Months + 1
	var out []FirmSeries
	for rows.Next() {
		var uscc string
		var month time.Time
		var v sql.NullFloat64
		if err := rows.Scan(&uscc, &month, &v); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].USCC != uscc {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = math.NaN()
			}
			out = append(out, FirmSeries{USCC: uscc, Series: cluster.Series{Start: start.Index(), Values: vals}})
		}
		i := indus.Month{Year: month.Year(), Month: month.Month()}.Index() - start.Index()
		if v.Valid && i >= 0 && i < n {
			out[len(out)-1].Series.Values[i] = v.Float64
		}
	}
	return out, rows.Err()
}

// Briefs returns the brief records of the given enterprises with their
// primary cluster in the system, keyed by USCC.
func (s *Store) Briefs(ctx context.Context, systemID string, usccs []string) (map[string]EnterpriseBrief, error) {
	out := map[string]EnterpriseBrief{}
	usccs, err := s.filterInScope(ctx, usccs)
	if err != nil {
		return nil, err
	}
	// In chunks, to keep the statement's parameter list reasonable.
	for len(usccs) > 0 {
		chunk := usccs[:min(len(usccs), 500)]
		usccs = usccs[len(chunk):]
		args := []any{systemID}
		for _, u := range chunk {
			args = append(args, u)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT e.uscc, e.name, e.unit_code, coalesce(e.industry_code, ''), e.above_size, coalesce(m.cluster_id, '')
			FROM enterprises e LEFT JOIN cluster_memberships m ON m.uscc = e.uscc AND m.system_id = ? AND m.is_primary
			WHERE e.uscc IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var b EnterpriseBrief
			if err := rows.Scan(&b.USCC, &b.Name, &b.UnitCode, &b.IndustryCode, &b.AboveSize, &b.PrimaryCluster); err != nil {
				rows.Close()
				return nil, err
			}
			out[b.USCC] = b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MembershipsOf returns the clusters of the given enterprises, primary
// first, keyed by USCC.
func (s *Store) MembershipsOf(ctx context.Context, systemID string, usccs []string) (map[string][]string, error) {
	out := map[string][]string{}
	usccs, err := s.filterInScope(ctx, usccs)
	if err != nil {
		return nil, err
	}
	for len(usccs) > 0 {
		chunk := usccs[:min(len(usccs), 500)]
		usccs = usccs[len(chunk):]
		args := []any{systemID}
		for _, u := range chunk {
			args = append(args, u)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT uscc, cluster_id FROM cluster_memberships WHERE system_id = ? AND uscc IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`) ORDER BY uscc, is_primary DESC, cluster_id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var u, c string
			if err := rows.Scan(&u, &c); err != nil {
				rows.Close()
				return nil, err
			}
			out[u] = append(out[u], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IndustryYear is the above-size industry of one year, for the city's
// targets. Ratio components are summed over the enterprises that report
// both parts (RDRevenue is the revenue of those that report R&D, and so
// on), so a missing figure never reads as zero.
type IndustryYear struct {
	Year        int
	Enterprises int64
	Revenue     float64
	RD          float64
	RDRevenue   float64
	ValueAdded  float64
	// LabourVA ÷ LabourEmployees is labour productivity.
	LabourVA, LabourEmployees float64
	// EnergyTCE ÷ EnergyVA is energy per unit of value added.
	EnergyTCE, EnergyVA float64
}

// IndustryYears sums the above-size industrial enterprises (GB/T 4754
// sections B, C, D: divisions 06–46) of every year with annual facts. Above
// size in a year means in that year's monthly survey; in a year without
// monthly data, the above_size flag.
//
// The sums scan the whole survey, so they are kept in
// cluster_industry_years under stamp (see RollupStamp) and computed again
// only when the stamp changes.
func (s *Store) IndustryYears(ctx context.Context, stamp string) ([]IndustryYear, error) {
	out, err := s.cachedIndustryYears(ctx, stamp)
	if err != nil || out != nil {
		return out, err
	}
	if out, err = s.industryYears(ctx); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM cluster_industry_years`); err != nil {
		return nil, err
	}
	for _, y := range out {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cluster_industry_years VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			stamp, y.Year, y.Enterprises, y.Revenue, y.RD, y.RDRevenue, y.ValueAdded, y.LabourVA, y.LabourEmployees, y.EnergyTCE, y.EnergyVA); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		// Remember "no years" too, with a marker row.
		if _, err := tx.ExecContext(ctx, `INSERT INTO cluster_industry_years (stamp, year) VALUES (?, 0)`, stamp); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}

func (s *Store) cachedIndustryYears(ctx context.Context, stamp string) ([]IndustryYear, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT year, coalesce(enterprises, 0), coalesce(revenue, 0), coalesce(rd, 0), coalesce(rd_revenue, 0),
		coalesce(value_added, 0), coalesce(labour_va, 0), coalesce(labour_employees, 0), coalesce(energy_tce, 0), coalesce(energy_va, 0)
		FROM cluster_industry_years WHERE stamp = ? ORDER BY year`, stamp)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []IndustryYear{}
	found := false
	for rows.Next() {
		var y IndustryYear
		if err := rows.Scan(&y.Year, &y.Enterprises, &y.Revenue, &y.RD, &y.RDRevenue, &y.ValueAdded,
			&y.LabourVA, &y.LabourEmployees, &y.EnergyTCE, &y.EnergyVA); err != nil {
			return nil, err
		}
		found = true
		if y.Year != 0 {
			out = append(out, y)
		}
	}
	if !found {
		return nil, rows.Err()
	}
	return out, rows.Err()
}

func (s *Store) industryYears(ctx context.Context) ([]IndustryYear, error) {
	rows, err := s.db.QueryContext(ctx, `WITH ms AS (SELECT DISTINCT uscc, year(month) AS y FROM monthly_facts),
		yrs AS (SELECT DISTINCT y FROM ms)
		SELECT a.year, count(*), coalesce(sum(a.revenue), 0),
		  coalesce(sum(a.rd_spend) FILTER (WHERE a.revenue IS NOT NULL), 0), coalesce(sum(a.revenue) FILTER (WHERE a.rd_spend IS NOT NULL), 0),
		  coalesce(sum(a.value_added), 0),
		  coalesce(sum(a.value_added) FILTER (WHERE a.employees > 0), 0), coalesce(sum(a.employees) FILTER (WHERE a.value_added IS NOT NULL), 0),
		  coalesce(sum(a.energy_tce) FILTER (WHERE a.value_added IS NOT NULL), 0), coalesce(sum(a.value_added) FILTER (WHERE a.energy_tce IS NOT NULL), 0)
		FROM annual_facts a JOIN enterprises e ON e.uscc = a.uscc
		LEFT JOIN ms ON ms.uscc = a.uscc AND ms.y = a.year
		WHERE coalesce(substr(e.industry_code, 1, 2), '') BETWEEN '06' AND '46'
		  AND (ms.uscc IS NOT NULL OR (e.above_size AND a.year NOT IN (SELECT y FROM yrs)))
		GROUP BY a.year ORDER BY a.year`)
	if err != nil {
		return nil, fmt.Errorf("industry totals: %w", err)
	}
	defer rows.Close()
	var out []IndustryYear
	for rows.Next() {
		var y IndustryYear
		if err := rows.Scan(&y.Year, &y.Enterprises, &y.Revenue, &y.RD, &y.RDRevenue, &y.ValueAdded,
			&y.LabourVA, &y.LabourEmployees, &y.EnergyTCE, &y.EnergyVA); err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

// ReferenceRow is one region × industry figure of a reference table.
type ReferenceRow struct {
	Region       string   `json:"region"`
	IndustryCode string   `json:"industry_code"`
	Employees    *float64 `json:"employees"`
	Output       *float64 `json:"output_value"`
}

// ReplaceReference stores a reference table under name, replacing any
// table of that name, and returns the number of rows.
func (s *Store) ReplaceReference(ctx context.Context, name, user string, rows []ReferenceRow) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM cluster_reference WHERE name = ?`, name); err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO cluster_reference VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, name, r.Region, r.IndustryCode, nullable(r.Employees), nullable(r.Output), now, user); err != nil {
			return 0, err
		}
	}
	return int64(len(rows)), tx.Commit()
}

// Reference returns a reference table; an unknown name is a not-found
// error.
func (s *Store) Reference(ctx context.Context, name string) ([]ReferenceRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT region, industry_code, employees, output_value FROM cluster_reference WHERE name = ? ORDER BY region, industry_code`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReferenceRow
	for rows.Next() {
		var r ReferenceRow
		var emp, outv sql.NullFloat64
		if err := rows.Scan(&r.Region, &r.IndustryCode, &emp, &outv); err != nil {
			return nil, err
		}
		if emp.Valid {
			r.Employees = &emp.Float64
		}
		if outv.Valid {
			r.Output = &outv.Float64
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, indus.Errorf(indus.ENotFound, "there is no reference table %q; import one with 'indus clusters reference'", name)
	}
	return out, nil
}

// nullable passes a missing number to SQL as NULL.
func nullable(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
