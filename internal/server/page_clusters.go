package server

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// The cluster pages, on the cluster monitoring service (issue 5): the
// overview of all clusters in a period and geography, and one cluster's
// trend, progress to target, breakdown by region and unit,
// specialisation, leading enterprises, entrants and exits.

// periodForm is the period chooser shared by the cluster and unit pages.
type periodForm struct {
	Periods []optionView
	Views   []optionView
	Period  analysis.Period
	Label   string
}

// readPeriod reads ?period=YYYY-MM|YYYY&view=ytd|month; the default is the
// year to date of the latest month with data.
func (s *Server) readPeriod(r *http.Request, lang string) (*periodForm, error) {
	ctx := r.Context()
	q := r.URL.Query()
	latest, err := analysis.DefaultPeriod(ctx, s.store)
	if err != nil {
		return nil, err
	}
	view := q.Get("view")
	if view != "month" && view != "ytd" {
		view = "ytd"
	}
	p := latest
	if v := q.Get("period"); v != "" {
		if p, err = analysis.ParsePeriod(v, false); err != nil {
			return nil, err
		}
	}
	if p.Kind == analysis.PeriodMonth && view == "ytd" {
		p.Kind = analysis.PeriodYTD
	}
	t := func(k string) string { return s.catalogue.T(lang, k) }
	f := &periodForm{Period: p}
	sel := q.Get("period")
	if sel == "" {
		sel = analysis.Period{Kind: latest.Kind, Year: latest.Year, Month: latest.Month}.Key()
	}
	if latest.Kind == analysis.PeriodMonth {
		m := indus.Month{Year: latest.Year, Month: time.Month(latest.Month)}
		for i := 0; i < 24; i++ {
			k := m.AddMonths(-i).String()
			f.Periods = append(f.Periods, optionView{Value: k, Label: k, Selected: k == sel})
		}
	}
	years, err := s.store.AnnualYears(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(years) - 1; i >= 0; i-- {
		k := strconv.Itoa(years[i])
		f.Periods = append(f.Periods, optionView{Value: k, Label: s.tf(lang, "clu.year_label", "year", k), Selected: k == sel})
	}
	f.Views = []optionView{{Value: "ytd", Label: t("clu.view_ytd"), Selected: view == "ytd"}, {Value: "month", Label: t("clu.view_month"), Selected: view == "month"}}
	f.Label = s.periodLabel(lang, p)
	return f, nil
}

// periodLabel names a period for people.
func (s *Server) periodLabel(lang string, p analysis.Period) string {
	switch p.Kind {
	case analysis.PeriodYear:
		return s.tf(lang, "clu.year_label", "year", strconv.Itoa(p.Year))
	case analysis.PeriodYTD:
		return s.tf(lang, "clu.ytd_label", "year", strconv.Itoa(p.Year), "month", strconv.Itoa(p.Month))
	}
	return s.tf(lang, "clu.month_label", "year", strconv.Itoa(p.Year), "month", strconv.Itoa(p.Month))
}

func reportLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "zh"
}

// pctFrac turns a percentage (as the cluster service gives it) into a
// fraction for the table's percent columns.
func pctFrac(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p / 100
	return &v
}

func (s *Server) clusterReport(r *http.Request, o analysis.ReportOptions) (*analysis.Report, error) {
	ctx := r.Context()
	key := fmt.Sprintf("report/%s/%s/%s/%s/%s", o.Period.Key(), o.Geo, o.Unit, o.ClusterID, o.Lang)
	v, err := s.cache().get(ctx, s.store, key, func() (any, error) { return analysis.ClusterReport(ctx, s.store, o) })
	if err != nil {
		return nil, err
	}
	return v.(*analysis.Report), nil
}

type clustersView struct {
	Form     *periodForm
	Geos     []optionView
	GeoName  string
	All      *analysis.ReportRow
	Table    *tableView
	Chart    *chartView
	Notes    []string
	ErrorMsg string
}

func (v clustersView) hasCharts() bool { return v.Chart != nil }

