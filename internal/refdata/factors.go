package refdata

// Factor is a conversion factor with its provenance, so every converted
// figure can say where its coefficient came from.
type Factor struct {
	ID     string
	NameZh string
	NameEn string
	Value  float64
	Unit   string // e.g. kgce/kWh, kgCO2/m3
	Source string
	Year   int // year the factor refers to (0 when the standard gives none)
}

// StandardCoal holds the standard-coal coefficients of GB/T 2589-2020
// (equivalent value for electricity), converting physical quantities to kgce.
var StandardCoal = []Factor{
	{"electricity", "电力(当量值)", "electricity (equivalent value)", 0.1229, "kgce/kWh", "GB/T 2589-2020", 2020},
	{"natural_gas", "天然气", "natural gas", 1.2143, "kgce/m3", "GB/T 2589-2020", 2020},
	{"raw_coal", "原煤", "raw coal", 0.7143, "kgce/kg", "GB/T 2589-2020", 2020},
	{"coke", "焦炭", "coke", 0.9714, "kgce/kg", "GB/T 2589-2020", 2020},
	{"diesel", "柴油", "diesel", 1.4571, "kgce/kg", "GB/T 2589-2020", 2020},
	{"gasoline", "汽油", "gasoline", 1.4714, "kgce/kg", "GB/T 2589-2020", 2020},
	{"fuel_oil", "燃料油", "fuel oil", 1.4286, "kgce/kg", "GB/T 2589-2020", 2020},
	{"heat", "热力", "heat", 0.03412, "kgce/MJ", "GB/T 2589-2020", 2020},
}

// CO2 holds emission factors for electricity and fuels.
var CO2 = []Factor{
	{"grid_national_2022", "全国电网平均排放因子(2022)", "national grid average (2022)", 0.5366, "kgCO2/kWh", "MEE & NBS, published 2024", 2022},
	{"grid_national_2021", "全国电网平均排放因子(2021)", "national grid average (2021)", 0.5568, "kgCO2/kWh", "MEE, 2023", 2021},
	{"grid_reporting_2023_2025", "全国电网排放因子(2023–2025年度报告默认值)", "national grid, reporting default 2023–2025", 0.5703, "kgCO2/kWh", "MEE notice on 2023–2025 reporting", 2023},
	{"grid_southwest_2022", "西南区域电网平均排放因子(2022)", "south-west regional grid (2022)", 0.2268, "kgCO2/kWh", "MEE & NBS, published 2024", 2022},
	{"natural_gas", "天然气", "natural gas", 2.16, "kgCO2/m3", "IPCC 2006 defaults via national accounting guidelines (approx.)", 0},
	{"diesel", "柴油", "diesel", 3.096, "tCO2/t", "national accounting guidelines", 0},
	{"gasoline", "汽油", "gasoline", 2.925, "tCO2/t", "national accounting guidelines", 0},
	{"fuel_oil", "燃料油", "fuel oil", 3.171, "tCO2/t", "national accounting guidelines", 0},
}

// MuPerSquareMetre converts square metres to mu (1 mu = 10000/15 m²).
const MuPerSquareMetre = 15.0 / 10000

// MuPerHectare converts hectares to mu.
const MuPerHectare = 15.0

// FactorByID finds a factor in a list.
func FactorByID(list []Factor, id string) (Factor, bool) {
	for _, f := range list {
		if f.ID == id {
			return f, true
		}
	}
	return Factor{}, false
}
