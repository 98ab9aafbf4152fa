package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// The benefit-per-mu evaluation pages (issue 4), on the recorded runs of
// `indus evaluate`: the runs, a run's class distribution by unit and by
// cluster, the ranked units, the enterprise list with filters and export,
// the year-over-year transition matrix with the movers, and the policy
// consequences of the classes; and each enterprise's result with its
// explanation on its profile.

// classColours give the classes Okabe–Ito colours (A best → D worst, U
// grey), always next to the class letter.
var classColours = map[string]string{"A": "#009E73", "B": "#0072B2", "C": "#E69F00", "D": "#D55E00", "U": "#999999"}

// evalRuns lists the runs, newest first (cached until the data change).
func (s *Server) evalRuns(r *http.Request) ([]store.EvaluationRun, error) {
	ctx := r.Context()
	v, err := s.cache().get(ctx, s.store, "eval/runs", func() (any, error) { return s.store.Evaluations(ctx) })
	if err != nil {
		return nil, err
	}
	return v.([]store.EvaluationRun), nil
}

// evalRun is a run with its scheme and every enterprise result.
type evalRun struct {
	Run     store.EvaluationRun
	Scheme  *refdata.Scheme
	Results []store.EnterpriseResult
	Areas   []store.AreaResult
}

func (s *Server) loadEvalRun(r *http.Request, id int64) (*evalRun, error) {
	ctx := r.Context()
	v, err := s.cache().get(ctx, s.store, "eval/run/"+strconv.FormatInt(id, 10), func() (any, error) {
		run, err := s.store.EvaluationByID(ctx, id)
		if err != nil {
			return nil, err
		}
		er := &evalRun{Run: run}
		if sc, _, err := refdata.ParseScheme(run.SchemeID+".yaml", []byte(run.SchemeYAML)); err == nil {
			er.Scheme = sc
		}
		if er.Results, _, err = s.store.EvaluationEnterprises(ctx, id, store.EnterpriseQuery{}); err != nil {
			return nil, err
		}
		if er.Areas, err = s.store.EvaluationAreas(ctx, id, store.AreaUnit); err != nil {
			return nil, err
		}
		return er, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*evalRun), nil
}

// classes are the run's class labels best first, the unrated label last.
func (er *evalRun) classes() []string {
	if er.Scheme != nil {
		return append(er.Scheme.ClassIDs(), er.Scheme.UnratedClass())
	}
	return []string{"A", "B", "C", "D", "U"}
}

// className names a class in the page language.
func (er *evalRun) className(lang, id string) string {
	if er.Scheme != nil {
		for _, c := range er.Scheme.Classes.List {
			if c.ID == id {
				return id + " " + pickLang(lang, c.NameZh, c.NameEn)
			}
		}
		if id == er.Scheme.UnratedClass() && er.Scheme.Classes.UnratedNameZh != "" {
			return id + " " + pickLang(lang, er.Scheme.Classes.UnratedNameZh, er.Scheme.Classes.UnratedNameEn)
		}
	}
	if id == "U" {
		return pickLang(lang, "U 参评未定级", "U evaluated, not classified")
	}
	return id
}

// indicatorName names an indicator of the run.
func (er *evalRun) indicator(id string) *store.EvaluationIndicator {
	for i := range er.Run.Indicators {
		if er.Run.Indicators[i].Indicator == id {
			return &er.Run.Indicators[i]
		}
	}
	return nil
}

type evalView struct {
	Runs      []optionView
	Others    []optionView
	Run       *store.EvaluationRun
	Scheme    string
	Classes   []classCount
	RunsTable *tableView
	Indic     *tableView
	ByUnit    *chartView
	ByCluster *chartView
	Units     *tableView
	Ents      *tableView
	Matrix    *matrixView
	Movers    *tableView
	Policy    []policyRow
	Notes     []string
}

func (v evalView) hasCharts() bool { return v.ByUnit != nil || v.ByCluster != nil }

type classCount struct {
	ID, Name, Share string
	N               int64
}

type matrixView struct {
	From, To       string
	Head           []string
	Rows           []matrixRow
	Up, Down, Same int
	Caption        string
}

type matrixRow struct {
	Class string
	Cells []matrixCell
}

type matrixCell struct {
	N    int
	Diag bool
}

type policyRow struct {
	Class, Name                      string
	N                                int64
	Rate, Total, Water, Relief, Note string
	ElectricityKWh                   string
	HasPolicy                        bool
}

var evalRunCols = []tableCol{
	{Key: "id", Label: "eval.run", Kind: colInt},
	{Key: "scheme", Label: "eval.scheme", Kind: colText},
	{Key: "year", Label: "fact.year", Kind: colText},
	{Key: "created", Label: "eval.created", Kind: colText},
	{Key: "enterprises", Label: "eval.evaluated", Kind: colInt},
	{Key: "rated", Label: "eval.rated", Kind: colInt},
	{Key: "a", Label: "eval.class_a", Kind: colInt},
	{Key: "b", Label: "eval.class_b", Kind: colInt},
	{Key: "c", Label: "eval.class_c", Kind: colInt},
	{Key: "d", Label: "eval.class_d", Kind: colInt},
	{Key: "u", Label: "eval.class_u", Kind: colInt},
}

var evalIndicatorCols = []tableCol{
	{Key: "name", Label: "eval.indicator", Kind: colText},
	{Key: "unit", Label: "home.target_unit", Kind: colText},
	{Key: "weight", Label: "eval.weight", Kind: colNum, Dec: 0},
	{Key: "rule", Label: "eval.benchmark_rule", Kind: colText},
	{Key: "benchmark", Label: "eval.benchmark", Kind: colNum, Dec: 3},
	{Key: "median", Label: "eval.median", Kind: colNum, Dec: 3},
	{Key: "cap", Label: "eval.cap", Kind: colNum, Dec: 2},
	{Key: "reported", Label: "eval.reported", Kind: colInt},
	{Key: "missing", Label: "eval.missing_rule", Kind: colText},
}

var evalUnitCols = []tableCol{
	{Key: "rank", Label: "uni.rank_eval", Kind: colInt},
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "score", Label: "eval.score", Kind: colNum, Dec: 1},
	{Key: "gap", Label: "uni.gap_score", Kind: colNum, Dec: 1},
	{Key: "enterprises", Label: "eval.evaluated", Kind: colInt},
	{Key: "land", Label: "ent.land", Unit: "unit.mu", Kind: colNum, Dec: 0},
	{Key: "a", Label: "eval.class_a", Kind: colInt},
	{Key: "b", Label: "eval.class_b", Kind: colInt},
	{Key: "c", Label: "eval.class_c", Kind: colInt},
	{Key: "d", Label: "eval.class_d", Kind: colInt},
	{Key: "u", Label: "eval.class_u", Kind: colInt},
}

