package server

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

// The new-tracks page (issue 7): economic complexity of the 41 units, one
// unit's ranked industries to grow next with the quadrant chart (density
// against PCI), the product space, and the city's new-star industries.
// Parameters: unit, year, level (class, group, division), basis (firms,
// output, employment) as in /api/v1/complexity.

type tracksView struct {
	Unit        analysis.UnitComplexity
	UnitName    string
	UnitOptions []optionView
	Years       []optionView
	Levels      []optionView
	Bases       []optionView
	Year        int
	Level       string
	Basis       string
	Threshold   float64
	Eigenvalue  float64
	Industries  int
	RankedUnits int
	Candidates  int
	Quadrants   []quadrantView
	Tracks      *tableView
	ECI         *tableView
	NewStar     *tableView
	Quadrant    *chartView
	Space       *chartView
	Warnings    []string
	Error       string // the analysis could not run; explained on the page
	NoUnit      string // the chosen unit has no data
}

type quadrantView struct {
	ID, Name, Where string
	Count           int
}

func (v tracksView) hasCharts() bool { return v.Quadrant != nil || v.Space != nil }

var trackCols = []tableCol{
	{Key: "rank", Label: "trk.rank", Kind: colInt},
	{Key: "industry", Label: "trk.industry", Kind: colText},
	{Key: "clusters", Label: "trk.clusters", Kind: colText, NoSort: true},
	{Key: "density", Label: "trk.density", Kind: colNum, Dec: 3},
	{Key: "density_pct", Label: "trk.density_pct", Kind: colNum, Dec: 0},
	{Key: "pci", Label: "trk.pci", Kind: colNum, Dec: 2},
	{Key: "cog", Label: "trk.cog", Kind: colNum, Dec: 2},
	{Key: "score", Label: "trk.score", Kind: colNum, Dec: 2},
	{Key: "quadrant", Label: "trk.quadrant", Kind: colText},
}

var eciCols = []tableCol{
	{Key: "rank", Label: "trk.eci_rank", Kind: colInt},
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "region", Label: "home.region", Kind: colText},
	{Key: "eci", Label: "trk.eci", Kind: colNum, Dec: 2},
	{Key: "coi", Label: "trk.coi", Kind: colNum, Dec: 2},
	{Key: "diversity", Label: "trk.diversity", Kind: colInt},
	{Key: "industries", Label: "trk.industries", Kind: colInt},
	{Key: "value", Label: "trk.value", Kind: colNum, Dec: 0},
}

var newStarCols = []tableCol{
	{Key: "rank", Label: "trk.rank", Kind: colInt},
	{Key: "industry", Label: "trk.industry", Kind: colText},
	{Key: "clusters", Label: "trk.clusters", Kind: colText, NoSort: true},
	{Key: "density", Label: "trk.city_density", Kind: colNum, Dec: 3},
	{Key: "pci", Label: "trk.pci", Kind: colNum, Dec: 2},
	{Key: "present", Label: "trk.present", Kind: colBool},
	{Key: "units_present", Label: "trk.units_present", Kind: colInt},
	{Key: "share", Label: "trk.share", Kind: colPct, Dec: 2},
	{Key: "nearest", Label: "trk.nearest", Kind: colText, NoSort: true},
}

// quadrantColours give each quadrant an Okabe–Ito colour and a symbol, so
// the chart reads without colour too.
var quadrantStyle = map[string][2]string{
	analysis.QuadrantPriority:     {"#009E73", "circle"},
	analysis.QuadrantLowHanging:   {"#0072B2", "rect"},
	analysis.QuadrantStrategicBet: {"#E69F00", "triangle"},
	analysis.QuadrantNotNow:       {"#999999", "emptyCircle"},
}

