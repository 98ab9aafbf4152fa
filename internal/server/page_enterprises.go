package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// The enterprise pages: the list (search, filter by unit, cluster, size
// and industry, sort, page, export) and one enterprise's profile.

// enterpriseCols are the list's columns; the keys are store.EnterpriseSort
// keys, so sorting happens in SQL.
var enterpriseCols = []tableCol{
	{Key: "name", Label: "ent.name", Kind: colText},
	{Key: "uscc", Label: "ent.uscc", Kind: colCode},
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "industry", Label: "ent.industry", Kind: colText},
	{Key: "above_size", Label: "ent.above_size", Kind: colBool},
	{Key: "land", Label: "ent.land", Unit: "unit.mu", Kind: colNum, Dec: 1},
	{Key: "revenue", Label: "ent.revenue", Unit: "unit.wan", Kind: colWan},
	{Key: "output", Label: "ent.output", Unit: "unit.wan", Kind: colWan},
	{Key: "value_added", Label: "ent.value_added", Unit: "unit.wan", Kind: colWan},
	{Key: "tax", Label: "ent.tax", Unit: "unit.wan", Kind: colWan},
	{Key: "employees", Label: "ent.employees", Unit: "unit.persons", Kind: colNum, Dec: 0},
	{Key: "tax_per_mu", Label: "ent.tax_per_mu", Unit: "unit.wan_per_mu", Kind: colNum, Dec: 2},
}

// enterpriseListView is the enterprise list page's view.
type enterpriseListView struct {
	Table *tableView
	Year  int
	Empty bool // the database has no enterprises at all
}

func (s *Server) enterpriseSpec(r *http.Request, lang string, years []int, divisions []string) *tableSpec {
	spec := &tableSpec{ID: "enterprises", Cols: enterpriseCols, Search: "ent.search", Sort: "revenue", Desc: true, File: "enterprises", Empty: "ent.empty"}
	latest := ""
	if len(years) > 0 {
		latest = strconv.Itoa(years[len(years)-1])
	}
	var divs []tableOption
	ind := refdata.GBT4754()
	for _, d := range divisions {
		label := d
		if it, ok := ind.Lookup(d); ok {
			label = d + " " + it.NameZh
		}
		divs = append(divs, tableOption{Value: d, Label: label})
	}
	spec.Filters = []tableFilter{
		{Key: "unit", Label: "ent.unit", Options: unitOptions(r.Context(), lang)},
		{Key: "cluster", Label: "ent.cluster", Options: clusterOptions(lang)},
		{Key: "size", Label: "ent.size", Options: []tableOption{{"above", s.catalogue.T(lang, "ent.size_above")}, {"below", s.catalogue.T(lang, "ent.size_below")}}},
		{Key: "industry", Label: "ent.industry", Options: divs},
		{Key: "year", Label: "ent.year", All: strings.ReplaceAll(s.catalogue.T(lang, "ent.year_latest"), "{year}", latest), Options: yearOptions(years)},
	}
	return spec
}

// enterpriseQuery turns a table state into the service's query.
func enterpriseQuery(st tableState) analysis.EnterpriseQuery {
	q := analysis.EnterpriseQuery{Sort: st.Sort, Desc: st.Desc}
	q.Query = st.Q
	if u := st.F["unit"]; u != "" {
		q.UnitCodes = []string{u}
	}
	q.ClusterID = st.F["cluster"]
	switch st.F["size"] {
	case "above":
		t := true
		q.AboveSize = &t
	case "below":
		f := false
		q.AboveSize = &f
	}
	q.Industry = st.F["industry"]
	q.Year, _ = strconv.Atoi(st.F["year"])
	return q
}

// enterpriseRow is a list row for the table.
func enterpriseRow(lang string, e store.EnterpriseListRow) tableRow {
	row := tableRow{Vals: []any{e.Name, e.USCC, e.UnitCode, e.IndustryCode, e.AboveSize, e.LandMu, e.Revenue, e.OutputValue,
		e.ValueAdded, e.Tax, e.Employees, e.TaxPerMu}}
	row.link(0, "/enterprises/"+url.PathEscape(e.USCC))
	row.text(2, unitName(lang, e.UnitCode))
	row.link(2, "/units/"+url.PathEscape(e.UnitCode))
	row.text(3, industryLabel(e.IndustryCode))
	return row
}