var clusterCols = []tableCol{
	{Key: "name", Label: "home.cluster", Kind: colText},
	{Key: "tier", Label: "home.tier", Kind: colText},
	{Key: "scale", Label: "clu.scale", Unit: "unit.yi", Kind: colYi},
	{Key: "growth", Label: "clu.growth", Kind: colGrowth},
	{Key: "contribution", Label: "clu.contribution", Unit: "unit.pp", Kind: colNum, Dec: 2},
	{Key: "share", Label: "clu.share", Kind: colPct, Dec: 1},
	{Key: "enterprises", Label: "clu.enterprises", Kind: colInt},
	{Key: "entrants", Label: "clu.entrants", Kind: colInt},
	{Key: "exits", Label: "clu.exits", Kind: colInt},
	{Key: "hhi", Label: "clu.hhi", Kind: colNum, Dec: 0},
	{Key: "top10", Label: "clu.top10", Kind: colPct, Dec: 1},
	{Key: "status", Label: "home.target_status", Kind: colText},
}

// geoOptions are the city, the three regions and the 41 units.
func geoOptions(lang, sel string) []optionView {
	out := []optionView{{Value: "city", Label: pickLang(lang, "全市", "Chongqing (city)"), Selected: sel == "" || sel == "city"}}
	for _, r := range refdata.Regions {
		out = append(out, optionView{Value: r.ID, Label: pickLang(lang, r.NameZh, r.NameEn), Selected: sel == r.ID})
	}
	for _, u := range refdata.Units() {
		out = append(out, optionView{Value: u.Code, Label: "· " + pickLang(lang, u.NameZh, u.NameEn), Selected: sel == u.Code})
	}
	return out
}

func (s *Server) pageClustersView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	t := func(k string) string { return s.catalogue.T(lang, k) }
	form, err := s.readPeriod(r, lang)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	geo := r.URL.Query().Get("geo")
	v := clustersView{Form: form, Geos: geoOptions(lang, geo)}
	o := analysis.ReportOptions{Period: form.Period, Geo: analysis.GeoCity, Lang: reportLang(lang)}
	if geo != "" && geo != "city" {
		o.Geo, o.Unit = analysis.GeoAll, geo
	}
	for _, g := range v.Geos {
		if g.Selected {
			v.GeoName = g.Label
		}
	}
	rep, err := s.clusterReport(r, o)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v.Notes = rep.Notes
	cs := refdata.DefaultClusterSystem()
	spec := &tableSpec{ID: "clusters", Cols: clusterCols, File: "clusters-" + rep.Period.Key(), PerPage: 50,
		Filters: []tableFilter{{Key: "tier", Label: "home.tier", Options: tierOptions(lang)},
			{Key: "status", Label: "home.target_status", Options: statusOptions(lang)}}}
	var rows []tableRow
	data := &chartData{Head: []string{t("home.cluster"), t("clu.scale") + " (" + t("unit.yi") + ")", t("clu.growth")}}
	var names []string
	var scale []any
	for i := len(rep.Rows) - 1; i >= 0; i-- { // reversed: the bar chart draws bottom-up
		row := rep.Rows[i]
		if row.ClusterID == analysis.AllIndustryID {
			rr := row
			v.All = &rr
			continue
		}
		c, ok := cs.Cluster(row.ClusterID)
		if !ok {
			continue
		}
		sc := row.OutputValue
		if row.GrowthMetric == string(refdata.MetricRevenue) {
			sc = row.Revenue
		}
		names = append(names, pickLang(lang, c.NameZh, c.NameEn))
		scale = append(scale, shown(row, sc/1e4))
	}
	for _, row := range rep.Rows {
		c, ok := cs.Cluster(row.ClusterID)
		if !ok {
			continue
		}
		sc := row.OutputValue
		if row.GrowthMetric == string(refdata.MetricRevenue) {
			sc = row.Revenue
		}
		tr := tableRow{Vals: []any{pickLang(lang, c.NameZh, c.NameEn), c.Tier, shown(row, sc), pctFrac(row.YoYGrowth), row.ContributionPP, pctFrac(row.ShareOfCity),
			row.Enterprises, shown(row, row.Entrants), shown(row, row.Exits), row.HHI, pctFrac(row.Top10Share), row.Status}}
		tr.link(0, "/clusters/"+url.PathEscape(c.ID)+"?"+periodQuery(r))
		if tier, ok := cs.Tier(c.Tier); ok {
			tr.text(1, pickLang(lang, tier.NameZh, tier.NameEn))
		}
		tr.text(11, t("status."+row.Status))
		if c.Parent != "" {
			tr.text(0, "· "+pickLang(lang, c.NameZh, c.NameEn))
		}
		rows = append(rows, tr)
		scaleText := fmtFloat(sc/1e4, 1)
		if row.Withheld {
			scaleText = dash
		}
		data.Rows = append(data.Rows, []string{pickLang(lang, c.NameZh, c.NameEn), scaleText, pctPoint(row.YoYGrowth)})
	}
	caption := s.tf(lang, "clu.table_caption", "period", form.Label, "geo", v.GeoName)
	var done bool
	v.Table, done, err = s.serveTable(w, r, spec, caption, memTable(spec, rows))
	if err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}, "valueFormatter": "@num1"},
		"grid":    map[string]any{"left": 8, "right": 48, "top": 8, "bottom": 24, "containLabel": true},
		"xAxis":   map[string]any{"type": "value", "name": t("unit.yi"), "axisLabel": map[string]any{"formatter": "@num0"}},
		"yAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"fontSize": 11, "width": 200, "overflow": "truncate"}},
		"series": []any{map[string]any{"name": t("clu.scale"), "type": "bar", "data": scale, "itemStyle": map[string]any{"color": "#0072B2"},
			"label": map[string]any{"show": true, "position": "right", "formatter": "@num0v", "fontSize": 10}}},
	}
	v.Chart = &chartView{ID: "clusters-chart", Option: opt, Data: data, XTall: true,
		Caption: s.tf(lang, "clu.chart_caption", "period", form.Label, "geo", v.GeoName)}
	s.render(w, r, "page_clusters.html", "clusters", "clu.title", v)
}

