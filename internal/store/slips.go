package store

import (
	"fmt"
	"strings"
)

// slipFactor is how far above the firm's own median a value must be to be
// flagged as a probable unit slip. The slips seen in practice inflate a
// value: yuan written for 10k yuan (×10,000), m² for mu (×666.7), kWh for
// 10k kWh (×10,000); a firm's real figures rarely move 300-fold between
// years. Only inflation is flagged: a young firm's small first year is not
// a slip.
const slipFactor = 300

// slipColumns are the annual figures checked for unit slips.
var slipColumns = []string{"land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce", "electricity_kwh"}

// checkUnitSlips warns about staged values far above the same firm's
// median over all its years (stored and staged); with at least three
// positive values the median is robust to the slip itself. Enterprise land
// is compared with the firm's annual land. The rows stay; the warning asks
// the analyst to check the unit.
func (l *Load) checkUnitSlips() ([]RowProblem, error) {
	var q string
	switch l.table.name {
	case "annual_facts":
		var parts []string
		for _, c := range slipColumns {
			parts = append(parts, fmt.Sprintf(`
			SELECT '%[1]s' AS col, s.src_row, s.uscc, s.%[1]s AS v, m.med, m.n FROM %[2]s s JOIN (
				SELECT uscc, median(v) AS med, count(*) AS n FROM (
					SELECT uscc, %[1]s AS v FROM %[2]s
					UNION ALL
					SELECT t.uscc, t.%[1]s FROM annual_facts t
					WHERE t.uscc IN (SELECT uscc FROM %[2]s)
					  AND NOT EXISTS (SELECT 1 FROM %[2]s x WHERE x.uscc = t.uscc AND x.year = t.year)
				) WHERE v > 0 GROUP BY uscc) m ON m.uscc = s.uscc
			WHERE m.n >= 3 AND s.%[1]s > %[3]d * m.med`, c, l.stage, slipFactor))
		}
		q = strings.Join(parts, "\nUNION ALL") + "\nORDER BY src_row, col"
	case "enterprises":
		q = fmt.Sprintf(`SELECT 'land_mu' AS col, s.src_row, s.uscc, s.land_mu, m.med, m.n FROM %s s JOIN (
			SELECT uscc, median(land_mu) AS med, count(*) AS n FROM annual_facts WHERE land_mu > 0 GROUP BY uscc) m ON m.uscc = s.uscc
			WHERE m.n >= 1 AND s.land_mu > %d * m.med ORDER BY s.src_row`, l.stage, slipFactor)
	default:
		return nil, nil
	}
	rows, err := l.conn.QueryContext(l.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("check unit slips: %w", err)
	}
	defer rows.Close()
	var out []RowProblem
	for rows.Next() {
		var col, uscc string
		var row, n int64
		var v, med float64
		if err := rows.Scan(&col, &row, &uscc, &v, &med, &n); err != nil {
			return nil, err
		}
		ratio := v / med
		out = append(out, RowProblem{Row: row, Column: col, Value: fmt.Sprint(v), Warning: true,
			Message: fmt.Sprintf("%s is %.0f× this enterprise's usual %s (median %.4g over %d values): probably a unit slip (yuan for 10k yuan, m² for mu, kWh for 10k kWh); check the source",
				uscc, ratio, col, med, n),
			MessageZh: fmt.Sprintf("%s 的该值是其历年中位数（%.4g，共 %d 个值）的 %.0f 倍，疑似单位错误（元误作万元、平方米误作亩等），请核对原始数据",
				uscc, med, n, ratio)})
	}
	return out, rows.Err()
}
