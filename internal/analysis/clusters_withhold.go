package analysis

import (
	"encoding/json"
	"slices"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/store"
)

// Small cells. A cluster's figures in a geography with one or two
// enterprises are those enterprises' own figures (output, revenue,
// electricity, employees; growth and the target apportioned from them).
// Someone who may not see those enterprises must not see the cell either:
// such a cell is withheld, the rule of three of statistical disclosure
// control that evaluation areas follow (store.MinAreaEnterprises). The
// number of enterprises stays, so the reader knows why.

// StatusWithheld is the target status of a withheld cell.
const StatusWithheld = "withheld"

// coversGeography reports whether every enterprise of a geography lies in
// the scope: the whole territory covers everything; a unit official's
// units cover those units (a park-scoped official covers no whole unit,
// as for evaluation areas); nobody else covers the city or a region.
func coversGeography(sc indus.Scope, kind, code string) bool {
	if sc.All {
		return true
	}
	return kind == cluster.GeoUnit && sc.Park == "" && slices.Contains(sc.Units, code)
}

// smallCell reports whether a cell of n enterprises must be withheld from
// a caller with scope sc.
func smallCell(sc indus.Scope, n int64, kind, code string) bool {
	return n > 0 && n < store.MinAreaEnterprises && !coversGeography(sc, kind, code)
}

// withholdSmallCells withholds, in place, the rows a caller with scope sc
// may not see (see smallCell). A row whose own period has enough
// enterprises can still have a trajectory judged on years that have not
// (a cluster that reports annually in a monthly report): then the
// trajectory, the target and the status are withheld.
func withholdSmallCells(sc indus.Scope, rows []ReportRow) {
	for i := range rows {
		r := &rows[i]
		if r.Trajectory != nil && smallCell(sc, r.Trajectory.Enterprises, r.GeographyKind, r.Geography) {
			r.Trajectory, r.TargetValue, r.TargetYear, r.Status = nil, nil, 0, StatusWithheld
		}
		if !smallCell(sc, r.Enterprises, r.GeographyKind, r.Geography) {
			continue
		}
		*r = ReportRow{ClusterID: r.ClusterID, ClusterName: r.ClusterName, Tier: r.Tier, Geography: r.Geography,
			GeographyKind: r.GeographyKind, GeographyName: r.GeographyName, Period: r.Period, Enterprises: r.Enterprises,
			GrowthMetric: r.GrowthMetric, Status: StatusWithheld, Withheld: true}
	}
}

// withheldJSON marshals v (of a type without a MarshalJSON of its own)
// and, when withheld, writes the named members as null: a withheld figure
// is unknown, not zero.
func withheldJSON(v any, withheld bool, members ...string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || !withheld {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, k := range members {
		if _, ok := m[k]; ok {
			m[k] = json.RawMessage("null")
		}
	}
	return json.Marshal(m)
}

// MarshalJSON writes a withheld row's figures as null.
func (r ReportRow) MarshalJSON() ([]byte, error) {
	type plain ReportRow
	return withheldJSON(plain(r), r.Withheld, "output_value", "revenue", "employees", "electricity_kwh",
		"entrants", "exits", "comparable_enterprises")
}

// MarshalJSON writes a withheld row's employment and output as null.
func (r SpecRow) MarshalJSON() ([]byte, error) {
	type plain SpecRow
	return withheldJSON(plain(r), r.Withheld, "employees", "output_value")
}

// MarshalJSON writes a withheld year's figures as null.
func (p YearPoint) MarshalJSON() ([]byte, error) {
	type plain YearPoint
	return withheldJSON(plain(p), p.Withheld, "output_value", "revenue")
}
