package analysis

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// Warning types.
const (
	WarnOutputDecline       = "output_decline"
	WarnElectricityCollapse = "electricity_collapse"
	WarnStoppedReporting    = "stopped_reporting"
	WarnClusterTrajectory   = "cluster_below_trajectory"
	WarnUnitTrajectory      = "unit_below_trajectory"
)

// WarningTypes lists every warning type in the order reports show them.
var WarningTypes = []string{WarnOutputDecline, WarnElectricityCollapse, WarnStoppedReporting, WarnClusterTrajectory, WarnUnitTrajectory}

// WarningOptions set the month examined, the rules and the filters.
type WarningOptions struct {
	// Month examined; zero means the latest month with data.
	Month indus.Month
	// Decline: output down more than Drop for Months months (defaults 20 %, 3).
	Decline cluster.DeclineRule
	// Collapse: electricity down more than Drop against the mean of the
	// Window months before (defaults 50 %, 3).
	Collapse cluster.CollapseRule
	// StopLookback: a firm that reported in these months before and not in
	// the month has stopped reporting (default 3).
	StopLookback int
	// MinUnitShare: a unit below its cluster's trajectory is reported when
	// it holds at least this share of the city cluster (default 0.01), so
	// that tiny outposts do not drown the list.
	MinUnitShare float64
	// Types keeps only these types; empty for all.
	Types []string
	// ClusterID and Unit keep only warnings about this cluster (any
	// membership) or this unit.
	ClusterID string
	Unit      string
	Lang      string
}

// Evidence is what a warning rests on.
type Evidence struct {
	// Months: the year-on-year months of a decline, or the month of a
	// collapse, with the value a year earlier.
	Months []EvidenceMonth `json:"months,omitempty"`
	// Baseline is the electricity baseline (mean of the window months).
	Baseline *float64 `json:"baseline,omitempty"`
	// BaselineChange is the collapse against it, percent.
	BaselineChange *float64 `json:"baseline_change,omitempty"`
	// LastReported is the last month a stopped enterprise reported.
	LastReported string   `json:"last_reported,omitempty"`
	LastOutput   *float64 `json:"last_output_value,omitempty"`
	// Trajectory of a cluster or unit below it.
	Trajectory *Trajectory `json:"trajectory,omitempty"`
}

// EvidenceMonth is one month of evidence: value, the value a year earlier
// and the change in percent.
type EvidenceMonth struct {
	Month  string   `json:"month"`
	Value  float64  `json:"value"`
	Prev   *float64 `json:"prev_year"`
	Change *float64 `json:"change"`
}

// Warning is one early warning with its evidence.
type Warning struct {
	Type        string   `json:"type"`
	Severity    string   `json:"severity"` // high | medium
	Month       string   `json:"month"`
	USCC        string   `json:"uscc,omitempty"`
	Name        string   `json:"name,omitempty"`
	Unit        string   `json:"unit,omitempty"`
	UnitName    string   `json:"unit_name,omitempty"`
	ClusterID   string   `json:"cluster_id,omitempty"` // the enterprise's primary cluster, or the cluster concerned
	Clusters    []string `json:"clusters,omitempty"`   // every cluster of the enterprise
	Message     string   `json:"message"`
	Evidence    Evidence `json:"evidence"`
	EvidenceTxt string   `json:"evidence_text"`
}

// WarningList is the result of Warnings.
type WarningList struct {
	Month  string         `json:"month"`
	Rules  map[string]any `json:"rules"`
	Counts map[string]int `json:"counts"`
	Items  []Warning      `json:"warnings"`
}