func (s *Server) pageTracksView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	ctx := r.Context()
	q := r.URL.Query()
	t := func(k string) string { return s.catalogue.T(lang, k) }
	var o analysis.NewTracksOptions
	var err error
	if o.Level, err = analysis.ParseLevel(q.Get("level")); err != nil {
		s.pageError(w, r, err)
		return
	}
	if o.Basis, err = analysis.ParseBasis(q.Get("basis")); err != nil {
		s.pageError(w, r, err)
		return
	}
	if v := q.Get("year"); v != "" {
		if o.Year, err = strconv.Atoi(v); err != nil {
			s.pageError(w, r, indus.Errorf(indus.EInvalid, "year %q is not a year", v).Zh("%q 不是有效的年份", v))
			return
		}
	}
	v := tracksView{Level: string(o.Level), Basis: string(o.Basis), Quadrants: nil}
	years, err := s.store.AnnualYears(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, y := range yearOptions(years) {
		v.Years = append(v.Years, optionView{Value: y.Value, Label: y.Label, Selected: y.Value == q.Get("year")})
	}
	for _, l := range []string{"class", "group", "division"} {
		v.Levels = append(v.Levels, optionView{Value: l, Label: t("level." + l), Selected: l == v.Level})
	}
	for _, b := range []string{"firms", "output", "employment"} {
		v.Bases = append(v.Bases, optionView{Value: b, Label: t("basis." + b), Selected: b == v.Basis})
	}
	key := fmt.Sprintf("tracks/%d/%s/%s", o.Year, o.Level, o.Basis)
	cached, err := s.cache().get(ctx, s.store, key, func() (any, error) { return analysis.NewTracks(ctx, s.store, o) })
	if err != nil {
		if indus.Code(err) == indus.EInternal {
			s.pageError(w, r, err)
			return
		}
		v.Error = indus.Message(err)
		s.render(w, r, "page_tracks.html", "tracks", "trk.title", v)
		return
	}
	nt := cached.(*analysis.NewTracksResult)
	v.Year, v.Threshold, v.Eigenvalue, v.Industries, v.Warnings = nt.Year, nt.Threshold, nt.Eigenvalue, nt.Industries, nt.Warnings
	for _, u := range nt.Units {
		if u.Rank > 0 {
			v.RankedUnits++
		}
	}
	// The unit: as asked, else the most complex.
	code := q.Get("unit")
	if code == "" && len(nt.Units) > 0 {
		code = nt.Units[0].Code
	}
	if _, ok := refdata.UnitByCode(code); !ok {
		s.pageError(w, r, indus.Errorf(indus.ENotFound, "no evaluation unit with code %q", code).Zh("没有代码为 %q 的评价单元", code))
		return
	}
	for _, u := range refdata.Units() {
		v.UnitOptions = append(v.UnitOptions, optionView{Value: u.Code, Label: pickLang(lang, u.NameZh, u.NameEn), Selected: u.Code == code})
	}
	v.UnitName = unitName(lang, code)
	stamp, err := s.store.DataStamp(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	params := s.tf(lang, "trk.params", "year", strconv.Itoa(nt.Year), "level", t("level."+string(nt.Level)), "basis", t("basis."+string(nt.Basis)),
		"threshold", fmtFloat(nt.Threshold, -1))

	// ECI of all units.
	eciSpec := &tableSpec{ID: "eci", Prefix: "e-", Cols: eciCols, Sort: "rank", PerPage: 50, File: "unit-eci",
		Filters: []tableFilter{{Key: "region", Label: "home.region", Options: regionOptions(lang)}}}
	var eciRows []tableRow
	for _, u := range nt.Units {
		rank := any(nil)
		if u.Rank > 0 {
			rank = u.Rank
		}
		row := tableRow{Vals: []any{rank, pickLang(lang, u.NameZh, u.NameEn), u.Region, u.ECI, u.COI, u.Diversity, u.Industries, u.Value}}
		row.link(1, tracksURL(r, u.Code))
		row.text(2, s.regionShort(lang, u.Region))
		eciRows = append(eciRows, row)
		if u.Code == code {
			v.Unit = u
		}
	}
	var done bool
	v.ECI, done, err = s.serveTable(w, r, eciSpec, s.tf(lang, "trk.eci_caption", "params", params, "asof", s.asOf(lang, stamp)), memTable(eciSpec, eciRows))
	if err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}

	// The unit's tracks and quadrant chart.
	ut, err := nt.Unit(code)
	if err != nil {
		v.NoUnit = indus.Message(err)
	} else {
		v.Candidates = ut.Candidates
		for _, qd := range ut.Quadrant.Quadrants {
			v.Quadrants = append(v.Quadrants, quadrantView{ID: qd.ID, Name: pickLang(lang, qd.NameZh, qd.NameEn), Where: t("trk.where." + qd.ID), Count: qd.Count})
		}
		qname := map[string]string{}
		for _, qd := range v.Quadrants {
			qname[qd.ID] = qd.Name
		}
		spec := &tableSpec{ID: "tracks", Prefix: "t-", Cols: trackCols, Sort: "rank", PerPage: 25, File: "tracks-" + code, Search: "trk.search",
			Filters: []tableFilter{{Key: "quadrant", Label: "trk.quadrant", Options: quadrantOptions(v.Quadrants)},
				{Key: "new_star", Label: "trk.new_star", Options: []tableOption{{"yes", t("trk.new_star_only")}},
					Match: func(row tableRow, _ string) bool { return row.Vals[9] == true }}}}
		var rows []tableRow
		for _, tr := range ut.Tracks {
			row := tableRow{Vals: []any{tr.Rank, industryLabel(tr.Code), clusterNames(lang, tr.Clusters), tr.Density, tr.DensityPercentile, tr.PCI, tr.COG, tr.Score, tr.Quadrant, tr.NewStar}}
			label := qname[tr.Quadrant]
			if tr.NewStar {
				row.text(1, industryLabel(tr.Code)+" ★")
			}
			row.text(8, label)
			rows = append(rows, row)
		}
		caption := s.tf(lang, "trk.tracks_caption", "unit", v.UnitName, "params", params, "n", strconv.Itoa(ut.Candidates))
		v.Tracks, done, err = s.serveTable(w, r, spec, caption, memTable(spec, rows))
		if err != nil || done {
			if err != nil {
				s.pageError(w, r, err)
			}
			return
		}
		v.Quadrant = s.quadrantChart(lang, v.UnitName, params, ut, qname)
	}

	// The city's new-star industries.
	if ns := nt.NewStar; ns != nil {
		spec := &tableSpec{ID: "newstar", Prefix: "n-", Cols: newStarCols, Sort: "rank", PerPage: 25, File: "new-star-industries"}
		var rows []tableRow
		for _, in := range ns.Industries {
			var near []string
			for _, u := range in.NearestUnits {
				near = append(near, pickLang(lang, u.NameZh, u.NameEn)+" "+fmtFloat(u.Density, 2))
			}
			rows = append(rows, tableRow{Vals: []any{in.Rank, industryLabel(in.Code), clusterNames(lang, in.Clusters), in.Density, in.PCI, in.Present,
				in.UnitsPresent, in.Share, strings.Join(near, lang2sep(lang))}})
		}
		v.NewStar, done, err = s.serveTable(w, r, spec, s.tf(lang, "trk.newstar_caption", "params", params), memTable(spec, rows))
		if err != nil || done {
			if err != nil {
				s.pageError(w, r, err)
			}
			return
		}
	}

	// The product space, from the same complexity result as the tables.
	psKey := fmt.Sprintf("space/%d/%s/%s/%t/%t/%g", nt.Year, nt.Level, nt.Basis, nt.AboveSizeOnly, o.AllSections, nt.Threshold)
	psAny, err := s.cache().get(ctx, s.store, psKey, func() (any, error) { return nt.ProductSpace(), nil })
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var top map[string]bool
	if ut != nil {
		top = map[string]bool{}
		for i, tr := range ut.Tracks {
			if i == 20 {
				break
			}
			top[tr.Code] = true
		}
	}
	v.Space = s.spaceChart(lang, psAny.(*analysis.ProductSpace), code, v.UnitName, params, top)
	s.render(w, r, "page_tracks.html", "tracks", "trk.title", v)
}