var evalEntCols = []tableCol{
	{Key: "rank", Label: "trk.rank", Kind: colInt},
	{Key: "name", Label: "ent.name", Kind: colText},
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "industry", Label: "ent.industry", Kind: colText},
	{Key: "score", Label: "eval.score", Kind: colNum, Dec: 1},
	{Key: "class", Label: "eval.class", Kind: colText},
	{Key: "reason", Label: "eval.reason", Kind: colText, NoSort: true},
	{Key: "gap", Label: "eval.gap", Kind: colNum, Dec: 1},
	{Key: "best", Label: "eval.best", Kind: colText, NoSort: true},
	{Key: "surcharge", Label: "eval.surcharge_total", Unit: "unit.wan", Kind: colNum, Dec: 1},
	{Key: "land", Label: "ent.land", Unit: "unit.mu", Kind: colNum, Dec: 1},
}

var moverCols = []tableCol{
	{Key: "name", Label: "ent.name", Kind: colText},
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "from", Label: "eval.from_class", Kind: colText},
	{Key: "to", Label: "eval.to_class", Kind: colText},
	{Key: "steps", Label: "eval.steps", Kind: colInt},
	{Key: "from_score", Label: "eval.from_score", Kind: colNum, Dec: 1},
	{Key: "to_score", Label: "eval.to_score", Kind: colNum, Dec: 1},
}