// Warnings runs the early-warning rules on the month examined: enterprise
// output decline, electricity collapse and stopped reports (rules in
// package cluster, candidates pre-filtered in SQL), and the clusters and
// units below their target trajectory.
func Warnings(ctx context.Context, st *store.Store, opts WarningOptions) (*WarningList, error) {
	cs := refdata.DefaultClusterSystem()
	if opts.Decline == (cluster.DeclineRule{}) {
		opts.Decline = cluster.DefaultDeclineRule
	}
	if opts.Collapse == (cluster.CollapseRule{}) {
		opts.Collapse = cluster.DefaultCollapseRule
	}
	if opts.StopLookback <= 0 {
		opts.StopLookback = 3
	}
	if opts.MinUnitShare == 0 {
		opts.MinUnitShare = 0.01
	}
	if opts.Decline.Drop <= 0 || opts.Decline.Drop >= 1 || opts.Decline.Months < 1 || opts.Decline.Months > 24 {
		return nil, indus.Errorf(indus.EInvalid, "the decline rule needs a drop between 0 and 100 %% and 1–24 months, got %g and %d", opts.Decline.Drop*100, opts.Decline.Months).
			Zh("下降预警规则的降幅应在 0 到 100%% 之间、月数应为 1–24，实际为 %g 和 %d", opts.Decline.Drop*100, opts.Decline.Months)
	}
	if opts.Collapse.Drop <= 0 || opts.Collapse.Drop >= 1 || opts.Collapse.Window < 1 || opts.Collapse.Window > 24 {
		return nil, indus.Errorf(indus.EInvalid, "the electricity rule needs a drop between 0 and 100 %% and a window of 1–24 months").
			Zh("用电预警规则的降幅应在 0 到 100%% 之间、时间窗口应为 1–24 个月")
	}
	want := map[string]bool{}
	for _, t := range opts.Types {
		ok := false
		for _, k := range WarningTypes {
			ok = ok || k == t
		}
		if !ok {
			return nil, indus.Errorf(indus.EInvalid, "unknown warning type %q; the types are %s", t, strings.Join(WarningTypes, ", ")).
				Zh("未知的预警类型 %q；可用类型：%s", t, strings.Join(WarningTypes, ", "))
		}
		want[t] = true
	}
	keep := func(t string) bool { return len(want) == 0 || want[t] }
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
	ctx, err := pinDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	month := opts.Month
	if month.Year == 0 {
		_, last, ok, err := st.MonthRange(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, indus.Errorf(indus.ENotFound, "there are no monthly facts; warnings need the monthly survey").
				Zh("尚无月度数据；预警需要导入规上工业月报数据")
		}
		month = last
	}
	out := &WarningList{Month: month.String(), Counts: map[string]int{}, Items: []Warning{},
		Rules: map[string]any{
			"output_decline":        map[string]any{"drop_percent": opts.Decline.Drop * 100, "months": opts.Decline.Months},
			"electricity_collapse":  map[string]any{"drop_percent": opts.Collapse.Drop * 100, "window_months": opts.Collapse.Window},
			"stopped_reporting":     map[string]any{"lookback_months": opts.StopLookback},
			"unit_below_trajectory": map[string]any{"min_share_percent": opts.MinUnitShare * 100},
		}}
	var firmWarnings []Warning
	asOf := month.Index()
	mstr := func(i int) string { return indus.MonthFromIndex(i).String() }
	if keep(WarnOutputDecline) {
		series, err := st.SignalSeries(ctx, store.SignalQuery{Kind: store.SignalDecline, AsOf: month, Drop: opts.Decline.Drop, Months: opts.Decline.Months + 11})
		if err != nil {
			return nil, err
		}
		for _, fs := range series {
			ev, ok := cluster.Decline(fs.Series, asOf, opts.Decline)
			if !ok {
				continue
			}
			w := Warning{Type: WarnOutputDecline, Severity: "high", Month: month.String(), USCC: fs.USCC}
			var parts []string
			for _, p := range ev {
				w.Evidence.Months = append(w.Evidence.Months, EvidenceMonth{Month: mstr(p.Month), Value: p.Value, Prev: num(p.Prev), Change: pct(p.Change)})
				parts = append(parts, fmt.Sprintf("%s %.0f vs %.0f (%+.1f%%)", mstr(p.Month), p.Value, p.Prev, p.Change*100))
			}
			w.Message = fmt.Sprintf("output down more than %g%% year on year for %d months running", opts.Decline.Drop*100, opts.Decline.Months)
			w.EvidenceTxt = strings.Join(parts, "; ")
			firmWarnings = append(firmWarnings, w)
		}
	}
	if keep(WarnElectricityCollapse) {
		series, err := st.SignalSeries(ctx, store.SignalQuery{Kind: store.SignalCollapse, AsOf: month, Drop: opts.Collapse.Drop,
			Window: opts.Collapse.Window, Months: max(opts.Collapse.Window, 12)})
		if err != nil {
			return nil, err
		}
		for _, fs := range series {
			c, ok := cluster.ElectricityCollapse(fs.Series, asOf, opts.Collapse)
			if !ok {
				continue
			}
			w := Warning{Type: WarnElectricityCollapse, Severity: "high", Month: month.String(), USCC: fs.USCC,
				Evidence: Evidence{Baseline: num(c.Baseline), BaselineChange: pct(c.Change),
					Months: []EvidenceMonth{{Month: mstr(c.Month), Value: c.Value, Prev: num(c.PrevYear), Change: pct(c.ChangeYoY)}}}}
			w.Message = fmt.Sprintf("electricity use down more than %g%% against the mean of the %d months before", opts.Collapse.Drop*100, opts.Collapse.Window)
			w.EvidenceTxt = fmt.Sprintf("%s %.0f kWh vs mean %.0f kWh (%+.1f%%)", mstr(c.Month), c.Value, c.Baseline, c.Change*100)
			if v := num(c.ChangeYoY); v != nil {
				w.EvidenceTxt += fmt.Sprintf("; a year earlier %.0f kWh (%+.1f%%)", c.PrevYear, *v*100)
			}
			firmWarnings = append(firmWarnings, w)
		}
	}
	if keep(WarnStoppedReporting) {
		series, err := st.SignalSeries(ctx, store.SignalQuery{Kind: store.SignalStopped, AsOf: month, Window: opts.StopLookback, Months: opts.StopLookback})
		if err != nil {
			return nil, err
		}
		for _, fs := range series {
			last, ok := cluster.StoppedReporting(fs.Series, asOf, opts.StopLookback)
			if !ok {
				continue
			}
			v, _ := fs.Series.At(last)
			w := Warning{Type: WarnStoppedReporting, Severity: "medium", Month: month.String(), USCC: fs.USCC,
				Evidence: Evidence{LastReported: mstr(last), LastOutput: num(v)}}
			w.Message = "no monthly report for " + month.String() + " after reporting in the months before (closed, below the size threshold, or late)"
			w.EvidenceTxt = fmt.Sprintf("last report %s, output %.0f", mstr(last), v)
			firmWarnings = append(firmWarnings, w)
		}
	}
	if len(firmWarnings) > 0 {
		var ids []string
		for _, w := range firmWarnings {
			ids = append(ids, w.USCC)
		}
		briefs, err := st.Briefs(ctx, cs.ID, ids)
		if err != nil {
			return nil, err
		}
		mems, err := st.MembershipsOf(ctx, cs.ID, ids)
		if err != nil {
			return nil, err
		}
		for _, w := range firmWarnings {
			b := briefs[w.USCC]
			w.Name, w.Unit, w.ClusterID, w.Clusters = b.Name, b.UnitCode, b.PrimaryCluster, mems[w.USCC]
			if u, ok := refdata.UnitByCode(b.UnitCode); ok {
				w.UnitName = pick(opts.Lang, u.NameZh, u.NameEn)
			}
			if opts.Unit != "" && w.Unit != opts.Unit {
				continue
			}
			if opts.ClusterID != "" && !contains(w.Clusters, opts.ClusterID) {
				continue
			}
			out.Items = append(out.Items, w)
		}
	}
	if keep(WarnClusterTrajectory) || keep(WarnUnitTrajectory) {
		p := Period{Kind: PeriodMonth, Year: month.Year, Month: int(month.Month)}
		traj, err := trajectories(ctx, st, cs, p, opts.Lang)
		if err != nil {
			return nil, err
		}
		// A trajectory's evidence is its cell's figures: a cell the caller
		// may not see (clusters_withhold.go) gives no warning.
		sc := indus.ScopeFrom(ctx)
		withheld := func(t *Trajectory, kind, code string) bool { return smallCell(sc, t.Enterprises, kind, code) }
		for i := range cs.Clusters {
			c := &cs.Clusters[i]
			if opts.ClusterID != "" && opts.ClusterID != c.ID {
				continue
			}
			city := traj[cluster.GeoKey{Cluster: c.ID, Kind: cluster.GeoCity, Code: cluster.CityCode}]
			if city == nil || withheld(city, cluster.GeoCity, cluster.CityCode) {
				continue
			}
			if keep(WarnClusterTrajectory) && opts.Unit == "" && belowTrajectory(cs, city.Status) {
				out.Items = append(out.Items, trajectoryWarning(WarnClusterTrajectory, month, c, "", "", city, opts.Lang))
			}
			if !keep(WarnUnitTrajectory) {
				continue
			}
			for _, u := range refdata.Units() {
				t := traj[cluster.GeoKey{Cluster: c.ID, Kind: cluster.GeoUnit, Code: u.Code}]
				if t == nil || !belowTrajectory(cs, t.Status) || (opts.Unit != "" && opts.Unit != u.Code) || withheld(t, cluster.GeoUnit, u.Code) {
					continue
				}
				if t.BaseValue == nil || city.BaseValue == nil || *t.BaseValue < opts.MinUnitShare**city.BaseValue {
					continue
				}
				out.Items = append(out.Items, trajectoryWarning(WarnUnitTrajectory, month, c, u.Code, pick(opts.Lang, u.NameZh, u.NameEn), t, opts.Lang))
			}
		}
	}
	order := map[string]int{}
	for i, t := range WarningTypes {
		order[t] = i
	}
	sort.SliceStable(out.Items, func(i, j int) bool {
		a, b := out.Items[i], out.Items[j]
		if a.Type != b.Type {
			return order[a.Type] < order[b.Type]
		}
		if a.ClusterID != b.ClusterID {
			return a.ClusterID < b.ClusterID
		}
		if a.Unit != b.Unit {
			return a.Unit < b.Unit
		}
		return a.USCC < b.USCC
	})
	for _, w := range out.Items {
		out.Counts[w.Type]++
	}
	return out, nil
}

