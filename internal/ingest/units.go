package ingest

import (
	"math"
	"sort"
	"strings"
)

// quantity is what a numeric column measures; each has one canonical unit
// that Indus stores.
type quantity int

const (
	qNone        quantity = iota
	qMoney                // canonical 万元 (10k yuan)
	qLand                 // canonical 亩 (mu)
	qElectricity          // canonical 千瓦时 (kWh)
	qEnergy               // canonical 吨标准煤 (tce)
	qEmissions            // canonical 吨 (t)
	qCount                // persons; no conversion
)

var quantityNames = map[quantity]string{
	qMoney: "money", qLand: "land", qElectricity: "electricity", qEnergy: "energy", qEmissions: "emissions", qCount: "count",
}

var quantityNamesZh = map[quantity]string{
	qMoney: "金额", qLand: "面积", qElectricity: "电量", qEnergy: "能耗", qEmissions: "排放量", qCount: "人数",
}

// canonicalUnitName is the unit Indus stores, as written in Chinese headers.
var canonicalUnitName = map[quantity]string{
	qMoney: "万元", qLand: "亩", qElectricity: "千瓦时", qEnergy: "吨标准煤", qEmissions: "吨", qCount: "人",
}

// unitDef is one way of writing a unit: the factor converts a value in this
// unit to the canonical unit of its quantity.
type unitDef struct {
	q    quantity
	mul  float64 // value × mul ÷ div is in the canonical unit; a fraction
	div  float64 // keeps 元 → 万元 exact (12345 ÷ 10000, not × 0.0001)
	name string  // the unit's usual Chinese name, for reports
}

// factor is the multiplier to the canonical unit.
func (u unitDef) factor() float64 { return u.mul / u.div }

// convert applies the unit to a value. A converted value is rounded to 12
// significant digits, so that 66666.7 m² is 100.00005 mu and not
// 100.00004999999999: no source figure carries more digits than that, and
// the cell as written is kept in Originals.
func (u unitDef) convert(v float64) float64 {
	if u.mul == 1 && u.div == 1 {
		return v
	}
	return roundSig(v*u.mul/u.div, 12)
}

func roundSig(v float64, digits int) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	exp := digits - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	if exp > 300 || exp < -300 {
		return v
	}
	if exp >= 0 {
		s := math.Pow(10, float64(exp))
		r := math.Round(v*s) / s
		if math.IsInf(v*s, 0) {
			return v
		}
		return r
	}
	s := math.Pow(10, float64(-exp))
	return math.Round(v/s) * s
}

// unitTable maps a normalised unit token (see unitKey) to its definition.
var unitTable = map[string]unitDef{}

func addUnits(q quantity, mul, div float64, name string, tokens ...string) {
	for _, t := range append(tokens, name) {
		k := unitKey(t)
		if old, dup := unitTable[k]; dup && (old.q != q || old.mul != mul || old.div != div) {
			panic("ingest: unit token " + t + " defined twice")
		}
		unitTable[k] = unitDef{q, mul, div, name}
	}
}

func init() {
	// Money: the canonical unit is 10k yuan.
	addUnits(qMoney, 1, 1e4, "元", "yuan", "cny", "rmb", "rmb yuan", "人民币元", "¥")
	addUnits(qMoney, 1, 10, "千元", "thousand yuan", "k yuan", "kyuan", "1000 yuan", "千元人民币")
	addUnits(qMoney, 1, 1, "万元", "10k yuan", "10000 yuan", "10,000 yuan", "ten thousand yuan", "wan yuan", "万", "万元人民币", "10k cny", "10k rmb")
	addUnits(qMoney, 100, 1, "百万元", "million yuan", "m yuan", "mn yuan", "million cny", "mln yuan")
	addUnits(qMoney, 1e4, 1, "亿元", "100 million yuan", "100m yuan", "亿", "hundred million yuan")
	// Land: the canonical unit is mu; 1 mu = 10000/15 m², so 1 m² = 0.0015 mu.
	addUnits(qLand, 1, 1, "亩", "mu")
	addUnits(qLand, 3, 2000, "平方米", "m2", "m^2", "㎡", "sqm", "sq m", "square meter", "square meters", "square metre", "square metres", "平米", "平方")
	addUnits(qLand, 15, 1, "公顷", "ha", "hectare", "hectares", "hm2", "万平方米", "万㎡", "万m2")
	addUnits(qLand, 1500, 1, "平方公里", "km2", "square kilometre", "square kilometer", "平方千米")
	addUnits(qLand, 1e4, 1, "万亩", "10k mu")
	// Electricity: the canonical unit is kWh.
	addUnits(qElectricity, 1, 1, "千瓦时", "kwh", "kw·h", "kw.h", "kw h", "度", "千瓦小时")
	addUnits(qElectricity, 1e4, 1, "万千瓦时", "万kwh", "万kw·h", "万kw.h", "万度", "10k kwh", "10000 kwh", "10^4 kwh", "10⁴kwh")
	addUnits(qElectricity, 1e3, 1, "兆瓦时", "mwh")
	addUnits(qElectricity, 1e6, 1, "吉瓦时", "gwh", "百万千瓦时")
	addUnits(qElectricity, 1e8, 1, "亿千瓦时", "亿kwh", "亿度")
	// Energy: the canonical unit is tonnes of standard coal equivalent.
	addUnits(qEnergy, 1, 1, "吨标准煤", "tce", "吨标煤", "t标准煤", "t标煤", "吨标准煤当量", "tonnes of coal equivalent", "tonne coal equivalent", "t ce")
	addUnits(qEnergy, 1, 1000, "千克标准煤", "kgce", "公斤标准煤", "kg标准煤", "kg标煤", "千克标煤", "公斤标煤", "kg ce")
	addUnits(qEnergy, 1e4, 1, "万吨标准煤", "万tce", "万吨标煤", "10k tce")
	// Emissions: the canonical unit is tonnes (equivalent).
	addUnits(qEmissions, 1, 1, "吨", "t", "tonne", "tonnes", "ton", "tons", "吨当量", "t当量")
	addUnits(qEmissions, 1, 1000, "千克", "kg", "公斤", "千克当量", "kg当量")
	addUnits(qEmissions, 1e4, 1, "万吨", "10k t", "万t")
	// Counts: persons.
	addUnits(qCount, 1, 1, "人", "persons", "person", "people", "个", "名", "人数", "headcount")
}

// unitKey normalises a unit as written: width-folded, lower-case, without
// spaces, with superscripts and "单位:" removed.
func unitKey(s string) string {
	s = foldWidth(s)
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "单位:")
	s = strings.TrimPrefix(s, "单位")
	s = strings.TrimPrefix(s, "unit:")
	r := strings.NewReplacer("²", "2", "⁴", "4", " ", "", "\u00a0", "", "\t", "")
	return r.Replace(s)
}

// lookupUnit finds a unit token; ok is false for text that is no unit.
func lookupUnit(s string) (unitDef, bool) {
	u, ok := unitTable[unitKey(s)]
	return u, ok
}

// unitsFor lists the Chinese names of the units accepted for a quantity,
// for messages.
func unitsFor(q quantity) string {
	seen := map[string]bool{}
	var names []string
	for _, u := range unitTable {
		if u.q == q && !seen[u.name] {
			seen[u.name] = true
			names = append(names, u.name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
