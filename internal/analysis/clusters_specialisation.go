package analysis

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// SpecOptions choose the period, the rules and the reference of
// Specialisation.
type SpecOptions struct {
	// Period; the zero value means the latest full year with data.
	Period Period
	Strong cluster.StrongRule // zero: the US Cluster Mapping defaults
	Stars  cluster.StarRule   // zero: the European Cluster Observatory defaults
	// Reference names an imported reference table (national or
	// provincial) for the city's own location quotients; empty for none.
	Reference string
	// ClusterID or Unit narrow the result.
	ClusterID string
	Unit      string
	Lang      string
}

// SpecRow is one cluster in one evaluation unit: location quotients
// against the city on employment and output, the strong-cluster flag and
// the stars.
type SpecRow struct {
	ClusterID                string   `json:"cluster_id"`
	ClusterName              string   `json:"cluster_name"`
	Unit                     string   `json:"unit"`
	UnitName                 string   `json:"unit_name"`
	Employees                float64  `json:"employees"`
	OutputValue              float64  `json:"output_value"`
	Enterprises              int64    `json:"enterprises"`
	LQEmployment             *float64 `json:"lq_employment"`
	LQOutput                 *float64 `json:"lq_output"`
	Focus                    *float64 `json:"focus"` // percent of the unit's employment
	Strong                   bool     `json:"strong"`
	Stars                    int      `json:"stars"`
	StarSize                 bool     `json:"star_size"`
	StarSpecial              bool     `json:"star_specialisation"`
	StarFocus                bool     `json:"star_focus"`
	ShareOfClusterEmployment *float64 `json:"share_of_cluster_employment"` // percent of the city cluster's
	// Withheld: fewer than three enterprises, outside the caller's
	// territory: every figure is withheld (null in JSON), the flags unset.
	Withheld bool `json:"withheld,omitempty"`
}

// CityLQ is the city's own location quotient of a cluster against a
// reference table.
type CityLQ struct {
	ClusterID    string   `json:"cluster_id"`
	ClusterName  string   `json:"cluster_name"`
	LQEmployment *float64 `json:"lq_employment"`
	LQOutput     *float64 `json:"lq_output"`
}

// Specialisation is the specialisation table of a period.
type Specialisation struct {
	Period    Period             `json:"period"`
	Strong    cluster.StrongRule `json:"strong_rule"`
	Stars     cluster.StarRule   `json:"star_rule"`
	Rows      []SpecRow          `json:"rows"`
	Reference string             `json:"reference,omitempty"`
	City      []CityLQ           `json:"city,omitempty"`
	Notes     []string           `json:"notes"`
}

// SpecialisationNotes say what the quotients are measured against.
var SpecialisationNotes = []string{
	"Location quotients compare a unit's cluster share with the city's: (x_unit,cluster ÷ x_unit,all) ÷ (x_city,cluster ÷ x_city,all), on the employment and output of above-size industry. 区位商以全市为基准。",
	"Strong cluster (US Cluster Mapping): LQ ≥ the cluster's 75th percentile over the units where it employs anyone and ≥ 1, employment and enterprises ≥ their 25th percentiles (R type 7). Stars (European Cluster Observatory): size = employment in the top 10 % of units, specialisation = LQ ≥ 2, focus = share of the unit's employment in the top 10 %.",
}

// LatestFullYear is the latest year with annual facts (the default period
// of specialisation: employment is an annual average).
func LatestFullYear(ctx context.Context, st *store.Store) (Period, error) {
	info, err := getDataInfo(ctx, st)
	if err != nil {
		return Period{}, err
	}
	if len(info.years) == 0 {
		return Period{}, indus.Errorf(indus.ENotFound, "there are no annual facts yet; import them first").Zh("尚无年度数据；请先导入")
	}
	return Period{Kind: PeriodYear, Year: info.years[len(info.years)-1]}, nil
}

