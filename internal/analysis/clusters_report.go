package analysis

import (
	"context"
	"math"
	"strconv"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// Geography selections of a report.
const (
	GeoAll    = "all"
	GeoCity   = cluster.GeoCity
	GeoRegion = cluster.GeoRegion
	GeoUnit   = cluster.GeoUnit
)

// AllIndustryID is the report's id for all above-size industry, each
// enterprise counted once (store.AllClusters inside the store).
const AllIndustryID = "all_industry"

// ReportOptions choose what ClusterReport shows.
type ReportOptions struct {
	// Period; the zero value means the latest month with data.
	Period Period
	// Geo is GeoAll (the default), GeoCity, GeoRegion or GeoUnit.
	Geo string
	// Unit, when set, keeps only this evaluation unit (a code) or region
	// (an id: metro, northeast, southeast).
	Unit string
	// ClusterID, when set, keeps only this cluster.
	ClusterID string
	// Lang picks the language of names: "zh" (default) or "en".
	Lang string
}

// ReportUnits documents the units of the report's numbers.
var ReportUnits = map[string]string{
	"money":                "10k yuan (万元)",
	"electricity_kwh":      "kWh",
	"employees":            "persons (average over the period's months)",
	"growth":               "percent, year on year; yoy_growth on the comparable basis (enterprises reporting in both periods), *_raw over all enterprises of each period",
	"contribution_pp":      "percentage points of the city's comparable growth (output; revenue where the cluster has no output)",
	"share":                "percent of the city's (or the geography's) all-industry total",
	"hhi":                  "Herfindahl–Hirschman index of enterprise output shares, 0–10,000 points",
	"top10_share":          "percent of output produced by the ten largest enterprises",
	"target_value":         "10k yuan; for regions and units the city target apportioned by their share of the base year",
	"actual/required_cagr": "percent a year",
}

// ReportNotes are the caveats every report carries.
var ReportNotes = []string{
	"An enterprise can belong to several clusters (e.g. 3841 batteries in NEV and new energy storage; nested clusters such as new displays inside electronics), so the sum over clusters exceeds the all-industry total; all_industry counts each enterprise once. 一家企业可同时属于多个集群，各集群相加会重复计算，all_industry 为去重合计。",
	"Months and year-to-date come from the monthly survey of above-size industrial enterprises; years from the annual facts of the enterprises above size that year. Services (software) report annually only. 月度与累计数据来自规上工业月报，年度数据来自当年规上企业年报。",
	"Regions and units add up to the city for every cluster; clusters are measured on today's memberships in both periods. 各区县、各片区加总等于全市。",
}

// Trajectory is a target measured against the data: where the cluster (or
// city indicator) stands, the growth it shows and the growth it needs.
type Trajectory struct {
	Metric     string   `json:"metric"`
	Unit       string   `json:"unit"`
	BaseYear   int      `json:"base_year"`
	BaseValue  *float64 `json:"base_value"`
	BaseSource string   `json:"base_source"` // data, or published when the data lack the base year
	Year       int      `json:"year"`
	Value      *float64 `json:"value"`
	TargetYear int      `json:"target_year"`
	Target     *float64 `json:"target_value"`
	ActualCAGR *float64 `json:"actual_cagr"`   // percent a year
	Required   *float64 `json:"required_cagr"` // percent a year
	Projected  *float64 `json:"projected_value"`
	Ratio      *float64 `json:"ratio"`
	Status     string   `json:"status"`
	StatusName string   `json:"status_name"`
	Direction  string   `json:"direction,omitempty"`
	Note       string   `json:"note,omitempty"`
	// Enterprises is the fewest enterprises (above none) the cell has in
	// the years whose values the trajectory shows, for withholding small
	// cells (clusters_withhold.go).
	Enterprises int64 `json:"-"`
}

// ReportRow is one cluster in one geography. Money in 10k yuan; growth,
// shares and CAGRs in percent; nil where a figure is undefined (no value a
// year earlier, no value added in a month).
type ReportRow struct {
	ClusterID     string   `json:"cluster_id"`
	ClusterName   string   `json:"cluster_name"`
	Tier          string   `json:"tier"`
	Geography     string   `json:"geography"` // city, a region id or a unit code
	GeographyKind string   `json:"geography_kind"`
	GeographyName string   `json:"geography_name"`
	Period        string   `json:"period"`
	OutputValue   float64  `json:"output_value"`
	Revenue       float64  `json:"revenue"`
	ValueAdded    *float64 `json:"value_added"`
	Enterprises   int64    `json:"enterprises"`
	Employees     float64  `json:"employees"`
	Electricity   float64  `json:"electricity_kwh"`
	// YoYGrowth is the comparable growth of GrowthMetric (the target's
	// metric, else output value; revenue for clusters without output).
	YoYGrowth        *float64    `json:"yoy_growth"`
	GrowthMetric     string      `json:"growth_metric"`
	OutputGrowth     *float64    `json:"output_growth"`
	OutputGrowthRaw  *float64    `json:"output_growth_raw"`
	RevenueGrowth    *float64    `json:"revenue_growth"`
	RevenueGrowthRaw *float64    `json:"revenue_growth_raw"`
	VAGrowth         *float64    `json:"value_added_growth"`
	ContributionPP   *float64    `json:"contribution_pp"`
	ShareOfCity      *float64    `json:"share_of_city"`
	ShareOfGeography *float64    `json:"share_of_geography"`
	HHI              *float64    `json:"hhi"`
	Top10Share       *float64    `json:"top10_share"`
	Entrants         int64       `json:"entrants"`
	Exits            int64       `json:"exits"`
	Comparable       int64       `json:"comparable_enterprises"`
	TargetValue      *float64    `json:"target_value"`
	TargetYear       int         `json:"target_year,omitempty"`
	Status           string      `json:"status"`
	Trajectory       *Trajectory `json:"trajectory,omitempty"`
	// Withheld: the cell has fewer than three enterprises, outside the
	// caller's territory; its figures are withheld (null in JSON) and its
	// Status is StatusWithheld (clusters_withhold.go).
	Withheld bool `json:"withheld,omitempty"`
}

// Report is the cluster overview of one period.
type Report struct {
	System        string            `json:"system"`
	SystemVersion string            `json:"system_version"`
	Period        Period            `json:"period"`
	PeriodLabel   string            `json:"period_label"`
	Units         map[string]string `json:"units"`
	Notes         []string          `json:"notes"`
	Rows          []ReportRow       `json:"rows"`
	// CityTargets track the plan's city-level targets (only in reports
	// that include the city).
	CityTargets []CityTargetView `json:"city_targets,omitempty"`
	// Cached says the figures came from the materialised rollup.
	Cached bool   `json:"cached"`
	Stamp  string `json:"data_stamp"`
}

// geo is one geography of a report.
type geo struct {
	kind, code, zh, en string
}

func geographies() []geo {
	out := []geo{{cluster.GeoCity, cluster.CityCode, "全市", "Chongqing (city)"}}
	for _, r := range refdata.Regions {
		out = append(out, geo{cluster.GeoRegion, r.ID, r.NameZh, r.NameEn})
	}
	for _, u := range refdata.Units() {
		out = append(out, geo{cluster.GeoUnit, u.Code, u.NameZh, u.NameEn})
	}
	return out
}

func pick(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// num turns NaN and infinities into nil, because JSON has no such numbers
// and an empty cell says "undefined" better than a made-up zero.
func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// pct is num of a fraction in percent, rounded to 6 decimals: beyond that
// the digits are floating-point noise (19.999999999999996 for 20).
func pct(x float64) *float64 { return num(round(x*100, 6)) }

// round rounds to d decimals.
func round(x float64, d int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}

// money rounds a sum of 10k-yuan figures to the cent the data carry.
func money(x float64) float64 { return round(x, 6) }

func nanValue() float64 { return math.NaN() }

// metricValue is the figure a target metric reads from the sums.
func metricValue(s cluster.Sums, m refdata.Metric) float64 {
	switch m {
	case refdata.MetricRevenue:
		return s.Revenue
	case refdata.MetricValueAdded:
		return s.ValueAdded
	}
	return s.Output
}

func thresholds(cs *refdata.ClusterSystem) []cluster.Threshold {
	out := make([]cluster.Threshold, len(cs.StatusThresholds))
	for i, t := range cs.StatusThresholds {
		out[i] = cluster.Threshold{Status: t.Status, MinRatio: t.MinRatio}
	}
	return out
}

func statusName(cs *refdata.ClusterSystem, status, lang string) string {
	for _, t := range cs.StatusThresholds {
		if t.Status == status {
			return pick(lang, t.NameZh, t.NameEn)
		}
	}
	return pick(lang, "无数据", "no data")
}

// growthMetric is the metric a cluster's headline growth is measured on:
// its target's, else output value; revenue for clusters with no output at
// all (services); output when the target is value added and the period
// has none.
func growthMetric(c *refdata.Cluster, city cluster.Sums, annual bool) refdata.Metric {
	m := refdata.MetricOutputValue
	if c != nil && c.Target != nil && c.Target.Metric != "" {
		m = c.Target.Metric
	}
	if m == refdata.MetricValueAdded && !annual {
		m = refdata.MetricOutputValue
	}
	if m == refdata.MetricOutputValue && city.Output == 0 && city.Revenue > 0 {
		m = refdata.MetricRevenue
	}
	return m
}

// ClusterReport computes the cluster overview of a period: one row per
// cluster × geography with its size, growth, contribution, shares,
// concentration, entrants and exits, and its target trajectory. Cells of
// fewer than three enterprises outside the caller's territory are
// withheld (clusters_withhold.go): callers that cache a report must key it
// by the caller's scope.
func ClusterReport(ctx context.Context, st *store.Store, opts ReportOptions) (*Report, error) {
	ctx, err := pinDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	cs := refdata.DefaultClusterSystem()
	p := opts.Period
	if p.Kind == "" {
		var err error
		if p, err = DefaultPeriod(ctx, st); err != nil {
			return nil, err
		}
	}
	if opts.Geo == "" {
		opts.Geo = GeoAll
	}
	switch opts.Geo {
	case GeoAll, GeoCity, GeoRegion, GeoUnit:
	default:
		return nil, indus.Errorf(indus.EInvalid, "unknown geography %q: use all, city, region or unit", opts.Geo).
			Zh("未知的地域范围 %q：请使用 all（全部）、city（全市）、region（片区）或 unit（区县）", opts.Geo)
	}
	if opts.Unit != "" {
		_, isUnit := refdata.UnitByCode(opts.Unit)
		_, isRegion := refdata.RegionByID(opts.Unit)
		if !isUnit && !isRegion {
			return nil, indus.Errorf(indus.EInvalid, "unknown unit %q: give one of the 41 unit codes (e.g. 500112) or a region (metro, northeast, southeast)", opts.Unit).
				Zh("未知的区县 %q：请给出 41 个评价单元代码之一（如 500112）或片区（metro、northeast、southeast）", opts.Unit)
		}
	}
	var only *refdata.Cluster
	if opts.ClusterID != "" && opts.ClusterID != AllIndustryID {
		c, ok := cs.Cluster(opts.ClusterID)
		if !ok {
			return nil, indus.Errorf(indus.ENotFound, "unknown cluster %q; 'indus clusters list' shows the ids", opts.ClusterID).
				Zh("未知的集群 %q；集群编号见“集群”页或 indus clusters list", opts.ClusterID)
		}
		only = c
	}
	r, err := GetRollup(ctx, st, p)
	if err != nil {
		return nil, err
	}
	traj, err := trajectories(ctx, st, cs, p, opts.Lang)
	if err != nil {
		return nil, err
	}
	rep := &Report{System: cs.ID, SystemVersion: cs.Version, Period: p, PeriodLabel: p.String(), Units: ReportUnits,
		Notes: ReportNotes, Cached: r.Cached, Stamp: r.Stamp, Rows: []ReportRow{}}
	type entry struct {
		id string
		c  *refdata.Cluster
	}
	var list []entry
	for i := range cs.Clusters {
		c := &cs.Clusters[i]
		if only == nil && opts.ClusterID == "" || only == c {
			list = append(list, entry{c.ID, c})
		}
	}
	if opts.ClusterID == "" || opts.ClusterID == AllIndustryID {
		list = append(list, entry{AllIndustryID, nil})
	}
	cityAll := r.Get(store.AllClusters, cluster.GeoCity, cluster.CityCode)
	for _, e := range list {
		storeID := e.id
		if e.c == nil {
			storeID = store.AllClusters
		}
		city := r.Get(storeID, cluster.GeoCity, cluster.CityCode)
		metric := growthMetric(e.c, city, p.Annual())
		for _, g := range geographies() {
			if !keepGeo(g, opts) {
				continue
			}
			s := r.Get(storeID, g.kind, g.code)
			m := cluster.Measure(s, cityAll, r.Get(store.AllClusters, g.kind, g.code))
			row := ReportRow{ClusterID: e.id, Geography: g.code, GeographyKind: g.kind, GeographyName: pick(opts.Lang, g.zh, g.en),
				Period: p.Key(), OutputValue: money(s.Output), Revenue: money(s.Revenue), ValueAdded: num(money(s.ValueAdded)), Enterprises: s.Enterprises,
				Employees: round(s.Employees, 6), Electricity: round(s.Electricity, 6), GrowthMetric: string(metric),
				OutputGrowth: pct(m.GrowthOutput), OutputGrowthRaw: pct(m.GrowthOutputRaw), RevenueGrowth: pct(m.GrowthRevenue),
				RevenueGrowthRaw: pct(m.GrowthRevenueRaw), VAGrowth: pct(m.GrowthValueAdded),
				ShareOfCity: pct(m.ShareOfCity), ShareOfGeography: pct(m.ShareOfGeo), HHI: num(round(m.HHI*10000, 6)), Top10Share: pct(m.Top10Share),
				Entrants: s.Entrants(), Exits: s.Exits(), Comparable: s.Comparable, Status: cluster.NoData}
			switch metric {
			case refdata.MetricRevenue:
				row.YoYGrowth, row.ContributionPP = row.RevenueGrowth, num(round(m.ContributionRevenuePP, 6))
			case refdata.MetricValueAdded:
				row.YoYGrowth, row.ContributionPP = row.VAGrowth, num(round(m.ContributionPP, 6))
			default:
				row.YoYGrowth, row.ContributionPP = row.OutputGrowth, num(round(m.ContributionPP, 6))
			}
			if e.c != nil {
				row.ClusterName, row.Tier = pick(opts.Lang, e.c.NameZh, e.c.NameEn), e.c.Tier
				if t, ok := traj[cluster.GeoKey{Cluster: e.id, Kind: g.kind, Code: g.code}]; ok {
					row.Trajectory = t
					row.TargetValue, row.TargetYear, row.Status = t.Target, t.TargetYear, t.Status
				}
			} else {
				row.ClusterName = pick(opts.Lang, "全部规上工业（去重）", "all above-size industry (each enterprise once)")
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	if opts.Unit == "" && (opts.Geo == GeoAll || opts.Geo == GeoCity) && opts.ClusterID == "" {
		if rep.CityTargets, err = CityTargets(ctx, st, p, opts.Lang); err != nil {
			return nil, err
		}
	}
	withholdSmallCells(indus.ScopeFrom(ctx), rep.Rows)
	return rep, nil
}

func keepGeo(g geo, opts ReportOptions) bool {
	if opts.Unit != "" {
		return g.code == opts.Unit
	}
	return opts.Geo == GeoAll || opts.Geo == g.kind
}

// trajectoryYears are the years a period's trajectories are judged on:
// the latest full year (capped by the data) and each target's base year.
func trajectoryYears(ctx context.Context, st *store.Store, p Period) (latest int, have map[int]bool, err error) {
	info, err := getDataInfo(ctx, st)
	if err != nil {
		return 0, nil, err
	}
	have = map[int]bool{}
	for _, y := range info.years {
		have[y] = true
		if y <= p.lastFullYear() {
			latest = y
		}
	}
	return latest, have, nil
}

// trajectories measures every cluster target in every geography: the
// city against the published target, regions and units against the target
// apportioned by their share of the city in the base year (the plan names
// no district targets, and a district growing at the pace the city needs
// keeps its share).
func trajectories(ctx context.Context, st *store.Store, cs *refdata.ClusterSystem, p Period, lang string) (map[cluster.GeoKey]*Trajectory, error) {
	latest, have, err := trajectoryYears(ctx, st, p)
	if err != nil {
		return nil, err
	}
	out := map[cluster.GeoKey]*Trajectory{}
	var latestRoll *Rollup
	if latest > 0 {
		if latestRoll, err = GetRollup(ctx, st, Period{Kind: PeriodYear, Year: latest}); err != nil {
			return nil, err
		}
	}
	bases := map[int]*Rollup{}
	th := thresholds(cs)
	for i := range cs.Clusters {
		c := &cs.Clusters[i]
		t := c.Target
		if t == nil {
			continue
		}
		unit, _ := refdata.UnitInYuan(t.Unit)
		scale := unit / 1e4 // target unit → 10k yuan
		target := t.Value * scale
		baseYear := t.BaseYear
		if baseYear == 0 {
			baseYear = cs.BaseYear
		}
		var base *Rollup
		if have[baseYear] && latest >= baseYear {
			if base = bases[baseYear]; base == nil {
				if base, err = GetRollup(ctx, st, Period{Kind: PeriodYear, Year: baseYear}); err != nil {
					return nil, err
				}
				bases[baseYear] = base
			}
		}
		cityBase, source := math.NaN(), "data"
		if base != nil {
			cityBase = metricValue(base.Get(c.ID, cluster.GeoCity, cluster.CityCode), t.Metric)
		}
		if !(cityBase > 0) && t.BaseValue != nil {
			cityBase, source = *t.BaseValue*scale, "published"
		}
		for _, g := range geographies() {
			k := cluster.GeoKey{Cluster: c.ID, Kind: g.kind, Code: g.code}
			gBase, gTarget := cityBase, target
			if g.kind != cluster.GeoCity {
				gBase = math.NaN()
				if base != nil && source == "data" {
					gBase = metricValue(base.Get(c.ID, g.kind, g.code), t.Metric)
				}
				gTarget = target * gBase / cityBase
			}
			value := math.NaN()
			var firms []int64
			if latestRoll != nil {
				s := latestRoll.Get(c.ID, g.kind, g.code)
				value, firms = metricValue(s, t.Metric), append(firms, s.Enterprises)
			}
			if base != nil && source == "data" {
				firms = append(firms, base.Get(c.ID, g.kind, g.code).Enterprises)
			}
			tr := cluster.Track(cluster.Goal{BaseYear: baseYear, BaseValue: gBase, Year: latest, Value: value, TargetYear: t.Year, Target: gTarget}, th)
			if latest == 0 {
				tr.Status = cluster.NoData
			}
			out[k] = &Trajectory{Metric: string(t.Metric), Unit: "10k_yuan", BaseYear: baseYear, BaseValue: num(gBase), BaseSource: source,
				Year: latest, Value: num(value), TargetYear: t.Year, Target: num(gTarget), ActualCAGR: pct(tr.ActualCAGR),
				Required: pct(tr.RequiredCAGR), Projected: num(tr.Projected), Ratio: num(tr.Ratio), Status: tr.Status,
				StatusName: statusName(cs, tr.Status, lang), Direction: string(refdata.AtLeast), Enterprises: fewestFirms(firms)}
		}
	}
	return out, nil
}

// fewestFirms is the smallest positive count, 0 when there is none.
func fewestFirms(counts []int64) int64 {
	var n int64
	for _, c := range counts {
		if c > 0 && (n == 0 || c < n) {
			n = c
		}
	}
	return n
}

// CityTargetView is one city-level target of the plan and where the data
// put it.
type CityTargetView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Trajectory
}

// CityTargets tracks the plan's city-level targets on the above-size
// industry of the data: revenue, R&D spending and intensity, labour
// productivity and the change in energy per unit of value added. Targets
// the enterprise data cannot measure (shares of GDP, of strategic emerging
// or high-tech industry) are listed with status no_data and a note.
func CityTargets(ctx context.Context, st *store.Store, p Period, lang string) ([]CityTargetView, error) {
	ctx, err := pinDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	cs := refdata.DefaultClusterSystem()
	info, err := getDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	years, err := info.industryYears(ctx, st)
	if err != nil {
		return nil, err
	}
	byYear := map[int]store.IndustryYear{}
	latest := 0
	for _, y := range years {
		byYear[y.Year] = y
		if y.Year <= p.lastFullYear() {
			latest = y.Year
		}
	}
	th := thresholds(cs)
	var out []CityTargetView
	for _, t := range cs.Targets {
		v := CityTargetView{ID: t.ID, Name: pick(lang, t.NameZh, t.NameEn)}
		baseYear := t.BaseYear
		if baseYear == 0 {
			baseYear = cs.BaseYear
		}
		var value func(store.IndustryYear) float64
		unit, target := t.Unit, t.Value
		money := func(f func(store.IndustryYear) float64) func(store.IndustryYear) float64 {
			// Figures are in 10k yuan; targets in the file's money unit.
			u, _ := refdata.UnitInYuan(t.Unit)
			target, unit = t.Value*u/1e4, "10k_yuan"
			return f
		}
		ratio := func(a, b float64) float64 {
			if !(b > 0) {
				return math.NaN()
			}
			return a / b
		}
		switch t.Metric {
		case "above_size_industrial_revenue":
			value = money(func(y store.IndustryYear) float64 { return y.Revenue })
		case "above_size_rd_spending":
			value = money(func(y store.IndustryYear) float64 { return y.RD })
		case "rd_intensity":
			value = func(y store.IndustryYear) float64 { return ratio(y.RD, y.RDRevenue) * 100 }
		case "labour_productivity":
			value = func(y store.IndustryYear) float64 { return ratio(y.LabourVA, y.LabourEmployees) }
		case "energy_per_industrial_va_change":
			value = func(y store.IndustryYear) float64 { return ratio(y.EnergyTCE, y.EnergyVA) }
		}
		tv := Trajectory{Metric: t.Metric, Unit: unit, BaseYear: baseYear, Year: latest, TargetYear: t.Year, Status: cluster.NoData,
			Direction: string(t.Direction), Note: t.Note}
		if tv.Direction == "" {
			tv.Direction = string(refdata.AtLeast)
		}
		if value == nil {
			tv.Note = "not measurable from enterprise data (needs GDP or an industry classification the data do not carry)"
			tv.StatusName = statusName(cs, tv.Status, lang)
			v.Trajectory = tv
			out = append(out, v)
			continue
		}
		base, source := math.NaN(), "data"
		if y, ok := byYear[baseYear]; ok && latest >= baseYear {
			base = value(y)
		}
		if !(base > 0) && t.BaseValue != nil && t.Metric != "energy_per_industrial_va_change" {
			u, isMoney := refdata.UnitInYuan(t.Unit)
			base, source = *t.BaseValue, "published"
			if isMoney {
				base = *t.BaseValue * u / 1e4
			}
		}
		cur := math.NaN()
		if y, ok := byYear[latest]; ok {
			cur = value(y)
		}
		goal := cluster.Goal{BaseYear: baseYear, BaseValue: base, Year: latest, Value: cur, TargetYear: t.Year, Target: target,
			AtMost: t.Direction == refdata.AtMost}
		if t.Metric == "energy_per_industrial_va_change" {
			// A change against the base year: judged on the intensity
			// itself, whose target is the base level cut by the percentage.
			goal.Target = base * (1 + t.Value/100)
			tv.Unit = "tce per 10k yuan of value added"
			tv.Note = "target: the base year's intensity changed by " + formatPercent(t.Value) + "; values are intensities"
		}
		tr := cluster.Track(goal, th)
		if latest == 0 {
			tr.Status = cluster.NoData
		}
		tv.BaseValue, tv.BaseSource, tv.Value, tv.Target = num(base), source, num(cur), num(goal.Target)
		tv.ActualCAGR, tv.Required, tv.Projected, tv.Ratio = pct(tr.ActualCAGR), pct(tr.RequiredCAGR), num(tr.Projected), num(tr.Ratio)
		tv.Status, tv.StatusName = tr.Status, statusName(cs, tr.Status, lang)
		v.Trajectory = tv
		out = append(out, v)
	}
	return out, nil
}

func formatPercent(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64) + " %"
}

// ---- detail, units, enterprises ------------------------------------------

// ClusterInfo describes a cluster of the system.
type ClusterInfo struct {
	ID       string          `json:"id"`
	NameZh   string          `json:"name_zh"`
	NameEn   string          `json:"name_en"`
	Tier     string          `json:"tier"`
	Parent   string          `json:"parent,omitempty"`
	Children []string        `json:"children,omitempty"`
	Verified bool            `json:"verified"`
	Note     string          `json:"note,omitempty"`
	Target   *refdata.Target `json:"target,omitempty"`
	Rules    refdata.Rules   `json:"rules"`
}

// YearPoint is a cluster's city figures in one year.
type YearPoint struct {
	Year        int      `json:"year"`
	OutputValue float64  `json:"output_value"`
	Revenue     float64  `json:"revenue"`
	ValueAdded  *float64 `json:"value_added"`
	Enterprises int64    `json:"enterprises"`
	YoYGrowth   *float64 `json:"yoy_growth"`
	// Withheld: fewer than three enterprises that year, and the caller may
	// not see them; the figures are zero and not to be shown.
	Withheld bool `json:"withheld,omitempty"`
}

// ClusterDetail is one cluster's page: the city and regions, the target
// trajectory, the annual series and the leading enterprises.
type ClusterDetail struct {
	Cluster     ClusterInfo         `json:"cluster"`
	Period      Period              `json:"period"`
	City        ReportRow           `json:"city"`
	Regions     []ReportRow         `json:"regions"`
	Series      []YearPoint         `json:"series"`
	Leading     []store.FirmFigures `json:"leading_enterprises"`
	Notes       []string            `json:"notes"`
	Units       map[string]string   `json:"units"`
	DataStamp   string              `json:"data_stamp"`
	Memberships int64               `json:"members"`
}

func clusterInfo(cs *refdata.ClusterSystem, id string) (ClusterInfo, error) {
	c, ok := cs.Cluster(id)
	if !ok {
		return ClusterInfo{}, indus.Errorf(indus.ENotFound, "unknown cluster %q; 'indus clusters list' shows the ids", id).
			Zh("未知的集群 %q；集群编号见“集群”页或 indus clusters list", id)
	}
	info := ClusterInfo{ID: c.ID, NameZh: c.NameZh, NameEn: c.NameEn, Tier: c.Tier, Parent: c.Parent, Verified: c.Verified,
		Note: c.Note, Target: c.Target, Rules: c.Rules}
	for _, ch := range cs.Children(c.ID) {
		info.Children = append(info.Children, ch.ID)
	}
	return info, nil
}

// GetClusterDetail returns one cluster's page for a period.
func GetClusterDetail(ctx context.Context, st *store.Store, id string, p Period, lang string) (*ClusterDetail, error) {
	ctx, err := pinDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	cs := refdata.DefaultClusterSystem()
	info, err := clusterInfo(cs, id)
	if err != nil {
		return nil, err
	}
	rep, err := ClusterReport(ctx, st, ReportOptions{Period: p, ClusterID: id, Lang: lang})
	if err != nil {
		return nil, err
	}
	d := &ClusterDetail{Cluster: info, Period: rep.Period, Notes: rep.Notes, Units: rep.Units, DataStamp: rep.Stamp, Regions: []ReportRow{}}
	for _, r := range rep.Rows {
		switch r.GeographyKind {
		case cluster.GeoCity:
			d.City = r
		case cluster.GeoRegion:
			d.Regions = append(d.Regions, r)
		}
	}
	di, err := getDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	d.Series = []YearPoint{}
	c, _ := cs.Cluster(id)
	sc := indus.ScopeFrom(ctx)
	for _, y := range di.years {
		r, err := GetRollup(ctx, st, Period{Kind: PeriodYear, Year: y})
		if err != nil {
			return nil, err
		}
		s := r.Get(id, cluster.GeoCity, cluster.CityCode)
		if smallCell(sc, s.Enterprises, cluster.GeoCity, cluster.CityCode) {
			d.Series = append(d.Series, YearPoint{Year: y, Enterprises: s.Enterprises, Withheld: true})
			continue
		}
		pt := YearPoint{Year: y, OutputValue: s.Output, Revenue: s.Revenue, ValueAdded: num(s.ValueAdded), Enterprises: s.Enterprises}
		if growthMetric(c, s, true) == refdata.MetricRevenue {
			pt.YoYGrowth = pct(cluster.Growth(s.CompRevenue, s.CompPrevRevenue))
		} else {
			pt.YoYGrowth = pct(cluster.Growth(s.CompOutput, s.CompPrevOutput))
		}
		d.Series = append(d.Series, pt)
	}
	if d.Leading, _, err = st.ClusterFirms(ctx, store.FirmQuery{SystemID: cs.ID, ClusterID: id, Period: rep.Period.spec(), Limit: 10}); err != nil {
		return nil, err
	}
	if d.Leading == nil {
		d.Leading = []store.FirmFigures{}
	}
	d.Memberships = d.City.Enterprises
	return d, nil
}

// MonthPoint is a cluster's city-wide output in one month (10k yuan) and
// its comparable year-on-year growth (percent). Withheld: the month has
// one or two enterprises the caller may not see; the figures are nil.
type MonthPoint struct {
	Month    string   `json:"month"`
	Output   *float64 `json:"output_value"`
	Growth   *float64 `json:"yoy_growth"`
	Withheld bool     `json:"withheld,omitempty"`
}

// ClusterMonths is a cluster's city-wide series over the n months up to
// end, skipping months without data.
func ClusterMonths(ctx context.Context, st *store.Store, id string, end indus.Month, n int) ([]MonthPoint, error) {
	sc := indus.ScopeFrom(ctx)
	var pts []MonthPoint
	for i := n - 1; i >= 0; i-- {
		m := end.AddMonths(-i)
		ro, err := GetRollup(ctx, st, Period{Kind: PeriodMonth, Year: m.Year, Month: int(m.Month)})
		if err != nil {
			if indus.Code(err) == indus.EInternal {
				return nil, err
			}
			continue // a month without data
		}
		s := ro.Get(id, cluster.GeoCity, cluster.CityCode)
		if smallCell(sc, s.Enterprises, cluster.GeoCity, cluster.CityCode) {
			pts = append(pts, MonthPoint{Month: m.String(), Withheld: true})
			continue
		}
		out := s.Output
		pts = append(pts, MonthPoint{Month: m.String(), Output: &out, Growth: pct(cluster.Growth(s.CompOutput, s.CompPrevOutput))})
	}
	return pts, nil
}

// ClusterFirmList is the trace behind a cluster's figure: its enterprises
// in a geography and period, with the totals they add up to.
type ClusterFirmList struct {
	ClusterID string              `json:"cluster_id"`
	Period    Period              `json:"period"`
	Geography string              `json:"geography"`
	Total     int64               `json:"total"`
	Limit     int                 `json:"limit"`
	Offset    int                 `json:"offset"`
	Sums      ListSums            `json:"sums"` // over every listed-or-not enterprise of the selection
	Items     []store.FirmFigures `json:"enterprises"`
}

// ListSums are the totals of an enterprise list, to set against the
// report's row.
type ListSums struct {
	OutputValue float64 `json:"output_value"`
	Revenue     float64 `json:"revenue"`
	Enterprises int64   `json:"enterprises"` // reporting in the period
}

// ClusterEnterprises lists the enterprises behind a cluster's figures in
// the city, a region or a unit (geo: "", "city", a region id or a unit
// code), largest first, and the totals over all of them.
func ClusterEnterprises(ctx context.Context, st *store.Store, id string, p Period, geoCode string, limit, offset int) (*ClusterFirmList, error) {
	ctx, err := pinDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	cs := refdata.DefaultClusterSystem()
	storeID := id
	if id == AllIndustryID {
		storeID = store.AllClusters
	} else if _, ok := cs.Cluster(id); !ok {
		return nil, indus.Errorf(indus.ENotFound, "unknown cluster %q; 'indus clusters list' shows the ids", id).
			Zh("未知的集群 %q；集群编号见“集群”页或 indus clusters list", id)
	}
	if p.Kind == "" {
		var err error
		if p, err = DefaultPeriod(ctx, st); err != nil {
			return nil, err
		}
	}
	if _, err := getDataInfo(ctx, st); err != nil {
		return nil, err
	}
	units, err := unitsOf(geoCode)
	if err != nil {
		return nil, err
	}
	if geoCode == "" {
		geoCode = cluster.CityCode
	}
	all, total, err := st.ClusterFirms(ctx, store.FirmQuery{SystemID: cs.ID, ClusterID: storeID, Period: p.spec(), UnitCodes: units})
	if err != nil {
		return nil, err
	}
	l := &ClusterFirmList{ClusterID: id, Period: p, Geography: geoCode, Total: total, Limit: limit, Offset: offset}
	for _, f := range all {
		if f.Reported {
			l.Sums.Enterprises++
			if f.Output != nil {
				l.Sums.OutputValue += *f.Output
			}
			if f.Revenue != nil {
				l.Sums.Revenue += *f.Revenue
			}
		}
	}
	lo := min(max(offset, 0), len(all))
	hi := len(all)
	if limit > 0 {
		hi = min(lo+limit, len(all))
	}
	l.Items = all[lo:hi]
	if l.Items == nil {
		l.Items = []store.FirmFigures{}
	}
	return l, nil
}

// unitsOf expands a geography code to its units: none for the city, the
// units of a region, or the unit itself.
func unitsOf(code string) ([]string, error) {
	switch {
	case code == "" || code == cluster.CityCode:
		return nil, nil
	case isRegion(code):
		var out []string
		for _, u := range refdata.Units() {
			if u.Region == code {
				out = append(out, u.Code)
			}
		}
		return out, nil
	}
	if _, ok := refdata.UnitByCode(code); !ok {
		return nil, indus.Errorf(indus.ENotFound, "unknown geography %q: use city, a region (metro, northeast, southeast) or one of the 41 unit codes", code).
			Zh("未知的地域 %q：请使用 city（全市）、片区（metro、northeast、southeast）或 41 个评价单元代码之一", code)
	}
	return []string{code}, nil
}

func isRegion(code string) bool {
	_, ok := refdata.RegionByID(code)
	return ok
}
