package server

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// The unit pages: the 41 evaluation units ranked on their aggregate
// figures per mu (Σ tax ÷ Σ land of above-size industry, with the gap to
// the next rank), and one unit's clusters with their specialisation, its
// monthly trend and its enterprises. The benefit-per-mu evaluation (issue
// 4) will add its scores and its enterprises by class; until it has runs
// the pages say so.

// unitRank is a unit's place on one per-mu figure.
type unitRank struct {
	Rank  int
	Of    int
	Value *float64
	Gap   *float64 // to the unit ranked just above; nil for the first
	Above string   // that unit's name
}

// rankUnits ranks the units with a value, highest first.
func rankUnits(units []analysis.EnterpriseUnitSums, get func(analysis.EnterpriseFigures) *float64, lang string) map[string]unitRank {
	type uv struct {
		code, name string
		v          float64
	}
	var list []uv
	for _, u := range units {
		if p := get(u.EnterpriseFigures); p != nil {
			list = append(list, uv{u.Code, pickLang(lang, u.NameZh, u.NameEn), *p})
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].v > list[j].v })
	out := map[string]unitRank{}
	for i, x := range list {
		v := x.v
		r := unitRank{Rank: i + 1, Of: len(list), Value: &v}
		if i > 0 {
			g := list[i-1].v - x.v
			r.Gap, r.Above = &g, list[i-1].name
		}
		out[x.code] = r
	}
	return out
}

var unitListCols = []tableCol{
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "region", Label: "home.region", Kind: colText},
	{Key: "firms", Label: "uni.firms", Kind: colInt},
	{Key: "enterprises", Label: "uni.enterprises", Kind: colInt},
	{Key: "output", Label: "ent.output", Unit: "unit.yi", Kind: colYi},
	{Key: "growth", Label: "map.growth", Kind: colGrowth},
	{Key: "va", Label: "ent.value_added", Unit: "unit.yi", Kind: colYi},
	{Key: "tax", Label: "ent.tax", Unit: "unit.yi", Kind: colYi},
	{Key: "land", Label: "ent.land", Unit: "unit.mu", Kind: colNum, Dec: 0},
	{Key: "tax_per_mu", Label: "ent.tax_per_mu", Unit: "unit.wan_per_mu", Kind: colNum, Dec: 2},
	{Key: "rank", Label: "uni.rank", Kind: colInt},
	{Key: "gap", Label: "uni.gap", Unit: "unit.wan_per_mu", Kind: colNum, Dec: 2},
	{Key: "va_per_mu", Label: "ent.va_per_mu", Unit: "unit.wan_per_mu", Kind: colNum, Dec: 2},
	{Key: "eval_score", Label: "uni.eval_score", Kind: colNum, Dec: 1},
	{Key: "eval_rank", Label: "uni.rank_eval", Kind: colInt},
}

type unitsView struct {
	EvalRun string
	Year    int
	City    analysis.EnterpriseFigures
	Table   *tableView
	Chart   *chartView
	Empty   bool
}

func (v unitsView) hasCharts() bool { return v.Chart != nil }

func (s *Server) enterpriseSummary(r *http.Request) (*analysis.EnterpriseSummary, error) {
	ctx := r.Context()
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	v, err := s.cache().get(ctx, s.store, "summary/"+strconv.Itoa(year), func() (any, error) { return analysis.LoadEnterpriseSummary(ctx, s.store, year) })
	if err != nil {
		return nil, err
	}
	return v.(*analysis.EnterpriseSummary), nil
}

