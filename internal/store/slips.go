package store

import (
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
)

// slipFactor is how far above the firm's usual level a value must be to be
// flagged as a probable unit slip. The slips seen in practice inflate a
// value: yuan written for 10k yuan (×10,000), m² for mu (×666.7), kWh for
// 10k kWh (×10,000); a firm's real figures rarely move 300-fold between
// years. Only inflation is flagged: a young firm's small first year is not
// a slip.
const slipFactor = 300

// slipColumns are the annual figures checked for unit slips.
var slipColumns = []string{"land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce", "electricity_kwh"}

// positiveLn is ln(x) for x > 0 and NULL otherwise, so aggregates skip it
// (a CASE, because a FILTER clause does not stop ln from seeing zeros).
func positiveLn(x string) string { return fmt.Sprintf("ln(CASE WHEN %[1]s > 0 THEN %[1]s END)", x) }

// checkUnitSlips warns about staged values far above the same firm's
// usual level: the geometric mean of its other years (stored and staged,
// at least two), which the slip itself cannot inflate. Enterprise land is
// compared with the median of the firm's annual land. The rows stay; the
// warning asks the analyst to check the unit.
// hasTwins says whether the load replaces stored rows (keys the table
// held before it).
func (l *Load) checkUnitSlips(hasTwins bool) ([]RowProblem, error) {
	switch l.table.name {
	case "annual_facts":
		return l.checkAnnualSlips(hasTwins)
	case "enterprises":
		return l.checkEnterpriseLandSlips()
	}
	return nil, nil
}

// slipBounds aggregates, for each slip column of the rows under alias,
// its least positive value (lo0, lo1 …) and its greatest (hi0, hi1 …).
func slipBounds(alias string) string {
	var parts []string
	for i, c := range slipColumns {
		c = alias + "." + c
		parts = append(parts, fmt.Sprintf("min(CASE WHEN %[1]s > 0 THEN %[1]s END) AS lo%[2]d, max(%[1]s) AS hi%[2]d", c, i))
	}
	return strings.Join(parts, ", ")
}

// slipFirms keeps, in the temporary table load_slip_firms, the firms of
// a direct load that can hold a slip, and reports whether there are any.
// A slip v exceeds slipFactor times the geometric mean of the firm's
// other values, which is at least their least value: so a firm holds a
// slip only if, in some column, its greatest value exceeds slipFactor
// times its least positive one (over the load's rows and its stored years
// that the load does not replace). Few firms spread that widely, and only
// they need the logarithms below.
func (l *Load) slipFirms(hasTwins bool) (bool, error) {
	notReplaced := ""
	if hasTwins {
		notReplaced = fmt.Sprintf("AND NOT EXISTS (SELECT 1 FROM annual_facts n WHERE %s AND n.uscc = t.uscc AND n.year = t.year)", l.newRows("n"))
	}
	var los, his, wide []string
	for i := range slipColumns {
		los = append(los, fmt.Sprintf("min(lo%[1]d) AS lo%[1]d", i))
		his = append(his, fmt.Sprintf("max(hi%[1]d) AS hi%[1]d", i))
		// Widened by a hair, as the threshold below, so that rounding cannot drop a firm.
		wide = append(wide, fmt.Sprintf("hi%[1]d > %[2]d * lo%[1]d * (1 - 1e-9)", i, slipFactor))
	}
	if _, err := l.conn.ExecContext(l.ctx, fmt.Sprintf(`CREATE TEMP TABLE load_slip_firms AS
		SELECT uscc FROM (
			SELECT uscc, %[1]s, %[2]s FROM (
				SELECT * FROM load_firms
				UNION ALL
				SELECT t.uscc, %[3]s FROM annual_facts t JOIN load_firms f ON f.uscc = t.uscc
				WHERE t.batch_id <> %[4]d %[5]s GROUP BY t.uscc)
			GROUP BY uscc)
		WHERE %[6]s`,
		strings.Join(los, ", "), strings.Join(his, ", "), slipBounds("t"), l.batch, notReplaced, strings.Join(wide, " OR "))); err != nil {
		return false, fmt.Errorf("check unit slips: %w", err)
	}
	l.temps = append(l.temps, "load_slip_firms")
	var n int64
	err := l.conn.QueryRowContext(l.ctx, `SELECT count(*) FROM load_slip_firms`).Scan(&n)
	return n > 0, err
}

