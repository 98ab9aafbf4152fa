package refdata

import (
	"embed"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// A cluster system is data, not code: Chongqing's "33618", Zhejiang's "415X"
// and Shenzhen's "20+8" are the same pattern with other numbers, and the
// member lists are revised from year to year. So each system is a versioned
// YAML file, validated with line numbers, from which a Matcher is compiled.
//
// The embedded systems live in data/*.yaml; chongqing-33618.yaml is the
// default.

//go:embed data/*.yaml
var clusterSystemFS embed.FS

// DefaultClusterSystemID is the id of the system DefaultClusterSystem returns.
const DefaultClusterSystemID = "chongqing-33618"

// ClusterSystem is one version of a regional cluster system: its tiers, its
// clusters with their targets and GB/T 4754 membership rules, and the
// city-level targets of the plan that runs it.
//
// A ClusterSystem returned by this package is shared: treat it as read-only.
type ClusterSystem struct {
	ID            string `yaml:"id" json:"id" refdata:"required"`
	NameZh        string `yaml:"name_zh" json:"name_zh" refdata:"required"`
	NameEn        string `yaml:"name_en" json:"name_en" refdata:"required"`
	Version       string `yaml:"version" json:"version" refdata:"required"`
	EffectiveFrom Date   `yaml:"effective_from" json:"effective_from" refdata:"required"`
	// EffectiveTo is the last day the version applies; zero means open-ended.
	EffectiveTo Date `yaml:"effective_to,omitempty" json:"effective_to,omitzero"`
	// BaseYear is the year targets are measured from unless a target names
	// its own base year.
	BaseYear int `yaml:"base_year" json:"base_year" refdata:"required"`
	// Source says who published the system and how reliable the file is.
	Source           string            `yaml:"source" json:"source" refdata:"required"`
	StatusThresholds []StatusThreshold `yaml:"status_thresholds" json:"status_thresholds" refdata:"required"`
	Tiers            []Tier            `yaml:"tiers" json:"tiers" refdata:"required"`
	Clusters         []Cluster         `yaml:"clusters" json:"clusters" refdata:"required"`
	Targets          []CityTarget      `yaml:"targets,omitempty" json:"targets,omitempty"`

	// Indexes built after validation.
	clusterIdx  map[string]int
	tierIdx     map[string]int
	depth       []int // nesting depth per cluster: 0 for a top-level cluster
	matcherOnce sync.Once
	matcher     *Matcher
}

// StatusThreshold names the status of a target whose projected value reaches
// at least MinRatio × target. Thresholds are listed from the highest ratio
// down; the last one also takes every ratio below it.
type StatusThreshold struct {
	Status   string  `yaml:"status" json:"status" refdata:"required"`
	NameZh   string  `yaml:"name_zh" json:"name_zh" refdata:"required"`
	NameEn   string  `yaml:"name_en" json:"name_en" refdata:"required"`
	MinRatio float64 `yaml:"min_ratio" json:"min_ratio" refdata:"required"`
}

// Tier is a level of a cluster system, such as Chongqing's trillion-level
// leading clusters. A lower Order is a higher tier.
type Tier struct {
	ID     string `yaml:"id" json:"id" refdata:"required"`
	NameZh string `yaml:"name_zh" json:"name_zh" refdata:"required"`
	NameEn string `yaml:"name_en" json:"name_en" refdata:"required"`
	Order  int    `yaml:"order" json:"order" refdata:"required"`
	// ScaleFloor is the size a cluster of the tier is meant to reach; nil
	// when the tier has none (new-star clusters).
	ScaleFloor *Amount `yaml:"scale_floor,omitempty" json:"scale_floor,omitempty"`
}

// Amount is a value with its unit, e.g. 10000 100m_yuan (one trillion yuan).
type Amount struct {
	Value float64 `yaml:"value" json:"value" refdata:"required"`
	Unit  string  `yaml:"unit" json:"unit" refdata:"required"`
}

// Cluster is one industrial cluster of a system.
type Cluster struct {
	ID     string `yaml:"id" json:"id" refdata:"required"`
	NameZh string `yaml:"name_zh" json:"name_zh" refdata:"required"`
	NameEn string `yaml:"name_en" json:"name_en" refdata:"required"`
	Tier   string `yaml:"tier" json:"tier" refdata:"required"` // Tier.ID
	// Parent is the id of the cluster this one nests in, e.g. new displays
	// in electronics; empty for a top-level cluster. A nested cluster's codes
	// lie inside its parent's codes.
	Parent string `yaml:"parent,omitempty" json:"parent,omitempty"`
	// Verified is false for members that no published source confirms.
	Verified bool    `yaml:"verified" json:"verified" refdata:"required"`
	Note     string  `yaml:"note,omitempty" json:"note,omitempty"`
	Target   *Target `yaml:"target,omitempty" json:"target,omitempty"`
	Rules    Rules   `yaml:"rules" json:"rules" refdata:"required"`
}

// Metric is what a cluster target measures.
type Metric string

// The metrics a cluster target may use. Manufacturing clusters are usually
// steered on output value or revenue; services report revenue only.
const (
	MetricOutputValue Metric = "output_value" // 工业总产值
	MetricRevenue     Metric = "revenue"      // 营业收入
	MetricValueAdded  Metric = "value_added"  // 增加值
)

// Target is a cluster's published goal, e.g. revenue of 10000 100m_yuan in
// 2027. BaseValue and BaseYear, where known, anchor the trajectory.
type Target struct {
	Metric    Metric   `yaml:"metric" json:"metric" refdata:"required"`
	Value     float64  `yaml:"value" json:"value" refdata:"required"`
	Unit      string   `yaml:"unit" json:"unit" refdata:"required"`
	Year      int      `yaml:"year" json:"year" refdata:"required"`
	BaseValue *float64 `yaml:"base_value,omitempty" json:"base_value,omitempty"`
	BaseYear  int      `yaml:"base_year,omitempty" json:"base_year,omitempty"`
	Note      string   `yaml:"note,omitempty" json:"note,omitempty"`
}

// Rules decide which enterprises belong to a cluster; see Matcher.Match.
type Rules struct {
	// Include lists GB/T 4754-2017 codes at any level; an enterprise whose
	// code lies at or below one of them is a member.
	Include []string `yaml:"include,omitempty" json:"include,omitempty"`
	// Exclude lists codes carved out of Include (and of keyword matches).
	Exclude []string `yaml:"exclude,omitempty" json:"exclude,omitempty"`
	// Keywords add an enterprise whose code is not included when its
	// business scope (经营范围) contains one of them (ignoring the case of
	// Latin letters) and its code lies within KeywordCodes. The scope stops
	// a word such as 卫星 from pulling in a shop that sells satellite dishes.
	Keywords []string `yaml:"keywords,omitempty" json:"keywords,omitempty"`
	// KeywordCodes limit where Keywords apply; empty means every industry,
	// which the validator warns about.
	KeywordCodes []string `yaml:"keyword_codes,omitempty" json:"keyword_codes,omitempty"`
	// ExcludeKeywords remove an enterprise whose business scope contains one
	// of them, however it matched.
	ExcludeKeywords []string `yaml:"exclude_keywords,omitempty" json:"exclude_keywords,omitempty"`
}

// Direction says which side of a target counts as meeting it.
type Direction string

// Directions of a city target.
const (
	AtLeast Direction = "at_least" // the default: reach the value or more
	AtMost  Direction = "at_most"  // stay at or below it, e.g. an energy-intensity change of −13 %
)

// CityTarget is a system-wide goal of the plan, e.g. above-size industrial
// revenue of 4 trillion yuan by 2027. Metric is a free identifier because
// each plan names its own indicators.
type CityTarget struct {
	ID        string    `yaml:"id" json:"id" refdata:"required"`
	NameZh    string    `yaml:"name_zh" json:"name_zh" refdata:"required"`
	NameEn    string    `yaml:"name_en" json:"name_en" refdata:"required"`
	Metric    string    `yaml:"metric" json:"metric" refdata:"required"`
	Value     float64   `yaml:"value" json:"value" refdata:"required"`
	Unit      string    `yaml:"unit" json:"unit" refdata:"required"`
	Year      int       `yaml:"year" json:"year" refdata:"required"`
	BaseValue *float64  `yaml:"base_value,omitempty" json:"base_value,omitempty"`
	BaseYear  int       `yaml:"base_year,omitempty" json:"base_year,omitempty"`
	Direction Direction `yaml:"direction,omitempty" json:"direction,omitempty"` // empty means AtLeast
	Note      string    `yaml:"note,omitempty" json:"note,omitempty"`
}

// Date is a calendar day, written YYYY-MM-DD; the zero Date means "not set".
type Date struct{ time.Time }

const dateLayout = "2006-01-02"

// String returns the date as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(dateLayout)
}