func (s *Server) pageUnitsView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	t := func(k string) string { return s.catalogue.T(lang, k) }
	sum, err := s.enterpriseSummary(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := unitsView{Year: sum.Year, City: sum.City, Empty: sum.Year == 0}
	evalByUnit := map[string]store.AreaResult{}
	runs, err := s.evalRuns(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(runs) > 0 {
		er, err := s.loadEvalRun(r, runs[0].ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, a := range er.Areas {
			evalByUnit[a.Code] = a
		}
		v.EvalRun = s.tf(lang, "uni.eval_run", "run", strconv.FormatInt(er.Run.ID, 10), "scheme", pickLang(lang, er.Run.SchemeNameZh, er.Run.SchemeNameEn), "year", strconv.Itoa(er.Run.Year))
	}
	ranks := rankUnits(sum.Units, func(f analysis.EnterpriseFigures) *float64 { return f.TaxPerMu }, lang)
	spec := &tableSpec{ID: "units", Cols: unitListCols, Sort: "rank", PerPage: 50, File: "units-" + strconv.Itoa(sum.Year),
		Filters: []tableFilter{{Key: "region", Label: "home.region", Options: regionOptions(lang)},
			{Key: "year", Label: "ent.year", All: s.tf(lang, "ent.year_latest", "year", strconv.Itoa(sum.Year)), Options: yearOptions(sum.Years),
				Match: func(tableRow, string) bool { return true }}}}
	var rows []tableRow
	type bar struct {
		name string
		v    float64
	}
	var bars []bar
	for _, u := range sum.Units {
		rk := ranks[u.Code]
		var rank any
		if rk.Rank > 0 {
			rank = rk.Rank
		}
		ea := evalByUnit[u.Code]
		var erank any
		if ea.Rank != nil {
			erank = *ea.Rank
		}
		tr := tableRow{Vals: []any{pickLang(lang, u.NameZh, u.NameEn), u.Region, u.Firms, u.Enterprises, u.OutputValue, u.OutputGrowth, u.ValueAdded, u.Tax,
			u.LandMu, u.TaxPerMu, rank, rk.Gap, u.VAPerMu, ea.Score, erank}}
		tr.text(1, s.regionShort(lang, u.Region))
		tr.link(0, "/units/"+url.PathEscape(u.Code))
		rows = append(rows, tr)
		if u.TaxPerMu != nil {
			bars = append(bars, bar{pickLang(lang, u.NameZh, u.NameEn), *u.TaxPerMu})
		}
	}
	var done bool
	caption := s.tf(lang, "uni.caption", "year", strconv.Itoa(sum.Year))
	if v.Table, done, err = s.serveTable(w, r, spec, caption, memTable(spec, rows)); err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	if len(bars) > 0 {
		sort.Slice(bars, func(i, j int) bool { return bars[i].v < bars[j].v })
		var names []string
		var vals []any
		data := &chartData{Head: []string{t("ent.unit"), t("ent.tax_per_mu") + " (" + t("unit.wan_per_mu") + ")"}}
		for _, b := range bars {
			names = append(names, b.name)
			vals = append(vals, b.v)
		}
		for i := len(bars) - 1; i >= 0; i-- {
			data.Rows = append(data.Rows, []string{bars[i].name, fmtFloat(bars[i].v, 2)})
		}
		series := map[string]any{"name": t("ent.tax_per_mu"), "type": "bar", "data": vals, "itemStyle": map[string]any{"color": "#0072B2"},
			"label": map[string]any{"show": true, "position": "right", "formatter": "@num1v", "fontSize": 10}}
		if sum.City.TaxPerMu != nil {
			series["markLine"] = map[string]any{"silent": true, "symbol": "none", "lineStyle": map[string]any{"color": "#D55E00", "type": "dashed"},
				"label": map[string]any{"formatter": "@name", "position": "end"},
				"data":  []any{map[string]any{"xAxis": *sum.City.TaxPerMu, "name": s.tf(lang, "uni.city_avg", "v", fmtFloat(*sum.City.TaxPerMu, 1))}}}
		}
		opt := map[string]any{
			"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}, "valueFormatter": "@num2"},
			"grid":    map[string]any{"left": 8, "right": 40, "top": 8, "bottom": 24, "containLabel": true},
			"xAxis":   map[string]any{"type": "value", "name": t("unit.wan_per_mu")},
			"yAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"fontSize": 11}},
			"series":  []any{series},
		}
		v.Chart = &chartView{ID: "units-chart", Option: opt, Data: data, XTall: true, Caption: s.tf(lang, "uni.chart_caption", "year", strconv.Itoa(sum.Year))}
	}
	s.render(w, r, "page_units.html", "units", "uni.title", v)
}

// ---- one unit -------------------------------------------------------------

type unitPageView struct {
	Code, Name, Other, Region, Kind string
	Year                            int
	U                               analysis.EnterpriseUnitSums
	TaxRank, VARank                 unitRank
	Form                            *periodForm
	Clusters                        *tableView
	ClustersErr                     string
	Trend                           *chartView
	Enterprises                     *tableView
	Eval                            *unitEvalView
}

// unitEvalView is the unit in the newest evaluation run.
type unitEvalView struct {
	RunID    int64
	Year     int
	Scheme   string
	Score    *float64
	Rank, Of int
	Gap      *float64
	Above    string
	Classes  []classCount
	Table    *tableView
}

func (v unitPageView) hasCharts() bool { return v.Trend != nil }

var unitClusterCols = []tableCol{
	{Key: "cluster", Label: "home.cluster", Kind: colText},
	{Key: "tier", Label: "home.tier", Kind: colText},
	{Key: "output", Label: "ent.output", Unit: "unit.yi", Kind: colYi},
	{Key: "growth", Label: "clu.growth", Kind: colGrowth},
	{Key: "share_unit", Label: "uni.share_unit", Kind: colPct, Dec: 1},
	{Key: "share_city", Label: "clu.share_cluster", Kind: colPct, Dec: 1},
	{Key: "enterprises", Label: "clu.enterprises", Kind: colInt},
	{Key: "lq_emp", Label: "clu.lq_emp", Kind: colNum, Dec: 2},
	{Key: "lq_out", Label: "clu.lq_out", Kind: colNum, Dec: 2},
	{Key: "strong", Label: "clu.strong", Kind: colBool},
	{Key: "stars", Label: "clu.stars", Kind: colText},
	{Key: "status", Label: "home.target_status", Kind: colText},
}

func (s *Server) pageUnitView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	ctx := r.Context()
	t := func(k string) string { return s.catalogue.T(lang, k) }
	code := r.PathValue("code")
	u, ok := refdata.UnitByCode(code)
	if !ok {
		s.pageError(w, r, indus.Errorf(indus.ENotFound, "%s", s.tf(lang, "uni.unknown", "code", code)))
		return
	}
	sum, err := s.enterpriseSummary(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := unitPageView{Code: code, Name: pickLang(lang, u.NameZh, u.NameEn), Other: pickLang(lang, u.NameEn, u.NameZh), Region: regionName(lang, u.Region),
		Kind: t("unitkind." + u.Kind), Year: sum.Year}
	if lang == "en" {
		v.Other = u.NameZh
	}
	for _, x := range sum.Units {
		if x.Code == code {
			v.U = x
		}
	}
	v.TaxRank = rankUnits(sum.Units, func(f analysis.EnterpriseFigures) *float64 { return f.TaxPerMu }, lang)[code]
	v.VARank = rankUnits(sum.Units, func(f analysis.EnterpriseFigures) *float64 { return f.VAPerMu }, lang)[code]

	// Clusters in the unit, with specialisation.
	if sum.Year != 0 {
		form, err := s.readPeriod(r, lang)
		if err != nil {
			if indus.Code(err) == indus.EInternal {
				s.pageError(w, r, err)
				return
			}
			v.ClustersErr = indus.Message(err)
		} else {
			v.Form = form
			var done bool
			v.Clusters, done, err = s.unitClusters(w, r, lang, code, form)
			if err != nil || done {
				if err != nil {
					s.pageError(w, r, err)
				}
				return
			}
		}
	}

	// The newest evaluation run: the unit's rank and its firms by class.
	runs, err := s.evalRuns(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(runs) > 0 {
		er, err := s.loadEvalRun(r, runs[0].ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		var done bool
		if v.Eval, done, err = s.unitEval(w, r, lang, code, er); err != nil || done {
			s.failOrDone(w, r, err)
			return
		}
	}

	// Monthly trend.
	msAny, err := s.cache().get(ctx, s.store, "unit-monthly/"+code, func() (any, error) { return s.store.CityMonthlySums(ctx, code) })
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if ms := msAny.([]store.MonthSums); len(ms) > 0 {
		v.Trend = s.cityTrend(lang, &analysis.EnterpriseSummary{Monthly: ms})
		v.Trend.ID = "unit-trend"
		v.Trend.Caption = s.tf(lang, "uni.trend_caption", "unit", v.Name, "from", v.Trend.Data.Rows[0][0], "to", v.Trend.Data.Rows[len(v.Trend.Data.Rows)-1][0])
	}

	// The unit's enterprises, largest first.
	years, err := s.store.AnnualYears(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	espec := &tableSpec{ID: "unit-enterprises", Prefix: "e-", Cols: enterpriseCols, Search: "ent.search", Sort: "revenue", Desc: true, PerPage: 25,
		File: "enterprises-" + code, Empty: "ent.empty",
		Filters: []tableFilter{{Key: "cluster", Label: "ent.cluster", Options: clusterOptions(lang)},
			{Key: "size", Label: "ent.size", Options: []tableOption{{"above", t("ent.size_above")}, {"below", t("ent.size_below")}}}}}
	src := func(st tableState, paged bool, emit func(tableRow) error) (int, error) {
		q := enterpriseQuery(st)
		q.UnitCodes = []string{code}
		if paged {
			q.Limit, q.Offset = st.PerPage, st.offset()
			page, err := analysis.ListEnterprises(ctx, s.store, q)
			if err != nil {
				return 0, err
			}
			for _, e := range page.Enterprises {
				if err := emit(enterpriseRow(lang, e)); err != nil {
					return 0, err
				}
			}
			return int(page.Total), nil
		}
		n := 0
		_, err := analysis.ScanEnterprises(ctx, s.store, q, func(e store.EnterpriseListRow) error {
			n++
			return emit(enterpriseRow(lang, e))
		})
		return n, err
	}
	latest := 0
	if len(years) > 0 {
		latest = years[len(years)-1]
	}
	var done bool
	if v.Enterprises, done, err = s.serveTable(w, r, espec, s.tf(lang, "uni.ent_caption", "unit", v.Name, "year", strconv.Itoa(latest)), src); err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	s.renderStatus(w, r, http.StatusOK, "page_unit.html", "units", v.Name, v)
}

// unitClusters is the table of a unit's clusters.
func (s *Server) unitClusters(w http.ResponseWriter, r *http.Request, lang, code string, form *periodForm) (*tableView, bool, error) {
	ctx := r.Context()
	t := func(k string) string { return s.catalogue.T(lang, k) }
	rl := reportLang(lang)
	rep, err := s.clusterReport(r, analysis.ReportOptions{Period: form.Period, Unit: code, Lang: rl})
	if err != nil {
		return nil, false, err
	}
	city, err := s.clusterReport(r, analysis.ReportOptions{Period: form.Period, Geo: analysis.GeoCity, Lang: rl})
	if err != nil {
		return nil, false, err
	}
	cityOut := map[string]float64{}
	for _, row := range city.Rows {
		cityOut[row.ClusterID] = row.OutputValue
	}
	spAny, err := s.cache().get(ctx, s.store, "spec-unit/"+code+"/"+rep.Period.Key()+"/"+rl, func() (any, error) {
		return analysis.GetSpecialisation(ctx, s.store, analysis.SpecOptions{Period: rep.Period, Unit: code, Lang: rl})
	})
	if err != nil {
		return nil, false, err
	}
	byCluster := map[string]analysis.SpecRow{}
	for _, row := range spAny.(*analysis.Specialisation).Rows {
		byCluster[row.ClusterID] = row
	}
	cs := refdata.DefaultClusterSystem()
	var all float64
	for _, row := range rep.Rows {
		if row.ClusterID == analysis.AllIndustryID {
			all = row.OutputValue
		}
	}
	spec := &tableSpec{ID: "unit-clusters", Prefix: "c-", Cols: unitClusterCols, Sort: "output", Desc: true, PerPage: 50, File: "unit-" + code + "-clusters",
		Filters: []tableFilter{{Key: "tier", Label: "home.tier", Options: tierOptions(lang)}, {Key: "strong", Label: "clu.strong", Options: []tableOption{{"true", t("clu.strong_only")}}}}}
	var rows []tableRow
	for _, row := range rep.Rows {
		c, ok := cs.Cluster(row.ClusterID)
		if !ok || row.Enterprises == 0 {
			continue
		}
		sr, has := byCluster[c.ID]
		var lqE, lqO *float64
		strong, stars := false, ""
		if has {
			lqE, lqO, strong = sr.LQEmployment, sr.LQOutput, sr.Strong
			for i := 0; i < sr.Stars; i++ {
				stars += "★"
			}
		}
		var shareUnit, shareCity *float64
		if all > 0 && !row.Withheld {
			x := row.OutputValue / all
			shareUnit = &x
		}
		if co := cityOut[c.ID]; co > 0 && !row.Withheld {
			x := row.OutputValue / co
			shareCity = &x
		}
		tr := tableRow{Vals: []any{pickLang(lang, c.NameZh, c.NameEn), c.Tier, shown(row, row.OutputValue), pctFrac(row.YoYGrowth), shareUnit, shareCity, row.Enterprises,
			lqE, lqO, strong, stars, row.Status}}
		if tier, ok := cs.Tier(c.Tier); ok {
			tr.text(1, pickLang(lang, tier.NameZh, tier.NameEn))
		}
		tr.text(11, t("status."+row.Status))
		tr.link(0, "/clusters/"+url.PathEscape(c.ID)+"?"+periodQuery(r))
		rows = append(rows, tr)
	}
	return s.serveTable(w, r, spec, s.tf(lang, "uni.clusters_caption", "unit", unitName(lang, code), "period", form.Label), memTable(spec, rows))
}

// unitEval places a unit in an evaluation run.
func (s *Server) unitEval(w http.ResponseWriter, r *http.Request, lang, code string, er *evalRun) (*unitEvalView, bool, error) {
	ev := &unitEvalView{RunID: er.Run.ID, Year: er.Run.Year, Scheme: pickLang(lang, er.Run.SchemeNameZh, er.Run.SchemeNameEn)}
	areas := append([]store.AreaResult(nil), er.Areas...)
	sort.SliceStable(areas, func(i, j int) bool { return rankLess(areas[i].Rank, areas[j].Rank) })
	for i, a := range areas {
		if a.Rank != nil {
			ev.Of++
		}
		if a.Code != code {
			continue
		}
		ev.Score = a.Score
		if a.Rank != nil {
			ev.Rank = *a.Rank
		}
		if i > 0 && a.Score != nil && areas[i-1].Score != nil {
			g := *areas[i-1].Score - *a.Score
			ev.Gap, ev.Above = &g, unitName(lang, areas[i-1].Code)
		}
	}
	counts := map[string]int64{}
	var classOpts []tableOption
	for _, c := range er.classes() {
		classOpts = append(classOpts, tableOption{Value: c, Label: er.className(lang, c)})
	}
	spec := &tableSpec{ID: "unit-eval", Prefix: "v-", Cols: evalEntCols, Sort: "rank", PerPage: 25, File: fmt.Sprintf("evaluation-%d-%s", er.Run.ID, code),
		Search: "ent.search", Filters: []tableFilter{{Key: "class", Label: "eval.class", Options: classOpts}}}
	var rows []tableRow
	var n int64
	for _, e := range er.Results {
		if e.UnitCode != code {
			continue
		}
		n++
		counts[e.Class]++
		var rank any
		if e.Rank != nil {
			rank = *e.Rank
		}
		row := tableRow{Vals: []any{rank, e.Name, unitName(lang, e.UnitCode), industryLabel(e.IndustryCode), e.Score, e.Class, pickLang(lang, e.ReasonZh, e.ReasonEn),
			e.Gap, s.bestChange(lang, er, e), per10k(e.SurchargeYuan), e.LandMu}}
		row.link(1, "/enterprises/"+url.PathEscape(e.USCC))
		row.text(5, er.className(lang, e.Class))
		rows = append(rows, row)
	}
	for _, c := range er.classes() {
		cc := classCount{ID: c, Name: er.className(lang, c), N: counts[c]}
		if n > 0 {
			cc.Share = fmtPct(float64(counts[c])/float64(n), 1, false)
		}
		ev.Classes = append(ev.Classes, cc)
	}
	tv, done, err := s.serveTable(w, r, spec, s.tf(lang, "uni.eval_caption", "unit", unitName(lang, code), "year", strconv.Itoa(er.Run.Year)), memTable(spec, rows))
	ev.Table = tv
	return ev, done, err
}
