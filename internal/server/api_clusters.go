package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

// The cluster API answers with the same structures as 'indus clusters
// report|warnings --format json', so the dashboard, the CLI and exported
// files agree figure for figure.

// periodParam reads ?period=YYYY-MM|YYYY and ?ytd=true; none means the
// latest month with data.
func periodParam(r *http.Request) (analysis.Period, error) {
	q := r.URL.Query()
	p, ytd := q.Get("period"), q.Get("ytd") == "true"
	if p == "" {
		if ytd {
			return analysis.Period{}, indus.Errorf(indus.EInvalid, "ytd=true needs period=YYYY-MM")
		}
		return analysis.Period{}, nil
	}
	return analysis.ParsePeriod(p, ytd)
}

func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, indus.Errorf(indus.EInvalid, "%s must be a whole number ≥ 0, got %q", name, v)
	}
	return n, nil
}

func langParam(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" {
		return "en"
	}
	return "zh"
}

// apiClusters is the cluster overview of a period:
// GET /api/v1/clusters?period=&ytd=&geo=all|city|region|unit&unit=&cluster=&lang=
// (format=csv downloads the report's CSV).
func (s *Server) apiClusters(w http.ResponseWriter, r *http.Request) {
	p, err := periodParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	rep, err := analysis.ClusterReport(r.Context(), s.store, analysis.ReportOptions{Period: p, Geo: q.Get("geo"), Unit: q.Get("unit"),
		ClusterID: q.Get("cluster"), Lang: langParam(r)})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if q.Get("format") == "csv" {
		s.writeCSV(w, r, "clusters-"+strings.ReplaceAll(rep.Period.Key(), ":", "-")+".csv", analysis.ClusterReportHeader, len(rep.Rows),
			func(i int) []export.Cell { return analysis.ReportCells(rep.Rows[i]) })
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// apiCluster is one cluster's page: GET /api/v1/clusters/{id}?period=
func (s *Server) apiCluster(w http.ResponseWriter, r *http.Request) {
	p, err := periodParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	d, err := analysis.GetClusterDetail(r.Context(), s.store, r.PathValue("id"), p, langParam(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// clusterUnit is a cluster in one unit: its report row and its
// specialisation.
type clusterUnit struct {
	analysis.ReportRow
	Specialisation *analysis.SpecRow `json:"specialisation"`
}

// MarshalJSON writes the row as ReportRow writes itself (a withheld row's
// figures as null) plus the specialisation: the embedded row's own
// MarshalJSON would otherwise stand for the whole struct.
func (c clusterUnit) MarshalJSON() ([]byte, error) {
	row, err := json.Marshal(c.ReportRow)
	if err != nil {
		return nil, err
	}
	spec, err := json.Marshal(c.Specialisation)
	if err != nil {
		return nil, err
	}
	out := append(row[:len(row)-1:len(row)-1], `,"specialisation":`...)
	return append(append(out, spec...), '}'), nil
}

// apiClusterUnits lists a cluster in every unit with location quotients,
// strong-cluster flags and stars: GET /api/v1/clusters/{id}/units?period=
func (s *Server) apiClusterUnits(w http.ResponseWriter, r *http.Request) {
	p, err := periodParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	id := r.PathValue("id")
	if _, ok := refdata.DefaultClusterSystem().Cluster(id); !ok {
		writeError(w, indus.Errorf(indus.ENotFound, "unknown cluster %q", id))
		return
	}
	rep, err := analysis.ClusterReport(r.Context(), s.store, analysis.ReportOptions{Period: p, Geo: analysis.GeoUnit, ClusterID: id, Lang: langParam(r)})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	sp, err := analysis.GetSpecialisation(r.Context(), s.store, analysis.SpecOptions{Period: rep.Period, ClusterID: id, Lang: langParam(r)})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	byUnit := map[string]*analysis.SpecRow{}
	for i := range sp.Rows {
		byUnit[sp.Rows[i].Unit] = &sp.Rows[i]
	}
	out := make([]clusterUnit, 0, len(rep.Rows))
	for _, row := range rep.Rows {
		out = append(out, clusterUnit{ReportRow: row, Specialisation: byUnit[row.Geography]})
	}
	writeJSON(w, http.StatusOK, map[string]any{"cluster_id": id, "period": rep.Period, "units": out,
		"strong_rule": sp.Strong, "star_rule": sp.Stars, "notes": append(append([]string{}, rep.Notes...), sp.Notes...)})
}

// apiClusterEnterprises lists the enterprises behind a cluster's figures:
// GET /api/v1/clusters/{id}/enterprises?period=&geo=city|REGION|UNIT&limit=&offset=
func (s *Server) apiClusterEnterprises(w http.ResponseWriter, r *http.Request) {
	p, err := periodParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	limit, err := intParam(r, "limit", 50)
	if err != nil {
		writeError(w, err)
		return
	}
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		writeError(w, err)
		return
	}
	geo := r.URL.Query().Get("geo")
	if geo == "" {
		geo = r.URL.Query().Get("unit")
	}
	l, err := analysis.ClusterEnterprises(r.Context(), s.store, r.PathValue("id"), p, geo, limit, offset)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// apiUnit is one evaluation unit: every cluster there with its figures and
// specialisation. GET /api/v1/units/{code}?period=
func (s *Server) apiUnit(w http.ResponseWriter, r *http.Request) {
	p, err := periodParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	code := r.PathValue("code")
	u, ok := refdata.UnitByCode(code)
	if !ok {
		writeError(w, indus.Errorf(indus.ENotFound, "unknown unit %q: use one of the 41 unit codes", code))
		return
	}
	lang := langParam(r)
	rep, err := analysis.ClusterReport(r.Context(), s.store, analysis.ReportOptions{Period: p, Unit: code, Lang: lang})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	sp, err := analysis.GetSpecialisation(r.Context(), s.store, analysis.SpecOptions{Period: rep.Period, Unit: code, Lang: lang})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	byCluster := map[string]*analysis.SpecRow{}
	for i := range sp.Rows {
		byCluster[sp.Rows[i].ClusterID] = &sp.Rows[i]
	}
	rows := make([]clusterUnit, 0, len(rep.Rows))
	for _, row := range rep.Rows {
		rows = append(rows, clusterUnit{ReportRow: row, Specialisation: byCluster[row.ClusterID]})
	}
	region, _ := refdata.RegionByID(u.Region)
	writeJSON(w, http.StatusOK, map[string]any{
		"unit":     map[string]string{"code": u.Code, "name_zh": u.NameZh, "name_en": u.NameEn, "kind": u.Kind, "region": u.Region, "region_name_zh": region.NameZh, "region_name_en": region.NameEn},
		"period":   rep.Period,
		"clusters": rows,
		"notes":    append(append([]string{}, rep.Notes...), sp.Notes...),
	})
}

// apiWarnings lists early warnings:
// GET /api/v1/warnings?month=YYYY-MM&type=a,b&cluster=&unit=&drop=20&months=3&electricity_drop=50&window=3&lookback=3&format=csv
func (s *Server) apiWarnings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := analysis.WarningOptions{ClusterID: q.Get("cluster"), Unit: q.Get("unit"), Lang: langParam(r)}
	if m := q.Get("month"); m != "" {
		var err error
		if opts.Month, err = indus.ParseMonth(m); err != nil {
			writeError(w, err)
			return
		}
	}
	if t := q.Get("type"); t != "" {
		opts.Types = strings.Split(t, ",")
	}
	floatParam := func(name string, def float64) (float64, error) {
		v := q.Get(name)
		if v == "" {
			return def, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, indus.Errorf(indus.EInvalid, "%s must be a number, got %q", name, v)
		}
		return f, nil
	}
	var err error
	var drop, edrop float64
	var months, window int
	if drop, err = floatParam("drop", cluster.DefaultDeclineRule.Drop*100); err == nil {
		if edrop, err = floatParam("electricity_drop", cluster.DefaultCollapseRule.Drop*100); err == nil {
			if months, err = intParam(r, "months", cluster.DefaultDeclineRule.Months); err == nil {
				if window, err = intParam(r, "window", cluster.DefaultCollapseRule.Window); err == nil {
					opts.StopLookback, err = intParam(r, "lookback", 3)
				}
			}
		}
	}
	if err != nil {
		writeError(w, err)
		return
	}
	opts.Decline = cluster.DeclineRule{Drop: drop / 100, Months: months}
	opts.Collapse = cluster.CollapseRule{Drop: edrop / 100, Window: window}
	wl, err := analysis.Warnings(r.Context(), s.store, opts)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if q.Get("format") == "csv" {
		s.writeCSV(w, r, "warnings-"+wl.Month+".csv", analysis.WarningHeader, len(wl.Items),
			func(i int) []export.Cell { return analysis.WarningCells(wl.Items[i]) })
		return
	}
	writeJSON(w, http.StatusOK, wl)
}

// apiUnassigned lists the enterprises in no cluster:
// GET /api/v1/clusters/unassigned?limit=&offset=
func (s *Server) apiUnassigned(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		writeError(w, err)
		return
	}
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		writeError(w, err)
		return
	}
	l, err := analysis.Unassigned(r.Context(), s.store, limit, offset)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// apiFail answers a domain error with its status and logs an internal one.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	if indus.Code(err) == indus.EInternal {
		s.log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}

// writeCSV streams a table as a CSV download.
func (s *Server) writeCSV(w http.ResponseWriter, r *http.Request, name string, header []string, n int, row func(int) []export.Cell) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := analysis.WriteTable(w, "", export.CSV, "", header, n, row); err != nil {
		s.log.Error("csv export failed", "path", r.URL.Path, "err", err)
	}
}
