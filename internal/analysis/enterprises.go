package analysis

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// The enterprise list and profile (issue 8 item 2). Cluster memberships
// come from the membership rules of the default cluster system, applied to
// each enterprise's industry code and business scope (refdata.Matcher).
// When cluster monitoring keeps assigned memberships (with manual
// overrides) in the store, these functions should read those instead.

// EnterpriseQuery selects a page of enterprises.
type EnterpriseQuery struct {
	store.EnterpriseFilter
	// ClusterID keeps the members of one cluster of the default system.
	ClusterID string
	// Year of the figures; 0 means the latest year with annual facts.
	Year int
	// Sort is one of store.EnterpriseSort; Desc reverses it.
	Sort string
	Desc bool
	// Limit and Offset page the list; Limit 0 returns every match.
	Limit, Offset int
	// Years, when not nil, are the years with annual facts as the caller
	// has just read them (store.AnnualYears), so that a page does not read
	// them twice (12 ms on the national dataset); nil reads them.
	Years []int
}

// EnterprisePage is a page of enterprises.
type EnterprisePage struct {
	Year        int                       `json:"year"`
	Total       int64                     `json:"total"`
	Limit       int                       `json:"limit"`
	Offset      int                       `json:"offset"`
	Enterprises []store.EnterpriseListRow `json:"enterprises"`
}

// EnterpriseMemberIndex lists the members of every cluster of the default system,
// computed once per state of the data.
type EnterpriseMemberIndex struct {
	Stamp   string
	members map[string][]string // cluster id → USCCs, sorted
}

// Members returns the USCCs of a cluster's members (nil for an unknown
// cluster).
func (m *EnterpriseMemberIndex) Members(clusterID string) []string { return m.members[clusterID] }

// Count returns how many enterprises belong to a cluster.
func (m *EnterpriseMemberIndex) Count(clusterID string) int { return len(m.members[clusterID]) }

var entMemberCache struct {
	sync.Mutex
	byStore map[*store.Store]*EnterpriseMemberIndex
}

