package synth

import "strings"

// CalibrationYear is the year whose aggregates are calibrated to DOMAIN.md:
// every firm's figures for other years are derived from its figures for this
// year through its sector's growth path and its own random walk.
const CalibrationYear = 2023

// ClusterTarget is one cluster whose 2023 scale the generator reproduces.
type ClusterTarget struct {
	ID     string
	NameZh string
	NameEn string
	// Codes are GB/T 4754-2017 codes at any level; a class belongs to the
	// cluster when one of them is a prefix of it.
	Codes []string
	// Output2023 is the gross industrial output of above-size members in 2023,
	// in 100 million yuan (亿元).
	Output2023 float64
	// Source says where the figure comes from.
	Source string
}

// ClusterCalibration is the cluster→code mapping and the 2023 scales the
// generator is calibrated to. It is DOMAIN.md §1's default mapping for the
// four clusters with published scales and must stay in step with the
// cluster-system YAML (refdata chongqing-33618), which is maintained
// separately: a test there can cross-check the two.
var ClusterCalibration = []ClusterTarget{
	{ID: "nev", NameZh: "智能网联新能源汽车", NameEn: "intelligent connected new-energy vehicles",
		Codes: []string{"361", "362", "363", "365", "366", "367", "3841"}, Output2023: 6000,
		Source: "DOMAIN.md §1: Jan–Oct 2023 output 499.4 bn, about 600 bn for the year"},
	{ID: "electronics", NameZh: "新一代电子信息制造业", NameEn: "next-generation electronic information manufacturing",
		Codes: []string{"39"}, Output2023: 7000,
		Source: "DOMAIN.md §1: Jan–Oct 2023 output 588.6 bn, about 700 bn for the year"},
	{ID: "advanced_materials", NameZh: "先进材料", NameEn: "advanced materials",
		Codes: []string{"265", "266", "28", "3061", "3062", "31", "32", "33"}, Output2023: 6400,
		Source: "DOMAIN.md §1: Jan–Oct 2023 output 532.1 bn, about 640 bn for the year"},
	{ID: "food", NameZh: "食品及农产品加工", NameEn: "food and agricultural product processing",
		Codes: []string{"13", "14", "15"}, Output2023: 2600,
		Source: "DOMAIN.md §1: 2023 output 258.1 bn"},
}

// Baseline2023 holds the city-level 2023 levels of above-size manufacturing
// (divisions 13–43) that the generator reproduces as aggregate ratios.
var Baseline2023 = struct {
	TaxPerMu       float64 // 10k yuan/mu (DOMAIN.md §2: 18.98)
	VAPerMu        float64 // 10k yuan/mu (166.87)
	OutputPerMu    float64 // 10k yuan/mu (734.17)
	VAPerEnergy    float64 // 10k yuan/tce (DOMAIN.md §2: 2.24)
	VAPerEmissions float64 // 10k yuan/t (DOMAIN.md §2: 365)
}{18.98, 166.87, 734.17, 2.24, 365}

// clusterOf returns the index in ClusterCalibration of the cluster a class
// belongs to, or -1.
func clusterOf(class string) int {
	for i, c := range ClusterCalibration {
		for _, code := range c.Codes {
			if strings.HasPrefix(class, code) {
				return i
			}
		}
	}
	return -1
}