// periodQuery keeps the period chooser's parameters in links.
func periodQuery(r *http.Request) string {
	q := url.Values{}
	for _, k := range []string{"period", "view"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

func tierOptions(lang string) []tableOption {
	var out []tableOption
	for _, t := range refdata.DefaultClusterSystem().Tiers {
		out = append(out, tableOption{Value: t.ID, Label: pickLang(lang, t.NameZh, t.NameEn)})
	}
	return out
}

func statusOptions(lang string) []tableOption {
	var out []tableOption
	for _, st := range refdata.DefaultClusterSystem().StatusThresholds {
		out = append(out, tableOption{Value: st.Status, Label: pickLang(lang, st.NameZh, st.NameEn)})
	}
	return append(out, tableOption{Value: cluster.NoData, Label: pickLang(lang, "无数据", "no data")},
		tableOption{Value: analysis.StatusWithheld, Label: pickLang(lang, "不公开", "withheld")})
}

// ---- one cluster ----------------------------------------------------------

type clusterPageView struct {
	Form      *periodForm
	D         *analysis.ClusterDetail
	Name      string
	Other     string
	Tier      string
	Parent    *optionView
	Children  []optionView
	Target    string
	Status    string
	Traj      *analysis.Trajectory
	TrajView  *targetView
	Path      *chartView
	Monthly   *chartView
	Regions   *tableView
	Units     *tableView
	Leading   *tableView
	Movers    *tableView
	Strong    int
	EntrantsN int64
	ExitsN    int64
}

func (v clusterPageView) hasCharts() bool { return v.Path != nil || v.Monthly != nil }

var regionCols = []tableCol{
	{Key: "geo", Label: "home.region", Kind: colText},
	{Key: "output", Label: "ent.output", Unit: "unit.yi", Kind: colYi},
	{Key: "revenue", Label: "ent.revenue", Unit: "unit.yi", Kind: colYi},
	{Key: "growth", Label: "clu.growth", Kind: colGrowth},
	{Key: "share", Label: "clu.share", Kind: colPct, Dec: 1},
	{Key: "enterprises", Label: "clu.enterprises", Kind: colInt},
	{Key: "target", Label: "clu.apportioned", Unit: "unit.yi", Kind: colYi},
	{Key: "status", Label: "home.target_status", Kind: colText},
}

var unitCols = []tableCol{
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "region", Label: "home.region", Kind: colText},
	{Key: "output", Label: "ent.output", Unit: "unit.yi", Kind: colYi},
	{Key: "growth", Label: "clu.growth", Kind: colGrowth},
	{Key: "share", Label: "clu.share_cluster", Kind: colPct, Dec: 1},
	{Key: "enterprises", Label: "clu.enterprises", Kind: colInt},
	{Key: "lq_emp", Label: "clu.lq_emp", Kind: colNum, Dec: 2},
	{Key: "lq_out", Label: "clu.lq_out", Kind: colNum, Dec: 2},
	{Key: "strong", Label: "clu.strong", Kind: colBool},
	{Key: "stars", Label: "clu.stars", Kind: colText},
	{Key: "status", Label: "home.target_status", Kind: colText},
}

var firmCols = []tableCol{
	{Key: "name", Label: "ent.name", Kind: colText},
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "output", Label: "ent.output", Unit: "unit.wan", Kind: colWan},
	{Key: "prev", Label: "clu.prev_output", Unit: "unit.wan", Kind: colWan},
	{Key: "growth", Label: "clu.growth", Kind: colGrowth},
	{Key: "revenue", Label: "ent.revenue", Unit: "unit.wan", Kind: colWan},
	{Key: "primary", Label: "ent.primary", Kind: colBool},
	{Key: "change", Label: "clu.change", Kind: colText},
}

