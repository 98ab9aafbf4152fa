package index

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/indus-platform/indus/internal/indus"
)

// LoadPipelineYAML reads a pipeline file; see ParsePipelineYAML.
func LoadPipelineYAML(path string) (Pipeline, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Pipeline{}, err
	}
	p, err := ParsePipelineYAML(b)
	if err != nil {
		return Pipeline{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParsePipelineYAML reads a pipeline file:
//
//	denominate: true
//	impute:    {method: group_mean, group: EurAsia_group}
//	screen:    {min_availability: 0.9}
//	treat:     {method: winsorise, winmax: 5, skew: 2, kurt: 3.5, fallback: log}   # or {method: none}
//	normalise: {method: minmax, min: 0, max: 100}
//	aggregate: {method: amean, by_level: {4: copeland}}
//	classify:  {method: bands, bands: {A: 0.20, B: 0.60, C: 0.95, D: 1.0}}
//
// Steps run in that order. A step that is absent is skipped, except normalise
// (default min-max 0–100) and aggregate (default amean). Further keys:
// impute.method mean | median | group_mean | group_median; screen.by,
// screen.min_nonzero, screen.force {uCode: true|false}; treat.fallback log |
// log_CT | log_CT_plus | log_CT_orig | boxcox | none, treat.lambda,
// treat.combine, treat.force_win, treat.skip [codes]; normalise parameters per
// method (min, max | mean, sd | lo, hi, scale, trunc | target, cap_max | ref |
// benchmark mean | median | NUMBER, k, cap) and normalise.by_indicator
// {code: {...}}; aggregate.min_availability, aggregate.by_level {level:
// method or {method, min_availability}}, aggregate.weights {code: w};
// classify.code and classify.thresholds or classify.quotas instead of bands
// (class names in order, best first). The "uncertainty" key belongs to the
// uncertainty analysis (see ParseUncertaintyYAML) and is ignored here; any
// other key is an error naming it.
func ParsePipelineYAML(b []byte) (Pipeline, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return Pipeline{}, indus.Errorf(indus.EInvalid, "pipeline YAML: %v", err)
	}
	if len(root.Content) == 0 {
		return Pipeline{Steps: []Step{Normalise{}, Aggregate{}}}, nil
	}
	return parsePipelineDoc(root.Content[0])
}

// parsePipelineDoc parses the top-level mapping of a pipeline file; the
// uncertainty analysis calls it on edited copies of the document to build
// the pipeline of each combination of alternatives.
func parsePipelineDoc(doc *yaml.Node) (Pipeline, error) {
	var p Pipeline
	m, err := mapping(doc, "pipeline")
	if err != nil {
		return p, err
	}
	order := []string{"denominate", "impute", "screen", "treat", "normalise", "aggregate", "classify"}
	for k := range m {
		if k == "uncertainty" {
			continue
		}
		found := false
		for _, o := range order {
			found = found || o == k
		}
		if !found {
			return p, indus.Errorf(indus.EInvalid, "pipeline YAML: unknown step %q (want %s)", k, strings.Join(order, ", "))
		}
	}
	for _, name := range order {
		n, ok := m[name]
		if !ok {
			switch name {
			case "normalise":
				p.Steps = append(p.Steps, Normalise{})
			case "aggregate":
				p.Steps = append(p.Steps, Aggregate{})
			}
			continue
		}
		var s Step
		var err error
		switch name {
		case "denominate":
			s, err = parseDenominate(n)
		case "impute":
			s, err = parseImpute(n)
		case "screen":
			s, err = parseScreen(n)
		case "treat":
			s, err = parseTreat(n)
		case "normalise":
			s, err = parseNormalise(n)
		case "aggregate":
			s, err = parseAggregate(n)
		case "classify":
			s, err = parseClassify(n)
		}
		if err != nil {
			return p, err
		}
		if s != nil {
			p.Steps = append(p.Steps, s)
		}
	}
	return p, nil
}

// mapping returns the keys of a YAML mapping node; duplicate keys are errors.
func mapping(n *yaml.Node, where string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: %s (line %d) must be a mapping", where, n.Line)
	}
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if _, dup := m[k]; dup {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: %s: key %q appears twice", where, k)
		}
		m[k] = n.Content[i+1]
	}
	return m, nil
}

