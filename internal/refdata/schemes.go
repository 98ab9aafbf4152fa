package refdata

import (
	"embed"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// A benefit-per-mu (亩均效益) evaluation scheme is data, not code: every
// province, city and district tunes the indicators, weights, benchmarks,
// class bands, vetoes and surcharges each year (DOMAIN.md §2). So a scheme
// is a YAML file, validated with line numbers like a cluster system, and the
// embedded presets in data/schemes/ are only starting points.

//go:embed data/schemes/*.yaml
var schemeFS embed.FS

// SchemeFields are the annual facts an indicator formula may name, with
// their units in the store (money in 10k yuan).
var SchemeFields = []SchemeField{
	{"land_mu", "mu", "用地面积"},
	{"revenue", "10k yuan", "营业收入"},
	{"output_value", "10k yuan", "工业总产值"},
	{"value_added", "10k yuan", "工业增加值"},
	{"tax", "10k yuan", "实缴税金"},
	{"energy_tce", "tce", "综合能耗（等价值）"},
	{"electricity_kwh", "kWh", "用电量"},
	{"emissions_t", "equivalent t", "主要污染物排放当量"},
	{"rd_spend", "10k yuan", "研发经费支出"},
	{"employees", "persons", "年平均职工人数"},
}

// SchemeField is one annual fact usable in an indicator formula.
type SchemeField struct {
	Name   string `json:"name"`
	Unit   string `json:"unit"`
	NameZh string `json:"name_zh"`
}

// Firm populations a scheme can cover (Scope.Firms).
const (
	FirmsAboveSize = "above_size" // 规上: above designated size in the evaluation year
	FirmsBelowSize = "below_size" // 规下: below it (usually with a minimum land area)
	FirmsAll       = "all"
)

// Benchmark rules (BenchmarkRule.Rule). mean, median and value are the
// composite-indicator engine's ratio benchmarks; aggregate is the
// jurisdiction's own ratio, Σ numerator ÷ Σ denominator over the firms in
// scope (how statistical yearbooks state "tax per mu of the district").
const (
	BenchmarkMean      = "mean"
	BenchmarkMedian    = "median"
	BenchmarkValue     = "value"
	BenchmarkAggregate = "aggregate"
)

// Missing-value rules (SchemeIndicator.Missing).
const (
	// MissingZero scores a missing item 0 (the firm did not report it).
	MissingZero = "zero"
	// MissingAverage gives a missing item the average item score of the
	// firms that have it (DOMAIN.md §2: missing emission data).
	MissingAverage = "average"
)

// Classification methods (SchemeClasses.Method).
const (
	ClassByBands      = "bands"      // by rank: cumulative shares of the rated firms
	ClassByThresholds = "thresholds" // by score: each class's minimum score
)

// Vetoes (SchemeVeto.Flag): yearly flags of the annual facts.
const (
	VetoSafetyAccident = "safety_accident"
	VetoEnvViolation   = "env_violation"
)

// Unrated rules (SchemeUnrated.Rule): firms evaluated but not classified.
const (
	UnratedYoung             = "younger_than_years"
	UnratedUnderConstruction = "under_construction"
	UnratedUtility           = "utility"
	UnratedNewlyAboveSize    = "newly_above_size"
	UnratedMissingLand       = "missing_land"
)

// DefaultAboveSizeRevenue is the statistical threshold of an above-size
// (规上) industrial enterprise: main business revenue ≥ 20 million yuan, in
// 10k yuan.
const DefaultAboveSizeRevenue = 2000

// Scheme is one benefit-per-mu evaluation scheme. A Scheme returned by this
// package is shared: treat it as read-only.
type Scheme struct {
	ID      string `yaml:"id" json:"id" refdata:"required"`
	NameZh  string `yaml:"name_zh" json:"name_zh" refdata:"required"`
	NameEn  string `yaml:"name_en" json:"name_en" refdata:"required"`
	Version string `yaml:"version" json:"version" refdata:"required"`
	// Source says where the scheme comes from and which parts are local
	// defaults to be confirmed.
	Source string `yaml:"source" json:"source" refdata:"required"`
	Note   string `yaml:"note,omitempty" json:"note,omitempty"`
	Scope  Scope  `yaml:"scope" json:"scope" refdata:"required"`
	// Benchmark is the default benchmark rule; an indicator may override it.
	Benchmark  BenchmarkRule     `yaml:"benchmark" json:"benchmark" refdata:"required"`
	Indicators []SchemeIndicator `yaml:"indicators" json:"indicators" refdata:"required"`
	Classes    SchemeClasses     `yaml:"classes" json:"classes" refdata:"required"`
	Vetoes     []SchemeVeto      `yaml:"vetoes,omitempty" json:"vetoes,omitempty"`
	Unrated    []SchemeUnrated   `yaml:"unrated,omitempty" json:"unrated,omitempty"`
	Policies   []SchemePolicy    `yaml:"policies,omitempty" json:"policies,omitempty"`

	source []byte
}

// Scope says which enterprises a scheme evaluates.
type Scope struct {
	// Firms is above_size, below_size or all.
	Firms string `yaml:"firms" json:"firms" refdata:"required"`
	// BelowSizeMinLandMu is the land a below-size firm needs to be
	// evaluated (3 mu in Zhejiang, 5 in some places); 0 means no minimum.
	BelowSizeMinLandMu float64 `yaml:"below_size_min_land_mu,omitempty" json:"below_size_min_land_mu,omitempty"`
	// AboveSizeRevenue is the revenue threshold (10k yuan) that decides
	// above-size status in a year whose status the data does not record;
	// 0 means DefaultAboveSizeRevenue.
	AboveSizeRevenue float64 `yaml:"above_size_revenue,omitempty" json:"above_size_revenue,omitempty"`
	// ManufacturingOnly keeps GB/T 4754 section C (divisions 13–43).
	ManufacturingOnly bool `yaml:"manufacturing_only" json:"manufacturing_only"`
	// IncludeIndustries, when set, keeps only firms whose code lies at or
	// below one of these codes; ExcludeIndustries removes codes.
	IncludeIndustries []string `yaml:"include_industries,omitempty" json:"include_industries,omitempty"`
	ExcludeIndustries []string `yaml:"exclude_industries,omitempty" json:"exclude_industries,omitempty"`
}

// BenchmarkRule is how an indicator's benchmark is set: the item score is
// min(value ÷ (k × benchmark), cap) × weight.
type BenchmarkRule struct {
	// Rule is mean, median, value or aggregate.
	Rule string `yaml:"rule" json:"rule" refdata:"required"`
	// Value is the fixed benchmark for rule value.
	Value float64 `yaml:"value,omitempty" json:"value,omitempty"`
	// K multiplies the benchmark (Huai'an: about 2 × the county average);
	// 0 means 1.
	K float64 `yaml:"k,omitempty" json:"k,omitempty"`
	// Cap bounds value ÷ benchmark; 0 means no cap.
	Cap float64 `yaml:"cap,omitempty" json:"cap,omitempty"`
}

// SchemeIndicator is one scored indicator: num ÷ den × scale over one
// enterprise's annual facts (or Σ num ÷ Σ den for a park or unit). Every
// indicator is "higher is better": write energy intensity as value added ÷
// energy.
type SchemeIndicator struct {
	ID     string  `yaml:"id" json:"id" refdata:"required"`
	NameZh string  `yaml:"name_zh" json:"name_zh" refdata:"required"`
	NameEn string  `yaml:"name_en" json:"name_en" refdata:"required"`
	Num    string  `yaml:"num" json:"num" refdata:"required"`
	Den    string  `yaml:"den" json:"den" refdata:"required"`
	Scale  float64 `yaml:"scale,omitempty" json:"scale,omitempty"` // 0 means 1
	Unit   string  `yaml:"unit" json:"unit" refdata:"required"`
	Weight float64 `yaml:"weight" json:"weight" refdata:"required"`
	// Missing is zero (default) or average.
	Missing   string         `yaml:"missing,omitempty" json:"missing,omitempty"`
	Benchmark *BenchmarkRule `yaml:"benchmark,omitempty" json:"benchmark,omitempty"`
}

// SchemeClasses are the grades, best first.
type SchemeClasses struct {
	Method string        `yaml:"method" json:"method" refdata:"required"`
	List   []SchemeClass `yaml:"list" json:"list" refdata:"required"`
	// Unrated is the label of evaluated but unclassified firms; "" means U.
	Unrated       string `yaml:"unrated,omitempty" json:"unrated,omitempty"`
	UnratedNameZh string `yaml:"unrated_name_zh,omitempty" json:"unrated_name_zh,omitempty"`
	UnratedNameEn string `yaml:"unrated_name_en,omitempty" json:"unrated_name_en,omitempty"`
}

// SchemeClass is one grade.
type SchemeClass struct {
	ID     string `yaml:"id" json:"id" refdata:"required"`
	NameZh string `yaml:"name_zh" json:"name_zh" refdata:"required"`
	NameEn string `yaml:"name_en" json:"name_en" refdata:"required"`
	// UpTo is the cumulative share of rated firms up to and including this
	// class (bands); the last class must reach 1.
	UpTo float64 `yaml:"up_to,omitempty" json:"up_to,omitempty"`
	// Min is the class's lowest score (thresholds); the last class takes
	// every score below the one before it.
	Min *float64 `yaml:"min,omitempty" json:"min,omitempty"`
}

// SchemeVeto caps a flagged firm's class: a safety accident or an
// environmental violation → cannot be A or B (cap C).
type SchemeVeto struct {
	Flag     string `yaml:"flag" json:"flag" refdata:"required"`
	Cap      string `yaml:"cap" json:"cap" refdata:"required"`
	ReasonZh string `yaml:"reason_zh" json:"reason_zh" refdata:"required"`
	ReasonEn string `yaml:"reason_en" json:"reason_en" refdata:"required"`
}

// SchemeUnrated is one rule that makes a firm "evaluated, not classified".
type SchemeUnrated struct {
	Rule string `yaml:"rule" json:"rule" refdata:"required"`
	// Years is the minimum age for younger_than_years, measured at the end
	// of the evaluation year.
	Years    int    `yaml:"years,omitempty" json:"years,omitempty"`
	ReasonZh string `yaml:"reason_zh" json:"reason_zh" refdata:"required"`
	ReasonEn string `yaml:"reason_en" json:"reason_en" refdata:"required"`
}

// SchemePolicy is what a class means for a firm (差别化政策).
type SchemePolicy struct {
	Class string `yaml:"class" json:"class" refdata:"required"`
	// ElectricitySurcharge is added to the price of every kWh, yuan/kWh.
	ElectricitySurcharge float64 `yaml:"electricity_surcharge_yuan_per_kwh" json:"electricity_surcharge_yuan_per_kwh"`
	// WaterSurchargePct is the water-price mark-up, percent.
	WaterSurchargePct float64 `yaml:"water_surcharge_pct" json:"water_surcharge_pct"`
	// LandUseTaxReliefPct is the share of urban land-use tax refunded, percent.
	LandUseTaxReliefPct float64 `yaml:"land_use_tax_relief_pct" json:"land_use_tax_relief_pct"`
	Note                string  `yaml:"note,omitempty" json:"note,omitempty"`
}

// YAML returns the text the scheme was parsed from: the snapshot an
// evaluation run keeps.
func (s *Scheme) YAML() []byte { return s.source }

// UnratedClass is the label of evaluated but unclassified firms.
func (s *Scheme) UnratedClass() string {
	if s.Classes.Unrated != "" {
		return s.Classes.Unrated
	}
	return "U"
}

// ClassIDs lists the grades best first, without the unrated label.
func (s *Scheme) ClassIDs() []string {
	out := make([]string, len(s.Classes.List))
	for i, c := range s.Classes.List {
		out[i] = c.ID
	}
	return out
}

// Policy returns the policy of a class, and whether the scheme has one.
func (s *Scheme) Policy(class string) (SchemePolicy, bool) {
	for _, p := range s.Policies {
		if p.Class == class {
			return p, true
		}
	}
	return SchemePolicy{}, false
}

// TotalWeight is Σ weights: the score of a firm exactly at every benchmark.
func (s *Scheme) TotalWeight() float64 {
	var w float64
	for _, ind := range s.Indicators {
		w += ind.Weight
	}
	return w
}

// AboveSizeThreshold is the revenue threshold in 10k yuan.
func (s *Scheme) AboveSizeThreshold() float64 {
	if s.Scope.AboveSizeRevenue > 0 {
		return s.Scope.AboveSizeRevenue
	}
	return DefaultAboveSizeRevenue
}

// BenchmarkOf returns the indicator's benchmark rule (its own, else the
// scheme's), with K defaulted to 1.
func (s *Scheme) BenchmarkOf(ind SchemeIndicator) BenchmarkRule {
	b := s.Benchmark
	if ind.Benchmark != nil {
		b = *ind.Benchmark
	}
	if b.K == 0 {
		b.K = 1
	}
	return b
}

// ScaleOf returns the indicator's scale (1 when not given).
func (ind SchemeIndicator) ScaleOf() float64 {
	if ind.Scale == 0 {
		return 1
	}
	return ind.Scale
}

// MissingRule returns the indicator's missing-value rule (zero by default).
func (ind SchemeIndicator) MissingRule() string {
	if ind.Missing == "" {
		return MissingZero
	}
	return ind.Missing
}

// ---- embedded presets -----------------------------------------------------

var (
	schemesOnce sync.Once
	schemes     []*Scheme
)

// Schemes returns the embedded presets sorted by id, parsed once.
func Schemes() []*Scheme {
	schemesOnce.Do(func() {
		entries, err := schemeFS.ReadDir("data/schemes")
		if err != nil {
			panic("refdata: " + err.Error())
		}
		for _, e := range entries {
			data, err := schemeFS.ReadFile("data/schemes/" + e.Name())
			if err != nil {
				panic("refdata: " + err.Error())
			}
			s, _, err := ParseScheme(e.Name(), data)
			if err != nil {
				// The tests parse every preset, so this is a broken build.
				panic("refdata: embedded scheme is invalid: " + err.Error())
			}
			schemes = append(schemes, s)
		}
		sort.Slice(schemes, func(i, j int) bool { return schemes[i].ID < schemes[j].ID })
	})
	return schemes
}

// SchemeByID returns the embedded preset with the given id.
func SchemeByID(id string) (*Scheme, bool) {
	for _, s := range Schemes() {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// ---- parsing ----------------------------------------------------------------

// ParseScheme reads a scheme from YAML and validates it; name is the file
// name used in findings, which carry line and column like a compiler's
// (FILE:LINE:COL: error: message). The format (fields marked * are
// required):
//
//	id*, name_zh*, name_en*, version*, source*, note
//	scope*: {firms* (above_size|below_size|all), below_size_min_land_mu, above_size_revenue,
//	         manufacturing_only, include_industries, exclude_industries}
//	benchmark*: {rule* (mean|median|value|aggregate), value, k, cap}
//	indicators*: list of {id*, name_zh*, name_en*, num*, den*, scale, unit*, weight*,
//	                      missing (zero|average), benchmark}
//	classes*: {method* (bands|thresholds), list*: [{id*, name_zh*, name_en*, up_to | min}],
//	           unrated, unrated_name_zh, unrated_name_en}
//	vetoes: list of {flag* (safety_accident|env_violation), cap* (a class), reason_zh*, reason_en*}
//	unrated: list of {rule* (younger_than_years|under_construction|utility|newly_above_size|
//	                  missing_land), years, reason_zh*, reason_en*}
//	policies: list of {class*, electricity_surcharge_yuan_per_kwh, water_surcharge_pct,
//	                   land_use_tax_relief_pct, note}
//
// num and den name annual facts (SchemeFields). Errors: YAML syntax, unknown
// or repeated fields, missing required fields, wrong types, bad ids,
// duplicate ids, unknown fields in formulas, a formula dividing a field by
// itself, non-positive scales, negative weights or an all-zero weight
// vector, unknown rules, a value benchmark without a positive value,
// negative k or cap, bands that do not rise to 1, thresholds that do not
// fall, vetoes or policies naming unknown classes, percentages outside
// 0–100, codes not in GB/T 4754-2017. Warnings: weights not summing to 100,
// a cap below 1, vetoes capping at the top class, rules that cannot apply to
// the scope, classes without a policy.
//
// The error is non-nil, and the scheme nil, exactly when a finding has
// severity error. Findings are sorted by position.
func ParseScheme(name string, data []byte) (*Scheme, []ClusterFinding, error) {
	p := &parser{file: name, nodes: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	s := &Scheme{}
	if root := p.parseYAML(data); root != nil {
		p.decode(root, reflect.ValueOf(s).Elem(), "")
		p.validateScheme(s)
	}
	if err := p.finish("scheme"); err != nil {
		return nil, p.findings, err
	}
	s.source = append([]byte(nil), data...)
	return s, p.findings, nil
}

func isField(name string) bool {
	for _, f := range SchemeFields {
		if f.Name == name {
			return true
		}
	}
	return false
}

func fieldNames() string {
	names := make([]string, len(SchemeFields))
	for i, f := range SchemeFields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// validateScheme checks what the types cannot say, on whatever decoded, so
// one pass reports as much as possible.
func (p *parser) validateScheme(s *Scheme) {
	p.checkID(s.ID, "id")
	classes := map[string]int{}
	p.validateSchemeClasses(s, classes)
	p.validateScope(s)
	p.validateBenchmark(s.Benchmark, "benchmark")
	seen := map[string]int{}
	var total float64
	for i, ind := range s.Indicators {
		path := fmt.Sprintf("indicators[%d]", i)
		p.checkID(ind.ID, path+".id")
		p.checkDuplicate(seen, ind.ID, i, path+".id", "indicators[%d].id", "indicator", "指标")
		for _, f := range []struct{ name, v string }{{"num", ind.Num}, {"den", ind.Den}} {
			if f.v != "" && !isField(f.v) {
				p.errorf(nil, path+"."+f.name, fmt.Sprintf("%s %q is not an annual fact; use one of %s", f.name, f.v, fieldNames()),
					fmt.Sprintf("%s %q 不是年度数据字段，可用：%s", f.name, f.v, fieldNames()))
			}
		}
		if ind.Num != "" && ind.Num == ind.Den {
			p.errorf(nil, path+".den", fmt.Sprintf("indicator %q divides %s by itself", ind.ID, ind.Num),
				fmt.Sprintf("指标 %q 以 %s 除以自身", ind.ID, ind.Num))
		}
		if ind.Scale < 0 {
			p.errorf(nil, path+".scale", fmt.Sprintf("scale %g must be positive", ind.Scale), fmt.Sprintf("scale %g 必须为正数", ind.Scale))
		}
		if ind.Weight < 0 {
			p.errorf(nil, path+".weight", fmt.Sprintf("weight %g must not be negative", ind.Weight), fmt.Sprintf("权重 %g 不能为负", ind.Weight))
		}
		total += ind.Weight
		switch ind.Missing {
		case "", MissingZero, MissingAverage:
		default:
			p.errorf(nil, path+".missing", fmt.Sprintf("missing %q: use zero or average", ind.Missing),
				fmt.Sprintf("missing %q 无效，应为 zero 或 average", ind.Missing))
		}
		if ind.Benchmark != nil {
			p.validateBenchmark(*ind.Benchmark, path+".benchmark")
		}
	}
	if len(s.Indicators) > 0 && total <= 0 {
		p.errorf(nil, "indicators", "every weight is zero: no firm could score", "所有权重均为零，无法计分")
	} else if len(s.Indicators) > 0 && math.Abs(total-100) > 1e-9 {
		p.warnf(nil, "indicators", fmt.Sprintf("the weights add up to %g, not 100: a firm at every benchmark scores %g", total, total),
			fmt.Sprintf("权重之和为 %g 而非 100：各项均达基准的企业得 %g 分", total, total))
	}
	vetoes := map[string]int{}
	for i, v := range s.Vetoes {
		path := fmt.Sprintf("vetoes[%d]", i)
		switch v.Flag {
		case VetoSafetyAccident, VetoEnvViolation:
			p.checkDuplicate(vetoes, v.Flag, i, path+".flag", "vetoes[%d].flag", "veto", "否决项")
		case "":
		default:
			p.errorf(nil, path+".flag", fmt.Sprintf("veto flag %q: use safety_accident or env_violation", v.Flag),
				fmt.Sprintf("否决项 %q 无效，应为 safety_accident 或 env_violation", v.Flag))
		}
		if k, ok := classes[v.Cap]; !ok && v.Cap != "" {
			p.errorf(nil, path+".cap", fmt.Sprintf("cap %q is not a class of this scheme (%s)", v.Cap, strings.Join(s.ClassIDs(), ", ")),
				fmt.Sprintf("cap %q 不是本方案的等级（%s）", v.Cap, strings.Join(s.ClassIDs(), ", ")))
		} else if ok && k == 0 {
			p.warnf(nil, path+".cap", fmt.Sprintf("a cap at the top class %q has no effect", v.Cap),
				fmt.Sprintf("封顶于最高等级 %q 不起作用", v.Cap))
		}
	}
	rules := map[string]int{}
	for i, u := range s.Unrated {
		path := fmt.Sprintf("unrated[%d]", i)
		switch u.Rule {
		case UnratedYoung:
			if u.Years <= 0 {
				p.errorf(nil, path+".years", "younger_than_years needs years ≥ 1", "younger_than_years 需要 years ≥ 1")
			}
		case UnratedUnderConstruction, UnratedUtility, UnratedMissingLand:
		case UnratedNewlyAboveSize:
			if s.Scope.Firms == FirmsBelowSize {
				p.warnf(nil, path+".rule", "newly_above_size cannot apply to a below-size scope", "规下范围不适用 newly_above_size")
			}
		case "":
		default:
			p.errorf(nil, path+".rule", fmt.Sprintf("unrated rule %q: use younger_than_years, under_construction, utility, newly_above_size or missing_land", u.Rule),
				fmt.Sprintf("不定级规则 %q 无效，应为 younger_than_years、under_construction、utility、newly_above_size 或 missing_land", u.Rule))
		}
		if u.Rule != UnratedYoung && u.Years != 0 {
			p.errorf(nil, path+".years", fmt.Sprintf("years applies only to younger_than_years, not %s", u.Rule),
				fmt.Sprintf("years 仅适用于 younger_than_years，不适用于 %s", u.Rule))
		}
		p.checkDuplicate(rules, u.Rule, i, path+".rule", "unrated[%d].rule", "unrated rule", "不定级规则")
	}
	pol := map[string]int{}
	for i, pl := range s.Policies {
		path := fmt.Sprintf("policies[%d]", i)
		if _, ok := classes[pl.Class]; !ok && pl.Class != "" && pl.Class != s.UnratedClass() {
			p.errorf(nil, path+".class", fmt.Sprintf("class %q is not a class of this scheme", pl.Class),
				fmt.Sprintf("等级 %q 不是本方案的等级", pl.Class))
		}
		p.checkDuplicate(pol, pl.Class, i, path+".class", "policies[%d].class", "policy class", "政策等级")
		if pl.ElectricitySurcharge < 0 {
			p.errorf(nil, path+".electricity_surcharge_yuan_per_kwh", "the electricity surcharge must not be negative", "电价加价不能为负")
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{"water_surcharge_pct", pl.WaterSurchargePct}, {"land_use_tax_relief_pct", pl.LandUseTaxReliefPct}} {
			if f.v < 0 || f.v > 100 {
				p.errorf(nil, path+"."+f.name, fmt.Sprintf("%s %g must be between 0 and 100", f.name, f.v),
					fmt.Sprintf("%s %g 应在 0 到 100 之间", f.name, f.v))
			}
		}
	}
	if len(s.Policies) > 0 {
		for _, c := range s.Classes.List {
			if _, ok := pol[c.ID]; !ok && c.ID != "" {
				p.warnf(nil, "policies", fmt.Sprintf("class %q has no policy: its firms get no surcharge and no relief", c.ID),
					fmt.Sprintf("等级 %q 没有对应政策：不加价也不减免", c.ID))
			}
		}
	}
}

func (p *parser) validateSchemeClasses(s *Scheme, classes map[string]int) {
	c := s.Classes
	switch c.Method {
	case ClassByBands, ClassByThresholds, "":
	default:
		p.errorf(nil, "classes.method", fmt.Sprintf("classes.method %q: use bands or thresholds", c.Method),
			fmt.Sprintf("classes.method %q 无效，应为 bands 或 thresholds", c.Method))
	}
	if len(c.List) == 1 {
		p.errorf(nil, "classes.list", "one class grades nobody: give at least two", "只有一个等级无法分类，至少需要两个")
	}
	for i, cl := range c.List {
		path := fmt.Sprintf("classes.list[%d]", i)
		if cl.ID != "" && (strings.TrimSpace(cl.ID) != cl.ID || strings.ContainsAny(cl.ID, ",;:\"")) {
			p.errorf(nil, path+".id", fmt.Sprintf("class id %q: no spaces, commas, colons or quotes", cl.ID), fmt.Sprintf("等级标识 %q 不能含空格、逗号、冒号或引号", cl.ID))
		}
		p.checkDuplicate(classes, cl.ID, i, path+".id", "classes.list[%d].id", "class", "等级")
		if cl.ID != "" && cl.ID == s.UnratedClass() {
			p.errorf(nil, path+".id", fmt.Sprintf("class %q is also the label of unrated firms; rename one (classes.unrated)", cl.ID),
				fmt.Sprintf("等级 %q 与不定级标签相同，请改名（classes.unrated）", cl.ID))
		}
		switch c.Method {
		case ClassByBands:
			prev := 0.0
			if i > 0 {
				prev = c.List[i-1].UpTo
			}
			if cl.Min != nil {
				p.errorf(nil, path+".min", "min belongs to thresholds; bands use up_to", "min 用于 thresholds，bands 应使用 up_to")
			}
			if !(cl.UpTo > prev) || cl.UpTo > 1 {
				p.errorf(nil, path+".up_to", fmt.Sprintf("up_to %g must be above the previous class's (%g) and at most 1", cl.UpTo, prev),
					fmt.Sprintf("up_to %g 应大于上一等级（%g）且不超过 1", cl.UpTo, prev))
			}
			if i == len(c.List)-1 && cl.UpTo != 1 {
				p.errorf(nil, path+".up_to", fmt.Sprintf("the last class must reach up_to 1 (every rated firm gets a class), not %g", cl.UpTo),
					fmt.Sprintf("最后一个等级的 up_to 必须为 1（每个定级企业都有等级），而非 %g", cl.UpTo))
			}
		case ClassByThresholds:
			if cl.UpTo != 0 {
				p.errorf(nil, path+".up_to", "up_to belongs to bands; thresholds use min", "up_to 用于 bands，thresholds 应使用 min")
			}
			last := i == len(c.List)-1
			switch {
			case !last && cl.Min == nil:
				p.errorf(nil, path, fmt.Sprintf("class %q needs min (its lowest score)", cl.ID), fmt.Sprintf("等级 %q 需要 min（最低分）", cl.ID))
			case last && cl.Min != nil:
				p.errorf(nil, path+".min", "the last class takes every lower score: leave out its min", "最后一个等级包含所有更低分数，请省略其 min")
			case i > 0 && cl.Min != nil && c.List[i-1].Min != nil && *cl.Min >= *c.List[i-1].Min:
				p.errorf(nil, path+".min", fmt.Sprintf("min %g must be below the better class's %g", *cl.Min, *c.List[i-1].Min),
					fmt.Sprintf("min %g 应低于上一等级的 %g", *cl.Min, *c.List[i-1].Min))
			}
		}
	}
}

func (p *parser) validateScope(s *Scheme) {
	sc := s.Scope
	switch sc.Firms {
	case FirmsAboveSize, FirmsBelowSize, FirmsAll, "":
	default:
		p.errorf(nil, "scope.firms", fmt.Sprintf("scope.firms %q: use above_size, below_size or all", sc.Firms),
			fmt.Sprintf("scope.firms %q 无效，应为 above_size、below_size 或 all", sc.Firms))
	}
	if sc.BelowSizeMinLandMu < 0 {
		p.errorf(nil, "scope.below_size_min_land_mu", "the minimum land must not be negative", "最小用地面积不能为负")
	}
	if sc.BelowSizeMinLandMu > 0 && sc.Firms == FirmsAboveSize {
		p.warnf(nil, "scope.below_size_min_land_mu", "below_size_min_land_mu has no effect when scope.firms is above_size",
			"scope.firms 为 above_size 时 below_size_min_land_mu 不起作用")
	}
	if sc.AboveSizeRevenue < 0 {
		p.errorf(nil, "scope.above_size_revenue", "the above-size revenue threshold must be positive", "规上营业收入门槛必须为正数")
	}
	ind := GBT4754()
	codes := func(field string, list []string) {
		for k, code := range list {
			cp := fmt.Sprintf("scope.%s[%d]", field, k)
			if _, ok := ind.Lookup(code); !ok {
				p.errorf(nil, cp, fmt.Sprintf("code %q is not in GB/T 4754-2017", code), fmt.Sprintf("代码 %q 不在 GB/T 4754-2017 中", code))
				continue
			}
			if sc.ManufacturingOnly && !ind.Contains("C", code) {
				p.warnf(nil, cp, fmt.Sprintf("code %s lies outside manufacturing (C), which manufacturing_only already leaves out", code),
					fmt.Sprintf("代码 %s 不属于制造业（C），manufacturing_only 已将其排除", code))
			}
		}
	}
	codes("include_industries", sc.IncludeIndustries)
	codes("exclude_industries", sc.ExcludeIndustries)
}

func (p *parser) validateBenchmark(b BenchmarkRule, path string) {
	switch b.Rule {
	case BenchmarkMean, BenchmarkMedian, BenchmarkAggregate:
		if b.Value != 0 {
			p.errorf(nil, path+".value", fmt.Sprintf("value applies only to rule value, not %s", b.Rule),
				fmt.Sprintf("value 仅适用于 rule value，不适用于 %s", b.Rule))
		}
	case BenchmarkValue:
		if !(b.Value > 0) {
			p.errorf(nil, path+".value", "rule value needs a positive value", "rule value 需要正的 value")
		}
	case "":
	default:
		p.errorf(nil, path+".rule", fmt.Sprintf("benchmark rule %q: use mean, median, value or aggregate", b.Rule),
			fmt.Sprintf("基准规则 %q 无效，应为 mean、median、value 或 aggregate", b.Rule))
	}
	if b.K < 0 {
		p.errorf(nil, path+".k", "k must be positive", "k 必须为正数")
	}
	if b.Cap < 0 {
		p.errorf(nil, path+".cap", "cap must not be negative", "cap 不能为负")
	} else if b.Cap > 0 && b.Cap < 1 {
		p.warnf(nil, path+".cap", fmt.Sprintf("cap %g is below 1: nobody can score above the benchmark", b.Cap),
			fmt.Sprintf("cap %g 小于 1：任何企业都不能超过基准", b.Cap))
	}
}
