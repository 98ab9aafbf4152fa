package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// MatrixBasis is what the cells of a unit × industry matrix measure.
type MatrixBasis string

// The bases IndustryMatrix can aggregate.
const (
	BasisOutput    MatrixBasis = "output_value" // Σ gross industrial output value (10k yuan)
	BasisEmployees MatrixBasis = "employees"    // Σ average employees
	BasisFirms     MatrixBasis = "firms"        // number of enterprises with annual facts for the year
)

// MatrixOptions selects the unit × industry matrix IndustryMatrix returns.
type MatrixOptions struct {
	// Year of the annual facts; required.
	Year int
	// Digits is the GB/T 4754 level of the industry codes: 4 (class, the
	// default when 0), 3 (group) or 2 (division). Codes are the first Digits
	// characters of the enterprise's 4-digit class.
	Digits int
	// Basis is what is summed; empty means BasisOutput.
	Basis MatrixBasis
	// AboveSizeOnly keeps only enterprises flagged above designated size.
	AboveSizeOnly bool
	// AllSections keeps every industry; by default only manufacturing
	// (section C, divisions 13–43) is kept.
	AllSections bool
}

// MatrixCell is one cell of the unit × industry matrix: the value of one
// industry in one evaluation unit. Cells whose value is zero are left out.
type MatrixCell struct {
	UnitCode string
	Industry string
	Value    float64
}

// IndustryMatrix aggregates enterprises and their annual facts into a unit
// × industry table for one year, in SQL: for each evaluation unit and each
// industry code at the requested level, the sum of output value or of
// employees, or the number of enterprises (those with an annual fact for
// the year). Missing values (NULL) are left out of sums, never counted as
// zero; with BasisFirms an enterprise counts whatever its facts hold.
// Enterprises without a well-formed 4-digit industry code are left out.
// Rows come sorted by unit and industry.
func (s *Store) IndustryMatrix(ctx context.Context, opt MatrixOptions) ([]MatrixCell, error) {
	digits := opt.Digits
	if digits == 0 {
		digits = 4
	}
	if digits < 2 || digits > 4 {
		return nil, indus.Errorf(indus.EInvalid, "industry level must have 2, 3 or 4 digits (division, group, class), got %d", opt.Digits)
	}
	basis := opt.Basis
	if basis == "" {
		basis = BasisOutput
	}
	var agg string
	where := []string{"f.year = ?", "length(e.industry_code) = 4", "e.industry_code SIMILAR TO '[0-9]{4}'"}
	switch basis {
	case BasisOutput:
		agg = "sum(f.output_value)"
		where = append(where, "f.output_value IS NOT NULL")
	case BasisEmployees:
		agg = "sum(f.employees)"
		where = append(where, "f.employees IS NOT NULL")
	case BasisFirms:
		agg = "CAST(count(*) AS DOUBLE PRECISION)"
	default:
		return nil, indus.Errorf(indus.EInvalid, "unknown matrix basis %q (want %s, %s or %s)", opt.Basis, BasisOutput, BasisEmployees, BasisFirms)
	}
	if !opt.AllSections {
		// Manufacturing is section C: divisions 13–43.
		where = append(where, "substr(e.industry_code, 1, 2) BETWEEN '13' AND '43'")
	}
	if opt.AboveSizeOnly {
		where = append(where, "e.above_size")
	}
	q := fmt.Sprintf(`SELECT e.unit_code, substr(e.industry_code, 1, %d) AS industry, %s AS value
		FROM enterprises e JOIN annual_facts f ON f.uscc = e.uscc
		WHERE %s
		GROUP BY e.unit_code, industry
		HAVING %s <> 0
		ORDER BY e.unit_code, industry`, digits, agg, strings.Join(where, " AND "), agg)
	rows, err := s.db.QueryContext(ctx, q, opt.Year)
	if err != nil {
		return nil, fmt.Errorf("industry matrix: %w", err)
	}
	defer rows.Close()
	var out []MatrixCell
	for rows.Next() {
		var c MatrixCell
		if err := rows.Scan(&c.UnitCode, &c.Industry, &c.Value); err != nil {
			return nil, fmt.Errorf("industry matrix: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("industry matrix: %w", err)
	}
	return out, nil
}

// AnnualYears returns the years that have annual facts, ascending.
func (s *Store) AnnualYears(ctx context.Context) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT year FROM annual_facts ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("annual years: %w", err)
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