func firmGrowth(f store.FirmFigures) *float64 {
	if f.Output == nil || f.PrevOutput == nil || *f.PrevOutput <= 0 {
		return nil
	}
	v := *f.Output / *f.PrevOutput - 1
	return &v
}

func (s *Server) pageClusterView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	ctx := r.Context()
	t := func(k string) string { return s.catalogue.T(lang, k) }
	id := r.PathValue("id")
	cs := refdata.DefaultClusterSystem()
	c, ok := cs.Cluster(id)
	if !ok {
		s.pageError(w, r, indus.Errorf(indus.ENotFound, "%s", s.tf(lang, "clu.unknown", "id", id)))
		return
	}
	form, err := s.readPeriod(r, lang)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	rl := reportLang(lang)
	dAny, err := s.cache().get(ctx, s.store, "detail/"+id+"/"+form.Period.Key()+"/"+rl, func() (any, error) {
		return analysis.GetClusterDetail(ctx, s.store, id, form.Period, rl)
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := dAny.(*analysis.ClusterDetail)
	v := clusterPageView{Form: form, D: d, Name: pickLang(lang, c.NameZh, c.NameEn), Other: pickLang(lang, c.NameEn, c.NameZh), Status: d.City.Status}
	if lang == "en" {
		v.Other = c.NameZh
	}
	if tier, ok := cs.Tier(c.Tier); ok {
		v.Tier = pickLang(lang, tier.NameZh, tier.NameEn)
	}
	if p, ok := cs.Cluster(c.Parent); ok {
		v.Parent = &optionView{Value: p.ID, Label: pickLang(lang, p.NameZh, p.NameEn)}
	}
	for _, ch := range cs.Children(c.ID) {
		v.Children = append(v.Children, optionView{Value: ch.ID, Label: pickLang(lang, ch.NameZh, ch.NameEn)})
	}
	if c.Target != nil {
		u, _ := refdata.UnitInYuan(c.Target.Unit)
		v.Target = s.tf(lang, "home.tile_target", "year", strconv.Itoa(c.Target.Year), "metric", t("metric."+string(c.Target.Metric)),
			"value", targetMoney(lang, c.Target.Value*u/1e4, t))
	}
	v.Traj = d.City.Trajectory
	if tr := v.Traj; tr != nil {
		tv := targetView{Status: tr.Status, StatusName: t("status." + tr.Status), BaseYear: tr.BaseYear, Year: tr.Year, TargetYear: tr.TargetYear, Unit: t("unit.yi")}
		f := func(p *float64) string { return s.targetValue(lang, "10k_yuan", p) }
		tv.Base, tv.Value, tv.Target, tv.Projected = f(tr.BaseValue), f(tr.Value), f(tr.Target), f(tr.Projected)
		tv.Actual, tv.Required = pctPoint(tr.ActualCAGR), pctPoint(tr.Required)
		v.TrajView = &tv
	}
	v.Path = s.trajectoryChart(lang, v.Name, d, c)
	v.Monthly = s.clusterMonthly(r, lang, v.Name, id, form.Period)

	// Regions.
	rspec := &tableSpec{ID: "regions", Prefix: "r-", Cols: regionCols, Sort: "output", Desc: true, File: "cluster-" + id + "-regions"}
	var rrows []tableRow
	for _, row := range d.Regions {
		var target *float64
		if row.Trajectory != nil {
			target = row.Trajectory.Target
		}
		tr := tableRow{Vals: []any{row.GeographyName, shown(row, row.OutputValue), shown(row, row.Revenue), pctFrac(row.YoYGrowth), pctFrac(row.ShareOfCity), row.Enterprises, target, row.Status}}
		tr.text(7, t("status."+row.Status))
		tr.link(0, "/clusters?geo="+url.QueryEscape(row.Geography)+"&"+periodQuery(r))
		rrows = append(rrows, tr)
	}
	var done bool
	if v.Regions, done, err = s.serveTable(w, r, rspec, s.tf(lang, "clu.regions_caption", "name", v.Name, "period", form.Label), memTable(rspec, rrows)); err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}

	// Units with specialisation.
	rep, err := s.clusterReport(r, analysis.ReportOptions{Period: d.Period, Geo: analysis.GeoUnit, ClusterID: id, Lang: rl})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	spAny, err := s.cache().get(ctx, s.store, "spec/"+id+"/"+d.Period.Key()+"/"+rl, func() (any, error) {
		return analysis.GetSpecialisation(ctx, s.store, analysis.SpecOptions{Period: d.Period, ClusterID: id, Lang: rl})
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	sp := spAny.(*analysis.Specialisation)
	byUnit := map[string]analysis.SpecRow{}
	for _, row := range sp.Rows {
		byUnit[row.Unit] = row
	}
	uspec := &tableSpec{ID: "units", Prefix: "u-", Cols: unitCols, Sort: "output", Desc: true, PerPage: 50, File: "cluster-" + id + "-units",
		Filters: []tableFilter{{Key: "region", Label: "home.region", Options: regionOptions(lang)},
			{Key: "strong", Label: "clu.strong", Options: []tableOption{{"true", t("clu.strong_only")}}}}}
	var urows []tableRow
	for _, row := range rep.Rows {
		u, ok := refdata.UnitByCode(row.Geography)
		if !ok {
			continue
		}
		sr, has := byUnit[row.Geography]
		var lqE, lqO *float64
		stars := ""
		strong := false
		if has {
			lqE, lqO, strong = sr.LQEmployment, sr.LQOutput, sr.Strong
			for i := 0; i < sr.Stars; i++ {
				stars += "★"
			}
			if strong {
				v.Strong++
			}
		}
		var share *float64
		if !row.Withheld {
			share = shareOf(row.OutputValue, d.City.OutputValue)
		}
		tr := tableRow{Vals: []any{pickLang(lang, u.NameZh, u.NameEn), u.Region, shown(row, row.OutputValue), pctFrac(row.YoYGrowth), pctFrac(share),
			row.Enterprises, lqE, lqO, strong, stars, row.Status}}
		tr.text(1, s.regionShort(lang, u.Region))
		tr.text(10, t("status."+row.Status))
		tr.link(0, "/units/"+url.PathEscape(u.Code)+"?"+periodQuery(r))
		urows = append(urows, tr)
	}
	if v.Units, done, err = s.serveTable(w, r, uspec, s.tf(lang, "clu.units_caption", "name", v.Name, "period", form.Label), memTable(uspec, urows)); err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}

	// Leading enterprises, entrants and exits.
	lspec := &tableSpec{ID: "leading", Prefix: "l-", Cols: firmCols, Sort: "output", Desc: true, PerPage: 10, File: "cluster-" + id + "-leading"}
	mspec := &tableSpec{ID: "movers", Prefix: "m-", Cols: firmCols, Sort: "prev", Desc: true, PerPage: 10, File: "cluster-" + id + "-entrants-exits",
		Filters: []tableFilter{{Key: "change", Label: "clu.change", Options: []tableOption{{"entrant", t("clu.entrant")}, {"exit", t("clu.exit")}}}}}
	flAny, err := s.cache().get(ctx, s.store, "firms/"+id+"/"+d.Period.Key(), func() (any, error) {
		return analysis.ClusterEnterprises(ctx, s.store, id, d.Period, "", 0, 0)
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	fl := flAny.(*analysis.ClusterFirmList)
	var lrows, mrows []tableRow
	for _, f := range fl.Items {
		change := ""
		switch {
		case f.Reported && !f.PrevReport:
			change = "entrant"
			v.EntrantsN++
		case !f.Reported && f.PrevReport:
			change = "exit"
			v.ExitsN++
		}
		tr := tableRow{Vals: []any{f.Name, unitName(lang, f.UnitCode), f.Output, f.PrevOutput, firmGrowth(f), f.Revenue, f.Primary, change}}
		tr.link(0, "/enterprises/"+url.PathEscape(f.USCC))
		if change != "" {
			tr.text(7, t("clu."+change))
			mrows = append(mrows, tr)
		}
		if f.Reported {
			lrows = append(lrows, tr)
		}
	}
	if v.Leading, done, err = s.serveTable(w, r, lspec, s.tf(lang, "clu.leading_caption", "name", v.Name, "period", form.Label), memTable(lspec, lrows)); err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	if v.Movers, done, err = s.serveTable(w, r, mspec, s.tf(lang, "clu.movers_caption", "name", v.Name, "period", form.Label), memTable(mspec, mrows)); err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	s.renderStatus(w, r, http.StatusOK, "page_cluster.html", "clusters", v.Name, v)
}

func shareOf(a, b float64) *float64 {
	if b <= 0 {
		return nil
	}
	v := a / b * 100
	return &v
}

// trajectoryChart draws the cluster's annual values, the path the target
// needs from the base year and the path at the current pace.
func (s *Server) trajectoryChart(lang, name string, d *analysis.ClusterDetail, c *refdata.Cluster) *chartView {
	if len(d.Series) == 0 {
		return nil
	}
	t := func(k string) string { return s.catalogue.T(lang, k) }
	metric := string(refdata.MetricOutputValue)
	if c.Target != nil {
		metric = string(c.Target.Metric)
	}
	value := func(p analysis.YearPoint) *float64 {
		if p.Withheld {
			return nil
		}
		switch metric {
		case string(refdata.MetricRevenue):
			v := p.Revenue
			return &v
		case string(refdata.MetricValueAdded):
			return p.ValueAdded
		}
		v := p.OutputValue
		return &v
	}
	first, last := d.Series[0].Year, d.Series[len(d.Series)-1].Year
	tr := d.City.Trajectory
	if tr != nil && tr.TargetYear > last {
		last = tr.TargetYear
	}
	if tr != nil && tr.BaseYear > 0 && tr.BaseYear < first {
		first = tr.BaseYear
	}
	var years []string
	idx := map[int]int{}
	for y := first; y <= last; y++ {
		idx[y] = len(years)
		years = append(years, strconv.Itoa(y))
	}
	actual := make([]any, len(years))
	data := &chartData{Head: []string{t("fact.year"), t("metric."+metric) + " (" + t("unit.yi") + ")", t("clu.required_path"), t("clu.projected_path")}}
	req := make([]any, len(years))
	proj := make([]any, len(years))
	for _, p := range d.Series {
		if v := value(p); v != nil {
			actual[idx[p.Year]] = *v / 1e4
		}
	}
	if tr != nil && tr.BaseValue != nil && tr.Target != nil && tr.TargetYear > tr.BaseYear {
		b, tg := *tr.BaseValue, *tr.Target
		n := float64(tr.TargetYear - tr.BaseYear)
		for y := tr.BaseYear; y <= tr.TargetYear; y++ {
			req[idx[y]] = b * pow(tg/b, float64(y-tr.BaseYear)/n) / 1e4
		}
		if tr.Value != nil && tr.Projected != nil && tr.Year >= tr.BaseYear && tr.TargetYear > tr.Year {
			v0, pj := *tr.Value, *tr.Projected
			m := float64(tr.TargetYear - tr.Year)
			for y := tr.Year; y <= tr.TargetYear; y++ {
				proj[idx[y]] = v0 * pow(pj/v0, float64(y-tr.Year)/m) / 1e4
			}
		}
	}
	cell := func(x any) string {
		if f, ok := x.(float64); ok {
			return fmtFloat(f, 1)
		}
		return dash
	}
	for i, y := range years {
		data.Rows = append(data.Rows, []string{y, cell(actual[i]), cell(req[i]), cell(proj[i])})
	}
	series := []any{
		map[string]any{"name": t("clu.actual"), "type": "bar", "data": actual, "itemStyle": map[string]any{"color": "#0072B2"}},
		map[string]any{"name": t("clu.required_path"), "type": "line", "data": req, "connectNulls": true, "symbol": "circle", "lineStyle": map[string]any{"type": "dashed", "color": "#009E73"}, "itemStyle": map[string]any{"color": "#009E73"}},
		map[string]any{"name": t("clu.projected_path"), "type": "line", "data": proj, "connectNulls": true, "symbol": "triangle", "lineStyle": map[string]any{"type": "dotted", "color": "#D55E00"}, "itemStyle": map[string]any{"color": "#D55E00"}},
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "valueFormatter": "@num1"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 64, "right": 16, "top": 36, "bottom": 28},
		"xAxis":   map[string]any{"type": "category", "data": years},
		"yAxis":   map[string]any{"type": "value", "name": t("unit.yi"), "axisLabel": map[string]any{"formatter": "@num0"}},
		"series":  series,
	}
	return &chartView{ID: "path-chart", Option: opt, Data: data, Caption: s.tf(lang, "clu.path_caption", "name", name, "metric", t("metric."+metric))}
}

func pow(a, b float64) float64 {
	if a <= 0 {
		return 0
	}
	return math.Pow(a, b)
}

// clusterMonthly charts the cluster's last 24 months: output and its
// comparable year-on-year growth.
func (s *Server) clusterMonthly(r *http.Request, lang, name, id string, p analysis.Period) *chartView {
	ctx := r.Context()
	t := func(k string) string { return s.catalogue.T(lang, k) }
	if p.Kind == analysis.PeriodYear {
		p = analysis.Period{Kind: analysis.PeriodMonth, Year: p.Year, Month: 12}
	}
	end := indus.Month{Year: p.Year, Month: time.Month(p.Month)}
	key := "monthly/" + id + "/" + end.String()
	ptsAny, err := s.cache().get(ctx, s.store, key, func() (any, error) { return analysis.ClusterMonths(ctx, s.store, id, end, 24) })
	if err != nil {
		s.log.Error("cluster monthly", "cluster", id, "err", err)
		return nil
	}
	pts := ptsAny.([]analysis.MonthPoint)
	if len(pts) == 0 {
		return nil
	}
	var months []string
	var outs, gs []any
	data := &chartData{Head: []string{t("fact.month"), t("ent.output") + " (" + t("unit.yi") + ")", t("clu.growth") + " (%)"}}
	for _, pt := range pts {
		months = append(months, pt.Month)
		if pt.Withheld {
			outs, gs = append(outs, nil), append(gs, nil)
			data.Rows = append(data.Rows, []string{pt.Month, dash, dash})
			continue
		}
		outs = append(outs, *pt.Output/1e4)
		if pt.Growth != nil {
			gs = append(gs, *pt.Growth)
		} else {
			gs = append(gs, nil)
		}
		data.Rows = append(data.Rows, []string{pt.Month, fmtFloat(*pt.Output/1e4, 1), pctPoint(pt.Growth)})
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 64, "right": 56, "top": 36, "bottom": 28},
		"xAxis":   map[string]any{"type": "category", "data": months},
		"yAxis": []any{
			map[string]any{"type": "value", "name": t("unit.yi"), "axisLabel": map[string]any{"formatter": "@num0"}},
			map[string]any{"type": "value", "name": "%", "splitLine": map[string]any{"show": false}},
		},
		"series": []any{
			map[string]any{"name": t("ent.output"), "type": "bar", "data": outs, "itemStyle": map[string]any{"color": "#56B4E9"}, "tooltip": map[string]any{"valueFormatter": "@num1"}},
			map[string]any{"name": t("clu.growth"), "type": "line", "yAxisIndex": 1, "data": gs, "itemStyle": map[string]any{"color": "#D55E00"}, "tooltip": map[string]any{"valueFormatter": "@pct1"}},
		},
	}
	return &chartView{ID: "monthly-chart", Option: opt, Data: data,
		Caption: s.tf(lang, "clu.monthly_caption", "name", name, "from", months[0], "to", months[len(months)-1])}
}
