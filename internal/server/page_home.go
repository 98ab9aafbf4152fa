package server

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// The overview: the whole cluster system at a glance — each cluster as a
// tile by tier (scale, growth, target, status), the city's KPIs and its
// 2027 targets, the 41 units coloured by a chosen metric, the latest
// warnings, and the definitions of the cluster system.

type homeView struct {
	Counts   store.Counts
	System   *systemView
	Empty    bool
	Year     int
	Period   string
	City     analysis.EnterpriseFigures
	Tiers    []tileTier
	TilesErr string
	Targets  []targetView
	Map      *unitMapView
	Trend    *chartView
	Warnings []warningView
	WarnN    int
	WarnErr  string
	AsOf     string
	Units    []unitView // kept for the definitions section
}

func (v homeView) hasCharts() bool { return v.Trend != nil }

type unitView struct {
	Code, Name, Region, RegionName string
}

type tileTier struct {
	Name  string
	Tiles []tileView
}

type tileView struct {
	ID, Name, Status, StatusName string
	Scale                        *float64 // 10k yuan
	Growth                       *float64 // percent
	Target                       string
	Child                        bool
	Metric                       string
	NoData                       string // why there is no figure for the period
}

type targetView struct {
	Name, Unit, Status, StatusName, Note string
	Base, Value, Target, Projected       string
	Actual, Required                     string
	BaseYear, Year, TargetYear           int
}

type warningView struct {
	Type, Severity, Month, Name, Href, Unit, Message, Evidence string
}

// unitMapView is the 41 units coloured by a metric.
type unitMapView struct {
	Metric  string
	Metrics []optionView
	Label   string
	Unit    string
	Regions []unitMapRegion
	Legend  []legendItem
	Caption string
	Table   *chartData
}

type unitMapRegion struct {
	Name  string
	Cells []unitCell
}

type unitCell struct {
	Code, Name, Value, Class, Title string
}

type legendItem struct{ Class, Label string }

// mapMetrics are the metrics the unit map can show, with how to read them
// from a unit's figures.
var mapMetrics = []struct {
	ID, Label, Unit string
	Get             func(f analysis.EnterpriseFigures) (float64, bool)
	Fmt             func(v float64) string
}{
	{"output", "map.output", "unit.yi", func(f analysis.EnterpriseFigures) (float64, bool) { return f.OutputValue, f.Firms > 0 }, func(v float64) string { return fmtFloat(v/1e4, 1) }},
	{"revenue", "map.revenue", "unit.yi", func(f analysis.EnterpriseFigures) (float64, bool) { return f.Revenue, f.Firms > 0 }, func(v float64) string { return fmtFloat(v/1e4, 1) }},
	{"value_added", "map.value_added", "unit.yi", func(f analysis.EnterpriseFigures) (float64, bool) { return f.ValueAdded, f.Firms > 0 }, func(v float64) string { return fmtFloat(v/1e4, 1) }},
	{"growth", "map.growth", "unit.pct", ptrGet(func(f analysis.EnterpriseFigures) *float64 { return f.OutputGrowth }), func(v float64) string { return fmtPct(v, 1, true) }},
	{"tax_per_mu", "map.tax_per_mu", "unit.wan_per_mu", ptrGet(func(f analysis.EnterpriseFigures) *float64 { return f.TaxPerMu }), func(v float64) string { return fmtFloat(v, 1) }},
	{"va_per_mu", "map.va_per_mu", "unit.wan_per_mu", ptrGet(func(f analysis.EnterpriseFigures) *float64 { return f.VAPerMu }), func(v float64) string { return fmtFloat(v, 1) }},
	{"firms", "map.firms", "unit.firms", func(f analysis.EnterpriseFigures) (float64, bool) { return float64(f.Firms), true }, func(v float64) string { return fmtFloat(v, 0) }},
}

func ptrGet(f func(analysis.EnterpriseFigures) *float64) func(analysis.EnterpriseFigures) (float64, bool) {
	return func(x analysis.EnterpriseFigures) (float64, bool) {
		p := f(x)
		if p == nil {
			return 0, false
		}
		return *p, true
	}
}

