package synth

// kind is the population an enterprise belongs to.
type kind uint8

const (
	kindCore     kind = iota // above-size industrial firm (revenue ≥ 20 M yuan in 2023 when fully active)
	kindBelow                // below-size industrial firm (some grow past the threshold)
	kindSoftware             // software and information services (divisions 64, 65)
)

// weighted is a GB/T 4754 code (any level) with the share of a sector's firms
// whose class lies under it; classes under a code are equally likely.
type weighted struct {
	code string
	w    float64
}

// sector is a group of classes that share a profile, a growth path and a
// calibration target. Counts and targets are for the city scale.
type sector struct {
	id      string
	nameZh  string
	cluster string // ClusterCalibration ID, or "" (the jitter of a cluster is shared by its sectors)
	kind    kind   // kindCore for industrial sectors, kindSoftware for software
	codes   []weighted
	exclude []string // codes under codes that belong to other sectors
	giantAt []string // classes of the giants, cycled
	prof    *profile

	nCore, nBelow int     // firms at city scale
	target        float64 // 2023 output of above-size firms (revenue for software), 100 million yuan
	giants, large int     // firms above 10 bn and between 5 and 10 bn revenue in 2023
	giantCap      float64 // largest firm's output, 10k yuan
	sigma         float64 // log-normal spread of the body
	opm           float64 // output per mu relative to the city's aggregate
	growth        *growthPath
	season        int // seasonal pattern of monthly output, see seasons
	affinity      map[string]float64
	flat          bool                // spread over the units evenly (every district has its utilities)
	words         []string            // industry words for names
	classWords    map[string][]string // class-specific words (prefix → words)
	scope         []string            // business scope phrases
}

// The seasonal patterns of monthly output.
const (
	seasonDefault = iota
	seasonAuto
	seasonFood
	seasonUtility
	nSeasons
)

// growthPath gives year-on-year growth of a sector's output; years outside
// the table grow at before/after.
type growthPath struct {
	from   int       // first year of rates
	rates  []float64 // growth from year-1 to year, for from, from+1, ...
	before float64
	after  float64
}

// rate returns the growth from year-1 to year.
func (g *growthPath) rate(year int) float64 {
	i := year - g.from
	switch {
	case i < 0:
		return g.before
	case i >= len(g.rates):
		return g.after
	}
	return g.rates[i]
}

// index returns output in year relative to the calibration year.
func (g *growthPath) index(year int) float64 {
	x := 1.0
	for y := CalibrationYear + 1; y <= year; y++ {
		x *= 1 + g.rate(y)
	}
	for y := CalibrationYear; y > year; y-- {
		x /= 1 + g.rate(y)
	}
	return x
}

// Growth paths 2016–2025, shaped on Chongqing's published trends: autos
// slumped in 2018–19 and boomed from 2021 (NEV, then Seres/AITO in 2024);
// electronics grew fast to 2021 and has been flat since; materials had the
// 2021 price boom; food grows steadily; pharma rode vaccines in 2021–22.
var (
	growNEV         = &growthPath{2016, []float64{.10, .02, -.17, -.04, .05, .12, .09, .12, .20, .12}, .08, .08}
	growElectronics = &growthPath{2016, []float64{.12, .15, .13, .09, .06, .09, -.04, -.03, .04, .05}, .15, .05}
	growMaterials   = &growthPath{2016, []float64{.05, .06, .04, .04, .02, .14, .04, .01, .04, .05}, .05, .05}
	growFood        = &growthPath{2016, []float64{.07, .06, .05, .05, .02, .07, .05, .05, .05, .05}, .06, .05}
	growEquipment   = &growthPath{2016, []float64{.07, .06, .04, .05, .03, .10, .05, .06, .07, .06}, .06, .06}
	growMoto        = &growthPath{2016, []float64{.02, .02, -.03, .03, .05, .12, .02, .06, .15, .10}, .02, .05}
	growPharma      = &growthPath{2016, []float64{.09, .09, .08, .08, .08, .18, .10, -.06, -.10, .04}, .08, .05}
	growLight       = &growthPath{2016, []float64{.04, .03, .02, .03, -.03, .06, .02, .03, .03, .03}, .04, .03}
	growMining      = &growthPath{2016, []float64{.00, .02, .03, .02, .00, .06, .08, .00, .02, .02}, .02, .02}
	growUtility     = &growthPath{2016, []float64{.05, .05, .06, .05, .03, .10, .08, .06, .05, .05}, .05, .05}
	growSoftware    = &growthPath{2016, []float64{.15, .15, .15, .14, .10, .15, .12, .11, .11, .10}, .15, .10}
	growOther       = &growthPath{2016, []float64{.05, .05, .03, .04, .02, .08, .04, .04, .05, .05}, .05, .05}
)