func (l *Load) checkAnnualSlips(hasTwins bool) ([]RowProblem, error) {
	if wide, err := l.slipFirms(hasTwins); err != nil || !wide {
		return nil, err
	}
	// For those firms, one pass sums log values per firm and column over
	// its stored years that the file does not replace and the load's rows. A value v is a
	// slip when ln v − (L − ln v)/(n − 1) > ln F, with L the sum of the n
	// logs (v's included); that is v > exp((L + (n − 1)·ln F)/n), a
	// threshold per firm and column. Working the thresholds out on the
	// sums (one row a firm) lets the join back to the load's rows compare
	// plain values, with no logarithm a row; Go then checks the flagged
	// columns exactly (the SQL bound is widened by a hair so rounding
	// cannot drop a row Go would flag).
	var aggs, sums, picks, conds []string
	lnF := math.Log(slipFactor)
	for i, c := range slipColumns {
		aggs = append(aggs, fmt.Sprintf("sum(%s) AS l%d, count(%s) AS n%d", positiveLn(c), i, positiveLn(c), i))
		sums = append(sums, fmt.Sprintf("l%[1]d, n%[1]d, CASE WHEN n%[1]d >= 3 THEN exp((l%[1]d + (n%[1]d - 1) * %[2]g) / n%[1]d) * (1 - 1e-9) END AS t%[1]d", i, lnF))
		picks = append(picks, fmt.Sprintf("s.%s, m.l%d, m.n%d", c, i, i))
		conds = append(conds, fmt.Sprintf("s.%s > m.t%d", c, i))
	}
	// The load's rows are s; the firm's stored years are the rows stored
	// before it that none of the load's rows replaces.
	q := fmt.Sprintf(`WITH s AS (SELECT uscc, year, %[2]s FROM annual_facts n WHERE %[8]s AND n.uscc IN (SELECT uscc FROM load_slip_firms)),
		m AS (SELECT uscc, %[1]s FROM (
			SELECT uscc, %[2]s FROM s
			UNION ALL
			SELECT t.uscc, %[4]s FROM annual_facts t
			WHERE t.batch_id <> %[3]d AND t.uscc IN (SELECT uscc FROM s)
			  AND NOT EXISTS (SELECT 1 FROM s x WHERE x.uscc = t.uscc AND x.year = t.year)
		) GROUP BY uscc)
		SELECT %[9]s, s.uscc, %[5]s FROM s JOIN (SELECT uscc, %[6]s FROM m) m USING (uscc)
		WHERE %[7]s`,
		strings.Join(aggs, ", "), strings.Join(slipColumns, ", "), l.batch, prefixed("t", slipColumns),
		strings.Join(picks, ", "), strings.Join(sums, ", "), strings.Join(conds, " OR "), l.newRows("n"), rowKeySQL(l.table, "s"))
	rows, err := l.conn.QueryContext(l.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("check unit slips: %w", err)
	}
	defer rows.Close()
	n := len(slipColumns)
	vals := make([]sql.NullFloat64, 3*n)
	dest := []any{new(string), new(string)}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	var out []RowProblem
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		row, uscc := l.sourceRow(*dest[0].(*string)), *dest[1].(*string)
		for i, col := range slipColumns {
			v, sum, cnt := vals[3*i], vals[3*i+1], vals[3*i+2]
			if !v.Valid || v.Float64 <= 0 || cnt.Float64 < 3 {
				continue
			}
			usual := math.Exp((sum.Float64 - math.Log(v.Float64)) / (cnt.Float64 - 1))
			if v.Float64 > slipFactor*usual {
				out = append(out, slipProblem(row, uscc, col, v.Float64, usual, int(cnt.Float64)-1))
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Row < out[j].Row })
	return out, nil
}

func (l *Load) checkEnterpriseLandSlips() ([]RowProblem, error) {
	rows, err := l.conn.QueryContext(l.ctx, fmt.Sprintf(`SELECT s.uscc, s.land_mu, m.med, m.n FROM %s s JOIN (
		SELECT uscc, median(land_mu) AS med, count(*) AS n FROM annual_facts WHERE land_mu > 0 GROUP BY uscc) m ON m.uscc = s.uscc
		WHERE s.land_mu > %d * m.med`, l.stage, slipFactor))
	if err != nil {
		return nil, fmt.Errorf("check unit slips: %w", err)
	}
	defer rows.Close()
	var out []RowProblem
	for rows.Next() {
		var n int64
		var uscc string
		var v, med float64
		if err := rows.Scan(&uscc, &v, &med, &n); err != nil {
			return nil, err
		}
		out = append(out, slipProblem(l.sourceRow(uscc), uscc, "land_mu", v, med, int(n)))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Row < out[j].Row })
	return out, nil
}

func slipProblem(row int64, uscc, col string, v, usual float64, n int) RowProblem {
	ratio := v / usual
	return RowProblem{Row: row, Column: col, Value: fmt.Sprint(v), Warning: true,
		Message: fmt.Sprintf("%s is %.0f× this enterprise's usual %s (%.4g, over %d other values): probably a unit slip (yuan for 10k yuan, m² for mu, kWh for 10k kWh); check the source",
			uscc, ratio, col, usual, n),
		MessageZh: fmt.Sprintf("%s 的该值是其其他年份通常水平（%.4g，共 %d 个值）的 %.0f 倍，疑似单位错误（元误作万元、平方米误作亩等），请核对原始数据",
			uscc, usual, n, ratio)}
}
