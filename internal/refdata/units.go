package refdata

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
)

//go:embed data/chongqing_units.csv
var unitsCSV string

// Region is one part of Chongqing's "one district, two clusters" (一区两群)
// layout: the metropolitan area and the two town clusters.
type Region struct {
	ID     string // metro, northeast, southeast
	NameZh string
	NameEn string
}

// The three regions. The metropolitan area has two sub-areas (central urban
// districts and new urban districts), kept on each Unit as SubRegion.
var Regions = []Region{
	{"metro", "主城都市区", "Metropolitan area"},
	{"northeast", "渝东北三峡库区城镇群", "Northeast: Three Gorges reservoir town cluster"},
	{"southeast", "渝东南武陵山区城镇群", "Southeast: Wuling mountains town cluster"},
}

// Unit is one of the 41 evaluation units: 38 districts and counties plus
// Liangjiang New Area, the High-tech Zone and Wansheng ED Zone.
type Unit struct {
	Code        string // GB/T 2260 division code; LJ, GX, WS for the functional zones
	NameZh      string
	NameEn      string
	Kind        string // district, county, functional_zone
	Region      string // Region.ID
	SubRegionZh string // e.g. 主城都市区·中心城区; equals the region's name outside the metropolitan area
	SubRegionEn string
}

var (
	unitsOnce sync.Once
	units     []Unit
	unitIndex map[string]int
)

// Units returns the 41 evaluation units in the reference file's order.
func Units() []Unit {
	unitsOnce.Do(func() {
		var err error
		units, err = parseUnits(unitsCSV)
		if err != nil {
			panic("refdata: embedded units are corrupt: " + err.Error())
		}
		unitIndex = map[string]int{}
		for i, u := range units {
			unitIndex[u.Code] = i
		}
	})
	return units
}

// UnitByCode looks a unit up by its code.
func UnitByCode(code string) (Unit, bool) {
	Units()
	i, ok := unitIndex[code]
	if !ok {
		return Unit{}, false
	}
	return units[i], true
}

// UnitByName looks a unit up by its Chinese or English name, as analysts
// write it in a "所属区县" column; case-insensitive for English.
func UnitByName(name string) (Unit, bool) {
	name = strings.TrimSpace(name)
	for _, u := range Units() {
		if u.NameZh == name || strings.EqualFold(u.NameEn, name) {
			return u, true
		}
	}
	return Unit{}, false
}

// RegionByID looks a region up.
func RegionByID(id string) (Region, bool) {
	for _, r := range Regions {
		if r.ID == id {
			return r, true
		}
	}
	return Region{}, false
}

func parseUnits(text string) ([]Unit, error) {
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		return nil, err
	}
	var out []Unit
	for i, r := range rows[1:] {
		if len(r) != 6 {
			return nil, fmt.Errorf("row %d has %d fields", i+2, len(r))
		}
		u := Unit{Code: r[0], NameZh: r[1], NameEn: r[2], Kind: r[3], SubRegionZh: r[4], SubRegionEn: r[5]}
		switch {
		case strings.HasPrefix(r[4], "主城都市区"):
			u.Region = "metro"
		case strings.HasPrefix(r[4], "渝东北"):
			u.Region = "northeast"
		case strings.HasPrefix(r[4], "渝东南"):
			u.Region = "southeast"
		default:
			return nil, fmt.Errorf("row %d: unknown region %q", i+2, r[4])
		}
		out = append(out, u)
	}
	return out, nil
}