// MarshalText writes the date as YYYY-MM-DD, so JSON and YAML show a day
// rather than a timestamp.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalJSON writes the date as a YYYY-MM-DD string. Without it the
// embedded time.Time's MarshalJSON would win and print a timestamp.
func (d Date) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(d.String())), nil }

// UnmarshalJSON reads a YYYY-MM-DD string (or "" for the zero Date).
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("date must be a YYYY-MM-DD string: %w", err)
	}
	return d.UnmarshalText([]byte(s))
}

// UnmarshalText reads YYYY-MM-DD; an empty text gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	t, err := time.Parse(dateLayout, string(b))
	if err != nil {
		return err
	}
	*d = Date{t}
	return nil
}

// Units a cluster system may use, with their value in yuan for money units
// (0 for the others). Money units are required wherever a figure is compared
// with enterprise money data: tier floors and cluster targets.
var clusterUnits = map[string]float64{
	"yuan":                1,
	"10k_yuan":            1e4,
	"100m_yuan":           1e8,
	"percent":             0,
	"10k_yuan_per_person": 0,
}

// UnitInYuan returns how many yuan one unit is worth for the money units
// of a cluster system (yuan, 10k_yuan, 100m_yuan).
func UnitInYuan(unit string) (float64, bool) {
	v := clusterUnits[unit]
	return v, v > 0
}

// ---- embedded systems ---------------------------------------------------

var (
	clusterSystemsOnce sync.Once
	clusterSystems     []*ClusterSystem
)