func classCounts(m map[string]int64, ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

func (s *Server) pageEvaluationView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	t := func(k string) string { return s.catalogue.T(lang, k) }
	runs, err := s.evalRuns(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(runs) == 0 {
		s.pagePending(w, r, "evaluation", "eval")
		return
	}
	q := r.URL.Query()
	id := runs[0].ID
	if v := q.Get("run"); v != "" {
		if id, err = strconv.ParseInt(v, 10, 64); err != nil {
			s.pageError(w, r, indus.Errorf(indus.EInvalid, "%q is not an evaluation run id", v).Zh("%q 不是评价编号", v))
			return
		}
	}
	er, err := s.loadEvalRun(r, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	run := er.Run
	v := evalView{Run: &run, Scheme: pickLang(lang, run.SchemeNameZh, run.SchemeNameEn), Notes: run.Notes}
	// The run to compare with: as asked, else the same scheme's previous year.
	var other *store.EvaluationRun
	for i := range runs {
		x := runs[i]
		label := fmt.Sprintf("#%d · %s · %d", x.ID, pickLang(lang, x.SchemeNameZh, x.SchemeNameEn), x.Year)
		v.Runs = append(v.Runs, optionView{Value: strconv.FormatInt(x.ID, 10), Label: label, Selected: x.ID == id})
		if x.ID != id {
			v.Others = append(v.Others, optionView{Value: strconv.FormatInt(x.ID, 10), Label: label})
		}
		if c := q.Get("compare"); c != "" && c == strconv.FormatInt(x.ID, 10) && x.ID != id {
			other = &runs[i]
		}
	}
	if other == nil && q.Get("compare") == "" {
		for i := range runs {
			if runs[i].SchemeID == run.SchemeID && runs[i].Year == run.Year-1 {
				other = &runs[i]
				break
			}
		}
	}
	for i := range v.Others {
		v.Others[i].Selected = other != nil && v.Others[i].Value == strconv.FormatInt(other.ID, 10)
	}
	ids := er.classes()
	for _, c := range ids {
		cc := classCount{ID: c, Name: er.className(lang, c), N: run.ClassCounts[c]}
		if run.Enterprises > 0 {
			cc.Share = fmtPct(float64(cc.N)/float64(run.Enterprises), 1, false)
		}
		v.Classes = append(v.Classes, cc)
	}
	var done bool

	// Runs.
	runSpec := &tableSpec{ID: "runs", Prefix: "r-", Cols: evalRunCols, Sort: "id", Desc: true, File: "evaluation-runs"}
	var runRows []tableRow
	for _, x := range runs {
		row := tableRow{Vals: append([]any{x.ID, pickLang(lang, x.SchemeNameZh, x.SchemeNameEn), strconv.Itoa(x.Year), x.CreatedAt.Format("2006-01-02 15:04"),
			x.Enterprises, x.Rated}, classCounts(x.ClassCounts, []string{"A", "B", "C", "D", "U"})...)}
		row.link(0, "/evaluation?run="+strconv.FormatInt(x.ID, 10))
		runRows = append(runRows, row)
	}
	if v.RunsTable, done, err = s.serveTable(w, r, runSpec, t("eval.runs_caption"), memTable(runSpec, runRows)); err != nil || done {
		s.failOrDone(w, r, err)
		return
	}

	// Indicators.
	indSpec := &tableSpec{ID: "indicators", Prefix: "i-", Cols: evalIndicatorCols, File: fmt.Sprintf("evaluation-%d-indicators", id)}
	var indRows []tableRow
	for _, in := range run.Indicators {
		unit := in.Unit
		if u, ok := indicatorUnits[unit]; ok {
			unit = pickLang(lang, u[0], u[1])
		}
		bench, median := in.Benchmark, in.Median
		if in.Unit == "ratio" { // shown in per cent
			bench, median = scaled(bench, 100), scaled(median, 100)
		}
		indRows = append(indRows, tableRow{Vals: []any{pickLang(lang, in.NameZh, in.NameEn), unit, in.Weight, in.BenchmarkRule, bench, median,
			in.Cap, in.Reported, in.MissingRule}})
	}
	if v.Indic, done, err = s.serveTable(w, r, indSpec, s.tf(lang, "eval.indicators_caption", "run", strconv.FormatInt(id, 10), "year", strconv.Itoa(run.Year)),
		memTable(indSpec, indRows)); err != nil || done {
		s.failOrDone(w, r, err)
		return
	}

	// Units ranked.
	uSpec := &tableSpec{ID: "eval-units", Prefix: "u-", Cols: evalUnitCols, Sort: "rank", PerPage: 50, File: fmt.Sprintf("evaluation-%d-units", id)}
	var uRows []tableRow
	areas := append([]store.AreaResult(nil), er.Areas...)
	sort.SliceStable(areas, func(i, j int) bool { return rankLess(areas[i].Rank, areas[j].Rank) })
	for i, a := range areas {
		var gap *float64
		if i > 0 && a.Score != nil && areas[i-1].Score != nil && a.Rank != nil {
			g := *areas[i-1].Score - *a.Score
			gap = &g
		}
		var rank any
		if a.Rank != nil {
			rank = *a.Rank
		}
		row := tableRow{Vals: append([]any{rank, unitName(lang, a.Code), a.Score, gap, a.Enterprises, a.LandMu}, classCounts(a.ClassCounts, []string{"A", "B", "C", "D", "U"})...)}
		row.link(1, "/units/"+url.PathEscape(a.Code))
		uRows = append(uRows, row)
	}
	if v.Units, done, err = s.serveTable(w, r, uSpec, s.tf(lang, "eval.units_caption", "year", strconv.Itoa(run.Year)), memTable(uSpec, uRows)); err != nil || done {
		s.failOrDone(w, r, err)
		return
	}
	v.ByUnit = s.classChart(lang, er, "eval-by-unit", s.tf(lang, "eval.by_unit_caption", "year", strconv.Itoa(run.Year)), unitClassRows(lang, er))
	members, err := analysis.EnterpriseClusterIndex(r.Context(), s.store)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// The counts by cluster scan every result: once per run and language.
	crAny, err := s.cache().get(r.Context(), s.store, fmt.Sprintf("eval/cluster-classes/%d/%s", id, lang), func() (any, error) {
		return clusterClassRows(lang, er, members), nil
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v.ByCluster = s.classChart(lang, er, "eval-by-cluster", s.tf(lang, "eval.by_cluster_caption", "year", strconv.Itoa(run.Year)), crAny.(classRows))

	// Enterprises.
	var classOpts []tableOption
	for _, c := range ids {
		classOpts = append(classOpts, tableOption{Value: c, Label: er.className(lang, c)})
	}
	entsAny, err := s.cache().get(r.Context(), s.store, fmt.Sprintf("eval/ents/%d/%s", id, lang), func() (any, error) {
		return s.evalEnterpriseRows(lang, er), nil
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ents := entsAny.(*rowSet)
	eSpec := &tableSpec{ID: "eval-enterprises", Prefix: "e-", Cols: evalEntCols, Sort: "rank", PerPage: 25, File: fmt.Sprintf("evaluation-%d-enterprises", id),
		Search: "ent.search", Filters: []tableFilter{
			{Key: "class", Label: "eval.class", Options: classOpts},
			{Key: "unit", Label: "ent.unit", Options: unitOptions(r.Context(), lang), Match: func(row tableRow, v string) bool { return row.Vals[11] == v }},
			{Key: "cluster", Label: "ent.cluster", Options: clusterOptions(lang), Match: func(row tableRow, v string) bool {
				// Members are sorted; the rowSet keeps the answer per cluster.
				_, in := slices.BinarySearch(members.Members(v), row.Vals[12].(string))
				return in
			}},
		}}
	if v.Ents, done, err = s.serveTable(w, r, eSpec, s.tf(lang, "eval.ents_caption", "year", strconv.Itoa(run.Year), "n", formatInt(run.Enterprises)),
		ents.source(eSpec)); err != nil || done {
		s.failOrDone(w, r, err)
		return
	}

	// Transition matrix.
	if other != nil {
		from, to := other, &run
		if other.Year > run.Year || (other.Year == run.Year && other.ID > run.ID) {
			from, to = &run, other
		}
		cmpAny, err := s.cache().get(r.Context(), s.store, fmt.Sprintf("eval/cmp/%d/%d", from.ID, to.ID), func() (any, error) {
			return analysis.CompareEvaluations(r.Context(), s.store, from.ID, to.ID)
		})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		cmp := cmpAny.(*analysis.EvaluationComparison)
		mv := &matrixView{From: fmt.Sprintf("#%d (%d)", from.ID, from.Year), To: fmt.Sprintf("#%d (%d)", to.ID, to.Year), Up: cmp.Up, Down: cmp.Down, Same: cmp.Same}
		mv.Caption = s.tf(lang, "eval.matrix_caption", "from", mv.From, "to", mv.To)
		for _, c := range cmp.Classes {
			mv.Head = append(mv.Head, c)
		}
		for i, c := range cmp.Classes {
			mr := matrixRow{Class: c}
			for j := range cmp.Classes {
				mr.Cells = append(mr.Cells, matrixCell{N: cmp.Matrix[i][j], Diag: i == j})
			}
			mv.Rows = append(mv.Rows, mr)
		}
		v.Matrix = mv
		mSpec := &tableSpec{ID: "movers", Prefix: "m-", Cols: moverCols, Sort: "steps", PerPage: 25, File: fmt.Sprintf("evaluation-%d-%d-movers", from.ID, to.ID),
			Search: "ent.search", Filters: []tableFilter{{Key: "dir", Label: "eval.direction", Options: []tableOption{{"up", t("eval.up")}, {"down", t("eval.down")}},
				Match: func(row tableRow, v string) bool {
					n := row.Vals[4].(int)
					return (v == "up" && n > 0) || (v == "down" && n < 0)
				}}}}
		var mRows []tableRow
		for _, m := range cmp.Movers {
			row := tableRow{Vals: []any{m.Name, unitName(lang, m.UnitCode), m.FromClass, m.ToClass, m.Steps, m.FromScore, m.ToScore}}
			row.link(0, "/enterprises/"+url.PathEscape(m.USCC))
			mRows = append(mRows, row)
		}
		if v.Movers, done, err = s.serveTable(w, r, mSpec, s.tf(lang, "eval.movers_caption", "from", mv.From, "to", mv.To), memTable(mSpec, mRows)); err != nil || done {
			s.failOrDone(w, r, err)
			return
		}
	}

	// Policy consequences: sums over every result, once per run and language.
	polAny, err := s.cache().get(r.Context(), s.store, fmt.Sprintf("eval/policy/%d/%s", id, lang), func() (any, error) {
		return s.policyRows(lang, er), nil
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v.Policy = polAny.([]policyRow)
	s.render(w, r, "page_evaluation.html", "evaluation", "eval.title", v)
}

// failOrDone ends a handler after serveTable answered or failed.
func (s *Server) failOrDone(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.pageError(w, r, err)
	}
}

// evalEnterpriseRows builds a run's enterprise results as table rows in
// one language. The page keeps them in the data cache as a rowSet: building
// a row for each of a national run's 273k results is most of the page's
// work, so it is done once per data state, as is each sort order and each
// filter choice the table is asked for.
func (s *Server) evalEnterpriseRows(lang string, er *evalRun) *rowSet {
	// Rows in the table's default order (rank, unranked last, stable), so
	// the default view needs no sort.
	order := make([]int, len(er.Results))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rankLess(er.Results[order[a]].Rank, er.Results[order[b]].Rank) })
	// The best single change reads the same for many firms (an indicator,
	// a percentage to one decimal, a class): each text is formatted once.
	type bestKey struct {
		indicator, pct, class string
	}
	bestTexts := map[bestKey]string{}
	best := func(e store.EnterpriseResult) string {
		if e.BestChangePct == nil {
			return "" // no change to name (bestChange says so too)
		}
		k := bestKey{e.BestIndicator, fmtFloat(*e.BestChangePct, 1), e.NextClass}
		t, ok := bestTexts[k]
		if !ok {
			t = s.bestChange(lang, er, e)
			bestTexts[k] = t
		}
		return t
	}
	rows := make([]tableRow, 0, len(er.Results))
	for _, i := range order {
		e := er.Results[i]
		var rank any
		if e.Rank != nil {
			rank = *e.Rank
		}
		row := tableRow{Vals: []any{rank, e.Name, unitName(lang, e.UnitCode), industryLabel(e.IndustryCode), e.Score, e.Class, pickLang(lang, e.ReasonZh, e.ReasonEn),
			e.Gap, best(e), per10k(e.SurchargeYuan), e.LandMu, e.UnitCode, e.USCC}}
		row.link(1, "/enterprises/"+url.PathEscape(e.USCC))
		row.text(5, er.className(lang, e.Class))
		rows = append(rows, row)
	}
	return newRowSet(rows)
}

func rankLess(a, b *int) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	return *a < *b
}

// bestChange says the single change that would lift a firm to the next
// class.
func (s *Server) bestChange(lang string, er *evalRun, e store.EnterpriseResult) string {
	if e.NextClass == "" || e.BestIndicator == "" || e.BestChangePct == nil {
		return ""
	}
	name := e.BestIndicator
	if in := er.indicator(e.BestIndicator); in != nil {
		name = pickLang(lang, in.NameZh, in.NameEn)
	}
	return s.tf(lang, "eval.best_text", "indicator", name, "change", changePct(lang, *e.BestChangePct), "class", e.NextClass)
}

// changePct formats a needed change in per cent to one decimal; a change
// that rounds to nothing reads "less than 0.1%", not "0.0%".
func changePct(lang string, pct float64) string {
	if pct < 0.05 {
		return pickLang(lang, "不足 0.1%", "less than 0.1%")
	}
	return fmtFloat(pct, 1) + "%"
}

// classRows are the class counts of a chart's categories.
type classRows struct {
	Names  []string
	Counts []map[string]int64
}

func unitClassRows(lang string, er *evalRun) classRows {
	var cr classRows
	byCode := map[string]store.AreaResult{}
	for _, a := range er.Areas {
		byCode[a.Code] = a
	}
	units := refdata.Units()
	for i := len(units) - 1; i >= 0; i-- {
		a, ok := byCode[units[i].Code]
		if !ok {
			continue
		}
		cr.Names = append(cr.Names, pickLang(lang, units[i].NameZh, units[i].NameEn))
		cr.Counts = append(cr.Counts, a.ClassCounts)
	}
	return cr
}

func clusterClassRows(lang string, er *evalRun, members *analysis.EnterpriseMemberIndex) classRows {
	class := map[string]string{}
	for _, e := range er.Results {
		class[e.USCC] = e.Class
	}
	var cr classRows
	cs := refdata.DefaultClusterSystem()
	for i := len(cs.Clusters) - 1; i >= 0; i-- {
		c := cs.Clusters[i]
		counts := map[string]int64{}
		n := 0
		for _, u := range members.Members(c.ID) {
			if k, ok := class[u]; ok {
				counts[k]++
				n++
			}
		}
		if n == 0 {
			continue
		}
		cr.Names = append(cr.Names, pickLang(lang, c.NameZh, c.NameEn))
		cr.Counts = append(cr.Counts, counts)
	}
	return cr
}

// classChart is a stacked bar of class counts per category, with its table.
func (s *Server) classChart(lang string, er *evalRun, id, caption string, cr classRows) *chartView {
	if len(cr.Names) == 0 {
		return nil
	}
	t := func(k string) string { return s.catalogue.T(lang, k) }
	ids := er.classes()
	data := &chartData{Head: append([]string{t("eval.category")}, ids...)}
	var series []any
	for _, c := range ids {
		vals := make([]any, len(cr.Names))
		for i := range cr.Names {
			vals[i] = cr.Counts[i][c]
		}
		col := classColours[c]
		if col == "" {
			col = "#999999"
		}
		// The letters alone in the legend: the cards above name the classes.
		series = append(series, map[string]any{"name": c, "type": "bar", "stack": "classes", "data": vals, "itemStyle": map[string]any{"color": col}})
	}
	for i := len(cr.Names) - 1; i >= 0; i-- {
		row := []string{cr.Names[i]}
		for _, c := range ids {
			row = append(row, formatInt(cr.Counts[i][c]))
		}
		data.Rows = append(data.Rows, row)
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 8, "right": 16, "top": 32, "bottom": 20, "containLabel": true},
		"xAxis":   map[string]any{"type": "value", "name": t("eval.enterprises_unit")},
		"yAxis":   map[string]any{"type": "category", "data": cr.Names, "axisLabel": map[string]any{"fontSize": 11, "width": 170, "overflow": "truncate"}},
		"series":  series,
	}
	return &chartView{ID: id, Option: opt, Data: data, XTall: true, Caption: caption}
}

// policyRows sum the consequences of each class: the electricity
// surcharge the firms would pay on their own consumption, the water
// mark-up and the land-use-tax relief.
func (s *Server) policyRows(lang string, er *evalRun) []policyRow {
	t := func(k string) string { return s.catalogue.T(lang, k) }
	total := map[string]float64{}
	kwh := map[string]float64{}
	n := map[string]int64{}
	for _, e := range er.Results {
		n[e.Class]++
		if e.SurchargeYuan != nil {
			total[e.Class] += *e.SurchargeYuan
		}
		if e.Electricity != nil {
			kwh[e.Class] += *e.Electricity
		}
	}
	pol := map[string]refdata.SchemePolicy{}
	if er.Scheme != nil {
		for _, p := range er.Scheme.Policies {
			pol[p.Class] = p
		}
	}
	var out []policyRow
	for _, c := range er.classes() {
		p, ok := pol[c]
		row := policyRow{Class: c, Name: er.className(lang, c), N: n[c], HasPolicy: ok, ElectricityKWh: fmtFloat(kwh[c]/1e4, 0)}
		if ok {
			row.Rate = fmtFloat(p.ElectricitySurcharge, 2)
			row.Total = fmtFloat(total[c]/1e4, 1)
			row.Water = fmtFloat(p.WaterSurchargePct, 0) + "%"
			row.Relief = fmtFloat(p.LandUseTaxReliefPct, 0) + "%"
			if lang == "en" {
				row.Note = p.Note
			}
		} else {
			row.Rate, row.Total, row.Water, row.Relief = dash, dash, dash, dash
			row.Note = t("eval.no_policy")
		}
		out = append(out, row)
	}
	return out
}

// ---- one enterprise's result ---------------------------------------------

// entEvalView is an enterprise's latest evaluation result.
type entEvalView struct {
	RunID              int64
	Year               int
	Scheme             string
	Class, ClassName   string
	Score              *float64
	Rank, Rated        int
	Reason             string
	Next               string
	Explanation        string
	Items              []entEvalItem
	Probs              []classProb
	ProbText           string
	MedianRank         *float64
	Q05, Q95           *float64
	Rate, Total, Water string
	Relief             string
	Capped             bool
}

type entEvalItem struct {
	Name, Unit       string
	Value, Benchmark string
	Needed           string
	Ratio            *float64
	Points           *float64
	Weight           float64
	Change           *float64
	Missing          string
	Peer             string // anonymised comparison with the firm's peers
}

// indicatorUnits name the schemes' indicator units in both languages.
var indicatorUnits = map[string][2]string{
	"10k yuan/mu": {"万元/亩", "10k yuan/mu"}, "10k yuan/tce": {"万元/吨标准煤", "10k yuan/tce"}, "ratio": {"%", "%"},
	"10k yuan/person": {"万元/人", "10k yuan/person"}, "10k yuan/t": {"万元/吨", "10k yuan/t"}, "yuan/kWh": {"元/千瓦时", "yuan/kWh"},
}

// indicatorValue formats an indicator value in its unit (ratios as
// percentages).
func indicatorValue(unit string, v *float64) string {
	if v == nil {
		return dash
	}
	if unit == "ratio" {
		return fmtFloat(*v*100, 2)
	}
	return fmtFloat(*v, 2)
}

type classProb struct {
	Class string
	P     float64
}

// enterpriseEvaluation finds the enterprise in the newest run that has
// it; nil when no run has it.
// enterpriseEvaluation is the view of the firm's result in the run the
// profile found (its newest), with the peers the profile compared; nil
// when no run has the firm.
func (s *Server) enterpriseEvaluation(r *http.Request, lang string, pe *analysis.EnterpriseEvaluation) (*entEvalView, error) {
	if pe == nil {
		return nil, nil
	}
	e := pe.Result // read with the profile, in the caller's scope
	er, err := s.loadEvalRun(r, pe.Run)
	if err != nil {
		return nil, err
	}
	v := s.entEval(lang, er, e)
	s.addPeers(lang, er, v, e, pe.Peers)
	return v, nil
}

// addPeers writes each item's comparison with the enterprise's peers: only
// counts, a median and a share (never another firm), and only for groups
// of at least store.MinPeers firms.
func (s *Server) addPeers(lang string, er *evalRun, v *entEvalView, e store.EnterpriseResult, peers []store.PeerStat) {
	byInd := map[string]store.PeerStat{}
	for _, p := range peers {
		byInd[p.Indicator] = p
	}
	for i, it := range e.Items {
		p, ok := byInd[it.Indicator]
		if !ok || i >= len(v.Items) {
			continue
		}
		unit := ""
		if in := er.indicator(it.Indicator); in != nil {
			unit = in.Unit
		}
		med := p.Median
		group := s.catalogue.T(lang, "eval.peer_all")
		if p.Division != "" {
			group = p.Division
			if ind, ok := refdata.GBT4754().Lookup(p.Division); ok {
				group = p.Division + " " + ind.NameZh
			}
		}
		text := s.tf(lang, "eval.peer_median", "median", indicatorValue(unit, &med), "group", group, "n", formatInt(p.Peers))
		if p.Below != nil {
			text += lang2sep(lang) + s.tf(lang, "eval.peer_above", "pct", fmtFloat(*p.Below*100, 0))
		}
		v.Items[i].Peer = text
	}
}

func (s *Server) entEval(lang string, er *evalRun, e store.EnterpriseResult) *entEvalView {
	v := &entEvalView{RunID: er.Run.ID, Year: er.Run.Year, Scheme: pickLang(lang, er.Run.SchemeNameZh, er.Run.SchemeNameEn), Class: e.Class,
		ClassName: er.className(lang, e.Class), Score: e.Score, Rated: int(er.Run.Rated), Reason: pickLang(lang, e.ReasonZh, e.ReasonEn),
		MedianRank: e.MedianRank, Q05: e.RankQ05, Q95: e.RankQ95, Capped: e.Capped}
	if e.Rank != nil {
		v.Rank = *e.Rank
	}
	if e.NextClass != "" && e.Gap != nil && e.Boundary != nil {
		v.Next = s.tf(lang, "eval.next_text", "class", e.NextClass, "boundary", fmtFloat(*e.Boundary, 1), "gap", fmtFloat(*e.Gap, 1))
		if b := s.bestChange(lang, er, e); b != "" {
			v.Next += lang2sep(lang) + b
		}
	}
	if lang == "en" {
		v.Explanation = e.Explanation
	}
	for _, it := range e.Items {
		item := entEvalItem{Name: it.Indicator, Ratio: it.Ratio, Points: it.Points, Change: it.Change, Missing: it.Missing}
		unit := ""
		var bench *float64
		if in := er.indicator(it.Indicator); in != nil {
			item.Name, item.Weight, bench, unit = pickLang(lang, in.NameZh, in.NameEn), in.Weight, in.Benchmark, in.Unit
		}
		item.Unit = unit
		if u, ok := indicatorUnits[unit]; ok {
			item.Unit = pickLang(lang, u[0], u[1])
		}
		item.Value, item.Benchmark = indicatorValue(unit, it.Value), indicatorValue(unit, bench)
		if it.NeededValue != nil {
			item.Needed = indicatorValue(unit, it.NeededValue)
		}
		v.Items = append(v.Items, item)
	}
	if e.ClassProbs != "" {
		var m map[string]float64
		if json.Unmarshal([]byte(e.ClassProbs), &m) == nil {
			for _, c := range er.classes() {
				if p, ok := m[c]; ok {
					v.Probs = append(v.Probs, classProb{Class: c, P: p})
				}
			}
		}
	}
	v.ProbText = probText(v.Probs)
	if e.Surcharge != nil {
		v.Rate = fmtFloat(*e.Surcharge, 2)
	}
	if e.SurchargeYuan != nil {
		v.Total = fmtFloat(*e.SurchargeYuan/1e4, 1)
	}
	if e.WaterPct != nil {
		v.Water = fmtFloat(*e.WaterPct, 0) + "%"
	}
	if e.LandTaxRelief != nil {
		v.Relief = fmtFloat(*e.LandTaxRelief, 0) + "%"
	}
	return v
}

// probText is "A 12% · B 80% …" for people.
func probText(ps []classProb) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Class+" "+fmtPct(p.P, 0, false))
	}
	return strings.Join(parts, " · ")
}

// scaled multiplies a value that may be missing.
func scaled(v *float64, k float64) *float64 {
	if v == nil {
		return nil
	}
	x := *v * k
	return &x
}
