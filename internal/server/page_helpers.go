package server

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// Helpers the page handlers share: names in the page language, the
// choices of filter menus, chart views and a small cache keyed on the
// state of the data.

// pickLang returns the Chinese or the English text for lang.
func pickLang(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}

// unitName is a unit's name in the page language; an unknown code shows
// as itself.
func unitName(lang, code string) string {
	if u, ok := refdata.UnitByCode(code); ok {
		return pickLang(lang, u.NameZh, u.NameEn)
	}
	return code
}

// regionName is a region's name in the page language.
func regionName(lang, id string) string {
	if r, ok := refdata.RegionByID(id); ok {
		return pickLang(lang, r.NameZh, r.NameEn)
	}
	return id
}

// regionShort is a region's short name for table cells.
func (s *Server) regionShort(lang, id string) string {
	if s.catalogue.Has("region.short." + id) {
		return s.catalogue.T(lang, "region.short."+id)
	}
	return regionName(lang, id)
}

// industryLabel is "code name" for a GB/T 4754 code (names are Chinese
// only in the standard).
func industryLabel(code string) string {
	if it, ok := refdata.GBT4754().Lookup(code); ok {
		return code + " " + it.NameZh
	}
	return code
}

// unitOptions are the units as filter choices: the 41, or the units of
// the caller's territory.
func unitOptions(ctx context.Context, lang string) []tableOption {
	sc := indus.ScopeFrom(ctx)
	var out []tableOption
	for _, u := range refdata.Units() {
		if !sc.All && !slices.Contains(sc.Units, u.Code) {
			continue // a unit official chooses among the units of the territory only
		}
		out = append(out, tableOption{Value: u.Code, Label: pickLang(lang, u.NameZh, u.NameEn)})
	}
	return out
}

// clusterOptions are the clusters of the default system as filter
// choices, nested ones indented under their parent's tier order.
func clusterOptions(lang string) []tableOption {
	cs := refdata.DefaultClusterSystem()
	var out []tableOption
	for _, t := range cs.Tiers {
		for _, c := range cs.ClustersInTier(t.ID) {
			label := pickLang(lang, c.NameZh, c.NameEn)
			if c.Parent != "" {
				label = "· " + label
			}
			out = append(out, tableOption{Value: c.ID, Label: label})
		}
	}
	return out
}

// yearOptions are years as choices, newest first.
func yearOptions(years []int) []tableOption {
	var out []tableOption
	for i := len(years) - 1; i >= 0; i-- {
		y := strconv.Itoa(years[i])
		out = append(out, tableOption{Value: y, Label: y})
	}
	return out
}

// chartView is a chart for the "chart" template: an ECharts option built
// on the server, and the same numbers as a table.
type chartView struct {
	ID      string
	Caption string
	Option  map[string]any
	Tall    bool
	XTall   bool // for long category axes (41 units, 30 clusters)
	Data    *chartData
}

// chartData is a chart's data table: the first column heads the rows.
type chartData struct {
	Head []string
	Rows [][]string
}

// dataCache keeps computed page data until the data change (an import or
// an undo changes the store's data stamp).
type dataCache struct {
	mu      sync.Mutex
	stamp   string
	entries map[string]any
}

// get returns the cached value for key under the current data stamp, or
// computes and keeps it. Concurrent misses may compute twice; that is
// cheaper than holding the lock during a computation.
func (c *dataCache) get(ctx context.Context, st *store.Store, key string, compute func() (any, error)) (any, error) {
	// What a computation returns depends on the caller's territory (the
	// store filters enterprise rows by it), so the scope is part of the key.
	key = indus.ScopeFrom(ctx).Key() + "\x00" + key
	ds, err := st.DataStamp(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.stamp != ds.Key() {
		c.stamp, c.entries = ds.Key(), map[string]any{}
	}
	v, ok := c.entries[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err = compute()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.stamp == ds.Key() {
		if len(c.entries) > 256 {
			c.entries = map[string]any{}
		}
		c.entries[key] = v
	}
	c.mu.Unlock()
	return v, nil
}

// pageCaches are the caches of the page handlers, one per server.
var pageCaches sync.Map // *Server → *dataCache

func (s *Server) cache() *dataCache {
	c, _ := pageCaches.LoadOrStore(s, &dataCache{})
	return c.(*dataCache)
}
