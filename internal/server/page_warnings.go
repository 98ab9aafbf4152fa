package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

// The warnings page: the early warnings of cluster monitoring for a month
// — enterprises whose output keeps falling, whose electricity collapses or
// who stopped reporting, clusters and units below their target path — each
// with its evidence, filterable and exportable.

type warningsView struct {
	Months []optionView
	Month  string
	Counts []countView
	Rules  string
	Table  *tableView
}

type countView struct {
	Type  string
	Label string
	N     int
}

var warningCols = []tableCol{
	{Key: "severity", Label: "wrn.severity", Kind: colText},
	{Key: "type", Label: "wrn.type", Kind: colText},
	{Key: "subject", Label: "wrn.subject", Kind: colText},
	{Key: "unit", Label: "ent.unit", Kind: colText},
	{Key: "cluster", Label: "ent.cluster", Kind: colText},
	{Key: "message", Label: "imp.message", Kind: colText, NoSort: true},
	{Key: "evidence", Label: "wrn.evidence", Kind: colText, NoSort: true},
}

func (s *Server) pageWarningsView(w http.ResponseWriter, r *http.Request) {
	lang := s.language(w, r)
	ctx := r.Context()
	t := func(k string) string { return s.catalogue.T(lang, k) }
	rl := reportLang(lang)
	opts := analysis.WarningOptions{Lang: rl}
	if m := r.URL.Query().Get("month"); m != "" {
		mm, err := indus.ParseMonth(m)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		opts.Month = mm
	}
	wlAny, err := s.cache().get(ctx, s.store, "warnings/"+opts.Month.String()+"/"+rl, func() (any, error) { return analysis.Warnings(ctx, s.store, opts) })
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	wl := wlAny.(*analysis.WarningList)
	v := warningsView{Month: wl.Month}
	if latest, err := analysis.DefaultPeriod(ctx, s.store); err == nil && latest.Kind == analysis.PeriodMonth {
		m := indus.Month{Year: latest.Year, Month: time.Month(latest.Month)}
		for i := 0; i < 24; i++ {
			k := m.AddMonths(-i).String()
			v.Months = append(v.Months, optionView{Value: k, Label: k, Selected: k == wl.Month})
		}
	}
	for _, typ := range analysis.WarningTypes {
		v.Counts = append(v.Counts, countView{Type: typ, Label: t("warn." + typ), N: wl.Counts[typ]})
	}
	v.Rules = s.tf(lang, "wrn.rules")
	cs := refdata.DefaultClusterSystem()
	var typeOpts []tableOption
	for _, typ := range analysis.WarningTypes {
		typeOpts = append(typeOpts, tableOption{Value: typ, Label: t("warn." + typ)})
	}
	spec := &tableSpec{ID: "warnings", Cols: warningCols, Sort: "severity", PerPage: 25, File: "warnings-" + wl.Month, Search: "wrn.search", Empty: "wrn.none",
		Filters: []tableFilter{
			{Key: "type", Label: "wrn.type", Options: typeOpts},
			{Key: "severity", Label: "wrn.severity", Options: []tableOption{{"high", t("wrn.high")}, {"medium", t("wrn.medium")}}},
			{Key: "unit", Label: "ent.unit", Options: unitOptions(r.Context(), lang), Match: func(row tableRow, v string) bool { return row.Vals[7] == v }},
			{Key: "cluster", Label: "ent.cluster", Options: clusterOptions(lang), Match: func(row tableRow, v string) bool {
				for _, c := range row.Vals[8].([]string) {
					if c == v {
						return true
					}
				}
				return false
			}},
		}}
	var rows []tableRow
	for _, wn := range wl.Items {
		wv := s.warningView(lang, wn)
		var clusterNames []string
		for _, id := range wn.Clusters {
			if c, ok := cs.Cluster(id); ok {
				clusterNames = append(clusterNames, pickLang(lang, c.NameZh, c.NameEn))
			}
		}
		clusters := wn.Clusters
		if clusters == nil {
			clusters = []string{}
		}
		// Vals 7 and 8 (unit code, cluster ids) serve the filters only.
		tr := tableRow{Vals: []any{wn.Severity, wn.Type, wv.Name, unitName(lang, wn.Unit), strings.Join(clusterNames, lang2sep(lang)), wv.Message, wv.Evidence, wn.Unit, clusters}}
		tr.text(0, t("wrn."+wn.Severity))
		tr.text(1, wv.Type)
		if wn.Unit == "" {
			tr.text(3, dash)
		}
		if wv.Href != "" {
			tr.link(2, wv.Href)
		}
		if wn.Unit != "" {
			tr.link(3, "/units/"+url.PathEscape(wn.Unit))
		}
		rows = append(rows, tr)
	}
	var done bool
	if v.Table, done, err = s.serveTable(w, r, spec, s.tf(lang, "wrn.caption", "month", wl.Month), memTable(spec, rows)); err != nil || done {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	s.render(w, r, "page_warnings.html", "warnings", "wrn.title", v)
}

// warningTexts says what a warning means and what it rests on, in the
// page language, from the warning's evidence (the service's own texts
// are English).
func (s *Server) warningTexts(lang string, w analysis.Warning) (msg, evidence string) {
	sep := "；"
	if lang == "en" {
		sep = "; "
	}
	ev := w.Evidence
	switch w.Type {
	case analysis.WarnOutputDecline:
		msg = s.tf(lang, "warnmsg.output_decline", "n", strconv.Itoa(len(ev.Months)))
		var parts []string
		for _, m := range ev.Months {
			parts = append(parts, s.tf(lang, "warnev.month", "month", m.Month, "value", fmtFloat(m.Value, 0), "prev", fmtAny(m.Prev, 0), "change", pctPoint(m.Change)))
		}
		evidence = strings.Join(parts, sep)
	case analysis.WarnElectricityCollapse:
		msg = s.catalogue.T(lang, "warnmsg.electricity_collapse")
		if len(ev.Months) > 0 {
			m := ev.Months[0]
			evidence = s.tf(lang, "warnev.electricity", "month", m.Month, "value", fmtFloat(m.Value/1e4, 1), "baseline", fmtAny(per10k(ev.Baseline), 1),
				"change", pctPoint(ev.BaselineChange))
		}
	case analysis.WarnStoppedReporting:
		msg = s.tf(lang, "warnmsg.stopped_reporting", "month", w.Month)
		evidence = s.tf(lang, "warnev.stopped", "last", ev.LastReported, "value", fmtAny(ev.LastOutput, 0))
	case analysis.WarnClusterTrajectory, analysis.WarnUnitTrajectory:
		msg = s.catalogue.T(lang, "warnmsg."+w.Type)
		if tr := ev.Trajectory; tr != nil {
			yi := func(p *float64) string {
				if p == nil {
					return dash
				}
				return fmtFloat(*p/1e4, 1)
			}
			evidence = s.tf(lang, "warnev.trajectory", "actual", pctPoint(tr.ActualCAGR), "year", strconv.Itoa(tr.TargetYear), "projected", yi(tr.Projected),
				"target", yi(tr.Target), "required", pctPoint(tr.Required))
		}
	default:
		msg, evidence = w.Message, w.EvidenceTxt
	}
	if evidence == "" {
		evidence = w.EvidenceTxt
	}
	return msg, evidence
}