// Affinities of sectors to units: multipliers of the unit's base weight.
var (
	affNEV = map[string]float64{"LJ": 2.5, "500112": 1.5, "500105": 1.5, "500113": 1.5, "500120": 1.8, "500117": 1.3,
		"500102": 1.2, "500118": 1.3, "500111": 1.3, "500151": 1.3, "500116": 1.3, "500103": 0.1}
	affElectronics = map[string]float64{"GX": 4, "LJ": 2, "500106": 1.5, "500107": 1.3, "500108": 1.5, "500118": 1.5,
		"500153": 1.2, "500152": 1.2, "500155": 1.5, "500120": 1.3, "500103": 0.1}
	affChem = map[string]float64{"500115": 4, "500102": 3, "500119": 2, "500101": 2, "500116": 1.5, "LJ": 0.5, "GX": 0.3,
		"500103": 0, "500105": 0.2, "500106": 0.3, "500108": 0.3, "500112": 0.3}
	affFerrous    = map[string]float64{"500115": 4, "500104": 2, "500110": 1.5, "500116": 1.5, "WS": 2, "500103": 0, "GX": 0.2}
	affNonFerrous = map[string]float64{"500107": 4, "500119": 3, "500110": 2, "WS": 3, "500116": 1.5, "500117": 1.2,
		"500103": 0, "GX": 0.3}
	affGlassFibre = map[string]float64{"500104": 5, "500151": 2, "WS": 3, "500103": 0}
	affNonMetal   = map[string]float64{"WS": 2, "500119": 1.5, "500110": 1.5, "500103": 0, "GX": 0.3, "LJ": 0.5}
	affFood       = map[string]float64{"500102": 2, "500153": 1.5, "500152": 1.5, "500154": 1.5, "500101": 1.5, "500230": 2,
		"500240": 2, "500241": 2, "500116": 1.5, "500118": 1.2, "GX": 0.4, "500103": 0.2}
	affPharma = map[string]float64{"GX": 2, "500153": 1.5, "500113": 1.5, "LJ": 1.5, "500102": 1.5, "500103": 0.2}
	affMoto   = map[string]float64{"500109": 1.5, "500112": 1.5, "LJ": 2, "500107": 2, "500113": 2, "500111": 1.5,
		"500117": 1.5, "500116": 1.5, "500103": 0}
	affEquipment = map[string]float64{"500109": 1.5, "500107": 1.5, "LJ": 1.5, "500113": 1.3, "500118": 1.5, "500120": 1.3,
		"500111": 1.5, "500110": 1.3, "500103": 0.1}
	affMetalProducts = map[string]float64{"500111": 2, "500116": 1.2, "500103": 0.1}
	affLight         = map[string]float64{"500153": 2, "500118": 1.2, "500101": 1.5, "500117": 1.2, "500103": 0.3}
	affMining        = map[string]float64{"WS": 3, "500110": 2, "500102": 2, "500119": 1.5, "500103": 0, "500104": 0.1,
		"500105": 0.1, "500106": 0.1, "500107": 0.1, "500108": 0.1, "500112": 0.1, "LJ": 0.1, "GX": 0.05}
	affNone = map[string]float64{}
)

// regionAffinity scales heavy-industry sectors by region; the south-east is
// light in all of them.
var regionAffinity = map[string]float64{"metro": 1, "northeast": 0.8, "southeast": 0.6}