// ClusterSystems returns every embedded cluster system, sorted by id and
// then by effective date. They are parsed once, on first use.
func ClusterSystems() []*ClusterSystem {
	clusterSystemsOnce.Do(func() {
		entries, err := clusterSystemFS.ReadDir("data")
		if err != nil {
			panic("refdata: " + err.Error())
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".yaml") {
				continue
			}
			data, err := clusterSystemFS.ReadFile("data/" + e.Name())
			if err != nil {
				panic("refdata: " + err.Error())
			}
			cs, _, err := ParseClusterSystem(e.Name(), data)
			if err != nil {
				// The tests parse every embedded file, so this means a
				// broken build, not bad user input.
				panic("refdata: embedded cluster system is invalid: " + err.Error())
			}
			clusterSystems = append(clusterSystems, cs)
		}
		sort.Slice(clusterSystems, func(i, j int) bool {
			a, b := clusterSystems[i], clusterSystems[j]
			if a.ID != b.ID {
				return a.ID < b.ID
			}
			return a.EffectiveFrom.Before(b.EffectiveFrom.Time)
		})
	})
	return clusterSystems
}

// DefaultClusterSystem returns the embedded Chongqing "33618" system (the
// latest version when several are embedded).
func DefaultClusterSystem() *ClusterSystem {
	var found *ClusterSystem
	for _, cs := range ClusterSystems() {
		if cs.ID == DefaultClusterSystemID {
			found = cs // sorted by date, so the last one is the latest
		}
	}
	if found == nil {
		panic("refdata: default cluster system " + DefaultClusterSystemID + " is not embedded")
	}
	return found
}

// ---- look-ups -----------------------------------------------------------

// Cluster returns the cluster with the given id.
func (cs *ClusterSystem) Cluster(id string) (*Cluster, bool) {
	i, ok := cs.clusterIdx[id]
	if !ok {
		return nil, false
	}
	return &cs.Clusters[i], true
}

// Tier returns the tier with the given id.
func (cs *ClusterSystem) Tier(id string) (*Tier, bool) {
	i, ok := cs.tierIdx[id]
	if !ok {
		return nil, false
	}
	return &cs.Tiers[i], true
}

// ClustersInTier returns the clusters of a tier in file order.
func (cs *ClusterSystem) ClustersInTier(tier string) []*Cluster {
	var out []*Cluster
	for i := range cs.Clusters {
		if cs.Clusters[i].Tier == tier {
			out = append(out, &cs.Clusters[i])
		}
	}
	return out
}

// Children returns the clusters nested directly in the given one, in file
// order.
func (cs *ClusterSystem) Children(id string) []*Cluster {
	var out []*Cluster
	for i := range cs.Clusters {
		if cs.Clusters[i].Parent == id {
			out = append(out, &cs.Clusters[i])
		}
	}
	return out
}

// Unverified returns the clusters that no published source confirms.
func (cs *ClusterSystem) Unverified() []*Cluster {
	var out []*Cluster
	for i := range cs.Clusters {
		if !cs.Clusters[i].Verified {
			out = append(out, &cs.Clusters[i])
		}
	}
	return out
}

// EffectiveOn reports whether this version applies on the given day.
func (cs *ClusterSystem) EffectiveOn(day time.Time) bool {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if d.Before(cs.EffectiveFrom.Time) {
		return false
	}
	return cs.EffectiveTo.IsZero() || !d.After(cs.EffectiveTo.Time)
}

// Status returns the threshold that a projected ÷ target ratio reaches: the
// first whose MinRatio the ratio meets, else the last one (which also takes
// NaN, e.g. from a zero target).
func (cs *ClusterSystem) Status(ratio float64) StatusThreshold {
	for _, t := range cs.StatusThresholds {
		if ratio >= t.MinRatio {
			return t
		}
	}
	return cs.StatusThresholds[len(cs.StatusThresholds)-1]
}

// ---- findings -----------------------------------------------------------

// Severity of a ClusterFinding.
type Severity string

// An error makes the file unusable; a warning points at something that is
// probably unintended but still has a clear meaning.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// ClusterFinding is one problem found in a cluster-system file, located by
// line and column (1-based; 0 when unknown) and by Path, e.g.
// clusters[4].rules.include[2].
type ClusterFinding struct {
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
	Severity  Severity `json:"severity"`
	Message   string   `json:"message"`
	MessageZh string   `json:"message_zh"`
	Path      string   `json:"path,omitempty"`
}

// String formats the finding as compilers do, FILE:LINE:COL: error: message,
// so editors can jump to it; an unknown line or column is left out.
func (f ClusterFinding) String() string {
	var b strings.Builder
	b.WriteString(f.File)
	if f.Line > 0 {
		fmt.Fprintf(&b, ":%d", f.Line)
		if f.Column > 0 {
			fmt.Fprintf(&b, ":%d", f.Column)
		}
	}
	fmt.Fprintf(&b, ": %s: %s", f.Severity, f.Message)
	return b.String()
}

// ---- parsing ------------------------------------------------------------