// GetSpecialisation computes location quotients, strong clusters and stars
// for every cluster in every unit, and the city's own quotients against a
// reference table when one is named.
func GetSpecialisation(ctx context.Context, st *store.Store, opts SpecOptions) (*Specialisation, error) {
	ctx, err := pinDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	cs := refdata.DefaultClusterSystem()
	p := opts.Period
	if p.Kind == "" {
		var err error
		if p, err = LatestFullYear(ctx, st); err != nil {
			return nil, err
		}
	}
	if opts.Strong == (cluster.StrongRule{}) {
		opts.Strong = cluster.DefaultStrongRule
	}
	if opts.Stars == (cluster.StarRule{}) {
		opts.Stars = cluster.DefaultStarRule
	}
	if opts.ClusterID != "" {
		if _, ok := cs.Cluster(opts.ClusterID); !ok {
			return nil, indus.Errorf(indus.ENotFound, "unknown cluster %q; 'indus clusters list' shows the ids", opts.ClusterID).
				Zh("未知的集群 %q；集群编号见“集群”页或 indus clusters list", opts.ClusterID)
		}
	}
	if opts.Unit != "" {
		if _, ok := refdata.UnitByCode(opts.Unit); !ok {
			return nil, indus.Errorf(indus.ENotFound, "unknown unit %q: give one of the 41 unit codes", opts.Unit).
				Zh("未知的区县 %q：请给出 41 个评价单元代码之一", opts.Unit)
		}
	}
	r, err := GetRollup(ctx, st, p)
	if err != nil {
		return nil, err
	}
	out := &Specialisation{Period: p, Strong: opts.Strong, Stars: opts.Stars, Rows: []SpecRow{}, Notes: SpecialisationNotes}
	cityAll := r.Get(store.AllClusters, cluster.GeoCity, cluster.CityCode)
	units := refdata.Units()
	sc := indus.ScopeFrom(ctx) // small cells withheld (clusters_withhold.go)
	for i := range cs.Clusters {
		c := &cs.Clusters[i]
		city := r.Get(c.ID, cluster.GeoCity, cluster.CityCode)
		rcs := make([]cluster.RegionCluster, len(units))
		rows := make([]SpecRow, len(units))
		for j, u := range units {
			s := r.Get(c.ID, cluster.GeoUnit, u.Code)
			all := r.Get(store.AllClusters, cluster.GeoUnit, u.Code)
			lqE := cluster.LQ(s.Employees, all.Employees, city.Employees, cityAll.Employees)
			lqO := cluster.LQ(s.Output, all.Output, city.Output, cityAll.Output)
			focus := cluster.Share(s.Employees, all.Employees)
			rcs[j] = cluster.RegionCluster{Region: u.Code, Employment: s.Employees, Establishments: float64(s.Enterprises), LQ: lqE, Focus: focus}
			rows[j] = SpecRow{ClusterID: c.ID, ClusterName: pick(opts.Lang, c.NameZh, c.NameEn), Unit: u.Code, UnitName: pick(opts.Lang, u.NameZh, u.NameEn),
				Employees: s.Employees, OutputValue: s.Output, Enterprises: s.Enterprises, LQEmployment: num(lqE), LQOutput: num(lqO),
				Focus: pct(focus), ShareOfClusterEmployment: pct(cluster.Share(s.Employees, city.Employees))}
		}
		strong := cluster.Strong(rcs, opts.Strong)
		stars := cluster.RateStars(rcs, opts.Stars)
		for j := range rows {
			rows[j].Strong = strong[j]
			rows[j].StarSize, rows[j].StarSpecial, rows[j].StarFocus = stars[j].Size, stars[j].Specialisation, stars[j].Focus
			rows[j].Stars = stars[j].Count()
			if smallCell(sc, rows[j].Enterprises, cluster.GeoUnit, rows[j].Unit) {
				r := rows[j]
				rows[j] = SpecRow{ClusterID: r.ClusterID, ClusterName: r.ClusterName, Unit: r.Unit, UnitName: r.UnitName,
					Enterprises: r.Enterprises, Withheld: true}
			}
			if (opts.ClusterID == "" || opts.ClusterID == c.ID) && (opts.Unit == "" || opts.Unit == rows[j].Unit) {
				out.Rows = append(out.Rows, rows[j])
			}
		}
	}
	if opts.Reference != "" {
		ref, err := st.Reference(ctx, opts.Reference)
		if err != nil {
			return nil, err
		}
		out.Reference = opts.Reference
		out.City = cityLQs(cs, r, ref, opts.Lang)
	}
	return out, nil
}