// tracksURL is the page for another unit, keeping year, level and basis.
func tracksURL(r *http.Request, code string) string {
	q := url.Values{}
	for _, k := range []string{"year", "level", "basis"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("unit", code)
	return "/tracks?" + q.Encode()
}

func regionOptions(lang string) []tableOption {
	var out []tableOption
	for _, r := range refdata.Regions {
		out = append(out, tableOption{Value: r.ID, Label: pickLang(lang, r.NameZh, r.NameEn)})
	}
	return out
}

func quadrantOptions(qs []quadrantView) []tableOption {
	var out []tableOption
	for _, q := range qs {
		out = append(out, tableOption{Value: q.ID, Label: q.Name})
	}
	return out
}

func clusterNames(lang string, cs []analysis.ClusterRef) string {
	var names []string
	for _, c := range cs {
		n := pickLang(lang, c.NameZh, c.NameEn)
		if c.Partial {
			n += "*"
		}
		names = append(names, n)
	}
	return strings.Join(names, lang2sep(lang))
}

// finite drops NaN and infinities from chart data (JSON has neither).
func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// quadrantChart is the density × PCI scatter of a unit's candidates.
func (s *Server) quadrantChart(lang, unit, params string, ut *analysis.UnitTracks, qname map[string]string) *chartView {
	t := func(k string) string { return s.catalogue.T(lang, k) }
	series := []any{}
	data := &chartData{Head: []string{t("trk.industry"), t("trk.density"), t("trk.pci"), t("trk.quadrant")}}
	byQ := map[string][]any{}
	for _, p := range ut.Quadrant.Points {
		tip := fmt.Sprintf("%s<br>%s %.3f · PCI %.2f", industryLabel(p.Code), t("trk.density"), p.Density, p.PCI)
		if p.NewStar {
			tip += " · ★ " + t("trk.new_star")
		}
		item := map[string]any{"value": []any{finite(p.Density), finite(p.PCI)}, "name": p.Code, "tip": tip}
		if p.NewStar {
			item["symbolSize"] = 14
			item["itemStyle"] = map[string]any{"borderColor": "#000", "borderWidth": 1.5}
		}
		byQ[p.Quadrant] = append(byQ[p.Quadrant], item)
		data.Rows = append(data.Rows, []string{industryLabel(p.Code), fmtFloat(p.Density, 3), fmtFloat(p.PCI, 2), qname[p.Quadrant]})
	}
	sort.Slice(data.Rows, func(a, b int) bool { return data.Rows[a][0] < data.Rows[b][0] })
	first := true
	for _, q := range []string{analysis.QuadrantPriority, analysis.QuadrantLowHanging, analysis.QuadrantStrategicBet, analysis.QuadrantNotNow} {
		st := quadrantStyle[q]
		sr := map[string]any{"name": qname[q], "type": "scatter", "data": byQ[q], "symbol": st[1], "symbolSize": 9,
			"itemStyle": map[string]any{"color": st[0], "opacity": 0.85}}
		if q == analysis.QuadrantNotNow {
			sr["itemStyle"] = map[string]any{"color": "#8c8c8c", "opacity": 0.7}
		}
		if first {
			sr["markLine"] = map[string]any{"silent": true, "symbol": "none", "lineStyle": map[string]any{"color": "#5b6675", "type": "dashed"},
				"label": map[string]any{"show": true, "formatter": "@name", "color": "#5b6675", "position": "insideEndTop"},
				"data": []any{map[string]any{"xAxis": finite(ut.Quadrant.DensitySplit), "name": t("trk.split_density")},
					map[string]any{"yAxis": finite(ut.Quadrant.PCISplit), "name": t("trk.split_pci")}}}
			first = false
		}
		series = append(series, sr)
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "item", "formatter": "@tip"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 56, "right": 24, "top": 44, "bottom": 48},
		"xAxis":   map[string]any{"type": "value", "name": t("trk.density"), "nameLocation": "middle", "nameGap": 28, "scale": true},
		"yAxis":   map[string]any{"type": "value", "name": "PCI", "nameLocation": "middle", "nameGap": 36, "scale": true},
		"series":  series,
	}
	return &chartView{ID: "quadrant-chart", Option: opt, Data: data, Tall: true,
		Caption: s.tf(lang, "trk.quadrant_caption", "unit", unit, "params", params)}
}