// ParseClusterSystem reads a cluster system from YAML and validates it. name
// is the file name used in findings.
//
// The format (all names snake_case; fields marked * are required):
//
//	id*, name_zh*, name_en*, version*   identity; id is lower-case letters, digits, _ and -
//	effective_from*, effective_to       YYYY-MM-DD; effective_to is the last day, omit if open
//	base_year*                          year targets are measured from by default
//	source*                             publisher, date, and how reliable the file is
//	status_thresholds*: list of {status*, name_zh*, name_en*, min_ratio*}, highest ratio first
//	tiers*: list of {id*, name_zh*, name_en*, order*, scale_floor: {value*, unit*}}
//	clusters*: list of
//	  id*, name_zh*, name_en*, tier* (a tier id), parent (a cluster id), verified* (true|false), note
//	  target: {metric* (output_value|revenue|value_added), value*, unit*, year*, base_value, base_year, note}
//	  rules*: {include, exclude, keywords, keyword_codes, exclude_keywords}
//	targets: list of {id*, name_zh*, name_en*, metric*, value*, unit*, year*, base_value, base_year,
//	                  direction (at_least|at_most), note}
//
// Codes are GB/T 4754-2017 codes at any level (section letter, 2-, 3- or
// 4-digit), read as text so that 0111 keeps its zero. Units are yuan,
// 10k_yuan, 100m_yuan, percent and 10k_yuan_per_person; tier floors and
// cluster targets must be money. YAML anchors and aliases are not allowed:
// they would let one edit change several clusters unseen.
//
// Errors: YAML syntax, unknown or repeated fields, missing required fields,
// wrong value types, bad ids, bad dates, effective_to before effective_from,
// a target year before its base year, duplicate ids, unknown tiers or
// parents, cycles of parents, codes not in GB/T 4754-2017, a nested cluster
// whose codes leave its parent's, non-money units where money is compared,
// thresholds not in descending order. Warnings: rules that can match
// nothing or have no effect, keywords without keyword_codes, a target below
// its tier's floor, unknown units in city targets. Unverified clusters are
// not a finding; ClusterSystem.Unverified lists them.
//
// The error is non-nil, and the system nil, exactly when a finding has
// severity error. Findings are sorted by position.
func ParseClusterSystem(name string, data []byte) (*ClusterSystem, []ClusterFinding, error) {
	p := &parser{file: name, nodes: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	cs := &ClusterSystem{}
	if root := p.parseYAML(data); root != nil {
		p.decode(root, reflect.ValueOf(cs).Elem(), "")
		p.validate(cs)
	}
	if err := p.finish("cluster system"); err != nil {
		return nil, p.findings, err
	}
	return cs, p.findings, nil
}

// finish sorts the findings by position and returns an error naming the
// count and the first error, or nil when no finding is an error.
func (p *parser) finish(what string) error {
	sort.SliceStable(p.findings, func(i, j int) bool {
		a, b := p.findings[i], p.findings[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	var nerr int
	var first ClusterFinding
	for _, f := range p.findings {
		if f.Severity == SeverityError {
			if nerr == 0 {
				first = f
			}
			nerr++
		}
	}
	if nerr > 0 {
		return fmt.Errorf("%s %s has %d error(s), the first: %s", what, p.file, nerr, first)
	}
	return nil
}

type parser struct {
	file     string
	findings []ClusterFinding
	root     *yaml.Node
	nodes    map[string]*yaml.Node // path → value node
	keys     map[string]*yaml.Node // path → key node of a mapping entry
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML returns the document's root node, or nil after recording a
// syntax finding.
func (p *parser) parseYAML(data []byte) (root *yaml.Node) {
	var doc yaml.Node
	err := func() (err error) {
		// The YAML library turns its own failures into errors but re-panics
		// on anything unexpected; a validator must report, not crash.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("yaml: the YAML parser failed: %v", r)
			}
		}()
		return yaml.Unmarshal(data, &doc)
	}()
	if err != nil {
		line, msg := 0, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		p.findings = append(p.findings, ClusterFinding{
			File: p.file, Line: line, Severity: SeverityError,
			Message:   "YAML syntax error: " + msg,
			MessageZh: "YAML 语法错误（解析器原文）：" + msg,
		})
		return nil
	}
	// A document of only "~" or a bare tag is as empty as no document.
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		p.errorf(nil, "", "the file is empty", "文件为空")
		return nil
	}
	p.root = doc.Content[0]
	return p.root
}

func (p *parser) add(sev Severity, n *yaml.Node, path, en, zh string) {
	f := ClusterFinding{File: p.file, Severity: sev, Message: en, MessageZh: zh, Path: path}
	if n == nil {
		n = p.nodeAt(path)
	}
	if n != nil {
		f.Line, f.Column = n.Line, n.Column
	}
	p.findings = append(p.findings, f)
}

func (p *parser) errorf(n *yaml.Node, path, en, zh string) { p.add(SeverityError, n, path, en, zh) }
func (p *parser) warnf(n *yaml.Node, path, en, zh string)  { p.add(SeverityWarning, n, path, en, zh) }

// nodeAt returns the node at path, or the nearest enclosing one (a missing
// field is reported where its mapping starts).
func (p *parser) nodeAt(path string) *yaml.Node {
	for path != "" {
		if n, ok := p.nodes[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return p.root
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var dateType = reflect.TypeOf(Date{})

type fieldInfo struct {
	name     string
	index    int
	required bool
}

// fieldsOf lists the YAML fields of a struct type from its tags.
func fieldsOf(t reflect.Type) []fieldInfo {
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		out = append(out, fieldInfo{name: name, index: i, required: f.Tag.Get("refdata") == "required"})
	}
	return out
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// decode fills v from n, recording a finding for every node that does not
// fit instead of stopping at the first, and remembers each node's position
// by path so that later checks can point at it. It is hand-written rather
// than yaml.Node.Decode because that reports only the first unknown field
// and reads 0111 as an octal number.
func (p *parser) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		p.errorf(n, path, "YAML aliases (*"+n.Value+") are not allowed in a cluster system; write the value out",
			"集群体系文件不允许使用 YAML 别名（*"+n.Value+"），请直接写出取值")
		return
	}
	p.nodes[path] = n
	if isNull(n) {
		return // leave the zero value; required fields are checked by the caller
	}
	t := v.Type()
	switch {
	case t == dateType:
		if n.Kind != yaml.ScalarNode {
			p.wantKind(n, path, "a date (YYYY-MM-DD)", "日期（YYYY-MM-DD）")
			return
		}
		d, err := time.Parse(dateLayout, n.Value)
		if err != nil {
			p.errorf(n, path, fmt.Sprintf("%s: %q is not a valid date; write YYYY-MM-DD", path, n.Value),
				fmt.Sprintf("%s：%q 不是有效日期，应写作 YYYY-MM-DD", path, n.Value))
			return
		}
		v.Set(reflect.ValueOf(Date{d}))
	case t.Kind() == reflect.Struct:
		p.decodeStruct(n, v, path)
	case t.Kind() == reflect.Pointer:
		elem := reflect.New(t.Elem())
		p.decode(n, elem.Elem(), path)
		v.Set(elem)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			p.wantKind(n, path, "a list", "列表")
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			p.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	default:
		if n.Kind != yaml.ScalarNode {
			p.wantKind(n, path, "a single value", "单个取值")
			return
		}
		p.decodeScalar(n, v, path)
	}
}

func (p *parser) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		p.wantKind(n, path, "a mapping (key: value lines)", "映射（键: 值）")
		return
	}
	fields := fieldsOf(v.Type())
	present := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		fpath := joinPath(path, k.Value)
		if first, dup := p.keys[fpath]; dup {
			p.errorf(k, fpath, fmt.Sprintf("field %q is given twice (first at line %d)", k.Value, first.Line),
				fmt.Sprintf("字段 %q 重复出现（首次出现在第 %d 行）", k.Value, first.Line))
			continue
		}
		p.keys[fpath] = k
		fi := -1
		for j, f := range fields {
			if f.name == k.Value {
				fi = j
				break
			}
		}
		if fi < 0 {
			names := make([]string, len(fields))
			for j, f := range fields {
				names[j] = f.name
			}
			where := path
			if where == "" {
				where = "the top level"
			}
			p.errorf(k, fpath, fmt.Sprintf("unknown field %q in %s (known fields: %s)", k.Value, where, strings.Join(names, ", ")),
				fmt.Sprintf("%s 中有未知字段 %q（可用字段：%s）", where, k.Value, strings.Join(names, ", ")))
			continue
		}
		// An empty list counts as missing: a system without tiers or
		// clusters is as unusable as one that forgot the field.
		if !isNull(val) && !(val.Kind == yaml.SequenceNode && len(val.Content) == 0) {
			present[k.Value] = true
		}
		p.decode(val, v.Field(fields[fi].index), fpath)
	}
	for _, f := range fields {
		if f.required && !present[f.name] {
			where := path
			if where == "" {
				where = "the top level"
			}
			if _, given := p.keys[joinPath(path, f.name)]; given {
				p.errorf(nil, joinPath(path, f.name), fmt.Sprintf("required field %q in %s is empty", f.name, where),
					fmt.Sprintf("%s 的必填字段 %q 为空", where, f.name))
				continue
			}
			p.errorf(n, joinPath(path, f.name), fmt.Sprintf("missing required field %q in %s", f.name, where),
				fmt.Sprintf("%s 缺少必填字段 %q", where, f.name))
		}
	}
}