// sectors is the industry mix. Counts and targets are at city scale; the
// three clusters with several sectors (advanced materials) share their
// cluster's calibration jitter.
var sectors = []*sector{
	{id: "nev", nameZh: "汽车及动力电池", cluster: "nev", prof: profAuto,
		codes:   []weighted{{"3670", .70}, {"3660", .06}, {"3620", .04}, {"3630", .05}, {"3611", .02}, {"3612", .03}, {"3650", .01}, {"3841", .09}},
		giantAt: []string{"3611", "3612", "3611", "3841", "3612"},
		nCore:   1113, nBelow: 1500, target: 6000, giants: 5, large: 5, giantCap: 1.4e7, sigma: 1.5, opm: 1.25,
		growth: growNEV, season: seasonAuto, affinity: affNEV,
		words: []string{"汽车零部件", "汽车部件", "汽车配件", "汽车科技", "汽车电子", "精密机械", "汽车座椅", "汽车空调", "齿轮", "传动科技", "底盘系统", "车灯"},
		classWords: map[string][]string{"3611": {"汽车", "汽车制造"}, "3612": {"新能源汽车", "汽车", "智能汽车"}, "3620": {"动力", "发动机"},
			"3630": {"专用汽车", "特种车辆"}, "3650": {"电车", "客车"}, "3660": {"车身", "汽车车身", "挂车"}, "3841": {"锂电", "新能源科技", "电池", "储能科技"}},
		scope: []string{"新能源汽车整车销售", "新能源汽车电附件销售", "智能网联汽车技术研发", "汽车零配件零售", "汽车零部件研发", "电池制造", "模具制造"}},
	{id: "electronics", nameZh: "电子信息制造", cluster: "electronics", prof: profElectronics,
		codes:   []weighted{{"391", .14}, {"392", .10}, {"393", .02}, {"394", .01}, {"395", .03}, {"396", .06}, {"397", .14}, {"398", .40}, {"399", .10}},
		giantAt: []string{"3911", "3911", "3974", "3911", "3922", "3911", "3974", "3973", "3911"},
		nCore:   636, nBelow: 900, target: 7000, giants: 9, large: 4, giantCap: 1.2e7, sigma: 1.7, opm: 2.0,
		growth: growElectronics, affinity: affElectronics,
		words: []string{"电子", "电子科技", "光电", "微电子", "电子材料", "精密电子", "通信", "智能科技", "信息技术", "电子元件"},
		classWords: map[string][]string{"3911": {"电脑", "计算机", "信息产品"}, "3914": {"工控科技"}, "3922": {"通讯", "通讯设备"},
			"3974": {"显示技术", "光电显示", "光电科技"}, "3972": {"半导体", "功率半导体"}, "3973": {"半导体", "集成电路", "微电子"},
			"3983": {"传感技术", "传感器"}, "3982": {"电路", "线路板"}, "396": {"智能科技", "智能设备"}},
		scope: []string{"电子元器件制造", "计算机软硬件及外围设备制造", "集成电路芯片及产品制造", "显示器件制造", "通信设备制造", "电子专用材料研发", "智能车载设备制造"}},
	{id: "chem_materials", nameZh: "合成材料及专用化学品", cluster: "advanced_materials", prof: profChem,
		codes: []weighted{{"265", .4}, {"266", .6}}, giantAt: []string{"2651", "2661"},
		nCore: 191, nBelow: 250, target: 1300, giants: 2, large: 2, giantCap: 4e6, sigma: 1.4, opm: 1.0,
		growth: growMaterials, affinity: affChem,
		words: []string{"化工", "新材料", "化学", "材料科技", "精细化工"}, scope: []string{"合成材料制造", "专用化学产品制造", "新材料技术研发", "化工产品销售"}},
	{id: "fibres", nameZh: "化学纤维", cluster: "advanced_materials", prof: profChem,
		codes: []weighted{{"281", .2}, {"282", .7}, {"283", .1}},
		nCore: 37, nBelow: 40, target: 250, large: 1, sigma: 1.3, opm: 1.0, growth: growMaterials, affinity: affChem,
		words: []string{"化纤", "纤维", "新材料"}, scope: []string{"合成纤维制造", "新材料技术研发"}},
	{id: "glass_fibre", nameZh: "玻璃纤维及复合材料", cluster: "advanced_materials", prof: profNonMetal,
		codes: []weighted{{"3061", .6}, {"3062", .4}},
		nCore: 37, nBelow: 60, target: 300, large: 1, sigma: 1.3, opm: 0.8, growth: growMaterials, affinity: affGlassFibre,
		words: []string{"玻纤", "复合材料", "玻璃纤维"}, scope: []string{"玻璃纤维及制品制造", "玻璃纤维增强塑料制品制造", "新材料技术研发"}},
	{id: "ferrous", nameZh: "黑色金属冶炼和压延加工", cluster: "advanced_materials", prof: profMetals,
		codes: []weighted{{"311", .1}, {"312", .15}, {"313", .6}, {"314", .15}}, giantAt: []string{"3120"},
		nCore: 85, nBelow: 120, target: 800, giants: 1, large: 1, giantCap: 4e6, sigma: 1.4, opm: 0.9,
		growth: growMaterials, affinity: affFerrous,
		words: []string{"钢铁", "特钢", "钢材", "冶金", "铁合金"}, scope: []string{"钢压延加工", "金属材料销售", "冶金专用设备制造"}},
	{id: "non_ferrous", nameZh: "有色金属冶炼和压延加工", cluster: "advanced_materials", prof: profMetals,
		codes: []weighted{{"3216", .12}, {"3217", .03}, {"3218", .02}, {"3211", .02}, {"3219", .03}, {"322", .03}, {"323", .05},
			{"3240", .15}, {"3251", .10}, {"3252", .35}, {"3259", .10}},
		giantAt: []string{"3252", "3216"},
		nCore:   318, nBelow: 350, target: 1850, giants: 2, large: 3, giantCap: 4e6, sigma: 1.4, opm: 1.2,
		growth: growMaterials, affinity: affNonFerrous,
		words:      []string{"铝业", "有色金属", "铝材", "合金", "铜业", "新材料", "轻合金"},
		classWords: map[string][]string{"3217": {"镁业"}, "3218": {"硅业"}},
		scope:      []string{"有色金属合金制造", "有色金属压延加工", "金属材料销售", "新材料技术研发", "轻质建筑材料制造"}},
	{id: "metal_products", nameZh: "金属制品", cluster: "advanced_materials", prof: profMetalProducts,
		codes: []weighted{{"331", .2}, {"332", .1}, {"333", .05}, {"334", .05}, {"335", .1}, {"336", .1}, {"337", .02}, {"338", .08}, {"339", .3}},
		nCore: 657, nBelow: 1700, target: 1900, large: 1, sigma: 1.3, opm: 0.8, growth: growMaterials, affinity: affMetalProducts,
		words: []string{"五金", "金属制品", "钢结构", "铸造", "模具", "机械", "标准件", "精工"},
		scope: []string{"金属结构制造", "五金产品制造", "金属表面处理及热处理加工", "黑色金属铸造", "有色金属铸造"}},
	{id: "food", nameZh: "食品及农产品加工", cluster: "food", prof: profFood,
		codes: []weighted{{"131", .05}, {"132", .10}, {"133", .05}, {"135", .14}, {"136", .01}, {"137", .10}, {"139", .05}, {"141", .03},
			{"142", .02}, {"143", .05}, {"144", .02}, {"145", .02}, {"146", .12}, {"149", .04}, {"1512", .08}, {"1513", .02}, {"1519", .01},
			{"152", .07}, {"1530", .02}},
		giantAt: []string{"1351"},
		nCore:   901, nBelow: 2000, target: 2600, giants: 1, large: 2, giantCap: 2e6, sigma: 1.4, opm: 0.8,
		growth: growFood, season: seasonFood, affinity: affFood,
		words: []string{"食品", "农业发展", "农产品加工", "食品科技"},
		classWords: map[string][]string{"132": {"饲料"}, "133": {"粮油"}, "135": {"肉类加工", "肉食品"}, "137": {"榨菜", "农产品"},
			"146": {"调味品", "火锅食品", "酿造"}, "144": {"乳业"}, "1512": {"酒业", "酒厂", "白酒"}, "1513": {"啤酒"}, "152": {"饮料", "饮品"},
			"1530": {"茶业", "茶叶"}},
		scope: []string{"食品生产", "食品销售", "农副产品销售", "食用农产品初加工", "食品添加剂生产"}},
	{id: "equipment", nameZh: "智能装备", prof: profEquipment,
		codes: []weighted{{"34", .35}, {"351", .04}, {"352", .04}, {"353", .03}, {"354", .02}, {"355", .02}, {"356", .04}, {"357", .03}, {"359", .03},
			{"381", .07}, {"382", .08}, {"383", .06}, {"386", .02}, {"387", .03}, {"389", .04}, {"40", .10}},
		giantAt: []string{"3821"},
		nCore:   1060, nBelow: 2300, target: 1500, giants: 1, large: 2, giantCap: 2e6, sigma: 1.4, opm: 0.75,
		growth: growEquipment, affinity: affEquipment,
		words: []string{"机械", "机电", "装备", "设备", "电气", "智能装备", "自动化", "精密机械"},
		classWords: map[string][]string{"40": {"仪器仪表", "仪表", "测控技术"}, "383": {"电缆", "线缆"}, "381": {"电机"}, "345": {"齿轮", "轴承"},
			"349": {"机器人", "智能装备"}, "357": {"农业机械", "农机"}},
		scope: []string{"通用设备制造", "工业机器人制造", "智能仪器仪表制造", "电机制造", "机械设备研发", "输配电及控制设备制造"}},
	{id: "appliances", nameZh: "家用电器及其他电池", prof: profEquipment,
		codes: []weighted{{"385", .7}, {"3842", .05}, {"3843", .15}, {"3849", .10}},
		nCore: 85, nBelow: 150, target: 200, sigma: 1.3, opm: 0.9, growth: growEquipment, affinity: affEquipment,
		words:      []string{"电器", "家电", "智能家居"},
		classWords: map[string][]string{"384": {"电池", "电源"}},
		scope:      []string{"家用电器制造", "家用电器研发", "电池制造"}},
	{id: "pharma", nameZh: "生物医药", prof: profPharma,
		codes:   []weighted{{"271", .10}, {"272", .18}, {"273", .06}, {"274", .14}, {"275", .04}, {"276", .16}, {"277", .08}, {"278", .04}, {"358", .20}},
		giantAt: []string{"2762"},
		nCore:   244, nBelow: 350, target: 800, giants: 1, large: 1, giantCap: 2.5e6, sigma: 1.4, opm: 0.9,
		growth: growPharma, affinity: affPharma,
		words:      []string{"药业", "制药", "生物科技", "医药"},
		classWords: map[string][]string{"358": {"医疗器械", "医疗科技"}, "276": {"生物制品", "生物技术"}, "273": {"中药", "中药饮片"}},
		scope:      []string{"药品生产", "第二类医疗器械生产", "生物化工产品技术研发", "医学研究和试验发展"}},
	{id: "motorcycles", nameZh: "摩托车", prof: profMoto,
		codes: []weighted{{"3751", .25}, {"3752", .75}}, giantAt: []string{"3751"},
		nCore: 170, nBelow: 250, target: 500, giants: 1, large: 1, giantCap: 1.8e6, sigma: 1.4, opm: 0.9,
		growth: growMoto, affinity: affMoto,
		words: []string{"摩托车", "机车", "摩托车配件", "动力机械"}, scope: []string{"摩托车及零配件制造", "摩托车及零配件批发", "通用设备制造"}},
	{id: "transport_equipment", nameZh: "轨道交通、船舶及航空航天装备", prof: profEquipment,
		codes: []weighted{{"371", .25}, {"372", .15}, {"373", .2}, {"374", .15}, {"376", .05}, {"377", .05}, {"378", .10}, {"379", .05}},
		nCore: 53, nBelow: 80, target: 200, sigma: 1.3, opm: 0.8, growth: growEquipment, affinity: affEquipment,
		words: []string{"轨道交通装备", "船舶", "航空科技", "车辆"}, scope: []string{"轨道交通专用设备制造", "船舶制造", "航空器零部件制造"}},
	{id: "light", nameZh: "轻纺", prof: profLight,
		codes: []weighted{{"17", .2}, {"18", .15}, {"19", .08}, {"20", .12}, {"21", .15}, {"22", .12}, {"23", .12}, {"24", .06}},
		nCore: 477, nBelow: 2100, target: 700, large: 1, sigma: 1.3, opm: 0.6, growth: growLight, affinity: affLight,
		words: []string{"实业", "轻工"},
		classWords: map[string][]string{"17": {"纺织", "织造"}, "18": {"服饰", "服装"}, "19": {"鞋业", "皮革"}, "20": {"木业", "竹木制品"},
			"21": {"家具"}, "22": {"纸业", "包装"}, "23": {"印务", "印刷"}, "24": {"文化用品", "体育用品", "工艺品"}},
		scope: []string{"纺织品销售", "家具制造", "包装材料及制品销售", "服装制造", "包装装潢印刷品印刷"}},
	{id: "rubber_plastics", nameZh: "橡胶和塑料制品", prof: profRubber,
		codes: []weighted{{"291", .3}, {"292", .7}},
		nCore: 297, nBelow: 800, target: 400, sigma: 1.3, opm: 0.8, growth: growOther, affinity: affNone,
		words: []string{"橡胶", "塑胶", "塑料制品", "塑业"}, scope: []string{"塑料制品制造", "橡胶制品制造", "汽车零部件及配件制造"}},
	{id: "non_metallic", nameZh: "非金属矿物制品", prof: profNonMetal,
		codes: []weighted{{"301", .15}, {"302", .20}, {"303", .25}, {"304", .08}, {"305", .08}, {"307", .12}, {"308", .05}, {"309", .07}},
		nCore: 530, nBelow: 1200, target: 700, large: 1, sigma: 1.3, opm: 0.45, growth: growMaterials, affinity: affNonMetal,
		words: []string{"建材", "水泥", "新型建材", "石材"}, classWords: map[string][]string{"304": {"玻璃"}, "305": {"玻璃制品"}, "307": {"陶瓷"}, "308": {"耐火材料"}},
		scope: []string{"水泥制品制造", "建筑材料销售", "砼结构构件制造", "非金属矿物制品制造"}},
	{id: "chem_other", nameZh: "其他化学原料和化学制品", prof: profChem,
		codes: []weighted{{"261", .25}, {"262", .12}, {"263", .06}, {"264", .15}, {"267", .05}, {"268", .37}},
		nCore: 170, nBelow: 300, target: 450, large: 1, sigma: 1.3, opm: 0.8, growth: growMaterials, affinity: affChem,
		words: []string{"化工", "化学", "日化"}, classWords: map[string][]string{"262": {"化肥"}, "264": {"涂料", "油墨"}},
		scope: []string{"化工产品生产", "日用化学产品制造", "涂料制造"}},
	{id: "petroleum", nameZh: "石油、煤炭及其他燃料加工", prof: profPetro,
		codes: []weighted{{"251", .4}, {"252", .6}},
		nCore: 13, nBelow: 20, target: 50, sigma: 1.2, opm: 0.8, growth: growOther, affinity: affMining,
		words: []string{"能源", "石化", "焦化"}, scope: []string{"石油制品销售", "煤炭洗选"}},
	{id: "other_manufacturing", nameZh: "其他制造、废弃资源利用和修理", prof: profLight,
		codes: []weighted{{"41", .3}, {"42", .4}, {"43", .3}},
		nCore: 74, nBelow: 300, target: 100, sigma: 1.2, opm: 0.6, growth: growOther, affinity: affNone,
		words: []string{"再生资源", "环保科技", "设备维修", "日用品"}, scope: []string{"再生资源回收", "再生资源加工", "通用设备修理"}},
	{id: "mining", nameZh: "采矿业", prof: profMining,
		codes: []weighted{{"06", .35}, {"07", .15}, {"08", .05}, {"09", .05}, {"10", .35}, {"11", .05}},
		nCore: 106, nBelow: 250, target: 200, large: 1, sigma: 1.3, opm: 0.3, growth: growMining, affinity: affMining,
		words: []string{"矿业", "煤业", "能源"}, classWords: map[string][]string{"07": {"页岩气", "天然气"}, "10": {"石材", "矿业"}},
		scope: []string{"矿产资源开采", "非煤矿山矿产资源开采", "矿物洗选加工"}},
	{id: "utilities", nameZh: "电力、燃气及水的生产和供应", prof: profUtility,
		codes:   []weighted{{"441", .30}, {"442", .10}, {"443", .03}, {"451", .30}, {"461", .17}, {"462", .10}},
		giantAt: []string{"4420", "4411"},
		nCore:   191, nBelow: 250, target: 1000, giants: 2, large: 1, giantCap: 5e6, sigma: 1.4, opm: 1.0,
		growth: growUtility, season: seasonUtility, flat: true,
		words:      []string{"能源", "电力"},
		classWords: map[string][]string{"441": {"发电", "电力", "能源"}, "442": {"供电", "电力"}, "443": {"热力"}, "45": {"燃气", "天然气"}, "46": {"水务", "供水"}, "462": {"污水处理", "环保"}},
		scope:      []string{"发电业务、输电业务、供（配）电业务", "燃气经营", "自来水生产与供应", "污水处理及其再生利用"}},
	{id: "software", nameZh: "软件信息服务", kind: kindSoftware, prof: profSoftware,
		codes: []weighted{{"651", .32}, {"652", .05}, {"653", .20}, {"654", .06}, {"655", .06}, {"656", .06}, {"657", .08}, {"659", .05}, {"64", .12}},
		nCore: 3000, target: 3000, large: 2, sigma: 1.6, growth: growSoftware,
		words:      []string{"软件", "信息技术", "网络科技", "数据科技", "数字科技", "智能科技", "科技"},
		classWords: map[string][]string{"652": {"芯片设计", "微电子"}, "657": {"数字内容", "动漫"}, "64": {"网络科技", "互联网科技"}},
		scope:      []string{"软件开发", "信息系统集成服务", "数据处理和存储支持服务", "人工智能应用软件开发", "物联网技术服务", "信息技术咨询服务"}},
}
