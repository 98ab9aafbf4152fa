package analysis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// PeriodKind is the kind of a reporting period.
type PeriodKind string

// The periods cluster figures are reported for.
const (
	PeriodMonth PeriodKind = "month" // one month of the monthly survey
	PeriodYTD   PeriodKind = "ytd"   // January to the month, cumulative
	PeriodYear  PeriodKind = "year"  // a calendar year, from the annual facts (with value added)
)

// Period is a reporting period. Growth compares it with the same period a
// year earlier.
type Period struct {
	Kind  PeriodKind `json:"kind"`
	Year  int        `json:"year"`
	Month int        `json:"month,omitempty"`
}

// ParsePeriod reads YYYY-MM (a month, or January to it with ytd) or YYYY
// (a year).
func ParsePeriod(s string, ytd bool) (Period, error) {
	s = strings.TrimSpace(s)
	if len(s) == 4 {
		y, err := strconv.Atoi(s)
		if err != nil || y < 1900 || y > 2200 {
			return Period{}, indus.Errorf(indus.EInvalid, "%q is not a period; write YYYY-MM for a month or YYYY for a year", s)
		}
		if ytd {
			return Period{}, indus.Errorf(indus.EInvalid, "year to date needs a month (YYYY-MM); a whole year is --period YYYY")
		}
		return Period{Kind: PeriodYear, Year: y}, nil
	}
	m, err := indus.ParseMonth(s)
	if err != nil {
		return Period{}, indus.Errorf(indus.EInvalid, "%q is not a period; write YYYY-MM for a month or YYYY for a year", s)
	}
	p := Period{Kind: PeriodMonth, Year: m.Year, Month: int(m.Month)}
	if ytd {
		p.Kind = PeriodYTD
	}
	return p, nil
}

// Key names the period: 2024-06, ytd:2024-06 or 2024.
func (p Period) Key() string {
	switch p.Kind {
	case PeriodYear:
		return strconv.Itoa(p.Year)
	case PeriodYTD:
		return fmt.Sprintf("ytd:%04d-%02d", p.Year, p.Month)
	}
	return fmt.Sprintf("%04d-%02d", p.Year, p.Month)
}

// String is the period as people write it: 2024-06, 2024-01..06, 2024.
func (p Period) String() string {
	if p.Kind == PeriodYTD {
		return fmt.Sprintf("%04d-01..%02d", p.Year, p.Month)
	}
	return p.Key()
}

// MarshalText writes the period's key, so JSON carries one string.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.Key()), nil }

// UnmarshalText reads a key that MarshalText wrote.
func (p *Period) UnmarshalText(b []byte) error {
	s, ytd := strings.CutPrefix(string(b), "ytd:")
	q, err := ParsePeriod(s, ytd)
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// Annual says the period has annual figures (value added).
func (p Period) Annual() bool { return p.Kind == PeriodYear }

func (p Period) spec() store.PeriodSpec {
	switch p.Kind {
	case PeriodYear:
		return store.PeriodSpec{Key: p.Key(), Annual: true, Year: p.Year}
	case PeriodYTD:
		return store.PeriodSpec{Key: p.Key(), From: indus.Month{Year: p.Year, Month: 1}, To: indus.Month{Year: p.Year, Month: time.Month(p.Month)}}
	}
	m := indus.Month{Year: p.Year, Month: time.Month(p.Month)}
	return store.PeriodSpec{Key: p.Key(), From: m, To: m}
}

// lastFullYear is the latest calendar year the period has complete: its
// own year for a year or a December, else the year before.
func (p Period) lastFullYear() int {
	if p.Kind == PeriodYear || p.Month == 12 {
		return p.Year
	}
	return p.Year - 1
}

// dataInfo is what the cluster services need to know about the data
// before they query it: the stamp of the data (see store.RollupStamp), the
// years with annual facts and the months with monthly facts. Finding the
// years scans the annual facts, so the answer is kept per stamp.
type dataInfo struct {
	stamp       string
	years       []int
	first, last indus.Month
	hasMonths   bool

	mu       sync.Mutex
	industry []store.IndustryYear // loaded on first use
}

var infoCache = struct {
	sync.Mutex
	m map[string]*dataInfo
}{m: map[string]*dataInfo{}}

// infoKey carries a dataInfo pinned to a context for the length of one
// request.
type infoKey struct{}

// pinDataInfo fetches the data info once and pins it to the context, so
// that the many look-ups one report makes (its period, the trajectory
// years, the city targets) do not each ask the database again.
func pinDataInfo(ctx context.Context, st *store.Store) (context.Context, error) {
	if _, ok := ctx.Value(infoKey{}).(*dataInfo); ok {
		return ctx, nil
	}
	info, err := getDataInfo(ctx, st)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, infoKey{}, info), nil
}