func (p *parser) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Bool:
		switch n.Value {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			p.errorf(n, path, fmt.Sprintf("%s: %q is not true or false", path, n.Value),
				fmt.Sprintf("%s：%q 不是 true 或 false", path, n.Value))
		}
	case reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			p.errorf(n, path, fmt.Sprintf("%s: %q is not a whole number", path, n.Value),
				fmt.Sprintf("%s：%q 不是整数", path, n.Value))
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			p.errorf(n, path, fmt.Sprintf("%s: %q is not a finite number", path, n.Value),
				fmt.Sprintf("%s：%q 不是有限数值", path, n.Value))
			return
		}
		v.SetFloat(f)
	default:
		panic("refdata: unsupported field kind " + v.Kind().String()) // a programming error in the types above
	}
}

func (p *parser) wantKind(n *yaml.Node, path, en, zh string) {
	where, whereZh := path, path
	if path == "" {
		where, whereZh = "the file", "文件顶层"
	}
	p.errorf(n, path, fmt.Sprintf("%s: want %s", where, en), fmt.Sprintf("%s：应为%s", whereZh, zh))
}

// ---- validation ---------------------------------------------------------

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func (p *parser) checkID(id, path string) {
	if id != "" && !idRE.MatchString(id) {
		p.errorf(nil, path, fmt.Sprintf("id %q: use lower-case letters, digits, _ and - only", id),
			fmt.Sprintf("标识 %q 只能使用小写字母、数字、_ 和 -", id))
	}
}