// EnterpriseClusterIndex returns the member index for the store's current data,
// rebuilding it only after an import or an undo.
func EnterpriseClusterIndex(ctx context.Context, st *store.Store) (*EnterpriseMemberIndex, error) {
	stamp, err := st.DataStamp(ctx)
	if err != nil {
		return nil, err
	}
	entMemberCache.Lock()
	defer entMemberCache.Unlock()
	if idx, ok := entMemberCache.byStore[st]; ok && idx.Stamp == stamp.Key() {
		return idx, nil
	}
	m := refdata.DefaultClusterSystem().Matcher()
	idx := &EnterpriseMemberIndex{Stamp: stamp.Key(), members: map[string][]string{}}
	err = st.ScanRows(ctx, indus.KindEnterprises, store.RowFilter{}, func(row []any) error {
		code, _ := row[4].(string)
		scope, _ := row[5].(string)
		for _, mem := range m.Match(code, scope) {
			idx.members[mem.ClusterID] = append(idx.members[mem.ClusterID], row[0].(string))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, v := range idx.members {
		sort.Strings(v)
	}
	if entMemberCache.byStore == nil {
		entMemberCache.byStore = map[*store.Store]*EnterpriseMemberIndex{}
	}
	entMemberCache.byStore[st] = idx
	return idx, nil
}

// resolve checks the query and turns the cluster into a USCC filter.
func (q EnterpriseQuery) resolve(ctx context.Context, st *store.Store) (store.EnterpriseListQuery, error) {
	for _, u := range q.UnitCodes {
		if _, ok := refdata.UnitByCode(u); !ok {
			return store.EnterpriseListQuery{}, indus.Errorf(indus.EInvalid, "unknown unit code %q", u).Zh("未知的区县代码 %q", u)
		}
	}
	sq := store.EnterpriseListQuery{EnterpriseFilter: q.EnterpriseFilter, Year: q.Year, Sort: q.Sort, Desc: q.Desc, Limit: q.Limit, Offset: q.Offset}
	if q.Sort != "" && !entContains(store.EnterpriseSort, q.Sort) {
		return sq, indus.Errorf(indus.EInvalid, "cannot sort enterprises by %q; use one of %s", q.Sort, strings.Join(store.EnterpriseSort, ", ")).
			Zh("不能按 %q 排序企业；可用：%s", q.Sort, strings.Join(store.EnterpriseSort, ", "))
	}
	if q.ClusterID != "" {
		if _, ok := refdata.DefaultClusterSystem().Cluster(q.ClusterID); !ok {
			return sq, indus.Errorf(indus.EInvalid, "unknown cluster %q", q.ClusterID).Zh("未知的集群 %q", q.ClusterID)
		}
		// The stored memberships (with manual overrides) when the latest
		// assignment is current; else the rules, applied here.
		cs := refdata.DefaultClusterSystem()
		stale, err := st.MembershipsStale(ctx, cs.ID)
		if err != nil {
			return sq, err
		}
		if !stale {
			sq.ClusterSystem, sq.ClusterID = cs.ID, q.ClusterID
		} else {
			idx, err := EnterpriseClusterIndex(ctx, st)
			if err != nil {
				return sq, err
			}
			sq.USCCs = idx.Members(q.ClusterID)
			if sq.USCCs == nil {
				sq.USCCs = []string{}
			}
		}
	}
	years := q.Years
	if years == nil {
		var err error
		if years, err = st.AnnualYears(ctx); err != nil {
			return sq, err
		}
	}
	switch {
	case sq.Year == 0 && len(years) > 0:
		sq.Year = years[len(years)-1]
	case sq.Year != 0 && !entContainsInt(years, sq.Year):
		return sq, indus.Errorf(indus.EInvalid, "no annual facts for year %d (years with data: %s)", sq.Year, entYearList(years)).
			Zh("%d 年没有年度数据（有数据的年份：%s）", sq.Year, entYearList(years))
	}
	return sq, nil
}

func entYearList(years []int) string {
	parts := make([]string, len(years))
	for i, y := range years {
		parts[i] = strconv.Itoa(y)
	}
	return strings.Join(parts, ", ")
}

func entContainsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func entContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ListEnterprises returns one page of the enterprises matching q.
func ListEnterprises(ctx context.Context, st *store.Store, q EnterpriseQuery) (*EnterprisePage, error) {
	sq, err := q.resolve(ctx, st)
	if err != nil {
		return nil, err
	}
	rows, total, err := st.ListEnterprises(ctx, sq)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		rows = []store.EnterpriseListRow{}
	}
	return &EnterprisePage{Year: sq.Year, Total: total, Limit: q.Limit, Offset: q.Offset, Enterprises: rows}, nil
}

// ScanEnterprises streams every enterprise matching q (ignoring Limit and
// Offset) to fn, for exports; it returns the year of the figures.
func ScanEnterprises(ctx context.Context, st *store.Store, q EnterpriseQuery, fn func(store.EnterpriseListRow) error) (int, error) {
	q.Limit, q.Offset = 0, 0
	sq, err := q.resolve(ctx, st)
	if err != nil {
		return 0, err
	}
	return sq.Year, st.ScanEnterprises(ctx, sq, fn)
}

// EnterpriseProfile is one enterprise with everything the dashboard shows
// about it.
type EnterpriseProfile struct {
	USCC           string                 `json:"uscc"`
	Name           string                 `json:"name"`
	UnitCode       string                 `json:"unit_code"`
	UnitNameZh     string                 `json:"unit_name_zh"`
	UnitNameEn     string                 `json:"unit_name_en"`
	Region         string                 `json:"region"`
	Park           string                 `json:"park"`
	IndustryCode   string                 `json:"industry_code"`
	IndustryNameZh string                 `json:"industry_name_zh"`
	DivisionNameZh string                 `json:"division_name_zh"`
	BusinessScope  string                 `json:"business_scope"`
	AboveSize      bool                   `json:"above_size"`
	Founded        string                 `json:"founded,omitempty"` // YYYY-MM-DD
	LandMu         *float64               `json:"land_mu"`
	LandSource     indus.LandSource       `json:"land_source,omitempty"`
	BatchID        int64                  `json:"batch_id"`
	Memberships    []EnterpriseMembership `json:"memberships"`
	MembershipNote string                 `json:"membership_note"`
	Annual         []EnterpriseYear       `json:"annual"`
	Monthly        []EnterpriseMonth      `json:"monthly"`
	Evaluation     *EnterpriseEvaluation  `json:"evaluation"`
}

// EnterpriseEvaluation is an enterprise's result in the newest evaluation
// run that has it; nil until such a run exists. The full result with its
// explanation is at /api/v1/evaluations/{run}/enterprises/{uscc}.
type EnterpriseEvaluation struct {
	// Peers compares each indicator with the firm's peers, anonymously.
	Peers     []store.PeerStat `json:"peers"`
	Run       int64            `json:"run"`
	Year      int              `json:"year"`
	SchemeID  string           `json:"scheme_id"`
	Class     string           `json:"class"`
	Score     *float64         `json:"score"`
	Rank      *int             `json:"rank"`
	Rated     int64            `json:"rated"`
	Reason    string           `json:"reason,omitempty"`
	ReasonZh  string           `json:"reason_zh,omitempty"`
	NextClass string           `json:"next_class,omitempty"`
	Gap       *float64         `json:"gap"`
	// Result is the firm's full result with its items (the page explains
	// them); the API's summary above leaves them out.
	Result store.EnterpriseResult `json:"-"`
}

// EnterpriseMembership is one cluster an enterprise belongs to.
type EnterpriseMembership struct {
	ClusterID  string `json:"cluster_id"`
	NameZh     string `json:"name_zh"`
	NameEn     string `json:"name_en"`
	Tier       string `json:"tier"`
	TierNameZh string `json:"tier_name_zh"`
	TierNameEn string `json:"tier_name_en"`
	Primary    bool   `json:"primary"`
	Rule       string `json:"rule"`
	Verified   bool   `json:"verified"`
}

// EnterpriseYear is one year of an enterprise's facts, with the per-mu
// figures derived from them (nil when land or the figure is missing).
type EnterpriseYear struct {
	Year              int      `json:"year"`
	LandMu            *float64 `json:"land_mu"`
	Revenue           *float64 `json:"revenue"`
	OutputValue       *float64 `json:"output_value"`
	ValueAdded        *float64 `json:"value_added"`
	Tax               *float64 `json:"tax"`
	EnergyTCE         *float64 `json:"energy_tce"`
	ElectricityKWh    *float64 `json:"electricity_kwh"`
	EmissionsT        *float64 `json:"emissions_t"`
	RDSpend           *float64 `json:"rd_spend"`
	Employees         *float64 `json:"employees"`
	SafetyAccident    bool     `json:"safety_accident"`
	EnvViolation      bool     `json:"env_violation"`
	UnderConstruction bool     `json:"under_construction"`
	Utility           bool     `json:"utility"`
	TaxPerMu          *float64 `json:"tax_per_mu"`
	VAPerMu           *float64 `json:"va_per_mu"`
}

// EnterpriseMonth is one month of an enterprise's facts.
type EnterpriseMonth struct {
	Month          string   `json:"month"` // YYYY-MM
	OutputValue    *float64 `json:"output_value"`
	Revenue        *float64 `json:"revenue"`
	ElectricityKWh *float64 `json:"electricity_kwh"`
	Employees      *float64 `json:"employees"`
}

func entRatio(num, den *float64) *float64 {
	if num == nil || den == nil || *den <= 0 {
		return nil
	}
	v := *num / *den
	return &v
}

// LoadEnterpriseProfile reads one enterprise's profile; an unknown USCC is a not-found
// error.
func LoadEnterpriseProfile(ctx context.Context, st *store.Store, uscc string) (*EnterpriseProfile, error) {
	e, err := st.EnterpriseByUSCC(ctx, uscc)
	if err != nil {
		return nil, err
	}
	p := &EnterpriseProfile{USCC: e.USCC, Name: e.Name, UnitCode: e.UnitCode, Park: e.Park, IndustryCode: e.IndustryCode,
		BusinessScope: e.BusinessScope, AboveSize: e.AboveSize, LandMu: e.LandMu, LandSource: e.LandSource, BatchID: e.BatchID,
		Memberships: []EnterpriseMembership{}, Annual: []EnterpriseYear{}, Monthly: []EnterpriseMonth{}}
	if !e.Founded.IsZero() {
		p.Founded = e.Founded.Format("2006-01-02")
	}
	if u, ok := refdata.UnitByCode(e.UnitCode); ok {
		p.UnitNameZh, p.UnitNameEn, p.Region = u.NameZh, u.NameEn, u.Region
	}
	ind := refdata.GBT4754()
	if it, ok := ind.Lookup(e.IndustryCode); ok {
		p.IndustryNameZh = it.NameZh
		if d, ok := ind.Lookup(ind.Division(e.IndustryCode)); ok {
			p.DivisionNameZh = d.NameZh
		}
	}
	cs := refdata.DefaultClusterSystem()
	p.MembershipNote = "by the membership rules of " + cs.ID + " " + cs.Version + " (industry code and business scope)"
	for _, m := range cs.Matcher().Match(e.IndustryCode, e.BusinessScope) {
		c, ok := cs.Cluster(m.ClusterID)
		if !ok {
			continue
		}
		cm := EnterpriseMembership{ClusterID: c.ID, NameZh: c.NameZh, NameEn: c.NameEn, Tier: c.Tier, Primary: m.Primary, Rule: m.Rule(), Verified: c.Verified}
		if t, ok := cs.Tier(c.Tier); ok {
			cm.TierNameZh, cm.TierNameEn = t.NameZh, t.NameEn
		}
		p.Memberships = append(p.Memberships, cm)
	}
	annual, err := st.EnterpriseAnnual(ctx, uscc)
	if err != nil {
		return nil, err
	}
	for _, f := range annual {
		land := f.LandMu
		if land == nil {
			land = e.LandMu
		}
		p.Annual = append(p.Annual, EnterpriseYear{Year: f.Year, LandMu: land, Revenue: f.Revenue, OutputValue: f.OutputValue,
			ValueAdded: f.ValueAdded, Tax: f.Tax, EnergyTCE: f.EnergyTCE, ElectricityKWh: f.ElectricityKWh, EmissionsT: f.EmissionsT,
			RDSpend: f.RDSpend, Employees: f.Employees, SafetyAccident: f.SafetyAccident, EnvViolation: f.EnvViolation,
			UnderConstruction: f.UnderConstruction, Utility: f.Utility, TaxPerMu: entRatio(f.Tax, land), VAPerMu: entRatio(f.ValueAdded, land)})
	}
	monthly, err := st.EnterpriseMonthly(ctx, uscc)
	if err != nil {
		return nil, err
	}
	for _, f := range monthly {
		p.Monthly = append(p.Monthly, EnterpriseMonth{Month: f.Month.String(), OutputValue: f.OutputValue, Revenue: f.Revenue,
			ElectricityKWh: f.ElectricityKWh, Employees: f.Employees})
	}
	runs, err := st.Evaluations(ctx)
	if err != nil {
		return nil, err
	}
	for _, run := range runs {
		r, err := st.EvaluationEnterprise(ctx, run.ID, uscc)
		if indus.Code(err) == indus.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		p.Evaluation = &EnterpriseEvaluation{Run: run.ID, Year: run.Year, SchemeID: run.SchemeID, Class: r.Class, Score: r.Score, Rank: r.Rank,
			Rated: run.Rated, Reason: r.ReasonEn, ReasonZh: r.ReasonZh, NextClass: r.NextClass, Gap: r.Gap, Result: r}
		if p.Evaluation.Peers, err = st.EvaluationPeers(ctx, run.ID, uscc); err != nil {
			return nil, err
		}
		break
	}
	return p, nil
}