// getDataInfo assigns memberships when they are out of date, then returns
// the data's stamp, years and months (the pinned ones when the context has
// them).
func getDataInfo(ctx context.Context, st *store.Store) (*dataInfo, error) {
	if info, ok := ctx.Value(infoKey{}).(*dataInfo); ok {
		return info, nil
	}
	cs := refdata.DefaultClusterSystem()
	stamp, stale, err := st.ClusterState(ctx, cs.ID)
	if err != nil {
		return nil, err
	}
	if stale {
		if _, err := AssignClusters(ctx, st, AssignOptions{User: "indus (automatic: enterprises changed)"}); err != nil {
			return nil, err
		}
		if stamp, _, err = st.ClusterState(ctx, cs.ID); err != nil {
			return nil, err
		}
	}
	key := storeKey(st) + "\x00" + cs.ID
	infoCache.Lock()
	info, ok := infoCache.m[key]
	infoCache.Unlock()
	if ok && info.stamp == stamp {
		return info, nil
	}
	info = &dataInfo{stamp: stamp}
	if info.years, err = st.FactYears(ctx); err != nil {
		return nil, err
	}
	if info.first, info.last, info.hasMonths, err = st.MonthRange(ctx); err != nil {
		return nil, err
	}
	infoCache.Lock()
	infoCache.m[key] = info
	infoCache.Unlock()
	return info, nil
}

// industryYears returns the city's above-size industry per year, kept
// with the info (and in the database under its stamp).
func (info *dataInfo) industryYears(ctx context.Context, st *store.Store) ([]store.IndustryYear, error) {
	info.mu.Lock()
	defer info.mu.Unlock()
	if info.industry != nil {
		return info.industry, nil
	}
	ys, err := st.IndustryYears(ctx, info.stamp)
	if err != nil {
		return nil, err
	}
	if ys == nil {
		ys = []store.IndustryYear{}
	}
	info.industry = ys
	return ys, nil
}

// DefaultPeriod is the latest month with monthly facts, else the latest
// year with annual facts.
func DefaultPeriod(ctx context.Context, st *store.Store) (Period, error) {
	info, err := getDataInfo(ctx, st)
	if err != nil {
		return Period{}, err
	}
	if info.hasMonths {
		return Period{Kind: PeriodMonth, Year: info.last.Year, Month: int(info.last.Month)}, nil
	}
	if len(info.years) == 0 {
		return Period{}, indus.Errorf(indus.ENotFound, "there are no facts yet; import enterprises and their annual or monthly facts first")
	}
	return Period{Kind: PeriodYear, Year: info.years[len(info.years)-1]}, nil
}

// hasData says whether the data have the facts the period needs.
func (info *dataInfo) hasData(p Period) bool {
	if p.Annual() {
		for _, y := range info.years {
			if y == p.Year {
				return true
			}
		}
		return false
	}
	m := indus.Month{Year: p.Year, Month: time.Month(p.Month)}.Index()
	return info.hasMonths && m >= info.first.Index() && m <= info.last.Index()
}

// Rollup is one period's cluster figures in every geography. It may be
// shared through the cache: treat it as read-only.
type Rollup struct {
	Period Period
	Sums   map[cluster.GeoKey]*cluster.Sums
	// Stamp is what the rollup was built from; Cached says it came from the
	// materialised table (or memory) rather than being built now.
	Stamp  string
	Cached bool
	Build  time.Duration
}