// cityLQs sets the city's cluster shares against a reference table's: the
// reference's industries are placed in clusters by the same rules (by code
// only: a reference has no business scopes), summed over all its regions.
func cityLQs(cs *refdata.ClusterSystem, r *Rollup, ref []store.ReferenceRow, lang string) []CityLQ {
	m := cs.Matcher()
	var refEmp, refOut float64
	clEmp, clOut := map[string]float64{}, map[string]float64{}
	for _, row := range ref {
		for _, mem := range m.Match(row.IndustryCode, "") {
			if row.Employees != nil {
				clEmp[mem.ClusterID] += *row.Employees
			}
			if row.Output != nil {
				clOut[mem.ClusterID] += *row.Output
			}
		}
		if row.Employees != nil {
			refEmp += *row.Employees
		}
		if row.Output != nil {
			refOut += *row.Output
		}
	}
	cityAll := r.Get(store.AllClusters, cluster.GeoCity, cluster.CityCode)
	var out []CityLQ
	for i := range cs.Clusters {
		c := &cs.Clusters[i]
		s := r.Get(c.ID, cluster.GeoCity, cluster.CityCode)
		out = append(out, CityLQ{ClusterID: c.ID, ClusterName: pick(lang, c.NameZh, c.NameEn),
			LQEmployment: num(cluster.LQ(s.Employees, cityAll.Employees, clEmp[c.ID], refEmp)),
			LQOutput:     num(cluster.LQ(s.Output, cityAll.Output, clOut[c.ID], refOut))})
	}
	return out
}

// ImportReference reads a region × industry reference table (CSV with a
// header: region, industry_code, and employees and/or output_value in 10k
// yuan; UTF-8) and stores it under name, replacing any table of that name.
func ImportReference(ctx context.Context, st *store.Store, path, name, user string) (int64, error) {
	if strings.TrimSpace(name) == "" {
		return 0, indus.Errorf(indus.EInvalid, "a reference table needs a name (--name), e.g. national-2023")
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, indus.Errorf(indus.EInvalid, "cannot open %s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	rows, err := readReference(path, f)
	if err != nil {
		return 0, err
	}
	return st.ReplaceReference(ctx, name, user, rows)
}

func readReference(path string, r io.Reader) ([]store.ReferenceRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "%s: cannot read the header: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	ri, ok1 := col["region"]
	ii, ok2 := col["industry_code"]
	ei, hasE := col["employees"]
	oi, hasO := col["output_value"]
	if !ok1 || !ok2 || (!hasE && !hasO) {
		return nil, indus.Errorf(indus.EInvalid, "%s: the header must name region, industry_code and employees and/or output_value; it has %s", path, strings.Join(head, ", "))
	}
	ind := refdata.GBT4754()
	var out []store.ReferenceRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, indus.Errorf(indus.EInvalid, "%s: %v", path, err)
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := store.ReferenceRow{Region: get(ri), IndustryCode: get(ii)}
		if _, ok := ind.Lookup(row.IndustryCode); !ok {
			return nil, indus.Errorf(indus.EInvalid, "%s:%d: industry code %q is not in GB/T 4754-2017", path, line, row.IndustryCode)
		}
		for _, c := range []struct {
			has bool
			i   int
			dst **float64
			nm  string
		}{{hasE, ei, &row.Employees, "employees"}, {hasO, oi, &row.Output, "output_value"}} {
			if !c.has || get(c.i) == "" {
				continue
			}
			v, err := strconv.ParseFloat(get(c.i), 64)
			if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, indus.Errorf(indus.EInvalid, "%s:%d: %s %q is not a number ≥ 0", path, line, c.nm, get(c.i))
			}
			*c.dst = &v
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "%s has no rows", path)
	}
	return out, nil
}