// validate checks what the types cannot say, then builds the indexes. It
// runs on whatever decoded, so one pass reports as much as possible.
func (p *parser) validate(cs *ClusterSystem) {
	p.checkID(cs.ID, "id")
	if !cs.EffectiveFrom.IsZero() && !cs.EffectiveTo.IsZero() && cs.EffectiveTo.Before(cs.EffectiveFrom.Time) {
		p.errorf(nil, "effective_to", fmt.Sprintf("effective_to %s is before effective_from %s", cs.EffectiveTo, cs.EffectiveFrom),
			fmt.Sprintf("失效日期 %s 早于生效日期 %s", cs.EffectiveTo, cs.EffectiveFrom))
	}
	p.validateThresholds(cs)
	p.validateTiers(cs)
	p.validateClusters(cs)
	p.validateCityTargets(cs)
}

func (p *parser) validateThresholds(cs *ClusterSystem) {
	seen := map[string]int{}
	for i, t := range cs.StatusThresholds {
		path := fmt.Sprintf("status_thresholds[%d]", i)
		p.checkID(t.Status, path+".status")
		p.checkDuplicate(seen, t.Status, i, path+".status", "status_thresholds[%d].status", "status", "状态")
		if i > 0 && t.MinRatio >= cs.StatusThresholds[i-1].MinRatio {
			p.errorf(nil, path+".min_ratio", fmt.Sprintf("status_thresholds must go from the highest min_ratio down: %g is not below %g", t.MinRatio, cs.StatusThresholds[i-1].MinRatio),
				fmt.Sprintf("status_thresholds 应按 min_ratio 从高到低排列：%g 不小于 %g", t.MinRatio, cs.StatusThresholds[i-1].MinRatio))
		}
	}
}

// checkDuplicate records id in seen, or reports it with the line of its
// first occurrence.
func (p *parser) checkDuplicate(seen map[string]int, id string, i int, path, firstPathFmt, what, whatZh string) {
	if id == "" {
		return
	}
	if j, dup := seen[id]; dup {
		first := p.nodeAt(fmt.Sprintf(firstPathFmt, j))
		p.errorf(nil, path, fmt.Sprintf("duplicate %s id %q (first defined at line %d)", what, id, first.Line),
			fmt.Sprintf("%s标识 %q 重复（首次定义在第 %d 行）", whatZh, id, first.Line))
		return
	}
	seen[id] = i
}

func (p *parser) validateTiers(cs *ClusterSystem) {
	cs.tierIdx = map[string]int{}
	orders := map[int]int{}
	for i, t := range cs.Tiers {
		path := fmt.Sprintf("tiers[%d]", i)
		p.checkID(t.ID, path+".id")
		p.checkDuplicate(cs.tierIdx, t.ID, i, path+".id", "tiers[%d].id", "tier", "层级")
		if j, dup := orders[t.Order]; dup && t.Order != 0 {
			p.errorf(nil, path+".order", fmt.Sprintf("tier %q has order %d, like tier %q: the order must be unique because it ranks tiers", t.ID, t.Order, cs.Tiers[j].ID),
				fmt.Sprintf("层级 %q 的 order %d 与层级 %q 相同：order 用于排序，必须唯一", t.ID, t.Order, cs.Tiers[j].ID))
		} else {
			orders[t.Order] = i
		}
		if t.ScaleFloor != nil {
			p.checkMoneyUnit(t.ScaleFloor.Unit, path+".scale_floor.unit")
		}
	}
}

func (p *parser) checkMoneyUnit(unit, path string) {
	if _, ok := UnitInYuan(unit); !ok && unit != "" {
		p.errorf(nil, path, fmt.Sprintf("unit %q is not a money unit; use yuan, 10k_yuan or 100m_yuan", unit),
			fmt.Sprintf("单位 %q 不是货币单位，请使用 yuan、10k_yuan 或 100m_yuan", unit))
	}
}

func (p *parser) checkYears(year, baseYear int, path string) {
	if year != 0 && baseYear != 0 && year < baseYear {
		p.errorf(nil, path+".year", fmt.Sprintf("target year %d is before its base year %d", year, baseYear),
			fmt.Sprintf("目标年份 %d 早于基准年份 %d", year, baseYear))
	}
}

