package store

import (
	"context"
	"fmt"
	"time"
)

// Sums of enterprise facts by evaluation unit and for the city, in the
// statistical scope of above-size industry (规上工业: enterprises flagged
// above designated size whose class lies in sections B–D, divisions
// 06–46), as the overview and the unit pages show them.

// industrialScope is the SQL condition for above-size industry on e.
const industrialScope = `e.above_size AND substr(e.industry_code, 1, 2) BETWEEN '06' AND '46'`

// FactSums are additive sums of annual facts over a set of enterprises.
// Money is in 10k yuan, land in mu, energy in tce. A sum over no reported
// value is 0; Firms counts the enterprises with a fact row for the year.
type FactSums struct {
	Firms       int64   `json:"firms"`
	Revenue     float64 `json:"revenue"`
	OutputValue float64 `json:"output_value"`
	ValueAdded  float64 `json:"value_added"`
	Tax         float64 `json:"tax"`
	EnergyTCE   float64 `json:"energy_tce"`
	RDSpend     float64 `json:"rd_spend"`
	Employees   float64 `json:"employees"`
	// LandMu sums the land of the enterprises that report land (> 0);
	// TaxOnLand and VAOnLand sum tax and value added over the same
	// enterprises, so TaxOnLand ÷ LandMu is tax per mu on one footing.
	LandMu    float64 `json:"land_mu"`
	TaxOnLand float64 `json:"tax_on_land"`
	VAOnLand  float64 `json:"va_on_land"`
	// PrevOutputValue and PrevRevenue are the same scope a year earlier
	// (raw basis: whichever enterprises reported then).
	PrevOutputValue float64 `json:"prev_output_value"`
	PrevRevenue     float64 `json:"prev_revenue"`
	PrevFirms       int64   `json:"prev_firms"`
}

// Add adds o to f.
func (f *FactSums) Add(o FactSums) {
	f.Firms += o.Firms
	f.Revenue += o.Revenue
	f.OutputValue += o.OutputValue
	f.ValueAdded += o.ValueAdded
	f.Tax += o.Tax
	f.EnergyTCE += o.EnergyTCE
	f.RDSpend += o.RDSpend
	f.Employees += o.Employees
	f.LandMu += o.LandMu
	f.TaxOnLand += o.TaxOnLand
	f.VAOnLand += o.VAOnLand
	f.PrevOutputValue += o.PrevOutputValue
	f.PrevRevenue += o.PrevRevenue
	f.PrevFirms += o.PrevFirms
}

// UnitSums are one evaluation unit's sums; Enterprises counts every
// enterprise registered in the unit, whatever its size or industry.
type UnitSums struct {
	UnitCode    string `json:"unit_code"`
	Enterprises int64  `json:"enterprises"`
	FactSums
}

// UnitFactSums returns the above-size industrial sums of every unit that
// has enterprises, for one year, ordered by unit code.
func (s *Store) UnitFactSums(ctx context.Context, year int) ([]UnitSums, error) {
	q := `WITH f AS (
		SELECT e.unit_code, a.year, a.revenue, a.output_value, a.value_added, a.tax, a.energy_tce, a.rd_spend, a.employees,
			coalesce(a.land_mu, e.land_mu) AS land
		FROM annual_facts a JOIN enterprises e ON e.uscc = a.uscc
		WHERE a.year IN (?, ?) AND ` + industrialScope + `
	), s AS (
		SELECT unit_code,
			count(*) FILTER (WHERE year = ?) AS firms,
			coalesce(sum(revenue) FILTER (WHERE year = ?), 0) AS revenue,
			coalesce(sum(output_value) FILTER (WHERE year = ?), 0) AS output_value,
			coalesce(sum(value_added) FILTER (WHERE year = ?), 0) AS value_added,
			coalesce(sum(tax) FILTER (WHERE year = ?), 0) AS tax,
			coalesce(sum(energy_tce) FILTER (WHERE year = ?), 0) AS energy,
			coalesce(sum(rd_spend) FILTER (WHERE year = ?), 0) AS rd,
			coalesce(sum(employees) FILTER (WHERE year = ?), 0) AS employees,
			coalesce(sum(land) FILTER (WHERE year = ? AND land > 0), 0) AS land,
			coalesce(sum(tax) FILTER (WHERE year = ? AND land > 0), 0) AS tax_on_land,
			coalesce(sum(value_added) FILTER (WHERE year = ? AND land > 0), 0) AS va_on_land,
			coalesce(sum(output_value) FILTER (WHERE year = ?), 0) AS prev_output,
			coalesce(sum(revenue) FILTER (WHERE year = ?), 0) AS prev_revenue,
			count(*) FILTER (WHERE year = ?) AS prev_firms
		FROM f GROUP BY unit_code
	), n AS (SELECT unit_code, count(*) AS enterprises FROM enterprises GROUP BY unit_code)
	SELECT n.unit_code, n.enterprises, coalesce(s.firms, 0), coalesce(s.revenue, 0), coalesce(s.output_value, 0), coalesce(s.value_added, 0),
		coalesce(s.tax, 0), coalesce(s.energy, 0), coalesce(s.rd, 0), coalesce(s.employees, 0), coalesce(s.land, 0),
		coalesce(s.tax_on_land, 0), coalesce(s.va_on_land, 0), coalesce(s.prev_output, 0), coalesce(s.prev_revenue, 0), coalesce(s.prev_firms, 0)
	FROM n LEFT JOIN s ON s.unit_code = n.unit_code ORDER BY n.unit_code`
	args := []any{year, year - 1}
	for range 11 {
		args = append(args, year)
	}
	args = append(args, year-1, year-1, year-1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sum facts by unit: %w", err)
	}
	defer rows.Close()
	var out []UnitSums
	for rows.Next() {
		var u UnitSums
		f := &u.FactSums
		if err := rows.Scan(&u.UnitCode, &u.Enterprises, &f.Firms, &f.Revenue, &f.OutputValue, &f.ValueAdded, &f.Tax, &f.EnergyTCE,
			&f.RDSpend, &f.Employees, &f.LandMu, &f.TaxOnLand, &f.VAOnLand, &f.PrevOutputValue, &f.PrevRevenue, &f.PrevFirms); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// MonthSums are the above-size industrial totals of one month.
type MonthSums struct {
	Month       time.Time `json:"month"`
	Firms       int64     `json:"firms"`
	OutputValue float64   `json:"output_value"`
	Revenue     float64   `json:"revenue"`
	Electricity float64   `json:"electricity_kwh"`
}

// CityMonthlySums returns the city's above-size industrial monthly totals,
// oldest month first; unitCode, when set, restricts them to one unit.
func (s *Store) CityMonthlySums(ctx context.Context, unitCode string) ([]MonthSums, error) {
	q := `SELECT m.month, count(*), coalesce(sum(m.output_value), 0), coalesce(sum(m.revenue), 0), coalesce(sum(m.electricity_kwh), 0)
		FROM monthly_facts m JOIN enterprises e ON e.uscc = m.uscc WHERE ` + industrialScope
	var args []any
	if unitCode != "" {
		q += " AND e.unit_code = ?"
		args = append(args, unitCode)
	}
	q += " GROUP BY m.month ORDER BY m.month"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sum monthly facts: %w", err)
	}
	defer rows.Close()
	var out []MonthSums
	for rows.Next() {
		var m MonthSums
		if err := rows.Scan(&m.Month, &m.Firms, &m.OutputValue, &m.Revenue, &m.Electricity); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