// belowTrajectory: every status but the first (on track) and no_data.
func belowTrajectory(cs *refdata.ClusterSystem, status string) bool {
	return status != cluster.NoData && len(cs.StatusThresholds) > 0 && status != cs.StatusThresholds[0].Status
}

func trajectoryWarning(typ string, month indus.Month, c *refdata.Cluster, unit, unitName string, t *Trajectory, lang string) Warning {
	sev := "medium"
	if t.Status == "off_track" {
		sev = "high"
	}
	w := Warning{Type: typ, Severity: sev, Month: month.String(), Unit: unit, UnitName: unitName, ClusterID: c.ID, Clusters: []string{c.ID},
		Name: pick(lang, c.NameZh, c.NameEn), Evidence: Evidence{Trajectory: t}}
	where := "the city"
	if unit != "" {
		where = unitName
	}
	w.Message = fmt.Sprintf("%s in %s is %s for its %d target", c.ID, where, t.StatusName, t.TargetYear)
	f := func(p *float64) string {
		if p == nil {
			return "n/a"
		}
		return fmt.Sprintf("%.1f", *p)
	}
	w.EvidenceTxt = fmt.Sprintf("%s %d→%d: actual %s%%/yr, needed %s%%/yr, projected %s vs target %s (10k yuan)",
		t.Metric, t.BaseYear, t.Year, f(t.ActualCAGR), f(t.Required), f(t.Projected), f(t.Target))
	return w
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