// spaceChart draws the product space, highlighting the unit's industries
// and its top tracks.
func (s *Server) spaceChart(lang string, ps *analysis.ProductSpace, unit, unitName, params string, top map[string]bool) *chartView {
	t := func(k string) string { return s.catalogue.T(lang, k) }
	present := ps.Present[unit]
	cats := []any{
		map[string]any{"name": t("trk.space_present"), "itemStyle": map[string]any{"color": "#0072B2"}},
		map[string]any{"name": t("trk.space_track"), "itemStyle": map[string]any{"color": "#E69F00"}, "symbol": "diamond"},
		map[string]any{"name": t("trk.space_other"), "itemStyle": map[string]any{"color": "#c3c9d1"}},
	}
	nodes := make([]any, len(ps.Codes))
	for i, c := range ps.Codes {
		cat := 2
		if present != nil && present[i] {
			cat = 0
		} else if top[c] {
			cat = 1
		}
		size := 4 + 2*math.Max(0, math.Min(3, ps.PCI[i]+1.5))
		if math.IsNaN(size) {
			size = 6
		}
		node := map[string]any{"name": c, "x": math.Round(ps.X[i]*10) / 10, "y": math.Round(ps.Y[i]*10) / 10, "category": cat, "symbolSize": math.Round(size*10) / 10,
			"tip": fmt.Sprintf("%s<br>PCI %s · %s %d", industryLabel(c), fmtAny(finite(ps.PCI[i]), 2), t("trk.ubiquity"), ps.Ubiquity[i])}
		if cat == 1 {
			node["symbol"] = "diamond"
			node["symbolSize"] = size + 4
		}
		nodes[i] = node
	}
	links := make([]any, 0, len(ps.Edges))
	data := &chartData{Head: []string{t("trk.industry"), t("trk.industry"), t("trk.proximity"), t("trk.link")}}
	strongest := append([]analysis.SpaceEdge(nil), ps.Edges...)
	sort.Slice(strongest, func(a, b int) bool { return strongest[a].W > strongest[b].W })
	for _, e := range ps.Edges {
		// Compact links: the tree first, then the extra links, which a
		// second, fainter series would need the nodes twice for; a
		// lighter colour keeps them apart instead.
		l := map[string]any{"source": e.A, "target": e.B, "value": math.Round(e.W*1000) / 1000}
		if !e.Tree {
			l["lineStyle"] = map[string]any{"color": "#d5dae0"}
		}
		links = append(links, l)
	}
	for i, e := range strongest {
		if i == 100 {
			break
		}
		kind := t("trk.link_tree")
		if !e.Tree {
			kind = t("trk.link_extra")
		}
		data.Rows = append(data.Rows, []string{industryLabel(ps.Codes[e.A]), industryLabel(ps.Codes[e.B]), fmtFloat(e.W, 3), kind})
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "item", "formatter": "@tip"},
		"legend":  map[string]any{"top": 0, "data": []string{t("trk.space_present"), t("trk.space_track"), t("trk.space_other")}},
		"series": []any{map[string]any{
			"type": "graph", "layout": "none", "roam": true, "preserveAspect": true, "categories": cats, "data": nodes, "links": links,
			"top": 36, "bottom": 8, "left": 8, "right": 8,
			"lineStyle": map[string]any{"color": "#9aa5b1", "width": 0.8, "opacity": 0.5},
			"emphasis":  map[string]any{"focus": "adjacency", "lineStyle": map[string]any{"width": 2}},
			"label":     map[string]any{"show": false},
		}},
	}
	return &chartView{ID: "space-chart", Option: opt, Data: data, Tall: true,
		Caption: s.tf(lang, "trk.space_caption", "unit", unitName, "params", params, "nodes", strconv.Itoa(len(ps.Codes)), "links", strconv.Itoa(len(ps.Edges)))}
}