// orderedKeys returns a mapping's keys in file order.
func orderedKeys(n *yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

// fields checks that m has only allowed keys.
func fields(m map[string]*yaml.Node, where string, allowed ...string) error {
	for k := range m {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return indus.Errorf(indus.EInvalid, "pipeline YAML: %s: unknown key %q (want %s)", where, k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func scalarFloat(n *yaml.Node, where string) (float64, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, indus.Errorf(indus.EInvalid, "pipeline YAML: %s (line %d) must be a number", where, n.Line)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
	if err != nil {
		return 0, indus.Errorf(indus.EInvalid, "pipeline YAML: %s (line %d): %q is not a number", where, n.Line, n.Value)
	}
	return v, nil
}

func scalarInt(n *yaml.Node, where string) (int, error) {
	v, err := scalarFloat(n, where)
	if err != nil {
		return 0, err
	}
	if v != float64(int(v)) {
		return 0, indus.Errorf(indus.EInvalid, "pipeline YAML: %s (line %d): %q is not a whole number", where, n.Line, n.Value)
	}
	return int(v), nil
}

func scalarBool(n *yaml.Node, where string) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		return false, indus.Errorf(indus.EInvalid, "pipeline YAML: %s (line %d) must be true or false", where, n.Line)
	}
	return b, nil
}

func scalarString(n *yaml.Node, where string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", indus.Errorf(indus.EInvalid, "pipeline YAML: %s (line %d) must be a string", where, n.Line)
	}
	return n.Value, nil
}

func parseDenominate(n *yaml.Node) (Step, error) {
	if n.Kind == yaml.ScalarNode {
		on, err := scalarBool(n, "denominate")
		if err != nil || !on {
			return nil, err
		}
		return Denominate{}, nil
	}
	m, err := mapping(n, "denominate")
	if err != nil {
		return nil, err
	}
	if err := fields(m, "denominate", "by"); err != nil {
		return nil, err
	}
	s := Denominate{}
	if by, ok := m["by"]; ok {
		bm, err := mapping(by, "denominate.by")
		if err != nil {
			return nil, err
		}
		s.By = map[string]string{}
		for k, v := range bm {
			if s.By[k], err = scalarString(v, "denominate.by."+k); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func parseImpute(n *yaml.Node) (Step, error) {
	m, err := mapping(n, "impute")
	if err != nil {
		return nil, err
	}
	if err := fields(m, "impute", "method", "group"); err != nil {
		return nil, err
	}
	s := Impute{Method: ImputeMean}
	if v, ok := m["method"]; ok {
		if s.Method, err = scalarString(v, "impute.method"); err != nil {
			return nil, err
		}
	}
	if s.Method == "none" {
		return nil, nil
	}
	if v, ok := m["group"]; ok {
		if s.Group, err = scalarString(v, "impute.group"); err != nil {
			return nil, err
		}
	}
	switch s.Method {
	case ImputeMean, ImputeMedian, ImputeGroupMean, ImputeGroupMedian:
	default:
		return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: impute.method %q (want mean, median, group_mean, group_median or none)", s.Method)
	}
	if (s.Method == ImputeGroupMean || s.Method == ImputeGroupMedian) && s.Group == "" {
		return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: impute.method %s needs impute.group", s.Method)
	}
	return s, nil
}

func parseScreen(n *yaml.Node) (Step, error) {
	m, err := mapping(n, "screen")
	if err != nil {
		return nil, err
	}
	if err := fields(m, "screen", "min_availability", "min_nonzero", "by", "force"); err != nil {
		return nil, err
	}
	s := Screen{}
	if v, ok := m["min_availability"]; ok {
		if s.MinAvailability, err = scalarFloat(v, "screen.min_availability"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["min_nonzero"]; ok {
		if s.MinNonZero, err = scalarFloat(v, "screen.min_nonzero"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["by"]; ok {
		if s.By, err = scalarString(v, "screen.by"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["force"]; ok {
		fm, err := mapping(v, "screen.force")
		if err != nil {
			return nil, err
		}
		s.Force = map[string]bool{}
		for k, b := range fm {
			if s.Force[k], err = scalarBool(b, "screen.force."+k); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func parseTreat(n *yaml.Node) (Step, error) {
	m, err := mapping(n, "treat")
	if err != nil {
		return nil, err
	}
	if err := fields(m, "treat", "method", "winmax", "skew", "kurt", "fallback", "lambda", "combine", "force_win", "skip"); err != nil {
		return nil, err
	}
	if v, ok := m["method"]; ok {
		meth, err := scalarString(v, "treat.method")
		if err != nil {
			return nil, err
		}
		switch meth {
		case "none":
			return nil, nil
		case "winsorise", "winsorize":
		default:
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: treat.method %q (want winsorise or none)", meth)
		}
	}
	s := Treat{}
	if v, ok := m["winmax"]; ok {
		if s.WinMax, err = scalarInt(v, "treat.winmax"); err != nil {
			return nil, err
		}
		if s.WinMax == 0 {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: treat.winmax must be at least 1 (or -1 for no limit)")
		}
	}
	if v, ok := m["skew"]; ok {
		if s.SkewThresh, err = scalarFloat(v, "treat.skew"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["kurt"]; ok {
		if s.KurtThresh, err = scalarFloat(v, "treat.kurt"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["fallback"]; ok {
		f, err := scalarString(v, "treat.fallback")
		if err != nil {
			return nil, err
		}
		if f == "log" {
			f = FallbackLogCT
		}
		s.Fallback = f
	}
	if v, ok := m["lambda"]; ok {
		if s.Lambda, err = scalarFloat(v, "treat.lambda"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["combine"]; ok {
		if s.CombineTreat, err = scalarBool(v, "treat.combine"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["force_win"]; ok {
		if s.ForceWin, err = scalarBool(v, "treat.force_win"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["skip"]; ok {
		if v.Kind != yaml.SequenceNode {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: treat.skip (line %d) must be a list of codes", v.Line)
		}
		for _, c := range v.Content {
			s.Skip = append(s.Skip, c.Value)
		}
	}
	if _, err := s.withDefaults(); err != nil {
		return nil, err
	}
	return s, nil
}

func parseNormSpec(n *yaml.Node, where string) (NormSpec, error) {
	var spec NormSpec
	if n.Kind == yaml.ScalarNode {
		spec.Method = n.Value
		return spec, nil
	}
	m, err := mapping(n, where)
	if err != nil {
		return spec, err
	}
	if err := fields(m, where, "method", "min", "max", "mean", "sd", "lo", "hi", "scale", "trunc",
		"target", "cap_max", "ref", "benchmark", "k", "cap", "by_indicator"); err != nil {
		return spec, err
	}
	str := func(key string, dst *string) error {
		if v, ok := m[key]; ok {
			s, err := scalarString(v, where+"."+key)
			*dst = s
			return err
		}
		return nil
	}
	num := func(key string, dst *float64) error {
		if v, ok := m[key]; ok {
			f, err := scalarFloat(v, where+"."+key)
			*dst = f
			return err
		}
		return nil
	}
	if err := str("method", &spec.Method); err != nil {
		return spec, err
	}
	for _, kv := range []struct {
		k string
		p *float64
	}{{"min", &spec.Min}, {"max", &spec.Max}, {"mean", &spec.Mean}, {"sd", &spec.SD}, {"lo", &spec.Lo},
		{"hi", &spec.Hi}, {"scale", &spec.Scale}, {"k", &spec.K}, {"cap", &spec.Cap}} {
		if err := num(kv.k, kv.p); err != nil {
			return spec, err
		}
	}
	if v, ok := m["trunc"]; ok {
		tr, err := scalarBool(v, where+".trunc")
		if err != nil {
			return spec, err
		}
		spec.NoTrunc = !tr
	}
	if v, ok := m["cap_max"]; ok {
		if spec.CapMax, err = scalarBool(v, where+".cap_max"); err != nil {
			return spec, err
		}
	}
	if v, ok := m["target"]; ok {
		t, err := scalarFloat(v, where+".target")
		if err != nil {
			return spec, err
		}
		spec.Target = &t
	}
	if err := str("ref", &spec.RefUnit); err != nil {
		return spec, err
	}
	if v, ok := m["benchmark"]; ok {
		b, err := scalarString(v, where+".benchmark")
		if err != nil {
			return spec, err
		}
		switch b {
		case BenchmarkMean, BenchmarkMedian:
			spec.Benchmark = b
		default:
			f, err := strconv.ParseFloat(b, 64)
			if err != nil {
				return spec, indus.Errorf(indus.EInvalid, "pipeline YAML: %s.benchmark (line %d): %q (want mean, median or a number)", where, v.Line, b)
			}
			spec.Benchmark, spec.Value = BenchmarkValue, f
		}
	}
	return spec, nil
}

func parseNormalise(n *yaml.Node) (Step, error) {
	spec, err := parseNormSpec(n, "normalise")
	if err != nil {
		return nil, err
	}
	s := Normalise{Default: spec}
	if n.Kind == yaml.MappingNode {
		m, _ := mapping(n, "normalise")
		if bi, ok := m["by_indicator"]; ok {
			bm, err := mapping(bi, "normalise.by_indicator")
			if err != nil {
				return nil, err
			}
			s.ByCode = map[string]NormSpec{}
			for code, v := range bm {
				sp, err := parseNormSpec(v, "normalise.by_indicator."+code)
				if err != nil {
					return nil, err
				}
				s.ByCode[code] = sp
			}
		}
	}
	return s, nil
}

func parseAggSpec(n *yaml.Node, where string) (AggSpec, error) {
	var a AggSpec
	if n.Kind == yaml.ScalarNode {
		a.Method = n.Value
		return a, nil
	}
	m, err := mapping(n, where)
	if err != nil {
		return a, err
	}
	if where != "aggregate" {
		if err := fields(m, where, "method", "min_availability"); err != nil {
			return a, err
		}
	}
	if v, ok := m["method"]; ok {
		if a.Method, err = scalarString(v, where+".method"); err != nil {
			return a, err
		}
	}
	if v, ok := m["min_availability"]; ok {
		if a.MinAvailability, err = scalarFloat(v, where+".min_availability"); err != nil {
			return a, err
		}
	}
	return a, nil
}

func parseAggregate(n *yaml.Node) (Step, error) {
	m, err := mapping(n, "aggregate")
	if err != nil {
		return nil, err
	}
	if err := fields(m, "aggregate", "method", "min_availability", "by_level", "weights"); err != nil {
		return nil, err
	}
	spec, err := parseAggSpec(n, "aggregate")
	if err != nil {
		return nil, err
	}
	s := Aggregate{AggSpec: spec}
	if v, ok := m["by_level"]; ok {
		bm, err := mapping(v, "aggregate.by_level")
		if err != nil {
			return nil, err
		}
		s.ByLevel = map[int]AggSpec{}
		for k, sv := range bm {
			lev, err := strconv.Atoi(k)
			if err != nil {
				return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: aggregate.by_level key %q is not a level number", k)
			}
			if s.ByLevel[lev], err = parseAggSpec(sv, "aggregate.by_level."+k); err != nil {
				return nil, err
			}
		}
	}
	if v, ok := m["weights"]; ok {
		wm, err := mapping(v, "aggregate.weights")
		if err != nil {
			return nil, err
		}
		s.Weights = map[string]float64{}
		for k, wv := range wm {
			if s.Weights[k], err = scalarFloat(wv, "aggregate.weights."+k); err != nil {
				return nil, err
			}
		}
	}
	specs := []AggSpec{s.AggSpec}
	for _, l := range sortedLevels(s.ByLevel) {
		specs = append(specs, s.ByLevel[l])
	}
	for _, sp := range specs {
		switch sp.Method {
		case "", AggAMean, AggGMean, AggHMean, AggWSum, AggCopeland:
		default:
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: aggregate method %q (want amean, gmean, hmean, wsum or copeland)", sp.Method)
		}
	}
	return s, nil
}

func parseClassify(n *yaml.Node) (Step, error) {
	m, err := mapping(n, "classify")
	if err != nil {
		return nil, err
	}
	if err := fields(m, "classify", "method", "code", "bands", "thresholds", "quotas"); err != nil {
		return nil, err
	}
	s := Classify{Method: ClassifyBands}
	if v, ok := m["method"]; ok {
		if s.Method, err = scalarString(v, "classify.method"); err != nil {
			return nil, err
		}
	}
	if v, ok := m["code"]; ok {
		if s.Code, err = scalarString(v, "classify.code"); err != nil {
			return nil, err
		}
	}
	key := s.Method
	switch s.Method {
	case ClassifyBands, ClassifyThresholds, ClassifyQuotas:
	default:
		return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: classify.method %q (want bands, thresholds or quotas)", s.Method)
	}
	v, ok := m[key]
	if !ok {
		return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: classify.method %s needs classify.%s", s.Method, key)
	}
	if _, err := mapping(v, "classify."+key); err != nil {
		return nil, err
	}
	for i, name := range orderedKeys(v) {
		val := v.Content[2*i+1]
		r := ClassRule{Name: name}
		switch s.Method {
		case ClassifyBands:
			r.UpTo, err = scalarFloat(val, "classify.bands."+name)
		case ClassifyThresholds:
			r.Min, err = scalarFloat(val, "classify.thresholds."+name)
		case ClassifyQuotas:
			r.Count, err = scalarInt(val, "classify.quotas."+name)
		}
		if err != nil {
			return nil, err
		}
		s.Classes = append(s.Classes, r)
	}
	return s, nil
}
