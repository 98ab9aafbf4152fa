package ingest

// colID names a canonical column. The order is the order of
// CanonicalColumns where a column appears in several kinds.
type colID int

const (
	cUSCC colID = iota
	cName
	cUnit
	cPark
	cIndustry
	cScope
	cAboveSize
	cFounded
	cLandMu
	cLandSource
	cYear
	cMonth
	cRevenue
	cOutput
	cValueAdded
	cTax
	cEnergy
	cElectricity
	cEmissions
	cRD
	cEmployees
	cSafety
	cEnv
	cConstruction
	cUtility
	numCols
)

// valueType says how a column's cells are parsed.
type valueType int

const (
	tText valueType = iota
	tNumber
	tBool
	tDate
	tYear
	tMonth
	tCode // USCC, unit and industry codes: text with their own checks
)

// colSpec describes one canonical column: its name, its Chinese header (as
// exports write it), its type and quantity (for units).
type colSpec struct {
	name     string
	zh       string // preferred Chinese header, without unit
	en       string // English label for messages
	typ      valueType
	quantity quantity
}

var colSpecs = [numCols]colSpec{
	cUSCC:         {"uscc", "统一社会信用代码", "unified social credit code", tCode, qNone},
	cName:         {"name", "企业名称", "enterprise name", tText, qNone},
	cUnit:         {"unit_code", "所属区县", "district or county (evaluation unit)", tCode, qNone},
	cPark:         {"park", "所属园区", "park", tText, qNone},
	cIndustry:     {"industry_code", "行业代码", "GB/T 4754 industry class", tCode, qNone},
	cScope:        {"business_scope", "经营范围", "business scope", tText, qNone},
	cAboveSize:    {"above_size", "是否规上", "above designated size", tBool, qNone},
	cFounded:      {"founded", "成立日期", "date founded", tDate, qNone},
	cLandMu:       {"land_mu", "用地面积", "land area", tNumber, qLand},
	cLandSource:   {"land_source", "用地来源", "land source", tText, qNone},
	cYear:         {"year", "年份", "year", tYear, qNone},
	cMonth:        {"month", "月份", "month", tMonth, qNone},
	cRevenue:      {"revenue", "主营业务收入", "main business revenue", tNumber, qMoney},
	cOutput:       {"output_value", "工业总产值", "gross industrial output", tNumber, qMoney},
	cValueAdded:   {"value_added", "工业增加值", "industrial value added", tNumber, qMoney},
	cTax:          {"tax", "实缴税金", "tax paid", tNumber, qMoney},
	cEnergy:       {"energy_tce", "综合能耗", "total energy consumption", tNumber, qEnergy},
	cElectricity:  {"electricity_kwh", "用电量", "electricity consumption", tNumber, qElectricity},
	cEmissions:    {"emissions_t", "主要污染物排放当量", "main pollutant emissions", tNumber, qEmissions},
	cRD:           {"rd_spend", "研发经费支出", "R&D expenditure", tNumber, qMoney},
	cEmployees:    {"employees", "年平均职工人数", "average employees", tNumber, qCount},
	cSafety:       {"safety_accident", "安全事故", "safety accident", tBool, qNone},
	cEnv:          {"env_violation", "环境违法", "environmental violation", tBool, qNone},
	cConstruction: {"under_construction", "在建", "under construction", tBool, qNone},
	cUtility:      {"utility", "公用事业", "utility", tBool, qNone},
}

// kindColumns lists the columns each kind stores, in canonical order, and
// which of them are required. In annual files above_size is the firm's
// status that year (optional; the generator writes it).
var kindColumns = map[Kind][]colID{
	KindEnterprises: {cUSCC, cName, cUnit, cPark, cIndustry, cScope, cAboveSize, cFounded, cLandMu, cLandSource},
	KindAnnual: {cUSCC, cYear, cLandMu, cRevenue, cOutput, cValueAdded, cTax, cEnergy, cElectricity, cEmissions,
		cRD, cEmployees, cSafety, cEnv, cConstruction, cUtility, cAboveSize},
	KindMonthly: {cUSCC, cMonth, cOutput, cRevenue, cElectricity, cEmployees},
}

var kindRequired = map[Kind][]colID{
	KindEnterprises: {cUSCC, cName, cUnit},
	KindAnnual:      {cUSCC, cYear},
	KindMonthly:     {cUSCC, cMonth},
}

func colByName(name string) (colID, bool) {
	for i, s := range colSpecs {
		if s.name == name {
			return colID(i), true
		}
	}
	return 0, false
}

// ColumnSpec describes a canonical column for exports and documentation:
// an export that writes HeaderZh or Name as its header (with Unit in
// brackets for quantities) reads back unchanged.
type ColumnSpec struct {
	Name     string // canonical name, e.g. "revenue"
	HeaderZh string // Chinese header with its canonical unit, e.g. "主营业务收入(万元)"
	HeaderEn string // English description
	Unit     string // canonical unit (万元, 亩, 千瓦时, 吨标准煤, 吨, 人) or ""
	Required bool
}

// Columns returns the canonical columns of a kind, in canonical order.
func Columns(k Kind) []ColumnSpec {
	req := map[colID]bool{}
	for _, c := range kindRequired[k] {
		req[c] = true
	}
	var out []ColumnSpec
	for _, c := range kindColumns[k] {
		s := colSpecs[c]
		unit := canonicalUnitName[s.quantity]
		h := s.zh
		if unit != "" {
			h += "(" + unit + ")"
		}
		out = append(out, ColumnSpec{Name: s.name, HeaderZh: h, HeaderEn: s.en, Unit: unit, Required: req[c]})
	}
	return out
}
