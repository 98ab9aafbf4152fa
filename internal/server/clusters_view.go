package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/refdata"
)

// systemView is the cluster system as the home page shows it, in one language.
type systemView struct {
	Name, Version, EffectiveFrom, Caption string
	ClusterCount                          int
	Tiers                                 []tierView
}

type tierView struct {
	Name     string
	Clusters []clusterView
}

type clusterView struct {
	Name, OtherName, Parent, Target, Codes string
	Verified                               bool
}

// systemView builds the view of the default cluster system.
func (s *Server) systemView(lang string) *systemView {
	cs := refdata.DefaultClusterSystem()
	pick := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	other := func(zh, en string) string {
		if lang == "en" {
			return zh
		}
		return en
	}
	v := &systemView{Name: pick(cs.NameZh, cs.NameEn), Version: cs.Version, EffectiveFrom: cs.EffectiveFrom.String(), ClusterCount: len(cs.Clusters)}
	v.Caption = strings.NewReplacer("{system}", v.Name, "{source}", cs.Source).Replace(s.catalogue.T(lang, "home.caption_clusters"))
	for _, t := range cs.Tiers {
		tv := tierView{Name: pick(t.NameZh, t.NameEn)}
		for _, c := range cs.ClustersInTier(t.ID) {
			cv := clusterView{Name: pick(c.NameZh, c.NameEn), OtherName: other(c.NameZh, c.NameEn), Verified: c.Verified,
				Codes: strings.Join(c.Rules.Include, " ")}
			if p, ok := cs.Cluster(c.Parent); ok {
				cv.Parent = pick(p.NameZh, p.NameEn)
			}
			if c.Target != nil {
				cv.Target = fmt.Sprintf("%s %s %s", s.catalogue.T(lang, "metric."+string(c.Target.Metric)), strconv.FormatFloat(c.Target.Value, 'f', -1, 64), unitLabel(c.Target.Unit, lang))
			}
			tv.Clusters = append(tv.Clusters, cv)
		}
		v.Tiers = append(v.Tiers, tv)
	}
	return v
}

// unitLabel renders a cluster-file unit such as 100m_yuan for people.
func unitLabel(unit, lang string) string {
	labels := map[string][2]string{"100m_yuan": {"亿元", "100 million yuan"}, "10k_yuan": {"万元", "10k yuan"}, "yuan": {"元", "yuan"}}
	if l, ok := labels[unit]; ok {
		if lang == "en" {
			return l[1]
		}
		return l[0]
	}
	return unit
}

// shown is a report row's figure for a table or a chart: nil, shown as
// "—", when the row is withheld (a cell of fewer than three enterprises
// outside the caller's territory).
func shown[T any](row analysis.ReportRow, v T) any {
	if row.Withheld {
		return nil
	}
	return v
}