func (p *parser) validateClusters(cs *ClusterSystem) {
	ind := GBT4754()
	cs.clusterIdx = map[string]int{}
	for i := range cs.Clusters {
		c := &cs.Clusters[i]
		path := fmt.Sprintf("clusters[%d]", i)
		p.checkID(c.ID, path+".id")
		p.checkDuplicate(cs.clusterIdx, c.ID, i, path+".id", "clusters[%d].id", "cluster", "集群")
		if c.Tier != "" {
			if _, ok := cs.tierIdx[c.Tier]; !ok {
				p.errorf(nil, path+".tier", fmt.Sprintf("cluster %q has unknown tier %q (tiers: %s)", c.ID, c.Tier, strings.Join(tierIDs(cs), ", ")),
					fmt.Sprintf("集群 %q 的层级 %q 不存在（已定义层级：%s）", c.ID, c.Tier, strings.Join(tierIDs(cs), ", ")))
			}
		}
		if t := c.Target; t != nil {
			tp := path + ".target"
			switch t.Metric {
			case MetricOutputValue, MetricRevenue, MetricValueAdded, "":
			default:
				p.errorf(nil, tp+".metric", fmt.Sprintf("metric %q is not one of output_value, revenue, value_added", t.Metric),
					fmt.Sprintf("指标 %q 不是 output_value、revenue、value_added 之一", t.Metric))
			}
			p.checkMoneyUnit(t.Unit, tp+".unit")
			base := t.BaseYear
			if base == 0 {
				base = cs.BaseYear
			}
			p.checkYears(t.Year, base, tp)
			if ti, ok := cs.tierIdx[c.Tier]; ok {
				if f := cs.Tiers[ti].ScaleFloor; f != nil && f.Unit == t.Unit && t.Value < f.Value {
					p.warnf(nil, tp+".value", fmt.Sprintf("target %g %s of cluster %q is below the %q tier's floor of %g", t.Value, t.Unit, c.ID, c.Tier, f.Value),
						fmt.Sprintf("集群 %q 的目标 %g %s 低于层级 %q 的门槛 %g", c.ID, t.Value, t.Unit, c.Tier, f.Value))
				}
			}
		}
		p.validateRules(ind, c, path+".rules")
	}

	// Parents: existence first, then cycles, then containment.
	for i, c := range cs.Clusters {
		if c.Parent == "" {
			continue
		}
		if _, ok := cs.clusterIdx[c.Parent]; !ok {
			p.errorf(nil, fmt.Sprintf("clusters[%d].parent", i), fmt.Sprintf("cluster %q has unknown parent %q", c.ID, c.Parent),
				fmt.Sprintf("集群 %q 的上级集群 %q 不存在", c.ID, c.Parent))
		}
	}
	cyclic := p.checkCycles(cs)
	cs.depth = make([]int, len(cs.Clusters))
	for i := range cs.Clusters {
		if !cyclic[i] {
			cs.depth[i] = clusterDepth(cs, i)
		}
	}
	sets := make([]map[string]bool, len(cs.Clusters))
	memberSet := func(i int) map[string]bool {
		if sets[i] == nil {
			sets[i] = includedClasses(ind, cs.Clusters[i].Rules)
		}
		return sets[i]
	}
	for i := range cs.Clusters {
		c := &cs.Clusters[i]
		pi, ok := cs.clusterIdx[c.Parent]
		if c.Parent == "" || !ok || cyclic[i] {
			continue
		}
		parent := memberSet(pi)
		excluded := classSet(ind, c.Rules.Exclude)
		check := func(field string, codes []string) {
			for k, code := range codes {
				for _, cl := range ind.Classes(code) {
					if excluded[cl] || parent[cl] {
						continue
					}
					detail, detailZh := "", ""
					if cl != code {
						detail = fmt.Sprintf(" (class %s is not)", cl)
						detailZh = fmt.Sprintf("（其中小类 %s 不在）", cl)
					}
					p.errorf(nil, fmt.Sprintf("clusters[%d].rules.%s[%d]", i, field, k),
						fmt.Sprintf("code %s of cluster %q lies outside its parent %q: a nested cluster's codes must be among its parent's codes%s", code, c.ID, c.Parent, detail),
						fmt.Sprintf("集群 %q 的代码 %s 超出上级集群 %q 的范围：下级集群的代码必须包含在上级集群的代码之内%s", c.ID, code, c.Parent, detailZh))
					break
				}
			}
		}
		check("include", c.Rules.Include)
		check("keyword_codes", c.Rules.KeywordCodes)
	}
}

func tierIDs(cs *ClusterSystem) []string {
	ids := make([]string, len(cs.Tiers))
	for i, t := range cs.Tiers {
		ids[i] = t.ID
	}
	return ids
}

// checkCycles reports every cycle of parent links once, at the first
// cluster of the cycle in file order, and returns the clusters on or above
// a cycle (their depth is undefined).
func (p *parser) checkCycles(cs *ClusterSystem) map[int]bool {
	bad := map[int]bool{}
	reported := map[int]bool{}
	for start := range cs.Clusters {
		// Walk up from start; a cluster seen twice closes a cycle.
		pos := map[int]int{}
		var chain []int
		i := start
		for {
			if at, seen := pos[i]; seen {
				cycle := chain[at:]
				for _, j := range chain {
					bad[j] = true
				}
				first := cycle[0]
				for _, j := range cycle {
					first = min(first, j)
				}
				if !reported[first] {
					for _, j := range cycle {
						reported[j] = true
					}
					// List the cycle starting from its first cluster in the file.
					k := 0
					for cycle[k] != first {
						k++
					}
					var names []string
					for n := 0; n <= len(cycle); n++ {
						names = append(names, cs.Clusters[cycle[(k+n)%len(cycle)]].ID)
					}
					list := strings.Join(names, " → ")
					p.errorf(nil, fmt.Sprintf("clusters[%d].parent", first), "parent links form a cycle: "+list,
						"上级集群关系形成循环："+list)
				}
				break
			}
			pos[i] = len(chain)
			chain = append(chain, i)
			pi, ok := cs.clusterIdx[cs.Clusters[i].Parent]
			if cs.Clusters[i].Parent == "" || !ok {
				break
			}
			i = pi
		}
	}
	return bad
}

func clusterDepth(cs *ClusterSystem, i int) int {
	d := 0
	for {
		pi, ok := cs.clusterIdx[cs.Clusters[i].Parent]
		if cs.Clusters[i].Parent == "" || !ok {
			return d
		}
		d++
		i = pi
	}
}

// classSet expands codes at any level to their 4-digit classes.
func classSet(ind *Industries, codes []string) map[string]bool {
	set := map[string]bool{}
	for _, code := range codes {
		for _, cl := range ind.Classes(code) {
			set[cl] = true
		}
	}
	return set
}