func (s *Server) pageHomeView(w http.ResponseWriter, r *http.Request) {
	if p := indus.PrincipalFrom(r.Context()); !p.Role.Allows(indus.ActViewAggregates) {
		// An enterprise user's home is its own record.
		http.Redirect(w, r, "/enterprises/"+url.PathEscape(p.USCC), http.StatusSeeOther)
		return
	}
	lang := s.language(w, r)
	ctx := r.Context()
	counts, err := s.store.Counts(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	stamp, err := s.store.DataStamp(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := homeView{Counts: counts, System: s.systemView(lang), Empty: counts.Enterprises == 0, AsOf: s.asOf(lang, stamp)}
	for _, u := range refdata.Units() {
		reg, _ := refdata.RegionByID(u.Region)
		v.Units = append(v.Units, unitView{Code: u.Code, Name: pickLang(lang, u.NameZh, u.NameEn), Region: u.Region, RegionName: pickLang(lang, reg.NameZh, reg.NameEn)})
	}
	sumAny, err := s.cache().get(ctx, s.store, "summary/0", func() (any, error) { return analysis.LoadEnterpriseSummary(ctx, s.store, 0) })
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	sum := sumAny.(*analysis.EnterpriseSummary)
	v.Year, v.City = sum.Year, sum.City
	v.Map = s.unitMap(r, lang, sum)
	if isFragmentRequest(r, "unitmap") {
		s.renderFragment(w, r, "page_home.html", "unitmap", v.Map)
		return
	}
	if !v.Empty {
		s.homeClusters(r, lang, &v)
		s.homeWarnings(r, lang, &v)
		v.Trend = s.cityTrend(lang, sum)
	}
	s.render(w, r, "page_home.html", "home", "home.overview", v)
}

// homeClusters fills the tiles and the city targets from cluster
// monitoring (year to date of the latest month).
func (s *Server) homeClusters(r *http.Request, lang string, v *homeView) {
	ctx := r.Context()
	t := func(k string) string { return s.catalogue.T(lang, k) }
	rl := "zh"
	if lang == "en" {
		rl = "en"
	}
	repAny, err := s.cache().get(ctx, s.store, "clusters/home/"+rl, func() (any, error) {
		p, err := analysis.DefaultPeriod(ctx, s.store)
		if err != nil {
			return nil, err
		}
		if p.Kind == analysis.PeriodMonth {
			p.Kind = analysis.PeriodYTD
		}
		return analysis.ClusterReport(ctx, s.store, analysis.ReportOptions{Period: p, Geo: analysis.GeoCity, Lang: rl})
	})
	if err != nil {
		if indus.Code(err) == indus.EInternal {
			s.log.Error("overview clusters", "err", err)
			v.TilesErr = t("error.internal_detail")
		} else {
			v.TilesErr = indus.Message(err)
		}
		return
	}
	rep := repAny.(*analysis.Report)
	v.Period = s.periodLabel(lang, rep.Period)
	cs := refdata.DefaultClusterSystem()
	rows := map[string]analysis.ReportRow{}
	for _, row := range rep.Rows {
		rows[row.ClusterID] = row
	}
	for _, tier := range cs.Tiers {
		tt := tileTier{Name: pickLang(lang, tier.NameZh, tier.NameEn)}
		for _, c := range cs.ClustersInTier(tier.ID) {
			row := rows[c.ID]
			tv := tileView{ID: c.ID, Name: pickLang(lang, c.NameZh, c.NameEn), Status: row.Status, Growth: row.YoYGrowth, Child: c.Parent != ""}
			tv.Metric = t("metric." + row.GrowthMetric)
			x := row.OutputValue
			if row.GrowthMetric == string(refdata.MetricRevenue) {
				x = row.Revenue
			}
			switch {
			case row.Withheld:
				tv.NoData = t("status.withheld")
			case row.Enterprises > 0:
				tv.Scale = &x
			default:
				tv.NoData = t("home.tile_no_data")
			}
			if c.Target != nil {
				u, _ := refdata.UnitInYuan(c.Target.Unit)
				tv.Target = s.tf(lang, "home.tile_target", "year", strconv.Itoa(c.Target.Year), "metric", t("metric."+string(c.Target.Metric)),
					"value", targetMoney(lang, c.Target.Value*u/1e4, t))
			}
			tv.StatusName = t("status." + tv.Status)
			tt.Tiles = append(tt.Tiles, tv)
		}
		v.Tiers = append(v.Tiers, tt)
	}
	for _, ct := range rep.CityTargets {
		note := ct.Note
		if s.catalogue.Has("target.note." + ct.ID) {
			note = t("target.note." + ct.ID)
		} else if lang != "en" {
			note = ""
		}
		tv := targetView{Name: ct.Name, Status: ct.Status, StatusName: t("status." + ct.Status), Note: note,
			BaseYear: ct.BaseYear, Year: ct.Year, TargetYear: ct.TargetYear}
		f := func(p *float64) string { return s.targetValue(lang, ct.Unit, p) }
		tv.Base, tv.Value, tv.Target, tv.Projected = f(ct.BaseValue), f(ct.Value), f(ct.Target), f(ct.Projected)
		tv.Actual, tv.Required = pctPoint(ct.ActualCAGR), pctPoint(ct.Required)
		tv.Unit = s.unitOf(lang, ct.Unit)
		v.Targets = append(v.Targets, tv)
	}
}

// targetMoney formats a target in 10k yuan without needless decimals.
func targetMoney(lang string, v float64, t func(string) string) string {
	sep := " "
	if lang == "en" {
		sep = " × "
	}
	if v >= 1e4 {
		return fmtFloat(v/1e4, -1) + sep + t("unit.yi")
	}
	return fmtFloat(v, -1) + sep + t("unit.wan")
}

// pctPoint formats a value already in percent.
func pctPoint(p *float64) string {
	if p == nil {
		return dash
	}
	return fmtFloat(*p, 1) + "%"
}

// targetValue formats a target figure in its unit.
func (s *Server) targetValue(lang, unit string, p *float64) string {
	if p == nil {
		return dash
	}
	switch unit {
	case "10k_yuan":
		return fmtFloat(*p/1e4, 0)
	case "percent":
		return fmtFloat(*p, 2)
	}
	return fmtFloat(*p, 2)
}

// unitOf names a target's unit (10k_yuan figures are shown in 亿元).
func (s *Server) unitOf(lang, unit string) string {
	switch unit {
	case "10k_yuan", "100m_yuan":
		return s.catalogue.T(lang, "unit.yi")
	case "percent":
		return "%"
	case "10k_yuan_per_person":
		return s.catalogue.T(lang, "unit.wan_per_person")
	}
	if unit == "tce per 10k yuan of value added" {
		return s.catalogue.T(lang, "unit.tce_per_wan")
	}
	return unit
}

// homeWarnings fills the latest warnings.
func (s *Server) homeWarnings(r *http.Request, lang string, v *homeView) {
	ctx := r.Context()
	rl := "zh"
	if lang == "en" {
		rl = "en"
	}
	wlAny, err := s.cache().get(ctx, s.store, "warnings/latest/"+rl, func() (any, error) {
		return analysis.Warnings(ctx, s.store, analysis.WarningOptions{Lang: rl})
	})
	if err != nil {
		if indus.Code(err) == indus.EInternal {
			s.log.Error("overview warnings", "err", err)
			v.WarnErr = s.catalogue.T(lang, "error.internal_detail")
		} else {
			v.WarnErr = indus.Message(err)
		}
		return
	}
	wl := wlAny.(*analysis.WarningList)
	v.WarnN = len(wl.Items)
	for i, w := range wl.Items {
		if i == 8 {
			break
		}
		v.Warnings = append(v.Warnings, s.warningView(lang, w))
	}
}

func (s *Server) warningView(lang string, w analysis.Warning) warningView {
	wv := warningView{Type: s.catalogue.T(lang, "warn."+w.Type), Severity: w.Severity, Month: w.Month}
	wv.Message, wv.Evidence = s.warningTexts(lang, w)
	switch {
	case w.USCC != "":
		wv.Name, wv.Href = w.Name, "/enterprises/"+url.PathEscape(w.USCC)
	case w.Unit != "":
		wv.Name, wv.Href = w.UnitName, "/units/"+url.PathEscape(w.Unit)
	case w.ClusterID != "":
		if c, ok := refdata.DefaultClusterSystem().Cluster(w.ClusterID); ok {
			wv.Name = pickLang(lang, c.NameZh, c.NameEn)
		}
		wv.Href = "/clusters/" + url.PathEscape(w.ClusterID)
	}
	if w.Unit != "" {
		wv.Unit = unitName(lang, w.Unit)
	}
	return wv
}

// unitMap colours the units by the chosen metric in six quantile classes.
func (s *Server) unitMap(r *http.Request, lang string, sum *analysis.EnterpriseSummary) *unitMapView {
	t := func(k string) string { return s.catalogue.T(lang, k) }
	id := r.URL.Query().Get("metric")
	mi := 0
	for i, m := range mapMetrics {
		if m.ID == id {
			mi = i
		}
	}
	m := mapMetrics[mi]
	mv := &unitMapView{Metric: m.ID, Label: t(m.Label), Unit: t(m.Unit)}
	for _, x := range mapMetrics {
		mv.Metrics = append(mv.Metrics, optionView{Value: x.ID, Label: t(x.Label), Selected: x.ID == m.ID})
	}
	var vals []float64
	for _, u := range sum.Units {
		if x, ok := m.Get(u.EnterpriseFigures); ok {
			vals = append(vals, x)
		}
	}
	sort.Float64s(vals)
	const classes = 6
	breaks := make([]float64, 0, classes-1)
	for k := 1; k < classes; k++ {
		if len(vals) > 0 {
			breaks = append(breaks, quantile(vals, float64(k)/classes))
		}
	}
	class := func(x float64) int {
		c := 0
		for _, b := range breaks {
			if x > b {
				c++
			}
		}
		return c
	}
	mv.Table = &chartData{Head: []string{t("ent.unit"), t("home.region"), mv.Label + " (" + mv.Unit + ")"}}
	for _, reg := range refdata.Regions {
		mr := unitMapRegion{Name: pickLang(lang, reg.NameZh, reg.NameEn)}
		for _, u := range sum.Units {
			if u.Region != reg.ID {
				continue
			}
			cell := unitCell{Code: u.Code, Name: pickLang(lang, u.NameZh, u.NameEn), Class: "heat-none", Value: dash}
			if x, ok := m.Get(u.EnterpriseFigures); ok {
				cell.Value = m.Fmt(x)
				cell.Class = "heat-" + strconv.Itoa(class(x))
			}
			cell.Title = cell.Name + ": " + mv.Label + " " + cell.Value + " " + mv.Unit
			mr.Cells = append(mr.Cells, cell)
			mv.Table.Rows = append(mv.Table.Rows, []string{cell.Name, mr.Name, cell.Value})
		}
		mv.Regions = append(mv.Regions, mr)
	}
	if len(vals) > 0 {
		lo := vals[0]
		for k := 0; k < classes && k <= len(breaks); k++ {
			hi := vals[len(vals)-1]
			if k < len(breaks) {
				hi = breaks[k]
			}
			mv.Legend = append(mv.Legend, legendItem{Class: "heat-" + strconv.Itoa(k), Label: m.Fmt(lo) + "–" + m.Fmt(hi)})
			lo = hi
		}
	}
	mv.Legend = append(mv.Legend, legendItem{Class: "heat-none", Label: t("map.no_data")})
	mv.Caption = s.tf(lang, "map.caption", "metric", mv.Label, "year", strconv.Itoa(sum.Year))
	return mv
}

// quantile is the R type 7 quantile of sorted values.
func quantile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 1 {
		return sorted[0]
	}
	h := p * float64(n-1)
	i := int(h)
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

// cityTrend charts the city's monthly above-size industrial output.
func (s *Server) cityTrend(lang string, sum *analysis.EnterpriseSummary) *chartView {
	if len(sum.Monthly) == 0 {
		return nil
	}
	t := func(k string) string { return s.catalogue.T(lang, k) }
	ms := sum.Monthly
	if len(ms) > 36 {
		ms = ms[len(ms)-36:]
	}
	var months []string
	var out, rev []any
	data := &chartData{Head: []string{t("fact.month"), t("ent.output") + " (" + t("unit.yi") + ")", t("ent.revenue") + " (" + t("unit.yi") + ")", t("map.firms")}}
	for _, m := range ms {
		lbl := m.Month.Format("2006-01")
		months = append(months, lbl)
		out = append(out, m.OutputValue/1e4)
		rev = append(rev, m.Revenue/1e4)
		data.Rows = append(data.Rows, []string{lbl, fmtFloat(m.OutputValue/1e4, 1), fmtFloat(m.Revenue/1e4, 1), fmtFloat(float64(m.Firms), 0)})
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "valueFormatter": "@num1"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 64, "right": 16, "top": 36, "bottom": 28},
		"xAxis":   map[string]any{"type": "category", "data": months},
		"yAxis":   map[string]any{"type": "value", "name": t("unit.yi"), "axisLabel": map[string]any{"formatter": "@num0"}},
		"series": []any{
			map[string]any{"name": t("ent.output"), "type": "bar", "data": out, "itemStyle": map[string]any{"color": "#0072B2"}},
			map[string]any{"name": t("ent.revenue"), "type": "line", "data": rev, "showSymbol": false, "itemStyle": map[string]any{"color": "#E69F00"}},
		},
	}
	return &chartView{ID: "city-trend", Option: opt, Data: data,
		Caption: s.tf(lang, "home.trend_caption", "from", months[0], "to", months[len(months)-1])}
}