// Get returns the sums of one cluster in one geography (zero when the
// cluster has no enterprise there).
func (r *Rollup) Get(clusterID, kind, code string) cluster.Sums {
	if s, ok := r.Sums[cluster.GeoKey{Cluster: clusterID, Kind: kind, Code: code}]; ok {
		return *s
	}
	var z cluster.Sums
	if !r.Period.Annual() {
		nan := nanValue()
		z.ValueAdded, z.PrevValueAdded, z.CompValueAdded, z.CompPrevValueAdded = nan, nan, nan, nan
	}
	return z
}

// rollupCache keeps decoded rollups in memory, keyed by database and
// period; an entry is used only while the store's stamp is unchanged, so
// an import, undo, assignment or override makes it stale at once.
var rollupCache = struct {
	sync.Mutex
	m map[string]*Rollup
}{m: map[string]*Rollup{}}

// storeKey names an open store for the caches: its address and path, so
// that two in-memory stores never share entries.
func storeKey(st *store.Store) string { return fmt.Sprintf("%p|%s", st, st.Path()) }

// regionOf maps each evaluation unit to its region.
func regionOf() map[string]string {
	m := map[string]string{}
	for _, u := range refdata.Units() {
		m[u.Code] = u.Region
	}
	return m
}

// GetRollup returns the period's rollup: from memory or the materialised
// table when it was built from the current data, else built now (in SQL
// to the cluster × unit cells, in package cluster up to regions and the
// city) and saved. Memberships are assigned first when out of date.
func GetRollup(ctx context.Context, st *store.Store, p Period) (*Rollup, error) {
	cs := refdata.DefaultClusterSystem()
	info, err := getDataInfo(ctx, st)
	if err != nil {
		return nil, err
	}
	stamp := info.stamp
	key := storeKey(st) + "\x00" + cs.ID + "\x00" + p.Key()
	rollupCache.Lock()
	r, ok := rollupCache.m[key]
	rollupCache.Unlock()
	if ok && r.Stamp == stamp {
		c := *r
		c.Cached = true
		return &c, nil
	}
	rows, ok, err := st.LoadRollup(ctx, cs.ID, p.Key(), stamp)
	if err != nil {
		return nil, err
	}
	r = &Rollup{Period: p, Stamp: stamp, Sums: map[cluster.GeoKey]*cluster.Sums{}}
	if ok {
		r.Cached = true
		for i := range rows {
			r.Sums[rows[i].Key] = &rows[i].Sums
		}
	} else {
		if !info.hasData(p) {
			return nil, indus.Errorf(indus.ENotFound, "there are no facts for %s; 'indus import history' shows what was imported", p)
		}
		start := time.Now()
		cells, err := st.ClusterCells(ctx, cs.ID, p.spec())
		if err != nil {
			return nil, err
		}
		r.Sums, _ = cluster.Rollup(cells, regionOf())
		r.Build = time.Since(start)
		out := make([]store.RollupRow, 0, len(r.Sums))
		for k, s := range r.Sums {
			out = append(out, store.RollupRow{Key: k, Sums: *s})
		}
		if err := st.SaveRollup(ctx, cs.ID, p.Key(), stamp, out, r.Build); err != nil {
			return nil, err
		}
	}
	rollupCache.Lock()
	rollupCache.m[key] = r
	rollupCache.Unlock()
	return r, nil
}

// WarmRollups materialises, ahead of the first request, what the default
// overview needs: the latest month, its year to date, the years its
// targets are judged on, and the city's industry totals. Call it after an
// import or an assignment (it is cheap when nothing changed).
func WarmRollups(ctx context.Context, st *store.Store) error {
	ctx, err := pinDataInfo(ctx, st)
	if err != nil {
		return err
	}
	p, err := DefaultPeriod(ctx, st)
	if err != nil {
		if indus.Code(err) == indus.ENotFound {
			return nil // nothing imported yet
		}
		return err
	}
	periods := []Period{p}
	if p.Kind == PeriodMonth {
		periods = append(periods, Period{Kind: PeriodYTD, Year: p.Year, Month: p.Month})
	}
	for _, q := range periods {
		if _, err := ClusterReport(ctx, st, ReportOptions{Period: q, Geo: GeoCity}); err != nil {
			return err
		}
	}
	return nil
}