// includedClasses is the set of classes a cluster takes by code: include
// minus exclude. Keyword scopes do not count, because membership there
// depends on the enterprise.
func includedClasses(ind *Industries, r Rules) map[string]bool {
	set := classSet(ind, r.Include)
	for cl := range classSet(ind, r.Exclude) {
		delete(set, cl)
	}
	return set
}

func (p *parser) validateRules(ind *Industries, c *Cluster, path string) {
	r := c.Rules
	known := func(field string, codes []string) {
		seen := map[string]bool{}
		for k, code := range codes {
			cp := fmt.Sprintf("%s.%s[%d]", path, field, k)
			if _, ok := ind.Lookup(code); !ok {
				p.errorf(nil, cp, fmt.Sprintf("code %q is not in GB/T 4754-2017", code),
					fmt.Sprintf("代码 %q 不在 GB/T 4754-2017 中", code))
			} else if seen[code] {
				p.warnf(nil, cp, fmt.Sprintf("code %s is listed twice in %s", code, field),
					fmt.Sprintf("代码 %s 在 %s 中重复列出", code, field))
			}
			seen[code] = true
		}
	}
	known("include", r.Include)
	known("exclude", r.Exclude)
	known("keyword_codes", r.KeywordCodes)
	words := func(field string, ws []string) {
		for k, w := range ws {
			if strings.TrimSpace(w) == "" {
				p.errorf(nil, fmt.Sprintf("%s.%s[%d]", path, field, k), "empty keyword: it would match every business scope",
					"关键词为空：会匹配所有经营范围")
			}
		}
	}
	words("keywords", r.Keywords)
	words("exclude_keywords", r.ExcludeKeywords)

	switch {
	case len(r.Include) == 0 && len(r.Keywords) == 0:
		p.warnf(nil, path, fmt.Sprintf("cluster %q has neither include codes nor keywords, so no enterprise can match it", c.ID),
			fmt.Sprintf("集群 %q 既无 include 代码也无关键词，不会匹配任何企业", c.ID))
	case len(r.Keywords) > 0 && len(r.KeywordCodes) == 0:
		p.warnf(nil, path+".keywords", fmt.Sprintf("keywords of cluster %q apply in every industry; add keyword_codes to limit them", c.ID),
			fmt.Sprintf("集群 %q 的关键词适用于所有行业，建议用 keyword_codes 限定范围", c.ID))
	case len(r.Keywords) == 0 && len(r.KeywordCodes) > 0:
		p.warnf(nil, path+".keyword_codes", fmt.Sprintf("keyword_codes of cluster %q have no effect without keywords", c.ID),
			fmt.Sprintf("集群 %q 没有关键词，keyword_codes 不起作用", c.ID))
	}

	// An exclude outside every include and keyword scope has no effect,
	// which usually means a typo in the code.
	scope := append(append([]string{}, r.Include...), r.KeywordCodes...)
	for k, ex := range r.Exclude {
		if _, ok := ind.Lookup(ex); !ok {
			continue
		}
		overlaps := false
		for _, in := range scope {
			if ind.Contains(in, ex) || ind.Contains(ex, in) {
				overlaps = true
				break
			}
		}
		if !overlaps {
			p.warnf(nil, fmt.Sprintf("%s.exclude[%d]", path, k), fmt.Sprintf("exclude %s of cluster %q lies outside its include codes and has no effect", ex, c.ID),
				fmt.Sprintf("集群 %q 的排除代码 %s 不在其包含范围内，不起作用", c.ID, ex))
		}
	}
	for k, in := range r.Include {
		for _, ex := range r.Exclude {
			if ind.Contains(ex, in) {
				p.warnf(nil, fmt.Sprintf("%s.include[%d]", path, k), fmt.Sprintf("include %s of cluster %q is cancelled by exclude %s", in, c.ID, ex),
					fmt.Sprintf("集群 %q 的包含代码 %s 被排除代码 %s 完全抵消", c.ID, in, ex))
				break
			}
		}
	}
}

func (p *parser) validateCityTargets(cs *ClusterSystem) {
	seen := map[string]int{}
	for i, t := range cs.Targets {
		path := fmt.Sprintf("targets[%d]", i)
		p.checkID(t.ID, path+".id")
		p.checkDuplicate(seen, t.ID, i, path+".id", "targets[%d].id", "target", "目标")
		if _, ok := clusterUnits[t.Unit]; !ok && t.Unit != "" {
			p.warnf(nil, path+".unit", fmt.Sprintf("unit %q is not one Indus knows (yuan, 10k_yuan, 100m_yuan, percent, 10k_yuan_per_person); values in it cannot be converted", t.Unit),
				fmt.Sprintf("单位 %q 不是系统已知单位（yuan、10k_yuan、100m_yuan、percent、10k_yuan_per_person），无法换算", t.Unit))
		}
		switch t.Direction {
		case "", AtLeast, AtMost:
		default:
			p.errorf(nil, path+".direction", fmt.Sprintf("direction %q is not at_least or at_most", t.Direction),
				fmt.Sprintf("方向 %q 不是 at_least 或 at_most", t.Direction))
		}
		base := t.BaseYear
		if base == 0 {
			base = cs.BaseYear
		}
		p.checkYears(t.Year, base, path)
	}
}