func (s *Server) pageEnterprisesView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	ctx := r.Context()
	years, err := s.store.AnnualYears(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	divisions, err := s.store.EnterpriseIndustryCodes(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	spec := s.enterpriseSpec(r, lang, years, divisions)
	st := spec.state(r)
	q := enterpriseQuery(st)
	year := q.Year
	if year == 0 && len(years) > 0 {
		year = years[len(years)-1]
	}
	stamp, err := s.store.DataStamp(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	caption := s.tf(lang, "ent.caption", "year", strconv.Itoa(year), "asof", s.asOf(lang, stamp))
	src := func(st tableState, paged bool, emit func(tableRow) error) (int, error) {
		q := enterpriseQuery(st)
		q.Years = years
		if years == nil {
			q.Years = []int{} // read above: none
		}
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
	tv, done, err := s.serveTable(w, r, spec, caption, src)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if done {
		return
	}
	s.render(w, r, "page_enterprises.html", "enterprises", "ent.title", enterpriseListView{Table: tv, Year: year, Empty: stamp.LastBatch == 0})
}

// tf translates key and fills its {name} placeholders.
func (s *Server) tf(lang, key string, kv ...string) string {
	msg := s.catalogue.T(lang, key)
	for i := 0; i+1 < len(kv); i += 2 {
		msg = strings.ReplaceAll(msg, "{"+kv[i]+"}", kv[i+1])
	}
	return msg
}

// asOf describes the state of the data for captions.
func (s *Server) asOf(lang string, d store.DataStamp) string {
	if d.LastBatch == 0 {
		return s.catalogue.T(lang, "data.none")
	}
	return s.tf(lang, "data.asof", "date", d.AsOf.Format("2006-01-02 15:04"), "batch", strconv.FormatInt(d.LastBatch, 10))
}

// enterpriseView is the profile page's view.
type enterpriseView struct {
	P           *analysis.EnterpriseProfile
	Unit        string
	Region      string
	Industry    string
	Division    string
	Members     []memberView
	Chart       *chartView
	Annual      *tableView
	LatestYear  int
	LatestFacts *analysis.EnterpriseYear
	Eval        *entEvalView
}

type memberView struct {
	Name, Tier, Rule, ID string
	Primary, Verified    bool
}

func (v enterpriseView) hasCharts() bool { return v.Chart != nil }

// annualCols are the columns of an enterprise's annual facts.
var annualCols = []tableCol{
	{Key: "year", Label: "fact.year", Kind: colText},
	{Key: "revenue", Label: "ent.revenue", Unit: "unit.wan", Kind: colNum, Dec: 1},
	{Key: "output", Label: "ent.output", Unit: "unit.wan", Kind: colNum, Dec: 1},
	{Key: "value_added", Label: "ent.value_added", Unit: "unit.wan", Kind: colNum, Dec: 1},
	{Key: "tax", Label: "ent.tax", Unit: "unit.wan", Kind: colNum, Dec: 1},
	{Key: "land", Label: "ent.land", Unit: "unit.mu", Kind: colNum, Dec: 1},
	{Key: "tax_per_mu", Label: "ent.tax_per_mu", Unit: "unit.wan_per_mu", Kind: colNum, Dec: 2},
	{Key: "va_per_mu", Label: "ent.va_per_mu", Unit: "unit.wan_per_mu", Kind: colNum, Dec: 2},
	{Key: "energy", Label: "fact.energy", Unit: "unit.tce", Kind: colNum, Dec: 1},
	{Key: "electricity", Label: "fact.electricity", Unit: "unit.10k_kwh", Kind: colNum, Dec: 1},
	{Key: "emissions", Label: "fact.emissions", Unit: "unit.t", Kind: colNum, Dec: 2},
	{Key: "rd", Label: "fact.rd", Unit: "unit.wan", Kind: colNum, Dec: 1},
	{Key: "employees", Label: "ent.employees", Unit: "unit.persons", Kind: colNum, Dec: 0},
	{Key: "flags", Label: "fact.flags", Kind: colText, NoSort: true},
}

func per10k(v *float64) *float64 {
	if v == nil {
		return nil
	}
	x := *v / 1e4
	return &x
}

func (s *Server) pageEnterpriseView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	uscc := r.PathValue("uscc")
	p, err := analysis.LoadEnterpriseProfile(r.Context(), s.store, uscc)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := enterpriseView{P: p, Unit: unitName(lang, p.UnitCode), Region: regionName(lang, p.Region), Industry: industryLabel(p.IndustryCode)}
	if d := refdata.GBT4754().Division(p.IndustryCode); d != "" {
		v.Division = industryLabel(d)
	}
	for _, m := range p.Memberships {
		v.Members = append(v.Members, memberView{ID: m.ClusterID, Name: pickLang(lang, m.NameZh, m.NameEn), Tier: pickLang(lang, m.TierNameZh, m.TierNameEn),
			Rule: m.Rule, Primary: m.Primary, Verified: m.Verified})
	}
	if n := len(p.Annual); n > 0 {
		v.LatestYear = p.Annual[n-1].Year
		v.LatestFacts = &p.Annual[n-1]
	}
	// Annual facts: a small in-memory table, sortable and exportable.
	spec := &tableSpec{ID: "annual", Cols: annualCols, Sort: "year", Desc: true, PerPage: 25, File: "annual-" + p.USCC, Empty: "ent.no_annual"}
	var rows []tableRow
	for _, f := range p.Annual {
		var flags []string
		for _, fl := range []struct {
			on  bool
			key string
		}{{f.SafetyAccident, "fact.safety_accident"}, {f.EnvViolation, "fact.env_violation"}, {f.UnderConstruction, "fact.under_construction"}, {f.Utility, "fact.utility"}} {
			if fl.on {
				flags = append(flags, s.catalogue.T(lang, fl.key))
			}
		}
		rows = append(rows, tableRow{Vals: []any{strconv.Itoa(f.Year), f.Revenue, f.OutputValue, f.ValueAdded, f.Tax, f.LandMu, f.TaxPerMu, f.VAPerMu,
			f.EnergyTCE, per10k(f.ElectricityKWh), f.EmissionsT, f.RDSpend, f.Employees, strings.Join(flags, lang2sep(lang))}})
	}
	tv, done, err := s.serveTable(w, r, spec, s.tf(lang, "ent.annual_caption", "name", p.Name), memTable(spec, rows))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if done {
		return
	}
	v.Annual = tv
	if len(p.Monthly) > 0 {
		v.Chart = s.enterpriseChart(lang, p)
	}
	if v.Eval, err = s.enterpriseEvaluation(r, lang, p.Evaluation); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderStatus(w, r, http.StatusOK, "page_enterprise.html", "enterprises", p.Name, v)
}

func lang2sep(lang string) string {
	if lang == "en" {
		return ", "
	}
	return "、"
}

// enterpriseChart is the monthly output, revenue and electricity chart.
func (s *Server) enterpriseChart(lang string, p *analysis.EnterpriseProfile) *chartView {
	t := func(k string) string { return s.catalogue.T(lang, k) }
	var months []string
	var output, revenue, elec []any
	data := &chartData{Head: []string{t("fact.month"), t("ent.output") + " (" + t("unit.wan") + ")", t("ent.revenue") + " (" + t("unit.wan") + ")",
		t("fact.electricity") + " (" + t("unit.10k_kwh") + ")"}}
	val := func(v *float64, scale float64) any {
		if v == nil {
			return nil
		}
		return *v / scale
	}
	for _, m := range p.Monthly {
		months = append(months, m.Month)
		output = append(output, val(m.OutputValue, 1))
		revenue = append(revenue, val(m.Revenue, 1))
		elec = append(elec, val(m.ElectricityKWh, 1e4))
		data.Rows = append(data.Rows, []string{m.Month, fmtAny(m.OutputValue, 1), fmtAny(m.Revenue, 1), fmtAny(per10k(m.ElectricityKWh), 1)})
	}
	first, last := months[0], months[len(months)-1]
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "valueFormatter": "@num1"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 64, "right": 72, "top": 40, "bottom": 56},
		"xAxis":   map[string]any{"type": "category", "data": months},
		"yAxis": []any{
			map[string]any{"type": "value", "name": t("unit.wan"), "axisLabel": map[string]any{"formatter": "@num0"}},
			map[string]any{"type": "value", "name": t("unit.10k_kwh"), "splitLine": map[string]any{"show": false}, "axisLabel": map[string]any{"formatter": "@num0"}},
		},
		"dataZoom": []any{map[string]any{"type": "inside"}, map[string]any{"type": "slider", "height": 18, "bottom": 8}},
		"series": []any{
			map[string]any{"name": t("ent.output"), "type": "line", "data": output, "showSymbol": false, "connectNulls": false},
			map[string]any{"name": t("ent.revenue"), "type": "line", "data": revenue, "showSymbol": false, "lineStyle": map[string]any{"type": "dashed"}},
			map[string]any{"name": t("fact.electricity"), "type": "bar", "yAxisIndex": 1, "data": elec, "itemStyle": map[string]any{"opacity": 0.45}},
		},
	}
	return &chartView{ID: "monthly-chart", Option: opt, Data: data,
		Caption: s.tf(lang, "ent.chart_caption", "name", p.Name, "from", first, "to", last)}
}
